/*
 * mstr_route.c - rendezvous hashing from key groups to workers (definition in mstr_route.h).
 *
 * Every worker is scored for the group and the best score wins, which is O(workers) per group;
 * callers compute the 256-entry table once per worker count (mstr_route_table) and index it,
 * so the loop never runs per record.
 */
#include "mstr_route.h"

#include "mstr_hash.h"

static uint64_t route_score(unsigned group, int worker)
{
    return mstr_hash_u64(((uint64_t)group << 32) | (uint64_t)worker);
}

/* The owner of key group g (< MSTR_KEY_GROUPS) among workers 0 .. workers-1 (workers >= 1):
 * the worker with the highest score, the lowest index among equal scores. Pure; any thread. */
int mstr_rendezvous_owner(unsigned group, int workers)
{
    int best = 0;
    uint64_t best_score = route_score(group, 0);
    for (int w = 1; w < workers; w++) {
        uint64_t s = route_score(group, w);
        if (s > best_score) {
            best = w;
            best_score = s;
        }
    }
    return best;
}

/* Fills owner[0 .. MSTR_KEY_GROUPS) with mstr_rendezvous_owner of each group; workers must
 * be between 1 and 65536 so that every owner fits a uint16_t. Pure; any thread. */
void mstr_route_table(uint16_t *owner, int workers)
{
    for (unsigned g = 0; g < MSTR_KEY_GROUPS; g++)
        owner[g] = (uint16_t)mstr_rendezvous_owner(g, workers);
}
