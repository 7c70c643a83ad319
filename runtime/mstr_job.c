/*
 * mstr_job.c - a job's start and end, in one process or in several (see mstr_job.h).
 *
 * Order of work, and why: every source partition this process reads is opened first, then the
 * outputs, all in the main thread before any worker starts, so that a missing input file stops
 * the job before an output is truncated, and an unwritable output stops it before anything is
 * read. With a state directory the workers are made before the outputs are opened: the last
 * committed snapshot is restored into them (and into the partitions) first, an older one if it
 * is unusable, and the outputs then resume from that snapshot (mstr_sink.h). The main thread
 * then coordinates snapshots (mstr_coord.h) until the job stops. At the end the workers'
 * tallies are summed, and the summary says what went wrong with the data (records that could
 * not be decoded), with the outputs, and what the snapshots took.
 *
 * Over several processes (mstr_cluster.h) the job runs in rounds. The leader waits until every
 * follower has joined, then proposes the snapshot to restore, newest first: each process
 * restores its own part of it from its own store and says how that went; the first one that
 * every process could restore is the round's, and GO starts every process's workers on the
 * exchange hub of the round. A round that loses a process ends on every process: the workers
 * stop, what they did since the snapshot is dropped, and the next round restores the last
 * committed snapshot once the lost process is back. Without a state directory there is nothing
 * to roll back to, and the loss fails the job.
 *
 * A rescale happens within the round, live (mstr_rescale.h): the coordinator returns for it
 * with the workers running, the main thread
 * makes the plan, the new links and the new workers, waits until every worker is through,
 * retires those that left and goes on coordinating. Over several processes each does so at
 * the leader's word, in three stages (mstr_wire.h): every process prepares (its hub of the new
 * links takes their streams from then on), then connects to the others' hubs, then makes its
 * cut; a worker that gets the rescale's barrier from another process before its own process
 * asks for the cut finds the plan prepared. To another number of processes, the leader first
 * has the supervisor start the processes that join (mstr_super.h) and waits for their
 * sessions; a process whose first word from the leader is PREPARE rather than RESTORE joins
 * the running round in it (take_join). The processes that leave stay until the snapshot of the
 * new layout, which the leader takes at once, is committed, and then go. The round's layout is
 * the leader's, which says it with each RESTORE: the processes of its last committed snapshot
 * (a rescale that failed before one goes back to the layout before), and its workers per
 * process; a process started again after a loss runs as many as the others, whatever its
 * command line, and one beyond the layout ends.
 */
#include "mstr_job.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mstr_channel_net.h"
#include "mstr_channel_ring.h"
#include "mstr_cluster.h"
#include "mstr_control.h"
#include "mstr_coord.h"
#include "mstr_fail.h"
#include "mstr_mem.h"
#include "mstr_metrics.h"
#include "mstr_place.h"
#include "mstr_rescale.h"
#include "mstr_reshard.h"
#include "mstr_settings.h"
#include "mstr_sink.h"
#include "mstr_snapshot.h"
#include "mstr_stats.h"
#include "mstr_summary.h"
#include "mstr_source.h"
#include "mstr_store.h"
#include "mstr_super.h"
#include "mstr_time.h"
#include "mstr_worker.h"

enum {
    MAX_COMMITS = 64,           /* commit records looked at when choosing a snapshot */
    MAX_STATES = 1024,          /* operators with state a snapshot may list */
    SAY_EVERY_MS = 3000,        /* how often a process says whom it waits for */
    WAIT_STEP_MS = 250,
};

/* How a round ended. */
typedef enum round_end {
    ROUND_DONE,                 /* the job is over (well or not: see ok) */
    ROUND_LOST,                 /* a process was lost: roll back and go again */
    ROUND_JOINED,               /* a live rescale takes this process in: the round runs */
} round_end;

typedef struct job {
    const mstr_job_desc *desc;
    mstr_settings settings;
    int process, processes;     /* this process, of how many */
    int per_process, total;     /* workers here, and in the job */
    int round_workers;          /* leader: the workers per process of the next round (those of
                                   its command line, or of its last live rescale) */
    char *shape;                /* the job's shape (mstr_snapshot.h) */
    size_t *partitions;         /* per source: how many partitions it has (mstr_place.h) */
    mstr_partition *parts;      /* those this process reads */
    size_t nparts;
    int64_t *part_epochs;       /* what their epochs point into */
    mstr_sink_set sinks;
    mstr_store *store;          /* NULL without a state directory */
    char *store_dir, *staging_dir;
    char *ending_mark;          /* the supervisor's (mstr_super.h), or NULL */
    mstr_coord coord;
    mstr_cluster *cluster;      /* NULL for a job of one process without --listen */
    char **peers;
    mstr_meter *meter;          /* the figures of this process (mstr_stats.h) */
    mstr_control *control;      /* the control API and the progress line */
    mstr_metrics *metrics;      /* with --metrics-port */
    /* This round's: */
    uint64_t round;
    mstr_failure failure;
    mstr_doorbell *bells;       /* one per worker, room for MSTR_MAX_WORKERS */
    int nbells;                 /* those made */
    mstr_ring_hub *rings;
    mstr_net_hub *hub;          /* over several processes */
    mstr_ring_hub *old_rings;   /* the links a live rescale replaced, until every worker is */
    mstr_net_hub *old_hub;      /* through (the hub until the next one: its peers may still
                                   read it), or the round ends */
    bool left;                  /* it left the job (a live rescale took its work, or failed
                                   before it had any): it exits with MSTR_EXIT_LEFT */
    bool joining;               /* it joins the running job (mstr_super.h): its round begins
                                   with the live rescale that takes it in (take_join) */
    uint64_t joined_layout;     /* the layout of the round's links it joined at, */
    int joined_workers;         /* and the workers per process then */
    mstr_worker *workers;       /* room for MSTR_MAX_WORKERS: a live rescale makes more */
    mstr_rescale *rescale;      /* a live rescale that failed, freed with the links */
    uint64_t restored;          /* the snapshot it restored; 0 for a fresh start */
    int restored_workers;       /* how many workers took it (in the job) */
    uint64_t restored_entries;  /* how many entries that took (this process's) */
    int64_t restore_ms;         /* and how long */
    size_t map[MAX_STATES], nmap; /* the snapshot's operators (mstr_snapshot_fits) */
    int signal;                 /* the signal that stopped the job, or 0 */
    bool ok;
    uint64_t *records;          /* per sink, summed over the workers (of the last round) */
    uint64_t *checksum;
    uint64_t *counters;         /* per counter, likewise */
} job;

static bool alone(const job *j)
{
    return j->cluster == NULL;
}

/* Whether the job serves the other processes (and control): over several processes, or given
 * --listen. */
static bool serves(const job *j)
{
    return j->processes > 1 || j->settings.listen != NULL;
}

static bool leads(const job *j)
{
    return j->cluster != NULL && j->process == 0;
}

/* ---- inputs -------------------------------------------------------------------------------- */

/* Opens partition `part` of source i into p, where it starts (its epochs at epochs). Returns
 * false if it cannot be opened (after a message). */
static bool open_partition(job *j, size_t i, size_t part, mstr_partition *p, int64_t *epochs)
{
    const mstr_source_desc *src = &j->desc->sources[i];
    size_t n = j->partitions[i];
    *p = (mstr_partition){ .source = src, .index = part, .parts = n, .epochs = epochs };
    for (size_t e = 0; e < 2 * j->desc->npartition_epochs; e++)
        epochs[e] = MSTR_EPOCH_MIN;
    if (src->kind == MSTR_SOURCE_RANGE || src->kind == MSTR_SOURCE_NEXMARK ||
        src->kind == MSTR_SOURCE_LIST)
        mstr_place_span(src, part, n, &p->next, &p->end);
    mstr_arena scratch;
    mstr_arena_init(&scratch);
    bool ok = mstr_source_open(p, &scratch);
    mstr_arena_free(&scratch);
    return ok;
}

/* This process's entry of partition `part` of source i (read here, or once: away), or NULL. */
static mstr_partition *entry_of(job *j, size_t i, size_t part)
{
    for (size_t k = 0; k < j->nparts; k++)
        if (j->parts[k].source == &j->desc->sources[i] && j->parts[k].index == part)
            return &j->parts[k];
    return NULL;
}

