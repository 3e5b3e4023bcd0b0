/*
 * generate.c - the synthetic twin generator (docs/generator.md). Works one
 * practice at a time: build the registered list band by band (exact
 * published counts), add the people who left or died during the year,
 * calibrate the 21 QOF registers to the practice's published prevalence,
 * then write each person and their records into the sink. Memory is one
 * practice's people; every practice has its own PRNG stream derived from
 * the seed and its code, so output is deterministic.
 */
#include "pcn/generate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth/generate_int.h"
#include "synth/generate_model.h"
#include "synth/refdata_int.h"
#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "pcn/validate.h"
#include "util/common.h"

#define CATCHMENT 48      /* LSOAs a practice's patients live in */
#define LEAVER_RATE 0.055 /* share of the list deregistering in the year */
#define JOINER_RATE 0.075 /* share of the list registered within the year */
#define DAYS_YEAR 365.25

/* Codes written with values: fixed members of their code lists, checked at start. */
enum fixed_code {
    FX_SBP,
    FX_DBP,
    FX_HBA1C,
    FX_CHOL,
    FX_BMI,
    FX_EGFR,
    FX_AST_REVIEW,
    FX_COPD_REVIEW,
    FX_SMR,
    FX_CAREHOME,
    FX_HOUSEBOUND,
    FX_EFI_SCORE,
    FX_QRISK,
    FX_DEM_CAREPLAN,
    FX_SOCPRES,
    FX_COUNT
};

static const struct {
    int list;
    const char *code;
} fixed_codes[FX_COUNT] = {
    [FX_SBP] = {CL_SBP, "271649006"},
    [FX_DBP] = {CL_BP, "163031004"},
    [FX_HBA1C] = {CL_HBA1C, "999791000000106"},
    [FX_CHOL] = {CL_CHOL, "1005671000000105"},
    [FX_BMI] = {CL_BMI, "60621009"},
    [FX_EGFR] = {CL_EGFR, "1011481000000105"},
    [FX_AST_REVIEW] = {CL_AST_REVIEW, "270442000"},
    [FX_COPD_REVIEW] = {CL_COPD_REVIEW, "389859001"},
    [FX_SMR] = {CL_SMR, "1239511000000100"},
    [FX_CAREHOME] = {CL_CAREHOME, "248171000000108"},
    [FX_HOUSEBOUND] = {CL_EFI_FIRST + EFI_HOUSEBOUND, "160689007"},
    [FX_EFI_SCORE] = {CL_EFI_SCORE, "1084961000000105"},
    [FX_QRISK] = {CL_QRISK, "1085871000000105"},
    [FX_DEM_CAREPLAN] = {CL_DEM_CAREPLAN, "956861000000107"},
    [FX_SOCPRES] = {CL_SOCPRES, "871731000000106"},
};

enum person_status { ST_REGISTERED, ST_LEFT, ST_DIED };

enum person_flag {
    PF_CAREHOME = 1 << 0,
    PF_HOUSEBOUND = 1 << 1,
};

struct person {
    int32_t dob;
    int32_t end;    /* registered_to / date of death; PCN_DATE_NONE while registered */
    uint8_t age;    /* on the as-of date */
    uint8_t sex;    /* 0 male, 1 female */
    uint8_t status; /* enum person_status */
    uint8_t decile; /* IMD 2019 decile of the LSOA */
    uint8_t flags;
    float c, g;    /* latent cardiometabolic and general ill-health factors */
    uint32_t regs; /* registers the person is on */
    uint32_t lsoa; /* index into ref->lsoa_code */
};

/* State of one practice being generated. */
struct gen_practice {
    const char *code;
    int decile; /* practice IMD decile 1..10 */
    int32_t bands[2][REF_N_BANDS];
    double target[PCN_REG_COUNT]; /* prevalence to reach among the eligible */
    double k[PCN_REG_COUNT];      /* calibrated risk multipliers */
    uint32_t catchment[CATCHMENT];
    struct person *people;
    size_t n_people, n_registered;
};

/* One run. */
struct gen {
    const struct pcn_refdata *ref;
    const struct pcn_gen_options *opt;
    const struct pcn_sink *sink;
    const struct pcn_gen_registry *reg;
    struct pcn_error *err;
    struct pcn_gen_stats stats;
    struct pcn_rng rng;
    int32_t as_of;
    uint64_t nhs_next; /* next 9-digit candidate for an NHS number */
    struct pcn_strmap *terms_seen;
    uint32_t *eth_codes[16]; /* ethnicity code list indices by 16-group */
    size_t n_eth_codes[16];
    int32_t diag_pick[PCN_REG_COUNT]; /* diagnosis code pool of each register: count */
    bool diag_efi[PCN_REG_COUNT];     /* the pool's codes are also in the eFI list */
    long *diag_codes[PCN_REG_COUNT];
    double eth_cum[16];
    long fixed[FX_COUNT];
    uint8_t drug_first[PCN_ARRAY_SIZE(model_drugs)]; /* first catalogue entry of the same drug */
    uint8_t *term_done[CL_COUNT];                    /* term of list entry already written */
    uint8_t drug_term_done[PCN_ARRAY_SIZE(model_drugs)];
    /* eFI codes that are in no register list, usable as extra deficits */
    uint32_t *efi_codes[EFI_COUNT];
    size_t n_efi_codes[EFI_COUNT];
};

static bool chance(struct pcn_rng *r, double p)
{
    return pcn_rng_uniform(r) < p;
}

static int poisson(struct pcn_rng *r, double lambda)
{
    double l = exp(-lambda), p = 1.0;
    int k = 0;
    do {
        k++;
        p *= pcn_rng_uniform(r);
    } while (p > l && k < 200);
    return k - 1;
}

/* A date uniformly in [from, to]. */
static int32_t date_between(struct pcn_rng *r, int32_t from, int32_t to)
{
    if (to <= from)
        return from;
    return from + (int32_t)pcn_rng_below(r, (uint64_t)(to - from) + 1);
}

void pcn_gen_options_init(struct pcn_gen_options *o)
{
    memset(o, 0, sizeof(*o));
    o->seed = 1;
    o->as_of = PCN_DATE_NONE;
    o->n_practices = 5;
    o->n_patients = 40000;
    o->with_records = 1;
}

/* ---------------------------------------------------------------- sink helpers */

static enum pcn_err emit_term(struct gen *g, const char *system, const char *code, const char *term)
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

