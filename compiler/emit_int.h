/*
 * emit_int.h - what the emitter's files share (compiler/emit*.c); not for the rest of mstrc.
 *
 *   emit.c          the generated file's layout, the job's tables, batch and state structs
 *   emit_types.c    record types, per-type functions (printing, codecs, hashing, ownership),
 *                   decoders of text fields, literals
 *   emit_ops.c      streams and operators
 *   emit_sources.c  source poll and finish functions
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
#include "template.h"

/* An operator with the chain it is in. */
typedef struct em_op_ref {
    const mc_chain *chain;
    size_t index;
} em_op_ref;

typedef struct emitter {
    const mc_program *prog;
    const mc_emit_options *opt;
    mc_buf *out;
    mc_diag where;          /* only for turning offsets into line numbers */
    em_op_ref *ops;         /* every operator, in file order */
    size_t nops;
    const mc_op **sinks;    /* every sink, in file order: their index in the job's sink table */
    size_t nsinks;
    const mc_op **exchanges;/* every key_by, in file order: their exchange number */
    size_t nexchanges;
    char **counters;        /* names of the job's counters, in the order they were added */
    size_t ncounters;
} emitter;

/* The ways a value is written, and the checksum. */
typedef enum em_shape { EM_DEBUG, EM_CSV, EM_JSON, EM_HASH } em_shape;

/* Template variables: VARS({ "name", value }, ...) expands to the array and its length. */
#define VARS(...) ((const mc_var[]){ __VA_ARGS__ }), (sizeof((const mc_var[]){ __VA_ARGS__ }) / sizeof(mc_var))

void em_render(emitter *e, const char *name, const mc_var *vars, size_t nvars);

/* b's text ("" when empty); valid until b changes. */
const char *em_text(const mc_buf *b);

/* "file.mstr:12", for comments. */
void em_where(emitter *e, mc_loc loc, char *dst, size_t n);

/* Appends bytes as the inside of a C string literal. */
void em_c_string(mc_buf *b, const char *p, size_t n);

/* The C name of a type: the scalar's .mstr name (typedef'd) or the record's name. */
const char *em_type(const mc_typeref *t);

/* The C type of the key of records entering op: its key type, or mstr_nokey. */
const char *em_in_key(const mc_op *op);

/* Appends the C expression that writes (to `o`) or hashes the value at lvalue expr. */
void em_value(mc_buf *b, em_shape shape, const mc_typeref *t, const char *expr);

/* Appends a literal as a C initializer of type t. */
void em_literal(mc_buf *b, const mc_literal *lit, const mc_typeref *t);

/* The user's C block behind #line (braces kept, or replaced by a space for a prelude). */
void em_user_block(emitter *e, const mc_cblock *block, bool braces, mc_buf *b);

/* Adds a counter (mstr_job_desc.counters) named "KIND 'OP': what" and returns its index. */
size_t em_counter(emitter *e, const mc_op *op, const char *kind, const char *what);

/* Position of sink among the job's sinks, and of a key_by among its exchanges. */
size_t em_sink_index(const emitter *e, const mc_op *sink);
size_t em_exchange_index(const emitter *e, const mc_op *key_by);

/* A window's accumulator type: u64 for count (unused), f64 for avg, else the aggregate's type. */
const char *em_window_acc_type(const mc_op *window);

/* Calls fn for each scalar leaf of type t at lvalue expr, in declaration order; column is the
 * dotted field path (NULL for a scalar type itself). */
typedef void em_leaf_fn(void *arg, const mc_typeref *t, const char *expr, const char *column);
void em_for_each_leaf(const mc_typeref *t, const char *expr, const char *column, em_leaf_fn *fn,
                      void *arg);
size_t em_leaf_count(const mc_typeref *t);

void em_types(emitter *e);       /* emit_types.c */
void em_decoders(emitter *e);
void em_streams(emitter *e);     /* emit_ops.c */
void em_ops(emitter *e);
void em_sources(emitter *e);     /* emit_sources.c */

/* How many records a list or range source has (0 for the text sources). */
uint64_t em_source_count(const mc_source *s);

#endif
