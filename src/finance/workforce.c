/*
 * workforce.c - the staff register (posts copied into one arena),
 * findings, and the register's checks. Checks never change a post: they
 * report errors (nothing may be stored or summed) and warnings (figures
 * are shown, flagged). Overlap and per-person WTE checks sort post
 * indexes by person once, so a register of all England (40,000 posts) is
 * checked in one pass.
 */
#include "pcn/workforce.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finance_int.h"
#include "pcn/alloc.h"
#include "pcn/arena.h"
#include "pcn/date.h"
#include "pcn/money.h"
#include "pcn/rates.h"
#include "pcn/validate.h"
#include "pcn/vec.h"
#include "util/common.h"

/* ---- findings ---- */

const char *pcn_severity_name(enum pcn_severity s)
{
    return s == PCN_SEVERITY_ERROR ? "error" : "warning";
}

void pcn_findings_release(struct pcn_findings *f)
{
    if (!f)
        return;
    PCN_FREE_AND_NULL(f->items);
    f->n = 0;
    f->alloc = 0;
    f->n_errors = 0;
    f->n_warnings = 0;
}

enum pcn_err pcn_findings_add(struct pcn_findings *f, enum pcn_severity sev, const char *code,
                              const char *where, const char *fmt, ...)
{
    struct pcn_finding *it;
    va_list ap;
    enum pcn_err rc;

    if (sev == PCN_SEVERITY_ERROR)
        f->n_errors++;
    else
        f->n_warnings++;
    if (f->n >= f->max)
        return PCN_OK;
    rc = PCN_GROW(f->items, f->n + 1, f->alloc);
    if (rc != PCN_OK)
        return rc;
    it = &f->items[f->n++];
    it->severity = sev;
    it->code = code;
    (void)snprintf(it->where, sizeof(it->where), "%s", where ? where : "");
    va_start(ap, fmt);
    (void)vsnprintf(it->msg, sizeof(it->msg), fmt, ap);
    va_end(ap);
    return PCN_OK;
}

/* ---- enumerations ---- */

static const char *const employer_names[] = {"network", "lead_practice", "practice",
                                             "subcontractor"};
static const char *const funding_names[] = {"arrs", "practice", "other"};
static const char *const cost_per_names[] = {"year", "month"};

const char *pcn_employer_name(enum pcn_employer e)
{
    return pcn__name_at(employer_names, PCN_ARRAY_SIZE(employer_names), (int)e);
}

enum pcn_err pcn_employer_parse(const char *s, enum pcn_employer *ret)
{
    int v = pcn__name_index(employer_names, PCN_ARRAY_SIZE(employer_names), s);

    *ret = v < 0 ? *ret : (enum pcn_employer)v;
    return v < 0 ? PCN_EINVAL : PCN_OK;
}

const char *pcn_funding_name(enum pcn_funding f)
{
    return pcn__name_at(funding_names, PCN_ARRAY_SIZE(funding_names), (int)f);
}

enum pcn_err pcn_funding_parse(const char *s, enum pcn_funding *ret)
{
    int v = pcn__name_index(funding_names, PCN_ARRAY_SIZE(funding_names), s);

    *ret = v < 0 ? *ret : (enum pcn_funding)v;
    return v < 0 ? PCN_EINVAL : PCN_OK;
}

const char *pcn_cost_per_name(enum pcn_cost_per p)
{
    return pcn__name_at(cost_per_names, PCN_ARRAY_SIZE(cost_per_names), (int)p);
}

enum pcn_err pcn_cost_per_parse(const char *s, enum pcn_cost_per *ret)
{
    int v = pcn__name_index(cost_per_names, PCN_ARRAY_SIZE(cost_per_names), s);

    *ret = v < 0 ? *ret : (enum pcn_cost_per)v;
    return v < 0 ? PCN_EINVAL : PCN_OK;
}

/* ---- the register ---- */

