/*
 * ast.c - building the syntax tree (see ast.h).
 *
 * The scanner and the grammar actions call these builders and do nothing else, so the shape of
 * the tree is decided here and not scattered through grammar/parser.y. Builders never fail and
 * never report: every node goes into the program's pool, and anything wrong with what was
 * written (a duplicate name, a type mismatch, a second job line) is left for the checker, which
 * sees the whole file.
 */
#include "ast.h"

#include <inttypes.h>
#include <string.h>

static const char *const scalar_names[] = {
    [MC_T_I8] = "i8",   [MC_T_I16] = "i16", [MC_T_I32] = "i32", [MC_T_I64] = "i64",
    [MC_T_U8] = "u8",   [MC_T_U16] = "u16", [MC_T_U32] = "u32", [MC_T_U64] = "u64",
    [MC_T_F32] = "f32", [MC_T_F64] = "f64", [MC_T_BOOL] = "bool", [MC_T_STR] = "str",
};

const char *mc_type_kind_name(mc_type_kind kind)
{
    if (kind > MC_T_STR)
        return "record";
    return scalar_names[kind];
}

bool mc_type_is_integer(mc_type_kind kind)
{
    return kind <= MC_T_U64;
}

const char *mc_op_kind_name(mc_op_kind kind)
{
    static const char *const names[] = {
        [MC_OP_MAP] = "map", [MC_OP_FILTER] = "filter", [MC_OP_FILTER_MAP] = "filter_map",
        [MC_OP_FLAT_MAP] = "flat_map", [MC_OP_INSPECT] = "inspect", [MC_OP_SINK] = "sink",
        [MC_OP_KEY_BY] = "key_by", [MC_OP_KEY_LOCAL] = "key_local",
        [MC_OP_STATEFUL_MAP] = "stateful_map", [MC_OP_STATEFUL_OP] = "stateful_op",
        [MC_OP_TTL_MAP] = "ttl_map", [MC_OP_TIMESTAMPS] = "timestamps",
        [MC_OP_EPOCHS] = "epochs", [MC_OP_UNION] = "union", [MC_OP_CLONE] = "clone",
        [MC_OP_SPLIT] = "split", [MC_OP_INSPECT_FRONTIER] = "inspect_frontier",
        [MC_OP_WINDOW] = "window", [MC_OP_WINDOW_JOIN] = "window_join",
        [MC_OP_INTERVAL_JOIN] = "interval_join",
    };
    return names[kind];
}

const char *mc_source_kind_name(mc_source_kind kind)
{
    static const char *const names[] = {
        [MC_SRC_LIST] = "list", [MC_SRC_RANGE] = "range", [MC_SRC_LINES] = "lines",
        [MC_SRC_STDIN] = "stdin", [MC_SRC_CSV] = "csv", [MC_SRC_NEXMARK] = "nexmark",
        [MC_SRC_CUSTOM] = "custom",
    };
    return names[kind];
}

const char *mc_sink_kind_name(mc_sink_kind kind)
{
    static const char *const names[] = {
        [MC_SINK_STDOUT] = "stdout", [MC_SINK_NULL] = "null", [MC_SINK_TEXT] = "text",
        [MC_SINK_CSV] = "csv", [MC_SINK_JSONL] = "jsonl", [MC_SINK_CUSTOM] = "custom",
    };
    return names[kind];
}

const char *mc_window_kind_name(mc_window_kind kind)
{
    static const char *const names[] = {
        [MC_WIN_TUMBLING] = "tumbling", [MC_WIN_SLIDING] = "sliding", [MC_WIN_SESSION] = "session",
    };
    return names[kind];
}

const char *mc_agg_kind_name(mc_agg_kind agg)
{
    static const char *const names[] = {
        [MC_AGG_COUNT] = "count", [MC_AGG_SUM] = "sum", [MC_AGG_MIN] = "min",
        [MC_AGG_MAX] = "max", [MC_AGG_AVG] = "avg", [MC_AGG_REDUCE] = "reduce",
    };
    return names[agg];
}

