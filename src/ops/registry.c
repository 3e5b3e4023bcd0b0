/*
 * registry.c - loading the NHS registry publications, moving practices and
 * checking the registry. An import reads the whole file inside one store
 * transaction: the first bad row stops it, names FILE:LINE, and rolls back
 * everything, so the database is either fully updated or untouched.
 */
#include "pcn/registry_ops.h"

#include <stdio.h>
#include <string.h>

#include "pcn/csv.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "pcn/parse.h"
#include "pcn/store_registry.h"
#include "pcn/validate.h"
#include "util/common.h"

/* Columns of the practice-to-PCN mapping that the import uses. */
enum map_col {
    MAP_EXTRACT_DATE,
    MAP_PRACTICE_CODE,
    MAP_PRACTICE_NAME,
    MAP_PRACTICE_POSTCODE,
    MAP_PCN_CODE,
    MAP_PCN_NAME,
    MAP_SUB_ICB_CODE,
    MAP_SUB_ICB_NAME,
    MAP_ICB_CODE,
    MAP_ICB_NAME,
    MAP_REGION_CODE,
    MAP_REGION_NAME,
    MAP_SUPPLIER,
    MAP_COL_COUNT_
};

static const char *const map_names[MAP_COL_COUNT_] = {
    "EXTRACT_DATE",  "PRACTICE_CODE", "PRACTICE_NAME",         "PRACTICE_POSTCODE",
    "PCN_CODE",      "PCN_NAME",      "SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_NAME",
    "ICB_CODE",      "ICB_NAME",      "COMM_REGION_CODE",      "COMM_REGION_NAME",
    "SUPPLIER_NAME",
};

enum list_col {
    LIST_EXTRACT_DATE,
    LIST_ORG_TYPE,
    LIST_ORG_CODE,
    LIST_SEX,
    LIST_AGE,
    LIST_COUNT,
    LIST_COL_COUNT_
};

static const char *const list_names[LIST_COL_COUNT_] = {
    "EXTRACT_DATE", "ORG_TYPE", "ORG_CODE", "SEX", "AGE_GROUP_5", "NUMBER_OF_PATIENTS",
};

/* The compact form in data/reference/list_bands.csv: practice,date,sex,a0,...,a95. */
enum band_col { BAND_DATE, BAND_PRACTICE, BAND_SEX, BAND_FIRST_AGE, BAND_COL_COUNT_ = 23 };

static const char *const band_names[BAND_COL_COUNT_] = {
    "date", "practice", "sex", "a0",  "a5",  "a10", "a15", "a20", "a25", "a30", "a35", "a40",
    "a45",  "a50",      "a55", "a60", "a65", "a70", "a75", "a80", "a85", "a90", "a95",
};

struct import_ctx {
    struct pcn_store *store;
    struct pcn_csv *csv;
    struct pcn_registry_import_summary *sum;
    struct pcn_error *err;
    size_t n_header;
    long cols[BAND_COL_COUNT_]; /* column index per needed field (the widest format) */
    struct pcn_strmap *totals;  /* compact bands: "practice date" -> patients */
    struct pcn_strmap *seen;    /* networks (mapping) or practices (list sizes) */
};

static enum pcn_err row_fail(struct import_ctx *c, const char *fmt, const char *value)
{
    return pcn_error_set(c->err, PCN_EINVAL, "%s:%lu: %s '%s'", pcn_csv_name(c->csv),
                         pcn_csv_line(c->csv), fmt, value);
}

static const char *col(struct import_ctx *c, int which)
{
    return pcn_csv_field(c->csv, (size_t)c->cols[which], NULL);
}

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

/* "01Jul2026" (mapping file) or "2026-07-01" (age file). */
static enum pcn_err parse_extract_date(const char *s, int32_t *ret)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int64_t d;
    int64_t y;

    if (pcn_date_parse(s, strlen(s), ret) == PCN_OK)
        return PCN_OK;
    if (strlen(s) != 9 || pcn_parse_range(s, 2, 1, 31, &d) != PCN_OK ||
        pcn_parse_range(s + 5, 4, 1900, 9999, &y) != PCN_OK)
        return PCN_EINVAL;
    for (int m = 0; m < 12; m++) {
        if (memcmp(s + 2, months[m], 3) == 0)
            return pcn_date_from_ymd((int)y, m + 1, (int)d, ret);
    }
    return PCN_EINVAL;
}

static bool header_has(struct pcn_csv *csv, const char *const *names, size_t n, long *cols)
{
    for (size_t i = 0; i < n; i++) {
        cols[i] = pcn_csv_find(csv, names[i]);
        if (cols[i] < 0)
            return false;
    }
    return true;
}

/* Bring the practice's membership in line with `network` (NULL: unallocated) from date. */
struct open_membership {
    char network[8];
    int32_t start;
    int32_t last_end; /* latest end date of a closed membership */
    bool is_open;
};

