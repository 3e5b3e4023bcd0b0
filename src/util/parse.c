/*
 * parse.c - number parsing that does not depend on the locale or on NUL
 * termination of its input. Integers are accumulated by hand with overflow
 * checks; doubles are validated by grammar, copied to a small buffer and
 * converted by strtod_l with the C locale.
 */
#include "pcn/parse.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/common.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

enum pcn_err pcn_parse_u64(const char *s, size_t len, uint64_t *ret)
{
    uint64_t v = 0;

    if (len == 0)
        return PCN_EINVAL;
    for (size_t i = 0; i < len; i++) {
        unsigned d;
        if (!is_digit(s[i]))
            return PCN_EINVAL;
        d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return PCN_EINVAL;
        v = v * 10 + d;
    }
    *ret = v;
    return PCN_OK;
}

enum pcn_err pcn_parse_i64(const char *s, size_t len, int64_t *ret)
{
    bool neg = false;
    uint64_t v;

    if (len > 0 && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        s++;
        len--;
    }
    if (pcn_parse_u64(s, len, &v) != PCN_OK)
        return PCN_EINVAL;
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return PCN_EINVAL;
        *ret = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return PCN_EINVAL;
        *ret = (int64_t)v;
    }
    return PCN_OK;
}

enum pcn_err pcn_parse_range(const char *s, size_t len, int64_t min, int64_t max, int64_t *ret)
{
    int64_t v;

    if (pcn_parse_i64(s, len, &v) != PCN_OK || v < min || v > max)
        return PCN_EINVAL;
    *ret = v;
    return PCN_OK;
}

/* Grammar check: [+-]? digits* ('.' digits*)? ([eE][+-]?digits+)?, >= 1 mantissa digit. */
static bool double_grammar_ok(const char *s, size_t len)
{
    size_t i = 0;
    size_t mant = 0;

    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < len && is_digit(s[i])) {
        i++;
        mant++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && is_digit(s[i])) {
            i++;
            mant++;
        }
    }
    if (mant == 0)
        return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t exp = 0;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        while (i < len && is_digit(s[i])) {
            i++;
            exp++;
        }
        if (exp == 0)
            return false;
    }
    return i == len;
}

static locale_t c_locale_get(void)
{
    /* newlocale on "C" is cheap; callers free it. */
    return newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

enum pcn_err pcn_parse_double(const char *s, size_t len, double *ret)
{
    char tmp[64];
    char *end = NULL;
    double v;
    locale_t loc;

    if (len == 0 || len >= sizeof(tmp) || !double_grammar_ok(s, len))
        return PCN_EINVAL;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    loc = c_locale_get();
    if (loc == (locale_t)0)
        return PCN_ENOMEM;
    errno = 0;
    v = strtod_l(tmp, &end, loc);
    freelocale(loc);
    if (end != tmp + len || errno == ERANGE || !isfinite(v))
        return PCN_EINVAL;
    *ret = v;
    return PCN_OK;
}

/*
 * A whole number below 10^15 in magnitude (not -0): the digits "%.15g"
 * prints for it, without printf (the CSV writers format many of these).
 */
static int format_whole(double v, char *out, size_t size)
{
    char digits[16];
    size_t n = 0;
    size_t k = 0;
    uint64_t u = (uint64_t)fabs(v);

    do {
        digits[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (n + (v < 0) >= size)
        return -1;
    if (v < 0)
        out[k++] = '-';
    while (n)
        out[k++] = digits[--n];
    out[k] = '\0';
    return (int)k;
}

int pcn_format_double(double v, char *out, size_t size)
{
    if (v == trunc(v) && fabs(v) < 1e15 && !(v == 0 && signbit(v)))
        return format_whole(v, out, size);
    locale_t loc = c_locale_get();
    locale_t old;
    int n;

    if (loc == (locale_t)0)
        return -1;
    old = uselocale(loc);
    n = snprintf(out, size, "%.15g", v);
    (void)uselocale(old);
    freelocale(loc);
    if (n < 0 || (size_t)n >= size)
        return -1;
    return n;
}
