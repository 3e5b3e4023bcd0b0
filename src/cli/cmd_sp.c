/*
 * cmd_sp.c - pcn sp: social prescribing from the command line. The asset
 * directory (import, export, list, search), referrals and what is recorded
 * on them (add, list, show, move, assign, plan, contact, goal, connect,
 * attend), wellbeing questionnaires and outcomes, the reports (caseloads,
 * activity, rates, categories, coverage) and recoding. Lists come from the
 * views shared with the API (pcn/sp_views.h); every write runs in one
 * transaction with its audit row.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "pcn/audit.h"
#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/geo.h"
#include "pcn/parse.h"
#include "pcn/sp_ops.h"
#include "pcn/sp_views.h"
#include "pcn/store_population.h"
#include "pcn/store_sp.h"
#include "util/common.h"

static const char sp_usage[] =
    "usage: pcn sp assets import --db FILE [--postcodes FILE] CSV\n"
    "       pcn sp assets export --db FILE [--out CSV]\n"
    "       pcn sp assets list   --db FILE [--stale] [--inactive] [--format F]\n"
    "       pcn sp assets search --db FILE [--category LIST] [--postcode PC | --patient ID]\n"
    "                            [--km N] [--text WORDS] [--age N] [--limit N] [--format F]\n"
    "       pcn sp referrals add --db FILE --patient ID --source S [--channel C]\n"
    "                            [--referrer NAME] [--worklist NAME] [--needs LIST]\n"
    "                            [--reason TEXT] [--link-worker USER] --by USER\n"
    "       pcn sp referrals list --db FILE [--link-worker USER] [--open] [--format F]\n"
    "       pcn sp referrals show --db FILE [--format F] ID\n"
    "       pcn sp referrals move --db FILE --to STATE [--close-reason R] [--note TEXT]\n"
    "                            --version N --by USER ID\n"
    "       pcn sp referrals assign --db FILE --link-worker USER --version N --by USER ID\n"
    "       pcn sp referrals plan --db FILE --what-matters TEXT [--needs LIST]\n"
    "                            --version N --by USER ID\n"
    "       pcn sp referrals contact --db FILE --type T --minutes N [--not-reached]\n"
    "                            [--notes TEXT] [--at TIME] --by USER ID\n"
    "       pcn sp referrals goal --db FILE --text TEXT [--target DATE] ID\n"
    "       pcn sp referrals goal-status --db FILE --goal G --status S --version N ID\n"
    "       pcn sp referrals connect --db FILE --asset A [--on DATE] ID\n"
    "       pcn sp referrals attend --db FILE --connection C --attendance A --version N ID\n"
    "       pcn sp outcomes record --db FILE --instrument ons4|swemwbs|wemwbs\n"
    "                            --items 7,8,6,3 [--at TIME] --by USER ID\n"
    "       pcn sp outcomes --db FILE [--people] [--link-worker USER] [--format F]\n"
    "       pcn sp report caseloads|activity|rates|categories|coverage --db FILE\n"
    "                            [--from DATE] [--until DATE] [--format F]\n"
    "       pcn sp recode --db FILE\n"
    "Reports and lists count days up to --as-of DATE (default: the data's date).\n"
    "Times are YYYY-MM-DD or YYYY-MM-DDThh:mm (UTC); --at defaults to now.\n"
    "States, sources, categories and the CSV format: docs/formats.md, docs/internals/sp.md.\n";

struct sp_opts {
    const char *db, *postcodes, *out, *category, *postcode, *patient, *text, *source, *channel;
    const char *referrer, *worklist, *needs, *reason, *link_worker, *by, *to, *note, *what;
    const char *type, *notes, *status, *attendance, *instrument, *items, *close;
    double km;
    int64_t age, limit, version, minutes, goal, asset, connection;
    int32_t from, until, target, on, as_of;
    pcn_usec_t at;
    bool stale, inactive, open, people, not_reached;
    enum pcn_format fmt;
};

/* ---- small parsers ---- */

static bool parse_int(const char *s, int64_t min, int64_t max, int64_t *ret)
{
    return pcn_parse_range(s, strlen(s), min, max, ret) == PCN_OK;
}

/* ---- running writes ---- */

/* Commit a change with its audit row, or roll back and report. */
static int commit(struct pcn_store *store, const char *what, const char *by, const char *object,
                  const char *id, enum pcn_err rc, const struct pcn_error *err)
{
    struct pcn_audit_row a = {.user_name = by ? by : "cli",
                              .role = "cli",
                              .method = "CLI",
                              .route = what,
                              .object_type = object,
                              .object_id = id,
                              .status = 200};
    int ret = CLI_EXIT_OK;

    if (rc == PCN_OK)
        rc = pcn_audit_append_tx(store, &a);
    if (rc == PCN_OK)
        rc = pcn_store_commit(store);
    if (rc != PCN_OK) {
        ret =
            cli_runtime_error("sp", "%s", err && err->msg[0] ? err->msg : pcn_store_errmsg(store));
        pcn_store_rollback(store);
    }
    return ret;
}