/* Opens the source partitions this process reads on `processes` processes (mstr_place.h)
 * that it does not read now (all of them, the first time), with worker -1: they come from
 * another process, which has their positions. j->parts has room for every partition of the
 * job, and an entry stays where it is (workers point to it), closed and away once another
 * process reads it. Returns false if one cannot be opened (after a message). */
static bool open_partitions(job *j, int processes)
{
    const mstr_job_desc *d = j->desc;
    size_t per_part = 2 * d->npartition_epochs;
    bool ok = true;
    for (size_t i = 0; i < d->nsources; i++)
        for (size_t part = 0; part < j->partitions[i]; part++) {
            mstr_partition *p = entry_of(j, i, part);
            if (mstr_place_process(part, processes) != j->process || (p != NULL && !p->away))
                continue;
            if (p == NULL)
                p = &j->parts[j->nparts++];
            ok = open_partition(j, i, part, p,
                                &j->part_epochs[(size_t)(p - j->parts) * per_part]) && ok;
            p->worker = -1;
        }
    return ok;
}

/* Closes the partitions another process reads from now on (after a live rescale). */
static bool close_partitions_gone(job *j)
{
    bool ok = true;
    for (size_t k = 0; k < j->nparts; k++) {
        mstr_partition *p = &j->parts[k];
        if (p->away || mstr_place_process(p->index, j->processes) == j->process)
            continue;
        ok = mstr_source_close(p) && ok;
        p->away = true;
        p->worker = -1;
        atomic_store(&p->malformed, 0); /* (its count went along with its position) */
    }
    return ok;
}

/* Places and opens every source partition this process reads (mstr_place.h). Returns false if
 * one cannot be opened (after a message). */
static bool open_inputs(job *j)
{
    const mstr_job_desc *d = j->desc;
    size_t all = 0;
    for (size_t i = 0; i < d->nsources; i++)
        all += j->partitions[i];
    j->parts = mstr_alloc_array(all + 1, sizeof *j->parts);
    j->part_epochs = mstr_alloc_array(all * 2 * d->npartition_epochs + 1, sizeof *j->part_epochs);
    j->nparts = 0;
    return open_partitions(j, j->processes);
}

static bool close_inputs(job *j)
{
    bool ok = true;
    for (size_t i = 0; i < j->nparts; i++)
        ok = mstr_source_close(&j->parts[i]) && ok; /* (again, for those away: nothing) */
    free(j->parts);
    free(j->part_epochs);
    j->parts = NULL;
    j->part_epochs = NULL;
    j->nparts = 0;
    return ok;
}

/* ---- a round's links and workers ------------------------------------------------------- */

/* The links between n workers per process of round j->round, of its layout `layout` (0, then
 * one more at each live rescale): *rings among this process's, and over several processes (or
 * with a cluster) *hub, whose streams arrive from now on (and which is NULL otherwise). */
static void make_layout(job *j, int n, uint64_t layout, mstr_ring_hub **rings,
                        mstr_net_hub **hub)
{
    *rings = mstr_ring_hub_new(n, j->process * n, j->bells);
    *hub = NULL;
    if (alone(j))
        return;
    mstr_wire_hello hello = { .process = (uint32_t)j->process,
                              .processes = (uint32_t)j->processes,
                              .workers = (uint32_t)n,
                              .fingerprint = mstr_snapshot_fingerprint(j->desc),
                              .round = j->round, .layout = layout };
    *hub = mstr_net_hub_new(&hello, *rings, j->bells, &j->failure);
    mstr_cluster_route(j->cluster, *hub);
}

/* The doorbells, the failure flag and the links between the workers of round j->round. */
static void make_links(job *j)
{
    int n = j->per_process;
    j->bells = mstr_alloc_array(MSTR_MAX_WORKERS, sizeof *j->bells);
    for (int i = 0; i < n; i++)
        mstr_doorbell_init(&j->bells[i]);
    j->nbells = n;
    mstr_failure_init(&j->failure, j->bells, n);
    j->rings = NULL;
    j->hub = NULL;
    if (n > 0) /* (a process that joins has no links before the rescale that takes it in) */
        make_layout(j, n, 0, &j->rings, &j->hub);
}

/* Closes and frees *hub (NULL is ignored): no stream of it is taken or heard from after this. */
static void close_hub(job *j, mstr_net_hub **hub)
{
    if (*hub == NULL)
        return;
    mstr_cluster_unroute(j->cluster, *hub);
    mstr_net_hub_close(*hub);
    mstr_net_hub_free(*hub);
    *hub = NULL;
}

/* Ends the round's links: no stream of the round is taken or heard from after this. Says what
 * failed, and returns whether the round lost a process (rather than failed). */
static bool free_links(job *j, bool *failed)
{
    close_hub(j, &j->hub);
    close_hub(j, &j->old_hub);
    if (j->rings != NULL)
        mstr_ring_hub_free(j->rings);
    if (j->old_rings != NULL)
        mstr_ring_hub_free(j->old_rings);
    j->old_rings = NULL;
    if (j->rescale != NULL)
        mstr_rescale_free(j->rescale);
    j->rescale = NULL;
    bool lost = mstr_failure_was_loss(&j->failure);
    *failed = mstr_failure_finish(&j->failure);
    for (int i = 0; i < j->nbells; i++)
        mstr_doorbell_free(&j->bells[i]);
    free(j->bells);
    return lost && *failed;
}

/* Makes this process's worker i (of j->per_process) over channel c with the owner table owners;
 * joins: the live rescale that makes it, or NULL. */
static void make_worker(job *j, int i, const mstr_owners *owners, mstr_channel *c,
                        mstr_rescale *joins)
{
    mstr_worker_setup s = {
        .desc = j->desc, .index = j->process * j->per_process + i, .workers = j->total,
        .process = j->process, .local = i, .owners = owners, .parts = j->parts,
        .nparts = j->nparts, .partitions = j->partitions, .channel = c, .bell = &j->bells[i],
        .failure = &j->failure, .coord = &j->coord, .sinks = &j->sinks,
        .poll_records = (size_t)j->settings.poll_records,
        .poll_sleep_ms = j->settings.poll_sleep_ms,
        .rescale_sleep_ms = j->settings.rescale_sleep_ms, .joins = joins,
    };
    mstr_worker_init(&j->workers[i], &s);
}

/* The round runs `per_process` workers in each process. */
static void set_workers(job *j, int per_process)
{
    j->per_process = per_process;
    j->total = j->processes * per_process;
}

/* Gives each of the process's partitions to its worker among the round's. */
static void place_parts(job *j)
{
    for (size_t k = 0; k < j->nparts; k++)
        if (!j->parts[k].away)
            j->parts[k].worker = mstr_place_worker(j->parts[k].index, j->processes,
                                                   j->per_process);
}

static void make_workers(job *j)
{
    place_parts(j);
    mstr_owners owners;
    mstr_owners_init(&owners, (uint32_t)j->settings.key_groups, j->processes, j->per_process,
                     0);
    j->workers = mstr_alloc_array(MSTR_MAX_WORKERS, sizeof *j->workers);
    for (int i = 0; i < j->per_process; i++)
        make_worker(j, i, &owners,
                    j->hub ? mstr_net_hub_end(j->hub, i) : mstr_ring_hub_end(j->rings, i), NULL);
    mstr_owners_free(&owners);
}

/* Adds up the tallies of worker i (its thread ended) and closes it. Returns false if a write
 * failed. */
static bool retire_worker(job *j, int i)
{
    mstr_worker *w = &j->workers[i];
    for (size_t k = 0; k < j->desc->ncounters; k++)
        j->counters[k] += mstr_tally_read(&w->counters[k]);
    return mstr_worker_close(w, j->records, j->checksum);
}

/* Closes what the workers used, adds up their tallies and frees them. Returns false if a
 * write failed. */
static bool close_workers(job *j)
{
    bool ok = true;
    for (int i = 0; i < j->per_process; i++)
        ok = retire_worker(j, i) && ok;
    free(j->workers);
    j->workers = NULL;
    return ok;
}

/* Throws away workers (and partitions) that a snapshot was partly restored into, and makes
 * them again. Returns false if an input cannot be opened again. */
static bool remake_workers(job *j)
{
    close_workers(j);
    close_inputs(j);
    if (!open_inputs(j))
        return false;
    make_workers(j);
    return true;
}

