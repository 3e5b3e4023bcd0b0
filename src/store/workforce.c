/*
 * workforce.c - the workforce domain's public calls
 * (pcn/store_workforce.h), forwarded to the backend's workforce table.
 * What no backend could store is refused here, once for every backend:
 * writes outside a transaction, a post's WTE outside (0, 1.0], an end
 * before its start, enumerations that are not their names, site names
 * that could not be read back, more than 16 sites.
 */
#include "pcn/store_workforce.h"

#include <string.h>

#include "pcn/date.h"
#include "pcn/parse.h"
#include "store/workforce_int.h"
#include "util/common.h"

const struct pcn__store_domain pcn__store_workforce = {"workforce"};

#define WTE_ONE 1000000
#define SITES_MAX 16
#define SESSIONS_MAX 14

static const struct pcn__store_workforce_ops *ops(struct pcn_store *s)
{
    return pcn__store_domain_ops(s, &pcn__store_workforce);
}

static bool one_of(const char *s, const char *const *names)
{
    for (size_t i = 0; s && names[i]; i++) {
        if (strcmp(s, names[i]) == 0)
            return true;
    }
    return false;
}

/* What the schema's CHECKs would refuse, said in words. */
static enum pcn_err check_post(struct pcn_store *s, const struct pcn_store_post *p)
{
    static const char *const employers[] = {"network", "lead_practice", "practice", "subcontractor",
                                            NULL};
    static const char *const fundings[] = {"arrs", "practice", "other", NULL};
    static const char *const pers[] = {"year", "month", NULL};

    if (!p->network || !p->person || !p->person[0] || !p->role || !p->role[0])
        return pcn__store_fail(s, PCN_EINVAL, "a post needs a network, a person and a role");
    if (p->wte <= 0 || p->wte > WTE_ONE)
        return pcn__store_fail(s, PCN_EINVAL, "post of %s: WTE outside 0-1.0", p->person);
    if (p->end_date != PCN_DATE_NONE && p->end_date < p->start_date)
        return pcn__store_fail(s, PCN_EINVAL, "post of %s ends before it starts", p->person);
    if (!one_of(p->employer, employers) || !one_of(p->funding, fundings) ||
        !one_of(p->cost_per, pers))
        return pcn__store_fail(s, PCN_EINVAL, "post of %s: employer, funding or cost_per unknown",
                               p->person);
    if ((p->has_cost && p->cost < 0) || p->n_sites > SITES_MAX)
        return pcn__store_fail(s, PCN_EINVAL, "post of %s: negative cost or more than 16 sites",
                               p->person);
    for (size_t i = 0; i < p->n_sites; i++) {
        const char *site = p->sites[i].site;
        if (!site || !site[0] || strlen(site) > 200 || strpbrk(site, ";=") ||
            p->sites[i].sessions < 0 || p->sites[i].sessions > SESSIONS_MAX)
            return pcn__store_fail(s, PCN_EINVAL,
                                   "post of %s: site '%s' (names of 1-200 characters without "
                                   "';' or '=', 0-14 sessions)",
                                   p->person, site ? site : "");
    }
    return PCN_OK;
}

enum pcn_err pcn_store_add_post(struct pcn_store *s, const struct pcn_store_post *p,
                                int64_t *ret_id)
{
    const struct pcn__store_workforce_ops *o = ops(s);
    enum pcn_err rc;

    if (!o)
        return PCN_ESTORAGE;
    rc = check_post(s, p);
    return rc == PCN_OK ? PCN__STORE_WRITE(s, o->add_post(s, p, ret_id)) : rc;
}

enum pcn_err pcn_store_end_post(struct pcn_store *s, int64_t id, int64_t version, int32_t end_date,
                                int64_t *ret_version)
{
    const struct pcn__store_workforce_ops *o = ops(s);

    if (!o)
        return PCN_ESTORAGE;
    if (end_date == PCN_DATE_NONE)
        return pcn__store_fail(s, PCN_EINVAL, "ending a post needs a date");
    return PCN__STORE_WRITE(s, o->end_post(s, id, version, end_date, ret_version));
}

