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
    b->nmarks = 0;
    b->ctl = (mstr_ctl){ MSTR_CTL_NONE, 0 };
    b->data.len = 0;
}

void mstr_xbatch_mark(mstr_xbatch *b, size_t records, int64_t epoch)
{
    if (b->nmarks == b->marks_cap) {
        b->marks_cap = b->marks_cap > 0 ? 2 * b->marks_cap : 16;
        b->marks = mstr_realloc(b->marks, b->marks_cap * sizeof *b->marks);
    }
    b->marks[b->nmarks++] = (mstr_xmark){ records, epoch };
}

void mstr_xbatch_free(mstr_xbatch *b)
{
    if (b == NULL)
        return;
    free(b->marks);
    mstr_wbuf_free(&b->data);
    free(b);
}
