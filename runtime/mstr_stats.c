/*
 * mstr_stats.c - a process's figures and the meter they are read from (see mstr_stats.h).
 */
#include "mstr_stats.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mstr_mem.h"
#include "mstr_worker.h"

/* ---- the figures ------------------------------------------------------------------------- */

/* The arrays of s with their lengths, for what treats them alike (copying, encoding). */
typedef struct array_ref {
    uint64_t **p;
    size_t n;
} array_ref;

enum { NARRAYS = 10 }; /* all but the frontiers, which are signed */

static void arrays(mstr_stats *s, const mstr_job_desc *d, array_ref *a)
{
    size_t w = (size_t)s->workers, p = (size_t)s->processes;
    array_ref all[NARRAYS] = {
        { &s->source_read, d->nsources }, { &s->malformed, d->nsources },
        { &s->op_in, d->noperators }, { &s->sink_records, d->nsinks },
        { &s->counters, d->ncounters }, { &s->blocked_ns, w }, { &s->out_bytes, p },
        { &s->out_batches, p }, { &s->in_bytes, p }, { &s->in_batches, p },
    };
    memcpy(a, all, sizeof all);
}

void mstr_stats_init(mstr_stats *s, const mstr_job_desc *d, int processes, int workers)
{
    *s = (mstr_stats){ .processes = processes, .workers = workers, .round = 1 };
    array_ref a[NARRAYS];
    arrays(s, d, a);
    for (size_t i = 0; i < NARRAYS; i++)
        *a[i].p = mstr_alloc_array(a[i].n ? a[i].n : 1, sizeof **a[i].p);
    s->frontier = mstr_alloc_array((size_t)workers, sizeof *s->frontier);
    for (int i = 0; i < workers; i++)
        s->frontier[i] = MSTR_EPOCH_MIN;
}

/* Makes s hold the figures of `workers` workers (a job that rescaled). */
static void resize(mstr_stats *s, int workers)
{
    s->frontier = mstr_realloc(s->frontier, (size_t)workers * sizeof *s->frontier);
    s->blocked_ns = mstr_realloc(s->blocked_ns, (size_t)workers * sizeof *s->blocked_ns);
    for (int i = 0; i < workers; i++) {
        s->frontier[i] = MSTR_EPOCH_MIN;
        s->blocked_ns[i] = 0;
    }
    s->workers = workers;
}

/* Grows or shrinks *a from n entries to m, the new ones zero. */
static void resize_row(uint64_t **a, size_t n, size_t m)
{
    *a = mstr_realloc(*a, (m ? m : 1) * sizeof **a);
    for (size_t i = n; i < m; i++)
        (*a)[i] = 0;
}

/* Makes s hold the figures of a job of `processes` processes (a job that rescaled). */
static void resize_processes(mstr_stats *s, int processes)
{
    uint64_t **rows[] = { &s->out_bytes, &s->out_batches, &s->in_bytes, &s->in_batches };
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++)
        resize_row(rows[k], (size_t)s->processes, (size_t)processes);
    s->processes = processes;
}

void mstr_stats_free(mstr_stats *s)
{
    free(s->source_read);
    free(s->malformed);
    free(s->op_in);
    free(s->sink_records);
    free(s->counters);
    free(s->frontier);
    free(s->blocked_ns);
    free(s->out_bytes);
    free(s->out_batches);
    free(s->in_bytes);
    free(s->in_batches);
}

/* The scalar fields, for encoding. */
static uint64_t *scalars(mstr_stats *s, size_t i)
{
    uint64_t *all[] = { &s->round, &s->snapshot, &s->snapshots, &s->snapshot_ms,
                        &s->snapshot_bytes, &s->snapshot_bytes_total };
    return i < sizeof all / sizeof all[0] ? all[i] : NULL;
}

