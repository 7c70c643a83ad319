/*
 * mstr_rescale.c - a live rescale of the workers of a process (see mstr_rescale.h).
 */
#include "mstr_rescale.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mstr_coord.h"
#include "mstr_mem.h"
#include "mstr_place.h"
#include "mstr_snapshot.h"
#include "mstr_time.h"
#include "mstr_worker.h"

static int most(const mstr_rescale *r)
{
    return r->from > r->to ? r->from : r->to;
}

/* The job-wide index of the process's worker i before the rescale, and after it. */
static int index_before(const mstr_rescale *r, int i)
{
    return r->process * r->workers_before + i;
}

static int index_after(const mstr_rescale *r, int i)
{
    return r->process * r->workers + i;
}

/* The process that owns key group g before the rescale, and after (the same one unless the
 * number of processes changes: mstr_route.h). */
static int process_before(const mstr_rescale *r, uint32_t g)
{
    return r->was.owner[g] / r->workers_before;
}

static int process_after(const mstr_rescale *r, uint32_t g)
{
    return r->owners.owner[g] / r->workers;
}

/* This process's worker that owns key group g before the rescale, and after; -1 if another
 * process's does. */
static int owner_before(const mstr_rescale *r, uint32_t g)
{
    return process_before(r, g) == r->process ? r->was.owner[g] - index_before(r, 0) : -1;
}

static int owner_after(const mstr_rescale *r, uint32_t g)
{
    return process_after(r, g) == r->process ? r->owners.owner[g] - index_after(r, 0) : -1;
}

/* The process's worker that reads partition k from now on, or -1 if another process's does. */
static int reader_after(const mstr_rescale *r, size_t k)
{
    int i = r->part_to[k] - index_after(r, 0);
    return i >= 0 && i < r->to ? i : -1;
}

/* ... and that read it before, or -1 (it comes from another process). */
static int reader_before(const mstr_rescale *r, size_t k)
{
    return r->parts[k].worker < 0 ? -1 : r->parts[k].worker - index_before(r, 0);
}

