/*
 * pool.h - the compiler's bump allocator.
 *
 * Everything the compiler builds for one program (tree nodes, names, strings) comes from one
 * pool and is released at once with mc_pool_free. Allocation never fails: out of memory aborts
 * the compiler with a message (the runtime's one path, mstr_mem.h), which is the only sensible
 * reaction in a short-lived tool.
 */
#ifndef MC_POOL_H
#define MC_POOL_H

#include <stddef.h>
#include <string.h>

typedef struct mc_pool_chunk mc_pool_chunk;

typedef struct mc_pool {
    mc_pool_chunk *head;
} mc_pool;

/* Returns n zeroed bytes aligned for any type, owned by the pool. */
void *mc_pool_alloc(mc_pool *pool, size_t n);

/* Returns a NUL-terminated copy of the len bytes at s, owned by the pool. */
char *mc_pool_strndup(mc_pool *pool, const char *s, size_t len);

/* A printf-formatted string, owned by the pool. */
char *mc_pool_printf(mc_pool *pool, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends item to the pool-owned array arr of n elements (any element type); n is incremented.
 * The capacity is implied by n, as the smallest power of two >= n: when n is 0 or a power of
 * two the array moves to one twice the size, so n pushes cost O(n) time and memory. (Growing by
 * one element at each push made a 64 KB type of 9000 fields take 2 GB.) Hence arr must have been
 * built by MC_POOL_PUSH alone, from NULL and 0; an array of exactly n elements made any other
 * way would be written past its end. */
#define MC_POOL_PUSH(pool, arr, n, item)                                                \
    do {                                                                                \
        if (((n) & ((n) - 1)) == 0) {                                                   \
            void *mc_grown_ = mc_pool_alloc((pool), ((n) ? 2 * (n) : 1) * sizeof *(arr)); \
            if ((n) > 0)                                                                \
                memcpy(mc_grown_, (arr), (n) * sizeof *(arr));                          \
            (arr) = mc_grown_;                                                          \
        }                                                                               \
        (arr)[(n)++] = (item);                                                          \
    } while (0)

/* Releases everything the pool handed out; the pool is empty and reusable afterwards. */
void mc_pool_free(mc_pool *pool);

#endif
