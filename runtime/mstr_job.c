/*
 * mstr_job.c - running a job: command line, opening inputs and outputs, the worker loop, the
 * summary (see mstr_job.h).
 *
 * Order of work, and why: every sink and every source partition is opened before the first
 * record is read, so that a missing input file or an unwritable output stops the job before it
 * has produced anything. Partitions are then polled round-robin, one batch each, so that no
 * source starves the others; the batch arena is reset after every poll, which bounds the
 * memory strings use to one batch.
 */
#include "mstr_job.h"

#include "mstr_source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct job_options {
    bool stats;
} job_options;

typedef struct job {
    const mstr_job_desc *desc;
    mstr_sink *sinks;
    mstr_partition *parts;
    size_t nparts;
    mstr_worker worker;
} job;

static void usage(FILE *f, const char *argv0, const mstr_job_desc *desc)
{
    fprintf(f,
            "usage: %s [--stats] [--help]\n"
            "\n"
            "Runs the Malstrom-C job '%s' compiled from %s.\n"
            "\n"
            "  --stats   print records per sink and malformed records per source on stderr\n"
            "  --help    show this help\n"
            "\n"
            "Exit status: 0 on success, 1 for bad data or environment, 2 for bad usage.\n",
            argv0, desc->name, desc->program);
}

/* Returns 0 to run, -1 for --help (exit 0), 2 for bad usage. */
static int parse_args(int argc, char **argv, const mstr_job_desc *desc, job_options *opt)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--stats") == 0) {
            opt->stats = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout, argv[0], desc);
            return -1;
        } else {
            fprintf(stderr, "%s: unknown argument '%s'\n", argv[0], argv[i]);
            usage(stderr, argv[0], desc);
            return 2;
        }
    }
    return 0;
}

static bool open_sink(mstr_sink *s, const mstr_sink_desc *d)
{
    s->desc = d;
    switch (d->kind) {
    case MSTR_SINK_STDOUT:
        mstr_out_init_fd(&s->out, STDOUT_FILENO, "<stdout>");
        return true;
    case MSTR_SINK_NULL:
        mstr_out_init_fd(&s->out, -1, "<null>");
        return true;
    case MSTR_SINK_TEXT:
    case MSTR_SINK_CSV:
    case MSTR_SINK_JSONL:
        if (!mstr_out_open(&s->out, d->path)) {
            fprintf(stderr, "mstr: sink '%s': cannot write '%s': %s\n", d->name, d->path,
                    strerror(errno));
            return false;
        }
        if (d->write_header != NULL)
            d->write_header(&s->out);
        return true;
    }
    return false;
}

static size_t source_partition_count(const mstr_source_desc *src)
{
    if (src->kind == MSTR_SOURCE_LINES || src->kind == MSTR_SOURCE_CSV)
        return src->npaths;
    return 1;
}

static bool job_open(job *j)
{
    const mstr_job_desc *d = j->desc;
    bool ok = true;
    j->sinks = calloc(d->nsinks ? d->nsinks : 1, sizeof *j->sinks);
    for (size_t i = 0; i < d->nsources; i++)
        j->nparts += source_partition_count(&d->sources[i]);
    j->parts = calloc(j->nparts ? j->nparts : 1, sizeof *j->parts);
    if (j->sinks == NULL || j->parts == NULL)
        abort();
    for (size_t i = 0; i < d->nsinks; i++)
        ok = open_sink(&j->sinks[i], &d->sinks[i]) && ok;

    mstr_worker *w = &j->worker;
    mstr_arena_init(&w->arena);
    w->ctx = (mstr_ctx){ .worker = 0, .workers = 1, .arena = &w->arena };
    w->sinks = j->sinks;

    size_t k = 0;
    for (size_t i = 0; i < d->nsources; i++) {
        for (size_t n = 0; n < source_partition_count(&d->sources[i]); n++, k++) {
            j->parts[k].source = &d->sources[i];
            j->parts[k].index = n;
            ok = mstr_source_open(&j->parts[k], &w->arena) && ok;
        }
    }
    mstr_arena_reset(&w->arena);
    return ok;
}

/* Polls every unfinished partition once per round until all are done. */
static void job_run(job *j)
{
    mstr_worker *w = &j->worker;
    size_t live = j->nparts;
    while (live > 0) {
        live = 0;
        for (size_t i = 0; i < j->nparts; i++) {
            mstr_partition *p = &j->parts[i];
            if (p->done)
                continue;
            p->source->poll(w, p);
            mstr_arena_reset(&w->arena);
            live += !p->done;
        }
    }
}

static bool job_close_sources(job *j)
{
    bool ok = true;
    for (size_t i = 0; i < j->nparts; i++)
        ok = mstr_source_close(&j->parts[i]) && ok;
    free(j->parts);
    return ok;
}

/* Returns false if a write failed. */
static bool job_close_sinks(job *j, const job_options *opt)
{
    bool ok = true;
    for (size_t i = 0; i < j->desc->nsinks; i++) {
        mstr_sink *s = &j->sinks[i];
        if (s->desc == NULL)
            continue;
        if (!mstr_out_close(&s->out)) {
            fprintf(stderr, "mstr: sink '%s': error writing '%s': %s\n", s->desc->name,
                    s->out.path, strerror(s->out.errno_saved));
            ok = false;
        }
        if (opt->stats)
            fprintf(stderr, "mstr: sink '%s': %llu records, checksum %016llx\n", s->desc->name,
                    (unsigned long long)s->records, (unsigned long long)s->checksum);
    }
    free(j->sinks);
    return ok;
}

/* Prints the malformed-record summary per source. Returns false if records were dropped. */
static bool job_report_malformed(const job *j)
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

int mstr_main(int argc, char **argv, const mstr_job_desc *desc)
{
    job_options opt = { 0 };
    int rc = parse_args(argc, argv, desc, &opt);
    if (rc != 0)
        return rc < 0 ? 0 : rc;

    job j = { .desc = desc };
    bool ok = job_open(&j);
    if (ok)
        job_run(&j);
    ok = job_report_malformed(&j) && ok;
    ok = job_close_sources(&j) && ok;
    ok = job_close_sinks(&j, &opt) && ok;
    mstr_arena_free(&j.worker.arena);
    return ok ? 0 : 1;
}
