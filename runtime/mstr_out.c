/*
 * mstr_out.c - the buffered writer and the three output shapes (Debug, CSV, JSON).
 *
 * Writes go into a 64 KiB buffer that is handed to write(2) when full, on flush and on close.
 * A failed write is remembered (failed, errno_saved) rather than reported at each call: the
 * generated code checks once, at flush or close, and everything written after a failure is
 * dropped.
 *
 * Integers are converted by hand: they are the bulk of most outputs, and printf would parse
 * its format string for every one. Floats go through snprintf, because finding the shortest
 * decimal that reads back as the same value is easy to get subtly wrong by hand: we ask for
 * 1, 2, ... significant digits until strtod (strtof for f32) gives the value back, then lay
 * the digits out ourselves in the shape wanted:
 *   Debug  like Rust's {:?}: 1.0, 0.1, 1234567.0, 1e16, 1.5e-7, NaN, inf, -0.0; exponent form
 *          when |v| >= 1e16 or 0 < |v| < 1e-4 (the thresholds of Rust's float Debug).
 *   CSV    what %.17g would print, but with the shortest digits: 1, 0.1, 1e+17, 1.5e-07;
 *          NaN, inf, -inf.
 *   JSON   as CSV, with non-finite values written as null.
 * This assumes the C locale's decimal point, which the runtime never changes.
 */
#include "mstr_out.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mstr_mem.h"

enum { OUT_BUF_SIZE = 64 * 1024 };

static const char HEX[] = "0123456789abcdef";

/* ---- the writer ---------------------------------------------------------------------- */

static void out_setup(mstr_out *o, int fd, bool owns_fd, const char *path)
{
    o->fd = fd;
    o->owns_fd = owns_fd;
    o->failed = false;
    o->errno_saved = 0;
    o->len = 0;
    o->cap = OUT_BUF_SIZE;
    o->path = path;
    o->lock = NULL;
    o->buf = mstr_alloc(OUT_BUF_SIZE);
}

bool mstr_out_open(mstr_out *o, const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        return false;
    out_setup(o, fd, true, path);
    return true;
}

/* Opens path for writing at its end (created if missing), after cutting it to *length bytes
 * unless length is NULL. */
static bool open_at_end(mstr_out *o, const char *path, const uint64_t *length)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
        return false;
    if ((length != NULL && ftruncate(fd, (off_t)*length) != 0) || lseek(fd, 0, SEEK_END) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return false;
    }
    out_setup(o, fd, true, path);
    return true;
}

bool mstr_out_open_at(mstr_out *o, const char *path, uint64_t length)
{
    return open_at_end(o, path, &length);
}

bool mstr_out_append(mstr_out *o, const char *path)
{
    return open_at_end(o, path, NULL);
}

void mstr_out_init_fd(mstr_out *o, int fd, const char *name)
{
    out_setup(o, fd, false, name);
}

void mstr_out_init_closed(mstr_out *o, const char *name)
{
    *o = (mstr_out){ .fd = -1, .path = name };
}

/* Writes all n bytes, retrying after signals and short writes. Records the first failure. */
static void out_write_all(mstr_out *o, const char *p, size_t n)
{
    if (o->fd < 0 || o->failed)
        return;
    if (o->lock != NULL)
        pthread_mutex_lock(o->lock);
    while (n > 0) {
        ssize_t w = write(o->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            o->failed = true;
            o->errno_saved = w < 0 ? errno : EIO;
            break;
        }
        p += w;
        n -= (size_t)w;
    }
    if (o->lock != NULL)
        pthread_mutex_unlock(o->lock);
}

bool mstr_out_flush(mstr_out *o)
{
    out_write_all(o, o->buf, o->len);
    o->len = 0;
    return !o->failed;
}

bool mstr_out_sync(mstr_out *o)
{
    if (mstr_out_flush(o) && o->fd >= 0 && fsync(o->fd) != 0) {
        o->failed = true;
        o->errno_saved = errno;
    }
    return !o->failed;
}

