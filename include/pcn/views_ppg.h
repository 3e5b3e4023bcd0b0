/*
 * views_ppg.h - the patient partnership list result kinds, built once for
 * `pcn ppg` and the API so both give the same schema (as pcn/views.h for
 * the registry; columns in docs/api.md, "Result tables"):
 *
 * | kind              | CLI                      | API                                |
 * |-------------------|--------------------------|------------------------------------|
 * | ppg_groups        | pcn ppg groups           | GET /ppg/groups                    |
 * | ppg_members       | pcn ppg members list     | GET /ppg/groups/{id}/members       |
 * | ppg_activities    | pcn ppg activities list  | GET /ppg/activities                |
 * | ppg_feedback      | pcn ppg feedback list    | GET /ppg/feedback                  |
 * | ppg_changes       | pcn ppg changes list     | GET /ppg/changes                   |
 * | ppg_involvement   | pcn ppg changes show     | GET /ppg/changes/{id}              |
 * | ppg_ladder        | pcn ppg report ladder    | GET /ppg/ladder                    |
 * | ppg_coproduction  | pcn ppg report coproduction | GET /ppg/coproduction           |
 * | ppg_public        | pcn ppg report public    | GET /public/{network}/you-said-we-did |
 *
 * (Representativeness is a nested result: pcn/ppg_ops.h.) Every builder
 * returns a new table in *ret (caller frees with pcn_table_free()) or an
 * error with the store's message on the handle.
 */
#ifndef PCN_VIEWS_PPG_H
#define PCN_VIEWS_PPG_H

#include <stdint.h>

#include "pcn/error.h"
#include "pcn/store_ppg.h"
#include "pcn/table.h"

struct pcn_ppg_view_opts {
    struct pcn_ppg_filter filter; /* which records (network, group, change, id...) */
    int32_t as_of;                /* groups: members counted on this day */
    int64_t offset;               /* matching rows skipped */
    int64_t limit;                /* rows kept after offset; 0: all */
    /*
     * members: 1 leaves out contact details and the demographic facts
     * (what a ppg_member sees of their own group: who, role, when);
     * counts: 1..N-1 withheld for aggregate-only roles.
     */
    int brief;
    int suppress_below;
};

/*
 * "ppg_groups": id, network, practice (null: network-level), name, formed,
 * members (current on as_of), chairs, virtual_members, version.
 */
enum pcn_err pcn_view_ppg_groups(struct pcn_store *s, const struct pcn_ppg_view_opts *o,
                                 struct pcn_table **ret, int64_t *ret_total);

/*
 * "ppg_members": id, group_id, name, email, phone, consent, role,
 * age_band, sex, ethnic_group, postcode_district, deprivation_quintile,
 * carer, disability, long_term_condition, joined, left, withdrawn,
 * version. Brief: email, phone, the facts and postcode district null.
 */
enum pcn_err pcn_view_ppg_members(struct pcn_store *s, const struct pcn_ppg_view_opts *o,
                                  struct pcn_table **ret, int64_t *ret_total);

/*
 * "ppg_activities": id, network, held, kind, rung, title, people, groups
 * (ids, space-separated), group_names ("; "-separated), change_id,
 * questions, heard, version; in date order.
 */
enum pcn_err pcn_view_ppg_activities(struct pcn_store *s, const struct pcn_ppg_view_opts *o,
                                     struct pcn_table **ret, int64_t *ret_total);

/*
 * "ppg_feedback": id, network, group_id, group, activity_id, received,
 * said, response, responded, outcome, reason, outcome_date,
 * days_to_response, published, version.
 */
enum pcn_err pcn_view_ppg_feedback(struct pcn_store *s, const struct pcn_ppg_view_opts *o,
                                   struct pcn_table **ret, int64_t *ret_total);

/* "ppg_changes": id, network, title, description, started, version. */
enum pcn_err pcn_view_ppg_changes(struct pcn_store *s, const struct pcn_ppg_view_opts *o,
                                  struct pcn_table **ret, int64_t *ret_total);

/*
 * "ppg_involvement": id, change_id, stage, group_id, group, who, rung,
 * date, people, activity_id, note; in stage (commissioning cycle) order.
 */
enum pcn_err pcn_view_ppg_involvement(struct pcn_store *s, const struct pcn_ppg_view_opts *o,
                                      struct pcn_table **ret);

/*
 * "ppg_ladder": the network's (or one group's) engagement activities per
 * financial year on the ladder of involvement: year ("2025-26"), inform,
 * consult, involve, collaborate, co_produce (activities at each rung),
 * activities, people (known counts summed), involve_or_above (percent of
 * the year's activities at involve, collaborate or co-produce).
 */
enum pcn_err pcn_view_ppg_ladder(struct pcn_store *s, const struct pcn_ppg_view_opts *o,
                                 struct pcn_table **ret);

/*
 * "ppg_coproduction": one row per service change: change_id, title,
 * started, needs, design, procurement, monitoring, evaluation (the highest
 * rung at which patients or the public were involved at that stage, null
 * when nobody was), stages (stages with involvement), from_start (involved
 * at the needs stage), groups (distinct groups involved), people.
 */
enum pcn_err pcn_view_ppg_coproduction(struct pcn_store *s, const struct pcn_ppg_view_opts *o,
                                       struct pcn_table **ret);

/*
 * "ppg_public": what a network publishes of "you said, we did": received,
 * said, response, responded, outcome, outcome_label, reason,
 * outcome_date, group (the group's name, null when none); published items
 * only, newest first, paged. Nothing about any person.
 */
enum pcn_err pcn_view_ppg_public(struct pcn_store *s, const struct pcn_ppg_view_opts *o,
                                 struct pcn_table **ret, int64_t *ret_total);

#endif /* PCN_VIEWS_PPG_H */
