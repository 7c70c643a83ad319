/*
 * test_align.c - barrier alignment at one worker (mstr_align.h): when it may send its barrier on
 * an exchange (at once when sources feed it, after the exchanges that feed it are aligned),
 * when an exchange is aligned, which senders are held, and how ends of stream count, before and
 * during a snapshot, by other workers and by this one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mstr_align.h"

/* Exchange 0 is fed by a source; exchange 1 by exchange 0 (a key_by after a key_by); exchange 2
 * by exchanges 0 and 1 (after a union of their outputs). */
static const size_t from_0[] = { 0 };
static const size_t from_0_1[] = { 0, 1 };
static const size_t source_0[] = { 0 };
static const mstr_exchange_desc exchanges[] = {
    { .name = "x0", .sources = source_0, .nsources = 1 },
    { .name = "x1", .upstream = from_0, .nupstream = 1 },
    { .name = "x2", .upstream = from_0_1, .nupstream = 2 },
};
static const mstr_job_desc one = { .name = "one", .exchanges = exchanges, .nexchanges = 1 };
static const mstr_job_desc three = { .name = "three", .exchanges = exchanges, .nexchanges = 3 };

static void test_one_exchange_two_workers(void **state)
{
    (void)state;
    mstr_align a;
    mstr_align_init(&a, &one, 0, 2);
    assert_false(mstr_align_may_send(&a, 0)); /* no snapshot yet */
    assert_false(mstr_align_holds(&a, 1));
    mstr_align_begin(&a, 1);
    assert_true(mstr_align_may_send(&a, 0));
    assert_false(mstr_align_aligned(&a, 0));
    mstr_align_sent(&a, 0);
    assert_false(mstr_align_may_send(&a, 0)); /* once */
    assert_false(mstr_align_aligned(&a, 0));  /* worker 1's barrier is missing */
    assert_false(mstr_align_holds(&a, 1));
    mstr_align_barrier(&a, 0, 1);
    assert_true(mstr_align_holds(&a, 1));     /* what follows its barrier is after the cut */
    assert_false(mstr_align_holds(&a, 0));    /* never itself */
    assert_true(mstr_align_aligned(&a, 0));
    assert_true(mstr_align_complete(&a));
    mstr_align_finish(&a);
    assert_false(mstr_align_holds(&a, 1));
    assert_false(mstr_align_complete(&a));
    /* the next snapshot starts over */
    mstr_align_begin(&a, 2);
    assert_false(mstr_align_holds(&a, 1));
    assert_true(mstr_align_may_send(&a, 0));
    mstr_align_free(&a);
}

/* The barrier goes out on an exchange only after the exchanges that feed it are aligned, so
 * that what they made of pre-cut records goes before it. */
static void test_barriers_follow_the_graph(void **state)
{
    (void)state;
    mstr_align a;
    mstr_align_init(&a, &three, 1, 3);
    mstr_align_begin(&a, 7);
    assert_true(mstr_align_may_send(&a, 0));
    assert_false(mstr_align_may_send(&a, 1));
    assert_false(mstr_align_may_send(&a, 2));
    mstr_align_sent(&a, 0);
    mstr_align_barrier(&a, 0, 0);
    assert_false(mstr_align_may_send(&a, 1)); /* worker 2's barrier on x0 is missing */
    mstr_align_barrier(&a, 0, 2);
    assert_true(mstr_align_aligned(&a, 0));
    assert_true(mstr_align_may_send(&a, 1));
    assert_false(mstr_align_may_send(&a, 2)); /* x1 is not aligned yet */
    mstr_align_sent(&a, 1);
    mstr_align_barrier(&a, 1, 0);
    mstr_align_barrier(&a, 1, 2);
    assert_true(mstr_align_may_send(&a, 2));
    mstr_align_sent(&a, 2);
    assert_false(mstr_align_complete(&a));
    assert_false(mstr_align_holds(&a, 0));
    mstr_align_barrier(&a, 2, 0);
    assert_true(mstr_align_holds(&a, 0));     /* all three of worker 0's barriers arrived */
    assert_false(mstr_align_holds(&a, 2));
    mstr_align_barrier(&a, 2, 2);
    assert_true(mstr_align_holds(&a, 2));
    assert_true(mstr_align_complete(&a));
    mstr_align_free(&a);
}

