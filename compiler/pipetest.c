/*
 * pipetest.c - mstrc test (see pipetest.h): reads the test file, then for each test compiles a
 * variant of the program, runs it on each worker count and compares what its sinks received.
 *
 * The records a test gives are literals of the language, so they are parsed by the language's
 * own parser: each test's sources are appended to the program's text as
 * `source mstr_test_input_K: u8 = list(...);`, one literal per line, and after parsing their
 * items are moved into the sources they stand for (which become lists, carrying the test's
 * timestamps and epochs) and the appended sources dropped. The checker then checks the
 * literals against the real sources' types, and its messages show the literal's line.
 */
#include "pipetest.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "cc.h"
#include "drive.h"
#include "frontend.h"
#include "pool.h"

/* The worker counts every test runs on. */
static const int test_workers[] = { 1, 4 };

typedef struct tt_record {
    const char *literal;
    bool stamped;
    int64_t ts;
    int64_t epoch_after;    /* INT64_MIN: none */
} tt_record;

typedef struct tt_input {
    const char *source;
    unsigned line;
    tt_record *records;
    size_t n;
} tt_input;

typedef struct tt_expect {
    const char *sink;
    unsigned line;
    bool unordered;
    const char **lines;
    size_t n;
} tt_expect;

typedef struct tt_test {
    const char *name;
    unsigned line;
    tt_input *inputs;
    size_t ninputs;
    tt_expect *expects;
    size_t nexpects;
} tt_test;

typedef struct tt_file {
    const char *path;
    mc_pool pool;
    tt_test *tests;
    size_t ntests;
} tt_file;

/* A run of mstrc test: the test file, the program's text, and where the tests build and run. */
typedef struct tester {
    tt_file file;
    const char *mstr_path;
    char mstr_dir[PATH_MAX];        /* where the job runs */
    char job[256];                  /* the program's base name */
    const char *src;                /* the program's text */
    size_t src_len;
    char tmp[PATH_MAX];             /* binary, captures, log, sorted copies */
    int passed, failed;
} tester;

/* ---- the test file --------------------------------------------------------------------------- */

