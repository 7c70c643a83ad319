/*
 * fuzz_readers.c - fuzz harness: any bytes as the input file of a lines or CSV source.
 *
 * The bytes are put in a memfd and read three ways:
 *
 *   lines   mstr_reader_line must give back exactly the input split at LF (a CR before the LF
 *           dropped, a last line without LF counted), numbered from 1.
 *   CSV     mstr_csv_next reads every record; each field is parsed as every scalar type
 *           (mstr_parse.h), and the narrower types must agree with the widest one, and a value
 *           that parses must print and parse back to itself. The good records are then written
 *           out again with mstr_out_csv_str and read back: the fields must come back the same.
 *   source  a CSV partition of a source shaped like examples/csv_trades.mstr's (mstr_source.h:
 *           header, column mapping, field counts, the reports of bad records) decodes each record
 *           as the generated code would; then a lines partition of an i64 source.
 *
 * The two readers run with a read buffer of a few bytes instead of 64 KiB, so that the code that
 * resumes a record after a refill, and the buffer's growth, run on every input.
 *
 * Built with libFuzzer by `make fuzz`, and with tests/fuzz/replay.c into the normal test suite.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mstr_out.h"
#include "mstr_parse.h"
#include "mstr_read.h"
#include "mstr_source.h"
#include "mstr_worker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where the harness's own messages go: stderr as it was at the start (see quiet_stderr). */
static FILE *harness_err;

/* Stops the run with a message: libFuzzer (and the replay driver) report it as a crash. */
static void require(bool ok, const char *what)
{
    if (!ok) {
        fprintf(harness_err != NULL ? harness_err : stderr, "fuzz_readers: %s\n", what);
        abort();
    }
}

/* The source module reports bad records on stderr, as a job must; at thousands of inputs a
 * second that would bury the fuzzer's log. So while partitions run, the stream stderr points
 * at /dev/null (glibc's stderr is an assignable variable). File descriptor 2 stays as it was:
 * sanitizer reports, written to it directly, still show. Returns the stream to restore. */
static FILE *quiet_stderr(void)
{
    static FILE *null;
    if (null == NULL)
        null = fopen("/dev/null", "w");
    require(null != NULL, "cannot open /dev/null");
    FILE *was = stderr;
    stderr = null;
    return was;
}

/* ---- files in memory ------------------------------------------------------------------- */

/* A memfd made once and refilled for each input, and a path that opens it afresh. */
typedef struct mem_file {
    int fd;
    char path[32];
} mem_file;