/* The addresses of the first n processes, comma-separated (to free). */
static char *peers_text(const job *j, int n)
{
    char *text = mstr_strdup("");
    for (int p = 0; p < n; p++) {
        char *more = mstr_strf("%s%s%s", text, p > 0 ? "," : "", j->peers[p]);
        free(text);
        text = more;
    }
    return text;
}

/* Takes the addresses of the job's processes from text (comma-separated; "" keeps them). */
static void take_peers(job *j, const char *text)
{
    if (text == NULL || *text == '\0')
        return;
    mstr_settings_free_peers(j->peers);
    j->peers = mstr_settings_peers(&(mstr_settings){ .peers = text });
}

/* The job runs on `processes` processes from now on (over several processes: the cluster's
 * sessions and sends, the coordinator's followers). */
static void set_processes(job *j, int processes)
{
    j->processes = processes;
    j->total = processes * j->per_process;
    if (j->cluster != NULL)
        mstr_cluster_set_processes(j->cluster, processes, j->peers);
    mstr_coord_set_followers(&j->coord, processes - 1);
}

/* A stage of live rescale n to `processes` processes of `to` workers, as the leader says it
 * (with what a process that joins takes) or a follower answers it. */
static void say_stage(job *j, uint64_t n, mstr_wire_stage s, int processes, int to)
{
    char *peers = s == MSTR_STAGE_PREPARE && leads(j) ? peers_text(j, processes) : NULL;
    mstr_wire_coord m = {
        .snapshot = n, .value = s, .workers = (uint32_t)to, .processes = (uint32_t)processes,
        .was_workers = (uint32_t)j->per_process, .was_processes = (uint32_t)j->processes,
        .round = j->round, .layout = j->hub ? mstr_net_hub_hello(j->hub)->layout : 0,
        .last = j->coord.last, .shape = j->shape, .shape_len = strlen(j->shape),
        .message = peers, .message_len = peers ? strlen(peers) : 0,
    };
    mstr_coord_rescale_say(&j->coord, &m);
    free(peers);
}

/* Over several processes: passes stage s of live rescale n, which every process must reach
 * before any goes on: a follower says it is through the stage before and waits for the
 * leader's word; the leader waits for every follower, then says it. Returns false if the job
 * failed meanwhile. */
static bool pass_stage(job *j, uint64_t n, mstr_wire_stage s, int processes, int to)
{
    if (alone(j))
        return true;
    if (!leads(j)) {
        say_stage(j, n, s - 1, processes, to);
        return mstr_coord_rescale_await(&j->coord, n, s);
    }
    if (!mstr_coord_rescale_await(&j->coord, n, s - 1))
        return false;
    say_stage(j, n, s, processes, to);
    return true;
}

/* Through live rescale r, which took ms: says what it did (each process for its own workers). */
static void say_rescaled(const job *j, const mstr_rescale *r, int64_t ms)
{
    char who[32] = "", across[64] = "";
    if (r->processes_before > 1 || r->processes > 1)
        snprintf(who, sizeof who, "process %d ", j->process);
    if (r->processes != r->processes_before)
        snprintf(across, sizeof across, " (the job: %d processes of %d)", r->processes,
                 r->workers);
    fprintf(stderr, "mstr: %srescaled from %d to %d workers%s live in %lld ms: %llu of %u key "
                    "groups (%llu keyed slots, %llu bytes) went to another worker; the longest "
                    "a worker waited for what it took over: %.1f ms; %llu records waited for "
                    "their key group's state\n",
            who, r->from, r->to, across, (long long)ms,
            (unsigned long long)atomic_load(&r->moved_groups),
            (unsigned)j->settings.key_groups, (unsigned long long)atomic_load(&r->moved_slots),
            (unsigned long long)atomic_load(&r->moved_bytes),
            (double)atomic_load(&r->longest_wait_us) / 1e3,
            (unsigned long long)atomic_load(&r->held));
}

/* Leader, before a live rescale to `processes` processes of `to` workers: when processes
 * join, asks the supervisor to start them (mstr_super.h) and waits until they have joined the
 * round; the sessions of every process, old and new, are the round's until the cut. Returns
 * false (after failing the job) if they do not come. */
static bool gather_processes(job *j, int processes, int to)
{
    int most = processes > j->processes ? processes : j->processes;
    if (processes > j->processes) {
        char *peers = NULL;
        if (!mstr_super_grow(j->settings.state_dir, processes, to, &peers)) {
            mstr_failure_set(&j->failure, "the supervisor did not start processes %d to %d",
                             j->processes, processes - 1);
            return false;
        }
        take_peers(j, peers);
        free(peers);
    }
    mstr_cluster_set_processes(j->cluster, most, j->peers);
    mstr_coord_set_followers(&j->coord, most - 1);
    return mstr_coord_await_joined(&j->coord);
}

/* The job goes on with `processes` processes of `to` workers each, live (mstr_rescale.h):
 * makes the plan, the new links and the new workers, starts them, asks for the cut (over
 * processes in the leader's stages), waits until every worker is through, and retires those
 * that left and the old links. Across processes a process may have no workers before (it
 * joins: j->per_process is the job's count, of which it has none) or after (it leaves, once the
 * first snapshot of the new layout is committed). If the job fails meanwhile, every worker
 * made stops with the round, and is closed, and the links go with the round's. */
static void live_rescale(job *j, int processes, int to)
{
    int64_t start = mstr_clock_ms(CLOCK_MONOTONIC);
    int before = j->processes, workers_before = j->per_process;
    int from = j->process < before && !j->joining ? workers_before : 0;
    int here = j->process < processes ? to : 0, most = from > here ? from : here;
    bool across = processes != before;
    uint64_t n = mstr_coord_rescale_number(&j->coord);
    if (leads(j) || alone(j))
        fprintf(stderr, "mstr: rescaling from %d to %d workers%s, live\n",
                workers_before * before, to * processes,
                across ? " and processes" : before > 1 ? " over the processes" : "");
    bool ok = !across || !leads(j) || gather_processes(j, processes, to);
    if (ok && leads(j))
        say_stage(j, n, MSTR_STAGE_PREPARE, processes, to);
    if (!leads(j))
        take_peers(j, j->coord.rescale_peers);
    close_hub(j, &j->old_hub); /* that of the rescale before, which every process is through */
    for (; j->nbells < most; j->nbells++)
        mstr_doorbell_init(&j->bells[j->nbells]);
    mstr_failure_more_bells(&j->failure, j->nbells);
    ok = ok && (!across || open_partitions(j, processes));
    /* the next layout of the round: its hub takes the streams of the other parity than the
       current one's, which still runs (the same in every process: a round starts at 0, and
       each live rescale through moves every process on by one) */
    uint64_t layout = j->hub ? mstr_net_hub_hello(j->hub)->layout + 1 : j->joined_layout + 1;
    j->processes = processes;
    mstr_ring_hub *rings = NULL;
    mstr_net_hub *hub = NULL;
    if (here > 0)
        make_layout(j, here, layout, &rings, &hub);
    mstr_channel **ends = mstr_alloc_array((size_t)here + 1, sizeof *ends);
    for (int i = 0; i < here; i++)
        ends[i] = hub ? mstr_net_hub_end(hub, i) : mstr_ring_hub_end(rings, i);
    mstr_rescale_setup setup = {
        .number = n, .desc = j->desc, .process = j->process, .processes_before = before,
        .workers_before = workers_before, .processes = processes, .workers = to,
        .key_groups = (uint32_t)j->settings.key_groups, .ends = ends,
        .partitions = j->partitions, .parts = j->parts, .nparts = j->nparts,
        .workers_here = j->workers, .bells = j->bells,
    };
    mstr_rescale *r = mstr_rescale_new(&setup);
    set_workers(j, to); /* for the new workers' indexes and counts */
    uint64_t interval = mstr_coord_requested(&j->coord) + 1;
    for (int i = from; i < here; i++) {
        make_worker(j, i, &r->owners, ends[i], r);
        ok = mstr_sink_views_begin(&j->workers[i].views, interval) && ok;
    }
    mstr_coord_prepare_rescale(&j->coord, r);
    for (int i = from; i < here; i++)
        if (!mstr_worker_start(&j->workers[i]))
            abort();
    if (!ok && !mstr_failed(&j->failure))
        mstr_failure_set(&j->failure, "the new workers cannot write their output, or an "
                                      "input cannot be opened");
    ok = ok && pass_stage(j, n, MSTR_STAGE_CONNECT, processes, to);
    if (ok && hub != NULL)
        mstr_net_hub_connect(hub, mstr_cluster_net(j->cluster), j->peers);
    ok = ok && pass_stage(j, n, MSTR_STAGE_CUT, processes, to);
    if (ok)
        mstr_coord_begin_rescale(&j->coord);
    ok = ok && mstr_coord_await_rescale(&j->coord, most);
    if (ok && !alone(j) && !leads(j))
        say_stage(j, n, MSTR_STAGE_CUT, processes, to);
    else if (ok && !alone(j))
        ok = mstr_coord_rescale_await(&j->coord, n, MSTR_STAGE_CUT);
    /* the new links are the round's from now on */
    j->old_rings = j->rings;
    j->old_hub = j->hub;
    j->rings = rings;
    j->hub = hub;
    mstr_coord_end_rescale(&j->coord, here);
    free(ends);
    if (!ok) {
        j->per_process = most; /* (to close them all) */
        j->rescale = r; /* freed with the links, once every worker has stopped */
        return;
    }
    for (int i = here; i < from; i++)
        mstr_worker_join(&j->workers[i]);
    if (j->old_rings != NULL)
        mstr_ring_hub_free(j->old_rings);
    j->old_rings = NULL;
    if (j->old_hub != NULL)
        mstr_net_hub_stopping(j->old_hub); /* its peers close theirs as they come to it */
    place_parts(j); /* (where the plan put them) */
    if (across) {
        mstr_coord_drop(&j->coord, &r->drops);
        j->ok = close_partitions_gone(j) && j->ok;
        set_processes(j, processes);
        mstr_coord_leaving(&j->coord, processes, before); /* released once a snapshot of the
                                                              new layout is committed */
    }
    j->joining = false;
    mstr_meter_rescale(j->meter, processes, from, here, j->nparts, j->hub);
    for (int i = here; i < from; i++)
        j->ok = retire_worker(j, i) && j->ok;
    if (here == 0)
        set_workers(j, 0); /* it leaves the job */
    j->round_workers = to;
    if (leads(j) && mstr_super_started())
        mstr_super_note_layout(j->settings.state_dir, processes, to);
    say_rescaled(j, r, mstr_clock_ms(CLOCK_MONOTONIC) - start);
    mstr_control_rescaled(j->control, 0, processes, processes * to); /* (from no snapshot) */
    mstr_rescale_free(r);
}

