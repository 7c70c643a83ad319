/*
 * test_codec.c - the record encoding: every value is checked against bytes written out by
 * hand from the definition in mstr_codec.h (little-endian fixed widths, LEB128 varints,
 * length-prefixed strings, IEEE bits for floats), then decoded back; and the reader's error
 * handling for truncated and over-long input.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mstr_codec.h"

static mstr_rbuf reader(const void *p, size_t n)
{
    const unsigned char *b = p;
    return (mstr_rbuf){ b, b + n, false };
}

/* Asserts that b holds exactly the n bytes of want. */
static void assert_bytes(const mstr_wbuf *b, const unsigned char *want, size_t n)
{
    assert_int_equal(b->len, n);
    assert_memory_equal(b->data, want, n);
}

typedef struct le_case {
    uint64_t value;
    size_t width;
    unsigned char bytes[8];
} le_case;

static void test_le_widths(void **state)
{
    (void)state;
    const le_case cases[] = {
        { 0, 1, { 0x00 } },
        { 0x7F, 1, { 0x7F } },                       /* i8 max */
        { 0x80, 1, { 0x80 } },                       /* i8 min as bits */
        { 0xFF, 1, { 0xFF } },                       /* u8 max, i8 -1 */
        { 0x1234, 1, { 0x34 } },                     /* only the low byte is written */
        { 0x0102, 2, { 0x02, 0x01 } },
        { 0x7FFF, 2, { 0xFF, 0x7F } },
        { 0x8000, 2, { 0x00, 0x80 } },
        { 0xFFFF, 2, { 0xFF, 0xFF } },
        { 0x01020304, 4, { 0x04, 0x03, 0x02, 0x01 } },
        { 0x7FFFFFFF, 4, { 0xFF, 0xFF, 0xFF, 0x7F } },
        { 0x80000000, 4, { 0x00, 0x00, 0x00, 0x80 } },
        { 0xFFFFFFFF, 4, { 0xFF, 0xFF, 0xFF, 0xFF } },
        { UINT64_C(0x0102030405060708), 8, { 8, 7, 6, 5, 4, 3, 2, 1 } },
        { UINT64_C(0x7FFFFFFFFFFFFFFF), 8, { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F } },
        { UINT64_C(0x8000000000000000), 8, { 0, 0, 0, 0, 0, 0, 0, 0x80 } },
        { UINT64_MAX, 8, { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF } },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const le_case *c = &cases[i];
        mstr_wbuf b = { 0 };
        mstr_put_le(&b, c->value, c->width);
        assert_bytes(&b, c->bytes, c->width);

        mstr_rbuf r = reader(b.data, b.len);
        uint64_t mask = c->width == 8 ? UINT64_MAX : (UINT64_C(1) << (8 * c->width)) - 1;
        assert_int_equal(mstr_get_le(&r, c->width), c->value & mask);
        assert_false(r.error);
        assert_ptr_equal(r.p, r.end);
        mstr_wbuf_free(&b);
    }
}

