/*
 * store_workforce.h - the workforce and finance domain of the store: the
 * staff register (posts and the sites they work at; history kept: a post
 * is only ever ended, never rewritten), the workforce census rows a
 * network is compared with, and each network's finance inputs for a
 * contract year (populations, achievement, allocations and the network
 * agreement's rules). Writes need a transaction (pcn/store.h) and bump the
 * data version. Enumerations travel as their text names ("lead_practice",
 * "arrs"), roles as role keys: the rules behind them are the finance
 * layer's (pcn/workforce.h), which the services in ops/ apply before
 * writing. Strings in structs passed to callbacks are borrowed for the
 * callback.
 */
#ifndef PCN_STORE_WORKFORCE_H
#define PCN_STORE_WORKFORCE_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/error.h"
#include "pcn/store.h"

/* Sessions a week at one site of a post. */
struct pcn_store_post_site {
    const char *site;
    int sessions;
};

/* A post as stored. */
struct pcn_store_post {
    int64_t id;      /* assigned by the store; ignored by add */
    int64_t version; /* 1 when added, +1 at each change; ignored by add */
    const char *network;
    const char *person;
    const char *name;          /* may be NULL */
    const char *role;          /* role key */
    const char *band;          /* "7", "8a"; NULL for none */
    int64_t wte;               /* WTE units (1,000,000 = 1.0) */
    const char *employer;      /* network, lead_practice, practice, subcontractor */
    const char *employer_code; /* may be NULL */
    int32_t start_date;
    int32_t end_date; /* PCN_DATE_NONE while open */
    int has_cost;
    int64_t cost;         /* pence */
    const char *cost_per; /* year, month */
    const char *funding;  /* arrs, practice, other */
    const struct pcn_store_post_site *sites;
    size_t n_sites;
};

typedef int (*pcn_store_post_fn)(const struct pcn_store_post *p, void *ud);

/* Add a post; *ret_id (optional) gets its id. PCN_EINVAL for an end before the start. */
enum pcn_err pcn_store_add_post(struct pcn_store *s, const struct pcn_store_post *p,
                                int64_t *ret_id);

/*
 * End post id on end_date, if it is still at `version` and open:
 * PCN_ENOTFOUND for no such post, PCN_ECONFLICT when its version differs
 * or it has ended already (the caller shows the current state), PCN_EINVAL
 * for an end before its start. *ret_version (optional) gets the new
 * version.
 */
enum pcn_err pcn_store_end_post(struct pcn_store *s, int64_t id, int64_t version, int32_t end_date,
                                int64_t *ret_version);

/* One post by id (PCN_ENOTFOUND), or every post of network (NULL: all) by network, person, start,
 * id. */
enum pcn_err pcn_store_get_post(struct pcn_store *s, int64_t id, pcn_store_post_fn fn, void *ud);
enum pcn_err pcn_store_each_post(struct pcn_store *s, const char *network, pcn_store_post_fn fn,
                                 void *ud);

/* A workforce census row (pcn/workforce.h, struct pcn_census_row) as stored. */
struct pcn_store_census_row {
    int32_t census_date; /* the census day */
    const char *network;
    const char *role;   /* role key */
    int64_t fte;        /* WTE units */
    const char *person; /* "" for contracted services */
    int is_contracted;
};

typedef int (*pcn_store_census_fn)(const struct pcn_store_census_row *r, void *ud);

/*
 * The census: delete every row of a census day (a re-import replaces it),
 * add a row, and walk the rows of the latest census on or before as_of,
 * of one network (NULL: all) in network order. *ret_date (optional) gets
 * the census day walked; PCN_ENOTFOUND when there is none.
 */
enum pcn_err pcn_store_clear_census(struct pcn_store *s, int32_t census_date);
enum pcn_err pcn_store_add_census_row(struct pcn_store *s, const struct pcn_store_census_row *r);
enum pcn_err pcn_store_each_census_row(struct pcn_store *s, int32_t as_of, const char *network,
                                       pcn_store_census_fn fn, void *ud, int32_t *ret_date);

/* A network's finance inputs for a contract year; unknown figures are -1. */
struct pcn_store_finance {
    const char *network;
    const char *year; /* "2025-26" */
    int64_t version;  /* 0 when never saved */
    int64_t adjusted;
    int64_t weighted;
    int64_t beds;
    int64_t iif_points;
    int64_t caip_percent;
    const char *london; /* "", "outer", "inner" */
};

/* An allocation given for a DES line, or one rule of the network agreement. */
struct pcn_store_finance_item {
    const char *kind;     /* "allocation" or "method", "top_slice", "share" */
    const char *line;     /* DES line key or "all" */
    const char *value;    /* pounds, method name, "10%", "unreimbursed_staff" */
    const char *practice; /* share: the practice; else NULL */
    const char *label;    /* top_slice: what it pays for; else NULL */
};

typedef int (*pcn_store_finance_fn)(const struct pcn_store_finance *f, void *ud);
typedef int (*pcn_store_finance_item_fn)(const struct pcn_store_finance_item *it, void *ud);

/*
 * Read a network's inputs for a year: fn gets them (version 0 and every
 * figure -1 when never saved; PCN_OK either way), then item_fn (optional)
 * each allocation and agreement rule in the order saved.
 */
enum pcn_err pcn_store_get_finance(struct pcn_store *s, const char *network, const char *year,
                                   pcn_store_finance_fn fn, pcn_store_finance_item_fn item_fn,
                                   void *ud);

/*
 * Save a network's inputs for a year and replace its items with the n
 * given, if the stored version is still f->version (0: never saved):
 * PCN_ECONFLICT otherwise. *ret_version (optional) gets the new version.
 */
enum pcn_err pcn_store_put_finance(struct pcn_store *s, const struct pcn_store_finance *f,
                                   const struct pcn_store_finance_item *items, size_t n,
                                   int64_t *ret_version);

#endif /* PCN_STORE_WORKFORCE_H */
