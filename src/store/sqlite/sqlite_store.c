/*
 * sqlite_store.c - the SQLite backend's handle: open with WAL, foreign keys
 * and a busy timeout; refuse files that are not OpenPCN databases or that
 * a newer version wrote; apply pending migrations, each in its own
 * transaction; keep every statement prepared once; bump the data version on
 * commits that wrote.
 */
#include "store/sqlite/sqlite_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pcn/alloc.h"
#include "pcn/date.h"
#include "store/migrations.h"
#include "util/common.h"

/* 'PCN1': marks a SQLite file as an OpenPCN database. */
#define PCN_SQLITE_APPLICATION_ID 0x50434E31

static const char *const stmt_sql[SQL_STMT_COUNT_] = {
    [SQL_DATA_VERSION_GET] = "SELECT value FROM meta WHERE key = 'data_version'",
    [SQL_DATA_VERSION_BUMP] = "UPDATE meta SET value = CAST(value AS INTEGER) + 1 "
                              "WHERE key = 'data_version'",
    [SQL_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [SQL_META_SET] = "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
    [SQL_NETWORK_PUT] = "INSERT INTO network (code, name, clinical_director, sub_icb_code, "
                        "sub_icb_name, icb_code, icb_name, region_code, region_name) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (code) DO UPDATE "
                        "SET name = ?2, clinical_director = COALESCE(?3, clinical_director), "
                        "sub_icb_code = COALESCE(?4, sub_icb_code), "
                        "sub_icb_name = COALESCE(?5, sub_icb_name), "
                        "icb_code = COALESCE(?6, icb_code), icb_name = COALESCE(?7, icb_name), "
                        "region_code = COALESCE(?8, region_code), "
                        "region_name = COALESCE(?9, region_name)",
    [SQL_NETWORK_GET] = "SELECT code, name, clinical_director, sub_icb_code, sub_icb_name, "
                        "icb_code, icb_name, region_code, region_name FROM network WHERE code = ?1",
    [SQL_NETWORK_EACH] = "SELECT code, name, clinical_director, sub_icb_code, sub_icb_name, "
                         "icb_code, icb_name, region_code, region_name FROM network ORDER BY code",
    [SQL_PRACTICE_PUT] = "INSERT INTO practice (code, name, postcode, sub_icb_code, icb_code, "
                         "supplier) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (code) DO UPDATE "
                         "SET name = ?2, postcode = COALESCE(?3, postcode), "
                         "sub_icb_code = COALESCE(?4, sub_icb_code), "
                         "icb_code = COALESCE(?5, icb_code), supplier = COALESCE(?6, supplier)",
    [SQL_PRACTICE_GET] = "SELECT code, name, postcode, sub_icb_code, icb_code, supplier "
                         "FROM practice WHERE code = ?1",
    [SQL_PRACTICE_EACH] = "SELECT code, name, postcode, sub_icb_code, icb_code, supplier "
                          "FROM practice ORDER BY code",
    [SQL_MEMBERSHIP_OVERLAP] = "SELECT network, start_date, end_date FROM membership "
                               "WHERE practice = ?1 AND start_date <= COALESCE(?3, 2147483647) "
                               "AND COALESCE(end_date, 2147483647) >= ?2 LIMIT 1",
    [SQL_MEMBERSHIP_ADD] = "INSERT INTO membership (practice, network, start_date, end_date) "
                           "VALUES (?1, ?2, ?3, ?4)",
    [SQL_MEMBERSHIP_END] = "UPDATE membership SET end_date = ?2 "
                           "WHERE practice = ?1 AND end_date IS NULL AND start_date <= ?2",
    [SQL_MEMBERSHIP_OPEN] = "SELECT start_date FROM membership "
                            "WHERE practice = ?1 AND end_date IS NULL",
    [SQL_MEMBERSHIP_EACH] = "SELECT practice, network, start_date, end_date FROM membership "
                            "ORDER BY practice, start_date",
    [SQL_MEMBERSHIP_EACH_PRACTICE] = "SELECT practice, network, start_date, end_date "
                                     "FROM membership WHERE practice = ?1 ORDER BY start_date",
    [SQL_SITE_ADD] = "INSERT INTO site (practice, name, postcode) VALUES (?1, ?2, ?3)",
    [SQL_SITE_EACH] = "SELECT id, practice, name, postcode FROM site ORDER BY id",
    [SQL_LIST_SIZE_PUT] = "INSERT OR REPLACE INTO list_size (practice, date, patients) "
                          "VALUES (?1, ?2, ?3)",
    [SQL_LIST_SIZE_AT] = "SELECT patients, date FROM list_size WHERE practice = ?1 "
                         "AND date <= ?2 ORDER BY date DESC LIMIT 1",
    [SQL_LIST_BAND_PUT] = "INSERT OR REPLACE INTO list_band (practice, date, sex, age_from, "
                          "patients) VALUES (?1, ?2, ?3, ?4, ?5)",
    [SQL_LIST_BAND_EACH] = "SELECT practice, date, sex, age_from, patients FROM list_band "
                           "WHERE practice = ?1 AND date = (SELECT MAX(date) FROM list_band "
                           "WHERE practice = ?1 AND date <= ?2) ORDER BY sex, age_from",
    [SQL_PATIENT_FIND] = "SELECT id FROM patient WHERE patient_id = ?1",
    [SQL_PATIENT_DELETE] = "DELETE FROM patient WHERE id = ?1",
    [SQL_PATIENT_DELETE_EVENTS] = "DELETE FROM event WHERE patient = ?1",
    [SQL_PATIENT_DELETE_MEDICATIONS] = "DELETE FROM medication WHERE patient = ?1",
    [SQL_PATIENT_DELETE_IMMUNISATIONS] = "DELETE FROM immunisation WHERE patient = ?1",
    [SQL_PATIENT_DELETE_ENCOUNTERS] = "DELETE FROM encounter WHERE patient = ?1",
    [SQL_PATIENT_INSERT] = "INSERT INTO patient (patient_id, nhs_number, family_name, given_name, "
                           "date_of_birth, sex, ethnicity, postcode, lsoa, practice, "
                           "registered_from, registered_to, date_of_death) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [SQL_EVENT_INSERT] = "INSERT INTO event (patient, date, end_date, kind, system, code, value, "
                         "unit, source, orig_system, orig_code) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [SQL_MEDICATION_INSERT] = "INSERT INTO medication (patient, start_date, end_date, system, "
                              "code, quantity, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [SQL_IMMUNISATION_INSERT] = "INSERT INTO immunisation (patient, date, system, code, source) "
                                "VALUES (?1, ?2, ?3, ?4, ?5)",
    [SQL_ENCOUNTER_INSERT] = "INSERT INTO encounter (patient, encounter_id, date, end_date, "
                             "system, code, encounter_class, source) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [SQL_TERM_PUT] = "INSERT OR REPLACE INTO term (system, code, term) VALUES (?1, ?2, ?3)",
    [SQL_PATIENT_EACH] = "SELECT id, patient_id, nhs_number, family_name, given_name, "
                         "date_of_birth, sex, ethnicity, postcode, lsoa, practice, "
                         "registered_from, registered_to, date_of_death FROM patient ORDER BY id",
    [SQL_EVENT_EACH] = "SELECT patient, date, end_date, kind, system, code, value, unit, source, "
                       "orig_system, orig_code FROM event ORDER BY patient, date, rowid",
    /* lean records in rowid order: a table scan (pcn_store_scan_*) */
    [SQL_EVENT_SCAN] = "SELECT patient, date, code, value FROM event",
    [SQL_MEDICATION_SCAN] = "SELECT patient, start_date, code, quantity FROM medication",
    [SQL_IMMUNISATION_SCAN] = "SELECT patient, date, code FROM immunisation",
    [SQL_MEDICATION_EACH] = "SELECT patient, start_date, end_date, system, code, quantity, source "
                            "FROM medication ORDER BY patient, start_date, rowid",
    [SQL_IMMUNISATION_EACH] = "SELECT patient, date, system, code, source FROM immunisation "
                              "ORDER BY patient, date, rowid",
    [SQL_ENCOUNTER_EACH] = "SELECT patient, encounter_id, date, end_date, system, code, "
                           "encounter_class, source FROM encounter ORDER BY patient, date, rowid",
    [SQL_TERM_EACH] = "SELECT system, code, term FROM term ORDER BY system, code",
    [SQL_COUNT] = "SELECT (SELECT COUNT(*) FROM patient), (SELECT COUNT(*) FROM event), "
                  "(SELECT COUNT(*) FROM medication), (SELECT COUNT(*) FROM immunisation), "
                  "(SELECT COUNT(*) FROM encounter), (SELECT COUNT(*) FROM term)",
    [SQL_USER_ADD] = "INSERT INTO app_user (name, role, practice, pwhash, disabled, created_at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [SQL_USER_GET] = "SELECT id, name, role, practice, pwhash, disabled, created_at "
                     "FROM app_user WHERE name = ?1",
    [SQL_USER_EACH] = "SELECT id, name, role, practice, pwhash, disabled, created_at "
                      "FROM app_user ORDER BY name",
    [SQL_USER_SET_PASSWORD] = "UPDATE app_user SET pwhash = ?2 WHERE name = ?1",
    [SQL_USER_SET_DISABLED] = "UPDATE app_user SET disabled = ?2 WHERE name = ?1",
    [SQL_SESSION_ADD] = "INSERT INTO session (token_hash, user_id, csrf_token, created_at, "
                        "expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    [SQL_SESSION_GET] = "SELECT s.token_hash, s.user_id, s.csrf_token, s.created_at, "
                        "s.expires_at, s.revoked, u.id, u.name, u.role, u.practice, u.pwhash, "
                        "u.disabled, u.created_at FROM session s JOIN app_user u "
                        "ON u.id = s.user_id WHERE s.token_hash = ?1",
    [SQL_SESSION_REVOKE] = "UPDATE session SET revoked = 1 WHERE token_hash = ?1",
    [SQL_SESSION_REVOKE_USER] = "UPDATE session SET revoked = 1 WHERE user_id = ?1",
    [SQL_LOGIN_ATTEMPT_ADD] = "INSERT INTO login_attempt (subject, at, success) "
                              "VALUES (?1, ?2, ?3)",
    [SQL_LOGIN_FAILURES] = "SELECT COUNT(*) FROM login_attempt WHERE subject = ?1 AND "
                           "success = 0 AND at >= ?2 AND at > COALESCE((SELECT MAX(at) "
                           "FROM login_attempt WHERE subject = ?1 AND success = 1), -1)",
    [SQL_AUDIT_APPEND] = "INSERT INTO audit (id, at, user_name, role, method, route, "
                         "object_type, object_id, status, prev_hash, hash) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [SQL_AUDIT_LAST] = "SELECT id, at, user_name, role, method, route, object_type, object_id, "
                       "status, prev_hash, hash FROM audit ORDER BY id DESC LIMIT 1",
    [SQL_AUDIT_EACH] = "SELECT id, at, user_name, role, method, route, object_type, object_id, "
                       "status, prev_hash, hash FROM audit WHERE id > ?1 ORDER BY id LIMIT ?2",
    [SQL_PATIENT_GET] = "SELECT id, patient_id, nhs_number, family_name, given_name, "
                        "date_of_birth, sex, ethnicity, postcode, lsoa, practice, "
                        "registered_from, registered_to, date_of_death FROM patient WHERE id = ?1",
    [SQL_PATIENT_EVENTS] = "SELECT patient, date, end_date, kind, system, code, value, unit, "
                           "source, orig_system, orig_code FROM event WHERE patient = ?1 "
                           "ORDER BY date, rowid",
    [SQL_PATIENT_MEDICATIONS] = "SELECT patient, start_date, end_date, system, code, quantity, "
                                "source FROM medication WHERE patient = ?1 "
                                "ORDER BY start_date, rowid",
    [SQL_PATIENT_TERMS] = "SELECT t.system, t.code, t.term FROM "
                          "(SELECT system, code FROM event WHERE patient = ?1 UNION "
                          "SELECT system, code FROM medication WHERE patient = ?1) AS c "
                          "JOIN term AS t ON t.system = c.system AND t.code = c.code",
    /*
     * Records: one index probe per patient and table (the (patient, date)
     * indexes answer "max date of this patient" directly) instead of
     * scanning every record, about ten times fewer rows read at 40 records
     * each. The registry tables are small.
     */
    [SQL_LAST_DATA_DATE] =
        "SELECT MAX(d) FROM ("
        "SELECT (SELECT MAX(date) FROM event WHERE patient = p.id) AS d FROM patient AS p "
        "UNION ALL SELECT (SELECT MAX(start_date) FROM medication WHERE patient = p.id) "
        "FROM patient AS p "
        "UNION ALL SELECT (SELECT MAX(date) FROM immunisation WHERE patient = p.id) "
        "FROM patient AS p "
        "UNION ALL SELECT MAX(date) FROM list_size "
        "UNION ALL SELECT MAX(start_date) FROM membership)",
};

enum pcn_err pcn__sqlite_fail(struct sqlite_store *ss, int rc, const char *what)
{
    enum pcn_err code;

    switch (rc & 0xff) {
    case SQLITE_NOMEM:
        code = PCN_ENOMEM;
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        code = PCN_EAGAIN;
        break;
    case SQLITE_CONSTRAINT:
        code = PCN_ECONFLICT;
        break;
    case SQLITE_INTERRUPT: /* the deadline's progress handler stopped the statement */
        code = PCN_ETIMEDOUT;
        break;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
        code = PCN_EIO;
        break;
    default:
        code = PCN_ESTORAGE;
        break;
    }
    return pcn__store_fail(&ss->head, code, "%s: %s", what,
                           ss->db ? sqlite3_errmsg(ss->db) : sqlite3_errstr(rc));
}

sqlite3_stmt *pcn__sqlite_stmt(struct sqlite_store *ss, enum sql_stmt which)
{
    sqlite3_stmt *st = ss->stmts[which];
    int rc;

    if (st) {
        (void)sqlite3_reset(st);
        (void)sqlite3_clear_bindings(st);
        return st;
    }
    rc = sqlite3_prepare_v3(ss->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        (void)pcn__sqlite_fail(ss, rc, "preparing statement");
        return NULL;
    }
    ss->stmts[which] = st;
    return st;
}

int pcn__bind_text(sqlite3_stmt *st, int i, const char *s)
{
    return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

int pcn__bind_date(sqlite3_stmt *st, int i, int32_t date)
{
    return date == PCN_DATE_NONE ? sqlite3_bind_null(st, i) : sqlite3_bind_int(st, i, date);
}

const char *pcn__col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

int32_t pcn__col_date(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? PCN_DATE_NONE
                                                     : (int32_t)sqlite3_column_int(st, i);
}

enum pcn_err pcn__sqlite_exec_stmt(struct sqlite_store *ss, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);

    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return pcn__sqlite_fail(ss, rc, what);
    ss->tx_dirty = 1;
    return PCN_OK;
}

enum pcn_err pcn__sqlite_walk(struct sqlite_store *ss, sqlite3_stmt *st, pcn__row_fn row,
                              pcn__any_fn fn, void *ud, int *ret_rows, const char *what)
{
    int rows = 0;
    int rc;

    for (;;) {
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
            break;
        rows++;
        if (row(st, fn, ud))
            break;
    }
    (void)sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return pcn__sqlite_fail(ss, rc, what);
    if (ret_rows)
        *ret_rows = rows;
    return PCN_OK;
}

static enum pcn_err sqlite_exec(struct sqlite_store *ss, const char *sql, const char *what)
{
    int rc = sqlite3_exec(ss->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? PCN_OK : pcn__sqlite_fail(ss, rc, what);
}

static enum pcn_err pragma_int(struct sqlite_store *ss, const char *sql, int *ret)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(ss->db, sql, -1, &st, NULL);

    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *ret = sqlite3_column_int(st, 0);
            rc = SQLITE_OK;
        }
    }
    (void)sqlite3_finalize(st);
    return rc == SQLITE_OK ? PCN_OK : pcn__sqlite_fail(ss, rc, sql);
}

static enum pcn_err apply_migration(struct sqlite_store *ss, const struct pcn__migration *m)
{
    char set_version[64];
    enum pcn_err rc;

    rc = sqlite_exec(ss, "BEGIN IMMEDIATE", "starting migration");
    if (rc != PCN_OK)
        return rc;
    rc = sqlite_exec(ss, m->sql, m->name);
    if (rc == PCN_OK) {
        (void)snprintf(set_version, sizeof(set_version), "PRAGMA user_version = %d", m->version);
        rc = sqlite_exec(ss, set_version, "recording schema version");
    }
    if (rc == PCN_OK)
        rc = sqlite_exec(ss, "COMMIT", "committing migration");
    if (rc != PCN_OK) {
        char keep[PCN_STORE_ERRMSG_MAX];
        memcpy(keep, ss->head.errmsg, sizeof(keep));
        (void)sqlite3_exec(ss->db, "ROLLBACK", NULL, NULL, NULL);
        (void)pcn__store_fail(&ss->head, rc, "migration %04d_%s failed: %s", m->version, m->name,
                              keep);
    }
    return rc;
}

/* Check identity and version, then bring the schema up to date. */
static enum pcn_err sqlite_migrate(struct sqlite_store *ss, unsigned flags)
{
    int app_id = 0;
    int version = 0;
    int n_tables = 0;
    enum pcn_err rc;

    rc = pragma_int(ss, "PRAGMA application_id", &app_id);
    if (rc == PCN_OK)
        rc = pragma_int(ss, "PRAGMA user_version", &version);
    if (rc == PCN_OK)
        rc = pragma_int(ss, "SELECT COUNT(*) FROM sqlite_schema", &n_tables);
    if (rc != PCN_OK)
        return rc;
    if (app_id != PCN_SQLITE_APPLICATION_ID && n_tables > 0)
        return pcn__store_fail(&ss->head, PCN_EINVAL, "%s is not an OpenPCN database", ss->path);
    if (version > pcn__migration_count)
        return pcn__store_fail(&ss->head, PCN_EVERSION,
                               "%s has schema version %d, newer than this OpenPCN supports (%d); "
                               "upgrade OpenPCN to open it",
                               ss->path, version, pcn__migration_count);
    if (version < pcn__migration_count && (flags & PCN_STORE_FLAG_READONLY))
        return pcn__store_fail(&ss->head, PCN_EVERSION,
                               "%s has schema version %d and needs migrating; open it read-write",
                               ss->path, version);
    if (app_id != PCN_SQLITE_APPLICATION_ID && !(flags & PCN_STORE_FLAG_READONLY)) {
        char sql[64];
        (void)snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", PCN_SQLITE_APPLICATION_ID);
        rc = sqlite_exec(ss, sql, "marking the database");
        if (rc != PCN_OK)
            return rc;
    }
    for (int v = version; v < pcn__migration_count; v++) {
        rc = apply_migration(ss, &pcn__migrations[v]);
        if (rc != PCN_OK)
            return rc;
    }
    ss->schema_version = pcn__migration_count;
    return PCN_OK;
}

static void sqlite_close(struct pcn_store *s)
{
    struct sqlite_store *ss = sqlite_of(s);

    if (ss->db && !sqlite3_get_autocommit(ss->db))
        (void)sqlite3_exec(ss->db, "ROLLBACK", NULL, NULL, NULL);
    if (ss->db)
        pcn__sqlite_bulk_end(ss); /* back to WAL after an abandoned bulk load */
    for (int i = 0; i < SQL_STMT_COUNT_; i++)
        (void)sqlite3_finalize(ss->stmts[i]);
    pcn__sqlite_drop_events(ss, 1);
    (void)sqlite3_close(ss->db);
    pcn_strmap_free(ss->tx_patients);
    pcn_free(ss->path);
    pcn_free(ss);
}

static int sqlite_schema_version(const struct pcn_store *s)
{
    return ((const struct sqlite_store *)s)->schema_version;
}

static enum pcn_err sqlite_data_version(struct pcn_store *s, int64_t *ret)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_DATA_VERSION_GET);
    int rc;

    if (!st)
        return PCN_ESTORAGE;
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        return pcn__sqlite_fail(ss, rc, "reading data version");
    *ret = sqlite3_column_int64(st, 0);
    (void)sqlite3_reset(st);
    return PCN_OK;
}

