/*
 * staff_twin.c - a network's synthetic staff register from the workforce
 * census: one person per census row (ceil(FTE) people for a contracted
 * service), role and FTE as published, and band, employer, funding, start
 * date, cost and sites drawn from a seeded generator by the role's profile
 * below. Money is drawn in whole pence (integer factors), never through a
 * double. Every post it makes passes the register's checks.
 */
#include "pcn/staff_twin.h"

#include <stdio.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "pcn/money.h"
#include "pcn/paths.h"
#include "pcn/rates.h"
#include "pcn/rng.h"
#include "pcn/workforce.h"
#include "util/common.h"

/*
 * A role's profile: the bands it is employed at (the first twice as often
 * as the second) and the day it became an ARRS role (DOMAIN-DETAIL 2.1), or
 * the start of networks for the others. Roles not listed take their
 * group's default.
 */
struct profile {
    const char *role;
    int band;     /* usual band; PCN_BAND_NONE for none */
    int band_alt; /* another band seen; 0: none */
    const char *since;
};

static const struct profile profiles[] = {
    {"clinical_pharmacist", 7, PCN_BAND_8A, "2019-07-01"},
    {"social_prescribing_link_worker", 5, 4, "2019-07-01"},
    {"pharmacy_technician", 5, 0, "2020-04-01"},
    {"care_coordinator", 4, 0, "2020-04-01"},
    {"health_and_wellbeing_coach", 5, 4, "2020-04-01"},
    {"physician_associate", 7, 0, "2020-04-01"},
    {"first_contact_physiotherapist", 7, PCN_BAND_8A, "2020-04-01"},
    {"dietitian", 7, 0, "2020-04-01"},
    {"podiatrist", 7, 0, "2020-04-01"},
    {"occupational_therapist", 7, 0, "2020-04-01"},
    {"nursing_associate", 4, 0, "2020-10-01"},
    {"trainee_nursing_associate", 3, 0, "2020-10-01"},
    {"paramedic", 7, 6, "2021-04-01"},
    {"advanced_practitioner", PCN_BAND_8A, 0, "2021-04-01"},
    {"adult_mental_health_practitioner", 6, 5, "2021-04-01"},
    {"cyp_mental_health_practitioner", 7, 0, "2021-04-01"},
    {"general_practice_assistant", 4, 0, "2022-10-01"},
    {"digital_transformation_lead", PCN_BAND_8A, 0, "2022-10-01"},
    {"apprentice_physician_associate", 5, 0, "2023-04-01"},
    {"enhanced_practice_nurse", 7, 0, "2024-04-01"},
    {"gp", PCN_BAND_NONE, 0, "2024-10-01"},
    {"general_practice_nurse", 6, 5, "2025-04-01"},
    {"healthcare_support_worker", 3, 0, "2025-04-01"},
    {"consultant_nurse", PCN_BAND_8C, 0, "2025-04-01"},
    {"clinical_director", PCN_BAND_NONE, 0, "2019-07-01"},
    {"director", PCN_BAND_NONE, 0, "2019-07-01"},
    {"manager", 7, 6, "2019-07-01"},
    {"receptionist", 3, 2, "2019-07-01"},
    {"medical_secretary", 4, 3, "2019-07-01"},
    {"healthcare_assistant", 3, 0, "2019-07-01"},
    {"gp_locum", PCN_BAND_NONE, 0, "2019-07-01"},
};

/*
 * A plausible yearly cost of 1.0 WTE (salary plus employer on-costs) in
 * pounds at 2025/26 pay, by band: bands 3-6 and 8a at the 2025/26 ARRS
 * maxima of roles at that band (which are set near the top of the band),
 * band 7 between them, the rest extrapolated. A synthetic scale, not a
 * pay table.
 */
static const int64_t band_cost[] = {95000, 28500, 30000, 32159,  36051,  43352, 53319,
                                    62300, 73334, 85000, 100000, 118000, 140000};

static int32_t date_of(const char *s)
{
    int32_t d = PCN_DATE_NONE;

    (void)pcn_date_parse(s, strlen(s), &d);
    return d;
}

static const struct profile *profile_of(const char *role)
{
    for (size_t i = 0; i < PCN_ARRAY_SIZE(profiles); i++) {
        if (strcmp(profiles[i].role, role) == 0)
            return &profiles[i];
    }
    return NULL;
}

