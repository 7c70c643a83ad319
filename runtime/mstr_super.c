/*
 * mstr_super.c - the supervisor of a job's local processes (see mstr_super.h).
 *
 * One poll loop: a signalfd for SIGCHLD, SIGINT and SIGTERM, and a pipe per process for its
 * standard output. Restarts are limited (MAX_RESTARTS in RESTART_WINDOW_S per process), so that
 * a process that dies at once every time does not restart forever.
 */
#include "mstr_super.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mstr_mem.h"
#include "mstr_reshard.h"

enum {
    MAX_RESTARTS = 10, RESTART_WINDOW_S = 60, LINE_MAX_BUF = 1 << 16,
    GROW_MS = 10000,            /* process 0 waits this long for the processes it asked for */
};

#define SUPERVISED_ENV "MSTR_SUPERVISED" /* set in the processes it starts */

typedef struct child {
    pid_t pid;                  /* 0 once it exited for good */
    int out;                    /* the read end of its standard output, or -1 */
    char *line;                 /* the part of a line read so far */
    size_t len, cap;
    int status;                 /* its exit status once it exited */
    time_t restarts_since;      /* the window its restarts are counted in */
    int restarts;
} child;

typedef struct supervisor {
    int argc;
    char **argv;
    const mstr_job_desc *desc;
    const char *listen;         /* --listen, or NULL */
    int n;                      /* children: the processes it started */
    int processes, workers;     /* the layout they start with (process 0 notes it: a live
                                   rescale changes it) */
    char processes_arg[16], workers_arg[16]; /* and the options that say it */
    child *children;
    char *peers;
    int metrics_port;           /* process I serves metrics on this + I; 0: none */
    char *temp_dir;             /* the state directory it made, or NULL */
    const char *dir;            /* the state directory the processes use */
    bool stopping;              /* a signal was passed on: nothing restarts */
    bool over;                  /* a process exited (the job is over): nothing restarts */
    bool killed_ending;         /* a process was killed once the job was ending */
    int status;                 /* the job's exit status so far */
} supervisor;

/* ---- ports and state ----------------------------------------------------------------------- */

/* A free TCP port on loopback (free when asked: the process started next binds it). */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* Process i's address: from `base` ("host:port": process I on port + I), or a free loopback
 * port. NULL if there is none to be had. */
static char *peer_address(int i, const char *base)
{
    if (base == NULL) {
        int port = free_port();
        return port < 0 ? NULL : mstr_strf("127.0.0.1:%d", port);
    }
    const char *colon = strrchr(base, ':');
    int port = colon ? atoi(colon + 1) : 0;
    if (port <= 0 || port + i > 65535)
        return NULL;
    return mstr_strf("%.*s:%d", (int)(colon - base), base, port + i);
}

/* Adds the addresses of processes from .. n - 1 to *peers (comma-separated). Returns false if
 * there are none to be had. */
