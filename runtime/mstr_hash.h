/*
 * mstr_hash.h - the stable 64-bit hash of encoded bytes.
 *
 * The hash decides key groups (and so which worker owns a key) and is used for checksums: it
 * must give the same value on every machine and every version of the project. Do not change
 * it; add a new one if ever needed.
 *
 * Definition (so other implementations can reproduce it), all arithmetic modulo 2^64:
 *   P1 = 0x9E3779B97F4A7C15, P2 = 0xC2B2AE3D27D4EB4F
 *   mix(x) = let y = (x ^ (x >> 29)) * P2 in y ^ (y >> 32)
 *   h = n * P1
 *   for each 8-byte little-endian word w of the input (the last one zero-padded):
 *       h = mix((h ^ w) * P1)
 *   hash = mix(h)
 * Test vectors are in tests/unit/test_hash.c.
 */
#ifndef MSTR_HASH_H
#define MSTR_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mstr_str.h"

/* Hash of n bytes. */
uint64_t mstr_hash_bytes(const void *p, size_t n);

static inline uint64_t mstr_hash_mix(uint64_t x)
{
    x = (x ^ (x >> 29)) * UINT64_C(0xC2B2AE3D27D4EB4F);
    return x ^ (x >> 32);
}

/* mstr_hash_bytes of the 8 little-endian bytes of v, without the loop: the key-group hash of a
 * u64 key, and the checksum step of the null sink. */
static inline uint64_t mstr_hash_u64(uint64_t v)
{
    const uint64_t p1 = UINT64_C(0x9E3779B97F4A7C15);
    return mstr_hash_mix(mstr_hash_mix(((8 * p1) ^ v) * p1));
}

/* The hash of a sequence of pieces, equal to mstr_hash_bytes of their concatenation, without
 * building it: for keys, whose hash is that of their encoding (mstr_codec.h). The total length
 * must be known at the start (the definition begins with it). */
typedef struct mstr_hasher {
    uint64_t h;
    uint64_t word;     /* bytes not yet mixed in, little-endian */
    unsigned fill;     /* how many */
} mstr_hasher;

static inline void mstr_hasher_init(mstr_hasher *s, size_t total_len)
{
    s->h = (uint64_t)total_len * UINT64_C(0x9E3779B97F4A7C15);
    s->word = 0;
    s->fill = 0;
}

static inline void mstr_hasher_byte(mstr_hasher *s, unsigned char b)
{
    s->word |= (uint64_t)b << (8 * s->fill);
    if (++s->fill == 8) {
        s->h = mstr_hash_mix((s->h ^ s->word) * UINT64_C(0x9E3779B97F4A7C15));
        s->word = 0;
        s->fill = 0;
    }
}

static inline void mstr_hasher_bytes(mstr_hasher *s, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        mstr_hasher_byte(s, b[i]);
}

/* The n low bytes of v, little-endian (as mstr_put_le writes them). */
static inline void mstr_hasher_le(mstr_hasher *s, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mstr_hasher_byte(s, (unsigned char)(v >> (8 * i)));
}

/* v as an unsigned LEB128 varint (as mstr_put_varint writes it). */
static inline void mstr_hasher_varint(mstr_hasher *s, uint64_t v)
{
    do {
        unsigned char b = (unsigned char)(v & 0x7f);
        v >>= 7;
        mstr_hasher_byte(s, b | (v ? 0x80 : 0));
    } while (v);
}

/* The length of v's varint encoding. */
static inline size_t mstr_varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline uint64_t mstr_hasher_end(mstr_hasher *s)
{
    if (s->fill > 0)
        s->h = mstr_hash_mix((s->h ^ s->word) * UINT64_C(0x9E3779B97F4A7C15));
    return mstr_hash_mix(s->h);
}

/* Checksum steps for the other scalar types: a float by its bits, a string by its bytes. */
static inline uint64_t mstr_hash_f64(double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    return mstr_hash_u64(bits);
}

static inline uint64_t mstr_hash_str(mstr_str s)
{
    return mstr_hash_bytes(s.ptr, s.len);
}

#endif
