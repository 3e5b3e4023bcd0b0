/*
 * generate.c - the synthetic twin generator (docs/generator.md). Works one
 * practice at a time: build the registered list band by band (exact
 * published counts), add the people who left or died during the year,
 * give them ethnicity and calibrate the 21 QOF registers to the practice's
 * published prevalence, place care home residents, then write each person
 * and their records into the sink. Memory is one practice's people; every
 * practice has its own PRNG stream derived from the seed and its code, so
 * output is deterministic.
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

#define LEAVER_RATE 0.055 /* share of the list deregistering in the year */
#define JOINER_RATE 0.075 /* share of the list registered within the year */

/* ---------------------------------------------------------------- helpers */

int pcn__gen_poisson(struct pcn_rng *r, double lambda)
{
    double l = exp(-lambda), p = 1.0;
    int k = 0;
    do {
        k++;
        p *= pcn_rng_uniform(r);
    } while (p > l && k < 200);
    return k - 1;
}

double pcn__gen_logit(double p)
{
    p = p < 1e-6 ? 1e-6 : p > 1 - 1e-6 ? 1 - 1e-6 : p;
    return log(p / (1 - p));
}

double pcn__gen_logistic(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

double pcn__gen_quality(const struct rec *c, enum quality_domain d, double p_base)
{
    /* logistic(logit(p_base) + shift), without the log and the exp */
    double o = c->p->odds[d];
    if (p_base <= 0 || p_base >= 1 || o == 1)
        return p_base;
    return p_base * o / (1 - p_base + p_base * o);
}

int32_t pcn__gen_recent(struct rec *c, int max_days)
{
    int32_t from = c->ref_date - max_days + 1;
    if (from < c->x->dob)
        from = c->x->dob;
    return gen_date_between(&c->g->rng, from, c->ref_date);
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

/* ---------------------------------------------------------------- list building */

/* Date of birth for someone aged exactly `age` on as_of. */
static int32_t dob_for_age(struct pcn_rng *r, int32_t as_of, int age)
{
    int32_t last = pcn_date_add_months(as_of, -12 * age);
    int32_t first = pcn_date_add_months(as_of, -12 * (age + 1)) + 1;
    return gen_date_between(r, first, last);
}

static int age_in_band(struct pcn_rng *r, int band)
{
    if (band < REF_N_BANDS - 1)
        return band * 5 + (int)pcn_rng_below(r, 5);
    /* 95+: survival falls steeply; few reach 100 */
    int age = 95;
    while (age < 108 && gen_chance(r, 0.72))
        age++;
    return age;
}

static double mortality(int age)
{
    return 0.00015 * exp(0.095 * (age - 20));
}

static void add_person(struct gen_practice *p, struct pcn_rng *r, int32_t as_of, int sex, int age)
{
    struct person *x = &p->people[p->n_people++];
    memset(x, 0, sizeof(*x));
    x->age = (uint8_t)age;
    x->sex = (uint8_t)sex;
    x->dob = dob_for_age(r, as_of, age);
    x->end = PCN_DATE_NONE;
    x->c = (float)pcn_rng_normal(r);
    x->g = (float)pcn_rng_normal(r);
}

/* Sex and band of a person drawn with weights w (or the band counts when w is NULL). */
static void draw_band(const struct gen_practice *p, struct pcn_rng *r, double w[2][REF_N_BANDS],
                      double total, int *ret_sex, int *ret_band)
{
    double u = pcn_rng_uniform(r) * total;
    for (int s = 0; s < 2; s++)
        for (int b = 0; b < REF_N_BANDS; b++) {
            u -= w ? w[s][b] : p->bands[s][b];
            if (u < 0) {
                *ret_sex = s;
                *ret_band = b;
                return;
            }
        }
    *ret_sex = 1;
    *ret_band = REF_N_BANDS - 1;
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
        int s = 0, b = 0;
        draw_band(p, r, died ? w : NULL, died ? total_w : total, &s, &b);
        add_person(p, r, as_of, s, age_in_band(r, b));
        struct person *x = &p->people[p->n_people - 1];
        x->status = died ? ST_DIED : ST_LEFT;
        /* they left or died during the year, and after they were born */
        if (x->dob > as_of - 2)
            x->dob = as_of - 2;
        x->end = gen_date_between(r, PCN_MAX(x->dob + 1, as_of - 364), as_of - 1);
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
                add_person(p, r, as_of, s, age_in_band(r, b));
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
    for (int i = 0; i < GEN_CATCHMENT; i++) {
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

/* The tables of risk(): the age shape and sex ratio, and deprivation's factor. */
static void risk_setup(struct gen *g)
{
    for (int reg = 0; reg < PCN_REG_COUNT; reg++) {
        const struct model_register *m = &model_regs[reg];
        for (int age = 0; age < 256; age++) {
            double a = age_shape(m, age);
            g->risk_age[reg][0][age] = (float)(a * m->male);
            g->risk_age[reg][1][age] = (float)a;
        }
        for (int decile = 0; decile <= 10; decile++)
            g->risk_dep[reg][decile] = exp(m->ld * (5.5 - decile) / 4.5);
    }
}

/* A person's relative risk of being on register reg (docs/generator.md, "The model"). */
static double risk(const struct gen *g, int reg, const struct person *x)
{
    const struct model_register *m = &model_regs[reg];
    return g->risk_age[reg][x->sex != 0][x->age] * g->risk_dep[reg][x->decile] *
           exp(m->lc * x->c + m->lg * x->g) * pcn__gen_ethnic_risk(reg, x);
}

static bool eligible(int reg, const struct person *x)
{
    if (x->age < pcn_gen_register_min_age(reg))
        return false;
    /* QOF's NDH register excludes people on the diabetes register */
    return reg != PCN_REG_NDH || !(x->regs & (1u << PCN_REG_DM));
}

/*
 * Systematic sampling: item i is picked with probability min(1, k w[i]),
 * and exactly round(sum min(1, k w)) items are picked (to within one).
 * w[i] becomes 1 for a picked item, else 0.
 */
void pcn__gen_pick(struct pcn_rng *r, double *w, size_t n, double k)
{
    double acc = pcn_rng_uniform(r);
    for (size_t i = 0; i < n; i++) {
        acc += PCN_MIN(1.0, k * w[i]);
        w[i] = 0;
        if (acc >= 1.0) {
            acc -= 1.0;
            w[i] = 1;
        }
    }
}

/*
 * The multiplier k with sum min(1, k w) = want: with C weights capped at 1
 * and S the sum of the others, k = (want - C) / S; iterate until C is
 * stable (k only grows, so a few rounds suffice).
 */
double pcn__gen_solve_k(const double *w, size_t n, double want, double sum)
{
    double k = want / sum;
    size_t capped = 0;
    for (int it = 0; it < 60; it++) {
        size_t c = 0;
        double rest = 0;
        for (size_t i = 0; i < n; i++) {
            if (k * w[i] >= 1.0)
                c++;
            else
                rest += w[i];
        }
        if ((it > 0 && c == capped) || rest <= 0 || (double)c >= want)
            break;
        capped = c;
        k = (want - (double)c) / rest;
    }
    return k;
}

/*
 * Put exactly round(target x eligible) registered people on register reg,
 * each with probability min(1, k w) (systematic sampling), and remember k
 * for the people who left or died.
 */
static void assign_register(const struct gen *g, struct gen_practice *p, struct pcn_rng *r, int reg,
                            double *w)
{
    size_t n = 0;
    double sum = 0;
    for (size_t i = 0; i < p->n_registered; i++) {
        const struct person *x = &p->people[i];
        w[i] = eligible(reg, x) ? risk(g, reg, x) : 0;
        sum += w[i];
        /* the denominator is QOF's: everyone old enough, at risk or not */
        n += x->age >= pcn_gen_register_min_age(reg);
    }
    double want = round(p->target[reg] * (double)n);
    if (want <= 0 || sum <= 0) {
        p->k[reg] = 0;
        return;
    }
    p->k[reg] = pcn__gen_solve_k(w, p->n_registered, want, sum);
    pcn__gen_pick(r, w, p->n_registered, p->k[reg]);
    for (size_t i = 0; i < p->n_registered; i++)
        if (w[i] > 0)
            p->people[i].regs |= 1u << reg;
    for (size_t i = p->n_registered; i < p->n_people; i++) {
        struct person *x = &p->people[i];
        if (eligible(reg, x) && gen_chance(r, PCN_MIN(1.0, p->k[reg] * risk(g, reg, x))))
            x->regs |= 1u << reg;
    }
}

static enum pcn_err assign_registers(const struct gen *g, struct gen_practice *p, struct pcn_rng *r)
{
    double *w = pcn_calloc(p->n_registered + 1, sizeof(double));
    if (!w)
        return PCN_ENOMEM;
    /* DM before NDH: the NDH register is calibrated among people without diabetes */
    for (int reg = 0; reg < PCN_REG_COUNT; reg++)
        if (reg != PCN_REG_NDH)
            assign_register(g, p, r, reg, w);
    assign_register(g, p, r, PCN_REG_NDH, w);
    pcn_free(w);
    return PCN_OK;
}

/* ---------------------------------------------------------------- people */

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

static void set_housebound(struct pcn_rng *r, struct person *x)
{
    if (x->age < 65 || (x->flags & PF_CAREHOME))
        return;
    double frail = exp(0.5 * x->g) / 1.13;
    double hb = x->age >= 85 ? 0.10 : x->age >= 75 ? 0.03 : 0.01;
    if (gen_chance(r, hb * frail))
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
    } else if (x->status == ST_REGISTERED && gen_chance(r, JOINER_RATE)) {
        d = gen_date_between(r, g->as_of - 364, g->as_of);
    } else {
        double years = -12 * log(1 - pcn_rng_uniform(r));
        d = ref_date - 365 - (int32_t)(years * GEN_DAYS_YEAR);
    }
    if (d > ref_date)
        d = ref_date;
    return d < x->dob ? x->dob : d;
}

/* The SNOMED ethnicity code of the person's category, for 90% of those who stated one. */
static enum pcn_err ethnicity_code(struct rec *c, int32_t registered_from)
{
    struct gen *g = c->g;
    const struct person *x = c->x;
    if (!x->eth_stated || !g->n_eth_codes[x->eth] || !gen_chance(&g->rng, 0.9))
        return PCN_OK;
    long idx = (long)g->eth_codes[x->eth][pcn_rng_below(&g->rng, g->n_eth_codes[x->eth])];
    return pcn__gen_ev(c, CL_ETHNICITY, idx,
                       gen_date_between(&g->rng, registered_from, c->ref_date),
                       PCN_EVENT_OBSERVATION);
}

static enum pcn_err emit_person(struct gen *g, struct gen_practice *p, size_t i)
{
    struct person *x = &p->people[i];
    struct pcn_rng *r = &g->rng;
    char pid[32], nhs[11];
    (void)snprintf(pid, sizeof(pid), "%s-%06zu", p->code, i + 1);
    struct rec c = {.g = g,
                    .p = p,
                    .x = x,
                    .pid = pid,
                    .ref_date = x->end != PCN_DATE_NONE ? x->end : g->as_of};
    char eth[2] = {pcn__gen_ethnic_letter(x), '\0'};
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
    rc = ethnicity_code(&c, pt.registered_from);
    if (rc == PCN_OK)
        rc = pcn__gen_records(&c);
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

/* The practice's people with their LSOA, ethnicity, registers and care homes. */
static enum pcn_err populate(struct gen *g, struct gen_practice *p, int lad)
{
    const struct pcn_refdata *ref = g->ref;
    pick_catchment(ref, p, &g->rng, lad);
    enum pcn_err rc = build_people(p, &g->rng, g->as_of);
    if (rc != PCN_OK)
        return rc;
    for (size_t i = 0; i < p->n_people; i++) {
        struct person *x = &p->people[i];
        x->lsoa = p->catchment[pcn_rng_below(&g->rng, GEN_CATCHMENT)];
        x->decile = ref->lsoa_decile[x->lsoa];
        pcn__gen_ethnicity(g, x);
    }
    rc = assign_registers(g, p, &g->rng);
    if (rc == PCN_OK)
        rc = pcn__gen_care_homes(g, p);
    for (size_t i = 0; i < p->n_people && rc == PCN_OK; i++)
        set_housebound(&g->rng, &p->people[i]);
    return rc;
}

/* Generate one practice: rp is the real practice, or NULL with bands/decile preset. */
static enum pcn_err gen_practice(struct gen *g, struct gen_practice *p,
                                 const struct ref_practice *rp, const struct pcn_practice *pr,
                                 const char *network)
{
    enum pcn_err rc = registry_practice(g, p, pr, network);
    if (rc != PCN_OK)
        return rc;
    p->network = network;
    pcn__gen_practice_effect(g, p);
    pcn_rng_seed(&g->rng, g->opt->seed ^ pcn_hash_bytes(p->code, strlen(p->code)));
    practice_targets(g->ref, rp, p);
    rc = populate(g, p, rp ? rp->lad : -1);
    if (rc == PCN_OK)
        pcn__gen_contacts_setup(g, p, rp);
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

/* ---------------------------------------------------------------- runs */

static enum pcn_err gen_setup(struct gen *g)
{
    for (int l = 0; l < CL_COUNT; l++) {
        g->term_done[l] = pcn_calloc(g->ref->lists[l].n + 1, 1);
        if (!g->term_done[l])
            return PCN_ENOMEM;
    }
    const struct ref_codelist *eth = &g->ref->lists[CL_ETHNICITY];
    for (int grp = 0; grp < REF_N_ETH; grp++) {
        g->eth_codes[grp] = pcn_calloc(eth->n + 1, sizeof(uint32_t));
        if (!g->eth_codes[grp])
            return PCN_ENOMEM;
        for (size_t i = 0; i < eth->n; i++)
            if (eth->group[i] == grp + 1)
                g->eth_codes[grp][g->n_eth_codes[grp]++] = (uint32_t)i;
    }
    risk_setup(g);
    enum pcn_err rc = pcn__gen_codes_setup(g);
    if (rc == PCN_OK)
        rc = pcn__gen_people_setup(g);
    if (rc == PCN_OK)
        rc = pcn__gen_meds_setup(g);
    return rc;
}

static void gen_release(struct gen *g)
{
    for (int l = 0; l < CL_COUNT; l++)
        pcn_free(g->term_done[l]);
    for (int i = 0; i < REF_N_ETH; i++)
        pcn_free(g->eth_codes[i]);
    pcn__gen_codes_release(g);
    pcn_free(g->drug_term_done);
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
