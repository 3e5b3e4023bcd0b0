/*
 * cmd_ppg.c - pcn ppg: patient participation groups and their members,
 * the engagement log, "you said, we did", the co-production record of
 * service changes, and the reports (representativeness, the ladder of
 * involvement, co-production, the public board). Lists and reports share
 * their schema with the API (pcn/views_ppg.h, pcn/ppg_ops.h); every write
 * goes through the services of pcn/ppg_ops.h with its audit row in the
 * same transaction. Option values are checked before the database is
 * touched (usage error, exit 2); a record the rules refuse is a runtime
 * error (exit 1) naming the field.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "pcn/audit.h"
#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/engine.h"
#include "pcn/parse.h"
#include "pcn/ppg_ops.h"
#include "pcn/store_ppg.h"
#include "pcn/views_ppg.h"
#include "util/common.h"

static const char ppg_usage[] =
    "usage: pcn ppg groups [--network CODE] [--as-of DATE] [--format F]\n"
    "       pcn ppg group-add --network CODE [--practice ODS] --name NAME [--formed DATE]\n"
    "       pcn ppg members list --group ID [--format F]\n"
    "       pcn ppg members add --group ID --name NAME [--email E] [--phone P] [--consent yes|no]\n"
    "           [--role member|chair|virtual] [--age-band B] [--sex S] [--ethnic-group G]\n"
    "           [--postcode-district D] [--deprivation-quintile 1-5] [--carer yes|no]\n"
    "           [--disability yes|no] [--long-term-condition yes|no] [--joined DATE]\n"
    "       pcn ppg members import --group ID [--joined DATE] FILE.csv\n"
    "       pcn ppg members leave|withdraw --version N [--date DATE] ID\n"
    "       pcn ppg activities list [--network CODE] [--group ID] [--format F]\n"
    "       pcn ppg activities add --network CODE --kind K --rung R --title T --held DATE\n"
    "           [--people N] [--group ID]... [--questions T] [--heard T] [--change ID]\n"
    "       pcn ppg feedback list [--network CODE] [--group ID] [--published] [--format F]\n"
    "       pcn ppg feedback add --network CODE --said TEXT [--group ID] [--activity ID]\n"
    "           [--received DATE]\n"
    "       pcn ppg feedback respond --version N --response TEXT --outcome O [--reason TEXT]\n"
    "           [--date DATE] [--publish | --unpublish] ID\n"
    "       pcn ppg changes list [--network CODE] [--format F]\n"
    "       pcn ppg changes add --network CODE --title T [--description T] [--started DATE]\n"
    "       pcn ppg changes show ID [--format F]\n"
    "       pcn ppg changes involve --stage S --rung R (--group ID | --who TEXT) --date DATE\n"
    "           [--people N] [--activity ID] [--note TEXT] CHANGE_ID\n"
    "       pcn ppg report representativeness|ladder|coproduction|public [--network CODE]\n"
    "           [--group ID] [--as-of DATE] [--format F]\n"
    "  Every command takes --db FILE (or PCN_DB). Codes and the CSV format: docs/engagement.md,\n"
    "  docs/formats.md.\n";

#define MAX_GROUPS 64

/* Every option of every subcommand, as given (checked where it is used). */
struct ppg_opts {
    const char *db, *network, *practice, *name, *email, *phone, *consent, *role;
    const char *age, *sex, *eth, *district, *quintile, *carer, *disability, *ltc;
    const char *kind, *rung, *title, *people, *questions, *heard, *said, *response;
    const char *outcome, *reason, *stage, *who, *note, *description, *version, *group;
    const char *change, *activity, *date;
    const char *groups[MAX_GROUPS];
    size_t n_groups;
    int publish; /* 1 --publish, 0 --unpublish, -1 neither */
    int published_only;
    enum pcn_format fmt;
    int32_t as_of;
    bool as_of_given;
};

/* The command's name in messages ("ppg members add"), from the arguments. */
static char arg_cmd[64] = "ppg";

/* ---- option values ---- */

static int usage_bad(const char *opt, const char *value, const char *why)
{
    return cli_usage_error(arg_cmd, "--%s: '%.60s' %s", opt, value, why);
}

/* A positive id (a group, change, activity, record). */
static int parse_id(const char *opt, const char *s, int64_t *ret)
{
    if (!s || pcn_parse_range(s, strlen(s), 1, INT64_MAX, ret) != PCN_OK)
        return s ? usage_bad(opt, s, "is not an id (a whole number from 1)")
                 : cli_usage_error(arg_cmd, "--%s is required", opt);
    return CLI_EXIT_OK;
}

static int parse_opt_id(const char *opt, const char *s, int64_t *ret)
{
    *ret = 0;
    return s ? parse_id(opt, s, ret) : CLI_EXIT_OK;
}

static int parse_vocab(const char *opt, enum pcn_ppg_vocab v, const char *s, int *ret)
{
    char codes[200], why[260];

    if (pcn_ppg_parse(v, s ? s : "", s ? strlen(s) : 0, ret) == PCN_OK)
        return CLI_EXIT_OK;
    if (!s)
        return cli_usage_error(arg_cmd, "--%s is required", opt);
    pcn_ppg_codes(v, codes, sizeof(codes));
    (void)snprintf(why, sizeof(why), "is not one of: %s", codes);
    return usage_bad(opt, s, why);
}

