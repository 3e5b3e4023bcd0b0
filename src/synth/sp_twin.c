/*
 * sp_twin.c - the social prescribing part of the synthetic twin
 * (pcn/sp_twin.h): a community asset directory placed in the network's
 * LSOAs, and referrals walked through the state machine with delays,
 * drop-outs, contacts, plans, connections and wellbeing scores. Invariant:
 * every generated history passes pcn_referral_check_history and every
 * questionnaire passes validation; nothing is dated after the as-of day.
 */
#include "pcn/sp_twin.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/arena.h"
#include "pcn/date.h"
#include "pcn/geo.h"
#include "pcn/hash.h"
#include "pcn/rng.h"
#include "pcn/vec.h"
#include "pcn/wellbeing.h"
#include "util/common.h"

#define DAY INT64_C(86400000000)
#define MINUTE INT64_C(60000000)

/* ---- vocabulary (invented names; telephone numbers in Ofcom's drama range 01632 960xxx) ---- */

struct asset_kind {
    enum pcn_asset_category category;
    const char *name;
    uint32_t also; /* usual second categories */
    int min_age, max_age;
    enum pcn_asset_route route;
    int weekdays_9_to_5; /* an office-hours advice service */
};

#define C(x) (1u << PCN_ASSET_##x)

static const struct asset_kind kinds[] = {
    {PCN_ASSET_PHYSICAL_ACTIVITY, "Health Walk", C(LONELINESS), 18, 120, PCN_ROUTE_DROP_IN, 0},
    {PCN_ASSET_PHYSICAL_ACTIVITY, "Chair-Based Exercise", C(LTC_GROUP), 55, 120, PCN_ROUTE_DROP_IN,
     0},
    {PCN_ASSET_PHYSICAL_ACTIVITY, "Walking Football", C(LONELINESS), 50, 120,
     PCN_ROUTE_SELF_REFERRAL, 0},
    {PCN_ASSET_PHYSICAL_ACTIVITY, "Gentle Yoga", 0, 18, 120, PCN_ROUTE_SELF_REFERRAL, 0},
    {PCN_ASSET_PHYSICAL_ACTIVITY, "Couch to 5k Group", 0, 16, 120, PCN_ROUTE_SELF_REFERRAL, 0},
    {PCN_ASSET_PHYSICAL_ACTIVITY, "Exercise Referral Scheme", C(LTC_GROUP), 18, 120,
     PCN_ROUTE_PROFESSIONAL, 0},
    {PCN_ASSET_ARTS_CREATIVITY, "Community Choir", C(LONELINESS), 16, 120, PCN_ROUTE_DROP_IN, 0},
    {PCN_ASSET_ARTS_CREATIVITY, "Art for Wellbeing", C(PEER_SUPPORT), 18, 120,
     PCN_ROUTE_LINK_WORKER, 0},
    {PCN_ASSET_ARTS_CREATIVITY, "Craft and Chat", C(LONELINESS), 18, 120, PCN_ROUTE_DROP_IN, 0},
    {PCN_ASSET_ARTS_CREATIVITY, "Men's Shed", C(LONELINESS), 18, 120, PCN_ROUTE_DROP_IN, 0},
    {PCN_ASSET_PEER_SUPPORT, "Mental Health Peer Support Group", 0, 18, 120,
     PCN_ROUTE_SELF_REFERRAL, 0},
    {PCN_ASSET_PEER_SUPPORT, "Bereavement Support Group", C(LONELINESS), 18, 120,
     PCN_ROUTE_SELF_REFERRAL, 0},
    {PCN_ASSET_PEER_SUPPORT, "Men's Talking Group", 0, 18, 120, PCN_ROUTE_DROP_IN, 0},
    {PCN_ASSET_LTC_GROUP, "Breathe Easy Lung Health Group", C(PEER_SUPPORT), 18, 120,
     PCN_ROUTE_SELF_REFERRAL, 0},
    {PCN_ASSET_LTC_GROUP, "Diabetes Support Group", C(PEER_SUPPORT), 18, 120,
     PCN_ROUTE_SELF_REFERRAL, 0},
    {PCN_ASSET_LTC_GROUP, "Stroke Club", C(PEER_SUPPORT), 18, 120, PCN_ROUTE_LINK_WORKER, 0},
    {PCN_ASSET_LTC_GROUP, "Arthritis Support Group", C(PEER_SUPPORT), 18, 120,
     PCN_ROUTE_SELF_REFERRAL, 0},
    {PCN_ASSET_HOUSING_ADVICE, "Housing Advice Drop-in", 0, 16, 120, PCN_ROUTE_DROP_IN, 1},
    {PCN_ASSET_HOUSING_ADVICE, "Tenancy Support Service", C(BENEFITS_ADVICE), 16, 120,
     PCN_ROUTE_PROFESSIONAL, 1},
    {PCN_ASSET_DEBT_ADVICE, "Debt Advice Clinic", C(BENEFITS_ADVICE), 16, 120,
     PCN_ROUTE_SELF_REFERRAL, 1},
    {PCN_ASSET_DEBT_ADVICE, "Money Advice Drop-in", 0, 16, 120, PCN_ROUTE_DROP_IN, 0},
    {PCN_ASSET_BENEFITS_ADVICE, "Welfare Rights Clinic", C(DEBT_ADVICE), 16, 120,
     PCN_ROUTE_LINK_WORKER, 1},
    {PCN_ASSET_EMPLOYMENT_ADVICE, "Job Club", C(EDUCATION), 16, 66, PCN_ROUTE_DROP_IN, 0},
    {PCN_ASSET_EMPLOYMENT_ADVICE, "Employment Support Hub", 0, 16, 66, PCN_ROUTE_SELF_REFERRAL, 1},
    {PCN_ASSET_CARERS, "Carers' Support Group", C(PEER_SUPPORT), 18, 120, PCN_ROUTE_SELF_REFERRAL,
     0},
    {PCN_ASSET_CARERS, "Young Carers Club", 0, 8, 17, PCN_ROUTE_PROFESSIONAL, 0},
    {PCN_ASSET_CARERS, "Dementia Carers' Cafe", C(PEER_SUPPORT), 18, 120, PCN_ROUTE_DROP_IN, 0},
    {PCN_ASSET_LONELINESS, "Lunch Club", 0, 60, 120, PCN_ROUTE_SELF_REFERRAL, 0},
    {PCN_ASSET_LONELINESS, "Befriending Service", 0, 18, 120, PCN_ROUTE_LINK_WORKER, 0},
    {PCN_ASSET_LONELINESS, "Friendship Cafe", 0, 18, 120, PCN_ROUTE_DROP_IN, 0},
    {PCN_ASSET_LONELINESS, "Knit and Natter", C(ARTS_CREATIVITY), 18, 120, PCN_ROUTE_DROP_IN, 0},
    {PCN_ASSET_VOLUNTEERING, "Volunteer Centre", 0, 16, 120, PCN_ROUTE_SELF_REFERRAL, 1},
    {PCN_ASSET_VOLUNTEERING, "Community Garden Volunteers", C(PHYSICAL_ACTIVITY), 16, 120,
     PCN_ROUTE_DROP_IN, 0},
    {PCN_ASSET_EDUCATION, "Digital Skills Course", 0, 16, 120, PCN_ROUTE_SELF_REFERRAL, 0},
    {PCN_ASSET_EDUCATION, "English Conversation Class", C(LONELINESS), 16, 120, PCN_ROUTE_DROP_IN,
     0},
};