/* The band of a new person in role: its profile's, else its group's default. */
static int draw_band(const struct pcn_staff_role *role, struct pcn_rng *rng)
{
    const struct profile *p = profile_of(role->key);

    if (p)
        return p->band_alt && pcn_rng_below(rng, 3) == 0 ? p->band_alt : p->band;
    switch (role->group) {
    case PCN_ROLE_GROUP_NURSE:
        return 6;
    case PCN_ROLE_GROUP_DPC:
    case PCN_ROLE_GROUP_ADMIN:
        return 4;
    case PCN_ROLE_GROUP_GP:
    case PCN_ROLE_GROUP_DIRECTOR:
        break;
    }
    return PCN_BAND_NONE;
}

/*
 * A start date for someone in post on the census day: up to the months
 * since the role began, skewed to recent starts (the lesser of two draws),
 * on the first of the month four times in five.
 */
static int32_t draw_start(const struct pcn_staff_role *role, int32_t census, struct pcn_rng *rng)
{
    const struct profile *p = profile_of(role->key);
    int32_t since = date_of(p ? p->since : "2019-07-01");
    int y1, m1, d1, y2, m2, d2;
    int64_t span;
    int64_t back;
    int32_t start;

    pcn_date_to_ymd(since, &y1, &m1, &d1);
    pcn_date_to_ymd(census, &y2, &m2, &d2);
    span = (int64_t)(y2 - y1) * 12 + (m2 - m1);
    back = 0;
    if (span > 0) {
        uint64_t a = pcn_rng_below(rng, (uint64_t)span + 1);
        uint64_t b = pcn_rng_below(rng, (uint64_t)span + 1);
        back = (int64_t)PCN_MIN(a, b);
    }
    start = pcn_date_add_months(census - (d2 - 1), -(int)back);
    if (pcn_rng_below(rng, 5) == 0)
        start += (int32_t)pcn_rng_below(rng, 28);
    start = PCN_MAX(start, since);
    return PCN_MIN(start, census);
}

/* cost x wte x factor, factor drawn in [lo_bp, hi_bp] hundredths of a percent. */
static enum pcn_err draw_cost(int64_t yearly_pounds, int64_t wte, int64_t lo_bp, int64_t hi_bp,
                              struct pcn_rng *rng, int64_t *ret)
{
    int64_t bp = lo_bp + (int64_t)pcn_rng_below(rng, (uint64_t)(hi_bp - lo_bp + 1));
    int64_t pence = yearly_pounds * 100;
    int64_t scaled;
    enum pcn_err rc = pcn_muldiv(pence, wte, PCN_WTE_ONE, &scaled);

    return rc == PCN_OK ? pcn_muldiv(scaled, bp, 10000, ret) : rc;
}

/* The lead practice: the largest list (ties to the first). */
static size_t lead_of(const struct pcn_staff_twin_opts *o)
{
    size_t lead = 0;

    for (size_t i = 1; i < o->n_practices; i++) {
        if (o->practices[i].registered > o->practices[lead].registered)
            lead = i;
    }
    return lead;
}

/* Sites: one to three member practices, the lead practice first more often than not. */
static size_t draw_sites(const struct pcn_staff_twin_opts *o, int64_t wte, struct pcn_rng *rng,
                         struct pcn_post_site *sites)
{
    size_t n = 1 + (size_t)pcn_rng_below(rng, PCN_MIN(o->n_practices, 3));
    int sessions = (int)PCN_MAX(1, (wte * 9 + PCN_WTE_ONE / 2) / PCN_WTE_ONE);
    size_t first =
        pcn_rng_below(rng, 5) < 3 ? lead_of(o) : (size_t)pcn_rng_below(rng, o->n_practices);

    for (size_t i = 0; i < n; i++) {
        sites[i].site = o->practices[(first + i) % o->n_practices].code;
        sites[i].sessions = 0;
    }
    for (int k = 0; k < sessions; k++)
        sites[k < (int)n ? (size_t)k : (size_t)pcn_rng_below(rng, n)].sessions++;
    for (size_t i = 0; i < n; i++)
        sites[i].sessions = PCN_MIN(sites[i].sessions, PCN_SESSIONS_MAX);
    return n;
}

/* Is role reimbursable in the latest loaded year? */
static bool is_arrs_now(const struct pcn_rates *rates, int role)
{
    size_t n = pcn_rates_n_years(rates);

    return n > 0 && pcn_contract_is_arrs(pcn_rates_year(rates, n - 1), role);
}

