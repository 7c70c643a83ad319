/*
 * mstr_settings.c - the settings of a job (see mstr_settings.h).
 *
 * One table lists every setting with its flag, its environment variable, its kind and range
 * and its help line; parsing, the environment and --help all read it, so a new setting is one
 * entry.
 */
#include "mstr_settings.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mstr_mem.h"
#include "mstr_route.h"

typedef enum setting_kind {
    SETTING_INT,        /* an int field, within min .. max */
    SETTING_SWITCH,     /* a bool field: the flag alone, or 0/1/true/false */
    SETTING_PATH,       /* a const char * field naming a file or directory */
    SETTING_TEXT,       /* a const char * field: an address, a list */
    SETTING_DURATION,   /* an int64_t field of milliseconds */
    SETTING_STATS,      /* an int field: the flag alone (MSTR_STATS_TEXT), or --flag=json */
} setting_kind;

typedef struct setting {
    const char *flag;
    const char *env;
    setting_kind kind;
    long min, max;          /* SETTING_INT: the accepted range */
    size_t offset;          /* of the field in mstr_settings */
    const char *arg;        /* what the flag takes, for --help */
    const char *help;
} setting;

#define FIELD(f) offsetof(mstr_settings, f)

/* Test hooks (see mstr_settings.h): read like the rest, listed by no --help. */
static const setting hooks[] = {
    { NULL, "MSTR_TEST_POLL_RECORDS", SETTING_INT, 1, MSTR_BATCH, FIELD(poll_records), NULL, NULL },
    { NULL, "MSTR_TEST_POLL_SLEEP_MS", SETTING_INT, 0, 60000, FIELD(poll_sleep_ms), NULL, NULL },
    { NULL, "MSTR_TEST_COMMIT_SLEEP_MS", SETTING_INT, 0, 60000, FIELD(commit_sleep_ms), NULL,
      NULL },
    { NULL, "MSTR_TEST_REQUEST_SLEEP_MS", SETTING_INT, 0, 60000, FIELD(request_sleep_ms), NULL,
      NULL },
    { NULL, "MSTR_TEST_RESCALE_SLEEP_MS", SETTING_INT, 0, 60000, FIELD(rescale_sleep_ms), NULL,
      NULL },
};

