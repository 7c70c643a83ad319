/*
 * ast.h - the syntax tree of a .mstr program, and the links the checker adds to it.
 *
 * The parser (grammar/parser.y) builds these nodes through the mc_ast_* builder functions; the
 * checker (compiler/check.c) resolves names and types and fills the fields marked "checker";
 * the emitter (compiler/emit.c) reads the checked tree. Every node lives in the program's pool
 * and is freed with it: no node is ever freed on its own.
 *
 * Locations are byte offsets into the source text (PostgreSQL's habit); only the diagnostics
 * module turns them into line:column.
 */
#ifndef MC_AST_H
#define MC_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pool.h"

/* A span of source text: byte offset of its first character and its length (>= 1 if known). */
typedef struct mc_loc {
    uint32_t off;
    uint32_t len;
} mc_loc;

/* The language's types. Checklist: a new scalar needs its name in grammar/lexer.l, its entry in
 * mc_type_kind_name (compiler/ast.c), its parsing in runtime/mstr_parse.c, its
 * printing in runtime/mstr_out.c and its cases in compiler/emit.c (put_value, decode_leaf). */
typedef enum mc_type_kind {
    MC_T_I8, MC_T_I16, MC_T_I32, MC_T_I64,
    MC_T_U8, MC_T_U16, MC_T_U32, MC_T_U64,
    MC_T_F32, MC_T_F64, MC_T_BOOL, MC_T_STR,
    MC_T_RECORD
} mc_type_kind;

typedef struct mc_typedecl mc_typedecl;

/* A use of a type. For MC_T_RECORD, name is the type's name as written and decl is set by the
 * checker. A tuple `(i64, str)` or an array `[u8; 16]` is a record type too, made by the
 * checker from elems (mc_type_shape): its name is the one the C code uses, Tuple_i64_str or
 * Array_u8_16. */
typedef struct mc_typeref {
    mc_type_kind kind;
    const char *name;
    mc_loc loc;
    mc_typedecl *decl;   /* checker, records only */
    mc_typedecl *elems;  /* tuples and arrays, as parsed: the element types (one for an array) */
    uint64_t length;     /* arrays: the element count */
    mc_loc length_loc;
} mc_typeref;

typedef struct mc_field {
    const char *name;
    mc_loc loc;
    mc_typeref type;
} mc_field;

/* What a record type is written as, and printed as: a record `Name { a: 1, b: 2 }`, a tuple
 * `(1, 2)` (fields _0, _1, ...), an array `[1, 2]` (C member v[N], fields v[0], v[1], ...). */
typedef enum mc_type_shape {
    MC_SHAPE_RECORD, MC_SHAPE_TUPLE, MC_SHAPE_ARRAY
} mc_type_shape;

/* `type NAME { field: type; ... }`. The built-in DeadLetter type is a decl with builtin set,
 * and so are the tuple and array types. */
struct mc_typedecl {
    const char *name;
    mc_loc loc;
    mc_field *fields;
    size_t nfields;
    bool builtin;
    mc_type_shape shape;
};

typedef enum mc_lit_kind {
    MC_LIT_INT, MC_LIT_FLOAT, MC_LIT_STRING, MC_LIT_BOOL, MC_LIT_RECORD,
    MC_LIT_TUPLE, MC_LIT_ARRAY
} mc_lit_kind;

typedef struct mc_literal mc_literal;

typedef struct mc_field_init {
    const char *name;
    mc_loc loc;
    mc_literal *value;
} mc_field_init;

struct mc_literal {
    mc_lit_kind kind;
    mc_loc loc;
    union {
        struct { uint64_t magnitude; bool negative; } i; /* MC_LIT_INT: value = +-magnitude */
        struct { double value; const char *text; } f;    /* MC_LIT_FLOAT: text as written */
        struct { const char *bytes; size_t len; } s;      /* MC_LIT_STRING: unescaped bytes */
        bool b;                                           /* MC_LIT_BOOL */
        struct {                                          /* MC_LIT_RECORD */
            const char *type_name;
            mc_field_init *inits;
            size_t ninits;
        } rec;
        struct {                                          /* MC_LIT_TUPLE, MC_LIT_ARRAY */
            mc_literal **items;
            size_t n;
        } seq;
    } u;
};

