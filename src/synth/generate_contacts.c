/*
 * generate_contacts.c - appointments (docs/generator.md, "Appointments"):
 * each registered person's contacts with the practice and its network in
 * the last year, with the mode (face to face, telephone, video, home
 * visit), the staff role and the clinician seen, the site, when it was
 * booked and whether the patient came.
 *
 * Volumes: about 5 appointments a registered patient a year (GP
 * appointments data), each practice's moved by its own appointment rate
 * in the IIF 2023-24 ACC-08 denominator, shared out by age, sex and
 * conditions. Booking to appointment within two weeks at the practice's
 * own ACC-08 rate. The network roles (pharmacists, physiotherapists,
 * paramedics, ...) in proportion to the network's own staff
 * (data/reference/pcn_workforce.csv). Contacts draw from their own stream
 * (seeded from one draw of the practice's), so the model can change
 * without moving any other record.
 */
#include <math.h>
#include <string.h>

#include "synth/generate_int.h"
#include "synth/refdata_int.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "util/common.h"

/* Appointments a registered patient a year, DNAs included (GPAD: about 5). */
#define CONTACT_RATE 5.0
#define MAX_CONTACTS 80
/* The share of appointments with the network's roles (pharmacists, ..., care coordinators). */
#define NETWORK_SHARE 0.15
/* People a GP, practice nurse, healthcare assistant of a practice's list (headcount). */
#define LIST_PER_GP 1800
#define LIST_PER_NURSE 4000
#define LIST_PER_HCA 5000

/*
 * Contacts a year by sex and 5-year band before conditions: the shape of
 * consultation rates in English general practice (Hobbs et al., Lancet
 * 2016: high under 5, lowest in children and young men, women of working
 * age above men, rising steeply after 60 to about 12 a year at 85+).
 * Only the shape matters: each practice's mean is set by its own rate.
 */
static const double base_rate[2][REF_N_BANDS] = {
    {5.0, 2.4, 2.0, 1.9, 1.9, 2.1, 2.4, 2.7,  3.0,  3.4,
     3.9, 4.5, 5.3, 6.3, 7.3, 8.4, 9.6, 10.8, 11.8, 12.3},
    {4.6, 2.3, 2.1, 3.6, 4.5, 5.0, 5.0, 4.6,  4.4,  4.6,
     5.0, 5.5, 6.0, 6.8, 7.6, 8.6, 9.7, 10.8, 11.6, 12.0},
};

/*
 * National share of appointments by role (GP appointments data: GPs about
 * 45%); the network roles' NETWORK_SHARE split by their FTE in England
 * times the contacts an FTE gives (longer appointments, fewer of them, for
 * pharmacists' reviews; calls for care coordinators).
 */
static const double practice_share[PCN_STAFF_COUNT] = {[PCN_STAFF_GP] = 0.50,
                                                       [PCN_STAFF_NURSE] = 0.18,
                                                       [PCN_STAFF_HCA] = 0.16,
                                                       [PCN_STAFF_OTHER] = 0.01};
static const double contacts_per_fte[PCN_STAFF_COUNT] = {
    [PCN_STAFF_PHARMACIST] = 0.8,       [PCN_STAFF_PHYSIOTHERAPIST] = 1.3,
    [PCN_STAFF_PARAMEDIC] = 1.3,        [PCN_STAFF_PHYSICIAN_ASSOCIATE] = 1.5,
    [PCN_STAFF_LINK_WORKER] = 0.5,      [PCN_STAFF_MENTAL_HEALTH] = 0.8,
    [PCN_STAFF_CARE_COORDINATOR] = 0.4,
};

/* Face to face, telephone, video by role (home visits apart). */
static const double mode_share[PCN_STAFF_COUNT][3] = {
    [PCN_STAFF_UNKNOWN] = {0.70, 0.28, 0.02},
    [PCN_STAFF_GP] = {0.58, 0.40, 0.02},
    [PCN_STAFF_NURSE] = {0.92, 0.07, 0.01},
    [PCN_STAFF_HCA] = {0.97, 0.03, 0.00},
    [PCN_STAFF_PHARMACIST] = {0.35, 0.62, 0.03},
    [PCN_STAFF_PHYSIOTHERAPIST] = {0.75, 0.22, 0.03},
    [PCN_STAFF_PARAMEDIC] = {0.60, 0.40, 0.00},
    [PCN_STAFF_PHYSICIAN_ASSOCIATE] = {0.65, 0.33, 0.02},
    [PCN_STAFF_LINK_WORKER] = {0.45, 0.50, 0.05},
    [PCN_STAFF_MENTAL_HEALTH] = {0.55, 0.40, 0.05},
    [PCN_STAFF_CARE_COORDINATOR] = {0.30, 0.68, 0.02},
    [PCN_STAFF_OTHER] = {0.80, 0.18, 0.02},
};

