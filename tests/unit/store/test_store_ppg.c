/*
 * Storage conformance, the patient partnership domain (pcn/store_ppg.h):
 * every record added, read back field by field, updated under optimistic
 * concurrency (a stale version is PCN_ECONFLICT, a missing record
 * PCN_ENOTFOUND), filtered; the schema's constraints (one PPG per
 * practice, references, consent withdrawn keeps no contact details), a
 * rollback, writes only inside a transaction, and writes that leave the
 * data version alone. Runs on every backend (store_test.h).
 */
#include "store_test.h"

#include "pcn/date.h"
#include "pcn/store.h"
#include "pcn/store_ppg.h"
#include "pcn/store_registry.h"

/* A network of two practices, inside a transaction of its own. */
static void put_registry(struct pcn_store *s)
{
    struct pcn_network n = {.code = "U12345", .name = "Test PCN"};
    struct pcn_network other = {.code = "U54321", .name = "Other PCN"};
    struct pcn_practice a = {.code = "A81001", .name = "North Surgery"};
    struct pcn_practice b = {.code = "A81002", .name = "South Surgery"};

    assert_int_equal(pcn_store_begin(s), PCN_OK);
    assert_int_equal(pcn_store_put_network(s, &n), PCN_OK);
    assert_int_equal(pcn_store_put_network(s, &other), PCN_OK);
    assert_int_equal(pcn_store_put_practice(s, &a), PCN_OK);
    assert_int_equal(pcn_store_put_practice(s, &b), PCN_OK);
    assert_int_equal(pcn_store_commit(s), PCN_OK);
}

struct seen {
    int n;
    struct pcn_ppg_group group;
    char name[64];
    char practice[16];
    struct pcn_ppg_member member;
    char member_name[64];
    int64_t ids[8];
    size_t n_ids;
    struct pcn_ppg_activity activity;
    struct pcn_ppg_feedback feedback;
    char reason[64];
    struct pcn_ppg_involvement involvement;
    char who[64];
};

static int see_group(const struct pcn_ppg_group *g, void *ud)
{
    struct seen *w = ud;

    w->n++;
    w->group = *g;
    (void)snprintf(w->name, sizeof(w->name), "%s", g->name);
    (void)snprintf(w->practice, sizeof(w->practice), "%s", g->practice ? g->practice : "-");
    w->group.name = w->name;
    w->group.practice = NULL;
    w->group.network = NULL;
    return 0;
}

static int add_group(struct pcn_store *s, const char *practice, const char *name, int64_t *id)
{
    struct pcn_ppg_group g = {0, "U12345", practice, name, PCN_DATE_NONE, 0};

    return pcn_store_put_ppg_group(s, &g, id, NULL);
}

