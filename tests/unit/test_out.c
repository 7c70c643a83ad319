/*
 * test_out.c - the buffered writer and the Debug, CSV and JSON shapes of values.
 *
 * Each value is written through a real mstr_out into a temporary file, which is read back and
 * compared with the text expected from the specification (Rust's {:?} for Debug, RFC 4180 for
 * CSV, RFC 8259 for JSON). The writer itself is also checked on a pipe: data appears after a
 * flush, a closed reader is reported as EPIPE, and large writes arrive intact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <signal.h>

#include "mstr_out.h"
#include "unit_tmp.h"

typedef struct fixture {
    unit_tmp tmp;
    mstr_out o;
    char *text;   /* the last rendering, malloc'd */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    unit_tmp_dir(&f->tmp);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    free(f->text);
    unit_tmp_cleanup(&f->tmp);
    free(f);
    return 0;
}

static mstr_out *begin(fixture *f)
{
    assert_true(mstr_out_open(&f->o, unit_tmp_path(&f->tmp, "out")));
    return &f->o;
}

/* Closes the writer and returns what reached the file. */
static const char *end(fixture *f)
{
    assert_true(mstr_out_close(&f->o));
    free(f->text);
    size_t n;
    f->text = unit_tmp_read(unit_tmp_path(&f->tmp, "out"), &n);
    assert_non_null(f->text);
    return f->text;
}

typedef void (*f64_fn)(mstr_out *, double);
typedef void (*f32_fn)(mstr_out *, float);
typedef void (*str_fn)(mstr_out *, mstr_str);

static const char *f64_text(fixture *f, f64_fn fn, double v)
{
    fn(begin(f), v);
    return end(f);
}

static const char *f32_text(fixture *f, f32_fn fn, float v)
{
    fn(begin(f), v);
    return end(f);
}

static const char *str_text(fixture *f, str_fn fn, mstr_str s)
{
    fn(begin(f), s);
    return end(f);
}

static void test_integers(void **state)
{
    fixture *f = *state;
    mstr_out *o = begin(f);
    mstr_out_i64(o, 0);
    mstr_out_char(o, ' ');
    mstr_out_i64(o, -1);
    mstr_out_char(o, ' ');
    mstr_out_i64(o, 10);
    mstr_out_char(o, ' ');
    mstr_out_i64(o, INT64_MIN);
    mstr_out_char(o, ' ');
    mstr_out_i64(o, INT64_MAX);
    mstr_out_char(o, ' ');
    mstr_out_u64(o, 0);
    mstr_out_char(o, ' ');
    mstr_out_u64(o, 1000000);
    mstr_out_char(o, ' ');
    mstr_out_u64(o, UINT64_MAX);
    assert_string_equal(end(f), "0 -1 10 -9223372036854775808 9223372036854775807 "
                                "0 1000000 18446744073709551615");
}

static void test_raw_and_bool(void **state)
{
    fixture *f = *state;
    mstr_out *o = begin(f);
    mstr_out_cstr(o, "ab");
    mstr_out_bytes(o, "c\0d", 3);
    mstr_out_char(o, '|');
    mstr_out_debug_bool(o, true);
    mstr_out_char(o, ',');
    mstr_out_debug_bool(o, false);
    end(f);
    assert_memory_equal(f->text, "abc\0d|true,false", 16);
}

static void test_debug_f64(void **state)
{
    fixture *f = *state;
    f64_fn d = mstr_out_debug_f64;
    assert_string_equal(f64_text(f, d, 1.0), "1.0");
    assert_string_equal(f64_text(f, d, 0.1), "0.1");
    assert_string_equal(f64_text(f, d, -0.5), "-0.5");
    assert_string_equal(f64_text(f, d, 100.0), "100.0");
    assert_string_equal(f64_text(f, d, 1234567.0), "1234567.0");
    assert_string_equal(f64_text(f, d, 0.001), "0.001");
    assert_string_equal(f64_text(f, d, 0.1 + 0.2), "0.30000000000000004");
    assert_string_equal(f64_text(f, d, 0.0), "0.0");
    assert_string_equal(f64_text(f, d, -0.0), "-0.0");
    assert_string_equal(f64_text(f, d, NAN), "NaN");
    assert_string_equal(f64_text(f, d, INFINITY), "inf");
    assert_string_equal(f64_text(f, d, -INFINITY), "-inf");
    /* Rust switches to exponent form at |v| >= 1e16 and below 1e-4. */
    assert_string_equal(f64_text(f, d, 1e15), "1000000000000000.0");
    assert_string_equal(f64_text(f, d, 1e16), "1e16");
    assert_string_equal(f64_text(f, d, 1e20), "1e20");
    assert_string_equal(f64_text(f, d, -1e20), "-1e20");
    assert_string_equal(f64_text(f, d, 1.2345678901234568e17), "1.2345678901234568e17");
    assert_string_equal(f64_text(f, d, 0.0001), "0.0001");
    assert_string_equal(f64_text(f, d, 0.00001), "1e-5");
    assert_string_equal(f64_text(f, d, 1.5e-7), "1.5e-7");
    assert_string_equal(f64_text(f, d, 1.7976931348623157e308), "1.7976931348623157e308");
    assert_string_equal(f64_text(f, d, 5e-324), "5e-324");
}

