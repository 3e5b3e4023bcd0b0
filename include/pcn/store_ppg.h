/*
 * store_ppg.h - the patient partnership domain of the store: patient
 * participation groups, their members, engagement activities (and the
 * groups that took part), "you said, we did" feedback, service changes and
 * who was involved in them at each stage (records: pcn/ppg.h). Members are
 * not patients: nothing here refers to the population tables.
 *
 * Writes need a transaction (pcn/store.h). They do not bump the data
 * version: the engagement tables are not population data, and a new member
 * or a published answer must not make the server rebuild the population.
 *
 * Editable records carry a version. put_* with id 0 adds the record
 * (version 1, *ret_id gets its id); with an id it updates that record if
 * its version is still the one given, and bumps it: PCN_ECONFLICT ("changed
 * since version N") when another write came first, PCN_ENOTFOUND when there
 * is no such record. *ret_version (optional) gets the version written. A
 * reference to a missing group, change or activity, a second PPG for one
 * practice or a group name used twice in a network is PCN_ECONFLICT.
 *
 * Strings in records passed to callbacks are borrowed for the callback; a
 * nonzero return from a callback stops the walk (PCN_OK).
 */
#ifndef PCN_STORE_PPG_H
#define PCN_STORE_PPG_H

#include <stdint.h>

#include "pcn/error.h"
#include "pcn/ppg.h"
#include "pcn/store.h"

/* Which records a walk visits; zero and NULL members do not filter. */
struct pcn_ppg_filter {
    int64_t id; /* one record */
    const char
        *network;       /* a network's records (members: of its groups; involvement: its changes) */
    int64_t group_id;   /* members of, activities with, feedback from, involvement of a group */
    int64_t change_id;  /* activities about, involvement in a change */
    int published_only; /* feedback marked published */
};

typedef int (*pcn_ppg_group_fn)(const struct pcn_ppg_group *g, void *ud);
typedef int (*pcn_ppg_member_fn)(const struct pcn_ppg_member *m, void *ud);
typedef int (*pcn_ppg_activity_fn)(const struct pcn_ppg_activity *a, void *ud);
typedef int (*pcn_ppg_feedback_fn)(const struct pcn_ppg_feedback *f, void *ud);
typedef int (*pcn_ppg_change_fn)(const struct pcn_ppg_change *c, void *ud);
typedef int (*pcn_ppg_involvement_fn)(const struct pcn_ppg_involvement *v, void *ud);

/* Groups, in network, then practice (network-level groups last), then name order. */
enum pcn_err pcn_store_put_ppg_group(struct pcn_store *s, const struct pcn_ppg_group *g,
                                     int64_t *ret_id, int64_t *ret_version);
enum pcn_err pcn_store_each_ppg_group(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                      pcn_ppg_group_fn fn, void *ud);

/* Members, in group, joined date and id order. The group of a member never changes. */
enum pcn_err pcn_store_put_ppg_member(struct pcn_store *s, const struct pcn_ppg_member *m,
                                      int64_t *ret_id, int64_t *ret_version);
enum pcn_err pcn_store_each_ppg_member(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                       pcn_ppg_member_fn fn, void *ud);

/* Activities with their groups (ascending ids), in date and id order; put replaces the groups. */
enum pcn_err pcn_store_put_ppg_activity(struct pcn_store *s, const struct pcn_ppg_activity *a,
                                        int64_t *ret_id, int64_t *ret_version);
enum pcn_err pcn_store_each_ppg_activity(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                         pcn_ppg_activity_fn fn, void *ud);

/* Feedback, in received date and id order. */
enum pcn_err pcn_store_put_ppg_feedback(struct pcn_store *s, const struct pcn_ppg_feedback *fb,
                                        int64_t *ret_id, int64_t *ret_version);
enum pcn_err pcn_store_each_ppg_feedback(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                         pcn_ppg_feedback_fn fn, void *ud);

/* Service changes, in id order. */
enum pcn_err pcn_store_put_ppg_change(struct pcn_store *s, const struct pcn_ppg_change *c,
                                      int64_t *ret_id, int64_t *ret_version);
enum pcn_err pcn_store_each_ppg_change(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                       pcn_ppg_change_fn fn, void *ud);

/*
 * Involvement in a change: added (never edited: a mistake is removed and
 * added again), removed by id (PCN_ENOTFOUND if none), walked in change,
 * date and id order.
 */
enum pcn_err pcn_store_add_ppg_involvement(struct pcn_store *s, const struct pcn_ppg_involvement *v,
                                           int64_t *ret_id);
enum pcn_err pcn_store_remove_ppg_involvement(struct pcn_store *s, int64_t id);
enum pcn_err pcn_store_each_ppg_involvement(struct pcn_store *s, const struct pcn_ppg_filter *f,
                                            pcn_ppg_involvement_fn fn, void *ud);

#endif /* PCN_STORE_PPG_H */
