/*
 * emit_state.c - the generated code for what each worker keeps between batches, and for
 * snapshots of it: the counters and the job_state struct with its making and freeing (from the
 * plan's fields), and for every operator that keeps something the functions a snapshot writes
 * and restores it with, and the table of them (job_states, runtime/mstr_desc.h).
 *
 * In a snapshot a slot of keyed state is its key (op_N_slot_key, from the slot templates) and
 * its value, which op_N_slot_value writes field by field in the binary encoding: the state of
 * a stateful operator (a ttl_map's map of entries or its one value, and the timer of a
 * stateful_op or a ttl_map); a window's end, count and accumulator; a
 * session window's sessions; a join's two sides as they are kept. An operator's worker fields
 * (times, frontiers) are written in the plan's order. Each also gets a shape: what it keeps,
 * spelled out, so that a snapshot is restored only into an operator that keeps the same.
 *
 * Checklist: the slot fields written here are the ones the operator's template declares
 * (emit_ops.c passes them to slot_code), and the release code frees what the template owns.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_int.h"

/* ---- the per-worker state ------------------------------------------------------------------ */

typedef struct state_parts {
    mc_buf fields, init, free;
    mc_buf release;             /* what the slots of one table hold (op_N_release_slots) */
    mc_buf regroup;             /* forgets what is derived from the slots (job_state_regroup) */
} state_parts;

/* What releasing a slot of op's table takes beyond its key (statements using `slot`). */
static const char *slot_release(emitter *e, const mc_op *op)
{
    switch (op->kind) {
    case MC_OP_WINDOW:
        /* a session slot holds its sessions' array; their accumulators hold no strings, since
         * reduce is refused for sessions */
        if (op->window == MC_WIN_SESSION)
            return "            free(slot->s);\n";
        return em_strf(e, "            release_%s(&slot->acc);\n", em_window_acc_type(op));
    case MC_OP_WINDOW_JOIN:
    case MC_OP_INTERVAL_JOIN:
        return "            mstr_wbuf_free(&slot->side[0]);\n"
               "            mstr_wbuf_free(&slot->side[1]);\n";
    default:
        return em_strf(e, "            release_%s(&slot->state);\n", em_state_type(e, op));
    }
}

/* The keyed state of op: one table per key group, each slot's key released with the slot and
 * then what slot_release says (also when a live rescale sends a key group to another process:
 * op_N_release_slots, runtime/mstr_desc.h). */
static void keyed_tables(emitter *e, const mc_op *op, state_parts *s)
{
    const char *n = op->name;
    mc_buf_printf(&s->fields, "    mstr_table *op_%s; /* per key group */\n", n);
    mc_buf_printf(&s->init, "    st->op_%s = mstr_tables_new(w->ctx.key_groups, sizeof(op_%s_slot));\n",
                  n, n);
    mc_buf_printf(&s->release,
                  "/* Releases what the slots of a table of '%s' hold. */\n"
                  "static void op_%s_release_slots(mstr_table *t)\n"
                  "{\n"
                  "    for (size_t i = 0; i < t->capacity; i++)\n"
                  "        if (mstr_table_full(t, i)) {\n"
                  "            op_%s_slot *slot = mstr_table_slot(t, i);\n"
                  "            release_%s(&slot->key);\n"
                  "%s"
                  "        }\n"
                  "}\n\n",
                  n, n, n, em_in_key(op), slot_release(e, op));
    mc_buf_printf(&s->free,
                  "    for (uint32_t g = 0; g < w->ctx.key_groups; g++)\n"
                  "        op_%s_release_slots(&st->op_%s[g]);\n"
                  "    mstr_tables_free(st->op_%s, w->ctx.key_groups);\n",
                  n, n, n);
    if (!mc_op_has_timers(op))
        return;
    int kinds = op->clock_timers ? 2 : 1;
    mc_buf_printf(&s->fields, "    mstr_timerq op_%s_timers[%d]; /* per kind, built at the first use */\n"
                              "    bool op_%s_timers_built;\n"
                              "    bool op_%s_ended;  /* the end of the stream was reached */\n",
                  n, kinds, n, n);
    mc_buf_printf(&s->init, "    for (int k = 0; k < %d; k++)\n"
                            "        mstr_timerq_init(&st->op_%s_timers[k], sizeof(op_%s_timer));\n",
                  kinds, n, n);
    /* emptying the queues frees them, and leaves them ready to be built again */
    mc_buf empty = { 0 };
    mc_buf_printf(&empty, "    for (int k = 0; k < %d; k++) {\n"
                          "        mstr_timerq *q = &st->op_%s_timers[k];\n"
                          "        for (size_t i = 0; i < q->count; i++)\n"
                          "            release_%s(&((op_%s_timer *)mstr_timerq_at(q, i))->key);\n"
                          "        mstr_timerq_free(q);\n"
                          "    }\n",
                  kinds, n, em_in_key(op), n);
    mc_buf_puts(&s->free, em_text(&empty));
    mc_buf_printf(&s->regroup, "%s    st->op_%s_timers_built = false;\n", em_text(&empty), n);
    mc_buf_free(&empty);
}

