/*
 * Allocation fault injection over the social prescribing services and
 * views (STYLE rule 34): a directory import, a referral's workflow with
 * its coding back, recoding, and every result kind, each with allocation
 * 1, 2, 3... failing in turn on a small database made first. Every run
 * must end in success or a clean error; ASan/LSan (or valgrind) fails the
 * test on a crash or a leak. Needs a build with -Dfault_injection=true.
 */
#include "testutil.h"
#include "testutil_store.h"

#include "fault_util.h"

#include <jansson.h>

#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "pcn/sp_ops.h"
#include "pcn/sp_views.h"
#include "pcn/store_population.h"
#include "pcn/store_sp.h"
#include "pcn/table.h"

#define CODES PCN_SOURCE_DIR "/defs/maps/socpres_codes.csv"
#define T0 INT64_C(1767960000000000) /* 2026-01-09T12:00:00Z */
#define HOUR INT64_C(3600000000)

static char workdir[128];
static char db_path[256];
static char csv_path[256];
static struct pcn_sp_codes codes;
static struct pcn_strmap *imd; /* a small deprivation table: the shipped one is 33,000 LSOAs */

static void put_person(struct pcn_store *s, const char *id, const char *practice)
{
    struct pcn_patient p = {
        .patient_id = id,
        .date_of_birth = 1000,
        .sex = PCN_SEX_FEMALE,
        .lsoa = "E01004142",
        .practice = practice,
        .registered_from = 0,
        .registered_to = PCN_DATE_NONE,
        .date_of_death = PCN_DATE_NONE,
    };
    assert_int_equal(pcn_store_put_patient(s, &p), PCN_OK);
}

static const struct pcn_referral referral = {
    .patient_id = "P1",
    .source = PCN_SOURCE_SELF,
    .referrer = "",
    .worklist = "",
    .reason = "lonely",
    .needs = 1u << PCN_ASSET_LONELINESS,
    .received_at = T0,
    .created_by = "lw1",
    .link_worker = "lw1",
};

/* The database the scenarios read: two people, a directory, one worked referral. */
static void make_db(void)
{
    struct pcn_store *s = NULL;
    struct pcn_sp_coded_summary sum;
    struct pcn_error e;
    int64_t id = 0, version = 0;
    FILE *f;

    snprintf(db_path, sizeof(db_path), "%s/sp.db", workdir);
    snprintf(csv_path, sizeof(csv_path), "%s/assets.csv", workdir);
    f = fopen(csv_path, "w");
    assert_non_null(f);
    fputs("name,categories,postcode,sessions,cost\n"
          "Walk,physical_activity;loneliness,SM1 1AA,Tue 10:00-11:00,free\n"
          "Choir,arts_creativity,SM1 1AG,,3.50\n",
          f);
    fclose(f);
    assert_int_equal(pcn_sp_codes_load(CODES, &codes, &e), PCN_OK);
    assert_int_equal(pcn_store_open(db_path, PCN_STORE_FLAG_CREATE, &s, &e), PCN_OK);
    assert_int_equal(pcn_store_begin(s), PCN_OK);
    put_person(s, "P1", "A81001");
    put_person(s, "P2", "A81002");
    assert_int_equal(pcn_sp_import_assets(s, csv_path, NULL, 20500, NULL, &e), PCN_OK);
    assert_int_equal(pcn_sp_refer(s, &referral, &codes, &id, &sum, &e), PCN_OK);
    struct pcn_sp_change c = {id, 1, "lw1", T0 + HOUR};
    assert_int_equal(pcn_sp_move(s, &c, PCN_REFERRAL_CONTACTED, PCN_CLOSE_NONE, NULL, &codes,
                                 &version, &sum, &e),
                     PCN_OK);
    struct pcn_contact ct = {0, id, T0 + HOUR, PCN_CONTACT_TELEPHONE, 20, 1, "lw1", "call"};
    assert_int_equal(pcn_sp_contact(s, &ct, T0 + 2 * HOUR, NULL, &e), PCN_OK);
    struct pcn_connection cn = {0, id, 0, 1, 20462, PCN_ATTENDANCE_ATTENDED, "", T0};
    assert_int_equal(pcn_sp_connect(s, &cn, NULL, &e), PCN_OK);
    struct pcn_outcome o = {0, id, PCN_INSTRUMENT_SWEMWBS, T0 + HOUR, "lw1", {3, 3, 3, 3, 3, 3, 3}};
    assert_int_equal(pcn_sp_record_outcome(s, &o, &codes, NULL, &sum, &e), PCN_OK);
    o.at += 1000 * HOUR;
    o.items[0] = 5;
    assert_int_equal(pcn_sp_record_outcome(s, &o, &codes, NULL, &sum, &e), PCN_OK);
    assert_int_equal(pcn_store_commit(s), PCN_OK);
    pcn_store_close(s);
}

