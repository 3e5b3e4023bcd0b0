/*
 * generate_records.c - one person's coded record (docs/generator.md, "The
 * model"): diagnoses of their registers, resolved conditions, care home
 * and housebound codes, QRISK, personalised care adjustments, blood
 * pressure and laboratory values conditioned on diagnosis and treatment,
 * BMI, smoking, reviews, eFI deficits, medication reviews, flu and
 * encounters. Every rate that a practice controls goes through the
 * practice effect (pcn__gen_quality()). The random draws do not depend on
 * which kinds of record the sink takes, so the calibration sink sees the
 * same twin as a database or a bundle.
 */
#include <math.h>
#include <string.h>

#include "synth/generate_int.h"
#include "synth/generate_model.h"
#include "synth/refdata_int.h"
#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "util/common.h"

#define MAX_DEFICITS 23 /* eFI <= 0.64: frailty indices stay below ~0.67 (docs/generator.md) */

/*
 * BP and HbA1c control depend on two domains (being measured in the year,
 * then the value): the value's share of the practice effect is scaled so
 * that the indicator's spread between practices is the published one
 * (0.74 = sqrt(1 - (0.72 x 0.089)^2 / 0.089^2) / 0.92: measured 92% of
 * the time, controlled 72% of those).
 */
#define TWO_DOMAINS 0.74

/* Registers whose people are reviewed yearly (BP, smoking): QOF's long-term conditions. */
#define LTC_BP_REGS                                                                                \
    ((1u << PCN_REG_HYP) | (1u << PCN_REG_DM) | (1u << PCN_REG_CHD) | (1u << PCN_REG_STIA) |       \
     (1u << PCN_REG_CKD) | (1u << PCN_REG_HF) | (1u << PCN_REG_AF) | (1u << PCN_REG_PAD))
#define LTC_SMOK_REGS                                                                              \
    ((1u << PCN_REG_HYP) | (1u << PCN_REG_DM) | (1u << PCN_REG_CHD) | (1u << PCN_REG_STIA) |       \
     (1u << PCN_REG_CKD) | (1u << PCN_REG_COPD) | (1u << PCN_REG_AST) | (1u << PCN_REG_MH) |       \
     (1u << PCN_REG_PAD))

/* ---------------------------------------------------------------- sink helpers */

enum pcn_err pcn__gen_emit_term(struct gen *g, const char *system, const char *code,
                                const char *term)
{
    char key[96];
    uint64_t v = 0;
    int added = 0;
    if (!g->sink->ops->term || !term || !*term)
        return PCN_OK;
    size_t ls = strlen(system), lc = strlen(code);
    if (ls + lc + 2 > sizeof(key))
        return PCN_OK;
    memcpy(key, system, ls);
    key[ls] = '|';
    memcpy(key + ls + 1, code, lc);
    key[ls + 1 + lc] = '\0';
    enum pcn_err rc = pcn_strmap_intern(g->terms_seen, key, ls + 1 + lc, 1, &v, &added);
    if (rc != PCN_OK || !added)
        return rc;
    struct pcn_term t = {.system = system, .code = code, .term = term};
    g->stats.terms++;
    return g->sink->ops->term(g->sink->ctx, &t, g->err);
}

static enum pcn_err emit_event(struct rec *c, int l, long idx, int32_t date,
                               enum pcn_event_kind kind, int has_value, double value,
                               const char *unit)
{
    struct gen *g = c->g;
    const struct ref_codelist *cl = &g->ref->lists[l];
    enum pcn_err rc = PCN_OK;
    if (idx < 0)
        idx = (long)pcn_rng_below(&g->rng, cl->n);
    /* the per-list flag saves a hash lookup per event; emit_term() de-duplicates across lists */
    if (!g->term_done[l][idx]) {
        g->term_done[l][idx] = 1;
        rc = pcn__gen_emit_term(g, "snomed", cl->codes[idx], cl->terms[idx]);
    }
    if (rc != PCN_OK || !g->sink->ops->event)
        return rc;
    struct pcn_event e = {
        .patient_id = c->pid,
        .date = date,
        .end_date = PCN_DATE_NONE,
        .kind = kind,
        .system = "snomed",
        .code = cl->codes[idx],
        .has_value = has_value,
        .value = value,
        .unit = unit,
        .source = "generator",
    };
    g->stats.events++;
    return g->sink->ops->event(g->sink->ctx, &e, g->err);
}

enum pcn_err pcn__gen_ev(struct rec *c, int l, long idx, int32_t date, enum pcn_event_kind kind)
{
    return emit_event(c, l, idx, date, kind, 0, 0, NULL);
}

enum pcn_err pcn__gen_obs(struct rec *c, int l, long idx, int32_t date, double v, const char *unit)
{
    return emit_event(c, l, idx, date, PCN_EVENT_OBSERVATION, 1, v, unit);
}

static bool on(const struct person *x, int reg)
{
    return (x->regs & (1u << reg)) != 0;
}

static int n_regs(const struct person *x)
{
    return __builtin_popcount(x->regs);
}

/* The probability p_base of the practice's quality domain d (pcn__gen_quality) as a chance. */
static bool achieves(struct rec *c, enum quality_domain d, double p_base)
{
    return gen_chance(&c->g->rng, pcn__gen_quality(c, d, p_base));
}

/* ---------------------------------------------------------------- diagnoses */