static int parse_day(const char *opt, const char *s, int32_t def, int32_t *ret)
{
    *ret = def;
    if (!s)
        return CLI_EXIT_OK;
    if (pcn_date_parse(s, strlen(s), ret) != PCN_OK)
        return usage_bad(opt, s, "is not a date (YYYY-MM-DD)");
    return CLI_EXIT_OK;
}

static int parse_people(const char *s, int64_t *ret)
{
    *ret = -1;
    if (s && pcn_parse_range(s, strlen(s), 0, PCN_PPG_PEOPLE_MAX, ret) != PCN_OK)
        return usage_bad("people", s, "is not a count from 0 to 1000000");
    return CLI_EXIT_OK;
}

static int parse_network(const struct ppg_opts *o, bool required)
{
    if (!o->network && required)
        return cli_usage_error(arg_cmd, "--network CODE is required");
    return CLI_EXIT_OK;
}

/* ---- running a write ---- */

/* Commit a write with its audit row, or roll both back; prints what was done. */
static int finish_write(struct pcn_store *store, enum pcn_err rc, const struct pcn_error *e,
                        const char *object_type, int64_t id, const char *done)
{
    char object_id[24];
    struct pcn_audit_row a = {.user_name = "cli",
                              .role = "admin",
                              .method = "CLI",
                              .route = arg_cmd,
                              .object_type = object_type,
                              .object_id = object_id,
                              .status = 200};
    int ret;

    (void)snprintf(object_id, sizeof(object_id), "%lld", (long long)id);
    if (rc == PCN_OK && pcn_audit_append_tx(store, &a) != PCN_OK)
        rc = PCN_ESTORAGE;
    if (rc == PCN_OK && pcn_store_commit(store) != PCN_OK)
        rc = PCN_ESTORAGE;
    if (rc != PCN_OK) {
        ret = cli_runtime_error(
            arg_cmd, "%s", rc == PCN_ESTORAGE || !e->msg[0] ? pcn_store_errmsg(store) : e->msg);
        pcn_store_rollback(store);
        return ret;
    }
    printf("%s\n", done);
    return CLI_EXIT_OK;
}

static int begin(struct pcn_store *store)
{
    if (pcn_store_begin(store) != PCN_OK)
        return cli_runtime_error(arg_cmd, "%s", pcn_store_errmsg(store));
    return CLI_EXIT_OK;
}

static const struct pcn_ppg_scope scope_all = PCN_PPG_SCOPE_ALL;

/* ---- groups ---- */

static int print_view(struct pcn_table *t, enum pcn_err rc, struct pcn_store *store,
                      enum pcn_format fmt)
{
    int ret;

    if (rc != PCN_OK)
        return cli_runtime_error(arg_cmd, "%s", pcn_store_errmsg(store));
    ret = cli_print_table(arg_cmd, t, fmt);
    pcn_table_free(t);
    return ret;
}

static int groups_list(struct pcn_store *store, const struct ppg_opts *o)
{
    struct pcn_ppg_view_opts v = {.filter = {.network = o->network}, .as_of = o->as_of};
    struct pcn_table *t = NULL;
    enum pcn_err rc = pcn_view_ppg_groups(store, &v, &t, NULL);

    return print_view(t, rc, store, o->fmt);
}

static int group_add(struct pcn_store *store, const struct ppg_opts *o)
{
    struct pcn_ppg_group g = {0, o->network, o->practice, o->name, PCN_DATE_NONE, 0};
    struct pcn_error e = {0};
    char done[200];
    int rc = parse_network(o, true);

    if (rc == CLI_EXIT_OK)
        rc = parse_day("formed", o->date, PCN_DATE_NONE, &g.formed);
    if (rc == CLI_EXIT_OK && !o->name)
        rc = cli_usage_error(arg_cmd, "--name is required");
    if (rc == CLI_EXIT_OK)
        rc = begin(store);
    if (rc != CLI_EXIT_OK)
        return rc;
    enum pcn_err erc = pcn_ppg_save_group(store, &scope_all, &g, &e);
    (void)snprintf(done, sizeof(done), "group %lld added: %s", (long long)g.id, o->name);
    return finish_write(store, erc, &e, "ppg_group", g.id, done);
}

/* ---- members ---- */

