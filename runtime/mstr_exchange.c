/*
 * mstr_exchange.c - one worker's side of the exchanges (see mstr_exchange.h).
 *
 * Order of a turn, and why: batches that wait for room go first, in order, so that a link's
 * batches never overtake each other. Receiving always happens, also while this worker's own
 * batches wait: two workers that send to each other would otherwise wait on each other
 * forever. A batch received is processed at once (its records run through the generated code
 * of its exchange, which may fill this worker's outboxes in turn), and handed back.
 */
#include "mstr_exchange.h"

#include <stdlib.h>

#include "mstr_mem.h"
#include "mstr_place.h"

/* Batches received from one other worker per turn of the loop, so that sources and the other
 * inputs get their turn too. */
enum { RECEIVE_PER_TURN = 16 };

/* A FIFO of batches waiting for room on one link. */
struct mstr_xqueue {
    mstr_xbatch **items;
    size_t head, len, cap;
};

static void xqueue_push(mstr_xqueue *q, mstr_xbatch *b)
{
    if (q->len == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 8;
        mstr_xbatch **items = mstr_alloc_array(cap, sizeof *items);
        for (size_t i = 0; i < q->len; i++)
            items[i] = q->items[(q->head + i) % q->cap];
        free(q->items);
        q->items = items;
        q->cap = cap;
        q->head = 0;
    }
    q->items[(q->head + q->len++) % q->cap] = b;
}

static mstr_xbatch *xqueue_first(const mstr_xqueue *q)
{
    return q->len > 0 ? q->items[q->head] : NULL;
}

static void xqueue_drop_first(mstr_xqueue *q)
{
    q->head = (q->head + 1) % q->cap;
    q->len--;
}

static int me(const mstr_exchange *e)
{
    return e->channel->me;
}

static int workers(const mstr_exchange *e)
{
    return e->channel->workers;
}

/* What every outbox slot holds until a batch is opened there (see mstr_exchange.h). */
static mstr_xbatch unopened;

/* The open batch of exchange x towards dest, opened if there was none. */
static mstr_xbatch *open_batch(mstr_exchange *e, int x, int dest)
{
    mstr_xbatch **open = &e->outbox[(size_t)x * e->stride + (size_t)dest];
    if (*open == &unopened) {
        *open = mstr_channel_fresh(e->channel, dest);
        (*open)->exchange = x;
    }
    return *open;
}

mstr_xbatch *mstr_exchange_start(mstr_exchange *e, int x, int dest)
{
    mstr_xbatch *b = open_batch(e, x, dest);
    if (b->data.cap == 0)
        mstr_wbuf_grow(&b->data, MSTR_XBATCH_BYTES);
    return b;
}

/* Whether sender i is done with exchange x from the start: it reads none of the sources that
 * feed x, and no exchange feeds x. */
static bool finished_from_start(const mstr_exchange *e, const size_t *partitions, size_t x,
                                int i)
{
    const mstr_exchange_desc *xd = &e->desc->exchanges[x];
    const mstr_channel *c = e->channel;
    return xd->nupstream == 0 && xd->nsources > 0 &&
           !mstr_place_reads_any(partitions, i, c->processes, c->workers / c->processes,
                                 xd->sources, xd->nsources);
}

void mstr_exchange_init(mstr_exchange *e, mstr_worker *w, mstr_arena *arena,
                        const mstr_job_desc *d, const size_t *partitions, mstr_channel *c,
                        mstr_exchange_begin_fn *begin)
{
    size_t n = (size_t)c->workers, nx = d->nexchanges;
    *e = (mstr_exchange){ .desc = d, .worker = w, .arena = arena, .channel = c, .stride = n,
                          .begin = begin };
    mstr_align_init(&e->align, d, c->me, c->workers);
    e->outbox = mstr_alloc_array(nx * n, sizeof *e->outbox);
    for (size_t i = 0; i < nx * n; i++)
        e->outbox[i] = &unopened;
    e->waiting = mstr_alloc_array(n, sizeof *e->waiting);
    e->frontiers = mstr_alloc_array(nx, sizeof *e->frontiers);
    e->frontier_in = mstr_alloc_array(nx * n, sizeof *e->frontier_in);
    for (size_t x = 0; x < nx; x++) {
        mstr_frontier *f = &e->frontiers[x];
        mstr_frontier_init(f, &e->frontier_in[x * n], n);
        for (int i = 0; i < c->workers; i++) {
            if (finished_from_start(e, partitions, x, i)) {
                f->in[i] = MSTR_EPOCH_MAX;
                mstr_align_end(&e->align, x, i);
            }
        }
    }
}

