/*
 * sqlite_sp.c - the social prescribing domain on SQLite: the asset
 * directory, referrals with their transitions, contacts, goals,
 * connections and questionnaires, and coded events in the population's
 * event table. Versioned updates change a row only WHERE its version is
 * the one read; when none changed, a second look tells a stale version
 * (PCN_ECONFLICT) from a missing row. Writes to the domain's own tables do
 * not bump the data version; coded events do.
 */
#include "store/sqlite/sqlite_int.h"

#include <stdio.h>
#include <string.h>

#include "pcn/date.h"
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

enum sp_sql {
    SQL_ASSET_ADD,
    SQL_ASSET_UPDATE,
    SQL_ASSET_VERSION,
    SQL_ASSET_GET,
    SQL_ASSET_EACH,
    SQL_ASSET_STAMP,
    SQL_REFERRAL_ADD,
    SQL_REFERRAL_UPDATE,
    SQL_REFERRAL_VERSION,
    SQL_REFERRAL_GET,
    SQL_REFERRAL_EACH,
    SQL_TRANSITION_ADD,
    SQL_TRANSITION_EACH,
    SQL_TRANSITION_ALL,
    SQL_CONTACT_ADD,
    SQL_CONTACT_SUMMARY,
    SQL_CONTACT_EACH,
    SQL_CONTACT_ALL,
    SQL_GOAL_ADD,
    SQL_GOAL_UPDATE,
    SQL_GOAL_VERSION,
    SQL_GOAL_EACH,
    SQL_CONNECTION_ADD,
    SQL_CONNECTION_UPDATE,
    SQL_CONNECTION_VERSION,
    SQL_CONNECTION_EACH,
    SQL_CONNECTION_ALL,
    SQL_OUTCOME_ADD,
    SQL_OUTCOME_EACH,
    SQL_OUTCOME_ALL,
    SQL_EVENT_ADD,
    SQL_EVENT_DELETE,
    SQL_SP_COUNT_
};

