/*
 * store_sp.h - the social prescribing domain of the store: the community
 * asset directory; referrals and what is recorded on them (transitions,
 * contacts, the plan's goals, connections to assets, wellbeing
 * questionnaires); and the coded events social prescribing writes into a
 * patient's record (pcn/sp_coding.h).
 *
 * Editable rows (assets, referrals, goals, connections) carry a version:
 * an update names the version it read and changes the row only if it is
 * still that version (PCN_ECONFLICT otherwise, with nothing changed), so
 * two link workers updating one referral cannot overwrite each other.
 * Transitions, contacts and questionnaires are appended, never edited.
 * Referrals name their patient by patient_id; they outlive a re-imported
 * population. Writes need a transaction; they do not bump the data
 * version, except the coded events, which change the population.
 * Strings in structs passed to callbacks are borrowed for the callback.
 */
#ifndef PCN_STORE_SP_H
#define PCN_STORE_SP_H

#include <stdint.h>

#include "pcn/asset.h"
#include "pcn/date.h"
#include "pcn/error.h"
#include "pcn/record.h"
#include "pcn/referral.h"
#include "pcn/store.h"

/* ---- the asset directory ---- */

/*
 * Insert an asset (a->id == 0; its new id in *ret_id) or update one. An
 * update with a->version > 0 changes the row only while its version is
 * a->version (PCN_ECONFLICT otherwise); version 0 updates whatever the
 * version (a directory import). PCN_ENOTFOUND for an id that is not stored.
 * *ret_version (optional) gets the row's version after the write.
 */
enum pcn_err pcn_store_put_asset(struct pcn_store *s, const struct pcn_asset *a, int64_t *ret_id,
                                 int64_t *ret_version);

typedef int (*pcn_asset_fn)(const struct pcn_asset *a, void *ud);

/*
 * What the stored directory is now: it changes with every asset added or
 * updated (assets are never deleted, and every update raises a version),
 * so a copy held in memory can tell cheaply that it must be reloaded.
 */
struct pcn_sp_asset_stamp {
    int64_t count;
    int64_t max_id;
    int64_t sum_version;
};

enum pcn_err pcn_store_asset_stamp(struct pcn_store *s, struct pcn_sp_asset_stamp *ret);

/* One asset (PCN_ENOTFOUND), or every asset in id order. */
enum pcn_err pcn_store_get_asset(struct pcn_store *s, int64_t id, pcn_asset_fn fn, void *ud);
enum pcn_err pcn_store_each_asset(struct pcn_store *s, pcn_asset_fn fn, void *ud);

/* ---- referrals ---- */

/* Insert a referral with version 1 (r->id and r->version are ignored); its id in *ret_id. */
enum pcn_err pcn_store_add_referral(struct pcn_store *s, const struct pcn_referral *r,
                                    int64_t *ret_id);

/*
 * Update the changeable fields of referral r->id (reason, needs, link
 * worker, state, close reason, what matters, updated_at) if its version is
 * still r->version; the version goes up by one (*ret_version, optional).
 * PCN_ECONFLICT when another write came first, PCN_ENOTFOUND for no such
 * referral.
 */
enum pcn_err pcn_store_update_referral(struct pcn_store *s, const struct pcn_referral *r,
                                       int64_t *ret_version);

/* What a referral walk adds to each referral: its contacts and its patient. */
struct pcn_referral_extra {
    pcn_usec_t first_contact_at; /* first contact that reached the person; 0 if none */
    pcn_usec_t last_contact_at;  /* latest contact of any kind; 0 if none */
    int64_t n_contacts;
    pcn_usec_t ended_at;  /* when it left the open states; 0 while open */
    int has_patient;      /* the patient is in the population (fields below valid) */
    int64_t patient_key;  /* the patient's store key (pcn_store_get_patient()) */
    const char *practice; /* the patient's practice; NULL if unknown */
    const char *lsoa;     /* NULL if unknown */
    const char *nhs_number;
    const char *family_name;
    const char *given_name;
    int32_t date_of_birth;
    char sex; /* 'U', 'M', 'F', 'I' */
    const char *ethnicity;
};

typedef int (*pcn_referral_fn)(const struct pcn_referral *r, const struct pcn_referral_extra *x,
                               void *ud);