/* Starts the workers, coordinates them until the round stops (rescaling them live when a
 * Rescale call asks), and waits for them. */
static void run_workers(job *j)
{
    int processes = j->coord.rescale_processes, to = j->coord.rescale_to; /* (joining) */
    mstr_coord_begin_round(&j->coord, j->per_process, j->bells, &j->failure, j->restored);
    for (int i = 0; i < j->per_process; i++)
        if (!mstr_worker_start(&j->workers[i]))
            abort();
    if (j->joining) { /* (the leader's word of it came: join_running) */
        j->per_process = j->joined_workers; /* the layout before, of which it has none */
        live_rescale(j, processes, to);
    }
    for (;;) {
        j->signal = mstr_coord_run(&j->coord);
        if (j->coord.rescale_to == 0)
            break;
        live_rescale(j, j->coord.rescale_processes, j->coord.rescale_to);
    }
    if (j->hub != NULL)
        mstr_net_hub_stopping(j->hub); /* the other processes may end their streams now */
    for (int i = 0; i < j->per_process; i++)
        mstr_worker_join(&j->workers[i]);
}

/* ---- state --------------------------------------------------------------------------------- */

static bool make_dir(const char *path)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST)
        return true;
    fprintf(stderr, "mstr: cannot make the state directory '%s': %s\n", path, strerror(errno));
    return false;
}

/* A job of one process: rewrites the state of a job over several processes (whose process 1
 * left DIR/store.1) for it, before it opens its store. */
static bool rewrite_state(job *j)
{
    if (j->processes > 1 || j->settings.fresh)
        return true;
    char *second = mstr_strf("%s/store.1", j->settings.state_dir);
    struct stat st;
    bool several = stat(second, &st) == 0;
    free(second);
    bool rewrote;
    char *error = NULL;
    if (!several ||
        mstr_reshard(j->desc, j->settings.state_dir, 1, j->per_process, &rewrote, &error))
        return true;
    fprintf(stderr, "mstr: cannot rewrite the state in '%s' for one process: %s; run with "
                    "--fresh to discard it and start over\n", j->settings.state_dir, error);
    free(error);
    return false;
}

/* Opens the store (destroying it first with --fresh, on the leader or alone). */
static bool open_store(job *j)
{
    const char *dir = j->settings.state_dir;
    char *error = NULL;
    if (j->settings.fresh && j->process == 0 && !mstr_store_destroy(j->store_dir, &error)) {
        fprintf(stderr, "mstr: %s: %s\n", dir, error);
        free(error);
        return false;
    }
    j->store = mstr_store_open(j->store_dir, &error);
    if (j->store == NULL) {
        fprintf(stderr, "mstr: %s: %s; run with --fresh to discard it and start over\n", dir,
                error);
        free(error);
        return false;
    }
    return true;
}

/* Takes the key groups and partition counts of shape (fixed when a job's state is created:
 * mstr_snapshot.h), whose state it is: the stored one's, or the running job's. Returns whether
 * the partition counts changed (the inputs must be opened again). */
static bool take_layout(job *j, const char *shape, const char *whose)
{
    const mstr_job_desc *d = j->desc;
    uint32_t groups = (uint32_t)j->settings.key_groups;
    size_t *partitions = mstr_alloc_array(d->nsources + 1, sizeof *partitions);
    memcpy(partitions, j->partitions, d->nsources * sizeof *partitions);
    mstr_snapshot_layout(shape, d, &groups, partitions);
    if (groups != (uint32_t)j->settings.key_groups)
        fprintf(stderr, "mstr: %s has %u key groups, fixed when it was created (not the %d of "
                        "the job's settings)\n", whose, groups, j->settings.key_groups);
    j->settings.key_groups = (int)groups;
    bool same = memcmp(partitions, j->partitions, d->nsources * sizeof *partitions) == 0;
    free(j->partitions);
    j->partitions = partitions;
    return !same;
}

/* Takes the layout of the stored state, if there is any, opening the inputs again if their
 * partitions change. Returns false (after a message) if an input cannot be opened again. */
static bool adopt_layout(job *j)
{
    mstr_commit commit;
    if (mstr_store_commits(j->store, &commit, 1) == 0)
        return true; /* the job starts from nothing, with its own layout */
    char *error = NULL, *stored = mstr_store_get_shape(j->store, &error);
    if (stored == NULL) {
        free(error);
        return true; /* check_shape says what is wrong */
    }
    char *whose = mstr_strf("the state in '%s'", j->settings.state_dir);
    bool changed = take_layout(j, stored, whose);
    free(whose);
    free(stored);
    if (!changed)
        return true;
    close_inputs(j);
    return open_inputs(j);
}

/* Clears what an earlier run left in this process's store: the job starts from nothing. Not
 * the state of another version of the runtime, whose commit records this one does not read.
 * Returns NULL, or why it cannot (to free). */
static char *clear_state(job *j)
{
    char *error = NULL;
    j->restored = 0;
    if (j->store == NULL)
        return NULL;
    char *stored = mstr_store_get_shape(j->store, &error);
    bool ours = error == NULL && (stored == NULL || mstr_snapshot_same_version(stored, &error));
    free(stored);
    if (ours && mstr_store_discard_after(j->store, 0, &error) &&
        mstr_store_put_shape(j->store, j->shape, &error))
        return NULL;
    /* (a store whose commit records cannot be read looks empty: this is where it shows) */
    char *why = mstr_strf("%s: %s; run with --fresh to discard it and start over",
                          j->settings.state_dir, error);
    free(error);
    return why;
}

/* Checks that the stored state fits the program (filling j->map). Returns NULL, or why not. */
static char *check_shape(job *j)
{
    char *error = NULL, *stored = mstr_store_get_shape(j->store, &error);
    bool ok = stored != NULL && mstr_snapshot_fits(stored, j->shape, j->desc, j->map,
                                                   MAX_STATES, &j->nmap, &error);
    free(stored);
    if (ok)
        return NULL;
    char *why = stored == NULL && error != NULL
                    ? mstr_strf("%s: %s; run with --fresh to discard it and start over",
                                j->settings.state_dir, error)
                    : mstr_strf("the state in '%s' does not fit this program: %s; run with "
                                "--fresh to discard it and start over", j->settings.state_dir,
                                error ? error : "its description is missing");
    free(error);
    return why;
}

