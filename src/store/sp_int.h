/*
 * sp_int.h - the social prescribing domain's operations table, which each
 * backend implements (sqlite/sqlite_sp.c, pg/pg_sp.c) and sp.c dispatches
 * to, plus the encodings both backends share: an asset's sessions as text,
 * a questionnaire's answers as text. Public contract: pcn/store_sp.h.
 */
#ifndef PCN_STORE_SP_INT_H
#define PCN_STORE_SP_INT_H

#include <stddef.h>

#include "pcn/store_sp.h"
#include "store/store_int.h"

extern const struct pcn__store_domain pcn__store_sp;

/* Writes are called inside a transaction with checked arguments (sp.c). */
struct pcn__store_sp_ops {
    enum pcn_err (*put_asset)(struct pcn_store *s, const struct pcn_asset *a, int64_t *ret_id,
                              int64_t *ret_version);
    enum pcn_err (*get_asset)(struct pcn_store *s, int64_t id, pcn_asset_fn fn, void *ud);
    enum pcn_err (*each_asset)(struct pcn_store *s, pcn_asset_fn fn, void *ud);
    enum pcn_err (*asset_stamp)(struct pcn_store *s, struct pcn_sp_asset_stamp *ret);
    enum pcn_err (*add_referral)(struct pcn_store *s, const struct pcn_referral *r,
                                 int64_t *ret_id);
    enum pcn_err (*update_referral)(struct pcn_store *s, const struct pcn_referral *r,
                                    int64_t *ret_version);
    enum pcn_err (*each_referral)(struct pcn_store *s, int64_t id,
                                  const struct pcn_referral_filter *f, pcn_referral_fn fn, void *ud,
                                  int *ret_rows);
    enum pcn_err (*add_transition)(struct pcn_store *s, int64_t referral_id,
                                   const struct pcn_referral_transition *t);
    enum pcn_err (*each_transition)(struct pcn_store *s, int64_t referral_id, pcn_transition_fn fn,
                                    void *ud);
    enum pcn_err (*add_contact)(struct pcn_store *s, const struct pcn_contact *c, int64_t *ret_id);
    enum pcn_err (*each_contact)(struct pcn_store *s, int64_t referral_id, pcn_contact_fn fn,
                                 void *ud);
    enum pcn_err (*add_goal)(struct pcn_store *s, const struct pcn_goal *g, int64_t *ret_id);
    enum pcn_err (*update_goal)(struct pcn_store *s, const struct pcn_goal *g,
                                int64_t *ret_version);
    enum pcn_err (*each_goal)(struct pcn_store *s, int64_t referral_id, pcn_goal_fn fn, void *ud);
    enum pcn_err (*add_connection)(struct pcn_store *s, const struct pcn_connection *c,
                                   int64_t *ret_id);
    enum pcn_err (*update_connection)(struct pcn_store *s, const struct pcn_connection *c,
                                      int64_t *ret_version);
    enum pcn_err (*each_connection)(struct pcn_store *s, int64_t referral_id, pcn_connection_fn fn,
                                    void *ud);
    enum pcn_err (*add_outcome)(struct pcn_store *s, const struct pcn_outcome *o, int64_t *ret_id);
    enum pcn_err (*each_outcome)(struct pcn_store *s, int64_t referral_id, pcn_outcome_fn fn,
                                 void *ud);
    enum pcn_err (*add_coded_event)(struct pcn_store *s, const struct pcn_event *e);
    enum pcn_err (*delete_coded_events)(struct pcn_store *s, const char *source, const char *code,
                                        int64_t *ret_n);
};

/* An asset's weekly sessions as stored ("Mon 10:00-11:00; ..."), into out. */
enum pcn_err pcn__sp_sessions_text(const struct pcn_asset *a, char *out, size_t size);
/* Read stored sessions back into a (PCN_ECORRUPT-like PCN_ESTORAGE if unreadable). */
enum pcn_err pcn__sp_sessions_read(const char *text, struct pcn_asset *a);

/* A questionnaire's answers as stored ("3,4,5,..."), and back (missing items stay 0). */
void pcn__sp_items_text(const struct pcn_outcome *o, char *out, size_t size);
enum pcn_err pcn__sp_items_read(const char *text, struct pcn_outcome *o);

#endif /* PCN_STORE_SP_INT_H */