/* Which referrals a walk visits; zero-initialise, then narrow. */
struct pcn_referral_filter {
    const char *patient_id;  /* NULL: any */
    const char *link_worker; /* NULL: any; "" the unassigned ones */
    int open_only;           /* only received .. connected */
};

/* One referral (PCN_ENOTFOUND), or the referrals that pass the filter (NULL: all) in id order. */
enum pcn_err pcn_store_get_referral(struct pcn_store *s, int64_t id, pcn_referral_fn fn, void *ud);
enum pcn_err pcn_store_each_referral(struct pcn_store *s, const struct pcn_referral_filter *f,
                                     pcn_referral_fn fn, void *ud);

/* ---- what is recorded on a referral ---- */

/* Append a transition (checked by the caller against the state machine). */
enum pcn_err pcn_store_add_transition(struct pcn_store *s, int64_t referral_id,
                                      const struct pcn_referral_transition *t);

typedef int (*pcn_transition_fn)(int64_t referral_id, const struct pcn_referral_transition *t,
                                 void *ud);

/* A referral's transitions in order (referral_id 0: every referral's, by referral). */
enum pcn_err pcn_store_each_transition(struct pcn_store *s, int64_t referral_id,
                                       pcn_transition_fn fn, void *ud);

/* Append a contact; the referral's contact summary follows. *ret_id optional. */
enum pcn_err pcn_store_add_contact(struct pcn_store *s, const struct pcn_contact *c,
                                   int64_t *ret_id);

typedef int (*pcn_contact_fn)(const struct pcn_contact *c, void *ud);

/* A referral's contacts by time (referral_id 0: every contact, by referral then time). */
enum pcn_err pcn_store_each_contact(struct pcn_store *s, int64_t referral_id, pcn_contact_fn fn,
                                    void *ud);

/* Goals: add (version 1, *ret_id), update by version as referrals are, walk by id. */
enum pcn_err pcn_store_add_goal(struct pcn_store *s, const struct pcn_goal *g, int64_t *ret_id);
enum pcn_err pcn_store_update_goal(struct pcn_store *s, const struct pcn_goal *g,
                                   int64_t *ret_version);
typedef int (*pcn_goal_fn)(const struct pcn_goal *g, void *ud);
enum pcn_err pcn_store_each_goal(struct pcn_store *s, int64_t referral_id, pcn_goal_fn fn,
                                 void *ud);

/*
 * Connections to assets: add (version 1, *ret_id; PCN_ENOTFOUND for an
 * unknown asset), update attendance and note by version, walk by id
 * (referral_id 0: all). The walk gives the asset's categories and name.
 */
enum pcn_err pcn_store_add_connection(struct pcn_store *s, const struct pcn_connection *c,
                                      int64_t *ret_id);
enum pcn_err pcn_store_update_connection(struct pcn_store *s, const struct pcn_connection *c,
                                         int64_t *ret_version);
typedef int (*pcn_connection_fn)(const struct pcn_connection *c, uint32_t categories,
                                 const char *asset_name, void *ud);
enum pcn_err pcn_store_each_connection(struct pcn_store *s, int64_t referral_id,
                                       pcn_connection_fn fn, void *ud);

/* Wellbeing questionnaires: append, walk by referral then time (referral_id 0: all). */
enum pcn_err pcn_store_add_outcome(struct pcn_store *s, const struct pcn_outcome *o,
                                   int64_t *ret_id);
typedef int (*pcn_outcome_fn)(const struct pcn_outcome *o, void *ud);
enum pcn_err pcn_store_each_outcome(struct pcn_store *s, int64_t referral_id, pcn_outcome_fn fn,
                                    void *ud);

/* ---- coding back ---- */

/*
 * Add a coded event to the record of a patient already stored
 * (e->patient_id; PCN_ENOTFOUND otherwise). Bumps the data version.
 */
enum pcn_err pcn_store_add_coded_event(struct pcn_store *s, const struct pcn_event *e);

/*
 * Delete every event with this source and, when code is not NULL, this
 * SNOMED CT code (recoding starts again; the twin replaces the generator's
 * referral codes by its own); *ret_n (optional) counts them.
 */
enum pcn_err pcn_store_delete_coded_events(struct pcn_store *s, const char *source,
                                           const char *code, int64_t *ret_n);

#endif /* PCN_STORE_SP_H */