static const char *const organisations[] = {
    "Community Association", "Council for Voluntary Service", "Community Trust",
    "Neighbourhood Forum",   "Wellbeing Partnership",         "Leisure Trust",
};

/* How much of the directory each category is (per mille): supply. */
static const int supply[PCN_ASSET_CATEGORY_COUNT_] = {
    220, 150, 110, 100, 40, 30, 35, 30, 55, 130, 60, 40,
};

/* How often referrals ask for each category (per mille): demand differs from supply. */
static const int demand[PCN_ASSET_CATEGORY_COUNT_] = {
    120, 40, 100, 70, 90, 100, 100, 50, 50, 250, 20, 10,
};

static const char *const reasons[PCN_ASSET_CATEGORY_COUNT_] = {
    "wants to be more active",
    "would like a creative outlet",
    "low mood, would value peer support",
    "managing a long-term condition",
    "worried about housing",
    "struggling with debts",
    "unsure which benefits to claim",
    "looking for work",
    "caring for a relative",
    "lonely and isolated",
    "would like to volunteer",
    "wants to learn new skills",
};

static const char *const goal_texts[PCN_ASSET_CATEGORY_COUNT_] = {
    "Walk for 20 minutes three times a week",
    "Join a creative group and go every week",
    "Meet others who understand how I feel",
    "Feel more in control of my condition",
    "Get advice about my housing",
    "Make a plan to pay off what I owe",
    "Check which benefits I am entitled to",
    "Apply for jobs with help on my CV",
    "Get a break from caring and meet other carers",
    "Get out of the house and meet people once a week",
    "Find volunteering that fits around me",
    "Start a course this term",
};

static const char *const what_matters[] = {
    "Feeling part of my community again",
    "Not worrying about money every day",
    "Being able to look after myself and my family",
    "Having something to look forward to each week",
    "Getting fitter so I can play with my grandchildren",
};

static const char *const clinicians[] = {"Dr Patel", "Dr Hughes",      "Dr Okafor",
                                         "Dr Evans", "Practice nurse", "Clinical pharmacist"};
static const char *const groups[] = {"Community centre", "Faith group", "Food bank",
                                     "Housing association", "Carers' group"};
static const char *const worklists[] = {"anticipatory_care", "smr_priority"};

/* ---- generation state ---- */

struct lsoa_info {
    const char *code; /* borrowed from the people */
    double weight;    /* people living there, more for less deprived areas (assets cluster) */
};

struct gen {
    const struct pcn_sp_twin_opts *o;
    struct pcn_sp_twin *t;
    struct pcn_rng rng;
    const struct pcn_sp_twin_person *people;
    size_t n_people;
    double *person_cum; /* cumulative referral weights */
    struct lsoa_info *lsoas;
    size_t n_lsoas;
    double *lsoa_cum;
    struct pcn_strmap *practices; /* practice -> link worker index */
    pcn_usec_t start, horizon;    /* history window */
    struct pcn_error *err;
};

static double uniform(struct gen *g)
{
    return pcn_rng_uniform(&g->rng);
}

static double exp_days(struct gen *g, double mean)
{
    return -mean * log(1.0 - uniform(g));
}

/* Index drawn from per-mille weights of n entries. */
static int pick_weighted(struct gen *g, const int *w, int n)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total += w[i];
    int r = (int)pcn_rng_below(&g->rng, (uint64_t)total);
    for (int i = 0; i < n; i++) {
        if (r < w[i])
            return i;
        r -= w[i];
    }
    return n - 1;
}

/* Index in a cumulative weight array of n entries. */
static size_t pick_cumulative(struct gen *g, const double *cum, size_t n)
{
    double r = uniform(g) * cum[n - 1];
    size_t lo = 0, hi = n - 1;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cum[mid] <= r)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---- the population: referral weights, LSOAs, practices ---- */

