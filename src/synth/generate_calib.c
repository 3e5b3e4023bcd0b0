/*
 * generate_calib.c - the calibration check: a record sink that recomputes
 * the 21 QOF registers and the eFI from generated records, using only the
 * codes of defs/codelists (never the generator's internal state), and
 * compares register prevalence per practice with QOF 2024-25. Holds one
 * patient's state at a time plus one row of counts per practice.
 */
#include "pcn/generate.h"

#include <stdio.h>
#include <string.h>

#include "synth/refdata_int.h"
#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "pcn/vec.h"
#include "util/common.h"

#define RES_SHIFT 32

struct calib_practice {
    char code[8];
    int64_t list;
    int64_t eligible[PCN_REG_COUNT];
    int64_t on[PCN_REG_COUNT];
};

/* The patient whose records are arriving. */
struct calib_patient {
    bool active; /* registered and alive on the as-of date */
    int age;
    size_t practice;
    int32_t diag[PCN_REG_COUNT]; /* latest diagnosis date */
    int32_t res[PCN_REG_COUNT];  /* latest resolved date */
    int32_t bmi_date;
    double bmi;
    int32_t fracture; /* latest fragility fracture (eFI list) */
    bool asthma_drug; /* issued in the last 12 months */
    bool epilepsy_drug;
    int n_drugs; /* medicines issued in the last 12 months */
    uint64_t efi;
};

struct pcn_gen_calib {
    const struct pcn_refdata *ref;
    int32_t as_of;
    int32_t year_ago;    /* as_of - 12 months: issues after it are "in the last 12 months" */
    int32_t ost_from;    /* OST: fracture on or after 1 April 2012 (50-74) */
    int32_t ost_from_75; /* ... or 1 April 2014 (75+) */
    struct pcn_strmap *reg_codes; /* code -> diagnosis bits | resolved bits << 32 */
    struct pcn_strmap *efi_codes; /* code -> eFI deficit bits */
    struct pcn_strmap *practice_index;
    struct calib_practice *practices;
    size_t n_practices, alloc;
    struct calib_patient cur;
    bool has_cur;
    int64_t efi[4];
};

static const struct {
    int list, reg;
    bool resolved;
} calib_lists[] = {
    {CL_AF, PCN_REG_AF, false},     {CL_AST, PCN_REG_AST, false},
    {CL_CAN, PCN_REG_CAN, false},   {CL_CHD, PCN_REG_CHD, false},
    {CL_CKD, PCN_REG_CKD, false},   {CL_COPD, PCN_REG_COPD, false},
    {CL_DEM, PCN_REG_DEM, false},   {CL_DEP, PCN_REG_DEP, false},
    {CL_DM, PCN_REG_DM, false},     {CL_EP, PCN_REG_EP, false},
    {CL_HF, PCN_REG_HF, false},     {CL_HYP, PCN_REG_HYP, false},
    {CL_LD, PCN_REG_LD, false},     {CL_MH, PCN_REG_MH, false},
    {CL_NDH, PCN_REG_NDH, false},   {CL_OST, PCN_REG_OST, false},
    {CL_PAD, PCN_REG_PAD, false},   {CL_PC, PCN_REG_PC, false},
    {CL_RA, PCN_REG_RA, false},     {CL_STIA, PCN_REG_STIA, false},
    {CL_ASTRES, PCN_REG_AST, true}, {CL_COPDRES, PCN_REG_COPD, true},
    {CL_DMRES, PCN_REG_DM, true},   {CL_HYPRES, PCN_REG_HYP, true},
    {CL_TIA, PCN_REG_STIA, false},  {CL_HAEMCAN, PCN_REG_CAN, false},
};

static enum pcn_err map_or(struct pcn_strmap *m, const char *code, uint64_t bits)
{
    uint64_t v = 0;
    (void)pcn_strmap_get(m, code, strlen(code), &v);
    return pcn_strmap_put(m, code, strlen(code), v | bits);
}

static enum pcn_err build_maps(struct pcn_gen_calib *c)
{
    const struct pcn_refdata *ref = c->ref;
    enum pcn_err rc = PCN_OK;
    for (size_t i = 0; i < PCN_ARRAY_SIZE(calib_lists) && rc == PCN_OK; i++) {
        const struct ref_codelist *l = &ref->lists[calib_lists[i].list];
        uint64_t bit = 1ull << (calib_lists[i].reg + (calib_lists[i].resolved ? RES_SHIFT : 0));
        for (size_t k = 0; k < l->n && rc == PCN_OK; k++)
            rc = map_or(c->reg_codes, l->codes[k], bit);
    }
    for (int d = 0; d < EFI_COUNT && rc == PCN_OK; d++) {
        const struct ref_codelist *l = &ref->lists[CL_EFI_FIRST + d];
        for (size_t k = 0; k < l->n && rc == PCN_OK; k++)
            rc = map_or(c->efi_codes, l->codes[k], 1ull << d);
    }
    return rc;
}

