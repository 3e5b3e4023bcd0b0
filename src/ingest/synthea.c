/*
 * synthea.c - import of a Synthea CSV export directory: patients.csv first,
 * then conditions, observations, medications, immunizations, procedures,
 * encounters, careplans and allergies (each optional). Columns are found
 * by header name, so extra columns of other Synthea versions are ignored.
 * Synthea has no NHS numbers, UK postcodes or practices: those stay empty
 * (practice comes from opts.practice when given). LOINC observations are
 * mapped through loinc_map.c; other codes keep their system.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ingest/ingest_int.h"
#include "ingest/loinc_map.h"
#include "pcn/buf.h"
#include "pcn/csv.h"
#include "pcn/date.h"
#include "pcn/parse.h"
#include "util/common.h"

enum syn_col {
    C_ID,
    C_START,
    C_STOP,
    C_DATE,
    C_PATIENT,
    C_CODE,
    C_DESC,
    C_VALUE,
    C_UNITS,
    C_TYPE,
    C_CLASS,
    C_DISPENSES,
    C_BIRTH,
    C_DEATH,
    C_FIRST,
    C_LAST,
    C_GENDER,
    C_SYSTEM,
    C_PROVIDER,
    C_ORGANIZATION,
    N_COLS
};

static const char *const col_names[N_COLS] = {
    [C_ID] = "Id",
    [C_START] = "START",
    [C_STOP] = "STOP",
    [C_DATE] = "DATE",
    [C_PATIENT] = "PATIENT",
    [C_CODE] = "CODE",
    [C_DESC] = "DESCRIPTION",
    [C_VALUE] = "VALUE",
    [C_UNITS] = "UNITS",
    [C_TYPE] = "TYPE",
    [C_CLASS] = "ENCOUNTERCLASS",
    [C_DISPENSES] = "DISPENSES",
    [C_BIRTH] = "BIRTHDATE",
    [C_DEATH] = "DEATHDATE",
    [C_FIRST] = "FIRST",
    [C_LAST] = "LAST",
    [C_GENDER] = "GENDER",
    [C_SYSTEM] = "SYSTEM",
    [C_PROVIDER] = "PROVIDER",
    [C_ORGANIZATION] = "ORGANIZATION",
};

#define BIT(c) (1u << (c))

struct syn_row {
    struct pcn_csv *csv;
    long idx[N_COLS]; /* header position of each column, -1 if absent */
};

struct syn_file;
typedef enum pcn_err (*syn_row_fn)(struct pcn_importer *imp, const struct syn_row *r,
                                   const struct syn_file *f, struct pcn_error *reterr);

struct syn_file {
    const char *name;
    syn_row_fn fn;
    unsigned required;        /* BIT(c) of columns that must be present */
    enum pcn_event_kind kind; /* for event files */
};

/* Value of column c in the current row, NULL when absent or empty. */
static const char *fld(const struct syn_row *r, enum syn_col c)
{
    size_t len;
    const char *s;

    if (r->idx[c] < 0 || (size_t)r->idx[c] >= pcn_csv_nfields(r->csv))
        return NULL;
    s = pcn_csv_field(r->csv, (size_t)r->idx[c], &len);
    return len ? s : NULL;
}

static enum pcn_err get_date(const struct syn_row *r, enum syn_col c, bool is_required,
                             int32_t *ret, struct pcn_error *reterr)
{
    const char *s = fld(r, c);

    *ret = PCN_DATE_NONE;
    if (!s) {
        if (is_required)
            return pcn_error_set(reterr, PCN_EINVAL, "%s: missing", col_names[c]);
        return PCN_OK;
    }
    if (pcn_date_parse_iso(s, strlen(s), ret) != PCN_OK)
        return pcn_error_set(reterr, PCN_EINVAL, "%s: '%s' is not a date", col_names[c], s);
    return PCN_OK;
}

/* The event date column: DATE, or START in files (and versions) that have it. */
static enum syn_col date_col(const struct syn_row *r)
{
    return r->idx[C_DATE] >= 0 ? C_DATE : C_START;
}

