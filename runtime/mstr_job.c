/*
 * mstr_job.c - running a job: command line, opening inputs and outputs, the worker threads and
 * their loop, exchange between workers, the summary (see mstr_job.h).
 *
 * Order of work, and why: every sink and every source partition is opened in the main thread
 * before any worker starts, so that a missing input file or an unwritable output stops the job
 * before it has produced anything. Each worker then loops: send what waits for room, receive
 * what other workers sent, and, only if nothing waits for room, read one batch from each of its
 * source partitions. Not reading while output waits is the backpressure; always receiving is
 * what keeps two workers that send to each other from waiting on each other forever.
 */
#include "mstr_job.h"

#include <errno.h>
#include <signal.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mstr_ring.h"
#include "mstr_route.h"
#include "mstr_source.h"

/* Batches received from one other worker per turn of the loop, so that sources and the other
 * inputs get their turn too. */
enum { RECEIVE_PER_TURN = 16 };

typedef struct job_options {
    bool stats;
    int workers;                 /* 0: the job's default */
} job_options;

/* A FIFO of batches waiting for room in one ring. */
typedef struct xqueue {
    mstr_xbatch **items;
    size_t head, len, cap;
} xqueue;

/* A worker's private bookkeeping around the mstr_worker the generated code sees (first, so a
 * pointer to one is a pointer to the other). */
typedef struct worker_run {
    mstr_worker w;
    pthread_t thread;
    mstr_partition **parts;      /* the partitions this worker reads */
    size_t nparts;
    size_t *live;                /* per source: this worker's partitions not yet done */
    xqueue *pending;             /* per destination worker */
    size_t npending;             /* batches in all of pending */
    bool *wake;                  /* per worker: made work for it this turn, ring it at the end */
    mstr_out *outs;              /* per sink (not stdout ones): this worker's buffer */
    mstr_out stdout_out;         /* the buffer of all this worker's stdout sinks */
} worker_run;

typedef struct shared_sink {
    mstr_out out;                /* owns the descriptor; writes the header */
    pthread_mutex_t lock;        /* around every write to it */
} shared_sink;

struct mstr_job {
    const mstr_job_desc *desc;
    int workers;
    mstr_partition *parts;
    size_t nparts;
    shared_sink *sinks;
    pthread_mutex_t stdout_lock; /* around every write to standard output, from any sink */
    uint16_t owner[MSTR_KEY_GROUPS];
    mstr_ring *rings;            /* rings[from * workers + to] */
    mstr_ring *returns;          /* returns[receiver * workers + sender]: used batches going back
                                    to their sender, so that batch memory is reused, not freed */
    mstr_doorbell *bells;        /* one per worker */
    worker_run *runs;
    _Atomic bool failed;
    pthread_mutex_t fail_lock;
    char *fail_message;
};

static void *xalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (p == NULL) {
        fprintf(stderr, "mstr: out of memory\n");
        abort();
    }
    return p;
}

/* ---- command line ---------------------------------------------------------------------- */

static void usage(FILE *f, const char *argv0, const mstr_job_desc *desc)
{
    fprintf(f,
            "usage: %s [--workers N] [--stats] [--help]\n"
            "\n"
            "Runs the Malstrom-C job '%s' compiled from %s.\n"
            "\n"
            "  --workers N   run N worker threads (default %d, from the job)\n"
            "  --stats       print records per sink and malformed records per source on stderr\n"
            "  --help        show this help\n"
            "\n"
            "Exit status: 0 on success, 1 for bad data, environment or operator failure,\n"
            "2 for bad usage.\n",
            argv0, desc->name, desc->program, desc->workers);
}

static bool parse_workers(const char *s, int *out)
{
    char *end;
    errno = 0;
    long n = strtol(s, &end, 10);
    if (errno != 0 || *s == '\0' || *end != '\0' || n < 1 || n > MSTR_MAX_WORKERS)
        return false;
    *out = (int)n;
    return true;
}

