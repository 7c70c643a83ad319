/*
 * test_rescale.c - the plan of a live rescale (mstr_rescale.h): which workers start over from
 * the old workers' least fields, and so wait for the hand-offs, and which take key groups
 * over. Growing, key groups move only to the new workers, and a source made with a partition
 * per worker keeps its partitions where they are, so the workers that stay go on as they were;
 * shrinking, those that stay take the groups of those that leave, and go on meanwhile unless a
 * partition comes to them; every new worker starts over. Partitions go to their places among
 * the new workers (k mod M), and a worker that a partition comes to or goes from starts over.
 * A process of a job of several plans for its own workers, numbered anew, and its own key groups
 * and partitions, which stay in it while the number of processes stays. When it changes, key
 * groups go only to a process that joins, or only from one that leaves; a process that joins
 * has no workers before, one that leaves none after, and every process that stays in the job
 * waits for what each of the others sends (their old workers' least fields at least).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "mstr_place.h"
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

/* The plan of process `process` of job d from `before` processes of `from` workers each to
 * `after` of `to`, with the partitions of the one source (nparts of the job's nparts * before)
 * that the job placed there on `placed` workers each. */
static mstr_rescale *plan_across(const mstr_job_desc *d, int process, int before, int from,
                                 int after, int to, size_t nparts, int placed,
                                 mstr_partition *parts)
{
    size_t all = nparts * (size_t)before, partitions[] = { all };
    for (size_t k = 0; k < nparts; k++) {
        size_t index = k * (size_t)before + (size_t)process;
        parts[k] = (mstr_partition){ .source = &sources[0], .index = index, .parts = all,
                                     .worker = mstr_place_worker(index, before, placed) };
    }
    mstr_channel *ends[MOST] = { 0 }; /* (the plan keeps them for the workers: unused here) */
    mstr_rescale_setup s = { .number = 1, .desc = d, .process = process,
                             .processes_before = before, .workers_before = from,
                             .processes = after, .workers = to, .key_groups = GROUPS,
                             .ends = ends, .partitions = partitions, .parts = parts,
                             .nparts = nparts, .bells = bells };
    return mstr_rescale_new(&s); /* (its partitions point to this frame's array: unused) */
}

/* The same, the number of processes staying. */
static mstr_rescale *plan_in(const mstr_job_desc *d, int process, int processes, int from,
                             int to, size_t nparts, int placed, mstr_partition *parts)
{
    return plan_across(d, process, processes, from, processes, to, nparts, placed, parts);
}

static mstr_rescale *plan_of(const mstr_job_desc *d, int from, int to, size_t nparts, int placed,
                             mstr_partition *parts)
{
    return plan_in(d, 0, 1, from, to, nparts, placed, parts);
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

/* Process 1 of 2 going from 2 workers to 3 (job-wide 2, 3 -> 3, 4, 5): its key groups move
 * only to its new worker, never from or to process 0; of its partitions 1, 3, 5, 7 (on its
 * workers 0, 1, 0, 1) 5 goes to the new worker and 7 to worker 0, so all three start over. */
static void test_a_process_of_several_plans_for_its_own(void **state)
{
    (void)state;
    mstr_partition parts[4];
    mstr_rescale *r = plan_in(&job, 1, 2, 2, 3, 4, 2, parts);
    int moved = 0;
    for (uint32_t g = 0; g < GROUPS; g++) {
        bool ours = r->was.owner[g] / 2 == 1;
        assert_int_equal(r->owners.owner[g] / 3 == 1, ours); /* a group stays in its process */
        if (ours && r->owners.owner[g] - 3 != r->was.owner[g] - 2)
            moved++, assert_int_equal(r->owners.owner[g], 5);
    }
    assert_true(moved > 0);
    assert_true(r->takes_groups[2]);
    assert_false(r->takes_groups[0] || r->takes_groups[1]);
    int want[] = { 3, 4, 5, 3 }; /* partitions 1, 3, 5, 7: (k / 2) mod 3 of process 1 */
    for (int k = 0; k < 4; k++)
        assert_int_equal(r->part_to[k], want[k]);
    for (int i = 0; i < 3; i++)
        assert_true(r->starts_over[i]);
    mstr_rescale_free(r);
    r = plan_in(&job, 1, 2, 2, 3, 2, 2, parts); /* a partition per worker: 1 and 3 stay */
    assert_int_equal(r->part_to[0], 3);
    assert_int_equal(r->part_to[1], 4);
    assert_false(r->starts_over[0] || r->starts_over[1]);
    assert_true(r->starts_over[2]);
    mstr_rescale_free(r);
}

/* 2 processes of 2 workers to 3: key groups go only to process 2, which plans for workers
 * that all start over and take groups and waits for both others; process 1 keeps its groups
 * or gives them to process 2, takes none, and waits for process 0 (and 2 sends it nothing
 * it waits for: process 2 had no old workers). */
static void test_growing_processes_moves_groups_to_the_new_one_only(void **state)
{
    (void)state;
    mstr_partition parts[2];
    mstr_rescale *r = plan_across(&job, 1, 2, 2, 3, 2, 2, 2, parts);
    int moved = 0;
    for (uint32_t g = 0; g < GROUPS; g++) {
        int was = r->was.owner[g] / 2, now = r->owners.owner[g] / 2;
        assert_true(was == now || now == 2);
        moved += was == 1 && now == 2;
    }
    assert_true(moved > 0);
    assert_int_equal(r->from, 2);
    assert_int_equal(r->to, 2);
    assert_false(r->takes_groups[0] || r->takes_groups[1]);
    assert_int_equal(r->expected, 1);
    mstr_rescale_free(r);
    r = plan_across(&job, 2, 2, 2, 3, 2, 0, 2, parts); /* (no partitions of its own before) */
    assert_int_equal(r->from, 0);
    assert_int_equal(r->to, 2);
    assert_int_equal(r->expected, 2);
    for (int i = 0; i < 2; i++)
        assert_true(r->starts_over[i] && r->takes_groups[i]);
    mstr_rescale_free(r);
}

/* 3 processes of 1 worker to 2: process 2 leaves (no workers after, waits for nothing, and
 * its groups go to the others); process 0 takes some of them, and waits for both others. */
static void test_shrinking_processes_empties_the_one_that_leaves(void **state)
{
    (void)state;
    mstr_partition parts[2];
    mstr_rescale *r = plan_across(&job, 2, 3, 1, 2, 1, 2, 1, parts);
    assert_int_equal(r->from, 1);
    assert_int_equal(r->to, 0);
    assert_int_equal(r->expected, 0);
    for (size_t k = 0; k < 2; k++)
        assert_true(r->part_to[k] < 2); /* its partitions go to the others */
    mstr_rescale_free(r);
    r = plan_across(&job, 0, 3, 1, 2, 1, 2, 1, parts);
    int taken = 0;
    for (uint32_t g = 0; g < GROUPS; g++) {
        int was = r->was.owner[g], now = r->owners.owner[g];
        assert_true(was == now || was == 2);
        taken += was == 2 && now == 0;
    }
    assert_true(taken > 0);
    assert_true(r->takes_groups[0] && r->starts_over[0]);
    assert_int_equal(r->expected, 2);
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
        cmocka_unit_test(test_a_process_of_several_plans_for_its_own),
        cmocka_unit_test(test_growing_processes_moves_groups_to_the_new_one_only),
        cmocka_unit_test(test_shrinking_processes_empties_the_one_that_leaves),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    for (int i = 0; i < MOST; i++)
        mstr_doorbell_free(&bells[i]);
    return failed;
}