static void mem_file_setup(mem_file *f, const char *name)
{
    if (f->path[0] != '\0')
        return;
    f->fd = memfd_create(name, 0);
    require(f->fd >= 0, "memfd_create failed");
    snprintf(f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
}

/* Empties f and leaves its offset at 0, for writing through f->fd. */
static void mem_file_clear(mem_file *f)
{
    require(ftruncate(f->fd, 0) == 0 && lseek(f->fd, 0, SEEK_SET) == 0, "cannot clear a memfd");
}

static void mem_file_fill(mem_file *f, const uint8_t *data, size_t size)
{
    mem_file_clear(f);
    require(size == 0 || pwrite(f->fd, data, size, 0) == (ssize_t)size, "cannot fill a memfd");
}

/* Opens f for reading with a read buffer of cap bytes. The reader starts with 64 KiB, more than
 * any input here, so without this a record would never straddle two reads. */
static void open_small(mstr_reader *r, const mem_file *f, size_t cap)
{
    require(mstr_reader_open(r, f->path), "cannot open a memfd");
    free(r->buf);
    r->buf = malloc(cap);
    require(r->buf != NULL, "out of memory");
    r->cap = cap;
}

/* The small buffer's size: 1 to 16 bytes, varying with the input. */
static size_t small_cap(size_t size)
{
    return 1 + size % 16;
}

/* ---- lines ----------------------------------------------------------------------------- */

static void check_lines(const mem_file *f, const uint8_t *data, size_t size)
{
    mstr_reader r;
    open_small(&r, f, small_cap(size));
    mstr_arena a;
    mstr_arena_init(&a);
    size_t at = 0;
    uint64_t want_no = 1;
    mstr_str line;
    uint64_t no;
    while (mstr_reader_line(&r, &a, &line, &no)) {
        require(at < size, "a line after the end of the input");
        const uint8_t *nl = memchr(data + at, '\n', size - at);
        size_t end = nl != NULL ? (size_t)(nl - data) : size;
        size_t len = end - at;
        if (nl != NULL && len > 0 && data[end - 1] == '\r')
            len--;
        require(no == want_no++, "lines are not numbered 1, 2, 3, ...");
        require(line.len == len && memcmp(line.ptr, data + at, len) == 0,
                "a line differs from the input's bytes");
        at = nl != NULL ? end + 1 : size;
        if (no % 64 == 0)
            mstr_arena_reset(&a);   /* as a worker does after each batch */
    }
    require(at == size && r.read_errno == 0, "the lines stop before the end of the input");
    mstr_reader_close(&r);
    mstr_arena_free(&a);
}

/* ---- scalar fields --------------------------------------------------------------------- */

typedef struct int_type {
    const char *name;
    int64_t min, max;
} int_type;

static const int_type INT_TYPES[] = {
    { "i8", INT8_MIN, INT8_MAX },
    { "i16", INT16_MIN, INT16_MAX },
    { "i32", INT32_MIN, INT32_MAX },
};

typedef struct uint_type {
    const char *name;
    uint64_t max;
} uint_type;

static const uint_type UINT_TYPES[] = {
    { "u8", UINT8_MAX },
    { "u16", UINT16_MAX },
    { "u32", UINT32_MAX },
};

/* text as a mstr_str (for printing a value and parsing it back). */
static mstr_str text_of(const char *text)
{
    return (mstr_str){ text, strlen(text) };
}

static void check_signed(mstr_str s)
{
    int64_t wide;
    bool ok = mstr_parse_int(s, INT64_MIN, INT64_MAX, "i64", &wide) == NULL;
    for (size_t i = 0; i < sizeof INT_TYPES / sizeof INT_TYPES[0]; i++) {
        const int_type *t = &INT_TYPES[i];
        int64_t v;
        bool fits = mstr_parse_int(s, t->min, t->max, t->name, &v) == NULL;
        require(fits == (ok && wide >= t->min && wide <= t->max),
                "a signed type disagrees with i64 about a field");
        require(!fits || v == wide, "a signed type reads another value than i64");
    }
    if (ok) {
        char text[32];
        snprintf(text, sizeof text, "%" PRId64, wide);
        int64_t again;
        require(mstr_parse_int(text_of(text), INT64_MIN, INT64_MAX, "i64", &again) == NULL &&
                    again == wide, "an i64 does not read back as itself");
    }
}

static void check_unsigned(mstr_str s)
{
    uint64_t wide;
    bool ok = mstr_parse_uint(s, UINT64_MAX, "u64", &wide) == NULL;
    for (size_t i = 0; i < sizeof UINT_TYPES / sizeof UINT_TYPES[0]; i++) {
        const uint_type *t = &UINT_TYPES[i];
        uint64_t v;
        bool fits = mstr_parse_uint(s, t->max, t->name, &v) == NULL;
        require(fits == (ok && wide <= t->max), "an unsigned type disagrees with u64 about a field");
        require(!fits || v == wide, "an unsigned type reads another value than u64");
    }
    if (ok) {
        char text[32];
        snprintf(text, sizeof text, "%" PRIu64, wide);
        uint64_t again;
        require(mstr_parse_uint(text_of(text), UINT64_MAX, "u64", &again) == NULL &&
                    again == wide, "a u64 does not read back as itself");
    }
}

/* NaN prints as "nan" or "-nan" and has many bit patterns, so it is left out of round trips. */
static void check_floats(mstr_str s)
{
    double d;
    if (mstr_parse_f64(s, &d) == NULL && !isnan(d)) {
        char text[64];
        snprintf(text, sizeof text, "%.17g", d);
        double again;
        require(mstr_parse_f64(text_of(text), &again) == NULL &&
                    memcmp(&again, &d, sizeof d) == 0, "an f64 does not read back as itself");
    }
    float f;
    if (mstr_parse_f32(s, &f) == NULL && !isnan(f)) {
        char text[64];
        snprintf(text, sizeof text, "%.9g", (double)f);
        float again;
        require(mstr_parse_f32(text_of(text), &again) == NULL &&
                    memcmp(&again, &f, sizeof f) == 0, "an f32 does not read back as itself");
    }
}

static void check_bool(mstr_str s)
{
    bool b;
    if (mstr_parse_bool(s, &b) == NULL) {
        bool again;
        require(mstr_parse_bool(text_of(b ? "true" : "false"), &again) == NULL && again == b,
                "a bool does not read back as itself");
    }
}

static void check_field(mstr_str s)
{
    check_signed(s);
    check_unsigned(s);
    check_floats(s);
    check_bool(s);
}

/* ---- CSV ------------------------------------------------------------------------------- */

/* The rows read so far, to compare with what reading them back gives. Their fields live in
 * the arena they were read into, which is not reset meanwhile. */
typedef struct row_list {
    mstr_csv_row *rows;
    size_t n, cap;
} row_list;

static void row_list_push(row_list *l, const mstr_csv_row *row)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->rows = realloc(l->rows, l->cap * sizeof *l->rows);
        require(l->rows != NULL, "out of memory");
    }
    l->rows[l->n++] = *row;
}

