/*
 * mstr_net.c - message streams between processes over gRPC's C core (see mstr_net.h).
 *
 * Call sequences (those measured in ../shared/notes/grpc-and-leveldb.md):
 *   server: a registered method is requested; a new call gets {SEND_INITIAL_METADATA,
 *           RECV_CLOSE_ON_SERVER} (which completes when the call ends, `cancelled` telling a
 *           peer that died from one that closed) and {RECV_MESSAGE}, re-armed after each one.
 *   client: {SEND_INITIAL_METADATA} waiting for the connection, then {RECV_INITIAL_METADATA}
 *           and {RECV_STATUS_ON_CLIENT} as two batches (one batch hung calls on cancel), and
 *           {RECV_MESSAGE}, re-armed.
 *   both:   one {SEND_MESSAGE} in flight per call, the next started when it completes.
 * Every batch is tagged with an op of its stream; the stream counts the batches in flight, so
 * that a stream is freed only once gRPC is done with it: an abandoned stream when its last batch
 * completes, the rest by mstr_net_stop after it cancelled everything.
 *
 * Channel arguments: keepalive pings every second with a one-second timeout notice a frozen
 * peer in about two seconds; reconnect backoff starts at 20 ms (gRPC's one second was a second
 * added to a job's start whenever a process dialled a peer that was not listening yet) and is
 * capped at one second, so a restarted peer is found again quickly; messages have no size
 * limit (a batch grows with a huge record).
 */
#include "mstr_net.h"

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/log.h>
#include <grpc/support/time.h>
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes" /* its insecure credentials take () */
#include <grpc/grpc_security.h>
#pragma GCC diagnostic pop
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mstr_mem.h"
#include "mstr_time.h"

/*
 * ThreadSanitizer and gRPC. Debian's gRPC is not built with ThreadSanitizer: its own
 * synchronisation is invisible, and its accesses to memory it shares with us look like races.
 * A ThreadSanitizer build of a job therefore ignores what uninstrumented libraries do, and
 * tells it of the one hand-over between threads that gRPC does for us: a tag passed to gRPC
 * in one thread comes back from the completion queue in the network thread. Nor does it
 * sleep at exit (atexit_sleep_ms, a second by default, to catch races of threads still
 * running), nor report threads that ended unjoined (report_thread_leaks): the job joins its
 * own threads before it exits, and those left are gRPC's (its resolver's executor, once, in
 * CI: a job that exited 66 for it) and LevelDB's background thread (started by the flush of
 * a store's close), which it ignores.
 */
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define HANDED_TO_GRPC(tag) __tsan_release(tag)
#define BACK_FROM_GRPC(tag) __tsan_acquire(tag)

const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
    return "ignore_noninstrumented_modules=1:atexit_sleep_ms=0:report_thread_leaks=0";
}
#else
#define HANDED_TO_GRPC(tag) ((void)(tag))
#define BACK_FROM_GRPC(tag) ((void)(tag))
#endif

typedef enum op_kind {
    OP_ACCEPT,          /* a requested server call arrived */
    OP_RECV,            /* a message arrived (or the incoming side ended) */
    OP_SEND,            /* a message left */
    OP_END,             /* server: the call ended; client: its status arrived */
    OP_META,            /* initial metadata sent or received */
    OP_SERVER_DOWN,     /* the server shut down */
} op_kind;

/* A batch's tag: what completed, and for which stream (or method). */
typedef struct net_op {
    op_kind kind;
    mstr_stream *stream;
    size_t method;
} net_op;

struct mstr_stream {
    mstr_net *net;
    grpc_call *call;
    bool server;
    mstr_stream_handler h;
    pthread_mutex_t lock;           /* around the send queue and the flags below */
    grpc_byte_buffer **queue;       /* messages waiting to be sent */
    size_t head, len, cap;
    bool sending;                   /* a SEND_MESSAGE is in flight */
    bool closing;                   /* client: close after the queue is sent */
    bool done;                      /* no more sends (ended, replied or closed) */
    int inflight;                   /* batches not completed yet (under the net's lock) */
    bool abandoned;                 /* its owner is done with it: freed once settled */
    pthread_mutex_t handler_lock;   /* held while the handler runs, and to abandon */
    bool ended;                     /* the handler was told, or the net is stopping */
    grpc_byte_buffer *recv_buf;
    int cancelled;                  /* server: RECV_CLOSE_ON_SERVER's verdict */
    grpc_status_code status;        /* client: the call's status */
    grpc_slice details;
    grpc_slice reply_details;       /* server: the error it answered a unary call with */
    grpc_metadata_array meta, trailing;
    net_op recv_op, send_op, end_op, meta_send_op, meta_recv_op;
    mstr_stream *next;              /* in the net's list */
};

