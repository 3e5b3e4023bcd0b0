/*
 * workforce.h - the people who work for a network and its practices:
 * posts (one person in one role at one band and WTE, for one employer,
 * from a start date to an optional end), a register of posts, the checks
 * a register must pass (findings: errors and warnings, never a silent
 * fix), and the two files they are read from: the project's own staff
 * CSV and NHS England's PCN workforce census extract
 * (pcn_workforce_individual_level_*.csv). Layouts: docs/formats.md.
 *
 * A change of band, WTE, cost or employer ends a post and starts another
 * the next day, so history is never overwritten. Not thread-safe for
 * writers; a finished register may be read from any thread.
 */
#ifndef PCN_WORKFORCE_H
#define PCN_WORKFORCE_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/error.h"

struct pcn_roles;
struct pcn_rates;

/* ---- findings ---- */

enum pcn_severity {
    PCN_SEVERITY_ERROR,   /* the input is wrong; nothing may be stored or summed from it */
    PCN_SEVERITY_WARNING, /* allowed, but the figures depend on it: shown beside them */
};

/* "error", "warning". */
const char *pcn_severity_name(enum pcn_severity s);

struct pcn_finding {
    enum pcn_severity severity; /* public */
    const char *code;           /* public; static string, e.g. "end_before_start" */
    char where[96];             /* public; "staff.csv:12", "post 7", "network" */
    char msg[256];              /* public; one line, no trailing period */
};

/*
 * A list of findings. Counts keep going past `max` (default 1000) but no
 * more items are kept, so a hostile file cannot exhaust memory.
 */
struct pcn_findings {
    struct pcn_finding *items; /* read-only */
    size_t n;                  /* read-only: items kept */
    size_t alloc;              /* private */
    size_t n_errors;           /* read-only: all errors seen */
    size_t n_warnings;         /* read-only: all warnings seen */
    size_t max;                /* items kept at most */
};

#define PCN_FINDINGS_INIT                                                                          \
    {                                                                                              \
        NULL, 0, 0, 0, 0, 1000                                                                     \
    }

/* Free the items; the list is left empty and reusable. NULL-safe. */
void pcn_findings_release(struct pcn_findings *f);

