/*
 * test_read.c - the line reader and the CSV reader, on temporary files and a pipe.
 *
 * Lines: LF and CRLF endings, a last line without LF, an empty file, empty lines, and a line
 * longer than the reader's initial 64 KiB buffer. CSV: quoted fields with "" and commas, line
 * breaks inside quotes (and the line numbers of the rows after them), empty fields, CRLF,
 * skipped empty lines (kept, as empty fields, in a file of one column), malformed rows
 * followed by good ones, and the raw text of each row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sys/wait.h>

#include "mstr_read.h"
#include "unit_tmp.h"

typedef struct fixture {
    unit_tmp tmp;
    mstr_arena arena;
    mstr_reader r;
    bool open;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    unit_tmp_dir(&f->tmp);
    mstr_arena_init(&f->arena);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f->open)
        mstr_reader_close(&f->r);
    mstr_arena_free(&f->arena);
    unit_tmp_cleanup(&f->tmp);
    free(f);
    return 0;
}

/* Writes n bytes to a file and opens a reader on it. */
static mstr_reader *open_bytes(fixture *f, const char *p, size_t n)
{
    if (f->open)
        mstr_reader_close(&f->r);
    const char *path = unit_tmp_write(&f->tmp, "in", p, n);
    assert_non_null(path);
    assert_true(mstr_reader_open(&f->r, path));
    f->open = true;
    return &f->r;
}

#define OPEN_LIT(f, lit) open_bytes((f), (lit), sizeof(lit) - 1)

#define assert_str_is(s, want)                                                   \
    do {                                                                         \
        mstr_str s_ = (s);                                                       \
        assert_int_equal(s_.len, sizeof(want) - 1);                              \
        assert_memory_equal(s_.ptr, (want), sizeof(want) - 1);                   \
    } while (0)

/* ---- lines --------------------------------------------------------------------------- */

#define EXPECT_LINE(f, want, want_no)                                            \
    do {                                                                         \
        mstr_str l_;                                                             \
        uint64_t n_ = 0;                                                         \
        assert_true(mstr_reader_line(&(f)->r, &(f)->arena, &l_, &n_));           \
        assert_str_is(l_, want);                                                 \
        assert_int_equal(n_, (want_no));                                         \
    } while (0)

static void expect_no_line(fixture *f)
{
    mstr_str l;
    uint64_t n;
    assert_false(mstr_reader_line(&f->r, &f->arena, &l, &n));
    assert_false(mstr_reader_line(&f->r, &f->arena, &l, &n));   /* and stays at the end */
    assert_int_equal(f->r.read_errno, 0);
}

static void test_lines_lf(void **state)
{
    fixture *f = *state;
    OPEN_LIT(f, "alpha\nbb\n\nccc\n");
    EXPECT_LINE(f, "alpha", 1);
    EXPECT_LINE(f, "bb", 2);
    EXPECT_LINE(f, "", 3);
    EXPECT_LINE(f, "ccc", 4);
    expect_no_line(f);
}

static void test_lines_crlf(void **state)
{
    fixture *f = *state;
    OPEN_LIT(f, "one\r\ntwo\r\n\r\nin\rside\n");
    EXPECT_LINE(f, "one", 1);
    EXPECT_LINE(f, "two", 2);
    EXPECT_LINE(f, "", 3);
    EXPECT_LINE(f, "in\rside", 4);   /* a CR not before LF is data */
    expect_no_line(f);
}

static void test_lines_no_final_newline(void **state)
{
    fixture *f = *state;
    OPEN_LIT(f, "x\ny");
    EXPECT_LINE(f, "x", 1);
    EXPECT_LINE(f, "y", 2);
    expect_no_line(f);
    OPEN_LIT(f, "only");
    EXPECT_LINE(f, "only", 1);
    expect_no_line(f);
}

static void test_lines_empty_file(void **state)
{
    fixture *f = *state;
    open_bytes(f, "", 0);
    expect_no_line(f);
    OPEN_LIT(f, "\n");
    EXPECT_LINE(f, "", 1);
    expect_no_line(f);
}

