/*
 * emit_int.h - what the emitter's files share (compiler/emit*.c); not for the rest of mstrc.
 *
 *   emit.c          the driver: the generated file's layout and the job's tables
 *   emit_state.c    what workers keep between batches, and its snapshots
 *   emit_util.c     the helpers every emitter file uses (rendering, names, strings, #line)
 *   emit_types.c    record types and their functions, decoders of text fields, literals
 *   emit_ops.c      streams and operators
 *   emit_sources.c  source poll and finish functions
 *
 * Every graph fact (stages, exchanges, sinks, counters, what an operator keeps) comes from the
 * plan (plan.h); the emitters only print.
 */
#ifndef MC_EMIT_INT_H
#define MC_EMIT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "buf.h"
#include "diag.h"
#include "emit.h"
#include "plan.h"
#include "pool.h"
#include "template.h"

typedef struct emitter {
    const mc_program *prog;
    const mc_plan *plan;
    const mc_emit_options *opt;
    mc_buf *out;
    mc_diag where;          /* only for turning offsets into line numbers */
    const char *resync;     /* the generated file's name escaped for #line; NULL when off */
    mc_pool strings;        /* every string the emitter formats: freed when it is done */
} emitter;

/* ---- emit_util.c ---- */

/* Template variables: VARS({ "name", value }, ...) expands to the array and its length. */
#define VARS(...) ((const mc_var[]){ __VA_ARGS__ }), (sizeof((const mc_var[]){ __VA_ARGS__ }) / sizeof(mc_var))

/* Appends template `name` with its markers replaced to the output. */
void em_render(emitter *e, const char *name, const mc_var *vars, size_t nvars);

/* A printf-formatted string that lives as long as the emitter. */
const char *em_strf(emitter *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* b's text ("" when empty); valid until b changes. */
const char *em_text(const mc_buf *b);

/* s fit for the inside of a C comment. */
const char *em_comment(emitter *e, const char *s);

/* "file.mstr:12" for the line of loc, fit for a C comment. */
const char *em_where(emitter *e, mc_loc loc);

/* Appends bytes as the inside of a C string literal. */
void em_c_string(mc_buf *b, const char *p, size_t n);

/* s as a C string literal, quotes included. */
const char *em_c_literal(emitter *e, const char *s);

/* The C name of a type: the scalar's .mstr name (typedef'd) or the record's name. */
const char *em_type(const mc_typeref *t);

/* The C type of the key of records entering op: its key type, or mstr_nokey. */
const char *em_in_key(const mc_op *op);

/* The C type of a stateful operator's state per key: its state type's, or for a ttl_map of map
 * state the map's (op_NAME_map, templates/ttl_map_entries.c.in). */
const char *em_state_type(emitter *e, const mc_op *op);

/* The user's C block behind #line (braces kept, or replaced by a space for a prelude). */
void em_user_block(emitter *e, const mc_cblock *block, bool braces, mc_buf *b);

/* The generated name of op's counter of that kind (an enum constant). */
const char *em_counter(const emitter *e, const mc_op *op, mc_counter_kind kind);

/* A window's accumulator type: u64 for count (unused), f64 for avg, else the aggregate's type. */
const char *em_window_acc_type(const mc_op *window);

/* ---- emit_types.c ---- */

/* The ways a value is written, and the checksum. */
typedef enum em_shape { EM_DEBUG, EM_CSV, EM_JSON, EM_HASH } em_shape;

/* Appends the C expression that writes (to `o`) or hashes the value at lvalue expr. */
void em_value(mc_buf *b, em_shape shape, const mc_typeref *t, const char *expr);

/* Appends a literal as a C initializer of type t. */
void em_literal(mc_buf *b, const mc_literal *lit, const mc_typeref *t);

/* Calls fn for each scalar leaf of type t at lvalue expr, in declaration order; column is the
 * dotted field path (NULL for a scalar type itself). */
typedef void em_leaf_fn(void *arg, const mc_typeref *t, const char *expr, const char *column);
void em_for_each_leaf(emitter *e, const mc_typeref *t, const char *expr, const char *column,
                      em_leaf_fn *fn, void *arg);
size_t em_leaf_count(emitter *e, const mc_typeref *t);

void em_types(emitter *e);
void em_decoders(emitter *e);

/* ---- emit_state.c ---- */

void em_state_struct(emitter *e);       /* counters, job_state */
void em_state_fns(emitter *e);          /* job_state_new, job_state_free */
void em_state_snapshots(emitter *e);    /* snapshot functions and job_states */

/* A type spelled out for a job's shape: a scalar's name, a record's name and fields. */
const char *em_type_shape(emitter *e, const mc_typeref *t);

/* ---- emit_ops.c, emit_sources.c ---- */

void em_streams(emitter *e);
void em_ops(emitter *e);
void em_sources(emitter *e);

/* How many records a list or range source has, events a nexmark source, partitions a custom
 * source (0 for the text sources). */
uint64_t em_source_count(const mc_source *s);

#endif
