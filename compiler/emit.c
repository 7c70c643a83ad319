/*
 * emit.c - from a checked program to C (see emit.h).
 *
 * Layout of the generated file, in order: the head (includes, scalar typedefs), the user's
 * `c { }` preludes, record types, prototypes of every stream and operator function, their
 * definitions, decoders and source poll functions, and the job tables with main().
 *
 * Naming: an operator NAME becomes op_NAME (its user block op_NAME_body), a stream NAME
 * stream_NAME, a source NAME source_NAME_poll; record type T keeps its name and gets
 * fmt_debug_T, fmt_csv_T, fmt_json_T and hash_T. Operator and stream names share one namespace
 * in the checker, so these never collide.
 */
#include "emit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "template.h"

typedef struct emitter {
    const mc_program *prog;
    const mc_emit_options *opt;
    mc_buf *out;
    mc_diag where;          /* only for turning offsets into line numbers */
    const mc_op **sinks;    /* every sink, in file order: their index in the job's sink table */
    size_t nsinks;
} emitter;

/* The three ways a value is written, and the checksum. */
typedef enum value_shape { SHAPE_DEBUG, SHAPE_CSV, SHAPE_JSON, SHAPE_HASH } value_shape;

#define VARS(...) ((const mc_var[]){ __VA_ARGS__ }), (sizeof((const mc_var[]){ __VA_ARGS__ }) / sizeof(mc_var))

static void render(emitter *e, const char *name, const mc_var *vars, size_t nvars)
{
    mc_template_render(e->out, name, vars, nvars,
                       e->opt->line_directives ? e->opt->c_name : NULL);
}

/* A scratch string owned by the caller's mc_buf; freed with mc_buf_free. */
static const char *str_of(mc_buf *b)
{
    return b->data ? b->data : "";
}

/* "file.mstr:12" for comments. */
static void where(emitter *e, mc_loc loc, char *dst, size_t n)
{
    unsigned line, col;
    mc_diag_position(&e->where, loc.off, &line, &col);
    snprintf(dst, n, "%s:%u", e->prog->path, line);
}

/* Appends bytes as the inside of a C string literal (octal escapes, so no digit that follows
 * can be taken into an escape). */
static void put_c_string_body(mc_buf *b, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"' || c == '\\')
            mc_buf_printf(b, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f || c == '?')
            mc_buf_printf(b, "\\%03o", c);
        else
            mc_buf_put(b, (const char *)&c, 1);
    }
}

static const char *type_c_name(const mc_typeref *t)
{
    return t->kind == MC_T_RECORD ? t->name : mc_type_kind_name(t->kind);
}

static bool type_is_signed(mc_type_kind k)
{
    return k == MC_T_I8 || k == MC_T_I16 || k == MC_T_I32 || k == MC_T_I64;
}

/* Appends the C statement that writes or hashes the value at lvalue expr in the given shape.
 * Writers write to `o`; the hash is an expression statement `h = ...` combining into `h`
 * unless as_expr, in which case just the hash expression is appended. */
static void put_value(mc_buf *b, value_shape shape, const mc_typeref *t, const char *expr)
{
    mc_type_kind k = t->kind;
    if (k == MC_T_RECORD) {
        static const char *const fn[] = { "fmt_debug_", "fmt_csv_", "fmt_json_", "hash_" };
        if (shape == SHAPE_HASH)
            mc_buf_printf(b, "hash_%s(&(%s))", t->name, expr);
        else
            mc_buf_printf(b, "%s%s(o, &(%s))", fn[shape], t->name, expr);
        return;
    }
    if (shape == SHAPE_HASH) {
        if (k == MC_T_STR)
            mc_buf_printf(b, "mstr_hash_str(%s)", expr);
        else if (k == MC_T_F32 || k == MC_T_F64)
            mc_buf_printf(b, "mstr_hash_f64(%s)", expr);
        else
            mc_buf_printf(b, "mstr_hash_u64((uint64_t)%s)", expr);
        return;
    }
    if (mc_type_is_integer(k)) {
        mc_buf_printf(b, "mstr_out_%s(o, %s)", type_is_signed(k) ? "i64" : "u64", expr);
        return;
    }
    if (k == MC_T_BOOL) {
        mc_buf_printf(b, "mstr_out_debug_bool(o, %s)", expr);
        return;
    }
    static const char *const prefix[] = { "mstr_out_debug_", "mstr_out_csv_", "mstr_out_json_" };
    const char *suffix = k == MC_T_STR ? "str" : k == MC_T_F32 ? "f32" : "f64";
    mc_buf_printf(b, "%s%s(o, %s)", prefix[shape], suffix, expr);
}

