/*
 * pg_registry.c - the registry domain on PostgreSQL, with the same
 * behaviour as the SQLite backend (conformance suite): upserts that keep
 * fields the caller leaves NULL, memberships without overlaps, sites, list
 * sizes and age/sex bands.
 */
#include "store/pg/pg_int.h"

#include <stdio.h>
#include <string.h>

#include "pcn/date.h"
#include "store/registry_int.h"
#include "util/common.h"

#define NETWORK_COLS                                                                               \
    "code, name, clinical_director, sub_icb_code, sub_icb_name, icb_code, icb_name, "              \
    "region_code, region_name"
#define PRACTICE_COLS "code, name, postcode, sub_icb_code, icb_code, supplier"

static enum pcn_err pg_put_network(struct pcn_store *s, const struct pcn_network *n)
{
    struct pg_params p = {.n = 0};

    pcn__pg_text(&p, n->code);
    pcn__pg_text(&p, n->name);
    pcn__pg_text(&p, n->clinical_director);
    pcn__pg_text(&p, n->sub_icb_code);
    pcn__pg_text(&p, n->sub_icb_name);
    pcn__pg_text(&p, n->icb_code);
    pcn__pg_text(&p, n->icb_name);
    pcn__pg_text(&p, n->region_code);
    pcn__pg_text(&p, n->region_name);
    return pcn__pg_exec(pg_of(s),
                        "INSERT INTO network (" NETWORK_COLS ") VALUES ($1, $2, $3, $4, $5, $6, "
                        "$7, $8, $9) ON CONFLICT (code) DO UPDATE SET name = $2, "
                        "clinical_director = COALESCE($3, network.clinical_director), "
                        "sub_icb_code = COALESCE($4, network.sub_icb_code), "
                        "sub_icb_name = COALESCE($5, network.sub_icb_name), "
                        "icb_code = COALESCE($6, network.icb_code), "
                        "icb_name = COALESCE($7, network.icb_name), "
                        "region_code = COALESCE($8, network.region_code), "
                        "region_name = COALESCE($9, network.region_name)",
                        &p, 1, NULL, "saving network");
}

static enum pcn_err pg_put_practice(struct pcn_store *s, const struct pcn_practice *pr)
{
    struct pg_params p = {.n = 0};

    pcn__pg_text(&p, pr->code);
    pcn__pg_text(&p, pr->name);
    pcn__pg_text(&p, pr->postcode);
    pcn__pg_text(&p, pr->sub_icb_code);
    pcn__pg_text(&p, pr->icb_code);
    pcn__pg_text(&p, pr->supplier);
    return pcn__pg_exec(pg_of(s),
                        "INSERT INTO practice (" PRACTICE_COLS ") VALUES ($1, $2, $3, $4, $5, $6) "
                        "ON CONFLICT (code) DO UPDATE SET name = $2, "
                        "postcode = COALESCE($3, practice.postcode), "
                        "sub_icb_code = COALESCE($4, practice.sub_icb_code), "
                        "icb_code = COALESCE($5, practice.icb_code), "
                        "supplier = COALESCE($6, practice.supplier)",
                        &p, 1, NULL, "saving practice");
}

static int network_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_network n = {
        .code = pcn__pg_col_text(r, i, 0),
        .name = pcn__pg_col_text(r, i, 1),
        .clinical_director = pcn__pg_col_text(r, i, 2),
        .sub_icb_code = pcn__pg_col_text(r, i, 3),
        .sub_icb_name = pcn__pg_col_text(r, i, 4),
        .icb_code = pcn__pg_col_text(r, i, 5),
        .icb_name = pcn__pg_col_text(r, i, 6),
        .region_code = pcn__pg_col_text(r, i, 7),
        .region_name = pcn__pg_col_text(r, i, 8),
    };
    return ((pcn_network_fn)fn)(&n, ud);
}

static int practice_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_practice p = {
        .code = pcn__pg_col_text(r, i, 0),
        .name = pcn__pg_col_text(r, i, 1),
        .postcode = pcn__pg_col_text(r, i, 2),
        .sub_icb_code = pcn__pg_col_text(r, i, 3),
        .icb_code = pcn__pg_col_text(r, i, 4),
        .supplier = pcn__pg_col_text(r, i, 5),
    };
    return ((pcn_practice_fn)fn)(&p, ud);
}

