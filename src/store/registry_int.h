/*
 * registry_int.h - the registry domain's operations table, which each
 * backend implements (sqlite/sqlite_registry.c, pg/pg_registry.c) and
 * registry.c dispatches to. Public contract: pcn/store_registry.h.
 */
#ifndef PCN_STORE_REGISTRY_INT_H
#define PCN_STORE_REGISTRY_INT_H

#include "pcn/store_registry.h"
#include "store/store_int.h"

extern const struct pcn__store_domain pcn__store_registry;

/* Writes are called inside a transaction (registry.c checks). */
struct pcn__store_registry_ops {
    enum pcn_err (*put_network)(struct pcn_store *s, const struct pcn_network *n);
    enum pcn_err (*put_practice)(struct pcn_store *s, const struct pcn_practice *p);
    enum pcn_err (*get_network)(struct pcn_store *s, const char *code, pcn_network_fn fn, void *ud);
    enum pcn_err (*each_network)(struct pcn_store *s, pcn_network_fn fn, void *ud);
    enum pcn_err (*get_practice)(struct pcn_store *s, const char *code, pcn_practice_fn fn,
                                 void *ud);
    enum pcn_err (*each_practice)(struct pcn_store *s, pcn_practice_fn fn, void *ud);
    enum pcn_err (*add_membership)(struct pcn_store *s, const struct pcn_membership *m);
    enum pcn_err (*end_membership)(struct pcn_store *s, const char *practice, int32_t end_date);
    enum pcn_err (*each_membership)(struct pcn_store *s, const char *practice, pcn_membership_fn fn,
                                    void *ud);
    enum pcn_err (*each_network_membership)(struct pcn_store *s, const char *network,
                                            pcn_membership_fn fn, void *ud);
    enum pcn_err (*add_site)(struct pcn_store *s, const struct pcn_site *site, int64_t *ret_id);
    enum pcn_err (*each_site)(struct pcn_store *s, pcn_site_fn fn, void *ud);
    enum pcn_err (*put_list_size)(struct pcn_store *s, const struct pcn_list_size *l);
    enum pcn_err (*list_size_at)(struct pcn_store *s, const char *practice, int32_t date,
                                 int64_t *ret_patients, int32_t *ret_date);
    enum pcn_err (*put_list_band)(struct pcn_store *s, const struct pcn_list_band *b);
    enum pcn_err (*each_list_band)(struct pcn_store *s, const char *practice, int32_t date,
                                   pcn_list_band_fn fn, void *ud);
};

#endif /* PCN_STORE_REGISTRY_INT_H */