static enum pcn_err syn_patient(struct pcn_importer *imp, const struct syn_row *r,
                                const struct syn_file *f, struct pcn_error *reterr)
{
    struct pcn_patient p = {
        .patient_id = fld(r, C_ID),
        .family_name = fld(r, C_LAST),
        .given_name = fld(r, C_FIRST),
        .practice = imp->opts.practice,
        .registered_from = PCN_DATE_NONE,
        .registered_to = PCN_DATE_NONE,
    };
    const char *g = fld(r, C_GENDER);
    enum pcn_err rc = get_date(r, C_BIRTH, true, &p.date_of_birth, reterr);

    (void)f;
    if (rc == PCN_OK)
        rc = get_date(r, C_DEATH, false, &p.date_of_death, reterr);
    if (rc != PCN_OK)
        return rc;
    if (g && pcn_sex_parse(g, &p.sex) != PCN_OK)
        return pcn_error_set(reterr, PCN_EINVAL, "GENDER: '%s' is not M or F", g);
    return pcn__emit_patient(imp, &p, reterr);
}

/* Synthea's SYSTEM column values ("SNOMED-CT", "RxNorm") in OpenPCN's names. */
static const char *system_name(const char *s, const char *dflt)
{
    if (!s)
        return dflt;
    if (strcmp(s, "SNOMED-CT") == 0 || strcmp(s, "SNOMED") == 0)
        return "snomed";
    if (strcmp(s, "RxNorm") == 0)
        return "rxnorm";
    if (strcmp(s, "LOINC") == 0)
        return "loinc";
    return s;
}

static enum pcn_err syn_event(struct pcn_importer *imp, const struct syn_row *r,
                              const struct syn_file *f, struct pcn_error *reterr)
{
    struct pcn_event e = {
        .patient_id = fld(r, C_PATIENT),
        .kind = f->kind,
        .system = system_name(fld(r, C_SYSTEM), "snomed"),
        .code = fld(r, C_CODE),
        .source = "synthea",
    };
    enum pcn_err rc = get_date(r, date_col(r), true, &e.date, reterr);

    if (rc == PCN_OK)
        rc = get_date(r, C_STOP, false, &e.end_date, reterr);
    if (rc != PCN_OK)
        return rc;
    return pcn__emit_coded(imp, &e, fld(r, C_DESC), reterr);
}

static enum pcn_err syn_observation(struct pcn_importer *imp, const struct syn_row *r,
                                    const struct syn_file *f, struct pcn_error *reterr)
{
    struct pcn_event e = {
        .patient_id = fld(r, C_PATIENT),
        .end_date = PCN_DATE_NONE,
        .kind = PCN_EVENT_OBSERVATION,
        .system = "loinc",
        .code = fld(r, C_CODE),
        .source = "synthea",
    };
    const char *value = fld(r, C_VALUE);
    const char *type = fld(r, C_TYPE);
    const char *value_text = NULL;
    enum pcn_err rc = get_date(r, C_DATE, true, &e.date, reterr);

    (void)f;
    if (rc != PCN_OK)
        return rc;
    if (value && (!type || strcmp(type, "numeric") == 0)) {
        if (pcn_parse_double(value, strlen(value), &e.value) != PCN_OK)
            return pcn_error_set(reterr, PCN_EINVAL, "VALUE: '%s' is not a number", value);
        e.has_value = 1;
        e.unit = fld(r, C_UNITS);
    } else {
        value_text = value;
    }
    return pcn__emit_loinc(imp, &e, value_text, fld(r, C_DESC), reterr);
}

static enum pcn_err syn_medication(struct pcn_importer *imp, const struct syn_row *r,
                                   const struct syn_file *f, struct pcn_error *reterr)
{
    struct pcn_medication m = {
        .patient_id = fld(r, C_PATIENT),
        .system = "rxnorm",
        .code = fld(r, C_CODE),
        .source = "synthea",
    };
    const char *n = fld(r, C_DISPENSES);
    const char *desc = fld(r, C_DESC);
    enum pcn_err rc = get_date(r, C_START, true, &m.start_date, reterr);

    (void)f;
    if (rc == PCN_OK)
        rc = get_date(r, C_STOP, false, &m.end_date, reterr);
    if (rc != PCN_OK)
        return rc;
    if (n) {
        if (pcn_parse_double(n, strlen(n), &m.quantity) != PCN_OK)
            return pcn_error_set(reterr, PCN_EINVAL, "DISPENSES: '%s' is not a number", n);
        m.has_quantity = 1;
    }
    if (desc && m.code) {
        struct pcn_term t = {m.system, m.code, desc};
        rc = pcn__emit_term(imp, &t, reterr);
    }
    if (rc == PCN_OK)
        rc = pcn__emit_medication(imp, &m, reterr);
    if (rc == PCN_OK && pcn__import_unmapped(imp, m.system) != PCN_OK)
        rc = pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    return rc;
}