/* A C block: the text strictly between the braces; loc covers the braces. */
typedef struct mc_cblock {
    const char *text;
    size_t len;
    mc_loc loc;
} mc_cblock;

/* One block of a custom source or sink: `NAME { C }`. */
typedef struct mc_block {
    const char *name;
    mc_loc loc;            /* the name */
    mc_cblock body;
} mc_block;

/* The body of a custom source or sink: its blocks in the order written. Which names a kind
 * takes, and which it needs, is the checker's business (mc_custom_block finds one). */
typedef struct mc_custom {
    mc_loc loc;            /* the `custom` keyword */
    mc_block *blocks;
    size_t nblocks;
} mc_custom;

/* The block of c named name, or NULL. */
const mc_block *mc_custom_block(const mc_custom *c, const char *name);

typedef struct mc_stream mc_stream;
typedef struct mc_chain mc_chain;

typedef enum mc_source_kind {
    MC_SRC_LIST, MC_SRC_RANGE, MC_SRC_LINES, MC_SRC_STDIN, MC_SRC_CSV,
    MC_SRC_NEXMARK,     /* nexmark(events[, rate[, first_ms]]) of type Person, Auction or Bid */
    MC_SRC_CUSTOM       /* custom(N) position P { open { } poll { } close { } } */
} mc_source_kind;

/* `source NAME: TYPE = EXPR [dead_letter NAME];` */
typedef struct mc_source {
    const char *name;
    mc_loc loc; /* the name */
    mc_typeref type;
    mc_source_kind kind;
    mc_loc kind_loc;
    mc_literal **items;  /* list: the elements; range: lo, hi and optional step (integers);
                            nexmark: its arguments; custom: its partition count */
    size_t nitems;
    const char **paths;  /* lines, csv: one partition per path */
    size_t *path_lens;   /* their lengths as written (a NUL byte makes one longer than strlen) */
    mc_loc *path_locs;
    size_t npaths;
    mc_literal *partitions;  /* range: `partitions N`, NULL when absent (one per worker) */
    mc_loc partitions_loc;
    const char *dead_letter; /* NULL when absent */
    mc_loc dead_letter_loc;
    mc_typeref position;     /* custom: the type of a partition's position */
    mc_custom *custom;       /* custom: its blocks (NULL for the other kinds) */
    int64_t *stamps;         /* list: each item's timestamp, NULL for its index; and ... */
    int64_t *epochs;         /* ... the epoch issued after it (INT64_MIN: none). Only mstrc
                                test (pipetest.c) sets them: the language has no syntax */
    mc_stream *out;          /* checker */
    mc_stream *dead_out;     /* checker, NULL when no dead_letter */
} mc_source;

/* What `(state ...)` declares: one value per key, `(state S)`, or for a ttl_map a map per key
 * whose entries expire one by one, `(state map<K, V>)`. */
typedef struct mc_state_decl {
    mc_typeref type;       /* S, or the map's value type V */
    bool map;              /* `map<...>` */
    mc_typeref key;        /* the map's key type K */
    size_t ntypes;         /* the types written between '<' and '>' (the checker wants 2) */
    mc_loc loc;            /* `map<...>` */
} mc_state_decl;

/* Checklist: a new operator kind needs its syntax in grammar/parser.y, its rules in
 * compiler/check.c, its template in templates/ and its case in compiler/emit.c (emit_op). */
