/*
 * pg_workforce.c - the workforce domain on PostgreSQL, with the same
 * behaviour as the SQLite backend (conformance suite): posts added and
 * only ever ended under a version check, their sites aggregated into one
 * column on the way out, the census by day, and finance inputs replaced
 * whole under a version check.
 */
#include "store/pg/pg_int.h"

#include <stdio.h>
#include <string.h>

#include "pcn/date.h"
#include "store/workforce_int.h"
#include "util/common.h"

#define POST_COLS                                                                                  \
    "p.id, p.version, p.network, p.person, p.name, p.role, p.band, p.wte, p.employer, "            \
    "p.employer_code, p.start_date, p.end_date, p.cost, p.cost_per, p.funding, "                   \
    "(SELECT string_agg(site || '=' || sessions, ';' ORDER BY seq) FROM staff_post_site "          \
    "WHERE post = p.id)"

/* ---- posts ---- */

static enum pcn_err pg_add_post(struct pcn_store *s, const struct pcn_store_post *p,
                                int64_t *ret_id)
{
    struct pg_params q = {.n = 0};
    PGresult *r = NULL;
    int64_t id;
    enum pcn_err rc;

    pcn__pg_text(&q, p->network);
    pcn__pg_text(&q, p->person);
    pcn__pg_text(&q, p->name);
    pcn__pg_text(&q, p->role);
    pcn__pg_text(&q, p->band);
    pcn__pg_int(&q, p->wte);
    pcn__pg_text(&q, p->employer);
    pcn__pg_text(&q, p->employer_code);
    pcn__pg_date(&q, p->start_date);
    pcn__pg_date(&q, p->end_date);
    if (p->has_cost)
        pcn__pg_int(&q, p->cost);
    else
        pcn__pg_text(&q, NULL);
    pcn__pg_text(&q, p->cost_per);
    pcn__pg_text(&q, p->funding);
    rc = pcn__pg_exec(pg_of(s),
                      "INSERT INTO staff_post (network, person, name, role, band, wte, employer, "
                      "employer_code, start_date, end_date, cost, cost_per, funding) VALUES ($1, "
                      "$2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                      &q, PG_WRITE_DATA, &r, "adding a post");
    if (rc == PCN_ECONFLICT)
        return pcn__store_fail(s, rc, "no network %s in the registry", p->network);
    if (rc != PCN_OK)
        return rc;
    id = pcn__pg_col_int(r, 0, 0);
    PQclear(r);
    for (size_t i = 0; i < p->n_sites && rc == PCN_OK; i++) {
        struct pg_params qs = {.n = 0};
        pcn__pg_int(&qs, id);
        pcn__pg_int(&qs, (int64_t)i);
        pcn__pg_text(&qs, p->sites[i].site);
        pcn__pg_int(&qs, p->sites[i].sessions);
        rc = pcn__pg_exec(pg_of(s),
                          "INSERT INTO staff_post_site (post, seq, site, sessions) "
                          "VALUES ($1, $2, $3, $4)",
                          &qs, PG_WRITE_DATA, NULL, "adding a post's site");
    }
    if (rc == PCN_OK && ret_id)
        *ret_id = id;
    return rc;
}

/* Why an end did not apply: the post's state decides. */
static enum pcn_err end_refused(struct pcn_store *s, int64_t id, int64_t version)
{
    struct pg_params q = {.n = 0};
    PGresult *r = NULL;
    int64_t now;
    int32_t end;
    enum pcn_err rc;

    pcn__pg_int(&q, id);
    rc = pcn__pg_exec(pg_of(s), "SELECT version, end_date FROM staff_post WHERE id = $1", &q,
                      PG_READ, &r, "reading a post");
    if (rc != PCN_OK)
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return pcn__store_fail(s, PCN_ENOTFOUND, "no post %lld", (long long)id);
    }
    now = pcn__pg_col_int(r, 0, 0);
    end = pcn__pg_col_date(r, 0, 1);
    PQclear(r);
    if (now != version)
        return pcn__store_fail(s, PCN_ECONFLICT, "post %lld has changed (version %lld, not %lld)",
                               (long long)id, (long long)now, (long long)version);
    if (end != PCN_DATE_NONE)
        return pcn__store_fail(s, PCN_ECONFLICT, "post %lld has ended already", (long long)id);
    return pcn__store_fail(s, PCN_EINVAL, "post %lld cannot end before it starts", (long long)id);
}

