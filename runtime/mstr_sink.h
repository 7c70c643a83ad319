/*
 * mstr_sink.h - a job's outputs: the files and standard output its sinks write, each worker's
 * buffers in front of them, and, with snapshots, how file sinks' output becomes part of their
 * files only when the snapshot that covers it is committed.
 *
 * The job opens every output once and closes it at the end. Each worker writes through
 * buffers of its own (mstr_sink_views): on standard output and null sinks always, and on a
 * file sink's file too when the job takes no snapshots, flushed at record boundaries under the
 * output's lock (see MSTR_OUT_RECORD_FLUSH); all stdout sinks of a worker share one buffer, so
 * that their records keep the order in which they were written.
 *
 * Exactly once (two phases, with a state directory). A worker writes a file sink's records to a
 * staging file of its own for the snapshot interval it is in: STAGING/SINK.W.N holds what worker
 * W (its process times MSTR_MAX_WORKERS plus its index there, which a live rescale over
 * processes leaves it, though it renumbers the workers of the job) wrote after its cut of
 * snapshot N-1 and before its cut of N, made durable at the cut (a
 * worker that a live rescale makes where one of its index left in the same interval writes on
 * at the end of that one's file: mstr_rescale.h). Once N is committed, publishing N appends
 * the staging files of every interval up to N, worker by worker (every such file there: a live
 * rescale changes the workers within an interval), to the sink's file, records the files'
 * lengths in the store (synced), and then deletes them.
 * After a crash, resuming from a committed snapshot C cuts every file back to its length when
 * the newest snapshot up to C was published (C itself, or one before it if the crash came
 * between C's commit and its publication; never a later one, which a resume that falls back to
 * C because the later ones are unusable would otherwise keep), publishes what C covers and
 * drops what came after C: the files then hold exactly the output of the records up to C, and
 * the run goes on from there. Standard output cannot be taken back: it is written at once, and
 * after a resume shows again what was written after C.
 *
 * Custom sinks (the program's own blocks) write nothing through the set: their write block runs
 * for every record in the worker's generated code, on the worker's own state of the sink (a
 * value of the program's state type, snapshotted with the worker's other fields), and the
 * runtime runs their other blocks, each in the worker's thread:
 *
 *   open      once, before the worker's first record; resumed is the snapshot the job resumed
 *             from (its state is the one that snapshot holds), 0 on a fresh start
 *   prepare   at the worker's cut of snapshot N, before its state goes into the snapshot: what
 *             write wrote until then must survive a crash (flush, sync) ...
 *   commit    ... because once N is committed, the worker runs commit for N: what was written
 *             before its cut of N is to be made final. Commits run in snapshot order, once per
 *             snapshot, and again for the snapshot a job resumes from, right after open (the
 *             crash may have come before the first run ended): so a commit must be idempotent.
 *             The generated code hands commit the state as it was at the cut (as the snapshot
 *             holds it), so that both runs of a commit see the same thing.
 *   close     once, when the worker ends, whatever happened (after a failure too)
 *
 * Without snapshots there is one prepare and one commit, both with snapshot 0, at the end of
 * the job. A failed job commits nothing.
 *
 * Over several processes the staging directory is shared: every process's workers stage there,
 * and the leader, which alone opens the files, publishes them all. Each open or resume closes
 * what an earlier round of the job opened.
 *
 * Thread use: the set is opened, published and closed by the main thread; a worker's views
 * belong to its thread; the locks are made for sharing.
 */
#ifndef MSTR_SINK_H
#define MSTR_SINK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "mstr_desc.h"
#include "mstr_out.h"
#include "mstr_store.h"
#include "mstr_tally.h"

/* One worker's view of a sink: generated code writes records to out and tallies them. */
typedef struct mstr_sink {
    const mstr_sink_desc *desc;
    mstr_out *out;
    mstr_tally_t records;               /* records given to the sink */
    uint64_t checksum;                  /* null sink: wrapping sum of the records' hashes */
    uint64_t held;                      /* of them, those in out's buffer, not yet written */
    uint64_t lost;                      /* those whose write failed: not counted as written */
    bool reported;                      /* out's write error has been reported */
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
    const char *staging;                /* the staging directory; NULL without snapshots */
    uint64_t published;                 /* the last snapshot whose output is in the files */
    uint64_t *lengths;                  /* each sink's file length then (0 if not a file) */
} mstr_sink_set;

/* Whether sinks of this kind write a file (and commit with snapshots). */
bool mstr_sink_is_file(const mstr_sink_desc *d);

/* Sets up the outputs of job d, opening nothing yet. staging is the staging directory, or NULL
 * when the job takes no snapshots. Close the set in the end. */
void mstr_sink_set_init(mstr_sink_set *set, const mstr_job_desc *d, const char *staging);

/* Opens every sink's output: files are created or truncated. With staging, the lengths of the
 * fresh files are recorded in store as published by snapshot 0, and what earlier runs staged
 * is dropped. Returns false (after a message on stderr) if an output cannot be written, or,
 * before any file is touched, if an existing file would be written by two sinks or overwritten
 * while a source reads it (compared by device and inode, so links and other spellings of a
 * path count). */
