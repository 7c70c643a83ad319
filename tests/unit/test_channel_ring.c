/*
 * test_channel_ring.c - the channel between worker threads (mstr_channel_ring.h): control
 * messages broadcast to workers their sender has no link to (its board), and how a link takes
 * over from the board.
 *
 * One thread: a receiver gets every broadcast message in order, across many of the board's
 * chunks, while another receiver lags behind and then catches up (the sender frees chunks
 * only once both are past them: ASan reports a read of a freed one); once the sender links to
 * a receiver, that receiver gets the board up to the link and then the link, and no later
 * broadcast; a board with many entries unread holds its sender back until they are read. Two threads: a sender broadcasts, then sends batches carrying the next numbers in
 * band, while a receiver reads; the receiver must see every number once and in order, and a
 * receiver it never links to every broadcast one (ThreadSanitizer, in build-tsan/, checks the
 * ordering the board relies on).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "mstr_channel_ring.h"

enum { WORKERS = 3, HANG_SECONDS = 120 };

typedef struct fixture {
    mstr_doorbell bells[WORKERS];
    mstr_ring_hub *hub;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    for (int i = 0; i < WORKERS; i++)
        mstr_doorbell_init(&f->bells[i]);
    f->hub = mstr_ring_hub_new(WORKERS, 0, f->bells);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mstr_ring_hub_free(f->hub);
    for (int i = 0; i < WORKERS; i++)
        mstr_doorbell_free(&f->bells[i]);
    free(f);
    return 0;
}

static mstr_channel *end(fixture *f, int i)
{
    return mstr_ring_hub_end(f->hub, i);
}

static void broadcast_epoch(mstr_channel *c, int64_t t)
{
    mstr_channel_broadcast(c, 0, (mstr_ctl){ MSTR_CTL_EPOCH, t });
}

/* Sends worker `to` a batch of one record whose control message carries epoch t in band. */
static void send_epoch(mstr_channel *c, int to, int64_t t)
{
    mstr_xbatch *b = mstr_channel_fresh(c, to);
    b->exchange = 0;
    b->records = 1;
    b->ctl = (mstr_ctl){ MSTR_CTL_EPOCH, t };
    assert_true(mstr_channel_send(c, b));
}

/* Receives the next batch from `from` at `at`; returns the epoch it carries, or -1 if there is
 * none. Checks that it says where it comes from and goes to. */
static int64_t next_epoch(mstr_channel *at, int from)
{
    mstr_xbatch *b = mstr_channel_receive(at, from);
    if (b == NULL)
        return -1;
    assert_int_equal(b->from, from);
    assert_int_equal(b->to, at->me);
    assert_int_equal(b->ctl.kind, MSTR_CTL_EPOCH);
    int64_t t = b->ctl.value;
    mstr_channel_release(at, b);
    return t;
}

static void test_broadcast_reaches_every_unlinked_worker_in_order(void **state)
{
    fixture *f = *state;
    int64_t next1 = 0, next2 = 0;
    for (int64_t t = 0; t < 2000; t++) {
        broadcast_epoch(end(f, 0), t);
        if (t % 3 == 0) /* worker 1 keeps up, more or less */
            for (int64_t got; (got = next_epoch(end(f, 1), 0)) >= 0; next1++)
                assert_int_equal(got, next1);
    }
    for (int64_t got; (got = next_epoch(end(f, 1), 0)) >= 0; next1++)
        assert_int_equal(got, next1);
    for (int64_t got; (got = next_epoch(end(f, 2), 0)) >= 0; next2++) /* worker 2 catches up */
        assert_int_equal(got, next2);
    assert_int_equal(next1, 2000);
    assert_int_equal(next2, 2000);
    assert_false(mstr_channel_linked(end(f, 0), 1));
    assert_int_equal(next_epoch(end(f, 0), 1), -1); /* nothing the other way */
}

static void test_link_takes_over_from_the_board(void **state)
{
    fixture *f = *state;
    for (int64_t t = 0; t < 300; t++) /* more than a chunk, unread */
        broadcast_epoch(end(f, 0), t);
    send_epoch(end(f, 0), 1, 300);    /* worker 1 is linked from here on */
    assert_true(mstr_channel_linked(end(f, 0), 1));
    assert_false(mstr_channel_linked(end(f, 0), 2));
    broadcast_epoch(end(f, 0), 301);  /* for worker 2 only */
    send_epoch(end(f, 0), 1, 302);
    for (int64_t t = 0; t < 300; t++)
        assert_int_equal(next_epoch(end(f, 1), 0), t);
    assert_int_equal(next_epoch(end(f, 1), 0), 300);
    assert_int_equal(next_epoch(end(f, 1), 0), 302);
    assert_int_equal(next_epoch(end(f, 1), 0), -1);
    for (int64_t t = 0; t < 300; t++)
        assert_int_equal(next_epoch(end(f, 2), 0), t);
    assert_int_equal(next_epoch(end(f, 2), 0), 301);
    assert_int_equal(next_epoch(end(f, 2), 0), -1);
}

