/*
 * sqlite_workforce.c - the workforce domain on SQLite: posts (added, and
 * only ever ended, under a version check), their sites (read back as one
 * aggregated column), the workforce census by day, and each network's
 * finance inputs with their items (replaced whole under a version check).
 */
#include "store/sqlite/sqlite_int.h"

#include <stdio.h>
#include <string.h>

#include "pcn/date.h"
#include "store/workforce_int.h"
#include "util/common.h"

#define POST_COLS                                                                                  \
    "p.id, p.version, p.network, p.person, p.name, p.role, p.band, p.wte, p.employer, "            \
    "p.employer_code, p.start_date, p.end_date, p.cost, p.cost_per, p.funding, "                   \
    "(SELECT group_concat(site || '=' || sessions, ';') FROM (SELECT site, sessions FROM "         \
    "staff_post_site WHERE post = p.id ORDER BY seq))"

enum workforce_sql {
    SQL_POST_ADD,
    SQL_SITE_ADD,
    SQL_POST_END,
    SQL_POST_STATE,
    SQL_POST_GET,
    SQL_POST_EACH,
    SQL_POST_EACH_NETWORK,
    SQL_CENSUS_CLEAR,
    SQL_CENSUS_ADD,
    SQL_CENSUS_DATE,
    SQL_CENSUS_EACH,
    SQL_CENSUS_EACH_NETWORK,
    SQL_FINANCE_GET,
    SQL_FINANCE_ITEMS,
    SQL_FINANCE_INSERT,
    SQL_FINANCE_UPDATE,
    SQL_FINANCE_CLEAR_ITEMS,
    SQL_FINANCE_ITEM_ADD,
    SQL_WORKFORCE_COUNT_
};

static const char *const workforce_sql[SQL_WORKFORCE_COUNT_] = {
    [SQL_POST_ADD] = "INSERT INTO staff_post (network, person, name, role, band, wte, employer, "
                     "employer_code, start_date, end_date, cost, cost_per, funding) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [SQL_SITE_ADD] = "INSERT INTO staff_post_site (post, seq, site, sessions) "
                     "VALUES (?1, ?2, ?3, ?4)",
    [SQL_POST_END] = "UPDATE staff_post SET end_date = ?3, version = version + 1 "
                     "WHERE id = ?1 AND version = ?2 AND end_date IS NULL AND start_date <= ?3",
    [SQL_POST_STATE] = "SELECT version, start_date, end_date FROM staff_post WHERE id = ?1",
    [SQL_POST_GET] = "SELECT " POST_COLS " FROM staff_post p WHERE p.id = ?1",
    /* one statement each for all and for one network: "?1 IS NULL OR" would scan them all */
    [SQL_POST_EACH] = "SELECT " POST_COLS " FROM staff_post p "
                      "ORDER BY p.network, p.person, p.start_date, p.id",
    [SQL_POST_EACH_NETWORK] = "SELECT " POST_COLS " FROM staff_post p WHERE p.network = ?1 "
                              "ORDER BY p.network, p.person, p.start_date, p.id",
    [SQL_CENSUS_CLEAR] = "DELETE FROM census_staff WHERE census_date = ?1",
    [SQL_CENSUS_ADD] = "INSERT INTO census_staff (census_date, network, role, fte, person, "
                       "contracted) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [SQL_CENSUS_DATE] = "SELECT MAX(census_date) FROM census_staff WHERE census_date <= ?1",
    [SQL_CENSUS_EACH] = "SELECT census_date, network, role, fte, person, contracted "
                        "FROM census_staff WHERE census_date = ?1 ORDER BY network, id",
    [SQL_CENSUS_EACH_NETWORK] = "SELECT census_date, network, role, fte, person, contracted "
                                "FROM census_staff WHERE census_date = ?1 AND network = ?2 "
                                "ORDER BY network, id",
    [SQL_FINANCE_GET] = "SELECT version, adjusted, weighted, beds, iif_points, caip_percent, "
                        "london FROM network_finance WHERE network = ?1 AND year = ?2",
    [SQL_FINANCE_ITEMS] = "SELECT kind, line, value, practice, label FROM network_finance_item "
                          "WHERE network = ?1 AND year = ?2 ORDER BY seq",
    [SQL_FINANCE_INSERT] = "INSERT INTO network_finance (network, year, version, adjusted, "
                           "weighted, beds, iif_points, caip_percent, london) "
                           "VALUES (?1, ?2, 1, ?4, ?5, ?6, ?7, ?8, ?9)",
    [SQL_FINANCE_UPDATE] = "UPDATE network_finance SET version = version + 1, adjusted = ?4, "
                           "weighted = ?5, beds = ?6, iif_points = ?7, caip_percent = ?8, "
                           "london = ?9 WHERE network = ?1 AND year = ?2 AND version = ?3",
    [SQL_FINANCE_CLEAR_ITEMS] = "DELETE FROM network_finance_item WHERE network = ?1 AND year = ?2",
    [SQL_FINANCE_ITEM_ADD] = "INSERT INTO network_finance_item (network, year, seq, kind, line, "
                             "value, practice, label) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
};

