/*
 * views_workforce.c - the workforce result kinds (the staff register, WTE
 * summaries, comparison with other networks and England), built once for
 * the CLI and the API. Column names and types are fixed here (docs/api.md
 * lists them).
 */
#include "pcn/views_workforce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "pcn/money.h"
#include "pcn/validate.h"
#include "pcn/vec.h"
#include "util/common.h"
#include "views_row.h"

#define T PCN_COL_TEXT
#define I PCN_COL_INT
#define B PCN_COL_BOOL

/* ---- staff ---- */

static void sites_text(const struct pcn_post *p, struct pcn_buf *b, enum pcn_err *rc)
{
    pcn_buf_reset(b);
    for (size_t i = 0; i < p->n_sites && *rc == PCN_OK; i++)
        *rc = p->sites[i].sessions
                  ? pcn_buf_addf(b, "%s%s=%d", i ? ";" : "", p->sites[i].site, p->sites[i].sessions)
                  : pcn_buf_addf(b, "%s%s", i ? ";" : "", p->sites[i].site);
}

enum pcn_err pcn_view_staff(const struct pcn_staff *s, const struct pcn_roles *roles, int32_t as_of,
                            int all, struct pcn_table **ret)
{
    static const char *const names[] = {"id",    "person", "name", "role",     "role_name",
                                        "group", "band",   "wte",  "employer", "employer_code",
                                        "start", "end",    "cost", "cost_per", "funding",
                                        "sites", "version"};
    static const enum pcn_col_type types[] = {I, T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, I};
    struct pcn_buf sites = PCN_BUF_INIT;
    struct pcn__row r;

    if (pcn__table_start(&r, "staff", 17, names, types) == PCN_OK)
        r.rc = pcn_table_set_detail(r.t, 16);
    for (size_t i = 0; i < pcn_staff_count(s) && r.rc == PCN_OK; i++) {
        const struct pcn_post *p = pcn_staff_post(s, i);
        const struct pcn_staff_role *role = pcn_roles_at(roles, (size_t)p->role);
        if (!all && !pcn_post_is_open(p, as_of))
            continue;
        pcn__row_start(&r);
        pcn__put_int(&r, p->id);
        pcn__put_text(&r, p->person);
        pcn__put_opt(&r, p->name);
        pcn__put_text(&r, role->key);
        pcn__put_text(&r, role->name);
        pcn__put_text(&r, pcn_role_group_name(role->group));
        pcn__put_opt(&r, pcn_band_name(p->band));
        pcn__put_wte(&r, p->wte);
        pcn__put_text(&r, pcn_employer_name(p->employer));
        pcn__put_opt(&r, p->employer_code);
        pcn__put_date(&r, p->start);
        pcn__put_date(&r, p->end);
        if (p->has_cost)
            pcn__put_money(&r, p->cost);
        else
            pcn__put_null(&r);
        pcn__put_text(&r, pcn_cost_per_name(p->cost_per));
        pcn__put_text(&r, pcn_funding_name(p->funding));
        sites_text(p, &sites, &r.rc);
        pcn__put_opt(&r, sites.buf);
        pcn__put_int(&r, p->version);
    }
    pcn_buf_release(&sites);
    return pcn__table_finish(&r, ret);
}

/* ---- WTE summaries ---- */

static const char *const by_names[] = {"role", "group", "site", "practice", "employer", "funding"};

const char *pcn_wte_by_name(enum pcn_wte_by by)
{
    return (unsigned)by < PCN_ARRAY_SIZE(by_names) ? by_names[by] : "";
}

enum pcn_err pcn_wte_by_parse(const char *s, enum pcn_wte_by *ret)
{
    for (size_t i = 0; i < PCN_ARRAY_SIZE(by_names); i++) {
        if (strcmp(s, by_names[i]) == 0) {
            *ret = (enum pcn_wte_by)i;
            return PCN_OK;
        }
    }
    return PCN_EINVAL;
}

/* One group of a summary. */
struct bucket {
    char *key;
    const char *name; /* borrowed (role name) or NULL */
    int64_t wte;
    int64_t posts;
    struct pcn_strmap *people;
};