static bool file_error(const tt_file *f, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool file_error(const tt_file *f, unsigned line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s:%u: error: ", f->path, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return false;
}

/* Parses the n bytes at s, all of them, as a decimal int64. */
static bool parse_i64(const char *s, size_t n, int64_t *v)
{
    char digits[32];
    if (n == 0 || n >= sizeof digits)
        return false;
    memcpy(digits, s, n);
    digits[n] = '\0';
    char *end;
    errno = 0;
    long long x = strtoll(digits, &end, 10);
    *v = x;
    return *end == '\0' && errno == 0;
}

/* A line split into its first word and the rest, which starts at a non-space. */
typedef struct words {
    const char *first;
    size_t len;
    const char *rest;
} words;

static words split(const char *text)
{
    words w = { .first = text, .len = strcspn(text, " \t") };
    w.rest = text + w.len;
    w.rest += strspn(w.rest, " \t");
    return w;
}

static bool is_word(const words *w, const char *keyword)
{
    return w->len == strlen(keyword) && memcmp(w->first, keyword, w->len) == 0;
}

/* What the lines after a `source` or `expect` line are. */
typedef enum section { SECTION_NONE, SECTION_INPUT, SECTION_EXPECT } section;

/* `[@TS] LITERAL`, a record of the current input. */
static bool add_record(tt_file *f, unsigned line, tt_input *in, const char *text)
{
    tt_record r = { .literal = text, .epoch_after = INT64_MIN };
    if (text[0] == '@') {
        words w = split(text + 1);
        if (!parse_i64(w.first, w.len, &r.ts))
            return file_error(f, line, "'@%.*s' is no timestamp: @ takes an integer",
                              (int)w.len, w.first);
        r.stamped = true;
        r.literal = w.rest;
    }
    if (*r.literal == '\0')
        return file_error(f, line, "a record is missing after its timestamp");
    r.literal = mc_pool_strndup(&f->pool, r.literal, strlen(r.literal));
    MC_POOL_PUSH(&f->pool, in->records, in->n, r);
    return true;
}

/* `test NAME`, `source NAME` or `expect NAME [unordered]`: a new test, input or expectation. */
static bool add_heading(tt_file *f, unsigned line, const words *w, section *in)
{
    words arg = split(w->rest);
    const char *name = mc_pool_strndup(&f->pool, arg.first, arg.len);
    const char *what = is_word(w, "test") ? "test" : is_word(w, "source") ? "source" : "sink";
    if (*name == '\0')
        return file_error(f, line, "'%.*s' needs the name of a %s", (int)w->len, w->first, what);
    bool unordered = is_word(w, "expect") && strcmp(arg.rest, "unordered") == 0;
    if (*arg.rest != '\0' && !unordered)
        return file_error(f, line, "'%s' after the name: %s", arg.rest,
                          is_word(w, "expect") ? "only 'unordered' may be there"
                                               : "nothing may be there");
    if (is_word(w, "test")) {
        MC_POOL_PUSH(&f->pool, f->tests, f->ntests, ((tt_test){ .name = name, .line = line }));
        *in = SECTION_NONE;
        return true;
    }
    if (f->ntests == 0)
        return file_error(f, line, "'%.*s' before the first 'test'", (int)w->len, w->first);
    tt_test *t = &f->tests[f->ntests - 1];
    if (is_word(w, "source")) {
        MC_POOL_PUSH(&f->pool, t->inputs, t->ninputs, ((tt_input){ .source = name, .line = line }));
        *in = SECTION_INPUT;
    } else {
        tt_expect e = { .sink = name, .line = line, .unordered = unordered };
        MC_POOL_PUSH(&f->pool, t->expects, t->nexpects, e);
        *in = SECTION_EXPECT;
    }
    return true;
}

/* One line of the test file, without its newline and leading spaces, not empty. */
static bool parse_line(tt_file *f, unsigned line, const char *text, section *in)
{
    words w = split(text);
    if (is_word(&w, "test") || is_word(&w, "source") || is_word(&w, "expect"))
        return add_heading(f, line, &w, in);
    tt_test *t = f->ntests ? &f->tests[f->ntests - 1] : NULL;
    if (*in == SECTION_INPUT) {
        tt_input *input = &t->inputs[t->ninputs - 1];
        if (!is_word(&w, "epoch"))
            return add_record(f, line, input, text);
        int64_t epoch;
        if (!parse_i64(w.rest, strlen(w.rest), &epoch))
            return file_error(f, line, "'epoch' takes one integer");
        if (input->n == 0)
            return file_error(f, line, "an epoch follows a record: this one has none before it");
        input->records[input->n - 1].epoch_after = epoch;
        return true;
    }
    if (*in == SECTION_EXPECT) {
        tt_expect *e = &t->expects[t->nexpects - 1];
        const char *copy = mc_pool_strndup(&f->pool, text, strlen(text));
        MC_POOL_PUSH(&f->pool, e->lines, e->n, copy);
        return true;
    }
    return file_error(f, line, "expected 'test', 'source' or 'expect', not '%.*s'", (int)w.len,
                      w.first);
}

/* Reads the test file at path into f. Returns false after messages (all the file's errors). */
static bool read_test_file(tt_file *f, const char *path)
{
    f->path = path;
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        fprintf(stderr, "mstrc: cannot read the tests '%s': %s\n", path, strerror(errno));
        return false;
    }
    char *buf = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned line = 0;
    section in_section = SECTION_NONE;
    bool ok = true;
    while ((len = getline(&buf, &cap, in)) >= 0) {
        line++;
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' ' ||
                           buf[len - 1] == '\t'))
            buf[--len] = '\0';
        const char *text = buf + strspn(buf, " \t");
        if (*text != '\0' && *text != '#')
            ok = parse_line(f, line, text, &in_section) && ok;
    }
    free(buf);
    fclose(in);
    if (ok && f->ntests == 0)
        return file_error(f, line, "no tests: a test starts with 'test NAME'");
    for (size_t i = 0; ok && i < f->ntests; i++)
        if (f->tests[i].nexpects == 0)
            ok = file_error(f, f->tests[i].line, "test '%s' expects nothing: give it an "
                            "'expect SINK'", f->tests[i].name);
    return ok;
}

/* ---- the program of a test ------------------------------------------------------------------- */

/* The program's text, then the test's records as one list source per input (see the top). */
static void test_text(const tester *ts, const tt_test *t, mc_buf *text)
{
    mc_buf_put(text, ts->src, ts->src_len);
    for (size_t k = 0; k < t->ninputs; k++) {
        mc_buf_printf(text, "\nsource mstr_test_input_%zu: u8 = list(", k);
        for (size_t i = 0; i < t->inputs[k].n; i++)
            mc_buf_printf(text, "%s\n    %s", i ? "," : "", t->inputs[k].records[i].literal);
        mc_buf_puts(text, "\n);\n");
    }
}