static int load_codes(struct pcn_sp_codes *codes)
{
    struct pcn_error e;

    if (pcn_sp_codes_load(NULL, codes, &e) != PCN_OK)
        return cli_runtime_error("sp", "%s", e.msg);
    return CLI_EXIT_OK;
}

static void print_coded(const struct pcn_sp_coded_summary *c)
{
    if (c->no_patient)
        printf("not coded: the patient is not in the population\n");
    else if (c->written || c->uncoded)
        printf("coded into the record: %zu event(s)%s\n", c->written,
               c->uncoded ? " (some measures have no code in defs/maps/socpres_codes.csv)" : "");
}

/* ---- assets ---- */

static int assets_import(struct pcn_store *store, const char *path, const struct sp_opts *o)
{
    struct pcn_geo *geo = NULL;
    struct pcn_error e;
    struct pcn_asset_import sum = {0, 0, 0, 0, 0};
    enum pcn_err rc = pcn_geo_load(o->postcodes, &geo, &e);

    if (rc != PCN_OK)
        return cli_runtime_error("sp assets import", "%s", e.msg);
    rc = pcn_store_begin(store);
    if (rc == PCN_OK)
        rc = pcn_sp_import_assets(store, path, geo, pcn_date_today(), &sum, &e);
    else
        e.msg[0] = '\0';
    pcn_geo_free(geo);
    int ret = commit(store, "sp assets import", o->by, "sp_directory", path, rc, &e);
    if (ret == CLI_EXIT_OK)
        printf("%zu assets imported: %zu placed, %zu with a postcode outside the postcode table, "
               "%zu without a postcode, %zu not verified in 12 months\n",
               sum.rows, sum.located, sum.outside_coverage, sum.without_postcode, sum.stale);
    return ret;
}

static int with_directory(struct pcn_store *store, struct pcn_directory **ret)
{
    struct pcn_error e = {0};

    if (pcn_sp_load_directory(store, ret, &e) != PCN_OK)
        return cli_runtime_error("sp assets", "%s", e.msg);
    return CLI_EXIT_OK;
}

static int assets_export(struct pcn_store *store, const struct sp_opts *o)
{
    struct pcn_directory *d = NULL;
    struct pcn_buf b = PCN_BUF_INIT;
    int rc = with_directory(store, &d);

    if (rc == CLI_EXIT_OK && pcn_directory_write_csv(d, &b) != PCN_OK)
        rc = cli_runtime_error("sp assets export", "out of memory");
    if (rc == CLI_EXIT_OK) {
        FILE *f = o->out ? fopen(o->out, "we") : stdout;
        if (!f || fwrite(b.buf, 1, b.len, f) != b.len || (o->out && fclose(f) != 0))
            rc = cli_runtime_error("sp assets export", "%s: cannot write",
                                   o->out ? o->out : "stdout");
    }
    pcn_buf_release(&b);
    pcn_directory_free(d);
    return rc;
}

struct patient_place {
    char postcode[9];
    char lsoa[10];
    int found;
};

static int keep_place(int64_t key, const struct pcn_patient *p, void *ud)
{
    struct patient_place *pp = ud;

    (void)key;
    pp->found = 1;
    (void)snprintf(pp->postcode, sizeof(pp->postcode), "%s", p->postcode ? p->postcode : "");
    (void)snprintf(pp->lsoa, sizeof(pp->lsoa), "%s", p->lsoa ? p->lsoa : "");
    return 1;
}

/* Where a search measures from: --postcode, or the --patient's postcode or LSOA. */
static int search_origin(struct pcn_store *store, const struct sp_opts *o,
                         struct pcn_asset_query *q)
{
    struct pcn_geo *geo = NULL;
    struct pcn_error e;
    struct pcn_place place;
    struct patient_place pp = {0};
    int exact = 0;

    if (!o->postcode && !o->patient)
        return CLI_EXIT_OK;
    if (pcn_geo_load(o->postcodes, &geo, &e) != PCN_OK)
        return cli_runtime_error("sp assets search", "%s", e.msg);
    if (o->patient) {
        int64_t key = 0;
        if (pcn_store_find_patient(store, o->patient, &key) != PCN_OK ||
            pcn_store_get_patient(store, key, keep_place, &pp) != PCN_OK || !pp.found) {
            pcn_geo_free(geo);
            return cli_runtime_error("sp assets search", "patient %s is not in the population",
                                     o->patient);
        }
    }
    enum pcn_err rc = pcn_geo_locate(geo, o->postcode ? o->postcode : pp.postcode,
                                     o->postcode ? NULL : pp.lsoa, &place, &exact, &e);
    pcn_geo_free(geo);
    if (rc != PCN_OK)
        return cli_runtime_error("sp assets search", "%s", e.msg);
    q->has_origin = 1;
    q->lat = place.lat;
    q->lon = place.lon;
    return CLI_EXIT_OK;
}

