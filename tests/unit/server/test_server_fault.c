/*
 * Allocation fault injection over the server (STYLE rule 34): the users,
 * sessions and audit store calls, the audit chain, and a server started on
 * loopback answering a few requests, each run with allocation 1, 2, 3...
 * failing. Only success or a clean error is acceptable; ASan/LSan or
 * valgrind fail the test on a crash or leak. Then the engine's routes
 * (reports, worklists as JSON and CSV, the patient view's registers) with
 * jansson allocating through pcn_malloc too, so its failures are injected
 * as well: every 200 must carry the whole body a run without failures
 * gives, never a short one (a failed append must become a 503). Then the
 * same over social prescribing's read routes (the directory by distance, a
 * referral's timeline, outcomes, LSOA coverage), whose tables
 * (postcodes, codes, deprivation) are read by the first request of each run;
 * and over the patient partnership's reads and the public board.
 * Needs -Dfault_injection=true.
 */
#include "testutil.h"
#include "testutil_store.h"

#include "fault_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "pcn/alloc.h"
#include "pcn/audit.h"
#include "pcn/auth.h"
#include "pcn/date.h"
#include "pcn/geo.h"
#include "pcn/parse.h"
#include "pcn/server.h"
#include "pcn/sp_ops.h"
#include "pcn/store.h"
#include "pcn/store_auth.h"
#include "pcn/store_population.h"
#include "pcn/store_ppg.h"
#include "pcn/store_registry.h"
#include "pcn/store_sp.h"
#include "pcn/store_workforce.h"

static char workdir[128];

static void scenario_auth_store(void)
{
    char path[256];
    struct pcn_store *s = NULL;
    struct pcn_error e;
    struct pcn_audit_verify_result v;
    struct pcn_user u = {0, "fault", "clinician", NULL, "$argon2id$x", 0, 1};
    int64_t id = 0;
    enum pcn_err rc;

    snprintf(path, sizeof(path), "%s/fault.db", workdir);
    if (pcn_store_open(path, PCN_STORE_FLAG_CREATE, &s, &e) != PCN_OK)
        return;
    rc = pcn_store_begin(s);
    if (rc == PCN_OK && pcn_store_add_user(s, &u, &id) == PCN_OK) {
        struct pcn_session ses = {"abc", id, "csrf", 1, 2, 0};
        (void)pcn_store_add_session(s, &ses);
    }
    for (int i = 0; rc == PCN_OK && i < 3; i++) {
        struct pcn_audit_row a = {.user_name = "fault",
                                  .role = "clinician",
                                  .method = "GET",
                                  .route = "/x",
                                  .status = 200};
        rc = pcn_audit_append_tx(s, &a);
    }
    if (rc == PCN_OK)
        (void)pcn_store_commit(s);
    else
        pcn_store_rollback(s);
    (void)pcn_audit_verify(s, &v);
    pcn_store_close(s);
}

#define REPLY_MAX 65536

/*
 * Send one request (with a bearer token when token is not NULL) and read
 * until the server closes. The status (0 when there was no reply) and the
 * body, NUL-terminated, into body.
 */
static int http_request(int port, const char *path, const char *token, char *body)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct timeval tv = {5, 0};
    static char buf[REPLY_MAX];
    size_t len = 0;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int status = 0;
    char *start;
    ssize_t n;

    body[0] = '\0';
    if (fd < 0)
        return 0;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        n = snprintf(
            buf, sizeof(buf), "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s%s%s\r\n", path,
            token ? "Authorization: Bearer " : "", token ? token : "", token ? "\r\n" : "");
        if (write(fd, buf, (size_t)n) == n) {
            while (len + 1 < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
                len += (size_t)n;
        }
    }
    close(fd);
    buf[len] = '\0';
    start = strstr(buf, "\r\n\r\n");
    if (len > 12 && strncmp(buf, "HTTP/1.1 ", 9) == 0 && start) {
        status = atoi(buf + 9); /* checksrc: ok, test-only */
        memcpy(body, start + 4, len - (size_t)(start + 4 - buf) + 1);
    }
    return status;
}

