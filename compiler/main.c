/*
 * main.c - the mstrc command: check, emit, build and run .mstr programs.
 *
 *   mstrc check FILE                 diagnostics only
 *   mstrc emit FILE [-o OUT.c]       print (or write) the generated C
 *   mstrc build FILE [-o BINARY]     compile to one static binary
 *   mstrc run FILE [-- ARGS...]      build into a cache, then run with ARGS
 *
 * Exit status: 0 on success, 1 for errors in the user's program (or the job's own status for
 * run), 2 for bad usage. The runtime library and its headers are found next to the mstrc
 * executable (build/libmstr.a and runtime/ beside build/), so a build tree works in place.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emit.h"
#include "frontend.h"
#include "mstr_hash.h"

typedef struct options {
    const char *command;
    const char *input;
    const char *output;      /* -o */
    bool line_directives;    /* off with --no-line */
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
          "  build FILE [-o BINARY]  compile FILE into one statically linked binary\n"
          "                          (default name: FILE without .mstr, in the current directory)\n"
          "  run FILE [-- ARGS...]   build FILE (cached) and run it with ARGS\n"
          "\n"
          "options:\n"
          "  -o PATH     output path\n"
          "  --no-line   no #line directives: C errors then point at the generated C\n"
          "  --help      show this help\n"
          "\n"
          "environment: CC (default cc), MSTRC_CACHE (default ~/.cache/mstrc)\n"
          "exit status: 0 success, 1 errors in the program, 2 bad usage\n",
          f);
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "mstrc: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see mstrc --help)\n");
    return 2;
}

/* Returns 0 when opt is ready, -1 after --help, 2 after a usage error. */
static int parse_args(int argc, char **argv, options *opt)
{
    *opt = (options){ .line_directives = true };
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
        } else if (strcmp(a, "--no-line") == 0) {
            opt->line_directives = false;
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
    static const char *const commands[] = { "check", "emit", "build", "run" };
    bool known = false;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        known |= strcmp(opt->command, commands[i]) == 0;
    if (!known)
        return usage_error("unknown command '%s'", opt->command);
    if (opt->input == NULL)
        return usage_error("%s needs a .mstr file", opt->command);
    if (opt->run_args != NULL && strcmp(opt->command, "run") != 0)
        return usage_error("arguments after -- are only for run, not %s", opt->command);
    return 0;
}

/* Loads, parses and checks the input; with c, also emits it into c (c_name naming the
 * generated file in #line directives). Returns false after diagnostics. */
static bool compile_to_c(const options *opt, const char *c_name, mc_buf *c)
{
    mc_diag diag = { .out = stderr };
    mc_program prog = { 0 };
    bool ok = mc_program_load(&prog, &diag, opt->input) && mc_parse(&prog, &diag) &&
              mc_check(&prog, &diag);
    /* check answers whether the program is valid; the rest also need it generated */
    if (ok && c != NULL && (ok = mc_emit_supported(&prog, &diag))) {
        mc_emit_options eo = { .line_directives = opt->line_directives, .c_name = c_name };
        mc_plan plan;
        mc_plan_build(&prog, &plan);
        mc_emit(&prog, &plan, &eo, c);
        mc_plan_free(&plan);
    }
    mc_program_free(&prog);
    return ok;
}

static bool write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        fprintf(stderr, "mstrc: cannot write '%s': %s\n", path, strerror(errno));
        return false;
    }
    bool ok = fwrite(data, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    if (!ok)
        fprintf(stderr, "mstrc: error writing '%s': %s\n", path, strerror(errno));
    return ok;
}

/* The runtime next to this executable: DIR/libmstr.a and DIR/../runtime. */
typedef struct runtime_paths {
    char lib[PATH_MAX + 16];
    char include[PATH_MAX + 16];
} runtime_paths;

static bool find_runtime(runtime_paths *rt)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        fprintf(stderr, "mstrc: cannot find my own executable: %s\n", strerror(errno));
        return false;
    }
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    *slash = '\0';
    snprintf(rt->lib, sizeof rt->lib, "%s/libmstr.a", exe);
    snprintf(rt->include, sizeof rt->include, "%s/../runtime", exe);
    char header[PATH_MAX + 32];
    snprintf(header, sizeof header, "%s/mstr.h", rt->include);
    if (access(rt->lib, R_OK) != 0 || access(header, R_OK) != 0) {
        fprintf(stderr, "mstrc: cannot find the runtime (%s and %s)\n", rt->lib, header);
        return false;
    }
    return true;
}