/* Lines longer than the initial buffer, and earlier lines still valid after later reads. */
static void test_lines_long(void **state)
{
    fixture *f = *state;
    enum { LONG = 200000, LAST = 150000 };
    size_t total = 6 + LONG + 1 + 6 + LAST;
    char *data = malloc(total);
    assert_non_null(data);
    memcpy(data, "first\n", 6);
    for (size_t i = 0; i < LONG; i++)
        data[6 + i] = (char)('a' + i % 26);
    memcpy(data + 6 + LONG, "\nshort\n", 7);
    memset(data + 6 + LONG + 7, 'z', LAST);   /* no final newline */
    open_bytes(f, data, total);

    mstr_str first, big, shrt, last;
    uint64_t n;
    assert_true(mstr_reader_line(&f->r, &f->arena, &first, &n));
    assert_true(mstr_reader_line(&f->r, &f->arena, &big, &n));
    assert_int_equal(n, 2);
    assert_true(mstr_reader_line(&f->r, &f->arena, &shrt, &n));
    assert_int_equal(n, 3);
    assert_true(mstr_reader_line(&f->r, &f->arena, &last, &n));
    assert_int_equal(n, 4);
    expect_no_line(f);

    assert_str_is(first, "first");
    assert_int_equal(big.len, LONG);
    assert_memory_equal(big.ptr, data + 6, LONG);
    assert_str_is(shrt, "short");
    assert_int_equal(last.len, LAST);
    assert_memory_equal(last.ptr, data + 6 + LONG + 7, LAST);
    free(data);
}

/* From a pipe written in small pieces: lines and CRLFs split across reads. */
static void test_lines_from_pipe(void **state)
{
    fixture *f = *state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        const char *pieces[] = { "ab", "c\r", "\nde", "f\n", "\r", "\n", "tail" };
        for (size_t i = 0; i < 7; i++) {
            if (write(fds[1], pieces[i], strlen(pieces[i])) < 0)
                _exit(1);
            usleep(2000);
        }
        _exit(0);
    }
    close(fds[1]);
    mstr_reader_init_fd(&f->r, fds[0], "<pipe>");
    f->open = true;
    EXPECT_LINE(f, "abc", 1);
    EXPECT_LINE(f, "def", 2);
    EXPECT_LINE(f, "", 3);
    EXPECT_LINE(f, "tail", 4);
    expect_no_line(f);
    mstr_reader_close(&f->r);
    f->open = false;
    close(fds[0]);   /* not closed by the reader: init_fd does not own it */
    waitpid(pid, NULL, 0);
}

static void test_open_missing_file(void **state)
{
    fixture *f = *state;
    mstr_reader r;
    assert_false(mstr_reader_open(&r, unit_tmp_path(&f->tmp, "missing")));
    assert_int_equal(errno, ENOENT);
}

/* ---- CSV ----------------------------------------------------------------------------- */

static mstr_csv_row next_row(fixture *f, mstr_csv_status want_status)
{
    mstr_csv_row row;
    memset(&row, 0, sizeof row);
    const char *err = NULL;
    mstr_csv_status st = mstr_csv_next(&f->r, &f->arena, &row, &err);
    if (st != want_status)
        fail_msg("status %d, want %d (error: %s)", (int)st, (int)want_status, err ? err : "-");
    return row;
}

#define EXPECT_FIELD(row, i, want) assert_str_is((row).fields[(i)], want)

static void expect_csv_end(fixture *f)
{
    next_row(f, MSTR_CSV_END);
    next_row(f, MSTR_CSV_END);
    assert_int_equal(f->r.read_errno, 0);
}

static void test_csv_simple(void **state)
{
    fixture *f = *state;
    OPEN_LIT(f, "a,b,c\n1,22,333\n");
    mstr_csv_row r1 = next_row(f, MSTR_CSV_ROW);
    mstr_csv_row r2 = next_row(f, MSTR_CSV_ROW);
    expect_csv_end(f);
    assert_int_equal(r1.nfields, 3);
    EXPECT_FIELD(r1, 0, "a");
    EXPECT_FIELD(r1, 1, "b");
    EXPECT_FIELD(r1, 2, "c");
    assert_str_is(r1.raw, "a,b,c");
    assert_int_equal(r1.line, 1);
    assert_int_equal(r2.nfields, 3);
    EXPECT_FIELD(r2, 0, "1");
    EXPECT_FIELD(r2, 1, "22");
    EXPECT_FIELD(r2, 2, "333");
    assert_str_is(r2.raw, "1,22,333");
    assert_int_equal(r2.line, 2);
}