/* ---- record types ---- */

static void emit_record_fns(emitter *e, const mc_typedecl *d)
{
    mc_buf members = { 0 }, debug = { 0 }, csv = { 0 }, json = { 0 }, hash = { 0 };
    for (size_t i = 0; i < d->nfields; i++) {
        const mc_field *f = &d->fields[i];
        char expr[256];
        snprintf(expr, sizeof expr, "v->%s", f->name);
        mc_buf_printf(&members, "    %s %s;\n", type_c_name(&f->type), f->name);

        mc_buf_printf(&debug, "    mstr_out_cstr(o, \"%s%s: \");\n    ", i ? ", " : "", f->name);
        put_value(&debug, SHAPE_DEBUG, &f->type, expr);
        mc_buf_puts(&debug, ";\n");

        if (i > 0)
            mc_buf_puts(&csv, "    mstr_out_char(o, ',');\n");
        mc_buf_puts(&csv, "    ");
        put_value(&csv, SHAPE_CSV, &f->type, expr);
        mc_buf_puts(&csv, ";\n");

        mc_buf_printf(&json, "    mstr_out_cstr(o, \"%s\\\"%s\\\":\");\n    ", i ? "," : "{",
                      f->name);
        put_value(&json, SHAPE_JSON, &f->type, expr);
        mc_buf_puts(&json, ";\n");

        mc_buf_puts(&hash, "    h = mstr_hash_mix(h * UINT64_C(0x9E3779B97F4A7C15) ^ ");
        put_value(&hash, SHAPE_HASH, &f->type, expr);
        mc_buf_puts(&hash, ");\n");
    }
    char at[512], nfields[32];
    if (d->builtin)
        snprintf(at, sizeof at, "built in");
    else
        where(e, d->loc, at, sizeof at);
    snprintf(nfields, sizeof nfields, "%zu", d->nfields);
    render(e, "record.c.in",
           VARS({ "name", d->name }, { "where", at }, { "members", str_of(&members) }));
    render(e, "record_fns.c.in",
           VARS({ "name", d->name }, { "debug_fields", str_of(&debug) },
                { "csv_fields", str_of(&csv) }, { "json_fields", str_of(&json) },
                { "hash_fields", str_of(&hash) }, { "nfields", nfields }));
    mc_buf_free(&members);
    mc_buf_free(&debug);
    mc_buf_free(&csv);
    mc_buf_free(&json);
    mc_buf_free(&hash);
}

/* Types are emitted so that a nested record comes before the records that contain it. */
static void emit_type_once(emitter *e, const mc_typedecl *d, bool *done)
{
    size_t index = 0;
    while (e->prog->types[index] != d)
        index++;
    if (done[index])
        return;
    done[index] = true;
    for (size_t i = 0; i < d->nfields; i++)
        if (d->fields[i].type.kind == MC_T_RECORD)
            emit_type_once(e, d->fields[i].type.decl, done);
    emit_record_fns(e, d);
}

static void emit_types(emitter *e)
{
    bool *done = calloc(e->prog->ntypes + 1, sizeof *done);
    for (size_t i = 0; i < e->prog->ntypes; i++)
        emit_type_once(e, e->prog->types[i], done);
    free(done);
}

/* ---- leaves: the scalar fields of a type, flattened, as CSV columns and decoder inputs ---- */

typedef void leaf_fn(void *arg, const mc_typeref *t, const char *expr, const char *column);

/* Calls fn for each scalar leaf of type t at lvalue expr, in declaration order; column is the
 * dotted field path (NULL for a scalar type itself). */
static void for_each_leaf(const mc_typeref *t, const char *expr, const char *column,
                          leaf_fn *fn, void *arg)
{
    if (t->kind != MC_T_RECORD) {
        fn(arg, t, expr, column);
        return;
    }
    for (size_t i = 0; i < t->decl->nfields; i++) {
        const mc_field *f = &t->decl->fields[i];
        char sub_expr[512], sub_column[512];
        snprintf(sub_expr, sizeof sub_expr, "%s.%s", expr, f->name);
        if (column != NULL)
            snprintf(sub_column, sizeof sub_column, "%s.%s", column, f->name);
        else
            snprintf(sub_column, sizeof sub_column, "%s", f->name);
        for_each_leaf(&f->type, sub_expr, sub_column, fn, arg);
    }
}

