/*
 * mstr_scalar.h - the language's scalar types as generated programs use them: their .mstr
 * names for operator bodies, and for each the functions the generated code calls by the
 * type's name (records compose theirs from their fields', compiler/emit_types.c):
 *
 *   encp_T enc_T dec_T enclen_T   the binary encoding (mstr_codec.h)
 *   eq_T hashput_T keyhash_T      keys: equality, and the hash of the encoding (mstr_hash.h)
 *   own_T release_T reown_T       keys and state: strings copied to the heap and freed;
 *   adopt_T drop_T                reown_T's two halves (below)
 *
 * Only generated programs include this header (through mstr.h's users): the short type names
 * are the language's, not the runtime's.
 */
#ifndef MSTR_SCALAR_H
#define MSTR_SCALAR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mstr_codec.h"
#include "mstr_hash.h"
#include "mstr_str.h"

typedef int8_t i8;
typedef int16_t i16;
typedef int32_t i32;
typedef int64_t i64;
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef float f32;
typedef double f64;
typedef mstr_str str;

/* The key of records on a stream that has none (printed as NoKey). */
typedef uint8_t mstr_nokey;

/* A fixed-size scalar as the bits it is encoded from: integers as they are, floats by their
 * IEEE bits, bool as 0 or 1. */
#define MSTR_SCALAR_BITS(T, TO_BITS, FROM_BITS)                                            \
    static inline uint64_t mstr_bits_##T(T v) { TO_BITS }                                  \
    static inline T mstr_from_bits_##T(uint64_t b) { FROM_BITS }

#define MSTR_FLOAT_BITS(T, U)                                                              \
    MSTR_SCALAR_BITS(T, U bits; memcpy(&bits, &v, sizeof bits); return bits;,           \
                     U bits = (U)b; T v; memcpy(&v, &bits, sizeof v); return v;)

#define MSTR_INT_BITS(T) MSTR_SCALAR_BITS(T, return (uint64_t)v;, return (T)b;)

MSTR_INT_BITS(i8)
MSTR_INT_BITS(i16)
MSTR_INT_BITS(i32)
MSTR_INT_BITS(i64)
MSTR_INT_BITS(u8)
MSTR_INT_BITS(u16)
MSTR_INT_BITS(u32)
MSTR_INT_BITS(u64)
MSTR_FLOAT_BITS(f32, uint32_t)
MSTR_FLOAT_BITS(f64, uint64_t)
MSTR_SCALAR_BITS(bool, return v ? 1 : 0;, return b != 0;)

/* The key hash of an n-byte scalar with these bits: mstr_hash_bytes of its encoding. */
static inline uint64_t mstr_keyhash_bits(uint64_t bits, size_t n)
{
    if (n == 8)
        return mstr_hash_u64(bits);
    mstr_hasher s;
    mstr_hasher_init(&s, n);
    mstr_hasher_le(&s, bits, n);
    return mstr_hasher_end(&s);
}