static enum pcn_err get_one(struct pcn_store *s, const char *sql, const char *code,
                            pcn__pg_row_fn row, pcn__pg_any_fn fn, void *ud, const char *what)
{
    struct pg_params p = {.n = 0};
    int rows = 0;
    enum pcn_err rc;

    pcn__pg_text(&p, code);
    rc = pcn__pg_walk(pg_of(s), sql, &p, row, fn, ud, &rows, what);
    if (rc == PCN_OK && rows == 0)
        return pcn__store_fail(s, PCN_ENOTFOUND, "no %s with code %s", what, code);
    return rc;
}

static enum pcn_err pg_get_network(struct pcn_store *s, const char *code, pcn_network_fn fn,
                                   void *ud)
{
    return get_one(s, "SELECT " NETWORK_COLS " FROM network WHERE code = $1", code, network_row,
                   (pcn__pg_any_fn)fn, ud, "network");
}

static enum pcn_err pg_each_network(struct pcn_store *s, pcn_network_fn fn, void *ud)
{
    return pcn__pg_walk(pg_of(s), "SELECT " NETWORK_COLS " FROM network ORDER BY code", NULL,
                        network_row, (pcn__pg_any_fn)fn, ud, NULL, "listing networks");
}

static enum pcn_err pg_get_practice(struct pcn_store *s, const char *code, pcn_practice_fn fn,
                                    void *ud)
{
    return get_one(s, "SELECT " PRACTICE_COLS " FROM practice WHERE code = $1", code, practice_row,
                   (pcn__pg_any_fn)fn, ud, "practice");
}

static enum pcn_err pg_each_practice(struct pcn_store *s, pcn_practice_fn fn, void *ud)
{
    return pcn__pg_walk(pg_of(s), "SELECT " PRACTICE_COLS " FROM practice ORDER BY code", NULL,
                        practice_row, (pcn__pg_any_fn)fn, ud, NULL, "listing practices");
}

static enum pcn_err pg_add_membership(struct pcn_store *s, const struct pcn_membership *m)
{
    struct pg_store *ps = pg_of(s);
    struct pg_params p = {.n = 0};
    PGresult *r = NULL;
    enum pcn_err rc;

    if (m->end_date != PCN_DATE_NONE && m->end_date < m->start_date)
        return pcn__store_fail(s, PCN_EINVAL, "membership of %s ends before it starts",
                               m->practice);
    pcn__pg_text(&p, m->practice);
    pcn__pg_int(&p, m->start_date);
    pcn__pg_date(&p, m->end_date);
    rc = pcn__pg_exec(ps,
                      "SELECT network, start_date FROM membership WHERE practice = $1 "
                      "AND start_date <= COALESCE($3::int, 2147483647) "
                      "AND COALESCE(end_date, 2147483647) >= $2::int LIMIT 1",
                      &p, 0, &r, "checking memberships");
    if (rc == PCN_OK && PQntuples(r) > 0) {
        char from[PCN_DATE_STR_SIZE];
        pcn_date_format(pcn__pg_col_date(r, 0, 1), from);
        rc = pcn__store_fail(s, PCN_ECONFLICT,
                             "practice %s is already a member of %s from %s for part of that "
                             "period",
                             m->practice, pcn__pg_col_text(r, 0, 0), from);
    }
    PQclear(r);
    if (rc != PCN_OK)
        return rc;
    p.n = 0;
    pcn__pg_text(&p, m->practice);
    pcn__pg_text(&p, m->network);
    pcn__pg_int(&p, m->start_date);
    pcn__pg_date(&p, m->end_date);
    return pcn__pg_exec(ps,
                        "INSERT INTO membership (practice, network, start_date, end_date) "
                        "VALUES ($1, $2, $3, $4)",
                        &p, 1, NULL, "adding membership");
}

static enum pcn_err pg_end_membership(struct pcn_store *s, const char *practice, int32_t end_date)
{
    struct pg_params p = {.n = 0};
    PGresult *r = NULL;
    enum pcn_err rc;

