/*
 * cc.c - driving the C compiler (see cc.h).
 *
 * The compiler's command line is built in a growing array of words; flags that come as one
 * string (the sanitizer flags mstrc was built with, the runtime's libraries, CFLAGS, LDFLAGS)
 * are split at spaces into copies the array owns.
 */
#include "cc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "drive.h"
#include "mstr_hash.h"
#include "mstr_mem.h"

/* Whether line is glibc's warning that a static binary calling getaddrinfo (gRPC's resolver,
 * OpenSSL) needs the same glibc at run time: true of every binary mstrc builds, so not news. */
static bool static_glibc_warning(const char *line)
{
    return strstr(line, "in statically linked applications requires at runtime") != NULL;
}

/* Prints a line of the C compiler's messages, and keeps it unless kept is NULL. */
static void pass_on(const char *line, mc_buf *kept)
{
    fputs(line, stderr);
    if (kept != NULL)
        mc_buf_puts(kept, line);
}

/* Copies the C compiler's messages from fd to stderr (and to kept, unless NULL), without the
 * static-glibc warnings and the `in function` line before each. */
static void filter_messages(int fd, mc_buf *kept)
{
    FILE *in = fdopen(fd, "r");
    char *line = NULL, *held = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, in) >= 0) {
        if (static_glibc_warning(line)) {
            if (held != NULL && strstr(held, ": in function ") == NULL)
                pass_on(held, kept);
        } else if (held != NULL) {
            pass_on(held, kept);
        }
        free(held);
        held = static_glibc_warning(line) ? NULL : strdup(line);
    }
    if (held != NULL)
        pass_on(held, kept);
    free(held);
    free(line);
    fclose(in);
}

/* Runs the C compiler's argv, its messages filtered (filter_messages, into kept unless NULL);
 * returns its status. */
static int run_compiler(char *const argv[], mc_buf *kept)
{
    int fds[2];
    if (pipe(fds) != 0)
        return mc_drive_run(argv);
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
    filter_messages(fds[0], kept);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 127;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}


/* ---- the command line ---------------------------------------------------------------------- */

/* A command line: words, NULL-terminated; the ones in owned are freed with it. */
typedef struct cmdline {
    char **argv;
    size_t n, cap;
    char **owned;
    size_t nowned;
} cmdline;

static void push(cmdline *cl, const char *word)
{
    if (cl->n + 2 > cl->cap) {
        cl->cap = cl->cap ? 2 * cl->cap : 64;
        cl->argv = mstr_realloc(cl->argv, cl->cap * sizeof *cl->argv);
    }
    cl->argv[cl->n++] = (char *)word;
    cl->argv[cl->n] = NULL;
}

/* Appends the space-separated words of text (NULL: none). */
static void push_words(cmdline *cl, const char *text)
{
    if (text == NULL)
        return;
    char *copy = mstr_strdup(text);
    cl->owned = mstr_realloc(cl->owned, (cl->nowned + 1) * sizeof *cl->owned);
    cl->owned[cl->nowned++] = copy;
    char *save = NULL;
    for (char *w = strtok_r(copy, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save))
        push(cl, w);
}

static void cmdline_free(cmdline *cl)
{
    for (size_t i = 0; i < cl->nowned; i++)
        free(cl->owned[i]);
    free(cl->owned);
    free(cl->argv);
}

/* The compiler and the flags that compiling generated C takes, up to its include directories:
 * the .mstr file's directory (in room, PATH_MAX bytes), the -I ones, the runtime's headers.
 * Checklist: the generated code's needs (gnu11 for __attribute__), the libraries the runtime
 * needs (MSTR_RUNTIME_LIBS), the linker (MSTR_LINKER) and the sanitizer flags this mstrc was
 * built with (MSTR_SANFLAGS) must match the runtime's build in the Makefile, which also sets
 * the programs' optimization (MSTR_PROGRAM_OPT: -O2, less in the sanitizer builds). */
static void push_compile_flags(cmdline *cl, const mc_cc_options *o, const mc_runtime_paths *rt,
                               char *room)
{
    const char *cc = getenv("CC");
    push(cl, cc && *cc ? cc : "cc");
    /* Mistakes in a body that C only warns about but that make a job compute garbage (a map
     * that returns nothing prints zeros) are errors; a body's functions end at its closing
     * brace in the .mstr file (the templates put it there), so they are reported there. */
    static const char *const fixed[] = { "-std=gnu11", MSTR_PROGRAM_OPT, "-g", "-D_GNU_SOURCE",
                                         "-pthread", "-Wall", "-Wextra", "-Wno-unused-parameter",
                                         "-Wno-unused-function", "-Werror=return-type",
                                         "-Werror=implicit-function-declaration",
                                         "-Werror=implicit-int", "-Werror=int-conversion",
                                         "-Werror=incompatible-pointer-types",
                                         "-Werror=uninitialized", NULL };
    for (size_t i = 0; fixed[i] != NULL; i++)
        push(cl, fixed[i]);
    push_words(cl, MSTR_SANFLAGS);
    push_words(cl, getenv("CFLAGS"));
    snprintf(room, PATH_MAX, "%s", o->program);
    char *slash = strrchr(room, '/');
    if (slash != NULL)
        *slash = '\0';
    push(cl, "-I");
    push(cl, slash != NULL ? room : ".");
    for (size_t i = 0; i < o->ninclude_dirs; i++) {
        push(cl, "-I");
        push(cl, o->include_dirs[i]);
    }
    push(cl, "-I");
    push(cl, rt->include);
}

/* ---- a generated file ---------------------------------------------------------------------- */

/* The generated C in a private temporary directory. */
typedef struct temp_c {
    char dir[PATH_MAX];
    char path[PATH_MAX + 300];
} temp_c;

