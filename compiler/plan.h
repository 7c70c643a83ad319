/*
 * plan.h - the dataflow graph of a checked program, as the code generator needs it: every
 * operator with the fused stage it runs in, the exchanges that cut the graph into stages,
 * the sinks, the counters, and what each operator keeps per worker between batches (which is
 * what a snapshot of the worker must hold).
 *
 * A stage is what runs as one fused piece of code: the operators reached from its entries (the
 * sources and exchange outputs that feed it) by direct calls, up to and including the key_by
 * operators where records leave for other workers. Stages and exchanges are the compiler's
 * view of what the runtime does per worker: an exchange's records come from the stage it
 * sits in (whose sources and exchanges feed it), and enter the stage after it.
 *
 * The emitters (emit*.c) only print from the plan and the checked tree: no graph facts are
 * worked out while printing.
 */
#ifndef MC_PLAN_H
#define MC_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "pool.h"

typedef struct mc_plan_op {
    const mc_op *op;
    const mc_chain *chain;
    size_t index;           /* its position in the chain */
    size_t stage;           /* index into mc_plan.stages */
    size_t by_partition;    /* epochs kept per source partition (see mc_plan.npartition_epochs):
                               which of those it is; SIZE_MAX for every other operator */
    bool *fed_by;           /* ... and per source (prog->sources), whether its records reach
                               the operator (NULL for every other operator) */
} mc_plan_op;

/* A fused stage and what enters it. */
typedef struct mc_plan_stage {
    size_t *sources;        /* sources whose records enter it (indexes into prog->sources) */
    size_t nsources;
    size_t *inputs;         /* exchanges whose output enters it (indexes into mc_plan.exchanges) */
    size_t ninputs;
} mc_plan_stage;

/* A key_by: records leave the stage it is in for the worker that owns their key. */
typedef struct mc_plan_exchange {
    const mc_op *key_by;
    size_t stage;           /* the stage it sends from: its sources and inputs feed it */
    size_t into;            /* the stage its output enters */
} mc_plan_exchange;

/* What a counter counts (--stats prints them; generated code bumps them by name). */
typedef enum mc_counter_kind {
    MC_COUNTER_LATE,        /* epochs, window, joins: late records dropped (no late stream) */
    MC_COUNTER_IGNORED,     /* epochs with a block: candidates not above the last epoch */
    MC_COUNTER_BEHIND,      /* timestamps: records stamped at or below the frontier */
} mc_counter_kind;

typedef struct mc_plan_counter {
    const mc_op *op;
    mc_counter_kind kind;
    const char *label;      /* as --stats prints it: "epochs 'e': late records dropped" */
    const char *c_name;     /* the generated enum constant: counter_e_late */
} mc_plan_counter;

/* One piece of what an operator keeps per worker between batches. */
typedef enum mc_field_kind {
    MC_FIELD_KEYED,         /* its keyed state: one table of slots per key group */
    MC_FIELD_TIME,          /* one epoch or time (int64), starting at `start` */
    MC_FIELD_FRONTIER,      /* the frontier over `inputs` inputs (a union's, a join's) */
    MC_FIELD_SINK,          /* a custom sink's state on the worker (and its blocks' handle) */
} mc_field_kind;

typedef struct mc_plan_field {
    const mc_op *op;
    mc_field_kind kind;
    const char *name;       /* MC_FIELD_TIME: the field's name after op_NAME_ ("frontier") */
    bool starts_at_max;     /* MC_FIELD_TIME: MSTR_EPOCH_MAX rather than MSTR_EPOCH_MIN */
    size_t inputs;          /* MC_FIELD_FRONTIER */
} mc_plan_field;

/* An operator that keeps something per worker: what a snapshot of a worker holds of it. Its
 * fields are fields[first .. first + count) of the plan, the keyed one (if any) first. */
typedef struct mc_plan_state {
    const mc_op *op;
    bool keyed;             /* it keeps keyed state in tables */
    bool local;             /* ... that stays where records are read (after key_local) */
    bool timed;             /* it keeps worker fields (times, frontiers) */
    size_t first, count;
} mc_plan_state;

typedef struct mc_plan {
    const mc_program *prog;
    mc_plan_op *ops;        /* every operator, in file order */
    size_t nops;
    mc_plan_stage *stages;
    size_t nstages;
    mc_plan_exchange *exchanges; /* every key_by, in file order */
    size_t nexchanges;
    const mc_op **sinks;    /* every sink, in file order: their index in the job's sink table */
    size_t nsinks;
    mc_plan_counter *counters;
    size_t ncounters;
    mc_plan_field *fields;  /* what every operator keeps, in file order */
    size_t nfields;
    mc_plan_state *states;  /* the operators that keep something, in file order */
    size_t nstates;
    /* The epochs operators whose records all come straight from the source partitions their
     * worker polls (no exchange, nor an operator that emits at an epoch or a timer, on the
     * way): they keep their epochs per partition, and a worker issues the least over the
     * partitions it reads, so that a partition ahead in time makes no other's records late. */
    size_t npartition_epochs;
    /* Whether no operator after an exchange acts on when epochs come among records, or on the
     * order of records of different keys: an epochs operator (a candidate or a late record
     * depends on the records before it), a stateful_op with on_epoch or timers, a ttl_map
     * (expiry), an inspect_frontier; nor can a record come after an epoch that it is at or
     * below (a timestamps operator after an epochs operator). Then a worker that takes key
     * groups over in a live rescale goes on while only their records wait, which changes that
     * order (mstr_rescale.h); windows, joins and per-key state see what they would have seen. */
    bool order_free;
    bool *types_used;       /* per prog->types: whether the program needs it emitted */
    mc_pool strings;        /* the counters' names */
} mc_plan;

/* Builds the plan of prog, which mc_check accepted. Free it with mc_plan_free. */
void mc_plan_build(const mc_program *prog, mc_plan *plan);
void mc_plan_free(mc_plan *plan);

/* The plan entry of op. */
const mc_plan_op *mc_plan_op_of(const mc_plan *plan, const mc_op *op);

/* Position of a sink among the job's sinks, of a key_by among its exchanges. */
size_t mc_plan_sink_index(const mc_plan *plan, const mc_op *sink);
size_t mc_plan_exchange_index(const mc_plan *plan, const mc_op *key_by);

/* The counter of op of that kind; it must exist. */
const mc_plan_counter *mc_plan_counter_of(const mc_plan *plan, const mc_op *op,
                                          mc_counter_kind kind);

#endif