bool mstr_out_close(mstr_out *o)
{
    mstr_out_flush(o);
    if (o->owns_fd && o->fd >= 0 && close(o->fd) != 0 && !o->failed) {
        o->failed = true;
        o->errno_saved = errno;
    }
    o->fd = -1;
    free(o->buf);
    o->buf = NULL;
    o->cap = 0;
    return !o->failed;
}

void mstr_out_bytes(mstr_out *o, const char *p, size_t n)
{
    if (n == 0)
        return;
    if (n <= o->cap - o->len) {
        memcpy(o->buf + o->len, p, n);
        o->len += n;
        return;
    }
    mstr_out_flush(o);
    if (n >= o->cap) {
        out_write_all(o, p, n);   /* too big to be worth copying through the buffer */
        return;
    }
    memcpy(o->buf, p, n);
    o->len = n;
}

void mstr_out_cstr(mstr_out *o, const char *s)
{
    mstr_out_bytes(o, s, strlen(s));
}

void mstr_out_char(mstr_out *o, char c)
{
    if (o->len == o->cap)
        mstr_out_flush(o);
    o->buf[o->len++] = c;
}

/* ---- integers ------------------------------------------------------------------------ */

enum { U64_DIGITS = 20 };

/* Writes v in decimal at the end of buf[U64_DIGITS]; returns where the digits start. */
static char *u64_to_dec(char *end, uint64_t v)
{
    char *p = end;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return p;
}

void mstr_out_u64(mstr_out *o, uint64_t v)
{
    char buf[U64_DIGITS];
    char *p = u64_to_dec(buf + sizeof buf, v);
    mstr_out_bytes(o, p, (size_t)(buf + sizeof buf - p));
}

void mstr_out_i64(mstr_out *o, int64_t v)
{
    char buf[U64_DIGITS + 1];
    /* 0 - (uint64_t)v is |v| even for INT64_MIN, whose negation does not fit an int64_t. */
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    char *p = u64_to_dec(buf + sizeof buf, mag);
    if (v < 0)
        *--p = '-';
    mstr_out_bytes(o, p, (size_t)(buf + sizeof buf - p));
}

/* ---- floats -------------------------------------------------------------------------- */

/* A finite, non-zero float as shortest decimal digits: the value is
 * 0.d1d2...dn * 10^(exp + 1), i.e. d1.d2...dn * 10^exp. */
typedef struct float_digits {
    char d[20];
    int n;
    int exp;
} float_digits;

/* Fills fd from a "%.*e" rendering such as "-1.2345e+07". */
static void digits_from_e(const char *s, float_digits *fd)
{
    fd->n = 0;
    if (*s == '-')
        s++;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9' && fd->n < (int)sizeof fd->d)
            fd->d[fd->n++] = *s;
    fd->exp = *s == 'e' ? atoi(s + 1) : 0;
    while (fd->n > 1 && fd->d[fd->n - 1] == '0')
        fd->n--;
}

/* Shortest digits of a finite non-zero double: the first precision that reads back equal. */
static void shortest_f64(double v, float_digits *fd)
{
    char s[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(s, sizeof s, "%.*e", prec - 1, v);
        if (strtod(s, NULL) == v)
            break;
    }
    digits_from_e(s, fd);
}

/* As shortest_f64 for a float: reading back with strtof finds the shortest for the float
 * itself, not for its (longer) exact value as a double. */
static void shortest_f32(float v, float_digits *fd)
{
    char s[40];
    for (int prec = 1; prec <= 9; prec++) {
        snprintf(s, sizeof s, "%.*e", prec - 1, (double)v);
        if (strtof(s, NULL) == v)
            break;
    }
    digits_from_e(s, fd);
}

static void out_zeros(mstr_out *o, int n)
{
    for (int i = 0; i < n; i++)
        mstr_out_char(o, '0');
}

