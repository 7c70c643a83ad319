/*
 * plan.c - the plan of a checked program (see plan.h).
 *
 * Stages are found by joining, in one union-find, every operator with what hands it records
 * directly: the operator before it in its chain, or the producer of the stream its chain reads,
 * a union merges or a join reads on its right. A source (with its dead-letter stream) is a node
 * of its own, and so is each exchange's output side: the edge from a key_by to what follows it
 * goes to that node instead, which is what cuts the graph at exchanges. Stages are numbered in
 * the order of their first operator in the file, so that the plan, like the generated code,
 * depends on nothing but the program.
 */
#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mstr_mem.h"

typedef struct planner {
    mc_plan *plan;
    const mc_program *prog;
    size_t *parent;         /* union-find over nodes: operators, then sources, then exchange
                               outputs */
    size_t nnodes;
} planner;

static size_t find(planner *pl, size_t n)
{
    while (pl->parent[n] != n) {
        pl->parent[n] = pl->parent[pl->parent[n]];
        n = pl->parent[n];
    }
    return n;
}

static void join(planner *pl, size_t a, size_t b)
{
    a = find(pl, a);
    b = find(pl, b);
    if (a != b)
        pl->parent[a > b ? a : b] = a < b ? a : b;
}

static size_t index_of_op(const mc_plan *plan, const mc_op *op)
{
    for (size_t i = 0; i < plan->nops; i++)
        if (plan->ops[i].op == op)
            return i;
    abort(); /* every operator of a checked program is in the plan */
}

static size_t index_of_source(const mc_program *prog, const mc_source *s)
{
    size_t i = 0;
    while (prog->sources[i] != s)
        i++;
    return i;
}

static size_t source_node(const planner *pl, const mc_source *s)
{
    return pl->plan->nops + index_of_source(pl->prog, s);
}

static size_t exchange_node(const planner *pl, size_t x)
{
    return pl->plan->nops + pl->prog->nsources + x;
}

/* The node whose output leaves op: the exchange's output side for a key_by. */
static size_t out_node(const planner *pl, const mc_op *op)
{
    if (op->kind == MC_OP_KEY_BY)
        return exchange_node(pl, mc_plan_exchange_index(pl->plan, op));
    return index_of_op(pl->plan, op);
}

/* The node that produces the records of stream s. */
static size_t producer_node(const planner *pl, const mc_stream *s)
{
    switch (s->origin) {
    case MC_STREAM_SOURCE:
    case MC_STREAM_DEAD_LETTER:
        return source_node(pl, s->source);
    case MC_STREAM_CHAIN:
        if (s->chain->nops == 0)
            return producer_node(pl, s->chain->input);
        return out_node(pl, s->chain->ops[s->chain->nops - 1]);
    case MC_STREAM_OP:
        break;
    }
    return index_of_op(pl->plan, s->op);
}

static void list_ops(mc_plan *plan)
{
    const mc_program *p = plan->prog;
    for (size_t c = 0; c < p->nchains; c++)
        plan->nops += p->chains[c]->nops;
    plan->ops = mstr_alloc_array(plan->nops, sizeof *plan->ops);
    plan->sinks = mstr_alloc_array(plan->nops, sizeof *plan->sinks);
    plan->exchanges = mstr_alloc_array(plan->nops, sizeof *plan->exchanges);
    size_t n = 0;
    for (size_t c = 0; c < p->nchains; c++)
        for (size_t i = 0; i < p->chains[c]->nops; i++) {
            const mc_op *op = p->chains[c]->ops[i];
            plan->ops[n++] = (mc_plan_op){ .op = op, .chain = p->chains[c], .index = i };
            if (op->kind == MC_OP_SINK)
                plan->sinks[plan->nsinks++] = op;
            if (op->kind == MC_OP_KEY_BY)
                plan->exchanges[plan->nexchanges++] = (mc_plan_exchange){ .key_by = op };
        }
}

