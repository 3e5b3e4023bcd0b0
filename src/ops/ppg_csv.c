/*
 * ppg_csv.c - a group's members from CSV (a file, or any reader) (docs/formats.md, "PPG
 * members"): a header naming the columns (any order, any subset but name;
 * unknown columns refused), one member per row. Blank demographic facts
 * are "not stated"; a bad value stops the import with FILE:LINE, the
 * column and what is allowed, and the caller rolls the transaction back,
 * so a file goes in whole or not at all.
 */
#include "pcn/ppg_ops.h"

#include <stdio.h>
#include <string.h>

#include "pcn/csv.h"
#include "pcn/date.h"
#include "util/common.h"

enum column {
    COL_NAME,
    COL_EMAIL,
    COL_PHONE,
    COL_CONSENT,
    COL_ROLE,
    COL_AGE,
    COL_SEX,
    COL_ETH,
    COL_DISTRICT,
    COL_QUINTILE,
    COL_CARER,
    COL_DISABILITY,
    COL_LTC,
    COL_JOINED,
    COL_LEFT,
    COL_COUNT
};

static const char *const column_names[COL_COUNT] = {"name",
                                                    "email",
                                                    "phone",
                                                    "consent",
                                                    "role",
                                                    "age_band",
                                                    "sex",
                                                    "ethnic_group",
                                                    "postcode_district",
                                                    "deprivation_quintile",
                                                    "carer",
                                                    "disability",
                                                    "long_term_condition",
                                                    "joined",
                                                    "left"};

/* The vocabulary of a coded column, or -1. */
static int vocab_of(enum column c)
{
    switch (c) {
    case COL_CONSENT:
    case COL_CARER:
    case COL_DISABILITY:
    case COL_LTC:
        return PCN_PPG_V_YESNO;
    case COL_ROLE:
        return PCN_PPG_V_ROLE;
    case COL_AGE:
        return PCN_PPG_V_AGE;
    case COL_SEX:
        return PCN_PPG_V_SEX;
    case COL_ETH:
        return PCN_PPG_V_ETH;
    default:
        return -1;
    }
}

struct reader {
    struct pcn_csv *csv;
    long at[COL_COUNT]; /* field index of each column, -1 when absent */
};

static enum pcn_err read_header(struct reader *r, struct pcn_error *reterr)
{
    enum pcn_err rc = pcn_csv_next(r->csv, reterr);

    if (rc == PCN_ENOTFOUND)
        return pcn_error_set(reterr, PCN_EPARSE, "%s: empty file (a header is required)",
                             pcn_csv_name(r->csv));
    if (rc != PCN_OK)
        return rc;
    for (int c = 0; c < COL_COUNT; c++)
        r->at[c] = pcn_csv_find(r->csv, column_names[c]);
    for (size_t i = 0; i < pcn_csv_nfields(r->csv); i++) {
        const char *h = pcn_csv_field(r->csv, i, NULL);
        bool known = false;
        for (int c = 0; c < COL_COUNT; c++)
            known |= strcmp(h, column_names[c]) == 0;
        if (!known)
            return pcn_error_set(reterr, PCN_EPARSE, "%s:1: unknown column '%.40s'",
                                 pcn_csv_name(r->csv), h);
    }
    if (r->at[COL_NAME] < 0)
        return pcn_error_set(reterr, PCN_EPARSE, "%s:1: the header needs a 'name' column",
                             pcn_csv_name(r->csv));
    return PCN_OK;
}

/* Field of column c in the current row ("" when absent). */
static const char *field(const struct reader *r, enum column c, size_t *ret_len)
{
    if (r->at[c] < 0 || (size_t)r->at[c] >= pcn_csv_nfields(r->csv)) {
        *ret_len = 0;
        return "";
    }
    return pcn_csv_field(r->csv, (size_t)r->at[c], ret_len);
}

static enum pcn_err bad(const struct reader *r, enum column c, const char *why,
                        struct pcn_error *reterr)
{
    size_t len = 0;
    const char *v = field(r, c, &len);

    return pcn_error_set(reterr, PCN_EINVAL, "%s:%lu: %s: '%.40s' %s", pcn_csv_name(r->csv),
                         pcn_csv_line(r->csv), column_names[c], v, why);
}

static enum pcn_err coded(const struct reader *r, enum column c, int *ret, struct pcn_error *e)
{
    size_t len = 0;
    const char *v = field(r, c, &len);
    char allowed[200], why[260];

    if (pcn_ppg_parse((enum pcn_ppg_vocab)vocab_of(c), v, len, ret) == PCN_OK)
        return PCN_OK;
    pcn_ppg_codes((enum pcn_ppg_vocab)vocab_of(c), allowed, sizeof(allowed));
    (void)snprintf(why, sizeof(why), "is not one of: %s (or blank)", allowed);
    return bad(r, c, why, e);
}

static enum pcn_err dated(const struct reader *r, enum column c, int32_t def, int32_t *ret,
                          struct pcn_error *e)
{
    size_t len = 0;
    const char *v = field(r, c, &len);