/* Restores this process's part of committed snapshot n into the workers and partitions.
 * Returns NULL, or why it cannot (to free; the workers must then be made again). */
static char *restore_part(job *j, uint64_t n)
{
    mstr_commit commits[MAX_COMMITS];
    size_t ncommits = mstr_store_commits(j->store, commits, MAX_COMMITS);
    const mstr_commit *c = NULL;
    for (size_t i = 0; i < ncommits && c == NULL; i++)
        if (commits[i].snapshot == n)
            c = &commits[i];
    if (c == NULL)
        return mstr_strf("process %d has no part of snapshot %llu in '%s'", j->process,
                         (unsigned long long)n, j->settings.state_dir);
    char *error = NULL;
    int64_t start = mstr_clock_ms(CLOCK_MONOTONIC);
    if (!mstr_snapshot_restore(j->store, c, j->workers, j->per_process, j->parts, j->nparts,
                               j->map, j->nmap, &j->restored_entries, &error)) {
        char *why = mstr_strf("snapshot %llu in '%s' cannot be restored: %s",
                              (unsigned long long)n, j->settings.state_dir, error);
        free(error);
        return why;
    }
    j->restored = n;
    j->restored_workers = c->workers * j->processes;
    j->restore_ms = mstr_clock_ms(CLOCK_MONOTONIC) - start;
    return NULL;
}

/* Says which snapshot the job resumed from, and how much it read how fast. */
static void say_resumed(const job *j)
{
    double s = (double)j->restore_ms / 1e3;
    fprintf(stderr, "mstr: resumed from snapshot %llu in '%s': %llu entries in %.3f s",
            (unsigned long long)j->restored, j->settings.state_dir,
            (unsigned long long)j->restored_entries, s);
    if (j->restore_ms > 0)
        fprintf(stderr, " (%.2f M/s)", (double)j->restored_entries / s / 1e6);
    if (j->restored_workers != j->total)
        fprintf(stderr, "; it was taken by %d worker%s and goes on with %d",
                j->restored_workers, j->restored_workers == 1 ? "" : "s", j->total);
    fputc('\n', stderr);
}

/* Leader or alone, once the round's snapshot is chosen: drops what came after it, and opens the
 * outputs where it left them. */
static bool open_outputs(job *j)
{
    if (j->store == NULL)
        return mstr_sink_set_open(&j->sinks, NULL);
    char *error = NULL;
    if (j->restored == 0)
        return mstr_sink_set_open(&j->sinks, j->store);
    bool ok = mstr_store_discard_after(j->store, j->restored, &error) &&
              mstr_sink_set_resume(&j->sinks, j->store, j->restored, &error);
    if (!ok) {
        fprintf(stderr, "mstr: resuming from snapshot %llu: %s\n",
                (unsigned long long)j->restored, error);
        free(error);
    }
    return ok;
}

static bool say(char *why)
{
    if (why != NULL)
        fprintf(stderr, "mstr: %s\n", why);
    free(why);
    return why == NULL;
}

/* Alone: restores the newest usable committed snapshot (or starts fresh), and opens the
 * outputs. */
static bool prepare_alone(job *j)
{
    if (j->store == NULL)
        return open_outputs(j);
    mstr_commit commits[MAX_COMMITS];
    size_t ncommits = mstr_store_commits(j->store, commits, MAX_COMMITS);
    if (ncommits == 0)
        return say(clear_state(j)) && open_outputs(j);
    if (!say(check_shape(j)))
        return false;
    for (size_t i = 0; i < ncommits; i++) {
        char *why = restore_part(j, commits[i].snapshot);
        if (why == NULL) {
            say_resumed(j);
            return open_outputs(j);
        }
        fprintf(stderr, "mstr: %s%s\n", why, i + 1 < ncommits ? "; trying the one before" : "");
        free(why);
        if (!remake_workers(j))
            return false;
    }
    fprintf(stderr, "mstr: '%s' holds no usable snapshot; run with --fresh to discard its state "
                    "and start over\n", j->settings.state_dir);
    return false;
}

/* ---- the rounds of several processes ------------------------------------------------------ */

/* The next event of a round that is not running yet, waiting up to WAIT_STEP_MS; control calls
 * go to the control meanwhile. NULL if none came (or a signal did: j->signal says). */
static mstr_coord_event *next_event(job *j)
{
    int64_t deadline = mstr_clock_ms(CLOCK_MONOTONIC) + WAIT_STEP_MS;
    mstr_coord_event *e;
    while (mstr_coord_next_event(&j->coord, &e, deadline - mstr_clock_ms(CLOCK_MONOTONIC))) {
        if (!mstr_coord_control_event(&j->coord, e))
            return e;
        mstr_coord_event_free(e);
    }
    j->signal = mstr_coord_signal(&j->coord);
    return NULL;
}

/* Leader: waits until every follower has joined the round. Returns false on a signal. */
static bool await_followers(job *j)
{
    int64_t said = mstr_clock_ms(CLOCK_MONOTONIC);
    for (;;) {
        int missing = mstr_cluster_missing(j->cluster);
        if (missing < 0)
            return true;
        mstr_coord_event *e = next_event(j);
        if (e != NULL)
            mstr_coord_event_free(e); /* joins and losses: the cluster keeps count */
        else if (j->signal != 0)
            return false;
        if (mstr_clock_ms(CLOCK_MONOTONIC) - said >= SAY_EVERY_MS) {
            fprintf(stderr, "mstr: process 0 waits for process %d (%s)\n", missing,
                    mstr_cluster_peer(j->cluster, missing));
            said = mstr_clock_ms(CLOCK_MONOTONIC);
        }
    }
}

/* Leader: what every follower answered to RESTORE of snapshot n. Returns ROUND_DONE with ok set
 * if all could (or, ok clear, if one could not: it said why), ROUND_LOST if one was lost. */
static round_end await_restored(job *j, uint64_t n, bool *all_ok)
{
    int answers = 0;
    *all_ok = true;
    while (answers < j->processes - 1) {
        mstr_coord_event *e = next_event(j);
        if (e == NULL) {
            if (j->signal != 0)
                return ROUND_LOST;
            continue;
        }
        round_end end = ROUND_DONE;
        if (e->kind == MSTR_EVENT_LOST) {
            fprintf(stderr, "mstr: process %d was lost while restoring: %s\n", e->process,
                    e->text);
            end = ROUND_LOST;
        } else if (e->kind == MSTR_EVENT_MESSAGE && e->m.kind == MSTR_WIRE_RESTORED &&
                   e->m.snapshot == n) {
            answers++;
            if (!e->m.flag) {
                fprintf(stderr, "mstr: %.*s\n", (int)e->m.message_len, e->m.message);
                *all_ok = false;
            }
        }
        mstr_coord_event_free(e);
        if (end == ROUND_LOST)
            return end;
    }
    return ROUND_DONE;
}

/* Leader: the snapshots it may start the round from, newest first: its committed ones, or
 * none (0: a fresh start) if there are none. */
static size_t candidates(job *j, uint64_t *out)
{
    mstr_commit commits[MAX_COMMITS];
    size_t n = j->store ? mstr_store_commits(j->store, commits, MAX_COMMITS) : 0;
    for (size_t i = 0; i < n; i++)
        out[i] = commits[i].snapshot;
    if (n == 0)
        out[n++] = 0;
    return n;
}

/* Leader: proposes snapshots to restore, newest first, until one restores on every process, and
 * starts the round on it. */
