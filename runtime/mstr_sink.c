/*
 * mstr_sink.c - a job's outputs, the workers' buffers on them, and the two phases of exactly-once
 * file output (see mstr_sink.h).
 *
 * A staging file's name is SINK.W.N in the staging directory: the sink's name (an identifier),
 * the worker and the interval. Publishing copies with read and write through one buffer; a
 * published file's length is known before the copy (its recorded length plus what is copied),
 * so a crash in the middle of a publication is undone by cutting the file back on resume, and
 * published again from the staging files: they are deleted only once the publication is
 * recorded.
 */
#include "mstr_sink.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mstr_mem.h"
#include "mstr_worker.h"

enum { COPY_BUF = 64 * 1024 };

bool mstr_sink_is_file(const mstr_sink_desc *d)
{
    return d->kind == MSTR_SINK_TEXT || d->kind == MSTR_SINK_CSV || d->kind == MSTR_SINK_JSONL;
}

static char *staging_path(const mstr_sink_set *set, size_t sink, int worker, uint64_t interval)
{
    return mstr_strf("%s/%s.%d.%" PRIu64, set->staging, set->desc->sinks[sink].name, worker,
                     interval);
}

/* Sets *error (a string to free) to what failed on path, and why (errno). */
static bool fail_msg(char **error, const char *what, const char *path)
{
    *error = mstr_strf("%s '%s': %s", what, path, strerror(errno));
    return false;
}

/* ---- the set --------------------------------------------------------------------------------- */

void mstr_sink_set_init(mstr_sink_set *set, const mstr_job_desc *d, const char *staging)
{
    *set = (mstr_sink_set){ .desc = d, .staging = staging };
    pthread_mutex_init(&set->stdout_lock, NULL);
    set->outs = mstr_alloc_array(d->nsinks, sizeof *set->outs);
    set->lengths = mstr_alloc_array(d->nsinks, sizeof *set->lengths);
    for (size_t i = 0; i < d->nsinks; i++) {
        pthread_mutex_init(&set->outs[i].lock, NULL);
        mstr_out_init_closed(&set->outs[i].out, d->sinks[i].path ? d->sinks[i].path : "<null>");
    }
}

/* Opens a sink's output; a file is created or truncated, and gets its header. */
static bool open_fresh(mstr_shared_out *s, const mstr_sink_desc *d)
{
    if (d->kind == MSTR_SINK_STDOUT) {
        mstr_out_init_fd(&s->out, STDOUT_FILENO, "<stdout>");
        return true;
    }
    if (!mstr_sink_is_file(d))
        return true;
    if (!mstr_out_open(&s->out, d->path)) {
        fprintf(stderr, "mstr: sink '%s': cannot write '%s': %s\n", d->name, d->path,
                strerror(errno));
        return false;
    }
    if (d->write_header != NULL)
        d->write_header(&s->out);
    return mstr_out_flush(&s->out);
}

/* Closes what an earlier round of the job opened (mstr_job.c), before opening again. */
static void close_earlier(mstr_sink_set *set)
{
    for (size_t i = 0; i < set->desc->nsinks; i++)
        if (set->outs[i].out.fd >= 0)
            mstr_out_close(&set->outs[i].out);
}

void mstr_sink_set_open_stdout(mstr_sink_set *set)
{
    close_earlier(set);
    for (size_t i = 0; i < set->desc->nsinks; i++)
        if (set->desc->sinks[i].kind == MSTR_SINK_STDOUT)
            mstr_out_init_fd(&set->outs[i].out, STDOUT_FILENO, "<stdout>");
}

/* Whether path names an existing regular file, the one *st describes. Devices (/dev/null) may
 * be shared: only files lose records when two writers truncate and fill them. */