enum pcn_err pcn_gen_calib_new(const struct pcn_refdata *ref, int32_t as_of,
                               struct pcn_gen_calib **ret)
{
    struct pcn_gen_calib *c = pcn_calloc(1, sizeof(*c));
    enum pcn_err rc = PCN_ENOMEM;
    if (!c)
        goto out;
    c->ref = ref;
    c->as_of = as_of != PCN_DATE_NONE ? as_of : ref->extract_date;
    c->year_ago = pcn_date_add_months(c->as_of, -12);
    (void)pcn_date_from_ymd(2012, 4, 1, &c->ost_from);
    (void)pcn_date_from_ymd(2014, 4, 1, &c->ost_from_75);
    c->reg_codes = pcn_strmap_new();
    c->efi_codes = pcn_strmap_new();
    c->practice_index = pcn_strmap_new();
    if (!c->reg_codes || !c->efi_codes || !c->practice_index)
        goto out;
    rc = build_maps(c);
    if (rc != PCN_OK)
        goto out;
    *ret = c;
    c = NULL;
out:
    pcn_gen_calib_free(c);
    return rc;
}

void pcn_gen_calib_free(struct pcn_gen_calib *c)
{
    if (!c)
        return;
    pcn_strmap_free(c->reg_codes);
    pcn_strmap_free(c->efi_codes);
    pcn_strmap_free(c->practice_index);
    pcn_free(c->practices);
    pcn_free(c);
}

/* Apply the register rules to the finished patient and count them. */
static void finish_patient(struct pcn_gen_calib *c)
{
    struct calib_patient *p = &c->cur;
    if (!c->has_cur)
        return;
    c->has_cur = false;
    if (!p->active)
        return;
    struct calib_practice *row = &c->practices[p->practice];
    int32_t dep_from = 0;
    bool on[PCN_REG_COUNT] = {false};
    (void)pcn_date_from_ymd(2006, 4, 1, &dep_from);
    for (int r = 0; r < PCN_REG_COUNT; r++)
        on[r] = p->diag[r] != PCN_DATE_NONE && p->res[r] < p->diag[r];
    on[PCN_REG_DEP] = on[PCN_REG_DEP] && p->diag[PCN_REG_DEP] >= dep_from;
    on[PCN_REG_AST] = on[PCN_REG_AST] && p->asthma_drug;
    on[PCN_REG_EP] = on[PCN_REG_EP] && p->epilepsy_drug;
    on[PCN_REG_OST] = on[PCN_REG_OST] && p->fracture != PCN_DATE_NONE &&
                      p->fracture >= (p->age >= 75 ? c->ost_from_75 : c->ost_from);
    on[PCN_REG_OB] = p->bmi_date != PCN_DATE_NONE && p->bmi_date > c->year_ago && p->bmi >= 30;
    on[PCN_REG_NDH] = on[PCN_REG_NDH] && !on[PCN_REG_DM];
    row->list++;
    for (int r = 0; r < PCN_REG_COUNT; r++) {
        if (p->age < pcn_gen_register_min_age(r))
            continue;
        row->eligible[r]++;
        row->on[r] += on[r];
    }
    if (p->age >= 65) {
        int n = __builtin_popcountll(p->efi) + (p->n_drugs >= 5);
        double score = n / 36.0;
        c->efi[score > 0.36 ? 3 : score > 0.24 ? 2 : score > 0.12 ? 1 : 0]++;
    }
}

static enum pcn_err on_patient(void *ctx, const struct pcn_patient *pt, struct pcn_error *reterr)
{
    struct pcn_gen_calib *c = ctx;
    uint64_t idx = 0;
    int added = 0;
    finish_patient(c);
    const char *code = pt->practice ? pt->practice : "";
    enum pcn_err rc =
        pcn_strmap_intern(c->practice_index, code, strlen(code), c->n_practices, &idx, &added);
    if (rc == PCN_OK && added) {
        rc = PCN_GROW(c->practices, c->n_practices + 1, c->alloc);
        if (rc == PCN_OK) {
            memset(&c->practices[c->n_practices], 0, sizeof(c->practices[0]));
            (void)snprintf(c->practices[c->n_practices].code, 8, "%s", code);
            c->n_practices++;
        }
    }
    if (rc != PCN_OK)
        return pcn_error_set(reterr, rc, "calibration: out of memory");
    struct calib_patient *p = &c->cur;
    memset(p, 0, sizeof(*p));
    p->active = pt->registered_to == PCN_DATE_NONE && pt->date_of_death == PCN_DATE_NONE;
    p->age = pcn_date_age(pt->date_of_birth, c->as_of);
    p->practice = (size_t)idx;
    p->bmi_date = PCN_DATE_NONE;
    p->fracture = PCN_DATE_NONE;
    for (int r = 0; r < PCN_REG_COUNT; r++) {
        p->diag[r] = PCN_DATE_NONE;
        p->res[r] = PCN_DATE_NONE;
    }
    c->has_cur = true;
    return PCN_OK;
}