/* Record a finding. PCN_ENOMEM (the counts are still updated). */
enum pcn_err pcn_findings_add(struct pcn_findings *f, enum pcn_severity sev, const char *code,
                              const char *where, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* ---- posts ---- */

enum pcn_employer {
    PCN_EMPLOYER_NETWORK,       /* the network itself (where it is a legal entity) */
    PCN_EMPLOYER_LEAD_PRACTICE, /* the practice that employs on the network's behalf */
    PCN_EMPLOYER_PRACTICE,      /* a member practice, for itself */
    PCN_EMPLOYER_SUBCONTRACTOR, /* another provider, paid by invoice */
};

enum pcn_funding {
    PCN_FUNDING_ARRS,     /* claimed under the Additional Roles Reimbursement Scheme */
    PCN_FUNDING_PRACTICE, /* paid by a practice */
    PCN_FUNDING_OTHER,    /* anything else (grants, the network's own funds) */
};

enum pcn_cost_per {
    PCN_COST_PER_YEAR,  /* salary plus on-costs a year, for the post's WTE */
    PCN_COST_PER_MONTH, /* an invoice a month (subcontracted) */
};

/* "network", "lead_practice", "practice", "subcontractor"; and the parsers. */
const char *pcn_employer_name(enum pcn_employer e);
enum pcn_err pcn_employer_parse(const char *s, enum pcn_employer *ret);
/* "arrs", "practice", "other". */
const char *pcn_funding_name(enum pcn_funding f);
enum pcn_err pcn_funding_parse(const char *s, enum pcn_funding *ret);
/* "year", "month". */
const char *pcn_cost_per_name(enum pcn_cost_per p);
enum pcn_err pcn_cost_per_parse(const char *s, enum pcn_cost_per *ret);

/* Sessions a week at one site (a practice ODS code or a site's name). */
struct pcn_post_site {
    const char *site; /* never NULL */
    int sessions;     /* 0 when not given; at most PCN_SESSIONS_MAX */
};

#define PCN_SESSIONS_MAX 14
#define PCN_POST_SITES_MAX 16

/*
 * Split a sites text, "SITE=SESSIONS;SITE;..." (docs/formats.md), in
 * place into sites (at most PCN_POST_SITES_MAX). *ret_n gets the count.
 * PCN_EINVAL for an empty item or sessions outside 0-14, PCN_ELIMIT for
 * more than PCN_POST_SITES_MAX sites. The strings point into text.
 */
enum pcn_err pcn_post_sites_parse(char *text, struct pcn_post_site *sites, size_t *ret_n);
/* Longest person key and site, and longest name and employer code, in bytes. */
#define PCN_POST_KEY_MAX 64
#define PCN_POST_TEXT_MAX 128

/*
 * One post. As an argument, strings are borrowed for the call; in a
 * register they are owned by it. Optional strings may be NULL.
 */
struct pcn_post {
    int64_t id;          /* the store's id; 0 when none */
    int64_t version;     /* the store's version of the row (optimistic concurrency); 0 when none */
    const char *network; /* PCN code; may be NULL (the caller's network) */
    const char *person;  /* the person's key (staff number, census id); required */
    const char *name;    /* optional */
    int role;            /* index in the roles */
    int band;            /* PCN_BAND_NONE when none (GPs, invoices) */
    int64_t wte;         /* WTE units (PCN_WTE_ONE = 1.0) */
    enum pcn_employer employer;
    const char *employer_code; /* practice ODS code, or a subcontractor's name */
    int32_t start;             /* first day */
    int32_t end;               /* last day; PCN_DATE_NONE while open */
    int has_cost;              /* 0: no cost recorded */
    int64_t cost;              /* pence per cost_per, for the post's WTE */
    enum pcn_cost_per cost_per;
    enum pcn_funding funding;
    const struct pcn_post_site *sites;
    size_t n_sites;
    const char *where; /* where it came from for messages ("staff.csv:12"); may be NULL */
};

/* A register of posts. Opaque. */
struct pcn_staff;

/* New empty register. Caller frees with pcn_staff_free(). NULL on ENOMEM. */
struct pcn_staff *pcn_staff_new(void);
void pcn_staff_free(struct pcn_staff *s);

/* Add a copy of p (strings and sites copied). PCN_ENOMEM. */
enum pcn_err pcn_staff_add(struct pcn_staff *s, const struct pcn_post *p);

size_t pcn_staff_count(const struct pcn_staff *s);
/* Post i. Borrowed; valid until the next pcn_staff_add() or free. */
const struct pcn_post *pcn_staff_post(const struct pcn_staff *s, size_t i);

/* Is the post open on day? */
int pcn_post_is_open(const struct pcn_post *p, int32_t day);

/*
 * Check a register against the rules (docs/finance.md, "Bad input"):
 * errors for an end before the start, WTE outside (0, 1.0] for one post,
 * an empty or too long person key or site, a too long name or employer code,
 * a negative cost, an ARRS-funded post without a cost or in a role that is
 * never an ARRS role, a practice employer without a valid ODS code, two
 * posts of one person in the same role for the same employer that overlap
 * in time, a band that no cap row of a band-split role covers; warnings
 * for ARRS-funded months outside the role's eligibility, a band outside the
 * role's band range, and a person whose posts add up to more than 1.0 WTE
 * on some day (ARRS claims count at most 1.0 WTE a person). rates may be
 * NULL (only the checks that need no rates run). PCN_ENOMEM only; the
 * verdict is in f.
 */
enum pcn_err pcn_staff_validate(const struct pcn_staff *s, const struct pcn_rates *rates,
                                struct pcn_findings *f);

/* ---- the project's staff CSV ---- */

/*
 * Read a staff CSV (docs/formats.md, "Staff register CSV") into s. Each
 * bad row becomes an error finding naming FILE:LINE and the field, and
 * reading goes on so one run reports every bad row; the return is then
 * PCN_EPARSE with the first in *reterr, and s holds only the good rows (the
 * caller stores nothing). A missing column, bad CSV syntax or an I/O error
 * stops at once. roles is borrowed.
 */
enum pcn_err pcn_staff_read_csv(struct pcn_staff *s, const struct pcn_roles *roles,
                                const char *path, struct pcn_findings *f, struct pcn_error *reterr);

/* Write s as a staff CSV (the layout pcn_staff_read_csv() reads) into out. */
struct pcn_buf;
enum pcn_err pcn_staff_write_csv(const struct pcn_staff *s, const struct pcn_roles *roles,
                                 struct pcn_buf *out);

/* ---- NHS England's workforce census extract ---- */

/* One row of the census extract. Strings borrowed for the callback. */
struct pcn_census_row {
    const char *pcn_code; /* "U12345" */
    const char *pcn_name;
    const char *sub_icb_code;
    const char *icb_code;
    const char *icb_name;
    const char *region_code;
    const char *staff_group;   /* as published */
    const char *staff_role;    /* as published */
    const char *detailed_role; /* as published */
    int role;                  /* index in the roles */
    int64_t fte;               /* WTE units as published (may exceed 1.0) */
    const char *person;        /* UNIQUE_IDENTIFIER; "" for contracted services */
    int is_contracted;         /* Data_source "NWRS contracted services" */
    int census_year;
    int census_month;
    unsigned long line;
};

/* Return nonzero to stop the walk (pcn_census_read then returns PCN_OK). */
typedef int (*pcn_census_fn)(const struct pcn_census_row *r, void *ud);

/*
 * Read a census extract row by row: the published layout (its header,
 * UTF-8 BOM allowed), or the compact layout of
 * data/reference/census_staff.csv (pcn,role,fte,person,contracted: role
 * keys, every other field empty and the census month 0), told apart by the
 * header. A row with an unknown PCN code form, a role census_roles.csv
 * (or roles.csv) does not know, an FTE that is not a non-negative number,
 * or an unknown data source stops the read with PCN_EPARSE "FILE:LINE:
 * ...".
 */
enum pcn_err pcn_census_read(const char *path, const struct pcn_roles *roles, pcn_census_fn fn,
                             void *ud, struct pcn_error *reterr);

/*
 * Census totals: FTE and headcount per network and role over a whole
 * census file (either layout), for comparing one network with the others
 * and with England. Opaque; immutable once loaded.
 */
struct pcn_census_totals;

/* Load path (NULL: data/reference/census_staff.csv). Caller frees with pcn_census_totals_free(). */
enum pcn_err pcn_census_totals_load(const char *path, const struct pcn_roles *roles,
                                    struct pcn_census_totals **ret, struct pcn_error *reterr);

/*
 * Build totals row by row (rows held elsewhere, such as the store): new,
 * add each row, then finish before reading. NULL / PCN_ENOMEM.
 */
struct pcn_census_totals *pcn_census_totals_new(const struct pcn_roles *roles);
enum pcn_err pcn_census_totals_add(struct pcn_census_totals *t, const struct pcn_census_row *r);
enum pcn_err pcn_census_totals_finish(struct pcn_census_totals *t);
void pcn_census_totals_free(struct pcn_census_totals *t);

/* Networks with at least one row, in code order. */
size_t pcn_census_totals_count(const struct pcn_census_totals *t);
const char *pcn_census_totals_network(const struct pcn_census_totals *t, size_t i);
/* Index of network, or -1. */
int pcn_census_totals_find(const struct pcn_census_totals *t, const char *network);
/* FTE (WTE units) and rows of role in network i; role -1: every role. */
int64_t pcn_census_totals_fte(const struct pcn_census_totals *t, size_t i, int role);
int64_t pcn_census_totals_rows(const struct pcn_census_totals *t, size_t i, int role);

#endif /* PCN_WORKFORCE_H */