    *ret = def;
    if (len == 0 || pcn_date_parse(v, len, ret) == PCN_OK)
        return PCN_OK;
    return bad(r, c, "is not a date (YYYY-MM-DD)", e);
}

/* The coded and dated columns of one row into m. */
static enum pcn_err row_facts(const struct reader *r, struct pcn_ppg_member *m, int32_t joined,
                              struct pcn_error *e)
{
    int v[COL_COUNT] = {0};
    enum pcn_err rc = PCN_OK;

    v[COL_ROLE] = PCN_PPG_ROLE_MEMBER;
    for (int c = 0; rc == PCN_OK && c < COL_COUNT; c++) {
        size_t len = 0;
        if (vocab_of((enum column)c) < 0)
            continue;
        (void)field(r, (enum column)c, &len);
        if (c == COL_ROLE && len == 0)
            continue; /* blank: an ordinary member */
        rc = coded(r, (enum column)c, &v[c], e);
    }
    m->consent = v[COL_CONSENT] == PCN_PPG_YES;
    m->role = (enum pcn_ppg_role)v[COL_ROLE];
    m->age = (enum pcn_ppg_age)v[COL_AGE];
    m->sex = (enum pcn_ppg_sex)v[COL_SEX];
    m->eth = (enum pcn_ppg_eth)v[COL_ETH];
    m->carer = (enum pcn_ppg_yesno)v[COL_CARER];
    m->disability = (enum pcn_ppg_yesno)v[COL_DISABILITY];
    m->ltc = (enum pcn_ppg_yesno)v[COL_LTC];
    if (rc == PCN_OK)
        rc = dated(r, COL_JOINED, joined, &m->joined, e);
    if (rc == PCN_OK)
        rc = dated(r, COL_LEFT, PCN_DATE_NONE, &m->left, e);
    return rc;
}

static enum pcn_err row_member(const struct reader *r, int64_t group_id, int32_t joined,
                               struct pcn_ppg_member *m, char *district, struct pcn_error *e)
{
    size_t len = 0;
    const char *v;
    enum pcn_err rc;

    *m = (struct pcn_ppg_member){.group_id = group_id, .withdrawn = PCN_DATE_NONE};
    district[0] = '\0'; /* blank unless the row reaches its district */
    m->name = field(r, COL_NAME, &len);
    m->email = field(r, COL_EMAIL, &len);
    m->phone = field(r, COL_PHONE, &len);
    rc = row_facts(r, m, joined, e);
    v = field(r, COL_DISTRICT, &len);
    if (rc == PCN_OK && pcn_ppg_district_parse(v, len, district) != PCN_OK)
        rc = bad(r, COL_DISTRICT, "is not a postcode district (e.g. TS18)", e);
    m->district = district[0] ? district : NULL;
    v = field(r, COL_QUINTILE, &len);
    if (rc == PCN_OK && pcn_ppg_quintile_parse(v, len, &m->quintile) != PCN_OK)
        rc = bad(r, COL_QUINTILE, "is not a quintile 1-5 (or blank)", e);
    return rc;
}

enum pcn_err pcn_ppg_read_members(struct pcn_csv *csv, int64_t group_id, int32_t joined,
                                  pcn_ppg_member_row_fn fn, void *ud, struct pcn_error *reterr)
{
    struct reader r = {csv, {0}};
    enum pcn_err rc = read_header(&r, reterr);

    while (rc == PCN_OK) {
        struct pcn_ppg_member m;
        char district[PCN_PPG_DISTRICT_SIZE];
        struct pcn_error e = {0};
        rc = pcn_csv_next(csv, reterr);
        if (rc == PCN_ENOTFOUND)
            return PCN_OK;
        if (rc == PCN_OK)
            rc = row_member(&r, group_id, joined, &m, district, reterr);
        if (rc == PCN_OK) {
            rc = fn(ud, &m, &e);
            if (rc != PCN_OK)
                (void)pcn_error_set(reterr, rc, "%s:%lu: %s", pcn_csv_name(csv), pcn_csv_line(csv),
                                    e.msg);
        }
    }
    return rc;
}

struct import {
    struct pcn_store *s;
    const struct pcn_ppg_scope *sc;
    int64_t added;
};

static enum pcn_err save_row(void *ud, struct pcn_ppg_member *m, struct pcn_error *reterr)
{
    struct import *im = ud;
    enum pcn_err rc = pcn_ppg_save_member(im->s, im->sc, m, reterr);

    im->added += rc == PCN_OK;
    return rc;
}

enum pcn_err pcn_ppg_import_members(struct pcn_store *s, const struct pcn_ppg_scope *sc,
                                    int64_t group_id, const char *path, int32_t joined,
                                    int64_t *ret_added, struct pcn_error *reterr)
{
    struct import im = {s, sc, 0};
    struct pcn_csv *csv = NULL;
    enum pcn_err rc = pcn_csv_open(path, &csv, reterr);

    if (rc == PCN_OK)
        rc = pcn_ppg_read_members(csv, group_id, joined, save_row, &im, reterr);
    pcn_csv_free(csv);
    if (rc == PCN_OK && ret_added)
        *ret_added = im.added;
    return rc;
}