/* Joins every operator with what hands it records directly (see the top of the file). */
static void connect(planner *pl)
{
    const mc_plan *plan = pl->plan;
    for (size_t i = 0; i < plan->nops; i++) {
        const mc_plan_op *po = &plan->ops[i];
        const mc_op *op = po->op;
        if (po->index > 0)
            join(pl, out_node(pl, po->chain->ops[po->index - 1]), i);
        else
            join(pl, producer_node(pl, po->chain->input), i);
        for (size_t k = 0; op->kind == MC_OP_UNION && k < op->nnames; k++)
            join(pl, producer_node(pl, op->streams[k]), i);
        if (op->other_in != NULL)
            join(pl, producer_node(pl, op->other_in), i);
    }
}

static void push_index(size_t **list, size_t *n, size_t v)
{
    *list = mstr_realloc(*list, (*n + 1) * sizeof **list);
    (*list)[(*n)++] = v;
}

/* Numbers the stages by their first operator in file order and lists what enters each. */
static void number_stages(planner *pl)
{
    mc_plan *plan = pl->plan;
    size_t *stage_of_root = mstr_alloc_array(pl->nnodes, sizeof *stage_of_root);
    for (size_t n = 0; n < pl->nnodes; n++)
        stage_of_root[n] = SIZE_MAX;
    plan->stages = mstr_alloc_array(plan->nops, sizeof *plan->stages);
    for (size_t i = 0; i < plan->nops; i++) {
        size_t root = find(pl, i);
        if (stage_of_root[root] == SIZE_MAX)
            stage_of_root[root] = plan->nstages++;
        plan->ops[i].stage = stage_of_root[root];
    }
    for (size_t s = 0; s < pl->prog->nsources; s++) {
        size_t stage = stage_of_root[find(pl, plan->nops + s)];
        push_index(&plan->stages[stage].sources, &plan->stages[stage].nsources, s);
    }
    for (size_t x = 0; x < plan->nexchanges; x++) {
        mc_plan_exchange *ex = &plan->exchanges[x];
        ex->stage = plan->ops[index_of_op(plan, ex->key_by)].stage;
        ex->into = stage_of_root[find(pl, exchange_node(pl, x))];
        push_index(&plan->stages[ex->into].inputs, &plan->stages[ex->into].ninputs, x);
    }
    free(stage_of_root);
}

static void add_counter(mc_plan *plan, const mc_op *op, mc_counter_kind kind)
{
    static const char *const what[] = {
        [MC_COUNTER_LATE] = "late records dropped",
        [MC_COUNTER_IGNORED] = "candidates ignored",
        [MC_COUNTER_BEHIND] = "records stamped at or below the frontier",
    };
    static const char *const suffix[] = {
        [MC_COUNTER_LATE] = "late", [MC_COUNTER_IGNORED] = "ignored",
        [MC_COUNTER_BEHIND] = "behind",
    };
    plan->counters = mstr_realloc(plan->counters, (plan->ncounters + 1) * sizeof *plan->counters);
    plan->counters[plan->ncounters++] = (mc_plan_counter){
        .op = op, .kind = kind,
        .label = mc_pool_printf(&plan->strings, "%s '%s': %s", mc_op_kind_name(op->kind),
                                op->name, what[kind]),
        .c_name = mc_pool_printf(&plan->strings, "counter_%s_%s", op->name, suffix[kind]),
    };
}

/* Late records are counted where no late stream takes them; epochs with a block count the
 * candidates they ignore, timestamps the records they stamp into the past. */
static void list_counters(mc_plan *plan)
{
    for (size_t i = 0; i < plan->nops; i++) {
        const mc_op *op = plan->ops[i].op;
        switch (op->kind) {
        case MC_OP_EPOCHS:
        case MC_OP_WINDOW:
            if (op->late_out == NULL)
                add_counter(plan, op, MC_COUNTER_LATE);
            if (op->kind == MC_OP_EPOCHS && op->bound == NULL)
                add_counter(plan, op, MC_COUNTER_IGNORED);
            break;
        case MC_OP_WINDOW_JOIN:
        case MC_OP_INTERVAL_JOIN:
            add_counter(plan, op, MC_COUNTER_LATE);
            break;
        case MC_OP_TIMESTAMPS:
            if (!op->processing_time) /* the wall clock's stamps never go back */
                add_counter(plan, op, MC_COUNTER_BEHIND);
            break;
        default:
            break;
        }
    }
}

