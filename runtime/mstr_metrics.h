/*
 * mstr_metrics.h - each process of a job serves its figures (mstr_stats.h) to Prometheus over
 * HTTP, on `--metrics-port`:
 *
 *   GET /metrics    the text exposition format (version 0.0.4): records read per source,
 *                   malformed records (dead letters), records in per operator, written per sink,
 *                   late records and other events, each worker's frontier and time held back by
 *                   backpressure, exchange bytes and batches per link, snapshot figures
 *   GET /healthz    "ok" while the process runs
 *
 * It listens on the host of the process's exchange address (loopback when it has none), so a
 * job that serves the other processes on every interface serves its metrics there too. Under
 * the supervisor (`--processes N`), process I serves on port P + I.
 *
 * One thread answers one request at a time, each in a few microseconds, and closes the
 * connection: scrapes come every few seconds.
 */
#ifndef MSTR_METRICS_H
#define MSTR_METRICS_H

#include "mstr_desc.h"
#include "mstr_stats.h"

typedef struct mstr_metrics mstr_metrics;

/* Serves m's figures on host:port. Returns NULL and sets *error (to free) if it cannot listen. */
mstr_metrics *mstr_metrics_start(const char *host, int port, mstr_meter *m,
                                 const mstr_job_desc *d, int processes, int workers,
                                 char **error);

void mstr_metrics_stop(mstr_metrics *x);

#endif
