/*
 * mstr_place.h - where a job's source partitions are read: how many partitions each source
 * has, which worker reads each, and which part of a range each covers.
 *
 * The one place that decides it: the job opens partitions by it, and the exchange layer asks
 * it which workers read nothing that feeds an exchange. The rule: a lines or CSV source has
 * one partition per file, a list or stdin one, a range or nexmark source one per worker (or
 * `partitions N`), cut into contiguous parts of as equal a size as the count allows, a custom
 * source the N of its `custom(N)`. Partition k is read in process k mod P (of P), by its worker
 * (k / P) mod W (of its W; job-wide index that plus the process times W): in a job of one
 * process by worker k mod W; and a job of several processes that changes its workers per
 * process reads each partition in the process it was read in. A job restored
 * from a snapshot keeps the partition counts its state was created with, whatever its workers
 * now (mstr_snapshot_layout), so that every position in the snapshot has its partition.
 */
#ifndef MSTR_PLACE_H
#define MSTR_PLACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mstr_desc.h"

/* How many partitions src has on a job of `workers` workers. */
size_t mstr_place_count(const mstr_source_desc *src, int workers);

/* mstr_place_count of each of d's sources, in an array to free. */
size_t *mstr_place_counts(const mstr_job_desc *d, int workers);

/* The job-wide index of the worker that reads partition k, among `processes` processes of
 * `per_process` workers; and the process it is read in, which does not depend on them. */
int mstr_place_worker(size_t k, int processes, int per_process);
int mstr_place_process(size_t k, int processes);

/* The indexes partition k of `parts` covers of a list or range source: [*first, *end). Every
 * partition of a nexmark source spans all its events, of which it generates only its own
 * blocks (mstr_nexmark.h). */
void mstr_place_span(const mstr_source_desc *src, size_t k, size_t parts, uint64_t *first,
                     uint64_t *end);

/* True if worker `worker` (job-wide, of `processes` processes of `per_process`) reads a
 * partition of any of the n sources listed (indexes into the job's sources), given each
 * source's partition count. */
bool mstr_place_reads_any(const size_t *counts, int worker, int processes, int per_process,
                          const size_t *sources, size_t n);

#endif
