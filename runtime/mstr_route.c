/*
 * mstr_route.c - rendezvous hashing from key groups to workers (definition in mstr_route.h).
 *
 * Every worker is scored for the group and the best score wins, which is O(workers) per group;
 * a process computes the owner table once per worker count (mstr_owners_init), its workers
 * copy and index it, so the loop never runs per record.
 */
#include "mstr_route.h"

#include <stdlib.h>
#include <string.h>

#include "mstr_hash.h"
#include "mstr_mem.h"

static uint64_t route_score(uint32_t group, int worker)
{
    return mstr_hash_u64(((uint64_t)group << 32) | (uint64_t)worker);
}

/* The worker with the highest score for group, the lowest index among equal scores. Pure;
 * any thread. */
int mstr_rendezvous_owner(uint32_t group, int workers)
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

/* workers must be from 1 to MSTR_MAX_WORKERS so that every owner fits a uint16_t. */
void mstr_owners_init(mstr_owners *o, uint32_t groups, int workers, uint64_t version)
{
    o->version = version;
    o->workers = workers;
    o->groups = groups;
    o->owner = mstr_alloc_array(groups, sizeof *o->owner);
    for (uint32_t g = 0; g < groups; g++)
        o->owner[g] = (uint16_t)mstr_rendezvous_owner(g, workers);
}

void mstr_owners_copy(mstr_owners *o, const mstr_owners *from)
{
    *o = *from;
    o->owner = mstr_alloc_array(from->groups, sizeof *o->owner);
    memcpy(o->owner, from->owner, from->groups * sizeof *o->owner);
}

void mstr_owners_free(mstr_owners *o)
{
    free(o->owner);
    o->owner = NULL;
}
