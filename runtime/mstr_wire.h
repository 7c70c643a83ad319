/*
 * mstr_wire.h - the messages processes of a job send each other: on the exchange streams,
 * batches one way and credits back; on the coordination streams between the leader (process 0)
 * and each other process, the snapshot protocol. Every message is one gRPC message (mstr_net.h)
 * starting with its kind; numbers are little-endian (mstr_codec.h).
 *
 *   HELLO      process, processes, workers per process, fingerprint, round, layout
 *                                          first on every stream (layout: exchange streams'
 *                                          links in the round: 0, then one more at each live
 *                                          rescale)
 *   BATCH      from, to, exchange, records, ctl kind, ctl value, marks (count, then
 *              (records, epoch) x count), data                    an exchange batch
 *   CREDIT     (sender, receiver, batches) x any                 room returned to senders
 *   RESTORE    snapshot, round, workers, processes, peers   leader: restore it (0: start
 *                                          fresh) for this round, on this many processes (their
 *                                          addresses, comma-separated) of this many workers
 *   RESTORED   snapshot, ok, message       follower: how that went
 *   GO         snapshot                    leader: run from the snapshot restored
 *   REQUEST    snapshot, final, stop at cut    leader: take this snapshot (stop at cut: the
 *                                          workers stop at its cut, as for a rescale)
 *   DONE       snapshot, entries, hash, bytes   follower: took it (its part is durable)
 *   COMMITTED  snapshot, oldest            leader: committed; keep nothing older than oldest
 *   FINISHED   -                           follower: its workers' input is exhausted
 *   STOP       left                        leader: stop (after the last snapshot), or (left)
 *                                          go: the process left the job in a live rescale;
 *                                          follower: a signal asks the job to stop
 *   STOPPED    -                           follower: stopping; what ends now is no loss
 *   STATS      figures                     follower: its figures (mstr_stats.h), every second
 *   CONTROL    call, id                    follower: a control call to answer (mstr_control.h)
 *   ANSWER     code, id, reply or why      leader: the answer to the follower's call id
 *   RESCALE    number, stage, workers, processes, workers and processes before, round, layout,
 *              last, shape, peers
 *                                          leader: a live rescale to this many processes of
 *                                          this many workers (mstr_rescale.h), at stage PREPARE,
 *                                          CONNECT or CUT; a process that joins takes the
 *                                          round, its current layout, the last snapshot
 *                                          committed and the shape (key groups, partitions)
 *                                          from PREPARE
 *   RESCALED   number, stage               follower: done with that stage (CUT: its workers
 *                                          are through)
 *   HANDOFF    number, to, from, last, bytes   either: a piece of the state process `from`
 *                                          hands to process `to` in a live rescale that
 *                                          changes the processes (the leader passes on what is
 *                                          not its own)
 *   FAILED     message                     either: the job fails
 *
 * Decoding checks bounds and kinds: a message that does not decode is refused, never trusted.
 */
#ifndef MSTR_WIRE_H
#define MSTR_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mstr_codec.h"
#include "mstr_xbatch.h"

typedef enum mstr_wire_kind {
    MSTR_WIRE_HELLO = 1, MSTR_WIRE_BATCH, MSTR_WIRE_CREDIT, MSTR_WIRE_RESTORE,
    MSTR_WIRE_RESTORED, MSTR_WIRE_GO, MSTR_WIRE_REQUEST, MSTR_WIRE_DONE, MSTR_WIRE_COMMITTED,
    MSTR_WIRE_FINISHED, MSTR_WIRE_STOP, MSTR_WIRE_STOPPED, MSTR_WIRE_STATS, MSTR_WIRE_CONTROL,
    MSTR_WIRE_ANSWER, MSTR_WIRE_RESCALE, MSTR_WIRE_RESCALED, MSTR_WIRE_FAILED,
    MSTR_WIRE_HANDOFF,
} mstr_wire_kind;

/* The stages of a live rescale over processes (RESCALE's value; mstr_job.c). */
typedef enum mstr_wire_stage {
    MSTR_STAGE_PREPARE = 1,     /* make the plan, the new workers and the new links' hub */
    MSTR_STAGE_CONNECT,         /* every process has its hub: connect to theirs */
    MSTR_STAGE_CUT,             /* every process is connected: the workers make their cut */
} mstr_wire_stage;

typedef struct mstr_wire_hello {
    uint32_t process, processes, workers;
    uint64_t fingerprint;       /* of the job's shape: peers must run the same program */
    uint64_t round;             /* exchange streams: the round they belong to (mstr_cluster.h) */
    uint64_t layout;            /* and which of the round's links they are (mstr_job.c) */
} mstr_wire_hello;

/* A coordination message: the fields its kind uses. */
typedef struct mstr_wire_coord {
    mstr_wire_kind kind;
    uint64_t snapshot;          /* CONTROL: the call; ANSWER: the gRPC status code; RESCALE,
                                   RESCALED, HANDOFF: the rescale's number */
    bool flag;                  /* REQUEST: final; RESTORED: ok; HANDOFF: last */
    uint64_t value;             /* RESTORE: the round; COMMITTED: the oldest snapshot kept;
                                   CONTROL, ANSWER: the call's id; REQUEST: 1 if the workers
                                   stop at its cut; RESCALE, RESCALED: the stage; HANDOFF: the
                                   process it goes to */
    uint32_t workers;           /* RESTORE, RESCALE: workers per process */
    uint32_t processes;         /* RESTORE, RESCALE: processes; HANDOFF: the one it comes from */
    uint32_t was_workers, was_processes; /* RESCALE: the layout before */
    uint64_t round, layout, last; /* RESCALE: what a process that joins takes, */
    const char *shape;          /* and the job's shape, whose layout it takes (decoding: points
                                   into the message) */
    size_t shape_len;
    uint64_t entries, hash, bytes;
    const char *message;        /* RESTORED, FAILED: text; STATS: the encoded figures; ANSWER:
                                   the reply, or why not; RESTORE, RESCALE: the peers; HANDOFF:
                                   the bytes (decoding: points into the message) */
    size_t message_len;
} mstr_wire_coord;

/* The kind of message p (0 if it has none). */
mstr_wire_kind mstr_wire_kind_of(const unsigned char *p, size_t n);

void mstr_wire_put_hello(mstr_wbuf *b, const mstr_wire_hello *h);
bool mstr_wire_get_hello(const unsigned char *p, size_t n, mstr_wire_hello *h);

/* A batch's frame is its head then its data: this puts the head. */
void mstr_wire_put_batch_head(mstr_wbuf *b, const mstr_xbatch *x);
/* Decodes a batch frame into x (its data copied into x->data). */
bool mstr_wire_get_batch(const unsigned char *p, size_t n, mstr_xbatch *x);

/* Credits: start a message, add (sender, receiver, batches) entries, done. */
void mstr_wire_put_credit_start(mstr_wbuf *b);
void mstr_wire_put_credit(mstr_wbuf *b, uint32_t sender, uint32_t receiver, uint32_t batches);
/* Calls fn for each entry of a credit message; false if it does not decode. */
bool mstr_wire_get_credits(const unsigned char *p, size_t n,
                           void (*fn)(void *arg, uint32_t sender, uint32_t receiver,
                                      uint32_t batches),
                           void *arg);

void mstr_wire_put_coord(mstr_wbuf *b, const mstr_wire_coord *c);
bool mstr_wire_get_coord(const unsigned char *p, size_t n, mstr_wire_coord *c);

#endif
