/*
 * mstr_job.c - a job's start and end (see mstr_job.h).
 *
 * Order of work, and why: every source partition is opened first, then every sink, all in the
 * main thread before any worker starts, so that a missing input file stops the job before an
 * output is truncated, and an unwritable output stops it before anything is read. With a state
 * directory the workers are made before the outputs are opened: the last committed snapshot is
 * restored into them (and into the partitions) first, an older one if it is unusable, and the
 * outputs then resume from that snapshot (mstr_sink.h). The main thread then coordinates
 * snapshots (mstr_coord.h) until the job stops. At the end the workers' tallies are summed, and
 * the summary says what went wrong with the data (records that could not be decoded), with the
 * outputs, and what the snapshots took.
 */
#include "mstr_job.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mstr_channel_ring.h"
#include "mstr_coord.h"
#include "mstr_fail.h"
#include "mstr_mem.h"
#include "mstr_place.h"
#include "mstr_settings.h"
#include "mstr_sink.h"
#include "mstr_snapshot.h"
#include "mstr_source.h"
#include "mstr_store.h"
#include "mstr_worker.h"

/* Commit records looked at when choosing a snapshot to resume from. */
enum { MAX_COMMITS = 64 };

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
    mstr_coord coord;
    mstr_store *store;           /* NULL without a state directory */
    char *store_dir, *staging_dir;
    uint64_t restored;           /* the snapshot the job resumed from; 0 for a fresh start */
    bool coordinated;            /* coord was set up (the workers ran) */
    uint64_t *records;           /* per sink, summed over the workers */
    uint64_t *checksum;
} job;

/* ---- inputs -------------------------------------------------------------------------------- */

/* Places and opens every source partition (mstr_place.h). Returns false if one cannot be
 * opened (after a message). */
static bool open_inputs(job *j)
{
    const mstr_job_desc *d = j->desc;
    int workers = j->settings.workers;
    j->nparts = 0;
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

static bool close_inputs(job *j)
{
    bool ok = true;
    for (size_t i = 0; i < j->nparts; i++)
        ok = mstr_source_close(&j->parts[i]) && ok;
    free(j->parts);
    j->parts = NULL;
    return ok;
}

/* ---- workers ------------------------------------------------------------------------------ */

static void make_workers(job *j)
{
    int n = j->settings.workers;
    j->bells = mstr_alloc_array((size_t)n, sizeof *j->bells);
    for (int i = 0; i < n; i++)
        mstr_doorbell_init(&j->bells[i]);
    mstr_failure_init(&j->failure, j->bells, n);
    j->hub = mstr_ring_hub_new(n, j->bells);
    j->workers = mstr_alloc_array((size_t)n, sizeof *j->workers);
    for (int i = 0; i < n; i++) {
        mstr_worker_setup s = {
            .desc = j->desc, .index = i, .workers = n, .process = 0, .local = i,
            .key_groups = (uint32_t)j->settings.key_groups, .parts = j->parts,
            .nparts = j->nparts, .channel = mstr_ring_hub_end(j->hub, i), .bell = &j->bells[i],
            .failure = &j->failure, .coord = &j->coord, .sinks = &j->sinks,
            .poll_records = (size_t)j->settings.poll_records,
            .poll_sleep_ms = j->settings.poll_sleep_ms,
        };
        mstr_worker_init(&j->workers[i], &s);
    }
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

/* Starts the workers, coordinates them until the job stops, and waits for them. Returns the
 * signal that stopped the job, or 0. */
static int run_workers(job *j)
{
    int n = j->settings.workers;
    mstr_coord_init(&j->coord, n, j->bells, &j->failure, j->store, &j->sinks,
                    j->settings.snapshot_every, j->settings.keep_snapshots, j->restored);
    j->coord.commit_sleep_ms = j->settings.commit_sleep_ms;
    j->coordinated = true;
    mstr_coord_watch_signals(&j->coord);
    for (int i = 0; i < n; i++)
        if (!mstr_worker_start(&j->workers[i]))
            abort();
    int sig = mstr_coord_run(&j->coord);
    for (int i = 0; i < n; i++)
        mstr_worker_join(&j->workers[i]);
    return sig;
}

/* ---- state --------------------------------------------------------------------------------- */

static bool make_dir(const char *path)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST)
        return true;
    fprintf(stderr, "mstr: cannot make the state directory '%s': %s\n", path, strerror(errno));
    return false;
}

