/*
 * Storage conformance, the social prescribing domain (pcn/store_sp.h):
 * assets, referrals and everything recorded on them round-trip; versioned
 * updates refuse a stale version (two link workers on one referral) and
 * say which row is missing; writes only inside a transaction and rolled
 * back whole; coded events go into an existing patient's record and can
 * be taken out again. Runs on every backend (store_test.h).
 */
#include "store_test.h"

#include "pcn/date.h"
#include "pcn/store.h"
#include "pcn/store_population.h"
#include "pcn/store_sp.h"
#include "pcn/wellbeing.h"

#define T0 INT64_C(1751328000000000) /* 2025-07-01T00:00:00Z */
#define HOUR INT64_C(3600000000)

static void sample_asset(struct pcn_asset *a)
{
    struct pcn_error e;

    pcn_asset_init(a);
    a->name = "Health Walk (SM1)";
    a->organisation = "Sutton Parks";
    a->description = "Gentle walk, tea after";
    a->categories = (1u << PCN_ASSET_PHYSICAL_ACTIVITY) | (1u << PCN_ASSET_LONELINESS);
    a->address = "Manor Park";
    strcpy(a->postcode, "SM1 1AA");
    strcpy(a->lsoa, "E01004142");
    a->has_position = 1;
    a->lat = 51.359722;
    a->lon = -0.193121;
    assert_int_equal(
        pcn_sessions_parse("Tue 10:00-11:00; Sat 10:00-11:00", a->sessions, &a->n_sessions, &e),
        PCN_OK);
    a->cost_pence = 0;
    a->access = PCN_ACCESS_WHEELCHAIR | PCN_ACCESS_STEP_FREE;
    a->min_age = 18;
    a->capacity = 25;
    a->phone = "01632 960001";
    a->email = "walks@example.org";
    a->website = "https://example.org/walks";
    a->route = PCN_ROUTE_DROP_IN;
    a->last_verified = store_test_date("2025-06-01");
}

static void sample_referral(struct pcn_referral *r)
{
    *r = (struct pcn_referral){
        .patient_id = "P1",
        .source = PCN_SOURCE_CLINICIAN,
        .channel = PCN_CHANNEL_PATIENT_VIEW,
        .referrer = "Dr Patel",
        .worklist = "",
        .reason = "Lonely since bereavement",
        .needs = 1u << PCN_ASSET_LONELINESS,
        .received_at = T0,
        .created_by = "drpatel",
        .link_worker = "lw1",
        .state = PCN_REFERRAL_RECEIVED,
        .what_matters = "",
        .updated_at = T0,
    };
}

static int check_asset(const struct pcn_asset *a, void *ud)
{
    int64_t *version = ud;
    assert_string_equal(a->name, "Health Walk (SM1)");
    assert_int_equal(a->categories,
                     (1u << PCN_ASSET_PHYSICAL_ACTIVITY) | (1u << PCN_ASSET_LONELINESS));
    assert_string_equal(a->postcode, "SM1 1AA");
    assert_string_equal(a->lsoa, "E01004142");
    assert_true(a->has_position);
    assert_true(a->lat > 51.3597 && a->lat < 51.3598);
    assert_int_equal(a->n_sessions, 2);
    assert_int_equal(a->sessions[1].day, 5);
    assert_int_equal(a->cost_pence, 0);
    assert_int_equal(a->access, PCN_ACCESS_WHEELCHAIR | PCN_ACCESS_STEP_FREE);
    assert_int_equal(a->min_age, 18);
    assert_int_equal(a->max_age, 120);
    assert_int_equal(a->capacity, 25);
    assert_int_equal(a->route, PCN_ROUTE_DROP_IN);
    assert_int_equal(a->last_verified, store_test_date("2025-06-01"));
    assert_true(a->active);
    *version = a->version;
    return 0;
}

static int count_assets(const struct pcn_asset *a, void *ud)
{
    (void)a;
    (*(int *)ud)++;
    return 0;
}