static const char *const sp_sql[SQL_SP_COUNT_] = {
    [SQL_ASSET_ADD] = "INSERT INTO sp_asset (name, organisation, description, categories, "
                      "address, postcode, lsoa, lat, lon, sessions, sessions_note, cost_pence, "
                      "cost_note, access, min_age, max_age, capacity, phone, email, website, "
                      "route, route_note, last_verified, active) VALUES (?3, ?4, ?5, ?6, ?7, ?8, "
                      "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, "
                      "?24, ?25, ?26)",
    [SQL_ASSET_UPDATE] = "UPDATE sp_asset SET version = version + 1, name = ?3, "
                         "organisation = ?4, description = ?5, categories = ?6, address = ?7, "
                         "postcode = ?8, lsoa = ?9, lat = ?10, lon = ?11, sessions = ?12, "
                         "sessions_note = ?13, cost_pence = ?14, cost_note = ?15, access = ?16, "
                         "min_age = ?17, max_age = ?18, capacity = ?19, phone = ?20, "
                         "email = ?21, website = ?22, route = ?23, route_note = ?24, "
                         "last_verified = ?25, active = ?26 "
                         "WHERE id = ?1 AND (?2 = 0 OR version = ?2)",
    [SQL_ASSET_VERSION] = "SELECT version FROM sp_asset WHERE id = ?1",
    [SQL_ASSET_GET] = "SELECT " ASSET_COLS " FROM sp_asset WHERE id = ?1",
    [SQL_ASSET_EACH] = "SELECT " ASSET_COLS " FROM sp_asset ORDER BY id",
    [SQL_ASSET_STAMP] = "SELECT count(*), coalesce(max(id), 0), coalesce(sum(version), 0) "
                        "FROM sp_asset",
    [SQL_REFERRAL_ADD] = "INSERT INTO sp_referral (patient_id, source, channel, referrer, "
                         "worklist, reason, needs, received_at, created_by, link_worker, state, "
                         "close_reason, what_matters, updated_at, ended_at) VALUES (?1, ?2, ?3, "
                         "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                         "CASE WHEN ?11 > 4 THEN ?14 END)",
    [SQL_REFERRAL_UPDATE] = "UPDATE sp_referral SET version = version + 1, reason = ?3, "
                            "needs = ?4, link_worker = ?5, state = ?6, close_reason = ?7, "
                            "what_matters = ?8, updated_at = ?9, ended_at = CASE "
                            "WHEN ?6 <= 4 THEN NULL WHEN state <= 4 THEN ?9 ELSE ended_at END "
                            "WHERE id = ?1 AND version = ?2",
    [SQL_REFERRAL_VERSION] = "SELECT version FROM sp_referral WHERE id = ?1",
    [SQL_REFERRAL_GET] = "SELECT " REFERRAL_COLS REFERRAL_FROM " WHERE r.id = ?1",
    [SQL_REFERRAL_EACH] =
        "SELECT " REFERRAL_COLS REFERRAL_FROM " WHERE (?1 IS NULL OR r.patient_id = ?1) AND "
        "(?2 IS NULL OR r.link_worker = ?2) AND (?3 = 0 OR r.state <= 4) "
        "ORDER BY r.id",
    [SQL_TRANSITION_ADD] = "INSERT INTO sp_transition (referral_id, from_state, to_state, at, "
                           "by_user, reason, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [SQL_TRANSITION_EACH] = "SELECT referral_id, from_state, to_state, at, by_user, reason, note "
                            "FROM sp_transition WHERE referral_id = ?1 ORDER BY id",
    [SQL_TRANSITION_ALL] = "SELECT referral_id, from_state, to_state, at, by_user, reason, note "
                           "FROM sp_transition ORDER BY referral_id, id",
    [SQL_CONTACT_ADD] = "INSERT INTO sp_contact (referral_id, at, type, minutes, successful, "
                        "by_user, notes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [SQL_CONTACT_SUMMARY] = "UPDATE sp_referral SET n_contacts = n_contacts + 1, "
                            "last_contact_at = MAX(COALESCE(last_contact_at, ?2), ?2), "
                            "first_contact_at = CASE WHEN ?3 = 0 THEN first_contact_at "
                            "ELSE MIN(COALESCE(first_contact_at, ?2), ?2) END WHERE id = ?1",
    [SQL_CONTACT_EACH] = "SELECT id, referral_id, at, type, minutes, successful, by_user, notes "
                         "FROM sp_contact WHERE referral_id = ?1 ORDER BY at, id",
    [SQL_CONTACT_ALL] = "SELECT id, referral_id, at, type, minutes, successful, by_user, notes "
                        "FROM sp_contact ORDER BY referral_id, at, id",
    [SQL_GOAL_ADD] = "INSERT INTO sp_goal (referral_id, text, status, target_date, updated_at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5)",
    [SQL_GOAL_UPDATE] = "UPDATE sp_goal SET version = version + 1, text = ?3, status = ?4, "
                        "target_date = ?5, updated_at = ?6 WHERE id = ?1 AND version = ?2",
    [SQL_GOAL_VERSION] = "SELECT version FROM sp_goal WHERE id = ?1",
    [SQL_GOAL_EACH] = "SELECT id, referral_id, version, text, status, target_date, updated_at "
                      "FROM sp_goal WHERE referral_id = ?1 ORDER BY id",
    [SQL_CONNECTION_ADD] = "INSERT INTO sp_connection (referral_id, asset_id, connected_on, "
                           "attendance, note, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [SQL_CONNECTION_UPDATE] = "UPDATE sp_connection SET version = version + 1, attendance = ?3, "
                              "note = ?4, updated_at = ?5 WHERE id = ?1 AND version = ?2",
    [SQL_CONNECTION_VERSION] = "SELECT version FROM sp_connection WHERE id = ?1",
    [SQL_CONNECTION_EACH] = "SELECT c.id, c.referral_id, c.version, c.asset_id, c.connected_on, "
                            "c.attendance, c.note, c.updated_at, a.categories, a.name "
                            "FROM sp_connection c JOIN sp_asset a ON a.id = c.asset_id "
                            "WHERE c.referral_id = ?1 ORDER BY c.id",
    [SQL_CONNECTION_ALL] = "SELECT c.id, c.referral_id, c.version, c.asset_id, c.connected_on, "
                           "c.attendance, c.note, c.updated_at, a.categories, a.name "
                           "FROM sp_connection c JOIN sp_asset a ON a.id = c.asset_id "
                           "ORDER BY c.referral_id, c.id",
    [SQL_OUTCOME_ADD] = "INSERT INTO sp_outcome (referral_id, instrument, at, recorded_by, items) "
                        "VALUES (?1, ?2, ?3, ?4, ?5)",
    [SQL_OUTCOME_EACH] = "SELECT id, referral_id, instrument, at, recorded_by, items "
                         "FROM sp_outcome WHERE referral_id = ?1 ORDER BY at, id",
    [SQL_OUTCOME_ALL] = "SELECT id, referral_id, instrument, at, recorded_by, items "
                        "FROM sp_outcome ORDER BY referral_id, at, id",
    [SQL_EVENT_ADD] = "INSERT INTO event (patient, date, end_date, kind, system, code, value, "
                      "unit, source) SELECT id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 FROM patient "
                      "WHERE patient_id = ?1",
    [SQL_EVENT_DELETE] = "DELETE FROM event WHERE source = ?1 AND (?2 IS NULL OR "
                         "(system = 'snomed' AND code = ?2))",
};

