/*
 * drive.c - the steps several mstrc commands share (see drive.h): code generation, the C
 * compiler's command line and its messages, running programs, files.
 */
#include "drive.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

bool mc_drive_read_file(const char *path, mc_buf *out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    mc_buf_put(out, "", 0); /* text even when the file is empty */
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        mc_buf_put(out, chunk, n);
    bool ok = !ferror(f);
    fclose(f);
    return ok;
}

bool mc_drive_make_dirs(const char *dir)
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

/* In the child: moves to dir, reads /dev/null, writes stdout and stderr to out_path, and
 * opens files[k] as descriptor 3 + k. */
static bool child_setup(const char *dir, const char *out_path, const char *const *files,
                        size_t nfiles)
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
    /* Each file is opened above 3 + nfiles first, so that moving one to its place cannot
     * close another. */
    int *high = calloc(nfiles + 1, sizeof *high);
    bool ok = high != NULL;
    for (size_t k = 0; ok && k < nfiles; k++) {
        int fd = open(files[k], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        high[k] = fd < 0 ? -1 : fcntl(fd, F_DUPFD, (int)(3 + nfiles));
        ok = high[k] >= 0;
        if (!ok)
            fprintf(stderr, "mstrc: cannot write '%s': %s\n", files[k], strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    for (size_t k = 0; ok && k < nfiles; k++)
        ok = dup2(high[k], (int)(3 + k)) >= 0 && close(high[k]) == 0;
    free(high);
    return ok;
}

int mc_drive_run(char *const argv[])
{
    return mc_drive_run_in(argv, NULL, NULL, NULL, 0);
}

int mc_drive_run_in(char *const argv[], const char *dir, const char *out_path,
                    const char *const *files, size_t nfiles)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "mstrc: cannot start %s: %s\n", argv[0], strerror(errno));
        return 127;
    }
    if (pid == 0) {
        if (out_path != NULL && !child_setup(dir, out_path, files, nfiles))
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


