/*
 * views.h - the list result kinds that the CLI and the HTTP API both
 * return, built in one place so both give the same schema: each builder
 * walks the store and fills a result table (pcn/table.h) whose kind,
 * column names and column types are fixed here and documented in
 * docs/api.md ("Result tables"). The CLI prints the table as text, CSV or
 * JSON; the API sends the JSON with paging members beside it.
 *
 * | kind                 | CLI                  | API                          |
 * |----------------------|----------------------|------------------------------|
 * | practices            | pcn practice list    | GET /practices, /network     |
 * | practice_memberships | pcn practice show    | GET /practices/{code}        |
 * | networks             | pcn network list     | GET /networks                |
 * | network_members      | pcn network show     | GET /network                 |
 * | users                | pcn user list        | GET /users                   |
 * | audit                | pcn audit list       | GET /audit                   |
 *
 * The workforce and finance kinds (staff, workforce_wte, workforce_compare,
 * arrs_claims, arrs_budget, arrs_months, arrs_claim_export, des_income,
 * distribution, what_if, finance_inputs, finance_networks) are built the
 * same way in pcn/views_workforce.h and pcn/views_finance.h, for pcn
 * workforce, pcn finance and the /workforce and /finance routes.
 *
 * Every builder returns a new table in *ret (caller frees with
 * pcn_table_free()) or an error with the store's message on the handle.
 */
#ifndef PCN_VIEWS_H
#define PCN_VIEWS_H

#include <stdint.h>

#include "pcn/error.h"
#include "pcn/table.h"

struct pcn_store;

/* What to list. Fields not used by a view are ignored. */
struct pcn_view_opts {
    int32_t as_of;      /* the date of memberships and list sizes */
    const char *filter; /* practices: network code; networks: ICB code; NULL: all */
    int64_t offset;     /* matching rows skipped */
    int64_t limit;      /* rows kept after offset; 0: all */
    int suppress_below; /* list sizes 1..N-1 become null (aggregate-only roles); 0: none */
};

/* Figures over every matching row, before paging and suppression. */
struct pcn_view_totals {
    int64_t rows;     /* matching rows */
    int64_t patients; /* their registered patients (practices, networks) */
};

/*
 * "practices": code, name, postcode, network (on as_of; null if none),
 * patients (latest list size on or before as_of), supplier; in code order,
 * filtered by network. *ret_totals is optional.
 */
enum pcn_err pcn_view_practices(struct pcn_store *s, const struct pcn_view_opts *o,
                                struct pcn_table **ret, struct pcn_view_totals *ret_totals);

/* "practice_memberships": network, from, to (null: open); PCN_ENOTFOUND for no such practice. */
enum pcn_err pcn_view_practice_memberships(struct pcn_store *s, const char *practice,
                                           struct pcn_table **ret);

/*
 * "networks": code, name, practices (members on as_of), patients (their
 * list sizes), icb_code, clinical_director, and the detail columns
 * sub_icb_code, sub_icb_name, icb_name, region_code, region_name; in code
 * order, filtered by ICB. *ret_totals is optional.
 */
enum pcn_err pcn_view_networks(struct pcn_store *s, const struct pcn_view_opts *o,
                               struct pcn_table **ret, struct pcn_view_totals *ret_totals);

/*
 * "network_members": practice, name, member_from, member_to, current (a
 * member on as_of), patients; every membership of the network, past ones
 * included. PCN_ENOTFOUND for no such network.
 */
enum pcn_err pcn_view_network_members(struct pcn_store *s, const char *network,
                                      const struct pcn_view_opts *o, struct pcn_table **ret);

/*
 * "users": name, role, practice, disabled, created_at (ISO 8601 UTC); in
 * name order, paged. No password hashes. *ret_totals is optional.
 */
enum pcn_err pcn_view_users(struct pcn_store *s, const struct pcn_view_opts *o,
                            struct pcn_table **ret, struct pcn_view_totals *ret_totals);

/*
 * "audit": id, at (ISO 8601 UTC), user, role, method, route, object_type,
 * object_id, status, and the detail columns prev_hash and hash; rows with
 * id > after in id order, at most limit (0: all). *ret_last_id (optional)
 * gets the id of the last row, 0 when there is none.
 */
enum pcn_err pcn_view_audit(struct pcn_store *s, int64_t after, int64_t limit,
                            struct pcn_table **ret, int64_t *ret_last_id);

#endif /* PCN_VIEWS_H */