static int member_facts(const struct ppg_opts *o, struct pcn_ppg_member *m, char *district)
{
    int v[7] = {0};
    int rc = parse_vocab("age-band", PCN_PPG_V_AGE, o->age ? o->age : "", &v[0]);

    if (rc == CLI_EXIT_OK)
        rc = parse_vocab("sex", PCN_PPG_V_SEX, o->sex ? o->sex : "", &v[1]);
    if (rc == CLI_EXIT_OK)
        rc = parse_vocab("ethnic-group", PCN_PPG_V_ETH, o->eth ? o->eth : "", &v[2]);
    if (rc == CLI_EXIT_OK)
        rc = parse_vocab("carer", PCN_PPG_V_YESNO, o->carer ? o->carer : "", &v[3]);
    if (rc == CLI_EXIT_OK)
        rc = parse_vocab("disability", PCN_PPG_V_YESNO, o->disability ? o->disability : "", &v[4]);
    if (rc == CLI_EXIT_OK)
        rc = parse_vocab("long-term-condition", PCN_PPG_V_YESNO, o->ltc ? o->ltc : "", &v[5]);
    if (rc == CLI_EXIT_OK)
        rc = parse_vocab("role", PCN_PPG_V_ROLE, o->role ? o->role : "member", &v[6]);
    if (rc == CLI_EXIT_OK && o->district &&
        pcn_ppg_district_parse(o->district, strlen(o->district), district) != PCN_OK)
        rc = usage_bad("postcode-district", o->district, "is not a postcode district (e.g. TS18)");
    if (rc == CLI_EXIT_OK && o->quintile &&
        pcn_ppg_quintile_parse(o->quintile, strlen(o->quintile), &m->quintile) != PCN_OK)
        rc = usage_bad("deprivation-quintile", o->quintile, "is not 1 to 5");
    m->age = (enum pcn_ppg_age)v[0];
    m->sex = (enum pcn_ppg_sex)v[1];
    m->eth = (enum pcn_ppg_eth)v[2];
    m->carer = (enum pcn_ppg_yesno)v[3];
    m->disability = (enum pcn_ppg_yesno)v[4];
    m->ltc = (enum pcn_ppg_yesno)v[5];
    m->role = (enum pcn_ppg_role)v[6];
    m->district = o->district && district[0] ? district : NULL;
    return rc;
}

static int member_add(struct pcn_store *store, const struct ppg_opts *o)
{
    struct pcn_ppg_member m = {.name = o->name,
                               .email = o->email,
                               .phone = o->phone,
                               .left = PCN_DATE_NONE,
                               .withdrawn = PCN_DATE_NONE};
    char district[PCN_PPG_DISTRICT_SIZE] = "", done[200];
    struct pcn_error e = {0};
    int consent = 0;
    int rc = parse_id("group", o->group, &m.group_id);

    if (rc == CLI_EXIT_OK)
        rc = member_facts(o, &m, district);
    if (rc == CLI_EXIT_OK && o->consent)
        rc = parse_vocab("consent", PCN_PPG_V_YESNO, o->consent, &consent);
    if (rc == CLI_EXIT_OK)
        rc = parse_day("joined", o->date, pcn_date_today(), &m.joined);
    if (rc == CLI_EXIT_OK)
        rc = begin(store);
    if (rc != CLI_EXIT_OK)
        return rc;
    /* contact details given without a word on consent: the giving is the consent */
    m.consent = o->consent ? consent == PCN_PPG_YES : (o->email || o->phone);
    enum pcn_err erc = pcn_ppg_save_member(store, &scope_all, &m, &e);
    (void)snprintf(done, sizeof(done), "member %lld added to group %lld", (long long)m.id,
                   (long long)m.group_id);
    return finish_write(store, erc, &e, "ppg_member", m.id, done);
}

static int members_list(struct pcn_store *store, const struct ppg_opts *o)
{
    struct pcn_ppg_view_opts v = {.as_of = o->as_of};
    struct pcn_table *t = NULL;
    int rc = parse_id("group", o->group, &v.filter.group_id);

    if (rc != CLI_EXIT_OK)
        return rc;
    return print_view(t, pcn_view_ppg_members(store, &v, &t, NULL), store, o->fmt);
}

static int members_import(struct pcn_store *store, const struct ppg_opts *o, const char *path)
{
    struct pcn_error e = {0};
    int64_t gid = 0, added = 0;
    int32_t joined;
    char done[200];
    int rc = parse_id("group", o->group, &gid);

    if (rc == CLI_EXIT_OK)
        rc = parse_day("joined", o->date, pcn_date_today(), &joined);
    if (rc == CLI_EXIT_OK)
        rc = begin(store);
    if (rc != CLI_EXIT_OK)
        return rc;
    enum pcn_err erc = pcn_ppg_import_members(store, &scope_all, gid, path, joined, &added, &e);
    (void)snprintf(done, sizeof(done), "%lld members added to group %lld from %s", (long long)added,
                   (long long)gid, path);
    return finish_write(store, erc, &e, "ppg_group", gid, done);
}

/* members leave | withdraw ID */
static int member_change(struct pcn_store *store, const struct ppg_opts *o, const char *sub,
                         const char *arg)
{
    struct pcn_error e = {0};
    int64_t id = 0, version = 0, now = 0;
    int32_t on;
    char done[200];
    int rc = parse_id("id", arg, &id);

    if (rc == CLI_EXIT_OK)
        rc = parse_id("version", o->version, &version);
    if (rc == CLI_EXIT_OK)
        rc = parse_day("date", o->date, pcn_date_today(), &on);
    if (rc == CLI_EXIT_OK)
        rc = begin(store);
    if (rc != CLI_EXIT_OK)
        return rc;
    bool leave = strcmp(sub, "leave") == 0;
    enum pcn_err erc = leave
                           ? pcn_ppg_member_leave(store, &scope_all, id, version, on, &now, &e)
                           : pcn_ppg_withdraw_consent(store, &scope_all, id, version, on, &now, &e);
    (void)snprintf(done, sizeof(done), "member %lld %s (version %lld)", (long long)id,
                   leave ? "left the group" : "withdrew consent: contact details removed",
                   (long long)now);
    return finish_write(store, erc, &e, "ppg_member", id, done);
}