/* Send one request and read until the server closes; the reply is not checked. */
static void http_get(int port, const char *path)
{
    static char body[REPLY_MAX];

    (void)http_request(port, path, NULL, body);
}

/*
 * A server on workdir/DB (and the definitions in workdir/defs when defs is
 * set) on a loopback port, *ret_port; NULL when it did not start (an
 * allocation failed). Free with pcn_server_free().
 */
static struct pcn_server *start_server(const char *db, bool defs, int *ret_port)
{
    struct pcn_server_config c;
    struct pcn_server *srv = NULL;
    struct pcn_error e;
    char addr[64];
    int64_t port = 0;

    pcn_server_config_init(&c);
    snprintf(c.db, sizeof(c.db), "%s/%s", workdir, db);
    if (defs)
        snprintf(c.defs, sizeof(c.defs), "%s/defs", workdir);
    /* a small postcode table: the shipped one has 25,000 rows to read in every run */
    snprintf(c.postcodes, sizeof(c.postcodes), "%s/postcodes.csv", workdir);
    snprintf(c.sp_codes, sizeof(c.sp_codes), "%s", PCN_SOURCE_DIR "/defs/maps/socpres_codes.csv");
    snprintf(c.listen, sizeof(c.listen), "127.0.0.1:0");
    c.threads = 2;
    /*
     * No warm-up thread: its snapshot build would run beside the requests
     * (allocation order no longer repeatable) and read the whole IMD table
     * each time; the engine has its own torture (test_engine_fault).
     */
    c.warm_start = 0;
    if (pcn_server_new(&c, &srv, &e) != PCN_OK ||
        pcn_server_start(srv, addr, sizeof(addr), &e) != PCN_OK) {
        pcn_server_free(srv);
        return NULL;
    }
    assert_int_equal(pcn_parse_i64(strrchr(addr, ':') + 1, strlen(strrchr(addr, ':') + 1), &port),
                     PCN_OK);
    *ret_port = (int)port;
    return srv;
}

static void scenario_server(void)
{
    int port = 0;
    struct pcn_server *srv = start_server("fault.db", false, &port);

    if (srv) {
        http_get(port, "/api/v1/health");
        http_get(port, "/api/v1/me");
        http_get(port, "/api/v1/nope");
        http_get(port, "/index.html");
    }
    pcn_server_free(srv);
}

/* ---- the engine's routes: no short 200 ---- */

#define TOKEN "fault-token-of-the-engine-scenario"

static const char *const engine_paths[] = {
    "/api/v1/health",
    "/api/v1/reports/registers",
    "/api/v1/reports/all?by=practice",
    "/api/v1/indicators",
    "/api/v1/worklists",
    "/api/v1/worklists/wl",
    "/api/v1/worklists/wl?format=csv&sort=Age&order=desc",
    "/api/v1/worklists/wl?patient=p&column=Age&min=30&limit=1&offset=1",
    "/api/v1/patients/2?include=registers",
    "/api/v1/practices/A81001",
    "/api/v1/network",
    "/api/v1/me",
};
#define N_ENGINE_PATHS (sizeof(engine_paths) / sizeof(engine_paths[0]))

/* The patient partnership's reads, on the engine fixture's database. */
static const char *const ppg_paths[] = {
    "/api/v1/ppg/groups",   "/api/v1/ppg/representativeness",
    "/api/v1/ppg/ladder",   "/api/v1/ppg/coproduction",
    "/api/v1/ppg/feedback", "/api/v1/public/U00001/you-said-we-did",
};
#define N_PPG_PATHS (sizeof(ppg_paths) / sizeof(ppg_paths[0]))

/*
 * The workforce and finance routes (issue 17), on the engine fixture's
 * database: a network's WTE, its year (claims, budget, income,
 * distribution) and the ICB claim CSV.
 */
static const char *const finance_paths[] = {
    "/api/v1/workforce/summary?network=U00001&by=practice",
    "/api/v1/finance?network=U00001&as_of=2025-10-01",
    "/api/v1/finance/claims/export?network=U00001&as_of=2025-10-01",
};
#define N_FINANCE_PATHS (sizeof(finance_paths) / sizeof(finance_paths[0]))

