/*
 * mstr_settings.c - the settings of a job (see mstr_settings.h).
 *
 * One table lists every setting with its flag, its environment variable, its kind and range
 * and its help line; parsing, the environment and --help all read it, so a new setting is one
 * entry.
 */
#include "mstr_settings.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mstr_route.h"

typedef enum setting_kind {
    SETTING_INT,        /* an int field, within min .. max */
    SETTING_SWITCH,     /* a bool field: the flag alone, or 0/1/true/false */
    SETTING_PATH,       /* a const char * field */
    SETTING_DURATION,   /* an int64_t field of milliseconds */
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
    { "--stats", "MSTR_STATS", SETTING_SWITCH, 0, 1, FIELD(stats), NULL,
      "print counters, snapshots and records per sink on stderr at the end" },
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
        *(const char **)field = text;
        return *text != '\0';
    case SETTING_DURATION:
        return mstr_parse_duration(text, (int64_t *)field);
    case SETTING_SWITCH:
        if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
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
        *(int *)field = (int)n;
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
        fprintf(f, "  %-22s %-20s %s\n", left, st->env, st->help);
    }
    fprintf(f, "  %-22s %-20s %s\n", "--help", "", "show this help");
    fprintf(f, "\nExit status: 0 on success, 1 for bad data, environment or operator failure,\n"
               "2 for bad usage.\n");
}

static int bad_value(const char *argv0, const setting *st, const char *where)
{
    switch (st->kind) {
    case SETTING_SWITCH:
        fprintf(stderr, "%s: %s needs 0, 1, true or false\n", argv0, where);
        break;
    case SETTING_INT:
        fprintf(stderr, "%s: %s needs a number from %ld to %ld\n", argv0, where, st->min, st->max);
        break;
    case SETTING_PATH:
        fprintf(stderr, "%s: %s needs a directory\n", argv0, where);
        break;
    case SETTING_DURATION:
        fprintf(stderr, "%s: %s needs a time such as 500ms, 10s or 2m\n", argv0, where);
        break;
    }
    return 2;
}

static const setting *find_flag(const char *arg)
{
    for (size_t i = 0; i < NSETTINGS; i++)
        if (strcmp(arg, settings[i].flag) == 0)
            return &settings[i];
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

int mstr_settings_parse(mstr_settings *s, int argc, char **argv, const mstr_job_desc *d)
{
    *s = (mstr_settings){ .workers = d->workers, .key_groups = (int)d->key_groups,
                          .state_dir = d->state_dir, .snapshot_every = d->snapshot_every_ms,
                          .keep_snapshots = d->keep_snapshots, .poll_records = MSTR_BATCH };
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
        const setting *st = find_flag(argv[i]);
        if (st == NULL) {
            fprintf(stderr, "%s: unknown argument '%s'\n", argv[0], argv[i]);
            usage(stderr, argv[0], d);
            return 2;
        }
        if (st->arg == NULL) {
            *(bool *)((char *)s + st->offset) = true;
            continue;
        }
        if (i + 1 == argc || !set_value(s, st, argv[++i]))
            return bad_value(argv[0], st, st->flag);
    }
    return 0;
}
