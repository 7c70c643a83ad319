/*
 * mstr_control.c - the control API's server side and the progress line (see mstr_control.h).
 *
 * A call waiting on the leader is either a stream of its own or a follower's number for one of
 * the follower's streams; answering either is one function. Replies are encoded with
 * protobuf-c from proto/mstr_control.proto.
 */
#include "mstr_control.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mstr_cluster.h"
#include "mstr_control.pb-c.h"
#include "mstr_mem.h"
#include "mstr_route.h"
#include "mstr_scalar.h"
#include "mstr_snapshot.h"
#include "mstr_time.h"

/* gRPC status codes the control answers with (grpc/status.h, which the runtime does not need
 * here otherwise). */
enum { CODE_OK = 0, CODE_INVALID_ARGUMENT = 3, CODE_FAILED_PRECONDITION = 9,
       CODE_UNAVAILABLE = 14 };

enum { STATS_EVERY_MS = 1000, PROGRESS_EVERY_MS = 1000 };

const char *const mstr_control_methods[MSTR_CONTROL_CALLS] = {
    "/mstr.Control/Status", "/mstr.Control/Snapshot", "/mstr.Control/Stop",
    "/mstr.Control/Rescale",
};

/* A call that waits: on the leader for a snapshot or the stop, on a follower for the leader. */
typedef struct waiting {
    mstr_control_call call;
    uint32_t arg;               /* Rescale: the workers asked for */
    mstr_stream *stream;        /* this process's, or NULL for a follower's */
    int process;                /* the follower that passed it on ... */
    uint64_t id;                /* ... and its number there (a follower: its own number) */
    struct waiting *next;
} waiting;

struct mstr_control {
    const mstr_job_desc *desc;
    mstr_meter *meter;
    struct mstr_cluster *cluster;
    int process, processes, workers;
    bool snapshots, supervised, quiet;
    waiting *calls;             /* oldest first */
    uint64_t next_id;
    mstr_stats *figures;        /* leader: [room], each process's latest */
    bool *have;                 /* leader: [room], whether they came this round */
    int room;                   /* processes the figures have room for (at least processes) */
    int64_t last_tick;          /* when figures were last sent, or the progress line drawn */
    uint64_t last_read;         /* records read then, for the rate */
    bool progress;              /* the progress line is drawn (and must be ended) */
};

static bool leads(const mstr_control *c)
{
    return c->process == 0;
}

mstr_control *mstr_control_new(const mstr_job_desc *d, mstr_meter *meter, int process,
                               int processes, int workers, bool snapshots, bool supervised,
                               bool quiet, struct mstr_cluster *cluster)
{
    mstr_control *c = mstr_alloc(sizeof *c);
    *c = (mstr_control){ .desc = d, .meter = meter, .cluster = cluster, .process = process,
                         .processes = processes, .workers = workers, .snapshots = snapshots,
                         .supervised = supervised, .quiet = quiet, .next_id = 1,
                         .last_tick = mstr_clock_ms(CLOCK_MONOTONIC) };
    mstr_control_layout(c, processes, workers);
    return c;
}

void mstr_control_layout(mstr_control *c, int processes, int workers)
{
    if (processes > c->room) {
        c->figures = mstr_realloc(c->figures, (size_t)processes * sizeof *c->figures);
        c->have = mstr_realloc(c->have, (size_t)processes * sizeof *c->have);
        for (int p = c->room; p < processes; p++) {
            mstr_stats_init(&c->figures[p], c->desc, processes, workers);
            c->have[p] = false;
        }
        c->room = processes;
    }
    c->processes = processes;
    c->workers = workers;
}

/* ---- answering ------------------------------------------------------------------------------ */

/* Answers a call: with the reply's bytes (code OK) or an error (code, and why: p, a string of
 * n characters ended by a NUL). */
static void answer(mstr_control *c, const waiting *w, int code, const void *p, size_t n)
{
    if (w->stream != NULL) {
        if (code == CODE_OK)
            mstr_stream_reply(w->stream, p, n);
        else
            mstr_stream_fail(w->stream, code, (const char *)p);
        return;
    }
    mstr_cluster_send(c->cluster, w->process,
                      &(mstr_wire_coord){ .kind = MSTR_WIRE_ANSWER, .value = w->id,
                                          .snapshot = (uint64_t)code, .message = p,
                                          .message_len = n });
}

static void answer_error(mstr_control *c, const waiting *w, int code, const char *why)
{
    answer(c, w, code, why, strlen(why));
}