/* A method the server answers: its registration and the call requested for it. */
typedef struct method_slot {
    mstr_net_method m;
    void *handle;
    grpc_call *call;
    gpr_timespec deadline;
    grpc_metadata_array meta;
    net_op accept_op;
} method_slot;

struct mstr_net {
    grpc_completion_queue *cq;
    grpc_server *server;            /* NULL for a client only */
    grpc_channel_credentials *channel_creds;
    grpc_channel_args *args;
    method_slot *methods;
    size_t nmethods;
    int port;
    pthread_t thread;
    bool running;                   /* the thread was started */
    pthread_mutex_t lock;           /* around the lists below */
    mstr_stream *streams;
    struct channel_entry { char *target; grpc_channel *channel; struct channel_entry *next; } *channels;
    _Atomic bool stopping;
    _Atomic bool server_down;       /* the server shut down (or there is none) */
    net_op server_down_op;
};

/* ---- gRPC's own messages ---------------------------------------------------------------------- */

enum { GRPC_LOG_EVERY_S = 10 };

/* gRPC says what goes wrong below the streams (a failed TLS handshake, say) once per attempt:
 * a peer without a valid certificate would fill stderr. Its errors are passed on as
 * `mstr: gRPC: ...`, at most one every GRPC_LOG_EVERY_S seconds, with a count of those held
 * back; the rest of its chatter is not. Any thread. */
static void grpc_log(gpr_log_func_args *a)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static time_t last;
    static unsigned held;
    if (a->severity < GPR_LOG_SEVERITY_ERROR)
        return;
    pthread_mutex_lock(&lock);
    time_t now = time(NULL);
    if (now - last >= GRPC_LOG_EVERY_S) {
        if (held > 0)
            fprintf(stderr, "mstr: gRPC: %u more such messages\n", held);
        fprintf(stderr, "mstr: gRPC: %s\n", a->message);
        last = now;
        held = 0;
    } else {
        held++;
    }
    pthread_mutex_unlock(&lock);
}

/* ---- setting up ------------------------------------------------------------------------------ */