/* ---- activities ---- */

static int activity_add(struct pcn_store *store, const struct ppg_opts *o)
{
    int64_t groups[MAX_GROUPS];
    struct pcn_ppg_activity a = {.network = o->network,
                                 .title = o->title,
                                 .questions = o->questions,
                                 .heard = o->heard,
                                 .groups = groups,
                                 .n_groups = o->n_groups};
    struct pcn_error e = {0};
    int kind = 0, rung = 0;
    char done[200];
    int rc = parse_network(o, true);

    if (rc == CLI_EXIT_OK)
        rc = parse_vocab("kind", PCN_PPG_V_KIND, o->kind, &kind);
    if (rc == CLI_EXIT_OK)
        rc = parse_vocab("rung", PCN_PPG_V_RUNG, o->rung, &rung);
    if (rc == CLI_EXIT_OK && !o->date)
        rc = cli_usage_error(arg_cmd, "--held DATE is required");
    if (rc == CLI_EXIT_OK)
        rc = parse_day("held", o->date, PCN_DATE_NONE, &a.held);
    if (rc == CLI_EXIT_OK)
        rc = parse_people(o->people, &a.people);
    if (rc == CLI_EXIT_OK)
        rc = parse_opt_id("change", o->change, &a.change_id);
    for (size_t i = 0; rc == CLI_EXIT_OK && i < o->n_groups; i++)
        rc = parse_id("group", o->groups[i], &groups[i]);
    if (rc == CLI_EXIT_OK)
        rc = begin(store);
    if (rc != CLI_EXIT_OK)
        return rc;
    a.kind = (enum pcn_ppg_kind)kind;
    a.rung = (enum pcn_ppg_rung)rung;
    enum pcn_err erc = pcn_ppg_save_activity(store, &scope_all, &a, &e);
    (void)snprintf(done, sizeof(done), "activity %lld added: %s", (long long)a.id,
                   o->title ? o->title : "");
    return finish_write(store, erc, &e, "ppg_activity", a.id, done);
}

static int activities_list(struct pcn_store *store, const struct ppg_opts *o)
{
    struct pcn_ppg_view_opts v = {.filter = {.network = o->network}};
    struct pcn_table *t = NULL;
    int rc = parse_opt_id("group", o->group, &v.filter.group_id);

    if (rc != CLI_EXIT_OK)
        return rc;
    return print_view(t, pcn_view_ppg_activities(store, &v, &t, NULL), store, o->fmt);
}

/* ---- feedback ---- */

static int feedback_add(struct pcn_store *store, const struct ppg_opts *o)
{
    struct pcn_ppg_feedback f = {.network = o->network,
                                 .said = o->said,
                                 .responded = PCN_DATE_NONE,
                                 .outcome = PCN_PPG_OUTCOME_OPEN,
                                 .outcome_date = PCN_DATE_NONE};
    struct pcn_error e = {0};
    char done[200];
    int rc = parse_network(o, true);

    if (rc == CLI_EXIT_OK)
        rc = parse_opt_id("group", o->group, &f.group_id);
    if (rc == CLI_EXIT_OK)
        rc = parse_opt_id("activity", o->activity, &f.activity_id);
    if (rc == CLI_EXIT_OK)
        rc = parse_day("received", o->date, pcn_date_today(), &f.received);
    if (rc == CLI_EXIT_OK)
        rc = begin(store);
    if (rc != CLI_EXIT_OK)
        return rc;
    enum pcn_err erc = pcn_ppg_save_feedback(store, &scope_all, &f, &e);
    (void)snprintf(done, sizeof(done), "feedback %lld recorded", (long long)f.id);
    return finish_write(store, erc, &e, "ppg_feedback", f.id, done);
}

/* The feedback item as stored, for a response to be added to it. */
struct feedback_read {
    bool found;
    struct pcn_ppg_feedback f;
    char network[8];
    char said[PCN_PPG_TEXT_MAX + 1];
};

static int take_feedback(const struct pcn_ppg_feedback *f, void *ud)
{
    struct feedback_read *r = ud;

    r->found = true;
    r->f = *f;
    (void)snprintf(r->network, sizeof(r->network), "%s", f->network);
    (void)snprintf(r->said, sizeof(r->said), "%s", f->said);
    r->f.network = r->network;
    r->f.said = r->said;
    return 1;
}

