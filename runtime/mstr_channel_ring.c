/*
 * mstr_channel_ring.c - the channel between worker threads of one process (see
 * mstr_channel_ring.h and mstr_channel.h).
 *
 * links[from * n + to] carries batches from `from` to `to`; returns[to * n + from] carries
 * them back once `to` has processed them (indexes within the process: job-wide ones less
 * base). Each ring has one producer and one consumer, so no lock is needed. An end notes which
 * workers it made work for (pushed a batch to, or made room for by popping) and rings their
 * doorbells at flush: once per turn of its worker's loop, not per batch, because each ring
 * touches a cache line the other worker reads.
 *
 * A link is made by its producer when it first pushes (and published to its consumer with
 * release and acquire): most pairs of a job of many workers never exchange a batch, and rings
 * for every pair made up front took memory in the square of the worker count (1.4 GB for a job
 * of 1000 workers and five records).
 *
 * Control messages for the workers a sender has no link to go on its board: a list of entries
 * in chunks, written by the sender alone and read by every receiver at its own place. A link
 * records, when it is made, how many entries its sender had put on the board (board_at): its
 * receiver reads the board up to there and the link after, so every control message arrives
 * once and in its order with the records. A receiver reads `published` before it looks for
 * the link: a link it does not see yet was made after every entry it may read. The sender
 * frees a chunk once every receiver has read past it (a receiver that has its link counts as
 * past everything); a receiver moves to the next chunk before it reads from it, so reading
 * past a chunk's end means no longer using the chunk.
 *
 * A board holding BOARD_LIMIT entries that some receiver has not read makes its sender stop
 * reading its sources (mstr_channel_blocked), as a full ring does: a receiver that is slow or
 * holds the sender for a snapshot would otherwise let it grow without bound. The sender says so
 * in `full` before it looks at the receivers' read counts once more, and a receiver that reads
 * an entry looks at `full` after it counts the read (both sequentially consistent): either the
 * sender sees the read, or the receiver sees `full` and wakes it.
 */
#include "mstr_channel_ring.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "mstr_mem.h"

/* Board entries per chunk, and how many a sender's board may hold that a receiver has not read
 * before the sender stops reading its sources (its backpressure, as for a full ring). */
enum { BOARD_CHUNK = 128, BOARD_LIMIT = 8 * BOARD_CHUNK };

/* A receiver's read count once it reads its link instead of the board. */
#define BOARD_DONE UINT64_MAX

typedef struct board_entry {
    int exchange;
    mstr_ctl ctl;
} board_entry;

typedef struct board_chunk {
    board_entry entries[BOARD_CHUNK];
    _Atomic(struct board_chunk *) next;
} board_chunk;

/* A sender's control messages for the workers it has no link to. */
typedef struct board {
    alignas(64) _Atomic uint64_t published;  /* entries written */
    _Atomic bool full;                       /* its sender waits for receivers to read */
    uint64_t least_read;                     /* the sender's: the least read count it saw */
    board_chunk *first;                      /* the sender's alone: the oldest chunk kept */
    uint64_t first_at;                       /* the position of first->entries[0] */
    board_chunk *last;                       /* the chunk being written */
    uint64_t last_at;
    board_chunk *spare;                      /* a freed chunk, to write next */
} board;

/* Where a receiver reads one sender's board. */
typedef struct board_place {
    _Atomic uint64_t read;      /* entries read; BOARD_DONE once it reads the link instead */
    board_chunk *chunk;         /* the chunk holding entry `read` (or ending just before it) */
    uint64_t chunk_at;
} board_place;

/* A ring from one worker to another, and where on its sender's board it takes over. */
typedef struct link {
    mstr_ring ring;
    uint64_t board_at;
} link;

typedef struct ring_end {
    mstr_channel base;
    mstr_ring_hub *hub;
    bool *wake;                 /* per worker: made work for it since the last flush */
    bool posted;                /* put something on its board since the last flush */
    int links;                  /* links it made to other workers */
    mstr_xbatch from_board;     /* what receive returns for a board entry */
} ring_end;

struct mstr_ring_hub {
    int workers;
    int base;                   /* the job-wide index of the process's first worker */
    _Atomic(link *) *links;     /* links[from * workers + to], NULL until first used */
    _Atomic(mstr_ring *) *returns; /* returns[to * workers + from]: used batches going back */
    board *boards;              /* per sender */
    board_place *places;        /* places[to * workers + from]: to's place on from's board */
    mstr_doorbell *bells;
    ring_end *ends;
};