bool mc_keyer_is_local(const mc_op *keyer)
{
    return keyer != NULL && keyer->kind == MC_OP_KEY_LOCAL;
}

bool mc_keyer_distributes(const mc_op *keyer)
{
    return keyer != NULL && keyer->kind == MC_OP_KEY_BY && keyer->extra.text != NULL;
}

/* ---- literals ---------------------------------------------------------------------------- */

static mc_literal *lit_new(mc_program *prog, mc_lit_kind kind, mc_loc loc)
{
    mc_literal *lit = mc_pool_alloc(&prog->pool, sizeof *lit);
    lit->kind = kind;
    lit->loc = loc;
    return lit;
}

mc_literal *mc_ast_lit_int(mc_program *prog, uint64_t magnitude, mc_loc loc)
{
    mc_literal *lit = lit_new(prog, MC_LIT_INT, loc);
    lit->u.i.magnitude = magnitude;
    return lit;
}

mc_literal *mc_ast_lit_float(mc_program *prog, double value, const char *text, mc_loc loc)
{
    mc_literal *lit = lit_new(prog, MC_LIT_FLOAT, loc);
    lit->u.f.value = value;
    lit->u.f.text = text;
    return lit;
}

mc_literal *mc_ast_lit_string(mc_program *prog, const char *bytes, size_t len, mc_loc loc)
{
    mc_literal *lit = lit_new(prog, MC_LIT_STRING, loc);
    lit->u.s.bytes = bytes;
    lit->u.s.len = len;
    return lit;
}

mc_literal *mc_ast_lit_bool(mc_program *prog, bool value, mc_loc loc)
{
    mc_literal *lit = lit_new(prog, MC_LIT_BOOL, loc);
    lit->u.b = value;
    return lit;
}

mc_literal *mc_ast_lit_negate(mc_program *prog, mc_literal *lit, mc_loc loc)
{
    lit->loc = loc;
    if (lit->kind == MC_LIT_INT) {
        lit->u.i.negative = !lit->u.i.negative;
    } else if (lit->kind == MC_LIT_FLOAT) {
        size_t len = strlen(lit->u.f.text);
        char *text = mc_pool_alloc(&prog->pool, len + 2);
        text[0] = '-';
        memcpy(text + 1, lit->u.f.text, len + 1);
        lit->u.f.value = -lit->u.f.value;
        lit->u.f.text = text;
    }
    return lit;
}

mc_literal *mc_ast_lit_record(mc_program *prog, const char *type_name, mc_loc loc)
{
    mc_literal *lit = lit_new(prog, MC_LIT_RECORD, loc);
    lit->u.rec.type_name = type_name;
    return lit;
}

mc_literal *mc_ast_lit_record_add(mc_program *prog, mc_literal *rec, const char *field,
                                  mc_loc loc, mc_literal *value)
{
    mc_field_init init = { .name = field, .loc = loc, .value = value };
    MC_POOL_PUSH(&prog->pool, rec->u.rec.inits, rec->u.rec.ninits, init);
    return rec;
}

mc_literal *mc_ast_lit_span(mc_literal *lit, mc_loc loc)
{
    lit->loc = loc;
    return lit;
}

mc_literal *mc_ast_lit_seq(mc_program *prog, mc_literal *first)
{
    return mc_ast_lit_seq_add(prog, lit_new(prog, MC_LIT_TUPLE, first->loc), first);
}

mc_literal *mc_ast_lit_seq_add(mc_program *prog, mc_literal *seq, mc_literal *item)
{
    MC_POOL_PUSH(&prog->pool, seq->u.seq.items, seq->u.seq.n, item);
    return seq;
}

