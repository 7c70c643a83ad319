/*
 * mstr_control.h - the control API a job serves (proto/mstr_control.proto): Status, Snapshot,
 * Stop and Rescale, and the progress line.
 *
 * Every process serves the calls on its exchange address. The leader answers them: Status at
 * once, from its own figures (mstr_stats.h) and the latest each follower sent (every second);
 * Snapshot once the next snapshot is committed (the coordinator takes one as soon as one is
 * asked for); Stop once the last snapshot is committed (the job then stops as on SIGTERM);
 * Rescale once the job goes on with the workers asked for (the round ends with a snapshot, and
 * the next one restores it at the new count: mstr_job.c), one request at a time. A
 * follower passes a call on to the leader over its session, numbered, and answers with what the
 * leader answers; while it has no session (the job rolls back) it answers UNAVAILABLE.
 *
 * Calls come in on the network thread and are posted to the coordinator as events; everything
 * here runs in the main thread, between the coordinator's waits.
 *
 * The progress line: on the leader (or a job of one process), when standard error is a
 * terminal and the job is not --quiet, a line rewritten every second with the records read and
 * their rate, the records written by the sinks, the least frontier and the last snapshot.
 */
#ifndef MSTR_CONTROL_H
#define MSTR_CONTROL_H

#include <stdbool.h>
#include <stdint.h>

#include "mstr_desc.h"
#include "mstr_net.h"
#include "mstr_stats.h"
#include "mstr_wire.h"

struct mstr_cluster;

typedef enum mstr_control_call {
    MSTR_CONTROL_STATUS, MSTR_CONTROL_SNAPSHOT, MSTR_CONTROL_STOP, MSTR_CONTROL_RESCALE,
    MSTR_CONTROL_CALLS
} mstr_control_call;

/* The gRPC method of each call: "/mstr.Control/Status" ... */
extern const char *const mstr_control_methods[MSTR_CONTROL_CALLS];

typedef struct mstr_control mstr_control;

/* The control of process `process` of `processes` (workers each) of job d; cluster is NULL for
 * a job of one process that serves nothing; snapshots says whether it has a state directory,
 * supervised whether the supervisor started its processes (and so can start them again on
 * another layout), quiet that it draws no progress line. */
mstr_control *mstr_control_new(const mstr_job_desc *d, mstr_meter *meter, int process,
                               int processes, int workers, bool snapshots, bool supervised,
                               bool quiet, struct mstr_cluster *cluster);

/* Answers what is still waiting (UNAVAILABLE: the job ended) and frees c. */
void mstr_control_free(mstr_control *c);

/* The argument in a call's request (p, n bytes): Rescale's workers and processes (packed; 0 if
 * it does not decode), 0 for the others. Any thread. */
uint32_t mstr_control_argument(mstr_control_call call, const unsigned char *p, size_t n);

/* A call arrived on stream s, with its argument. */
void mstr_control_call_in(mstr_control *c, mstr_control_call call, uint32_t arg,
                          mstr_stream *s);

/* A coordination message for the control (CONTROL, ANSWER, STATS) from process `from`. */
void mstr_control_message(mstr_control *c, int from, const mstr_wire_coord *m);

/* A round starts (the leader forgets the followers' figures of the round before) or ends (a
 * follower fails the calls it passed on; the leader drops the followers' calls). */
void mstr_control_round(mstr_control *c, bool starts);

/* Leader: whether a call waits for a snapshot, or for the job to stop. */
bool mstr_control_wants_snapshot(const mstr_control *c);
bool mstr_control_wants_stop(const mstr_control *c);

/* Leader: whether a Rescale call waits, and for how many processes and workers in all (the
 * oldest call's). */
bool mstr_control_wants_rescale(const mstr_control *c, int *processes, int *workers);

/* The job goes on from snapshot n (0: live, from none) on `processes` processes of `workers`
 * workers in all: every process that rescaled live counts its new layout; the leader answers
 * the oldest Rescale call. */
void mstr_control_rescaled(mstr_control *c, uint64_t n, int processes, int workers);

/* The job runs on `processes` processes of `workers` workers each (a round's layout, or a
 * live rescale's). */
void mstr_control_layout(mstr_control *c, int processes, int workers);

/* Leader: snapshot n is committed (final: the job stops after it); answers the calls that
 * waited for it. */
void mstr_control_committed(mstr_control *c, uint64_t n, bool final);

/* Called every POLL interval by the coordinator: a follower sends its figures every second; the
 * leader rewrites the progress line. */
void mstr_control_tick(mstr_control *c);

/* Ends the progress line (before the summary). */
void mstr_control_end_progress(mstr_control *c);

/* `./job ctl status|snapshot|stop|rescale N --coordinator HOST:PORT`: the client (argv is the job's
 * command line, argv[1] "ctl"). Returns the exit status. */
int mstr_control_client(int argc, char **argv, const mstr_job_desc *d);

#endif
