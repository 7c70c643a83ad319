/*
 * main.c - the mstrc command: check, emit, build, run and draw .mstr programs.
 *
 *   mstrc check FILE                 diagnostics only
 *   mstrc emit FILE [-o OUT.c]       print (or write) the generated C
 *   mstrc build FILE [-o BINARY]     compile to one static binary (through the cache, cache.h)
 *   mstrc run FILE [-- ARGS...]      build through the cache, then run with ARGS
 *   mstrc graph FILE [-o OUT]        the dataflow as Graphviz DOT (OUT.svg, .png, .pdf: by dot)
 *   mstrc test FILE                  the pipeline tests of FILE.test (pipetest.h)
 *   mstrc package FILE [-o DIR]      an OCI image and Kubernetes manifests (package.h)
 *
 * Exit status: 0 on success, 1 for errors in the user's program (or the job's own status for
 * run, or a failed test), 2 for bad usage. The runtime library and its headers are found next to the mstrc
 * executable, in a build tree or where make install put them (drive.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "cc.h"
#include "drive.h"
#include "frontend.h"
#include "graph.h"
#include "mstr_mem.h"
#include "mstr_route.h"
#include "oci.h"
#include "package.h"
#include "pipetest.h"

typedef struct options {
    const char *command;
    const char *input;
    const char *output;      /* -o */
    const char **include_dirs; /* -I, in order (pointing into argv) */
    size_t ninclude_dirs;
    bool line_directives;    /* off with --no-line */
    int workers, processes;  /* package: --workers, --processes (0: not given) */
    const char *image;       /* package: --image, or NULL */
    char **run_args;         /* after -- */
    int nrun_args;
} options;

static void usage(FILE *f)
{
    fputs("usage: mstrc COMMAND FILE.mstr [options]\n"
          "\n"
          "commands:\n"
          "  check FILE              report errors in FILE, produce nothing\n"
          "  emit FILE [-o OUT.c]    print the generated C (or write it to OUT.c)\n"
          "  build FILE [-o BINARY]  compile FILE into one statically linked binary (cached)\n"
          "                          (default name: FILE without .mstr, in the current directory)\n"
          "  run FILE [-- ARGS...]   build FILE (cached) and run it with ARGS\n"
          "  graph FILE [-o OUT]     print the dataflow as Graphviz DOT, or draw it into OUT\n"
          "                          (OUT.dot as DOT; OUT.svg, .png, .pdf by Graphviz's dot)\n"
          "  test FILE               run the pipeline tests of FILE.test (FILE without .mstr)\n"
          "                          on 1 and 4 workers; a diff for each failure\n"
          "  package FILE [-o DIR]   an OCI image of the job (DIR/image) and Kubernetes\n"
          "                          manifests that run it (DIR/k8s); default DIR: FILE's\n"
          "                          base name with -package\n"
          "\n"
          "options:\n"
          "  -o PATH         output path\n"
          "  -I DIR          also look for the headers the program's C includes in DIR (its\n"
          "                  own directory comes first)\n"
          "  --no-line       no #line directives: C errors then point at the generated C\n"
          "  --workers N     package: worker threads per process (default: the job's)\n"
          "  --processes P   package: processes, one per pod (default 1)\n"
          "  --image REF     package: the image the pods run, where it will be pushed\n"
          "                  (default: NAME:latest)\n"
          "  --help          show this help\n"
          "\n"
          "environment: CC (default cc), CFLAGS and LDFLAGS (passed to it), MSTRC_CACHE\n"
          "             (where build and run keep binaries; default ~/.cache/mstrc)\n"
          "exit status: 0 success, 1 errors in the program or a failed test, 2 bad usage\n",
          f);
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "mstrc: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see mstrc --help)\n");
    return 2;
}

/* Whether text is a number of workers or processes, 1 .. MSTR_MAX_WORKERS; sets *n if so. */
static bool parse_count(const char *text, int *n)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < 1 || v > MSTR_MAX_WORKERS)
        return false;
    *n = (int)v;
    return true;
}

