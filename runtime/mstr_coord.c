/*
 * mstr_coord.c - the snapshot coordinator (see mstr_coord.h).
 *
 * The coordinator writes batches while it waits for the workers, so that the store is busy
 * while they are still serialising and the commit follows the last worker closely. Garbage
 * collection scans the whole store, so it runs only when what was written since the last one
 * is as large as what that one kept (and at least 16 MiB): its cost per byte written stays
 * bounded however large the state.
 */
#include "mstr_coord.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mstr_mem.h"

enum { COLLECT_MIN_BYTES = 16 << 20 };

static int64_t now_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void mstr_coord_init(mstr_coord *c, int workers, mstr_doorbell *bells, mstr_failure *failure,
                     mstr_store *store, mstr_sink_set *sinks, int64_t every_ms, int keep,
                     uint64_t last)
{
    *c = (mstr_coord){ .workers = workers, .bells = bells, .failure = failure, .store = store,
                       .sinks = sinks, .every_ms = every_ms, .keep = keep, .last = last };
    atomic_init(&c->requested, last);
    atomic_init(&c->stop, false);
    pthread_mutex_init(&c->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&c->changed, &attr);
    pthread_condattr_destroy(&attr);
}

void mstr_coord_free(mstr_coord *c)
{
    if (c->watching) {
        pthread_kill(c->signal_thread, SIGTERM); /* wakes its sigwait; it sees the job ended */
        pthread_join(c->signal_thread, NULL);
    }
    for (size_t i = 0; i < c->nqueue; i++)
        mstr_store_batch_free(c->queue[i]);
    free(c->queue);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->changed);
}

static void pause_ms(int64_t ms)
{
    if (ms > 0)
        usleep((useconds_t)ms * 1000);
}

static void ring_all(mstr_coord *c)
{
    for (int i = 0; i < c->workers; i++)
        mstr_doorbell_ring(&c->bells[i]);
}

/* ---- signals ------------------------------------------------------------------------------ */

static void signal_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
}

/* Waits for SIGINT or SIGTERM and tells the coordinator; the one after the job has stopped
 * (sent by mstr_coord_free) ends the thread. */
static void *signal_main(void *arg)
{
    mstr_coord *c = arg;
    sigset_t set;
    signal_set(&set);
    for (;;) {
        int sig;
        if (sigwait(&set, &sig) != 0)
            continue;
        pthread_mutex_lock(&c->lock);
        bool ended = atomic_load(&c->stop);
        if (!ended && c->signal == 0)
            c->signal = sig;
        pthread_cond_signal(&c->changed);
        pthread_mutex_unlock(&c->lock);
        if (ended)
            return NULL;
    }
}

