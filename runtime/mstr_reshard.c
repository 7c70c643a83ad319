/*
 * mstr_reshard.c - rewriting a stopped job's state for another layout (see mstr_reshard.h).
 *
 * The old stores are read one after the other at the chosen snapshot (every entry checked, as a
 * restore checks it); what each new store needs goes, 4 MB at a time, to that store's writer,
 * a thread that writes it under DIR/reshard/ while the reading goes on. Then the worker fields
 * and frontiers of the new workers are added, each new store committed and flushed (so that
 * its process opens it without reading LevelDB's log back), the mark COMPLETE (holding the new
 * number of processes) written, and the new stores moved in place of the old ones.
 *
 * Checklist: the logical keys read and written here are those of mstr_snapshot.c (K op group
 * key, L ..., W worker op, X worker, P source partition); the commit and publication records
 * those of mstr_store.c.
 */
#include "mstr_reshard.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mstr_exchange.h"
#include "mstr_mem.h"
#include "mstr_place.h"
#include "mstr_route.h"
#include "mstr_settings.h"
#include "mstr_sink.h"
#include "mstr_snapshot.h"
#include "mstr_store.h"

enum {
    MAX_COMMITS = 64,
    MAX_STATES = 1024,
    DONE_AT = 32,               /* a position's done flag */
    CHUNK_BYTES = 4 << 20,      /* what a new store's writer is handed at a time */
};

typedef struct store_writer store_writer;

/* What a rewrite reads and makes. */
typedef struct reshard {
    const mstr_job_desc *d;
    const char *dir;
    int processes, workers;     /* the new layout */
    int old_processes, old_workers; /* those that took the snapshot rewritten */
    int opened;                 /* old stores open: 0 .. opened - 1 */
    int reading;                /* the old store being read */
    uint32_t key_groups;
    size_t *partitions;         /* per source */
    size_t *part_base;          /* per source: where its partitions start in done[] */
    bool *done;                 /* per partition of every source: its position says done */
    size_t map[MAX_STATES], nmap; /* the snapshot's operators (mstr_snapshot_fits) */
    char *shape;                /* the stored shape */
    mstr_commit *commits;       /* [old_processes]: each old store's record of the snapshot */
    mstr_store **old;           /* [opened] */
    mstr_store_batch **batches; /* [processes]: what is being gathered for each new store */
    store_writer *writers;      /* [nwriters]: each new store's (while writing) */
    int nwriters;
    mstr_wbuf *least;           /* per snapshot operator: its least worker fields */
    int64_t *least_frontier;    /* per exchange */
    uint64_t entries;
    char *problem;
} reshard;

/* The writer of new store p under DIR/reshard, in a thread of its own: it writes the batches
 * the reading hands it as they fill, so that LevelDB's work on the new stores goes on while the
 * old ones are read, and once the reading is over commits what it wrote (or not, if the reading
 * failed). */
struct store_writer {
    const reshard *r;
    int p;
    const char *shape;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    mstr_store_queue queue;     /* handed over, not yet written */
    bool over;                  /* nothing more comes */
    const uint64_t *lengths;    /* then: the sinks' published lengths (store 0 keeps them), or
                                   NULL if the reading failed and nothing is committed */
    mstr_commit c;              /* what it wrote, for the commit record */
    char *error;
    bool ok;
    pthread_t thread;
};