mstr_rescale *mstr_rescale_new(const mstr_rescale_setup *s)
{
    const mstr_job_desc *d = s->desc;
    mstr_rescale *r = mstr_alloc(sizeof *r);
    r->number = s->number;
    r->desc = d;
    r->process = s->process;
    r->processes_before = s->processes_before;
    r->workers_before = s->workers_before;
    r->processes = s->processes;
    r->workers = s->workers;
    r->from = s->process < s->processes_before ? s->workers_before : 0;
    r->to = s->process < s->processes ? s->workers : 0;
    mstr_owners_init(&r->was, s->key_groups, s->processes_before, s->workers_before,
                     s->number - 1);
    mstr_owners_init(&r->owners, s->key_groups, s->processes, s->workers, s->number);
    r->ends = mstr_alloc_array((size_t)r->to + 1, sizeof *r->ends);
    memcpy(r->ends, s->ends, (size_t)r->to * sizeof *r->ends);
    r->partitions = s->partitions;
    r->parts = s->parts;
    r->nparts = s->nparts;
    r->workers_here = s->workers_here;
    r->bells = s->bells;
    r->starts_over = mstr_alloc_array((size_t)r->to + 1, sizeof *r->starts_over);
    r->takes_groups = mstr_alloc_array((size_t)r->to + 1, sizeof *r->takes_groups);
    for (int i = r->from; i < r->to; i++)
        r->starts_over[i] = true;
    for (uint32_t g = 0; g < s->key_groups; g++) {
        int before = owner_before(r, g), after = owner_after(r, g);
        if (after < 0 || before == after)
            continue;
        r->takes_groups[after] = true;
        /* one that comes from another process takes the least fields of every process's old
           workers; within the process, the taker holds its own records too unless their order
           does not matter, so that each sender's records keep their place among its epochs
           (mstr_rescale.h) */
        if (before < 0 || !d->order_free)
            r->starts_over[after] = true;
    }
    r->part_to = mstr_alloc_array(s->nparts + 1, sizeof *r->part_to);
    for (size_t k = 0; k < s->nparts; k++) {
        r->part_to[k] = mstr_place_worker(s->parts[k].index, s->processes, s->workers);
        int was = reader_before(r, k), to = reader_after(r, k);
        if (to == was)
            continue;
        if (to >= 0)
            r->starts_over[to] = true;
        if (was >= 0 && was < r->to)
            r->starts_over[was] = true; /* its epochs were those of the partition too */
    }
    r->parcels = mstr_alloc_array((size_t)s->key_groups * d->nstates + 1, sizeof *r->parcels);
    r->fields = mstr_alloc_array((size_t)r->from * d->nstates + 1, sizeof *r->fields);
    r->frontiers = mstr_alloc_array((size_t)r->from * d->nexchanges + 1, sizeof *r->frontiers);
    r->outgoing = mstr_alloc_array((size_t)s->processes + 1, sizeof *r->outgoing);
    r->incoming = mstr_alloc_array((size_t)s->processes_before + 1, sizeof *r->incoming);
    r->remote_fields = mstr_alloc_array(d->nstates + 1, sizeof *r->remote_fields);
    r->remote_frontiers = mstr_alloc_array(d->nexchanges + 1, sizeof *r->remote_frontiers);
    for (size_t x = 0; x < d->nexchanges; x++)
        r->remote_frontiers[x] = MSTR_EPOCH_MAX;
    /* across processes every old process sends to every new one (its workers' least fields at
       least), and every new worker that takes something of another's waits for all of it */
    bool across = s->processes != s->processes_before;
    r->expected = across && r->to > 0 ? s->processes_before - (r->from > 0) : 0;
    r->sent = !across || r->from == 0;
    atomic_init(&r->remote_taken, r->expected == 0);
    atomic_init(&r->handed_off, 0);
    atomic_init(&r->moved_groups, 0);
    atomic_init(&r->moved_slots, 0);
    atomic_init(&r->moved_bytes, 0);
    atomic_init(&r->longest_wait_us, 0);
    atomic_init(&r->held, 0);
    return r;
}

/* Whether sd's keyed state goes with its key group (it is not key_local). */
static bool travels(const mstr_state_desc *sd)
{
    return sd->tables != NULL && !sd->local;
}

void mstr_rescale_free(mstr_rescale *r)
{
    const mstr_job_desc *d = r->desc;
    for (uint32_t g = 0; g < r->was.groups; g++) /* left if the job failed before they were
                                                     taken */
        for (size_t i = 0; i < d->nstates; i++) {
            mstr_table *t = &r->parcels[(size_t)g * d->nstates + i];
            if (travels(&d->states[i]))
                d->states[i].release_slots(t);
            mstr_table_free(t);
        }
    free(r->parcels);
    for (int q = 0; q < r->processes; q++)
        mstr_wbuf_free(&r->outgoing[q]);
    free(r->outgoing);
    mstr_wbuf_free(&r->drops);
    for (int p = 0; p < r->processes_before; p++)
        mstr_wbuf_free(&r->incoming[p]);
    free(r->incoming);
    for (size_t i = 0; i < d->nstates; i++)
        mstr_wbuf_free(&r->remote_fields[i]);
    free(r->remote_fields);
    free(r->remote_frontiers);
    mstr_owners_free(&r->was);
    mstr_owners_free(&r->owners);
    free(r->ends);
    for (size_t i = 0; i < (size_t)r->from * d->nstates; i++)
        mstr_wbuf_free(&r->fields[i]);
    free(r->fields);
    free(r->frontiers);
    free(r->part_to);
    free(r->starts_over);
    free(r->takes_groups);
    free(r);
}

/* ---- the workers' side ------------------------------------------------------------------ */