static int feedback_respond(struct pcn_store *store, const struct ppg_opts *o, const char *arg)
{
    struct feedback_read r = {0};
    struct pcn_ppg_filter flt = {0};
    struct pcn_error e = {0};
    int64_t version = 0;
    int outcome = 0;
    char done[200];
    int rc = parse_id("id", arg, &flt.id);

    if (rc == CLI_EXIT_OK)
        rc = parse_id("version", o->version, &version);
    if (rc == CLI_EXIT_OK)
        rc = parse_vocab("outcome", PCN_PPG_V_OUTCOME, o->outcome, &outcome);
    if (rc == CLI_EXIT_OK)
        rc = begin(store);
    if (rc != CLI_EXIT_OK)
        return rc;
    enum pcn_err erc = pcn_store_each_ppg_feedback(store, &flt, take_feedback, &r);
    if (erc == PCN_OK && !r.found)
        erc = pcn_error_set(&e, PCN_ENOTFOUND, "no feedback %lld", (long long)flt.id);
    if (erc == PCN_OK) {
        int32_t on = pcn_date_today();
        if (o->date)
            (void)pcn_date_parse(o->date, strlen(o->date), &on);
        r.f.version = version;
        r.f.response = o->response ? o->response : r.f.response;
        r.f.responded = r.f.responded == PCN_DATE_NONE ? on : r.f.responded;
        r.f.outcome = (enum pcn_ppg_outcome)outcome;
        r.f.reason = o->reason;
        r.f.outcome_date = on;
        r.f.published = o->publish < 0 ? r.f.published : o->publish;
        erc = pcn_ppg_save_feedback(store, &scope_all, &r.f, &e);
    }
    (void)snprintf(done, sizeof(done), "feedback %lld: %s%s (version %lld)", (long long)flt.id,
                   pcn_ppg_label(PCN_PPG_V_OUTCOME, outcome), r.f.published ? ", published" : "",
                   (long long)r.f.version);
    return finish_write(store, erc, &e, "ppg_feedback", flt.id, done);
}

static int feedback_list(struct pcn_store *store, const struct ppg_opts *o)
{
    struct pcn_ppg_view_opts v = {
        .filter = {.network = o->network, .published_only = o->published_only}};
    struct pcn_table *t = NULL;
    int rc = parse_opt_id("group", o->group, &v.filter.group_id);

    if (rc != CLI_EXIT_OK)
        return rc;
    return print_view(t, pcn_view_ppg_feedback(store, &v, &t, NULL), store, o->fmt);
}

/* ---- changes ---- */

static int change_add(struct pcn_store *store, const struct ppg_opts *o)
{
    struct pcn_ppg_change c = {0, o->network, o->title, o->description, PCN_DATE_NONE, 0};
    struct pcn_error e = {0};
    char done[200];
    int rc = parse_network(o, true);

    if (rc == CLI_EXIT_OK)
        rc = parse_day("started", o->date, PCN_DATE_NONE, &c.started);
    if (rc == CLI_EXIT_OK)
        rc = begin(store);
    if (rc != CLI_EXIT_OK)
        return rc;
    enum pcn_err erc = pcn_ppg_save_change(store, &scope_all, &c, &e);
    (void)snprintf(done, sizeof(done), "change %lld added: %s", (long long)c.id,
                   o->title ? o->title : "");
    return finish_write(store, erc, &e, "ppg_change", c.id, done);
}

static int change_involve(struct pcn_store *store, const struct ppg_opts *o, const char *arg)
{
    struct pcn_ppg_involvement v = {.who = o->who, .note = o->note};
    struct pcn_error e = {0};
    int stage = 0, rung = 0;
    char done[200];
    int rc = parse_id("change", arg, &v.change_id);

    if (rc == CLI_EXIT_OK)
        rc = parse_vocab("stage", PCN_PPG_V_STAGE, o->stage, &stage);
    if (rc == CLI_EXIT_OK)
        rc = parse_vocab("rung", PCN_PPG_V_RUNG, o->rung, &rung);
    if (rc == CLI_EXIT_OK)
        rc = parse_opt_id("group", o->group, &v.group_id);
    if (rc == CLI_EXIT_OK)
        rc = parse_opt_id("activity", o->activity, &v.activity_id);
    if (rc == CLI_EXIT_OK)
        rc = parse_people(o->people, &v.people);
    if (rc == CLI_EXIT_OK && !o->date)
        rc = cli_usage_error(arg_cmd, "--date DATE is required");
    if (rc == CLI_EXIT_OK)
        rc = parse_day("date", o->date, PCN_DATE_NONE, &v.date);
    if (rc == CLI_EXIT_OK)
        rc = begin(store);
    if (rc != CLI_EXIT_OK)
        return rc;
    v.stage = (enum pcn_ppg_stage)stage;
    v.rung = (enum pcn_ppg_rung)rung;
    enum pcn_err erc = pcn_ppg_add_involvement(store, &scope_all, &v, &e);
    (void)snprintf(done, sizeof(done), "involvement %lld recorded for change %lld", (long long)v.id,
                   (long long)v.change_id);
    return finish_write(store, erc, &e, "ppg_involvement", v.id, done);
}

static int changes_list(struct pcn_store *store, const struct ppg_opts *o)
{
    struct pcn_ppg_view_opts v = {.filter = {.network = o->network}};
    struct pcn_table *t = NULL;

    return print_view(t, pcn_view_ppg_changes(store, &v, &t, NULL), store, o->fmt);
}

