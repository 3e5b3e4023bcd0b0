/*
 * generate_meds.c - a person's medicines (docs/generator.md, "Medicines"):
 * real dm+d products from the shipped code lists, chosen by therapeutic
 * class (at most one drug of a class: one anticoagulant, one statin, an
 * ACE inhibitor or an angiotensin receptor blocker), first, so that
 * measurements can depend on treatment; written later as the latest issue
 * of a repeat (or a short acute course).
 */
#include <math.h>
#include <string.h>

#include "synth/generate_int.h"
#include "synth/generate_model.h"
#include "synth/refdata_int.h"
#include "pcn/alloc.h"
#include "util/common.h"

_Static_assert(D_COUNT <= 64, "one bit per drug in a uint64_t");
_Static_assert(MC_COUNT <= 64, "one bit per class in a uint64_t");

#define DRUG_SYSTEM "dmd"

static bool on(const struct person *x, int reg)
{
    return (x->regs & (1u << reg)) != 0;
}

bool pcn__gen_takes(const struct rec *c, int cls)
{
    return (c->classes >> cls) & 1;
}

static void take(struct rec *c, int drug)
{
    c->drugs |= 1ull << drug;
    c->classes |= 1ull << model_drugs[drug].cls;
}

static bool rule_matches(const struct model_rule *m, const struct person *x)
{
    if (m->reg >= 0 && !on(x, m->reg))
        return false;
    return x->age >= m->min_age && x->age <= m->max_age;
}

/* How a rule's probability changes for the person (docs/generator.md, "Medicines"). */
static double rule_scale(const struct rec *c, const struct model_rule *m)
{
    const struct person *x = c->x;
    double f = 1.0;
    if (m->reg < 0) {
        /* medicines of adult life rise with the number of conditions, some with age */
        f = 1 + 0.3 * __builtin_popcount(x->regs);
        if (m->cls == MC_PPI || m->cls == MC_WEAK_OPIOID)
            f *= 1 + 0.03 * (x->age - m->min_age);
        if (m->cls == MC_PPI && (pcn__gen_takes(c, MC_ANTIPLATELET) ||
                                 pcn__gen_takes(c, MC_ANTICOAG) || pcn__gen_takes(c, MC_NSAID)))
            f *= 2.5; /* gastroprotection */
        if ((m->cls == MC_HRT && x->sex == 0) || (m->cls == MC_ALPHA && x->sex == 1))
            f = 0;
    }
    /* NICE NG136: calcium channel blocker first, ARB before ACE inhibitor, in Black adults */
    if (m->reg == PCN_REG_HYP && model_eth_class[x->eth] == EC_BLACK)
        f *= m->cls == MC_CCB ? 1.3 : m->cls == MC_RAAS ? 0.7 : 1.0;
    if (m->cls == MC_ANTIPLATELET && pcn__gen_takes(c, MC_ANTICOAG))
        f *= 0.12;
    if (m->cls == MC_NSAID &&
        (pcn__gen_takes(c, MC_ANTICOAG) || on(x, PCN_REG_CKD) || on(x, PCN_REG_HF) || x->age >= 75))
        f *= 0.3;
    if (m->cls == MC_INSULIN && x->age < 40)
        f = 0.6 / m->p; /* most people with diabetes under 40 have type 1 */
    if (m->cls == MC_BIGUANIDE && c->ckd_stage >= 3)
        f *= 0.3;
    return f;
}

/* One drug of the rule's alternatives by their shares. */
static int pick_drug(struct pcn_rng *r, const uint8_t *drug, const double *share, int n)
{
    double u = pcn_rng_uniform(r), total = 0;
    for (int i = 0; i < n; i++)
        total += share[i];
    u *= total;
    for (int i = 0; i < n - 1; i++) {
        if (u < share[i])
            return drug[i];
        u -= share[i];
    }
    return drug[n - 1];
}

static int n_alternatives(const struct model_rule *m)
{
    int n = 0;
    while (n < 4 && m->share[n] > 0)
        n++;
    return n;
}

/* Decide class cls from every matching rule (the class's rules: g->class_rules). */
static void choose_class(struct rec *c, int cls)
{
    const struct model_rule *first = NULL;
    const struct gen *g = c->g;
    double none = 1.0;
    /* most people (children, the healthy) match no rule of most classes */
    if (!(c->x->regs & g->class_regs[cls]) && c->x->age < g->class_min_age[cls])
        return;
    for (uint8_t k = g->class_first[cls]; k < g->class_first[cls + 1]; k++) {
        const struct model_rule *m = &model_rules[g->class_rules[k]];
        if (!rule_matches(m, c->x))
            continue;
        double p = m->p * rule_scale(c, m);
        if (m->q >= 0)
            p = pcn__gen_quality(c, (enum quality_domain)m->q, PCN_MIN(p, 0.99));
        none *= 1 - PCN_MIN(p, 0.97);
        if (!first)
            first = m;
    }
    if (first && gen_chance(&c->g->rng, 1 - none))
        take(c, pick_drug(&c->g->rng, first->drug, first->share, n_alternatives(first)));
}

/*
 * AF anticoagulation (QOF AF008): 95% of people with CHA2DS2-VASc 2 or
 * more (moved by the practice effect; less after a PCA), 35% below; one
 * drug, DOACs mostly.
 */