static bool add_peers(char **peers, int from, int n, const char *base)
{
    for (int i = from; i < n; i++) {
        char *address = peer_address(i, base);
        if (address == NULL)
            return false;
        char *more = mstr_strf("%s%s%s", *peers, i ? "," : "", address);
        free(address);
        free(*peers);
        *peers = more;
    }
    return true;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static char *layout_path(const char *state_dir)
{
    return mstr_strf("%s/layout", state_dir);
}

static char *peers_path(const char *state_dir)
{
    return mstr_strf("%s/peers", state_dir);
}

/* Writes text to path whole (a reader sees the old file or the new one). */
static bool write_whole(const char *path, const char *text)
{
    char *next = mstr_strf("%s.next", path);
    FILE *f = fopen(next, "w");
    bool ok = f != NULL && fputs(text, f) >= 0;
    ok = f != NULL && fclose(f) == 0 && ok && rename(next, path) == 0;
    if (!ok)
        fprintf(stderr, "mstr: cannot write '%s': %s\n", path, strerror(errno));
    free(next);
    return ok;
}

bool mstr_super_note_layout(const char *state_dir, int processes, int workers)
{
    char *path = layout_path(state_dir), *text = mstr_strf("%d %d\n", processes, workers);
    bool ok = write_whole(path, text) && kill(getppid(), SIGUSR1) == 0;
    free(text);
    free(path);
    return ok;
}

/* The layout process 0 noted, if it did. */
static bool noted_layout(const char *state_dir, int *processes, int *workers)
{
    char *path = layout_path(state_dir);
    FILE *f = fopen(path, "r");
    int p = 0, w = 0;
    bool noted = f != NULL && fscanf(f, "%d %d", &p, &w) == 2 && p > 0 && w > 0;
    if (f != NULL)
        fclose(f);
    free(path);
    if (noted) {
        *processes = p;
        *workers = w;
    }
    return noted;
}

bool mstr_super_left(const char *state_dir, int process)
{
    int processes, workers;
    return mstr_super_started() && state_dir != NULL &&
           noted_layout(state_dir, &processes, &workers) && process >= processes;
}

bool mstr_super_grow(const char *state_dir, int processes, int workers, char **peers)
{
    char *path = peers_path(state_dir);
    unlink(path); /* (that of an earlier rescale) */
    bool ok = mstr_super_note_layout(state_dir, processes, workers);
    *peers = NULL;
    for (int64_t waited = 0; ok && waited < GROW_MS; waited += 10) {
        FILE *f = fopen(path, "r");
        char line[65536];
        if (f != NULL && fgets(line, sizeof line, f) != NULL) {
            line[strcspn(line, "\n")] = '\0';
            *peers = mstr_strdup(line);
        }
        if (f != NULL)
            fclose(f);
        if (*peers != NULL)
            break;
        usleep(10 * 1000);
    }
    free(path);
    return *peers != NULL;
}

/* ---- processes ------------------------------------------------------------------------------ */

/* The layout processes start with from now on: processes x workers. */
static void take_layout(supervisor *sv, int processes, int workers)
{
    sv->processes = processes;
    sv->workers = workers;
    snprintf(sv->processes_arg, sizeof sv->processes_arg, "%d", processes);
    snprintf(sv->workers_arg, sizeof sv->workers_arg, "%d", workers);
}

/* Takes the layout process 0 noted, if it did: a live rescale changed it since the processes
 * started. */
static void take_noted_layout(supervisor *sv)
{
    int processes, workers;
    if (sv->dir != NULL && noted_layout(sv->dir, &processes, &workers))
        take_layout(sv, processes, workers);
}

/* Starts process i (again: without --fresh). Returns false if it cannot. */
static bool start(supervisor *sv, int i, bool again)
{
    if (again)
        take_noted_layout(sv);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return false;
    char **args = mstr_alloc_array((size_t)sv->argc + 15, sizeof *args);
    int k = 0;
    for (int a = 0; a < sv->argc; a++) {
        if (strcmp(sv->argv[a], "--listen") == 0 && a + 1 < sv->argc) {
            a++; /* the processes' addresses come from it, in --peers */
            continue;
        }
        if (!(again && strcmp(sv->argv[a], "--fresh") == 0))
            args[k++] = sv->argv[a];
    }
    char index[16], metrics[16];
    snprintf(index, sizeof index, "%d", i);
    args[k++] = "--process";
    args[k++] = index;
    if (sv->metrics_port > 0) {
        snprintf(metrics, sizeof metrics, "%d", sv->metrics_port + i);
        args[k++] = "--metrics-port";
        args[k++] = metrics;
    }
    /* the addresses of the layout's processes (those of others that left stay for when
       processes join again) */
    const char *end = sv->peers;
    for (int n = 0; n < sv->processes && end != NULL; n++)
        end = strchr(end + (n > 0), ',');
    char *peers = mstr_strf("%.*s", end ? (int)(end - sv->peers) : (int)strlen(sv->peers),
                            sv->peers);
    args[k++] = "--peers";
    args[k++] = peers;
    args[k++] = "--processes"; /* after a rescale, the layout of the supervisor's line no more */
    args[k++] = sv->processes_arg;
    args[k++] = "--workers";
    args[k++] = sv->workers_arg;
    if (sv->temp_dir != NULL) {
        args[k++] = "--state-dir";
        args[k++] = sv->temp_dir;
    }
    args[k] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (again)
            setenv("MSTR_FRESH", "0", 1);
        setenv("MSTR_PROCESSES", "", 1); /* the command line says */
        setenv("MSTR_LISTEN", "", 1);
        setenv("MSTR_PROCESS_FROM_HOSTNAME", "", 1); /* --process says, not the host name */
        setenv(SUPERVISED_ENV, "1", 1);
        execv("/proc/self/exe", args);
        fprintf(stderr, "mstr: cannot start process %d: %s\n", i, strerror(errno));
        _exit(127);
    }
    free(args);
    free(peers);
    close(fds[1]);
    child *c = &sv->children[i];
    if (pid < 0) {
        close(fds[0]);
        return false;
    }
    c->pid = pid;
    if (c->out >= 0)
        close(c->out);
    c->out = fds[0];
    return true;
}