/* Same-day share of the appointments seen within two weeks, by role. */
static const double same_day[PCN_STAFF_COUNT] = {
    [PCN_STAFF_UNKNOWN] = 0.45,
    [PCN_STAFF_GP] = 0.60,
    [PCN_STAFF_NURSE] = 0.25,
    [PCN_STAFF_HCA] = 0.30,
    [PCN_STAFF_PHARMACIST] = 0.20,
    [PCN_STAFF_PHYSIOTHERAPIST] = 0.20,
    [PCN_STAFF_PARAMEDIC] = 0.70,
    [PCN_STAFF_PHYSICIAN_ASSOCIATE] = 0.55,
    [PCN_STAFF_LINK_WORKER] = 0.10,
    [PCN_STAFF_MENTAL_HEALTH] = 0.15,
    [PCN_STAFF_CARE_COORDINATOR] = 0.30,
    [PCN_STAFF_OTHER] = 0.20,
};

/* Clinician identifiers: the practice's (GP, nurse, ...) or the network's roles. */
static const char *const staff_tag[PCN_STAFF_COUNT] = {
    [PCN_STAFF_UNKNOWN] = "S",
    [PCN_STAFF_GP] = "G",
    [PCN_STAFF_NURSE] = "N",
    [PCN_STAFF_HCA] = "H",
    [PCN_STAFF_PHARMACIST] = "PH",
    [PCN_STAFF_PHYSIOTHERAPIST] = "PT",
    [PCN_STAFF_PARAMEDIC] = "PM",
    [PCN_STAFF_PHYSICIAN_ASSOCIATE] = "PA",
    [PCN_STAFF_LINK_WORKER] = "LW",
    [PCN_STAFF_MENTAL_HEALTH] = "MH",
    [PCN_STAFF_CARE_COORDINATOR] = "CC",
    [PCN_STAFF_OTHER] = "X",
};

static bool network_role(int r)
{
    return contacts_per_fte[r] > 0;
}

static int band_of(int age)
{
    return PCN_MIN(age / 5, REF_N_BANDS - 1);
}

static bool on(const struct person *x, int reg)
{
    return (x->regs & (1u << reg)) != 0;
}

/* The person's weight of contacts before the practice's scale. */
static double person_weight(const struct person *x)
{
    double w = base_rate[x->sex != 0][band_of(x->age)] * (1 + 0.15 * __builtin_popcount(x->regs));
    if (x->flags & PF_CAREHOME)
        w *= 1.8;
    else if (x->flags & PF_HOUSEBOUND)
        w *= 1.4;
    return w;
}

/* The network's staff of role r per registered patient against England's (1 when unknown). */
static double staff_ratio(const struct pcn_refdata *ref, const struct ref_network *n, int r)
{
    if (!n || !n->has_staff || n->list <= 0 || ref->staff_fte_rate[r] <= 0)
        return 1.0;
    return PCN_MIN(3.0, n->staff_fte[r] / n->list / ref->staff_fte_rate[r]);
}

/*
 * The practice's contact model: rate, role shares, staff, access and
 * continuity, once its people and their registers are known.
 */
