/*
 * parse.h - strict, locale-independent number parsing for spans of text.
 * Each function accepts exactly the whole span (no leading or trailing
 * spaces, no empty input) and writes *ret only on success.
 */
#ifndef PCN_PARSE_H
#define PCN_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/error.h"

/* Decimal integer with optional sign. PCN_EINVAL if malformed or out of range. */
enum pcn_err pcn_parse_i64(const char *s, size_t len, int64_t *ret);

/* Decimal unsigned integer without sign. */
enum pcn_err pcn_parse_u64(const char *s, size_t len, uint64_t *ret);

/* i64 restricted to [min, max]. */
enum pcn_err pcn_parse_range(const char *s, size_t len, int64_t min, int64_t max, int64_t *ret);

/*
 * Decimal floating-point number: optional sign, digits, optional fraction,
 * optional exponent. Always uses '.' whatever the locale. Rejects inf/nan
 * and hex forms.
 */
enum pcn_err pcn_parse_double(const char *s, size_t len, double *ret);

/*
 * Format a double with up to 15 significant digits in the shortest form
 * that reads back to the same text ("%.15g" semantics, '.' decimal point,
 * no locale). Writes at most size bytes including the NUL; returns the
 * length written or -1 if it did not fit.
 */
int pcn_format_double(double v, char *out, size_t size);

#endif /* PCN_PARSE_H */
