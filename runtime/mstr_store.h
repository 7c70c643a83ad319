/*
 * mstr_store.h - a process's snapshot store: one LevelDB database in the state directory that
 * holds every piece of state the snapshots wrote, with the snapshot that wrote it, the commit
 * records, the job's shape and what the file sinks held as each snapshot was published.
 *
 * Entries. A piece of state has a logical key (what it is: a keyed slot of an operator in a key
 * group, a worker's fields, a source partition's position; mstr_snapshot.h builds them) and is
 * stored under that key followed by the number of the snapshot that wrote it, so that one key
 * has a version per snapshot that changed it. Snapshots are incremental: a snapshot writes only
 * what changed since the one before, and a tombstone (a version that says "gone") for what
 * went. Restoring snapshot N takes, for every logical key, the newest version written by a
 * snapshot <= N, and skips it if it is a tombstone: the composition of every snapshot up to N.
 *
 * Checks. Every entry carries a hash of its key and value. A commit record holds the count and
 * the summed hashes of the entries its snapshot wrote, and a hash of itself. Restoring N checks
 * the hash of every entry it uses and that the entries of N add up to N's record: a snapshot
 * that was only partly written, or whose files were truncated or changed, is refused, and the
 * caller tries the one before.
 *
 * Commit. The entries of a snapshot are written without syncing; its commit record is written
 * with a sync, which makes everything before it durable too (LevelDB's log is written in
 * order). A snapshot is committed exactly when its record is in the store.
 *
 * Garbage. Versions that no kept snapshot can need are deleted (mstr_store_collect): the
 * versions the kept snapshots wrote stay (a restore checks them all), and of the versions a key
 * has below the oldest kept snapshot only the newest, and not even that if it is a tombstone.
 *
 * Thread use: one thread at a time per store (the coordinator writes; the main thread opens,
 * restores and closes). Batches are built by any thread and handed over.
 */
#ifndef MSTR_STORE_H
#define MSTR_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mstr_store mstr_store;

/* Opens the store in directory dir, creating it if needed. Returns NULL and sets *error (a
 * message to free) if it cannot. */
mstr_store *mstr_store_open(const char *dir, char **error);

/* Closes s (NULL is ignored). What LevelDB holds in memory (the writes since its last table
 * file) goes to a table file first: otherwise the next open reads it back from LevelDB's log and
 * writes the table file then (0.1 s for a 7 MB log, 0.2-0.3 s for a rewritten store of 300,000
 * entries). A store that is not closed (the process was killed) holds its newest snapshots in
 * the log. */
void mstr_store_close(mstr_store *s);

/* Deletes the store in dir and everything in it. Returns false and sets *error if it cannot. */
bool mstr_store_destroy(const char *dir, char **error);

/* ---- writing snapshots ---------------------------------------------------------------------- */

/* Entries of one snapshot, written together. */
typedef struct mstr_store_batch mstr_store_batch;

mstr_store_batch *mstr_store_batch_new(uint64_t snapshot);
void mstr_store_batch_free(mstr_store_batch *b);

/* Adds the version of logical key lkey written by the batch's snapshot: value, or (drop) a
 * tombstone. */
void mstr_store_batch_put(mstr_store_batch *b, const void *lkey, size_t klen, const void *value,
                          size_t vlen);
void mstr_store_batch_drop(mstr_store_batch *b, const void *lkey, size_t klen);

/* Bytes the batch holds, entries in it, and the sum of their hashes. */
size_t mstr_store_batch_bytes(const mstr_store_batch *b);
uint64_t mstr_store_batch_entries(const mstr_store_batch *b);
uint64_t mstr_store_batch_hash(const mstr_store_batch *b);

/* Writes the batch (not synced; see Commit). Returns false and sets *error if it cannot. */
bool mstr_store_write(mstr_store *s, mstr_store_batch *b, char **error);

/* What a snapshot wrote, and when it was committed. */
typedef struct mstr_commit {
    uint64_t snapshot;
    uint64_t entries;       /* entries it wrote, tombstones included */
    uint64_t hash;          /* the sum of their hashes */
    uint64_t bytes;
    int64_t time_ms;        /* when it was committed, ms since the epoch */
    int processes;          /* how many processes took it, each writing its part to its own
                               store */
    int workers;            /* how many workers took it in each */
    bool final;             /* taken when the job ended: everything is in it */
} mstr_commit;