static int assets_list(struct pcn_store *store, const struct sp_opts *o, bool search)
{
    struct pcn_directory *d = NULL;
    struct pcn_asset_query q = {.age = -1, .as_of = pcn_date_today()};
    struct pcn_table *t = NULL;
    struct pcn_error e;
    int rc = CLI_EXIT_OK;

    q.include_inactive = o->inactive;
    q.only_stale = o->stale;
    if (search) {
        q.text = o->text;
        q.max_km = o->km;
        q.age = (int)o->age;
        q.limit = (size_t)o->limit;
        if (o->category && pcn_asset_categories_parse(o->category, &q.categories, &e) != PCN_OK)
            return cli_usage_error("sp assets search", "--category: %s", e.msg);
        rc = search_origin(store, o, &q);
    }
    if (rc == CLI_EXIT_OK)
        rc = with_directory(store, &d);
    if (rc == CLI_EXIT_OK && pcn_sp_view_assets(d, &q, &t, NULL, &e) != PCN_OK)
        rc = cli_runtime_error("sp assets", "%s", e.msg);
    if (rc == CLI_EXIT_OK)
        rc = cli_print_table("sp assets", t, o->fmt);
    pcn_table_free(t);
    pcn_directory_free(d);
    return rc;
}

/* ---- referrals ---- */

static int referrals_add(struct pcn_store *store, const struct sp_opts *o)
{
    struct pcn_referral r = {.patient_id = o->patient,
                             .referrer = o->referrer ? o->referrer : "",
                             .worklist = o->worklist ? o->worklist : "",
                             .reason = o->reason ? o->reason : "",
                             .received_at = o->at,
                             .created_by = o->by,
                             .link_worker = o->link_worker ? o->link_worker : "",
                             .what_matters = "",
                             .updated_at = o->at};
    struct pcn_sp_codes codes;
    struct pcn_sp_coded_summary coded = {0, 0, 0};
    struct pcn_error e;
    int64_t id = 0;
    char idtext[24];

    if (!o->patient || !o->source || !o->by)
        return cli_usage_error("sp referrals add", "--patient, --source and --by are required");
    if (pcn_referral_source_parse(o->source, &r.source) != PCN_OK)
        return cli_usage_error("sp referrals add",
                               "--source must be clinician, practice, self or community_group");
    if (o->channel && pcn_referral_channel_parse(o->channel, &r.channel) != PCN_OK)
        return cli_usage_error("sp referrals add", "--channel must be patient_view or worklist");
    if (o->needs && pcn_asset_categories_parse(o->needs, &r.needs, &e) != PCN_OK)
        return cli_usage_error("sp referrals add", "--needs: %s", e.msg);
    int rc = load_codes(&codes);
    if (rc != CLI_EXIT_OK)
        return rc;
    enum pcn_err err = pcn_store_begin(store);
    e.msg[0] = '\0';
    if (err == PCN_OK)
        err = pcn_sp_refer(store, &r, &codes, &id, &coded, &e);
    (void)snprintf(idtext, sizeof(idtext), "%lld", (long long)id);
    rc = commit(store, "sp referrals add", o->by, "patient", o->patient, err, &e);
    if (rc == CLI_EXIT_OK) {
        printf("referral %lld received (version 1)\n", (long long)id);
        print_coded(&coded);
    }
    return rc;
}

static int print_view(const char *cmd, struct pcn_store *store, enum pcn_err rc,
                      struct pcn_table *t, const struct pcn_error *e, enum pcn_format fmt)
{
    int ret = rc == PCN_OK ? cli_print_table(cmd, t, fmt) : cli_runtime_error(cmd, "%s", e->msg);

    (void)store;
    pcn_table_free(t);
    return ret;
}

static struct pcn_sp_view_opts view_opts(const struct sp_opts *o)
{
    /* "now" of the reports: the end of the as-of day (the data's date by default) */
    struct pcn_sp_view_opts v = {.now = ((pcn_usec_t)o->as_of + 1) * INT64_C(86400000000) - 1,
                                 .link_worker = o->link_worker,
                                 .open_only = o->open};
    if (o->from != PCN_DATE_NONE)
        v.from = (pcn_usec_t)o->from * INT64_C(86400000000);
    if (o->until != PCN_DATE_NONE)
        v.to = ((pcn_usec_t)o->until + 1) * INT64_C(86400000000);
    return v;
}

static int referrals_list(struct pcn_store *store, const struct sp_opts *o)
{
    struct pcn_sp_view_opts v = view_opts(o);
    struct pcn_table *t = NULL;
    struct pcn_error e;
    enum pcn_err rc = pcn_sp_view_referrals(store, &v, &t, NULL, &e);

    return print_view("sp referrals list", store, rc, t, &e, o->fmt);
}