void mstr_stats_encode(const mstr_stats *s, const mstr_job_desc *d, mstr_wbuf *b)
{
    mstr_stats *m = (mstr_stats *)s; /* arrays() and scalars() hand out pointers; nothing writes */
    mstr_put_le(b, (uint64_t)s->process, 4);
    mstr_put_le(b, (uint64_t)s->processes, 4);
    mstr_put_le(b, (uint64_t)s->workers, 4);
    for (size_t i = 0; scalars(m, i) != NULL; i++)
        mstr_put_le(b, *scalars(m, i), 8);
    array_ref a[NARRAYS];
    arrays(m, d, a);
    for (size_t i = 0; i < NARRAYS; i++)
        for (size_t k = 0; k < a[i].n; k++)
            mstr_put_le(b, (*a[i].p)[k], 8);
    for (int i = 0; i < s->workers; i++)
        mstr_put_le(b, (uint64_t)s->frontier[i], 8);
}

bool mstr_stats_decode(mstr_stats *s, const mstr_job_desc *d, mstr_rbuf *r)
{
    int process = (int)mstr_get_le(r, 4);
    int processes = (int)mstr_get_le(r, 4), workers = (int)mstr_get_le(r, 4);
    if (r->error || processes < 1 || processes > MSTR_MAX_WORKERS || process < 0 ||
        process >= processes || workers < 1 || workers > MSTR_MAX_WORKERS)
        return false;
    if (processes != s->processes)
        resize_processes(s, processes); /* (a live rescale changed them) */
    if (workers != s->workers)
        resize(s, workers); /* (likewise) */
    s->process = process;
    for (size_t i = 0; scalars(s, i) != NULL; i++)
        *scalars(s, i) = mstr_get_le(r, 8);
    array_ref a[NARRAYS];
    arrays(s, d, a);
    for (size_t i = 0; i < NARRAYS; i++)
        for (size_t k = 0; k < a[i].n; k++)
            (*a[i].p)[k] = mstr_get_le(r, 8);
    for (int i = 0; i < s->workers; i++)
        s->frontier[i] = (int64_t)mstr_get_le(r, 8);
    return !r->error;
}

/* ---- Prometheus' text format ---------------------------------------------------------------- */

typedef struct text {
    char *s;
    size_t len, cap;
} text;

static void add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(text *t, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (t->len + (size_t)n + 1 > t->cap) {
        t->cap = 2 * (t->len + (size_t)n + 1);
        t->s = mstr_realloc(t->s, t->cap);
    }
    vsnprintf(t->s + t->len, (size_t)n + 1, fmt, again);
    va_end(again);
    t->len += (size_t)n;
}

/* A label value with \, " and newlines escaped, as the format wants. */
static const char *label(const char *v, char *buf, size_t cap)
{
    size_t n = 0;
    for (; *v && n + 3 < cap; v++) {
        if (*v == '\\' || *v == '"' || *v == '\n')
            buf[n++] = '\\';
        buf[n++] = *v == '\n' ? 'n' : *v;
    }
    buf[n] = '\0';
    return buf;
}