/* Slots by job-wide worker indexes. */
static size_t pair_index(const mstr_ring_hub *h, int a, int b)
{
    return (size_t)(a - h->base) * (size_t)h->workers + (size_t)(b - h->base);
}

static _Atomic(link *) *link_of(mstr_ring_hub *h, int from, int to)
{
    return &h->links[pair_index(h, from, to)];
}

static _Atomic(mstr_ring *) *return_of(mstr_ring_hub *h, int to, int from)
{
    return &h->returns[pair_index(h, to, from)];
}

static board *board_of(mstr_ring_hub *h, int from)
{
    return &h->boards[from - h->base];
}

static board_place *place_of(mstr_ring_hub *h, int to, int from)
{
    return &h->places[pair_index(h, to, from)];
}

/* Rings keep head and tail on cache lines of their own, and boards their counts: they need
 * that alignment (size a multiple of it). */
static void *alloc_lines(size_t size)
{
    return mstr_alloc_aligned(64, size);
}

/* The link from this end to `to`: made at its first use, taking over from the board there. */
static mstr_ring *produce_link(ring_end *e, int to)
{
    _Atomic(link *) *slot = link_of(e->hub, e->base.me, to);
    link *l = atomic_load_explicit(slot, memory_order_relaxed);
    if (l != NULL)
        return &l->ring;
    l = alloc_lines(sizeof *l);
    mstr_ring_init(&l->ring, MSTR_RING_BATCHES);
    l->board_at = atomic_load_explicit(&board_of(e->hub, e->base.me)->published,
                                       memory_order_relaxed);
    atomic_store_explicit(slot, l, memory_order_release);
    e->links++;
    return &l->ring;
}

/* The return ring from this end to `from`'s end: made at its first use. */
static mstr_ring *produce_return(ring_end *e, int from)
{
    _Atomic(mstr_ring *) *slot = return_of(e->hub, e->base.me, from);
    mstr_ring *r = atomic_load_explicit(slot, memory_order_relaxed);
    if (r != NULL)
        return r;
    r = alloc_lines(sizeof *r);
    mstr_ring_init(r, MSTR_RING_BATCHES);
    atomic_store_explicit(slot, r, memory_order_release);
    return r;
}

/* The consumer's side of a ring: NULL while its producer has never pushed. */
static mstr_ring *consume_return(mstr_ring_hub *h, int to, int from)
{
    return atomic_load_explicit(return_of(h, to, from), memory_order_acquire);
}

/* ---- the board ------------------------------------------------------------------------- */

static board_chunk *new_chunk(void)
{
    board_chunk *c = mstr_alloc(sizeof *c);
    atomic_init(&c->next, NULL);
    return c;
}

/* Notes in the sender's board the least count of its entries a receiver has read. */
static void board_note_least(mstr_ring_hub *h, int sender)
{
    uint64_t least = BOARD_DONE;
    for (int to = h->base; to < h->base + h->workers; to++) {
        uint64_t read = atomic_load(&place_of(h, to, sender)->read);
        if (read < least)
            least = read;
    }
    board_of(h, sender)->least_read = least;
}

/* Frees the sender's chunks that every receiver has read past (strictly: a receiver at a
 * chunk's end may still be about to follow its next pointer). */
static void board_trim(mstr_ring_hub *h, int sender)
{
    board *b = board_of(h, sender);
    board_note_least(h, sender);
    while (b->first != b->last && b->first_at + BOARD_CHUNK < b->least_read) {
        board_chunk *old = b->first;
        b->first = atomic_load_explicit(&old->next, memory_order_relaxed);
        b->first_at += BOARD_CHUNK;
        if (b->spare == NULL)
            b->spare = old;
        else
            free(old);
    }
}

static void board_post(ring_end *e, int x, mstr_ctl ctl)
{
    mstr_ring_hub *h = e->hub;
    board *b = board_of(h, e->base.me);
    uint64_t at = atomic_load_explicit(&b->published, memory_order_relaxed);
    if (at - b->last_at == BOARD_CHUNK) {
        board_trim(h, e->base.me);
        board_chunk *c = b->spare != NULL ? b->spare : new_chunk();
        b->spare = NULL;
        atomic_init(&c->next, NULL);
        atomic_store_explicit(&b->last->next, c, memory_order_release);
        b->last = c;
        b->last_at = at;
    }
    b->last->entries[at - b->last_at] = (board_entry){ x, ctl };
    atomic_store_explicit(&b->published, at + 1, memory_order_release);
    e->posted = true;
}