void mstr_rescale_begin(mstr_worker *w, mstr_rescale *r)
{
    if (r == NULL || r->number <= w->rescale_last || w->exchange.align.snapshot != 0)
        return;
    w->rescale = r;
    mstr_align_begin_rescale(&w->exchange.align, r->number);
}

/* The parcel of state i's table of key group g. */
static mstr_table *parcel_of(mstr_rescale *r, uint32_t g, size_t i)
{
    return &r->parcels[(size_t)g * r->desc->nstates + i];
}

/* ---- what goes to another process ----------------------------------------------------------
 *
 * A sequence of entries, each its kind then (numbers little-endian, bytes after their 4-byte
 * length):
 *
 *   'K' state (2), group (4), key, value   a slot of a key group's table (mstr_desc.h's
 *                                          encodings, as in snapshots)
 *   'P' source (2), partition (4), position   as in snapshots (mstr_snapshot.h)
 *   'W' state (2), fields                  the least worker fields of the sender's old workers
 *   'X' exchanges (4), frontier x that many   and the least frontiers of their exchanges
 */

static void put_bytes(mstr_wbuf *b, const void *p, size_t n)
{
    mstr_put_le(b, n, 4);
    mstr_put_bytes(b, p, n);
}

/* The bytes of an entry's field (after their length). */
static mstr_rbuf get_bytes(mstr_rbuf *in)
{
    size_t n = (size_t)mstr_get_le(in, 4);
    if (in->error || (size_t)(in->end - in->p) < n) {
        in->error = true;
        return (mstr_rbuf){ in->p, in->p, true };
    }
    mstr_rbuf field = { in->p, in->p + n, false };
    in->p += n;
    return field;
}

/* Adds to drops the logical key of state i's slot in key group g whose key is key (len bytes),
 * made in lkey. */
static void drop_later(mstr_wbuf *drops, mstr_wbuf *lkey, size_t i, uint32_t g, const void *key,
                       size_t len)
{
    mstr_snapshot_slot_key(lkey, i, g, key, len);
    put_bytes(drops, lkey->data, lkey->len);
}

/* Puts key group g's table t of state i into b, whole, and empties it; the keys of it that the
 * snapshots of this process's store hold (those of its slots that one wrote, and those on its
 * list of keys gone since) go to drops: the process's next snapshot deletes them from its store
 * (mstr_coord_drop; the worker may leave), and the process they go to writes them into its
 * own. */
static void send_table(mstr_wbuf *b, mstr_wbuf *drops, size_t i, const mstr_state_desc *sd,
                       uint32_t g, mstr_table *t)
{
    mstr_wbuf key = { 0 }, value = { 0 }, lkey = { 0 };
    for (size_t s = 0; s < t->capacity; s++) {
        if (!mstr_table_full(t, s))
            continue;
        const void *slot = mstr_table_slot(t, s);
        key.len = value.len = 0;
        sd->slot_key(&key, slot);
        sd->slot_value(&value, slot);
        mstr_put_le(b, 'K', 1);
        mstr_put_le(b, i, 2);
        mstr_put_le(b, g, 4);
        put_bytes(b, key.data, key.len);
        put_bytes(b, value.data, value.len);
        if (mstr_table_persisted(t, slot))
            drop_later(drops, &lkey, i, g, key.data, key.len);
    }
    mstr_rbuf gone = { t->gone.data, t->gone.data + t->gone.len, false };
    for (size_t k = 0; k < t->ngone; k++) {
        mstr_rbuf one = get_bytes(&gone);
        drop_later(drops, &lkey, i, g, one.p, (size_t)(one.end - one.p));
    }
    mstr_wbuf_free(&key);
    mstr_wbuf_free(&value);
    mstr_wbuf_free(&lkey);
    sd->release_slots(t);
    mstr_table_free(t);
}

