/*
 * emit.c - from a checked program and its plan to C (see emit.h): the driver, which lays out
 * the generated file, and the pieces that describe the whole job: the batch tallies, the
 * per-worker state and the tables handed to the runtime.
 *
 * Layout of the generated file, in order: the head (includes), the user's `c { }` preludes,
 * types and their functions, the batch tallies, the counters and the per-worker state struct,
 * prototypes of every stream and operator function, streams, operators, decoders, sources,
 * the per-worker state's functions, and the job tables with main().
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

/* ---- the batch tallies ---- */

/* Records read per source and records in per operator (what the runtime reports in the status
 * and the metrics), records written per sink and a checksum per null sink. */
static void emit_batch(emitter *e)
{
    mc_buf fields = { 0 }, flush = { 0 };
    const mc_program *p = e->prog;
    for (size_t i = 0; i < p->nsources; i++) {
        mc_buf_printf(&fields, "    uint64_t src_%s;\n", p->sources[i]->name);
        mc_buf_printf(&flush, "    mstr_tally(&b->w->source_read[%zu], b->src_%s);\n", i,
                      p->sources[i]->name);
    }
    for (size_t i = 0, k = 0; i < e->plan->nops; i++) {
        const mc_op *op = e->plan->ops[i].op;
        if (op->kind == MC_OP_SINK)
            continue;
        mc_buf_printf(&fields, "    uint64_t op_%s;\n", op->name);
        mc_buf_printf(&flush, "    mstr_tally(&b->w->op_in[%zu], b->op_%s);\n", k++, op->name);
    }
    for (size_t k = 0; k < e->plan->nsinks; k++) {
        const mc_op *op = e->plan->sinks[k];
        mc_buf_printf(&fields, "    uint64_t %s_records;\n", op->name);
        mc_buf_printf(&flush, "    mstr_tally(&b->w->sinks[%zu].records, b->%s_records);\n", k,
                      op->name);
        if (op->sink != MC_SINK_NULL)
            continue;
        mc_buf_printf(&fields, "    uint64_t %s_checksum;\n", op->name);
        mc_buf_printf(&flush, "    b->w->sinks[%zu].checksum += b->%s_checksum;\n", k, op->name);
    }
    em_render(e, "batch.c.in", VARS({ "fields", em_text(&fields) }, { "flush", em_text(&flush) }));
    mc_buf_free(&fields);
    mc_buf_free(&flush);
}

static void emit_prototypes(emitter *e)
{
    const mc_program *p = e->prog;
    mc_buf_puts(e->out, "/* Every stream and operator, so that definitions can follow file order. */\n");
    for (size_t i = 0; i < p->nstreams; i++) {
        const mc_stream *s = p->streams[i];
        mc_buf_printf(e->out, "MSTR_FUSED void stream_%s(job_batch *mstr_b, %s key, %s value, int64_t ts);\n"
                              "static inline void stream_%s_epoch(job_batch *mstr_b, int64_t epoch);\n",
                      s->name, s->keyed ? em_type(&s->key_type) : "mstr_nokey", em_type(&s->type),
                      s->name);
    }
    for (size_t i = 0; i < e->plan->nops; i++) {
        const mc_op *op = e->plan->ops[i].op;
        mc_buf_printf(e->out, "MSTR_FUSED void op_%s(job_batch *mstr_b, %s key, %s value, int64_t ts);\n"
                              "static inline void op_%s_epoch(job_batch *mstr_b, size_t input, int64_t epoch);\n",
                      op->name, em_in_key(op), em_type(&op->in_type), op->name);
        if (op->other_in != NULL) /* a join's second input */
            mc_buf_printf(e->out, "MSTR_FUSED void op_%s_right(job_batch *mstr_b, %s key, %s value, int64_t ts);\n",
                          op->name, em_in_key(op), em_type(&op->other_in->type));
    }
    mc_buf_puts(e->out, "\n");
}

/* ---- the job tables ---- */

