/*
 * test_store.c - the snapshot store on a real LevelDB in a temporary directory: incremental
 * snapshots composed with their tombstones, commit records, what a restore refuses (an
 * incomplete snapshot, an entry whose bytes changed), garbage collection, the shape and the
 * publication record.
 *
 * Logical keys here are short strings starting with 'K' (the store only looks at the first
 * byte); a restore is checked by collecting what it visits into "key=value" lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <leveldb/c.h>

#include "mstr_store.h"
#include "unit_store.h"

typedef unit_store fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    unit_store_open(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    unit_store_close(f);
    free(f);
    return 0;
}

/* One snapshot: entries "K<name>=<value>" put, and "-K<name>" dropped, then committed unless
 * commit is false. Returns its commit record. */
static mstr_commit snapshot(fixture *f, uint64_t n, const char *const *ops, size_t nops,
                            bool commit)
{
    mstr_store_batch *b = mstr_store_batch_new(n);
    for (size_t i = 0; i < nops; i++) {
        const char *op = ops[i];
        if (op[0] == '-') {
            mstr_store_batch_drop(b, op + 1, strlen(op + 1));
            continue;
        }
        const char *eq = strchr(op, '=');
        mstr_store_batch_put(b, op, (size_t)(eq - op), eq + 1, strlen(eq + 1));
    }
    char *error = NULL;
    assert_true(mstr_store_write(f->store, b, &error));
    mstr_commit c = { .snapshot = n, .entries = mstr_store_batch_entries(b),
                      .hash = mstr_store_batch_hash(b), .bytes = mstr_store_batch_bytes(b),
                      .processes = (int)n, .workers = 1 }; /* (a live rescale changes
                                                               the processes between two) */
    mstr_store_batch_free(b);
    if (commit)
        assert_true(mstr_store_commit(f->store, &c, &error));
    return c;
}

typedef struct seen {
    char text[1024];
} seen;

static bool collect(void *arg, const unsigned char *k, size_t klen, const unsigned char *v,
                    size_t vlen)
{
    seen *s = arg;
    size_t at = strlen(s->text);
    snprintf(s->text + at, sizeof s->text - at, "%.*s=%.*s;", (int)klen, (const char *)k,
             (int)vlen, (const char *)v);
    return true;
}

/* The state a restore of c gives, as "key=value;" in key order; NULL if it is refused. */
static char *restore(fixture *f, const mstr_commit *c, char **error)
{
    static seen s;
    s.text[0] = '\0';
    return mstr_store_restore(f->store, c, collect, &s, error) ? s.text : NULL;
}

static void test_incremental_snapshots_compose(void **state)
{
    fixture *f = *state;
    static const char *const one[] = { "Ka=1", "Kb=2", "Kc=3" };
    static const char *const two[] = { "Kb=20", "-Kc" };
    static const char *const three[] = { "Kd=4", "Kc=30" };
    mstr_commit c1 = snapshot(f, 1, one, 3, true);
    mstr_commit c2 = snapshot(f, 2, two, 2, true);
    mstr_commit c3 = snapshot(f, 3, three, 2, true);
    char *error = NULL;
    assert_string_equal(restore(f, &c1, &error), "Ka=1;Kb=2;Kc=3;");
    assert_string_equal(restore(f, &c2, &error), "Ka=1;Kb=20;");
    assert_string_equal(restore(f, &c3, &error), "Ka=1;Kb=20;Kc=30;Kd=4;");
}

static void test_commit_records_newest_first(void **state)
{
    fixture *f = *state;
    static const char *const a[] = { "Ka=1" };
    snapshot(f, 1, a, 1, true);
    snapshot(f, 2, a, 1, true);
    snapshot(f, 3, a, 1, false); /* written, never committed */
    mstr_commit c[8];
    size_t n = mstr_store_commits(f->store, c, 8);
    assert_int_equal(n, 2);
    assert_int_equal(c[0].snapshot, 2);
    assert_int_equal(c[1].snapshot, 1);
    assert_int_equal(c[0].entries, 1);
    assert_int_equal(c[0].workers, 1);
    assert_int_equal(c[0].processes, 2);
    assert_int_equal(c[1].processes, 1);
    assert_int_equal(mstr_store_commits(f->store, c, 1), 1);
}

