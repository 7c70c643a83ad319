/*
 * mstr_read.c - buffered readers for lines and RFC 4180 CSV records.
 *
 * The reader keeps unconsumed input in buf[start, end). When a record does not end inside the
 * buffer, the unconsumed part is moved to the front and more is read, doubling the buffer when
 * it is full: a record may be any length, and memory grows only to the longest one. Records
 * are copied into the caller's arena before they are returned, so the buffer can be reused.
 *
 * CSV is read in two passes over each record. The first (csv_scan_*) walks the bytes with a
 * small state machine to find where the record ends, how many fields it has and whether it is
 * well formed; it can stop at the end of the buffer and resume after a refill, so a long
 * record is scanned once however many reads it takes. The second (csv_split) cuts the record,
 * now known to be complete and valid, into fields. Unquoted fields and quoted fields without
 * "" are slices of the record's raw text in the arena; only fields with "" are copied.
 *
 * A malformed record costs one report and as little input as possible: junk after a closing
 * quote spoils the record up to the end of the line it is on; an opening quote that is never
 * closed would swallow the rest of the file, so only the line it starts on is reported and
 * reading resumes on the next line. A quote inside an unquoted field (a"b) is taken literally.
 */
#include "mstr_read.h"

#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mstr_mem.h"

enum { READ_BUF_SIZE = 64 * 1024 };

/* ---- the reader ---------------------------------------------------------------------- */

static void reader_setup(mstr_reader *r, int fd, bool owns_fd, const char *path)
{
    /* Every field, so that none added later is left to chance (csv_keep_empty once was). */
    *r = (mstr_reader){ .fd = fd, .owns_fd = owns_fd, .cap = READ_BUF_SIZE, .line = 1,
                        .path = path, .buf = mstr_realloc(NULL, READ_BUF_SIZE) };
}

bool mstr_reader_open(mstr_reader *r, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    reader_setup(r, fd, true, path);
    return true;
}

void mstr_reader_init_fd(mstr_reader *r, int fd, const char *name)
{
    reader_setup(r, fd, false, name);
}

void mstr_reader_close(mstr_reader *r)
{
    if (r->owns_fd && r->fd >= 0)
        close(r->fd);
    r->fd = -1;
    free(r->buf);
    r->buf = NULL;
    r->start = r->end = r->cap = 0;
}

/* Moves the unconsumed bytes to the front of the buffer, doubling it if they fill it. Offsets
 * relative to r->start stay valid; pointers into the buffer do not. */
static void reader_make_room(mstr_reader *r)
{
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->end < r->cap)
        return;
    if (r->cap > SIZE_MAX / 2)
        mstr_oom(SIZE_MAX);
    r->buf = mstr_realloc(r->buf, r->cap * 2);
    r->cap *= 2;
}

/* Reads more input into the buffer. Returns true if bytes were added; false at end of input
 * or on a read error, after which r->eof is set (and r->read_errno, for an error). */
