/*
 * mstr_cluster.h - the processes of a job over several processes: the network each process
 * serves (mstr_net.h), the coordination sessions between the leader (process 0, which hosts the
 * coordinator) and every other process (the followers), and which exchange hub (mstr_channel_net.h)
 * takes the exchange streams that arrive.
 *
 * Rounds. A job over several processes runs in rounds: in each, every process restores the same
 * committed snapshot (or starts fresh), then all run until the job ends or one of them is lost
 * (it died, froze or restarted). Then every process rolls back: the leader ends the round by
 * ending every session, each follower joins again (the lost one once it is back), and the next
 * round starts from the last committed snapshot. A round has a number the leader picks; exchange
 * streams carry it in their hello, so a stream left over from another round is refused.
 *
 * Every process also serves the control API's calls (mstr_control.h), posted to the coordinator
 * as they come.
 *
 * The processes of the job change with a live rescale (mstr_cluster_set_processes): the leader
 * takes the sessions of processes that join, and lets those that leave go
 * (mstr_cluster_release). A follower's hello may name an older count of processes than the
 * job's (it was started again with an older command line): the leader says the round's with
 * RESTORE.
 *
 * Exchange streams go to the hub of their round whose layout has their parity (a live rescale
 * over processes makes the hub of the next layout while the one it replaces still runs:
 * mstr_channel_net.h); a hub of the other parity, or none, refuses them.
 *
 * A session is a stream from a follower to the leader, opened by the follower at the start of
 * each round with a hello (its process, the job's shape), and carrying the snapshot protocol
 * (mstr_wire.h) both ways for the round. What arrives on a session (its hello, its messages, its
 * end) is posted to the coordinator as an event (mstr_coord.h), in order.
 *
 * Thread use: the cluster is made, used and stopped by the job's main thread; the network thread
 * posts events and routes exchange streams.
 */
#ifndef MSTR_CLUSTER_H
#define MSTR_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include "mstr_channel_net.h"
#include "mstr_coord.h"
#include "mstr_net.h"
#include "mstr_wire.h"

typedef struct mstr_cluster mstr_cluster;

/* The method the sessions are opened on. */
#define MSTR_CLUSTER_SESSION_METHOD "/mstr.Coord/Session"

typedef struct mstr_cluster_setup {
    int process, processes;
    char *const *peers;         /* [processes]: each process's address, "host:port" */
    const char *listen;         /* the address this process serves on ("0.0.0.0:7000") */
    mstr_net_tls tls;
    uint64_t fingerprint;       /* of the job's shape (mstr_snapshot_shape) */
    mstr_coord *coord;          /* gets the sessions' events */
} mstr_cluster_setup;

/* Starts serving (exchange and sessions). Returns NULL and sets *error (to free) if it cannot. */
mstr_cluster *mstr_cluster_start(const mstr_cluster_setup *s, char **error);

/* Ends every stream and stops serving. */
void mstr_cluster_stop(mstr_cluster *cl);

mstr_net *mstr_cluster_net(mstr_cluster *cl);

/* Whether this process is the leader. */
bool mstr_cluster_leads(const mstr_cluster *cl);

/* Leader: whether every follower has joined this round (a session with a valid hello). */
bool mstr_cluster_all_joined(mstr_cluster *cl);

/* Leader: the first follower that has not joined, or -1. */
int mstr_cluster_missing(mstr_cluster *cl);

/* Follower: opens this round's session to the leader, once the leader answers, waiting at most
 * timeout_ms. Returns false if it did not answer in time. */
bool mstr_cluster_join(mstr_cluster *cl, int64_t timeout_ms);

/* Sends a coordination message: a follower to the leader (to is 0), the leader to follower
 * `to`, or to every follower (to is -1). Messages to a lost process go nowhere. */
void mstr_cluster_send(mstr_cluster *cl, int to, const mstr_wire_coord *m);

/* Exchange streams of the parity of hub's layout go to hub from now on. */
void mstr_cluster_route(mstr_cluster *cl, mstr_net_hub *hub);

/* ... and to none once hub is closed (before it is freed). */
void mstr_cluster_unroute(mstr_cluster *cl, mstr_net_hub *hub);

/* The job is ending: streams of this round's hubs that end from now on are no loss. */
void mstr_cluster_stopping(mstr_cluster *cl);

/* Ends the round's sessions (no event of theirs is posted after this). */
void mstr_cluster_end_round(mstr_cluster *cl);

/* The address of process p. */
const char *mstr_cluster_peer(const mstr_cluster *cl, int p);

/* The job runs on `processes` processes from now on, at peers[0 .. processes) (copied): the
 * leader takes sessions of that many, and sends to every follower (-1) to them. */
void mstr_cluster_set_processes(mstr_cluster *cl, int processes, char *const *peers);

/* Leader: process p left the job (a live rescale took its work): sends it `last`, its last
 * message, and posts nothing of its session from then on, its end included (which `last` may
 * bring about at once: both happen under one lock). */
void mstr_cluster_release(mstr_cluster *cl, int p, const mstr_wire_coord *last);

#endif