/* What a later snapshot wrote (committed or not) never shows in the restore of an earlier one. */
static void test_restore_ignores_later_snapshots(void **state)
{
    fixture *f = *state;
    static const char *const one[] = { "Ka=1" };
    static const char *const two[] = { "Ka=2", "Kb=2" };
    mstr_commit c1 = snapshot(f, 1, one, 1, true);
    snapshot(f, 2, two, 2, false);
    char *error = NULL;
    assert_string_equal(restore(f, &c1, &error), "Ka=1;");
}

static void test_incomplete_snapshot_refused(void **state)
{
    fixture *f = *state;
    static const char *const one[] = { "Ka=1", "Kb=2" };
    static const char *const two[] = { "Ka=10" };
    mstr_commit c1 = snapshot(f, 1, one, 2, true);
    mstr_commit c2 = snapshot(f, 2, two, 1, false);
    c2.entries++; /* a record that promises an entry that never got written */
    char *error = NULL;
    assert_null(restore(f, &c2, &error));
    assert_non_null(strstr(error, "incomplete"));
    free(error);
    error = NULL;
    assert_string_equal(restore(f, &c1, &error), "Ka=1;Kb=2;");
}

/* Flips one byte of an entry's value through LevelDB itself, as a bad disk would. */
static void flip_entry(fixture *f, const char *lkey, uint64_t version)
{
    mstr_store_close(f->store);
    leveldb_options_t *o = leveldb_options_create();
    char *err = NULL;
    leveldb_t *db = leveldb_open(o, f->dir, &err);
    assert_non_null(db);
    char key[64];
    size_t klen = strlen(lkey);
    memcpy(key, lkey, klen);
    for (int i = 0; i < 8; i++)
        key[klen + (size_t)i] = (char)(~version >> (8 * (7 - i)));
    leveldb_readoptions_t *r = leveldb_readoptions_create();
    leveldb_writeoptions_t *w = leveldb_writeoptions_create();
    size_t vlen;
    char *v = leveldb_get(db, r, key, klen + 8, &vlen, &err);
    assert_non_null(v);
    v[1] ^= 0x20;
    leveldb_put(db, w, key, klen + 8, v, vlen, &err);
    assert_null(err);
    leveldb_free(v);
    leveldb_readoptions_destroy(r);
    leveldb_writeoptions_destroy(w);
    leveldb_close(db);
    leveldb_options_destroy(o);
    f->store = mstr_store_open(f->dir, &err);
    assert_non_null(f->store);
}

static void test_changed_entry_refused(void **state)
{
    fixture *f = *state;
    static const char *const one[] = { "Ka=1", "Kb=2" };
    static const char *const two[] = { "Kb=20" };
    mstr_commit c1 = snapshot(f, 1, one, 2, true);
    mstr_commit c2 = snapshot(f, 2, two, 1, true);
    flip_entry(f, "Kb", 2);
    char *error = NULL;
    assert_null(restore(f, &c2, &error));
    assert_non_null(strstr(error, "fails its check"));
    free(error);
    error = NULL;
    assert_string_equal(restore(f, &c1, &error), "Ka=1;Kb=2;");
}

