/*
 * mstr_rescale.h - a live rescale of a process's workers: the job goes from N workers to M in
 * each of its processes while it runs, and the workers that go on do not stop for it.
 *
 * The protocol runs in order with the data, as a snapshot's barriers do (mstr_align.h), but
 * writes nothing. The main thread makes the plan (mstr_rescale_new): the new owner table, the
 * links of the M workers (the job makes them: a ring hub, and over several processes a hub of
 * the new layout), where each source partition goes, and a parcel for each key group whose
 * owner changes; it makes the new workers (N .. M-1), which start at once and wait for what
 * they take over, and tells the others (mstr_coord.h), ringing them.
 *
 * Over several processes each process does so for its own workers, in the stages the leader
 * paces (mstr_job.c): a key group and a source partition belong to a process first, at any
 * number of workers per process (mstr_route.h, mstr_place.h), so while the number of processes
 * stays, what moves moves between the workers of one process, by pointer as here; only the
 * links and the cut span the processes (the RESCALE barriers cross the old links, and a worker
 * may get one from another process before its own coordinator asks for the cut: it finds the
 * plan prepared). Indexes below are the process's own (worker i of the process before and
 * after); the job-wide index of a worker changes from p * N + i to p * M + i as it goes on.
 *
 * A worker that hears of the rescale (from the coordinator, or from a RESCALE barrier that
 * arrives first) makes its cut: it stops reading its sources and sends its RESCALE barriers as
 * its exchanges allow. Once aligned (every record sent to it before the cut went through, its
 * own barriers are delivered, nothing waits for room) its state is that of the cut, and it
 * hands off: into the parcels, the tables of its key groups that go to another worker; the
 * partitions that go to another worker, with their positions (they are the same structs); and,
 * for those that take something over, its operators' worker fields and its exchanges'
 * frontiers. A worker that leaves (i >= M) then makes its output durable and ends. One that
 * stays goes on over the new links, routing by the new owner table: no one sends it anything on
 * the old links after their barrier, and it reads nothing from the new ones before its cut.
 *
 * A worker whose partitions stay what they were goes on at once: at the cut every worker
 * holds the same exchange frontiers, so its own are every sender's on the new links, and its
 * epochs are still those of the partitions it reads. If it takes key groups over (of workers
 * that leave), their records wait, in the order they come, until every old worker has handed
 * off (mstr_exchange_hold), and so do the frontiers after its exchanges, which would otherwise
 * pass them; the records of its other key groups go on. It then takes the parcels, and the
 * least fields of its keyed operators over the old workers' and its own (a window's earliest
 * end, say), and the records that waited run, then the frontiers. That changes the order in
 * which it sees records of different key groups, and a sender's epochs among its records, so
 * it does so only when no operator after an exchange acts on that order (order_free in
 * mstr_desc.h: windows, joins and per-key state see the same records either way; an epochs
 * operator, a stateful_op with on_epoch or timers, a ttl_map or an inspect_frontier would
 * not, nor would a window that a record restamped below an epoch reaches); otherwise it starts
 * over.
 * One that starts over (every new worker; a staying one when a partition comes to it or goes
 * from it, its epochs were those of other partitions, or when it takes key groups over and the
 * order matters) waits until every old worker has handed
 * off, takes its parcels and partitions, and starts from the least worker fields and frontiers
 * of the old workers, as a restore at another worker count does (mstr_snapshot.h), so that no
 * record becomes late; records sent to it wait on its new links meanwhile, and every other
 * worker keeps going. Growing, rendezvous hashing moves key groups to the new workers only,
 * and a source made with a partition per worker keeps each partition where it was, so the
 * workers that stay never wait.
 *
 * Another number of processes (under the supervisor, which starts the processes that join:
 * mstr_super.h). Key groups and partitions then move between processes too: growing, only to
 * the new processes (rendezvous hashing over the processes: mstr_route.h), shrinking, only
 * from those that leave; partition k is read in process k mod P, so most partitions change
 * process. A process that joins runs the stages with the others from PREPARE on, with no old
 * workers; one that leaves ends with none. The old workers hand off what goes to another
 * process as they do within it (the tables into their parcels, by pointer: a worker that gives
 * does not stop to copy), and once all have, the main thread encodes it (the tables whole, in
 * the snapshot encodings of their slots; the positions of the partitions, which the process
 * that takes them has opened) and sends it, with the least fields and frontiers of its old
 * workers, over the sessions (HANDOFF, mstr_wire.h; the leader passes on what goes between
 * followers). The main thread of the process that takes it puts it into
 * the new owners' tables and partitions while they wait: every worker that takes something
 * from another process starts over, and every one that starts over waits until everything
 * every other process sends has arrived, so that its least fields and frontiers are those of
 * every old worker of the job. The keys the giving process's store holds of what it sent are
 * deleted by its next snapshot (mstr_coord_drop: a worker that gives may leave), and the
 * taking process writes what it took whole into its own (every slot marked changed). The
 * leader takes a snapshot of the new layout at once, and begins no other rescale before it is
 * committed; the processes that left go then. A loss before that rolls the job back to the
 * last snapshot, of the old layout: the processes that left are still there, and those that
 * joined end (mstr_job.c).
 *
 * Output: file sinks' staging files are per worker and snapshot interval (mstr_sink.h), named
 * by the worker's process and index there, which it keeps; a worker that leaves makes its
 * file of the interval durable, and the next snapshot publishes it with the others; a new
 * worker of its index in the same interval writes on at its end.
 *
 * What cannot be split or merged is refused before a rescale starts (mstr_control.h): keyed
 * state that stays where records are read (key_local) and custom sinks, whose state is the
 * worker's own.
 *
 * Thread use: new, send, receive, the figures and free in the main thread, while the workers
 * run; begin, advance and join in the workers' threads. The plan is read by every worker;
 * what a worker hands off is read by others only after it counted itself as handed off, and
 * what comes from other processes only after the main thread said it is in (release/acquire).
 */
