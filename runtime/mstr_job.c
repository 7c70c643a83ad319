/*
 * mstr_job.c - a job's start and end (see mstr_job.h).
 *
 * Order of work, and why: every source partition is opened first, then every sink, all in the
 * main thread before any worker starts, so that a missing input file stops the job before an
 * output is truncated, and an unwritable output stops it before anything is read. At the end
 * the workers' tallies are summed, and the summary says what went wrong with the data (records
 * that could not be decoded) and with the outputs.
 */
#include "mstr_job.h"

#include <stdio.h>
#include <stdlib.h>

#include "mstr_channel_ring.h"
#include "mstr_fail.h"
#include "mstr_mem.h"
#include "mstr_place.h"
#include "mstr_settings.h"
#include "mstr_sink.h"
#include "mstr_source.h"
#include "mstr_worker.h"

typedef struct job {
    const mstr_job_desc *desc;
    mstr_settings settings;
    mstr_partition *parts;
    size_t nparts;
    mstr_sink_set sinks;
    mstr_failure failure;
    mstr_doorbell *bells;        /* one per worker */
    mstr_ring_hub *hub;
    mstr_worker *workers;
    uint64_t *records;           /* per sink, summed over the workers */
    uint64_t *checksum;
} job;

/* Places and opens every source partition (mstr_place.h). Returns false if one cannot be
 * opened (after a message). */
static bool open_inputs(job *j)
{
    const mstr_job_desc *d = j->desc;
    int workers = j->settings.workers;
    for (size_t i = 0; i < d->nsources; i++)
        j->nparts += mstr_place_count(&d->sources[i], workers);
    j->parts = mstr_alloc_array(j->nparts, sizeof *j->parts);
    mstr_arena scratch;
    mstr_arena_init(&scratch);
    bool ok = true;
    size_t k = 0;
    for (size_t i = 0; i < d->nsources; i++) {
        const mstr_source_desc *src = &d->sources[i];
        size_t n = mstr_place_count(src, workers);
        for (size_t part = 0; part < n; part++, k++) {
            mstr_partition *p = &j->parts[k];
            p->source = src;
            p->index = part;
            p->worker = mstr_place_worker(part, workers);
            if (src->kind == MSTR_SOURCE_RANGE || src->kind == MSTR_SOURCE_NEXMARK ||
                src->kind == MSTR_SOURCE_LIST)
                mstr_place_span(src, part, n, &p->next, &p->end);
            ok = mstr_source_open(p, &scratch) && ok;
        }
    }
    mstr_arena_free(&scratch);
    return ok;
}

static void run_workers(job *j)
{
    const mstr_job_desc *d = j->desc;
    int n = j->settings.workers;
    j->bells = mstr_alloc_array((size_t)n, sizeof *j->bells);
    for (int i = 0; i < n; i++)
        mstr_doorbell_init(&j->bells[i]);
    mstr_failure_init(&j->failure, j->bells, n);
    j->hub = mstr_ring_hub_new(n, j->bells);
    j->workers = mstr_alloc_array((size_t)n, sizeof *j->workers);
    for (int i = 0; i < n; i++) {
        mstr_worker_setup s = {
            .desc = d, .index = i, .workers = n, .process = 0, .local = i,
            .key_groups = (uint32_t)j->settings.key_groups, .parts = j->parts,
            .nparts = j->nparts, .channel = mstr_ring_hub_end(j->hub, i), .bell = &j->bells[i],
            .failure = &j->failure, .sinks = &j->sinks,
        };
        mstr_worker_init(&j->workers[i], &s);
    }
    for (int i = 0; i < n; i++)
        if (!mstr_worker_start(&j->workers[i]))
            abort();
    for (int i = 0; i < n; i++)
        mstr_worker_join(&j->workers[i]);
}

/* Closes what the workers used and sums their tallies. Returns false if a write failed. */
static bool close_workers(job *j)
{
    bool ok = true;
    int n = j->settings.workers;
    for (int i = 0; i < n; i++)
        ok = mstr_worker_close(&j->workers[i], j->records, j->checksum) && ok;
    mstr_ring_hub_free(j->hub);
    for (int i = 0; i < n; i++)
        mstr_doorbell_free(&j->bells[i]);
    free(j->workers);
    free(j->bells);
    return ok;
}

/* Prints each counter's sum over the workers. */
static void print_counters(const job *j)
{
    for (size_t k = 0; k < j->desc->ncounters; k++) {
        uint64_t sum = 0;
        for (int i = 0; i < j->settings.workers; i++)
            sum += j->workers[i].counters[k];
        fprintf(stderr, "mstr: %s: %llu\n", j->desc->counters[k], (unsigned long long)sum);
    }
}

/* Prints the malformed-record summary per source. Returns false if records were dropped. */
static bool report_malformed(const job *j)
{
    bool ok = true;
    for (size_t i = 0; i < j->desc->nsources; i++) {
        const mstr_source_desc *src = &j->desc->sources[i];
        uint64_t bad = 0;
        for (size_t k = 0; k < j->nparts; k++)
            if (j->parts[k].source == src)
                bad += j->parts[k].malformed;
        if (bad == 0)
            continue;
        if (src->dead_letter != NULL) {
            fprintf(stderr, "mstr: source '%s': %llu malformed record%s sent to '%s'\n",
                    src->name, (unsigned long long)bad, bad == 1 ? "" : "s", src->dead_letter);
        } else {
            fprintf(stderr, "mstr: source '%s': %llu malformed record%s dropped "
                            "(declare a dead_letter stream to keep them)\n",
                    src->name, (unsigned long long)bad, bad == 1 ? "" : "s");
            ok = false;
        }
    }
    return ok;
}

static bool close_inputs(job *j)
{
    bool ok = true;
    for (size_t i = 0; i < j->nparts; i++)
        ok = mstr_source_close(&j->parts[i]) && ok;
    free(j->parts);
    return ok;
}

int mstr_main(int argc, char **argv, const mstr_job_desc *desc)
{
    job j = { .desc = desc };
    int rc = mstr_settings_parse(&j.settings, argc, argv, desc);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    mstr_crash_handler_install();
    j.records = mstr_alloc_array(desc->nsinks, sizeof *j.records);
    j.checksum = mstr_alloc_array(desc->nsinks, sizeof *j.checksum);
    bool inputs = open_inputs(&j);
    bool ok = inputs && mstr_sink_set_open(&j.sinks, desc);
    if (ok) {
        run_workers(&j);
        if (j.settings.stats)
            print_counters(&j);
        ok = close_workers(&j);
        ok = !mstr_failure_finish(&j.failure) && ok;
    }
    ok = report_malformed(&j) && ok;
    ok = close_inputs(&j) && ok;
    if (inputs) /* the outputs were opened, or some of them */
        ok = mstr_sink_set_close(&j.sinks, j.settings.stats, j.records, j.checksum) && ok;
    free(j.records);
    free(j.checksum);
    return ok ? 0 : 1;
}