static const setting settings[] = {
    { "--workers", "MSTR_WORKERS", SETTING_INT, 1, MSTR_MAX_WORKERS, FIELD(workers), "N",
      "worker threads (default from the job, else 1)" },
    { "--key-groups", "MSTR_KEY_GROUPS", SETTING_INT, 1, MSTR_KEY_GROUPS_MAX, FIELD(key_groups),
      "N", "key groups that keys are spread over, fixed for the life of the job's state" },
    { "--state-dir", "MSTR_STATE_DIR", SETTING_PATH, 0, 0, FIELD(state_dir), "DIR",
      "take snapshots into DIR and resume from the last one there" },
    { "--snapshot-every", "MSTR_SNAPSHOT_EVERY", SETTING_DURATION, 0, 0, FIELD(snapshot_every),
      "TIME", "time between snapshots (500ms, 10s, 2m; 0: only when the job stops)" },
    { "--keep-snapshots", "MSTR_KEEP_SNAPSHOTS", SETTING_INT, 1, 1000, FIELD(keep_snapshots),
      "N", "committed snapshots to keep (default 3)" },
    { "--fresh", "MSTR_FRESH", SETTING_SWITCH, 0, 1, FIELD(fresh), NULL,
      "start over: discard the snapshots and staged output in the state dir" },
    { "--stats", "MSTR_STATS", SETTING_STATS, 0, 1, FIELD(stats), NULL,
      "print counters, snapshots and records per sink on stderr at the end (--stats=json: "
      "as one line of JSON)" },
    { "--quiet", "MSTR_QUIET", SETTING_SWITCH, 0, 1, FIELD(quiet), NULL,
      "no progress line on a terminal" },
    { "--processes", "MSTR_PROCESSES", SETTING_INT, 1, MSTR_MAX_WORKERS, FIELD(processes), "N",
      "processes that run the job (without --peers: start N here and supervise them)" },
    { "--process", "MSTR_PROCESS", SETTING_INT, 0, MSTR_MAX_WORKERS - 1, FIELD(process), "I",
      "this process's number, 0 .. N-1 (0 coordinates)" },
    { "--process-from-hostname", "MSTR_PROCESS_FROM_HOSTNAME", SETTING_SWITCH, 0, 1,
      FIELD(process_from_hostname), NULL,
      "with --peers: take the process's number from the host name's last -N (a Kubernetes "
      "StatefulSet pod's ordinal: job-2 is process 2)" },
    { "--peers", "MSTR_PEERS", SETTING_TEXT, 0, 0, FIELD(peers), "LIST",
      "every process's address, in order: host:port,host:port,..." },
    { "--listen", "MSTR_LISTEN", SETTING_TEXT, 0, 0, FIELD(listen), "ADDR",
      "serve exchange and control on ADDR (default: this process's peer address)" },
    { "--tls-ca", "MSTR_TLS_CA", SETTING_PATH, 0, 0, FIELD(tls_ca), "FILE",
      "TLS: the CA that signs every process's certificate (PEM)" },
    { "--tls-cert", "MSTR_TLS_CERT", SETTING_PATH, 0, 0, FIELD(tls_cert), "FILE",
      "TLS: this process's certificate (PEM)" },
    { "--tls-key", "MSTR_TLS_KEY", SETTING_PATH, 0, 0, FIELD(tls_key), "FILE",
      "TLS: this process's private key (PEM)" },
    { "--metrics-port", "MSTR_METRICS_PORT", SETTING_INT, 1, 65535, FIELD(metrics_port), "PORT",
      "serve Prometheus metrics on PORT (/metrics, /healthz); with --processes N alone, "
      "process I on PORT + I" },
    { "--coordinator", "MSTR_COORDINATOR", SETTING_TEXT, 0, 0, FIELD(coordinator), "ADDR",
      "ctl: the process to ask (host:port)" },
};

enum { NSETTINGS = sizeof settings / sizeof settings[0], NHOOKS = sizeof hooks / sizeof hooks[0] };

bool mstr_parse_duration(const char *text, int64_t *ms)
{
    static const struct { const char *unit; int64_t ms; } units[] = {
        { "ms", 1 }, { "s", 1000 }, { "", 1000 }, { "m", 60000 }, { "h", 3600000 },
    };
    char *end;
    errno = 0;
    long long n = strtoll(text, &end, 10);
    if (errno != 0 || end == text || n < 0)
        return false;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(end, units[i].unit) == 0 && n <= INT64_MAX / units[i].ms) {
            *ms = (int64_t)n * units[i].ms;
            return true;
        }
    return false;
}

/* Stores text, the value of st, in s. Returns false if it is not a value of st. */
static bool set_value(mstr_settings *s, const setting *st, const char *text)
{
    char *field = (char *)s + st->offset;
    switch (st->kind) {
    case SETTING_PATH:
    case SETTING_TEXT:
        *(const char **)field = text;
        return *text != '\0';
    case SETTING_DURATION:
        return mstr_parse_duration(text, (int64_t *)field);
    case SETTING_STATS:
        if (strcmp(text, "json") == 0) {
            *(int *)field = MSTR_STATS_JSON;
            return true;
        }
        __attribute__((fallthrough)); /* otherwise a switch */
    case SETTING_SWITCH:
        if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
            if (st->kind == SETTING_STATS)
                *(int *)field = text[0] == 't' ? MSTR_STATS_TEXT : MSTR_STATS_OFF;
            else
                *(bool *)field = text[0] == 't';
            return true;
        }
        break;
    case SETTING_INT:
        break;
    }
    char *end;
    errno = 0;
    long n = strtol(text, &end, 10);
    if (errno != 0 || *text == '\0' || *end != '\0' || n < st->min || n > st->max)
        return false;
    if (st->kind == SETTING_SWITCH)
        *(bool *)field = n != 0;
    else
        *(int *)field = (int)n; /* SETTING_STATS: 0 or 1, MSTR_STATS_OFF or _TEXT */
    return true;
}

