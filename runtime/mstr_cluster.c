/*
 * mstr_cluster.c - the processes of a job, their sessions and the routing of exchange streams
 * (see mstr_cluster.h).
 *
 * The leader keeps one session per follower. A follower that joins while its earlier session
 * still looks alive has restarted (the earlier one would have ended otherwise): its earlier
 * session is cancelled, and if a round is running the process is lost to it. Sessions replaced
 * or ended stay in a list until the round ends, so that nothing the network thread may still
 * touch is freed under it.
 */
#include "mstr_cluster.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mstr_mem.h"
#include "mstr_route.h"

/* One session as the leader or a follower sees it. */
typedef struct session {
    mstr_cluster *cl;
    mstr_stream *stream;
    int process;                /* the follower (leader side, once its hello came); 0 for the
                                   follower's own session to the leader */
    bool current;               /* the session of its process in this round (under cl->lock) */
    struct session *next;
} session;

/* What an exchange stream's accept needs: the hubs of which parity take it. */
typedef struct link_method {
    mstr_cluster *cl;
    int parity;
} link_method;

/* What a control stream's handler needs: which call it is, and whom to tell. */
typedef struct control_method {
    mstr_cluster *cl;
    mstr_control_call call;
} control_method;

struct mstr_cluster {
    mstr_cluster_setup setup;   /* peers copied */
    link_method links[2];
    control_method controls[MSTR_CONTROL_CALLS];
    char **peers;               /* [MSTR_MAX_WORKERS]: the address of each process, or NULL */
    mstr_net *net;
    mstr_coord *coord;
    pthread_mutex_t lock;       /* around everything below */
    int processes;              /* those of the job now (mstr_cluster_set_processes) */
    session **current;          /* [MSTR_MAX_WORKERS]: the joined session of each process, or
                                   NULL */
    session *all;               /* every session of this round, current or not */
    mstr_net_hub *hubs[2];      /* this round's, by the parity of their layout, or NULL */
};


/* ---- sessions (network thread) ------------------------------------------------------------ */

static void post_message(session *s, const mstr_wire_coord *m)
{
    mstr_coord_post(s->cl->coord, MSTR_EVENT_MESSAGE, s->process, m, NULL);
}

/* Leader: a follower's hello makes its session the current one of that process. */
static void hello_arrived(session *s, const unsigned char *p, size_t n)
{
    mstr_cluster *cl = s->cl;
    mstr_wire_hello hi;
    pthread_mutex_lock(&cl->lock);
    int processes = cl->processes;
    pthread_mutex_unlock(&cl->lock);
    /* (its count of processes may be older than the job's: RESTORE says the job's) */
    if (!mstr_wire_get_hello(p, n, &hi) || hi.fingerprint != cl->setup.fingerprint ||
        hi.process == 0 || hi.process >= (uint32_t)processes) {
        fprintf(stderr, "mstr: process 0 refused a process of another job, or of another shape, "
                        "or not one of the job's %d processes (the same program and --processes "
                        "on every process?)\n", processes);
        mstr_stream_cancel(s->stream);
        return;
    }
    pthread_mutex_lock(&cl->lock);
    session *old = cl->current[hi.process];
    s->process = (int)hi.process;
    s->current = true;
    cl->current[hi.process] = s;
    if (old != NULL) {
        old->current = false;
        mstr_stream_cancel(old->stream);
    }
    pthread_mutex_unlock(&cl->lock);
    if (old != NULL)
        mstr_coord_post(cl->coord, MSTR_EVENT_LOST, (int)hi.process, NULL, "it restarted");
    mstr_coord_post(cl->coord, MSTR_EVENT_JOINED, (int)hi.process, NULL, NULL);
}

static void session_message(void *arg, mstr_stream *st, const unsigned char *p, size_t n)
{
    session *s = arg;
    (void)st;
    if (s->process < 0) {
        hello_arrived(s, p, n);
        return;
    }
    pthread_mutex_lock(&s->cl->lock);
    bool current = s->current;
    pthread_mutex_unlock(&s->cl->lock);
    mstr_wire_coord m;
    if (!current)
        return;
    if (!mstr_wire_get_coord(p, n, &m)) {
        fprintf(stderr, "mstr: a message from process %d does not decode\n", s->process);
        mstr_stream_cancel(s->stream);
        return;
    }
    post_message(s, &m);
}