/* Sets this end's read count on `from`'s board, and wakes `from` if it waits for reads. */
static void board_count(ring_end *e, board_place *p, int from, uint64_t read)
{
    atomic_store(&p->read, read);
    if (atomic_load(&board_of(e->hub, from)->full))
        e->wake[from - e->hub->base] = true;
}

/* Entry `read` of `from`'s board, as a batch of no records; p is this end's place there. */
static mstr_xbatch *board_read(ring_end *e, board_place *p, int from, uint64_t read)
{
    if (read - p->chunk_at == BOARD_CHUNK) {
        p->chunk = atomic_load_explicit(&p->chunk->next, memory_order_acquire);
        p->chunk_at += BOARD_CHUNK;
    }
    board_entry entry = p->chunk->entries[read - p->chunk_at];
    board_count(e, p, from, read + 1);
    mstr_xbatch *b = &e->from_board;
    mstr_xbatch_reset(b, entry.exchange, from, e->base.me);
    b->ctl = entry.ctl;
    return b;
}

/* ---- an end ------------------------------------------------------------------------------ */

static mstr_xbatch *ring_fresh(mstr_channel *c, int to)
{
    ring_end *e = (ring_end *)c;
    mstr_ring *back = consume_return(e->hub, to, c->me);
    mstr_xbatch *b = back != NULL ? mstr_ring_pop(back) : NULL;
    if (b == NULL)
        b = mstr_xbatch_new();
    mstr_xbatch_reset(b, -1, c->me, to);
    return b;
}

/* Once pushed, b belongs to its receiver, which may be done with it at once: everything the
 * sender needs from b is read before. */
static bool ring_send(mstr_channel *c, mstr_xbatch *b)
{
    ring_end *e = (ring_end *)c;
    int to = b->to;
    if (!mstr_ring_push(produce_link(e, to), b))
        return false;
    e->wake[to - e->hub->base] = true;
    return true;
}

/* From `from`'s board up to where the link takes over, then from the link. The link is looked
 * for once per call, after `published` is read: a link seen missing was made after every entry
 * counted, so those are this end's; a link seen says how far they are. */
static mstr_xbatch *ring_receive(mstr_channel *c, int from)
{
    ring_end *e = (ring_end *)c;
    mstr_ring_hub *h = e->hub;
    board_place *p = place_of(h, c->me, from);
    uint64_t read = atomic_load_explicit(&p->read, memory_order_relaxed);
    link *l;
    if (read != BOARD_DONE) {
        uint64_t published = atomic_load_explicit(&board_of(h, from)->published,
                                                  memory_order_acquire);
        l = atomic_load_explicit(link_of(h, from, c->me), memory_order_acquire);
        if (read < (l != NULL ? l->board_at : published))
            return board_read(e, p, from, read);
        if (l == NULL)
            return NULL;
        board_count(e, p, from, BOARD_DONE); /* no longer one the sender may wait for */
    } else {
        l = atomic_load_explicit(link_of(h, from, c->me), memory_order_acquire);
    }
    mstr_xbatch *b = mstr_ring_pop(&l->ring);
    if (b != NULL)
        e->wake[from - h->base] = true; /* it may be waiting for room */
    return b;
}

static void ring_release(mstr_channel *c, mstr_xbatch *b)
{
    ring_end *e = (ring_end *)c;
    if (b == &e->from_board)
        return;
    if (!mstr_ring_push(produce_return(e, b->from), b))
        mstr_xbatch_free(b);
}

static bool ring_linked(mstr_channel *c, int to)
{
    ring_end *e = (ring_end *)c;
    return atomic_load_explicit(link_of(e->hub, c->me, to), memory_order_relaxed) != NULL;
}

static void ring_broadcast(mstr_channel *c, int x, mstr_ctl ctl)
{
    ring_end *e = (ring_end *)c;
    if (e->links < e->hub->workers - 1)
        board_post(e, x, ctl);
}

