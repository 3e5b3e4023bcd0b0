/*
 * workforce.c - the staff register over the store: posts converted
 * between the store's rows (text names, role keys) and the finance
 * layer's posts (pcn/workforce.h), and every write checked against the
 * whole register of its network before anything is written, inside the
 * caller's transaction (which also holds its audit row). Also the census
 * import.
 */
#include "pcn/workforce_ops.h"

#include <stdio.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/money.h"
#include "pcn/store_registry.h"
#include "pcn/vec.h"
#include "util/common.h"

/* ---- rows and posts ---- */

/* A post as a store row (strings borrowed from p; sites into the caller's array). */
static void row_of(const struct pcn_post *p, const struct pcn_roles *roles,
                   struct pcn_store_post_site *sites, struct pcn_store_post *r)
{
    memset(r, 0, sizeof(*r));
    r->id = p->id;
    r->version = p->version;
    r->network = p->network;
    r->person = p->person;
    r->name = p->name;
    r->role = pcn_roles_at(roles, (size_t)p->role)->key;
    r->band = p->band == PCN_BAND_NONE ? NULL : pcn_band_name(p->band);
    r->wte = p->wte;
    r->employer = pcn_employer_name(p->employer);
    r->employer_code = p->employer_code;
    r->start_date = p->start;
    r->end_date = p->end;
    r->has_cost = p->has_cost;
    r->cost = p->cost;
    r->cost_per = pcn_cost_per_name(p->cost_per);
    r->funding = pcn_funding_name(p->funding);
    for (size_t i = 0; i < p->n_sites && i < PCN_POST_SITES_MAX; i++) {
        sites[i].site = p->sites[i].site;
        sites[i].sessions = p->sites[i].sessions;
    }
    r->sites = sites;
    r->n_sites = PCN_MIN(p->n_sites, (size_t)PCN_POST_SITES_MAX);
}

/* A store row as a post; PCN_EPARSE when a stored name no longer parses. */
static enum pcn_err post_of(const struct pcn_store_post *r, const struct pcn_roles *roles,
                            struct pcn_post_site *sites, char *where, size_t where_size,
                            struct pcn_post *p)
{
    memset(p, 0, sizeof(*p));
    (void)snprintf(where, where_size, "post %lld", (long long)r->id);
    p->id = r->id;
    p->version = r->version;
    p->network = r->network;
    p->person = r->person;
    p->name = r->name;
    p->role = pcn_roles_find(roles, r->role, strlen(r->role));
    p->wte = r->wte;
    p->employer_code = r->employer_code;
    p->start = r->start_date;
    p->end = r->end_date;
    p->has_cost = r->has_cost;
    p->cost = r->cost;
    p->where = where;
    if (p->role < 0 ||
        pcn_band_parse(r->band ? r->band : "", r->band ? strlen(r->band) : 0, &p->band) != PCN_OK ||
        pcn_employer_parse(r->employer, &p->employer) != PCN_OK ||
        pcn_funding_parse(r->funding, &p->funding) != PCN_OK ||
        pcn_cost_per_parse(r->cost_per, &p->cost_per) != PCN_OK)
        return PCN_EPARSE;
    for (size_t i = 0; i < r->n_sites && i < PCN_POST_SITES_MAX; i++) {
        sites[i].site = r->sites[i].site;
        sites[i].sessions = r->sites[i].sessions;
    }
    p->sites = sites;
    p->n_sites = PCN_MIN(r->n_sites, (size_t)PCN_POST_SITES_MAX);
    return PCN_OK;
}

struct load_walk {
    const struct pcn_roles *roles;
    struct pcn_staff *s;
    struct pcn_error *reterr;
    enum pcn_err rc;
};

static int load_row(const struct pcn_store_post *r, void *ud)
{
    struct load_walk *w = ud;
    struct pcn_post_site sites[PCN_POST_SITES_MAX];
    struct pcn_post p;
    char where[32];

    w->rc = post_of(r, w->roles, sites, where, sizeof(where), &p);
    if (w->rc == PCN_EPARSE) {
        (void)pcn_error_set(w->reterr, PCN_EPARSE,
                            "post %lld: role '%s', band '%s' or a name stored is not known to "
                            "this version's rates",
                            (long long)r->id, r->role, r->band ? r->band : "");
        return 1;
    }
    p.where = NULL; /* messages name the post by id */
    w->rc = pcn_staff_add(w->s, &p);
    return w->rc != PCN_OK;
}

enum pcn_err pcn_workforce_load(struct pcn_store *s, const struct pcn_roles *roles,
                                const char *network, struct pcn_staff **ret,
                                struct pcn_error *reterr)
{
    struct load_walk w;
    enum pcn_err rc;

    pcn_error_clear(reterr); /* before the walk keeps reterr */
    w = (struct load_walk){roles, pcn_staff_new(), reterr, PCN_OK};
    rc = w.s ? pcn_store_each_post(s, network, load_row, &w) : PCN_ENOMEM;