static enum pcn_err sqlite_get_meta(struct pcn_store *s, const char *key, char *out, size_t size)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_META_GET);
    enum pcn_err rc = PCN_OK;
    int step;

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, key);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        const char *v = pcn__col_text(st, 0);
        size_t n = v ? strlen(v) : 0;
        if (n >= size)
            rc = pcn__store_fail(s, PCN_ELIMIT, "meta value of %s is too long", key);
        else
            memcpy(out, v ? v : "", n + 1);
    } else if (step == SQLITE_DONE) {
        rc = pcn__store_fail(s, PCN_ENOTFOUND, "no meta value %s", key);
    } else {
        rc = pcn__sqlite_fail(ss, step, "reading meta");
    }
    (void)sqlite3_reset(st);
    return rc;
}

static enum pcn_err sqlite_set_meta(struct pcn_store *s, const char *key, const char *value)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_META_SET);

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, key);
    (void)pcn__bind_text(st, 2, value);
    return pcn__sqlite_exec_stmt(ss, st, "saving meta");
}

enum pcn_err pcn__sqlite_begin(struct pcn_store *s)
{
    struct sqlite_store *ss = sqlite_of(s);
    enum pcn_err rc = sqlite_exec(ss, "BEGIN IMMEDIATE", "starting transaction");