typedef struct leaf_acc {
    mc_buf text;
    size_t count;
} leaf_acc;

static void count_leaf(void *arg, const mc_typeref *t, const char *expr, const char *column)
{
    (void)t, (void)expr, (void)column;
    ((leaf_acc *)arg)->count++;
}

static size_t leaf_count(const mc_typeref *t)
{
    leaf_acc acc = { 0 };
    for_each_leaf(t, "x", NULL, count_leaf, &acc);
    return acc.count;
}

static void column_name_leaf(void *arg, const mc_typeref *t, const char *expr, const char *column)
{
    leaf_acc *acc = arg;
    (void)t, (void)expr;
    if (column == NULL)
        mc_buf_puts(&acc->text, "NULL, ");
    else
        mc_buf_printf(&acc->text, "\"%s\", ", column);
    acc->count++;
}

static void csv_header_leaf(void *arg, const mc_typeref *t, const char *expr, const char *column)
{
    leaf_acc *acc = arg;
    (void)t, (void)expr;
    mc_buf_printf(&acc->text, "%s%s", acc->count ? "," : "", column ? column : "value");
    acc->count++;
}

static void decode_leaf(void *arg, const mc_typeref *t, const char *expr, const char *column)
{
    leaf_acc *acc = arg;
    mc_buf *b = &acc->text;
    mc_type_kind k = t->kind;
    const char *name = mc_type_kind_name(k);
    size_t i = acc->count++;
    (void)column;
    if (k == MC_T_STR) {
        mc_buf_printf(b, "    %s = leaves[%zu];\n", expr, i);
        return;
    }
    mc_buf_puts(b, "    {\n");
    if (mc_type_is_integer(k)) {
        static const char *const bounds[] = {
            [MC_T_I8] = "INT8_MIN, INT8_MAX", [MC_T_I16] = "INT16_MIN, INT16_MAX",
            [MC_T_I32] = "INT32_MIN, INT32_MAX", [MC_T_I64] = "INT64_MIN, INT64_MAX",
            [MC_T_U8] = "UINT8_MAX", [MC_T_U16] = "UINT16_MAX",
            [MC_T_U32] = "UINT32_MAX", [MC_T_U64] = "UINT64_MAX",
        };
        bool is_signed = type_is_signed(k);
        mc_buf_printf(b, "        %s t;\n", is_signed ? "int64_t" : "uint64_t");
        mc_buf_printf(b, "        const char *why = mstr_parse_%s(leaves[%zu], %s, \"%s\", &t);\n",
                      is_signed ? "int" : "uint", i, bounds[k], name);
        mc_buf_printf(b, "        %s = (%s)t;\n", expr, name);
    } else {
        mc_buf_printf(b, "        const char *why = mstr_parse_%s(leaves[%zu], &%s);\n",
                      k == MC_T_BOOL ? "bool" : name, i, expr);
    }
    mc_buf_printf(b, "        if (why != NULL) {\n            *bad = %zu;\n            return why;\n"
                     "        }\n    }\n", i);
}

/* Emits decode_ID for the type of each text source (once per type). */
static void emit_decoders(emitter *e)
{
    const mc_program *p = e->prog;
    for (size_t i = 0; i < p->nsources; i++) {
        const mc_source *s = p->sources[i];
        if (s->kind == MC_SRC_LIST || s->kind == MC_SRC_RANGE)
            continue;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) {
            const mc_source *o = p->sources[j];
            seen = o->kind != MC_SRC_LIST && o->kind != MC_SRC_RANGE &&
                   strcmp(type_c_name(&o->type), type_c_name(&s->type)) == 0;
        }
        if (seen)
            continue;
        leaf_acc acc = { 0 };
        for_each_leaf(&s->type, "(*out)", NULL, decode_leaf, &acc);
        char nleaves[32];
        snprintf(nleaves, sizeof nleaves, "%zu", acc.count);
        render(e, "decode.c.in",
               VARS({ "type", type_c_name(&s->type) }, { "id", type_c_name(&s->type) },
                    { "nleaves", nleaves }, { "leaves", str_of(&acc.text) }));
        mc_buf_free(&acc.text);
    }
}

/* ---- streams and operators ---- */

/* The function an operator's output goes to: the next operator, or the chain's result. */
static const char *next_fn(const mc_chain *c, size_t i, char *dst, size_t n)
{
    if (i + 1 < c->nops)
        snprintf(dst, n, "op_%s", c->ops[i + 1]->name);
    else if (c->out != NULL)
        snprintf(dst, n, "stream_%s", c->out->name);
    else
        snprintf(dst, n, "(void)");
    return dst;
}

