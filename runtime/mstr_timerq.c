/*
 * mstr_timerq.c - a binary min-heap of timer entries (mstr_timerq.h): sift up on push, sift
 * down on pop, ordered by time, then key group, then key hash.
 */
#include "mstr_timerq.h"

#include <stdlib.h>
#include <string.h>

#include "mstr_mem.h"

void mstr_timerq_init(mstr_timerq *q, size_t entry_size)
{
    *q = (mstr_timerq){ .entry_size = entry_size };
}

void mstr_timerq_free(mstr_timerq *q)
{
    free(q->entries);
    *q = (mstr_timerq){ .entry_size = q->entry_size };
}

static bool before(const mstr_timerq *q, size_t a, size_t b)
{
    const mstr_timer_head *x = mstr_timerq_at(q, a), *y = mstr_timerq_at(q, b);
    if (x->time != y->time)
        return x->time < y->time;
    if (x->group != y->group)
        return x->group < y->group;
    return x->hash < y->hash;
}

/* Swaps entries a and b through the spare entry at index count (push and pop keep one). */
static void swap(mstr_timerq *q, size_t a, size_t b)
{
    void *spare = mstr_timerq_at(q, q->count);
    memcpy(spare, mstr_timerq_at(q, a), q->entry_size);
    memcpy(mstr_timerq_at(q, a), mstr_timerq_at(q, b), q->entry_size);
    memcpy(mstr_timerq_at(q, b), spare, q->entry_size);
}

void mstr_timerq_push(mstr_timerq *q, const void *entry)
{
    if (q->count + 2 > q->capacity) { /* the new entry and the spare */
        q->capacity = q->capacity == 0 ? 16 : q->capacity * 2;
        q->entries = mstr_realloc(q->entries, q->capacity * q->entry_size);
    }
    size_t i = q->count++;
    memcpy(mstr_timerq_at(q, i), entry, q->entry_size);
    while (i > 0 && before(q, i, (i - 1) / 2)) {
        swap(q, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

void mstr_timerq_pop(mstr_timerq *q, void *out)
{
    memcpy(out, mstr_timerq_at(q, 0), q->entry_size);
    q->count--;
    if (q->count == 0)
        return;
    memcpy(mstr_timerq_at(q, 0), mstr_timerq_at(q, q->count), q->entry_size);
    for (size_t i = 0;;) {
        size_t least = i, l = 2 * i + 1, r = l + 1;
        if (l < q->count && before(q, l, least))
            least = l;
        if (r < q->count && before(q, r, least))
            least = r;
        if (least == i)
            return;
        swap(q, i, least);
        i = least;
    }
}