/* A static array of size_t named name (NULL when empty), for a table entry. */
static const char *index_array(emitter *e, mc_buf *tables, const char *name, const size_t *items,
                               size_t n)
{
    if (n == 0)
        return "NULL";
    mc_buf_printf(tables, "static const size_t %s[] = { ", name);
    for (size_t i = 0; i < n; i++)
        mc_buf_printf(tables, "%zu, ", items[i]);
    mc_buf_puts(tables, "};\n");
    return em_strf(e, "%s", name);
}

static const char *string_array(emitter *e, mc_buf *tables, const char *name,
                                const char *const *items, size_t n)
{
    mc_buf_printf(tables, "static const char *const %s[] = { ", name);
    for (size_t i = 0; i < n; i++)
        mc_buf_printf(tables, "%s, ", items[i] ? em_c_literal(e, items[i]) : "NULL");
    mc_buf_puts(tables, "};\n");
    return em_strf(e, "%s", name);
}

typedef struct column_names {
    const char **names;
    size_t n;
} column_names;

static void column_name_leaf(void *arg, const mc_typeref *t, const char *expr, const char *column)
{
    column_names *c = arg;
    (void)t, (void)expr;
    c->names[c->n++] = column;
}

static void csv_header_leaf(void *arg, const mc_typeref *t, const char *expr, const char *column)
{
    mc_buf *b = arg;
    (void)t, (void)expr;
    mc_buf_printf(b, "%s%s", b->len ? "," : "", column ? column : "value");
}

/* A custom source's partitions, its position and its hooks. */
static void custom_source_entry(emitter *e, const mc_source *s, mc_buf *entries)
{
    const char *n = s->name;
    mc_buf_printf(entries, "        .partitions = %" PRIu64 ",\n"
                           "        .position_size = sizeof(%s),\n"
                           "        .position_shape = %s,\n"
                           "        .save_position = source_%s_save,\n"
                           "        .restore_position = source_%s_restore,\n"
                           "        .release_position = source_%s_release,\n",
                  em_source_count(s), em_type(&s->position),
                  em_c_literal(e, em_type_shape(e, &s->position)), n, n, n);
    if (mc_custom_block(s->custom, "open") != NULL)
        mc_buf_printf(entries, "        .open = source_%s_open,\n", n);
    if (mc_custom_block(s->custom, "close") != NULL)
        mc_buf_printf(entries, "        .close = source_%s_close,\n", n);
}

static void source_entry(emitter *e, const mc_source *s, mc_buf *tables, mc_buf *entries)
{
    static const char *const kind[] = {
        [MC_SRC_LIST] = "MSTR_SOURCE_LIST", [MC_SRC_RANGE] = "MSTR_SOURCE_RANGE",
        [MC_SRC_LINES] = "MSTR_SOURCE_LINES", [MC_SRC_STDIN] = "MSTR_SOURCE_STDIN",
        [MC_SRC_CSV] = "MSTR_SOURCE_CSV", [MC_SRC_NEXMARK] = "MSTR_SOURCE_NEXMARK",
        [MC_SRC_CUSTOM] = "MSTR_SOURCE_CUSTOM",
    };
    mc_buf_printf(entries, "    {\n        .name = \"%s\",\n        .kind = %s,\n", s->name,
                  kind[s->kind]);
    if (s->kind == MC_SRC_LIST || s->kind == MC_SRC_RANGE || s->kind == MC_SRC_NEXMARK)
        mc_buf_printf(entries, "        .count = UINT64_C(%" PRIu64 "),\n", em_source_count(s));
    if (s->partitions != NULL)
        mc_buf_printf(entries, "        .partitions = %" PRIu64 ",\n", s->partitions->u.i.magnitude);
    if (s->npaths > 0)
        mc_buf_printf(entries, "        .paths = %s,\n        .npaths = %zu,\n",
                      string_array(e, tables, em_strf(e, "source_%s_paths", s->name), s->paths,
                                   s->npaths),
                      s->npaths);
    if (s->kind == MC_SRC_CSV) {
        size_t n = em_leaf_count(e, &s->type);
        column_names c = { .names = mc_pool_alloc(&e->strings, n * sizeof *c.names) };
        em_for_each_leaf(e, &s->type, "x", NULL, column_name_leaf, &c);
        mc_buf_printf(entries, "        .columns = %s,\n        .ncolumns = %zu,\n",
                      string_array(e, tables, em_strf(e, "source_%s_columns", s->name), c.names, n),
                      n);
    }
    if (s->dead_out != NULL)
        mc_buf_printf(entries, "        .dead_letter = \"%s\",\n", s->dead_out->name);
    mc_buf_printf(entries, "        .poll = source_%s_poll,\n        .finish = source_%s_finish,\n",
                  s->name, s->name);
    if (s->kind == MC_SRC_CUSTOM)
        custom_source_entry(e, s, entries);
    mc_buf_puts(entries, "    },\n");
}

