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
