/*
 * test_rescale.c - the plan of a live rescale (mstr_rescale.h): which workers start over from
 * the old workers' least fields, and so wait for the hand-offs, and which take key groups
 * over. Growing, key groups move only to the new workers, and a source made with a partition
 * per worker keeps its partitions where they are, so the workers that stay go on as they were;
 * shrinking, those that stay take the groups of those that leave, and go on meanwhile unless a
 * partition comes to them; every new worker starts over. Partitions go to their places among
 * the new workers (k mod M), and a worker that a partition comes to or goes from starts over.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "mstr_rescale.h"

static const mstr_source_desc sources[] = {
    { .name = "numbers", .kind = MSTR_SOURCE_RANGE, .count = 100 },
};
static const mstr_job_desc job = { .name = "test", .sources = sources, .nsources = 1,
                                   .order_free = true };
/* The same with an operator after the exchange that acts on when epochs come among records:
 * a worker taking key groups over holds all its records, and so starts over. */
static const mstr_job_desc ordered = { .name = "test", .sources = sources, .nsources = 1 };

enum { GROUPS = 4096, MOST = 8 };

static mstr_doorbell bells[MOST];

/* The plan of job d from `from` workers to `to`, with nparts partitions of the one source
 * placed as the job placed them on `placed` workers. */
static mstr_rescale *plan_of(const mstr_job_desc *d, int from, int to, size_t nparts, int placed,
                             mstr_partition *parts)
{
    size_t partitions[] = { nparts };
    for (size_t k = 0; k < nparts; k++)
        parts[k] = (mstr_partition){ .source = &sources[0], .index = k, .parts = nparts,
                                     .worker = (int)(k % (size_t)placed) };
    mstr_rescale_setup s = { .number = 1, .desc = d, .from = from, .to = to,
                             .key_groups = GROUPS, .partitions = partitions, .parts = parts,
                             .nparts = nparts, .bells = bells };
    return mstr_rescale_new(&s); /* (its partitions point to this frame's array: unused) */
}

static mstr_rescale *plan(int from, int to, size_t nparts, int placed, mstr_partition *parts)
{
    return plan_of(&job, from, to, nparts, placed, parts);
}

/* How many key groups go from a worker that stays (below both counts) to another one. */
static int between_stayers(const mstr_rescale *r)
{
    int n = 0;
    int stay = r->from < r->to ? r->from : r->to;
    for (uint32_t g = 0; g < GROUPS; g++)
        n += r->was.owner[g] != r->owners.owner[g] && r->owners.owner[g] < stay &&
             r->was.owner[g] < stay;
    return n;
}

/* From 1 .. 6 workers to 1 or 2 more, a partition per old worker: the workers that stay go on
 * as they were. */
static void test_growing_moves_groups_to_new_workers_only(void **state)
{
    (void)state;
    mstr_partition parts[MOST];
    for (int from = 1; from + 2 <= MOST; from++) {
        for (int to = from + 1; to <= from + 2; to++) {
            mstr_rescale *r = plan(from, to, (size_t)from, from, parts);
            assert_int_equal(between_stayers(r), 0);
            for (int i = 0; i < to; i++)
                assert_int_equal(r->starts_over[i], i >= from);
            for (int k = 0; k < from; k++)
                assert_int_equal(r->part_to[k], k); /* each partition stays where it is */
            mstr_rescale_free(r);
        }
    }
}

/* A worker that a partition comes to starts over, and so does one it goes from: its epochs
 * were those of that partition too (records of the partitions it keeps could be behind). */
static void test_a_partition_that_moves_makes_both_start_over(void **state)
{
    (void)state;
    mstr_partition parts[4];
    mstr_rescale *r = plan(2, 3, 4, 2, parts); /* 0,2 on worker 0 and 1,3 on 1: 2 goes to 2, 3
                                                  to 0 */
    assert_int_equal(r->part_to[2], 2);
    assert_int_equal(r->part_to[3], 0);
    assert_true(r->starts_over[0]);
    assert_true(r->starts_over[1]);
    mstr_rescale_free(r);
    mstr_partition two[2];
    r = plan(1, 3, 2, 1, two); /* partition 1 goes from worker 0 to worker 1 */
    assert_true(r->starts_over[0]);
    mstr_rescale_free(r);
}

static void test_shrinking_gives_the_leavers_groups_to_the_stayers(void **state)
{
    (void)state;
    mstr_partition parts[4];
    mstr_rescale *r = plan(4, 2, 4, 4, parts);
    int moved = 0;
    for (uint32_t g = 0; g < GROUPS; g++) {
        if (r->was.owner[g] == r->owners.owner[g])
            continue;
        moved++;
        assert_true(r->was.owner[g] >= 2); /* a leaver's */
    }
    assert_true(moved > 0);
    assert_int_equal(between_stayers(r), 0);
    assert_true(r->starts_over[0]); /* partitions 2 and 3 come to them */
    assert_true(r->starts_over[1]);
    assert_true(r->takes_groups[0] && r->takes_groups[1]);
    assert_int_equal(r->part_to[2], 0);
    assert_int_equal(r->part_to[3], 1);
    mstr_rescale_free(r);
    mstr_partition three[3];
    r = plan(4, 3, 3, 4, three); /* worker 3 reads nothing: the stayers keep their partitions */
    for (int i = 0; i < 3; i++) {
        assert_false(r->starts_over[i]); /* they go on while the groups' records wait */
        assert_true(r->takes_groups[i]);
        assert_int_equal(r->part_to[i], i);
    }
    mstr_rescale_free(r);
    r = plan_of(&ordered, 4, 3, 3, 4, three);
    for (int i = 0; i < 3; i++)
        assert_true(r->starts_over[i]); /* they hold everything, so that nothing is reordered */
    mstr_rescale_free(r);
}

int main(void)
{
    for (int i = 0; i < MOST; i++)
        mstr_doorbell_init(&bells[i]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_growing_moves_groups_to_new_workers_only),
        cmocka_unit_test(test_a_partition_that_moves_makes_both_start_over),
        cmocka_unit_test(test_shrinking_gives_the_leavers_groups_to_the_stayers),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    for (int i = 0; i < MOST; i++)
        mstr_doorbell_free(&bells[i]);
    return failed;
}