/* The function that takes a chain's input: its first operator, or its result stream. */
static const char *chain_entry(const mc_chain *c, char *dst, size_t n)
{
    if (c->nops > 0)
        snprintf(dst, n, "op_%s", c->ops[0]->name);
    else
        snprintf(dst, n, "stream_%s", c->out->name);
    return dst;
}

/* The user's block: behind #line, indented so that its columns are those of the .mstr file.
 * An operator body keeps its braces; a prelude's braces are replaced by spaces. */
static void user_block(emitter *e, const mc_cblock *block, bool braces, mc_buf *b)
{
    const char *open = braces ? "{" : " ", *close = braces ? "}" : "";
    if (!e->opt->line_directives) {
        mc_buf_printf(b, "    %s%.*s%s", open, (int)block->len, block->text, close);
        return;
    }
    unsigned line, col;
    mc_diag_position(&e->where, block->loc.off, &line, &col);
    mc_buf_printf(b, "#line %u \"", line);
    put_c_string_body(b, e->prog->path, strlen(e->prog->path));
    mc_buf_printf(b, "\"\n%*s%s%.*s%s", (int)(col - 1), "", open, (int)block->len, block->text,
                  close);
}

static void emit_stream(emitter *e, const mc_stream *s)
{
    mc_buf consumers = { 0 };
    for (size_t i = 0; i < s->nconsumers; i++) {
        char entry[256];
        mc_buf_printf(&consumers, "    %s(mstr_b, value, ts);\n",
                      chain_entry(s->consumers[i], entry, sizeof entry));
    }
    char at[512];
    where(e, s->loc, at, sizeof at);
    render(e, "stream.c.in",
           VARS({ "name", s->name }, { "where", at }, { "type", type_c_name(&s->type) },
                { "consumers", str_of(&consumers) }));
    mc_buf_free(&consumers);
}

static size_t sink_index(const emitter *e, const mc_op *sink)
{
    size_t index = 0;
    while (e->sinks[index] != sink)
        index++;
    return index;
}

static void sink_write(const mc_op *op, mc_buf *b, char *what, size_t n)
{
    const mc_typeref *t = &op->in_type;
    switch (op->sink) {
    case MC_SINK_STDOUT:
        snprintf(what, n, "standard output, as Malstrom prints records");
        mc_buf_puts(b, "    mstr_out_cstr(o, \"{ key: NoKey, value: \");\n    ");
        put_value(b, SHAPE_DEBUG, t, "value");
        mc_buf_puts(b, ";\n    mstr_out_cstr(o, \", timestamp: \");\n"
                       "    mstr_out_i64(o, ts);\n    mstr_out_cstr(o, \" }\\n\");\n");
        return;
    case MC_SINK_TEXT:
        snprintf(what, n, "lines of text to '%s'", op->path);
        if (t->kind == MC_T_STR) {
            mc_buf_puts(b, "    mstr_out_bytes(o, value.ptr, value.len);\n");
        } else {
            mc_buf_puts(b, "    ");
            put_value(b, SHAPE_DEBUG, t, "value");
            mc_buf_puts(b, ";\n");
        }
        mc_buf_puts(b, "    mstr_out_char(o, '\\n');\n");
        return;
    case MC_SINK_CSV:
    case MC_SINK_JSONL:
        snprintf(what, n, "%s to '%s'", op->sink == MC_SINK_CSV ? "CSV rows" : "JSON lines",
                 op->path);
        mc_buf_puts(b, "    ");
        put_value(b, op->sink == MC_SINK_CSV ? SHAPE_CSV : SHAPE_JSON, t, "value");
        mc_buf_puts(b, ";\n    mstr_out_char(o, '\\n');\n");
        return;
    case MC_SINK_NULL:
        snprintf(what, n, "discards records, counting them and summing their hashes");
        mc_buf_printf(b, "    mstr_b->%s_checksum += ", op->name);
        put_value(b, SHAPE_HASH, t, "value");
        mc_buf_puts(b, ";\n");
        return;
    }
}

