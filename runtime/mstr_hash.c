/*
 * mstr_hash.c - the stable 64-bit hash (definition in mstr_hash.h).
 */
#include "mstr_hash.h"

#include <string.h>

static uint64_t load_le64(const unsigned char *p, size_t n)
{
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)p[i] << (8 * i);
    return w;
}

uint64_t mstr_hash_bytes(const void *p, size_t n)
{
    const uint64_t p1 = UINT64_C(0x9E3779B97F4A7C15);
    const unsigned char *b = p;
    uint64_t h = (uint64_t)n * p1;
    for (size_t i = 0; i < n; i += 8) {
        size_t take = n - i < 8 ? n - i : 8;
        h = mstr_hash_mix((h ^ load_le64(b + i, take)) * p1);
    }
    return mstr_hash_mix(h);
}
