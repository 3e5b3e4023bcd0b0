/*
 * pg_sp.c - the social prescribing domain on PostgreSQL, with the same
 * behaviour as the SQLite backend (conformance suite): versioned updates
 * (a stale version is PCN_ECONFLICT, a missing row PCN_ENOTFOUND), the
 * referral's contact summary kept with each contact, and coded events in
 * the population's event table (the only writes that bump the data
 * version).
 */
#include "store/pg/pg_int.h"

#include <stdio.h>
#include <string.h>

#include "pcn/date.h"
#include "pcn/parse.h"
#include "store/sp_int.h"
#include "util/common.h"

#define ASSET_COLS                                                                                 \
    "id, version, name, organisation, description, categories, address, postcode, lsoa, lat, "     \
    "lon, sessions, sessions_note, cost_pence, cost_note, access, min_age, max_age, capacity, "    \
    "phone, email, website, route, route_note, last_verified, active"

#define REFERRAL_COLS                                                                              \
    "r.id, r.version, r.patient_id, r.source, r.channel, r.referrer, r.worklist, r.reason, "       \
    "r.needs, r.received_at, r.created_by, r.link_worker, r.state, r.close_reason, "               \
    "r.what_matters, r.updated_at, r.first_contact_at, r.last_contact_at, r.n_contacts, "          \
    "r.ended_at, p.id, p.practice, p.lsoa, p.nhs_number, p.family_name, p.given_name, "            \
    "p.date_of_birth, p.sex, p.ethnicity"

#define REFERRAL_FROM " FROM sp_referral r LEFT JOIN patient p ON p.patient_id = r.patient_id"

#define CONNECTION_SELECT                                                                          \
    "SELECT c.id, c.referral_id, c.version, c.asset_id, c.connected_on, c.attendance, c.note, "    \
    "c.updated_at, a.categories, a.name FROM sp_connection c JOIN sp_asset a ON a.id = "           \
    "c.asset_id "

/* Rows a command changed (PQcmdTuples); 0 when it does not say. */
static int64_t changes_of(PGresult *r)
{
    const char *t = PQcmdTuples(r);
    int64_t n = 0;

    return t && *t && pcn_parse_i64(t, strlen(t), &n) == PCN_OK ? n : 0;
}

/* Run a write of the domain's own tables (no data version bump); *ret_changes optional. */
static enum pcn_err sp_write(struct pcn_store *s, const char *sql, const struct pg_params *p,
                             int64_t *ret_id, int *ret_changes, const char *what)
{
    PGresult *r = NULL;
    enum pcn_err rc = pcn__pg_exec(pg_of(s), sql, p, PG_WRITE_OTHER, &r, what);

    if (rc == PCN_OK) {
        if (ret_changes)
            *ret_changes = (int)changes_of(r);
        if (ret_id)
            *ret_id = PQntuples(r) > 0 ? pcn__pg_col_int(r, 0, 0) : 0;
    }
    PQclear(r);
    return rc;
}

/* The version of a row (0 when there is none). */
static enum pcn_err version_of(struct pcn_store *s, const char *table, int64_t id, int64_t *ret)
{
    char sql[96];
    struct pg_params p = {.n = 0};
    PGresult *r = NULL;

    (void)snprintf(sql, sizeof(sql), "SELECT version FROM %s WHERE id = $1", table);
    pcn__pg_int(&p, id);
    enum pcn_err rc = pcn__pg_exec(pg_of(s), sql, &p, PG_READ, &r, "reading version");
    if (rc == PCN_OK)
        *ret = PQntuples(r) > 0 ? pcn__pg_col_int(r, 0, 0) : 0;
    PQclear(r);
    return rc;
}

/* A versioned update's result: the new version, or why nothing changed. */
static enum pcn_err versioned(struct pcn_store *s, const char *table, const char *what, int64_t id,
                              int64_t expected, int changes, int64_t *ret_version)
{
    int64_t now = 0;
    enum pcn_err rc = version_of(s, table, id, &now);

    if (rc != PCN_OK)
        return rc;
    if (changes) {
        if (ret_version)
            *ret_version = now;
        return PCN_OK;
    }
    if (!now)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no %s %lld", what, (long long)id);
    return pcn__store_fail(s, PCN_ECONFLICT,
                           "%s %lld was changed by someone else (version %lld, not %lld)", what,
                           (long long)id, (long long)now, (long long)expected);
}