/* Returns 0 to run, -1 for --help (exit 0), 2 for bad usage. */
static int parse_args(int argc, char **argv, const mstr_job_desc *desc, job_options *opt)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--stats") == 0) {
            opt->stats = true;
        } else if (strcmp(argv[i], "--workers") == 0) {
            if (i + 1 == argc || !parse_workers(argv[i + 1], &opt->workers)) {
                fprintf(stderr, "%s: --workers needs a number from 1 to %d\n", argv[0],
                        MSTR_MAX_WORKERS);
                return 2;
            }
            i++;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout, argv[0], desc);
            return -1;
        } else {
            fprintf(stderr, "%s: unknown argument '%s'\n", argv[0], argv[i]);
            usage(stderr, argv[0], desc);
            return 2;
        }
    }
    return 0;
}

/* ---- opening and closing ------------------------------------------------------------------ */

static bool open_shared_sink(shared_sink *s, const mstr_sink_desc *d)
{
    pthread_mutex_init(&s->lock, NULL);
    switch (d->kind) {
    case MSTR_SINK_STDOUT:
        mstr_out_init_fd(&s->out, STDOUT_FILENO, "<stdout>");
        return true;
    case MSTR_SINK_NULL:
        mstr_out_init_fd(&s->out, -1, "<null>");
        return true;
    case MSTR_SINK_TEXT:
    case MSTR_SINK_CSV:
    case MSTR_SINK_JSONL:
        if (!mstr_out_open(&s->out, d->path)) {
            mstr_out_init_fd(&s->out, -1, d->path);
            fprintf(stderr, "mstr: sink '%s': cannot write '%s': %s\n", d->name, d->path,
                    strerror(errno));
            return false;
        }
        if (d->write_header != NULL)
            d->write_header(&s->out);
        return mstr_out_flush(&s->out);
    }
    return false;
}

static size_t source_partition_count(const mstr_source_desc *src, int workers)
{
    switch (src->kind) {
    case MSTR_SOURCE_LINES:
    case MSTR_SOURCE_CSV:
        return src->npaths;
    case MSTR_SOURCE_RANGE:
    case MSTR_SOURCE_NEXMARK:
        return src->partitions ? src->partitions : (size_t)workers;
    case MSTR_SOURCE_LIST:
    case MSTR_SOURCE_STDIN:
        return 1;
    }
    return 0;
}

bool mstr_worker_reads_any(const mstr_worker *w, int worker, const size_t *sources, size_t n)
{
    const mstr_job_desc *d = w->job->desc;
    for (size_t i = 0; i < n; i++) /* partition k goes to worker k % workers */
        if ((size_t)worker < source_partition_count(&d->sources[sources[i]], w->ctx.workers))
            return true;
    return false;
}

/* Which worker reads partition k of src, and which indexes it covers. */
static void place_partition(mstr_partition *p, const mstr_source_desc *src, size_t k, int workers)
{
    p->source = src;
    p->index = k;
    p->worker = (int)(k % (size_t)workers);
    if (src->kind == MSTR_SOURCE_RANGE || src->kind == MSTR_SOURCE_NEXMARK) {
        unsigned __int128 count = src->count;
        size_t parts = source_partition_count(src, workers);
        p->next = (uint64_t)(count * k / parts);
        p->end = (uint64_t)(count * (k + 1) / parts);
    } else if (src->kind == MSTR_SOURCE_LIST) {
        p->end = src->count;
    }
}

static bool open_partitions(mstr_job *j)
{
    const mstr_job_desc *d = j->desc;
    for (size_t i = 0; i < d->nsources; i++)
        j->nparts += source_partition_count(&d->sources[i], j->workers);
    j->parts = xalloc(j->nparts * sizeof *j->parts);
    mstr_arena scratch;
    mstr_arena_init(&scratch);
    bool ok = true;
    size_t k = 0;
    for (size_t i = 0; i < d->nsources; i++) {
        size_t n = source_partition_count(&d->sources[i], j->workers);
        for (size_t part = 0; part < n; part++, k++) {
            place_partition(&j->parts[k], &d->sources[i], part, j->workers);
            ok = mstr_source_open(&j->parts[k], &scratch) && ok;
        }
    }
    mstr_arena_free(&scratch);
    return ok;
}

static void xbatch_free(mstr_xbatch *b)
{
    mstr_wbuf_free(&b->data);
    free(b);
}

