/*
 * sqlite_registry.c - the registry domain on SQLite: networks, practices,
 * memberships (history kept; overlapping periods refused), sites and list
 * sizes, with the domain's statements. Iterators step a cached statement
 * and hand borrowed rows to the caller's callback.
 */
#include "store/sqlite/sqlite_int.h"

#include "pcn/date.h"
#include "store/registry_int.h"
#include "util/common.h"

enum registry_sql {
    SQL_NETWORK_PUT,
    SQL_NETWORK_GET,
    SQL_NETWORK_EACH,
    SQL_PRACTICE_PUT,
    SQL_PRACTICE_GET,
    SQL_PRACTICE_EACH,
    SQL_MEMBERSHIP_OVERLAP,
    SQL_MEMBERSHIP_ADD,
    SQL_MEMBERSHIP_END,
    SQL_MEMBERSHIP_EACH,
    SQL_MEMBERSHIP_EACH_PRACTICE,
    SQL_MEMBERSHIP_EACH_NETWORK,
    SQL_SITE_ADD,
    SQL_SITE_EACH,
    SQL_LIST_SIZE_PUT,
    SQL_LIST_SIZE_AT,
    SQL_LIST_BAND_PUT,
    SQL_LIST_BAND_EACH,
    SQL_REGISTRY_COUNT_
};

static const char *const registry_sql[SQL_REGISTRY_COUNT_] = {
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
    [SQL_MEMBERSHIP_EACH] = "SELECT practice, network, start_date, end_date FROM membership "
                            "ORDER BY practice, start_date",
    [SQL_MEMBERSHIP_EACH_PRACTICE] = "SELECT practice, network, start_date, end_date "
                                     "FROM membership WHERE practice = ?1 ORDER BY start_date",
    [SQL_MEMBERSHIP_EACH_NETWORK] = "SELECT practice, network, start_date, end_date "
                                    "FROM membership WHERE network = ?1 "
                                    "ORDER BY practice, start_date",
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
};

static sqlite3_stmt *stmt(struct sqlite_store *ss, enum registry_sql which)
{
    return pcn__sqlite_stmt(ss, &pcn__sqlite_registry, (int)which);
}

static enum pcn_err sqlite_put_network(struct pcn_store *s, const struct pcn_network *n)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_NETWORK_PUT);

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, n->code);
    (void)pcn__bind_text(st, 2, n->name);
    (void)pcn__bind_text(st, 3, n->clinical_director);
    (void)pcn__bind_text(st, 4, n->sub_icb_code);
    (void)pcn__bind_text(st, 5, n->sub_icb_name);
    (void)pcn__bind_text(st, 6, n->icb_code);
    (void)pcn__bind_text(st, 7, n->icb_name);
    (void)pcn__bind_text(st, 8, n->region_code);
    (void)pcn__bind_text(st, 9, n->region_name);
    return pcn__sqlite_exec_stmt(ss, st, "saving network");
}

static enum pcn_err sqlite_put_practice(struct pcn_store *s, const struct pcn_practice *p)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_PRACTICE_PUT);

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, p->code);
    (void)pcn__bind_text(st, 2, p->name);
    (void)pcn__bind_text(st, 3, p->postcode);
    (void)pcn__bind_text(st, 4, p->sub_icb_code);
    (void)pcn__bind_text(st, 5, p->icb_code);
    (void)pcn__bind_text(st, 6, p->supplier);
    return pcn__sqlite_exec_stmt(ss, st, "saving practice");
}

static int network_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_network n = {
        .code = pcn__col_text(st, 0),
        .name = pcn__col_text(st, 1),
        .clinical_director = pcn__col_text(st, 2),
        .sub_icb_code = pcn__col_text(st, 3),
        .sub_icb_name = pcn__col_text(st, 4),
        .icb_code = pcn__col_text(st, 5),
        .icb_name = pcn__col_text(st, 6),
        .region_code = pcn__col_text(st, 7),
        .region_name = pcn__col_text(st, 8),
    };
    return ((pcn_network_fn)fn)(&n, ud);
}

static int practice_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_practice p = {
        .code = pcn__col_text(st, 0),
        .name = pcn__col_text(st, 1),
        .postcode = pcn__col_text(st, 2),
        .sub_icb_code = pcn__col_text(st, 3),
        .icb_code = pcn__col_text(st, 4),
        .supplier = pcn__col_text(st, 5),
    };
    return ((pcn_practice_fn)fn)(&p, ud);
}

