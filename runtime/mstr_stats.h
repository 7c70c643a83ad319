/*
 * mstr_stats.h - what a process of a job can say about itself while it runs: records read per
 * source, malformed records, records taken in per operator, written per sink, the job's
 * counters, each worker's frontier and the time it was held back by backpressure, bytes and
 * batches per link to every other process, and its snapshots. The metrics endpoint
 * (mstr_metrics.h), the control API's Status (mstr_control.h) and the progress line read it.
 *
 * Two parts. mstr_stats is a copy of the figures, plain numbers that can be kept, sent to the
 * leader (encoded) and added up. mstr_meter is where a process reads them from: the workers of
 * the round that runs, their partitions and exchange hub, attached at the start of a round and
 * detached before they are freed, and the snapshot figures the coordinator hands it. Counts are
 * those of the round that runs (since its snapshot was restored: a rollback starts them over);
 * between rounds the meter shows the last round's.
 *
 * Thread use: the meter is attached, detached and told of snapshots by the main thread, and read
 * from any thread; its lock keeps the workers from going away under a reader.
 */
#ifndef MSTR_STATS_H
#define MSTR_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mstr_channel_net.h"
#include "mstr_codec.h"
#include "mstr_desc.h"
#include "mstr_source.h"

typedef struct mstr_stats {
    int process, processes;
    int workers;                    /* this process's */
    uint64_t round;                 /* the round it is in (1 for a job of one process) */
    uint64_t *source_read;          /* [nsources] */
    uint64_t *malformed;            /* [nsources] */
    uint64_t *op_in;                /* [noperators] */
    uint64_t *sink_records;         /* [nsinks] */
    uint64_t *counters;             /* [ncounters] */
    int64_t *frontier;              /* [workers]: MSTR_EPOCH_MIN before any, and without an exchange */
    uint64_t *blocked_ns;           /* [workers] */
    uint64_t *out_bytes, *out_batches;  /* [processes]: sent to each other process */
    uint64_t *in_bytes, *in_batches;    /* [processes]: received from it */
    uint64_t snapshot;              /* the last one committed (on a follower: its part written) */
    uint64_t snapshots;             /* taken by this process since it started */
    uint64_t snapshot_ms;           /* how long the last one took */
    uint64_t snapshot_bytes;        /* how much the last one wrote (the leader: every process's) */
    uint64_t snapshot_bytes_total;
} mstr_stats;

/* Sets up s for job d on `processes` processes of `workers` workers, all zero. */
void mstr_stats_init(mstr_stats *s, const mstr_job_desc *d, int processes, int workers);
void mstr_stats_free(mstr_stats *s);

/* Encodes s (made for d) into b, and decodes it back into s (set up with mstr_stats_init for
 * the same job and processes; its workers become those of r, which a live rescale changes).
 * decode returns false if r does not hold stats of that shape. */
void mstr_stats_encode(const mstr_stats *s, const mstr_job_desc *d, mstr_wbuf *b);
bool mstr_stats_decode(mstr_stats *s, const mstr_job_desc *d, mstr_rbuf *r);

/* The figures in Prometheus' text exposition format (to free): see mstr_metrics.h. */
char *mstr_stats_prometheus(const mstr_stats *s, const mstr_job_desc *d);

/* ---- the meter ---------------------------------------------------------------------------- */

typedef struct mstr_meter mstr_meter;

mstr_meter *mstr_meter_new(const mstr_job_desc *d, int process, int processes, int workers);
void mstr_meter_free(mstr_meter *m);

/* The round's n workers (this process's, made; n changes when the job rescales), partitions
 * and hub (NULL alone). */
void mstr_meter_attach(mstr_meter *m, uint64_t round, mstr_worker *workers, int n,
                       mstr_partition *parts, size_t nparts, mstr_net_hub *hub);

/* A live rescale took the round from `from` workers to `to` (the workers array the same, the
 * new ones made), the job to `processes` processes, the process's partitions to nparts (the
 * array the same) and its exchange to hub: the tallies of those that left (to .. from-1, their
 * threads ended) and what went over the old hub's links are kept, before they are freed. */
void mstr_meter_rescale(mstr_meter *m, int processes, int from, int to, size_t nparts,
                        mstr_net_hub *hub);

/* Keeps the round's last figures and lets go of its workers (before they are freed). */
void mstr_meter_detach(mstr_meter *m);

/* Snapshot n was committed (or a follower's part of it written): it took ms and wrote bytes. */
void mstr_meter_snapshot(mstr_meter *m, uint64_t n, uint64_t ms, uint64_t bytes);

/* Reads the figures into s (set up by mstr_stats_init for the meter's job; made to hold the
 * round's workers). */
void mstr_meter_read(mstr_meter *m, mstr_stats *s);

#endif