static void session_ended(void *arg, mstr_stream *st, bool clean, const char *why)
{
    session *s = arg;
    (void)st;
    mstr_cluster *cl = s->cl;
    pthread_mutex_lock(&cl->lock);
    bool current = s->current;
    if (current) {
        s->current = false;
        cl->current[s->process] = NULL;
    }
    pthread_mutex_unlock(&cl->lock);
    if (current)
        mstr_coord_post(cl->coord, MSTR_EVENT_LOST, s->process, NULL,
                        clean ? "it ended its session" : why ? why : "the session broke");
}

static session *session_new(mstr_cluster *cl, int process)
{
    session *s = mstr_alloc(sizeof *s);
    *s = (session){ .cl = cl, .process = process };
    return s;
}

/* Leader: a follower opened a session (its hello says which). */
static bool accept_session(void *arg, mstr_stream *st, mstr_stream_handler *h)
{
    mstr_cluster *cl = arg;
    if (cl->setup.process != 0)
        return false;
    session *s = session_new(cl, -1);
    s->stream = st;
    *h = (mstr_stream_handler){ session_message, session_ended, s };
    pthread_mutex_lock(&cl->lock);
    s->next = cl->all;
    cl->all = s;
    pthread_mutex_unlock(&cl->lock);
    return true;
}

/* An exchange stream goes to this round's hub of its method's parity; between rounds there is
 * none to take it. */
static bool accept_link(void *arg, mstr_stream *st, mstr_stream_handler *h)
{
    link_method *m = arg;
    mstr_cluster *cl = m->cl;
    pthread_mutex_lock(&cl->lock);
    mstr_net_hub *hub = cl->hubs[m->parity];
    if (hub != NULL)
        mstr_net_hub_accept(hub, st, h);
    pthread_mutex_unlock(&cl->lock);
    return hub != NULL;
}

/* A control call's request (its only message). */
static void control_message(void *arg, mstr_stream *st, const unsigned char *p, size_t n)
{
    control_method *m = arg;
    mstr_coord_post_control(m->cl->coord, m->call, mstr_control_argument(m->call, p, n), st);
}

static bool accept_control(void *arg, mstr_stream *st, mstr_stream_handler *h)
{
    (void)st;
    *h = (mstr_stream_handler){ control_message, NULL, arg };
    return true;
}

/* ---- the cluster ------------------------------------------------------------------------- */

mstr_cluster *mstr_cluster_start(const mstr_cluster_setup *s, char **error)
{
    mstr_cluster *cl = mstr_alloc(sizeof *cl);
    cl->setup = *s;
    cl->coord = s->coord;
    cl->peers = mstr_alloc_array(MSTR_MAX_WORKERS, sizeof *cl->peers);
    for (int p = 0; p < s->processes; p++)
        cl->peers[p] = mstr_strdup(s->peers[p]);
    cl->setup.peers = NULL; /* (cl->peers) */
    cl->processes = s->processes;
    cl->current = mstr_alloc_array(MSTR_MAX_WORKERS, sizeof *cl->current);
    pthread_mutex_init(&cl->lock, NULL);
    mstr_net_method methods[3 + MSTR_CONTROL_CALLS] = {
        { MSTR_CLUSTER_SESSION_METHOD, accept_session, cl },
    };
    for (int k = 0; k < 2; k++) {
        cl->links[k] = (link_method){ cl, k };
        methods[1 + k] = (mstr_net_method){ mstr_net_hub_methods[k], accept_link, &cl->links[k] };
    }
    for (int i = 0; i < MSTR_CONTROL_CALLS; i++) {
        cl->controls[i] = (control_method){ cl, (mstr_control_call)i };
        methods[3 + i] = (mstr_net_method){ mstr_control_methods[i], accept_control,
                                            &cl->controls[i] };
    }
    cl->net = mstr_net_start(s->listen, &s->tls, methods, sizeof methods / sizeof methods[0],
                             error);
    if (cl->net == NULL) {
        mstr_cluster_stop(cl);
        return NULL;
    }
    return cl;
}

void mstr_cluster_stop(mstr_cluster *cl)
{
    if (cl->net != NULL)
        mstr_net_stop(cl->net);
    while (cl->all != NULL) {
        session *s = cl->all;
        cl->all = s->next;
        free(s);
    }
    for (int p = 0; p < MSTR_MAX_WORKERS; p++)
        free(cl->peers[p]);
    free(cl->peers);
    free(cl->current);
    pthread_mutex_destroy(&cl->lock);
    free(cl);
}

mstr_net *mstr_cluster_net(mstr_cluster *cl)
{
    return cl->net;
}

bool mstr_cluster_leads(const mstr_cluster *cl)
{
    return cl->setup.process == 0;
}

const char *mstr_cluster_peer(const mstr_cluster *cl, int p)
{
    return cl->peers[p];
}

