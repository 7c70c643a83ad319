/*
 * mstr_parse.h - text to scalar values, for CSV columns and typed lines.
 *
 * Each function parses the whole slice (no leading or trailing junk; surrounding spaces are
 * not allowed either, so "1 " is an error) and returns NULL on success or a short static
 * message saying what was wrong ("not an integer", "out of range for i8", ...).
 */
#ifndef MSTR_PARSE_H
#define MSTR_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "mstr_str.h"

/* Signed integers in [min, max]; type_name ("i8", ...) is used in the range message. */
const char *mstr_parse_int(mstr_str s, int64_t min, int64_t max, const char *type_name, int64_t *out);
/* Unsigned integers in [0, max]. A leading '-' or '+' is an error for unsigned types, except "+N". */
const char *mstr_parse_uint(mstr_str s, uint64_t max, const char *type_name, uint64_t *out);
/* Decimal floats as strtod reads them, plus inf/-inf/nan; hex floats are refused. */
const char *mstr_parse_f64(mstr_str s, double *out);
const char *mstr_parse_f32(mstr_str s, float *out);
/* true/false (also 1/0). */
const char *mstr_parse_bool(mstr_str s, bool *out);

#endif
