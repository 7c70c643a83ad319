/*
 * test_parse.c - the strict scalar parsers: the bounds of every integer type, junk, empty
 * input, surrounding spaces, floats and bools, and the exact error messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "mstr_parse.h"

static mstr_str S(const char *s)
{
    return (mstr_str){ s, strlen(s) };
}

typedef struct int_type {
    const char *name;
    int64_t min, max;
    const char *min_text, *max_text, *below_text, *above_text;
} int_type;

static const int_type SIGNED[] = {
    { "i8", INT8_MIN, INT8_MAX, "-128", "127", "-129", "128" },
    { "i16", INT16_MIN, INT16_MAX, "-32768", "32767", "-32769", "32768" },
    { "i32", INT32_MIN, INT32_MAX, "-2147483648", "2147483647", "-2147483649", "2147483648" },
    { "i64", INT64_MIN, INT64_MAX, "-9223372036854775808", "9223372036854775807",
      "-9223372036854775809", "9223372036854775808" },
};

/* Parses text as the signed type t, expecting success with want. */
static void assert_int_ok(const int_type *t, const char *text, int64_t want)
{
    int64_t v = 12345;
    const char *err = mstr_parse_int(S(text), t->min, t->max, t->name, &v);
    if (err)
        fail_msg("%s as %s: unexpected error \"%s\"", text, t->name, err);
    assert_int_equal(v, want);
}

static void assert_int_err(const int_type *t, const char *text, const char *want)
{
    int64_t v;
    const char *err = mstr_parse_int(S(text), t->min, t->max, t->name, &v);
    if (!err)
        fail_msg("%s as %s: expected \"%s\", got a value", text, t->name, want);
    assert_string_equal(err, want);
}

static void test_signed_bounds(void **state)
{
    (void)state;
    const char *range_msgs[] = { "out of range for i8", "out of range for i16",
                                 "out of range for i32", "out of range for i64" };
    for (size_t i = 0; i < 4; i++) {
        const int_type *t = &SIGNED[i];
        assert_int_ok(t, t->min_text, t->min);
        assert_int_ok(t, t->max_text, t->max);
        assert_int_err(t, t->below_text, range_msgs[i]);
        assert_int_err(t, t->above_text, range_msgs[i]);
        assert_int_ok(t, "0", 0);
        assert_int_ok(t, "-0", 0);
        assert_int_ok(t, "+7", 7);
        assert_int_ok(t, "-1", -1);
        assert_int_ok(t, "007", 7);
        assert_int_err(t, "99999999999999999999999", range_msgs[i]);   /* beyond u64 too */
        assert_int_err(t, "-99999999999999999999999", range_msgs[i]);
    }
}

static void test_signed_junk(void **state)
{
    (void)state;
    const int_type *t = &SIGNED[3];
    assert_int_err(t, "", "empty value");
    const char *junk[] = { "12a", "a12", "1.5", "0x10", "+", "-", "--1", "+-1", "1_000",
                           " 1", "1 ", "\t1", "1\n", "1e3", "١" /* Arabic-Indic one */ };
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
        assert_int_err(t, junk[i], "not an integer");
    /* Junk wins over overflow: the value is not a number at all. */
    assert_int_err(t, "99999999999999999999999x", "not an integer");
    /* The slice's length is respected: bytes after it are not read. */
    int64_t v;
    assert_null(mstr_parse_int((mstr_str){ "123456", 3 }, INT64_MIN, INT64_MAX, "i64", &v));
    assert_int_equal(v, 123);
}

typedef struct uint_type {
    const char *name;
    uint64_t max;
    const char *max_text, *above_text;
} uint_type;

static const uint_type UNSIGNED[] = {
    { "u8", UINT8_MAX, "255", "256" },
    { "u16", UINT16_MAX, "65535", "65536" },
    { "u32", UINT32_MAX, "4294967295", "4294967296" },
    { "u64", UINT64_MAX, "18446744073709551615", "18446744073709551616" },
};

static void assert_uint_ok(const uint_type *t, const char *text, uint64_t want)
{
    uint64_t v = 12345;
    const char *err = mstr_parse_uint(S(text), t->max, t->name, &v);
    if (err)
        fail_msg("%s as %s: unexpected error \"%s\"", text, t->name, err);
    assert_int_equal(v, want);
}

static void assert_uint_err(const uint_type *t, const char *text, const char *want)
{
    uint64_t v;
    const char *err = mstr_parse_uint(S(text), t->max, t->name, &v);
    if (!err)
        fail_msg("%s as %s: expected \"%s\", got a value", text, t->name, want);
    assert_string_equal(err, want);
}