static void anticoagulation(struct rec *c)
{
    const struct person *x = c->x;
    if (!on(x, PCN_REG_AF))
        return;
    int score = on(x, PCN_REG_HF) + on(x, PCN_REG_HYP) + on(x, PCN_REG_DM) +
                2 * on(x, PCN_REG_STIA) + (on(x, PCN_REG_CHD) || on(x, PCN_REG_PAD)) +
                (x->age >= 75 ? 2 : x->age >= 65) + (x->sex == 1);
    double p = score >= 2 ? pcn__gen_quality(c, Q_ANTICOAG, 0.95) : 0.35;
    if (c->pca & (1u << PCN_REG_AF))
        p *= 0.3;
    if (gen_chance(&c->g->rng, p))
        take(c, pick_drug(&c->g->rng, model_anticoag_drug, model_anticoag_share, 5));
}

/* Primary prevention statins follow the recorded QRISK (NICE: offer at 10% or more). */
static void qrisk_statin(struct rec *c)
{
    if (c->qrisk < 10 || pcn__gen_takes(c, MC_STATIN))
        return;
    double p = pcn__gen_quality(c, Q_STATIN, c->qrisk > 20 ? 0.5 : 0.35);
    if (gen_chance(&c->g->rng, p))
        take(c, gen_chance(&c->g->rng, 0.8) ? D_ATORVASTATIN : D_SIMVASTATIN);
}

void pcn__gen_choose_medicines(struct rec *c)
{
    c->drugs = 0;
    c->classes = 0;
    anticoagulation(c);
    for (int cls = 0; cls < MC_COUNT; cls++)
        if (cls != MC_ANTICOAG && cls != MC_PPI)
            choose_class(c, cls);
    qrisk_statin(c);
    /* last: a PPI protects the stomach of people on the drugs chosen above */
    choose_class(c, MC_PPI);
}

/*
 * A repeat medicine is written as its latest issue: a 56-day supply issued
 * in the 12 weeks before ref_date (QOF and the engine look for issues in a
 * window, e.g. asthma or epilepsy treatment in the last 12 months); an
 * acute one as a course (5 days of prednisolone, 7 of an NSAID) in the
 * last year. Quantities are in the product's dose units.
 */
static enum pcn_err medication(struct rec *c, int drug)
{
    const struct model_drug *d = &model_drugs[drug];
    struct gen *g = c->g;
    enum pcn_err rc = PCN_OK;
    int32_t start = pcn__gen_recent(c, d->acute ? 365 : 84);
    if (!g->drug_term_done[drug]) {
        g->drug_term_done[drug] = 1;
        rc = pcn__gen_emit_term(g, DRUG_SYSTEM, d->code, d->term);
    }
    if (rc != PCN_OK || !g->sink->ops->medication)
        return rc;
    int days = !d->acute ? 56 : d->cls == MC_OCS ? 5 : 7;
    struct pcn_medication m = {
        .patient_id = c->pid,
        .start_date = start,
        .end_date = start + days - 1,
        .system = DRUG_SYSTEM,
        .code = d->code,
        .has_quantity = 1,
        .quantity = d->acute ? d->quantity : 2 * d->quantity,
        .course = d->acute ? PCN_COURSE_ACUTE : PCN_COURSE_REPEAT,
        .duration_days = days,
        .source = "generator",
    };
    g->stats.medications++;
    return g->sink->ops->medication(g->sink->ctx, &m, g->err);
}

enum pcn_err pcn__gen_emit_medicines(struct rec *c)
{
    enum pcn_err rc = PCN_OK;
    c->n_drugs = __builtin_popcountll(c->drugs);
    for (int d = 0; d < D_COUNT && rc == PCN_OK; d++)
        if ((c->drugs >> d) & 1)
            rc = medication(c, d);
    return rc;
}

/* The rules of each class in table order: class_rules[class_first[c] .. class_first[c + 1]). */
static void index_rules(struct gen *g)
{
    uint8_t n = 0;
    _Static_assert(PCN_ARRAY_SIZE(model_rules) <= 128, "rules fit struct gen's class_rules");
    _Static_assert(MC_COUNT < 40, "classes fit struct gen's class_first");
    for (int cls = 0; cls < MC_COUNT; cls++) {
        g->class_first[cls] = n;
        g->class_min_age[cls] = 255;
        for (size_t i = 0; i < PCN_ARRAY_SIZE(model_rules); i++) {
            const struct model_rule *m = &model_rules[i];
            if (m->cls != cls)
                continue;
            g->class_rules[n++] = (uint8_t)i;
            if (m->reg >= 0)
                g->class_regs[cls] |= 1u << m->reg;
            else
                g->class_min_age[cls] = (uint8_t)PCN_MIN(g->class_min_age[cls], m->min_age);
        }
    }
    g->class_first[MC_COUNT] = n;
}

enum pcn_err pcn__gen_meds_setup(struct gen *g)
{
    g->drug_term_done = pcn_calloc(D_COUNT, 1);
    if (!g->drug_term_done)
        return PCN_ENOMEM;
    index_rules(g);
    return PCN_OK;
}