/* A state directory with no usable snapshot: the job starts from nothing, and what a crashed
 * run left there is cleared. */
static bool start_fresh(job *j, const char *shape)
{
    char *error = NULL;
    bool ok = mstr_store_discard_after(j->store, 0, &error) &&
              mstr_store_put_shape(j->store, shape, &error);
    if (!ok) {
        /* (a store whose commit records cannot be read looks empty: this is where it shows) */
        fprintf(stderr, "mstr: %s: %s; run with --fresh to discard it and start over\n",
                j->settings.state_dir, error);
        free(error);
        return false;
    }
    return mstr_sink_set_open(&j->sinks, j->store);
}

/* Restores the newest of the commits that is usable, remaking the workers and inputs after
 * each one that is not. Returns false (after a message) if none is. */
static bool restore_newest(job *j, const mstr_commit *commits, size_t ncommits, const size_t *map,
                           size_t nmap)
{
    for (size_t i = 0; i < ncommits; i++) {
        char *error = NULL;
        if (mstr_snapshot_restore(j->store, &commits[i], j->workers, j->settings.workers,
                                  j->parts, j->nparts, map, nmap, &error)) {
            j->restored = commits[i].snapshot;
            return true;
        }
        fprintf(stderr, "mstr: snapshot %llu in '%s' cannot be restored: %s%s\n",
                (unsigned long long)commits[i].snapshot, j->settings.state_dir, error,
                i + 1 < ncommits ? "; trying the one before" : "");
        free(error);
        close_workers(j);
        close_inputs(j);
        if (!open_inputs(j))
            return false;
        make_workers(j);
    }
    fprintf(stderr, "mstr: '%s' holds no usable snapshot; run with --fresh to discard its state "
                    "and start over\n", j->settings.state_dir);
    return false;
}

/* Resumes from the newest usable committed snapshot whose shape fits the program. */
static bool resume(job *j, const mstr_commit *commits, size_t ncommits, const char *shape)
{
    char *error = NULL, *stored = mstr_store_get_shape(j->store, &error);
    size_t map[1024], nmap = 0;
    bool ok = stored != NULL &&
              mstr_snapshot_fits(stored, shape, j->desc, map, 1024, &nmap, &error);
    if (!ok && stored == NULL && error != NULL)
        fprintf(stderr, "mstr: %s: %s; run with --fresh to discard it and start over\n",
                j->settings.state_dir, error);
    else if (!ok)
        fprintf(stderr, "mstr: the state in '%s' does not fit this program: %s; run with --fresh "
                        "to discard it and start over\n", j->settings.state_dir,
                error ? error : "its description is missing");
    free(stored);
    free(error);
    if (!ok || !restore_newest(j, commits, ncommits, map, nmap))
        return false;
    error = NULL;
    ok = mstr_store_discard_after(j->store, j->restored, &error) &&
         mstr_sink_set_resume(&j->sinks, j->store, j->restored, &error);
    if (!ok) {
        fprintf(stderr, "mstr: resuming from snapshot %llu: %s\n",
                (unsigned long long)j->restored, error);
        free(error);
        return false;
    }
    fprintf(stderr, "mstr: resumed from snapshot %llu in '%s'\n",
            (unsigned long long)j->restored, j->settings.state_dir);
    return true;
}

