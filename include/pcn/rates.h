/*
 * rates.h - the rules of the Network Contract DES as data: the staff role
 * vocabulary (roles.csv, with the workforce census's role names mapped to
 * it in census_roles.csv) and one file per contract year
 * (ncdes_YYYY-YY.csv: the ARRS roles with their bands, maximum
 * reimbursable amounts and the dates they apply; the DES income lines and
 * their rates; limits). Next year's contract is a new file, not new code.
 * The layout is in data/reference/ncdes/README.md and docs/formats.md.
 *
 * Loaded objects are immutable: share them read-only across threads.
 * Errors name the file and line ("ncdes_2025-26.csv:14: ...").
 */
#ifndef PCN_RATES_H
#define PCN_RATES_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/error.h"

/* ---- Agenda for Change bands ---- */

/*
 * Bands are small integers in pay order: 0 means no band (GPs, contracted
 * services), 1-7 are bands 1-7, then 8a, 8b, 8c, 8d and 9.
 */
enum {
    PCN_BAND_NONE = 0,
    PCN_BAND_8A = 8,
    PCN_BAND_8B = 9,
    PCN_BAND_8C = 10,
    PCN_BAND_8D = 11,
    PCN_BAND_9 = 12,
};

/* Parse "1".."7", "8a".."8d" (either case), "9"; "" is PCN_BAND_NONE. PCN_EINVAL otherwise. */
enum pcn_err pcn_band_parse(const char *s, size_t len, int *ret);

/* "7", "8a"; "" for PCN_BAND_NONE. Static string; never NULL. */
const char *pcn_band_name(int band);

/* ---- roles ---- */

enum pcn_role_group {
    PCN_ROLE_GROUP_GP,       /* general practitioners */
    PCN_ROLE_GROUP_NURSE,    /* registered nurses */
    PCN_ROLE_GROUP_DPC,      /* other direct patient care */
    PCN_ROLE_GROUP_ADMIN,    /* administrative and non-clinical */
    PCN_ROLE_GROUP_DIRECTOR, /* clinical and non-clinical directors */
};

/* "gp", "nurse", "dpc", "admin", "director". */
const char *pcn_role_group_name(enum pcn_role_group g);

struct pcn_staff_role {
    const char *key;  /* read-only; e.g. "clinical_pharmacist" */
    const char *name; /* read-only; e.g. "Clinical pharmacist" */
    enum pcn_role_group group;
};

/* The role vocabulary and the census mapping. Opaque; immutable once loaded. */
struct pcn_roles;

/*
 * Load roles.csv (role,name,group) and census_roles.csv
 * (staff_group,staff_role,detailed_staff_role,role) from the folder dir.
 * Caller frees *ret with pcn_roles_free(). PCN_EPARSE with FILE:LINE on
 * bad content (duplicate role, unknown group, census row naming an
 * unknown role), PCN_EIO if a file cannot be read.
 */
enum pcn_err pcn_roles_load(const char *dir, struct pcn_roles **ret, struct pcn_error *reterr);
void pcn_roles_free(struct pcn_roles *r);

size_t pcn_roles_count(const struct pcn_roles *r);
/* Role i (i < count). Borrowed; valid while r lives. */
const struct pcn_staff_role *pcn_roles_at(const struct pcn_roles *r, size_t i);
/* Index of the role with this key, or -1. */
int pcn_roles_find(const struct pcn_roles *r, const char *key, size_t len);
/* Index of the role the census's (staff_role, detailed_staff_role) maps to, or -1. */
int pcn_roles_census(const struct pcn_roles *r, const char *staff_role, const char *detailed_role);

/* ---- one contract year ---- */

enum pcn_rate_status {
    PCN_RATE_PUBLISHED, /* the figure is in a cited source */
    PCN_RATE_DERIVED,   /* computed from published figures; the note says how */
    PCN_RATE_UNKNOWN,   /* not in the sources read; no amount */
};

