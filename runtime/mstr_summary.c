/*
 * mstr_summary.c - a job's end in JSON (see mstr_summary.h).
 */
#include "mstr_summary.h"

#include <signal.h>
#include <string.h>

/* s as a JSON string: names come from the program (identifiers), counters' names have quotes
 * and spaces, so everything but printable ASCII and the two JSON specials is escaped. */
static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void json_u64(FILE *f, const char *name, uint64_t v, bool comma)
{
    fprintf(f, "%s\"%s\":%llu", comma ? "," : "", name, (unsigned long long)v);
}

void mstr_summary_json(FILE *f, const mstr_job_desc *d, const mstr_summary *s)
{
    fputs("{\"job\":", f);
    json_string(f, d->name);
    fprintf(f, ",\"ok\":%s,\"signal\":", s->ok ? "true" : "false");
    if (s->signal != 0)
        fprintf(f, "\"SIG%s\"", sigabbrev_np(s->signal));
    else
        fputs("null", f);
    fputs(",\"sinks\":[", f);
    for (size_t i = 0; i < d->nsinks; i++) {
        fputs(i ? ",{\"name\":" : "{\"name\":", f);
        json_string(f, d->sinks[i].name);
        json_u64(f, "records", s->records[i], true);
        fprintf(f, ",\"checksum\":\"%016llx\"}", (unsigned long long)s->checksum[i]);
    }
    fputs("],\"counters\":[", f);
    for (size_t i = 0; i < d->ncounters; i++) {
        fputs(i ? ",{\"name\":" : "{\"name\":", f);
        json_string(f, d->counters[i]);
        json_u64(f, "value", s->counters[i], true);
        fputc('}', f);
    }
    fputs("],\"malformed\":[", f);
    for (size_t i = 0; i < d->nsources; i++) {
        fputs(i ? ",{\"source\":" : "{\"source\":", f);
        json_string(f, d->sources[i].name);
        json_u64(f, "records", s->malformed[i], true);
        fputs(",\"dead_letter\":", f);
        if (d->sources[i].dead_letter != NULL)
            json_string(f, d->sources[i].dead_letter);
        else
            fputs("null", f);
        fputc('}', f);
    }
    fputs("],\"snapshots\":", f);
    if (!s->snapshots) {
        fputs("null}\n", f);
        return;
    }
    fputc('{', f);
    json_u64(f, "taken", s->taken, false);
    json_u64(f, "last", s->last, true);
    fprintf(f, ",\"last_ms\":%lld", (long long)s->last_ms);
    json_u64(f, "entries", s->entries, true);
    json_u64(f, "bytes", s->bytes, true);
    fputs("}}\n", f);
}