static enum pcn_err pg_end_post(struct pcn_store *s, int64_t id, int64_t version, int32_t end_date,
                                int64_t *ret_version)
{
    struct pg_params q = {.n = 0};
    PGresult *r = NULL;
    bool done;
    enum pcn_err rc;

    pcn__pg_int(&q, id);
    pcn__pg_int(&q, version);
    pcn__pg_date(&q, end_date);
    rc = pcn__pg_exec(pg_of(s),
                      "UPDATE staff_post SET end_date = $3, version = version + 1 WHERE id = $1 "
                      "AND version = $2 AND end_date IS NULL AND start_date <= $3",
                      &q, PG_WRITE_DATA, &r, "ending a post");
    if (rc != PCN_OK)
        return rc;
    done = strcmp(PQcmdTuples(r), "0") != 0;
    PQclear(r);
    if (!done)
        return end_refused(s, id, version);
    if (ret_version)
        *ret_version = version + 1;
    return PCN_OK;
}

static int post_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_store_post_site sites[16];
    char text[4096];
    const char *agg = pcn__pg_col_text(r, i, 15);
    struct pcn_store_post p = {
        .id = pcn__pg_col_int(r, i, 0),
        .version = pcn__pg_col_int(r, i, 1),
        .network = pcn__pg_col_text(r, i, 2),
        .person = pcn__pg_col_text(r, i, 3),
        .name = pcn__pg_col_text(r, i, 4),
        .role = pcn__pg_col_text(r, i, 5),
        .band = pcn__pg_col_text(r, i, 6),
        .wte = pcn__pg_col_int(r, i, 7),
        .employer = pcn__pg_col_text(r, i, 8),
        .employer_code = pcn__pg_col_text(r, i, 9),
        .start_date = pcn__pg_col_date(r, i, 10),
        .end_date = pcn__pg_col_date(r, i, 11),
        .has_cost = !PQgetisnull(r, i, 12),
        .cost = pcn__pg_col_int(r, i, 12),
        .cost_per = pcn__pg_col_text(r, i, 13),
        .funding = pcn__pg_col_text(r, i, 14),
        .sites = sites,
    };

    (void)snprintf(text, sizeof(text), "%s", agg ? agg : "");
    p.n_sites = pcn__store_parse_sites(text, sites, PCN_ARRAY_SIZE(sites));
    return ((pcn_store_post_fn)fn)(&p, ud);
}

static enum pcn_err pg_get_post(struct pcn_store *s, int64_t id, pcn_store_post_fn fn, void *ud)
{
    struct pg_params q = {.n = 0};
    int rows = 0;
    enum pcn_err rc;

    pcn__pg_int(&q, id);
    rc = pcn__pg_walk(pg_of(s), "SELECT " POST_COLS " FROM staff_post p WHERE p.id = $1", &q,
                      post_row, (pcn__pg_any_fn)fn, ud, &rows, "reading a post");
    if (rc == PCN_OK && rows == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no post %lld", (long long)id);
    return rc;
}

static enum pcn_err pg_each_post(struct pcn_store *s, const char *network, pcn_store_post_fn fn,
                                 void *ud)
{
    struct pg_params q = {.n = 0};

    if (!network) /* two statements: "$1 IS NULL OR" would plan a scan of them all */
        return pcn__pg_walk(pg_of(s),
                            "SELECT " POST_COLS " FROM staff_post p "
                            "ORDER BY p.network, p.person, p.start_date, p.id",
                            NULL, post_row, (pcn__pg_any_fn)fn, ud, NULL, "listing posts");
    pcn__pg_text(&q, network);
    return pcn__pg_walk(pg_of(s),
                        "SELECT " POST_COLS " FROM staff_post p WHERE p.network = $1 "
                        "ORDER BY p.network, p.person, p.start_date, p.id",
                        &q, post_row, (pcn__pg_any_fn)fn, ud, NULL, "listing posts");
}

/* ---- the census ---- */

static enum pcn_err pg_clear_census(struct pcn_store *s, int32_t census_date)
{
    struct pg_params q = {.n = 0};

    pcn__pg_date(&q, census_date);
    return pcn__pg_exec(pg_of(s), "DELETE FROM census_staff WHERE census_date = $1", &q,
                        PG_WRITE_DATA, NULL, "clearing a census");
}

static enum pcn_err pg_add_census_row(struct pcn_store *s, const struct pcn_store_census_row *r)
{
    struct pg_params q = {.n = 0};