static round_end lead_restore(job *j)
{
    uint64_t snapshots[MAX_COMMITS];
    size_t n = candidates(j, snapshots);
    j->ok = snapshots[0] == 0 || say(check_shape(j));
    for (size_t i = 0; j->ok && i < n; i++) {
        if (i > 0 && !remake_workers(j))
            break;
        uint64_t s = snapshots[i];
        if (!say(s == 0 ? clear_state(j) : restore_part(j, s)))
            continue;
        char *peers = peers_text(j, j->processes);
        mstr_cluster_send(j->cluster, -1,
                          &(mstr_wire_coord){ .kind = MSTR_WIRE_RESTORE, .snapshot = s,
                                              .value = j->round,
                                              .workers = (uint32_t)j->per_process,
                                              .processes = (uint32_t)j->processes,
                                              .message = peers, .message_len = strlen(peers) });
        free(peers);
        bool all_ok;
        if (await_restored(j, s, &all_ok) == ROUND_LOST)
            return ROUND_LOST;
        if (!all_ok)
            continue;
        j->ok = open_outputs(j);
        if (j->ok)
            mstr_cluster_send(j->cluster, -1,
                              &(mstr_wire_coord){ .kind = MSTR_WIRE_GO, .snapshot = s });
        if (j->ok && s > 0)
            say_resumed(j);
        return ROUND_DONE;
    }
    if (j->ok)
        fprintf(stderr, "mstr: no snapshot in '%s' can be restored on every process; run with "
                        "--fresh to discard the state and start over\n", j->settings.state_dir);
    j->ok = false;
    return ROUND_DONE;
}

/* Follower: joins the round, waiting for the leader as long as it takes. Returns false on a
 * signal. */
static bool join(job *j)
{
    int64_t said = mstr_clock_ms(CLOCK_MONOTONIC);
    while (!mstr_cluster_join(j->cluster, WAIT_STEP_MS)) {
        if ((j->signal = mstr_coord_signal(&j->coord)) != 0)
            return false;
        if (mstr_clock_ms(CLOCK_MONOTONIC) - said >= SAY_EVERY_MS) {
            fprintf(stderr, "mstr: process %d waits for process 0 (%s)\n", j->process,
                    mstr_cluster_peer(j->cluster, 0));
            said = mstr_clock_ms(CLOCK_MONOTONIC);
        }
    }
    return true;
}

/* Follower: restores snapshot n (0: starts fresh) as the leader asks, and says how it went. */
static void follow_restore(job *j, uint64_t n, bool again)
{
    char *why = NULL;
    if (again && !remake_workers(j))
        why = mstr_strdup("an input cannot be opened again");
    else if (n == 0)
        why = clear_state(j);
    else if (j->store == NULL)
        why = mstr_strf("process %d has no state directory to restore snapshot %llu from",
                        j->process, (unsigned long long)n);
    else if ((why = check_shape(j)) == NULL)
        why = restore_part(j, n);
    mstr_cluster_send(j->cluster, 0,
                      &(mstr_wire_coord){ .kind = MSTR_WIRE_RESTORED, .snapshot = n,
                                          .flag = why == NULL, .message = why,
                                          .message_len = why ? strlen(why) : 0 });
    free(why);
}

/* The round runs on `processes` processes (the leader's word: a live rescale may have changed
 * them, or failed before its first snapshot, since this process last ran a round); this one
 * reads the partitions of that layout. Returns false (after a message) if an input cannot be
 * opened, or the addresses of the processes are not known. */
static bool take_processes(job *j, int processes)
{
    int known = 0;
    while (j->peers[known] != NULL)
        known++;
    if (processes > known) {
        fprintf(stderr, "mstr: the job runs on %d processes, and process %d knows the addresses "
                        "of %d\n", processes, j->process, known);
        return false;
    }
    bool same = processes == j->processes;
    set_processes(j, processes);
    set_workers(j, j->per_process); /* (the total) */
    if (same)
        return true;
    close_inputs(j);
    return open_inputs(j);
}

/* Follower: the leader's first RESTORE names the round, its layout (processes at peers, of
 * m->workers workers) and the snapshot to restore: makes the links and workers of the round.
 * Returns false (after a message) if it cannot. */
static bool take_round(job *j, const mstr_wire_coord *m, const char *peers)
{
    j->round = m->value;
    take_peers(j, peers);
    set_workers(j, (int)m->workers);
    if (!take_processes(j, (int)m->processes))
        return false;
    make_links(j);
    make_workers(j);
    return true;
}

/* Follower: the leader's first word of the round is PREPARE of live rescale m to processes
 * that include this one (started to join: mstr_super.h): takes the round, the layout before
 * and the addresses from it, and the round runs from that rescale on, with an empty store. (A
 * rescale that fails before its first snapshot ends the round, and the round after is that of
 * the last snapshot, whose processes do not include this one: it ends.) Returns false (after
 * a message) if it cannot. */
static bool take_join(job *j, const mstr_wire_coord *m, const char *peers)
{
    bool relaid = take_layout(j, m->shape, "the job it joins");
    free(j->shape);
    j->shape = mstr_snapshot_shape(j->desc, (uint32_t)j->settings.key_groups, j->partitions);
    j->round = m->round;
    j->joined_layout = m->layout;
    j->joined_workers = (int)m->was_workers;
    take_peers(j, peers);
    j->coord.rescale_asked = m->snapshot;
    j->coord.rescale_stage = MSTR_STAGE_PREPARE;
    j->coord.rescale_to = (int)m->workers;
    j->coord.rescale_processes = (int)m->processes;
    set_workers(j, 0);
    if (relaid)
        close_inputs(j);
    if ((relaid && !open_inputs(j)) || !take_processes(j, (int)m->processes) ||
        !say(clear_state(j)))
        return false; /* (clear_state: what an earlier layout left in its store) */
    j->restored = m->last; /* (its workers' output goes to the interval after it) */
    fprintf(stderr, "mstr: process %d joins the job (round %llu, after snapshot %llu)\n",
            j->process, (unsigned long long)j->round, (unsigned long long)j->restored);
    j->joining = true;
    j->processes = (int)m->was_processes; /* (the layout before, of which it has no workers) */
    make_links(j);
    j->workers = mstr_alloc_array(MSTR_MAX_WORKERS, sizeof *j->workers); /* (none yet; its
                                   partitions come from other processes: worker -1) */
    return true;
}

/* Follower: restores what the leader asks until it says GO. The links and workers are made
 * at the first RESTORE, which names the round. Returns ROUND_LOST if the leader was lost (or
 * ended the round), ROUND_DONE with ok set on GO, or with ok clear if the job failed, and
 * ROUND_JOINED if a live rescale takes this process in (take_join). */
static round_end follow_until_go(job *j, bool *made)
{
    for (;;) {
        mstr_coord_event *e = next_event(j);
        if (e == NULL) {
            if (j->signal != 0)
                return ROUND_DONE;
            continue;
        }
        const mstr_wire_coord *m = &e->m;
        round_end end = ROUND_LOST;
        bool over = true;
        if (e->kind == MSTR_EVENT_LOST) {
            end = ROUND_LOST;
        } else if (m->kind == MSTR_WIRE_RESTORE &&
                   (m->workers < 1 || m->processes <= (uint32_t)j->process ||
                    (uint64_t)m->workers * m->processes > MSTR_MAX_WORKERS)) {
            fprintf(stderr, "mstr: process 0 asked for a round of %u processes of %u workers\n",
                    (unsigned)m->processes, (unsigned)m->workers);
            j->ok = false;
            end = ROUND_DONE;
        } else if (m->kind == MSTR_WIRE_RESTORE && !*made && !take_round(j, m, e->text)) {
            j->ok = false;
            end = ROUND_DONE;
        } else if (m->kind == MSTR_WIRE_RESTORE) {
            follow_restore(j, m->snapshot, *made);
            *made = true;
            over = false;
        } else if (m->kind == MSTR_WIRE_RESCALE && m->value == MSTR_STAGE_PREPARE && !*made) {
            j->ok = take_join(j, m, e->text);
            *made = true;
            end = j->ok ? ROUND_JOINED : ROUND_DONE;
        } else if (m->kind == MSTR_WIRE_GO && *made) {
            char *error = NULL;
            j->restored = m->snapshot;
            j->ok = j->store == NULL || mstr_store_discard_after(j->store, m->snapshot, &error);
            if (!j->ok)
                fprintf(stderr, "mstr: %s\n", error);
            free(error);
            end = ROUND_DONE;
        } else if (m->kind == MSTR_WIRE_FAILED) {
            fprintf(stderr, "mstr: %.*s\n", (int)m->message_len, m->message);
            j->ok = false;
            end = ROUND_DONE;
        } else {
            over = false; /* left over from the round before */
        }
        mstr_coord_event_free(e);
        if (over)
            return end;
    }
}

/* ---- a round ------------------------------------------------------------------------------ */

/* Leader: tells every follower that the job failed. */
static void send_failed(job *j, const char *why)
{
    mstr_cluster_send(j->cluster, -1, &(mstr_wire_coord){ .kind = MSTR_WIRE_FAILED,
                                                          .message = why,
                                                          .message_len = strlen(why) });
}

