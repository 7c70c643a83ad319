/*
 * emit.c - from a checked program to C (see emit.h): the generated file's layout, and the
 * pieces that describe the whole job.
 *
 * Layout of the generated file, in order: the head (includes, scalar typedefs), the user's
 * `c { }` preludes, types and their functions, the batch tallies, the per-worker state struct,
 * prototypes of every stream and operator function, streams, operators, decoders, sources, the
 * per-worker state's functions, and the job tables with main().
 *
 * Naming: an operator NAME becomes op_NAME (its user block op_NAME_body), a stream NAME
 * stream_NAME, a source NAME source_NAME_poll and source_NAME_finish; a type T keeps its name
 * and gets the functions listed in emit_types.c. Names in the .mstr file are unique per kind,
 * and the prefixes keep the kinds apart.
 */
#include "emit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_int.h"
#include "frontend.h"

void em_render(emitter *e, const char *name, const mc_var *vars, size_t nvars)
{
    mc_template_render(e->out, name, vars, nvars,
                       e->opt->line_directives ? e->opt->c_name : NULL);
}

const char *em_text(const mc_buf *b)
{
    return b->data ? b->data : "";
}

void em_where(emitter *e, mc_loc loc, char *dst, size_t n)
{
    unsigned line, col;
    mc_diag_position(&e->where, loc.off, &line, &col);
    snprintf(dst, n, "%s:%u", e->prog->path, line);
}

/* Octal escapes, so that no digit that follows can be taken into an escape. */
void em_c_string(mc_buf *b, const char *p, size_t n)
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

const char *em_type(const mc_typeref *t)
{
    return t->kind == MC_T_RECORD ? t->name : mc_type_kind_name(t->kind);
}

const char *em_in_key(const mc_op *op)
{
    return op->in_keyed ? em_type(&op->in_key) : "mstr_nokey";
}

void em_user_block(emitter *e, const mc_cblock *block, bool braces, mc_buf *b)
{
    const char *open = braces ? "{" : " ", *close = braces ? "}" : "";
    if (!e->opt->line_directives) {
        mc_buf_printf(b, "    %s%.*s%s", open, (int)block->len, block->text, close);
        return;
    }
    unsigned line, col;
    mc_diag_position(&e->where, block->loc.off, &line, &col);
    mc_buf_printf(b, "#line %u \"", line);
    em_c_string(b, e->prog->path, strlen(e->prog->path));
    mc_buf_printf(b, "\"\n%*s%s%.*s%s", (int)(col - 1), "", open, (int)block->len, block->text,
                  close);
}

size_t em_counter(emitter *e, const mc_op *op, const char *kind, const char *what)
{
    char **grown = realloc(e->counters, (e->ncounters + 1) * sizeof *grown);
    size_t n = strlen(kind) + strlen(op->name) + strlen(what) + 8;
    char *name = malloc(n);
    if (grown == NULL || name == NULL)
        abort();
    snprintf(name, n, "%s '%s': %s", kind, op->name, what);
    e->counters = grown;
    e->counters[e->ncounters] = name;
    return e->ncounters++;
}

static size_t index_in(const mc_op *const *list, const mc_op *op)
{
    size_t i = 0;
    while (list[i] != op)
        i++;
    return i;
}

size_t em_sink_index(const emitter *e, const mc_op *sink)
{
    return index_in(e->sinks, sink);
}

size_t em_exchange_index(const emitter *e, const mc_op *key_by)
{
    return index_in(e->exchanges, key_by);
}

static const mc_op *op_at(const emitter *e, size_t i)
{
    return e->ops[i].chain->ops[e->ops[i].index];
}

/* ---- the batch tallies and the per-worker state ---- */

/* A record count per sink, and a checksum per null sink. */
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
    em_render(e, "batch.c.in", VARS({ "fields", em_text(&fields) }, { "flush", em_text(&flush) }));
    mc_buf_free(&fields);
    mc_buf_free(&flush);
}

/* ---- which sources feed an exchange ---- */

static void feeders_before(const mc_program *p, const mc_chain *c, size_t i, bool *sources,
                           bool *fed);

static size_t source_index(const mc_program *p, const mc_source *s)
{
    size_t i = 0;
    while (p->sources[i] != s)
        i++;
    return i;
}