static int find_open(const struct pcn_membership *m, void *ud)
{
    struct open_membership *o = ud;

    if (m->end_date == PCN_DATE_NONE) {
        o->is_open = true;
        o->start = m->start_date;
        (void)snprintf(o->network, sizeof(o->network), "%s", m->network);
    } else if (m->end_date > o->last_end) {
        o->last_end = m->end_date;
    }
    return 0;
}

static enum pcn_err sync_membership(struct import_ctx *c, const char *practice, const char *network,
                                    int32_t date)
{
    struct open_membership o = {.last_end = PCN_DATE_NONE};
    struct pcn_membership m = {practice, network, date, PCN_DATE_NONE};
    enum pcn_err rc = pcn_store_each_membership(c->store, practice, find_open, &o);

    if (rc != PCN_OK)
        return rc;
    if (o.is_open && network && strcmp(o.network, network) == 0)
        return PCN_OK;
    if (o.is_open) {
        if (o.start >= date)
            return row_fail(c,
                            "practice changes network on or before its current membership "
                            "began; cannot record",
                            practice);
        rc = pcn_store_end_membership(c->store, practice, date - 1);
        if (rc != PCN_OK)
            return rc;
        c->sum->memberships_ended++;
    }
    if (!network)
        return PCN_OK;
    if (o.last_end != PCN_DATE_NONE && o.last_end >= date)
        return row_fail(c, "an earlier membership ends after this file's extract date for",
                        practice);
    rc = pcn_store_add_membership(c->store, &m);
    if (rc == PCN_OK)
        c->sum->memberships_added++;
    return rc;
}

static enum pcn_err mapping_row(struct import_ctx *c, int32_t date)
{
    const char *practice = col(c, MAP_PRACTICE_CODE);
    const char *pcn = col(c, MAP_PCN_CODE);
    const char *pc = col(c, MAP_PRACTICE_POSTCODE);
    char postcode[9];
    uint64_t dummy;
    int added = 0;
    bool unallocated = strcmp(pcn, "U") == 0;
    enum pcn_err rc;

    if (!pcn_ods_is_valid(PCN_ODS_PRACTICE, practice, strlen(practice)))
        return row_fail(c, "PRACTICE_CODE is not a practice ODS code:", practice);
    if (!unallocated && !pcn_ods_is_valid(PCN_ODS_PCN, pcn, strlen(pcn)))
        return row_fail(c, "PCN_CODE is not a PCN code (U + 5 digits, or U):", pcn);
    if (!*col(c, MAP_PRACTICE_NAME))
        return row_fail(c, "PRACTICE_NAME is empty for", practice);
    if (*pc && pcn_postcode_normalise(pc, strlen(pc), postcode) != PCN_OK)
        return row_fail(c, "PRACTICE_POSTCODE is not a UK postcode:", pc);
    if (!unallocated) {
        struct pcn_network n = {
            .code = pcn,
            .name = col(c, MAP_PCN_NAME),
            .sub_icb_code = nonempty(col(c, MAP_SUB_ICB_CODE)),
            .sub_icb_name = nonempty(col(c, MAP_SUB_ICB_NAME)),
            .icb_code = nonempty(col(c, MAP_ICB_CODE)),
            .icb_name = nonempty(col(c, MAP_ICB_NAME)),
            .region_code = nonempty(col(c, MAP_REGION_CODE)),
            .region_name = nonempty(col(c, MAP_REGION_NAME)),
        };
        if (pcn_strmap_intern(c->seen, pcn, strlen(pcn), 0, &dummy, &added) != PCN_OK)
            return PCN_ENOMEM;
        if (added) {
            rc = pcn_store_put_network(c->store, &n);
            if (rc != PCN_OK)
                return rc;
            c->sum->networks++;
        }
    } else {
        c->sum->unallocated++;
    }
    {
        struct pcn_practice p = {
            .code = practice,
            .name = col(c, MAP_PRACTICE_NAME),
            .postcode = *pc ? postcode : NULL,
            .sub_icb_code = nonempty(col(c, MAP_SUB_ICB_CODE)),
            .icb_code = nonempty(col(c, MAP_ICB_CODE)),
            .supplier = nonempty(col(c, MAP_SUPPLIER)),
        };
        rc = pcn_store_put_practice(c->store, &p);
    }
    if (rc != PCN_OK)
        return rc;
    c->sum->practices++;
    return sync_membership(c, practice, unallocated ? NULL : pcn, date);
}

static int remember_practice(const struct pcn_practice *p, void *ud)
{
    return pcn_strmap_put(ud, p->code, strlen(p->code), 1) != PCN_OK;
}