static sqlite3_stmt *stmt(struct sqlite_store *ss, enum sp_sql which)
{
    return pcn__sqlite_stmt(ss, &pcn__sqlite_sp, (int)which);
}

/* The version of row id (0 when there is no such row). */
static enum pcn_err version_of(struct sqlite_store *ss, enum sp_sql which, int64_t id, int64_t *ret)
{
    sqlite3_stmt *st = stmt(ss, which);
    int rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    *ret = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    (void)sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? PCN_OK
                                                 : pcn__sqlite_fail(ss, rc, "reading version");
}

/* After an update that changed nothing: a stale version or no such row. */
static enum pcn_err not_updated(struct pcn_store *s, enum sp_sql which, const char *what,
                                int64_t id, int64_t expected)
{
    int64_t now = 0;
    enum pcn_err rc = version_of(sqlite_of(s), which, id, &now);

    if (rc != PCN_OK)
        return rc;
    if (!now)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no %s %lld", what, (long long)id);
    return pcn__store_fail(s, PCN_ECONFLICT,
                           "%s %lld was changed by someone else (version %lld, not %lld)", what,
                           (long long)id, (long long)now, (long long)expected);
}

/* The new version of a row just updated. */
static enum pcn_err updated(struct pcn_store *s, enum sp_sql which, int64_t id, int64_t *ret)
{
    int64_t v = 0;
    enum pcn_err rc = ret ? version_of(sqlite_of(s), which, id, &v) : PCN_OK;

    if (rc == PCN_OK && ret)
        *ret = v;
    return rc;
}

/* ---- assets ---- */

static enum pcn_err bind_asset(sqlite3_stmt *st, const struct pcn_asset *a)
{
    char sessions[1024];
    enum pcn_err rc = pcn__sp_sessions_text(a, sessions, sizeof(sessions));

    if (rc != PCN_OK)
        return rc;
    (void)sqlite3_bind_int64(st, 1, a->id);
    (void)sqlite3_bind_int64(st, 2, a->version);
    (void)pcn__bind_text(st, 3, a->name);
    (void)pcn__bind_text(st, 4, a->organisation);
    (void)pcn__bind_text(st, 5, a->description);
    (void)sqlite3_bind_int64(st, 6, a->categories);
    (void)pcn__bind_text(st, 7, a->address);
    (void)pcn__bind_text(st, 8, a->postcode);
    (void)pcn__bind_text(st, 9, a->lsoa);
    if (a->has_position) {
        (void)sqlite3_bind_double(st, 10, a->lat);
        (void)sqlite3_bind_double(st, 11, a->lon);
    }
    (void)sqlite3_bind_text(st, 12, sessions, -1, SQLITE_TRANSIENT);
    (void)pcn__bind_text(st, 13, a->sessions_note);
    (void)sqlite3_bind_int(st, 14, a->cost_pence);
    (void)pcn__bind_text(st, 15, a->cost_note);
    (void)sqlite3_bind_int64(st, 16, a->access);
    (void)sqlite3_bind_int(st, 17, a->min_age);
    (void)sqlite3_bind_int(st, 18, a->max_age);
    (void)sqlite3_bind_int(st, 19, a->capacity);
    (void)pcn__bind_text(st, 20, a->phone);
    (void)pcn__bind_text(st, 21, a->email);
    (void)pcn__bind_text(st, 22, a->website);
    (void)sqlite3_bind_int(st, 23, (int)a->route);
    (void)pcn__bind_text(st, 24, a->route_note);
    (void)pcn__bind_date(st, 25, a->last_verified);
    (void)sqlite3_bind_int(st, 26, a->active ? 1 : 0);
    return PCN_OK;
}

static enum pcn_err sqlite_put_asset(struct pcn_store *s, const struct pcn_asset *a,
                                     int64_t *ret_id, int64_t *ret_version)
{
    struct sqlite_store *ss = sqlite_of(s);
    bool is_new = a->id == 0;
    sqlite3_stmt *st = stmt(ss, is_new ? SQL_ASSET_ADD : SQL_ASSET_UPDATE);
    int changes = 0;

    if (!st)
        return PCN_ESTORAGE;
    enum pcn_err rc = bind_asset(st, a);
    if (rc != PCN_OK)
        return pcn__store_fail(s, rc, "sessions: too long to store");
    rc = pcn__sqlite_step_write(ss, st, "saving asset", &changes);
    if (rc != PCN_OK)
        return rc;
    if (!changes)
        return not_updated(s, SQL_ASSET_VERSION, "asset", a->id, a->version);
    int64_t id = is_new ? sqlite3_last_insert_rowid(ss->db) : a->id;
    if (ret_id)
        *ret_id = id;
    return updated(s, SQL_ASSET_VERSION, id, ret_version);
}