static int referrals_show(struct pcn_store *store, int64_t id, const struct sp_opts *o)
{
    struct pcn_table *t = NULL;
    struct pcn_error e;
    int64_t version = 0;
    char patient[64], worker[PCN_REFERRAL_NAME_MAX + 1];
    enum pcn_err rc = pcn_sp_view_timeline(store, id, &t, &version, patient, worker, &e);

    if (rc == PCN_OK && o->fmt == PCN_FORMAT_TABLE)
        printf("Referral %lld (version %lld) of patient %s, link worker %s\n", (long long)id,
               (long long)version, patient, *worker ? worker : "(not assigned)");
    return print_view("sp referrals show", store, rc, t, &e, o->fmt);
}

/* A change on referral id: begin, run, audit, commit. */
static int referral_change(struct pcn_store *store, const char *what, int64_t id,
                           const struct sp_opts *o, enum pcn_err rc, const struct pcn_error *e,
                           int64_t version)
{
    char idtext[24];
    (void)snprintf(idtext, sizeof(idtext), "%lld", (long long)id);
    int ret = commit(store, what, o->by, "sp_referral", idtext, rc, e);
    if (ret == CLI_EXIT_OK && version)
        printf("referral %lld now at version %lld\n", (long long)id, (long long)version);
    return ret;
}

static int referrals_write(struct pcn_store *store, const char *sub, int64_t id,
                           const struct sp_opts *o)
{
    struct pcn_sp_change c = {id, o->version, o->by, o->at};
    struct pcn_sp_codes codes;
    struct pcn_sp_coded_summary coded = {0, 0, 0};
    struct pcn_error e;
    int64_t version = 0, rid = 0;
    enum pcn_err rc;
    char what[48];

    e.msg[0] = '\0';
    (void)snprintf(what, sizeof(what), "sp referrals %s", sub);
    if (!o->by)
        return cli_usage_error(what, "--by USER is required");
    if (load_codes(&codes) != CLI_EXIT_OK)
        return CLI_EXIT_RUNTIME;
    rc = pcn_store_begin(store);
    if (rc != PCN_OK)
        return cli_runtime_error(what, "%s", pcn_store_errmsg(store));
    if (strcmp(sub, "move") == 0) {
        enum pcn_referral_state to;
        enum pcn_close_reason why = PCN_CLOSE_NONE;
        if (!o->to || pcn_referral_state_parse(o->to, &to) != PCN_OK)
            rc = pcn_error_set(&e, PCN_EINVAL, "--to: a referral state is required");
        else if (o->close && pcn_close_reason_parse(o->close, &why) != PCN_OK)
            rc = pcn_error_set(&e, PCN_EINVAL, "--close-reason: unknown reason '%s'", o->close);
        else
            rc = pcn_sp_move(store, &c, to, why, o->note, &codes, &version, &coded, &e);
    } else if (strcmp(sub, "assign") == 0) {
        rc = pcn_sp_assign(store, &c, o->link_worker ? o->link_worker : "", &version, &e);
    } else if (strcmp(sub, "plan") == 0) {
        uint32_t needs = 0;
        if (o->needs && pcn_asset_categories_parse(o->needs, &needs, &e) != PCN_OK)
            rc = PCN_EINVAL;
        else
            rc = pcn_sp_plan(store, &c, o->what ? o->what : "", needs, &version, &e);
    } else if (strcmp(sub, "contact") == 0) {
        struct pcn_contact ct = {.referral_id = id,
                                 .at = o->at,
                                 .minutes = (int)o->minutes,
                                 .successful = !o->not_reached,
                                 .by = o->by,
                                 .notes = o->notes};
        if (!o->type || pcn_contact_type_parse(o->type, &ct.type) != PCN_OK)
            rc = pcn_error_set(&e, PCN_EINVAL, "--type: a contact type is required");
        else
            rc = pcn_sp_contact(store, &ct, pcn_now_usec(), &rid, &e);
    } else if (strcmp(sub, "goal") == 0) {
        struct pcn_goal g = {.referral_id = id,
                             .text = o->text,
                             .status = PCN_GOAL_OPEN,
                             .target_date = o->target,
                             .updated_at = o->at};
        rc = pcn_sp_add_goal(store, &g, &rid, &e);
    } else if (strcmp(sub, "goal-status") == 0) {
        struct pcn_goal g = {.id = o->goal,
                             .referral_id = id,
                             .version = o->version,
                             .text = o->text,
                             .target_date = o->target,
                             .updated_at = o->at};
        if (!o->status || pcn_goal_status_parse(o->status, &g.status) != PCN_OK)
            rc = pcn_error_set(&e, PCN_EINVAL, "--status: a goal status is required");
        else if (!o->text)
            rc = pcn_error_set(&e, PCN_EINVAL, "--text: the goal's text is required");
        else
            rc = pcn_sp_update_goal(store, &g, &version, &e);
    } else if (strcmp(sub, "connect") == 0) {
        struct pcn_connection cn = {.referral_id = id,
                                    .asset_id = o->asset,
                                    .connected_on = o->on != PCN_DATE_NONE
                                                        ? o->on
                                                        : (int32_t)(o->at / INT64_C(86400000000)),
                                    .attendance = PCN_ATTENDANCE_UNKNOWN,
                                    .note = "",
                                    .updated_at = o->at};
        rc = pcn_sp_connect(store, &cn, &rid, &e);
    } else { /* attend */
        struct pcn_connection cn = {.id = o->connection,
                                    .referral_id = id,
                                    .version = o->version,
                                    .connected_on = 0,
                                    .note = o->notes ? o->notes : "",
                                    .updated_at = o->at};
        if (!o->attendance || pcn_attendance_parse(o->attendance, &cn.attendance) != PCN_OK)
            rc = pcn_error_set(&e, PCN_EINVAL, "--attendance: attended, did_not_attend or unknown");
        else
            rc = pcn_sp_update_connection(store, &cn, &version, &e);
    }
    int ret = referral_change(store, what, id, o, rc, &e, version);
    if (ret == CLI_EXIT_OK && rid)
        printf("%s %lld added\n",
               strcmp(sub, "contact") == 0 ? "contact"
               : strcmp(sub, "goal") == 0  ? "goal"
                                           : "connection",
               (long long)rid);
    if (ret == CLI_EXIT_OK)
        print_coded(&coded);
    return ret;
}

