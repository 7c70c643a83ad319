/*
 * mstr_channel_net.h - the channel of a worker in a job that runs over several processes
 * (mstr_channel.h): links to the workers of its own process are rings (mstr_channel_ring.h),
 * links to the workers of other processes go over one exchange stream per ordered pair of
 * processes (mstr_net.h), framed (mstr_wire.h) with the batch's sending and receiving worker.
 *
 * Process p runs the workers p * W .. p * W + W - 1 of the job (W per process). Each process
 * opens a stream to every other and sends it a hello, then the batches of its workers for that
 * process's workers, in order; the other side hands them to its workers through a ring per pair
 * of workers.
 *
 * Credits keep memory bounded and stop nothing but the pair concerned: a worker may have at
 * most MSTR_RING_BATCHES batches in flight to a worker of another process, as it would to one
 * of its own (when none are left, a send is refused and the worker keeps the batch: the same
 * backpressure as a full ring). The receiving worker returns a credit for each batch it has
 * processed, sent back on the stream the batches came on, once per turn of its loop. Credits
 * per pair rather than per stream matter: a worker that holds a sender during a snapshot's
 * alignment leaves that sender's batches unprocessed, and with credits per stream that would
 * stop every other pair of the two processes, including the barriers it waits for.
 *
 * A stream that breaks (the other process died or froze) fails the job, unless the job is
 * stopping (mstr_net_hub_stopping).
 *
 * Thread use: the hub is made and freed by the main thread; each end belongs to its worker;
 * the network thread receives.
 */
#ifndef MSTR_CHANNEL_NET_H
#define MSTR_CHANNEL_NET_H

#include <stdatomic.h>
#include <stdint.h>

#include "mstr_channel.h"
#include "mstr_channel_ring.h"
#include "mstr_fail.h"
#include "mstr_net.h"
#include "mstr_wire.h"

typedef struct mstr_net_hub mstr_net_hub;

/* What went over one link (one direction between two processes). */
typedef struct mstr_link_counts {
    _Atomic uint64_t bytes;
    _Atomic uint64_t batches;
} mstr_link_counts;

/* The methods the exchange streams are opened on: that of the parity of their hub's layout
 * (mstr_wire_hello: one more at each live rescale of the round), so that the links of a live
 * rescale over processes and those they replace are open together. */
extern const char *const mstr_net_hub_methods[2];

/* The hub of process hello->process of hello->processes, each running hello->workers workers,
 * for round hello->round of the job (mstr_cluster.h) and its layout hello->layout; rings are
 * its workers' links among themselves, bells their doorbells. Every stream of this process
 * starts with hello, and a stream whose hello differs (another program, shape, round or
 * layout) is refused. */
mstr_net_hub *mstr_net_hub_new(const mstr_wire_hello *hello, mstr_ring_hub *rings,
                               mstr_doorbell *bells, mstr_failure *failure);

/* Takes an incoming exchange stream (from the accept of its method, on the network thread):
 * fills in its handler. */
void mstr_net_hub_accept(mstr_net_hub *h, mstr_stream *s, mstr_stream_handler *hd);

/* Opens the process's streams to every other process; peers[p] is process p's address. */
void mstr_net_hub_connect(mstr_net_hub *h, mstr_net *net, char *const *peers);

/* The hello of the hub's streams. */
const mstr_wire_hello *mstr_net_hub_hello(const mstr_net_hub *h);

/* The bytes and batches this process sent to process p and received from it (any thread). */
void mstr_net_hub_links(mstr_net_hub *h, int p, uint64_t *out_bytes, uint64_t *out_batches,
                        uint64_t *in_bytes, uint64_t *in_batches);

/* From now on a stream that ends is the job ending, not a failure. */
void mstr_net_hub_stopping(mstr_net_hub *h);

/* The end of the process's i-th worker, valid until the hub is freed. */
mstr_channel *mstr_net_hub_end(mstr_net_hub *h, int i);

/* Ends the hub's streams (stopping first): after it no handler of the hub runs. Call once the
 * workers stopped and no new stream can reach mstr_net_hub_accept. */
void mstr_net_hub_close(mstr_net_hub *h);

/* Frees the hub and every batch it holds (after mstr_net_hub_close, or the network stopped). */
void mstr_net_hub_free(mstr_net_hub *h);

#endif
