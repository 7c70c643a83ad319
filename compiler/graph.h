/*
 * graph.h - a checked program's dataflow as a Graphviz DOT graph (`mstrc graph`).
 *
 * One node per source and per operator (its kind, name, what it is made of and its .mstr
 * line), one cluster per fused stage of the plan, and one edge per way records travel: labelled
 * with their type, bold where they cross an exchange (key_by), dashed for the side outputs
 * (late and dead-letter streams). Operators that keep keyed state have a double border. Like
 * the generated C, the output depends on nothing but the program and the path it was given by.
 */
#ifndef MC_GRAPH_H
#define MC_GRAPH_H

#include "ast.h"
#include "buf.h"
#include "plan.h"

/* Appends the DOT graph of prog (which mc_check accepted), whose plan is plan, to out. */
void mc_graph_dot(const mc_program *prog, const mc_plan *plan, mc_buf *out);

#endif
