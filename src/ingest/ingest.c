/*
 * ingest.c - the import driver: importer lifecycle, record validation
 * shared by every format (required fields, NHS number check digits,
 * postcodes, references to patients of the same import), the error budget
 * (max_errors) and the summary counters. Parsers live in bundle_read.c,
 * synthea.c and fhir.c and deliver records through pcn__emit_*().
 */
#include "pcn/ingest.h"

#include <stdio.h>
#include <string.h>

#include "ingest/ingest_int.h"
#include "pcn/alloc.h"
#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "pcn/validate.h"
#include "util/common.h"

enum pcn_err pcn_import_format_parse(const char *s, enum pcn_import_format *ret)
{
    if (strcmp(s, "csv") == 0)
        *ret = PCN_IMPORT_CSV;
    else if (strcmp(s, "synthea") == 0)
        *ret = PCN_IMPORT_SYNTHEA;
    else if (strcmp(s, "fhir") == 0)
        *ret = PCN_IMPORT_FHIR;
    else
        return PCN_EINVAL;
    return PCN_OK;
}

enum pcn_err pcn_importer_new(const struct pcn_import_opts *opts, const struct pcn_sink *sink,
                              struct pcn_importer **ret)
{
    struct pcn_importer *imp = NULL;

    if (!opts || !sink || !sink->ops || !ret || opts->max_errors < 0)
        return PCN_EINVAL;
    imp = pcn_calloc(1, sizeof(*imp));
    if (!imp)
        return PCN_ENOMEM;
    imp->opts = *opts;
    imp->sink = sink;
    imp->patients = pcn_strmap_new();
    imp->nhs = pcn_strmap_new();
    imp->warnings = pcn_strmap_new();
    imp->terms = pcn_strmap_new();
    imp->skipped = pcn_strmap_new();
    imp->unmapped = pcn_strmap_new();
    if (opts->practice)
        imp->practice = pcn_strdup(opts->practice);
    imp->opts.practice = imp->practice;
    if (!imp->patients || !imp->nhs || !imp->warnings || !imp->terms || !imp->skipped ||
        !imp->unmapped || (opts->practice && !imp->practice)) {
        pcn_importer_free(imp);
        return PCN_ENOMEM;
    }
    *ret = imp;
    return PCN_OK;
}

void pcn_importer_free(struct pcn_importer *imp)
{
    if (!imp)
        return;
    pcn_strmap_free(imp->patients);
    pcn_strmap_free(imp->nhs);
    pcn_strmap_free(imp->warnings);
    pcn_strmap_free(imp->terms);
    pcn_strmap_free(imp->skipped);
    pcn_strmap_free(imp->unmapped);
    pcn_free(imp->practice);
    pcn_free(imp);
}

enum pcn_err pcn_importer_run(struct pcn_importer *imp, const char *const *paths, size_t n_paths,
                              struct pcn_error *reterr)
{
    if (!imp || !paths || n_paths == 0)
        return pcn_error_set(reterr, PCN_EINVAL, "no input path given");
    if (imp->opts.practice &&
        !pcn_ods_is_valid(PCN_ODS_PRACTICE, imp->opts.practice, strlen(imp->opts.practice)))
        return pcn_error_set(reterr, PCN_EINVAL, "practice: '%s' is not a practice ODS code",
                             imp->opts.practice);
    switch (imp->opts.format) {
    case PCN_IMPORT_CSV:
    case PCN_IMPORT_SYNTHEA:
        if (n_paths != 1)
            return pcn_error_set(reterr, PCN_EINVAL, "the %s format takes one directory",
                                 imp->opts.format == PCN_IMPORT_CSV ? "csv" : "synthea");
        if (imp->opts.format == PCN_IMPORT_CSV)
            return pcn__import_bundle_dir(imp, paths[0], reterr);
        return pcn__import_synthea_dir(imp, paths[0], reterr);
    case PCN_IMPORT_FHIR:
        return pcn__import_fhir_paths(imp, paths, n_paths, reterr);
    }
    return pcn_error_set(reterr, PCN_EINVAL, "unknown import format");
}

