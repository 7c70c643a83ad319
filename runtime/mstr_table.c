/*
 * mstr_table.c - growth of the keyed-state hash table (the probing is inline in mstr_table.h).
 *
 * A table is allocated on its first insert with 16 slots. When one more entry would push
 * live + deleted slots past 7/8 of capacity, the table is rebuilt: at twice the capacity if the
 * live entries are the reason (at least half the slots are live), otherwise at the same
 * capacity, which only drops the tombstones. The second case is what keeps a table whose
 * entries come and go (windows opening and closing) from growing without bound: its capacity
 * follows the number of live entries, not the number ever inserted. Rebuilding allocates fresh
 * control and slot arrays and re-places every full slot by its hash, so it needs no scratch
 * state and leaves no tombstones behind.
 *
 * Thread use: a table belongs to one worker; nothing here is shared.
 */
#include "mstr_table.h"

#include <stdio.h>
#include <stdlib.h>

#include "mstr_mem.h"

enum { INITIAL_CAPACITY = 16 };

/* True if one more entry would take live + deleted slots past 7/8 of capacity. */
static bool table_needs_room(const mstr_table *t)
{
    return (t->live + t->deleted + 1) > t->capacity / 8 * 7;
}

/* Replaces t's arrays with fresh ones of new_cap slots (a power of two) holding the same live
 * entries, placed by hash, and no tombstones. */
static void table_rebuild(mstr_table *t, size_t new_cap, mstr_table_hash_fn *hash)
{
    if (t->slot_size == 0 || new_cap > SIZE_MAX / t->slot_size)
        mstr_oom(SIZE_MAX);
    uint8_t *ctrl = mstr_realloc(NULL, new_cap);
    unsigned char *slots = mstr_realloc(NULL, new_cap * t->slot_size);
    uint8_t *marks = mstr_realloc(NULL, new_cap);
    memset(ctrl, MSTR_TABLE_EMPTY, new_cap);

    size_t mask = new_cap - 1;
    for (size_t i = 0; i < t->capacity; i++) {
        if (!mstr_table_full(t, i))
            continue;
        const void *old = mstr_table_slot(t, i);
        uint64_t h = hash(old);
        size_t j = h & mask;
        while (ctrl[j] != MSTR_TABLE_EMPTY)
            j = (j + 1) & mask;
        ctrl[j] = MSTR_TABLE_TAG(h);
        marks[j] = t->marks[i];
        memcpy(slots + j * t->slot_size, old, t->slot_size);
    }

    free(t->ctrl);
    free(t->slots);
    free(t->marks);
    t->ctrl = ctrl;
    t->slots = slots;
    t->marks = marks;
    t->capacity = new_cap;
    t->deleted = 0;
}

/* Sets up an empty table of slots of slot_size bytes (> 0); allocates nothing until the first
 * insert. */
void mstr_table_init(mstr_table *t, size_t slot_size)
{
    *t = (mstr_table){ .slot_size = slot_size };
}

/* Frees the arrays and leaves t empty (capacity 0) with the same slot size, ready for reuse. */
void mstr_table_free(mstr_table *t)
{
    free(t->ctrl);
    free(t->slots);
    free(t->marks);
    mstr_wbuf_free(&t->gone);
    mstr_table_init(t, t->slot_size);
}

void mstr_table_mark_all(mstr_table *t)
{
    for (size_t i = 0; i < t->capacity; i++)
        if (mstr_table_full(t, i))
            mstr_table_mark(t, i);
}

mstr_table *mstr_tables_new(uint32_t groups, size_t slot_size)
{
    mstr_table *tables = mstr_alloc_array(groups, sizeof *tables);
    for (uint32_t g = 0; g < groups; g++)
        mstr_table_init(&tables[g], slot_size);
    return tables;
}

void mstr_tables_free(mstr_table *tables, uint32_t groups)
{
    for (uint32_t g = 0; g < groups; g++)
        mstr_table_free(&tables[g]);
    free(tables);
}

/* After this returns, one more entry fits while keeping live + deleted <= 7/8 of capacity
 * (which guarantees every probe meets an empty slot). Moves slots when it rebuilds. */
void mstr_table_reserve(mstr_table *t, mstr_table_hash_fn *hash)
{
    if (t->capacity == 0) {
        table_rebuild(t, INITIAL_CAPACITY, hash);
        return;
    }
    if (!table_needs_room(t))
        return;
    size_t new_cap = t->capacity;
    if (t->live >= t->capacity / 2) {
        if (t->capacity > SIZE_MAX / 2)
            mstr_oom(SIZE_MAX);
        new_cap = t->capacity * 2;
    }
    table_rebuild(t, new_cap, hash);
}

void *mstr_table_insert_new(mstr_table *t, uint64_t h, mstr_table_hash_fn *hash)
{
    mstr_table_reserve(t, hash);
    size_t mask = t->capacity - 1;
    size_t i = h & mask;
    while (t->ctrl[i] != MSTR_TABLE_EMPTY && t->ctrl[i] != MSTR_TABLE_DELETED)
        i = (i + 1) & mask;
    if (t->ctrl[i] == MSTR_TABLE_DELETED)
        t->deleted--;
    t->ctrl[i] = MSTR_TABLE_TAG(h);
    t->live++;
    t->marks[i] = 0;
    void *slot = mstr_table_slot(t, i);
    memset(slot, 0, t->slot_size);
    mstr_table_mark(t, i);
    return slot;
}
