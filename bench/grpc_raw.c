/*
 * grpc_raw.c - the raw bandwidth that the job's exchange between two processes is measured
 * against (bench/run.sh, bench/exchange.mstr): gRPC's C core alone, moving messages of the
 * job's batch size from one process to another on loopback, with nothing of the runtime.
 *
 *   grpc_raw BYTES MESSAGES [CREDITS]
 *
 * The program forks a server process; the client (the parent) opens one long-lived
 * bidirectional streaming call to it and sends MESSAGES messages of BYTES bytes, one
 * SEND_MESSAGE in flight at a time, each filled by one memcpy into a fresh slice (as the runtime
 * copies a batch into its message). The server reads every message through a byte buffer
 * reader and sums it as little-endian 64-bit words (as the job decodes every record it
 * receives), and returns credits as the runtime does: the client starts with CREDITS messages
 * of room (default 64, the runtime's per pair of workers; 0: no credits, gRPC's flow control
 * alone), the server sends back a 4-byte count of the messages it has read, one credit message
 * in flight at a time. At the end the server reports its count and checksum through a pipe and
 * the client checks them against what it sent.
 *
 * Prints one line: messages, bytes, seconds from the first send to the call's status, MB/s
 * (10^6 bytes) and messages per second. bench/run.sh times the whole program (fork, connect and
 * shutdown included), as it times the job.
 *
 * Call sequences are those of ../shared/notes/grpc-and-leveldb.md and runtime/mstr_net.c; the
 * channel arguments are the runtime's (keepalive, no receive limit), so the two differ only in
 * what happens around gRPC.
 */
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes" /* its insecure credentials take () */
#include <grpc/grpc_security.h>
#pragma GCC diagnostic pop
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define METHOD "/mstr.bench.Raw/Stream"

/* What a completion is about; the tag is the address of one of these. */
typedef enum op_kind { OP_ACCEPT, OP_META, OP_RECV, OP_SEND, OP_CLOSE, OP_STATUS, OP_END,
                       OP_DOWN } op_kind;
static const op_kind tags[] = { OP_ACCEPT, OP_META, OP_RECV, OP_SEND, OP_CLOSE, OP_STATUS,
                                OP_END, OP_DOWN };
#define TAG(k) ((void *)&tags[k])

static void die(const char *what)
{
    fprintf(stderr, "grpc_raw: %s\n", what);
    exit(1);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The runtime's channel arguments (runtime/mstr_net.c, make_args). */
static grpc_channel_args *channel_args(void)
{
    static char keepalive[] = GRPC_ARG_KEEPALIVE_TIME_MS, timeout[] = GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                permit[] = GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS,
                pings[] = GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA,
                min_ping[] = GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                backoff[] = GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
                receive[] = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    static grpc_arg args[] = {
        { GRPC_ARG_INTEGER, keepalive, { .integer = 1000 } },
        { GRPC_ARG_INTEGER, timeout, { .integer = 1000 } },
        { GRPC_ARG_INTEGER, permit, { .integer = 1 } },
        { GRPC_ARG_INTEGER, pings, { .integer = 0 } },
        { GRPC_ARG_INTEGER, min_ping, { .integer = 500 } },
        { GRPC_ARG_INTEGER, backoff, { .integer = 1000 } },
        { GRPC_ARG_INTEGER, receive, { .integer = -1 } },
    };
    static grpc_channel_args a = { sizeof args / sizeof args[0], args };
    return &a;
}

static void start_batch(grpc_call *call, const grpc_op *ops, size_t n, op_kind kind)
{
    grpc_call_error e = grpc_call_start_batch(call, ops, n, TAG(kind), NULL);
    if (e != GRPC_CALL_OK)
        die(grpc_call_error_to_string(e));
}

static void arm_recv(grpc_call *call, grpc_byte_buffer **buf)
{
    grpc_op op = { .op = GRPC_OP_RECV_MESSAGE };
    op.data.recv_message.recv_message = buf;
    start_batch(call, &op, 1, OP_RECV);
}

static void send_buffer(grpc_call *call, grpc_byte_buffer *bb)
{
    grpc_op op = { .op = GRPC_OP_SEND_MESSAGE };
    op.data.send_message.send_message = bb;
    start_batch(call, &op, 1, OP_SEND);
}

/* ---- the checksum: a message's bytes as little-endian 64-bit words, summed ----------------- */

/* A running sum over one message's bytes, which arrive in slices cut anywhere. */
typedef struct summer {
    uint64_t sum;
    uint64_t carry;     /* the bytes of a word not complete yet */
    unsigned ncarry;
} summer;

static void sum_bytes(summer *s, const unsigned char *p, size_t n)
{
    while (n > 0 && s->ncarry > 0) { /* finish a word cut by the slice's start */
        s->carry |= (uint64_t)*p++ << (8 * s->ncarry);
        n--;
        if (++s->ncarry == 8) {
            s->sum += s->carry;
            s->carry = 0;
            s->ncarry = 0;
        }
    }
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        s->sum += w;
    }
    for (; n > 0; n--) /* a word cut by the slice's end */
        s->carry |= (uint64_t)*p++ << (8 * s->ncarry++);
}