    if (rc != PCN_OK)
        return rc;
    ss->tx_dirty = 0;
    pcn_strmap_free(ss->tx_patients);
    ss->tx_patients = pcn_strmap_new();
    if (!ss->tx_patients) {
        (void)sqlite3_exec(ss->db, "ROLLBACK", NULL, NULL, NULL);
        return pcn__store_fail(s, PCN_ENOMEM, "out of memory");
    }
    return PCN_OK;
}

static void sqlite_end_tx(struct sqlite_store *ss)
{
    for (int i = 0; i < SQL_STMT_COUNT_; i++) {
        if (ss->stmts[i])
            (void)sqlite3_reset(ss->stmts[i]);
    }
    pcn_strmap_free(ss->tx_patients);
    ss->tx_patients = NULL;
    pcn__sqlite_drop_events(ss, 0);
    ss->tx_dirty = 0;
}

/* On failure the transaction is still open: store.c rolls it back. */
static enum pcn_err sqlite_commit(struct pcn_store *s)
{
    struct sqlite_store *ss = sqlite_of(s);
    enum pcn_err rc = pcn__sqlite_flush_events(ss);

    if (rc == PCN_OK && ss->tx_dirty) {
        sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_DATA_VERSION_BUMP);
        rc = st ? pcn__sqlite_exec_stmt(ss, st, "bumping data version") : PCN_ESTORAGE;
    }
    sqlite_end_tx(ss);
    if (rc == PCN_OK)
        rc = sqlite_exec(ss, "COMMIT", "committing");
    if (rc == PCN_OK)
        pcn__sqlite_bulk_end(ss);
    return rc;
}

