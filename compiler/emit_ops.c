/*
 * emit_ops.c - the generated code for streams and operators.
 *
 * Every stream S gets stream_S (a record) and stream_S_epoch (an epoch), which hand what they
 * get to each chain that reads S and each union that merges S in. Every operator N gets op_N
 * (a record: key, value, timestamp) and op_N_epoch (an epoch, with the number of the input it
 * came on, which only a union looks at). An operator calls the next one in its chain directly,
 * or the stream its chain is named as; these direct calls are the fusion.
 */
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
        [MC_OP_UNION] = "op_union.c.in",
    };
    return name[kind];
}

static void emit_op(emitter *e, const mc_chain *c, size_t i)
{
    const mc_op *op = c->ops[i];
    char at[512], next[256], next_epoch[256], exchange[32], route[512], ninputs[32];
    em_where(e, op->loc, at, sizeof at);
    next_of(c, i, next, next_epoch, sizeof next);
    mc_buf body = { 0 }, extra = { 0 };
    if (op->body.text != NULL)
        em_user_block(e, &op->body, true, &body);
    if (op->extra.text != NULL)
        em_user_block(e, &op->extra, true, &extra);
    const char *out_key = op->kind == MC_OP_KEY_BY || op->kind == MC_OP_KEY_LOCAL
                              ? em_type(&op->key_type) : em_in_key(op);
    snprintf(exchange, sizeof exchange, "%zu",
             op->kind == MC_OP_KEY_BY ? em_exchange_index(e, op) : 0);
    snprintf(ninputs, sizeof ninputs, "%zu", op->nnames + 1);
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
        { "ninputs", ninputs },
        { "slot_extra", op->kind == MC_OP_TTL_MAP
                            ? "    int64_t expiry;     /* the epoch at which the state goes */\n"
                              "    bool expires;       /* whether expire_at was called */\n"
                            : "" },
    };
    size_t nvars = sizeof vars / sizeof vars[0];
    if (op->kind == MC_OP_SINK) {
        emit_sink(e, op, at);
    } else if (op->kind == MC_OP_CLONE || op->kind == MC_OP_SPLIT) {
        emit_fanout(e, op, at, vars, nvars);
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
}

void em_ops(emitter *e)
{
    for (size_t i = 0; i < e->nops; i++)
        emit_op(e, e->ops[i].chain, e->ops[i].index);
}