/* An empty batch of exchange x from worker `from` to dest: one that dest sent back if there is
 * one, so that its memory (still warm in a cache) is reused, else a new one. */
static mstr_xbatch *xbatch_new(mstr_job *j, int x, int from, int dest)
{
    mstr_xbatch *b = mstr_ring_pop(&j->returns[dest * j->workers + from]);
    if (b == NULL) {
        /* A cache line of its own: the sender updates an open batch for every record, and a
         * neighbour that the other worker reads would otherwise share its line. Its data
         * buffer comes with the first record (a batch may carry only an epoch) and a reused
         * batch keeps it. */
        size_t size = (sizeof *b + 63) & ~(size_t)63;
        b = aligned_alloc(64, size);
        if (b == NULL)
            abort();
        memset(b, 0, size);
    }
    b->exchange = x;
    b->from = from;
    b->records = 0;
    b->has_epoch = false;
    b->data.len = 0;
    return b;
}

static void worker_setup(mstr_job *j, int id)
{
    const mstr_job_desc *d = j->desc;
    worker_run *r = &j->runs[id];
    mstr_worker *w = &r->w;
    mstr_arena_init(&w->arena);
    w->ctx = (mstr_ctx){ .worker = id, .workers = j->workers, .arena = &w->arena };
    w->job = j;
    w->owner = j->owner;
    w->sinks = xalloc(d->nsinks * sizeof *w->sinks);
    r->outs = xalloc(d->nsinks * sizeof *r->outs);
    mstr_out_init_fd(&r->stdout_out, STDOUT_FILENO, "<stdout>");
    r->stdout_out.lock = &j->stdout_lock;
    for (size_t i = 0; i < d->nsinks; i++) {
        w->sinks[i].desc = &d->sinks[i];
        if (d->sinks[i].kind == MSTR_SINK_STDOUT) {
            w->sinks[i].out = &r->stdout_out;
            continue;
        }
        mstr_out_init_fd(&r->outs[i], j->sinks[i].out.fd, j->sinks[i].out.path);
        r->outs[i].lock = &j->sinks[i].lock;
        w->sinks[i].out = &r->outs[i];
    }
    w->outbox = xalloc(d->nexchanges * (size_t)j->workers * sizeof *w->outbox);
    for (size_t x = 0; x < d->nexchanges; x++)
        for (int dest = 0; dest < j->workers; dest++)
            if (dest != id)
                w->outbox[x * (size_t)j->workers + (size_t)dest] = xbatch_new(j, (int)x, id, dest);
    r->live = xalloc(d->nsources * sizeof *r->live);
    r->parts = xalloc(j->nparts * sizeof *r->parts);
    for (size_t k = 0; k < j->nparts; k++) {
        if (j->parts[k].worker != id)
            continue;
        r->parts[r->nparts++] = &j->parts[k];
        r->live[j->parts[k].source - d->sources]++;
    }
    r->pending = xalloc((size_t)j->workers * sizeof *r->pending);
    r->wake = xalloc((size_t)j->workers * sizeof *r->wake);
    w->counters = xalloc(d->ncounters * sizeof *w->counters);
}

static bool close_out(mstr_out *o, const char *sink)
{
    if (mstr_out_close(o))
        return true;
    fprintf(stderr, "mstr: sink '%s': error writing '%s': %s\n", sink, o->path,
            strerror(o->errno_saved));
    return false;
}

/* Flushes the worker's sink buffers and adds up its tallies; returns false if a write failed. */
static bool worker_close_sinks(mstr_job *j, worker_run *r, uint64_t *records, uint64_t *checksum)
{
    bool ok = true;
    for (size_t i = 0; i < j->desc->nsinks; i++) {
        mstr_sink *s = &r->w.sinks[i];
        records[i] += s->records;
        checksum[i] += s->checksum;
        if (s->desc->kind != MSTR_SINK_STDOUT)
            ok = close_out(s->out, s->desc->name) && ok;
    }
    ok = close_out(&r->stdout_out, "stdout") && ok;
    free(r->outs);
    return ok;
}

