/*
 * emit_ops.c - the generated code for streams and operators.
 *
 * Every stream S gets stream_S (a record) and stream_S_epoch (an epoch), which hand what they
 * get to each chain that reads S and each union that merges S in. Every operator N gets op_N
 * (a record: key, value, timestamp) and op_N_epoch (an epoch, with the number of the input it
 * came on, which only a union or a join looks at). An operator calls the next one in its chain
 * directly, or the stream its chain is named as; these direct calls are the fusion.
 *
 * Where a key's state lives: an operator with keyed state keeps a table per key group
 * (runtime/mstr_table.h), and op_N_group says which key group a key is in: the one its hash
 * gives, or the one the distribute block of the key_by that keyed the stream returns
 * (mc_keyer_distributes), so that state is found by the same key group that routed the key.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_int.h"

/* What a record leaving op i of chain c is handed to. */
static const char *next_data(emitter *e, const mc_chain *c, size_t i)
{
    if (i + 1 < c->nops)
        return em_strf(e, "op_%s", c->ops[i + 1]->name);
    if (c->out != NULL)
        return em_strf(e, "stream_%s", c->out->name);
    return "(void)";
}

/* The statement that hands what follows op i of chain c an epoch named `epoch`. */
static const char *next_epoch(emitter *e, const mc_chain *c, size_t i)
{
    if (i + 1 < c->nops)
        return em_strf(e, "op_%s_epoch(mstr_b, 0, epoch)", c->ops[i + 1]->name);
    if (c->out != NULL)
        return em_strf(e, "stream_%s_epoch(mstr_b, epoch)", c->out->name);
    return "(void)epoch";
}

/* ---- streams ---- */

static void emit_stream(emitter *e, const mc_stream *s)
{
    mc_buf data = { 0 }, epochs = { 0 };
    for (size_t i = 0; i < s->nconsumers; i++) {
        const mc_chain *c = s->consumers[i];
        if (c->nops > 0) {
            mc_buf_printf(&data, "    op_%s(mstr_b, key, value, ts);\n", c->ops[0]->name);
            mc_buf_printf(&epochs, "    op_%s_epoch(mstr_b, 0, epoch);\n", c->ops[0]->name);
        } else {
            mc_buf_printf(&data, "    stream_%s(mstr_b, key, value, ts);\n", c->out->name);
            mc_buf_printf(&epochs, "    stream_%s_epoch(mstr_b, epoch);\n", c->out->name);
        }
    }
    for (size_t i = 0; i < s->nunions; i++) {
        const mc_op *u = s->unions[i];
        size_t input = 0;
        while (u->streams[input] != s)
            input++;
        mc_buf_printf(&data, "    op_%s(mstr_b, key, value, ts);\n", u->name);
        mc_buf_printf(&epochs, "    op_%s_epoch(mstr_b, %zu, epoch);\n", u->name, input + 1);
    }
    for (size_t i = 0; i < s->njoins; i++) {
        mc_buf_printf(&data, "    op_%s_right(mstr_b, key, value, ts);\n", s->joins[i]->name);
        mc_buf_printf(&epochs, "    op_%s_epoch(mstr_b, 1, epoch);\n", s->joins[i]->name);
    }
    em_render(e, "stream.c.in",
              VARS({ "name", s->name }, { "where", em_where(e, s->loc) },
                   { "type", em_type(&s->type) },
                   { "key_type", s->keyed ? em_type(&s->key_type) : "mstr_nokey" },
                   { "consumers", em_text(&data) }, { "epoch_consumers", em_text(&epochs) }));
    mc_buf_free(&data);
    mc_buf_free(&epochs);
}

void em_streams(emitter *e)
{
    for (size_t i = 0; i < e->prog->nstreams; i++)
        emit_stream(e, e->prog->streams[i]);
}

/* ---- sinks ---- */