/* Writes out the first n bytes of c's line buffer. */
static void pass_on(child *c, size_t n)
{
    fwrite(c->line, 1, n, stdout);
    fflush(stdout);
    memmove(c->line, c->line + n, c->len - n);
    c->len -= n;
}

/* Reads what c wrote and passes on its whole lines. Returns false at the end of its output
 * (the pipe is closed then; a last line without its newline stays in the buffer). */
static bool relay(child *c)
{
    char buf[8192];
    ssize_t n = read(c->out, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0) {
        close(c->out);
        c->out = -1;
        return false;
    }
    if (c->len + (size_t)n > c->cap) {
        c->cap = c->len + (size_t)n > 2 * c->cap ? c->len + (size_t)n : 2 * c->cap;
        c->line = mstr_realloc(c->line, c->cap);
    }
    memcpy(c->line + c->len, buf, (size_t)n);
    c->len += (size_t)n;
    size_t whole = c->len;
    while (whole > 0 && c->line[whole - 1] != '\n')
        whole--;
    if (whole == 0 && c->len >= LINE_MAX_BUF)
        whole = c->len; /* a line longer than any sane record: pass it on in pieces */
    if (whole > 0)
        pass_on(c, whole);
    return true;
}

/* Passes on the rest of a process's output once it has ended. A process killed in the middle
 * of a line loses that line (it writes it again after the rollback); one that exited keeps it. */
static void drain(child *c, bool killed)
{
    while (c->out >= 0 && relay(c))
        ;
    if (!killed && c->len > 0)
        pass_on(c, c->len);
    c->len = 0;
}

static void signal_all(supervisor *sv, int sig)
{
    for (int i = 0; i < sv->n; i++)
        if (sv->children[i].pid > 0)
            kill(sv->children[i].pid, sig);
}

/* Whether process i may start again after dying. */
static bool may_restart(supervisor *sv, child *c)
{
    if (sv->stopping || sv->over)
        return false;
    time_t now = time(NULL);
    if (now - c->restarts_since > RESTART_WINDOW_S) {
        c->restarts_since = now;
        c->restarts = 0;
    }
    return ++c->restarts <= MAX_RESTARTS;
}

static bool ending_marked(const supervisor *sv);

/* Process i ended with wait status ws. A process killed once the job was ending (its last
 * snapshot committed) is not started again alone: the others end, or wait for it if they were
 * not yet told to stop, so they are stopped, and the job runs again once every process has
 * ended (mstr_supervise). */
static void ended(supervisor *sv, int i, int ws)
{
    child *c = &sv->children[i];
    c->pid = 0;
    bool killed = WIFSIGNALED(ws);
    int status = killed ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
    drain(c, killed);
    int processes = sv->processes, workers;
    bool wanted = sv->dir == NULL || !noted_layout(sv->dir, &processes, &workers) ||
                  i < processes;
    if ((killed || status == MSTR_EXIT_LEFT) && !wanted) {
        fprintf(stderr, "mstr: process %d left the job\n", i); /* a live rescale took it out */
        return;
    }
    if (status == MSTR_EXIT_LEFT) { /* and the layout noted since has it again */
        fprintf(stderr, "mstr: starting process %d again, which the job takes in\n", i);
        if (!start(sv, i, true))
            fprintf(stderr, "mstr: cannot start process %d: %s\n", i, strerror(errno));
        return;
    }
    if (killed) {
        fprintf(stderr, "mstr: process %d died of SIG%s\n", i, sigabbrev_np(WTERMSIG(ws)));
        if (ending_marked(sv) && !sv->stopping) {
            if (!sv->killed_ending)
                fprintf(stderr, "mstr: the job was ending: process %d is not started again "
                                "alone; the others stop, and the job starts again\n", i);
            sv->killed_ending = true;
            signal_all(sv, SIGTERM);
        } else if (may_restart(sv, c)) {
            fprintf(stderr, "mstr: starting process %d again\n", i);
            if (start(sv, i, true))
                return;
        }
    }
    if (sv->killed_ending)
        status = 0; /* stopped for the job to start again: how it ended does not count */
    sv->over = true;
    if (status != 0 && sv->status == 0) {
        sv->status = status;
        signal_all(sv, SIGTERM); /* the rest may wait for this one forever */
    }
}