    pcn__pg_date(&q, r->census_date);
    pcn__pg_text(&q, r->network);
    pcn__pg_text(&q, r->role);
    pcn__pg_int(&q, r->fte);
    pcn__pg_text(&q, r->person);
    pcn__pg_int(&q, r->is_contracted ? 1 : 0);
    return pcn__pg_exec(pg_of(s),
                        "INSERT INTO census_staff (census_date, network, role, fte, person, "
                        "contracted) VALUES ($1, $2, $3, $4, $5, $6)",
                        &q, PG_WRITE_DATA, NULL, "adding a census row");
}

static int census_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_store_census_row c = {
        .census_date = pcn__pg_col_date(r, i, 0),
        .network = pcn__pg_col_text(r, i, 1),
        .role = pcn__pg_col_text(r, i, 2),
        .fte = pcn__pg_col_int(r, i, 3),
        .person = pcn__pg_col_text(r, i, 4),
        .is_contracted = (int)pcn__pg_col_int(r, i, 5),
    };
    return ((pcn_store_census_fn)fn)(&c, ud);
}

static enum pcn_err pg_each_census_row(struct pcn_store *s, int32_t as_of, const char *network,
                                       pcn_store_census_fn fn, void *ud, int32_t *ret_date)
{
    struct pg_params q = {.n = 0};
    PGresult *r = NULL;
    int32_t day;
    enum pcn_err rc;

    pcn__pg_date(&q, as_of);
    rc = pcn__pg_exec(pg_of(s), "SELECT MAX(census_date) FROM census_staff WHERE census_date <= $1",
                      &q, PG_READ, &r, "finding the census");
    if (rc != PCN_OK)
        return rc;
    day = pcn__pg_col_date(r, 0, 0);
    PQclear(r);
    if (day == PCN_DATE_NONE)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no workforce census on or before that date");
    if (ret_date)
        *ret_date = day;
    q.n = 0;
    pcn__pg_date(&q, day);
    if (!network)
        return pcn__pg_walk(pg_of(s),
                            "SELECT census_date, network, role, fte, person, contracted FROM "
                            "census_staff WHERE census_date = $1 ORDER BY network, id",
                            &q, census_row, (pcn__pg_any_fn)fn, ud, NULL, "reading the census");
    pcn__pg_text(&q, network);
    return pcn__pg_walk(pg_of(s),
                        "SELECT census_date, network, role, fte, person, contracted FROM "
                        "census_staff WHERE census_date = $1 AND network = $2 ORDER BY network, id",
                        &q, census_row, (pcn__pg_any_fn)fn, ud, NULL, "reading the census");
}

/* ---- finance inputs ---- */

/* The stored inputs into f (version 0 and unknowns when never saved); london copied to buf. */
static enum pcn_err read_finance(struct pcn_store *s, struct pcn_store_finance *f, char *buf,
                                 size_t size)
{
    struct pg_params q = {.n = 0};
    PGresult *r = NULL;
    enum pcn_err rc;

    pcn__pg_text(&q, f->network);
    pcn__pg_text(&q, f->year);
    rc = pcn__pg_exec(pg_of(s),
                      "SELECT version, adjusted, weighted, beds, iif_points, caip_percent, london "
                      "FROM network_finance WHERE network = $1 AND year = $2",
                      &q, PG_READ, &r, "reading finance inputs");
    if (rc != PCN_OK)
        return rc;
    if (PQntuples(r) > 0) {
        f->version = pcn__pg_col_int(r, 0, 0);
        f->adjusted = pcn__pg_col_int(r, 0, 1);
        f->weighted = pcn__pg_col_int(r, 0, 2);
        f->beds = pcn__pg_col_int(r, 0, 3);
        f->iif_points = pcn__pg_col_int(r, 0, 4);
        f->caip_percent = pcn__pg_col_int(r, 0, 5);
        (void)snprintf(buf, size, "%s", pcn__pg_col_text(r, 0, 6) ? pcn__pg_col_text(r, 0, 6) : "");
    }
    PQclear(r);
    f->london = buf;
    return PCN_OK;
}

static int item_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_store_finance_item it = {
        .kind = pcn__pg_col_text(r, i, 0),
        .line = pcn__pg_col_text(r, i, 1),
        .value = pcn__pg_col_text(r, i, 2),
        .practice = pcn__pg_col_text(r, i, 3),
        .label = pcn__pg_col_text(r, i, 4),
    };
    return ((pcn_store_finance_item_fn)fn)(&it, ud);
}

