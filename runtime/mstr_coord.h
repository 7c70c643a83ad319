/*
 * mstr_coord.h - the snapshot coordinator: the thread of a job that asks its workers for
 * snapshots, writes what they hand over to the store, commits each snapshot once every worker
 * has taken it, publishes the file sinks' output of a committed snapshot, and decides when the
 * job stops.
 *
 * A snapshot, from the coordinator's side: it asks for snapshot N (every snapshot_every, at
 * the end of the input, or on SIGINT/SIGTERM) and rings every worker; each worker takes its
 * part (mstr_snapshot.h) and hands over its entries in batches, then says it is done; the
 * coordinator writes the batches as they come, and when every worker is done writes N's commit
 * record with a sync: N is committed. Then the file sinks' output of N becomes part of the
 * output files (mstr_sink.h), the workers are told (each runs its custom sinks' commit for N in
 * its own thread), and old snapshots are collected.
 *
 * The end of a job: a worker whose input is exhausted says it has finished, and waits. Once
 * every worker has, the coordinator takes a last snapshot (which commits everything) and tells
 * the workers to stop. On SIGINT or SIGTERM it does the same without waiting for the input to
 * end: the job stops with its state in a snapshot, to be resumed later. The workers stop at
 * the last snapshot's cut (having written their part, they do nothing more), so that what a
 * resume does after that cut, stdout included, was not done before the stop. A failure (an
 * operator's fail(), a snapshot that cannot be written) stops everything at once and commits
 * nothing. Without a state directory there are no snapshots: the job stops when every worker
 * has finished, or at once on a signal.
 *
 * Over several processes (mstr_cluster.h) the leader's coordinator runs the job's snapshots:
 * it asks every follower for snapshot N along with its own workers; each follower's coordinator
 * has its workers take N, writes their part into its own store, commits that part (a record in
 * its store, synced) and answers DONE; once every process is done the leader writes N's commit
 * record (the commit of the job) and publishes the file sinks' output, then tells the followers
 * N is committed, and which snapshots they may collect. A follower tells the leader when its
 * input is exhausted and when a signal asks the job to stop; the leader decides the end and
 * tells the followers to stop; each says it is stopping, and keeps its streams until the leader
 * has heard from all, so that no process mistakes another's exit for a loss. A failure
 * anywhere fails the job everywhere; the loss of a process (events posted by the cluster) ends
 * the round instead, and the job rolls back (mstr_job.c).
 * A live rescale (mstr_rescale.h) comes between snapshots: the leader's coordinator returns for
 * it, and over processes tells the followers, whose coordinators return too; its stages then
 * go over the sessions (mstr_coord_rescale_say, _await), and a follower says its workers'
 * FINISHED again after it, as they do. One that changes the processes sends the state that
 * goes from process to process over the sessions too (HANDOFF: the leader passes on what goes
 * between followers), takes the snapshot of the new layout at once, and lets the processes that
 * left go once it is committed (STOP with its flag: they leave, and their sessions' end is no
 * loss).
 *
 * Thread use: the coordinator runs in the job's main thread; workers call the worker-side
 * functions from their threads, the network thread mstr_coord_post.
 */
#ifndef MSTR_COORD_H
#define MSTR_COORD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "mstr_control.h"
#include "mstr_fail.h"
#include "mstr_ring.h"
#include "mstr_sink.h"
#include "mstr_store.h"
#include "mstr_wire.h"

struct mstr_cluster;

typedef enum mstr_coord_role {
    MSTR_COORD_ALONE,           /* the job's only process */
    MSTR_COORD_LEADER,          /* process 0 of several */
    MSTR_COORD_FOLLOWER,        /* any other */
} mstr_coord_role;

/* What the cluster tells the coordinator. */
typedef enum mstr_event_kind {
    MSTR_EVENT_MESSAGE,         /* a coordination message from `process` */
    MSTR_EVENT_JOINED,          /* leader: `process` joined the round */
    MSTR_EVENT_LOST,            /* `process` was lost to the round (why says how) */
    MSTR_EVENT_CONTROL,         /* a control call came in on `stream` (mstr_control.h) */
} mstr_event_kind;