static double person_weight(const struct pcn_sp_twin_person *p)
{
    static const double by_age[] = {0.15, 0.7, 1.0, 1.4, 1.8}; /* 0-17 18-39 40-64 65-79 80+ */
    static const double by_decile[] = {1.5, 1.5, 1.25, 1.25, 1.0, 1.0, 0.85, 0.85, 0.7, 0.7};
    int band = p->age < 18 ? 0 : p->age < 40 ? 1 : p->age < 65 ? 2 : p->age < 80 ? 3 : 4;
    double w = by_age[band] * (p->sex == 'F' ? 1.3 : 1.0);

    if (p->imd_decile >= 1 && p->imd_decile <= 10)
        w *= by_decile[p->imd_decile - 1];
    return w * (p->long_term ? 1.6 : 1.0);
}

static enum pcn_err prepare(struct gen *g)
{
    struct pcn_strmap *lsoa_index = pcn_strmap_new();
    size_t alloc = 0, workers = 0;
    enum pcn_err rc = lsoa_index ? PCN_OK : PCN_ENOMEM;

    g->practices = pcn_strmap_new();
    g->person_cum = pcn_calloc(g->n_people, sizeof(*g->person_cum));
    if (!g->practices || !g->person_cum)
        rc = PCN_ENOMEM;
    double sum = 0;
    for (size_t i = 0; rc == PCN_OK && i < g->n_people; i++) {
        const struct pcn_sp_twin_person *p = &g->people[i];
        sum += person_weight(p);
        g->person_cum[i] = sum;
        const char *pr = p->practice ? p->practice : "";
        uint64_t w = 0;
        int added = 0;
        rc = pcn_strmap_intern(g->practices, pr, strlen(pr),
                               workers++ % (uint64_t)g->t->n_link_workers, &w, &added);
        if (rc == PCN_OK && !added)
            workers--;
        if (rc != PCN_OK || !p->lsoa || !p->lsoa[0])
            continue;
        uint64_t at = 0;
        rc = pcn_strmap_intern(lsoa_index, p->lsoa, strlen(p->lsoa), g->n_lsoas, &at, &added);
        if (rc == PCN_OK && added) {
            rc = PCN_GROW(g->lsoas, g->n_lsoas + 1, alloc);
            if (rc == PCN_OK)
                g->lsoas[g->n_lsoas++] = (struct lsoa_info){p->lsoa, 0};
        }
        if (rc == PCN_OK)
            g->lsoas[at].weight += p->imd_decile >= 6 ? 1.3 : 1.0;
    }
    if (rc == PCN_OK && g->n_lsoas) {
        g->lsoa_cum = pcn_calloc(g->n_lsoas, sizeof(*g->lsoa_cum));
        rc = g->lsoa_cum ? PCN_OK : PCN_ENOMEM;
        for (size_t i = 0; rc == PCN_OK && i < g->n_lsoas; i++)
            g->lsoa_cum[i] = (i ? g->lsoa_cum[i - 1] : 0) + g->lsoas[i].weight;
    }
    pcn_strmap_free(lsoa_index);
    return rc;
}

/* ---- the directory ---- */

/* Where an asset is: an LSOA of the area and, when the table has one, a postcode in it. */
static void place_asset(struct gen *g, struct pcn_asset *a, char token[16])
{
    struct pcn_place place;

    (void)snprintf(token, 16, "area");
    if (!g->n_lsoas)
        return;
    const char *lsoa = g->lsoas[pick_cumulative(g, g->lsoa_cum, g->n_lsoas)].code;
    (void)snprintf(a->lsoa, sizeof(a->lsoa), "%s", lsoa);
    (void)snprintf(token, 16, "%s", lsoa);
    size_t n = g->o->geo ? pcn_geo_lsoa_postcode_count(g->o->geo, lsoa) : 0;
    if (n && pcn_geo_lsoa_postcode(g->o->geo, lsoa, pcn_rng_below(&g->rng, n), a->postcode,
                                   &place) == PCN_OK) {
        a->has_position = 1;
        a->lat = place.lat;
        a->lon = place.lon;
        /* the outward code names the place: "SM1" */
        (void)snprintf(token, 16, "%.*s", (int)strcspn(a->postcode, " "), a->postcode);
    }
}

static void asset_times(struct gen *g, const struct asset_kind *k, struct pcn_asset *a)
{
    static const uint16_t starts[] = {570, 600, 630, 780, 840, 1080, 1110, 1140};
    static const uint16_t lengths[] = {60, 90, 120};

    if (k->weekdays_9_to_5) {
        for (uint8_t d = 0; d < 5; d++)
            a->sessions[a->n_sessions++] = (struct pcn_asset_session){d, 540, 1020};
        return;
    }
    uint8_t day = (uint8_t)pcn_rng_below(&g->rng, 6);
    uint16_t start = starts[pcn_rng_below(&g->rng, PCN_ARRAY_SIZE(starts))];
    uint16_t len = lengths[pcn_rng_below(&g->rng, PCN_ARRAY_SIZE(lengths))];
    a->sessions[a->n_sessions++] = (struct pcn_asset_session){day, start, (uint16_t)(start + len)};
    if (uniform(g) < 0.3) {
        uint8_t other = (uint8_t)((day + 2 + pcn_rng_below(&g->rng, 3)) % 6);
        a->sessions[a->n_sessions++] =
            (struct pcn_asset_session){other, start, (uint16_t)(start + len)};
        if (a->sessions[1].day < a->sessions[0].day) {
            struct pcn_asset_session s = a->sessions[0];
            a->sessions[0] = a->sessions[1];
            a->sessions[1] = s;
        }
    }
}

static uint32_t asset_access(struct gen *g, const struct asset_kind *k)
{
    static const double p[PCN_ACCESS_COUNT] = {0.6, 0.65, 0.25, 0.5, 0.4, 0.7, 0.1};
    uint32_t flags = 0;

    for (int i = 0; i < PCN_ACCESS_COUNT; i++) {
        double q = p[i];
        if (i == 6 && k->weekdays_9_to_5)
            q = 0.5; /* advice services often also work by phone or online */
        if (uniform(g) < q)
            flags |= 1u << i;
    }
    return flags;
}

