/*
 * mstr_align.c - barrier alignment at one worker (see mstr_align.h).
 */
#include "mstr_align.h"

#include <stdlib.h>

#include "mstr_mem.h"

static size_t at(const mstr_align *a, size_t x, int s)
{
    return x * (size_t)a->workers + (size_t)s;
}

void mstr_align_init(mstr_align *a, const mstr_job_desc *d, int me, int workers)
{
    size_t nx = d->nexchanges, n = (size_t)workers;
    *a = (mstr_align){ .desc = d, .me = me, .workers = workers, .nexchanges = nx };
    a->sent = mstr_alloc_array(nx, sizeof *a->sent);
    a->ended_here = mstr_alloc_array(nx, sizeof *a->ended_here);
    a->arrived = mstr_alloc_array(nx * n, sizeof *a->arrived);
    a->ended = mstr_alloc_array(nx * n, sizeof *a->ended);
    a->missing = mstr_alloc_array(nx, sizeof *a->missing);
    a->owing = mstr_alloc_array(n, sizeof *a->owing);
}

void mstr_align_free(mstr_align *a)
{
    free(a->sent);
    free(a->ended_here);
    free(a->arrived);
    free(a->ended);
    free(a->missing);
    free(a->owing);
}

static void begin(mstr_align *a, mstr_ctl_kind kind, uint64_t n)
{
    a->kind = kind;
    a->snapshot = n;
    for (int s = 0; s < a->workers; s++)
        a->owing[s] = 0;
    for (size_t x = 0; x < a->nexchanges; x++) {
        a->sent[x] = a->ended_here[x];
        a->missing[x] = 0;
        for (int s = 0; s < a->workers; s++) {
            bool done = s == a->me || a->ended[at(a, x, s)];
            a->arrived[at(a, x, s)] = done;
            if (done)
                continue;
            a->missing[x]++;
            a->owing[s]++;
        }
    }
}

void mstr_align_begin(mstr_align *a, uint64_t n)
{
    begin(a, MSTR_CTL_BARRIER, n);
}

void mstr_align_begin_rescale(mstr_align *a, uint64_t n)
{
    begin(a, MSTR_CTL_RESCALE, n);
}

bool mstr_align_may_send(const mstr_align *a, size_t x)
{
    if (a->snapshot == 0 || a->sent[x])
        return false;
    const mstr_exchange_desc *xd = &a->desc->exchanges[x];
    for (size_t i = 0; i < xd->nupstream; i++)
        if (!mstr_align_aligned(a, xd->upstream[i]))
            return false;
    return true;
}

void mstr_align_sent(mstr_align *a, size_t x)
{
    a->sent[x] = true;
}

/* s's barrier or END on x counts as arrived for the snapshot being aligned. */
static void arrive(mstr_align *a, size_t x, int s)
{
    if (a->snapshot == 0 || a->arrived[at(a, x, s)])
        return;
    a->arrived[at(a, x, s)] = true;
    a->missing[x]--;
    a->owing[s]--;
}

void mstr_align_barrier(mstr_align *a, size_t x, int s)
{
    arrive(a, x, s);
}

void mstr_align_end(mstr_align *a, size_t x, int s)
{
    if (s == a->me) {
        a->ended_here[x] = true;
        if (a->snapshot != 0)
            a->sent[x] = true;
        return;
    }
    a->ended[at(a, x, s)] = true;
    arrive(a, x, s);
}

bool mstr_align_holds(const mstr_align *a, int s)
{
    return a->snapshot != 0 && s != a->me && a->owing[s] == 0;
}

bool mstr_align_aligned(const mstr_align *a, size_t x)
{
    return a->snapshot != 0 && a->sent[x] && a->missing[x] == 0;
}

bool mstr_align_complete(const mstr_align *a)
{
    for (size_t x = 0; x < a->nexchanges; x++)
        if (!mstr_align_aligned(a, x))
            return false;
    return a->snapshot != 0;
}

void mstr_align_finish(mstr_align *a)
{
    a->snapshot = 0;
}
