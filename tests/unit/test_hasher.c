/*
 * test_hasher.c - the incremental mstr_hasher against mstr_hash_bytes, and its varint step
 * against the codec's encoding.
 *
 * Key routing hashes a key's encoding piece by piece (mstr_hasher) while the definition, and
 * the test vectors of test_hash.c, are on whole byte strings (mstr_hash_bytes). If the two ever
 * disagree, keys go to the wrong key group, so the same key could be owned by two workers. Here
 * every way of cutting a byte string of length 0..40 into pieces (one piece, two pieces at each
 * cut, three pieces at each pair of cuts, byte by byte) and every way of feeding a piece
 * (mstr_hasher_bytes, mstr_hasher_le, mstr_hasher_byte) must give the hash of the whole string.
 * mstr_hasher_varint must hash the very bytes mstr_put_varint writes, and mstr_varint_len must
 * be their count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mstr_codec.h"
#include "mstr_hash.h"

enum { MAX_LEN = 40 };

/* A reproducible byte string of length n (a linear congruential sequence, so that every byte
 * value shows up, including 0x00 and 0xff). */
static void fill_bytes(unsigned char *b, size_t n, uint64_t seed)
{
    uint64_t x = seed * UINT64_C(0x9E3779B97F4A7C15) + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
        b[i] = (unsigned char)(x >> 56);
    }
}

/* How a piece is fed to the hasher. */
typedef enum feed_mode { FEED_BYTES, FEED_LE, FEED_BYTE } feed_mode;

/* Feeds b[0..n) to s in the given mode. FEED_LE goes in words of at most 8 bytes, as
 * little-endian values of their width (the inverse of what mstr_hasher_le reads). */
static void feed(mstr_hasher *s, const unsigned char *b, size_t n, feed_mode mode)
{
    switch (mode) {
    case FEED_BYTES:
        mstr_hasher_bytes(s, b, n);
        break;
    case FEED_LE:
        for (size_t i = 0; i < n; i += 8) {
            size_t w = n - i < 8 ? n - i : 8;
            uint64_t v = 0;
            for (size_t j = 0; j < w; j++)
                v |= (uint64_t)b[i + j] << (8 * j);
            mstr_hasher_le(s, v, w);
        }
        break;
    case FEED_BYTE:
        for (size_t i = 0; i < n; i++)
            mstr_hasher_byte(s, b[i]);
        break;
    }
}

/* The hash of b[0..n) fed as the pieces [0, c1), [c1, c2), [c2, n), each piece in mode. */
static uint64_t hash_in_pieces(const unsigned char *b, size_t n, size_t c1, size_t c2,
                               feed_mode mode)
{
    mstr_hasher s;
    mstr_hasher_init(&s, n);
    feed(&s, b, c1, mode);
    feed(&s, b + c1, c2 - c1, mode);
    feed(&s, b + c2, n - c2, mode);
    return mstr_hasher_end(&s);
}

static void test_one_piece(void **state)
{
    (void)state;
    unsigned char b[MAX_LEN] = { 0 };
    for (size_t n = 0; n <= MAX_LEN; n++) {
        fill_bytes(b, n, n);
        uint64_t want = mstr_hash_bytes(b, n);
        for (feed_mode m = FEED_BYTES; m <= FEED_BYTE; m++) {
            mstr_hasher s;
            mstr_hasher_init(&s, n);
            feed(&s, b, n, m);
            assert_int_equal(mstr_hasher_end(&s), want);
        }
    }
}

static void test_two_pieces_every_cut(void **state)
{
    (void)state;
    unsigned char b[MAX_LEN] = { 0 };
    for (size_t n = 0; n <= MAX_LEN; n++) {
        fill_bytes(b, n, 100 + n);
        uint64_t want = mstr_hash_bytes(b, n);
        for (size_t cut = 0; cut <= n; cut++)
            for (feed_mode m = FEED_BYTES; m <= FEED_BYTE; m++)
                assert_int_equal(hash_in_pieces(b, n, cut, n, m), want);
    }
}

static void test_three_pieces_every_pair_of_cuts(void **state)
{
    (void)state;
    unsigned char b[MAX_LEN] = { 0 };
    for (size_t n = 0; n <= MAX_LEN; n++) {
        fill_bytes(b, n, 200 + n);
        uint64_t want = mstr_hash_bytes(b, n);
        for (size_t c1 = 0; c1 <= n; c1++)
            for (size_t c2 = c1; c2 <= n; c2++)
                for (feed_mode m = FEED_BYTES; m <= FEED_BYTE; m++)
                    assert_int_equal(hash_in_pieces(b, n, c1, c2, m), want);
    }
}

/* Each byte a piece of its own, the pieces fed alternately by the three functions. */
static void test_byte_by_byte_mixed(void **state)
{
    (void)state;
    unsigned char b[MAX_LEN] = { 0 };
    for (size_t n = 0; n <= MAX_LEN; n++) {
        fill_bytes(b, n, 300 + n);
        mstr_hasher s;
        mstr_hasher_init(&s, n);
        for (size_t i = 0; i < n; i++)
            feed(&s, b + i, 1, (feed_mode)(i % 3));
        assert_int_equal(mstr_hasher_end(&s), mstr_hash_bytes(b, n));
    }
}

