/*
 * bundle_read.c - the native CSV bundle reader: patients.csv first (so
 * every other record can be checked against the patients of the import),
 * then terms, events, medications, immunisations and encounters. Headers
 * may list the known columns in any order and omit optional ones; unknown
 * or repeated columns are an error. Empty fields are missing values.
 */
#include "ingest/bundle_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ingest/ingest_int.h"
#include "pcn/buf.h"
#include "pcn/csv.h"
#include "pcn/date.h"
#include "pcn/parse.h"
#include "pcn/validate.h"
#include "util/common.h"

/* One data row, as column values in canonical order (NULL when empty or absent). */
struct row {
    const char *v[PCN_BUNDLE_MAX_COLS];
};

struct table_reader {
    const struct pcn_bundle_table_def *def;
    size_t n_header;
    int map[PCN_CSV_MAX_FIELDS]; /* header position -> canonical column */
};

static enum pcn_err read_header(struct table_reader *tr, struct pcn_csv *csv,
                                struct pcn_error *reterr)
{
    unsigned seen = 0;
    enum pcn_err rc = pcn_csv_next(csv, reterr);

    if (rc == PCN_ENOTFOUND)
        return pcn_error_set(reterr, PCN_EPARSE, "%s:1: empty file (no header line)",
                             pcn_csv_name(csv));
    if (rc != PCN_OK)
        return rc;
    tr->n_header = pcn_csv_nfields(csv);
    for (size_t i = 0; i < tr->n_header; i++) {
        const char *name = pcn_csv_field(csv, i, NULL);
        size_t c = 0;
        while (c < tr->def->n_cols && strcmp(tr->def->cols[c], name) != 0)
            c++;
        if (c == tr->def->n_cols)
            return pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: unknown column '%s'",
                                 pcn_csv_name(csv), pcn_csv_line(csv), name);
        if (seen & (1u << c))
            return pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: column '%s' appears twice",
                                 pcn_csv_name(csv), pcn_csv_line(csv), name);
        seen |= 1u << c;
        tr->map[i] = (int)c;
    }
    for (size_t c = 0; c < tr->def->n_cols; c++) {
        if ((tr->def->required & (1u << c)) && !(seen & (1u << c)))
            return pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: missing column '%s'",
                                 pcn_csv_name(csv), pcn_csv_line(csv), tr->def->cols[c]);
    }
    return PCN_OK;
}

/* ---- field conversions; each fills *reterr naming the column ---- */

static enum pcn_err get_date(const struct row *r, const struct pcn_bundle_table_def *def, int col,
                             int32_t *ret, struct pcn_error *reterr)
{
    const char *s = r->v[col];

    *ret = PCN_DATE_NONE;
    if (!s)
        return PCN_OK;
    if (pcn_date_parse(s, strlen(s), ret) != PCN_OK)
        return pcn_error_set(reterr, PCN_EINVAL, "%s: '%s' is not a date (YYYY-MM-DD)",
                             def->cols[col], s);
    return PCN_OK;
}

static enum pcn_err get_num(const struct row *r, const struct pcn_bundle_table_def *def, int col,
                            int *ret_has, double *ret, struct pcn_error *reterr)
{
    const char *s = r->v[col];

    *ret_has = 0;
    *ret = 0;
    if (!s)
        return PCN_OK;
    if (pcn_parse_double(s, strlen(s), ret) != PCN_OK)
        return pcn_error_set(reterr, PCN_EINVAL, "%s: '%s' is not a number", def->cols[col], s);
    *ret_has = 1;
    return PCN_OK;
}

static enum pcn_err row_patient(struct pcn_importer *imp, const struct row *r,
                                struct pcn_error *reterr)
{
    const struct pcn_bundle_table_def *def = &pcn__bundle_tables[PCN_BUNDLE_PATIENTS];
    struct pcn_patient p = {
        .patient_id = r->v[0],
        .nhs_number = r->v[1],
        .family_name = r->v[2],
        .given_name = r->v[3],
        .ethnicity = r->v[6],
        .lsoa = r->v[8],
        .practice = r->v[9],
    };
    char postcode[9];
    enum pcn_err rc = get_date(r, def, 4, &p.date_of_birth, reterr);

    if (rc == PCN_OK)
        rc = get_date(r, def, 10, &p.registered_from, reterr);
    if (rc == PCN_OK)
        rc = get_date(r, def, 11, &p.registered_to, reterr);
    if (rc == PCN_OK)
        rc = get_date(r, def, 12, &p.date_of_death, reterr);
    if (rc != PCN_OK)
        return rc;
    if (r->v[5] && pcn_sex_parse(r->v[5], &p.sex) != PCN_OK)
        return pcn_error_set(reterr, PCN_EINVAL, "sex: '%s' is not one of U M F I", r->v[5]);
    if (r->v[7]) {
        if (pcn_postcode_normalise(r->v[7], strlen(r->v[7]), postcode) != PCN_OK)
            return pcn_error_set(reterr, PCN_EINVAL, "postcode: '%s' is not a UK postcode",
                                 r->v[7]);
        p.postcode = postcode;
    }
    return pcn__emit_patient(imp, &p, reterr);
}

