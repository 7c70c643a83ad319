/*
 * mstr_exchange.h - one worker's side of a job's exchanges (its key_by operators): the batches
 * it is filling for other workers, the batches waiting for room on a link, and the frontier of
 * each exchange over the workers that send into it.
 *
 * Generated code encodes a record for another worker into that worker's open batch
 * (mstr_exchange_batch), hands the batch over when it is full (mstr_exchange_send) and sends
 * its epochs after its records (mstr_exchange_epoch). The worker loop moves batches over its
 * channel (mstr_channel.h) a turn at a time: it sends what waits for room, receives what
 * others sent (running it through the generated code of the exchange) and flushes the open
 * batches at the end of the turn, so nothing lingers.
 *
 * Control messages (mstr_ctl.h) are merged here, per exchange and sending worker: the
 * frontier after an exchange is the least epoch over the workers that send into it
 * (mstr_frontier.h), this worker included, and the generated code hears of it only when it
 * moves; snapshot barriers and ends of stream are aligned (mstr_align.h), and a sender whose
 * barriers have all arrived is not read until the worker has taken its snapshot.
 *
 * Thread use: an exchange side belongs to its worker's thread.
 */
#ifndef MSTR_EXCHANGE_H
#define MSTR_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mstr_align.h"
#include "mstr_channel.h"
#include "mstr_desc.h"
#include "mstr_frontier.h"
#include "mstr_str.h"
#include "mstr_xbatch.h"

typedef struct mstr_xqueue mstr_xqueue;

/* Makes the worker's cut of what barrier (a snapshot's BARRIER or a rescale's RESCALE) belongs
 * to, when it arrives before the worker heard of it from the coordinator. */
typedef void mstr_exchange_begin_fn(mstr_worker *w, mstr_ctl barrier);

typedef struct mstr_exchange {
    mstr_xbatch **outbox;       /* open batch per (exchange, destination worker), at
                                   x * stride + dest; until a record goes there, one shared
                                   batch of no buffer and no records, never written (most
                                   pairs of a job of many workers never exchange a record) */
    size_t stride;
    /* The runtime's alone from here on. */
    const mstr_job_desc *desc;
    mstr_worker *worker;        /* handed to the generated code of each exchange */
    mstr_arena *arena;          /* the worker's, reset after each batch received */
    mstr_channel *channel;
    mstr_xqueue *waiting;       /* per destination: batches refused for lack of room, in order */
    size_t nwaiting;            /* batches in all of waiting */
    mstr_frontier *frontiers;   /* per exchange, over the sending workers */
    int64_t *frontier_in;       /* their storage */
    mstr_align align;           /* snapshot and rescale barriers */
    mstr_exchange_begin_fn *begin;
    /* While key groups a live rescale brings this worker wait for their state
     * (mstr_exchange_hold): */
    const uint16_t *held_from;  /* per key group, its owner before the rescale; NULL when no
                                   group waits */
    mstr_xbatch **held;         /* per exchange: the records that wait, in the order they came */
    bool *held_moved;           /* per exchange: its frontier moved meanwhile */
} mstr_exchange;

/* Sets up worker w's side of d's exchanges over channel c (whose me and workers say which
 * worker this is and how many there are). Workers that read no source feeding an exchange
 * that no other exchange feeds are counted as finished on it from the start (mstr_place.h;
 * partitions holds each source's partition count). begin is called when a barrier arrives for
 * a snapshot the worker has not begun. */
void mstr_exchange_init(mstr_exchange *e, mstr_worker *w, mstr_arena *arena,
                        const mstr_job_desc *d, const size_t *partitions, mstr_channel *c,
                        mstr_exchange_begin_fn *begin);

/* Frees the open and waiting batches (a failure may have left some). */
void mstr_exchange_free(mstr_exchange *e);

/* The open batch of exchange x towards worker dest (never this worker itself). Its buffer has
 * no room (data.cap == 0) before its first record: call mstr_exchange_start then. */
static inline mstr_xbatch *mstr_exchange_batch(mstr_exchange *e, int x, int dest)
{
    return e->outbox[(size_t)x * e->stride + (size_t)dest];
}

/* Readies the open batch of exchange x towards dest for its first record, and returns it: a
 * batch of its own (opened now if there was none) with a buffer of full size. */
mstr_xbatch *mstr_exchange_start(mstr_exchange *e, int x, int dest);

/* Hands the open batch of exchange x for dest to its link (or to the batches waiting for
 * room); the next record there opens a new one. Call when the batch is full. */
void mstr_exchange_send(mstr_exchange *e, int x, int dest);