/* Returns 0 when opt is ready, -1 after --help, 2 after a usage error. */
static int parse_args(int argc, char **argv, options *opt)
{
    *opt = (options){ .line_directives = true };
    opt->include_dirs = mstr_alloc_array((size_t)argc, sizeof *opt->include_dirs);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return -1;
        } else if (strcmp(a, "--") == 0) {
            opt->run_args = argv + i + 1;
            opt->nrun_args = argc - i - 1;
            break;
        } else if (strcmp(a, "-o") == 0) {
            if (i + 1 == argc)
                return usage_error("%s needs a path", a);
            opt->output = argv[++i];
        } else if (strncmp(a, "-I", 2) == 0) {
            if (a[2] == '\0' && i + 1 == argc)
                return usage_error("%s needs a directory", a);
            opt->include_dirs[opt->ninclude_dirs++] = a[2] != '\0' ? a + 2 : argv[++i];
        } else if (strcmp(a, "--no-line") == 0) {
            opt->line_directives = false;
        } else if (strcmp(a, "--workers") == 0 || strcmp(a, "--processes") == 0) {
            int *n = strcmp(a, "--workers") == 0 ? &opt->workers : &opt->processes;
            if (i + 1 == argc || !parse_count(argv[++i], n))
                return usage_error("%s needs a number from 1 to 1024", a);
        } else if (strcmp(a, "--image") == 0) {
            if (i + 1 == argc || argv[i + 1][0] == '\0')
                return usage_error("%s needs an image reference (registry/name:tag)", a);
            opt->image = argv[++i];
        } else if (a[0] == '-') {
            return usage_error("unknown option '%s'", a);
        } else if (opt->command == NULL) {
            opt->command = a;
        } else if (opt->input == NULL) {
            opt->input = a;
        } else {
            return usage_error("unexpected argument '%s'", a);
        }
    }
    if (opt->command == NULL) {
        usage(stderr);
        return 2;
    }
    static const char *const commands[] = { "check", "emit", "build", "run", "graph", "test",
                                             "package" };
    bool known = false;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        known |= strcmp(opt->command, commands[i]) == 0;
    if (!known)
        return usage_error("unknown command '%s'", opt->command);
    if (opt->input == NULL)
        return usage_error("%s needs a .mstr file", opt->command);
    if (opt->run_args != NULL && strcmp(opt->command, "run") != 0)
        return usage_error("arguments after -- are only for run, not %s", opt->command);
    if ((opt->workers || opt->processes || opt->image) && strcmp(opt->command, "package") != 0)
        return usage_error("--workers, --processes and --image are only for package, not %s",
                           opt->command);
    if ((long)opt->workers * opt->processes > MSTR_MAX_WORKERS)
        return usage_error("%s", "--workers N times --processes P is more than 1024 workers");
    return 0;
}

/* What a command makes of a valid program, besides knowing that it is valid. */
typedef enum product { PRODUCT_NONE, PRODUCT_C, PRODUCT_DOT } product;

/* What package labels and settles the defaults with, besides the generated C. */
typedef struct program_facts {
    char source_digest[72]; /* of the .mstr file's text */
    int workers;            /* the job's own default */
} program_facts;

/* Loads, parses and checks the input; then appends the product to out: the generated C
 * (c_name naming the generated file in #line directives) or the DOT graph; fills facts
 * unless it is NULL. Returns false after diagnostics. */
static bool compile(const options *opt, product what, const char *c_name, mc_buf *out,
                    program_facts *facts)
{
    mc_diag diag = { .out = stderr };
    mc_program prog = { 0 };
    bool ok = mc_program_load(&prog, &diag, opt->input) && mc_parse(&prog, &diag) &&
              mc_check(&prog, &diag);
    if (ok && what == PRODUCT_C)
        ok = mc_drive_generate(&prog, &diag, opt->line_directives, c_name, out);
    if (ok && what == PRODUCT_DOT) {
        mc_plan plan;
        mc_plan_build(&prog, &plan);
        mc_graph_dot(&prog, &plan, out);
        mc_plan_free(&plan);
    }
    if (ok && facts != NULL) {
        mc_oci_sha256(prog.src, prog.src_len, facts->source_digest);
        facts->workers = (int)prog.job.workers;
    }
    mc_program_free(&prog);
    return ok;
}

/* How the C compiler is to find the program's own headers. */
static mc_cc_options cc_options(const options *opt)
{
    return (mc_cc_options){ .program = opt->input, .include_dirs = opt->include_dirs,
                            .ninclude_dirs = opt->ninclude_dirs };
}