/* Signed values go through their unsigned bits and come back by conversion to the signed type. */
static void test_le_signed_round_trip(void **state)
{
    (void)state;
    mstr_wbuf b = { 0 };
    mstr_put_le(&b, (uint64_t)(int64_t)INT8_MIN, 1);
    mstr_put_le(&b, (uint64_t)(int64_t)-1, 1);
    mstr_put_le(&b, (uint64_t)(int64_t)INT16_MIN, 2);
    mstr_put_le(&b, (uint64_t)(int64_t)INT16_MAX, 2);
    mstr_put_le(&b, (uint64_t)(int64_t)INT32_MIN, 4);
    mstr_put_le(&b, (uint64_t)(int64_t)-2, 4);
    mstr_put_le(&b, (uint64_t)INT64_MIN, 8);
    mstr_put_le(&b, (uint64_t)(int64_t)-1, 8);
    static const unsigned char want[] = {
        0x80,
        0xFF,
        0x00, 0x80,
        0xFF, 0x7F,
        0x00, 0x00, 0x00, 0x80,
        0xFE, 0xFF, 0xFF, 0xFF,
        0, 0, 0, 0, 0, 0, 0, 0x80,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    };
    assert_bytes(&b, want, sizeof want);

    mstr_rbuf r = reader(b.data, b.len);
    assert_int_equal((int8_t)mstr_get_le(&r, 1), INT8_MIN);
    assert_int_equal((int8_t)mstr_get_le(&r, 1), -1);
    assert_int_equal((int16_t)mstr_get_le(&r, 2), INT16_MIN);
    assert_int_equal((int16_t)mstr_get_le(&r, 2), INT16_MAX);
    assert_int_equal((int32_t)mstr_get_le(&r, 4), INT32_MIN);
    assert_int_equal((int32_t)mstr_get_le(&r, 4), -2);
    assert_true((int64_t)mstr_get_le(&r, 8) == INT64_MIN);
    assert_true((int64_t)mstr_get_le(&r, 8) == -1);
    assert_false(r.error);
    assert_ptr_equal(r.p, r.end);
    mstr_wbuf_free(&b);
}

typedef struct varint_case {
    uint64_t value;
    size_t len;
    unsigned char bytes[10];
} varint_case;

static const varint_case varint_cases[] = {
    { 0, 1, { 0x00 } },
    { 1, 1, { 0x01 } },
    { 127, 1, { 0x7F } },
    { 128, 2, { 0x80, 0x01 } },
    { 300, 2, { 0xAC, 0x02 } },
    { 16383, 2, { 0xFF, 0x7F } },
    { 16384, 3, { 0x80, 0x80, 0x01 } },
    { UINT32_MAX, 5, { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F } },
    { UINT64_C(0x8000000000000000), 10, { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 } },
    { UINT64_MAX, 10, { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 } },
};

static void test_varint_encoding(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof varint_cases / sizeof varint_cases[0]; i++) {
        const varint_case *c = &varint_cases[i];
        mstr_wbuf b = { 0 };
        mstr_put_varint(&b, c->value);
        assert_bytes(&b, c->bytes, c->len);
        mstr_wbuf_free(&b);
    }
}

static void test_varint_decoding(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof varint_cases / sizeof varint_cases[0]; i++) {
        const varint_case *c = &varint_cases[i];
        unsigned char buf[11];
        memcpy(buf, c->bytes, c->len);
        buf[c->len] = 0x2A;                      /* a following byte the varint must not eat */
        mstr_rbuf r = reader(buf, c->len + 1);
        assert_true(mstr_get_varint(&r) == c->value);
        assert_false(r.error);
        assert_ptr_equal(r.p, buf + c->len);
        assert_int_equal(mstr_get_le(&r, 1), 0x2A);
    }
}

static void test_truncated_input(void **state)
{
    (void)state;
    static const unsigned char cont[] = { 0x80, 0xFF, 0xFF };
    for (size_t n = 0; n <= sizeof cont; n++) {   /* every byte has its continuation bit */
        mstr_rbuf r = reader(cont, n);
        assert_int_equal(mstr_get_varint(&r), 0);
        assert_true(r.error);
        assert_ptr_equal(r.p, r.end);
    }

    static const unsigned char three[] = { 0x01, 0x02, 0x03 };
    mstr_rbuf r = reader(three, sizeof three);
    assert_int_equal(mstr_get_le(&r, 4), 0);
    assert_true(r.error);
    assert_ptr_equal(r.p, r.end);

    r = reader(three, sizeof three);
    assert_int_equal(mstr_get_le(&r, 2), 0x0201);
    assert_false(r.error);
    assert_int_equal(mstr_get_le(&r, 2), 0);      /* one byte left, two wanted */
    assert_true(r.error);
    assert_int_equal(mstr_get_le(&r, 1), 0);      /* after an error every get returns zero */
    assert_true(r.error);

    r = reader(three, 0);
    assert_int_equal(mstr_get_le(&r, 1), 0);
    assert_true(r.error);

    static const unsigned char f64_short[] = { 0, 0, 0, 0, 0, 0, 0xF0 };  /* 1.0 minus a byte */
    r = reader(f64_short, sizeof f64_short);
    assert_true(mstr_get_f64(&r) == 0.0);
    assert_true(r.error);
}