static void test_debug_f32(void **state)
{
    fixture *f = *state;
    f32_fn d = mstr_out_debug_f32;
    assert_string_equal(f32_text(f, d, 0.1f), "0.1");     /* not 0.10000000149011612 */
    assert_string_equal(f32_text(f, d, 1.0f), "1.0");
    assert_string_equal(f32_text(f, d, 1.0f / 3.0f), "0.33333334");
    assert_string_equal(f32_text(f, d, 16777216.0f), "16777216.0");
    assert_string_equal(f32_text(f, d, 3.4028235e38f), "3.4028235e38");
    assert_string_equal(f32_text(f, d, 1e-7f), "1e-7");
    assert_string_equal(f32_text(f, d, -0.0f), "-0.0");
    assert_string_equal(f32_text(f, d, NAN), "NaN");
    assert_string_equal(f32_text(f, d, -INFINITY), "-inf");
}

static void test_csv_f64(void **state)
{
    fixture *f = *state;
    f64_fn c = mstr_out_csv_f64;
    assert_string_equal(f64_text(f, c, 1.0), "1");
    assert_string_equal(f64_text(f, c, 100.0), "100");
    assert_string_equal(f64_text(f, c, 0.1), "0.1");
    assert_string_equal(f64_text(f, c, -2.5), "-2.5");
    assert_string_equal(f64_text(f, c, 0.1 + 0.2), "0.30000000000000004");
    assert_string_equal(f64_text(f, c, 1e16), "10000000000000000");
    assert_string_equal(f64_text(f, c, 1e17), "1e+17");
    assert_string_equal(f64_text(f, c, 1e20), "1e+20");
    assert_string_equal(f64_text(f, c, 1e100), "1e+100");
    assert_string_equal(f64_text(f, c, 0.0001), "0.0001");
    assert_string_equal(f64_text(f, c, 0.00001), "1e-05");
    assert_string_equal(f64_text(f, c, 1.5e-7), "1.5e-07");
    assert_string_equal(f64_text(f, c, 0.0), "0");
    assert_string_equal(f64_text(f, c, -0.0), "-0");
    assert_string_equal(f64_text(f, c, NAN), "NaN");
    assert_string_equal(f64_text(f, c, INFINITY), "inf");
    assert_string_equal(f64_text(f, c, -INFINITY), "-inf");
    assert_string_equal(f32_text(f, mstr_out_csv_f32, 0.1f), "0.1");
    assert_string_equal(f32_text(f, mstr_out_csv_f32, 2.0f), "2");
}

static void test_json_floats(void **state)
{
    fixture *f = *state;
    f64_fn j = mstr_out_json_f64;
    assert_string_equal(f64_text(f, j, 1.0), "1");
    assert_string_equal(f64_text(f, j, 0.1), "0.1");
    assert_string_equal(f64_text(f, j, 1e20), "1e+20");
    assert_string_equal(f64_text(f, j, -1.5e-7), "-1.5e-07");
    assert_string_equal(f64_text(f, j, NAN), "null");
    assert_string_equal(f64_text(f, j, INFINITY), "null");
    assert_string_equal(f64_text(f, j, -INFINITY), "null");
    assert_string_equal(f32_text(f, mstr_out_json_f32, 0.1f), "0.1");
    assert_string_equal(f32_text(f, mstr_out_json_f32, NAN), "null");
}

