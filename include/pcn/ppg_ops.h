/*
 * ppg_ops.h - the patient partnership services over the store: saving
 * groups, members, activities, feedback, service changes and involvement
 * with the rules of the domain (references inside one network, a member
 * never changes group, consent withdrawn for good, only some roles
 * publish), and the representativeness of each group against the
 * registered population it serves. Rules and the index: docs/engagement.md.
 * The list result kinds are in pcn/views_ppg.h.
 *
 * Every save runs inside the caller's transaction (pcn_store_begin(); the
 * caller appends the audit row and commits), checks the record
 * (pcn/ppg.h), then its references, then the caller's scope, and reports
 * a refusal in *reterr naming the field: PCN_EINVAL (bad field),
 * PCN_ENOTFOUND (no such record), PCN_EPERM (outside the caller's scope),
 * PCN_ECONFLICT (another write came first: read the record again). On
 * success the record's id and version are updated in place.
 */
#ifndef PCN_PPG_OPS_H
#define PCN_PPG_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/error.h"
#include "pcn/ppg.h"
#include "pcn/profile.h"
#include "pcn/store.h"
#include "pcn/table.h"

/* What the caller may do: the role's reach in the engagement module. */
struct pcn_ppg_scope {
    int64_t group_id;     /* 0: any group; else only records of this group (ppg_member) */
    const char *practice; /* NULL: any; else members only of this practice's PPG */
    int may_edit_members; /* add and change members (contact details, demographic facts) */
    int may_edit_network; /* add and change groups and service changes */
    int may_publish;      /* publish feedback, and change what is published */
};

/* Everything (the CLI, run by whoever holds the database). */
#define PCN_PPG_SCOPE_ALL                                                                          \
    {                                                                                              \
        0, NULL, 1, 1, 1                                                                           \
    }

enum pcn_err pcn_ppg_save_group(struct pcn_store *s, const struct pcn_ppg_scope *sc,
                                struct pcn_ppg_group *g, struct pcn_error *reterr);
enum pcn_err pcn_ppg_save_member(struct pcn_store *s, const struct pcn_ppg_scope *sc,
                                 struct pcn_ppg_member *m, struct pcn_error *reterr);
/*
 * Withdraw member id's consent on day `on` (version as read): name,
 * e-mail, telephone and postcode district are removed for good, the
 * anonymous facts stay. *ret_version gets the new version.
 */
enum pcn_err pcn_ppg_withdraw_consent(struct pcn_store *s, const struct pcn_ppg_scope *sc,
                                      int64_t id, int64_t version, int32_t on, int64_t *ret_version,
                                      struct pcn_error *reterr);
/* Member id leaves the group on day `on` (not before joining; once). */
enum pcn_err pcn_ppg_member_leave(struct pcn_store *s, const struct pcn_ppg_scope *sc, int64_t id,
                                  int64_t version, int32_t on, int64_t *ret_version,
                                  struct pcn_error *reterr);
enum pcn_err pcn_ppg_save_activity(struct pcn_store *s, const struct pcn_ppg_scope *sc,
                                   struct pcn_ppg_activity *a, struct pcn_error *reterr);
enum pcn_err pcn_ppg_save_feedback(struct pcn_store *s, const struct pcn_ppg_scope *sc,
                                   struct pcn_ppg_feedback *f, struct pcn_error *reterr);
enum pcn_err pcn_ppg_save_change(struct pcn_store *s, const struct pcn_ppg_scope *sc,
                                 struct pcn_ppg_change *c, struct pcn_error *reterr);
enum pcn_err pcn_ppg_add_involvement(struct pcn_store *s, const struct pcn_ppg_scope *sc,
                                     struct pcn_ppg_involvement *v, struct pcn_error *reterr);
enum pcn_err pcn_ppg_remove_involvement(struct pcn_store *s, const struct pcn_ppg_scope *sc,
                                        int64_t id, struct pcn_error *reterr);

/*
 * Read members from CSV (docs/formats.md, "PPG members": a header, then one
 * member per row; blank facts are not stated): fn gets each row's member of
 * group_id (a blank joined date is `joined`; strings borrowed for the call)
 * and may refuse it with an error in *reterr. Stops at the first bad row or
 * refusal, with "NAME:LINE: ..." in *reterr. csv is positioned at its start.
 */
