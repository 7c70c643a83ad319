/*
 * mstr_time.c - calendar dates as day numbers (see mstr_time.h).
 *
 * The algorithms count in 400-year eras of 146097 days, shifted so that years start in March
 * (the leap day then ends a year): see H. Hinnant, "chrono-Compatible Low-Level Date
 * Algorithms".
 */
#include "mstr_time.h"

#include <inttypes.h>

int64_t mstr_days_from_civil(int64_t year, int64_t month, int64_t day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t yoe = year - era * 400;                                        /* [0, 399] */
    int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                   /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void mstr_civil_from_days(int64_t days, int64_t *year, int64_t *month, int64_t *day)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = yoe + era * 400 + (*month <= 2);
}

mstr_str mstr_date_text(mstr_ctx *ctx, int64_t days)
{
    if (days == INT64_MAX)
        return MSTR_STR("MAX");
    int64_t y, m, d;
    mstr_civil_from_days(days, &y, &m, &d);
    return mstr_str_printf(ctx, "%04" PRId64 "-%02" PRId64 "-%02" PRId64, y, m, d);
}
