/*
 * pool.c - the compiler's bump allocator (see pool.h).
 *
 * Chunks are linked newest first; a request larger than the default chunk size gets a chunk of
 * its own, so no request is ever refused.
 */
#include "pool.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mstr_mem.h"

enum { POOL_CHUNK_SIZE = 64 * 1024, POOL_ALIGN = 16 };

struct mc_pool_chunk {
    mc_pool_chunk *next;
    size_t used;
    size_t cap;
    _Alignas(POOL_ALIGN) unsigned char data[];
};

void *mc_pool_alloc(mc_pool *pool, size_t n)
{
    size_t need = (n + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1);
    mc_pool_chunk *c = pool->head;
    if (c == NULL || c->cap - c->used < need) {
        size_t cap = need > POOL_CHUNK_SIZE ? need : POOL_CHUNK_SIZE;
        c = mstr_realloc(NULL, sizeof *c + cap);
        c->cap = cap;
        c->used = 0;
        c->next = pool->head;
        pool->head = c;
    }
    void *p = c->data + c->used;
    c->used += need;
    memset(p, 0, n);
    return p;
}

char *mc_pool_strndup(mc_pool *pool, const char *s, size_t len)
{
    char *copy = mc_pool_alloc(pool, len + 1);
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

char *mc_pool_printf(mc_pool *pool, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = mc_pool_alloc(pool, (size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, again);
    va_end(again);
    return s;
}

void mc_pool_free(mc_pool *pool)
{
    mc_pool_chunk *c = pool->head;
    while (c != NULL) {
        mc_pool_chunk *next = c->next;
        free(c);
        c = next;
    }
    pool->head = NULL;
}
