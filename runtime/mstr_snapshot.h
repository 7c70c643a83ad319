/*
 * mstr_snapshot.h - what a snapshot holds and how it is taken and put back: a worker's part in
 * taking one, the pieces of state it writes to the store, the job's shape that a snapshot must
 * fit, and restoring a committed snapshot into the workers of a job that is about to start.
 *
 * A worker's part (ABS, mstr_align.h). When it learns of snapshot N (from the coordinator, or
 * from a barrier that arrives first) it stops reading its sources: that is its cut. It goes on
 * receiving, sends its barriers as its exchanges allow, and once every exchange is aligned its
 * whole state is that of the cut. It then writes, in batches handed to the coordinator:
 *
 *   K op group key       a slot of an operator's keyed state that changed since the worker's
 *                        last snapshot (its value), or a tombstone for one that went
 *   L op worker group key  the same for state that stays where records are read (key_local)
 *   W worker op          the worker's fields of an operator (epochs, frontiers)
 *   X worker             the frontiers of the worker's exchanges
 *   P source partition   a source partition's position (next record, byte offset, line,
 *                        malformed records so far, done; a custom source's position value)
 *
 * (numbers big-endian, keys in their snapshot encoding), makes its file sinks' output of the
 * interval durable (mstr_sink.h), tells the coordinator it is done, and reads its sources again.
 * Before it writes, it runs its custom sinks' commit for the snapshot before N if it has not yet
 * (N was asked for only once that one was committed) and their prepare for N, so that the sinks'
 * state it writes is the one their prepare left (mstr_sink.h).
 *
 * The shape. The store keeps a description of what the job's state is made of: its key groups,
 * processes and workers, each operator with state by name with what it keeps, the exchanges,
 * the sources with their partition counts (and a custom source's position type) and the sinks.
 * A snapshot restores only into a program whose shape fits: the same key groups, processes and
 * workers, the same exchanges, sources and sinks, and each operator of the snapshot present
 * under its name and keeping the same thing (an operator that the snapshot does not know starts
 * empty). A refusal names the operator and what differs.
 *
 * Thread use: begin and advance run in the worker's thread; the rest in the main thread before
 * the workers start.
 */
#ifndef MSTR_SNAPSHOT_H
#define MSTR_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mstr_desc.h"
#include "mstr_source.h"
#include "mstr_store.h"

/* Starts snapshot n at worker w (its cut), unless w has taken it or is taking it. */
void mstr_snapshot_begin(mstr_worker *w, uint64_t n);

/* Moves w's part in the snapshot it is taking: sends the barriers it may, and once every
 * exchange is aligned writes its state and tells the coordinator. Returns true if it wrote. */
bool mstr_snapshot_advance(mstr_worker *w);

/* Whether w is between its cut and writing its state (its sources must not be read). */
bool mstr_snapshot_aligning(const mstr_worker *w);

/* The shape of job d run on `processes` processes with `workers` workers in all and
 * `key_groups` key groups, as text (to free). */
char *mstr_snapshot_shape(const mstr_job_desc *d, int processes, int workers,
                          uint32_t key_groups);

/* Checks a snapshot's shape (stored) against the program's (ours). Returns false and sets *error
 * (a message to free, naming what differs) if the snapshot does not fit. On success map[i] is
 * the index in d->states of the snapshot's i-th operator with state (map has room for as many
 * as the stored shape lists; *nmap gets the count). */
bool mstr_snapshot_fits(const char *stored, const char *ours, const mstr_job_desc *d,
                        size_t *map, size_t max, size_t *nmap, char **error);

/* Restores committed snapshot c into the workers (made, not started) and the partitions (open)
 * of a job's process (its part of the snapshot, in its own store); map is from
 * mstr_snapshot_fits; *entries gets how many entries it read. Returns false and sets *error if
 * the snapshot fails its checks or does not decode (the workers' state is then partly restored:
 * start them over). */
bool mstr_snapshot_restore(mstr_store *s, const mstr_commit *c, mstr_worker *workers, int n,
                           mstr_partition *parts, size_t nparts, const size_t *map, size_t nmap,
                           uint64_t *entries, char **error);

#endif
