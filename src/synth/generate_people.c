/*
 * generate_people.c - what the generator knows about a practice and its
 * people before their records: the practice effect (a quality level
 * shared with its network and correlated across quality domains, and a
 * habit of recording personalised care adjustments), each person's ethnic
 * group (by area when a table is supplied, else nationally by
 * deprivation) and its register risk, and care home residence at national
 * rates by age (docs/generator.md).
 */
#include <math.h>
#include <string.h>

#include "synth/generate_int.h"
#include "synth/generate_model.h"
#include "synth/refdata_int.h"
#include "pcn/alloc.h"
#include "pcn/hash.h"
#include "util/common.h"

/* ---------------------------------------------------------------- practice effect */

/*
 * The regularized incomplete beta function I_x(a, b) by its continued
 * fraction (modified Lentz), on the side of x where it converges fast.
 */
static double incomplete_beta(double x, double a, double b)
{
    if (x <= 0)
        return 0;
    if (x >= 1)
        return 1;
    if (x > (a + 1) / (a + b + 2))
        return 1 - incomplete_beta(1 - x, b, a);
    double front = exp(a * log(x) + b * log(1 - x) + lgamma(a + b) - lgamma(a) - lgamma(b)) / a;
    double f = 1, c = 1, d = 0;
    for (int i = 0; i <= 400; i++) {
        int m = i / 2;
        double num = i == 0       ? 1
                     : i % 2 == 0 ? m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
                                  : -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
        d = 1 + num * d;
        d = fabs(d) < 1e-30 ? 1e-30 : d;
        d = 1 / d;
        c = 1 + num / c;
        c = fabs(c) < 1e-30 ? 1e-30 : c;
        double cd = c * d;
        f *= cd;
        if (fabs(1 - cd) < 1e-12)
            break;
    }
    return front * (f - 1);
}