/* The message's sum: a last partial word counts as if padded with zeros. */
static uint64_t sum_done(summer *s)
{
    return s->sum + s->carry;
}

/* ---- the server (the child process) ------------------------------------------------------- */

typedef struct server_result {
    uint64_t messages, bytes, checksum;
    int cancelled;
} server_result;

/* A credit message: how many messages were read since the last one. */
static grpc_byte_buffer *credit_buffer(uint32_t n)
{
    grpc_slice s = grpc_slice_malloc(4);
    memcpy(GRPC_SLICE_START_PTR(s), &n, 4);
    grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
    grpc_slice_unref(s);
    return bb;
}

/* Reads (and sums) every message of one call, returning credits; writes its port, then its
 * result, to fd, and shuts down once `done` reaches its end: the client has the call's status
 * then. (A server that closed its connection before that reset it under the status.) */
static void serve(int fd, int done, bool credits)
{
    grpc_init();
    grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);
    grpc_server *srv = grpc_server_create(channel_args(), NULL);
    grpc_server_register_completion_queue(srv, cq, NULL);
    void *method = grpc_server_register_method(srv, METHOD, NULL, GRPC_SRM_PAYLOAD_NONE, 0);
    grpc_server_credentials *creds = grpc_insecure_server_credentials_create();
    int port = grpc_server_add_http2_port(srv, "127.0.0.1:0", creds);
    grpc_server_credentials_release(creds);
    if (port == 0)
        die("cannot listen on 127.0.0.1");
    grpc_server_start(srv);
    grpc_call *call = NULL;
    gpr_timespec deadline;
    grpc_metadata_array meta;
    grpc_metadata_array_init(&meta);
    grpc_server_request_registered_call(srv, method, &call, &deadline, &meta, NULL, cq, cq,
                                        TAG(OP_ACCEPT));
    if (write(fd, &port, sizeof port) != sizeof port)
        die("cannot write to the pipe");

    server_result r = { 0 };
    grpc_byte_buffer *in = NULL, *out = NULL;
    uint32_t owed = 0;          /* messages read whose credits are not sent yet */
    bool half_closed = false, status_sent = false, status_done = false, ended = false;
    grpc_slice no_details = grpc_empty_slice();
    while (!(status_done && ended)) {
        grpc_event ev = grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
        if (ev.type != GRPC_OP_COMPLETE)
            die("the server's queue ended");
        switch (*(const op_kind *)ev.tag) {
        case OP_ACCEPT: {
            grpc_op ops[2] = { { .op = GRPC_OP_SEND_INITIAL_METADATA },
                               { .op = GRPC_OP_RECV_CLOSE_ON_SERVER } };
            ops[1].data.recv_close_on_server.cancelled = &r.cancelled;
            start_batch(call, ops, 2, OP_END);
            arm_recv(call, &in);
            break;
        }
        case OP_RECV:
            if (!ev.success || in == NULL) {
                half_closed = true;
            } else {
                grpc_byte_buffer_reader reader;
                grpc_byte_buffer_reader_init(&reader, in);
                grpc_slice slice;
                summer s = { 0 };
                while (grpc_byte_buffer_reader_next(&reader, &slice)) {
                    r.bytes += GRPC_SLICE_LENGTH(slice);
                    sum_bytes(&s, GRPC_SLICE_START_PTR(slice), GRPC_SLICE_LENGTH(slice));
                    grpc_slice_unref(slice);
                }
                grpc_byte_buffer_reader_destroy(&reader);
                grpc_byte_buffer_destroy(in);
                in = NULL;
                r.checksum += sum_done(&s);
                r.messages++;
                owed++;
                arm_recv(call, &in);
            }
            break;
        case OP_SEND:
            grpc_byte_buffer_destroy(out);
            out = NULL;
            break;
        case OP_STATUS:
            status_done = true;
            break;
        case OP_END:
            ended = true;
            break;
        default:
            break;
        }
        if (out == NULL && !half_closed && credits && owed > 0) {
            out = credit_buffer(owed);
            owed = 0;
            send_buffer(call, out);
        }
        if (out == NULL && half_closed && !status_sent) {
            grpc_op op = { .op = GRPC_OP_SEND_STATUS_FROM_SERVER };
            op.data.send_status_from_server.status = GRPC_STATUS_OK;
            op.data.send_status_from_server.status_details = &no_details;
            start_batch(call, &op, 1, OP_STATUS);
            status_sent = true;
        }
    }
    if (write(fd, &r, sizeof r) != sizeof r)
        die("cannot write to the pipe");
    char byte;
    while (read(done, &byte, 1) > 0)
        ;
    grpc_call_unref(call);
    grpc_metadata_array_destroy(&meta);
    grpc_server_shutdown_and_notify(srv, cq, TAG(OP_DOWN));
    grpc_server_cancel_all_calls(srv);
    for (;;) {
        grpc_event ev = grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
        if (ev.type == GRPC_OP_COMPLETE && *(const op_kind *)ev.tag == OP_DOWN)
            break;
    }
    grpc_server_destroy(srv);
    grpc_completion_queue_shutdown(cq);
    while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
           GRPC_QUEUE_SHUTDOWN)
        ;
    grpc_completion_queue_destroy(cq);
    grpc_shutdown();
}