void pcn__gen_contacts_setup(const struct gen *g, struct gen_practice *p,
                             const struct ref_practice *rp)
{
    const struct pcn_refdata *ref = g->ref;
    struct contact_model *m = &p->contacts;
    const struct ref_network *net = NULL;
    uint64_t ni = 0;
    double list = 0, weight = 0, expected = 0;

    memset(m, 0, sizeof(*m));
    if (p->network && pcn_strmap_get(ref->network_index, p->network, strlen(p->network), &ni))
        net = &ref->networks[ni];
    for (size_t i = 0; i < p->n_registered; i++)
        weight += person_weight(&p->people[i]);
    for (int s = 0; s < 2; s++)
        for (int b = 0; b < REF_N_BANDS; b++) {
            list += PCN_MAX(0, p->bands[s][b]);
            expected += ref->national_band_share[s][b] * base_rate[s][b];
        }
    /*
     * The practice's appointments a patient: its ACC-08 rate against
     * England's, shrunk (square root) and bounded, since part of the
     * spread is how practices map appointments in GPAD; without one, the
     * practice's age and sex against England's.
     */
    double rate = CONTACT_RATE;
    if (rp && rp->acc_appts > 0 && rp->has_qof && rp->qof_list[0] > 0 && ref->acc_rate > 0)
        rate *= PCN_MAX(
            0.6, PCN_MIN(1.6, sqrt(rp->acc_appts / (double)rp->qof_list[0] / ref->acc_rate)));
    else if (list > 0 && expected > 0) {
        double own = 0;
        for (int s = 0; s < 2; s++)
            for (int b = 0; b < REF_N_BANDS; b++)
                own += PCN_MAX(0, p->bands[s][b]) / list * base_rate[s][b];
        rate *= own / expected;
    }
    m->scale = weight > 0 ? rate * (double)p->n_registered / weight : 0;
    m->within_2w = rp && rp->acc_appts > 0 ? (double)rp->acc_within / rp->acc_appts
                                           : (ref->acc_within > 0 ? ref->acc_within : 0.87);
    /* role shares: the network's roles by its staff, the practice's the rest */
    double fte_all = 0, net_share = 0;
    for (int r = 0; r < PCN_STAFF_COUNT; r++)
        if (network_role(r))
            fte_all += ref->staff_fte[r] * contacts_per_fte[r];
    for (int r = 0; r < PCN_STAFF_COUNT; r++) {
        if (!network_role(r) || fte_all <= 0)
            continue;
        m->share[r] = NETWORK_SHARE * ref->staff_fte[r] * contacts_per_fte[r] / fte_all *
                      staff_ratio(ref, net, r);
        net_share += m->share[r];
    }
    double own_total = 0;
    for (int r = 0; r < PCN_STAFF_COUNT; r++)
        own_total += practice_share[r];
    for (int r = 0; r < PCN_STAFF_COUNT; r++)
        if (practice_share[r] > 0)
            m->share[r] = practice_share[r] / own_total * (1 - net_share);
    /* staff headcounts: the practice's by its list, the network's from the workforce census */
    double n_list = list > 0 ? list : (double)p->n_registered;
    m->staff[PCN_STAFF_GP] = (int)PCN_MAX(1, lround(n_list / LIST_PER_GP));
    m->staff[PCN_STAFF_NURSE] = (int)PCN_MAX(1, lround(n_list / LIST_PER_NURSE));
    m->staff[PCN_STAFF_HCA] = (int)PCN_MAX(1, lround(n_list / LIST_PER_HCA));
    m->staff[PCN_STAFF_OTHER] = 1;
    for (int r = 0; r < PCN_STAFF_COUNT; r++) {
        if (!network_role(r))
            continue;
        if (net && net->has_staff)
            m->staff[r] = net->staff_head[r];
        else if (m->share[r] > 0)
            m->staff[r] = (int)PCN_MAX(1, lround(6 * n_list * ref->staff_fte_rate[r]));
        if (m->staff[r] == 0)
            m->share[r] = 0;
    }
    /* continuity: the practice's leaning to the usual GP, a logit shift from its code */
    struct pcn_rng own;
    pcn_rng_seed(&own,
                 g->opt->seed ^ pcn_hash_bytes(p->code, strlen(p->code)) ^ 0x2545f4914f6cdd1dULL);
    m->continuity = 0.5 * pcn_rng_normal(&own);
}

/* "<prefix>-<tag><k>", k from 1. */
static void staff_id(char *out, size_t size, const char *prefix, int role, int k)
{
    size_t n = strlen(prefix), t = strlen(staff_tag[role]);
    char digits[8];
    int nd = 0;
    k++;
    do {
        digits[nd++] = (char)('0' + k % 10);
        k /= 10;
    } while (k > 0 && nd < 7);
    if (n + 1 + t + (size_t)nd + 1 > size)
        n = 0;
    memcpy(out, prefix, n);
    out[n++] = '-';
    memcpy(out + n, staff_tag[role], t);
    n += t;
    while (nd > 0)
        out[n++] = digits[--nd];
    out[n] = '\0';
}