/* The statements that write a record to `o`, and what the sink does, for its comment. */
static const char *sink_write(emitter *e, const mc_op *op, mc_buf *b)
{
    const mc_typeref *t = &op->in_type;
    const char *what;
    if (op->sink == MC_SINK_NULL) /* its record is in no buffer: nothing to count as held */
        mc_buf_puts(b, "    (void)mstr_s;\n");
    else /* until out's buffer is written, which settles it as written or lost */
        mc_buf_puts(b, "    mstr_s->held++;\n");
    switch (op->sink) {
    case MC_SINK_STDOUT:
        what = "standard output, as Malstrom prints records";
        mc_buf_puts(b, "    mstr_out_cstr(o, \"{ key: \");\n    ");
        if (op->in_keyed)
            em_value(b, EM_DEBUG, &op->in_key, "key");
        else
            mc_buf_puts(b, "mstr_out_cstr(o, \"NoKey\")");
        mc_buf_puts(b, ";\n    mstr_out_cstr(o, \", value: \");\n    ");
        em_value(b, EM_DEBUG, t, "value");
        mc_buf_puts(b, ";\n    mstr_out_cstr(o, \", timestamp: \");\n"
                       "    mstr_out_i64(o, ts);\n    mstr_out_cstr(o, \" }\\n\");\n");
        break;
    case MC_SINK_TEXT:
        what = em_strf(e, "lines of text to '%s'", em_comment(e, op->path));
        if (t->kind == MC_T_STR) {
            mc_buf_puts(b, "    mstr_out_bytes(o, value.ptr, value.len);\n");
        } else {
            mc_buf_puts(b, "    ");
            em_value(b, EM_DEBUG, t, "value");
            mc_buf_puts(b, ";\n");
        }
        mc_buf_puts(b, "    mstr_out_char(o, '\\n');\n");
        break;
    case MC_SINK_CSV:
    case MC_SINK_JSONL:
        what = em_strf(e, "%s to '%s'", op->sink == MC_SINK_CSV ? "CSV rows" : "JSON lines",
                       em_comment(e, op->path));
        mc_buf_puts(b, "    ");
        em_value(b, op->sink == MC_SINK_CSV ? EM_CSV : EM_JSON, t, "value");
        mc_buf_puts(b, ";\n    mstr_out_char(o, '\\n');\n");
        break;
    case MC_SINK_NULL:
    default:
        mc_buf_printf(b, "    mstr_b->%s_checksum += ", op->name);
        em_value(b, EM_HASH, t, "value");
        mc_buf_puts(b, ";\n");
        return "discards records, counting them and summing their hashes";
    }
    mc_buf_printf(b, "    if (o->len >= MSTR_OUT_RECORD_FLUSH)\n"
                     "        mstr_sink_flush(mstr_b->w, %zu);\n", mc_plan_sink_index(e->plan, op));
    return what;
}

/* A custom sink's block named name, behind #line, or an empty block if it has none; *where
 * gets the line it is on. */
static const char *sink_block(emitter *e, const mc_op *op, const char *name, const char **where)
{
    const mc_block *b = mc_custom_block(op->custom, name);
    if (b == NULL) {
        *where = "none in the program";
        return "    { }";
    }
    mc_buf body = { 0 };
    em_user_block(e, &b->body, true, &body);
    const char *text = em_strf(e, "%s", em_text(&body));
    mc_buf_free(&body);
    *where = em_where(e, b->loc);
    return text;
}

/* A custom sink: its blocks, its operator and the runtime's hooks (all of them, empty blocks
 * standing in for those it lacks: the prepare hook takes the state's copy at the cut anyway). */
static void emit_custom_sink(emitter *e, const mc_op *op, const char *at)
{
    const char *where[5];
    const char *write = sink_block(e, op, "write", &where[0]);
    const char *open = sink_block(e, op, "open", &where[1]);
    const char *prepare = sink_block(e, op, "prepare", &where[2]);
    const char *commit = sink_block(e, op, "commit", &where[3]);
    const char *close = sink_block(e, op, "close", &where[4]);
    em_render(e, "sink_custom.c.in",
              VARS({ "name", op->name }, { "where", at }, { "key_type", em_in_key(op) },
                   { "in_type", em_type(&op->in_type) },
                   { "state_type", em_type(&op->sink_state) }, { "write", write },
                   { "open", open }, { "open_where", where[1] }, { "prepare", prepare },
                   { "prepare_where", where[2] }, { "commit", commit },
                   { "commit_where", where[3] }, { "close", close }, { "close_where", where[4] }));
}

static void emit_sink(emitter *e, const mc_op *op, const char *at)
{
    if (op->sink == MC_SINK_CUSTOM) {
        emit_custom_sink(e, op, at);
        return;
    }
    mc_buf write = { 0 };
    const char *what = sink_write(e, op, &write);
    em_render(e, "sink.c.in",
              VARS({ "name", op->name }, { "where", at }, { "what", what },
                   { "key_type", em_in_key(op) }, { "in_type", em_type(&op->in_type) },
                   { "index", em_strf(e, "%zu", mc_plan_sink_index(e->plan, op)) },
                   { "write", em_text(&write) }));
    mc_buf_free(&write);
}

