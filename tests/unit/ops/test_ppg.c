/*
 * Unit tests for the patient partnership services and results
 * (ops/ppg.c, ppg_repr.c, ppg_repr_out.c, views_ppg.c): the rules of each
 * save (references in one network, scopes by role, a member never moves
 * group, consent withdrawn for good, only some roles publish, stale
 * versions), representativeness worked by hand (list bands for age and
 * sex, records for ethnic group and deprivation, the index, the gaps in
 * words, suppression, the trend), and the list views (ladder per
 * financial year, co-production from the start, the public board).
 */
#include "testutil.h"
#include "testutil_store.h"

#include <jansson.h>

#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/ppg_ops.h"
#include "pcn/record.h"
#include "pcn/store_ppg.h"
#include "pcn/store_registry.h"
#include "pcn/views_ppg.h"

static const struct pcn_ppg_scope all = PCN_PPG_SCOPE_ALL;

static int32_t day(const char *s)
{
    int32_t d = 0;

    assert_int_equal(pcn_date_parse(s, strlen(s), &d), PCN_OK);
    return d;
}

static void begin(struct pcn_store *s)
{
    assert_int_equal(pcn_store_begin(s), PCN_OK);
}

static void commit(struct pcn_store *s)
{
    assert_int_equal(pcn_store_commit(s), PCN_OK);
}

/* U12345 with A81001 and A81002, U54321 with B82001; A81001 has list size bands. */
static void registry(struct pcn_store *s)
{
    static const struct {
        int age_from;
        int64_t each_sex;
    } bands[] = {{20, 100}, {30, 100}, {40, 200}, {60, 200}, {70, 200}};
    const char *const practices[][2] = {
        {"A81001", "U12345"}, {"A81002", "U12345"}, {"B82001", "U54321"}};

    begin(s);
    assert_int_equal(
        pcn_store_put_network(s, &(struct pcn_network){.code = "U12345", .name = "Test PCN"}),
        PCN_OK);
    assert_int_equal(
        pcn_store_put_network(s, &(struct pcn_network){.code = "U54321", .name = "Other PCN"}),
        PCN_OK);
    for (size_t i = 0; i < 3; i++) {
        struct pcn_practice p = {.code = practices[i][0], .name = practices[i][0]};
        struct pcn_membership m = {practices[i][0], practices[i][1], day("2019-07-01"),
                                   PCN_DATE_NONE};
        assert_int_equal(pcn_store_put_practice(s, &p), PCN_OK);
        assert_int_equal(pcn_store_add_membership(s, &m), PCN_OK);
    }
    for (size_t i = 0; i < 5; i++) {
        struct pcn_list_band f = {"A81001", day("2025-01-01"), 'F', bands[i].age_from,
                                  bands[i].each_sex};
        struct pcn_list_band m = f;
        m.sex = 'M';
        assert_int_equal(pcn_store_put_list_band(s, &f), PCN_OK);
        assert_int_equal(pcn_store_put_list_band(s, &m), PCN_OK);
    }
    commit(s);
}

static int64_t group(struct pcn_store *s, const char *network, const char *practice,
                     const char *name)
{
    struct pcn_ppg_group g = {0, network, practice, name, PCN_DATE_NONE, 0};
    struct pcn_error e;

    begin(s);
    if (pcn_ppg_save_group(s, &all, &g, &e) != PCN_OK)
        fail_msg("group %s: %s", name, e.msg);
    commit(s);
    return g.id;
}

static struct pcn_ppg_member person(int64_t gid, enum pcn_ppg_age age, enum pcn_ppg_sex sex,
                                    enum pcn_ppg_eth eth, int quintile, const char *joined)
{
    struct pcn_ppg_member m = {.group_id = gid,
                               .name = "A Member",
                               .consent = 0,
                               .age = age,
                               .sex = sex,
                               .eth = eth,
                               .quintile = quintile,
                               .joined = day(joined),
                               .left = PCN_DATE_NONE,
                               .withdrawn = PCN_DATE_NONE};
    return m;
}