static void add_field(mc_plan *plan, mc_plan_field f)
{
    plan->fields = mstr_realloc(plan->fields, (plan->nfields + 1) * sizeof *plan->fields);
    plan->fields[plan->nfields++] = f;
    mc_plan_state *last = plan->nstates ? &plan->states[plan->nstates - 1] : NULL;
    if (last == NULL || last->op != f.op) {
        plan->states = mstr_realloc(plan->states, (plan->nstates + 1) * sizeof *plan->states);
        last = &plan->states[plan->nstates++];
        *last = (mc_plan_state){ .op = f.op, .first = plan->nfields - 1 };
    }
    last->count++;
    last->keyed |= f.kind == MC_FIELD_KEYED;
    last->local |= f.kind == MC_FIELD_KEYED && mc_keyer_is_local(f.op->in_keyer);
    last->timed |= f.kind != MC_FIELD_KEYED;
}

static void add_time(mc_plan *plan, const mc_op *op, const char *name, bool starts_at_max)
{
    add_field(plan, (mc_plan_field){ .op = op, .kind = MC_FIELD_TIME, .name = name,
                                     .starts_at_max = starts_at_max });
}

/* What each operator keeps per worker between batches. Checklist: the generated code that
 * uses these fields is in the operator's template (templates/op_*.c.in). */
static void list_fields(mc_plan *plan)
{
    for (size_t i = 0; i < plan->nops; i++) {
        const mc_op *op = plan->ops[i].op;
        switch (op->kind) {
        case MC_OP_STATEFUL_MAP:
        case MC_OP_STATEFUL_OP:
        case MC_OP_TTL_MAP:
            add_field(plan, (mc_plan_field){ .op = op, .kind = MC_FIELD_KEYED });
            if (op->clock_timers) /* what its wall-clock timers' records are stamped after */
                add_time(plan, op, "reached", false);
            break;
        case MC_OP_WINDOW:
            add_field(plan, (mc_plan_field){ .op = op, .kind = MC_FIELD_KEYED });
            add_time(plan, op, "frontier", false);
            if (op->window != MC_WIN_SESSION) /* sessions queue their ends instead */
                add_time(plan, op, "min_end", true);
            break;
        case MC_OP_WINDOW_JOIN:
        case MC_OP_INTERVAL_JOIN:
            add_field(plan, (mc_plan_field){ .op = op, .kind = MC_FIELD_KEYED });
            add_field(plan, (mc_plan_field){ .op = op, .kind = MC_FIELD_FRONTIER, .inputs = 2 });
            add_time(plan, op, "min_end", true);
            break;
        case MC_OP_UNION:
            add_field(plan, (mc_plan_field){ .op = op, .kind = MC_FIELD_FRONTIER,
                                             .inputs = op->nnames + 1 });
            break;
        case MC_OP_TIMESTAMPS:
            add_time(plan, op, "frontier", false);
            if (op->processing_time)
                add_time(plan, op, "clock", false);
            break;
        case MC_OP_EPOCHS:
            add_time(plan, op, "prev", false);
            if (plan->ops[i].by_partition == SIZE_MAX) /* else each partition has its own */
                add_time(plan, op, "max", false);
            break;
        case MC_OP_SINK:
            if (op->sink == MC_SINK_CUSTOM)
                add_field(plan, (mc_plan_field){ .op = op, .kind = MC_FIELD_SINK });
            break;
        default:
            break;
        }
    }
}

/* Whether op hands each record on while it runs for it (and at no other time). */
static bool passes_at_once(const mc_op *op)
{
    switch (op->kind) {
    case MC_OP_MAP:
    case MC_OP_FILTER:
    case MC_OP_FILTER_MAP:
    case MC_OP_FLAT_MAP:
    case MC_OP_INSPECT:
    case MC_OP_INSPECT_FRONTIER:
    case MC_OP_KEY_LOCAL:
    case MC_OP_STATEFUL_MAP:
    case MC_OP_EPOCHS:
    case MC_OP_UNION:
    case MC_OP_CLONE:
    case MC_OP_SPLIT:
        return true;
    case MC_OP_TIMESTAMPS:
        return !op->processing_time;
    default: /* key_by crosses an exchange; the rest emit at epochs or timers too */
        return false;
    }
}

static bool op_fed_by_partitions(const mc_plan *plan, const mc_op *op, bool *sources);