/* The end of a round, which ran its workers or not: a lost process makes a round that ran roll
 * back (with a state directory). */
static round_end finish_round(job *j, bool ran)
{
    bool failed = false;
    mstr_meter_detach(j->meter);
    mstr_control_round(j->control, false);
    j->ok = close_workers(j) && j->ok;
    bool lost = free_links(j, &failed);
    if (j->cluster != NULL)
        mstr_cluster_end_round(j->cluster);
    mstr_coord_clear_events(&j->coord);
    if (ran && lost && j->store != NULL && j->signal == 0) {
        fprintf(stderr, "mstr: process %d rolls back to snapshot %llu and waits for the lost "
                        "process\n", j->process, (unsigned long long)j->coord.last);
        return ROUND_LOST;
    }
    if (lost && j->store == NULL)
        fprintf(stderr, "mstr: without a state directory the job cannot roll back; it fails\n");
    j->ok = j->ok && !failed;
    return ROUND_DONE;
}

/* Runs the round once its state is restored: starts the outputs' views, the exchange and the
 * workers. */
static round_end run_round(job *j)
{
    const mstr_job_desc *d = j->desc;
    /* what a round rolled back does not count */
    memset(j->records, 0, d->nsinks * sizeof *j->records);
    memset(j->checksum, 0, d->nsinks * sizeof *j->checksum);
    memset(j->counters, 0, d->ncounters * sizeof *j->counters);
    bool ok = true;
    for (int i = 0; ok && i < j->per_process; i++)
        ok = mstr_sink_views_begin(&j->workers[i].views, j->restored + 1);
    j->ok = ok;
    if (ok) {
        if (j->hub != NULL)
            mstr_net_hub_connect(j->hub, mstr_cluster_net(j->cluster), j->peers);
        mstr_meter_attach(j->meter, j->round, j->workers, j->per_process, j->parts, j->nparts,
                          j->hub);
        mstr_control_round(j->control, true);
        run_workers(j);
    }
    return finish_round(j, ok);
}

/* Leader: the round runs on the processes of the command line, or under the supervisor on
 * those that took the last committed snapshot (a live rescale that changed them may have failed
 * before its first one), which the supervisor is told. Started by hand, the two differ only by
 * mistake, which the restore reports. Returns false (after a message) if an input cannot be
 * opened. */
static bool round_layout(job *j)
{
    mstr_commit last;
    int processes = j->processes;
    if (mstr_super_started() && j->store != NULL && mstr_store_commits(j->store, &last, 1) == 1)
        processes = last.processes;
    if (processes != j->processes)
        fprintf(stderr, "mstr: the last snapshot was taken on %d process%s: the job goes on "
                        "with them\n", processes, processes == 1 ? "" : "es");
    if (mstr_super_started())
        mstr_super_note_layout(j->settings.state_dir, processes, j->round_workers);
    mstr_control_layout(j->control, processes, j->round_workers);
    return take_processes(j, processes);
}

/* One round of the job in this process. */
static round_end round_of(job *j)
{
    if (alone(j)) {
        j->round++;
        make_links(j);
        make_workers(j);
        if (!prepare_alone(j)) {
            j->ok = false;
            return finish_round(j, false);
        }
        return run_round(j);
    }
    if (leads(j)) {
        if (!round_layout(j)) {
            j->ok = false;
            return ROUND_DONE;
        }
        if (!await_followers(j)) {
            j->ok = true;
            return ROUND_DONE;
        }
        j->round++;
        set_workers(j, j->round_workers);
        make_links(j);
        make_workers(j);
        round_end end = lead_restore(j);
        if (end == ROUND_LOST || !j->ok || j->signal != 0) {
            if (!j->ok)
                send_failed(j, "the job could not start: see process 0's messages");
            round_end done = finish_round(j, false);
            return end == ROUND_LOST && j->signal == 0 ? ROUND_LOST : done;
        }
        return run_round(j);
    }
    if (mstr_super_left(j->settings.state_dir, j->process)) {
        fprintf(stderr, "mstr: process %d is not one of the job's processes now: it ends\n",
                j->process);
        j->left = true;
        return ROUND_DONE;
    }
    if (!join(j)) {
        j->ok = true;
        return ROUND_DONE;
    }
    bool made = false;
    round_end end = follow_until_go(j, &made);
    if (end == ROUND_JOINED)
        return run_round(j);
    if (!made) {
        mstr_cluster_end_round(j->cluster);
        mstr_coord_clear_events(&j->coord);
        return end;
    }
    if (end == ROUND_LOST || !j->ok || j->signal != 0) {
        round_end done = finish_round(j, false);
        return end == ROUND_LOST && j->signal == 0 ? ROUND_LOST : done;
    }
    return run_round(j);
}

/* ---- the summary ------------------------------------------------------------------------- */

/* Prints the malformed-record summary per source. Returns false if records were dropped. */
/* The records of source i that could not be decoded, in this process's partitions. */
static uint64_t malformed_of(const job *j, size_t i)
{
    uint64_t bad = 0;
    for (size_t k = 0; k < j->nparts; k++)
        if (j->parts[k].source == &j->desc->sources[i])
            bad += mstr_tally_read(&j->parts[k].malformed);
    return bad;
}

static bool report_malformed(const job *j)
{
    bool ok = true;
    for (size_t i = 0; i < j->desc->nsources; i++) {
        const mstr_source_desc *src = &j->desc->sources[i];
        uint64_t bad = malformed_of(j, i);
        if (bad == 0)
            continue;
        if (src->dead_letter != NULL) {
            fprintf(stderr, "mstr: source '%s': %llu malformed record%s sent to '%s'\n",
                    src->name, (unsigned long long)bad, bad == 1 ? "" : "s", src->dead_letter);
        } else {
            fprintf(stderr, "mstr: source '%s': %llu malformed record%s dropped "
                            "(declare a dead_letter stream to keep them)\n",
                    src->name, (unsigned long long)bad, bad == 1 ? "" : "s");
            ok = false;
        }
    }
    return ok;
}

/* Prints each counter's sum over the workers. */
static void print_counters(const job *j)
{
    for (size_t k = 0; k < j->desc->ncounters; k++)
        fprintf(stderr, "mstr: %s: %llu\n", j->desc->counters[k],
                (unsigned long long)j->counters[k]);
}

/* Says how a stop by a signal left the job. */
static void report_signal(const job *j, int sig)
{
    if (j->store != NULL)
        fprintf(stderr, "mstr: stopped by SIG%s after snapshot %llu; run again with the same "
                        "--state-dir to resume\n", sigabbrev_np(sig),
                (unsigned long long)j->coord.last);
    else
        fprintf(stderr, "mstr: stopped by SIG%s\n", sigabbrev_np(sig));
}

/* ---- the job -------------------------------------------------------------------------------- */

/* Where this process keeps its state: process 0 in DIR/store, process I in DIR/store.I; the
 * staging directory is shared. */
static void paths(job *j)
{
    const char *dir = j->settings.state_dir;
    if (dir == NULL)
        return;
    j->store_dir = j->process == 0 ? mstr_strf("%s/store", dir)
                                   : mstr_strf("%s/store.%d", dir, j->process);
    j->staging_dir = mstr_strf("%s/staging", dir);
}

/* Refuses what a job over several processes cannot do. */
static bool check_cluster(const job *j)
{
    if (j->processes == 1 || j->settings.state_dir != NULL)
        return true;
    for (size_t i = 0; i < j->desc->nsinks; i++)
        if (mstr_sink_is_file(&j->desc->sinks[i])) {
            fprintf(stderr, "mstr: sink '%s' writes a file: a job over several processes writes "
                            "files through its state directory; give --state-dir (one that "
                            "every process can reach)\n", j->desc->sinks[i].name);
            return false;
        }
    return true;
}

/* The host of an address "host:port" (loopback for none), to free. */
static char *host_of(const char *address)
{
    if (address == NULL)
        return mstr_strdup("127.0.0.1");
    const char *colon = strrchr(address, ':');
    size_t len = colon ? (size_t)(colon - address) : strlen(address);
    if (len >= 2 && address[0] == '[' && address[len - 1] == ']') { /* [::1]:7000 */
        address++;
        len -= 2;
    }
    char *host = mstr_alloc(len + 1);
    memcpy(host, address, len);
    return host;
}

