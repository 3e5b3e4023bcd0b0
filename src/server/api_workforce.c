/*
 * api_workforce.c - the staff register over HTTP: the register itself
 * (clinical director, practice manager), WTE summaries and the comparison
 * with other networks (every data role; head counts suppressed for the
 * aggregate-only roles), adding a post and ending one. Writes are checked
 * by the service against the whole register, commit with their audit row,
 * and an end sends the version it read: a stale one is 409 with the post
 * as it now is. The network is ?network=, else the configured one, else
 * the registry's only network with members.
 */
#include "server/server_int.h"

#include <pthread.h>
#include <string.h>

#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/money.h"
#include "pcn/parse.h"
#include "pcn/rates.h"
#include "pcn/store_workforce.h"
#include "pcn/validate.h"
#include "pcn/views_workforce.h"
#include "pcn/workforce_ops.h"
#include "server/api_finance_int.h"
#include "util/common.h"

/* ---- the network and the rates of a request ---- */

bool pcn__finance_network(struct pcn__request *r, const char **ret)
{
    const char *q = pcn__query(r, "network");
    struct pcn_network_list *lists = NULL;
    size_t n = 0;
    int32_t as_of;
    struct pcn_error err;

    if (q) {
        if (!pcn_ods_is_valid(PCN_ODS_PCN, q, strlen(q))) {
            pcn__reply_error(r, 400, "invalid_parameter", "network: not a PCN code");
            return false;
        }
        *ret = q;
        return true;
    }
    if (r->srv->cfg.network[0]) {
        *ret = r->srv->cfg.network;
        return true;
    }
    if (!pcn__query_date(r, "as_of", &as_of)) /* the networks of the data's date */
        return false;
    if (pcn_network_lists(r->store, as_of, &lists, &n, &err) != PCN_OK) {
        pcn__reply_store_error(r, err.code);
        return false;
    }
    *ret = n == 1 ? pcn_arena_strdup(r->arena, lists[0].network) : NULL;
    pcn_network_lists_free(lists, n);
    if (!*ret) {
        pcn__reply_error(r, n == 1 ? 503 : 400, n == 1 ? "unavailable" : "missing_parameter",
                         n == 1 ? "out of memory" : "network: give ?network=CODE");
        return false;
    }
    return true;
}

/*
 * The rates, read once for the process's life (immutable once loaded) by
 * the first request that needs them. A failed read is not kept: out of
 * memory answers 503 and the next request tries again, so one failed
 * allocation does not leave finance unavailable until a restart.
 */
static pthread_mutex_t rates_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pcn_rates *rates_shared;

bool pcn__finance_rates(struct pcn__request *r, const struct pcn_rates **ret)
{
    struct pcn_error e;
    enum pcn_err rc = PCN_OK;

    pthread_mutex_lock(&rates_lock);
    if (!rates_shared)
        rc = pcn_rates_load(NULL, &rates_shared, &e);
    *ret = rc == PCN_OK ? rates_shared : NULL;
    pthread_mutex_unlock(&rates_lock);
    if (rc == PCN_ENOMEM)
        pcn__reply_error(r, 503, "unavailable", "out of memory");
    else if (rc != PCN_OK) {
        pcn__log("rates: %s", e.msg);
        pcn__reply_error(r, 500, "internal", "the contract rates could not be loaded");
    }
    return rc == PCN_OK;
}

int pcn__reply_error_detail(struct pcn__request *r, int status, const char *code, const char *msg,
                            const char *key, json_t *detail)
{
    json_t *e = json_pack("{s:s,s:s}", "code", code, "message", msg);

    if (!e || !detail) {
        json_decref(e);
        json_decref(detail);
        return pcn__reply_error(r, 503, "unavailable", "out of memory");
    }
    if (json_object_set_new(e, key, detail) != 0) { /* takes detail either way */
        json_decref(e);
        return pcn__reply_error(r, 503, "unavailable", "out of memory");
    }
    return pcn__reply_json(r, status, json_pack("{s:o}", "error", e));
}

