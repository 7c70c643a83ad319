/*
 * mstr_ctl.h - control messages: what travels in band with the records between workers.
 *
 * A control message rides on an exchange batch after the batch's records, so it keeps its
 * place in the order of that link: every record sent before it arrives before it. The kinds:
 *
 *   EPOCH t     the sender promises no more records with a timestamp <= t on this exchange
 *   END         the sender has nothing more on this exchange (its frontier is MSTR_EPOCH_MAX)
 *   BARRIER n   snapshot n: everything sent before it belongs to the state of snapshot n
 *   RESCALE v   the sender routes by owner table version v from here on
 *
 * Inside a worker's fused code the end of a stream is the epoch MSTR_EPOCH_MAX (operators
 * see one number); on the links it is END, so that a finished sender is told apart from one
 * that only advanced its frontier. The exchange layer (mstr_exchange.c) translates, and it is
 * the one place that merges control messages over a worker's inputs (mstr_frontier.h).
 */
#ifndef MSTR_CTL_H
#define MSTR_CTL_H

#include <stdint.h>

/* Epochs: a finite stream ends with MSTR_EPOCH_MAX; MSTR_EPOCH_MIN means "none yet". */
#define MSTR_EPOCH_MIN INT64_MIN
#define MSTR_EPOCH_MAX INT64_MAX

typedef enum mstr_ctl_kind {
    MSTR_CTL_NONE,      /* a batch of records only */
    MSTR_CTL_EPOCH,
    MSTR_CTL_END,
    MSTR_CTL_BARRIER,
    MSTR_CTL_RESCALE,
} mstr_ctl_kind;

typedef struct mstr_ctl {
    mstr_ctl_kind kind;
    int64_t value;      /* the epoch, snapshot number or owner table version */
} mstr_ctl;

/* The control message that carries epoch t on a link: END for MSTR_EPOCH_MAX. */
static inline mstr_ctl mstr_ctl_epoch(int64_t t)
{
    return t == MSTR_EPOCH_MAX ? (mstr_ctl){ MSTR_CTL_END, 0 } : (mstr_ctl){ MSTR_CTL_EPOCH, t };
}

#endif
