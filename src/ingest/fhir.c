/*
 * fhir.c - FHIR R4 import: Bundle JSON files (transaction, batch or
 * collection, one per patient as Synthea writes them) and bulk-data NDJSON
 * (one resource per line). In a Bundle the Patient entries are delivered
 * first, then every other entry; references are "urn:uuid:" full URLs of
 * the same Bundle or "Patient/<id>". Resources OpenPCN does not keep
 * (Organization, Practitioner, Claim, ...) are skipped and counted.
 * Errors name the file and entry (Bundle) or line (NDJSON) and the JSON
 * path of the field at fault.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "ingest/ingest_int.h"
#include "ingest/loinc_map.h"
#include "pcn/alloc.h"
#include "pcn/buf.h"
#include "pcn/csv.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "pcn/validate.h"
#include "pcn/vec.h"
#include "util/common.h"

#define FHIR_MAX_FILE ((size_t)1 << 30)  /* one Bundle file */
#define FHIR_MAX_LINE ((size_t)64 << 20) /* one NDJSON resource */
#define NHS_NUMBER_SYSTEM "https://fhir.nhs.uk/Id/nhs-number"
#define ODS_SYSTEM "https://fhir.nhs.uk/Id/ods-organization-code"

/* Where a resource sits: its JSON path prefix and, in a Bundle, its neighbours. */
struct fctx {
    struct pcn_importer *imp;
    const char *path;        /* "$.entry[3].resource" or "$" */
    json_t *entries;         /* the Bundle's entry array, or NULL (NDJSON) */
    struct pcn_strmap *urls; /* fullUrl -> entry index, or NULL */
    char path_buf[64];       /* storage for path inside a Bundle */
};

#define UTF8_BOM "\xEF\xBB\xBF"