void pcn__sqlite_rollback(struct pcn_store *s)
{
    struct sqlite_store *ss = sqlite_of(s);

    sqlite_end_tx(ss);
    if (!sqlite3_get_autocommit(ss->db))
        (void)sqlite3_exec(ss->db, "ROLLBACK", NULL, NULL, NULL);
    pcn__sqlite_bulk_end(ss);
}

static const struct pcn_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sqlite_close,
    .schema_version = sqlite_schema_version,
    .data_version = sqlite_data_version,
    .get_meta = sqlite_get_meta,
    .set_meta = sqlite_set_meta,
    .begin = pcn__sqlite_begin,
    .begin_bulk = pcn__sqlite_begin_bulk,
    .commit = sqlite_commit,
    .rollback = pcn__sqlite_rollback,
    .put_network = pcn__sqlite_put_network,
    .put_practice = pcn__sqlite_put_practice,
    .get_network = pcn__sqlite_get_network,
    .each_network = pcn__sqlite_each_network,
    .get_practice = pcn__sqlite_get_practice,
    .each_practice = pcn__sqlite_each_practice,
    .add_membership = pcn__sqlite_add_membership,
    .end_membership = pcn__sqlite_end_membership,
    .each_membership = pcn__sqlite_each_membership,
    .add_site = pcn__sqlite_add_site,
    .each_site = pcn__sqlite_each_site,
    .put_list_size = pcn__sqlite_put_list_size,
    .list_size_at = pcn__sqlite_list_size_at,
    .put_list_band = pcn__sqlite_put_list_band,
    .each_list_band = pcn__sqlite_each_list_band,
    .put_patient = pcn__sqlite_put_patient,
    .put_event = pcn__sqlite_put_event,
    .put_medication = pcn__sqlite_put_medication,
    .put_immunisation = pcn__sqlite_put_immunisation,
    .put_encounter = pcn__sqlite_put_encounter,
    .put_term = pcn__sqlite_put_term,
    .each_patient = pcn__sqlite_each_patient,
    .each_event = pcn__sqlite_each_event,
    .scan_event = pcn__sqlite_scan_event,
    .scan_medication = pcn__sqlite_scan_medication,
    .scan_immunisation = pcn__sqlite_scan_immunisation,
    .each_medication = pcn__sqlite_each_medication,
    .each_immunisation = pcn__sqlite_each_immunisation,
    .each_encounter = pcn__sqlite_each_encounter,
    .each_term = pcn__sqlite_each_term,
    .find_patient = pcn__sqlite_find_patient,
    .count = pcn__sqlite_count,
    .add_user = pcn__sqlite_add_user,
    .get_user = pcn__sqlite_get_user,
    .each_user = pcn__sqlite_each_user,
    .set_user_password = pcn__sqlite_set_user_password,
    .set_user_disabled = pcn__sqlite_set_user_disabled,
    .add_session = pcn__sqlite_add_session,
    .get_session = pcn__sqlite_get_session,
    .revoke_session = pcn__sqlite_revoke_session,
    .revoke_user_sessions = pcn__sqlite_revoke_user_sessions,
    .add_login_attempt = pcn__sqlite_add_login_attempt,
    .count_login_failures = pcn__sqlite_count_login_failures,
    .append_audit = pcn__sqlite_append_audit,
    .last_audit = pcn__sqlite_last_audit,
    .each_audit = pcn__sqlite_each_audit,
    .get_patient = pcn__sqlite_get_patient,
    .patient_events = pcn__sqlite_patient_events,
    .patient_medications = pcn__sqlite_patient_medications,
    .begin_read = pcn__sqlite_begin_read,
    .end_read = pcn__sqlite_end_read,
    .patient_terms = pcn__sqlite_patient_terms,
    .last_data_date = pcn__sqlite_last_data_date,
    .set_deadline = pcn__sqlite_set_deadline,
};

