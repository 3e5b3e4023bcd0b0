/*
 * api_registry.c - the network registry over HTTP: the network served,
 * every network with its totals, practices (filtered and paged) and one
 * practice with its membership history and age/sex bands. Aggregates
 * only; counts below the suppression threshold are null for
 * aggregate-only roles. Results are cached by data version (api.c).
 */
#include "server/server_int.h"

#include <string.h>

#include "pcn/date.h"
#include "pcn/hash.h"
#include "pcn/registry_ops.h"
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

/* ---- practices of a network, with totals and an age/sex pyramid ---- */

struct practice_walk {
    struct pcn__request *r;
    const char *network; /* filter, or NULL */
    int32_t as_of;
    json_t *items;
    int64_t total;    /* matching practices */
    int64_t patients; /* their registered patients */
    int64_t offset;
    int64_t limit;
    int64_t bands[2][20]; /* [F, M][age_from / 5] summed over the practices */
    bool want_bands;
    bool failed;
};

static int add_band(const struct pcn_list_band *b, void *ud)
{
    struct practice_walk *w = ud;
    int sex = b->sex == 'M' ? 1 : 0;

    if (b->age_from >= 0 && b->age_from / 5 < 20)
        w->bands[sex][b->age_from / 5] += b->patients;
    return 0;
}

static int practice_row(const struct pcn_practice *p, void *ud)
{
    struct practice_walk *w = ud;
    struct pcn_store *s = w->r->store;
    char network[8] = "";
    int64_t n = 0;
    bool member = pcn_registry_network_of(s, p->code, w->as_of, network) == PCN_OK;
    bool has_size = pcn_store_list_size_at(s, p->code, w->as_of, &n, NULL) == PCN_OK;

    if (w->network && (!member || strcmp(network, w->network) != 0))
        return 0;
    w->total++;
    w->patients += has_size ? n : 0;
    if (w->want_bands && pcn_store_each_list_band(s, p->code, w->as_of, add_band, w) != PCN_OK)
        w->failed = true;
    if (w->total <= w->offset || (int64_t)json_array_size(w->items) >= w->limit)
        return w->failed;
    json_t *j =
        json_pack("{s:s,s:s,s:s?,s:s?,s:s?,s:o}", "code", p->code, "name", p->name, "postcode",
                  p->postcode, "network", member ? network : NULL, "supplier", p->supplier,
                  "patients", has_size ? pcn__count_json(w->r, n) : json_null());
    if (!j || json_array_append_new(w->items, j) != 0)
        w->failed = true;
    return w->failed;
}

static json_t *pyramid_json(struct pcn__request *r, const struct practice_walk *w)
{
    json_t *a = json_array();

    for (int sex = 0; a && sex < 2; sex++) {
        for (int band = 0; band < 20; band++) {
            json_t *j = json_pack("{s:s,s:i,s:o}", "sex", sex ? "M" : "F", "age_from", band * 5,
                                  "patients", pcn__count_json(r, w->bands[sex][band]));
            if (!j || json_array_append_new(a, j) != 0) {
                json_decref(a);
                return NULL;
            }
        }
    }
    return a;
}

struct network_pick {
    struct pcn__request *r;
    json_t *j;
};

static int pick_network(const struct pcn_network *n, void *ud)
{
    struct network_pick *p = ud;

    p->j = network_json(n);
    return 1;
}