static enum pcn_err syn_immunization(struct pcn_importer *imp, const struct syn_row *r,
                                     const struct syn_file *f, struct pcn_error *reterr)
{
    struct pcn_immunisation i = {
        .patient_id = fld(r, C_PATIENT),
        .system = "cvx",
        .code = fld(r, C_CODE),
        .source = "synthea",
    };
    const char *desc = fld(r, C_DESC);
    enum pcn_err rc = get_date(r, C_DATE, true, &i.date, reterr);

    (void)f;
    if (rc == PCN_OK && desc && i.code) {
        struct pcn_term t = {i.system, i.code, desc};
        rc = pcn__emit_term(imp, &t, reterr);
    }
    if (rc == PCN_OK)
        rc = pcn__emit_immunisation(imp, &i, reterr);
    if (rc == PCN_OK && pcn__import_unmapped(imp, i.system) != PCN_OK)
        rc = pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    return rc;
}

/* Synthea's encounter classes that are contacts with a clinician in a known mode. */
static enum pcn_contact_mode syn_mode(const char *cls)
{
    if (!cls)
        return PCN_MODE_UNKNOWN;
    if (strcmp(cls, "home") == 0)
        return PCN_MODE_HOME_VISIT;
    if (strcmp(cls, "ambulatory") == 0 || strcmp(cls, "wellness") == 0 ||
        strcmp(cls, "outpatient") == 0 || strcmp(cls, "urgentcare") == 0)
        return PCN_MODE_FACE_TO_FACE;
    return PCN_MODE_UNKNOWN; /* virtual (telephone or video), emergency, inpatient */
}

/*
 * An encounter took place (attended). Newer exports name the organisation
 * (ORGANIZATION: the site) and the clinician (PROVIDER); older ones only
 * the organisation, as PROVIDER.
 */
static enum pcn_err syn_encounter(struct pcn_importer *imp, const struct syn_row *r,
                                  const struct syn_file *f, struct pcn_error *reterr)
{
    int has_org = r->idx[C_ORGANIZATION] >= 0;
    struct pcn_encounter e = {
        .encounter_id = fld(r, C_ID),
        .patient_id = fld(r, C_PATIENT),
        .code = fld(r, C_CODE),
        .encounter_class = fld(r, C_CLASS),
        .mode = syn_mode(fld(r, C_CLASS)),
        .clinician = has_org ? fld(r, C_PROVIDER) : NULL,
        .site = has_org ? fld(r, C_ORGANIZATION) : fld(r, C_PROVIDER),
        .attendance = PCN_ENCOUNTER_ATTENDED,
        .source = "synthea",
    };
    const char *desc = fld(r, C_DESC);
    enum pcn_err rc = get_date(r, C_START, true, &e.date, reterr);

    (void)f;
    if (rc == PCN_OK)
        rc = get_date(r, C_STOP, false, &e.end_date, reterr);
    e.system = e.code ? "snomed" : NULL;
    if (rc == PCN_OK && desc && e.code) {
        struct pcn_term t = {e.system, e.code, desc};
        rc = pcn__emit_term(imp, &t, reterr);
    }
    if (rc == PCN_OK)
        rc = pcn__emit_encounter(imp, &e, reterr);
    return rc;
}

#define EVENT_COLS (BIT(C_PATIENT) | BIT(C_CODE))

