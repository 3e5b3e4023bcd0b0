/*
 * finance_int.h - helpers shared by the files of src/finance/: reading a
 * CSV file's header into column indexes and fetching cells by name, and
 * the contract year's month arithmetic. Not installed.
 */
#ifndef PCN_FINANCE_INT_H
#define PCN_FINANCE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/csv.h"
#include "pcn/error.h"

/* Columns of a CSV file found by name in its header. */
struct pcn__cols {
    size_t n;
    const char *const *names; /* borrowed */
    long idx[32];             /* -1 when the file has no such column */
};

/*
 * Read the header record of c into cols for the n names (n <= 32). Every
 * name listed in required (a prefix of names: the first n_required) must be
 * present: PCN_EPARSE "FILE:LINE: missing column X" otherwise. An empty
 * file is PCN_EPARSE too.
 */
enum pcn_err pcn__cols_read(struct pcn_csv *c, struct pcn__cols *cols, const char *const *names,
                            size_t n, size_t n_required, struct pcn_error *reterr);

/* The same over the current record, already read as the header. */
enum pcn_err pcn__cols_find(const struct pcn_csv *c, struct pcn__cols *cols,
                            const char *const *names, size_t n, size_t n_required,
                            struct pcn_error *reterr);

/* The current record's cell of column i, or "" when the file lacks it or the row is short. */
const char *pcn__cell(const struct pcn_csv *c, const struct pcn__cols *cols, size_t i,
                      size_t *ret_len);

/* Set *reterr to "FILE:LINE: message" for the current record and return code. */
enum pcn_err pcn__row_error(const struct pcn_csv *c, struct pcn_error *reterr, enum pcn_err code,
                            const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Index of s in names[0..n), or -1. */
int pcn__name_index(const char *const *names, size_t n, const char *s);

/* names[i], or "" when i is out of range. */
const char *pcn__name_at(const char *const *names, size_t n, int i);

/* Months in a contract year. */
#define PCN__MONTHS 12

/* First day of month m (0 = April) of the contract year starting on `from`. */
int32_t pcn__month_start(int32_t from, int m);

/* Days in month m of the contract year starting on `from`. */
int pcn__month_days(int32_t from, int m);

/* Days of [a1, a2] inside [b1, b2] (all inclusive; a2 may be PCN_DATE_NONE for open). */
int64_t pcn__overlap_days(int32_t a1, int32_t a2, int32_t b1, int32_t b2);

struct pcn_contract;

/* Size of the cuts array pcn__cap_cuts() needs for contract c. */
size_t pcn__cap_cuts_size(const struct pcn_contract *c);

/*
 * The days in [lo, hi] on which the cap rows that may apply to role can
 * change: lo itself, then every row's first day and every day after a
 * row's last, in order, without repeats. Writes them to cuts (at least
 * pcn__cap_cuts_size(c) elements) and returns how many.
 */
size_t pcn__cap_cuts(const struct pcn_contract *c, int role, int32_t lo, int32_t hi, int32_t *cuts);

/*
 * The readers behind the file loaders, over an open CSV reader (borrowed,
 * not freed), for the fuzz harness and callers that hold the text in
 * memory. Same contracts as pcn_staff_read_csv(), pcn_census_read(),
 * pcn_agreement_load() (into an existing agreement) and
 * pcn_contract_load().
 */
struct pcn_staff;
struct pcn_roles;
struct pcn_findings;
struct pcn_agreement;
struct pcn_census_row;
enum pcn_err pcn__staff_read(struct pcn_staff *s, const struct pcn_roles *roles, struct pcn_csv *c,
                             struct pcn_findings *f, struct pcn_error *reterr);
enum pcn_err pcn__census_read(struct pcn_csv *c, const struct pcn_roles *roles,
                              int (*fn)(const struct pcn_census_row *, void *), void *ud,
                              struct pcn_error *reterr);
enum pcn_err pcn__agreement_read(struct pcn_agreement *a, struct pcn_csv *c,
                                 struct pcn_error *reterr);
enum pcn_err pcn__contract_read(struct pcn_csv *c, const struct pcn_roles *roles,
                                struct pcn_contract **ret, struct pcn_error *reterr);

#endif /* PCN_FINANCE_INT_H */