void mstr_cluster_set_processes(mstr_cluster *cl, int processes, char *const *peers)
{
    pthread_mutex_lock(&cl->lock);
    for (int p = 0; p < processes; p++)
        if (cl->peers[p] == NULL || strcmp(cl->peers[p], peers[p]) != 0) {
            free(cl->peers[p]);
            cl->peers[p] = mstr_strdup(peers[p]);
        }
    cl->processes = processes;
    pthread_mutex_unlock(&cl->lock);
}

void mstr_cluster_release(mstr_cluster *cl, int p, const mstr_wire_coord *last)
{
    mstr_wbuf b = { 0 };
    mstr_wire_put_coord(&b, last);
    pthread_mutex_lock(&cl->lock);
    if (cl->current[p] != NULL) {
        mstr_stream_send(cl->current[p]->stream, b.data, b.len);
        cl->current[p]->current = false;
    }
    cl->current[p] = NULL;
    pthread_mutex_unlock(&cl->lock);
    mstr_wbuf_free(&b);
}

int mstr_cluster_missing(mstr_cluster *cl)
{
    pthread_mutex_lock(&cl->lock);
    int missing = -1;
    for (int p = 1; p < cl->processes && missing < 0; p++)
        if (cl->current[p] == NULL)
            missing = p;
    pthread_mutex_unlock(&cl->lock);
    return missing;
}

bool mstr_cluster_all_joined(mstr_cluster *cl)
{
    return mstr_cluster_missing(cl) < 0;
}

bool mstr_cluster_join(mstr_cluster *cl, int64_t timeout_ms)
{
    if (!mstr_net_wait_for(cl->net, cl->peers[0], timeout_ms))
        return false;
    session *s = session_new(cl, 0);
    s->current = true;
    mstr_stream_handler h = { session_message, session_ended, s };
    pthread_mutex_lock(&cl->lock);
    s->stream = mstr_net_open(cl->net, cl->peers[0], MSTR_CLUSTER_SESSION_METHOD, &h);
    s->next = cl->all;
    cl->all = s;
    cl->current[0] = s;
    mstr_wire_hello hello = { .process = (uint32_t)cl->setup.process,
                              .processes = (uint32_t)cl->processes,
                              .fingerprint = cl->setup.fingerprint };
    mstr_wbuf b = { 0 };
    mstr_wire_put_hello(&b, &hello);
    mstr_stream_send(s->stream, b.data, b.len);
    pthread_mutex_unlock(&cl->lock);
    mstr_wbuf_free(&b);
    return true;
}

void mstr_cluster_send(mstr_cluster *cl, int to, const mstr_wire_coord *m)
{
    mstr_wbuf b = { 0 };
    mstr_wire_put_coord(&b, m);
    pthread_mutex_lock(&cl->lock);
    for (int p = to < 0 ? 1 : to; p < (to < 0 ? cl->processes : to + 1); p++)
        if (cl->current[p] != NULL)
            mstr_stream_send(cl->current[p]->stream, b.data, b.len);
    pthread_mutex_unlock(&cl->lock);
    mstr_wbuf_free(&b);
}

void mstr_cluster_route(mstr_cluster *cl, mstr_net_hub *hub)
{
    pthread_mutex_lock(&cl->lock);
    cl->hubs[mstr_net_hub_hello(hub)->layout % 2] = hub;
    pthread_mutex_unlock(&cl->lock);
}

void mstr_cluster_unroute(mstr_cluster *cl, mstr_net_hub *hub)
{
    pthread_mutex_lock(&cl->lock);
    for (int k = 0; k < 2; k++)
        if (cl->hubs[k] == hub)
            cl->hubs[k] = NULL;
    pthread_mutex_unlock(&cl->lock);
}

void mstr_cluster_stopping(mstr_cluster *cl)
{
    pthread_mutex_lock(&cl->lock);
    for (int k = 0; k < 2; k++)
        if (cl->hubs[k] != NULL)
            mstr_net_hub_stopping(cl->hubs[k]);
    pthread_mutex_unlock(&cl->lock);
}

void mstr_cluster_end_round(mstr_cluster *cl)
{
    pthread_mutex_lock(&cl->lock);
    session *all = cl->all;
    cl->all = NULL;
    for (int p = 0; p < MSTR_MAX_WORKERS; p++)
        cl->current[p] = NULL;
    for (session *s = all; s != NULL; s = s->next)
        s->current = false;
    pthread_mutex_unlock(&cl->lock);
    while (all != NULL) {
        session *s = all;
        all = s->next;
        if (s->stream != NULL)
            mstr_stream_abandon(s->stream);
        free(s);
    }
}
