/*
 * sqlite_registry.c - the network registry on SQLite: networks, practices,
 * memberships (history kept; overlapping periods refused), sites and list
 * sizes. Iterators step a cached statement and hand borrowed rows to the
 * caller's callback.
 */
#include "store/sqlite/sqlite_int.h"

#include "pcn/date.h"
#include "util/common.h"

enum pcn_err pcn__sqlite_put_network(struct pcn_store *s, const struct pcn_network *n)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_NETWORK_PUT);

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

enum pcn_err pcn__sqlite_put_practice(struct pcn_store *s, const struct pcn_practice *p)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_PRACTICE_PUT);

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

static enum pcn_err get_one(struct sqlite_store *ss, enum sql_stmt which, const char *code,
                            pcn__row_fn row, pcn__any_fn fn, void *ud, const char *what)
{
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, which);
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

enum pcn_err pcn__sqlite_get_network(struct pcn_store *s, const char *code, pcn_network_fn fn,
                                     void *ud)
{
    return get_one(sqlite_of(s), SQL_NETWORK_GET, code, network_row, (pcn__any_fn)fn, ud,
                   "network");
}

enum pcn_err pcn__sqlite_each_network(struct pcn_store *s, pcn_network_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_NETWORK_EACH);

    return st ? pcn__sqlite_walk(ss, st, network_row, (pcn__any_fn)fn, ud, NULL, "listing networks")
              : PCN_ESTORAGE;
}

enum pcn_err pcn__sqlite_get_practice(struct pcn_store *s, const char *code, pcn_practice_fn fn,
                                      void *ud)
{
    return get_one(sqlite_of(s), SQL_PRACTICE_GET, code, practice_row, (pcn__any_fn)fn, ud,
                   "practice");
}

enum pcn_err pcn__sqlite_each_practice(struct pcn_store *s, pcn_practice_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_PRACTICE_EACH);

    return st ? pcn__sqlite_walk(ss, st, practice_row, (pcn__any_fn)fn, ud, NULL,
                                 "listing practices")
              : PCN_ESTORAGE;
}

enum pcn_err pcn__sqlite_add_membership(struct pcn_store *s, const struct pcn_membership *m)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_MEMBERSHIP_OVERLAP);
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
    st = pcn__sqlite_stmt(ss, SQL_MEMBERSHIP_ADD);
    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, m->practice);
    (void)pcn__bind_text(st, 2, m->network);
    (void)sqlite3_bind_int(st, 3, m->start_date);
    (void)pcn__bind_date(st, 4, m->end_date);
    return pcn__sqlite_exec_stmt(ss, st, "adding membership");
}

enum pcn_err pcn__sqlite_end_membership(struct pcn_store *s, const char *practice, int32_t end_date)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_MEMBERSHIP_END);
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

enum pcn_err pcn__sqlite_each_membership(struct pcn_store *s, const char *practice,
                                         pcn_membership_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st =
        pcn__sqlite_stmt(ss, practice ? SQL_MEMBERSHIP_EACH_PRACTICE : SQL_MEMBERSHIP_EACH);

    if (!st)
        return PCN_ESTORAGE;
    if (practice)
        (void)pcn__bind_text(st, 1, practice);
    return pcn__sqlite_walk(ss, st, membership_row, (pcn__any_fn)fn, ud, NULL,
                            "listing memberships");
}

enum pcn_err pcn__sqlite_add_site(struct pcn_store *s, const struct pcn_site *site, int64_t *ret_id)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_SITE_ADD);
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

enum pcn_err pcn__sqlite_each_site(struct pcn_store *s, pcn_site_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_SITE_EACH);

    return st ? pcn__sqlite_walk(ss, st, site_row, (pcn__any_fn)fn, ud, NULL, "listing sites")
              : PCN_ESTORAGE;
}

enum pcn_err pcn__sqlite_put_list_size(struct pcn_store *s, const struct pcn_list_size *l)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_LIST_SIZE_PUT);

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, l->practice);
    (void)sqlite3_bind_int(st, 2, l->date);
    (void)sqlite3_bind_int64(st, 3, l->patients);
    return pcn__sqlite_exec_stmt(ss, st, "saving list size");
}

enum pcn_err pcn__sqlite_list_size_at(struct pcn_store *s, const char *practice, int32_t date,
                                      int64_t *ret_patients, int32_t *ret_date)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_LIST_SIZE_AT);
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

enum pcn_err pcn__sqlite_put_list_band(struct pcn_store *s, const struct pcn_list_band *b)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_LIST_BAND_PUT);
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

enum pcn_err pcn__sqlite_each_list_band(struct pcn_store *s, const char *practice, int32_t date,
                                        pcn_list_band_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = pcn__sqlite_stmt(ss, SQL_LIST_BAND_EACH);

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, practice);
    (void)sqlite3_bind_int(st, 2, date);
    return pcn__sqlite_walk(ss, st, band_row, (pcn__any_fn)fn, ud, NULL, "listing list size bands");
}