/* This worker reached epoch on exchange x: sends it to every other worker after the records
 * already batched for them, and merges it into this worker's own frontier of x. Every epoch
 * goes out, in its place among the records (operators downstream, a stateful_op's on_epoch or
 * a ttl_map's expiry for two, act on each epoch they see, before the records that follow it):
 * an epoch below the end rides on the open batch (mstr_xbatch.h); the end closes it, and so
 * does an epoch for a worker not linked yet (mstr_channel_linked), whose first batch must make
 * the link before the epoch is broadcast. */
void mstr_exchange_epoch(mstr_exchange *e, int x, int64_t epoch);

/* Sends this worker's barrier of the snapshot (or rescale) being aligned on every exchange
 * where it may (mstr_align_may_send), after the records already batched there. */
void mstr_exchange_barriers(mstr_exchange *e);

/* The frontiers of every exchange at this worker, for a snapshot, and back. restore returns
 * false if the bytes do not decode; an input at MSTR_EPOCH_MAX is ended (mstr_align.h). */
void mstr_exchange_save(const mstr_exchange *e, mstr_wbuf *b);
bool mstr_exchange_restore(mstr_exchange *e, mstr_rbuf *r);

/* For a restore at another worker count (mstr_snapshot.h). saved_frontiers reads, from what
 * mstr_exchange_save wrote at a worker of a job of `workers` workers, the frontier of each of
 * d's exchanges into out[x]; it returns false if the bytes do not decode. restore_least takes
 * every sender of exchange x to have reached least[x] (the least frontier of x over the workers
 * that took the snapshot: all that they had sent before the cut), but a sender finished from
 * the start, which stays finished. */
bool mstr_exchange_saved_frontiers(const mstr_job_desc *d, int workers, mstr_rbuf *r,
                                   int64_t *out);
void mstr_exchange_restore_least(mstr_exchange *e, const int64_t *least);

/* A live rescale (mstr_rescale.h): this worker, aligned on the rescale's barriers (nothing
 * waits for room, nothing more comes on the old links), goes on over channel c (the new links,
 * whose worker count may differ). Every sender of exchange x starts at least[x] (the frontier
 * every worker held at the cut), but a sender finished from the start (partitions: each
 * source's partition count). With keep_ends (the worker goes on as it was, reading the same
 * partitions) an exchange it had ended is ended again on the new links, whose receivers
 * start from least. */
void mstr_exchange_switch(mstr_exchange *e, const size_t *partitions, mstr_channel *c,
                          const int64_t *least, bool keep_ends);

/* A live rescale brought this worker key groups whose state has not arrived yet (was[g]: the
 * owner of key group g before; it stays valid until the release). Until mstr_exchange_release
 * a record of such a group waits, wherever it comes from (the generated code asks
 * mstr_exchange_holds and keeps it with mstr_exchange_keep), and so do the frontiers after the
 * exchanges, which would otherwise pass the records that wait; the records of every other key
 * group go on. */
void mstr_exchange_hold(mstr_exchange *e, const uint16_t *was);

/* Whether records of some key group wait, and whether those of key group g do. */
static inline bool mstr_exchange_holding(const mstr_exchange *e)
{
    return e->held_from != NULL;
}

static inline bool mstr_exchange_holds(const mstr_exchange *e, uint32_t g)
{
    return e->held_from != NULL && e->held_from[g] != e->channel->me;
}

/* Where a record of exchange x that waits goes, encoded as in a batch (counted as one). */
mstr_wbuf *mstr_exchange_keep(mstr_exchange *e, int x);

/* The state of the key groups arrived: the records that waited run through the generated code
 * in the order they came, then the frontiers that moved meanwhile reach it. Returns how many
 * records waited. */
uint64_t mstr_exchange_release(mstr_exchange *e);

/* One turn of the worker loop, in this order: */

/* Moves batches waiting for room onto their links where there is room now. Returns true if
 * any moved. */
bool mstr_exchange_send_waiting(mstr_exchange *e);

/* Receives and processes what other workers sent (a bounded number of batches from each, so
 * that sources and the other links get their turn; none from a sender held for a snapshot).
 * Returns true if there was anything. */
bool mstr_exchange_receive(mstr_exchange *e);

/* Sends every open batch that holds records or epochs and wakes the workers this turn made
 * work for. */
void mstr_exchange_flush(mstr_exchange *e);

/* True while batches wait for room, or control messages for the workers not linked from this
 * one pile up unread: the worker must not read its sources (backpressure). */
static inline bool mstr_exchange_blocked(const mstr_exchange *e)
{
    return e->nwaiting > 0 || mstr_channel_blocked(e->channel);
}

/* True once nothing waits (for room, or for its key group's state) and every exchange reached
 * the end of its streams here. */
bool mstr_exchange_done(const mstr_exchange *e);

#endif