json_t *pcn__findings_json(const struct pcn_findings *f)
{
    json_t *a = json_array();

    for (size_t i = 0; a && i < f->n; i++) {
        json_t *it = json_pack("{s:s,s:s,s:s,s:s}", "severity",
                               pcn_severity_name(f->items[i].severity), "code", f->items[i].code,
                               "where", f->items[i].where, "message", f->items[i].msg);
        if (!it || json_array_append_new(a, it) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

bool pcn__bad_field(struct pcn__request *r, const char *msg)
{
    pcn__reply_error(r, 400, "invalid_field", "%s", msg);
    return false;
}

const char *pcn__body_decimal(struct pcn__request *r, json_t *obj, const char *name, int decimals,
                              bool required)
{
    json_t *v = json_object_get(obj, name);
    char text[64];

    if (!v || json_is_null(v)) {
        if (required)
            pcn__reply_error(r, 400, "invalid_field", "%s is required", name);
        return NULL;
    }
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v))
        (void)snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) < 1e12)
        (void)snprintf(text, sizeof(text), "%.*f", decimals, json_real_value(v));
    else {
        pcn__reply_error(r, 400, "invalid_field", "%s: a number or a decimal string", name);
        return NULL;
    }
    return pcn_arena_strdup(r->arena, text);
}

/* ---- reads ---- */

