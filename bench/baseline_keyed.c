/*
 * baseline_keyed.c - the hand-written C that bench/keyed.mstr is measured against: the same
 * values and arithmetic, a running sum per key (x % 1024) in one open-addressing hash table
 * keyed by the same hash, and the null sink's count and checksum of the sums, printed in its
 * --stats format so run.sh can check that both did the same work.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "mstr_hash.h"

enum { CAPACITY = 4096 }; /* a power of two, well above the 1024 keys */

typedef struct slot {
    uint64_t key;
    uint64_t sum;
    int used;
} slot;

int main(void)
{
    const uint64_t n = 100000000;
    slot *table = calloc(CAPACITY, sizeof *table);
    if (table == NULL)
        return 1;
    uint64_t records = 0, checksum = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t v = i * 2 + 1;
        if (v % 3 == 0)
            continue;
        uint64_t key = v % 1024;
        size_t at = mstr_hash_u64(key) & (CAPACITY - 1);
        while (table[at].used && table[at].key != key)
            at = (at + 1) & (CAPACITY - 1);
        table[at].used = 1;
        table[at].key = key;
        table[at].sum += v;
        records++;
        checksum += mstr_hash_u64(table[at].sum);
    }
    fprintf(stderr, "mstr: sink 'out': %" PRIu64 " records, checksum %016" PRIx64 "\n", records,
            checksum);
    free(table);
    return 0;
}