/* One person's post(s): split at the pay award when they began before it. */
static enum pcn_err add_person(const struct pcn_staff_twin_opts *o, struct pcn_post *p,
                               struct pcn_staff *s)
{
    struct pcn_post before;
    int64_t old_cost;
    enum pcn_err rc;

    if (o->pay_date == PCN_DATE_NONE || p->start >= o->pay_date || !p->has_cost)
        return pcn_staff_add(s, p);
    before = *p;
    before.end = o->pay_date - 1;
    rc = pcn_muldiv(p->cost, 10000, 10000 + o->pay_uplift_bp, &old_cost);
    before.cost = old_cost;
    if (rc == PCN_OK)
        rc = pcn_staff_add(s, &before);
    p->start = o->pay_date;
    return rc == PCN_OK ? pcn_staff_add(s, p) : rc;
}

/* The terms of one person's main post. */
static enum pcn_err person_post(const struct pcn_rates *rates, const struct pcn_staff_twin_opts *o,
                                struct pcn_rng *rng, const struct pcn_census_row *r, int64_t wte,
                                struct pcn_post *p)
{
    const struct pcn_staff_role *role = pcn_roles_at(pcn_rates_roles(rates), (size_t)r->role);
    bool by_network = pcn_hash_bytes(o->network, strlen(o->network)) % 5 == 0;

    p->network = o->network;
    p->role = r->role;
    p->band = draw_band(role, rng);
    p->wte = wte;
    p->start = draw_start(role, o->census_date, rng);
    p->end = PCN_DATE_NONE;
    p->has_cost = 1;
    p->cost_per = PCN_COST_PER_YEAR;
    if (r->is_contracted) {
        p->employer = PCN_EMPLOYER_SUBCONTRACTOR;
        p->employer_code = "Contracted service";
        p->cost_per = PCN_COST_PER_MONTH;
        p->funding = is_arrs_now(rates, r->role) ? PCN_FUNDING_ARRS : PCN_FUNDING_OTHER;
        if (draw_cost(band_cost[p->band], wte, 10000, 12000, rng, &p->cost) != PCN_OK)
            return PCN_ELIMIT;
        p->cost /= 12; /* an invoice a month */
        return PCN_OK;
    }
    p->employer = by_network ? PCN_EMPLOYER_NETWORK : PCN_EMPLOYER_LEAD_PRACTICE;
    p->employer_code = by_network ? NULL : o->practices[lead_of(o)].code;
    p->funding = is_arrs_now(rates, r->role) ? PCN_FUNDING_ARRS : PCN_FUNDING_OTHER;
    return draw_cost(band_cost[p->band], wte, 8600, 10600, rng, &p->cost);
}

/* Does the register hold an open post of person in role with this employer? */
static bool holds(const struct pcn_staff *s, const char *person, int role, enum pcn_employer e,
                  const char *code)
{
    for (size_t i = 0; i < pcn_staff_count(s); i++) {
        const struct pcn_post *p = pcn_staff_post(s, i);
        if (p->role == role && p->end == PCN_DATE_NONE && p->employer == e &&
            strcmp(p->person, person) == 0 &&
            strcmp(p->employer_code ? p->employer_code : "", code ? code : "") == 0)
            return true;
    }
    return false;
}

/*
 * A person the census lists more than once in one role holds more than one
 * contract: each further post goes to an employer the person does not yet
 * have in that role (the network, then each member practice), so no two
 * posts are one post counted twice (pcn_staff_validate()'s overlap rule).
 * When every employer is taken the row stands as a person of its own
 * ("NWRS-123#2"). person is rewritten in place (size bytes).
 */
static void other_employer(const struct pcn_staff_twin_opts *o, const struct pcn_staff *s,
                           struct pcn_post *p, char *person, size_t size)
{
    if (!holds(s, person, p->role, p->employer, p->employer_code))
        return;
    if (!holds(s, person, p->role, PCN_EMPLOYER_NETWORK, NULL)) {
        p->employer = PCN_EMPLOYER_NETWORK;
        p->employer_code = NULL;
        return;
    }
    for (size_t k = 0; k < o->n_practices; k++) {
        const char *code = o->practices[(lead_of(o) + 1 + k) % o->n_practices].code;
        if (!holds(s, person, p->role, PCN_EMPLOYER_PRACTICE, code)) {
            p->employer = PCN_EMPLOYER_PRACTICE;
            p->employer_code = code;
            return;
        }
    }
    for (int k = 2; k < 100; k++) {
        char other[64];
        (void)snprintf(other, sizeof(other), "%s#%d", person, k);
        if (!holds(s, other, p->role, p->employer, p->employer_code)) {
            (void)snprintf(person, size, "%s", other);
            return;
        }
    }
}