/* Runs argv, waits for it; returns its exit status (127 if it could not start). */
static int run_command(char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "mstrc: cannot start %s: %s\n", argv[0], strerror(errno));
        return 127;
    }
    if (pid == 0) {
        execvp(argv[0], argv);
        fprintf(stderr, "mstrc: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 127;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Whether line is glibc's warning that a static binary calling getaddrinfo (gRPC's resolver,
 * OpenSSL) needs the same glibc at run time: true of every binary mstrc builds, so not news. */
static bool static_glibc_warning(const char *line)
{
    return strstr(line, "in statically linked applications requires at runtime") != NULL;
}

/* Copies the C compiler's messages from fd to stderr, without the static-glibc warnings and
 * the `in function` line before each. */
static void filter_messages(int fd)
{
    FILE *in = fdopen(fd, "r");
    char *line = NULL, *held = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, in) >= 0) {
        if (static_glibc_warning(line)) {
            if (held != NULL && strstr(held, ": in function ") == NULL)
                fputs(held, stderr);
        } else if (held != NULL) {
            fputs(held, stderr);
        }
        free(held);
        held = static_glibc_warning(line) ? NULL : strdup(line);
    }
    if (held != NULL)
        fputs(held, stderr);
    free(held);
    free(line);
    fclose(in);
}

/* Runs the C compiler's argv, its messages filtered (filter_messages); returns its status. */
static int run_compiler(char *const argv[])
{
    int fds[2];
    if (pipe(fds) != 0)
        return run_command(argv);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "mstrc: cannot start %s: %s\n", argv[0], strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return 127;
    }
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        close(fds[1]);
        execvp(argv[0], argv);
        fprintf(stderr, "mstrc: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    filter_messages(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 127;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Copies text to room and appends its space-separated words to argv[*n ...]. */
static void add_words(char *argv[], int *n, char *room, const char *text)
{
    memcpy(room, text, strlen(text) + 1);
    for (char *tok = strtok(room, " "); tok != NULL; tok = strtok(NULL, " "))
        argv[(*n)++] = tok;
}

/* The C compiler's command line for c_path -> binary, without the terminating NULL; the
 * words of the flags below are copied into words, which must have room for both.
 * Checklist: the generated code's needs (gnu11 for __attribute__), the libraries the runtime
 * needs (MSTR_RUNTIME_LIBS) and the sanitizer flags this mstrc was built with (MSTR_SANFLAGS)
 * must match the runtime's build in the Makefile. */
static int cc_argv(const runtime_paths *rt, const char *c_path, const char *binary,
                   char *argv[], char *words)
{
    const char *cc = getenv("CC");
    int n = 0;
    argv[n++] = (char *)(cc && *cc ? cc : "cc");
    /* Mistakes in a body that C only warns about but that make a job compute garbage (a map
     * that returns nothing prints zeros) are errors; a body's functions end at its closing
     * brace in the .mstr file (the templates put it there), so they are reported there. */
    static char *const fixed[] = { "-std=gnu11", "-O2", "-g", "-D_GNU_SOURCE", "-pthread",
                                   "-Wall", "-Wextra", "-Wno-unused-parameter",
                                   "-Wno-unused-function", "-Werror=return-type",
                                   "-Werror=implicit-function-declaration",
                                   "-Werror=implicit-int", "-Werror=int-conversion",
                                   "-Werror=incompatible-pointer-types", "-Werror=uninitialized",
                                   NULL };
    for (int i = 0; fixed[i] != NULL; i++)
        argv[n++] = fixed[i];
    add_words(argv, &n, words, MSTR_SANFLAGS);
    argv[n++] = "-I";
    argv[n++] = (char *)rt->include;
    argv[n++] = "-o";
    argv[n++] = (char *)binary;
    argv[n++] = (char *)c_path;
    argv[n++] = (char *)rt->lib;
    add_words(argv, &n, words + sizeof MSTR_SANFLAGS, MSTR_RUNTIME_LIBS);
    if (MSTR_LINK_STATIC)
        argv[n++] = "-static";
    return n;
}

/* Writes c into a private temporary directory and compiles it into binary. */
static bool compile_binary(const char *job, const mc_buf *c, const char *binary)
{
    runtime_paths rt;
    if (!find_runtime(&rt))
        return false;
    const char *tmp = getenv("TMPDIR");
    char dir[PATH_MAX], c_path[PATH_MAX + 300];
    snprintf(dir, sizeof dir, "%s/mstrc-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        fprintf(stderr, "mstrc: cannot make a temporary directory: %s\n", strerror(errno));
        return false;
    }
    snprintf(c_path, sizeof c_path, "%s/%s.c", dir, job);
    bool ok = write_file(c_path, c->data, c->len);
    if (ok) {
        /* every word of the flags takes at least two characters of them, with its space */
        char *argv[32 + (sizeof MSTR_SANFLAGS + sizeof MSTR_RUNTIME_LIBS) / 2];
        char words[sizeof MSTR_SANFLAGS + sizeof MSTR_RUNTIME_LIBS];
        int n = cc_argv(&rt, c_path, binary, argv, words);
        argv[n] = NULL;
        ok = run_compiler(argv) == 0;
        if (!ok)
            fprintf(stderr, "mstrc: the C compiler failed on %s\n", job);
    }
    unlink(c_path);
    rmdir(dir);
    return ok;
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
    return compile_to_c(opt, NULL, NULL) ? 0 : 1;
}

static int cmd_emit(const options *opt)
{
    char job[256], c_name[300];
    job_names(opt, job, sizeof job, c_name, sizeof c_name);
    if (opt->output && overwrites_input(opt, opt->output))
        return 2;
    mc_buf c = { 0 };
    bool ok = compile_to_c(opt, opt->output ? opt->output : c_name, &c);
    if (ok && opt->output)
        ok = write_file(opt->output, c.data, c.len);
    else if (ok)
        ok = fwrite(c.data, 1, c.len, stdout) == c.len;
    mc_buf_free(&c);
    return ok ? 0 : 1;
}

static int cmd_build(const options *opt)
{
    char job[256], c_name[300];
    job_names(opt, job, sizeof job, c_name, sizeof c_name);
    const char *binary = opt->output ? opt->output : job;
    if (overwrites_input(opt, binary))
        return 2;
    mc_buf c = { 0 };
    bool ok = compile_to_c(opt, c_name, &c) && compile_binary(job, &c, binary);
    mc_buf_free(&c);
    return ok ? 0 : 1;
}

/* Makes dir and its parents. */
static bool make_dirs(const char *dir)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "mstrc: cannot make '%s': %s\n", path, strerror(errno));
        return false;
    }
    return true;
}

