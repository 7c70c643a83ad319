/*
 * mstr_job.h - a job: its sources, sinks, exchanges and worker threads, and the loop that runs
 * them.
 *
 * A generated program describes its job with constant tables (mstr_job_desc) and hands them to
 * mstr_main, which parses the command line, opens every input and output before the first record
 * moves (so a missing file is an error before any output), starts one thread per worker, and
 * prints a summary. Everything per record is generated code; the runtime is called per batch.
 *
 * Each worker runs the whole program for what it owns: its source partitions, and the keys that
 * key_by sends it. A key_by is an *exchange*: generated code encodes each record for another
 * worker into that worker's open batch (mstr_exchange_batch), and the runtime moves full batches
 * through the single-producer single-consumer ring of that pair of workers. A batch may carry an
 * epoch after its records; epochs, like records, keep their order on each ring.
 *
 * A worker that has nothing to do sleeps on its doorbell; a worker whose output ring is full
 * keeps the batch, stops reading its sources and goes on receiving (so two workers sending to
 * each other cannot deadlock) until the ring has room. A worker is finished when its sources are
 * done, it has nothing left to send, and the generated code says every exchange reached the
 * epoch MSTR_EPOCH_MAX at this worker.
 *
 * Thread use: a worker and everything it points to belong to its thread, except the rings,
 * doorbells and the job's failure flag, which are made for sharing.
 */
#ifndef MSTR_JOB_H
#define MSTR_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mstr_codec.h"
#include "mstr_out.h"
#include "mstr_read.h"
#include "mstr_str.h"

/* Records a source reads per poll: large enough that per-batch costs vanish, small enough that
 * a batch of strings stays in cache. */
enum { MSTR_BATCH = 1024 };

/* Records per exchange batch, and its byte size at which it is sent early. */
enum { MSTR_XBATCH_RECORDS = 1024, MSTR_XBATCH_BYTES = 64 * 1024 };

/* Batches a ring between two workers holds before its sender has to wait. */
enum { MSTR_RING_BATCHES = 64 };

/* The most workers a job may run. */
enum { MSTR_MAX_WORKERS = 1024 };

/* Epochs: a finite stream ends with MSTR_EPOCH_MAX; MSTR_EPOCH_MIN means "none yet". */
#define MSTR_EPOCH_MIN INT64_MIN
#define MSTR_EPOCH_MAX INT64_MAX

/* The largest multiple of p (> 0) that is <= t: where the window of size p holding t starts. */
static inline int64_t mstr_floor_multiple(int64_t t, int64_t p)
{
    int64_t q = t / p;
    if (t % p < 0)
        q--;
    return q * p;
}

/* The key of records on a stream that has none (printed as NoKey). */
typedef uint8_t mstr_nokey;

typedef enum mstr_sink_kind {
    MSTR_SINK_STDOUT, MSTR_SINK_NULL, MSTR_SINK_TEXT, MSTR_SINK_CSV, MSTR_SINK_JSONL
} mstr_sink_kind;

typedef struct mstr_sink_desc {
    const char *name;
    mstr_sink_kind kind;
    const char *path;                   /* text, csv, jsonl */
    void (*write_header)(mstr_out *o);  /* csv: writes the header row; NULL otherwise */
} mstr_sink_desc;

/* One worker's view of a sink. Generated code writes records to out: each worker has its own
 * buffer on the shared descriptor (see MSTR_OUT_RECORD_FLUSH), and all stdout sinks of a worker
 * share one buffer, so that their records keep the order in which they were written. */
typedef struct mstr_sink {
    const mstr_sink_desc *desc;
    mstr_out *out;
    uint64_t records;
    uint64_t checksum;                  /* null sink: wrapping sum of the records' hashes */
} mstr_sink;

typedef enum mstr_source_kind {
    MSTR_SOURCE_LIST, MSTR_SOURCE_RANGE, MSTR_SOURCE_LINES, MSTR_SOURCE_STDIN, MSTR_SOURCE_CSV,
    MSTR_SOURCE_NEXMARK                 /* partitioned like a range, over event numbers */
} mstr_source_kind;

typedef struct mstr_worker mstr_worker;
typedef struct mstr_partition mstr_partition;

typedef struct mstr_source_desc {
    const char *name;
    mstr_source_kind kind;
    uint64_t count;                     /* list, range: how many values; nexmark: events */
    size_t partitions;                  /* range: parts to cut it into (0: one per worker) */
    const char *const *paths;           /* lines, csv: one partition per path */
    size_t npaths;
    const char *const *columns;         /* csv: the column name of each leaf field, in order */
    size_t ncolumns;
    const char *dead_letter;            /* the dead-letter stream's name, or NULL */
    /* Reads and processes at most MSTR_BATCH records of p; sets p->done at the end. */
    void (*poll)(mstr_worker *w, mstr_partition *p);
    /* Called once per worker when all of the worker's partitions of this source are done (at
     * once if it has none): sends the epoch MSTR_EPOCH_MAX down the source's streams. */
    void (*finish)(mstr_worker *w);
} mstr_source_desc;