static int change_show(struct pcn_store *store, const struct ppg_opts *o, const char *arg)
{
    struct pcn_ppg_view_opts v = {0};
    struct pcn_table *t = NULL;
    int rc = parse_id("change", arg, &v.filter.change_id);

    if (rc != CLI_EXIT_OK)
        return rc;
    return print_view(t, pcn_view_ppg_involvement(store, &v, &t), store, o->fmt);
}

/* ---- reports ---- */

/* The records supplier: a snapshot of the store, built on first use. */
struct records {
    struct pcn_store *store;
    struct pcn_snapshot *snap;
};

static enum pcn_err records_profiles(void *ud, int32_t as_of, const char *const *practices,
                                     size_t n, struct pcn_profile *ret)
{
    struct records *r = ud;
    struct pcn_error err;
    enum pcn_err rc = PCN_OK;

    if (!r->snap)
        rc = pcn_snapshot_from_store(r->store, &r->snap, &err);
    if (rc != PCN_OK)
        fprintf(stderr, "pcn %s: the population could not be read: %s\n", arg_cmd, err.msg);
    return rc == PCN_OK ? pcn_snapshot_profiles(r->snap, as_of, practices, n, ret) : rc;
}

static int print_json(void *j)
{
    int rc = json_dumpf(j, stdout, JSON_COMPACT | JSON_REAL_PRECISION(15)) == 0 &&
                     fputc('\n', stdout) != EOF
                 ? 0
                 : -1;

    json_decref(j);
    return rc == 0 && fflush(stdout) == 0 ? CLI_EXIT_OK
                                          : cli_runtime_error(arg_cmd, "writing output failed");
}

static int print_representativeness(const struct pcn_ppg_repr *r, enum pcn_format fmt)
{
    struct pcn_table *t = NULL;
    struct pcn_buf b = PCN_BUF_INIT;
    void *j = NULL;
    int rc = CLI_EXIT_OK;

    if (fmt == PCN_FORMAT_JSON)
        return pcn_ppg_repr_json(r, &j) == PCN_OK ? print_json(j)
                                                  : cli_runtime_error(arg_cmd, "out of memory");
    if (pcn_ppg_repr_table(r, &t) != PCN_OK)
        return cli_runtime_error(arg_cmd, "out of memory");
    if (fmt == PCN_FORMAT_TABLE) {
        pcn_buf_init(&b, (size_t)16 << 20);
        if (pcn_ppg_repr_text(r, &b) != PCN_OK || fputs(b.buf, stdout) == EOF ||
            fputc('\n', stdout) == EOF)
            rc = cli_runtime_error(arg_cmd, "writing output failed");
        pcn_buf_release(&b);
    }
    if (rc == CLI_EXIT_OK)
        rc = cli_print_table(arg_cmd, t, fmt);
    pcn_table_free(t);
    return rc;
}

static int report_representativeness(struct pcn_store *store, const struct ppg_opts *o)
{
    struct records rec = {store, NULL};
    struct pcn_ppg_repr_opts ro = {.network = o->network,
                                   .as_of = o->as_of,
                                   .profiles = records_profiles,
                                   .profiles_ud = &rec};
    struct pcn_ppg_repr *r = NULL;
    struct pcn_error e = {0};
    int rc = parse_opt_id("group", o->group, &ro.group_id);

    if (rc != CLI_EXIT_OK)
        return rc;
    if (pcn_ppg_representativeness(store, &ro, &r, &e) != PCN_OK)
        rc = cli_runtime_error(arg_cmd, "%s", e.msg);
    else
        rc = print_representativeness(r, o->fmt);
    pcn_ppg_repr_free(r);
    pcn_snapshot_free(rec.snap);
    return rc;
}