static void reap(supervisor *sv)
{
    int ws;
    pid_t pid;
    while ((pid = waitpid(-1, &ws, WNOHANG)) > 0)
        for (int i = 0; i < sv->n; i++)
            if (sv->children[i].pid == pid)
                ended(sv, i, ws);
}

static bool running(const supervisor *sv)
{
    for (int i = 0; i < sv->n; i++)
        if (sv->children[i].pid > 0 || sv->children[i].out >= 0)
            return true;
    return false;
}

/* Process 0 noted a layout (mstr_super_note_layout): starts those of its processes that do not
 * run (beyond the children, or that left the job before: a rescale takes them in, or the job
 * went back to a snapshot that had them), and tells process 0 the addresses of all. */
static void start_noted(supervisor *sv)
{
    int n = sv->n;
    take_noted_layout(sv);
    if (sv->processes > n) {
        char *peers = mstr_strdup(sv->peers);
        if (!add_peers(&peers, n, sv->processes, sv->listen)) {
            fprintf(stderr, "mstr: no ports for %d processes %s%s\n", sv->processes,
                    sv->listen ? "from " : "on loopback", sv->listen ? sv->listen : "");
            free(peers);
            return; /* process 0 gives up waiting, and the rescale fails */
        }
        free(sv->peers);
        sv->peers = peers;
        sv->children = mstr_realloc(sv->children, (size_t)sv->processes * sizeof *sv->children);
        for (int i = n; i < sv->processes; i++)
            sv->children[i] = (child){ .out = -1 };
        sv->n = sv->processes;
    }
    for (int i = 0; i < sv->processes; i++) {
        if (sv->children[i].pid > 0)
            continue;
        fprintf(stderr, "mstr: starting process %d, which the job takes in\n", i);
        if (!start(sv, i, true))
            fprintf(stderr, "mstr: cannot start process %d: %s\n", i, strerror(errno));
    }
    char *path = peers_path(sv->dir), *line = mstr_strf("%s\n", sv->peers);
    write_whole(path, line);
    free(line);
    free(path);
}

/* The poll loop, until every process has ended for good. */
static void watch(supervisor *sv, int sigfd)
{
    struct pollfd *fds = NULL;
    while (running(sv)) {
        fds = mstr_realloc(fds, ((size_t)sv->n + 1) * sizeof *fds); /* (processes join) */
        fds[0] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
        for (int i = 0; i < sv->n; i++)
            fds[i + 1] = (struct pollfd){ .fd = sv->children[i].out, .events = POLLIN };
        if (poll(fds, (nfds_t)sv->n + 1, 1000) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < sv->n; i++)
            if (fds[i + 1].revents != 0 && sv->children[i].out >= 0)
                relay(&sv->children[i]);
        struct signalfd_siginfo si;
        while (read(sigfd, &si, sizeof si) == sizeof si) {
            if (si.ssi_signo == SIGCHLD)
                continue;
            if (si.ssi_signo == SIGUSR1) {
                if (!sv->stopping && !sv->over)
                    start_noted(sv);
                continue;
            }
            if (!sv->stopping)
                fprintf(stderr, "mstr: passing SIG%s on to the job's processes\n",
                        sigabbrev_np((int)si.ssi_signo));
            sv->stopping = true;
            signal_all(sv, SIGTERM);
        }
        reap(sv);
    }
    free(fds);
}

/* ---- layouts --------------------------------------------------------------------------------- */

bool mstr_super_started(void)
{
    const char *v = getenv(SUPERVISED_ENV);
    return v != NULL && strcmp(v, "1") == 0;
}

static char *ending_path(const char *state_dir)
{
    return mstr_strf("%s/ending", state_dir);
}

char *mstr_super_ending_mark(const char *state_dir)
{
    return mstr_super_started() && state_dir != NULL ? ending_path(state_dir) : NULL;
}

/* Whether process 0 has made the ending mark. */
static bool ending_marked(const supervisor *sv)
{
    char *path = ending_path(sv->dir);
    bool marked = access(path, F_OK) == 0;
    free(path);
    return marked;
}

/* Removes the ending mark, the layout noted and the peers of the processes that joined (after
 * a run, or left by one whose supervisor did not see it end). */