/* Write an event coded from list l (entry idx; -1 picks one at random). */
static enum pcn_err emit_event(struct gen *g, const char *pid, int l, long idx, int32_t date,
                               enum pcn_event_kind kind, int has_value, double value,
                               const char *unit)
{
    const struct ref_codelist *cl = &g->ref->lists[l];
    enum pcn_err rc = PCN_OK;
    if (idx < 0)
        idx = (long)pcn_rng_below(&g->rng, cl->n);
    /* the per-list flag saves a hash lookup per event; emit_term() de-duplicates across lists */
    if (!g->term_done[l][idx]) {
        g->term_done[l][idx] = 1;
        rc = emit_term(g, "snomed", cl->codes[idx], cl->terms[idx]);
    }
    if (rc != PCN_OK || !g->sink->ops->event)
        return rc;
    struct pcn_event e = {
        .patient_id = pid,
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

/* ---------------------------------------------------------------- list building */

/* Date of birth for someone aged exactly `age` on as_of. */
static int32_t dob_for_age(struct pcn_rng *r, int32_t as_of, int age)
{
    int32_t last = pcn_date_add_months(as_of, -12 * age);
    int32_t first = pcn_date_add_months(as_of, -12 * (age + 1)) + 1;
    return date_between(r, first, last);
}

static int age_in_band(struct pcn_rng *r, int band)
{
    if (band < REF_N_BANDS - 1)
        return band * 5 + (int)pcn_rng_below(r, 5);
    /* 95+: survival falls steeply; few reach 100 */
    int age = 95;
    while (age < 108 && chance(r, 0.72))
        age++;
    return age;
}

static double mortality(int age)
{
    return 0.00015 * exp(0.095 * (age - 20));
}

static enum pcn_err add_person(struct gen_practice *p, struct pcn_rng *r, int32_t as_of, int sex,
                               int age)
{
    struct person *x = &p->people[p->n_people++];
    memset(x, 0, sizeof(*x));
    x->age = (uint8_t)age;
    x->sex = (uint8_t)sex;
    x->dob = dob_for_age(r, as_of, age);
    x->end = PCN_DATE_NONE;
    x->c = (float)pcn_rng_normal(r);
    x->g = (float)pcn_rng_normal(r);
    return PCN_OK;
}

/* People who died (weighted by age-specific mortality) or left during the year. */
static void add_leavers(struct gen_practice *p, struct pcn_rng *r, int32_t as_of, size_t n_died,
                        size_t n_left)
{
    double w[2][REF_N_BANDS], total_w = 0, total = 0;
    for (int s = 0; s < 2; s++)
        for (int b = 0; b < REF_N_BANDS; b++) {
            w[s][b] = p->bands[s][b] * mortality(b * 5 + 2);
            total_w += w[s][b];
            total += p->bands[s][b];
        }
    for (size_t i = 0; i < n_died + n_left; i++) {
        bool died = i < n_died;
        double u = pcn_rng_uniform(r) * (died ? total_w : total);
        int s = 0, b = 0;
        for (s = 0; s < 2; s++) {
            for (b = 0; b < REF_N_BANDS; b++) {
                u -= died ? w[s][b] : p->bands[s][b];
                if (u < 0)
                    break;
            }
            if (b < REF_N_BANDS)
                break;
        }
        if (s == 2) {
            s = 1;
            b = REF_N_BANDS - 1;
        }
        (void)add_person(p, r, as_of, s, age_in_band(r, b));
        struct person *x = &p->people[p->n_people - 1];
        x->status = died ? ST_DIED : ST_LEFT;
        /* they left or died during the year, and after they were born */
        if (x->dob > as_of - 2)
            x->dob = as_of - 2;
        x->end = date_between(r, PCN_MAX(x->dob + 1, as_of - 364), as_of - 1);
        if (died)
            x->g += 1.0f;
    }
}

static enum pcn_err build_people(struct gen_practice *p, struct pcn_rng *r, int32_t as_of)
{
    size_t n = 0;
    double deaths = 0;
    for (int s = 0; s < 2; s++)
        for (int b = 0; b < REF_N_BANDS; b++) {
            n += (size_t)p->bands[s][b];
            deaths += p->bands[s][b] * mortality(b * 5 + 2);
        }
    size_t n_died = (size_t)llround(deaths);
    size_t n_left = (size_t)llround((double)n * LEAVER_RATE);
    size_t bytes = 0;
    if (!pcn_size_mul(n + n_died + n_left + 1, sizeof(struct person), &bytes))
        return PCN_ELIMIT;
    p->people = pcn_malloc(bytes);
    if (!p->people)
        return PCN_ENOMEM;
    p->n_people = 0;
    for (int s = 0; s < 2; s++)
        for (int b = 0; b < REF_N_BANDS; b++)
            for (int32_t i = 0; i < p->bands[s][b]; i++)
                (void)add_person(p, r, as_of, s, age_in_band(r, b));
    /* shuffle so the output is not ordered by band */
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)pcn_rng_below(r, i);
        struct person t = p->people[i - 1];
        p->people[i - 1] = p->people[j];
        p->people[j] = t;
    }
    p->n_registered = n;
    add_leavers(p, r, as_of, n_died, n_left);
    return PCN_OK;
}

/* Pick the practice's catchment LSOAs around its deprivation decile. */
static void pick_catchment(const struct pcn_refdata *ref, struct gen_practice *p, struct pcn_rng *r,
                           int lad)
{
    for (int i = 0; i < CATCHMENT; i++) {
        int d = (int)lround(p->decile + 1.4 * pcn_rng_normal(r));
        d = d < 1 ? 1 : d > 10 ? 10 : d;
        uint32_t pick = ref->by_decile[d - 1][pcn_rng_below(r, ref->n_by_decile[d - 1])];
        if (lad >= 0) {
            /* an LSOA of the practice's own local authority, of the nearest decile */
            uint32_t from = ref->lad_start[lad], n = ref->lad_start[lad + 1] - from;
            uint32_t start = (uint32_t)pcn_rng_below(r, n);
            int best = 99;
            for (uint32_t k = 0; k < n && best > 0; k++) {
                uint32_t j = ref->lad_lsoa[from + (start + k) % n];
                int dist = abs(ref->lsoa_decile[j] - d);
                if (dist < best) {
                    best = dist;
                    pick = j;
                }
            }
        }
        p->catchment[i] = pick;
    }
}

/* ---------------------------------------------------------------- registers */

static double age_shape(const struct model_register *m, double age)
{
    switch (m->kind) {
    case 0:
        return 1.0 / (1.0 + exp(-(age - m->a) / m->s));
    case 1:
        return m->f + (1 - m->f) * exp(-0.5 * ((age - m->a) / m->s) * ((age - m->a) / m->s));
    default:
        return exp(-age / m->s);
    }
}

static double risk(int reg, const struct person *x)
{
    const struct model_register *m = &model_regs[reg];
    double dep = (5.5 - x->decile) / 4.5;
    double w = age_shape(m, x->age) * (x->sex == 0 ? m->male : 1.0);
    return w * exp(m->lc * x->c + m->lg * x->g + m->ld * dep);
}

static bool eligible(int reg, const struct person *x)
{
    if (x->age < pcn_gen_register_min_age(reg))
        return false;
    /* QOF's NDH register excludes people on the diabetes register */
    return reg != PCN_REG_NDH || !(x->regs & (1u << PCN_REG_DM));
}

/*
 * Put exactly round(target x eligible) registered people on register reg,
 * each with probability min(1, k w) (systematic sampling), and remember k
 * for the people who left or died.
 */
static void assign_register(struct gen_practice *p, struct pcn_rng *r, int reg, double *w)
{
    size_t n = 0;
    double sum = 0;
    for (size_t i = 0; i < p->n_registered; i++) {
        const struct person *x = &p->people[i];
        w[i] = eligible(reg, x) ? risk(reg, x) : 0;
        sum += w[i];
        /* the denominator is QOF's: everyone old enough, at risk or not */
        n += x->age >= pcn_gen_register_min_age(reg);
    }
    double want = round(p->target[reg] * (double)n);
    if (want <= 0 || sum <= 0) {
        p->k[reg] = 0;
        return;
    }
    /*
     * Solve sum min(1, k w) = want: with C people capped at 1 and S the
     * weight of the others, k = (want - C) / S; iterate until C is stable
     * (k only grows, so a few rounds suffice).
     */
    double hi = want / sum;
    size_t capped = 0;
    for (int it = 0; it < 60; it++) {
        size_t c = 0;
        double rest = 0;
        for (size_t i = 0; i < p->n_registered; i++) {
            if (hi * w[i] >= 1.0)
                c++;
            else
                rest += w[i];
        }
        if ((it > 0 && c == capped) || rest <= 0 || (double)c >= want)
            break;
        capped = c;
        hi = (want - (double)c) / rest;
    }
    p->k[reg] = hi;
    double acc = pcn_rng_uniform(r);
    for (size_t i = 0; i < p->n_registered; i++) {
        acc += PCN_MIN(1.0, hi * w[i]);
        if (acc >= 1.0) {
            acc -= 1.0;
            p->people[i].regs |= 1u << reg;
        }
    }
    for (size_t i = p->n_registered; i < p->n_people; i++) {
        struct person *x = &p->people[i];
        if (eligible(reg, x) && chance(r, PCN_MIN(1.0, hi * risk(reg, x))))
            x->regs |= 1u << reg;
    }
}

static enum pcn_err assign_registers(struct gen_practice *p, struct pcn_rng *r)
{
    double *w = pcn_calloc(p->n_registered + 1, sizeof(double));
    if (!w)
        return PCN_ENOMEM;
    /* DM before NDH: the NDH register is calibrated among people without diabetes */
    for (int reg = 0; reg < PCN_REG_COUNT; reg++)
        if (reg != PCN_REG_NDH)
            assign_register(p, r, reg, w);
    assign_register(p, r, PCN_REG_NDH, w);
    pcn_free(w);
    return PCN_OK;
}

