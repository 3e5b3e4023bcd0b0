/*
 * Unit tests for sp/asset.c, sp/asset_csv.c and sp/directory.c: the
 * directory's field formats, checks, CSV reading and writing, and search.
 */
#include "testutil.h"

#include <math.h>

#include "pcn/alloc.h"
#include "pcn/asset.h"
#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/geo.h"

#define DATA PCN_SOURCE_DIR "/tests/data/sp/"

static int32_t day(const char *s)
{
    int32_t d = 0;
    assert_int_equal(pcn_date_parse(s, strlen(s), &d), PCN_OK);
    return d;
}

static void test_categories(void **state)
{
    uint32_t mask = 0;
    struct pcn_buf b = PCN_BUF_INIT;
    struct pcn_error e;
    enum pcn_asset_category c;
    (void)state;
    assert_int_equal(pcn_asset_categories_parse(" loneliness ; physical_activity;", &mask, &e),
                     PCN_OK);
    assert_int_equal(mask, (1u << PCN_ASSET_LONELINESS) | (1u << PCN_ASSET_PHYSICAL_ACTIVITY));
    assert_int_equal(pcn_asset_categories_format(mask, &b), PCN_OK);
    assert_string_equal(b.buf, "physical_activity;loneliness");
    assert_int_equal(pcn_asset_categories_parse("gardening", &mask, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "unknown category 'gardening' (known: physical_activity, "));
    assert_int_equal(pcn_asset_categories_parse(" ; ", &mask, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "at least one category is needed");
    for (int i = 0; i < PCN_ASSET_CATEGORY_COUNT_; i++) {
        const char *n = pcn_asset_category_name(i);
        assert_int_equal(pcn_asset_category_parse(n, strlen(n), &c), PCN_OK);
        assert_int_equal(c, i);
        assert_non_null(pcn_asset_category_label(i));
    }
    assert_string_equal(pcn_asset_category_label(PCN_ASSET_LTC_GROUP),
                        "Long-term condition groups");
    assert_null(pcn_asset_category_name(PCN_ASSET_CATEGORY_COUNT_));

    uint32_t acc = 0;
    pcn_buf_reset(&b);
    assert_int_equal(pcn_asset_access_parse("online;wheelchair", &acc, &e), PCN_OK);
    assert_int_equal(acc, PCN_ACCESS_ONLINE | PCN_ACCESS_WHEELCHAIR);
    assert_int_equal(pcn_asset_access_format(acc, &b), PCN_OK);
    assert_string_equal(b.buf, "wheelchair;online");
    assert_int_equal(pcn_asset_access_parse("", &acc, &e), PCN_OK);
    assert_int_equal(acc, 0);
    assert_int_equal(pcn_asset_access_parse("lift", &acc, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "unknown access feature 'lift'"));

    enum pcn_asset_route r;
    assert_int_equal(pcn_asset_route_parse("link_worker", &r), PCN_OK);
    assert_int_equal(r, PCN_ROUTE_LINK_WORKER);
    assert_int_equal(pcn_asset_route_parse("gp", &r), PCN_EINVAL);
    pcn_buf_release(&b);
}

static void test_sessions(void **state)
{
    struct pcn_asset_session s[PCN_ASSET_MAX_SESSIONS];
    size_t n = 0;
    struct pcn_buf b = PCN_BUF_INIT;
    struct pcn_error e;
    (void)state;
    assert_int_equal(
        pcn_sessions_parse("Thu 14:00-15:30; Mon-Fri 09:00-10:00; Sun 23:00-24:00", s, &n, &e),
        PCN_OK);
    assert_int_equal(n, 7);
    /* sorted by day then start */
    assert_int_equal(s[0].day, 0);
    assert_int_equal(s[0].start, 9 * 60);
    assert_int_equal(s[3].day, 3);
    assert_int_equal(s[3].start, 9 * 60);
    assert_int_equal(s[4].day, 3);
    assert_int_equal(s[4].start, 14 * 60);
    assert_int_equal(s[4].end, 15 * 60 + 30);
    assert_int_equal(s[6].end, 1440);
    assert_int_equal(pcn_sessions_format(s, n, &b), PCN_OK);
    assert_string_equal(b.buf, "Mon-Fri 09:00-10:00; Thu 14:00-15:30; Sun 23:00-24:00");
    /* what the formatter writes reads back to the same sessions */
    struct pcn_asset_session again[PCN_ASSET_MAX_SESSIONS];
    size_t m = 0;
    assert_int_equal(pcn_sessions_parse(b.buf, again, &m, &e), PCN_OK);
    assert_int_equal(m, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(again[i].day, s[i].day);
        assert_int_equal(again[i].start, s[i].start);
        assert_int_equal(again[i].end, s[i].end);
    }

    assert_int_equal(pcn_sessions_parse("", s, &n, &e), PCN_OK);
    assert_int_equal(n, 0);
    assert_int_equal(pcn_sessions_parse("Funday 10:00-11:00", s, &n, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "expected a day (Mon..Sun"));
    assert_int_equal(pcn_sessions_parse("Fri-Mon 10:00-11:00", s, &n, &e), PCN_EINVAL);
    assert_int_equal(pcn_sessions_parse("Mon 10:00-9:00", s, &n, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "times must be HH:MM-HH:MM"));
    assert_int_equal(pcn_sessions_parse("Mon 11:00-10:00", s, &n, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "ends before it starts"));
    assert_int_equal(pcn_sessions_parse("Mon 24:00-24:30", s, &n, &e), PCN_EINVAL);
    assert_int_equal(pcn_sessions_parse("Mon 10:60-11:00", s, &n, &e), PCN_EINVAL);
    assert_int_equal(pcn_sessions_parse("Mon 10:00-12:00; Mon 11:00-13:00", s, &n, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "two sessions on Mon overlap");
    assert_int_equal(
        pcn_sessions_parse("Mon-Sun 08:00-09:00; Mon-Sun 10:00-11:00; Mon-Sun 12:00-13:00; "
                           "Mon-Sun 14:00-15:00; Mon 16:00-17:00",
                           s, &n, &e),
        PCN_ELIMIT);
    pcn_buf_release(&b);
}

static void test_cost(void **state)
{
    int32_t p = 0;
    struct pcn_buf b = PCN_BUF_INIT;
    (void)state;
    assert_int_equal(pcn_cost_parse("free", &p), PCN_OK);
    assert_int_equal(p, 0);
    assert_int_equal(pcn_cost_parse("0", &p), PCN_OK);
    assert_int_equal(p, 0);
    assert_int_equal(pcn_cost_parse("", &p), PCN_OK);
    assert_int_equal(p, PCN_COST_UNKNOWN);
    assert_int_equal(pcn_cost_parse("unknown", &p), PCN_OK);
    assert_int_equal(p, PCN_COST_UNKNOWN);
    assert_int_equal(pcn_cost_parse("3.50", &p), PCN_OK);
    assert_int_equal(p, 350);
    assert_int_equal(pcn_cost_parse("\xc2\xa3"
                                    "12",
                                    &p),
                     PCN_OK);
    assert_int_equal(p, 1200);
    assert_int_equal(pcn_cost_parse("3.5", &p), PCN_EINVAL);
    assert_int_equal(pcn_cost_parse("-2", &p), PCN_EINVAL);
    assert_int_equal(pcn_cost_parse("1000.01", &p), PCN_EINVAL);
    assert_int_equal(pcn_cost_parse("cheap", &p), PCN_EINVAL);
    assert_int_equal(pcn_cost_format(350, &b), PCN_OK);
    assert_int_equal(pcn_cost_format(0, &b), PCN_OK);
    assert_int_equal(pcn_cost_format(PCN_COST_UNKNOWN, &b), PCN_OK);
    assert_int_equal(pcn_cost_format(5, &b), PCN_OK);
    assert_string_equal(b.buf, "3.50free0.05");
    pcn_buf_release(&b);
}

static void good_asset(struct pcn_asset *a)
{
    pcn_asset_init(a);
    a->name = "Knit and Natter";
    a->categories = 1u << PCN_ASSET_LONELINESS;
}

static void check_fails(const struct pcn_asset *a, const char *expect)
{
    struct pcn_error e;
    assert_int_not_equal(pcn_asset_check(a, &e), PCN_OK);
    if (!strstr(e.msg, expect))
        fail_msg("got '%s', wanted '%s'", e.msg, expect);
}

static void test_check(void **state)
{
    struct pcn_asset a;
    struct pcn_error e;
    (void)state;
    good_asset(&a);
    assert_int_equal(pcn_asset_check(&a, &e), PCN_OK);
    a.name = "  ";
    check_fails(&a, "name: missing");
    good_asset(&a);
    a.categories = 0;
    check_fails(&a, "categories: at least one");
    good_asset(&a);
    a.categories = 1u << 20;
    check_fails(&a, "categories: at least one known category");
    good_asset(&a);
    a.min_age = 70;
    a.max_age = 60;
    check_fails(&a, "min_age/max_age: 70-60");
    good_asset(&a);
    a.email = "not-an-email";
    check_fails(&a, "email: 'not-an-email' is not an email address");
    good_asset(&a);
    a.website = "www.example.org";
    check_fails(&a, "website: must start with https://");
    good_asset(&a);
    a.phone = "0208 ext 5";
    check_fails(&a, "phone: 'e' is not allowed");
    good_asset(&a);
    strcpy(a.postcode, "sm1 1aa");
    check_fails(&a, "postcode: 'sm1 1aa' is not a UK postcode");
    good_asset(&a);
    strcpy(a.lsoa, "E02000001");
    check_fails(&a, "lsoa:");
    good_asset(&a);
    a.has_position = 1;
    a.lat = 40.0;
    a.lon = 0;
    check_fails(&a, "is not in the UK");
    good_asset(&a);
    a.capacity = -2;
    check_fails(&a, "capacity:");
    good_asset(&a);
    a.description = "bad\x02text";
    check_fails(&a, "description: control character");
    good_asset(&a);
    a.organisation = NULL;
    check_fails(&a, "organisation: missing");
    good_asset(&a);
    a.n_sessions = 1;
    a.sessions[0] = (struct pcn_asset_session){7, 60, 120};
    check_fails(&a, "sessions: session 1");

    /* stale: not verified in the 12 months up to the date */
    good_asset(&a);
    assert_true(pcn_asset_is_stale(&a, day("2026-06-01")));
    a.last_verified = day("2025-06-01");
    assert_false(pcn_asset_is_stale(&a, day("2026-06-01")));
    assert_true(pcn_asset_is_stale(&a, day("2026-06-02")));
}

static struct pcn_directory *load_sample(struct pcn_geo **ret_geo, struct pcn_asset_import *ret_sum)
{
    struct pcn_geo *g = NULL;
    struct pcn_error e;
    struct pcn_directory *d = pcn_directory_new();

    assert_non_null(d);
    assert_int_equal(pcn_geo_load(DATA "postcodes.csv", &g, &e), PCN_OK);
    if (pcn_directory_read_csv(d, DATA "assets.csv", g, day("2026-07-01"), ret_sum, &e) != PCN_OK)
        fail_msg("%s", e.msg);
    *ret_geo = g;
    return d;
}

static void test_read(void **state)
{
    struct pcn_geo *g = NULL;
    struct pcn_asset_import sum;
    (void)state;
    struct pcn_directory *d = load_sample(&g, &sum);
    assert_int_equal(sum.rows, 7);
    assert_int_equal(sum.located, 5);          /* rows 1-5 */
    assert_int_equal(sum.outside_coverage, 1); /* M1 1AE */
    assert_int_equal(sum.without_postcode, 1); /* the closed lunch club */
    assert_int_equal(sum.stale, 3); /* 2024-01-10, 2024-05-01 and row 5 (never verified) */
    assert_int_equal(pcn_directory_count(d), 7);

    const struct pcn_asset *a = pcn_directory_find(d, 2);
    assert_non_null(a);
    assert_string_equal(a->name, "Sing for Better Breathing");
    assert_int_equal(a->categories,
                     (1u << PCN_ASSET_ARTS_CREATIVITY) | (1u << PCN_ASSET_LTC_GROUP));
    assert_string_equal(a->postcode, "SM1 1AG");
    assert_string_equal(a->lsoa, "E01004142");
    assert_true(a->has_position);
    assert_int_equal(a->cost_pence, 200);
    assert_string_equal(a->cost_note, "First session free");
    assert_int_equal(a->access, PCN_ACCESS_HEARING_LOOP | PCN_ACCESS_ACCESSIBLE_TOILET);
    assert_int_equal(a->n_sessions, 1);
    assert_int_equal(a->route, PCN_ROUTE_SELF_REFERRAL);
    assert_int_equal(a->capacity, 30);
    assert_int_equal(a->last_verified, day("2025-09-15"));

    a = pcn_directory_find(d, 3);
    assert_int_equal(a->n_sessions, 5); /* Mon-Fri */
    assert_int_equal(a->capacity, -1);
    assert_int_equal(a->min_age, 16);
    a = pcn_directory_find(d, 6);
    assert_string_equal(a->postcode, "M1 1AE");
    assert_false(a->has_position);
    assert_string_equal(a->lsoa, "");
    a = pcn_directory_find(d, 7);
    assert_false(a->active);
    assert_int_equal(a->cost_pence, PCN_COST_UNKNOWN);
    assert_null(pcn_directory_find(d, 99));
    assert_null(pcn_directory_find(d, 0));
    pcn_directory_free(d);
    pcn_geo_free(g);
}

static void test_round_trip(void **state)
{
    struct pcn_geo *g = NULL;
    struct pcn_asset_import sum;
    struct pcn_buf out = PCN_BUF_INIT, again = PCN_BUF_INIT;
    struct pcn_error e;
    (void)state;
    struct pcn_directory *d = load_sample(&g, &sum);
    assert_int_equal(pcn_directory_write_csv(d, &out), PCN_OK);
    assert_non_null(strstr(out.buf, "id,name,organisation,categories,description,address,postcode,"
                                    "lsoa,latitude,longitude,sessions,"));
    assert_non_null(strstr(out.buf, "Mon-Fri 09:00-17:00"));
    assert_non_null(
        strstr(out.buf, "\"Gentle 45-minute walks round Manor Park, ending with tea.\""));

    /* read what was written (without the postcode table: positions come from the file) */
    struct pcn_directory *d2 = pcn_directory_new();
    assert_int_equal(pcn_directory_read_csv_mem(d2, out.buf, out.len, "export.csv", NULL,
                                                day("2026-07-01"), &sum, &e),
                     PCN_OK);
    assert_int_equal(sum.located, 5);
    assert_int_equal(pcn_directory_write_csv(d2, &again), PCN_OK);
    assert_string_equal(out.buf, again.buf);
    for (size_t i = 0; i < pcn_directory_count(d); i++) {
        const struct pcn_asset *x = pcn_directory_at(d, i), *y = pcn_directory_at(d2, i);
        assert_int_equal(x->id, y->id);
        assert_string_equal(x->name, y->name);
        assert_int_equal(x->categories, y->categories);
        assert_string_equal(x->lsoa, y->lsoa);
        assert_int_equal(x->has_position, y->has_position);
        assert_true(fabs(x->lat - y->lat) < 1e-6);
        assert_int_equal(x->n_sessions, y->n_sessions);
        assert_int_equal(x->cost_pence, y->cost_pence);
        assert_int_equal(x->last_verified, y->last_verified);
        assert_int_equal(x->active, y->active);
    }
    assert_null(pcn_directory_at(d2, 99));
    pcn_directory_free(d2);
    pcn_directory_free(d);
    pcn_geo_free(g);
    pcn_buf_release(&out);
    pcn_buf_release(&again);
}

/* Read text into a directory holding one asset; the error must match and the directory stay. */
static void bad_csv(const char *text, enum pcn_err want, const char *expect)
{
    struct pcn_directory *d = pcn_directory_new();
    struct pcn_asset a;
    struct pcn_error e;

    good_asset(&a);
    a.id = 500;
    assert_int_equal(pcn_directory_add(d, &a, NULL, &e), PCN_OK);
    assert_int_equal(pcn_directory_read_csv_mem(d, text, strlen(text), "up.csv", NULL,
                                                day("2026-07-01"), NULL, &e),
                     want);
    if (!strstr(e.msg, expect))
        fail_msg("got '%s', wanted '%s'", e.msg, expect);
    /* all or nothing: the directory is as it was */
    assert_int_equal(pcn_directory_count(d), 1);
    assert_non_null(pcn_directory_find(d, 500));
    pcn_directory_free(d);
}

static void test_bad_csv(void **state)
{
    (void)state;
    bad_csv("", PCN_EPARSE, "up.csv: empty file");
    bad_csv("name,colour\n", PCN_EPARSE, "up.csv:1: column 'colour' is unknown or repeated");
    bad_csv("name,name,categories\n", PCN_EPARSE, "column 'name' is unknown or repeated");
    bad_csv("name\nx\n", PCN_EPARSE, "up.csv:1: the header needs columns 'categories'");
    bad_csv("id,name,categories\n10,A,loneliness\n11,B,gardening\n", PCN_EINVAL,
            "up.csv:3: column 'categories': unknown category 'gardening'");
    bad_csv("id,name,categories\n10,A,loneliness\n10,B,loneliness\n", PCN_ECONFLICT,
            "up.csv:3: id: asset 10 is already in the directory");
    bad_csv("id,name,categories\n500,A,loneliness\n", PCN_ECONFLICT, "asset 500 is already");
    bad_csv("id,name,categories\nx,A,loneliness\n", PCN_EINVAL,
            "up.csv:2: column 'id': 'x' is not a whole number");
    bad_csv("name,categories,postcode\nA,loneliness,SM1\n", PCN_EINVAL,
            "up.csv:2: column 'postcode': not a UK postcode");
    bad_csv("name,categories,latitude\nA,loneliness,51.3\n", PCN_EINVAL,
            "column 'longitude': latitude and longitude go together");
    bad_csv("name,categories,latitude,longitude\nA,loneliness,71.3,0\n", PCN_EINVAL,
            "column 'latitude': not a UK latitude");
    bad_csv("name,categories,sessions\nA,loneliness,Mon 10-11\n", PCN_EINVAL,
            "up.csv:2: column 'sessions': session 'Mon 10-11': times must be HH:MM-HH:MM");
    bad_csv("name,categories,cost\nA,loneliness,cheap\n", PCN_EINVAL,
            "column 'cost': expected free, an amount");
    bad_csv("name,categories,min_age,max_age\nA,loneliness,60,50\n", PCN_EINVAL,
            "column 'max_age': the maximum age is below the minimum");
    bad_csv("name,categories,min_age\nA,loneliness,121\n", PCN_EINVAL,
            "column 'min_age': '121' is not a whole number from 0 to 120");
    bad_csv("name,categories,active\nA,loneliness,maybe\n", PCN_EINVAL,
            "column 'active': expected yes or no");
    bad_csv("name,categories,last_verified\nA,loneliness,01/02/2026\n", PCN_EINVAL,
            "column 'last_verified': expected a date YYYY-MM-DD");
    bad_csv("name,categories,referral_route\nA,loneliness,gp\n", PCN_EINVAL,
            "column 'referral_route': expected drop_in");
    bad_csv("name,categories,access\nA,loneliness,lift\n", PCN_EINVAL,
            "column 'access': unknown access feature 'lift'");
    bad_csv("name,categories,email\nA,loneliness,someone\n", PCN_EINVAL,
            "up.csv:2: email: 'someone' is not an email address");
    bad_csv("name,categories\n,loneliness\n", PCN_EINVAL, "up.csv:2: name: missing");
    bad_csv("name,categories,lsoa\nA,loneliness,X01\n", PCN_EINVAL,
            "column 'lsoa': not an English");
    bad_csv("name,categories\n\"unterminated,loneliness\n", PCN_EPARSE, "up.csv:2:");
}

static struct pcn_asset_hit *search(const struct pcn_directory *d, struct pcn_asset_query *q,
                                    size_t *n, size_t *total)
{
    struct pcn_asset_hit *h = NULL;
    q->as_of = day("2026-07-01");
    assert_int_equal(pcn_directory_search(d, q, &h, n, total), PCN_OK);
    return h;
}

static void test_search(void **state)
{
    struct pcn_geo *g = NULL;
    struct pcn_asset_import sum;
    struct pcn_asset_query q;
    struct pcn_place home;
    size_t n = 0, total = 0;
    (void)state;
    struct pcn_directory *d = load_sample(&g, &sum);

    /* everything active, by name */
    memset(&q, 0, sizeof(q));
    q.age = -1;
    struct pcn_asset_hit *h = search(d, &q, &n, &total);
    assert_int_equal(n, 6);
    assert_string_equal(h[0].asset->name, "Carers Centre Telford");
    assert_string_equal(h[5].asset->name, "Wigan Allotment Volunteers");
    assert_int_equal(h[0].km, -1);
    pcn_free(h);

    /* by category: any of the asked categories */
    q.categories = (1u << PCN_ASSET_LONELINESS) | (1u << PCN_ASSET_CARERS);
    h = search(d, &q, &n, &total);
    assert_int_equal(n, 2);
    pcn_free(h);
    q.include_inactive = 1; /* the closed lunch club too */
    h = search(d, &q, &n, &total);
    assert_int_equal(n, 3);
    pcn_free(h);
    q.include_inactive = 0;
    q.categories = 0;

    /* by distance from a patient in SM1 1AG: the Sutton walk first, then the others in order */
    assert_int_equal(pcn_geo_postcode(g, "SM1 1AG", &home), PCN_OK);
    q.has_origin = 1;
    q.lat = home.lat;
    q.lon = home.lon;
    h = search(d, &q, &n, &total);
    assert_int_equal(n, 6);
    assert_string_equal(h[0].asset->name, "Sing for Better Breathing");
    assert_true(h[0].km < 1e-9);
    assert_string_equal(h[1].asset->name, "Sutton Walking Group");
    assert_true(h[1].km > 0.1 && h[1].km < 0.5);
    for (size_t i = 2; i < 5; i++)
        assert_true(h[i].km >= h[i - 1].km);
    assert_string_equal(h[5].asset->name, "Evening Pottery Class"); /* no position: last */
    assert_int_equal(h[5].km, -1);
    pcn_free(h);
    /* within 5 km: the unplaced pottery class is dropped too */
    q.max_km = 5;
    h = search(d, &q, &n, &total);
    assert_int_equal(n, 2);
    pcn_free(h);
    q.max_km = 0;
    /* a limit returns the nearest but counts them all */
    q.limit = 3;
    h = search(d, &q, &n, &total);
    assert_int_equal(n, 3);
    assert_int_equal(total, 6);
    pcn_free(h);
    /* an offset pages on: hits 5 and 6, then none past the end */
    q.offset = 4;
    h = search(d, &q, &n, &total);
    assert_int_equal(n, 2);
    assert_int_equal(total, 6);
    assert_string_equal(h[1].asset->name, "Evening Pottery Class");
    pcn_free(h);
    q.offset = 9;
    h = search(d, &q, &n, &total);
    assert_int_equal(n, 0);
    assert_int_equal(total, 6);
    pcn_free(h);
    q.offset = 0;
    q.limit = 0;
    q.has_origin = 0;

    /* free text: every word, any case, across fields */
    q.text = "COPD singing";
    h = search(d, &q, &n, &total);
    assert_int_equal(n, 1);
    assert_int_equal(h[0].asset->id, 2);
    pcn_free(h);
    q.text = "sutton";
    h = search(d, &q, &n, &total);
    assert_int_equal(n, 3); /* walking group, choir, pottery (Sutton College) */
    pcn_free(h);
    q.text = "SR1 1AF";
    h = search(d, &q, &n, &total);
    assert_int_equal(n, 1);
    pcn_free(h);
    q.text = "nothing-matches-this";
    h = search(d, &q, &n, &total);
    assert_int_equal(n, 0);
    assert_null(h);
    q.text = NULL;

    /* age, access, staleness */
    q.age = 17;
    h = search(d, &q, &n, &total);
    assert_int_equal(n, 2); /* Citizens Advice (16+) and the allotment (16+) */
    pcn_free(h);
    q.age = -1;
    q.access = PCN_ACCESS_WHEELCHAIR | PCN_ACCESS_STEP_FREE;
    h = search(d, &q, &n, &total);
    assert_int_equal(n, 2);
    pcn_free(h);
    q.access = 0;
    q.only_stale = 1;
    h = search(d, &q, &n, &total);
    assert_int_equal(n, 2); /* Citizens Advice 2024-01-10 and the allotment, never verified */
    assert_true(h[0].stale && h[1].stale);
    pcn_free(h);
    q.only_stale = 0;

    /* bad queries */
    char longtext[PCN_ASSET_QUERY_TEXT_MAX + 10];
    memset(longtext, 'a', sizeof(longtext) - 1);
    longtext[sizeof(longtext) - 1] = '\0';
    q.text = longtext;
    assert_int_equal(pcn_directory_search(d, &q, &h, &n, &total), PCN_EINVAL);
    q.text = NULL;
    q.max_km = -1;
    assert_int_equal(pcn_directory_search(d, &q, &h, &n, &total), PCN_EINVAL);
    pcn_directory_free(d);
    pcn_geo_free(g);
}

static void test_directory_add(void **state)
{
    struct pcn_directory *d = pcn_directory_new();
    struct pcn_asset a;
    const struct pcn_asset *stored = NULL;
    struct pcn_error e;
    char name[32];
    (void)state;
    good_asset(&a);
    /* copies are independent of the caller's strings, and stay put as the directory grows */
    snprintf(name, sizeof(name), "Group 0");
    a.name = name;
    assert_int_equal(pcn_directory_add(d, &a, &stored, &e), PCN_OK);
    name[6] = 'X';
    assert_string_equal(stored->name, "Group 0");
    for (int i = 1; i < 500; i++) {
        snprintf(name, sizeof(name), "Group %d", i);
        a.id = i;
        assert_int_equal(pcn_directory_add(d, &a, NULL, &e), PCN_OK);
    }
    assert_string_equal(stored->name, "Group 0");
    assert_int_equal(pcn_directory_count(d), 500);
    assert_string_equal(pcn_directory_find(d, 321)->name, "Group 321");
    a.name = "";
    assert_int_equal(pcn_directory_add(d, &a, NULL, &e), PCN_EINVAL);
    pcn_directory_free(d);
    pcn_directory_free(NULL);
}

static void test_add_fields(void **state)
{
    static const char *const names[] = {"name", "categories", "postcode", "cost", "email"};
    static const char *const good[] = {"Friday Walk", "physical_activity", "sm1 1aa", "free",
                                       "walk@example.org"};
    static const char *const bad_cost[] = {"Friday Walk", "physical_activity", "", "3 quid", ""};
    static const char *const bad_mail[] = {"Friday Walk", "physical_activity", "", "", "nobody"};
    static const char *const unknown[] = {"name", "colour"};
    static const char *const twice[] = {"name", "name"};
    static const char *const two[] = {"Friday Walk", "blue"};
    const struct pcn_asset *a = NULL;
    struct pcn_geo *g = NULL;
    struct pcn_error e;
    struct pcn_directory *d = pcn_directory_new();
    (void)state;

    assert_int_equal(pcn_geo_load(DATA "postcodes.csv", &g, &e), PCN_OK);
    assert_int_equal(pcn_directory_add_fields(d, names, good, 5, g, day("2026-07-01"), &a, &e),
                     PCN_OK);
    assert_string_equal(a->name, "Friday Walk");
    assert_string_equal(a->postcode, "SM1 1AA");
    assert_string_equal(a->lsoa, "E01004142"); /* placed by the postcode table */
    assert_true(a->has_position);
    assert_int_equal(a->cost_pence, 0);
    assert_int_equal(pcn_directory_count(d), 1);
    /* the same checks and messages as a CSV cell, without a file and line */
    assert_int_equal(pcn_directory_add_fields(d, names, bad_cost, 5, g, 0, NULL, &e), PCN_EINVAL);
    assert_true(strncmp(e.msg, "column 'cost': ", 15) == 0);
    assert_int_equal(pcn_directory_add_fields(d, names, bad_mail, 5, g, 0, NULL, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "email"));
    assert_int_equal(pcn_directory_add_fields(d, unknown, two, 2, g, 0, NULL, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "field 'colour' is unknown"));
    assert_int_equal(pcn_directory_add_fields(d, twice, two, 2, g, 0, NULL, &e), PCN_EINVAL);
    assert_non_null(strstr(e.msg, "repeated"));
    assert_int_equal(pcn_directory_add_fields(d, names, good, 1, g, 0, NULL, &e), PCN_EINVAL);
    assert_string_equal(e.msg, "categories is required");
    assert_int_equal(pcn_directory_count(d), 1); /* nothing half-added */
    pcn_directory_free(d);
    pcn_geo_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_categories),    cmocka_unit_test(test_sessions),
        cmocka_unit_test(test_cost),          cmocka_unit_test(test_check),
        cmocka_unit_test(test_read),          cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_bad_csv),       cmocka_unit_test(test_search),
        cmocka_unit_test(test_directory_add), cmocka_unit_test(test_add_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
