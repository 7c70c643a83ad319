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

enum { PROCESS_SCORE = 1u << 31 }; /* sets a process's scores apart from a worker's */

/* Of candidates 0 .. n-1 scored with salt (0 or PROCESS_SCORE), the one with the highest score
 * for group, the lowest among equal scores. */
static int best_of(uint32_t group, int n, uint64_t salt)
{
    int best = 0;
    uint64_t best_score = mstr_hash_u64(((uint64_t)group << 32) | salt);
    for (int c = 1; c < n; c++) {
        uint64_t s = mstr_hash_u64(((uint64_t)group << 32) | salt | (uint64_t)c);
        if (s > best_score) {
            best = c;
            best_score = s;
        }
    }
    return best;
}

/* Pure; any thread. */
int mstr_rendezvous_owner(uint32_t group, int processes, int per_process)
{
    int process = processes > 1 ? best_of(group, processes, PROCESS_SCORE) : 0;
    return process * per_process + best_of(group, per_process, 0);
}

/* The workers must be from 1 to MSTR_MAX_WORKERS so that every owner fits a uint16_t. */
void mstr_owners_init(mstr_owners *o, uint32_t groups, int processes, int per_process,
                      uint64_t version)
{
    o->version = version;
    o->workers = processes * per_process;
    o->groups = groups;
    o->owner = mstr_alloc_array(groups, sizeof *o->owner);
    for (uint32_t g = 0; g < groups; g++)
        o->owner[g] = (uint16_t)mstr_rendezvous_owner(g, processes, per_process);
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