/* "E<n>": unique within the patient, which is all an encounter id needs to be. */
static void contact_id(char *out, int n)
{
    char digits[12];
    int nd = 0, len = 0;
    do {
        digits[nd++] = (char)('0' + n % 10);
        n /= 10;
    } while (n > 0 && nd < 11);
    out[len++] = 'E';
    while (nd > 0)
        out[len++] = digits[--nd];
    out[len] = '\0';
}

/* The person's relative need of each role (times the practice's shares). */
static void role_weights(const struct rec *c, double w[PCN_STAFF_COUNT])
{
    const struct person *x = c->x;
    const struct contact_model *m = &c->p->contacts;
    int regs = __builtin_popcount(x->regs), age = x->age;
    bool child = age < 16, frail = (x->flags & (PF_CAREHOME | PF_HOUSEBOUND)) != 0;
    bool mental = on(x, PCN_REG_DEP) || on(x, PCN_REG_MH);
    for (int r = 0; r < PCN_STAFF_COUNT; r++)
        w[r] = m->share[r];
    w[PCN_STAFF_NURSE] *= (age < 5 ? 1.8 : 1.0) * (1 + 0.3 * regs);
    w[PCN_STAFF_HCA] *= child ? 0.3 : 1 + 0.2 * regs;
    w[PCN_STAFF_PHARMACIST] *= age < 18 ? 0.1 : 0.6 + 0.25 * PCN_MAX(0, c->n_drugs - 1);
    w[PCN_STAFF_PHYSIOTHERAPIST] *= child                                       ? 0.1
                                    : (on(x, PCN_REG_RA) || on(x, PCN_REG_OST)) ? 2.0
                                                                                : 1.0;
    w[PCN_STAFF_PARAMEDIC] *= frail ? 4.0 : child ? 0.2 : 0.8;
    w[PCN_STAFF_LINK_WORKER] *=
        child ? 0.1 : (mental || on(x, PCN_REG_LD) ? 2.5 : 1.0) * (x->decile <= 3 ? 1.4 : 1.0);
    w[PCN_STAFF_MENTAL_HEALTH] *= child ? 0.1 : mental ? 5.0 : 0.4;
    w[PCN_STAFF_CARE_COORDINATOR] *= age < 18 ? 0.1 : (frail || regs >= 3 || age >= 80) ? 3.0 : 0.5;
}

static int pick_role(struct pcn_rng *r, const double w[PCN_STAFF_COUNT], double total)
{
    double u = pcn_rng_uniform(r) * total;
    for (int i = 0; i < PCN_STAFF_COUNT; i++) {
        if (u < w[i])
            return i;
        u -= w[i];
    }
    return PCN_STAFF_GP;
}

/* Days from booking to the appointment: within two weeks at the practice's ACC-08 rate. */
static int booking_interval(struct pcn_rng *r, const struct contact_model *m, int role)
{
    if (!gen_chance(r, m->within_2w)) {
        double wait = -14.0 * log(1 - pcn_rng_uniform(r)); /* one draw (PCN_MIN reads twice) */
        return 15 + (int)PCN_MIN(105.0, wait);
    }
    double u = pcn_rng_uniform(r);
    if (u < same_day[role])
        return 0;
    u = (u - same_day[role]) / (1 - same_day[role]);
    return u < 0.15 ? 1 : u < 0.6 ? 2 + (int)pcn_rng_below(r, 6) : 8 + (int)pcn_rng_below(r, 7);
}

/* Did not attend: about 4% (GPAD), young adults, deprivation and long waits more. */
static bool did_not_attend(struct pcn_rng *r, const struct person *x, int days,
                           enum pcn_contact_mode mode)
{
    double p = 0.042;
    p *= x->age < 16 ? 1.1 : x->age < 35 ? 1.7 : x->age >= 65 ? 0.6 : 1.0;
    p *= x->decile <= 3 ? 1.35 : x->decile >= 8 ? 0.75 : 1.0;
    p *= days == 0 ? 0.35 : days <= 7 ? 1.0 : days <= 14 ? 1.4 : 1.8;
    p *= mode == PCN_MODE_TELEPHONE ? 0.5 : mode == PCN_MODE_HOME_VISIT ? 0.2 : 1.0;
    return gen_chance(r, p);
}