static enum pcn_err row_event(struct pcn_importer *imp, const struct row *r,
                              struct pcn_error *reterr)
{
    const struct pcn_bundle_table_def *def = &pcn__bundle_tables[PCN_BUNDLE_EVENTS];
    struct pcn_event e = {
        .patient_id = r->v[0],
        .system = r->v[4],
        .code = r->v[5],
        .unit = r->v[7],
        .source = r->v[8],
        .orig_system = r->v[9],
        .orig_code = r->v[10],
    };
    enum pcn_err rc = get_date(r, def, 1, &e.date, reterr);

    if (rc == PCN_OK)
        rc = get_date(r, def, 2, &e.end_date, reterr);
    if (rc == PCN_OK)
        rc = get_num(r, def, 6, &e.has_value, &e.value, reterr);
    if (rc != PCN_OK)
        return rc;
    if (r->v[3] && pcn_event_kind_parse(r->v[3], &e.kind) != PCN_OK)
        return pcn_error_set(reterr, PCN_EINVAL, "kind: unknown event kind '%s'", r->v[3]);
    return pcn__emit_event(imp, &e, reterr);
}

static enum pcn_err row_medication(struct pcn_importer *imp, const struct row *r,
                                   struct pcn_error *reterr)
{
    const struct pcn_bundle_table_def *def = &pcn__bundle_tables[PCN_BUNDLE_MEDICATIONS];
    struct pcn_medication m = {
        .patient_id = r->v[0],
        .system = r->v[3],
        .code = r->v[4],
        .source = r->v[8],
    };
    enum pcn_err rc = get_date(r, def, 1, &m.start_date, reterr);
    int has_duration = 0;
    double duration = 0;

    if (rc == PCN_OK)
        rc = get_date(r, def, 2, &m.end_date, reterr);
    if (rc == PCN_OK)
        rc = get_num(r, def, 5, &m.has_quantity, &m.quantity, reterr);
    if (rc == PCN_OK)
        rc = get_num(r, def, 7, &has_duration, &duration, reterr);
    if (rc != PCN_OK)
        return rc;
    if (r->v[6] && pcn_course_parse(r->v[6], &m.course) != PCN_OK)
        return pcn_error_set(reterr, PCN_EINVAL,
                             "course: '%s' is not one of acute repeat repeat_dispensing", r->v[6]);
    if (has_duration && (duration < 1 || duration > 3660 || duration != (int32_t)duration))
        return pcn_error_set(reterr, PCN_EINVAL,
                             "duration_days: '%s' is not a whole number of days from 1 to 3660",
                             r->v[7]);
    m.duration_days = has_duration ? (int32_t)duration : 0;
    return pcn__emit_medication(imp, &m, reterr);
}

static enum pcn_err row_immunisation(struct pcn_importer *imp, const struct row *r,
                                     struct pcn_error *reterr)
{
    const struct pcn_bundle_table_def *def = &pcn__bundle_tables[PCN_BUNDLE_IMMUNISATIONS];
    struct pcn_immunisation i = {
        .patient_id = r->v[0],
        .system = r->v[2],
        .code = r->v[3],
        .source = r->v[4],
    };
    enum pcn_err rc = get_date(r, def, 1, &i.date, reterr);

    if (rc != PCN_OK)
        return rc;
    return pcn__emit_immunisation(imp, &i, reterr);
}

static enum pcn_err row_encounter(struct pcn_importer *imp, const struct row *r,
                                  struct pcn_error *reterr)
{
    const struct pcn_bundle_table_def *def = &pcn__bundle_tables[PCN_BUNDLE_ENCOUNTERS];
    struct pcn_encounter e = {
        .encounter_id = r->v[0],
        .patient_id = r->v[1],
        .system = r->v[4],
        .code = r->v[5],
        .encounter_class = r->v[6],
        .clinician = r->v[9],
        .site = r->v[10],
        .source = r->v[13],
    };
    enum pcn_err rc = get_date(r, def, 2, &e.date, reterr);

    if (rc == PCN_OK)
        rc = get_date(r, def, 3, &e.end_date, reterr);
    if (rc == PCN_OK)
        rc = get_date(r, def, 11, &e.booked_date, reterr);
    if (rc != PCN_OK)
        return rc;
    e.has_booked = e.booked_date != PCN_DATE_NONE;
    if (r->v[7] && pcn_contact_mode_parse(r->v[7], &e.mode) != PCN_OK)
        return pcn_error_set(reterr, PCN_EINVAL,
                             "mode: '%s' is not one of face_to_face telephone video home_visit",
                             r->v[7]);
    if (r->v[8] && pcn_encounter_role_parse(r->v[8], &e.role) != PCN_OK)
        return pcn_error_set(reterr, PCN_EINVAL, "role: unknown staff role '%s'", r->v[8]);
    if (r->v[12] && pcn_encounter_attendance_parse(r->v[12], &e.attendance) != PCN_OK)
        return pcn_error_set(reterr, PCN_EINVAL, "attendance: '%s' is not attended or dna",
                             r->v[12]);
    return pcn__emit_encounter(imp, &e, reterr);
}