typedef enum mc_op_kind {
    MC_OP_MAP, MC_OP_FILTER, MC_OP_FILTER_MAP, MC_OP_FLAT_MAP, MC_OP_INSPECT, MC_OP_SINK,
    MC_OP_KEY_BY,       /* key_by NAME: K { key } [distribute { worker }] */
    MC_OP_KEY_LOCAL,    /* key_local NAME: K { key } */
    MC_OP_STATEFUL_MAP, /* stateful_map NAME: OUT (state S) { ... } */
    MC_OP_STATEFUL_OP,  /* stateful_op NAME: OUT (state S) { on data } on_epoch { per key } */
    MC_OP_TTL_MAP,      /* ttl_map NAME: OUT (state S) { ... expire_at(t) ... }, or
                           ttl_map NAME: OUT (state map<K, V>) { ... entry_insert(k, v, t) ... } */
    MC_OP_TIMESTAMPS,   /* timestamps NAME { return new timestamp; } */
    MC_OP_EPOCHS,       /* epochs NAME { return candidate epoch; } */
    MC_OP_UNION,        /* union NAME(s1, s2, ...) */
    MC_OP_CLONE,        /* clone NAME into (a, b, ...)           ends a chain */
    MC_OP_SPLIT,        /* split NAME into (a, b, ...) { ... }   ends a chain */
    MC_OP_INSPECT_FRONTIER, /* inspect_frontier NAME { ... epoch ... } */
    MC_OP_WINDOW,       /* window NAME: tumbling(S) | sliding(S, P) | session(G) AGG [late L] */
    MC_OP_WINDOW_JOIN,  /* window_join NAME: OUT tumbling(S) with OTHER { ... } */
    MC_OP_INTERVAL_JOIN /* interval_join NAME: OUT with OTHER between(LO, HI) { ... } */
} mc_op_kind;

typedef enum mc_window_kind { MC_WIN_TUMBLING, MC_WIN_SLIDING, MC_WIN_SESSION } mc_window_kind;

/* A window's aggregate. COUNT needs nothing; SUM, MIN, MAX and REDUCE have a type and a block
 * (the value to aggregate; for REDUCE the fold); AVG a block giving an f64. */
typedef enum mc_agg_kind {
    MC_AGG_COUNT, MC_AGG_SUM, MC_AGG_MIN, MC_AGG_MAX, MC_AGG_AVG, MC_AGG_REDUCE
} mc_agg_kind;

typedef enum mc_sink_kind {
    MC_SINK_STDOUT, MC_SINK_NULL, MC_SINK_TEXT, MC_SINK_CSV, MC_SINK_JSONL,
    MC_SINK_CUSTOM      /* custom(S) { open { } write { } prepare { } commit { } close { } } */
} mc_sink_kind;

/* One operator of a chain. */
typedef struct mc_op mc_op;
struct mc_op {
    mc_op_kind kind;
    const char *name;
    mc_loc loc;            /* the operator's name */
    mc_loc kw_loc;         /* the keyword (map, filter, ...) */
    bool has_out_type;     /* map, filter_map, flat_map, stateful_map, stateful_op, ttl_map,
                              the joins; window: set by the checker (its Window_T) */
    mc_typeref out_type;
    mc_cblock body;        /* all but sinks, unions, clones, bounded epochs and count windows
                              (text NULL there) */
    mc_sink_kind sink;     /* sinks */
    const char *path;      /* text, csv, jsonl sinks; a stdout sink's is NULL, or the file that
                              mstrc test captures it in, written as stdout would be */
    size_t path_len;       /* its length as written (a NUL byte makes it longer than strlen) */
    mc_loc path_loc;
    mc_typeref sink_state; /* custom sinks: the type of each worker's state */
    mc_custom *custom;     /* custom sinks: their blocks (NULL for the other kinds) */
    mc_typeref key_type;   /* key_by, key_local: the new key's type */
    bool has_state_type;   /* stateful_map, stateful_op, ttl_map */
    mc_typeref state_type; /* their `(state S)`; a map's value type V */
    bool state_map;        /* ttl_map `(state map<K, V>)`: an expiring map per key ... */
    mc_typeref map_key;    /* ... whose entries' keys are of type K ... */
    size_t map_ntypes;     /* ... as written: the types between '<' and '>' ... */
    mc_loc map_loc;        /* ... in `map<...>` */
    mc_cblock extra;       /* key_by: the distribute block; stateful_op: the on_epoch block;
                              text is NULL when absent */
    mc_cblock timer;       /* stateful_op: the on_timer block; text is NULL when absent */
    bool clock_timers;     /* checker: a stateful_op whose blocks use timer_after */
    const char **names;    /* union: the streams merged in; clone, split: the streams made */
    mc_loc *name_locs;
    size_t nnames;
    mc_literal *bound;     /* epochs: bounded(B) or periodic(P), NULL for a user block */
    bool periodic;         /* epochs: periodic(P) rather than bounded(B) */
    bool processing_time;  /* timestamps: the wall clock's, and its epochs (no block) */
    const char *late;      /* epochs, window: `late NAME`, NULL when absent */
    mc_loc late_loc;
    mc_window_kind window; /* window, window_join */
    mc_literal *wargs[2];  /* window: size (tumbling), size and slide (sliding), gap (session);
                              window_join: size; interval_join: lower and upper bounds (the
                              lower alone when until_field is set) */
    size_t nwargs;
    const char *until_field; /* interval_join `between(LO, FIELD)`: the i64 field of the left
                                record that is its upper bound, an absolute time; else NULL */
    mc_loc until_loc;
    mc_loc window_loc;     /* the window or between(...) clause */
    mc_agg_kind agg;       /* window */
    bool has_agg_type;     /* window: sum, min, max, reduce */
    mc_typeref agg_type;
    const char *other;     /* window_join, interval_join: the right-hand stream */
    mc_loc other_loc;
    mc_typeref in_type;    /* checker: the type of records entering the operator */
    mc_stream *late_out;   /* checker: the `late` stream */
    mc_stream *other_in;   /* checker: the join's right-hand stream */
    bool in_keyed;         /* checker: whether they carry a key ... */
    mc_typeref in_key;     /* checker: ... of this type ... */
    const mc_op *in_keyer; /* checker: ... given by this key_by or key_local (where
                              the key's state lives follows from it: mc_keyer_* below) */
    mc_stream **streams;   /* checker: union: the streams named (input i+1 of the union, input 0
                              being the chain before it); clone, split: the streams made */
};