static enum pcn_err make_asset(struct gen *g, int64_t id)
{
    struct pcn_asset a;
    char token[16];
    struct pcn_arena *ar = g->t->arena;
    int cat = pick_weighted(g, supply, PCN_ASSET_CATEGORY_COUNT_);
    size_t n_kind = 0, choice[PCN_ARRAY_SIZE(kinds)];

    for (size_t i = 0; i < PCN_ARRAY_SIZE(kinds); i++) {
        if ((int)kinds[i].category == cat)
            choice[n_kind++] = i;
    }
    if (PCN_NEVER(n_kind == 0)) /* every category has kinds of asset */
        return PCN_EINVAL;
    const struct asset_kind *k = &kinds[choice[pcn_rng_below(&g->rng, n_kind)]];
    pcn_asset_init(&a);
    a.id = id;
    a.categories = 1u << k->category;
    if (k->also && uniform(g) < 0.6)
        a.categories |= k->also;
    place_asset(g, &a, token);
    a.name = pcn_arena_printf(ar, "%s (%s)", k->name, token);
    a.organisation = pcn_arena_printf(
        ar, "%s %s", token, organisations[pcn_rng_below(&g->rng, PCN_ARRAY_SIZE(organisations))]);
    a.description =
        pcn_arena_printf(ar, "%s: %s. Ask %s.", pcn_asset_category_label(k->category), k->name,
                         k->route == PCN_ROUTE_DROP_IN ? "on the day" : "before you go");
    a.address = pcn_arena_printf(ar, "Community hall, %s", token);
    asset_times(g, k, &a);
    a.cost_pence = uniform(g) < 0.65 ? 0 : 100 * (int32_t)(1 + pcn_rng_below(&g->rng, 5));
    a.access = asset_access(g, k);
    a.min_age = k->min_age;
    a.max_age = k->max_age;
    a.capacity = k->weekdays_9_to_5 && uniform(g) < 0.5 ? -1 : 8 + (int)pcn_rng_below(&g->rng, 33);
    a.phone = pcn_arena_printf(ar, "01632 960%03d", (int)(id % 1000));
    a.email = pcn_arena_printf(ar, "asset%lld@example.org", (long long)id);
    a.website = pcn_arena_printf(ar, "https://example.org/asset/%lld", (long long)id);
    a.route = k->route;
    int32_t days_ago = uniform(g) < 0.75 ? (int32_t)pcn_rng_below(&g->rng, 365)
                                         : 366 + (int32_t)pcn_rng_below(&g->rng, 540);
    a.last_verified = g->o->as_of - days_ago;
    a.active = uniform(g) < 0.96;
    if (!a.name || !a.organisation || !a.description || !a.address || !a.phone || !a.email ||
        !a.website)
        return pcn_error_set(g->err, PCN_ENOMEM, "out of memory");
    return pcn_directory_add(g->t->directory, &a, NULL, g->err);
}

/* ---- one referral's history ---- */

#define MAX_TR 8
#define MAX_CT 48
#define MAX_GOALS 3
#define MAX_CN 3
#define MAX_OC 4

struct story {
    struct pcn_referral r;
    struct pcn_referral_transition tr[MAX_TR];
    size_t n_tr;
    struct pcn_contact ct[MAX_CT];
    size_t n_ct;
    struct pcn_goal goals[MAX_GOALS];
    size_t n_goals;
    struct pcn_connection cn[MAX_CN];
    size_t n_cn;
    struct pcn_outcome oc[MAX_OC];
    size_t n_oc;
    const struct pcn_sp_twin_person *person;
    double wellbeing; /* latent, 0 = the population's average; lower is worse */
    int baseline;     /* which instruments were recorded at the start: bit per instrument */
};

/* The first working moment (Monday-Friday 09:00-17:00) at or after t. */
static pcn_usec_t working(struct gen *g, pcn_usec_t t)
{
    int64_t day = t / DAY;
    pcn_usec_t in_day = t % DAY;

    if (in_day >= INT64_C(17) * 60 * MINUTE) {
        day++;
        in_day = 0;
    }
    while ((day + 3) % 7 >= 5) { /* 1970-01-01 was a Thursday: (day + 3) % 7 is 0 on Monday */
        day++;
        in_day = 0;
    }
    if (in_day < INT64_C(9) * 60 * MINUTE)
        in_day = INT64_C(9) * 60 * MINUTE + (pcn_usec_t)pcn_rng_below(&g->rng, 120) * MINUTE;
    return day * DAY + in_day;
}

/* Move the referral; false (nothing recorded) when the move would fall after the history. */
static bool move(struct gen *g, struct story *s, enum pcn_referral_state to, pcn_usec_t at,
                 enum pcn_close_reason reason)
{
    if (at > g->horizon || s->n_tr >= MAX_TR)
        return false;
    s->tr[s->n_tr++] =
        (struct pcn_referral_transition){s->r.state, to, at, s->r.link_worker, reason, NULL};
    s->r.state = to;
    s->r.close_reason = reason;
    s->r.updated_at = at;
    return true;
}

static void contact(struct gen *g, struct story *s, pcn_usec_t at, enum pcn_contact_type type,
                    int minutes, int successful, const char *notes)
{
    if (at > g->horizon || s->n_ct >= MAX_CT)
        return;
    s->ct[s->n_ct++] =
        (struct pcn_contact){0, s->r.id, at, type, minutes, successful, s->r.link_worker, notes};
}

static int clamp(double v, int lo, int hi)
{
    long r = lround(v);
    return r < lo ? lo : r > hi ? hi : (int)r;
}

