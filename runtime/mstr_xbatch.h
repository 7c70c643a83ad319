/*
 * mstr_xbatch.h - an exchange batch: encoded records of one exchange from one worker to
 * another, framed with where they come from and go to, the sender's epochs in their places
 * among the records, and optionally one control message (mstr_ctl.h) that follows them all.
 *
 * An epoch rides on the batch the records around it fill (a mark: after how many of the
 * batch's records it came), instead of closing the batch: a sender that issues an epoch after
 * most records (an `epochs` operator on time-ordered input does) would otherwise send batches
 * of a few records each. The receiver runs the records and epochs in the order they were sent.
 *
 * Generated code fills a batch's data with records (key, value, timestamp, encoded as
 * mstr_codec.h says); the exchange layer (mstr_exchange.h) hands it to a channel
 * (mstr_channel.h), which carries it to the destination worker unchanged and in order.
 */
#ifndef MSTR_XBATCH_H
#define MSTR_XBATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mstr_codec.h"
#include "mstr_ctl.h"

/* Records per exchange batch, its byte size at which it is sent early, and the epochs it
 * carries at most. */
enum { MSTR_XBATCH_RECORDS = 1024, MSTR_XBATCH_BYTES = 64 * 1024, MSTR_XBATCH_MARKS = 1024 };

/* An epoch of the sender, reached after the first `records` records of its batch. */
typedef struct mstr_xmark {
    size_t records;
    int64_t epoch;
} mstr_xmark;

typedef struct mstr_xbatch {
    int exchange;       /* index into mstr_job_desc.exchanges */
    int from;           /* sending worker (job-wide index) */
    int to;             /* receiving worker */
    size_t records;
    mstr_xmark *marks;  /* in the order sent: records never decrease */
    size_t nmarks, marks_cap;
    mstr_ctl ctl;       /* kind MSTR_CTL_NONE when the batch carries none */
    mstr_wbuf data;
} mstr_xbatch;

/* An empty batch of its own cache line (the sender updates an open batch for every record; a
 * neighbour that another thread reads would otherwise share its line). Its data buffer comes
 * with the first record: a batch may carry only a control message. */
mstr_xbatch *mstr_xbatch_new(void);

/* Makes b an empty batch of exchange x from `from` to `to`, keeping its buffers' memory. */
void mstr_xbatch_reset(mstr_xbatch *b, int x, int from, int to);

/* Notes that the sender reached epoch after the first `records` records of b. */
void mstr_xbatch_mark(mstr_xbatch *b, size_t records, int64_t epoch);

/* Whether b holds anything to send: records or epochs. */
static inline bool mstr_xbatch_holds(const mstr_xbatch *b)
{
    return b->records > 0 || b->nmarks > 0;
}

void mstr_xbatch_free(mstr_xbatch *b);

#endif
