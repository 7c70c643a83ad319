/*
 * mstr_str.c - the batch arena and the string helpers operator bodies call.
 *
 * The arena is a list of chunks filled by bumping an offset. Ordinary requests share 64 KiB
 * chunks; a request too big to share one (more than a quarter of a chunk) gets a chunk of its
 * own, so one huge string does not waste the rest of a chunk or force every later chunk to be
 * huge. Reset keeps the ordinary chunks on a spare list for the next batch, so a worker in a
 * steady state stops calling malloc, and frees the huge ones so that one odd batch does not
 * pin its peak memory for the life of the job. Out of memory aborts: a worker that cannot
 * allocate for its batch has no useful way to continue.
 */
#include "mstr_str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mstr_mem.h"

enum {
    CHUNK_SIZE = 64 * 1024,        /* data bytes of an ordinary chunk */
    HUGE_REQUEST = CHUNK_SIZE / 4, /* requests above this get their own chunk */
    MAX_ALIGN = 16
};

struct mstr_arena_chunk {
    mstr_arena_chunk *next;
    size_t cap;       /* data bytes; CHUNK_SIZE for ordinary chunks */
    size_t used;
    _Alignas(MAX_ALIGN) unsigned char data[];
};

static mstr_arena_chunk *chunk_new(size_t cap)
{
    if (cap > SIZE_MAX - sizeof(mstr_arena_chunk))
        mstr_oom(cap);
    mstr_arena_chunk *c = mstr_realloc(NULL, sizeof(mstr_arena_chunk) + cap);
    c->next = NULL;
    c->cap = cap;
    c->used = 0;
    return c;
}