/* ONS4 and SWEMWBS answers for latent wellbeing w; first marks the baseline. */
static void measure(struct gen *g, struct story *s, pcn_usec_t at, double w, bool first)
{
    if (at + MINUTE > g->horizon || s->n_oc + 2 > MAX_OC)
        return;
    bool ons = first ? uniform(g) < 0.85 : (s->baseline & 1) != 0;
    bool swem = first ? uniform(g) < (ons ? 0.9 : 0.3) : (s->baseline & 2) != 0;
    if (ons) {
        struct pcn_outcome *o = &s->oc[s->n_oc++];
        *o = (struct pcn_outcome){0, s->r.id, PCN_INSTRUMENT_ONS4, at, s->r.link_worker, {0}};
        o->items[0] = clamp(6.6 + 1.6 * w + 1.2 * pcn_rng_normal(&g->rng), 0, 10);
        o->items[1] = clamp(7.1 + 1.4 * w + 1.2 * pcn_rng_normal(&g->rng), 0, 10);
        o->items[2] = clamp(6.9 + 1.7 * w + 1.4 * pcn_rng_normal(&g->rng), 0, 10);
        o->items[3] = clamp(3.0 - 1.8 * w + 1.6 * pcn_rng_normal(&g->rng), 0, 10);
    }
    if (swem) {
        struct pcn_outcome *o = &s->oc[s->n_oc++];
        *o = (struct pcn_outcome){0,           s->r.id,          PCN_INSTRUMENT_SWEMWBS,
                                  at + MINUTE, s->r.link_worker, {0}};
        for (int i = 0; i < PCN_SWEMWBS_ITEMS; i++)
            o->items[i] = clamp(3.5 + 0.9 * w + 0.6 * pcn_rng_normal(&g->rng), 1, 5);
    }
    if (first)
        s->baseline = (ons ? 1 : 0) | (swem ? 2 : 0);
}

/* An active asset offering category c, in the person's LSOA when there is one (60%). */
static const struct pcn_asset *choose_asset(struct gen *g, int c, const char *lsoa)
{
    const struct pcn_directory *d = g->t->directory;
    size_t n = pcn_directory_count(d), n_any = 0, n_local = 0;

    for (size_t i = 0; i < n; i++) {
        const struct pcn_asset *a = pcn_directory_at(d, i);
        if (a->active && (a->categories & (1u << c))) {
            n_any++;
            n_local += lsoa && strcmp(a->lsoa, lsoa) == 0;
        }
    }
    if (!n_any)
        return NULL;
    bool local = n_local && uniform(g) < 0.6;
    size_t k = pcn_rng_below(&g->rng, local ? n_local : n_any);
    for (size_t i = 0; i < n; i++) {
        const struct pcn_asset *a = pcn_directory_at(d, i);
        if (!a->active || !(a->categories & (1u << c)))
            continue;
        if (local && strcmp(a->lsoa, lsoa) != 0)
            continue;
        if (k-- == 0)
            return a;
    }
    return NULL;
}

/* Contact attempts up to the first that reaches the person; false if never reached. */
static bool reach(struct gen *g, struct story *s, pcn_usec_t *t)
{
    pcn_usec_t at = working(g, s->r.received_at + (pcn_usec_t)((0.1 + exp_days(g, 2.5)) * DAY));

    if (uniform(g) < 0.08) {
        for (int k = 0; k < 3; k++) {
            contact(g, s, at, PCN_CONTACT_TELEPHONE, 0, 0, "No answer; message left");
            if (k < 2)
                at = working(g, at + (pcn_usec_t)((1 + exp_days(g, 3)) * DAY));
        }
        (void)move(g, s, PCN_REFERRAL_NOT_CONTACTABLE, at + 5 * MINUTE, PCN_CLOSE_NONE);
        return false;
    }
    if (uniform(g) < 0.3) {
        contact(g, s, at, PCN_CONTACT_TELEPHONE, 0, 0, "No answer");
        at = working(g, at + (pcn_usec_t)((0.5 + exp_days(g, 2)) * DAY));
    }
    contact(g, s, at, PCN_CONTACT_TELEPHONE, 10 + (int)pcn_rng_below(&g->rng, 16), 1,
            "Introductory call");
    *t = at;
    return move(g, s, PCN_REFERRAL_CONTACTED, at, PCN_CLOSE_NONE);
}

/* The plan: what matters, goals from the needs, connections to assets. */
static void plan(struct gen *g, struct story *s, pcn_usec_t at, pcn_usec_t *ret_first_connection)
{
    *ret_first_connection = 0;
    s->r.what_matters = what_matters[pcn_rng_below(&g->rng, PCN_ARRAY_SIZE(what_matters))];
    for (int c = 0; c < PCN_ASSET_CATEGORY_COUNT_ && s->n_goals < MAX_GOALS; c++) {
        if (!(s->r.needs & (1u << c)))
            continue;
        s->goals[s->n_goals++] = (struct pcn_goal){
            0, s->r.id, 1, goal_texts[c], PCN_GOAL_OPEN, (int32_t)(at / DAY) + 90, at};
        const struct pcn_asset *a = choose_asset(g, c, s->person->lsoa);
        pcn_usec_t when = working(g, at + (pcn_usec_t)((1 + exp_days(g, 10)) * DAY));
        if (!a || when > g->horizon || s->n_cn >= MAX_CN)
            continue;
        s->cn[s->n_cn++] = (struct pcn_connection){
            0, s->r.id, 1, a->id, (int32_t)(when / DAY), PCN_ATTENDANCE_UNKNOWN, "", when,
        };
        if (!*ret_first_connection || when < *ret_first_connection)
            *ret_first_connection = when;
    }
}

static enum pcn_close_reason close_reason(struct gen *g, bool connected)
{
    static const int with[] = {0, 500, 300, 50, 80, 30, 10, 0, 0, 30};
    static const int without[] = {0, 200, 0, 350, 300, 50, 20, 0, 0, 80};