/* ---- clone and split ---- */

static void emit_fanout(emitter *e, const mc_op *op, const char *at, const mc_var *common,
                        size_t ncommon)
{
    mc_buf data = { 0 }, epochs = { 0 };
    bool split = op->kind == MC_OP_SPLIT;
    if (split) {
        em_render(e, "split_body.c.in", common, ncommon);
        mc_buf_printf(&data, "    bool outputs[%zu] = { false };\n"
                             "    op_%s_body(&mstr_b->w->ctx, key, value, ts, outputs);\n",
                      op->nnames, op->name);
    }
    for (size_t i = 0; i < op->nnames; i++) {
        if (split)
            mc_buf_printf(&data, "    if (outputs[%zu])\n    ", i);
        mc_buf_printf(&data, "    stream_%s(mstr_b, key, value, ts);\n", op->streams[i]->name);
        mc_buf_printf(&epochs, "    stream_%s_epoch(mstr_b, epoch);\n", op->streams[i]->name);
    }
    em_render(e, "op_fanout.c.in",
              VARS({ "kind", split ? "split" : "clone" }, { "name", op->name }, { "where", at },
                   { "key_type", em_in_key(op) }, { "in_type", em_type(&op->in_type) },
                   { "data", em_text(&data) }, { "epochs", em_text(&epochs) }));
    mc_buf_free(&data);
    mc_buf_free(&epochs);
}

/* ---- keyed state ---- */

/* The struct of op's table slots and its lookup functions (slots found by key, or, by_window,
 * by key and window start; then the operator's own fields), and op_N_group. */
static const char *slot_code(emitter *e, const mc_op *op, bool by_window, const char *fields)
{
    mc_buf slot = { 0 };
    const mc_op *keyer = op->in_keyer;
    const char *group = mc_keyer_distributes(keyer)
                            ? em_strf(e, "op_%s_key_group(mstr_b->w, key)", keyer->name)
                            : "mstr_key_group(hash, mstr_b->w->ctx.key_groups)";
    const mc_var vars[] = { { "name", op->name }, { "key_type", em_in_key(op) },
                            { "fields", fields }, { "group", group } };
    mc_template_render(&slot, by_window ? "slot_by_window.c.in" : "slot_by_key.c.in", vars,
                       sizeof vars / sizeof vars[0], NULL);
    mc_template_render(&slot, "slot_fns.c.in", vars, sizeof vars / sizeof vars[0], NULL);
    const char *code = em_strf(e, "%s", em_text(&slot));
    mc_buf_free(&slot);
    return code;
}

/* ---- event time ---- */

/* Where a late record goes (the `late` stream, or a counter). */
static const char *late_action(emitter *e, const mc_op *op)
{
    if (op->late_out != NULL)
        return em_strf(e, "stream_%s(mstr_b, key, value, ts)", op->late_out->name);
    return em_strf(e, "mstr_tally(&mstr_b->w->counters[%s], 1)",
                   em_counter(e, op, MC_COUNTER_LATE));
}

/* The epoch statement, extended so that the late stream, which carries no epochs of its own,
 * still sees the end (MSTR_EPOCH_MAX). */
static const char *with_late_end(emitter *e, const mc_op *op, const char *epoch)
{
    if (op->late_out == NULL)
        return epoch;
    return em_strf(e, "%s;\n    if (epoch == MSTR_EPOCH_MAX)\n        stream_%s_epoch(mstr_b, epoch)",
                   epoch, op->late_out->name);
}

static const char *late_what(const mc_op *op)
{
    return op->late_out ? "it goes to the late stream" : "it is counted and dropped";
}