/* Marks the sources whose records reach stream s without crossing an exchange, or sets *fed
 * if an exchange feeds it. */
static void feeders_of_stream(const mc_program *p, const mc_stream *s, bool *sources, bool *fed)
{
    switch (s->origin) {
    case MC_STREAM_SOURCE:
    case MC_STREAM_DEAD_LETTER:
        sources[source_index(p, s->source)] = true;
        return;
    case MC_STREAM_CHAIN:
        feeders_before(p, s->chain, s->chain->nops, sources, fed);
        return;
    case MC_STREAM_OP:
        for (size_t c = 0; c < p->nchains; c++)
            for (size_t i = 0; i < p->chains[c]->nops; i++)
                if (p->chains[c]->ops[i] == s->op)
                    feeders_before(p, p->chains[c], i, sources, fed);
        return;
    }
}

/* The same for what reaches op i of chain c: its chain's input and what unions and joins
 * before it bring in. A key_by before it means an exchange feeds it. */
static void feeders_before(const mc_program *p, const mc_chain *c, size_t i, bool *sources,
                           bool *fed)
{
    for (size_t k = 0; k < i; k++) {
        const mc_op *op = c->ops[k];
        if (op->kind == MC_OP_KEY_BY)
            *fed = true;
        for (size_t n = 0; op->kind == MC_OP_UNION && n < op->nnames; n++)
            feeders_of_stream(p, op->streams[n], sources, fed);
        if (op->other_in != NULL)
            feeders_of_stream(p, op->other_in, sources, fed);
    }
    feeders_of_stream(p, c->input, sources, fed);
}

/* How a worker starts the frontier of what it receives from worker i on exchange op: from
 * MSTR_EPOCH_MIN, or at once from MSTR_EPOCH_MAX when i reads none of the sources that feed
 * the exchange and no other exchange feeds it (i will never send anything but the end). */
static void exchange_start(const emitter *e, const mc_op *op, mc_buf *init)
{
    const mc_program *p = e->prog;
    bool *sources = calloc(p->nsources + 1, sizeof *sources), fed = false;
    if (sources == NULL)
        abort();
    for (size_t i = 0; i < e->nops; i++)
        if (e->ops[i].chain->ops[e->ops[i].index] == op)
            feeders_before(p, e->ops[i].chain, e->ops[i].index, sources, &fed);
    mc_buf list = { 0 };
    size_t n = 0;
    for (size_t s = 0; s < p->nsources; s++)
        if (sources[s]) {
            mc_buf_printf(&list, "%s%zu", n ? ", " : "", s);
            n++;
        }
    free(sources);
    if (fed || n == 0) {
        mc_buf_printf(init, "    for (int i = 0; i < w->ctx.workers; i++)\n"
                            "        st->op_%s_from[i] = MSTR_EPOCH_MIN;\n", op->name);
    } else {
        mc_buf_printf(init, "    static const size_t op_%s_feeders[] = { %s };\n"
                            "    for (int i = 0; i < w->ctx.workers; i++)\n"
                            "        st->op_%s_from[i] = mstr_worker_reads_any(w, i, op_%s_feeders, %zu)\n"
                            "                               ? MSTR_EPOCH_MIN : MSTR_EPOCH_MAX;\n",
                      op->name, em_text(&list), op->name, op->name, n);
    }
    mc_buf_free(&list);
}

typedef struct state_parts {
    mc_buf fields, init, free, done;
} state_parts;

/* The keyed state of op: one table per key group, each slot's key released with the slot and
 * then whatever else `release` says (statements using `slot`). */
static void keyed_tables(const mc_op *op, state_parts *s, const char *release)
{
    const char *n = op->name;
    mc_buf_printf(&s->fields, "    mstr_table op_%s[MSTR_KEY_GROUPS];\n", n);
    mc_buf_printf(&s->init, "    for (size_t g = 0; g < MSTR_KEY_GROUPS; g++)\n"
                            "        mstr_table_init(&st->op_%s[g], sizeof(op_%s_slot));\n",
                  n, n);
    mc_buf_printf(&s->free,
                  "    for (size_t g = 0; g < MSTR_KEY_GROUPS; g++) {\n"
                  "        mstr_table *t = &st->op_%s[g];\n"
                  "        for (size_t i = 0; i < t->capacity; i++)\n"
                  "            if (mstr_table_full(t, i)) {\n"
                  "                op_%s_slot *slot = mstr_table_slot(t, i);\n"
                  "                release_%s(&slot->key);\n"
                  "%s"
                  "            }\n"
                  "        mstr_table_free(t);\n"
                  "    }\n",
                  n, n, em_in_key(op), release);
}