static enum pcn_err sqlite_configure(struct sqlite_store *ss, unsigned flags)
{
    enum pcn_err rc;

    (void)sqlite3_busy_timeout(ss->db, PCN_SQLITE_BUSY_MS);
    (void)sqlite3_extended_result_codes(ss->db, 1);
    rc = sqlite_exec(ss, "PRAGMA foreign_keys = ON", "enabling foreign keys");
    if (rc == PCN_OK && !(flags & PCN_STORE_FLAG_READONLY))
        rc = sqlite_exec(ss, "PRAGMA journal_mode = WAL", "enabling WAL");
    if (rc == PCN_OK)
        rc = sqlite_exec(ss, "PRAGMA synchronous = NORMAL", "setting synchronous");
    /* a 256 MiB page cache lets a large import commit without spilling pages mid-transaction */
    if (rc == PCN_OK)
        rc = sqlite_exec(ss, "PRAGMA cache_size = -262144", "setting cache size");
    return rc;
}

enum pcn_err pcn__sqlite_open(const char *path, unsigned flags, struct pcn_store **ret,
                              struct pcn_error *reterr)
{
    struct sqlite_store *ss = NULL;
    int oflags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    int rc;

    if (!(flags & PCN_STORE_FLAG_CREATE) && access(path, F_OK) != 0)
        return pcn_error_set(reterr, PCN_ENOTFOUND,
                             "%s: no such database (create one with 'pcn init --db %s')", path,
                             path);
    ss = pcn_calloc(1, sizeof(*ss));
    if (!ss)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    ss->head.ops = &sqlite_ops;
    ss->path = pcn_strdup(path);
    if (!ss->path) {
        rc = pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
        goto out;
    }
    oflags |= (flags & PCN_STORE_FLAG_READONLY) ? SQLITE_OPEN_READONLY
                                                : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    rc = sqlite3_open_v2(path, &ss->db, oflags, NULL);
    if (rc != SQLITE_OK) {
        rc = pcn_error_set(reterr, rc == SQLITE_NOMEM ? PCN_ENOMEM : PCN_EIO, "%s: %s", path,
                           ss->db ? sqlite3_errmsg(ss->db) : sqlite3_errstr(rc));
        goto out;
    }
    rc = sqlite_configure(ss, flags);
    if (rc == PCN_OK)
        rc = sqlite_migrate(ss, flags);
    if (rc != PCN_OK) {
        if (sqlite3_errcode(ss->db) == SQLITE_NOTADB)
            rc = pcn_error_set(reterr, PCN_EINVAL, "%s is not an OpenPCN database", path);
        else
            pcn_error_set(reterr, rc, "%s", ss->head.errmsg);
        goto out;
    }
    *ret = &ss->head;
    ss = NULL;
    rc = PCN_OK;
out:
    if (ss)
        sqlite_close(&ss->head);
    return rc;
}