/* ---------------------------------------------------------------- per-person records */

/* Everything one person's records need while they are written. */
struct rec {
    struct gen *g;
    const struct person *x;
    const char *pid;
    int32_t ref_date; /* as-of date, or the date they left or died */
    uint64_t efi;     /* eFI deficits coded so far (bit per enum ref_efi) */
    int n_drugs;
    bool severe_frailty; /* eFI > 0.36 */
    double qrisk;        /* latest QRISK3 10-year risk (%) recorded, 0 if none */
};

static int32_t recent(struct rec *c, int max_days)
{
    int32_t from = c->ref_date - max_days + 1;
    if (from < c->x->dob)
        from = c->x->dob;
    return date_between(&c->g->rng, from, c->ref_date);
}

static enum pcn_err ev(struct rec *c, int l, long idx, int32_t date, enum pcn_event_kind kind)
{
    return emit_event(c->g, c->pid, l, idx, date, kind, 0, 0, NULL);
}

static enum pcn_err obs(struct rec *c, int l, long idx, int32_t date, double v, const char *unit)
{
    return emit_event(c->g, c->pid, l, idx, date, PCN_EVENT_OBSERVATION, 1, v, unit);
}

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
    int32_t d = c->ref_date - 1 - (int32_t)(years * DAYS_YEAR);
    return d < earliest ? date_between(r, earliest, c->ref_date - 1) : d;
}

/* Diagnosis code of a register: one also in the matching eFI list when there is one. */
static long diag_code(struct rec *c, int reg)
{
    struct gen *g = c->g;
    if (g->diag_pick[reg] > 0)
        return g->diag_codes[reg][pcn_rng_below(&g->rng, (uint64_t)g->diag_pick[reg])];
    return -1;
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
    long idx = (long)g->efi_codes[EFI_FRACTURE]
                                 [pcn_rng_below(&g->rng, (uint64_t)g->n_efi_codes[EFI_FRACTURE])];
    c->efi |= 1ull << EFI_FRACTURE;
    return ev(c, CL_EFI_FIRST + EFI_FRACTURE, idx, date_between(&g->rng, from, c->ref_date - 1),
              PCN_EVENT_CONDITION);
}

static enum pcn_err diagnoses(struct rec *c)
{
    enum pcn_err rc = PCN_OK;
    for (int reg = 0; reg < PCN_REG_COUNT && rc == PCN_OK; reg++) {
        const struct model_register *m = &model_regs[reg];
        if (!(c->x->regs & (1u << reg)) || m->list < 0)
            continue;
        int32_t d = reg == PCN_REG_NDH ? recent(c, 700) : onset_date(c, reg);
        rc = ev(c, m->list, diag_code(c, reg), d, PCN_EVENT_CONDITION);
        if (c->g->diag_efi[reg])
            c->efi |= 1ull << m->efi;
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
        if ((c->x->regs & (1u << res[i].reg)) || c->x->age < 10 || !chance(r, res[i].p))
            continue;
        int32_t from = c->x->dob + 365;
        int32_t d = date_between(r, from, c->ref_date - 60);
        int32_t e = date_between(r, d + 30, c->ref_date - 1);
        rc = ev(c, res[i].diag, diag_code(c, res[i].reg), d, PCN_EVENT_CONDITION);
        if (rc == PCN_OK)
            rc = ev(c, res[i].res, 0, e, PCN_EVENT_CONDITION);
    }
    return rc;
}

static bool on(const struct person *x, int reg)
{
    return (x->regs & (1u << reg)) != 0;
}

static int n_regs(const struct person *x)
{
    return __builtin_popcount(x->regs);
}

/* People with SMI or a learning disability (14+) are offered an annual physical health check. */
static bool annual_check(const struct person *x)
{
    return on(x, PCN_REG_MH) || (on(x, PCN_REG_LD) && x->age >= 14);
}

static enum pcn_err blood_pressure(struct rec *c, bool ltc)
{
    struct pcn_rng *r = &c->g->rng;
    const struct person *x = c->x;
    double p = ltc ? 0.88 : x->age >= 40 ? 0.45 : x->age >= 18 ? 0.2 : 0;
    if (!ltc && annual_check(x)) {
        ltc = true; /* a reading in the last year */
        p = 0.78;
    }
    if (!chance(r, p))
        return PCN_OK;
    int n = 1 + (ltc && chance(r, 0.4));
    enum pcn_err rc = PCN_OK;
    for (int i = 0; i < n && rc == PCN_OK; i++) {
        int32_t d = recent(c, ltc ? 365 : 3 * 365);
        double base = on(x, PCN_REG_HYP) ? 132 : 118 + 0.3 * x->age;
        double sys = round(base + 14 * pcn_rng_normal(r));
        double dia = round(sys * 0.58 + 6 * pcn_rng_normal(r));
        rc = obs(c, CL_SBP, c->g->fixed[FX_SBP], d, sys, "mm[Hg]");
        if (rc == PCN_OK)
            rc = obs(c, CL_BP, c->g->fixed[FX_DBP], d, dia, "mm[Hg]");
    }
    return rc;
}

static enum pcn_err lab_tests(struct rec *c)
{
    struct gen *g = c->g;
    struct pcn_rng *r = &g->rng;
    const struct person *x = c->x;
    enum pcn_err rc = PCN_OK;
    bool dm = on(x, PCN_REG_DM),
         cvd = on(x, PCN_REG_CHD) || on(x, PCN_REG_STIA) || on(x, PCN_REG_PAD);
    if (dm && chance(r, 0.9)) {
        int n = 1 + chance(r, 0.5);
        for (int i = 0; i < n && rc == PCN_OK; i++) {
            double v = round(exp(log(52.0) + 0.25 * pcn_rng_normal(r)));
            rc = obs(c, CL_HBA1C, g->fixed[FX_HBA1C], recent(c, 365), v, "mmol/mol");
        }
    } else if (on(x, PCN_REG_NDH) && chance(r, 0.8)) {
        rc = obs(c, CL_HBA1C, g->fixed[FX_HBA1C], recent(c, 365), 42 + (double)pcn_rng_below(r, 6),
                 "mmol/mol");
    } else if (x->age >= 40 && chance(r, 0.25)) {
        rc = obs(c, CL_HBA1C, g->fixed[FX_HBA1C], recent(c, 3 * 365),
                 round(36 + 3 * pcn_rng_normal(r)) > 41 ? 41 : round(36 + 3 * pcn_rng_normal(r)),
                 "mmol/mol");
    }
    if (rc == PCN_OK && chance(r, dm || cvd || on(x, PCN_REG_CKD) ? 0.8 : x->age >= 40 ? 0.2 : 0))
        rc = obs(c, CL_CHOL, g->fixed[FX_CHOL], recent(c, 365),
                 round(10 * (4.7 + pcn_rng_normal(r))) / 10, "mmol/L");
    if (rc == PCN_OK) {
        bool ckd = on(x, PCN_REG_CKD);
        double p = ckd ? 0.9 : dm || on(x, PCN_REG_HYP) ? 0.8 : x->age >= 60 ? 0.35 : 0;
        if (chance(r, p)) {
            double v = ckd ? 30 + 29 * pcn_rng_uniform(r) : 60 + 35 * pcn_rng_uniform(r);
            rc = obs(c, CL_EGFR, g->fixed[FX_EGFR], recent(c, 365), round(v), "mL/min/{1.73_m2}");
        }
    }
    return rc;
}

/* BMI: people on the obesity register have one of 30+ in the last year; nobody else does. */
static enum pcn_err bmi(struct rec *c)
{
    struct pcn_rng *r = &c->g->rng;
    const struct person *x = c->x;
    if (x->age < 14 || (x->age < 18 && !annual_check(x)))
        return PCN_OK;
    if (on(x, PCN_REG_OB) && x->age >= 18)
        return obs(c, CL_BMI, c->g->fixed[FX_BMI], recent(c, 365),
                   round(10 * (30.0 - 4.5 * log(1.0 - pcn_rng_uniform(r)))) / 10, "kg/m2");
    bool check = annual_check(x) && chance(r, 0.7);
    if (!check && !chance(r, n_regs(x) ? 0.6 : 0.3))
        return PCN_OK;
    double v = 25.0 + 2.6 * pcn_rng_normal(r);
    v = v < 16.5 ? 16.5 : v > 29.9 ? 29.9 : v;
    return obs(c, CL_BMI, c->g->fixed[FX_BMI], recent(c, check ? 365 : 2 * 365), round(10 * v) / 10,
               "kg/m2");
}