/* The same bytes with a different declared length must not hash alike (the length is part of
 * the definition): a hasher that ignored it would map "" and "\0" to one key group always. */
static void test_length_is_hashed(void **state)
{
    (void)state;
    unsigned char zeros[16] = { 0 };
    for (size_t n = 0; n < 16; n++) {
        mstr_hasher a, b;
        mstr_hasher_init(&a, n);
        mstr_hasher_bytes(&a, zeros, n);
        mstr_hasher_init(&b, n + 1);
        mstr_hasher_bytes(&b, zeros, n + 1);
        assert_int_not_equal(mstr_hasher_end(&a), mstr_hasher_end(&b));
    }
}

/* Values around every 7-bit boundary of the varint encoding, and the extremes. */
static size_t varint_boundaries(uint64_t *out)
{
    size_t n = 0;
    out[n++] = 0;
    out[n++] = 1;
    for (int bits = 7; bits < 64; bits += 7) {
        uint64_t edge = UINT64_C(1) << bits;
        out[n++] = edge - 1;
        out[n++] = edge;
        out[n++] = edge + 1;
    }
    out[n++] = INT64_MAX;
    out[n++] = UINT64_C(0x8000000000000000);
    out[n++] = UINT64_MAX - 1;
    out[n++] = UINT64_MAX;
    return n;
}

/* The number of bytes of v's varint: one per started group of 7 bits, at least one. */
static size_t expected_varint_len(uint64_t v)
{
    size_t bits = 0;
    for (uint64_t x = v; x; x >>= 1)
        bits++;
    return bits == 0 ? 1 : (bits + 6) / 7;
}

static void test_varint_matches_codec(void **state)
{
    (void)state;
    uint64_t vals[64];
    size_t nvals = varint_boundaries(vals);
    unsigned char prefix[MAX_LEN] = { 0 };
    fill_bytes(prefix, sizeof prefix, 7);
    for (size_t i = 0; i < nvals; i++) {
        /* Behind prefixes of every length, so the varint lands at every offset in a word. */
        for (size_t p = 0; p <= 9; p++) {
            mstr_wbuf w = { 0 };
            mstr_put_bytes(&w, prefix, p);
            mstr_put_varint(&w, vals[i]);
            size_t enc_len = w.len - p;
            assert_int_equal(enc_len, mstr_varint_len(vals[i]));

            mstr_hasher s;
            mstr_hasher_init(&s, p + mstr_varint_len(vals[i]));
            mstr_hasher_bytes(&s, prefix, p);
            mstr_hasher_varint(&s, vals[i]);
            assert_int_equal(mstr_hasher_end(&s), mstr_hash_bytes(w.data, w.len));
            mstr_wbuf_free(&w);
        }
    }
}

static void test_varint_len_boundaries(void **state)
{
    (void)state;
    uint64_t vals[64];
    size_t nvals = varint_boundaries(vals);
    for (size_t i = 0; i < nvals; i++)
        assert_int_equal(mstr_varint_len(vals[i]), expected_varint_len(vals[i]));
    /* The fixed points, spelled out. */
    assert_int_equal(mstr_varint_len(0), 1);
    assert_int_equal(mstr_varint_len(0x7f), 1);
    assert_int_equal(mstr_varint_len(0x80), 2);
    assert_int_equal(mstr_varint_len(0x3fff), 2);
    assert_int_equal(mstr_varint_len(0x4000), 3);
    assert_int_equal(mstr_varint_len(INT64_MAX), 9);
    assert_int_equal(mstr_varint_len(UINT64_MAX), 10);
}

/* A str key hashes as its encoding: varint length, then the bytes. Pieced together the way a
 * key hasher does it, it must equal the hash of mstr_put_str's output. */
static void test_str_encoding(void **state)
{
    (void)state;
    char text[200] = { 0 };
    for (size_t n = 0; n < sizeof text; n += 7) {
        fill_bytes((unsigned char *)text, n, 400 + n);
        mstr_str str = { text, n };
        mstr_wbuf w = { 0 };
        mstr_put_str(&w, str);

        mstr_hasher s;
        mstr_hasher_init(&s, mstr_varint_len(n) + n);
        mstr_hasher_varint(&s, n);
        mstr_hasher_bytes(&s, text, n);
        assert_int_equal(mstr_hasher_end(&s), mstr_hash_bytes(w.data, w.len));
        mstr_wbuf_free(&w);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_piece),
        cmocka_unit_test(test_two_pieces_every_cut),
        cmocka_unit_test(test_three_pieces_every_pair_of_cuts),
        cmocka_unit_test(test_byte_by_byte_mixed),
        cmocka_unit_test(test_length_is_hashed),
        cmocka_unit_test(test_varint_matches_codec),
        cmocka_unit_test(test_varint_len_boundaries),
        cmocka_unit_test(test_str_encoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