mc_literal *mc_ast_lit_seq_end(mc_literal *seq, mc_lit_kind kind, mc_loc loc)
{
    seq->kind = kind;
    seq->loc = loc;
    return seq;
}

/* ---- types ------------------------------------------------------------------------------- */

mc_typeref mc_ast_typeref_scalar(mc_type_kind kind, mc_loc loc)
{
    return (mc_typeref){ .kind = kind, .name = mc_type_kind_name(kind), .loc = loc };
}

mc_typeref mc_ast_typeref_named(const char *name, mc_loc loc)
{
    return (mc_typeref){ .kind = MC_T_RECORD, .name = name, .loc = loc };
}

mc_typedecl *mc_ast_tuple_elem(mc_program *prog, mc_typedecl *elems, mc_typeref type, mc_loc loc)
{
    if (elems == NULL)
        elems = mc_ast_typedecl_new(prog);
    const char *name = mc_pool_printf(&prog->pool, "_%zu", elems->nfields);
    return mc_ast_typedecl_add_field(prog, elems, name, loc, type);
}

/* Tuple_i64_str: the element types' names after "Tuple". */
mc_typeref mc_ast_typeref_tuple(mc_program *prog, mc_typedecl *elems, mc_loc loc)
{
    const char *name = "Tuple";
    for (size_t i = 0; i < elems->nfields; i++)
        name = mc_pool_printf(&prog->pool, "%s_%s", name, elems->fields[i].type.name);
    return (mc_typeref){ .kind = MC_T_RECORD, .name = name, .loc = loc, .elems = elems };
}

/* Array_u8_16. A length that is not a non-negative integer is 0, which the checker refuses. */
mc_typeref mc_ast_typeref_array(mc_program *prog, mc_typeref elem, const mc_literal *length,
                                mc_loc loc)
{
    uint64_t n = length->kind == MC_LIT_INT && !length->u.i.negative ? length->u.i.magnitude : 0;
    mc_typedecl *elems = mc_ast_typedecl_add_field(prog, mc_ast_typedecl_new(prog), "v", elem.loc,
                                                   elem);
    return (mc_typeref){ .kind = MC_T_RECORD, .loc = loc, .elems = elems, .length = n,
                         .length_loc = length->loc,
                         .name = mc_pool_printf(&prog->pool, "Array_%s_%" PRIu64, elem.name, n) };
}

mc_typedecl *mc_ast_typedecl_new(mc_program *prog)
{
    return mc_pool_alloc(&prog->pool, sizeof(mc_typedecl));
}

mc_typedecl *mc_ast_typedecl_add_field(mc_program *prog, mc_typedecl *decl, const char *name,
                                       mc_loc loc, mc_typeref type)
{
    mc_field field = { .name = name, .loc = loc, .type = type };
    MC_POOL_PUSH(&prog->pool, decl->fields, decl->nfields, field);
    return decl;
}

void mc_ast_add_type(mc_program *prog, mc_typedecl *decl, const char *name, mc_loc loc)
{
    decl->name = name;
    decl->loc = loc;
    MC_POOL_PUSH(&prog->pool, prog->types, prog->ntypes, decl);
}

/* ---- job --------------------------------------------------------------------------------- */

mc_job *mc_ast_job_new(mc_program *prog)
{
    return mc_pool_alloc(&prog->pool, sizeof(mc_job));
}

mc_job *mc_ast_job_add_setting(mc_program *prog, mc_job *job, const char *name, mc_loc loc,
                               mc_literal *value)
{
    mc_setting setting = { .name = name, .loc = loc, .value = value };
    MC_POOL_PUSH(&prog->pool, job->settings, job->nsettings, setting);
    return job;
}

/* A second job line keeps the first one's name and settings; the checker reports it. */
void mc_ast_set_job(mc_program *prog, mc_job *job, const char *name, mc_loc loc)
{
    if (prog->job.name != NULL) {
        MC_POOL_PUSH(&prog->pool, prog->job.redefs, prog->job.nredefs, loc);
        return;
    }
    prog->job.name = name;
    prog->job.loc = loc;
    prog->job.settings = job->settings;
    prog->job.nsettings = job->nsettings;
}

