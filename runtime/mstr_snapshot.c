/*
 * mstr_snapshot.c - taking a worker's part of a snapshot, the job's shape, and restoring (see
 * mstr_snapshot.h).
 *
 * A worker hands its entries over in batches of about BATCH_BYTES, so that the coordinator
 * writes while the worker is still serialising and no batch grows with the whole state.
 */
#include "mstr_snapshot.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mstr_coord.h"
#include "mstr_hash.h"
#include "mstr_mem.h"
#include "mstr_worker.h"

enum { BATCH_BYTES = 4 << 20, SHAPE_VERSION = 2 };

/* ---- logical keys ---------------------------------------------------------------------------- */

static void put_be(mstr_wbuf *b, uint64_t v, size_t n)
{
    unsigned char *p = mstr_wbuf_claim(b, n);
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
}

static uint64_t get_be(mstr_rbuf *r, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | mstr_get_le(r, 1);
    return v;
}

/* The start of a slot's logical key: K op group, or L op worker group for local state. The
 * slot's key follows, after its length (key_len). */
static void slot_prefix(mstr_wbuf *k, size_t op, bool local, int worker, uint32_t group)
{
    k->len = 0;
    mstr_put_le(k, local ? 'L' : 'K', 1);
    put_be(k, op, 2);
    if (local)
        put_be(k, (uint64_t)worker, 4);
    put_be(k, group, 4);
}

void mstr_snapshot_slot_key(mstr_wbuf *k, size_t state, uint32_t group, const void *key,
                            size_t len)
{
    slot_prefix(k, state, false, 0, group);
    put_be(k, len, 4);
    mstr_put_bytes(k, key, len);
}

/* ---- a worker's part ---------------------------------------------------------------------- */

/* What a worker is writing for snapshot n. */
typedef struct writer {
    mstr_worker *w;
    uint64_t n;
    mstr_store_batch *batch;
    mstr_wbuf key, value;
} writer;

static void hand_over_if_full(writer *wr)
{
    if (mstr_store_batch_bytes(wr->batch) < BATCH_BYTES)
        return;
    mstr_coord_submit(wr->w->coord, wr->batch);
    wr->batch = mstr_store_batch_new(wr->n);
}

static void put(writer *wr)
{
    mstr_store_batch_put(wr->batch, wr->key.data, wr->key.len, wr->value.data, wr->value.len);
    hand_over_if_full(wr);
}

/* A key on a table's gone list (mstr_table.h): its snapshot encoding, and whether the key came
 * back (a dirty slot holds it again). */
typedef struct gone_key {
    const unsigned char *p;
    size_t len;
    bool back;
} gone_key;

static int gone_cmp(const void *a, const void *b)
{
    const gone_key *x = a, *y = b;
    int c = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);
    return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

/* The keys on t's gone list, sorted (to free; NULL if there are none). */
static gone_key *gone_keys(const mstr_table *t)
{
    if (t->ngone == 0)
        return NULL;
    gone_key *keys = mstr_alloc_array(t->ngone, sizeof *keys);
    mstr_rbuf r = { t->gone.data, t->gone.data + t->gone.len, false };
    for (size_t k = 0; k < t->ngone; k++) {
        keys[k].len = (size_t)mstr_get_le(&r, 4);
        keys[k].p = r.p;
        r.p += keys[k].len;
    }
    qsort(keys, t->ngone, sizeof *keys, gone_cmp);
    return keys;
}

/* Writes the slots of table t (key group g of state op i) that changed, and tombstones for the
 * slots that went. A key that went and came back in the same interval is on the gone list and
 * in a dirty slot: only its value is written, since one snapshot may write a logical key once
 * (the store would keep one of the two versions, and the snapshot's count of what it wrote
 * would no longer match, making it unusable). */
