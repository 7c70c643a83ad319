/*
 * mstr_table.h - the hash table that holds keyed state.
 *
 * Open addressing with linear probing and one control byte per slot (empty, deleted, or 7 bits
 * of the key's hash), slots of a fixed size stored inline: a slot is the caller's struct that
 * begins with the key, followed by the state. No allocation per entry; the table grows (and
 * drops its tombstones) by rehashing when live + deleted slots would pass 7/8 of capacity.
 *
 * The probing functions are static inline and take the key comparison as a function pointer:
 * generated code passes a static inline function, which the compiler inlines, so a lookup is
 * one loop with no indirect call. Growth is out of line and takes the slot hash the same way.
 *
 * Hash bits: the top bits of a key's hash pick its key group (mstr_route.h: up to 16 of them),
 * which picks the table; the probe position uses the low bits and the control byte's tag bits
 * 32..38, so that neither overlaps the key-group bits (which are alike for every key in one
 * table).
 *
 * Thread use: a table belongs to one worker.
 */
#ifndef MSTR_TABLE_H
#define MSTR_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum { MSTR_TABLE_EMPTY = 0x80, MSTR_TABLE_DELETED = 0xFE };

/* The 7-bit tag kept in a full slot's control byte. */
#define MSTR_TABLE_TAG(h) ((uint8_t)(((h) >> 32) & 0x7f))

typedef struct mstr_table {
    uint8_t *ctrl;        /* capacity control bytes */
    unsigned char *slots; /* capacity * slot_size bytes */
    size_t capacity;      /* 0 or a power of two */
    size_t live;          /* full slots */
    size_t deleted;       /* tombstones */
    size_t slot_size;
} mstr_table;

typedef bool mstr_table_eq_fn(const void *slot, const void *key);
typedef uint64_t mstr_table_hash_fn(const void *slot);

void mstr_table_init(mstr_table *t, size_t slot_size);

/* Frees the table's memory (not what slots point to: the caller frees that first). */
void mstr_table_free(mstr_table *t);

/* The state of one keyed operator on one worker: an empty table per key group, groups[g]
 * holding the keys of key group g. Free with mstr_tables_free (after releasing what the
 * slots point to). */
mstr_table *mstr_tables_new(uint32_t groups, size_t slot_size);
void mstr_tables_free(mstr_table *tables, uint32_t groups);

/* Makes room for one more entry: grows or rehashes when needed, using hash to re-place slots.
 * Aborts with a message if memory is exhausted. */
void mstr_table_reserve(mstr_table *t, mstr_table_hash_fn *hash);

static inline void *mstr_table_slot(const mstr_table *t, size_t i)
{
    return t->slots + i * t->slot_size;
}

/* Returns the slot holding key (hash h), or NULL. */
static inline void *mstr_table_find(const mstr_table *t, const void *key, uint64_t h,
                                    mstr_table_eq_fn *eq)
{
    if (t->capacity == 0)
        return NULL;
    size_t mask = t->capacity - 1;
    uint8_t tag = MSTR_TABLE_TAG(h);
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        uint8_t c = t->ctrl[i];
        if (c == tag && eq(mstr_table_slot(t, i), key))
            return mstr_table_slot(t, i);
        if (c == MSTR_TABLE_EMPTY)
            return NULL;
    }
}

/* Returns the slot holding key (hash h); if there is none, claims a zero-filled slot for it,
 * sets *created and leaves copying the key into the slot to the caller. May grow the table,
 * which moves slots: pointers to slots are valid until the next insert. */
static inline void *mstr_table_insert(mstr_table *t, const void *key, uint64_t h,
                                      mstr_table_eq_fn *eq, mstr_table_hash_fn *hash,
                                      bool *created)
{
    void *found = mstr_table_find(t, key, h, eq);
    *created = found == NULL;
    if (found != NULL)
        return found;
    mstr_table_reserve(t, hash);
    size_t mask = t->capacity - 1;
    size_t i = h & mask;
    while (t->ctrl[i] != MSTR_TABLE_EMPTY && t->ctrl[i] != MSTR_TABLE_DELETED)
        i = (i + 1) & mask;
    if (t->ctrl[i] == MSTR_TABLE_DELETED)
        t->deleted--;
    t->ctrl[i] = MSTR_TABLE_TAG(h);
    t->live++;
    void *slot = mstr_table_slot(t, i);
    memset(slot, 0, t->slot_size);
    return slot;
}

/* Removes the entry in slot (a pointer returned by find, insert or iteration). Iterating on
 * after removing the current slot is safe. */
static inline void mstr_table_remove(mstr_table *t, void *slot)
{
    size_t i = (size_t)((unsigned char *)slot - t->slots) / t->slot_size;
    t->ctrl[i] = MSTR_TABLE_DELETED;
    t->live--;
    t->deleted++;
}

/* Iteration: for (size_t i = 0; i < t->capacity; i++) if (mstr_table_full(t, i)) ... */
static inline bool mstr_table_full(const mstr_table *t, size_t i)
{
    return t->ctrl[i] < 0x80;
}

#endif