enum pcn_err pcn_store_get_post(struct pcn_store *s, int64_t id, pcn_store_post_fn fn, void *ud)
{
    const struct pcn__store_workforce_ops *o = ops(s);

    return o ? o->get_post(s, id, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_each_post(struct pcn_store *s, const char *network, pcn_store_post_fn fn,
                                 void *ud)
{
    const struct pcn__store_workforce_ops *o = ops(s);

    return o ? o->each_post(s, network, fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_clear_census(struct pcn_store *s, int32_t census_date)
{
    const struct pcn__store_workforce_ops *o = ops(s);

    return o ? PCN__STORE_WRITE(s, o->clear_census(s, census_date)) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_add_census_row(struct pcn_store *s, const struct pcn_store_census_row *r)
{
    const struct pcn__store_workforce_ops *o = ops(s);

    if (!o)
        return PCN_ESTORAGE;
    if (!r->network || !r->role || !r->person || r->fte < 0 || r->census_date == PCN_DATE_NONE)
        return pcn__store_fail(s, PCN_EINVAL, "a census row needs a date, network, role and FTE");
    return PCN__STORE_WRITE(s, o->add_census_row(s, r));
}

enum pcn_err pcn_store_each_census_row(struct pcn_store *s, int32_t as_of, const char *network,
                                       pcn_store_census_fn fn, void *ud, int32_t *ret_date)
{
    const struct pcn__store_workforce_ops *o = ops(s);

    return o ? o->each_census_row(s, as_of, network, fn, ud, ret_date) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_get_finance(struct pcn_store *s, const char *network, const char *year,
                                   pcn_store_finance_fn fn, pcn_store_finance_item_fn item_fn,
                                   void *ud)
{
    const struct pcn__store_workforce_ops *o = ops(s);

    return o ? o->get_finance(s, network, year, fn, item_fn, ud) : PCN_ESTORAGE;
}

enum pcn_err pcn_store_put_finance(struct pcn_store *s, const struct pcn_store_finance *f,
                                   const struct pcn_store_finance_item *items, size_t n,
                                   int64_t *ret_version)
{
    static const char *const kinds[] = {"allocation", "method", "top_slice", "share", NULL};
    static const char *const londons[] = {"", "outer", "inner", NULL};
    const struct pcn__store_workforce_ops *o = ops(s);

    if (!o)
        return PCN_ESTORAGE;
    if (!f->network || !f->year || f->version < 0 || !one_of(f->london ? f->london : "", londons) ||
        f->caip_percent < -1 || f->caip_percent > 100)
        return pcn__store_fail(s, PCN_EINVAL,
                               "finance inputs need a network, a year, a version "
                               "and a known London weighting");
    for (size_t i = 0; i < n; i++) {
        if (!one_of(items[i].kind, kinds) || !items[i].line || !items[i].value)
            return pcn__store_fail(s, PCN_EINVAL, "finance item %zu: kind, line and value", i + 1);
    }
    return PCN__STORE_WRITE(s, o->put_finance(s, f, items, n, ret_version));
}

size_t pcn__store_parse_sites(char *text, struct pcn_store_post_site *sites, size_t max)
{
    size_t n = 0;

    for (char *item = text; item && *item && n < max;) {
        char *next = strchr(item, ';');
        char *eq;
        int64_t sessions = 0;
        if (next)
            *next++ = '\0';
        eq = strrchr(item, '=');
        if (eq) {
            *eq = '\0';
            if (pcn_parse_range(eq + 1, strlen(eq + 1), 0, SESSIONS_MAX, &sessions) != PCN_OK)
                sessions = 0;
        }
        sites[n].site = item;
        sites[n].sessions = (int)sessions;
        n++;
        item = next;
    }
    return n;
}