/* Answers, and forgets, every waiting call that `which` picks. */
static void answer_all(mstr_control *c, bool (*which)(const waiting *, const void *),
                       const void *arg, int code, const void *p, size_t n)
{
    for (waiting **at = &c->calls; *at != NULL;) {
        waiting *w = *at;
        if (!which(w, arg)) {
            at = &w->next;
            continue;
        }
        *at = w->next;
        answer(c, w, code, p, n);
        free(w);
    }
}

static bool any(const waiting *w, const void *arg)
{
    (void)w;
    (void)arg;
    return true;
}

static bool of_call(const waiting *w, const void *arg)
{
    return w->call == *(const mstr_control_call *)arg;
}

/* Forgets the calls followers passed on: they answer them themselves when the round ends. */
static void forget_followers(mstr_control *c)
{
    for (waiting **at = &c->calls; *at != NULL;) {
        waiting *w = *at;
        if (w->stream != NULL) {
            at = &w->next;
            continue;
        }
        *at = w->next;
        free(w);
    }
}

static void keep(mstr_control *c, waiting w)
{
    waiting *copy = mstr_alloc(sizeof *copy);
    *copy = w;
    waiting **at = &c->calls;
    while (*at != NULL)
        at = &(*at)->next;
    *at = copy;
}

void mstr_control_free(mstr_control *c)
{
    const char *why = "the job ended";
    answer_all(c, any, NULL, CODE_UNAVAILABLE, why, strlen(why));
    for (int p = 0; p < c->room; p++)
        mstr_stats_free(&c->figures[p]);
    free(c->figures);
    free(c->have);
    free(c);
}

/* ---- Status ------------------------------------------------------------------------------- */

/* The job's status as the leader sees it, encoded. */
static uint8_t *status_reply(mstr_control *c, size_t *len)
{
    const mstr_job_desc *d = c->desc;
    mstr_meter_read(c->meter, &c->figures[0]);
    c->have[0] = true;
    mstr_stats *own = &c->figures[0];
    Mstr__StatusReply r = MSTR__STATUS_REPLY__INIT;
    r.job = (char *)d->name;
    r.processes = (uint32_t)c->processes;
    r.workers = (uint32_t)(c->processes * c->workers);
    r.round = own->round;
    r.last_snapshot = own->snapshot;
    r.snapshots = own->snapshots;
    r.last_snapshot_seconds = (double)own->snapshot_ms / 1e3;
    r.last_snapshot_bytes = own->snapshot_bytes;
    /* the sums over the processes whose figures came in */
    size_t ncounts = 2 * d->nsources + d->noperators + d->nsinks + d->ncounters;
    Mstr__Count *counts = mstr_alloc_array(ncounts + 1, sizeof *counts);
    Mstr__Count **refs = mstr_alloc_array(ncounts + 1, sizeof *refs);
    size_t k = 0;
    struct { size_t *n; Mstr__Count ***list; size_t len; } groups[] = {
        { &r.n_sources, &r.sources, d->nsources }, { &r.n_malformed, &r.malformed, d->nsources },
        { &r.n_operators, &r.operators, d->noperators }, { &r.n_sinks, &r.sinks, d->nsinks },
        { &r.n_events, &r.events, d->ncounters },
    };
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        *groups[g].list = &refs[k];
        *groups[g].n = groups[g].len;
        for (size_t i = 0; i < groups[g].len; i++, k++) {
            Mstr__Count init = MSTR__COUNT__INIT;
            counts[k] = init;
            refs[k] = &counts[k];
            for (int p = 0; p < c->processes; p++) {
                if (!c->have[p])
                    continue;
                const mstr_stats *s = &c->figures[p];
                const uint64_t *values[] = { s->source_read, s->malformed, s->op_in,
                                             s->sink_records, s->counters };
                counts[k].value += values[g][i];
            }
            counts[k].name = (char *)(g <= 1   ? d->sources[i].name
                                      : g == 2 ? d->operators[i]
                                      : g == 3 ? d->sinks[i].name
                                               : d->counters[i]);
        }
    }
    size_t nworkers = 0;
    for (int p = 0; p < c->processes; p++)
        nworkers += (size_t)c->figures[p].workers;
    Mstr__Worker *workers = mstr_alloc_array(nworkers, sizeof *workers);
    Mstr__Worker **wrefs = mstr_alloc_array(nworkers, sizeof *wrefs);
    size_t nlinks = (size_t)(c->processes * c->processes);
    Mstr__Link *links = mstr_alloc_array(nlinks + 1, sizeof *links);
    Mstr__Link **lrefs = mstr_alloc_array(nlinks + 1, sizeof *lrefs);
    uint32_t *missing = mstr_alloc_array((size_t)c->processes, sizeof *missing);
    for (int p = 0; p < c->processes; p++) {
        const mstr_stats *s = &c->figures[p];
        if (!c->have[p]) {
            missing[r.n_missing++] = (uint32_t)p;
            continue;
        }
        for (int i = 0; i < s->workers; i++) {
            Mstr__Worker init = MSTR__WORKER__INIT;
            Mstr__Worker *w = &workers[r.n_worker_status];
            *w = init;
            w->worker = (uint32_t)(p * s->workers + i);
            w->process = (uint32_t)p;
            w->has_frontier = s->frontier[i] != MSTR_EPOCH_MIN;
            w->frontier = s->frontier[i];
            w->backpressure_seconds = (double)s->blocked_ns[i] / 1e9;
            wrefs[r.n_worker_status++] = w;
        }
        for (int q = 0; q < c->processes; q++) {
            if (q == p)
                continue;
            Mstr__Link init = MSTR__LINK__INIT;
            Mstr__Link *l = &links[r.n_links];
            *l = init;
            l->from = (uint32_t)p;
            l->to = (uint32_t)q;
            l->bytes = s->out_bytes[q];
            l->batches = s->out_batches[q];
            lrefs[r.n_links++] = l;
        }
    }
    r.worker_status = wrefs;
    r.links = lrefs;
    r.missing = missing;
    *len = mstr__status_reply__get_packed_size(&r);
    uint8_t *out = mstr_alloc(*len + 1);
    mstr__status_reply__pack(&r, out);
    free(counts);
    free(refs);
    free(workers);
    free(wrefs);
    free(links);
    free(lrefs);
    free(missing);
    return out;
}