const struct pcn_import_stats *pcn_importer_stats(const struct pcn_importer *imp)
{
    return &imp->stats;
}

void pcn_importer_set_replaced(struct pcn_importer *imp, int64_t patients, int64_t records)
{
    imp->stats.patients_replaced = patients;
    imp->stats.records_removed = records;
}

/* ---- counters ---- */

static enum pcn_err count_in(struct pcn_strmap *m, const char *key)
{
    uint64_t n = 0;

    (void)pcn_strmap_get(m, key, strlen(key), &n);
    return pcn_strmap_put(m, key, strlen(key), n + 1);
}

enum pcn_err pcn__import_skip(struct pcn_importer *imp, const char *reason)
{
    imp->stats.skipped++;
    return count_in(imp->skipped, reason);
}

enum pcn_err pcn__import_unmapped(struct pcn_importer *imp, const char *system)
{
    return count_in(imp->unmapped, system ? system : "(none)");
}

void pcn__import_progress(struct pcn_importer *imp, const char *file, unsigned long long done,
                          unsigned long long total)
{
    if (imp->opts.progress)
        imp->opts.progress(imp->opts.ud, file, done, total);
}

enum pcn_err pcn__import_bad(struct pcn_importer *imp, const char *where, enum pcn_err rc,
                             struct pcn_error *err)
{
    if (!pcn__is_record_error(rc) || imp->n_errors >= imp->opts.max_errors) {
        if (imp->opts.max_errors > 0 && pcn__is_record_error(rc))
            pcn_error_prefix(err, "%s: more than %ld bad records; last: ", where,
                             imp->opts.max_errors);
        else
            pcn_error_prefix(err, "%s: ", where);
        err->code = rc;
        return rc;
    }
    imp->n_errors++;
    imp->stats.rejected++;
    if (imp->opts.reject)
        imp->opts.reject(imp->opts.ud, where, err->msg);
    return PCN_OK;
}

bool pcn__import_has_patient(const struct pcn_importer *imp, const char *patient_id)
{
    uint64_t v;

    return patient_id && pcn_strmap_get(imp->patients, patient_id, strlen(patient_id), &v);
}

/* ---- validation and delivery ---- */

/* imp->patients keeps each patient's date of birth, biased to be positive (and never 0). */
#define DOB_BIAS ((int64_t)1 << 40)

/* An NHS ethnic category code: A..S without I, O and Q, or Z (not stated). */
static bool is_ethnic_category(const char *s)
{
    return s[0] && !s[1] && strchr("ABCDEFGHJKLMNPRSZ", s[0]) != NULL;
}

