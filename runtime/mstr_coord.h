/*
 * mstr_coord.h - the snapshot coordinator: the thread of a job that asks its workers for
 * snapshots, writes what they hand over to the store, commits each snapshot once every worker
 * has taken it, publishes the file sinks' output of a committed snapshot, and decides when the
 * job stops.
 *
 * A snapshot, from the coordinator's side: it asks for snapshot N (every snapshot_every, at
 * the end of the input, or on SIGINT/SIGTERM) and rings every worker; each worker takes its
 * part (mstr_snapshot.h) and hands over its entries in batches, then says it is done; the
 * coordinator writes the batches as they come, and when every worker is done writes N's commit
 * record with a sync: N is committed. Then the file sinks' output of N becomes part of the
 * output files (mstr_sink.h), and old snapshots are collected.
 *
 * The end of a job: a worker whose input is exhausted says it has finished, and waits. Once
 * every worker has, the coordinator takes a last snapshot (which commits everything) and tells
 * the workers to stop. On SIGINT or SIGTERM it does the same without waiting for the input to
 * end: the job stops with its state in a snapshot, to be resumed later. A failure (an
 * operator's fail(), a snapshot that cannot be written) stops everything at once and commits
 * nothing. Without a state directory there are no snapshots: the job stops when every worker
 * has finished, or at once on a signal.
 *
 * Thread use: the coordinator runs in the job's main thread; workers call the worker-side
 * functions from their threads.
 */
#ifndef MSTR_COORD_H
#define MSTR_COORD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "mstr_fail.h"
#include "mstr_ring.h"
#include "mstr_sink.h"
#include "mstr_store.h"

typedef struct mstr_coord {
    _Atomic uint64_t requested; /* the snapshot workers are asked to take (0: none yet) */
    _Atomic bool stop;          /* workers stop once they have taken `requested` */
    pthread_mutex_t lock;       /* around the rest */
    pthread_cond_t changed;     /* a batch, a worker done or finished, a signal */
    mstr_store_batch **queue;   /* batches handed over, not yet written */
    size_t nqueue, cap;
    int done;                   /* workers that took `requested` */
    int finished;               /* workers whose input is exhausted */
    int signal;                 /* SIGINT or SIGTERM received, or 0 */
    int workers;
    mstr_doorbell *bells;       /* the workers' */
    mstr_failure *failure;
    /* The coordinator's alone: */
    mstr_store *store;          /* NULL without a state directory */
    mstr_sink_set *sinks;
    int64_t every_ms;           /* snapshot interval; 0: only the last one */
    int keep;                   /* committed snapshots kept */
    uint64_t last;              /* the last snapshot committed (or restored) */
    uint64_t taken;             /* snapshots committed by this run */
    uint64_t entries, bytes;    /* written by this run */
    int64_t last_ms;            /* how long the last snapshot took, request to commit */
    pthread_t signal_thread;
    bool watching;
    int64_t commit_sleep_ms;    /* test hook: pauses around each commit (mstr_settings.h) */
} mstr_coord;

/* Sets up the coordinator of `workers` workers (bells[i] is worker i's doorbell). store is NULL
 * without a state directory; last is the snapshot the job was restored from (0 if none). */
void mstr_coord_init(mstr_coord *c, int workers, mstr_doorbell *bells, mstr_failure *failure,
                     mstr_store *store, mstr_sink_set *sinks, int64_t every_ms, int keep,
                     uint64_t last);
void mstr_coord_free(mstr_coord *c);

/* Holds SIGINT and SIGTERM back (blocks them in the calling thread) until
 * mstr_coord_watch_signals takes them: a job that gets one while it opens its store and
 * restores its state then stops with a snapshot once it has started, instead of dying of it. */
void mstr_coord_hold_signals(void);

/* Makes SIGINT and SIGTERM reach the coordinator instead of killing the process: blocks them in
 * the calling thread (and the threads it starts after this) and waits for them in a thread of
 * its own. Call before starting the workers. */
void mstr_coord_watch_signals(mstr_coord *c);

/* Runs the job's snapshots until it stops (see above), then stops the workers. Returns the
 * signal that stopped it, or 0. */
int mstr_coord_run(mstr_coord *c);

/* Prints what the snapshots of this run took, for the summary (nothing without a store). */
void mstr_coord_report(const mstr_coord *c);

/* ---- worker side ---------------------------------------------------------------------------- */

static inline uint64_t mstr_coord_requested(mstr_coord *c)
{
    return atomic_load(&c->requested);
}

static inline bool mstr_coord_stopping(mstr_coord *c)
{
    return atomic_load(&c->stop);
}

/* Hands over a batch of the snapshot being taken (the coordinator frees it). */
void mstr_coord_submit(mstr_coord *c, mstr_store_batch *b);

/* The calling worker has taken (and handed over all of) the requested snapshot. */
void mstr_coord_done(mstr_coord *c);

/* The calling worker's input is exhausted: it has nothing more to do but snapshots. */
void mstr_coord_finished(mstr_coord *c);

#endif