void mstr_coord_hold_signals(void)
{
    sigset_t set;
    signal_set(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

void mstr_coord_watch_signals(mstr_coord *c)
{
    mstr_coord_hold_signals();
    c->watching = pthread_create(&c->signal_thread, NULL, signal_main, c) == 0;
}

/* ---- worker side -------------------------------------------------------------------------- */

void mstr_coord_submit(mstr_coord *c, mstr_store_batch *b)
{
    pthread_mutex_lock(&c->lock);
    if (c->nqueue == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        c->queue = mstr_realloc(c->queue, c->cap * sizeof *c->queue);
    }
    c->queue[c->nqueue++] = b;
    pthread_cond_signal(&c->changed);
    pthread_mutex_unlock(&c->lock);
}

void mstr_coord_done(mstr_coord *c)
{
    pthread_mutex_lock(&c->lock);
    c->done++;
    pthread_cond_signal(&c->changed);
    pthread_mutex_unlock(&c->lock);
}

void mstr_coord_finished(mstr_coord *c)
{
    pthread_mutex_lock(&c->lock);
    c->finished++;
    pthread_cond_signal(&c->changed);
    pthread_mutex_unlock(&c->lock);
}

/* ---- the coordinator -------------------------------------------------------------------- */

/* Waits until a snapshot is due (deadline_ms on the monotonic clock; < 0: none), every worker
 * has finished, a signal came or the job failed. Returns true if the job should end after the
 * next snapshot (or at once, without a store). */
static bool wait_for_reason(mstr_coord *c, int64_t deadline_ms)
{
    pthread_mutex_lock(&c->lock);
    for (;;) {
        bool end = c->finished == c->workers || c->signal != 0;
        if (end || mstr_failed(c->failure) ||
            (deadline_ms >= 0 && now_ms(CLOCK_MONOTONIC) >= deadline_ms)) {
            pthread_mutex_unlock(&c->lock);
            return end;
        }
        if (deadline_ms < 0) {
            /* failures ring the doorbells, not this condition: look again now and then */
            int64_t soon = now_ms(CLOCK_MONOTONIC) + 100;
            struct timespec ts = { soon / 1000, (soon % 1000) * 1000000 };
            pthread_cond_timedwait(&c->changed, &c->lock, &ts);
            continue;
        }
        int64_t until = deadline_ms < now_ms(CLOCK_MONOTONIC) + 100
                            ? deadline_ms : now_ms(CLOCK_MONOTONIC) + 100;
        struct timespec ts = { until / 1000, (until % 1000) * 1000000 };
        pthread_cond_timedwait(&c->changed, &c->lock, &ts);
    }
}

/* Writes batches as they come until every worker is done with the snapshot. Returns false
 * (after failing the job) if one cannot be written, or if the job failed meanwhile. */
static bool gather(mstr_coord *c, uint64_t n, mstr_commit *commit)
{
    for (;;) {
        pthread_mutex_lock(&c->lock);
        while (c->nqueue == 0 && c->done < c->workers && !mstr_failed(c->failure)) {
            int64_t soon = now_ms(CLOCK_MONOTONIC) + 100;
            struct timespec ts = { soon / 1000, (soon % 1000) * 1000000 };
            pthread_cond_timedwait(&c->changed, &c->lock, &ts);
        }
        mstr_store_batch **batches = c->queue;
        size_t nbatches = c->nqueue;
        bool all_done = c->done == c->workers;
        c->queue = NULL;
        c->nqueue = c->cap = 0;
        pthread_mutex_unlock(&c->lock);
        bool ok = !mstr_failed(c->failure);
        for (size_t i = 0; i < nbatches; i++) {
            char *error = NULL;
            if (ok && !mstr_store_write(c->store, batches[i], &error)) {
                mstr_failure_set(c->failure, "snapshot %llu could not be written: %s",
                                 (unsigned long long)n, error);
                free(error);
                ok = false;
            }
            commit->entries += mstr_store_batch_entries(batches[i]);
            commit->hash += mstr_store_batch_hash(batches[i]);
            commit->bytes += mstr_store_batch_bytes(batches[i]);
            mstr_store_batch_free(batches[i]);
        }
        free(batches);
        if (!ok)
            return false;
        if (all_done && nbatches == 0)
            return true;
    }
}

/* After n was committed: deletes what no kept snapshot needs, when enough was written. */
static void collect(mstr_coord *c, uint64_t *written, uint64_t *threshold)
{
    if (*written < *threshold)
        return;
    mstr_commit kept[64];
    size_t n = mstr_store_commits(c->store, kept, (size_t)c->keep < 64 ? (size_t)c->keep : 64);
    uint64_t kept_bytes = 0;
    char *error = NULL;
    if (n > 0 && !mstr_store_collect(c->store, kept[n - 1].snapshot, &kept_bytes, &error)) {
        fprintf(stderr, "mstr: collecting old snapshots: %s\n", error);
        free(error);
    }
    *written = 0;
    *threshold = kept_bytes > COLLECT_MIN_BYTES ? kept_bytes : COLLECT_MIN_BYTES;
}

/* Takes snapshot n (final: the last one of the job). Returns false if the job failed. */
static bool take(mstr_coord *c, uint64_t n, bool final)
{
    int64_t start = now_ms(CLOCK_MONOTONIC);
    pthread_mutex_lock(&c->lock);
    c->done = 0;
    pthread_mutex_unlock(&c->lock);
    atomic_store(&c->requested, n);
    ring_all(c);
    mstr_commit commit = { .snapshot = n, .workers = c->workers, .final = final };
    if (!gather(c, n, &commit))
        return false;
    commit.time_ms = now_ms(CLOCK_REALTIME);
    char *error = NULL;
    pause_ms(c->commit_sleep_ms); /* a test's kill lands between the write and the commit */
    bool committed = mstr_store_commit(c->store, &commit, &error);
    pause_ms(committed ? c->commit_sleep_ms : 0); /* ... or between commit and publication */
    if (!committed || !mstr_sink_set_publish(c->sinks, c->store, n, &error)) {
        mstr_failure_set(c->failure, "snapshot %llu could not be committed: %s",
                         (unsigned long long)n, error);
        free(error);
        return false;
    }
    c->last = n;
    c->taken++;
    c->entries += commit.entries;
    c->bytes += commit.bytes;
    c->last_ms = now_ms(CLOCK_MONOTONIC) - start;
    return true;
}

/* Tells the workers to stop once they have taken the snapshot requested. */
static void stop_workers(mstr_coord *c)
{
    atomic_store(&c->stop, true);
    ring_all(c);
}

int mstr_coord_run(mstr_coord *c)
{
    uint64_t written = 0, threshold = COLLECT_MIN_BYTES;
    bool snapshots = c->store != NULL;
    for (;;) {
        int64_t deadline = snapshots && c->every_ms > 0
                               ? now_ms(CLOCK_MONOTONIC) + c->every_ms : -1;
        bool end = wait_for_reason(c, deadline);
        if (mstr_failed(c->failure))
            break;
        if (snapshots) {
            uint64_t before = c->bytes;
            if (!take(c, c->last + 1, end))
                break;
            written += c->bytes - before;
            collect(c, &written, &threshold);
        }
        if (end)
            break;
    }
    stop_workers(c);
    pthread_mutex_lock(&c->lock);
    int sig = c->signal;
    pthread_mutex_unlock(&c->lock);
    return sig;
}

void mstr_coord_report(const mstr_coord *c)
{
    if (c->store == NULL)
        return;
    fprintf(stderr, "mstr: snapshots: %llu taken, the last %llu in %lld ms; %llu entries, "
                    "%llu bytes written\n",
            (unsigned long long)c->taken, (unsigned long long)c->last, (long long)c->last_ms,
            (unsigned long long)c->entries, (unsigned long long)c->bytes);
}
