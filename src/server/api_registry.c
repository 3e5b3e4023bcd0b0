/*
 * api_registry.c - the network registry over HTTP: the network served
 * (summary, its practices and member history, an age/sex pyramid), every
 * network with its totals, practices (filtered and paged) and one practice
 * with its membership history and age/sex bands. The lists are the result
 * tables the CLI prints (pcn/views.h), with paging beside them. Aggregates
 * only; counts below the suppression threshold are null for aggregate-only
 * roles. Results are cached by data version (api.c).
 */
#include "server/server_int.h"

#include <string.h>

#include "pcn/date.h"
#include "pcn/registry_ops.h"
#include "pcn/validate.h"
#include "pcn/views.h"
#include "util/common.h"

static json_t *date_json(int32_t d)
{
    char s[PCN_DATE_STR_SIZE];

    if (d == PCN_DATE_NONE)
        return json_null();
    pcn_date_format(d, s);
    return json_string(s);
}

static json_t *network_json(const struct pcn_network *n)
{
    return json_pack("{s:s,s:s,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?}", "code", n->code, "name",
                     n->name, "clinical_director", n->clinical_director, "sub_icb_code",
                     n->sub_icb_code, "sub_icb_name", n->sub_icb_name, "icb_code", n->icb_code,
                     "icb_name", n->icb_name, "region_code", n->region_code, "region_name",
                     n->region_name);
}

/* An optional ODS code parameter; replies 400 and returns false when malformed. */
static bool query_code(struct pcn__request *r, const char *name, enum pcn_ods_kind kind,
                       const char **ret)
{
    const char *v = pcn__query(r, name);

    if (v && !pcn_ods_is_valid(kind, v, strlen(v))) {
        pcn__reply_error(r, 400, "invalid_parameter", "%s: '%.16s' is not %s code", name, v,
                         pcn_ods_kind_name(kind));
        return false;
    }
    *ret = v;
    return true;
}

/* limit and offset; replies 400 and returns false when bad. */
static bool query_page(struct pcn__request *r, struct pcn_view_opts *o)
{
    return pcn__query_int(r, "limit", 1, r->srv->cfg.max_page, 100, &o->limit) &&
           pcn__query_int(r, "offset", 0, INT32_MAX, 0, &o->offset);
}

/* ---- the network served ---- */

struct network_pick {
    json_t *j;
};

static int pick_network(const struct pcn_network *n, void *ud)
{
    struct network_pick *p = ud;

    p->j = network_json(n);
    return 1;
}

struct pyramid {
    struct pcn__request *r;
    int64_t bands[2][20]; /* [F, M][age_from / 5] summed over the practices */
};

static int add_band(const struct pcn_list_band *b, void *ud)
{
    struct pyramid *p = ud;
    int sex = b->sex == 'M' ? 1 : 0;

    if (b->age_from >= 0 && b->age_from / 5 < 20)
        p->bands[sex][b->age_from / 5] += b->patients;
    return 0;
}

/* Sum the latest bands of the practices listed in the table (column 0: code). */
static enum pcn_err pyramid_json(struct pcn__request *r, const struct pcn_table *practices,
                                 int32_t as_of, json_t **ret)
{
    struct pyramid p = {r, {{0}}};
    json_t *a = NULL;
    enum pcn_err rc = PCN_OK;

    for (size_t i = 0; rc == PCN_OK && i < pcn_table_rows(practices); i++) {
        const char *code = pcn_table_cell(practices, i, 0);
        if (code)
            rc = pcn_store_each_list_band(r->store, code, as_of, add_band, &p);
    }
    a = rc == PCN_OK ? json_array() : NULL;
    if (rc == PCN_OK && !a)
        rc = PCN_ENOMEM;
    for (int sex = 0; rc == PCN_OK && sex < 2; sex++) {
        for (int band = 0; rc == PCN_OK && band < 20; band++) {
            json_t *j = json_pack("{s:s,s:i,s:o}", "sex", sex ? "M" : "F", "age_from", band * 5,
                                  "patients", pcn__count_json(r, p.bands[sex][band]));
            if (!j || json_array_append_new(a, j) != 0)
                rc = PCN_ENOMEM;
        }
    }
    if (rc != PCN_OK) {
        json_decref(a);
        return rc;
    }
    *ret = a;
    return PCN_OK;
}