/* Puts w's tables of the key groups that go to another worker into their parcels (w keeps
 * empty ones; the main thread sends those of a worker of another process), and counts what
 * moved. */
static void pack_groups(mstr_worker *w, mstr_rescale *r)
{
    const mstr_job_desc *d = w->desc;
    int me = w->local;
    uint64_t groups = 0, slots = 0, bytes = 0;
    for (uint32_t g = 0; g < r->was.groups; g++) {
        if (owner_before(r, g) != me || owner_after(r, g) == me)
            continue;
        groups++;
        for (size_t i = 0; i < d->nstates; i++) {
            if (!travels(&d->states[i]))
                continue;
            mstr_table *t = &d->states[i].tables(w)[g];
            slots += t->live;
            bytes += t->live * t->slot_size;
            *parcel_of(r, g, i) = *t;
            mstr_table_init(t, t->slot_size);
        }
    }
    atomic_fetch_add(&r->moved_groups, groups);
    atomic_fetch_add(&r->moved_slots, slots);
    atomic_fetch_add(&r->moved_bytes, bytes);
}

/* Lets go of w's partitions that go to another worker (closing a custom one in this thread;
 * the main thread sends the position of one that goes to another process). (A worker that
 * stays and lets one go starts over: it counts its partitions again.) */
static void release_partitions(mstr_worker *w, mstr_rescale *r)
{
    size_t kept = 0;
    for (size_t k = 0; k < w->nparts; k++) {
        mstr_partition *p = w->parts[k];
        if (reader_after(r, (size_t)(p - r->parts)) == w->local)
            w->parts[kept++] = p;
        else
            mstr_source_stop(w, p);
    }
    w->nparts = kept;
}

/* Hands off what w gives away, at its cut, and publishes its fields and frontiers. */
static void hand_off(mstr_worker *w, mstr_rescale *r)
{
    const mstr_job_desc *d = w->desc;
    int me = w->local;
    pack_groups(w, r);
    release_partitions(w, r);
    for (size_t i = 0; i < d->nstates; i++)
        if (d->states[i].fields != NULL)
            d->states[i].fields(w, &r->fields[(size_t)me * d->nstates + i]);
    for (size_t x = 0; x < d->nexchanges; x++)
        r->frontiers[(size_t)me * d->nexchanges + x] = w->exchange.frontiers[x].out;
    atomic_fetch_add_explicit(&r->handed_off, 1, memory_order_release);
    for (int i = 0; i < most(r); i++)
        mstr_doorbell_ring(&r->bells[i]);
    mstr_coord_handed_off(w->coord); /* its main thread sends what goes to other processes */
}

/* Waits until every old worker of the process has handed off, and what comes from the other
 * processes is in (mstr_rescale_receive). Returns false if the job failed meanwhile. */
static bool await_hand_offs(mstr_worker *w, mstr_rescale *r)
{
    int64_t start = mstr_clock_ns(CLOCK_MONOTONIC);
    for (;;) {
        uint32_t seq = mstr_doorbell_seq(w->bell);
        if (atomic_load_explicit(&r->handed_off, memory_order_acquire) == r->from &&
            atomic_load_explicit(&r->remote_taken, memory_order_acquire))
            break;
        if (mstr_failed(w->failure))
            return false;
        mstr_doorbell_wait_fds(w->bell, seq, NULL, 0, MSTR_CLOCK_TICK_MS);
    }
    int64_t waited = (mstr_clock_ns(CLOCK_MONOTONIC) - start) / 1000;
    int64_t longest = atomic_load(&r->longest_wait_us);
    while (waited > longest && !atomic_compare_exchange_weak(&r->longest_wait_us, &longest, waited))
        ;
    return true;
}

/* Takes the tables of w's new key groups of this process out of their parcels (those of
 * other processes are in: mstr_rescale_receive). Every old worker has handed off. */