struct summary {
    struct pcn_strmap *slot; /* key -> index */
    struct bucket *b;
    size_t n;
    size_t alloc;
};

static void summary_release(struct summary *u)
{
    for (size_t i = 0; i < u->n; i++) {
        pcn_free(u->b[i].key);
        pcn_strmap_free(u->b[i].people);
    }
    pcn_free(u->b);
    pcn_strmap_free(u->slot);
}

/* Add wte of post p (person) to the bucket key. */
static enum pcn_err summary_add(struct summary *u, const char *key, const char *name,
                                const struct pcn_post *p, int64_t wte)
{
    uint64_t at;
    int added;
    enum pcn_err rc = pcn_strmap_intern(u->slot, key, strlen(key), u->n, &at, &added);

    if (rc == PCN_OK && added) {
        rc = PCN_GROW(u->b, u->n + 1, u->alloc);
        if (rc == PCN_OK) {
            struct bucket *b = &u->b[u->n];
            memset(b, 0, sizeof(*b));
            b->key = pcn_strdup(key);
            b->name = name;
            b->people = pcn_strmap_new();
            u->n++;
            rc = b->key && b->people ? PCN_OK : PCN_ENOMEM;
        }
    }
    if (rc != PCN_OK)
        return rc;
    u->b[at].wte += wte;
    u->b[at].posts++;
    return pcn_strmap_put(u->b[at].people, p->person, strlen(p->person), 1);
}

/* The practice of a site: itself when an ODS code, else the resolver's answer. */
static const char *site_practice(const char *site, pcn_site_practice_fn fn, void *ud)
{
    const char *p;

    if (pcn_ods_is_valid(PCN_ODS_PRACTICE, site, strlen(site)))
        return site;
    p = fn ? fn(site, ud) : NULL;
    return p ? p : "(unknown)";
}

/* Share p's WTE over its sites by sessions and add each share under the site or its practice. */
static enum pcn_err add_by_site(struct summary *u, const struct pcn_post *p, bool practice,
                                pcn_site_practice_fn fn, void *ud)
{
    int64_t sessions = 0;
    int64_t shares[PCN_POST_SITES_MAX];
    int64_t parts[PCN_POST_SITES_MAX];
    enum pcn_err rc;

    if (p->n_sites == 0)
        return summary_add(u, "(no site)", NULL, p, p->wte);
    for (size_t i = 0; i < p->n_sites; i++)
        sessions += p->sites[i].sessions;
    for (size_t i = 0; i < p->n_sites; i++)
        shares[i] = sessions ? p->sites[i].sessions : 1;
    rc = pcn_apportion(p->wte, shares, p->n_sites, parts);
    for (size_t i = 0; i < p->n_sites && rc == PCN_OK; i++) {
        const char *key = practice ? site_practice(p->sites[i].site, fn, ud) : p->sites[i].site;
        if (parts[i] > 0 || sessions == 0)
            rc = summary_add(u, key, NULL, p, parts[i]);
    }
    return rc;
}

static enum pcn_err summary_post(struct summary *u, const struct pcn_post *p,
                                 const struct pcn_roles *roles, enum pcn_wte_by by,
                                 pcn_site_practice_fn fn, void *ud)
{
    const struct pcn_staff_role *role = pcn_roles_at(roles, (size_t)p->role);

    switch (by) {
    case PCN_WTE_BY_ROLE:
        return summary_add(u, role->key, role->name, p, p->wte);
    case PCN_WTE_BY_GROUP:
        return summary_add(u, pcn_role_group_name(role->group), NULL, p, p->wte);
    case PCN_WTE_BY_SITE:
        return add_by_site(u, p, false, fn, ud);
    case PCN_WTE_BY_PRACTICE:
        return add_by_site(u, p, true, fn, ud);
    case PCN_WTE_BY_EMPLOYER:
        return summary_add(u, pcn_employer_name(p->employer), NULL, p, p->wte);
    case PCN_WTE_BY_FUNDING:
        return summary_add(u, pcn_funding_name(p->funding), NULL, p, p->wte);
    }
    return PCN_EINVAL;
}

