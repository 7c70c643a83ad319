/*
 * mstr_net.h - message streams between the processes of a job, over gRPC's C core with raw byte
 * messages (no protobuf on the data path).
 *
 * Each process serves a few streaming methods on one address and opens streams to the other
 * processes. A stream carries whole messages, in order, both ways, for as long as the job
 * runs; it ends when either side stops (clean) or when the other process dies or freezes
 * (gRPC's status, or its keepalive pings for a process that stopped answering, notice within
 * seconds). The same streams carry a unary call: one message in, one reply, done.
 *
 * One network thread per process runs gRPC's completion queue: it starts calls, receives
 * messages and hands each to the stream's handler, and sends what was queued. Any thread may
 * send: a send is queued on the stream and started at once when the stream is not busy sending
 * (gRPC allows one message in flight per call), so nothing waits for a polling thread.
 *
 * TLS: given a CA, a certificate and a key (PEM files), both the server and every stream use
 * TLS with mutual authentication: a peer without a certificate signed by the CA can neither
 * open a stream nor be connected to.
 *
 * Thread use: handlers run on the network thread and must not block; everything else may be
 * called from any thread.
 */
#ifndef MSTR_NET_H
#define MSTR_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mstr_net mstr_net;
typedef struct mstr_stream mstr_stream;

/* What happens on a stream, told on the network thread. */
typedef struct mstr_stream_handler {
    /* A message arrived: its bytes, valid during the call only. */
    void (*message)(void *arg, mstr_stream *s, const unsigned char *p, size_t n);
    /* The stream ended: the other side closed it (clean), or it broke (why says how). Once.
     * Not called for streams ended by mstr_net_stop. */
    void (*ended)(void *arg, mstr_stream *s, bool clean, const char *why);
    void *arg;
} mstr_stream_handler;

/* A method this process serves. accept (on the network thread) gets every new stream of it
 * and fills in its handler before it lets another thread know of the stream; it returns false
 * to refuse the stream. */
typedef struct mstr_net_method {
    const char *name;           /* "/mstr.Exchange/Link" */
    bool (*accept)(void *arg, mstr_stream *s, mstr_stream_handler *h);
    void *arg;
} mstr_net_method;

/* PEM files for TLS with mutual authentication; all NULL for plain connections. */
typedef struct mstr_net_tls {
    const char *ca;
    const char *cert;
    const char *key;
} mstr_net_tls;

/* Starts serving methods on listen ("host:port"; port 0 picks a free one) and the network
 * thread. Returns NULL and sets *error (a message to free) if it cannot. */
mstr_net *mstr_net_start(const char *listen, const mstr_net_tls *tls, const mstr_net_method *methods,
                         size_t nmethods, char **error);

/* The port it listens on. */
int mstr_net_port(const mstr_net *n);

/* Waits until target ("host:port") accepts connections, up to timeout_ms. Returns false if it
 * did not. */
bool mstr_net_wait_for(mstr_net *n, const char *target, int64_t timeout_ms);

/* Opens a stream to method on target. Its messages go to h. */
mstr_stream *mstr_net_open(mstr_net *n, const char *target, const char *method,
                           const mstr_stream_handler *h);

/* Queues a message of n bytes (copied) on s; messages leave in the order they were sent. */
void mstr_stream_send(mstr_stream *s, const void *p, size_t n);

/* Queues one message made of head then body (copied once into it). */
void mstr_stream_send2(mstr_stream *s, const void *head, size_t nhead, const void *body,
                       size_t nbody);

/* Server side of a unary call: the reply, and the call is done; s is freed once gRPC is done
 * with it (do not use it after this). */
void mstr_stream_reply(mstr_stream *s, const void *p, size_t n);

/* Server side of a unary call: fails it with gRPC status code (UNAVAILABLE, ...) and why; s is
 * freed as after mstr_stream_reply. */
void mstr_stream_fail(mstr_stream *s, int code, const char *why);

/* Client side: no more messages from this side (the other side sees a clean end). */
void mstr_stream_close(mstr_stream *s);

/* Cancels s: both sides see it end (broken). Any thread, handlers included. */
void mstr_stream_cancel(mstr_stream *s);

/* Ends s (cancelling it if it still runs) and detaches its handler: once this returns the
 * handler is not called again for s, and the stream is freed as soon as gRPC is done with it.
 * Not from a handler of s. */
void mstr_stream_abandon(mstr_stream *s);

/* Stops the network: ends every stream (handlers are not told), the server and the thread, and
 * frees everything. */
void mstr_net_stop(mstr_net *n);

/* ---- a unary call from a program that is no job (the ctl client) ---------------------------- */

/* Calls method on target with request and waits (up to timeout_ms, and no more than a few
 * seconds for target to accept the connection) for the reply, which it returns (to free) with
 * its size in *n; NULL and *error (to free) on failure. */
unsigned char *mstr_net_call(const char *target, const mstr_net_tls *tls, const char *method,
                             const void *request, size_t nrequest, size_t *n,
                             int64_t timeout_ms, char **error);

#endif