/* A frontier field that starts at value. */
static void frontier_field(state_parts *s, const char *op, const char *field, const char *value)
{
    mc_buf_printf(&s->fields, "    int64_t op_%s_%s;\n", op, field);
    mc_buf_printf(&s->init, "    st->op_%s_%s = %s;\n", op, field, value);
}

/* What operator op keeps per worker: its fields in job_state, how they start and end. */
static void state_of(const emitter *e, const mc_op *op, state_parts *s)
{
    const char *n = op->name;
    char release[256];
    switch (op->kind) {
    case MC_OP_STATEFUL_MAP:
    case MC_OP_STATEFUL_OP:
    case MC_OP_TTL_MAP:
        snprintf(release, sizeof release, "                release_%s(&slot->state);\n",
                 em_type(&op->state_type));
        keyed_tables(op, s, release);
        return;
    case MC_OP_WINDOW:
        /* a session slot holds its sessions' array; their accumulators hold no strings, since
         * reduce is refused for sessions */
        snprintf(release, sizeof release, "                release_%s(&slot->acc);\n",
                 em_window_acc_type(op));
        keyed_tables(op, s, op->window == MC_WIN_SESSION ? "                free(slot->s);\n"
                                                         : release);
        frontier_field(s, n, "frontier", "MSTR_EPOCH_MIN");
        frontier_field(s, n, "min_end", "MSTR_EPOCH_MAX");
        return;
    case MC_OP_WINDOW_JOIN:
    case MC_OP_INTERVAL_JOIN:
        keyed_tables(op, s, "                mstr_wbuf_free(&slot->side[0]);\n"
                            "                mstr_wbuf_free(&slot->side[1]);\n");
        mc_buf_printf(&s->fields, "    int64_t op_%s_in[2];\n", n);
        mc_buf_printf(&s->init, "    st->op_%s_in[0] = st->op_%s_in[1] = MSTR_EPOCH_MIN;\n", n, n);
        frontier_field(s, n, "out", "MSTR_EPOCH_MIN");
        frontier_field(s, n, "min_end", "MSTR_EPOCH_MAX");
        return;
    case MC_OP_UNION:
        mc_buf_printf(&s->fields, "    int64_t op_%s_in[%zu];\n", n, op->nnames + 1);
        mc_buf_printf(&s->init, "    for (size_t i = 0; i < %zu; i++)\n"
                                "        st->op_%s_in[i] = MSTR_EPOCH_MIN;\n",
                      op->nnames + 1, n);
        frontier_field(s, n, "out", "MSTR_EPOCH_MIN");
        return;
    case MC_OP_TIMESTAMPS:
        frontier_field(s, n, "frontier", "MSTR_EPOCH_MIN");
        return;
    case MC_OP_EPOCHS:
        frontier_field(s, n, "prev", "MSTR_EPOCH_MIN");
        frontier_field(s, n, "max", "MSTR_EPOCH_MIN");
        return;
    case MC_OP_KEY_BY:
        mc_buf_printf(&s->fields, "    int64_t *op_%s_from; /* per sending worker */\n", n);
        mc_buf_printf(&s->init, "    st->op_%s_from = calloc((size_t)w->ctx.workers, sizeof(int64_t));\n"
                                "    if (st->op_%s_from == NULL)\n        abort();\n",
                      n, n);
        frontier_field(s, n, "frontier", "MSTR_EPOCH_MIN");
        exchange_start(e, op, &s->init);
        mc_buf_printf(&s->free, "    free(st->op_%s_from);\n", n);
        mc_buf_printf(&s->done, "%sst->op_%s_frontier == MSTR_EPOCH_MAX",
                      s->done.len ? " && " : "", n);
        return;
    default:
        return;
    }
}

