/*
 * mstr_time.h - calendar dates as timestamps, for jobs whose event time is a date.
 *
 * A date is the number of days since 1970-01-01 (negative before), so that date arithmetic is
 * integer arithmetic and a bound of "62 days" is the number 62. The conversions are Howard
 * Hinnant's proleptic Gregorian algorithms, exact for every representable year. Also the
 * arithmetic of event-time windows, and the clocks in milliseconds.
 */
#ifndef MSTR_TIME_H
#define MSTR_TIME_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "mstr_str.h"

/* Milliseconds on a clock: CLOCK_MONOTONIC for durations and deadlines, CLOCK_REALTIME for
 * processing time (milliseconds since 1970, as event time usually is). */
static inline int64_t mstr_clock_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Nanoseconds on a clock (CLOCK_MONOTONIC for durations). */
static inline int64_t mstr_clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Days since 1970-01-01 of year-month-day (month 1..12, day 1..31). */
int64_t mstr_days_from_civil(int64_t year, int64_t month, int64_t day);

/* The year, month and day of a day number. */
void mstr_civil_from_days(int64_t days, int64_t *year, int64_t *month, int64_t *day);

/* Event time saturates at the limits of i64 instead of wrapping: a window, session or join
 * bound that would end past the largest timestamp ends at it (and fires with the epoch that
 * ends the stream), one that would start before the least starts at it. */

/* a + b, clamped to [INT64_MIN, INT64_MAX]. */
static inline int64_t mstr_ts_add(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

/* a - b, clamped to [INT64_MIN, INT64_MAX]. */
static inline int64_t mstr_ts_sub(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r))
        return b < 0 ? INT64_MAX : INT64_MIN;
    return r;
}

/* Whether u - t lies in [lo, hi], computed without overflow (an interval join's match). */
static inline bool mstr_ts_within(int64_t u, int64_t t, int64_t lo, int64_t hi)
{
    int64_t d;
    return !__builtin_sub_overflow(u, t, &d) && d >= lo && d <= hi;
}

/* Windows are numbered: window m of a clause that starts one every `slide` covers [m * slide,
 * m * slide + size) (tumbling: slide == size). Its bounds are worked out in 128 bits and then
 * clamped, so that the window holding the least timestamps starts at INT64_MIN but ends where
 * it would have, and the one holding the largest ends at INT64_MAX. */

/* The window number of t with this slide (> 0): t / slide rounded down. */
static inline int64_t mstr_floor_div(int64_t t, int64_t slide)
{
    int64_t q = t / slide;
    return t % slide < 0 ? q - 1 : q;
}

static inline int64_t mstr_ts_clamp(__int128 t)
{
    return t < INT64_MIN ? INT64_MIN : t > INT64_MAX ? INT64_MAX : (int64_t)t;
}

static inline int64_t mstr_window_start(int64_t m, int64_t slide)
{
    return mstr_ts_clamp((__int128)m * slide);
}

static inline int64_t mstr_window_end(int64_t m, int64_t slide, int64_t size)
{
    return mstr_ts_clamp((__int128)m * slide + size);
}

/* The first window that holds t (size >= slide): the least m with m * slide + size > t, but
 * no less than INT64_MIN. The last is mstr_floor_div(t, slide). */
static inline int64_t mstr_window_first(int64_t t, int64_t slide, int64_t size)
{
    __int128 d = (__int128)t - size, m = d / slide;
    if (d % slide < 0)
        m--;
    return m + 1 < INT64_MIN ? INT64_MIN : (int64_t)(m + 1);
}

/* The largest multiple of p (> 0) that is <= t, clamped: where the window of size p holding t
 * starts. */
static inline int64_t mstr_floor_multiple(int64_t t, int64_t p)
{
    return mstr_window_start(mstr_floor_div(t, p), p);
}

/* The end of the tumbling window of this size that starts at start (a mstr_floor_multiple). */
static inline int64_t mstr_tumbling_end(int64_t start, int64_t size)
{
    return mstr_window_end(mstr_floor_div(start, size), size, size);
}

/* "YYYY-MM-DD" for a day number (in the batch's arena), or "MAX" for MSTR_EPOCH_MAX. */
mstr_str mstr_date_text(mstr_ctx *ctx, int64_t days);

#endif