static void usage(FILE *f, const char *argv0, const mstr_job_desc *d)
{
    fprintf(f, "usage: %s [OPTIONS]\n\nRuns the Malstrom-C job '%s' compiled from %s.\n\n"
               "options (each also read from its environment variable):\n",
            argv0, d->name, d->program);
    for (size_t i = 0; i < NSETTINGS; i++) {
        const setting *st = &settings[i];
        char left[64];
        snprintf(left, sizeof left, "%s%s%s", st->flag, st->arg ? " " : "", st->arg ? st->arg : "");
        fprintf(f, "  %-24s %-26s %s\n", left, st->env, st->help);
    }
    fprintf(f, "  %-24s %-26s %s\n", "--help", "", "show this help");
    fprintf(f, "\n%s ctl status|snapshot|stop|rescale N [P] --coordinator HOST:PORT asks a "
               "running job:\nits state, a snapshot now (answered once committed), a stop after "
               "a last snapshot,\nor to go on with N workers (on P processes).\n", argv0);
    fprintf(f, "\n%s reshard --state-dir DIR --processes P --workers W rewrites a stopped "
               "job's state\nfor P processes of W workers.\n", argv0);
    fprintf(f, "\nExit status: 0 on success, 1 for bad data, environment or operator failure,\n"
               "2 for bad usage.\n");
}

static int bad_value(const char *argv0, const setting *st, const char *where)
{
    switch (st->kind) {
    case SETTING_SWITCH:
        fprintf(stderr, "%s: %s needs 0, 1, true or false\n", argv0, where);
        break;
    case SETTING_STATS:
        fprintf(stderr, "%s: %s needs 0, 1, true, false or json\n", argv0, where);
        break;
    case SETTING_INT:
        fprintf(stderr, "%s: %s needs a number from %ld to %ld\n", argv0, where, st->min, st->max);
        break;
    case SETTING_PATH:
        fprintf(stderr, "%s: %s needs a path\n", argv0, where);
        break;
    case SETTING_TEXT:
        fprintf(stderr, "%s: %s needs a value\n", argv0, where);
        break;
    case SETTING_DURATION:
        fprintf(stderr, "%s: %s needs a time such as 500ms, 10s or 2m\n", argv0, where);
        break;
    }
    return 2;
}

/* The setting of arg, "--flag" or "--flag=VALUE" (then *value points at VALUE), or NULL. */
static const setting *find_flag(const char *arg, const char **value)
{
    size_t len = strcspn(arg, "=");
    for (size_t i = 0; i < NSETTINGS; i++)
        if (strlen(settings[i].flag) == len && strncmp(arg, settings[i].flag, len) == 0) {
            *value = arg[len] == '=' ? arg + len + 1 : NULL;
            return &settings[i];
        }
    return NULL;
}

static int read_environment(mstr_settings *s, const char *argv0, const setting *table, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *text = getenv(table[i].env);
        if (text == NULL || *text == '\0')
            continue;
        if (!set_value(s, &table[i], text))
            return bad_value(argv0, &table[i], table[i].env);
    }
    return 0;
}

char **mstr_settings_peers(const mstr_settings *s)
{
    size_t n = 1;
    for (const char *p = s->peers; *p; p++)
        n += *p == ',';
    char **peers = mstr_alloc_array(n + 1, sizeof *peers);
    const char *p = s->peers;
    for (size_t i = 0; i < n; i++) {
        size_t len = strcspn(p, ",");
        peers[i] = mstr_alloc(len + 1);
        memcpy(peers[i], p, len);
        p += len + (p[len] == ',');
    }
    return peers;
}

void mstr_settings_free_peers(char **peers)
{
    for (size_t i = 0; peers[i] != NULL; i++)
        free(peers[i]);
    free(peers);
}

/* Sets s->process to the number after the last '-' of the host name, which is a StatefulSet
 * pod's ordinal. Why here and not in a container's entrypoint: the image holds the static
 * binary alone, with no shell to compute it. Returns 0, or 2 after a message. */
