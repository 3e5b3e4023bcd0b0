/*
 * views_workforce.h - the workforce result kinds that the CLI (pcn
 * workforce) and the API (/workforce) both return: the staff register,
 * WTE summaries and the comparison with other networks and England, as
 * result tables (pcn/table.h) whose kind, columns and types are fixed here
 * and listed in docs/api.md ("Result tables"). WTE is text with up to six
 * decimals ("0.8"), money text in pounds with two ("1234.56").
 *
 * Every builder returns a new table in *ret (caller frees with
 * pcn_table_free()); PCN_ENOMEM.
 */
#ifndef PCN_VIEWS_WORKFORCE_H
#define PCN_VIEWS_WORKFORCE_H

#include <stdint.h>

#include "pcn/error.h"
#include "pcn/rates.h"
#include "pcn/table.h"
#include "pcn/workforce.h"

/*
 * "staff": id, person, name, role, role_name, group, band, wte, employer,
 * employer_code, start, end, cost, cost_per, funding, sites, and the
 * detail column version; the posts open on as_of, or every post when
 * all is set, in register order.
 */
enum pcn_err pcn_view_staff(const struct pcn_staff *s, const struct pcn_roles *roles, int32_t as_of,
                            int all, struct pcn_table **ret);

/* What a workforce summary groups by. */
enum pcn_wte_by {
    PCN_WTE_BY_ROLE,     /* the role */
    PCN_WTE_BY_GROUP,    /* the role's group (gp, nurse, dpc, admin, director) */
    PCN_WTE_BY_SITE,     /* each site a post works at, WTE shared by sessions */
    PCN_WTE_BY_PRACTICE, /* the practice of each site (a site that is an ODS code is one) */
    PCN_WTE_BY_EMPLOYER, /* network, lead practice, practice, subcontractor */
    PCN_WTE_BY_FUNDING,  /* arrs, practice, other */
};

/* "role", "group", "site", "practice", "employer", "funding"; and the parser. */
const char *pcn_wte_by_name(enum pcn_wte_by by);
enum pcn_err pcn_wte_by_parse(const char *s, enum pcn_wte_by *ret);

/* The practice a named site belongs to (borrowed), or NULL. */
typedef const char *(*pcn_site_practice_fn)(const char *site, void *ud);

/*
 * "workforce_wte": by, key, name, people, posts, wte, and wte_per_10k
 * (WTE per 10,000 registered patients; null when registered is 0); the
 * posts open on as_of, in key order, then a row with key "total". By
 * site or practice, a post's WTE is shared among its sites in proportion
 * to the sessions (equally when none are given); a post without sites
 * counts under "(no site)". By practice, a site is mapped by practice_of
 * (may be NULL) unless it is itself a practice ODS code; one it cannot
 * place counts under "(unknown)". People are counted once per row.
 */
enum pcn_err pcn_view_workforce_wte(const struct pcn_staff *s, const struct pcn_roles *roles,
                                    int32_t as_of, enum pcn_wte_by by, int64_t registered,
                                    pcn_site_practice_fn practice_of, void *ud,
                                    struct pcn_table **ret);

/* A network's registered list, for the comparison. Strings borrowed. */
struct pcn_network_list {
    const char *network;
    int64_t registered;
};

/*
 * "workforce_compare": by (role or group), key, name, then for the
 * network: wte and wte_per_10k from its register (posts open on as_of)
 * and census_wte and census_per_10k from the census; then over the
 * networks of lists that have a list and census rows: networks, p25,
 * median and p75 of their census WTE per 10,000 patients, england_per_10k
 * (their census FTE over their lists), and rank (1 + the other networks whose
 * census figure is above the network's register figure). One row per
 * role or group the network's register or census has, in key order, then
 * "total". Per-10,000 figures are text with two decimals. registered is
 * the network's list; PCN_EINVAL when it is not positive or by is not
 * role or group.
 */
enum pcn_err pcn_view_workforce_compare(const struct pcn_staff *s, const struct pcn_roles *roles,
                                        int32_t as_of, const char *network, int64_t registered,
                                        const struct pcn_census_totals *census,
                                        const struct pcn_network_list *lists, size_t n_lists,
                                        enum pcn_wte_by by, struct pcn_table **ret);

#endif /* PCN_VIEWS_WORKFORCE_H */