/* The roles a post may have, [{key, name, group}] in the order of roles.csv (for forms). */
static json_t *roles_json(const struct pcn_rates *rates)
{
    const struct pcn_roles *roles = pcn_rates_roles(rates);
    json_t *a = json_array();

    for (size_t i = 0; a && i < pcn_roles_count(roles); i++) {
        const struct pcn_staff_role *role = pcn_roles_at(roles, i);
        if (json_array_append_new(a,
                                  json_pack("{s:s,s:s,s:s}", "key", role->key, "name", role->name,
                                            "group", pcn_role_group_name(role->group))) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

int pcn__api_workforce(struct pcn__request *r)
{
    static const char *const params[] = {"network", "as_of", "all", NULL};
    const struct pcn_rates *rates = NULL;
    struct pcn_staff *s = NULL;
    struct pcn_table *t = NULL;
    const char *network = NULL;
    struct pcn_error err;
    int32_t as_of;
    int64_t all = 0;
    enum pcn_err rc;
    char date[PCN_DATE_STR_SIZE];

    if (!pcn__check_query(r, params) || !pcn__query_date(r, "as_of", &as_of) ||
        !pcn__query_int(r, "all", 0, 1, 0, &all) || !pcn__finance_network(r, &network) ||
        !pcn__finance_rates(r, &rates))
        return 0;
    rc = pcn_workforce_load(r->store, pcn_rates_roles(rates), network, &s, &err);
    if (rc == PCN_OK)
        rc = pcn_view_staff(s, pcn_rates_roles(rates), as_of, (int)all, &t);
    pcn_staff_free(s);
    pcn_date_format(as_of, date);
    return pcn__reply_table(r, rc, t,
                            rc == PCN_OK ? json_pack("{s:s,s:s,s:o}", "network", network, "as_of",
                                                     date, "roles", roles_json(rates))
                                         : NULL);
}

/*
 * The head counts of a summary (people, posts), suppressed for
 * aggregate-only roles as patient counts are: a count of one or two staff
 * in a role points at a person.
 */
static enum pcn_err suppress_counts(struct pcn__request *r, json_t *j)
{
    static const char *const cols[] = {"people", "posts"};
    int below = pcn__suppress(r);
    json_t *rows = json_object_get(j, "rows");
    size_t i;
    json_t *row;

    if (below <= 0)
        return PCN_OK;
    json_array_foreach(rows, i, row)
    {
        for (size_t c = 0; c < PCN_ARRAY_SIZE(cols); c++) {
            json_t *v = json_object_get(row, cols[c]);
            json_int_t n = json_integer_value(v);
            if (json_is_integer(v) && n > 0 && n < below &&
                json_object_set_new(row, cols[c], json_null()) != 0)
                return PCN_ENOMEM;
        }
    }
    return PCN_OK;
}

/* Reply a summary table with suppression and the network beside it. */
static int reply_summary(struct pcn__request *r, struct pcn_table *t, const char *network,
                         int32_t as_of)
{
    char date[PCN_DATE_STR_SIZE];
    json_t *j = pcn__table_json(t);

    pcn_table_free(t);
    pcn_date_format(as_of, date);
    if (!j || suppress_counts(r, j) != PCN_OK ||
        json_object_set_new(j, "network", json_string(network)) != 0 ||
        json_object_set_new(j, "as_of", json_string(date)) != 0) {
        json_decref(j);
        return pcn__reply_error(r, 503, "unavailable", "out of memory");
    }
    return pcn__reply_json(r, 200, j);
}

int pcn__api_workforce_summary(struct pcn__request *r)
{
    static const char *const params[] = {"network", "as_of", "by", NULL};
    const struct pcn_rates *rates = NULL;
    struct pcn_table *t = NULL;
    const char *network = NULL;
    const char *by_s = pcn__query(r, "by");
    enum pcn_wte_by by = PCN_WTE_BY_ROLE;
    struct pcn_error err;
    int32_t as_of;
    enum pcn_err rc;

    if (!pcn__check_query(r, params) || !pcn__query_date(r, "as_of", &as_of))
        return 0;
    if (by_s && pcn_wte_by_parse(by_s, &by) != PCN_OK)
        return pcn__reply_error(r, 400, "invalid_parameter",
                                "by: role, group, site, practice, employer or funding");
    if (!pcn__finance_network(r, &network) || !pcn__finance_rates(r, &rates))
        return 0;
    rc = pcn_workforce_summary(r->store, pcn_rates_roles(rates), network, as_of, by, &t, &err);
    if (rc == PCN_ENOTFOUND)
        return pcn__reply_error(r, 404, "not_found", "%s", err.msg);
    if (rc != PCN_OK)
        return pcn__reply_store_error(r, rc);
    return reply_summary(r, t, network, as_of);
}

int pcn__api_workforce_compare(struct pcn__request *r)
{
    static const char *const params[] = {"network", "as_of", "by", NULL};
    const struct pcn_rates *rates = NULL;
    struct pcn_table *t = NULL;
    const char *network = NULL;
    const char *by_s = pcn__query(r, "by");
    enum pcn_wte_by by = PCN_WTE_BY_GROUP;
    struct pcn_error err;
    int32_t as_of;
    enum pcn_err rc;

    if (!pcn__check_query(r, params) || !pcn__query_date(r, "as_of", &as_of))
        return 0;
    if (by_s && (pcn_wte_by_parse(by_s, &by) != PCN_OK ||
                 (by != PCN_WTE_BY_ROLE && by != PCN_WTE_BY_GROUP)))
        return pcn__reply_error(r, 400, "invalid_parameter", "by: role or group");
    if (!pcn__finance_network(r, &network) || !pcn__finance_rates(r, &rates))
        return 0;
    rc = pcn_workforce_comparison(r->store, pcn_rates_roles(rates), network, as_of, by, &t, &err);
    if (rc == PCN_ENOTFOUND)
        return pcn__reply_error(r, 404, "not_found", "%s", err.msg);
    if (rc != PCN_OK)
        return pcn__reply_store_error(r, rc);
    return reply_summary(r, t, network, as_of);
}

/* ---- writes ---- */

/* A post as JSON, as the staff table has it (for 409 replies). */
static int post_json(const struct pcn_store_post *p, void *ud)
{
    json_t **ret = ud;
    char start[PCN_DATE_STR_SIZE];
    char end[PCN_DATE_STR_SIZE];
    char wte[PCN_WTE_STR_SIZE];

    pcn_date_format(p->start_date, start);
    pcn_date_format(p->end_date, end);
    pcn_wte_format(p->wte, wte);
    *ret = json_pack("{s:I,s:I,s:s,s:s,s:s,s:s?,s:s,s:s,s:s?,s:s}", "id", (json_int_t)p->id,
                     "version", (json_int_t)p->version, "network", p->network, "person", p->person,
                     "role", p->role, "band", p->band, "wte", wte, "start", start, "end",
                     end[0] ? end : NULL, "employer", p->employer);
    return 1;
}

/* Commit a write with its audit row; 409 with the post's current state on a conflict. */
static int finish(struct pcn__request *r, enum pcn_err rc, const struct pcn_error *err, int64_t id,
                  int status, json_t *reply)
{
    json_t *current = NULL;

    if (rc == PCN_OK && !reply)
        rc = PCN_ENOMEM; /* not committed: the client is told it failed */
    if (rc == PCN_OK)
        rc = pcn__audit_tx(r, status);
    if (rc == PCN_OK)
        rc = pcn__commit(r);
    if (rc == PCN_OK)
        return pcn__reply_json(r, status, reply);
    pcn__rollback(r);
    r->audited = false;
    json_decref(reply);
    if (rc == PCN_ECONFLICT && id > 0 &&
        pcn_store_get_post(r->store, id, post_json, &current) == PCN_OK && current)
        return pcn__reply_error_detail(r, 409, "conflict", err->msg, "current", current);
    if (rc == PCN_EINVAL && err->msg[0])
        return pcn__reply_error(r, 400, "invalid_field", "%s", err->msg);
    return pcn__reply_store_error(r, rc);
}

int pcn__api_workforce_end(struct pcn__request *r)
{
    static const char *const fields[] = {"end", "version", NULL};
    json_t *body = pcn__body_object(r, fields);
    const char *id_s = pcn__param(r, 0);
    const char *end_s = body ? pcn__body_string(r, body, "end", true) : NULL;
    json_t *version_j = body ? json_object_get(body, "version") : NULL;
    struct pcn_error err = {PCN_OK, ""};
    int64_t id = 0;
    int64_t version = 0;
    int32_t end;
    enum pcn_err rc;

    if (!end_s || !pcn__check_query(r, NULL))
        return 0;
    r->object_type = "staff_post";
    r->object_id = id_s;
    if (!id_s || pcn_parse_range(id_s, strlen(id_s), 1, INT64_MAX, &id) != PCN_OK)
        return pcn__reply_error(r, 404, "not_found", "no such post");
    if (!json_is_integer(version_j) || json_integer_value(version_j) < 1)
        return pcn__reply_error(r, 400, "invalid_field", "version: the version you read");
    if (pcn_date_parse(end_s, strlen(end_s), &end) != PCN_OK)
        return pcn__reply_error(r, 400, "invalid_field", "end: a date YYYY-MM-DD");
    rc = pcn__begin(r);
    if (rc == PCN_OK)
        rc = pcn_workforce_end(r->store, id, json_integer_value(version_j), end, &version, &err);
    return finish(r, rc, &err, id, 200,
                  json_pack("{s:I,s:I,s:s}", "id", (json_int_t)id, "version", (json_int_t)version,
                            "end", end_s));
}

/* An optional string member: absent or null gives NULL; another type replies 400. */
static bool opt_string(struct pcn__request *r, json_t *b, const char *name, const char **ret)
{
    json_t *v = json_object_get(b, name);

    *ret = json_is_string(v) ? json_string_value(v) : NULL;
    if (!v || json_is_null(v) || json_is_string(v))
        return true;
    pcn__reply_error(r, 400, "invalid_field", "%s must be a string", name);
    return false;
}

/* The body of a new post into p (strings live in the request's body or arena). */
static bool post_from_body(struct pcn__request *r, json_t *b, const struct pcn_roles *roles,
                           struct pcn_post_site *sites, struct pcn_post *p)
{
    const char *role = pcn__body_string(r, b, "role", true);
    const char *wte = role ? pcn__body_decimal(r, b, "wte", 6, true) : NULL;
    const char *start = wte ? pcn__body_string(r, b, "start", true) : NULL;
    const char *employer = start ? pcn__body_string(r, b, "employer", true) : NULL;
    const char *funding = employer ? pcn__body_string(r, b, "funding", true) : NULL;
    const char *person = funding ? pcn__body_string(r, b, "person", true) : NULL;
    const char *band = NULL;
    const char *end = NULL;
    const char *cost = NULL;
    const char *cost_per = NULL;
    json_t *list = json_object_get(b, "sites");
    size_t i;
    json_t *it;

    if (!person)
        return false;
    memset(p, 0, sizeof(*p));
    p->person = person;
    p->role = pcn_roles_find(roles, role, strlen(role));
    if (!opt_string(r, b, "band", &band) || !opt_string(r, b, "end", &end) ||
        !opt_string(r, b, "cost_per", &cost_per) || !opt_string(r, b, "name", &p->name) ||
        !opt_string(r, b, "employer_code", &p->employer_code))
        return false;
    cost = pcn__body_decimal(r, b, "cost", 2, false);
    if (p->role < 0)
        return pcn__bad_field(r, "role: unknown role");
    if (pcn_wte_parse(wte, strlen(wte), &p->wte) != PCN_OK)
        return pcn__bad_field(r, "wte: a WTE such as 0.8");
    if (band && pcn_band_parse(band, strlen(band), &p->band) != PCN_OK)
        return pcn__bad_field(r, "band: an Agenda for Change band");
    if (pcn_date_parse(start, strlen(start), &p->start) != PCN_OK)
        return pcn__bad_field(r, "start: a date YYYY-MM-DD");
    p->end = PCN_DATE_NONE;
    if (end && pcn_date_parse(end, strlen(end), &p->end) != PCN_OK)
        return pcn__bad_field(r, "end: a date YYYY-MM-DD");
    if (pcn_employer_parse(employer, &p->employer) != PCN_OK ||
        pcn_funding_parse(funding, &p->funding) != PCN_OK ||
        (cost_per && pcn_cost_per_parse(cost_per, &p->cost_per) != PCN_OK))
        return pcn__bad_field(r, "employer, funding or cost_per: not one of its names");
    p->has_cost = cost != NULL;
    if (cost && pcn_pence_parse(cost, strlen(cost), &p->cost) != PCN_OK)
        return pcn__bad_field(r, "cost: pounds such as 52340.50");
    if (list && (!json_is_array(list) || json_array_size(list) > PCN_POST_SITES_MAX))
        return pcn__bad_field(r, "sites: at most 16 {site, sessions}");
    json_array_foreach(list, i, it)
    {
        json_t *site = json_object_get(it, "site");
        json_t *n = json_object_get(it, "sessions");
        if (!json_is_string(site) || (n && (!json_is_integer(n) || json_integer_value(n) < 0 ||
                                            json_integer_value(n) > PCN_SESSIONS_MAX)))
            return pcn__bad_field(r, "sites: each {\"site\": text, \"sessions\": 0-14}");
        sites[i].site = json_string_value(site);
        sites[i].sessions = n ? (int)json_integer_value(n) : 0;
    }
    p->sites = sites;
    p->n_sites = list ? json_array_size(list) : 0;
    return true;
}

int pcn__api_workforce_add(struct pcn__request *r)
{
    static const char *const fields[] = {"person",   "name",          "role",  "band", "wte",
                                         "employer", "employer_code", "start", "end",  "cost",
                                         "cost_per", "funding",       "sites", NULL};
    json_t *body = pcn__body_object(r, fields);
    struct pcn_post_site sites[PCN_POST_SITES_MAX];
    struct pcn_findings f = PCN_FINDINGS_INIT;
    struct pcn_error err = {PCN_OK, ""};
    const struct pcn_rates *rates = NULL;
    const char *network = NULL;
    struct pcn_post p;
    int64_t id = 0;
    enum pcn_err rc;
    int ret;

    if (!body || !pcn__check_query(r, (const char *const[]){"network", NULL}) ||
        !pcn__finance_network(r, &network) || !pcn__finance_rates(r, &rates))
        return 0;
    if (!post_from_body(r, body, pcn_rates_roles(rates), sites, &p)) {
        return 0;
    }
    p.network = network;
    r->object_type = "staff_post";
    r->object_id = p.person;
    rc = pcn__begin(r);
    if (rc == PCN_OK)
        rc = pcn_workforce_add(r->store, rates, &p, &f, &id, &err);
    if (rc == PCN_EINVAL && f.n_errors) {
        pcn__rollback(r);
        r->audited = false;
        ret = pcn__reply_error_detail(r, 400, "invalid_field", err.msg, "findings",
                                      pcn__findings_json(&f));
    } else {
        ret = finish(r, rc, &err, 0, 201,
                     json_pack("{s:I,s:I,s:o}", "id", (json_int_t)id, "version", (json_int_t)1,
                               "warnings", pcn__findings_json(&f)));
    }
    pcn_findings_release(&f);
    return ret;
}