struct pcn_csv;
typedef enum pcn_err (*pcn_ppg_member_row_fn)(void *ud, struct pcn_ppg_member *m,
                                              struct pcn_error *reterr);
enum pcn_err pcn_ppg_read_members(struct pcn_csv *csv, int64_t group_id, int32_t joined,
                                  pcn_ppg_member_row_fn fn, void *ud, struct pcn_error *reterr);

/*
 * Members of group_id from the CSV file at path (docs/formats.md, "PPG
 * members"), saved one by one as pcn_ppg_save_member() would; a blank
 * joined date is `joined`. Stops at the first bad row with
 * "FILE:LINE: column: ..." in *reterr (the caller rolls back: a file goes
 * in whole or not at all). *ret_added gets the rows saved.
 */
enum pcn_err pcn_ppg_import_members(struct pcn_store *s, const struct pcn_ppg_scope *sc,
                                    int64_t group_id, const char *path, int32_t joined,
                                    int64_t *ret_added, struct pcn_error *reterr);

/*
 * The network of group id (written into ret, 8 bytes) and its practice
 * (ret_practice, 8 bytes; "" for a network-level group). PCN_ENOTFOUND.
 */
enum pcn_err pcn_ppg_group_home(struct pcn_store *s, int64_t id, char ret[8], char ret_practice[8]);

/* ---- representativeness ---- */

/*
 * Supplies the make-up of practices' registered populations from patient
 * records (the engine's snapshot: pcn_snapshot_profiles() has this shape):
 * ret[i] for practices[i]; a profile with has 0 is "not known".
 */
typedef enum pcn_err (*pcn_ppg_profiles_fn)(void *ud, int32_t as_of, const char *const *practices,
                                            size_t n, struct pcn_profile *ret);

struct pcn_ppg_repr_opts {
    const char *network;          /* required */
    int32_t as_of;                /* required: members on this day against the list on this day */
    int64_t group_id;             /* one group; 0 for every group of the network */
    int suppress_below;           /* aggregate-only roles: counts 1..N-1 are withheld; 0: none */
    int trend_months;             /* how far back the trend goes; 0: 36 */
    pcn_ppg_profiles_fn profiles; /* NULL: no patient records (ethnicity, deprivation unknown) */
    void *profiles_ud;
};

struct pcn_ppg_repr;

/*
 * Each group's make-up (current members on as_of) against its practice's
 * registered adults (or the network's, for a network-level group) by age,
 * sex, ethnic group and deprivation quintile; a dissimilarity index per
 * dimension and overall; the gaps in plain words; the trend as members
 * joined and left. Sources: age and sex from the published list size
 * bands when every practice has them on as_of, else patient records;
 * ethnic group and deprivation from patient records. Caller frees *ret
 * with pcn_ppg_repr_free(). PCN_ENOTFOUND for an unknown network or group.
 */
enum pcn_err pcn_ppg_representativeness(struct pcn_store *s, const struct pcn_ppg_repr_opts *o,
                                        struct pcn_ppg_repr **ret, struct pcn_error *reterr);
void pcn_ppg_repr_free(struct pcn_ppg_repr *r);

/* Number of groups in the result, and group i's overall index (-1: not known). */
size_t pcn_ppg_repr_groups(const struct pcn_ppg_repr *r);
int pcn_ppg_repr_index(const struct pcn_ppg_repr *r, size_t i);

/*
 * The result as JSON (a json_t *, as void * so this header needs no
 * jansson): the "ppg_representativeness" schema of docs/api.md, shared by
 * the API and `pcn ppg report representativeness --format json`. Caller
 * releases *ret with json_decref(). PCN_ENOMEM.
 */
enum pcn_err pcn_ppg_repr_json(const struct pcn_ppg_repr *r, void **ret);

/*
 * The figures as a flat table "ppg_representativeness_rows": group_id,
 * group, dimension, category, label, members, member_share, population,
 * population_share, source (for CSV and the text table).
 */
enum pcn_err pcn_ppg_repr_table(const struct pcn_ppg_repr *r, struct pcn_table **ret);

/* The gaps and notes of every group as text lines (the CLI prints them under the table). */
enum pcn_err pcn_ppg_repr_text(const struct pcn_ppg_repr *r, struct pcn_buf *out);

#endif /* PCN_PPG_OPS_H */