struct pcn_staff {
    struct pcn_arena *arena; /* strings and site lists */
    struct pcn_post *posts;
    size_t n;
    size_t alloc;
};

struct pcn_staff *pcn_staff_new(void)
{
    struct pcn_staff *s = pcn_calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    s->arena = pcn_arena_new(16384, 0);
    if (!s->arena) {
        pcn_free(s);
        return NULL;
    }
    return s;
}

void pcn_staff_free(struct pcn_staff *s)
{
    if (!s)
        return;
    pcn_arena_free(s->arena);
    pcn_free(s->posts);
    pcn_free(s);
}

/* Arena copy of an optional string: NULL stays NULL. */
static bool copy_opt(struct pcn_arena *a, const char *in, const char **out)
{
    *out = in ? pcn_arena_strdup(a, in) : NULL;
    return !in || *out;
}

enum pcn_err pcn_staff_add(struct pcn_staff *s, const struct pcn_post *p)
{
    struct pcn_post *q;
    struct pcn_post_site *sites = NULL;
    enum pcn_err rc = PCN_GROW(s->posts, s->n + 1, s->alloc);

    if (rc != PCN_OK)
        return rc;
    q = &s->posts[s->n];
    *q = *p;
    if (p->n_sites) {
        sites = pcn_arena_calloc(s->arena, p->n_sites, sizeof(*sites));
        if (!sites)
            return PCN_ENOMEM;
        for (size_t i = 0; i < p->n_sites; i++) {
            sites[i].sessions = p->sites[i].sessions;
            sites[i].site = pcn_arena_strdup(s->arena, p->sites[i].site);
            if (!sites[i].site)
                return PCN_ENOMEM;
        }
    }
    q->sites = sites;
    if (!copy_opt(s->arena, p->network, &q->network) ||
        !copy_opt(s->arena, p->person, &q->person) || !copy_opt(s->arena, p->name, &q->name) ||
        !copy_opt(s->arena, p->employer_code, &q->employer_code) ||
        !copy_opt(s->arena, p->where, &q->where))
        return PCN_ENOMEM;
    s->n++;
    return PCN_OK;
}

size_t pcn_staff_count(const struct pcn_staff *s)
{
    return s->n;
}

const struct pcn_post *pcn_staff_post(const struct pcn_staff *s, size_t i)
{
    return i < s->n ? &s->posts[i] : NULL;
}

int pcn_post_is_open(const struct pcn_post *p, int32_t day)
{
    return day >= p->start && (p->end == PCN_DATE_NONE || day <= p->end);
}

/* ---- checks ---- */

/* Where a post came from, for messages. */
static const char *where_of(const struct pcn_post *p, char *buf, size_t size)
{
    if (p->where)
        return p->where;
    if (p->id == 0) /* not stored yet */
        (void)snprintf(buf, size, "new post (%s)", p->person ? p->person : "");
    else
        (void)snprintf(buf, size, "post %lld (%s)", (long long)p->id, p->person ? p->person : "");
    return buf;
}