static int64_t add_member(struct pcn_store *s, struct pcn_ppg_member m)
{
    struct pcn_error e;

    begin(s);
    if (pcn_ppg_save_member(s, &all, &m, &e) != PCN_OK)
        fail_msg("member: %s", e.msg);
    commit(s);
    return m.id;
}

/* Expect a refusal inside its own transaction, with msg in the error. */
#define REFUSED(call, code, want)                                                                  \
    do {                                                                                           \
        struct pcn_error e_;                                                                       \
        begin(f->s);                                                                               \
        assert_int_equal((call), (code));                                                          \
        if (!strstr(e_.msg, (want)))                                                               \
            fail_msg("wanted '%s' in '%s'", (want), e_.msg);                                       \
        pcn_store_rollback(f->s);                                                                  \
    } while (0)

static void test_rules(void **state)
{
    struct test_db *f = *state;
    struct pcn_ppg_scope pm = {0, "A81002", 1, 0, 1};
    struct pcn_ppg_scope ppg = {0, NULL, 0, 0, 0};
    int64_t g1, g2, other, mid;
    struct pcn_ppg_group bad = {0, "U12345", "B82001", "Far PPG", PCN_DATE_NONE, 0};
    struct pcn_ppg_member m;
    int64_t version = 0;

    registry(f->s);
    g1 = group(f->s, "U12345", "A81001", "North PPG");
    g2 = group(f->s, "U12345", NULL, "Network forum");
    other = group(f->s, "U54321", "B82001", "Far PPG");
    ppg.group_id = g1;
    REFUSED(pcn_ppg_save_group(f->s, &all, &bad, &e_), PCN_EINVAL,
            "practice: B82001 is not a member of network U12345");
    bad.practice = "A81001";
    bad.name = "Second PPG";
    REFUSED(pcn_ppg_save_group(f->s, &all, &bad, &e_), PCN_ECONFLICT, "A81001 already has a PPG");
    REFUSED(pcn_ppg_save_group(f->s, &ppg, &bad, &e_), PCN_EPERM, "may not add or change groups");
    bad.network = "U99999";
    REFUSED(pcn_ppg_save_group(f->s, &all, &bad, &e_), PCN_EINVAL, "no network U99999");

    m = person(g1, PCN_PPG_AGE_65_74, PCN_PPG_SEX_FEMALE, PCN_PPG_ETH_WHITE, 0, "2020-01-01");
    m.consent = 1;
    m.email = "ann@example.org";
    REFUSED(pcn_ppg_save_member(f->s, &pm, &m, &e_), PCN_EPERM, "your practice's PPG");
    REFUSED(pcn_ppg_save_member(f->s, &ppg, &m, &e_), PCN_EPERM, "may not add or change members");
    m.group_id = 999;
    REFUSED(pcn_ppg_save_member(f->s, &all, &m, &e_), PCN_ENOTFOUND, "group: no group 999");
    m.group_id = g1;
    mid = add_member(f->s, m);
    m.id = mid;
    m.version = 1;
    m.group_id = g2;
    REFUSED(pcn_ppg_save_member(f->s, &all, &m, &e_), PCN_EINVAL, "does not move group");
    REFUSED(pcn_ppg_withdraw_consent(f->s, &all, mid, 7, day("2024-01-01"), NULL, &e_),
            PCN_ECONFLICT, "since version 7");
    REFUSED(pcn_ppg_withdraw_consent(f->s, &all, mid, 1, day("2019-01-01"), NULL, &e_), PCN_EINVAL,
            "not before the member joined");
    begin(f->s);
    {
        struct pcn_error e;
        assert_int_equal(
            pcn_ppg_withdraw_consent(f->s, &all, mid, 1, day("2024-01-01"), &version, &e), PCN_OK);
    }
    commit(f->s);
    assert_int_equal(version, 2);
    REFUSED(pcn_ppg_withdraw_consent(f->s, &all, mid, 2, day("2024-02-01"), NULL, &e_), PCN_EINVAL,
            "already withdrawn");
    m = person(g1, PCN_PPG_AGE_65_74, PCN_PPG_SEX_FEMALE, PCN_PPG_ETH_WHITE, 0, "2020-01-01");
    m.id = mid;
    m.version = 2; /* contact details back: the withdrawal stands */
    REFUSED(pcn_ppg_save_member(f->s, &all, &m, &e_), PCN_EINVAL, "stays withdrawn");
    begin(f->s);
    {
        struct pcn_error e;
        assert_int_equal(pcn_ppg_member_leave(f->s, &all, mid, 2, day("2024-06-01"), &version, &e),
                         PCN_OK);
    }
    commit(f->s);
    REFUSED(pcn_ppg_member_leave(f->s, &all, mid, 3, day("2024-07-01"), NULL, &e_), PCN_EINVAL,
            "already left");

    /* activities: groups of the same network; a ppg_member records only their group's */
    int64_t groups[2] = {g1, other};
    struct pcn_ppg_activity a = {.network = "U12345",
                                 .kind = PCN_PPG_KIND_MEETING,
                                 .rung = PCN_PPG_RUNG_CONSULT,
                                 .title = "PPG meeting",
                                 .held = day("2025-05-01"),
                                 .people = 9,
                                 .groups = groups,
                                 .n_groups = 2};
    REFUSED(pcn_ppg_save_activity(f->s, &all, &a, &e_), PCN_EINVAL,
            "belongs to network U54321, not U12345");
    groups[1] = g2;
    a.n_groups = 1;
    groups[0] = g2;
    REFUSED(pcn_ppg_save_activity(f->s, &ppg, &a, &e_), PCN_EPERM, "only for your own group");
    groups[0] = g1;
    a.change_id = 42;
    REFUSED(pcn_ppg_save_activity(f->s, &ppg, &a, &e_), PCN_ENOTFOUND, "change: no change 42");
    a.change_id = 0;
    begin(f->s);
    {
        struct pcn_error e;
        assert_int_equal(pcn_ppg_save_activity(f->s, &ppg, &a, &e), PCN_OK);
    }
    commit(f->s);

    /* feedback: own group only, and a ppg_member may not publish */
    struct pcn_ppg_feedback fb = {.network = "U12345",
                                  .group_id = g2,
                                  .received = day("2025-05-01"),
                                  .said = "Evening appointments please",
                                  .responded = PCN_DATE_NONE,
                                  .outcome = PCN_PPG_OUTCOME_OPEN,
                                  .outcome_date = PCN_DATE_NONE};
    REFUSED(pcn_ppg_save_feedback(f->s, &ppg, &fb, &e_), PCN_EPERM, "only for your own group");
    fb.group_id = g1;
    fb.response = "Extended hours from September";
    fb.responded = day("2025-06-01");
    fb.outcome = PCN_PPG_OUTCOME_IN_PROGRESS;
    fb.published = 1;
    REFUSED(pcn_ppg_save_feedback(f->s, &ppg, &fb, &e_), PCN_EPERM, "may not publish");
    fb.activity_id = a.id + 100;
    REFUSED(pcn_ppg_save_feedback(f->s, &all, &fb, &e_), PCN_ENOTFOUND, "activity: no activity");
    fb.activity_id = a.id;
    begin(f->s);
    {
        struct pcn_error e;
        assert_int_equal(pcn_ppg_save_feedback(f->s, &all, &fb, &e), PCN_OK);
    }
    commit(f->s);
    fb.published = 0; /* unpublishing is publishing's business too */
    REFUSED(pcn_ppg_save_feedback(f->s, &ppg, &fb, &e_), PCN_EPERM, "may not publish");

    /* changes and involvement */
    struct pcn_ppg_change c = {0, "U12345", "Online request route", NULL, day("2025-01-01"), 0};
    REFUSED(pcn_ppg_save_change(f->s, &ppg, &c, &e_), PCN_EPERM, "service changes");
    begin(f->s);
    {
        struct pcn_error e;
        assert_int_equal(pcn_ppg_save_change(f->s, &all, &c, &e), PCN_OK);
    }
    commit(f->s);
    struct pcn_ppg_involvement v = {.change_id = c.id,
                                    .stage = PCN_PPG_STAGE_DESIGN,
                                    .group_id = other,
                                    .rung = PCN_PPG_RUNG_COLLABORATE,
                                    .date = day("2025-02-01"),
                                    .people = 6};
    REFUSED(pcn_ppg_add_involvement(f->s, &all, &v, &e_), PCN_EINVAL, "belongs to network U54321");
    v.group_id = g2;
    begin(f->s);
    {
        struct pcn_error e;
        assert_int_equal(pcn_ppg_add_involvement(f->s, &all, &v, &e), PCN_OK);
    }
    commit(f->s);
    REFUSED(pcn_ppg_remove_involvement(f->s, &ppg, v.id, &e_), PCN_EPERM, "own group");
    REFUSED(pcn_ppg_remove_involvement(f->s, &all, v.id + 9, &e_), PCN_ENOTFOUND, "no involvement");
}