/* The functions of a fixed-size scalar T encoded in N bytes. */
#define MSTR_SCALAR_FNS(T, N)                                                              \
    static inline unsigned char *encp_##T(unsigned char *p, const T *v)                    \
    {                                                                                      \
        return mstr_store_le(p, mstr_bits_##T(*v), N);                                     \
    }                                                                                      \
    static inline void enc_##T(mstr_wbuf *b, const T *v)                                   \
    {                                                                                      \
        encp_##T(mstr_wbuf_claim(b, N), v);                                                \
    }                                                                                      \
    static inline void dec_##T(mstr_rbuf *r, T *v)                                         \
    {                                                                                      \
        *v = mstr_from_bits_##T(mstr_get_le(r, N));                                        \
    }                                                                                      \
    static inline bool eq_##T(const T *a, const T *b)                                      \
    {                                                                                      \
        return memcmp(a, b, sizeof *a) == 0;                                               \
    }                                                                                      \
    static inline size_t enclen_##T(const T *v)                                            \
    {                                                                                      \
        (void)v;                                                                           \
        return N;                                                                          \
    }                                                                                      \
    static inline void hashput_##T(mstr_hasher *s, const T *v)                             \
    {                                                                                      \
        mstr_hasher_le(s, mstr_bits_##T(*v), N);                                           \
    }                                                                                      \
    static inline uint64_t keyhash_##T(const T *v)                                         \
    {                                                                                      \
        return mstr_keyhash_bits(mstr_bits_##T(*v), N);                                    \
    }                                                                                      \
    static inline void own_##T(T *dst, const T *src)                                       \
    {                                                                                      \
        *dst = *src;                                                                       \
    }                                                                                      \
    static inline void release_##T(T *v)                                                   \
    {                                                                                      \
        (void)v;                                                                           \
    }                                                                                      \
    static inline void adopt_##T(T *now, const T *before)                                  \
    {                                                                                      \
        (void)now;                                                                         \
        (void)before;                                                                      \
    }                                                                                      \
    static inline void drop_##T(const T *now, const T *before, mstr_arena *later)          \
    {                                                                                      \
        (void)now;                                                                         \
        (void)before;                                                                      \
        (void)later;                                                                       \
    }                                                                                      \
    static inline void reown_##T(T *now, const T *before)                                  \
    {                                                                                      \
        (void)now;                                                                         \
        (void)before;                                                                      \
    }

MSTR_SCALAR_FNS(i8, 1)
MSTR_SCALAR_FNS(i16, 2)
MSTR_SCALAR_FNS(i32, 4)
MSTR_SCALAR_FNS(i64, 8)
MSTR_SCALAR_FNS(u8, 1)
MSTR_SCALAR_FNS(u16, 2)
MSTR_SCALAR_FNS(u32, 4)
MSTR_SCALAR_FNS(u64, 8)
MSTR_SCALAR_FNS(f32, 4)
MSTR_SCALAR_FNS(f64, 8)
MSTR_SCALAR_FNS(bool, 1)

/* str: its length as a varint, then its bytes. A string kept in state or as a stored key is
 * copied to the heap (own, reown) and freed with it (release), so it outlives the batch it
 * came in. */
static inline unsigned char *encp_str(unsigned char *p, const str *v)
{
    return mstr_store_str(p, *v);
}

static inline void enc_str(mstr_wbuf *b, const str *v)
{
    mstr_put_str(b, *v);
}

static inline void dec_str(mstr_rbuf *r, str *v)
{
    *v = mstr_get_str(r);
}

static inline bool eq_str(const str *a, const str *b)
{
    return mstr_str_eq(*a, *b);
}

static inline size_t enclen_str(const str *v)
{
    return mstr_varint_len(v->len) + v->len;
}

static inline void hashput_str(mstr_hasher *s, const str *v)
{
    mstr_hasher_varint(s, v->len);
    mstr_hasher_bytes(s, v->ptr, v->len);
}

static inline uint64_t keyhash_str(const str *v)
{
    mstr_hasher s;
    mstr_hasher_init(&s, enclen_str(v));
    hashput_str(&s, v);
    return mstr_hasher_end(&s);
}

static inline void own_str(str *dst, const str *src)
{
    *dst = mstr_str_heap_copy(*src);
}

static inline void release_str(str *v)
{
    free((void *)v->ptr);
    *v = (str){ 0 };
}

/* After a body ran on a state, in two passes over all its fields, because a body may move a
 * string from one field to another (q19's ranking shifts them): adopt copies in every string
 * the body replaced, and only then drop frees the ones replaced (freeing field by field freed
 * a string that the next field had just been given). drop frees them when the arena later is
 * reset if it is not NULL (a key's state: the body's output may hold them), else at once. */
static inline void adopt_str(str *now, const str *before)
{
    if (now->ptr != before->ptr || now->len != before->len)
        *now = mstr_str_heap_copy(*now);
}

static inline void drop_str(const str *now, const str *before, mstr_arena *later)
{
    if (now->ptr == before->ptr)
        return;
    if (later != NULL)
        mstr_arena_free_later(later, (void *)before->ptr);
    else
        free((void *)before->ptr);
}

static inline void reown_str(str *now, const str *before)
{
    adopt_str(now, before);
    drop_str(now, before, NULL);
}

#endif