/* A missing parent (foreign key) reads as PCN_ENOTFOUND. */
static enum pcn_err parent(struct pcn_store *s, enum pcn_err rc, const char *what, int64_t id)
{
    if (rc == PCN_ECONFLICT)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no %s %lld", what, (long long)id);
    return rc;
}

/* ---- assets ---- */

/* The asset's fields as parameters, after its id and version for an update ($1, $2). */
static enum pcn_err asset_params(struct pg_params *p, const struct pcn_asset *a, bool with_key,
                                 char *sessions, size_t size)
{
    enum pcn_err rc = pcn__sp_sessions_text(a, sessions, size);

    if (rc != PCN_OK)
        return rc;
    if (with_key) {
        pcn__pg_int(p, a->id);
        pcn__pg_int(p, a->version);
    }
    pcn__pg_text(p, a->name);
    pcn__pg_text(p, a->organisation);
    pcn__pg_text(p, a->description);
    pcn__pg_int(p, a->categories);
    pcn__pg_text(p, a->address);
    pcn__pg_text(p, a->postcode);
    pcn__pg_text(p, a->lsoa);
    pcn__pg_double(p, a->has_position, a->lat);
    pcn__pg_double(p, a->has_position, a->lon);
    pcn__pg_text(p, sessions);
    pcn__pg_text(p, a->sessions_note);
    pcn__pg_int(p, a->cost_pence);
    pcn__pg_text(p, a->cost_note);
    pcn__pg_int(p, a->access);
    pcn__pg_int(p, a->min_age);
    pcn__pg_int(p, a->max_age);
    pcn__pg_int(p, a->capacity);
    pcn__pg_text(p, a->phone);
    pcn__pg_text(p, a->email);
    pcn__pg_text(p, a->website);
    pcn__pg_int(p, (int64_t)a->route);
    pcn__pg_text(p, a->route_note);
    pcn__pg_date(p, a->last_verified);
    pcn__pg_int(p, a->active ? 1 : 0);
    return PCN_OK;
}

static enum pcn_err pg_put_asset(struct pcn_store *s, const struct pcn_asset *a, int64_t *ret_id,
                                 int64_t *ret_version)
{
    struct pg_params p = {.n = 0};
    char sessions[1024];
    int changes = 0;
    int64_t id = a->id;

    if (asset_params(&p, a, a->id != 0, sessions, sizeof(sessions)) != PCN_OK)
        return pcn__store_fail(s, PCN_ELIMIT, "sessions: too long to store");
    enum pcn_err rc;
    if (!a->id) {
        rc = sp_write(s,
                      "INSERT INTO sp_asset (name, organisation, description, categories, "
                      "address, postcode, lsoa, lat, lon, sessions, sessions_note, cost_pence, "
                      "cost_note, access, min_age, max_age, capacity, phone, email, website, "
                      "route, route_note, last_verified, active) VALUES ($1, $2, $3, $4, $5, $6, "
                      "$7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, "
                      "$22, $23, $24) RETURNING id",
                      &p, &id, &changes, "adding asset");
    } else {
        rc = sp_write(s,
                      "UPDATE sp_asset SET version = version + 1, name = $3, organisation = $4, "
                      "description = $5, categories = $6, address = $7, postcode = $8, "
                      "lsoa = $9, lat = $10, lon = $11, sessions = $12, sessions_note = $13, "
                      "cost_pence = $14, cost_note = $15, access = $16, min_age = $17, "
                      "max_age = $18, capacity = $19, phone = $20, email = $21, website = $22, "
                      "route = $23, route_note = $24, last_verified = $25, active = $26 "
                      "WHERE id = $1 AND ($2 = 0 OR version = $2)",
                      &p, NULL, &changes, "updating asset");
    }
    if (rc != PCN_OK)
        return rc;
    if (ret_id)
        *ret_id = id;
    return versioned(s, "sp_asset", "asset", id, a->version, changes, ret_version);
}

