/*
 * test_timerq.c - the timer queue (mstr_timerq.h) against a sorted reference: entries come out
 * by time, then key group, then hash, whatever order they went in, with a payload carried
 * along; pushes between pops; the empty queue.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mstr_timerq.h"

typedef struct entry {
    mstr_timer_head head;
    uint64_t key;
} entry;

static int cmp_entry(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->head.time != y->head.time)
        return x->head.time < y->head.time ? -1 : 1;
    if (x->head.group != y->head.group)
        return x->head.group < y->head.group ? -1 : 1;
    if (x->head.hash != y->head.hash)
        return x->head.hash < y->head.hash ? -1 : 1;
    return 0;
}

static void test_empty(void **unused)
{
    (void)unused;
    mstr_timerq q;
    mstr_timerq_init(&q, sizeof(entry));
    assert_null(mstr_timerq_peek(&q));
    mstr_timerq_free(&q);
    assert_null(mstr_timerq_peek(&q));
}

/* 5000 entries with few distinct times and groups (ties broken by hash), in a scrambled
 * order: they come out sorted, each with its own key. */
static void test_order(void **unused)
{
    (void)unused;
    enum { N = 5000 };
    static entry in[N], want[N];
    uint64_t x = 88172645463325252u;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        in[i] = (entry){ { (int64_t)(x % 50) - 25, (uint32_t)(x >> 20) % 4, x >> 8 }, i };
    }
    mstr_timerq q;
    mstr_timerq_init(&q, sizeof(entry));
    for (size_t i = 0; i < N; i++)
        mstr_timerq_push(&q, &in[i]);
    memcpy(want, in, sizeof in);
    qsort(want, N, sizeof want[0], cmp_entry);
    for (size_t i = 0; i < N; i++) {
        const mstr_timer_head *top = mstr_timerq_peek(&q);
        assert_non_null(top);
        assert_int_equal(top->time, want[i].head.time);
        entry got;
        mstr_timerq_pop(&q, &got);
        assert_int_equal(cmp_entry(&got, &want[i]), 0);
        assert_int_equal(got.key, want[i].key);
    }
    assert_null(mstr_timerq_peek(&q));
    mstr_timerq_free(&q);
}

/* Pushes between pops, as on_timer blocks setting timers do: the least is always first. */
static void test_interleaved(void **unused)
{
    (void)unused;
    mstr_timerq q;
    mstr_timerq_init(&q, sizeof(entry));
    int64_t last = INT64_MIN;
    uint64_t x = 7;
    size_t pushed = 0, popped = 0;
    for (int round = 0; round < 2000; round++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        entry e = { { last + (int64_t)(x % 100), 0, x }, x };
        mstr_timerq_push(&q, &e);
        pushed++;
        if (x % 3 != 0) {
            entry got;
            mstr_timerq_pop(&q, &got);
            popped++;
            assert_true(got.head.time >= last);
            last = got.head.time;
        }
    }
    while (mstr_timerq_peek(&q) != NULL) {
        entry got;
        mstr_timerq_pop(&q, &got);
        popped++;
        assert_true(got.head.time >= last);
        last = got.head.time;
    }
    assert_int_equal(pushed, popped);
    mstr_timerq_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_interleaved),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