/* Writes c there as JOB.c. Returns false after a message. */
static bool temp_c_write(temp_c *t, const char *job, const mc_buf *c)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(t->dir, sizeof t->dir, "%s/mstrc-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(t->dir) == NULL) {
        fprintf(stderr, "mstrc: cannot make a temporary directory: %s\n", strerror(errno));
        return false;
    }
    snprintf(t->path, sizeof t->path, "%s/%s.c", t->dir, job);
    if (mc_buf_write_file(c, t->path))
        return true;
    rmdir(t->dir);
    return false;
}

/* Removes the directory and what is in it (named in names, NULL-terminated, besides the C). */
static void temp_c_remove(temp_c *t, const char *const *names)
{
    unlink(t->path);
    for (size_t i = 0; names != NULL && names[i] != NULL; i++)
        unlink(names[i]);
    rmdir(t->dir);
}

bool mc_cc_build(const mc_cc_options *o, const char *job, const mc_buf *c, const char *binary,
                 mc_buf *messages)
{
    mc_runtime_paths rt;
    temp_c t;
    if (!mc_drive_find_runtime(&rt) || !temp_c_write(&t, job, c))
        return false;
    cmdline cl = { 0 };
    char room[PATH_MAX];
    push_compile_flags(&cl, o, &rt, room);
    /* The same program makes the same binary (and `mstrc package` the same image) from any
     * directory and with any copy of mstrc: neither the current directory, nor where the
     * runtime's headers are, nor the temporary directory's random name may reach the debug
     * information. (The temporary directory's map comes last, as the last match wins and the
     * current directory may hold it.) */
    char cwd[PATH_MAX], cwd_map[PATH_MAX + 32], rt_map[PATH_MAX + 64], temp_map[PATH_MAX + 32];
    if (getcwd(cwd, sizeof cwd) != NULL) {
        snprintf(cwd_map, sizeof cwd_map, "-ffile-prefix-map=%s=.", cwd);
        push(&cl, cwd_map);
    }
    snprintf(rt_map, sizeof rt_map, "-ffile-prefix-map=%s=malstrom", rt.include);
    push(&cl, rt_map);
    snprintf(temp_map, sizeof temp_map, "-ffile-prefix-map=%s=.", t.dir);
    push(&cl, temp_map);
    push(&cl, "-o");
    push(&cl, binary);
    push(&cl, t.path);
    push(&cl, rt.lib);
    push_words(&cl, MSTR_LINKER);
    push_words(&cl, getenv("LDFLAGS"));
    push_words(&cl, MSTR_RUNTIME_LIBS);
    if (MSTR_LINK_STATIC)
        push(&cl, "-static");
    bool ok = run_compiler(cl.argv, messages) == 0;
    if (!ok)
        fprintf(stderr, "mstrc: the C compiler failed on %s\n", job);
    cmdline_free(&cl);
    temp_c_remove(&t, NULL);
    return ok;
}

/* ---- dependencies -------------------------------------------------------------------------- */

/* Hashes the content of each file named in the make rule in deps (`TARGET: DEP DEP \` ...),
 * except the generated C itself, into *hash. */
static void hash_dependencies(const char *deps, const char *self, uint64_t *hash)
{
    char *copy = mstr_strdup(deps), *save = NULL;
    bool target = true;
    for (char *w = strtok_r(copy, " \t\n\\", &save); w != NULL;
         w = strtok_r(NULL, " \t\n\\", &save)) {
        if (target) {
            target = w[strlen(w) - 1] != ':';
            continue;
        }
        if (strcmp(w, self) == 0)
            continue;
        FILE *f = fopen(w, "rb");
        *hash = mstr_hash_bytes(w, strlen(w)) ^ (*hash * 31);
        if (f == NULL)
            continue;
        char buf[8192];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0)
            *hash = mstr_hash_bytes(buf, n) ^ (*hash * 31);
        fclose(f);
    }
    free(copy);
}

bool mc_cc_dependencies(const mc_cc_options *o, const char *job, const mc_buf *c,
                        uint64_t *hash)
{
    mc_runtime_paths rt;
    temp_c t;
    if (!mc_drive_find_runtime(&rt) || !temp_c_write(&t, job, c))
        return false;
    char deps_path[PATH_MAX + 320];
    snprintf(deps_path, sizeof deps_path, "%s/deps", t.dir);
    cmdline cl = { 0 };
    char room[PATH_MAX];
    push_compile_flags(&cl, o, &rt, room);
    *hash = 0;
    for (size_t i = 0; i < cl.n; i++)
        *hash = mstr_hash_bytes(cl.argv[i], strlen(cl.argv[i])) ^ (*hash * 31);
    push(&cl, "-MM");
    push(&cl, "-MF");
    push(&cl, deps_path);
    push(&cl, t.path);
    mc_buf deps = { 0 };
    bool ok = run_compiler(cl.argv, NULL) == 0 && mc_drive_read_file(deps_path, &deps);
    struct stat st = { 0 };
    stat(rt.lib, &st);
    char ident[512];
    int n = snprintf(ident, sizeof ident, "%lld:%lld:%d:%s:%s", (long long)st.st_size,
                     (long long)st.st_mtime, MSTR_LINK_STATIC, MSTR_LINKER,
                     getenv("LDFLAGS") ? getenv("LDFLAGS") : "");
    *hash ^= mstr_hash_bytes(ident, (size_t)n);
    if (ok)
        hash_dependencies(deps.data, t.path, hash);
    else
        fprintf(stderr, "mstrc: the C compiler failed on %s\n", job);
    mc_buf_free(&deps);
    cmdline_free(&cl);
    const char *const made[] = { deps_path, NULL };
    temp_c_remove(&t, made);
    return ok;
}