static const struct syn_file syn_files[] = {
    {"patients.csv", syn_patient, BIT(C_ID) | BIT(C_BIRTH), PCN_EVENT_OTHER},
    {"conditions.csv", syn_event, EVENT_COLS | BIT(C_START), PCN_EVENT_CONDITION},
    {"observations.csv", syn_observation, EVENT_COLS | BIT(C_DATE), PCN_EVENT_OBSERVATION},
    {"medications.csv", syn_medication, EVENT_COLS | BIT(C_START), PCN_EVENT_OTHER},
    {"immunizations.csv", syn_immunization, EVENT_COLS | BIT(C_DATE), PCN_EVENT_OTHER},
    {"procedures.csv", syn_event, EVENT_COLS, PCN_EVENT_PROCEDURE},
    {"encounters.csv", syn_encounter, BIT(C_ID) | BIT(C_PATIENT) | BIT(C_START), PCN_EVENT_OTHER},
    {"careplans.csv", syn_event, EVENT_COLS | BIT(C_START), PCN_EVENT_CAREPLAN},
    {"allergies.csv", syn_event, EVENT_COLS | BIT(C_START), PCN_EVENT_ALLERGY},
};

static enum pcn_err read_header(struct syn_row *r, const struct syn_file *f,
                                struct pcn_error *reterr)
{
    enum pcn_err rc = pcn_csv_next(r->csv, reterr);

    if (rc == PCN_ENOTFOUND)
        return pcn_error_set(reterr, PCN_EPARSE, "%s:1: empty file (no header line)",
                             pcn_csv_name(r->csv));
    if (rc != PCN_OK)
        return rc;
    for (int c = 0; c < N_COLS; c++) {
        r->idx[c] = pcn_csv_find(r->csv, col_names[c]);
        if ((f->required & BIT(c)) && r->idx[c] < 0)
            return pcn_error_set(reterr, PCN_EPARSE, "%s:1: missing column '%s'",
                                 pcn_csv_name(r->csv), col_names[c]);
    }
    if (f->fn == syn_event && r->idx[C_DATE] < 0 && r->idx[C_START] < 0)
        return pcn_error_set(reterr, PCN_EPARSE, "%s:1: missing column 'DATE' or 'START'",
                             pcn_csv_name(r->csv));
    return PCN_OK;
}

static enum pcn_err read_file(struct pcn_importer *imp, const struct syn_file *f,
                              struct pcn_csv *csv, struct pcn_error *reterr)
{
    struct syn_row r = {.csv = csv};
    size_t n_header;
    char where[512];
    enum pcn_err rc = read_header(&r, f, reterr);

    n_header = pcn_csv_nfields(csv);
    while (rc == PCN_OK) {
        rc = pcn_csv_next(csv, reterr);
        if (rc != PCN_OK)
            break;
        imp->stats.rows_read++;
        if (pcn_csv_nfields(csv) != n_header)
            rc = pcn_error_set(reterr, PCN_EPARSE, "wrong column count: %zu fields, header has %zu",
                               pcn_csv_nfields(csv), n_header);
        else
            rc = f->fn(imp, &r, f, reterr);
        if (rc != PCN_OK) {
            (void)snprintf(where, sizeof(where), "%s:%lu", pcn_csv_name(csv), pcn_csv_line(csv));
            rc = pcn__import_bad(imp, where, rc, reterr);
        }
        if ((imp->stats.rows_read & 0xffff) == 0)
            pcn__import_progress(imp, pcn_csv_name(csv), pcn_csv_offset(csv), pcn_csv_size(csv));
    }
    imp->stats.bytes += (int64_t)pcn_csv_offset(csv);
    return rc == PCN_ENOTFOUND ? PCN_OK : rc;
}

enum pcn_err pcn__import_synthea_dir(struct pcn_importer *imp, const char *dir,
                                     struct pcn_error *reterr)
{
    struct stat st;
    enum pcn_err rc = PCN_OK;

    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return pcn_error_set(reterr, PCN_EIO, "%s: not a directory", dir);
    for (size_t i = 0; i < PCN_ARRAY_SIZE(syn_files) && rc == PCN_OK; i++) {
        struct pcn_buf path = PCN_BUF_INIT;
        struct pcn_csv *csv = NULL;
        rc = pcn_buf_addf(&path, "%s/%s", dir, syn_files[i].name);
        if (rc != PCN_OK) {
            rc = pcn_error_set(reterr, rc, "%s: path too long", dir);
        } else if (i > 0 && stat(path.buf, &st) != 0 && errno == ENOENT) {
            rc = PCN_OK;
        } else {
            rc = pcn_csv_open(path.buf, &csv, reterr);
            if (rc == PCN_OK)
                rc = read_file(imp, &syn_files[i], csv, reterr);
        }
        pcn_csv_free(csv);
        pcn_buf_release(&path);
    }
    return rc;
}
