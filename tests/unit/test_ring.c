/*
 * test_ring.c - the SPSC ring and the doorbell.
 *
 * Single-threaded: capacity rounding, full and empty, FIFO order across many wraparounds.
 * Two threads: a million items through an 8-slot ring in order, each side sleeping on a
 * doorbell (read the counter, look, wait) when it cannot make progress, so a lost wakeup hangs
 * rather than spins; and doorbell tests aimed at the lost-wakeup window itself, also for a wait
 * that watches an input besides the doorbell. An alarm turns
 * a hang into a failure (the binary dies and scripts/run-unit.sh counts it). Built into
 * build-tsan/ by `make SAN=tsan unit`, where ThreadSanitizer checks the memory ordering.
 *
 * Worker threads never call cmocka asserts (those longjmp into the main thread's stack); they
 * record what they saw and the main thread asserts after joining them.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "mstr_ring.h"
#include "mstr_time.h"

enum { HANG_SECONDS = 120 };

/* A distinct non-NULL pointer for each number. */
static void *item_of(uintptr_t i)
{
    return (void *)(i + 1);
}

static uintptr_t number_of(void *item)
{
    return (uintptr_t)item - 1;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Returns how many pushes succeed on an empty ring made with the given capacity. */
static size_t fill_count(size_t capacity)
{
    mstr_ring r;
    mstr_ring_init(&r, capacity);
    size_t n = 0;
    while (n < 1000 && mstr_ring_push(&r, item_of(n)))
        n++;
    mstr_ring_free(&r);
    return n;
}

static void test_capacity_rounding(void **state)
{
    (void)state;
    assert_int_equal(fill_count(0), 2);
    assert_int_equal(fill_count(1), 2);
    assert_int_equal(fill_count(2), 2);
    assert_int_equal(fill_count(3), 4);
    assert_int_equal(fill_count(5), 8);
    assert_int_equal(fill_count(8), 8);
    assert_int_equal(fill_count(9), 16);
}

static void test_full_and_empty(void **state)
{
    (void)state;
    mstr_ring r;
    mstr_ring_init(&r, 8);
    assert_true(mstr_ring_empty(&r));
    assert_null(mstr_ring_pop(&r));
    for (uintptr_t i = 0; i < 8; i++) {
        assert_true(mstr_ring_push(&r, item_of(i)));
        assert_false(mstr_ring_empty(&r));
    }
    assert_false(mstr_ring_push(&r, item_of(8)));    /* full: refused, nothing overwritten */
    for (uintptr_t i = 0; i < 8; i++)
        assert_ptr_equal(mstr_ring_pop(&r), item_of(i));
    assert_true(mstr_ring_empty(&r));
    assert_null(mstr_ring_pop(&r));
    assert_true(mstr_ring_push(&r, item_of(9)));     /* usable again after draining */
    assert_ptr_equal(mstr_ring_pop(&r), item_of(9));
    mstr_ring_free(&r);
}

/* Fill levels that go up and down by uneven steps, so every slot position is written and read
 * at every fill level many times over; the order must stay first in, first out. */
static void test_wraparound(void **state)
{
    (void)state;
    mstr_ring r;
    mstr_ring_init(&r, 4);
    uintptr_t next_in = 0, next_out = 0;
    for (int round = 0; round < 1000; round++) {
        int pushes = 1 + round % 4;
        for (int k = 0; k < pushes; k++) {
            bool ok = mstr_ring_push(&r, item_of(next_in));
            assert_int_equal(ok, next_in - next_out < 4);
            if (ok)
                next_in++;
        }
        int pops = 1 + (round * 7) % 4;
        for (int k = 0; k < pops; k++) {
            void *item = mstr_ring_pop(&r);
            if (next_out == next_in) {
                assert_null(item);
            } else {
                assert_ptr_equal(item, item_of(next_out));
                next_out++;
            }
        }
    }
    assert_true(next_in > 2000);
    mstr_ring_free(&r);
}

/* Two threads, one ring each way of doorbell: `data` wakes the consumer, `space` the producer. */
typedef struct pipe_test {
    mstr_ring ring;
    mstr_doorbell data;
    mstr_doorbell space;
    uintptr_t count;
    /* Written by the consumer, read by the main thread after join. */
    uintptr_t received;
    uintptr_t first_bad_index;  /* count if all in order */
    uintptr_t first_bad_value;
    /* How often each side went to sleep, to show the doorbell path was exercised. */
    unsigned long producer_waits;
    unsigned long consumer_waits;
} pipe_test;

enum { SPINS_BEFORE_WAIT = 64 };

static void *producer_main(void *arg)
{
    pipe_test *p = arg;
    for (uintptr_t i = 0; i < p->count; i++) {
        int spins = 0;
        while (!mstr_ring_push(&p->ring, item_of(i))) {
            if (++spins < SPINS_BEFORE_WAIT)
                continue;
            uint32_t seq = mstr_doorbell_seq(&p->space);
            if (mstr_ring_push(&p->ring, item_of(i)))
                break;
            p->producer_waits++;
            mstr_doorbell_wait(&p->space, seq);
        }
        mstr_doorbell_ring(&p->data);
    }
    return NULL;
}

static void *consumer_main(void *arg)
{
    pipe_test *p = arg;
    p->first_bad_index = p->count;
    for (uintptr_t i = 0; i < p->count; i++) {
        void *item = mstr_ring_pop(&p->ring);
        while (item == NULL) {
            uint32_t seq = mstr_doorbell_seq(&p->data);
            item = mstr_ring_pop(&p->ring);
            if (item != NULL)
                break;
            p->consumer_waits++;
            mstr_doorbell_wait(&p->data, seq);
            item = mstr_ring_pop(&p->ring);
        }
        mstr_doorbell_ring(&p->space);
        if (number_of(item) != i && p->first_bad_index == p->count) {
            p->first_bad_index = i;
            p->first_bad_value = number_of(item);
        }
        p->received++;
    }
    return NULL;
}

static void test_two_threads_in_order(void **state)
{
    (void)state;
    static pipe_test p;
    p = (pipe_test){ .count = 1000000 };
    mstr_ring_init(&p.ring, 8);
    mstr_doorbell_init(&p.data);
    mstr_doorbell_init(&p.space);
    alarm(HANG_SECONDS);

    pthread_t prod, cons;
    assert_int_equal(pthread_create(&cons, NULL, consumer_main, &p), 0);
    assert_int_equal(pthread_create(&prod, NULL, producer_main, &p), 0);
    assert_int_equal(pthread_join(prod, NULL), 0);
    assert_int_equal(pthread_join(cons, NULL), 0);
    alarm(0);

    assert_int_equal(p.received, p.count);
    assert_int_equal(p.first_bad_index, p.count);
    assert_int_equal(p.first_bad_value, 0);
    assert_true(mstr_ring_empty(&p.ring));
    print_message("producer slept %lu times, consumer %lu times\n", p.producer_waits,
                  p.consumer_waits);
    mstr_doorbell_free(&p.space);
    mstr_doorbell_free(&p.data);
    mstr_ring_free(&p.ring);
}

static void test_wait_returns_when_seq_already_moved(void **state)
{
    (void)state;
    mstr_doorbell d;
    mstr_doorbell_init(&d);
    uint32_t seq = mstr_doorbell_seq(&d);
    mstr_doorbell_ring(&d);
    assert_int_equal(mstr_doorbell_seq(&d), seq + 1);
    alarm(HANG_SECONDS);
    mstr_doorbell_wait(&d, seq);                 /* must not block */
    alarm(0);
    mstr_doorbell_free(&d);
}

static void *ring_once(void *arg)
{
    mstr_doorbell_ring(arg);
    return NULL;
}

/* The classic lost wakeup: the ring lands after the waiter read the counter and before it
 * waits. Here it lands entirely in that window (the ringer thread has finished), and the wait
 * must still return. */
static void test_ring_between_seq_and_wait(void **state)
{
    (void)state;
    mstr_doorbell d;
    mstr_doorbell_init(&d);
    alarm(HANG_SECONDS);
    for (int i = 0; i < 100; i++) {
        uint32_t seq = mstr_doorbell_seq(&d);
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, ring_once, &d), 0);
        assert_int_equal(pthread_join(t, NULL), 0);
        mstr_doorbell_wait(&d, seq);
    }
    alarm(0);
    mstr_doorbell_free(&d);
}

