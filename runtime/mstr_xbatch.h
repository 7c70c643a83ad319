/*
 * mstr_xbatch.h - an exchange batch: encoded records of one exchange from one worker to
 * another, framed with where they come from and go to, and optionally one control message
 * (mstr_ctl.h) that follows the records.
 *
 * Generated code fills a batch's data with records (key, value, timestamp, encoded as
 * mstr_codec.h says); the exchange layer (mstr_exchange.h) hands it to a channel
 * (mstr_channel.h), which carries it to the destination worker unchanged and in order.
 */
#ifndef MSTR_XBATCH_H
#define MSTR_XBATCH_H

#include <stddef.h>

#include "mstr_codec.h"
#include "mstr_ctl.h"

/* Records per exchange batch, and its byte size at which it is sent early. */
enum { MSTR_XBATCH_RECORDS = 1024, MSTR_XBATCH_BYTES = 64 * 1024 };

typedef struct mstr_xbatch {
    int exchange;       /* index into mstr_job_desc.exchanges */
    int from;           /* sending worker (job-wide index) */
    int to;             /* receiving worker */
    size_t records;
    mstr_ctl ctl;       /* kind MSTR_CTL_NONE when the batch carries none */
    mstr_wbuf data;
} mstr_xbatch;

/* An empty batch of its own cache line (the sender updates an open batch for every record; a
 * neighbour that another thread reads would otherwise share its line). Its data buffer comes
 * with the first record: a batch may carry only a control message. */
mstr_xbatch *mstr_xbatch_new(void);

/* Makes b an empty batch of exchange x from `from` to `to`, keeping its buffer's memory. */
void mstr_xbatch_reset(mstr_xbatch *b, int x, int from, int to);

void mstr_xbatch_free(mstr_xbatch *b);

#endif