static int asset_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_asset a;

    pcn_asset_init(&a);
    a.id = pcn__pg_col_int(r, i, 0);
    a.version = pcn__pg_col_int(r, i, 1);
    a.name = pcn__pg_col_text(r, i, 2);
    a.organisation = pcn__pg_col_text(r, i, 3);
    a.description = pcn__pg_col_text(r, i, 4);
    a.categories = (uint32_t)pcn__pg_col_int(r, i, 5);
    a.address = pcn__pg_col_text(r, i, 6);
    (void)snprintf(a.postcode, sizeof(a.postcode), "%s", pcn__pg_col_text(r, i, 7));
    (void)snprintf(a.lsoa, sizeof(a.lsoa), "%s", pcn__pg_col_text(r, i, 8));
    a.has_position = pcn__pg_col_double(r, i, 9, &a.lat) && pcn__pg_col_double(r, i, 10, &a.lon);
    if (pcn__sp_sessions_read(pcn__pg_col_text(r, i, 11), &a) != PCN_OK)
        a.n_sessions = 0;
    a.sessions_note = pcn__pg_col_text(r, i, 12);
    a.cost_pence = (int32_t)pcn__pg_col_int(r, i, 13);
    a.cost_note = pcn__pg_col_text(r, i, 14);
    a.access = (uint32_t)pcn__pg_col_int(r, i, 15);
    a.min_age = (int)pcn__pg_col_int(r, i, 16);
    a.max_age = (int)pcn__pg_col_int(r, i, 17);
    a.capacity = (int)pcn__pg_col_int(r, i, 18);
    a.phone = pcn__pg_col_text(r, i, 19);
    a.email = pcn__pg_col_text(r, i, 20);
    a.website = pcn__pg_col_text(r, i, 21);
    a.route = (enum pcn_asset_route)pcn__pg_col_int(r, i, 22);
    a.route_note = pcn__pg_col_text(r, i, 23);
    a.last_verified = pcn__pg_col_date(r, i, 24);
    a.active = (int)pcn__pg_col_int(r, i, 25);
    return ((pcn_asset_fn)fn)(&a, ud);
}

static enum pcn_err pg_get_asset(struct pcn_store *s, int64_t id, pcn_asset_fn fn, void *ud)
{
    struct pg_params p = {.n = 0};
    int rows = 0;

    pcn__pg_int(&p, id);
    enum pcn_err rc = pcn__pg_walk(pg_of(s), "SELECT " ASSET_COLS " FROM sp_asset WHERE id = $1",
                                   &p, asset_row, (pcn__pg_any_fn)fn, ud, &rows, "reading asset");
    if (rc == PCN_OK && rows == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no asset %lld", (long long)id);
    return rc;
}

static enum pcn_err pg_each_asset(struct pcn_store *s, pcn_asset_fn fn, void *ud)
{
    return pcn__pg_walk(pg_of(s), "SELECT " ASSET_COLS " FROM sp_asset ORDER BY id", NULL,
                        asset_row, (pcn__pg_any_fn)fn, ud, NULL, "listing assets");
}

/* ---- referrals ---- */

static enum pcn_err pg_asset_stamp(struct pcn_store *s, struct pcn_sp_asset_stamp *ret)
{
    struct pg_params p = {.n = 0};
    PGresult *r = NULL;
    enum pcn_err rc = pcn__pg_exec(pg_of(s),
                                   "SELECT count(*), coalesce(max(id), 0), "
                                   "coalesce(sum(version), 0) FROM sp_asset",
                                   &p, PG_READ, &r, "reading the directory's stamp");

