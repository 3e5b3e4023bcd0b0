/*
 * ppg_int.h - the patient partnership domain's operations table, which
 * each backend implements (sqlite/sqlite_ppg.c, pg/pg_ppg.c) and ppg.c
 * dispatches to, and the helpers both backends share: codes stored as text
 * read back into the enums, and an activity's list of group ids. Public
 * contract: pcn/store_ppg.h.
 */
#ifndef PCN_STORE_PPG_INT_H
#define PCN_STORE_PPG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/store_ppg.h"
#include "store/store_int.h"

extern const struct pcn__store_domain pcn__store_ppg;

/* Writes are called inside a transaction (ppg.c checks); filters are never NULL. */
struct pcn__store_ppg_ops {
    enum pcn_err (*put_group)(struct pcn_store *s, const struct pcn_ppg_group *g, int64_t *ret_id,
                              int64_t *ret_version);
    enum pcn_err (*each_group)(struct pcn_store *s, const struct pcn_ppg_filter *f,
                               pcn_ppg_group_fn fn, void *ud);
    enum pcn_err (*put_member)(struct pcn_store *s, const struct pcn_ppg_member *m, int64_t *ret_id,
                               int64_t *ret_version);
    enum pcn_err (*each_member)(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                pcn_ppg_member_fn fn, void *ud);
    enum pcn_err (*put_activity)(struct pcn_store *s, const struct pcn_ppg_activity *a,
                                 int64_t *ret_id, int64_t *ret_version);
    enum pcn_err (*each_activity)(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                  pcn_ppg_activity_fn fn, void *ud);
    enum pcn_err (*put_feedback)(struct pcn_store *s, const struct pcn_ppg_feedback *fb,
                                 int64_t *ret_id, int64_t *ret_version);
    enum pcn_err (*each_feedback)(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                  pcn_ppg_feedback_fn fn, void *ud);
    enum pcn_err (*put_change)(struct pcn_store *s, const struct pcn_ppg_change *c, int64_t *ret_id,
                               int64_t *ret_version);
    enum pcn_err (*each_change)(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                pcn_ppg_change_fn fn, void *ud);
    enum pcn_err (*add_involvement)(struct pcn_store *s, const struct pcn_ppg_involvement *v,
                                    int64_t *ret_id);
    enum pcn_err (*remove_involvement)(struct pcn_store *s, int64_t id);
    enum pcn_err (*each_involvement)(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                     pcn_ppg_involvement_fn fn, void *ud);
};

/* A code read back from the database (NULL reads as value 0). */
int pcn__ppg_value(enum pcn_ppg_vocab v, const char *code);

/*
 * The group ids of "3,7,12" (an aggregate of the activity's groups; NULL or
 * "" for none) into ids (room for PCN_PPG_GROUPS_MAX); *ret_n gets their
 * number. PCN_ESTORAGE (message set on s) for anything else.
 */
enum pcn_err pcn__ppg_group_ids(struct pcn_store *s, const char *list, int64_t *ids, size_t *ret_n);

/*
 * The failure of an update that changed no row: PCN_ECONFLICT when the
 * record exists (another write came first), else PCN_ENOTFOUND; message set.
 */
enum pcn_err pcn__ppg_stale(struct pcn_store *s, const char *what, int64_t id, int64_t version,
                            int exists);

#endif /* PCN_STORE_PPG_INT_H */