static void test_unsigned_bounds(void **state)
{
    (void)state;
    const char *range_msgs[] = { "out of range for u8", "out of range for u16",
                                 "out of range for u32", "out of range for u64" };
    for (size_t i = 0; i < 4; i++) {
        const uint_type *t = &UNSIGNED[i];
        assert_uint_ok(t, "0", 0);
        assert_uint_ok(t, t->max_text, t->max);
        assert_uint_err(t, t->above_text, range_msgs[i]);
        assert_uint_ok(t, "+5", 5);
        assert_uint_err(t, "-1", range_msgs[i]);
        assert_uint_err(t, "-0", range_msgs[i]);
        assert_uint_err(t, "", "empty value");
        assert_uint_err(t, " 1", "not an integer");
        assert_uint_err(t, "1 ", "not an integer");
        assert_uint_err(t, "12a", "not an integer");
        assert_uint_err(t, "+", "not an integer");
        assert_uint_err(t, "-x", "not an integer");
        assert_uint_err(t, "1.0", "not an integer");
    }
    assert_uint_err(&UNSIGNED[3], "184467440737095516150", "out of range for u64");
}

static void assert_f64_ok(const char *text, double want)
{
    double v = 12345;
    const char *err = mstr_parse_f64(S(text), &v);
    if (err)
        fail_msg("%s: unexpected error \"%s\"", text, err);
    if (!(v == want && signbit(v) == signbit(want)))
        fail_msg("%s: got %.17g, want %.17g", text, v, want);
}

static void assert_f64_err(const char *text, const char *want)
{
    double v;
    const char *err = mstr_parse_f64(S(text), &v);
    if (!err)
        fail_msg("%s: expected \"%s\", got %.17g", text, want, v);
    assert_string_equal(err, want);
}

static void test_f64(void **state)
{
    (void)state;
    assert_f64_ok("1.5", 1.5);
    assert_f64_ok("-0.25", -0.25);
    assert_f64_ok("+2", 2.0);
    assert_f64_ok("0.1", 0.1);
    assert_f64_ok("1e3", 1000.0);
    assert_f64_ok("1E-2", 0.01);
    assert_f64_ok(".5", 0.5);
    assert_f64_ok("5.", 5.0);
    assert_f64_ok("-0", -0.0);
    assert_f64_ok("1.7976931348623157e308", 1.7976931348623157e308);
    assert_f64_ok("1e-400", 0.0);   /* underflow to zero is a value, not an error */
    assert_f64_ok("inf", INFINITY);
    assert_f64_ok("-inf", -INFINITY);
    assert_f64_ok("+Infinity", INFINITY);
    double v;
    assert_null(mstr_parse_f64(S("nan"), &v));
    assert_true(isnan(v));
    assert_null(mstr_parse_f64(S("NaN"), &v));
    assert_true(isnan(v));

    assert_f64_err("", "empty value");
    assert_f64_err("1e999", "out of range for f64");
    assert_f64_err("-1e999", "out of range for f64");
    const char *junk[] = { " 1.0", "1.0 ", "\t1", "1.0x", "abc", ".", "1e", "e5", "--1",
                           "0x1p3", "0x10", "1,5", "infinit", "nan(1)", "1..2", "+" };
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
        assert_f64_err(junk[i], "not a number");
    /* The slice's length is respected. */
    assert_null(mstr_parse_f64((mstr_str){ "2.5e10", 3 }, &v));
    assert_true(v == 2.5);
}

static void test_f32(void **state)
{
    (void)state;
    float v = 0;
    assert_null(mstr_parse_f32(S("0.1"), &v));
    assert_true(v == 0.1f);
    assert_null(mstr_parse_f32(S("3.4028235e38"), &v));
    assert_true(v == 3.4028235e38f);
    assert_null(mstr_parse_f32(S("-inf"), &v));
    assert_true(isinf(v) && v < 0);
    assert_string_equal(mstr_parse_f32(S("1e39"), &v), "out of range for f32");
    assert_string_equal(mstr_parse_f32(S(""), &v), "empty value");
    assert_string_equal(mstr_parse_f32(S("1 "), &v), "not a number");
    /* A value that fits a double but not a float is out of range for f32. */
    assert_string_equal(mstr_parse_f32(S("1e300"), &v), "out of range for f32");
}

static void test_bool(void **state)
{
    (void)state;
    bool v = false;
    assert_null(mstr_parse_bool(S("true"), &v));
    assert_true(v);
    assert_null(mstr_parse_bool(S("false"), &v));
    assert_false(v);
    assert_null(mstr_parse_bool(S("1"), &v));
    assert_true(v);
    assert_null(mstr_parse_bool(S("0"), &v));
    assert_false(v);
    assert_string_equal(mstr_parse_bool(S(""), &v), "empty value");
    const char *bad[] = { "True", "TRUE", "yes", "t", "2", " true", "true ", "falsey", "01" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *err = mstr_parse_bool(S(bad[i]), &v);
        if (!err)
            fail_msg("\"%s\" parsed as a bool", bad[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signed_bounds),
        cmocka_unit_test(test_signed_junk),
        cmocka_unit_test(test_unsigned_bounds),
        cmocka_unit_test(test_f64),
        cmocka_unit_test(test_f32),
        cmocka_unit_test(test_bool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