    if (rc == PCN_OK && PQntuples(r) == 1) {
        ret->count = pcn__pg_col_int(r, 0, 0);
        ret->max_id = pcn__pg_col_int(r, 0, 1);
        ret->sum_version = pcn__pg_col_int(r, 0, 2);
    }
    PQclear(r);
    return rc;
}

static enum pcn_err pg_add_referral(struct pcn_store *s, const struct pcn_referral *r,
                                    int64_t *ret_id)
{
    struct pg_params p = {.n = 0};

    pcn__pg_text(&p, r->patient_id);
    pcn__pg_int(&p, (int64_t)r->source);
    pcn__pg_int(&p, (int64_t)r->channel);
    pcn__pg_text(&p, r->referrer ? r->referrer : "");
    pcn__pg_text(&p, r->worklist ? r->worklist : "");
    pcn__pg_text(&p, r->reason ? r->reason : "");
    pcn__pg_int(&p, r->needs);
    pcn__pg_int(&p, r->received_at);
    pcn__pg_text(&p, r->created_by);
    pcn__pg_text(&p, r->link_worker ? r->link_worker : "");
    pcn__pg_int(&p, (int64_t)r->state);
    pcn__pg_int(&p, (int64_t)r->close_reason);
    pcn__pg_text(&p, r->what_matters ? r->what_matters : "");
    pcn__pg_int(&p, r->updated_at ? r->updated_at : r->received_at);
    return sp_write(s,
                    "INSERT INTO sp_referral (patient_id, source, channel, referrer, worklist, "
                    "reason, needs, received_at, created_by, link_worker, state, close_reason, "
                    "what_matters, updated_at, ended_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
                    "$9, $10, $11, $12, $13, $14, CASE WHEN $11 > 4 THEN $14::bigint END) "
                    "RETURNING id",
                    &p, ret_id, NULL, "adding referral");
}

static enum pcn_err pg_update_referral(struct pcn_store *s, const struct pcn_referral *r,
                                       int64_t *ret_version)
{
    struct pg_params p = {.n = 0};
    int changes = 0;

    pcn__pg_int(&p, r->id);
    pcn__pg_int(&p, r->version);
    pcn__pg_text(&p, r->reason ? r->reason : "");
    pcn__pg_int(&p, r->needs);
    pcn__pg_text(&p, r->link_worker ? r->link_worker : "");
    pcn__pg_int(&p, (int64_t)r->state);
    pcn__pg_int(&p, (int64_t)r->close_reason);
    pcn__pg_text(&p, r->what_matters ? r->what_matters : "");
    pcn__pg_int(&p, r->updated_at);
    enum pcn_err rc = sp_write(s,
                               "UPDATE sp_referral SET version = version + 1, reason = $3, "
                               "needs = $4, link_worker = $5, state = $6, close_reason = $7, "
                               "what_matters = $8, updated_at = $9, ended_at = CASE "
                               "WHEN $6 <= 4 THEN NULL WHEN state <= 4 THEN $9 ELSE ended_at END "
                               "WHERE id = $1 AND version = $2",
                               &p, NULL, &changes, "updating referral");
    return rc == PCN_OK
               ? versioned(s, "sp_referral", "referral", r->id, r->version, changes, ret_version)
               : rc;
}

static pcn_usec_t col_usec(const PGresult *r, int i, int c)
{
    return PQgetisnull(r, i, c) ? 0 : pcn__pg_col_int(r, i, c);
}

static int referral_row(const PGresult *res, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_referral r = {
        .id = pcn__pg_col_int(res, i, 0),
        .version = pcn__pg_col_int(res, i, 1),
        .patient_id = pcn__pg_col_text(res, i, 2),
        .source = (enum pcn_referral_source)pcn__pg_col_int(res, i, 3),
        .channel = (enum pcn_referral_channel)pcn__pg_col_int(res, i, 4),
        .referrer = pcn__pg_col_text(res, i, 5),
        .worklist = pcn__pg_col_text(res, i, 6),
        .reason = pcn__pg_col_text(res, i, 7),
        .needs = (uint32_t)pcn__pg_col_int(res, i, 8),
        .received_at = pcn__pg_col_int(res, i, 9),
        .created_by = pcn__pg_col_text(res, i, 10),
        .link_worker = pcn__pg_col_text(res, i, 11),
        .state = (enum pcn_referral_state)pcn__pg_col_int(res, i, 12),
        .close_reason = (enum pcn_close_reason)pcn__pg_col_int(res, i, 13),
        .what_matters = pcn__pg_col_text(res, i, 14),
        .updated_at = pcn__pg_col_int(res, i, 15),
    };
    const char *sex = pcn__pg_col_text(res, i, 27);
    struct pcn_referral_extra x = {
        .first_contact_at = col_usec(res, i, 16),
        .last_contact_at = col_usec(res, i, 17),
        .n_contacts = pcn__pg_col_int(res, i, 18),
        .ended_at = col_usec(res, i, 19),
        .has_patient = !PQgetisnull(res, i, 20),
        .patient_key = PQgetisnull(res, i, 20) ? 0 : pcn__pg_col_int(res, i, 20),
        .practice = pcn__pg_col_text(res, i, 21),
        .lsoa = pcn__pg_col_text(res, i, 22),
        .nhs_number = pcn__pg_col_text(res, i, 23),
        .family_name = pcn__pg_col_text(res, i, 24),
        .given_name = pcn__pg_col_text(res, i, 25),
        .date_of_birth = pcn__pg_col_date(res, i, 26),
        .sex = sex ? sex[0] : 'U',
        .ethnicity = pcn__pg_col_text(res, i, 28),
    };
    return ((pcn_referral_fn)fn)(&r, &x, ud);
}

static enum pcn_err pg_each_referral(struct pcn_store *s, int64_t id,
                                     const struct pcn_referral_filter *f, pcn_referral_fn fn,
                                     void *ud, int *ret_rows)
{
    struct pg_params p = {.n = 0};

    if (id) {
        pcn__pg_int(&p, id);
        return pcn__pg_walk(pg_of(s), "SELECT " REFERRAL_COLS REFERRAL_FROM " WHERE r.id = $1", &p,
                            referral_row, (pcn__pg_any_fn)fn, ud, ret_rows, "reading referral");
    }
    pcn__pg_text(&p, f ? f->patient_id : NULL);
    pcn__pg_text(&p, f ? f->link_worker : NULL);
    pcn__pg_int(&p, f && f->open_only ? 1 : 0);
    return pcn__pg_walk(pg_of(s),
                        "SELECT " REFERRAL_COLS REFERRAL_FROM
                        " WHERE ($1::text IS NULL OR r.patient_id = $1) AND "
                        "($2::text IS NULL OR r.link_worker = $2) AND ($3 = 0 OR r.state <= 4) "
                        "ORDER BY r.id",
                        &p, referral_row, (pcn__pg_any_fn)fn, ud, ret_rows, "reading referrals");
}

/* ---- transitions and contacts ---- */

static enum pcn_err pg_add_transition(struct pcn_store *s, int64_t referral_id,
                                      const struct pcn_referral_transition *t)
{
    struct pg_params p = {.n = 0};

    pcn__pg_int(&p, referral_id);
    pcn__pg_int(&p, (int64_t)t->from);
    pcn__pg_int(&p, (int64_t)t->to);
    pcn__pg_int(&p, t->at);
    pcn__pg_text(&p, t->by);
    pcn__pg_int(&p, (int64_t)t->reason);
    pcn__pg_text(&p, t->note ? t->note : "");
    enum pcn_err rc = sp_write(s,
                               "INSERT INTO sp_transition (referral_id, from_state, to_state, at, "
                               "by_user, reason, note) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                               &p, NULL, NULL, "adding transition");
    return parent(s, rc, "referral", referral_id);
}

static int transition_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_referral_transition t = {
        .from = (enum pcn_referral_state)pcn__pg_col_int(r, i, 1),
        .to = (enum pcn_referral_state)pcn__pg_col_int(r, i, 2),
        .at = pcn__pg_col_int(r, i, 3),
        .by = pcn__pg_col_text(r, i, 4),
        .reason = (enum pcn_close_reason)pcn__pg_col_int(r, i, 5),
        .note = pcn__pg_col_text(r, i, 6),
    };
    return ((pcn_transition_fn)fn)(pcn__pg_col_int(r, i, 0), &t, ud);
}

/* Walk a query for one referral ($1) or, with referral_id 0, its form over all (no parameter). */
static enum pcn_err walk_by_referral(struct pcn_store *s, const char *one, const char *all,
                                     int64_t referral_id, pcn__pg_row_fn row, pcn__pg_any_fn fn,
                                     void *ud, const char *what)
{
    struct pg_params p = {.n = 0};

    if (!referral_id)
        return pcn__pg_walk(pg_of(s), all, NULL, row, fn, ud, NULL, what);
    pcn__pg_int(&p, referral_id);
    return pcn__pg_walk(pg_of(s), one, &p, row, fn, ud, NULL, what);
}

#define TRANSITION_SELECT                                                                          \
    "SELECT referral_id, from_state, to_state, at, by_user, reason, note FROM sp_transition "

static enum pcn_err pg_each_transition(struct pcn_store *s, int64_t referral_id,
                                       pcn_transition_fn fn, void *ud)
{
    return walk_by_referral(s, TRANSITION_SELECT "WHERE referral_id = $1 ORDER BY id",
                            TRANSITION_SELECT "ORDER BY referral_id, id", referral_id,
                            transition_row, (pcn__pg_any_fn)fn, ud, "reading transitions");
}

static enum pcn_err pg_add_contact(struct pcn_store *s, const struct pcn_contact *c,
                                   int64_t *ret_id)
{
    struct pg_params p = {.n = 0}, q = {.n = 0};
    int64_t id = 0;

    pcn__pg_int(&p, c->referral_id);
    pcn__pg_int(&p, c->at);
    pcn__pg_int(&p, (int64_t)c->type);
    pcn__pg_int(&p, c->minutes);
    pcn__pg_int(&p, c->successful ? 1 : 0);
    pcn__pg_text(&p, c->by);
    pcn__pg_text(&p, c->notes ? c->notes : "");
    enum pcn_err rc = sp_write(s,
                               "INSERT INTO sp_contact (referral_id, at, type, minutes, "
                               "successful, by_user, notes) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                               "RETURNING id",
                               &p, &id, NULL, "adding contact");
    if (rc != PCN_OK)
        return parent(s, rc, "referral", c->referral_id);
    pcn__pg_int(&q, c->referral_id);
    pcn__pg_int(&q, c->at);
    pcn__pg_int(&q, c->successful ? 1 : 0);
    rc = sp_write(s,
                  "UPDATE sp_referral SET n_contacts = n_contacts + 1, "
                  "last_contact_at = GREATEST(COALESCE(last_contact_at, $2), $2), "
                  "first_contact_at = CASE WHEN $3 = 0 THEN first_contact_at "
                  "ELSE LEAST(COALESCE(first_contact_at, $2), $2) END WHERE id = $1",
                  &q, NULL, NULL, "updating the referral's contacts");
    if (rc == PCN_OK && ret_id)
        *ret_id = id;
    return rc;
}

static int contact_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_contact c = {
        .id = pcn__pg_col_int(r, i, 0),
        .referral_id = pcn__pg_col_int(r, i, 1),
        .at = pcn__pg_col_int(r, i, 2),
        .type = (enum pcn_contact_type)pcn__pg_col_int(r, i, 3),
        .minutes = (int)pcn__pg_col_int(r, i, 4),
        .successful = (int)pcn__pg_col_int(r, i, 5),
        .by = pcn__pg_col_text(r, i, 6),
        .notes = pcn__pg_col_text(r, i, 7),
    };
    return ((pcn_contact_fn)fn)(&c, ud);
}