/* The records supplier of the representativeness tests: fixed make-ups per practice. */
static enum pcn_err fake_profiles(void *ud, int32_t as_of, const char *const *practices, size_t n,
                                  struct pcn_profile *ret)
{
    int *calls = ud;

    (*calls)++;
    for (size_t i = 0; i < n; i++) {
        pcn_profile_init(&ret[i]);
        ret[i].date = as_of;
        if (strcmp(practices[i], "A81001") != 0)
            continue;
        ret[i].has = PCN_PROFILE_HAS_ALL;
        ret[i].sex_age[PCN_SEX_FEMALE][30] = 5000; /* not used: the list bands win */
        ret[i].eth_age[0][40] = 1200;              /* White */
        ret[i].eth_age[2][40] = 400;               /* Asian */
        ret[i].eth_age[5][40] = 100;               /* not recorded */
        ret[i].eth_age[2][10] = 999;               /* a child: not counted */
        ret[i].imd_age[1][50] = 800;
        ret[i].imd_age[5][50] = 800;
    }
    return PCN_OK;
}

static json_t *repr_json(struct pcn_store *s, int64_t gid, int suppress, int *calls)
{
    struct pcn_ppg_repr_opts o = {.network = "U12345",
                                  .as_of = day("2025-06-01"),
                                  .group_id = gid,
                                  .suppress_below = suppress,
                                  .profiles = fake_profiles,
                                  .profiles_ud = calls};
    struct pcn_ppg_repr *r = NULL;
    struct pcn_error e;
    void *j = NULL;

    if (pcn_ppg_representativeness(s, &o, &r, &e) != PCN_OK)
        fail_msg("representativeness: %s", e.msg);
    assert_int_equal(pcn_ppg_repr_json(r, &j), PCN_OK);
    pcn_ppg_repr_free(r);
    return j;
}

