/*
 * mstr_settings.c - the settings of a job (see mstr_settings.h).
 *
 * One table lists every setting with its flag, its environment variable, its range and its
 * help line; parsing, the environment and --help all read it, so a new setting is one entry.
 */
#include "mstr_settings.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mstr_route.h"

typedef enum setting_kind { SETTING_INT, SETTING_SWITCH } setting_kind;

typedef struct setting {
    const char *flag;
    const char *env;
    setting_kind kind;
    long min, max;          /* SETTING_INT: the accepted range */
    size_t offset;          /* of the field in mstr_settings: an int, or a bool for a switch */
    const char *help;
} setting;

#define FIELD(f) offsetof(mstr_settings, f)

static const setting settings[] = {
    { "--workers", "MSTR_WORKERS", SETTING_INT, 1, MSTR_MAX_WORKERS, FIELD(workers),
      "worker threads (default from the job, else 1)" },
    { "--key-groups", "MSTR_KEY_GROUPS", SETTING_INT, 1, MSTR_KEY_GROUPS_MAX, FIELD(key_groups),
      "key groups that keys are spread over, fixed for the life of the job's state" },
    { "--stats", "MSTR_STATS", SETTING_SWITCH, 0, 1, FIELD(stats),
      "print counters and records per sink on stderr at the end" },
};

enum { NSETTINGS = sizeof settings / sizeof settings[0] };

static void store(mstr_settings *s, const setting *st, long v)
{
    char *field = (char *)s + st->offset;
    if (st->kind == SETTING_SWITCH)
        *(bool *)field = v != 0;
    else
        *(int *)field = (int)v;
}

/* Parses text as a value of st: a number in range, or for a switch 0/1/true/false. */
static bool parse_value(const setting *st, const char *text, long *v)
{
    if (st->kind == SETTING_SWITCH && (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)) {
        *v = text[0] == 't';
        return true;
    }
    char *end;
    errno = 0;
    long n = strtol(text, &end, 10);
    if (errno != 0 || *text == '\0' || *end != '\0' || n < st->min || n > st->max)
        return false;
    *v = n;
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
        snprintf(left, sizeof left, "%s%s", st->flag, st->kind == SETTING_INT ? " N" : "");
        fprintf(f, "  %-18s %-18s %s\n", left, st->env, st->help);
    }
    fprintf(f, "  %-18s %-18s %s\n", "--help", "", "show this help");
    fprintf(f, "\nExit status: 0 on success, 1 for bad data, environment or operator failure,\n"
               "2 for bad usage.\n");
}

static int bad_value(const char *argv0, const setting *st, const char *where)
{
    if (st->kind == SETTING_SWITCH)
        fprintf(stderr, "%s: %s needs 0, 1, true or false\n", argv0, where);
    else
        fprintf(stderr, "%s: %s needs a number from %ld to %ld\n", argv0, where, st->min,
                st->max);
    return 2;
}

static const setting *find_flag(const char *arg)
{
    for (size_t i = 0; i < NSETTINGS; i++)
        if (strcmp(arg, settings[i].flag) == 0)
            return &settings[i];
    return NULL;
}

static int read_environment(mstr_settings *s, const char *argv0)
{
    for (size_t i = 0; i < NSETTINGS; i++) {
        const char *text = getenv(settings[i].env);
        long v;
        if (text == NULL || *text == '\0')
            continue;
        if (!parse_value(&settings[i], text, &v))
            return bad_value(argv0, &settings[i], settings[i].env);
        store(s, &settings[i], v);
    }
    return 0;
}

int mstr_settings_parse(mstr_settings *s, int argc, char **argv, const mstr_job_desc *d)
{
    *s = (mstr_settings){ .workers = d->workers, .key_groups = (int)d->key_groups };
    int rc = read_environment(s, argv[0]);
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
        long v = 1;
        if (st->kind == SETTING_INT && (i + 1 == argc || !parse_value(st, argv[++i], &v)))
            return bad_value(argv[0], st, st->flag);
        store(s, st, v);
    }
    return 0;
}