static void sink_entry(emitter *e, const mc_op *op, mc_buf *tables, mc_buf *entries)
{
    static const char *const kind[] = {
        [MC_SINK_STDOUT] = "MSTR_SINK_STDOUT", [MC_SINK_NULL] = "MSTR_SINK_NULL",
        [MC_SINK_TEXT] = "MSTR_SINK_TEXT", [MC_SINK_CSV] = "MSTR_SINK_CSV",
        [MC_SINK_JSONL] = "MSTR_SINK_JSONL", [MC_SINK_CUSTOM] = "MSTR_SINK_CUSTOM",
    };
    static const char *const hooks[] = { "open", "prepare", "commit", "close" };
    /* a captured stdout sink (mstrc test) is a file to the runtime */
    bool captured = op->sink == MC_SINK_STDOUT && op->path != NULL;
    mc_buf_printf(entries, "    {\n        .name = \"%s\",\n        .kind = %s,\n", op->name,
                  captured ? "MSTR_SINK_TEXT" : kind[op->sink]);
    if (op->path != NULL)
        mc_buf_printf(entries, "        .path = %s,\n", em_c_literal(e, op->path));
    if (op->sink == MC_SINK_CSV) {
        mc_buf header = { 0 };
        em_for_each_leaf(e, &op->in_type, "x", NULL, csv_header_leaf, &header);
        mc_buf_printf(tables, "static void sink_%s_header(mstr_out *o)\n{\n"
                              "    mstr_out_cstr(o, %s);\n}\n\n",
                      op->name, em_c_literal(e, em_strf(e, "%s\n", em_text(&header))));
        mc_buf_printf(entries, "        .write_header = sink_%s_header,\n", op->name);
        mc_buf_free(&header);
    }
    for (size_t i = 0; op->sink == MC_SINK_CUSTOM && i < sizeof hooks / sizeof hooks[0]; i++)
        mc_buf_printf(entries, "        .%s = sink_%s_%s,\n", hooks[i], op->name, hooks[i]);
    mc_buf_puts(entries, "    },\n");
}

/* An exchange's entry: its generated functions, and the sources and exchanges of the stage
 * it sends from (plan.h). */
static void exchange_entry(emitter *e, const mc_plan_exchange *x, mc_buf *tables, mc_buf *entries)
{
    const mc_plan_stage *from = &e->plan->stages[x->stage];
    const char *n = x->key_by->name;
    mc_buf_printf(entries,
                  "    {\n        .name = \"%s\",\n        .receive = exchange_%s_receive,\n"
                  "        .epoch = exchange_%s_epoch,\n"
                  "        .sources = %s,\n        .nsources = %zu,\n"
                  "        .upstream = %s,\n        .nupstream = %zu,\n    },\n",
                  n, n, n,
                  index_array(e, tables, em_strf(e, "exchange_%s_sources", n), from->sources,
                              from->nsources),
                  from->nsources,
                  index_array(e, tables, em_strf(e, "exchange_%s_upstream", n), from->inputs,
                              from->ninputs),
                  from->ninputs);
}

/* C wants an element in an array: an empty table gets a placeholder. */
static void not_empty(mc_buf *list)
{
    if (list->len == 0)
        mc_buf_puts(list, "    { 0 }, /* C wants an element; the job has none */\n");
}

