/*
 * mstr_job.h - running a job: its start and its end.
 *
 * A generated program describes its job with constant tables (mstr_desc.h) and hands them to
 * mstr_main, which reads the settings (mstr_settings.h), opens every input and then every
 * output before the first record moves (so that a missing input stops the job before any
 * output is created or truncated), starts the workers (mstr_worker.h) on the links between
 * them (mstr_channel.h), waits for them, and prints the summary.
 */
#ifndef MSTR_JOB_H
#define MSTR_JOB_H

#include "mstr_desc.h"

/* Runs the job: see above and --help. Returns the process exit status: 0 on success, 1 for
 * errors in the data, the environment or an operator (missing file, malformed records with no
 * dead-letter stream, write error, mstr_fail), 2 for bad usage. */
int mstr_main(int argc, char **argv, const mstr_job_desc *desc);

#endif