static bool reader_fill(mstr_reader *r)
{
    if (r->eof)
        return false;
    reader_make_room(r);
    for (;;) {
        ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
        if (n > 0) {
            r->end += (size_t)n;
            r->filled += (uint64_t)n;
            return true;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            r->read_errno = errno;
        r->eof = true;
        return false;
    }
}

bool mstr_reader_seek(mstr_reader *r, uint64_t offset, uint64_t line)
{
    struct stat st;
    if (fstat(r->fd, &st) != 0)
        return false;
    if (!S_ISREG(st.st_mode)) {
        errno = ESPIPE;
        return false;
    }
    if ((uint64_t)st.st_size < offset) {
        errno = EINVAL;
        return false;
    }
    if (lseek(r->fd, (off_t)offset, SEEK_SET) < 0)
        return false;
    r->start = r->end = 0;
    r->filled = offset;
    r->line = line;
    r->eof = false;
    return true;
}

/* ---- lines --------------------------------------------------------------------------- */

/* Hands out the len bytes at r->start as a line, without the CR of a CRLF, and consumes
 * them and the LF if terminated. */
static void line_emit(mstr_reader *r, mstr_arena *a, size_t len, bool terminated,
                      mstr_str *line, uint64_t *line_no)
{
    const char *text = r->buf + r->start;
    size_t consumed = len + (terminated ? 1 : 0);
    if (terminated && len > 0 && text[len - 1] == '\r')
        len--;
    *line = mstr_arena_copy(a, text, len);
    *line_no = r->line++;
    r->start += consumed;
}

bool mstr_reader_line(mstr_reader *r, mstr_arena *a, mstr_str *line, uint64_t *line_no)
{
    size_t scanned = 0;   /* bytes after r->start known not to hold a LF */
    for (;;) {
        size_t avail = r->end - r->start;
        const char *from = r->buf + r->start;
        const char *nl = memchr(from + scanned, '\n', avail - scanned);
        if (nl) {
            line_emit(r, a, (size_t)(nl - from), true, line, line_no);
            return true;
        }
        scanned = avail;
        if (reader_fill(r))
            continue;
        if (r->read_errno != 0 || scanned == 0)
            return false;
        line_emit(r, a, scanned, false, line, line_no);
        return true;
    }
}

bool mstr_reader_line_would_wait(const mstr_reader *r)
{
    if (r->eof || memchr(r->buf + r->start, '\n', r->end - r->start) != NULL)
        return false;
    struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
    return poll(&pfd, 1, 0) == 0;
}

/* ---- CSV: finding the record --------------------------------------------------------- */

typedef enum csv_state {
    CSV_FIELD_START,    /* at the start of a field */
    CSV_UNQUOTED,       /* inside an unquoted field */
    CSV_QUOTED,         /* inside a quoted field */
    CSV_QUOTE_SEEN,     /* a quote inside a quoted field: closing, or the first of "" */
    CSV_CR_AFTER_QUOTE, /* a CR after a closing quote: fine only as part of CRLF */
    CSV_JUNK            /* after something that cannot follow a closing quote */
} csv_state;

typedef struct csv_scan {
    size_t pos;         /* bytes of the record scanned so far, counted from r->start */
    csv_state state;
    size_t nfields;     /* commas outside quotes, plus one */
    size_t first_lf;    /* offset of the first line break inside quotes */
    uint64_t lfs;       /* line breaks inside quotes */
} csv_scan;

static void csv_scan_byte(csv_scan *sc, char c)
{
    switch (sc->state) {
    case CSV_FIELD_START:
        if (c == '"')
            sc->state = CSV_QUOTED;
        else if (c == ',')
            sc->nfields++;
        else
            sc->state = CSV_UNQUOTED;
        break;
    case CSV_UNQUOTED:
        if (c == ',') {
            sc->nfields++;
            sc->state = CSV_FIELD_START;
        }
        break;
    case CSV_QUOTED:
        if (c == '"')
            sc->state = CSV_QUOTE_SEEN;
        else if (c == '\n' && sc->lfs++ == 0)
            sc->first_lf = sc->pos;
        break;
    case CSV_QUOTE_SEEN:
        if (c == '"')
            sc->state = CSV_QUOTED;
        else if (c == ',') {
            sc->nfields++;
            sc->state = CSV_FIELD_START;
        } else if (c == '\r')
            sc->state = CSV_CR_AFTER_QUOTE;
        else
            sc->state = CSV_JUNK;
        break;
    case CSV_CR_AFTER_QUOTE:   /* a LF would have ended the record before getting here */
    case CSV_JUNK:
        sc->state = CSV_JUNK;
        break;
    }
}

/* Scans the buffered bytes of the record. Returns true when it reaches the LF that ends the
 * record (sc->pos is then its offset), false when it runs out of buffered input. */
static bool csv_scan_buffered(const mstr_reader *r, csv_scan *sc)
{
    const char *p = r->buf + r->start;
    size_t n = r->end - r->start;
    for (; sc->pos < n; sc->pos++) {
        char c = p[sc->pos];
        if (c == '\n' && sc->state != CSV_QUOTED)
            return true;
        csv_scan_byte(sc, c);
    }
    return false;
}

/* Scans a whole record, reading as needed. Returns true if it ended in a LF, false if input
 * ended first (or a read failed). */
static bool csv_scan_record(mstr_reader *r, csv_scan *sc)
{
    *sc = (csv_scan){ .state = CSV_FIELD_START, .nfields = 1 };
    while (!csv_scan_buffered(r, sc))
        if (!reader_fill(r))
            return false;
    return true;
}

/* ---- CSV: cutting the record into fields --------------------------------------------- */

/* The unquoted field at raw[i]; returns the offset of the comma or the end after it. */
static size_t csv_plain_field(mstr_str raw, size_t i, mstr_str *field)
{
    const char *comma = i < raw.len ? memchr(raw.ptr + i, ',', raw.len - i) : NULL;
    size_t end = comma ? (size_t)(comma - raw.ptr) : raw.len;
    *field = (mstr_str){ raw.ptr + i, end - i };
    return end;
}

/* The quoted field whose opening quote is at raw[i], already known to be closed; returns the
 * offset just after the closing quote. "" becomes " in a copy; without "" the field is a
 * slice of raw. */
static size_t csv_quoted_field(mstr_arena *a, mstr_str raw, size_t i, mstr_str *field)
{
    size_t j = i + 1, escapes = 0;
    while (j < raw.len) {
        if (raw.ptr[j] != '"') {
            j++;
        } else if (j + 1 < raw.len && raw.ptr[j + 1] == '"') {
            escapes++;
            j += 2;
        } else {
            break;
        }
    }
    const char *body = raw.ptr + i + 1;
    size_t body_len = j - i - 1;
    if (escapes == 0) {
        *field = (mstr_str){ body, body_len };
        return j + 1;
    }
    char *d = mstr_arena_alloc(a, body_len - escapes + 1, 1);
    size_t n = 0;
    for (size_t k = 0; k < body_len; k++) {
        d[n++] = body[k];
        if (body[k] == '"')
            k++;   /* skip the second quote of "" */
    }
    d[n] = '\0';
    *field = (mstr_str){ d, n };
    return j + 1;
}

/* Cuts a well-formed record into its nfields fields. */
static void csv_split(mstr_arena *a, mstr_str raw, mstr_str *fields, size_t nfields)
{
    size_t i = 0;
    for (size_t f = 0; f < nfields; f++) {
        if (i < raw.len && raw.ptr[i] == '"')
            i = csv_quoted_field(a, raw, i, &fields[f]);
        else
            i = csv_plain_field(raw, i, &fields[f]);
        i++;   /* the comma */
    }
}

/* ---- CSV: the records ---------------------------------------------------------------- */

/* Length of the record text at r->start without a CR that precedes its LF. */
static size_t csv_text_len(const mstr_reader *r, size_t len, bool terminated)
{
    if (terminated && len > 0 && r->buf[r->start + len - 1] == '\r')
        return len - 1;
    return len;
}

/* Fills row with the raw text of len bytes at r->start (no fields), then consumes consumed
 * bytes spanning lines lines. */
static void csv_take_raw(mstr_reader *r, mstr_arena *a, mstr_csv_row *row, size_t len,
                         size_t consumed, uint64_t lines)
{
    row->raw = mstr_arena_copy(a, r->buf + r->start, len);
    row->line = r->line;
    row->fields = NULL;
    row->nfields = 0;
    r->start += consumed;
    r->line += lines;
}

/* An opening quote never closed: reports the line the record starts on and consumes only
 * that line, so reading resumes with the next one. */
static mstr_csv_status csv_unterminated(mstr_reader *r, mstr_arena *a, mstr_csv_row *row,
                                        const csv_scan *sc, const char **error)
{
    if (sc->lfs == 0)
        csv_take_raw(r, a, row, sc->pos, sc->pos, 1);
    else
        csv_take_raw(r, a, row, csv_text_len(r, sc->first_lf, true), sc->first_lf + 1, 1);
    *error = "unterminated quoted field";
    return MSTR_CSV_BAD;
}

mstr_csv_status mstr_csv_next(mstr_reader *r, mstr_arena *a, mstr_csv_row *row, const char **error)
{
    for (;;) {
        csv_scan sc;
        bool terminated = csv_scan_record(r, &sc);
        if (!terminated && (r->read_errno != 0 || sc.pos == 0))
            return MSTR_CSV_END;
        if (!terminated && sc.state == CSV_QUOTED)
            return csv_unterminated(r, a, row, &sc, error);
        size_t len = csv_text_len(r, sc.pos, terminated);
        size_t consumed = sc.pos + (terminated ? 1 : 0);
        uint64_t lines = sc.lfs + 1;
        if (len == 0 && !r->csv_keep_empty) { /* an empty line */
            r->start += consumed;
            r->line += lines;
            continue;
        }
        csv_take_raw(r, a, row, len, consumed, lines);
        if (sc.state == CSV_JUNK || (sc.state == CSV_CR_AFTER_QUOTE && !terminated)) {
            *error = "unexpected character after a closing quote";
            return MSTR_CSV_BAD;
        }
        row->nfields = sc.nfields;
        row->fields = mstr_arena_alloc(a, sc.nfields * sizeof(mstr_str), _Alignof(mstr_str));
        csv_split(a, row->raw, row->fields, sc.nfields);
        return MSTR_CSV_ROW;
    }
}