static void chunk_list_free(mstr_arena_chunk *c)
{
    while (c) {
        mstr_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
}

/* Padding needed after c->used so that the next byte is aligned to align. */
static size_t chunk_pad(const mstr_arena_chunk *c, size_t align)
{
    uintptr_t at = (uintptr_t)(c->data + c->used);
    return (size_t)(-at & (uintptr_t)(align - 1));
}

static void *chunk_take(mstr_arena_chunk *c, size_t n, size_t align)
{
    size_t pad = chunk_pad(c, align);
    if (pad > c->cap - c->used || n > c->cap - c->used - pad)
        return NULL;
    void *p = c->data + c->used + pad;
    c->used += pad + n;
    return p;
}

/* A huge request: its own chunk, linked behind head so that head stays the chunk being
 * filled by ordinary requests. */
static void *arena_alloc_huge(mstr_arena *a, size_t n, size_t align)
{
    if (n > SIZE_MAX - MAX_ALIGN)
        mstr_oom(n);
    mstr_arena_chunk *c = chunk_new(n + align);
    if (a->head) {
        c->next = a->head->next;
        a->head->next = c;
    } else {
        a->head = c;
    }
    return chunk_take(c, n, align);
}

/* Makes head an ordinary chunk with room to spare, from the spare list if possible. */
static void arena_new_head(mstr_arena *a)
{
    mstr_arena_chunk *c = a->spare;
    if (c) {
        a->spare = c->next;
        c->used = 0;
    } else {
        c = chunk_new(CHUNK_SIZE);
    }
    c->next = a->head;
    a->head = c;
}

void mstr_arena_init(mstr_arena *a)
{
    *a = (mstr_arena){ 0 };
}

void *mstr_arena_alloc(mstr_arena *a, size_t n, size_t align)
{
    if (align == 0)
        align = 1;
    a->bytes += n;
    if (a->head) {
        void *p = chunk_take(a->head, n, align);
        if (p)
            return p;
    }
    if (n > HUGE_REQUEST)
        return arena_alloc_huge(a, n, align);
    arena_new_head(a);
    return chunk_take(a->head, n, align);
}

struct mstr_arena_later {
    mstr_arena_later *next;
    void *block;
};

void mstr_arena_free_later(mstr_arena *a, void *p)
{
    if (p == NULL)
        return;
    mstr_arena_later *l = mstr_arena_alloc(a, sizeof *l, _Alignof(mstr_arena_later));
    *l = (mstr_arena_later){ a->later, p };
    a->later = l;
}

/* Frees the blocks handed to mstr_arena_free_later (their list is in the arena's chunks). */
static void free_later(mstr_arena *a)
{
    for (mstr_arena_later *l = a->later; l != NULL; l = l->next)
        free(l->block);
    a->later = NULL;
}

void mstr_arena_reset(mstr_arena *a)
{
    free_later(a);
    mstr_arena_chunk *c = a->head;
    while (c) {
        mstr_arena_chunk *next = c->next;
        if (c->cap == CHUNK_SIZE) {
            c->used = 0;
            c->next = a->spare;
            a->spare = c;
        } else {
            free(c);
        }
        c = next;
    }
    a->head = NULL;
    a->bytes = 0;
}

void mstr_arena_free(mstr_arena *a)
{
    free_later(a);
    chunk_list_free(a->head);
    chunk_list_free(a->spare);
    mstr_arena_init(a);
}

mstr_str mstr_arena_copy(mstr_arena *a, const char *p, size_t len)
{
    if (len == SIZE_MAX)
        mstr_oom(len);
    char *d = mstr_arena_alloc(a, len + 1, 1);
    if (len > 0)
        memcpy(d, p, len);
    d[len] = '\0';
    return (mstr_str){ d, len };
}

bool mstr_str_eq(mstr_str a, mstr_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool mstr_str_eq_cstr(mstr_str a, const char *s)
{
    return mstr_str_eq(a, (mstr_str){ s, strlen(s) });
}

int mstr_str_cmp(mstr_str a, mstr_str b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n > 0 ? memcmp(a.ptr, b.ptr, n) : 0;
    if (c != 0)
        return c;
    return (a.len > b.len) - (a.len < b.len);
}

char *mstr_str_alloc(mstr_ctx *ctx, size_t len)
{
    if (len == SIZE_MAX)
        mstr_oom(len);
    char *d = mstr_arena_alloc(ctx->arena, len + 1, 1);
    d[len] = '\0';
    return d;
}

mstr_str mstr_str_copy(mstr_ctx *ctx, const char *p, size_t len)
{
    return mstr_arena_copy(ctx->arena, p, len);
}

mstr_str mstr_str_cstr(mstr_ctx *ctx, const char *s)
{
    return mstr_arena_copy(ctx->arena, s, strlen(s));
}

mstr_str mstr_str_printf(mstr_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mstr_str s = mstr_str_vprintf(ctx, fmt, ap);
    va_end(ap);
    return s;
}

/* Measures first, then formats straight into the arena: one pass over the format for the
 * length and one for the bytes, never a temporary heap buffer. An encoding error in the
 * format gives the empty string. */
mstr_str mstr_str_vprintf(mstr_ctx *ctx, const char *fmt, va_list ap)
{
    va_list measure;
    va_copy(measure, ap);
    int n = vsnprintf(NULL, 0, fmt, measure);
    va_end(measure);
    if (n < 0)
        return mstr_str_copy(ctx, "", 0);
    char *d = mstr_str_alloc(ctx, (size_t)n);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    return (mstr_str){ d, (size_t)n };
}

static char ascii_upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static mstr_str str_map(mstr_ctx *ctx, mstr_str s, char (*f)(char))
{
    char *d = mstr_str_alloc(ctx, s.len);
    for (size_t i = 0; i < s.len; i++)
        d[i] = f(s.ptr[i]);
    return (mstr_str){ d, s.len };
}

mstr_str mstr_str_upper(mstr_ctx *ctx, mstr_str s)
{
    return str_map(ctx, s, ascii_upper);
}

mstr_str mstr_str_lower(mstr_ctx *ctx, mstr_str s)
{
    return str_map(ctx, s, ascii_lower);
}

mstr_str mstr_str_concat(mstr_ctx *ctx, mstr_str a, mstr_str b)
{
    if (a.len > SIZE_MAX - 1 - b.len)
        mstr_oom(SIZE_MAX);
    char *d = mstr_str_alloc(ctx, a.len + b.len);
    if (a.len > 0)
        memcpy(d, a.ptr, a.len);
    if (b.len > 0)
        memcpy(d + a.len, b.ptr, b.len);
    return (mstr_str){ d, a.len + b.len };
}

bool mstr_str_split(mstr_str s, char sep, mstr_str *head, mstr_str *rest)
{
    const char *at = s.len > 0 ? memchr(s.ptr, (unsigned char)sep, s.len) : NULL;
    if (!at) {
        *head = s;
        *rest = (mstr_str){ s.len > 0 ? s.ptr + s.len : s.ptr, 0 };
        return false;
    }
    size_t i = (size_t)(at - s.ptr);
    *head = (mstr_str){ s.ptr, i };
    *rest = (mstr_str){ at + 1, s.len - i - 1 };
    return true;
}

static bool ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

mstr_str mstr_str_trim(mstr_str s)
{
    size_t b = 0, e = s.len;
    while (b < e && ascii_space(s.ptr[b]))
        b++;
    while (e > b && ascii_space(s.ptr[e - 1]))
        e--;
    if (b == e)
        return (mstr_str){ s.ptr, 0 };
    return (mstr_str){ s.ptr + b, e - b };
}

mstr_str mstr_str_heap_copy(mstr_str s)
{
    char *p = mstr_realloc(NULL, s.len + 1);
    if (s.len > 0)
        memcpy(p, s.ptr, s.len);
    p[s.len] = '\0';
    return (mstr_str){ p, s.len };
}
