/*
 * mstr_control_client.c - `./job ctl status|snapshot|stop|rescale N [P] --coordinator HOST:PORT`:
 * the control API's client in the job's own binary (see mstr_control.h). It makes one call and
 * prints the answer: the status as a few lines of text, the snapshot committed, the workers the
 * job goes on with, or the job's reason not to.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mstr_control.h"
#include "mstr_control.pb-c.h"
#include "mstr_net.h"
#include "mstr_settings.h"

enum { STATUS_TIMEOUT_MS = 10000, SNAPSHOT_TIMEOUT_MS = 600000 };

static void print_counts(const char *what, Mstr__Count **counts, size_t n, const char *verb)
{
    if (n == 0)
        return;
    printf("%-11s", what);
    for (size_t i = 0; i < n; i++)
        printf("%s%s %llu%s%s", i ? "; " : "", counts[i]->name,
               (unsigned long long)counts[i]->value, *verb ? " " : "", verb);
    printf("\n");
}

static void print_status(const Mstr__StatusReply *r)
{
    printf("job %s: %u process%s, %u worker%s, round %llu\n", r->job, r->processes,
           r->processes == 1 ? "" : "es", r->workers, r->workers == 1 ? "" : "s",
           (unsigned long long)r->round);
    if (r->last_snapshot == 0)
        printf("snapshots: none committed\n");
    else
        printf("snapshots: %llu committed last, in %.3f s, %llu bytes (%llu taken)\n",
               (unsigned long long)r->last_snapshot, r->last_snapshot_seconds,
               (unsigned long long)r->last_snapshot_bytes, (unsigned long long)r->snapshots);
    print_counts("sources:", r->sources, r->n_sources, "read");
    print_counts("malformed:", r->malformed, r->n_malformed, "");
    print_counts("operators:", r->operators, r->n_operators, "in");
    print_counts("sinks:", r->sinks, r->n_sinks, "written");
    print_counts("events:", r->events, r->n_events, "");
    for (size_t i = 0; i < r->n_worker_status; i++) {
        const Mstr__Worker *w = r->worker_status[i];
        printf("worker %u (process %u): frontier ", w->worker, w->process);
        if (!w->has_frontier)
            printf("-");
        else if (w->frontier == INT64_MAX)
            printf("end");
        else
            printf("%lld", (long long)w->frontier);
        printf(", backpressure %.3f s\n", w->backpressure_seconds);
    }
    for (size_t i = 0; i < r->n_links; i++)
        printf("link %u -> %u: %llu bytes in %llu batches\n", r->links[i]->from, r->links[i]->to,
               (unsigned long long)r->links[i]->bytes, (unsigned long long)r->links[i]->batches);
    for (size_t i = 0; i < r->n_missing; i++)
        printf("process %u: no figures yet\n", r->missing[i]);
}

/* Prints the answer to call; returns false if it does not decode. */
static bool print_answer(mstr_control_call call, const unsigned char *p, size_t n)
{
    if (call == MSTR_CONTROL_STATUS) {
        Mstr__StatusReply *r = mstr__status_reply__unpack(NULL, n, p);
        if (r == NULL)
            return false;
        print_status(r);
        mstr__status_reply__free_unpacked(r, NULL);
        return true;
    }
    if (call == MSTR_CONTROL_RESCALE) {
        Mstr__RescaleReply *r = mstr__rescale_reply__unpack(NULL, n, p);
        if (r == NULL)
            return false;
        printf("%u worker%s on %u process%s, ", r->workers, r->workers == 1 ? "" : "s",
               r->processes, r->processes == 1 ? "" : "es");
        if (r->snapshot == 0)
            printf("live\n");
        else
            printf("from snapshot %llu\n", (unsigned long long)r->snapshot);
        mstr__rescale_reply__free_unpacked(r, NULL);
        return true;
    }
    Mstr__SnapshotReply *r = mstr__snapshot_reply__unpack(NULL, n, p);
    if (r == NULL)
        return false;
    if (call == MSTR_CONTROL_SNAPSHOT)
        printf("snapshot %llu committed\n", (unsigned long long)r->snapshot);
    else
        printf("stopped after snapshot %llu\n", (unsigned long long)r->snapshot);
    mstr__snapshot_reply__free_unpacked(r, NULL);
    return true;
}

/* argv[i] as a count, if it is one. */
static bool count_arg(int argc, char **argv, int i, uint32_t *v)
{
    char *end;
    if (i >= argc || !isdigit((unsigned char)argv[i][0]))
        return false;
    unsigned long n = strtoul(argv[i], &end, 10);
    *v = (uint32_t)n;
    return *end == '\0' && n <= UINT32_MAX;
}

/* The request of call: Rescale's workers and processes from argv[3] and argv[4] (*used says
 * how many it took), none for the others. Returns false if the workers are missing. */
static bool encode_request(mstr_control_call call, int argc, char **argv, uint8_t *buf,
                           size_t *n, int *used)
{
    *n = 0;
    *used = 0;
    if (call != MSTR_CONTROL_RESCALE)
        return true;
    Mstr__RescaleRequest r = MSTR__RESCALE_REQUEST__INIT;
    if (!count_arg(argc, argv, 3, &r.workers))
        return false;
    *used = 1 + count_arg(argc, argv, 4, &r.processes);
    *n = mstr__rescale_request__pack(&r, buf);
    return true;
}

int mstr_control_client(int argc, char **argv, const mstr_job_desc *d)
{
    static const char *const names[MSTR_CONTROL_CALLS] = { "status", "snapshot", "stop",
                                                           "rescale" };
    int call = -1;
    for (int i = 0; argc > 2 && i < MSTR_CONTROL_CALLS; i++)
        if (strcmp(argv[2], names[i]) == 0)
            call = i;
    uint8_t request[32];
    size_t nrequest;
    int used;
    if (call < 0 || !encode_request((mstr_control_call)call, argc, argv, request, &nrequest,
                                    &used)) {
        fprintf(stderr, "usage: %s ctl status|snapshot|stop|rescale WORKERS [PROCESSES] "
                        "--coordinator HOST:PORT [--tls-ca FILE --tls-cert FILE --tls-key "
                        "FILE]\n", argv[0]);
        return 2;
    }
    int first = 2 + used; /* the settings follow the call (and its numbers) */
    mstr_settings s;
    int rc = mstr_settings_parse(&s, argc - first, argv + first, d);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    if (s.coordinator == NULL) {
        fprintf(stderr, "mstr ctl: say which process to ask: --coordinator HOST:PORT (or "
                        "MSTR_COORDINATOR)\n");
        return 2;
    }
    mstr_net_tls tls = { s.tls_ca, s.tls_cert, s.tls_key };
    char *error = NULL;
    size_t n = 0;
    int64_t timeout = call == MSTR_CONTROL_STATUS ? STATUS_TIMEOUT_MS : SNAPSHOT_TIMEOUT_MS;
    unsigned char *reply = mstr_net_call(s.coordinator, &tls, mstr_control_methods[call],
                                         request, nrequest, &n, timeout, &error);
    if (reply == NULL) {
        fprintf(stderr, "mstr ctl: %s: %s\n", s.coordinator, error);
        free(error);
        return 1;
    }
    bool ok = print_answer((mstr_control_call)call, reply, n);
    if (!ok)
        fprintf(stderr, "mstr ctl: %s answered something that is no %s reply\n", s.coordinator,
                names[call]);
    free(reply);
    return ok ? 0 : 1;
}