static enum pcn_err ffail(const struct fctx *c, struct pcn_error *e, const char *field,
                          const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum pcn_err ffail(const struct fctx *c, struct pcn_error *e, const char *field,
                          const char *fmt, ...)
{
    char msg[PCN_ERROR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return pcn_error_set(e, PCN_EINVAL, "%s.%s: %s", c->path, field, msg);
}

static const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && *s ? s : NULL;
}

/* ---- codes ---- */

static const struct {
    const char *uri;
    const char *name;
} systems[] = {
    {"http://snomed.info/sct", "snomed"},
    {"http://loinc.org", "loinc"},
    {"http://www.nlm.nih.gov/research/umls/rxnorm", "rxnorm"},
    {"http://hl7.org/fhir/sid/cvx", "cvx"},
    {"https://dmd.nhs.uk", "dmd"},
    {"http://read.info/ctv3", "ctv3"},
    {"http://read.info/readv2", "readv2"},
    {"http://hl7.org/fhir/sid/icd-10", "icd10"},
};

static const char *system_name(const char *uri)
{
    for (size_t i = 0; uri && i < PCN_ARRAY_SIZE(systems); i++) {
        if (strcmp(uri, systems[i].uri) == 0)
            return systems[i].name;
    }
    return uri;
}

struct code {
    const char *system; /* short name or URI */
    const char *code;
    const char *display;
};

/* Pick a coding of a CodeableConcept: SNOMED CT first, else the first with a code. */
static bool pick_code(const json_t *cc, struct code *ret)
{
    const json_t *codings = json_object_get(cc, "coding");
    const json_t *first = NULL;
    size_t i;
    json_t *cd;

    json_array_foreach(codings, i, cd)
    {
        if (!jstr(cd, "code"))
            continue;
        if (!first)
            first = cd;
        if (jstr(cd, "system") && strcmp(jstr(cd, "system"), "http://snomed.info/sct") == 0) {
            first = cd;
            break;
        }
    }
    if (!first)
        return false;
    ret->system = system_name(jstr(first, "system"));
    ret->code = jstr(first, "code");
    ret->display = jstr(first, "display");
    if (!ret->display)
        ret->display = jstr(cc, "text");
    if (!ret->system)
        ret->system = "unknown";
    return true;
}

static enum pcn_err need_code(const struct fctx *c, const json_t *res, const char *field,
                              struct code *ret, struct pcn_error *e)
{
    if (!pick_code(json_object_get(res, field), ret))
        return ffail(c, e, field, "missing code (no coding with a code)");
    return PCN_OK;
}

/* ---- dates ---- */

static enum pcn_err parse_date(const struct fctx *c, const char *field, const char *s, int32_t *ret,
                               struct pcn_error *e)
{
    if (pcn_date_parse_iso(s, strlen(s), ret) != PCN_OK)
        return ffail(c, e, field, "'%s' is not a date", s);
    return PCN_OK;
}

/*
 * First present of the date fields named in keys ("x" or "x.start" for a
 * Period); PCN_DATE_NONE when none is present and !is_required.
 */
static enum pcn_err get_date(const struct fctx *c, const json_t *res, const char *const *keys,
                             bool is_required, int32_t *ret, struct pcn_error *e)
{
    *ret = PCN_DATE_NONE;
    for (size_t i = 0; keys[i]; i++) {
        char key[64];
        const char *dot = strchr(keys[i], '.');
        const json_t *o = res;
        const char *s;
        if (dot) {
            (void)snprintf(key, sizeof(key), "%.*s", (int)(dot - keys[i]), keys[i]);
            o = json_object_get(res, key);
            s = jstr(o, dot + 1);
        } else {
            s = jstr(o, keys[i]);
        }
        if (s)
            return parse_date(c, keys[i], s, ret, e);
    }
    if (is_required)
        return ffail(c, e, keys[0], "missing date");
    return PCN_OK;
}

/* ---- references ---- */

/*
 * Resolve a reference to a patient id: "urn:uuid:X" through the Bundle's
 * fullUrls (the Patient's id), else X; "Patient/X" to X.
 */
static enum pcn_err get_patient(const struct fctx *c, const json_t *res, const char *field,
                                const char **ret, struct pcn_error *e)
{
    const char *ref = jstr(json_object_get(res, field), "reference");
    uint64_t idx;

    if (!ref)
        return ffail(c, e, field, "missing reference");
    if (c->urls && pcn_strmap_get(c->urls, ref, strlen(ref), &idx)) {
        const json_t *pat = json_object_get(json_array_get(c->entries, idx), "resource");
        const char *id = jstr(pat, "id");
        if (id) {
            *ret = id;
            return PCN_OK;
        }
    }
    if (strncmp(ref, "urn:uuid:", 9) == 0)
        *ret = ref + 9;
    else if (strncmp(ref, "Patient/", 8) == 0)
        *ret = ref + 8;
    else
        return ffail(c, e, field, "'%s' is not a Patient reference", ref);
    if (!pcn__import_has_patient(c->imp, *ret))
        return ffail(c, e, field, "reference '%s' is not a patient of this import", ref);
    return PCN_OK;
}

/* ---- resources ---- */

static const char *nhs_number(const json_t *res)
{
    size_t i;
    json_t *id;

    json_array_foreach(json_object_get(res, "identifier"), i, id)
    {
        const char *sys = jstr(id, "system");
        if (sys && strcmp(sys, NHS_NUMBER_SYSTEM) == 0)
            return jstr(id, "value");
    }
    return NULL;
}

/* The registration practice: a generalPractitioner with an ODS identifier. */
static const char *gp_practice(const json_t *res)
{
    size_t i;
    json_t *gp;

    json_array_foreach(json_object_get(res, "generalPractitioner"), i, gp)
    {
        const json_t *id = json_object_get(gp, "identifier");
        const char *sys = jstr(id, "system");
        if (sys && strcmp(sys, ODS_SYSTEM) == 0)
            return jstr(id, "value");
    }
    return NULL;
}

static void patient_names(const json_t *res, struct pcn_patient *p)
{
    const json_t *names = json_object_get(res, "name");
    const json_t *name = json_array_get(names, 0);
    size_t i;
    json_t *n;

    json_array_foreach(names, i, n)
    {
        const char *use = jstr(n, "use");
        if (use && strcmp(use, "official") == 0) {
            name = n;
            break;
        }
    }
    p->family_name = jstr(name, "family");
    p->given_name = json_string_value(json_array_get(json_object_get(name, "given"), 0));
}

static enum pcn_err fhir_patient(const struct fctx *c, const json_t *res, struct pcn_error *e)
{
    static const char *const dob_keys[] = {"birthDate", NULL};
    static const char *const dod_keys[] = {"deceasedDateTime", NULL};
    struct pcn_patient p = {
        .patient_id = jstr(res, "id"),
        .nhs_number = nhs_number(res),
        .practice = gp_practice(res),
        .registered_from = PCN_DATE_NONE,
        .registered_to = PCN_DATE_NONE,
    };
    const char *gender = jstr(res, "gender");
    const char *zip = jstr(json_array_get(json_object_get(res, "address"), 0), "postalCode");
    char postcode[9];
    enum pcn_err rc;

    if (!p.patient_id)
        return ffail(c, e, "id", "missing");
    if (p.nhs_number && !pcn_nhs_number_is_valid(p.nhs_number, strlen(p.nhs_number)))
        return ffail(c, e, "identifier", "NHS number '%s' fails the check digit", p.nhs_number);
    if (!p.practice)
        p.practice = c->imp->opts.practice;
    patient_names(res, &p);
    rc = get_date(c, res, dob_keys, true, &p.date_of_birth, e);
    if (rc == PCN_OK)
        rc = get_date(c, res, dod_keys, false, &p.date_of_death, e);
    if (rc != PCN_OK)
        return rc;
    if (gender && pcn_sex_parse(gender, &p.sex) != PCN_OK)
        return ffail(c, e, "gender", "'%s' is not a FHIR gender", gender);
    if (zip && pcn_postcode_normalise(zip, strlen(zip), postcode) == PCN_OK)
        p.postcode = postcode;
    rc = pcn__emit_patient(c->imp, &p, e);
    if (rc == PCN_EINVAL)
        pcn_error_prefix(e, "%s: ", c->path);
    return rc;
}

/* Condition, Procedure, AllergyIntolerance, CarePlan: a coded event. */
struct event_spec {
    enum pcn_event_kind kind;
    const char *code_field;
    const char *patient_field;
    const char *const *start_keys;
    const char *const *end_keys;
};

static enum pcn_err fhir_event(const struct fctx *c, const json_t *res,
                               const struct event_spec *spec, struct pcn_error *e)
{
    struct pcn_event ev = {.kind = spec->kind, .source = "fhir"};
    struct code cd = {0};
    enum pcn_err rc = get_patient(c, res, spec->patient_field, &ev.patient_id, e);

    if (rc == PCN_OK)
        rc = need_code(c, res, spec->code_field, &cd, e);
    if (rc == PCN_OK)
        rc = get_date(c, res, spec->start_keys, true, &ev.date, e);
    if (rc == PCN_OK)
        rc = get_date(c, res, spec->end_keys, false, &ev.end_date, e);
    if (rc != PCN_OK)
        return rc;
    ev.system = cd.system;
    ev.code = cd.code;
    return pcn__emit_coded(c->imp, &ev, cd.display, e);
}

/* CarePlan codes live in category[]: the SNOMED CT one. */
static enum pcn_err fhir_careplan(const struct fctx *c, const json_t *res, struct pcn_error *e)
{
    static const char *const start[] = {"period.start", "created", NULL};
    static const char *const end[] = {"period.end", NULL};
    struct pcn_event ev = {.kind = PCN_EVENT_CAREPLAN, .source = "fhir"};
    struct code cd = {0};
    size_t i;
    json_t *cat;
    enum pcn_err rc = get_patient(c, res, "subject", &ev.patient_id, e);

    if (rc != PCN_OK)
        return rc;
    json_array_foreach(json_object_get(res, "category"), i, cat)
    {
        if (pick_code(cat, &cd) && strcmp(cd.system, "snomed") == 0)
            break;
        cd.code = NULL;
    }
    if (!cd.code)
        return ffail(c, e, "category", "no SNOMED CT care plan code");
    rc = get_date(c, res, start, true, &ev.date, e);
    if (rc == PCN_OK)
        rc = get_date(c, res, end, false, &ev.end_date, e);
    if (rc != PCN_OK)
        return rc;
    ev.system = cd.system;
    ev.code = cd.code;
    return pcn__emit_coded(c->imp, &ev, cd.display, e);
}

/*
 * One observation value: a Quantity or a coded/text value. A Quantity
 * whose value is not a number (a string "7.2") is refused rather than
 * stored without its value; at names the observation or its component.
 */
static enum pcn_err obs_value(const struct fctx *c, const json_t *o, const char *at,
                              struct pcn_event *ev, const char **ret_text, struct pcn_error *e)
{
    const json_t *q = json_object_get(o, "valueQuantity");
    const json_t *v = json_object_get(q, "value");
    const json_t *cc = json_object_get(o, "valueCodeableConcept");
    struct code cd;
    char field[96]; /* at (under 48 bytes) and the member's name */

    *ret_text = NULL;
    if (v && !json_is_number(v) && !json_is_null(v)) {
        (void)snprintf(field, sizeof(field), "%svalueQuantity.value", at);
        return ffail(c, e, field, "not a number (a JSON %s)",
                     json_is_string(v) ? "string" : "value of another type");
    }
    if (json_is_number(v)) {
        ev->has_value = 1;
        ev->value = json_number_value(v);
        ev->unit = jstr(q, "unit");
        if (!ev->unit)
            ev->unit = jstr(q, "code");
    } else if (cc && pick_code(cc, &cd)) {
        *ret_text = cd.display;
    } else {
        *ret_text = jstr(o, "valueString");
    }
    return PCN_OK;
}

static enum pcn_err emit_obs(const struct fctx *c, const struct pcn_event *base, const json_t *o,
                             const char *field, struct pcn_error *e)
{
    struct pcn_event ev = *base;
    struct code cd = {0};
    const char *text;
    char at[48];
    enum pcn_err rc;

    if (!pick_code(json_object_get(o, "code"), &cd))
        return ffail(c, e, field, "missing code (no coding with a code)");
    ev.system = cd.system;
    ev.code = cd.code;
    /* field is "code" or "component[i].code": the value is beside it */
    (void)snprintf(at, sizeof(at), "%.*s", (int)(strlen(field) - strlen("code")), field);
    rc = obs_value(c, o, at, &ev, &text, e);
    if (rc != PCN_OK)
        return rc;
    if (strcmp(cd.system, "loinc") == 0)
        return pcn__emit_loinc(c->imp, &ev, text, cd.display, e);
    return pcn__emit_coded(c->imp, &ev, cd.display, e);
}

/* Observation: a panel with components becomes one event per component. */
static enum pcn_err fhir_observation(const struct fctx *c, const json_t *res, struct pcn_error *e)
{
    static const char *const when[] = {"effectiveDateTime", "effectivePeriod.start", "issued",
                                       NULL};
    struct pcn_event ev = {
        .kind = PCN_EVENT_OBSERVATION, .source = "fhir", .end_date = PCN_DATE_NONE};
    const json_t *comps = json_object_get(res, "component");
    size_t i;
    json_t *comp;
    enum pcn_err rc = get_patient(c, res, "subject", &ev.patient_id, e);

    if (rc == PCN_OK)
        rc = get_date(c, res, when, true, &ev.date, e);
    if (rc != PCN_OK)
        return rc;
    if (json_array_size(comps) == 0)
        return emit_obs(c, &ev, res, "code", e);
    json_array_foreach(comps, i, comp)
    {
        char field[48];
        (void)snprintf(field, sizeof(field), "component[%zu].code", i);
        rc = emit_obs(c, &ev, comp, field, e);
        if (rc != PCN_OK)
            return rc;
    }
    return PCN_OK;
}

/* MedicationRequest.courseOfTherapyType (HL7 and UK Core codes) as a course. */
static enum pcn_course fhir_course(const json_t *cc)
{
    size_t i;
    const json_t *cd;
    json_array_foreach(json_object_get(cc, "coding"), i, cd)
    {
        const char *code = jstr(cd, "code");
        if (!code)
            continue;
        if (strcmp(code, "acute") == 0)
            return PCN_COURSE_ACUTE;
        if (strcmp(code, "continuous") == 0)
            return PCN_COURSE_REPEAT;
        if (strcmp(code, "continuous-repeat-dispensing") == 0)
            return PCN_COURSE_REPEAT_DISPENSING;
    }
    return PCN_COURSE_UNKNOWN;
}

/* dispenseRequest.expectedSupplyDuration (days, weeks or months) in whole days; 0 if none. */
static int32_t fhir_supply_days(const json_t *d)
{
    static const struct {
        const char *unit;
        double days;
    } units[] = {{"d", 1},     {"day", 1},      {"days", 1},        {"wk", 7},          {"week", 7},
                 {"weeks", 7}, {"mo", 30.4375}, {"month", 30.4375}, {"months", 30.4375}};
    const json_t *v = json_object_get(d, "value");
    const char *unit = jstr(d, "code") ? jstr(d, "code") : jstr(d, "unit");
    for (size_t i = 0; unit && json_is_number(v) && i < PCN_ARRAY_SIZE(units); i++) {
        if (strcmp(unit, units[i].unit) != 0)
            continue;
        double days = round(json_number_value(v) * units[i].days);
        return days >= 1 && days <= 3660 ? (int32_t)days : 0;
    }
    return 0;
}

static enum pcn_err fhir_medication(const struct fctx *c, const json_t *res, struct pcn_error *e)
{
    static const char *const start[] = {"authoredOn", NULL};
    static const char *const end[] = {"dispenseRequest.validityPeriod", NULL};
    struct pcn_medication m = {.source = "fhir"};
    const json_t *qty = json_object_get(json_object_get(res, "dispenseRequest"), "quantity");
    struct code cd = {0};
    enum pcn_err rc = get_patient(c, res, "subject", &m.patient_id, e);

    if (rc == PCN_OK && !json_object_get(res, "medicationCodeableConcept")) {
        if (pcn__import_skip(c->imp, "MedicationRequest without medicationCodeableConcept"))
            return pcn_error_set(e, PCN_ENOMEM, "out of memory");
        return PCN_OK;
    }
    if (rc == PCN_OK)
        rc = need_code(c, res, "medicationCodeableConcept", &cd, e);
    if (rc == PCN_OK)
        rc = get_date(c, res, start, true, &m.start_date, e);
    (void)end;
    m.end_date = PCN_DATE_NONE;
    if (rc != PCN_OK)
        return rc;
    m.system = cd.system;
    m.code = cd.code;
    m.course = fhir_course(json_object_get(res, "courseOfTherapyType"));
    m.duration_days = fhir_supply_days(
        json_object_get(json_object_get(res, "dispenseRequest"), "expectedSupplyDuration"));
    if (json_is_number(json_object_get(qty, "value"))) {
        m.has_quantity = 1;
        m.quantity = json_number_value(json_object_get(qty, "value"));
    }
    if (cd.display) {
        struct pcn_term t = {m.system, m.code, cd.display};
        rc = pcn__emit_term(c->imp, &t, e);
    }
    if (rc == PCN_OK)
        rc = pcn__emit_medication(c->imp, &m, e);
    if (rc == PCN_OK && strcmp(m.system, "snomed") != 0 && strcmp(m.system, "dmd") != 0 &&
        pcn__import_unmapped(c->imp, m.system) != PCN_OK)
        rc = pcn_error_set(e, PCN_ENOMEM, "out of memory");
    return rc;
}

static enum pcn_err fhir_immunization(const struct fctx *c, const json_t *res, struct pcn_error *e)
{
    static const char *const when[] = {"occurrenceDateTime", "recorded", NULL};
    struct pcn_immunisation im = {.source = "fhir"};
    struct code cd = {0};
    enum pcn_err rc = get_patient(c, res, "patient", &im.patient_id, e);

    if (rc == PCN_OK)
        rc = need_code(c, res, "vaccineCode", &cd, e);
    if (rc == PCN_OK)
        rc = get_date(c, res, when, true, &im.date, e);
    if (rc != PCN_OK)
        return rc;
    im.system = cd.system;
    im.code = cd.code;
    if (cd.display) {
        struct pcn_term t = {im.system, im.code, cd.display};
        rc = pcn__emit_term(c->imp, &t, e);
    }
    if (rc == PCN_OK)
        rc = pcn__emit_immunisation(c->imp, &im, e);
    if (rc == PCN_OK && strcmp(im.system, "snomed") != 0 &&
        pcn__import_unmapped(c->imp, im.system) != PCN_OK)
        rc = pcn_error_set(e, PCN_ENOMEM, "out of memory");
    return rc;
}

/* FHIR v3 ActCode encounter classes in the words Synthea CSV uses. */
static const char *encounter_class(const char *code)
{
    static const struct {
        const char *code, *name;
    } classes[] = {
        {"AMB", "ambulatory"}, {"EMER", "emergency"}, {"IMP", "inpatient"},
        {"HH", "home"},        {"VR", "virtual"},     {"OBSENC", "observation"},
    };
    for (size_t i = 0; code && i < PCN_ARRAY_SIZE(classes); i++) {
        if (strcmp(code, classes[i].code) == 0)
            return classes[i].name;
    }
    return code;
}

static enum pcn_err fhir_encounter(const struct fctx *c, const json_t *res, struct pcn_error *e)
{
    static const char *const start[] = {"period.start", NULL};
    static const char *const end[] = {"period.end", NULL};
    struct pcn_encounter en = {.encounter_id = jstr(res, "id"), .source = "fhir"};
    struct code cd = {0};
    enum pcn_err rc = get_patient(c, res, "subject", &en.patient_id, e);

    if (rc == PCN_OK && !en.encounter_id)
        rc = ffail(c, e, "id", "missing");
    if (rc == PCN_OK)
        rc = get_date(c, res, start, true, &en.date, e);
    if (rc == PCN_OK)
        rc = get_date(c, res, end, false, &en.end_date, e);
    if (rc != PCN_OK)
        return rc;
    const char *cls = jstr(json_object_get(res, "class"), "code");
    en.encounter_class = encounter_class(cls);
    /* home visits and ambulatory (clinic) contacts; a virtual one may be a call or a video */
    en.mode = !cls                      ? PCN_MODE_UNKNOWN
              : strcmp(cls, "HH") == 0  ? PCN_MODE_HOME_VISIT
              : strcmp(cls, "AMB") == 0 ? PCN_MODE_FACE_TO_FACE
                                        : PCN_MODE_UNKNOWN;
    /* the first participant and location: the clinician seen (by reference) and the site */
    const json_t *who =
        json_object_get(json_array_get(json_object_get(res, "participant"), 0), "individual");
    const json_t *where =
        json_object_get(json_array_get(json_object_get(res, "location"), 0), "location");
    en.clinician = jstr(who, "reference") ? jstr(who, "reference") : jstr(who, "display");
    en.site = jstr(where, "display") ? jstr(where, "display") : jstr(where, "reference");
    const char *status = jstr(res, "status");
    en.attendance = status && strcmp(status, "finished") == 0 ? PCN_ENCOUNTER_ATTENDED
                                                              : PCN_ENCOUNTER_ATTENDANCE_UNKNOWN;
    if (pick_code(json_array_get(json_object_get(res, "type"), 0), &cd)) {
        en.system = cd.system;
        en.code = cd.code;
        if (cd.display) {
            struct pcn_term t = {cd.system, cd.code, cd.display};
            rc = pcn__emit_term(c->imp, &t, e);
        }
    }
    if (rc == PCN_OK)
        rc = pcn__emit_encounter(c->imp, &en, e);
    return rc;
}

static const char *const condition_start[] = {"onsetDateTime", "onsetPeriod.start", "recordedDate",
                                              NULL};
static const char *const condition_end[] = {"abatementDateTime", "abatementPeriod.end", NULL};
static const char *const procedure_start[] = {"performedDateTime", "performedPeriod.start", NULL};
static const char *const procedure_end[] = {"performedPeriod.end", NULL};
static const char *const allergy_start[] = {"onsetDateTime", "recordedDate", NULL};
static const char *const allergy_end[] = {"lastOccurrence", NULL};

static const struct event_spec condition_spec = {PCN_EVENT_CONDITION, "code", "subject",
                                                 condition_start, condition_end};
static const struct event_spec procedure_spec = {PCN_EVENT_PROCEDURE, "code", "subject",
                                                 procedure_start, procedure_end};
static const struct event_spec allergy_spec = {PCN_EVENT_ALLERGY, "code", "patient", allergy_start,
                                               allergy_end};

/* Deliver one non-Patient resource, or count it as skipped. */
static enum pcn_err fhir_resource(const struct fctx *c, const json_t *res, const char *type,
                                  struct pcn_error *e)
{
    char reason[96];

    if (strcmp(type, "Condition") == 0)
        return fhir_event(c, res, &condition_spec, e);
    if (strcmp(type, "Observation") == 0)
        return fhir_observation(c, res, e);
    if (strcmp(type, "MedicationRequest") == 0)
        return fhir_medication(c, res, e);
    if (strcmp(type, "Immunization") == 0)
        return fhir_immunization(c, res, e);
    if (strcmp(type, "Procedure") == 0)
        return fhir_event(c, res, &procedure_spec, e);
    if (strcmp(type, "Encounter") == 0)
        return fhir_encounter(c, res, e);
    if (strcmp(type, "AllergyIntolerance") == 0)
        return fhir_event(c, res, &allergy_spec, e);
    if (strcmp(type, "CarePlan") == 0)
        return fhir_careplan(c, res, e);
    (void)snprintf(reason, sizeof(reason), "FHIR %.64s resource", type);
    if (pcn__import_skip(c->imp, reason) != PCN_OK)
        return pcn_error_set(e, PCN_ENOMEM, "out of memory");
    return PCN_OK;
}

static const char *resource_type(const struct fctx *c, const json_t *res, struct pcn_error *e)
{
    const char *type = jstr(res, "resourceType");

    if (!json_is_object(res))
        (void)pcn_error_set(e, PCN_EINVAL, "%s: not a JSON object", c->path);
    else if (!type)
        (void)pcn_error_set(e, PCN_EINVAL, "%s.resourceType: missing", c->path);
    return json_is_object(res) ? type : NULL;
}

/* ---- Bundles ---- */

/* Deliver entry i when its Patient-ness matches want_patients. */
static enum pcn_err bundle_entry(struct fctx *c, const char *file, size_t i, bool want_patients,
                                 struct pcn_error *e)
{
    const json_t *res = json_object_get(json_array_get(c->entries, i), "resource");
    char where[512];
    const char *type;
    enum pcn_err rc;

    (void)snprintf(c->path_buf, sizeof(c->path_buf), "$.entry[%zu].resource", i);
    c->path = c->path_buf;
    type = resource_type(c, res, e);
    if (!type) {
        rc = PCN_EINVAL;
    } else if ((strcmp(type, "Patient") == 0) != want_patients) {
        return PCN_OK;
    } else {
        c->imp->stats.rows_read++;
        rc = want_patients ? fhir_patient(c, res, e) : fhir_resource(c, res, type, e);
    }
    if (rc == PCN_OK || (!want_patients && !type))
        return rc == PCN_OK || want_patients ? rc : PCN_OK;
    (void)snprintf(where, sizeof(where), "%s: entry %zu", file, i);
    return pcn__import_bad(c->imp, where, rc, e);
}

static enum pcn_err index_urls(struct fctx *c, struct pcn_error *e)
{
    size_t i;
    json_t *entry;

    json_array_foreach(c->entries, i, entry)
    {
        const char *url = jstr(entry, "fullUrl");
        if (url && pcn_strmap_put(c->urls, url, strlen(url), i) != PCN_OK)
            return pcn_error_set(e, PCN_ENOMEM, "out of memory");
    }
    return PCN_OK;
}

static enum pcn_err import_bundle(struct pcn_importer *imp, const char *file, const json_t *root,
                                  struct pcn_error *e)
{
    struct fctx c = {.imp = imp, .path = "$"};
    const char *type = resource_type(&c, root, e);
    enum pcn_err rc = PCN_OK;

    if (!type)
        return pcn_error_set(e, PCN_EINVAL, "%s: %s", file, e->msg);
    if (strcmp(type, "Bundle") != 0)
        return pcn_error_set(e, PCN_EINVAL, "%s: $.resourceType: expected 'Bundle', got '%s'", file,
                             type);
    c.entries = json_object_get(root, "entry");
    if (c.entries && !json_is_array(c.entries))
        return pcn_error_set(e, PCN_EINVAL, "%s: $.entry: not an array", file);
    c.urls = pcn_strmap_new();
    if (!c.urls)
        return pcn_error_set(e, PCN_ENOMEM, "out of memory");
    rc = index_urls(&c, e);
    for (size_t i = 0; rc == PCN_OK && i < json_array_size(c.entries); i++)
        rc = bundle_entry(&c, file, i, true, e);
    for (size_t i = 0; rc == PCN_OK && i < json_array_size(c.entries); i++)
        rc = bundle_entry(&c, file, i, false, e);
    pcn_strmap_free(c.urls);
    return rc;
}

static enum pcn_err json_fail(const char *file, const json_error_t *je, struct pcn_error *e)
{
    return pcn_error_set(e, PCN_EPARSE, "%s:%d:%d: invalid JSON: %s", file, je->line, je->column,
                         je->text);
}

/* ---- NDJSON ---- */

static enum pcn_err ndjson_line(struct pcn_importer *imp, const char *file, unsigned long line_no,
                                const char *line, size_t len, struct pcn_error *e)
{
    struct fctx c = {.imp = imp, .path = "$"};
    char where[512];
    json_error_t je;
    json_t *res;
    const char *type;
    enum pcn_err rc;

    (void)snprintf(where, sizeof(where), "%s:%lu", file, line_no);
    if (line_no == 1 && len >= 3 && memcmp(line, UTF8_BOM, 3) == 0) {
        line += 3; /* a byte order mark, as some exporters write */
        len -= 3;
    }
    res = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
    if (!res) {
        rc = pcn_error_set(e, PCN_EPARSE, "invalid JSON at column %d: %s", je.column, je.text);
        return pcn__import_bad(imp, where, rc, e);
    }
    imp->stats.rows_read++;
    type = resource_type(&c, res, e);
    if (!type)
        rc = PCN_EINVAL;
    else if (strcmp(type, "Patient") == 0)
        rc = fhir_patient(&c, res, e);
    else if (strcmp(type, "Bundle") == 0)
        rc = pcn_error_set(e, PCN_EINVAL, "$.resourceType: a Bundle inside NDJSON");
    else
        rc = fhir_resource(&c, res, type, e);
    json_decref(res);
    if (rc != PCN_OK)
        rc = pcn__import_bad(imp, where, rc, e);
    return rc;
}

static bool is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    }
    return true;
}

