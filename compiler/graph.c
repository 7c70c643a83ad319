/*
 * graph.c - the DOT graph of a checked program (see graph.h).
 *
 * Nodes are written stage by stage, each stage a cluster holding the sources that feed it and
 * its operators in file order; then the edges, walking the operators in file order and, for
 * each, what hands it records: the operator before it in its chain, or the stream its chain
 * reads, the streams a union merges and a join's right-hand stream. An edge that reads a named
 * stream starts at the stream's producer (a source, the last operator of a chain, a clone or
 * split, the operator whose late stream it is); an empty chain is looked through. Node names
 * are `source_NAME` and `op_NAME`, which cannot clash: sources and operators have unique names.
 *
 * What an argument looks like (a window's size, a range's bounds) is taken from the .mstr text
 * as written, so the graph says `tumbling(60 * 60)` where the user did.
 */
#include "graph.h"

#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "frontend.h"

typedef struct grapher {
    const mc_program *prog;
    const mc_plan *plan;
    mc_buf *out;
    mc_diag where;          /* only for turning offsets into line numbers */
} grapher;

/* How an edge is drawn. */
typedef enum edge_style { EDGE_PLAIN, EDGE_EXCHANGE, EDGE_SIDE } edge_style;

/* Appends the n bytes at s inside a DOT string: quotes and backslashes escaped, a newline as
 * DOT's line break, other control characters as spaces. */
static void put_escaped(mc_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            mc_buf_printf(b, "\\%c", c);
        else if (c == '\n')
            mc_buf_puts(b, "\\n");
        else
            mc_buf_put(b, c < 0x20 ? " " : &s[i], 1);
    }
}

/* Appends the .mstr text under loc, as written. */
static void put_source_text(const grapher *g, mc_buf *b, mc_loc loc)
{
    mc_buf_put(b, g->prog->src + loc.off, loc.len);
}

static unsigned line_of(const grapher *g, mc_loc loc)
{
    unsigned line, col;
    mc_diag_position(&g->where, loc.off, &line, &col);
    return line;
}

static const char *type_name(const mc_typeref *t)
{
    return t->kind == MC_T_RECORD ? t->name : mc_type_kind_name(t->kind);
}

/* Appends `"a", "b"` for a list of paths. */
static void put_paths(mc_buf *b, const char *const *paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mc_buf_printf(b, "%s\"%s\"", i ? ", " : "", paths[i]);
}

/* Appends the literals of a list as written, separated by commas. */
static void put_literals(const grapher *g, mc_buf *b, mc_literal *const *lits, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            mc_buf_puts(b, ", ");
        put_source_text(g, b, lits[i]->loc);
    }
}

/* What a source reads: `lines("a.txt")`, `range(0, 10)`, `list of 4`, ... */
static void put_source_kind(const grapher *g, mc_buf *b, const mc_source *s)
{
    mc_buf_puts(b, mc_source_kind_name(s->kind));
    switch (s->kind) {
    case MC_SRC_LIST:
        mc_buf_printf(b, " of %zu", s->nitems);
        break;
    case MC_SRC_RANGE:
    case MC_SRC_NEXMARK:
        mc_buf_puts(b, "(");
        put_literals(g, b, s->items, s->nitems);
        mc_buf_puts(b, ")");
        break;
    case MC_SRC_LINES:
    case MC_SRC_CSV:
        mc_buf_puts(b, "(");
        put_paths(b, s->paths, s->npaths);
        mc_buf_puts(b, ")");
        break;
    case MC_SRC_CUSTOM:
        mc_buf_puts(b, "(");
        put_literals(g, b, s->items, s->nitems);
        mc_buf_printf(b, ") position %s", type_name(&s->position));
        break;
    case MC_SRC_STDIN:
        break;
    }
    if (s->partitions != NULL) {
        mc_buf_puts(b, " partitions ");
        put_source_text(g, b, s->partitions->loc);
    }
}