static enum pcn_err smoking(struct rec *c)
{
    struct pcn_rng *r = &c->g->rng;
    const struct person *x = c->x;
    if (x->age < 15 || !chance(r, n_regs(x) ? 0.95 : 0.75))
        return PCN_OK;
    double cur = 0.06 + 0.025 * (10 - x->decile), ex = 0.1 + 0.004 * x->age;
    if (on(x, PCN_REG_COPD)) {
        cur = 0.35;
        ex = 0.6;
    }
    double u = pcn_rng_uniform(r);
    int l = u < cur ? CL_SMOK_CUR : u < cur + ex ? CL_SMOK_EX : CL_SMOK_NEVER;
    bool this_year = n_regs(x) && chance(r, 0.92);
    return ev(c, l, -1, recent(c, this_year ? 365 : 3 * 365), PCN_EVENT_OBSERVATION);
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
    struct pcn_rng *r = &c->g->rng;
    const struct person *x = c->x;
    if (x->age < 25 || x->age > 84 || on(x, PCN_REG_CHD) || on(x, PCN_REG_STIA) ||
        on(x, PCN_REG_PAD) || !chance(r, x->age >= 40 ? 0.5 : 0.1))
        return PCN_OK;
    double h = exp(-7.0 + 0.07 * x->age + 0.5 * (x->sex == 0) + 0.3 * x->c +
                   0.6 * on(x, PCN_REG_DM) + 0.3 * on(x, PCN_REG_HYP));
    c->qrisk = round(1000 * (1 - exp(-h))) / 10;
    if (c->qrisk < 0.1)
        c->qrisk = 0.1;
    return obs(c, CL_QRISK, c->g->fixed[FX_QRISK], recent(c, 5 * 365), c->qrisk, "%");
}

/* Annual reviews of asthma and COPD. */
static enum pcn_err reviews(struct rec *c)
{
    struct pcn_rng *r = &c->g->rng;
    enum pcn_err rc = PCN_OK;
    if (on(c->x, PCN_REG_AST) && chance(r, 0.62))
        rc = ev(c, CL_AST_REVIEW, c->g->fixed[FX_AST_REVIEW], recent(c, 365), PCN_EVENT_PROCEDURE);
    if (rc == PCN_OK && on(c->x, PCN_REG_COPD) && chance(r, 0.7))
        rc =
            ev(c, CL_COPD_REVIEW, c->g->fixed[FX_COPD_REVIEW], recent(c, 365), PCN_EVENT_PROCEDURE);
    if (rc == PCN_OK && on(c->x, PCN_REG_DEM) && chance(r, 0.6))
        rc = ev(c, CL_DEM_CAREPLAN, c->g->fixed[FX_DEM_CAREPLAN], recent(c, 365),
                PCN_EVENT_CAREPLAN);
    return rc;
}

/*
 * A repeat medicine is written as its latest issue: a 56-day supply issued
 * in the 12 weeks before ref_date (QOF and the engine look for issues in a
 * window, e.g. asthma or epilepsy treatment in the last 12 months).
 */
static enum pcn_err medication(struct rec *c, const struct model_drug *d)
{
    int32_t start = recent(c, 84);
    struct gen *g = c->g;
    size_t di = (size_t)(d - model_drugs);
    enum pcn_err rc = PCN_OK;
    if (!g->drug_term_done[di]) {
        g->drug_term_done[di] = 1;
        rc = emit_term(g, DRUG_SYSTEM, d->code, d->term);
    }
    if (rc != PCN_OK || !g->sink->ops->medication)
        return rc;
    struct pcn_medication m = {
        .patient_id = c->pid,
        .start_date = start,
        .end_date = start + 55,
        .system = DRUG_SYSTEM,
        .code = d->code,
        .has_quantity = 1,
        .quantity = 56,
        .source = "generator",
    };
    g->stats.medications++;
    c->n_drugs++;
    return g->sink->ops->medication(g->sink->ctx, &m, g->err);
}

/* Repeat medicines: by register and, for common ones, by age. Each drug once. */
static enum pcn_err medications(struct rec *c)
{
    struct pcn_rng *r = &c->g->rng;
    const struct person *x = c->x;
    uint64_t taken = 0;
    enum pcn_err rc = PCN_OK;
    _Static_assert(PCN_ARRAY_SIZE(model_drugs) <= 64, "one bit per drug in a uint64_t");
    for (size_t i = 0; i < PCN_ARRAY_SIZE(model_drugs) && rc == PCN_OK; i++) {
        const struct model_drug *d = &model_drugs[i];
        bool candidate = d->reg >= 0 ? on(x, d->reg) : x->age >= d->min_age;
        double p = d->p;
        if (d->reg < 0)
            p *= 0.8 + 0.4 * n_regs(x) + 0.015 * PCN_MAX(0, x->age - d->min_age);
        if (!candidate || !chance(r, PCN_MIN(p, 0.95)))
            continue;
        /* one record per drug code, however many conditions call for it */
        size_t first = c->g->drug_first[i];
        if (taken & (1ull << first))
            continue;
        taken |= 1ull << first;
        rc = medication(c, d);
    }
    /* the QOF asthma and epilepsy registers need treatment in the last 12 months */
    if (rc == PCN_OK && on(x, PCN_REG_AST) && !(taken & (1ull << DRUG_ASTHMA_RELIEVER)))
        rc = medication(c, &model_drugs[DRUG_ASTHMA_RELIEVER]);
    /* statins for primary prevention follow the recorded QRISK */
    if (rc == PCN_OK && c->qrisk >= 10 && !(taken & (1ull << DRUG_STATIN)) &&
        chance(r, c->qrisk > 20 ? 0.45 : 0.3)) {
        taken |= 1ull << DRUG_STATIN;
        rc = medication(c, &model_drugs[DRUG_STATIN]);
    }
    if (rc == PCN_OK && on(x, PCN_REG_EP) &&
        !(taken & ((1ull << DRUG_ANTIEPILEPTIC) | (1ull << (DRUG_ANTIEPILEPTIC + 1)))))
        rc = medication(c, &model_drugs[DRUG_ANTIEPILEPTIC]);
    return rc;
}

static enum pcn_err med_review(struct rec *c)
{
    struct pcn_rng *r = &c->g->rng;
    if (c->n_drugs == 0 || !chance(r, c->n_drugs >= 5 ? 0.8 : 0.6))
        return PCN_OK;
    /* the Network DES priority groups get a structured review (SMR) half the time */
    bool smr = (c->x->flags & PF_CAREHOME) || c->n_drugs >= 10 || c->severe_frailty;
    if (smr && chance(r, 0.5))
        return ev(c, CL_SMR, c->g->fixed[FX_SMR], recent(c, 365), PCN_EVENT_PROCEDURE);
    return ev(c, CL_MEDRVW, -1, recent(c, 365), PCN_EVENT_PROCEDURE);
}

/* Seasonal flu vaccination in the most recent season (1 Sep - 31 Mar) before ref_date. */
/* One seasonal flu vaccination in the season (1 Sep - 31 Mar) starting on season_start. */
static enum pcn_err flu_dose(struct rec *c, int32_t season_start)
{
    struct gen *g = c->g;
    int32_t end = PCN_MIN(pcn_date_add_months(season_start, 7) - 1, c->ref_date);
    if (end < season_start || end < c->x->dob)
        return PCN_OK;
    struct pcn_immunisation im = {
        .patient_id = c->pid,
        .date = date_between(&g->rng, PCN_MAX(season_start, c->x->dob), end),
        .system = "snomed",
        .code = "822851000000102",
        .source = "generator",
    };
    enum pcn_err rc = emit_term(g, "snomed", im.code, "Seasonal influenza vaccination");
    if (rc != PCN_OK)
        return rc;
    g->stats.immunisations++;
    return g->sink->ops->immunisation(g->sink->ctx, &im, g->err);
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
    if (!g->sink->ops->immunisation || p <= 0)
        return PCN_OK;
    int y = 0, m = 0, d = 0;
    pcn_date_to_ymd(c->ref_date, &y, &m, &d);
    int32_t latest = 0;
    (void)pcn_date_from_ymd(m >= 9 ? y : y - 1, 9, 1, &latest);
    bool this_year = chance(r, p);
    /* P(last | this) = a and P(last | not this) = b keep P(last) = p */
    double a = 0.3 + 0.7 * p, b = p * (1 - a) / (1 - p);
    bool last_year = chance(r, this_year ? a : b);
    enum pcn_err rc = PCN_OK;
    if (last_year)
        rc = flu_dose(c, pcn_date_add_months(latest, -12));
    if (rc == PCN_OK && this_year)
        rc = flu_dose(c, latest);
    return rc;
}

