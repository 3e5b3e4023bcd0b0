/*
 * Unit tests for the asynchronous sink: every record arrives, in order,
 * with its strings intact across many batches; a downstream failure is
 * returned to the producer and by finish; free without finish is safe.
 */
#include "testutil.h"

#include "pcn/ingest.h"

struct counter {
    long n_events;
    long fail_at; /* fail the event with this index (-1: never) */
    int is_in_order;
};

static enum pcn_err count_event(void *ctx, const struct pcn_event *e, struct pcn_error *err)
{
    struct counter *c = ctx;
    char want[32];

    snprintf(want, sizeof(want), "c%ld", c->n_events);
    if (strcmp(e->code, want) != 0 || strcmp(e->patient_id, "p") != 0)
        c->is_in_order = 0;
    if (c->n_events == c->fail_at)
        return pcn_error_set(err, PCN_ESTORAGE, "disk on fire");
    c->n_events++;
    return PCN_OK;
}

static const struct pcn_sink_ops counting = {.event = count_event};

static enum pcn_err push(struct pcn_sink *s, long n)
{
    for (long i = 0; i < n; i++) {
        char code[32];
        struct pcn_event e = {.patient_id = "p", .system = "snomed", .code = code, .date = 1};
        struct pcn_error err;
        enum pcn_err rc;
        snprintf(code, sizeof(code), "c%ld", i);
        rc = s->ops->event(s->ctx, &e, &err);
        if (rc != PCN_OK)
            return rc;
    }
    return PCN_OK;
}

static void test_all_delivered(void **state)
{
    struct counter c = {0, -1, 1};
    struct pcn_sink down = {&counting, &c}, up;
    struct pcn_async_sink *a = NULL;
    (void)state;

    assert_int_equal(pcn_async_sink_new(&down, &a), PCN_OK);
    pcn_async_sink_sink(a, &up);
    assert_int_equal(push(&up, 50000), PCN_OK);
    assert_int_equal(pcn_async_sink_finish(a, NULL), PCN_OK);
    assert_int_equal(c.n_events, 50000);
    assert_true(c.is_in_order);
    pcn_async_sink_free(a);
}

static void test_failure_propagates(void **state)
{
    struct counter c = {0, 10, 1};
    struct pcn_sink down = {&counting, &c}, up;
    struct pcn_async_sink *a = NULL;
    struct pcn_error err;
    enum pcn_err rc;
    (void)state;

    assert_int_equal(pcn_async_sink_new(&down, &a), PCN_OK);
    pcn_async_sink_sink(a, &up);
    rc = push(&up, 100000);
    assert_true(rc == PCN_OK || rc == PCN_ESTORAGE);
    assert_int_equal(pcn_async_sink_finish(a, &err), PCN_ESTORAGE);
    assert_string_equal(err.msg, "disk on fire");
    assert_int_equal(c.n_events, 10);
    pcn_async_sink_free(a);
}

static void test_free_without_finish(void **state)
{
    struct counter c = {0, -1, 1};
    struct pcn_sink down = {&counting, &c}, up;
    struct pcn_async_sink *a = NULL;
    (void)state;

    assert_int_equal(pcn_async_sink_new(&down, &a), PCN_OK);
    pcn_async_sink_sink(a, &up);
    assert_int_equal(push(&up, 10000), PCN_OK);
    pcn_async_sink_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_delivered),
        cmocka_unit_test(test_failure_propagates),
        cmocka_unit_test(test_free_without_finish),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
