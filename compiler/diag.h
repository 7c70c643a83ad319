/*
 * diag.h - diagnostics against a .mstr file.
 *
 * The one place that prints `file:line:col: error: message`, the source line and a caret
 * underline (`^~~~` over the span). Every compiler pass reports through it, so every message
 * has the same shape:
 *
 *     bad.mstr:3:8: error: unknown stream 'wrods'
 *         3 | wrods |> sink out = stdout;
 *           | ^~~~~
 *
 * Columns count bytes from 1; a tab in the source line is kept in the underline's padding so
 * the caret lines up in a terminal.
 */
#ifndef MC_DIAG_H
#define MC_DIAG_H

#include <stdio.h>

#include "ast.h"

typedef struct mc_diag {
    const char *path;  /* as given on the command line */
    const char *src;   /* the file's text */
    size_t src_len;
    FILE *out;         /* where messages go (stderr in mstrc) */
    int errors;        /* count of errors reported so far */
} mc_diag;

/* Errors printed at most; the ones after are counted, and a note says there were more. */
enum { MC_DIAG_MAX_ERRORS = 20 };

/* Reports an error at loc (printf-style message, no trailing newline) and counts it. Only the
 * first MC_DIAG_MAX_ERRORS are printed. */
void mc_error(mc_diag *d, mc_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reports a note attached to the previous error (not counted; not printed if that error was
 * not). */
void mc_note(mc_diag *d, mc_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Computes the 1-based line and column of byte offset off. */
void mc_diag_position(const mc_diag *d, uint32_t off, unsigned *line, unsigned *col);

#endif