static void write_table(writer *wr, size_t i, const mstr_state_desc *sd, uint32_t g,
                        mstr_table *t)
{
    int me = wr->w->ctx.worker;
    gone_key *gone = gone_keys(t);
    for (size_t s = 0; s < t->capacity && t->dirty > 0; s++) {
        if (!mstr_table_full(t, s) || !(t->marks[s] & MSTR_MARK_DIRTY))
            continue;
        const void *slot = mstr_table_slot(t, s);
        slot_prefix(&wr->key, i, sd->local, me, g);
        size_t at = wr->key.len;
        put_be(&wr->key, 0, 4);
        sd->slot_key(&wr->key, slot);
        size_t len = wr->key.len - at - 4;
        for (size_t b = 0; b < 4; b++)
            wr->key.data[at + b] = (unsigned char)(len >> (8 * (3 - b)));
        if (gone != NULL) {
            gone_key probe = { wr->key.data + at + 4, len, false };
            gone_key *found = bsearch(&probe, gone, t->ngone, sizeof *gone, gone_cmp);
            if (found != NULL)
                found->back = true;
        }
        wr->value.len = 0;
        sd->slot_value(&wr->value, slot);
        put(wr);
        mstr_table_persist(t, s);
    }
    for (size_t k = 0; k < t->ngone; k++) {
        if (gone[k].back)
            continue;
        slot_prefix(&wr->key, i, sd->local, me, g);
        put_be(&wr->key, gone[k].len, 4);
        mstr_put_bytes(&wr->key, gone[k].p, gone[k].len);
        mstr_store_batch_drop(wr->batch, wr->key.data, wr->key.len);
        hand_over_if_full(wr);
    }
    free(gone);
    t->gone.len = 0;
    t->ngone = 0;
}

static void write_state(writer *wr)
{
    mstr_worker *w = wr->w;
    const mstr_job_desc *d = w->desc;
    for (size_t i = 0; i < d->nstates; i++) {
        const mstr_state_desc *sd = &d->states[i];
        if (sd->tables != NULL) {
            mstr_table *tables = sd->tables(w);
            for (uint32_t g = 0; g < w->ctx.key_groups; g++)
                if (tables[g].dirty > 0 || tables[g].ngone > 0)
                    write_table(wr, i, sd, g, &tables[g]);
        }
        if (sd->fields != NULL) {
            wr->key.len = 0;
            mstr_put_le(&wr->key, 'W', 1);
            put_be(&wr->key, (uint64_t)w->ctx.worker, 4);
            put_be(&wr->key, i, 2);
            wr->value.len = 0;
            sd->fields(w, &wr->value);
            put(wr);
        }
    }
    wr->key.len = 0;
    mstr_put_le(&wr->key, 'X', 1);
    put_be(&wr->key, (uint64_t)w->ctx.worker, 4);
    wr->value.len = 0;
    mstr_exchange_save(&w->exchange, &wr->value);
    put(wr);
}

/* A partition's position: next record, byte offset, line, malformed so far, done, its epochs
 * (mstr_partition.epochs); then, for a custom source, its position value in the binary
 * encoding of its type. */
void mstr_snapshot_put_position(const mstr_job_desc *d, const mstr_partition *p, mstr_wbuf *b)
{
    mstr_put_le(b, p->next, 8);
    mstr_put_le(b, p->reader_open ? mstr_reader_offset(&p->reader) : 0, 8);
    mstr_put_le(b, p->reader_open ? p->reader.line : 1, 8);
    mstr_put_le(b, mstr_tally_read(&p->malformed), 8);
    mstr_put_le(b, p->done ? 1 : 0, 1);
    for (size_t i = 0; i < 2 * d->npartition_epochs; i++)
        mstr_put_le(b, (uint64_t)p->epochs[i], 8);
    if (p->source->kind == MSTR_SOURCE_CUSTOM)
        p->source->save_position(p, b);
}

static void write_partitions(writer *wr)
{
    mstr_worker *w = wr->w;
    for (size_t k = 0; k < w->nparts; k++) {
        const mstr_partition *p = w->parts[k];
        wr->key.len = 0;
        mstr_put_le(&wr->key, 'P', 1);
        put_be(&wr->key, (uint64_t)(p->source - w->desc->sources), 2);
        put_be(&wr->key, p->index, 4);
        wr->value.len = 0;
        mstr_snapshot_put_position(w->desc, p, &wr->value);
        put(wr);
    }
}