/* `[stream NAME =] INPUT |> op |> op ... ;` */
struct mc_chain {
    const char *input_name;
    mc_loc input_loc;
    mc_op **ops;
    size_t nops;
    const char *result;    /* NULL unless `stream NAME =` */
    mc_loc result_loc;
    mc_loc loc;            /* the whole statement */
    mc_stream *input;      /* checker */
    mc_stream *out;        /* checker: the named result stream, NULL if the chain ends in a sink */
};

typedef enum mc_stream_origin {
    MC_STREAM_SOURCE, MC_STREAM_DEAD_LETTER, MC_STREAM_CHAIN, MC_STREAM_OP
} mc_stream_origin;

/* A named stream: the output of a source, of a source's dead-letter side, of a chain, or one
 * output of a clone or split. Built by the checker. */
struct mc_stream {
    const char *name;
    mc_loc loc;
    mc_typeref type;
    mc_stream_origin origin;
    mc_source *source;     /* SOURCE, DEAD_LETTER */
    mc_chain *chain;       /* CHAIN */
    mc_op *op;             /* OP: the clone or split ... */
    size_t output;         /* ... and which of its outputs */
    bool keyed;            /* records carry a key ... */
    mc_typeref key_type;   /* ... of this type */
    const mc_op *keyer;    /* ... given by this key_by or key_local (NULL if unkeyed) */
    mc_chain **consumers;  /* chains reading this stream from their start, in file order */
    size_t nconsumers;
    mc_op **unions;        /* union operators merging this stream in, in file order */
    size_t nunions;
    mc_op **joins;         /* window_join and interval_join operators reading this stream as
                              their right-hand side (`with NAME`), in file order */
    size_t njoins;
};

typedef struct mc_setting {
    const char *name;
    mc_loc loc;
    mc_literal *value;
} mc_setting;

typedef struct mc_job {
    const char *name;      /* NULL when the file has no job line */
    mc_loc loc;
    mc_setting *settings;
    size_t nsettings;
    int64_t workers;       /* checker: 1 unless set */
    int64_t key_groups;    /* checker: 0 unless set (the runtime's default) */
    const char *state_dir; /* checker: NULL unless set */
    int64_t snapshot_every_ms; /* checker: 0 unless set */
    int64_t keep_snapshots;    /* checker: 0 unless set (the runtime's default) */
    mc_loc *redefs;        /* parser: the names of `job` lines after the first (each an error) */
    size_t nredefs;
} mc_job;

/* A whole file. src is the file's text (NUL-terminated, src_len bytes). */
typedef struct mc_program {
    mc_pool pool;
    const char *path;
    const char *src;
    size_t src_len;
    mc_job job;
    mc_typedecl **types;   /* in file order; the checker appends the built-in DeadLetter */
    size_t ntypes;
    mc_source **sources;
    size_t nsources;
    mc_chain **chains;
    size_t nchains;
    mc_cblock *preludes;   /* `c { ... }` blocks */
    size_t npreludes;
    mc_stream **streams;   /* checker: every stream, sources first, then in file order */
    size_t nstreams;
} mc_program;

