/*
 * mstr_worker.h - a worker: one thread that runs the whole fused program for what it owns
 * (its source partitions, and the key groups the owner table gives it), and its loop.
 *
 * Generated functions receive the worker: its context (what operator bodies see as ctx), the
 * arena of the current batch, its views of the sinks, its state (keyed tables and frontiers,
 * made by the generated state_new), its copy of the owner table, its side of the exchanges and
 * its tallies (counters, records per source and operator). The rest is the runtime's.
 *
 * A worker has a job-wide index (ctx.worker, 0 .. workers-1) and is also named by the process
 * it runs in and its index there.
 *
 * The loop, a turn at a time: start a snapshot the coordinator asks for, send what waits for
 * room, receive what other workers sent, and, only if nothing waits for room and no snapshot
 * is being aligned, read one batch from each of its source partitions (not reading while
 * output waits is the backpressure); move the snapshot on (mstr_snapshot.h); then flush the
 * open batches. A turn that did nothing sleeps on the worker's doorbell. The worker has
 * finished when its partitions are done, nothing waits to be sent and every exchange reached
 * the end of its streams here: it tells the coordinator and waits for the job's last snapshot
 * (mstr_coord.h). It stops when the coordinator says so, or at once when the job fails. A live
 * rescale (mstr_rescale.h) runs in the loop too: the worker makes its cut of it as of a
 * snapshot's, then goes on over new links, or leaves the job.
 *
 * Custom sources and sinks: before its first turn the worker runs its custom sinks' open blocks
 * and its custom partitions' open blocks; each turn starts by running its custom sinks' commit
 * for a snapshot the coordinator committed since; a partition's close block runs when it is
 * done, and whatever is still open is closed when the worker ends (mstr_source.h, mstr_sink.h).
 *
 * Thread use: a worker and everything it points to belong to its thread, except the channel's
 * links, the doorbells and the failure flag, which are made for sharing.
 */
#ifndef MSTR_WORKER_H
#define MSTR_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mstr_coord.h"
#include "mstr_desc.h"
#include "mstr_exchange.h"
#include "mstr_fail.h"
#include "mstr_ring.h"
#include "mstr_route.h"
#include "mstr_sink.h"
#include "mstr_source.h"
#include "mstr_str.h"
#include "mstr_tally.h"

struct mstr_worker {
    mstr_ctx ctx;                 /* first: mstr_fail finds the worker from ctx */
    mstr_arena arena;             /* the current batch's strings; reset after each batch */
    mstr_sink *sinks;             /* this worker's views, indexed like mstr_job_desc.sinks */
    void *state;                  /* from mstr_job_desc.state_new */
    mstr_owners owners;           /* this worker's copy of the owner table */
    mstr_exchange exchange;
    mstr_tally_t *counters;       /* indexed like mstr_job_desc.counters */
    mstr_tally_t *source_read;    /* records read, indexed like mstr_job_desc.sources */
    mstr_tally_t *op_in;          /* records in, indexed like mstr_job_desc.operators */
    int process;                  /* the process it runs in ... */
    int local;                    /* ... and its index there */
    size_t poll_records;          /* records a source poll reads at most (MSTR_BATCH) */
    mstr_partition **parts;       /* the partitions this worker reads */
    size_t nparts;
    mstr_partition *polling;      /* the one it polls now, whose records flow (NULL between
                                     polls) */
    const mstr_job_desc *desc;
    /* The runtime's alone from here on. */
    mstr_failure *failure;
    mstr_doorbell *bell;
    mstr_coord *coord;
    mstr_sink_views views;
    size_t *live;                 /* per source: this worker's partitions not yet done */
    uint64_t snapshot_last;       /* the last snapshot it took (or was restored from) */
    bool restored;                /* its state came from a snapshot */
    bool frontiers_restored;      /* its exchanges' frontiers too (not at another worker
                                     count): the ends of its sources went through before */
    bool finished;                /* its input is exhausted (it told the coordinator) */
    struct mstr_rescale *rescale; /* the live rescale it is in or was last in (mstr_rescale.h) */
    uint64_t rescale_last;        /* the last rescale it made its cut of */
    bool joining;                 /* it was made by that rescale: it takes over first */
    bool left;                    /* it left the job in that rescale */
    bool taking_over;             /* it goes on in that rescale while the key groups it takes
                                     over wait for their state ... */
    bool was_finished;            /* ... and it had told the coordinator it finished */
    /* What it publishes for the status and the metrics (mstr_stats.h), once per turn: */
    _Atomic int64_t frontier;     /* the least frontier of its exchanges (MSTR_EPOCH_MIN) */
    _Atomic uint64_t blocked_ns;  /* time it could not read its sources for want of room */
    int64_t blocked_since;        /* when it last found itself blocked, or -1 */
    int64_t poll_sleep_ms;        /* test hook: a pause after each source poll */
    int64_t rescale_sleep_ms;     /* test hook: a pause at its cut of a live rescale */
    pthread_t thread;
    bool running;                 /* its thread was started and not joined yet */
};

/* What a worker is made from. */
typedef struct mstr_worker_setup {
    const mstr_job_desc *desc;
    int index;                    /* job-wide */
    int workers;
    int process;
    int local;
    const mstr_owners *owners;    /* the owner table it starts with (it keeps a copy) */
    mstr_partition *parts;        /* all of the job's partitions: it reads those placed on it */
    size_t nparts;
    const size_t *partitions;     /* per source: how many partitions it has (mstr_place.h) */
    mstr_channel *channel;        /* its end */
    mstr_doorbell *bell;          /* its doorbell */
    mstr_failure *failure;
    mstr_coord *coord;
    mstr_sink_set *sinks;
    size_t poll_records;          /* MSTR_BATCH, or fewer (a test hook) */
    int64_t poll_sleep_ms;        /* 0, or a pause after each poll (a test hook) */
    int64_t rescale_sleep_ms;     /* 0, or a pause at its cut of a live rescale (likewise) */
    struct mstr_rescale *joins;   /* the live rescale that makes it, or NULL: it then takes
                                     over its key groups and partitions before anything else,
                                     and channel is its end of the rescale's links */
} mstr_worker_setup;

/* Sets up w and its state (in the thread that starts it, so that a snapshot can be restored
 * into it before it starts). Its sink views write nowhere until mstr_sink_views_begin. */
void mstr_worker_init(mstr_worker *w, const mstr_worker_setup *s);

/* Counts w's partitions of each source that are not done (into w->live, zero), and finishes
 * the sources it has none left of, unless their end went through before the cut it was
 * restored from (w->frontiers_restored). */
void mstr_worker_start_sources(mstr_worker *w);

/* Starts w's thread. Returns false (after a message) if it cannot be started. */
bool mstr_worker_start(mstr_worker *w);

/* Waits for w's thread to end, if it was started and not waited for yet. */
void mstr_worker_join(mstr_worker *w);

/* Flushes w's sink buffers, adds its tallies to records and checksum (indexed like the sinks)
 * and frees what it holds. Returns false (after a message) if a write failed. */
bool mstr_worker_close(mstr_worker *w, uint64_t *records, uint64_t *checksum);

#endif