static void emit_sink(emitter *e, const mc_op *op)
{
    mc_buf write = { 0 };
    char what[512], at[512], index[32];
    sink_write(op, &write, what, sizeof what);
    where(e, op->loc, at, sizeof at);
    snprintf(index, sizeof index, "%zu", sink_index(e, op));
    render(e, "sink.c.in",
           VARS({ "name", op->name }, { "where", at }, { "what", what },
                { "in_type", type_c_name(&op->in_type) }, { "index", index },
                { "write", str_of(&write) }));
    mc_buf_free(&write);
}

static void emit_op(emitter *e, const mc_chain *c, size_t i)
{
    const mc_op *op = c->ops[i];
    if (op->kind == MC_OP_SINK) {
        emit_sink(e, op);
        return;
    }
    static const char *const template_of[] = {
        [MC_OP_MAP] = "op_map.c.in", [MC_OP_FILTER] = "op_filter.c.in",
        [MC_OP_FILTER_MAP] = "op_filter_map.c.in", [MC_OP_FLAT_MAP] = "op_flat_map.c.in",
        [MC_OP_INSPECT] = "op_inspect.c.in",
    };
    mc_buf body = { 0 };
    user_block(e, &op->body, true, &body);
    char at[512], next[256];
    where(e, op->loc, at, sizeof at);
    const char *out_type = op->has_out_type ? type_c_name(&op->out_type) : "void";
    render(e, template_of[op->kind],
           VARS({ "name", op->name }, { "where", at }, { "in_type", type_c_name(&op->in_type) },
                { "out_type", out_type }, { "body", str_of(&body) },
                { "next", next_fn(c, i, next, sizeof next) }));
    mc_buf_free(&body);
}

/* The batch tallies: a record count per sink, and a checksum per null sink. */
static void emit_batch(emitter *e)
{
    mc_buf fields = { 0 }, flush = { 0 };
    for (size_t k = 0; k < e->nsinks; k++) {
        const mc_op *op = e->sinks[k];
        mc_buf_printf(&fields, "    uint64_t %s_records;\n", op->name);
        mc_buf_printf(&flush, "    b->w->sinks[%zu].records += b->%s_records;\n", k, op->name);
        if (op->sink != MC_SINK_NULL)
            continue;
        mc_buf_printf(&fields, "    uint64_t %s_checksum;\n", op->name);
        mc_buf_printf(&flush, "    b->w->sinks[%zu].checksum += b->%s_checksum;\n", k, op->name);
    }
    render(e, "batch.c.in", VARS({ "fields", str_of(&fields) }, { "flush", str_of(&flush) }));
    mc_buf_free(&fields);
    mc_buf_free(&flush);
}

static void emit_prototypes(emitter *e)
{
    const mc_program *p = e->prog;
    mc_buf_puts(e->out, "/* Every stream and operator, so that definitions can follow file order. */\n");
    for (size_t i = 0; i < p->nstreams; i++)
        mc_buf_printf(e->out, "static inline void stream_%s(job_batch *mstr_b, %s value, int64_t ts);\n",
                      p->streams[i]->name, type_c_name(&p->streams[i]->type));
    for (size_t c = 0; c < p->nchains; c++)
        for (size_t i = 0; i < p->chains[c]->nops; i++) {
            const mc_op *op = p->chains[c]->ops[i];
            mc_buf_printf(e->out, "static inline void op_%s(job_batch *mstr_b, %s value, int64_t ts);\n",
                          op->name, type_c_name(&op->in_type));
        }
    mc_buf_puts(e->out, "\n");
}

/* ---- sources ---- */

/* Appends a literal as a C initializer of type t. */
static void put_literal(mc_buf *b, const mc_literal *lit, const mc_typeref *t)
{
    switch (lit->kind) {
    case MC_LIT_INT:
        if (lit->u.i.negative && lit->u.i.magnitude > (uint64_t)INT32_MAX)
            mc_buf_printf(b, "(%s)(0 - UINT64_C(%" PRIu64 "))", type_c_name(t), lit->u.i.magnitude);
        else if (lit->u.i.negative)
            mc_buf_printf(b, "-%" PRIu64, lit->u.i.magnitude);
        else if (lit->u.i.magnitude > (uint64_t)INT32_MAX)
            mc_buf_printf(b, "UINT64_C(%" PRIu64 ")", lit->u.i.magnitude);
        else
            mc_buf_printf(b, "%" PRIu64, lit->u.i.magnitude);
        return;
    case MC_LIT_FLOAT:
        mc_buf_puts(b, lit->u.f.text);
        return;
    case MC_LIT_BOOL:
        mc_buf_puts(b, lit->u.b ? "true" : "false");
        return;
    case MC_LIT_STRING:
        mc_buf_puts(b, "{ \"");
        put_c_string_body(b, lit->u.s.bytes, lit->u.s.len);
        mc_buf_printf(b, "\", %zu }", lit->u.s.len);
        return;
    case MC_LIT_RECORD:
        mc_buf_puts(b, "{ ");
        for (size_t i = 0; i < t->decl->nfields; i++) {
            const mc_field *f = &t->decl->fields[i];
            for (size_t j = 0; j < lit->u.rec.ninits; j++) {
                if (strcmp(lit->u.rec.inits[j].name, f->name) != 0)
                    continue;
                mc_buf_printf(b, "%s.%s = ", i ? ", " : "", f->name);
                put_literal(b, lit->u.rec.inits[j].value, &f->type);
            }
        }
        mc_buf_puts(b, " }");
        return;
    }
}

