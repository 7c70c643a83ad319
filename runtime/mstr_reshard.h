/*
 * mstr_reshard.h - rewriting a stopped job's state for another number of processes.
 *
 * Each process keeps its part of the state in a store of its own (DIR/store, DIR/store.I), the
 * part of the key groups and source partitions its workers own. A job that comes back with
 * another number of processes needs each part where the new owners are, so the state is
 * rewritten, while no process of the job runs, from the last snapshot that every store holds: every keyed slot goes
 * to the store of the process whose worker owns its key group by the rendezvous rule
 * (mstr_route.h), every source partition's position to the store of the process that reads it
 * now (mstr_place.h); each operator's worker fields and each exchange's frontier become, for
 * every new worker, their least over the old ones (as a restore at another worker count does in
 * one process: mstr_snapshot.h), except that a worker whose partitions of the sources feeding an
 * exchange are all done counts as ended on it. The result is one snapshot of the same number,
 * taken by the new layout, in new stores; the file sinks' output up to it is published first.
 *
 * The new stores are written next to the old ones (DIR/reshard/) and marked complete before the
 * old ones go; an interrupted rewrite is finished (when marked complete) or thrown away (when
 * not) by the next one, so that the state is always either the old layout's or the new one's.
 * Refused, naming the reason: keyed state kept where records are read (key_local), a custom
 * sink's state, a store that misses the snapshot the others hold.
 *
 * The supervisor rewrites the state before it starts the processes of another layout, and a
 * job of one process before it opens its store; for processes started by hand, `./job reshard
 * --state-dir DIR --processes P --workers W` does it where every store can be reached.
 */
#ifndef MSTR_RESHARD_H
#define MSTR_RESHARD_H

#include <stdbool.h>

#include "mstr_desc.h"

/* Rewrites the state in state directory dir for job d on `processes` processes of `workers`
 * workers each, if its last snapshot was taken on another number of processes (a process
 * restores its part at another count of workers itself: its key groups and partitions stay
 * its own, mstr_route.h and mstr_place.h). Sets *rewrote
 * (after saying so on stderr). Returns false and sets *error (to free) if it cannot; the state
 * is then as it was. No process of the job may use dir meanwhile. */
bool mstr_reshard(const mstr_job_desc *d, const char *dir, int processes, int workers,
                  bool *rewrote, char **error);

/* `./job reshard --state-dir DIR --processes P --workers W` (argv[1] is "reshard"). Returns
 * the exit status. */
int mstr_reshard_command(int argc, char **argv, const mstr_job_desc *d);

#endif
