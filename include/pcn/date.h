/*
 * date.h - the two kinds of time in OpenPCN: clinical dates as int32 days
 * since 1970-01-01 (proleptic Gregorian), and instants as int64
 * microseconds since the epoch (pcn_usec_t). No time zones for dates.
 */
#ifndef PCN_DATE_H
#define PCN_DATE_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/error.h"

typedef int64_t pcn_usec_t;

/* A missing date. Sorts before every real date. */
#define PCN_DATE_NONE INT32_MIN
/* The dates there are: 0001-01-01 and 9999-12-31 as days since 1970-01-01. */
#define PCN_DATE_MIN (-719162)
#define PCN_DATE_MAX 2932896

/* Length of "YYYY-MM-DD" plus NUL. */
#define PCN_DATE_STR_SIZE 11

/* Days since 1970-01-01 for a valid y-m-d; PCN_EINVAL if not a real date or y outside 1..9999. */
enum pcn_err pcn_date_from_ymd(int y, int m, int d, int32_t *ret);

/* Split a day number into year, month (1-12) and day (1-31). */
void pcn_date_to_ymd(int32_t days, int *ret_y, int *ret_m, int *ret_d);

/* Parse exactly "YYYY-MM-DD". */
enum pcn_err pcn_date_parse(const char *s, size_t len, int32_t *ret);

/*
 * Parse an ISO 8601 date or date-time as exchanged by FHIR and Synthea:
 * "YYYY-MM-DD", "YYYY-MM-DDThh:mm:ss[.fff](Z|+hh:mm)" or the FHIR partial
 * dates "YYYY" and "YYYY-MM" (first day of the period). The date part is
 * taken as written (no time-zone shift).
 */
enum pcn_err pcn_date_parse_iso(const char *s, size_t len, int32_t *ret);

/* Parse the compact "YYYYMMDD" form used by NHS ODS files. */
enum pcn_err pcn_date_parse_compact(const char *s, size_t len, int32_t *ret);

/*
 * Write "YYYY-MM-DD" into out (at least PCN_DATE_STR_SIZE bytes). A
 * PCN_DATE_NONE date is written as the empty string.
 */
void pcn_date_format(int32_t days, char *out);

/* Length of "YYYY-MM-DDThh:mm:ssZ" plus NUL. */
#define PCN_INSTANT_STR_SIZE 21

/*
 * Write an instant as ISO 8601 UTC to the second ("2026-11-23T15:30:05Z")
 * into out (at least PCN_INSTANT_STR_SIZE bytes); "" when out of range.
 */
void pcn_instant_format(pcn_usec_t t, char *out);

/* Whole years of age on date `on` for someone born on `dob` (birthday on `on` counts). */
int pcn_date_age(int32_t dob, int32_t on);

/*
 * Add n months (may be negative), clamping the day to the month's end.
 * PCN_DATE_NONE when the result would fall outside years 1..9999.
 */
int32_t pcn_date_add_months(int32_t days, int n);

/* Today's date in UTC. */
int32_t pcn_date_today(void);

/* The current instant. */
pcn_usec_t pcn_now_usec(void);

/* Monotonic clock in microseconds, for measuring durations. */
pcn_usec_t pcn_monotonic_usec(void);

#endif /* PCN_DATE_H */