static enum pcn_err pg_get_finance(struct pcn_store *s, const char *network, const char *year,
                                   pcn_store_finance_fn fn, pcn_store_finance_item_fn item_fn,
                                   void *ud)
{
    struct pcn_store_finance f = {network, year, 0, -1, -1, -1, -1, -1, ""};
    struct pg_params q = {.n = 0};
    char london[16] = "";
    enum pcn_err rc = read_finance(s, &f, london, sizeof(london));

    if (rc != PCN_OK)
        return rc;
    if (fn(&f, ud) != 0 || !item_fn)
        return PCN_OK;
    pcn__pg_text(&q, network);
    pcn__pg_text(&q, year);
    return pcn__pg_walk(pg_of(s),
                        "SELECT kind, line, value, practice, label FROM network_finance_item "
                        "WHERE network = $1 AND year = $2 ORDER BY seq",
                        &q, item_row, (pcn__pg_any_fn)item_fn, ud, NULL, "reading finance items");
}

static enum pcn_err put_items(struct pcn_store *s, const struct pcn_store_finance *f,
                              const struct pcn_store_finance_item *items, size_t n)
{
    struct pg_params q = {.n = 0};
    enum pcn_err rc;

    pcn__pg_text(&q, f->network);
    pcn__pg_text(&q, f->year);
    rc = pcn__pg_exec(pg_of(s), "DELETE FROM network_finance_item WHERE network = $1 AND year = $2",
                      &q, PG_WRITE_DATA, NULL, "replacing finance items");
    for (size_t i = 0; i < n && rc == PCN_OK; i++) {
        q.n = 0;
        pcn__pg_text(&q, f->network);
        pcn__pg_text(&q, f->year);
        pcn__pg_int(&q, (int64_t)i + 1);
        pcn__pg_text(&q, items[i].kind);
        pcn__pg_text(&q, items[i].line);
        pcn__pg_text(&q, items[i].value);
        pcn__pg_text(&q, items[i].practice);
        pcn__pg_text(&q, items[i].label);
        rc = pcn__pg_exec(pg_of(s),
                          "INSERT INTO network_finance_item (network, year, seq, kind, line, "
                          "value, practice, label) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                          &q, PG_WRITE_DATA, NULL, "saving a finance item");
    }
    return rc;
}

static enum pcn_err pg_put_finance(struct pcn_store *s, const struct pcn_store_finance *f,
                                   const struct pcn_store_finance_item *items, size_t n,
                                   int64_t *ret_version)
{
    struct pcn_store_finance now = {f->network, f->year, 0, -1, -1, -1, -1, -1, ""};
    struct pg_params q = {.n = 0};
    char london[16];
    enum pcn_err rc = read_finance(s, &now, london, sizeof(london));

    if (rc != PCN_OK)
        return rc;
    if (now.version != f->version)
        return pcn__store_fail(s, PCN_ECONFLICT,
                               "the finance inputs of %s for %s have changed (version %lld, not "
                               "%lld)",
                               f->network, f->year, (long long)now.version, (long long)f->version);
    pcn__pg_text(&q, f->network);
    pcn__pg_text(&q, f->year);
    pcn__pg_int(&q, f->version);
    pcn__pg_int(&q, f->adjusted);
    pcn__pg_int(&q, f->weighted);
    pcn__pg_int(&q, f->beds);
    pcn__pg_int(&q, f->iif_points);
    pcn__pg_int(&q, f->caip_percent);
    pcn__pg_text(&q, f->london ? f->london : "");
    rc = pcn__pg_exec(pg_of(s),
                      now.version
                          ? "UPDATE network_finance SET version = version + 1, adjusted = $4, "
                            "weighted = $5, beds = $6, iif_points = $7, caip_percent = $8, "
                            "london = $9 WHERE network = $1 AND year = $2 AND version = $3"
                          : "INSERT INTO network_finance (network, year, version, adjusted, "
                            "weighted, beds, iif_points, caip_percent, london) VALUES ($1, $2, "
                            "$3::bigint + 1, $4, $5, $6, $7, $8, $9)",
                      &q, PG_WRITE_DATA, NULL, "saving finance inputs");
    if (rc == PCN_ECONFLICT)
        return pcn__store_fail(s, rc, "no network %s in the registry", f->network);
    if (rc == PCN_OK)
        rc = put_items(s, f, items, n);
    if (rc == PCN_OK && ret_version)
        *ret_version = now.version + 1;
    return rc;
}

static const struct pcn__store_workforce_ops workforce_ops = {
    .add_post = pg_add_post,
    .end_post = pg_end_post,
    .get_post = pg_get_post,
    .each_post = pg_each_post,
    .clear_census = pg_clear_census,
    .add_census_row = pg_add_census_row,
    .each_census_row = pg_each_census_row,
    .get_finance = pg_get_finance,
    .put_finance = pg_put_finance,
};

const struct pcn__store_impl pcn__pg_workforce = {.domain = &pcn__store_workforce,
                                                  .ops = &workforce_ops};