static enum pcn_err social(struct rec *c)
{
    struct pcn_rng *r = &c->g->rng;
    const struct person *x = c->x;
    enum pcn_err rc = PCN_OK;
    /* social prescribing: about 1.5% of a list referred in two years, more where deprived */
    double p = 0.004 + 0.002 * (10 - x->decile) + 0.01 * (on(x, PCN_REG_DEP) || on(x, PCN_REG_MH)) +
               0.003 * n_regs(x);
    if (x->age >= 16 && chance(r, p))
        rc = ev(c, CL_SOCPRES, c->g->fixed[FX_SOCPRES], recent(c, 2 * 365), PCN_EVENT_PROCEDURE);
    if (rc == PCN_OK && (c->x->flags & PF_CAREHOME)) {
        rc =
            ev(c, CL_CAREHOME, c->g->fixed[FX_CAREHOME], recent(c, 3 * 365), PCN_EVENT_OBSERVATION);
        c->efi |= 1ull << EFI_CARE;
        if (rc == PCN_OK)
            rc = ev(c, CL_EFI_FIRST + EFI_CARE, -1, recent(c, 3 * 365), PCN_EVENT_OBSERVATION);
    }
    if (rc == PCN_OK && (c->x->flags & PF_HOUSEBOUND)) {
        rc = ev(c, CL_EFI_FIRST + EFI_HOUSEBOUND, c->g->fixed[FX_HOUSEBOUND], recent(c, 2 * 365),
                PCN_EVENT_OBSERVATION);
        c->efi |= 1ull << EFI_HOUSEBOUND;
    }
    return rc;
}

/*
 * eFI: people aged 65+ get further coded deficits until they reach a
 * target count drawn from a gamma-Poisson whose mean rises with age and the
 * ill-health factor (tuned to Clegg et al.'s category shares), then a
 * frailty diagnosis and an eFI score record for some.
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
    double shape = 2.5, gam = 0;
    for (int i = 0; i < 5; i++)
        gam += -log(1.0 - pcn_rng_uniform(r));
    gam /= shape * 2;
    int target = poisson(r, mean * gam);
    int have = __builtin_popcountll(c->efi) + (c->n_drugs >= 5);
    for (int tries = 0; have < target && tries < 60 && rc == PCN_OK; tries++) {
        int d = (int)pcn_rng_below(r, EFI_COUNT);
        if ((c->efi & (1ull << d)) || g->n_efi_codes[d] == 0)
            continue;
        c->efi |= 1ull << d;
        have++;
        long idx = (long)g->efi_codes[d][pcn_rng_below(r, g->n_efi_codes[d])];
        rc = ev(c, CL_EFI_FIRST + d, idx, recent(c, 5 * 365), PCN_EVENT_CONDITION);
    }
    if (rc != PCN_OK)
        return rc;
    double score = have / 36.0;
    c->severe_frailty = score > 0.36;
    int l = score > 0.36   ? CL_SEVFRAIL
            : score > 0.24 ? CL_MODFRAIL
            : score > 0.12 ? CL_MILDFRAIL
                           : -1;
    if (l >= 0 && chance(r, 0.5))
        rc = ev(c, l, 0, recent(c, 365), PCN_EVENT_CONDITION);
    if (rc == PCN_OK && chance(r, 0.55))
        rc = obs(c, CL_EFI_SCORE, g->fixed[FX_EFI_SCORE], recent(c, 365), round(score * 100) / 100,
                 NULL);
    return rc;
}

/* "<patient id>-E<n>" without printf (this runs a few million times an ICB). */
static void encounter_id(char *out, size_t size, const char *pid, int n)
{
    size_t len = strlen(pid);
    char digits[12];
    int nd = 0;
    do {
        digits[nd++] = (char)('0' + n % 10);
        n /= 10;
    } while (n > 0 && nd < 11);
    if (len + 2 + (size_t)nd + 1 > size)
        len = size - 3 - (size_t)nd;
    memcpy(out, pid, len);
    out[len++] = '-';
    out[len++] = 'E';
    while (nd > 0)
        out[len++] = digits[--nd];
    out[len] = '\0';
}

static enum pcn_err encounters(struct rec *c)
{
    struct gen *g = c->g;
    struct pcn_rng *r = &g->rng;
    const struct person *x = c->x;
    if (!g->sink->ops->encounter)
        return PCN_OK;
    int n = poisson(r, 1.2 + x->age / 30.0 + 0.9 * n_regs(x));
    char id[64];
    for (int i = 0; i < n && i < 40; i++) {
        bool home = (x->flags & (PF_CAREHOME | PF_HOUSEBOUND)) && chance(r, 0.6);
        int32_t d = recent(c, 365);
        encounter_id(id, sizeof(id), c->pid, i + 1);
        struct pcn_encounter e = {
            .encounter_id = id,
            .patient_id = c->pid,
            .date = d,
            .end_date = d,
            .system = NULL,
            .code = NULL,
            .encounter_class = home              ? "home"
                               : chance(r, 0.32) ? "virtual"
                                                 : "ambulatory",
            .source = "generator",
        };
        g->stats.encounters++;
        enum pcn_err rc = g->sink->ops->encounter(g->sink->ctx, &e, g->err);
        if (rc != PCN_OK)
            return rc;
    }
    return PCN_OK;
}

static char ethnicity(struct rec *c, int *ret_group)
{
    struct gen *g = c->g;
    double u = pcn_rng_uniform(&g->rng);
    /* deprived urban practices are more ethnically diverse */
    double shift = (5.5 - c->x->decile) * 0.012;
    double a = g->eth_cum[0] - shift;
    *ret_group = -1;
    if (chance(&g->rng, 0.06))
        return 'Z';
    if (u < a) {
        *ret_group = 0;
        return model_eth_letter[0];
    }
    double rest = (u - a) / (1 - a) * (1 - g->eth_cum[0]) + g->eth_cum[0];
    for (int i = 1; i < 16; i++)
        if (rest < g->eth_cum[i]) {
            *ret_group = i;
            return model_eth_letter[i];
        }
    *ret_group = 15;
    return model_eth_letter[15];
}

static enum pcn_err records(struct rec *c)
{
    const struct person *x = c->x;
    /* SMI and LD (14+) get their readings from annual_check() */
    bool ltc = x->regs & ((1u << PCN_REG_HYP) | (1u << PCN_REG_DM) | (1u << PCN_REG_CHD) |
                          (1u << PCN_REG_STIA) | (1u << PCN_REG_CKD) | (1u << PCN_REG_HF) |
                          (1u << PCN_REG_AF) | (1u << PCN_REG_PAD));
    enum pcn_err rc = diagnoses(c);
    if (rc == PCN_OK)
        rc = resolved(c);
    if (rc == PCN_OK)
        rc = blood_pressure(c, ltc);
    if (rc == PCN_OK)
        rc = lab_tests(c);
    if (rc == PCN_OK)
        rc = bmi(c);
    if (rc == PCN_OK)
        rc = smoking(c);
    if (rc == PCN_OK)
        rc = reviews(c);
    if (rc == PCN_OK)
        rc = qrisk(c);
    if (rc == PCN_OK)
        rc = medications(c);
    if (rc == PCN_OK)
        rc = social(c);
    if (rc == PCN_OK)
        rc = frailty(c);
    if (rc == PCN_OK)
        rc = med_review(c);
    if (rc == PCN_OK)
        rc = flu(c);
    if (rc == PCN_OK)
        rc = encounters(c);
    return rc;
}

