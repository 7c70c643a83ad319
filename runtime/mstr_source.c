/*
 * mstr_source.c - the built-in text sources (see mstr_source.h).
 *
 * A CSV partition's header is read when it opens; from then on each row is checked to have as
 * many fields as the header before its fields are handed out in the source's leaf order. Bad
 * input never stops a job: it is reported (the first MSTR_REPORT_LIMIT per partition), counted
 * and passed on as text for the dead-letter stream.
 */
#include "mstr_source.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mstr_mem.h"
#include "mstr_worker.h"

/* Messages show at most this many bytes of a field of the input. */
enum { SHOWN_BYTES = 64 };

/* Room for a field as show_text writes it: each byte may take four, plus the tail. */
enum { SHOWN_ROOM = 4 * SHOWN_BYTES + 32 };

/* The two-character escape show_text writes for c, or NULL. */
static const char *shown_escape(unsigned char c)
{
    switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\t': return "\\t";
    case '\r': return "\\r";
    case '\n': return "\\n";
    case '\0': return "\\0";
    default: return NULL;
    }
}

/* Writes s into out (SHOWN_ROOM bytes) as a message shows it: in double quotes, with quotes,
 * backslashes and every byte that is not printable ASCII escaped (\t, \r, \n, \0, \xNN: no
 * terminal escape or NUL reaches stderr raw), cut after SHOWN_BYTES bytes with its length. */
static const char *show_text(char *out, mstr_str s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0, shown = s.len < SHOWN_BYTES ? s.len : SHOWN_BYTES;
    out[n++] = '"';
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        const char *esc = shown_escape(c);
        if (esc != NULL) {
            out[n++] = esc[0];
            out[n++] = esc[1];
        } else if (c < 0x20 || c >= 0x7f) {
            out[n++] = '\\';
            out[n++] = 'x';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        } else {
            out[n++] = (char)c;
        }
    }
    out[n++] = '"';
    if (shown < s.len)
        n += (size_t)snprintf(out + n, SHOWN_ROOM - n, "... (%zu bytes)", s.len);
    out[n] = '\0';
    return out;
}

/* Finds column `name` in the header; a NULL name (a scalar CSV source) means the first one.
 * Returns header->nfields when it is missing. */
static size_t header_column(const mstr_csv_row *header, const char *name)
{
    if (name == NULL)
        return header->nfields > 0 ? 0 : header->nfields;
    for (size_t f = 0; f < header->nfields; f++)
        if (mstr_str_eq_cstr(header->fields[f], name))
            return f;
    return header->nfields;
}

/* Ends the message about a missing column with the columns the header has (a byte order mark,
 * a space or a CR-only line end shows there), at most a few. */
static void say_header(const mstr_csv_row *header)
{
    enum { LISTED = 8 };
    char shown[SHOWN_ROOM];
    fputs("; it has ", stderr);
    for (size_t f = 0; f < header->nfields && f < LISTED; f++)
        fprintf(stderr, "%s%s", f > 0 ? ", " : "", show_text(shown, header->fields[f]));
    if (header->nfields > LISTED)
        fprintf(stderr, " and %zu more", header->nfields - LISTED);
    fputc('\n', stderr);
}

/* Reads the CSV header of p and maps the source's columns to positions in the file. */
static bool map_csv_columns(mstr_partition *p, mstr_arena *scratch)
{
    const mstr_source_desc *src = p->source;
    mstr_csv_row header;
    const char *error = NULL;
    mstr_csv_status st = mstr_csv_next(&p->reader, scratch, &header, &error);
    if (st != MSTR_CSV_ROW) {
        fprintf(stderr, "mstr: source '%s': %s: %s\n", src->name, p->path,
                st == MSTR_CSV_END ? "no header row" : error);
        return false;
    }
    p->ncolumns_in_file = header.nfields;
    p->reader.csv_keep_empty = header.nfields == 1; /* an empty line is an empty field then */
    p->columns = mstr_alloc_array(src->ncolumns, sizeof *p->columns);
    bool ok = true;
    for (size_t c = 0; c < src->ncolumns; c++) {
        p->columns[c] = header_column(&header, src->columns[c]);
        if (p->columns[c] == header.nfields) {
            fprintf(stderr, "mstr: source '%s': %s:%llu: the header has no column '%s'",
                    src->name, p->path, (unsigned long long)header.line,
                    src->columns[c] ? src->columns[c] : "(any)");
            say_header(&header);
            ok = false;
        }
    }
    return ok;
}

bool mstr_source_open(mstr_partition *p, mstr_arena *scratch)
{
    const mstr_source_desc *src = p->source;
    switch (src->kind) {
    case MSTR_SOURCE_LIST:
    case MSTR_SOURCE_RANGE:
    case MSTR_SOURCE_NEXMARK:
        return true;
    case MSTR_SOURCE_CUSTOM:
        p->position = mstr_alloc(src->position_size);
        return true;
    case MSTR_SOURCE_STDIN:
        p->path = "<stdin>";
        mstr_reader_init_fd(&p->reader, STDIN_FILENO, p->path);
        p->reader_open = true;
        return true;
    case MSTR_SOURCE_LINES:
    case MSTR_SOURCE_CSV:
        p->path = src->paths[p->index];
        if (!mstr_reader_open(&p->reader, p->path)) {
            fprintf(stderr, "mstr: source '%s': cannot read '%s': %s\n", src->name, p->path,
                    strerror(errno));
            return false;
        }
        p->reader_open = true;
        return src->kind != MSTR_SOURCE_CSV || map_csv_columns(p, scratch);
    }
    return false;
}