static enum pcn_err get_one(struct sqlite_store *ss, enum registry_sql which, const char *code,
                            pcn__row_fn row, pcn__any_fn fn, void *ud, const char *what)
{
    sqlite3_stmt *st = stmt(ss, which);
    int rows = 0;
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, code);
    rc = pcn__sqlite_walk(ss, st, row, fn, ud, &rows, what);
    if (rc == PCN_OK && rows == 0)
        return pcn__store_fail(&ss->head, PCN_ENOTFOUND, "no %s with code %s", what, code);
    return rc;
}

static enum pcn_err sqlite_get_network(struct pcn_store *s, const char *code, pcn_network_fn fn,
                                       void *ud)
{
    return get_one(sqlite_of(s), SQL_NETWORK_GET, code, network_row, (pcn__any_fn)fn, ud,
                   "network");
}

static enum pcn_err sqlite_each_network(struct pcn_store *s, pcn_network_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_NETWORK_EACH);

    return st ? pcn__sqlite_walk(ss, st, network_row, (pcn__any_fn)fn, ud, NULL, "listing networks")
              : PCN_ESTORAGE;
}

static enum pcn_err sqlite_get_practice(struct pcn_store *s, const char *code, pcn_practice_fn fn,
                                        void *ud)
{
    return get_one(sqlite_of(s), SQL_PRACTICE_GET, code, practice_row, (pcn__any_fn)fn, ud,
                   "practice");
}

static enum pcn_err sqlite_each_practice(struct pcn_store *s, pcn_practice_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_PRACTICE_EACH);

    return st ? pcn__sqlite_walk(ss, st, practice_row, (pcn__any_fn)fn, ud, NULL,
                                 "listing practices")
              : PCN_ESTORAGE;
}

static enum pcn_err sqlite_add_membership(struct pcn_store *s, const struct pcn_membership *m)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_MEMBERSHIP_OVERLAP);
    char from[PCN_DATE_STR_SIZE];
    int rc;

    if (!st)
        return PCN_ESTORAGE;
    if (m->end_date != PCN_DATE_NONE && m->end_date < m->start_date)
        return pcn__store_fail(s, PCN_EINVAL, "membership of %s ends before it starts",
                               m->practice);
    (void)pcn__bind_text(st, 1, m->practice);
    (void)sqlite3_bind_int(st, 2, m->start_date);
    (void)pcn__bind_date(st, 3, m->end_date);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        enum pcn_err err;
        pcn_date_format(pcn__col_date(st, 1), from);
        err = pcn__store_fail(s, PCN_ECONFLICT,
                              "practice %s is already a member of %s from %s for part of that "
                              "period",
                              m->practice, pcn__col_text(st, 0), from);
        (void)sqlite3_reset(st);
        return err;
    }
    if (rc != SQLITE_DONE)
        return pcn__sqlite_fail(ss, rc, "checking memberships");
    st = stmt(ss, SQL_MEMBERSHIP_ADD);
    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, m->practice);
    (void)pcn__bind_text(st, 2, m->network);
    (void)sqlite3_bind_int(st, 3, m->start_date);
    (void)pcn__bind_date(st, 4, m->end_date);
    return pcn__sqlite_exec_stmt(ss, st, "adding membership");
}

static enum pcn_err sqlite_end_membership(struct pcn_store *s, const char *practice,
                                          int32_t end_date)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_MEMBERSHIP_END);
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, practice);
    (void)sqlite3_bind_int(st, 2, end_date);
    rc = pcn__sqlite_exec_stmt(ss, st, "ending membership");
    if (rc == PCN_OK && sqlite3_changes(ss->db) == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND,
                               "practice %s has no open membership starting on or before that "
                               "date",
                               practice);
    return rc;
}

static int membership_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_membership m = {
        .practice = pcn__col_text(st, 0),
        .network = pcn__col_text(st, 1),
        .start_date = pcn__col_date(st, 2),
        .end_date = pcn__col_date(st, 3),
    };
    return ((pcn_membership_fn)fn)(&m, ud);
}

static enum pcn_err sqlite_each_membership(struct pcn_store *s, const char *practice,
                                           pcn_membership_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, practice ? SQL_MEMBERSHIP_EACH_PRACTICE : SQL_MEMBERSHIP_EACH);

    if (!st)
        return PCN_ESTORAGE;
    if (practice)
        (void)pcn__bind_text(st, 1, practice);
    return pcn__sqlite_walk(ss, st, membership_row, (pcn__any_fn)fn, ud, NULL,
                            "listing memberships");
}

static enum pcn_err sqlite_each_network_membership(struct pcn_store *s, const char *network,
                                                   pcn_membership_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_MEMBERSHIP_EACH_NETWORK);

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, network);
    return pcn__sqlite_walk(ss, st, membership_row, (pcn__any_fn)fn, ud, NULL,
                            "listing memberships");
}

