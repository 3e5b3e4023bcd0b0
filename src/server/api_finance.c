/*
 * api_finance.c - a network's money over HTTP (clinical director and
 * practice manager): the year's DES income, ARRS budget and months with
 * the saved inputs and the warnings; the claims and the claim export
 * (CSV); distribution to practices and what-if on its method; what-if on
 * a hire; saving the inputs and the network agreement under a version
 * check (409 with the inputs as they now are); and every network's year
 * for the ICB (also the analyst). Each reply is built by the same
 * services and views as `pcn finance`.
 */
#include "server/server_int.h"

#include <string.h>

#include "pcn/alloc.h"
#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/money.h"
#include "pcn/rates.h"
#include "pcn/views_finance.h"
#include "pcn/workforce_ops.h"
#include "server/api_finance_int.h"
#include "util/common.h"

/* The year's report for the request's network: ?network, ?year, ?as_of (and what-if overrides). */
static bool report_for(struct pcn__request *r, const char *const *params,
                       const struct pcn_finance_overrides *ov, const struct pcn_rates **ret_rates,
                       struct pcn_finance_report **ret)
{
    const char *network = NULL;
    const char *year = pcn__query(r, "year");
    struct pcn_error err = {PCN_OK, ""};
    int32_t as_of;
    enum pcn_err rc;

    if (!pcn__check_query(r, params) || !pcn__query_date(r, "as_of", &as_of) ||
        !pcn__finance_network(r, &network) || !pcn__finance_rates(r, ret_rates))
        return false;
    if (year && !pcn_rates_find_year(*ret_rates, year)) {
        pcn__reply_error(r, 400, "invalid_parameter", "year: no such contract year (2025-26)");
        return false;
    }
    rc = pcn_finance_report_build(r->store, *ret_rates, network, year, as_of, ov, ret, &err);
    if (rc == PCN_OK)
        return true;
    if (rc == PCN_EINVAL && *ret) {
        pcn__reply_error_detail(r, 422, "register_errors", err.msg, "findings",
                                pcn__findings_json(&(*ret)->findings));
        pcn_finance_report_free(*ret);
    } else if (rc == PCN_ENOTFOUND) {
        pcn__reply_error(r, 404, "not_found", "%s", err.msg);
    } else {
        pcn__reply_store_error(r, rc);
    }
    return false;
}

/*
 * The members every finance reply carries beside its tables; NULL when out
 * of memory (the findings are never left out: a reply without them would
 * hide a warning).
 */
static json_t *report_head(const struct pcn_finance_report *rep)
{
    char as_of[PCN_DATE_STR_SIZE];
    char list_date[PCN_DATE_STR_SIZE];

    pcn_date_format(rep->as_of, as_of);
    pcn_date_format(rep->facts->list_date, list_date);
    return json_pack("{s:s,s:s?,s:s,s:s,s:I,s:s?,s:o}", "network", rep->facts->code, "name",
                     rep->facts->name, "year", pcn_contract_key(rep->year), "as_of", as_of,
                     "registered", (json_int_t)rep->facts->registered, "list_date",
                     list_date[0] ? list_date : NULL, "findings",
                     pcn__findings_json(&rep->findings));
}