static int process_from_hostname(mstr_settings *s, const char *argv0)
{
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = '\0';
    const char *dash = strrchr(host, '-');
    long n = -1;
    if (dash != NULL && isdigit((unsigned char)dash[1])) {
        char *end;
        errno = 0;
        n = strtol(dash + 1, &end, 10);
        if (errno != 0 || *end != '\0' || n >= MSTR_MAX_WORKERS)
            n = -1;
    }
    if (n < 0) {
        fprintf(stderr, "%s: --process-from-hostname: the host name '%s' does not end in -N, "
                        "the process's number\n", argv0, host);
        return 2;
    }
    s->process = (int)n;
    return 0;
}

/* Checks that the settings of several processes agree; fills in processes from the peers. */
static int check_processes(mstr_settings *s, const char *argv0, bool processes_given)
{
    if (s->process_from_hostname && s->peers != NULL && process_from_hostname(s, argv0) != 0)
        return 2;
    if (s->peers != NULL) {
        char **peers = mstr_settings_peers(s);
        int n = 0;
        bool empty = false;
        for (; peers[n] != NULL; n++)
            empty |= strchr(peers[n], ':') == NULL;
        mstr_settings_free_peers(peers);
        if (empty) {
            fprintf(stderr, "%s: --peers needs host:port for every process, in order\n", argv0);
            return 2;
        }
        if (processes_given && n != s->processes) {
            fprintf(stderr, "%s: --peers lists %d processes and --processes says %d\n", argv0, n,
                    s->processes);
            return 2;
        }
        s->processes = n;
    } else if (s->process != 0) {
        fprintf(stderr, "%s: --process needs --peers (every process's address)\n", argv0);
        return 2;
    }
    if (s->process >= s->processes) {
        fprintf(stderr, "%s: --process %d is not one of the %d processes (0 .. %d)\n", argv0,
                s->process, s->processes, s->processes - 1);
        return 2;
    }
    if ((s->tls_ca != NULL) != (s->tls_cert != NULL) || (s->tls_ca != NULL) != (s->tls_key != NULL)) {
        fprintf(stderr, "%s: TLS needs all of --tls-ca, --tls-cert and --tls-key\n", argv0);
        return 2;
    }
    if ((long)s->processes * s->workers > MSTR_MAX_WORKERS) {
        fprintf(stderr, "%s: %d processes of %d workers are more than %d workers\n", argv0,
                s->processes, s->workers, MSTR_MAX_WORKERS);
        return 2;
    }
    return 0;
}

int mstr_settings_parse(mstr_settings *s, int argc, char **argv, const mstr_job_desc *d)
{
    *s = (mstr_settings){ .workers = d->workers, .key_groups = (int)d->key_groups,
                          .state_dir = d->state_dir, .snapshot_every = d->snapshot_every_ms,
                          .keep_snapshots = d->keep_snapshots, .poll_records = MSTR_BATCH };
    s->processes = -1; /* not given */
    int rc = read_environment(s, argv[0], settings, NSETTINGS);
    if (rc == 0)
        rc = read_environment(s, argv[0], hooks, NHOOKS);
    if (rc != 0)
        return rc;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout, argv[0], d);
            return -1;
        }
        const char *value = NULL;
        const setting *st = find_flag(argv[i], &value);
        if (st == NULL) {
            fprintf(stderr, "%s: unknown argument '%s'\n", argv[0], argv[i]);
            usage(stderr, argv[0], d);
            return 2;
        }
        if (value != NULL) {
            if (!set_value(s, st, value))
                return bad_value(argv[0], st, st->flag);
            continue;
        }
        if (st->arg == NULL) {
            if (st->kind == SETTING_STATS)
                *(int *)((char *)s + st->offset) = MSTR_STATS_TEXT;
            else
                *(bool *)((char *)s + st->offset) = true;
            continue;
        }
        if (i + 1 == argc || !set_value(s, st, argv[++i]))
            return bad_value(argv[0], st, st->flag);
    }
    bool processes_given = s->processes > 0;
    if (!processes_given)
        s->processes = 1;
    return check_processes(s, argv[0], processes_given);
}