static bool stat_file(const char *path, struct stat *st)
{
    return stat(path, st) == 0 && S_ISREG(st->st_mode);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Sink i's file if it is one a source reads, or an earlier sink writes, under another name
 * than the checker could see (a link, an absolute path): returns false after a message, before
 * anything is truncated. */
static bool check_aliases(const mstr_job_desc *d, size_t i)
{
    const mstr_sink_desc *s = &d->sinks[i];
    struct stat st, other;
    if (!mstr_sink_is_file(s) || !stat_file(s->path, &st))
        return true;
    for (size_t k = 0; k < d->nsources; k++) {
        const mstr_source_desc *src = &d->sources[k];
        for (size_t p = 0; p < src->npaths; p++) {
            if (stat_file(src->paths[p], &other) && same_file(&st, &other)) {
                fprintf(stderr, "mstr: sink '%s' would overwrite '%s', which source '%s' reads "
                        "as '%s'\n", s->name, s->path, src->name, src->paths[p]);
                return false;
            }
        }
    }
    for (size_t k = 0; k < i; k++) {
        const mstr_sink_desc *e = &d->sinks[k];
        if (mstr_sink_is_file(e) && stat_file(e->path, &other) && same_file(&st, &other)) {
            fprintf(stderr, "mstr: sinks '%s' and '%s' write the same file ('%s' and '%s')\n",
                    e->name, s->name, e->path, s->path);
            return false;
        }
    }
    return true;
}

/* Deletes the staging files of intervals already published or after c. */
static void drop_stale(const mstr_sink_set *set, uint64_t c)
{
    DIR *dir = opendir(set->staging);
    if (dir == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        const char *dot = strrchr(e->d_name, '.');
        if (dot == NULL || dot == e->d_name)
            continue;
        char *end;
        uint64_t interval = strtoull(dot + 1, &end, 10);
        if (*end != '\0' || (interval > set->published && interval <= c))
            continue;
        char *path = mstr_strf("%s/%s", set->staging, e->d_name);
        unlink(path);
        free(path);
    }
    closedir(dir);
}

bool mstr_sink_set_open(mstr_sink_set *set, mstr_store *store)
{
    const mstr_job_desc *d = set->desc;
    const char *staging = set->staging;
    bool ok = true;
    close_earlier(set);
    for (size_t i = 0; i < d->nsinks; i++)
        ok = check_aliases(d, i) && ok;
    if (!ok)
        return false;
    for (size_t i = 0; i < d->nsinks; i++)
        ok = open_fresh(&set->outs[i], &d->sinks[i]) && ok;
    if (!ok || staging == NULL)
        return ok;
    for (size_t i = 0; i < d->nsinks; i++) {
        if (!mstr_sink_is_file(&d->sinks[i]))
            continue;
        ok = mstr_out_sync(&set->outs[i].out) && ok;
        set->lengths[i] = (uint64_t)lseek(set->outs[i].out.fd, 0, SEEK_CUR);
    }
    char *error = NULL;
    if (mkdir(staging, 0777) != 0 && errno != EEXIST)
        ok = fail_msg(&error, "cannot make the staging directory", staging);
    else
        ok = mstr_store_put_published(store, 0, set->lengths, d->nsinks, &error);
    drop_stale(set, 0); /* what an earlier run staged: the job starts from nothing */
    if (!ok) {
        fprintf(stderr, "mstr: %s\n", error);
        free(error);
    }
    return ok;
}

/* Appends the staging file at path (if there is one) to sink i's file. */
static bool publish_file(mstr_sink_set *set, size_t i, const char *path, char **error)
{
    int in = open(path, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return errno == ENOENT || fail_msg(error, "cannot read staging file", path);
    mstr_out *o = &set->outs[i].out;
    char *buf = mstr_realloc(NULL, COPY_BUF);
    bool ok = true;
    for (;;) {
        ssize_t n = read(in, buf, COPY_BUF);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            ok = fail_msg(error, "cannot read staging file", path);
            break;
        }
        if (n == 0)
            break;
        mstr_out_bytes(o, buf, (size_t)n);
        set->lengths[i] += (uint64_t)n;
    }
    free(buf);
    close(in);
    if (ok && !mstr_out_flush(o)) {
        errno = o->errno_saved;
        ok = fail_msg(error, "cannot write", o->path);
    }
    return ok;
}

/* A staging file: which sink's, of which interval, by which worker (its name says). */
typedef struct staged_file {
    size_t sink;
    uint64_t interval;
    unsigned long worker;
    char *path;
} staged_file;

static int staged_order(const void *a, const void *b)
{
    const staged_file *x = a, *y = b;
    if (x->sink != y->sink)
        return x->sink < y->sink ? -1 : 1;
    if (x->interval != y->interval)
        return x->interval < y->interval ? -1 : 1;
    return (x->worker > y->worker) - (x->worker < y->worker);
}

/* Reads the name of a staging file of one of set's file sinks, SINK.WORKER.INTERVAL, into s. */
static bool parse_staged(const mstr_sink_set *set, const char *name, staged_file *s)
{
    const char *last = strrchr(name, '.');
    if (last == NULL || last == name)
        return false;
    const char *mid = last - 1;
    while (mid > name && *mid != '.')
        mid--;
    char *end;
    s->interval = strtoull(last + 1, &end, 10);
    if (mid == name || last[1] == '\0' || *end != '\0')
        return false;
    s->worker = strtoul(mid + 1, &end, 10);
    if (end != last || end == mid + 1)
        return false;
    for (size_t i = 0; i < set->desc->nsinks; i++) {
        const mstr_sink_desc *d = &set->desc->sinks[i];
        if (mstr_sink_is_file(d) && strlen(d->name) == (size_t)(mid - name) &&
            strncmp(d->name, name, (size_t)(mid - name)) == 0) {
            s->sink = i;
            return true;
        }
    }
    return false;
}

/* The staging files of the intervals after `from` up to n into *files (to free, with their
 * paths), in the order they are published: by sink, interval, then worker. Whoever wrote one
 * counts: the workers of an interval are not known here (a live rescale changes them within
 * one). Returns false and sets *error if the staging directory cannot be read. */
static bool list_staged(const mstr_sink_set *set, uint64_t from, uint64_t n, staged_file **files,
                        size_t *count, char **error)
{
    *files = NULL;
    *count = 0;
    DIR *dir = opendir(set->staging);
    if (dir == NULL)
        return errno == ENOENT || fail_msg(error, "cannot read the staging directory",
                                           set->staging);
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        staged_file s;
        if (!parse_staged(set, e->d_name, &s) || s.interval <= from || s.interval > n)
            continue;
        if (*count == cap) {
            cap = cap > 0 ? 2 * cap : 16;
            *files = mstr_realloc(*files, cap * sizeof **files);
        }
        s.path = mstr_strf("%s/%s", set->staging, e->d_name);
        (*files)[(*count)++] = s;
    }
    closedir(dir);
    if (*count > 0)
        qsort(*files, *count, sizeof **files, staged_order);
    return true;
}