bool mstr_source_close(mstr_partition *p)
{
    bool ok = true;
    if (p->reader_open) {
        if (p->reader.read_errno != 0) {
            fprintf(stderr, "mstr: source '%s': error reading '%s': %s\n", p->source->name,
                    p->path, strerror(p->reader.read_errno));
            ok = false;
        }
        mstr_reader_close(&p->reader);
        p->reader_open = false;
    }
    free(p->columns);
    p->columns = NULL;
    if (p->position != NULL) {
        p->source->release_position(p);
        free(p->position);
        p->position = NULL;
    }
    return ok;
}

void mstr_source_start(mstr_worker *w, mstr_partition *p)
{
    if (p->source->kind != MSTR_SOURCE_CUSTOM || p->done || p->started)
        return;
    p->started = true;
    if (p->source->open != NULL)
        p->source->open(w, p);
}

void mstr_source_stop(mstr_worker *w, mstr_partition *p)
{
    if (!p->started)
        return;
    p->started = false;
    if (p->source->close != NULL)
        p->source->close(w, p);
}

/* Counts a malformed record and reports it while under the limit; returns the message. */
static mstr_str malformed(mstr_worker *w, mstr_partition *p, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static mstr_str malformed(mstr_worker *w, mstr_partition *p, uint64_t line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mstr_str msg = mstr_str_vprintf(&w->ctx, fmt, ap);
    va_end(ap);
    mstr_tally(&p->malformed, 1);
    uint64_t seen = mstr_tally_read(&p->malformed);
    if (seen <= MSTR_REPORT_LIMIT)
        fprintf(stderr, "%s:%llu: error: source '%s': %.*s\n", p->path,
                (unsigned long long)line, p->source->name, (int)msg.len, msg.ptr);
    if (seen == MSTR_REPORT_LIMIT + 1)
        fprintf(stderr, "%s: further malformed records are counted, not shown\n", p->path);
    return msg;
}

static mstr_next_status next_line(mstr_worker *w, mstr_partition *p, mstr_str *leaves,
                                  mstr_text_record *rec)
{
    if (!mstr_reader_line(&p->reader, &w->arena, &rec->raw, &rec->line))
        return MSTR_NEXT_END;
    leaves[0] = rec->raw;
    return MSTR_NEXT_RECORD;
}

static mstr_next_status next_csv(mstr_worker *w, mstr_partition *p, mstr_str *leaves,
                                 size_t nleaves, mstr_text_record *rec)
{
    mstr_csv_row row;
    const char *error = NULL;
    mstr_csv_status st = mstr_csv_next(&p->reader, &w->arena, &row, &error);
    if (st == MSTR_CSV_END)
        return MSTR_NEXT_END;
    rec->raw = row.raw;
    rec->line = row.line;
    if (st == MSTR_CSV_BAD) {
        rec->error = malformed(w, p, rec->line, "%s", error);
        return MSTR_NEXT_MALFORMED;
    }
    if (row.nfields != p->ncolumns_in_file) {
        rec->error = malformed(w, p, rec->line, "expected %zu fields, found %zu",
                               p->ncolumns_in_file, row.nfields);
        return MSTR_NEXT_MALFORMED;
    }
    for (size_t i = 0; i < nleaves; i++)
        leaves[i] = row.fields[p->columns[i]];
    return MSTR_NEXT_RECORD;
}

mstr_next_status mstr_source_next(mstr_worker *w, mstr_partition *p, mstr_str *leaves,
                                  size_t nleaves, mstr_text_record *rec)
{
    *rec = (mstr_text_record){ .ts = (int64_t)p->next };
    p->waiting = p->source->kind != MSTR_SOURCE_CSV && mstr_reader_line_would_wait(&p->reader);
    if (p->waiting)
        return MSTR_NEXT_WAIT;
    mstr_next_status st = p->source->kind == MSTR_SOURCE_CSV
                              ? next_csv(w, p, leaves, nleaves, rec)
                              : next_line(w, p, leaves, rec);
    if (st != MSTR_NEXT_END)
        p->next++;
    return st;
}

void mstr_source_reject(mstr_worker *w, mstr_partition *p, mstr_text_record *rec, size_t leaf,
                        const char *why, mstr_str text)
{
    const char *column = p->source->kind == MSTR_SOURCE_CSV && leaf < p->source->ncolumns
                             ? p->source->columns[leaf]
                             : NULL;
    char shown[SHOWN_ROOM];
    show_text(shown, text);
    if (column != NULL)
        rec->error = malformed(w, p, rec->line, "field '%s': %s: %s", column, why, shown);
    else
        rec->error = malformed(w, p, rec->line, "%s: %s", why, shown);
}