    return (enum pcn_close_reason)pick_weighted(g, connected ? with : without,
                                                PCN_CLOSE_REASON_COUNT_);
}

/* The end of a case: final scores, goal statuses, attendance, closing. */
static void finish(struct gen *g, struct story *s, pcn_usec_t close_at, bool connected)
{
    enum pcn_close_reason why = close_reason(g, connected);
    bool good = why == PCN_CLOSE_GOALS_MET || why == PCN_CLOSE_CONNECTED;

    if (close_at > g->horizon)
        return; /* still open on the as-of day */
    if (s->baseline && uniform(g) < (good ? 0.65 : 0.25)) {
        double shift = why == PCN_CLOSE_GOALS_MET ? 0.55 : why == PCN_CLOSE_CONNECTED ? 0.45 : 0.1;
        measure(g, s, close_at - 30 * MINUTE, s->wellbeing + shift + 0.55 * pcn_rng_normal(&g->rng),
                false);
    }
    for (size_t i = 0; i < s->n_goals; i++) {
        double u = uniform(g);
        s->goals[i].status = good ? (u < 0.6 ? PCN_GOAL_ACHIEVED : PCN_GOAL_PARTLY_ACHIEVED)
                                  : (u < 0.6 ? PCN_GOAL_NOT_ACHIEVED : PCN_GOAL_DROPPED);
        s->goals[i].version = 2;
        s->goals[i].updated_at = close_at;
    }
    for (size_t i = 0; i < s->n_cn; i++) {
        double u = uniform(g);
        s->cn[i].attendance = u < (good ? 0.8 : 0.4)    ? PCN_ATTENDANCE_ATTENDED
                              : u < (good ? 0.92 : 0.8) ? PCN_ATTENDANCE_DID_NOT_ATTEND
                                                        : PCN_ATTENDANCE_UNKNOWN;
        s->cn[i].version = 2;
        s->cn[i].updated_at = close_at;
    }
    (void)move(g, s, PCN_REFERRAL_CLOSED, close_at, why);
}

/* After the first appointment: plan, connections, follow-up contacts, the end. */
static void support(struct gen *g, struct story *s, pcn_usec_t t2)
{
    pcn_usec_t t3 = uniform(g) < 0.7 ? t2 + 5 * MINUTE
                                     : working(g, t2 + (pcn_usec_t)((1 + exp_days(g, 7)) * DAY));
    pcn_usec_t first_connection = 0;

    if (t3 > g->horizon)
        return;
    plan(g, s, t3, &first_connection);
    if (!move(g, s, PCN_REFERRAL_PLAN_AGREED, t3, PCN_CLOSE_NONE))
        return;
    pcn_usec_t close_at = working(g, t3 + (pcn_usec_t)((42 + exp_days(g, 45)) * DAY));
    int follow = 3 + (int)pcn_rng_below(&g->rng, 8);
    pcn_usec_t at = t3;
    for (int k = 0; k < follow; k++) {
        at = working(g, at + (pcn_usec_t)((2 + exp_days(g, 8)) * DAY));
        if (at >= close_at)
            break;
        double u = uniform(g);
        enum pcn_contact_type type = u < 0.5    ? PCN_CONTACT_TELEPHONE
                                     : u < 0.85 ? PCN_CONTACT_FACE_TO_FACE
                                     : u < 0.9  ? PCN_CONTACT_VIDEO
                                     : u < 0.95 ? PCN_CONTACT_HOME_VISIT
                                                : PCN_CONTACT_MESSAGE;
        int minutes = type == PCN_CONTACT_MESSAGE     ? 0
                      : type == PCN_CONTACT_TELEPHONE ? 10 + (int)pcn_rng_below(&g->rng, 21)
                                                      : 30 + (int)pcn_rng_below(&g->rng, 46);
        contact(g, s, at, type, minutes, 1, "Follow-up");
    }
    if (first_connection && first_connection < close_at &&
        !move(g, s, PCN_REFERRAL_CONNECTED, first_connection, PCN_CLOSE_NONE))
        return;
    finish(g, s, close_at, s->r.state == PCN_REFERRAL_CONNECTED);
}

/* Walk one referral from received to wherever it is on the as-of day. */
static void simulate(struct gen *g, struct story *s)
{
    pcn_usec_t t1 = 0;

    s->wellbeing = -0.7 + 0.8 * pcn_rng_normal(&g->rng);
    if (!reach(g, s, &t1))
        return;
    if (uniform(g) < 0.07) {
        (void)move(g, s, PCN_REFERRAL_DECLINED, t1 + 5 * MINUTE, PCN_CLOSE_NONE);
        return;
    }
    pcn_usec_t t2 = working(g, t1 + (pcn_usec_t)((1 + exp_days(g, 6)) * DAY));
    double u = uniform(g);
    enum pcn_contact_type type = u < 0.62   ? PCN_CONTACT_FACE_TO_FACE
                                 : u < 0.87 ? PCN_CONTACT_TELEPHONE
                                 : u < 0.92 ? PCN_CONTACT_VIDEO
                                            : PCN_CONTACT_HOME_VISIT;
    contact(g, s, t2, type, 40 + (int)pcn_rng_below(&g->rng, 36), 1,
            "First appointment: what matters to me");
    if (!move(g, s, PCN_REFERRAL_FIRST_APPOINTMENT, t2, PCN_CLOSE_NONE))
        return;
    measure(g, s, t2 + 2 * MINUTE, s->wellbeing, true);
    u = uniform(g);
    if (u < 0.03) {
        (void)move(g, s, PCN_REFERRAL_DECLINED, t2 + 10 * MINUTE, PCN_CLOSE_NONE);
        return;
    }
    if (u < 0.09) { /* drifts away before a plan */
        pcn_usec_t at = working(g, t2 + (pcn_usec_t)((14 + exp_days(g, 21)) * DAY));
        contact(g, s, at, PCN_CONTACT_TELEPHONE, 0, 0, "No answer");
        (void)move(g, s, PCN_REFERRAL_CLOSED, at + 5 * MINUTE, PCN_CLOSE_DISENGAGED);
        return;
    }
    support(g, s, t2);
}