/* Whether, by the least read count last noted, b holds more than BOARD_LIMIT unread entries. */
static bool board_over_limit(const board *b, uint64_t published)
{
    return b->least_read != BOARD_DONE && published - b->least_read > BOARD_LIMIT;
}

/* Whether this end's board holds more than BOARD_LIMIT entries some receiver has not read. The
 * receivers' counts are looked at only when the last look says so. */
static bool ring_blocked(mstr_channel *c)
{
    mstr_ring_hub *h = ((ring_end *)c)->hub;
    board *b = board_of(h, c->me);
    uint64_t published = atomic_load_explicit(&b->published, memory_order_relaxed);
    bool full = board_over_limit(b, published);
    if (full) {
        atomic_store(&b->full, true);
        board_note_least(h, c->me);
        full = board_over_limit(b, published);
    }
    if (!full && atomic_load_explicit(&b->full, memory_order_relaxed))
        atomic_store(&b->full, false);
    return full;
}

static void ring_flush(mstr_channel *c)
{
    ring_end *e = (ring_end *)c;
    mstr_ring_hub *h = e->hub;
    for (int i = 0; i < h->workers; i++) {
        if (e->posted && i != c->me - h->base && !ring_linked(c, h->base + i))
            e->wake[i] = true;
        if (e->wake[i]) {
            e->wake[i] = false;
            mstr_doorbell_ring(&h->bells[i]);
        }
    }
    e->posted = false;
}

static const mstr_channel_ops ring_ops = {
    .fresh = ring_fresh, .send = ring_send, .receive = ring_receive, .release = ring_release,
    .linked = ring_linked, .broadcast = ring_broadcast, .blocked = ring_blocked,
    .flush = ring_flush,
};

/* ---- the hub ----------------------------------------------------------------------------- */

mstr_ring_hub *mstr_ring_hub_new(int workers, int base, mstr_doorbell *bells)
{
    mstr_ring_hub *h = mstr_alloc(sizeof *h);
    size_t n = (size_t)workers * (size_t)workers;
    h->workers = workers;
    h->base = base;
    h->bells = bells;
    h->links = mstr_alloc_array(n, sizeof *h->links);
    h->returns = mstr_alloc_array(n, sizeof *h->returns);
    h->boards = alloc_lines((size_t)workers * sizeof *h->boards);
    h->places = mstr_alloc_array(n, sizeof *h->places);
    h->ends = mstr_alloc_array((size_t)workers, sizeof *h->ends);
    for (int i = 0; i < workers; i++) {
        board *b = &h->boards[i];
        *b = (board){ .first = new_chunk() };
        b->last = b->first;
        for (int to = 0; to < workers; to++)
            h->places[(size_t)to * (size_t)workers + (size_t)i] =
                (board_place){ .read = to == i ? BOARD_DONE : 0, .chunk = b->first };
        h->ends[i] = (ring_end){ .base = { &ring_ops, base + i, base + workers, 1 }, .hub = h };
        h->ends[i].wake = mstr_alloc_array((size_t)workers, sizeof *h->ends[i].wake);
    }
    return h;
}

mstr_channel *mstr_ring_hub_end(mstr_ring_hub *h, int i)
{
    return &h->ends[i].base;
}

static void free_ring(mstr_ring *r)
{
    mstr_xbatch *b;
    while ((b = mstr_ring_pop(r)) != NULL)
        mstr_xbatch_free(b);
    mstr_ring_free(r);
}

void mstr_ring_hub_free(mstr_ring_hub *h)
{
    size_t n = (size_t)h->workers * (size_t)h->workers;
    for (size_t i = 0; i < n; i++) {
        link *l = atomic_load_explicit(&h->links[i], memory_order_acquire);
        if (l != NULL) {
            free_ring(&l->ring);
            free(l);
        }
        mstr_ring *r = atomic_load_explicit(&h->returns[i], memory_order_acquire);
        if (r != NULL) {
            free_ring(r);
            free(r);
        }
    }
    for (int i = 0; i < h->workers; i++) {
        board *b = &h->boards[i];
        for (board_chunk *c = b->first, *next; c != NULL; c = next) {
            next = atomic_load_explicit(&c->next, memory_order_relaxed);
            free(c);
        }
        free(b->spare);
        free(h->ends[i].wake);
    }
    free(h->ends);
    free(h->places);
    free(h->boards);
    free(h->links);
    free(h->returns);
    free(h);
}