static void emit_epochs(emitter *e, const mc_op *op, const char *body, const char *at,
                        const char *next, const char *epoch)
{
    const char *what, *ignored = "(void)0";
    if (op->bound != NULL) {
        const char *bound = em_strf(e, "INT64_C(%" PRIu64 ")", op->bound->u.i.magnitude);
        what = em_strf(e, "%s %s", op->periodic ? "periodic, every"
                                                : "bounded out-of-orderness of", bound);
        em_render(e, op->periodic ? "epochs_periodic.c.in" : "epochs_bounded.c.in",
                  VARS({ "name", op->name }, { "bound", bound }, { "period", bound },
                       { "key_type", em_in_key(op) }, { "in_type", em_type(&op->in_type) }));
    } else {
        what = "the block's candidates";
        ignored = em_strf(e, "mstr_tally(&mstr_b->w->counters[%s], 1)",
                          em_counter(e, op, MC_COUNTER_IGNORED));
        em_render(e, "epochs_user.c.in",
                  VARS({ "name", op->name }, { "where", at }, { "key_type", em_in_key(op) },
                       { "in_type", em_type(&op->in_type) }, { "body", body }));
    }
    const mc_plan_op *po = mc_plan_op_of(e->plan, op);
    const char *mine = em_strf(e, "    int64_t *prev = &st->op_%s_prev, *max = &st->op_%s_max;\n",
                               op->name, op->name);
    const char *late_if = "ts <= *prev";
    const char *raise = em_strf(e, "op_%s_issue(mstr_b, candidate)", op->name);
    const char *by_partition = "";
    if (po->by_partition != SIZE_MAX) {
        const char *slot = em_strf(e, "%zu", 2 * po->by_partition);
        mine = em_strf(e, "    int64_t *prev = &mstr_b->w->polling->epochs[%s], *max = prev + 1;\n",
                       slot);
        /* at or below its partition's epoch, or one from upstream that passed */
        late_if = em_strf(e, "ts <= *prev || ts <= st->op_%s_prev", op->name);
        raise = em_strf(e, "op_%s_raise(mstr_b, prev, candidate)", op->name);
        mc_buf fed_by = { 0 };
        for (size_t i = 0; i < e->prog->nsources; i++)
            mc_buf_printf(&fed_by, "%s%s", i > 0 ? ", " : "", po->fed_by[i] ? "true" : "false");
        mc_buf out = { 0 };
        mc_template_render(&out, "epochs_by_partition.c.in",
                           VARS({ "name", op->name }, { "slot", slot },
                                { "fed_by", em_text(&fed_by) }), NULL);
        by_partition = em_strf(e, "%s", em_text(&out));
        mc_buf_free(&fed_by);
        mc_buf_free(&out);
    }
    em_render(e, "op_epochs.c.in",
              VARS({ "name", op->name }, { "where", at }, { "what", what },
                   { "late_what", late_what(op) }, { "late", late_action(e, op) },
                   { "ignored", ignored }, { "key_type", em_in_key(op) },
                   { "in_type", em_type(&op->in_type) }, { "next", next },
                   { "next_epoch", with_late_end(e, op, epoch) }, { "mine", mine },
                   { "late_if", late_if }, { "raise", raise }, { "by_partition", by_partition }));
}

/* How a record updates its window's accumulator at `at` (an expression such as "slot" for a
 * pointer to a slot or session); returns what the window's result is. */
static const char *window_agg(emitter *e, const mc_op *op, const char *at, mc_buf *update)
{
    const char *agg = em_strf(e, "op_%s_agg(&mstr_b->w->ctx, key, value, ts)", op->name);
    const char *result = em_strf(e, "%s->acc", at);
    switch (op->agg) {
    case MC_AGG_COUNT:
        result = em_strf(e, "%s->count", at);
        break;
    case MC_AGG_AVG: /* the accumulator is the sum, divided when the window fires */
        result = em_strf(e, "%s->acc / (double)%s->count", at, at);
        mc_buf_printf(update, "    %s->acc += %s;\n", at, agg);
        break;
    case MC_AGG_SUM:
        mc_buf_printf(update, "    %s->acc += %s;\n", at, agg);
        break;
    case MC_AGG_MIN:
    case MC_AGG_MAX:
        mc_buf_printf(update, "    {\n        %s v = %s;\n"
                              "        if (%s->count == 0 || v %s %s->acc)\n"
                              "            %s->acc = v;\n    }\n",
                      em_type(&op->agg_type), agg, at, op->agg == MC_AGG_MIN ? "<" : ">", at, at);
        break;
    case MC_AGG_REDUCE:
        mc_buf_printf(update, "    {\n        %s before = %s->acc;\n"
                              "        op_%s_agg(&mstr_b->w->ctx, key, value, ts, &%s->acc, %s->count == 0);\n"
                              "        reown_%s(&%s->acc, &before);\n    }\n",
                      em_type(&op->agg_type), at, op->name, at, at, em_type(&op->agg_type), at);
        break;
    }
    mc_buf_printf(update, "    %s->count++;\n", at);
    return result;
}

