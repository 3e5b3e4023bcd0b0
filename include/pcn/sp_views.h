/*
 * sp_views.h - the social prescribing result kinds that the CLI and the
 * HTTP API both return, built once here into result tables (pcn/table.h)
 * so both give the same schema (docs/api.md, "Result tables").
 *
 * | kind             | CLI                          | API                                  |
 * |------------------|------------------------------|--------------------------------------|
 * | sp_assets        | pcn sp assets list|search    | GET /sp/assets                       |
 * | sp_referrals     | pcn sp referrals list        | GET /sp/referrals, /sp/caseload      |
 * | sp_timeline      | pcn sp referrals show        | GET /sp/referrals/{id}               |
 * | sp_outcomes      | pcn sp outcomes              | GET /sp/outcomes                     |
 * | sp_outcome_pairs | pcn sp outcomes --people     | GET /sp/outcomes?people=1            |
 * | sp_caseloads     | pcn sp report caseloads      | GET /sp/reports/caseloads            |
 * | sp_activity      | pcn sp report activity       | GET /sp/reports/activity             |
 * | sp_rates         | pcn sp report rates          | GET /sp/reports/rates                |
 * | sp_categories    | pcn sp report categories     | GET /sp/reports/categories           |
 * | sp_coverage      | pcn sp report coverage       | GET /sp/reports/coverage             |
 *
 * Aggregates go to aggregate-only roles with small numbers suppressed
 * (suppress_below: counts 1..N-1 become null, and figures computed from
 * them too). Every builder returns a new table in *ret (caller frees with
 * pcn_table_free()) or an error with *reterr set.
 */
#ifndef PCN_SP_VIEWS_H
#define PCN_SP_VIEWS_H

#include <stdint.h>

#include "pcn/asset.h"
#include "pcn/date.h"
#include "pcn/error.h"
#include "pcn/table.h"

struct pcn_store;
struct pcn_strmap;

/* What the reports cover. */
struct pcn_sp_view_opts {
    pcn_usec_t now;          /* "today" for days since contact and the 12-month figures */
    pcn_usec_t from, to;     /* referrals received in [from, to) (rates, categories, coverage,
                                activity); 0, 0: the 12 months up to now */
    const char *link_worker; /* only this link worker's referrals; NULL: everyone's */
    const char *practice;    /* only referrals of this practice's patients; NULL: all */
    const char *patient_id;  /* only this person's referrals; NULL: everyone's */
    int open_only;           /* referrals: only open ones */
    int suppress_below;      /* aggregate-only roles: counts 1..N-1 become null; 0: none */
    /* LSOA deprivation (pcn_lsoa_imd_load(), pcn/geo.h) for rates and coverage; NULL: the
       shipped table is read for the call. A server keeps one. */
    const struct pcn_strmap *imd;
    int64_t offset, limit; /* paging of long lists (0 limit: all) */
};

/*
 * "sp_assets": the hits of a directory search: id, name, organisation,
 * categories, postcode, lsoa, km (null without an origin or a position),
 * stale, last_verified, cost, sessions, referral_route, capacity, min_age,
 * max_age, active, and the detail columns description, address, phone,
 * email, website, access, sessions_note, cost_note, route_note, version.
 * *ret_total (optional) counts every hit before the limit.
 */
enum pcn_err pcn_sp_view_assets(const struct pcn_directory *d, const struct pcn_asset_query *q,
                                struct pcn_table **ret, int64_t *ret_total,
                                struct pcn_error *reterr);

/*
 * "sp_referrals": id, version, patient_id, patient_key, nhs_number, name, age, sex,
 * practice, state, source, received, link_worker, contacts,
 * last_contact, days_since_contact (since received when never contacted),
 * waiting_first_contact, needs; the filter's referrals in id order, paged.
 */
enum pcn_err pcn_sp_view_referrals(struct pcn_store *s, const struct pcn_sp_view_opts *o,
                                   struct pcn_table **ret, int64_t *ret_total,
                                   struct pcn_error *reterr);

/*
 * "sp_timeline": one referral's record in time order: at, kind
 * (referral, transition, contact, goal, connection, questionnaire), what,
 * detail, by, id, version (for the editable rows). *ret_referral_version
 * (optional) gets the referral's version, *ret_patient_id (optional, 64
 * bytes) its patient, *ret_link_worker (optional, 201 bytes) its link worker.
 */
enum pcn_err pcn_sp_view_timeline(struct pcn_store *s, int64_t id, struct pcn_table **ret,
                                  int64_t *ret_referral_version, char *ret_patient_id,
                                  char *ret_link_worker, struct pcn_error *reterr);

/*
 * "sp_outcomes": measure, group ("all" or an asset category), pairs,
 * mean_first, mean_last, mean_change, mean_improvement, ci_low, ci_high,
 * improved, worse, same, baseline_only; for every measure overall, then by
 * category (categories with no pair left out).
 */
enum pcn_err pcn_sp_view_outcomes(struct pcn_store *s, const struct pcn_sp_view_opts *o,
                                  struct pcn_table **ret, struct pcn_error *reterr);

/* "sp_outcome_pairs": referral_id, patient_id, measure, first, last, change, improvement,
 * first_at, last_at (patient-level; the filter's link worker when set). */
enum pcn_err pcn_sp_view_outcome_pairs(struct pcn_store *s, const struct pcn_sp_view_opts *o,
                                       struct pcn_table **ret, struct pcn_error *reterr);

/* "sp_caseloads": link_worker, open, waiting_first_contact, no_contact_28_days,
 * mean_days_since_contact, max_days_since_contact, new_12_months, ended_12_months. */
enum pcn_err pcn_sp_view_caseloads(struct pcn_store *s, const struct pcn_sp_view_opts *o,
                                   struct pcn_table **ret, struct pcn_error *reterr);

/* "sp_activity": month (YYYY-MM), received, from_clinician, from_practice, self_referred,
 * from_community_group, contacted, declined, not_contactable, closed, contacts, contact_minutes. */
enum pcn_err pcn_sp_view_activity(struct pcn_store *s, const struct pcn_sp_view_opts *o,
                                  struct pcn_table **ret, struct pcn_error *reterr);

/* "sp_rates": dimension, group, population, referred, per_1000, ci_low, ci_high, ratio:
 * registered people referred in the period, against the population (pcn/sp_report.h). */
enum pcn_err pcn_sp_view_rates(struct pcn_store *s, const struct pcn_sp_view_opts *o,
                               struct pcn_table **ret, struct pcn_error *reterr);

/* "sp_categories": category, label, asked, connected, assets, stale_assets, places,
 * lsoas_with_asset, asked_per_asset; least available first. */
enum pcn_err pcn_sp_view_categories(struct pcn_store *s, const struct pcn_directory *d,
                                    const struct pcn_sp_view_opts *o, struct pcn_table **ret,
                                    struct pcn_error *reterr);

/* "sp_coverage": lsoa, imd_decile, referrals, assets, categories, unmet. */
enum pcn_err pcn_sp_view_coverage(struct pcn_store *s, const struct pcn_directory *d,
                                  const struct pcn_sp_view_opts *o, struct pcn_table **ret,
                                  struct pcn_error *reterr);

#endif /* PCN_SP_VIEWS_H */