/* Plain positional notation: 1234567, 0.001, 1.5. force_fraction adds ".0" to integers. */
static void out_digits_plain(mstr_out *o, const float_digits *fd, bool force_fraction)
{
    if (fd->exp < 0) {
        mstr_out_bytes(o, "0.", 2);
        out_zeros(o, -fd->exp - 1);
        mstr_out_bytes(o, fd->d, (size_t)fd->n);
        return;
    }
    int int_digits = fd->exp + 1;
    if (fd->n <= int_digits) {
        mstr_out_bytes(o, fd->d, (size_t)fd->n);
        out_zeros(o, int_digits - fd->n);
        if (force_fraction)
            mstr_out_bytes(o, ".0", 2);
        return;
    }
    mstr_out_bytes(o, fd->d, (size_t)int_digits);
    mstr_out_char(o, '.');
    mstr_out_bytes(o, fd->d + int_digits, (size_t)(fd->n - int_digits));
}

/* Scientific notation: d[.ddd]e<exp>. c_style gives printf's exponent ("e+07", "e-05"),
 * otherwise Rust's ("e7", "e-5"). */
static void out_digits_exp(mstr_out *o, const float_digits *fd, bool c_style)
{
    mstr_out_char(o, fd->d[0]);
    if (fd->n > 1) {
        mstr_out_char(o, '.');
        mstr_out_bytes(o, fd->d + 1, (size_t)(fd->n - 1));
    }
    mstr_out_char(o, 'e');
    int e = fd->exp;
    if (e < 0)
        mstr_out_char(o, '-');
    else if (c_style)
        mstr_out_char(o, '+');
    int mag = e < 0 ? -e : e;
    if (c_style && mag < 10)
        mstr_out_char(o, '0');
    mstr_out_u64(o, (uint64_t)mag);
}

/* Writes NaN/inf/-inf, or (for a zero) 0 or -0 with the optional ".0"; returns false for
 * any other value, which the caller formats from its digits. */
static bool out_special(mstr_out *o, double v, bool force_fraction)
{
    if (isnan(v)) {
        mstr_out_bytes(o, "NaN", 3);
    } else if (isinf(v)) {
        mstr_out_cstr(o, v < 0 ? "-inf" : "inf");
    } else if (v == 0) {
        mstr_out_cstr(o, signbit(v) ? "-0" : "0");
        if (force_fraction)
            mstr_out_bytes(o, ".0", 2);
    } else {
        return false;
    }
    return true;
}

/* Debug layout of non-zero finite digits; use_exp is Rust's magnitude test. */
static void out_debug_digits(mstr_out *o, bool negative, const float_digits *fd, bool use_exp)
{
    if (negative)
        mstr_out_char(o, '-');
    if (use_exp)
        out_digits_exp(o, fd, false);
    else
        out_digits_plain(o, fd, true);
}

/* CSV/JSON layout: %.17g's choice between plain and exponent form. */
static void out_general_digits(mstr_out *o, bool negative, const float_digits *fd)
{
    if (negative)
        mstr_out_char(o, '-');
    if (fd->exp < -4 || fd->exp >= 17)
        out_digits_exp(o, fd, true);
    else
        out_digits_plain(o, fd, false);
}

void mstr_out_debug_f64(mstr_out *o, double v)
{
    if (out_special(o, v, true))
        return;
    float_digits fd;
    shortest_f64(v, &fd);
    double a = fabs(v);
    out_debug_digits(o, v < 0, &fd, a < 1e-4 || a >= 1e16);
}

void mstr_out_debug_f32(mstr_out *o, float v)
{
    if (out_special(o, v, true))
        return;
    float_digits fd;
    shortest_f32(v, &fd);
    float a = fabsf(v);
    out_debug_digits(o, v < 0, &fd, a < 1e-4f || a >= 1e16f);
}

