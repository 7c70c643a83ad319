/*
 * mstr_coord.c - the snapshot coordinator (see mstr_coord.h).
 *
 * The coordinator writes batches while it waits for the workers, so that the store is busy
 * while they are still serialising and the commit follows the last worker closely. Garbage
 * collection scans the whole store, so it runs only when what was written since the last one
 * is as large as what that one kept (and at least 16 MiB): its cost per byte written stays
 * bounded however large the state. A follower collects when the leader says which snapshots
 * are kept, by the same rule applied to what it wrote.
 *
 * Events from the cluster are handled in the main thread between waits, never in the network
 * thread: they change the coordinator's counts (followers done, finished) and may fail the
 * round, and the coordinator reads those without a lock.
 */
#include "mstr_coord.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mstr_cluster.h"
#include "mstr_mem.h"
#include "mstr_rescale.h"
#include "mstr_time.h"

enum {
    COLLECT_MIN_BYTES = 16 << 20,
    POLL_MS = 100,              /* failures ring the doorbells, not the condition: look again */
    FAREWELL_MS = 5000,         /* a follower waits this long for the leader's answer at the end */
    JOIN_MS = 30000,            /* the leader waits this long for processes that join */
};

void mstr_coord_init(mstr_coord *c, const mstr_coord_setup *s)
{
    *c = (mstr_coord){ .setup = *s, .collect_at = COLLECT_MIN_BYTES };
    c->events_end = &c->events;
    c->peer_finished = mstr_alloc_array(MSTR_MAX_WORKERS, sizeof *c->peer_finished);
    atomic_init(&c->requested, 0);
    atomic_init(&c->committed, 0);
    atomic_init(&c->stop, false);
    atomic_init(&c->stop_cut, 0);
    pthread_mutex_init(&c->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&c->changed, &attr);
    pthread_condattr_destroy(&attr);
}

void mstr_coord_free(mstr_coord *c)
{
    if (c->watching) {
        pthread_mutex_lock(&c->lock);
        c->closing = true;
        pthread_mutex_unlock(&c->lock);
        pthread_kill(c->signal_thread, SIGTERM);
        pthread_join(c->signal_thread, NULL);
    }
    mstr_store_queue_free(&c->queue);
    mstr_coord_clear_events(c);
    free(c->peer_finished);
    free(c->rescale_peers);
    mstr_wbuf_free(&c->drops);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->changed);
}

void mstr_coord_set_followers(mstr_coord *c, int followers)
{
    c->setup.followers = followers;
    c->peers_finished = 0; /* (of those that are the job's now) */
    for (int p = 1; p <= followers; p++)
        c->peers_finished += c->peer_finished[p];
}

void mstr_coord_begin_round(mstr_coord *c, int workers, mstr_doorbell *bells,
                            mstr_failure *failure, uint64_t last)
{
    pthread_mutex_lock(&c->lock);
    c->done = c->finished = c->switched = 0;
    c->done_of = last;
    pthread_mutex_unlock(&c->lock);
    c->workers = workers;
    c->rescale_to = 0;
    c->bells = bells;
    c->failure = failure;
    c->last = last;
    c->peers_done = c->peers_finished = 0;
    memset(c->peer_finished, 0, MSTR_MAX_WORKERS * sizeof *c->peer_finished);
    c->stop_asked = c->told_to_stop = c->ending = c->stop_at_cut = c->left = false;
    c->layout_unsaved = false; /* (a round after a rescale that failed: that of the snapshot) */
    c->leaving_from = c->leaving_to = 0;
    c->drops.len = 0; /* (of a rescale the round rolled back) */
    c->peers_stopped = 0;
    c->request = 0;
    atomic_store(&c->requested, last);
    atomic_store(&c->committed, last);
    atomic_store(&c->stop, false);
    atomic_store(&c->stop_cut, 0);
    /* the round's workers are new: a number of the round before would make them cut at once
       the next rescale prepared, before the other processes have its plan */
    atomic_store(&c->rescale_number, 0);
    atomic_store(&c->rescale, NULL);
}

static void pause_ms(int64_t ms)
{
    if (ms > 0)
        usleep((useconds_t)ms * 1000);
}

static void ring_all(mstr_coord *c)
{
    for (int i = 0; i < c->workers; i++)
        mstr_doorbell_ring(&c->bells[i]);
}

/* Waits on the condition (lock held) until deadline_ms on the monotonic clock, or POLL_MS. */
static void wait_changed(mstr_coord *c, int64_t deadline_ms)
{
    int64_t soon = mstr_clock_ms(CLOCK_MONOTONIC) + POLL_MS;
    int64_t until = deadline_ms >= 0 && deadline_ms < soon ? deadline_ms : soon;
    struct timespec ts = { until / 1000, (until % 1000) * 1000000 };
    pthread_cond_timedwait(&c->changed, &c->lock, &ts);
}