static uint64_t literal_bits(const mc_literal *lit)
{
    return lit->u.i.negative ? 0 - lit->u.i.magnitude : lit->u.i.magnitude;
}

/* Number of values of range(lo, hi, step), computed exactly in 128 bits. */
static uint64_t range_count(__int128 lo, __int128 hi, __int128 step)
{
    if (step > 0)
        return hi > lo ? (uint64_t)((hi - lo + step - 1) / step) : 0;
    return lo > hi ? (uint64_t)((lo - hi - step - 1) / -step) : 0;
}

static __int128 literal_value(const mc_literal *lit)
{
    __int128 m = lit->u.i.magnitude;
    return lit->u.i.negative ? -m : m;
}

static void emit_range(emitter *e, const mc_source *s, const char *at)
{
    const mc_literal *step = s->nitems > 2 ? s->items[2] : NULL;
    __int128 step_value = step ? literal_value(step) : 1;
    uint64_t count = range_count(literal_value(s->items[0]), literal_value(s->items[1]),
                                 step_value);
    /* As written, for the comment; as 64-bit patterns, for modular arithmetic that gives the
     * right value of any integer type. */
    mc_buf args = { 0 };
    for (size_t i = 0; i < s->nitems; i++) {
        mc_buf_puts(&args, i ? ", " : "");
        put_literal(&args, s->items[i], &s->type);
    }
    char lo[64], step_text[64], count_text[32];
    snprintf(lo, sizeof lo, "UINT64_C(%" PRIu64 ")", literal_bits(s->items[0]));
    snprintf(step_text, sizeof step_text, "UINT64_C(%" PRIu64 ")",
             step ? literal_bits(step) : 1);
    snprintf(count_text, sizeof count_text, "%" PRIu64, count);
    render(e, "source_range.c.in",
           VARS({ "name", s->name }, { "where", at }, { "type", type_c_name(&s->type) },
                { "args", str_of(&args) }, { "lo", lo }, { "step", step_text },
                { "count", count_text }));
    mc_buf_free(&args);
}

static void emit_list(emitter *e, const mc_source *s, const char *at)
{
    mc_buf items = { 0 };
    for (size_t i = 0; i < s->nitems; i++) {
        mc_buf_puts(&items, "    ");
        put_literal(&items, s->items[i], &s->type);
        mc_buf_puts(&items, ",\n");
    }
    char count[32];
    snprintf(count, sizeof count, "%zu", s->nitems);
    render(e, "source_list.c.in",
           VARS({ "name", s->name }, { "where", at }, { "type", type_c_name(&s->type) },
                { "count", count }, { "items", str_of(&items) }));
    mc_buf_free(&items);
}

static void emit_text_source(emitter *e, const mc_source *s, const char *at)
{
    mc_buf dead = { 0 };
    char what[256], dead_where[256], nleaves[32];
    static const char *const kind_text[] = {
        [MC_SRC_LINES] = "lines of text files, one partition per file",
        [MC_SRC_STDIN] = "lines of standard input",
        [MC_SRC_CSV] = "CSV files with a header row, one partition per file",
    };
    snprintf(what, sizeof what, "%s", kind_text[s->kind]);
    if (s->dead_out != NULL) {
        snprintf(dead_where, sizeof dead_where, "the dead-letter stream '%s'", s->dead_out->name);
        mc_buf_printf(&dead,
                      "        DeadLetter dead = {\n"
                      "            .source = { \"%s\", %zu },\n"
                      "            .file = { p->path, strlen(p->path) },\n"
                      "            .line = rec.line,\n"
                      "            .error = rec.error,\n"
                      "            .raw = rec.raw,\n"
                      "        };\n"
                      "        stream_%s(&batch, dead, rec.ts);\n",
                      s->name, strlen(s->name), s->dead_out->name);
    } else {
        snprintf(dead_where, sizeof dead_where, "stderr and the summary only");
    }
    snprintf(nleaves, sizeof nleaves, "%zu", leaf_count(&s->type));
    render(e, "source_text.c.in",
           VARS({ "name", s->name }, { "where", at }, { "what", what },
                { "type", type_c_name(&s->type) }, { "id", type_c_name(&s->type) },
                { "nleaves", nleaves }, { "dead_where", dead_where },
                { "dead_letter", str_of(&dead) }));
    mc_buf_free(&dead);
}