/* Next valid NHS number in the 999 test range; false once the range is used up. */
static bool next_nhs_number(struct gen *g, char out[11])
{
    while (g->nhs_next <= 999999999ULL) {
        char nine[10];
        uint64_t v = g->nhs_next++;
        for (int i = 8; i >= 0; i--) {
            nine[i] = (char)('0' + v % 10);
            v /= 10;
        }
        nine[9] = '\0';
        int check = pcn_nhs_number_check_digit(nine);
        if (check >= 0) {
            memcpy(out, nine, 9);
            out[9] = (char)('0' + check);
            out[10] = '\0';
            return true;
        }
    }
    return false;
}

static void set_flags(struct pcn_rng *r, struct person *x)
{
    if (x->age < 65)
        return;
    double frail = exp(0.5 * x->g) / 1.13;
    double ch = x->age >= 95 ? 0.3 : x->age >= 85 ? 0.13 : x->age >= 75 ? 0.03 : 0.006;
    double hb = x->age >= 85 ? 0.10 : x->age >= 75 ? 0.03 : 0.01;
    if (chance(r, ch * frail))
        x->flags |= PF_CAREHOME;
    else if (chance(r, hb * frail))
        x->flags |= PF_HOUSEBOUND;
}

/*
 * Registration date: babies register within weeks of birth, 7.5% of the list
 * joined in the last year, the others have an exponential registration
 * length (mean 12 years). Always between birth and ref_date.
 */
static int32_t registration_date(struct gen *g, const struct person *x, int32_t ref_date)
{
    struct pcn_rng *r = &g->rng;
    int32_t d;
    if (x->age == 0) {
        d = x->dob + 7 + (int32_t)pcn_rng_below(r, 50);
    } else if (x->status == ST_REGISTERED && chance(r, JOINER_RATE)) {
        d = date_between(r, g->as_of - 364, g->as_of);
    } else {
        double years = -12 * log(1 - pcn_rng_uniform(r));
        d = ref_date - 365 - (int32_t)(years * DAYS_YEAR);
    }
    if (d > ref_date)
        d = ref_date;
    return d < x->dob ? x->dob : d;
}

static enum pcn_err emit_person(struct gen *g, struct gen_practice *p, size_t i)
{
    struct person *x = &p->people[i];
    struct pcn_rng *r = &g->rng;
    char pid[32], nhs[11];
    int group = -1;
    (void)snprintf(pid, sizeof(pid), "%s-%06zu", p->code, i + 1);
    struct rec c = {
        .g = g, .x = x, .pid = pid, .ref_date = x->end != PCN_DATE_NONE ? x->end : g->as_of};
    char eth[2] = {ethnicity(&c, &group), '\0'};
    struct pcn_patient pt = {
        .patient_id = pid,
        .nhs_number = next_nhs_number(g, nhs) ? nhs : NULL,
        .family_name = model_family[pcn_rng_below(r, PCN_ARRAY_SIZE(model_family))],
        .given_name = x->sex ? model_given_f[pcn_rng_below(r, PCN_ARRAY_SIZE(model_given_f))]
                             : model_given_m[pcn_rng_below(r, PCN_ARRAY_SIZE(model_given_m))],
        .date_of_birth = x->dob,
        .sex = x->sex ? PCN_SEX_FEMALE : PCN_SEX_MALE,
        .ethnicity = eth,
        .lsoa = g->ref->lsoa_code[x->lsoa],
        .practice = p->code,
        .registered_to = x->status == ST_LEFT ? x->end : PCN_DATE_NONE,
        .date_of_death = x->status == ST_DIED ? x->end : PCN_DATE_NONE,
    };
    pt.registered_from = registration_date(g, x, c.ref_date);
    if (x->status == ST_DIED)
        pt.registered_to = x->end;
    g->stats.patients++;
    g->stats.registered += x->status == ST_REGISTERED;
    enum pcn_err rc =
        g->sink->ops->patient ? g->sink->ops->patient(g->sink->ctx, &pt, g->err) : PCN_OK;
    if (rc != PCN_OK || !g->opt->with_records)
        return rc;
    if (group >= 0 && g->n_eth_codes[group] && chance(r, 0.9))
        rc =
            ev(&c, CL_ETHNICITY, (long)g->eth_codes[group][pcn_rng_below(r, g->n_eth_codes[group])],
               date_between(r, pt.registered_from, c.ref_date), PCN_EVENT_OBSERVATION);
    if (rc == PCN_OK)
        rc = records(&c);
    return rc;
}

/* ---------------------------------------------------------------- practices */

static void practice_targets(const struct pcn_refdata *ref, const struct ref_practice *rp,
                             struct gen_practice *p)
{
    for (int reg = 0; reg < PCN_REG_COUNT; reg++) {
        double prev = -1;
        if (rp && pcn_refdata_qof_prevalence(ref, rp->code, reg, &prev) == PCN_OK)
            p->target[reg] = prev;
        else
            p->target[reg] =
                ref->national_prev[reg] * (1 + 0.25 * model_regs[reg].ld * (5.5 - p->decile) / 4.5);
    }
}

static enum pcn_err registry_practice(struct gen *g, const struct gen_practice *p,
                                      const struct pcn_practice *pr, const char *network)
{
    const struct pcn_gen_registry *reg = g->reg;
    enum pcn_err rc = PCN_OK;
    int32_t start = 0;
    if (!reg)
        return PCN_OK;
    (void)pcn_date_from_ymd(2019, 7, 1, &start);
    struct pcn_membership m = {pr->code, network, start, PCN_DATE_NONE};
    if (reg->practice)
        rc = reg->practice(reg->ctx, pr, &m);
    int64_t total = 0;
    for (int s = 0; s < 2 && rc == PCN_OK; s++)
        for (int b = 0; b < REF_N_BANDS && rc == PCN_OK; b++) {
            total += p->bands[s][b];
            struct pcn_list_band lb = {pr->code, g->as_of, s ? 'F' : 'M', b * 5, p->bands[s][b]};
            if (reg->list_band)
                rc = reg->list_band(reg->ctx, &lb);
        }
    struct pcn_list_size ls = {pr->code, g->as_of, total};
    if (rc == PCN_OK && reg->list_size)
        rc = reg->list_size(reg->ctx, &ls);
    return rc;
}

/* Generate one practice: rp is the real practice, or NULL with bands/decile preset. */
static enum pcn_err gen_practice(struct gen *g, struct gen_practice *p,
                                 const struct ref_practice *rp, const struct pcn_practice *pr,
                                 const char *network)
{
    const struct pcn_refdata *ref = g->ref;
    enum pcn_err rc = registry_practice(g, p, pr, network);
    if (rc != PCN_OK)
        return rc;
    pcn_rng_seed(&g->rng, g->opt->seed ^ pcn_hash_bytes(p->code, strlen(p->code)));
    practice_targets(ref, rp, p);
    pick_catchment(ref, p, &g->rng, rp ? rp->lad : -1);
    rc = build_people(p, &g->rng, g->as_of);
    if (rc != PCN_OK)
        return rc;
    for (size_t i = 0; i < p->n_people; i++) {
        struct person *x = &p->people[i];
        x->lsoa = p->catchment[pcn_rng_below(&g->rng, CATCHMENT)];
        x->decile = ref->lsoa_decile[x->lsoa];
        set_flags(&g->rng, x);
    }
    rc = assign_registers(p, &g->rng);
    for (size_t i = 0; i < p->n_people && rc == PCN_OK; i++)
        rc = emit_person(g, p, i);
    g->stats.practices++;
    PCN_FREE_AND_NULL(p->people);
    return rc;
}

static enum pcn_err gen_real_practice(struct gen *g, const struct ref_practice *rp)
{
    const struct ref_network *n = &g->ref->networks[rp->network];
    struct gen_practice p = {.code = rp->code, .decile = rp->imd_decile ? rp->imd_decile : 6};
    struct pcn_practice pr = {rp->code, rp->name, rp->postcode, rp->sub_icb, rp->icb, rp->supplier};
    if (!rp->has_bands)
        return PCN_OK;
    memcpy(p.bands, rp->bands, sizeof(p.bands));
    return gen_practice(g, &p, rp, &pr, n->code);
}

