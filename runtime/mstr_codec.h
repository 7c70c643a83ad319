/*
 * mstr_codec.h - the compact binary encoding of records, for exchange between workers and
 * (later) snapshots.
 *
 * Encoding (stable: snapshots and the key hash depend on it): integers are little-endian in
 * their own width (i8 1 byte ... u64 8 bytes), f32/f64 are their IEEE bits little-endian,
 * bool is one byte 0 or 1, str is its length as an unsigned LEB128 varint followed by its
 * bytes, a record is its fields in declaration order, with nothing between them.
 *
 * Generated code composes records from these inline functions. A writer grows as needed; a
 * reader checks bounds and sets its error flag instead of reading past the end, after which
 * every get returns zero.
 */
#ifndef MSTR_CODEC_H
#define MSTR_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mstr_str.h"

typedef struct mstr_wbuf {
    unsigned char *data;
    size_t len;
    size_t cap;
} mstr_wbuf;

/* Grows b to hold n more bytes (aborts if memory is exhausted). */
void mstr_wbuf_grow(mstr_wbuf *b, size_t n);
void mstr_wbuf_free(mstr_wbuf *b);

/* Appends n bytes from p. n == 0 is a no-op: memcpy with a null pointer (a buffer not yet
 * grown, or an empty slice with no storage) is undefined even for zero bytes. */
static inline void mstr_put_bytes(mstr_wbuf *b, const void *p, size_t n)
{
    if (n == 0)
        return;
    if (b->cap - b->len < n)
        mstr_wbuf_grow(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

/* Little-endian fixed width: n of 1, 2, 4 or 8 bytes of v. On a little-endian machine that
 * is a copy of v's first n bytes; assembling the bytes one by one instead made every encoded
 * field stall on store forwarding, which halved the speed of exchanging records. */
static inline void mstr_put_le(mstr_wbuf *b, uint64_t v, size_t n)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    mstr_put_bytes(b, &v, n);
#else
    unsigned char tmp[8];
    for (size_t i = 0; i < n; i++)
        tmp[i] = (unsigned char)(v >> (8 * i));
    mstr_put_bytes(b, tmp, n);
#endif
}

static inline void mstr_put_varint(mstr_wbuf *b, uint64_t v)
{
    unsigned char tmp[10];
    size_t n = 0;
    do {
        tmp[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        tmp[n++] |= v ? 0x80 : 0;
    } while (v);
    mstr_put_bytes(b, tmp, n);
}

static inline void mstr_put_str(mstr_wbuf *b, mstr_str s)
{
    mstr_put_varint(b, s.len);
    mstr_put_bytes(b, s.ptr, s.len);
}

static inline void mstr_put_f64(mstr_wbuf *b, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    mstr_put_le(b, bits, 8);
}

static inline void mstr_put_f32(mstr_wbuf *b, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    mstr_put_le(b, bits, 4);
}

/* Claims n bytes at the end of b (growing it if needed) and returns where they start: a record
 * whose encoded size is known is then written with the mstr_store_* functions, one capacity
 * check per record instead of one per field. */
static inline unsigned char *mstr_wbuf_claim(mstr_wbuf *b, size_t n)
{
    if (b->cap - b->len < n)
        mstr_wbuf_grow(b, n);
    unsigned char *p = b->data + b->len;
    b->len += n;
    return p;
}

/* Writers into claimed space: each writes one value at p and returns the byte after it. */
static inline unsigned char *mstr_store_le(unsigned char *p, uint64_t v, size_t n)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &v, n);
#else
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
#endif
    return p + n;
}

static inline unsigned char *mstr_store_varint(unsigned char *p, uint64_t v)
{
    do {
        *p = (unsigned char)(v & 0x7f);
        v >>= 7;
        *p++ |= v ? 0x80 : 0;
    } while (v);
    return p;
}

static inline unsigned char *mstr_store_str(unsigned char *p, mstr_str s)
{
    p = mstr_store_varint(p, s.len);
    if (s.len > 0)
        memcpy(p, s.ptr, s.len);
    return p + s.len;
}

typedef struct mstr_rbuf {
    const unsigned char *p;
    const unsigned char *end;
    bool error;          /* set by a read past the end or a bad varint */
} mstr_rbuf;

static inline uint64_t mstr_get_le(mstr_rbuf *r, size_t n)
{
    if ((size_t)(r->end - r->p) < n) {
        r->error = true;
        r->p = r->end;
        return 0;
    }
    uint64_t v = 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(&v, r->p, n);
#else
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)r->p[i] << (8 * i);
#endif
    r->p += n;
    return v;
}

/* Returns 0 and sets the error flag for a truncated or over-long (> 10 bytes) varint. */
uint64_t mstr_get_varint(mstr_rbuf *r);

/* A slice of the buffer itself: valid as long as the buffer's memory is. */
static inline mstr_str mstr_get_str(mstr_rbuf *r)
{
    uint64_t n = mstr_get_varint(r);
    if ((uint64_t)(r->end - r->p) < n) {
        r->error = true;
        r->p = r->end;
        return (mstr_str){ "", 0 };
    }
    mstr_str s = { (const char *)r->p, (size_t)n };
    r->p += n;
    return s;
}

static inline double mstr_get_f64(mstr_rbuf *r)
{
    uint64_t bits = mstr_get_le(r, 8);
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static inline float mstr_get_f32(mstr_rbuf *r)
{
    uint32_t bits = (uint32_t)mstr_get_le(r, 4);
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

#endif