/* The network asked for, else the configured one, else the first; PCN_ENOTFOUND if none. */
static enum pcn_err find_network(struct pcn__request *r, const char *code, json_t **ret)
{
    struct network_pick pick = {NULL};
    enum pcn_err rc;

    if (!code && r->srv->cfg.network[0])
        code = r->srv->cfg.network;
    rc = code ? pcn_store_get_network(r->store, code, pick_network, &pick)
              : pcn_store_each_network(r->store, pick_network, &pick);
    if (rc == PCN_OK && !pick.j)
        rc = code ? PCN_ENOMEM : PCN_ENOTFOUND; /* no code: the registry has no networks */
    if (rc != PCN_OK) {
        json_decref(pick.j);
        return rc;
    }
    *ret = pick.j;
    return PCN_OK;
}

/* Add the network's practices, member history, totals and pyramid to j. */
static enum pcn_err network_summary(struct pcn__request *r, json_t *j, const char *code,
                                    int32_t as_of)
{
    struct pcn_view_opts o = {.as_of = as_of, .filter = code, .suppress_below = pcn__suppress(r)};
    struct pcn_view_totals totals = {0, 0};
    struct pcn_table *practices = NULL;
    struct pcn_table *members = NULL;
    json_t *pyramid = NULL;
    enum pcn_err rc = pcn_view_practices(r->store, &o, &practices, &totals);

    if (rc == PCN_OK)
        rc = pcn_view_network_members(r->store, code, &o, &members);
    if (rc == PCN_OK)
        rc = pyramid_json(r, practices, as_of, &pyramid);
    /* the pyramid is set, not handed over: a failure before it leaves it ours to free */
    if (rc == PCN_OK &&
        (json_object_set_new(j, "as_of", date_json(as_of)) != 0 ||
         json_object_set_new(j, "patients", pcn__count_json(r, totals.patients)) != 0 ||
         json_object_set(j, "pyramid", pyramid) != 0 ||
         json_object_set_new(j, "practices", pcn__table_json(practices)) != 0 ||
         json_object_set_new(j, "members", pcn__table_json(members)) != 0 ||
         json_object_set_new(j, "size_range", json_pack("{s:i,s:i}", "min", 30000, "max", 50000)) !=
             0))
        rc = PCN_ENOMEM;
    json_decref(pyramid);
    pcn_table_free(practices);
    pcn_table_free(members);
    return rc;
}

int pcn__api_network(struct pcn__request *r)
{
    static const char *const params[] = {"code", "as_of", NULL};
    const char *code = NULL;
    int32_t as_of;
    json_t *j = NULL;
    enum pcn_err rc;

    if (!pcn__check_query(r, params) || !query_code(r, "code", PCN_ODS_PCN, &code) ||
        !pcn__query_date(r, "as_of", &as_of))
        return 0;
    rc = find_network(r, code, &j);
    if (rc == PCN_ENOTFOUND)
        return pcn__reply_error(r, 404, "not_found", "%s",
                                code ? "no such network" : "the registry has no networks");
    if (rc == PCN_OK)
        rc = network_summary(r, j, json_string_value(json_object_get(j, "code")), as_of);
    if (rc != PCN_OK) {
        json_decref(j);
        return pcn__reply_store_error(r, rc);
    }
    return pcn__reply_json(r, 200, j);
}

/* ---- every network with practice and patient totals ---- */

int pcn__api_networks(struct pcn__request *r)
{
    static const char *const params[] = {"icb", "as_of", "limit", "offset", NULL};
    struct pcn_view_opts o = {.suppress_below = pcn__suppress(r)};
    struct pcn_view_totals totals = {0, 0};
    struct pcn_table *t = NULL;
    enum pcn_err rc;

    if (!pcn__check_query(r, params) || !query_code(r, "icb", PCN_ODS_ICB, &o.filter) ||
        !pcn__query_date(r, "as_of", &o.as_of) || !query_page(r, &o))
        return 0;
    rc = pcn_view_networks(r->store, &o, &t, &totals);
    return pcn__reply_table(r, rc, t,
                            json_pack("{s:o,s:I,s:I,s:I}", "as_of", date_json(o.as_of), "total",
                                      (json_int_t)totals.rows, "limit", (json_int_t)o.limit,
                                      "offset", (json_int_t)o.offset));
}

/* ---- practices ---- */