static int32_t onset_date(struct rec *c, int reg)
{
    const struct model_register *m = &model_regs[reg];
    struct pcn_rng *r = &c->g->rng;
    int32_t earliest = pcn_date_add_months(c->x->dob, 12 * m->min_age);
    int32_t floor_date = PCN_DATE_NONE;
    if (reg == PCN_REG_DEP)
        (void)pcn_date_from_ymd(2006, 4, 1, &floor_date);
    else if (reg == PCN_REG_CAN)
        (void)pcn_date_from_ymd(2003, 4, 1, &floor_date);
    if (floor_date != PCN_DATE_NONE && earliest < floor_date)
        earliest = floor_date;
    if (earliest >= c->ref_date - 30)
        earliest = PCN_MAX(c->x->dob, c->ref_date - 365);
    double years = -m->mean_years * log(1.0 - pcn_rng_uniform(r));
    int32_t d = c->ref_date - 1 - (int32_t)(years * GEN_DAYS_YEAR);
    return d < earliest ? gen_date_between(r, earliest, c->ref_date - 1) : d;
}

/* A diagnosis code of the register fitting the person's sex (and CKD stage). */
static long diag_code(struct rec *c, int reg)
{
    struct gen *g = c->g;
    int s = c->x->sex;
    if (reg == PCN_REG_CKD && c->ckd_stage > 0) {
        int st = c->ckd_stage - 1;
        return g->ckd_stage_codes[st][pcn_rng_below(&g->rng, (uint64_t)g->n_ckd_stage_codes[st])];
    }
    return g->diag_codes[reg][s][pcn_rng_below(&g->rng, (uint64_t)g->diag_pick[reg][s])];
}

/*
 * QOF's osteoporosis register (OST004) needs a fragility fracture on or
 * after 1 April 2012 (50-74) or 1 April 2014 (75+) besides the diagnosis:
 * one from the eFI fracture list (codes in no register cluster), dated
 * since April 2014 and not before age 50.
 */
static enum pcn_err fragility_fracture(struct rec *c)
{
    struct gen *g = c->g;
    int32_t from = PCN_DATE_NONE;
    (void)pcn_date_from_ymd(2014, 4, 1, &from);
    from = PCN_MAX(from, pcn_date_add_months(c->x->dob, 12 * 50));
    if (from >= c->ref_date - 30)
        from = c->ref_date - 365;
    if (g->n_efi_codes[EFI_FRACTURE] == 0)
        return PCN_OK;
    size_t k = (size_t)pcn_rng_below(&g->rng, (uint64_t)g->n_efi_codes[EFI_FRACTURE]);
    long idx = (long)g->efi_codes[EFI_FRACTURE][k];
    c->efi |= g->efi_code_bits[EFI_FRACTURE][k];
    return pcn__gen_ev(c, CL_EFI_FIRST + EFI_FRACTURE, idx,
                       gen_date_between(&g->rng, from, c->ref_date - 1), PCN_EVENT_CONDITION);
}

/* CKD stage of a person on the register: 3a 70%, 3b 22%, 4 6.5%, 5 1.5%. */
static int ckd_stage(struct pcn_rng *r)
{
    double u = pcn_rng_uniform(r);
    return u < 0.70 ? 1 : u < 0.92 ? 2 : u < 0.985 ? 3 : 4;
}

static enum pcn_err diagnoses(struct rec *c)
{
    enum pcn_err rc = PCN_OK;
    if (on(c->x, PCN_REG_CKD))
        c->ckd_stage = ckd_stage(&c->g->rng);
    for (int reg = 0; reg < PCN_REG_COUNT && rc == PCN_OK; reg++) {
        const struct model_register *m = &model_regs[reg];
        if (!on(c->x, reg) || m->list < 0)
            continue;
        int32_t d = reg == PCN_REG_NDH ? pcn__gen_recent(c, 700) : onset_date(c, reg);
        long idx = diag_code(c, reg);
        rc = pcn__gen_ev(c, m->list, idx, d, PCN_EVENT_CONDITION);
        c->efi |= c->g->diag_efi_bits[reg][idx];
        if (rc == PCN_OK && reg == PCN_REG_OST)
            rc = fragility_fracture(c);
    }
    return rc;
}

/* Diagnoses later resolved (off the register): asthma, hypertension, diabetes, COPD. */
static enum pcn_err resolved(struct rec *c)
{
    static const struct {
        int reg, diag, res;
        double p;
    } res[] = {
        {PCN_REG_AST, CL_AST, CL_ASTRES, 0.03},
        {PCN_REG_HYP, CL_HYP, CL_HYPRES, 0.006},
        {PCN_REG_DM, CL_DM, CL_DMRES, 0.002},
        {PCN_REG_COPD, CL_COPD, CL_COPDRES, 0.001},
    };
    struct pcn_rng *r = &c->g->rng;
    enum pcn_err rc = PCN_OK;
    for (size_t i = 0; i < PCN_ARRAY_SIZE(res) && rc == PCN_OK; i++) {
        if (on(c->x, res[i].reg) || c->x->age < 10 || !gen_chance(r, res[i].p))
            continue;
        int32_t from = c->x->dob + 365;
        int32_t d = gen_date_between(r, from, c->ref_date - 60);
        int32_t e = gen_date_between(r, d + 30, c->ref_date - 1);
        long idx = diag_code(c, res[i].reg);
        c->efi |= c->g->diag_efi_bits[res[i].reg][idx];
        rc = pcn__gen_ev(c, res[i].diag, idx, d, PCN_EVENT_CONDITION);
        if (rc == PCN_OK)
            rc = pcn__gen_ev(c, res[i].res, 0, e, PCN_EVENT_CONDITION);
    }
    return rc;
}