/* The contract years in the rates, oldest first (what ?year= may be). */
static json_t *years_json(const struct pcn_rates *rates)
{
    json_t *a = json_array();

    for (size_t i = 0; a && i < pcn_rates_n_years(rates); i++) {
        if (json_array_append_new(a, json_string(pcn_contract_key(pcn_rates_year(rates, i)))) !=
            0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/*
 * Put the table *t (freed, *t reset) under key in j; false on ENOMEM. By
 * address: the view that fills *t is an argument of the same call.
 */
static bool put_table(json_t *j, const char *key, enum pcn_err rc, struct pcn_table **t)
{
    json_t *tj = rc == PCN_OK ? pcn__table_json(*t) : NULL;

    pcn_table_free(*t);
    *t = NULL;
    return tj && json_object_set_new(j, key, tj) == 0;
}

/* The saved inputs as the finance_inputs table. */
struct inputs_copy {
    struct pcn_store_finance f;
    struct pcn_store_finance_item items[64];
    size_t n;
    struct pcn_arena *a;
};

static const char *copy(struct inputs_copy *c, const char *s)
{
    return s ? pcn_arena_strdup(c->a, s) : NULL;
}

static int copy_inputs(const struct pcn_store_finance *f, void *ud)
{
    struct inputs_copy *c = ud;

    c->f = *f;
    c->f.london = copy(c, f->london);
    return 0;
}

static int copy_item(const struct pcn_store_finance_item *it, void *ud)
{
    struct inputs_copy *c = ud;

    if (c->n == PCN_ARRAY_SIZE(c->items))
        return 1;
    c->items[c->n++] =
        (struct pcn_store_finance_item){copy(c, it->kind), copy(c, it->line), copy(c, it->value),
                                        copy(c, it->practice), copy(c, it->label)};
    return 0;
}

static enum pcn_err inputs_table(struct pcn__request *r, const char *network, const char *year,
                                 struct pcn_table **ret)
{
    struct inputs_copy *c = pcn_arena_calloc(r->arena, 1, sizeof(*c));
    enum pcn_err rc;

    if (!c)
        return PCN_ENOMEM;
    c->a = r->arena;
    rc = pcn_store_get_finance(r->store, network, year, copy_inputs, copy_item, c);
    return rc == PCN_OK ? pcn_view_finance_inputs(&c->f, c->items, c->n, ret) : rc;
}

int pcn__api_finance(struct pcn__request *r)
{
    static const char *const params[] = {"network", "year", "as_of", NULL};
    const struct pcn_rates *rates = NULL;
    struct pcn_finance_report *rep = NULL;
    struct pcn_table *t = NULL;
    json_t *j;
    bool ok;

    if (!report_for(r, params, NULL, &rates, &rep))
        return 0;
    j = report_head(rep);
    ok = j && json_object_set_new(j, "years", years_json(rates)) == 0;
    ok = ok && put_table(j, "income", pcn_view_des_income(rep->income, &t), &t);
    ok = ok && put_table(j, "budget", pcn_view_arrs_budget(rep->arrs, &t), &t);
    ok = ok && put_table(j, "months", pcn_view_arrs_months(rep->arrs, &t), &t);
    ok = ok && put_table(j, "inputs",
                         inputs_table(r, rep->facts->code, pcn_contract_key(rep->year), &t), &t);
    if (ok)
        ok = json_object_set_new(j, "inputs_version", json_integer(rep->inputs->version)) == 0;
    pcn_finance_report_free(rep);
    if (!ok) {
        json_decref(j);
        return pcn__reply_error(r, 503, "unavailable", "out of memory");
    }
    return pcn__reply_json(r, 200, j);
}

int pcn__api_finance_claims(struct pcn__request *r)
{
    static const char *const params[] = {"network", "year", "as_of", NULL};
    const struct pcn_rates *rates = NULL;
    struct pcn_finance_report *rep = NULL;
    struct pcn_table *t = NULL;
    enum pcn_err rc;
    json_t *head;

    if (!report_for(r, params, NULL, &rates, &rep))
        return 0;
    rc = pcn_view_arrs_claims(rep->arrs, rep->staff, &t);
    head = rc == PCN_OK ? report_head(rep) : NULL;
    pcn_finance_report_free(rep);
    return pcn__reply_table(r, rc, t, head);
}

int pcn__api_finance_export(struct pcn__request *r)
{
    static const char *const params[] = {"network", "year", "as_of", NULL};
    const struct pcn_rates *rates = NULL;
    struct pcn_finance_report *rep = NULL;
    struct pcn_table *t = NULL;
    struct pcn_buf csv = PCN_BUF_INIT;
    char *body = NULL;
    char name[96];
    enum pcn_err rc;

    if (!report_for(r, params, NULL, &rates, &rep))
        return 0;
    rc = pcn_view_arrs_claim_export(rep->arrs, rep->staff, rep->facts->code, rep->facts->name, &t);
    if (rc == PCN_OK)
        rc = pcn_table_render(t, PCN_FORMAT_CSV, &csv);
    if (rc == PCN_OK) {
        body = pcn_arena_strndup(r->arena, csv.buf, csv.len);
        rc = body ? PCN_OK : PCN_ENOMEM;
    }
    (void)snprintf(name, sizeof(name), "attachment; filename=\"arrs-claim-%s-%s.csv\"",
                   rep->facts->code, pcn_contract_key(rep->year));
    r->disposition = pcn_arena_strdup(r->arena, name);
    if (rc == PCN_OK && !r->disposition)
        rc = PCN_ENOMEM; /* never a CSV without its file name */
    pcn_table_free(t);
    pcn_buf_release(&csv);
    pcn_finance_report_free(rep);
    if (rc != PCN_OK)
        return pcn__reply_store_error(r, rc);
    return pcn__reply_raw(r, 200, "text/csv; charset=utf-8", body, strlen(body));
}

int pcn__api_finance_distribution(struct pcn__request *r)
{
    static const char *const params[] = {"network", "year", "as_of", "method", NULL};
    struct pcn_finance_overrides ov = {0};
    const char *method = pcn__query(r, "method");
    const struct pcn_rates *rates = NULL;
    struct pcn_finance_report *rep = NULL;
    struct pcn_table *t = NULL;
    enum pcn_err rc = PCN_EINVAL;
    json_t *head;

    if (method) {
        if (pcn_share_method_parse(method, &ov.method) != PCN_OK)
            return pcn__reply_error(r, 400, "invalid_parameter",
                                    "method: registered, weighted, fixed or equal");
        ov.has_method = 1;
    }
    if (!report_for(r, params, &ov, &rates, &rep))
        return 0;
    if (rep->distribution)
        rc = pcn_view_distribution(rep->distribution, &t);
    head = report_head(rep);
    pcn_finance_report_free(rep);
    if (rc == PCN_EINVAL) /* the agreement cannot be applied: the findings say why */
        return pcn__reply_error_detail(r, 422, "agreement",
                                       "the network agreement cannot be applied", "detail", head);
    return pcn__reply_table(r, rc, t, head);
}

/* The hire of a what-if from the query. */
static bool hire_of(struct pcn__request *r, const struct pcn_rates *rates, struct pcn_hire *h)
{
    const char *role = pcn__query(r, "role");
    const char *band = pcn__query(r, "band");
    const char *wte = pcn__query(r, "wte");
    const char *cost = pcn__query(r, "cost");

    memset(h, 0, sizeof(*h));
    h->end = PCN_DATE_NONE;
    if (!role || !wte || !pcn__query(r, "start")) {
        pcn__reply_error(r, 400, "missing_parameter", "role, wte and start are required");
        return false;
    }
    h->role = pcn_roles_find(pcn_rates_roles(rates), role, strlen(role));
    if (h->role < 0 || pcn_wte_parse(wte, strlen(wte), &h->wte) != PCN_OK ||
        (band && pcn_band_parse(band, strlen(band), &h->band) != PCN_OK) ||
        (cost && pcn_pence_parse(cost, strlen(cost), &h->cost) != PCN_OK)) {
        pcn__reply_error(r, 400, "invalid_parameter", "role, wte, band or cost is not valid");
        return false;
    }
    h->has_cost = cost != NULL;
    if (!pcn__query_date(r, "start", &h->start))
        return false;
    if (pcn__query(r, "end") && !pcn__query_date(r, "end", &h->end))
        return false;
    return true;
}

int pcn__api_finance_what_if(struct pcn__request *r)
{
    static const char *const params[] = {"network", "year",  "as_of", "role", "band",
                                         "wte",     "start", "end",   "cost", NULL};
    const struct pcn_rates *rates = NULL;
    struct pcn_finance_report *rep = NULL;
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_table *t = NULL;
    struct pcn_hire h;
    struct pcn_what_if w;
    enum pcn_err rc;
    int ret;

    if (!report_for(r, params, NULL, &rates, &rep))
        return 0;
    if (!hire_of(r, rates, &h)) {
        pcn_finance_report_free(rep);
        return 0;
    }
    rc = pcn_arrs_what_if(rep->arrs, &rep->inputs->in, &h, &w, &f);
    if (rc == PCN_OK)
        rc = pcn_view_what_if(rep->arrs, &h, &w, &t);
    if (rc == PCN_EINVAL)
        ret = pcn__reply_error_detail(r, 400, "invalid_parameter",
                                      f.n ? f.items[0].msg : "the hire cannot be priced",
                                      "findings", pcn__findings_json(&f));
    else
        ret = pcn__reply_table(r, rc, t, rc == PCN_OK ? report_head(rep) : NULL);
    pcn_findings_release(&f);
    pcn_finance_report_free(rep);
    return ret;
}

int pcn__api_finance_networks(struct pcn__request *r)
{
    static const char *const params[] = {"year", "as_of", NULL};
    const char *year = pcn__query(r, "year");
    const struct pcn_rates *rates = NULL;
    struct pcn_table *t = NULL;
    struct pcn_error err = {PCN_OK, ""};
    int32_t as_of;
    enum pcn_err rc;
    char date[PCN_DATE_STR_SIZE];

    if (!pcn__check_query(r, params) || !pcn__query_date(r, "as_of", &as_of) ||
        !pcn__finance_rates(r, &rates))
        return 0;
    rc = year && !pcn_rates_find_year(rates, year)
             ? PCN_ENOTFOUND
             : pcn_finance_networks(r->store, rates, year, as_of, &t, &err);
    pcn_date_format(as_of, date);
    return pcn__reply_table(r, rc, t, rc == PCN_OK ? json_pack("{s:s}", "as_of", date) : NULL);
}

/* ---- saving inputs ---- */

/* The items of the body: allocations [{line, pounds}] and agreement [{rule, line, ...}]. */
static bool items_of(struct pcn__request *r, json_t *body, struct pcn_store_finance_item *items,
                     size_t max, size_t *ret_n)
{
    json_t *allocs = json_object_get(body, "allocations");
    json_t *rules = json_object_get(body, "agreement");
    size_t n = 0;
    size_t i;
    json_t *it;

    if ((allocs && !json_is_array(allocs)) || (rules && !json_is_array(rules)) ||
        json_array_size(allocs) + json_array_size(rules) > max) {
        pcn__reply_error(r, 400, "invalid_field",
                         "allocations and agreement: arrays, at most "
                         "64 items in all");
        return false;
    }
    json_array_foreach(allocs, i, it)
    {
        const char *line = json_string_value(json_object_get(it, "line"));
        const char *pounds = pcn__body_decimal(r, it, "pounds", 2, true);
        if (!line || !pounds)
            return pcn__bad_field(r, "allocations: {line, pounds}");
        items[n++] = (struct pcn_store_finance_item){"allocation", line, pounds, NULL, NULL};
    }
    json_array_foreach(rules, i, it)
    {
        const char *rule = json_string_value(json_object_get(it, "rule"));
        const char *line = json_string_value(json_object_get(it, "line"));
        const char *value = json_string_value(json_object_get(it, "value"));
        if (!rule || !value)
            return pcn__bad_field(r, "agreement: {rule, line, value, practice, label}");
        items[n++] = (struct pcn_store_finance_item){
            rule, line ? line : "all", value, json_string_value(json_object_get(it, "practice")),
            json_string_value(json_object_get(it, "label"))};
    }
    *ret_n = n;
    return true;
}

/* A figure of the body: -1 when absent or null (unknown). */
static bool figure_of(struct pcn__request *r, json_t *body, const char *name, int64_t max,
                      int64_t *ret)
{
    json_t *v = json_object_get(body, name);

    *ret = -1;
    if (!v || json_is_null(v))
        return true;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max) {
        pcn__reply_error(r, 400, "invalid_field", "%s: a whole number up to %lld, or null", name,
                         (long long)max);
        return false;
    }
    *ret = json_integer_value(v);
    return true;
}

int pcn__api_finance_inputs(struct pcn__request *r)
{
    static const char *const fields[] = {
        "year",         "version", "adjusted",    "weighted",  "beds", "iif_points",
        "caip_percent", "london",  "allocations", "agreement", NULL};
    json_t *body = pcn__body_object(r, fields);
    const char *year = body ? pcn__body_string(r, body, "year", true) : NULL;
    struct pcn_store_finance_item items[64];
    struct pcn_store_finance f = {NULL, NULL, 0, -1, -1, -1, -1, -1, ""};
    struct pcn_error err = {PCN_OK, ""};
    struct pcn_table *t = NULL;
    json_t *version = body ? json_object_get(body, "version") : NULL;
    size_t n = 0;
    int64_t saved = 0;
    enum pcn_err rc;

    if (!year || !pcn__check_query(r, (const char *const[]){"network", NULL}) ||
        !pcn__finance_network(r, &f.network))
        return 0;
    f.year = year;
    r->object_type = "network_finance";
    r->object_id = f.network;
    if (!json_is_integer(version) || json_integer_value(version) < 0)
        return pcn__reply_error(r, 400, "invalid_field", "version: the version you read (0: new)");
    f.version = json_integer_value(version);
    f.london = json_is_string(json_object_get(body, "london"))
                   ? json_string_value(json_object_get(body, "london"))
                   : "";
    if (!figure_of(r, body, "adjusted", 100000000, &f.adjusted) ||
        !figure_of(r, body, "weighted", 100000000, &f.weighted) ||
        !figure_of(r, body, "beds", 100000, &f.beds) ||
        !figure_of(r, body, "iif_points", 10000, &f.iif_points) ||
        !figure_of(r, body, "caip_percent", 100, &f.caip_percent) ||
        !items_of(r, body, items, PCN_ARRAY_SIZE(items), &n))
        return 0;
    rc = pcn__begin(r);
    if (rc == PCN_OK)
        rc = pcn_finance_inputs_save(r->store, &f, items, n, &saved, &err);
    if (rc == PCN_OK)
        rc = pcn__audit_tx(r, 200);
    if (rc == PCN_OK)
        rc = pcn__commit(r);
    if (rc == PCN_OK)
        return pcn__reply_json(r, 200,
                               json_pack("{s:s,s:s,s:I}", "network", f.network, "year", year,
                                         "version", (json_int_t)saved));
    pcn__rollback(r);
    r->audited = false;
    if (rc == PCN_ECONFLICT && inputs_table(r, f.network, year, &t) == PCN_OK) {
        json_t *cur = pcn__table_json(t);
        pcn_table_free(t);
        return pcn__reply_error_detail(r, 409, "conflict", err.msg, "current", cur);
    }
    if ((rc == PCN_EINVAL || rc == PCN_EPARSE) && err.msg[0])
        return pcn__reply_error(r, 400, "invalid_field", "%s", err.msg);
    return pcn__reply_store_error(r, rc);
}