/* ---- calls -------------------------------------------------------------------------------- */

uint32_t mstr_control_argument(mstr_control_call call, const unsigned char *p, size_t n)
{
    if (call != MSTR_CONTROL_RESCALE)
        return 0;
    Mstr__RescaleRequest *r = mstr__rescale_request__unpack(NULL, n, p);
    uint32_t arg = 0;
    if (r != NULL && r->workers <= 0xffff && r->processes <= 0xffff)
        arg = r->processes << 16 | r->workers;
    mstr__rescale_request__free_unpacked(r, NULL);
    return arg;
}

/* A Rescale's workers and processes (as many as now when it does not say). */
static void rescale_to(const mstr_control *c, uint32_t arg, int *processes, int *workers)
{
    *workers = (int)(arg & 0xffff);
    *processes = arg >> 16 ? (int)(arg >> 16) : c->processes;
}

/* Why some of d's state cannot go to another number of workers (to free), or NULL. */
static char *unmovable(const mstr_job_desc *d)
{
    char *why = NULL;
    for (size_t i = 0; i < d->nstates; i++)
        if (!mstr_snapshot_movable(&d->states[i], &why))
            break;
    return why;
}

/* Leader: why a Rescale (arg) cannot be done (to free; and the code to say it with), or NULL. */
static char *rescale_refusal(const mstr_control *c, uint32_t arg, int *code)
{
    int processes, workers;
    rescale_to(c, arg, &processes, &workers);
    *code = CODE_FAILED_PRECONDITION;
    bool other_processes = processes != c->processes; /* (the same: live, mstr_rescale.h) */
    if (c->processes == 1 && processes > 1 && !c->supervised)
        return mstr_strdup("a job of one process cannot start processes: run it under the "
                           "supervisor (--processes N) to rescale across processes");
    if (!c->snapshots && other_processes)
        return mstr_strdup("rescaling processes needs the job's state in a state directory: "
                           "run it with --state-dir");
    if (other_processes && !c->supervised)
        return mstr_strdup("its processes were started by hand: stop the job, rewrite its state "
                           "(`JOB reshard`) and start the processes of the new layout");
    char *why = unmovable(c->desc);
    if (why != NULL)
        return why;
    *code = CODE_INVALID_ARGUMENT;
    if (workers < 1 || workers > MSTR_MAX_WORKERS || processes > MSTR_MAX_WORKERS)
        return mstr_strdup("the workers must be 1 to 1024");
    if (workers % processes != 0)
        return mstr_strdup("the workers must be a multiple of the processes");
    return NULL;
}

