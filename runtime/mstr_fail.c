/*
 * mstr_fail.c - failures and crashes (see mstr_fail.h).
 */
#include "mstr_fail.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mstr_mem.h"
#include "mstr_worker.h"

void mstr_failure_init(mstr_failure *f, mstr_doorbell *bells, int nbells)
{
    atomic_init(&f->failed, false);
    pthread_mutex_init(&f->lock, NULL);
    f->message = NULL;
    f->lost = false;
    f->bells = bells;
    atomic_init(&f->nbells, nbells);
}

void mstr_failure_more_bells(mstr_failure *f, int nbells)
{
    atomic_store(&f->nbells, nbells);
}

bool mstr_failure_finish(mstr_failure *f)
{
    bool failed = f->message != NULL;
    if (failed)
        fprintf(stderr, "mstr: %s\n", f->message);
    free(f->message);
    f->message = NULL;
    pthread_mutex_destroy(&f->lock);
    return failed;
}

/* Keeps message (taking it over) unless a failure came first, and stops every worker. */
static void fail_with(mstr_failure *f, char *message, bool lost)
{
    pthread_mutex_lock(&f->lock);
    if (f->message == NULL) {
        f->message = message;
        f->lost = lost;
    } else {
        free(message);
    }
    pthread_mutex_unlock(&f->lock);
    atomic_store(&f->failed, true);
    for (int i = 0; i < atomic_load(&f->nbells); i++)
        mstr_doorbell_ring(&f->bells[i]);
}

void mstr_failure_set(mstr_failure *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *message = mstr_vstrf(fmt, ap);
    va_end(ap);
    fail_with(f, message, false);
}

void mstr_failure_lose(mstr_failure *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *message = mstr_vstrf(fmt, ap);
    va_end(ap);
    fail_with(f, message, true);
}

char *mstr_failure_message(mstr_failure *f)
{
    pthread_mutex_lock(&f->lock);
    char *copy = f->message ? mstr_strdup(f->message) : NULL;
    pthread_mutex_unlock(&f->lock);
    return copy;
}

bool mstr_failure_was_loss(mstr_failure *f)
{
    pthread_mutex_lock(&f->lock);
    bool lost = f->lost;
    pthread_mutex_unlock(&f->lock);
    return lost;
}

/* Fails the job in the part of the program that `kind` and `name` say ("operator 'x'"). */
static void fail_in(mstr_ctx *ctx, const char *kind, const char *name, const char *fmt,
                    va_list ap)
{
    mstr_failure *f = ((mstr_worker *)ctx)->failure; /* ctx is a worker's first member */
    char *what = mstr_vstrf(fmt, ap);
    mstr_failure_set(f, "%s '%s' failed on worker %d: %s", kind, name, ctx->worker, what);
    free(what);
}

void mstr_fail(mstr_ctx *ctx, const char *op, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_in(ctx, "operator", op, fmt, ap);
    va_end(ap);
}

void mstr_fail_source(mstr_ctx *ctx, const char *source, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_in(ctx, "source", source, fmt, ap);
    va_end(ap);
}

/* ---- crashes ---------------------------------------------------------------------------- */

/* The worker the calling thread runs, for the crash handler only: a signal handler has no other
 * way to learn it. The one piece of per-thread global state in the runtime, and why. */
static _Thread_local mstr_worker *crash_worker;

void mstr_crash_handler_worker(mstr_worker *w)
{
    crash_worker = w;
}

/* Appends s to buf (async-signal-safe). */
static size_t crash_append(char *buf, size_t len, size_t cap, const char *s)
{
    while (*s && len < cap)
        buf[len++] = *s++;
    return len;
}

static size_t crash_append_int(char *buf, size_t len, size_t cap, int v)
{
    char digits[16];
    size_t n = 0;
    unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
    do {
        digits[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u && n < sizeof digits);
    if (v < 0 && len < cap)
        buf[len++] = '-';
    while (n > 0 && len < cap)
        buf[len++] = digits[--n];
    return len;
}

/* Says which worker crashed, in which operator and on which signal, writes out what the worker's
 * sinks hold (mstr_sink_views_crash_flush), then dies of that signal as it would have. */
static void crash_handler(int sig)
{
    mstr_worker *w = crash_worker;
    char msg[400];
    size_t n = crash_append(msg, 0, sizeof msg, "mstr: worker ");
    n = w != NULL ? crash_append_int(msg, n, sizeof msg, w->ctx.worker)
                  : crash_append(msg, n, sizeof msg, "(main thread)");
    n = crash_append(msg, n, sizeof msg, " crashed");
    if (w != NULL && w->ctx.running != NULL) {
        n = crash_append(msg, n, sizeof msg, " in ");
        n = crash_append(msg, n, sizeof msg, w->ctx.running);
    }
    n = crash_append(msg, n, sizeof msg, ": signal ");
    n = crash_append_int(msg, n, sizeof msg, sig);
    n = crash_append(msg, n, sizeof msg, " (");
    n = crash_append(msg, n, sizeof msg, sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
    n = crash_append(msg, n, sizeof msg, ")\n");
    ssize_t unused = write(STDERR_FILENO, msg, n);
    (void)unused;
    if (w != NULL)
        mstr_sink_views_crash_flush(&w->views);
    signal(sig, SIG_DFL);
    raise(sig);
}

void mstr_crash_handler_install(void)
{
    static const int signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
    struct sigaction sa = { .sa_handler = crash_handler };
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        sigaction(signals[i], &sa, NULL);
}
