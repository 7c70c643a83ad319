/*
 * mstr_timerq.h - the queue of a stateful_op's event-time timers on one worker: a binary
 * min-heap of fixed-size entries, each an mstr_timer_head (the time, the key's group and hash)
 * followed by the caller's key. The least entry is the earliest timer; ties go by key group,
 * then by key hash, so that timers due at one epoch fire in an order that does not depend on
 * when they were set.
 *
 * Why a heap of entries beside the state tables rather than a scan of the tables: an epoch
 * then costs O(timers due * log(entries)), not O(keys). The queue is not the truth, the slots
 * are: a slot holds its key's one pending timer, and an entry only says "look at this key
 * then". Moving a timer later pushes nothing (the old entry, when it comes up, finds the
 * timer later and pushes it again), dropping a key leaves its entry to be found stale, and
 * snapshots write the slots, never the queue, which a restored worker builds again from its
 * tables (templates/op_stateful_op_timers.c.in).
 *
 * Thread use: a queue belongs to one worker.
 */
#ifndef MSTR_TIMERQ_H
#define MSTR_TIMERQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What every entry starts with. */
typedef struct mstr_timer_head {
    int64_t time;      /* when the timer is due: once the frontier reaches it */
    uint32_t group;    /* the key group of its key: the table to look in */
    uint64_t hash;     /* the key's hash */
} mstr_timer_head;

typedef struct mstr_timerq {
    unsigned char *entries; /* count entries of entry_size bytes, in heap order */
    size_t count;
    size_t capacity;
    size_t entry_size;      /* >= sizeof(mstr_timer_head) */
} mstr_timerq;

/* An empty queue of entries of entry_size bytes (each starting with an mstr_timer_head). */
void mstr_timerq_init(mstr_timerq *q, size_t entry_size);

/* Frees the queue's memory (not what entries point to: the caller frees that first, going
 * over mstr_timerq_at(q, 0 .. count - 1)). */
void mstr_timerq_free(mstr_timerq *q);

/* Adds a copy of entry (entry_size bytes). Aborts with a message if memory is exhausted. */
void mstr_timerq_push(mstr_timerq *q, const void *entry);

/* The earliest entry, or NULL when the queue is empty. Valid until the next push or pop. */
static inline const mstr_timer_head *mstr_timerq_peek(const mstr_timerq *q)
{
    return q->count == 0 ? NULL : (const mstr_timer_head *)q->entries;
}

/* Removes the earliest entry, copying it to out (entry_size bytes). The queue must not be
 * empty. */
void mstr_timerq_pop(mstr_timerq *q, void *out);

/* Entry i (0 .. count - 1) in no particular order: for freeing what entries own. */
static inline void *mstr_timerq_at(const mstr_timerq *q, size_t i)
{
    return q->entries + i * q->entry_size;
}

#endif