/* "0_4" .. "90_94" -> 0..90, "95+" -> 95. */
static enum pcn_err parse_age_band(const char *s, int *ret)
{
    int64_t from;
    const char *us = strchr(s, '_');

    if (strcmp(s, "95+") == 0) {
        *ret = 95;
        return PCN_OK;
    }
    if (!us || pcn_parse_range(s, (size_t)(us - s), 0, 90, &from) != PCN_OK || from % 5)
        return PCN_EINVAL;
    *ret = (int)from;
    return PCN_OK;
}

static enum pcn_err list_row(struct import_ctx *c, int32_t date)
{
    const char *org = col(c, LIST_ORG_CODE);
    const char *sex = col(c, LIST_SEX);
    const char *age = col(c, LIST_AGE);
    const char *n = col(c, LIST_COUNT);
    uint64_t known;
    int64_t patients;
    int age_from;

    if (strcmp(col(c, LIST_ORG_TYPE), "GP") != 0) {
        c->sum->skipped_other_org++;
        return PCN_OK;
    }
    if (!pcn_ods_is_valid(PCN_ODS_PRACTICE, org, strlen(org)))
        return row_fail(c, "ORG_CODE is not a practice ODS code:", org);
    if (pcn_parse_range(n, strlen(n), 0, 10000000, &patients) != PCN_OK)
        return row_fail(c, "NUMBER_OF_PATIENTS is not a count:", n);
    if (!pcn_strmap_get(c->seen, org, strlen(org), &known)) {
        c->sum->skipped_unknown_practice++;
        return PCN_OK;
    }
    if (strcmp(sex, "ALL") == 0 && strcmp(age, "ALL") == 0) {
        struct pcn_list_size l = {org, date, patients};
        c->sum->list_sizes++;
        return pcn_store_put_list_size(c->store, &l);
    }
    if (strcmp(age, "ALL") == 0 || strcmp(sex, "ALL") == 0)
        return PCN_OK; /* subtotals: derivable from the bands */
    if (strcmp(sex, "MALE") != 0 && strcmp(sex, "FEMALE") != 0)
        return row_fail(c, "SEX must be MALE, FEMALE or ALL, not", sex);
    if (parse_age_band(age, &age_from) != PCN_OK)
        return row_fail(c, "AGE_GROUP_5 is not a 5-year band:", age);
    {
        struct pcn_list_band b = {org, date, sex[0] == 'M' ? 'M' : 'F', age_from, patients};
        c->sum->list_bands++;
        return pcn_store_put_list_band(c->store, &b);
    }
}

/* One row of list_bands.csv: 20 bands of one sex, summed into the practice total. */
static enum pcn_err band_row(struct import_ctx *c, int32_t date)
{
    const char *org = col(c, BAND_PRACTICE);
    const char *sex = col(c, BAND_SEX);
    char key[32];
    uint64_t known;
    uint64_t total = 0;
    int added;
    int64_t sum = 0;
    enum pcn_err rc;

    if (!pcn_ods_is_valid(PCN_ODS_PRACTICE, org, strlen(org)))
        return row_fail(c, "practice is not a practice ODS code:", org);
    if (strcmp(sex, "M") != 0 && strcmp(sex, "F") != 0)
        return row_fail(c, "sex must be M or F, not", sex);
    if (!pcn_strmap_get(c->seen, org, strlen(org), &known)) {
        c->sum->skipped_unknown_practice++;
        return PCN_OK;
    }
    for (int i = 0; i < 20; i++) {
        const char *n = col(c, BAND_FIRST_AGE + i);
        struct pcn_list_band b = {org, date, sex[0], i * 5, 0};
        if (pcn_parse_range(n, strlen(n), 0, 10000000, &b.patients) != PCN_OK)
            return row_fail(c, "band count is not a number:", n);
        rc = pcn_store_put_list_band(c->store, &b);
        if (rc != PCN_OK)
            return rc;
        sum += b.patients;
        c->sum->list_bands++;
    }
    (void)snprintf(key, sizeof(key), "%s %d", org, (int)date);
    if (pcn_strmap_intern(c->totals, key, strlen(key), 0, &total, &added) != PCN_OK ||
        pcn_strmap_put(c->totals, key, strlen(key), total + (uint64_t)sum) != PCN_OK)
        return PCN_ENOMEM;
    return PCN_OK;
}

static int put_total(const char *key, size_t len, uint64_t value, void *ud)
{
    struct import_ctx *c = ud;
    char practice[8];
    int64_t date;
    const char *sp = memchr(key, ' ', len);
    struct pcn_list_size l = {practice, 0, (int64_t)value};

    if (!sp || (size_t)(sp - key) >= sizeof(practice) ||
        pcn_parse_i64(sp + 1, len - (size_t)(sp - key) - 1, &date) != PCN_OK)
        return 1;
    memcpy(practice, key, (size_t)(sp - key));
    practice[sp - key] = '\0';
    l.date = (int32_t)date;
    c->sum->list_sizes++;
    return pcn_store_put_list_size(c->store, &l) != PCN_OK;
}