/* ---------------------------------------------------------------- care and risk */

/* SMI and LD (14+) are offered an annual physical health check. */
static bool annual_check(const struct person *x)
{
    return on(x, PCN_REG_MH) || (on(x, PCN_REG_LD) && x->age >= 14);
}

/* Care home (nursing or residential home code, with a care requirement) and housebound. */
static enum pcn_err home_codes(struct rec *c)
{
    struct gen *g = c->g;
    const struct person *x = c->x;
    enum pcn_err rc = PCN_OK;
    if (x->flags & PF_CAREHOME) {
        int fx = (x->flags & PF_NURSING) ? FX_NURSING_HOME : FX_RESIDENTIAL_HOME;
        rc = pcn__gen_ev(c, CL_CAREHOME, g->fixed[fx], pcn__gen_recent(c, 3 * 365),
                         PCN_EVENT_OBSERVATION);
        c->efi |= g->fixed_efi_bits[fx];
        /* "lives in nursing home" is itself an eFI care requirement code; a residential home not */
        if (rc == PCN_OK && !(c->efi & (1ull << EFI_CARE)) && g->n_efi_codes[EFI_CARE]) {
            size_t k = (size_t)pcn_rng_below(&g->rng, g->n_efi_codes[EFI_CARE]);
            c->efi |= g->efi_code_bits[EFI_CARE][k];
            rc = pcn__gen_ev(c, CL_EFI_FIRST + EFI_CARE, (long)g->efi_codes[EFI_CARE][k],
                             pcn__gen_recent(c, 3 * 365), PCN_EVENT_OBSERVATION);
        }
    }
    if (rc == PCN_OK && (x->flags & PF_HOUSEBOUND)) {
        rc = pcn__gen_ev(c, CL_EFI_FIRST + EFI_HOUSEBOUND, g->fixed[FX_HOUSEBOUND],
                         pcn__gen_recent(c, 2 * 365), PCN_EVENT_OBSERVATION);
        c->efi |= g->fixed_efi_bits[FX_HOUSEBOUND];
    }
    return rc;
}

/* Social prescribing: about 1.5% of a list referred in two years, more where deprived. */
static enum pcn_err social(struct rec *c)
{
    const struct person *x = c->x;
    double p = 0.004 + 0.002 * (10 - x->decile) + 0.01 * (on(x, PCN_REG_DEP) || on(x, PCN_REG_MH)) +
               0.003 * n_regs(x);
    if (x->age < 16 || !gen_chance(&c->g->rng, p))
        return PCN_OK;
    return pcn__gen_ev(c, CL_SOCPRES, c->g->fixed[FX_SOCPRES], pcn__gen_recent(c, 2 * 365),
                       PCN_EVENT_PROCEDURE);
}

/*
 * QRISK3 10-year CVD risk for adults 25-84 without CVD (the Network DES CVD
 * indicators): recorded in the last 5 years for half of people 40+ and a
 * tenth of younger adults; risk rises with age, male sex, the
 * cardiometabolic factor, diabetes and hypertension (about 5% for a man of
 * 50, 18% at 70, 33% at 80; women about 0.6 times that).
 */
static enum pcn_err qrisk(struct rec *c)
{
    const struct person *x = c->x;
    if (x->age < 25 || x->age > 84 || on(x, PCN_REG_CHD) || on(x, PCN_REG_STIA) ||
        on(x, PCN_REG_PAD) || !achieves(c, Q_QRISK, x->age >= 40 ? 0.5 : 0.1))
        return PCN_OK;
    double h = exp(-7.0 + 0.07 * x->age + 0.5 * (x->sex == 0) + 0.3 * x->c +
                   0.6 * on(x, PCN_REG_DM) + 0.3 * on(x, PCN_REG_HYP));
    c->qrisk = round(1000 * (1 - exp(-h))) / 10;
    if (c->qrisk < 0.1)
        c->qrisk = 0.1;
    return pcn__gen_obs(c, CL_QRISK, c->g->fixed[FX_QRISK], pcn__gen_recent(c, 5 * 365), c->qrisk,
                        "%");
}

/* ---------------------------------------------------------------- personalised care adjustments */

/*
 * Yearly PCA rate of each register with PCA codes (before the practice's
 * habit): QOF's exception rates run at several percent.
 */
static const struct {
    int reg, pca; /* pca: enum ref_pca, or -1 for diabetes (its own clusters) */
    double p;
} pca_rates[] = {
    {PCN_REG_DM, -1, 0.05},         {PCN_REG_HYP, PCA_HYP, 0.04}, {PCN_REG_AF, PCA_AF, 0.05},
    {PCN_REG_STIA, PCA_STIA, 0.04}, {PCN_REG_CKD, PCA_CKD, 0.04}, {PCN_REG_HF, PCA_HF, 0.05},
    {PCN_REG_COPD, PCA_COPD, 0.05}, {PCN_REG_AST, PCA_AST, 0.06}, {PCN_REG_DEM, PCA_DEM, 0.06},
    {PCN_REG_OST, PCA_OST, 0.04},
};

