/*
 * test_hash.c - mstr_hash against vectors computed independently from the definition in
 * mstr_hash.h, and mstr_hash_u64 against mstr_hash_bytes.
 *
 * The expected values come from this Python (python3 file.py), a direct transcription of the
 * header's definition; rerun it to check them:
 *
 *   M = (1 << 64) - 1
 *   P1, P2 = 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F
 *   def mix(x):
 *       y = ((x ^ (x >> 29)) * P2) & M
 *       return y ^ (y >> 32)
 *   def h(b):
 *       v = (len(b) * P1) & M
 *       for i in range(0, len(b), 8):
 *           w = int.from_bytes(b[i:i+8].ljust(8, b"\0"), "little")
 *           v = mix(((v ^ w) * P1) & M)
 *       return mix(v)
 *   for s in [b"", b"a", b"abc", b"abcdefgh", b"abcdefghi", b"hello, world",
 *             bytes(range(16)), b"\0"]:
 *       print(repr(s), "0x%016x" % h(s))
 *   for v in [0, 1, 0x0123456789ABCDEF, M]:
 *       print("u64", hex(v), "0x%016x" % h(v.to_bytes(8, "little")))
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mstr_hash.h"

typedef struct bytes_vector {
    const char *bytes;
    size_t len;
    uint64_t hash;
} bytes_vector;

static void test_bytes_vectors(void **state)
{
    (void)state;
    static const char seq16[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
    const bytes_vector v[] = {
        { "", 0, UINT64_C(0x0000000000000000) },
        { "a", 1, UINT64_C(0x21b99d187dbb63a5) },
        { "abc", 3, UINT64_C(0x4e3fa0a8136fc5a2) },
        { "abcdefgh", 8, UINT64_C(0xeb1c36bca8b5a746) },        /* exactly one word */
        { "abcdefghi", 9, UINT64_C(0x581a99afc39e4931) },       /* one word and one byte */
        { "hello, world", 12, UINT64_C(0x837ba42dafe95c69) },
        { seq16, 16, UINT64_C(0xf72a05a684e7f1e9) },
        { "\0", 1, UINT64_C(0xfb2e79bd370c71cd) },              /* differs from "" by length */
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        assert_int_equal(mstr_hash_bytes(v[i].bytes, v[i].len), v[i].hash);
}

static void test_u64_vectors(void **state)
{
    (void)state;
    assert_int_equal(mstr_hash_u64(0), UINT64_C(0x7a6375fed42d3e20));
    assert_int_equal(mstr_hash_u64(1), UINT64_C(0x54b20a418d5cbe8b));
    assert_int_equal(mstr_hash_u64(UINT64_C(0x0123456789ABCDEF)), UINT64_C(0xa35cfc39033e3826));
    assert_int_equal(mstr_hash_u64(UINT64_MAX), UINT64_C(0xa2369c323a3fc4c3));
}

/* The little-endian bytes of v, built by shifting so the test holds on any host. */
static void le_bytes(uint64_t v, unsigned char out[8])
{
    for (int i = 0; i < 8; i++)
        out[i] = (unsigned char)(v >> (8 * i));
}

static void test_u64_matches_bytes(void **state)
{
    (void)state;
    const uint64_t vals[] = { 0, 1, 255, 256, UINT64_C(0x8000000000000000), UINT64_MAX,
                              UINT64_C(0x0123456789ABCDEF), UINT64_C(0xDEADBEEFCAFEF00D) };
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        unsigned char b[8];
        le_bytes(vals[i], b);
        assert_int_equal(mstr_hash_u64(vals[i]), mstr_hash_bytes(b, 8));
    }
    /* And over a spread of values from a linear congruential sequence. */
    uint64_t x = 12345;
    for (int i = 0; i < 1000; i++, x = x * UINT64_C(6364136223846793005) + 1442695040888963407u) {
        unsigned char b[8];
        le_bytes(x, b);
        assert_int_equal(mstr_hash_u64(x), mstr_hash_bytes(b, 8));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytes_vectors),
        cmocka_unit_test(test_u64_vectors),
        cmocka_unit_test(test_u64_matches_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