/* ---- outcomes and reports ---- */

static int outcomes_record(struct pcn_store *store, int64_t id, const struct sp_opts *o)
{
    struct pcn_outcome oc = {.referral_id = id, .at = o->at, .recorded_by = o->by};
    struct pcn_sp_codes codes;
    struct pcn_sp_coded_summary coded = {0, 0, 0};
    struct pcn_error e;
    enum pcn_instrument in;
    const char *p = o->items;

    e.msg[0] = '\0';
    if (!o->instrument || pcn_instrument_parse(o->instrument, &in) != PCN_OK)
        return cli_usage_error("sp outcomes record", "--instrument ons4|swemwbs|wemwbs");
    if (!o->items || !o->by)
        return cli_usage_error("sp outcomes record", "--items and --by are required");
    oc.instrument = (int)in;
    int n = pcn_instrument_items(in), k = 0;
    for (; *p && k < PCN_WEMWBS_ITEMS; k++) {
        size_t len = strcspn(p, ",");
        int64_t v = 0;
        if (len == 0)
            oc.items[k] = PCN_ITEM_MISSING;
        else if (pcn_parse_range(p, len, -99, 99, &v) == PCN_OK)
            oc.items[k] = (int)v;
        else
            return cli_usage_error("sp outcomes record", "--items: '%.*s' is not a number",
                                   (int)len, p);
        p += len;
        if (*p == ',')
            p++;
    }
    if (k != n || *p)
        return cli_usage_error("sp outcomes record", "--items: %s has %d items", o->instrument, n);
    if (load_codes(&codes) != CLI_EXIT_OK)
        return CLI_EXIT_RUNTIME;
    enum pcn_err rc = pcn_store_begin(store);
    if (rc == PCN_OK)
        rc = pcn_sp_record_outcome(store, &oc, &codes, NULL, &coded, &e);
    int ret = referral_change(store, "sp outcomes record", id, o, rc, &e, 0);
    if (ret == CLI_EXIT_OK) {
        printf("questionnaire recorded on referral %lld\n", (long long)id);
        print_coded(&coded);
    }
    return ret;
}

static int outcomes_show(struct pcn_store *store, const struct sp_opts *o)
{
    struct pcn_sp_view_opts v = view_opts(o);
    struct pcn_table *t = NULL;
    struct pcn_error e;
    enum pcn_err rc = o->people ? pcn_sp_view_outcome_pairs(store, &v, &t, &e)
                                : pcn_sp_view_outcomes(store, &v, &t, &e);

    return print_view("sp outcomes", store, rc, t, &e, o->fmt);
}

static int report(struct pcn_store *store, const char *name, const struct sp_opts *o)
{
    struct pcn_sp_view_opts v = view_opts(o);
    struct pcn_directory *d = NULL;
    struct pcn_table *t = NULL;
    struct pcn_error e;
    enum pcn_err rc;

    if (strcmp(name, "caseloads") == 0)
        rc = pcn_sp_view_caseloads(store, &v, &t, &e);
    else if (strcmp(name, "activity") == 0)
        rc = pcn_sp_view_activity(store, &v, &t, &e);
    else if (strcmp(name, "rates") == 0)
        rc = pcn_sp_view_rates(store, &v, &t, &e);
    else if (strcmp(name, "categories") == 0 || strcmp(name, "coverage") == 0) {
        rc = pcn_sp_load_directory(store, &d, &e);
        if (rc == PCN_OK)
            rc = name[1] == 'a' ? pcn_sp_view_categories(store, d, &v, &t, &e)
                                : pcn_sp_view_coverage(store, d, &v, &t, &e);
        pcn_directory_free(d);
    } else
        return cli_usage_error("sp report",
                               "unknown report '%s' (caseloads, activity, rates, categories, "
                               "coverage)",
                               name);
    return print_view("sp report", store, rc, t, &e, o->fmt);
}

