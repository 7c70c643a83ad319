/*
 * test_route.c - key groups and their owners: the key-group function, the range of owners,
 * minimal movement when a worker is added (and none between processes when each gets one),
 * balance, the owner table, and owners checked
 * against fixed values from an independent implementation.
 *
 * The expected values in test_known_owners and test_key_group_values come from
 * tests/models/owners.py, written from the definitions in mstr_hash.h and mstr_route.h, not
 * from the C code; this Python prints them (run from the repository root):
 *
 *   exec(open("tests/models/owners.py").read().replace("\nmain()\n", "\n"))
 *   for g in [0, 1, 2, 3, 7, 100, 128, 200, 254, 255]: print(g, owner(g, 2))
 *   print(sum(owner(g, 2) for g in range(256)), sum(owner(g, 2) for g in range(4096)))
 *   print([owner(g, 3) for g in range(16)], [owner(g, 3) for g in range(4080, 4096)])
 *   print([owner(g, 5) for g in range(1000, 1010)])
 *   print([owner(g, 4, 2) for g in range(16)], [owner(g, 6, 3) for g in range(4080, 4096)])
 *   for h in [0xab00000000000000, 0xffffffffffffffff, 0x8000000000000000]:
 *       print([key_group(h, n) for n in (256, 4096, 1000, 3, 1)])
 *   print(key_group(hash_bytes((42).to_bytes(8, "little")), 4096))
 *
 * Its output:
 *   0 0 / 1 0 / 2 0 / 3 1 / 7 1 / 100 0 / 128 0 / 200 0 / 254 0 / 255 1
 *   118 2076
 *   [2, 2, 0, 1, 2, 1, 1, 1, 1, 1, 2, 1, 2, 0, 0, 0] [0, 2, 1, 2, 2, 0, 2, 0, 0, 0, 2, 2, 1, 1, 0, 1]
 *   [0, 3, 1, 3, 2, 4, 4, 0, 4, 2]
 *   [2, 2, 0, 3, 3, 3, 3, 1, 1, 1, 0, 1, 3, 2, 2, 0] [2, 3, 1, 1, 3, 2, 0, 2, 0, 2, 3, 5, 5, 1, 0, 3]
 *   [171, 2736, 667, 2, 0] / [255, 4095, 999, 2, 0] / [128, 2048, 500, 1, 0]
 *   3621
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mstr_hash.h"
#include "mstr_route.h"

/* Values from tests/models/owners.py (see the top of this file). */
static void test_key_group_values(void **state)
{
    (void)state;
    static const struct { uint64_t hash; uint32_t groups, expected; } cases[] = {
        { UINT64_C(0xAB00000000000000), 256, 171 }, { UINT64_C(0xAB00000000000000), 4096, 2736 },
        { UINT64_C(0xAB00000000000000), 1000, 667 }, { UINT64_C(0xAB00000000000000), 3, 2 },
        { UINT64_C(0xAB00000000000000), 1, 0 },
        { UINT64_MAX, 256, 255 }, { UINT64_MAX, 4096, 4095 }, { UINT64_MAX, 1000, 999 },
        { UINT64_MAX, 3, 2 }, { UINT64_MAX, 1, 0 },
        { UINT64_C(0x8000000000000000), 256, 128 }, { UINT64_C(0x8000000000000000), 4096, 2048 },
        { UINT64_C(0x8000000000000000), 1000, 500 }, { UINT64_C(0x8000000000000000), 3, 1 },
        { 0, 4096, 0 }, { UINT64_C(0xFFFFFFFF), 4096, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(mstr_key_group(cases[i].hash, cases[i].groups), cases[i].expected);
    uint64_t key = 42;
    assert_int_equal(mstr_key_group(mstr_hash_bytes(&key, 8), 4096), 3621);
}

/* Every hash falls in a group below the count, and a power of two count takes the top bits. */
static void test_key_group_range(void **state)
{
    (void)state;
    for (uint64_t i = 0; i < 100000; i++) {
        uint64_t h = mstr_hash_u64(i);
        assert_true(mstr_key_group(h, 1000) < 1000);
        assert_true(mstr_key_group(h, MSTR_KEY_GROUPS_MAX) < MSTR_KEY_GROUPS_MAX);
        assert_int_equal(mstr_key_group(h, 4096), h >> 52);
    }
}

static void test_owner_in_range(void **state)
{
    (void)state;
    for (int n = 1; n <= 64; n++) {
        for (uint32_t g = 0; g < 1024; g++) {
            int o = mstr_rendezvous_owner(g, 1, n);
            assert_true(o >= 0);
            assert_true(o < n);
        }
    }
    for (uint32_t g = 0; g < 1024; g++)
        assert_int_equal(mstr_rendezvous_owner(g, 1, 1), 0);
}

static void test_balance_four_workers(void **state)
{
    (void)state;
    mstr_owners o;
    mstr_owners_init(&o, 4096, 1, 4, 0);
    int share[4] = { 0, 0, 0, 0 };
    for (uint32_t g = 0; g < o.groups; g++)
        share[o.owner[g]]++;
    for (int w = 0; w < 4; w++) {
        assert_true(share[w] >= 900);
        assert_true(share[w] <= 1150);
    }
    mstr_owners_free(&o);
}

/* Values from tests/models/owners.py (see the top of this file). */
static void test_known_owners(void **state)
{
    (void)state;
    static const struct { uint32_t group; int owner; } two[] = {
        { 0, 0 }, { 1, 0 }, { 2, 0 }, { 3, 1 }, { 7, 1 },
        { 100, 0 }, { 128, 0 }, { 200, 0 }, { 254, 0 }, { 255, 1 },
    };
    for (size_t i = 0; i < sizeof two / sizeof two[0]; i++)
        assert_int_equal(mstr_rendezvous_owner(two[i].group, 1, 2), two[i].owner);

    mstr_owners o;
    mstr_owners_init(&o, 4096, 1, 2, 7);
    assert_int_equal(o.version, 7);
    assert_int_equal(o.workers, 2);
    int ones = 0, ones_low = 0;
    for (uint32_t g = 0; g < o.groups; g++) {
        ones += o.owner[g];
        ones_low += g < 256 ? o.owner[g] : 0;
    }
    assert_int_equal(ones_low, 118);
    assert_int_equal(ones, 2076);
    mstr_owners_free(&o);

    static const int three_low[16] = { 2, 2, 0, 1, 2, 1, 1, 1, 1, 1, 2, 1, 2, 0, 0, 0 };
    static const int three_high[16] = { 0, 2, 1, 2, 2, 0, 2, 0, 0, 0, 2, 2, 1, 1, 0, 1 };
    mstr_owners_init(&o, 4096, 1, 3, 0);
    for (uint32_t g = 0; g < 16; g++) {
        assert_int_equal(o.owner[g], three_low[g]);
        assert_int_equal(o.owner[4080 + g], three_high[g]);
    }
    mstr_owners_free(&o);

    static const int five[10] = { 0, 3, 1, 3, 2, 4, 4, 0, 4, 2 };
    for (uint32_t g = 0; g < 10; g++)
        assert_int_equal(mstr_rendezvous_owner(1000 + g, 1, 5), five[g]);

    static const int two_by_two[16] = { 2, 2, 0, 3, 3, 3, 3, 1, 1, 1, 0, 1, 3, 2, 2, 0 };
    static const int three_by_two[16] = { 2, 3, 1, 1, 3, 2, 0, 2, 0, 2, 3, 5, 5, 1, 0, 3 };
    for (uint32_t g = 0; g < 16; g++) {
        assert_int_equal(mstr_rendezvous_owner(g, 2, 2), two_by_two[g]);
        assert_int_equal(mstr_rendezvous_owner(4080 + g, 3, 2), three_by_two[g]);
    }
}

/* A job of p processes (one, too) going from n to n+1 workers in each moves key groups only
 * to the new workers, each within its process, about 1/(n+1) of them; and a group's process is
 * the same for any n. */
static void test_one_more_worker_moves_groups_only_to_it(void **state)
{
    (void)state;
    for (int p = 1; p <= 4; p++) {
        for (int n = 1; n <= (p == 1 ? 8 : 4); n++) {
            mstr_owners before, after;
            mstr_owners_init(&before, 4096, p, n, 0);
            mstr_owners_init(&after, 4096, p, n + 1, 1);
            assert_int_equal(after.workers, p * (n + 1));
            int moved = 0;
            for (uint32_t g = 0; g < 4096; g++) {
                int process = before.owner[g] / n;
                assert_int_equal(after.owner[g] / (n + 1), process);
                if (before.owner[g] % n == after.owner[g] % (n + 1))
                    continue;
                assert_int_equal(after.owner[g] % (n + 1), n); /* never between old workers */
                moved++;
            }
            double expected = 4096.0 / (n + 1);
            assert_true(moved >= 0.8 * expected);
            assert_true(moved <= 1.2 * expected);
            mstr_owners_free(&before);
            mstr_owners_free(&after);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_group_values),
        cmocka_unit_test(test_key_group_range),
        cmocka_unit_test(test_owner_in_range),
        cmocka_unit_test(test_balance_four_workers),
        cmocka_unit_test(test_known_owners),
        cmocka_unit_test(test_one_more_worker_moves_groups_only_to_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
