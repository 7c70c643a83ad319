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

/* What --stats prints at the end. */
enum { MSTR_STATS_OFF, MSTR_STATS_TEXT, MSTR_STATS_JSON };

typedef struct mstr_settings {
    int workers;            /* worker threads */
    int key_groups;         /* key groups that keys fall into (mstr_route.h) */
    int stats;              /* counters and sink tallies at the end: MSTR_STATS_... */
    bool quiet;             /* no progress line on a terminal */
    const char *state_dir;  /* where snapshots go; NULL: no snapshots */
    int64_t snapshot_every; /* ms between snapshots; 0: only when the job stops */
    int keep_snapshots;     /* committed snapshots kept */
    bool fresh;             /* start over, discarding the state in state_dir */
    /* Several processes (mstr_cluster.h): */
    int process;            /* this one's number */
    bool process_from_hostname; /* process from the host name's last -N (a pod's ordinal) */
    int processes;          /* how many run the job; 1: this one alone */
    const char *peers;      /* "host:port,host:port,...": every process's address, in order */
    const char *listen;     /* the address to serve on; default: this process's peer address */
    const char *tls_ca;     /* PEM files for TLS with mutual authentication, or NULL */
    const char *tls_cert;
    const char *tls_key;
    const char *coordinator; /* `ctl`: the process to ask */
    int metrics_port;       /* serve Prometheus metrics there (mstr_metrics.h); 0: not */
    /* Test hooks, from the environment only (not in --help): they let a test stop or kill a
     * small job in the middle, and inside a snapshot's commit. */
    int poll_records;       /* MSTR_TEST_POLL_RECORDS: records per source poll (MSTR_BATCH) */
    int poll_sleep_ms;      /* MSTR_TEST_POLL_SLEEP_MS: a pause after each source poll */
    int commit_sleep_ms;    /* MSTR_TEST_COMMIT_SLEEP_MS: pauses before and after a commit,
                               and after the supervisor's ending mark (mstr_super.h) */
    int request_sleep_ms;   /* MSTR_TEST_REQUEST_SLEEP_MS: a process other than 0 pauses before
                               it asks its workers for a snapshot the leader requested, so that
                               the other processes' barriers reach them first */
    int rescale_sleep_ms;   /* MSTR_TEST_RESCALE_SLEEP_MS: a worker pauses at its cut of a live
                               rescale before it hands off (mstr_rescale.h), so that a test's
                               kill lands inside the rescale */
} mstr_settings;

/* Parses a duration: a number with a unit (ms, s, m, h; none means seconds) into
 * milliseconds. Returns false if text is not one, or is negative or too large. */
bool mstr_parse_duration(const char *text, int64_t *ms);

/* Splits s->peers at commas into a NULL-terminated array (to free with mstr_settings_free_peers). */
char **mstr_settings_peers(const mstr_settings *s);
void mstr_settings_free_peers(char **peers);

/* Fills s for job d from argv and the environment. Returns 0 to run, -1 after --help (exit
 * status 0), 2 after a usage error (the message already printed). Checks that the processes,
 * the process and the peers agree. */
int mstr_settings_parse(mstr_settings *s, int argc, char **argv, const mstr_job_desc *d);

#endif