/* Appends to out a function of the job, name(mstr_worker *w), that runs calls (statements on
 * a batch of the worker) and says what it does in comment; returns its name, or "NULL" when
 * calls is empty (the job needs no such function). */
static const char *job_fn(mc_buf *out, const char *comment, const char *name, mc_buf *calls)
{
    const char *fn = "NULL";
    if (calls->len > 0) {
        mc_buf_printf(out, "/* %s */\n"
                           "static void %s(mstr_worker *w)\n"
                           "{\n"
                           "    job_batch batch = { .w = w };\n"
                           "%s"
                           "    job_batch_flush(&batch);\n"
                           "}\n\n",
                      comment, name, calls->data);
        fn = name;
    }
    mc_buf_free(calls);
    return fn;
}

/* The function that lets the clock of every `timestamps NAME processing_time` move on while
 * no record comes, and fires the wall-clock timers of every stateful_op that sets them
 * (timer_after), (mstr_job_desc.tick), in out; its name, or NULL if the job has none. */
static const char *clock_ticks(const mc_plan *plan, mc_buf *out)
{
    mc_buf calls = { 0 };
    for (size_t i = 0; i < plan->nops; i++) {
        const mc_op *op = plan->ops[i].op;
        if (op->kind == MC_OP_TIMESTAMPS && op->processing_time)
            mc_buf_printf(&calls, "    op_%s_tick(&batch);\n", op->name);
        if (op->clock_timers) /* a stateful_op's timer_after */
            mc_buf_printf(&calls, "    op_%s_clock_tick(&batch);\n", op->name);
    }
    return job_fn(out, "The epochs and timers of the wall clock's operators, as it moves on.",
                  "job_tick", &calls);
}

/* The function that issues the epochs kept per partition again when the partitions a worker
 * reads change (mstr_job_desc.partitions_changed), in out; its name, or NULL if the job keeps
 * none. */
static const char *partition_epochs(const mc_plan *plan, mc_buf *out)
{
    mc_buf calls = { 0 };
    for (size_t i = 0; i < plan->nops; i++)
        if (plan->ops[i].by_partition != SIZE_MAX)
            mc_buf_printf(&calls, "    op_%s_rejoin(&batch);\n", plan->ops[i].op->name);
    return job_fn(out, "The partitions the worker reads changed: their epochs are issued again.",
                  "job_partitions_changed", &calls);
}