/* One partition of a source: a file, stdin, the whole of a list, or a worker's part of a range. */
struct mstr_partition {
    const mstr_source_desc *source;
    size_t index;                       /* which of the source's partitions */
    int worker;                         /* the worker that reads it */
    const char *path;                   /* file sources; "<stdin>" for stdin */
    mstr_reader reader;                 /* lines, stdin, csv */
    bool reader_open;
    size_t *columns;                    /* csv: leaf field i is in column columns[i] */
    size_t ncolumns_in_file;            /* csv: fields per row, from the header */
    uint64_t next;                      /* index of the next record (its timestamp) */
    uint64_t end;                       /* list, range: one past the last index of this part */
    uint64_t malformed;                 /* records that could not be decoded */
    bool done;
};

/* A batch of encoded records for one exchange, from one worker to another, and optionally an
 * epoch that follows them. */
typedef struct mstr_xbatch {
    int exchange;
    int from;
    size_t records;
    bool has_epoch;
    int64_t epoch;
    mstr_wbuf data;
} mstr_xbatch;

typedef struct mstr_exchange_desc {
    const char *name;                   /* the key_by operator */
    /* Decodes b's records and runs them through what follows the exchange. */
    void (*receive)(mstr_worker *w, const mstr_xbatch *b);
    /* Tells what follows the exchange that worker `from` reached `epoch`. */
    void (*epoch)(mstr_worker *w, int from, int64_t epoch);
} mstr_exchange_desc;

typedef struct mstr_job_desc {
    const char *name;
    const char *program;                /* the .mstr file it was compiled from */
    int workers;                        /* from the job block; 1 if unset */
    const mstr_source_desc *sources;
    size_t nsources;
    const mstr_sink_desc *sinks;
    size_t nsinks;
    const mstr_exchange_desc *exchanges;
    size_t nexchanges;
    /* The generated per-worker state (keyed state tables, frontiers): made when the worker
     * starts, freed when it ends. */
    void *(*state_new)(mstr_worker *w);
    void (*state_free)(mstr_worker *w, void *state);
    /* True when every exchange has reached MSTR_EPOCH_MAX at this worker. */
    bool (*exchanges_done)(mstr_worker *w);
    /* Named counters that generated code increments (late records dropped, epochs ignored);
     * --stats prints their sums over the workers. */
    const char *const *counters;
    size_t ncounters;
} mstr_job_desc;

typedef struct mstr_job mstr_job;

/* The per-thread state the generated functions receive. */
struct mstr_worker {
    mstr_ctx ctx;                       /* what operator bodies see as ctx */
    mstr_arena arena;                   /* the current batch's strings; reset after each batch */
    mstr_sink *sinks;                   /* this worker's views, indexed like mstr_job_desc.sinks */
    void *state;                        /* from mstr_job_desc.state_new */
    const uint16_t *owner;              /* key group -> worker (mstr_route.h) */
    mstr_xbatch **outbox;               /* open batch per (exchange, destination worker) */
    uint64_t *counters;                 /* indexed like mstr_job_desc.counters */
    mstr_job *job;
};

/* Runs the job: parses argv (see --help), opens sources and sinks, runs the workers, closes
 * everything and prints the summary. Returns the process exit status: 0 on success, 1 for
 * errors in the data, the environment or an operator (missing file, malformed records with no
 * dead-letter stream, write error, mstr_fail), 2 for bad usage. */
int mstr_main(int argc, char **argv, const mstr_job_desc *desc);

/* The open batch of exchange x towards worker dest (never the calling worker itself). */
static inline mstr_xbatch *mstr_exchange_batch(mstr_worker *w, int x, int dest)
{
    return w->outbox[x * w->ctx.workers + dest];
}

/* Hands w's open batch of exchange x for dest to the runtime (to its ring, or to the list of
 * batches waiting for room) and opens a new one. Call when the batch is full. */
void mstr_exchange_send(mstr_worker *w, int x, int dest);

/* True if worker `worker` reads a partition of any of the sources listed (indexes into
 * mstr_job_desc.sources). An exchange fed only by such sources can count a worker that reads
 * none of them as finished from the start, so that it does not hold the frontier back. */
bool mstr_worker_reads_any(const mstr_worker *w, int worker, const size_t *sources, size_t n);

/* Sends epoch on exchange x to every other worker, after the records already batched for it. */
void mstr_exchange_epoch(mstr_worker *w, int x, int64_t epoch);

/* Reports a failure in operator op and stops the job: every worker stops after its current
 * batch, and the job exits with status 1 after printing
 * `mstr: operator 'OP' failed on worker N: MESSAGE`. The first failure wins. ctx is the
 * calling worker's context (operator bodies reach this through their fail(...) macro). */
void mstr_fail(mstr_ctx *ctx, const char *op, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