static char *read_file(const char *path, char **error)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        *error = mstr_strf("cannot read '%s'", path);
        return NULL;
    }
    size_t len = 0, cap = 4096;
    char *text = mstr_alloc(cap);
    size_t got;
    while ((got = fread(text + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (len + 1 == cap)
            text = mstr_realloc(text, cap *= 2);
    }
    text[len] = '\0';
    fclose(f);
    return text;
}

/* The credentials of either side: TLS with the peer's certificate required, or plain. */
static bool make_credentials(mstr_net *n, const mstr_net_tls *tls, grpc_server_credentials **server,
                             char **error)
{
    if (tls == NULL || tls->ca == NULL) {
        n->channel_creds = grpc_insecure_credentials_create();
        if (server != NULL)
            *server = grpc_insecure_server_credentials_create();
        return true;
    }
    char *ca = read_file(tls->ca, error), *cert = NULL, *key = NULL;
    if (ca != NULL)
        cert = read_file(tls->cert, error);
    if (cert != NULL)
        key = read_file(tls->key, error);
    bool ok = key != NULL;
    if (ok) {
        grpc_ssl_pem_key_cert_pair pair = { key, cert };
        n->channel_creds = grpc_ssl_credentials_create(ca, &pair, NULL, NULL);
        if (server != NULL)
            *server = grpc_ssl_server_credentials_create_ex(
                ca, &pair, 1, GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY, NULL);
    }
    free(ca);
    free(cert);
    free(key);
    return ok;
}

static grpc_channel_args *make_args(void)
{
    static char keepalive[] = GRPC_ARG_KEEPALIVE_TIME_MS, timeout[] = GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                permit[] = GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS,
                pings[] = GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA,
                min_ping[] = GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                first_backoff[] = GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
                backoff[] = GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
                receive[] = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    const grpc_arg args[] = {
        { GRPC_ARG_INTEGER, keepalive, { .integer = 1000 } },
        { GRPC_ARG_INTEGER, timeout, { .integer = 1000 } },
        { GRPC_ARG_INTEGER, permit, { .integer = 1 } },
        { GRPC_ARG_INTEGER, pings, { .integer = 0 } },
        { GRPC_ARG_INTEGER, min_ping, { .integer = 500 } },
        { GRPC_ARG_INTEGER, first_backoff, { .integer = 20 } },
        { GRPC_ARG_INTEGER, backoff, { .integer = 1000 } },
        { GRPC_ARG_INTEGER, receive, { .integer = -1 } },
    };
    grpc_channel_args *a = mstr_alloc(sizeof *a);
    a->num_args = sizeof args / sizeof args[0];
    a->args = mstr_alloc(sizeof args);
    memcpy(a->args, args, sizeof args);
    return a;
}

static void stream_free(mstr_stream *s);

/* Counts a batch of s in flight. */
static void hold(mstr_stream *s)
{
    pthread_mutex_lock(&s->net->lock);
    s->inflight++;
    pthread_mutex_unlock(&s->net->lock);
}

/* Removes s from the net's list (net lock held). */
static void unlink_stream(mstr_net *n, mstr_stream *s)
{
    mstr_stream **p = &n->streams;
    while (*p != s)
        p = &(*p)->next;
    *p = s->next;
}

/* A batch of s completed (or never started): frees s if that was the last one of an abandoned
 * stream. */
static void release(mstr_stream *s)
{
    mstr_net *n = s->net;
    pthread_mutex_lock(&n->lock);
    bool last = --s->inflight == 0 && s->abandoned;
    if (last)
        unlink_stream(n, s);
    pthread_mutex_unlock(&n->lock);
    if (last)
        stream_free(s);
}

static void start(mstr_stream *s, const grpc_op *ops, size_t n, net_op *tag)
{
    hold(s);
    HANDED_TO_GRPC(tag);
    grpc_call_error e = grpc_call_start_batch(s->call, ops, n, tag, NULL);
    if (e != GRPC_CALL_OK) {
        fprintf(stderr, "mstr: network: %s\n", grpc_call_error_to_string(e));
        release(s);
    }
}

static void arm_recv(mstr_stream *s)
{
    grpc_op op = { .op = GRPC_OP_RECV_MESSAGE };
    op.data.recv_message.recv_message = &s->recv_buf;
    start(s, &op, 1, &s->recv_op);
}

static mstr_stream *stream_new(mstr_net *n, grpc_call *call, bool server)
{
    mstr_stream *s = mstr_alloc(sizeof *s);
    s->net = n;
    s->call = call;
    s->server = server;
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->handler_lock, NULL);
    grpc_metadata_array_init(&s->meta);
    grpc_metadata_array_init(&s->trailing);
    s->details = grpc_empty_slice();
    s->reply_details = grpc_empty_slice();
    net_op ops[] = { { OP_RECV, s, 0 }, { OP_SEND, s, 0 }, { OP_END, s, 0 }, { OP_META, s, 0 },
                     { OP_META, s, 0 } };
    s->recv_op = ops[0];
    s->send_op = ops[1];
    s->end_op = ops[2];
    s->meta_send_op = ops[3];
    s->meta_recv_op = ops[4];
    pthread_mutex_lock(&n->lock);
    s->next = n->streams;
    n->streams = s;
    pthread_mutex_unlock(&n->lock);
    return s;
}

static void request_call(mstr_net *n, size_t i)
{
    method_slot *m = &n->methods[i];
    grpc_metadata_array_destroy(&m->meta);
    grpc_metadata_array_init(&m->meta);
    HANDED_TO_GRPC(&m->accept_op);
    grpc_server_request_registered_call(n->server, m->handle, &m->call, &m->deadline, &m->meta,
                                        NULL, n->cq, n->cq, &m->accept_op);
}