/* Writes w's part of snapshot n and tells the coordinator. */
static void write_worker(mstr_worker *w, uint64_t n)
{
    writer wr = { .w = w, .n = n, .batch = mstr_store_batch_new(n) };
    mstr_sink_custom_commit(&w->views, w, mstr_coord_committed(w->coord));
    mstr_sink_custom_prepare(&w->views, w, n);
    write_state(&wr);
    write_partitions(&wr);
    mstr_coord_submit(w->coord, wr.batch);
    mstr_wbuf_free(&wr.key);
    mstr_wbuf_free(&wr.value);
    if (!mstr_sink_views_cut(&w->views, n))
        mstr_failure_set(w->failure, "snapshot %llu: worker %d could not make its output durable",
                         (unsigned long long)n, w->ctx.worker);
    mstr_coord_done(w->coord, n);
}

void mstr_snapshot_begin(mstr_worker *w, uint64_t n)
{
    if (n <= w->snapshot_last || w->exchange.align.snapshot != 0)
        return;
    mstr_align_begin(&w->exchange.align, n);
}

bool mstr_snapshot_aligning(const mstr_worker *w)
{
    return w->exchange.align.snapshot != 0;
}

bool mstr_snapshot_advance(mstr_worker *w)
{
    if (!mstr_snapshot_aligning(w) || w->exchange.align.kind != MSTR_CTL_BARRIER)
        return false;
    mstr_exchange_barriers(&w->exchange);
    if (!mstr_align_complete(&w->exchange.align))
        return false;
    uint64_t n = w->exchange.align.snapshot;
    write_worker(w, n);
    mstr_align_finish(&w->exchange.align);
    w->snapshot_last = n;
    return true;
}

/* ---- the shape ------------------------------------------------------------------------------- */