/* ---- sources ----------------------------------------------------------------------------- */

mc_source *mc_ast_source_new(mc_program *prog, mc_source_kind kind, mc_loc kind_loc)
{
    mc_source *src = mc_pool_alloc(&prog->pool, sizeof *src);
    src->kind = kind;
    src->kind_loc = kind_loc;
    return src;
}

mc_source *mc_ast_source_add_item(mc_program *prog, mc_source *src, mc_literal *item)
{
    MC_POOL_PUSH(&prog->pool, src->items, src->nitems, item);
    return src;
}

mc_source *mc_ast_source_add_path(mc_program *prog, mc_source *src, mc_literal *path)
{
    size_t n = src->npaths;
    MC_POOL_PUSH(&prog->pool, src->paths, src->npaths, path->u.s.bytes);
    size_t m = n;
    MC_POOL_PUSH(&prog->pool, src->path_lens, m, path->u.s.len);
    MC_POOL_PUSH(&prog->pool, src->path_locs, n, path->loc);
    return src;
}

mc_source *mc_ast_source_set_partitions(mc_source *src, mc_literal *count, mc_loc loc)
{
    src->partitions = count;
    src->partitions_loc = loc;
    return src;
}

mc_custom *mc_ast_custom_new(mc_program *prog)
{
    return mc_pool_alloc(&prog->pool, sizeof(mc_custom));
}

mc_custom *mc_ast_custom_add(mc_program *prog, mc_custom *custom, const char *name, mc_loc loc,
                             mc_cblock body)
{
    mc_block block = { .name = name, .loc = loc, .body = body };
    MC_POOL_PUSH(&prog->pool, custom->blocks, custom->nblocks, block);
    return custom;
}

const mc_block *mc_custom_block(const mc_custom *c, const char *name)
{
    for (size_t i = 0; c != NULL && i < c->nblocks; i++)
        if (strcmp(c->blocks[i].name, name) == 0)
            return &c->blocks[i];
    return NULL;
}

mc_source *mc_ast_source_custom(mc_program *prog, mc_loc kw_loc, mc_literal *count,
                                mc_typeref position, mc_custom *custom)
{
    mc_source *src = mc_ast_source_new(prog, MC_SRC_CUSTOM, kw_loc);
    mc_ast_source_add_item(prog, src, count);
    src->position = position;
    custom->loc = kw_loc;
    src->custom = custom;
    return src;
}

mc_source *mc_ast_source_set_dead_letter(mc_source *src, const char *name, mc_loc loc)
{
    src->dead_letter = name;
    src->dead_letter_loc = loc;
    return src;
}

void mc_ast_add_source(mc_program *prog, mc_source *src, const char *name, mc_loc loc,
                       mc_typeref type)
{
    src->name = name;
    src->loc = loc;
    src->type = type;
    MC_POOL_PUSH(&prog->pool, prog->sources, prog->nsources, src);
}

/* ---- operators and chains ---------------------------------------------------------------- */

mc_op *mc_ast_op_new(mc_program *prog, mc_op_kind kind, mc_loc kw_loc, const char *name,
                     mc_loc loc, const mc_typeref *out_type, mc_cblock body)
{
    mc_op *op = mc_pool_alloc(&prog->pool, sizeof *op);
    op->kind = kind;
    op->kw_loc = kw_loc;
    op->name = name;
    op->loc = loc;
    op->has_out_type = out_type != NULL;
    if (out_type != NULL)
        op->out_type = *out_type;
    op->body = body;
    return op;
}