/* ---- the client (the parent process) ------------------------------------------------------ */

typedef struct client {
    grpc_call *call;
    size_t bytes;               /* per message */
    uint64_t messages;          /* to send */
    uint64_t sent, started;     /* completed, started */
    int64_t credits;            /* room left; INT64_MAX without credits */
    bool sending, closed;
    grpc_byte_buffer *out;      /* the message in flight, destroyed when its send completes */
    const unsigned char *pattern; /* bytes i & 0xff, bytes + 256 of them */
    uint64_t sums[256];         /* the checksum of the message that starts at pattern + k */
    uint64_t checksum;          /* of everything sent */
} client;

/* Message k is pattern + (k & 0xff): 256 different messages, whose sums are known ahead. */
static void client_prepare(client *c)
{
    unsigned char *p = malloc(c->bytes + 256);
    if (p == NULL)
        die("out of memory");
    for (size_t i = 0; i < c->bytes + 256; i++)
        p[i] = (unsigned char)i;
    c->pattern = p;
    for (int k = 0; k < 256; k++) {
        summer s = { 0 };
        sum_bytes(&s, p + k, c->bytes);
        c->sums[k] = sum_done(&s);
    }
}

/* Starts the next message if there is one, room for it, and no send in flight. */
static void client_pump(client *c)
{
    if (c->sending || c->started == c->messages || c->credits <= 0)
        return;
    grpc_slice slice = grpc_slice_malloc(c->bytes);
    memcpy(GRPC_SLICE_START_PTR(slice), c->pattern + (c->started & 0xff), c->bytes);
    c->checksum += c->sums[c->started & 0xff];
    grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&slice, 1);
    grpc_slice_unref(slice);
    c->started++;
    c->credits--;
    c->sending = true;
    c->out = bb;
    send_buffer(c->call, bb);
}

static uint32_t credit_count(grpc_byte_buffer *bb)
{
    grpc_byte_buffer_reader reader;
    grpc_byte_buffer_reader_init(&reader, bb);
    grpc_slice all = grpc_byte_buffer_reader_readall(&reader);
    grpc_byte_buffer_reader_destroy(&reader);
    uint32_t n = 0;
    if (GRPC_SLICE_LENGTH(all) == 4)
        memcpy(&n, GRPC_SLICE_START_PTR(all), 4);
    grpc_slice_unref(all);
    return n;
}

/* Streams c->messages messages to port; returns the seconds from the first send to the
 * call's status. */