typedef struct sleeper {
    mstr_doorbell *d;
    uint32_t seq;
    atomic_int woke;
} sleeper;

static void *sleeper_main(void *arg)
{
    sleeper *s = arg;
    mstr_doorbell_wait(s->d, s->seq);
    atomic_store(&s->woke, 1);
    return NULL;
}

/* A wait with an unchanged counter really sleeps, and a ring wakes it. */
static void test_wait_sleeps_until_rung(void **state)
{
    (void)state;
    mstr_doorbell d;
    mstr_doorbell_init(&d);
    sleeper s = { &d, mstr_doorbell_seq(&d), 0 };
    alarm(HANG_SECONDS);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, sleeper_main, &s), 0);
    sleep_ms(50);
    assert_int_equal(atomic_load(&s.woke), 0);
    mstr_doorbell_ring(&d);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(atomic_load(&s.woke), 1);
    alarm(0);
    mstr_doorbell_free(&d);
}

typedef struct fd_sleeper {
    mstr_doorbell *d;
    uint32_t seq;
    int fd;
    atomic_int woke;
} fd_sleeper;

static void *fd_sleeper_main(void *arg)
{
    fd_sleeper *s = arg;
    mstr_doorbell_wait_fds(s->d, s->seq, &s->fd, 1, -1);
    atomic_store(&s->woke, 1);
    return NULL;
}