typedef struct mstr_coord_event {
    mstr_event_kind kind;
    int process;
    mstr_wire_coord m;          /* MESSAGE; its message points into text */
    char *text;                 /* MESSAGE: a copy of m's message; LOST: why */
    char *shape;                /* MESSAGE: a copy of m's shape */
    mstr_control_call call;     /* CONTROL, and its argument */
    uint32_t arg;
    struct mstr_stream *stream;
    struct mstr_coord_event *next;
} mstr_coord_event;

/* What a coordinator is made from, for the life of the job. */
typedef struct mstr_coord_setup {
    mstr_coord_role role;
    struct mstr_cluster *cluster; /* NULL when alone */
    mstr_control *control;      /* the control API's calls and the progress line */
    mstr_meter *meter;          /* told of every snapshot */
    int process;                /* this process */
    int followers;              /* processes other than the leader (mstr_coord_set_followers
                                   changes them) */
    mstr_store *store;          /* NULL without a state directory */
    mstr_sink_set *sinks;
    int64_t every_ms;           /* snapshot interval; 0: only the last one */
    int keep;                   /* committed snapshots kept */
    int64_t commit_sleep_ms;    /* test hook: pauses around each commit and after the ending
                                   mark (mstr_settings.h) */
    int64_t request_sleep_ms;   /* test hook: a follower's pause before a snapshot requested */
    const char *ending_mark;    /* a file the leader makes once the job's last snapshot is
                                   committed, before it tells the others to stop (the
                                   supervisor's: mstr_super.h), or NULL */
} mstr_coord_setup;

typedef struct mstr_coord {
    _Atomic uint64_t requested; /* the snapshot workers are asked to take (0: none yet) */
    _Atomic bool stop;          /* workers stop once they have taken `requested` */
    _Atomic uint64_t stop_cut;  /* workers stop once they have taken this snapshot, the job's
                                   last (0: none); set before `requested` reaches it, so that no
                                   worker goes on past its cut however late `stop` comes */
    _Atomic uint64_t committed; /* the last snapshot committed and published (or restored);
                                   set before `requested` moves past it and before `stop` */
    _Atomic uint64_t rescale_number; /* the last live rescale of the round whose cut is asked
                                   for (0: none) */
    struct mstr_rescale *_Atomic rescale; /* and the plan while it is under way (mstr_rescale.h),
                                   set before the number (over processes, before any process
                                   asks for the cut, so that a worker that gets the rescale's
                                   barrier from another process first finds it); NULL once
                                   every worker is through */
    pthread_mutex_t lock;       /* around the rest, up to `setup` */
    pthread_cond_t changed;     /* a batch, a worker done or finished, a signal, an event */
    mstr_store_queue queue;     /* batches handed over, not yet written */
    int done;                   /* workers that took snapshot done_of */
    uint64_t done_of;
    int finished;               /* workers whose input is exhausted */
    int switched;               /* workers through the live rescale under way (mstr_rescale.h):
                                   old ones that went on or left, new ones that joined */
    int signal;                 /* SIGINT or SIGTERM received, or 0 */
    mstr_coord_event *events;   /* posted, not yet handled, oldest first */
    mstr_coord_event **events_end;
    bool closing;               /* the job is over: the signal thread ends */
    /* The coordinator's alone: */
    mstr_coord_setup setup;
    int workers;                /* this round's (its live rescales change them), and their
                                   doorbells and failure */
    mstr_doorbell *bells;
    mstr_failure *failure;
    int peers_done;             /* leader: followers done with the snapshot being taken */
    bool *peer_finished;        /* leader: [process]: its input is exhausted (as it said since
                                   its last live rescale, after which its workers say again) */
    int peers_finished;         /* leader: how many */
    uint64_t rescale_asked;     /* over processes: the live rescale the leader asked for, */
    mstr_wire_stage rescale_stage; /* and the last stage of it it said */
    int peers_staged;           /* leader: followers done with that stage */
    bool layout_unsaved;        /* leader: a live rescale changed the processes, and no
                                   snapshot of the new layout is committed yet: one is taken at
                                   once, and no other rescale begins before it */
    int leaving_from, leaving_to; /* leader: the processes that left the job in it, let go once
                                   that snapshot is committed */
    bool left;                  /* follower: it left the job (the leader let it go) */
    mstr_wbuf drops;            /* logical keys the next snapshot deletes from the store (each
                                   after its 4-byte length): of keyed slots a live rescale sent
                                   to other processes */
    bool stop_asked;            /* leader: a follower passed on a signal */
    bool ending;                /* the job is over: a process that goes now is no loss */
    int peers_stopped;          /* leader: followers that know it is over (or went) */
    uint64_t request;           /* follower: the snapshot the leader asks for (0: none) */
    bool request_final;
    bool told_to_stop;          /* follower: the leader said stop */
    bool stop_at_cut;           /* the snapshot asked for is the job's last (it ends, or its
                                   processes start again on another layout after a rescale):
                                   the workers stop once they have written their part, doing
                                   nothing after the cut, so that a resume does not do it, or
                                   print it, again */
    uint64_t last;              /* the last snapshot committed (or restored) */
    int rescale_to;             /* mstr_coord_run returned for a live rescale to this many workers
                                   per process (0: it did not): asked by a Rescale call, or over
                                   processes by the leader */
    int rescale_processes;      /* and to this many processes */
    char *rescale_peers;        /* follower: their addresses, as the leader said them */
    uint64_t taken;             /* snapshots committed by this run */
    uint64_t entries, bytes;    /* written by this run (every process's) */
    int64_t last_ms;            /* how long the last snapshot took, request to commit */
    uint64_t written, collect_at; /* bytes written since the last collection, and when next */
    pthread_t signal_thread;
    bool watching;
} mstr_coord;