static bool test_error(const tester *ts, unsigned line, const tt_test *t, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool test_error(const tester *ts, unsigned line, const tt_test *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s:%u: error: test '%s': ", ts->file.path, line, t->name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return false;
}

/* The program's own source named name (not one the test appended), or NULL. */
static mc_source *find_source(mc_program *prog, size_t nown, const char *name)
{
    for (size_t i = 0; i < nown; i++)
        if (strcmp(prog->sources[i]->name, name) == 0)
            return prog->sources[i];
    return NULL;
}

/* Makes the source that input k names a list of the records parsed for it. */
static bool feed_input(const tester *ts, mc_program *prog, const tt_test *t, size_t k)
{
    const tt_input *in = &t->inputs[k];
    size_t nown = prog->nsources - t->ninputs;
    mc_source *dst = find_source(prog, nown, in->source);
    const mc_source *made = prog->sources[nown + k];
    if (dst == NULL)
        return test_error(ts, in->line, t, "the program has no source '%s'", in->source);
    if (dst->dead_letter != NULL)
        return test_error(ts, in->line, t, "source '%s' has a dead-letter stream, which a test "
                          "cannot feed yet", in->source);
    bool timed = false;
    for (size_t i = 0; i < in->n; i++)
        timed |= in->records[i].stamped || in->records[i].epoch_after != INT64_MIN;
    *dst = (mc_source){ .name = dst->name, .loc = dst->loc, .type = dst->type,
                        .kind = MC_SRC_LIST, .kind_loc = made->kind_loc, .items = made->items,
                        .nitems = made->nitems };
    if (!timed)
        return true;
    dst->stamps = mc_pool_alloc(&prog->pool, (in->n + 1) * sizeof *dst->stamps);
    dst->epochs = mc_pool_alloc(&prog->pool, (in->n + 1) * sizeof *dst->epochs);
    for (size_t i = 0; i < in->n; i++) {
        dst->stamps[i] = in->records[i].stamped ? in->records[i].ts : (int64_t)i;
        dst->epochs[i] = in->records[i].epoch_after;
    }
    return true;
}

/* The program's sink named name, or NULL. */
static mc_op *find_sink(const mc_program *prog, const char *name)
{
    for (size_t c = 0; c < prog->nchains; c++)
        for (size_t i = 0; i < prog->chains[c]->nops; i++) {
            mc_op *op = prog->chains[c]->ops[i];
            if (op->kind == MC_OP_SINK && strcmp(op->name, name) == 0)
                return op;
        }
    return NULL;
}

/* Where sink's records are captured. */
static char *capture_path(const tester *ts, mc_pool *pool, const char *sink)
{
    return mc_pool_printf(pool, "%s/%s.out", ts->tmp, sink);
}

/* Where the test's binary writes what sink receives: the descriptor that run_once opens on its
 * capture_path, 3 + the index of the sink's first expect block. The path names no directory
 * of this run, so the binary is the same every run and comes from the cache (cache.h). */
static char *capture_fd_path(mc_pool *pool, const tt_test *t, const char *sink)
{
    size_t e = 0;
    while (strcmp(t->expects[e].sink, sink) != 0)
        e++;
    return mc_pool_printf(pool, "/dev/fd/%zu", 3 + e);
}

/* Captures the sinks the test expects (stdout's format, in a file) and discards the others. */
static bool capture_sinks(const tester *ts, mc_program *prog, const tt_test *t)
{
    bool ok = true;
    for (size_t i = 0; i < t->nexpects; i++)
        if (find_sink(prog, t->expects[i].sink) == NULL)
            ok = test_error(ts, t->expects[i].line, t, "the program has no sink '%s'",
                            t->expects[i].sink);
    for (size_t c = 0; c < prog->nchains; c++)
        for (size_t i = 0; i < prog->chains[c]->nops; i++) {
            mc_op *op = prog->chains[c]->ops[i];
            if (op->kind != MC_OP_SINK)
                continue;
            bool expected = false;
            for (size_t e = 0; e < t->nexpects; e++)
                expected |= strcmp(t->expects[e].sink, op->name) == 0;
            op->sink = expected ? MC_SINK_STDOUT : MC_SINK_NULL;
            op->path = expected ? capture_fd_path(&prog->pool, t, op->name) : NULL;
            op->path_len = op->path ? strlen(op->path) : 0;
            op->custom = NULL;
        }
    return ok;
}

/* Finds or compiles (in the cache) the program as test t runs it, and writes its path to
 * binary (n bytes). Returns false after messages. */
static bool build_test(const tester *ts, const tt_test *t, char *binary, size_t n)
{
    mc_buf text = { 0 }, c = { 0 };
    test_text(ts, t, &text);
    mc_diag diag = { .out = stderr };
    mc_program prog = { 0 };
    bool ok = mc_program_from_text(&prog, &diag, ts->mstr_path, text.data, text.len) &&
              mc_parse(&prog, &diag);
    for (size_t k = 0; ok && k < t->ninputs; k++)
        ok = feed_input(ts, &prog, t, k);
    if (ok) {
        prog.nsources -= t->ninputs; /* their items went to the program's sources */
        ok = capture_sinks(ts, &prog, t) && mc_check(&prog, &diag);
    }
    if (ok) { /* a test starts from nothing and leaves nothing behind */
        prog.job.state_dir = NULL;
        prog.job.snapshot_every_ms = 0;
        char c_name[300];
        snprintf(c_name, sizeof c_name, "%s.c", ts->job);
        mc_cc_options cc = { .program = ts->mstr_path };
        char dir[PATH_MAX];
        ok = mc_drive_generate(&prog, &diag, true, c_name, &c) && mc_cache_dir(dir, sizeof dir) &&
             mc_cache_binary(&cc, dir, ts->job, &c, binary, n);
    }
    if (!ok) {
        unsigned lines = 0;
        for (size_t i = 0; i < ts->src_len; i++)
            lines += ts->src[i] == '\n';
        test_error(ts, t->line, t, "the pipeline does not build for it (the lines after %u of "
                   "%s are the test's records)", lines + 1, ts->mstr_path);
    }
    mc_program_free(&prog);
    mc_buf_free(&text);
    mc_buf_free(&c);
    return ok;
}

/* ---- running and comparing ------------------------------------------------------------------- */

/* Appends the lines of the file at path (none if it does not exist) to *lines, pool-owned. */
static void read_lines(mc_pool *pool, const char *path, const char ***lines, size_t *n)
{
    FILE *in = fopen(path, "r");
    if (in == NULL)
        return;
    char *buf = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&buf, &cap, in)) >= 0) {
        if (len > 0 && buf[len - 1] == '\n')
            len--;
        const char *copy = mc_pool_strndup(pool, buf, (size_t)len);
        MC_POOL_PUSH(pool, *lines, *n, copy);
    }
    free(buf);
    fclose(in);
}