static char *store_path(const char *dir, int p)
{
    return p == 0 ? mstr_strf("%s/store", dir) : mstr_strf("%s/store.%d", dir, p);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static uint64_t get_be(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static void put_be(mstr_wbuf *b, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mstr_put_le(b, (v >> (8 * (n - 1 - i))) & 0xff, 1);
}

/* ---- finishing an interrupted rewrite ------------------------------------------------------ */

/* Finishes or throws away what an earlier rewrite left in DIR/reshard. */
static bool finish_earlier(const char *dir, char **error)
{
    char *work = mstr_strf("%s/reshard", dir), *mark = mstr_strf("%s/COMPLETE", work);
    bool ok = true;
    FILE *f = fopen(mark, "r");
    int processes = 0;
    if (f != NULL && fscanf(f, "%d", &processes) == 1 && processes > 0) {
        for (int p = 0; ok && p < processes; p++) {
            char *fresh = store_path(work, p), *old = store_path(dir, p);
            if (exists(fresh))
                ok = (!exists(old) || mstr_store_destroy(old, error)) && rename(fresh, old) == 0;
            if (!ok && *error == NULL)
                mstr_errorf(error, "cannot move '%s' to '%s': %s", fresh, old, strerror(errno));
            free(fresh);
            free(old);
        }
        for (int p = processes; ok; p++) { /* stores of old processes beyond the new ones */
            char *old = store_path(dir, p);
            bool there = exists(old);
            ok = !there || mstr_store_destroy(old, error);
            free(old);
            if (!there)
                break;
        }
    }
    if (f != NULL)
        fclose(f);
    if (ok && exists(work)) {
        unlink(mark);
        for (int p = 0; ok; p++) { /* an incomplete rewrite's stores */
            char *fresh = store_path(work, p);
            bool there = exists(fresh);
            ok = !there || mstr_store_destroy(fresh, error);
            free(fresh);
            if (!there)
                break;
        }
        if (ok && rmdir(work) != 0)
            ok = mstr_errorf(error, "cannot remove '%s': %s", work, strerror(errno));
    }
    free(work);
    free(mark);
    return ok;
}

/* ---- reading the old stores ---------------------------------------------------------------- */

/* Opens the stores of the old processes up to `processes` (a snapshot's: a live rescale may
 * have changed them since the one before). Returns false (and *error) if one is missing. */
static bool open_more(reshard *r, int processes, char **error)
{
    r->old = mstr_realloc(r->old, (size_t)processes * sizeof *r->old);
    for (int p = r->opened; p < processes; p++) {
        char *path = store_path(r->dir, p);
        r->old[p] = exists(path) ? mstr_store_open(path, error) : NULL;
        if (r->old[p] == NULL && *error == NULL)
            mstr_errorf(error, "the state of process %d ('%s') is missing", p, path);
        free(path);
        if (r->old[p] == NULL)
            return false;
        r->opened = p + 1;
    }
    return true;
}

/* Opens the old stores and finds the newest snapshot each of them holds. Returns false (and
 * *error) if it cannot; true with r->old NULL if there is no state. */
static bool open_old(reshard *r, char **error)
{
    char *path = store_path(r->dir, 0);
    bool there = exists(path);
    free(path);
    if (!there)
        return true;
    path = store_path(r->dir, 0);
    mstr_store *first = mstr_store_open(path, error);
    free(path);
    if (first == NULL)
        return false;
    mstr_commit commits[MAX_COMMITS];
    size_t n = mstr_store_commits(first, commits, MAX_COMMITS);
    r->shape = n > 0 ? mstr_store_get_shape(first, error) : NULL;
    if (r->shape == NULL) {
        mstr_store_close(first);
        return *error == NULL;
    }
    mstr_snapshot_layout(r->shape, r->d, &r->key_groups, r->partitions);
    r->old = mstr_alloc_array(1, sizeof *r->old);
    r->old[0] = first;
    r->opened = r->old_processes = 1;
    for (size_t i = 0; i < n; i++) { /* the newest snapshot in the stores of all that took it */
        if (commits[i].processes > r->old_processes && !open_more(r, commits[i].processes, error))
            return false;
        r->old_processes = commits[i].processes;
        free(r->commits);
        r->commits = mstr_alloc_array((size_t)r->old_processes, sizeof *r->commits);
        int p = 1;
        for (; p < r->old_processes; p++) {
            mstr_commit theirs[MAX_COMMITS];
            size_t m = mstr_store_commits(r->old[p], theirs, MAX_COMMITS), k = 0;
            while (k < m && theirs[k].snapshot != commits[i].snapshot)
                k++;
            if (k == m)
                break;
            r->commits[p] = theirs[k];
        }
        if (p == r->old_processes) {
            r->commits[0] = commits[i];
            r->old_workers = commits[i].workers;
            return true;
        }
    }
    return mstr_errorf(error, "no snapshot is held by the stores of all the processes that "
                              "took it");
}

/* The new process of the worker that owns key group g, reads partition k. */
static int process_of_group(const reshard *r, uint32_t g)
{
    return mstr_rendezvous_owner(g, r->processes, r->workers) / r->workers;
}

static int process_of_partition(const reshard *r, size_t k)
{
    return mstr_place_process(k, r->processes);
}

/* The program's state of the snapshot's operator op, or NULL. */
static const mstr_state_desc *state_of(const reshard *r, uint64_t op)
{
    return op < r->nmap ? &r->d->states[r->map[op]] : NULL;
}

static void hand_to_writer(store_writer *sw, mstr_store_batch *b);

/* Adds an entry to what new store p gets, handing it to the store's writer every CHUNK_BYTES. */
static void put(reshard *r, int p, const unsigned char *k, size_t klen, const unsigned char *v,
                size_t vlen)
{
    mstr_store_batch_put(r->batches[p], k, klen, v, vlen);
    if (mstr_store_batch_bytes(r->batches[p]) < CHUNK_BYTES)
        return;
    hand_to_writer(&r->writers[p], r->batches[p]);
    r->batches[p] = mstr_store_batch_new(r->commits[0].snapshot);
}

/* Whether the worker fields or frontiers in an old store's entry with key k are of a worker that
 * took the snapshot (those of workers the store's process had before it went to fewer are
 * left: mstr_snapshot.h). */
static bool took_it(const reshard *r, const unsigned char *k, size_t klen)
{
    int first = r->reading * r->old_workers, worker = klen >= 5 ? (int)get_be(k + 1, 4) : -1;
    return worker >= first && worker < first + r->old_workers;
}

/* One piece of an old store's state: to the new store that needs it, or into the least. */
static bool take(void *arg, const unsigned char *k, size_t klen, const unsigned char *v,
                 size_t vlen)
{
    reshard *r = arg;
    mstr_rbuf value = { v, v + vlen, false };
    r->entries++;
    if ((k[0] == 'W' || k[0] == 'X') && !took_it(r, k, klen))
        return true;
    switch (k[0]) {
    case 'K':
        if (klen < 7 || get_be(k + 3, 4) >= r->key_groups)
            return mstr_errorf(&r->problem, "a slot's key does not fit the program");
        put(r, process_of_group(r, (uint32_t)get_be(k + 3, 4)), k, klen, v, vlen);
        return true;
    case 'L': {
        const mstr_state_desc *sd = klen >= 3 ? state_of(r, get_be(k + 1, 2)) : NULL;
        if (sd == NULL || !sd->local)
            return mstr_errorf(&r->problem, "a slot's key does not fit the program");
        return mstr_snapshot_movable(sd, &r->problem); /* false: key_local stays where it is */
    }
    case 'W': {
        const mstr_state_desc *sd = klen == 7 ? state_of(r, get_be(k + 5, 2)) : NULL;
        if (sd == NULL)
            return mstr_errorf(&r->problem, "an operator's fields do not fit the program");
        if (!mstr_snapshot_movable(sd, &r->problem))
            return false;
        return mstr_snapshot_merge_least(&r->least[get_be(k + 5, 2)], &value) ||
               mstr_errorf(&r->problem, "the fields of operator '%s' do not decode", sd->op);
    }
    case 'X': {
        int64_t *frontier = mstr_alloc_array(r->d->nexchanges + 1, sizeof *frontier);
        bool ok = mstr_exchange_saved_frontiers(r->d, r->old_processes * r->old_workers,
                                                &value, frontier);
        for (size_t x = 0; ok && x < r->d->nexchanges; x++)
            if (frontier[x] < r->least_frontier[x])
                r->least_frontier[x] = frontier[x];
        free(frontier);
        return ok || mstr_errorf(&r->problem, "the exchanges' frontiers do not fit the program");
    }
    case 'P': {
        size_t source = klen == 7 ? (size_t)get_be(k + 1, 2) : r->d->nsources;
        size_t index = (size_t)get_be(k + 3, 4);
        if (source >= r->d->nsources || index >= r->partitions[source] || vlen <= DONE_AT)
            return mstr_errorf(&r->problem, "a partition does not fit the program");
        if (mstr_place_process(index, r->old_processes) != r->reading)
            return true; /* its position when another layout read it here (mstr_snapshot.h) */
        r->done[r->part_base[source] + index] = v[DONE_AT] != 0;
        put(r, process_of_partition(r, index), k, klen, v, vlen);
        return true;
    }
    }
    return mstr_errorf(&r->problem, "an entry of unknown kind '%c'", k[0]);
}

/* ---- the new workers' fields and frontiers ------------------------------------------------ */

/* Whether new worker i counts as ended on exchange x from the start: x is fed by sources only,
 * and every partition of them that i reads is done (or it reads none). */
static bool ended_on(const reshard *r, const mstr_exchange_desc *x, int i)
{
    if (x->nupstream > 0 || x->nsources == 0)
        return false;
    int total = r->processes * r->workers;
    for (size_t s = 0; s < x->nsources; s++)
        for (size_t k = (size_t)i; k < r->partitions[x->sources[s]]; k += (size_t)total)
            if (!r->done[r->part_base[x->sources[s]] + k])
                return false;
    return true;
}

/* Adds every new worker's fields and frontiers to its store's batch. */
static void add_workers(reshard *r)
{
    int total = r->processes * r->workers;
    mstr_wbuf key = { 0 }, value = { 0 };
    for (int w = 0; w < total; w++) {
        mstr_store_batch *b = r->batches[w / r->workers];
        for (size_t op = 0; op < r->nmap; op++) {
            if (r->least[op].len == 0)
                continue;
            key.len = 0;
            mstr_put_le(&key, 'W', 1);
            put_be(&key, (uint64_t)w, 4);
            put_be(&key, op, 2);
            mstr_store_batch_put(b, key.data, key.len, r->least[op].data, r->least[op].len);
        }
        key.len = value.len = 0;
        mstr_put_le(&key, 'X', 1);
        put_be(&key, (uint64_t)w, 4);
        for (size_t x = 0; x < r->d->nexchanges; x++) {
            int64_t out = MSTR_EPOCH_MAX;
            for (int i = 0; i < total; i++) {
                int64_t in = ended_on(r, &r->d->exchanges[x], i) ? MSTR_EPOCH_MAX
                                                                 : r->least_frontier[x];
                out = in < out ? in : out;
                mstr_put_le(&value, (uint64_t)in, 8);
            }
            mstr_put_le(&value, (uint64_t)out, 8);
        }
        mstr_store_batch_put(b, key.data, key.len, value.data, value.len);
    }
    mstr_wbuf_free(&key);
    mstr_wbuf_free(&value);
}

/* ---- the sinks' output ------------------------------------------------------------------------- */

/* Publishes the file sinks' output up to the snapshot, as the old layout wrote it, and returns
 * each sink's file length then (to free), or NULL after setting *error. */
static uint64_t *publish(reshard *r, char **error)
{
    const mstr_job_desc *d = r->d;
    char *staging = mstr_strf("%s/staging", r->dir);
    mstr_sink_set set;
    mstr_sink_set_init(&set, d, staging);
    uint64_t *lengths = mstr_alloc_array(d->nsinks + 1, sizeof *lengths);
    uint64_t *zero = mstr_alloc_array(d->nsinks + 1, sizeof *zero), published;
    bool ok = mstr_sink_set_resume(&set, r->old[0], r->commits[0].snapshot, error) &&
              mstr_store_get_published(r->old[0], r->commits[0].snapshot, &published, lengths,
                                       d->nsinks);
    if (!mstr_sink_set_close(&set, false, zero, zero) && ok)
        ok = mstr_errorf(error, "the file sinks' output could not be written");
    if (!ok && *error == NULL)
        mstr_errorf(error, "the record of the sinks' output is missing or damaged");
    free(zero);
    free(staging);
    if (ok)
        return lengths;
    free(lengths);
    return NULL;
}

/* ---- writing the new stores ---------------------------------------------------------------- */

/* Writes the batches handed over as they come; returns once the last has come. */
static void write_queue(store_writer *sw, mstr_store *s)
{
    for (;;) {
        pthread_mutex_lock(&sw->lock);
        while (sw->queue.n == 0 && !sw->over)
            pthread_cond_wait(&sw->changed, &sw->lock);
        mstr_store_queue batches = sw->queue;
        bool over = sw->over;
        sw->queue = (mstr_store_queue){ 0 };
        pthread_mutex_unlock(&sw->lock);
        sw->ok = mstr_store_write_queue(s, &batches, &sw->c, !sw->ok, &sw->error) && sw->ok;
        if (over)
            return;
    }
}

static void *run_store_writer(void *arg)
{
    store_writer *sw = arg;
    const reshard *r = sw->r;
    char *work = mstr_strf("%s/reshard", r->dir), *path = store_path(work, sw->p);
    mstr_store *s = mstr_store_open(path, &sw->error);
    free(work);
    free(path);
    sw->ok = s != NULL && mstr_store_put_shape(s, sw->shape, &sw->error);
    write_queue(sw, s);
    const mstr_commit *old = &r->commits[0];
    sw->c.snapshot = old->snapshot;
    sw->c.time_ms = old->time_ms;
    sw->c.processes = r->processes;
    sw->c.workers = r->workers;
    sw->c.final = old->final;
    sw->ok = sw->ok && sw->lengths != NULL &&
             (sw->p != 0 || mstr_store_put_published(s, old->snapshot, sw->lengths,
                                                     r->d->nsinks, &sw->error)) &&
             mstr_store_commit(s, &sw->c, &sw->error);
    mstr_store_close(s); /* flushed: the new process opens it at once */
    return NULL;
}

/* Hands b to store p's writer. */
static void hand_to_writer(store_writer *sw, mstr_store_batch *b)
{
    pthread_mutex_lock(&sw->lock);
    mstr_store_queue_push(&sw->queue, b);
    pthread_cond_signal(&sw->changed);
    pthread_mutex_unlock(&sw->lock);
}

/* Makes DIR/reshard and starts a writer for each new store. Returns false (and *error) if it
 * cannot; finish_writers stops those that started. */
static bool start_writers(reshard *r, const char *shape, char **error)
{
    char *work = mstr_strf("%s/reshard", r->dir);
    bool ok = mkdir(work, 0777) == 0 ||
              mstr_errorf(error, "cannot make '%s': %s", work, strerror(errno));
    free(work);
    r->writers = mstr_alloc_array((size_t)r->processes, sizeof *r->writers);
    for (int p = 0; ok && p < r->processes; p++) {
        store_writer *sw = &r->writers[p];
        *sw = (store_writer){ .r = r, .p = p, .shape = shape };
        pthread_mutex_init(&sw->lock, NULL);
        pthread_cond_init(&sw->changed, NULL);
        ok = pthread_create(&sw->thread, NULL, run_store_writer, sw) == 0 ||
             mstr_errorf(error, "cannot start a thread to write the new stores");
        if (!ok) {
            pthread_cond_destroy(&sw->changed);
            pthread_mutex_destroy(&sw->lock);
        } else {
            r->nwriters++;
        }
    }
    return ok;
}

/* Tells each writer that nothing more comes and whether to commit what came (lengths: the
 * sinks' published lengths; NULL: not), and waits for them. Returns false (and *error, if not
 * set) if one failed, or if lengths is NULL. */
static bool finish_writers(reshard *r, const uint64_t *lengths, char **error)
{
    bool ok = true;
    for (int p = 0; p < r->nwriters; p++) {
        store_writer *sw = &r->writers[p];
        pthread_mutex_lock(&sw->lock);
        sw->lengths = lengths;
        sw->over = true;
        pthread_cond_signal(&sw->changed);
        pthread_mutex_unlock(&sw->lock);
    }
    for (int p = 0; p < r->nwriters; p++) {
        store_writer *sw = &r->writers[p];
        pthread_join(sw->thread, NULL);
        if (ok && lengths != NULL && !sw->ok) {
            if (*error == NULL) {
                *error = sw->error;
                sw->error = NULL;
            }
            ok = false;
        }
        free(sw->error);
        pthread_cond_destroy(&sw->changed);
        pthread_mutex_destroy(&sw->lock);
    }
    free(r->writers);
    r->writers = NULL;
    r->nwriters = 0;
    return ok && lengths != NULL;
}

/* Reads every old store, handing what each new store needs to its writer, and writes the
 * new stores, marked complete. */
static bool rewrite(reshard *r, char **error)
{
    const mstr_job_desc *d = r->d;
    char *ours = mstr_snapshot_shape(d, r->key_groups, r->partitions);
    bool ok = mstr_snapshot_fits(r->shape, ours, d, r->map, MAX_STATES, &r->nmap, error);
    free(ours);
    if (!ok)
        return false;
    r->batches = mstr_alloc_array((size_t)r->processes, sizeof *r->batches);
    for (int p = 0; p < r->processes; p++)
        r->batches[p] = mstr_store_batch_new(r->commits[0].snapshot);
    r->least = mstr_alloc_array(r->nmap + 1, sizeof *r->least);
    r->least_frontier = mstr_alloc_array(d->nexchanges + 1, sizeof *r->least_frontier);
    for (size_t x = 0; x < d->nexchanges; x++)
        r->least_frontier[x] = MSTR_EPOCH_MAX;
    ok = start_writers(r, r->shape, error);
    for (int p = 0; ok && p < r->old_processes; p++) {
        r->reading = p;
        ok = mstr_store_restore(r->old[p], &r->commits[p], take, r, error);
    }
    if (!ok && r->problem != NULL) {
        char *both = mstr_strf("%s (%s)", *error, r->problem);
        free(*error);
        *error = both;
    }
    uint64_t *lengths = NULL;
    if (ok) {
        add_workers(r);
        for (int p = 0; p < r->processes; p++) {
            hand_to_writer(&r->writers[p], r->batches[p]);
            r->batches[p] = NULL;
        }
        lengths = publish(r, error);
    }
    ok = finish_writers(r, lengths, error) && ok;
    char *mark = mstr_strf("%s/reshard/COMPLETE", r->dir);
    FILE *f = ok ? fopen(mark, "w") : NULL;
    if (ok && (f == NULL || fprintf(f, "%d\n", r->processes) < 0 || fflush(f) != 0 ||
               fsync(fileno(f)) != 0))
        ok = mstr_errorf(error, "cannot write '%s': %s", mark, strerror(errno));
    if (f != NULL)
        fclose(f);
    free(mark);
    free(lengths);
    return ok;
}

static void reshard_free(reshard *r)
{
    for (int p = 0; r->old != NULL && p < r->opened; p++)
        mstr_store_close(r->old[p]);
    for (int p = 0; r->batches != NULL && p < r->processes; p++)
        mstr_store_batch_free(r->batches[p]);
    for (size_t i = 0; r->least != NULL && i < r->nmap; i++)
        mstr_wbuf_free(&r->least[i]);
    free(r->least);
    free(r->least_frontier);
    free(r->batches);
    free(r->old);
    free(r->commits);
    free(r->shape);
    free(r->partitions);
    free(r->part_base);
    free(r->done);
    free(r->problem);
}

bool mstr_reshard(const mstr_job_desc *d, const char *dir, int processes, int workers,
                  bool *rewrote, char **error)
{
    *rewrote = false;
    *error = NULL;
    if (!finish_earlier(dir, error))
        return false;
    reshard r = { .d = d, .dir = dir, .processes = processes, .workers = workers,
                  .key_groups = d->key_groups };
    r.partitions = mstr_place_counts(d, processes * workers);
    bool ok = open_old(&r, error);
    /* (each store holds the key groups and partitions of its process at any count of workers
       per process: they restore at another count as a job of one process does) */
    bool same = r.old == NULL || r.old_processes == processes;
    if (ok && !same) {
        r.part_base = mstr_alloc_array(d->nsources + 1, sizeof *r.part_base);
        size_t all = 0;
        for (size_t i = 0; i < d->nsources; i++) {
            r.part_base[i] = all;
            all += r.partitions[i];
        }
        r.done = mstr_alloc_array(all + 1, sizeof *r.done);
        ok = rewrite(&r, error);
    }
    uint64_t snapshot = r.commits ? r.commits[0].snapshot : 0, entries = r.entries;
    int old_processes = r.old_processes, old_workers = r.old_workers;
    reshard_free(&r); /* closes the old stores before they go */
    if (!ok) {
        char *ignored = NULL; /* what is left is thrown away by the next rewrite, or now */
        finish_earlier(dir, &ignored);
        free(ignored);
    }
    if (!ok || same)
        return ok;
    if (!finish_earlier(dir, error))
        return false;
    *rewrote = true;
    fprintf(stderr, "mstr: the state in '%s' (snapshot %llu, taken by %d process%s of %d "
                    "worker%s) was rewritten for %d process%s of %d worker%s: %llu entries\n",
            dir, (unsigned long long)snapshot, old_processes, old_processes == 1 ? "" : "es",
            old_workers, old_workers == 1 ? "" : "s", processes, processes == 1 ? "" : "es",
            workers, workers == 1 ? "" : "s", (unsigned long long)entries);
    return true;
}

int mstr_reshard_command(int argc, char **argv, const mstr_job_desc *d)
{
    mstr_settings s;
    int rc = mstr_settings_parse(&s, argc - 1, argv + 1, d);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    if (s.state_dir == NULL) {
        fprintf(stderr, "usage: %s reshard --state-dir DIR --processes P --workers W\n",
                argv[0]);
        return 2;
    }
    bool rewrote;
    char *error = NULL;
    if (!mstr_reshard(d, s.state_dir, s.processes, s.workers, &rewrote, &error)) {
        fprintf(stderr, "mstr: cannot rewrite the state in '%s': %s\n", s.state_dir, error);
        free(error);
        return 1;
    }
    if (!rewrote)
        fprintf(stderr, "mstr: nothing to rewrite: the state in '%s' holds no snapshot, or is "
                        "already for %d process%s (each resumes its part on any number of "
                        "workers)\n", s.state_dir, s.processes, s.processes == 1 ? "" : "es");
    return 0;
}