static void test_assets(void **state)
{
    struct test_db *f = store_test_db(state);
    struct pcn_asset a;
    int64_t id = 0, version = 0, seen = 0;
    int rows = 0;
    struct pcn_sp_asset_stamp st0, st1, st2;

    assert_int_equal(pcn_store_asset_stamp(f->s, &st0), PCN_OK);
    assert_int_equal(st0.count, 0);
    assert_int_equal(st0.sum_version, 0);
    sample_asset(&a);
    assert_int_equal(pcn_store_put_asset(f->s, &a, &id, &version), PCN_EINVAL); /* no transaction */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_put_asset(f->s, &a, &id, &version), PCN_OK);
    assert_true(id > 0);
    assert_int_equal(version, 1);
    a.name = ""; /* refused before the backend */
    assert_int_equal(pcn_store_put_asset(f->s, &a, NULL, NULL), PCN_EINVAL);
    assert_non_null(strstr(pcn_store_errmsg(f->s), "name: missing"));
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);

    assert_int_equal(pcn_store_get_asset(f->s, id, check_asset, &seen), PCN_OK);
    assert_int_equal(seen, 1);
    assert_int_equal(pcn_store_get_asset(f->s, id + 99, check_asset, &seen), PCN_ENOTFOUND);
    assert_int_equal(pcn_store_asset_stamp(f->s, &st1), PCN_OK);
    assert_int_equal(st1.count, 1);
    assert_int_equal(st1.max_id, id);
    assert_int_equal(st1.sum_version, 1);

    /* an update with the version read; then a stale one; then an import (version 0) */
    sample_asset(&a);
    a.id = id;
    a.version = 1;
    a.has_position = 0;
    a.capacity = -1;
    a.n_sessions = 0;
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_put_asset(f->s, &a, NULL, &version), PCN_OK);
    assert_int_equal(version, 2);
    assert_int_equal(pcn_store_put_asset(f->s, &a, NULL, &version), PCN_ECONFLICT);
    assert_non_null(strstr(pcn_store_errmsg(f->s), "version 2, not 1"));
    a.version = 0;
    assert_int_equal(pcn_store_put_asset(f->s, &a, NULL, &version), PCN_OK);
    assert_int_equal(version, 3);
    a.id = id + 50;
    assert_int_equal(pcn_store_put_asset(f->s, &a, NULL, &version), PCN_ENOTFOUND);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_each_asset(f->s, count_assets, &rows), PCN_OK);
    assert_int_equal(rows, 1);
    /* every update moves the stamp, though the count and ids stay */
    assert_int_equal(pcn_store_asset_stamp(f->s, &st2), PCN_OK);
    assert_int_equal(st2.count, 1);
    assert_int_equal(st2.sum_version, 3);
}

struct referral_seen {
    int rows;
    struct pcn_referral r;
    struct pcn_referral_extra x;
    char patient[16], worker[16], referrer[64], worklist[64], reason[128], by[64], what[128];
};

static int keep_referral(const struct pcn_referral *r, const struct pcn_referral_extra *x, void *ud)
{
    struct referral_seen *s = ud;
    s->rows++;
    s->r = *r;
    s->x = *x;
    (void)snprintf(s->patient, sizeof(s->patient), "%s", r->patient_id);
    (void)snprintf(s->worker, sizeof(s->worker), "%s", r->link_worker);
    (void)snprintf(s->referrer, sizeof(s->referrer), "%s", r->referrer);
    (void)snprintf(s->worklist, sizeof(s->worklist), "%s", r->worklist);
    (void)snprintf(s->reason, sizeof(s->reason), "%s", r->reason);
    (void)snprintf(s->by, sizeof(s->by), "%s", r->created_by);
    (void)snprintf(s->what, sizeof(s->what), "%s", r->what_matters);
    s->r.patient_id = s->patient;
    s->r.link_worker = s->worker;
    s->r.referrer = s->referrer;
    s->r.worklist = s->worklist;
    s->r.reason = s->reason;
    s->r.created_by = s->by;
    s->r.what_matters = s->what;
    s->x.practice = s->x.lsoa = s->x.nhs_number = s->x.family_name = s->x.given_name = NULL;
    s->x.ethnicity = NULL;
    return 0;
}