/* How session b's accumulator folds into session a's when two sessions merge. */
static void session_merge(const mc_op *op, mc_buf *merge)
{
    switch (op->agg) {
    case MC_AGG_SUM:
    case MC_AGG_AVG:
        mc_buf_puts(merge, "    a->acc += b->acc;\n");
        break;
    case MC_AGG_MIN:
    case MC_AGG_MAX:
        mc_buf_printf(merge, "    if (b->count > 0 && (a->count == 0 || b->acc %s a->acc))\n"
                             "        a->acc = b->acc;\n", op->agg == MC_AGG_MIN ? "<" : ">");
        break;
    case MC_AGG_COUNT:
    case MC_AGG_REDUCE: /* refused before emitting: a fold has no merge */
        break;
    }
}

static const char *int_literal(emitter *e, const mc_literal *lit)
{
    return em_strf(e, "INT64_C(%s%" PRIu64 ")", lit->u.i.negative ? "-" : "", lit->u.i.magnitude);
}

/* The kinds of timers op keeps per key: event time, and for a stateful_op with timer_after
 * the wall clock's too (op_stateful_op_timers.c.in). */
static int timer_kinds(const mc_op *op)
{
    return op->clock_timers ? 2 : 1;
}

/* The fields of a slot of op, which keeps timers per key (key_timers.c.in says how they are
 * used). */
static const char *timer_slot_fields(emitter *e, const mc_op *op)
{
    return em_strf(e,
                   "    int64_t timer[%d];   /* when the key's timer of each kind is due, */\n"
                   "    bool armed[%d];      /* if it has one (snapshots keep these two) */\n"
                   "    bool queued[%d];     /* the worker's timer queue has an entry for it */\n"
                   "    int64_t queued_at[%d]; /* due then */\n",
                   timer_kinds(op), timer_kinds(op), timer_kinds(op), timer_kinds(op));
}

/* The fields of a stateful operator's slots: its state, and for a stateful_op with on_timer and
 * a ttl_map its timers. */
static const char *state_slot_fields(emitter *e, const mc_op *op)
{
    return em_strf(e, "    %s state;\n%s", em_state_type(e, op),
                   mc_op_has_timers(op) ? timer_slot_fields(e, op) : "");
}

/* What the keys' timers of op are, for key_timers.c.in's comment. */
static const char *timers_what(const mc_op *op)
{
    if (op->kind == MC_OP_WINDOW)
        return "one, when its earliest open session ends";
    if (op->kind == MC_OP_TTL_MAP)
        return op->state_map ? "one, when the earliest entry of its map expires"
                             : "one, when its state expires (expire_at)";
    if (op->clock_timers)
        return "of kind 0, event time (timer_at), of kind 1 the wall clock's (timer_after)";
    return "of kind 0, event time (timer_at)";
}

static void emit_session(emitter *e, const mc_op *op, const char *at, const char *next,
                         const char *epoch, const char *agg_what)
{
    const char *acc = em_window_acc_type(op);
    mc_buf update = { 0 }, merge = { 0 };
    const char *result = window_agg(e, op, "session", &update);
    session_merge(op, &merge);
    const char *fields = em_strf(e, "    size_t open;\n    size_t cap;\n    op_%s_session *s;\n%s",
                                 op->name, timer_slot_fields(e, op));
    em_render(e, "op_session_head.c.in",
              VARS({ "slot", slot_code(e, op, false, fields) }, { "name", op->name },
                   { "where", at }, { "gap", int_literal(e, op->wargs[0]) },
                   { "agg_what", agg_what }, { "late_what", late_what(op) },
                   { "acc_type", acc }, { "agg_type", acc }));
    em_render(e, "key_timers.c.in",
              VARS({ "name", op->name }, { "where", at }, { "kind", "window" },
                   { "what_timers", timers_what(op) }, { "key_type", em_in_key(op) },
                   { "kinds", "1" }));
    em_render(e, "op_session.c.in",
              VARS({ "name", op->name }, { "gap", int_literal(e, op->wargs[0]) },
                   { "late", late_action(e, op) }, { "key_type", em_in_key(op) },
                   { "in_type", em_type(&op->in_type) }, { "agg_type", acc },
                   { "update", em_text(&update) }, { "merge", em_text(&merge) },
                   { "result", result }, { "next", next },
                   { "next_epoch", with_late_end(e, op, epoch) }));
    mc_buf_free(&update);
    mc_buf_free(&merge);
}

