/*
 * mstr_handover.h - a rescale within one process hands the keyed state of the workers that
 * stopped at its cut to the workers that go on, in memory, key group by key group.
 *
 * The workers of the round before stopped once they had written the rescale's snapshot, so
 * their keyed state is that snapshot's. The next round's workers are made and restored from
 * that snapshot without its keyed slots (mstr_snapshot_restore's without_keyed: their worker
 * fields, exchange frontiers and partition positions, a few entries); then each key group's
 * tables go from the old state that held them to the state of the group's owner among the new
 * workers (mstr_route.h), whole: no slot is copied, encoded or read back from the store. A
 * group whose owner keeps its index stays with that index; only the groups whose owner
 * changes move to another worker, about 1/(N+1) of them going from N workers to N+1.
 *
 * What is derived from the slots and not in them (the queues of per-key timers) is built by
 * the new state from the slots on first use, as after a restore. Keyed state that stays where
 * records are read (key_local) is not handed over: it is restored from the store, which
 * refuses it at another worker count.
 *
 * Thread use: the main thread, while no worker runs.
 */
#ifndef MSTR_HANDOVER_H
#define MSTR_HANDOVER_H

#include <stdint.h>

#include "mstr_worker.h"

/* What a handover moved between workers. */
typedef struct mstr_handover_moved {
    uint32_t groups;            /* key groups whose owner changed */
    uint64_t slots;             /* the keyed slots in them, over every operator */
} mstr_handover_moved;

/* Gives the keyed tables of the nfrom workers `from` (closed but for their state; job-wide
 * indexes 0 .. nfrom-1) to their key groups' owners among the workers `to` (all of the job's,
 * made, their keyed tables empty; their owner table says who owns what) and frees the old
 * states. */
mstr_handover_moved mstr_handover(mstr_worker *from, int nfrom, mstr_worker *to);

#endif