static void appendf(char **s, size_t *len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void appendf(char **s, size_t *len, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    *s = mstr_realloc(*s, *len + (size_t)n + 1);
    vsnprintf(*s + *len, (size_t)n + 1, fmt, again);
    va_end(again);
    *len += (size_t)n;
}

char *mstr_snapshot_shape(const mstr_job_desc *d, uint32_t key_groups, const size_t *partitions)
{
    char *s = NULL;
    size_t len = 0;
    appendf(&s, &len, "malstrom-c state %d\nkey_groups %u\n", SHAPE_VERSION, key_groups);
    for (size_t i = 0; i < d->nstates; i++)
        appendf(&s, &len, "state %s %s%s\n", d->states[i].op, d->states[i].shape,
                d->states[i].local ? " (local)" : "");
    for (size_t i = 0; i < d->nexchanges; i++)
        appendf(&s, &len, "exchange %s\n", d->exchanges[i].name);
    for (size_t i = 0; i < d->nsources; i++) {
        const mstr_source_desc *src = &d->sources[i];
        appendf(&s, &len, "source %s partitions %zu", src->name, partitions[i]);
        if (src->kind == MSTR_SOURCE_CUSTOM)
            appendf(&s, &len, " position %s", src->position_shape);
        appendf(&s, &len, "\n");
    }
    for (size_t i = 0; i < d->nsinks; i++)
        appendf(&s, &len, "sink %s %s\n", d->sinks[i].name,
                d->sinks[i].path ? d->sinks[i].path : "-");
    return s;
}

uint64_t mstr_snapshot_fingerprint(const mstr_job_desc *d)
{
    size_t *none = mstr_alloc_array(d->nsources + 1, sizeof *none);
    char *shape = mstr_snapshot_shape(d, 0, none);
    uint64_t h = mstr_hash_bytes(shape, strlen(shape));
    free(shape);
    free(none);
    return h;
}

/* The next line of text at *p (without its newline), or NULL at the end; *p moves past it. */
static char *next_line(char **p)
{
    if (**p == '\0')
        return NULL;
    char *line = *p, *nl = strchr(line, '\n');
    if (nl != NULL) {
        *nl = '\0';
        *p = nl + 1;
    } else {
        *p += strlen(line);
    }
    return line;
}

/* The length of line's first two words (its kind and its name: "state sum"). */
static size_t head_len(const char *line)
{
    size_t first = strcspn(line, " \n");
    if (line[first] != ' ')
        return first;
    return first + 1 + strcspn(line + first + 1, " \n");
}

/* The line of text whose first two words are line's, or NULL. */
static const char *find_line(const char *text, const char *line)
{
    size_t head = head_len(line);
    for (const char *p = text; *p; ) {
        size_t n = strcspn(p, "\n");
        if (head_len(p) == head && strncmp(p, line, head) == 0)
            return p;
        p += n + (p[n] == '\n');
    }
    return NULL;
}

/* Compares one line of the stored shape with the program's line of the same kind and name. */
static bool fits_line(const char *line, const char *ours, const mstr_job_desc *d, size_t *map,
                      size_t max, size_t *nmap, char **error)
{
    const char *match = find_line(ours, line);
    size_t mlen = match ? strcspn(match, "\n") : 0;
    bool same = match != NULL && mlen == strlen(line) && strncmp(match, line, mlen) == 0;
    if (strncmp(line, "state ", 6) == 0) {
        const char *name = line + 6;
        size_t nlen = strcspn(name, " ");
        if (match == NULL)
            return mstr_errorf(error, "operator '%.*s' has state in the snapshot but the program has "
                          "no such operator (renamed or removed?)", (int)nlen, name);
        if (!same)
            return mstr_errorf(error, "operator '%.*s' keeps %s in the snapshot, but %.*s in the "
                          "program", (int)nlen, name, name + nlen + 1,
                          (int)(mlen - 7 - nlen), match + 7 + nlen);
        for (size_t i = 0; i < d->nstates; i++)
            if (strlen(d->states[i].op) == nlen && strncmp(d->states[i].op, name, nlen) == 0 &&
                *nmap < max)
                map[(*nmap)++] = i;
        return true;
    }
    if (same)
        return true;
    if (strncmp(line, "key_groups ", 11) == 0) {
        /* a count's second word is its value: the program's line has the same first word */
        size_t kind = strcspn(line, " ") + 1;
        for (match = ours; match != NULL && strncmp(match, line, kind) != 0; ) {
            match = strchr(match, '\n');
            match = match != NULL ? match + 1 : NULL;
        }
        mlen = match ? strcspn(match, "\n") : 0;
    }
    if (strncmp(line, "key_groups ", 11) == 0)
        return mstr_errorf(error, "the snapshot has %s key groups and the job has %.*s: the key "
                      "groups are fixed for the life of a job's state", line + 11,
                      match ? (int)(mlen - 11) : 1, match ? match + 11 : "?");
    return mstr_errorf(error, "the snapshot's '%s' is %s in the program", line,
                  match ? "different" : "missing");
}

bool mstr_snapshot_same_version(const char *stored, char **error)
{
    char first[32];
    snprintf(first, sizeof first, "malstrom-c state %d\n", SHAPE_VERSION);
    return strncmp(stored, first, strlen(first)) == 0 ||
           mstr_errorf(error, "the state directory was written by another version of the "
                              "runtime");
}

bool mstr_snapshot_fits(const char *stored, const char *ours, const mstr_job_desc *d,
                        size_t *map, size_t max, size_t *nmap, char **error)
{
    *nmap = 0;
    char *copy = mstr_strdup(stored);
    char *p = copy;
    bool ok = mstr_snapshot_same_version(stored, error);
    next_line(&p); /* past the version */
    for (char *line; ok && (line = next_line(&p)) != NULL; )
        ok = fits_line(line, ours, d, map, max, nmap, error);
    free(copy);
    /* what the program has and the snapshot lacks, but a new operator with state */
    for (const char *q = ours; ok && *q; ) {
        size_t n = strcspn(q, "\n");
        char *mine = mstr_alloc(n + 1);
        memcpy(mine, q, n);
        if (strncmp(mine, "state ", 6) != 0 && find_line(stored, mine) == NULL)
            ok = mstr_errorf(error, "the program's '%s' is not in the snapshot", mine);
        free(mine);
        q += n + (q[n] == '\n');
    }
    return ok;
}

void mstr_snapshot_layout(const char *stored, const mstr_job_desc *d, uint32_t *key_groups,
                          size_t *partitions)
{
    for (const char *p = stored; *p; ) {
        unsigned groups;
        size_t count;
        int name_end = 0;
        if (sscanf(p, "key_groups %u", &groups) == 1)
            *key_groups = groups;
        if (sscanf(p, "source %*s%n partitions %zu", &name_end, &count) == 1)
            for (size_t i = 0; i < d->nsources; i++)
                if (strlen(d->sources[i].name) == (size_t)name_end - 7 &&
                    strncmp(d->sources[i].name, p + 7, (size_t)name_end - 7) == 0)
                    partitions[i] = count;
        p += strcspn(p, "\n");
        p += *p == '\n';
    }
}

/* ---- restoring ------------------------------------------------------------------------------- */

typedef struct restoring {
    mstr_worker *workers;       /* this process's */
    int n;
    int first;                  /* the job-wide index of workers[0] */
    int then;                   /* how many workers of this process took the snapshot */
    int then_first;             /* the job-wide index of the first of them then */
    int senders;                /* and of the job */
    mstr_partition *parts;
    size_t nparts;
    const size_t *map;
    size_t nmap;
    mstr_wbuf *least;       /* at another worker count: per state of the program, the least
                               of each of its worker fields so far (len 0: none yet), */
    int64_t *least_frontier; /* and per exchange, its least frontier */
    char *problem;          /* why an entry did not decode */
    uint64_t entries;       /* restored so far */
} restoring;

static bool rescaled(const restoring *r)
{
    return r->then != r->n;
}

/* The worker of this process whose job-wide index is worker, or NULL. */
static mstr_worker *here(restoring *r, int worker)
{
    int i = worker - r->first;
    return i >= 0 && i < r->n ? &r->workers[i] : NULL;
}

/* Whether an entry of worker fields or frontiers is of a worker of this process that took the
 * snapshot (the others are left from before the job went to fewer workers). */
static bool took_it(const restoring *r, int worker)
{
    return worker >= r->then_first && worker - r->then_first < r->then;
}

/* The state descriptor the snapshot's operator index op stands for, or NULL. */
static const mstr_state_desc *state_of(const restoring *r, uint64_t op, size_t *index)
{
    if (op >= r->nmap)
        return NULL;
    *index = r->map[op];
    return &r->workers[0].desc->states[*index];
}

static bool restore_slot(restoring *r, mstr_rbuf *k, bool local, mstr_rbuf *value)
{
    size_t index;
    const mstr_state_desc *sd = state_of(r, get_be(k, 2), &index);
    int worker = local ? (int)get_be(k, 4) : -1;
    uint32_t group = (uint32_t)get_be(k, 4);
    size_t len = (size_t)get_be(k, 4);
    if (k->error || sd == NULL || sd->tables == NULL || sd->local != local ||
        group >= r->workers[0].ctx.key_groups || (size_t)(k->end - k->p) != len)
        return mstr_errorf(&r->problem, "a slot's key does not fit the program");
    if (local && rescaled(r) && !mstr_snapshot_movable(sd, &r->problem))
        return false;
    if (!local)
        worker = r->workers[0].owners.owner[group];
    mstr_worker *w = here(r, worker);
    if (w == NULL)
        return mstr_errorf(&r->problem, "a slot belongs to worker %d, which is not in this process", worker);
    mstr_table *t = &sd->tables(w)[group];
    if (!sd->restore_slot(t, k, value))
        return mstr_errorf(&r->problem, "a slot of operator '%s' does not decode", sd->op);
    return true;
}

bool mstr_snapshot_movable(const mstr_state_desc *sd, char **why)
{
    if (sd->tables != NULL && sd->local)
        return mstr_errorf(why, "operator '%s' keeps its state where records are read "
                                "(key_local), which cannot go to another number of workers",
                           sd->op);
    if (sd->sink_state)
        return mstr_errorf(why, "custom sink '%s' keeps state per worker, which cannot go to "
                                "another number of workers", sd->op);
    return true;
}

bool mstr_snapshot_merge_least(mstr_wbuf *least, const mstr_rbuf *value)
{
    size_t len = (size_t)(value->end - value->p);
    if (len % 8 != 0 || (least->len != 0 && least->len != len))
        return false;
    if (least->len == 0) {
        mstr_put_bytes(least, value->p, len);
        return true;
    }
    for (size_t at = 0; at < len; at += 8) {
        mstr_rbuf was = { least->data + at, least->data + at + 8, false };
        mstr_rbuf now = { value->p + at, value->p + at + 8, false };
        if ((int64_t)mstr_get_le(&now, 8) < (int64_t)mstr_get_le(&was, 8))
            memcpy(least->data + at, value->p + at, 8);
    }
    return true;
}

static bool restore_fields(restoring *r, mstr_rbuf *k, mstr_rbuf *value)
{
    int worker = (int)get_be(k, 4);
    size_t index = 0;
    const mstr_state_desc *sd = state_of(r, get_be(k, 2), &index);
    mstr_worker *w = here(r, worker);
    if (k->error || k->p != k->end || sd == NULL || sd->fields == NULL)
        return mstr_errorf(&r->problem, "an operator's fields do not fit the program");
    if (!took_it(r, worker))
        return true;
    if (rescaled(r)) {
        if (!mstr_snapshot_movable(sd, &r->problem))
            return false;
        if (!mstr_snapshot_merge_least(&r->least[index], value))
            return mstr_errorf(&r->problem, "the fields of operator '%s' do not decode", sd->op);
        return true;
    }
    if (w == NULL)
        return mstr_errorf(&r->problem, "an operator's fields do not fit the program");
    if (!sd->restore_fields(w, value))
        return mstr_errorf(&r->problem, "the fields of operator '%s' do not decode", sd->op);
    return true;
}

/* At another worker count: gives every worker the least worker fields of each operator and
 * the least frontier of each exchange. */
static bool restore_least(restoring *r)
{
    const mstr_job_desc *d = r->workers[0].desc;
    for (int k = 0; k < r->n; k++)
        mstr_exchange_restore_least(&r->workers[k].exchange, r->least_frontier);
    for (size_t i = 0; i < d->nstates; i++) {
        if (r->least[i].len == 0)
            continue;
        for (int k = 0; k < r->n; k++) {
            mstr_rbuf value = { r->least[i].data, r->least[i].data + r->least[i].len, false };
            if (!d->states[i].restore_fields(&r->workers[k], &value))
                return mstr_errorf(&r->problem, "the fields of operator '%s' do not decode", d->states[i].op);
        }
    }
    return true;
}

/* A worker's exchange frontiers (at another worker count, their least over the workers). */
static bool restore_frontiers(restoring *r, mstr_rbuf *k, mstr_rbuf *value)
{
    int worker = (int)get_be(k, 4);
    mstr_worker *w = here(r, worker);
    if (k->error || k->p != k->end)
        return mstr_errorf(&r->problem, "the exchanges' frontiers do not fit the program");
    if (!took_it(r, worker))
        return true;
    if (rescaled(r)) {
        const mstr_job_desc *d = r->workers[0].desc;
        int64_t *frontier = mstr_alloc_array(d->nexchanges + 1, sizeof *frontier);
        bool ok = mstr_exchange_saved_frontiers(d, r->senders, value, frontier);
        for (size_t x = 0; ok && x < d->nexchanges; x++)
            if (frontier[x] < r->least_frontier[x])
                r->least_frontier[x] = frontier[x];
        free(frontier);
        return ok || mstr_errorf(&r->problem, "the exchanges' frontiers do not fit the program");
    }
    if (w == NULL || !mstr_exchange_restore(&w->exchange, value))
        return mstr_errorf(&r->problem, "the exchanges' frontiers do not fit the program");
    w->frontiers_restored = true;
    return true;
}

bool mstr_snapshot_take_position(const mstr_job_desc *d, mstr_partition *p, mstr_rbuf *value,
                                 char **error)
{
    p->next = mstr_get_le(value, 8);
    uint64_t offset = mstr_get_le(value, 8), line = mstr_get_le(value, 8);
    atomic_store(&p->malformed, mstr_get_le(value, 8));
    p->done = mstr_get_le(value, 1) != 0;
    for (size_t i = 0; i < 2 * d->npartition_epochs; i++)
        p->epochs[i] = (int64_t)mstr_get_le(value, 8);
    if (!value->error && p->source->kind == MSTR_SOURCE_CUSTOM &&
        !p->source->restore_position(p, value))
        value->error = true;
    if (value->error || value->p != value->end)
        return mstr_errorf(error, "a position of source '%s' does not decode", p->source->name);
    if (p->source->kind == MSTR_SOURCE_STDIN) {
        fprintf(stderr, "mstr: source '%s' reads standard input, which cannot be replayed: "
                        "lines it read after the snapshot are not read again\n", p->source->name);
        return true;
    }
    if (p->reader_open && !p->done && !mstr_reader_seek(&p->reader, offset, line))
        return mstr_errorf(error, "source '%s': cannot resume '%s' at byte %llu: %s",
                           p->source->name, p->path, (unsigned long long)offset,
                           strerror(errno));
    return true;
}

static bool restore_partition(restoring *r, mstr_rbuf *k, mstr_rbuf *value)
{
    const mstr_job_desc *d = r->workers[0].desc;
    size_t source = (size_t)get_be(k, 2), index = (size_t)get_be(k, 4);
    mstr_partition *p = NULL;
    for (size_t i = 0; i < r->nparts; i++)
        if ((size_t)(r->parts[i].source - d->sources) == source && r->parts[i].index == index)
            p = &r->parts[i];
    if (k->error || source >= d->nsources)
        return mstr_errorf(&r->problem, "a partition does not fit the program");
    if (p == NULL)
        return true; /* its position when another layout read it here */
    return mstr_snapshot_take_position(r->workers[0].desc, p, value, &r->problem);
}

static bool visit(void *arg, const unsigned char *lkey, size_t klen, const unsigned char *v,
                  size_t vlen)
{
    restoring *r = arg;
    mstr_rbuf k = { lkey + 1, lkey + klen, false }, value = { v, v + vlen, false };
    r->entries++;
    switch (lkey[0]) {
    case 'K':
    case 'L':
        return restore_slot(r, &k, lkey[0] == 'L', &value);
    case 'W':
        return restore_fields(r, &k, &value);
    case 'X':
        return restore_frontiers(r, &k, &value);
    case 'P':
        return restore_partition(r, &k, &value);
    }
    return mstr_errorf(&r->problem, "an entry of unknown kind '%c'", lkey[0]);
}

bool mstr_snapshot_restore(mstr_store *s, const mstr_commit *c, mstr_worker *workers, int n,
                           mstr_partition *parts, size_t nparts, const size_t *map, size_t nmap,
                           uint64_t *entries, char **error)
{
    const mstr_job_desc *d = workers[0].desc;
    int processes = workers[0].ctx.workers / n, process = workers[0].ctx.worker / n;
    *entries = 0;
    if (c->processes != processes)
        return mstr_errorf(error, "it was taken on %d process%s and the job runs on %d; rewrite "
                                  "the state for them first, with the job stopped (`JOB reshard "
                                  "--state-dir DIR --processes P --workers W`; the supervisor "
                                  "does it itself)", c->processes, c->processes == 1 ? "" : "es",
                           processes);
    /* (at another count of workers per process every key group and partition of the store is
       still this process's: mstr_route.h, mstr_place.h) */
    restoring r = { .workers = workers, .n = n, .first = workers[0].ctx.worker,
                    .then = c->workers, .then_first = process * c->workers,
                    .senders = processes * c->workers, .parts = parts, .nparts = nparts,
                    .map = map, .nmap = nmap };
    r.least = mstr_alloc_array(d->nstates, sizeof *r.least);
    r.least_frontier = mstr_alloc_array(d->nexchanges + 1, sizeof *r.least_frontier);
    for (size_t x = 0; x < d->nexchanges; x++)
        r.least_frontier[x] = MSTR_EPOCH_MAX;
    bool ok = mstr_store_restore(s, c, visit, &r, error);
    if (ok && rescaled(&r) && !restore_least(&r)) {
        *error = r.problem;
        r.problem = NULL;
        ok = false;
    }
    *entries = r.entries;
    if (!ok && r.problem != NULL) {
        char *both = mstr_strf("%s (%s)", *error, r.problem);
        free(*error);
        *error = both;
    }
    free(r.problem);
    for (size_t i = 0; i < d->nstates; i++)
        mstr_wbuf_free(&r.least[i]);
    free(r.least);
    free(r.least_frontier);
    for (int i = 0; ok && i < n; i++) {
        workers[i].snapshot_last = c->snapshot;
        workers[i].restored = true;
    }
    return ok;
}