static void state_parts_free(state_parts *s)
{
    mc_buf_free(&s->fields);
    mc_buf_free(&s->init);
    mc_buf_free(&s->free);
    mc_buf_free(&s->done);
}

static void collect_state(emitter *e, state_parts *s)
{
    for (size_t i = 0; i < e->nops; i++)
        state_of(e, op_at(e, i), s);
}

static void emit_state_struct(emitter *e)
{
    state_parts s = { 0 };
    collect_state(e, &s);
    em_render(e, "state_struct.c.in", VARS({ "fields", em_text(&s.fields) }));
    state_parts_free(&s);
}

static void emit_state_fns(emitter *e)
{
    state_parts s = { 0 };
    collect_state(e, &s);
    em_render(e, "state_fns.c.in",
              VARS({ "init", em_text(&s.init) }, { "free", em_text(&s.free) },
                   { "exchanges_done", s.done.len ? em_text(&s.done) : "true" }));
    state_parts_free(&s);
}

static void emit_prototypes(emitter *e)
{
    const mc_program *p = e->prog;
    mc_buf_puts(e->out, "/* Every stream and operator, so that definitions can follow file order. */\n");
    for (size_t i = 0; i < p->nstreams; i++) {
        const mc_stream *s = p->streams[i];
        mc_buf_printf(e->out, "static inline void stream_%s(job_batch *mstr_b, %s key, %s value, int64_t ts);\n"
                              "static inline void stream_%s_epoch(job_batch *mstr_b, int64_t epoch);\n",
                      s->name, s->keyed ? em_type(&s->key_type) : "mstr_nokey", em_type(&s->type),
                      s->name);
    }
    for (size_t i = 0; i < e->nops; i++) {
        const mc_op *op = op_at(e, i);
        mc_buf_printf(e->out, "static inline void op_%s(job_batch *mstr_b, %s key, %s value, int64_t ts);\n"
                              "static inline void op_%s_epoch(job_batch *mstr_b, size_t input, int64_t epoch);\n",
                      op->name, em_in_key(op), em_type(&op->in_type), op->name);
        if (op->other_in != NULL) /* a join's second input */
            mc_buf_printf(e->out, "static inline void op_%s_right(job_batch *mstr_b, %s key, %s value, int64_t ts);\n",
                          op->name, em_in_key(op), em_type(&op->other_in->type));
    }
    mc_buf_puts(e->out, "\n");
}

/* ---- the job tables ---- */

static void put_string_array(mc_buf *b, const char *name, const char *const *items, size_t n)
{
    mc_buf_printf(b, "static const char *const %s[] = { ", name);
    for (size_t i = 0; i < n; i++) {
        mc_buf_puts(b, "\"");
        em_c_string(b, items[i], strlen(items[i]));
        mc_buf_puts(b, "\", ");
    }
    mc_buf_puts(b, "NULL };\n");
}

static void column_name_leaf(void *arg, const mc_typeref *t, const char *expr, const char *column)
{
    (void)t, (void)expr;
    if (column == NULL)
        mc_buf_puts(arg, "NULL, ");
    else
        mc_buf_printf(arg, "\"%s\", ", column);
}

static void csv_header_leaf(void *arg, const mc_typeref *t, const char *expr, const char *column)
{
    mc_buf *b = arg;
    (void)t, (void)expr;
    mc_buf_printf(b, "%s%s", b->len ? "," : "", column ? column : "value");
}

