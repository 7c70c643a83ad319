/*
 * mstr_route.h - from a key's hash to its key group, and from a key group to the worker that
 * owns it.
 *
 * A key's hash (mstr_hash_bytes of its encoding, mstr_hash.h) picks one of G key groups by
 * multiplying its top 32 bits by G and keeping the top 32 bits of the product:
 *     group(h) = ((h >> 32) * G) >> 32
 * (for G a power of two that is the top log2(G) bits of h). G is fixed when a job's state is
 * first created (the job's key_groups setting) and kept with its snapshots.
 *
 * A key group belongs, by rendezvous, first to a process and then to one of its workers: to
 * the process p (of P) with the highest score
 *     process_score(g, p) = mstr_hash_u64(((uint64_t)g << 32) | 1 << 31 | (uint64_t)p)
 * and within it to the worker i (of its W; job-wide index p * W + i) with the highest score
 *     score(g, i) = mstr_hash_u64(((uint64_t)g << 32) | (uint64_t)i)
 * (ties to the lower index). So going from N to N+1 workers moves only the key groups the new
 * worker wins, about 1/(N+1) of them; a job of several processes that changes its workers per
 * process moves key groups only between workers of the same process, never to another
 * process's store; and every process computes the same owner without talking to the others.
 * (A job of one process is the plain rendezvous over its workers.) State is kept, snapshotted
 * and moved a key group at a time. Do not change these definitions: restored state depends on
 * them.
 */
#ifndef MSTR_ROUTE_H
#define MSTR_ROUTE_H

#include <stdint.h>

/* Key groups of a job unless it says otherwise, and the most it may have. */
enum { MSTR_KEY_GROUPS_DEFAULT = 4096, MSTR_KEY_GROUPS_MAX = 65536 };

/* The most workers a job may run (owners are stored in 16 bits). */
enum { MSTR_MAX_WORKERS = 1024 };

static inline uint32_t mstr_key_group(uint64_t hash, uint32_t groups)
{
    return (uint32_t)(((hash >> 32) * (uint64_t)groups) >> 32);
}

/* The job-wide index of the worker that owns key group g among `processes` processes of
 * `per_process` workers each (both >= 1). */
int mstr_rendezvous_owner(uint32_t group, int processes, int per_process);

/* Which worker owns each key group. Every worker holds its own copy, so that a later owner
 * table can take its place at a point in the worker's stream (a rescale) without a lock; the
 * version tells copies apart. */
typedef struct mstr_owners {
    uint64_t version;
    int workers;        /* in the job */
    uint32_t groups;
    uint16_t *owner;    /* owner[g] for g < groups */
} mstr_owners;

/* Fills o for `groups` key groups over `processes` processes of `per_process` workers by
 * rendezvous (version as given). Allocates o->owner; free it with mstr_owners_free. It costs
 * groups * (processes + per_process) hashes (4096 groups over 1024 workers: about 10 ms), so
 * a process computes a table once and its workers copy it (mstr_owners_copy). */
void mstr_owners_init(mstr_owners *o, uint32_t groups, int processes, int per_process,
                      uint64_t version);

/* Makes o a copy of from (its own o->owner). */
void mstr_owners_copy(mstr_owners *o, const mstr_owners *from);

void mstr_owners_free(mstr_owners *o);

#endif