/* Publishes the intervals up to n; deletes their staging files once the record of their
 * publication is in the store (before that a resume publishes them again). */
bool mstr_sink_set_publish(mstr_sink_set *set, mstr_store *store, uint64_t n, char **error)
{
    const mstr_job_desc *d = set->desc;
    staged_file *files;
    size_t count;
    bool ok = list_staged(set, set->published, n, &files, &count, error);
    for (size_t k = 0; ok && k < count; k++)
        ok = publish_file(set, files[k].sink, files[k].path, error);
    for (size_t i = 0; ok && i < d->nsinks; i++) {
        if (mstr_sink_is_file(&d->sinks[i]) && !mstr_out_sync(&set->outs[i].out)) {
            errno = set->outs[i].out.errno_saved;
            ok = fail_msg(error, "cannot write", set->outs[i].out.path);
        }
    }
    ok = ok && mstr_store_put_published(store, n, set->lengths, d->nsinks, error);
    for (size_t k = 0; k < count; k++) {
        if (ok)
            unlink(files[k].path);
        free(files[k].path);
    }
    free(files);
    if (ok)
        set->published = n;
    return ok;
}

bool mstr_sink_set_resume(mstr_sink_set *set, mstr_store *store, uint64_t c, char **error)
{
    const mstr_job_desc *d = set->desc;
    if (!mstr_store_get_published(store, c, &set->published, set->lengths, d->nsinks)) {
        *error = mstr_strdup("the record of the sinks' output is missing or damaged");
        return false;
    }
    close_earlier(set);
    for (size_t i = 0; i < d->nsinks; i++) {
        const mstr_sink_desc *s = &d->sinks[i];
        if (s->kind == MSTR_SINK_STDOUT)
            mstr_out_init_fd(&set->outs[i].out, STDOUT_FILENO, "<stdout>");
        if (mstr_sink_is_file(s) && !mstr_out_open_at(&set->outs[i].out, s->path, set->lengths[i]))
            return fail_msg(error, "cannot resume writing", s->path);
    }
    drop_stale(set, c);
    return c <= set->published || mstr_sink_set_publish(set, store, c, error);
}

/* Reports o's failed write against sink; returns false. */
static bool write_failed(const mstr_out *o, const char *sink)
{
    fprintf(stderr, "mstr: sink '%s': error writing '%s': %s\n", sink, o->path,
            strerror(o->errno_saved));
    return false;
}

/* Closes o, reporting a failed write against sink. */
static bool close_out(mstr_out *o, const char *sink)
{
    return mstr_out_close(o) || write_failed(o, sink);
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
    free(set->lengths);
    pthread_mutex_destroy(&set->stdout_lock);
    return ok;
}

/* ---- a worker's views ---------------------------------------------------------------------- */

/* Opens worker v's staging file of sink i for its current interval, at its end: only a worker
 * of v's index that left in a live rescale of this interval can have written it (opening and
 * resuming the outputs dropped what earlier runs staged). */