static void test_referral_versions(void **state)
{
    struct test_db *f = store_test_db(state);
    struct pcn_referral r;
    struct referral_seen seen = {0};
    int64_t id = 0, version = 0;

    sample_referral(&r);
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    store_test_put_person(f->s, "P1", "871731000000106");
    assert_int_equal(pcn_store_add_referral(f->s, &r, &id), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);

    assert_int_equal(pcn_store_get_referral(f->s, id, keep_referral, &seen), PCN_OK);
    assert_int_equal(seen.rows, 1);
    assert_int_equal(seen.r.version, 1);
    assert_string_equal(seen.r.patient_id, "P1");
    assert_int_equal(seen.r.channel, PCN_CHANNEL_PATIENT_VIEW);
    assert_int_equal(seen.r.needs, 1u << PCN_ASSET_LONELINESS);
    assert_true(seen.x.has_patient); /* joined to the population */
    assert_true(seen.x.patient_key > 0);
    assert_int_equal(seen.x.sex, 'F');
    assert_int_equal(seen.x.date_of_birth, store_test_date("1950-05-05"));
    assert_int_equal(seen.x.n_contacts, 0);
    assert_int_equal(seen.x.ended_at, 0);

    /* two link workers read version 1; the first update wins, the second is refused */
    struct pcn_referral first = seen.r, second = seen.r;
    first.state = PCN_REFERRAL_CONTACTED;
    first.updated_at = T0 + HOUR;
    second.link_worker = "lw2";
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_update_referral(f->s, &first, &version), PCN_OK);
    assert_int_equal(version, 2);
    assert_int_equal(pcn_store_update_referral(f->s, &second, &version), PCN_ECONFLICT);
    assert_non_null(strstr(pcn_store_errmsg(f->s), "changed by someone else"));
    second.id = id + 7;
    assert_int_equal(pcn_store_update_referral(f->s, &second, &version), PCN_ENOTFOUND);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    seen.rows = 0;
    assert_int_equal(pcn_store_get_referral(f->s, id, keep_referral, &seen), PCN_OK);
    assert_int_equal(seen.r.state, PCN_REFERRAL_CONTACTED);
    assert_string_equal(seen.r.link_worker, "lw1");

    /* closing sets ended_at; a referral of an unknown patient has no patient fields */
    struct pcn_referral closing = seen.r;
    closing.state = PCN_REFERRAL_CLOSED;
    closing.close_reason = PCN_CLOSE_GOALS_MET;
    closing.updated_at = T0 + 5 * HOUR;
    sample_referral(&r);
    r.patient_id = "NOBODY";
    r.link_worker = "";
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_update_referral(f->s, &closing, &version), PCN_OK);
    assert_int_equal(pcn_store_add_referral(f->s, &r, NULL), PCN_OK);
    r.state = PCN_REFERRAL_CLOSED; /* a closed referral without a reason is refused */
    assert_int_equal(pcn_store_add_referral(f->s, &r, NULL), PCN_EINVAL);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    seen.rows = 0;
    assert_int_equal(pcn_store_get_referral(f->s, id, keep_referral, &seen), PCN_OK);
    assert_int_equal(seen.x.ended_at, T0 + 5 * HOUR);
    assert_int_equal(seen.r.close_reason, PCN_CLOSE_GOALS_MET);

    /* filters */
    struct pcn_referral_filter flt = {.link_worker = ""};
    seen.rows = 0;
    assert_int_equal(pcn_store_each_referral(f->s, &flt, keep_referral, &seen), PCN_OK);
    assert_int_equal(seen.rows, 1);
    assert_string_equal(seen.r.patient_id, "NOBODY");
    assert_false(seen.x.has_patient);
    assert_int_equal(seen.x.patient_key, 0);
    flt = (struct pcn_referral_filter){.patient_id = "P1", .open_only = 1};
    seen.rows = 0;
    assert_int_equal(pcn_store_each_referral(f->s, &flt, keep_referral, &seen), PCN_OK);
    assert_int_equal(seen.rows, 0); /* closed */
    seen.rows = 0;
    assert_int_equal(pcn_store_each_referral(f->s, NULL, keep_referral, &seen), PCN_OK);
    assert_int_equal(seen.rows, 2);
    assert_int_equal(pcn_store_get_referral(f->s, 999, keep_referral, &seen), PCN_ENOTFOUND);
}