    if (rc == PCN_OK)
        rc = w.rc;
    if (rc != PCN_OK) {
        if (rc != PCN_EPARSE)
            (void)pcn_error_set(reterr, rc, "%s",
                                rc == PCN_ENOMEM ? "out of memory" : pcn_store_errmsg(s));
        pcn_staff_free(w.s);
        return rc;
    }
    *ret = w.s;
    return PCN_OK;
}

/* ---- writing ---- */

/* Write the posts first..n of register st (the new ones). */
static enum pcn_err write_posts(struct pcn_store *s, const struct pcn_roles *roles,
                                const struct pcn_staff *st, size_t first, int64_t *ret_id)
{
    enum pcn_err rc = PCN_OK;

    for (size_t i = first; i < pcn_staff_count(st) && rc == PCN_OK; i++) {
        struct pcn_store_post_site sites[PCN_POST_SITES_MAX];
        struct pcn_store_post r;
        row_of(pcn_staff_post(st, i), roles, sites, &r);
        rc = pcn_store_add_post(s, &r, ret_id);
    }
    return rc;
}

/* Check register st; the first error (if any) into reterr and PCN_EINVAL. */
static enum pcn_err checked(const struct pcn_staff *st, const struct pcn_rates *rates,
                            struct pcn_findings *f, struct pcn_error *reterr)
{
    size_t before = f->n_errors;
    enum pcn_err rc = pcn_staff_validate(st, rates, f);

    if (rc != PCN_OK || f->n_errors == before)
        return rc;
    for (size_t i = 0; i < f->n; i++) {
        if (f->items[i].severity == PCN_SEVERITY_ERROR) {
            return pcn_error_set(reterr, PCN_EINVAL,
                                 "nothing written: %zu error(s), the first %s: %s",
                                 f->n_errors - before, f->items[i].where, f->items[i].msg);
        }
    }
    return pcn_error_set(reterr, PCN_EINVAL, "the register has errors");
}

/* The store's message for a failed store call, unless reterr already says why. */
static enum pcn_err store_error(struct pcn_store *s, enum pcn_err rc, struct pcn_error *reterr)
{
    if (rc != PCN_OK && reterr && reterr->msg[0] == '\0')
        (void)pcn_error_set(reterr, rc, "%s",
                            rc == PCN_ENOMEM ? "out of memory" : pcn_store_errmsg(s));
    return rc;
}

enum pcn_err pcn_workforce_add(struct pcn_store *s, const struct pcn_rates *rates,
                               const struct pcn_post *p, struct pcn_findings *f, int64_t *ret_id,
                               struct pcn_error *reterr)
{
    const struct pcn_roles *roles = pcn_rates_roles(rates);
    struct pcn_staff *st = NULL;
    size_t first;
    enum pcn_err rc;

    pcn_error_clear(reterr);
    if (!p->network)
        return pcn_error_set(reterr, PCN_EINVAL, "a post needs its network");
    rc = pcn_workforce_load(s, roles, p->network, &st, reterr);
    first = st ? pcn_staff_count(st) : 0;
    if (rc == PCN_OK)
        rc = pcn_staff_add(st, p);
    if (rc == PCN_OK)
        rc = checked(st, rates, f, reterr);
    if (rc == PCN_OK)
        rc = write_posts(s, roles, st, first, ret_id);
    pcn_staff_free(st);
    return store_error(s, rc, reterr);
}

enum pcn_err pcn_workforce_end(struct pcn_store *s, int64_t id, int64_t version, int32_t end_date,
                               int64_t *ret_version, struct pcn_error *reterr)
{
    pcn_error_clear(reterr);
    return store_error(s, pcn_store_end_post(s, id, version, end_date, ret_version), reterr);
}

/* Give rows without a network the import's; a row of another network is an error. */
static enum pcn_err import_network(struct pcn_staff *st, size_t first, const char *network,
                                   struct pcn_findings *f, struct pcn_staff **ret)
{
    struct pcn_staff *out = pcn_staff_new();
    enum pcn_err rc = out ? PCN_OK : PCN_ENOMEM;

    for (size_t i = 0; i < pcn_staff_count(st) && rc == PCN_OK; i++) {
        struct pcn_post p = *pcn_staff_post(st, i);
        if (i >= first && p.network && strcmp(p.network, network) != 0) {
            rc = pcn_findings_add(f, PCN_SEVERITY_ERROR, "network", p.where,
                                  "network: %s, but this import is for %s", p.network, network);
            continue;
        }
        p.network = network;
        rc = pcn_staff_add(out, &p);
    }
    if (rc != PCN_OK) {
        pcn_staff_free(out);
        return rc;
    }
    *ret = out;
    return PCN_OK;
}

/*
 * Write the posts of st from first on to network once the whole register
 * passes: rows naming another network are errors (why says so), then the
 * checks. Frees st.
 */
static enum pcn_err add_posts(struct pcn_store *s, const struct pcn_rates *rates,
                              const char *network, struct pcn_staff *st, size_t first,
                              const char *why, struct pcn_findings *f, size_t *ret_added,
                              struct pcn_error *reterr)
{
    struct pcn_staff *all = NULL;
    size_t errors = f->n_errors;
    enum pcn_err rc = import_network(st, first, network, f, &all);