static enum pcn_err import_ndjson_mem(struct pcn_importer *imp, const char *file, const char *data,
                                      size_t len, struct pcn_error *e)
{
    unsigned long line_no = 0;
    size_t pos = 0;
    enum pcn_err rc = PCN_OK;

    while (rc == PCN_OK && pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (data + pos)) : len - pos;
        line_no++;
        if (!is_blank(data + pos, n))
            rc = ndjson_line(imp, file, line_no, data + pos, n, e);
        pos += n + 1;
    }
    return rc;
}

static enum pcn_err import_ndjson_file(struct pcn_importer *imp, const char *path,
                                       struct pcn_error *e)
{
    FILE *f = fopen(path, "re");
    char *line = NULL;
    size_t cap = 0;
    unsigned long line_no = 0;
    struct stat st;
    enum pcn_err rc = PCN_OK;

    if (!f)
        return pcn_error_set(e, PCN_EIO, "%s: %s", path, strerror(errno));
    if (fstat(fileno(f), &st) != 0)
        st.st_size = 0;
    for (;;) {
        ssize_t n = getline(&line, &cap, f);
        if (n < 0)
            break;
        line_no++;
        imp->stats.bytes += n;
        if ((size_t)n > FHIR_MAX_LINE) {
            rc = pcn_error_set(e, PCN_ELIMIT, "%s:%lu: line longer than %zu bytes", path, line_no,
                               FHIR_MAX_LINE);
            break;
        }
        if (!is_blank(line, (size_t)n))
            rc = ndjson_line(imp, path, line_no, line, (size_t)n, e);
        if (rc != PCN_OK)
            break;
        if ((line_no & 0x3fff) == 0)
            pcn__import_progress(imp, path, (unsigned long long)ftell(f),
                                 (unsigned long long)st.st_size);
    }
    if (rc == PCN_OK && ferror(f))
        rc = pcn_error_set(e, PCN_EIO, "%s: read error", path);
    free(line); /* checksrc: ok (allocated by getline) */
    (void)fclose(f);
    return rc;
}