static int by_key(const void *a, const void *b)
{
    return strcmp(((const struct bucket *)a)->key, ((const struct bucket *)b)->key);
}

/* WTE per 10,000 registered patients, as text with two decimals (rounded). */
static void put_per_10k(struct pcn__row *r, int64_t wte, int64_t registered)
{
    int64_t hundredths;
    char v[PCN_MONEY_STR_SIZE];

    if (registered <= 0 ||
        pcn_muldiv(wte, (int64_t)10000 * 100, registered * PCN_WTE_ONE, &hundredths) != PCN_OK) {
        pcn__put_null(r);
        return;
    }
    pcn_pence_format(hundredths, v); /* two decimals, like pence */
    pcn__put_text(r, v);
}

static void summary_row(struct pcn__row *r, enum pcn_wte_by by, const char *key, const char *name,
                        int64_t people, int64_t posts, int64_t wte, int64_t registered)
{
    pcn__row_start(r);
    pcn__put_text(r, pcn_wte_by_name(by));
    pcn__put_text(r, key);
    pcn__put_opt(r, name);
    pcn__put_int(r, people);
    pcn__put_int(r, posts);
    pcn__put_wte(r, wte);
    put_per_10k(r, wte, registered);
}

enum pcn_err pcn_view_workforce_wte(const struct pcn_staff *s, const struct pcn_roles *roles,
                                    int32_t as_of, enum pcn_wte_by by, int64_t registered,
                                    pcn_site_practice_fn practice_of, void *ud,
                                    struct pcn_table **ret)
{
    static const char *const names[] = {"by",    "key", "name",       "people",
                                        "posts", "wte", "wte_per_10k"};
    static const enum pcn_col_type types[] = {T, T, T, I, I, T, T};
    struct summary u = {pcn_strmap_new(), NULL, 0, 0};
    struct pcn_strmap *everyone = pcn_strmap_new();
    int64_t total = 0;
    int64_t posts = 0;
    struct pcn__row r;

    pcn__table_start(&r, "workforce_wte", 7, names, types);
    if (!u.slot || !everyone)
        r.rc = PCN_ENOMEM;
    for (size_t i = 0; i < pcn_staff_count(s) && r.rc == PCN_OK; i++) {
        const struct pcn_post *p = pcn_staff_post(s, i);
        if (!pcn_post_is_open(p, as_of))
            continue;
        r.rc = summary_post(&u, p, roles, by, practice_of, ud);
        if (r.rc == PCN_OK)
            r.rc = pcn_strmap_put(everyone, p->person, strlen(p->person), 1);
        total += p->wte;
        posts++;
    }
    if (r.rc == PCN_OK && u.n > 0)
        qsort(u.b, u.n, sizeof(*u.b), by_key);
    for (size_t i = 0; i < u.n && r.rc == PCN_OK; i++)
        summary_row(&r, by, u.b[i].key, u.b[i].name, (int64_t)pcn_strmap_count(u.b[i].people),
                    u.b[i].posts, u.b[i].wte, registered);
    if (r.rc == PCN_OK)
        summary_row(&r, by, "total", NULL, (int64_t)pcn_strmap_count(everyone), posts, total,
                    registered);
    summary_release(&u);
    pcn_strmap_free(everyone);
    return pcn__table_finish(&r, ret);
}

/* ---- comparison with the other networks and England ---- */

/* Does role count under key (a role key, a group name, or "total")? */
static bool role_in(const struct pcn_staff_role *role, enum pcn_wte_by by, const char *key)
{
    if (strcmp(key, "total") == 0)
        return true;
    return strcmp(by == PCN_WTE_BY_ROLE ? role->key : pcn_role_group_name(role->group), key) == 0;
}

/* Census FTE of network i over the roles under key. */
static int64_t census_fte(const struct pcn_census_totals *c, size_t i,
                          const struct pcn_roles *roles, enum pcn_wte_by by, const char *key)
{
    int64_t sum = 0;

    for (size_t k = 0; k < pcn_roles_count(roles); k++) {
        if (role_in(pcn_roles_at(roles, k), by, key))
            sum += pcn_census_totals_fte(c, i, (int)k);
    }
    return sum;
}

