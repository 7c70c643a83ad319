/*
 * mstr_channel_net.c - the channel of a worker in a job over several processes (see
 * mstr_channel_net.h).
 *
 * Per pair (remote sender s, local receiver d) two single-producer single-consumer rings: one
 * from the network thread to worker d with s's batches, one back with the batches d is done
 * with, for the network thread to fill again; and a count of credits to return. Per pair
 * (local sender w, remote receiver r) the credits w has left. A batch for another process is
 * framed by the sending worker itself and handed to the stream (mstr_stream_send2 copies its
 * head and data once, into the message), so the batch is free again at once.
 */
#include "mstr_channel_net.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "mstr_mem.h"

enum { CREDIT_RETURN = MSTR_RING_BATCHES / 2 }; /* credits a pair returns at once */

const char *const mstr_net_hub_methods[2] = { "/mstr.Exchange/Link", "/mstr.Exchange/Link2" };

typedef struct pair_in {
    mstr_ring data;                 /* network thread -> worker: s's batches */
    mstr_ring spare;                /* worker -> network thread: batches to fill again */
    _Atomic uint32_t returned;      /* batches processed whose credits are not sent back */
} pair_in;

typedef struct net_end {
    mstr_channel base;
    mstr_net_hub *hub;
    mstr_channel *ring;             /* the links within the process */
    int local;                      /* the worker's index in its process */
    mstr_xbatch **spare;            /* empty batches for other processes' workers */
    size_t nspare, cap;
    mstr_wbuf frame;                /* scratch: a batch's frame, a credit message */
} net_end;

/* An incoming stream, before and after its hello. */
typedef struct in_link {
    mstr_net_hub *hub;
    mstr_stream *stream;
    int process;                    /* the peer, once its hello arrived; -1 before */
} in_link;

struct mstr_net_hub {
    mstr_wire_hello hello;
    int process, processes, per_process, total;
    mstr_ring_hub *rings;
    mstr_doorbell *bells;
    mstr_failure *failure;
    pair_in *in;                    /* [s * per_process + d]: s job-wide, d local */
    _Atomic int *credits;           /* [w * total + r]: w local, r job-wide */
    mstr_stream **out;              /* [p]: this process's stream to p */
    _Atomic(mstr_stream *) *in_streams; /* [p]: p's stream to this process */
    pthread_mutex_t lock;           /* around links */
    in_link **links;                /* the incoming streams */
    size_t nlinks;
    net_end *ends;
    _Atomic bool stopping;
    mstr_link_counts *links_out;    /* [p]: what this process sent to p */
    mstr_link_counts *links_in;     /* [p]: what it received from p */
};

static int process_of(const mstr_net_hub *h, int worker)
{
    return worker / h->per_process;
}

static bool is_local(const mstr_net_hub *h, int worker)
{
    return process_of(h, worker) == h->process;
}

static pair_in *pair(mstr_net_hub *h, int sender, int local_receiver)
{
    return &h->in[(size_t)sender * (size_t)h->per_process + (size_t)local_receiver];
}

/* The stream with process `process` ended or broke: the job lost it (unless it is stopping). */
static void lost(mstr_net_hub *h, int process, const char *why)
{
    if (!atomic_load(&h->stopping))
        mstr_failure_lose(h->failure, "process %d lost its exchange with process %d: %s",
                          h->process, process, why ? why : "the stream ended");
}

/* Process `process` sent what it must not: the two do not run the same job correctly. */
static void garbled(mstr_net_hub *h, int process, const char *what)
{
    if (!atomic_load(&h->stopping))
        mstr_failure_set(h->failure, "process %d received %s from process %d", h->process, what,
                         process);
}

static void count(mstr_link_counts *c, size_t bytes)
{
    atomic_fetch_add_explicit(&c->bytes, bytes, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->batches, 1, memory_order_relaxed);
}

/* ---- the network thread ---------------------------------------------------------------------- */

static void credit_arrived(void *arg, uint32_t sender, uint32_t receiver, uint32_t batches)
{
    mstr_net_hub *h = arg;
    if (!is_local(h, (int)sender) || receiver >= (uint32_t)h->total) {
        garbled(h, -1, "a credit for a pair it does not have");
        return;
    }
    int w = (int)sender % h->per_process;
    atomic_fetch_add(&h->credits[(size_t)w * (size_t)h->total + receiver], (int)batches);
    mstr_doorbell_ring(&h->bells[w]); /* it may be waiting for room */
}

/* A message on one of this process's streams to another: credits. */
static void out_message(void *arg, mstr_stream *s, const unsigned char *p, size_t n)
{
    mstr_net_hub *h = arg;
    (void)s;
    if (!mstr_wire_get_credits(p, n, credit_arrived, h))
        garbled(h, -1, "a message that is no credit");
}