/* One informed-dissent or patient-unsuitable code (unsuitable more often when frail). */
static enum pcn_err pca_code(struct rec *c, int pca)
{
    const struct person *x = c->x;
    struct gen *g = c->g;
    double p_unsuitable = x->age >= 85 || x->g > 1.2 || (x->flags & PF_CAREHOME) ? 0.7 : 0.35;
    bool unsuitable = gen_chance(&g->rng, p_unsuitable);
    int l = pca < 0 ? (unsuitable ? CL_DMPCAPU : CL_DMPCADEC)
                    : CL_PCA_FIRST + 2 * pca + (unsuitable ? 1 : 0);
    if (g->ref->lists[l].n == 0)
        l = pca < 0 ? CL_DMPCADEC : CL_PCA_FIRST + 2 * pca; /* no "unsuitable" code (COPD) */
    return pcn__gen_ev(c, l, -1, pcn__gen_recent(c, 365), PCN_EVENT_OBSERVATION);
}

/*
 * Diabetes review: invitations for everyone (one before a review, two or
 * three when they do not come, the QOF "two invitations" PCA), a blood
 * test declined for some who do not come.
 */
static enum pcn_err diabetes_review(struct rec *c)
{
    struct gen *g = c->g;
    double p = (c->pca & (1u << PCN_REG_DM)) ? 0.3 * 0.92 : 0.92;
    c->dm_reviewed = achieves(c, Q_DM_PROCESS, p);
    int invites = c->dm_reviewed ? gen_chance(&g->rng, 0.6) : 2 + gen_chance(&g->rng, 0.4);
    if (!c->dm_reviewed && !gen_chance(&g->rng, PCN_MIN(1.0, 0.8 * c->p->habit)))
        invites = 1;
    enum pcn_err rc = PCN_OK;
    for (int i = 0; i < invites && rc == PCN_OK; i++)
        rc = pcn__gen_ev(c, CL_DMINVITE, -1, pcn__gen_recent(c, 365), PCN_EVENT_PROCEDURE);
    if (rc == PCN_OK && !c->dm_reviewed && gen_chance(&g->rng, PCN_MIN(1.0, 0.25 * c->p->habit)))
        rc = pcn__gen_ev(c, CL_BLDTESTDEC, -1, pcn__gen_recent(c, 365), PCN_EVENT_OBSERVATION);
    return rc;
}

static enum pcn_err adjustments(struct rec *c)
{
    const struct person *x = c->x;
    enum pcn_err rc = PCN_OK;
    for (size_t i = 0; i < PCN_ARRAY_SIZE(pca_rates) && rc == PCN_OK; i++) {
        if (!on(x, pca_rates[i].reg) ||
            !gen_chance(&c->g->rng, PCN_MIN(1.0, pca_rates[i].p * c->p->habit)))
            continue;
        c->pca |= 1u << pca_rates[i].reg;
        rc = pca_code(c, pca_rates[i].pca);
    }
    if (rc == PCN_OK && on(x, PCN_REG_DM))
        rc = diabetes_review(c);
    return rc;
}

/* The care of register reg this year: 0.3 times as likely after a PCA. */
static double pca_factor(const struct rec *c, int reg)
{
    return (c->pca & (1u << reg)) ? 0.3 : 1.0;
}

/* ---------------------------------------------------------------- blood pressure */

static bool on_antihypertensive(const struct rec *c)
{
    return pcn__gen_takes(c, MC_CCB) || pcn__gen_takes(c, MC_RAAS) ||
           pcn__gen_takes(c, MC_THIAZIDE) || pcn__gen_takes(c, MC_ALPHA) ||
           pcn__gen_takes(c, MC_BETA);
}

/*
 * Systolic BP: treated hypertension 129 (132 at 80+) moved by the
 * practice's BP control (an SD of 13 mmHg per unit of the practice's
 * probit shift, times TWO_DOMAINS), untreated hypertension 143, SD 13; others 112
 * rising 0.25 a year of age over 18, +4 men, +2.5 per SD of the
 * cardiometabolic factor, SD 12 (most adults off the register are
 * normotensive: about a tenth of those measured read 140 or more).
 */
static double systolic(struct rec *c)
{
    const struct person *x = c->x;
    struct pcn_rng *r = &c->g->rng;
    double mu, sd;
    if (on(x, PCN_REG_HYP)) {
        bool treated = on_antihypertensive(c);
        mu = treated
                 ? 129 + 3 * (x->age >= 80) - 13 * TWO_DOMAINS * c->p->shift[Q_BP_CONTROL] / 1.702
                 : 143;
        sd = 13;
    } else {
        mu = 112 + 0.25 * PCN_MAX(0, x->age - 18) + 4 * (x->sex == 0) + 2.5 * x->c;
        mu -= 3 * on_antihypertensive(c);
        sd = 12;
    }
    double v = round(mu + sd * pcn_rng_normal(r));
    return v < 85 ? 85 : v > 230 ? 230 : v;
}

static enum pcn_err bp_reading(struct rec *c, int32_t d)
{
    double sys = systolic(c);
    double dia = round(0.45 * sys + 30 - 0.2 * c->x->age + 7 * pcn_rng_normal(&c->g->rng));
    dia = dia < 40 ? 40 : dia > 130 ? 130 : dia;
    enum pcn_err rc = pcn__gen_obs(c, CL_SBP, c->g->fixed[FX_SBP], d, sys, "mm[Hg]");
    if (rc == PCN_OK)
        rc = pcn__gen_obs(c, CL_BP, c->g->fixed[FX_DBP], d, dia, "mm[Hg]");
    return rc;
}