/* ---- referrals ---- */

/* Who referred, how, and who recorded it. */
static void referral_source(struct gen *g, struct story *s)
{
    struct pcn_arena *ar = g->t->arena;
    double u = uniform(g);
    const char *practice = s->person->practice ? s->person->practice : "";

    s->r.channel = PCN_CHANNEL_NONE;
    s->r.worklist = "";
    if (u < 0.58) {
        s->r.source = PCN_SOURCE_CLINICIAN;
        s->r.referrer = clinicians[pcn_rng_below(&g->rng, PCN_ARRAY_SIZE(clinicians))];
        double v = uniform(g);
        if (v < 0.2) {
            s->r.channel = PCN_CHANNEL_PATIENT_VIEW;
        } else if (v < 0.3) {
            s->r.channel = PCN_CHANNEL_WORKLIST;
            s->r.worklist = worklists[pcn_rng_below(&g->rng, PCN_ARRAY_SIZE(worklists))];
        }
        s->r.created_by = s->r.channel != PCN_CHANNEL_NONE
                              ? pcn_arena_printf(ar, "clinician.%s", practice)
                              : s->r.link_worker;
    } else if (u < 0.78) {
        s->r.source = PCN_SOURCE_PRACTICE;
        s->r.referrer = "Care navigator";
        s->r.created_by = pcn_arena_printf(ar, "reception.%s", practice);
    } else if (u < 0.92) {
        s->r.source = PCN_SOURCE_SELF;
        s->r.referrer = "";
        s->r.created_by = s->r.link_worker;
    } else {
        s->r.source = PCN_SOURCE_COMMUNITY_GROUP;
        s->r.referrer = groups[pcn_rng_below(&g->rng, PCN_ARRAY_SIZE(groups))];
        s->r.created_by = s->r.link_worker;
    }
}

/* One to three needs from the demand mix, and the referral's reason text from them. */
static void referral_needs(struct gen *g, struct story *s)
{
    int n = 1 + (uniform(g) < 0.45) + (uniform(g) < 0.15);
    char reason[400] = "";
    size_t used = 0;

    s->r.needs = 0;
    for (int k = 0; k < n; k++)
        s->r.needs |= 1u << pick_weighted(g, demand, PCN_ASSET_CATEGORY_COUNT_);
    for (int c = 0; c < PCN_ASSET_CATEGORY_COUNT_; c++) {
        if (!(s->r.needs & (1u << c)) || used >= sizeof(reason))
            continue;
        int w =
            snprintf(reason + used, sizeof(reason) - used, "%s%s", used ? "; " : "", reasons[c]);
        used += w > 0 ? (size_t)w : 0;
    }
    s->r.reason = pcn_arena_strdup(g->t->arena, reason);
}

static int cmp_usec(const void *pa, const void *pb)
{
    pcn_usec_t a = *(const pcn_usec_t *)pa, b = *(const pcn_usec_t *)pb;
    return (a > b) - (a < b);
}

/* Copy n elements of size into the arena (NULL for none). */
static void *keep(struct gen *g, const void *src, size_t n, size_t size, bool *ok)
{
    if (!n)
        return NULL;
    void *p = pcn_arena_calloc(g->t->arena, n, size);
    if (!p)
        *ok = false;
    else
        memcpy(p, src, n * size);
    return p;
}

/* Generate the story of referral id received at `at` and keep it in the twin. */
static enum pcn_err make_case(struct gen *g, int64_t id, pcn_usec_t at,
                              struct pcn_sp_twin_case *out)
{
    struct story *s = pcn_calloc(1, sizeof(*s));
    bool ok = true;

    if (!s)
        return pcn_error_set(g->err, PCN_ENOMEM, "out of memory");
    s->person = &g->people[pick_cumulative(g, g->person_cum, g->n_people)];
    const char *pr = s->person->practice ? s->person->practice : "";
    uint64_t worker = 0;
    (void)pcn_strmap_get(g->practices, pr, strlen(pr), &worker);
    s->r.id = id;
    s->r.patient_id = s->person->patient_id;
    s->r.link_worker = g->t->link_workers[worker];
    s->r.received_at = at;
    s->r.state = PCN_REFERRAL_RECEIVED;
    s->r.what_matters = "";
    s->r.updated_at = at;
    referral_source(g, s);
    referral_needs(g, s);
    simulate(g, s);
    s->r.version = 1 + (int64_t)s->n_tr;
    out->referral = s->r;
    out->transitions = keep(g, s->tr, s->n_tr, sizeof(s->tr[0]), &ok);
    out->n_transitions = s->n_tr;
    out->contacts = keep(g, s->ct, s->n_ct, sizeof(s->ct[0]), &ok);
    out->n_contacts = s->n_ct;
    out->goals = keep(g, s->goals, s->n_goals, sizeof(s->goals[0]), &ok);
    out->n_goals = s->n_goals;
    out->connections = keep(g, s->cn, s->n_cn, sizeof(s->cn[0]), &ok);
    out->n_connections = s->n_cn;
    out->outcomes = keep(g, s->oc, s->n_oc, sizeof(s->oc[0]), &ok);
    out->n_outcomes = s->n_oc;
    ok = ok && out->referral.reason && out->referral.created_by;
    pcn_free(s);
    return ok ? PCN_OK : pcn_error_set(g->err, PCN_ENOMEM, "out of memory");
}