static void emit_sources(emitter *e)
{
    for (size_t i = 0; i < e->prog->nsources; i++) {
        const mc_source *s = e->prog->sources[i];
        char at[512];
        where(e, s->loc, at, sizeof at);
        if (s->kind == MC_SRC_LIST)
            emit_list(e, s, at);
        else if (s->kind == MC_SRC_RANGE)
            emit_range(e, s, at);
        else
            emit_text_source(e, s, at);
    }
}

/* ---- the job tables ---- */

static void put_string_array(mc_buf *b, const char *name, const char *const *items, size_t n)
{
    mc_buf_printf(b, "static const char *const %s[] = { ", name);
    for (size_t i = 0; i < n; i++) {
        mc_buf_puts(b, "\"");
        put_c_string_body(b, items[i], strlen(items[i]));
        mc_buf_puts(b, "\", ");
    }
    mc_buf_puts(b, "NULL };\n");
}

static void source_entry(const mc_source *s, mc_buf *tables, mc_buf *entries)
{
    static const char *const kind[] = {
        [MC_SRC_LIST] = "MSTR_SOURCE_LIST", [MC_SRC_RANGE] = "MSTR_SOURCE_RANGE",
        [MC_SRC_LINES] = "MSTR_SOURCE_LINES", [MC_SRC_STDIN] = "MSTR_SOURCE_STDIN",
        [MC_SRC_CSV] = "MSTR_SOURCE_CSV",
    };
    mc_buf_printf(entries, "    {\n        .name = \"%s\",\n        .kind = %s,\n", s->name,
                  kind[s->kind]);
    if (s->npaths > 0) {
        char name[300];
        snprintf(name, sizeof name, "source_%s_paths", s->name);
        put_string_array(tables, name, s->paths, s->npaths);
        mc_buf_printf(entries, "        .paths = %s,\n        .npaths = %zu,\n", name, s->npaths);
    }
    if (s->kind == MC_SRC_CSV) {
        leaf_acc acc = { 0 };
        for_each_leaf(&s->type, "x", NULL, column_name_leaf, &acc);
        mc_buf_printf(tables, "static const char *const source_%s_columns[] = { %s};\n",
                      s->name, str_of(&acc.text));
        mc_buf_printf(entries, "        .columns = source_%s_columns,\n        .ncolumns = %zu,\n",
                      s->name, acc.count);
        mc_buf_free(&acc.text);
    }
    if (s->dead_out != NULL)
        mc_buf_printf(entries, "        .dead_letter = \"%s\",\n", s->dead_out->name);
    mc_buf_printf(entries, "        .poll = source_%s_poll,\n    },\n", s->name);
}

static void sink_entry(const mc_op *op, mc_buf *tables, mc_buf *entries)
{
    static const char *const kind[] = {
        [MC_SINK_STDOUT] = "MSTR_SINK_STDOUT", [MC_SINK_NULL] = "MSTR_SINK_NULL",
        [MC_SINK_TEXT] = "MSTR_SINK_TEXT", [MC_SINK_CSV] = "MSTR_SINK_CSV",
        [MC_SINK_JSONL] = "MSTR_SINK_JSONL",
    };
    mc_buf_printf(entries, "    {\n        .name = \"%s\",\n        .kind = %s,\n", op->name,
                  kind[op->sink]);
    if (op->path != NULL) {
        mc_buf_puts(entries, "        .path = \"");
        put_c_string_body(entries, op->path, strlen(op->path));
        mc_buf_puts(entries, "\",\n");
    }
    if (op->sink == MC_SINK_CSV) {
        leaf_acc acc = { 0 };
        for_each_leaf(&op->in_type, "x", NULL, csv_header_leaf, &acc);
        mc_buf_printf(tables, "static void sink_%s_header(mstr_out *o)\n{\n"
                              "    mstr_out_cstr(o, \"%s\\n\");\n}\n\n",
                      op->name, str_of(&acc.text));
        mc_buf_printf(entries, "        .write_header = sink_%s_header,\n", op->name);
        mc_buf_free(&acc.text);
    }
    mc_buf_puts(entries, "    },\n");
}