/* The same over the roles of a list (the roles under a key, found once for every network). */
static int64_t census_fte_of(const struct pcn_census_totals *c, size_t i, const int *in, size_t n)
{
    int64_t sum = 0;

    for (size_t k = 0; k < n; k++)
        sum += pcn_census_totals_fte(c, i, in[k]);
    return sum;
}

/* WTE per 10,000 patients in hundredths; 0 for no list. */
static int64_t per_10k(int64_t wte, int64_t registered)
{
    int64_t v = 0;

    if (registered > 0)
        (void)pcn_muldiv(wte, (int64_t)10000 * 100, registered * PCN_WTE_ONE, &v);
    return v;
}

static void put_hundredths(struct pcn__row *r, int64_t v)
{
    char s[PCN_MONEY_STR_SIZE];

    pcn_pence_format(v, s); /* two decimals, as pence */
    pcn__put_text(r, s);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a;
    int64_t y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

/* The networks of lists with a list and census rows, and England's totals. */
struct others {
    int64_t *value; /* per 10k in hundredths, one per network, for the key at hand */
    size_t *census; /* census index of each */
    int64_t *list;  /* registered list of each */
    size_t n;
    size_t own; /* the network itself among them, or n_lists */
    int *in;    /* the roles under the key at hand */
};

static enum pcn_err others_find(struct others *o, const struct pcn_census_totals *c,
                                const struct pcn_network_list *lists, size_t n_lists, int own,
                                size_t n_roles)
{
    o->own = n_lists;
    o->value = pcn_calloc(n_lists ? n_lists : 1, sizeof(*o->value));
    o->census = pcn_calloc(n_lists ? n_lists : 1, sizeof(*o->census));
    o->list = pcn_calloc(n_lists ? n_lists : 1, sizeof(*o->list));
    o->in = pcn_calloc(n_roles ? n_roles : 1, sizeof(*o->in));
    if (!o->value || !o->census || !o->list || !o->in)
        return PCN_ENOMEM;
    for (size_t i = 0; i < n_lists; i++) {
        int at = pcn_census_totals_find(c, lists[i].network);
        if (at < 0 || lists[i].registered <= 0)
            continue;
        if (at == own)
            o->own = o->n;
        o->census[o->n] = (size_t)at;
        o->list[o->n] = lists[i].registered;
        o->n++;
    }
    return PCN_OK;
}

static void others_release(struct others *o)
{
    pcn_free(o->value);
    pcn_free(o->census);
    pcn_free(o->list);
    pcn_free(o->in);
}

/* One comparison row for key. */
static void compare_row(struct pcn__row *r, const char *key, const char *name, int64_t own_wte,
                        int64_t own_census, int64_t registered, struct others *o,
                        const struct pcn_census_totals *c, const struct pcn_roles *roles,
                        enum pcn_wte_by by)
{
    int64_t england_fte = 0;
    int64_t england_list = 0;
    int64_t own = per_10k(own_wte, registered);
    int64_t above = 0;
    size_t n_in = 0;

    for (size_t k = 0; k < pcn_roles_count(roles); k++) {
        if (role_in(pcn_roles_at(roles, k), by, key))
            o->in[n_in++] = (int)k;
    }
    for (size_t i = 0; i < o->n; i++) {
        int64_t fte = census_fte_of(c, o->census[i], o->in, n_in);
        o->value[i] = per_10k(fte, o->list[i]);
        england_fte += fte;
        england_list += o->list[i];
        above += i != o->own && o->value[i] > own; /* the rank is among the others */
    }
    qsort(o->value, o->n, sizeof(*o->value), cmp_i64);
    pcn__row_start(r);
    pcn__put_text(r, pcn_wte_by_name(by));
    pcn__put_text(r, key);
    pcn__put_opt(r, name);
    pcn__put_wte(r, own_wte);
    put_hundredths(r, own);
    pcn__put_wte(r, own_census);
    put_hundredths(r, per_10k(own_census, registered));
    pcn__put_int(r, (int64_t)o->n);
    if (o->n == 0) {
        for (int k = 0; k < 4; k++)
            pcn__put_null(r);
    } else {
        put_hundredths(r, o->value[(o->n - 1) / 4]);
        put_hundredths(r, o->value[(o->n - 1) / 2]);
        put_hundredths(r, o->value[(o->n - 1) * 3 / 4]);
        put_hundredths(r, per_10k(england_fte, england_list));
    }
    pcn__put_int(r, above + 1);
}

/* The keys to show: every role or group of the register or the census row of network. */
static enum pcn_err compare_keys(const struct pcn_staff *s, const struct pcn_roles *roles,
                                 int32_t as_of, const struct pcn_census_totals *c, int own,
                                 enum pcn_wte_by by, struct summary *keys)
{
    enum pcn_err rc = PCN_OK;

    for (size_t i = 0; i < pcn_staff_count(s) && rc == PCN_OK; i++) {
        const struct pcn_post *p = pcn_staff_post(s, i);
        if (pcn_post_is_open(p, as_of))
            rc = summary_post(keys, p, roles, by, NULL, NULL);
    }
    for (size_t k = 0; own >= 0 && k < pcn_roles_count(roles) && rc == PCN_OK; k++) {
        const struct pcn_staff_role *role = pcn_roles_at(roles, k);
        struct pcn_post none;
        if (pcn_census_totals_fte(c, (size_t)own, (int)k) == 0)
            continue;
        memset(&none, 0, sizeof(none));
        none.person = "";
        none.role = (int)k;
        rc = summary_add(keys, by == PCN_WTE_BY_ROLE ? role->key : pcn_role_group_name(role->group),
                         by == PCN_WTE_BY_ROLE ? role->name : NULL, &none, 0);
    }
    return rc;
}

enum pcn_err pcn_view_workforce_compare(const struct pcn_staff *s, const struct pcn_roles *roles,
                                        int32_t as_of, const char *network, int64_t registered,
                                        const struct pcn_census_totals *census,
                                        const struct pcn_network_list *lists, size_t n_lists,
                                        enum pcn_wte_by by, struct pcn_table **ret)
{
    static const char *const names[] = {
        "by",       "key", "name",   "wte", "wte_per_10k",     "census_wte", "census_per_10k",
        "networks", "p25", "median", "p75", "england_per_10k", "rank"};
    static const enum pcn_col_type types[] = {T, T, T, T, T, T, T, I, T, T, T, T, I};
    struct summary keys = {pcn_strmap_new(), NULL, 0, 0};
    struct others o = {NULL, NULL, NULL, 0, 0, NULL};
    int own = pcn_census_totals_find(census, network);
    int64_t total = 0;
    struct pcn__row r;

    if (registered <= 0 || (by != PCN_WTE_BY_ROLE && by != PCN_WTE_BY_GROUP)) {
        summary_release(&keys);
        return PCN_EINVAL;
    }
    pcn__table_start(&r, "workforce_compare", 13, names, types);
    if (r.rc == PCN_OK && !keys.slot)
        r.rc = PCN_ENOMEM;
    if (r.rc == PCN_OK)
        r.rc = compare_keys(s, roles, as_of, census, own, by, &keys);
    if (r.rc == PCN_OK)
        r.rc = others_find(&o, census, lists, n_lists, own, pcn_roles_count(roles));
    if (r.rc == PCN_OK && keys.n > 0)
        qsort(keys.b, keys.n, sizeof(*keys.b), by_key);
    for (size_t i = 0; i < keys.n && r.rc == PCN_OK; i++) {
        int64_t own_census =
            own >= 0 ? census_fte(census, (size_t)own, roles, by, keys.b[i].key) : 0;
        total += keys.b[i].wte;
        compare_row(&r, keys.b[i].key, keys.b[i].name, keys.b[i].wte, own_census, registered, &o,
                    census, roles, by);
    }
    if (r.rc == PCN_OK)
        compare_row(&r, "total", NULL, total,
                    own >= 0 ? census_fte(census, (size_t)own, roles, by, "total") : 0, registered,
                    &o, census, roles, by);
    others_release(&o);
    summary_release(&keys);
    return pcn__table_finish(&r, ret);
}
