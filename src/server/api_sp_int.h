/*
 * api_sp_int.h - what the social prescribing handlers share: api_sp.c
 * (the state, the directory, outcomes and reports) and
 * api_sp_referrals.c (referrals and what is recorded on them).
 */
#ifndef PCN_SERVER_API_SP_INT_H
#define PCN_SERVER_API_SP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "pcn/date.h"
#include "pcn/error.h"
#include "pcn/sp_coding.h"
#include "server/server_int.h"

struct pcn_geo;

/*
 * Load the postcode, code and deprivation tables on the first call (the
 * config's `postcodes` and `sp_codes`); every handler calls it first.
 * Replies 503 and returns false when they cannot be read.
 */
bool pcn__sp_ready(struct pcn__request *r);

/* The loaded tables (after pcn__sp_ready); valid while the server lives. */
const struct pcn_geo *pcn__sp_geo(const struct pcn__request *r);
const struct pcn_sp_codes *pcn__sp_codes(const struct pcn__request *r);

/*
 * Reply for a library call that failed with a message: 400 invalid_field
 * (EINVAL, ELIMIT, EPARSE), 404, 409 conflict, or the store's reply
 * (503, 500). current (taken; may be NULL) goes beside the error as
 * "current": the record as it is now, for a conflict.
 */
int pcn__sp_reply_error(struct pcn__request *r, enum pcn_err rc, const struct pcn_error *e,
                        json_t *current);

/* The record a refused write was about, as it is now (NULL when it cannot be read). */
typedef json_t *(*pcn__sp_current_fn)(struct pcn__request *r, int64_t id);

/*
 * Finish a write begun with pcn__begin(): its audit row and the commit,
 * then reply status with reply (taken); or roll back and reply the
 * refusal as pcn__sp_reply_error() does, with current(r, id) beside a
 * conflict when current is given.
 */
int pcn__sp_finish(struct pcn__request *r, enum pcn_err rc, const struct pcn_error *e, int status,
                   json_t *reply, pcn__sp_current_fn current, int64_t id);

/*
 * The "now" of reports and lists: the end of the as_of day (the query's
 * as_of parameter, by default the data's date, as `pcn sp` uses).
 * Replies 400 and returns false when as_of is bad.
 */
bool pcn__sp_now(struct pcn__request *r, pcn_usec_t *ret);

struct pcn_sp_view_opts;

/*
 * Narrow a patient-level list to what the caller may see: a link worker
 * their own referrals (asking for another's is refused), a practice
 * manager their practice's patients, clinical directors and clinicians
 * everyone's. Replies 403 and returns false otherwise.
 */
bool pcn__sp_narrow(struct pcn__request *r, struct pcn_sp_view_opts *o);

/* Body members: replies 400 naming the member and returns false when bad. */
bool pcn__sp_body_int(struct pcn__request *r, json_t *body, const char *name, bool required,
                      int64_t min, int64_t max, int64_t def, int64_t *ret);
bool pcn__sp_body_text(struct pcn__request *r, json_t *body, const char *name, bool required,
                       const char **ret);

#endif /* PCN_SERVER_API_SP_INT_H */