static void worker_teardown(mstr_job *j, worker_run *r)
{
    mstr_worker *w = &r->w;
    for (size_t i = 0; i < j->desc->nexchanges * (size_t)j->workers; i++)
        if (w->outbox[i] != NULL)
            xbatch_free(w->outbox[i]);
    for (int dest = 0; dest < j->workers; dest++) {
        xqueue *q = &r->pending[dest];
        for (size_t i = 0; i < q->len; i++)
            xbatch_free(q->items[(q->head + i) % q->cap]);
        free(q->items);
    }
    free(r->pending);
    free(r->wake);
    free(w->counters);
    free(w->outbox);
    free(w->sinks);
    free(r->parts);
    free(r->live);
    mstr_arena_free(&w->arena);
}

/* ---- exchange -------------------------------------------------------------------------- */

static void xqueue_push(xqueue *q, mstr_xbatch *b)
{
    if (q->len == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 8;
        mstr_xbatch **items = xalloc(cap * sizeof *items);
        for (size_t i = 0; i < q->len; i++)
            items[i] = q->items[(q->head + i) % q->cap];
        free(q->items);
        q->items = items;
        q->cap = cap;
        q->head = 0;
    }
    q->items[(q->head + q->len++) % q->cap] = b;
}

/* Moves b to its ring, keeping order behind batches that already wait for room. */
static void xbatch_post(worker_run *r, int dest, mstr_xbatch *b)
{
    mstr_job *j = r->w.job;
    int me = r->w.ctx.worker;
    xqueue *q = &r->pending[dest];
    if (q->len == 0 && mstr_ring_push(&j->rings[me * j->workers + dest], b)) {
        r->wake[dest] = true;
        return;
    }
    xqueue_push(q, b);
    r->npending++;
}

void mstr_exchange_send(mstr_worker *w, int x, int dest)
{
    worker_run *r = (worker_run *)w;
    size_t slot = (size_t)x * (size_t)w->ctx.workers + (size_t)dest;
    mstr_xbatch *full = w->outbox[slot];
    w->outbox[slot] = xbatch_new(w->job, x, w->ctx.worker, dest);
    xbatch_post(r, dest, full);
}

/* Every epoch goes out (closing the open batch) rather than the last one of a turn: operators
 * downstream, a stateful_op's on_epoch for one, may act on each epoch they see. */
void mstr_exchange_epoch(mstr_worker *w, int x, int64_t epoch)
{
    for (int dest = 0; dest < w->ctx.workers; dest++) {
        if (dest == w->ctx.worker)
            continue;
        mstr_xbatch *b = mstr_exchange_batch(w, x, dest);
        b->has_epoch = true;
        b->epoch = epoch;
        mstr_exchange_send(w, x, dest);
    }
}

/* Sends every open batch that holds records (at the end of a turn: nothing lingers). */
static void flush_outboxes(worker_run *r)
{
    mstr_worker *w = &r->w;
    size_t n = w->job->desc->nexchanges;
    for (size_t x = 0; x < n; x++)
        for (int dest = 0; dest < w->ctx.workers; dest++)
            if (dest != w->ctx.worker && mstr_exchange_batch(w, (int)x, dest)->records > 0)
                mstr_exchange_send(w, (int)x, dest);
}

/* Moves waiting batches into rings that have room. Returns true if any moved. */
static bool send_pending(worker_run *r)
{
    mstr_job *j = r->w.job;
    int me = r->w.ctx.worker;
    bool moved = false;
    for (int dest = 0; dest < j->workers && r->npending > 0; dest++) {
        xqueue *q = &r->pending[dest];
        size_t before = q->len;
        while (q->len > 0 && mstr_ring_push(&j->rings[me * j->workers + dest], q->items[q->head])) {
            q->head = (q->head + 1) % q->cap;
            q->len--;
            r->npending--;
        }
        if (q->len < before) {
            r->wake[dest] = true;
            moved = true;
        }
    }
    return moved;
}

