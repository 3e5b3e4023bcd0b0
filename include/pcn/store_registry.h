/*
 * store_registry.h - the network registry domain of the store: networks
 * (PCNs), practices, their memberships over time (history kept, overlaps
 * refused), sites and published list sizes. Writes need a transaction
 * (pcn/store.h) and bump the data version. Strings in structs passed to
 * callbacks are borrowed for the callback.
 */
#ifndef PCN_STORE_REGISTRY_H
#define PCN_STORE_REGISTRY_H

#include <stdint.h>

#include "pcn/error.h"
#include "pcn/registry.h"
#include "pcn/store.h"

/* Insert or update a network (by code). */
enum pcn_err pcn_store_put_network(struct pcn_store *s, const struct pcn_network *n);
/* Insert or update a practice (by code). */
enum pcn_err pcn_store_put_practice(struct pcn_store *s, const struct pcn_practice *p);

typedef int (*pcn_network_fn)(const struct pcn_network *n, void *ud);
typedef int (*pcn_practice_fn)(const struct pcn_practice *p, void *ud);
typedef int (*pcn_membership_fn)(const struct pcn_membership *m, void *ud);
typedef int (*pcn_site_fn)(const struct pcn_site *site, void *ud);
typedef int (*pcn_list_band_fn)(const struct pcn_list_band *b, void *ud);

/*
 * Iterators call fn for each row in code order; a nonzero return from fn
 * stops the walk and is passed back as PCN_OK. PCN_ENOTFOUND from the
 * get_* calls when nothing matches.
 */
enum pcn_err pcn_store_get_network(struct pcn_store *s, const char *code, pcn_network_fn fn,
                                   void *ud);
enum pcn_err pcn_store_each_network(struct pcn_store *s, pcn_network_fn fn, void *ud);
enum pcn_err pcn_store_get_practice(struct pcn_store *s, const char *code, pcn_practice_fn fn,
                                    void *ud);
enum pcn_err pcn_store_each_practice(struct pcn_store *s, pcn_practice_fn fn, void *ud);

/*
 * Memberships. add refuses (PCN_ECONFLICT) a period that overlaps another
 * membership of the same practice; end sets the end date of the practice's
 * open membership (PCN_ENOTFOUND if none). each_membership walks every
 * membership (practice NULL) or one practice's, ordered by practice then
 * start date; each_network_membership one network's, in the same order
 * (through the network's index: a network's members without a walk of
 * England).
 */
enum pcn_err pcn_store_add_membership(struct pcn_store *s, const struct pcn_membership *m);
enum pcn_err pcn_store_end_membership(struct pcn_store *s, const char *practice, int32_t end_date);
enum pcn_err pcn_store_each_membership(struct pcn_store *s, const char *practice,
                                       pcn_membership_fn fn, void *ud);
enum pcn_err pcn_store_each_network_membership(struct pcn_store *s, const char *network,
                                               pcn_membership_fn fn, void *ud);

/* Sites (branch surgeries). add assigns *ret_id. */
enum pcn_err pcn_store_add_site(struct pcn_store *s, const struct pcn_site *site, int64_t *ret_id);
enum pcn_err pcn_store_each_site(struct pcn_store *s, pcn_site_fn fn, void *ud);

/* List sizes: insert or replace the figure for (practice, date). */
enum pcn_err pcn_store_put_list_size(struct pcn_store *s, const struct pcn_list_size *l);
/*
 * Latest list size of a practice on or before `date`. PCN_ENOTFOUND if none;
 * *ret_date gets the date of the figure.
 */
enum pcn_err pcn_store_list_size_at(struct pcn_store *s, const char *practice, int32_t date,
                                    int64_t *ret_patients, int32_t *ret_date);
/* Age/sex bands: insert or replace (practice, date, sex, age_from). */
enum pcn_err pcn_store_put_list_band(struct pcn_store *s, const struct pcn_list_band *b);
/* Bands of the latest date on or before `date` for one practice. */
enum pcn_err pcn_store_each_list_band(struct pcn_store *s, const char *practice, int32_t date,
                                      pcn_list_band_fn fn, void *ud);

#endif /* PCN_STORE_REGISTRY_H */