/* A wait on the doorbell and a quiet pipe sleeps until either wakes it: a ring, or a byte on
 * the pipe; and it returns at once when the counter moved before it (a ring in the window). */
static void test_wait_fds(void **state)
{
    (void)state;
    mstr_doorbell d;
    mstr_doorbell_init(&d);
    int p[2];
    assert_int_equal(pipe(p), 0);
    alarm(HANG_SECONDS);
    for (int by_input = 0; by_input < 2; by_input++) {
        fd_sleeper s = { &d, mstr_doorbell_seq(&d), p[0], 0 };
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, fd_sleeper_main, &s), 0);
        sleep_ms(50);
        assert_int_equal(atomic_load(&s.woke), 0);
        if (by_input)
            assert_int_equal(write(p[1], "x", 1), 1);
        else
            mstr_doorbell_ring(&d);
        assert_int_equal(pthread_join(t, NULL), 0);
        assert_int_equal(atomic_load(&s.woke), 1);
    }
    char c;
    assert_int_equal(read(p[0], &c, 1), 1);
    for (int i = 0; i < 100; i++) {
        uint32_t seq = mstr_doorbell_seq(&d);
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, ring_once, &d), 0);
        assert_int_equal(pthread_join(t, NULL), 0);
        mstr_doorbell_wait_fds(&d, seq, &p[0], 1, -1);
    }
    alarm(0);
    close(p[0]);
    close(p[1]);
    mstr_doorbell_free(&d);
}

/* Ping-pong: each side publishes a token and rings the other's doorbell, then sleeps until the
 * reply arrives. Every round needs a wakeup, in every interleaving; one lost wakeup hangs. */
typedef struct ping_pong {
    mstr_doorbell to_a, to_b;
    atomic_uint ping;  /* round last sent by A */
    atomic_uint pong;  /* round last answered by B */
    unsigned rounds;
} ping_pong;

/* Sleeps on d until *value == want, by the doorbell protocol. */
static void await_value(mstr_doorbell *d, atomic_uint *value, unsigned want)
{
    for (;;) {
        uint32_t seq = mstr_doorbell_seq(d);
        if (atomic_load(value) == want)
            return;
        mstr_doorbell_wait(d, seq);
    }
}

static void *pong_main(void *arg)
{
    ping_pong *pp = arg;
    for (unsigned i = 1; i <= pp->rounds; i++) {
        await_value(&pp->to_b, &pp->ping, i);
        atomic_store(&pp->pong, i);
        mstr_doorbell_ring(&pp->to_a);
    }
    return NULL;
}

/* A wait with a time limit and nothing to watch returns once the time is up, not before (a
 * worker with a wall clock to follow wakes so), and at once when rung. */
static void test_wait_with_time_limit(void **state)
{
    (void)state;
    mstr_doorbell d;
    mstr_doorbell_init(&d);
    alarm(HANG_SECONDS);
    int64_t t0 = mstr_clock_ms(CLOCK_MONOTONIC);
    mstr_doorbell_wait_fds(&d, mstr_doorbell_seq(&d), NULL, 0, 200);
    assert_true(mstr_clock_ms(CLOCK_MONOTONIC) - t0 >= 190);
    uint32_t seq = mstr_doorbell_seq(&d);
    mstr_doorbell_ring(&d);
    mstr_doorbell_wait_fds(&d, seq, NULL, 0, 60 * 1000); /* rung already: the alarm would tell */
    alarm(0);
    mstr_doorbell_free(&d);
}

static void test_no_lost_wakeup_ping_pong(void **state)
{
    (void)state;
    static ping_pong pp;
    pp.rounds = 20000;
    atomic_init(&pp.ping, 0);
    atomic_init(&pp.pong, 0);
    mstr_doorbell_init(&pp.to_a);
    mstr_doorbell_init(&pp.to_b);
    alarm(HANG_SECONDS);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, pong_main, &pp), 0);
    for (unsigned i = 1; i <= pp.rounds; i++) {
        atomic_store(&pp.ping, i);
        mstr_doorbell_ring(&pp.to_b);
        await_value(&pp.to_a, &pp.pong, i);
    }
    assert_int_equal(pthread_join(t, NULL), 0);
    alarm(0);
    assert_int_equal(atomic_load(&pp.pong), pp.rounds);
    mstr_doorbell_free(&pp.to_b);
    mstr_doorbell_free(&pp.to_a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capacity_rounding),
        cmocka_unit_test(test_full_and_empty),
        cmocka_unit_test(test_wraparound),
        cmocka_unit_test(test_two_threads_in_order),
        cmocka_unit_test(test_wait_returns_when_seq_already_moved),
        cmocka_unit_test(test_ring_between_seq_and_wait),
        cmocka_unit_test(test_wait_sleeps_until_rung),
        cmocka_unit_test(test_wait_fds),
        cmocka_unit_test(test_wait_with_time_limit),
        cmocka_unit_test(test_no_lost_wakeup_ping_pong),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
