/*
 * ppg_twin.c - the patient participation groups of a twin: the network's
 * registered adults are read from the store, then each practice's PPG
 * draws its members from its own adults with weights that tilt it the way
 * published PPG reports and studies describe real groups (older, whiter,
 * from less deprived neighbourhoods, slightly more women: the weights and
 * their sources are in docs/generator.md), and a network forum takes one
 * or two members of each PPG plus community representatives. Members are
 * new, generated people with their own names; only their facts follow the
 * sampled adult. Deterministic for a seed.
 */
#include "pcn/ppg_twin.h"
#include "ppg_twin_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/csv.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "pcn/paths.h"
#include "pcn/record.h"
#include "pcn/store_population.h"
#include "pcn/store_ppg.h"
#include "pcn/store_registry.h"
#include "pcn/vec.h"
#include "util/common.h"

/* Relative likelihood of joining a PPG, by the member age bands 18-24 .. 85+. */
static const double age_weight[8] = {0.08, 0.15, 0.35, 0.7, 1.5, 2.8, 2.2, 0.6};
/* ... by deprivation quintile (0: not known), and for people of a minority ethnic group. */
static const double imd_weight[6] = {1.0, 0.6, 0.8, 1.0, 1.2, 1.35};
#define MINORITY_WEIGHT 0.45
#define FEMALE_WEIGHT 1.15
/* Community representatives on the forum are drawn with a gentler tilt. */
#define FORUM_FLATTEN 0.5

static const char *const female_names[] = {
    "Margaret", "Susan",   "Patricia", "Linda", "Janet",  "Christine", "Elizabeth", "Helen",
    "Sarah",    "Julie",   "Karen",    "Amina", "Priya",  "Grace",     "Sophie",    "Emma",
    "Joan",     "Barbara", "Ruth",     "Farah", "Nkechi", "Anna"};
static const char *const male_names[] = {"John",  "David",   "Peter",  "Michael", "Robert", "Brian",
                                         "Alan",  "Stephen", "Graham", "Richard", "Thomas", "Imran",
                                         "Raj",   "Kwame",   "Daniel", "James",   "Keith",  "Derek",
                                         "Colin", "Tariq",   "Paul",   "Mark"};
static const char *const surnames[] = {
    "Smith",    "Jones",    "Taylor", "Brown",  "Wilson",  "Johnson", "Walker", "Wright",
    "Robinson", "Thompson", "White",  "Hughes", "Edwards", "Green",   "Hall",   "Wood",
    "Harris",   "Clarke",   "Khan",   "Patel",  "Begum",   "Okafor",  "Mensah", "Ahmed",
    "Kowalski", "Murphy",   "Turner", "Hill",   "Moore",   "Cooper"};

int32_t pcn__twin_day(struct twin *t, int32_t from, int32_t to)
{
    if (to <= from)
        return from;
    return from + (int32_t)pcn_rng_below(&t->rng, (uint64_t)(to - from) + 1);
}

/* ---- the network's registered adults ---- */

struct read_state {
    struct twin *t;
    struct pcn_strmap *imd; /* LSOA -> decile */
    enum pcn_err rc;
};

static int practice_of(const struct twin *t, const char *code)
{
    for (size_t i = 0; code && i < t->n_practices; i++) {
        if (strcmp(t->practices[i].code, code) == 0)
            return (int)i;
    }
    return -1;
}

static int add_practice(const struct pcn_membership *m, void *ud)
{
    struct read_state *r = ud;
    struct twin *t = r->t;
    int32_t d = t->o->as_of;
    struct twin_practice *p;

    if (strcmp(m->network, t->network) != 0 || m->start_date > d ||
        (m->end_date != PCN_DATE_NONE && m->end_date < d))
        return 0;
    r->rc = PCN_GROW(t->practices, t->n_practices + 1, t->alloc_practices);
    if (r->rc != PCN_OK)
        return 1;
    p = &t->practices[t->n_practices++];
    memset(p, 0, sizeof(*p));
    (void)snprintf(p->code, sizeof(p->code), "%s", m->practice);
    return 0;
}

/* The network of the first patient's practice, when none was named. */
struct first_practice {
    char code[8];
};

static int take_first(int64_t key, const struct pcn_patient *p, void *ud)
{
    struct first_practice *f = ud;

    (void)key;
    if (!p->practice)
        return 0;
    (void)snprintf(f->code, sizeof(f->code), "%s", p->practice);
    return 1;
}

static int take_network(const struct pcn_membership *m, void *ud)
{
    (void)snprintf(ud, 8, "%s", m->network);
    return 0; /* the last (latest) membership wins */
}

