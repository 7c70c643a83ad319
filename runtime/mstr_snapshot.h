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
 *                        malformed records so far, done, the epochs kept for it; a custom
 *                        source's position value)
 *
 * (numbers big-endian, keys in their snapshot encoding), makes its file sinks' output of the
 * interval durable (mstr_sink.h), tells the coordinator it is done, and reads its sources again.
 * Before it writes, it runs its custom sinks' commit for the snapshot before N if it has not yet
 * (N was asked for only once that one was committed) and their prepare for N, so that the sinks'
 * state it writes is the one their prepare left (mstr_sink.h).
 *
 * The shape. The store keeps a description of what the job's state is made of: its key groups,
 * each operator with state by name with what it keeps, the exchanges, the sources with their
 * partition counts (and a custom source's position type) and the sinks. A snapshot restores
 * only into a program whose shape fits: the same exchanges, sources and sinks, and each
 * operator of the snapshot present under its name and keeping the same thing (an operator that
 * the snapshot does not know starts empty). A refusal names the operator and what differs. The
 * key groups and partition counts are the layout the state was created with: a job that
 * restores takes them from the shape (mstr_snapshot_layout), whatever its settings.
 *
 * The processes and workers are not part of the shape, since a live rescale changes them
 * between two snapshots of one store (mstr_rescale.h): each commit record says how many
 * processes and workers per process took its snapshot. A snapshot restores on as many
 * processes (another number needs the state rewritten: mstr_reshard.h), and a process restores its part of a snapshot taken by N
 * workers there into M (its key groups and partitions stay its own at any count of workers per
 * process: mstr_route.h, mstr_place.h). Keyed slots go to their key group's owner among the M (mstr_route.h); source
 * partitions, whose count is kept, to their places among the M (mstr_place.h) with their
 * positions. Each operator's worker fields (epochs, frontiers: all workers downstream of an
 * exchange hold the same ones at a cut) become, on every worker, their least value over the
 * N, and so does each exchange's frontier, every new sender taken to have reached it: the
 * least is what every old worker had passed, so no window fires and no record is late that
 * was not at the cut, and what an operator already sent on is what its exchange already had.
 * An epochs operator fed straight by sources keeps its epochs per partition, in the
 * partition's position, and they go with it; one after an exchange keeps the worker's, and a
 * record that one old worker's epochs had made late there may be taken after the change.
 * Workers whose partitions of a source are all done send its end again, since the new
 * senders' ends are news to their receivers. What belongs to a worker and cannot be split or
 * merged is refused: keyed state that stays where records are read (key_local) and a custom
 * sink's state. Entries of worker fields and frontiers of workers that a later snapshot no
 * longer had are skipped, and so are positions of partitions that another process reads (a
 * live rescale moves a partition to another process without deleting its position here; each
 * snapshot writes every position in the store of the process that reads it then).
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

/* Whether w is between its cut and writing its state, or its cut of a live rescale and its
 * hand-off (mstr_rescale.h): its sources must not be read. */
bool mstr_snapshot_aligning(const mstr_worker *w);

/* The shape of job d with `key_groups` key groups and partitions[i] partitions of source i, as
 * text (to free). */
char *mstr_snapshot_shape(const mstr_job_desc *d, uint32_t key_groups, const size_t *partitions);

/* A hash of the shape of job d without its layout (key groups, partition counts): the
 * processes of a job must run the same program, and one that joins a running job takes the
 * layout from it (mstr_job.c). */
uint64_t mstr_snapshot_fingerprint(const mstr_job_desc *d);

/* The layout of a stored shape: sets *key_groups, and partitions[i] for each source of d that
 * it lists, to what the state was created with. */
void mstr_snapshot_layout(const char *stored, const mstr_job_desc *d, uint32_t *key_groups,
                          size_t *partitions);

/* The logical key of a keyed slot of state `state` (not key_local) in key group `group`, whose
 * key is key (its snapshot encoding, len bytes), into k (emptied first). */
void mstr_snapshot_slot_key(mstr_wbuf *k, size_t state, uint32_t group, const void *key,
                            size_t len);

/* A source partition's position as snapshots keep it, put into b; and put back into p (a
 * partition of the same source, open), which seeks its file there. Returns false and sets
 * *error if value does not decode or the file cannot be read from there. */
void mstr_snapshot_put_position(const mstr_job_desc *d, const mstr_partition *p, mstr_wbuf *b);
bool mstr_snapshot_take_position(const mstr_job_desc *d, mstr_partition *p, mstr_rbuf *value,
                                 char **error);

/* Whether a stored shape was written by this version of the runtime; if not, sets *error. */
bool mstr_snapshot_same_version(const char *stored, char **error);

/* Whether sd's state can go to another number of workers: not keyed state kept where records
 * are read (key_local), nor a custom sink's state, which belong to their worker. If not, sets
 * *why to say so (freeing what it held) and returns false. */
bool mstr_snapshot_movable(const mstr_state_desc *sd, char **why);

/* Keeps, in least, the least of each time in value and least (both a row of int64s, as the
 * worker fields of an operator without a custom sink's state are). Returns false if value is
 * not such a row as long as least (or least is empty: then it takes value). */
bool mstr_snapshot_merge_least(mstr_wbuf *least, const mstr_rbuf *value);

/* Checks a snapshot's shape (stored) against the program's (ours). Returns false and sets *error
 * (a message to free, naming what differs) if the snapshot does not fit. On success map[i] is
 * the index in d->states of the snapshot's i-th operator with state (map has room for as many
 * as the stored shape lists; *nmap gets the count). */
bool mstr_snapshot_fits(const char *stored, const char *ours, const mstr_job_desc *d,
                        size_t *map, size_t max, size_t *nmap, char **error);

/* Restores committed snapshot c into the n workers (made, not started) and the partitions (open)
 * of a job's process (its part of the snapshot, in its own store), c->workers of them or any
 * number (see Another worker count); map is from mstr_snapshot_fits;
 * *entries gets how many entries it read. Returns false and sets *error if the snapshot was
 * taken on another number of processes, fails its checks, does not decode or cannot go to n
 * workers (the workers' state is then partly
 * restored: start them over). */
bool mstr_snapshot_restore(mstr_store *s, const mstr_commit *c, mstr_worker *workers, int n,
                           mstr_partition *parts, size_t nparts, const size_t *map, size_t nmap,
                           uint64_t *entries, char **error);

#endif