static void test_debug_str(void **state)
{
    fixture *f = *state;
    str_fn d = mstr_out_debug_str;
    assert_string_equal(str_text(f, d, MSTR_STR("plain")), "\"plain\"");
    assert_string_equal(str_text(f, d, MSTR_STR("")), "\"\"");
    assert_string_equal(str_text(f, d, MSTR_STR("MA'")), "\"MA'\"");
    assert_string_equal(str_text(f, d, MSTR_STR("a\"b\\c")), "\"a\\\"b\\\\c\"");
    assert_string_equal(str_text(f, d, MSTR_STR("l1\nl2\r\t.")), "\"l1\\nl2\\r\\t.\"");
    assert_string_equal(str_text(f, d, MSTR_STR("x\0y")), "\"x\\0y\"");
    assert_string_equal(str_text(f, d, MSTR_STR("\x1b[0m")), "\"\\u{1b}[0m\"");
    assert_string_equal(str_text(f, d, MSTR_STR("\x01\x7f")), "\"\\u{1}\\u{7f}\"");
    /* Valid UTF-8 passes through: é, €, an emoji. */
    assert_string_equal(str_text(f, d, MSTR_STR("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80")),
                        "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
    /* U+0085 (NEL) is a control character: escaped, as Rust does. */
    assert_string_equal(str_text(f, d, MSTR_STR("\xc2\x85")), "\"\\u{85}\"");
    /* A combining mark (U+0301) and a zero-width joiner (U+200D) are escaped too. */
    assert_string_equal(str_text(f, d, MSTR_STR("e\xcc\x81")), "\"e\\u{301}\"");
    assert_string_equal(str_text(f, d, MSTR_STR("a\xe2\x80\x8d")), "\"a\\u{200d}\"");
    /* Bytes that are not UTF-8 (a stray byte, a cut sequence, an overlong form). */
    assert_string_equal(str_text(f, d, MSTR_STR("a\xff")), "\"a\\xff\"");
    assert_string_equal(str_text(f, d, MSTR_STR("\xe2\x82")), "\"\\xe2\\x82\"");
    assert_string_equal(str_text(f, d, MSTR_STR("\xc0\xaf")), "\"\\xc0\\xaf\"");
}

static void test_json_str(void **state)
{
    fixture *f = *state;
    str_fn j = mstr_out_json_str;
    assert_string_equal(str_text(f, j, MSTR_STR("plain")), "\"plain\"");
    assert_string_equal(str_text(f, j, MSTR_STR("MA'")), "\"MA'\"");
    assert_string_equal(str_text(f, j, MSTR_STR("a\"b\\c")), "\"a\\\"b\\\\c\"");
    assert_string_equal(str_text(f, j, MSTR_STR("\n\r\t\b\f")), "\"\\n\\r\\t\\b\\f\"");
    assert_string_equal(str_text(f, j, MSTR_STR("\x01\x1f")), "\"\\u0001\\u001f\"");
    assert_string_equal(str_text(f, j, MSTR_STR("\x1b")), "\"\\u001b\"");
    assert_string_equal(str_text(f, j, MSTR_STR("\xc3\xa9/\x7f")), "\"\xc3\xa9/\x7f\"");
    /* bytes outside a valid UTF-8 sequence: a stray byte, a cut sequence, a surrogate, an
     * overlong form; each byte becomes U+FFFD, the valid ones around stay */
    assert_string_equal(str_text(f, j, MSTR_STR("a\xff" "b")), "\"a\\ufffd" "b\"");
    assert_string_equal(str_text(f, j, MSTR_STR("\xe2\x82\xac\xc3")), "\"\xe2\x82\xac\\ufffd\"");
    assert_string_equal(str_text(f, j, MSTR_STR("\xed\xa0\x80")), "\"\\ufffd\\ufffd\\ufffd\"");
    assert_string_equal(str_text(f, j, MSTR_STR("\xc0\xaf")), "\"\\ufffd\\ufffd\"");
    str_text(f, j, MSTR_STR("a\0b"));
    assert_memory_equal(f->text, "\"a\\u0000b\"", 10);
}

static void test_csv_str(void **state)
{
    fixture *f = *state;
    str_fn c = mstr_out_csv_str;
    assert_string_equal(str_text(f, c, MSTR_STR("plain text")), "plain text");
    assert_string_equal(str_text(f, c, MSTR_STR("")), "");
    assert_string_equal(str_text(f, c, MSTR_STR("it's")), "it's");
    assert_string_equal(str_text(f, c, MSTR_STR("a,b")), "\"a,b\"");
    assert_string_equal(str_text(f, c, MSTR_STR("say \"hi\"")), "\"say \"\"hi\"\"\"");
    assert_string_equal(str_text(f, c, MSTR_STR("\"")), "\"\"\"\"");
    assert_string_equal(str_text(f, c, MSTR_STR("l1\nl2")), "\"l1\nl2\"");
    assert_string_equal(str_text(f, c, MSTR_STR("cr\r")), "\"cr\r\"");
    assert_string_equal(str_text(f, c, MSTR_STR("tab\there")), "tab\there");
}

/* More than the 64 KiB buffer, in pieces of awkward sizes and one piece larger than the
 * buffer, arrives whole and in order. */
static void test_large_output(void **state)
{
    fixture *f = *state;
    enum { TOTAL = 300000 };
    char *want = malloc(TOTAL);
    assert_non_null(want);
    for (size_t i = 0; i < TOTAL; i++)
        want[i] = (char)('a' + (i * 7) % 26);
    mstr_out *o = begin(f);
    size_t at = 0, piece = 1;
    while (at < 100000) {
        mstr_out_bytes(o, want + at, piece);
        at += piece;
        piece = piece % 997 + 13;
    }
    mstr_out_bytes(o, want + at, 150000);   /* bigger than the buffer */
    at += 150000;
    while (at < TOTAL)
        mstr_out_char(o, want[at++]);
    end(f);
    size_t n;
    char *got = unit_tmp_read(unit_tmp_path(&f->tmp, "out"), &n);
    assert_int_equal(n, TOTAL);
    assert_memory_equal(got, want, TOTAL);
    free(got);
    free(want);
}

/* On a pipe: nothing is written until a flush, then exactly what was buffered. */
static void test_pipe_flush(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    mstr_out o;
    mstr_out_init_fd(&o, fds[1], "<pipe>");
    mstr_out_cstr(&o, "hello ");
    mstr_out_i64(&o, -42);
    int flags = fcntl(fds[0], F_GETFL);
    fcntl(fds[0], F_SETFL, flags | O_NONBLOCK);
    char buf[64];
    assert_int_equal(read(fds[0], buf, sizeof buf), -1);   /* still buffered */
    assert_int_equal(errno, EAGAIN);
    assert_true(mstr_out_flush(&o));
    ssize_t n = read(fds[0], buf, sizeof buf);
    assert_int_equal(n, 9);
    assert_memory_equal(buf, "hello -42", 9);
    assert_true(mstr_out_close(&o));
    /* The descriptor was not ours: still open. */
    assert_int_equal(write(fds[1], "x", 1), 1);
    close(fds[0]);
    close(fds[1]);
}

/* A write to a pipe nobody reads fails with EPIPE; the failure sticks and close reports it. */
static void test_write_failure_is_recorded(void **state)
{
    (void)state;
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    close(fds[0]);
    mstr_out o;
    mstr_out_init_fd(&o, fds[1], "<pipe>");
    mstr_out_cstr(&o, "lost");
    assert_false(o.failed);
    assert_false(mstr_out_flush(&o));
    assert_true(o.failed);
    assert_int_equal(o.errno_saved, EPIPE);
    mstr_out_cstr(&o, "more");
    assert_false(mstr_out_flush(&o));
    assert_false(mstr_out_close(&o));
    close(fds[1]);
    signal(SIGPIPE, old);
}

static void test_discarding_writer(void **state)
{
    (void)state;
    mstr_out o;
    mstr_out_init_fd(&o, -1, "<null>");
    for (int i = 0; i < 100000; i++)
        mstr_out_cstr(&o, "discarded ");
    assert_true(mstr_out_flush(&o));
    assert_true(mstr_out_close(&o));
}

static void test_open_failure(void **state)
{
    fixture *f = *state;
    mstr_out o;
    assert_false(mstr_out_open(&o, unit_tmp_path(&f->tmp, "no/such/dir/file")));
    assert_int_equal(errno, ENOENT);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_integers),
        T(test_raw_and_bool),
        T(test_debug_f64),
        T(test_debug_f32),
        T(test_csv_f64),
        T(test_json_floats),
        T(test_debug_str),
        T(test_json_str),
        T(test_csv_str),
        T(test_large_output),
        cmocka_unit_test(test_pipe_flush),
        cmocka_unit_test(test_write_failure_is_recorded),
        cmocka_unit_test(test_discarding_writer),
        T(test_open_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
