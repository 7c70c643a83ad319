/*
 * mstr_summary.h - what a job says about itself at its end, for machines: with --stats=json,
 * one JSON object on a line of standard error, after the job's other messages:
 *
 *   {"job":"NAME","ok":true,"signal":null,
 *    "sinks":[{"name":"out","records":N,"checksum":"0123456789abcdef"},...],
 *    "counters":[{"name":"window 'w': late records dropped","value":N},...],
 *    "malformed":[{"source":"trades","records":N,"dead_letter":"bad_rows"},...],
 *    "snapshots":{"taken":N,"last":N,"last_ms":N,"entries":N,"bytes":N}}
 *
 * (one line; "signal" is "SIGTERM" or "SIGINT" when one stopped the job; "snapshots" is null
 * without a state directory, and on a process other than 0). The same figures as --stats
 * prints as text.
 */
#ifndef MSTR_SUMMARY_H
#define MSTR_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mstr_desc.h"

typedef struct mstr_summary {
    bool ok;
    int signal;                 /* the signal that stopped the job, or 0 */
    const uint64_t *records;    /* per sink of the job */
    const uint64_t *checksum;   /* per sink */
    const uint64_t *counters;   /* per counter */
    const uint64_t *malformed;  /* per source */
    bool snapshots;             /* whether the figures below are the job's */
    uint64_t taken, last, entries, bytes;
    int64_t last_ms;
} mstr_summary;

/* Writes s, the summary of job d, as one line of JSON to f. */
void mstr_summary_json(FILE *f, const mstr_job_desc *d, const mstr_summary *s);

#endif