/* The u-quantile of the beta distribution with mean m and SD sd (bisection). */
static double beta_quantile(double u, double m, double sd)
{
    double k = PCN_MAX(m * (1 - m) / (sd * sd) - 1, 0.5);
    double a = m * k, b = (1 - m) * k, lo = 0, hi = 1;
    for (int it = 0; it < 50; it++) {
        double mid = 0.5 * (lo + hi);
        if (incomplete_beta(mid, a, b) < u)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* The standard normal distribution function. */
static double normal_cdf(double z)
{
    return 0.5 * erfc(-z / sqrt(2.0));
}

/*
 * The practice's achievement in each domain: a beta distribution with the
 * domain's national mean and the published SD of practice achievement
 * (its left-skewed shape matches the published percentiles: ACC-08 p5,
 * p50, p95 0.70, 0.89, 0.98 against 0.69, 0.90, 0.985), reached through a
 * normal effect e = sqrt(icc) n_d + sqrt(1 - icc) p_d: a network part n_d
 * (shared by the network's practices) and a practice part p_d, each
 * correlated across domains through a common level (n_d = rho N +
 * sqrt(1 - rho^2) v_d, likewise p_d with the practice's quality level Q),
 * so that the share of the variance between networks is the published
 * ICC and two domains of a practice correlate about rho^2. The shift is
 * the difference on the logit scale from the national mean.
 */
void pcn__gen_practice_effect(struct gen *g, struct gen_practice *p)
{
    const struct pcn_refdata *ref = g->ref;
    struct pcn_rng net, own;
    /* streams apart from the practice's own records stream (seeded from the seed and code) */
    pcn_rng_seed(&net, g->opt->seed ^ pcn_hash_bytes(p->network, strlen(p->network)) ^
                           0x9e3779b97f4a7c15ULL);
    pcn_rng_seed(&own,
                 g->opt->seed ^ pcn_hash_bytes(p->code, strlen(p->code)) ^ 0x51ed270b27c1f3a5ULL);
    double icc = ref->spread_icc, rho = MODEL_QUALITY_RHO, r2 = sqrt(1 - rho * rho);
    double level_net = pcn_rng_normal(&net), level_own = pcn_rng_normal(&own);
    for (int d = 0; d < Q_COUNT; d++) {
        double n_d = rho * level_net + r2 * pcn_rng_normal(&net);
        double p_d = rho * level_own + r2 * pcn_rng_normal(&own);
        double e = sqrt(icc) * n_d + sqrt(1 - icc) * p_d;
        double m = model_quality_ref[d];
        p->shift[d] =
            pcn__gen_logit(beta_quantile(normal_cdf(e), m, ref->spread_sd)) - pcn__gen_logit(m);
        p->odds[d] = exp(p->shift[d]);
    }
    double h = MODEL_HABIT_SD;
    p->habit = exp(h * pcn_rng_normal(&own) - 0.5 * h * h);
}

/* ---------------------------------------------------------------- ethnicity */

/* Relative concentration by decile (mean 1) of a group whose decile-1 share is r x 10%. */
static void deprivation_tilt(double r, double tilt[10])
{
    double lo = -8, hi = 8;
    for (int it = 0; it < 60; it++) {
        double beta = 0.5 * (lo + hi), sum = 0;
        for (int d = 1; d <= 10; d++)
            sum += exp(beta * (5.5 - d) / 4.5);
        if (10 * exp(beta) / sum < r)
            lo = beta;
        else
            hi = beta;
    }
    double beta = 0.5 * (lo + hi), sum = 0;
    for (int d = 1; d <= 10; d++)
        sum += exp(beta * (5.5 - d) / 4.5);
    for (int d = 1; d <= 10; d++)
        tilt[d - 1] = 10 * exp(beta * (5.5 - d) / 4.5) / sum;
}

static void tilt_table(double out[10][REF_N_ETH])
{
    double tilt[10];
    for (int k = 0; k < REF_N_ETH; k++) {
        deprivation_tilt(model_eth_deprived[k], tilt);
        for (int d = 0; d < 10; d++)
            out[d][k] = tilt[d];
    }
}

static void ethnicity_setup(struct gen *g)
{
    tilt_table(g->eth_tilt);
    for (int d = 0; d < 10; d++) {
        double sum = 0;
        for (int k = 0; k < REF_N_ETH; k++)
            sum += model_eth_share[k] * g->eth_tilt[d][k];
        for (int k = 0; k < REF_N_ETH; k++)
            g->eth_share[d][k] = model_eth_share[k] * g->eth_tilt[d][k] / sum;
    }
}

/*
 * Ethnic group: with an area table, the shares of the LSOA's local
 * authority tilted by the LSOA's deprivation; else the national shares by
 * deprivation decile. 6% record it as not stated.
 */
void pcn__gen_ethnicity(struct gen *g, struct person *x)
{
    const struct pcn_refdata *ref = g->ref;
    int32_t lad = ref->lsoa_lad[x->lsoa];
    int d = x->decile - 1;
    double w[REF_N_ETH], sum = 0;
    if (ref->eth_lad && ref->eth_lad_known[lad]) {
        for (int k = 0; k < REF_N_ETH; k++) {
            w[k] = ref->eth_lad[(size_t)lad * REF_N_ETH + (size_t)k] * g->eth_tilt[d][k];
            sum += w[k];
        }
    } else {
        for (int k = 0; k < REF_N_ETH; k++)
            w[k] = g->eth_share[d][k];
        sum = 1;
    }
    double u = pcn_rng_uniform(&g->rng) * sum;
    int k = 0;
    while (k < REF_N_ETH - 1 && u >= w[k]) {
        u -= w[k];
        k++;
    }
    x->eth = (uint8_t)k;
    x->eth_stated = !gen_chance(&g->rng, 0.06);
}

double pcn_gen_expected_white(const struct pcn_refdata *ref, const char *practice,
                              const int64_t n_by_quintile[5])
{
    uint64_t pi = 0;
    double tilt[10][REF_N_ETH], total = 0, white = 0;
    if (!pcn_strmap_get(ref->practice_index, practice, strlen(practice), &pi))
        return -1;
    int lad = ref->practices[pi].lad;
    const float *area = ref->eth_lad && lad >= 0 && ref->eth_lad_known[lad]
                            ? &ref->eth_lad[(size_t)lad * REF_N_ETH]
                            : NULL;
    tilt_table(tilt);
    for (int d = 0; d < 10; d++) {
        int q = d / 2; /* deciles 1-2 are quintile 1, ... */
        double n = 0.5 * (double)n_by_quintile[q], sum = 0, w = 0;
        for (int k = 0; k < REF_N_ETH; k++) {
            double share = (area ? area[k] : model_eth_share[k]) * tilt[d][k];
            sum += share;
            w += k <= 2 ? share : 0; /* A, B, C: White */
        }
        total += n;
        white += sum > 0 ? n * w / sum : 0;
    }
    return total > 0 ? white / total : -1;
}

char pcn__gen_ethnic_letter(const struct person *x)
{
    return x->eth_stated ? model_eth_letter[x->eth] : 'Z';
}

double pcn__gen_ethnic_risk(int reg, const struct person *x)
{
    double rr = model_eth_rr[reg][model_eth_class[x->eth]];
    return rr > 0 ? rr : 1.0;
}

/* ---------------------------------------------------------------- care homes */

/* Band weight of care home residence relative to 65-69 (doubling every 5 years). */
static double old_band_factor(int band)
{
    return band == REF_N_BANDS - 1 ? 1.5 * ldexp(1.0, REF_N_BANDS - 2 - 13) : ldexp(1.0, band - 13);
}

/* National residence rates by band: 0.56% of the list, 16% of residents aged 18-64. */
static void care_setup(struct gen *g)
{
    const struct pcn_refdata *ref = g->ref;
    double young = 0, old = 0;
    for (int s = 0; s < 2; s++)
        for (int b = 3; b < REF_N_BANDS; b++) {
            double share = ref->national_band_share[s][b];
            if (b < 13)
                young += b == 3 ? 0.4 * share : share; /* 18-19 of the 15-19 band */
            else
                old += share * old_band_factor(b);
        }
    double r_young = young > 0 ? MODEL_CAREHOME_YOUNG * MODEL_CAREHOME_SHARE / young : 0;
    double r_old = old > 0 ? (1 - MODEL_CAREHOME_YOUNG) * MODEL_CAREHOME_SHARE / old : 0;
    for (int s = 0; s < 2; s++)
        for (int b = 0; b < REF_N_BANDS; b++)
            g->care_rate[s][b] = b < 3 ? 0 : b < 13 ? r_young : r_old * old_band_factor(b);
}

/* The national rate of the person's age (0 under 18). */
static double care_rate(const struct gen *g, const struct person *x)
{
    if (x->age < 18)
        return 0;
    int b = x->age >= 95 ? REF_N_BANDS - 1 : x->age / 5;
    return g->care_rate[x->sex][b];
}

/*
 * Who lives in a care home, given the rate: the frail (ill-health factor),
 * people with dementia, and younger adults with a learning disability or
 * severe mental illness are far more likely residents.
 */
static double care_weight(const struct gen *g, const struct person *x)
{
    double w = care_rate(g, x) * exp(0.6 * x->g);
    bool old = x->age >= 65;
    if (x->regs & (1u << PCN_REG_DEM))
        w *= 5;
    if (!old && (x->regs & (1u << PCN_REG_LD)))
        w *= 100;
    if (x->regs & (1u << PCN_REG_MH))
        w *= old ? 3 : 10;
    return w;
}

static void place_resident(struct pcn_rng *r, struct person *x)
{
    double nursing = x->age >= 65 ? MODEL_NURSING_OLD : MODEL_NURSING_YOUNG;
    if (x->g > 1 || (x->regs & (1u << PCN_REG_DEM)))
        nursing = PCN_MIN(0.9, nursing * 1.3);
    x->flags |= PF_CAREHOME;
    if (gen_chance(r, nursing))
        x->flags |= PF_NURSING;
}

/*
 * Residents of one age group (young: 18-64, else 65+): exactly
 * round(expected) registered people (the national rate of each person's
 * age and sex summed over the list), chosen with care_weight() by
 * calibrated systematic sampling as for the registers; people who left or
 * died draw with the same multiplier.
 */
static void care_group(struct gen *g, struct gen_practice *p, double *w, bool young)
{
    double want = 0, sum = 0;
    for (size_t i = 0; i < p->n_registered; i++) {
        const struct person *x = &p->people[i];
        bool in = x->age >= 18 && (x->age < 65) == young;
        want += in ? care_rate(g, x) : 0;
        w[i] = in ? care_weight(g, x) : 0;
        sum += w[i];
    }
    want = round(want);
    double k = want > 0 && sum > 0 ? pcn__gen_solve_k(w, p->n_registered, want, sum) : 0;
    if (k <= 0)
        return;
    pcn__gen_pick(&g->rng, w, p->n_registered, k);
    for (size_t i = 0; i < p->n_registered; i++)
        if (w[i] > 0)
            place_resident(&g->rng, &p->people[i]);
    for (size_t i = p->n_registered; i < p->n_people; i++) {
        struct person *x = &p->people[i];
        bool in = x->age >= 18 && (x->age < 65) == young;
        if (in && gen_chance(&g->rng, PCN_MIN(1.0, k * care_weight(g, x))))
            place_resident(&g->rng, x);
    }
}

enum pcn_err pcn__gen_care_homes(struct gen *g, struct gen_practice *p)
{
    double *w = pcn_calloc(p->n_registered + 1, sizeof(double));
    if (!w)
        return PCN_ENOMEM;
    care_group(g, p, w, true);
    care_group(g, p, w, false);
    pcn_free(w);
    return PCN_OK;
}

enum pcn_err pcn__gen_people_setup(struct gen *g)
{
    ethnicity_setup(g);
    care_setup(g);
    return PCN_OK;
}