/* ---- the network thread ---------------------------------------------------------------------- */

/* Tells the handler that s ended, once, unless the net is stopping. */
static void tell_ended(mstr_stream *s, bool clean, const char *why)
{
    pthread_mutex_lock(&s->lock);
    bool told = s->ended || atomic_load(&s->net->stopping);
    s->ended = true;
    s->done = true;
    pthread_mutex_unlock(&s->lock);
    if (told)
        return;
    pthread_mutex_lock(&s->handler_lock);
    if (s->h.ended != NULL)
        s->h.ended(s->h.arg, s, clean, why);
    pthread_mutex_unlock(&s->handler_lock);
}

static void accepted(mstr_net *n, method_slot *m, size_t i, bool ok)
{
    if (!ok || atomic_load(&n->stopping))
        return;
    mstr_stream *s = stream_new(n, m->call, true);
    m->call = NULL;
    grpc_op ops[2] = { { .op = GRPC_OP_SEND_INITIAL_METADATA },
                       { .op = GRPC_OP_RECV_CLOSE_ON_SERVER } };
    ops[1].data.recv_close_on_server.cancelled = &s->cancelled;
    start(s, ops, 2, &s->end_op);
    if (m->m.accept(m->m.arg, s, &s->h))
        arm_recv(s);
    else
        mstr_stream_abandon(s);
    request_call(n, i);
}

/* A received message as one slice (to unref): itself when it came in one piece, as it mostly
 * does, a copy of its pieces otherwise. */
static grpc_slice message_slice(grpc_byte_buffer *bb)
{
    grpc_byte_buffer_reader reader;
    grpc_byte_buffer_reader_init(&reader, bb);
    grpc_slice first, second;
    bool one = grpc_byte_buffer_reader_next(&reader, &first) != 0;
    bool two = one && grpc_byte_buffer_reader_next(&reader, &second) != 0;
    grpc_byte_buffer_reader_destroy(&reader);
    if (one && !two)
        return first;
    if (one)
        grpc_slice_unref(first);
    if (two)
        grpc_slice_unref(second);
    if (!one)
        return grpc_empty_slice();
    grpc_byte_buffer_reader_init(&reader, bb);
    grpc_slice all = grpc_byte_buffer_reader_readall(&reader);
    grpc_byte_buffer_reader_destroy(&reader);
    return all;
}

static void received(mstr_stream *s, bool ok)
{
    if (!ok || s->recv_buf == NULL)
        return; /* the incoming side ended: OP_END tells how */
    grpc_slice all = message_slice(s->recv_buf);
    grpc_byte_buffer_destroy(s->recv_buf);
    s->recv_buf = NULL;
    pthread_mutex_lock(&s->handler_lock);
    if (s->h.message != NULL && !atomic_load(&s->net->stopping))
        s->h.message(s->h.arg, s, GRPC_SLICE_START_PTR(all), GRPC_SLICE_LENGTH(all));
    pthread_mutex_unlock(&s->handler_lock);
    grpc_slice_unref(all);
    if (!atomic_load(&s->net->stopping))
        arm_recv(s);
}

/* Starts sending the next queued message, or the client's close (lock held). */
static void send_next(mstr_stream *s)
{
    if (s->len > 0) {
        grpc_op op = { .op = GRPC_OP_SEND_MESSAGE };
        op.data.send_message.send_message = s->queue[s->head];
        s->sending = true;
        start(s, &op, 1, &s->send_op);
        return;
    }
    s->sending = false;
    if (s->closing) {
        s->closing = false;
        grpc_op op = { .op = GRPC_OP_SEND_CLOSE_FROM_CLIENT };
        start(s, &op, 1, &s->meta_send_op);
    }
}

static void sent(mstr_stream *s)
{
    pthread_mutex_lock(&s->lock);
    grpc_byte_buffer_destroy(s->queue[s->head]);
    s->head = (s->head + 1) % s->cap;
    s->len--;
    send_next(s);
    pthread_mutex_unlock(&s->lock);
}