/* mkdir that accepts a folder another fixture made first. */
static void make_dir(const char *path)
{
    assert_true(mkdir(path, 0700) == 0 || errno == EEXIST);
}

/* What one torture asks: a database in workdir and the paths, in order. */
struct route_set {
    const char *db;
    bool defs; /* the definitions in workdir/defs */
    const char *const *paths;
    size_t n;
    char **reference; /* the bodies of a run without failures */
};

static const struct route_set *routes; /* the set scenario_routes() asks */
static int short_replies;              /* 200s whose body differs from the reference */

static void put(enum pcn_err rc)
{
    assert_int_equal(rc, PCN_OK);
}

/* The clinical director "cd", signed in as TOKEN. */
static void sign_in(struct pcn_store *s)
{
    char hash[PCN_TOKEN_HASH_SIZE];
    struct pcn_user u = {0, "cd", "clinical_director", NULL, "$argon2id$x", 0, 1};
    int64_t id = 0;

    put(pcn_store_add_user(s, &u, &id));
    pcn_token_hash(TOKEN, strlen(TOKEN), hash);
    struct pcn_session ses = {hash, id, "csrf", 1, INT64_MAX / 2, 0};
    put(pcn_store_add_session(s, &ses));
}

/*
 * A network of one practice, three patients, a PPG with two members and one
 * published piece of feedback, one ARRS post, and a clinical director signed
 * in as TOKEN; the contract rates where PCN_DATA_DIR (workdir) puts them.
 * Made once, for the engine's, the patient partnership's and finance routes.
 */