/* Frees the records that wait, if any (a job that failed while they waited). */
static void free_held(mstr_exchange *e)
{
    for (size_t x = 0; e->held != NULL && x < e->desc->nexchanges; x++)
        mstr_xbatch_free(e->held[x]);
    free(e->held);
    free(e->held_moved);
    e->held = NULL;
    e->held_moved = NULL;
    e->held_from = NULL;
}

void mstr_exchange_free(mstr_exchange *e)
{
    free_held(e);
    size_t n = e->stride;
    for (size_t i = 0; i < e->desc->nexchanges * n; i++)
        if (e->outbox[i] != &unopened)
            mstr_xbatch_free(e->outbox[i]);
    for (size_t dest = 0; dest < n; dest++) {
        mstr_xqueue *q = &e->waiting[dest];
        for (size_t i = 0; i < q->len; i++)
            mstr_xbatch_free(q->items[(q->head + i) % q->cap]);
        free(q->items);
    }
    free(e->outbox);
    free(e->waiting);
    free(e->frontiers);
    free(e->frontier_in);
    mstr_align_free(&e->align);
}

/* Whether the open batch of exchange x for dest holds records or epochs (false for this
 * worker). */
static bool holds(const mstr_exchange *e, int x, int dest)
{
    return mstr_xbatch_holds(e->outbox[(size_t)x * e->stride + (size_t)dest]);
}

/* Whether this worker's control messages on exchange x go to dest on batches: dest is another
 * worker that this one sends batches to, or has a batch for. The others hear them by the
 * channel's broadcast (most of them, in a job of many workers). */
static bool in_band(mstr_exchange *e, int x, int dest)
{
    return dest != me(e) && (holds(e, x, dest) || mstr_channel_linked(e->channel, dest));
}

/* Moves b onto its link, keeping order behind batches that already wait for room. */
static void post(mstr_exchange *e, mstr_xbatch *b)
{
    mstr_xqueue *q = &e->waiting[b->to];
    if (q->len == 0 && mstr_channel_send(e->channel, b))
        return;
    xqueue_push(q, b);
    e->nwaiting++;
}

void mstr_exchange_send(mstr_exchange *e, int x, int dest)
{
    size_t slot = (size_t)x * e->stride + (size_t)dest;
    mstr_xbatch *full = e->outbox[slot];
    e->outbox[slot] = &unopened;
    post(e, full);
}

/* Input `from` of exchange x reached epoch: tells the generated code if the frontier moved
 * (once no record waits: mstr_exchange_hold). */
static void merge_epoch(mstr_exchange *e, int x, int from, int64_t epoch)
{
    mstr_frontier *f = &e->frontiers[x];
    if (!mstr_frontier_advance(f, (size_t)from, epoch))
        return;
    if (mstr_exchange_holding(e))
        e->held_moved[x] = true;
    else
        e->desc->exchanges[x].epoch(e->worker, f->out);
}

void mstr_exchange_hold(mstr_exchange *e, const uint16_t *was)
{
    size_t nx = e->desc->nexchanges;
    e->held_from = was;
    e->held = mstr_alloc_array(nx + 1, sizeof *e->held);
    e->held_moved = mstr_alloc_array(nx + 1, sizeof *e->held_moved);
    for (size_t x = 0; x < nx; x++) {
        e->held[x] = mstr_xbatch_new();
        mstr_xbatch_reset(e->held[x], (int)x, me(e), me(e));
    }
}

mstr_wbuf *mstr_exchange_keep(mstr_exchange *e, int x)
{
    e->held[x]->records++;
    return &e->held[x]->data;
}

uint64_t mstr_exchange_release(mstr_exchange *e)
{
    const mstr_job_desc *d = e->desc;
    mstr_xbatch **held = e->held;
    bool *moved = e->held_moved;
    e->held = NULL;
    e->held_moved = NULL;
    e->held_from = NULL;
    uint64_t records = 0;
    for (size_t x = 0; x < d->nexchanges; x++) {
        mstr_xbatch *b = held[x];
        mstr_rbuf r = { b->data.data, b->data.data + b->data.len, false };
        if (b->records > 0)
            d->exchanges[x].receive(e->worker, b, &r, b->records);
        mstr_arena_reset(e->arena);
        records += b->records;
        mstr_xbatch_free(b);
    }
    for (size_t x = 0; x < d->nexchanges; x++)
        if (moved[x])
            d->exchanges[x].epoch(e->worker, e->frontiers[x].out);
    free(held);
    free(moved);
    return records;
}