static void state_field(emitter *e, const mc_plan_field *f, state_parts *s)
{
    const char *n = f->op->name;
    switch (f->kind) {
    case MC_FIELD_KEYED:
        keyed_tables(e, f->op, s);
        return;
    case MC_FIELD_TIME:
        mc_buf_printf(&s->fields, "    int64_t op_%s_%s;\n", n, f->name);
        mc_buf_printf(&s->init, "    st->op_%s_%s = %s;\n", n, f->name,
                      f->starts_at_max ? "MSTR_EPOCH_MAX" : "MSTR_EPOCH_MIN");
        return;
    case MC_FIELD_FRONTIER:
        mc_buf_printf(&s->fields, "    mstr_frontier op_%s_inputs;\n"
                                  "    int64_t op_%s_inputs_in[%zu];\n", n, n, f->inputs);
        mc_buf_printf(&s->init, "    mstr_frontier_init(&st->op_%s_inputs, st->op_%s_inputs_in, %zu);\n",
                      n, n, f->inputs);
        return;
    case MC_FIELD_SINK: /* zero at first, as job_state_new makes it */
        mc_buf_printf(&s->fields, "    %s op_%s_state;   /* custom sink: its state now, */\n"
                                  "    %s op_%s_cut;     /* as at the last cut (in snapshots), */\n"
                                  "    void *op_%s_handle;   /* and what its blocks keep open */\n",
                      em_type(&f->op->sink_state), n, em_type(&f->op->sink_state), n, n);
        mc_buf_printf(&s->free, "    release_%s(&st->op_%s_state);\n"
                                "    release_%s(&st->op_%s_cut);\n",
                      em_type(&f->op->sink_state), n, em_type(&f->op->sink_state), n);
        return;
    }
}

static void collect_state(emitter *e, state_parts *s)
{
    for (size_t i = 0; i < e->plan->nfields; i++)
        state_field(e, &e->plan->fields[i], s);
}

static void state_parts_free(state_parts *s)
{
    mc_buf_free(&s->fields);
    mc_buf_free(&s->init);
    mc_buf_free(&s->free);
    mc_buf_free(&s->release);
    mc_buf_free(&s->regroup);
}

void em_state_struct(emitter *e)
{
    state_parts s = { 0 };
    collect_state(e, &s);
    mc_buf counters = { 0 };
    for (size_t i = 0; i < e->plan->ncounters; i++)
        mc_buf_printf(&counters, "    %s,\n", e->plan->counters[i].c_name);
    em_render(e, "state_struct.c.in",
              VARS({ "fields", em_text(&s.fields) }, { "counters", em_text(&counters) }));
    mc_buf_free(&counters);
    state_parts_free(&s);
}

void em_state_fns(emitter *e)
{
    state_parts s = { 0 };
    collect_state(e, &s);
    em_render(e, "state_fns.c.in", VARS({ "release", em_text(&s.release) },
                                        { "init", em_text(&s.init) }, { "free", em_text(&s.free) },
                                        { "regroup", em_text(&s.regroup) }));
    state_parts_free(&s);
}