static void remove_marks(const char *state_dir)
{
    char *paths[] = { ending_path(state_dir), layout_path(state_dir), peers_path(state_dir) };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        unlink(paths[i]);
        free(paths[i]);
    }
}

/* The state directory the processes use. */
static const char *state_dir(const supervisor *sv, const mstr_settings *s)
{
    return sv->temp_dir != NULL ? sv->temp_dir : s->state_dir;
}

/* Rewrites the state for the layout (with --fresh it goes anyway). */
static bool rewrite_state(const supervisor *sv, const char *dir, bool fresh)
{
    if (dir == NULL || fresh)
        return true;
    bool rewrote;
    char *error = NULL;
    if (mstr_reshard(sv->desc, dir, sv->n, sv->workers, &rewrote, &error))
        return true;
    fprintf(stderr, "mstr: cannot rewrite the state in '%s' for %d processes: %s; run with "
                    "--fresh to discard it and start over\n", dir, sv->n, error);
    free(error);
    return false;
}

/* Takes the layout of processes x workers: the children, their ports and options. Returns
 * false (after a message) if there are no ports for them. */
static bool lay_out(supervisor *sv, int processes, int workers)
{
    for (int i = 0; i < sv->n; i++)
        free(sv->children[i].line);
    free(sv->children);
    free(sv->peers);
    sv->n = processes;
    take_layout(sv, processes, workers);
    sv->children = mstr_alloc_array((size_t)processes, sizeof *sv->children);
    for (int i = 0; i < processes; i++)
        sv->children[i].out = -1;
    sv->peers = mstr_strdup("");
    if (!add_peers(&sv->peers, 0, processes, sv->listen)) {
        fprintf(stderr, "mstr: no ports for %d processes %s%s\n", processes,
                sv->listen ? "from " : "on loopback", sv->listen ? sv->listen : "");
        return false;
    }
    fprintf(stderr, "mstr: %d processes at %s; process 0 answers `ctl --coordinator %.*s`\n",
            processes, sv->peers, (int)strcspn(sv->peers, ","), sv->peers);
    return true;
}

/* Starts every process (again: without --fresh) and watches them until they have all ended. */
static void run_all(supervisor *sv, int sigfd, bool again)
{
    bool started = true;
    sv->over = false;
    for (int i = 0; i < sv->n && started; i++)
        started = start(sv, i, again);
    if (!started) {
        fprintf(stderr, "mstr: cannot start the job's processes: %s\n", strerror(errno));
        sv->stopping = true;
        signal_all(sv, SIGTERM);
        sv->status = 1;
    }
    watch(sv, sigfd);
}

int mstr_supervise(int argc, char **argv, const mstr_settings *s, const mstr_job_desc *d)
{
    supervisor sv = { .argc = argc, .argv = argv, .desc = d, .listen = s->listen,
                      .metrics_port = s->metrics_port };
    if (s->state_dir == NULL) {
        const char *tmp = getenv("TMPDIR");
        sv.temp_dir = mstr_strf("%s/mstr-state-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (mkdtemp(sv.temp_dir) == NULL) {
            fprintf(stderr, "mstr: cannot make a temporary state directory '%s': %s\n",
                    sv.temp_dir, strerror(errno));
            free(sv.temp_dir);
            return 1;
        }
    }
    const char *dir = sv.dir = state_dir(&sv, s);
    remove_marks(dir);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR1); /* process 0 noted a layout (mstr_super_note_layout) */
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    int processes = s->processes, workers = s->workers;
    bool again = false;
    sv.status = 1;
    while (lay_out(&sv, processes, workers) && rewrite_state(&sv, dir, s->fresh && !again)) {
        sv.status = 0;
        sv.killed_ending = false;
        run_all(&sv, sigfd, again);
        noted_layout(dir, &processes, &workers);
        remove_marks(dir);
        /* a process killed as the job ended: the job runs again on its layout, resuming from
         * its last snapshot (and ends at once if that was its end) */
        if (sv.status != 0 || sv.stopping || !sv.killed_ending)
            break;
        fprintf(stderr, "mstr: starting the job's processes again after a loss as it ended\n");
        again = true;
        sv.status = 1;
    }
    close(sigfd);
    for (int i = 0; i < sv.n; i++)
        free(sv.children[i].line);
    free(sv.children);
    free(sv.peers);
    if (sv.temp_dir != NULL) {
        nftw(sv.temp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(sv.temp_dir);
    }
    return sv.status;
}