static enum pcn_err on_event(void *ctx, const struct pcn_event *e, struct pcn_error *reterr)
{
    struct pcn_gen_calib *c = ctx;
    struct calib_patient *p = &c->cur;
    uint64_t bits = 0;
    PCN_UNUSED(reterr);
    if (!c->has_cur || e->date > c->as_of)
        return PCN_OK;
    size_t len = strlen(e->code);
    if (pcn_strmap_get(c->reg_codes, e->code, len, &bits)) {
        for (int r = 0; r < PCN_REG_COUNT; r++) {
            if ((bits >> r) & 1 && e->date > p->diag[r])
                p->diag[r] = e->date;
            if ((bits >> (r + RES_SHIFT)) & 1 && e->date > p->res[r])
                p->res[r] = e->date;
        }
    }
    if (pcn_strmap_get(c->efi_codes, e->code, len, &bits)) {
        p->efi |= bits;
        if ((bits >> EFI_FRACTURE) & 1 && e->date > p->fracture)
            p->fracture = e->date;
    }
    if (strcmp(e->code, "60621009") == 0 && e->has_value &&
        (p->bmi_date == PCN_DATE_NONE || e->date >= p->bmi_date)) {
        p->bmi_date = e->date;
        p->bmi = e->value;
    }
    return PCN_OK;
}

static enum pcn_err on_medication(void *ctx, const struct pcn_medication *m,
                                  struct pcn_error *reterr)
{
    struct pcn_gen_calib *c = ctx;
    PCN_UNUSED(reterr);
    if (!c->has_cur || m->start_date > c->as_of)
        return PCN_OK;
    if (m->start_date <= c->year_ago)
        return PCN_OK;
    c->cur.n_drugs++;
    if (strcmp(m->code, "salbutamol-inhaler") == 0 || strcmp(m->code, "beclometasone-inhaler") == 0)
        c->cur.asthma_drug = true;
    if (strcmp(m->code, "levetiracetam") == 0 || strcmp(m->code, "lamotrigine") == 0 ||
        strcmp(m->code, "sodium-valproate") == 0 || strcmp(m->code, "carbamazepine") == 0)
        c->cur.epilepsy_drug = true;
    return PCN_OK;
}

static const struct pcn_sink_ops calib_ops = {
    .patient = on_patient,
    .event = on_event,
    .medication = on_medication,
};

void pcn_gen_calib_sink(struct pcn_gen_calib *c, struct pcn_sink *ret)
{
    ret->ops = &calib_ops;
    ret->ctx = c;
}

void pcn_gen_calib_each(struct pcn_gen_calib *c,
                        int (*fn)(const struct pcn_gen_calib_row *row, void *ud), void *ud)
{
    finish_patient(c);
    for (size_t i = 0; i < c->n_practices; i++) {
        const struct calib_practice *p = &c->practices[i];
        for (int r = 0; r < PCN_REG_COUNT; r++) {
            struct pcn_gen_calib_row row = {
                .practice = p->code,
                .reg = r,
                .list_size = p->list,
                .eligible = p->eligible[r],
                .on_register = p->on[r],
                .generated = p->eligible[r] ? (double)p->on[r] / (double)p->eligible[r] : 0,
                .published = -1,
            };
            if (pcn_refdata_qof_prevalence(c->ref, p->code, r, &row.published) != PCN_OK)
                row.published = -1;
            double diff = row.generated - row.published;
            double tol = PCN_MAX(0.10 * row.published, 0.003);
            row.within = row.published >= 0 && diff <= tol && -diff <= tol;
            if (fn(&row, ud))
                return;
        }
    }
}

void pcn_gen_calib_efi(struct pcn_gen_calib *c, int64_t ret[4])
{
    finish_patient(c);
    memcpy(ret, c->efi, sizeof(c->efi));
}