/*
 * Recording (practice effect Q_BP_RECORD): people with a long-term
 * condition are measured in the year (92%; three quarters of the others
 * earlier), SMI and LD at their health check (80%); other adults within
 * five years: 82% at 45+ (QOF BP002 about 90% with the conditions), 72% at
 * 40-44 (NHS Health Check), 55% at 25-39, 35% younger.
 */
static enum pcn_err blood_pressure(struct rec *c)
{
    const struct person *x = c->x;
    struct pcn_rng *r = &c->g->rng;
    bool ltc = (x->regs & LTC_BP_REGS) != 0, check = annual_check(x);
    enum pcn_err rc = PCN_OK;
    if (x->age < 16)
        return PCN_OK;
    if (ltc || check) {
        double p = ltc ? 0.92 * pca_factor(c, PCN_REG_HYP) : 0.80;
        if (achieves(c, ltc ? Q_BP_RECORD : Q_HEALTH_CHECK, p)) {
            int n = 1 + gen_chance(r, 0.4);
            for (int i = 0; i < n && rc == PCN_OK; i++)
                rc = bp_reading(c, pcn__gen_recent(c, 365));
            return rc;
        }
        return gen_chance(r, 0.75)
                   ? bp_reading(c, c->ref_date - 365 - (int32_t)pcn_rng_below(r, 1460))
                   : PCN_OK;
    }
    double p = x->age >= 45 ? 0.82 : x->age >= 40 ? 0.72 : x->age >= 25 ? 0.55 : 0.35;
    if (!achieves(c, Q_BP_RECORD, p))
        return PCN_OK;
    rc = bp_reading(c, pcn__gen_recent(c, 5 * 365));
    if (rc == PCN_OK && gen_chance(r, 0.3))
        rc = bp_reading(c, pcn__gen_recent(c, 5 * 365));
    return rc;
}

/* ---------------------------------------------------------------- laboratory values */

/* Glucose-lowering drugs the person takes. */
static int glucose_drugs(const struct rec *c)
{
    return pcn__gen_takes(c, MC_BIGUANIDE) + pcn__gen_takes(c, MC_SU) +
           pcn__gen_takes(c, MC_SGLT2) + pcn__gen_takes(c, MC_DPP4) + pcn__gen_takes(c, MC_INSULIN);
}

/*
 * HbA1c of a person with diabetes (mmol/mol), log-normal (SD 0.2) around a
 * median that rises with treatment intensity: 46 on diet alone, 50 on one
 * drug, 55 on two or more, 63 on insulin; moved by the practice's control.
 */
static double hba1c_diabetic(struct rec *c)
{
    int n = glucose_drugs(c);
    double median = pcn__gen_takes(c, MC_INSULIN) ? 63 : n >= 2 ? 55 : n == 1 ? 50 : 46;
    double mu = log(median) - 0.2 * TWO_DOMAINS * c->p->shift[Q_HBA1C] / 1.702;
    double v = round(exp(mu + 0.2 * pcn_rng_normal(&c->g->rng)));
    return v < 30 ? 30 : v > 180 ? 180 : v;
}

static enum pcn_err hba1c(struct rec *c)
{
    struct gen *g = c->g;
    struct pcn_rng *r = &g->rng;
    const struct person *x = c->x;
    enum pcn_err rc = PCN_OK;
    if (on(x, PCN_REG_DM)) {
        if (!c->dm_reviewed)
            return PCN_OK;
        int n = 1 + gen_chance(r, 0.5);
        double last = 0;
        for (int i = 0; i < n && rc == PCN_OK; i++) {
            last = hba1c_diabetic(c);
            rc = pcn__gen_obs(c, CL_HBA1C, g->fixed[FX_HBA1C], pcn__gen_recent(c, 365), last,
                              "mmol/mol");
        }
        /* QOF's DMMAX PCA: on maximum tolerated therapy with a raised HbA1c */
        if (rc == PCN_OK && last > 58 && glucose_drugs(c) >= 2 &&
            gen_chance(r, PCN_MIN(1.0, 0.15 * c->p->habit)))
            rc = pcn__gen_ev(c, CL_DMMAX, -1, pcn__gen_recent(c, 365), PCN_EVENT_OBSERVATION);
        return rc;
    }
    if (on(x, PCN_REG_NDH) && achieves(c, Q_DM_PROCESS, 0.78))
        return pcn__gen_obs(c, CL_HBA1C, g->fixed[FX_HBA1C], pcn__gen_recent(c, 365),
                            42 + (double)pcn_rng_below(r, 6), "mmol/mol");
    if (x->age >= 40 && gen_chance(r, 0.25)) {
        double v = round(37 + 2.5 * pcn_rng_normal(r));
        v = v < 28 ? 28 : v > 41 ? 41 : v;
        return pcn__gen_obs(c, CL_HBA1C, g->fixed[FX_HBA1C], pcn__gen_recent(c, 3 * 365), v,
                            "mmol/mol");
    }
    return PCN_OK;
}