static sqlite3_stmt *stmt(struct sqlite_store *ss, enum workforce_sql which)
{
    return pcn__sqlite_stmt(ss, &pcn__sqlite_workforce, (int)which);
}

/* ---- posts ---- */

static enum pcn_err add_sites(struct sqlite_store *ss, int64_t id, const struct pcn_store_post *p)
{
    enum pcn_err rc = PCN_OK;

    for (size_t i = 0; i < p->n_sites && rc == PCN_OK; i++) {
        sqlite3_stmt *st = stmt(ss, SQL_SITE_ADD);
        if (!st)
            return PCN_ESTORAGE;
        (void)sqlite3_bind_int64(st, 1, id);
        (void)sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
        (void)pcn__bind_text(st, 3, p->sites[i].site);
        (void)sqlite3_bind_int(st, 4, p->sites[i].sessions);
        rc = pcn__sqlite_exec_stmt(ss, st, "adding a post's site");
    }
    return rc;
}

static enum pcn_err sqlite_add_post(struct pcn_store *s, const struct pcn_store_post *p,
                                    int64_t *ret_id)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_POST_ADD);
    int64_t id;
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, p->network);
    (void)pcn__bind_text(st, 2, p->person);
    (void)pcn__bind_text(st, 3, p->name);
    (void)pcn__bind_text(st, 4, p->role);
    (void)pcn__bind_text(st, 5, p->band);
    (void)sqlite3_bind_int64(st, 6, p->wte);
    (void)pcn__bind_text(st, 7, p->employer);
    (void)pcn__bind_text(st, 8, p->employer_code);
    (void)sqlite3_bind_int(st, 9, p->start_date);
    (void)pcn__bind_date(st, 10, p->end_date);
    if (p->has_cost)
        (void)sqlite3_bind_int64(st, 11, p->cost);
    else
        (void)sqlite3_bind_null(st, 11);
    (void)pcn__bind_text(st, 12, p->cost_per);
    (void)pcn__bind_text(st, 13, p->funding);
    rc = pcn__sqlite_exec_stmt(ss, st, "adding a post");
    if (rc == PCN_ECONFLICT)
        return pcn__store_fail(s, rc, "no network %s in the registry", p->network);
    if (rc != PCN_OK)
        return rc;
    id = sqlite3_last_insert_rowid(ss->db);
    rc = add_sites(ss, id, p);
    if (rc == PCN_OK && ret_id)
        *ret_id = id;
    return rc;
}

/* Why an end did not apply: the post's state decides. */
static enum pcn_err end_refused(struct sqlite_store *ss, int64_t id, int64_t version)
{
    sqlite3_stmt *st = stmt(ss, SQL_POST_STATE);
    int64_t now;
    int32_t end;
    int rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        (void)sqlite3_reset(st);
        return rc == SQLITE_DONE
                   ? pcn__store_fail(&ss->head, PCN_ENOTFOUND, "no post %lld", (long long)id)
                   : pcn__sqlite_fail(ss, rc, "reading a post");
    }
    now = sqlite3_column_int64(st, 0);
    end = pcn__col_date(st, 2);
    (void)sqlite3_reset(st);
    if (now != version)
        return pcn__store_fail(&ss->head, PCN_ECONFLICT,
                               "post %lld has changed (version %lld, not %lld)", (long long)id,
                               (long long)now, (long long)version);
    if (end != PCN_DATE_NONE)
        return pcn__store_fail(&ss->head, PCN_ECONFLICT, "post %lld has ended already",
                               (long long)id);
    return pcn__store_fail(&ss->head, PCN_EINVAL, "post %lld cannot end before it starts",
                           (long long)id);
}

