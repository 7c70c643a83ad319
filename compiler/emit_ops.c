/*
 * emit_ops.c - the generated code for streams and operators.
 *
 * Every stream S gets stream_S (a record) and stream_S_epoch (an epoch), which hand what they
 * get to each chain that reads S and each union that merges S in. Every operator N gets op_N
 * (a record: key, value, timestamp) and op_N_epoch (an epoch, with the number of the input it
 * came on, which only a union looks at). An operator calls the next one in its chain directly,
 * or the stream its chain is named as; these direct calls are the fusion.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_int.h"

/* What a record leaving op i of chain c is handed to (a function name), and the statement
 * that hands it an epoch named `epoch`. */
static void next_of(const mc_chain *c, size_t i, char *data, char *epoch, size_t n)
{
    if (i + 1 < c->nops) {
        snprintf(data, n, "op_%s", c->ops[i + 1]->name);
        snprintf(epoch, n, "op_%s_epoch(mstr_b, 0, epoch)", c->ops[i + 1]->name);
    } else if (c->out != NULL) {
        snprintf(data, n, "stream_%s", c->out->name);
        snprintf(epoch, n, "stream_%s_epoch(mstr_b, epoch)", c->out->name);
    } else {
        snprintf(data, n, "(void)");
        snprintf(epoch, n, "(void)epoch");
    }
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
    char at[512];
    em_where(e, s->loc, at, sizeof at);
    em_render(e, "stream.c.in",
              VARS({ "name", s->name }, { "where", at }, { "type", em_type(&s->type) },
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

static void sink_write(const mc_op *op, mc_buf *b, char *what, size_t n)
{
    const mc_typeref *t = &op->in_type;
    switch (op->sink) {
    case MC_SINK_STDOUT:
        snprintf(what, n, "standard output, as Malstrom prints records");
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
        snprintf(what, n, "lines of text to '%s'", op->path);
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
        snprintf(what, n, "%s to '%s'", op->sink == MC_SINK_CSV ? "CSV rows" : "JSON lines",
                 op->path);
        mc_buf_puts(b, "    ");
        em_value(b, op->sink == MC_SINK_CSV ? EM_CSV : EM_JSON, t, "value");
        mc_buf_puts(b, ";\n    mstr_out_char(o, '\\n');\n");
        break;
    case MC_SINK_NULL:
        snprintf(what, n, "discards records, counting them and summing their hashes");
        mc_buf_printf(b, "    mstr_b->%s_checksum += ", op->name);
        em_value(b, EM_HASH, t, "value");
        mc_buf_puts(b, ";\n");
        return;
    }
    mc_buf_puts(b, "    if (o->len >= MSTR_OUT_RECORD_FLUSH)\n        mstr_out_flush(o);\n");
}

static void emit_sink(emitter *e, const mc_op *op, const char *at)
{
    mc_buf write = { 0 };
    char what[512], index[32];
    sink_write(op, &write, what, sizeof what);
    snprintf(index, sizeof index, "%zu", em_sink_index(e, op));
    em_render(e, "sink.c.in",
              VARS({ "name", op->name }, { "where", at }, { "what", what },
                   { "key_type", em_in_key(op) }, { "in_type", em_type(&op->in_type) },
                   { "index", index }, { "write", em_text(&write) }));
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

/* ---- state slots ---- */

/* Appends to slot the struct of op's table slots and its lookup functions: slots found by key,
 * or (by_window) by key and window start, followed by the operator's own fields. */
static void slot_code(const mc_op *op, bool by_window, const char *fields, mc_buf *slot)
{
    const mc_var vars[] = { { "name", op->name }, { "key_type", em_in_key(op) },
                            { "fields", fields } };
    mc_template_render(slot, by_window ? "slot_by_window.c.in" : "slot_by_key.c.in", vars,
                       sizeof vars / sizeof vars[0], NULL);
}

/* ---- event time ---- */

/* Where a late record goes (the `late` stream, or a counter), into late; and the epoch
 * statement extended so that the late stream, which carries no epochs of its own, still sees
 * the end (MSTR_EPOCH_MAX). */
static void late_parts(emitter *e, const mc_op *op, const char *kind, char *late, char *epoch,
                       size_t n)
{
    if (op->late_out != NULL) {
        snprintf(late, n, "stream_%s(mstr_b, key, value, ts)", op->late_out->name);
        char next[512];
        snprintf(next, sizeof next, "%s", epoch);
        snprintf(epoch, n, "%s;\n    if (epoch == MSTR_EPOCH_MAX)\n        stream_%s_epoch(mstr_b, epoch)",
                 next, op->late_out->name);
    } else {
        snprintf(late, n, "mstr_b->w->counters[%zu]++",
                 em_counter(e, op, kind, "late records dropped"));
    }
}

static void emit_epochs(emitter *e, const mc_op *op, const char *body, const char *at,
                        const char *next, const char *next_epoch)
{
    char late[256], epoch[1024], ignored[128], bound[32], what[128], late_what[128];
    snprintf(epoch, sizeof epoch, "%s", next_epoch);
    late_parts(e, op, "epochs", late, epoch, sizeof epoch);
    if (op->bound != NULL) {
        snprintf(bound, sizeof bound, "INT64_C(%" PRIu64 ")", op->bound->u.i.magnitude);
        snprintf(what, sizeof what, "%s %s", op->periodic ? "periodic, every"
                                                           : "bounded out-of-orderness of", bound);
        snprintf(ignored, sizeof ignored, "(void)0");
        em_render(e, op->periodic ? "epochs_periodic.c.in" : "epochs_bounded.c.in",
                  VARS({ "name", op->name }, { "bound", bound }, { "period", bound },
                       { "key_type", em_in_key(op) }, { "in_type", em_type(&op->in_type) }));
    } else {
        snprintf(what, sizeof what, "the block's candidates");
        snprintf(ignored, sizeof ignored, "mstr_b->w->counters[%zu]++",
                 em_counter(e, op, "epochs", "candidates ignored"));
        em_render(e, "epochs_user.c.in",
                  VARS({ "name", op->name }, { "where", at }, { "key_type", em_in_key(op) },
                       { "in_type", em_type(&op->in_type) }, { "body", body }));
    }
    snprintf(late_what, sizeof late_what, "%s",
             op->late_out ? "it goes to the late stream" : "it is counted and dropped");
    em_render(e, "op_epochs.c.in",
              VARS({ "name", op->name }, { "where", at }, { "what", what },
                   { "late_what", late_what }, { "late", late }, { "ignored", ignored },
                   { "key_type", em_in_key(op) }, { "in_type", em_type(&op->in_type) },
                   { "next", next }, { "next_epoch", epoch }));
}

const char *em_window_acc_type(const mc_op *op)
{
    if (op->agg == MC_AGG_COUNT)
        return "u64";
    if (op->agg == MC_AGG_AVG)
        return "f64";
    return em_type(&op->agg_type);
}

/* How a record updates its window's accumulator at `at` (an expression such as "slot" for a
 * pointer to a slot or session), and what the window's result is. */
static void window_agg(const mc_op *op, const char *at, mc_buf *update, char *result, size_t n)
{
    char agg[256];
    snprintf(agg, sizeof agg, "op_%s_agg(&mstr_b->w->ctx, key, value, ts)", op->name);
    snprintf(result, n, "%s->acc", at);
    switch (op->agg) {
    case MC_AGG_COUNT:
        snprintf(result, n, "%s->count", at);
        break;
    case MC_AGG_AVG: /* the accumulator is the sum, divided when the window fires */
        snprintf(result, n, "%s->acc / (double)%s->count", at, at);
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

static void emit_window(emitter *e, const mc_op *op, const char *body, const char *at,
                        const char *next, const char *next_epoch)
{
    static const char *const agg_name[] = {
        [MC_AGG_COUNT] = "count", [MC_AGG_SUM] = "sum", [MC_AGG_MIN] = "min",
        [MC_AGG_MAX] = "max", [MC_AGG_AVG] = "avg", [MC_AGG_REDUCE] = "reduce",
    };
    char late[256], epoch[1024], size[32], slide[32], what[128], agg_what[64], late_what[128];
    char result[128];
    snprintf(epoch, sizeof epoch, "%s", next_epoch);
    late_parts(e, op, "window", late, epoch, sizeof epoch);
    snprintf(size, sizeof size, "INT64_C(%" PRIu64 ")", op->wargs[0]->u.i.magnitude);
    snprintf(slide, sizeof slide, "INT64_C(%" PRIu64 ")",
             op->wargs[op->window == MC_WIN_SLIDING ? 1 : 0]->u.i.magnitude);
    snprintf(what, sizeof what, "%s windows of %s", op->window == MC_WIN_SLIDING ? "sliding"
                                                                                  : "tumbling",
             size);
    if (op->window == MC_WIN_SLIDING)
        snprintf(what + strlen(what), sizeof what - strlen(what), " every %s", slide);
    snprintf(agg_what, sizeof agg_what, "aggregate %s", agg_name[op->agg]);
    snprintf(late_what, sizeof late_what, "%s",
             op->late_out ? "it goes to the late stream" : "it is counted and dropped");
    const char *acc = em_window_acc_type(op);
    if (op->agg != MC_AGG_COUNT)
        em_render(e, op->agg == MC_AGG_REDUCE ? "window_reduce.c.in" : "window_agg.c.in",
                  VARS({ "name", op->name }, { "where", at }, { "key_type", em_in_key(op) },
                       { "in_type", em_type(&op->in_type) }, { "agg_type", acc },
                       { "body", body }));
    mc_buf update = { 0 }, merge = { 0 }, slot = { 0 };
    if (op->window == MC_WIN_SESSION) {
        char gap[32];
        snprintf(gap, sizeof gap, "INT64_C(%" PRIu64 ")", op->wargs[0]->u.i.magnitude);
        window_agg(op, "session", &update, result, sizeof result);
        session_merge(op, &merge);
        char fields[256];
        snprintf(fields, sizeof fields,
                 "    size_t open;\n    size_t cap;\n    op_%s_session *s;\n", op->name);
        slot_code(op, false, fields, &slot);
        em_render(e, "op_session.c.in",
                  VARS({ "slot", em_text(&slot) }, { "name", op->name }, { "where", at }, { "gap", gap },
                       { "agg_what", agg_what }, { "late_what", late_what }, { "late", late },
                       { "key_type", em_in_key(op) }, { "in_type", em_type(&op->in_type) },
                       { "acc_type", acc }, { "agg_type", acc }, { "update", em_text(&update) },
                       { "merge", em_text(&merge) }, { "result", result }, { "next", next },
                       { "next_epoch", epoch }));
        mc_buf_free(&update);
        mc_buf_free(&merge);
        mc_buf_free(&slot);
        return;
    }
    char fields[256];
    snprintf(fields, sizeof fields, "    int64_t end;\n    uint64_t count;\n    %s acc;\n", acc);
    slot_code(op, true, fields, &slot);
    window_agg(op, "slot", &update, result, sizeof result);
    em_render(e, "op_window.c.in",
              VARS({ "slot", em_text(&slot) }, { "name", op->name }, { "where", at }, { "what", what },
                   { "agg_what", agg_what }, { "late_what", late_what }, { "late", late },
                   { "key_type", em_in_key(op) }, { "in_type", em_type(&op->in_type) },
                   { "acc_type", acc }, { "agg_type", acc }, { "size", size },
                   { "slide", slide }, { "update", em_text(&update) }, { "result", result },
                   { "next", next }, { "next_epoch", epoch }));
    mc_buf_free(&update);
    mc_buf_free(&slot);
}

/* ---- joins ---- */

static void emit_join(emitter *e, const mc_op *op, const char *body, const char *at,
                      const char *next, const char *next_epoch)
{
    bool window = op->kind == MC_OP_WINDOW_JOIN;
    const char *kind = window ? "window_join" : "interval_join";
    char late[32], first[48], second[48];
    snprintf(late, sizeof late, "%zu", em_counter(e, op, kind, "late records dropped"));
    snprintf(first, sizeof first, "INT64_C(%s%" PRIu64 ")", op->wargs[0]->u.i.negative ? "-" : "",
             op->wargs[0]->u.i.magnitude);
    if (op->nwargs > 1)
        snprintf(second, sizeof second, "INT64_C(%s%" PRIu64 ")",
                 op->wargs[1]->u.i.negative ? "-" : "", op->wargs[1]->u.i.magnitude);
    else
        snprintf(second, sizeof second, "0");
    const char *other_type = em_type(&op->other_in->type);
    em_render(e, "join_body.c.in",
              VARS({ "kind", kind }, { "name", op->name }, { "where", at },
                   { "key_type", em_in_key(op) }, { "in_type", em_type(&op->in_type) },
                   { "other_type", other_type }, { "out_type", em_type(&op->out_type) },
                   { "body", body }));
    mc_buf slot = { 0 };
    slot_code(op, window,
              window ? "    mstr_wbuf side[2];      /* 0: this chain's records, 1: the other stream's */\n"
                       "    size_t count[2];\n"
                     : "    mstr_wbuf side[2];      /* 0: this chain's records, 1: the other stream's */\n"
                       "    size_t count[2];\n"
                       "    int64_t prune_at;       /* the least frontier at which an entry here can go: an\n"
                       "                               epoch below it passes the slot by undecoded */\n",
              &slot);
    em_render(e, window ? "op_window_join.c.in" : "op_interval_join.c.in",
              VARS({ "slot", em_text(&slot) }, { "name", op->name }, { "where", at },
                   { "other", op->other_in->name }, { "key_type", em_in_key(op) },
                   { "in_type", em_type(&op->in_type) }, { "other_type", other_type },
                   { "size", first }, { "lower", first }, { "upper", second },
                   { "late_counter", late }, { "next", next }, { "next_epoch", next_epoch }));
    mc_buf_free(&slot);
}

/* ---- every other operator ---- */

static const char *template_of(mc_op_kind kind)
{
    static const char *const name[] = {
        [MC_OP_MAP] = "op_map.c.in", [MC_OP_FILTER] = "op_filter.c.in",
        [MC_OP_FILTER_MAP] = "op_filter_map.c.in", [MC_OP_FLAT_MAP] = "op_flat_map.c.in",
        [MC_OP_INSPECT] = "op_inspect.c.in", [MC_OP_KEY_BY] = "op_key_by.c.in",
        [MC_OP_KEY_LOCAL] = "op_key_local.c.in", [MC_OP_STATEFUL_MAP] = "op_stateful_map.c.in",
        [MC_OP_STATEFUL_OP] = "op_stateful_op.c.in", [MC_OP_TTL_MAP] = "op_ttl_map.c.in",
        [MC_OP_TIMESTAMPS] = "op_timestamps.c.in", [MC_OP_EPOCHS] = "op_epochs.c.in",
        [MC_OP_UNION] = "op_union.c.in", [MC_OP_INSPECT_FRONTIER] = "op_inspect_frontier.c.in",
    };
    return name[kind];
}

static void emit_op(emitter *e, const mc_chain *c, size_t i)
{
    const mc_op *op = c->ops[i];
    char at[512], next[256], next_epoch[256], exchange[32], route[512], ninputs[32], behind[32];
    em_where(e, op->loc, at, sizeof at);
    next_of(c, i, next, next_epoch, sizeof next);
    mc_buf body = { 0 }, extra = { 0 }, slot = { 0 };
    if (op->has_state_type) {
        char fields[256];
        snprintf(fields, sizeof fields, "    %s state;\n%s", em_type(&op->state_type),
                 op->kind == MC_OP_TTL_MAP
                     ? "    int64_t expiry;     /* the epoch at which the state goes */\n"
                       "    bool expires;       /* whether expire_at was called */\n"
                     : "");
        slot_code(op, false, fields, &slot);
    }
    if (op->body.text != NULL)
        em_user_block(e, &op->body, true, &body);
    if (op->extra.text != NULL)
        em_user_block(e, &op->extra, true, &extra);
    const char *out_key = op->kind == MC_OP_KEY_BY || op->kind == MC_OP_KEY_LOCAL
                              ? em_type(&op->key_type) : em_in_key(op);
    snprintf(exchange, sizeof exchange, "%zu",
             op->kind == MC_OP_KEY_BY ? em_exchange_index(e, op) : 0);
    snprintf(ninputs, sizeof ninputs, "%zu", op->nnames + 1);
    snprintf(behind, sizeof behind, "%zu",
             op->kind == MC_OP_TIMESTAMPS
                 ? em_counter(e, op, "timestamps", "records stamped at or below the frontier")
                 : 0);
    if (op->kind == MC_OP_KEY_BY && op->extra.text != NULL)
        snprintf(route, sizeof route, "op_%s_route(w, k)", op->name);
    else
        snprintf(route, sizeof route, "w->owner[mstr_key_group(keyhash_%s(&k))]", out_key);
    const mc_var vars[] = {
        { "name", op->name }, { "where", at }, { "key_type", em_in_key(op) },
        { "in_type", em_type(&op->in_type) },
        { "out_type", op->has_out_type ? em_type(&op->out_type) : em_type(&op->in_type) },
        { "out_key", out_key },
        { "state_type", op->has_state_type ? em_type(&op->state_type) : "" },
        { "body", em_text(&body) }, { "epoch_body", em_text(&extra) }, { "next", next },
        { "next_epoch", next_epoch }, { "exchange", exchange }, { "route", route },
        { "ninputs", ninputs }, { "behind_counter", behind }, { "slot", em_text(&slot) },
    };
    size_t nvars = sizeof vars / sizeof vars[0];
    if (op->kind == MC_OP_SINK) {
        emit_sink(e, op, at);
    } else if (op->kind == MC_OP_CLONE || op->kind == MC_OP_SPLIT) {
        emit_fanout(e, op, at, vars, nvars);
    } else if (op->kind == MC_OP_EPOCHS) {
        emit_epochs(e, op, em_text(&body), at, next, next_epoch);
    } else if (op->kind == MC_OP_WINDOW) {
        emit_window(e, op, em_text(&body), at, next, next_epoch);
    } else if (op->kind == MC_OP_WINDOW_JOIN || op->kind == MC_OP_INTERVAL_JOIN) {
        emit_join(e, op, em_text(&body), at, next, next_epoch);
    } else {
        if (op->kind == MC_OP_KEY_BY && op->extra.text != NULL) {
            mc_var dist[] = { { "name", op->name }, { "where", at }, { "out_key", out_key },
                              { "body", em_text(&extra) } };
            em_render(e, "key_by_distribute.c.in", dist, sizeof dist / sizeof dist[0]);
        }
        if (op->has_state_type)
            em_render(e, "state_table.c.in", vars, nvars);
        em_render(e, template_of(op->kind), vars, nvars);
    }
    mc_buf_free(&body);
    mc_buf_free(&extra);
    mc_buf_free(&slot);
}

void em_ops(emitter *e)
{
    for (size_t i = 0; i < e->nops; i++)
        emit_op(e, e->ops[i].chain, e->ops[i].index);
}