/* The input's base name (the binary's default name) and the generated file's name. */
static void job_names(const options *opt, char *job, size_t job_len, char *c_name, size_t c_len)
{
    mc_program_base_name(opt->input, job, job_len);
    snprintf(c_name, c_len, "%s.c", job);
}

/* Whether writing output would overwrite the program itself (the same file by device and
 * inode, so `-o ./x.mstr` and links count): says so and returns true. */
static bool overwrites_input(const options *opt, const char *output)
{
    struct stat in, out;
    if (stat(opt->input, &in) != 0 || stat(output, &out) != 0 || in.st_dev != out.st_dev ||
        in.st_ino != out.st_ino)
        return false;
    fprintf(stderr, "mstrc: writing '%s' would overwrite the program '%s'\n", output,
            opt->input);
    return true;
}

static int cmd_check(const options *opt)
{
    return compile(opt, PRODUCT_NONE, NULL, NULL, NULL) ? 0 : 1;
}

/* Writes the DOT text to path: as it is for .dot and .gv, else drawn by Graphviz's dot in the
 * format the extension names. */
static bool write_graph(const mc_buf *dot, const char *path)
{
    const char *ext = strrchr(path, '.');
    if (ext == NULL || strchr(ext, '/') != NULL || strcmp(ext, ".dot") == 0 ||
        strcmp(ext, ".gv") == 0)
        return mc_drive_write_file(path, dot->data, dot->len);
    char dir[PATH_MAX], dot_path[PATH_MAX + 16], format[64];
    if (!mc_drive_temp_dir(dir, sizeof dir))
        return false;
    snprintf(dot_path, sizeof dot_path, "%s/job.dot", dir);
    snprintf(format, sizeof format, "-T%s", ext + 1);
    char *argv[] = { "dot", format, "-o", (char *)path, dot_path, NULL };
    int status = -1;
    if (mc_drive_write_file(dot_path, dot->data, dot->len))
        status = mc_drive_run(argv);
    unlink(dot_path);
    rmdir(dir);
    if (status == 127)
        fprintf(stderr, "mstrc: drawing %s needs Graphviz's dot (Debian: apt-get install "
                "graphviz); without -o, or with -o FILE.dot, mstrc graph writes DOT\n", path);
    else if (status > 0)
        fprintf(stderr, "mstrc: dot failed to draw %s\n", path);
    return status == 0;
}

static int cmd_graph(const options *opt)
{
    if (opt->output && overwrites_input(opt, opt->output))
        return 2;
    mc_buf dot = { 0 };
    bool ok = compile(opt, PRODUCT_DOT, NULL, &dot, NULL);
    if (ok && opt->output)
        ok = write_graph(&dot, opt->output);
    else if (ok)
        ok = fwrite(dot.data, 1, dot.len, stdout) == dot.len;
    mc_buf_free(&dot);
    return ok ? 0 : 1;
}

static int cmd_emit(const options *opt)
{
    char job[256], c_name[300];
    job_names(opt, job, sizeof job, c_name, sizeof c_name);
    if (opt->output && overwrites_input(opt, opt->output))
        return 2;
    mc_buf c = { 0 };
    bool ok = compile(opt, PRODUCT_C, opt->output ? opt->output : c_name, &c, NULL);
    if (ok && opt->output)
        ok = mc_drive_write_file(opt->output, c.data, c.len);
    else if (ok)
        ok = fwrite(c.data, 1, c.len, stdout) == c.len;
    mc_buf_free(&c);
    return ok ? 0 : 1;
}

/* Copies the executable at from to path, replacing it (a file of its own renamed into place:
 * the old one may be running). Returns false with a message. */
static bool copy_executable(const char *from, const char *path)
{
    char tmp[PATH_MAX + 32];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    mc_buf bytes = { 0 };
    bool ok = mc_drive_read_file(from, &bytes);
    if (!ok)
        fprintf(stderr, "mstrc: cannot read '%s': %s\n", from, strerror(errno));
    ok = ok && mc_drive_write_file(tmp, bytes.data, bytes.len);
    if (ok && (chmod(tmp, 0755) != 0 || rename(tmp, path) != 0)) {
        fprintf(stderr, "mstrc: cannot write '%s': %s\n", path, strerror(errno));
        ok = false;
    }
    if (!ok)
        unlink(tmp);
    mc_buf_free(&bytes);
    return ok;
}

