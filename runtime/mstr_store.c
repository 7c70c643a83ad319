/*
 * mstr_store.c - the snapshot store over LevelDB (see mstr_store.h).
 *
 * Layout of the database (keys sort byte-wise; numbers are big-endian so that they sort):
 *
 *   C snapshot:u64                 a commit record (see encode_commit)
 *   M                              the job's shape (text)
 *   U snapshot:u64                 the file sinks' lengths once that snapshot was published
 *   K|L|P|W|X ... ~snapshot:u64    an entry: a logical key (whose first byte is one of these,
 *                                  mstr_snapshot.c), then the complement of the snapshot that
 *                                  wrote it, so that a key's versions sort newest first
 *
 * An entry's value is a tag byte (1: a value, 0: a tombstone), the value, and 8 bytes of hash
 * (mstr_hash.h) of the stored key, the tag and the value, little-endian.
 */
#include "mstr_store.h"

#include <leveldb/c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mstr_codec.h"
#include "mstr_hash.h"
#include "mstr_mem.h"

enum { VERSION_BYTES = 8, HASH_BYTES = 8, COMMIT_BYTES = 8 * 7 + 1 };

struct mstr_store {
    leveldb_t *db;
    leveldb_options_t *options;
    leveldb_readoptions_t *read;
    leveldb_writeoptions_t *write;
    leveldb_writeoptions_t *write_sync;
};

struct mstr_store_batch {
    uint64_t snapshot;
    leveldb_writebatch_t *wb;
    mstr_wbuf key, value;       /* scratch for the stored key and value */
    uint64_t entries, hash;
    size_t bytes;
};

/* Takes over a LevelDB error message (to be freed with leveldb_free) as ours. */
static bool failed(char **error, char *ldb_error, const char *what)
{
    *error = mstr_strf("%s%s%s", what, ldb_error ? ": " : "", ldb_error ? ldb_error : "");
    leveldb_free(ldb_error);
    return false;
}

static bool is_entry_kind(unsigned char c)
{
    return c == 'K' || c == 'L' || c == 'P' || c == 'W' || c == 'X';
}

static void put_be(mstr_wbuf *b, uint64_t v, size_t n)
{
    unsigned char *p = mstr_wbuf_claim(b, n);
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
}