static enum pcn_err sqlite_end_post(struct pcn_store *s, int64_t id, int64_t version,
                                    int32_t end_date, int64_t *ret_version)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_POST_END);
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, id);
    (void)sqlite3_bind_int64(st, 2, version);
    (void)sqlite3_bind_int(st, 3, end_date);
    rc = pcn__sqlite_exec_stmt(ss, st, "ending a post");
    if (rc != PCN_OK)
        return rc;
    if (sqlite3_changes(ss->db) == 0)
        return end_refused(ss, id, version);
    if (ret_version)
        *ret_version = version + 1;
    return PCN_OK;
}

static int post_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_store_post_site sites[16];
    char text[4096];
    const char *agg = pcn__col_text(st, 15);
    struct pcn_store_post p = {
        .id = sqlite3_column_int64(st, 0),
        .version = sqlite3_column_int64(st, 1),
        .network = pcn__col_text(st, 2),
        .person = pcn__col_text(st, 3),
        .name = pcn__col_text(st, 4),
        .role = pcn__col_text(st, 5),
        .band = pcn__col_text(st, 6),
        .wte = sqlite3_column_int64(st, 7),
        .employer = pcn__col_text(st, 8),
        .employer_code = pcn__col_text(st, 9),
        .start_date = pcn__col_date(st, 10),
        .end_date = pcn__col_date(st, 11),
        .has_cost = sqlite3_column_type(st, 12) != SQLITE_NULL,
        .cost = sqlite3_column_int64(st, 12),
        .cost_per = pcn__col_text(st, 13),
        .funding = pcn__col_text(st, 14),
        .sites = sites,
    };

    (void)snprintf(text, sizeof(text), "%s", agg ? agg : "");
    p.n_sites = pcn__store_parse_sites(text, sites, PCN_ARRAY_SIZE(sites));
    return ((pcn_store_post_fn)fn)(&p, ud);
}

static enum pcn_err sqlite_get_post(struct pcn_store *s, int64_t id, pcn_store_post_fn fn, void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_POST_GET);
    int rows = 0;
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int64(st, 1, id);
    rc = pcn__sqlite_walk(ss, st, post_row, (pcn__any_fn)fn, ud, &rows, "reading a post");
    if (rc == PCN_OK && rows == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no post %lld", (long long)id);
    return rc;
}

static enum pcn_err sqlite_each_post(struct pcn_store *s, const char *network, pcn_store_post_fn fn,
                                     void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, network ? SQL_POST_EACH_NETWORK : SQL_POST_EACH);

    if (!st)
        return PCN_ESTORAGE;
    if (network)
        (void)pcn__bind_text(st, 1, network);
    return pcn__sqlite_walk(ss, st, post_row, (pcn__any_fn)fn, ud, NULL, "listing posts");
}

/* ---- the census ---- */

static enum pcn_err sqlite_clear_census(struct pcn_store *s, int32_t census_date)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_CENSUS_CLEAR);

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int(st, 1, census_date);
    return pcn__sqlite_exec_stmt(ss, st, "clearing a census");
}

static enum pcn_err sqlite_add_census_row(struct pcn_store *s, const struct pcn_store_census_row *r)
{
    struct sqlite_store *ss = sqlite_of(s);
    sqlite3_stmt *st = stmt(ss, SQL_CENSUS_ADD);

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int(st, 1, r->census_date);
    (void)pcn__bind_text(st, 2, r->network);
    (void)pcn__bind_text(st, 3, r->role);
    (void)sqlite3_bind_int64(st, 4, r->fte);
    (void)pcn__bind_text(st, 5, r->person);
    (void)sqlite3_bind_int(st, 6, r->is_contracted ? 1 : 0);
    return pcn__sqlite_exec_stmt(ss, st, "adding a census row");
}

static int census_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_store_census_row r = {
        .census_date = pcn__col_date(st, 0),
        .network = pcn__col_text(st, 1),
        .role = pcn__col_text(st, 2),
        .fte = sqlite3_column_int64(st, 3),
        .person = pcn__col_text(st, 4),
        .is_contracted = sqlite3_column_int(st, 5),
    };
    return ((pcn_store_census_fn)fn)(&r, ud);
}