/* ---- shapes ------------------------------------------------------------------------------- */

/* A type spelled out: a scalar's name, a record's name and fields. */
static void type_shape(mc_buf *b, const mc_typeref *t)
{
    if (t->kind != MC_T_RECORD) {
        mc_buf_puts(b, mc_type_kind_name(t->kind));
        return;
    }
    mc_buf_printf(b, "%s{", t->name);
    for (size_t i = 0; i < t->decl->nfields; i++) {
        mc_buf_printf(b, "%s%s:", i ? "," : "", t->decl->fields[i].name);
        type_shape(b, &t->decl->fields[i].type);
    }
    mc_buf_puts(b, "}");
}

const char *em_type_shape(emitter *e, const mc_typeref *t)
{
    mc_buf b = { 0 };
    type_shape(&b, t);
    const char *shape = em_strf(e, "%s", em_text(&b));
    mc_buf_free(&b);
    return shape;
}

static const char *int_text(emitter *e, const mc_literal *lit)
{
    return em_strf(e, "%s%" PRIu64, lit->u.i.negative ? "-" : "", lit->u.i.magnitude);
}

/* What op keeps, spelled out: its kind and the arguments that give its state a meaning, its
 * key's type, and the types of what its slots hold. */
static const char *op_shape(emitter *e, const mc_op *op)
{
    mc_buf b = { 0 };
    mc_buf_puts(&b, mc_op_kind_name(op->kind));
    if (op->kind == MC_OP_SINK) { /* a custom sink: its state, whatever the records' key */
        mc_buf_puts(&b, "(custom) state ");
        type_shape(&b, &op->sink_state);
        const char *shape = em_strf(e, "%s", em_text(&b));
        mc_buf_free(&b);
        return shape;
    }
    if (op->kind == MC_OP_WINDOW)
        mc_buf_printf(&b, "(%s %s%s%s) %s", mc_window_kind_name(op->window),
                      int_text(e, op->wargs[0]), op->nwargs > 1 ? " " : "", op->nwargs > 1 ? int_text(e, op->wargs[1]) : "",
                      mc_agg_kind_name(op->agg));
    else if (op->kind == MC_OP_WINDOW_JOIN)
        mc_buf_printf(&b, "(tumbling %s)", int_text(e, op->wargs[0]));
    else if (op->kind == MC_OP_INTERVAL_JOIN && op->until_field != NULL)
        mc_buf_printf(&b, "(between %s until %s)", int_text(e, op->wargs[0]), op->until_field);
    else if (op->kind == MC_OP_INTERVAL_JOIN)
        mc_buf_printf(&b, "(between %s %s)", int_text(e, op->wargs[0]), int_text(e, op->wargs[1]));
    else if (op->kind == MC_OP_EPOCHS && op->bound != NULL)
        mc_buf_printf(&b, "(%s %" PRIu64 ")", op->periodic ? "periodic" : "bounded",
                      op->bound->u.i.magnitude);
    else if (op->kind == MC_OP_UNION)
        mc_buf_printf(&b, "(%zu inputs)", op->nnames + 1);
    else if (op->kind == MC_OP_TIMESTAMPS && op->processing_time)
        mc_buf_puts(&b, "(processing_time)");
    if (op->kind == MC_OP_EPOCHS && mc_plan_op_of(e->plan, op)->by_partition != SIZE_MAX)
        mc_buf_puts(&b, " per partition"); /* its worker fields hold less */
    if (op->in_keyed) {
        mc_buf_puts(&b, " key ");
        type_shape(&b, &op->in_key);
    }
    if (op->has_state_type) {
        mc_buf_puts(&b, " state ");
        if (op->state_map) {
            mc_buf_puts(&b, "map<");
            type_shape(&b, &op->map_key);
            mc_buf_puts(&b, ",");
        }
        type_shape(&b, &op->state_type);
        mc_buf_puts(&b, op->state_map ? ">" : "");
        if (mc_op_has_timers(op))
            mc_buf_puts(&b, op->clock_timers ? " timer i64 clock i64" : " timer i64");
    } else if (op->kind == MC_OP_WINDOW) {
        mc_buf_printf(&b, " acc %s", em_window_acc_type(op));
    } else if (op->other_in != NULL) {
        mc_buf_puts(&b, " left ");
        type_shape(&b, &op->in_type);
        mc_buf_puts(&b, " right ");
        type_shape(&b, &op->other_in->type);
    }
    const char *shape = em_strf(e, "%s", em_text(&b));
    mc_buf_free(&b);
    return shape;
}