/* Opens the outputs and, with a state directory, the store: a fresh start or a resume. */
static bool prepare_state(job *j)
{
    const char *dir = j->settings.state_dir;
    if (dir == NULL)
        return mstr_sink_set_open(&j->sinks, NULL);
    char *error = NULL;
    if (j->settings.fresh && !mstr_store_destroy(j->store_dir, &error)) {
        fprintf(stderr, "mstr: %s: %s\n", dir, error);
        free(error);
        return false;
    }
    j->store = mstr_store_open(j->store_dir, &error);
    if (j->store == NULL) {
        fprintf(stderr, "mstr: %s: %s; run with --fresh to discard it and start over\n", dir,
                error);
        free(error);
        return false;
    }
    char *shape = mstr_snapshot_shape(j->desc, j->settings.workers,
                                      (uint32_t)j->settings.key_groups);
    mstr_commit commits[MAX_COMMITS];
    size_t ncommits = mstr_store_commits(j->store, commits, MAX_COMMITS);
    bool ok = ncommits == 0 ? start_fresh(j, shape) : resume(j, commits, ncommits, shape);
    free(shape);
    return ok;
}

/* ---- the summary ------------------------------------------------------------------------- */

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

/* Says how a stop by a signal left the job. */
static void report_signal(const job *j, int sig)
{
    if (j->store != NULL)
        fprintf(stderr, "mstr: stopped by SIG%s after snapshot %llu; run again with the same "
                        "--state-dir to resume\n", sigabbrev_np(sig),
                (unsigned long long)j->coord.last);
    else
        fprintf(stderr, "mstr: stopped by SIG%s\n", sigabbrev_np(sig));
}

/* ---- the job -------------------------------------------------------------------------------- */

static void paths(job *j)
{
    const char *dir = j->settings.state_dir;
    if (dir == NULL)
        return;
    j->store_dir = mstr_strf("%s/store", dir);
    j->staging_dir = mstr_strf("%s/staging", dir);
}

int mstr_main(int argc, char **argv, const mstr_job_desc *desc)
{
    job j = { .desc = desc };
    int rc = mstr_settings_parse(&j.settings, argc, argv, desc);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    mstr_crash_handler_install();
    /* A file size limit (ulimit -f) makes a write that passes it fail with EFBIG, reported
     * like any failed write (a snapshot that cannot be written fails the job, exit status 1),
     * instead of killing the process with SIGXFSZ in the middle of a write. */
    signal(SIGXFSZ, SIG_IGN);
    paths(&j);
    j.records = mstr_alloc_array(desc->nsinks, sizeof *j.records);
    j.checksum = mstr_alloc_array(desc->nsinks, sizeof *j.checksum);
    bool inputs = open_inputs(&j) && (j.settings.state_dir == NULL ||
                                      make_dir(j.settings.state_dir));
    int sig = 0;
    bool ok = inputs;
    if (inputs) {
        if (j.settings.state_dir != NULL)
            mstr_coord_hold_signals(); /* until the coordinator watches for them */
        mstr_sink_set_init(&j.sinks, desc, j.settings.workers, j.staging_dir);
        make_workers(&j);
        ok = prepare_state(&j);
        for (int i = 0; ok && i < j.settings.workers; i++)
            ok = mstr_sink_views_begin(&j.workers[i].views, j.restored + 1);
        if (ok)
            sig = run_workers(&j);
        if (ok && j.settings.stats)
            print_counters(&j);
        ok = close_workers(&j) && ok;
        ok = !mstr_failure_finish(&j.failure) && ok;
        if (j.coordinated) {
            mstr_coord_report(&j.coord);
            mstr_coord_free(&j.coord);
        }
    }
    ok = report_malformed(&j) && ok;
    ok = close_inputs(&j) && ok;
    if (inputs)
        ok = mstr_sink_set_close(&j.sinks, j.settings.stats, j.records, j.checksum) && ok;
    mstr_store_close(j.store);
    if (sig != 0)
        report_signal(&j, sig);
    free(j.records);
    free(j.checksum);
    free(j.store_dir);
    free(j.staging_dir);
    if (!ok)
        return 1;
    return sig != 0 && j.store == NULL ? 128 + sig : 0;
}
