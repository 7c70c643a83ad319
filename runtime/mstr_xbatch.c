/*
 * mstr_xbatch.c - exchange batches (see mstr_xbatch.h).
 */
#include "mstr_xbatch.h"

#include <stdlib.h>

#include "mstr_mem.h"

mstr_xbatch *mstr_xbatch_new(void)
{
    return mstr_alloc_aligned(64, sizeof(mstr_xbatch));
}

void mstr_xbatch_reset(mstr_xbatch *b, int x, int from, int to)
{
    b->exchange = x;
    b->from = from;
    b->to = to;
    b->records = 0;
    b->ctl = (mstr_ctl){ MSTR_CTL_NONE, 0 };
    b->data.len = 0;
}

void mstr_xbatch_free(mstr_xbatch *b)
{
    if (b == NULL)
        return;
    mstr_wbuf_free(&b->data);
    free(b);
}