static int recode(struct pcn_store *store, const struct sp_opts *o)
{
    struct pcn_sp_codes codes;
    struct pcn_sp_coded_summary coded = {0, 0, 0};
    struct pcn_error e;

    e.msg[0] = '\0';
    if (load_codes(&codes) != CLI_EXIT_OK)
        return CLI_EXIT_RUNTIME;
    enum pcn_err rc = pcn_store_begin(store);
    if (rc == PCN_OK)
        rc = pcn_sp_recode(store, &codes, &coded, &e);
    int ret = commit(store, "sp recode", o->by, NULL, NULL, rc, &e);
    if (ret == CLI_EXIT_OK)
        printf("recoded: %zu event(s) written, %zu concept(s) without a code, %d without the "
               "patient in the population\n",
               coded.written, coded.uncoded, coded.no_patient);
    return ret;
}

/* ---- options and dispatch ---- */

enum {
    O_DB = 256,
    O_POSTCODES,
    O_OUT,
    O_STALE,
    O_INACTIVE,
    O_CATEGORY,
    O_POSTCODE,
    O_PATIENT,
    O_KM,
    O_TEXT,
    O_AGE,
    O_LIMIT,
    O_SOURCE,
    O_CHANNEL,
    O_REFERRER,
    O_WORKLIST,
    O_NEEDS,
    O_REASON,
    O_LINK_WORKER,
    O_BY,
    O_OPEN,
    O_TO,
    O_NOTE,
    O_VERSION,
    O_WHAT,
    O_TYPE,
    O_MINUTES,
    O_NOT_REACHED,
    O_NOTES,
    O_AT,
    O_TARGET,
    O_GOAL,
    O_STATUS,
    O_ASSET,
    O_ON,
    O_CONNECTION,
    O_ATTENDANCE,
    O_INSTRUMENT,
    O_ITEMS,
    O_PEOPLE,
    O_FROM,
    O_UNTIL,
    O_CLOSE,
    O_AS_OF,
    O_FORMAT,
};

static const struct option sp_options[] = {
    {"db", required_argument, NULL, O_DB},
    {"postcodes", required_argument, NULL, O_POSTCODES},
    {"out", required_argument, NULL, O_OUT},
    {"stale", no_argument, NULL, O_STALE},
    {"inactive", no_argument, NULL, O_INACTIVE},
    {"category", required_argument, NULL, O_CATEGORY},
    {"postcode", required_argument, NULL, O_POSTCODE},
    {"patient", required_argument, NULL, O_PATIENT},
    {"km", required_argument, NULL, O_KM},
    {"text", required_argument, NULL, O_TEXT},
    {"age", required_argument, NULL, O_AGE},
    {"limit", required_argument, NULL, O_LIMIT},
    {"source", required_argument, NULL, O_SOURCE},
    {"channel", required_argument, NULL, O_CHANNEL},
    {"referrer", required_argument, NULL, O_REFERRER},
    {"worklist", required_argument, NULL, O_WORKLIST},
    {"needs", required_argument, NULL, O_NEEDS},
    {"reason", required_argument, NULL, O_REASON},
    {"link-worker", required_argument, NULL, O_LINK_WORKER},
    {"by", required_argument, NULL, O_BY},
    {"open", no_argument, NULL, O_OPEN},
    {"to", required_argument, NULL, O_TO},
    {"note", required_argument, NULL, O_NOTE},
    {"version", required_argument, NULL, O_VERSION},
    {"what-matters", required_argument, NULL, O_WHAT},
    {"type", required_argument, NULL, O_TYPE},
    {"minutes", required_argument, NULL, O_MINUTES},
    {"not-reached", no_argument, NULL, O_NOT_REACHED},
    {"notes", required_argument, NULL, O_NOTES},
    {"at", required_argument, NULL, O_AT},
    {"target", required_argument, NULL, O_TARGET},
    {"goal", required_argument, NULL, O_GOAL},
    {"status", required_argument, NULL, O_STATUS},
    {"asset", required_argument, NULL, O_ASSET},
    {"on", required_argument, NULL, O_ON},
    {"connection", required_argument, NULL, O_CONNECTION},
    {"attendance", required_argument, NULL, O_ATTENDANCE},
    {"instrument", required_argument, NULL, O_INSTRUMENT},
    {"items", required_argument, NULL, O_ITEMS},
    {"people", no_argument, NULL, O_PEOPLE},
    {"from", required_argument, NULL, O_FROM},
    {"until", required_argument, NULL, O_UNTIL},
    {"close-reason", required_argument, NULL, O_CLOSE},
    {"as-of", required_argument, NULL, O_AS_OF},
    {"format", required_argument, NULL, O_FORMAT},
    {NULL, 0, NULL, 0},
};

