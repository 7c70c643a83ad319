/*
 * test_handover.c - a rescale's handover of keyed tables in memory (mstr_handover.h): every key
 * group's table, slots and all, ends at its owner among the new workers and nowhere else; the
 * groups counted as moved are those whose owner changed; a group whose owner keeps its index
 * stays with that index; state that stays where records are read is not handed over; the old
 * states are freed.
 *
 * Each group holds one slot (its own number) in one operator's table, so a table's identity
 * (its slots' memory) and its content can both be checked after the move.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "mstr_handover.h"
#include "mstr_hash.h"
#include "mstr_route.h"
#include "mstr_table.h"

enum { GROUPS = 256 };

/* A worker's state: tables of a keyed operator, and of one whose state stays local. */
typedef struct fake_state {
    mstr_table *keyed;
    mstr_table *local;
} fake_state;

static mstr_table *keyed_tables(mstr_worker *w)
{
    return ((fake_state *)w->state)->keyed;
}

static mstr_table *local_tables(mstr_worker *w)
{
    return ((fake_state *)w->state)->local;
}

static int states_freed;

static void *fake_state_new(mstr_worker *w)
{
    fake_state *st = malloc(sizeof *st);
    st->keyed = mstr_tables_new(w->ctx.key_groups, sizeof(uint64_t));
    st->local = mstr_tables_new(w->ctx.key_groups, sizeof(uint64_t));
    return st;
}

static void fake_state_free(mstr_worker *w, void *state)
{
    fake_state *st = state;
    mstr_tables_free(st->keyed, w->ctx.key_groups);
    mstr_tables_free(st->local, w->ctx.key_groups);
    free(st);
    states_freed++;
}

static const mstr_state_desc states[] = {
    { .op = "sums", .tables = keyed_tables },
    { .op = "here", .local = true, .tables = local_tables },
};

static const mstr_job_desc desc = {
    .name = "handover", .states = states, .nstates = 2,
    .state_new = fake_state_new, .state_free = fake_state_free,
};

static uint64_t slot_hash(const void *slot)
{
    return mstr_hash_u64(*(const uint64_t *)slot);
}

static bool slot_eq(const void *slot, const void *key)
{
    return *(const uint64_t *)slot == *(const uint64_t *)key;
}

/* Puts value into table t. */
static void put(mstr_table *t, uint64_t value)
{
    *(uint64_t *)mstr_table_insert_new(t, mstr_hash_u64(value), slot_hash) = value;
}

/* n workers of one process, each with a fresh state and the owner table of n workers. */
static mstr_worker *make(int n)
{
    mstr_worker *w = calloc((size_t)n, sizeof *w);
    for (int i = 0; i < n; i++) {
        w[i].desc = &desc;
        w[i].ctx = (mstr_ctx){ .worker = i, .workers = n, .key_groups = GROUPS };
        mstr_owners_init(&w[i].owners, GROUPS, n, 0);
        w[i].state = fake_state_new(&w[i]);
    }
    return w;
}

static void check_rescale(int from, int to)
{
    mstr_worker *old = make(from), *now = make(to);
    unsigned char *memory[GROUPS];
    uint32_t changed = 0;
    for (uint32_t g = 0; g < GROUPS; g++) {
        int a = mstr_rendezvous_owner(g, from);
        put(&keyed_tables(&old[a])[g], g);
        put(&local_tables(&old[a])[g], g);
        memory[g] = keyed_tables(&old[a])[g].slots;
        changed += a != mstr_rendezvous_owner(g, to);
    }
    states_freed = 0;
    mstr_handover_moved moved = mstr_handover(old, from, now);
    assert_int_equal(moved.groups, changed);
    assert_int_equal(moved.slots, changed); /* one slot per group */
    assert_int_equal(states_freed, from);
    for (int k = 0; k < from; k++)
        assert_null(old[k].state);
    for (uint32_t g = 0; g < GROUPS; g++) {
        int b = mstr_rendezvous_owner(g, to);
        for (int k = 0; k < to; k++) {
            const mstr_table *t = &keyed_tables(&now[k])[g];
            assert_int_equal(local_tables(&now[k])[g].live, 0);
            if (k != b) {
                assert_int_equal(t->live, 0);
                continue;
            }
            assert_ptr_equal(t->slots, memory[g]); /* the same table, not a copy */
            assert_int_equal(t->live, 1);
            assert_non_null(mstr_table_find(t, &(uint64_t){ g }, mstr_hash_u64(g), slot_eq));
        }
    }
    for (int k = 0; k < to; k++) {
        fake_state_free(&now[k], now[k].state);
        mstr_owners_free(&now[k].owners);
    }
    for (int k = 0; k < from; k++)
        mstr_owners_free(&old[k].owners);
    free(old);
    free(now);
}

static void test_more_workers(void **state)
{
    (void)state;
    check_rescale(2, 3);
    check_rescale(1, 4);
}

static void test_fewer_workers(void **state)
{
    (void)state;
    check_rescale(3, 1);
    check_rescale(4, 3);
}

/* From N to N: nothing moves, and every table stays with its worker. */
static void test_same_workers(void **state)
{
    (void)state;
    check_rescale(3, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_more_workers),
        cmocka_unit_test(test_fewer_workers),
        cmocka_unit_test(test_same_workers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