static enum pcn_err sqlite_add_site(struct pcn_store *s, const struct pcn_site *site,
                                    int64_t *ret_id)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_SITE_ADD);
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, site->practice);
    (void)pcn__bind_text(st, 2, site->name);
    (void)pcn__bind_text(st, 3, site->postcode);
    rc = pcn__sqlite_exec_stmt(ss, st, "adding site");
    if (rc == PCN_OK && ret_id)
        *ret_id = sqlite3_last_insert_rowid(ss->db);
    return rc;
}

static int site_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_site site = {
        .id = sqlite3_column_int64(st, 0),
        .practice = pcn__col_text(st, 1),
        .name = pcn__col_text(st, 2),
        .postcode = pcn__col_text(st, 3),
    };
    return ((pcn_site_fn)fn)(&site, ud);
}

static enum pcn_err sqlite_each_site(struct pcn_store *s, pcn_site_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_SITE_EACH);

    return st ? pcn__sqlite_walk(ss, st, site_row, (pcn__any_fn)fn, ud, NULL, "listing sites")
              : PCN_ESTORAGE;
}

static enum pcn_err sqlite_put_list_size(struct pcn_store *s, const struct pcn_list_size *l)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_LIST_SIZE_PUT);

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, l->practice);
    (void)sqlite3_bind_int(st, 2, l->date);
    (void)sqlite3_bind_int64(st, 3, l->patients);
    return pcn__sqlite_exec_stmt(ss, st, "saving list size");
}

static enum pcn_err sqlite_list_size_at(struct pcn_store *s, const char *practice, int32_t date,
                                        int64_t *ret_patients, int32_t *ret_date)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_LIST_SIZE_AT);
    int rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, practice);
    (void)sqlite3_bind_int(st, 2, date);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *ret_patients = sqlite3_column_int64(st, 0);
        if (ret_date)
            *ret_date = pcn__col_date(st, 1);
        (void)sqlite3_reset(st);
        return PCN_OK;
    }
    (void)sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return pcn__sqlite_fail(ss, rc, "reading list size");
    return pcn__store_fail(s, PCN_ENOTFOUND, "no list size for %s", practice);
}

static enum pcn_err sqlite_put_list_band(struct pcn_store *s, const struct pcn_list_band *b)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_LIST_BAND_PUT);
    char sex[2] = {b->sex, '\0'};

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, b->practice);
    (void)sqlite3_bind_int(st, 2, b->date);
    (void)sqlite3_bind_text(st, 3, sex, 1, SQLITE_TRANSIENT);
    (void)sqlite3_bind_int(st, 4, b->age_from);
    (void)sqlite3_bind_int64(st, 5, b->patients);
    return pcn__sqlite_exec_stmt(ss, st, "saving list size band");
}

static int band_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    const char *sex = pcn__col_text(st, 2);
    struct pcn_list_band b = {
        .practice = pcn__col_text(st, 0),
        .date = pcn__col_date(st, 1),
        .sex = sex ? sex[0] : 'U',
        .age_from = sqlite3_column_int(st, 3),
        .patients = sqlite3_column_int64(st, 4),
    };
    return ((pcn_list_band_fn)fn)(&b, ud);
}

static enum pcn_err sqlite_each_list_band(struct pcn_store *s, const char *practice, int32_t date,
                                          pcn_list_band_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_LIST_BAND_EACH);

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, practice);
    (void)sqlite3_bind_int(st, 2, date);
    return pcn__sqlite_walk(ss, st, band_row, (pcn__any_fn)fn, ud, NULL, "listing list size bands");
}

static const struct pcn__store_registry_ops registry_ops = {
    .put_network = sqlite_put_network,
    .put_practice = sqlite_put_practice,
    .get_network = sqlite_get_network,
    .each_network = sqlite_each_network,
    .get_practice = sqlite_get_practice,
    .each_practice = sqlite_each_practice,
    .add_membership = sqlite_add_membership,
    .end_membership = sqlite_end_membership,
    .each_membership = sqlite_each_membership,
    .each_network_membership = sqlite_each_network_membership,
    .add_site = sqlite_add_site,
    .each_site = sqlite_each_site,
    .put_list_size = sqlite_put_list_size,
    .list_size_at = sqlite_list_size_at,
    .put_list_band = sqlite_put_list_band,
    .each_list_band = sqlite_each_list_band,
};

const struct pcn__sqlite_domain pcn__sqlite_registry = {
    .impl = {.domain = &pcn__store_registry, .ops = &registry_ops},
    .sql = registry_sql,
    .n_sql = SQL_REGISTRY_COUNT_,
};