/* The line under an operator's name that says what it is made of, if anything. */
static void put_op_detail(const grapher *g, mc_buf *b, const mc_op *op)
{
    switch (op->kind) {
    case MC_OP_SINK:
        mc_buf_puts(b, "\n");
        mc_buf_puts(b, mc_sink_kind_name(op->sink));
        if (op->path != NULL)
            mc_buf_printf(b, "(\"%s\")", op->path);
        if (op->sink == MC_SINK_CUSTOM)
            mc_buf_printf(b, "(%s)", type_name(&op->sink_state));
        break;
    case MC_OP_KEY_BY:
    case MC_OP_KEY_LOCAL:
        mc_buf_printf(b, "\nkey %s", type_name(&op->key_type));
        break;
    case MC_OP_TIMESTAMPS:
        if (op->processing_time)
            mc_buf_puts(b, "\nprocessing_time");
        break;
    case MC_OP_EPOCHS:
        if (op->bound != NULL) {
            mc_buf_printf(b, "\n%s(", op->periodic ? "periodic" : "bounded");
            put_source_text(g, b, op->bound->loc);
            mc_buf_puts(b, ")");
        }
        break;
    case MC_OP_WINDOW:
        mc_buf_puts(b, "\n");
        put_source_text(g, b, op->window_loc);
        mc_buf_printf(b, " %s", mc_agg_kind_name(op->agg));
        break;
    case MC_OP_WINDOW_JOIN:
    case MC_OP_INTERVAL_JOIN:
        mc_buf_puts(b, "\n");
        put_source_text(g, b, op->window_loc);
        mc_buf_printf(b, " with %s", op->other);
        break;
    default:
        break;
    }
}

/* The plan's record of what op keeps, or NULL. */
static const mc_plan_state *state_of(const grapher *g, const mc_op *op)
{
    for (size_t i = 0; i < g->plan->nstates; i++)
        if (g->plan->states[i].op == op)
            return &g->plan->states[i];
    return NULL;
}

/* Writes one node: `    ID [label="...", EXTRA];` where label holds real newlines. */
static void put_node(grapher *g, const char *prefix, const char *name, const mc_buf *label,
                     const char *extra)
{
    mc_buf_printf(g->out, "        %s_%s [label=\"", prefix, name);
    put_escaped(g->out, label->data, label->len);
    mc_buf_printf(g->out, "\"%s];\n", extra);
}

static void put_source_node(grapher *g, const mc_source *s)
{
    mc_buf label = { 0 };
    mc_buf_printf(&label, "source %s\n", s->name);
    put_source_kind(g, &label, s);
    mc_buf_printf(&label, "\nline %u", line_of(g, s->loc));
    put_node(g, "source", s->name, &label, ", shape=invhouse");
    mc_buf_free(&label);
}

static void put_op_node(grapher *g, const mc_op *op)
{
    mc_buf label = { 0 };
    mc_buf_printf(&label, "%s %s", mc_op_kind_name(op->kind), op->name);
    put_op_detail(g, &label, op);
    const mc_plan_state *st = state_of(g, op);
    bool keyed = st != NULL && st->keyed;
    if (keyed && op->state_map)
        mc_buf_printf(&label, "\nstate map<%s, %s>", type_name(&op->map_key),
                      type_name(&op->state_type));
    else if (keyed && op->has_state_type)
        mc_buf_printf(&label, "\nstate %s", type_name(&op->state_type));
    else if (keyed)
        mc_buf_puts(&label, "\nkeyed state");
    if (keyed && st->local)
        mc_buf_puts(&label, " (local)");
    mc_buf_printf(&label, "\nline %u", line_of(g, op->loc));
    const char *extra = op->kind == MC_OP_SINK ? ", shape=house"
                        : keyed                ? ", peripheries=2"
                                               : "";
    put_node(g, "op", op->name, &label, extra);
    mc_buf_free(&label);
}

/* One cluster per stage: the sources that feed it, then its operators in file order. */
static void put_stages(grapher *g)
{
    for (size_t s = 0; s < g->plan->nstages; s++) {
        const mc_plan_stage *stage = &g->plan->stages[s];
        mc_buf_printf(g->out, "    subgraph cluster_stage%zu {\n        label=\"stage %zu\";\n",
                      s, s);
        for (size_t i = 0; i < stage->nsources; i++)
            put_source_node(g, g->prog->sources[stage->sources[i]]);
        for (size_t i = 0; i < g->plan->nops; i++)
            if (g->plan->ops[i].stage == s)
                put_op_node(g, g->plan->ops[i].op);
        mc_buf_puts(g->out, "    }\n");
    }
}