static void test_groups(void **state)
{
    struct test_db *f = store_test_db(state);
    struct pcn_ppg_group g = {
        0, "U12345", "A81001", "North Surgery PPG", store_test_date("2019-05-01"), 0};
    struct pcn_ppg_filter flt = {.network = "U12345"};
    struct seen w = {0};
    int64_t id = 0, net = 0, version = 0, dv0 = 0, dv1 = 0;

    put_registry(f->s);
    assert_int_equal(pcn_store_data_version(f->s, &dv0), PCN_OK);
    assert_int_equal(pcn_store_put_ppg_group(f->s, &g, &id, NULL), PCN_EINVAL); /* no tx */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_put_ppg_group(f->s, &g, &id, &version), PCN_OK);
    assert_true(id > 0);
    assert_int_equal(version, 1);
    assert_int_equal(add_group(f->s, NULL, "Network patient forum", &net), PCN_OK);
    /* one PPG per practice; names unique in a network */
    assert_int_equal(add_group(f->s, "A81001", "Second PPG", NULL), PCN_ECONFLICT);
    assert_int_equal(add_group(f->s, "A81002", "Network patient forum", NULL), PCN_ECONFLICT);
    /* the record check runs before any backend sees it */
    assert_int_equal(add_group(f->s, "A81002", "", NULL), PCN_EINVAL);
    assert_non_null(strstr(pcn_store_errmsg(f->s), "name: required"));
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_data_version(f->s, &dv1), PCN_OK);
    assert_int_equal(dv0, dv1); /* engagement writes are not population data */

    assert_int_equal(pcn_store_each_ppg_group(f->s, &flt, see_group, &w), PCN_OK);
    assert_int_equal(w.n, 2);
    assert_string_equal(w.name, "Network patient forum"); /* network-level groups come last */
    assert_string_equal(w.practice, "-");
    flt.id = id;
    w.n = 0;
    assert_int_equal(pcn_store_each_ppg_group(f->s, &flt, see_group, &w), PCN_OK);
    assert_int_equal(w.n, 1);
    assert_string_equal(w.practice, "A81001");
    assert_int_equal(w.group.formed, store_test_date("2019-05-01"));
    assert_int_equal(w.group.version, 1);

    /* update: the version read is required, a stale one refused, a missing record named */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    g.id = id;
    g.name = "North Surgery Patient Group";
    g.version = 0;
    assert_int_equal(pcn_store_put_ppg_group(f->s, &g, NULL, NULL), PCN_EINVAL);
    g.version = 1;
    assert_int_equal(pcn_store_put_ppg_group(f->s, &g, NULL, &version), PCN_OK);
    assert_int_equal(version, 2);
    assert_int_equal(pcn_store_put_ppg_group(f->s, &g, NULL, NULL), PCN_ECONFLICT);
    assert_non_null(strstr(pcn_store_errmsg(f->s), "changed by someone else since version 1"));
    g.id = 999;
    assert_int_equal(pcn_store_put_ppg_group(f->s, &g, NULL, NULL), PCN_ENOTFOUND);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    w.n = 0;
    assert_int_equal(pcn_store_each_ppg_group(f->s, &flt, see_group, &w), PCN_OK);
    assert_string_equal(w.name, "North Surgery Patient Group");
    assert_int_equal(w.group.version, 2);

    /* a rollback leaves nothing behind */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(add_group(f->s, "A81002", "South PPG", NULL), PCN_OK);
    pcn_store_rollback(f->s);
    flt = (struct pcn_ppg_filter){.network = "U12345"};
    w.n = 0;
    assert_int_equal(pcn_store_each_ppg_group(f->s, &flt, see_group, &w), PCN_OK);
    assert_int_equal(w.n, 2);
    flt.network = "U54321";
    w.n = 0;
    assert_int_equal(pcn_store_each_ppg_group(f->s, &flt, see_group, &w), PCN_OK);
    assert_int_equal(w.n, 0);
}

static int see_member(const struct pcn_ppg_member *m, void *ud)
{
    struct seen *w = ud;

    w->n++;
    w->member = *m;
    (void)snprintf(w->member_name, sizeof(w->member_name), "%s", m->name ? m->name : "(none)");
    w->member.name = NULL;
    w->member.email = m->email ? "set" : NULL;
    w->member.phone = m->phone ? "set" : NULL;
    w->member.district = m->district ? "set" : NULL;
    return 0;
}