/* ---- keyed state in snapshots ------------------------------------------------------------ */

/* The statements that write a slot's value, decode it into tmp (from value), free what a
 * decoded tmp holds when it is not kept, and make the slot own what it took from tmp. */
typedef struct slot_codec {
    mc_buf encode, decode, drop, own;
} slot_codec;

/* A join side (or all of them): its records' count, then its bytes as they are kept. */
static void join_codec(const mc_op *op, slot_codec *c)
{
    mc_buf_puts(&c->encode, "    mstr_put_le(b, slot->count[0], 8);\n"
                            "    mstr_put_le(b, slot->count[1], 8);\n");
    mc_buf_puts(&c->decode, "    tmp.count[0] = (size_t)mstr_get_le(value, 8);\n"
                            "    tmp.count[1] = (size_t)mstr_get_le(value, 8);\n");
    if (op->kind == MC_OP_INTERVAL_JOIN) {
        mc_buf_puts(&c->encode, "    mstr_put_le(b, (uint64_t)slot->prune_at, 8);\n");
        mc_buf_puts(&c->decode, "    tmp.prune_at = (int64_t)mstr_get_le(value, 8);\n");
    }
    mc_buf_puts(&c->encode,
                "    for (int k = 0; k < 2; k++) {\n"
                "        mstr_put_le(b, slot->side[k].len, 8);\n"
                "        mstr_put_bytes(b, slot->side[k].data, slot->side[k].len);\n"
                "    }\n");
    mc_buf_puts(&c->decode,
                "    for (int k = 0; k < 2 && !value->error; k++) {\n"
                "        uint64_t len = mstr_get_le(value, 8);\n"
                "        if (len > (uint64_t)(value->end - value->p)) {\n"
                "            value->error = true;\n"
                "            break;\n"
                "        }\n"
                "        mstr_put_bytes(&tmp.side[k], value->p, (size_t)len);\n"
                "        value->p += len;\n"
                "    }\n");
    mc_buf_puts(&c->drop, "        mstr_wbuf_free(&tmp.side[0]);\n"
                          "        mstr_wbuf_free(&tmp.side[1]);\n");
}

static void session_codec(const char *acc, slot_codec *c)
{
    mc_buf_printf(&c->encode,
                  "    mstr_put_le(b, slot->open, 8);\n"
                  "    for (size_t i = 0; i < slot->open; i++) {\n"
                  "        mstr_put_le(b, (uint64_t)slot->s[i].start, 8);\n"
                  "        mstr_put_le(b, (uint64_t)slot->s[i].end, 8);\n"
                  "        mstr_put_le(b, slot->s[i].count, 8);\n"
                  "        enc_%s(b, &slot->s[i].acc);\n"
                  "    }\n", acc);
    mc_buf_printf(&c->decode,
                  "    tmp.open = (size_t)mstr_get_le(value, 8);\n"
                  "    if (tmp.open > (size_t)(value->end - value->p) / 24) /* 24 bytes at least each */\n"
                  "        value->error = true;\n"
                  "    tmp.cap = value->error ? 0 : tmp.open;\n"
                  "    tmp.s = mstr_alloc_array(tmp.cap, sizeof *tmp.s);\n"
                  "    for (size_t i = 0; i < tmp.cap; i++) {\n"
                  "        tmp.s[i].start = (int64_t)mstr_get_le(value, 8);\n"
                  "        tmp.s[i].end = (int64_t)mstr_get_le(value, 8);\n"
                  "        tmp.s[i].count = mstr_get_le(value, 8);\n"
                  "        dec_%s(value, &tmp.s[i].acc);\n"
                  "        if (!tmp.armed[0] || tmp.s[i].end - 1 < tmp.timer[0])\n"
                  "            tmp.timer[0] = tmp.s[i].end - 1; /* the key's timer: not kept */\n"
                  "        tmp.armed[0] = true;\n"
                  "    }\n", acc);
    mc_buf_puts(&c->drop, "        free(tmp.s);\n");
}