    if (rc == PCN_OK && f->n_errors > errors)
        rc = pcn_error_set(reterr, PCN_EINVAL, "%s", why);
    if (rc == PCN_OK)
        rc = checked(all, rates, f, reterr);
    if (rc == PCN_OK)
        rc = write_posts(s, pcn_rates_roles(rates), all, first, NULL);
    if (rc == PCN_OK && ret_added)
        *ret_added = pcn_staff_count(all) - first;
    pcn_staff_free(st);
    pcn_staff_free(all);
    return store_error(s, rc, reterr);
}

enum pcn_err pcn_workforce_import(struct pcn_store *s, const struct pcn_rates *rates,
                                  const char *network, const char *path, struct pcn_findings *f,
                                  size_t *ret_added, struct pcn_error *reterr)
{
    const struct pcn_roles *roles = pcn_rates_roles(rates);
    struct pcn_staff *st = NULL;
    char why[300];
    size_t first;
    enum pcn_err rc;

    pcn_error_clear(reterr);
    rc = pcn_workforce_load(s, roles, network, &st, reterr);
    first = st ? pcn_staff_count(st) : 0;
    if (rc == PCN_OK)
        rc = pcn_staff_read_csv(st, roles, path, f, reterr);
    if (rc != PCN_OK) {
        pcn_staff_free(st);
        return store_error(s, rc, reterr);
    }
    (void)snprintf(why, sizeof(why), "%s: rows for another network", path);
    return add_posts(s, rates, network, st, first, why, f, ret_added, reterr);
}

enum pcn_err pcn_workforce_add_register(struct pcn_store *s, const struct pcn_rates *rates,
                                        const char *network, const struct pcn_staff *add,
                                        struct pcn_findings *f, size_t *ret_added,
                                        struct pcn_error *reterr)
{
    struct pcn_staff *st = NULL;
    char why[100];
    size_t first;
    enum pcn_err rc;

    pcn_error_clear(reterr);
    rc = pcn_workforce_load(s, pcn_rates_roles(rates), network, &st, reterr);
    first = st ? pcn_staff_count(st) : 0;
    for (size_t i = 0; rc == PCN_OK && i < pcn_staff_count(add); i++)
        rc = pcn_staff_add(st, pcn_staff_post(add, i));
    if (rc != PCN_OK) {
        pcn_staff_free(st);
        return store_error(s, rc, reterr);
    }
    (void)snprintf(why, sizeof(why), "posts for another network than %s", network);
    return add_posts(s, rates, network, st, first, why, f, ret_added, reterr);
}

/* ---- the census ---- */

struct census_walk {
    struct pcn_store *s;
    int32_t date; /* PCN_DATE_NONE: from the first row */
    bool cleared;
    size_t rows;
    struct pcn_error *reterr;
    const struct pcn_roles *roles;
    enum pcn_err rc;
};

/* The last day of a census month. */
static int32_t census_day(int year, int month)
{
    int32_t first = PCN_DATE_NONE;

    if (pcn_date_from_ymd(year, month, 1, &first) != PCN_OK)
        return PCN_DATE_NONE;
    return pcn_date_add_months(first, 1) - 1;
}

static int census_row(const struct pcn_census_row *r, void *ud)
{
    struct census_walk *w = ud;
    struct pcn_store_census_row row;
    int32_t day = w->date != PCN_DATE_NONE ? w->date : census_day(r->census_year, r->census_month);

    if (day == PCN_DATE_NONE) {
        w->rc =
            pcn_error_set(w->reterr, PCN_EINVAL,
                          "line %lu: the file has no census month: give the census date", r->line);
        return 1;
    }
    if (!w->cleared) {
        w->date = day;
        w->cleared = true;
        w->rc = pcn_store_clear_census(w->s, day);
    }
    if (w->rc == PCN_OK && day != w->date)
        w->rc = pcn_error_set(w->reterr, PCN_EINVAL, "line %lu: a second census month in one file",
                              r->line);
    row.census_date = day;
    row.network = r->pcn_code;
    row.role = pcn_roles_at(w->roles, (size_t)r->role)->key;
    row.fte = r->fte;
    row.person = r->person;
    row.is_contracted = r->is_contracted;
    if (w->rc == PCN_OK)
        w->rc = pcn_store_add_census_row(w->s, &row);
    w->rows++;
    return w->rc != PCN_OK;
}

enum pcn_err pcn_workforce_import_census(struct pcn_store *s, const struct pcn_roles *roles,
                                         const char *path, int32_t census_date, size_t *ret_rows,
                                         struct pcn_error *reterr)
{
    struct census_walk w;
    enum pcn_err rc;

    pcn_error_clear(reterr); /* before the walk keeps reterr */
    w = (struct census_walk){s, census_date, false, 0, reterr, roles, PCN_OK};
    rc = pcn_census_read(path, roles, census_row, &w, reterr);
    if (rc == PCN_OK)
        rc = w.rc;
    if (rc == PCN_OK && ret_rows)
        *ret_rows = w.rows;
    return store_error(s, rc, reterr);
}