void mstr_out_csv_f64(mstr_out *o, double v)
{
    if (out_special(o, v, false))
        return;
    float_digits fd;
    shortest_f64(v, &fd);
    out_general_digits(o, v < 0, &fd);
}

void mstr_out_csv_f32(mstr_out *o, float v)
{
    if (out_special(o, v, false))
        return;
    float_digits fd;
    shortest_f32(v, &fd);
    out_general_digits(o, v < 0, &fd);
}

void mstr_out_json_f64(mstr_out *o, double v)
{
    if (!isfinite(v))
        mstr_out_bytes(o, "null", 4);
    else
        mstr_out_csv_f64(o, v);
}

void mstr_out_json_f32(mstr_out *o, float v)
{
    if (!isfinite(v))
        mstr_out_bytes(o, "null", 4);
    else
        mstr_out_csv_f32(o, v);
}

void mstr_out_debug_bool(mstr_out *o, bool v)
{
    if (v)
        mstr_out_bytes(o, "true", 4);
    else
        mstr_out_bytes(o, "false", 5);
}

/* ---- strings ------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence of 2 to 4 bytes at p (n bytes available), storing its
 * code point in *cp; 0 if p does not start one (an ASCII byte, a stray continuation byte, an
 * overlong form, a surrogate, or beyond U+10FFFF). */
static size_t utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
    size_t len;
    uint32_t c, min;
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        len = 2, c = p[0] & 0x1Fu, min = 0x80;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        len = 3, c = p[0] & 0x0Fu, min = 0x800;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        len = 4, c = p[0] & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

/* Non-ASCII code points that Rust's str Debug writes as \u{..} rather than as themselves:
 * those its tables call not printable, and combining marks (Grapheme_Extend). Rust consults
 * the full Unicode tables; this is a subset covering what shows up in real data (C1 controls,
 * invisible format characters, line/paragraph separators, the common combining-mark blocks
 * and variation selectors, private use, noncharacters). Marks of other scripts (Devanagari
 * vowel signs, say) pass through here where Rust would escape them. */
static bool unicode_needs_escape(uint32_t c)
{
    static const uint32_t ranges[][2] = {
        { 0x0080, 0x009F }, { 0x00AD, 0x00AD }, { 0x0300, 0x036F }, { 0x0483, 0x0489 },
        { 0x061C, 0x061C }, { 0x180E, 0x180E }, { 0x1AB0, 0x1AFF }, { 0x1DC0, 0x1DFF },
        { 0x200B, 0x200F }, { 0x2028, 0x202E }, { 0x2060, 0x206F }, { 0x20D0, 0x20FF },
        { 0xE000, 0xF8FF }, { 0xFDD0, 0xFDEF }, { 0xFE00, 0xFE0F }, { 0xFE20, 0xFE2F },
        { 0xFEFF, 0xFEFF }, { 0xFFF0, 0xFFFB }, { 0xFFFE, 0xFFFF }, { 0xE0000, 0xE0FFF },
        { 0xF0000, 0x10FFFF },
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if (c >= ranges[i][0] && c <= ranges[i][1])
            return true;
    return false;
}

/* \u{1b}: lowercase hex, no leading zeros, as Rust writes it. */
static void out_rust_unicode_escape(mstr_out *o, uint32_t c)
{
    char buf[8];
    int n = 0;
    do {
        buf[n++] = HEX[c & 0xF];
        c >>= 4;
    } while (c != 0);
    mstr_out_bytes(o, "\\u{", 3);
    while (n > 0)
        mstr_out_char(o, buf[--n]);
    mstr_out_char(o, '}');
}

/* The escape for an ASCII byte in Debug shape, or NULL to write it as is. */
static const char *debug_ascii_escape(unsigned char c)
{
    switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    case '\0': return "\\0";
    default: return NULL;
    }
}