static void slot_codec_of(emitter *e, const mc_op *op, slot_codec *c)
{
    const char *acc = em_window_acc_type(op);
    switch (op->kind) {
    case MC_OP_WINDOW:
        if (op->window == MC_WIN_SESSION) {
            session_codec(acc, c);
            return;
        }
        mc_buf_printf(&c->encode, "    mstr_put_le(b, (uint64_t)slot->end, 8);\n"
                                  "    mstr_put_le(b, slot->count, 8);\n"
                                  "    enc_%s(b, &slot->acc);\n", acc);
        mc_buf_printf(&c->decode, "    tmp.end = (int64_t)mstr_get_le(value, 8);\n"
                                  "    tmp.count = mstr_get_le(value, 8);\n"
                                  "    dec_%s(value, &tmp.acc);\n", acc);
        mc_buf_printf(&c->own, "    own_%s(&slot->acc, &tmp.acc);\n", acc);
        return;
    case MC_OP_WINDOW_JOIN:
    case MC_OP_INTERVAL_JOIN:
        join_codec(op, c);
        return;
    default:
        break;
    }
    const char *state = em_state_type(e, op);
    mc_buf_printf(&c->encode, "    enc_%s(b, &slot->state);\n", state);
    mc_buf_printf(&c->decode, "    dec_%s(value, &tmp.state);\n", state);
    mc_buf_printf(&c->own, "    own_%s(&slot->state, &tmp.state);\n", state);
    if (op->state_map) /* decoding allocates the entries' array, which own takes over */
        mc_buf_puts(&c->drop, "        free(tmp.state.entries);\n");
    if (mc_op_has_timers(op)) {
        int kinds = op->clock_timers ? 2 : 1;
        mc_buf_printf(&c->encode, "    for (int k = 0; k < %d; k++) {\n"
                                  "        mstr_put_le(b, slot->armed[k] ? 1 : 0, 1);\n"
                                  "        mstr_put_le(b, (uint64_t)slot->timer[k], 8);\n"
                                  "    }\n", kinds);
        mc_buf_printf(&c->decode, "    for (int k = 0; k < %d; k++) {\n"
                                  "        tmp.armed[k] = mstr_get_le(value, 1) != 0;\n"
                                  "        tmp.timer[k] = (int64_t)mstr_get_le(value, 8);\n"
                                  "    }\n", kinds);
    }
}

static bool by_window(const mc_op *op)
{
    return op->kind == MC_OP_WINDOW_JOIN ||
           (op->kind == MC_OP_WINDOW && op->window != MC_WIN_SESSION);
}

static void emit_keyed_snapshot(emitter *e, const mc_op *op)
{
    slot_codec c = { 0 };
    slot_codec_of(e, op, &c);
    em_render(e, "snapshot_keyed.c.in",
              VARS({ "name", op->name }, { "key_type", em_in_key(op) },
                   { "key_extra", by_window(op) ? "    tmp.start = (int64_t)mstr_get_le(key, 8);\n"
                                                : "" },
                   { "encode", em_text(&c.encode) }, { "decode", em_text(&c.decode) },
                   { "drop", em_text(&c.drop) }, { "own", em_text(&c.own) }));
    mc_buf_free(&c.encode);
    mc_buf_free(&c.decode);
    mc_buf_free(&c.drop);
    mc_buf_free(&c.own);
}

/* ---- worker fields in snapshots -------------------------------------------------------------- */