static enum pcn_err registry_network(struct gen *g, const struct ref_network *n)
{
    struct pcn_network net = {n->code,         n->name,         NULL,
                              n->sub_icb_code, n->sub_icb_name, n->icb_code,
                              n->icb_name,     n->region_code,  n->region_name};
    g->stats.networks++;
    return g->reg && g->reg->network ? g->reg->network(g->reg->ctx, &net) : PCN_OK;
}

/* Split n patients over the national age/sex shares, exactly (largest remainder). */
static void invented_bands(const struct pcn_refdata *ref, int64_t n, int32_t bands[2][REF_N_BANDS])
{
    double rem[2 * REF_N_BANDS];
    int64_t used = 0;
    for (int i = 0; i < 2 * REF_N_BANDS; i++) {
        double want = ref->national_band_share[i / REF_N_BANDS][i % REF_N_BANDS] * (double)n;
        bands[i / REF_N_BANDS][i % REF_N_BANDS] = (int32_t)floor(want);
        rem[i] = want - floor(want);
        used += (int64_t)floor(want);
    }
    while (used < n) {
        int best = 0;
        for (int i = 1; i < 2 * REF_N_BANDS; i++)
            if (rem[i] > rem[best])
                best = i;
        bands[best / REF_N_BANDS][best % REF_N_BANDS]++;
        rem[best] = -1;
        used++;
    }
}

static enum pcn_err gen_invented(struct gen *g)
{
    const struct pcn_gen_options *o = g->opt;
    struct pcn_rng r;
    char net_code[8], codes[64][8];
    int64_t left = o->n_patients;
    pcn_rng_seed(&r, o->seed);
    (void)snprintf(net_code, sizeof(net_code), "U9%04d", (int)(o->seed % 10000));
    struct ref_network n = {.name = "Invented Network PCN",
                            .sub_icb_code = "99X",
                            .sub_icb_name = "Invented sub-ICB",
                            .icb_code = "Q99",
                            .icb_name = "Invented ICB",
                            .region_code = "Y99",
                            .region_name = "Invented region"};
    memcpy(n.code, net_code, sizeof(n.code));
    enum pcn_err rc = registry_network(g, &n);
    for (int i = 0; i < o->n_practices && rc == PCN_OK; i++) {
        int64_t share = i == o->n_practices - 1 ? left
                                                : (int64_t)((double)left / (o->n_practices - i) *
                                                            (0.7 + 0.6 * pcn_rng_uniform(&r)));
        left -= share;
        (void)snprintf(codes[i], sizeof(codes[i]), "Z9%04d", (i + 1) % 10000);
        struct gen_practice p = {.code = codes[i], .decile = 1 + (int)pcn_rng_below(&r, 10)};
        char name[48];
        (void)snprintf(name, sizeof(name), "Invented Surgery %d", i + 1);
        struct pcn_practice pr = {codes[i], name, NULL, "99X", "Q99", "Invented"};
        invented_bands(g->ref, share, p.bands);
        rc = gen_practice(g, &p, NULL, &pr, net_code);
    }
    return rc;
}

/* eFI deficit codes that no register list contains (so extra deficits never add to a register). */
static enum pcn_err efi_pools(struct gen *g)
{
    const struct pcn_refdata *ref = g->ref;
    struct pcn_strmap *reg_codes = pcn_strmap_new();
    enum pcn_err rc = reg_codes ? PCN_OK : PCN_ENOMEM;
    for (int l = CL_AF; l <= CL_HAEMCAN && rc == PCN_OK; l++)
        for (size_t i = 0; i < ref->lists[l].n && rc == PCN_OK; i++)
            rc = pcn_strmap_put(reg_codes, ref->lists[l].codes[i], strlen(ref->lists[l].codes[i]),
                                1);
    for (int d = 0; d < EFI_COUNT && rc == PCN_OK; d++) {
        const struct ref_codelist *l = &ref->lists[CL_EFI_FIRST + d];
        uint64_t v = 0;
        g->efi_codes[d] = pcn_calloc(l->n + 1, sizeof(uint32_t));
        if (!g->efi_codes[d]) {
            rc = PCN_ENOMEM;
            break;
        }
        for (size_t i = 0; i < l->n; i++) {
            if (pcn_strmap_get(reg_codes, l->codes[i], strlen(l->codes[i]), &v))
                continue;
            /* fractures are dated apart (fragility_fracture()): keep them out of other deficits */
            if (d != EFI_FRACTURE &&
                pcn__ref_find_code(ref, CL_EFI_FIRST + EFI_FRACTURE, l->codes[i]) >= 0)
                continue;
            g->efi_codes[d][g->n_efi_codes[d]++] = (uint32_t)i;
        }
    }
    pcn_strmap_free(reg_codes);
    return rc;
}

/*
 * Diagnosis codes of each register: codes in no other register's list (the
 * QOF clusters overlap, e.g. depression and psychosis) and, where the
 * register is also an eFI deficit, preferably codes of that eFI list too.
 */
static enum pcn_err diag_pools(struct gen *g)
{
    const struct pcn_refdata *ref = g->ref;
    struct pcn_strmap *owners = pcn_strmap_new();
    enum pcn_err rc = owners ? PCN_OK : PCN_ENOMEM;
    for (int reg = 0; reg < PCN_REG_COUNT && rc == PCN_OK; reg++) {
        const struct ref_codelist *l = &ref->lists[PCN_MAX(model_regs[reg].list, 0)];
        for (size_t i = 0; i < l->n && rc == PCN_OK && model_regs[reg].list >= 0; i++) {
            uint64_t v = 0;
            (void)pcn_strmap_get(owners, l->codes[i], strlen(l->codes[i]), &v);
            rc = pcn_strmap_put(owners, l->codes[i], strlen(l->codes[i]), v | (1ull << reg));
        }
    }
    for (int reg = 0; reg < PCN_REG_COUNT && rc == PCN_OK; reg++) {
        const struct model_register *m = &model_regs[reg];
        if (m->list < 0)
            continue;
        const struct ref_codelist *l = &ref->lists[m->list];
        g->diag_codes[reg] = pcn_calloc(l->n + 1, sizeof(long));
        if (!g->diag_codes[reg]) {
            rc = PCN_ENOMEM;
            break;
        }
        for (int pass = m->efi >= 0 ? 0 : 1; pass < 2 && g->diag_pick[reg] == 0; pass++)
            for (size_t i = 0; i < l->n; i++) {
                uint64_t v = 0;
                (void)pcn_strmap_get(owners, l->codes[i], strlen(l->codes[i]), &v);
                if (v != (1ull << reg))
                    continue;
                if (pass == 0 && pcn__ref_find_code(ref, CL_EFI_FIRST + m->efi, l->codes[i]) < 0)
                    continue;
                g->diag_codes[reg][g->diag_pick[reg]++] = (long)i;
            }
        if (g->diag_pick[reg] == 0)
            rc = pcn_error_set(g->err, PCN_EINVAL, "%s: no code unique to the register", l->path);
        else
            g->diag_efi[reg] =
                m->efi >= 0 && pcn__ref_find_code(ref, CL_EFI_FIRST + m->efi,
                                                  l->codes[g->diag_codes[reg][0]]) >= 0;
    }
    pcn_strmap_free(owners);
    return rc;
}

