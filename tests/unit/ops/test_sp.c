/*
 * Unit tests for ops/sp.c and ops/views_sp.c, the social prescribing
 * services over a real store: an asset put with and without the version
 * read; a directory import that is all or nothing; a referral's workflow
 * with every refusal the domain asks for (stale version, forbidden move,
 * contacts and questionnaires outside the referral, goals and connections
 * of another referral, a closed asset, invalid scores); the codes written
 * into the record and written again by recoding; and the views narrowed to
 * a practice, a patient and a link worker.
 */
#include "testutil.h"
#include "testutil_store.h"

#include "pcn/date.h"
#include "pcn/geo.h"
#include "pcn/sp_ops.h"
#include "pcn/sp_views.h"
#include "pcn/store_population.h"
#include "pcn/store_sp.h"

#define CODES PCN_SOURCE_DIR "/defs/maps/socpres_codes.csv"
#define ASSETS PCN_SOURCE_DIR "/tests/data/sp/assets.csv"
#define POSTCODES PCN_SOURCE_DIR "/tests/data/sp/postcodes.csv"
#define DAY INT64_C(86400000000)

static int32_t d(const char *s)
{
    int32_t v = 0;
    assert_int_equal(pcn_date_parse(s, strlen(s), &v), PCN_OK);
    return v;
}

static pcn_usec_t at(const char *s)
{
    pcn_usec_t t = 0;
    assert_int_equal(pcn_sp_time_parse(s, strlen(s), &t), PCN_OK);
    return t;
}

static void put_person(struct pcn_store *s, const char *id, const char *practice)
{
    struct pcn_patient p = {
        .patient_id = id,
        .date_of_birth = d("1950-05-05"),
        .sex = PCN_SEX_FEMALE,
        .practice = practice,
        .registered_from = d("2000-01-01"),
        .registered_to = PCN_DATE_NONE,
        .date_of_death = PCN_DATE_NONE,
    };
    assert_int_equal(pcn_store_put_patient(s, &p), PCN_OK);
}

struct fixture {
    struct test_db db;
    struct pcn_sp_codes codes;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct pcn_error e;

