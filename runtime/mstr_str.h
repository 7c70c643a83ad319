/*
 * mstr_str.h - strings and the arena they live in.
 *
 * A string in a stream is a slice (pointer and length, not NUL-terminated). Slices point into
 * an arena that lives as long as the batch of records being processed: the worker resets it
 * after each batch, so making a string costs a pointer bump and never a malloc.
 *
 * Thread use: an arena belongs to one worker thread.
 */
#ifndef MSTR_STR_H
#define MSTR_STR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mstr_str {
    const char *ptr;
    size_t len;
} mstr_str;

/* A slice of a string literal. */
#define MSTR_STR(lit) ((mstr_str){ (lit), sizeof(lit) - 1 })

typedef struct mstr_arena_chunk mstr_arena_chunk;
typedef struct mstr_arena_later mstr_arena_later;

/* A bump allocator made of chunks. Zero-initialise it (or mstr_arena_init) before use. */
typedef struct mstr_arena {
    mstr_arena_chunk *head;   /* chunk being filled */
    mstr_arena_chunk *spare;  /* chunks kept by the last reset, reused before new ones */
    size_t bytes;             /* bytes handed out since the last reset */
    mstr_arena_later *later;  /* heap blocks to free at the next reset (mstr_arena_free_later) */
} mstr_arena;

void mstr_arena_init(mstr_arena *a);

/* Returns n bytes aligned to align (a power of two <= 16); aborts with a message if memory is
 * exhausted. Valid until the next mstr_arena_reset or mstr_arena_free. */
void *mstr_arena_alloc(mstr_arena *a, size_t n, size_t align);

/* Forgets everything allocated; keeps the memory for reuse (at most one large chunk set). */
void mstr_arena_reset(mstr_arena *a);

/* Frees the heap block p (from malloc) at the next reset or free of a, not now: a string that
 * a key's state gives up may still be held by records of the batch, which live until then. */
void mstr_arena_free_later(mstr_arena *a, void *p);

/* Releases all memory. */
void mstr_arena_free(mstr_arena *a);

/* Copies len bytes into the arena (plus a NUL after them, not counted in len). */
mstr_str mstr_arena_copy(mstr_arena *a, const char *p, size_t len);

bool mstr_str_eq(mstr_str a, mstr_str b);
bool mstr_str_eq_cstr(mstr_str a, const char *s);

/* Lexicographic byte comparison: <0, 0, >0. */
int mstr_str_cmp(mstr_str a, mstr_str b);

/* The per-worker context that operator bodies see as `ctx`. The runtime owns it; bodies read
 * worker/workers and pass ctx to the string helpers below. */
typedef struct mstr_ctx {
    int worker;          /* this worker's index, from 0 */
    int workers;         /* how many workers the job runs */
    uint32_t key_groups; /* how many key groups keys fall into (a distribute block's range) */
    mstr_arena *arena;   /* the current batch's arena */
    const char *running; /* the body that runs or ran last ("operator 'NAME'", "source 'NAME'"),
                            for the message of a crash (mstr_fail.h) */
} mstr_ctx;

/* String helpers for operator bodies; results live until the batch is done. */
char *mstr_str_alloc(mstr_ctx *ctx, size_t len);             /* len writable bytes (+NUL) */
mstr_str mstr_str_copy(mstr_ctx *ctx, const char *p, size_t len);
mstr_str mstr_str_cstr(mstr_ctx *ctx, const char *s);        /* copy of a NUL-terminated string */
mstr_str mstr_str_printf(mstr_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
mstr_str mstr_str_vprintf(mstr_ctx *ctx, const char *fmt, va_list ap);
mstr_str mstr_str_upper(mstr_ctx *ctx, mstr_str s);           /* ASCII upper case */
mstr_str mstr_str_lower(mstr_ctx *ctx, mstr_str s);           /* ASCII lower case */
mstr_str mstr_str_concat(mstr_ctx *ctx, mstr_str a, mstr_str b);

/* Splits s at the first occurrence of the byte sep: *head gets the part before it, *rest the
 * part after it. Returns false (and leaves *head = s, *rest empty) when sep does not occur.
 * No copy: both are slices of s. */
bool mstr_str_split(mstr_str s, char sep, mstr_str *head, mstr_str *rest);

/* A copy of s in memory of its own (malloc; len + 1 bytes, NUL-terminated), for strings kept in
 * state beyond their batch; free it with free((void *)copy.ptr). Aborts if memory is exhausted. */
mstr_str mstr_str_heap_copy(mstr_str s);

/* s without leading and trailing ASCII whitespace (a slice of s). */
mstr_str mstr_str_trim(mstr_str s);

#endif