/* ---- signals ------------------------------------------------------------------------------ */

static void signal_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
}

/* Waits for SIGINT or SIGTERM and tells the coordinator; the one after the job has ended
 * (sent by mstr_coord_free) ends the thread. */
static void *signal_main(void *arg)
{
    mstr_coord *c = arg;
    sigset_t set;
    signal_set(&set);
    for (;;) {
        int sig;
        if (sigwait(&set, &sig) != 0)
            continue;
        pthread_mutex_lock(&c->lock);
        bool closing = c->closing;
        if (!closing && c->signal == 0)
            c->signal = sig;
        pthread_cond_signal(&c->changed);
        pthread_mutex_unlock(&c->lock);
        if (closing)
            return NULL;
    }
}

void mstr_coord_hold_signals(void)
{
    sigset_t set;
    signal_set(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

void mstr_coord_watch_signals(mstr_coord *c)
{
    mstr_coord_hold_signals();
    c->watching = pthread_create(&c->signal_thread, NULL, signal_main, c) == 0;
}

int mstr_coord_signal(mstr_coord *c)
{
    pthread_mutex_lock(&c->lock);
    int sig = c->signal;
    pthread_mutex_unlock(&c->lock);
    return sig;
}

/* ---- events ------------------------------------------------------------------------------- */

void mstr_coord_post(mstr_coord *c, mstr_event_kind kind, int process, const mstr_wire_coord *m,
                     const char *why)
{
    mstr_coord_event *e = mstr_alloc(sizeof *e);
    *e = (mstr_coord_event){ .kind = kind, .process = process };
    if (m != NULL) {
        e->m = *m;
        e->text = mstr_alloc(m->message_len + 1);
        if (m->message_len > 0)
            memcpy(e->text, m->message, m->message_len);
        e->m.message = e->text;
        e->shape = mstr_alloc(m->shape_len + 1);
        if (m->shape_len > 0)
            memcpy(e->shape, m->shape, m->shape_len);
        e->m.shape = e->shape;
    } else if (why != NULL) {
        e->text = mstr_strdup(why);
    }
    pthread_mutex_lock(&c->lock);
    *c->events_end = e;
    c->events_end = &e->next;
    pthread_cond_signal(&c->changed);
    pthread_mutex_unlock(&c->lock);
}

void mstr_coord_post_control(mstr_coord *c, mstr_control_call call, uint32_t arg,
                             struct mstr_stream *s)
{
    mstr_coord_event *e = mstr_alloc(sizeof *e);
    *e = (mstr_coord_event){ .kind = MSTR_EVENT_CONTROL, .call = call, .arg = arg, .stream = s };
    pthread_mutex_lock(&c->lock);
    *c->events_end = e;
    c->events_end = &e->next;
    pthread_cond_signal(&c->changed);
    pthread_mutex_unlock(&c->lock);
}

bool mstr_coord_control_event(mstr_coord *c, const mstr_coord_event *e)
{
    if (e->kind == MSTR_EVENT_CONTROL) {
        mstr_control_call_in(c->setup.control, e->call, e->arg, e->stream);
        return true;
    }
    if (e->kind != MSTR_EVENT_MESSAGE || (e->m.kind != MSTR_WIRE_STATS &&
                                          e->m.kind != MSTR_WIRE_CONTROL &&
                                          e->m.kind != MSTR_WIRE_ANSWER))
        return false;
    mstr_control_message(c->setup.control, e->process, &e->m);
    return true;
}

void mstr_coord_event_free(mstr_coord_event *e)
{
    if (e == NULL)
        return;
    free(e->text);
    free(e->shape);
    free(e);
}

/* Takes every event posted so far, oldest first (lock held). */
static mstr_coord_event *take_events(mstr_coord *c)
{
    mstr_coord_event *all = c->events;
    c->events = NULL;
    c->events_end = &c->events;
    return all;
}

void mstr_coord_clear_events(mstr_coord *c)
{
    pthread_mutex_lock(&c->lock);
    mstr_coord_event *e = take_events(c);
    pthread_mutex_unlock(&c->lock);
    while (e != NULL) {
        mstr_coord_event *next = e->next;
        if (c->setup.control != NULL)
            mstr_coord_control_event(c, e); /* a call is answered, round or not */
        mstr_coord_event_free(e);
        e = next;
    }
}

bool mstr_coord_next_event(mstr_coord *c, mstr_coord_event **e, int64_t timeout_ms)
{
    int64_t deadline = mstr_clock_ms(CLOCK_MONOTONIC) + timeout_ms;
    pthread_mutex_lock(&c->lock);
    while (c->events == NULL && c->signal == 0 && mstr_clock_ms(CLOCK_MONOTONIC) < deadline)
        wait_changed(c, deadline);
    *e = c->events;
    if (*e != NULL && c->signal == 0) {
        c->events = (*e)->next;
        if (c->events == NULL)
            c->events_end = &c->events;
        (*e)->next = NULL;
    } else {
        *e = NULL;
    }
    pthread_mutex_unlock(&c->lock);
    return *e != NULL;
}

/* A coordination message's text as a printf argument pair. */
#define TEXT(m) (int)(m).message_len, (m).message

/* ---- snapshots ----------------------------------------------------------------------------- */

/* Snapshot n is committed: the workers run their custom sinks' commit for it. */
static void committed(mstr_coord *c, uint64_t n)
{
    atomic_store(&c->committed, n);
    ring_all(c);
}

/* Deletes what no snapshot from `oldest` on needs, once enough was written since the last time. */
static void collect(mstr_coord *c, uint64_t oldest)
{
    if (c->written < c->collect_at || oldest == 0)
        return;
    uint64_t kept = 0;
    char *error = NULL;
    if (!mstr_store_collect(c->setup.store, oldest, &kept, &error)) {
        fprintf(stderr, "mstr: collecting old snapshots: %s\n", error);
        free(error);
    }
    c->written = 0;
    c->collect_at = kept > COLLECT_MIN_BYTES ? kept : COLLECT_MIN_BYTES;
}

/* The oldest of the snapshots the leader keeps, 0 if none. */
static uint64_t oldest_kept(mstr_coord *c)
{
    mstr_commit kept[64];
    size_t want = (size_t)c->setup.keep < 64 ? (size_t)c->setup.keep : 64;
    size_t n = mstr_store_commits(c->setup.store, kept, want);
    return n > 0 ? kept[n - 1].snapshot : 0;
}

/* A piece of the state a live rescale hands from one process to another: the leader passes on
 * what goes to another follower; the process it goes to takes it (of a rescale that failed
 * here, there is nothing to take). */
static void hand_on(mstr_coord *c, const mstr_wire_coord *m)
{
    if (c->setup.role == MSTR_COORD_LEADER && m->value != 0) {
        mstr_cluster_send(c->setup.cluster, (int)m->value, m);
        return;
    }
    struct mstr_rescale *r = atomic_load(&c->rescale);
    char *error = NULL;
    if (r != NULL && r->number == m->snapshot &&
        !mstr_rescale_receive(r, (int)m->processes, m->message, m->message_len, m->flag,
                              &error)) {
        mstr_failure_set(c->failure, "rescale %llu: %s", (unsigned long long)m->snapshot, error);
        free(error);
    }
}

/* Sends a piece of what this process hands to process `to` (mstr_rescale_send_fn): over the
 * leader, unless it is the leader. */
static void send_hand_off(void *arg, int to, const void *p, size_t n, bool last)
{
    mstr_coord *c = arg;
    mstr_wire_coord m = { .kind = MSTR_WIRE_HANDOFF, .snapshot = atomic_load(&c->rescale)->number,
                          .value = (uint64_t)to, .processes = (uint32_t)c->setup.process,
                          .flag = last, .message = p, .message_len = n };
    mstr_cluster_send(c->setup.cluster, c->setup.role == MSTR_COORD_LEADER ? to : 0, &m);
}

/* Handles one event of a running round. */
static void handle(mstr_coord *c, const mstr_coord_event *e)
{
    if (mstr_coord_control_event(c, e))
        return;
    if (e->kind == MSTR_EVENT_LOST) {
        if (c->ending)
            c->peers_stopped++;
        else
            mstr_failure_lose(c->failure, "process %d was lost: %s", e->process, e->text);
        return;
    }
    if (e->kind != MSTR_EVENT_MESSAGE)
        return;
    const mstr_wire_coord *m = &e->m;
    bool leader = c->setup.role == MSTR_COORD_LEADER;
    switch (m->kind) {
    case MSTR_WIRE_FAILED:
        mstr_failure_set(c->failure, "%.*s", TEXT(*m));
        c->told_to_stop = true; /* the leader knows: a follower need not tell it */
        break;
    case MSTR_WIRE_DONE:
        if (leader && m->snapshot == atomic_load(&c->requested)) {
            c->peers_done++;
            c->entries += m->entries;
            c->bytes += m->bytes;
        }
        break;
    case MSTR_WIRE_FINISHED:
        if (leader && e->process <= c->setup.followers && !c->peer_finished[e->process]) {
            c->peer_finished[e->process] = true;
            c->peers_finished++;
        }
        break;
    case MSTR_WIRE_RESCALE:
        if (m->workers < 1 || m->processes < 1 ||
            (uint64_t)m->workers * m->processes > MSTR_MAX_WORKERS) {
            mstr_failure_set(c->failure, "process %d asked for a rescale to %u processes of %u "
                                         "workers", e->process, (unsigned)m->processes,
                             (unsigned)m->workers);
            break;
        }
        if (!leader && m->value == MSTR_STAGE_PREPARE) {
            c->rescale_asked = m->snapshot;
            c->rescale_to = (int)m->workers;
            c->rescale_processes = (int)m->processes;
            free(c->rescale_peers);
            c->rescale_peers = mstr_strf("%.*s", TEXT(*m));
        }
        if (!leader)
            c->rescale_stage = (mstr_wire_stage)m->value;
        break;
    case MSTR_WIRE_RESCALED:
        if (leader && m->snapshot == c->rescale_asked && m->value == c->rescale_stage) {
            c->peers_staged++;
            if (m->value == MSTR_STAGE_PREPARE && c->peer_finished[e->process]) {
                /* what it said before it; its workers say it again on the new links */
                c->peer_finished[e->process] = false;
                c->peers_finished--;
            }
        }
        break;
    case MSTR_WIRE_STOP:
        if (leader)
            c->stop_asked = true;
        else
            c->told_to_stop = true;
        c->left = !leader && m->flag;
        break;
    case MSTR_WIRE_STOPPED:
        if (leader)
            c->peers_stopped++;
        break;
    case MSTR_WIRE_HANDOFF:
        hand_on(c, m);
        break;
    case MSTR_WIRE_REQUEST:
        if (!leader) {
            c->request = m->snapshot;
            c->request_final = m->flag;
            c->stop_at_cut = m->value != 0;
        }
        break;
    case MSTR_WIRE_COMMITTED:
        if (!leader) {
            c->last = m->snapshot;
            committed(c, m->snapshot);
            collect(c, m->value);
        }
        break;
    default:
        mstr_failure_set(c->failure, "process %d sent a message out of turn (kind %d)",
                         e->process, (int)m->kind);
        break;
    }
}

/* Handles the events posted so far, and lets the control do what it does every so often. */
static void handle_events(mstr_coord *c)
{
    mstr_control_tick(c->setup.control);
    pthread_mutex_lock(&c->lock);
    mstr_coord_event *e = take_events(c);
    pthread_mutex_unlock(&c->lock);
    while (e != NULL) {
        mstr_coord_event *next = e->next;
        handle(c, e);
        mstr_coord_event_free(e);
        e = next;
    }
}

/* ---- worker side -------------------------------------------------------------------------- */

void mstr_coord_submit(mstr_coord *c, mstr_store_batch *b)
{
    pthread_mutex_lock(&c->lock);
    mstr_store_queue_push(&c->queue, b);
    pthread_cond_signal(&c->changed);
    pthread_mutex_unlock(&c->lock);
}

/* Counts the workers done with snapshot n from now on (lock held). A worker may take n before
 * this process's coordinator is asked for it (a follower's workers begin n when its first
 * barrier arrives from another process): its done must count for n, not be reset by it. */
static void count_done_of(mstr_coord *c, uint64_t n)
{
    if (c->done_of == n)
        return;
    c->done_of = n;
    c->done = 0;
}

void mstr_coord_done(mstr_coord *c, uint64_t n)
{
    pthread_mutex_lock(&c->lock);
    count_done_of(c, n);
    c->done++;
    pthread_cond_signal(&c->changed);
    pthread_mutex_unlock(&c->lock);
}

void mstr_coord_finished(mstr_coord *c)
{
    pthread_mutex_lock(&c->lock);
    c->finished++;
    pthread_cond_signal(&c->changed);
    pthread_mutex_unlock(&c->lock);
}

void mstr_coord_switched(mstr_coord *c, bool was_finished)
{
    pthread_mutex_lock(&c->lock);
    c->switched++;
    c->finished -= was_finished;
    pthread_cond_signal(&c->changed);
    pthread_mutex_unlock(&c->lock);
}

/* ---- taking a snapshot ------------------------------------------------------------------ */

/* Writes the workers' batches as they come until every worker is done with snapshot n (and,
 * for the leader, every follower). Returns false (after failing the job) if one cannot be
 * written, or if the job failed meanwhile. */
static bool gather(mstr_coord *c, uint64_t n, mstr_commit *commit)
{
    int peers = c->setup.role == MSTR_COORD_LEADER ? c->setup.followers : 0;
    for (;;) {
        handle_events(c);
        pthread_mutex_lock(&c->lock);
        while (c->queue.n == 0 && c->events == NULL && !mstr_failed(c->failure) &&
               (c->done < c->workers || c->peers_done < peers))
            wait_changed(c, -1);
        mstr_store_queue batches = c->queue;
        bool all_done = c->done == c->workers && c->peers_done == peers && c->events == NULL;
        c->queue = (mstr_store_queue){ 0 };
        pthread_mutex_unlock(&c->lock);
        bool none = batches.n == 0, ok = !mstr_failed(c->failure);
        char *error = NULL;
        if (!mstr_store_write_queue(c->setup.store, &batches, commit, !ok, &error)) {
            mstr_failure_set(c->failure, "snapshot %llu could not be written: %s",
                             (unsigned long long)n, error);
            ok = false;
        }
        free(error);
        if (!ok)
            return false;
        if (all_done && none)
            return true;
    }
}

/* Hands the store the deletions of snapshot n that a live rescale left (mstr_coord_drop). */
static void drop_now(mstr_coord *c, uint64_t n)
{
    if (c->drops.len == 0)
        return;
    mstr_store_batch *b = mstr_store_batch_new(n);
    mstr_rbuf in = { c->drops.data, c->drops.data + c->drops.len, false };
    while (in.p < in.end) {
        size_t len = (size_t)mstr_get_le(&in, 4);
        mstr_store_batch_drop(b, in.p, len);
        in.p += len;
    }
    c->drops.len = 0;
    pthread_mutex_lock(&c->lock);
    mstr_store_queue_push(&c->queue, b);
    pthread_mutex_unlock(&c->lock);
}

void mstr_coord_drop(mstr_coord *c, const mstr_wbuf *keys)
{
    mstr_put_bytes(&c->drops, keys->data, keys->len);
}

/* Takes this process's part of snapshot n: asks the workers for it, writes what they hand over
 * (and waits for the followers, on the leader), then writes the commit record: the job's commit
 * on the leader or alone, the part's on a follower. Returns false if the job failed. */
static bool take_part(mstr_coord *c, uint64_t n, bool final, mstr_commit *commit)
{
    pthread_mutex_lock(&c->lock);
    count_done_of(c, n);
    pthread_mutex_unlock(&c->lock);
    c->peers_done = 0;
    if (final && c->stop_at_cut)
        atomic_store(&c->stop_cut, n); /* before requested: see worker_loop */
    atomic_store(&c->requested, n);
    ring_all(c);
    *commit = (mstr_commit){ .snapshot = n, .processes = c->setup.followers + 1,
                             .workers = c->workers, .final = final };
    drop_now(c, n);
    if (c->setup.role == MSTR_COORD_LEADER)
        mstr_cluster_send(c->setup.cluster, -1,
                          &(mstr_wire_coord){ .kind = MSTR_WIRE_REQUEST, .snapshot = n,
                                              .flag = final, .value = c->stop_at_cut });
    if (!gather(c, n, commit))
        return false;
    commit->time_ms = mstr_clock_ms(CLOCK_REALTIME);
    char *error = NULL;
    pause_ms(c->setup.commit_sleep_ms); /* a test's kill lands between the write and the commit */
    if (!mstr_store_commit(c->setup.store, commit, &error)) {
        mstr_failure_set(c->failure, "snapshot %llu could not be committed: %s",
                         (unsigned long long)n, error);
        free(error);
        return false;
    }
    pause_ms(c->setup.commit_sleep_ms); /* ... or between the commit and what follows it */
    c->entries += commit->entries;
    c->bytes += commit->bytes;
    c->written += commit->bytes;
    return true;
}

/* Leader: the processes that left the job in a live rescale go, once a snapshot of the new
 * layout is committed (before it, a loss rolls back to the layout that had them). */
static void let_go(mstr_coord *c)
{
    for (int p = c->leaving_from; p < c->leaving_to; p++)
        mstr_cluster_release(c->setup.cluster, p,
                             &(mstr_wire_coord){ .kind = MSTR_WIRE_STOP, .flag = true });
    c->leaving_from = c->leaving_to = 0;
    c->layout_unsaved = false;
}

/* Leader or alone: takes snapshot n (final: the last one of the job), commits it, publishes
 * its output and collects. Returns false if the job failed. */
static bool take(mstr_coord *c, uint64_t n, bool final)
{
    int64_t start = mstr_clock_ms(CLOCK_MONOTONIC);
    uint64_t before = c->bytes;
    mstr_commit commit;
    if (!take_part(c, n, final, &commit))
        return false;
    char *error = NULL;
    if (!mstr_sink_set_publish(c->setup.sinks, c->setup.store, n, &error)) {
        mstr_failure_set(c->failure, "snapshot %llu could not be published: %s",
                         (unsigned long long)n, error);
        free(error);
        return false;
    }
    committed(c, n);
    c->last = n;
    c->taken++;
    c->last_ms = mstr_clock_ms(CLOCK_MONOTONIC) - start;
    mstr_meter_snapshot(c->setup.meter, n, (uint64_t)c->last_ms, c->bytes - before);
    mstr_control_committed(c->setup.control, n, final);
    uint64_t oldest = oldest_kept(c);
    if (c->setup.role == MSTR_COORD_LEADER)
        mstr_cluster_send(c->setup.cluster, -1,
                          &(mstr_wire_coord){ .kind = MSTR_WIRE_COMMITTED, .snapshot = n,
                                              .value = oldest });
    let_go(c);
    collect(c, oldest);
    return true;
}

/* Follower: takes its part of the snapshot the leader asked for and says so. */
static void take_asked(mstr_coord *c)
{
    int64_t start = mstr_clock_ms(CLOCK_MONOTONIC);
    uint64_t n = c->request;
    c->request = 0;
    mstr_commit commit;
    if (!take_part(c, n, c->request_final, &commit))
        return;
    c->taken++;
    c->last_ms = mstr_clock_ms(CLOCK_MONOTONIC) - start;
    mstr_meter_snapshot(c->setup.meter, n, (uint64_t)c->last_ms, commit.bytes);
    mstr_cluster_send(c->setup.cluster, 0,
                      &(mstr_wire_coord){ .kind = MSTR_WIRE_DONE, .snapshot = n,
                                          .entries = commit.entries, .hash = commit.hash,
                                          .bytes = commit.bytes });
}

/* ---- the coordinator -------------------------------------------------------------------- */

/* Leader or alone: whether a Rescale call waits, which the job does live, without ending its
 * round (not before the snapshot of a new layout is committed); *processes and *per_process
 * get its layout. */
static bool rescales_live(mstr_coord *c, int *processes, int *per_process)
{
    int workers;
    bool asked = c->setup.role != MSTR_COORD_FOLLOWER && !c->layout_unsaved &&
                 mstr_control_wants_rescale(c->setup.control, processes, &workers);
    *per_process = asked ? workers / *processes : 0;
    return asked;
}

/* Whether the round should end (after a last snapshot): every worker of every process
 * finished, or a signal or Stop asked for it (lock held). */
static bool should_end(mstr_coord *c)
{
    return (c->finished == c->workers && c->peers_finished == c->setup.followers) ||
           c->signal != 0 || c->stop_asked || mstr_control_wants_stop(c->setup.control);
}

/* Leader or alone: waits until a snapshot is due (deadline_ms on the monotonic clock; < 0:
 * none) or asked for, the job should end, or it failed. Returns whether it should end. */
static bool wait_for_reason(mstr_coord *c, int64_t deadline_ms)
{
    for (;;) {
        handle_events(c);
        pthread_mutex_lock(&c->lock);
        if (c->events == NULL) {
            bool end = should_end(c);
            int processes, workers;
            if (end || mstr_failed(c->failure) || mstr_control_wants_snapshot(c->setup.control) ||
                c->layout_unsaved ||
                rescales_live(c, &processes, &workers) ||
                (deadline_ms >= 0 && mstr_clock_ms(CLOCK_MONOTONIC) >= deadline_ms)) {
                pthread_mutex_unlock(&c->lock);
                return end;
            }
            wait_changed(c, deadline_ms);
        }
        pthread_mutex_unlock(&c->lock);
    }
}

/* Tells the workers to stop once they have taken the snapshot requested. */
static void stop_workers(mstr_coord *c)
{
    atomic_store(&c->stop, true);
    ring_all(c);
}

/* Handles events until count (counted by handle) reaches target, or FAREWELL_MS passed. */
static void await_count(mstr_coord *c, const int *count, int target)
{
    int64_t deadline = mstr_clock_ms(CLOCK_MONOTONIC) + FAREWELL_MS;
    while (*count < target && mstr_clock_ms(CLOCK_MONOTONIC) < deadline) {
        handle_events(c);
        pthread_mutex_lock(&c->lock);
        if (c->events == NULL && *count < target)
            wait_changed(c, deadline);
        pthread_mutex_unlock(&c->lock);
    }
}

/* The job is over: from now on a stream that ends is no loss. */
static void begin_ending(mstr_coord *c)
{
    c->ending = true;
    mstr_cluster_stopping(c->setup.cluster);
}

/* The job's last snapshot is committed: makes the ending mark, if there is one. */
static void mark_ending(mstr_coord *c)
{
    if (c->setup.ending_mark == NULL)
        return;
    int fd = open(c->setup.ending_mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
        fprintf(stderr, "mstr: cannot make '%s': %s\n", c->setup.ending_mark, strerror(errno));
    else
        close(fd);
    pause_ms(c->setup.commit_sleep_ms); /* a test's kill lands as the job ends */
}

/* Leader or alone. Returns early (the workers running) for a live rescale (c->rescale_to). */
static void lead(mstr_coord *c)
{
    bool snapshots = c->setup.store != NULL;
    for (;;) {
        int64_t deadline = snapshots && c->setup.every_ms > 0
                               ? mstr_clock_ms(CLOCK_MONOTONIC) + c->setup.every_ms : -1;
        bool end = wait_for_reason(c, deadline);
        int processes, workers;
        if (!end && !mstr_failed(c->failure) && rescales_live(c, &processes, &workers)) {
            c->rescale_to = workers;
            c->rescale_processes = processes;
            return;
        }
        c->stop_at_cut = end;
        if (mstr_failed(c->failure) || (snapshots && !take(c, c->last + 1, end)) || end)
            break;
    }
    if (!mstr_failed(c->failure))
        mark_ending(c);
    if (c->setup.role == MSTR_COORD_LEADER && !mstr_failed(c->failure)) {
        begin_ending(c);
        mstr_cluster_send(c->setup.cluster, -1, &(mstr_wire_coord){ .kind = MSTR_WIRE_STOP });
        await_count(c, &c->peers_stopped, c->setup.followers);
    }
    if (!mstr_failed(c->failure))
        mstr_control_committed(c->setup.control, c->last, true); /* calls of a job without a
                                                                     state directory */
    stop_workers(c);
    if (c->setup.role != MSTR_COORD_LEADER)
        return;
    if (mstr_failed(c->failure) && !mstr_failure_was_loss(c->failure)) {
        char *why = mstr_failure_message(c->failure);
        mstr_cluster_send(c->setup.cluster, -1,
                          &(mstr_wire_coord){ .kind = MSTR_WIRE_FAILED, .message = why,
                                              .message_len = strlen(why) });
        free(why);
    }
}

/* Follower: after a failure of its own, tells the leader (which fails the job everywhere) and
 * waits a little for it to answer, so that the leader hears of the failure before it sees this
 * process's streams end. */
static void tell_failure(mstr_coord *c)
{
    char *why = mstr_failure_message(c->failure);
    mstr_cluster_send(c->setup.cluster, 0,
                      &(mstr_wire_coord){ .kind = MSTR_WIRE_FAILED, .message = why,
                                          .message_len = strlen(why) });
    free(why);
    int64_t deadline = mstr_clock_ms(CLOCK_MONOTONIC) + FAREWELL_MS;
    mstr_coord_event *e;
    while (mstr_coord_next_event(c, &e, deadline - mstr_clock_ms(CLOCK_MONOTONIC))) {
        bool answered = e->kind == MSTR_EVENT_LOST || (e->kind == MSTR_EVENT_MESSAGE &&
                                                       e->m.kind == MSTR_WIRE_FAILED);
        mstr_coord_event_free(e);
        if (answered)
            break;
    }
}

/* Follower: the leader said stop. Says it is stopping, and waits for the leader to end the
 * session (once every follower has said so). */
static void say_stopped(mstr_coord *c)
{
    begin_ending(c);
    mstr_cluster_send(c->setup.cluster, 0, &(mstr_wire_coord){ .kind = MSTR_WIRE_STOPPED });
    await_count(c, &c->peers_stopped, 1);
}

/* Follower: does what the leader asks, and tells it when its input is exhausted or a signal
 * asks the job to stop. */
static void follow(mstr_coord *c)
{
    bool said_finished = false, said_stop = false;
    for (;;) {
        handle_events(c);
        if (c->rescale_to != 0 && !mstr_failed(c->failure) && !c->told_to_stop)
            return; /* the workers run on: a live rescale (its FINISHED is said again after) */
        if (mstr_failed(c->failure) || c->told_to_stop)
            break;
        if (c->request != 0) {
            pause_ms(c->setup.request_sleep_ms);
            take_asked(c);
            continue;
        }
        pthread_mutex_lock(&c->lock);
        bool finished = c->finished == c->workers && c->workers > 0 && !said_finished;
        bool signalled = c->signal != 0 && !said_stop;
        if (!finished && !signalled && c->events == NULL && !mstr_failed(c->failure))
            wait_changed(c, -1);
        pthread_mutex_unlock(&c->lock);
        if (finished)
            mstr_cluster_send(c->setup.cluster, 0,
                              &(mstr_wire_coord){ .kind = MSTR_WIRE_FINISHED });
        if (signalled)
            mstr_cluster_send(c->setup.cluster, 0, &(mstr_wire_coord){ .kind = MSTR_WIRE_STOP });
        said_finished |= finished;
        said_stop |= signalled;
    }
    if (!mstr_failed(c->failure) && !c->left)
        say_stopped(c);
    stop_workers(c);
    if (mstr_failed(c->failure) && !mstr_failure_was_loss(c->failure) && !c->told_to_stop)
        tell_failure(c);
}

uint64_t mstr_coord_rescale_number(const mstr_coord *c)
{
    return c->setup.role == MSTR_COORD_FOLLOWER ? c->rescale_asked
                                                : atomic_load(&c->rescale_number) + 1;
}

void mstr_coord_prepare_rescale(mstr_coord *c, struct mstr_rescale *r)
{
    pthread_mutex_lock(&c->lock);
    c->switched = 0;
    pthread_mutex_unlock(&c->lock);
    atomic_store(&c->rescale, r);
}

bool mstr_coord_await_joined(mstr_coord *c)
{
    int64_t deadline = mstr_clock_ms(CLOCK_MONOTONIC) + JOIN_MS;
    for (;;) {
        handle_events(c);
        int missing = mstr_cluster_missing(c->setup.cluster);
        if (missing < 0 || mstr_failed(c->failure))
            return missing < 0 && !mstr_failed(c->failure);
        if (mstr_clock_ms(CLOCK_MONOTONIC) >= deadline) {
            mstr_failure_lose(c->failure, "process %d did not join within %d s", missing,
                              JOIN_MS / 1000);
            return false;
        }
        pthread_mutex_lock(&c->lock);
        if (c->events == NULL)
            wait_changed(c, deadline); /* (a join posts an event) */
        pthread_mutex_unlock(&c->lock);
    }
}

void mstr_coord_leaving(mstr_coord *c, int from, int to)
{
    if (c->setup.role != MSTR_COORD_LEADER)
        return;
    c->leaving_from = from;
    c->leaving_to = to;
    c->layout_unsaved = true;
}

void mstr_coord_begin_rescale(mstr_coord *c)
{
    atomic_store(&c->rescale_number, atomic_load(&c->rescale)->number);
    ring_all(c);
}

struct mstr_rescale *mstr_coord_barrier_rescale(mstr_coord *c, uint64_t last)
{
    struct mstr_rescale *r = atomic_load(&c->rescale);
    return r != NULL && r->number > last ? r : NULL;
}

void mstr_coord_rescale_say(mstr_coord *c, const mstr_wire_coord *m)
{
    bool leader = c->setup.role == MSTR_COORD_LEADER;
    if (leader) {
        c->rescale_asked = m->snapshot;
        c->rescale_stage = (mstr_wire_stage)m->value;
        c->peers_staged = 0;
    }
    mstr_wire_coord said = *m;
    said.kind = leader ? MSTR_WIRE_RESCALE : MSTR_WIRE_RESCALED;
    mstr_cluster_send(c->setup.cluster, leader ? -1 : 0, &said);
}

bool mstr_coord_rescale_await(mstr_coord *c, uint64_t n, mstr_wire_stage s)
{
    bool leader = c->setup.role == MSTR_COORD_LEADER;
    for (;;) {
        handle_events(c);
        bool there = leader ? c->peers_staged == c->setup.followers
                            : c->rescale_asked == n && c->rescale_stage == s;
        if (there || mstr_failed(c->failure) || c->told_to_stop)
            return there && !mstr_failed(c->failure);
        pthread_mutex_lock(&c->lock);
        if (c->events == NULL && !mstr_failed(c->failure))
            wait_changed(c, -1);
        pthread_mutex_unlock(&c->lock);
    }
}

void mstr_coord_handed_off(mstr_coord *c)
{
    pthread_mutex_lock(&c->lock);
    pthread_cond_signal(&c->changed);
    pthread_mutex_unlock(&c->lock);
}

bool mstr_coord_await_rescale(mstr_coord *c, int workers)
{
    for (;;) {
        handle_events(c);
        mstr_rescale_send(atomic_load(&c->rescale), send_hand_off, c);
        pthread_mutex_lock(&c->lock);
        bool through = c->switched == workers;
        if (!through && c->events == NULL && !mstr_failed(c->failure))
            wait_changed(c, -1);
        pthread_mutex_unlock(&c->lock);
        if (through || mstr_failed(c->failure))
            return through;
    }
}

void mstr_coord_end_rescale(mstr_coord *c, int workers)
{
    atomic_store(&c->rescale, NULL);
    c->workers = workers;
    c->rescale_to = 0;
}

int mstr_coord_run(mstr_coord *c)
{
    if (c->setup.role == MSTR_COORD_FOLLOWER)
        follow(c);
    else
        lead(c);
    return mstr_coord_signal(c);
}

void mstr_coord_report(const mstr_coord *c)
{
    if (c->setup.store == NULL || c->setup.role == MSTR_COORD_FOLLOWER)
        return; /* the leader's report covers every process */
    fprintf(stderr, "mstr: snapshots: %llu taken, the last %llu in %lld ms; %llu entries, "
                    "%llu bytes written\n",
            (unsigned long long)c->taken, (unsigned long long)c->last, (long long)c->last_ms,
            (unsigned long long)c->entries, (unsigned long long)c->bytes);
}
