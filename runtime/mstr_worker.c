/*
 * mstr_worker.c - a worker's thread and its loop (see mstr_worker.h).
 */
#include "mstr_worker.h"

#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <unistd.h>

#include "mstr_mem.h"
#include "mstr_rescale.h"
#include "mstr_snapshot.h"
#include "mstr_time.h"

/* A barrier arrived before the coordinator's word of what it belongs to: makes the cut. */
static void begin_barrier(mstr_worker *w, mstr_ctl barrier)
{
    if (barrier.kind == MSTR_CTL_RESCALE)
        mstr_rescale_begin(w, mstr_coord_barrier_rescale(w->coord, w->rescale_last));
    else
        mstr_snapshot_begin(w, (uint64_t)barrier.value);
}

void mstr_worker_init(mstr_worker *w, const mstr_worker_setup *s)
{
    const mstr_job_desc *d = s->desc;
    *w = (mstr_worker){ 0 }; /* (a live rescale makes a worker where one that left was) */
    mstr_arena_init(&w->arena);
    w->ctx = (mstr_ctx){ .worker = s->index, .workers = s->workers,
                         .key_groups = s->owners->groups, .arena = &w->arena };
    w->process = s->process;
    w->local = s->local;
    w->desc = d;
    w->failure = s->failure;
    w->bell = s->bell;
    w->coord = s->coord;
    w->poll_records = s->poll_records;
    w->poll_sleep_ms = s->poll_sleep_ms;
    w->rescale_sleep_ms = s->rescale_sleep_ms;
    mstr_owners_copy(&w->owners, s->owners);
    mstr_sink_views_init(&w->views, s->sinks, s->process * MSTR_MAX_WORKERS + s->local);
    w->sinks = w->views.sinks;
    mstr_exchange_init(&w->exchange, w, &w->arena, d, s->partitions, s->channel,
                       begin_barrier);
    w->counters = mstr_alloc_array(d->ncounters, sizeof *w->counters);
    w->source_read = mstr_alloc_array(d->nsources, sizeof *w->source_read);
    w->op_in = mstr_alloc_array(d->noperators, sizeof *w->op_in);
    atomic_init(&w->frontier, MSTR_EPOCH_MIN);
    atomic_init(&w->blocked_ns, 0);
    w->blocked_since = -1;
    w->live = mstr_alloc_array(d->nsources, sizeof *w->live);
    w->parts = mstr_alloc_array(s->nparts + 1, sizeof *w->parts);
    for (size_t k = 0; k < s->nparts && s->joins == NULL; k++)
        if (s->parts[k].worker == s->index)
            w->parts[w->nparts++] = &s->parts[k];
    if (s->joins != NULL) { /* the partitions come with what it takes over */
        w->rescale = s->joins;
        w->rescale_last = s->joins->number;
        w->joining = true;
        w->snapshot_last = mstr_coord_requested(s->coord);
    }
    w->state = d->state_new(w);
}

/* Opens the worker's custom sinks (committing the snapshot it resumed from) and its custom
 * partitions, in its own thread, before any record flows. */
static void start_custom(mstr_worker *w)
{
    mstr_sink_custom_open(&w->views, w, w->restored ? w->snapshot_last : 0);
    for (size_t k = 0; k < w->nparts && !mstr_failed(w->failure); k++)
        mstr_source_start(w, w->parts[k]);
}

/* Closes what start_custom opened, at the worker's end. */
static void stop_custom(mstr_worker *w)
{
    for (size_t k = 0; k < w->nparts; k++)
        mstr_source_stop(w, w->parts[k]);
    mstr_sink_custom_close(&w->views, w);
}

/* The partitions the worker reads changed: its epochs kept per partition go again. */
static void partitions_changed(mstr_worker *w)
{
    if (w->desc->partitions_changed != NULL)
        w->desc->partitions_changed(w);
}

void mstr_worker_start_sources(mstr_worker *w)
{
    for (size_t k = 0; k < w->nparts; k++)
        if (!w->parts[k]->done)
            w->live[w->parts[k]->source - w->desc->sources]++;
    partitions_changed(w);
    for (size_t s = 0; s < w->desc->nsources && !w->frontiers_restored; s++)
        if (w->live[s] == 0)
            w->desc->sources[s].finish(w);
}

