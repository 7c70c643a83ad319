/*
 * test_table.c - the keyed-state hash table against a plain reference: an array indexed by
 * key number that says whether each key is present and with what state. Covers growth (and
 * the exact capacities the 7/8 rule gives), deletion and reinsertion, tombstone churn that must
 * not grow the table, removal during iteration, the empty table, and a hash with only a few
 * distinct values, where every lookup depends on the key comparison.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "mstr_hash.h"
#include "mstr_table.h"

typedef struct kv {
    uint64_t key;
    uint64_t state;
} kv;

static bool kv_eq(const void *slot, const void *key)
{
    return ((const kv *)slot)->key == *(const uint64_t *)key;
}

static uint64_t kv_hash(const void *slot)
{
    return mstr_hash_u64(((const kv *)slot)->key);
}

/* Three distinct hashes, with different tags and probe starts, for every key. */
static uint64_t few_hash_of(uint64_t key)
{
    static const uint64_t h[3] = {
        UINT64_C(0x0000000000000005), UINT64_C(0x0012000000000005), UINT64_C(0x00450000000000F0),
    };
    return h[key % 3];
}

static uint64_t kv_few_hash(const void *slot)
{
    return few_hash_of(((const kv *)slot)->key);
}

typedef struct hasher {
    uint64_t (*of_key)(uint64_t key);
    mstr_table_hash_fn *of_slot;
} hasher;

static const hasher good_hash = { mstr_hash_u64, kv_hash };
static const hasher few_hash = { few_hash_of, kv_few_hash };

/* Key number i -> a distinct key (splitmix64's finaliser is a bijection, so no two collide). */
static uint64_t key_of(uint64_t i)
{
    uint64_t z = i + UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static kv *find(const mstr_table *t, uint64_t key, const hasher *hs)
{
    return mstr_table_find(t, &key, hs->of_key(key), kv_eq);
}

/* Inserts key with state; asserts whether it was new. */
static void put(mstr_table *t, uint64_t key, uint64_t state, bool expect_new, const hasher *hs)
{
    bool created = !expect_new;
    kv *s = mstr_table_insert(t, &key, hs->of_key(key), kv_eq, hs->of_slot, &created);
    assert_non_null(s);
    assert_int_equal(created, expect_new);
    if (created) {
        assert_int_equal(s->key, 0);   /* a new slot comes zero-filled */
        assert_int_equal(s->state, 0);
        s->key = key;
    } else {
        assert_true(s->key == key);
    }
    s->state = state;
}

static void del(mstr_table *t, uint64_t key, const hasher *hs)
{
    kv *s = find(t, key, hs);
    assert_non_null(s);
    mstr_table_remove(t, s);
}

/* The reference: present[i] and state[i] for key number i. */
typedef struct reference {
    size_t n;
    bool *present;
    uint64_t *state;
} reference;

static reference ref_new(size_t n)
{
    reference r = { n, calloc(n, sizeof(bool)), calloc(n, sizeof(uint64_t)) };
    assert_non_null(r.present);
    assert_non_null(r.state);
    return r;
}

static void ref_free(reference *r)
{
    free(r->present);
    free(r->state);
}

/* The table holds exactly what the reference says, found by lookup and by iteration, and keeps
 * live + deleted within 7/8 of a power-of-two capacity. */
static void check_against(const mstr_table *t, const reference *r, const hasher *hs)
{
    size_t live = 0;
    for (size_t i = 0; i < r->n; i++) {
        kv *s = find(t, key_of(i), hs);
        if (r->present[i]) {
            assert_non_null(s);
            assert_true(s->key == key_of(i));
            assert_true(s->state == r->state[i]);
            live++;
        } else {
            assert_null(s);
        }
    }
    assert_int_equal(t->live, live);
    size_t full = 0;
    for (size_t i = 0; i < t->capacity; i++)
        full += mstr_table_full(t, i);
    assert_int_equal(full, live);
    if (t->capacity > 0) {
        assert_int_equal(t->capacity & (t->capacity - 1), 0);
        assert_true((t->live + t->deleted) * 8 <= t->capacity * 7);
    }
}

static void test_empty(void **state)
{
    (void)state;
    mstr_table t;
    mstr_table_init(&t, sizeof(kv));
    assert_int_equal(t.capacity, 0);
    assert_null(find(&t, 0, &good_hash));
    assert_null(find(&t, 42, &good_hash));
    mstr_table_free(&t);                  /* freeing a table that never allocated */

    put(&t, 42, 7, true, &good_hash);
    assert_int_equal(t.capacity, 16);
    del(&t, 42, &good_hash);
    assert_null(find(&t, 42, &good_hash));
    assert_null(find(&t, 0, &good_hash)); /* 0 is what a zero-filled slot would hold */
    assert_int_equal(t.live, 0);
    mstr_table_free(&t);
    assert_int_equal(t.capacity, 0);
    assert_null(find(&t, 42, &good_hash));
}

/* With no deletions the capacity is the smallest power of two >= 16 whose 7/8 holds n. */
static void test_growth_capacities(void **state)
{
    (void)state;
    mstr_table t;
    mstr_table_init(&t, sizeof(kv));
    static const struct { size_t n, capacity; } steps[] = {
        { 1, 16 }, { 14, 16 }, { 15, 32 }, { 28, 32 }, { 29, 64 }, { 56, 64 }, { 57, 128 },
        { 7168, 8192 }, { 7169, 16384 }, { 10000, 16384 },
    };
    size_t n = 0;
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        for (; n < steps[k].n; n++)
            put(&t, key_of(n), n, true, &good_hash);
        assert_int_equal(t.live, steps[k].n);
        assert_int_equal(t.capacity, steps[k].capacity);
    }
    mstr_table_free(&t);
}