/* Whether stream s's records come straight from the source partition being polled; marks the
 * sources they come from in sources. */
static bool stream_fed_by_partitions(const mc_plan *plan, const mc_stream *s, bool *sources)
{
    if (s->origin == MC_STREAM_SOURCE || s->origin == MC_STREAM_DEAD_LETTER) {
        sources[index_of_source(plan->prog, s->source)] = true;
        return true;
    }
    if (s->origin == MC_STREAM_OP) /* a clone's or split's */
        return op_fed_by_partitions(plan, s->op, sources);
    if (s->chain->nops == 0)
        return stream_fed_by_partitions(plan, s->chain->input, sources);
    const mc_op *last = s->chain->ops[s->chain->nops - 1];
    return passes_at_once(last) && op_fed_by_partitions(plan, last, sources);
}

/* Whether every record that enters op comes straight from the source partition being polled;
 * marks the sources they come from in sources. */
static bool op_fed_by_partitions(const mc_plan *plan, const mc_op *op, bool *sources)
{
    const mc_plan_op *po = mc_plan_op_of(plan, op);
    const mc_op *before = po->index > 0 ? po->chain->ops[po->index - 1] : NULL;
    bool fed = before != NULL ? passes_at_once(before) &&
                                    op_fed_by_partitions(plan, before, sources)
                              : stream_fed_by_partitions(plan, po->chain->input, sources);
    for (size_t k = 0; fed && op->kind == MC_OP_UNION && k < op->nnames; k++)
        fed = stream_fed_by_partitions(plan, op->streams[k], sources);
    return fed;
}

/* Numbers the epochs operators that keep their epochs per partition (mc_plan.npartition_epochs). */
static void list_partition_epochs(mc_plan *plan)
{
    for (size_t i = 0; i < plan->nops; i++) {
        mc_plan_op *po = &plan->ops[i];
        po->by_partition = SIZE_MAX;
        if (po->op->kind != MC_OP_EPOCHS)
            continue;
        bool *sources = mstr_alloc_array(plan->prog->nsources, sizeof *sources);
        if (op_fed_by_partitions(plan, po->op, sources)) {
            po->by_partition = plan->npartition_epochs++;
            po->fed_by = sources;
        } else {
            free(sources);
        }
    }
}

/* Whether op, after an exchange, would see something else if records of some key groups waited
 * while the others and the epochs went on (mc_plan.order_free). */
static bool order_sensitive(const mc_op *op)
{
    switch (op->kind) {
    case MC_OP_EPOCHS:
    case MC_OP_TTL_MAP:
    case MC_OP_INSPECT_FRONTIER:
        return true;
    case MC_OP_STATEFUL_OP:
        return op->extra.text != NULL || op->timer.text != NULL || op->clock_timers;
    default:
        return false;
    }
}

static bool op_after_epochs(const mc_plan *plan, const mc_op *op);

/* Whether stream s's records have passed an epochs operator (or are its late ones). */
static bool stream_after_epochs(const mc_plan *plan, const mc_stream *s)
{
    if (s->origin == MC_STREAM_SOURCE || s->origin == MC_STREAM_DEAD_LETTER)
        return false;
    if (s->origin == MC_STREAM_OP) /* a clone's or split's output, or a late stream */
        return s->op->kind == MC_OP_EPOCHS || op_after_epochs(plan, s->op);
    if (s->chain->nops == 0)
        return stream_after_epochs(plan, s->chain->input);
    const mc_op *last = s->chain->ops[s->chain->nops - 1];
    return last->kind == MC_OP_EPOCHS || op_after_epochs(plan, last);
}

/* Whether some record that enters op has passed an epochs operator. */
static bool op_after_epochs(const mc_plan *plan, const mc_op *op)
{
    const mc_plan_op *po = mc_plan_op_of(plan, op);
    const mc_op *before = po->index > 0 ? po->chain->ops[po->index - 1] : NULL;
    bool after = before != NULL ? before->kind == MC_OP_EPOCHS || op_after_epochs(plan, before)
                                : stream_after_epochs(plan, po->chain->input);
    for (size_t k = 0; !after && op->kind == MC_OP_UNION && k < op->nnames; k++)
        after = stream_after_epochs(plan, op->streams[k]);
    if (!after && op->other_in != NULL)
        after = stream_after_epochs(plan, op->other_in);
    return after;
}