int pcn__api_practices(struct pcn__request *r)
{
    static const char *const params[] = {"network", "as_of", "limit", "offset", NULL};
    struct pcn_view_opts o = {.suppress_below = pcn__suppress(r)};
    struct pcn_view_totals totals = {0, 0};
    struct pcn_table *t = NULL;
    enum pcn_err rc;

    if (!pcn__check_query(r, params) || !query_code(r, "network", PCN_ODS_PCN, &o.filter) ||
        !pcn__query_date(r, "as_of", &o.as_of) || !query_page(r, &o))
        return 0;
    rc = pcn_view_practices(r->store, &o, &t, &totals);
    return pcn__reply_table(r, rc, t,
                            json_pack("{s:o,s:I,s:I,s:I}", "as_of", date_json(o.as_of), "total",
                                      (json_int_t)totals.rows, "limit", (json_int_t)o.limit,
                                      "offset", (json_int_t)o.offset));
}

struct practice_detail {
    struct pcn__request *r;
    json_t *j;
    json_t *list;
    bool failed; /* a band could not be added: the walk stopped short */
};

static int detail_practice(const struct pcn_practice *p, void *ud)
{
    struct practice_detail *d = ud;

    d->j = json_pack("{s:s,s:s,s:s?,s:s?,s:s?,s:s?}", "code", p->code, "name", p->name, "postcode",
                     p->postcode, "sub_icb_code", p->sub_icb_code, "icb_code", p->icb_code,
                     "supplier", p->supplier);
    return 1;
}

static int detail_band(const struct pcn_list_band *b, void *ud)
{
    struct practice_detail *d = ud;
    char sex[2] = {b->sex, '\0'};
    json_t *j = json_pack("{s:s,s:i,s:o}", "sex", sex, "age_from", b->age_from, "patients",
                          pcn__count_json(d->r, b->patients));

    d->failed = !j || json_array_append_new(d->list, j) != 0;
    return d->failed;
}

/* network, patients, memberships (table) and bands of one practice, added to d->j. */
static enum pcn_err practice_figures(struct practice_detail *d, const char *code, int32_t as_of)
{
    struct pcn__request *r = d->r;
    struct pcn_table *t = NULL;
    char network[8];
    int64_t n = 0;
    enum pcn_err rc = pcn_view_practice_memberships(r->store, code, &t);

    if (rc != PCN_OK)
        return rc;
    /* set_new takes its value even when it fails: no leak, and a failure is ENOMEM */
    if (json_object_set_new(d->j, "as_of", date_json(as_of)) != 0 ||
        json_object_set_new(d->j, "network",
                            pcn_registry_network_of(r->store, code, as_of, network) == PCN_OK
                                ? json_string(network)
                                : json_null()) != 0 ||
        json_object_set_new(d->j, "patients",
                            pcn_store_list_size_at(r->store, code, as_of, &n, NULL) == PCN_OK
                                ? pcn__count_json(r, n)
                                : json_null()) != 0 ||
        json_object_set_new(d->j, "memberships", pcn__table_json(t)) != 0)
        rc = PCN_ENOMEM;
    pcn_table_free(t);
    if (rc != PCN_OK)
        return rc;
    d->list = json_array();
    if (json_object_set_new(d->j, "bands", d->list) != 0 || !d->list)
        return PCN_ENOMEM;
    rc = pcn_store_each_list_band(r->store, code, as_of, detail_band, d);
    return rc == PCN_OK && d->failed ? PCN_ENOMEM : rc;
}

int pcn__api_practice(struct pcn__request *r)
{
    static const char *const params[] = {"as_of", NULL};
    struct practice_detail d = {r, NULL, NULL, false};
    const char *code = pcn__param(r, 0);
    int32_t as_of;
    enum pcn_err rc;

    if (!pcn__check_query(r, params) || !pcn__query_date(r, "as_of", &as_of))
        return 0;
    rc = code ? pcn_store_get_practice(r->store, code, detail_practice, &d) : PCN_ENOMEM;
    if (rc == PCN_OK && !d.j)
        rc = PCN_ENOMEM;
    if (rc == PCN_OK)
        rc = practice_figures(&d, code, as_of);
    if (rc != PCN_OK) {
        json_decref(d.j);
        return pcn__reply_store_error(r, rc);
    }
    return pcn__reply_json(r, 200, d.j);
}