/* The scalar type names (i8 ... str), indexed by mc_type_kind up to MC_T_STR. */
const char *mc_type_kind_name(mc_type_kind kind);

/* True for the integer kinds i8 ... u64. */
bool mc_type_is_integer(mc_type_kind kind);

/* An operator's keyword as written in a .mstr file ("map", "key_by", ...). */
const char *mc_op_kind_name(mc_op_kind kind);

/* The keyword of a source, sink, window or aggregate kind as written ("lines", "jsonl",
 * "tumbling", "count", ...). */
const char *mc_source_kind_name(mc_source_kind kind);
const char *mc_sink_kind_name(mc_sink_kind kind);
const char *mc_window_kind_name(mc_window_kind kind);
const char *mc_agg_kind_name(mc_agg_kind agg);

/* Where the state of a keyed stream's keys lives follows from the operator that keyed it (its
 * keyer): a key_by without a distribute block places a key by its hash's key group, a key_by
 * with one by the key group its block returns, both on the worker that owns that key group;
 * a key_local moves nothing, so a key's state lives on whichever worker its records are read
 * by, and cannot move to another worker count. */
bool mc_keyer_is_local(const mc_op *keyer);
bool mc_keyer_distributes(const mc_op *keyer);

/*
 * Builders, called by the scanner and the grammar actions (grammar/) and nowhere else. Each
 * allocates in prog->pool; names and strings they receive must already live there (or in
 * prog->src). A "list under construction" (a type's fields, a source's items, a chain's ops, a
 * record literal's fields, a job's settings) is built on a node that a later builder names and
 * attaches to the program.
 */
mc_literal *mc_ast_lit_int(mc_program *prog, uint64_t magnitude, mc_loc loc);
mc_literal *mc_ast_lit_float(mc_program *prog, double value, const char *text, mc_loc loc);
mc_literal *mc_ast_lit_string(mc_program *prog, const char *bytes, size_t len, mc_loc loc);
mc_literal *mc_ast_lit_bool(mc_program *prog, bool value, mc_loc loc);
/* `-` before a number literal: flips its sign; loc is the span including the minus. */
mc_literal *mc_ast_lit_negate(mc_program *prog, mc_literal *lit, mc_loc loc);
/* `Name { ... }`: an empty record literal; mc_ast_lit_record_add appends `field: value`. */
mc_literal *mc_ast_lit_record(mc_program *prog, const char *type_name, mc_loc loc);
mc_literal *mc_ast_lit_record_add(mc_program *prog, mc_literal *rec, const char *field,
                                  mc_loc loc, mc_literal *value);
/* Sets the span of a literal once its last token is known; returns lit. */
mc_literal *mc_ast_lit_span(mc_literal *lit, mc_loc loc);
/* `(a, b)` (MC_LIT_TUPLE) or `[a, b]` (MC_LIT_ARRAY): a sequence of its first item, the
 * others added, then its kind and span set at the closing bracket. */
mc_literal *mc_ast_lit_seq(mc_program *prog, mc_literal *first);
mc_literal *mc_ast_lit_seq_add(mc_program *prog, mc_literal *seq, mc_literal *item);
mc_literal *mc_ast_lit_seq_end(mc_literal *seq, mc_lit_kind kind, mc_loc loc);

mc_typeref mc_ast_typeref_scalar(mc_type_kind kind, mc_loc loc);
mc_typeref mc_ast_typeref_named(const char *name, mc_loc loc);
/* A tuple's element types so far, as the fields _0, _1, ... of a decl: elems is NULL for the
 * first one. */
mc_typedecl *mc_ast_tuple_elem(mc_program *prog, mc_typedecl *elems, mc_typeref type, mc_loc loc);
/* A tuple of the types of elems' fields, or an array of length elements of elem's type. */
mc_typeref mc_ast_typeref_tuple(mc_program *prog, mc_typedecl *elems, mc_loc loc);
mc_typeref mc_ast_typeref_array(mc_program *prog, mc_typeref elem, const mc_literal *length,
                                mc_loc loc);