static void emit_fields_snapshot(emitter *e, const mc_plan_state *st)
{
    mc_buf encode = { 0 }, decode = { 0 };
    const char *n = st->op->name;
    for (size_t i = st->first; i < st->first + st->count; i++) {
        const mc_plan_field *f = &e->plan->fields[i];
        if (f->kind == MC_FIELD_TIME) {
            mc_buf_printf(&encode, "    mstr_put_le(b, (uint64_t)st->op_%s_%s, 8);\n", n, f->name);
            mc_buf_printf(&decode, "    st->op_%s_%s = (int64_t)mstr_get_le(r, 8);\n", n, f->name);
        } else if (f->kind == MC_FIELD_SINK) {
            const char *t = em_type(&f->op->sink_state);
            mc_buf_printf(&encode, "    enc_%s(b, &st->op_%s_cut);\n", t, n);
            mc_buf_printf(&decode, "    {\n"
                                   "        %s tmp;\n"
                                   "        memset(&tmp, 0, sizeof tmp);\n"
                                   "        dec_%s(r, &tmp);\n"
                                   "        if (r->error)\n"
                                   "            return false;\n"
                                   "        release_%s(&st->op_%s_state);\n"
                                   "        own_%s(&st->op_%s_state, &tmp);\n"
                                   "        release_%s(&st->op_%s_cut);\n"
                                   "        own_%s(&st->op_%s_cut, &tmp);\n"
                                   "    }\n", t, t, t, n, t, n, t, n, t, n);
        } else if (f->kind == MC_FIELD_FRONTIER) {
            mc_buf_printf(&encode, "    for (size_t i = 0; i < %zu; i++)\n"
                                   "        mstr_put_le(b, (uint64_t)st->op_%s_inputs_in[i], 8);\n"
                                   "    mstr_put_le(b, (uint64_t)st->op_%s_inputs.out, 8);\n",
                          f->inputs, n, n);
            mc_buf_printf(&decode, "    for (size_t i = 0; i < %zu; i++)\n"
                                   "        st->op_%s_inputs_in[i] = (int64_t)mstr_get_le(r, 8);\n"
                                   "    st->op_%s_inputs.out = (int64_t)mstr_get_le(r, 8);\n",
                          f->inputs, n, n);
        }
    }
    em_render(e, "snapshot_fields.c.in",
              VARS({ "name", n }, { "encode", em_text(&encode) }, { "decode", em_text(&decode) }));
    mc_buf_free(&encode);
    mc_buf_free(&decode);
}

/* Whether st's worker fields hold a custom sink's state. */
static bool keeps_sink_state(const emitter *e, const mc_plan_state *st)
{
    for (size_t i = st->first; i < st->first + st->count; i++)
        if (e->plan->fields[i].kind == MC_FIELD_SINK)
            return true;
    return false;
}

void em_state_snapshots(emitter *e)
{
    mc_buf table = { 0 };
    for (size_t i = 0; i < e->plan->nstates; i++) {
        const mc_plan_state *st = &e->plan->states[i];
        const char *n = st->op->name;
        if (st->keyed)
            emit_keyed_snapshot(e, st->op);
        if (st->timed)
            emit_fields_snapshot(e, st);
        mc_buf_printf(&table, "    {\n        .op = \"%s\",\n        .shape = %s,\n", n,
                      em_c_literal(e, op_shape(e, st->op)));
        if (st->local)
            mc_buf_puts(&table, "        .local = true,\n");
        if (st->keyed)
            mc_buf_printf(&table, "        .tables = op_%s_tables,\n        .slot_key = op_%s_slot_key,\n"
                                  "        .slot_value = op_%s_slot_value,\n"
                                  "        .restore_slot = op_%s_restore_slot,\n"
                                  "        .release_slots = op_%s_release_slots,\n", n, n, n, n, n);
        if (st->timed)
            mc_buf_printf(&table, "        .fields = op_%s_fields,\n"
                                  "        .restore_fields = op_%s_restore_fields,\n", n, n);
        if (keeps_sink_state(e, st))
            mc_buf_puts(&table, "        .sink_state = true,\n");
        mc_buf_puts(&table, "    },\n");
    }
    if (e->plan->nstates == 0)
        mc_buf_puts(&table, "    { 0 }, /* C wants an element; the job keeps nothing */\n");
    em_render(e, "states.c.in", VARS({ "states", em_text(&table) }));
    mc_buf_free(&table);
}