static void test_overlong_varint(void **state)
{
    (void)state;
    /* Eleven bytes: ten with the continuation bit, then a terminator; then data that a reader
     * which carried on after the error would return. */
    static const unsigned char eleven[] = {
        0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x2A, 0x2A,
    };
    mstr_rbuf r = reader(eleven, sizeof eleven);
    assert_int_equal(mstr_get_varint(&r), 0);
    assert_true(r.error);
    assert_int_equal(mstr_get_le(&r, 1), 0);
    assert_true(r.error);

    /* Ten bytes whose last carries more than bit 63: the value does not fit in a u64. */
    static const unsigned char too_big[] = {
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02,
    };
    r = reader(too_big, sizeof too_big);
    assert_int_equal(mstr_get_varint(&r), 0);
    assert_true(r.error);
}

static void test_str_round_trip(void **state)
{
    (void)state;
    mstr_wbuf b = { 0 };
    mstr_put_str(&b, MSTR_STR("hello"));
    mstr_put_str(&b, MSTR_STR(""));
    mstr_put_str(&b, MSTR_STR("a\0b"));
    static const unsigned char want[] = {
        0x05, 'h', 'e', 'l', 'l', 'o',
        0x00,
        0x03, 'a', 0x00, 'b',
    };
    assert_bytes(&b, want, sizeof want);

    mstr_rbuf r = reader(b.data, b.len);
    mstr_str s = mstr_get_str(&r);
    assert_int_equal(s.len, 5);
    assert_memory_equal(s.ptr, "hello", 5);
    assert_ptr_equal(s.ptr, (const char *)b.data + 1);    /* a slice, not a copy */
    s = mstr_get_str(&r);
    assert_int_equal(s.len, 0);
    s = mstr_get_str(&r);
    assert_int_equal(s.len, 3);
    assert_memory_equal(s.ptr, "a\0b", 3);
    assert_false(r.error);
    assert_ptr_equal(r.p, r.end);
    mstr_wbuf_free(&b);
}

/* A string of 200 bytes has a two-byte length (c8 01) and survives buffer growth. */
static void test_long_str(void **state)
{
    (void)state;
    char text[200];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (char)('a' + i % 26);
    mstr_wbuf b = { 0 };
    mstr_put_str(&b, (mstr_str){ text, sizeof text });
    assert_int_equal(b.len, 2 + sizeof text);
    assert_int_equal(b.data[0], 0xC8);
    assert_int_equal(b.data[1], 0x01);
    assert_memory_equal(b.data + 2, text, sizeof text);

    mstr_rbuf r = reader(b.data, b.len);
    mstr_str s = mstr_get_str(&r);
    assert_int_equal(s.len, sizeof text);
    assert_memory_equal(s.ptr, text, sizeof text);
    assert_false(r.error);
    mstr_wbuf_free(&b);
}

static void test_truncated_str(void **state)
{
    (void)state;
    static const unsigned char short_body[] = { 0x05, 'a', 'b', 'c' };
    mstr_rbuf r = reader(short_body, sizeof short_body);
    mstr_str s = mstr_get_str(&r);
    assert_int_equal(s.len, 0);
    assert_true(r.error);
    assert_ptr_equal(r.p, r.end);

    static const unsigned char short_len[] = { 0x80 };
    r = reader(short_len, sizeof short_len);
    s = mstr_get_str(&r);
    assert_int_equal(s.len, 0);
    assert_true(r.error);
}

static uint64_t f64_bits(double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    return bits;
}

static double f64_from_bits(uint64_t bits)
{
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static uint32_t f32_bits(float v)
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    return bits;
}