/* A row of one empty field is written as an empty line, which a reader skips: it cannot come
 * back, so it is not written. */
static bool survives_rewrite(const mstr_csv_row *row)
{
    return row->nfields > 1 || row->fields[0].len > 0;
}

static void write_row(mstr_out *o, const mstr_csv_row *row)
{
    for (size_t i = 0; i < row->nfields; i++) {
        if (i > 0)
            mstr_out_char(o, ',');
        mstr_out_csv_str(o, row->fields[i]);
    }
    mstr_out_char(o, '\n');
}

/* Reads all of f's records, checking each field; returns the good ones in rows. */
static void read_csv(const mem_file *f, size_t cap, mstr_arena *a, row_list *rows)
{
    mstr_reader r;
    open_small(&r, f, cap);
    mstr_csv_row row;
    const char *error = NULL;
    uint64_t last_line = 0;
    mstr_csv_status st;
    while ((st = mstr_csv_next(&r, a, &row, &error)) != MSTR_CSV_END) {
        require(row.line > last_line, "CSV records do not start on increasing lines");
        last_line = row.line;
        require(row.raw.len > 0, "an empty CSV record");
        if (st == MSTR_CSV_BAD) {
            require(error != NULL && row.nfields == 0, "a bad CSV record without a reason");
            continue;
        }
        require(row.nfields >= 1 && row.fields != NULL, "a CSV record without fields");
        for (size_t i = 0; i < row.nfields; i++)
            check_field(row.fields[i]);
        row_list_push(rows, &row);
    }
    require(mstr_csv_next(&r, a, &row, &error) == MSTR_CSV_END, "CSV records after the end");
    require(r.read_errno == 0, "a read error on a memfd");
    mstr_reader_close(&r);
}

static bool same_fields(const mstr_csv_row *a, const mstr_csv_row *b)
{
    if (a->nfields != b->nfields)
        return false;
    for (size_t i = 0; i < a->nfields; i++)
        if (!mstr_str_eq(a->fields[i], b->fields[i]))
            return false;
    return true;
}

static void check_csv(const mem_file *f, mem_file *copy, size_t size)
{
    mstr_arena a;
    mstr_arena_init(&a);
    row_list rows = { 0 }, back = { 0 };
    read_csv(f, small_cap(size), &a, &rows);

    mem_file_clear(copy);
    mstr_out o;
    mstr_out_init_fd(&o, copy->fd, "copy.csv");
    size_t written = 0;
    for (size_t i = 0; i < rows.n; i++)
        if (survives_rewrite(&rows.rows[i])) {
            write_row(&o, &rows.rows[i]);
            rows.rows[written++] = rows.rows[i];
        }
    require(mstr_out_close(&o), "cannot write a memfd");

    read_csv(copy, small_cap(size + 7), &a, &back);
    require(back.n == written, "rewritten CSV gives back another number of records");
    for (size_t i = 0; i < written; i++)
        require(same_fields(&rows.rows[i], &back.rows[i]),
                "rewritten CSV gives back other fields");
    free(rows.rows);
    free(back.rows);
    mstr_arena_free(&a);
}