static uint64_t get_be(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* ---- opening ----------------------------------------------------------------------------------- */

mstr_store *mstr_store_open(const char *dir, char **error)
{
    mstr_store *s = mstr_alloc(sizeof *s);
    s->options = leveldb_options_create();
    leveldb_options_set_create_if_missing(s->options, 1);
    leveldb_options_set_write_buffer_size(s->options, 16 << 20);
    s->read = leveldb_readoptions_create();
    leveldb_readoptions_set_verify_checksums(s->read, 1);
    s->write = leveldb_writeoptions_create();
    s->write_sync = leveldb_writeoptions_create();
    leveldb_writeoptions_set_sync(s->write_sync, 1);
    char *err = NULL;
    s->db = leveldb_open(s->options, dir, &err);
    if (s->db == NULL) {
        failed(error, err, "cannot open the state store");
        s->db = NULL;
        mstr_store_close(s);
        return NULL;
    }
    return s;
}

void mstr_store_close(mstr_store *s)
{
    if (s == NULL)
        return;
    if (s->db != NULL) {
        /* Compacting a range that holds no key flushes the memtable and compacts nothing. */
        leveldb_compact_range(s->db, "", 0, "", 0);
        leveldb_close(s->db);
    }
    leveldb_options_destroy(s->options);
    leveldb_readoptions_destroy(s->read);
    leveldb_writeoptions_destroy(s->write);
    leveldb_writeoptions_destroy(s->write_sync);
    free(s);
}

bool mstr_store_destroy(const char *dir, char **error)
{
    leveldb_options_t *options = leveldb_options_create();
    char *err = NULL;
    leveldb_destroy_db(options, dir, &err);
    leveldb_options_destroy(options);
    return err == NULL || failed(error, err, "cannot delete the state store");
}

/* ---- entries ----------------------------------------------------------------------------------- */

/* The hash that guards an entry: of its stored key, then its value up to the hash. */
static uint64_t entry_hash(const unsigned char *key, size_t klen, const unsigned char *value,
                           size_t vlen)
{
    mstr_hasher h;
    mstr_hasher_init(&h, klen + vlen);
    mstr_hasher_bytes(&h, key, klen);
    mstr_hasher_bytes(&h, value, vlen);
    return mstr_hasher_end(&h);
}

mstr_store_batch *mstr_store_batch_new(uint64_t snapshot)
{
    mstr_store_batch *b = mstr_alloc(sizeof *b);
    b->snapshot = snapshot;
    b->wb = leveldb_writebatch_create();
    return b;
}

void mstr_store_batch_free(mstr_store_batch *b)
{
    if (b == NULL)
        return;
    leveldb_writebatch_destroy(b->wb);
    mstr_wbuf_free(&b->key);
    mstr_wbuf_free(&b->value);
    free(b);
}

static void batch_add(mstr_store_batch *b, const void *lkey, size_t klen, bool tombstone,
                      const void *value, size_t vlen)
{
    b->key.len = 0;
    mstr_put_bytes(&b->key, lkey, klen);
    put_be(&b->key, ~b->snapshot, VERSION_BYTES);
    b->value.len = 0;
    mstr_put_le(&b->value, tombstone ? 0 : 1, 1);
    mstr_put_bytes(&b->value, value, vlen);
    uint64_t h = entry_hash(b->key.data, b->key.len, b->value.data, b->value.len);
    mstr_put_le(&b->value, h, HASH_BYTES);
    leveldb_writebatch_put(b->wb, (const char *)b->key.data, b->key.len,
                           (const char *)b->value.data, b->value.len);
    b->entries++;
    b->hash += h;
    b->bytes += b->key.len + b->value.len;
}

void mstr_store_batch_put(mstr_store_batch *b, const void *lkey, size_t klen, const void *value,
                          size_t vlen)
{
    batch_add(b, lkey, klen, false, value, vlen);
}

void mstr_store_batch_drop(mstr_store_batch *b, const void *lkey, size_t klen)
{
    batch_add(b, lkey, klen, true, NULL, 0);
}

size_t mstr_store_batch_bytes(const mstr_store_batch *b)
{
    return b->bytes;
}

uint64_t mstr_store_batch_entries(const mstr_store_batch *b)
{
    return b->entries;
}

uint64_t mstr_store_batch_hash(const mstr_store_batch *b)
{
    return b->hash;
}

bool mstr_store_write(mstr_store *s, mstr_store_batch *b, char **error)
{
    char *err = NULL;
    leveldb_write(s->db, s->write, b->wb, &err);
    return err == NULL || failed(error, err, "cannot write a snapshot");
}

void mstr_store_queue_push(mstr_store_queue *q, mstr_store_batch *b)
{
    if (q->n == q->cap) {
        q->cap = q->cap ? 2 * q->cap : 16;
        q->batches = mstr_realloc(q->batches, q->cap * sizeof *q->batches);
    }
    q->batches[q->n++] = b;
}

bool mstr_store_write_queue(mstr_store *s, mstr_store_queue *q, mstr_commit *c, bool skip,
                            char **error)
{
    bool ok = true;
    for (size_t i = 0; i < q->n; i++) {
        mstr_store_batch *b = q->batches[i];
        ok = ok && (skip || mstr_store_write(s, b, error));
        c->entries += b->entries;
        c->hash += b->hash;
        c->bytes += b->bytes;
        mstr_store_batch_free(b);
    }
    free(q->batches);
    *q = (mstr_store_queue){ 0 };
    return ok;
}

void mstr_store_queue_free(mstr_store_queue *q)
{
    for (size_t i = 0; i < q->n; i++)
        mstr_store_batch_free(q->batches[i]);
    free(q->batches);
    *q = (mstr_store_queue){ 0 };
}

/* ---- commit records ---------------------------------------------------------------------------- */

static void commit_key(mstr_wbuf *k, uint64_t snapshot)
{
    mstr_put_le(k, 'C', 1);
    put_be(k, snapshot, 8);
}

/* A record: snapshot, entries, hash, bytes, time, processes, workers, final, then a hash of all before. */
static void encode_commit(mstr_wbuf *v, const mstr_commit *c)
{
    mstr_put_le(v, c->snapshot, 8);
    mstr_put_le(v, c->entries, 8);
    mstr_put_le(v, c->hash, 8);
    mstr_put_le(v, c->bytes, 8);
    mstr_put_le(v, (uint64_t)c->time_ms, 8);
    mstr_put_le(v, (uint64_t)c->processes, 8);
    mstr_put_le(v, (uint64_t)c->workers, 8);
    mstr_put_le(v, c->final ? 1 : 0, 1);
    mstr_put_le(v, mstr_hash_bytes(v->data, v->len), 8);
}

static bool decode_commit(const unsigned char *p, size_t n, mstr_commit *c)
{
    mstr_rbuf r = { p, p + n, false };
    c->snapshot = mstr_get_le(&r, 8);
    c->entries = mstr_get_le(&r, 8);
    c->hash = mstr_get_le(&r, 8);
    c->bytes = mstr_get_le(&r, 8);
    c->time_ms = (int64_t)mstr_get_le(&r, 8);
    c->processes = (int)mstr_get_le(&r, 8);
    c->workers = (int)mstr_get_le(&r, 8);
    c->final = mstr_get_le(&r, 1) != 0;
    uint64_t h = mstr_get_le(&r, 8);
    return !r.error && r.p == r.end && n == COMMIT_BYTES + 8 &&
           h == mstr_hash_bytes(p, COMMIT_BYTES);
}

bool mstr_store_commit(mstr_store *s, const mstr_commit *c, char **error)
{
    mstr_wbuf k = { 0 }, v = { 0 };
    commit_key(&k, c->snapshot);
    encode_commit(&v, c);
    char *err = NULL;
    leveldb_put(s->db, s->write_sync, (const char *)k.data, k.len, (const char *)v.data, v.len,
                &err);
    mstr_wbuf_free(&k);
    mstr_wbuf_free(&v);
    return err == NULL || failed(error, err, "cannot commit a snapshot");
}

size_t mstr_store_commits(mstr_store *s, mstr_commit *out, size_t max)
{
    leveldb_iterator_t *it = leveldb_create_iterator(s->db, s->read);
    size_t n = 0;
    leveldb_iter_seek(it, "D", 1); /* just past the commit records: walk them backwards */
    if (leveldb_iter_valid(it))
        leveldb_iter_prev(it);
    else
        leveldb_iter_seek_to_last(it);
    for (; leveldb_iter_valid(it) && n < max; leveldb_iter_prev(it)) {
        size_t klen, vlen;
        const unsigned char *k = (const unsigned char *)leveldb_iter_key(it, &klen);
        if (klen != 9 || k[0] != 'C') {
            if (k[0] < 'C')
                break;
            continue;
        }
        const unsigned char *v = (const unsigned char *)leveldb_iter_value(it, &vlen);
        if (decode_commit(v, vlen, &out[n]) && out[n].snapshot == get_be(k + 1, 8))
            n++;
    }
    leveldb_iter_destroy(it);
    return n;
}

/* ---- restoring --------------------------------------------------------------------------------- */

/* Where a restore is in the walk over the entries. */
typedef struct restore_walk {
    const mstr_commit *commit;
    mstr_wbuf chosen;           /* the logical key whose version was taken last */
    bool have_chosen;
    uint64_t entries, hash;     /* of the snapshot's own entries */
} restore_walk;

/* Takes the entry (stored key k, value v) into the walk. Returns 0 to go on, 1 if it is the
 * version to use, -1 if it is corrupt. */
static int walk_entry(restore_walk *w, const unsigned char *k, size_t klen,
                      const unsigned char *v, size_t vlen)
{
    if (klen <= VERSION_BYTES || vlen < 1 + HASH_BYTES)
        return -1;
    size_t lklen = klen - VERSION_BYTES;
    uint64_t version = ~get_be(k + lklen, VERSION_BYTES);
    bool same = w->have_chosen && w->chosen.len == lklen && memcmp(w->chosen.data, k, lklen) == 0;
    if (same || version > w->commit->snapshot)
        return 0;
    w->chosen.len = 0;
    mstr_put_bytes(&w->chosen, k, lklen);
    w->have_chosen = true;
    uint64_t h = entry_hash(k, klen, v, vlen - HASH_BYTES);
    mstr_rbuf r = { v + vlen - HASH_BYTES, v + vlen, false };
    if (mstr_get_le(&r, HASH_BYTES) != h || v[0] > 1)
        return -1;
    if (version == w->commit->snapshot) {
        w->entries++;
        w->hash += h;
    }
    return 1;
}

bool mstr_store_restore(mstr_store *s, const mstr_commit *c, mstr_store_visit_fn *visit,
                        void *arg, char **error)
{
    restore_walk w = { .commit = c };
    leveldb_iterator_t *it = leveldb_create_iterator(s->db, s->read);
    bool ok = true;
    char what[160] = "";
    leveldb_iter_seek_to_first(it);
    while (ok && leveldb_iter_valid(it)) {
        size_t klen, vlen;
        const unsigned char *k = (const unsigned char *)leveldb_iter_key(it, &klen);
        if (!is_entry_kind(k[0])) {
            leveldb_iter_next(it);
            continue;
        }
        const unsigned char *v = (const unsigned char *)leveldb_iter_value(it, &vlen);
        int taken = walk_entry(&w, k, klen, v, vlen);
        if (taken < 0) {
            snprintf(what, sizeof what, "snapshot %llu: an entry fails its check",
                     (unsigned long long)c->snapshot);
            ok = false;
        } else if (taken > 0 && v[0] == 1 &&
                   !visit(arg, k, klen - VERSION_BYTES, v + 1, vlen - 1 - HASH_BYTES)) {
            snprintf(what, sizeof what, "snapshot %llu: an entry does not decode",
                     (unsigned long long)c->snapshot);
            ok = false;
        }
        leveldb_iter_next(it);
    }
    char *err = NULL;
    leveldb_iter_get_error(it, &err);
    leveldb_iter_destroy(it);
    mstr_wbuf_free(&w.chosen);
    if (err != NULL)
        return failed(error, err, "cannot read the state store");
    if (ok && (w.entries != c->entries || w.hash != c->hash)) {
        snprintf(what, sizeof what, "snapshot %llu is incomplete: %llu of its %llu entries check",
                 (unsigned long long)c->snapshot, (unsigned long long)w.entries,
                 (unsigned long long)c->entries);
        ok = false;
    }
    if (!ok)
        *error = mstr_strdup(what);
    return ok;
}

/* ---- sweeping: garbage, and what crashed runs left --------------------------------------------- */

/* Deletions are written in batches of this many bytes of keys. */
enum { COLLECT_BATCH = 1 << 20 };

static bool flush_deletes(mstr_store *s, leveldb_writebatch_t *wb, size_t *pending, char **error)
{
    if (*pending == 0)
        return true;
    char *err = NULL;
    leveldb_write(s->db, s->write, wb, &err);
    leveldb_writebatch_clear(wb);
    *pending = 0;
    return err == NULL || failed(error, err, "cannot delete old entries");
}

/* Which entries a walk over the whole store deletes. */
typedef enum sweep_kind { SWEEP_COLLECT, SWEEP_DISCARD } sweep_kind;

/* Deletes, for SWEEP_COLLECT, what no snapshot from n on needs (see Garbage), and for
 * SWEEP_DISCARD what snapshots after n wrote, with their commit and publication records; *kept
 * gets the bytes that stay. */
static bool sweep(mstr_store *s, sweep_kind kind, uint64_t n, uint64_t *kept, char **error)
{
    *kept = 0;
    leveldb_iterator_t *it = leveldb_create_iterator(s->db, s->read);
    leveldb_writebatch_t *wb = leveldb_writebatch_create();
    mstr_wbuf key = { 0 };      /* the logical key being walked */
    bool kept_old = false;      /* it kept its newest version below n */
    size_t pending = 0;
    bool ok = true;
    for (leveldb_iter_seek_to_first(it); ok && leveldb_iter_valid(it); leveldb_iter_next(it)) {
        size_t klen, vlen;
        const char *k = leveldb_iter_key(it, &klen);
        const unsigned char *v = (const unsigned char *)leveldb_iter_value(it, &vlen);
        bool drop;
        if ((k[0] == 'C' || k[0] == 'U') && klen == 9) {
            uint64_t snapshot = get_be((const unsigned char *)k + 1, 8);
            drop = kind == SWEEP_COLLECT ? snapshot < n : snapshot > n;
        } else if (is_entry_kind((unsigned char)k[0]) && klen > VERSION_BYTES && vlen > 0) {
            size_t lklen = klen - VERSION_BYTES;
            if (key.len != lklen || memcmp(key.data, k, lklen) != 0) {
                key.len = 0;
                mstr_put_bytes(&key, k, lklen);
                kept_old = false;
            }
            uint64_t version = ~get_be((const unsigned char *)k + lklen, VERSION_BYTES);
            if (kind == SWEEP_DISCARD) {
                drop = version > n;
            } else {
                drop = version < n && (kept_old || v[0] == 0);
                kept_old = kept_old || version < n;
            }
        } else {
            continue;
        }
        if (!drop) {
            *kept += klen + vlen;
            continue;
        }
        leveldb_writebatch_delete(wb, k, klen);
        pending += klen;
        if (pending >= COLLECT_BATCH)
            ok = flush_deletes(s, wb, &pending, error);
    }
    char *err = NULL;
    leveldb_iter_get_error(it, &err);
    leveldb_iter_destroy(it);
    if (ok)
        ok = flush_deletes(s, wb, &pending, error);
    leveldb_writebatch_destroy(wb);
    mstr_wbuf_free(&key);
    if (err == NULL)
        return ok;
    if (ok)
        return failed(error, err, "cannot read the state store");
    leveldb_free(err); /* *error already says what went wrong first */
    return false;
}

bool mstr_store_collect(mstr_store *s, uint64_t oldest, uint64_t *kept, char **error)
{
    return sweep(s, SWEEP_COLLECT, oldest, kept, error);
}

bool mstr_store_discard_after(mstr_store *s, uint64_t last, char **error)
{
    uint64_t kept;
    return sweep(s, SWEEP_DISCARD, last, &kept, error);
}

/* ---- shape and publication --------------------------------------------------------------------- */

bool mstr_store_put_shape(mstr_store *s, const char *shape, char **error)
{
    char *err = NULL;
    leveldb_put(s->db, s->write_sync, "M", 1, shape, strlen(shape), &err);
    return err == NULL || failed(error, err, "cannot write the job's shape");
}

char *mstr_store_get_shape(mstr_store *s, char **error)
{
    size_t n;
    char *err = NULL;
    char *v = leveldb_get(s->db, s->read, "M", 1, &n, &err);
    if (err != NULL) {
        failed(error, err, "cannot read the state store");
        return NULL;
    }
    if (v == NULL)
        return NULL;
    char *shape = mstr_alloc(n + 1);
    memcpy(shape, v, n);
    leveldb_free(v);
    return shape;
}

static void published_key(mstr_wbuf *k, uint64_t snapshot)
{
    mstr_put_le(k, 'U', 1);
    put_be(k, snapshot, 8);
}

/* The record: snapshot, n, n lengths, then a hash of all before. */
bool mstr_store_put_published(mstr_store *s, uint64_t snapshot, const uint64_t *lengths,
                              size_t n, char **error)
{
    mstr_wbuf k = { 0 }, v = { 0 };
    published_key(&k, snapshot);
    mstr_put_le(&v, snapshot, 8);
    mstr_put_le(&v, n, 8);
    for (size_t i = 0; i < n; i++)
        mstr_put_le(&v, lengths[i], 8);
    mstr_put_le(&v, mstr_hash_bytes(v.data, v.len), 8);
    char *err = NULL;
    leveldb_put(s->db, s->write_sync, (const char *)k.data, k.len, (const char *)v.data, v.len,
                &err);
    mstr_wbuf_free(&k);
    mstr_wbuf_free(&v);
    return err == NULL || failed(error, err, "cannot record the sinks' publication");
}

/* Decodes the publication record (key k, value v) of a job with n sinks. */
static bool decode_published(const unsigned char *k, size_t klen, const unsigned char *v,
                             size_t vlen, uint64_t *snapshot, uint64_t *lengths, size_t n)
{
    if (klen != 9 || k[0] != 'U')
        return false;
    mstr_rbuf r = { v, v + vlen, false };
    *snapshot = mstr_get_le(&r, 8);
    bool ok = *snapshot == get_be(k + 1, 8) && mstr_get_le(&r, 8) == n;
    for (size_t i = 0; ok && i < n; i++)
        lengths[i] = mstr_get_le(&r, 8);
    return ok && vlen == 8 * (n + 3) && mstr_get_le(&r, 8) == mstr_hash_bytes(v, vlen - 8) &&
           !r.error;
}

bool mstr_store_get_published(mstr_store *s, uint64_t at_most, uint64_t *snapshot,
                              uint64_t *lengths, size_t n)
{
    mstr_wbuf k = { 0 };
    published_key(&k, at_most);
    leveldb_iterator_t *it = leveldb_create_iterator(s->db, s->read);
    leveldb_iter_seek(it, (const char *)k.data, k.len);
    size_t klen = 0, vlen;
    if (!leveldb_iter_valid(it)) {
        leveldb_iter_seek_to_last(it);
    } else {
        const char *found = leveldb_iter_key(it, &klen);
        if (klen != k.len || memcmp(found, k.data, k.len) != 0)
            leveldb_iter_prev(it); /* past at_most: the one before is the newest up to it */
    }
    bool ok = false;
    if (leveldb_iter_valid(it)) {
        const unsigned char *key = (const unsigned char *)leveldb_iter_key(it, &klen);
        const unsigned char *v = (const unsigned char *)leveldb_iter_value(it, &vlen);
        ok = decode_published(key, klen, v, vlen, snapshot, lengths, n);
    }
    leveldb_iter_destroy(it);
    mstr_wbuf_free(&k);
    return ok;
}
