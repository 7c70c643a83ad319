/*
 * mstr_align.h - barrier alignment at one worker: which of its exchanges have received
 * snapshot N's barrier from every sending worker, on which exchanges it may send its own
 * barrier, and which senders it must stop reading until its snapshot is taken.
 *
 * The protocol (ABS, arXiv 1506.08603, cut at the worker). When a worker starts snapshot N it
 * records its source positions and stops reading its sources. It sends barrier N on an
 * exchange once everything it sends on that exchange before the cut has been sent: at once
 * for an exchange fed only by sources, and for one fed by other exchanges once those are
 * aligned here (their pre-cut records, and what they made, have gone through). An exchange is
 * aligned here when this worker has sent its barrier on it and every other worker's barrier on
 * it has arrived. Records that follow a sender's barrier belong after the cut, so a sender
 * whose barriers have arrived on every exchange is not read again until the snapshot is taken;
 * it sends nothing after its last barrier but post-cut records, so holding it never holds back
 * a barrier someone waits for. When every exchange is aligned the worker's whole state is that
 * of the cut: it writes it, and goes on.
 *
 * An exchange a sender has ended (END: it sends nothing more on it) counts as delivered by
 * that sender from then on, in every snapshot; this worker ending an exchange counts as
 * sending its barrier there.
 *
 * Everything here is bookkeeping: no locks, no I/O. Thread use: one worker's.
 */
#ifndef MSTR_ALIGN_H
#define MSTR_ALIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mstr_ctl.h"
#include "mstr_desc.h"

typedef struct mstr_align {
    const mstr_job_desc *desc;  /* for the exchanges that feed each exchange */
    int me, workers;
    size_t nexchanges;
    mstr_ctl_kind kind;         /* what is being aligned: a snapshot (BARRIER), or a live
                                   rescale (RESCALE, mstr_rescale.h: the same protocol) */
    uint64_t snapshot;          /* its number; 0 when nothing is being aligned */
    bool *sent;                 /* [x]: this worker sent its barrier on x (or ended x) */
    bool *ended_here;           /* [x]: this worker ended x */
    bool *arrived;              /* [x * workers + s]: s's barrier (or END) on x arrived */
    bool *ended;                /* [x * workers + s]: s ended x */
    size_t *missing;            /* [x]: other workers whose barrier on x has not arrived */
    size_t *owing;              /* [s]: exchanges on which s's barrier has not arrived */
} mstr_align;

void mstr_align_init(mstr_align *a, const mstr_job_desc *d, int me, int workers);
void mstr_align_free(mstr_align *a);

/* Starts aligning snapshot n (> the last one). */
void mstr_align_begin(mstr_align *a, uint64_t n);

/* Starts aligning rescale n instead (mstr_rescale.h). */
void mstr_align_begin_rescale(mstr_align *a, uint64_t n);

/* Whether this worker may send its barrier on x now: it has not, and every exchange that
 * feeds x is aligned. */
bool mstr_align_may_send(const mstr_align *a, size_t x);

/* This worker sent its barrier on x. */
void mstr_align_sent(mstr_align *a, size_t x);

/* Worker s's barrier on x arrived. */
void mstr_align_barrier(mstr_align *a, size_t x, int s);

/* Worker s ended x (s == me: this worker did). Valid with or without a snapshot going on. */
void mstr_align_end(mstr_align *a, size_t x, int s);

/* Whether s must not be read now: a snapshot is being aligned and s's barriers have all
 * arrived. */
bool mstr_align_holds(const mstr_align *a, int s);

/* Whether x is aligned: this worker sent its barrier there and every other worker's arrived. */
bool mstr_align_aligned(const mstr_align *a, size_t x);

/* Whether every exchange is aligned: the snapshot can be taken (and alignment ends). */
bool mstr_align_complete(const mstr_align *a);

/* Ends the snapshot being aligned: no sender is held any more. */
void mstr_align_finish(mstr_align *a);

#endif