/* Processes batches that other workers sent. Returns true if there were any. */
static bool receive(worker_run *r)
{
    mstr_worker *w = &r->w;
    mstr_job *j = w->job;
    int me = w->ctx.worker;
    bool got = false;
    for (int from = 0; from < j->workers; from++) {
        if (from == me)
            continue;
        for (int n = 0; n < RECEIVE_PER_TURN; n++) {
            mstr_xbatch *b = mstr_ring_pop(&j->rings[from * j->workers + me]);
            if (b == NULL)
                break;
            r->wake[from] = true; /* it may be waiting for room */
            const mstr_exchange_desc *x = &j->desc->exchanges[b->exchange];
            if (b->records > 0)
                x->receive(w, b);
            if (b->has_epoch)
                x->epoch(w, from, b->epoch);
            mstr_arena_reset(&w->arena);
            if (!mstr_ring_push(&j->returns[me * j->workers + from], b))
                xbatch_free(b);
            got = true;
        }
    }
    return got;
}

/* ---- the worker loop ------------------------------------------------------------------- */

/* Reads one batch from each unfinished partition. Returns true if any was read. */
static bool poll_sources(worker_run *r)
{
    mstr_worker *w = &r->w;
    const mstr_source_desc *sources = w->job->desc->sources;
    bool polled = false;
    for (size_t i = 0; i < r->nparts; i++) {
        mstr_partition *p = r->parts[i];
        if (p->done)
            continue;
        p->source->poll(w, p);
        mstr_arena_reset(&w->arena);
        polled = true;
        if (p->done && --r->live[p->source - sources] == 0)
            p->source->finish(w);
    }
    return polled;
}

/* Rings the doorbell of every worker this turn made work for: once per turn, not per batch,
 * because each ring touches a cache line the other worker reads. */
static void wake_others(worker_run *r)
{
    mstr_job *j = r->w.job;
    for (int i = 0; i < j->workers; i++)
        if (r->wake[i]) {
            r->wake[i] = false;
            mstr_doorbell_ring(&j->bells[i]);
        }
}

static bool sources_done(const worker_run *r)
{
    for (size_t i = 0; i < r->nparts; i++)
        if (!r->parts[i]->done)
            return false;
    return true;
}

static void worker_loop(worker_run *r)
{
    mstr_worker *w = &r->w;
    mstr_job *j = w->job;
    mstr_doorbell *bell = &j->bells[w->ctx.worker];
    for (size_t s = 0; s < j->desc->nsources; s++)
        if (r->live[s] == 0)
            j->desc->sources[s].finish(w);
    while (!atomic_load(&j->failed)) {
        uint32_t seq = mstr_doorbell_seq(bell);
        bool progress = send_pending(r);
        progress |= receive(r);
        if (r->npending == 0)
            progress |= poll_sources(r);
        flush_outboxes(r);
        wake_others(r);
        if (r->npending == 0 && sources_done(r) && j->desc->exchanges_done(w))
            return;
        if (!progress)
            mstr_doorbell_wait(bell, seq);
    }
}

/* ---- crashes ------------------------------------------------------------------------------- */

/* The worker the calling thread runs, for the crash message only: a signal handler has no other
 * way to learn it. The one piece of per-thread global state in the runtime, and why. */
static _Thread_local int crash_worker = -1;

/* Appends s to buf (async-signal-safe). */
static size_t crash_append(char *buf, size_t len, size_t cap, const char *s)
{
    while (*s && len < cap)
        buf[len++] = *s++;
    return len;
}