static void engine_fixture(void)
{
    static bool made;
    char path[256];
    struct pcn_store *s = NULL;
    struct pcn_error e;
    struct pcn_network n = {.code = "U00001", .name = "Fault PCN"};
    struct pcn_practice pr = {.code = "A81001", .name = "Fault Surgery"};
    struct pcn_membership m = {"A81001", "U00001", 18000, PCN_DATE_NONE};
    static const char *const ids[] = {"p1", "p2", "p3"};
    int64_t id = 0;

    if (made)
        return;
    made = true;
    snprintf(path, sizeof(path), "%s/engine.db", workdir);
    put(pcn_store_open(path, PCN_STORE_FLAG_CREATE, &s, &e));
    put(pcn_store_begin(s));
    put(pcn_store_put_network(s, &n));
    put(pcn_store_put_practice(s, &pr));
    put(pcn_store_add_membership(s, &m));
    for (int i = 0; i < 3; i++) {
        struct pcn_patient p = {.patient_id = ids[i], .practice = "A81001", .sex = PCN_SEX_MALE};
        struct pcn_event ev = {.patient_id = ids[i], .system = "snomed", .code = "DM"};
        p.date_of_birth = 1000 + 3000 * i;
        p.registered_from = 9000;
        p.registered_to = PCN_DATE_NONE;
        p.date_of_death = PCN_DATE_NONE;
        ev.kind = PCN_EVENT_CONDITION;
        ev.date = 19000 + i;
        ev.end_date = PCN_DATE_NONE;
        put(pcn_store_put_patient(s, &p));
        if (i)
            put(pcn_store_put_event(s, &ev));
    }
    {
        /* the practice's PPG: two members, one piece of feedback answered and published */
        struct pcn_ppg_group g = {0, "U00001", "A81001", "Fault PPG", 18000, 0};
        struct pcn_ppg_member pm = {.name = "A Member",
                                    .age = PCN_PPG_AGE_65_74,
                                    .sex = PCN_PPG_SEX_FEMALE,
                                    .joined = 18500,
                                    .left = PCN_DATE_NONE,
                                    .withdrawn = PCN_DATE_NONE};
        struct pcn_ppg_feedback f = {.network = "U00001",
                                     .received = 19000,
                                     .said = "Evening appointments",
                                     .response = "Two evenings a week",
                                     .responded = 19030,
                                     .outcome = PCN_PPG_OUTCOME_DONE,
                                     .outcome_date = 19100,
                                     .published = 1};
        put(pcn_store_put_ppg_group(s, &g, &id, NULL));
        pm.group_id = f.group_id = id;
        put(pcn_store_put_ppg_member(s, &pm, &id, NULL));
        pm.age = PCN_PPG_AGE_NOT_STATED;
        put(pcn_store_put_ppg_member(s, &pm, &id, NULL));
        put(pcn_store_put_ppg_feedback(s, &f, &id, NULL));
    }
    {
        struct pcn_list_size list = {"A81001", 20089, 18000}; /* 2025-01-01 */
        struct pcn_store_post_site site = {"A81001", 6};
        struct pcn_store_post post = {.network = "U00001",
                                      .person = "P1",
                                      .role = "clinical_pharmacist",
                                      .band = "7",
                                      .wte = 800000,
                                      .employer = "lead_practice",
                                      .employer_code = "A81001",
                                      .start_date = 20332, /* 2025-09-01 */
                                      .end_date = PCN_DATE_NONE,
                                      .has_cost = 1,
                                      .cost = 5000000,
                                      .cost_per = "year",
                                      .funding = "arrs",
                                      .sites = &site,
                                      .n_sites = 1};
        put(pcn_store_put_list_size(s, &list));
        put(pcn_store_add_post(s, &post, NULL));
    }
    sign_in(s);
    put(pcn_store_commit(s));
    pcn_store_close(s);
    snprintf(path, sizeof(path), "%s/data", workdir);
    make_dir(path);
    snprintf(path, sizeof(path), "%s/data/reference", workdir);
    make_dir(path);
    snprintf(path, sizeof(path), "%s/data/reference/ncdes", workdir);
    assert_int_equal(symlink(PCN_SOURCE_DIR "/data/reference/ncdes", path), 0);
    snprintf(path, sizeof(path), "%s/defs", workdir);
    make_dir(path);
    snprintf(path, sizeof(path), "%s/defs/t.pcn", workdir);
    test_write_file(path, "codelist dm = codes(\"DM\")\n"
                          "register dm_reg \"Diabetes, \\\"coded\\\"\" = exists(dm)\n"
                          "indicator dm_old \"Diabetes, 40+\" {\n"
                          "    denominator = dm_reg\n"
                          "    numerator = age >= 40\n"
                          "}\n"
                          "worklist wl \"Diabetes list\" {\n"
                          "    population = dm_reg\n"
                          "    column \"Age\" = age\n"
                          "    column \"Diagnosed, first\" = first(dm).date\n"
                          "}\n");
}

/* Start a server on the set's database, ask every path; compare or keep the bodies. */
static void scenario_routes(void)
{
    static char body[REPLY_MAX];
    int port = 0;
    struct pcn_server *srv = start_server(routes->db, routes->defs, &port);

    if (srv) {
        for (size_t i = 0; i < routes->n; i++) {
            int st = http_request(port, routes->paths[i], TOKEN, body);
            if (!routes->reference[i] && st == 200)
                routes->reference[i] = strdup(body); /* checksrc: ok, test-only */
            else if (st == 200 && routes->reference[i] && strcmp(body, routes->reference[i]) != 0) {
                print_message("short 200 from %s: %s\n", routes->paths[i], body);
                short_replies++;
            }
        }
    }
    pcn_server_free(srv);
}

/* Every path of set answers 200 without failures; with each allocation failing, no short 200. */
static void torture_routes(const struct route_set *set)
{
    routes = set;
    short_replies = 0;
    scenario_routes(); /* no failure: the reference bodies */
    for (size_t i = 0; i < set->n; i++) {
        if (!set->reference[i])
            fail_msg("GET %s failed without any allocation failing", set->paths[i]);
    }
    assert_true(fault_torture(scenario_routes) > 100);
    assert_int_equal(short_replies, 0);
    for (size_t i = 0; i < set->n; i++)
        free(set->reference[i]); /* checksrc: ok, strdup */
}