static int asset_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_asset a;

    pcn_asset_init(&a);
    a.id = sqlite3_column_int64(st, 0);
    a.version = sqlite3_column_int64(st, 1);
    a.name = pcn__col_text(st, 2);
    a.organisation = pcn__col_text(st, 3);
    a.description = pcn__col_text(st, 4);
    a.categories = (uint32_t)sqlite3_column_int64(st, 5);
    a.address = pcn__col_text(st, 6);
    (void)snprintf(a.postcode, sizeof(a.postcode), "%s", pcn__col_text(st, 7));
    (void)snprintf(a.lsoa, sizeof(a.lsoa), "%s", pcn__col_text(st, 8));
    a.has_position = sqlite3_column_type(st, 9) != SQLITE_NULL;
    a.lat = sqlite3_column_double(st, 9);
    a.lon = sqlite3_column_double(st, 10);
    if (pcn__sp_sessions_read(pcn__col_text(st, 11), &a) != PCN_OK)
        a.n_sessions = 0;
    a.sessions_note = pcn__col_text(st, 12);
    a.cost_pence = sqlite3_column_int(st, 13);
    a.cost_note = pcn__col_text(st, 14);
    a.access = (uint32_t)sqlite3_column_int64(st, 15);
    a.min_age = sqlite3_column_int(st, 16);
    a.max_age = sqlite3_column_int(st, 17);
    a.capacity = sqlite3_column_int(st, 18);
    a.phone = pcn__col_text(st, 19);
    a.email = pcn__col_text(st, 20);
    a.website = pcn__col_text(st, 21);
    a.route = (enum pcn_asset_route)sqlite3_column_int(st, 22);
    a.route_note = pcn__col_text(st, 23);
    a.last_verified = pcn__col_date(st, 24);
    a.active = sqlite3_column_int(st, 25);
    return ((pcn_asset_fn)fn)(&a, ud);
}

static enum pcn_err sqlite_get_asset(struct pcn_store *s, int64_t id, pcn_asset_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_ASSET_GET);
    int rows = 0;

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, id);
    enum pcn_err rc =
        pcn__sqlite_walk(ss, st, asset_row, (pcn__any_fn)fn, ud, &rows, "reading asset");
    if (rc == PCN_OK && rows == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no asset %lld", (long long)id);
    return rc;
}

static enum pcn_err sqlite_each_asset(struct pcn_store *s, pcn_asset_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_ASSET_EACH);

    return st ? pcn__sqlite_walk(ss, st, asset_row, (pcn__any_fn)fn, ud, NULL, "listing assets")
              : PCN_ESTORAGE;
}

static enum pcn_err sqlite_asset_stamp(struct pcn_store *s, struct pcn_sp_asset_stamp *ret)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_ASSET_STAMP);
    int rc;

    if (!st)
        return PCN_ESTORAGE;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        ret->count = sqlite3_column_int64(st, 0);
        ret->max_id = sqlite3_column_int64(st, 1);
        ret->sum_version = sqlite3_column_int64(st, 2);
    }
    (void)sqlite3_reset(st);
    return rc == SQLITE_ROW ? PCN_OK : pcn__sqlite_fail(ss, rc, "reading the directory's stamp");
}

/* ---- referrals ---- */

static void bind_referral_common(sqlite3_stmt *st, const struct pcn_referral *r)
{
    (void)pcn__bind_text(st, 1, r->patient_id);
    (void)sqlite3_bind_int(st, 2, (int)r->source);
    (void)sqlite3_bind_int(st, 3, (int)r->channel);
    (void)pcn__bind_text(st, 4, r->referrer ? r->referrer : "");
    (void)pcn__bind_text(st, 5, r->worklist ? r->worklist : "");
    (void)pcn__bind_text(st, 6, r->reason ? r->reason : "");
    (void)sqlite3_bind_int64(st, 7, r->needs);
    (void)sqlite3_bind_int64(st, 8, r->received_at);
    (void)pcn__bind_text(st, 9, r->created_by);
    (void)pcn__bind_text(st, 10, r->link_worker ? r->link_worker : "");
    (void)sqlite3_bind_int(st, 11, (int)r->state);
    (void)sqlite3_bind_int(st, 12, (int)r->close_reason);
    (void)pcn__bind_text(st, 13, r->what_matters ? r->what_matters : "");
    (void)sqlite3_bind_int64(st, 14, r->updated_at ? r->updated_at : r->received_at);
}

static enum pcn_err sqlite_add_referral(struct pcn_store *s, const struct pcn_referral *r,
                                        int64_t *ret_id)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_REFERRAL_ADD);

    if (!st)
        return PCN_ESTORAGE;
    bind_referral_common(st, r);
    enum pcn_err rc = pcn__sqlite_step_write(ss, st, "adding referral", NULL);
    if (rc == PCN_OK && ret_id)
        *ret_id = sqlite3_last_insert_rowid(ss->db);
    return rc;
}

