/*
 * mstr_channel.h - a worker's end of the links that carry exchange batches to and from the
 * other workers: the one interface the worker loop talks to, whatever carries the batches.
 *
 * Every ordered pair of workers has a link. A link keeps batches in the order they were sent
 * and never drops one; it holds a bounded number of batches (credits), and a send that finds
 * no room is refused, so the sender keeps the batch, stops reading its sources, and tries again
 * after a wake-up: that is the backpressure, and memory stays bounded. Received batches are
 * handed back once processed, so that their memory can be reused by their sender.
 *
 * Implementations: rings between threads of one process (mstr_channel_ring.c); gRPC streams
 * between processes are the second. The caller never knows which it talks to.
 *
 * Control messages (mstr_ctl.h) follow the records sent before them on every link. A link that
 * carries records takes them in band: epochs among the records of a batch (mstr_xbatch.h), the
 * others closing the batch after those records. Most pairs of a job of
 * many workers never exchange a record, though, and a link for each pair just to carry epochs
 * and barriers took memory in the square of the worker count; so a channel may broadcast a
 * control message to every worker its end has never sent a batch to (mstr_channel_linked says
 * which have had one) without making their links. A broadcast message reaches each of them
 * before anything sent to it later, and is received like a batch of no records.
 *
 * Wake-ups: a worker sleeps on its doorbell (mstr_ring.h) when a turn of its loop found
 * nothing to do. A channel rings the doorbell of every worker it made work for (a batch to
 * receive, room to send) when its owner calls flush, once per turn rather than per batch.
 *
 * Thread use: a channel end belongs to its worker's thread; implementations do their own
 * synchronisation with the other ends.
 */
#ifndef MSTR_CHANNEL_H
#define MSTR_CHANNEL_H

#include <stdbool.h>

#include "mstr_xbatch.h"

typedef struct mstr_channel mstr_channel;

typedef struct mstr_channel_ops {
    /* An empty batch to fill for worker `to` (memory that `to` handed back when there is
     * some; a new batch otherwise). */
    mstr_xbatch *(*fresh)(mstr_channel *c, int to);
    /* Hands b (b->to is its destination) to its link. Returns false if the link has no room:
     * the caller keeps b and sends it again later, before any later batch for that worker. */
    bool (*send)(mstr_channel *c, mstr_xbatch *b);
    /* The oldest batch from worker `from` not yet received, or NULL. */
    mstr_xbatch *(*receive)(mstr_channel *c, int from);
    /* Gives back a batch that receive returned, once it has been processed. */
    void (*release)(mstr_channel *c, mstr_xbatch *b);
    /* Whether this end ever sent a batch to worker `to`: from then on control messages for
     * `to` go in band, on batches; broadcast no longer reaches it. */
    bool (*linked)(mstr_channel *c, int to);
    /* Sends ctl on exchange x to every other worker not linked from this end. */
    void (*broadcast)(mstr_channel *c, int x, mstr_ctl ctl);
    /* Whether broadcast messages pile up unread: the caller must not read its sources until
     * they are read (it is woken then), as for a refused send. */
    bool (*blocked)(mstr_channel *c);
    /* Wakes the workers that this end's sends, broadcasts and releases since the last flush
     * concern. */
    void (*flush)(mstr_channel *c);
} mstr_channel_ops;

struct mstr_channel {
    const mstr_channel_ops *ops;
    int me;             /* the worker this end belongs to (job-wide index) */
    int workers;        /* the workers its links reach (job-wide indexes 0 .. workers-1) */
    int processes;      /* which run in that many processes, as many in each */
};

static inline mstr_xbatch *mstr_channel_fresh(mstr_channel *c, int to)
{
    return c->ops->fresh(c, to);
}

static inline bool mstr_channel_send(mstr_channel *c, mstr_xbatch *b)
{
    return c->ops->send(c, b);
}

static inline mstr_xbatch *mstr_channel_receive(mstr_channel *c, int from)
{
    return c->ops->receive(c, from);
}

static inline void mstr_channel_release(mstr_channel *c, mstr_xbatch *b)
{
    c->ops->release(c, b);
}

static inline bool mstr_channel_linked(mstr_channel *c, int to)
{
    return c->ops->linked(c, to);
}

static inline void mstr_channel_broadcast(mstr_channel *c, int x, mstr_ctl ctl)
{
    c->ops->broadcast(c, x, ctl);
}

static inline bool mstr_channel_blocked(mstr_channel *c)
{
    return c->ops->blocked(c);
}

static inline void mstr_channel_flush(mstr_channel *c)
{
    c->ops->flush(c);
}

#endif