/* Broadcast messages a receiver has not read hold their sender back, until it reads them. */
static void test_unread_broadcasts_block_their_sender(void **state)
{
    fixture *f = *state;
    for (int64_t t = 0; t < 10; t++)
        broadcast_epoch(end(f, 0), t);
    assert_false(mstr_channel_blocked(end(f, 0)));
    for (int64_t t = 10; t < 5000; t++)
        broadcast_epoch(end(f, 0), t);
    assert_true(mstr_channel_blocked(end(f, 0)));
    for (int64_t t = 0; t < 5000; t++)
        assert_int_equal(next_epoch(end(f, 1), 0), t);
    assert_true(mstr_channel_blocked(end(f, 0))); /* worker 2 has read none */
    send_epoch(end(f, 0), 2, 5000);                /* a link does not skip what it missed */
    assert_true(mstr_channel_blocked(end(f, 0)));
    for (int64_t t = 0; t < 5000; t++)
        assert_int_equal(next_epoch(end(f, 2), 0), t);
    mstr_channel_flush(end(f, 2)); /* the wake-ups its reads owed */
    assert_false(mstr_channel_blocked(end(f, 0)));

    /* Worker 2 read the board up to its link, and the board goes on for worker 1 only: the
     * sender waits for worker 2 until it turns to its link, and is woken then. */
    for (int64_t t = 5001; t < 8000; t++)
        broadcast_epoch(end(f, 0), t);
    for (int64_t t = 5001; t < 8000; t++)
        assert_int_equal(next_epoch(end(f, 1), 0), t);
    assert_true(mstr_channel_blocked(end(f, 0)));
    uint32_t seq = mstr_doorbell_seq(&f->bells[0]);
    assert_int_equal(next_epoch(end(f, 2), 0), 5000); /* from the link */
    mstr_channel_flush(end(f, 2));
    assert_int_not_equal(mstr_doorbell_seq(&f->bells[0]), seq);
    assert_false(mstr_channel_blocked(end(f, 0)));
}

/* ---- two threads ---------------------------------------------------------------------- */

enum { BROADCAST = 50000, IN_BAND = 50000 };

typedef struct reader {
    fixture *f;
    int me;
    int64_t seen;               /* numbers received in order */
    int64_t wrong;              /* the first number out of order, or -1 */
} reader;

/* Worker 0: numbers 0 .. BROADCAST-1 broadcast, then the rest in band to worker 1, each
 * broadcast too (for worker 2, which it never links to). It waits on its doorbell while its
 * link has no room or its board is blocked, so a wake-up lost by either hangs the test. */
static void *sender(void *arg)
{
    fixture *f = arg;
    mstr_channel *c = end(f, 0);
    for (int64_t t = 0; t < BROADCAST + IN_BAND; t++) {
        mstr_xbatch *b = NULL;
        if (t >= BROADCAST) {
            b = mstr_channel_fresh(c, 1);
            b->exchange = 0;
            b->ctl = (mstr_ctl){ MSTR_CTL_EPOCH, t };
        }
        for (;;) {
            uint32_t seq = mstr_doorbell_seq(&f->bells[0]);
            if (!mstr_channel_blocked(c) && (b == NULL || mstr_channel_send(c, b)))
                break;
            mstr_channel_flush(c);
            mstr_doorbell_wait(&f->bells[0], seq);
        }
        broadcast_epoch(c, t);
        if (t % 64 == 0)
            mstr_channel_flush(c);
    }
    mstr_channel_flush(c);
    return NULL;
}

/* Worker 1 or 2: reads until it has every number, sleeping on its doorbell when there is
 * nothing. */
static void *receiver(void *arg)
{
    reader *r = arg;
    mstr_channel *c = end(r->f, r->me);
    while (r->seen < BROADCAST + IN_BAND && r->wrong < 0) {
        uint32_t seq = mstr_doorbell_seq(&r->f->bells[r->me]);
        bool got = false;
        mstr_xbatch *b;
        while ((b = mstr_channel_receive(c, 0)) != NULL) {
            if (b->ctl.value != r->seen && r->wrong < 0)
                r->wrong = b->ctl.value;
            r->seen++;
            mstr_channel_release(c, b);
            got = true;
        }
        mstr_channel_flush(c);
        if (!got)
            mstr_doorbell_wait(&r->f->bells[r->me], seq);
    }
    return NULL;
}

static void test_threads_see_every_number_once_in_order(void **state)
{
    fixture *f = *state;
    reader r[2] = { { .f = f, .me = 1, .wrong = -1 }, { .f = f, .me = 2, .wrong = -1 } };
    alarm(HANG_SECONDS);
    pthread_t threads[3];
    assert_int_equal(pthread_create(&threads[0], NULL, sender, f), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&threads[1 + i], NULL, receiver, &r[i]), 0);
    for (int i = 0; i < 3; i++)
        pthread_join(threads[i], NULL);
    alarm(0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(r[i].wrong, -1);
        assert_int_equal(r[i].seen, BROADCAST + IN_BAND);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_broadcast_reaches_every_unlinked_worker_in_order,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_takes_over_from_the_board, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unread_broadcasts_block_their_sender, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_threads_see_every_number_once_in_order, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