#define CONTACT_SELECT                                                                             \
    "SELECT id, referral_id, at, type, minutes, successful, by_user, notes FROM sp_contact "

static enum pcn_err pg_each_contact(struct pcn_store *s, int64_t referral_id, pcn_contact_fn fn,
                                    void *ud)
{
    return walk_by_referral(s, CONTACT_SELECT "WHERE referral_id = $1 ORDER BY at, id",
                            CONTACT_SELECT "ORDER BY referral_id, at, id", referral_id, contact_row,
                            (pcn__pg_any_fn)fn, ud, "reading contacts");
}

/* ---- goals and connections ---- */

static enum pcn_err pg_add_goal(struct pcn_store *s, const struct pcn_goal *g, int64_t *ret_id)
{
    struct pg_params p = {.n = 0};

    pcn__pg_int(&p, g->referral_id);
    pcn__pg_text(&p, g->text);
    pcn__pg_int(&p, (int64_t)g->status);
    pcn__pg_date(&p, g->target_date);
    pcn__pg_int(&p, g->updated_at);
    enum pcn_err rc = sp_write(s,
                               "INSERT INTO sp_goal (referral_id, text, status, target_date, "
                               "updated_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                               &p, ret_id, NULL, "adding goal");
    return parent(s, rc, "referral", g->referral_id);
}

static enum pcn_err pg_update_goal(struct pcn_store *s, const struct pcn_goal *g,
                                   int64_t *ret_version)
{
    struct pg_params p = {.n = 0};
    int changes = 0;

    pcn__pg_int(&p, g->id);
    pcn__pg_int(&p, g->version);
    pcn__pg_text(&p, g->text);
    pcn__pg_int(&p, (int64_t)g->status);
    pcn__pg_date(&p, g->target_date);
    pcn__pg_int(&p, g->updated_at);
    enum pcn_err rc = sp_write(s,
                               "UPDATE sp_goal SET version = version + 1, text = $3, status = $4, "
                               "target_date = $5, updated_at = $6 WHERE id = $1 AND version = $2",
                               &p, NULL, &changes, "updating goal");
    return rc == PCN_OK ? versioned(s, "sp_goal", "goal", g->id, g->version, changes, ret_version)
                        : rc;
}

static int goal_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_goal g = {
        .id = pcn__pg_col_int(r, i, 0),
        .referral_id = pcn__pg_col_int(r, i, 1),
        .version = pcn__pg_col_int(r, i, 2),
        .text = pcn__pg_col_text(r, i, 3),
        .status = (enum pcn_goal_status)pcn__pg_col_int(r, i, 4),
        .target_date = pcn__pg_col_date(r, i, 5),
        .updated_at = pcn__pg_col_int(r, i, 6),
    };
    return ((pcn_goal_fn)fn)(&g, ud);
}