enum pcn_err pcn_staff_twin_row(const struct pcn_rates *rates, const struct pcn_staff_twin_opts *o,
                                struct pcn_rng *rng, const struct pcn_census_row *r,
                                struct pcn_staff *s)
{
    struct pcn_post_site sites[3];
    char person[64];
    int64_t people = r->is_contracted ? (r->fte + PCN_WTE_ONE - 1) / PCN_WTE_ONE : 1;
    int64_t left = r->fte;
    enum pcn_err rc = PCN_OK;

    if (strcmp(r->pcn_code, o->network) != 0 || r->fte <= 0 || o->n_practices == 0)
        return PCN_EINVAL;
    for (int64_t k = 0; k < people && rc == PCN_OK; k++) {
        struct pcn_post p;
        int64_t wte = k + 1 < people ? r->fte / people : left;
        memset(&p, 0, sizeof(p));
        left -= wte;
        if (r->is_contracted)
            (void)snprintf(person, sizeof(person), "CS-%s-%lu-%lld", o->network, r->line,
                           (long long)k + 1);
        else
            (void)snprintf(person, sizeof(person), "NWRS-%s", r->person);
        p.person = person;
        rc = person_post(rates, o, rng, r, PCN_MIN(wte, PCN_WTE_ONE), &p);
        if (rc == PCN_OK && !r->is_contracted)
            other_employer(o, s, &p, person, sizeof(person));
        p.sites = sites;
        p.n_sites = draw_sites(o, p.wte, rng, sites);
        if (rc == PCN_OK)
            rc = add_person(o, &p, s);
        /* hours beyond 1.0 WTE: extra sessions a member practice pays for */
        if (rc == PCN_OK && wte > PCN_WTE_ONE) {
            p.wte = wte - PCN_WTE_ONE;
            p.employer = PCN_EMPLOYER_PRACTICE;
            p.employer_code = o->practices[(lead_of(o) + 1) % o->n_practices].code;
            other_employer(o, s, &p, person, sizeof(person));
            p.funding = PCN_FUNDING_PRACTICE;
            p.n_sites = 1;
            sites[0].site = p.employer_code ? p.employer_code : o->practices[lead_of(o)].code;
            sites[0].sessions = 1;
            rc = draw_cost(band_cost[p.band], p.wte, 9000, 10000, rng, &p.cost);
            if (rc == PCN_OK)
                rc = pcn_staff_add(s, &p);
        }
    }
    return rc;
}

/* State of a pcn_staff_twin() read. */
struct twin_read {
    const struct pcn_rates *rates;
    const struct pcn_staff_twin_opts *o;
    struct pcn_rng rng;
    struct pcn_staff *s;
    enum pcn_err rc;
};

static int twin_row(const struct pcn_census_row *r, void *ud)
{
    struct twin_read *t = ud;

    if (strcmp(r->pcn_code, t->o->network) != 0 || r->fte <= 0)
        return 0;
    t->rc = pcn_staff_twin_row(t->rates, t->o, &t->rng, r, t->s);
    return t->rc != PCN_OK;
}

enum pcn_err pcn_staff_twin(const struct pcn_rates *rates, const char *census_path,
                            const struct pcn_staff_twin_opts *o, uint64_t seed, struct pcn_staff *s,
                            struct pcn_error *reterr)
{
    char def[4096];
    struct twin_read t = {rates, o, {{0}}, s, PCN_OK};
    enum pcn_err rc = PCN_OK;

    if (!census_path) {
        rc = pcn_data_path("data/reference/census_staff.csv", def, sizeof(def));
        census_path = def;
    }
    pcn_rng_seed(&t.rng, seed ^ pcn_hash_bytes(o->network, strlen(o->network)));
    if (rc == PCN_OK)
        rc = pcn_census_read(census_path, pcn_rates_roles(rates), twin_row, &t, reterr);
    if (rc == PCN_OK && t.rc != PCN_OK)
        rc = pcn_error_set(reterr, t.rc, "%s: %s: %s", census_path, o->network, pcn_err_str(t.rc));
    return rc;
}