static enum pcn_err sqlite_update_referral(struct pcn_store *s, const struct pcn_referral *r,
                                           int64_t *ret_version)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_REFERRAL_UPDATE);
    int changes = 0;

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, r->id);
    (void)sqlite3_bind_int64(st, 2, r->version);
    (void)pcn__bind_text(st, 3, r->reason ? r->reason : "");
    (void)sqlite3_bind_int64(st, 4, r->needs);
    (void)pcn__bind_text(st, 5, r->link_worker ? r->link_worker : "");
    (void)sqlite3_bind_int(st, 6, (int)r->state);
    (void)sqlite3_bind_int(st, 7, (int)r->close_reason);
    (void)pcn__bind_text(st, 8, r->what_matters ? r->what_matters : "");
    (void)sqlite3_bind_int64(st, 9, r->updated_at);
    enum pcn_err rc = pcn__sqlite_step_write(ss, st, "updating referral", &changes);
    if (rc != PCN_OK)
        return rc;
    if (!changes)
        return not_updated(s, SQL_REFERRAL_VERSION, "referral", r->id, r->version);
    return updated(s, SQL_REFERRAL_VERSION, r->id, ret_version);
}

static pcn_usec_t col_usec(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, i);
}

static int referral_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_referral r = {
        .id = sqlite3_column_int64(st, 0),
        .version = sqlite3_column_int64(st, 1),
        .patient_id = pcn__col_text(st, 2),
        .source = (enum pcn_referral_source)sqlite3_column_int(st, 3),
        .channel = (enum pcn_referral_channel)sqlite3_column_int(st, 4),
        .referrer = pcn__col_text(st, 5),
        .worklist = pcn__col_text(st, 6),
        .reason = pcn__col_text(st, 7),
        .needs = (uint32_t)sqlite3_column_int64(st, 8),
        .received_at = sqlite3_column_int64(st, 9),
        .created_by = pcn__col_text(st, 10),
        .link_worker = pcn__col_text(st, 11),
        .state = (enum pcn_referral_state)sqlite3_column_int(st, 12),
        .close_reason = (enum pcn_close_reason)sqlite3_column_int(st, 13),
        .what_matters = pcn__col_text(st, 14),
        .updated_at = sqlite3_column_int64(st, 15),
    };
    const char *sex = pcn__col_text(st, 27);
    struct pcn_referral_extra x = {
        .first_contact_at = col_usec(st, 16),
        .last_contact_at = col_usec(st, 17),
        .n_contacts = sqlite3_column_int64(st, 18),
        .ended_at = col_usec(st, 19),
        .has_patient = sqlite3_column_type(st, 20) != SQLITE_NULL,
        .patient_key = sqlite3_column_int64(st, 20),
        .practice = pcn__col_text(st, 21),
        .lsoa = pcn__col_text(st, 22),
        .nhs_number = pcn__col_text(st, 23),
        .family_name = pcn__col_text(st, 24),
        .given_name = pcn__col_text(st, 25),
        .date_of_birth = pcn__col_date(st, 26),
        .sex = sex ? sex[0] : 'U',
        .ethnicity = pcn__col_text(st, 28),
    };
    return ((pcn_referral_fn)fn)(&r, &x, ud);
}

static enum pcn_err sqlite_each_referral(struct pcn_store *s, int64_t id,
                                         const struct pcn_referral_filter *f, pcn_referral_fn fn,
                                         void *ud, int *ret_rows)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, id ? SQL_REFERRAL_GET : SQL_REFERRAL_EACH);

    if (!st)
        return PCN_ESTORAGE;
    if (id) {
        (void)sqlite3_bind_int64(st, 1, id);
    } else {
        (void)pcn__bind_text(st, 1, f ? f->patient_id : NULL);
        (void)pcn__bind_text(st, 2, f ? f->link_worker : NULL);
        (void)sqlite3_bind_int(st, 3, f && f->open_only ? 1 : 0);
    }
    return pcn__sqlite_walk(ss, st, referral_row, (pcn__any_fn)fn, ud, ret_rows,
                            "reading referrals");
}

/* ---- transitions and contacts ---- */

static enum pcn_err sqlite_add_transition(struct pcn_store *s, int64_t referral_id,
                                          const struct pcn_referral_transition *t)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_TRANSITION_ADD);

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, referral_id);
    (void)sqlite3_bind_int(st, 2, (int)t->from);
    (void)sqlite3_bind_int(st, 3, (int)t->to);
    (void)sqlite3_bind_int64(st, 4, t->at);
    (void)pcn__bind_text(st, 5, t->by);
    (void)sqlite3_bind_int(st, 6, (int)t->reason);
    (void)pcn__bind_text(st, 7, t->note ? t->note : "");
    enum pcn_err rc = pcn__sqlite_step_write(ss, st, "adding transition", NULL);
    if (rc == PCN_ECONFLICT)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no referral %lld", (long long)referral_id);
    return rc;
}

