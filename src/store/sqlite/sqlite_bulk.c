/*
 * sqlite_bulk.c - bulk-load transactions on SQLite (pcn_store_begin_bulk).
 * For the length of the transaction foreign keys and CHECK constraints are
 * not enforced: put_* resolve every patient reference against the patients
 * put in the same transaction, replacing a patient deletes its records
 * explicitly, and the one CHECK (patient.sex) holds for every letter
 * pcn_sex_letter() gives. When the database has no patients at the start,
 * the WAL is swapped for a rollback journal: new pages are written once,
 * into the database file, and a rollback or a crash truncates them away.
 * Every setting is restored when the transaction ends, whichever way.
 */
#include "store/sqlite/sqlite_int.h"

#include <stdio.h>
#include <strings.h>

static enum pcn_err bulk_exec(struct sqlite_store *ss, const char *sql, const char *what)
{
    int rc = sqlite3_exec(ss->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? PCN_OK : pcn__sqlite_fail(ss, rc, what);
}

/* *ret = true when the patient table has no rows. */
static enum pcn_err population_is_empty(struct sqlite_store *ss, bool *ret)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(ss->db, "SELECT NOT EXISTS (SELECT 1 FROM patient)", -1, &st, NULL);

    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *ret = sqlite3_column_int(st, 0) != 0;
            rc = SQLITE_OK;
        }
    }
    (void)sqlite3_finalize(st);
    return rc == SQLITE_OK ? PCN_OK : pcn__sqlite_fail(ss, rc, "checking for patients");
}

/*
 * Switch the journal mode, waiting at most busy_ms for other connections;
 * false when SQLite kept the old mode (leaving WAL needs the database to
 * itself, so another open connection keeps it in WAL).
 */
static bool set_journal_mode(struct sqlite_store *ss, const char *mode, int busy_ms)
{
    char sql[48];
    sqlite3_stmt *st = NULL;
    bool is_set = false;

    (void)snprintf(sql, sizeof(sql), "PRAGMA journal_mode = %s", mode);
    (void)sqlite3_busy_timeout(ss->db, busy_ms);
    if (sqlite3_prepare_v2(ss->db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        const char *now = (const char *)sqlite3_column_text(st, 0);
        is_set = now && strcasecmp(now, mode) == 0;
    }
    (void)sqlite3_finalize(st);
    (void)sqlite3_busy_timeout(ss->db, PCN_SQLITE_BUSY_MS);
    return is_set;
}

enum pcn_err pcn__sqlite_begin_bulk(struct pcn_store *s)
{
    struct sqlite_store *ss = sqlite_of(s);
    bool is_empty = false;
    enum pcn_err rc = population_is_empty(ss, &is_empty);

    if (rc != PCN_OK)
        return rc;
    ss->bulk.is_on = true;
    rc = bulk_exec(ss, "PRAGMA foreign_keys = OFF", "disabling foreign keys");
    if (rc == PCN_OK)
        rc = bulk_exec(ss, "PRAGMA ignore_check_constraints = ON", "disabling CHECK constraints");
    if (rc == PCN_OK && is_empty)
        ss->bulk.is_journal_swapped = set_journal_mode(ss, "DELETE", 0);
    if (rc == PCN_OK)
        rc = pcn__sqlite_begin(s);
    /* again inside the transaction: another writer may have come first */
    if (rc == PCN_OK)
        rc = population_is_empty(ss, &is_empty);
    if (rc != PCN_OK) {
        pcn__sqlite_rollback(s);
        return rc;
    }
    ss->bulk.is_new_population = is_empty;
    return PCN_OK;
}

void pcn__sqlite_bulk_end(struct sqlite_store *ss)
{
    if (!ss->bulk.is_on)
        return;
    if (ss->bulk.is_journal_swapped)
        (void)set_journal_mode(ss, "WAL", PCN_SQLITE_BUSY_MS); /* else the next open sets it */
    (void)sqlite3_exec(ss->db, "PRAGMA ignore_check_constraints = OFF", NULL, NULL, NULL);
    (void)sqlite3_exec(ss->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    ss->bulk = (struct sqlite_bulk){0};
}
