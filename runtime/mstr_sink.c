/*
 * mstr_sink.c - a job's outputs and the workers' buffers on them (see mstr_sink.h).
 */
#include "mstr_sink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mstr_mem.h"

static bool open_shared(mstr_shared_out *s, const mstr_sink_desc *d)
{
    pthread_mutex_init(&s->lock, NULL);
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
            mstr_out_init_fd(&s->out, -1, d->path);
            fprintf(stderr, "mstr: sink '%s': cannot write '%s': %s\n", d->name, d->path,
                    strerror(errno));
            return false;
        }
        if (d->write_header != NULL)
            d->write_header(&s->out);
        return mstr_out_flush(&s->out);
    }
    return false;
}

bool mstr_sink_set_open(mstr_sink_set *set, const mstr_job_desc *d)
{
    set->desc = d;
    pthread_mutex_init(&set->stdout_lock, NULL);
    set->outs = mstr_alloc_array(d->nsinks, sizeof *set->outs);
    bool ok = true;
    for (size_t i = 0; i < d->nsinks; i++)
        ok = open_shared(&set->outs[i], &d->sinks[i]) && ok;
    return ok;
}

/* Closes o, reporting a failed write against sink. */
static bool close_out(mstr_out *o, const char *sink)
{
    if (mstr_out_close(o))
        return true;
    fprintf(stderr, "mstr: sink '%s': error writing '%s': %s\n", sink, o->path,
            strerror(o->errno_saved));
    return false;
}

bool mstr_sink_set_close(mstr_sink_set *set, bool stats, const uint64_t *records,
                         const uint64_t *checksum)
{
    const mstr_job_desc *d = set->desc;
    bool ok = true;
    for (size_t i = 0; i < d->nsinks; i++) {
        ok = close_out(&set->outs[i].out, d->sinks[i].name) && ok;
        pthread_mutex_destroy(&set->outs[i].lock);
        if (stats)
            fprintf(stderr, "mstr: sink '%s': %llu records, checksum %016llx\n",
                    d->sinks[i].name, (unsigned long long)records[i],
                    (unsigned long long)checksum[i]);
    }
    free(set->outs);
    pthread_mutex_destroy(&set->stdout_lock);
    return ok;
}

void mstr_sink_views_init(mstr_sink_views *v, mstr_sink_set *set)
{
    const mstr_job_desc *d = set->desc;
    v->n = d->nsinks;
    v->sinks = mstr_alloc_array(d->nsinks, sizeof *v->sinks);
    v->outs = mstr_alloc_array(d->nsinks, sizeof *v->outs);
    mstr_out_init_fd(&v->stdout_out, STDOUT_FILENO, "<stdout>");
    v->stdout_out.lock = &set->stdout_lock;
    for (size_t i = 0; i < d->nsinks; i++) {
        v->sinks[i].desc = &d->sinks[i];
        if (d->sinks[i].kind == MSTR_SINK_STDOUT) {
            v->sinks[i].out = &v->stdout_out;
            continue;
        }
        mstr_out_init_fd(&v->outs[i], set->outs[i].out.fd, set->outs[i].out.path);
        v->outs[i].lock = &set->outs[i].lock;
        v->sinks[i].out = &v->outs[i];
    }
}

bool mstr_sink_views_close(mstr_sink_views *v, uint64_t *records, uint64_t *checksum)
{
    bool ok = true;
    for (size_t i = 0; i < v->n; i++) {
        mstr_sink *s = &v->sinks[i];
        records[i] += s->records;
        checksum[i] += s->checksum;
        if (s->desc->kind != MSTR_SINK_STDOUT)
            ok = close_out(s->out, s->desc->name) && ok;
    }
    ok = close_out(&v->stdout_out, "stdout") && ok;
    free(v->outs);
    free(v->sinks);
    return ok;
}