static void source_entry(const mc_source *s, mc_buf *tables, mc_buf *entries)
{
    static const char *const kind[] = {
        [MC_SRC_LIST] = "MSTR_SOURCE_LIST", [MC_SRC_RANGE] = "MSTR_SOURCE_RANGE",
        [MC_SRC_LINES] = "MSTR_SOURCE_LINES", [MC_SRC_STDIN] = "MSTR_SOURCE_STDIN",
        [MC_SRC_CSV] = "MSTR_SOURCE_CSV", [MC_SRC_NEXMARK] = "MSTR_SOURCE_NEXMARK",
    };
    mc_buf_printf(entries, "    {\n        .name = \"%s\",\n        .kind = %s,\n", s->name,
                  kind[s->kind]);
    if (s->kind == MC_SRC_LIST || s->kind == MC_SRC_RANGE || s->kind == MC_SRC_NEXMARK)
        mc_buf_printf(entries, "        .count = UINT64_C(%" PRIu64 "),\n", em_source_count(s));
    if (s->partitions != NULL)
        mc_buf_printf(entries, "        .partitions = %" PRIu64 ",\n", s->partitions->u.i.magnitude);
    if (s->npaths > 0) {
        char name[300];
        snprintf(name, sizeof name, "source_%s_paths", s->name);
        put_string_array(tables, name, s->paths, s->npaths);
        mc_buf_printf(entries, "        .paths = %s,\n        .npaths = %zu,\n", name, s->npaths);
    }
    if (s->kind == MC_SRC_CSV) {
        mc_buf names = { 0 };
        em_for_each_leaf(&s->type, "x", NULL, column_name_leaf, &names);
        mc_buf_printf(tables, "static const char *const source_%s_columns[] = { %s};\n",
                      s->name, em_text(&names));
        mc_buf_printf(entries, "        .columns = source_%s_columns,\n        .ncolumns = %zu,\n",
                      s->name, em_leaf_count(&s->type));
        mc_buf_free(&names);
    }
    if (s->dead_out != NULL)
        mc_buf_printf(entries, "        .dead_letter = \"%s\",\n", s->dead_out->name);
    mc_buf_printf(entries, "        .poll = source_%s_poll,\n        .finish = source_%s_finish,\n"
                           "    },\n", s->name, s->name);
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
        em_c_string(entries, op->path, strlen(op->path));
        mc_buf_puts(entries, "\",\n");
    }
    if (op->sink == MC_SINK_CSV) {
        mc_buf header = { 0 };
        em_for_each_leaf(&op->in_type, "x", NULL, csv_header_leaf, &header);
        mc_buf_printf(tables, "static void sink_%s_header(mstr_out *o)\n{\n"
                              "    mstr_out_cstr(o, \"%s\\n\");\n}\n\n",
                      op->name, em_text(&header));
        mc_buf_printf(entries, "        .write_header = sink_%s_header,\n", op->name);
        mc_buf_free(&header);
    }
    mc_buf_puts(entries, "    },\n");
}

static void emit_main(emitter *e, const char *job_name)
{
    const mc_program *p = e->prog;
    mc_buf tables = { 0 }, sources = { 0 }, sinks = { 0 }, exchanges = { 0 }, program = { 0 };
    for (size_t i = 0; i < p->nsources; i++)
        source_entry(p->sources[i], &tables, &sources);
    for (size_t k = 0; k < e->nsinks; k++)
        sink_entry(e->sinks[k], &tables, &sinks);
    for (size_t x = 0; x < e->nexchanges; x++)
        mc_buf_printf(&exchanges, "    { \"%s\", exchange_%s_receive, exchange_%s_epoch },\n",
                      e->exchanges[x]->name, e->exchanges[x]->name, e->exchanges[x]->name);
    mc_buf counters = { 0 };
    for (size_t i = 0; i < e->ncounters; i++) {
        mc_buf_puts(&counters, "    \"");
        em_c_string(&counters, e->counters[i], strlen(e->counters[i]));
        mc_buf_puts(&counters, "\",\n");
    }
    if (e->ncounters == 0)
        mc_buf_puts(&counters, "    NULL, /* C wants an element; the job has none */\n");
    char ncounters[32];
    snprintf(ncounters, sizeof ncounters, "%zu", e->ncounters);
    mc_buf *lists[] = { &sources, &sinks, &exchanges };
    for (size_t i = 0; i < 3; i++)
        if (lists[i]->len == 0)
            mc_buf_puts(lists[i], "    { 0 }, /* C wants an element; the job has none */\n");
    em_c_string(&program, p->path, strlen(p->path));
    char workers[32], nsources[32], nsinks[32], nexchanges[32];
    snprintf(workers, sizeof workers, "%" PRId64, p->job.workers > 0 ? p->job.workers : 1);
    snprintf(nsources, sizeof nsources, "%zu", p->nsources);
    snprintf(nsinks, sizeof nsinks, "%zu", e->nsinks);
    snprintf(nexchanges, sizeof nexchanges, "%zu", e->nexchanges);
    em_render(e, "program_main.c.in",
              VARS({ "source_tables", em_text(&tables) }, { "sources", em_text(&sources) },
                   { "sinks", em_text(&sinks) }, { "exchanges", em_text(&exchanges) },
                   { "job", job_name }, { "program", em_text(&program) }, { "workers", workers },
                   { "nsources", nsources }, { "nsinks", nsinks },
                   { "nexchanges", nexchanges }, { "counters", em_text(&counters) },
                   { "ncounters", ncounters }));
    mc_buf *all[] = { &tables, &sources, &sinks, &exchanges, &program, &counters };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        mc_buf_free(all[i]);
}