    pcn__pg_text(&p, practice);
    pcn__pg_int(&p, end_date);
    rc = pcn__pg_exec(pg_of(s),
                      "UPDATE membership SET end_date = $2 WHERE practice = $1 "
                      "AND end_date IS NULL AND start_date <= $2",
                      &p, 1, &r, "ending membership");
    if (rc == PCN_OK && strcmp(PQcmdTuples(r), "0") == 0)
        rc = pcn__store_fail(s, PCN_ENOTFOUND,
                             "practice %s has no open membership starting on or before that "
                             "date",
                             practice);
    PQclear(r);
    return rc;
}

static int membership_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_membership m = {
        .practice = pcn__pg_col_text(r, i, 0),
        .network = pcn__pg_col_text(r, i, 1),
        .start_date = pcn__pg_col_date(r, i, 2),
        .end_date = pcn__pg_col_date(r, i, 3),
    };
    return ((pcn_membership_fn)fn)(&m, ud);
}

static enum pcn_err pg_each_membership(struct pcn_store *s, const char *practice,
                                       pcn_membership_fn fn, void *ud)
{
    struct pg_params p = {.n = 0};

    if (!practice)
        return pcn__pg_walk(pg_of(s),
                            "SELECT practice, network, start_date, end_date FROM membership "
                            "ORDER BY practice, start_date",
                            NULL, membership_row, (pcn__pg_any_fn)fn, ud, NULL,
                            "listing memberships");
    pcn__pg_text(&p, practice);
    return pcn__pg_walk(pg_of(s),
                        "SELECT practice, network, start_date, end_date FROM membership "
                        "WHERE practice = $1 ORDER BY start_date",
                        &p, membership_row, (pcn__pg_any_fn)fn, ud, NULL, "listing memberships");
}

static enum pcn_err pg_each_network_membership(struct pcn_store *s, const char *network,
                                               pcn_membership_fn fn, void *ud)
{
    struct pg_params p = {.n = 0};

    pcn__pg_text(&p, network);
    return pcn__pg_walk(pg_of(s),
                        "SELECT practice, network, start_date, end_date FROM membership "
                        "WHERE network = $1 ORDER BY practice, start_date",
                        &p, membership_row, (pcn__pg_any_fn)fn, ud, NULL, "listing memberships");
}

static enum pcn_err pg_add_site(struct pcn_store *s, const struct pcn_site *site, int64_t *ret_id)
{
    struct pg_params p = {.n = 0};
    PGresult *r = NULL;
    enum pcn_err rc;

    pcn__pg_text(&p, site->practice);
    pcn__pg_text(&p, site->name);
    pcn__pg_text(&p, site->postcode);
    rc = pcn__pg_exec(pg_of(s),
                      "INSERT INTO site (practice, name, postcode) VALUES ($1, $2, $3) "
                      "RETURNING id",
                      &p, 1, &r, "adding site");
    if (rc == PCN_OK && ret_id)
        *ret_id = pcn__pg_col_int(r, 0, 0);
    PQclear(r);
    return rc;
}

static int site_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    struct pcn_site site = {
        .id = pcn__pg_col_int(r, i, 0),
        .practice = pcn__pg_col_text(r, i, 1),
        .name = pcn__pg_col_text(r, i, 2),
        .postcode = pcn__pg_col_text(r, i, 3),
    };
    return ((pcn_site_fn)fn)(&site, ud);
}

static enum pcn_err pg_each_site(struct pcn_store *s, pcn_site_fn fn, void *ud)
{
    return pcn__pg_walk(pg_of(s), "SELECT id, practice, name, postcode FROM site ORDER BY id", NULL,
                        site_row, (pcn__pg_any_fn)fn, ud, NULL, "listing sites");
}

static enum pcn_err pg_put_list_size(struct pcn_store *s, const struct pcn_list_size *l)
{
    struct pg_params p = {.n = 0};

