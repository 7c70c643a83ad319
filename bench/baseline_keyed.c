/*
 * baseline_keyed.c - the hand-written C that bench/keyed.mstr is measured against: the same
 * values and arithmetic, a running sum per key (x % 1024) in one open-addressing hash table
 * keyed by the same hash, and the null sink's count and checksum of the sums, printed in its
 * --stats format so run.sh can check that both did the same work.
 *
 * baseline_keyed THREADS does the same work on THREADS threads the way one would by hand: each
 * reads a contiguous part of the values, owns the keys the job's rule gives its worker (key
 * group, then rendezvous owner, as runtime/mstr_route.h), sums its own keys at once and hands
 * every other record (key and value, 16 bytes) to its owner in batches of 1024 through a
 * single-producer, single-consumer ring per pair of threads, whose batch buffers are written
 * and read in place: what two threads give this work by hand, an exchange without a runtime's
 * framing (time stamps, encodings, epochs, partial batches). On one thread it is the plain loop.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "mstr_hash.h"
#include "mstr_route.h"

enum {
    CAPACITY = 4096,    /* a power of two, well above the 1024 keys */
    BATCH = 1024,       /* records in a batch, as the job's exchange */
    RING_BATCHES = 16,  /* batches a ring holds */
    MAX_THREADS = 16,
};

static const uint64_t n = 100000000;

typedef struct slot {
    uint64_t key;
    uint64_t sum;
    int used;
} slot;

typedef struct record {
    uint64_t key, value;
} record;

/* Batches from one thread to another: the writer fills batch[head % RING_BATCHES] in place and
 * publishes it by moving head; the reader reads batch[tail % RING_BATCHES] and frees it by
 * moving tail. */
typedef struct ring {
    _Alignas(64) _Atomic uint64_t head;
    _Alignas(64) _Atomic uint64_t tail;
    _Alignas(64) uint32_t count[RING_BATCHES];
    record batch[RING_BATCHES][BATCH];
} ring;

static int threads;
static uint16_t owner[MSTR_KEY_GROUPS_DEFAULT];
static ring *rings[MAX_THREADS][MAX_THREADS]; /* rings[from][to] */
static _Atomic int finished;                  /* threads that have sent all they will */

typedef struct worker {
    int me;
    slot *table;
    uint64_t records, checksum;
    uint32_t filled[MAX_THREADS]; /* records in the batch being written for each thread */
} worker;

/* Adds v to key's running sum in table; returns the sum. Inlined, and callers keep their
 * counts in locals and hand them to their worker at the end: counts updated through the
 * worker's pointer stayed in memory, and each record waited for the store of the one before
 * (half the speed), and a call per record cost one thread another 10%. */
static inline __attribute__((always_inline)) uint64_t sum(slot *table, uint64_t key, uint64_t v)
{
    size_t at = mstr_hash_u64(key) & (CAPACITY - 1);
    while (table[at].used && table[at].key != key)
        at = (at + 1) & (CAPACITY - 1);
    table[at].used = 1;
    table[at].key = key;
    return table[at].sum += v;
}

/* Sums every batch the other threads have published to w; true if there was one. */
static bool receive(worker *w)
{
    bool any = false;
    slot *table = w->table;
    uint64_t records = 0, checksum = 0;
    for (int from = 0; from < threads; from++) {
        ring *r = rings[from][w->me];
        if (r == NULL)
            continue;
        uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
        while (tail != atomic_load_explicit(&r->head, memory_order_acquire)) {
            size_t b = tail % RING_BATCHES;
            records += r->count[b];
            for (uint32_t i = 0; i < r->count[b]; i++)
                checksum += mstr_hash_u64(sum(table, r->batch[b][i].key, r->batch[b][i].value));
            atomic_store_explicit(&r->tail, ++tail, memory_order_release);
            any = true;
        }
    }
    w->records += records;
    w->checksum += checksum;
    return any;
}