static int report(struct pcn_store *store, const struct ppg_opts *o, const char *name)
{
    struct pcn_ppg_view_opts v = {.filter = {.network = o->network}, .as_of = o->as_of};
    struct pcn_table *t = NULL;
    enum pcn_err rc;

    if (parse_opt_id("group", o->group, &v.filter.group_id) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    if (strcmp(name, "representativeness") == 0)
        return report_representativeness(store, o);
    if (strcmp(name, "ladder") == 0)
        rc = pcn_view_ppg_ladder(store, &v, &t);
    else if (strcmp(name, "coproduction") == 0)
        rc = pcn_view_ppg_coproduction(store, &v, &t);
    else
        rc = pcn_view_ppg_public(store, &v, &t, NULL);
    return print_view(t, rc, store, o->fmt);
}

/* ---- the network default ---- */

struct one_network {
    char code[8];
    bool several;
};

static int note_network(const struct pcn_ppg_group *g, void *ud)
{
    struct one_network *n = ud;

    if (!n->code[0])
        (void)snprintf(n->code, sizeof(n->code), "%s", g->network);
    else if (strcmp(n->code, g->network) != 0)
        n->several = true;
    return n->several;
}

/* Reports need a network: --network, else the one network that has groups. */
static int default_network(struct pcn_store *store, struct ppg_opts *o, struct one_network *n)
{
    if (o->network)
        return CLI_EXIT_OK;
    if (pcn_store_each_ppg_group(store, NULL, note_network, n) != PCN_OK)
        return cli_runtime_error(arg_cmd, "%s", pcn_store_errmsg(store));
    if (!n->code[0] || n->several)
        return cli_usage_error(arg_cmd, "--network CODE is required (%s)",
                               n->several ? "groups in several networks" : "no groups yet");
    o->network = n->code;
    return CLI_EXIT_OK;
}

/* ---- dispatch ---- */

struct command {
    const char *name; /* "members add" */
    int n_args;       /* positional arguments after the subcommand */
    bool writes;
    bool needs_network; /* reports: --network or the default */
};

static const struct command commands[] = {
    {"groups", 0, false, false},
    {"group-add", 0, true, false},
    {"members list", 0, false, false},
    {"members add", 0, true, false},
    {"members import", 1, true, false},
    {"members leave", 1, true, false},
    {"members withdraw", 1, true, false},
    {"activities list", 0, false, false},
    {"activities add", 0, true, false},
    {"feedback list", 0, false, false},
    {"feedback add", 0, true, false},
    {"feedback respond", 1, true, false},
    {"changes list", 0, false, false},
    {"changes add", 0, true, false},
    {"changes show", 1, false, false},
    {"changes involve", 1, true, false},
    {"report representativeness", 0, false, true},
    {"report ladder", 0, false, true},
    {"report coproduction", 0, false, true},
    {"report public", 0, false, true},
};

static int run(struct pcn_store *store, const struct command *c, struct ppg_opts *o,
               const char *arg)
{
    const char *n = c->name;

    if (strcmp(n, "groups") == 0)
        return groups_list(store, o);
    if (strcmp(n, "group-add") == 0)
        return group_add(store, o);
    if (strcmp(n, "members list") == 0)
        return members_list(store, o);
    if (strcmp(n, "members add") == 0)
        return member_add(store, o);
    if (strcmp(n, "members import") == 0)
        return members_import(store, o, arg);
    if (strncmp(n, "members ", 8) == 0)
        return member_change(store, o, n + 8, arg);
    if (strcmp(n, "activities list") == 0)
        return activities_list(store, o);
    if (strcmp(n, "activities add") == 0)
        return activity_add(store, o);
    if (strcmp(n, "feedback list") == 0)
        return feedback_list(store, o);
    if (strcmp(n, "feedback add") == 0)
        return feedback_add(store, o);
    if (strcmp(n, "feedback respond") == 0)
        return feedback_respond(store, o, arg);
    if (strcmp(n, "changes list") == 0)
        return changes_list(store, o);
    if (strcmp(n, "changes add") == 0)
        return change_add(store, o);
    if (strcmp(n, "changes show") == 0)
        return change_show(store, o, arg);
    if (strcmp(n, "changes involve") == 0)
        return change_involve(store, o, arg);
    return report(store, o, n + 7);
}

/* The option table: each long option and where its value goes. */
static const char **slot(struct ppg_opts *o, int c)
{
    switch (c) {
    case 'd':
        return &o->db;
    case 'n':
        return &o->network;
    case 'P':
        return &o->practice;
    case 'N':
        return &o->name;
    case 'E':
        return &o->email;
    case 'T':
        return &o->phone;
    case 'C':
        return &o->consent;
    case 'r':
        return &o->role;
    case 'A':
        return &o->age;
    case 'S':
        return &o->sex;
    case 'e':
        return &o->eth;
    case 'D':
        return &o->district;
    case 'Q':
        return &o->quintile;
    case 'c':
        return &o->carer;
    case 'I':
        return &o->disability;
    case 'L':
        return &o->ltc;
    case 'k':
        return &o->kind;
    case 'R':
        return &o->rung;
    case 't':
        return &o->title;
    case 'p':
        return &o->people;
    case 'q':
        return &o->questions;
    case 'h':
        return &o->heard;
    case 's':
        return &o->said;
    case 'o':
        return &o->response;
    case 'O':
        return &o->outcome;
    case 'y':
        return &o->reason;
    case 'G':
        return &o->stage;
    case 'w':
        return &o->who;
    case 'x':
        return &o->note;
    case 'X':
        return &o->description;
    case 'V':
        return &o->version;
    case 'H':
        return &o->change;
    case 'a':
        return &o->activity;
    case 'z':
        return &o->date;
    default:
        return NULL;
    }
}

static int parse_opts(int argc, char **argv, int first, struct ppg_opts *o)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"network", required_argument, NULL, 'n'},
        {"practice", required_argument, NULL, 'P'},
        {"name", required_argument, NULL, 'N'},
        {"email", required_argument, NULL, 'E'},
        {"phone", required_argument, NULL, 'T'},
        {"consent", required_argument, NULL, 'C'},
        {"role", required_argument, NULL, 'r'},
        {"age-band", required_argument, NULL, 'A'},
        {"sex", required_argument, NULL, 'S'},
        {"ethnic-group", required_argument, NULL, 'e'},
        {"postcode-district", required_argument, NULL, 'D'},
        {"deprivation-quintile", required_argument, NULL, 'Q'},
        {"carer", required_argument, NULL, 'c'},
        {"disability", required_argument, NULL, 'I'},
        {"long-term-condition", required_argument, NULL, 'L'},
        {"kind", required_argument, NULL, 'k'},
        {"rung", required_argument, NULL, 'R'},
        {"title", required_argument, NULL, 't'},
        {"people", required_argument, NULL, 'p'},
        {"questions", required_argument, NULL, 'q'},
        {"heard", required_argument, NULL, 'h'},
        {"said", required_argument, NULL, 's'},
        {"response", required_argument, NULL, 'o'},
        {"outcome", required_argument, NULL, 'O'},
        {"reason", required_argument, NULL, 'y'},
        {"stage", required_argument, NULL, 'G'},
        {"who", required_argument, NULL, 'w'},
        {"note", required_argument, NULL, 'x'},
        {"description", required_argument, NULL, 'X'},
        {"version", required_argument, NULL, 'V'},
        {"change", required_argument, NULL, 'H'},
        {"activity", required_argument, NULL, 'a'},
        {"date", required_argument, NULL, 'z'},
        {"joined", required_argument, NULL, 'z'},
        {"held", required_argument, NULL, 'z'},
        {"received", required_argument, NULL, 'z'},
        {"started", required_argument, NULL, 'z'},
        {"formed", required_argument, NULL, 'z'},
        {"group", required_argument, NULL, 'g'},
        {"format", required_argument, NULL, 'f'},
        {"as-of", required_argument, NULL, 'W'},
        {"publish", no_argument, NULL, 'U'},
        {"unpublish", no_argument, NULL, 'u'},
        {"published", no_argument, NULL, 'B'},
        {NULL, 0, NULL, 0},
    };

    optind = first;
    for (;;) {
        int c = getopt_long(argc, argv, "", opts, NULL);
        const char **s = slot(o, c);
        if (c == -1)
            return CLI_EXIT_OK;
        if (s) {
            *s = optarg;
        } else if (c == 'g') {
            if (o->n_groups == MAX_GROUPS)
                return cli_usage_error(arg_cmd, "--group: at most %d", MAX_GROUPS);
            o->groups[o->n_groups++] = optarg;
            o->group = optarg;
        } else if (c == 'f') {
            if (cli_parse_format(arg_cmd, optarg, &o->fmt) != CLI_EXIT_OK)
                return CLI_EXIT_USAGE;
        } else if (c == 'W') {
            if (cli_parse_date(arg_cmd, "--as-of", optarg, &o->as_of) != CLI_EXIT_OK)
                return CLI_EXIT_USAGE;
            o->as_of_given = true;
        } else if (c == 'U' || c == 'u') {
            o->publish = c == 'U';
        } else if (c == 'B') {
            o->published_only = 1;
        } else {
            return CLI_EXIT_USAGE;
        }
    }
}