static enum pcn_err import_header(struct import_ctx *c)
{
    enum pcn_err rc = pcn_csv_next(c->csv, c->err);

    if (rc == PCN_ENOTFOUND)
        return pcn_error_set(c->err, PCN_EINVAL, "%s: empty file", pcn_csv_name(c->csv));
    if (rc != PCN_OK)
        return rc;
    c->n_header = pcn_csv_nfields(c->csv);
    if (header_has(c->csv, map_names, MAP_COL_COUNT_, c->cols)) {
        c->sum->file = PCN_REGISTRY_FILE_MAPPING;
        return PCN_OK;
    }
    if (header_has(c->csv, list_names, LIST_COL_COUNT_, c->cols)) {
        c->sum->file = PCN_REGISTRY_FILE_LIST_SIZE;
        return pcn_store_each_practice(c->store, remember_practice, c->seen);
    }
    if (header_has(c->csv, band_names, BAND_COL_COUNT_, c->cols)) {
        c->sum->file = PCN_REGISTRY_FILE_LIST_BANDS;
        return pcn_store_each_practice(c->store, remember_practice, c->seen);
    }
    return pcn_error_set(c->err, PCN_EINVAL,
                         "%s:1: unknown header: expected the NHS practice-to-PCN mapping "
                         "(PRACTICE_CODE, PCN_CODE, ...) or registered patients by 5-year age "
                         "band (ORG_TYPE, ORG_CODE, SEX, AGE_GROUP_5, NUMBER_OF_PATIENTS) or its "
                         "compact form (practice, date, sex, a0, ..., a95)",
                         pcn_csv_name(c->csv));
}

static enum pcn_err import_rows(struct import_ctx *c)
{
    enum pcn_err rc;

    for (;;) {
        int32_t date;
        const char *ds;
        rc = pcn_csv_next(c->csv, c->err);
        if (rc == PCN_ENOTFOUND)
            return PCN_OK;
        if (rc != PCN_OK)
            return rc;
        c->sum->rows++;
        if (pcn_csv_nfields(c->csv) != c->n_header)
            return pcn_error_set(c->err, PCN_EINVAL, "%s:%lu: expected %zu columns, found %zu",
                                 pcn_csv_name(c->csv), pcn_csv_line(c->csv), c->n_header,
                                 pcn_csv_nfields(c->csv));
        ds = col(c, 0); /* the extract date is the first needed column in every format */
        if (parse_extract_date(ds, &date) != PCN_OK)
            return row_fail(c, "EXTRACT_DATE is not a date:", ds);
        if (c->sum->extract_date == PCN_DATE_NONE)
            c->sum->extract_date = date;
        if (c->sum->file == PCN_REGISTRY_FILE_MAPPING)
            rc = mapping_row(c, date);
        else if (c->sum->file == PCN_REGISTRY_FILE_LIST_SIZE)
            rc = list_row(c, date);
        else
            rc = band_row(c, date);
        if (rc != PCN_OK)
            return rc;
    }
}

enum pcn_err pcn_registry_import(struct pcn_store *s, const char *path,
                                 struct pcn_registry_import_summary *ret, struct pcn_error *reterr)
{
    struct pcn_registry_import_summary sum = {.extract_date = PCN_DATE_NONE};
    struct import_ctx c = {.store = s, .sum = &sum, .err = reterr};
    enum pcn_err rc;

    pcn_error_clear(reterr);
    rc = pcn_csv_open(path, &c.csv, reterr);
    if (rc != PCN_OK)
        return rc;
    c.seen = pcn_strmap_new();
    c.totals = pcn_strmap_new();
    if (!c.seen || !c.totals) {
        rc = pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
        goto out;
    }
    rc = pcn_store_begin(s);
    if (rc == PCN_OK)
        rc = import_header(&c);
    if (rc == PCN_OK)
        rc = import_rows(&c);
    if (rc == PCN_OK && pcn_strmap_foreach(c.totals, put_total, &c) != 0)
        rc = pcn_error_set(reterr, PCN_ESTORAGE, "%s: saving list sizes: %s", path,
                           pcn_store_errmsg(s));
    if (rc == PCN_OK)
        rc = pcn_store_commit(s);
    if (rc != PCN_OK) {
        pcn_store_rollback(s);
        if (reterr && !reterr->msg[0])
            pcn_error_set(reterr, rc, "%s:%lu: %s", path, pcn_csv_line(c.csv), pcn_store_errmsg(s));
        goto out;
    }
    *ret = sum;
out:
    pcn_strmap_free(c.totals);
    pcn_strmap_free(c.seen);
    pcn_csv_free(c.csv);
    return rc;
}
