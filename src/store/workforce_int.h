/*
 * workforce_int.h - the workforce domain's operations table, which each
 * backend implements (sqlite/sqlite_workforce.c, pg/pg_workforce.c) and
 * workforce.c dispatches to. Public contract: pcn/store_workforce.h.
 */
#ifndef PCN_STORE_WORKFORCE_INT_H
#define PCN_STORE_WORKFORCE_INT_H

#include "pcn/store_workforce.h"
#include "store/store_int.h"

extern const struct pcn__store_domain pcn__store_workforce;

/* Writes are called inside a transaction with checked arguments (workforce.c). */
struct pcn__store_workforce_ops {
    enum pcn_err (*add_post)(struct pcn_store *s, const struct pcn_store_post *p, int64_t *ret_id);
    enum pcn_err (*end_post)(struct pcn_store *s, int64_t id, int64_t version, int32_t end_date,
                             int64_t *ret_version);
    enum pcn_err (*get_post)(struct pcn_store *s, int64_t id, pcn_store_post_fn fn, void *ud);
    enum pcn_err (*each_post)(struct pcn_store *s, const char *network, pcn_store_post_fn fn,
                              void *ud);
    enum pcn_err (*clear_census)(struct pcn_store *s, int32_t census_date);
    enum pcn_err (*add_census_row)(struct pcn_store *s, const struct pcn_store_census_row *r);
    enum pcn_err (*each_census_row)(struct pcn_store *s, int32_t as_of, const char *network,
                                    pcn_store_census_fn fn, void *ud, int32_t *ret_date);
    enum pcn_err (*get_finance)(struct pcn_store *s, const char *network, const char *year,
                                pcn_store_finance_fn fn, pcn_store_finance_item_fn item_fn,
                                void *ud);
    enum pcn_err (*put_finance)(struct pcn_store *s, const struct pcn_store_finance *f,
                                const struct pcn_store_finance_item *items, size_t n,
                                int64_t *ret_version);
};

/*
 * The sites of a post travel as one text column, "SITE=N;SITE=N" in
 * order (the backends' SQL aggregates them): parse it into sites (at most
 * max) and return how many. Names with ';' or '=' are refused on write.
 */
size_t pcn__store_parse_sites(char *text, struct pcn_store_post_site *sites, size_t max);

#endif /* PCN_STORE_WORKFORCE_INT_H */