/* Reads one batch from each unfinished partition. Returns true if any was read, or may have
 * been (a partition that only found its input quiet was not). */
static bool poll_sources(mstr_worker *w)
{
    bool polled = false;
    for (size_t i = 0; i < w->nparts; i++) {
        mstr_partition *p = w->parts[i];
        if (p->done)
            continue;
        uint64_t before = p->next;
        w->polling = p;
        p->source->poll(w, p);
        w->polling = NULL;
        mstr_arena_reset(&w->arena);
        polled |= !p->waiting || p->next != before;
        if (w->poll_sleep_ms > 0)
            usleep((useconds_t)w->poll_sleep_ms * 1000);
        if (!p->done)
            continue;
        mstr_source_stop(w, p);
        partitions_changed(w);
        if (--w->live[p->source - w->desc->sources] == 0)
            p->source->finish(w);
    }
    return polled;
}

static bool sources_done(const mstr_worker *w)
{
    for (size_t i = 0; i < w->nparts; i++)
        if (!w->parts[i]->done)
            return false;
    return true;
}

/* Tells the coordinator, once, that this worker's input is exhausted. */
static void note_finished(mstr_worker *w)
{
    if (w->finished || !sources_done(w) || !mstr_exchange_done(&w->exchange))
        return;
    w->finished = true;
    mstr_coord_finished(w->coord);
}

/* Publishes the worker's frontier, and how long it has been held back by a full link: the
 * clock is read only when that changes. */
static void publish(mstr_worker *w, bool blocked)
{
    const mstr_exchange *x = &w->exchange;
    int64_t frontier = MSTR_EPOCH_MAX;
    for (size_t i = 0; i < w->desc->nexchanges; i++)
        if (x->frontiers[i].out < frontier)
            frontier = x->frontiers[i].out;
    if (w->desc->nexchanges == 0)
        frontier = MSTR_EPOCH_MIN;
    atomic_store_explicit(&w->frontier, frontier, memory_order_relaxed);
    if (blocked == (w->blocked_since >= 0))
        return;
    int64_t now = mstr_clock_ns(CLOCK_MONOTONIC);
    if (blocked) {
        w->blocked_since = now;
        return;
    }
    atomic_fetch_add_explicit(&w->blocked_ns, (uint64_t)(now - w->blocked_since),
                              memory_order_relaxed);
    w->blocked_since = -1;
}

/* Sleeps until the doorbell rings after seq, or the input of a partition that found it quiet
 * is readable, or (in a job with a wall clock to follow) MSTR_CLOCK_TICK_MS have passed. */
static void sleep_until_work(mstr_worker *w, uint32_t seq)
{
    int fds[w->nparts + 1];
    size_t n = 0;
    for (size_t i = 0; i < w->nparts; i++)
        if (!w->parts[i]->done && w->parts[i]->waiting)
            fds[n++] = w->parts[i]->reader.fd;
    int timeout_ms = w->desc->tick != NULL ? MSTR_CLOCK_TICK_MS : -1; /* a clock to follow */
    mstr_doorbell_wait_fds(w->bell, seq, fds, n, timeout_ms);
}

/* Sends batches waiting for room where there is room now; sleeps until the doorbell rings (or
 * a clock tick passes, to look at the job's failure again) if none could go. */
static void wait_for_room(mstr_worker *w, uint32_t seq)
{
    bool moved = mstr_exchange_send_waiting(&w->exchange);
    mstr_exchange_flush(&w->exchange);
    if (!moved)
        mstr_doorbell_wait_fds(w->bell, seq, NULL, 0, MSTR_CLOCK_TICK_MS);
}

/* A worker stopping at the last snapshot's cut first sends what waits for room: its barriers
 * may be among it, and the other workers need them to take their part. Nothing after the cut
 * is. */
static void send_before_cut(mstr_worker *w)
{
    while (w->exchange.nwaiting > 0 && !mstr_failed(w->failure))
        wait_for_room(w, mstr_doorbell_seq(w->bell));
}