/* Writes an edge from node from_prefix_from_name to op, labelled label (real newlines). */
static void put_edge(grapher *g, const char *from_prefix, const char *from_name, const mc_op *to,
                     const mc_buf *label, edge_style style)
{
    static const char *const attrs[] = {
        [EDGE_PLAIN] = "",
        [EDGE_EXCHANGE] = ", style=bold, color=\"#1f5fbf\"",
        [EDGE_SIDE] = ", style=dashed, color=\"#b03030\"",
    };
    mc_buf_printf(g->out, "    %s_%s -> op_%s [label=\"", from_prefix, from_name, to->name);
    put_escaped(g->out, label->data, label->len);
    mc_buf_printf(g->out, "\"%s];\n", attrs[style]);
}

/* An edge from operator from to operator to; stream names the stream it goes through (NULL
 * within a chain), side says it is a late stream. Records leaving a key_by cross an exchange. */
static void put_op_edge(grapher *g, const mc_op *from, const mc_op *to, const mc_stream *stream,
                        const mc_typeref *type, bool side)
{
    mc_buf label = { 0 };
    if (stream != NULL)
        mc_buf_printf(&label, "%s%s: ", side ? "late " : "", stream->name);
    mc_buf_puts(&label, type_name(type));
    edge_style style = side ? EDGE_SIDE : EDGE_PLAIN;
    if (from->kind == MC_OP_KEY_BY && !side) {
        mc_buf_printf(&label, "\nexchange by %s", type_name(&from->key_type));
        style = EDGE_EXCHANGE;
    }
    put_edge(g, "op", from->name, to, &label, style);
    mc_buf_free(&label);
}

/* An edge from the producer of stream s to operator to. */
static void put_stream_edge(grapher *g, const mc_stream *s, const mc_op *to)
{
    mc_buf label = { 0 };
    switch (s->origin) {
    case MC_STREAM_SOURCE:
        mc_buf_puts(&label, type_name(&s->type));
        put_edge(g, "source", s->source->name, to, &label, EDGE_PLAIN);
        break;
    case MC_STREAM_DEAD_LETTER:
        mc_buf_printf(&label, "dead_letter %s: %s", s->name, type_name(&s->type));
        put_edge(g, "source", s->source->name, to, &label, EDGE_SIDE);
        break;
    case MC_STREAM_CHAIN:
        if (s->chain->nops == 0)
            put_stream_edge(g, s->chain->input, to);
        else
            put_op_edge(g, s->chain->ops[s->chain->nops - 1], to, s, &s->type, false);
        break;
    case MC_STREAM_OP:
        put_op_edge(g, s->op, to, s, &s->type, s->op->late_out == s);
        break;
    }
    mc_buf_free(&label);
}

/* Every edge into every operator, in file order. */
static void put_edges(grapher *g)
{
    for (size_t i = 0; i < g->plan->nops; i++) {
        const mc_plan_op *po = &g->plan->ops[i];
        const mc_op *op = po->op;
        if (po->index > 0)
            put_op_edge(g, po->chain->ops[po->index - 1], op, NULL, &op->in_type, false);
        else
            put_stream_edge(g, po->chain->input, op);
        for (size_t k = 0; op->kind == MC_OP_UNION && k < op->nnames; k++)
            put_stream_edge(g, op->streams[k], op);
        if (op->other_in != NULL)
            put_stream_edge(g, op->other_in, op);
    }
}

void mc_graph_dot(const mc_program *prog, const mc_plan *plan, mc_buf *out)
{
    grapher g = {
        .prog = prog, .plan = plan, .out = out,
        .where = { .path = prog->path, .src = prog->src, .src_len = prog->src_len },
    };
    char job[256];
    if (prog->job.name != NULL)
        snprintf(job, sizeof job, "%s", prog->job.name);
    else
        mc_program_base_name(prog->path, job, sizeof job);
    mc_buf_puts(out, "// The dataflow of ");
    put_escaped(out, prog->path, strlen(prog->path));
    mc_buf_printf(out, ", by mstrc graph.\n"
                       "// Clusters are fused stages; bold edges cross an exchange (key_by), dashed\n"
                       "// ones carry late or dead-letter records; a double border marks keyed state.\n"
                       "digraph \"%s\" {\n"
                       "    graph [fontname=\"Helvetica\", fontsize=10, labeljust=l, "
                       "style=dashed, color=grey50];\n"
                       "    node [fontname=\"Helvetica\", fontsize=10, shape=box, "
                       "style=rounded];\n"
                       "    edge [fontname=\"Helvetica\", fontsize=9];\n",
                  job);
    put_stages(&g);
    put_edges(&g);
    mc_buf_puts(out, "}\n");
}
