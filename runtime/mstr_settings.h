/*
 * mstr_settings.h - a job's settings: from the job block, then `MSTR_*` environment
 * variables, then the command line (each overrides the one before).
 *
 * Every setting has a flag and an environment variable (`--key-groups` and MSTR_KEY_GROUPS),
 * listed together by --help, so that a job runs the same from a shell, a container's
 * environment or a Kubernetes ConfigMap.
 */
#ifndef MSTR_SETTINGS_H
#define MSTR_SETTINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "mstr_desc.h"

typedef struct mstr_settings {
    int workers;            /* worker threads */
    int key_groups;         /* key groups that keys fall into (mstr_route.h) */
    bool stats;             /* print counters and sink tallies at the end */
    const char *state_dir;  /* where snapshots go; NULL: no snapshots */
    int64_t snapshot_every; /* ms between snapshots; 0: only when the job stops */
    int keep_snapshots;     /* committed snapshots kept */
    bool fresh;             /* start over, discarding the state in state_dir */
} mstr_settings;

/* Parses a duration: a number with a unit (ms, s, m, h; none means seconds) into
 * milliseconds. Returns false if text is not one, or is negative or too large. */
bool mstr_parse_duration(const char *text, int64_t *ms);

/* Fills s for job d from argv and the environment. Returns 0 to run, -1 after --help (exit
 * status 0), 2 after a usage error (the message already printed). */
int mstr_settings_parse(mstr_settings *s, int argc, char **argv, const mstr_job_desc *d);

#endif