static int compare_lines(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A copy of the n lines, sorted if sorted. */
static const char **arranged(mc_pool *pool, const char *const *lines, size_t n, bool sorted)
{
    const char **copy = mc_pool_alloc(pool, (n + 1) * sizeof *copy);
    if (n > 0)
        memcpy(copy, lines, n * sizeof *copy);
    if (sorted)
        qsort(copy, n, sizeof *copy, compare_lines);
    return copy;
}

/* Writes the n lines to path, for diff. */
static void write_lines(const char *path, const char *const *lines, size_t n)
{
    mc_buf b = { 0 };
    for (size_t i = 0; i < n; i++)
        mc_buf_printf(&b, "%s\n", lines[i]);
    mc_drive_write_file(path, b.data ? b.data : "", b.len);
    mc_buf_free(&b);
}

/* What a sink received, next to what it should have, both in the order they are compared in. */
typedef struct outcome {
    const tt_expect *expect;
    bool sorted;
    const char **want, **got;
    size_t ngot;
    bool same;
} outcome;

/* Reads what sink e received and compares it with what it should have. */
static outcome compare_sink(const tester *ts, const tt_expect *e, bool sorted, mc_pool *pool)
{
    outcome o = { .expect = e, .sorted = sorted };
    const char **got = NULL;
    read_lines(pool, capture_path(ts, pool, e->sink), &got, &o.ngot);
    o.want = arranged(pool, e->lines, e->n, sorted);
    o.got = arranged(pool, got, o.ngot, sorted);
    o.same = o.ngot == e->n;
    for (size_t i = 0; o.same && i < o.ngot; i++)
        o.same = strcmp(o.got[i], o.want[i]) == 0;
    return o;
}

/* Prints how a sink's records differ from the expected ones (diff -u). */
static void show_diff(const tester *ts, const outcome *o, mc_pool *pool)
{
    printf("     sink '%s'%s: - expected (%s:%u), + received\n", o->expect->sink,
           o->sorted ? ", sorted" : "", ts->file.path, o->expect->line);
    char *want_path = mc_pool_printf(pool, "%s/expected", ts->tmp);
    char *got_path = mc_pool_printf(pool, "%s/received", ts->tmp);
    write_lines(want_path, o->want, o->expect->n);
    write_lines(got_path, o->got, o->ngot);
    char *argv[] = { "diff", "-u", "--label", "expected", "--label", "received", want_path,
                     got_path, NULL };
    mc_drive_run(argv);
}

/* Prints the first lines of the job's output, after it failed. */
static void show_log(const char *path, mc_pool *pool)
{
    const char **lines = NULL;
    size_t n = 0;
    read_lines(pool, path, &lines, &n);
    for (size_t i = 0; i < n && i < 20; i++)
        printf("     | %s\n", lines[i]);
}

/* Runs test t's binary on workers workers and compares its sinks; prints the outcome. */
static bool run_once(const tester *ts, const tt_test *t, const char *binary, int workers)
{
    mc_pool pool = { 0 };
    const char **captures = mc_pool_alloc(&pool, t->nexpects * sizeof *captures);
    for (size_t e = 0; e < t->nexpects; e++)
        captures[e] = capture_path(ts, &pool, t->expects[e].sink);
    char count[16];
    snprintf(count, sizeof count, "%d", workers);
    char *argv[] = { (char *)binary, "--workers", count, NULL };
    char *log = mc_pool_printf(&pool, "%s/log", ts->tmp);
    int status = mc_drive_run_in(argv, ts->mstr_dir, log, captures, t->nexpects);
    outcome *outcomes = mc_pool_alloc(&pool, t->nexpects * sizeof *outcomes);
    bool ok = status == 0;
    for (size_t e = 0; e < t->nexpects; e++) {
        const tt_expect *x = &t->expects[e];
        outcomes[e] = compare_sink(ts, x, workers > 1 || x->unordered, &pool);
        ok = ok && outcomes[e].same;
    }
    printf("%s test '%s' on %d worker%s (%s:%u)\n", ok ? "ok  " : "FAIL", t->name, workers,
           workers == 1 ? "" : "s", ts->file.path, t->line);
    if (status != 0) {
        printf("     the job ended with exit status %d:\n", status);
        show_log(log, &pool);
    }
    for (size_t e = 0; status == 0 && e < t->nexpects; e++)
        if (!outcomes[e].same)
            show_diff(ts, &outcomes[e], &pool);
    fflush(stdout);
    mc_pool_free(&pool);
    return ok;
}

/* Removes the files in dir, then dir. */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    while (d != NULL && (ent = readdir(d)) != NULL) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        char path[PATH_MAX + 256];
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        unlink(path);
    }
    if (d != NULL)
        closedir(d);
    rmdir(dir);
}