static bool open_staging(mstr_sink_views *v, size_t i)
{
    char *path = staging_path(v->set, i, v->worker, v->interval);
    bool ok = mstr_out_append(&v->outs[i], path);
    if (!ok)
        fprintf(stderr, "mstr: sink '%s': cannot write '%s': %s\n", v->sinks[i].desc->name, path,
                strerror(errno));
    v->outs[i].path = v->sinks[i].desc->path; /* messages name the sink's file */
    free(path);
    return ok;
}

void mstr_sink_views_init(mstr_sink_views *v, mstr_sink_set *set, int worker)
{
    const mstr_job_desc *d = set->desc;
    *v = (mstr_sink_views){ .set = set, .worker = worker, .n = d->nsinks };
    v->sinks = mstr_alloc_array(d->nsinks, sizeof *v->sinks);
    v->outs = mstr_alloc_array(d->nsinks, sizeof *v->outs);
    mstr_out_init_fd(&v->stdout_out, STDOUT_FILENO, "<stdout>");
    v->stdout_out.lock = &set->stdout_lock;
    for (size_t i = 0; i < d->nsinks; i++) {
        v->sinks[i].desc = &d->sinks[i];
        v->sinks[i].out = d->sinks[i].kind == MSTR_SINK_STDOUT ? &v->stdout_out : &v->outs[i];
        mstr_out_init_closed(&v->outs[i], "<none>");
        v->ncustom += d->sinks[i].kind == MSTR_SINK_CUSTOM;
    }
}

bool mstr_sink_views_begin(mstr_sink_views *v, uint64_t interval)
{
    mstr_sink_set *set = v->set;
    bool ok = true;
    v->interval = interval;
    for (size_t i = 0; i < v->n; i++) {
        const mstr_sink_desc *d = v->sinks[i].desc;
        if (d->kind == MSTR_SINK_STDOUT)
            continue;
        if (set->staging != NULL && mstr_sink_is_file(d)) {
            ok = open_staging(v, i) && ok;
            continue;
        }
        mstr_out_init_fd(&v->outs[i], set->outs[i].out.fd, set->outs[i].out.path);
        v->outs[i].lock = &set->outs[i].lock;
    }
    return ok;
}

/* Accounts for a write of o that succeeded (ok) or failed: the records the sinks on o held are
 * written, or lost. Returns ok. */
static bool settle(mstr_sink_views *v, const mstr_out *o, bool ok)
{
    for (size_t i = 0; i < v->n; i++) {
        mstr_sink *s = &v->sinks[i];
        if (s->out != o)
            continue;
        if (!ok)
            s->lost += s->held;
        s->held = 0;
    }
    return ok;
}

/* Whether o's write error was reported (through the job's failure) already. */
static bool reported(const mstr_sink_views *v, const mstr_out *o)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->sinks[i].out == o && v->sinks[i].reported)
            return true;
    return false;
}

void mstr_sink_flush(mstr_worker *w, size_t i)
{
    mstr_sink_views *v = &w->views;
    mstr_sink *s = &v->sinks[i];
    if (settle(v, s->out, mstr_out_flush(s->out)) || reported(v, s->out))
        return;
    s->reported = true;
    mstr_failure_set(w->failure, "sink '%s': error writing '%s': %s", s->desc->name,
                     s->out->path, strerror(s->out->errno_saved));
}

void mstr_sink_flush_all(mstr_worker *w)
{
    for (size_t i = 0; i < w->views.n; i++)
        if (w->views.sinks[i].out->len > 0)
            mstr_sink_flush(w, i);
}

/* Writes o's buffer to its descriptor as mstr_sink_views_crash_flush does. */
static void crash_write(const mstr_out *o)
{
    size_t done = 0;
    while (o->fd >= 0 && !o->failed && done < o->len) {
        ssize_t n = write(o->fd, o->buf + done, o->len - done);
        if (n <= 0)
            return;
        done += (size_t)n;
    }
}

void mstr_sink_views_crash_flush(mstr_sink_views *v)
{
    crash_write(&v->stdout_out);
    for (size_t i = 0; i < v->n; i++)
        if (v->set->staging == NULL && mstr_sink_is_file(v->sinks[i].desc))
            crash_write(&v->outs[i]);
}

bool mstr_sink_views_end(mstr_sink_views *v)
{
    bool ok = settle(v, &v->stdout_out, mstr_out_flush(&v->stdout_out)) ||
              write_failed(&v->stdout_out, "stdout");
    if (v->set->staging == NULL)
        return ok;
    for (size_t i = 0; i < v->n; i++) {
        if (!mstr_sink_is_file(v->sinks[i].desc))
            continue;
        if (!settle(v, &v->outs[i], mstr_out_sync(&v->outs[i])))
            ok = false;
        ok = close_out(&v->outs[i], v->sinks[i].desc->name) && ok;
    }
    return ok;
}

