/*
 * mstr_tally.h - counts that one thread writes and any thread may read: records per source,
 * operator and sink, the job's counters. The worker that owns a tally adds to it (generated
 * code, once per batch or per rare event); the metrics, the status and the summary read it
 * while the worker runs. Relaxed atomics make the reads well defined and cost the writer
 * nothing on x86 (a plain load and store: there is only ever one writer).
 */
#ifndef MSTR_TALLY_H
#define MSTR_TALLY_H

#include <stdatomic.h>
#include <stdint.h>

typedef _Atomic uint64_t mstr_tally_t;

/* Adds n to t. Only t's owner may call this. */
static inline void mstr_tally(mstr_tally_t *t, uint64_t n)
{
    atomic_store_explicit(t, atomic_load_explicit(t, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

static inline uint64_t mstr_tally_read(const mstr_tally_t *t)
{
    return atomic_load_explicit((mstr_tally_t *)t, memory_order_relaxed);
}

#endif
