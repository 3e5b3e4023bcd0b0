/*
 * asset_csv.c - the community asset directory as CSV (docs/formats.md,
 * "Community asset directory"): a header naming columns in any order, one
 * asset per row, every cell checked with "FILE:LINE: column 'x': ..."
 * messages. A read is all or nothing. The writer emits every column in the
 * documented order, so what it writes reads back to the same assets.
 */
#include "pcn/asset.h"

#include <stdio.h>
#include <string.h>

#include "pcn/buf.h"
#include "pcn/csv.h"
#include "pcn/date.h"
#include "pcn/geo.h"
#include "pcn/parse.h"
#include "pcn/validate.h"
#include "sp/sp_int.h"
#include "util/common.h"

enum col {
    COL_ID,
    COL_NAME,
    COL_ORGANISATION,
    COL_CATEGORIES,
    COL_DESCRIPTION,
    COL_ADDRESS,
    COL_POSTCODE,
    COL_LSOA,
    COL_LATITUDE,
    COL_LONGITUDE,
    COL_SESSIONS,
    COL_SESSIONS_NOTE,
    COL_COST,
    COL_COST_NOTE,
    COL_ACCESS,
    COL_MIN_AGE,
    COL_MAX_AGE,
    COL_CAPACITY,
    COL_PHONE,
    COL_EMAIL,
    COL_WEBSITE,
    COL_ROUTE,
    COL_ROUTE_NOTE,
    COL_LAST_VERIFIED,
    COL_ACTIVE,
    COL_COUNT_
};

static const char *const col_names[COL_COUNT_] = {
    "id",       "name",           "organisation", "categories",    "description",
    "address",  "postcode",       "lsoa",         "latitude",      "longitude",
    "sessions", "sessions_note",  "cost",         "cost_note",     "access",
    "min_age",  "max_age",        "capacity",     "phone",         "email",
    "website",  "referral_route", "route_note",   "last_verified", "active",
};

#define MAX_ROWS 100000

/* One read in progress: of a CSV file, or of one asset's named fields (csv NULL). */
struct reader {
    struct pcn_csv *csv;
    long at[COL_COUNT_];           /* field index of each column, -1 if absent */
    const char *field[COL_COUNT_]; /* without csv: each column's text, NULL if absent */
    const struct pcn_geo *geo;
    int32_t as_of;
    struct pcn_asset_import sum;
    struct pcn_error *err;
};

/* The cell of column c in the current row ("" when the file has no such column). */
static const char *cell(const struct reader *r, enum col c)
{
    if (!r->csv)
        return r->field[c] ? r->field[c] : "";
    if (r->at[c] < 0 || (size_t)r->at[c] >= pcn_csv_nfields(r->csv))
        return "";
    return pcn_csv_field(r->csv, (size_t)r->at[c], NULL);
}

/* Put "FILE:LINE: " (a file's row) before the message in r->err. */
static void where(struct reader *r)
{
    if (r->csv)
        pcn_error_prefix(r->err, "%s:%lu: ", pcn_csv_name(r->csv), pcn_csv_line(r->csv));
}

/* Fail the row: "FILE:LINE: column 'x': " + message already in r->err. */
static enum pcn_err cell_error(struct reader *r, enum col c, enum pcn_err rc)
{
    pcn_error_prefix(r->err, "column '%s': ", col_names[c]);
    where(r);
    r->err->code = rc;
    return rc;
}

static enum pcn_err bad(struct reader *r, enum col c, const char *what)
{
    pcn_error_set(r->err, PCN_EINVAL, "%s", what);
    return cell_error(r, c, PCN_EINVAL);
}

static enum pcn_err read_header(struct reader *r)
{
    size_t n = pcn_csv_nfields(r->csv);

