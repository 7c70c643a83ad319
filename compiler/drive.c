/*
 * drive.c - the steps several mstrc commands share (see drive.h): code generation, the C
 * compiler's command line and its messages, running programs, files.
 */
#include "drive.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emit.h"
#include "plan.h"

bool mc_drive_temp_dir(char *dir, size_t n)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, n, "%s/mstrc-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir) != NULL)
        return true;
    fprintf(stderr, "mstrc: cannot make a temporary directory: %s\n", strerror(errno));
    return false;
}

bool mc_drive_generate(const mc_program *prog, mc_diag *diag, bool line_directives,
                       const char *c_name, mc_buf *c)
{
    if (!mc_emit_supported(prog, diag))
        return false;
    mc_emit_options eo = { .line_directives = line_directives, .c_name = c_name };
    mc_plan plan;
    mc_plan_build(prog, &plan);
    mc_emit(prog, &plan, &eo, c);
    mc_plan_free(&plan);
    return true;
}

bool mc_drive_write_file(const char *path, const char *data, size_t len)
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

/* Whether DIR/LIB and INCLUDE/mstr.h (relative to the executable's directory) exist; fills rt. */
static bool runtime_at(mc_runtime_paths *rt, const char *dir, const char *lib, const char *include)
{
    snprintf(rt->lib, sizeof rt->lib, "%s/%s", dir, lib);
    snprintf(rt->include, sizeof rt->include, "%s/%s", dir, include);
    char header[sizeof rt->include + 16];
    snprintf(header, sizeof header, "%s/mstr.h", rt->include);
    return access(rt->lib, R_OK) == 0 && access(header, R_OK) == 0;
}

bool mc_drive_find_runtime(mc_runtime_paths *rt)
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
    if (runtime_at(rt, exe, "libmstr.a", "../runtime") ||
        runtime_at(rt, exe, "../lib/libmstr.a", "../include/malstrom"))
        return true;
    fprintf(stderr, "mstrc: cannot find the runtime: neither %s/libmstr.a and %s/../runtime "
            "(a build tree) nor %s/../lib/libmstr.a and %s/../include/malstrom (installed)\n",
            exe, exe, exe, exe);
    return false;
}

/* In the child: moves to dir, reads /dev/null and writes stdout and stderr to out_path. */
static bool child_setup(const char *dir, const char *out_path)
{
    if (dir != NULL && chdir(dir) != 0) {
        fprintf(stderr, "mstrc: cannot enter '%s': %s\n", dir, strerror(errno));
        return false;
    }
    int in = open("/dev/null", O_RDONLY);
    int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0) {
        fprintf(stderr, "mstrc: cannot write '%s': %s\n", out_path, strerror(errno));
        return false;
    }
    dup2(in, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    close(in);
    close(out);
    return true;
}

int mc_drive_run(char *const argv[])
{
    return mc_drive_run_in(argv, NULL, NULL);
}

int mc_drive_run_in(char *const argv[], const char *dir, const char *out_path)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "mstrc: cannot start %s: %s\n", argv[0], strerror(errno));
        return 127;
    }
    if (pid == 0) {
        if (out_path != NULL && !child_setup(dir, out_path))
            _exit(127);
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
static int cc_argv(const mc_runtime_paths *rt, const char *c_path, const char *binary,
                   char *argv[], char *words)
{
    const char *cc = getenv("CC");
    int n = 0;
    argv[n++] = (char *)(cc && *cc ? cc : "cc");
    static char *const fixed[] = { "-std=gnu11", "-O2", "-g", "-D_GNU_SOURCE", "-pthread",
                                   "-Wall", "-Wextra", "-Wno-unused-parameter",
                                   "-Wno-unused-function", NULL };
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

bool mc_drive_build(const char *job, const mc_buf *c, const char *binary)
{
    mc_runtime_paths rt;
    if (!mc_drive_find_runtime(&rt))
        return false;
    char dir[PATH_MAX], c_path[PATH_MAX + 300];
    if (!mc_drive_temp_dir(dir, sizeof dir))
        return false;
    snprintf(c_path, sizeof c_path, "%s/%s.c", dir, job);
    bool ok = mc_drive_write_file(c_path, c->data, c->len);
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

