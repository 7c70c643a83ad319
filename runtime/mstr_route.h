/*
 * mstr_route.h - from a key's hash to the worker that owns it.
 *
 * A key's hash (mstr_hash_bytes of its encoding) picks one of MSTR_KEY_GROUPS key groups by
 * its top 8 bits. A key group belongs to the worker with the highest rendezvous score
 *     score(g, w) = mstr_hash_u64(((uint64_t)g << 32) | (uint64_t)w)
 * (ties to the lower worker index), so that going from N to N+1 workers moves only the key
 * groups the new worker wins, about 1/(N+1) of them, and every process computes the same owner
 * without talking to the others. State is kept, snapshotted and moved a key group at a time.
 * Do not change these definitions: restored state depends on them.
 */
#ifndef MSTR_ROUTE_H
#define MSTR_ROUTE_H

#include <stdint.h>

enum { MSTR_KEY_GROUPS = 256 };

static inline unsigned mstr_key_group(uint64_t hash)
{
    return (unsigned)(hash >> 56);
}

/* The owner of key group g among workers 0 .. workers-1 (workers >= 1). */
int mstr_rendezvous_owner(unsigned group, int workers);

/* Fills owner[0 .. MSTR_KEY_GROUPS) for the given worker count. */
void mstr_route_table(uint16_t *owner, int workers);

#endif