/* The body of `type NAME { ... }`: mc_ast_typedecl_new, then one add per field, then
 * mc_ast_add_type names it and appends it to prog->types. */
mc_typedecl *mc_ast_typedecl_new(mc_program *prog);
mc_typedecl *mc_ast_typedecl_add_field(mc_program *prog, mc_typedecl *decl, const char *name,
                                       mc_loc loc, mc_typeref type);
void mc_ast_add_type(mc_program *prog, mc_typedecl *decl, const char *name, mc_loc loc);

/* The settings of `job NAME { ... }` are collected on a scratch mc_job; mc_ast_set_job makes it
 * the program's job, or records loc in prog->job.redefs if the file already had a job line. */
mc_job *mc_ast_job_new(mc_program *prog);
mc_job *mc_ast_job_add_setting(mc_program *prog, mc_job *job, const char *name, mc_loc loc,
                               mc_literal *value);
void mc_ast_set_job(mc_program *prog, mc_job *job, const char *name, mc_loc loc);

/* A source expression (list(...), range(...), ...), then its name, type and dead-letter stream.
 * Paths are string literals; their bytes become the path. */
mc_source *mc_ast_source_new(mc_program *prog, mc_source_kind kind, mc_loc kind_loc);
mc_source *mc_ast_source_add_item(mc_program *prog, mc_source *src, mc_literal *item);
mc_source *mc_ast_source_add_path(mc_program *prog, mc_source *src, mc_literal *path);
mc_source *mc_ast_source_set_partitions(mc_source *src, mc_literal *count, mc_loc loc);
mc_source *mc_ast_source_set_dead_letter(mc_source *src, const char *name, mc_loc loc);
/* `custom(N) position P { ... }`, its blocks collected on an mc_custom: mc_ast_custom_new, then
 * one mc_ast_custom_add per `NAME { C }` (both return the mc_custom). kw_loc is `custom`'s. */
mc_custom *mc_ast_custom_new(mc_program *prog);
mc_custom *mc_ast_custom_add(mc_program *prog, mc_custom *custom, const char *name, mc_loc loc,
                             mc_cblock body);
mc_source *mc_ast_source_custom(mc_program *prog, mc_loc kw_loc, mc_literal *count,
                                mc_typeref position, mc_custom *custom);
void mc_ast_add_source(mc_program *prog, mc_source *src, const char *name, mc_loc loc,
                       mc_typeref type);

/* An operator with a C body; out_type is NULL for filter and inspect. */
mc_op *mc_ast_op_new(mc_program *prog, mc_op_kind kind, mc_loc kw_loc, const char *name,
                     mc_loc loc, const mc_typeref *out_type, mc_cblock body);
/* key_by, key_local: an operator with a C body that returns the new key, of type key_type. */
mc_op *mc_ast_key_op_new(mc_program *prog, mc_op_kind kind, mc_loc kw_loc, const char *name,
                         mc_loc loc, mc_typeref key_type, mc_cblock body);
/* `(state S)`: one value of type S per key. */
mc_state_decl mc_ast_state_one(mc_typeref type);
/* `map<K, V>`, one type at a time: map is NULL for the first (K), then the declaration so far;
 * a type after the second is counted, and left for the checker to refuse. */
mc_state_decl mc_ast_state_map_add(const mc_state_decl *map, mc_typeref type);
/* Sets the span of `map<...>` once its '>' is read; returns the declaration. */
mc_state_decl mc_ast_state_map_span(mc_state_decl map, mc_loc loc);
/* stateful_map, stateful_op, ttl_map: an operator with an output type, `(state ...)` and a C
 * body. */
mc_op *mc_ast_state_op_new(mc_program *prog, mc_op_kind kind, mc_loc kw_loc, const char *name,
                           mc_loc loc, mc_typeref out_type, mc_state_decl state,
                           mc_cblock body);
/* Sets op->extra (key_by's distribute block, stateful_op's on_epoch block); returns op. */
mc_op *mc_ast_op_set_extra(mc_op *op, mc_cblock extra);
/* Sets op->timer (stateful_op's on_timer block); returns op. */
mc_op *mc_ast_op_set_timer(mc_op *op, mc_cblock timer);