    assert_non_null(f);
    test_db_open(&f->db, "sp.db");
    assert_int_equal(pcn_sp_codes_load(CODES, &f->codes, &e), PCN_OK);
    assert_int_equal(pcn_store_begin(f->db.s), PCN_OK);
    put_person(f->db.s, "P1", "A81001");
    put_person(f->db.s, "P2", "A81002");
    assert_int_equal(pcn_store_commit(f->db.s), PCN_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    test_db_close(&f->db);
    free(f);
    return 0;
}

/* Count the coded events social prescribing wrote into a patient's record. */
struct coded_count {
    int n;
    const char *code; /* count only this code; NULL any */
};

static int count_event(int64_t key, const struct pcn_event *e, void *ud)
{
    struct coded_count *c = ud;

    (void)key;
    if (e->source && strcmp(e->source, PCN_SP_SOURCE) == 0 &&
        (!c->code || strcmp(e->code, c->code) == 0))
        c->n++;
    return 0;
}

static int coded(struct pcn_store *s, const char *patient, const char *code)
{
    struct coded_count c = {0, code};
    int64_t key = 0;

    assert_int_equal(pcn_store_find_patient(s, patient, &key), PCN_OK);
    assert_int_equal(pcn_store_patient_events(s, key, count_event, &c), PCN_OK);
    return c.n;
}

static void test_put_asset(void **state)
{
    struct fixture *f = *state;
    struct pcn_store *s = f->db.s;
    struct pcn_asset a;
    struct pcn_error e;
    int64_t id = 0, version = 0;

    pcn_asset_init(&a);
    a.name = "Friday Walk";
    a.categories = 1u << PCN_ASSET_PHYSICAL_ACTIVITY;
    assert_int_equal(pcn_store_begin(s), PCN_OK);
    assert_int_equal(pcn_sp_put_asset(s, &a, &id, &version, &e), PCN_OK);
    assert_true(id > 0);
    assert_int_equal(version, 1);
    /* an update must name the version it read */
    a.id = id;
    a.version = 0;
    assert_int_equal(pcn_sp_put_asset(s, &a, NULL, &version, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "version"));
    a.version = 1;
    a.cost_pence = 250;
    assert_int_equal(pcn_sp_put_asset(s, &a, NULL, &version, &e), PCN_OK);
    assert_int_equal(version, 2);
    assert_int_equal(pcn_sp_put_asset(s, &a, NULL, &version, &e), PCN_ECONFLICT);
    assert_non_null(strstr(e.msg, "asset"));
    a.id = id + 100;
    a.version = 1;
    assert_int_equal(pcn_sp_put_asset(s, &a, NULL, &version, &e), PCN_ENOTFOUND);
    assert_int_equal(pcn_store_commit(s), PCN_OK);
}

static void test_import_and_load(void **state)
{
    struct fixture *f = *state;
    struct pcn_store *s = f->db.s;
    struct pcn_asset_import sum;
    struct pcn_directory *dir = NULL;
    struct pcn_geo *geo = NULL;
    struct pcn_error e;
    char bad[256];
    FILE *fp;

    assert_int_equal(pcn_geo_load(POSTCODES, &geo, &e), PCN_OK);
    /* the sample names ids 1-7, none stored yet: refused whole, naming the first */
    assert_int_equal(pcn_store_begin(s), PCN_OK);
    assert_int_equal(pcn_sp_import_assets(s, ASSETS, geo, d("2026-07-01"), &sum, &e),
                     PCN_ENOTFOUND);
    assert_non_null(strstr(e.msg, "asset 1 (row 1) is not in the directory"));
    pcn_store_rollback(s);
    /* a file with a bad row changes nothing */
    snprintf(bad, sizeof(bad), "%s/bad.csv", f->db.dir);
    fp = fopen(bad, "w");
    assert_non_null(fp);
    fputs("name,categories\nWalk,physical_activity\nKnit,knitting\n", fp);
    fclose(fp);
    assert_int_equal(pcn_store_begin(s), PCN_OK);
    assert_int_equal(pcn_sp_import_assets(s, bad, geo, d("2026-07-01"), &sum, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "bad.csv:3: column 'categories'"));
    pcn_store_rollback(s);
    assert_int_equal(pcn_sp_load_directory(s, &dir, &e), PCN_OK);
    assert_int_equal(pcn_directory_count(dir), 0);
    pcn_directory_free(dir);
    /* without ids the rows are added; the stored directory loads back placed */
    fp = fopen(bad, "w");
    assert_non_null(fp);
    fputs("name,categories,postcode\nWalk,physical_activity,SM1 1AA\nKnit,arts_creativity,\n", fp);
    fclose(fp);
    assert_int_equal(pcn_store_begin(s), PCN_OK);
    assert_int_equal(pcn_sp_import_assets(s, bad, geo, d("2026-07-01"), &sum, &e), PCN_OK);
    assert_int_equal(pcn_store_commit(s), PCN_OK);
    assert_int_equal(sum.rows, 2);
    assert_int_equal(sum.located, 1);
    assert_int_equal(pcn_sp_load_directory(s, &dir, &e), PCN_OK);
    assert_int_equal(pcn_directory_count(dir), 2);
    assert_string_equal(pcn_directory_find(dir, 1)->lsoa, "E01004142");
    pcn_directory_free(dir);
    pcn_geo_free(geo);
}

/* A referral of P1 received on 2026-01-10, assigned to lw1; its id. */
static int64_t refer(struct fixture *f, const char *patient)
{
    struct pcn_referral r = {
        .patient_id = patient,
        .source = PCN_SOURCE_CLINICIAN,
        .channel = PCN_CHANNEL_PATIENT_VIEW,
        .referrer = "Dr Patel",
        .worklist = "",
        .reason = "lonely",
        .received_at = at("2026-01-10T09:00"),
        .created_by = "drpatel",
        .link_worker = "lw1",
    };
    struct pcn_sp_coded_summary sum;
    struct pcn_error e;
    int64_t id = 0;

    assert_int_equal(pcn_store_begin(f->db.s), PCN_OK);
    assert_int_equal(pcn_sp_refer(f->db.s, &r, &f->codes, &id, &sum, &e), PCN_OK);
    assert_int_equal(pcn_store_commit(f->db.s), PCN_OK);
    assert_int_equal(sum.written, 1);
    return id;
}

static void test_workflow(void **state)
{
    struct fixture *f = *state;
    struct pcn_store *s = f->db.s;
    struct pcn_sp_coded_summary sum;
    struct pcn_error e;
    int64_t version = 0;
    struct pcn_referral nobody = {.patient_id = "NOBODY",
                                  .created_by = "x",
                                  .referrer = "",
                                  .worklist = "",
                                  .reason = "",
                                  .link_worker = "",
                                  .source = PCN_SOURCE_SELF,
                                  .received_at = at("2026-01-10")};
    int64_t id = refer(f, "P1");

    assert_int_equal(coded(s, "P1", "871731000000106"), 1);
    assert_int_equal(pcn_store_begin(s), PCN_OK);
    assert_int_equal(pcn_sp_refer(s, &nobody, &f->codes, NULL, &sum, &e), PCN_ENOTFOUND);
    assert_string_equal(e.msg, "patient_id: NOBODY is not in the population");
    /* moves: the version read, the table of moves, who made it */
    struct pcn_sp_change c = {id, 1, "lw1", at("2026-01-11T10:00")};
    assert_int_equal(pcn_sp_move(s, &c, PCN_REFERRAL_CONTACTED, PCN_CLOSE_NONE, NULL, &f->codes,
                                 &version, &sum, &e),
                     PCN_OK);
    assert_int_equal(version, 2);
    struct pcn_sp_change stale = {id, 1, "lw2", at("2026-01-11T10:05")};
    assert_int_equal(pcn_sp_move(s, &stale, PCN_REFERRAL_DECLINED, PCN_CLOSE_NONE, NULL, &f->codes,
                                 &version, &sum, &e),
                     PCN_ECONFLICT);
    assert_string_equal(e.msg, "referral 1 was changed by someone else (version 2, not 1)");
    c.version = 2;
    assert_int_equal(pcn_sp_move(s, &c, PCN_REFERRAL_CONNECTED, PCN_CLOSE_NONE, NULL, &f->codes,
                                 &version, &sum, &e),
                     PCN_ECONFLICT);
    assert_non_null(strstr(e.msg, "cannot move to 'connected'"));
    c.by = "";
    assert_int_equal(pcn_sp_move(s, &c, PCN_REFERRAL_FIRST_APPOINTMENT, PCN_CLOSE_NONE, NULL,
                                 &f->codes, &version, &sum, &e),
                     PCN_EINVAL);
    c.by = "lw1";
    /* contacts: within the referral's life, not before it */
    struct pcn_contact ct = {0,     id,    at("2026-01-09T10:00"), PCN_CONTACT_TELEPHONE, 15, 1,
                             "lw1", "call"};
    assert_int_equal(pcn_sp_contact(s, &ct, at("2026-02-01"), NULL, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "before the referral"));
    ct.at = at("2026-01-11T10:00");
    assert_int_equal(pcn_sp_contact(s, &ct, at("2026-02-01"), NULL, &e), PCN_OK);
    /* the plan, its goals (of this referral only) */
    assert_int_equal(
        pcn_sp_plan(s, &c, "Getting out more", 1u << PCN_ASSET_LONELINESS, &version, &e), PCN_OK);
    assert_int_equal(version, 3);
    struct pcn_goal g = {0, id, 0, "Join the choir", PCN_GOAL_OPEN, PCN_DATE_NONE, c.at};
    int64_t gid = 0;
    assert_int_equal(pcn_sp_add_goal(s, &g, &gid, &e), PCN_OK);
    g.id = gid;
    g.version = 1;
    g.status = PCN_GOAL_ACHIEVED;
    assert_int_equal(pcn_sp_update_goal(s, &g, &version, &e), PCN_OK);
    assert_int_equal(version, 2);
    assert_int_equal(pcn_sp_update_goal(s, &g, &version, &e), PCN_ECONFLICT);
    g.referral_id = id + 1;
    g.version = 2;
    assert_int_equal(pcn_sp_update_goal(s, &g, &version, &e), PCN_ENOTFOUND);
    assert_non_null(strstr(e.msg, "has no goal"));
    g.referral_id = id;
    g.text = "   ";
    assert_int_equal(pcn_sp_add_goal(s, &g, NULL, &e), PCN_EINVAL);
    /* connections: an active asset; attendance by version, of this referral only */
    struct pcn_asset a;
    int64_t open_asset = 0, closed_asset = 0, cid = 0;
    pcn_asset_init(&a);
    a.name = "Choir";
    a.categories = 1u << PCN_ASSET_ARTS_CREATIVITY;
    assert_int_equal(pcn_sp_put_asset(s, &a, &open_asset, NULL, &e), PCN_OK);
    a.active = 0;
    assert_int_equal(pcn_sp_put_asset(s, &a, &closed_asset, NULL, &e), PCN_OK);
    struct pcn_connection cn = {0,  id,  0, closed_asset, d("2026-01-20"), PCN_ATTENDANCE_UNKNOWN,
                                "", c.at};
    assert_int_equal(pcn_sp_connect(s, &cn, &cid, &e), PCN_ECONFLICT);
    assert_non_null(strstr(e.msg, "has closed"));
    cn.asset_id = 999;
    assert_int_equal(pcn_sp_connect(s, &cn, &cid, &e), PCN_ENOTFOUND);
    cn.asset_id = open_asset;
    assert_int_equal(pcn_sp_connect(s, &cn, &cid, &e), PCN_OK);
    cn.id = cid;
    cn.version = 1;
    cn.attendance = PCN_ATTENDANCE_ATTENDED;
    cn.referral_id = id + 1;
    assert_int_equal(pcn_sp_update_connection(s, &cn, &version, &e), PCN_ENOTFOUND);
    cn.referral_id = id;
    assert_int_equal(pcn_sp_update_connection(s, &cn, &version, &e), PCN_OK);
    assert_int_equal(version, 2);
    /* questionnaires: validated, within the referral, coded where a code exists */
    struct pcn_outcome o = {0,     id,           PCN_INSTRUMENT_ONS4, at("2026-01-12T10:00"),
                            "lw1", {5, 6, 4, 11}};
    assert_int_equal(pcn_sp_record_outcome(s, &o, &f->codes, NULL, &sum, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "ONS4 anxiety is 11; items are scored 0-10");
    o.items[3] = 7;
    assert_int_equal(pcn_sp_record_outcome(s, &o, &f->codes, NULL, &sum, &e), PCN_OK);
    assert_int_equal(sum.written, 0);
    assert_int_equal(sum.uncoded, 4); /* no SNOMED CT code for the ONS4 items */
    struct pcn_outcome sw = {
        0, id, PCN_INSTRUMENT_SWEMWBS, at("2026-01-09T10:00"), "lw1", {3, 3, 3, 3, 3, 3, 3}};
    assert_int_equal(pcn_sp_record_outcome(s, &sw, &f->codes, NULL, &sum, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "before the referral"));
    sw.at = at("2026-01-12T10:00");
    sw.items[2] = PCN_ITEM_MISSING;
    assert_int_equal(pcn_sp_record_outcome(s, &sw, &f->codes, NULL, &sum, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "missing"));
    sw.items[2] = 3;
    assert_int_equal(pcn_sp_record_outcome(s, &sw, &f->codes, NULL, &sum, &e), PCN_OK);
    assert_int_equal(sum.written, 1);
    sw.at = at("2026-03-12T10:00");
    sw.items[0] = 5;
    assert_int_equal(pcn_sp_record_outcome(s, &sw, &f->codes, NULL, &sum, &e), PCN_OK);
    /* closed: nothing more is added; it cannot be reassigned */
    c.version = 3;
    assert_int_equal(pcn_sp_move(s, &c, PCN_REFERRAL_CLOSED, PCN_CLOSE_NONE, NULL, &f->codes,
                                 &version, &sum, &e),
                     PCN_EINVAL);
    assert_int_equal(pcn_sp_move(s, &c, PCN_REFERRAL_CLOSED, PCN_CLOSE_GOALS_MET, NULL, &f->codes,
                                 &version, &sum, &e),
                     PCN_OK);
    c.version = version;
    assert_int_equal(pcn_sp_assign(s, &c, "lw2", &version, &e), PCN_ECONFLICT);
    ct.at = at("2026-03-20T10:00");
    assert_int_equal(pcn_sp_contact(s, &ct, at("2026-04-01"), NULL, &e), PCN_ECONFLICT);
    assert_non_null(strstr(e.msg, "belongs to a new referral"));
    assert_int_equal(pcn_store_commit(s), PCN_OK);
    assert_int_equal(coded(s, "P1", "718466001"), 2);

    /* a decline is coded; recoding writes every code again, no more and no fewer */
    int64_t id2 = refer(f, "P2");
    struct pcn_sp_change c2 = {id2, 1, "lw1", at("2026-01-15T10:00")};
    assert_int_equal(pcn_store_begin(s), PCN_OK);
    assert_int_equal(pcn_sp_move(s, &c2, PCN_REFERRAL_DECLINED, PCN_CLOSE_NONE, NULL, &f->codes,
                                 &version, &sum, &e),
                     PCN_OK);
    assert_int_equal(sum.written, 1);
    assert_int_equal(pcn_store_commit(s), PCN_OK);
    assert_int_equal(coded(s, "P2", "871711000000103"), 1);
    int before = coded(s, "P1", NULL) + coded(s, "P2", NULL);
    assert_int_equal(before, 5); /* 2 referrals, 1 decline, 2 SWEMWBS */
    assert_int_equal(pcn_store_begin(s), PCN_OK);
    assert_int_equal(pcn_sp_recode(s, &f->codes, &sum, &e), PCN_OK);
    assert_int_equal(pcn_store_commit(s), PCN_OK);
    assert_int_equal(sum.written, 5);
    assert_int_equal(coded(s, "P1", NULL) + coded(s, "P2", NULL), before);
}

static void test_views(void **state)
{
    struct fixture *f = *state;
    struct pcn_store *s = f->db.s;
    struct pcn_sp_view_opts o = {.now = at("2026-02-01T12:00")};
    struct pcn_table *t = NULL;
    struct pcn_error e;
    int64_t total = 0, version = 0;
    char patient[64], worker[201];

    int64_t id1 = refer(f, "P1");
    int64_t id2 = refer(f, "P2");
    (void)id2;
    assert_int_equal(pcn_sp_view_referrals(s, &o, &t, &total, &e), PCN_OK);
    assert_int_equal(total, 2);
    assert_string_equal(pcn_table_cell(t, 0, 2), "P1"); /* id order */
    pcn_table_free(t);
    /* narrowed to a practice (a practice manager's), a patient, a page */
    o.practice = "A81002";
    assert_int_equal(pcn_sp_view_referrals(s, &o, &t, &total, &e), PCN_OK);
    assert_int_equal(total, 1);
    assert_int_equal(pcn_table_rows(t), 1);
    pcn_table_free(t);
    o.practice = NULL;
    o.patient_id = "P1";
    assert_int_equal(pcn_sp_view_referrals(s, &o, &t, &total, &e), PCN_OK);
    assert_int_equal(total, 1);
    pcn_table_free(t);
    o.patient_id = NULL;
    o.limit = 1;
    o.offset = 1;
    assert_int_equal(pcn_sp_view_referrals(s, &o, &t, &total, &e), PCN_OK);
    assert_int_equal(total, 2);
    assert_int_equal(pcn_table_rows(t), 1);
    pcn_table_free(t);
    o.limit = o.offset = 0;
    /* a caseload row per link worker */
    assert_int_equal(pcn_sp_view_caseloads(s, &o, &t, &e), PCN_OK);
    assert_string_equal(pcn_table_cell(t, 0, 0), "lw1");
    assert_int_equal(pcn_table_rows(t), 1);
    pcn_table_free(t);
    /* the timeline: the referral first, a connection never before it */
    struct pcn_asset a;
    int64_t aid = 0, cid = 0;
    pcn_asset_init(&a);
    a.name = "Choir";
    a.categories = 1u << PCN_ASSET_ARTS_CREATIVITY;
    struct pcn_connection cn = {
        0, id1, 0, 0, d("2026-01-10"), PCN_ATTENDANCE_UNKNOWN, "", at("2026-01-10T10:00")};
    assert_int_equal(pcn_store_begin(s), PCN_OK);
    assert_int_equal(pcn_sp_put_asset(s, &a, &aid, NULL, &e), PCN_OK);
    cn.asset_id = aid;
    assert_int_equal(pcn_sp_connect(s, &cn, &cid, &e), PCN_OK);
    assert_int_equal(pcn_store_commit(s), PCN_OK);
    assert_int_equal(pcn_sp_view_timeline(s, id1, &t, &version, patient, worker, &e), PCN_OK);
    assert_int_equal(pcn_table_rows(t), 2);
    assert_string_equal(pcn_table_cell(t, 0, 1), "referral");
    assert_string_equal(pcn_table_cell(t, 1, 1), "connection");
    assert_int_equal(version, 1);
    assert_string_equal(patient, "P1");
    assert_string_equal(worker, "lw1");
    pcn_table_free(t);
    assert_int_equal(pcn_sp_view_timeline(s, 999, &t, NULL, NULL, NULL, &e), PCN_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_asset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_and_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_workflow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_views, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