static void emit_window(emitter *e, const mc_op *op, const char *body, const char *at,
                        const char *next, const char *epoch)
{
    const char *acc = em_window_acc_type(op);
    const char *agg_what = em_strf(e, "aggregate %s", mc_agg_kind_name(op->agg));
    if (op->agg != MC_AGG_COUNT)
        em_render(e, op->agg == MC_AGG_REDUCE ? "window_reduce.c.in" : "window_agg.c.in",
                  VARS({ "name", op->name }, { "where", at }, { "key_type", em_in_key(op) },
                       { "in_type", em_type(&op->in_type) }, { "agg_type", acc },
                       { "body", body }));
    if (op->window == MC_WIN_SESSION) {
        emit_session(e, op, at, next, epoch, agg_what);
        return;
    }
    const char *size = int_literal(e, op->wargs[0]);
    const char *slide = int_literal(e, op->wargs[op->window == MC_WIN_SLIDING ? 1 : 0]);
    const char *what = op->window == MC_WIN_SLIDING
                           ? em_strf(e, "sliding windows of %s every %s", size, slide)
                           : em_strf(e, "tumbling windows of %s", size);
    const char *fields = em_strf(e, "    int64_t end;\n    uint64_t count;\n    %s acc;\n", acc);
    mc_buf update = { 0 };
    const char *result = window_agg(e, op, "slot", &update);
    em_render(e, "op_window.c.in",
              VARS({ "slot", slot_code(e, op, true, fields) }, { "name", op->name },
                   { "where", at }, { "what", what }, { "agg_what", agg_what },
                   { "late_what", late_what(op) }, { "late", late_action(e, op) },
                   { "key_type", em_in_key(op) }, { "in_type", em_type(&op->in_type) },
                   { "acc_type", acc }, { "agg_type", acc }, { "size", size },
                   { "slide", slide }, { "update", em_text(&update) }, { "result", result },
                   { "next", next }, { "next_epoch", with_late_end(e, op, epoch) }));
    mc_buf_free(&update);
}

/* ---- joins ---- */

static void emit_join(emitter *e, const mc_op *op, const char *body, const char *at,
                      const char *next, const char *epoch)
{
    bool window = op->kind == MC_OP_WINDOW_JOIN;
    const char *kind = window ? "window_join" : "interval_join";
    const char *first = int_literal(e, op->wargs[0]);
    const char *until, *until_what;
    if (op->until_field != NULL) {
        until = em_strf(e, "    (void)t;\n    return value->%s;", op->until_field);
        until_what = em_strf(e, "its %s", op->until_field);
    } else if (!window) {
        const char *upper = int_literal(e, op->wargs[1]);
        until = em_strf(e, "    (void)value;\n    return mstr_ts_add(t, %s);", upper);
        until_what = em_strf(e, "t + %s", upper);
    } else {
        until = until_what = "";
    }
    const char *other_type = em_type(&op->other_in->type);
    em_render(e, "join_body.c.in",
              VARS({ "kind", kind }, { "name", op->name }, { "where", at },
                   { "key_type", em_in_key(op) }, { "in_type", em_type(&op->in_type) },
                   { "other_type", other_type }, { "out_type", em_type(&op->out_type) },
                   { "body", body }));
    const char *fields =
        window ? "    mstr_wbuf side[2];      /* 0: this chain's records, 1: the other stream's */\n"
                 "    size_t count[2];\n"
               : "    mstr_wbuf side[2];      /* 0: this chain's records, 1: the other stream's */\n"
                 "    size_t count[2];\n"
                 "    int64_t prune_at;       /* the least frontier at which an entry here can go: an\n"
                 "                               epoch below it passes the slot by undecoded */\n";
    em_render(e, window ? "op_window_join.c.in" : "op_interval_join.c.in",
              VARS({ "slot", slot_code(e, op, window, fields) }, { "name", op->name },
                   { "where", at }, { "other", op->other_in->name },
                   { "key_type", em_in_key(op) }, { "in_type", em_type(&op->in_type) },
                   { "other_type", other_type }, { "size", first }, { "lower", first },
                   { "until", until }, { "until_what", until_what },
                   { "late_counter", em_counter(e, op, MC_COUNTER_LATE) }, { "next", next },
                   { "next_epoch", epoch }));
}