/* The job's name: from the job line, else the file's base name without .mstr. */
static void job_name(const mc_program *p, char *dst, size_t n)
{
    if (p->job.name != NULL) {
        snprintf(dst, n, "%s", p->job.name);
        return;
    }
    mc_program_base_name(p->path, dst, n);
}

/* Lists every operator, every sink and every key_by in file order. */
static void index_ops(emitter *e)
{
    const mc_program *p = e->prog;
    for (size_t c = 0; c < p->nchains; c++)
        e->nops += p->chains[c]->nops;
    e->ops = calloc(e->nops + 1, sizeof *e->ops);
    e->sinks = calloc(e->nops + 1, sizeof *e->sinks);
    e->exchanges = calloc(e->nops + 1, sizeof *e->exchanges);
    if (e->ops == NULL || e->sinks == NULL || e->exchanges == NULL)
        abort();
    size_t n = 0;
    for (size_t c = 0; c < p->nchains; c++)
        for (size_t i = 0; i < p->chains[c]->nops; i++) {
            const mc_op *op = p->chains[c]->ops[i];
            e->ops[n++] = (em_op_ref){ p->chains[c], i };
            if (op->kind == MC_OP_SINK)
                e->sinks[e->nsinks++] = op;
            if (op->kind == MC_OP_KEY_BY)
                e->exchanges[e->nexchanges++] = op;
        }
}

bool mc_emit_supported(const mc_program *prog, mc_diag *diag)
{
    int before = diag->errors;
    for (size_t c = 0; c < prog->nchains; c++)
        for (size_t i = 0; i < prog->chains[c]->nops; i++) {
            const mc_op *op = prog->chains[c]->ops[i];
            if (op->kind == MC_OP_WINDOW && op->window == MC_WIN_SESSION &&
                op->agg == MC_AGG_REDUCE)
                mc_error(diag, op->kw_loc, "reduce is not supported on session windows: two "
                         "sessions that merge would need their folds combined");
        }
    return diag->errors == before;
}

void mc_emit(const mc_program *prog, const mc_emit_options *opt, mc_buf *out)
{
    emitter e = {
        .prog = prog, .opt = opt, .out = out,
        .where = { .path = prog->path, .src = prog->src, .src_len = prog->src_len },
    };
    index_ops(&e);
    char name[256];
    job_name(prog, name, sizeof name);
    mc_buf program = { 0 };
    em_c_string(&program, prog->path, strlen(prog->path));
    em_render(&e, "program_head.c.in", VARS({ "job", name }, { "program", em_text(&program) }));
    mc_buf_free(&program);

    for (size_t i = 0; i < prog->npreludes; i++) {
        mc_buf block = { 0 };
        em_user_block(&e, &prog->preludes[i], false, &block);
        mc_buf_printf(out, "%s\n", em_text(&block));
        if (opt->line_directives)
            mc_buf_printf(out, "#line %u \"%s\"\n", out->lines + 2, opt->c_name);
        mc_buf_free(&block);
    }
    em_types(&e);
    emit_batch(&e);
    emit_state_struct(&e);
    emit_prototypes(&e);
    em_streams(&e);
    em_ops(&e);
    em_decoders(&e);
    em_sources(&e);
    emit_state_fns(&e);
    emit_main(&e, name);
    free(e.ops);
    free(e.sinks);
    free(e.exchanges);
    for (size_t i = 0; i < e.ncounters; i++)
        free(e.counters[i]);
    free(e.counters);
}