/* The command named by argv[1] (and argv[2] for two-word commands). */
static const struct command *find_command(int argc, char **argv, int *ret_words)
{
    for (size_t i = 0; i < PCN_ARRAY_SIZE(commands); i++) {
        const char *n = commands[i].name;
        const char *sp = strchr(n, ' ');
        if (!sp && strcmp(argv[1], n) == 0) {
            *ret_words = 1;
            return &commands[i];
        }
        if (sp && argc > 2 && strncmp(argv[1], n, (size_t)(sp - n)) == 0 &&
            argv[1][sp - n] == '\0' && strcmp(argv[2], sp + 1) == 0) {
            *ret_words = 2;
            return &commands[i];
        }
    }
    return NULL;
}

int cmd_ppg(int argc, char **argv)
{
    struct ppg_opts o = {.fmt = PCN_FORMAT_TABLE, .publish = -1};
    struct one_network net = {"", false};
    struct pcn_store *store = NULL;
    const struct command *c;
    int words = 0, rc;

    if (argc < 2 || cli_wants_help(argc, argv)) {
        fputs(ppg_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    c = find_command(argc, argv, &words);
    if (!c)
        return cli_usage_error("ppg", "unknown command '%s%s%s' (see 'pcn ppg --help')", argv[1],
                               argc > 2 ? " " : "", argc > 2 ? argv[2] : "");
    (void)snprintf(arg_cmd, sizeof(arg_cmd), "ppg %s", c->name);
    rc = parse_opts(argc, argv, 1 + words, &o);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (argc - optind != c->n_args)
        return cli_usage_error(arg_cmd, "takes %s", c->n_args ? "one argument" : "no arguments");
    rc = cli_open_store(arg_cmd, o.db, c->writes ? 0 : PCN_STORE_FLAG_READONLY, &store);
    if (rc == CLI_EXIT_OK && !o.as_of_given)
        rc = cli_default_as_of(arg_cmd, store, &o.as_of);
    if (rc == CLI_EXIT_OK && c->needs_network)
        rc = default_network(store, &o, &net);
    if (rc == CLI_EXIT_OK)
        rc = run(store, c, &o, c->n_args ? argv[optind] : NULL);
    pcn_store_close(store);
    return rc;
}