static uint8_t eth_group(const char *code)
{
    int v = 0;

    if (!code || pcn_ppg_parse(PCN_PPG_V_ETH, code, strlen(code), &v) != PCN_OK)
        return PCN_PPG_ETH_NOT_STATED;
    return (uint8_t)v;
}

static int add_adult(int64_t key, const struct pcn_patient *p, void *ud)
{
    struct read_state *r = ud;
    struct twin *t = r->t;
    int32_t d = t->o->as_of;
    int k = practice_of(t, p->practice);
    int age;
    uint64_t decile = 0;

    (void)key;
    if (k < 0 || (p->registered_from != PCN_DATE_NONE && p->registered_from > d) ||
        (p->registered_to != PCN_DATE_NONE && p->registered_to < d) ||
        (p->date_of_death != PCN_DATE_NONE && p->date_of_death <= d))
        return 0;
    age = pcn_date_age(p->date_of_birth, d);
    if (age < 18)
        return 0;
    r->rc = PCN_GROW(t->adults, t->n_adults + 1, t->alloc_adults);
    if (r->rc != PCN_OK)
        return 1;
    if (p->lsoa && r->imd)
        (void)pcn_strmap_get(r->imd, p->lsoa, strlen(p->lsoa), &decile);
    t->adults[t->n_adults++] = (struct twin_adult){
        .practice = (uint16_t)k,
        .age = (uint8_t)PCN_MIN(age, 100),
        .sex = p->sex == PCN_SEX_FEMALE ? PCN_PPG_SEX_FEMALE
               : p->sex == PCN_SEX_MALE ? PCN_PPG_SEX_MALE
                                        : PCN_PPG_SEX_NOT_STATED,
        .eth = eth_group(p->ethnicity),
        .quintile = (uint8_t)((decile + 1) / 2),
    };
    return 0;
}

/* LSOA -> IMD 2019 decile, from the shipped table; NULL (quintiles unknown) without it. */
static struct pcn_strmap *load_imd(void)
{
    char path[4096];
    struct pcn_csv *c = NULL;
    struct pcn_strmap *m = NULL;
    long at_lsoa, at_dec;

    if (pcn_data_path("data/reference/lsoa_imd2019.csv", path, sizeof(path)) != PCN_OK ||
        pcn_csv_open(path, &c, NULL) != PCN_OK || pcn_csv_next(c, NULL) != PCN_OK)
        goto out;
    at_lsoa = pcn_csv_find(c, "lsoa");
    at_dec = pcn_csv_find(c, "imd_decile");
    m = at_lsoa >= 0 && at_dec >= 0 ? pcn_strmap_new() : NULL;
    while (m && pcn_csv_next(c, NULL) == PCN_OK) {
        size_t len = 0;
        const char *lsoa = pcn_csv_field(c, (size_t)at_lsoa, &len);
        const char *dec = pcn_csv_field(c, (size_t)at_dec, NULL);
        if (dec[0] >= '1' && dec[0] <= '9' &&
            pcn_strmap_put(m, lsoa, len, dec[1] == '0' ? 10 : (uint64_t)(dec[0] - '0')) != PCN_OK) {
            pcn_strmap_free(m);
            m = NULL;
        }
    }
out:
    pcn_csv_free(c);
    return m;
}

static int cmp_adult(const void *a, const void *b)
{
    const struct twin_adult *x = a, *y = b;

    return (int)x->practice - (int)y->practice;
}

/* The registry's names are in capitals: "THE DENSHAM SURGERY" -> "The Densham Surgery". */
static void title_case(const char *s, char *out, size_t size)
{
    size_t n = 0;
    bool start = true;

    for (const char *c = s; *c && n + 1 < size; c++) {
        out[n++] = (char)(start ? toupper((unsigned char)*c) : tolower((unsigned char)*c));
        start = !isalpha((unsigned char)*c);
    }
    out[n] = '\0';
}

static int take_practice(const struct pcn_practice *p, void *ud)
{
    struct twin_practice *tp = ud;
    char full[PCN_PPG_DISTRICT_SIZE];

    title_case(p->name, tp->name, sizeof(tp->name));
    /* a district has at most 4 characters: it fits */
    if (p->postcode && pcn_ppg_district_parse(p->postcode, strlen(p->postcode), full) == PCN_OK)
        memcpy(tp->district, full, sizeof(tp->district));
    return 1;
}