static enum pcn_err pg_each_goal(struct pcn_store *s, int64_t referral_id, pcn_goal_fn fn, void *ud)
{
    struct pg_params p = {.n = 0};

    pcn__pg_int(&p, referral_id);
    return pcn__pg_walk(pg_of(s),
                        "SELECT id, referral_id, version, text, status, target_date, updated_at "
                        "FROM sp_goal WHERE referral_id = $1 ORDER BY id",
                        &p, goal_row, (pcn__pg_any_fn)fn, ud, NULL, "reading goals");
}

static enum pcn_err pg_add_connection(struct pcn_store *s, const struct pcn_connection *c,
                                      int64_t *ret_id)
{
    struct pg_params p = {.n = 0};

    pcn__pg_int(&p, c->referral_id);
    pcn__pg_int(&p, c->asset_id);
    pcn__pg_date(&p, c->connected_on);
    pcn__pg_int(&p, (int64_t)c->attendance);
    pcn__pg_text(&p, c->note ? c->note : "");
    pcn__pg_int(&p, c->updated_at);
    enum pcn_err rc = sp_write(s,
                               "INSERT INTO sp_connection (referral_id, asset_id, connected_on, "
                               "attendance, note, updated_at) VALUES ($1, $2, $3, $4, $5, $6) "
                               "RETURNING id",
                               &p, ret_id, NULL, "adding connection");
    if (rc == PCN_ECONFLICT)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no referral %lld or no asset %lld",
                               (long long)c->referral_id, (long long)c->asset_id);
    return rc;
}