/* The latest census day on or before as_of; PCN_ENOTFOUND when none. */
static enum pcn_err census_date(struct sqlite_store *ss, int32_t as_of, int32_t *ret)
{
    sqlite3_stmt *st = stmt(ss, SQL_CENSUS_DATE);
    int rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int(st, 1, as_of);
    rc = sqlite3_step(st);
    *ret = rc == SQLITE_ROW ? pcn__col_date(st, 0) : PCN_DATE_NONE;
    (void)sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return pcn__sqlite_fail(ss, rc, "finding the census");
    return *ret == PCN_DATE_NONE ? pcn__store_fail(&ss->head, PCN_ENOTFOUND,
                                                   "no workforce census on or before "
                                                   "that date")
                                 : PCN_OK;
}

static enum pcn_err sqlite_each_census_row(struct pcn_store *s, int32_t as_of, const char *network,
                                           pcn_store_census_fn fn, void *ud, int32_t *ret_date)
{
    struct sqlite_store *ss = sqlite_of(s);
    int32_t day;
    enum pcn_err rc = census_date(ss, as_of, &day);
    sqlite3_stmt *st;

    if (rc != PCN_OK)
        return rc;
    if (ret_date)
        *ret_date = day;
    st = stmt(ss, network ? SQL_CENSUS_EACH_NETWORK : SQL_CENSUS_EACH);
    if (!st)
        return PCN_ESTORAGE;
    (void)sqlite3_bind_int(st, 1, day);
    if (network)
        (void)pcn__bind_text(st, 2, network);
    return pcn__sqlite_walk(ss, st, census_row, (pcn__any_fn)fn, ud, NULL, "reading the census");
}

/* ---- finance inputs ---- */

static int finance_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_store_finance *f = ud;

    (void)fn;
    f->version = sqlite3_column_int64(st, 0);
    f->adjusted = sqlite3_column_int64(st, 1);
    f->weighted = sqlite3_column_int64(st, 2);
    f->beds = sqlite3_column_int64(st, 3);
    f->iif_points = sqlite3_column_int64(st, 4);
    f->caip_percent = sqlite3_column_int64(st, 5);
    f->london = NULL; /* read by the caller before the statement moves on */
    return 0;
}

static int item_row(sqlite3_stmt *st, pcn__any_fn fn, void *ud)
{
    struct pcn_store_finance_item it = {
        .kind = pcn__col_text(st, 0),
        .line = pcn__col_text(st, 1),
        .value = pcn__col_text(st, 2),
        .practice = pcn__col_text(st, 3),
        .label = pcn__col_text(st, 4),
    };
    return ((pcn_store_finance_item_fn)fn)(&it, ud);
}

/* The stored inputs into f (version 0 and unknowns when never saved); london copied to buf. */
static enum pcn_err read_finance(struct sqlite_store *ss, struct pcn_store_finance *f, char *buf,
                                 size_t size)
{
    sqlite3_stmt *st = stmt(ss, SQL_FINANCE_GET);
    int rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, f->network);
    (void)pcn__bind_text(st, 2, f->year);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        (void)finance_row(st, NULL, f);
        (void)snprintf(buf, size, "%s", pcn__col_text(st, 6) ? pcn__col_text(st, 6) : "");
    }
    (void)sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return pcn__sqlite_fail(ss, rc, "reading finance inputs");
    f->london = buf;
    return PCN_OK;
}

static enum pcn_err sqlite_get_finance(struct pcn_store *s, const char *network, const char *year,
                                       pcn_store_finance_fn fn, pcn_store_finance_item_fn item_fn,
                                       void *ud)
{
    struct sqlite_store *ss = sqlite_of(s);
    struct pcn_store_finance f = {network, year, 0, -1, -1, -1, -1, -1, ""};
    char london[16] = "";
    enum pcn_err rc = read_finance(ss, &f, london, sizeof(london));
    sqlite3_stmt *st;

    if (rc != PCN_OK)
        return rc;
    if (fn(&f, ud) != 0 || !item_fn)
        return PCN_OK;
    st = stmt(ss, SQL_FINANCE_ITEMS);
    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, network);
    (void)pcn__bind_text(st, 2, year);
    return pcn__sqlite_walk(ss, st, item_row, (pcn__any_fn)item_fn, ud, NULL,
                            "reading finance items");
}

