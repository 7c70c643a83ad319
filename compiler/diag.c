/*
 * diag.c - printing diagnostics against a .mstr file (see diag.h).
 *
 * Every message has gcc's shape: `path:line:col: error: message`, then the source line behind
 * a right-aligned line number, then a caret line that underlines the span (`^` on its first
 * byte, `~` on the rest, clipped at the end of the line). Locations arrive as byte offsets and
 * are turned into line:column only here, by counting newlines from the start of the file; a
 * compiler reports a handful of errors, so nothing is cached.
 */
#include "diag.h"

#include <stdarg.h>

void mc_diag_position(const mc_diag *d, uint32_t off, unsigned *line, unsigned *col)
{
    unsigned l = 1;
    size_t line_start = 0;
    if (off > d->src_len)
        off = (uint32_t)d->src_len;
    for (size_t i = 0; i < off; i++) {
        if (d->src[i] == '\n') {
            l++;
            line_start = i + 1;
        }
    }
    *line = l;
    *col = (unsigned)(off - line_start + 1);
}

/* The end of the line that holds byte line_start (exclusive, before any "\r\n"). */
static size_t line_end(const mc_diag *d, size_t line_start)
{
    size_t end = line_start;
    while (end < d->src_len && d->src[end] != '\n')
        end++;
    if (end > line_start && d->src[end - 1] == '\r')
        end--;
    return end;
}

/* Prints the source line holding loc and the caret line under loc's span. */
static void print_excerpt(const mc_diag *d, mc_loc loc, unsigned line, unsigned col)
{
    size_t off = loc.off > d->src_len ? d->src_len : loc.off;
    size_t start = off - (col - 1);
    size_t end = line_end(d, start);
    fprintf(d->out, "%5u | %.*s\n", line, (int)(end - start), d->src + start);
    fprintf(d->out, "      | ");
    for (size_t i = start; i < off; i++)
        fputc(d->src[i] == '\t' ? '\t' : ' ', d->out);
    fputc('^', d->out);
    size_t span_end = off + (loc.len > 0 ? loc.len : 1);
    if (span_end > end)
        span_end = end;
    for (size_t i = off + 1; i < span_end; i++)
        fputc('~', d->out);
    fputc('\n', d->out);
}

static void report(mc_diag *d, mc_loc loc, const char *kind, const char *fmt, va_list ap)
{
    unsigned line, col;
    mc_diag_position(d, loc.off, &line, &col);
    fprintf(d->out, "%s:%u:%u: %s: ", d->path, line, col, kind);
    vfprintf(d->out, fmt, ap);
    fputc('\n', d->out);
    print_excerpt(d, loc, line, col);
}

void mc_error(mc_diag *d, mc_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(d, loc, "error", fmt, ap);
    va_end(ap);
    d->errors++;
}

void mc_note(mc_diag *d, mc_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(d, loc, "note", fmt, ap);
    va_end(ap);
}