static enum pcn_err make_referrals(struct gen *g)
{
    double years = (double)(g->horizon - g->start) / (365.25 * DAY);
    double rate = g->o->referrals_per_fte > 0 ? g->o->referrals_per_fte : 225.0;
    double mean = g->t->link_worker_fte * rate * years;
    size_t n = (size_t)llround(mean * (0.95 + 0.1 * uniform(g)));
    pcn_usec_t *when = pcn_calloc(n ? n : 1, sizeof(*when));
    enum pcn_err rc = PCN_OK;

    if (!when)
        return pcn_error_set(g->err, PCN_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        when[i] = working(g, g->start + (pcn_usec_t)(uniform(g) * (double)(g->horizon - g->start)));
    if (n > 1)
        qsort(when, n, sizeof(*when), cmp_usec);
    g->t->cases = n ? pcn_arena_calloc(g->t->arena, n, sizeof(*g->t->cases)) : NULL;
    if (n && !g->t->cases)
        rc = pcn_error_set(g->err, PCN_ENOMEM, "out of memory");
    for (size_t i = 0; rc == PCN_OK && i < n; i++) {
        if (when[i] > g->horizon)
            break; /* a Friday-evening draw moved past the last day */
        rc = make_case(g, (int64_t)i + 1, when[i], &g->t->cases[i]);
        if (rc == PCN_OK)
            g->t->n_cases++;
    }
    pcn_free(when);
    return rc;
}

/* ---- the twin ---- */

void pcn_sp_twin_free(struct pcn_sp_twin *t)
{
    if (!t)
        return;
    pcn_directory_free(t->directory);
    pcn_arena_free(t->arena);
    pcn_free(t);
}

static enum pcn_err check_opts(const struct pcn_sp_twin_opts *o, size_t n, struct pcn_error *reterr)
{
    if (!n)
        return pcn_error_set(reterr, PCN_EINVAL, "social prescribing twin: no people");
    if (o->months < 0 || o->months > 120)
        return pcn_error_set(reterr, PCN_EINVAL, "social prescribing twin: months must be 1-120");
    if (o->link_worker_fte < 0 || o->link_worker_fte > PCN_SP_TWIN_MAX_WORKERS)
        return pcn_error_set(reterr, PCN_EINVAL,
                             "social prescribing twin: link-worker FTE must be 0-%d",
                             PCN_SP_TWIN_MAX_WORKERS);
    if (o->referrals_per_fte < 0 || o->referrals_per_fte > 1000)
        return pcn_error_set(reterr, PCN_EINVAL,
                             "social prescribing twin: referrals per FTE must be 0-1000");
    if (o->n_assets > 5000)
        return pcn_error_set(reterr, PCN_EINVAL, "social prescribing twin: at most 5000 assets");
    if (o->as_of == PCN_DATE_NONE)
        return pcn_error_set(reterr, PCN_EINVAL, "social prescribing twin: no as-of date");
    return PCN_OK;
}

/* Link workers: the FTE given, or England's 4.3 per 100,000, split into whole posts. */
static void staff(struct pcn_sp_twin *t, const struct pcn_sp_twin_opts *o, size_t n)
{
    double fte = o->link_worker_fte > 0 ? o->link_worker_fte : 4.3e-5 * (double)n;

    if (fte < 0.2)
        fte = 0.2;
    t->link_worker_fte = fte;
    t->n_link_workers = (int)ceil(fte - 1e-9);
    if (t->n_link_workers > PCN_SP_TWIN_MAX_WORKERS)
        t->n_link_workers = PCN_SP_TWIN_MAX_WORKERS;
    for (int i = 0; i < t->n_link_workers; i++)
        (void)snprintf(t->link_workers[i], sizeof(t->link_workers[i]), "linkworker%d", i + 1);
}

enum pcn_err pcn_sp_twin_make(const struct pcn_sp_twin_person *people, size_t n,
                              const struct pcn_sp_twin_opts *o, struct pcn_sp_twin **ret,
                              struct pcn_error *reterr)
{
    struct gen g = {.o = o, .people = people, .n_people = n, .err = reterr};
    enum pcn_err rc = check_opts(o, n, reterr);

    if (rc != PCN_OK)
        return rc;
    g.t = pcn_calloc(1, sizeof(*g.t));
    if (g.t) {
        g.t->arena = pcn_arena_new((size_t)256 * 1024, 0);
        g.t->directory = pcn_directory_new();
    }
    if (!g.t || !g.t->arena || !g.t->directory) {
        rc = pcn_error_set(reterr, PCN_ENOMEM, "out of memory");
        goto out;
    }
    pcn_rng_seed(&g.rng, o->seed ^ UINT64_C(0x53507477696e)); /* its own stream: "SPtwin" */
    staff(g.t, o, n);
    g.horizon = ((pcn_usec_t)o->as_of + 1) * DAY - MINUTE;
    g.start = (pcn_usec_t)pcn_date_add_months(o->as_of, -(o->months ? o->months : 24)) * DAY;
    rc = prepare(&g);
    if (rc != PCN_OK) {
        pcn_error_set(reterr, rc, "out of memory");
        goto out;
    }
    size_t n_assets = o->n_assets ? o->n_assets : PCN_MAX((size_t)40, n / 500);
    n_assets = PCN_MIN(n_assets, (size_t)5000);
    for (size_t i = 0; rc == PCN_OK && i < n_assets; i++)
        rc = make_asset(&g, (int64_t)i + 1);
    if (rc == PCN_OK)
        rc = make_referrals(&g);
    if (rc == PCN_OK) {
        *ret = g.t;
        g.t = NULL;
    }
out:
    pcn_free(g.person_cum);
    pcn_free(g.lsoas);
    pcn_free(g.lsoa_cum);
    pcn_strmap_free(g.practices);
    pcn_sp_twin_free(g.t);
    return rc;
}