static size_t crash_append_int(char *buf, size_t len, size_t cap, int v)
{
    char digits[16];
    size_t n = 0;
    unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
    do {
        digits[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u && n < sizeof digits);
    if (v < 0 && len < cap)
        buf[len++] = '-';
    while (n > 0 && len < cap)
        buf[len++] = digits[--n];
    return len;
}

/* Says which worker crashed and on which signal, then dies of that signal as it would have. */
static void crash_handler(int sig)
{
    char msg[160];
    size_t n = crash_append(msg, 0, sizeof msg, "mstr: worker ");
    n = crash_worker >= 0 ? crash_append_int(msg, n, sizeof msg, crash_worker)
                          : crash_append(msg, n, sizeof msg, "(main thread)");
    n = crash_append(msg, n, sizeof msg, " crashed: signal ");
    n = crash_append_int(msg, n, sizeof msg, sig);
    n = crash_append(msg, n, sizeof msg, " (");
    n = crash_append(msg, n, sizeof msg, sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
    n = crash_append(msg, n, sizeof msg, ")\n");
    ssize_t unused = write(STDERR_FILENO, msg, n);
    (void)unused;
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_crash_handler(void)
{
    static const int signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
    struct sigaction sa = { .sa_handler = crash_handler };
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        sigaction(signals[i], &sa, NULL);
}

static void *worker_main(void *arg)
{
    worker_run *r = arg;
    crash_worker = r->w.ctx.worker;
    const mstr_job_desc *d = r->w.job->desc;
    r->w.state = d->state_new(&r->w);
    worker_loop(r);
    d->state_free(&r->w, r->w.state);
    return NULL;
}

void mstr_fail(mstr_ctx *ctx, const char *op, const char *fmt, ...)
{
    mstr_worker *w = (mstr_worker *)ctx; /* ctx is a worker's first member */
    mstr_job *j = w->job;
    va_list ap;
    va_start(ap, fmt);
    mstr_str msg = mstr_str_vprintf(ctx, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&j->fail_lock);
    if (j->fail_message == NULL) {
        size_t n = strlen(op) + msg.len + 64;
        j->fail_message = xalloc(n);
        snprintf(j->fail_message, n, "operator '%s' failed on worker %d: %.*s", op, ctx->worker,
                 (int)msg.len, msg.ptr);
    }
    pthread_mutex_unlock(&j->fail_lock);
    atomic_store(&j->failed, true);
    for (int i = 0; i < j->workers; i++)
        mstr_doorbell_ring(&j->bells[i]);
}

/* ---- the job ----------------------------------------------------------------------------- */

static void job_start_workers(mstr_job *j)
{
    int n = j->workers;
    /* Rings keep head and tail on cache lines of their own: they need that alignment. */
    size_t ring_bytes = (size_t)n * (size_t)n * sizeof *j->rings;
    j->rings = aligned_alloc(alignof(mstr_ring), ring_bytes);
    if (j->rings == NULL)
        abort();
    memset(j->rings, 0, ring_bytes);
    j->returns = aligned_alloc(alignof(mstr_ring), ring_bytes);
    if (j->returns == NULL)
        abort();
    memset(j->returns, 0, ring_bytes);
    for (int i = 0; i < n * n; i++) {
        mstr_ring_init(&j->rings[i], MSTR_RING_BATCHES);
        mstr_ring_init(&j->returns[i], MSTR_RING_BATCHES);
    }
    j->bells = xalloc((size_t)n * sizeof *j->bells);
    j->runs = xalloc((size_t)n * sizeof *j->runs);
    for (int i = 0; i < n; i++) {
        mstr_doorbell_init(&j->bells[i]);
        worker_setup(j, i);
    }
    for (int i = 0; i < n; i++) {
        if (pthread_create(&j->runs[i].thread, NULL, worker_main, &j->runs[i]) != 0) {
            fprintf(stderr, "mstr: cannot start worker thread %d\n", i);
            abort();
        }
    }
}

/* Waits for the workers, frees what they used; returns false if a sink write failed. */
static bool job_join_workers(mstr_job *j, const job_options *opt, uint64_t *records,
                             uint64_t *checksum)
{
    bool ok = true;
    for (int i = 0; i < j->workers; i++)
        pthread_join(j->runs[i].thread, NULL);
    for (size_t k = 0; k < j->desc->ncounters && opt->stats; k++) {
        uint64_t sum = 0;
        for (int i = 0; i < j->workers; i++)
            sum += j->runs[i].w.counters[k];
        fprintf(stderr, "mstr: %s: %llu\n", j->desc->counters[k], (unsigned long long)sum);
    }
    for (int i = 0; i < j->workers; i++) {
        ok = worker_close_sinks(j, &j->runs[i], records, checksum) && ok;
        worker_teardown(j, &j->runs[i]);
    }
    /* Batches still in rings (only after a failure stopped the workers early), and those on
     * their way back to be reused. */
    for (int i = 0; i < j->workers * j->workers; i++) {
        mstr_ring *both[] = { &j->rings[i], &j->returns[i] };
        for (size_t k = 0; k < 2; k++) {
            mstr_xbatch *b;
            while ((b = mstr_ring_pop(both[k])) != NULL)
                xbatch_free(b);
            mstr_ring_free(both[k]);
        }
    }
    for (int i = 0; i < j->workers; i++)
        mstr_doorbell_free(&j->bells[i]);
    free(j->rings);
    free(j->returns);
    free(j->bells);
    free(j->runs);
    return ok;
}

/* Prints the malformed-record summary per source. Returns false if records were dropped. */
static bool job_report_malformed(const mstr_job *j)
{
    bool ok = true;
    for (size_t i = 0; i < j->desc->nsources; i++) {
        const mstr_source_desc *src = &j->desc->sources[i];
        uint64_t bad = 0;
        for (size_t k = 0; k < j->nparts; k++)
            if (j->parts[k].source == src)
                bad += j->parts[k].malformed;
        if (bad == 0)
            continue;
        if (src->dead_letter != NULL) {
            fprintf(stderr, "mstr: source '%s': %llu malformed record%s sent to '%s'\n",
                    src->name, (unsigned long long)bad, bad == 1 ? "" : "s", src->dead_letter);
        } else {
            fprintf(stderr, "mstr: source '%s': %llu malformed record%s dropped "
                            "(declare a dead_letter stream to keep them)\n",
                    src->name, (unsigned long long)bad, bad == 1 ? "" : "s");
            ok = false;
        }
    }
    return ok;
}

static bool job_close(mstr_job *j, const job_options *opt, const uint64_t *records,
                      const uint64_t *checksum)
{
    bool ok = true;
    for (size_t i = 0; i < j->nparts; i++)
        ok = mstr_source_close(&j->parts[i]) && ok;
    free(j->parts);
    for (size_t i = 0; i < j->desc->nsinks; i++) {
        shared_sink *s = &j->sinks[i];
        if (!mstr_out_close(&s->out)) {
            fprintf(stderr, "mstr: sink '%s': error writing '%s': %s\n", j->desc->sinks[i].name,
                    s->out.path, strerror(s->out.errno_saved));
            ok = false;
        }
        pthread_mutex_destroy(&s->lock);
        if (opt->stats)
            fprintf(stderr, "mstr: sink '%s': %llu records, checksum %016llx\n",
                    j->desc->sinks[i].name, (unsigned long long)records[i],
                    (unsigned long long)checksum[i]);
    }
    free(j->sinks);
    return ok;
}

int mstr_main(int argc, char **argv, const mstr_job_desc *desc)
{
    job_options opt = { 0 };
    int rc = parse_args(argc, argv, desc, &opt);
    if (rc != 0)
        return rc < 0 ? 0 : rc;

    install_crash_handler();
    mstr_job j = { .desc = desc, .workers = opt.workers ? opt.workers : desc->workers };
    pthread_mutex_init(&j.fail_lock, NULL);
    pthread_mutex_init(&j.stdout_lock, NULL);
    mstr_route_table(j.owner, j.workers);
    j.sinks = xalloc(desc->nsinks * sizeof *j.sinks);
    bool ok = true;
    for (size_t i = 0; i < desc->nsinks; i++)
        ok = open_shared_sink(&j.sinks[i], &desc->sinks[i]) && ok;
    ok = open_partitions(&j) && ok;

    uint64_t *records = xalloc(desc->nsinks * sizeof *records);
    uint64_t *checksum = xalloc(desc->nsinks * sizeof *checksum);
    if (ok) {
        job_start_workers(&j);
        ok = job_join_workers(&j, &opt, records, checksum);
    }
    if (j.fail_message != NULL) {
        fprintf(stderr, "mstr: %s\n", j.fail_message);
        free(j.fail_message);
        ok = false;
    }
    ok = job_report_malformed(&j) && ok;
    ok = job_close(&j, &opt, records, checksum) && ok;
    free(records);
    free(checksum);
    pthread_mutex_destroy(&j.fail_lock);
    pthread_mutex_destroy(&j.stdout_lock);
    return ok ? 0 : 1;
}