static void test_csv_quoting(void **state)
{
    fixture *f = *state;
    OPEN_LIT(f, "\"x,y\",\"say \"\"hi\"\"\",plain,\"\"\"\"\n\"\",a\"b\n");
    mstr_csv_row r = next_row(f, MSTR_CSV_ROW);
    assert_int_equal(r.nfields, 4);
    EXPECT_FIELD(r, 0, "x,y");
    EXPECT_FIELD(r, 1, "say \"hi\"");
    EXPECT_FIELD(r, 2, "plain");
    EXPECT_FIELD(r, 3, "\"");
    assert_str_is(r.raw, "\"x,y\",\"say \"\"hi\"\"\",plain,\"\"\"\"");
    mstr_csv_row r2 = next_row(f, MSTR_CSV_ROW);
    assert_int_equal(r2.nfields, 2);
    EXPECT_FIELD(r2, 0, "");
    EXPECT_FIELD(r2, 1, "a\"b");   /* a quote inside an unquoted field is taken literally */
    expect_csv_end(f);
}

static void test_csv_newline_in_quotes(void **state)
{
    fixture *f = *state;
    OPEN_LIT(f, "id,text\n1,\"line one\nline two\nline three\"\n2,after\n3,\"x\ny\",z\n4,end\n");
    mstr_csv_row h = next_row(f, MSTR_CSV_ROW);
    assert_int_equal(h.line, 1);
    mstr_csv_row r1 = next_row(f, MSTR_CSV_ROW);
    assert_int_equal(r1.line, 2);
    assert_int_equal(r1.nfields, 2);
    EXPECT_FIELD(r1, 1, "line one\nline two\nline three");
    assert_str_is(r1.raw, "1,\"line one\nline two\nline three\"");
    mstr_csv_row r2 = next_row(f, MSTR_CSV_ROW);
    assert_int_equal(r2.line, 5);
    EXPECT_FIELD(r2, 0, "2");
    EXPECT_FIELD(r2, 1, "after");
    mstr_csv_row r3 = next_row(f, MSTR_CSV_ROW);
    assert_int_equal(r3.line, 6);
    assert_int_equal(r3.nfields, 3);
    EXPECT_FIELD(r3, 1, "x\ny");
    EXPECT_FIELD(r3, 2, "z");
    mstr_csv_row r4 = next_row(f, MSTR_CSV_ROW);
    assert_int_equal(r4.line, 8);
    EXPECT_FIELD(r4, 1, "end");
    expect_csv_end(f);
}

static void test_csv_empty_fields(void **state)
{
    fixture *f = *state;
    OPEN_LIT(f, ",a,,\n\"\"\n,\n");
    mstr_csv_row r1 = next_row(f, MSTR_CSV_ROW);
    assert_int_equal(r1.nfields, 4);
    EXPECT_FIELD(r1, 0, "");
    EXPECT_FIELD(r1, 1, "a");
    EXPECT_FIELD(r1, 2, "");
    EXPECT_FIELD(r1, 3, "");
    mstr_csv_row r2 = next_row(f, MSTR_CSV_ROW);
    assert_int_equal(r2.nfields, 1);
    EXPECT_FIELD(r2, 0, "");
    mstr_csv_row r3 = next_row(f, MSTR_CSV_ROW);
    assert_int_equal(r3.nfields, 2);
    EXPECT_FIELD(r3, 0, "");
    EXPECT_FIELD(r3, 1, "");
    expect_csv_end(f);
}

