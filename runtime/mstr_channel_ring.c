/*
 * mstr_channel_ring.c - the channel between worker threads of one process (see
 * mstr_channel_ring.h and mstr_channel.h).
 *
 * rings[from * n + to] carries batches from `from` to `to`; returns[to * n + from] carries
 * them back once `to` has processed them (indexes within the process: job-wide ones less base). Each ring has one producer and one consumer, so no
 * lock is needed. An end notes which workers it made work for (pushed a batch to, or made room
 * for by popping) and rings their doorbells at flush: once per turn of its worker's loop, not
 * per batch, because each ring touches a cache line the other worker reads.
 *
 * A ring is made by its producer when it first pushes (and published to its consumer with
 * release and acquire): most pairs of a job of many workers never exchange a batch, and rings
 * for every pair made up front took memory in the square of the worker count (1.4 GB for a job
 * of 1000 workers and five records).
 */
#include "mstr_channel_ring.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "mstr_mem.h"

typedef struct ring_end {
    mstr_channel base;
    mstr_ring_hub *hub;
    bool *wake;                 /* per worker: made work for it since the last flush */
} ring_end;

struct mstr_ring_hub {
    int workers;
    int base;                   /* the job-wide index of the process's first worker */
    _Atomic(mstr_ring *) *rings;   /* rings[from * workers + to], NULL until first used */
    _Atomic(mstr_ring *) *returns; /* returns[to * workers + from]: used batches going back */
    mstr_doorbell *bells;
    ring_end *ends;
};

/* Ring slots by job-wide worker indexes. */
static _Atomic(mstr_ring *) *link_of(mstr_ring_hub *h, int from, int to)
{
    return &h->rings[(size_t)(from - h->base) * (size_t)h->workers + (size_t)(to - h->base)];
}

static _Atomic(mstr_ring *) *return_of(mstr_ring_hub *h, int to, int from)
{
    return &h->returns[(size_t)(to - h->base) * (size_t)h->workers + (size_t)(from - h->base)];
}

/* The producer's side of the ring in slot: made at its first use. */
static mstr_ring *produce(_Atomic(mstr_ring *) *slot)
{
    mstr_ring *r = atomic_load_explicit(slot, memory_order_relaxed);
    if (r != NULL)
        return r;
    /* Rings keep head and tail on cache lines of their own: they need that alignment. */
    r = mstr_alloc_aligned(alignof(mstr_ring), sizeof *r);
    mstr_ring_init(r, MSTR_RING_BATCHES);
    atomic_store_explicit(slot, r, memory_order_release);
    return r;
}

/* The consumer's side: NULL while the producer has never pushed. */
static mstr_ring *consume(_Atomic(mstr_ring *) *slot)
{
    return atomic_load_explicit(slot, memory_order_acquire);
}

static mstr_xbatch *ring_fresh(mstr_channel *c, int to)
{
    ring_end *e = (ring_end *)c;
    mstr_ring *back = consume(return_of(e->hub, to, c->me));
    mstr_xbatch *b = back != NULL ? mstr_ring_pop(back) : NULL;
    if (b == NULL)
        b = mstr_xbatch_new();
    mstr_xbatch_reset(b, -1, c->me, to);
    return b;
}

/* Once pushed, b belongs to its receiver, which may be done with it at once: everything the
 * sender needs from b is read before. */
static bool ring_send(mstr_channel *c, mstr_xbatch *b)
{
    ring_end *e = (ring_end *)c;
    int to = b->to;
    if (!mstr_ring_push(produce(link_of(e->hub, c->me, to)), b))
        return false;
    e->wake[to - e->hub->base] = true;
    return true;
}

static mstr_xbatch *ring_receive(mstr_channel *c, int from)
{
    ring_end *e = (ring_end *)c;
    mstr_ring *in = consume(link_of(e->hub, from, c->me));
    mstr_xbatch *b = in != NULL ? mstr_ring_pop(in) : NULL;
    if (b != NULL)
        e->wake[from - e->hub->base] = true; /* it may be waiting for room */
    return b;
}

static void ring_release(mstr_channel *c, mstr_xbatch *b)
{
    ring_end *e = (ring_end *)c;
    if (!mstr_ring_push(produce(return_of(e->hub, c->me, b->from)), b))
        mstr_xbatch_free(b);
}

static void ring_flush(mstr_channel *c)
{
    ring_end *e = (ring_end *)c;
    for (int i = 0; i < e->hub->workers; i++)
        if (e->wake[i]) {
            e->wake[i] = false;
            mstr_doorbell_ring(&e->hub->bells[i]);
        }
}

static const mstr_channel_ops ring_ops = {
    .fresh = ring_fresh, .send = ring_send, .receive = ring_receive, .release = ring_release,
    .flush = ring_flush,
};

mstr_ring_hub *mstr_ring_hub_new(int workers, int base, mstr_doorbell *bells)
{
    mstr_ring_hub *h = mstr_alloc(sizeof *h);
    size_t n = (size_t)workers * (size_t)workers;
    h->workers = workers;
    h->base = base;
    h->bells = bells;
    h->rings = mstr_alloc_array(n, sizeof *h->rings);
    h->returns = mstr_alloc_array(n, sizeof *h->returns);
    h->ends = mstr_alloc_array((size_t)workers, sizeof *h->ends);
    for (int i = 0; i < workers; i++) {
        h->ends[i] = (ring_end){ .base = { &ring_ops, base + i, base + workers }, .hub = h };
        h->ends[i].wake = mstr_alloc_array((size_t)workers, sizeof *h->ends[i].wake);
    }
    return h;
}

mstr_channel *mstr_ring_hub_end(mstr_ring_hub *h, int i)
{
    return &h->ends[i].base;
}

void mstr_ring_hub_free(mstr_ring_hub *h)
{
    size_t n = (size_t)h->workers * (size_t)h->workers;
    for (size_t i = 0; i < n; i++) {
        mstr_ring *both[] = { consume(&h->rings[i]), consume(&h->returns[i]) };
        for (size_t k = 0; k < 2; k++) {
            if (both[k] == NULL)
                continue;
            mstr_xbatch *b;
            while ((b = mstr_ring_pop(both[k])) != NULL)
                mstr_xbatch_free(b);
            mstr_ring_free(both[k]);
            free(both[k]);
        }
    }
    for (int i = 0; i < h->workers; i++)
        free(h->ends[i].wake);
    free(h->ends);
    free(h->rings);
    free(h->returns);
    free(h);
}
