/*
 * workforce_ops.h - the workforce and finance services over the store:
 * a network's staff register read and written (posts added, ended, imported
 * from a staff CSV; the workforce census imported; the synthetic twin's
 * staff), its members and lists from the registry, its finance inputs for
 * a contract year, and the whole year's finance for one network (ARRS
 * claims and budgets, DES income, distribution) or for every network of
 * England. The rules are the finance layer's (pcn/finance.h,
 * docs/finance.md); these functions load, check, write and assemble.
 *
 * Every write runs inside the caller's open transaction
 * (pcn_store_begin()): it checks first (the register with the change must
 * pass pcn_staff_validate() without errors) and writes nothing when a
 * check fails; the caller then appends its audit row and commits, or rolls
 * back on any error, so a change and its audit row commit together.
 * Errors name the file and line, the post or the field in *reterr or in
 * findings.
 */
#ifndef PCN_WORKFORCE_OPS_H
#define PCN_WORKFORCE_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/error.h"
#include "pcn/finance.h"
#include "pcn/store_workforce.h"
#include "pcn/views_workforce.h"

/* ---- the register ---- */

/*
 * Every post of network (NULL: every network) into a new register, in
 * network, person and start order. A stored role the roles do not know
 * is PCN_EPARSE naming the post. Caller frees *ret with pcn_staff_free().
 */
enum pcn_err pcn_workforce_load(struct pcn_store *s, const struct pcn_roles *roles,
                                const char *network, struct pcn_staff **ret,
                                struct pcn_error *reterr);

/*
 * Add post p (p->network required) after checking the network's register
 * with it; warnings go to f, errors to f and PCN_EINVAL. *ret_id
 * (optional) gets its id.
 */
enum pcn_err pcn_workforce_add(struct pcn_store *s, const struct pcn_rates *rates,
                               const struct pcn_post *p, struct pcn_findings *f, int64_t *ret_id,
                               struct pcn_error *reterr);

/*
 * End post id on end_date if it is still at version: PCN_ECONFLICT when
 * another change came first or it has ended (reterr says; the caller reads
 * the current state with pcn_store_get_post()), PCN_ENOTFOUND, PCN_EINVAL
 * for an end before its start. *ret_version (optional) gets the new one.
 */
enum pcn_err pcn_workforce_end(struct pcn_store *s, int64_t id, int64_t version, int32_t end_date,
                               int64_t *ret_version, struct pcn_error *reterr);

/*
 * Import a staff CSV (docs/formats.md) into network: rows naming another
 * network are errors, rows without one join it. The network's register
 * with every row must pass the checks; any error (a bad field, an overlap,
 * ...) refuses the whole file (PCN_EINVAL or PCN_EPARSE, every finding in
 * f). A dry run is this, then a rollback. *ret_added gets the posts
 * added.
 */
enum pcn_err pcn_workforce_import(struct pcn_store *s, const struct pcn_rates *rates,
                                  const char *network, const char *path, struct pcn_findings *f,
                                  size_t *ret_added, struct pcn_error *reterr);

/*
 * Import a workforce census file (either layout of pcn_census_read()) as
 * the census of census_date, replacing any earlier import of that day.
 * PCN_DATE_NONE takes the day from the file (the last day of its census
 * month; the compact layout has none: PCN_EINVAL). *ret_rows gets the rows.
 */
enum pcn_err pcn_workforce_import_census(struct pcn_store *s, const struct pcn_roles *roles,
                                         const char *path, int32_t census_date, size_t *ret_rows,
                                         struct pcn_error *reterr);

/*
 * Add the posts of register add to network (their network NULL or the
 * same) after checking the network's register with them, as
 * pcn_workforce_import() does for a file: the synthetic twin's staff, or
 * posts a caller built. *ret_added gets the posts added.
 */
enum pcn_err pcn_workforce_add_register(struct pcn_store *s, const struct pcn_rates *rates,
                                        const char *network, const struct pcn_staff *add,
                                        struct pcn_findings *f, size_t *ret_added,
                                        struct pcn_error *reterr);

/* ---- the network from the registry ---- */

/* A network's members on a date and their lists. Owned by the caller. */
struct pcn_network_facts {
    char code[8];
    char *name;
    struct pcn_member *members; /* practice, name, registered (weighted 0) */
    size_t n_members;
    int64_t registered; /* sum of the members' lists */
    int32_t list_date;  /* the latest date of a list used (PCN_DATE_NONE: none) */
};

/* Members of network on as_of and their latest lists on or before it. PCN_ENOTFOUND. */
enum pcn_err pcn_network_facts_load(struct pcn_store *s, const char *network, int32_t as_of,
                                    struct pcn_network_facts **ret, struct pcn_error *reterr);
void pcn_network_facts_free(struct pcn_network_facts *f);

/*
 * The same for every network with members on as_of, in code order, in one
 * walk of the memberships. Caller frees with pcn_network_facts_free_all().
 */
enum pcn_err pcn_network_facts_all(struct pcn_store *s, int32_t as_of,
                                   struct pcn_network_facts ***ret, size_t *ret_n,
                                   struct pcn_error *reterr);
void pcn_network_facts_free_all(struct pcn_network_facts **all, size_t n);

/* Every network with members on as_of and its registered list, in code order. */
struct pcn_network_list;
enum pcn_err pcn_network_lists(struct pcn_store *s, int32_t as_of, struct pcn_network_list **ret,
                               size_t *ret_n, struct pcn_error *reterr);
void pcn_network_lists_free(struct pcn_network_list *l, size_t n);