static void scenario_views(void)
{
    struct pcn_sp_view_opts o = {.now = T0 + 2000 * HOUR, .suppress_below = 8, .imd = imd};
    struct pcn_asset_query q = {.age = -1, .has_origin = 1, .lat = 51.36, .lon = -0.19};
    struct pcn_directory *d = NULL;
    struct pcn_table *t[10] = {NULL};
    struct pcn_buf out = PCN_BUF_INIT;
    struct pcn_store *s = NULL;
    struct pcn_error e;

    if (pcn_store_open(db_path, 0, &s, &e) != PCN_OK)
        return;
    if (pcn_sp_load_directory(s, &d, &e) == PCN_OK) {
        (void)pcn_sp_view_assets(d, &q, &t[0], NULL, &e);
        (void)pcn_sp_view_categories(s, d, &o, &t[1], &e);
        (void)pcn_sp_view_coverage(s, d, &o, &t[2], &e);
        pcn_directory_free(d);
    }
    (void)pcn_sp_view_referrals(s, &o, &t[3], NULL, &e);
    (void)pcn_sp_view_timeline(s, 1, &t[4], NULL, NULL, NULL, &e);
    (void)pcn_sp_view_outcomes(s, &o, &t[5], &e);
    (void)pcn_sp_view_outcome_pairs(s, &o, &t[6], &e);
    (void)pcn_sp_view_caseloads(s, &o, &t[7], &e);
    (void)pcn_sp_view_activity(s, &o, &t[8], &e);
    (void)pcn_sp_view_rates(s, &o, &t[9], &e);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        void *j = NULL;
        if (!t[i])
            continue;
        (void)pcn_table_render(t[i], PCN_FORMAT_TABLE, &out);
        if (pcn_table_to_json(t[i], &j) == PCN_OK)
            json_decref(j);
        pcn_table_free(t[i]);
    }
    pcn_buf_release(&out);
    pcn_store_close(s);
}

/* A referral worked from start to decline, an import and a recode; all rolled back. */
static void scenario_writes(void)
{
    struct pcn_sp_coded_summary sum;
    struct pcn_store *s = NULL;
    struct pcn_error e;
    int64_t id = 0, version = 0;

    if (pcn_store_open(db_path, 0, &s, &e) != PCN_OK)
        return;
    if (pcn_store_begin(s) != PCN_OK) {
        pcn_store_close(s);
        return;
    }
    struct pcn_referral r = referral;
    r.patient_id = "P2";
    if (pcn_sp_refer(s, &r, &codes, &id, &sum, &e) == PCN_OK) {
        struct pcn_sp_change c = {id, 1, "lw1", T0 + HOUR};
        (void)pcn_sp_plan(s, &c, "walks", 0, &version, &e);
        c.version = version;
        (void)pcn_sp_move(s, &c, PCN_REFERRAL_DECLINED, PCN_CLOSE_NONE, NULL, &codes, &version,
                          &sum, &e);
    }
    (void)pcn_sp_import_assets(s, csv_path, NULL, 20500, NULL, &e);
    (void)pcn_sp_recode(s, &codes, &sum, &e);
    pcn_store_rollback(s);
    pcn_store_close(s);
}

static void test_sp_ops_fault(void **state)
{
    (void)state;
    fault_require_injection();
    test_mkdtemp(workdir, sizeof(workdir));
    make_db();
    imd = pcn_strmap_new();
    assert_non_null(imd);
    assert_int_equal(pcn_strmap_put(imd, "E01004142", 9, 4), PCN_OK);
    assert_true(fault_torture(scenario_views) > 10);
    assert_true(fault_torture(scenario_writes) > 10);
    pcn_strmap_free(imd);
    test_db_unlink(db_path);
    (void)remove(csv_path);
    (void)rmdir(workdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_sp_ops_fault)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