/* ---- sources --------------------------------------------------------------------------- */

/* The columns of examples/csv_trades.mstr's Trade. Checklist: TRADE_LEAVES and decode_trade
 * follow this order. */
static const char *const TRADE_COLUMNS[] = { "id", "symbol", "price", "qty", "side" };
enum { TRADE_LEAVES = 5 };

/* What the generated decoder of a Trade does: returns NULL, or why leaf *bad does not decode. */
static const char *decode_trade(const mstr_str *leaves, size_t *bad)
{
    uint64_t u;
    double d;
    const char *why;
    if ((why = mstr_parse_uint(leaves[0], UINT64_MAX, "u64", &u)) != NULL) {
        *bad = 0;
        return why;
    }
    if ((why = mstr_parse_f64(leaves[2], &d)) != NULL) {
        *bad = 2;
        return why;
    }
    if ((why = mstr_parse_uint(leaves[3], UINT32_MAX, "u32", &u)) != NULL) {
        *bad = 3;
        return why;
    }
    return NULL;
}

/* The leaves of a lines source of i64: returns NULL, or why the line does not decode. */
static const char *decode_i64(const mstr_str *leaves, size_t *bad)
{
    int64_t v;
    *bad = 0;
    return mstr_parse_int(leaves[0], INT64_MIN, INT64_MAX, "i64", &v);
}

/* Runs one partition of src over its file as a generated poll function would, resetting the
 * worker's arena after every batch. */
static void run_partition(const mstr_source_desc *src, size_t nleaves,
                          const char *(*decode)(const mstr_str *, size_t *))
{
    mstr_worker w = { 0 };
    mstr_arena_init(&w.arena);
    w.ctx = (mstr_ctx){ .worker = 0, .workers = 1, .arena = &w.arena };
    mstr_partition p = { .source = src, .index = 0 };
    mstr_arena scratch;
    mstr_arena_init(&scratch);
    if (mstr_source_open(&p, &scratch)) {
        mstr_str leaves[TRADE_LEAVES];
        mstr_text_record rec;
        mstr_next_status st;
        uint64_t records = 0;
        while ((st = mstr_source_next(&w, &p, leaves, nleaves, &rec)) != MSTR_NEXT_END) {
            require(rec.ts == (int64_t)records++, "records are not numbered 0, 1, 2, ...");
            size_t bad = 0;
            const char *why;
            if (st == MSTR_NEXT_RECORD && (why = decode(leaves, &bad)) != NULL)
                mstr_source_reject(&w, &p, &rec, bad, why, leaves[bad]);
            if (records % MSTR_BATCH == 0)
                mstr_arena_reset(&w.arena);
        }
        require(mstr_source_next(&w, &p, leaves, nleaves, &rec) == MSTR_NEXT_END,
                "a partition read on after its end");
        require(mstr_source_close(&p), "a partition failed to close");
    } else {
        mstr_source_close(&p);
    }
    mstr_arena_free(&scratch);
    mstr_arena_free(&w.arena);
}

static void check_sources(const mem_file *f)
{
    const char *const paths[] = { f->path };
    const mstr_source_desc trades = {
        .name = "trades",
        .kind = MSTR_SOURCE_CSV,
        .paths = paths,
        .npaths = 1,
        .columns = TRADE_COLUMNS,
        .ncolumns = TRADE_LEAVES,
    };
    const mstr_source_desc numbers = {
        .name = "numbers",
        .kind = MSTR_SOURCE_LINES,
        .paths = paths,
        .npaths = 1,
    };
    FILE *was = quiet_stderr();
    run_partition(&trades, TRADE_LEAVES, decode_trade);
    run_partition(&numbers, 1, decode_i64);
    stderr = was;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mem_file input, copy;
    harness_err = stderr;
    mem_file_setup(&input, "fuzz-input");
    mem_file_setup(&copy, "fuzz-copy");
    mem_file_fill(&input, data, size);
    check_lines(&input, data, size);
    check_csv(&input, &copy, size);
    check_sources(&input);
    return 0;
}