static void publish(worker *w, int to)
{
    ring *r = rings[w->me][to];
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    r->count[head % RING_BATCHES] = w->filled[to];
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
    w->filled[to] = 0;
    /* the next batch's buffer must be free before it is written: read meanwhile, so that two
     * threads waiting on each other's full rings both go on */
    while (head + 1 - atomic_load_explicit(&r->tail, memory_order_acquire) == RING_BATCHES)
        receive(w);
}

/* One thread: the plain loop, with no owner to look up and nothing to receive. */
static void alone(worker *w)
{
    slot *table = w->table;
    uint64_t records = 0, checksum = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t v = i * 2 + 1;
        if (v % 3 == 0)
            continue;
        records++;
        checksum += mstr_hash_u64(sum(table, v % 1024, v));
    }
    w->records = records;
    w->checksum = checksum;
}

/* One of several threads: its part of the values, its own keys, and the others' batches. */
static void *run(void *arg)
{
    worker *w = arg;
    uint64_t first = n * (uint64_t)w->me / (uint64_t)threads;
    uint64_t end = n * (uint64_t)(w->me + 1) / (uint64_t)threads;
    slot *table = w->table;
    uint64_t records = 0, checksum = 0;
    for (uint64_t chunk = first; chunk < end; chunk += BATCH) {
        uint64_t chunk_end = end - chunk > BATCH ? chunk + BATCH : end;
        for (uint64_t i = chunk; i < chunk_end; i++) {
            uint64_t v = i * 2 + 1;
            if (v % 3 == 0)
                continue;
            uint64_t key = v % 1024;
            int to = owner[mstr_key_group(mstr_hash_u64(key), MSTR_KEY_GROUPS_DEFAULT)];
            if (to == w->me) {
                records++;
                checksum += mstr_hash_u64(sum(table, key, v));
                continue;
            }
            ring *r = rings[w->me][to];
            uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
            r->batch[head % RING_BATCHES][w->filled[to]++] = (record){ key, v };
            if (w->filled[to] == BATCH)
                publish(w, to);
        }
        receive(w);
    }
    w->records += records;
    w->checksum += checksum;
    for (int to = 0; to < threads; to++)
        if (w->filled[to] > 0)
            publish(w, to);
    atomic_fetch_add_explicit(&finished, 1, memory_order_acq_rel);
    /* all is published once every thread has finished: then one more pass that finds nothing */
    int all;
    do
        all = atomic_load_explicit(&finished, memory_order_acquire);
    while (receive(w) || all < threads);
    return NULL;
}

int main(int argc, char **argv)
{
    threads = argc > 1 ? atoi(argv[1]) : 1;
    if (threads < 1 || threads > MAX_THREADS) {
        fprintf(stderr, "usage: baseline_keyed [THREADS, 1 .. %d]\n", MAX_THREADS);
        return 2;
    }
    for (uint32_t g = 0; g < MSTR_KEY_GROUPS_DEFAULT; g++)
        owner[g] = (uint16_t)mstr_rendezvous_owner(g, 1, threads);
    worker w[MAX_THREADS];
    pthread_t t[MAX_THREADS];
    for (int i = 0; i < threads; i++) {
        w[i] = (worker){ .me = i, .table = calloc(CAPACITY, sizeof(slot)) };
        if (w[i].table == NULL)
            return 1;
        for (int j = 0; j < threads; j++) {
            if (i == j)
                continue;
            rings[i][j] = aligned_alloc(64, sizeof(ring));
            if (rings[i][j] == NULL)
                return 1;
            atomic_init(&rings[i][j]->head, 0);
            atomic_init(&rings[i][j]->tail, 0);
        }
    }
    for (int i = 1; i < threads; i++)
        pthread_create(&t[i], NULL, run, &w[i]);
    if (threads == 1)
        alone(&w[0]);
    else
        run(&w[0]);
    uint64_t records = w[0].records, checksum = w[0].checksum;
    for (int i = 1; i < threads; i++) {
        pthread_join(t[i], NULL);
        records += w[i].records;
        checksum += w[i].checksum;
    }
    fprintf(stderr, "mstr: sink 'out': %" PRIu64 " records, checksum %016" PRIx64 "\n", records,
            checksum);
    return 0;
}
