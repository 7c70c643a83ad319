/*
 * mstr_super.h - `--processes N` without `--peers`: the job runs as N processes of this binary
 * on this machine, started and watched by this one (the supervisor), which does no work of the
 * job itself.
 *
 * The supervisor picks N free loopback ports (or, given `--listen HOST:P`, HOST:P+I for process
 * I) and starts process I with the command line it was given plus `--process I --peers
 * 127.0.0.1:P0,...` (and `--metrics-port M+I` when given M), and says where they are. Their standard output comes through it a
 * whole line at a time, so that lines of different processes never mix; their standard error is
 * its own. A process that dies of a signal (killed, crashed) is started again with the same
 * command line (without --fresh): the others roll back to the last snapshot and wait for it
 * (mstr_cluster.h). A process that exits with an error fails the job: the supervisor waits for
 * the others, which learn of the failure from the leader, and exits with that status. SIGINT and
 * SIGTERM are passed on to every process: the job stops after a last snapshot.
 *
 * Rolling back needs a state directory; without --state-dir the supervisor makes a temporary
 * one (and removes it at the end), which is also where a job over several processes stages the
 * output of its file sinks.
 *
 * Rescaling (the control API's Rescale) to as many processes is live (mstr_rescale.h): process 0
 * notes the new workers per process in DIR/workers, with which the supervisor starts a process
 * again. To another number of processes: process 0 takes the last snapshot, leaves the new
 * layout in the state directory (DIR/layout: "PROCESSES WORKERS") and the job ends; when every
 * process has ended well the supervisor takes the file, rewrites the state for the new layout
 * (mstr_reshard.h) and starts the processes of the new layout, which resume from the snapshot.
 *
 * The job's end. Once the last snapshot of the job is committed, before it tells the others to
 * stop, process 0 makes the ending mark (DIR/ending). A process killed from then on is not
 * started again alone (it would wait for the others, which end, for ever): once every process
 * has ended, the supervisor starts them all again on the same layout, or on the new one if a
 * rescale asked for it, and they resume from the last snapshot (a job whose input was over ends
 * at once). Marks left by a supervisor that did not see its job end go when the next starts.
 */
#ifndef MSTR_SUPER_H
#define MSTR_SUPER_H

#include "mstr_desc.h"
#include "mstr_settings.h"

/* Whether this process was started by the supervisor (which can start the job's processes
 * again on another layout). */
bool mstr_super_started(void);

/* Process 0 of a supervised job, ending after the last snapshot of a rescale: asks the
 * supervisor to start the job again as `processes` processes of `workers` workers, once every
 * process has ended well (it rewrites the state for them first). Returns false (after a
 * message) if it cannot. */
bool mstr_super_ask_layout(const char *state_dir, int processes, int workers);

/* Process 0 of a supervised job, after a live rescale to `workers` per process: a process the
 * supervisor starts again from now on runs that many (the others' round does anyway: the
 * leader's workers are the round's, mstr_job.c). Returns false (after a message) if it
 * cannot. */
bool mstr_super_note_workers(const char *state_dir, int workers);

/* The ending mark process 0 makes (mstr_coord_setup.ending_mark), to free; NULL unless this
 * process was started by the supervisor with a state directory. */
char *mstr_super_ending_mark(const char *state_dir);

/* Runs job d as s->processes supervised processes (argv: this process's command line), first
 * rewriting its state for their layout if it was taken by another (mstr_reshard.h). Returns the
 * exit status. */
int mstr_supervise(int argc, char **argv, const mstr_settings *s, const mstr_job_desc *d);

#endif