static void test_csv_crlf(void **state)
{
    fixture *f = *state;
    OPEN_LIT(f, "a,b\r\n\"q\"\r\nc,\"d\r\ne\"\r\nlast,\r\n");
    mstr_csv_row r1 = next_row(f, MSTR_CSV_ROW);
    assert_int_equal(r1.nfields, 2);
    EXPECT_FIELD(r1, 1, "b");
    assert_str_is(r1.raw, "a,b");
    mstr_csv_row r2 = next_row(f, MSTR_CSV_ROW);
    assert_int_equal(r2.nfields, 1);
    EXPECT_FIELD(r2, 0, "q");
    assert_int_equal(r2.line, 2);
    mstr_csv_row r3 = next_row(f, MSTR_CSV_ROW);
    assert_int_equal(r3.line, 3);
    EXPECT_FIELD(r3, 1, "d\r\ne");   /* line breaks inside quotes are data, as written */
    assert_str_is(r3.raw, "c,\"d\r\ne\"");
    mstr_csv_row r4 = next_row(f, MSTR_CSV_ROW);
    assert_int_equal(r4.line, 5);
    assert_int_equal(r4.nfields, 2);
    EXPECT_FIELD(r4, 0, "last");
    EXPECT_FIELD(r4, 1, "");
    expect_csv_end(f);
}

static void test_csv_empty_lines_skipped(void **state)
{
    fixture *f = *state;
    OPEN_LIT(f, "\na\n\n\r\nb\n\n");
    mstr_csv_row r1 = next_row(f, MSTR_CSV_ROW);
    assert_int_equal(r1.line, 2);
    EXPECT_FIELD(r1, 0, "a");
    mstr_csv_row r2 = next_row(f, MSTR_CSV_ROW);
    assert_int_equal(r2.line, 5);
    EXPECT_FIELD(r2, 0, "b");
    expect_csv_end(f);
    open_bytes(f, "", 0);
    expect_csv_end(f);
}

/* With csv_keep_empty (a file of one column), an empty line is a record of one empty field. */
static void test_csv_empty_lines_kept(void **state)
{
    fixture *f = *state;
    OPEN_LIT(f, "a\n\r\n\nb\n");
    f->r.csv_keep_empty = true;
    static const char *const want[] = { "a", "", "", "b" };
    for (size_t i = 0; i < 4; i++) {
        mstr_csv_row row = next_row(f, MSTR_CSV_ROW);
        assert_int_equal(row.line, i + 1);
        assert_int_equal(row.nfields, 1);
        assert_int_equal(row.fields[0].len, strlen(want[i]));
        assert_memory_equal(row.fields[0].ptr, want[i], row.fields[0].len);
    }
    expect_csv_end(f);
}

static void test_csv_no_final_newline(void **state)
{
    fixture *f = *state;
    OPEN_LIT(f, "a,b\nc,\"d\"");
    next_row(f, MSTR_CSV_ROW);
    mstr_csv_row r = next_row(f, MSTR_CSV_ROW);
    assert_int_equal(r.line, 2);
    assert_int_equal(r.nfields, 2);
    EXPECT_FIELD(r, 0, "c");
    EXPECT_FIELD(r, 1, "d");
    assert_str_is(r.raw, "c,\"d\"");
    expect_csv_end(f);
}

/* Junk after a closing quote spoils its line; the next line is read normally. */
static void test_csv_junk_after_quote(void **state)
{
    fixture *f = *state;
    OPEN_LIT(f, "h1,h2\n1,\"ab\"c,2\n3,4\n\"x\ny\"z\n5,6\n");
    next_row(f, MSTR_CSV_ROW);
    const char *err = NULL;
    mstr_csv_row bad;
    assert_int_equal(mstr_csv_next(&f->r, &f->arena, &bad, &err), MSTR_CSV_BAD);
    assert_str_is(bad.raw, "1,\"ab\"c,2");
    assert_int_equal(bad.line, 2);
    assert_non_null(err);
    assert_non_null(strstr(err, "after a closing quote"));
    mstr_csv_row good = next_row(f, MSTR_CSV_ROW);
    assert_int_equal(good.line, 3);
    assert_int_equal(good.nfields, 2);
    EXPECT_FIELD(good, 0, "3");
    EXPECT_FIELD(good, 1, "4");
    /* A bad record that spans two lines: both are its raw text, the line count goes on. */
    mstr_csv_row bad2 = next_row(f, MSTR_CSV_BAD);
    assert_str_is(bad2.raw, "\"x\ny\"z");
    assert_int_equal(bad2.line, 4);
    mstr_csv_row good2 = next_row(f, MSTR_CSV_ROW);
    assert_int_equal(good2.line, 6);
    EXPECT_FIELD(good2, 1, "6");
    expect_csv_end(f);
}