static int take_network_name(const struct pcn_network *n, void *ud)
{
    struct twin *t = ud;

    title_case(n->name, t->network_name, sizeof(t->network_name));
    /* "Southampton Central Pcn": the abbreviation stays in capitals */
    size_t len = strlen(t->network_name);
    if (len >= 4 && strcmp(t->network_name + len - 4, " Pcn") == 0)
        memcpy(t->network_name + len - 3, "PCN", 3);
    return 1;
}

static enum pcn_err read_network(struct twin *t)
{
    struct read_state r = {t, load_imd(), PCN_OK};
    struct first_practice f = {""};
    enum pcn_err rc = PCN_OK;

    if (t->o->network)
        (void)snprintf(t->network, sizeof(t->network), "%s", t->o->network);
    else
        rc = pcn_store_each_patient(t->s, take_first, &f);
    if (rc == PCN_OK && !t->o->network && f.code[0])
        rc = pcn_store_each_membership(t->s, f.code, take_network, t->network);
    if (rc == PCN_OK)
        rc = pcn_store_get_network(t->s, t->network, take_network_name, t);
    if (rc == PCN_OK)
        rc = pcn_store_each_membership(t->s, NULL, add_practice, &r);
    if (rc == PCN_OK)
        rc = r.rc;
    for (size_t i = 0; rc == PCN_OK && i < t->n_practices; i++)
        rc = pcn_store_get_practice(t->s, t->practices[i].code, take_practice, &t->practices[i]);
    if (rc == PCN_OK)
        rc = pcn_store_each_patient(t->s, add_adult, &r);
    if (rc == PCN_OK)
        rc = r.rc;
    pcn_strmap_free(r.imd);
    if (rc != PCN_OK)
        return pcn_error_set(t->err, rc, "reading the network: %s", pcn_store_errmsg(t->s));
    qsort(t->adults, t->n_adults, sizeof(*t->adults), cmp_adult);
    for (size_t i = 0; i < t->n_adults; i++) {
        struct twin_practice *p = &t->practices[t->adults[i].practice];
        if (p->n++ == 0)
            p->first = i;
    }
    if (t->n_adults == 0)
        return pcn_error_set(t->err, PCN_ENOTFOUND, "network %s has no registered adults",
                             t->network[0] ? t->network : "(none)");
    return PCN_OK;
}

/* ---- sampling members ---- */

static int band_of(int age)
{
    return age >= 85   ? 7
           : age >= 75 ? 6
           : age >= 65 ? 5
           : age >= 55 ? 4
           : age >= 45 ? 3
           : age >= 35 ? 2
           : age >= 25 ? 1
                       : 0;
}

static double weight_of(const struct twin_adult *a, double flatten)
{
    double w =
        age_weight[band_of(a->age)] * imd_weight[a->quintile] *
        (a->eth != PCN_PPG_ETH_WHITE && a->eth != PCN_PPG_ETH_NOT_STATED ? MINORITY_WEIGHT : 1.0) *
        (a->sex == PCN_PPG_SEX_FEMALE ? FEMALE_WEIGHT : 1.0);

    return flatten > 0 ? 1.0 + flatten * (w - 1.0) : w;
}

/* Index of one adult of [first, first + n), drawn by weight. */
static size_t draw(struct twin *t, size_t first, size_t n, double flatten)
{
    double total = 0, at;

    for (size_t i = 0; i < n; i++)
        total += weight_of(&t->adults[first + i], flatten);
    at = pcn_rng_uniform(&t->rng) * total;
    for (size_t i = 0; i < n; i++) {
        at -= weight_of(&t->adults[first + i], flatten);
        if (at <= 0)
            return first + i;
    }
    return first + n - 1;
}

static bool chance(struct twin *t, double p)
{
    return pcn_rng_uniform(&t->rng) < p;
}

static enum pcn_ppg_yesno yes_no(struct twin *t, double p_yes)
{
    if (chance(t, 0.1))
        return PCN_PPG_YESNO_NOT_STATED;
    return chance(t, p_yes) ? PCN_PPG_YES : PCN_PPG_NO;
}

/* A member record with the facts of adult a, as a member would state them. */
struct new_member {
    struct pcn_ppg_member m;
    char name[64], email[96], phone[24];
};

static void member_from(struct twin *t, const struct twin_adult *a, const char *district,
                        struct new_member *nm)
{
    const char *const *first = a->sex == PCN_PPG_SEX_MALE ? male_names : female_names;
    size_t n_first =
        a->sex == PCN_PPG_SEX_MALE ? PCN_ARRAY_SIZE(male_names) : PCN_ARRAY_SIZE(female_names);
    const char *given = first[pcn_rng_below(&t->rng, n_first)];
    const char *family = surnames[pcn_rng_below(&t->rng, PCN_ARRAY_SIZE(surnames))];
    struct pcn_ppg_member *m = &nm->m;

