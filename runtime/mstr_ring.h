/*
 * mstr_ring.h - moving batches between worker threads: a bounded single-producer
 * single-consumer ring of pointers, and the doorbell a thread sleeps on while it has nothing
 * to do.
 *
 * One ring per ordered pair of workers carries that pair's batches, so ring operations need no
 * lock: the producer owns the head, the consumer the tail (C11 acquire/release atomics, each on
 * its own cache line). A full ring refuses a push; the producer keeps the batch and stops
 * reading its sources until there is room (backpressure), so memory stays bounded and nothing
 * is dropped.
 *
 * A doorbell is a counter with a futex-style wait: a thread reads the counter, looks for work,
 * and if it found none waits until the counter changes. Whoever makes work for the thread
 * (pushes to its input ring, pops from its full output ring, stops the job) rings it. Reading
 * the counter before looking is what makes a wakeup impossible to lose.
 */
#ifndef MSTR_RING_H
#define MSTR_RING_H

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 64-byte aligned (head and tail on separate cache lines), which malloc and calloc do not
 * guarantee: allocate rings, or arrays of them, with aligned_alloc(alignof(mstr_ring), size)
 * with size a multiple of sizeof(mstr_ring), or UBSan reports misaligned access. */
typedef struct mstr_ring {
    alignas(64) _Atomic size_t head; /* next slot the producer writes */
    alignas(64) _Atomic size_t tail; /* next slot the consumer reads */
    alignas(64) void **items;
    size_t mask;                     /* capacity - 1 */
} mstr_ring;

/* capacity is rounded up to a power of two (at least 2). Aborts if memory is exhausted. */
void mstr_ring_init(mstr_ring *r, size_t capacity);
void mstr_ring_free(mstr_ring *r);

/* Producer only: appends item (not NULL). Returns false if the ring is full. */
bool mstr_ring_push(mstr_ring *r, void *item);

/* Consumer only: removes and returns the oldest item, or NULL if the ring is empty. */
void *mstr_ring_pop(mstr_ring *r);

/* Either side: true if the ring holds nothing (a snapshot; may be stale at once). */
bool mstr_ring_empty(mstr_ring *r);

typedef struct mstr_doorbell {
    _Atomic uint32_t seq;
    _Atomic uint32_t waiters;   /* threads inside mstr_doorbell_wait: ringing skips the lock
                                   while there are none */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    _Atomic uint32_t fd_waiters; /* threads inside mstr_doorbell_wait_fds */
    int wake_fd;                 /* an eventfd a ring writes while there are, or -1 */
} mstr_doorbell;

void mstr_doorbell_init(mstr_doorbell *d);
void mstr_doorbell_free(mstr_doorbell *d);

/* The counter to pass to mstr_doorbell_wait; read it before looking for work. */
uint32_t mstr_doorbell_seq(mstr_doorbell *d);

/* Wakes the doorbell's thread (any thread may ring). */
void mstr_doorbell_ring(mstr_doorbell *d);

/* Sleeps until the counter differs from seq (returns at once if it already does). */
void mstr_doorbell_wait(mstr_doorbell *d, uint32_t seq);

/* The same, and also returns when one of fds[0 .. nfds) is readable (or at end, or in error),
 * or after timeout_ms (-1: no time limit): a worker whose input is a quiet pipe sleeps until
 * the input or its doorbell wakes it, one with a clock to follow until the clock has moved
 * too. May return early for no reason. Only the doorbell's own thread may wait on it. */
void mstr_doorbell_wait_fds(mstr_doorbell *d, uint32_t seq, const int *fds, size_t nfds,
                            int timeout_ms);

#endif
