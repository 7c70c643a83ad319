/*
 * mstr_channel_ring.h - the channel between worker threads of one process (mstr_channel.h):
 * one bounded single-producer single-consumer ring per ordered pair of workers (mstr_ring.h),
 * made when the pair first exchanges a batch, and a second ring per pair that carries used
 * batches back to their sender, so that batch memory is reused while it is still warm in a
 * cache instead of being freed and allocated. Control messages for the workers a sender has no
 * ring to go on its board (one per sender, read by each such worker at its own place).
 *
 * A ring holds MSTR_RING_BATCHES batches: those are a link's credits.
 *
 * Thread use: mstr_ring_hub_new and mstr_ring_hub_free run in the thread that starts and joins
 * the workers; each end is used by its worker's thread only.
 */
#ifndef MSTR_CHANNEL_RING_H
#define MSTR_CHANNEL_RING_H

#include "mstr_channel.h"
#include "mstr_ring.h"

/* Batches a ring between two workers holds before its sender has to wait. */
enum { MSTR_RING_BATCHES = 64 };

typedef struct mstr_ring_hub mstr_ring_hub;

/* Links between `workers` workers of one process, whose job-wide indexes are base .. base +
 * workers - 1 (batches carry job-wide indexes); bells[i] is the doorbell of the process's i-th
 * worker (the hub rings it, it does not own it). */
mstr_ring_hub *mstr_ring_hub_new(int workers, int base, mstr_doorbell *bells);

/* The end of the process's i-th worker, valid until the hub is freed. */
mstr_channel *mstr_ring_hub_end(mstr_ring_hub *h, int i);

/* Frees the hub, its ends and every batch still in its rings (after a failure stopped the
 * workers early, and the used ones on their way back). Call once no worker runs. */
void mstr_ring_hub_free(mstr_ring_hub *h);

#endif