    memset(nm, 0, sizeof(*nm));
    (void)snprintf(nm->name, sizeof(nm->name), "%s %s", given, family);
    m->name = nm->name;
    m->consent = chance(t, 0.88);
    if (m->consent) {
        (void)snprintf(nm->email, sizeof(nm->email), "%c%s.%c%s%u@example.org",
                       tolower((unsigned char)given[0]), given + 1,
                       tolower((unsigned char)family[0]), family + 1,
                       (unsigned)pcn_rng_below(&t->rng, 100));
        m->email = nm->email;
        if (chance(t, 0.5)) {
            /* Ofcom's range for drama: 01632 960000-960999 reaches nobody */
            (void)snprintf(nm->phone, sizeof(nm->phone), "01632 960%03u",
                           (unsigned)pcn_rng_below(&t->rng, 1000));
            m->phone = nm->phone;
        }
    }
    m->age = (enum pcn_ppg_age)(PCN_PPG_AGE_18_24 + band_of(a->age));
    m->sex = (enum pcn_ppg_sex)a->sex;
    m->eth = chance(t, 0.12) ? PCN_PPG_ETH_NOT_STATED : (enum pcn_ppg_eth)a->eth;
    m->quintile = chance(t, 0.75) ? a->quintile : 0;
    m->district = district && district[0] && chance(t, 0.8) ? district : NULL;
    m->carer = yes_no(t, a->age >= 55 ? 0.22 : 0.12);
    m->disability = yes_no(t, a->age >= 65 ? 0.25 : 0.1);
    m->ltc = yes_no(t, a->age >= 65 ? 0.7 : a->age >= 45 ? 0.45 : 0.2);
    m->left = PCN_DATE_NONE;
    m->withdrawn = PCN_DATE_NONE;
}

static enum pcn_err put_member(struct twin *t, struct pcn_ppg_member *m)
{
    enum pcn_err rc = pcn_store_put_ppg_member(t->s, m, &m->id, &m->version);

    if (rc != PCN_OK)
        return pcn_error_set(t->err, rc, "writing a member: %s", pcn_store_errmsg(t->s));
    t->sum.members++;
    t->sum.current += pcn_ppg_member_is_current(m, t->o->as_of);
    return PCN_OK;
}

static enum pcn_err put_group(struct twin *t, const char *practice, const char *name,
                              int32_t formed, int64_t *ret_id)
{
    struct pcn_ppg_group g = {0, t->network, practice, name, formed, 0};
    enum pcn_err rc = pcn_store_put_ppg_group(t->s, &g, ret_id, NULL);

    if (rc != PCN_OK)
        return pcn_error_set(t->err, rc, "writing group %s: %s", name, pcn_store_errmsg(t->s));
    t->sum.groups++;
    return PCN_OK;
}

#define GROUP_MAX 48 /* members a generated group can have, leavers included */

/* Put n members; the earliest to join of the first `core` (if any) is the chair. */
static enum pcn_err put_members(struct twin *t, struct new_member *all, int n, int core)
{
    int chair = -1;
    enum pcn_err rc = PCN_OK;

    for (int i = 0; i < core && i < n; i++) {
        if (chair < 0 || all[i].m.joined < all[chair].m.joined)
            chair = i;
    }
    if (chair >= 0)
        all[chair].m.role = PCN_PPG_ROLE_CHAIR;
    for (int i = 0; rc == PCN_OK && i < n; i++)
        rc = put_member(t, &all[i].m);
    return rc;
}

/*
 * A practice's PPG: 8-16 members who meet, 4-20 virtual members, the
 * longest-serving as chair, and 3-6 people who joined and left in the
 * years before (the first of them, in half the groups, withdrew consent).
 */
static enum pcn_err practice_group(struct twin *t, struct twin_practice *p)
{
    struct new_member all[GROUP_MAX];
    char name[PCN_PPG_NAME_MAX + 1];
    int32_t formed = pcn__twin_day(t, pcn_date_add_months(t->o->as_of, -150),
                                   pcn_date_add_months(t->o->as_of, -60));
    int core = 8 + (int)pcn_rng_below(&t->rng, 9);
    int n = core + 4 + (int)pcn_rng_below(&t->rng, 17);
    int total = n + 3 + (int)pcn_rng_below(&t->rng, 4);
    enum pcn_err rc;

