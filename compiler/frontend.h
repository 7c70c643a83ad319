/*
 * frontend.h - from a .mstr file to a checked syntax tree.
 *
 * mc_parse runs the flex scanner and bison parser (grammar/) over the program's text and builds
 * the tree; mc_check resolves names and types (compiler/check.c). Both report through diag and
 * keep going after an error where the rest of the file can still be understood.
 */
#ifndef MC_FRONTEND_H
#define MC_FRONTEND_H

#include <stdbool.h>

#include "ast.h"
#include "diag.h"

/* Parses prog->src (prog->path, prog->src and prog->src_len must be set; the rest zeroed).
 * Returns true if no syntax error was found. The tree is in prog->pool either way. */
bool mc_parse(mc_program *prog, mc_diag *diag);

/* Checks a parsed program and fills the checker fields of the tree (see ast.h).
 * Returns true if the program has no error. */
bool mc_check(mc_program *prog, mc_diag *diag);

/* Reads the file at path into a fresh program. Returns false (with a message on diag->out,
 * which must be set) if it cannot be read. Fills diag's path/src fields too. */
bool mc_program_load(mc_program *prog, mc_diag *diag, const char *path);

/* Like mc_program_load, for text already in memory: copies the len bytes at text (which may
 * hold any bytes, NULs included) into a fresh program named path, and fills diag's path/src
 * fields. The caller keeps text. Returns false (with a message on diag->out) only for text of
 * 4 GiB or more. */
bool mc_program_from_text(mc_program *prog, mc_diag *diag, const char *path, const char *text,
                          size_t len);

/* The base name of a .mstr path, without directory and extension: "examples/a.mstr" -> "a".
 * It names the job when the file has no job line, the binary and the generated C file. */
void mc_program_base_name(const char *path, char *dst, size_t n);

/* Releases everything the program holds. */
void mc_program_free(mc_program *prog);

#endif