/* Total cholesterol: 4.2 mmol/L (SD 0.8) on a statin, else 5.2 (SD 1.0). */
static enum pcn_err cholesterol(struct rec *c)
{
    struct pcn_rng *r = &c->g->rng;
    const struct person *x = c->x;
    bool dm = on(x, PCN_REG_DM),
         cvd = on(x, PCN_REG_CHD) || on(x, PCN_REG_STIA) || on(x, PCN_REG_PAD);
    int days = 365;
    if (dm) {
        if (!c->dm_reviewed || !gen_chance(r, 0.9))
            return PCN_OK;
    } else if (cvd || on(x, PCN_REG_CKD)) {
        if (!achieves(c, Q_LAB, 0.85))
            return PCN_OK;
    } else if (c->qrisk > 0 ? !gen_chance(r, 0.9) : x->age < 40 || !gen_chance(r, 0.2)) {
        return PCN_OK;
    } else {
        days = 3 * 365; /* with a QRISK or a health check */
    }
    double v = pcn__gen_takes(c, MC_STATIN) ? 4.2 + 0.8 * pcn_rng_normal(r)
                                            : 5.2 + 0.3 * x->c + 1.0 * pcn_rng_normal(r);
    v = v < 2.0 ? 2.0 : v > 10.0 ? 10.0 : v;
    return pcn__gen_obs(c, CL_CHOL, c->g->fixed[FX_CHOL], pcn__gen_recent(c, days),
                        round(10 * v) / 10, "mmol/L");
}

/*
 * eGFR (mL/min/1.73m2): on the CKD register within the range of the coded
 * stage (3a 45-59, 3b 30-44, 4 15-29, 5 6-14); otherwise 60 or more,
 * falling with age.
 */
static enum pcn_err egfr(struct rec *c)
{
    static const double lo[4] = {45, 30, 15, 6}, width[4] = {14, 14, 14, 8};
    struct pcn_rng *r = &c->g->rng;
    const struct person *x = c->x;
    int days = 365;
    bool ok;
    if (c->ckd_stage > 0)
        ok = achieves(c, Q_LAB, 0.92 * pca_factor(c, PCN_REG_CKD));
    else if (on(x, PCN_REG_DM))
        ok = c->dm_reviewed && gen_chance(r, 0.9);
    else if (on(x, PCN_REG_HYP))
        ok = achieves(c, Q_LAB, 0.8);
    else
        ok = x->age >= 60 && gen_chance(r, 0.35);
    if (c->ckd_stage == 0 && !on(x, PCN_REG_DM) && !on(x, PCN_REG_HYP))
        days = 2 * 365;
    if (!ok)
        return PCN_OK;
    double v;
    if (c->ckd_stage > 0) {
        v = lo[c->ckd_stage - 1] + width[c->ckd_stage - 1] * pcn_rng_uniform(r);
    } else {
        v = 105 - 0.6 * PCN_MAX(0, x->age - 30) + 8 * pcn_rng_normal(r);
        v = v < 60 ? 60 : v > 120 ? 120 : v;
    }
    return pcn__gen_obs(c, CL_EGFR, c->g->fixed[FX_EGFR], pcn__gen_recent(c, days), round(v),
                        "mL/min/{1.73_m2}");
}

/*
 * BMI: people on the obesity register have one of 30+ in the last year;
 * anyone else measured in the year reads under 30 (QOF's register is the
 * latest BMI in 12 months); older readings are unrestricted.
 */
static enum pcn_err bmi(struct rec *c)
{
    struct pcn_rng *r = &c->g->rng;
    const struct person *x = c->x;
    if (x->age < 14 || (x->age < 18 && !annual_check(x)))
        return PCN_OK;
    if (on(x, PCN_REG_OB) && x->age >= 18)
        return pcn__gen_obs(c, CL_BMI, c->g->fixed[FX_BMI], pcn__gen_recent(c, 365),
                            round(10 * (30.0 - 4.5 * log(1.0 - pcn_rng_uniform(r)))) / 10, "kg/m2");
    bool year = (annual_check(x) && achieves(c, Q_HEALTH_CHECK, 0.75)) ||
                (on(x, PCN_REG_DM) && c->dm_reviewed && gen_chance(r, 0.8));
    if (!year && !gen_chance(r, n_regs(x) ? 0.6 : 0.3))
        return PCN_OK;
    double mean = 26.5 + 1.5 * x->c + 2 * on(x, PCN_REG_DM), v = 0;
    for (int i = 0; i < 6; i++) {
        v = mean + 4 * pcn_rng_normal(r);
        if (!year || v < 30)
            break;
    }
    v = v < 15 ? 15 : year && v >= 30 ? 29.9 : v > 60 ? 60 : v;
    int32_t d = year ? pcn__gen_recent(c, 365) : c->ref_date - 366 - (int32_t)pcn_rng_below(r, 730);
    return pcn__gen_obs(c, CL_BMI, c->g->fixed[FX_BMI], PCN_MAX(d, x->dob), round(10 * v) / 10,
                        "kg/m2");
}

/*
 * Smoking status. Current smoking 5% in the least deprived decile to 20% in
 * the most (about 12% overall, as in England), more with SMI or
 * depression; 35% current and 60% ex with COPD. Recorded in the year for
 * 87% of people with a long-term condition (about 90% with the older
 * records that fall in the year; QOF SMOK002), ever for 82% of others 15+.
 */