/* Leader: takes a call (its own, or a follower's). */
static void lead_call(mstr_control *c, waiting w)
{
    if (w.call == MSTR_CONTROL_STATUS) {
        size_t len;
        uint8_t *reply = status_reply(c, &len);
        answer(c, &w, CODE_OK, reply, len);
        free(reply);
        return;
    }
    if (w.call == MSTR_CONTROL_SNAPSHOT && !c->snapshots) {
        answer_error(c, &w, CODE_FAILED_PRECONDITION,
                     "the job takes no snapshots: it runs without --state-dir");
        return;
    }
    int code;
    char *refusal = w.call == MSTR_CONTROL_RESCALE ? rescale_refusal(c, w.arg, &code) : NULL;
    if (refusal != NULL) {
        answer_error(c, &w, code, refusal);
        free(refusal);
        return;
    }
    keep(c, w); /* answered when the snapshot is committed, or the job rescaled */
}

void mstr_control_call_in(mstr_control *c, mstr_control_call call, uint32_t arg,
                          mstr_stream *s)
{
    waiting w = { .call = call, .arg = arg, .stream = s };
    if (leads(c)) {
        lead_call(c, w);
        return;
    }
    w.id = c->next_id++;
    keep(c, w);
    mstr_cluster_send(c->cluster, 0,
                      &(mstr_wire_coord){ .kind = MSTR_WIRE_CONTROL, .snapshot = call,
                                          .value = w.id });
}

/* Follower: the leader answered call id. */
static void answered(mstr_control *c, const mstr_wire_coord *m)
{
    for (waiting **at = &c->calls; *at != NULL; at = &(*at)->next) {
        waiting *w = *at;
        if (w->id != m->value)
            continue;
        *at = w->next;
        if (m->snapshot == CODE_OK) {
            mstr_stream_reply(w->stream, m->message, m->message_len);
        } else {
            char *why = mstr_strf("%.*s", (int)m->message_len, m->message);
            mstr_stream_fail(w->stream, (int)m->snapshot, why);
            free(why);
        }
        free(w);
        return;
    }
}

void mstr_control_message(mstr_control *c, int from, const mstr_wire_coord *m)
{
    if (m->kind == MSTR_WIRE_ANSWER && !leads(c)) {
        answered(c, m);
    } else if (m->kind == MSTR_WIRE_CONTROL && leads(c) && m->snapshot < MSTR_CONTROL_CALLS) {
        lead_call(c, (waiting){ .call = (mstr_control_call)m->snapshot, .process = from,
                                .id = m->value });
    } else if (m->kind == MSTR_WIRE_STATS && leads(c) && from > 0 && from < c->processes) {
        mstr_rbuf r = { (const unsigned char *)m->message,
                        (const unsigned char *)m->message + m->message_len, false };
        c->have[from] = mstr_stats_decode(&c->figures[from], c->desc, &r);
    }
}

void mstr_control_round(mstr_control *c, bool starts)
{
    if (leads(c)) {
        for (int p = 1; p < c->processes; p++)
            c->have[p] = false;
        if (!starts)
            forget_followers(c);
        return;
    }
    if (!starts) {
        const char *why = "the job lost a process and rolls back; ask again in a moment";
        answer_all(c, any, NULL, CODE_UNAVAILABLE, why, strlen(why));
    }
}

bool mstr_control_wants_snapshot(const mstr_control *c)
{
    for (const waiting *w = c->calls; w != NULL; w = w->next)
        if (w->call == MSTR_CONTROL_SNAPSHOT)
            return true;
    return false;
}

bool mstr_control_wants_stop(const mstr_control *c)
{
    for (const waiting *w = c->calls; w != NULL; w = w->next)
        if (w->call == MSTR_CONTROL_STOP)
            return true;
    return false;
}

bool mstr_control_wants_rescale(const mstr_control *c, int *processes, int *workers)
{
    for (const waiting *w = c->calls; w != NULL; w = w->next)
        if (w->call == MSTR_CONTROL_RESCALE) {
            rescale_to(c, w->arg, processes, workers);
            return true;
        }
    return false;
}