#ifndef MSTR_RESCALE_H
#define MSTR_RESCALE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mstr_channel_ring.h"
#include "mstr_desc.h"
#include "mstr_route.h"
#include "mstr_source.h"
#include "mstr_str.h"
#include "mstr_table.h"

typedef struct mstr_rescale {
    uint64_t number;            /* the RESCALE barriers' value: 1, 2, ... in a round */
    const mstr_job_desc *desc;
    int process;                /* this process */
    int processes_before, workers_before; /* the job's layout before: processes, and workers */
    int processes, workers;     /* in each; and after */
    int from, to;               /* this process's workers before and after (0 if it was not one
                                   of the processes before, or is not one after) */
    mstr_owners was, owners;    /* the job's owner tables before and after */
    mstr_channel **ends;        /* [new worker]: its end of the new links */
    const size_t *partitions;   /* per source: its partition count */
    mstr_partition *parts;      /* the process's partitions (their worker: the old one, until
                                   every worker is through; -1 for one that comes from another
                                   process) */
    size_t nparts;
    int *part_to;               /* per partition: its worker from now on (job-wide) */
    mstr_worker *workers_here;  /* the process's workers, old and new */
    /* Across processes (when their number changes): what goes to process q (the parcels of the
       key groups that go there, the positions of the partitions) is put into outgoing[q] and
       sent by the main thread once every old worker has handed off (mstr_rescale_send); what
       comes from process p is gathered in incoming[p], and put into the workers once whole
       (mstr_rescale_receive). */
    mstr_wbuf *outgoing;        /* [processes] */
    mstr_wbuf drops;            /* the logical keys of what it sent that the process's store
                                   holds (mstr_coord_drop), each after its 4-byte length */
    bool sent;
    mstr_wbuf *incoming;        /* [processes_before] */
    int expected, received;     /* processes that send to this one, and that have */
    mstr_wbuf *remote_fields;   /* [state]: least worker fields of the other processes' old
                                   workers */
    int64_t *remote_frontiers;  /* [exchange]: likewise */
    _Atomic bool remote_taken;  /* everything from the other processes is in the workers */
    bool *starts_over;          /* per new worker: whether it starts from the old workers'
                                   least fields, and so waits for every hand-off */
    bool *takes_groups;         /* per new worker: whether key groups come to it */
    mstr_doorbell *bells;       /* every worker's, old and new */
    mstr_table *parcels;        /* [g * nstates + i]: state i's table of a moving key group */
    mstr_wbuf *fields;          /* [old worker * nstates + i]: its fields of state i */
    int64_t *frontiers;         /* [old worker * nexchanges + x]: its frontier of exchange x */
    _Atomic int handed_off;     /* old workers that have handed off */
    /* What it moved, and how long a worker waited for what it took over: */
    _Atomic uint64_t moved_groups, moved_slots, moved_bytes;
    _Atomic int64_t longest_wait_us;
    _Atomic uint64_t held;      /* records that waited for their key group's state while the
                                   worker taking it over went on */
} mstr_rescale;

/* What a plan is made from. */
typedef struct mstr_rescale_setup {
    uint64_t number;
    const mstr_job_desc *desc;
    int process;
    int processes_before, workers_before, processes, workers;
    uint32_t key_groups;
    mstr_channel *const *ends;  /* [new worker]: its end of the new links (copied) */
    const size_t *partitions;
    mstr_partition *parts;      /* (those that come from another process opened, worker -1) */
    size_t nparts;
    mstr_worker *workers_here;
    mstr_doorbell *bells;       /* at least max(from, to), initialised */
} mstr_rescale_setup;

mstr_rescale *mstr_rescale_new(const mstr_rescale_setup *s);

/* Frees the plan (not the links, which are the job's). */
void mstr_rescale_free(mstr_rescale *r);

/* Worker side: makes w's cut of rescale r (NULL: none asked), unless it has made it. */
void mstr_rescale_begin(mstr_worker *w, mstr_rescale *r);

/* Moves w's part in the rescale it is aligning: sends the barriers it may and, once aligned,
 * hands off and goes on over the new links, or leaves (w->left). Returns true if it did
 * something. */
bool mstr_rescale_advance(mstr_worker *w);

/* A new worker, in its thread before anything else: waits for what it takes over and takes it.
 * Returns false if the job failed meanwhile. */
bool mstr_rescale_join(mstr_worker *w);

/* ---- across processes (the main thread's) ------------------------------------------------ */

/* Sends one piece of what goes to process `to` (last: the piece that ends it). */
typedef void mstr_rescale_send_fn(void *arg, int to, const void *p, size_t n, bool last);

/* Once every old worker of the process has handed off, sends what goes to the other processes
 * (once). Returns whether it has sent. */
bool mstr_rescale_send(mstr_rescale *r, mstr_rescale_send_fn *send, void *arg);

/* A piece of what process `from` sends (last: the one that ends it); once whole, puts it into
 * the workers that take it over, which wait for it. Returns false and sets *error (to free)
 * if it does not decode. */
bool mstr_rescale_receive(mstr_rescale *r, int from, const void *p, size_t n, bool last,
                          char **error);

#endif