/* Whether op keeps a timer per key: a stateful_op with an on_timer block (two timers when it
 * uses timer_after, op->clock_timers), a ttl_map, whose timer is when its state expires
 * (expire_at) or its map's earliest entry does, and a session window, whose timer is when its
 * earliest open session ends (templates/key_timers.c.in). */
bool mc_op_has_timers(const mc_op *op);
/* The `(a, b, ...)` of union, clone and split: mc_ast_names_new with the first stream name,
 * mc_ast_names_add for each further one, then mc_ast_names_op gives the operator its kind,
 * keyword, name and body (split's; a zeroed block for union and clone). */
mc_op *mc_ast_names_new(mc_program *prog, const char *name, mc_loc loc);
mc_op *mc_ast_names_add(mc_program *prog, mc_op *op, const char *name, mc_loc loc);
mc_op *mc_ast_names_op(mc_op *op, mc_op_kind kind, mc_loc kw_loc, const char *name,
                       mc_loc loc, mc_cblock body);
/* `epochs NAME bounded(B)`: an epochs operator without a block. */
mc_op *mc_ast_epochs_bounded(mc_program *prog, mc_loc kw_loc, const char *name, mc_loc loc,
                             mc_literal *bound, bool periodic);
/* `late NAME` after epochs or window: sets op->late; returns op. */
mc_op *mc_ast_op_set_late(mc_op *op, const char *name, mc_loc loc);
/* A window clause (`tumbling(S)`, `sliding(S, P)`, `session(G)`; b is NULL but for sliding)
 * or a `between(LO, HI)` clause, spanning loc: a fresh operator holding wargs, nwargs and
 * window_loc, which mc_ast_window_op or mc_ast_join_op then completes. */
mc_op *mc_ast_window_new(mc_program *prog, mc_window_kind kind, mc_loc loc, mc_literal *a,
                         mc_literal *b);
mc_op *mc_ast_between_new(mc_program *prog, mc_loc loc, mc_literal *lo, mc_literal *hi);
/* `between(LO, FIELD)`: the upper bound is the left record's field FIELD (until_field). */
mc_op *mc_ast_between_until(mc_program *prog, mc_loc loc, mc_literal *lo, const char *field,
                            mc_loc field_loc);
/* `window NAME: CLAUSE`: gives the clause's operator its kind, keyword and name; then
 * mc_ast_window_agg sets the aggregate (type NULL for count and avg, body zeroed for count).
 * Both return op. */
mc_op *mc_ast_window_op(mc_op *op, mc_loc kw_loc, const char *name, mc_loc loc);
mc_op *mc_ast_window_agg(mc_op *op, mc_agg_kind agg, const mc_typeref *type, mc_cblock body);
/* window_join (clause from mc_ast_window_new) and interval_join (clause from
 * mc_ast_between_new): completes the clause's operator with its kind, keyword, name, output
 * type, right-hand stream and body; returns op. */
mc_op *mc_ast_join_op(mc_op *op, mc_op_kind kind, mc_loc kw_loc, const char *name, mc_loc loc,
                      mc_typeref out_type, const char *other, mc_loc other_loc,
                      mc_cblock body);
/* A sink expression (path is a string literal or NULL; `custom(S) { ... }` with its state type
 * and blocks), then its keyword and name. */
mc_op *mc_ast_sink_new(mc_program *prog, mc_sink_kind sink, mc_literal *path);
mc_op *mc_ast_sink_custom(mc_program *prog, mc_loc kw_loc, mc_typeref state, mc_custom *custom);
mc_op *mc_ast_sink_name(mc_op *op, mc_loc kw_loc, const char *name, mc_loc loc);

/* A chain reading input, then its operators; mc_ast_add_chain appends it to prog->chains with
 * the optional `stream NAME =` result (result NULL when absent) and the statement's span. */
mc_chain *mc_ast_chain_new(mc_program *prog, const char *input, mc_loc input_loc);
mc_chain *mc_ast_chain_add_op(mc_program *prog, mc_chain *chain, mc_op *op);
void mc_ast_add_chain(mc_program *prog, mc_chain *chain, const char *result, mc_loc result_loc,
                      mc_loc loc);

/* `c { ... }`. */
void mc_ast_add_prelude(mc_program *prog, mc_cblock block);

#endif