mc_op *mc_ast_key_op_new(mc_program *prog, mc_op_kind kind, mc_loc kw_loc, const char *name,
                         mc_loc loc, mc_typeref key_type, mc_cblock body)
{
    mc_op *op = mc_ast_op_new(prog, kind, kw_loc, name, loc, NULL, body);
    op->key_type = key_type;
    return op;
}

mc_state_decl mc_ast_state_one(mc_typeref type)
{
    return (mc_state_decl){ .type = type };
}

mc_state_decl mc_ast_state_map_add(const mc_state_decl *map, mc_typeref type)
{
    if (map == NULL)
        return (mc_state_decl){ .map = true, .key = type, .ntypes = 1 };
    mc_state_decl more = *map;
    if (more.ntypes == 1)
        more.type = type;
    more.ntypes++;
    return more;
}

mc_state_decl mc_ast_state_map_span(mc_state_decl map, mc_loc loc)
{
    map.loc = loc;
    return map;
}

mc_op *mc_ast_state_op_new(mc_program *prog, mc_op_kind kind, mc_loc kw_loc, const char *name,
                           mc_loc loc, mc_typeref out_type, mc_state_decl state,
                           mc_cblock body)
{
    mc_op *op = mc_ast_op_new(prog, kind, kw_loc, name, loc, &out_type, body);
    op->has_state_type = true;
    op->state_type = state.type;
    op->state_map = state.map;
    op->map_key = state.key;
    op->map_ntypes = state.ntypes;
    op->map_loc = state.loc;
    return op;
}

mc_op *mc_ast_op_set_extra(mc_op *op, mc_cblock extra)
{
    op->extra = extra;
    return op;
}

mc_op *mc_ast_op_set_timer(mc_op *op, mc_cblock timer)
{
    op->timer = timer;
    return op;
}

bool mc_op_has_timers(const mc_op *op)
{
    return (op->kind == MC_OP_STATEFUL_OP && op->timer.text != NULL) || op->kind == MC_OP_TTL_MAP ||
           (op->kind == MC_OP_WINDOW && op->window == MC_WIN_SESSION);
}

mc_op *mc_ast_names_new(mc_program *prog, const char *name, mc_loc loc)
{
    mc_op *op = mc_pool_alloc(&prog->pool, sizeof *op);
    return mc_ast_names_add(prog, op, name, loc);
}

mc_op *mc_ast_names_add(mc_program *prog, mc_op *op, const char *name, mc_loc loc)
{
    size_t n = op->nnames;
    MC_POOL_PUSH(&prog->pool, op->names, op->nnames, name);
    MC_POOL_PUSH(&prog->pool, op->name_locs, n, loc);
    return op;
}

mc_op *mc_ast_names_op(mc_op *op, mc_op_kind kind, mc_loc kw_loc, const char *name,
                       mc_loc loc, mc_cblock body)
{
    op->kind = kind;
    op->kw_loc = kw_loc;
    op->name = name;
    op->loc = loc;
    op->body = body;
    return op;
}

mc_op *mc_ast_epochs_bounded(mc_program *prog, mc_loc kw_loc, const char *name, mc_loc loc,
                             mc_literal *bound, bool periodic)
{
    mc_op *op = mc_ast_op_new(prog, MC_OP_EPOCHS, kw_loc, name, loc, NULL, (mc_cblock){ 0 });
    op->bound = bound;
    op->periodic = periodic;
    return op;
}

mc_op *mc_ast_op_set_late(mc_op *op, const char *name, mc_loc loc)
{
    op->late = name;
    op->late_loc = loc;
    return op;
}

/* The operator a window or between(...) clause starts: its arguments and their span. */
static mc_op *clause_new(mc_program *prog, mc_loc loc, mc_literal *a, mc_literal *b)
{
    mc_op *op = mc_pool_alloc(&prog->pool, sizeof *op);
    op->wargs[0] = a;
    op->wargs[1] = b;
    op->nwargs = b != NULL ? 2 : 1;
    op->window_loc = loc;
    return op;
}