/* Sets up the coordinator of a job. */
void mstr_coord_init(mstr_coord *c, const mstr_coord_setup *s);
void mstr_coord_free(mstr_coord *c);

/* The job runs on followers + 1 processes from now on (its snapshots' commit records say so;
 * the leader waits for that many followers). */
void mstr_coord_set_followers(mstr_coord *c, int followers);

/* Starts a round of `workers` workers (bells[i] is worker i's doorbell) restored from snapshot
 * last (0 if none). */
void mstr_coord_begin_round(mstr_coord *c, int workers, mstr_doorbell *bells,
                            mstr_failure *failure, uint64_t last);

/* Holds SIGINT and SIGTERM back (blocks them in the calling thread) until
 * mstr_coord_watch_signals takes them: a job that gets one while it opens its store and
 * restores its state then stops with a snapshot once it has started, instead of dying of it. */
void mstr_coord_hold_signals(void);

/* Makes SIGINT and SIGTERM reach the coordinator instead of killing the process: blocks them in
 * the calling thread (and the threads it starts after this) and waits for them in a thread of
 * its own. Call before starting any other thread. */
void mstr_coord_watch_signals(mstr_coord *c);

/* The signal that asked the job to stop, or 0. */
int mstr_coord_signal(mstr_coord *c);

/* Runs the round's snapshots until it stops (see above), then stops the workers; or until a
 * Rescale call asks for other workers per process (over processes the leader then asks the
 * followers): it then returns with c->rescale_to set, the workers running, for a live rescale
 * (mstr_coord_prepare_rescale). Returns the signal that stopped it, or 0. */
int mstr_coord_run(mstr_coord *c);

/* ---- a live rescale (mstr_rescale.h) --------------------------------------------------- */

/* After mstr_coord_run returned with c->rescale_to set: r is the rescale's plan (a worker that
 * gets its barrier finds it); its number, on the leader or alone c->rescale_number + 1, on a
 * follower the leader's. */
void mstr_coord_prepare_rescale(mstr_coord *c, struct mstr_rescale *r);

/* The number a prepared rescale gets. */
uint64_t mstr_coord_rescale_number(const mstr_coord *c);

/* Leader, before a live rescale that brings processes in: waits until every follower has
 * joined (handling events meanwhile). Returns false, the process counted as lost, if one does
 * not within a while. */
bool mstr_coord_await_joined(mstr_coord *c);

/* Leader, after a live rescale that changed the processes (and took processes from .. to - 1
 * out of the job, if from < to): takes a snapshot of the new layout at once, and once it is
 * committed tells those that left to go (STOP: they leave) and no longer hears from them.
 * (Nothing on a follower.) */
void mstr_coord_leaving(mstr_coord *c, int from, int to);

/* The next snapshot deletes the logical keys in keys (each after its 4-byte length) from this
 * process's store: what its workers sent to other processes in a live rescale. */
void mstr_coord_drop(mstr_coord *c, const mstr_wbuf *keys);

/* The workers make their cut of the prepared rescale; they are rung. */
void mstr_coord_begin_rescale(mstr_coord *c);

/* Over processes: the leader tells every follower that rescale m->snapshot (to m->processes of
 * m->workers, and what a process that joins takes: mstr_wire.h) is at stage m->value; a
 * follower tells the leader that it is done with that stage. */