/* Options with a number, a date or a time. */
static int parse_value(int c, const char *arg, struct sp_opts *o)
{
    int64_t v = 0;

    switch (c) {
    case O_KM:
        if (pcn_parse_double(arg, strlen(arg), &o->km) != PCN_OK || o->km < 0 || o->km > 1000)
            return cli_usage_error("sp", "--km must be a distance 0-1000");
        return CLI_EXIT_OK;
    case O_AGE:
        return parse_int(arg, 0, 120, &o->age) ? CLI_EXIT_OK
                                               : cli_usage_error("sp", "--age must be 0-120");
    case O_LIMIT:
        return parse_int(arg, 1, 100000, &o->limit) ? CLI_EXIT_OK
                                                    : cli_usage_error("sp", "--limit: 1-100000");
    case O_VERSION:
        return parse_int(arg, 1, INT64_MAX, &o->version) ? CLI_EXIT_OK
                                                         : cli_usage_error("sp", "--version N");
    case O_MINUTES:
        return parse_int(arg, 0, 480, &o->minutes) ? CLI_EXIT_OK
                                                   : cli_usage_error("sp", "--minutes: 0-480");
    case O_GOAL:
    case O_ASSET:
    case O_CONNECTION:
        if (!parse_int(arg, 1, INT64_MAX, &v))
            return cli_usage_error("sp", "an id is a whole number from 1");
        *(c == O_GOAL ? &o->goal : c == O_ASSET ? &o->asset : &o->connection) = v;
        return CLI_EXIT_OK;
    case O_AT:
        return pcn_sp_time_parse(arg, strlen(arg), &o->at) == PCN_OK
                   ? CLI_EXIT_OK
                   : cli_usage_error("sp", "--at YYYY-MM-DD[Thh:mm]");
    case O_TARGET:
        return cli_parse_date("sp", "--target", arg, &o->target);
    case O_ON:
        return cli_parse_date("sp", "--on", arg, &o->on);
    case O_FROM:
        return cli_parse_date("sp", "--from", arg, &o->from);
    case O_UNTIL:
        return cli_parse_date("sp", "--until", arg, &o->until);
    case O_AS_OF:
        return cli_parse_date("sp", "--as-of", arg, &o->as_of);
    default:
        return cli_parse_format("sp", arg, &o->fmt);
    }
}

static int parse_sp_opts(int argc, char **argv, int first, struct sp_opts *o)
{
    const char **text[] = {
        [O_DB - O_DB] = &o->db,
        [O_POSTCODES - O_DB] = &o->postcodes,
        [O_OUT - O_DB] = &o->out,
        [O_CATEGORY - O_DB] = &o->category,
        [O_POSTCODE - O_DB] = &o->postcode,
        [O_PATIENT - O_DB] = &o->patient,
        [O_TEXT - O_DB] = &o->text,
        [O_SOURCE - O_DB] = &o->source,
        [O_CHANNEL - O_DB] = &o->channel,
        [O_REFERRER - O_DB] = &o->referrer,
        [O_WORKLIST - O_DB] = &o->worklist,
        [O_NEEDS - O_DB] = &o->needs,
        [O_REASON - O_DB] = &o->reason,
        [O_LINK_WORKER - O_DB] = &o->link_worker,
        [O_BY - O_DB] = &o->by,
        [O_TO - O_DB] = &o->to,
        [O_NOTE - O_DB] = &o->note,
        [O_WHAT - O_DB] = &o->what,
        [O_TYPE - O_DB] = &o->type,
        [O_NOTES - O_DB] = &o->notes,
        [O_STATUS - O_DB] = &o->status,
        [O_ATTENDANCE - O_DB] = &o->attendance,
        [O_INSTRUMENT - O_DB] = &o->instrument,
        [O_ITEMS - O_DB] = &o->items,
        [O_CLOSE - O_DB] = &o->close,
        [O_FORMAT - O_DB] = NULL,
    };

    optind = first;
    for (;;) {
        int c = getopt_long(argc, argv, "", sp_options, NULL);
        if (c == -1)
            return CLI_EXIT_OK;
        if (c < O_DB || c > O_FORMAT)
            return CLI_EXIT_USAGE;
        if (c == O_STALE || c == O_INACTIVE || c == O_OPEN || c == O_NOT_REACHED || c == O_PEOPLE) {
            *(c == O_STALE      ? &o->stale
              : c == O_INACTIVE ? &o->inactive
              : c == O_OPEN     ? &o->open
              : c == O_PEOPLE   ? &o->people
                                : &o->not_reached) = true;
        } else if (text[c - O_DB]) {
            *text[c - O_DB] = optarg;
        } else {
            int rc = parse_value(c, optarg, o);
            if (rc != CLI_EXIT_OK)
                return rc;
        }
    }
}