static void out_ended(void *arg, mstr_stream *s, bool clean, const char *why)
{
    mstr_net_hub *h = arg;
    for (int p = 0; p < h->processes; p++)
        if (h->out[p] == s)
            lost(h, p, clean ? "it closed the stream" : why);
}

/* The first message of an incoming stream must be a hello from a peer running this job in
 * this round; other streams are refused (their senders learn it from the stream's end). */
static void hello_arrived(in_link *l, mstr_stream *s, const unsigned char *p, size_t n)
{
    mstr_net_hub *h = l->hub;
    mstr_wire_hello hi;
    if (!mstr_wire_get_hello(p, n, &hi) || hi.fingerprint != h->hello.fingerprint ||
        hi.processes != h->hello.processes || hi.workers != h->hello.workers ||
        hi.process >= (uint32_t)h->processes || hi.process == (uint32_t)h->process) {
        fprintf(stderr, "mstr: process %d refused an exchange stream from a process of another "
                        "job, or of another shape\n", h->process);
        mstr_stream_cancel(s);
        return;
    }
    if (hi.round != h->hello.round || hi.layout != h->hello.layout) {
        mstr_stream_cancel(s); /* left over from an earlier round, or early for a later one */
        return;
    }
    l->process = (int)hi.process;
    atomic_store(&h->in_streams[hi.process], s);
}

/* A batch from process l->process for one of this process's workers. */
static void batch_arrived(in_link *l, const unsigned char *p, size_t n)
{
    mstr_net_hub *h = l->hub;
    mstr_xbatch header;
    mstr_rbuf r = { p + 1, p + n, false };
    header.from = (int)mstr_get_le(&r, 4);
    header.to = (int)mstr_get_le(&r, 4);
    if (r.error || header.from < 0 || header.from >= h->total || process_of(h, header.from) !=
            l->process || header.to < 0 || !is_local(h, header.to)) {
        garbled(h, l->process, "a batch for a pair it does not have");
        return;
    }
    int d = header.to % h->per_process;
    pair_in *pi = pair(h, header.from, d);
    mstr_xbatch *b = mstr_ring_pop(&pi->spare);
    if (b == NULL)
        b = mstr_xbatch_new();
    if (!mstr_wire_get_batch(p, n, b) || !mstr_ring_push(&pi->data, b)) {
        mstr_xbatch_free(b);
        garbled(h, l->process, "a batch beyond its credits, or one that does not decode");
        return;
    }
    count(&h->links_in[l->process], n);
    mstr_doorbell_ring(&h->bells[d]);
}

static void in_message(void *arg, mstr_stream *s, const unsigned char *p, size_t n)
{
    in_link *l = arg;
    if (l->process < 0)
        hello_arrived(l, s, p, n);
    else if (mstr_wire_kind_of(p, n) == MSTR_WIRE_BATCH)
        batch_arrived(l, p, n);
    else
        garbled(l->hub, l->process, "a message that is no batch");
}

static void in_ended(void *arg, mstr_stream *s, bool clean, const char *why)
{
    in_link *l = arg;
    (void)s;
    if (l->process >= 0) /* a refused stream is no loss */
        lost(l->hub, l->process, clean ? "it closed the stream" : why);
}

void mstr_net_hub_accept(mstr_net_hub *h, mstr_stream *s, mstr_stream_handler *hd)
{
    /* which peer it is comes with its hello: until then the link is a blank one of its own */
    in_link *l = mstr_alloc(sizeof *l);
    *l = (in_link){ .hub = h, .stream = s, .process = -1 };
    *hd = (mstr_stream_handler){ in_message, in_ended, l };
    pthread_mutex_lock(&h->lock);
    h->links = mstr_realloc(h->links, (h->nlinks + 1) * sizeof *h->links);
    h->links[h->nlinks++] = l;
    pthread_mutex_unlock(&h->lock);
}

/* ---- a worker's end ---------------------------------------------------------------------------- */

static mstr_xbatch *net_fresh(mstr_channel *c, int to)
{
    net_end *e = (net_end *)c;
    if (is_local(e->hub, to))
        return mstr_channel_fresh(e->ring, to);
    mstr_xbatch *b = e->nspare > 0 ? e->spare[--e->nspare] : mstr_xbatch_new();
    mstr_xbatch_reset(b, -1, c->me, to);
    return b;
}