    for (int c = 0; c < COL_COUNT_; c++)
        r->at[c] = pcn_csv_find(r->csv, col_names[c]);
    for (size_t i = 0; i < n; i++) {
        const char *h = pcn_csv_field(r->csv, i, NULL);
        bool known = false;
        for (int c = 0; c < COL_COUNT_ && !known; c++)
            known = strcmp(h, col_names[c]) == 0 && r->at[c] == (long)i;
        if (!known)
            return pcn_error_set(r->err, PCN_EPARSE,
                                 "%s:%lu: column '%.60s' is unknown or repeated (docs/formats.md "
                                 "lists the directory's columns)",
                                 pcn_csv_name(r->csv), pcn_csv_line(r->csv), h);
    }
    if (r->at[COL_NAME] < 0 || r->at[COL_CATEGORIES] < 0)
        return pcn_error_set(r->err, PCN_EPARSE, "%s:%lu: the header needs columns %s",
                             pcn_csv_name(r->csv), pcn_csv_line(r->csv),
                             r->at[COL_NAME] < 0 ? "'name' and 'categories'" : "'categories'");
    return PCN_OK;
}

/* An integer cell in [min, max]; "" gives dflt. */
static enum pcn_err int_cell(struct reader *r, enum col c, int64_t min, int64_t max, int64_t dflt,
                             int64_t *ret)
{
    const char *s = cell(r, c);

    if (!*s) {
        *ret = dflt;
        return PCN_OK;
    }
    if (pcn_parse_range(s, strlen(s), min, max, ret) != PCN_OK) {
        pcn_error_set(r->err, PCN_EINVAL, "'%.40s' is not a whole number from %lld to %lld", s,
                      (long long)min, (long long)max);
        return cell_error(r, c, PCN_EINVAL);
    }
    return PCN_OK;
}

/* Postcode, LSOA and position: given columns win; else the postcode table. */
static enum pcn_err read_place(struct reader *r, struct pcn_asset *a)
{
    const char *pc = cell(r, COL_POSTCODE);
    const char *lsoa = cell(r, COL_LSOA);
    const char *slat = cell(r, COL_LATITUDE);
    const char *slon = cell(r, COL_LONGITUDE);
    struct pcn_place place;

    if (*pc && pcn_postcode_normalise(pc, strlen(pc), a->postcode) != PCN_OK)
        return bad(r, COL_POSTCODE, "not a UK postcode");
    if (*lsoa && !pcn_lsoa_is_valid(lsoa))
        return bad(r, COL_LSOA, "not an English LSOA code (E01 and six digits)");
    if (!*slat != !*slon)
        return bad(r, *slat ? COL_LONGITUDE : COL_LATITUDE, "latitude and longitude go together");
    if (*slat) {
        if (pcn_parse_double(slat, strlen(slat), &a->lat) != PCN_OK || a->lat < 49 || a->lat > 61)
            return bad(r, COL_LATITUDE, "not a UK latitude (49 to 61)");
        if (pcn_parse_double(slon, strlen(slon), &a->lon) != PCN_OK || a->lon < -9 || a->lon > 3)
            return bad(r, COL_LONGITUDE, "not a UK longitude (-9 to 3)");
        a->has_position = 1;
    }
    (void)snprintf(a->lsoa, sizeof(a->lsoa), "%s", lsoa);
    if (!*pc) {
        r->sum.without_postcode++;
    } else if (r->geo && pcn_geo_postcode(r->geo, a->postcode, &place) == PCN_OK) {
        if (!a->lsoa[0])
            memcpy(a->lsoa, place.lsoa, sizeof(a->lsoa));
        if (!a->has_position) {
            a->lat = place.lat;
            a->lon = place.lon;
            a->has_position = 1;
        }
    } else if (!a->has_position) {
        r->sum.outside_coverage++;
    }
    if (a->has_position)
        r->sum.located++;
    return PCN_OK;
}

/* The enumerated and coded cells: categories, access, route, sessions, cost, active. */
static enum pcn_err read_codes(struct reader *r, struct pcn_asset *a)
{
    const char *s = cell(r, COL_CATEGORIES);