static json_t *dim(json_t *g, const char *name)
{
    size_t i;
    json_t *d;

    json_array_foreach(json_object_get(g, "dimensions"), i, d)
    {
        if (strcmp(json_string_value(json_object_get(d, "name")), name) == 0)
            return d;
    }
    fail_msg("no dimension %s", name);
    return NULL;
}

static bool has_text(json_t *list, const char *member, const char *text)
{
    size_t i;
    json_t *x;

    json_array_foreach(list, i, x)
    {
        const char *s = json_string_value(member ? json_object_get(x, member) : x);
        if (s && strcmp(s, text) == 0)
            return true;
    }
    return false;
}

static void test_representativeness(void **state)
{
    struct test_db *f = *state;
    const enum pcn_ppg_age ages[] = {PCN_PPG_AGE_65_74,     PCN_PPG_AGE_65_74, PCN_PPG_AGE_65_74,
                                     PCN_PPG_AGE_65_74,     PCN_PPG_AGE_55_64, PCN_PPG_AGE_35_44,
                                     PCN_PPG_AGE_NOT_STATED};
    const char *joined[] = {"2019-01-01", "2020-01-01", "2021-03-01", "2022-01-01",
                            "2023-01-01", "2024-01-01", "2025-01-01"};
    int calls = 0;
    int64_t gid, net;
    json_t *j, *g;

    registry(f->s);
    gid = group(f->s, "U12345", "A81001", "North PPG");
    net = group(f->s, "U12345", NULL, "Network forum");
    for (int i = 0; i < 7; i++) {
        struct pcn_ppg_member m =
            person(gid, ages[i],
                   i < 3   ? PCN_PPG_SEX_FEMALE
                   : i < 6 ? PCN_PPG_SEX_MALE
                           : 0,
                   i < 6 ? PCN_PPG_ETH_WHITE : PCN_PPG_ETH_NOT_STATED, i < 3 ? 5 : 0, joined[i]);
        add_member(f->s, m);
    }
    /* a member who left, one under 18, and one who joins after as_of: none counted */
    struct pcn_ppg_member gone =
        person(gid, PCN_PPG_AGE_18_24, PCN_PPG_SEX_MALE, PCN_PPG_ETH_BLACK, 1, "2020-01-01");
    gone.left = day("2023-06-01");
    add_member(f->s, gone);
    add_member(f->s, person(gid, PCN_PPG_AGE_UNDER_18, PCN_PPG_SEX_MALE, PCN_PPG_ETH_ASIAN, 1,
                            "2024-09-01"));
    add_member(
        f->s, person(gid, PCN_PPG_AGE_18_24, PCN_PPG_SEX_MALE, PCN_PPG_ETH_ASIAN, 1, "2025-07-01"));

    j = repr_json(f->s, 0, 0, &calls);
    assert_int_equal(calls, 1); /* one call for the whole network */
    assert_string_equal(json_string_value(json_object_get(j, "kind")), "ppg_representativeness");
    assert_int_equal(json_array_size(json_object_get(j, "groups")), 2);
    g = json_array_get(json_object_get(j, "groups"), 0);
    assert_int_equal(json_integer_value(json_object_get(g, "id")), gid);
    assert_int_equal(json_integer_value(json_object_get(g, "members")), 8);
    assert_int_equal(json_integer_value(json_object_get(g, "members_under_18")), 1);
    /* age: list bands (1,600 adults); 100 x (1 - 0.8333 / 2) = 58 */
    assert_string_equal(json_string_value(json_object_get(dim(g, "age"), "source")), "list_sizes");
    assert_string_equal(json_string_value(json_object_get(dim(g, "age"), "source_date")),
                        "2025-01-01");
    assert_int_equal(json_integer_value(json_object_get(dim(g, "age"), "population")), 1600);
    assert_int_equal(json_integer_value(json_object_get(dim(g, "age"), "index")), 58);
    assert_int_equal(json_integer_value(json_object_get(dim(g, "age"), "not_stated")), 1);
    assert_int_equal(json_integer_value(json_object_get(dim(g, "sex"), "index")), 100);
    assert_int_equal(json_integer_value(json_object_get(dim(g, "ethnic_group"), "index")), 75);
    assert_string_equal(json_string_value(json_object_get(dim(g, "ethnic_group"), "source")),
                        "patient_records");
    assert_int_equal(
        json_integer_value(json_object_get(dim(g, "ethnic_group"), "population_not_recorded")),
        100);
    assert_int_equal(json_integer_value(json_object_get(dim(g, "deprivation"), "index")), 50);
    assert_int_equal(json_integer_value(json_object_get(g, "index")), 71);
    json_t *gaps = json_object_get(g, "gaps");
    assert_true(has_text(gaps, "text",
                         "Members aged 65-74 are 67% of the group (4 of 6); 25% of "
                         "the list is 65-74"));
    assert_true(has_text(gaps, "text", "No members under 35; 25% of the list is 18-34"));
    assert_true(has_text(gaps, "text",
                         "No Asian or Asian British members; 25% of the list is Asian or "
                         "Asian British (where recorded)"));
    assert_true(has_text(gaps, "text",
                         "No members living in the most deprived fifth of neighbourhoods; 50% "
                         "of the list lives in the most deprived fifth of neighbourhoods"));
    /* the largest gap first */
    assert_string_equal(json_string_value(json_object_get(json_array_get(gaps, 0), "dimension")),
                        "deprivation");
    json_t *notes = json_object_get(g, "notes");
    assert_true(has_text(notes, NULL, "1 member under 18 is not compared with the list of adults"));
    assert_true(has_text(notes, NULL, "1 of 7 members did not give their age"));
    assert_true(has_text(notes, NULL,
                         "4 of 7 members did not give the deprivation quintile of "
                         "their home"));
    /* trend: the joins and the leave within three years, then as_of */
    json_t *trend = json_object_get(g, "trend");
    json_t *last = json_array_get(trend, json_array_size(trend) - 1);
    assert_string_equal(json_string_value(json_object_get(last, "date")), "2025-06-01");
    assert_int_equal(json_integer_value(json_object_get(last, "members")), 8);
    assert_int_equal(json_integer_value(json_object_get(last, "index")), 71);
    assert_string_equal(json_string_value(json_object_get(json_array_get(trend, 0), "date")),
                        "2022-06-01");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(trend, 0), "members")), 5);
    /* the network group: no members; A81002 has no bands, so the network's age is not known */
    g = json_array_get(json_object_get(j, "groups"), 1);
    assert_int_equal(json_integer_value(json_object_get(g, "id")), net);
    assert_true(json_is_null(json_object_get(g, "index")));
    assert_string_equal(json_string_value(json_object_get(dim(g, "age"), "source")), "none");
    assert_true(has_text(json_object_get(g, "notes"), NULL, "The group has no current members"));
    json_decref(j);

    /* suppressed for aggregate-only roles: small member counts withheld, sentences too */
    j = repr_json(f->s, gid, 5, &calls);
    g = json_array_get(json_object_get(j, "groups"), 0);
    assert_int_equal(json_array_size(json_object_get(j, "groups")), 1);
    json_t *cats = json_object_get(dim(g, "age"), "categories");
    assert_true(json_is_null(json_object_get(json_array_get(cats, 5), "members")));
    assert_true(json_is_null(json_object_get(json_array_get(cats, 5), "member_pct")));
    assert_true(has_text(json_object_get(g, "gaps"), "text",
                         "Members aged 65-74 are over-represented (25% of the list is 65-74)"));
    json_decref(j);

    /* an unknown group or network */
    struct pcn_ppg_repr_opts o = {.network = "U12345", .as_of = day("2025-06-01"), .group_id = 999};
    struct pcn_ppg_repr *r = NULL;
    struct pcn_error e;
    assert_int_equal(pcn_ppg_representativeness(f->s, &o, &r, &e), PCN_ENOTFOUND);
    o.network = "U99999";
    o.group_id = 0;
    assert_int_equal(pcn_ppg_representativeness(f->s, &o, &r, &e), PCN_ENOTFOUND);
    /* without a records supplier, ethnic group and deprivation are not known */
    o.network = "U12345";
    assert_int_equal(pcn_ppg_representativeness(f->s, &o, &r, &e), PCN_OK);
    assert_int_equal(pcn_ppg_repr_groups(r), 2);
    assert_int_equal(pcn_ppg_repr_index(r, 0), 79); /* (58 + 100) / 2 */
    struct pcn_table *t = NULL;
    assert_int_equal(pcn_ppg_repr_table(r, &t), PCN_OK);
    assert_int_equal(pcn_table_rows(t), 2 * (8 + 2 + 5 + 5));
    pcn_table_free(t);
    struct pcn_buf b = PCN_BUF_INIT;
    pcn_buf_init(&b, 1 << 20);
    assert_int_equal(pcn_ppg_repr_text(r, &b), PCN_OK);
    assert_non_null(strstr(b.buf, "North PPG (A81001): 8 current members; index 79 of 100"));
    assert_non_null(strstr(b.buf, "Ethnic group: the population's make-up is not known"));
    pcn_buf_release(&b);
    pcn_ppg_repr_free(r);
}

