/*
 * mstr_place.c - placement of source partitions on workers (see mstr_place.h).
 */
#include "mstr_place.h"

#include "mstr_mem.h"

size_t mstr_place_count(const mstr_source_desc *src, int workers)
{
    switch (src->kind) {
    case MSTR_SOURCE_LINES:
    case MSTR_SOURCE_CSV:
        return src->npaths;
    case MSTR_SOURCE_RANGE:
    case MSTR_SOURCE_NEXMARK:
    case MSTR_SOURCE_CUSTOM:
        return src->partitions ? src->partitions : (size_t)workers;
    case MSTR_SOURCE_LIST:
    case MSTR_SOURCE_STDIN:
        return 1;
    }
    return 0;
}

size_t *mstr_place_counts(const mstr_job_desc *d, int workers)
{
    size_t *counts = mstr_alloc_array(d->nsources, sizeof *counts);
    for (size_t i = 0; i < d->nsources; i++)
        counts[i] = mstr_place_count(&d->sources[i], workers);
    return counts;
}

int mstr_place_process(size_t k, int processes)
{
    return (int)(k % (size_t)processes);
}

int mstr_place_worker(size_t k, int processes, int per_process)
{
    size_t w = (size_t)per_process;
    return mstr_place_process(k, processes) * per_process + (int)(k / (size_t)processes % w);
}

void mstr_place_span(const mstr_source_desc *src, size_t k, size_t parts, uint64_t *first,
                     uint64_t *end)
{
    unsigned __int128 count = src->count;
    if (src->kind == MSTR_SOURCE_NEXMARK) { /* its poll takes its own blocks (mstr_nexmark.h) */
        *first = 0;
        *end = src->count;
        return;
    }
    *first = (uint64_t)(count * k / parts);
    *end = (uint64_t)(count * (k + 1) / parts);
}

/* Worker i of process p reads partitions p + P * (i + W * m): one of a source's exactly when
 * the first, p + P * i, is below their count. */
bool mstr_place_reads_any(const size_t *counts, int worker, int processes, int per_process,
                          const size_t *sources, size_t n)
{
    size_t first = (size_t)(worker / per_process) + (size_t)processes * (size_t)(worker % per_process);
    for (size_t i = 0; i < n; i++)
        if (first < counts[sources[i]])
            return true;
    return false;
}