bool mstr_sink_set_open(mstr_sink_set *set, mstr_store *store);

/* Opens only the standard output of the sinks that write there: a process of a job over several
 * processes other than the leader, whose file sinks write staging files only. */
void mstr_sink_set_open_stdout(mstr_sink_set *set);

/* Opens the outputs of a job resumed from committed snapshot c (see above): files are cut back
 * to their published length, what c covers is published, later staging files are dropped.
 * Returns false and sets *error if that cannot be done. */
bool mstr_sink_set_resume(mstr_sink_set *set, mstr_store *store, uint64_t c, char **error);

/* Publishes the output of every interval up to committed snapshot n (see above). Returns false
 * and sets *error if it cannot (the output is then published when the job resumes). */
bool mstr_sink_set_publish(mstr_sink_set *set, mstr_store *store, uint64_t n, char **error);

/* Closes every output; with stats, prints each sink's records and checksum (records and
 * checksum indexed like the sinks, summed over the workers). Returns false (after a message)
 * if a write failed. */
bool mstr_sink_set_close(mstr_sink_set *set, bool stats, const uint64_t *records,
                         const uint64_t *checksum);

/* One worker's buffers on the set's outputs. */
typedef struct mstr_sink_views {
    mstr_sink_set *set;
    int worker;
    uint64_t interval;                  /* staging: the snapshot interval being written */
    mstr_sink *sinks;                   /* indexed like mstr_job_desc.sinks */
    mstr_out *outs;                     /* per sink (not stdout ones): this worker's buffer */
    mstr_out stdout_out;                /* the buffer of all this worker's stdout sinks */
    size_t n;
    size_t ncustom;                     /* custom sinks among them */
    uint64_t committed;                 /* custom sinks: the last snapshot committed here */
} mstr_sink_views;

/* Sets up the views of the worker whose staging files are named `worker` (see Exactly once),
 * writing nowhere yet. */
void mstr_sink_views_init(mstr_sink_views *v, mstr_sink_set *set, int worker);

/* Points the views at the set's outputs (opened), or with staging at the worker's files of
 * interval `interval` (the snapshot after the one the job resumed from, or 1). Returns false
 * (after a message) if a staging file cannot be created. */
bool mstr_sink_views_begin(mstr_sink_views *v, uint64_t interval);

/* Writes out the buffer of worker w's sink i (generated code calls it at a record boundary,
 * once the buffer holds MSTR_OUT_RECORD_FLUSH bytes). A write error fails the job (mstr_fail.h:
 * `sink 'NAME': error writing 'PATH': REASON`), and the records the buffer held, with those
 * given to the sink afterwards, are not counted as written. Worker w's thread. */
void mstr_sink_flush(mstr_worker *w, size_t i);

/* mstr_sink_flush for every sink of worker w with something in its buffer: w is about to sleep
 * (for input, or for work). Worker w's thread. */
void mstr_sink_flush_all(mstr_worker *w);

/* The worker leaves the job (a live rescale, mstr_rescale.h; its other buffers flushed): its
 * stdout lines are written, and its staging files of the interval made durable and closed,
 * for the next snapshot to publish. Returns false (after a message) if a write failed. */
bool mstr_sink_views_end(mstr_sink_views *v);

/* The worker's cut of snapshot n: its stdout lines so far are written (a rollback to snapshot n
 * prints only what came after them again), its staging files of interval n are made durable and
 * closed, and interval n + 1 begins. Returns false (after a message) if a write failed. */
bool mstr_sink_views_cut(mstr_sink_views *v, uint64_t n);

/* The blocks of the worker's custom sinks (see the top), w being the worker whose views v are.
 * open runs open (and commit for resumed, if not 0); prepare runs prepare for snapshot n;
 * commit runs commit for n if n is a snapshot after the last one committed here; finish runs,
 * at the worker's end after the job stopped, the commit for n (the last snapshot committed), or
 * without snapshots prepare and commit for 0; close runs close. */
void mstr_sink_custom_open(mstr_sink_views *v, mstr_worker *w, uint64_t resumed);
void mstr_sink_custom_prepare(mstr_sink_views *v, mstr_worker *w, uint64_t n);
void mstr_sink_custom_commit(mstr_sink_views *v, mstr_worker *w, uint64_t n);
void mstr_sink_custom_finish(mstr_sink_views *v, mstr_worker *w, uint64_t n);
void mstr_sink_custom_close(mstr_sink_views *v, mstr_worker *w);

/* For a crash in the views' worker: writes what the buffers of standard output and of file
 * sinks without staging hold straight to their descriptors, without locks or allocation
 * (async-signal-safe). Staged output is left: the snapshot it belongs to was never taken. The
 * buffers end at a record boundary unless the crash came while a sink wrote a record. */
void mstr_sink_views_crash_flush(mstr_sink_views *v);

/* Flushes the views' buffers, adds their tallies of records written (not those a write error
 * lost) to records, and checksums to checksum (indexed like the sinks), and frees them. Returns
 * false if a write failed (after a message, unless mstr_sink_flush reported it). */
bool mstr_sink_views_close(mstr_sink_views *v, uint64_t *records, uint64_t *checksum);

#endif