mc_op *mc_ast_window_new(mc_program *prog, mc_window_kind kind, mc_loc loc, mc_literal *a,
                         mc_literal *b)
{
    mc_op *op = clause_new(prog, loc, a, b);
    op->window = kind;
    return op;
}

mc_op *mc_ast_between_new(mc_program *prog, mc_loc loc, mc_literal *lo, mc_literal *hi)
{
    return clause_new(prog, loc, lo, hi);
}

mc_op *mc_ast_between_until(mc_program *prog, mc_loc loc, mc_literal *lo, const char *field,
                            mc_loc field_loc)
{
    mc_op *op = clause_new(prog, loc, lo, NULL);
    op->until_field = field;
    op->until_loc = field_loc;
    return op;
}

mc_op *mc_ast_window_op(mc_op *op, mc_loc kw_loc, const char *name, mc_loc loc)
{
    op->kind = MC_OP_WINDOW;
    op->kw_loc = kw_loc;
    op->name = name;
    op->loc = loc;
    return op;
}

mc_op *mc_ast_window_agg(mc_op *op, mc_agg_kind agg, const mc_typeref *type, mc_cblock body)
{
    op->agg = agg;
    op->has_agg_type = type != NULL;
    if (type != NULL)
        op->agg_type = *type;
    op->body = body;
    return op;
}

mc_op *mc_ast_join_op(mc_op *op, mc_op_kind kind, mc_loc kw_loc, const char *name, mc_loc loc,
                      mc_typeref out_type, const char *other, mc_loc other_loc,
                      mc_cblock body)
{
    op->kind = kind;
    op->kw_loc = kw_loc;
    op->name = name;
    op->loc = loc;
    op->has_out_type = true;
    op->out_type = out_type;
    op->other = other;
    op->other_loc = other_loc;
    op->body = body;
    return op;
}

mc_op *mc_ast_sink_new(mc_program *prog, mc_sink_kind sink, mc_literal *path)
{
    mc_op *op = mc_pool_alloc(&prog->pool, sizeof *op);
    op->kind = MC_OP_SINK;
    op->sink = sink;
    if (path != NULL) {
        op->path = path->u.s.bytes;
        op->path_len = path->u.s.len;
        op->path_loc = path->loc;
    }
    return op;
}

mc_op *mc_ast_sink_custom(mc_program *prog, mc_loc kw_loc, mc_typeref state, mc_custom *custom)
{
    mc_op *op = mc_ast_sink_new(prog, MC_SINK_CUSTOM, NULL);
    op->sink_state = state;
    custom->loc = kw_loc;
    op->custom = custom;
    return op;
}

mc_op *mc_ast_sink_name(mc_op *op, mc_loc kw_loc, const char *name, mc_loc loc)
{
    op->kw_loc = kw_loc;
    op->name = name;
    op->loc = loc;
    return op;
}

mc_chain *mc_ast_chain_new(mc_program *prog, const char *input, mc_loc input_loc)
{
    mc_chain *chain = mc_pool_alloc(&prog->pool, sizeof *chain);
    chain->input_name = input;
    chain->input_loc = input_loc;
    return chain;
}

mc_chain *mc_ast_chain_add_op(mc_program *prog, mc_chain *chain, mc_op *op)
{
    MC_POOL_PUSH(&prog->pool, chain->ops, chain->nops, op);
    return chain;
}

void mc_ast_add_chain(mc_program *prog, mc_chain *chain, const char *result, mc_loc result_loc,
                      mc_loc loc)
{
    chain->result = result;
    chain->result_loc = result_loc;
    chain->loc = loc;
    MC_POOL_PUSH(&prog->pool, prog->chains, prog->nchains, chain);
}

void mc_ast_add_prelude(mc_program *prog, mc_cblock block)
{
    MC_POOL_PUSH(&prog->pool, prog->preludes, prog->npreludes, block);
}
