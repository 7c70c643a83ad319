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
 * Rescaling (the control API's Rescale) is live (mstr_rescale.h), to any number of processes.
 * Process 0 notes the job's layout in the state directory (DIR/layout: "PROCESSES WORKERS"),
 * at the start of every round and at every live rescale, and sends the supervisor SIGUSR1: it
 * starts those of the layout's processes that do not run, with the addresses of all in --peers,
 * and leaves those addresses in DIR/peers for process 0 (which takes new ones into the running
 * job: mstr_job.c); a process started again runs the noted layout. Fewer: a process that exits with MSTR_EXIT_LEFT left the job (its
 * work went to the others, or a rescale that took it in failed before its first snapshot, and
 * the job went back to the layout before), and one beyond the noted layout that is killed is
 * not started again either.
 *
 * The job's end. Once the last snapshot of the job is committed, before it tells the others to
 * stop, process 0 makes the ending mark (DIR/ending). A process killed from then on is not
 * started again alone (it would wait for the others, which end, for ever): once every process
 * has ended, the supervisor starts them all again on the noted layout, and they resume from
 * the last snapshot (a job whose input was over ends at once). Marks left by a supervisor that
 * did not see its job end go when the next starts.
 */
#ifndef MSTR_SUPER_H
#define MSTR_SUPER_H

#include "mstr_desc.h"
#include "mstr_settings.h"

/* The exit status of a process that left the job (its work went to the others). */
enum { MSTR_EXIT_LEFT = 3 };

/* Whether this process was started by the supervisor (which can start the job's processes
 * again on another layout). */
bool mstr_super_started(void);

/* Process 0 of a supervised job: the job runs `processes` processes of `workers` workers from
 * now on; the supervisor starts those that do not run, and a process it starts again runs that
 * layout (the others' round does anyway: the leader says it, mstr_job.c). Returns false (after
 * a message) if it cannot. */
bool mstr_super_note_layout(const char *state_dir, int processes, int workers);

/* Process 0 of a supervised job, for a live rescale to more processes: notes their layout and
 * asks the supervisor to start the new ones, which join the job; *peers gets the addresses of
 * all (comma-separated, to free). Returns false if they did not start in a while. */
bool mstr_super_grow(const char *state_dir, int processes, int workers, char **peers);

/* Whether this process, process `process` of a supervised job, is beyond the noted layout:
 * it left the job. */
bool mstr_super_left(const char *state_dir, int process);


/* The ending mark process 0 makes (mstr_coord_setup.ending_mark), to free; NULL unless this
 * process was started by the supervisor with a state directory. */
char *mstr_super_ending_mark(const char *state_dir);

/* Runs job d as s->processes supervised processes (argv: this process's command line), first
 * rewriting its state for their layout if it was taken by another (mstr_reshard.h). Returns the
 * exit status. */
int mstr_supervise(int argc, char **argv, const mstr_settings *s, const mstr_job_desc *d);

#endif