/* The day of the shipped census, data/reference/census_staff.csv (NHS England, 30 June 2026). */
#define PCN_CENSUS_REFERENCE_DATE "2026-06-30"

/*
 * Census totals to compare networks with: the store's latest census on or
 * before as_of, else the shipped June 2026 census
 * (data/reference/census_staff.csv). *ret_date gets the census day.
 */
enum pcn_err pcn_workforce_census_totals(struct pcn_store *s, const struct pcn_roles *roles,
                                         int32_t as_of, struct pcn_census_totals **ret,
                                         int32_t *ret_date, struct pcn_error *reterr);

/* ---- reports ---- */

/*
 * A network's "workforce_wte" table (pcn/views_workforce.h) on as_of, by
 * role, group, site, practice (named sites through the registry's sites),
 * employer or funding, per 10,000 of its registered list. Caller frees
 * *ret with pcn_table_free().
 */
struct pcn_table;
enum pcn_err pcn_workforce_summary(struct pcn_store *s, const struct pcn_roles *roles,
                                   const char *network, int32_t as_of, enum pcn_wte_by by,
                                   struct pcn_table **ret, struct pcn_error *reterr);

/*
 * Its "workforce_compare" table by role or group (PCN_EINVAL otherwise)
 * against the networks of the registry with lists and census rows and
 * England (pcn_workforce_census_totals()). PCN_ENOTFOUND when the network
 * has no registered list on as_of.
 */
enum pcn_err pcn_workforce_comparison(struct pcn_store *s, const struct pcn_roles *roles,
                                      const char *network, int32_t as_of, enum pcn_wte_by by,
                                      struct pcn_table **ret, struct pcn_error *reterr);

/* ---- finance ---- */

/* A network's saved inputs for a year, as the calculations take them. Owned by the caller. */
struct pcn_finance_inputs {
    char year[8];
    int64_t version;              /* 0 when never saved */
    struct pcn_network_inputs in; /* registered filled by the report; allocations owned here */
    struct pcn_allocation *allocations;
    struct pcn_agreement *agreement; /* never NULL */
};

/* Read network's inputs for year (defaults when never saved). */
enum pcn_err pcn_finance_inputs_load(struct pcn_store *s, const char *network, const char *year,
                                     struct pcn_finance_inputs **ret, struct pcn_error *reterr);
void pcn_finance_inputs_free(struct pcn_finance_inputs *fi);

/*
 * Save inputs and agreement for network and year if the stored version is
 * still `version` (0: never saved; PCN_ECONFLICT otherwise). The items
 * are the allocations and agreement rules as stored
 * (pcn/store_workforce.h); each is checked first (PCN_EINVAL naming the
 * item). *ret_version (optional) gets the new version.
 */
enum pcn_err pcn_finance_inputs_save(struct pcn_store *s, const struct pcn_store_finance *f,
                                     const struct pcn_store_finance_item *items, size_t n,
                                     int64_t *ret_version, struct pcn_error *reterr);

/* What a report may override for a "what if" (unset fields: as saved). */
struct pcn_finance_overrides {
    int64_t weighted; /* > 0: use it */
    int64_t adjusted; /* > 0: use it */
    int has_method;   /* share every line by `method` (line methods dropped) */
    enum pcn_share_method method;
    int64_t national_mean_list; /* > 0: the mean list for IIF; else computed when needed */
};

/* A network's year: everything the reports show. Owned by the caller. */
struct pcn_finance_report {
    const struct pcn_contract *year; /* borrowed from the rates */
    int32_t as_of;
    struct pcn_network_facts *facts;
    struct pcn_staff *staff;
    struct pcn_finance_inputs *inputs;
    struct pcn_arrs *arrs;
    struct pcn_income *income;
    struct pcn_distribution *distribution; /* NULL when the agreement cannot be applied (f says) */
    struct pcn_findings findings;          /* warnings, and the distribution's errors */
};

/*
 * The year of network that contains as_of (or year_key when not NULL).
 * PCN_ENOTFOUND for no such network or year; PCN_EINVAL when the
 * register has errors (they are in the report's findings, which *ret then
 * still holds).
 */
enum pcn_err pcn_finance_report_build(struct pcn_store *s, const struct pcn_rates *rates,
                                      const char *network, const char *year_key, int32_t as_of,
                                      const struct pcn_finance_overrides *ov,
                                      struct pcn_finance_report **ret, struct pcn_error *reterr);
void pcn_finance_report_free(struct pcn_finance_report *r);

/*
 * "finance_networks": network, name, registered, posts (ARRS posts with a
 * claim), arrs_budget, arrs_claims, headroom, budget_estimate, income
 * (the known DES lines but ARRS) and errors (the register's error count;
 * such a network's figures are null); every network of the registry with
 * members on as_of, in code order, for the year containing as_of (or
 * year_key; else the newest year before it). Each network uses its saved
 * inputs and the lists the DES counts (as a report of one network). One
 * pass over the store.
 * Caller frees *ret with pcn_table_free().
 */
enum pcn_err pcn_finance_networks(struct pcn_store *s, const struct pcn_rates *rates,
                                  const char *year_key, int32_t as_of, struct pcn_table **ret,
                                  struct pcn_error *reterr);

/* The mean registered list of a network on as_of over the registry (for IIF). */
enum pcn_err pcn_registry_mean_list(struct pcn_store *s, int32_t as_of, int64_t *ret,
                                    struct pcn_error *reterr);

#endif /* PCN_WORKFORCE_OPS_H */