/* Writes s[from, to): the run of bytes that needed no escaping. */
static void out_span(mstr_out *o, mstr_str s, size_t from, size_t to)
{
    if (to > from)
        mstr_out_bytes(o, s.ptr + from, to - from);
}

/* Writes the escape for the character at p[0]: an ASCII byte (len 1, cp == the byte), a
 * UTF-8 sequence of len bytes decoding to cp, or (len 0) a byte that starts no valid
 * sequence. Returns the number of bytes consumed. */
static size_t out_debug_escape(mstr_out *o, unsigned char c, uint32_t cp, size_t len)
{
    const char *esc = c < 0x80 ? debug_ascii_escape(c) : NULL;
    if (esc) {
        mstr_out_cstr(o, esc);
    } else if (len == 0) {
        char x[4] = { '\\', 'x', HEX[c >> 4], HEX[c & 0xF] };
        mstr_out_bytes(o, x, 4);
        return 1;
    } else {
        out_rust_unicode_escape(o, cp);
    }
    return len;
}

/* Rust's str Debug ("..." with escape_debug). Bytes that are not valid UTF-8 (a Rust string
 * cannot hold them) are written as \xNN, as Rust does for byte strings. Runs of characters
 * that need no escape are written in one piece. */
void mstr_out_debug_str(mstr_out *o, mstr_str s)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    size_t from = 0, i = 0;
    mstr_out_char(o, '"');
    while (i < s.len) {
        unsigned char c = p[i];
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
            i++;
            continue;
        }
        uint32_t cp = c;
        size_t len = c < 0x80 ? 1 : utf8_seq(p + i, s.len - i, &cp);
        if (len > 1 && !unicode_needs_escape(cp)) {
            i += len;   /* printable non-ASCII: part of the run */
            continue;
        }
        out_span(o, s, from, i);
        i += out_debug_escape(o, c, cp, len);
        from = i;
    }
    out_span(o, s, from, i);
    mstr_out_char(o, '"');
}

/* The escape for a byte in a JSON string, or NULL to write it as is. */
static const char *json_escape(unsigned char c)
{
    switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    case '\b': return "\\b";
    case '\f': return "\\f";
    default: return NULL;
    }
}

/* JSON string: valid UTF-8 is passed through untouched, and each byte that is not part of a
 * valid sequence becomes U+FFFD (\ufffd), so that the output is always valid JSON. */
void mstr_out_json_str(mstr_out *o, mstr_str s)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    size_t from = 0;
    mstr_out_char(o, '"');
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = p[i];
        uint32_t cp;
        size_t seq = c >= 0x80 ? utf8_seq(p + i, s.len - i, &cp) : 0;
        if (seq > 0) {
            i += seq - 1;
            continue;
        }
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\')
            continue;
        out_span(o, s, from, i);
        const char *esc = c >= 0x80 ? "\\ufffd" : json_escape(c);
        if (esc) {
            mstr_out_cstr(o, esc);
        } else {
            char u[6] = { '\\', 'u', '0', '0', HEX[c >> 4], HEX[c & 0xF] };
            mstr_out_bytes(o, u, 6);
        }
        from = i + 1;
    }
    out_span(o, s, from, s.len);
    mstr_out_char(o, '"');
}

static bool csv_needs_quotes(mstr_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (c == ',' || c == '"' || c == '\r' || c == '\n')
            return true;
    }
    return false;
}

/* RFC 4180 field: as is, or in quotes with each quote doubled when it has , " CR or LF. */
void mstr_out_csv_str(mstr_out *o, mstr_str s)
{
    if (!csv_needs_quotes(s)) {
        mstr_out_bytes(o, s.ptr, s.len);
        return;
    }
    size_t from = 0;
    mstr_out_char(o, '"');
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] != '"')
            continue;
        out_span(o, s, from, i + 1);   /* up to and including the quote ... */
        from = i;                          /* ... which is then written again */
    }
    out_span(o, s, from, s.len);
    mstr_out_char(o, '"');
}