static void test_members(void **state)
{
    struct test_db *f = store_test_db(state);
    int64_t gid = 0, other = 0, id = 0, version = 0;
    struct pcn_ppg_member m = {.name = "Ann Example",
                               .email = "ann@example.org",
                               .phone = "01642 123456",
                               .consent = 1,
                               .role = PCN_PPG_ROLE_CHAIR,
                               .age = PCN_PPG_AGE_65_74,
                               .sex = PCN_PPG_SEX_FEMALE,
                               .eth = PCN_PPG_ETH_WHITE,
                               .district = "TS18",
                               .quintile = 2,
                               .carer = PCN_PPG_YES,
                               .disability = PCN_PPG_NO,
                               .ltc = PCN_PPG_YESNO_NOT_STATED,
                               .joined = store_test_date("2020-01-01"),
                               .left = PCN_DATE_NONE,
                               .withdrawn = PCN_DATE_NONE};
    struct pcn_ppg_member blank = {.name = "Bob",
                                   .joined = store_test_date("2021-01-01"),
                                   .left = PCN_DATE_NONE,
                                   .withdrawn = PCN_DATE_NONE};
    struct pcn_ppg_filter flt = {0};
    struct seen w = {0};

    put_registry(f->s);
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(add_group(f->s, "A81001", "North PPG", &gid), PCN_OK);
    assert_int_equal(add_group(f->s, "A81002", "South PPG", &other), PCN_OK);
    m.group_id = gid;
    blank.group_id = other;
    assert_int_equal(pcn_store_put_ppg_member(f->s, &m, &id, &version), PCN_OK);
    assert_int_equal(pcn_store_put_ppg_member(f->s, &blank, NULL, NULL), PCN_OK);
    blank.group_id = 4242; /* no such group */
    assert_int_equal(pcn_store_put_ppg_member(f->s, &blank, NULL, NULL), PCN_ECONFLICT);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);

    flt.id = id;
    assert_int_equal(pcn_store_each_ppg_member(f->s, &flt, see_member, &w), PCN_OK);
    assert_int_equal(w.n, 1);
    assert_string_equal(w.member_name, "Ann Example");
    assert_non_null(w.member.email);
    assert_non_null(w.member.phone);
    assert_non_null(w.member.district);
    assert_int_equal(w.member.consent, 1);
    assert_int_equal(w.member.role, PCN_PPG_ROLE_CHAIR);
    assert_int_equal(w.member.age, PCN_PPG_AGE_65_74);
    assert_int_equal(w.member.sex, PCN_PPG_SEX_FEMALE);
    assert_int_equal(w.member.eth, PCN_PPG_ETH_WHITE);
    assert_int_equal(w.member.quintile, 2);
    assert_int_equal(w.member.carer, PCN_PPG_YES);
    assert_int_equal(w.member.disability, PCN_PPG_NO);
    assert_int_equal(w.member.ltc, PCN_PPG_YESNO_NOT_STATED);
    assert_int_equal(w.member.joined, store_test_date("2020-01-01"));
    assert_int_equal(w.member.left, PCN_DATE_NONE);
    assert_int_equal(w.member.withdrawn, PCN_DATE_NONE);
    assert_int_equal(w.member.version, 1);

    /* the blank member: every fact not stated, no contact details */
    flt = (struct pcn_ppg_filter){.group_id = other};
    w.n = 0;
    assert_int_equal(pcn_store_each_ppg_member(f->s, &flt, see_member, &w), PCN_OK);
    assert_int_equal(w.n, 1);
    assert_int_equal(w.member.age, PCN_PPG_AGE_NOT_STATED);
    assert_int_equal(w.member.eth, PCN_PPG_ETH_NOT_STATED);
    assert_int_equal(w.member.quintile, 0);
    assert_null(w.member.email);
    assert_null(w.member.district);

    /* consent withdrawn: contact details go, the facts stay */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    m.id = id;
    m.version = version;
    m.name = m.email = m.phone = m.district = NULL;
    m.consent = 0;
    m.withdrawn = store_test_date("2024-06-01");
    m.left = store_test_date("2024-06-01");
    assert_int_equal(pcn_store_put_ppg_member(f->s, &m, NULL, &version), PCN_OK);
    assert_int_equal(version, 2);
    assert_int_equal(pcn_store_put_ppg_member(f->s, &m, NULL, NULL), PCN_ECONFLICT);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    flt = (struct pcn_ppg_filter){.network = "U12345", .group_id = gid};
    w.n = 0;
    assert_int_equal(pcn_store_each_ppg_member(f->s, &flt, see_member, &w), PCN_OK);
    assert_int_equal(w.n, 1);
    assert_string_equal(w.member_name, "(none)");
    assert_null(w.member.email);
    assert_null(w.member.district);
    assert_int_equal(w.member.age, PCN_PPG_AGE_65_74);
    assert_int_equal(w.member.quintile, 2);
    assert_int_equal(w.member.withdrawn, store_test_date("2024-06-01"));
    flt = (struct pcn_ppg_filter){.network = "U54321"};
    w.n = 0;
    assert_int_equal(pcn_store_each_ppg_member(f->s, &flt, see_member, &w), PCN_OK);
    assert_int_equal(w.n, 0);
}

static int see_activity(const struct pcn_ppg_activity *a, void *ud)
{
    struct seen *w = ud;

    w->n++;
    w->activity = *a;
    w->n_ids = a->n_groups;
    for (size_t i = 0; i < a->n_groups && i < 8; i++)
        w->ids[i] = a->groups[i];
    w->activity.groups = NULL;
    w->activity.title = w->activity.network = w->activity.questions = w->activity.heard = NULL;
    return 0;
}

static int see_feedback(const struct pcn_ppg_feedback *fb, void *ud)
{
    struct seen *w = ud;

    w->n++;
    w->feedback = *fb;
    (void)snprintf(w->reason, sizeof(w->reason), "%s", fb->reason ? fb->reason : "");
    w->feedback.said = w->feedback.response = w->feedback.reason = w->feedback.network = NULL;
    return 0;
}