    pcn__pg_text(&p, l->practice);
    pcn__pg_int(&p, l->date);
    pcn__pg_int(&p, l->patients);
    return pcn__pg_exec(pg_of(s),
                        "INSERT INTO list_size (practice, date, patients) VALUES ($1, $2, $3) "
                        "ON CONFLICT (practice, date) DO UPDATE SET patients = $3",
                        &p, 1, NULL, "saving list size");
}

static enum pcn_err pg_list_size_at(struct pcn_store *s, const char *practice, int32_t date,
                                    int64_t *ret_patients, int32_t *ret_date)
{
    struct pg_params p = {.n = 0};
    PGresult *r = NULL;
    enum pcn_err rc;

    pcn__pg_text(&p, practice);
    pcn__pg_int(&p, date);
    rc = pcn__pg_exec(pg_of(s),
                      "SELECT patients, date FROM list_size WHERE practice = $1 AND date <= $2 "
                      "ORDER BY date DESC LIMIT 1",
                      &p, 0, &r, "reading list size");
    if (rc == PCN_OK && PQntuples(r) == 0)
        rc = pcn__store_fail(s, PCN_ENOTFOUND, "no list size for %s", practice);
    if (rc == PCN_OK) {
        *ret_patients = pcn__pg_col_int(r, 0, 0);
        if (ret_date)
            *ret_date = pcn__pg_col_date(r, 0, 1);
    }
    PQclear(r);
    return rc;
}

static enum pcn_err pg_put_list_band(struct pcn_store *s, const struct pcn_list_band *b)
{
    struct pg_params p = {.n = 0};
    char sex[2] = {b->sex, '\0'};

    pcn__pg_text(&p, b->practice);
    pcn__pg_int(&p, b->date);
    pcn__pg_text(&p, sex);
    pcn__pg_int(&p, b->age_from);
    pcn__pg_int(&p, b->patients);
    return pcn__pg_exec(pg_of(s),
                        "INSERT INTO list_band (practice, date, sex, age_from, patients) "
                        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (practice, date, sex, age_from) "
                        "DO UPDATE SET patients = $5",
                        &p, 1, NULL, "saving list size band");
}

static int band_row(const PGresult *r, int i, pcn__pg_any_fn fn, void *ud)
{
    const char *sex = pcn__pg_col_text(r, i, 2);
    struct pcn_list_band b = {
        .practice = pcn__pg_col_text(r, i, 0),
        .date = pcn__pg_col_date(r, i, 1),
        .sex = sex ? sex[0] : 'U',
        .age_from = (int)pcn__pg_col_int(r, i, 3),
        .patients = pcn__pg_col_int(r, i, 4),
    };
    return ((pcn_list_band_fn)fn)(&b, ud);
}

static enum pcn_err pg_each_list_band(struct pcn_store *s, const char *practice, int32_t date,
                                      pcn_list_band_fn fn, void *ud)
{
    struct pg_params p = {.n = 0};

    pcn__pg_text(&p, practice);
    pcn__pg_int(&p, date);
    return pcn__pg_walk(pg_of(s),
                        "SELECT practice, date, sex, age_from, patients FROM list_band "
                        "WHERE practice = $1 AND date = (SELECT MAX(date) FROM list_band "
                        "WHERE practice = $1 AND date <= $2::int) ORDER BY sex, age_from",
                        &p, band_row, (pcn__pg_any_fn)fn, ud, NULL, "listing list size bands");
}

static const struct pcn__store_registry_ops registry_ops = {
    .put_network = pg_put_network,
    .put_practice = pg_put_practice,
    .get_network = pg_get_network,
    .each_network = pg_each_network,
    .get_practice = pg_get_practice,
    .each_practice = pg_each_practice,
    .add_membership = pg_add_membership,
    .end_membership = pg_end_membership,
    .each_membership = pg_each_membership,
    .each_network_membership = pg_each_network_membership,
    .add_site = pg_add_site,
    .each_site = pg_each_site,
    .put_list_size = pg_put_list_size,
    .list_size_at = pg_list_size_at,
    .put_list_band = pg_put_list_band,
    .each_list_band = pg_each_list_band,
};

const struct pcn__store_impl pcn__pg_registry = {.domain = &pcn__store_registry,
                                                 .ops = &registry_ops};
