/*
 * mstr_ring.c - the single-producer single-consumer ring and the doorbell (see mstr_ring.h).
 *
 * head and tail count items ever pushed and popped; they only grow (wrapping modulo 2^N, which
 * is harmless because the capacity is a power of two), so head - tail is the fill level and a
 * full ring needs no spare slot. The producer publishes an item by storing head with release
 * after writing the slot, and the consumer reads head with acquire before reading the slot;
 * symmetrically the consumer hands a slot back by storing tail with release after reading it,
 * and the producer reads tail with acquire before overwriting it.
 *
 * The doorbell's counter is bumped before the mutex is taken, and the waiter re-reads it under
 * the mutex before sleeping. Either the waiter's re-read sees the bump, or the ringer's
 * broadcast comes after the waiter is already asleep (the ringer cannot take the mutex until
 * pthread_cond_wait has released it), so a ring after mstr_doorbell_seq is never missed.
 */
#include "mstr_ring.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "mstr_mem.h"

/* Sets up an empty ring of capacity rounded up to a power of two (at least 2). Aborts if
 * memory is exhausted. Not thread-safe: call before the two threads start using the ring. */
void mstr_ring_init(mstr_ring *r, size_t capacity)
{
    size_t cap = 2;
    while (cap < capacity) {
        if (cap > SIZE_MAX / 2 / sizeof(void *))
            mstr_oom(SIZE_MAX);
        cap *= 2;
    }
    r->items = mstr_alloc_array(cap, sizeof *r->items);
    r->mask = cap - 1;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
}

/* Frees the slot array (not the items still in it). Call once both threads are done. */
void mstr_ring_free(mstr_ring *r)
{
    free(r->items);
    r->items = NULL;
    r->mask = 0;
}

bool mstr_ring_push(mstr_ring *r, void *item)
{
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (head - tail > r->mask)
        return false;
    r->items[head & r->mask] = item;
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
    return true;
}

void *mstr_ring_pop(mstr_ring *r)
{
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    if (head == tail)
        return NULL;
    void *item = r->items[tail & r->mask];
    atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
    return item;
}

bool mstr_ring_empty(mstr_ring *r)
{
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    return head == tail;
}

/* Sets up a doorbell with counter 0. Aborts if the mutex or condition variable cannot be
 * made. Not thread-safe: call before any thread uses it. */
void mstr_doorbell_init(mstr_doorbell *d)
{
    atomic_init(&d->seq, 0);
    atomic_init(&d->waiters, 0);
    atomic_init(&d->fd_waiters, 0);
    d->wake_fd = -1;
    if (pthread_mutex_init(&d->lock, NULL) != 0 || pthread_cond_init(&d->cond, NULL) != 0) {
        fprintf(stderr, "mstr: cannot initialise a doorbell\n");
        abort();
    }
}

/* Destroys the doorbell; no thread may be waiting on it or ring it any more. */
void mstr_doorbell_free(mstr_doorbell *d)
{
    if (d->wake_fd >= 0)
        close(d->wake_fd);
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->lock);
}

uint32_t mstr_doorbell_seq(mstr_doorbell *d)
{
    return atomic_load_explicit(&d->seq, memory_order_acquire);
}

/* Why skipping the lock is safe: the ringer bumps seq, then reads waiters; a waiter bumps
 * waiters, then reads seq; all four are sequentially consistent, so at least one of the two sees
 * the other's write. Either the waiter sees the new seq and does not sleep, or the ringer sees a
 * waiter and broadcasts under the lock, which the waiter holds from its check until it sleeps. */
void mstr_doorbell_ring(mstr_doorbell *d)
{
    atomic_fetch_add(&d->seq, 1);
    if (atomic_load(&d->fd_waiters) > 0) {
        uint64_t one = 1;
        if (write(d->wake_fd, &one, sizeof one) < 0) {
            /* the count is full: the waiter is woken already */
        }
    }
    if (atomic_load(&d->waiters) == 0)
        return;
    pthread_mutex_lock(&d->lock);
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
}

/* A CPU hint that this is a spin loop (lets a sibling hyperthread run); nothing elsewhere. */
static inline void spin_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Waits are often short (the other worker is about to hand over a batch): spinning a few
 * microseconds first saves the two system calls of sleeping and waking, which otherwise cost
 * more than the work. Past that the thread sleeps, so an idle worker does not burn a core. */
enum { SPINS_BEFORE_SLEEP = 2000 };

void mstr_doorbell_wait(mstr_doorbell *d, uint32_t seq)
{
    for (int i = 0; i < SPINS_BEFORE_SLEEP; i++) {
        if (atomic_load_explicit(&d->seq, memory_order_acquire) != seq)
            return;
        spin_pause();
    }
    pthread_mutex_lock(&d->lock);
    atomic_fetch_add(&d->waiters, 1);
    while (atomic_load(&d->seq) == seq)
        pthread_cond_wait(&d->cond, &d->lock);
    atomic_fetch_sub(&d->waiters, 1);
    pthread_mutex_unlock(&d->lock);
}

/* A wait on the inputs alone returns after this long, when no eventfd could be made: the
 * doorbell cannot wake it then, so it looks again now and then. */
enum { FALLBACK_WAIT_MS = 50 };

/* The same handshake as above with fd_waiters for waiters: either the waiter sees the new seq
 * and does not poll, or the ringer sees it and writes the eventfd it polls. A count left in the
 * eventfd by a ring after the wait only makes the next wait return early. */
void mstr_doorbell_wait_fds(mstr_doorbell *d, uint32_t seq, const int *fds, size_t nfds,
                            int timeout_ms)
{
    if (nfds == 0 && timeout_ms < 0) {
        mstr_doorbell_wait(d, seq);
        return;
    }
    if (d->wake_fd < 0)
        d->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct pollfd pfds[nfds + 1];
    for (size_t i = 0; i < nfds; i++)
        pfds[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
    if (d->wake_fd < 0) {
        poll(pfds, (nfds_t)nfds,
             timeout_ms >= 0 && timeout_ms < FALLBACK_WAIT_MS ? timeout_ms : FALLBACK_WAIT_MS);
        return;
    }
    pfds[nfds] = (struct pollfd){ .fd = d->wake_fd, .events = POLLIN };
    atomic_fetch_add(&d->fd_waiters, 1);
    if (atomic_load(&d->seq) == seq)
        poll(pfds, (nfds_t)nfds + 1, timeout_ms);
    atomic_fetch_sub(&d->fd_waiters, 1);
    uint64_t count;
    if (read(d->wake_fd, &count, sizeof count) < 0) {
        /* nothing was written: woken by the input */
    }
}
