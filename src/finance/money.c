/*
 * money.c - fixed-point amounts: pounds text to pence, rates to
 * thousandths of a penny, WTE to millionths, and back to text; one
 * rounding rule (half away from zero) for every division, and a
 * largest-remainder split whose parts always add up to the whole.
 * Invariant: no double is ever involved in an amount.
 */
#include "pcn/money.h"

#include <stdio.h>
#include <string.h>

#include "util/common.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* v = v * 10 + digit, false on overflow. */
static bool push_digit(int64_t *v, char c)
{
    return !__builtin_mul_overflow(*v, 10, v) && !__builtin_add_overflow(*v, c - '0', v);
}

/*
 * Parse [-]digits[.digits] into an integer scaled by 10^scale. Up to
 * `scale` decimals are kept exactly; when round_extra is set, further
 * decimals round half up (the first of them decides), otherwise they are
 * an error.
 */
static enum pcn_err parse_fixed(const char *s, size_t len, int scale, bool round_extra,
                                bool allow_neg, int64_t *ret)
{
    bool neg = false;
    bool round_up = false;
    size_t i = 0;
    size_t int_digits = 0;
    int decimals = 0;
    int64_t v = 0;

    if (len > 0 && s[0] == '-' && allow_neg) {
        neg = true;
        i = 1;
    }
    for (; i < len && is_digit(s[i]); i++, int_digits++) {
        if (!push_digit(&v, s[i]))
            return PCN_EINVAL;
    }
    if (i < len && s[i] == '.') {
        size_t first = ++i;
        for (; i < len && is_digit(s[i]); i++) {
            if (decimals < scale) {
                if (!push_digit(&v, s[i]))
                    return PCN_EINVAL;
                decimals++;
            } else if (!round_extra) {
                return PCN_EINVAL;
            } else if (i == first + (size_t)scale) {
                round_up = s[i] >= '5';
            }
        }
        if (i == first)
            return PCN_EINVAL;
    } else if (int_digits == 0) {
        return PCN_EINVAL;
    }
    if (i != len)
        return PCN_EINVAL;
    for (; decimals < scale; decimals++) {
        if (__builtin_mul_overflow(v, 10, &v))
            return PCN_EINVAL;
    }
    if (round_up && __builtin_add_overflow(v, 1, &v))
        return PCN_EINVAL;
    *ret = neg ? -v : v;
    return PCN_OK;
}

enum pcn_err pcn_pence_parse(const char *s, size_t len, int64_t *ret)
{
    return parse_fixed(s, len, 2, false, true, ret);
}

enum pcn_err pcn_rate_parse(const char *s, size_t len, int64_t *ret)
{
    return parse_fixed(s, len, 5, false, false, ret);
}

enum pcn_err pcn_wte_parse(const char *s, size_t len, int64_t *ret)
{
    int64_t v;

    if (parse_fixed(s, len, 6, true, false, &v) != PCN_OK || v >= (int64_t)1000 * PCN_WTE_ONE)
        return PCN_EINVAL;
    *ret = v;
    return PCN_OK;
}

/*
 * Write v / 10^scale (scale at most 6) with at least min_dec and at most
 * scale decimals, trailing zeros beyond min_dec dropped.
 */
static void format_fixed(int64_t v, int scale, int min_dec, char *out, size_t size)
{
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    uint64_t div = 1;
    uint64_t part;
    char digits[6] = {0};
    int n = scale;
    int len;

    for (int i = 0; i < scale; i++)
        div *= 10;
    part = mag % div;
    for (int i = scale - 1; i >= 0; i--) {
        digits[i] = (char)('0' + part % 10);
        part /= 10;
    }
    while (n > min_dec && digits[n - 1] == '0')
        n--;
    len = snprintf(out, size, "%s%llu", v < 0 ? "-" : "", (unsigned long long)(mag / div));
    if (n > 0 && len > 0 && (size_t)len + 1 + (size_t)n < size) {
        out[len] = '.';
        memcpy(out + len + 1, digits, (size_t)n);
        out[len + 1 + n] = '\0';
    }
}

void pcn_pence_format(int64_t pence, char out[PCN_MONEY_STR_SIZE])
{
    format_fixed(pence, 2, 2, out, PCN_MONEY_STR_SIZE);
}

void pcn_rate_format(int64_t rate, char out[PCN_MONEY_STR_SIZE])
{
    format_fixed(rate, 5, 2, out, PCN_MONEY_STR_SIZE);
}

void pcn_wte_format(int64_t wte, char out[PCN_WTE_STR_SIZE])
{
    format_fixed(wte, 6, 0, out, PCN_WTE_STR_SIZE);
}

enum pcn_err pcn_muldiv(int64_t a, int64_t b, int64_t den, int64_t *ret)
{
    int64_t p;
    int64_t q;
    int64_t r;

    if (den <= 0)
        return PCN_EINVAL;
    if (__builtin_mul_overflow(a, b, &p))
        return PCN_ELIMIT;
    q = p / den;
    r = p % den; /* same sign as p, |r| < den */
    if (r < 0)
        r = -r;
    if (r >= den - r) /* |r| / den >= 1/2: one step away from zero */
        q += p < 0 ? -1 : 1;
    *ret = q;
    return PCN_OK;
}

/* Apportion a non-negative total; see pcn_apportion(). */
static enum pcn_err apportion_pos(int64_t total, const int64_t *weights, size_t n, int64_t sum,
                                  int64_t *ret)
{
    int64_t given = 0;

    for (size_t i = 0; i < n; i++) {
        int64_t p;
        if (__builtin_mul_overflow(total, weights[i], &p))
            return PCN_ELIMIT;
        ret[i] = p / sum;
        given += ret[i];
    }
    /* fewer than n pennies are left: one each to the largest remainders */
    while (given < total) {
        size_t best = n;
        int64_t best_rem = -1;
        for (size_t i = 0; i < n; i++) {
            /* what rounding down took from part i; negative once it got its penny */
            int64_t rem = total * weights[i] - ret[i] * sum;
            if (rem > 0 && rem > best_rem) {
                best = i;
                best_rem = rem;
            }
        }
        if (PCN_NEVER(best == n))
            return PCN_EINVAL;
        ret[best]++;
        given++;
    }
    return PCN_OK;
}

enum pcn_err pcn_apportion(int64_t total, const int64_t *weights, size_t n, int64_t *ret)
{
    int64_t sum = 0;
    enum pcn_err rc;

    for (size_t i = 0; i < n; i++) {
        if (weights[i] < 0 || __builtin_add_overflow(sum, weights[i], &sum))
            return PCN_EINVAL;
    }
    if (n == 0 || sum == 0 || total == INT64_MIN)
        return PCN_EINVAL;
    if (total >= 0)
        return apportion_pos(total, weights, n, sum, ret);
    rc = apportion_pos(-total, weights, n, sum, ret);
    for (size_t i = 0; rc == PCN_OK && i < n; i++)
        ret[i] = -ret[i];
    return rc;
}