static void test_collect_keeps_what_kept_snapshots_need(void **state)
{
    fixture *f = *state;
    static const char *const one[] = { "Ka=1", "Kb=2", "Kc=3", "Ke=5" };
    static const char *const two[] = { "Kb=20", "-Kc" };
    static const char *const three[] = { "Kb=200", "-Ke" };
    static const char *const four[] = { "Ka=1000" };
    snapshot(f, 1, one, 4, true);
    mstr_commit c2 = snapshot(f, 2, two, 2, true);
    mstr_commit c3 = snapshot(f, 3, three, 2, true);
    mstr_commit c4 = snapshot(f, 4, four, 1, true);
    char *error = NULL;
    uint64_t kept = 0;
    assert_true(mstr_store_collect(f->store, 3, &kept, &error));
    assert_true(kept > 0);
    mstr_commit c[8];
    size_t n = mstr_store_commits(f->store, c, 8);
    assert_int_equal(n, 2);
    assert_int_equal(c[1].snapshot, 3);
    assert_string_equal(restore(f, &c3, &error), "Ka=1;Kb=200;");
    assert_string_equal(restore(f, &c4, &error), "Ka=1000;Kb=200;");
    /* snapshot 2's own entries are gone (b's version 2, c's tombstone), so it no longer
     * restores: it is not kept */
    assert_null(restore(f, &c2, &error));
    free(error);
}

static void test_shape_and_publication(void **state)
{
    fixture *f = *state;
    char *error = NULL;
    assert_null(mstr_store_get_shape(f->store, &error));
    assert_null(error);
    assert_true(mstr_store_put_shape(f->store, "op sum: key u64; state u64\n", &error));
    char *shape = mstr_store_get_shape(f->store, &error);
    assert_string_equal(shape, "op sum: key u64; state u64\n");
    free(shape);

    uint64_t snapshot_no = 0, lengths[2] = { 0, 0 };
    assert_false(mstr_store_get_published(f->store, UINT64_MAX, &snapshot_no, lengths, 2));
    const uint64_t written[2] = { 123, 4567890123ULL };
    assert_true(mstr_store_put_published(f->store, 7, written, 2, &error));
    assert_true(mstr_store_get_published(f->store, UINT64_MAX, &snapshot_no, lengths, 2));
    assert_int_equal(snapshot_no, 7);
    assert_int_equal(lengths[0], 123);
    assert_int_equal(lengths[1], 4567890123ULL);
    assert_false(mstr_store_get_published(f->store, 7, &snapshot_no, lengths, 3)); /* shape differs */
    assert_false(mstr_store_get_published(f->store, 6, &snapshot_no, lengths, 2)); /* none <= 6 */
}

/* A record per published snapshot: a resume from an older snapshot than the last published
 * finds that one's lengths; discarding after it drops the later records, collecting the older. */
static void test_publication_per_snapshot(void **state)
{
    fixture *f = *state;
    char *error = NULL;
    const uint64_t at5[1] = { 50 }, at7[1] = { 70 }, at9[1] = { 90 };
    assert_true(mstr_store_put_published(f->store, 5, at5, 1, &error));
    assert_true(mstr_store_put_published(f->store, 7, at7, 1, &error));
    assert_true(mstr_store_put_published(f->store, 9, at9, 1, &error));
    uint64_t snapshot_no = 0, lengths[1] = { 0 };
    assert_true(mstr_store_get_published(f->store, 8, &snapshot_no, lengths, 1));
    assert_int_equal(snapshot_no, 7);
    assert_int_equal(lengths[0], 70);
    assert_true(mstr_store_get_published(f->store, 9, &snapshot_no, lengths, 1));
    assert_int_equal(snapshot_no, 9);
    assert_true(mstr_store_discard_after(f->store, 8, &error));
    assert_true(mstr_store_get_published(f->store, UINT64_MAX, &snapshot_no, lengths, 1));
    assert_int_equal(snapshot_no, 7);
    uint64_t kept;
    assert_true(mstr_store_collect(f->store, 6, &kept, &error));
    assert_false(mstr_store_get_published(f->store, 5, &snapshot_no, lengths, 1));
    assert_true(mstr_store_get_published(f->store, 7, &snapshot_no, lengths, 1));
    assert_int_equal(lengths[0], 70);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_incremental_snapshots_compose, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_records_newest_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_ignores_later_snapshots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incomplete_snapshot_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_entry_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_collect_keeps_what_kept_snapshots_need, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_shape_and_publication, setup, teardown),
        cmocka_unit_test_setup_teardown(test_publication_per_snapshot, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