/* A sender that ended an exchange sends no barrier there: its end counts, whether it came
 * before the snapshot or during it. This worker ending an exchange counts as its barrier. */
static void test_ends_count_as_barriers(void **state)
{
    (void)state;
    mstr_align a;
    mstr_align_init(&a, &three, 0, 3);
    mstr_align_end(&a, 0, 1);            /* before any snapshot */
    mstr_align_begin(&a, 1);
    mstr_align_sent(&a, 0);
    assert_false(mstr_align_aligned(&a, 0));
    mstr_align_end(&a, 0, 2);            /* during it */
    assert_true(mstr_align_aligned(&a, 0));
    mstr_align_end(&a, 1, 0);            /* this worker ends x1: its barrier there is implied */
    assert_false(mstr_align_may_send(&a, 1));
    mstr_align_barrier(&a, 1, 1);
    mstr_align_barrier(&a, 1, 2);
    assert_true(mstr_align_aligned(&a, 1));
    assert_true(mstr_align_may_send(&a, 2));
    mstr_align_sent(&a, 2);
    mstr_align_barrier(&a, 2, 1);
    assert_true(mstr_align_holds(&a, 1));
    mstr_align_barrier(&a, 2, 2);
    assert_true(mstr_align_complete(&a));
    mstr_align_finish(&a);
    /* in the next snapshot the ends still count; the others' barriers on x1 must come again */
    mstr_align_begin(&a, 2);
    assert_false(mstr_align_aligned(&a, 0)); /* not before this worker sent its barrier */
    assert_true(mstr_align_may_send(&a, 0));
    mstr_align_sent(&a, 0);
    assert_true(mstr_align_aligned(&a, 0));  /* both others ended x0 */
    assert_false(mstr_align_aligned(&a, 1)); /* this worker ended x1, the others did not */
    mstr_align_barrier(&a, 1, 1);
    mstr_align_barrier(&a, 1, 2);
    assert_true(mstr_align_aligned(&a, 1));
    mstr_align_free(&a);
}

/* A finished worker (every exchange ended both ways) takes a snapshot at once. */
static void test_finished_worker_aligns_at_once(void **state)
{
    (void)state;
    mstr_align a;
    mstr_align_init(&a, &three, 2, 3);
    for (size_t x = 0; x < 3; x++)
        for (int s = 0; s < 3; s++)
            mstr_align_end(&a, x, s);
    mstr_align_begin(&a, 5);
    assert_true(mstr_align_complete(&a));
    assert_true(mstr_align_holds(&a, 0));
    assert_true(mstr_align_holds(&a, 1));
    mstr_align_free(&a);
}

/* A barrier counted twice, or after an end, does not count again. */
static void test_repeats_do_not_count(void **state)
{
    (void)state;
    mstr_align a;
    mstr_align_init(&a, &one, 0, 3);
    mstr_align_begin(&a, 1);
    mstr_align_sent(&a, 0);
    mstr_align_barrier(&a, 0, 1);
    mstr_align_barrier(&a, 0, 1);
    assert_false(mstr_align_aligned(&a, 0));
    mstr_align_end(&a, 0, 1);
    assert_false(mstr_align_aligned(&a, 0));
    mstr_align_barrier(&a, 0, 2);
    assert_true(mstr_align_aligned(&a, 0));
    mstr_align_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_exchange_two_workers),
        cmocka_unit_test(test_barriers_follow_the_graph),
        cmocka_unit_test(test_ends_count_as_barriers),
        cmocka_unit_test(test_finished_worker_aligns_at_once),
        cmocka_unit_test(test_repeats_do_not_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
