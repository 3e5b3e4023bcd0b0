/*
 * sp_ops.h - social prescribing services over the store: the directory
 * (import, export, load for searching), the referral workflow (refer,
 * move through the state machine, assign, plan, goals, contacts,
 * connections, questionnaires) with the SNOMED CT codes each step writes
 * into the patient's record, and recoding every record from scratch.
 *
 * Every call runs inside the caller's open transaction (the server's
 * request transaction, with its audit row; or the CLI's), so a failure
 * leaves nothing behind once the caller rolls back. Updates name the
 * version the caller read: PCN_ECONFLICT when someone else changed the
 * record first (the caller re-reads it to show the current state).
 * Errors fill *reterr with a one-line message naming the field.
 */
#ifndef PCN_SP_OPS_H
#define PCN_SP_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/asset.h"
#include "pcn/error.h"
#include "pcn/referral.h"
#include "pcn/sp_coding.h"
#include "pcn/store.h"
#include "pcn/wellbeing.h"

struct pcn_geo;

/* What a step wrote into the patient's record. */
struct pcn_sp_coded_summary {
    size_t written; /* coded events added */
    size_t uncoded; /* concepts the code table has no code for (nothing written) */
    int no_patient; /* the patient is not in the population: nothing could be written */
};

/* ---- directory ---- */

/*
 * Read a directory CSV (pcn/asset.h format) and store every row: rows
 * with an id update that asset (whatever its version: the file is the
 * newer truth), rows without one are added. All or nothing with the
 * caller's transaction. *ret counts what the read found.
 */
enum pcn_err pcn_sp_import_assets(struct pcn_store *s, const char *path, const struct pcn_geo *geo,
                                  int32_t as_of, struct pcn_asset_import *ret,
                                  struct pcn_error *reterr);

/*
 * Store every asset of a directory already read (an upload): as
 * pcn_sp_import_assets() does with a file; `name` labels the messages
 * ("NAME:ROW: ..."). PCN_ENOTFOUND for an id that is not stored.
 */
enum pcn_err pcn_sp_store_directory(struct pcn_store *s, const struct pcn_directory *d,
                                    const char *name, struct pcn_error *reterr);

/*
 * Store one asset (an API body read by pcn_directory_add_fields()): a new
 * one when a->id is 0 (*ret_id), else an update of the version the caller
 * read, which is required (PCN_ECONFLICT when someone changed it first,
 * PCN_ENOTFOUND for no such asset). *ret_version gets the row's version.
 */
enum pcn_err pcn_sp_put_asset(struct pcn_store *s, const struct pcn_asset *a, int64_t *ret_id,
                              int64_t *ret_version, struct pcn_error *reterr);

/* The stored directory in memory (for searching). Caller frees *ret with pcn_directory_free(). */
enum pcn_err pcn_sp_load_directory(struct pcn_store *s, struct pcn_directory **ret,
                                   struct pcn_error *reterr);

/* ---- referrals ---- */

/*
 * Record a new referral (state received, version 1) for a patient of the
 * population, and code "referral to social prescribing service" on the
 * date it was received. PCN_ENOTFOUND for an unknown patient.
 */
enum pcn_err pcn_sp_refer(struct pcn_store *s, const struct pcn_referral *r,
                          const struct pcn_sp_codes *codes, int64_t *ret_id,
                          struct pcn_sp_coded_summary *ret_coded, struct pcn_error *reterr);

/* A change to a referral, made by `by` at `at` on the version the caller read. */
struct pcn_sp_change {
    int64_t referral_id;
    int64_t version; /* the version read; the change is refused if it moved on */
    const char *by;  /* user name */
    pcn_usec_t at;
};

/*
 * Move a referral to state `to` (reason only when closing; note optional),
 * appending the transition; declining codes "social prescribing declined".
 * PCN_ECONFLICT for a stale version or a move the state machine forbids
 * (the message says which), PCN_ENOTFOUND for no such referral. *ret_version
 * gets the new version.
 */
enum pcn_err pcn_sp_move(struct pcn_store *s, const struct pcn_sp_change *c,
                         enum pcn_referral_state to, enum pcn_close_reason reason, const char *note,
                         const struct pcn_sp_codes *codes, int64_t *ret_version,
                         struct pcn_sp_coded_summary *ret_coded, struct pcn_error *reterr);

/* Assign the referral to a link worker ("" to unassign). */
enum pcn_err pcn_sp_assign(struct pcn_store *s, const struct pcn_sp_change *c,
                           const char *link_worker, int64_t *ret_version, struct pcn_error *reterr);

/* Set the plan's "what matters to me" (and, when needs is not 0, the needs). */
enum pcn_err pcn_sp_plan(struct pcn_store *s, const struct pcn_sp_change *c,
                         const char *what_matters, uint32_t needs, int64_t *ret_version,
                         struct pcn_error *reterr);

/*
 * Record a contact on a referral that is not closed or declined (contacts
 * after the end belong to a new referral). Not in the future (`now`).
 */
enum pcn_err pcn_sp_contact(struct pcn_store *s, const struct pcn_contact *c, pcn_usec_t now,
                            int64_t *ret_id, struct pcn_error *reterr);

/*
 * Add a goal (at most PCN_PLAN_MAX_GOALS per referral) or update one by
 * version; the goal must be one of g->referral_id's (PCN_ENOTFOUND).
 */
enum pcn_err pcn_sp_add_goal(struct pcn_store *s, const struct pcn_goal *g, int64_t *ret_id,
                             struct pcn_error *reterr);
enum pcn_err pcn_sp_update_goal(struct pcn_store *s, const struct pcn_goal *g, int64_t *ret_version,
                                struct pcn_error *reterr);

/*
 * Connect the person to an active asset, or update attendance by version
 * (a connection of c->referral_id: PCN_ENOTFOUND otherwise).
 */
enum pcn_err pcn_sp_connect(struct pcn_store *s, const struct pcn_connection *c, int64_t *ret_id,
                            struct pcn_error *reterr);
enum pcn_err pcn_sp_update_connection(struct pcn_store *s, const struct pcn_connection *c,
                                      int64_t *ret_version, struct pcn_error *reterr);

/*
 * Record a completed questionnaire (validated: ONS4 items 0-10, (S)WEMWBS
 * items 1-5, none missing) and code its scores.
 */
enum pcn_err pcn_sp_record_outcome(struct pcn_store *s, const struct pcn_outcome *o,
                                   const struct pcn_sp_codes *codes, int64_t *ret_id,
                                   struct pcn_sp_coded_summary *ret_coded,
                                   struct pcn_error *reterr);

/*
 * Take every coded event social prescribing wrote out of the record and
 * write them again from the referrals, declines and questionnaires (after
 * a re-import of the population, or a change to the code table).
 */
enum pcn_err pcn_sp_recode(struct pcn_store *s, const struct pcn_sp_codes *codes,
                           struct pcn_sp_coded_summary *ret_coded, struct pcn_error *reterr);

#endif /* PCN_SP_OPS_H */