void mstr_control_rescaled(mstr_control *c, uint64_t n, int processes, int workers)
{
    mstr_control_layout(c, processes, workers / processes);
    for (waiting **at = &c->calls; *at != NULL; at = &(*at)->next) {
        waiting *w = *at;
        if (w->call != MSTR_CONTROL_RESCALE)
            continue;
        *at = w->next;
        Mstr__RescaleReply reply = MSTR__RESCALE_REPLY__INIT;
        reply.snapshot = n;
        reply.workers = (uint32_t)workers;
        reply.processes = (uint32_t)processes;
        uint8_t buf[32];
        answer(c, w, CODE_OK, buf, mstr__rescale_reply__pack(&reply, buf));
        free(w);
        return;
    }
}

void mstr_control_committed(mstr_control *c, uint64_t n, bool final)
{
    Mstr__SnapshotReply reply = MSTR__SNAPSHOT_REPLY__INIT;
    reply.snapshot = n; /* a StopReply has the same one field */
    uint8_t buf[16];
    size_t len = mstr__snapshot_reply__pack(&reply, buf);
    mstr_control_call snapshot = MSTR_CONTROL_SNAPSHOT, stop = MSTR_CONTROL_STOP;
    answer_all(c, of_call, &snapshot, CODE_OK, buf, len);
    if (final)
        answer_all(c, of_call, &stop, CODE_OK, buf, len);
}

/* ---- ticks: figures and the progress line ------------------------------------------------ */

/* A count in a few characters: 999, 12.3K, 4.56M, 7.89G. */
static void short_count(char *buf, size_t cap, double v)
{
    static const char units[] = " KMGT";
    int u = 0;
    while (v >= 1000 && u < 4) {
        v /= 1000;
        u++;
    }
    snprintf(buf, cap, u == 0 ? "%.0f" : "%.3g%c", v, units[u]);
}

static void draw_progress(mstr_control *c, int64_t now)
{
    mstr_meter_read(c->meter, &c->figures[0]);
    c->have[0] = true;
    uint64_t read = 0, written = 0;
    int64_t frontier = MSTR_EPOCH_MAX;
    bool frontiers = false;
    for (int p = 0; p < c->processes; p++) {
        if (!c->have[p])
            continue;
        for (size_t i = 0; i < c->desc->nsources; i++)
            read += c->figures[p].source_read[i];
        for (size_t i = 0; i < c->desc->nsinks; i++)
            written += c->figures[p].sink_records[i];
        for (int i = 0; i < c->figures[p].workers; i++)
            if (c->figures[p].frontier[i] != MSTR_EPOCH_MIN) {
                frontiers = true;
                if (c->figures[p].frontier[i] < frontier)
                    frontier = c->figures[p].frontier[i];
            }
    }
    double rate = read >= c->last_read && now > c->last_tick
                      ? (double)(read - c->last_read) * 1000.0 / (double)(now - c->last_tick)
                      : 0;
    char total[16], per_s[16], out[16], front[32] = "-";
    short_count(total, sizeof total, (double)read);
    short_count(per_s, sizeof per_s, rate);
    short_count(out, sizeof out, (double)written);
    if (frontiers)
        snprintf(front, sizeof front, frontier == MSTR_EPOCH_MAX ? "end" : "%lld",
                 (long long)frontier);
    fprintf(stderr, "\r\033[Kmstr: %s records read, %s/s; %s written; frontier %s; snapshot %llu",
            total, per_s, out, front, (unsigned long long)c->figures[0].snapshot);
    fflush(stderr);
    c->progress = true;
    c->last_read = read;
}

void mstr_control_tick(mstr_control *c)
{
    int64_t now = mstr_clock_ms(CLOCK_MONOTONIC);
    if (leads(c)) {
        if (now - c->last_tick >= PROGRESS_EVERY_MS && !c->quiet && isatty(STDERR_FILENO)) {
            draw_progress(c, now);
            c->last_tick = now;
        }
        return;
    }
    if (now - c->last_tick < STATS_EVERY_MS)
        return;
    c->last_tick = now;
    mstr_stats *s = &c->figures[c->process];
    mstr_meter_read(c->meter, s);
    mstr_wbuf b = { 0 };
    mstr_stats_encode(s, c->desc, &b);
    mstr_cluster_send(c->cluster, 0, &(mstr_wire_coord){ .kind = MSTR_WIRE_STATS,
                                                         .message = (const char *)b.data,
                                                         .message_len = b.len });
    mstr_wbuf_free(&b);
}

void mstr_control_end_progress(mstr_control *c)
{
    if (c->progress)
        fputs("\r\033[K", stderr);
    c->progress = false;
}