/* Subcommands: name, whether it takes an id, whether it writes (creates the db for import). */
static const struct {
    const char *group, *sub;
    int args; /* positional arguments after the options */
} subs[] = {
    {"assets", "import", 1},         {"assets", "export", 0},     {"assets", "list", 0},
    {"assets", "search", 0},         {"referrals", "add", 0},     {"referrals", "list", 0},
    {"referrals", "show", 1},        {"referrals", "move", 1},    {"referrals", "assign", 1},
    {"referrals", "plan", 1},        {"referrals", "contact", 1}, {"referrals", "goal", 1},
    {"referrals", "goal-status", 1}, {"referrals", "connect", 1}, {"referrals", "attend", 1},
    {"outcomes", "record", 1},
};

static int run(struct pcn_store *store, const char *group, const char *sub, const char *arg,
               const struct sp_opts *o)
{
    int64_t id = 0;

    if (strcmp(group, "outcomes") == 0 && !sub)
        return outcomes_show(store, o);
    if (strcmp(group, "recode") == 0)
        return recode(store, o);
    if (!sub) /* the caller names a subcommand for every other group */
        return cli_usage_error("sp", "%s needs a subcommand (see --help)", group);
    if (strcmp(group, "report") == 0)
        return report(store, sub, o);
    if (strcmp(group, "assets") == 0) {
        if (strcmp(sub, "import") == 0)
            return assets_import(store, arg, o);
        if (strcmp(sub, "export") == 0)
            return assets_export(store, o);
        return assets_list(store, o, strcmp(sub, "search") == 0);
    }
    if (arg && !parse_int(arg, 1, INT64_MAX, &id))
        return cli_usage_error("sp", "'%s' is not a referral id", arg);
    if (strcmp(group, "outcomes") == 0)
        return outcomes_record(store, id, o);
    if (strcmp(sub, "add") == 0)
        return referrals_add(store, o);
    if (strcmp(sub, "list") == 0)
        return referrals_list(store, o);
    if (strcmp(sub, "show") == 0)
        return referrals_show(store, id, o);
    return referrals_write(store, sub, id, o);
}

int cmd_sp(int argc, char **argv)
{
    struct sp_opts o = {.fmt = PCN_FORMAT_TABLE,
                        .as_of = PCN_DATE_NONE,
                        .age = -1,
                        .from = PCN_DATE_NONE,
                        .until = PCN_DATE_NONE,
                        .target = PCN_DATE_NONE,
                        .on = PCN_DATE_NONE,
                        .at = pcn_now_usec()};
    struct pcn_store *store = NULL;
    const char *group = argc > 1 ? argv[1] : "", *sub = NULL;
    int args = 0, first = 2, rc;

    if (argc < 2 || cli_wants_help(argc, argv)) {
        fputs(sp_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    if (strcmp(group, "report") == 0) {
        if (argc < 3 || argv[2][0] == '-')
            return cli_usage_error("sp", "report needs a name (caseloads, activity, rates, "
                                         "categories, coverage)");
        sub = argv[2];
        first = 3;
    } else if (strcmp(group, "outcomes") == 0 && argc > 2 && strcmp(argv[2], "record") == 0) {
        sub = "record";
        args = 1;
        first = 3;
    } else if (strcmp(group, "assets") == 0 || strcmp(group, "referrals") == 0) {
        size_t i = 0;
        for (; argc > 2 && i < PCN_ARRAY_SIZE(subs); i++) {
            if (strcmp(subs[i].group, group) == 0 && strcmp(subs[i].sub, argv[2]) == 0)
                break;
        }
        if (argc < 3 || i == PCN_ARRAY_SIZE(subs))
            return cli_usage_error("sp", "unknown or missing %s subcommand (see --help)", group);
        sub = subs[i].sub;
        args = subs[i].args;
        first = 3;
    } else if (strcmp(group, "outcomes") != 0 && strcmp(group, "recode") != 0) {
        return cli_usage_error("sp",
                               "unknown group '%s' (assets, referrals, outcomes, report, "
                               "recode)",
                               group);
    }
    rc = parse_sp_opts(argc, argv, first, &o);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (argc - optind != args)
        return cli_usage_error("sp", "%s %s takes %s", group, sub ? sub : "",
                               args ? "one argument" : "no arguments");
    rc = cli_open_store("sp", o.db, 0, &store);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (o.as_of == PCN_DATE_NONE)
        rc = cli_default_as_of("sp", store, &o.as_of);
    if (rc != CLI_EXIT_OK) {
        pcn_store_close(store);
        return rc;
    }
    rc = run(store, group, sub, args ? argv[optind] : NULL, &o);
    pcn_store_close(store);
    return rc;
}
