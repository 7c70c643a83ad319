/*
 * test_custom.c - the runtime's side of custom sources and sinks without a job around them:
 * when a worker's custom sink blocks run (mstr_sink_custom_*: open, prepare and commit in
 * snapshot order, one commit per snapshot, the restored snapshot committed again after open,
 * one prepare and commit for snapshot 0 at the end of a job without snapshots, blocks a sink
 * lacks skipped, other sinks left alone) and where a custom source's partitions go
 * (mstr_place).
 *
 * The blocks are stand-ins that append what ran to a log; the worker they are handed is the
 * log itself (the runtime passes the worker through without looking at it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mstr_place.h"
#include "mstr_sink.h"

/* What the blocks ran, as "a.open(0) b.open(0) a.commit(5) ..." */
typedef struct call_log {
    char text[512];
} call_log;

static void note(mstr_worker *w, const char *sink, const char *block, long long n)
{
    call_log *log = (call_log *)w;
    size_t len = strlen(log->text);
    if (n >= 0)
        snprintf(log->text + len, sizeof log->text - len, "%s.%s(%lld) ", sink, block, n);
    else
        snprintf(log->text + len, sizeof log->text - len, "%s.%s ", sink, block);
}

static void a_open(mstr_worker *w, uint64_t resumed) { note(w, "a", "open", (long long)resumed); }
static void a_prepare(mstr_worker *w, uint64_t n) { note(w, "a", "prepare", (long long)n); }
static void a_commit(mstr_worker *w, uint64_t n) { note(w, "a", "commit", (long long)n); }
static void a_close(mstr_worker *w) { note(w, "a", "close", -1); }
static void b_open(mstr_worker *w, uint64_t resumed) { note(w, "b", "open", (long long)resumed); }
static void b_commit(mstr_worker *w, uint64_t n) { note(w, "b", "commit", (long long)n); }

/* Sink a has every block, the stdout sink none, sink b no prepare and no close. */
static const mstr_sink_desc sinks[] = {
    { .name = "a", .kind = MSTR_SINK_CUSTOM, .open = a_open, .prepare = a_prepare,
      .commit = a_commit, .close = a_close },
    { .name = "out", .kind = MSTR_SINK_STDOUT },
    { .name = "b", .kind = MSTR_SINK_CUSTOM, .open = b_open, .commit = b_commit },
};
static const mstr_job_desc job = { .name = "t", .sinks = sinks, .nsinks = 3 };

/* A worker's views on the job's sinks; staging NULL: a job without snapshots. */
typedef struct fixture {
    mstr_sink_set set;
    mstr_sink_views views;
    call_log log;
} fixture;

static void setup(fixture *f, const char *staging)
{
    memset(f, 0, sizeof *f);
    mstr_sink_set_init(&f->set, &job, staging);
    mstr_sink_views_init(&f->views, &f->set, 0);
}

static void teardown(fixture *f)
{
    uint64_t records[3] = { 0 }, checksum[3] = { 0 };
    mstr_sink_views_close(&f->views, records, checksum);
    mstr_sink_set_close(&f->set, false, records, checksum);
}

static mstr_worker *as_worker(fixture *f)
{
    return (mstr_worker *)&f->log;
}

/* A fresh start: open, then for each snapshot prepare at the cut and commit once it is
 * committed; a commit asked for again, or for an older snapshot, does not run. */
static void test_snapshots_in_order(void **state)
{
    (void)state;
    fixture f;
    setup(&f, "staging");
    mstr_sink_custom_open(&f.views, as_worker(&f), 0);
    mstr_sink_custom_prepare(&f.views, as_worker(&f), 1);
    mstr_sink_custom_commit(&f.views, as_worker(&f), 1);
    mstr_sink_custom_commit(&f.views, as_worker(&f), 1);
    mstr_sink_custom_commit(&f.views, as_worker(&f), 0);
    mstr_sink_custom_prepare(&f.views, as_worker(&f), 2);
    mstr_sink_custom_commit(&f.views, as_worker(&f), 2);
    mstr_sink_custom_finish(&f.views, as_worker(&f), 2);
    mstr_sink_custom_close(&f.views, as_worker(&f));
    assert_string_equal(f.log.text, "a.open(0) b.open(0) a.prepare(1) a.commit(1) b.commit(1) "
                                    "a.prepare(2) a.commit(2) b.commit(2) a.close ");
    teardown(&f);
}

