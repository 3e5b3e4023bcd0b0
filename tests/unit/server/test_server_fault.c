/*
 * Allocation fault injection over the server (STYLE rule 34): the users,
 * sessions and audit store calls, the audit chain, and a server started on
 * loopback answering a few requests, each run with allocation 1, 2, 3...
 * failing. Only success or a clean error is acceptable; ASan/LSan or
 * valgrind fail the test on a crash or leak. Needs -Dfault_injection=true.
 */
#include "testutil.h"
#include "testutil_store.h"

#include "fault_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "pcn/alloc.h"
#include "pcn/audit.h"
#include "pcn/auth.h"
#include "pcn/parse.h"
#include "pcn/server.h"
#include "pcn/store.h"
#include "pcn/store_auth.h"

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

/* Send one request and read until the server closes; the reply is not checked. */
static void http_get(int port, const char *path)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct timeval tv = {5, 0};
    char buf[4096];
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int n;

    if (fd < 0)
        return;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        n = snprintf(buf, sizeof(buf), "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                     path);
        if (write(fd, buf, (size_t)n) == n) {
            while (read(fd, buf, sizeof(buf)) > 0)
                ;
        }
    }
    close(fd);
}

static void scenario_server(void)
{
    struct pcn_server_config c;
    struct pcn_server *srv = NULL;
    struct pcn_error e;
    char addr[64];

    pcn_server_config_init(&c);
    snprintf(c.db, sizeof(c.db), "%s/fault.db", workdir);
    snprintf(c.listen, sizeof(c.listen), "127.0.0.1:0");
    c.threads = 2;
    /*
     * No warm-up thread: its snapshot build would run beside the requests
     * (allocation order no longer repeatable) and read the whole IMD table
     * each time; the engine has its own torture (test_engine_fault).
     */
    c.warm_start = 0;
    if (pcn_server_new(&c, &srv, &e) == PCN_OK &&
        pcn_server_start(srv, addr, sizeof(addr), &e) == PCN_OK) {
        const char *colon = strrchr(addr, ':');
        int64_t port = 0;
        assert_int_equal(pcn_parse_i64(colon + 1, strlen(colon + 1), &port), PCN_OK);
        http_get((int)port, "/api/v1/health");
        http_get((int)port, "/api/v1/me");
        http_get((int)port, "/api/v1/nope");
        http_get((int)port, "/index.html");
    }
    pcn_server_free(srv);
}

static void test_torture(void **state)
{
    (void)state;
    fault_require_injection();
    assert_int_equal(pcn_auth_init(), PCN_OK);
    test_mkdtemp(workdir, sizeof(workdir));
    assert_true(fault_torture(scenario_auth_store) > 3);
    scenario_auth_store(); /* a complete database for the server */
    assert_true(fault_torture(scenario_server) > 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_torture)};
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char path[200];
    snprintf(path, sizeof(path), "%s/fault.db", workdir);
    test_db_unlink(path);
    rmdir(workdir);
    return rc;
}
