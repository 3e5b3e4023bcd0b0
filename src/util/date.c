/*
 * date.c - calendar arithmetic on day numbers (Howard Hinnant's civil
 * algorithms, public domain description) and strict date parsing.
 */
#include "pcn/date.h"

#include <stdio.h>
#include <time.h>

#include "util/common.h"

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

static int32_t days_from_civil(int y, int m, int d)
{
    int yy = m <= 2 ? y - 1 : y;
    int era = (yy >= 0 ? yy : yy - 399) / 400;
    int yoe = yy - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

enum pcn_err pcn_date_from_ymd(int y, int m, int d, int32_t *ret)
{
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return PCN_EINVAL;
    *ret = days_from_civil(y, m, d);
    return PCN_OK;
}

void pcn_date_to_ymd(int32_t days, int *ret_y, int *ret_m, int *ret_d)
{
    int z = days + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    int d = doy - (153 * mp + 2) / 5 + 1;
    int m = mp < 10 ? mp + 3 : mp - 9;

    *ret_y = yoe + era * 400 + (m <= 2);
    *ret_m = m;
    *ret_d = d;
}

static bool digits(const char *s, size_t n, int *ret)
{
    int v = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *ret = v;
    return true;
}

enum pcn_err pcn_date_parse(const char *s, size_t len, int32_t *ret)
{
    int y;
    int m;
    int d;

    if (len != 10 || s[4] != '-' || s[7] != '-')
        return PCN_EINVAL;
    if (!digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
        return PCN_EINVAL;
    return pcn_date_from_ymd(y, m, d, ret);
}

enum pcn_err pcn_date_parse_compact(const char *s, size_t len, int32_t *ret)
{
    int y;
    int m;
    int d;

    if (len != 8 || !digits(s, 4, &y) || !digits(s + 4, 2, &m) || !digits(s + 6, 2, &d))
        return PCN_EINVAL;
    return pcn_date_from_ymd(y, m, d, ret);
}

/* Validate "hh:mm:ss[.f+](Z|+hh:mm|-hh:mm)" or "hh:mm:ss[.f+]" exactly. */
static bool time_part_ok(const char *s, size_t len)
{
    int hh;
    int mm;
    int ss;
    size_t i = 8;

    if (len < 8 || s[2] != ':' || s[5] != ':')
        return false;
    if (!digits(s, 2, &hh) || !digits(s + 3, 2, &mm) || !digits(s + 6, 2, &ss))
        return false;
    if (hh > 24 || mm > 59 || ss > 60)
        return false;
    if (i < len && s[i] == '.') {
        size_t start = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == start)
            return false;
    }
    if (i == len)
        return true;
    if (s[i] == 'Z')
        return i + 1 == len;
    if ((s[i] == '+' || s[i] == '-') && len - i == 6 && s[i + 3] == ':') {
        int th;
        int tm;
        return digits(s + i + 1, 2, &th) && digits(s + i + 4, 2, &tm) && th <= 14 && tm <= 59;
    }
    return false;
}

enum pcn_err pcn_date_parse_iso(const char *s, size_t len, int32_t *ret)
{
    int y;
    int m;

    if (len == 4) {
        if (!digits(s, 4, &y))
            return PCN_EINVAL;
        return pcn_date_from_ymd(y, 1, 1, ret);
    }
    if (len == 7) {
        if (s[4] != '-' || !digits(s, 4, &y) || !digits(s + 5, 2, &m))
            return PCN_EINVAL;
        return pcn_date_from_ymd(y, m, 1, ret);
    }
    if (len == 10)
        return pcn_date_parse(s, len, ret);
    if (len > 11 && s[10] == 'T' && time_part_ok(s + 11, len - 11))
        return pcn_date_parse(s, 10, ret);
    return PCN_EINVAL;
}

void pcn_date_format(int32_t days, char *out)
{
    int y;
    int m;
    int d;

    if (days == PCN_DATE_NONE) {
        out[0] = '\0';
        return;
    }
    pcn_date_to_ymd(days, &y, &m, &d);
    y = ((y % 10000) + 10000) % 10000;
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

int pcn_date_age(int32_t dob, int32_t on)
{
    int by;
    int bm;
    int bd;
    int y;
    int m;
    int d;
    int age;

    pcn_date_to_ymd(dob, &by, &bm, &bd);
    pcn_date_to_ymd(on, &y, &m, &d);
    age = y - by;
    if (m < bm || (m == bm && d < bd))
        age--;
    return age;
}

int32_t pcn_date_add_months(int32_t days, int n)
{
    int y;
    int m;
    int d;
    int total;
    int32_t out;

    pcn_date_to_ymd(days, &y, &m, &d);
    if (n > 12 * 10000 || n < -12 * 10000)
        return PCN_DATE_NONE;
    total = y * 12 + (m - 1) + n;
    if (total < 12 || total > 9999 * 12 + 11)
        return PCN_DATE_NONE; /* outside years 1..9999 */
    y = total / 12;
    m = total % 12 + 1;
    if (d > days_in_month(y, m))
        d = days_in_month(y, m);
    if (pcn_date_from_ymd(y, m, d, &out) != PCN_OK)
        return PCN_DATE_NONE;
    return out;
}

int32_t pcn_date_today(void)
{
    return (int32_t)(pcn_now_usec() / 1000000 / 86400);
}

void pcn_instant_format(pcn_usec_t t, char *out)
{
    int64_t secs = t >= 0 ? t / 1000000 : -((-t + 999999) / 1000000);
    int64_t day = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t in_day = secs - day * 86400;
    char date[PCN_DATE_STR_SIZE];
    int n;

    out[0] = '\0';
    if (day < -719162 || day > 2932896) /* 0001-01-01 .. 9999-12-31 */
        return;
    pcn_date_format((int32_t)day, date);
    n = snprintf(out, PCN_INSTANT_STR_SIZE, "%sT%02d:%02d:%02dZ", date, (int)(in_day / 3600),
                 (int)(in_day / 60 % 60), (int)(in_day % 60));
    if (n < 0 || n >= PCN_INSTANT_STR_SIZE)
        out[0] = '\0';
}

pcn_usec_t pcn_now_usec(void)
{
    struct timespec ts;

    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return (pcn_usec_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

pcn_usec_t pcn_monotonic_usec(void)
{
    struct timespec ts;

    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (pcn_usec_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