static int count_transitions(int64_t referral_id, const struct pcn_referral_transition *t, void *ud)
{
    (void)referral_id;
    int *n = ud;
    if (*n == 0) {
        assert_int_equal(t->from, PCN_REFERRAL_RECEIVED);
        assert_int_equal(t->to, PCN_REFERRAL_CONTACTED);
        assert_string_equal(t->by, "lw1");
        assert_string_equal(t->note, "first call");
    }
    (*n)++;
    return 0;
}

static int count_contacts(const struct pcn_contact *c, void *ud)
{
    int *n = ud;
    if (*n == 0) {
        assert_int_equal(c->type, PCN_CONTACT_TELEPHONE);
        assert_false(c->successful);
    }
    (*n)++;
    return 0;
}

static int check_goal(const struct pcn_goal *g, void *ud)
{
    struct pcn_goal *out = ud;
    *out = *g;
    out->text = NULL;
    return 0;
}

static int check_connection(const struct pcn_connection *c, uint32_t categories, const char *name,
                            void *ud)
{
    struct pcn_connection *out = ud;
    assert_int_equal(categories,
                     (1u << PCN_ASSET_PHYSICAL_ACTIVITY) | (1u << PCN_ASSET_LONELINESS));
    assert_string_equal(name, "Health Walk (SM1)");
    *out = *c;
    out->note = NULL;
    return 0;
}

static int check_outcome(const struct pcn_outcome *o, void *ud)
{
    int *n = ud;
    if (o->instrument == PCN_INSTRUMENT_SWEMWBS) {
        assert_int_equal(o->items[0], 3);
        assert_int_equal(o->items[6], 5);
    } else {
        assert_int_equal(o->instrument, PCN_INSTRUMENT_ONS4);
        assert_int_equal(o->items[3], 0); /* anxiety 0 is an answer */
    }
    assert_string_equal(o->recorded_by, "lw1");
    (*n)++;
    return 0;
}