static void keep_spare(net_end *e, mstr_xbatch *b)
{
    if (e->nspare == e->cap) {
        e->cap = e->cap ? 2 * e->cap : 8;
        e->spare = mstr_realloc(e->spare, e->cap * sizeof *e->spare);
    }
    e->spare[e->nspare++] = b;
}

static bool net_send(mstr_channel *c, mstr_xbatch *b)
{
    net_end *e = (net_end *)c;
    mstr_net_hub *h = e->hub;
    if (is_local(h, b->to))
        return mstr_channel_send(e->ring, b);
    _Atomic int *credit = &h->credits[(size_t)e->local * (size_t)h->total + (size_t)b->to];
    if (atomic_load(credit) <= 0)
        return false;
    atomic_fetch_sub(credit, 1);
    e->frame.len = 0;
    mstr_wire_put_batch_head(&e->frame, b);
    mstr_stream_send2(h->out[process_of(h, b->to)], e->frame.data, e->frame.len, b->data.data,
                      b->data.len);
    count(&h->links_out[process_of(h, b->to)], e->frame.len + b->data.len);
    keep_spare(e, b);
    return true;
}

static mstr_xbatch *net_receive(mstr_channel *c, int from)
{
    net_end *e = (net_end *)c;
    if (is_local(e->hub, from))
        return mstr_channel_receive(e->ring, from);
    return mstr_ring_pop(&pair(e->hub, from, e->local)->data);
}

static void net_release(mstr_channel *c, mstr_xbatch *b)
{
    net_end *e = (net_end *)c;
    if (is_local(e->hub, b->from)) {
        mstr_channel_release(e->ring, b);
        return;
    }
    pair_in *pi = pair(e->hub, b->from, e->local);
    atomic_fetch_add(&pi->returned, 1);
    if (!mstr_ring_push(&pi->spare, b))
        mstr_xbatch_free(b);
}

/* Sends back the credits of the batches this worker processed, a message per process, once a
 * pair has half its window to return: a credit message costs as much as a batch, and a sender
 * with half its window left is not held up. Never more: a sender that has used its whole window
 * has made the receiver hold at least that half to return, so no pair waits for ever. */
static void return_credits(net_end *e)
{
    mstr_net_hub *h = e->hub;
    for (int p = 0; p < h->processes; p++) {
        if (p == h->process)
            continue;
        mstr_wire_put_credit_start(&e->frame);
        bool any = false;
        for (int s = p * h->per_process; s < (p + 1) * h->per_process; s++) {
            _Atomic uint32_t *returned = &pair(h, s, e->local)->returned;
            if (atomic_load(returned) < CREDIT_RETURN)
                continue;
            uint32_t n = atomic_exchange(returned, 0);
            mstr_wire_put_credit(&e->frame, (uint32_t)s, (uint32_t)e->base.me, n);
            any = true;
        }
        mstr_stream *in = atomic_load(&h->in_streams[p]);
        if (any && in != NULL)
            mstr_stream_send(in, e->frame.data, e->frame.len);
    }
}

static void net_flush(mstr_channel *c)
{
    net_end *e = (net_end *)c;
    mstr_channel_flush(e->ring);
    return_credits(e);
}

/* Other processes' workers take every control message in band: their links are streams
 * there anyway, and a batch of no records costs little on one. */
static bool net_linked(mstr_channel *c, int to)
{
    net_end *e = (net_end *)c;
    return !is_local(e->hub, to) || mstr_channel_linked(e->ring, to);
}

static void net_broadcast(mstr_channel *c, int x, mstr_ctl ctl)
{
    mstr_channel_broadcast(((net_end *)c)->ring, x, ctl);
}

static bool net_blocked(mstr_channel *c)
{
    return mstr_channel_blocked(((net_end *)c)->ring);
}

static const mstr_channel_ops net_ops = {
    .fresh = net_fresh, .send = net_send, .receive = net_receive, .release = net_release,
    .linked = net_linked, .broadcast = net_broadcast, .blocked = net_blocked,
    .flush = net_flush,
};

/* ---- the hub --------------------------------------------------------------------------------- */

