/*
 * diag.c - printing diagnostics against a .mstr file (see diag.h).
 *
 * Every message has gcc's shape: `path:line:col: error: message`, then the source line behind
 * a right-aligned line number, then a caret line that underlines the span (`^` on its first
 * byte, `~` on the rest, clipped at the end of the line). Locations arrive as byte offsets and
 * are turned into line:column only here, by counting newlines from the start of the file; a
 * compiler reports a handful of errors, so nothing is cached.
 *
 * Output is bounded whatever the input: after MC_DIAG_MAX_ERRORS errors the rest are counted
 * but not printed (a file of binary junk would otherwise print an error per byte, each with its
 * line: 20 KB of '@' on one line took two minutes and printed 600 MB), and a line longer than
 * EXCERPT_WIDTH is shown as a window of that many bytes around the caret, with "..." where it
 * is cut.
 */
#include "diag.h"

#include <stdarg.h>
#include <string.h>

enum { EXCERPT_WIDTH = 160, EXCERPT_BEFORE = 80 };

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

/* The part [*from, *to) of the line [start, end) to show for a caret at off: all of it, or
 * EXCERPT_WIDTH bytes that start EXCERPT_BEFORE bytes before the caret (or fewer, at the
 * start of the line; or more, so that a window at the end of the line is full). */
static void excerpt_window(size_t start, size_t end, size_t off, size_t *from, size_t *to)
{
    *from = start;
    *to = end;
    if (end - start <= EXCERPT_WIDTH)
        return;
    if (off - start > EXCERPT_BEFORE)
        *from = off - EXCERPT_BEFORE;
    if (end - *from > EXCERPT_WIDTH)
        *to = *from + EXCERPT_WIDTH;
    else
        *from = end - EXCERPT_WIDTH;
}

/* Prints the source line holding loc (or its window around loc) and the caret line under
 * loc's span. */
static void print_excerpt(const mc_diag *d, mc_loc loc, unsigned line, unsigned col)
{
    size_t off = loc.off > d->src_len ? d->src_len : loc.off;
    size_t start = off - (col - 1);
    size_t end = line_end(d, start);
    size_t from, to;
    excerpt_window(start, end, off, &from, &to);
    const char *head = from > start ? "..." : "";
    fprintf(d->out, "%5u | %s%.*s%s\n", line, head, (int)(to - from), d->src + from,
            to < end ? "..." : "");
    fprintf(d->out, "      | %*s", (int)strlen(head), "");
    for (size_t i = from; i < off; i++)
        fputc(d->src[i] == '\t' ? '\t' : ' ', d->out);
    fputc('^', d->out);
    size_t span_end = off + (loc.len > 0 ? loc.len : 1);
    if (span_end > to)
        span_end = to;
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
    d->errors++;
    if (d->errors > MC_DIAG_MAX_ERRORS) {
        if (d->errors == MC_DIAG_MAX_ERRORS + 1)
            fprintf(d->out, "%s: note: more than %d errors; the rest are not shown\n", d->path,
                    MC_DIAG_MAX_ERRORS);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    report(d, loc, "error", fmt, ap);
    va_end(ap);
}

void mc_note(mc_diag *d, mc_loc loc, const char *fmt, ...)
{
    if (d->errors > MC_DIAG_MAX_ERRORS)
        return;   /* its error was not shown */
    va_list ap;
    va_start(ap, fmt);
    report(d, loc, "note", fmt, ap);
    va_end(ap);
}
