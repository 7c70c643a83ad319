/*
 * test_str.c - string slices and the helpers operator bodies call: comparison, copies,
 * printf, case mapping, concatenation, split and trim.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mstr_str.h"

typedef struct fixture {
    mstr_arena arena;
    mstr_ctx ctx;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    mstr_arena_init(&f->arena);
    f->ctx = (mstr_ctx){ .worker = 0, .workers = 1, .arena = &f->arena };
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mstr_arena_free(&f->arena);
    free(f);
    return 0;
}

/* Asserts that s holds exactly the bytes of the literal want (and is NUL-terminated). */
#define assert_str_is(s, want)                                                   \
    do {                                                                         \
        mstr_str s_ = (s);                                                       \
        assert_int_equal(s_.len, sizeof(want) - 1);                              \
        assert_memory_equal(s_.ptr, (want), sizeof(want) - 1);                   \
    } while (0)

static void test_eq(void **state)
{
    (void)state;
    assert_true(mstr_str_eq(MSTR_STR("abc"), MSTR_STR("abc")));
    assert_false(mstr_str_eq(MSTR_STR("abc"), MSTR_STR("abd")));
    assert_false(mstr_str_eq(MSTR_STR("abc"), MSTR_STR("ab")));
    assert_true(mstr_str_eq(MSTR_STR(""), (mstr_str){ NULL, 0 }));
    assert_false(mstr_str_eq(MSTR_STR("a\0b"), MSTR_STR("a\0c")));
    assert_true(mstr_str_eq_cstr(MSTR_STR("hello"), "hello"));
    assert_false(mstr_str_eq_cstr(MSTR_STR("hello"), "hell"));
    assert_false(mstr_str_eq_cstr(MSTR_STR("hell"), "hello"));
    assert_true(mstr_str_eq_cstr(MSTR_STR(""), ""));
}

static void test_cmp(void **state)
{
    (void)state;
    assert_int_equal(mstr_str_cmp(MSTR_STR("abc"), MSTR_STR("abc")), 0);
    assert_true(mstr_str_cmp(MSTR_STR("abc"), MSTR_STR("abd")) < 0);
    assert_true(mstr_str_cmp(MSTR_STR("abd"), MSTR_STR("abc")) > 0);
    assert_true(mstr_str_cmp(MSTR_STR("ab"), MSTR_STR("abc")) < 0);   /* prefix sorts first */
    assert_true(mstr_str_cmp(MSTR_STR("abc"), MSTR_STR("ab")) > 0);
    assert_true(mstr_str_cmp(MSTR_STR(""), MSTR_STR("a")) < 0);
    assert_int_equal(mstr_str_cmp(MSTR_STR(""), (mstr_str){ NULL, 0 }), 0);
    /* Bytes compare unsigned: 0xFF after 'z'. */
    assert_true(mstr_str_cmp(MSTR_STR("\xff"), MSTR_STR("z")) > 0);
    assert_true(mstr_str_cmp(MSTR_STR("B"), MSTR_STR("a")) < 0);
}

static void test_alloc_copy_cstr(void **state)
{
    fixture *f = *state;
    char *p = mstr_str_alloc(&f->ctx, 4);
    assert_int_equal(p[4], '\0');
    memcpy(p, "wxyz", 4);
    assert_string_equal(p, "wxyz");

    char src[] = "copy me";
    mstr_str c = mstr_str_copy(&f->ctx, src, 4);
    src[0] = 'X';
    assert_str_is(c, "copy");
    assert_int_equal(c.ptr[4], '\0');

    mstr_str z = mstr_str_cstr(&f->ctx, "zeta");
    assert_str_is(z, "zeta");
    assert_int_equal(z.ptr[4], '\0');
    assert_int_equal(f->arena.bytes, 5 + 5 + 5);
}