mstr_net_hub *mstr_net_hub_new(const mstr_wire_hello *hello, mstr_ring_hub *rings,
                               mstr_doorbell *bells, mstr_failure *failure)
{
    mstr_net_hub *h = mstr_alloc(sizeof *h);
    h->hello = *hello;
    h->process = (int)hello->process;
    h->processes = (int)hello->processes;
    h->per_process = (int)hello->workers;
    h->total = h->processes * h->per_process;
    h->rings = rings;
    h->bells = bells;
    h->failure = failure;
    atomic_init(&h->stopping, false);
    pthread_mutex_init(&h->lock, NULL);
    size_t npairs = (size_t)h->total * (size_t)h->per_process;
    h->in = mstr_alloc_aligned(alignof(pair_in), npairs * sizeof *h->in);
    for (size_t i = 0; i < npairs; i++) {
        mstr_ring_init(&h->in[i].data, MSTR_RING_BATCHES);
        mstr_ring_init(&h->in[i].spare, MSTR_RING_BATCHES);
        atomic_init(&h->in[i].returned, 0);
    }
    h->credits = mstr_alloc_array(npairs, sizeof *h->credits);
    for (size_t i = 0; i < npairs; i++)
        atomic_init(&h->credits[i], MSTR_RING_BATCHES);
    h->out = mstr_alloc_array((size_t)h->processes, sizeof *h->out);
    h->links_out = mstr_alloc_array((size_t)h->processes, sizeof *h->links_out);
    h->links_in = mstr_alloc_array((size_t)h->processes, sizeof *h->links_in);
    h->in_streams = mstr_alloc_array((size_t)h->processes, sizeof *h->in_streams);
    h->ends = mstr_alloc_array((size_t)h->per_process, sizeof *h->ends);
    for (int i = 0; i < h->per_process; i++) {
        int me = h->process * h->per_process + i;
        h->ends[i] = (net_end){ .base = { &net_ops, me, h->total, h->processes }, .hub = h,
                                .ring = mstr_ring_hub_end(rings, i), .local = i };
    }
    return h;
}

void mstr_net_hub_connect(mstr_net_hub *h, mstr_net *net, char *const *peers)
{
    mstr_wbuf hello = { 0 };
    mstr_wire_put_hello(&hello, &h->hello);
    mstr_stream_handler handler = { out_message, out_ended, h };
    for (int p = 0; p < h->processes; p++) {
        if (p == h->process)
            continue;
        h->out[p] = mstr_net_open(net, peers[p], mstr_net_hub_methods[h->hello.layout % 2],
                                  &handler);
        mstr_stream_send(h->out[p], hello.data, hello.len);
    }
    mstr_wbuf_free(&hello);
}

const mstr_wire_hello *mstr_net_hub_hello(const mstr_net_hub *h)
{
    return &h->hello;
}

void mstr_net_hub_links(mstr_net_hub *h, int p, uint64_t *out_bytes, uint64_t *out_batches,
                        uint64_t *in_bytes, uint64_t *in_batches)
{
    *out_bytes = atomic_load_explicit(&h->links_out[p].bytes, memory_order_relaxed);
    *out_batches = atomic_load_explicit(&h->links_out[p].batches, memory_order_relaxed);
    *in_bytes = atomic_load_explicit(&h->links_in[p].bytes, memory_order_relaxed);
    *in_batches = atomic_load_explicit(&h->links_in[p].batches, memory_order_relaxed);
}

void mstr_net_hub_stopping(mstr_net_hub *h)
{
    atomic_store(&h->stopping, true);
}

mstr_channel *mstr_net_hub_end(mstr_net_hub *h, int i)
{
    return &h->ends[i].base;
}

void mstr_net_hub_close(mstr_net_hub *h)
{
    atomic_store(&h->stopping, true);
    for (int p = 0; p < h->processes; p++)
        if (h->out[p] != NULL)
            mstr_stream_abandon(h->out[p]);
    pthread_mutex_lock(&h->lock);
    for (size_t i = 0; i < h->nlinks; i++)
        mstr_stream_abandon(h->links[i]->stream);
    pthread_mutex_unlock(&h->lock);
}

void mstr_net_hub_free(mstr_net_hub *h)
{
    size_t npairs = (size_t)h->total * (size_t)h->per_process;
    for (size_t i = 0; i < npairs; i++) {
        mstr_ring *both[] = { &h->in[i].data, &h->in[i].spare };
        for (size_t k = 0; k < 2; k++) {
            mstr_xbatch *b;
            while ((b = mstr_ring_pop(both[k])) != NULL)
                mstr_xbatch_free(b);
            mstr_ring_free(both[k]);
        }
    }
    for (int i = 0; i < h->per_process; i++) {
        for (size_t k = 0; k < h->ends[i].nspare; k++)
            mstr_xbatch_free(h->ends[i].spare[k]);
        free(h->ends[i].spare);
        mstr_wbuf_free(&h->ends[i].frame);
    }
    free(h->in);
    free(h->credits);
    free(h->out);
    free(h->links_out);
    free(h->links_in);
    free(h->in_streams);
    for (size_t i = 0; i < h->nlinks; i++)
        free(h->links[i]);
    free(h->links);
    pthread_mutex_destroy(&h->lock);
    free(h->ends);
    free(h);
}
