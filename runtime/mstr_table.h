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
 * Snapshots: each slot also has a mark byte. Inserting marks a slot dirty (every insert is made
 * to change its slot); code that changes a slot another way marks it (mstr_table_mark). A
 * snapshot writes the dirty slots and marks them persisted instead. A persisted slot that goes
 * leaves its key on the table's list of keys to delete from the next snapshot (gone), so that
 * snapshots are incremental: only what changed is written, with a tombstone for what went.
 *
 * Thread use: a table belongs to one worker.
 */
#ifndef MSTR_TABLE_H
#define MSTR_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mstr_codec.h"

enum { MSTR_TABLE_EMPTY = 0x80, MSTR_TABLE_DELETED = 0xFE };

/* A slot's mark: changed since the last snapshot, and held by a snapshot. */
enum { MSTR_MARK_DIRTY = 1, MSTR_MARK_PERSISTED = 2 };

/* The 7-bit tag kept in a full slot's control byte. */
#define MSTR_TABLE_TAG(h) ((uint8_t)(((h) >> 32) & 0x7f))

typedef struct mstr_table {
    uint8_t *ctrl;        /* capacity control bytes */
    unsigned char *slots; /* capacity * slot_size bytes */
    uint8_t *marks;       /* capacity mark bytes (MSTR_MARK_*) */
    size_t capacity;      /* 0 or a power of two */
    size_t live;          /* full slots */
    size_t deleted;       /* tombstones */
    size_t slot_size;
    size_t dirty;         /* slots marked dirty */
    mstr_wbuf gone;       /* keys of persisted slots removed since the last snapshot: each a
                             4-byte little-endian length, then the key's snapshot encoding */
    size_t ngone;
} mstr_table;

typedef bool mstr_table_eq_fn(const void *slot, const void *key);
typedef uint64_t mstr_table_hash_fn(const void *slot);

void mstr_table_init(mstr_table *t, size_t slot_size);

/* Frees the table's memory (not what slots point to: the caller frees that first). */
void mstr_table_free(mstr_table *t);

/* Marks slot i changed since the last snapshot. */
static inline void mstr_table_mark(mstr_table *t, size_t i)
{
    if (!(t->marks[i] & MSTR_MARK_DIRTY)) {
        t->marks[i] |= MSTR_MARK_DIRTY;
        t->dirty++;
    }
}

/* The index of slot (a pointer into t's slots). A division: not for every record. */
static inline size_t mstr_table_index(const mstr_table *t, const void *slot)
{
    return (size_t)((const unsigned char *)slot - t->slots) / t->slot_size;
}

/* Whether a snapshot holds slot: if so, removing it must leave its key on the gone list
 * (mstr_table_gone_open/close around appending the key's encoding to t->gone). */
static inline bool mstr_table_persisted(const mstr_table *t, const void *slot)
{
    return (t->marks[mstr_table_index(t, slot)] & MSTR_MARK_PERSISTED) != 0;
}

/* Starts an entry of the gone list; returns where its length goes. */
static inline size_t mstr_table_gone_open(mstr_table *t)
{
    size_t at = t->gone.len;
    mstr_wbuf_claim(&t->gone, 4);
    return at;
}

/* Ends the entry started at `at`: its length is what was appended since. */
static inline void mstr_table_gone_close(mstr_table *t, size_t at)
{
    mstr_store_le(t->gone.data + at, t->gone.len - at - 4, 4);
    t->ngone++;
}

/* After a snapshot wrote slot i: it is held by the snapshot, and no longer dirty. */
static inline void mstr_table_persist(mstr_table *t, size_t i)
{
    if (t->marks[i] & MSTR_MARK_DIRTY)
        t->dirty--;
    t->marks[i] = MSTR_MARK_PERSISTED;
}

/* Marks every slot of t changed since the last snapshot. */
void mstr_table_mark_all(mstr_table *t);

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

/* Returns the index of the slot holding key (hash h), or SIZE_MAX. */
static inline size_t mstr_table_find_index(const mstr_table *t, const void *key, uint64_t h,
                                           mstr_table_eq_fn *eq)
{
    if (t->capacity == 0)
        return SIZE_MAX;
    size_t mask = t->capacity - 1;
    uint8_t tag = MSTR_TABLE_TAG(h);
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        uint8_t c = t->ctrl[i];
        if (c == tag && eq(mstr_table_slot(t, i), key))
            return i;
        if (c == MSTR_TABLE_EMPTY)
            return SIZE_MAX;
    }
}

/* Returns the slot holding key (hash h), or NULL. */
static inline void *mstr_table_find(const mstr_table *t, const void *key, uint64_t h,
                                    mstr_table_eq_fn *eq)
{
    size_t i = mstr_table_find_index(t, key, h, eq);
    return i == SIZE_MAX ? NULL : mstr_table_slot(t, i);
}

/* Returns the slot holding key (hash h); if there is none, claims a zero-filled slot for it,
 * sets *created and leaves copying the key into the slot to the caller. Either way the slot is
 * marked dirty: it is about to change. May grow the table, which moves slots: pointers to
 * slots are valid until the next insert. */
/* The part of mstr_table_insert for a key that is not there yet (out of line: the rarer case,
 * and the larger one). */
void *mstr_table_insert_new(mstr_table *t, uint64_t h, mstr_table_hash_fn *hash);

static inline void *mstr_table_insert(mstr_table *t, const void *key, uint64_t h,
                                      mstr_table_eq_fn *eq, mstr_table_hash_fn *hash,
                                      bool *created)
{
    size_t i = mstr_table_find_index(t, key, h, eq);
    *created = i == SIZE_MAX;
    if (i == SIZE_MAX)
        return mstr_table_insert_new(t, h, hash);
    mstr_table_mark(t, i);
    return mstr_table_slot(t, i);
}

/* Removes the entry in slot (a pointer returned by find, insert or iteration). Iterating on
 * after removing the current slot is safe. */
static inline void mstr_table_remove(mstr_table *t, void *slot)
{
    size_t i = mstr_table_index(t, slot);
    t->ctrl[i] = MSTR_TABLE_DELETED;
    if (t->marks[i] & MSTR_MARK_DIRTY)
        t->dirty--;
    t->marks[i] = 0;
    t->live--;
    t->deleted++;
}

/* Iteration: for (size_t i = 0; i < t->capacity; i++) if (mstr_table_full(t, i)) ... */
static inline bool mstr_table_full(const mstr_table *t, size_t i)
{
    return t->ctrl[i] < 0x80;
}

#endif
