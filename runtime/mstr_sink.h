/*
 * mstr_sink.h - a job's outputs: the files and standard output its sinks write, and each
 * worker's buffers in front of them.
 *
 * The job opens every output once (mstr_sink_set_open: a file sink's file is created and its
 * CSV header written) and closes it at the end. Each worker writes through buffers of its own
 * (mstr_sink_views) on the shared descriptors, flushed at record boundaries under the output's
 * lock (see MSTR_OUT_RECORD_FLUSH), and all stdout sinks of a worker share one buffer, so that
 * their records keep the order in which they were written.
 *
 * Thread use: the set is opened and closed by the main thread; a worker's views belong to its
 * thread; the locks are made for sharing.
 */
#ifndef MSTR_SINK_H
#define MSTR_SINK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "mstr_desc.h"
#include "mstr_out.h"

/* One worker's view of a sink: generated code writes records to out and tallies them. */
typedef struct mstr_sink {
    const mstr_sink_desc *desc;
    mstr_out *out;
    uint64_t records;
    uint64_t checksum;                  /* null sink: wrapping sum of the records' hashes */
} mstr_sink;

typedef struct mstr_shared_out {
    mstr_out out;                       /* owns the descriptor; writes the header */
    pthread_mutex_t lock;               /* around every write to it */
} mstr_shared_out;

/* The job's outputs, one per sink (indexed like mstr_job_desc.sinks). */
typedef struct mstr_sink_set {
    const mstr_job_desc *desc;
    mstr_shared_out *outs;
    pthread_mutex_t stdout_lock;        /* around every write to standard output, from any sink */
} mstr_sink_set;

/* Opens every sink's output. Returns false (after a message on stderr) if one cannot be
 * written; close the set either way. */
bool mstr_sink_set_open(mstr_sink_set *set, const mstr_job_desc *d);

/* Closes every output; with stats, prints each sink's records and checksum (records and
 * checksum indexed like the sinks, summed over the workers). Returns false (after a message)
 * if a write failed. */
bool mstr_sink_set_close(mstr_sink_set *set, bool stats, const uint64_t *records,
                         const uint64_t *checksum);

/* One worker's buffers on the set's outputs. */
typedef struct mstr_sink_views {
    mstr_sink *sinks;                   /* indexed like mstr_job_desc.sinks */
    mstr_out *outs;                     /* per sink (not stdout ones): this worker's buffer */
    mstr_out stdout_out;                /* the buffer of all this worker's stdout sinks */
    size_t n;
} mstr_sink_views;

void mstr_sink_views_init(mstr_sink_views *v, mstr_sink_set *set);

/* Flushes the views' buffers, adds their tallies to records and checksum (indexed like the
 * sinks) and frees them. Returns false (after a message) if a write failed. */
bool mstr_sink_views_close(mstr_sink_views *v, uint64_t *records, uint64_t *checksum);

#endif