/* A worker stopped at the last snapshot's cut waits for the stop, which the coordinator gives
 * once that snapshot is committed (or the job failed): its custom sinks then commit the
 * snapshot in this thread, as they commit every other. */
static void await_stop(mstr_worker *w)
{
    for (;;) {
        uint32_t seq = mstr_doorbell_seq(w->bell);
        if (mstr_coord_stopping(w->coord) || mstr_failed(w->failure))
            return;
        mstr_doorbell_wait_fds(w->bell, seq, NULL, 0, MSTR_CLOCK_TICK_MS);
    }
}

/* The loop (see mstr_worker.h). A snapshot the coordinator committed is committed to the custom
 * sinks at the start of a turn; the stop comes after the last commit, so a worker that stops
 * looks once more. */
static void worker_loop(mstr_worker *w)
{
    mstr_exchange *x = &w->exchange;
    if (w->joining && !mstr_rescale_join(w))
        return;
    start_custom(w);
    mstr_worker_start_sources(w);
    while (!mstr_failed(w->failure)) {
        uint32_t seq = mstr_doorbell_seq(w->bell);
        mstr_sink_custom_commit(&w->views, w, mstr_coord_committed(w->coord));
        /* stop before requested: the coordinator sets them in the other order, so a stop seen
         * here comes with the snapshot it is for; the last snapshot's stop cut it sets before
         * the request, so a worker never goes on past that cut, however late `stop` comes */
        bool stopping = mstr_coord_stopping(w->coord);
        uint64_t asked = mstr_coord_requested(w->coord);
        mstr_snapshot_begin(w, asked);
        mstr_rescale_begin(w, mstr_coord_rescale(w->coord, w->rescale_last));
        bool at_cut = mstr_coord_at_stop_cut(w->coord, w->snapshot_last);
        if (at_cut || (stopping && w->snapshot_last >= asked)) {
            if (at_cut) {
                send_before_cut(w);
                await_stop(w);
            }
            mstr_sink_custom_finish(&w->views, w, mstr_coord_committed(w->coord));
            return;
        }
        if (w->snapshot_last > asked) {
            /* taken on barriers that came before this process's coordinator asked for it (over
             * processes the request travels apart from them): whether the job stops at this
             * cut comes with the request, so nothing goes on past the cut before it is here */
            wait_for_room(w, seq);
            continue;
        }
        bool progress = mstr_exchange_send_waiting(x);
        progress |= mstr_exchange_receive(x);
        bool blocked = mstr_exchange_blocked(x);
        if (!blocked && !mstr_snapshot_aligning(w)) {
            progress |= poll_sources(w);
            if (w->desc->tick != NULL) /* after the sources: their records are stamped first */
                w->desc->tick(w);
        }
        progress |= mstr_snapshot_advance(w);
        progress |= mstr_rescale_advance(w);
        mstr_exchange_flush(x);
        if (w->left)
            return;
        note_finished(w);
        publish(w, blocked && !sources_done(w));
        if (progress)
            continue;
        mstr_sink_flush_all(w); /* what it wrote must not wait in a buffer while it sleeps */
        sleep_until_work(w, seq);
    }
}

static void *worker_main(void *arg)
{
    mstr_worker *w = arg;
    mstr_crash_handler_worker(w);
    worker_loop(w);
    stop_custom(w);
    return NULL;
}

bool mstr_worker_start(mstr_worker *w)
{
    w->running = pthread_create(&w->thread, NULL, worker_main, w) == 0;
    if (w->running)
        return true;
    fprintf(stderr, "mstr: cannot start worker thread %d\n", w->ctx.worker);
    return false;
}

void mstr_worker_join(mstr_worker *w)
{
    if (w->running)
        pthread_join(w->thread, NULL);
    w->running = false;
}

bool mstr_worker_close(mstr_worker *w, uint64_t *records, uint64_t *checksum)
{
    bool ok = mstr_sink_views_close(&w->views, records, checksum);
    w->desc->state_free(w, w->state);
    w->state = NULL;
    mstr_exchange_free(&w->exchange);
    mstr_owners_free(&w->owners);
    free(w->counters);
    free(w->source_read);
    free(w->op_in);
    free(w->parts);
    free(w->live);
    mstr_arena_free(&w->arena);
    return ok;
}