static enum pcn_err smoking(struct rec *c)
{
    struct pcn_rng *r = &c->g->rng;
    const struct person *x = c->x;
    if (x->age < 15)
        return PCN_OK;
    bool ltc = (x->regs & LTC_SMOK_REGS) != 0;
    int days = 365;
    if (ltc && !achieves(c, Q_SMOKING, 0.87)) {
        if (!gen_chance(r, 0.8))
            return PCN_OK;
        days = 5 * 365;
    } else if (!ltc) {
        if (!achieves(c, Q_SMOKING, 0.82))
            return PCN_OK;
        days = 10 * 365;
    }
    double cur =
        0.05 + 0.017 * (10 - x->decile) + 0.12 * on(x, PCN_REG_MH) + 0.05 * on(x, PCN_REG_DEP);
    double ex = PCN_MIN(0.6, 0.08 + 0.005 * x->age);
    if (on(x, PCN_REG_COPD)) {
        cur = 0.35;
        ex = 0.6;
    }
    double u = pcn_rng_uniform(r);
    int l = u < cur ? CL_SMOK_CUR : u < cur + ex ? CL_SMOK_EX : CL_SMOK_NEVER;
    int32_t d = days == 365 ? pcn__gen_recent(c, 365) : pcn__gen_recent(c, days);
    return pcn__gen_ev(c, l, -1, d, PCN_EVENT_OBSERVATION);
}

/* Annual reviews of asthma and COPD, and the dementia care plan review. */
static enum pcn_err reviews(struct rec *c)
{
    const struct person *x = c->x;
    enum pcn_err rc = PCN_OK;
    if (on(x, PCN_REG_AST) && achieves(c, Q_RESP_REVIEW, 0.62 * pca_factor(c, PCN_REG_AST)))
        rc = pcn__gen_ev(c, CL_AST_REVIEW, c->g->fixed[FX_AST_REVIEW], pcn__gen_recent(c, 365),
                         PCN_EVENT_PROCEDURE);
    if (rc == PCN_OK && on(x, PCN_REG_COPD) &&
        achieves(c, Q_RESP_REVIEW, 0.75 * pca_factor(c, PCN_REG_COPD)))
        rc = pcn__gen_ev(c, CL_COPD_REVIEW, c->g->fixed[FX_COPD_REVIEW], pcn__gen_recent(c, 365),
                         PCN_EVENT_PROCEDURE);
    if (rc == PCN_OK && on(x, PCN_REG_DEM) &&
        achieves(c, Q_DEM_REVIEW, 0.60 * pca_factor(c, PCN_REG_DEM)))
        rc = pcn__gen_ev(c, CL_DEM_CAREPLAN, c->g->fixed[FX_DEM_CAREPLAN], pcn__gen_recent(c, 365),
                         PCN_EVENT_CAREPLAN);
    return rc;
}

/* ---------------------------------------------------------------- frailty, reviews, flu */

/*
 * eFI: people aged 65+ get further coded deficits until they reach a
 * target count drawn from a gamma-Poisson whose mean rises with age and the
 * ill-health factor (tuned to Clegg et al.'s category shares), at most
 * MAX_DEFICITS in all; the deficits a condition stands for (AF, CKD,
 * diabetes...) come only from that condition's register. Then a frailty
 * diagnosis and an eFI score record for some.
 */
static enum pcn_err frailty(struct rec *c)
{
    struct gen *g = c->g;
    struct pcn_rng *r = &g->rng;
    const struct person *x = c->x;
    enum pcn_err rc = PCN_OK;
    if (x->age < 65)
        return PCN_OK;
    double mean = exp(1.21 + 0.028 * (x->age - 65) + 0.2 * x->g);
    double gam = 0;
    for (int i = 0; i < 5; i++)
        gam += -log(1.0 - pcn_rng_uniform(r));
    gam /= 5;
    int target = PCN_MIN(pcn__gen_poisson(r, mean * gam), MAX_DEFICITS);
    int have = __builtin_popcountll(c->efi) + (c->n_drugs >= 5);
    for (int tries = 0; have < target && tries < 60 && rc == PCN_OK; tries++) {
        int d = (int)pcn_rng_below(r, EFI_COUNT);
        if ((c->efi & (1ull << d)) || g->n_efi_codes[d] == 0)
            continue;
        size_t k = (size_t)pcn_rng_below(r, g->n_efi_codes[d]);
        /* a code in several eFI lists counts for each */
        if (have + __builtin_popcountll(g->efi_code_bits[d][k] & ~c->efi) > MAX_DEFICITS)
            continue;
        c->efi |= g->efi_code_bits[d][k];
        have = __builtin_popcountll(c->efi) + (c->n_drugs >= 5);
        rc = pcn__gen_ev(c, CL_EFI_FIRST + d, (long)g->efi_codes[d][k], pcn__gen_recent(c, 5 * 365),
                         PCN_EVENT_CONDITION);
    }
    if (rc != PCN_OK)
        return rc;
    double score = have / 36.0;
    c->severe_frailty = score > 0.36;
    int l = score > 0.36   ? CL_SEVFRAIL
            : score > 0.24 ? CL_MODFRAIL
            : score > 0.12 ? CL_MILDFRAIL
                           : -1;
    if (l >= 0 && gen_chance(r, 0.5))
        rc = pcn__gen_ev(c, l, 0, pcn__gen_recent(c, 365), PCN_EVENT_CONDITION);
    if (rc == PCN_OK && gen_chance(r, 0.55))
        rc = pcn__gen_obs(c, CL_EFI_SCORE, g->fixed[FX_EFI_SCORE], pcn__gen_recent(c, 365),
                          round(score * 100) / 100, NULL);
    return rc;
}