/* An LSOA (2011/2021) code: E01 (England) or W01 (Wales) and six digits. */
static bool is_lsoa(const char *s)
{
    if (strlen(s) != 9 || (s[0] != 'E' && s[0] != 'W') || s[1] != '0' || s[2] != '1')
        return false;
    for (size_t i = 3; i < 9; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

static bool is_set(const char *s)
{
    return s && *s;
}

/*
 * Clinical data that is odd but plausibly real (a date typed wrong in the
 * source system) is imported and counted by reason for the summary: a
 * record dated before its patient's birth or after today. kind names the
 * record ("event", "medication", "immunisation").
 */
static enum pcn_err check_plausible(struct pcn_importer *imp, const char *kind,
                                    const char *patient_id, int32_t date)
{
    char reason[64];
    uint64_t dob = 0;

    if (date == PCN_DATE_NONE)
        return PCN_OK;
    (void)pcn_strmap_get(imp->patients, patient_id, strlen(patient_id), &dob);
    if (dob && date < (int64_t)dob - DOB_BIAS)
        (void)snprintf(reason, sizeof(reason), "%s dated before the patient's birth", kind);
    else if (date > pcn_date_today())
        (void)snprintf(reason, sizeof(reason), "%s dated in the future", kind);
    else
        return PCN_OK;
    imp->stats.warnings++;
    return count_in(imp->warnings, reason);
}

static enum pcn_err check_patient_ref(struct pcn_importer *imp, const char *patient_id,
                                      struct pcn_error *reterr)
{
    if (!is_set(patient_id))
        return pcn_error_set(reterr, PCN_EINVAL, "patient_id: missing");
    if (!pcn__import_has_patient(imp, patient_id))
        return pcn_error_set(reterr, PCN_EINVAL, "patient_id: '%s' is not a patient of this import",
                             patient_id);
    return PCN_OK;
}

static enum pcn_err check_code(const char *system, const char *code, struct pcn_error *reterr)
{
    if (!is_set(system))
        return pcn_error_set(reterr, PCN_EINVAL, "system: missing");
    if (!is_set(code))
        return pcn_error_set(reterr, PCN_EINVAL, "code: missing");
    return PCN_OK;
}

static enum pcn_err check_dates(int32_t start, int32_t end, const char *start_name,
                                struct pcn_error *reterr)
{
    if (start == PCN_DATE_NONE)
        return pcn_error_set(reterr, PCN_EINVAL, "%s: missing", start_name);
    if (end != PCN_DATE_NONE && end < start)
        return pcn_error_set(reterr, PCN_EINVAL, "end date before %s", start_name);
    return PCN_OK;
}

/* Check a patient; the normalised NHS number (or "") goes to norm. */
static enum pcn_err check_patient(const struct pcn_patient *p, char norm[11],
                                  struct pcn_error *reterr)
{
    norm[0] = 0;

    if (!is_set(p->patient_id))
        return pcn_error_set(reterr, PCN_EINVAL, "patient_id: missing");
    if (is_set(p->nhs_number) &&
        pcn_nhs_number_normalise(p->nhs_number, strlen(p->nhs_number), norm, reterr) != PCN_OK) {
        pcn_error_prefix(reterr, "nhs_number: ");
        return PCN_EINVAL;
    }
    if (norm[0] && strcmp(norm, "0000000000") == 0)
        return pcn_error_set(reterr, PCN_EINVAL, "nhs_number: 0000000000 is no one's");
    if (p->date_of_birth == PCN_DATE_NONE)
        return pcn_error_set(reterr, PCN_EINVAL, "date_of_birth: missing");
    if (p->date_of_birth > pcn_date_today())
        return pcn_error_set(reterr, PCN_EINVAL, "date_of_birth: in the future");
    if (p->date_of_death != PCN_DATE_NONE && p->date_of_death < p->date_of_birth)
        return pcn_error_set(reterr, PCN_EINVAL, "date_of_death: before date_of_birth");
    if (p->registered_from != PCN_DATE_NONE && p->registered_from < p->date_of_birth)
        return pcn_error_set(reterr, PCN_EINVAL, "registered_from: before date_of_birth");
    if (is_set(p->ethnicity) && !is_ethnic_category(p->ethnicity))
        return pcn_error_set(reterr, PCN_EINVAL,
                             "ethnicity: '%.16s' is not an NHS ethnic category code (A..S, Z)",
                             p->ethnicity);
    if (is_set(p->lsoa) && !is_lsoa(p->lsoa))
        return pcn_error_set(reterr, PCN_EINVAL,
                             "lsoa: '%.16s' is not an LSOA code (E01 or W01 and six digits)",
                             p->lsoa);
    if (is_set(p->practice) &&
        !pcn_ods_is_valid(PCN_ODS_PRACTICE, p->practice, strlen(p->practice)))
        return pcn_error_set(reterr, PCN_EINVAL, "practice: '%s' is not a practice ODS code",
                             p->practice);
    if (p->registered_from != PCN_DATE_NONE && p->registered_to != PCN_DATE_NONE &&
        p->registered_to < p->registered_from)
        return pcn_error_set(reterr, PCN_EINVAL, "registered_to: before registered_from");
    return PCN_OK;
}

enum pcn_err pcn__emit_patient(struct pcn_importer *imp, const struct pcn_patient *p,
                               struct pcn_error *reterr)
{
    struct pcn_patient copy = *p;
    char nhs[11];
    size_t id_len;
    uint64_t v;
    enum pcn_err rc = check_patient(p, nhs, reterr);

    if (rc != PCN_OK)
        return rc;
    copy.nhs_number = nhs[0] ? nhs : NULL;
    id_len = strlen(p->patient_id);
    if (pcn_strmap_get(imp->patients, p->patient_id, id_len, &v))
        return pcn_error_set(reterr, PCN_EINVAL, "patient_id: '%s' appears twice", p->patient_id);
    if (nhs[0] && pcn_strmap_get(imp->nhs, nhs, 10, &v))
        return pcn_error_set(reterr, PCN_EINVAL,
                             "nhs_number: %s is another patient's of this import", nhs);
    if (imp->sink->ops->patient) {
        rc = imp->sink->ops->patient(imp->sink->ctx, &copy, reterr);
        if (rc != PCN_OK)
            return rc;
    }
    rc = pcn_strmap_put(imp->patients, p->patient_id, id_len,
                        (uint64_t)(p->date_of_birth + DOB_BIAS));
    if (rc == PCN_OK && nhs[0])
        rc = pcn_strmap_put(imp->nhs, nhs, 10, 1);
    if (rc != PCN_OK)
        return pcn_error_set(reterr, rc, "out of memory");
    imp->stats.patients++;
    return PCN_OK;
}

enum pcn_err pcn__emit_event(struct pcn_importer *imp, const struct pcn_event *e,
                             struct pcn_error *reterr)
{
    enum pcn_err rc = check_patient_ref(imp, e->patient_id, reterr);

    if (rc == PCN_OK)
        rc = check_code(e->system, e->code, reterr);
    if (rc == PCN_OK)
        rc = check_dates(e->date, e->end_date, "date", reterr);
    if (rc != PCN_OK)
        return rc;
    if (is_set(e->orig_code) != is_set(e->orig_system))
        return pcn_error_set(reterr, PCN_EINVAL, "orig_system and orig_code go together");
    if (check_plausible(imp, "event", e->patient_id, e->date) != PCN_OK)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    if (imp->sink->ops->event) {
        rc = imp->sink->ops->event(imp->sink->ctx, e, reterr);
        if (rc != PCN_OK)
            return rc;
    }
    imp->stats.events++;
    return PCN_OK;
}

enum pcn_err pcn__emit_medication(struct pcn_importer *imp, const struct pcn_medication *m,
                                  struct pcn_error *reterr)
{
    enum pcn_err rc = check_patient_ref(imp, m->patient_id, reterr);

    if (rc == PCN_OK)
        rc = check_code(m->system, m->code, reterr);
    if (rc == PCN_OK)
        rc = check_dates(m->start_date, m->end_date, "start_date", reterr);
    if (rc == PCN_OK && m->duration_days < 0)
        rc = pcn_error_set(reterr, PCN_EINVAL, "duration_days: negative");
    if (rc != PCN_OK)
        return rc;
    if (check_plausible(imp, "medication", m->patient_id, m->start_date) != PCN_OK)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    if (imp->sink->ops->medication) {
        rc = imp->sink->ops->medication(imp->sink->ctx, m, reterr);
        if (rc != PCN_OK)
            return rc;
    }
    imp->stats.medications++;
    return PCN_OK;
}

enum pcn_err pcn__emit_immunisation(struct pcn_importer *imp, const struct pcn_immunisation *i,
                                    struct pcn_error *reterr)
{
    enum pcn_err rc = check_patient_ref(imp, i->patient_id, reterr);

    if (rc == PCN_OK)
        rc = check_code(i->system, i->code, reterr);
    if (rc == PCN_OK)
        rc = check_dates(i->date, PCN_DATE_NONE, "date", reterr);
    if (rc != PCN_OK)
        return rc;
    if (check_plausible(imp, "immunisation", i->patient_id, i->date) != PCN_OK)
        return pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    if (imp->sink->ops->immunisation) {
        rc = imp->sink->ops->immunisation(imp->sink->ctx, i, reterr);
        if (rc != PCN_OK)
            return rc;
    }
    imp->stats.immunisations++;
    return PCN_OK;
}

enum pcn_err pcn__emit_encounter(struct pcn_importer *imp, const struct pcn_encounter *e,
                                 struct pcn_error *reterr)
{
    enum pcn_err rc = check_patient_ref(imp, e->patient_id, reterr);

    if (rc == PCN_OK && !is_set(e->encounter_id))
        rc = pcn_error_set(reterr, PCN_EINVAL, "encounter_id: missing");
    if (rc == PCN_OK)
        rc = check_dates(e->date, e->end_date, "date", reterr);
    if (rc == PCN_OK && is_set(e->code) && !is_set(e->system))
        rc = pcn_error_set(reterr, PCN_EINVAL, "system: missing for code '%s'", e->code);
    if (rc == PCN_OK && e->has_booked && e->booked_date > e->date)
        rc = pcn_error_set(reterr, PCN_EINVAL, "booked_date: after the contact's date");
    if (rc != PCN_OK)
        return rc;
    if (imp->sink->ops->encounter) {
        rc = imp->sink->ops->encounter(imp->sink->ctx, e, reterr);
        if (rc != PCN_OK)
            return rc;
    }
    imp->stats.encounters++;
    return PCN_OK;
}

enum pcn_err pcn__emit_term(struct pcn_importer *imp, const struct pcn_term *t,
                            struct pcn_error *reterr)
{
    struct pcn_buf key = PCN_BUF_INIT;
    int added = 0;
    uint64_t v;
    enum pcn_err rc = check_code(t->system, t->code, reterr);

    if (rc != PCN_OK)
        return rc;
    if (!is_set(t->term))
        return pcn_error_set(reterr, PCN_EINVAL, "term: missing");
    rc = pcn_buf_addf(&key, "%s\t%s", t->system, t->code);
    if (rc == PCN_OK)
        rc = pcn_strmap_intern(imp->terms, key.buf, key.len, 1, &v, &added);
    pcn_buf_release(&key);
    if (rc != PCN_OK)
        return pcn_error_set(reterr, rc, "out of memory");
    if (!added)
        return PCN_OK;
    if (imp->sink->ops->term) {
        rc = imp->sink->ops->term(imp->sink->ctx, t, reterr);
        if (rc != PCN_OK)
            return rc;
    }
    imp->stats.terms++;
    return PCN_OK;
}

/* ---- summaries ---- */

struct summary_walk {
    struct pcn_buf *out;
    bool is_json;
    bool first;
    enum pcn_err rc;
};

static enum pcn_err add_json_string(struct pcn_buf *out, const char *s, size_t len)
{
    enum pcn_err rc = pcn_buf_addch(out, '"');

    for (size_t i = 0; i < len && rc == PCN_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            rc = pcn_buf_addf(out, "\\%c", c);
        else if (c < 0x20)
            rc = pcn_buf_addf(out, "\\u%04x", c);
        else
            rc = pcn_buf_addch(out, (char)c);
    }
    if (rc == PCN_OK)
        rc = pcn_buf_addch(out, '"');
    return rc;
}

static int summary_entry(const char *key, size_t key_len, uint64_t value, void *ud)
{
    struct summary_walk *w = ud;

    if (w->is_json) {
        if (!w->first)
            w->rc = pcn_buf_adds(w->out, ", ");
        if (w->rc == PCN_OK)
            w->rc = add_json_string(w->out, key, key_len);
        if (w->rc == PCN_OK)
            w->rc = pcn_buf_addf(w->out, ": %llu", (unsigned long long)value);
    } else {
        w->rc =
            pcn_buf_addf(w->out, "    %.*s: %llu\n", (int)key_len, key, (unsigned long long)value);
    }
    w->first = false;
    return w->rc != PCN_OK;
}

static enum pcn_err add_map(struct pcn_buf *out, const struct pcn_strmap *m, bool is_json)
{
    struct summary_walk w = {out, is_json, true, PCN_OK};

    if (is_json)
        w.rc = pcn_buf_addch(out, '{');
    if (w.rc == PCN_OK)
        (void)pcn_strmap_foreach(m, summary_entry, &w);
    if (w.rc == PCN_OK && is_json)
        w.rc = pcn_buf_addch(out, '}');
    return w.rc;
}

#define STAT_FIELDS(X)                                                                             \
    X(rows_read)                                                                                   \
    X(patients)                                                                                    \
    X(events)                                                                                      \
    X(medications)                                                                                 \
    X(immunisations)                                                                               \
    X(encounters)                                                                                  \
    X(terms)                                                                                       \
    X(rejected)                                                                                    \
    X(skipped)                                                                                     \
    X(mapped)                                                                                      \
    X(warnings)                                                                                    \
    X(patients_replaced)                                                                           \
    X(records_removed)                                                                             \
    X(bytes)

enum pcn_err pcn_importer_summary_json(const struct pcn_importer *imp, struct pcn_buf *out)
{
    const struct pcn_import_stats *s = &imp->stats;
    enum pcn_err rc = pcn_buf_addch(out, '{');

#define X(f)                                                                                       \
    if (rc == PCN_OK)                                                                              \
        rc = pcn_buf_addf(out, "\"" #f "\": %lld, ", (long long)s->f);
    STAT_FIELDS(X)
#undef X
    if (rc == PCN_OK)
        rc = pcn_buf_adds(out, "\"skipped_by_reason\": ");
    if (rc == PCN_OK)
        rc = add_map(out, imp->skipped, true);
    if (rc == PCN_OK)
        rc = pcn_buf_adds(out, ", \"unmapped_by_system\": ");
    if (rc == PCN_OK)
        rc = add_map(out, imp->unmapped, true);
    if (rc == PCN_OK)
        rc = pcn_buf_adds(out, ", \"warnings_by_reason\": ");
    if (rc == PCN_OK)
        rc = add_map(out, imp->warnings, true);
    if (rc == PCN_OK)
        rc = pcn_buf_addch(out, '}');
    return rc;
}

enum pcn_err pcn_importer_summary_text(const struct pcn_importer *imp, struct pcn_buf *out)
{
    const struct pcn_import_stats *s = &imp->stats;
    enum pcn_err rc = PCN_OK;

#define X(f)                                                                                       \
    if (rc == PCN_OK)                                                                              \
        rc = pcn_buf_addf(out, "  %s: %lld\n", #f, (long long)s->f);
    STAT_FIELDS(X)
#undef X
    if (rc == PCN_OK && pcn_strmap_count(imp->skipped) > 0) {
        rc = pcn_buf_adds(out, "  skipped by reason:\n");
        if (rc == PCN_OK)
            rc = add_map(out, imp->skipped, false);
    }
    if (rc == PCN_OK && pcn_strmap_count(imp->unmapped) > 0) {
        rc = pcn_buf_adds(out, "  unmapped codes by system:\n");
        if (rc == PCN_OK)
            rc = add_map(out, imp->unmapped, false);
    }
    if (rc == PCN_OK && pcn_strmap_count(imp->warnings) > 0) {
        rc = pcn_buf_adds(out, "  imported with a warning:\n");
        if (rc == PCN_OK)
            rc = add_map(out, imp->warnings, false);
    }
    return rc;
}
