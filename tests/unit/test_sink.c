/*
 * test_sink.c - a file sink's staging across a live rescale (mstr_sink.h), with a real store:
 * within one snapshot interval a worker leaves (its staging file made durable, not published
 * yet) and a new worker of its index comes, and of another index; the worker that comes writes
 * on at the end of the file the one that left wrote. Publishing the interval, or resuming from
 * it after a crash before its publication, appends every worker's file in worker order,
 * whatever the worker count at the snapshot; a fresh start drops what an earlier run staged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mstr_sink.h"
#include "mstr_store.h"
#include "unit_store.h"

typedef struct fixture {
    unit_store db;              /* and the output file, in its directory */
    unit_tmp staging;
    char out[4200];
    mstr_sink_desc sink;
    mstr_job_desc job;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    unit_store_open(&f->db);
    unit_tmp_dir(&f->staging);
    snprintf(f->out, sizeof f->out, "%s/out.txt", f->db.tmp.dir);
    f->sink = (mstr_sink_desc){ .name = "out", .kind = MSTR_SINK_TEXT, .path = f->out };
    f->job = (mstr_job_desc){ .name = "t", .sinks = &f->sink, .nsinks = 1 };
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    unit_tmp_cleanup(&f->staging);
    unit_store_close(&f->db);
    free(f);
    return 0;
}

/* Worker `worker` of set writes text in interval 1, then leaves (end) or takes its cut of
 * snapshot 1 (cut), and closes its views. */
static void stage(mstr_sink_set *set, int worker, const char *text, bool leaves)
{
    mstr_sink_views v;
    mstr_sink_views_init(&v, set, worker);
    assert_true(mstr_sink_views_begin(&v, 1));
    mstr_out_bytes(&v.outs[0], text, strlen(text));
    assert_true(leaves ? mstr_sink_views_end(&v) : mstr_sink_views_cut(&v, 1));
    uint64_t records = 0, checksum = 0;
    assert_true(mstr_sink_views_close(&v, &records, &checksum));
}

/* Interval 1 of a job that went from 3 workers to 1 and back to 2: worker 2 left, worker 1
 * left and came back, worker 0 stayed. */
static void stage_rescaled_interval(mstr_sink_set *set)
{
    stage(set, 2, "two\n", true);
    stage(set, 1, "one\n", true);
    stage(set, 1, "one again\n", false);
    stage(set, 0, "zero\n", false);
}

static const char rescaled_output[] = "zero\none\none again\ntwo\n";

static void assert_output(const fixture *f, const char *want)
{
    size_t n;
    char *got = unit_tmp_read(f->out, &n);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_publish_takes_every_worker_of_the_interval(void **state)
{
    fixture *f = *state;
    mstr_sink_set set;
    mstr_sink_set_init(&set, &f->job, f->staging.dir);
    assert_true(mstr_sink_set_open(&set, f->db.store));
    stage_rescaled_interval(&set);
    char *error = NULL;
    assert_true(mstr_sink_set_publish(&set, f->db.store, 1, &error));
    uint64_t zero = 0;
    assert_true(mstr_sink_set_close(&set, false, &zero, &zero));
    assert_output(f, rescaled_output);
}

/* A crash after snapshot 1's commit, before its publication: the resume publishes it. */
static void test_resume_publishes_every_worker_of_the_interval(void **state)
{
    fixture *f = *state;
    mstr_sink_set set;
    mstr_sink_set_init(&set, &f->job, f->staging.dir);
    assert_true(mstr_sink_set_open(&set, f->db.store));
    stage_rescaled_interval(&set);
    uint64_t zero = 0;
    assert_true(mstr_sink_set_close(&set, false, &zero, &zero));
    mstr_sink_set again;
    mstr_sink_set_init(&again, &f->job, f->staging.dir);
    char *error = NULL;
    assert_true(mstr_sink_set_resume(&again, f->db.store, 1, &error));
    assert_true(mstr_sink_set_close(&again, false, &zero, &zero));
    assert_output(f, rescaled_output);
}

/* What an earlier run staged is not published by a run that starts from nothing. */
static void test_fresh_start_drops_earlier_staging(void **state)
{
    fixture *f = *state;
    assert_non_null(unit_tmp_write(&f->staging, "out.5.1", "stale\n", 6));
    mstr_sink_set set;
    mstr_sink_set_init(&set, &f->job, f->staging.dir);
    assert_true(mstr_sink_set_open(&set, f->db.store));
    stage(&set, 0, "zero\n", false);
    char *error = NULL;
    assert_true(mstr_sink_set_publish(&set, f->db.store, 1, &error));
    uint64_t zero = 0;
    assert_true(mstr_sink_set_close(&set, false, &zero, &zero));
    assert_output(f, "zero\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_publish_takes_every_worker_of_the_interval, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_resume_publishes_every_worker_of_the_interval, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fresh_start_drops_earlier_staging, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