/* Sends the open batch of exchange x for dest (opened if there was none) with ctl after all
 * it holds. */
static void close_with(mstr_exchange *e, int x, int dest, mstr_ctl ctl)
{
    open_batch(e, x, dest)->ctl = ctl;
    mstr_exchange_send(e, x, dest);
}

/* Sends ctl on exchange x to every other worker, after what is already batched for it: it
 * closes the open batch of each worker in band, and is broadcast to the others. */
static void send_ctl(mstr_exchange *e, int x, mstr_ctl ctl)
{
    for (int dest = 0; dest < workers(e); dest++)
        if (in_band(e, x, dest))
            close_with(e, x, dest, ctl);
    mstr_channel_broadcast(e->channel, x, ctl);
}

/* Sends an epoch below the end on exchange x to every other worker: marked on the open batch
 * of each worker in band, after its records so far (mstr_xbatch.h), and broadcast to the
 * others. A batch for a worker not linked yet is sent with the epoch at once: sending it makes
 * the link, so that the receiver, which reads the broadcasts up to its link first, does not
 * take the broadcast epoch before the records. */
static void send_epoch(mstr_exchange *e, int x, int64_t epoch)
{
    for (int dest = 0; dest < workers(e); dest++) {
        if (!in_band(e, x, dest))
            continue;
        if (!mstr_channel_linked(e->channel, dest)) {
            close_with(e, x, dest, mstr_ctl_epoch(epoch));
            continue;
        }
        mstr_xbatch *b = open_batch(e, x, dest);
        mstr_xbatch_mark(b, b->records, epoch);
        if (b->nmarks == MSTR_XBATCH_MARKS)
            mstr_exchange_send(e, x, dest);
    }
    mstr_channel_broadcast(e->channel, x, mstr_ctl_epoch(epoch));
}

void mstr_exchange_epoch(mstr_exchange *e, int x, int64_t epoch)
{
    if (epoch == MSTR_EPOCH_MAX) {
        send_ctl(e, x, mstr_ctl_epoch(epoch));
        mstr_align_end(&e->align, (size_t)x, me(e));
    } else {
        send_epoch(e, x, epoch);
    }
    merge_epoch(e, x, me(e), epoch);
}

void mstr_exchange_barriers(mstr_exchange *e)
{
    for (size_t x = 0; x < e->desc->nexchanges; x++) {
        if (!mstr_align_may_send(&e->align, x))
            continue;
        send_ctl(e, (int)x, (mstr_ctl){ e->align.kind, (int64_t)e->align.snapshot });
        mstr_align_sent(&e->align, x);
    }
}

/* Per exchange: each sender's epoch, then the frontier. */
void mstr_exchange_save(const mstr_exchange *e, mstr_wbuf *b)
{
    for (size_t x = 0; x < e->desc->nexchanges; x++) {
        const mstr_frontier *f = &e->frontiers[x];
        for (size_t i = 0; i < f->n; i++)
            mstr_put_le(b, (uint64_t)f->in[i], 8);
        mstr_put_le(b, (uint64_t)f->out, 8);
    }
}

bool mstr_exchange_restore(mstr_exchange *e, mstr_rbuf *r)
{
    for (size_t x = 0; x < e->desc->nexchanges; x++) {
        mstr_frontier *f = &e->frontiers[x];
        for (size_t i = 0; i < f->n; i++) {
            f->in[i] = (int64_t)mstr_get_le(r, 8);
            if (f->in[i] == MSTR_EPOCH_MAX)
                mstr_align_end(&e->align, x, (int)i);
        }
        f->out = (int64_t)mstr_get_le(r, 8);
    }
    return !r->error && r->p == r->end;
}

bool mstr_exchange_saved_frontiers(const mstr_job_desc *d, int workers, mstr_rbuf *r,
                                   int64_t *out)
{
    for (size_t x = 0; x < d->nexchanges; x++) {
        for (int i = 0; i < workers; i++)
            (void)mstr_get_le(r, 8); /* what each sender had reached */
        out[x] = (int64_t)mstr_get_le(r, 8);
    }
    return !r->error && r->p == r->end;
}

void mstr_exchange_restore_least(mstr_exchange *e, const int64_t *least)
{
    for (size_t x = 0; x < e->desc->nexchanges; x++) {
        mstr_frontier *f = &e->frontiers[x];
        for (size_t i = 0; i < f->n; i++) {
            if (f->in[i] == MSTR_EPOCH_MAX)
                continue; /* finished from the start */
            f->in[i] = least[x];
            if (least[x] == MSTR_EPOCH_MAX)
                mstr_align_end(&e->align, x, (int)i);
        }
        f->out = least[x];
    }
}

