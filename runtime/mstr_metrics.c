/*
 * mstr_metrics.c - the metrics endpoint (see mstr_metrics.h): a listening socket, a thread that
 * polls it and a pipe that tells the thread to end.
 */
#include "mstr_metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "mstr_mem.h"

enum { REQUEST_MAX = 8192, READ_TIMEOUT_MS = 2000 };

struct mstr_metrics {
    int listen_fd;
    int stop_pipe[2];
    pthread_t thread;
    mstr_meter *meter;
    const mstr_job_desc *desc;
    mstr_stats stats;           /* the thread's copy of the figures */
};

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void respond(int fd, const char *status, const char *type, const char *body)
{
    char *head = mstr_strf("HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                           "Connection: close\r\n\r\n", status, type, strlen(body));
    write_all(fd, head, strlen(head));
    write_all(fd, body, strlen(body));
    free(head);
}

/* Reads the request's head (up to its blank line) and answers it. */
static void serve(mstr_metrics *x, int fd)
{
    struct timeval tv = { READ_TIMEOUT_MS / 1000, (READ_TIMEOUT_MS % 1000) * 1000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char req[REQUEST_MAX + 1] = "";
    size_t len = 0;
    while (len < REQUEST_MAX && strstr(req, "\r\n\r\n") == NULL) {
        ssize_t n = read(fd, req + len, REQUEST_MAX - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        req[len] = '\0';
    }
    req[len] = '\0';
    char method[8] = "", path[256] = "";
    if (sscanf(req, "%7s %255s", method, path) != 2) {
        respond(fd, "400 Bad Request", "text/plain", "bad request\n");
        return;
    }
    char *query = strchr(path, '?');
    if (query != NULL)
        *query = '\0';
    if (strcmp(method, "GET") != 0) {
        respond(fd, "405 Method Not Allowed", "text/plain", "GET only\n");
    } else if (strcmp(path, "/metrics") == 0) {
        mstr_meter_read(x->meter, &x->stats);
        char *body = mstr_stats_prometheus(&x->stats, x->desc);
        respond(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8", body);
        free(body);
    } else if (strcmp(path, "/healthz") == 0) {
        respond(fd, "200 OK", "text/plain", "ok\n");
    } else {
        respond(fd, "404 Not Found", "text/plain", "/metrics or /healthz\n");
    }
}

static void *metrics_main(void *arg)
{
    mstr_metrics *x = arg;
    for (;;) {
        struct pollfd fds[2] = { { .fd = x->listen_fd, .events = POLLIN },
                                 { .fd = x->stop_pipe[0], .events = POLLIN } };
        if (poll(fds, 2, -1) < 0 && errno != EINTR)
            return NULL;
        if (fds[1].revents != 0)
            return NULL;
        if (fds[0].revents == 0)
            continue;
        int fd = accept4(x->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        serve(x, fd);
        close(fd);
    }
}

/* A socket listening on host:port, or -1 (errno set). */
static int listen_on(const char *host, int port)
{
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE }, *res;
    if (getaddrinfo(host, service, &hints, &res) != 0) {
        errno = EADDRNOTAVAIL;
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *a = res; a != NULL && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        int one = 1;
        if (fd >= 0)
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (fd >= 0 && (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, 16) != 0)) {
            int saved = errno;
            close(fd);
            fd = -1;
            errno = saved;
        }
    }
    freeaddrinfo(res);
    return fd;
}

mstr_metrics *mstr_metrics_start(const char *host, int port, mstr_meter *m,
                                 const mstr_job_desc *d, int processes, int workers,
                                 char **error)
{
    int fd = listen_on(host, port);
    if (fd < 0) {
        *error = mstr_strf("cannot serve metrics on %s port %d: %s", host, port, strerror(errno));
        return NULL;
    }
    mstr_metrics *x = mstr_alloc(sizeof *x);
    x->listen_fd = fd;
    x->meter = m;
    x->desc = d;
    mstr_stats_init(&x->stats, d, processes, workers);
    if (pipe2(x->stop_pipe, O_CLOEXEC) != 0 ||
        pthread_create(&x->thread, NULL, metrics_main, x) != 0) {
        *error = mstr_strf("cannot start serving metrics: %s", strerror(errno));
        close(fd);
        mstr_stats_free(&x->stats);
        free(x);
        return NULL;
    }
    return x;
}

void mstr_metrics_stop(mstr_metrics *x)
{
    if (x == NULL)
        return;
    char c = 0;
    write_all(x->stop_pipe[1], &c, 1);
    pthread_join(x->thread, NULL);
    close(x->stop_pipe[0]);
    close(x->stop_pipe[1]);
    close(x->listen_fd);
    mstr_stats_free(&x->stats);
    free(x);
}