static enum pcn_err gen_setup(struct gen *g)
{
    assert(strcmp(model_drugs[DRUG_ASTHMA_RELIEVER].code, "salbutamol-inhaler") == 0);
    assert(strcmp(model_drugs[DRUG_ANTIEPILEPTIC].code, "levetiracetam") == 0);
    assert(strcmp(model_drugs[DRUG_ANTIEPILEPTIC + 1].code, "lamotrigine") == 0);
    for (int l = 0; l < CL_COUNT; l++) {
        g->term_done[l] = pcn_calloc(g->ref->lists[l].n + 1, 1);
        if (!g->term_done[l])
            return PCN_ENOMEM;
    }
    for (size_t i = 0; i < PCN_ARRAY_SIZE(model_drugs); i++) {
        g->drug_first[i] = (uint8_t)i;
        for (size_t j = 0; j < i; j++)
            if (strcmp(model_drugs[j].code, model_drugs[i].code) == 0) {
                g->drug_first[i] = (uint8_t)j;
                break;
            }
    }
    const struct pcn_refdata *ref = g->ref;
    double cum = 0, total = 0;
    for (int i = 0; i < 16; i++)
        total += model_eth_share[i];
    for (int i = 0; i < 16; i++) {
        cum += model_eth_share[i] / total;
        g->eth_cum[i] = cum;
    }
    for (int f = 0; f < FX_COUNT; f++) {
        g->fixed[f] = pcn__ref_find_code(ref, fixed_codes[f].list, fixed_codes[f].code);
        if (g->fixed[f] < 0)
            return pcn_error_set(g->err, PCN_EINVAL, "code %s missing from %s", fixed_codes[f].code,
                                 ref->lists[fixed_codes[f].list].path);
    }
    const struct ref_codelist *eth = &ref->lists[CL_ETHNICITY];
    for (int grp = 0; grp < 16; grp++) {
        g->eth_codes[grp] = pcn_calloc(eth->n + 1, sizeof(uint32_t));
        if (!g->eth_codes[grp])
            return PCN_ENOMEM;
        for (size_t i = 0; i < eth->n; i++)
            if (eth->group[i] == grp + 1)
                g->eth_codes[grp][g->n_eth_codes[grp]++] = (uint32_t)i;
    }
    enum pcn_err rc = diag_pools(g);
    if (rc != PCN_OK)
        return rc;
    return efi_pools(g);
}

static void gen_release(struct gen *g)
{
    for (int l = 0; l < CL_COUNT; l++)
        pcn_free(g->term_done[l]);
    for (int i = 0; i < EFI_COUNT; i++)
        pcn_free(g->efi_codes[i]);
    for (int i = 0; i < 16; i++)
        pcn_free(g->eth_codes[i]);
    for (int i = 0; i < PCN_REG_COUNT; i++)
        pcn_free(g->diag_codes[i]);
    pcn_strmap_free(g->terms_seen);
}

/*
 * The practices a real selection (--practice, --pcn, --icb, --all) covers,
 * in generation order: networks in mapping order, each network's practices
 * in mapping order. *ret_plan is NULL and *ret_n 0 for an invented network.
 */
enum pcn_err pcn__gen_plan(const struct pcn_refdata *ref, const struct pcn_gen_options *o,
                           uint32_t **ret_plan, size_t *ret_n, struct pcn_error *reterr)
{
    uint32_t *plan = NULL;
    size_t n = 0;
    uint64_t idx = 0;
    *ret_plan = NULL;
    *ret_n = 0;
    if (!o->practice && !o->pcn && !o->icb && !o->all)
        return PCN_OK;
    if (o->practice && !pcn_strmap_get(ref->practice_index, o->practice, strlen(o->practice), &idx))
        return pcn_error_set(reterr, PCN_ENOTFOUND, "unknown practice %s", o->practice);
    if (o->pcn && !pcn_strmap_get(ref->network_index, o->pcn, strlen(o->pcn), &idx))
        return pcn_error_set(reterr, PCN_ENOTFOUND, "unknown PCN %s", o->pcn);
    plan = pcn_calloc(ref->n_practices + 1, sizeof(uint32_t));
    if (!plan)
        return PCN_ENOMEM;
    if (o->practice) {
        plan[n++] = (uint32_t)idx;
    } else {
        for (size_t ni = 0; ni < ref->n_networks; ni++) {
            if (o->pcn ? ni != idx : !o->all && strcmp(ref->networks[ni].icb_code, o->icb) != 0)
                continue;
            for (size_t i = 0; i < ref->n_practices; i++)
                if (ref->practices[i].network == (int)ni)
                    plan[n++] = (uint32_t)i;
        }
    }
    if (n == 0) {
        pcn_free(plan);
        return pcn_error_set(reterr, PCN_ENOTFOUND, "unknown ICB %s", o->icb);
    }
    *ret_plan = plan;
    *ret_n = n;
    return PCN_OK;
}

/* Practices plan[from..to); a network is announced at its first practice in the plan. */
static enum pcn_err gen_range(struct gen *g, const uint32_t *plan, size_t from, size_t to)
{
    const struct pcn_refdata *ref = g->ref;
    enum pcn_err rc = PCN_OK;
    for (size_t i = from; i < to && rc == PCN_OK; i++) {
        const struct ref_practice *rp = &ref->practices[plan[i]];
        if (i == 0 || ref->practices[plan[i - 1]].network != rp->network)
            rc = registry_network(g, &ref->networks[rp->network]);
        if (rc == PCN_OK)
            rc = gen_real_practice(g, rp);
    }
    return rc;
}

size_t pcn__gen_practice_people(const struct pcn_refdata *ref, uint32_t practice)
{
    const struct ref_practice *rp = &ref->practices[practice];
    size_t n = 0;
    double deaths = 0;
    if (!rp->has_bands)
        return 0;
    /* the same arithmetic as build_people() */
    for (int s = 0; s < 2; s++)
        for (int b = 0; b < REF_N_BANDS; b++) {
            n += (size_t)rp->bands[s][b];
            deaths += rp->bands[s][b] * mortality(b * 5 + 2);
        }
    return n + (size_t)llround(deaths) + (size_t)llround((double)n * LEAVER_RATE);
}

uint64_t pcn__gen_nhs_advance(uint64_t next, size_t n)
{
    struct gen g = {.nhs_next = next};
    char nhs[11];
    for (size_t i = 0; i < n && next_nhs_number(&g, nhs); i++)
        continue;
    return g.nhs_next;
}

static enum pcn_err gen_invented_checked(struct gen *g)
{
    const struct pcn_gen_options *o = g->opt;
    if (o->n_practices < 1 || o->n_practices > 64 || o->n_patients < o->n_practices ||
        o->n_patients > 10000000)
        return pcn_error_set(g->err, PCN_EINVAL,
                             "invented network: 1-64 practices and up to 10,000,000 patients");
    return gen_invented(g);
}

enum pcn_err pcn__gen_range(const struct pcn_refdata *ref, const struct pcn_gen_options *opt,
                            const struct pcn_sink *sink, const struct pcn_gen_registry *reg,
                            const uint32_t *plan, size_t from, size_t to, uint64_t nhs_next,
                            struct pcn_gen_stats *ret_stats, struct pcn_error *reterr)
{
    struct gen g = {.ref = ref, .opt = opt, .sink = sink, .reg = reg, .err = reterr};
    enum pcn_err rc = PCN_ENOMEM;
    g.as_of = opt->as_of != PCN_DATE_NONE ? opt->as_of : ref->extract_date;
    g.nhs_next = nhs_next;
    g.terms_seen = pcn_strmap_new();
    if (!g.terms_seen)
        goto out;
    rc = gen_setup(&g);
    if (rc == PCN_OK)
        rc = plan ? gen_range(&g, plan, from, to) : gen_invented_checked(&g);
    if (rc == PCN_OK && ret_stats)
        *ret_stats = g.stats;
out:
    if (rc == PCN_ENOMEM)
        (void)pcn_error_set(reterr, rc, "generate: out of memory");
    gen_release(&g);
    return rc;
}

enum pcn_err pcn_generate(const struct pcn_refdata *ref, const struct pcn_gen_options *opt,
                          const struct pcn_sink *sink, const struct pcn_gen_registry *reg,
                          struct pcn_gen_stats *ret_stats, struct pcn_error *reterr)
{
    uint32_t *plan = NULL;
    size_t n = 0;
    if (!ref || !opt || !sink || !sink->ops)
        return pcn_error_set(reterr, PCN_EINVAL, "generate: missing argument");
    enum pcn_err rc = pcn__gen_plan(ref, opt, &plan, &n, reterr);
    if (rc == PCN_OK)
        rc = pcn__gen_range(ref, opt, sink, reg, plan, 0, n, PCN_GEN_NHS_FIRST, ret_stats, reterr);
    pcn_free(plan);
    return rc;
}
