/*
 * mstr_job.h - a job: its sources, sinks and workers, and the loop that runs them.
 *
 * A generated program describes its job with constant tables (mstr_job_desc) and hands them to
 * mstr_main, which parses the command line, opens every input and output before the first record
 * moves (so a missing file is an error before any output), runs the worker loop, and prints a
 * summary. Everything per record is generated code; the runtime is called per batch.
 *
 * The generated code sees two things of the runtime here: the worker (its context, arena and
 * sinks) and the partition it polls (reader and position; see mstr_source.h for reading it).
 *
 * Thread use: a worker and the partitions it polls belong to one thread.
 */
#ifndef MSTR_JOB_H
#define MSTR_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mstr_out.h"
#include "mstr_read.h"
#include "mstr_str.h"

/* Records a source reads per poll: large enough that per-batch costs vanish, small enough that
 * a batch of strings stays in cache. */
enum { MSTR_BATCH = 1024 };

typedef enum mstr_sink_kind {
    MSTR_SINK_STDOUT, MSTR_SINK_NULL, MSTR_SINK_TEXT, MSTR_SINK_CSV, MSTR_SINK_JSONL
} mstr_sink_kind;

typedef struct mstr_sink_desc {
    const char *name;
    mstr_sink_kind kind;
    const char *path;                   /* text, csv, jsonl */
    void (*write_header)(mstr_out *o);  /* csv: writes the header row; NULL otherwise */
} mstr_sink_desc;

/* A sink while the job runs. Generated code writes records to out and counts them. */
typedef struct mstr_sink {
    const mstr_sink_desc *desc;
    mstr_out out;
    uint64_t records;
    uint64_t checksum;                  /* null sink: wrapping sum of the records' hashes */
} mstr_sink;

typedef enum mstr_source_kind {
    MSTR_SOURCE_LIST, MSTR_SOURCE_RANGE, MSTR_SOURCE_LINES, MSTR_SOURCE_STDIN, MSTR_SOURCE_CSV
} mstr_source_kind;

typedef struct mstr_worker mstr_worker;
typedef struct mstr_partition mstr_partition;

typedef struct mstr_source_desc {
    const char *name;
    mstr_source_kind kind;
    const char *const *paths;           /* lines, csv: one partition per path */
    size_t npaths;
    const char *const *columns;         /* csv: the column name of each leaf field, in order */
    size_t ncolumns;
    const char *dead_letter;            /* the dead-letter stream's name, or NULL */
    /* Reads and processes at most MSTR_BATCH records of p; sets p->done at the end. */
    void (*poll)(mstr_worker *w, mstr_partition *p);
} mstr_source_desc;

/* One partition of a source: a file, stdin, or the whole of a list or range. */
struct mstr_partition {
    const mstr_source_desc *source;
    size_t index;                       /* which of the source's partitions */
    const char *path;                   /* file sources; "<stdin>" for stdin */
    mstr_reader reader;                 /* lines, stdin, csv */
    bool reader_open;
    size_t *columns;                    /* csv: leaf field i is in column columns[i] */
    size_t ncolumns_in_file;            /* csv: fields per row, from the header */
    uint64_t next;                      /* index of the next record (its timestamp) */
    uint64_t malformed;                 /* records that could not be decoded */
    bool done;
};

typedef struct mstr_job_desc {
    const char *name;
    const char *program;                /* the .mstr file it was compiled from */
    int workers;                        /* from the job block; 1 if unset */
    const mstr_source_desc *sources;
    size_t nsources;
    const mstr_sink_desc *sinks;
    size_t nsinks;
} mstr_job_desc;

/* The per-thread state the generated functions receive. */
struct mstr_worker {
    mstr_ctx ctx;                       /* what operator bodies see as ctx */
    mstr_arena arena;                   /* the current batch's strings; reset after each poll */
    mstr_sink *sinks;                   /* indexed like mstr_job_desc.sinks */
};

/* Runs the job: parses argv (see --help), opens sources and sinks, processes every record,
 * closes everything and prints the summary. Returns the process exit status: 0 on success,
 * 1 for errors in the data or the environment (missing file, malformed records with no
 * dead-letter stream, write error), 2 for bad usage. */
int mstr_main(int argc, char **argv, const mstr_job_desc *desc);

#endif