static void ended(mstr_stream *s)
{
    if (s->server) {
        tell_ended(s, !s->cancelled, s->cancelled ? "the other process went away" : NULL);
        return;
    }
    char *why = grpc_slice_to_c_string(s->details);
    tell_ended(s, s->status == GRPC_STATUS_OK,
               s->status == GRPC_STATUS_OK ? NULL : why[0] ? why : "the connection broke");
    gpr_free(why);
}

static void *network_main(void *arg)
{
    mstr_net *n = arg;
    for (;;) {
        grpc_event ev = grpc_completion_queue_next(n->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
        if (ev.type == GRPC_QUEUE_SHUTDOWN)
            return NULL;
        BACK_FROM_GRPC(ev.tag);
        net_op *op = ev.tag;
        switch (op->kind) {
        case OP_ACCEPT:
            accepted(n, &n->methods[op->method], op->method, ev.success);
            continue;
        case OP_SERVER_DOWN:
            atomic_store(&n->server_down, true);
            continue;
        case OP_RECV:
            received(op->stream, ev.success);
            break;
        case OP_SEND:
            sent(op->stream);
            break;
        case OP_END:
            ended(op->stream);
            break;
        case OP_META:
            break;
        }
        release(op->stream);
    }
}

mstr_net *mstr_net_start(const char *listen, const mstr_net_tls *tls, const mstr_net_method *methods,
                         size_t nmethods, char **error)
{
    gpr_set_log_function(grpc_log);
    grpc_init();
    mstr_net *n = mstr_alloc(sizeof *n);
    pthread_mutex_init(&n->lock, NULL);
    atomic_init(&n->stopping, false);
    n->cq = grpc_completion_queue_create_for_next(NULL);
    n->args = make_args();
    grpc_server_credentials *server_creds = NULL;
    if (!make_credentials(n, tls, listen ? &server_creds : NULL, error)) {
        atomic_store(&n->server_down, true);
        mstr_net_stop(n);
        return NULL;
    }
    if (listen != NULL) {
        n->server = grpc_server_create(n->args, NULL);
        grpc_server_register_completion_queue(n->server, n->cq, NULL);
        n->methods = mstr_alloc_array(nmethods, sizeof *n->methods);
        n->nmethods = nmethods;
        for (size_t i = 0; i < nmethods; i++) {
            n->methods[i].m = methods[i];
            n->methods[i].handle = grpc_server_register_method(
                n->server, methods[i].name, NULL, GRPC_SRM_PAYLOAD_NONE, 0);
            n->methods[i].accept_op = (net_op){ OP_ACCEPT, NULL, i };
            grpc_metadata_array_init(&n->methods[i].meta);
        }
        n->port = grpc_server_add_http2_port(n->server, listen, server_creds);
        grpc_server_credentials_release(server_creds);
        if (n->port == 0) {
            *error = mstr_strf("cannot listen on '%s'", listen);
            grpc_server_destroy(n->server);
            n->server = NULL;
            atomic_store(&n->server_down, true);
            mstr_net_stop(n);
            return NULL;
        }
        grpc_server_start(n->server);
        for (size_t i = 0; i < nmethods; i++)
            request_call(n, i);
    } else {
        atomic_store(&n->server_down, true);
    }
    n->running = pthread_create(&n->thread, NULL, network_main, n) == 0;
    return n;
}

int mstr_net_port(const mstr_net *n)
{
    return n->port;
}

/* The channel to target, made once. */
static grpc_channel *channel_to(mstr_net *n, const char *target)
{
    pthread_mutex_lock(&n->lock);
    struct channel_entry *e = n->channels;
    while (e != NULL && strcmp(e->target, target) != 0)
        e = e->next;
    if (e == NULL) {
        e = mstr_alloc(sizeof *e);
        e->target = mstr_strdup(target);
        e->channel = grpc_channel_create(target, n->channel_creds, n->args);
        e->next = n->channels;
        n->channels = e;
    }
    pthread_mutex_unlock(&n->lock);
    return e->channel;
}

bool mstr_net_wait_for(mstr_net *n, const char *target, int64_t timeout_ms)
{
    grpc_channel *ch = channel_to(n, target);
    int64_t start = mstr_clock_ms(CLOCK_MONOTONIC);
    for (;;) {
        if (grpc_channel_check_connectivity_state(ch, 1) == GRPC_CHANNEL_READY)
            return true;
        if (mstr_clock_ms(CLOCK_MONOTONIC) - start >= timeout_ms)
            return false;
        struct timespec pause = { 0, 20 * 1000000 };
        nanosleep(&pause, NULL);
    }
}

mstr_stream *mstr_net_open(mstr_net *n, const char *target, const char *method,
                           const mstr_stream_handler *h)
{
    grpc_channel *ch = channel_to(n, target);
    grpc_slice m = grpc_slice_from_copied_string(method);
    grpc_call *call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, n->cq, m, NULL,
                                               gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    grpc_slice_unref(m);
    mstr_stream *s = stream_new(n, call, false);
    s->h = *h;
    grpc_op send_meta = { .op = GRPC_OP_SEND_INITIAL_METADATA,
                          .flags = GRPC_INITIAL_METADATA_WAIT_FOR_READY };
    start(s, &send_meta, 1, &s->meta_send_op);
    grpc_op recv_meta = { .op = GRPC_OP_RECV_INITIAL_METADATA };
    recv_meta.data.recv_initial_metadata.recv_initial_metadata = &s->meta;
    start(s, &recv_meta, 1, &s->meta_recv_op);
    grpc_op status = { .op = GRPC_OP_RECV_STATUS_ON_CLIENT };
    status.data.recv_status_on_client.trailing_metadata = &s->trailing;
    status.data.recv_status_on_client.status = &s->status;
    status.data.recv_status_on_client.status_details = &s->details;
    start(s, &status, 1, &s->end_op);
    arm_recv(s);
    return s;
}

/* A message of head then body (either may be empty), copied once. */
static grpc_byte_buffer *make_buffer2(const void *head, size_t nhead, const void *body,
                                      size_t nbody)
{
    grpc_slice slice = grpc_slice_malloc(nhead + nbody);
    if (nhead > 0)
        memcpy(GRPC_SLICE_START_PTR(slice), head, nhead);
    if (nbody > 0)
        memcpy(GRPC_SLICE_START_PTR(slice) + nhead, body, nbody);
    grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&slice, 1);
    grpc_slice_unref(slice);
    return bb;
}