static enum pcn_err pg_update_connection(struct pcn_store *s, const struct pcn_connection *c,
                                         int64_t *ret_version)
{
    struct pg_params p = {.n = 0};
    int changes = 0;

    pcn__pg_int(&p, c->id);
    pcn__pg_int(&p, c->version);
    pcn__pg_int(&p, (int64_t)c->attendance);
    pcn__pg_text(&p, c->note ? c->note : "");
    pcn__pg_int(&p, c->updated_at);
    enum pcn_err rc = sp_write(s,
                               "UPDATE sp_connection SET version = version + 1, attendance = $3, "
                               "note = $4, updated_at = $5 WHERE id = $1 AND version = $2",
                               &p, NULL, &changes, "updating connection");
    return rc == PCN_OK ? versioned(s, "sp_connection", "connection", c->id, c->version, changes,
                                    ret_version)
                        : rc;
}

static int connection_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_connection c = {
        .id = pcn__pg_col_int(r, i, 0),
        .referral_id = pcn__pg_col_int(r, i, 1),
        .version = pcn__pg_col_int(r, i, 2),
        .asset_id = pcn__pg_col_int(r, i, 3),
        .connected_on = pcn__pg_col_date(r, i, 4),
        .attendance = (enum pcn_attendance)pcn__pg_col_int(r, i, 5),
        .note = pcn__pg_col_text(r, i, 6),
        .updated_at = pcn__pg_col_int(r, i, 7),
    };
    return ((pcn_connection_fn)fn)(&c, (uint32_t)pcn__pg_col_int(r, i, 8),
                                   pcn__pg_col_text(r, i, 9), ud);
}

static enum pcn_err pg_each_connection(struct pcn_store *s, int64_t referral_id,
                                       pcn_connection_fn fn, void *ud)
{
    return walk_by_referral(s, CONNECTION_SELECT "WHERE c.referral_id = $1 ORDER BY c.id",
                            CONNECTION_SELECT "ORDER BY c.referral_id, c.id", referral_id,
                            connection_row, (pcn__pg_any_fn)fn, ud, "reading connections");
}

/* ---- questionnaires ---- */

