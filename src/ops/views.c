/*
 * views.c - the registry's list result kinds (practices, a practice's
 * memberships, networks, a network's members), built once for the CLI and
 * the HTTP API. Column names and types are fixed here; docs/api.md lists
 * them. Rows are matched, counted, then paged (offset, limit); list sizes
 * are suppressed only after totals are summed, so totals stay exact.
 */
#include "pcn/views.h"
#include "views_int.h"

#include <string.h>

#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "pcn/registry_ops.h"
#include "pcn/store_registry.h"
#include "pcn/vec.h"
#include "util/common.h"

/* Set a count cell: null when suppressed (1..N-1 for aggregate-only roles). */
static enum pcn_err set_count(struct pcn_table *t, size_t col, int64_t n, int suppress_below)
{
    if (suppress_below > 0 && n > 0 && n < suppress_below)
        return PCN_OK; /* cells start null */
    return pcn_table_set_int(t, col, n);
}

static enum pcn_err set_date(struct pcn_table *t, size_t col, int32_t d)
{
    char s[PCN_DATE_STR_SIZE];

    if (d == PCN_DATE_NONE)
        return PCN_OK;
    pcn_date_format(d, s);
    return pcn_table_set_text(t, col, s);
}

/* Does the matching row number `n` (1-based) fall in the page? */
static bool in_page(const struct pcn_view_opts *o, int64_t n)
{
    return n > o->offset && (o->limit <= 0 || n <= o->offset + o->limit);
}

enum pcn_err pcn__view_finish(enum pcn_err rc, enum pcn_err walk_rc, struct pcn_table *t,
                              struct pcn_table **ret)
{
    if (rc == PCN_OK)
        rc = walk_rc;
    if (rc != PCN_OK) {
        pcn_table_free(t);
        return rc;
    }
    *ret = t;
    return PCN_OK;
}

/* ---- practices ---- */

struct practice_walk {
    struct pcn_store *s;
    const struct pcn_view_opts *o;
    struct pcn_table *t;
    struct pcn_view_totals totals;
    enum pcn_err rc;
};

static enum pcn_err practice_cells(struct practice_walk *w, const struct pcn_practice *p,
                                   const char *network, bool has_size, int64_t n)
{
    struct pcn_table *t = w->t;
    enum pcn_err rc = pcn_table_add_row(t);

    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 0, p->code);
    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 1, p->name);
    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 2, p->postcode);
    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 3, network);
    if (rc == PCN_OK && has_size)
        rc = set_count(t, 4, n, w->o->suppress_below);
    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 5, p->supplier);
    return rc;
}

static int practice_row(const struct pcn_practice *p, void *ud)
{
    struct practice_walk *w = ud;
    char network[8] = "";
    int64_t n = 0;
    bool member;
    bool has_size;

    w->rc = pcn_registry_network_of(w->s, p->code, w->o->as_of, network);
    member = w->rc == PCN_OK;
    if (w->rc == PCN_ENOTFOUND)
        w->rc = PCN_OK;
    if (w->rc != PCN_OK)
        return 1;
    if (w->o->filter && (!member || strcmp(network, w->o->filter) != 0))
        return 0;
    w->rc = pcn_store_list_size_at(w->s, p->code, w->o->as_of, &n, NULL);
    has_size = w->rc == PCN_OK;
    if (w->rc == PCN_ENOTFOUND)
        w->rc = PCN_OK;
    if (w->rc != PCN_OK)
        return 1;
    w->totals.rows++;
    w->totals.patients += has_size ? n : 0;
    if (in_page(w->o, w->totals.rows))
        w->rc = practice_cells(w, p, member ? network : NULL, has_size, n);
    return w->rc != PCN_OK;
}

enum pcn_err pcn_view_practices(struct pcn_store *s, const struct pcn_view_opts *o,
                                struct pcn_table **ret, struct pcn_view_totals *ret_totals)
{
    static const char *const names[] = {"code",    "name",     "postcode",
                                        "network", "patients", "supplier"};
    static const enum pcn_col_type types[] = {PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT,
                                              PCN_COL_TEXT, PCN_COL_INT,  PCN_COL_TEXT};
    struct practice_walk w = {s, o, pcn_table_new("practices", 6, names, types), {0, 0}, PCN_OK};
    enum pcn_err rc = w.t ? pcn_store_each_practice(s, practice_row, &w) : PCN_ENOMEM;

    rc = pcn__view_finish(rc, w.rc, w.t, ret);
    if (rc == PCN_OK && ret_totals)
        *ret_totals = w.totals;
    return rc;
}

/* ---- one practice's memberships ---- */

struct table_walk {
    struct pcn_table *t;
    enum pcn_err rc;
};