static void take_groups(mstr_worker *w, mstr_rescale *r)
{
    const mstr_job_desc *d = w->desc;
    int me = w->local;
    for (uint32_t g = 0; g < r->owners.groups; g++) {
        int was = owner_before(r, g);
        if (owner_after(r, g) != me || was == me || was < 0)
            continue;
        for (size_t i = 0; i < d->nstates; i++) {
            if (!travels(&d->states[i]))
                continue;
            mstr_table *t = &d->states[i].tables(w)[g];
            mstr_table_free(t); /* empty: w did not own the group */
            *t = *parcel_of(r, g, i);
            mstr_table_init(parcel_of(r, g, i), t->slot_size); /* taken */
        }
    }
}

/* Sets w's fields of state i to their least over the old workers' at the cut (of every
 * process), and over w's own now too if with_own. Returns false (after failing the job) if
 * they do not merge. */
static bool take_least_fields(mstr_worker *w, mstr_rescale *r, size_t i, bool with_own)
{
    const mstr_state_desc *sd = &w->desc->states[i];
    size_t nstates = w->desc->nstates;
    mstr_wbuf fields = { 0 }, own = { 0 };
    bool ok = true;
    for (int k = 0; k < r->from && ok; k++) {
        const mstr_wbuf *had = &r->fields[(size_t)k * nstates + i];
        ok = mstr_snapshot_merge_least(&fields,
                                       &(mstr_rbuf){ had->data, had->data + had->len, false });
    }
    const mstr_wbuf *remote = &r->remote_fields[i];
    if (remote->len > 0)
        ok = ok && mstr_snapshot_merge_least(&fields, &(mstr_rbuf){ remote->data,
                                                                    remote->data + remote->len,
                                                                    false });
    if (with_own) {
        sd->fields(w, &own);
        ok = ok && mstr_snapshot_merge_least(&fields,
                                             &(mstr_rbuf){ own.data, own.data + own.len, false });
    }
    mstr_rbuf value = { fields.data, fields.data + fields.len, false };
    ok = ok && sd->restore_fields(w, &value);
    mstr_wbuf_free(&fields);
    mstr_wbuf_free(&own);
    if (!ok)
        mstr_failure_set(w->failure, "rescale: the fields of operator '%s' cannot be merged",
                         sd->op);
    return ok;
}

/* Takes over w's new key groups and partitions, and the old workers' least worker fields;
 * sets least[x] to the least frontier of exchange x. Every old worker has handed off. */
static bool take_over(mstr_worker *w, mstr_rescale *r, int64_t *least)
{
    const mstr_job_desc *d = w->desc;
    int me = w->local;
    take_groups(w, r);
    for (size_t k = 0; k < r->nparts; k++) /* (their workers are set anew once all are
                                                through) */
        if (reader_after(r, k) == me && reader_before(r, k) != me)
            w->parts[w->nparts++] = &r->parts[k];
    for (size_t i = 0; i < d->nstates; i++)
        if (d->states[i].fields != NULL && !take_least_fields(w, r, i, false))
            return false;
    for (size_t x = 0; x < d->nexchanges; x++) {
        least[x] = r->remote_frontiers[x];
        for (int k = 0; k < r->from; k++)
            if (r->frontiers[(size_t)k * d->nexchanges + x] < least[x])
                least[x] = r->frontiers[(size_t)k * d->nexchanges + x];
    }
    return true;
}

/* w went on while the key groups it takes over waited (mstr_rescale.h): once every old worker
 * has handed off, it takes their tables and its keyed operators' least fields, and lets their
 * records and the frontiers go. Returns true if it did. */