enum pcn_err pcn__import_fhir_mem(struct pcn_importer *imp, const char *name, const char *data,
                                  size_t len, bool is_ndjson, struct pcn_error *reterr)
{
    json_error_t je;
    json_t *root;
    enum pcn_err rc;

    if (len >= 3 && memcmp(data, UTF8_BOM, 3) == 0) {
        data += 3; /* a byte order mark, as some exporters write */
        len -= 3;
    }
    if (is_ndjson)
        return import_ndjson_mem(imp, name, data, len, reterr);
    if (!pcn_utf8_valid(data, len))
        return pcn_error_set(reterr, PCN_EPARSE, "%s: not valid UTF-8 text", name);
    root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return json_fail(name, &je, reterr);
    imp->stats.bytes += (int64_t)len;
    rc = import_bundle(imp, name, root, reterr);
    json_decref(root);
    return rc;
}

static enum pcn_err read_whole(const char *path, char **ret, size_t *ret_len, struct pcn_error *e)
{
    FILE *f = fopen(path, "re");
    struct stat st;
    char *data = NULL;
    enum pcn_err rc = PCN_OK;

    if (!f)
        return pcn_error_set(e, PCN_EIO, "%s: %s", path, strerror(errno));
    if (fstat(fileno(f), &st) != 0 || st.st_size < 0 || (size_t)st.st_size > FHIR_MAX_FILE) {
        rc = pcn_error_set(e, PCN_ELIMIT, "%s: not a regular file of at most %zu bytes", path,
                           FHIR_MAX_FILE);
        goto out;
    }
    data = pcn_malloc((size_t)st.st_size + 1);
    if (!data) {
        rc = pcn_error_set(e, PCN_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    if (fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        rc = pcn_error_set(e, PCN_EIO, "%s: read error", path);
        goto out;
    }
    data[st.st_size] = 0;
    *ret = data;
    *ret_len = (size_t)st.st_size;
    data = NULL;
out:
    pcn_free(data);
    (void)fclose(f);
    return rc;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static enum pcn_err import_file(struct pcn_importer *imp, const char *path, struct pcn_error *e)
{
    char *data = NULL;
    size_t len = 0;
    enum pcn_err rc;

    if (has_suffix(path, ".ndjson"))
        return import_ndjson_file(imp, path, e);
    rc = read_whole(path, &data, &len, e);
    if (rc == PCN_OK)
        rc = pcn__import_fhir_mem(imp, path, data, len, false, e);
    pcn_free(data);
    pcn__import_progress(imp, path, len, len);
    return rc;
}

/* ---- input lists ---- */

struct file_list {
    char **paths;
    size_t n, alloc;
};

static void file_list_release(struct file_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        pcn_free(l->paths[i]);
    pcn_free(l->paths);
}

static enum pcn_err file_list_add(struct file_list *l, char *path)
{
    if (!path || PCN_GROW(l->paths, l->n + 1, l->alloc) != PCN_OK) {
        pcn_free(path);
        return PCN_ENOMEM;
    }
    l->paths[l->n++] = path;
    return PCN_OK;
}

static const char *base_name(const char *p)
{
    const char *slash = strrchr(p, '/');
    return slash ? slash + 1 : p;
}

/* Patient NDJSON files first (their records are referenced), then by name. */
static int file_order(const void *a, const void *b)
{
    const char *pa = *(const char *const *)a, *pb = *(const char *const *)b;
    bool is_pa = strncmp(base_name(pa), "Patient", 7) == 0;
    bool is_pb = strncmp(base_name(pb), "Patient", 7) == 0;

    if (is_pa != is_pb)
        return is_pa ? -1 : 1;
    return strcmp(pa, pb);
}

static enum pcn_err list_dir(struct file_list *l, const char *dir, struct pcn_error *e)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    enum pcn_err rc = PCN_OK;

    if (!d)
        return pcn_error_set(e, PCN_EIO, "%s: %s", dir, strerror(errno));
    while (rc == PCN_OK) {
        de = readdir(d);
        if (!de)
            break;
        if (de->d_name[0] == '.' ||
            !(has_suffix(de->d_name, ".json") || has_suffix(de->d_name, ".ndjson")))
            continue;
        struct pcn_buf p = PCN_BUF_INIT;
        rc = pcn_buf_addf(&p, "%s/%s", dir, de->d_name);
        if (rc == PCN_OK)
            rc = file_list_add(l, pcn_buf_detach(&p, NULL));
        pcn_buf_release(&p);
        if (rc != PCN_OK)
            rc = pcn_error_set(e, rc, "%s: cannot list directory", dir);
    }
    (void)closedir(d);
    return rc;
}

enum pcn_err pcn__import_fhir_paths(struct pcn_importer *imp, const char *const *paths,
                                    size_t n_paths, struct pcn_error *reterr)
{
    struct file_list l = {0};
    enum pcn_err rc = PCN_OK;

    for (size_t i = 0; i < n_paths && rc == PCN_OK; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0)
            rc = pcn_error_set(reterr, PCN_EIO, "%s: %s", paths[i], strerror(errno));
        else if (S_ISDIR(st.st_mode))
            rc = list_dir(&l, paths[i], reterr);
        else if (file_list_add(&l, pcn_strdup(paths[i])) != PCN_OK)
            rc = pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
    }
    if (rc == PCN_OK && l.n > 1)
        qsort(l.paths, l.n, sizeof(*l.paths), file_order);
    for (size_t i = 0; i < l.n && rc == PCN_OK; i++)
        rc = import_file(imp, l.paths[i], reterr);
    file_list_release(&l);
    return rc;
}