static grpc_byte_buffer *make_buffer(const void *p, size_t n)
{
    return make_buffer2(p, n, NULL, 0);
}

/* Appends bb to s's send queue (lock held). */
static void enqueue(mstr_stream *s, grpc_byte_buffer *bb)
{
    if (s->len == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        grpc_byte_buffer **q = mstr_alloc_array(cap, sizeof *q);
        for (size_t i = 0; i < s->len; i++)
            q[i] = s->queue[(s->head + i) % s->cap];
        free(s->queue);
        s->queue = q;
        s->head = 0;
        s->cap = cap;
    }
    s->queue[(s->head + s->len++) % s->cap] = bb;
}

void mstr_stream_send2(mstr_stream *s, const void *head, size_t nhead, const void *body,
                       size_t nbody)
{
    grpc_byte_buffer *bb = make_buffer2(head, nhead, body, nbody); /* copied outside the lock */
    pthread_mutex_lock(&s->lock);
    if (!s->done) {
        enqueue(s, bb);
        bb = NULL;
        if (!s->sending)
            send_next(s);
    }
    pthread_mutex_unlock(&s->lock);
    if (bb != NULL)
        grpc_byte_buffer_destroy(bb);
}

void mstr_stream_send(mstr_stream *s, const void *p, size_t n)
{
    mstr_stream_send2(s, p, n, NULL, 0);
}

/* Server side of a unary call: the reply (code OK) or the error (code and why), then the
 * stream is left to be freed once gRPC is done with it. */