static void emit_main(emitter *e, const char *job_name)
{
    const mc_program *p = e->prog;
    mc_buf tables = { 0 }, sources = { 0 }, sinks = { 0 };
    for (size_t i = 0; i < p->nsources; i++)
        source_entry(p->sources[i], &tables, &sources);
    for (size_t k = 0; k < e->nsinks; k++)
        sink_entry(e->sinks[k], &tables, &sinks);
    if (p->nsources == 0)
        mc_buf_puts(&sources, "    { 0 },\n");
    if (e->nsinks == 0)
        mc_buf_puts(&sinks, "    { 0 },\n");
    mc_buf program = { 0 };
    put_c_string_body(&program, p->path, strlen(p->path));
    char workers[32], nsources_text[32], nsinks_text[32];
    snprintf(workers, sizeof workers, "%" PRId64, p->job.workers > 0 ? p->job.workers : 1);
    snprintf(nsources_text, sizeof nsources_text, "%zu", p->nsources);
    snprintf(nsinks_text, sizeof nsinks_text, "%zu", e->nsinks);
    render(e, "program_main.c.in",
           VARS({ "source_tables", str_of(&tables) }, { "sources", str_of(&sources) },
                { "sinks", str_of(&sinks) }, { "job", job_name }, { "program", str_of(&program) },
                { "workers", workers }, { "nsources", nsources_text }, { "nsinks", nsinks_text }));
    mc_buf_free(&tables);
    mc_buf_free(&sources);
    mc_buf_free(&sinks);
    mc_buf_free(&program);
}

/* The job's name: from the job line, else the file's base name without .mstr. */
static void job_name(const mc_program *p, char *dst, size_t n)
{
    if (p->job.name != NULL) {
        snprintf(dst, n, "%s", p->job.name);
        return;
    }
    const char *base = strrchr(p->path, '/');
    base = base ? base + 1 : p->path;
    size_t len = strlen(base);
    if (len > 5 && strcmp(base + len - 5, ".mstr") == 0)
        len -= 5;
    snprintf(dst, n, "%.*s", (int)len, base);
}

void mc_emit(const mc_program *prog, const mc_emit_options *opt, mc_buf *out)
{
    emitter e = {
        .prog = prog, .opt = opt, .out = out,
        .where = { .path = prog->path, .src = prog->src, .src_len = prog->src_len },
    };
    for (size_t c = 0; c < prog->nchains; c++)
        for (size_t i = 0; i < prog->chains[c]->nops; i++)
            if (prog->chains[c]->ops[i]->kind == MC_OP_SINK)
                e.nsinks++;
    e.sinks = calloc(e.nsinks + 1, sizeof *e.sinks);
    for (size_t c = 0, k = 0; c < prog->nchains; c++)
        for (size_t i = 0; i < prog->chains[c]->nops; i++)
            if (prog->chains[c]->ops[i]->kind == MC_OP_SINK)
                e.sinks[k++] = prog->chains[c]->ops[i];
    char name[256];
    job_name(prog, name, sizeof name);
    mc_buf program = { 0 };
    put_c_string_body(&program, prog->path, strlen(prog->path));
    render(&e, "program_head.c.in", VARS({ "job", name }, { "program", str_of(&program) }));
    mc_buf_free(&program);

    for (size_t i = 0; i < prog->npreludes; i++) {
        mc_buf block = { 0 };
        user_block(&e, &prog->preludes[i], false, &block);
        mc_buf_printf(out, "%s\n", str_of(&block));
        if (opt->line_directives)
            mc_buf_printf(out, "#line %u \"%s\"\n", out->lines + 2, opt->c_name);
        mc_buf_free(&block);
    }
    emit_types(&e);
    emit_batch(&e);
    emit_prototypes(&e);
    for (size_t i = 0; i < prog->nstreams; i++)
        emit_stream(&e, prog->streams[i]);
    for (size_t c = 0; c < prog->nchains; c++)
        for (size_t i = 0; i < prog->chains[c]->nops; i++)
            emit_op(&e, prog->chains[c], i);
    emit_decoders(&e);
    emit_sources(&e);
    emit_main(&e, name);
    free(e.sinks);
}
