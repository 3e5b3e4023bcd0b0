/*
 * Allocation fault injection over the server (STYLE rule 34): the users,
 * sessions and audit store calls, the audit chain, and a server started on
 * loopback answering a few requests, each run with allocation 1, 2, 3...
 * failing. Only success or a clean error is acceptable; ASan/LSan or
 * valgrind fail the test on a crash or leak. Then the engine's routes
 * (reports, worklists as JSON and CSV, the patient view's registers) with
 * jansson allocating through pcn_malloc too, so its failures are injected
 * as well: every 200 must carry the whole body a run without failures
 * gives, never a short one (a failed append must become a 503); then
 * the same over the patient partnership's reads and the public board.
 * Needs -Dfault_injection=true.
 */
#include "testutil.h"
#include "testutil_store.h"

#include "fault_util.h"

#include <arpa/inet.h>
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
#include "pcn/parse.h"
#include "pcn/server.h"
#include "pcn/store.h"
#include "pcn/store_auth.h"
#include "pcn/store_population.h"
#include "pcn/store_ppg.h"
#include "pcn/store_registry.h"

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
/* The patient partnership's reads, tortured on their own (fewer runs than with the above). */
static const char *const ppg_paths[] = {
    "/api/v1/ppg/groups",   "/api/v1/ppg/representativeness",
    "/api/v1/ppg/ladder",   "/api/v1/ppg/coproduction",
    "/api/v1/ppg/feedback", "/api/v1/public/U00001/you-said-we-did",
};
#define N_PATHS_MAX 16

static const char *const *paths; /* what scenario_engine asks for */
static size_t n_paths;
static char *reference[N_PATHS_MAX]; /* the bodies of a run without failures */
static int short_replies;            /* 200s whose body differs from the reference */

static void put(enum pcn_err rc)
{
    assert_int_equal(rc, PCN_OK);
}

/* A network of one practice, three patients and a clinical director signed in as TOKEN. */
static void engine_fixture(void)
{
    char path[256];
    char hash[PCN_TOKEN_HASH_SIZE];
    struct pcn_store *s = NULL;
    struct pcn_error e;
    struct pcn_user u = {0, "cd", "clinical_director", NULL, "$argon2id$x", 0, 1};
    struct pcn_network n = {.code = "U00001", .name = "Fault PCN"};
    struct pcn_practice pr = {.code = "A81001", .name = "Fault Surgery"};
    struct pcn_membership m = {"A81001", "U00001", 18000, PCN_DATE_NONE};
    static const char *const ids[] = {"p1", "p2", "p3"};
    int64_t id = 0;

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
    put(pcn_store_add_user(s, &u, &id));
    pcn_token_hash(TOKEN, strlen(TOKEN), hash);
    {
        struct pcn_session ses = {hash, id, "csrf", 1, INT64_MAX / 2, 0};
        put(pcn_store_add_session(s, &ses));
    }
    put(pcn_store_commit(s));
    pcn_store_close(s);
    snprintf(path, sizeof(path), "%s/defs", workdir);
    assert_int_equal(mkdir(path, 0700), 0);
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

/* Start a server on the fixture, ask every engine path; compare or keep the bodies. */
static void scenario_engine(void)
{
    static char body[REPLY_MAX];
    int port = 0;
    struct pcn_server *srv = start_server("engine.db", true, &port);

    if (srv) {
        for (size_t i = 0; i < n_paths; i++) {
            int st = http_request(port, paths[i], TOKEN, body);
            if (!reference[i] && st == 200)
                reference[i] = strdup(body); /* checksrc: ok, test-only */
            else if (st == 200 && reference[i] && strcmp(body, reference[i]) != 0) {
                print_message("short 200 from %s: %s\n", paths[i], body);
                short_replies++;
            }
        }
    }
    pcn_server_free(srv);
}

static void *json_alloc(size_t n)
{
    return pcn_malloc(n);
}

static void json_release(void *p)
{
    pcn_free(p);
}

/* Torture the routes p[0..n-1] on the fixture: every 200 whole. */
static void torture_routes(const char *const *p, size_t n, unsigned long min_runs)
{
    static bool fixture;

    assert_true(n <= N_PATHS_MAX);
    if (!fixture)
        engine_fixture();
    fixture = true;
    paths = p;
    n_paths = n;
    short_replies = 0;
    memset(reference, 0, sizeof(reference));
    scenario_engine(); /* no failure: the reference bodies */
    for (size_t i = 0; i < n; i++) {
        if (!reference[i])
            fail_msg("GET %s failed without any allocation failing", p[i]);
    }
    assert_true(fault_torture(scenario_engine) > min_runs);
    assert_int_equal(short_replies, 0);
    for (size_t i = 0; i < n; i++)
        free(reference[i]); /* checksrc: ok, strdup */
}

static void test_engine_routes(void **state)
{
    (void)state;
    fault_require_injection();
    torture_routes(engine_paths, sizeof(engine_paths) / sizeof(engine_paths[0]), 100);
}

static void test_ppg_routes(void **state)
{
    (void)state;
    fault_require_injection();
    torture_routes(ppg_paths, sizeof(ppg_paths) / sizeof(ppg_paths[0]), 100);
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
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_torture),
                                       cmocka_unit_test(test_engine_routes),
                                       cmocka_unit_test(test_ppg_routes)};
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
    snprintf(path, sizeof(path), "%s/defs/t.pcn", workdir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/defs", workdir);
    rmdir(path);
    rmdir(workdir);
    return rc;
}