static int membership_row(const struct pcn_membership *m, void *ud)
{
    struct table_walk *w = ud;
    struct pcn_table *t = w->t;
    enum pcn_err rc = pcn_table_add_row(t);

    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 0, m->network);
    if (rc == PCN_OK)
        rc = set_date(t, 1, m->start_date);
    if (rc == PCN_OK)
        rc = set_date(t, 2, m->end_date);
    w->rc = rc;
    return rc != PCN_OK;
}

static int found_practice(const struct pcn_practice *p, void *ud)
{
    (void)p;
    *(bool *)ud = true;
    return 1;
}

enum pcn_err pcn_view_practice_memberships(struct pcn_store *s, const char *practice,
                                           struct pcn_table **ret)
{
    static const char *const names[] = {"network", "from", "to"};
    static const enum pcn_col_type types[] = {PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT};
    struct table_walk w = {NULL, PCN_OK};
    bool found = false;
    enum pcn_err rc = pcn_store_get_practice(s, practice, found_practice, &found);

    if (rc != PCN_OK)
        return rc;
    w.t = pcn_table_new("practice_memberships", 3, names, types);
    if (!w.t)
        return PCN_ENOMEM;
    rc = pcn_store_each_membership(s, practice, membership_row, &w);
    return pcn__view_finish(rc, w.rc, w.t, ret);
}

/* ---- networks ---- */

struct network_count {
    int64_t practices; /* members on the date */
    int64_t patients;  /* their list sizes */
};

/* Members and patients per network on a date: one pass over memberships. */
struct network_counts {
    struct pcn_store *s;
    int32_t as_of;
    struct pcn_strmap *slot; /* network code -> index in counts */
    struct network_count *counts;
    size_t n;
    size_t alloc;
    enum pcn_err rc;
};

static bool is_current(const struct pcn_membership *m, int32_t as_of)
{
    return m->start_date <= as_of && (m->end_date == PCN_DATE_NONE || m->end_date >= as_of);
}

static int count_membership(const struct pcn_membership *m, void *ud)
{
    struct network_counts *c = ud;
    uint64_t at = 0;
    int added = 0;
    int64_t size = 0;

    if (!is_current(m, c->as_of))
        return 0;
    c->rc = pcn_strmap_intern(c->slot, m->network, strlen(m->network), c->n, &at, &added);
    if (c->rc == PCN_OK && added) {
        c->rc = PCN_GROW(c->counts, c->n + 1, c->alloc);
        if (c->rc == PCN_OK)
            c->counts[c->n++] = (struct network_count){0, 0};
    }
    if (c->rc != PCN_OK)
        return 1;
    c->counts[at].practices++;
    c->rc = pcn_store_list_size_at(c->s, m->practice, c->as_of, &size, NULL);
    if (c->rc == PCN_OK)
        c->counts[at].patients += size;
    else if (c->rc == PCN_ENOTFOUND)
        c->rc = PCN_OK;
    return c->rc != PCN_OK;
}

struct network_walk {
    const struct pcn_view_opts *o;
    const struct network_counts *c;
    struct pcn_table *t;
    struct pcn_view_totals totals;
    enum pcn_err rc;
};

static enum pcn_err network_cells(struct network_walk *w, const struct pcn_network *n,
                                  int64_t practices, int64_t patients)
{
    const char *text[] = {n->icb_code, n->clinical_director, n->sub_icb_code, n->sub_icb_name,
                          n->icb_name, n->region_code,       n->region_name};
    struct pcn_table *t = w->t;
    enum pcn_err rc = pcn_table_add_row(t);

    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 0, n->code);
    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 1, n->name);
    if (rc == PCN_OK)
        rc = pcn_table_set_int(t, 2, practices);
    if (rc == PCN_OK)
        rc = set_count(t, 3, patients, w->o->suppress_below);
    for (size_t i = 0; i < PCN_ARRAY_SIZE(text) && rc == PCN_OK; i++)
        rc = pcn_table_set_text(t, 4 + i, text[i]);
    return rc;
}

static int network_row(const struct pcn_network *n, void *ud)
{
    struct network_walk *w = ud;
    uint64_t at = 0;
    struct network_count none = {0, 0};
    const struct network_count *k;

    if (w->o->filter && (!n->icb_code || strcmp(n->icb_code, w->o->filter) != 0))
        return 0;
    k = pcn_strmap_get(w->c->slot, n->code, strlen(n->code), &at) ? &w->c->counts[at] : &none;
    w->totals.rows++;
    w->totals.patients += k->patients;
    if (in_page(w->o, w->totals.rows))
        w->rc = network_cells(w, n, k->practices, k->patients);
    return w->rc != PCN_OK;
}

