/*
 * replay.c - runs a fuzz harness's LLVMFuzzerTestOneInput over saved inputs, without libFuzzer:
 * how the normal test suite replays the seed corpora and the inputs that once crashed.
 *
 *   replay_NAME PATH...     each PATH a file, or a directory whose files are all read (sorted)
 *
 * Each input runs in a child process, so that a crash, an abort, a leak or a sanitizer report
 * fails that input and the others still run. A child gets 10 seconds (make fuzz's -timeout);
 * one that takes longer is a hang and fails too. A child's output is shown only when it fails
 * (the harnesses feed the runtime bad records on purpose, and it reports them on stderr). The
 * last line is "N passed, N failed"; the exit status is 1 if any input failed or could not be
 * read.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { REPLAY_TIMEOUT_SECONDS = 10 };

typedef struct tally {
    int passed;
    int failed;
} tally;

/* Reads all of path into a malloc'd buffer (at least one byte, so an empty input has a valid
 * pointer). Returns NULL with errno set on failure. */
static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL && (n += fread(buf + n, 1, cap - n, f)) == cap) {
        uint8_t *grown = realloc(buf, cap *= 2);
        if (grown == NULL)
            free(buf);
        buf = grown;
    }
    int err = buf == NULL ? ENOMEM : ferror(f) ? EIO : 0;
    fclose(f);
    if (err != 0) {
        free(buf);
        errno = err;
        return NULL;
    }
    *size = n;
    return buf;
}

/* Prints the captured output of a failed child. */
static void show_output(FILE *out)
{
    char chunk[4096];
    size_t n;
    rewind(out);
    while ((n = fread(chunk, 1, sizeof chunk, out)) > 0)
        fwrite(chunk, 1, n, stdout);
}

/* Runs the harness on one input in a child process; true if it returned normally. */
static bool run_one(const char *path, const uint8_t *data, size_t size)
{
    FILE *out = tmpfile();
    if (out == NULL) {
        printf("FAIL %s: no temporary file: %s\n", path, strerror(errno));
        return false;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        printf("FAIL %s: cannot fork: %s\n", path, strerror(errno));
        fclose(out);
        return false;
    }
    if (pid == 0) {
        dup2(fileno(out), STDOUT_FILENO);
        dup2(fileno(out), STDERR_FILENO);
        alarm(REPLAY_TIMEOUT_SECONDS);
        LLVMFuzzerTestOneInput(data, size);
        exit(0);   /* not _exit: LeakSanitizer checks at exit */
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!ok) {
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
            printf("FAIL %s: still running after %d s\n", path, REPLAY_TIMEOUT_SECONDS);
        else if (WIFSIGNALED(status))
            printf("FAIL %s: killed by signal %d\n", path, WTERMSIG(status));
        else
            printf("FAIL %s: exit status %d\n", path, WEXITSTATUS(status));
        show_output(out);
    }
    fclose(out);
    return ok;
}

static void replay_file(const char *path, tally *t)
{
    size_t size;
    uint8_t *data = read_file(path, &size);
    if (data == NULL) {
        printf("FAIL %s: cannot read: %s\n", path, strerror(errno));
        t->failed++;
        return;
    }
    if (run_one(path, data, size))
        t->passed++;
    else
        t->failed++;
    free(data);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_hidden(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

static void replay_dir(const char *dir, tally *t)
{
    struct dirent **names;
    int n = scandir(dir, &names, not_hidden, by_name);
    if (n < 0) {
        printf("FAIL %s: cannot list: %s\n", dir, strerror(errno));
        t->failed++;
        return;
    }
    for (int i = 0; i < n; i++) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            replay_file(path, t);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    tally t = { 0, 0 };
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
            replay_dir(argv[i], &t);
        else
            replay_file(argv[i], &t);
    }
    printf("%d passed, %d failed\n", t.passed, t.failed);
    return t.failed > 0;
}