static void test_insert_find_many(void **state)
{
    (void)state;
    enum { N = 20000, INSERTED = 12000 };
    reference r = ref_new(N);
    mstr_table t;
    mstr_table_init(&t, sizeof(kv));
    for (size_t i = 0; i < INSERTED; i++) {
        put(&t, key_of(i), i * 3 + 1, true, &good_hash);
        r.present[i] = true;
        r.state[i] = i * 3 + 1;
        if (i % 1000 == 0)
            check_against(&t, &r, &good_hash);
    }
    check_against(&t, &r, &good_hash);   /* keys INSERTED .. N must be absent */

    for (size_t i = 0; i < INSERTED; i += 7) {   /* insert of a present key updates it */
        put(&t, key_of(i), i ^ 0xFFFF, false, &good_hash);
        r.state[i] = i ^ 0xFFFF;
    }
    check_against(&t, &r, &good_hash);
    ref_free(&r);
    mstr_table_free(&t);
}

static void test_delete_then_reinsert(void **state)
{
    (void)state;
    enum { N = 300 };
    reference r = ref_new(N);
    mstr_table t;
    mstr_table_init(&t, sizeof(kv));
    for (size_t i = 0; i < N; i++) {
        put(&t, key_of(i), i, true, &good_hash);
        r.present[i] = true;
        r.state[i] = i;
    }
    for (size_t i = 0; i < N; i += 2) {
        del(&t, key_of(i), &good_hash);
        r.present[i] = false;
    }
    check_against(&t, &r, &good_hash);
    assert_int_equal(t.live, N / 2);

    for (size_t i = 0; i < N; i += 2) {
        put(&t, key_of(i), i + 1000, true, &good_hash);
        r.present[i] = true;
        r.state[i] = i + 1000;
    }
    check_against(&t, &r, &good_hash);
    assert_int_equal(t.live, N);
    ref_free(&r);
    mstr_table_free(&t);
}

/* A sliding window of 10 live keys over 100000 inserts: tombstones must be dropped by
 * rehashing in place, so the table settles at 32 slots (16 cannot hold 11 live + 1 within the
 * "live below half" rule, 32 always can) instead of growing with every key ever inserted. */
static void test_churn_keeps_capacity_bounded(void **state)
{
    (void)state;
    enum { WINDOW = 10, TOTAL = 100000 };
    mstr_table t;
    mstr_table_init(&t, sizeof(kv));
    size_t max_capacity = 0;
    for (size_t i = 0; i < TOTAL; i++) {
        put(&t, key_of(i), i, true, &good_hash);
        if (i >= WINDOW)
            del(&t, key_of(i - WINDOW), &good_hash);
        if (t.capacity > max_capacity)
            max_capacity = t.capacity;
        assert_int_equal(t.live, i >= WINDOW ? WINDOW : i + 1);
    }
    assert_int_equal(max_capacity, 32);
    assert_true((t.live + t.deleted) * 8 <= t.capacity * 7);
    for (size_t i = TOTAL - WINDOW; i < TOTAL; i++) {
        kv *s = find(&t, key_of(i), &good_hash);
        assert_non_null(s);
        assert_true(s->state == i);
    }
    for (size_t i = 0; i < TOTAL - WINDOW; i += 997)
        assert_null(find(&t, key_of(i), &good_hash));
    mstr_table_free(&t);
}