static void emit_main(emitter *e, const char *job_name)
{
    const mc_program *p = e->prog;
    const mc_plan *plan = e->plan;
    mc_buf tables = { 0 }, sources = { 0 }, sinks = { 0 }, exchanges = { 0 }, counters = { 0 },
           operators = { 0 }, fns = { 0 };
    const char *tick_fn = clock_ticks(plan, &fns);
    const char *partitions_fn = partition_epochs(plan, &fns);
    size_t noperators = 0;
    for (size_t i = 0; i < plan->nops; i++)
        if (plan->ops[i].op->kind != MC_OP_SINK) { /* in the order of emit_batch's tallies */
            mc_buf_printf(&operators, "    %s,\n", em_c_literal(e, plan->ops[i].op->name));
            noperators++;
        }
    if (noperators == 0)
        mc_buf_puts(&operators, "    NULL, /* C wants an element; the job has none */\n");
    for (size_t i = 0; i < p->nsources; i++)
        source_entry(e, p->sources[i], &tables, &sources);
    for (size_t k = 0; k < plan->nsinks; k++)
        sink_entry(e, plan->sinks[k], &tables, &sinks);
    for (size_t x = 0; x < plan->nexchanges; x++)
        exchange_entry(e, &plan->exchanges[x], &tables, &exchanges);
    for (size_t i = 0; i < plan->ncounters; i++)
        mc_buf_printf(&counters, "    [%s] = %s,\n", plan->counters[i].c_name,
                      em_c_literal(e, plan->counters[i].label));
    if (plan->ncounters == 0)
        mc_buf_puts(&counters, "    NULL, /* C wants an element; the job has none */\n");
    not_empty(&sources);
    not_empty(&sinks);
    not_empty(&exchanges);
    em_render(e, "program_main.c.in",
              VARS({ "tables", em_text(&tables) }, { "sources", em_text(&sources) },
                   { "sinks", em_text(&sinks) }, { "exchanges", em_text(&exchanges) },
                   { "job", em_c_literal(e, job_name) }, { "program", em_c_literal(e, p->path) },
                   { "workers", em_strf(e, "%" PRId64, p->job.workers > 0 ? p->job.workers : 1) },
                   { "key_groups", p->job.key_groups > 0
                                       ? em_strf(e, "%" PRId64, p->job.key_groups)
                                       : "MSTR_KEY_GROUPS_DEFAULT" },
                   { "state_dir", p->job.state_dir ? em_c_literal(e, p->job.state_dir) : "NULL" },
                   { "snapshot_every", em_strf(e, "%" PRId64, p->job.snapshot_every_ms) },
                   { "keep_snapshots", em_strf(e, "%" PRId64, p->job.keep_snapshots > 0
                                                              ? p->job.keep_snapshots : 3) },
                   { "nstates", em_strf(e, "%zu", plan->nstates) },
                   { "nsources", em_strf(e, "%zu", p->nsources) },
                   { "nsinks", em_strf(e, "%zu", plan->nsinks) },
                   { "nexchanges", em_strf(e, "%zu", plan->nexchanges) },
                   { "counters", em_text(&counters) }, { "operators", em_text(&operators) },
                   { "noperators", em_strf(e, "%zu", noperators) },
                   { "npartition_epochs", em_strf(e, "%zu", plan->npartition_epochs) },
                   { "order_free", plan->order_free ? "true" : "false" },
                   { "fns", em_text(&fns) }, { "tick_fn", tick_fn },
                   { "partitions_fn", partitions_fn }));
    mc_buf *all[] = { &tables, &sources, &sinks, &exchanges, &counters, &operators, &fns };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        mc_buf_free(all[i]);
}

/* The job's name: from the job line, else the file's base name without .mstr. */
static const char *job_name(emitter *e)
{
    if (e->prog->job.name != NULL)
        return e->prog->job.name;
    size_t n = strlen(e->prog->path) + 1;
    char *name = mc_pool_alloc(&e->strings, n);
    mc_program_base_name(e->prog->path, name, n);
    return name;
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

/* The user's `c { }` blocks, each followed by a #line back into the generated file. */
static void emit_preludes(emitter *e)
{
    for (size_t i = 0; i < e->prog->npreludes; i++) {
        mc_buf block = { 0 };
        em_user_block(e, &e->prog->preludes[i], false, &block);
        mc_buf_printf(e->out, "%s\n", em_text(&block));
        if (e->resync != NULL)
            mc_buf_printf(e->out, "#line %u %s\n", e->out->lines + 2, e->resync);
        mc_buf_free(&block);
    }
}

void mc_emit(const mc_program *prog, const mc_plan *plan, const mc_emit_options *opt,
             mc_buf *out)
{
    emitter e = {
        .prog = prog, .plan = plan, .opt = opt, .out = out,
        .where = { .path = prog->path, .src = prog->src, .src_len = prog->src_len },
    };
    if (opt->line_directives)
        e.resync = em_c_literal(&e, opt->c_name);
    const char *name = job_name(&e);
    em_render(&e, "program_head.c.in",
              VARS({ "job", em_comment(&e, name) }, { "program", em_comment(&e, prog->path) }));
    emit_preludes(&e);
    em_types(&e);
    emit_batch(&e);
    em_state_struct(&e);
    emit_prototypes(&e);
    em_streams(&e);
    em_ops(&e);
    em_decoders(&e);
    em_sources(&e);
    em_state_fns(&e);
    em_state_snapshots(&e);
    emit_main(&e, name);
    mc_pool_free(&e.strings);
}