static bool finish_taking_over(mstr_worker *w)
{
    mstr_rescale *r = w->rescale;
    if (atomic_load_explicit(&r->handed_off, memory_order_acquire) < r->from ||
        !atomic_load_explicit(&r->remote_taken, memory_order_acquire))
        return false;
    const mstr_job_desc *d = w->desc;
    take_groups(w, r);
    for (size_t i = 0; i < d->nstates; i++) /* (the others' fields are the worker's own) */
        if (d->states[i].tables != NULL && d->states[i].fields != NULL &&
            !take_least_fields(w, r, i, true))
            return true; /* the job failed: the worker stops */
    d->state_regroup(w);
    w->taking_over = false;
    atomic_fetch_add(&r->held, mstr_exchange_release(&w->exchange));
    mstr_coord_switched(w->coord, w->was_finished);
    return true;
}

/* w stays: it goes on over the new links, by the new owner table, as it was or starting over
 * (mstr_rescale.h). Returns false if the job failed. */
static bool go_on(mstr_worker *w, mstr_rescale *r)
{
    const mstr_job_desc *d = w->desc;
    int me = w->local;
    bool over = r->starts_over[me];
    size_t had = w->nparts;
    int64_t *least = mstr_alloc_array(d->nexchanges + 1, sizeof *least);
    bool ok = !over || (await_hand_offs(w, r) && take_over(w, r, least));
    if (ok) {
        for (size_t x = 0; !over && x < d->nexchanges; x++)
            least[x] = w->exchange.frontiers[x].out; /* every worker's at the cut */
        mstr_owners_free(&w->owners);
        mstr_owners_copy(&w->owners, &r->owners);
        w->ctx.worker = index_after(r, me);
        w->ctx.workers = r->processes * r->workers;
        mstr_exchange_switch(&w->exchange, r->partitions, r->ends[me], least, !over);
    }
    free(least);
    if (ok && !over && r->takes_groups[me]) { /* their records wait for them */
        mstr_exchange_hold(&w->exchange, r->was.owner);
        w->taking_over = true;
    }
    if (!ok || !over)
        return ok;
    /* from the least fields and frontiers, as a worker restored at another count would */
    for (size_t k = had; k < w->nparts; k++)
        mstr_source_start(w, w->parts[k]);
    d->state_regroup(w);
    memset(w->live, 0, d->nsources * sizeof *w->live);
    w->frontiers_restored = false;
    mstr_worker_start_sources(w);
    return true;
}

bool mstr_rescale_advance(mstr_worker *w)
{
    mstr_exchange *e = &w->exchange;
    if (w->taking_over)
        return finish_taking_over(w);
    if (e->align.snapshot == 0 || e->align.kind != MSTR_CTL_RESCALE)
        return false;
    mstr_exchange_barriers(e);
    if (!mstr_align_complete(&e->align) || e->nwaiting > 0)
        return false; /* (its barriers are delivered once nothing waits for room) */
    mstr_rescale *r = w->rescale;
    if (w->rescale_sleep_ms > 0)
        usleep((useconds_t)w->rescale_sleep_ms * 1000);
    mstr_align_finish(&e->align);
    w->rescale_last = r->number;
    hand_off(w, r);
    bool ok = true;
    w->was_finished = w->finished;
    w->finished = false; /* it tells the coordinator again, on the new links */
    if (w->local >= r->to) {
        w->left = true;
        mstr_sink_flush_all(w);
        if (!mstr_sink_views_end(&w->views))
            mstr_failure_set(w->failure, "worker %d could not make its output durable as it "
                                         "left", w->ctx.worker);
    } else {
        ok = go_on(w, r);
    }
    if (ok && !w->taking_over) /* (one that takes key groups over is through once it has) */
        mstr_coord_switched(w->coord, w->was_finished);
    return true;
}

bool mstr_rescale_join(mstr_worker *w)
{
    mstr_rescale *r = w->rescale;
    int64_t *least = mstr_alloc_array(w->desc->nexchanges + 1, sizeof *least);
    bool ok = await_hand_offs(w, r) && take_over(w, r, least);
    if (ok) {
        mstr_exchange_restore_least(&w->exchange, least);
        mstr_coord_switched(w->coord, false);
    }
    free(least);
    return ok;
}