/* ---- every other operator ---- */

static const char *template_of(const mc_op *op)
{
    if (op->kind == MC_OP_TIMESTAMPS && op->processing_time)
        return "op_timestamps_clock.c.in";
    if (op->state_map)
        return "op_ttl_map_entries.c.in";
    static const char *const name[] = {
        [MC_OP_MAP] = "op_map.c.in", [MC_OP_FILTER] = "op_filter.c.in",
        [MC_OP_FILTER_MAP] = "op_filter_map.c.in", [MC_OP_FLAT_MAP] = "op_flat_map.c.in",
        [MC_OP_INSPECT] = "op_inspect.c.in", [MC_OP_KEY_BY] = "op_key_by.c.in",
        [MC_OP_KEY_LOCAL] = "op_key_local.c.in", [MC_OP_STATEFUL_MAP] = "op_stateful_map.c.in",
        [MC_OP_STATEFUL_OP] = "op_stateful_op.c.in", [MC_OP_TTL_MAP] = "op_ttl_map.c.in",
        [MC_OP_TIMESTAMPS] = "op_timestamps.c.in", [MC_OP_UNION] = "op_union.c.in",
        [MC_OP_INSPECT_FRONTIER] = "op_inspect_frontier.c.in",
    };
    return name[op->kind];
}

/* The key group of key k at a key_by, whose owner the record goes to. */
static const char *group_of(emitter *e, const mc_op *op, const char *out_key)
{
    if (op->extra.text != NULL)
        return em_strf(e, "op_%s_key_group(w, k)", op->name);
    return em_strf(e, "mstr_key_group(keyhash_%s(&k), w->ctx.key_groups)", out_key);
}

/* Whether a value of type t holds a string (in a field, or a field's field). */
static bool holds_strings(const mc_typeref *t)
{
    if (t->kind != MC_T_RECORD)
        return t->kind == MC_T_STR;
    for (size_t i = 0; i < t->decl->nfields; i++)
        if (holds_strings(&t->decl->fields[i].type))
            return true;
    return false;
}

/* What entry_get points to in a map of values of type t: the value, to change in place, but
 * read-only when it holds strings, which only entry_insert copies into the map (a string set
 * through the pointer would be the batch's, gone with it). */
static const char *lookup_type(emitter *e, const mc_typeref *t)
{
    return holds_strings(t) ? em_strf(e, "const %s", em_type(t)) : em_type(t);
}

/* What a stateful_op's epoch function runs: on_timer for the timers due, then on_epoch. */
static const char *stateful_op_epoch(emitter *e, const mc_op *op)
{
    return em_strf(e, "%s%s%s",
                   mc_op_has_timers(op)
                       ? em_strf(e, "    op_%s_timers_epoch(mstr_b, epoch);\n", op->name) : "",
                   op->clock_timers
                       ? em_strf(e, "    op_%s_clock_epoch(mstr_b, epoch);\n", op->name) : "",
                   op->extra.text != NULL
                       ? em_strf(e, "    op_%s_on_epoch_all(mstr_b, epoch);\n", op->name) : "");
}

/* Whether the records of key_by op i of chain c cross to other workers without their value:
 * the next operator, a count window with no late stream, only counts them by key and time. */
static bool value_stays_behind(const mc_chain *c, size_t i)
{
    const mc_op *next = i + 1 < c->nops ? c->ops[i + 1] : NULL;
    return next != NULL && next->kind == MC_OP_WINDOW && next->agg == MC_AGG_COUNT &&
           next->late_out == NULL;
}