/* "published", "derived", "unknown". */
const char *pcn_rate_status_name(enum pcn_rate_status s);

/* What a DES line's rate multiplies. */
enum pcn_basis {
    PCN_BASIS_REGISTERED, /* registered list at the count date */
    PCN_BASIS_ADJUSTED,   /* adjusted population at the count date */
    PCN_BASIS_WEIGHTED,   /* contractor (Carr-Hill) weighted population */
    PCN_BASIS_BEDS,       /* beds in aligned care homes */
    PCN_BASIS_POINTS,     /* IIF points achieved */
    PCN_BASIS_INCLUDED,   /* paid as part of another line (`part_of`) */
};

/* "registered", "adjusted", "weighted", "beds", "points", "included". */
const char *pcn_basis_name(enum pcn_basis b);

enum pcn_paid {
    PCN_PAID_MONTHLY,     /* a twelfth a month */
    PCN_PAID_ACHIEVEMENT, /* on achievement (CAIP, IIF) */
    PCN_PAID_CLAIMS,      /* reimbursed against claims up to the amount (ARRS) */
};

/* "monthly", "achievement", "claims". */
const char *pcn_paid_name(enum pcn_paid p);

/* London weighting of ARRS maximum amounts. */
enum pcn_london {
    PCN_LONDON_NONE,
    PCN_LONDON_OUTER,
    PCN_LONDON_INNER,
};

/*
 * One row of a role's maximum reimbursable amount: the role is an ARRS
 * role from `from` to `to` at this amount for bands band_min..band_max.
 * All fields read-only.
 */
struct pcn_role_cap {
    int role;                    /* index in the roles */
    int band_min;                /* PCN_BAND_NONE when the row names no band */
    int band_max;                /* PCN_BAND_NONE when the row names no band */
    int32_t from;                /* first day (days since 1970-01-01) */
    int32_t to;                  /* last day */
    int64_t amount;              /* pence a year per 1.0 WTE (salary plus on-costs) */
    int64_t outer_london;        /* pence; 0 when no outer London figure */
    int64_t inner_london;        /* pence; 0 when no inner London figure */
    enum pcn_rate_status status; /* PCN_RATE_UNKNOWN: amount is 0 */
    int budget;                  /* index of the DES line whose budget pays it */
    const char *source;          /* source tag, e.g. "S11" */
    const char *note;            /* how a derived figure was derived; may be "" */
    unsigned long line;          /* line in the file */
};

/*
 * One DES income line (or one part of it: core funding has a registered
 * and an adjusted part under the same key). All fields read-only.
 */
struct pcn_line_part {
    const char *key;  /* "core", "enhanced_access", "arrs", ... */
    const char *name; /* "Core PCN funding" */
    int32_t from;
    int32_t to;
    int64_t rate; /* rate units (PCN_RATE_PER_PENNY a penny) a unit a year; 0 if unknown */
    enum pcn_basis basis;
    enum pcn_paid paid;
    enum pcn_rate_status status;
    const char *part_of; /* PCN_BASIS_INCLUDED: the key of the line that pays it; else "" */
    const char *source;
    const char *note;
    unsigned long line;
};

/* A limit: `what` (a role's WTE, or "iif" points) may not exceed `max`. Read-only. */
struct pcn_limit {
    const char *what; /* role key or line key */
    int role;         /* role index, or -1 for a line */
    int64_t max;      /* WTE units for a role; points for "iif" */
    int64_t list_min; /* applies when the registered list is >= list_min */
    int64_t list_max; /* ... and < list_max (INT64_MAX: no ceiling) */
    const char *name;
    const char *source;
    unsigned long line;
};

/* One contract year. Opaque; immutable once loaded. */
struct pcn_contract;

/*
 * Load one year's file. Every role it names must be in roles (borrowed;
 * must outlive the contract). Checks: exactly one `year` and one
 * `count_date` row; dates inside the year; a role's rows for the same band
 * never overlap in time; a role's budget names a `claims` line; amounts
 * are present unless the status is `unknown`. Caller frees with
 * pcn_contract_free(). PCN_EPARSE with FILE:LINE.
 */
