/*
 * mstr_parse.c - strict text-to-scalar parsers for CSV columns and typed lines.
 *
 * Strict means the whole slice is the value: no surrounding spaces, no trailing junk. Integers
 * are parsed by hand rather than with strtoll, which skips leading whitespace, depends on the
 * locale and needs a NUL-terminated copy. Floats do go through strtod/strtof (correct rounding
 * is hard), after a check of the characters so that whitespace and hex floats never reach it.
 *
 * Every error is a static string, so callers can keep the pointer without copying it.
 */
#include "mstr_parse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mstr_mem.h"

static const char ERR_EMPTY[] = "empty value";
static const char ERR_NOT_INT[] = "not an integer";
static const char ERR_NOT_FLOAT[] = "not a number";
static const char ERR_NOT_BOOL[] = "not a bool (true, false, 1 or 0)";

/* "out of range for <type>" as a static string; other type names get a generic message. */
static const char *range_error(const char *type_name)
{
    static const char *const msgs[][2] = {
        { "i8", "out of range for i8" },   { "i16", "out of range for i16" },
        { "i32", "out of range for i32" }, { "i64", "out of range for i64" },
        { "u8", "out of range for u8" },   { "u16", "out of range for u16" },
        { "u32", "out of range for u32" }, { "u64", "out of range for u64" },
        { "f32", "out of range for f32" }, { "f64", "out of range for f64" },
    };
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++)
        if (type_name && strcmp(type_name, msgs[i][0]) == 0)
            return msgs[i][1];
    return "out of range";
}

/* Reads the digits s[i..] as a magnitude. Returns ERR_NOT_INT if there are none or anything
 * else follows; sets *overflow (and saturates) if the value exceeds UINT64_MAX. */
static const char *parse_digits(mstr_str s, size_t i, uint64_t *mag, bool *overflow)
{
    uint64_t v = 0;
    *overflow = false;
    if (i == s.len)
        return ERR_NOT_INT;
    for (; i < s.len; i++) {
        unsigned d = (unsigned)(unsigned char)s.ptr[i] - '0';
        if (d > 9)
            return ERR_NOT_INT;
        if (v > (UINT64_MAX - d) / 10)
            *overflow = true;
        else
            v = v * 10 + d;
    }
    *mag = *overflow ? UINT64_MAX : v;
    return NULL;
}

const char *mstr_parse_int(mstr_str s, int64_t min, int64_t max, const char *type_name, int64_t *out)
{
    if (s.len == 0)
        return ERR_EMPTY;
    bool negative = s.ptr[0] == '-';
    size_t i = (s.ptr[0] == '-' || s.ptr[0] == '+') ? 1 : 0;
    uint64_t mag;
    bool overflow;
    const char *err = parse_digits(s, i, &mag, &overflow);
    if (err)
        return err;
    if (overflow)
        return range_error(type_name);
    int64_t v;
    if (negative) {
        /* |min| computed without negating min, which overflows for INT64_MIN. */
        uint64_t limit = min < 0 ? (uint64_t)(-(min + 1)) + 1 : 0;
        if (mag > limit)
            return range_error(type_name);
        v = mag == 0 ? 0 : -(int64_t)(mag - 1) - 1;
    } else {
        if (max < 0 || mag > (uint64_t)max)
            return range_error(type_name);
        v = (int64_t)mag;
    }
    if (v < min || v > max)
        return range_error(type_name);
    *out = v;
    return NULL;
}

const char *mstr_parse_uint(mstr_str s, uint64_t max, const char *type_name, uint64_t *out)
{
    if (s.len == 0)
        return ERR_EMPTY;
    size_t i = (s.ptr[0] == '-' || s.ptr[0] == '+') ? 1 : 0;
    uint64_t mag;
    bool overflow;
    const char *err = parse_digits(s, i, &mag, &overflow);
    if (err)
        return err;
    if (s.ptr[0] == '-' || overflow || mag > max)
        return range_error(type_name);
    *out = mag;
    return NULL;
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool eq_nocase(const char *p, size_t n, const char *word)
{
    if (strlen(word) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(p[i]) != word[i])
            return false;
    return true;
}

/* inf, infinity or nan in any case, after an optional sign. */
static bool is_special_float(mstr_str s)
{
    size_t i = (s.ptr[0] == '-' || s.ptr[0] == '+') ? 1 : 0;
    const char *p = s.ptr + i;
    size_t n = s.len - i;
    return eq_nocase(p, n, "inf") || eq_nocase(p, n, "infinity") || eq_nocase(p, n, "nan");
}

/* Only the characters of a decimal float, and no 'x' anywhere: what may go to strtod. */
static bool is_decimal_float_text(mstr_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'))
            return false;
    }
    return true;
}

/* Runs strtod (as_float: strtof) on a NUL-terminated copy of s, requiring all of s to be
 * consumed. Overflow to infinity is an error; underflow to zero or a subnormal is not. */
static const char *parse_float(mstr_str s, bool as_float, double *out)
{
    if (s.len == 0)
        return ERR_EMPTY;
    if (!is_special_float(s) && !is_decimal_float_text(s))
        return ERR_NOT_FLOAT;
    char small[128];
    char *text = s.len < sizeof small ? small : mstr_realloc(NULL, s.len + 1);
    memcpy(text, s.ptr, s.len);
    text[s.len] = '\0';
    char *end;
    errno = 0;
    double v = as_float ? (double)strtof(text, &end) : strtod(text, &end);
    bool whole = end == text + s.len;
    bool overflow = errno == ERANGE && isinf(v);
    if (text != small)
        free(text);
    if (!whole)
        return ERR_NOT_FLOAT;
    if (overflow)
        return range_error(as_float ? "f32" : "f64");
    *out = v;
    return NULL;
}

const char *mstr_parse_f64(mstr_str s, double *out)
{
    return parse_float(s, false, out);
}

const char *mstr_parse_f32(mstr_str s, float *out)
{
    double v;
    const char *err = parse_float(s, true, &v);
    if (err)
        return err;
    *out = (float)v;
    return NULL;
}

const char *mstr_parse_bool(mstr_str s, bool *out)
{
    if (s.len == 0)
        return ERR_EMPTY;
    if (mstr_str_eq(s, MSTR_STR("true")) || mstr_str_eq(s, MSTR_STR("1"))) {
        *out = true;
        return NULL;
    }
    if (mstr_str_eq(s, MSTR_STR("false")) || mstr_str_eq(s, MSTR_STR("0"))) {
        *out = false;
        return NULL;
    }
    return ERR_NOT_BOOL;
}
