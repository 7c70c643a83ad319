/*
 * emit.h - from a checked program and its plan (plan.h) to C.
 *
 * The emitter writes one C file: the record types with their printers, decoders and hashes,
 * one static inline function per operator and per stream, one poll function per source, and
 * the tables that describe the job to the runtime (runtime/mstr_desc.h). All fixed text comes
 * from templates/; this module decides what goes into the markers.
 *
 * Output is deterministic: the same program gives the same bytes (no dates, no absolute paths
 * other than those the user wrote).
 */
#ifndef MC_EMIT_H
#define MC_EMIT_H

#include <stdbool.h>

#include "ast.h"
#include "buf.h"
#include "diag.h"
#include "plan.h"

typedef struct mc_emit_options {
    bool line_directives;   /* #line around user C blocks (on by default) */
    const char *c_name;     /* the generated file's name for #line directives back into it */
} mc_emit_options;

/* Reports what the checker accepts but code generation cannot do yet (joins; reduce on
 * session windows). Returns true if there is none. */
bool mc_emit_supported(const mc_program *prog, mc_diag *diag);

/* Appends the C program for prog (which mc_check accepted and mc_emit_supported too), whose
 * plan is plan, to out. */
void mc_emit(const mc_program *prog, const mc_plan *plan, const mc_emit_options *opt,
             mc_buf *out);

#endif
