/*
 * mstr_frontier.h - the frontier of an operator with several inputs: the least epoch over
 * them.
 *
 * One rule serves every place where streams meet: an exchange (one input per sending worker),
 * a union (one per stream merged) and a join (its two sides). Each input's latest epoch is
 * kept; the frontier is their minimum, and it only moves forward. The exchange layer keeps one
 * per exchange; generated code keeps one per union and join in the worker's state.
 *
 * Thread use: a frontier belongs to one worker.
 */
#ifndef MSTR_FRONTIER_H
#define MSTR_FRONTIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mstr_ctl.h"

typedef struct mstr_frontier {
    int64_t *in;        /* latest epoch per input; MSTR_EPOCH_MIN before the first */
    size_t n;
    int64_t out;        /* the frontier: the least of in[], never lowered */
} mstr_frontier;

/* Points f at storage for n inputs, all at MSTR_EPOCH_MIN, frontier MSTR_EPOCH_MIN. */
static inline void mstr_frontier_init(mstr_frontier *f, int64_t *in, size_t n)
{
    f->in = in;
    f->n = n;
    for (size_t i = 0; i < n; i++)
        in[i] = MSTR_EPOCH_MIN;
    f->out = MSTR_EPOCH_MIN;
}

/* Input i reached epoch. Returns true if the frontier moved forward (to f->out). */
static inline bool mstr_frontier_advance(mstr_frontier *f, size_t i, int64_t epoch)
{
    f->in[i] = epoch;
    int64_t least = MSTR_EPOCH_MAX;
    for (size_t k = 0; k < f->n; k++)
        least = f->in[k] < least ? f->in[k] : least;
    if (least <= f->out)
        return false;
    f->out = least;
    return true;
}

#endif