/* mc_plan.order_free. A timestamps operator after an epochs operator may stamp a record at or
 * below an epoch its sender sent before it, which the windows and joins after an exchange take
 * as late only if that epoch reaches them first. */
static void find_order_free(mc_plan *plan)
{
    plan->order_free = true;
    for (size_t i = 0; i < plan->nops; i++) {
        const mc_op *op = plan->ops[i].op;
        if ((plan->stages[plan->ops[i].stage].ninputs > 0 && order_sensitive(op)) ||
            (op->kind == MC_OP_TIMESTAMPS && !op->processing_time &&
             op_after_epochs(plan, op)))
            plan->order_free = false;
    }
}

static bool is_dead_letter(const mc_typeref *t)
{
    return t->kind == MC_T_RECORD && t->decl != NULL && t->decl->builtin &&
           strcmp(t->decl->name, "DeadLetter") == 0;
}

/* Types are emitted when declared in the file or made for a use (Nexmark, Window_T); the
 * built-in DeadLetter only when some source has a dead-letter stream, or a custom source's
 * position or a custom sink's state is one. */
static void list_types(mc_plan *plan)
{
    const mc_program *p = plan->prog;
    bool dead_letters = false;
    for (size_t i = 0; i < p->nsources; i++)
        dead_letters |= p->sources[i]->dead_out != NULL ||
                        (p->sources[i]->kind == MC_SRC_CUSTOM &&
                         is_dead_letter(&p->sources[i]->position));
    for (size_t i = 0; i < plan->nsinks; i++)
        dead_letters |= plan->sinks[i]->sink == MC_SINK_CUSTOM &&
                        is_dead_letter(&plan->sinks[i]->sink_state);
    plan->types_used = mstr_alloc_array(p->ntypes, sizeof *plan->types_used);
    for (size_t i = 0; i < p->ntypes; i++) {
        const mc_typedecl *d = p->types[i];
        plan->types_used[i] = !d->builtin || strcmp(d->name, "DeadLetter") != 0 || dead_letters;
    }
}

void mc_plan_build(const mc_program *prog, mc_plan *plan)
{
    *plan = (mc_plan){ .prog = prog };
    list_ops(plan);
    planner pl = { .plan = plan, .prog = prog };
    pl.nnodes = plan->nops + prog->nsources + plan->nexchanges;
    pl.parent = mstr_alloc_array(pl.nnodes, sizeof *pl.parent);
    for (size_t n = 0; n < pl.nnodes; n++)
        pl.parent[n] = n;
    connect(&pl);
    number_stages(&pl);
    free(pl.parent);
    list_counters(plan);
    list_partition_epochs(plan);
    find_order_free(plan);
    list_fields(plan);
    list_types(plan);
}

void mc_plan_free(mc_plan *plan)
{
    for (size_t s = 0; s < plan->nstages; s++) {
        free(plan->stages[s].sources);
        free(plan->stages[s].inputs);
    }
    mc_pool_free(&plan->strings);
    for (size_t i = 0; i < plan->nops; i++)
        free(plan->ops[i].fed_by);
    free(plan->ops);
    free(plan->stages);
    free(plan->exchanges);
    free(plan->sinks);
    free(plan->counters);
    free(plan->fields);
    free(plan->states);
    free(plan->types_used);
}

const mc_plan_op *mc_plan_op_of(const mc_plan *plan, const mc_op *op)
{
    return &plan->ops[index_of_op(plan, op)];
}

size_t mc_plan_sink_index(const mc_plan *plan, const mc_op *sink)
{
    size_t i = 0;
    while (plan->sinks[i] != sink)
        i++;
    return i;
}

size_t mc_plan_exchange_index(const mc_plan *plan, const mc_op *key_by)
{
    size_t i = 0;
    while (plan->exchanges[i].key_by != key_by)
        i++;
    return i;
}

const mc_plan_counter *mc_plan_counter_of(const mc_plan *plan, const mc_op *op,
                                          mc_counter_kind kind)
{
    size_t i = 0;
    while (plan->counters[i].op != op || plan->counters[i].kind != kind)
        i++;
    return &plan->counters[i];
}