static void test_activities_and_feedback(void **state)
{
    struct test_db *f = store_test_db(state);
    int64_t g1 = 0, g2 = 0, aid = 0, fid = 0, version = 0;
    int64_t both[] = {0, 0};
    struct pcn_ppg_activity a = {.network = "U12345",
                                 .kind = PCN_PPG_KIND_CO_DESIGN,
                                 .rung = PCN_PPG_RUNG_CO_PRODUCE,
                                 .title = "Designing the online request route",
                                 .held = store_test_date("2025-05-10"),
                                 .people = -1,
                                 .questions = "What would make online requests easy?\nWhen?",
                                 .heard = "A phone fallback is needed",
                                 .groups = both,
                                 .n_groups = 2};
    struct pcn_ppg_feedback fb = {.network = "U12345",
                                  .received = store_test_date("2025-05-10"),
                                  .said = "Phones are engaged at 8am",
                                  .responded = PCN_DATE_NONE,
                                  .outcome = PCN_PPG_OUTCOME_OPEN,
                                  .outcome_date = PCN_DATE_NONE};
    struct pcn_ppg_filter flt = {0};
    struct seen w = {0};

    put_registry(f->s);
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(add_group(f->s, "A81001", "North PPG", &g1), PCN_OK);
    assert_int_equal(add_group(f->s, "A81002", "South PPG", &g2), PCN_OK);
    both[0] = g2; /* stored and read back in id order */
    both[1] = g1;
    assert_int_equal(pcn_store_put_ppg_activity(f->s, &a, &aid, NULL), PCN_OK);
    fb.activity_id = aid;
    fb.group_id = g1;
    assert_int_equal(pcn_store_put_ppg_feedback(f->s, &fb, &fid, &version), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);

    flt.id = aid;
    assert_int_equal(pcn_store_each_ppg_activity(f->s, &flt, see_activity, &w), PCN_OK);
    assert_int_equal(w.n, 1);
    assert_int_equal(w.n_ids, 2);
    assert_true(w.ids[0] == g1 && w.ids[1] == g2);
    assert_int_equal(w.activity.kind, PCN_PPG_KIND_CO_DESIGN);
    assert_int_equal(w.activity.rung, PCN_PPG_RUNG_CO_PRODUCE);
    assert_int_equal(w.activity.people, -1);
    assert_int_equal(w.activity.change_id, 0);

    /* an update replaces the groups; a filter by group sees only its activities */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    a.id = aid;
    a.version = 1;
    a.n_groups = 1;
    both[0] = g1;
    a.people = 14;
    assert_int_equal(pcn_store_put_ppg_activity(f->s, &a, NULL, &version), PCN_OK);
    assert_int_equal(version, 2);
    assert_int_equal(pcn_store_put_ppg_activity(f->s, &a, NULL, NULL), PCN_ECONFLICT);
    both[0] = 9999; /* no such group: refused by the reference */
    a.version = 2;
    assert_int_equal(pcn_store_put_ppg_activity(f->s, &a, NULL, NULL), PCN_ECONFLICT);
    pcn_store_rollback(f->s);
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    a.version = 1;
    both[0] = g1;
    assert_int_equal(pcn_store_put_ppg_activity(f->s, &a, NULL, NULL), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    flt = (struct pcn_ppg_filter){.group_id = g2};
    w.n = 0;
    assert_int_equal(pcn_store_each_ppg_activity(f->s, &flt, see_activity, &w), PCN_OK);
    assert_int_equal(w.n, 0);
    flt.group_id = g1;
    assert_int_equal(pcn_store_each_ppg_activity(f->s, &flt, see_activity, &w), PCN_OK);
    assert_int_equal(w.n, 1);
    assert_int_equal(w.n_ids, 1);
    assert_int_equal(w.activity.people, 14);

    /* feedback: answered, not possible with a reason, published */
    flt = (struct pcn_ppg_filter){.network = "U12345", .published_only = 1};
    w.n = 0;
    assert_int_equal(pcn_store_each_ppg_feedback(f->s, &flt, see_feedback, &w), PCN_OK);
    assert_int_equal(w.n, 0);
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    fb.id = fid;
    fb.version = 1;
    fb.response = "Call-backs were considered";
    fb.responded = store_test_date("2025-06-01");
    fb.outcome = PCN_PPG_OUTCOME_NOT_POSSIBLE;
    fb.reason = "The telephone contract runs to 2027";
    fb.outcome_date = store_test_date("2025-06-01");
    fb.published = 1;
    assert_int_equal(pcn_store_put_ppg_feedback(f->s, &fb, NULL, NULL), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_each_ppg_feedback(f->s, &flt, see_feedback, &w), PCN_OK);
    assert_int_equal(w.n, 1);
    assert_int_equal(w.feedback.outcome, PCN_PPG_OUTCOME_NOT_POSSIBLE);
    assert_string_equal(w.reason, "The telephone contract runs to 2027");
    assert_int_equal(w.feedback.published, 1);
    assert_int_equal(w.feedback.group_id, g1);
    assert_int_equal(w.feedback.activity_id, aid);
    assert_int_equal(w.feedback.version, 2);
    assert_int_equal(w.feedback.responded, store_test_date("2025-06-01"));
}

static int see_involvement(const struct pcn_ppg_involvement *v, void *ud)
{
    struct seen *w = ud;

    w->n++;
    w->involvement = *v;
    (void)snprintf(w->who, sizeof(w->who), "%s", v->who ? v->who : "");
    w->involvement.who = w->involvement.note = NULL;
    return 0;
}

static int count_change(const struct pcn_ppg_change *c, void *ud)
{
    (void)c;
    ((struct seen *)ud)->n++;
    return 0;
}

static void test_changes_and_involvement(void **state)
{
    struct test_db *f = store_test_db(state);
    struct pcn_ppg_change c = {0,
                               "U12345",
                               "First contact physiotherapy",
                               "Physiotherapists see MSK problems first",
                               store_test_date("2024-09-01"),
                               0};
    struct pcn_ppg_involvement v = {.stage = PCN_PPG_STAGE_NEEDS,
                                    .rung = PCN_PPG_RUNG_INVOLVE,
                                    .date = store_test_date("2024-09-10"),
                                    .people = 12};
    struct pcn_ppg_filter flt = {.network = "U12345"};
    struct seen w = {0};
    int64_t g = 0, cid = 0, v1 = 0, v2 = 0;

    put_registry(f->s);
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(add_group(f->s, NULL, "Network forum", &g), PCN_OK);
    assert_int_equal(pcn_store_put_ppg_change(f->s, &c, &cid, NULL), PCN_OK);
    v.change_id = cid;
    v.group_id = g;
    assert_int_equal(pcn_store_add_ppg_involvement(f->s, &v, &v1), PCN_OK);
    v.group_id = 0;
    v.who = "Healthwatch";
    v.stage = PCN_PPG_STAGE_EVALUATION;
    v.people = -1;
    v.date = store_test_date("2025-09-10");
    assert_int_equal(pcn_store_add_ppg_involvement(f->s, &v, &v2), PCN_OK);
    v.change_id = 777; /* no such change */
    assert_int_equal(pcn_store_add_ppg_involvement(f->s, &v, NULL), PCN_ECONFLICT);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);

    assert_int_equal(pcn_store_each_ppg_change(f->s, &flt, count_change, &w), PCN_OK);
    assert_int_equal(w.n, 1);
    w.n = 0;
    assert_int_equal(pcn_store_each_ppg_involvement(f->s, &flt, see_involvement, &w), PCN_OK);
    assert_int_equal(w.n, 2);
    assert_int_equal(w.involvement.stage, PCN_PPG_STAGE_EVALUATION); /* date order */
    assert_string_equal(w.who, "Healthwatch");
    assert_int_equal(w.involvement.group_id, 0);
    assert_int_equal(w.involvement.people, -1);
    flt.group_id = g;
    w.n = 0;
    assert_int_equal(pcn_store_each_ppg_involvement(f->s, &flt, see_involvement, &w), PCN_OK);
    assert_int_equal(w.n, 1);
    assert_int_equal(w.involvement.people, 12);
    assert_int_equal(w.involvement.rung, PCN_PPG_RUNG_INVOLVE);

    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_remove_ppg_involvement(f->s, v1), PCN_OK);
    assert_int_equal(pcn_store_remove_ppg_involvement(f->s, v1), PCN_ENOTFOUND);
    c.id = cid;
    c.version = 1;
    c.title = "First contact physiotherapy service";
    assert_int_equal(pcn_store_put_ppg_change(f->s, &c, NULL, NULL), PCN_OK);
    assert_int_equal(pcn_store_put_ppg_change(f->s, &c, NULL, NULL), PCN_ECONFLICT);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    flt = (struct pcn_ppg_filter){.change_id = cid};
    w.n = 0;
    assert_int_equal(pcn_store_each_ppg_involvement(f->s, &flt, see_involvement, &w), PCN_OK);
    assert_int_equal(w.n, 1);
    assert_int_equal(pcn_store_remove_ppg_involvement(f->s, v2), PCN_EINVAL); /* no tx */
}

int main(void)
{
    static const struct store_test tests[] = {
        {"test_groups", test_groups, STORE_TEST_BOTH},
        {"test_members", test_members, STORE_TEST_BOTH},
        {"test_activities_and_feedback", test_activities_and_feedback, STORE_TEST_BOTH},
        {"test_changes_and_involvement", test_changes_and_involvement, STORE_TEST_BOTH},
    };

    return store_test_run("ppg", tests, sizeof(tests) / sizeof(tests[0]));
}