#define ADD(f, sev, code, where, ...)                                                              \
    pcn_findings_add((f), PCN_SEVERITY_##sev, (code), (where), __VA_ARGS__)

/* Checks of one post on its own. */
static enum pcn_err check_post(const struct pcn_post *p, struct pcn_findings *f)
{
    char buf[64];
    const char *w = where_of(p, buf, sizeof(buf));
    char s1[PCN_DATE_STR_SIZE];
    char s2[PCN_DATE_STR_SIZE];
    enum pcn_err rc = PCN_OK;

    pcn_date_format(p->start, s1);
    pcn_date_format(p->end, s2);
    if (!p->person || !p->person[0] || strlen(p->person) > PCN_POST_KEY_MAX)
        rc = ADD(f, ERROR, "field_length", w, "person: 1 to %d characters", PCN_POST_KEY_MAX);
    if (rc == PCN_OK && ((p->name && strlen(p->name) > PCN_POST_TEXT_MAX) ||
                         (p->employer_code && strlen(p->employer_code) > PCN_POST_TEXT_MAX)))
        rc = ADD(f, ERROR, "field_length", w, "name and employer_code: at most %d characters",
                 PCN_POST_TEXT_MAX);
    for (size_t i = 0; rc == PCN_OK && i < p->n_sites; i++) {
        if (!p->sites[i].site[0] || strlen(p->sites[i].site) > PCN_POST_KEY_MAX)
            rc = ADD(f, ERROR, "field_length", w, "site: 1 to %d characters", PCN_POST_KEY_MAX);
    }
    if (rc == PCN_OK && p->end != PCN_DATE_NONE && p->end < p->start)
        rc = ADD(f, ERROR, "end_before_start", w, "end %s is before start %s", s2, s1);
    if (rc == PCN_OK && (p->wte <= 0 || p->wte > PCN_WTE_ONE)) {
        char v[PCN_WTE_STR_SIZE];
        pcn_wte_format(p->wte, v);
        rc = ADD(f, ERROR, "wte_range", w,
                 "wte %s is outside 0-1.0 for one post (record further hours as a second post)", v);
    }
    if (rc == PCN_OK && p->has_cost && p->cost < 0)
        rc = ADD(f, ERROR, "cost_negative", w, "cost is negative");
    if (rc == PCN_OK && p->funding == PCN_FUNDING_ARRS && !p->has_cost)
        rc = ADD(f, ERROR, "cost_missing", w, "an ARRS-funded post needs its cost to be claimed");
    if (rc == PCN_OK &&
        (p->employer == PCN_EMPLOYER_PRACTICE || p->employer == PCN_EMPLOYER_LEAD_PRACTICE) &&
        (!p->employer_code ||
         !pcn_ods_is_valid(PCN_ODS_PRACTICE, p->employer_code, strlen(p->employer_code))))
        rc = ADD(f, ERROR, "employer_code", w,
                 "employer %s needs the practice's ODS code (got '%s')",
                 pcn_employer_name(p->employer), p->employer_code ? p->employer_code : "");
    if (rc == PCN_OK && p->employer == PCN_EMPLOYER_SUBCONTRACTOR &&
        (!p->employer_code || !p->employer_code[0]))
        rc = ADD(f, ERROR, "employer_code", w, "a subcontracted post needs the provider's name");
    return rc;
}

/* Warn about a run of ARRS-funded days [a, b] the role cannot be claimed for. */
static enum pcn_err not_eligible(struct pcn_findings *f, const char *w, const char *role,
                                 const struct pcn_contract *c, int32_t a, int32_t b)
{
    char s1[PCN_DATE_STR_SIZE];
    char s2[PCN_DATE_STR_SIZE];

    pcn_date_format(a, s1);
    pcn_date_format(b, s2);
    return ADD(f, WARNING, "not_eligible", w,
               "%s is not reimbursable under the ARRS from %s to %s (%s): those days are not "
               "claimed",
               role, s1, s2, pcn_contract_key(c));
}

/* Eligibility and band checks of an ARRS-funded post over [lo, hi] of one year. */
static enum pcn_err check_days(const struct pcn_post *p, const struct pcn_contract *c,
                               const char *w, int32_t lo, int32_t hi, int32_t *cuts,
                               bool *band_warned, struct pcn_findings *f)
{
    const struct pcn_staff_role *role = pcn_roles_at(pcn_contract_roles(c), (size_t)p->role);
    int32_t gap = PCN_DATE_NONE; /* first day of the current run of ineligible days */
    size_t n = pcn__cap_cuts(c, p->role, lo, hi, cuts);
    enum pcn_err rc = PCN_OK;

    /* the cap rows that apply only change at the cuts */
    for (size_t i = 0; i < n && rc == PCN_OK; i++) {
        const struct pcn_role_cap *cap = NULL;
        int32_t day = cuts[i];
        enum pcn_err k = pcn_contract_find_cap(c, p->role, p->band, day, &cap);
        if (k == PCN_ECONFLICT)
            return ADD(f, ERROR, "band_not_reimbursable", w,
                       "%s is reimbursable by band in %s and band '%s' has no maximum amount",
                       role->key, pcn_contract_key(c), pcn_band_name(p->band));
        if (k == PCN_OK && gap != PCN_DATE_NONE) {
            rc = not_eligible(f, w, role->key, c, gap, day - 1);
            gap = PCN_DATE_NONE;
        }
        if (k == PCN_ENOTFOUND && gap == PCN_DATE_NONE)
            gap = day;
        if (k == PCN_OK && rc == PCN_OK && !*band_warned && p->band != PCN_BAND_NONE &&
            cap->band_min != PCN_BAND_NONE &&
            (p->band < cap->band_min || p->band > cap->band_max)) {
            *band_warned = true;
            rc = ADD(f, WARNING, "band_outside", w,
                     "band '%s' is outside %s's band %s%s%s: the role's maximum still applies",
                     pcn_band_name(p->band), role->key, pcn_band_name(cap->band_min),
                     cap->band_max != cap->band_min ? "-" : "",
                     cap->band_max != cap->band_min ? pcn_band_name(cap->band_max) : "");
        }
    }
    if (rc == PCN_OK && gap != PCN_DATE_NONE)
        rc = not_eligible(f, w, role->key, c, gap, hi);
    return rc;
}

/* check_days() over the part of the post inside year c. */
static enum pcn_err check_year(const struct pcn_post *p, const struct pcn_contract *c,
                               const char *w, bool *band_warned, struct pcn_findings *f)
{
    int32_t lo = PCN_MAX(p->start, pcn_contract_from(c));
    int32_t hi = p->end == PCN_DATE_NONE ? pcn_contract_to(c) : PCN_MIN(p->end, pcn_contract_to(c));
    int32_t *cuts;
    enum pcn_err rc;

    if (hi < lo)
        return PCN_OK;
    cuts = pcn_calloc(pcn__cap_cuts_size(c), sizeof(*cuts));
    if (!cuts)
        return PCN_ENOMEM;
    rc = check_days(p, c, w, lo, hi, cuts, band_warned, f);
    pcn_free(cuts);
    return rc;
}

/* ARRS rules for one post across every loaded year. */
static enum pcn_err check_arrs(const struct pcn_post *p, const struct pcn_rates *rates,
                               struct pcn_findings *f)
{
    char buf[64];
    const char *w = where_of(p, buf, sizeof(buf));
    const struct pcn_roles *roles = pcn_rates_roles(rates);
    bool ever = false;
    bool band_warned = false;
    enum pcn_err rc = PCN_OK;

    if (p->funding != PCN_FUNDING_ARRS || p->role < 0)
        return PCN_OK;
    for (size_t i = 0; i < pcn_rates_n_years(rates); i++)
        ever = ever || pcn_contract_is_arrs(pcn_rates_year(rates, i), p->role);
    if (!ever)
        return ADD(f, ERROR, "not_arrs_role", w, "%s is not an ARRS role in any contract year",
                   pcn_roles_at(roles, (size_t)p->role)->key);
    for (size_t i = 0; i < pcn_rates_n_years(rates) && rc == PCN_OK; i++) {
        const struct pcn_contract *c = pcn_rates_year(rates, i);
        if (p->start > pcn_contract_to(c) ||
            (p->end != PCN_DATE_NONE && p->end < pcn_contract_from(c)) ||
            (p->end != PCN_DATE_NONE && p->end < p->start))
            continue;
        rc = check_year(p, c, w, &band_warned, f);
    }
    return rc;
}

/* qsort_r order of post indexes: by person, then start. */
static int by_person(const void *a, const void *b, void *ud)
{
    const struct pcn_post *posts = ud;
    const struct pcn_post *x = &posts[*(const size_t *)a];
    const struct pcn_post *y = &posts[*(const size_t *)b];
    int c = strcmp(x->person ? x->person : "", y->person ? y->person : "");

    if (c)
        return c;
    return (x->start > y->start) - (x->start < y->start);
}

static bool same_job(const struct pcn_post *a, const struct pcn_post *b)
{
    return a->role == b->role && a->employer == b->employer &&
           strcmp(a->network ? a->network : "", b->network ? b->network : "") == 0 &&
           strcmp(a->employer_code ? a->employer_code : "",
                  b->employer_code ? b->employer_code : "") == 0;
}

/* Overlaps and total WTE among the posts idx[0..n) of one person. */
static enum pcn_err check_person(const struct pcn_post *posts, const size_t *idx, size_t n,
                                 struct pcn_findings *f)
{
    enum pcn_err rc = PCN_OK;
    bool warned = false;

    for (size_t i = 0; i < n && rc == PCN_OK; i++) {
        const struct pcn_post *a = &posts[idx[i]];
        int64_t total = 0;
        char buf[64];
        for (size_t j = 0; j < n; j++) {
            const struct pcn_post *b = &posts[idx[j]];
            if (!pcn_post_is_open(b, a->start))
                continue;
            total += b->wte;
            if (j < i && same_job(a, b)) {
                char buf2[64];
                rc = ADD(f, ERROR, "overlap", where_of(a, buf, sizeof(buf)),
                         "overlaps %s: the same person in the same role for the same employer "
                         "(end the first post the day before)",
                         where_of(b, buf2, sizeof(buf2)));
            }
        }
        if (rc == PCN_OK && n > 1 && total > PCN_WTE_ONE && !warned) {
            char v[PCN_WTE_STR_SIZE];
            char d[PCN_DATE_STR_SIZE];
            warned = true;
            pcn_wte_format(total, v);
            pcn_date_format(a->start, d);
            rc = ADD(f, WARNING, "person_wte", where_of(a, buf, sizeof(buf)),
                     "person %s holds %s WTE from %s: ARRS claims count at most 1.0 WTE a person",
                     a->person, v, d);
        }
    }
    return rc;
}

/* Per-person checks over posts sorted by person. */
static enum pcn_err check_people(const struct pcn_staff *s, struct pcn_findings *f)
{
    size_t *idx = pcn_calloc(s->n ? s->n : 1, sizeof(*idx));
    enum pcn_err rc = PCN_OK;

    if (!idx)
        return PCN_ENOMEM;
    for (size_t i = 0; i < s->n; i++)
        idx[i] = i;
    qsort_r(idx, s->n, sizeof(*idx), by_person, s->posts);
    for (size_t i = 0; i < s->n && rc == PCN_OK;) {
        size_t j = i + 1;
        const char *who = s->posts[idx[i]].person ? s->posts[idx[i]].person : "";
        while (j < s->n && strcmp(s->posts[idx[j]].person ? s->posts[idx[j]].person : "", who) == 0)
            j++;
        if (who[0])
            rc = check_person(s->posts, idx + i, j - i, f);
        i = j;
    }
    pcn_free(idx);
    return rc;
}

enum pcn_err pcn_staff_validate(const struct pcn_staff *s, const struct pcn_rates *rates,
                                struct pcn_findings *f)
{
    enum pcn_err rc = PCN_OK;

    for (size_t i = 0; i < s->n && rc == PCN_OK; i++) {
        rc = check_post(&s->posts[i], f);
        if (rc == PCN_OK && rates)
            rc = check_arrs(&s->posts[i], rates, f);
    }
    if (rc == PCN_OK)
        rc = check_people(s, f);
    return rc;
}