static enum pcn_err pg_add_outcome(struct pcn_store *s, const struct pcn_outcome *o,
                                   int64_t *ret_id)
{
    struct pg_params p = {.n = 0};
    char items[64];

    pcn__sp_items_text(o, items, sizeof(items));
    pcn__pg_int(&p, o->referral_id);
    pcn__pg_int(&p, o->instrument);
    pcn__pg_int(&p, o->at);
    pcn__pg_text(&p, o->recorded_by);
    pcn__pg_text(&p, items);
    enum pcn_err rc = sp_write(s,
                               "INSERT INTO sp_outcome (referral_id, instrument, at, recorded_by, "
                               "items) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                               &p, ret_id, NULL, "adding questionnaire");
    return parent(s, rc, "referral", o->referral_id);
}

static int outcome_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_outcome o = {
        .id = pcn__pg_col_int(r, i, 0),
        .referral_id = pcn__pg_col_int(r, i, 1),
        .instrument = (int)pcn__pg_col_int(r, i, 2),
        .at = pcn__pg_col_int(r, i, 3),
        .recorded_by = pcn__pg_col_text(r, i, 4),
    };
    if (pcn__sp_items_read(pcn__pg_col_text(r, i, 5), &o) != PCN_OK)
        return 0; /* an unreadable row is skipped rather than reported as answers */
    return ((pcn_outcome_fn)fn)(&o, ud);
}

#define OUTCOME_SELECT "SELECT id, referral_id, instrument, at, recorded_by, items FROM sp_outcome "

static enum pcn_err pg_each_outcome(struct pcn_store *s, int64_t referral_id, pcn_outcome_fn fn,
                                    void *ud)
{
    return walk_by_referral(s, OUTCOME_SELECT "WHERE referral_id = $1 ORDER BY at, id",
                            OUTCOME_SELECT "ORDER BY referral_id, at, id", referral_id, outcome_row,
                            (pcn__pg_any_fn)fn, ud, "reading questionnaires");
}

/* ---- coded events ---- */

static enum pcn_err pg_add_coded_event(struct pcn_store *s, const struct pcn_event *e)
{
    struct pg_params p = {.n = 0};
    PGresult *r = NULL;

    pcn__pg_text(&p, e->patient_id);
    pcn__pg_date(&p, e->date);
    pcn__pg_date(&p, e->end_date);
    pcn__pg_int(&p, (int64_t)e->kind);
    pcn__pg_text(&p, e->system);
    pcn__pg_text(&p, e->code);
    pcn__pg_double(&p, e->has_value, e->value);
    pcn__pg_text(&p, e->unit);
    pcn__pg_text(&p, e->source);
    enum pcn_err rc = pcn__pg_exec(pg_of(s),
                                   "INSERT INTO event (patient, date, end_date, kind, system, "
                                   "code, value, unit, source) SELECT id, $2, $3, $4, $5, $6, $7, "
                                   "$8, $9 FROM patient WHERE patient_id = $1",
                                   &p, PG_WRITE_DATA, &r, "coding the record");
    int64_t changes = rc == PCN_OK ? changes_of(r) : 0;
    PQclear(r);
    if (rc == PCN_OK && !changes)
        return pcn__store_fail(s, PCN_ENOTFOUND, "patient %s is not in the population",
                               e->patient_id);
    return rc;
}

static enum pcn_err pg_delete_coded_events(struct pcn_store *s, const char *source,
                                           const char *code, int64_t *ret_n)
{
    struct pg_params p = {.n = 0};
    PGresult *r = NULL;

    pcn__pg_text(&p, source);
    pcn__pg_text(&p, code);
    enum pcn_err rc = pcn__pg_exec(pg_of(s),
                                   "DELETE FROM event WHERE source = $1 AND ($2::text IS NULL OR "
                                   "(system = 'snomed' AND code = $2))",
                                   &p, PG_WRITE_DATA, &r, "removing coded events");
    if (rc == PCN_OK && ret_n)
        *ret_n = changes_of(r);
    PQclear(r);
    return rc;
}

static const struct pcn__store_sp_ops pg_sp_ops = {
    .put_asset = pg_put_asset,
    .get_asset = pg_get_asset,
    .each_asset = pg_each_asset,
    .asset_stamp = pg_asset_stamp,
    .add_referral = pg_add_referral,
    .update_referral = pg_update_referral,
    .each_referral = pg_each_referral,
    .add_transition = pg_add_transition,
    .each_transition = pg_each_transition,
    .add_contact = pg_add_contact,
    .each_contact = pg_each_contact,
    .add_goal = pg_add_goal,
    .update_goal = pg_update_goal,
    .each_goal = pg_each_goal,
    .add_connection = pg_add_connection,
    .update_connection = pg_update_connection,
    .each_connection = pg_each_connection,
    .add_outcome = pg_add_outcome,
    .each_outcome = pg_each_outcome,
    .add_coded_event = pg_add_coded_event,
    .delete_coded_events = pg_delete_coded_events,
};

const struct pcn__store_impl pcn__pg_sp = {.domain = &pcn__store_sp, .ops = &pg_sp_ops};