/* Builds through the cache (cache.h) and copies the binary out; builds in place when there
 * is no cache to be had. */
static int cmd_build(const options *opt)
{
    char job[256], c_name[300], dir[PATH_MAX], cached[PATH_MAX + 300];
    job_names(opt, job, sizeof job, c_name, sizeof c_name);
    const char *binary = opt->output ? opt->output : job;
    if (overwrites_input(opt, binary))
        return 2;
    mc_buf c = { 0 };
    mc_cc_options cc = cc_options(opt);
    bool ok = compile(opt, PRODUCT_C, c_name, &c, NULL);
    if (ok && mc_cache_dir(dir, sizeof dir))
        ok = mc_cache_binary(&cc, dir, job, &c, cached, sizeof cached) &&
             copy_executable(cached, binary);
    else if (ok)
        ok = mc_cc_build(&cc, job, &c, binary, NULL);
    mc_buf_free(&c);
    return ok ? 0 : 1;
}

static int cmd_package(const options *opt)
{
    char job[256], c_name[300], out_dir[PATH_MAX], program[256];
    job_names(opt, job, sizeof job, c_name, sizeof c_name);
    if (opt->output != NULL)
        snprintf(out_dir, sizeof out_dir, "%s", opt->output);
    else
        snprintf(out_dir, sizeof out_dir, "%s-package", job);
    const char *base = strrchr(opt->input, '/');
    snprintf(program, sizeof program, "%s", base ? base + 1 : opt->input);
    mc_buf c = { 0 };
    program_facts facts;
    mc_cc_options cc = cc_options(opt);
    bool ok = compile(opt, PRODUCT_C, c_name, &c, &facts);
    if (ok) {
        mc_package_options po = { .out_dir = out_dir, .job = job, .program = program,
                                  .source_digest = facts.source_digest,
                                  .processes = opt->processes ? opt->processes : 1,
                                  .workers = opt->workers ? opt->workers : facts.workers,
                                  .image = opt->image,
                                  .cc = &cc };
        ok = mc_package(&po, &c);
    }
    mc_buf_free(&c);
    return ok ? 0 : 1;
}

static int cmd_run(const options *opt)
{
    char job[256], c_name[300], dir[PATH_MAX], binary[PATH_MAX + 300];
    job_names(opt, job, sizeof job, c_name, sizeof c_name);
    mc_buf c = { 0 };
    mc_cc_options cc = cc_options(opt);
    bool ok = compile(opt, PRODUCT_C, c_name, &c, NULL) && mc_cache_dir(dir, sizeof dir) &&
              mc_cache_binary(&cc, dir, job, &c, binary, sizeof binary);
    mc_buf_free(&c);
    if (!ok)
        return 1;
    char **argv = calloc((size_t)opt->nrun_args + 2, sizeof *argv);
    argv[0] = binary;
    for (int i = 0; i < opt->nrun_args; i++)
        argv[i + 1] = opt->run_args[i];
    fflush(NULL);
    execv(binary, argv);
    fprintf(stderr, "mstrc: cannot run '%s': %s\n", binary, strerror(errno));
    free(argv);
    return 1;
}

int main(int argc, char **argv)
{
    options opt;
    int rc = parse_args(argc, argv, &opt);
    if (rc == 0 && strcmp(opt.command, "check") == 0)
        rc = cmd_check(&opt);
    else if (rc == 0 && strcmp(opt.command, "emit") == 0)
        rc = cmd_emit(&opt);
    else if (rc == 0 && strcmp(opt.command, "build") == 0)
        rc = cmd_build(&opt);
    else if (rc == 0 && strcmp(opt.command, "graph") == 0)
        rc = cmd_graph(&opt);
    else if (rc == 0 && strcmp(opt.command, "package") == 0)
        rc = cmd_package(&opt);
    else if (rc == 0 && strcmp(opt.command, "test") == 0)
        rc = mc_pipetest_run(opt.input);
    else if (rc == 0)
        rc = cmd_run(&opt);
    free(opt.include_dirs);
    return rc < 0 ? 0 : rc;
}