static void emit_op(emitter *e, const mc_plan_op *po)
{
    const mc_op *op = po->op;
    const char *at = em_where(e, op->loc);
    const char *next = next_data(e, po->chain, po->index);
    const char *epoch = next_epoch(e, po->chain, po->index);
    mc_buf body = { 0 }, extra = { 0 }, timer = { 0 };
    if (op->body.text != NULL)
        em_user_block(e, &op->body, true, &body);
    if (op->extra.text != NULL)
        em_user_block(e, &op->extra, true, &extra);
    if (op->timer.text != NULL)
        em_user_block(e, &op->timer, true, &timer);
    bool keys = op->kind == MC_OP_KEY_BY || op->kind == MC_OP_KEY_LOCAL;
    const char *out_key = keys ? em_type(&op->key_type) : em_in_key(op);
    const char *in_type = em_type(&op->in_type);
    bool bare = op->kind == MC_OP_KEY_BY && value_stays_behind(po->chain, po->index);
    const mc_var vars[] = {
        { "name", op->name }, { "where", at }, { "key_type", em_in_key(op) },
        { "in_type", em_type(&op->in_type) },
        { "out_type", op->has_out_type ? em_type(&op->out_type) : em_type(&op->in_type) },
        { "out_key", out_key },
        { "state_type", op->has_state_type ? em_state_type(e, op) : "" },
        { "body", em_text(&body) }, { "epoch_body", em_text(&extra) },
        { "timer_body", em_text(&timer) }, { "next", next },
        { "on_epoch", op->kind == MC_OP_STATEFUL_OP ? stateful_op_epoch(e, op) : "" },
        { "kinds", em_strf(e, "%d", timer_kinds(op)) },
        { "next_epoch", epoch },
        { "exchange", op->kind == MC_OP_KEY_BY
                          ? em_strf(e, "%zu", mc_plan_exchange_index(e->plan, op)) : "" },
        { "group", op->kind == MC_OP_KEY_BY ? group_of(e, op, out_key) : "" },
        { "value_note", bare ? "\n * Records cross without their value: the count window after it ignores it."
                             : "" },
        { "value_len", bare ? "" : em_strf(e, " + enclen_%s(&value)", in_type) },
        { "value_what", bare ? "" : "its value, " },
        { "value_unused", bare ? "    (void)value;\n" : "" },
        { "value_enc", bare ? "" : em_strf(e, "    p = encp_%s(p, &value);\n", in_type) },
        { "value_dec", bare ? "        memset(&value, 0, sizeof value);\n"
                            : em_strf(e, "        dec_%s(r, &value);\n", in_type) },
        { "ninputs", em_strf(e, "%zu", op->nnames + 1) },
        { "behind_counter", op->kind == MC_OP_TIMESTAMPS && !op->processing_time
                                ? em_counter(e, op, MC_COUNTER_BEHIND) : "" },
        { "slot", op->has_state_type ? slot_code(e, op, false, state_slot_fields(e, op)) : "" },
        { "kind", mc_op_kind_name(op->kind) },
        { "what_timers", timers_what(op) },
        { "entry_key", op->state_map ? em_type(&op->map_key) : "" },
        { "entry_value", op->state_map ? em_type(&op->state_type) : "" },
        { "lookup_type", op->state_map ? lookup_type(e, &op->state_type) : "" },
    };
    size_t nvars = sizeof vars / sizeof vars[0];
    if (op->kind == MC_OP_SINK) {
        emit_sink(e, op, at);
    } else if (op->kind == MC_OP_CLONE || op->kind == MC_OP_SPLIT) {
        emit_fanout(e, op, at, vars, nvars);
    } else if (op->kind == MC_OP_EPOCHS) {
        emit_epochs(e, op, em_text(&body), at, next, epoch);
    } else if (op->kind == MC_OP_WINDOW) {
        emit_window(e, op, em_text(&body), at, next, epoch);
    } else if (op->kind == MC_OP_WINDOW_JOIN || op->kind == MC_OP_INTERVAL_JOIN) {
        emit_join(e, op, em_text(&body), at, next, epoch);
    } else {
        if (op->kind == MC_OP_KEY_BY && op->extra.text != NULL)
            em_render(e, "key_by_distribute.c.in",
                      VARS({ "name", op->name }, { "where", at }, { "out_key", out_key },
                           { "body", em_text(&extra) }));
        if (op->state_map)
            em_render(e, "ttl_map_entries.c.in", vars, nvars);
        if (op->has_state_type)
            em_render(e, "state_table.c.in", vars, nvars);
        if (mc_op_has_timers(op))
            em_render(e, "key_timers.c.in", vars, nvars);
        if (mc_op_has_timers(op) && op->kind == MC_OP_STATEFUL_OP)
            em_render(e, "op_stateful_op_timers.c.in", vars, nvars);
        if (op->clock_timers)
            em_render(e, "op_stateful_op_clock.c.in", vars, nvars);
        em_render(e, template_of(op), vars, nvars);
    }
    mc_buf_free(&body);
    mc_buf_free(&extra);
    mc_buf_free(&timer);
}

void em_ops(emitter *e)
{
    for (size_t i = 0; i < e->plan->nops; i++)
        emit_op(e, &e->plan->ops[i]);
}