void mstr_exchange_switch(mstr_exchange *e, const size_t *partitions, mstr_channel *c,
                          const int64_t *least, bool keep_ends)
{
    const mstr_job_desc *d = e->desc;
    bool *ended = mstr_alloc_array(d->nexchanges + 1, sizeof *ended);
    for (size_t x = 0; x < d->nexchanges; x++)
        ended[x] = keep_ends && e->frontiers[x].in[me(e)] == MSTR_EPOCH_MAX;
    mstr_worker *w = e->worker;
    mstr_arena *arena = e->arena;
    mstr_exchange_begin_fn *begin = e->begin;
    mstr_exchange_free(e);
    mstr_exchange_init(e, w, arena, d, partitions, c, begin);
    mstr_exchange_restore_least(e, least);
    for (size_t x = 0; x < d->nexchanges; x++)
        if (ended[x] && e->frontiers[x].in[me(e)] != MSTR_EPOCH_MAX)
            mstr_exchange_epoch(e, (int)x, MSTR_EPOCH_MAX);
    free(ended);
}

bool mstr_exchange_send_waiting(mstr_exchange *e)
{
    bool moved = false;
    for (size_t dest = 0; dest < e->stride && e->nwaiting > 0; dest++) {
        mstr_xqueue *q = &e->waiting[dest];
        mstr_xbatch *b;
        while ((b = xqueue_first(q)) != NULL && mstr_channel_send(e->channel, b)) {
            xqueue_drop_first(q);
            e->nwaiting--;
            moved = true;
        }
    }
    return moved;
}

/* Runs a received batch through the generated code: its records and epochs in the order they
 * were sent, then its control message. */
static void process(mstr_exchange *e, const mstr_xbatch *b)
{
    const mstr_exchange_desc *x = &e->desc->exchanges[b->exchange];
    mstr_rbuf r = { b->data.data, b->data.data + b->data.len, false };
    size_t done = 0;
    for (size_t i = 0; i <= b->nmarks; i++) {
        size_t upto = i < b->nmarks ? b->marks[i].records : b->records;
        if (upto > done)
            x->receive(e->worker, b, &r, upto - done);
        done = upto;
        if (i < b->nmarks)
            merge_epoch(e, b->exchange, b->from, b->marks[i].epoch);
    }
    switch (b->ctl.kind) {
    case MSTR_CTL_NONE:
        break;
    case MSTR_CTL_EPOCH:
        merge_epoch(e, b->exchange, b->from, b->ctl.value);
        break;
    case MSTR_CTL_END:
        mstr_align_end(&e->align, (size_t)b->exchange, b->from);
        merge_epoch(e, b->exchange, b->from, MSTR_EPOCH_MAX);
        break;
    case MSTR_CTL_BARRIER:
    case MSTR_CTL_RESCALE:
        if (b->ctl.kind != e->align.kind || (uint64_t)b->ctl.value != e->align.snapshot)
            e->begin(e->worker, b->ctl);
        mstr_align_barrier(&e->align, (size_t)b->exchange, b->from);
        break;
    }
    mstr_arena_reset(e->arena);
}

bool mstr_exchange_receive(mstr_exchange *e)
{
    bool got = false;
    for (int from = 0; from < workers(e); from++) {
        if (from == me(e))
            continue;
        for (int n = 0; n < RECEIVE_PER_TURN && !mstr_align_holds(&e->align, from); n++) {
            mstr_xbatch *b = mstr_channel_receive(e->channel, from);
            if (b == NULL)
                break;
            process(e, b);
            mstr_channel_release(e->channel, b);
            got = true;
        }
    }
    return got;
}

void mstr_exchange_flush(mstr_exchange *e)
{
    for (size_t x = 0; x < e->desc->nexchanges; x++)
        for (int dest = 0; dest < workers(e); dest++)
            if (holds(e, (int)x, dest))
                mstr_exchange_send(e, (int)x, dest);
    mstr_channel_flush(e->channel);
}

bool mstr_exchange_done(const mstr_exchange *e)
{
    if (e->nwaiting > 0 || mstr_exchange_holding(e))
        return false;
    for (size_t x = 0; x < e->desc->nexchanges; x++)
        if (e->frontiers[x].out != MSTR_EPOCH_MAX)
            return false;
    return true;
}