static double stream_to(int port, client *c)
{
    grpc_init();
    grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);
    grpc_channel_credentials *creds = grpc_insecure_credentials_create();
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", port);
    grpc_channel *ch = grpc_channel_create(target, creds, channel_args());
    grpc_slice method = grpc_slice_from_static_string(METHOD);
    c->call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq, method, NULL,
                                       gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    grpc_metadata_array meta, trailing;
    grpc_metadata_array_init(&meta);
    grpc_metadata_array_init(&trailing);
    grpc_status_code status = GRPC_STATUS_UNKNOWN;
    grpc_slice details = grpc_empty_slice();
    grpc_byte_buffer *in = NULL;

    grpc_op send_meta = { .op = GRPC_OP_SEND_INITIAL_METADATA,
                          .flags = GRPC_INITIAL_METADATA_WAIT_FOR_READY };
    start_batch(c->call, &send_meta, 1, OP_META);
    grpc_op recv_meta = { .op = GRPC_OP_RECV_INITIAL_METADATA };
    recv_meta.data.recv_initial_metadata.recv_initial_metadata = &meta;
    start_batch(c->call, &recv_meta, 1, OP_META);
    grpc_op st = { .op = GRPC_OP_RECV_STATUS_ON_CLIENT };
    st.data.recv_status_on_client.trailing_metadata = &trailing;
    st.data.recv_status_on_client.status = &status;
    st.data.recv_status_on_client.status_details = &details;
    start_batch(c->call, &st, 1, OP_STATUS);
    arm_recv(c->call, &in);

    double t0 = now_s();
    client_pump(c);
    bool done = false, recv_over = false;
    while (!(done && recv_over)) {
        grpc_event ev = grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
        if (ev.type != GRPC_OP_COMPLETE)
            die("the client's queue ended");
        switch (*(const op_kind *)ev.tag) {
        case OP_SEND:
            if (!ev.success)
                die("a message could not be sent");
            grpc_byte_buffer_destroy(c->out);
            c->out = NULL;
            c->sending = false;
            c->sent++;
            break;
        case OP_RECV:
            if (!ev.success || in == NULL) {
                recv_over = true;
                break;
            }
            c->credits += credit_count(in);
            grpc_byte_buffer_destroy(in);
            in = NULL;
            arm_recv(c->call, &in);
            break;
        case OP_STATUS:
            done = true;
            break;
        default:
            break;
        }
        client_pump(c);
        if (c->sent == c->messages && !c->sending && !c->closed) {
            grpc_op op = { .op = GRPC_OP_SEND_CLOSE_FROM_CLIENT };
            start_batch(c->call, &op, 1, OP_CLOSE);
            c->closed = true;
        }
    }
    double t = now_s() - t0;
    if (status != GRPC_STATUS_OK) {
        char *why = grpc_slice_to_c_string(details);
        fprintf(stderr, "grpc_raw: the call ended with status %d: %s (%" PRIu64 " of %" PRIu64
                " messages sent)\n", (int)status, why, c->sent, c->messages);
        exit(1);
    }
    grpc_metadata_array_destroy(&meta);
    grpc_metadata_array_destroy(&trailing);
    grpc_slice_unref(details);
    grpc_call_unref(c->call);
    grpc_channel_destroy(ch);
    grpc_channel_credentials_release(creds);
    grpc_completion_queue_shutdown(cq);
    while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
           GRPC_QUEUE_SHUTDOWN)
        ;
    grpc_completion_queue_destroy(cq);
    grpc_shutdown();
    return t;
}

static uint64_t parse_count(const char *s, const char *what, uint64_t least)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < least) {
        fprintf(stderr, "grpc_raw: %s must be a number of at least %" PRIu64 ", not '%s'\n", what,
                least, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: grpc_raw BYTES MESSAGES [CREDITS]\n");
        return 2;
    }
    client c = { .bytes = parse_count(argv[1], "BYTES", 1),
                 .messages = parse_count(argv[2], "MESSAGES", 1) };
    c.credits = argc == 4 ? (int64_t)parse_count(argv[3], "CREDITS", 0) : 64;
    bool credits = c.credits > 0;
    if (!credits)
        c.credits = INT64_MAX;
    client_prepare(&c);

    int fds[2], done[2]; /* server -> client: port, result; client -> server: its end */
    if (pipe(fds) != 0 || pipe(done) != 0)
        die("cannot make a pipe");
    pid_t child = fork(); /* before grpc_init: gRPC's threads do not survive a fork */
    if (child < 0)
        die("cannot fork");
    if (child == 0) {
        close(fds[0]);
        close(done[1]);
        serve(fds[1], done[0], credits);
        _exit(0);
    }
    close(fds[1]);
    close(done[0]);
    int port;
    if (read(fds[0], &port, sizeof port) != sizeof port)
        die("the server did not start");
    double t = stream_to(port, &c);
    close(done[1]);
    server_result r;
    if (read(fds[0], &r, sizeof r) != sizeof r)
        die("the server did not report");
    int wstatus;
    waitpid(child, &wstatus, 0);
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
        die("the server failed");
    if (r.messages != c.messages || r.bytes != c.messages * c.bytes || r.checksum != c.checksum ||
        r.cancelled) {
        fprintf(stderr, "grpc_raw: sent %" PRIu64 " messages (checksum %016" PRIx64 "), the "
                "server read %" PRIu64 " of %" PRIu64 " bytes (checksum %016" PRIx64 ")%s\n",
                c.messages, c.checksum, r.messages, r.bytes, r.checksum,
                r.cancelled ? ", cancelled" : "");
        return 1;
    }
    printf("grpc_raw: %" PRIu64 " messages of %zu bytes in %.3f s: %.1f MB/s, %.0f messages/s, "
           "checksum %016" PRIx64 "\n", c.messages, c.bytes, t,
           (double)c.messages * (double)c.bytes / t / 1e6, (double)c.messages / t, c.checksum);
    return 0;
}
