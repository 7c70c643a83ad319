/*
 * mstr_desc.h - how a generated program describes its job to the runtime.
 *
 * mstrc emits constant tables of these types (templates/program_main.c.in) and passes the job
 * description to mstr_main (mstr_job.h). The runtime calls back into generated code through
 * the function pointers here, once per batch: everything per record is generated code.
 *
 * Checklist: a field added here is filled by compiler/emit.c (emit_main and its helpers).
 */
#ifndef MSTR_DESC_H
#define MSTR_DESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mstr_codec.h"
#include "mstr_out.h"
#include "mstr_table.h"

typedef struct mstr_worker mstr_worker;
typedef struct mstr_partition mstr_partition;
typedef struct mstr_xbatch mstr_xbatch;

/* Records a source reads per poll: large enough that per-batch costs vanish, small enough that
 * a batch of strings stays in cache. */
enum { MSTR_BATCH = 1024 };

typedef enum mstr_sink_kind {
    MSTR_SINK_STDOUT, MSTR_SINK_NULL, MSTR_SINK_TEXT, MSTR_SINK_CSV, MSTR_SINK_JSONL,
    MSTR_SINK_CUSTOM                    /* the program's own: its blocks, through the hooks below */
} mstr_sink_kind;

typedef struct mstr_sink_desc {
    const char *name;
    mstr_sink_kind kind;
    const char *path;                   /* text, csv, jsonl */
    void (*write_header)(mstr_out *o);  /* csv: writes the header row; NULL otherwise */
    /* custom: the sink's blocks other than write (which its generated operator calls); NULL
     * ones are skipped. They run in a worker's thread on that worker's state of the sink;
     * mstr_sink.h says when. */
    void (*open)(mstr_worker *w, uint64_t resumed);
    void (*prepare)(mstr_worker *w, uint64_t snapshot);
    void (*commit)(mstr_worker *w, uint64_t snapshot);
    void (*close)(mstr_worker *w);
} mstr_sink_desc;

typedef enum mstr_source_kind {
    MSTR_SOURCE_LIST, MSTR_SOURCE_RANGE, MSTR_SOURCE_LINES, MSTR_SOURCE_STDIN, MSTR_SOURCE_CSV,
    MSTR_SOURCE_NEXMARK,                /* partitioned like a range, over event numbers */
    MSTR_SOURCE_CUSTOM                  /* the program's own: `partitions` partitions, each with
                                           a position that snapshots keep */
} mstr_source_kind;

typedef struct mstr_source_desc {
    const char *name;
    mstr_source_kind kind;
    uint64_t count;                     /* list, range: how many values; nexmark: events */
    size_t partitions;                  /* range: parts to cut it into (0: one per worker);
                                           custom: how many partitions it has */
    const char *const *paths;           /* lines, csv: one partition per path */
    size_t npaths;
    const char *const *columns;         /* csv: the column name of each leaf field, in order */
    size_t ncolumns;
    const char *dead_letter;            /* the dead-letter stream's name, or NULL */
    /* Reads and processes at most MSTR_BATCH records of p; sets p->done at the end. */
    void (*poll)(mstr_worker *w, mstr_partition *p);
    /* Called once per worker when all of the worker's partitions of this source are done (at
     * once if it has none): sends the epoch MSTR_EPOCH_MAX down the source's streams. */
    void (*finish)(mstr_worker *w);
    /* custom: a partition's position is a value of the program's position type, in
     * position_size zeroed bytes at p->position; snapshots write it (save_position) with the
     * partition and put it back (restore_position: false if the bytes do not decode), and
     * release_position frees the strings it owns. position_shape spells its type out for the
     * job's shape. open and close are the source's blocks (NULL when absent), run in the
     * thread of the worker that reads the partition (mstr_source_start, mstr_source_stop). */
    size_t position_size;
    const char *position_shape;
    void (*save_position)(const mstr_partition *p, mstr_wbuf *b);
    bool (*restore_position)(mstr_partition *p, mstr_rbuf *r);
    void (*release_position)(mstr_partition *p);
    void (*open)(mstr_worker *w, mstr_partition *p);
    void (*close)(mstr_worker *w, mstr_partition *p);
} mstr_source_desc;

/* An exchange: a key_by, where records move to the worker that owns their key. */
typedef struct mstr_exchange_desc {
    const char *name;                   /* the key_by operator */
    /* Decodes the next `records` records of b from r (a reader of b's data, moved past them)
     * and runs them through what follows the exchange. */
    void (*receive)(mstr_worker *w, const mstr_xbatch *b, mstr_rbuf *r, size_t records);
    /* The frontier after the exchange (the least epoch over the sending workers) moved to
     * epoch: tells what follows. */
    void (*epoch)(mstr_worker *w, int64_t epoch);
    /* The sources whose records reach the exchange without crossing another one, and the
     * exchanges whose output reaches it (both from compiler/plan.c). A worker that reads none
     * of the sources of an exchange that no other exchange feeds sends it nothing but its
     * end, so the receivers count it as finished from the start. */
    const size_t *sources;
    size_t nsources;
    const size_t *upstream;
    size_t nupstream;
} mstr_exchange_desc;