/* ---- social prescribing's routes: no short 200 either ---- */

static const char *const sp_paths[] = {
    "/api/v1/sp/assets?postcode=SM1+1AA&km=20",
    "/api/v1/sp/referrals/1",
    "/api/v1/sp/outcomes",
    "/api/v1/sp/reports/coverage",
};
#define N_SP_PATHS (sizeof(sp_paths) / sizeof(sp_paths[0]))

#define T0 INT64_C(1767960000000000) /* 2026-01-09T12:00:00Z */
#define HOUR INT64_C(3600000000)

/*
 * sp.db: the engine fixture's clinical director and practice, two people,
 * a directory of two assets and one worked referral (contacted, a contact,
 * a connection, SWEMWBS twice); the small postcode and deprivation tables.
 */
static void sp_fixture(void)
{
    static const struct pcn_referral ref = {.patient_id = "p1",
                                            .source = PCN_SOURCE_SELF,
                                            .referrer = "",
                                            .worklist = "",
                                            .reason = "lonely",
                                            .needs = 1u << PCN_ASSET_LONELINESS,
                                            .received_at = T0,
                                            .created_by = "cd",
                                            .link_worker = "cd"};
    char path[256], csv[256];
    struct pcn_store *s = NULL;
    struct pcn_error e;
    struct pcn_sp_codes codes;
    struct pcn_sp_coded_summary sum;
    struct pcn_geo *geo = NULL;
    int64_t id = 0, version = 0;

    snprintf(path, sizeof(path), "%s/postcodes.csv", workdir);
    test_write_file(path, "postcode,lsoa,lat,long\n"
                          "SM1 1AA,E01004142,51.359722,-0.193121\n"
                          "SM1 1AG,E01004142,51.361846,-0.194991\n"
                          "SM2 5AA,E01004200,51.350000,-0.190000\n");
    snprintf(path, sizeof(path), "%s/data", workdir);
    make_dir(path);
    snprintf(path, sizeof(path), "%s/data/reference", workdir);
    make_dir(path);
    snprintf(path, sizeof(path), "%s/data/reference/lsoa_imd2019.csv", workdir);
    test_write_file(path, "lsoa,imd_decile\nE01004142,6\nE01004200,3\n");
    snprintf(csv, sizeof(csv), "%s/assets.csv", workdir);
    test_write_file(csv, "name,categories,postcode,sessions,cost\n"
                         "Walk,physical_activity;loneliness,SM1 1AA,Tue 10:00-11:00,free\n"
                         "Choir,arts_creativity,SM2 5AA,,3.50\n");
    snprintf(path, sizeof(path), "%s/postcodes.csv", workdir);
    put(pcn_geo_load(path, &geo, &e));
    put(pcn_sp_codes_load(PCN_SOURCE_DIR "/defs/maps/socpres_codes.csv", &codes, &e));
    snprintf(path, sizeof(path), "%s/sp.db", workdir);
    put(pcn_store_open(path, PCN_STORE_FLAG_CREATE, &s, &e));
    put(pcn_store_begin(s));
    for (int i = 1; i <= 2; i++) {
        struct pcn_patient p = {.patient_id = i == 1 ? "p1" : "p2",
                                .practice = "A81001",
                                .sex = PCN_SEX_FEMALE,
                                .lsoa = i == 1 ? "E01004142" : "E01004200",
                                .date_of_birth = 1000 * i,
                                .registered_from = 9000,
                                .registered_to = PCN_DATE_NONE,
                                .date_of_death = PCN_DATE_NONE};
        put(pcn_store_put_patient(s, &p));
    }
    put(pcn_sp_import_assets(s, csv, geo, 20500, NULL, &e));
    put(pcn_sp_refer(s, &ref, &codes, &id, &sum, &e));
    struct pcn_sp_change c = {id, 1, "cd", T0 + HOUR};
    put(pcn_sp_move(s, &c, PCN_REFERRAL_CONTACTED, PCN_CLOSE_NONE, NULL, &codes, &version, &sum,
                    &e));
    struct pcn_contact ct = {0, id, T0 + HOUR, PCN_CONTACT_TELEPHONE, 20, 1, "cd", "call"};
    put(pcn_sp_contact(s, &ct, T0 + 2 * HOUR, NULL, &e));
    struct pcn_connection cn = {0, id, 0, 1, 20462, PCN_ATTENDANCE_ATTENDED, "", T0};
    put(pcn_sp_connect(s, &cn, NULL, &e));
    struct pcn_outcome o = {0, id, PCN_INSTRUMENT_SWEMWBS, T0 + HOUR, "cd", {3, 3, 3, 3, 3, 3, 3}};
    put(pcn_sp_record_outcome(s, &o, &codes, NULL, &sum, &e));
    o.at += 1000 * HOUR;
    o.items[0] = 5;
    put(pcn_sp_record_outcome(s, &o, &codes, NULL, &sum, &e));
    sign_in(s);
    put(pcn_store_commit(s));
    pcn_store_close(s);
    pcn_geo_free(geo);
}

