/*
 * mstr_fail.h - how a job fails: the first failure stops every worker and is reported once;
 * a crash in a worker names the worker and the signal.
 *
 * An operator body calls fail(...), which is mstr_fail (mstr_fail_source in a custom source's
 * blocks): the message is kept (the first one
 * wins), the failure flag is set, and every worker's doorbell is rung so that sleeping workers
 * see it. Each worker stops after its current batch; mstr_main then prints
 * `mstr: operator 'OP' failed on worker N: MESSAGE` and the job exits with status 1.
 *
 * In a job over several processes the loss of another process fails the workers of this one in
 * the same way, marked as a loss: the job can roll back to its last snapshot and go on.
 *
 * Thread use: any worker may fail at any time; the flag and the message are made for sharing.
 */
#ifndef MSTR_FAIL_H
#define MSTR_FAIL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "mstr_ring.h"
#include "mstr_str.h"

typedef struct mstr_worker mstr_worker;

typedef struct mstr_failure {
    _Atomic bool failed;
    pthread_mutex_t lock;       /* around message */
    char *message;              /* the first failure's message, or NULL */
    bool lost;                  /* the first failure was the loss of another process */
    mstr_doorbell *bells;       /* the workers' doorbells, rung on failure */
    _Atomic int nbells;
} mstr_failure;

void mstr_failure_init(mstr_failure *f, mstr_doorbell *bells, int nbells);

/* A live rescale made more workers: bells[0 .. nbells-1] (initialised) are rung from now on. */
void mstr_failure_more_bells(mstr_failure *f, int nbells);

/* Prints `mstr: MESSAGE` for the failure if there was one and returns whether there was;
 * frees what f holds. Call after every worker stopped. */
bool mstr_failure_finish(mstr_failure *f);

static inline bool mstr_failed(mstr_failure *f)
{
    return atomic_load(&f->failed);
}

/* Fails the job with the printf-formatted message (printed as `mstr: MESSAGE`) and stops every
 * worker. The first failure wins. Any thread. */
void mstr_failure_set(mstr_failure *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fails the job, as mstr_failure_set, because another process of the job was lost (it died,
 * froze or restarted): a job with snapshots can roll back and go on (mstr_job.c). */
void mstr_failure_lose(mstr_failure *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A copy of the first failure's message (to free), or NULL if there was none. */
char *mstr_failure_message(mstr_failure *f);

/* Whether the first failure was a lost process. Call after every worker stopped. */
bool mstr_failure_was_loss(mstr_failure *f);

/* Reports a failure in operator op and stops the job (see above). The first failure wins.
 * ctx is the calling worker's context (operator bodies reach this through fail(...)). */
void mstr_fail(mstr_ctx *ctx, const char *op, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same for a custom source's blocks: `mstr: source 'NAME' failed on worker N: MESSAGE`. */
void mstr_fail_source(mstr_ctx *ctx, const char *source, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Makes crashes (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) print which worker crashed, in
 * which operator (ctx.running) and on which signal, and write out the output that worker's
 * sinks hold (mstr_sink_views_crash_flush), before the process dies of the signal. Call once,
 * before starting workers. */
void mstr_crash_handler_install(void);

/* Tells the crash handler which worker the calling thread runs. */
void mstr_crash_handler_worker(mstr_worker *w);

#endif