static void test_records(void **state)
{
    struct test_db *f = store_test_db(state);
    struct pcn_referral r;
    struct pcn_asset a;
    struct referral_seen seen = {0};
    int64_t rid = 0, aid = 0, gid = 0, cid = 0, version = 0;
    int n = 0;

    sample_referral(&r);
    sample_asset(&a);
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_add_referral(f->s, &r, &rid), PCN_OK);
    assert_int_equal(pcn_store_put_asset(f->s, &a, &aid, NULL), PCN_OK);
    struct pcn_referral_transition t = {
        PCN_REFERRAL_RECEIVED, PCN_REFERRAL_CONTACTED, T0 + HOUR, "lw1", PCN_CLOSE_NONE,
        "first call"};
    assert_int_equal(pcn_store_add_transition(f->s, rid, &t), PCN_OK);
    t.to = PCN_REFERRAL_CONNECTED; /* not allowed from received */
    assert_int_equal(pcn_store_add_transition(f->s, rid, &t), PCN_ECONFLICT);
    t.to = PCN_REFERRAL_CONTACTED;
    assert_int_equal(pcn_store_add_transition(f->s, rid + 9, &t), PCN_ENOTFOUND);
    struct pcn_contact c = {.referral_id = rid,
                            .at = T0 + HOUR / 2,
                            .type = PCN_CONTACT_TELEPHONE,
                            .minutes = 0,
                            .successful = 0,
                            .by = "lw1",
                            .notes = "no answer"};
    assert_int_equal(pcn_store_add_contact(f->s, &c, NULL), PCN_OK);
    c.at = T0 + HOUR;
    c.minutes = 15;
    c.successful = 1;
    assert_int_equal(pcn_store_add_contact(f->s, &c, NULL), PCN_OK);
    c.minutes = 999;
    assert_int_equal(pcn_store_add_contact(f->s, &c, NULL), PCN_EINVAL);
    c.minutes = 5;
    c.referral_id = rid + 9;
    assert_int_equal(pcn_store_add_contact(f->s, &c, NULL), PCN_ENOTFOUND);
    struct pcn_goal g = {.referral_id = rid,
                         .text = "Walk twice a week",
                         .status = PCN_GOAL_OPEN,
                         .target_date = store_test_date("2025-10-01"),
                         .updated_at = T0};
    assert_int_equal(pcn_store_add_goal(f->s, &g, &gid), PCN_OK);
    struct pcn_connection cn = {.referral_id = rid,
                                .asset_id = aid,
                                .connected_on = store_test_date("2025-07-10"),
                                .attendance = PCN_ATTENDANCE_UNKNOWN,
                                .note = "",
                                .updated_at = T0};
    assert_int_equal(pcn_store_add_connection(f->s, &cn, &cid), PCN_OK);
    cn.asset_id = aid + 40;
    assert_int_equal(pcn_store_add_connection(f->s, &cn, NULL), PCN_ENOTFOUND);
    struct pcn_outcome o = {.referral_id = rid,
                            .instrument = PCN_INSTRUMENT_SWEMWBS,
                            .at = T0 + 2 * HOUR,
                            .recorded_by = "lw1",
                            .items = {3, 3, 4, 2, 3, 4, 5}};
    assert_int_equal(pcn_store_add_outcome(f->s, &o, NULL), PCN_OK);
    struct pcn_outcome ons = {.referral_id = rid,
                              .instrument = PCN_INSTRUMENT_ONS4,
                              .at = T0 + 2 * HOUR,
                              .recorded_by = "lw1",
                              .items = {6, 7, 5, 0}};
    assert_int_equal(pcn_store_add_outcome(f->s, &ons, NULL), PCN_OK);
    ons.items[1] = 11; /* out of range: refused with the item named */
    assert_int_equal(pcn_store_add_outcome(f->s, &ons, NULL), PCN_EINVAL);
    assert_non_null(strstr(pcn_store_errmsg(f->s), "ONS4 worthwhile is 11"));
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);

    assert_int_equal(pcn_store_each_transition(f->s, rid, count_transitions, &n), PCN_OK);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(pcn_store_each_contact(f->s, rid, count_contacts, &n), PCN_OK);
    assert_int_equal(n, 2);
    assert_int_equal(pcn_store_get_referral(f->s, rid, keep_referral, &seen), PCN_OK);
    assert_int_equal(seen.x.n_contacts, 2);
    assert_int_equal(seen.x.first_contact_at, T0 + HOUR); /* the first that reached the person */
    assert_int_equal(seen.x.last_contact_at, T0 + HOUR);
    n = 0;
    assert_int_equal(pcn_store_each_outcome(f->s, 0, check_outcome, &n), PCN_OK);
    assert_int_equal(n, 2);

    /* goals and connections are versioned like referrals */
    struct pcn_goal gs;
    assert_int_equal(pcn_store_each_goal(f->s, rid, check_goal, &gs), PCN_OK);
    assert_int_equal(gs.id, gid);
    assert_int_equal(gs.version, 1);
    g.id = gid;
    g.version = 1;
    g.status = PCN_GOAL_ACHIEVED;
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_update_goal(f->s, &g, &version), PCN_OK);
    assert_int_equal(version, 2);
    assert_int_equal(pcn_store_update_goal(f->s, &g, &version), PCN_ECONFLICT);
    struct pcn_connection cs;
    assert_int_equal(pcn_store_each_connection(f->s, 0, check_connection, &cs), PCN_OK);
    cs.attendance = PCN_ATTENDANCE_ATTENDED;
    cs.note = "went twice";
    assert_int_equal(pcn_store_update_connection(f->s, &cs, &version), PCN_OK);
    assert_int_equal(version, 2);
    assert_int_equal(pcn_store_update_connection(f->s, &cs, &version), PCN_ECONFLICT);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_each_goal(f->s, rid, check_goal, &gs), PCN_OK);
    assert_int_equal(gs.status, PCN_GOAL_ACHIEVED);
    assert_int_equal(pcn_store_each_connection(f->s, rid, check_connection, &cs), PCN_OK);
    assert_int_equal(cs.attendance, PCN_ATTENDANCE_ATTENDED);
}