/* Removing every other entry while iterating: each live entry is visited exactly once, and
 * exactly the removed ones are gone afterwards. */
static void test_iterate_and_remove(void **state)
{
    (void)state;
    enum { N = 1000 };
    mstr_table t;
    mstr_table_init(&t, sizeof(kv));
    for (size_t i = 0; i < N; i++)
        put(&t, key_of(i), i, true, &good_hash);

    int visits[N] = { 0 };
    bool removed[N] = { false };
    size_t seen = 0;
    for (size_t i = 0; i < t.capacity; i++) {
        if (!mstr_table_full(&t, i))
            continue;
        kv *s = mstr_table_slot(&t, i);
        assert_true(s->state < N);
        assert_true(s->key == key_of(s->state));
        visits[s->state]++;
        if (seen++ % 2 == 0) {
            removed[s->state] = true;
            mstr_table_remove(&t, s);
        }
    }
    assert_int_equal(seen, N);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(visits[i], 1);
    assert_int_equal(t.live, N / 2);

    reference r = ref_new(N);
    for (size_t i = 0; i < N; i++) {
        r.present[i] = !removed[i];
        r.state[i] = i;
    }
    check_against(&t, &r, &good_hash);
    ref_free(&r);
    mstr_table_free(&t);
}

/* xorshift64: a fixed pseudo-random sequence so failures reproduce. */
static uint64_t next_random(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* Random inserts, updates and deletes over a pool of keys, checked op by op and in full. */
static void random_ops(const hasher *hs, size_t pool, size_t ops)
{
    reference r = ref_new(pool);
    mstr_table t;
    mstr_table_init(&t, sizeof(kv));
    uint64_t rnd = UINT64_C(0x243F6A8885A308D3);
    for (size_t op = 0; op < ops; op++) {
        size_t i = next_random(&rnd) % pool;
        uint64_t key = key_of(i);
        if (next_random(&rnd) % 3 == 0) {
            if (r.present[i]) {
                del(&t, key, hs);
                r.present[i] = false;
            } else {
                assert_null(find(&t, key, hs));
            }
        } else {
            put(&t, key, op, !r.present[i], hs);
            r.present[i] = true;
            r.state[i] = op;
        }
        if (op % (ops / 10) == 0)
            check_against(&t, &r, hs);
    }
    check_against(&t, &r, hs);
    ref_free(&r);
    mstr_table_free(&t);
}

static void test_random_against_reference(void **state)
{
    (void)state;
    random_ops(&good_hash, 3000, 200000);
}

/* Three hash values for all keys: long probe chains through tombstones, where only the key
 * comparison tells entries apart. */
static void test_colliding_hashes(void **state)
{
    (void)state;
    random_ops(&few_hash, 400, 20000);

    mstr_table t;
    mstr_table_init(&t, sizeof(kv));
    for (uint64_t k = 0; k < 90; k++)
        put(&t, k, k * 10, true, &few_hash);
    for (uint64_t k = 0; k < 90; k += 3)        /* tombstones in the middle of every chain */
        del(&t, k, &few_hash);
    for (uint64_t k = 0; k < 90; k++) {
        kv *s = find(&t, k, &few_hash);
        if (k % 3 == 0) {
            assert_null(s);
        } else {
            assert_non_null(s);
            assert_true(s->state == k * 10);
        }
    }
    mstr_table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_growth_capacities),
        cmocka_unit_test(test_insert_find_many),
        cmocka_unit_test(test_delete_then_reinsert),
        cmocka_unit_test(test_churn_keeps_capacity_bounded),
        cmocka_unit_test(test_iterate_and_remove),
        cmocka_unit_test(test_random_against_reference),
        cmocka_unit_test(test_colliding_hashes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