static void head(text *t, const char *name, const char *type, const char *help)
{
    add(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One metric with a value per name (label `key`). */
static void per_name(text *t, const char *name, const char *type, const char *help,
                     const char *key, const char *const *names, const uint64_t *values, size_t n)
{
    if (n == 0)
        return;
    head(t, name, type, help);
    char buf[512];
    for (size_t i = 0; i < n; i++)
        add(t, "%s{%s=\"%s\"} %llu\n", name, key, label(names[i], buf, sizeof buf),
            (unsigned long long)values[i]);
}

/* One metric with a value per process other than this one (label `peer`). */
static void per_peer(text *t, const mstr_stats *s, const char *name, const char *help,
                     const uint64_t *values)
{
    if (s->processes < 2)
        return;
    head(t, name, "counter", help);
    for (int p = 0; p < s->processes; p++)
        if (p != s->process)
            add(t, "%s{peer=\"%d\"} %llu\n", name, p, (unsigned long long)values[p]);
}

char *mstr_stats_prometheus(const mstr_stats *s, const mstr_job_desc *d)
{
    text t = { 0 };
    char buf[512];
    head(&t, "mstr_process_info", "gauge", "This process of the job: 1, with labels.");
    add(&t, "mstr_process_info{job=\"%s\",process=\"%d\",processes=\"%d\",workers=\"%d\"} 1\n",
        label(d->name, buf, sizeof buf), s->process, s->processes, s->workers);
    head(&t, "mstr_round", "gauge", "The round the process is in (each rollback starts one).");
    add(&t, "mstr_round %llu\n", (unsigned long long)s->round);
    const char **sources = mstr_alloc_array(d->nsources + 1, sizeof *sources);
    for (size_t i = 0; i < d->nsources; i++)
        sources[i] = d->sources[i].name;
    per_name(&t, "mstr_source_records_read_total", "counter",
             "Records read per source (this round).", "source", sources, s->source_read,
             d->nsources);
    per_name(&t, "mstr_source_malformed_total", "counter",
             "Records that could not be decoded, per source; with a dead_letter stream they "
             "went there.", "source", sources, s->malformed, d->nsources);
    free(sources);
    per_name(&t, "mstr_operator_records_in_total", "counter",
             "Records each operator took in (this round).", "operator", d->operators, s->op_in,
             d->noperators);
    const char **sinks = mstr_alloc_array(d->nsinks + 1, sizeof *sinks);
    for (size_t i = 0; i < d->nsinks; i++)
        sinks[i] = d->sinks[i].name;
    per_name(&t, "mstr_sink_records_total", "counter", "Records written per sink (this round).",
             "sink", sinks, s->sink_records, d->nsinks);
    free(sinks);
    per_name(&t, "mstr_events_total", "counter",
             "Late records dropped, epochs ignored, timestamps behind, per operator.", "event",
             d->counters, s->counters, d->ncounters);
    bool frontiers = false;
    for (int i = 0; i < s->workers; i++)
        frontiers |= s->frontier[i] != MSTR_EPOCH_MIN;
    if (frontiers) {
        head(&t, "mstr_worker_frontier", "gauge",
             "The least epoch a worker's exchanges have passed (9223372036854775807: the end).");
        for (int i = 0; i < s->workers; i++)
            if (s->frontier[i] != MSTR_EPOCH_MIN)
                add(&t, "mstr_worker_frontier{worker=\"%d\"} %lld\n",
                    s->process * s->workers + i, (long long)s->frontier[i]);
    }
    head(&t, "mstr_worker_backpressure_seconds_total", "counter",
         "Time a worker could not read its sources because a link to another worker was full.");
    for (int i = 0; i < s->workers; i++)
        add(&t, "mstr_worker_backpressure_seconds_total{worker=\"%d\"} %.6f\n",
            s->process * s->workers + i, (double)s->blocked_ns[i] / 1e9);
    per_peer(&t, s, "mstr_exchange_sent_bytes_total", "Exchange bytes sent to each process.",
             s->out_bytes);
    per_peer(&t, s, "mstr_exchange_sent_batches_total", "Exchange batches sent to each process.",
             s->out_batches);
    per_peer(&t, s, "mstr_exchange_received_bytes_total",
             "Exchange bytes received from each process.", s->in_bytes);
    per_peer(&t, s, "mstr_exchange_received_batches_total",
             "Exchange batches received from each process.", s->in_batches);
    head(&t, "mstr_snapshot_last", "gauge",
         "The last snapshot committed (a follower: the last whose part it wrote).");
    add(&t, "mstr_snapshot_last %llu\n", (unsigned long long)s->snapshot);
    head(&t, "mstr_snapshots_total", "counter", "Snapshots taken by this process.");
    add(&t, "mstr_snapshots_total %llu\n", (unsigned long long)s->snapshots);
    head(&t, "mstr_snapshot_duration_seconds", "gauge", "How long the last snapshot took.");
    add(&t, "mstr_snapshot_duration_seconds %.3f\n", (double)s->snapshot_ms / 1e3);
    head(&t, "mstr_snapshot_size_bytes", "gauge", "What the last snapshot wrote.");
    add(&t, "mstr_snapshot_size_bytes %llu\n", (unsigned long long)s->snapshot_bytes);
    head(&t, "mstr_snapshot_written_bytes_total", "counter", "What every snapshot wrote.");
    add(&t, "mstr_snapshot_written_bytes_total %llu\n",
        (unsigned long long)s->snapshot_bytes_total);
    return t.s;
}

/* ---- the meter ----------------------------------------------------------------------------- */

/* Tallies summed over workers: per source, operator, sink and counter. */
typedef struct tallies {
    uint64_t *source_read, *op_in, *sink_records, *counters;
} tallies;

/* Adds w's tallies to t. */
static void add_tallies(const mstr_job_desc *d, const mstr_worker *w, tallies t)
{
    for (size_t k = 0; k < d->nsources; k++)
        t.source_read[k] += mstr_tally_read(&w->source_read[k]);
    for (size_t k = 0; k < d->noperators; k++)
        t.op_in[k] += mstr_tally_read(&w->op_in[k]);
    for (size_t k = 0; k < d->nsinks; k++)
        t.sink_records[k] += mstr_tally_read(&w->sinks[k].records);
    for (size_t k = 0; k < d->ncounters; k++)
        t.counters[k] += mstr_tally_read(&w->counters[k]);
}

/* Copies from's tallies to t (zero when from's arrays are NULL). */
static void copy_tallies(const mstr_job_desc *d, tallies t, tallies from)
{
    size_t n[] = { d->nsources, d->noperators, d->nsinks, d->ncounters };
    uint64_t *to[] = { t.source_read, t.op_in, t.sink_records, t.counters };
    const uint64_t *in[] = { from.source_read, from.op_in, from.sink_records, from.counters };
    for (size_t i = 0; i < 4; i++) {
        if (in[i] != NULL)
            memcpy(to[i], in[i], n[i] * sizeof *to[i]);
        else
            memset(to[i], 0, n[i] * sizeof *to[i]);
    }
}

struct mstr_meter {
    const mstr_job_desc *desc;
    pthread_mutex_t lock;       /* around everything below */
    mstr_stats held;            /* the figures when no round runs, and the snapshot figures */
    mstr_worker *workers;       /* the round's, or NULL */
    tallies left;               /* of the workers that left the round (live rescales) */
    mstr_partition *parts;
    size_t nparts;
    mstr_net_hub *hub;
    uint64_t *links_before;     /* [4 * p ..]: the bytes and batches out to process p and in
                                   from it over the round's hubs before this one (a live
                                   rescale makes another) */
};

mstr_meter *mstr_meter_new(const mstr_job_desc *d, int process, int processes, int workers)
{
    mstr_meter *m = mstr_alloc(sizeof *m);
    m->desc = d;
    pthread_mutex_init(&m->lock, NULL);
    mstr_stats_init(&m->held, d, processes, workers);
    m->held.process = process;
    m->left.source_read = mstr_alloc_array(d->nsources + 1, sizeof(uint64_t));
    m->left.op_in = mstr_alloc_array(d->noperators + 1, sizeof(uint64_t));
    m->left.sink_records = mstr_alloc_array(d->nsinks + 1, sizeof(uint64_t));
    m->left.counters = mstr_alloc_array(d->ncounters + 1, sizeof(uint64_t));
    m->links_before = mstr_alloc_array(4 * (size_t)processes, sizeof *m->links_before);
    return m;
}

void mstr_meter_free(mstr_meter *m)
{
    free(m->left.source_read);
    free(m->left.op_in);
    free(m->left.sink_records);
    free(m->left.counters);
    free(m->links_before);
    mstr_stats_free(&m->held);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

/* Copies from's figures into to (both made for the meter's job). */
static void copy(mstr_stats *to, const mstr_stats *from, const mstr_job_desc *d)
{
    array_ref a[NARRAYS], b[NARRAYS];
    arrays(to, d, a);
    arrays((mstr_stats *)from, d, b);
    for (size_t i = 0; i < NARRAYS; i++)
        memcpy(*a[i].p, *b[i].p, a[i].n * sizeof **a[i].p);
    memcpy(to->frontier, from->frontier, (size_t)to->workers * sizeof *to->frontier);
    for (size_t i = 0; scalars(to, i) != NULL; i++)
        *scalars(to, i) = *scalars((mstr_stats *)from, i);
    to->process = from->process;
}

/* Reads the live figures of the round into s (lock held, a round attached). */
static void read_live(mstr_meter *m, mstr_stats *s)
{
    const mstr_job_desc *d = m->desc;
    array_ref a[NARRAYS];
    arrays(s, d, a);
    for (size_t i = 0; i < NARRAYS; i++)
        memset(*a[i].p, 0, a[i].n * sizeof **a[i].p);
    tallies sums = { s->source_read, s->op_in, s->sink_records, s->counters };
    copy_tallies(d, sums, m->left);
    for (int i = 0; i < s->workers; i++) {
        mstr_worker *w = &m->workers[i];
        add_tallies(d, w, sums);
        s->frontier[i] = atomic_load_explicit(&w->frontier, memory_order_relaxed);
        s->blocked_ns[i] = atomic_load_explicit(&w->blocked_ns, memory_order_relaxed);
    }
    for (size_t k = 0; k < m->nparts; k++)
        s->malformed[m->parts[k].source - d->sources] += mstr_tally_read(&m->parts[k].malformed);
    for (int p = 0; m->hub != NULL && p < s->processes; p++) {
        if (p == s->process)
            continue;
        mstr_net_hub_links(m->hub, p, &s->out_bytes[p], &s->out_batches[p], &s->in_bytes[p],
                           &s->in_batches[p]);
        const uint64_t *before = &m->links_before[4 * p];
        s->out_bytes[p] += before[0];
        s->out_batches[p] += before[1];
        s->in_bytes[p] += before[2];
        s->in_batches[p] += before[3];
    }
}

void mstr_meter_attach(mstr_meter *m, uint64_t round, mstr_worker *workers, int n,
                       mstr_partition *parts, size_t nparts, mstr_net_hub *hub)
{
    pthread_mutex_lock(&m->lock);
    if (n != m->held.workers)
        resize(&m->held, n);
    m->held.round = round;
    m->workers = workers;
    copy_tallies(m->desc, m->left, (tallies){ 0 });
    m->parts = parts;
    m->nparts = nparts;
    m->hub = hub;
    memset(m->links_before, 0, 4 * (size_t)m->held.processes * sizeof *m->links_before);
    pthread_mutex_unlock(&m->lock);
}

void mstr_meter_rescale(mstr_meter *m, int processes, int from, int to, size_t nparts,
                        mstr_net_hub *hub)
{
    pthread_mutex_lock(&m->lock);
    for (int i = to; i < from; i++)
        add_tallies(m->desc, &m->workers[i], m->left);
    resize(&m->held, to);
    for (int p = 0; m->hub != NULL && p < m->held.processes; p++) {
        uint64_t now[4], *before = &m->links_before[4 * p];
        mstr_net_hub_links(m->hub, p, &now[0], &now[1], &now[2], &now[3]);
        for (int k = 0; k < 4; k++)
            before[k] += now[k];
    }
    resize_row(&m->links_before, 4 * (size_t)m->held.processes, 4 * (size_t)processes);
    resize_processes(&m->held, processes);
    m->nparts = nparts;
    m->hub = hub;
    pthread_mutex_unlock(&m->lock);
}

void mstr_meter_detach(mstr_meter *m)
{
    pthread_mutex_lock(&m->lock);
    if (m->workers != NULL)
        read_live(m, &m->held);
    m->workers = NULL;
    m->parts = NULL;
    m->hub = NULL;
    pthread_mutex_unlock(&m->lock);
}

void mstr_meter_snapshot(mstr_meter *m, uint64_t n, uint64_t ms, uint64_t bytes)
{
    pthread_mutex_lock(&m->lock);
    m->held.snapshot = n;
    m->held.snapshots++;
    m->held.snapshot_ms = ms;
    m->held.snapshot_bytes = bytes;
    m->held.snapshot_bytes_total += bytes;
    pthread_mutex_unlock(&m->lock);
}

void mstr_meter_read(mstr_meter *m, mstr_stats *s)
{
    pthread_mutex_lock(&m->lock);
    if (s->workers != m->held.workers)
        resize(s, m->held.workers);
    if (s->processes != m->held.processes)
        resize_processes(s, m->held.processes); /* (both: a live rescale changed them) */
    copy(s, &m->held, m->desc);
    if (m->workers != NULL)
        read_live(m, s);
    pthread_mutex_unlock(&m->lock);
}