static void bind_finance(sqlite3_stmt *st, const struct pcn_store_finance *f)
{
    (void)pcn__bind_text(st, 1, f->network);
    (void)pcn__bind_text(st, 2, f->year);
    (void)sqlite3_bind_int64(st, 3, f->version);
    (void)sqlite3_bind_int64(st, 4, f->adjusted);
    (void)sqlite3_bind_int64(st, 5, f->weighted);
    (void)sqlite3_bind_int64(st, 6, f->beds);
    (void)sqlite3_bind_int64(st, 7, f->iif_points);
    (void)sqlite3_bind_int64(st, 8, f->caip_percent);
    (void)pcn__bind_text(st, 9, f->london ? f->london : "");
}

static enum pcn_err put_items(struct sqlite_store *ss, const struct pcn_store_finance *f,
                              const struct pcn_store_finance_item *items, size_t n)
{
    sqlite3_stmt *st = stmt(ss, SQL_FINANCE_CLEAR_ITEMS);
    enum pcn_err rc;

    if (!st)
        return PCN_ESTORAGE;
    (void)pcn__bind_text(st, 1, f->network);
    (void)pcn__bind_text(st, 2, f->year);
    rc = pcn__sqlite_exec_stmt(ss, st, "replacing finance items");
    for (size_t i = 0; i < n && rc == PCN_OK; i++) {
        st = stmt(ss, SQL_FINANCE_ITEM_ADD);
        if (!st)
            return PCN_ESTORAGE;
        (void)pcn__bind_text(st, 1, f->network);
        (void)pcn__bind_text(st, 2, f->year);
        (void)sqlite3_bind_int64(st, 3, (sqlite3_int64)i + 1);
        (void)pcn__bind_text(st, 4, items[i].kind);
        (void)pcn__bind_text(st, 5, items[i].line);
        (void)pcn__bind_text(st, 6, items[i].value);
        (void)pcn__bind_text(st, 7, items[i].practice);
        (void)pcn__bind_text(st, 8, items[i].label);
        rc = pcn__sqlite_exec_stmt(ss, st, "saving a finance item");
    }
    return rc;
}

static enum pcn_err sqlite_put_finance(struct pcn_store *s, const struct pcn_store_finance *f,
                                       const struct pcn_store_finance_item *items, size_t n,
                                       int64_t *ret_version)
{
    struct sqlite_store *ss = sqlite_of(s);
    struct pcn_store_finance now = {f->network, f->year, 0, -1, -1, -1, -1, -1, ""};
    char london[16];
    sqlite3_stmt *st;
    enum pcn_err rc = read_finance(ss, &now, london, sizeof(london));

    if (rc != PCN_OK)
        return rc;
    if (now.version != f->version)
        return pcn__store_fail(s, PCN_ECONFLICT,
                               "the finance inputs of %s for %s have changed (version %lld, not "
                               "%lld)",
                               f->network, f->year, (long long)now.version, (long long)f->version);
    st = stmt(ss, now.version ? SQL_FINANCE_UPDATE : SQL_FINANCE_INSERT);
    if (!st)
        return PCN_ESTORAGE;
    bind_finance(st, f);
    rc = pcn__sqlite_exec_stmt(ss, st, "saving finance inputs");
    if (rc == PCN_ECONFLICT)
        return pcn__store_fail(s, rc, "no network %s in the registry", f->network);
    if (rc == PCN_OK)
        rc = put_items(ss, f, items, n);
    if (rc == PCN_OK && ret_version)
        *ret_version = now.version + 1;
    return rc;
}

static const struct pcn__store_workforce_ops workforce_ops = {
    .add_post = sqlite_add_post,
    .end_post = sqlite_end_post,
    .get_post = sqlite_get_post,
    .each_post = sqlite_each_post,
    .clear_census = sqlite_clear_census,
    .add_census_row = sqlite_add_census_row,
    .each_census_row = sqlite_each_census_row,
    .get_finance = sqlite_get_finance,
    .put_finance = sqlite_put_finance,
};

const struct pcn__sqlite_domain pcn__sqlite_workforce = {
    .impl = {.domain = &pcn__store_workforce, .ops = &workforce_ops},
    .sql = workforce_sql,
    .n_sql = SQL_WORKFORCE_COUNT_,
};
