/* Unit tests for request-body parsing limits (server/http.c) and settings (server/config.c). */
#include "testutil.h"

#include <jansson.h>

#include "pcn/server.h"

static enum pcn_err parse(const char *s, int depth)
{
    struct pcn_error e;
    void *j = NULL;
    enum pcn_err rc = pcn_server_parse_body(s, strlen(s), 1024, depth, &j, &e);
    if (rc == PCN_OK)
        json_decref(j);
    else
        assert_true(e.msg[0] != '\0');
    return rc;
}

static void test_body(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"a\": 1}", 4), PCN_OK);
    assert_int_equal(parse("{\"a\": [[1]]}", 3), PCN_OK);
    assert_int_equal(parse("{\"a\": [[[1]]]}", 3), PCN_ELIMIT);
    assert_int_equal(parse("{\"a\": \"[[[[[[\"}", 2), PCN_OK); /* brackets in strings */
    assert_int_equal(parse("{\"a\": \"\\\"[[[[\"}", 2), PCN_OK);
    assert_int_equal(parse("{\"a\": 1", 4), PCN_EPARSE);
    assert_int_equal(parse("", 4), PCN_EPARSE);
    assert_int_equal(parse("[1]", 4), PCN_EINVAL);
    assert_int_equal(parse("\"x\"", 4), PCN_EINVAL);
    assert_int_equal(parse("{\"a\": 1, \"a\": 2}", 4), PCN_EPARSE);
    assert_int_equal(parse("{\"a\": 1} x", 4), PCN_EPARSE);
    {
        char big[2048];
        struct pcn_error e;
        void *j = NULL;
        memset(big, ' ', sizeof(big));
        assert_int_equal(pcn_server_parse_body(big, sizeof(big), 1024, 4, &j, &e), PCN_ELIMIT);
    }
}

static void test_config(void **state)
{
    struct pcn_server_config c;
    struct pcn_error e;
    char dir[128];
    char path[192];
    (void)state;
    pcn_server_config_init(&c);
    assert_int_equal(c.threads, 4);
    assert_int_equal(pcn_server_config_set(&c, "threads", "8", &e), PCN_OK);
    assert_int_equal(c.threads, 8);
    assert_int_equal(pcn_server_config_set(&c, "max_body", "1048576", &e), PCN_OK);
    assert_int_equal(c.max_body, 1048576);
    assert_int_equal(pcn_server_config_set(&c, "threads", "0", &e), PCN_EINVAL);
    assert_int_equal(pcn_server_config_set(&c, "threads", "two", &e), PCN_EINVAL);
    assert_int_equal(pcn_server_config_set(&c, "nope", "1", &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "nope"));
    /* the request time limit: seconds with decimals, 1 ms to 1 hour, default 30 s */
    assert_int_equal(c.request_time_limit_usec, 30000000);
    assert_int_equal(pcn_server_config_set(&c, "request_time_limit", "0.001", &e), PCN_OK);
    assert_int_equal(c.request_time_limit_usec, 1000);
    assert_int_equal(pcn_server_config_set(&c, "request_time_limit", "12.5", &e), PCN_OK);
    assert_int_equal(c.request_time_limit_usec, 12500000);
    assert_int_equal(pcn_server_config_set(&c, "request_time_limit", "0", &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "request_time_limit"));
    assert_int_equal(pcn_server_config_set(&c, "request_time_limit", "3601", &e), PCN_EINVAL);
    assert_int_equal(pcn_server_config_set(&c, "request_time_limit", "nan", &e), PCN_EINVAL);
    assert_int_equal(pcn_server_config_set(&c, "request_time_limit", "1s", &e), PCN_EINVAL);
    assert_int_equal(c.request_time_limit_usec, 12500000);
    test_mkdtemp(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/pcn.conf", dir);
    test_write_file(path, "# comment\n\nlisten = 127.0.0.1:9000\n  max_page=50  \n");
    assert_int_equal(pcn_server_config_load(&c, path, &e), PCN_OK);
    assert_string_equal(c.listen, "127.0.0.1:9000");
    assert_int_equal(c.max_page, 50);
    test_write_file(path, "threads = 2\nbad line\n");
    assert_int_equal(pcn_server_config_load(&c, path, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "pcn.conf:2"));
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_body),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