static int transition_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_referral_transition t = {
        .from = (enum pcn_referral_state)sqlite3_column_int(st, 1),
        .to = (enum pcn_referral_state)sqlite3_column_int(st, 2),
        .at = sqlite3_column_int64(st, 3),
        .by = pcn__col_text(st, 4),
        .reason = (enum pcn_close_reason)sqlite3_column_int(st, 5),
        .note = pcn__col_text(st, 6),
    };
    return ((pcn_transition_fn)fn)(sqlite3_column_int64(st, 0), &t, ud);
}

/* Walk statement one (for one referral) or all (referral_id 0). */
static enum pcn_err walk_by_referral(struct pcn_store *s, enum sp_sql one, enum sp_sql all,
                                     int64_t referral_id, pcn__row_fn row, pcn__any_fn fn, void *ud,
                                     const char *what)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, referral_id ? one : all);

    if (!st)
        return PCN_ESTORAGE;
    if (referral_id)
        (void)sqlite3_bind_int64(st, 1, referral_id);
    return pcn__sqlite_walk(ss, st, row, fn, ud, NULL, what);
}

static enum pcn_err sqlite_each_transition(struct pcn_store *s, int64_t referral_id,
                                           pcn_transition_fn fn, void *ud)
{
    return walk_by_referral(s, SQL_TRANSITION_EACH, SQL_TRANSITION_ALL, referral_id, transition_row,
                            (pcn__any_fn)fn, ud, "reading transitions");
}

static enum pcn_err sqlite_add_contact(struct pcn_store *s, const struct pcn_contact *c,
                                       int64_t *ret_id)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_CONTACT_ADD);
    int changes = 0;

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, c->referral_id);
    (void)sqlite3_bind_int64(st, 2, c->at);
    (void)sqlite3_bind_int(st, 3, (int)c->type);
    (void)sqlite3_bind_int(st, 4, c->minutes);
    (void)sqlite3_bind_int(st, 5, c->successful ? 1 : 0);
    (void)pcn__bind_text(st, 6, c->by);
    (void)pcn__bind_text(st, 7, c->notes ? c->notes : "");
    enum pcn_err rc = pcn__sqlite_step_write(ss, st, "adding contact", NULL);
    if (rc == PCN_ECONFLICT)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no referral %lld", (long long)c->referral_id);
    if (rc != PCN_OK)
        return rc;
    int64_t id = sqlite3_last_insert_rowid(ss->db);
    st = stmt(ss, SQL_CONTACT_SUMMARY);
    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, c->referral_id);
    (void)sqlite3_bind_int64(st, 2, c->at);
    (void)sqlite3_bind_int(st, 3, c->successful ? 1 : 0);
    rc = pcn__sqlite_step_write(ss, st, "updating the referral's contacts", &changes);
    if (rc == PCN_OK && ret_id)
        *ret_id = id;
    return rc;
}

static int contact_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_contact c = {
        .id = sqlite3_column_int64(st, 0),
        .referral_id = sqlite3_column_int64(st, 1),
        .at = sqlite3_column_int64(st, 2),
        .type = (enum pcn_contact_type)sqlite3_column_int(st, 3),
        .minutes = sqlite3_column_int(st, 4),
        .successful = sqlite3_column_int(st, 5),
        .by = pcn__col_text(st, 6),
        .notes = pcn__col_text(st, 7),
    };
    return ((pcn_contact_fn)fn)(&c, ud);
}

static enum pcn_err sqlite_each_contact(struct pcn_store *s, int64_t referral_id, pcn_contact_fn fn,
                                        void *ud)
{
    return walk_by_referral(s, SQL_CONTACT_EACH, SQL_CONTACT_ALL, referral_id, contact_row,
                            (pcn__any_fn)fn, ud, "reading contacts");
}

/* ---- goals and connections ---- */

static enum pcn_err sqlite_add_goal(struct pcn_store *s, const struct pcn_goal *g, int64_t *ret_id)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_GOAL_ADD);

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, g->referral_id);
    (void)pcn__bind_text(st, 2, g->text);
    (void)sqlite3_bind_int(st, 3, (int)g->status);
    (void)pcn__bind_date(st, 4, g->target_date);
    (void)sqlite3_bind_int64(st, 5, g->updated_at);
    enum pcn_err rc = pcn__sqlite_step_write(ss, st, "adding goal", NULL);
    if (rc == PCN_ECONFLICT)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no referral %lld", (long long)g->referral_id);
    if (rc == PCN_OK && ret_id)
        *ret_id = sqlite3_last_insert_rowid(ss->db);
    return rc;
}