enum pcn_err pcn_contract_load(const char *path, const struct pcn_roles *roles,
                               struct pcn_contract **ret, struct pcn_error *reterr);
void pcn_contract_free(struct pcn_contract *c);

const char *pcn_contract_key(const struct pcn_contract *c);    /* "2025-26" */
const char *pcn_contract_name(const struct pcn_contract *c);   /* "Network Contract DES 2025/26" */
int32_t pcn_contract_from(const struct pcn_contract *c);       /* 1 April */
int32_t pcn_contract_to(const struct pcn_contract *c);         /* 31 March */
int32_t pcn_contract_count_date(const struct pcn_contract *c); /* 1 January before */
const struct pcn_roles *pcn_contract_roles(const struct pcn_contract *c);

size_t pcn_contract_n_caps(const struct pcn_contract *c);
const struct pcn_role_cap *pcn_contract_cap(const struct pcn_contract *c, size_t i);
size_t pcn_contract_n_parts(const struct pcn_contract *c);
const struct pcn_line_part *pcn_contract_part(const struct pcn_contract *c, size_t i);
size_t pcn_contract_n_limits(const struct pcn_contract *c);
const struct pcn_limit *pcn_contract_limit(const struct pcn_contract *c, size_t i);

/* Index of the first part of the line with this key, or -1. */
int pcn_contract_find_line(const struct pcn_contract *c, const char *key);

/* True if the role has a cap row anywhere in the year (it is an ARRS role that year). */
int pcn_contract_is_arrs(const struct pcn_contract *c, int role);

/*
 * The cap row for role at band on day. PCN_ENOTFOUND when the role is not
 * reimbursable that day; PCN_ECONFLICT when it is, but the role's rows
 * that day are split by band and none covers `band` (e.g. a band 7
 * general practice nurse). When the role has a single row that day, it
 * applies whatever the band (the caller warns about a band outside it).
 */
enum pcn_err pcn_contract_find_cap(const struct pcn_contract *c, int role, int band, int32_t day,
                                   const struct pcn_role_cap **ret);

/* The amount of a cap row for a London weighting (the national amount when none). */
int64_t pcn_role_cap_amount(const struct pcn_role_cap *cap, enum pcn_london london,
                            int *ret_weighted);

/* ---- the set of years ---- */

/* Roles plus every contract year in a folder. Opaque; immutable once loaded. */
struct pcn_rates;

/*
 * Load dir/roles.csv, dir/census_roles.csv and every dir/ncdes_*.csv,
 * sorted by year; two files for one year or overlapping years are an
 * error. dir NULL means <data root>/data/reference/ncdes. Caller frees
 * with pcn_rates_free().
 */
enum pcn_err pcn_rates_load(const char *dir, struct pcn_rates **ret, struct pcn_error *reterr);
void pcn_rates_free(struct pcn_rates *r);

const struct pcn_roles *pcn_rates_roles(const struct pcn_rates *r);
size_t pcn_rates_n_years(const struct pcn_rates *r);
/* Year i in date order. Borrowed. */
const struct pcn_contract *pcn_rates_year(const struct pcn_rates *r, size_t i);
/* The year with key "2025-26", or NULL. */
const struct pcn_contract *pcn_rates_find_year(const struct pcn_rates *r, const char *key);
/* The year containing day, or NULL. */
const struct pcn_contract *pcn_rates_year_at(const struct pcn_rates *r, int32_t day);
/*
 * The year to report for day when none was asked for: the year containing
 * it, else the newest year that ended before it (next year's contract not
 * yet in the data), else the first year. *exact says whether it contains
 * day. NULL only when there are no years.
 */
const struct pcn_contract *pcn_rates_year_for(const struct pcn_rates *r, int32_t day, int *exact);

#endif /* PCN_RATES_H */