    if (pcn_asset_categories_parse(s, &a->categories, r->err) != PCN_OK)
        return cell_error(r, COL_CATEGORIES, PCN_EINVAL);
    if (pcn_asset_access_parse(cell(r, COL_ACCESS), &a->access, r->err) != PCN_OK)
        return cell_error(r, COL_ACCESS, PCN_EINVAL);
    s = cell(r, COL_ROUTE);
    if (*s && pcn_asset_route_parse(s, &a->route) != PCN_OK)
        return bad(r, COL_ROUTE, "expected drop_in, self_referral, link_worker or professional");
    enum pcn_err rc =
        pcn_sessions_parse(cell(r, COL_SESSIONS), a->sessions, &a->n_sessions, r->err);
    if (rc != PCN_OK)
        return cell_error(r, COL_SESSIONS, rc);
    if (pcn_cost_parse(cell(r, COL_COST), &a->cost_pence) != PCN_OK)
        return bad(r, COL_COST, "expected free, an amount like 3.50, or nothing for unknown");
    s = cell(r, COL_ACTIVE);
    if (!*s || !strcmp(s, "yes") || !strcmp(s, "1") || !strcmp(s, "true"))
        a->active = 1;
    else if (!strcmp(s, "no") || !strcmp(s, "0") || !strcmp(s, "false"))
        a->active = 0;
    else
        return bad(r, COL_ACTIVE, "expected yes or no");
    s = cell(r, COL_LAST_VERIFIED);
    if (*s && pcn_date_parse(s, strlen(s), &a->last_verified) != PCN_OK)
        return bad(r, COL_LAST_VERIFIED, "expected a date YYYY-MM-DD");
    return PCN_OK;
}

static enum pcn_err read_numbers(struct reader *r, struct pcn_asset *a)
{
    int64_t v = 0;
    enum pcn_err rc = int_cell(r, COL_ID, 1, INT64_MAX, 0, &a->id);

    if (rc == PCN_OK)
        rc = int_cell(r, COL_MIN_AGE, 0, 120, 0, &v);
    a->min_age = (int)v;
    if (rc == PCN_OK)
        rc = int_cell(r, COL_MAX_AGE, 0, 120, 120, &v);
    a->max_age = (int)v;
    if (rc == PCN_OK && a->min_age > a->max_age)
        return bad(r, COL_MAX_AGE, "the maximum age is below the minimum");
    if (rc == PCN_OK)
        rc = int_cell(r, COL_CAPACITY, 0, 100000, -1, &v);
    a->capacity = (int)v;
    return rc;
}

/* One data row into the directory; *ret (may be NULL) gets the stored copy. */
static enum pcn_err read_row(struct reader *r, struct pcn_directory *d,
                             const struct pcn_asset **ret)
{
    struct pcn_asset a;
    enum pcn_err rc;

    pcn_asset_init(&a);
    a.name = cell(r, COL_NAME);
    a.organisation = cell(r, COL_ORGANISATION);
    a.description = cell(r, COL_DESCRIPTION);
    a.address = cell(r, COL_ADDRESS);
    a.sessions_note = cell(r, COL_SESSIONS_NOTE);
    a.cost_note = cell(r, COL_COST_NOTE);
    a.phone = cell(r, COL_PHONE);
    a.email = cell(r, COL_EMAIL);
    a.website = cell(r, COL_WEBSITE);
    a.route_note = cell(r, COL_ROUTE_NOTE);
    rc = read_numbers(r, &a);
    if (rc == PCN_OK)
        rc = read_codes(r, &a);
    if (rc == PCN_OK)
        rc = read_place(r, &a);
    if (rc != PCN_OK)
        return rc;
    rc = pcn_directory_add(d, &a, ret, r->err);
    if (rc != PCN_OK) {
        /* The check names the field first ("email: ..."). */
        where(r);
        r->err->code = rc;
        return rc;
    }
    r->sum.rows++;
    if (pcn_asset_is_stale(&a, r->as_of))
        r->sum.stale++;
    return PCN_OK;
}

static enum pcn_err read_all(struct reader *r, struct pcn_directory *d)
{
    enum pcn_err rc = pcn_csv_next(r->csv, r->err);