/* The test file's path (the .mstr path with .test for .mstr), the directory the job runs in
 * and the job's base name. */
static void name_paths(tester *ts, char *test_path, size_t n)
{
    size_t len = strlen(ts->mstr_path);
    size_t stem = len > 5 && strcmp(ts->mstr_path + len - 5, ".mstr") == 0 ? len - 5 : len;
    snprintf(test_path, n, "%.*s.test", (int)stem, ts->mstr_path);
    snprintf(ts->mstr_dir, sizeof ts->mstr_dir, "%s", ts->mstr_path);
    char *slash = strrchr(ts->mstr_dir, '/');
    if (slash == NULL)
        snprintf(ts->mstr_dir, sizeof ts->mstr_dir, ".");
    else
        slash[slash == ts->mstr_dir] = '\0'; /* "/a.mstr" runs in "/" */
    mc_program_base_name(ts->mstr_path, ts->job, sizeof ts->job);
}

int mc_pipetest_run(const char *mstr_path)
{
    tester ts = { .mstr_path = mstr_path };
    char test_path[PATH_MAX];
    name_paths(&ts, test_path, sizeof test_path);
    mc_diag diag = { .out = stderr };
    mc_program prog = { 0 };
    bool ok = mc_program_load(&prog, &diag, mstr_path) && read_test_file(&ts.file, test_path) &&
              mc_drive_temp_dir(ts.tmp, sizeof ts.tmp);
    ts.src = prog.src;
    ts.src_len = prog.src_len;
    for (size_t i = 0; ok && i < ts.file.ntests; i++) {
        const tt_test *t = &ts.file.tests[i];
        char binary[PATH_MAX + 300];
        if (!build_test(&ts, t, binary, sizeof binary)) {
            printf("FAIL test '%s' (%s:%u): it does not build\n", t->name, test_path, t->line);
            ts.failed++;
            continue;
        }
        for (size_t w = 0; w < sizeof test_workers / sizeof test_workers[0]; w++) {
            if (run_once(&ts, t, binary, test_workers[w]))
                ts.passed++;
            else
                ts.failed++;
        }
    }
    if (ok) {
        remove_dir(ts.tmp);
        printf("%s: %d passed, %d failed\n", test_path, ts.passed, ts.failed);
    }
    mc_pool_free(&ts.file.pool);
    mc_program_free(&prog);
    return ok && ts.failed == 0 ? 0 : 1;
}
