/*
 * money.h - exact amounts for workforce and finance: money in pence
 * (int64), per-unit rates in thousandths of a penny (the Network Contract
 * DES quotes rates such as 2.218 pounds a patient), and whole-time
 * equivalents in millionths (the workforce census publishes FTE to nine
 * decimals). Text is parsed digit by digit, never through a double, and
 * every division rounds half away from zero in one documented place.
 * Pure functions; thread-safe.
 */
#ifndef PCN_MONEY_H
#define PCN_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/error.h"

/* Rate units in a penny: a rate of 2.218 pounds is 221,800 units. */
#define PCN_RATE_PER_PENNY 1000
/* Whole-time equivalent units in 1.0 WTE (37.5 hours a week). */
#define PCN_WTE_ONE 1000000

/* "-92233720368547758.08" plus NUL, rounded up. */
#define PCN_MONEY_STR_SIZE 32
/* "-9223372036854.775807" plus NUL, rounded up. */
#define PCN_WTE_STR_SIZE 32

/*
 * Parse a decimal amount of pounds ("1234", "1234.5", "1234.56", optional
 * leading '-') into pence. More than two decimals, thousands separators,
 * a pound sign, spaces or an out-of-range value: PCN_EINVAL.
 */
enum pcn_err pcn_pence_parse(const char *s, size_t len, int64_t *ret);

/*
 * Parse a per-unit rate in pounds with up to five decimals ("2.218",
 * "0.72963", "120") into rate units (PCN_RATE_PER_PENNY to the penny).
 * Negative rates, more decimals or junk: PCN_EINVAL.
 */
enum pcn_err pcn_rate_parse(const char *s, size_t len, int64_t *ret);

/*
 * Parse a whole-time equivalent ("1", "0.8", "0.986666667") into WTE
 * units. Digits past the sixth decimal are rounded half up. Negative
 * values or junk: PCN_EINVAL; values of 1000 or more: PCN_EINVAL.
 */
enum pcn_err pcn_wte_parse(const char *s, size_t len, int64_t *ret);

/* Write pence as pounds with two decimals ("-1234.05") into out. */
void pcn_pence_format(int64_t pence, char out[PCN_MONEY_STR_SIZE]);

/* Write a rate in pounds with the decimals it needs, at least two ("2.218", "120.00"). */
void pcn_rate_format(int64_t rate, char out[PCN_MONEY_STR_SIZE]);

/* Write WTE units with the decimals they need ("1", "0.8", "0.986667"). */
void pcn_wte_format(int64_t wte, char out[PCN_WTE_STR_SIZE]);

/*
 * a * b / den rounded half away from zero (den > 0). PCN_ELIMIT if a * b
 * does not fit an int64 (no amount OpenPCN handles comes near: a year's
 * cap in pence times WTE units times days is below 10^17).
 */
enum pcn_err pcn_muldiv(int64_t a, int64_t b, int64_t den, int64_t *ret);

/*
 * Split total into n parts in proportion to weights[] (each >= 0, not all
 * zero) so that the parts add up to total exactly: each part is rounded
 * down, then the pennies left go one each to the largest remainders (ties
 * to the lower index). ret has n elements. PCN_EINVAL on bad weights,
 * PCN_ELIMIT on overflow.
 */
enum pcn_err pcn_apportion(int64_t total, const int64_t *weights, size_t n, int64_t *ret);

#endif /* PCN_MONEY_H */