int pcn__api_network(struct pcn__request *r)
{
    static const char *const params[] = {"code", "as_of", NULL};
    struct network_pick pick = {r, NULL};
    struct practice_walk w = {.r = r, .limit = INT64_MAX};
    const char *code = pcn__query(r, "code");
    enum pcn_err rc;

    if (!pcn__check_query(r, params) || !pcn__query_date(r, "as_of", &w.as_of))
        return 0;
    if (!code && r->srv->cfg.network[0])
        code = r->srv->cfg.network;
    rc = code ? pcn_store_get_network(r->store, code, pick_network, &pick)
              : pcn_store_each_network(r->store, pick_network, &pick);
    if (rc == PCN_OK && !pick.j && !code)
        return pcn__reply_error(r, 404, "not_found", "the registry has no networks");
    if (rc != PCN_OK || !pick.j)
        return pcn__reply_store_error(r, rc != PCN_OK ? rc : PCN_ENOMEM);
    w.network = json_string_value(json_object_get(pick.j, "code"));
    w.items = json_array();
    w.want_bands = true;
    rc = w.items ? pcn_store_each_practice(r->store, practice_row, &w) : PCN_ENOMEM;
    if (rc == PCN_OK && w.failed)
        rc = PCN_ENOMEM;
    if (rc != PCN_OK) {
        json_decref(pick.j);
        json_decref(w.items);
        return pcn__reply_store_error(r, rc);
    }
    (void)json_object_set_new(pick.j, "as_of", date_json(w.as_of));
    (void)json_object_set_new(pick.j, "patients", pcn__count_json(r, w.patients));
    (void)json_object_set_new(pick.j, "practices", w.items);
    (void)json_object_set_new(pick.j, "pyramid", pyramid_json(r, &w));
    (void)json_object_set_new(pick.j, "size_range",
                              json_pack("{s:i,s:i}", "min", 30000, "max", 50000));
    return pcn__reply_json(r, 200, pick.j);
}

/* ---- every network with practice and patient totals ---- */

struct networks_walk {
    struct pcn__request *r;
    json_t *items;
    struct pcn_strmap *index; /* code -> position in items */
    int32_t as_of;
};

static int network_row(const struct pcn_network *n, void *ud)
{
    struct networks_walk *w = ud;
    json_t *j = network_json(n);

    if (!j ||
        pcn_strmap_put(w->index, n->code, strlen(n->code), json_array_size(w->items)) != PCN_OK) {
        json_decref(j);
        return 1;
    }
    (void)json_object_set_new(j, "practices", json_integer(0));
    (void)json_object_set_new(j, "patients", json_integer(0));
    return json_array_append_new(w->items, j) != 0;
}

static void add_to(json_t *obj, const char *key, int64_t n)
{
    (void)json_object_set_new(obj, key,
                              json_integer(json_integer_value(json_object_get(obj, key)) + n));
}

static int count_practice(const struct pcn_practice *p, void *ud)
{
    struct networks_walk *w = ud;
    char network[8];
    uint64_t at;
    int64_t n = 0;

    if (pcn_registry_network_of(w->r->store, p->code, w->as_of, network) != PCN_OK ||
        !pcn_strmap_get(w->index, network, strlen(network), &at))
        return 0;
    json_t *j = json_array_get(w->items, at);
    add_to(j, "practices", 1);
    if (pcn_store_list_size_at(w->r->store, p->code, w->as_of, &n, NULL) == PCN_OK)
        add_to(j, "patients", n);
    return 0;
}

int pcn__api_networks(struct pcn__request *r)
{
    static const char *const params[] = {"as_of", NULL};
    struct networks_walk w = {r, json_array(), pcn_strmap_new(), 0};
    enum pcn_err rc = PCN_ENOMEM;

    if (!pcn__check_query(r, params) || !pcn__query_date(r, "as_of", &w.as_of))
        goto out;
    if (w.items && w.index)
        rc = pcn_store_each_network(r->store, network_row, &w);
    if (rc == PCN_OK && pcn_strmap_count(w.index) != json_array_size(w.items))
        rc = PCN_ENOMEM;
    if (rc == PCN_OK)
        rc = pcn_store_each_practice(r->store, count_practice, &w);
    if (rc != PCN_OK) {
        pcn__reply_store_error(r, rc);
        goto out;
    }
    for (size_t i = 0; i < json_array_size(w.items); i++) {
        json_t *j = json_array_get(w.items, i);
        int64_t n = json_integer_value(json_object_get(j, "patients"));
        (void)json_object_set_new(j, "patients", pcn__count_json(r, n));
    }
    pcn__reply_json(r, 200, json_pack("{s:o,s:o}", "as_of", date_json(w.as_of), "items", w.items));
    w.items = NULL;
out:
    json_decref(w.items);
    pcn_strmap_free(w.index);
    return 0;
}

/* ---- practices ---- */