/* A resume from snapshot 5: after open, 5 is committed again, and not a third time. */
static void test_resume_commits_again(void **state)
{
    (void)state;
    fixture f;
    setup(&f, "staging");
    mstr_sink_custom_open(&f.views, as_worker(&f), 5);
    mstr_sink_custom_commit(&f.views, as_worker(&f), 5);
    mstr_sink_custom_prepare(&f.views, as_worker(&f), 6);
    mstr_sink_custom_commit(&f.views, as_worker(&f), 6);
    assert_string_equal(f.log.text, "a.open(5) b.open(5) a.commit(5) b.commit(5) a.prepare(6) "
                                    "a.commit(6) b.commit(6) ");
    teardown(&f);
}

/* The end of a job that stopped after committing snapshot 3 whose commit the worker had not
 * run yet: finish runs it. */
static void test_finish_commits_the_last(void **state)
{
    (void)state;
    fixture f;
    setup(&f, "staging");
    mstr_sink_custom_open(&f.views, as_worker(&f), 0);
    mstr_sink_custom_prepare(&f.views, as_worker(&f), 3);
    mstr_sink_custom_finish(&f.views, as_worker(&f), 3);
    assert_string_equal(f.log.text, "a.open(0) b.open(0) a.prepare(3) a.commit(3) b.commit(3) ");
    teardown(&f);
}

/* Without snapshots, prepare and commit run once, at the end, with snapshot 0. */
static void test_end_without_snapshots(void **state)
{
    (void)state;
    fixture f;
    setup(&f, NULL);
    mstr_sink_custom_open(&f.views, as_worker(&f), 0);
    mstr_sink_custom_commit(&f.views, as_worker(&f), 0);
    mstr_sink_custom_finish(&f.views, as_worker(&f), 0);
    mstr_sink_custom_close(&f.views, as_worker(&f));
    assert_string_equal(f.log.text, "a.open(0) b.open(0) a.prepare(0) a.commit(0) b.commit(0) "
                                    "a.close ");
    teardown(&f);
}

/* A job without custom sinks runs nothing. */
static void test_no_custom_sinks(void **state)
{
    (void)state;
    static const mstr_job_desc plain = { .name = "p", .sinks = &sinks[1], .nsinks = 1 };
    fixture f;
    memset(&f, 0, sizeof f);
    mstr_sink_set_init(&f.set, &plain, NULL);
    mstr_sink_views_init(&f.views, &f.set, 0);
    mstr_sink_custom_open(&f.views, as_worker(&f), 0);
    mstr_sink_custom_finish(&f.views, as_worker(&f), 0);
    mstr_sink_custom_close(&f.views, as_worker(&f));
    assert_string_equal(f.log.text, "");
    uint64_t records[1] = { 0 }, checksum[1] = { 0 };
    mstr_sink_views_close(&f.views, records, checksum);
    mstr_sink_set_close(&f.set, false, records, checksum);
}

/* custom(N): N partitions whatever the workers, partition k on worker k mod workers. */
static void test_custom_partitions(void **state)
{
    (void)state;
    static const mstr_source_desc sources[] = {
        { .name = "c", .kind = MSTR_SOURCE_CUSTOM, .partitions = 3 },
    };
    static const mstr_job_desc d = { .name = "c", .sources = sources, .nsources = 1 };
    static const size_t which[] = { 0 };
    assert_int_equal(mstr_place_count(&sources[0], 1), 3);
    assert_int_equal(mstr_place_count(&sources[0], 8), 3);
    assert_int_equal(mstr_place_worker(2, 1, 2), 0);
    size_t *counts = mstr_place_counts(&d, 4);
    assert_true(mstr_place_reads_any(counts, 2, 1, 4, which, 1));
    assert_false(mstr_place_reads_any(counts, 3, 1, 4, which, 1));
    /* two processes of two workers: partitions 0 and 2 in process 0 (workers 0, 1), 1 in
     * process 1 (worker 2); with three workers each, still in their processes */
    assert_int_equal(mstr_place_worker(0, 2, 2), 0);
    assert_int_equal(mstr_place_worker(1, 2, 2), 2);
    assert_int_equal(mstr_place_worker(2, 2, 2), 1);
    assert_int_equal(mstr_place_worker(5, 2, 2), 2);
    assert_int_equal(mstr_place_worker(1, 2, 3), 3);
    assert_int_equal(mstr_place_worker(2, 2, 3), 1);
    assert_true(mstr_place_reads_any(counts, 1, 2, 2, which, 1));
    assert_true(mstr_place_reads_any(counts, 2, 2, 2, which, 1));
    assert_false(mstr_place_reads_any(counts, 3, 2, 2, which, 1));
    free(counts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshots_in_order),
        cmocka_unit_test(test_resume_commits_again),
        cmocka_unit_test(test_finish_commits_the_last),
        cmocka_unit_test(test_end_without_snapshots),
        cmocka_unit_test(test_no_custom_sinks),
        cmocka_unit_test(test_custom_partitions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
