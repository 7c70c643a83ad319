/*
 * mstr_read.h - readers for the text sources: lines and CSV records.
 *
 * A reader pulls from a file descriptor through its own buffer. Each record it returns is
 * copied into the caller's arena, so it stays valid after the reader moves on, until the
 * arena is reset (once per batch). Readers count lines (from 1) so that a bad record can be
 * reported at its place in the file.
 *
 * Thread use: a reader belongs to one thread at a time.
 */
#ifndef MSTR_READ_H
#define MSTR_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mstr_str.h"

typedef struct mstr_reader {
    int fd;
    bool owns_fd;
    bool eof;
    char *buf;
    size_t start;       /* first unconsumed byte in buf */
    size_t end;         /* one past the last valid byte */
    size_t cap;
    uint64_t line;      /* number of the next line to be read, from 1 */
    uint64_t filled;    /* bytes read from fd so far (buf holds the last of them) */
    const char *path;   /* for messages ("<stdin>" for standard input) */
    int read_errno;     /* non-zero after a read error */
    bool csv_keep_empty;/* CSV: an empty line is a record of one empty field (in a file of one
                           column it is one), not skipped */
} mstr_reader;

/* Opens path. Returns false and sets errno if it cannot be opened. */
bool mstr_reader_open(mstr_reader *r, const char *path);
/* A reader on an existing descriptor (not closed by mstr_reader_close). */
void mstr_reader_init_fd(mstr_reader *r, int fd, const char *name);
void mstr_reader_close(mstr_reader *r);

/* The offset in the input of the next byte not yet handed out: where reading would go on. */
static inline uint64_t mstr_reader_offset(const mstr_reader *r)
{
    return r->filled - (r->end - r->start);
}

/* Goes on reading at byte offset of the input, whose line number is line (a position
 * mstr_reader_offset and r->line gave before). Returns false and sets errno if the input cannot
 * seek there (a pipe, or a file now shorter than offset). */
bool mstr_reader_seek(mstr_reader *r, uint64_t offset, uint64_t line);

/* Reads the next line without its terminator (LF, or CRLF). A last line without LF counts.
 * Sets *line_no to its number (from 1). Returns false at end of input or on a read error
 * (r->read_errno tells which). */
bool mstr_reader_line(mstr_reader *r, mstr_arena *a, mstr_str *line, uint64_t *line_no);

/* Whether mstr_reader_line would wait for input now: no whole line is buffered, the input has
 * not ended, and its descriptor has nothing to read at this moment (a pipe or terminal whose
 * writer is quiet; a regular file never waits). */
bool mstr_reader_line_would_wait(const mstr_reader *r);

/* One CSV record. */
typedef struct mstr_csv_row {
    mstr_str *fields;   /* in the arena */
    size_t nfields;
    mstr_str raw;       /* the record's text as in the file, without its final line break */
    uint64_t line;      /* the line it starts on, from 1 */
} mstr_csv_row;

typedef enum mstr_csv_status {
    MSTR_CSV_ROW,       /* *row holds a record */
    MSTR_CSV_END,       /* end of input (or a read error: see r->read_errno) */
    MSTR_CSV_BAD        /* *row holds the raw text of a malformed record (an unterminated quote,
                           or a character after a closing quote); *error says what */
} mstr_csv_status;

/* Reads the next CSV record (RFC 4180: comma separated, fields optionally in double quotes
 * with "" for a quote, quoted fields may contain commas and line breaks, lines end in LF or
 * CRLF). An empty line is skipped, unless r->csv_keep_empty. */
mstr_csv_status mstr_csv_next(mstr_reader *r, mstr_arena *a, mstr_csv_row *row, const char **error);

#endif