static void test_rollback(void **state)
{
    struct test_db *f = store_test_db(state);
    struct pcn_referral r;
    int64_t id = 0;
    struct referral_seen seen = {0};

    sample_referral(&r);
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_add_referral(f->s, &r, &id), PCN_OK);
    pcn_store_rollback(f->s);
    assert_int_equal(pcn_store_each_referral(f->s, NULL, keep_referral, &seen), PCN_OK);
    assert_int_equal(seen.rows, 0);
}

static int count_events(int64_t key, const struct pcn_event *e, void *ud)
{
    (void)key;
    int *n = ud;
    if (e->source && strcmp(e->source, "openpcn-sp") == 0)
        (*n)++;
    return 0;
}

static void test_coded_events(void **state)
{
    struct test_db *f = store_test_db(state);
    struct pcn_referral r;
    int64_t before = 0, after = 0, removed = 0;
    int n = 0;
    struct pcn_event e = {.patient_id = "P1",
                          .date = store_test_date("2025-07-01"),
                          .end_date = PCN_DATE_NONE,
                          .kind = PCN_EVENT_PROCEDURE,
                          .system = "snomed",
                          .code = "871731000000106",
                          .source = "openpcn-sp"};

    sample_referral(&r);
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    store_test_put_person(f->s, "P1", "38341003");
    assert_int_equal(pcn_store_add_referral(f->s, &r, NULL), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_data_version(f->s, &before), PCN_OK);
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_add_coded_event(f->s, &e), PCN_OK);
    e.code = "718466001";
    e.kind = PCN_EVENT_OBSERVATION;
    e.has_value = 1;
    e.value = 21;
    e.unit = "score";
    assert_int_equal(pcn_store_add_coded_event(f->s, &e), PCN_OK);
    e.patient_id = "NOBODY";
    assert_int_equal(pcn_store_add_coded_event(f->s, &e), PCN_ENOTFOUND);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_data_version(f->s, &after), PCN_OK);
    assert_true(after > before); /* the population changed */
    assert_int_equal(pcn_store_each_event(f->s, count_events, &n), PCN_OK);
    assert_int_equal(n, 2);

    /* a referral write alone does not bump the data version */
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_add_referral(f->s, &r, NULL), PCN_OK);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    assert_int_equal(pcn_store_data_version(f->s, &before), PCN_OK);
    assert_int_equal(before, after);

    /* one code of another source goes (the generator's referral codes, replaced by the twin's) */
    e.patient_id = "P1";
    e.source = "generator";
    e.code = "871731000000106";
    e.kind = PCN_EVENT_PROCEDURE;
    e.has_value = 0;
    e.unit = NULL;
    assert_int_equal(pcn_store_begin(f->s), PCN_OK);
    assert_int_equal(pcn_store_add_coded_event(f->s, &e), PCN_OK);
    assert_int_equal(pcn_store_delete_coded_events(f->s, "generator", "718466001", &removed),
                     PCN_OK);
    assert_int_equal(removed, 0);
    assert_int_equal(pcn_store_delete_coded_events(f->s, "generator", "871731000000106", &removed),
                     PCN_OK);
    assert_int_equal(removed, 1);
    /* every event of a source: recoding starts again */
    assert_int_equal(pcn_store_delete_coded_events(f->s, "openpcn-sp", NULL, &removed), PCN_OK);
    assert_int_equal(removed, 2);
    assert_int_equal(pcn_store_delete_coded_events(f->s, "", NULL, &removed), PCN_EINVAL);
    assert_int_equal(pcn_store_commit(f->s), PCN_OK);
    n = 0;
    assert_int_equal(pcn_store_each_event(f->s, count_events, &n), PCN_OK);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct store_test tests[] = {
        {"test_assets", test_assets, STORE_TEST_BOTH},
        {"test_referral_versions", test_referral_versions, STORE_TEST_BOTH},
        {"test_records", test_records, STORE_TEST_BOTH},
        {"test_rollback", test_rollback, STORE_TEST_BOTH},
        {"test_coded_events", test_coded_events, STORE_TEST_BOTH},
    };
    return store_test_run("sp", tests, sizeof(tests) / sizeof(tests[0]));
}