static enum pcn_err sqlite_update_goal(struct pcn_store *s, const struct pcn_goal *g,
                                       int64_t *ret_version)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_GOAL_UPDATE);
    int changes = 0;

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, g->id);
    (void)sqlite3_bind_int64(st, 2, g->version);
    (void)pcn__bind_text(st, 3, g->text);
    (void)sqlite3_bind_int(st, 4, (int)g->status);
    (void)pcn__bind_date(st, 5, g->target_date);
    (void)sqlite3_bind_int64(st, 6, g->updated_at);
    enum pcn_err rc = pcn__sqlite_step_write(ss, st, "updating goal", &changes);
    if (rc != PCN_OK)
        return rc;
    if (!changes)
        return not_updated(s, SQL_GOAL_VERSION, "goal", g->id, g->version);
    return updated(s, SQL_GOAL_VERSION, g->id, ret_version);
}

static int goal_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_goal g = {
        .id = sqlite3_column_int64(st, 0),
        .referral_id = sqlite3_column_int64(st, 1),
        .version = sqlite3_column_int64(st, 2),
        .text = pcn__col_text(st, 3),
        .status = (enum pcn_goal_status)sqlite3_column_int(st, 4),
        .target_date = pcn__col_date(st, 5),
        .updated_at = sqlite3_column_int64(st, 6),
    };
    return ((pcn_goal_fn)fn)(&g, ud);
}

static enum pcn_err sqlite_each_goal(struct pcn_store *s, int64_t referral_id, pcn_goal_fn fn,
                                     void *ud)
{
    return walk_by_referral(s, SQL_GOAL_EACH, SQL_GOAL_EACH, referral_id, goal_row, (pcn__any_fn)fn,
                            ud, "reading goals");
}

static enum pcn_err sqlite_add_connection(struct pcn_store *s, const struct pcn_connection *c,
                                          int64_t *ret_id)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_CONNECTION_ADD);

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, c->referral_id);
    (void)sqlite3_bind_int64(st, 2, c->asset_id);
    (void)pcn__bind_date(st, 3, c->connected_on);
    (void)sqlite3_bind_int(st, 4, (int)c->attendance);
    (void)pcn__bind_text(st, 5, c->note ? c->note : "");
    (void)sqlite3_bind_int64(st, 6, c->updated_at);
    enum pcn_err rc = pcn__sqlite_step_write(ss, st, "adding connection", NULL);
    if (rc == PCN_ECONFLICT)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no referral %lld or no asset %lld",
                               (long long)c->referral_id, (long long)c->asset_id);
    if (rc == PCN_OK && ret_id)
        *ret_id = sqlite3_last_insert_rowid(ss->db);
    return rc;
}

static enum pcn_err sqlite_update_connection(struct pcn_store *s, const struct pcn_connection *c,
                                             int64_t *ret_version)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_CONNECTION_UPDATE);
    int changes = 0;

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, c->id);
    (void)sqlite3_bind_int64(st, 2, c->version);
    (void)sqlite3_bind_int(st, 3, (int)c->attendance);
    (void)pcn__bind_text(st, 4, c->note ? c->note : "");
    (void)sqlite3_bind_int64(st, 5, c->updated_at);
    enum pcn_err rc = pcn__sqlite_step_write(ss, st, "updating connection", &changes);
    if (rc != PCN_OK)
        return rc;
    if (!changes)
        return not_updated(s, SQL_CONNECTION_VERSION, "connection", c->id, c->version);
    return updated(s, SQL_CONNECTION_VERSION, c->id, ret_version);
}

static int connection_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_connection c = {
        .id = sqlite3_column_int64(st, 0),
        .referral_id = sqlite3_column_int64(st, 1),
        .version = sqlite3_column_int64(st, 2),
        .asset_id = sqlite3_column_int64(st, 3),
        .connected_on = pcn__col_date(st, 4),
        .attendance = (enum pcn_attendance)sqlite3_column_int(st, 5),
        .note = pcn__col_text(st, 6),
        .updated_at = sqlite3_column_int64(st, 7),
    };
    return ((pcn_connection_fn)fn)(&c, (uint32_t)sqlite3_column_int64(st, 8), pcn__col_text(st, 9),
                                   ud);
}

static enum pcn_err sqlite_each_connection(struct pcn_store *s, int64_t referral_id,
                                           pcn_connection_fn fn, void *ud)
{
    return walk_by_referral(s, SQL_CONNECTION_EACH, SQL_CONNECTION_ALL, referral_id, connection_row,
                            (pcn__any_fn)fn, ud, "reading connections");
}

/* ---- questionnaires ---- */