static enum pcn_err med_review(struct rec *c)
{
    if (c->n_drugs == 0 || !achieves(c, Q_MED_REVIEW, c->n_drugs >= 5 ? 0.8 : 0.6))
        return PCN_OK;
    /* the Network DES priority groups get a structured review (SMR) half the time */
    bool smr = (c->x->flags & PF_CAREHOME) || c->n_drugs >= 10 || c->severe_frailty;
    if (smr && gen_chance(&c->g->rng, 0.5))
        return pcn__gen_ev(c, CL_SMR, c->g->fixed[FX_SMR], pcn__gen_recent(c, 365),
                           PCN_EVENT_PROCEDURE);
    return pcn__gen_ev(c, CL_MEDRVW, -1, pcn__gen_recent(c, 365), PCN_EVENT_PROCEDURE);
}

/* One seasonal flu vaccination in the season (1 Sep - 31 Mar) starting on season_start. */
static enum pcn_err flu_dose(struct rec *c, int32_t season_start)
{
    struct gen *g = c->g;
    int32_t end = PCN_MIN(pcn_date_add_months(season_start, 7) - 1, c->ref_date);
    if (end < season_start || end < c->x->dob)
        return PCN_OK;
    struct pcn_immunisation im = {
        .patient_id = c->pid,
        .date = gen_date_between(&g->rng, PCN_MAX(season_start, c->x->dob), end),
        .system = "snomed",
        .code = "822851000000102",
        .source = "generator",
    };
    enum pcn_err rc = pcn__gen_emit_term(g, "snomed", im.code, "Seasonal influenza vaccination");
    if (rc != PCN_OK)
        return rc;
    g->stats.immunisations++;
    return g->sink->ops->immunisation ? g->sink->ops->immunisation(g->sink->ctx, &im, g->err)
                                      : PCN_OK;
}

/*
 * Flu vaccination in the latest two seasons before ref_date; people
 * vaccinated one year are likely to be vaccinated the other.
 */
static enum pcn_err flu(struct rec *c)
{
    struct gen *g = c->g;
    struct pcn_rng *r = &g->rng;
    const struct person *x = c->x;
    double p = x->age >= 65                  ? 0.74
               : n_regs(x) && x->age >= 18   ? 0.42
               : x->age >= 2 && x->age <= 16 ? 0.45
                                             : 0;
    if (x->flags & PF_CAREHOME)
        p = 0.9;
    if (p <= 0)
        return PCN_OK;
    p = pcn__gen_quality(c, Q_FLU, p);
    int y = 0, m = 0, d = 0;
    pcn_date_to_ymd(c->ref_date, &y, &m, &d);
    int32_t latest = 0;
    (void)pcn_date_from_ymd(m >= 9 ? y : y - 1, 9, 1, &latest);
    bool this_year = gen_chance(r, p);
    /* P(last | this) = a and P(last | not this) = b keep P(last) = p */
    double a = 0.3 + 0.7 * p, b = p * (1 - a) / (1 - p);
    bool last_year = gen_chance(r, this_year ? a : b);
    enum pcn_err rc = PCN_OK;
    if (last_year)
        rc = flu_dose(c, pcn_date_add_months(latest, -12));
    if (rc == PCN_OK && this_year)
        rc = flu_dose(c, latest);
    return rc;
}

/*
 * The person's records in an order that lets later ones depend on earlier
 * ones: diagnoses, PCAs, then the medicines they call for (chosen, not
 * yet written), then measurements conditioned on all three.
 */
enum pcn_err pcn__gen_records(struct rec *c)
{
    enum pcn_err rc = diagnoses(c);
    if (rc == PCN_OK)
        rc = resolved(c);
    if (rc == PCN_OK)
        rc = home_codes(c);
    if (rc == PCN_OK)
        rc = social(c);
    if (rc == PCN_OK)
        rc = qrisk(c);
    if (rc == PCN_OK)
        rc = adjustments(c);
    if (rc == PCN_OK)
        pcn__gen_choose_medicines(c);
    if (rc == PCN_OK)
        rc = blood_pressure(c);
    if (rc == PCN_OK)
        rc = hba1c(c);
    if (rc == PCN_OK)
        rc = cholesterol(c);
    if (rc == PCN_OK)
        rc = egfr(c);
    if (rc == PCN_OK)
        rc = bmi(c);
    if (rc == PCN_OK)
        rc = smoking(c);
    if (rc == PCN_OK)
        rc = reviews(c);
    if (rc == PCN_OK)
        rc = pcn__gen_emit_medicines(c);
    if (rc == PCN_OK)
        rc = frailty(c);
    if (rc == PCN_OK)
        rc = med_review(c);
    if (rc == PCN_OK)
        rc = flu(c);
    if (rc == PCN_OK) {
        /* appointments from their own stream: one draw of this one, whatever they hold */
        struct pcn_rng contacts;
        pcn_rng_seed(&contacts, pcn_rng_next(&c->g->rng));
        rc = pcn__gen_contacts(c, &contacts);
    }
    return rc;
}