/* Batches of one snapshot on their way from the threads that fill them to the one that writes
 * them, in order. The caller keeps it behind a lock, and takes the whole queue out at once. */
typedef struct mstr_store_queue {
    mstr_store_batch **batches;
    size_t n, cap;
} mstr_store_queue;

void mstr_store_queue_push(mstr_store_queue *q, mstr_store_batch *b);

/* Writes q's batches in order, adds what each holds to c (entries, hash, bytes: what c's commit
 * record is to say), frees them and empties q. A batch after one that could not be written, or
 * every batch if skip (the snapshot failed already), is counted and freed but not written.
 * Returns false and sets *error (to free) after the first that could not be written. */
bool mstr_store_write_queue(mstr_store *s, mstr_store_queue *q, mstr_commit *c, bool skip,
                            char **error);

/* Frees q's batches, unwritten. */
void mstr_store_queue_free(mstr_store_queue *q);

/* Commits c's snapshot: writes its record with a sync. Returns false and sets *error if it
 * cannot (the snapshot is then not committed). */
bool mstr_store_commit(mstr_store *s, const mstr_commit *c, char **error);

/* Fills out[0 .. max) with the commit records whose own hash checks, newest first; returns how
 * many there are (up to max). */
size_t mstr_store_commits(mstr_store *s, mstr_commit *out, size_t max);

/* ---- restoring -------------------------------------------------------------------------------- */

/* Called with each piece of state a restore uses: its logical key and value. Returns false to
 * stop the restore. */
typedef bool mstr_store_visit_fn(void *arg, const unsigned char *lkey, size_t klen,
                                 const unsigned char *value, size_t vlen);

/* Visits the state of c's snapshot: for every logical key, the newest version a snapshot <=
 * c->snapshot wrote, unless that is a tombstone (see Checks). Returns false and sets *error if
 * an entry fails its hash, the entries of the snapshot do not add up to c, the store cannot be
 * read, or visit stops it. */
bool mstr_store_restore(mstr_store *s, const mstr_commit *c, mstr_store_visit_fn *visit,
                        void *arg, char **error);

/* Deletes what snapshots after `last` wrote, and their commit and publication records: what a
 * run that crashed (or a snapshot that turned out unusable) left behind, before a job goes on
 * from `last` (0: from nothing) and numbers its snapshots after it. Returns false and sets
 * *error if it cannot. */
bool mstr_store_discard_after(mstr_store *s, uint64_t last, char **error);

/* ---- the rest --------------------------------------------------------------------------------- */

/* Deletes the versions, commit records and publication records no snapshot from `oldest` on
 * needs (see Garbage), and sets *kept to the bytes of what stays. Returns false and sets *error
 * if it cannot (nothing needed is lost either way). */
bool mstr_store_collect(mstr_store *s, uint64_t oldest, uint64_t *kept, char **error);

/* The job's shape as text (which operators keep what state; mstr_snapshot.c writes it), stored
 * once with the first snapshot. get returns it (a string to free), or NULL if there is none, or
 * NULL after setting *error if the store cannot be read. */
bool mstr_store_put_shape(mstr_store *s, const char *shape, char **error);
char *mstr_store_get_shape(mstr_store *s, char **error);

/* What the file sinks held once a snapshot was published: each sink's file length, recorded
 * per snapshot, so that a job that falls back to an older snapshot than the last one published
 * (the newer ones turned out unusable) can cut its files back to that one's output. get finds
 * the newest record of a snapshot <= at_most; it returns false if there is none (or it does
 * not check, or holds another number of sinks). Records of snapshots after the one a job goes
 * on from are deleted with mstr_store_discard_after, and older than the oldest kept snapshot
 * with mstr_store_collect. */
bool mstr_store_put_published(mstr_store *s, uint64_t snapshot, const uint64_t *lengths,
                              size_t n, char **error);
bool mstr_store_get_published(mstr_store *s, uint64_t at_most, uint64_t *snapshot,
                              uint64_t *lengths, size_t n);

#endif