bool mstr_sink_views_cut(mstr_sink_views *v, uint64_t n)
{
    bool ok = mstr_sink_views_end(v);
    if (v->set->staging == NULL)
        return ok;
    v->interval = n + 1;
    for (size_t i = 0; i < v->n; i++)
        if (mstr_sink_is_file(v->sinks[i].desc))
            ok = open_staging(v, i) && ok;
    return ok;
}

/* ---- custom sinks ---------------------------------------------------------------------------- */

/* A prepare or commit block. */
typedef void (*snapshot_hook)(mstr_worker *w, uint64_t snapshot);

/* Runs every custom sink's commit (or prepare) block for snapshot n, in the sinks' order. */
static void run_hooks(mstr_sink_views *v, mstr_worker *w, uint64_t n, bool commit)
{
    for (size_t i = 0; i < v->n; i++) {
        const mstr_sink_desc *d = v->sinks[i].desc;
        snapshot_hook hook = commit ? d->commit : d->prepare;
        if (d->kind == MSTR_SINK_CUSTOM && hook != NULL)
            hook(w, n);
    }
}

void mstr_sink_custom_open(mstr_sink_views *v, mstr_worker *w, uint64_t resumed)
{
    v->committed = resumed;
    for (size_t i = 0; i < v->n; i++) {
        const mstr_sink_desc *d = v->sinks[i].desc;
        if (d->kind == MSTR_SINK_CUSTOM && d->open != NULL)
            d->open(w, resumed);
    }
    if (resumed > 0)
        run_hooks(v, w, resumed, true);
}

void mstr_sink_custom_prepare(mstr_sink_views *v, mstr_worker *w, uint64_t n)
{
    if (v->ncustom > 0)
        run_hooks(v, w, n, false);
}

void mstr_sink_custom_commit(mstr_sink_views *v, mstr_worker *w, uint64_t n)
{
    if (v->ncustom == 0 || n <= v->committed)
        return;
    v->committed = n;
    run_hooks(v, w, n, true);
}

void mstr_sink_custom_finish(mstr_sink_views *v, mstr_worker *w, uint64_t n)
{
    if (v->set->staging != NULL) {
        mstr_sink_custom_commit(v, w, n);
        return;
    }
    if (v->ncustom == 0)
        return;
    run_hooks(v, w, 0, false);
    run_hooks(v, w, 0, true);
}

void mstr_sink_custom_close(mstr_sink_views *v, mstr_worker *w)
{
    for (size_t i = 0; i < v->n; i++) {
        const mstr_sink_desc *d = v->sinks[i].desc;
        if (d->kind == MSTR_SINK_CUSTOM && d->close != NULL)
            d->close(w);
    }
}

/* Closes view output o and settles its records, reporting a failed write against sink unless
 * mstr_sink_flush did; deletes the staging file at path if it holds nothing (path NULL: not a
 * staging file). Returns false if a write failed. */
static bool close_view(mstr_sink_views *v, mstr_out *o, const char *sink, const char *path)
{
    bool empty = path != NULL && o->fd >= 0 && lseek(o->fd, 0, SEEK_CUR) == 0 && o->len == 0;
    bool known = reported(v, o);
    bool ok = settle(v, o, mstr_out_close(o));
    if (!ok && !known)
        write_failed(o, sink);
    if (ok && empty)
        unlink(path);
    return ok;
}

bool mstr_sink_views_close(mstr_sink_views *v, uint64_t *records, uint64_t *checksum)
{
    bool ok = true;
    for (size_t i = 0; i < v->n; i++) {
        mstr_sink *s = &v->sinks[i];
        if (s->desc->kind == MSTR_SINK_STDOUT) {
            mstr_out_close(&v->outs[i]);
            continue;
        }
        bool staged = v->set->staging != NULL && mstr_sink_is_file(s->desc);
        char *path = staged ? staging_path(v->set, i, v->worker, v->interval) : NULL;
        ok = close_view(v, s->out, s->desc->name, path) && ok;
        free(path);
    }
    ok = close_view(v, &v->stdout_out, "stdout", NULL) && ok;
    for (size_t i = 0; i < v->n; i++) {
        records[i] += mstr_tally_read(&v->sinks[i].records) - v->sinks[i].lost;
        checksum[i] += v->sinks[i].checksum;
    }
    free(v->outs);
    free(v->sinks);
    return ok;
}