static void answer(mstr_stream *s, grpc_status_code code, const void *p, size_t n,
                   const char *why)
{
    pthread_mutex_lock(&s->lock);
    bool first = !s->done && !s->sending; /* a unary call sends nothing else */
    if (first) {
        s->done = true;
        s->ended = true; /* its handler hears nothing more */
        grpc_op ops[2] = { { .op = GRPC_OP_SEND_MESSAGE },
                           { .op = GRPC_OP_SEND_STATUS_FROM_SERVER } };
        grpc_op *first_op = ops;
        size_t nops = 2;
        if (code == GRPC_STATUS_OK) {
            grpc_byte_buffer *bb = make_buffer(p, n);
            enqueue(s, bb); /* so that the completion frees it, as for any send */
            ops[0].data.send_message.send_message = bb;
        } else {
            first_op = &ops[1];
            nops = 1;
            s->reply_details = grpc_slice_from_copied_string(why);
            ops[1].data.send_status_from_server.status_details = &s->reply_details;
        }
        ops[1].data.send_status_from_server.status = code;
        s->sending = code == GRPC_STATUS_OK;
        start(s, first_op, nops, code == GRPC_STATUS_OK ? &s->send_op : &s->meta_send_op);
    }
    pthread_mutex_unlock(&s->lock);
    if (!first)
        return;
    mstr_net *net = s->net;
    pthread_mutex_lock(&net->lock);
    s->abandoned = true;
    bool settled = s->inflight == 0;
    if (settled)
        unlink_stream(net, s);
    pthread_mutex_unlock(&net->lock);
    if (settled)
        stream_free(s);
}

void mstr_stream_reply(mstr_stream *s, const void *p, size_t n)
{
    answer(s, GRPC_STATUS_OK, p, n, NULL);
}

void mstr_stream_fail(mstr_stream *s, int code, const char *why)
{
    answer(s, (grpc_status_code)code, NULL, 0, why);
}

void mstr_stream_close(mstr_stream *s)
{
    pthread_mutex_lock(&s->lock);
    if (!s->done) {
        s->done = true;
        s->closing = true;
        if (!s->sending)
            send_next(s);
    }
    pthread_mutex_unlock(&s->lock);
}

void mstr_stream_cancel(mstr_stream *s)
{
    grpc_call_cancel(s->call, NULL);
}

void mstr_stream_abandon(mstr_stream *s)
{
    pthread_mutex_lock(&s->handler_lock); /* waits for a handler that is running */
    s->h = (mstr_stream_handler){ 0 };
    pthread_mutex_unlock(&s->handler_lock);
    pthread_mutex_lock(&s->lock);
    s->done = true;
    s->ended = true;
    pthread_mutex_unlock(&s->lock);
    grpc_call_cancel(s->call, NULL);
    mstr_net *n = s->net;
    pthread_mutex_lock(&n->lock);
    s->abandoned = true;
    bool settled = s->inflight == 0;
    if (settled)
        unlink_stream(n, s);
    pthread_mutex_unlock(&n->lock);
    if (settled)
        stream_free(s);
}

/* ---- stopping --------------------------------------------------------------------------------- */

static bool all_settled(mstr_net *n)
{
    if (!atomic_load(&n->server_down))
        return false;
    pthread_mutex_lock(&n->lock);
    bool settled = true;
    for (mstr_stream *s = n->streams; s != NULL && settled; s = s->next)
        settled = s->inflight == 0;
    pthread_mutex_unlock(&n->lock);
    return settled;
}

static void stream_free(mstr_stream *s)
{
    for (size_t i = 0; i < s->len; i++)
        grpc_byte_buffer_destroy(s->queue[(s->head + i) % s->cap]);
    free(s->queue);
    if (s->recv_buf != NULL)
        grpc_byte_buffer_destroy(s->recv_buf);
    grpc_metadata_array_destroy(&s->meta);
    grpc_metadata_array_destroy(&s->trailing);
    grpc_slice_unref(s->details);
    grpc_slice_unref(s->reply_details);
    grpc_call_unref(s->call);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->handler_lock);
    free(s);
}