static enum pcn_contact_mode pick_mode(struct pcn_rng *r, const struct person *x, int role)
{
    bool frail = (x->flags & (PF_CAREHOME | PF_HOUSEBOUND)) != 0;
    bool visits = role == PCN_STAFF_GP || role == PCN_STAFF_NURSE || role == PCN_STAFF_HCA ||
                  role == PCN_STAFF_PARAMEDIC;
    if (visits && gen_chance(r, frail ? 0.55 : x->age >= 85 ? 0.04 : 0.001))
        return PCN_MODE_HOME_VISIT;
    double u = pcn_rng_uniform(r);
    const double *s = mode_share[role];
    return u < s[0] ? PCN_MODE_FACE_TO_FACE : u < s[0] + s[1] ? PCN_MODE_TELEPHONE : PCN_MODE_VIDEO;
}

/*
 * The person's appointments in the last year. rng: the person's own
 * contact stream.
 */
enum pcn_err pcn__gen_contacts(struct rec *c, struct pcn_rng *r)
{
    struct gen *g = c->g;
    const struct person *x = c->x;
    const struct contact_model *m = &c->p->contacts;
    int n = pcn__gen_poisson(r, m->scale * person_weight(x));
    if (n == 0)
        return PCN_OK;
    double w[PCN_STAFF_COUNT], total = 0;
    role_weights(c, w);
    for (int i = 0; i < PCN_STAFF_COUNT; i++)
        total += w[i];
    /* the usual GP and nurse, and how often the usual GP is the one seen */
    int usual_gp = (int)pcn_rng_below(r, (uint32_t)m->staff[PCN_STAFF_GP]);
    int usual_nurse = (int)pcn_rng_below(r, (uint32_t)m->staff[PCN_STAFF_NURSE]);
    double stay =
        pcn__gen_logistic(pcn__gen_logit(0.35) + m->continuity + (x->age >= 65 ? 0.6 : 0.0) +
                          0.15 * PCN_MIN(3, __builtin_popcount(x->regs)));
    char id[16], who[32], hub[16];
    hub[0] = '\0';
    int32_t from = PCN_MAX(x->dob, c->ref_date - 364);
    for (int i = 0; i < n && i < MAX_CONTACTS; i++) {
        int role = pick_role(r, w, total);
        enum pcn_contact_mode mode = pick_mode(r, x, role);
        int days = booking_interval(r, m, role);
        int32_t date = gen_date_between(r, from, c->ref_date);
        int staff = m->staff[role] > 0 ? m->staff[role] : 1, k;
        if (role == PCN_STAFF_GP)
            k = gen_chance(r, stay) ? usual_gp : (int)pcn_rng_below(r, (uint32_t)staff);
        else if (role == PCN_STAFF_NURSE)
            k = gen_chance(r, 0.4) ? usual_nurse : (int)pcn_rng_below(r, (uint32_t)staff);
        else
            k = (int)pcn_rng_below(r, (uint32_t)staff);
        staff_id(who, sizeof(who), network_role(role) ? c->p->network : c->p->code, role, k);
        /* evening and weekend appointments at the network's enhanced access hub */
        bool at_hub = mode != PCN_MODE_HOME_VISIT && c->p->network && gen_chance(r, 0.04);
        if (at_hub && !hub[0] && strlen(c->p->network) + 5 <= sizeof(hub)) {
            memcpy(hub, c->p->network, strlen(c->p->network));
            memcpy(hub + strlen(c->p->network), "-HUB", 5);
        }
        at_hub = at_hub && hub[0];
        contact_id(id, i + 1);
        struct pcn_encounter e = {
            .encounter_id = id,
            .patient_id = c->pid,
            .date = date,
            .end_date = PCN_DATE_NONE,
            .mode = mode,
            .role = (enum pcn_encounter_role)role,
            .clinician = who,
            .site = at_hub ? hub : c->p->code,
            .has_booked = 1,
            .booked_date = date - days,
            .attendance =
                did_not_attend(r, x, days, mode) ? PCN_ENCOUNTER_DNA : PCN_ENCOUNTER_ATTENDED,
            .source = "generator",
        };
        g->stats.encounters++;
        if (g->sink->ops->encounter) {
            enum pcn_err rc = g->sink->ops->encounter(g->sink->ctx, &e, g->err);
            if (rc != PCN_OK)
                return rc;
        }
    }
    return PCN_OK;
}