static bool cache_dir(char *dst, size_t n)
{
    const char *env = getenv("MSTRC_CACHE");
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    if (env && *env)
        snprintf(dst, n, "%s", env);
    else if (xdg && *xdg)
        snprintf(dst, n, "%s/mstrc", xdg);
    else
        snprintf(dst, n, "%s/.cache/mstrc", home && *home ? home : "/tmp");
    return make_dirs(dst);
}

/* The cache key: the generated C, the runtime library's identity and the build flags. */
static uint64_t cache_key(const mc_buf *c)
{
    runtime_paths rt;
    struct stat st = { 0 };
    if (find_runtime(&rt))
        stat(rt.lib, &st);
    char ident[512];
    int n = snprintf(ident, sizeof ident, "%lld:%lld:%s:%d", (long long)st.st_size,
                     (long long)st.st_mtime, MSTR_SANFLAGS, MSTR_LINK_STATIC);
    return mstr_hash_bytes(c->data, c->len) ^ mstr_hash_bytes(ident, (size_t)n);
}

static int cmd_run(const options *opt)
{
    char job[256], c_name[300], dir[PATH_MAX], binary[PATH_MAX + 300];
    job_names(opt, job, sizeof job, c_name, sizeof c_name);
    mc_buf c = { 0 };
    bool ok = compile_to_c(opt, c_name, &c) && cache_dir(dir, sizeof dir);
    if (ok) {
        snprintf(binary, sizeof binary, "%s/%s-%016llx", dir, job,
                 (unsigned long long)cache_key(&c));
        if (access(binary, X_OK) != 0) {
            char tmp[PATH_MAX + 340];
            snprintf(tmp, sizeof tmp, "%s.%ld.tmp", binary, (long)getpid());
            ok = compile_binary(job, &c, tmp) && rename(tmp, binary) == 0;
            if (!ok)
                unlink(tmp);
        }
    }
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
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    if (strcmp(opt.command, "check") == 0)
        return cmd_check(&opt);
    if (strcmp(opt.command, "emit") == 0)
        return cmd_emit(&opt);
    if (strcmp(opt.command, "build") == 0)
        return cmd_build(&opt);
    return cmd_run(&opt);
}