static void test_printf(void **state)
{
    fixture *f = *state;
    mstr_str s = mstr_str_printf(&f->ctx, "%d-%s-%.2f", 42, "x", 1.5);
    assert_str_is(s, "42-x-1.50");
    assert_int_equal(s.ptr[s.len], '\0');
    mstr_str e = mstr_str_printf(&f->ctx, "%s", "");
    assert_int_equal(e.len, 0);

    /* Longer than an arena chunk. */
    enum { BIG = 200000 };
    char *big = malloc(BIG + 1);
    assert_non_null(big);
    memset(big, 'q', BIG);
    big[BIG] = '\0';
    mstr_str l = mstr_str_printf(&f->ctx, "<%s>", big);
    assert_int_equal(l.len, BIG + 2);
    assert_int_equal(l.ptr[0], '<');
    assert_int_equal(l.ptr[1], 'q');
    assert_int_equal(l.ptr[BIG], 'q');
    assert_int_equal(l.ptr[BIG + 1], '>');
    assert_int_equal(l.ptr[BIG + 2], '\0');
    free(big);
}

static void test_upper_lower(void **state)
{
    fixture *f = *state;
    mstr_str src = MSTR_STR("Hello, W\xc3\xa9rld 42_z");
    assert_str_is(mstr_str_upper(&f->ctx, src), "HELLO, W\xc3\xa9RLD 42_Z");
    assert_str_is(mstr_str_lower(&f->ctx, src), "hello, w\xc3\xa9rld 42_z");
    assert_str_is(mstr_str_upper(&f->ctx, MSTR_STR("@[`{")), "@[`{");   /* neighbours of A-Z, a-z */
    assert_int_equal(mstr_str_upper(&f->ctx, MSTR_STR("")).len, 0);
    /* The input is not modified. */
    char buf[] = "abc";
    mstr_str_upper(&f->ctx, (mstr_str){ buf, 3 });
    assert_string_equal(buf, "abc");
}

static void test_concat(void **state)
{
    fixture *f = *state;
    mstr_str c = mstr_str_concat(&f->ctx, MSTR_STR("foo"), MSTR_STR("bar"));
    assert_str_is(c, "foobar");
    assert_int_equal(c.ptr[6], '\0');
    assert_str_is(mstr_str_concat(&f->ctx, MSTR_STR(""), MSTR_STR("bar")), "bar");
    assert_str_is(mstr_str_concat(&f->ctx, MSTR_STR("foo"), (mstr_str){ NULL, 0 }), "foo");
}

static void test_split(void **state)
{
    (void)state;
    mstr_str s = MSTR_STR("key=value=more");
    mstr_str head, rest;
    assert_true(mstr_str_split(s, '=', &head, &rest));
    assert_str_is(head, "key");
    assert_str_is(rest, "value=more");
    assert_ptr_equal(head.ptr, s.ptr);        /* slices, not copies */
    assert_ptr_equal(rest.ptr, s.ptr + 4);

    assert_false(mstr_str_split(MSTR_STR("novalue"), '=', &head, &rest));
    assert_str_is(head, "novalue");
    assert_int_equal(rest.len, 0);

    assert_true(mstr_str_split(MSTR_STR("=x"), '=', &head, &rest));
    assert_int_equal(head.len, 0);
    assert_str_is(rest, "x");

    assert_true(mstr_str_split(MSTR_STR("x="), '=', &head, &rest));
    assert_str_is(head, "x");
    assert_int_equal(rest.len, 0);

    assert_false(mstr_str_split(MSTR_STR(""), '=', &head, &rest));
    assert_int_equal(head.len, 0);
    assert_int_equal(rest.len, 0);
}

static void test_trim(void **state)
{
    (void)state;
    mstr_str s = MSTR_STR(" \t\r\n a b \n\t ");
    mstr_str t = mstr_str_trim(s);
    assert_str_is(t, "a b");
    assert_ptr_equal(t.ptr, s.ptr + 5);
    assert_str_is(mstr_str_trim(MSTR_STR("ab")), "ab");
    assert_int_equal(mstr_str_trim(MSTR_STR(" \t\n ")).len, 0);
    assert_int_equal(mstr_str_trim(MSTR_STR("")).len, 0);
    assert_str_is(mstr_str_trim(MSTR_STR("\xc2\xa0x")), "\xc2\xa0x");   /* only ASCII spaces */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eq),
        cmocka_unit_test(test_cmp),
        cmocka_unit_test_setup_teardown(test_alloc_copy_cstr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_printf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upper_lower, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concat, setup, teardown),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_trim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