static enum pcn_err row_term(struct pcn_importer *imp, const struct row *r,
                             struct pcn_error *reterr)
{
    struct pcn_term t = {.system = r->v[0], .code = r->v[1], .term = r->v[2]};

    return pcn__emit_term(imp, &t, reterr);
}

typedef enum pcn_err (*row_fn)(struct pcn_importer *imp, const struct row *r,
                               struct pcn_error *reterr);

static const row_fn row_fns[PCN_BUNDLE_N_TABLES] = {
    [PCN_BUNDLE_PATIENTS] = row_patient,
    [PCN_BUNDLE_TERMS] = row_term,
    [PCN_BUNDLE_EVENTS] = row_event,
    [PCN_BUNDLE_MEDICATIONS] = row_medication,
    [PCN_BUNDLE_IMMUNISATIONS] = row_immunisation,
    [PCN_BUNDLE_ENCOUNTERS] = row_encounter,
};

/* Convert and deliver the current CSV record; record-level problems go to the error budget. */
static enum pcn_err read_row(struct pcn_importer *imp, const struct table_reader *tr,
                             enum pcn_bundle_table table, struct pcn_csv *csv,
                             struct pcn_error *reterr)
{
    struct row r = {{NULL}};
    size_t n = pcn_csv_nfields(csv);
    char where[512];
    enum pcn_err rc;

    if (n != tr->n_header) {
        rc = pcn_error_set(reterr, PCN_EPARSE, "wrong column count: %zu fields, header has %zu", n,
                           tr->n_header);
    } else {
        for (size_t i = 0; i < n; i++) {
            size_t len;
            const char *s = pcn_csv_field(csv, i, &len);
            r.v[tr->map[i]] = len ? s : NULL;
        }
        rc = row_fns[table](imp, &r, reterr);
    }
    if (rc == PCN_OK)
        return PCN_OK;
    (void)snprintf(where, sizeof(where), "%s:%lu", pcn_csv_name(csv), pcn_csv_line(csv));
    return pcn__import_bad(imp, where, rc, reterr);
}

enum pcn_err pcn__import_bundle_csv(struct pcn_importer *imp, enum pcn_bundle_table table,
                                    struct pcn_csv *csv, struct pcn_error *reterr)
{
    struct table_reader tr = {.def = &pcn__bundle_tables[table]};
    unsigned long n_rows = 0;
    enum pcn_err rc = read_header(&tr, csv, reterr);

    while (rc == PCN_OK) {
        rc = pcn_csv_next(csv, reterr);
        if (rc != PCN_OK)
            break;
        imp->stats.rows_read++;
        rc = read_row(imp, &tr, table, csv, reterr);
        if ((++n_rows & 0xffff) == 0)
            pcn__import_progress(imp, pcn_csv_name(csv), pcn_csv_offset(csv), pcn_csv_size(csv));
    }
    imp->stats.bytes += (int64_t)pcn_csv_offset(csv);
    pcn__import_progress(imp, pcn_csv_name(csv), pcn_csv_offset(csv), pcn_csv_size(csv));
    return rc == PCN_ENOTFOUND ? PCN_OK : rc;
}

enum pcn_err pcn__import_bundle_dir(struct pcn_importer *imp, const char *dir,
                                    struct pcn_error *reterr)
{
    struct stat st;
    enum pcn_err rc = PCN_OK;

    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return pcn_error_set(reterr, PCN_EIO, "%s: not a directory", dir);
    for (int t = 0; t < PCN_BUNDLE_N_TABLES && rc == PCN_OK; t++) {
        struct pcn_buf path = PCN_BUF_INIT;
        struct pcn_csv *csv = NULL;
        rc = pcn_buf_addf(&path, "%s/%s", dir, pcn__bundle_tables[t].file);
        if (rc != PCN_OK) {
            rc = pcn_error_set(reterr, rc, "%s: path too long", dir);
        } else if (t != PCN_BUNDLE_PATIENTS && stat(path.buf, &st) != 0 && errno == ENOENT) {
            rc = PCN_OK; /* every table but patients is optional */
        } else {
            rc = pcn_csv_open(path.buf, &csv, reterr);
            if (rc == PCN_OK)
                rc = pcn__import_bundle_csv(imp, (enum pcn_bundle_table)t, csv, reterr);
        }
        pcn_csv_free(csv);
        pcn_buf_release(&path);
    }
    return rc;
}