void mstr_net_stop(mstr_net *n)
{
    atomic_store(&n->stopping, true);
    if (n->server != NULL) {
        n->server_down_op = (net_op){ OP_SERVER_DOWN, NULL, 0 };
        HANDED_TO_GRPC(&n->server_down_op);
        grpc_server_shutdown_and_notify(n->server, n->cq, &n->server_down_op);
        grpc_server_cancel_all_calls(n->server);
    }
    pthread_mutex_lock(&n->lock);
    for (mstr_stream *s = n->streams; s != NULL; s = s->next)
        grpc_call_cancel(s->call, NULL);
    pthread_mutex_unlock(&n->lock);
    if (n->running) {
        while (!all_settled(n)) {
            struct timespec pause = { 0, 1000000 };
            nanosleep(&pause, NULL);
        }
        grpc_completion_queue_shutdown(n->cq);
        pthread_join(n->thread, NULL);
    } else {
        grpc_completion_queue_shutdown(n->cq);
    }
    while (n->streams != NULL) {
        mstr_stream *s = n->streams;
        n->streams = s->next;
        stream_free(s);
    }
    if (n->server != NULL)
        grpc_server_destroy(n->server);
    for (size_t i = 0; i < n->nmethods; i++)
        grpc_metadata_array_destroy(&n->methods[i].meta);
    free(n->methods);
    while (n->channels != NULL) {
        struct channel_entry *e = n->channels;
        n->channels = e->next;
        grpc_channel_destroy(e->channel);
        free(e->target);
        free(e);
    }
    if (n->channel_creds != NULL)
        grpc_channel_credentials_release(n->channel_creds);
    grpc_completion_queue_destroy(n->cq);
    free(n->args->args);
    free(n->args);
    pthread_mutex_destroy(&n->lock);
    free(n);
    grpc_shutdown();
}

/* ---- a unary call ----------------------------------------------------------------------------- */

enum { CALL_CONNECT_MS = 5000 }; /* a unary call gives up on a peer it cannot reach by then */

typedef struct unary {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned char *reply;       /* the reply (room for one byte more: it may be empty) */
    size_t n;
    bool over;
    char *why;
} unary;

static void unary_message(void *arg, mstr_stream *s, const unsigned char *p, size_t n)
{
    unary *u = arg;
    (void)s;
    pthread_mutex_lock(&u->lock);
    if (u->reply == NULL) {
        u->reply = mstr_alloc(n + 1);
        if (n > 0)
            memcpy(u->reply, p, n);
        u->n = n;
    }
    pthread_mutex_unlock(&u->lock);
}

static void unary_ended(void *arg, mstr_stream *s, bool clean, const char *why)
{
    unary *u = arg;
    (void)s;
    pthread_mutex_lock(&u->lock);
    u->over = true;
    if (!clean)
        u->why = mstr_strdup(why ? why : "the call failed");
    pthread_cond_signal(&u->cond);
    pthread_mutex_unlock(&u->lock);
}

unsigned char *mstr_net_call(const char *target, const mstr_net_tls *tls, const char *method,
                             const void *request, size_t nrequest, size_t *n,
                             int64_t timeout_ms, char **error)
{
    mstr_net *net = mstr_net_start(NULL, tls, NULL, 0, error);
    if (net == NULL)
        return NULL;
    unary u = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
    mstr_stream_handler h = { unary_message, unary_ended, &u };
    if (!mstr_net_wait_for(net, target, timeout_ms < CALL_CONNECT_MS ? timeout_ms
                                                                      : CALL_CONNECT_MS)) {
        *error = mstr_strf("cannot reach %s (does a job run there, with these TLS settings?)",
                           target);
        mstr_net_stop(net);
        return NULL;
    }
    mstr_stream *s = mstr_net_open(net, target, method, &h);
    mstr_stream_send(s, request, nrequest);
    mstr_stream_close(s);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000 + 1;
    pthread_mutex_lock(&u.lock);
    while (!u.over && pthread_cond_timedwait(&u.cond, &u.lock, &until) == 0)
        ;
    bool over = u.over;
    pthread_mutex_unlock(&u.lock);
    mstr_net_stop(net);
    if (!over || u.why != NULL || u.reply == NULL) {
        *error = u.why ? u.why : mstr_strdup(over ? "no reply" : "no reply in time");
        free(u.reply);
        return NULL;
    }
    *n = u.n;
    return u.reply;
}
