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
    return r->process * r->from + i;
}

static int index_after(const mstr_rescale *r, int i)
{
    return r->process * r->to + i;
}

/* Whether key group g is this process's (before and after alike: mstr_route.h). */
static bool ours(const mstr_rescale *r, uint32_t g)
{
    return r->owners.owner[g] / r->to == r->process;
}

/* The process's worker that owns key group g (one of ours) before the rescale, and after. */
static int owner_before(const mstr_rescale *r, uint32_t g)
{
    return r->was.owner[g] - r->process * r->from;
}

static int owner_after(const mstr_rescale *r, uint32_t g)
{
    return r->owners.owner[g] - r->process * r->to;
}

mstr_rescale *mstr_rescale_new(const mstr_rescale_setup *s)
{
    const mstr_job_desc *d = s->desc;
    mstr_rescale *r = mstr_alloc(sizeof *r);
    r->number = s->number;
    r->desc = d;
    r->process = s->process;
    r->processes = s->processes;
    r->from = s->from;
    r->to = s->to;
    mstr_owners_init(&r->was, s->key_groups, s->processes, s->from, s->number - 1);
    mstr_owners_init(&r->owners, s->key_groups, s->processes, s->to, s->number);
    r->ends = mstr_alloc_array((size_t)s->to, sizeof *r->ends);
    memcpy(r->ends, s->ends, (size_t)s->to * sizeof *r->ends);
    r->partitions = s->partitions;
    r->parts = s->parts;
    r->nparts = s->nparts;
    r->bells = s->bells;
    r->starts_over = mstr_alloc_array((size_t)s->to, sizeof *r->starts_over);
    r->takes_groups = mstr_alloc_array((size_t)s->to, sizeof *r->takes_groups);
    for (int i = s->from; i < s->to; i++)
        r->starts_over[i] = true;
    for (uint32_t g = 0; g < s->key_groups; g++) {
        if (!ours(r, g) || owner_before(r, g) == owner_after(r, g))
            continue;
        r->takes_groups[owner_after(r, g)] = true;
        if (!d->order_free) /* it holds its own records too, so that each sender's records
                               keep their place among its epochs (mstr_rescale.h) */
            r->starts_over[owner_after(r, g)] = true;
    }
    r->part_to = mstr_alloc_array(s->nparts + 1, sizeof *r->part_to);
    for (size_t k = 0; k < s->nparts; k++) { /* (each stays in this process: mstr_place.h) */
        int was = s->parts[k].worker - index_before(r, 0);
        r->part_to[k] = mstr_place_worker(s->parts[k].index, s->processes, s->to);
        int to = r->part_to[k] - index_after(r, 0);
        if (to == was)
            continue;
        r->starts_over[to] = true;
        if (was < s->to)
            r->starts_over[was] = true; /* its epochs were those of the partition too */
    }
    r->parcels = mstr_alloc_array((size_t)s->key_groups * d->nstates + 1, sizeof *r->parcels);
    r->fields = mstr_alloc_array((size_t)s->from * d->nstates + 1, sizeof *r->fields);
    r->frontiers = mstr_alloc_array((size_t)s->from * d->nexchanges + 1, sizeof *r->frontiers);
    atomic_init(&r->handed_off, 0);
    atomic_init(&r->moved_groups, 0);
    atomic_init(&r->moved_slots, 0);
    atomic_init(&r->moved_bytes, 0);
    atomic_init(&r->longest_wait_us, 0);
    atomic_init(&r->held, 0);
    return r;
}

void mstr_rescale_free(mstr_rescale *r)
{
    const mstr_job_desc *d = r->desc;
    for (size_t i = 0; i < (size_t)r->was.groups * d->nstates; i++)
        mstr_table_free(&r->parcels[i]); /* left only if the job failed before they were taken */
    free(r->parcels);
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

/* Whether sd's keyed state goes with its key group (it is not key_local). */
static bool travels(const mstr_state_desc *sd)
{
    return sd->tables != NULL && !sd->local;
}

/* Puts w's tables of the key groups that go to another worker into their parcels (w keeps
 * empty ones), and counts what moved. */
static void pack_groups(mstr_worker *w, mstr_rescale *r)
{
    const mstr_job_desc *d = w->desc;
    int me = w->local;
    uint64_t groups = 0, slots = 0, bytes = 0;
    for (uint32_t g = 0; g < r->was.groups; g++) {
        if (!ours(r, g) || owner_before(r, g) != me || owner_after(r, g) == me)
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

/* Lets go of w's partitions that go to another worker (closing a custom one in this thread).
 * (A worker that stays and lets one go starts over: it counts its partitions again.) */
static void release_partitions(mstr_worker *w, mstr_rescale *r)
{
    size_t kept = 0;
    for (size_t k = 0; k < w->nparts; k++) {
        mstr_partition *p = w->parts[k];
        if (r->part_to[p - r->parts] == index_after(r, w->local))
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
}

/* Waits until every old worker has handed off. Returns false if the job failed meanwhile. */
static bool await_hand_offs(mstr_worker *w, mstr_rescale *r)
{
    int64_t start = mstr_clock_ns(CLOCK_MONOTONIC);
    for (;;) {
        uint32_t seq = mstr_doorbell_seq(w->bell);
        if (atomic_load_explicit(&r->handed_off, memory_order_acquire) == r->from)
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

/* Takes the tables of w's new key groups out of their parcels. Every old worker has handed
 * off. */
static void take_groups(mstr_worker *w, mstr_rescale *r)
{
    const mstr_job_desc *d = w->desc;
    int me = w->local;
    for (uint32_t g = 0; g < r->owners.groups; g++) {
        if (!ours(r, g) || owner_after(r, g) != me || owner_before(r, g) == me)
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

/* Sets w's fields of state i to their least over the old workers' at the cut, and over w's
 * own now too if with_own. Returns false (after failing the job) if they do not merge. */
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
    for (size_t k = 0; k < r->nparts; k++) {
        int was = r->parts[k].worker - index_before(r, 0); /* (set anew once all are through) */
        if (r->part_to[k] == index_after(r, me) && was != me)
            w->parts[w->nparts++] = &r->parts[k];
    }
    for (size_t i = 0; i < d->nstates; i++)
        if (d->states[i].fields != NULL && !take_least_fields(w, r, i, false))
            return false;
    for (size_t x = 0; x < d->nexchanges; x++) {
        least[x] = MSTR_EPOCH_MAX;
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
    if (atomic_load_explicit(&r->handed_off, memory_order_acquire) < r->from)
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
        w->ctx.workers = r->processes * r->to;
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