static const char *cell(const struct pcn_table *t, size_t row, size_t col)
{
    const char *s = pcn_table_cell(t, row, col);

    return s ? s : "(null)";
}

static void test_views(void **state)
{
    struct test_db *f = *state;
    struct pcn_ppg_view_opts o = {.filter = {.network = "U12345"}, .as_of = day("2025-06-01")};
    struct pcn_table *t = NULL;
    struct pcn_error e;
    int64_t gid, total = 0;
    const struct {
        const char *held;
        enum pcn_ppg_rung rung;
        int64_t people;
    } acts[] = {{"2024-05-01", PCN_PPG_RUNG_INFORM, 300},
                {"2025-02-01", PCN_PPG_RUNG_CO_PRODUCE, 8},
                {"2025-04-01", PCN_PPG_RUNG_CONSULT, -1},
                {"2025-05-01", PCN_PPG_RUNG_INVOLVE, 12},
                {"2025-09-01", PCN_PPG_RUNG_COLLABORATE, -1}};

    registry(f->s);
    gid = group(f->s, "U12345", "A81001", "North PPG");
    struct pcn_ppg_member m =
        person(gid, PCN_PPG_AGE_25_34, PCN_PPG_SEX_FEMALE, PCN_PPG_ETH_MIXED, 2, "2024-01-01");
    m.consent = 1;
    m.email = "jo@example.org";
    m.role = PCN_PPG_ROLE_CHAIR;
    add_member(f->s, m);
    for (size_t i = 0; i < 5; i++) {
        int64_t groups[1] = {gid};
        struct pcn_ppg_activity a = {.network = "U12345",
                                     .kind = PCN_PPG_KIND_MEETING,
                                     .rung = acts[i].rung,
                                     .title = "Meeting",
                                     .held = day(acts[i].held),
                                     .people = acts[i].people,
                                     .groups = groups,
                                     .n_groups = 1};
        begin(f->s);
        assert_int_equal(pcn_ppg_save_activity(f->s, &all, &a, &e), PCN_OK);
        commit(f->s);
    }

    assert_int_equal(pcn_view_ppg_groups(f->s, &o, &t, &total), PCN_OK);
    assert_int_equal(total, 1);
    assert_string_equal(cell(t, 0, 5), "1"); /* members */
    assert_string_equal(cell(t, 0, 6), "1"); /* chairs */
    pcn_table_free(t);
    o.filter.group_id = gid;
    assert_int_equal(pcn_view_ppg_members(f->s, &o, &t, &total), PCN_OK);
    assert_string_equal(cell(t, 0, 3), "jo@example.org");
    assert_string_equal(cell(t, 0, 9), "mixed");
    pcn_table_free(t);
    o.brief = 1;
    assert_int_equal(pcn_view_ppg_members(f->s, &o, &t, &total), PCN_OK);
    assert_string_equal(cell(t, 0, 2), "A Member");
    assert_string_equal(cell(t, 0, 3), "(null)");
    assert_string_equal(cell(t, 0, 9), "(null)");
    assert_string_equal(cell(t, 0, 6), "chair");
    pcn_table_free(t);
    o.brief = 0;

    /* the ladder per financial year: 2024-25 (two), 2025-26 (three) */
    assert_int_equal(pcn_view_ppg_ladder(f->s, &o, &t), PCN_OK);
    assert_int_equal(pcn_table_rows(t), 2);
    assert_string_equal(cell(t, 0, 0), "2024-25");
    assert_string_equal(cell(t, 0, 1), "1");   /* inform */
    assert_string_equal(cell(t, 0, 5), "1");   /* co-produce */
    assert_string_equal(cell(t, 0, 7), "308"); /* people */
    assert_string_equal(cell(t, 0, 8), "50");  /* involve or above */
    assert_string_equal(cell(t, 1, 0), "2025-26");
    assert_string_equal(cell(t, 1, 7), "12");   /* an unknown count adds nothing */
    assert_string_equal(cell(t, 1, 8), "66.7"); /* two of three, rounded */
    pcn_table_free(t);
    o.filter.group_id = 0;

    /* co-production: involved from the start or not */
    struct pcn_ppg_change c1 = {0,    "U12345",          "First contact physiotherapy",
                                NULL, day("2024-01-01"), 0};
    struct pcn_ppg_change c2 = {0, "U12345", "Online requests", NULL, day("2024-06-01"), 0};
    begin(f->s);
    assert_int_equal(pcn_ppg_save_change(f->s, &all, &c1, &e), PCN_OK);
    assert_int_equal(pcn_ppg_save_change(f->s, &all, &c2, &e), PCN_OK);
    const enum pcn_ppg_stage stages[] = {PCN_PPG_STAGE_NEEDS, PCN_PPG_STAGE_DESIGN,
                                         PCN_PPG_STAGE_DESIGN, PCN_PPG_STAGE_EVALUATION};
    const enum pcn_ppg_rung rungs[] = {PCN_PPG_RUNG_CONSULT, PCN_PPG_RUNG_INVOLVE,
                                       PCN_PPG_RUNG_CO_PRODUCE, PCN_PPG_RUNG_CONSULT};
    for (int i = 0; i < 4; i++) {
        struct pcn_ppg_involvement v = {.change_id = i < 3 ? c1.id : c2.id,
                                        .stage = stages[i],
                                        .group_id = i == 2 ? 0 : gid,
                                        .who = i == 2 ? "Carers' forum" : NULL,
                                        .rung = rungs[i],
                                        .date = day("2024-02-01") + i,
                                        .people = 5};
        assert_int_equal(pcn_ppg_add_involvement(f->s, &all, &v, &e), PCN_OK);
    }
    commit(f->s);
    assert_int_equal(pcn_view_ppg_coproduction(f->s, &o, &t), PCN_OK);
    assert_int_equal(pcn_table_rows(t), 2);
    assert_string_equal(cell(t, 0, 3), "consult");    /* needs */
    assert_string_equal(cell(t, 0, 4), "co_produce"); /* design: the highest rung */
    assert_string_equal(cell(t, 0, 5), "(null)");     /* procurement: nobody */
    assert_string_equal(cell(t, 0, 8), "2");
    assert_string_equal(cell(t, 0, 9), "true");
    assert_string_equal(cell(t, 0, 10), "1"); /* one group (the forum is not a group) */
    assert_string_equal(cell(t, 0, 11), "15");
    assert_string_equal(cell(t, 1, 9), "false");
    pcn_table_free(t);
    o.filter.change_id = c1.id;
    assert_int_equal(pcn_view_ppg_involvement(f->s, &o, &t), PCN_OK);
    assert_int_equal(pcn_table_rows(t), 3);
    assert_string_equal(cell(t, 0, 2), "needs");
    assert_string_equal(cell(t, 2, 5), "Carers' forum");
    pcn_table_free(t);
    o.filter.change_id = 0;

    /* the public board: published answers only, newest first */
    const char *said[] = {"Older item", "Unpublished item", "Newer item"};
    for (int i = 0; i < 3; i++) {
        struct pcn_ppg_feedback fb = {.network = "U12345",
                                      .group_id = gid,
                                      .received = day("2025-01-01") + i,
                                      .said = said[i],
                                      .response = "We listened",
                                      .responded = day("2025-03-01"),
                                      .outcome = PCN_PPG_OUTCOME_DONE,
                                      .outcome_date = day("2025-03-01"),
                                      .published = i != 1};
        begin(f->s);
        assert_int_equal(pcn_ppg_save_feedback(f->s, &all, &fb, &e), PCN_OK);
        commit(f->s);
    }
    assert_int_equal(pcn_view_ppg_public(f->s, &o, &t, &total), PCN_OK);
    assert_int_equal(total, 2);
    assert_string_equal(cell(t, 0, 1), "Newer item");
    assert_string_equal(cell(t, 1, 1), "Older item");
    assert_string_equal(cell(t, 0, 5), "Done");
    assert_string_equal(cell(t, 0, 8), "North PPG");
    pcn_table_free(t);
    assert_int_equal(pcn_view_ppg_feedback(f->s, &o, &t, &total), PCN_OK);
    assert_int_equal(total, 3);
    assert_string_equal(cell(t, 0, 12), "59"); /* days to response */
    pcn_table_free(t);
    o.limit = 1;
    o.offset = 1;
    assert_int_equal(pcn_view_ppg_activities(f->s, &o, &t, &total), PCN_OK);
    assert_int_equal(total, 5);
    assert_int_equal(pcn_table_rows(t), 1);
    assert_string_equal(cell(t, 0, 2), "2025-02-01");
    assert_string_equal(cell(t, 0, 8), "North PPG");
    pcn_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rules, test_db_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_representativeness, test_db_setup, test_db_teardown),
        cmocka_unit_test_setup_teardown(test_views, test_db_setup, test_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