    (void)snprintf(name, sizeof(name), "%s Patient Participation Group", p->name);
    rc = put_group(t, p->code, name, formed, &p->group_id);
    for (int i = 0; rc == PCN_OK && i < total; i++) {
        struct new_member *nm = &all[i];
        member_from(t, &t->adults[draw(t, p->first, p->n, 0)], p->district, nm);
        nm->m.group_id = p->group_id;
        nm->m.role = i >= core && i < n ? PCN_PPG_ROLE_VIRTUAL : PCN_PPG_ROLE_MEMBER;
        nm->m.joined = pcn__twin_day(t, formed, pcn_date_add_months(t->o->as_of, -1));
        if (i < n)
            continue;
        /* a leaver */
        nm->m.left = pcn__twin_day(t, nm->m.joined + 30, t->o->as_of - 1);
        nm->m.left = PCN_MAX(nm->m.left, nm->m.joined);
        if (i == n && chance(t, 0.5)) {
            nm->m.withdrawn = nm->m.left;
            nm->m.name = nm->m.email = nm->m.phone = nm->m.district = NULL;
            nm->m.consent = 0;
        }
    }
    return rc == PCN_OK ? put_members(t, all, total, core) : rc;
}

/*
 * The network's forum, formed three years before: one or two members of
 * each PPG (the same people, members of both) and two or three community
 * representatives drawn from the whole network with a gentler tilt.
 */
static enum pcn_err network_forum(struct twin *t)
{
    struct new_member all[GROUP_MAX];
    char name[PCN_PPG_NAME_MAX + 1];
    int32_t formed = pcn_date_add_months(t->o->as_of, -36);
    int n = 0, community = 2 + (int)pcn_rng_below(&t->rng, 2);
    enum pcn_err rc;

    (void)snprintf(name, sizeof(name), "%.80s patient forum", t->network_name);
    rc = put_group(t, NULL, name, formed, &t->forum_id);
    for (size_t k = 0; rc == PCN_OK && k < t->n_practices && n < GROUP_MAX - 4; k++) {
        struct twin_practice *p = &t->practices[k];
        int reps = p->n ? 1 + (int)pcn_rng_below(&t->rng, 2) : 0;
        for (int r = 0; r < reps && n < GROUP_MAX - 4; r++, n++) {
            member_from(t, &t->adults[draw(t, p->first, p->n, 0)], p->district, &all[n]);
            all[n].m.group_id = t->forum_id;
            all[n].m.joined = pcn__twin_day(t, formed, pcn_date_add_months(t->o->as_of, -2));
        }
    }
    for (int c = 0; rc == PCN_OK && c < community; c++, n++) {
        member_from(t, &t->adults[draw(t, 0, t->n_adults, FORUM_FLATTEN)], NULL, &all[n]);
        all[n].m.group_id = t->forum_id;
        all[n].m.joined = pcn__twin_day(t, formed, pcn_date_add_months(t->o->as_of, -2));
    }
    return rc == PCN_OK ? put_members(t, all, n, n) : rc;
}

static int count_group(const struct pcn_ppg_group *g, void *ud)
{
    (void)g;
    ++*(size_t *)ud;
    return 0;
}

enum pcn_err pcn_ppg_twin_store(struct pcn_store *s, const struct pcn_ppg_twin_opts *o,
                                struct pcn_ppg_twin_summary *ret, struct pcn_error *reterr)
{
    struct twin t = {.s = s, .o = o, .err = reterr};
    enum pcn_err rc;

    if (!s || !o || o->as_of == PCN_DATE_NONE)
        return pcn_error_set(reterr, PCN_EINVAL, "the twin needs a store and an as-of date");
    pcn_rng_seed(&t.rng, o->seed ^ UINT64_C(0x5050472074776e31)); /* "PPG twn1" */
    rc = read_network(&t);
    if (rc == PCN_OK) {
        struct pcn_ppg_filter f = {.network = t.network};
        rc = pcn_store_each_ppg_group(s, &f, count_group, &t.sum.kept);
        if (rc != PCN_OK)
            rc = pcn_error_set(reterr, rc, "reading the network's groups: %s", pcn_store_errmsg(s));
    }
    for (size_t k = 0; rc == PCN_OK && !t.sum.kept && k < t.n_practices; k++) {
        if (t.practices[k].n)
            rc = practice_group(&t, &t.practices[k]);
    }
    if (rc == PCN_OK && !t.sum.kept)
        rc = network_forum(&t);
    if (rc == PCN_OK && !t.sum.kept)
        rc = pcn__twin_log(&t);
    if (rc == PCN_OK && ret)
        *ret = t.sum;
    pcn_free(t.practices);
    pcn_free(t.adults);
    return rc;
}