/* ---- across processes ---------------------------------------------------------------------- */

enum { PIECE_BYTES = 1 << 20 }; /* what is sent at a time */

/* Puts into b the least fields and frontiers of the process's old workers ('W', 'X'). */
static void put_least(const mstr_rescale *r, mstr_wbuf *b)
{
    const mstr_job_desc *d = r->desc;
    for (size_t i = 0; i < d->nstates; i++) {
        if (d->states[i].fields == NULL)
            continue;
        mstr_wbuf least = { 0 };
        for (int k = 0; k < r->from; k++) {
            const mstr_wbuf *had = &r->fields[(size_t)k * d->nstates + i];
            if (!mstr_snapshot_merge_least(&least, &(mstr_rbuf){ had->data,
                                                                  had->data + had->len, false }))
                break; /* (the taker fails on it: a custom sink's state) */
        }
        mstr_put_le(b, 'W', 1);
        mstr_put_le(b, i, 2);
        put_bytes(b, least.data, least.len);
        mstr_wbuf_free(&least);
    }
    mstr_put_le(b, 'X', 1);
    mstr_put_le(b, d->nexchanges, 4);
    for (size_t x = 0; x < d->nexchanges; x++) {
        int64_t least = MSTR_EPOCH_MAX;
        for (int k = 0; k < r->from; k++)
            if (r->frontiers[(size_t)k * d->nexchanges + x] < least)
                least = r->frontiers[(size_t)k * d->nexchanges + x];
        mstr_put_le(b, (uint64_t)least, 8);
    }
}

/* Puts the tables of the key groups the process's old workers handed off for other processes
 * (their parcels) and the positions of its partitions that go there into what goes to each. */
static void put_handed_off(mstr_rescale *r)
{
    const mstr_job_desc *d = r->desc;
    for (uint32_t g = 0; g < r->was.groups; g++) {
        if (owner_before(r, g) < 0 || owner_after(r, g) >= 0)
            continue;
        for (size_t i = 0; i < d->nstates; i++)
            if (travels(&d->states[i]))
                send_table(&r->outgoing[process_after(r, g)], &r->drops, i, &d->states[i], g,
                           parcel_of(r, g, i));
    }
    mstr_wbuf position = { 0 };
    for (size_t k = 0; k < r->nparts; k++) {
        const mstr_partition *p = &r->parts[k];
        if (reader_before(r, k) < 0 || reader_after(r, k) >= 0)
            continue;
        mstr_wbuf *b = &r->outgoing[r->part_to[k] / r->workers];
        position.len = 0;
        mstr_snapshot_put_position(d, p, &position);
        mstr_put_le(b, 'P', 1);
        mstr_put_le(b, (uint64_t)(p->source - d->sources), 2);
        mstr_put_le(b, p->index, 4);
        put_bytes(b, position.data, position.len);
    }
    mstr_wbuf_free(&position);
}

bool mstr_rescale_send(mstr_rescale *r, mstr_rescale_send_fn *send, void *arg)
{
    if (r->sent)
        return true;
    if (atomic_load_explicit(&r->handed_off, memory_order_acquire) < r->from)
        return false;
    put_handed_off(r);
    for (int q = 0; q < r->processes; q++) {
        if (q == r->process)
            continue;
        mstr_wbuf *b = &r->outgoing[q];
        put_least(r, b);
        for (size_t at = 0; at < b->len; at += PIECE_BYTES) {
            size_t n = b->len - at < PIECE_BYTES ? b->len - at : PIECE_BYTES;
            send(arg, q, b->data + at, n, at + n == b->len);
        }
        mstr_wbuf_free(b);
    }
    r->sent = true;
    return true;
}