static float f32_from_bits(uint32_t bits)
{
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static void test_f64(void **state)
{
    (void)state;
    mstr_wbuf b = { 0 };
    mstr_put_f64(&b, 1.0);
    mstr_put_f64(&b, -0.0);
    mstr_put_f64(&b, f64_from_bits(UINT64_C(0x7FF8000000000001)));  /* quiet NaN, payload 1 */
    mstr_put_f64(&b, f64_from_bits(UINT64_C(0xFFF0000000000002)));  /* negative signalling NaN */
    static const unsigned char want[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0x3F,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80,
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF8, 0x7F,
        0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0xFF,
    };
    assert_bytes(&b, want, sizeof want);

    mstr_rbuf r = reader(b.data, b.len);
    assert_true(mstr_get_f64(&r) == 1.0);
    double z = mstr_get_f64(&r);
    assert_true(z == 0.0 && signbit(z));
    assert_true(f64_bits(mstr_get_f64(&r)) == UINT64_C(0x7FF8000000000001));
    assert_true(f64_bits(mstr_get_f64(&r)) == UINT64_C(0xFFF0000000000002));
    assert_false(r.error);
    assert_ptr_equal(r.p, r.end);
    mstr_wbuf_free(&b);
}

static void test_f32(void **state)
{
    (void)state;
    mstr_wbuf b = { 0 };
    mstr_put_f32(&b, 1.0f);
    mstr_put_f32(&b, -0.0f);
    mstr_put_f32(&b, f32_from_bits(UINT32_C(0x7FC00001)));   /* quiet NaN, payload 1 */
    mstr_put_f32(&b, f32_from_bits(UINT32_C(0xFFC00000)));   /* negative quiet NaN */
    static const unsigned char want[] = {
        0x00, 0x00, 0x80, 0x3F,
        0x00, 0x00, 0x00, 0x80,
        0x01, 0x00, 0xC0, 0x7F,
        0x00, 0x00, 0xC0, 0xFF,
    };
    assert_bytes(&b, want, sizeof want);

    mstr_rbuf r = reader(b.data, b.len);
    assert_true(mstr_get_f32(&r) == 1.0f);
    float z = mstr_get_f32(&r);
    assert_true(z == 0.0f && signbit(z));
    assert_int_equal(f32_bits(mstr_get_f32(&r)), UINT32_C(0x7FC00001));
    assert_int_equal(f32_bits(mstr_get_f32(&r)), UINT32_C(0xFFC00000));
    assert_false(r.error);
    assert_ptr_equal(r.p, r.end);
    mstr_wbuf_free(&b);
}

/* Many small writes through several growths keep every byte in order; free empties the buffer. */
static void test_wbuf_growth(void **state)
{
    (void)state;
    mstr_wbuf b = { 0 };
    mstr_put_bytes(&b, "", 0);                  /* nothing to copy into a buffer with no memory */
    assert_int_equal(b.len, 0);
    const size_t n = 100000;
    for (size_t i = 0; i < n; i++)
        mstr_put_le(&b, i, 4);
    assert_int_equal(b.len, 4 * n);
    assert_true(b.cap >= b.len);
    mstr_rbuf r = reader(b.data, b.len);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(mstr_get_le(&r, 4), i);
    assert_false(r.error);
    assert_ptr_equal(r.p, r.end);
    mstr_wbuf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_le_widths),
        cmocka_unit_test(test_le_signed_round_trip),
        cmocka_unit_test(test_varint_encoding),
        cmocka_unit_test(test_varint_decoding),
        cmocka_unit_test(test_truncated_input),
        cmocka_unit_test(test_overlong_varint),
        cmocka_unit_test(test_str_round_trip),
        cmocka_unit_test(test_long_str),
        cmocka_unit_test(test_truncated_str),
        cmocka_unit_test(test_f64),
        cmocka_unit_test(test_f32),
        cmocka_unit_test(test_wbuf_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