int pcn__api_practices(struct pcn__request *r)
{
    static const char *const params[] = {"network", "as_of", "limit", "offset", NULL};
    struct practice_walk w = {.r = r, .network = pcn__query(r, "network")};
    enum pcn_err rc;

    if (!pcn__check_query(r, params) || !pcn__query_date(r, "as_of", &w.as_of) ||
        !pcn__query_int(r, "limit", 1, r->srv->cfg.max_page, 100, &w.limit) ||
        !pcn__query_int(r, "offset", 0, INT32_MAX, 0, &w.offset))
        return 0;
    w.items = json_array();
    rc = w.items ? pcn_store_each_practice(r->store, practice_row, &w) : PCN_ENOMEM;
    if (rc == PCN_OK && w.failed)
        rc = PCN_ENOMEM;
    if (rc != PCN_OK) {
        json_decref(w.items);
        return pcn__reply_store_error(r, rc);
    }
    return pcn__reply_json(r, 200,
                           json_pack("{s:o,s:o,s:I,s:I,s:I}", "as_of", date_json(w.as_of), "items",
                                     w.items, "total", (json_int_t)w.total, "limit",
                                     (json_int_t)w.limit, "offset", (json_int_t)w.offset));
}

struct practice_detail {
    struct pcn__request *r;
    json_t *j;
    json_t *list;
};

static int detail_practice(const struct pcn_practice *p, void *ud)
{
    struct practice_detail *d = ud;

    d->j = json_pack("{s:s,s:s,s:s?,s:s?,s:s?,s:s?}", "code", p->code, "name", p->name, "postcode",
                     p->postcode, "sub_icb_code", p->sub_icb_code, "icb_code", p->icb_code,
                     "supplier", p->supplier);
    return 1;
}

static int detail_membership(const struct pcn_membership *m, void *ud)
{
    struct practice_detail *d = ud;
    json_t *j = json_pack("{s:s,s:o,s:o}", "network", m->network, "from", date_json(m->start_date),
                          "to", date_json(m->end_date));

    return !j || json_array_append_new(d->list, j) != 0;
}

static int detail_band(const struct pcn_list_band *b, void *ud)
{
    struct practice_detail *d = ud;
    char sex[2] = {b->sex, '\0'};
    json_t *j = json_pack("{s:s,s:i,s:o}", "sex", sex, "age_from", b->age_from, "patients",
                          pcn__count_json(d->r, b->patients));

    return !j || json_array_append_new(d->list, j) != 0;
}

int pcn__api_practice(struct pcn__request *r)
{
    static const char *const params[] = {"as_of", NULL};
    struct practice_detail d = {r, NULL, NULL};
    const char *code = pcn__param(r, 0);
    int32_t as_of;
    int64_t n = 0;
    char network[8];
    enum pcn_err rc;

    if (!pcn__check_query(r, params) || !pcn__query_date(r, "as_of", &as_of))
        return 0;
    rc = code ? pcn_store_get_practice(r->store, code, detail_practice, &d) : PCN_ENOMEM;
    if (rc == PCN_OK && !d.j)
        rc = PCN_ENOMEM;
    if (rc != PCN_OK)
        return pcn__reply_store_error(r, rc);
    (void)json_object_set_new(d.j, "as_of", date_json(as_of));
    (void)json_object_set_new(d.j, "network",
                              pcn_registry_network_of(r->store, code, as_of, network) == PCN_OK
                                  ? json_string(network)
                                  : json_null());
    (void)json_object_set_new(d.j, "patients",
                              pcn_store_list_size_at(r->store, code, as_of, &n, NULL) == PCN_OK
                                  ? pcn__count_json(r, n)
                                  : json_null());
    d.list = json_array();
    (void)json_object_set_new(d.j, "memberships", d.list);
    rc = pcn_store_each_membership(r->store, code, detail_membership, &d);
    d.list = json_array();
    (void)json_object_set_new(d.j, "bands", d.list);
    if (rc == PCN_OK)
        rc = pcn_store_each_list_band(r->store, code, as_of, detail_band, &d);
    if (rc != PCN_OK) {
        json_decref(d.j);
        return pcn__reply_store_error(r, rc);
    }
    return pcn__reply_json(r, 200, d.j);
}