/* Puts a slot from another process into the table of its key group's new owner here. */
static bool take_slot(mstr_rescale *r, mstr_rbuf *in)
{
    const mstr_job_desc *d = r->desc;
    size_t i = (size_t)mstr_get_le(in, 2);
    uint32_t g = (uint32_t)mstr_get_le(in, 4);
    mstr_rbuf key = get_bytes(in), value = get_bytes(in);
    if (in->error || i >= d->nstates || !travels(&d->states[i]) || g >= r->owners.groups ||
        owner_after(r, g) < 0)
        return false;
    mstr_worker *w = &r->workers_here[owner_after(r, g)];
    return d->states[i].restore_slot(&d->states[i].tables(w)[g], &key, &value);
}

/* Puts a position from another process into the partition here that takes it. */
static bool take_position(mstr_rescale *r, mstr_rbuf *in, char **error)
{
    size_t source = (size_t)mstr_get_le(in, 2), index = (size_t)mstr_get_le(in, 4);
    mstr_rbuf value = get_bytes(in);
    for (size_t k = 0; !in->error && k < r->nparts; k++)
        if ((size_t)(r->parts[k].source - r->desc->sources) == source &&
            r->parts[k].index == index && reader_after(r, k) >= 0)
            return mstr_snapshot_take_position(r->desc, &r->parts[k], &value, error);
    return false;
}

/* Merges another process's least fields and frontiers into those of every process. */
static bool take_least(mstr_rescale *r, mstr_rbuf *in, char kind)
{
    const mstr_job_desc *d = r->desc;
    if (kind == 'W') {
        size_t i = (size_t)mstr_get_le(in, 2);
        mstr_rbuf fields = get_bytes(in);
        return !in->error && i < d->nstates && d->states[i].fields != NULL &&
               mstr_snapshot_merge_least(&r->remote_fields[i], &fields);
    }
    if (mstr_get_le(in, 4) != d->nexchanges)
        return false;
    for (size_t x = 0; x < d->nexchanges; x++) {
        int64_t frontier = (int64_t)mstr_get_le(in, 8);
        if (frontier < r->remote_frontiers[x])
            r->remote_frontiers[x] = frontier;
    }
    return !in->error;
}

/* Marks the slots of every key group that came from process p changed since the last snapshot:
 * the next one writes them whole into this process's store. */
static void mark_taken(mstr_rescale *r, int p)
{
    const mstr_job_desc *d = r->desc;
    for (uint32_t g = 0; g < r->owners.groups; g++) {
        if (process_before(r, g) != p || owner_after(r, g) < 0)
            continue;
        mstr_worker *w = &r->workers_here[owner_after(r, g)];
        for (size_t i = 0; i < d->nstates; i++)
            if (travels(&d->states[i]))
                mstr_table_mark_all(&d->states[i].tables(w)[g]);
    }
}

bool mstr_rescale_receive(mstr_rescale *r, int from, const void *p, size_t n, bool last,
                          char **error)
{
    if (from < 0 || from >= r->processes_before || from == r->process || r->expected == 0)
        return mstr_errorf(error, "process %d sent state that this process does not take", from);
    mstr_put_bytes(&r->incoming[from], p, n);
    if (!last)
        return true;
    mstr_wbuf *all = &r->incoming[from];
    mstr_rbuf in = { all->data, all->data + all->len, false };
    bool ok = true;
    while (ok && in.p < in.end) {
        char kind = (char)mstr_get_le(&in, 1);
        ok = kind == 'K'   ? take_slot(r, &in)
             : kind == 'P' ? take_position(r, &in, error)
             : (kind == 'W' || kind == 'X') && take_least(r, &in, kind);
    }
    mstr_wbuf_free(all);
    if (!ok) {
        if (*error == NULL)
            mstr_errorf(error, "the state process %d sent does not fit this process", from);
        return false;
    }
    mark_taken(r, from);
    if (++r->received == r->expected) {
        atomic_store_explicit(&r->remote_taken, true, memory_order_release);
        for (int i = 0; i < most(r); i++)
            mstr_doorbell_ring(&r->bells[i]);
    }
    return true;
}