/* Starts serving the other processes and control (over several processes, or given --listen),
 * the control and the metrics. Returns false (after a message) if it cannot. */
static bool start_serving(job *j)
{
    const mstr_settings *st = &j->settings;
    char *error = NULL;
    if (serves(j)) {
        j->peers = st->peers ? mstr_settings_peers(st) : NULL;
        if (j->peers == NULL) { /* one process, serving control only */
            j->peers = mstr_alloc_array(2, sizeof *j->peers);
            j->peers[0] = mstr_strdup(st->listen);
        }
        mstr_cluster_setup s = {
            .process = j->process, .processes = j->processes,
            .peers = j->peers, .listen = st->listen ? st->listen : j->peers[j->process],
            .tls = { st->tls_ca, st->tls_cert, st->tls_key },
            .fingerprint = mstr_snapshot_fingerprint(j->desc), .coord = &j->coord,
        };
        j->cluster = mstr_cluster_start(&s, &error);
        if (j->cluster == NULL) {
            fprintf(stderr, "mstr: process %d: %s\n", j->process, error);
            free(error);
            return false;
        }
    }
    j->control = mstr_control_new(j->desc, j->meter, j->process, j->processes, j->per_process,
                                  j->store != NULL, mstr_super_started(), j->settings.quiet,
                                  j->cluster);
    j->coord.setup.cluster = j->cluster;
    j->coord.setup.control = j->control;
    if (st->metrics_port == 0)
        return true;
    char *host = host_of(st->listen ? st->listen : j->peers ? j->peers[j->process] : NULL);
    j->metrics = mstr_metrics_start(host, st->metrics_port, j->meter, j->desc, j->processes,
                                    j->per_process, &error);
    free(host);
    if (j->metrics == NULL) {
        fprintf(stderr, "mstr: process %d: %s\n", j->process, error);
        free(error);
        return false;
    }
    return true;
}

static void stop_serving(job *j)
{
    mstr_metrics_stop(j->metrics);
    if (j->control != NULL)
        mstr_control_free(j->control);
    if (j->cluster != NULL)
        mstr_cluster_stop(j->cluster);
}

/* The coordinator, before any thread starts (it watches the signals); its cluster comes later. */
static void init_coord(job *j)
{
    mstr_coord_role role = !serves(j)        ? MSTR_COORD_ALONE
                           : j->process == 0 ? MSTR_COORD_LEADER : MSTR_COORD_FOLLOWER;
    mstr_coord_setup s = {
        .role = role, .process = j->process, .followers = j->processes - 1, .store = j->store,
        .meter = j->meter,
        .sinks = &j->sinks, .every_ms = j->settings.snapshot_every,
        .keep = j->settings.keep_snapshots, .commit_sleep_ms = j->settings.commit_sleep_ms,
        .request_sleep_ms = j->settings.request_sleep_ms, .ending_mark = j->ending_mark,
    };
    mstr_coord_init(&j->coord, &s);
}

/* Runs rounds until the job is over. */
static void run_rounds(job *j)
{
    if (!alone(j) && !leads(j))
        mstr_sink_set_open_stdout(&j->sinks);
    for (;;) {
        if (round_of(j) == ROUND_DONE)
            return;
        close_inputs(j);
        if (!open_inputs(j)) {
            j->ok = false;
            return;
        }
    }
}

int mstr_main(int argc, char **argv, const mstr_job_desc *desc)
{
    if (argc > 1 && strcmp(argv[1], "ctl") == 0)
        return mstr_control_client(argc, argv, desc);
    if (argc > 1 && strcmp(argv[1], "reshard") == 0)
        return mstr_reshard_command(argc, argv, desc);
    job j = { .desc = desc, .ok = true };
    int rc = mstr_settings_parse(&j.settings, argc, argv, desc);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    if (j.settings.processes > 1 && j.settings.peers == NULL)
        return mstr_supervise(argc, argv, &j.settings, desc);
    mstr_crash_handler_install();
    /* A file size limit (ulimit -f) makes a write that passes it fail with EFBIG, reported
     * like any failed write (a snapshot that cannot be written fails the job, exit status 1),
     * instead of killing the process with SIGXFSZ in the middle of a write. */
    signal(SIGXFSZ, SIG_IGN);
    /* A signal while the store opens and the state is restored stops the job once the
     * coordinator takes it, instead of killing the process in the middle. */
    mstr_coord_hold_signals();
    /* Memory freed at the top of the heap stays with the process up to this much: gRPC frees
     * and allocates its read buffers for every message, and giving the pages back to the
     * system each time cost a page fault per few messages, a fifth of the exchange's CPU. */
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    /* No fastbins: keyed state frees many small strings while its tables grow, and with
     * fastbins every allocation of a larger block (a table's new slots) first sorted all the
     * freed small ones back into the heap (malloc_consolidate: 14% of Nexmark q19's time).
     * Without them q18 and q19 run 10-20% faster, the other queries alike, in no more memory. */
    mallopt(M_MXFAST, 0);
    j.process = j.settings.process;
    j.processes = j.settings.processes;
    set_workers(&j, j.settings.workers);
    j.round_workers = j.per_process;
    j.partitions = mstr_place_counts(desc, j.total);
    paths(&j);
    j.ending_mark = mstr_super_ending_mark(j.settings.state_dir); /* process 0 makes it */
    j.records = mstr_alloc_array(desc->nsinks, sizeof *j.records);
    j.checksum = mstr_alloc_array(desc->nsinks, sizeof *j.checksum);
    j.counters = mstr_alloc_array(desc->ncounters, sizeof *j.counters);
    mstr_summary summary = { 0 };
    bool inputs = check_cluster(&j) && open_inputs(&j) &&
                  (j.settings.state_dir == NULL ||
                   (make_dir(j.settings.state_dir) && rewrite_state(&j) && open_store(&j) &&
                    adopt_layout(&j)));
    j.shape = mstr_snapshot_shape(desc, (uint32_t)j.settings.key_groups, j.partitions);
    if (inputs) {
        mstr_sink_set_init(&j.sinks, desc, j.staging_dir);
        j.meter = mstr_meter_new(desc, j.process, j.processes, j.per_process);
        init_coord(&j); /* before any thread: the signals are watched from here on */
        mstr_coord_watch_signals(&j.coord);
        if (start_serving(&j))
            run_rounds(&j);
        else
            j.ok = false;
        if (j.control != NULL)
            mstr_control_end_progress(j.control);
        if (j.ok && j.settings.stats == MSTR_STATS_TEXT)
            print_counters(&j);
        mstr_coord_report(&j.coord);
        summary = (mstr_summary){ .snapshots = j.store != NULL && j.process == 0,
                                  .taken = j.coord.taken, .last = j.coord.last,
                                  .entries = j.coord.entries, .bytes = j.coord.bytes,
                                  .last_ms = j.coord.last_ms };
        stop_serving(&j);
        mstr_coord_free(&j.coord);
        mstr_meter_free(j.meter);
    }
    bool ok = inputs && j.ok;
    ok = report_malformed(&j) && ok;
    uint64_t *malformed = mstr_alloc_array(desc->nsources + 1, sizeof *malformed);
    for (size_t i = 0; i < desc->nsources; i++)
        malformed[i] = malformed_of(&j, i);
    ok = close_inputs(&j) && ok;
    if (inputs)
        ok = mstr_sink_set_close(&j.sinks, j.settings.stats == MSTR_STATS_TEXT, j.records,
                                 j.checksum) && ok;
    if (inputs && j.settings.stats == MSTR_STATS_JSON) {
        summary.ok = ok;
        summary.signal = j.signal;
        summary.records = j.records;
        summary.checksum = j.checksum;
        summary.counters = j.counters;
        summary.malformed = malformed;
        mstr_summary_json(stderr, desc, &summary);
    }
    free(malformed);
    mstr_store_close(j.store);
    if (j.signal != 0)
        report_signal(&j, j.signal);
    if (j.peers != NULL)
        mstr_settings_free_peers(j.peers);
    free(j.shape);
    free(j.partitions);
    free(j.records);
    free(j.checksum);
    free(j.counters);
    free(j.store_dir);
    free(j.staging_dir);
    free(j.ending_mark);
    if (!ok)
        return 1;
    if (j.left || j.coord.left)
        return MSTR_EXIT_LEFT;
    return j.signal != 0 && j.store == NULL ? 128 + j.signal : 0;
}