    if (rc == PCN_ENOTFOUND)
        return pcn_error_set(r->err, PCN_EPARSE, "%s: empty file", pcn_csv_name(r->csv));
    if (rc == PCN_OK)
        rc = read_header(r);
    while (rc == PCN_OK) {
        rc = pcn_csv_next(r->csv, r->err);
        if (rc == PCN_ENOTFOUND)
            return PCN_OK;
        if (rc == PCN_OK && r->sum.rows >= MAX_ROWS)
            rc = pcn_error_set(r->err, PCN_ELIMIT, "%s:%lu: more than %d assets",
                               pcn_csv_name(r->csv), pcn_csv_line(r->csv), MAX_ROWS);
        if (rc == PCN_OK)
            rc = read_row(r, d, NULL);
    }
    return rc;
}

/* Run a read over an open CSV reader (taken over and freed). */
static enum pcn_err read_csv(struct pcn_directory *d, struct pcn_csv *csv,
                             const struct pcn_geo *geo, int32_t as_of, struct pcn_asset_import *ret,
                             struct pcn_error *reterr)
{
    struct pcn_error scratch = {0};
    struct reader r = {.csv = csv, .geo = geo, .as_of = as_of, .err = reterr ? reterr : &scratch};
    size_t mark = pcn__directory_mark(d);

    enum pcn_err rc = read_all(&r, d);
    if (rc != PCN_OK)
        pcn__directory_rollback(d, mark);
    else if (ret)
        *ret = r.sum;
    pcn_csv_free(csv);
    return rc;
}

enum pcn_err pcn_directory_read_csv(struct pcn_directory *d, const char *path,
                                    const struct pcn_geo *geo, int32_t as_of,
                                    struct pcn_asset_import *ret, struct pcn_error *reterr)
{
    struct pcn_csv *c = NULL;
    enum pcn_err rc = pcn_csv_open(path, &c, reterr);

    return rc == PCN_OK ? read_csv(d, c, geo, as_of, ret, reterr) : rc;
}

enum pcn_err pcn_directory_read_csv_mem(struct pcn_directory *d, const char *data, size_t len,
                                        const char *name, const struct pcn_geo *geo, int32_t as_of,
                                        struct pcn_asset_import *ret, struct pcn_error *reterr)
{
    struct pcn_csv *c = NULL;
    enum pcn_err rc = pcn_csv_new_mem(data, len, name, &c);

    if (rc != PCN_OK)
        return pcn_error_set(reterr, rc, "%s: out of memory", name);
    return read_csv(d, c, geo, as_of, ret, reterr);
}

enum pcn_err pcn_directory_add_fields(struct pcn_directory *d, const char *const *names,
                                      const char *const *values, size_t n,
                                      const struct pcn_geo *geo, int32_t as_of,
                                      const struct pcn_asset **ret, struct pcn_error *reterr)
{
    struct pcn_error scratch = {0};
    struct reader r = {.geo = geo, .as_of = as_of, .err = reterr ? reterr : &scratch};

    for (size_t i = 0; i < n; i++) {
        int c = 0;
        while (c < COL_COUNT_ && strcmp(names[i], col_names[c]) != 0)
            c++;
        if (c == COL_COUNT_ || r.field[c])
            return pcn_error_set(r.err, PCN_EINVAL,
                                 "field '%.60s' is unknown or repeated (the directory's "
                                 "columns are listed in docs/formats.md)",
                                 names[i]);
        r.field[c] = values[i];
    }
    if (!r.field[COL_NAME] || !r.field[COL_CATEGORIES])
        return pcn_error_set(r.err, PCN_EINVAL, "%s is required",
                             r.field[COL_NAME] ? "categories" : "name");
    return read_row(&r, d, ret);
}

enum pcn_err pcn_asset_csv_header(struct pcn_buf *out)
{
    for (int c = 0; c < COL_COUNT_; c++) {
        enum pcn_err rc = pcn_buf_addf(out, "%s%s", c ? "," : "", col_names[c]);
        if (rc != PCN_OK)
            return rc;
    }
    return pcn_buf_addch(out, '\n');
}

