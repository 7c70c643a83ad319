/*
 * baseline_stateless.c - the hand-written C loop that bench/stateless.mstr is measured against:
 * the same values, the same arithmetic, the same count and checksum (mstr_hash_u64, as the
 * null sink sums it), printed in the null sink's --stats format so run.sh can compare them.
 */
#include <inttypes.h>
#include <stdio.h>

#include "mstr_hash.h"

int main(void)
{
    const uint64_t n = 300000000;
    uint64_t records = 0, checksum = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t v = i * 2 + 1;
        if (v % 3 == 0)
            continue;
        records++;
        checksum += mstr_hash_u64(v);
    }
    fprintf(stderr, "mstr: sink 'out': %" PRIu64 " records, checksum %016" PRIx64 "\n", records,
            checksum);
    return 0;
}
