/*
 * test_route.c - rendezvous ownership of key groups: determinism, range, minimal movement when
 * a worker is added, balance, and owners checked against an independent implementation.
 *
 * The expected owners in test_known_owners come from this Python (python3 file.py), written
 * from the definitions in mstr_hash.h and mstr_route.h, not from the C code; rerun it to check
 * them. (score(0, 0) and score(0, 1) are mstr_hash_u64(0) and (1), which also appear as
 * vectors in test_hash.c.)
 *
 *   M = (1 << 64) - 1
 *   P1, P2 = 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F
 *   def mix(x):
 *       y = ((x ^ (x >> 29)) * P2) & M
 *       return y ^ (y >> 32)
 *   def h(b):  # mstr_hash_bytes, as defined in mstr_hash.h
 *       v = (len(b) * P1) & M
 *       for i in range(0, len(b), 8):
 *           w = int.from_bytes(b[i:i+8].ljust(8, b"\0"), "little")
 *           v = mix(((v ^ w) * P1) & M)
 *       return mix(v)
 *   def score(g, w):  # mstr_hash_u64 = mstr_hash_bytes of the 8 LE bytes
 *       return h(((g << 32) | w).to_bytes(8, "little"))
 *   def owner(g, n):
 *       best = 0
 *       for w in range(1, n):
 *           if score(g, w) > score(g, best):
 *               best = w
 *       return best
 *   for g in [0, 1, 2, 3, 7, 100, 128, 200, 254, 255]:
 *       print(g, owner(g, 2), "0x%016x 0x%016x" % (score(g, 0), score(g, 1)))
 *   print("n=2 count of owner1:", sum(owner(g, 2) for g in range(256)))
 *   print("n=3 owners of 0..15:", [owner(g, 3) for g in range(16)])
 *
 * Its output:
 *   0 0 0x7a6375fed42d3e20 0x54b20a418d5cbe8b
 *   1 0 0x9c81436d09682f81 0x1de90602e5cb1a55
 *   2 0 0xe90f2eaf27fa1f33 0x32646d816b83c3d4
 *   3 1 0x549c94973ee900ff 0xb759e79a2430cf47
 *   7 1 0x6d464090d7f73409 0xa5c8ef2022b260b6
 *   100 0 0xd68b898963562aec 0x6aab65ab946b1844
 *   128 0 0x85da5a8eb5ffc5e5 0x33b7ea43a97ea4dc
 *   200 0 0x3c2393c8d2da9e2a 0x3abf941b02050c4e
 *   254 0 0xb317e90edaa3bd1e 0x527fa14fc9291bdc
 *   255 1 0x0de4deb8ae4773f6 0x7b0a51d8ef4c520d
 *   n=2 count of owner1: 118
 *   n=3 owners of 0..15: [2, 2, 0, 1, 2, 1, 1, 1, 1, 1, 2, 1, 2, 0, 0, 0]
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mstr_route.h"

static void test_key_group_is_top_byte(void **state)
{
    (void)state;
    assert_int_equal(mstr_key_group(0), 0);
    assert_int_equal(mstr_key_group(UINT64_C(0x00FFFFFFFFFFFFFF)), 0);
    assert_int_equal(mstr_key_group(UINT64_C(0x0100000000000000)), 1);
    assert_int_equal(mstr_key_group(UINT64_C(0xAB00000000000000)), 0xAB);
    assert_int_equal(mstr_key_group(UINT64_MAX), 255);
}

static void test_deterministic(void **state)
{
    (void)state;
    for (int n = 1; n <= 16; n++) {
        uint16_t a[MSTR_KEY_GROUPS], b[MSTR_KEY_GROUPS];
        mstr_route_table(a, n);
        mstr_route_table(b, n);
        for (unsigned g = 0; g < MSTR_KEY_GROUPS; g++) {
            assert_int_equal(a[g], b[g]);
            assert_int_equal(a[g], mstr_rendezvous_owner(g, n));
        }
    }
}

static void test_owner_in_range(void **state)
{
    (void)state;
    for (int n = 1; n <= 64; n++) {
        for (unsigned g = 0; g < MSTR_KEY_GROUPS; g++) {
            int o = mstr_rendezvous_owner(g, n);
            assert_true(o >= 0);
            assert_true(o < n);
        }
    }
    for (unsigned g = 0; g < MSTR_KEY_GROUPS; g++)
        assert_int_equal(mstr_rendezvous_owner(g, 1), 0);
}

/* Going from n to n+1 workers moves groups only to the new worker, and about 1/(n+1) of them. */
static void test_adding_a_worker_moves_only_to_it(void **state)
{
    (void)state;
    for (int n = 1; n <= 8; n++) {
        uint16_t before[MSTR_KEY_GROUPS], after[MSTR_KEY_GROUPS];
        mstr_route_table(before, n);
        mstr_route_table(after, n + 1);
        int moved = 0;
        for (unsigned g = 0; g < MSTR_KEY_GROUPS; g++) {
            if (before[g] == after[g])
                continue;
            assert_int_equal(after[g], n);   /* never from one old worker to another */
            moved++;
        }
        double expected = (double)MSTR_KEY_GROUPS / (n + 1);
        assert_true(moved >= 0.5 * expected);
        assert_true(moved <= 1.6 * expected);
    }
}

static void test_balance_four_workers(void **state)
{
    (void)state;
    uint16_t owner[MSTR_KEY_GROUPS];
    mstr_route_table(owner, 4);
    int share[4] = { 0, 0, 0, 0 };
    for (unsigned g = 0; g < MSTR_KEY_GROUPS; g++)
        share[owner[g]]++;
    for (int w = 0; w < 4; w++) {
        assert_true(share[w] >= 32);
        assert_true(share[w] <= 96);
    }
}

/* Values from the Python in the comment at the top of this file. */
static void test_known_owners(void **state)
{
    (void)state;
    static const struct { unsigned group; int owner; } two[] = {
        { 0, 0 }, { 1, 0 }, { 2, 0 }, { 3, 1 }, { 7, 1 },
        { 100, 0 }, { 128, 0 }, { 200, 0 }, { 254, 0 }, { 255, 1 },
    };
    for (size_t i = 0; i < sizeof two / sizeof two[0]; i++)
        assert_int_equal(mstr_rendezvous_owner(two[i].group, 2), two[i].owner);

    uint16_t owner[MSTR_KEY_GROUPS];
    mstr_route_table(owner, 2);
    int ones = 0;
    for (unsigned g = 0; g < MSTR_KEY_GROUPS; g++)
        ones += owner[g];
    assert_int_equal(ones, 118);

    static const int three[16] = { 2, 2, 0, 1, 2, 1, 1, 1, 1, 1, 2, 1, 2, 0, 0, 0 };
    mstr_route_table(owner, 3);
    for (unsigned g = 0; g < 16; g++)
        assert_int_equal(owner[g], three[g]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_group_is_top_byte),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_owner_in_range),
        cmocka_unit_test(test_adding_a_worker_moves_only_to_it),
        cmocka_unit_test(test_balance_four_workers),
        cmocka_unit_test(test_known_owners),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
