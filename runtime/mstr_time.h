/*
 * mstr_time.h - calendar dates as timestamps, for jobs whose event time is a date.
 *
 * A date is the number of days since 1970-01-01 (negative before), so that date arithmetic is
 * integer arithmetic and a bound of "62 days" is the number 62. The conversions are Howard
 * Hinnant's proleptic Gregorian algorithms, exact for every representable year. Also the
 * arithmetic of event-time windows.
 */
#ifndef MSTR_TIME_H
#define MSTR_TIME_H

#include <stdint.h>

#include "mstr_str.h"

/* Days since 1970-01-01 of year-month-day (month 1..12, day 1..31). */
int64_t mstr_days_from_civil(int64_t year, int64_t month, int64_t day);

/* The year, month and day of a day number. */
void mstr_civil_from_days(int64_t days, int64_t *year, int64_t *month, int64_t *day);

/* The largest multiple of p (> 0) that is <= t: where the window of size p holding t starts. */
static inline int64_t mstr_floor_multiple(int64_t t, int64_t p)
{
    int64_t q = t / p;
    if (t % p < 0)
        q--;
    return q * p;
}

/* "YYYY-MM-DD" for a day number (in the batch's arena), or "MAX" for MSTR_EPOCH_MAX. */
mstr_str mstr_date_text(mstr_ctx *ctx, int64_t days);

#endif