/* What an operator keeps per worker between batches, as snapshots see it (mstr_snapshot.h):
 * keyed state in tables per key group, and fields of the worker (epochs, frontiers). */
typedef struct mstr_state_desc {
    const char *op;                     /* the operator's name */
    const char *shape;                  /* what it keeps, spelled out: a snapshot restores into
                                           an operator of the same name and shape only */
    bool local;                         /* its keyed state stays where records are read
                                           (after key_local), not with the key's group */
    /* Keyed state; tables is NULL for an operator without. */
    mstr_table *(*tables)(mstr_worker *w);      /* one per key group */
    void (*slot_key)(mstr_wbuf *b, const void *slot);    /* what identifies a slot */
    void (*slot_value)(mstr_wbuf *b, const void *slot);  /* the rest of it */
    /* Puts a slot from a snapshot into table t; false if the bytes do not decode. */
    bool (*restore_slot)(mstr_table *t, mstr_rbuf *key, mstr_rbuf *value);
    /* Releases what the slots of table t hold (the table's own memory stays). */
    void (*release_slots)(mstr_table *t);
    /* The worker's fields of the operator; fields is NULL for an operator without. */
    void (*fields)(mstr_worker *w, mstr_wbuf *b);
    bool (*restore_fields)(mstr_worker *w, mstr_rbuf *r);
    /* Its fields hold a custom sink's state, which is the worker's own; without it they are a
     * row of int64 times (epochs, frontiers: little-endian, 8 bytes each), which a restore at
     * another worker count merges (mstr_snapshot.h). */
    bool sink_state;
} mstr_state_desc;

typedef struct mstr_job_desc {
    const char *name;
    const char *program;                /* the .mstr file it was compiled from */
    int workers;                        /* from the job block; 1 if unset */
    uint32_t key_groups;                /* from the job block; MSTR_KEY_GROUPS_DEFAULT if unset */
    const char *state_dir;              /* from the job block; NULL if unset */
    int64_t snapshot_every_ms;          /* from the job block; 0 if unset */
    int keep_snapshots;                 /* from the job block; 3 if unset */
    const mstr_source_desc *sources;
    size_t nsources;
    const mstr_sink_desc *sinks;
    size_t nsinks;
    const mstr_exchange_desc *exchanges;
    size_t nexchanges;
    /* The generated per-worker state (keyed state tables, frontiers): made when the worker
     * starts, freed when it ends. */
    void *(*state_new)(mstr_worker *w);
    void (*state_free)(mstr_worker *w, void *state);
    /* Its key groups changed (a live rescale): forgets what it derived from its slots. */
    void (*state_regroup)(mstr_worker *w);
    /* The operators with state, and what they keep. */
    const mstr_state_desc *states;
    size_t nstates;
    /* Named counters that generated code increments (late records dropped, epochs ignored);
     * --stats prints their sums over the workers. */
    const char *const *counters;
    size_t ncounters;
    /* Every operator but the sinks, in file order: the records each takes in are counted per
     * worker (mstr_worker.op_in) for the status and the metrics. */
    const char *const *operators;
    size_t noperators;
    /* Issues the epochs of the wall clock for the job's `timestamps NAME processing_time`
     * operators (NULL if it has none): the worker calls it every turn, and sleeps no longer
     * than MSTR_CLOCK_TICK_MS while it has nothing else to do. */
    void (*tick)(mstr_worker *w);
    /* Epochs operators whose epochs are kept per source partition (mstr_partition.epochs):
     * those whose records all come straight from the partitions their worker polls. The
     * worker calls partitions_changed (NULL if there are none) when the partitions it reads
     * change: as it starts reading, takes partitions over, or one of them ends. */
    size_t npartition_epochs;
    void (*partitions_changed)(mstr_worker *w);
    /* No operator after an exchange acts on when epochs come among records, or on the order of
     * records of different keys (epochs, stateful_op with on_epoch or timers, ttl_map,
     * inspect_frontier), and no timestamps operator comes after an epochs operator: a worker
     * that takes key groups over in a live rescale may go on while only their records wait
     * (mstr_rescale.h). */
    bool order_free;
} mstr_job_desc;

/* How long a worker with a clock to follow sleeps at most: how late a processing-time
 * window closes while no record comes. */
enum { MSTR_CLOCK_TICK_MS = 100 };

#endif