/* A quote never closed: the line it opens on is reported and reading resumes after it. */
static void test_csv_unterminated_quote(void **state)
{
    fixture *f = *state;
    OPEN_LIT(f, "ok,1\nbad,\"open\r\nnext,2\n");
    mstr_csv_row r1 = next_row(f, MSTR_CSV_ROW);
    EXPECT_FIELD(r1, 0, "ok");
    const char *err = NULL;
    mstr_csv_row bad;
    assert_int_equal(mstr_csv_next(&f->r, &f->arena, &bad, &err), MSTR_CSV_BAD);
    assert_str_is(bad.raw, "bad,\"open");
    assert_int_equal(bad.line, 2);
    assert_non_null(strstr(err, "unterminated"));
    mstr_csv_row r3 = next_row(f, MSTR_CSV_ROW);
    assert_int_equal(r3.line, 3);
    EXPECT_FIELD(r3, 0, "next");
    EXPECT_FIELD(r3, 1, "2");
    expect_csv_end(f);

    OPEN_LIT(f, "x,\"abc");
    mstr_csv_row only = next_row(f, MSTR_CSV_BAD);
    assert_str_is(only.raw, "x,\"abc");
    assert_int_equal(only.line, 1);
    expect_csv_end(f);
}

/* A record whose quoted field crosses the reader's 64 KiB buffer, with "" and a line break,
 * between two ordinary rows; the fields of every row stay valid until the arena is reset. */
static void test_csv_record_longer_than_buffer(void **state)
{
    fixture *f = *state;
    enum { BODY = 100000 };
    size_t cap = BODY * 2 + 64, n = 0;
    char *data = malloc(cap);
    char *want = malloc(BODY + 8);
    assert_non_null(data);
    assert_non_null(want);
    size_t wn = 0;
    n += (size_t)sprintf(data, "first,row\r\n7,\"");
    for (size_t i = 0; i < BODY; i++) {
        char c = (char)('a' + i % 26);
        if (i == 70000)
            c = '\n';
        if (i % 1000 == 999) {
            data[n++] = '"';   /* "" -> " */
            c = '"';
        }
        data[n++] = c;
        want[wn++] = c;
    }
    n += (size_t)sprintf(data + n, "\",end\r\nlast,row\r\n");
    open_bytes(f, data, n);

    mstr_csv_row r1 = next_row(f, MSTR_CSV_ROW);
    mstr_csv_row r2 = next_row(f, MSTR_CSV_ROW);
    mstr_csv_row r3 = next_row(f, MSTR_CSV_ROW);
    expect_csv_end(f);
    EXPECT_FIELD(r1, 0, "first");
    assert_int_equal(r2.line, 2);
    assert_int_equal(r2.nfields, 3);
    EXPECT_FIELD(r2, 0, "7");
    assert_int_equal(r2.fields[1].len, BODY);
    assert_memory_equal(r2.fields[1].ptr, want, BODY);
    EXPECT_FIELD(r2, 2, "end");
    assert_int_equal(r2.raw.len, n - 11 - 2 - 10);   /* minus first row, CRLF, last row */
    assert_int_equal(r3.line, 4);
    EXPECT_FIELD(r3, 0, "last");
    EXPECT_FIELD(r3, 1, "row");
    free(data);
    free(want);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_lines_lf),
        T(test_lines_crlf),
        T(test_lines_no_final_newline),
        T(test_lines_empty_file),
        T(test_lines_long),
        T(test_lines_from_pipe),
        T(test_open_missing_file),
        T(test_csv_simple),
        T(test_csv_quoting),
        T(test_csv_newline_in_quotes),
        T(test_csv_empty_fields),
        T(test_csv_crlf),
        T(test_csv_empty_lines_skipped),
        T(test_csv_empty_lines_kept),
        T(test_csv_no_final_newline),
        T(test_csv_junk_after_quote),
        T(test_csv_unterminated_quote),
        T(test_csv_record_longer_than_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