static struct pcn_table *networks_table(void)
{
    static const char *const names[] = {"code",         "name",         "practices",
                                        "patients",     "icb_code",     "clinical_director",
                                        "sub_icb_code", "sub_icb_name", "icb_name",
                                        "region_code",  "region_name"};
    static const enum pcn_col_type types[] = {
        PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_INT,  PCN_COL_INT,  PCN_COL_TEXT, PCN_COL_TEXT,
        PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT};
    struct pcn_table *t = pcn_table_new("networks", PCN_ARRAY_SIZE(names), names, types);

    for (size_t c = 6; t && c < PCN_ARRAY_SIZE(names); c++)
        (void)pcn_table_set_detail(t, c);
    return t;
}

enum pcn_err pcn_view_networks(struct pcn_store *s, const struct pcn_view_opts *o,
                               struct pcn_table **ret, struct pcn_view_totals *ret_totals)
{
    struct network_counts c = {.s = s, .as_of = o->as_of, .slot = pcn_strmap_new()};
    struct network_walk w = {o, &c, networks_table(), {0, 0}, PCN_OK};
    enum pcn_err rc = c.slot && w.t ? PCN_OK : PCN_ENOMEM;

    if (rc == PCN_OK)
        rc = pcn_store_each_membership(s, NULL, count_membership, &c);
    if (rc == PCN_OK)
        rc = c.rc;
    if (rc == PCN_OK)
        rc = pcn_store_each_network(s, network_row, &w);
    if (rc == PCN_OK)
        rc = w.rc;
    pcn_strmap_free(c.slot);
    pcn_free(c.counts);
    if (rc != PCN_OK) {
        pcn_table_free(w.t);
        return rc;
    }
    if (ret_totals)
        *ret_totals = w.totals;
    *ret = w.t;
    return PCN_OK;
}

/* ---- one network's members ---- */

struct member_walk {
    struct pcn_store *s;
    const char *network;
    const struct pcn_view_opts *o;
    struct pcn_table *t;
    enum pcn_err rc;
};

static int practice_name(const struct pcn_practice *p, void *ud)
{
    struct member_walk *w = ud;

    w->rc = pcn_table_set_text(w->t, 1, p->name);
    return 1;
}

static enum pcn_err member_cells(struct member_walk *w, const struct pcn_membership *m)
{
    struct pcn_table *t = w->t;
    int64_t n = 0;
    enum pcn_err rc = pcn_table_add_row(t);

    if (rc == PCN_OK)
        rc = pcn_table_set_text(t, 0, m->practice);
    if (rc == PCN_OK)
        rc = pcn_store_get_practice(w->s, m->practice, practice_name, w);
    if (rc == PCN_OK)
        rc = w->rc;
    if (rc == PCN_OK)
        rc = set_date(t, 2, m->start_date);
    if (rc == PCN_OK)
        rc = set_date(t, 3, m->end_date);
    if (rc == PCN_OK)
        rc = pcn_table_set_bool(t, 4, is_current(m, w->o->as_of));
    if (rc == PCN_OK)
        rc = pcn_store_list_size_at(w->s, m->practice, w->o->as_of, &n, NULL);
    if (rc == PCN_OK)
        rc = set_count(t, 5, n, w->o->suppress_below);
    else if (rc == PCN_ENOTFOUND)
        rc = PCN_OK; /* no list size on record */
    return rc;
}

static int member_row(const struct pcn_membership *m, void *ud)
{
    struct member_walk *w = ud;

    if (strcmp(m->network, w->network) != 0)
        return 0;
    w->rc = member_cells(w, m);
    return w->rc != PCN_OK;
}

static int found_network(const struct pcn_network *n, void *ud)
{
    (void)n;
    *(bool *)ud = true;
    return 1;
}

enum pcn_err pcn_view_network_members(struct pcn_store *s, const char *network,
                                      const struct pcn_view_opts *o, struct pcn_table **ret)
{
    static const char *const names[] = {"practice",  "name",    "member_from",
                                        "member_to", "current", "patients"};
    static const enum pcn_col_type types[] = {PCN_COL_TEXT, PCN_COL_TEXT, PCN_COL_TEXT,
                                              PCN_COL_TEXT, PCN_COL_BOOL, PCN_COL_INT};
    struct member_walk w = {s, network, o, NULL, PCN_OK};
    bool found = false;
    enum pcn_err rc = pcn_store_get_network(s, network, found_network, &found);

    if (rc != PCN_OK)
        return rc;
    w.t = pcn_table_new("network_members", 6, names, types);
    if (!w.t)
        return PCN_ENOMEM;
    rc = pcn_store_each_membership(s, NULL, member_row, &w);
    return pcn__view_finish(rc, w.rc, w.t, ret);
}