static enum pcn_err field(struct pcn_buf *out, const char *s, bool last)
{
    enum pcn_err rc = pcn_csv_write_field(out, s, strlen(s));

    return rc == PCN_OK ? pcn_buf_addch(out, last ? '\n' : ',') : rc;
}

/* Append a value written by fn(value, scratch) as one field. */
static enum pcn_err coded(struct pcn_buf *out, struct pcn_buf *tmp, enum pcn_err rc)
{
    if (rc == PCN_OK)
        rc = field(out, tmp->buf, false);
    pcn_buf_reset(tmp);
    return rc;
}

static enum pcn_err write_numbers(const struct pcn_asset *a, struct pcn_buf *out)
{
    char lat[32] = "", lon[32] = "";

    if (a->has_position) {
        (void)snprintf(lat, sizeof(lat), "%.6f", a->lat);
        (void)snprintf(lon, sizeof(lon), "%.6f", a->lon);
    }
    return pcn_buf_addf(out, "%s,%s,", lat, lon);
}

enum pcn_err pcn_asset_csv_row(const struct pcn_asset *a, struct pcn_buf *out)
{
    struct pcn_buf tmp = PCN_BUF_INIT;
    char date[PCN_DATE_STR_SIZE], cap[16] = "";
    enum pcn_err rc =
        a->id ? pcn_buf_addf(out, "%lld,", (long long)a->id) : pcn_buf_addch(out, ',');

    if (rc == PCN_OK)
        rc = field(out, a->name, false);
    if (rc == PCN_OK)
        rc = field(out, a->organisation, false);
    if (rc == PCN_OK)
        rc = coded(out, &tmp, pcn_asset_categories_format(a->categories, &tmp));
    if (rc == PCN_OK)
        rc = field(out, a->description, false);
    if (rc == PCN_OK)
        rc = field(out, a->address, false);
    if (rc == PCN_OK)
        rc = pcn_buf_addf(out, "%s,%s,", a->postcode, a->lsoa);
    if (rc == PCN_OK)
        rc = write_numbers(a, out);
    if (rc == PCN_OK)
        rc = coded(out, &tmp, pcn_sessions_format(a->sessions, a->n_sessions, &tmp));
    if (rc == PCN_OK)
        rc = field(out, a->sessions_note, false);
    if (rc == PCN_OK)
        rc = coded(out, &tmp, pcn_cost_format(a->cost_pence, &tmp));
    if (rc == PCN_OK)
        rc = field(out, a->cost_note, false);
    if (rc == PCN_OK)
        rc = coded(out, &tmp, pcn_asset_access_format(a->access, &tmp));
    if (a->capacity >= 0)
        (void)snprintf(cap, sizeof(cap), "%d", a->capacity);
    if (rc == PCN_OK)
        rc = pcn_buf_addf(out, "%d,%d,%s,", a->min_age, a->max_age, cap);
    if (rc == PCN_OK)
        rc = field(out, a->phone, false);
    if (rc == PCN_OK)
        rc = field(out, a->email, false);
    if (rc == PCN_OK)
        rc = field(out, a->website, false);
    if (rc == PCN_OK)
        rc = pcn_buf_addf(out, "%s,", pcn_asset_route_name(a->route));
    if (rc == PCN_OK)
        rc = field(out, a->route_note, false);
    pcn_date_format(a->last_verified, date);
    if (rc == PCN_OK)
        rc = pcn_buf_addf(out, "%s,%s\n", date, a->active ? "yes" : "no");
    pcn_buf_release(&tmp);
    return rc;
}

enum pcn_err pcn_directory_write_csv(const struct pcn_directory *d, struct pcn_buf *out)
{
    enum pcn_err rc = pcn_asset_csv_header(out);

    for (size_t i = 0; rc == PCN_OK && i < pcn_directory_count(d); i++)
        rc = pcn_asset_csv_row(pcn_directory_at(d, i), out);
    return rc;
}