static enum pcn_err sqlite_add_outcome(struct pcn_store *s, const struct pcn_outcome *o,
                                       int64_t *ret_id)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_OUTCOME_ADD);
    char items[64];

    if (!st)
        return PCN_ESTORAGE;
    pcn__sp_items_text(o, items, sizeof(items));
    (void)sqlite3_bind_int64(st, 1, o->referral_id);
    (void)sqlite3_bind_int(st, 2, o->instrument);
    (void)sqlite3_bind_int64(st, 3, o->at);
    (void)pcn__bind_text(st, 4, o->recorded_by);
    (void)sqlite3_bind_text(st, 5, items, -1, SQLITE_TRANSIENT);
    enum pcn_err rc = pcn__sqlite_step_write(ss, st, "adding questionnaire", NULL);
    if (rc == PCN_ECONFLICT)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no referral %lld", (long long)o->referral_id);
    if (rc == PCN_OK && ret_id)
        *ret_id = sqlite3_last_insert_rowid(ss->db);
    return rc;
}

static int outcome_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_outcome o = {
        .id = sqlite3_column_int64(st, 0),
        .referral_id = sqlite3_column_int64(st, 1),
        .instrument = sqlite3_column_int(st, 2),
        .at = sqlite3_column_int64(st, 3),
        .recorded_by = pcn__col_text(st, 4),
    };
    if (pcn__sp_items_read(pcn__col_text(st, 5), &o) != PCN_OK)
        return 0; /* an unreadable row is skipped rather than reported as answers */
    return ((pcn_outcome_fn)fn)(&o, ud);
}

static enum pcn_err sqlite_each_outcome(struct pcn_store *s, int64_t referral_id, pcn_outcome_fn fn,
                                        void *ud)
{
    return walk_by_referral(s, SQL_OUTCOME_EACH, SQL_OUTCOME_ALL, referral_id, outcome_row,
                            (pcn__any_fn)fn, ud, "reading questionnaires");
}

/* ---- coded events ---- */

static enum pcn_err sqlite_add_coded_event(struct pcn_store *s, const struct pcn_event *e)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_EVENT_ADD);
    int changes = 0;

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, e->patient_id);
    (void)sqlite3_bind_int(st, 2, e->date);
    (void)pcn__bind_date(st, 3, e->end_date);
    (void)sqlite3_bind_int(st, 4, (int)e->kind);
    (void)pcn__bind_text(st, 5, e->system);
    (void)pcn__bind_text(st, 6, e->code);
    if (e->has_value)
        (void)sqlite3_bind_double(st, 7, e->value);
    (void)pcn__bind_text(st, 8, e->unit);
    (void)pcn__bind_text(st, 9, e->source);
    enum pcn_err rc = pcn__sqlite_step_write(ss, st, "coding the record", &changes);
    if (rc != PCN_OK)
        return rc;
    if (!changes)
        return pcn__store_fail(s, PCN_ENOTFOUND, "patient %s is not in the population",
                               e->patient_id);
    ss->tx_dirty = 1; /* the population changed: caches keyed on the data version must refresh */
    return PCN_OK;
}

static enum pcn_err sqlite_delete_coded_events(struct pcn_store *s, const char *source,
                                               const char *code, int64_t *ret_n)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_EVENT_DELETE);
    int changes = 0;

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, source);
    (void)pcn__bind_text(st, 2, code);
    enum pcn_err rc = pcn__sqlite_step_write(ss, st, "removing coded events", &changes);
    if (rc == PCN_OK && changes)
        ss->tx_dirty = 1;
    if (rc == PCN_OK && ret_n)
        *ret_n = changes;
    return rc;
}

static const struct pcn__store_sp_ops sp_ops = {
    .put_asset = sqlite_put_asset,
    .get_asset = sqlite_get_asset,
    .each_asset = sqlite_each_asset,
    .asset_stamp = sqlite_asset_stamp,
    .add_referral = sqlite_add_referral,
    .update_referral = sqlite_update_referral,
    .each_referral = sqlite_each_referral,
    .add_transition = sqlite_add_transition,
    .each_transition = sqlite_each_transition,
    .add_contact = sqlite_add_contact,
    .each_contact = sqlite_each_contact,
    .add_goal = sqlite_add_goal,
    .update_goal = sqlite_update_goal,
    .each_goal = sqlite_each_goal,
    .add_connection = sqlite_add_connection,
    .update_connection = sqlite_update_connection,
    .each_connection = sqlite_each_connection,
    .add_outcome = sqlite_add_outcome,
    .each_outcome = sqlite_each_outcome,
    .add_coded_event = sqlite_add_coded_event,
    .delete_coded_events = sqlite_delete_coded_events,
};

const struct pcn__sqlite_domain pcn__sqlite_sp = {
    .impl = {.domain = &pcn__store_sp, .ops = &sp_ops},
    .sql = sp_sql,
    .n_sql = SQL_SP_COUNT_,
};