static void test_sp_routes(void **state)
{
    static char *reference[N_SP_PATHS];
    const struct route_set set = {"sp.db", false, sp_paths, N_SP_PATHS, reference};

    (void)state;
    fault_require_injection();
    sp_fixture();
    torture_routes(&set);
}

static void *json_alloc(size_t n)
{
    return pcn_malloc(n);
}

static void json_release(void *p)
{
    pcn_free(p);
}

static void test_engine_routes(void **state)
{
    static char *reference[N_ENGINE_PATHS];
    const struct route_set set = {"engine.db", true, engine_paths, N_ENGINE_PATHS, reference};

    (void)state;
    fault_require_injection();
    engine_fixture();
    torture_routes(&set);
}

static void test_finance_routes(void **state)
{
    static char *reference[N_FINANCE_PATHS];
    const struct route_set set = {"engine.db", true, finance_paths, N_FINANCE_PATHS, reference};

    (void)state;
    fault_require_injection();
    engine_fixture();
    torture_routes(&set);
}

static void test_ppg_routes(void **state)
{
    static char *reference[N_PPG_PATHS];
    const struct route_set set = {"engine.db", true, ppg_paths, N_PPG_PATHS, reference};

    (void)state;
    fault_require_injection();
    engine_fixture();
    torture_routes(&set);
}

static void test_torture(void **state)
{
    (void)state;
    fault_require_injection();
    assert_int_equal(pcn_auth_init(), PCN_OK);
    assert_true(fault_torture(scenario_auth_store) > 3);
    scenario_auth_store(); /* a complete database for the server */
    assert_true(fault_torture(scenario_server) > 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_torture), cmocka_unit_test(test_engine_routes),
        cmocka_unit_test(test_sp_routes), cmocka_unit_test(test_ppg_routes),
        cmocka_unit_test(test_finance_routes)};
    int rc;
    char path[300];

    /* jansson's allocations fail in turn too; set before its first allocation */
    json_set_alloc_funcs(json_alloc, json_release);
    /* no IMD table (a data directory without one): the snapshot builds stay small */
    test_mkdtemp(workdir, sizeof(workdir));
    setenv("PCN_DATA_DIR", workdir, 1);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    snprintf(path, sizeof(path), "%s/fault.db", workdir);
    test_db_unlink(path);
    snprintf(path, sizeof(path), "%s/engine.db", workdir);
    test_db_unlink(path);
    snprintf(path, sizeof(path), "%s/sp.db", workdir);
    test_db_unlink(path);
    snprintf(path, sizeof(path), "%s/defs/t.pcn", workdir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/defs", workdir);
    rmdir(path);
    static const char *const sp_files[] = {
        "postcodes.csv",        "assets.csv",     "data/reference/lsoa_imd2019.csv",
        "data/reference/ncdes", "data/reference", "data"};
    for (size_t i = 0; i < sizeof(sp_files) / sizeof(sp_files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", workdir, sp_files[i]);
        if (unlink(path) != 0)
            rmdir(path);
    }
    rmdir(workdir);
    return rc;
}