void mstr_coord_rescale_say(mstr_coord *c, const mstr_wire_coord *m);

/* Over processes: the leader waits until every follower is done with stage s of rescale n, a
 * follower until the leader says n is at stage s. Returns false if the job failed meanwhile
 * (a process was lost, say). */
bool mstr_coord_rescale_await(mstr_coord *c, uint64_t n, mstr_wire_stage s);

/* Waits until `workers` workers are through it (handling control calls meanwhile), sending
 * what the process hands to others once its old workers have handed off, and taking what
 * comes from others (mstr_rescale_send, _receive). Returns false if the job failed meanwhile. */
bool mstr_coord_await_rescale(mstr_coord *c, int workers);

/* The round goes on with `workers` workers (their doorbells still c->bells); call
 * mstr_coord_run again. */
void mstr_coord_end_rescale(mstr_coord *c, int workers);

/* Prints what the snapshots of this run took, for the summary (nothing without a store, nor
 * on a follower). */
void mstr_coord_report(const mstr_coord *c);

/* ---- events --------------------------------------------------------------------------------- */

/* Posts an event (network thread): m (copied) for MESSAGE, why (copied) for LOST. */
void mstr_coord_post(mstr_coord *c, mstr_event_kind kind, int process, const mstr_wire_coord *m,
                     const char *why);

/* Posts a control call that came in on s, with its argument (network thread). */
void mstr_coord_post_control(mstr_coord *c, mstr_control_call call, uint32_t arg,
                             struct mstr_stream *s);

/* Hands e to the control if it is one of its: a call, or a control message. Returns whether it
 * was (then it is dealt with). For those who wait for events outside mstr_coord_run. */
bool mstr_coord_control_event(mstr_coord *c, const mstr_coord_event *e);

/* Takes the oldest event into *e (free it with mstr_coord_event_free), waiting up to
 * timeout_ms. Returns false if none came in time, or a signal came. */
bool mstr_coord_next_event(mstr_coord *c, mstr_coord_event **e, int64_t timeout_ms);

void mstr_coord_event_free(mstr_coord_event *e);

/* Drops every event not handled yet (those of a round that ended), but control calls, which
 * go to the control. */
void mstr_coord_clear_events(mstr_coord *c);

/* ---- worker side ---------------------------------------------------------------------------- */

static inline uint64_t mstr_coord_requested(mstr_coord *c)
{
    return atomic_load(&c->requested);
}

static inline bool mstr_coord_stopping(mstr_coord *c)
{
    return atomic_load(&c->stop);
}

/* Whether a worker that has taken snapshot `last` has reached the cut it stops at. */
static inline bool mstr_coord_at_stop_cut(mstr_coord *c, uint64_t last)
{
    uint64_t cut = atomic_load(&c->stop_cut);
    return cut != 0 && last >= cut;
}

/* The last snapshot committed: the workers' custom sinks commit it (mstr_sink.h). */
static inline uint64_t mstr_coord_committed(mstr_coord *c)
{
    return atomic_load(&c->committed);
}

/* Hands over a batch of the snapshot being taken (the coordinator frees it). */
void mstr_coord_submit(mstr_coord *c, mstr_store_batch *b);

/* The calling worker has taken (and handed over all of) snapshot n. */
void mstr_coord_done(mstr_coord *c, uint64_t n);

/* The calling worker's input is exhausted: it has nothing more to do but snapshots. */
void mstr_coord_finished(mstr_coord *c);

/* The live rescale under way if it is one after rescale `last`, or NULL. */
static inline struct mstr_rescale *mstr_coord_rescale(mstr_coord *c, uint64_t last)
{
    return atomic_load(&c->rescale_number) > last ? atomic_load(&c->rescale) : NULL;
}

/* The plan of the rescale whose barrier a worker that went through rescale `last` got. */
struct mstr_rescale *mstr_coord_barrier_rescale(mstr_coord *c, uint64_t last);

/* The calling worker has handed off in the live rescale under way (the main thread may send
 * what goes to other processes). */
void mstr_coord_handed_off(mstr_coord *c);

/* The calling worker is through the live rescale under way; it had said its input was
 * exhausted (was_finished) and will say it again on the new links if so. */
void mstr_coord_switched(mstr_coord *c, bool was_finished);

#endif
