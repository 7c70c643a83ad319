/*
 * test_arena.c - the batch arena: alignment, separation of allocations, reuse after reset,
 * huge requests, copies, and the abort on an impossible request.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mstr_str.h"

static void test_zero_initialised_arena_works(void **state)
{
    (void)state;
    mstr_arena a = { 0 };
    char *p = mstr_arena_alloc(&a, 5, 1);
    assert_non_null(p);
    memcpy(p, "hello", 5);
    assert_memory_equal(p, "hello", 5);
    mstr_arena_free(&a);
    assert_null(a.head);
    assert_null(a.spare);
}

static void test_alignment(void **state)
{
    (void)state;
    mstr_arena a;
    mstr_arena_init(&a);
    const size_t aligns[] = { 1, 2, 4, 8, 16 };
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < 5; i++) {
            mstr_arena_alloc(&a, 1 + (size_t)round % 7, 1);   /* knock the offset off */
            void *p = mstr_arena_alloc(&a, 24, aligns[i]);
            assert_int_equal((uintptr_t)p % aligns[i], 0);
        }
    }
    mstr_arena_free(&a);
}

/* Many allocations across several chunks, each filled with its own byte; none may overlap. */
static void test_allocations_do_not_overlap(void **state)
{
    (void)state;
    enum { N = 3000 };
    mstr_arena a;
    mstr_arena_init(&a);
    unsigned char *ptrs[N];
    size_t sizes[N];
    for (size_t i = 0; i < N; i++) {
        sizes[i] = 1 + (i * 37) % 300;   /* about 450 KB in all: several chunks */
        ptrs[i] = mstr_arena_alloc(&a, sizes[i], 8);
        memset(ptrs[i], (int)(i & 0xFF), sizes[i]);
    }
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < sizes[i]; k++)
            assert_int_equal(ptrs[i][k], i & 0xFF);
    mstr_arena_free(&a);
}

static void test_bytes_counts_since_reset(void **state)
{
    (void)state;
    mstr_arena a;
    mstr_arena_init(&a);
    assert_int_equal(a.bytes, 0);
    mstr_arena_alloc(&a, 10, 1);
    mstr_arena_alloc(&a, 20, 8);
    assert_int_equal(a.bytes, 30);
    mstr_arena_reset(&a);
    assert_int_equal(a.bytes, 0);
    mstr_arena_alloc(&a, 7, 1);
    assert_int_equal(a.bytes, 7);
    mstr_arena_free(&a);
}

/* After a reset the same sequence of requests is served from the same memory: the chunks
 * were kept, not freed and allocated again. */
static void test_reset_reuses_memory(void **state)
{
    (void)state;
    enum { N = 400 };
    mstr_arena a;
    mstr_arena_init(&a);
    void *first[N];
    for (size_t i = 0; i < N; i++)
        first[i] = mstr_arena_alloc(&a, 1000, 8);   /* 400 KB: several chunks */
    mstr_arena_reset(&a);
    assert_null(a.head);
    assert_non_null(a.spare);
    for (size_t i = 0; i < N; i++)
        assert_ptr_equal(mstr_arena_alloc(&a, 1000, 8), first[i]);
    mstr_arena_free(&a);
}

/* A huge request gets a chunk of its own and ordinary requests carry on where they were. */
static void test_huge_request_has_its_own_chunk(void **state)
{
    (void)state;
    mstr_arena a;
    mstr_arena_init(&a);
    char *small1 = mstr_arena_alloc(&a, 16, 1);
    char *big = mstr_arena_alloc(&a, 1 << 20, 16);
    char *small2 = mstr_arena_alloc(&a, 16, 1);
    assert_ptr_equal(small2, small1 + 16);
    assert_int_equal((uintptr_t)big % 16, 0);
    memset(big, 0xAB, 1 << 20);
    assert_int_equal((unsigned char)big[(1 << 20) - 1], 0xAB);
    memset(small2, 0x11, 16);
    assert_int_equal((unsigned char)big[0], 0xAB);
    /* A huge request as the very first one, then ordinary ones. */
    mstr_arena_reset(&a);
    char *big2 = mstr_arena_alloc(&a, 3 << 20, 8);
    memset(big2, 1, 3 << 20);
    char *after = mstr_arena_alloc(&a, 100, 1);
    memset(after, 2, 100);
    assert_int_equal(big2[(3 << 20) - 1], 1);
    mstr_arena_free(&a);
}

static void test_copy_is_nul_terminated_and_independent(void **state)
{
    (void)state;
    mstr_arena a;
    mstr_arena_init(&a);
    char src[] = "abc\0def";
    mstr_str s = mstr_arena_copy(&a, src, 7);
    assert_int_equal(s.len, 7);
    assert_memory_equal(s.ptr, "abc\0def", 7);
    assert_int_equal(s.ptr[7], '\0');
    src[0] = 'X';
    assert_int_equal(s.ptr[0], 'a');
    mstr_str e = mstr_arena_copy(&a, NULL, 0);
    assert_int_equal(e.len, 0);
    assert_non_null(e.ptr);
    assert_int_equal(e.ptr[0], '\0');
    mstr_arena_free(&a);
}

/* An impossible request aborts with a message instead of returning NULL. Run in a child. */
static void test_impossible_request_aborts(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        mstr_arena a;
        mstr_arena_init(&a);
        mstr_arena_alloc(&a, SIZE_MAX - 8, 1);
        _exit(0);   /* not reached if the arena aborts */
    }
    close(fds[1]);
    char msg[256] = { 0 };
    size_t got = 0;
    ssize_t n;
    while (got < sizeof msg - 1 && (n = read(fds[0], msg + got, sizeof msg - 1 - got)) > 0)
        got += (size_t)n;
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    assert_non_null(strstr(msg, "out of memory"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_initialised_arena_works),
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_allocations_do_not_overlap),
        cmocka_unit_test(test_bytes_counts_since_reset),
        cmocka_unit_test(test_reset_reuses_memory),
        cmocka_unit_test(test_huge_request_has_its_own_chunk),
        cmocka_unit_test(test_copy_is_nul_terminated_and_independent),
        cmocka_unit_test(test_impossible_request_aborts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
