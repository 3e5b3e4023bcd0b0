/*
 * Unit tests for the engine: every construct of the definition language on
 * hand-built populations, edge cases (birthdays on the as-of date, window
 * boundaries, resolved then re-diagnosed, deaths, deregistration), result
 * rendering with breakdowns and suppression, and every kind of error.
 */
#include "testutil.h"
#include "testutil_store.h"

#include <math.h>
#include <pthread.h>
#include <sys/stat.h>

#include "pcn/alloc.h"
#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/engine.h"
#include "pcn/paths.h"
#include "pcn/store.h"
#include "pcn/store_population.h"
#include "pcn/store_registry.h"

static int32_t D(const char *s)
{
    int32_t d = 0;
    assert_int_equal(pcn_date_parse(s, strlen(s), &d), PCN_OK);
    return d;
}

struct pat {
    int64_t key;
    const char *id, *dob;
    enum pcn_sex sex;
    const char *practice, *reg_from, *reg_to, *death, *eth, *lsoa;
};

static void add_pat(struct pcn_snapshot *s, const struct pat *p)
{
    struct pcn_patient r = {0};
    r.patient_id = p->id;
    r.date_of_birth = D(p->dob);
    r.sex = p->sex;
    r.practice = p->practice;
    r.registered_from = p->reg_from ? D(p->reg_from) : PCN_DATE_NONE;
    r.registered_to = p->reg_to ? D(p->reg_to) : PCN_DATE_NONE;
    r.date_of_death = p->death ? D(p->death) : PCN_DATE_NONE;
    r.ethnicity = p->eth;
    r.lsoa = p->lsoa;
    assert_int_equal(pcn_snapshot_add_patient(s, p->key, &r), PCN_OK);
}

static void add_ev(struct pcn_snapshot *s, int64_t key, const char *code, const char *date,
                   double value)
{
    struct pcn_event e = {0};
    e.code = code;
    e.date = D(date);
    e.end_date = PCN_DATE_NONE;
    e.kind = PCN_EVENT_CONDITION;
    e.system = "snomed";
    e.has_value = !isnan(value);
    e.value = value;
    assert_int_equal(pcn_snapshot_add_event(s, key, &e), PCN_OK);
}

static void add_med(struct pcn_snapshot *s, int64_t key, const char *code, const char *date)
{
    struct pcn_medication m = {0};
    m.code = code;
    m.system = "dmd";
    m.start_date = D(date);
    m.end_date = PCN_DATE_NONE;
    assert_int_equal(pcn_snapshot_add_medication(s, key, &m), PCN_OK);
}

/*
 * The standard test population, as of 2025-03-31:
 *  1 P1 F 1950, A1, diabetes 2010 resolved 2015 re-diagnosed 2020, HbA1c 60 then 55
 *  2 P2 M 2007-03-31 (18 today), A1, diabetes 2010 resolved 2015
 *  3 P3 F 1940, A2, died 2024 (excluded), diabetes
 *  4 P4 M 1980, A2, deregistered 2024 (excluded)
 *  5 P5 F 1990, A2, registered 2025-04-01 (future: excluded)
 *  6 P6 M 1960, A1, diabetes 2018, BP events on window edges, 3 medicines
 * and decimal values that a float does not hold exactly: CHOL 5.2 (P1),
 * 7.35 (P6), 123456.78 (P2).
 */
static struct pcn_snapshot *population(void)
{
    struct pcn_snapshot *s = NULL;
    char dir[128], path[256];
    static const struct pat pats[] = {
        {1, "P1", "1950-06-01", PCN_SEX_FEMALE, "A1", "2000-01-01", NULL, NULL, "A", "E01"},
        {2, "P2", "2007-03-31", PCN_SEX_MALE, "A1", "2007-04-01", NULL, NULL, "H", "E02"},
        {3, "P3", "1940-01-01", PCN_SEX_FEMALE, "A2", "2000-01-01", NULL, "2024-06-01", "M", NULL},
        {4, "P4", "1980-01-01", PCN_SEX_MALE, "A2", "2000-01-01", "2024-01-01", NULL, NULL, NULL},
        {5, "P5", "1990-01-01", PCN_SEX_FEMALE, "A2", "2025-04-01", NULL, NULL, "Z", NULL},
        {6, "P6", "1960-01-01", PCN_SEX_MALE, "A1", NULL, NULL, NULL, "R", "E03"},
    };
    struct pcn_membership m = {"A1", "U00001", D("2019-07-01"), PCN_DATE_NONE};

    test_mkdtemp(dir, sizeof(dir));
    (void)snprintf(path, sizeof(path), "%s/imd.csv", dir);
    test_write_file(path, "lsoa,imd_decile\nE01,1\nE02,10\nE03,6\n");
    assert_int_equal(pcn_snapshot_new(path, &s), PCN_OK);
    (void)unlink(path);
    (void)rmdir(dir);
    assert_int_equal(pcn_snapshot_add_membership(s, &m), PCN_OK);
    for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
        add_pat(s, &pats[i]);
    add_ev(s, 1, "DM", "2010-01-01", NAN);
    add_ev(s, 1, "DMRES", "2015-01-01", NAN);
    add_ev(s, 1, "DM", "2020-01-01", NAN);
    add_ev(s, 1, "HBA1C", "2025-01-01", 55);
    add_ev(s, 1, "HBA1C", "2024-06-01", 60);
    add_ev(s, 2, "DM", "2010-01-01", NAN);
    add_ev(s, 2, "DMRES", "2015-01-01", NAN);
    add_ev(s, 3, "DM", "2010-01-01", NAN);
    add_ev(s, 6, "DM", "2018-01-01", NAN);
    add_ev(s, 6, "BP", "2024-03-31", 150); /* just outside 12 months */
    add_ev(s, 6, "BP", "2024-04-01", 145); /* first day inside */
    add_ev(s, 6, "BP", "2025-03-31", 135); /* the as-of date itself */
    add_ev(s, 6, "BP", "2025-04-01", 120); /* future: invisible */
    add_ev(s, 1, "CHOL", "2025-01-02", 5.2);
    add_ev(s, 6, "CHOL", "2025-01-02", 7.35);
    add_ev(s, 2, "CHOL", "2025-01-02", 123456.78);
    add_med(s, 6, "MED1", "2025-01-01");
    add_med(s, 6, "MED2", "2025-02-01");
    add_med(s, 6, "MED1", "2025-03-01");
    add_med(s, 6, "MED3", "2023-01-01");
    assert_int_equal(pcn_snapshot_finish(s), PCN_OK);
    return s;
}

struct run {
    struct pcn_snapshot *s;
    struct pcn_program *p;
    struct pcn_results *r;
    struct pcn_error err;
};

static const char prelude[] = "codelist dm = codes(\"DM\")\n"
                              "codelist dmres = codes(\"DMRES\")\n"
                              "codelist hba1c = codes(\"HBA1C\")\n"
                              "codelist bp = codes(\"BP\")\n";

static void run_with(struct run *x, const char *text, unsigned by, int suppress)
{
    struct pcn_eval_options o = {.as_of = D("2025-03-31"), .by = by, .suppress = suppress};
    struct pcn_buf b = PCN_BUF_INIT;

    x->s = population();
    x->p = pcn_program_new();
    assert_non_null(x->p);
    assert_int_equal(pcn_buf_adds(&b, prelude), PCN_OK);
    assert_int_equal(pcn_buf_adds(&b, text), PCN_OK);
    if (pcn_program_load_string(x->p, "t.pcn", b.buf, b.len, NULL, PCN_PROGRAM_FLAG_OUTPUT,
                                &x->err) != PCN_OK)
        fail_msg("%s", x->err.msg);
    pcn_buf_release(&b);
    assert_int_equal(pcn_program_eval(x->p, x->s, &o, &x->r, &x->err), PCN_OK);
}

static void run(struct run *x, const char *text)
{
    run_with(x, text, 0, 0);
}

static void done(struct run *x)
{
    pcn_results_free(x->r);
    pcn_program_free(x->p);
    pcn_snapshot_free(x->s);
}

static int64_t total(struct run *x, const char *name, const char *what)
{
    int64_t v = -1;
    assert_int_equal(pcn_results_total(x->r, name, what, &v), PCN_OK);
    return v;
}

/* Population: deaths, deregistrations and future registrations are outside. */
static void test_population(void **state)
{
    struct run x;
    (void)state;
    run(&x, "register everyone = true\n");
    assert_int_equal(total(&x, "everyone", "population"), 3);
    assert_int_equal(total(&x, "everyone", "count"), 3);
    done(&x);
}

static void test_age_birthday(void **state)
{
    struct run x;
    (void)state;
    run(&x, "register adults = age >= 18\nregister eighteen = age == 18\n");
    assert_int_equal(total(&x, "adults", "count"), 3);
    assert_int_equal(total(&x, "eighteen", "count"), 1);
    done(&x);
}

static void test_resolved_rediagnosed(void **state)
{
    struct run x;
    (void)state;
    run(&x, "let dd = last(dm).date\nlet dr = last(dmres).date\n"
            "register reg = dd is not null and (dr is null or dr < dd)\n"
            "register ever = exists(dm)\n");
    assert_int_equal(total(&x, "reg", "count"), 2); /* P1 re-diagnosed, P6 */
    assert_int_equal(total(&x, "ever", "count"), 3);
    done(&x);
}

static void test_window_boundaries(void **state)
{
    struct run x;
    (void)state;
    run(&x, "register n2 = count(bp, within 12 months) == 2\n"
            "register first_in = first(bp, within 12 months).value == 145\n"
            "register last_in = last(bp).value == 135\n"
            "register any3 = count(bp) == 3\n"
            "register b1 = count(bp, between 2024-03-31 and 2024-04-01) == 2\n"
            "register b2 = count(bp, before 2024-04-01) == 1\n"
            "register b3 = count(bp, on_or_before 2024-04-01) == 2\n"
            "register b4 = count(bp, after 2024-04-01) == 1\n"
            "register b5 = count(bp, on_or_after 2024-04-01) == 2\n"
            "register w1 = count(bp, within 365 days) == 2\n"
            "register w2 = count(bp, within 1 year) == 2\n"
            "register w3 = count(bp, within 52 weeks) == 1\n");
    assert_int_equal(total(&x, "n2", "count"), 1);
    assert_int_equal(total(&x, "first_in", "count"), 1);
    assert_int_equal(total(&x, "last_in", "count"), 1);
    assert_int_equal(total(&x, "any3", "count"), 1);
    assert_int_equal(total(&x, "b1", "count"), 1);
    assert_int_equal(total(&x, "b2", "count"), 1);
    assert_int_equal(total(&x, "b3", "count"), 1);
    assert_int_equal(total(&x, "b4", "count"), 1);
    assert_int_equal(total(&x, "b5", "count"), 1);
    assert_int_equal(total(&x, "w1", "count"), 1);
    assert_int_equal(total(&x, "w2", "count"), 1);
    assert_int_equal(total(&x, "w3", "count"), 1);
    done(&x);
}

static void test_aggregates(void **state)
{
    struct run x;
    (void)state;
    run(&x, "codelist nope = codes(\"NOPE\")\n"
            "register mn = min(hba1c).value == 55 and min(hba1c).date == 2025-01-01\n"
            "register mx = max(bp).value == 150\n"
            "register fv = first(hba1c).value == 60\n"
            "register wv = count(bp, where value >= 140) == 2\n"
            "register after_var = count(bp, after last(dm).date + 75 months) == 1\n"
            "register meds = count_codes(medications, within 6 months) == 2\n"
            "register nmeds = count(medications) == 4\n"
            "register none = exists(nope) or last(nope) is not null\n"
            "register nullcmp = not (last(nope).value < 5)\n"
            "codelist both = dm + hba1c + codes(\"BP\")\n"
            "register union_cl = count(both) == 5\n");
    assert_int_equal(total(&x, "mn", "count"), 1);
    assert_int_equal(total(&x, "mx", "count"), 1);
    assert_int_equal(total(&x, "fv", "count"), 1);
    assert_int_equal(total(&x, "wv", "count"), 1);
    assert_int_equal(total(&x, "after_var", "count"), 1);
    assert_int_equal(total(&x, "meds", "count"), 1);
    assert_int_equal(total(&x, "nmeds", "count"), 1);
    assert_int_equal(total(&x, "none", "count"), 0);
    assert_int_equal(total(&x, "nullcmp", "count"), 3);
    done(&x);
}

static void test_expressions(void **state)
{
    struct run x;
    (void)state;
    run(&x, "let ageband = case when age >= 65 then \"old\" when age >= 18 then \"adult\" "
            "else \"child\" end\n"
            "register old = ageband == \"old\"\n"
            "register adult = ageband == \"adult\"\n"
            "register arith = (2 + 3) * 4 - 10 / 5 == 18 and -age < 0\n"
            "register divzero = (1 / 0) is null\n"
            "register datediff = as_of - 2025-03-01 == 30\n"
            "register dateadd = 2024-01-31 + 1 month == 2024-02-29\n"
            "register co = coalesce(last(dmres).date, 1900-01-01) == 1900-01-01\n"
            "register mm = min(3, 5) == 3 and max(3, 5) == 5 and round(2.345, 2) == 2.35\n"
            "register boolsum = (true + true + false) == 2\n"
            "register sexf = sex == \"F\"\n"
            "register pr = practice == \"A1\" and network == \"U00001\"\n"
            "register eth = ethnicity == \"White\" or ethnicity == \"Asian\"\n"
            "register imd1 = imd_quintile == 1\n"
            "register imdnull = imd_quintile is null\n"
            "register regd = registered and registered_from is not null\n"
            "register dobok = date_of_birth < 1970-01-01\n");
    assert_int_equal(total(&x, "old", "count"), 2);
    assert_int_equal(total(&x, "adult", "count"), 1);
    assert_int_equal(total(&x, "arith", "count"), 3);
    assert_int_equal(total(&x, "divzero", "count"), 3);
    assert_int_equal(total(&x, "datediff", "count"), 3);
    assert_int_equal(total(&x, "dateadd", "count"), 3);
    assert_int_equal(total(&x, "co", "count"), 1);
    assert_int_equal(total(&x, "mm", "count"), 3);
    assert_int_equal(total(&x, "boolsum", "count"), 3);
    assert_int_equal(total(&x, "sexf", "count"), 1);
    assert_int_equal(total(&x, "pr", "count"), 3);
    assert_int_equal(total(&x, "eth", "count"), 2);
    assert_int_equal(total(&x, "imd1", "count"), 1); /* P1 decile 1 */
    assert_int_equal(total(&x, "imdnull", "count"), 0);
    assert_int_equal(total(&x, "regd", "count"), 2); /* P6 has no registration date */
    assert_int_equal(total(&x, "dobok", "count"), 2);
    done(&x);
}

/*
 * No value is ever infinite or beyond the calendar: an overflow is null,
 * like a division by zero; so is a date outside years 1..9999; a score
 * with values too large to sum exactly has no mean. Every result is valid JSON.
 */
static void test_limits(void **state)
{
    struct run x;
    struct pcn_buf b = PCN_BUF_INIT;
    (void)state;
    run(&x,
        "register over = (1e308 * 10) is null and (0 - 1e308 - 1e308) is null\n"
        "register fine = 1e308 * 1 == 1e308 and 1e308 + 1e308 - 1e308 != 1e308\n"
        "register beyond = (as_of + 8000 years) is null and (as_of - 3000 years) is null\n"
        "register beyond_days = (as_of + 3000000 days) is null and (as_of - 3000 weeks) < as_of\n"
        "register inrange = as_of + 7000 years > as_of and 9999-12-31 - 1 month == 9999-11-30\n"
        "register lastmonth = (9999-12-31 + 1 month) is null and (0001-01-31 - 1 month) is null\n"
        "register rnd = round(1e300, 3) == 1e300 and round(-2.5, 0) == -3\n"
        "score big { value = case when age > 70 then 1e300 else 1 end }\n"
        "score small { value = 1 / 3 }\n"
        "worklist w { population = age > 70 column \"x\" = 1e308 * 10 column \"d\" = as_of + "
        "9000 years }\n");
    assert_int_equal(total(&x, "over", "count"), 3);
    assert_int_equal(total(&x, "fine", "count"), 0); /* 1e308 + 1e308 overflowed: null */
    assert_int_equal(total(&x, "beyond", "count"), 3);
    assert_int_equal(total(&x, "beyond_days", "count"), 3);
    assert_int_equal(total(&x, "inrange", "count"), 3);
    assert_int_equal(total(&x, "lastmonth", "count"), 3);
    assert_int_equal(total(&x, "rnd", "count"), 3);
    assert_int_equal(pcn_results_render(x.r, PCN_FORMAT_JSON, &b), PCN_OK);
    assert_non_null(strstr(b.buf, "\"name\":\"big\""));
    assert_non_null(strstr(strstr(b.buf, "\"name\":\"big\""), "\"mean\":null"));
    assert_non_null(strstr(b.buf, "\"mean\":0.3333"));
    assert_non_null(strstr(b.buf, "\"values\":[null,null]"));
    assert_null(strstr(b.buf, "inf"));
    pcn_buf_release(&b);
    done(&x);
}

/*
 * A value is the decimal that was recorded, though held in single
 * precision: a recorded 5.2 equals 5.2, meets >= 5.2 and <= 5.2, in an
 * expression and in a `where` filter, and is shown as 5.2.
 */
static void test_decimal_values(void **state)
{
    struct run x;
    double v = 0;
    (void)state;
    run(&x, "codelist chol = codes(\"CHOL\")\n"
            "register eq = last(chol).value == 5.2 or last(chol).value == 7.35 or "
            "last(chol).value == 123456.78\n"
            "register ge = last(chol).value >= 5.2\n"
            "register le = last(chol).value <= 5.2\n"
            "register gt = last(chol).value > 5.2\n"
            "register wge = exists(chol, where value >= 5.2)\n"
            "register wle = exists(chol, where value <= 5.2)\n"
            "register weq = exists(chol, where value == 7.35)\n"
            "register wlt = exists(chol, where value < 7.35)\n"
            "register tenfold = last(chol).value * 10 == 52\n"
            "worklist w { population = exists(chol) column \"v\" = last(chol).value }\n");
    assert_int_equal(total(&x, "eq", "count"), 3);
    assert_int_equal(total(&x, "ge", "count"), 3);
    assert_int_equal(total(&x, "le", "count"), 1);
    assert_int_equal(total(&x, "gt", "count"), 2);
    assert_int_equal(total(&x, "wge", "count"), 3);
    assert_int_equal(total(&x, "wle", "count"), 1);
    assert_int_equal(total(&x, "weq", "count"), 1);
    assert_int_equal(total(&x, "wlt", "count"), 1);
    assert_int_equal(total(&x, "tenfold", "count"), 1);
    /* rows by practice then id: P1 (A1), P2 (A1), P6 (A1) */
    assert_int_equal(pcn_results_cell(x.r, "w", 0, 0, &v), PCN_OK);
    assert_true(v == 5.2);
    assert_int_equal(pcn_results_cell(x.r, "w", 1, 0, &v), PCN_OK);
    assert_true(v == 123456.78);
    assert_int_equal(pcn_results_cell(x.r, "w", 2, 0, &v), PCN_OK);
    assert_true(v == 7.35);
    done(&x);
}

static void test_indicator(void **state)
{
    struct run x;
    (void)state;
    run(&x, "let dd = last(dm).date\nlet dr = last(dmres).date\n"
            "register dmreg = dd is not null and (dr is null or dr < dd)\n"
            "indicator hb \"HbA1c\" {\n"
            "  denominator = dmreg\n"
            "  numerator = last(hba1c, within 12 months).value <= 58\n"
            "  exclude = sex == \"M\" or sex == \"F\"\n"
            "}\n"
            "indicator hb2 { denominator = dmreg numerator = exists(hba1c) }\n");
    /* P1 meets it (55); P6 fails and is excluded: an exclusion only removes failures */
    assert_int_equal(total(&x, "hb", "denominator"), 1);
    assert_int_equal(total(&x, "hb", "numerator"), 1);
    assert_int_equal(total(&x, "hb", "excluded"), 1);
    assert_int_equal(total(&x, "hb2", "denominator"), 2);
    assert_int_equal(total(&x, "hb2", "numerator"), 1);
    done(&x);
}

static void test_score_segment_worklist(void **state)
{
    struct run x;
    double v = 0;
    (void)state;
    run(&x, "score frail \"Frailty\" {\n"
            "  population = age >= 18\n"
            "  value = (exists(dm) + exists(bp) + exists(hba1c)) / 3\n"
            "  band \"none\" = value == 0\n"
            "  band \"some\" = value < 1\n"
            "}\n"
            "segment seg { rule \"frail\" = band(frail) == \"some\" rule \"diab\" = exists(dm) }\n"
            "register some = frail > 0.5 and seg == \"frail\"\n"
            "worklist wl \"List\" { population = exists(dm)\n"
            "  column \"Age\" = age column \"Last BP\" = last(bp).date column \"Old\" = age > 60\n"
            "  column \"Sex\" = sex }\n");
    assert_int_equal(total(&x, "frail", "population"), 3);
    assert_int_equal(total(&x, "frail", "none"), 0);
    assert_int_equal(total(&x, "frail", "some"), 3); /* P2 1/3, P1 2/3, P6 2/3 */
    assert_int_equal(total(&x, "frail", "(none)"), 0);
    assert_int_equal(total(&x, "seg", "frail"), 3);
    assert_int_equal(total(&x, "seg", "diab"), 0);
    assert_int_equal(total(&x, "some", "count"), 2);
    assert_int_equal(total(&x, "wl", "rows"), 3);
    /* rows are ordered by practice then id: P1, P2, P6 */
    assert_int_equal(pcn_results_cell(x.r, "wl", 0, 0, &v), PCN_OK);
    assert_true(v == 74);
    assert_int_equal(pcn_results_cell(x.r, "wl", 2, 1, &v), PCN_OK);
    assert_true(v == D("2025-03-31"));
    assert_int_equal(pcn_results_cell(x.r, "wl", 0, 1, &v), PCN_ENOTFOUND);
    done(&x);
}

static void test_render(void **state)
{
    struct run x;
    struct pcn_buf b = PCN_BUF_INIT;
    (void)state;
    run_with(&x,
             "register dmr \"Diabetes\" = exists(dm)\n"
             "indicator ind { denominator = exists(dm) numerator = exists(hba1c) }\n"
             "score sc { value = age band \"old\" = value > 60 }\n"
             "worklist wl { population = exists(dm) column \"Age\" = age column \"Quote\" = "
             "\"a\\\"b\" }\n",
             PCN_BY_PRACTICE | PCN_BY_SEX, 2);
    assert_int_equal(pcn_results_render(x.r, PCN_FORMAT_JSON, &b), PCN_OK);
    assert_non_null(strstr(b.buf, "\"as_of\":\"2025-03-31\",\"by\":[\"practice\",\"sex\"]"));
    assert_non_null(strstr(b.buf, "{\"key\":{},\"population\":3,\"count\":3,\"percent\":100.00}"));
    assert_non_null(strstr(b.buf, "{\"key\":{\"practice\":\"A1\",\"sex\":\"F\"},\"population\":"
                                  "\"<2\",\"count\":\"<2\",\"percent\":null}"));
    assert_non_null(strstr(b.buf, "\"counts\":{\"old\":"));
    assert_non_null(strstr(b.buf, "\"values\":[74,\"a\\\"b\"]"));
    pcn_buf_reset(&b);
    assert_int_equal(pcn_results_render(x.r, PCN_FORMAT_CSV, &b), PCN_OK);
    assert_non_null(strstr(b.buf, "kind,name,group,measure,value\n"));
    assert_non_null(strstr(b.buf, "register,dmr,,count,3\n"));
    assert_non_null(strstr(b.buf, "register,dmr,practice=A1;sex=M,count,2\n"));
    pcn_buf_reset(&b);
    assert_int_equal(pcn_results_render(x.r, PCN_FORMAT_TABLE, &b), PCN_OK);
    assert_non_null(strstr(b.buf, "register dmr: Diabetes\n"));
    assert_non_null(strstr(b.buf, "practice  sex    population  count  percent\n"));
    pcn_buf_release(&b);
    done(&x);
}

/* Every breakdown dimension at once: each patient lands in the group of all six keys. */
static void test_all_dimensions(void **state)
{
    struct run x;
    struct pcn_buf b = PCN_BUF_INIT;
    (void)state;
    run_with(&x, "register everyone = true\nregister men = sex == \"M\"\n",
             PCN_BY_PRACTICE | PCN_BY_NETWORK | PCN_BY_AGE | PCN_BY_SEX | PCN_BY_IMD |
                 PCN_BY_ETHNICITY,
             0);
    assert_int_equal(pcn_results_render(x.r, PCN_FORMAT_CSV, &b), PCN_OK);
    assert_non_null(strstr(b.buf, "register,everyone,practice=A1;network=U00001;age=65-79;sex=F;"
                                  "imd=1;ethnicity=White,count,1\n"));
    assert_non_null(strstr(b.buf, "register,everyone,practice=A1;network=U00001;age=18-39;sex=M;"
                                  "imd=5;ethnicity=Asian,count,1\n"));
    assert_non_null(strstr(b.buf, "register,men,practice=A1;network=U00001;age=65-79;sex=M;"
                                  "imd=3;ethnicity=Other,count,1\n"));
    assert_null(strstr(b.buf, "register,men,practice=A1;network=U00001;age=65-79;sex=F;"
                              "imd=1;ethnicity=White,count,1\n"));
    assert_int_equal(total(&x, "everyone", "count"), 3);
    assert_int_equal(total(&x, "men", "count"), 2);
    pcn_buf_release(&b);
    done(&x);
}

/*
 * A sum of exists() terms (evaluated as one fused pass, like the eFI) gives
 * the same values as the same sum written with case (evaluated term by term).
 * P1: dm, dmres, HbA1c this year, no BP, 74 -> 4; P2: dm, dmres, 18 -> 2;
 * P6: dm, BP this year, 65 -> 3.
 */
static void test_fused_sum(void **state)
{
    struct run x;
    (void)state;
    /* hasdm is also used on its own: the fused sum adds it rather than scanning again */
    run(&x,
        "let hasdm = exists(dm)\n"
        "let n = hasdm + exists(dmres) + exists(hba1c, within 12 months)\n"
        "    + exists(bp, within 12 months) + (age > 60)\n"
        "let m = case when exists(dm) then 1 else 0 end + case when exists(dmres) then 1 else 0 "
        "end\n"
        "    + case when exists(hba1c, within 12 months) then 1 else 0 end\n"
        "    + case when exists(bp, within 12 months) then 1 else 0 end\n"
        "    + case when age > 60 then 1 else 0 end\n"
        "register dmr = hasdm\n"
        "register two = n >= 2\nregister three = n >= 3\nregister four = n >= 4\n"
        "register same = n == m\n"
        "score s { value = n band \"high\" = value >= 3 }\n");
    assert_int_equal(total(&x, "dmr", "count"), 3);
    assert_int_equal(total(&x, "two", "count"), 3);
    assert_int_equal(total(&x, "three", "count"), 2);
    assert_int_equal(total(&x, "four", "count"), 1);
    assert_int_equal(total(&x, "same", "count"), 3);
    assert_int_equal(total(&x, "s", "high"), 2);
    done(&x);
}

static void test_codelist_csv(void **state)
{
    char dir[128], path[256];
    struct pcn_snapshot *s = population();
    struct pcn_program *p = pcn_program_new();
    struct pcn_eval_options o = {.as_of = D("2025-03-31")};
    struct pcn_results *r = NULL;
    struct pcn_error err;
    int64_t v = 0;
    static const char text[] = "codelist a = \"a.csv\"\n"
                               "codelist b = \"b.csv\"\n"
                               "codelist c = \"b.csv\" column \"Other\"\n"
                               "register ra = exists(a)\nregister rb = exists(b)\n"
                               "register rc = exists(c)\n";
    (void)state;
    test_mkdtemp(dir, sizeof(dir));
    (void)snprintf(path, sizeof(path), "%s/a.csv", dir);
    test_write_file(path, "term,code\nDiabetes,DM\nblank,\n");
    (void)snprintf(path, sizeof(path), "%s/b.csv", dir);
    test_write_file(path, "CTV3Code,Other\nBP,HBA1C\n");
    assert_int_equal(
        pcn_program_load_string(p, "t", text, strlen(text), dir, PCN_PROGRAM_FLAG_OUTPUT, &err),
        PCN_OK);
    assert_int_equal(pcn_program_eval(p, s, &o, &r, &err), PCN_OK);
    assert_int_equal(pcn_results_total(r, "ra", "count", &v), PCN_OK);
    assert_int_equal(v, 3);
    assert_int_equal(pcn_results_total(r, "rb", "count", &v), PCN_OK);
    assert_int_equal(v, 1);
    assert_int_equal(pcn_results_total(r, "rc", "count", &v), PCN_OK);
    assert_int_equal(v, 1);
    pcn_results_free(r);
    (void)unlink(path);
    (void)snprintf(path, sizeof(path), "%s/a.csv", dir);
    (void)unlink(path);
    (void)rmdir(dir);
    pcn_program_free(p);
    pcn_snapshot_free(s);
}

/* Compile text (a hostile program) and evaluate it on a small population: it must not crash. */
static enum pcn_err load_and_eval(const char *text, size_t len, int64_t *ret_count,
                                  int64_t *ret_population, struct pcn_error *err)
{
    struct pcn_snapshot *s = population();
    struct pcn_program *p = pcn_program_new();
    struct pcn_eval_options o = {.as_of = D("2025-03-31")};
    struct pcn_results *r = NULL;
    enum pcn_err rc =
        pcn_program_load_string(p, "h.pcn", text, len, NULL, PCN_PROGRAM_FLAG_OUTPUT, err);

    if (rc == PCN_OK)
        rc = pcn_program_eval(p, s, &o, &r, err);
    if (rc == PCN_OK)
        rc = pcn_results_total(r, "r", "count", ret_count);
    if (rc == PCN_OK)
        rc = pcn_results_total(r, "r", "population", ret_population);
    pcn_results_free(r);
    pcn_program_free(p);
    pcn_snapshot_free(s);
    return rc;
}

/*
 * Hostile definitions (issue 13): a 1.2 MB chain of '+', 100,000 `and`s,
 * 100,000 chained `let`s, deep nesting. Each either evaluates (nothing in
 * the compiler or the planner recurses along a chain, and planning is
 * linear: the chained lets once took minutes) or fails with a clear error;
 * none may overflow the stack. 10,000 chained lets evaluate the same as
 * their sum.
 */
static void test_hostile_chains(void **state)
{
    struct pcn_buf b = PCN_BUF_INIT;
    struct pcn_error err;
    int64_t count = -1, pop = 0;
    (void)state;
    /* 300,000 terms of '+' (1.2 MB): constants, then per patient */
    assert_int_equal(pcn_buf_adds(&b, "register r = age * 0"), PCN_OK);
    for (int i = 0; i < 300000; i++)
        assert_int_equal(pcn_buf_adds(&b, " + 1"), PCN_OK);
    assert_true(b.len > 1200000);
    assert_int_equal(pcn_buf_adds(&b, " == 300000\n"), PCN_OK);
    assert_int_equal(load_and_eval(b.buf, b.len, &count, &pop, &err), PCN_OK);
    assert_true(pop > 0);
    assert_int_equal(count, pop);
    pcn_buf_reset(&b);
    /* 100,000 `and`s */
    assert_int_equal(pcn_buf_adds(&b, "register r = age >= 0"), PCN_OK);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(pcn_buf_addf(&b, " and age > %d", i % 7), PCN_OK);
    assert_int_equal(pcn_buf_adds(&b, "\n"), PCN_OK);
    assert_int_equal(load_and_eval(b.buf, b.len, &count, &pop, &err), PCN_OK);
    pcn_buf_reset(&b);
    /* 100,000 chained lets, and 10,000: v_i = v_(i-1) + 1 */
    for (int n = 100000; n >= 10000; n -= 90000) {
        assert_int_equal(pcn_buf_adds(&b, "let v0 = age * 0\n"), PCN_OK);
        for (int i = 1; i < n; i++)
            assert_int_equal(pcn_buf_addf(&b, "let v%d = v%d + 1\n", i, i - 1), PCN_OK);
        assert_int_equal(pcn_buf_addf(&b, "register r = v%d == %d\n", n - 1, n - 1), PCN_OK);
        count = -1;
        if (load_and_eval(b.buf, b.len, &count, &pop, &err) != PCN_OK)
            fail_msg("%s", err.msg);
        assert_int_equal(count, pop);
        pcn_buf_reset(&b);
    }
    /* deep nesting: a clear error, not a crash */
    assert_int_equal(pcn_buf_adds(&b, "register r = "), PCN_OK);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(pcn_buf_adds(&b, "("), PCN_OK);
    assert_int_equal(load_and_eval(b.buf, b.len, &count, &pop, &err), PCN_EPARSE);
    assert_non_null(strstr(err.msg, "nested too deeply"));
    pcn_buf_reset(&b);
    assert_int_equal(pcn_buf_adds(&b, "register r = "), PCN_OK);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(pcn_buf_adds(&b, "not "), PCN_OK);
    assert_int_equal(load_and_eval(b.buf, b.len, &count, &pop, &err), PCN_EPARSE);
    assert_non_null(strstr(err.msg, "nested too deeply"));
    pcn_buf_release(&b);
}

/* Load `codelist x = "FILE"` from a definitions folder dir; the error, if any, in err. */
static enum pcn_err load_list(const char *dir, const char *file, struct pcn_error *err)
{
    struct pcn_program *p = pcn_program_new();
    char text[512];
    enum pcn_err rc;

    (void)snprintf(text, sizeof(text), "codelist x = \"%s\"\nregister r = exists(x)\n", file);
    rc = pcn_program_load_string(p, "c.pcn", text, strlen(text), dir, 0, err);
    pcn_program_free(p);
    return rc;
}

/*
 * Code list paths stay inside the definitions folder: no absolute path, no
 * '..', no symbolic link out of it; and only regular files are read (a
 * FIFO with no writer must not hang the compile).
 */
static void test_codelist_confined(void **state)
{
    char dir[128], path[320], sub[192];
    struct pcn_error err;
    (void)state;
    test_mkdtemp(dir, sizeof(dir));
    (void)snprintf(sub, sizeof(sub), "%s/lists", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    (void)snprintf(path, sizeof(path), "%s/ok.csv", sub);
    test_write_file(path, "code,term\nDM,Diabetes\n");
    assert_int_equal(load_list(dir, "lists/ok.csv", &err), PCN_OK);
    assert_int_equal(load_list(dir, "./lists/./ok.csv", &err), PCN_OK);
    assert_int_equal(load_list(dir, "/etc/passwd", &err), PCN_EPARSE);
    assert_non_null(strstr(err.msg, "c.pcn:1:14: code list '/etc/passwd': an absolute path"));
    assert_int_equal(load_list(sub, "../lists/ok.csv", &err), PCN_EPARSE);
    assert_non_null(strstr(err.msg, "'..' would leave the definitions folder"));
    assert_int_equal(load_list(dir, "lists/../../../etc/passwd", &err), PCN_EPARSE);
    assert_non_null(strstr(err.msg, "'..' would leave"));
    (void)snprintf(path, sizeof(path), "%s/out.csv", sub);
    assert_int_equal(symlink("/etc/passwd", path), 0);
    assert_int_equal(load_list(dir, "lists/out.csv", &err), PCN_EPARSE);
    assert_non_null(strstr(err.msg, "resolves outside the definitions folder"));
    (void)unlink(path);
    (void)snprintf(path, sizeof(path), "%s/fifo.csv", sub);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(load_list(dir, "lists/fifo.csv", &err), PCN_EPARSE);
    assert_non_null(strstr(err.msg, "not a regular file"));
    (void)unlink(path);
    (void)snprintf(path, sizeof(path), "%s/ok.csv", sub);
    (void)unlink(path);
    (void)rmdir(sub);
    (void)rmdir(dir);
}

static void test_select(void **state)
{
    struct pcn_program *p = pcn_program_new();
    struct pcn_error err;
    static const char text[] = "register a = true\nregister b = true\n"
                               "indicator c { denominator = a numerator = b }\n";
    (void)state;
    assert_int_equal(pcn_program_load_string(p, "t", text, strlen(text), NULL, 0, &err), PCN_OK);
    assert_int_equal(pcn_program_output_count(p), 0);
    assert_int_equal(pcn_program_select(p, "registers", &err), PCN_OK);
    assert_int_equal(pcn_program_output_count(p), 2);
    assert_int_equal(pcn_program_select(p, "c", &err), PCN_OK);
    assert_int_equal(pcn_program_output_count(p), 1);
    assert_int_equal(pcn_program_def_count(p), 3);
    {
        const char *kind = NULL, *name = NULL, *title = NULL;
        assert_int_equal(pcn_program_def_info(p, 2, &kind, &name, &title), PCN_OK);
        assert_string_equal(kind, "indicator");
        assert_string_equal(name, "c");
        assert_string_equal(title, "c");
        assert_int_equal(pcn_program_def_info(p, 3, &kind, &name, &title), PCN_ENOTFOUND);
    }
    assert_int_equal(pcn_program_select(p, "indicatrs", &err), PCN_ENOTFOUND);
    assert_non_null(strstr(err.msg, "did you mean 'indicators'?"));
    pcn_program_free(p);
}

/* Compile text and check the error message contains want. */
static void expect_error(const char *text, const char *want)
{
    struct pcn_program *p = pcn_program_new();
    struct pcn_error err;
    struct pcn_buf b = PCN_BUF_INIT;

    assert_int_equal(pcn_buf_adds(&b, prelude), PCN_OK);
    assert_int_equal(pcn_buf_adds(&b, text), PCN_OK);
    assert_int_equal(pcn_program_load_string(p, "e.pcn", b.buf, b.len, NULL, 0, &err), PCN_EPARSE);
    if (!strstr(err.msg, want))
        fail_msg("expected '%s' in:\n%s", want, err.msg);
    pcn_buf_release(&b);
    pcn_program_free(p);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("let dm_diag = last(dm).date\nregister r = age >= 17 and dm_dign is not null\n",
                 "e.pcn:6:28: unknown name 'dm_dign'; did you mean 'dm_diag'?\n"
                 "    register r = age >= 17 and dm_dign is not null\n"
                 "                               ^~~~~~~");
    expect_error("register r = exist(dm)\n", "unknown function 'exist'; did you mean 'exists'?");
    expect_error("register r = exists(dn)\n", "unknown code list 'dn'; did you mean 'dm'?");
    expect_error("register r = age and true\n", "and needs a bool but this is a number");
    expect_error("register r = age == \"x\"\n", "cannot compare number with string");
    expect_error("register r = sex < \"x\"\n", "strings can only be compared with == or !=");
    expect_error("register r = last(dm) == 1\n", "an event cannot be compared");
    expect_error("register r = age.date\n", "'.date' or '.value' needs a event");
    expect_error("register r = (age > 1\n", "expected ')' but found end of file");
    expect_error("register r = \"abc\n", "unterminated string");
    expect_error("register r = 2025-02-30 is null\n", "not a valid date");
    expect_error("register r = age > 1x\n", "malformed number");
    expect_error("register r = age @ 1\n", "unexpected character '@'");
    expect_error("register r = true\nregister r = true\n", "'r' is already defined");
    expect_error("let age = 1\n", "'age' is a built-in variable");
    expect_error("regster r = true\n", "unknown statement 'regster'; did you mean 'register'?");
    expect_error("indicator i { denominator = true }\n", "needs a denominator and a numerator");
    expect_error("indicator i { denominatr = true }\n",
                 "unknown field 'denominatr'; did you mean 'denominator'?");
    expect_error("score s { band \"x\" = true }\n", "score needs a value");
    expect_error("worklist w { column \"a\" = age }\n", "worklist needs a population");
    expect_error("register r = count(dm, within 3 fortnights) > 0\n",
                 "expected days, weeks, months or years");
    expect_error("register r = count(dm, since 2020-01-01) > 0\n", "expected a filter");
    expect_error("register r = count(dm, before 5) > 0\n", "this filter needs a date");
    expect_error("codelist x = \"nonexistent/file.csv\"\n", "cannot open code list");
    expect_error("register r = dm\n", "a code list needs an aggregate");
    expect_error("let d = 5 days\n", "a duration can only be added to a date");
    expect_error("register r = case when age then 1 end == 1\n", "when needs a bool");
    expect_error("register r = case when true then 1 else \"x\" end == 1\n",
                 "every branch of case");
    expect_error("register r = band(dm) == \"x\"\n", "band() needs a score");
    expect_error("register r = true\nindicator i { denominator = r numerator = r }\n"
                 "register q = i\n",
                 "'i' cannot be used in an expression");
    expect_error("register r = min(1, \"a\") == 1\n", "this argument needs a number");
    expect_error("register r = round(age, age) == 1\n", "round needs a constant number");
    expect_error("register r = coalese(age, 1) == 1\n", "did you mean 'coalesce'?");
    expect_error("register r = exists(dm, within 1.5 months)\n",
                 "a duration must be a whole number of months");
    expect_error("register r = exists(dm, within 10001 years)\n",
                 "durations are limited to 10,000 years (at most 10000 years)");
    expect_error("register r = exists(dm, after as_of - 4000000 days)\n", "(at most 3652425 days)");
    expect_error("register r \"caf\xe9\" = true\n", "a string must be valid UTF-8");
}

static void test_deep_nesting(void **state)
{
    struct pcn_program *p = pcn_program_new();
    struct pcn_error err;
    struct pcn_buf b = PCN_BUF_INIT;
    (void)state;
    assert_int_equal(pcn_buf_adds(&b, "register r = "), PCN_OK);
    for (int i = 0; i < 500; i++)
        assert_int_equal(pcn_buf_addch(&b, '('), PCN_OK);
    assert_int_equal(pcn_program_load_string(p, "d", b.buf, b.len, NULL, 0, &err), PCN_EPARSE);
    assert_non_null(strstr(err.msg, "nested too deeply"));
    /* long runs of prefix operators are held to the same limit (found by fuzzing: a
     * stack overflow on "let d = ------...") */
    for (int op = 0; op < 2; op++) {
        pcn_buf_reset(&b);
        assert_int_equal(pcn_buf_adds(&b, op ? "register r = " : "let d = "), PCN_OK);
        for (int i = 0; i < 100000; i++)
            assert_int_equal(pcn_buf_adds(&b, op ? "not " : "-"), PCN_OK);
        assert_int_equal(pcn_buf_adds(&b, op ? "age > 1\n" : "1\n"), PCN_OK);
        assert_int_equal(pcn_program_load_string(p, "d", b.buf, b.len, NULL, 0, &err), PCN_EPARSE);
        assert_non_null(strstr(err.msg, "nested too deeply"));
    }
    pcn_buf_release(&b);
    pcn_program_free(p);
}

static void test_snapshot_misuse(void **state)
{
    struct pcn_snapshot *s = NULL;
    struct pcn_patient p = {.patient_id = "X", .date_of_birth = 0};
    struct pcn_event e = {.code = "C", .date = 1};
    (void)state;
    assert_int_equal(pcn_snapshot_last_date(NULL), PCN_DATE_NONE);
    assert_int_equal(pcn_snapshot_new(NULL, &s), PCN_OK);
    assert_int_equal(pcn_snapshot_last_date(s), PCN_DATE_NONE); /* no records yet */
    assert_int_equal(pcn_snapshot_add_patient(s, 5, &p), PCN_OK);
    assert_int_equal(pcn_snapshot_add_patient(s, 4, &p), PCN_EINVAL);
    assert_int_equal(pcn_snapshot_add_event(s, 9, &e), PCN_ENOTFOUND);
    assert_int_equal(pcn_snapshot_add_event(s, 5, &e), PCN_OK);
    assert_int_equal(pcn_snapshot_finish(s), PCN_OK);
    assert_int_equal(pcn_snapshot_add_event(s, 5, &e), PCN_EINVAL);
    assert_int_equal(pcn_snapshot_patient_count(s), 1);
    assert_int_equal(pcn_snapshot_event_count(s), 1);
    pcn_snapshot_set_data_version(s, 42);
    assert_int_equal(pcn_snapshot_data_version(s), 42);
    assert_true(pcn_snapshot_memory(s) > 0);
    pcn_snapshot_free(s);
}

/* A 5000-patient population over 7 practices. */
static struct pcn_snapshot *threads_population(void)
{
    struct pcn_snapshot *s = NULL;
    char id[16], pr[8];

    assert_int_equal(pcn_snapshot_new(NULL, &s), PCN_OK);
    for (int i = 0; i < 5000; i++) {
        struct pcn_patient pt = {.patient_id = id, .practice = pr, .sex = PCN_SEX_FEMALE};
        (void)snprintf(id, sizeof(id), "Q%04d", i);
        (void)snprintf(pr, sizeof(pr), "C%d", i % 7);
        pt.date_of_birth = D("1940-01-01") + i * 5;
        pt.registered_from = PCN_DATE_NONE;
        pt.registered_to = PCN_DATE_NONE;
        pt.date_of_death = PCN_DATE_NONE;
        assert_int_equal(pcn_snapshot_add_patient(s, i, &pt), PCN_OK);
    }
    for (int i = 0; i < 5000; i++) {
        if (i % 3 == 0)
            add_ev(s, i, "DM", "2010-01-01", NAN);
        if (i % 5 == 0)
            add_ev(s, i, "HBA1C", "2025-01-01", 40 + i % 40);
        if (i % 11 == 0)
            add_med(s, i, "M1", "2025-01-01");
    }
    assert_int_equal(pcn_snapshot_finish(s), PCN_OK);
    return s;
}

/* Render the results of text over the 5000-patient population with n threads. */
static char *render_threads(const char *text, int threads)
{
    struct pcn_snapshot *s = threads_population();
    struct pcn_program *p = pcn_program_new();
    struct pcn_eval_options o = {
        .as_of = D("2025-03-31"), .by = PCN_BY_PRACTICE | PCN_BY_AGE, .threads = threads};
    struct pcn_results *r = NULL;
    struct pcn_buf b = PCN_BUF_INIT;
    struct pcn_error err;

    assert_int_equal(
        pcn_program_load_string(p, "t", text, strlen(text), NULL, PCN_PROGRAM_FLAG_OUTPUT, &err),
        PCN_OK);
    assert_int_equal(pcn_program_eval(p, s, &o, &r, &err), PCN_OK);
    assert_int_equal(pcn_results_render(r, PCN_FORMAT_JSON, &b), PCN_OK);
    pcn_results_free(r);
    pcn_program_free(p);
    pcn_snapshot_free(s);
    return pcn_buf_detach(&b, NULL);
}

/* Splitting the population over threads gives the same results. */
static void test_threads(void **state)
{
    static const char text[] =
        "codelist dm = codes(\"DM\")\ncodelist hb = codes(\"HBA1C\")\n"
        "register dmr = exists(dm)\n"
        "indicator ind { denominator = dmr numerator = last(hb).value <= 58 }\n"
        "score sc { value = count(medications) band \"one\" = value == 1 }\n"
        "worklist wl { population = exists(hb) and age > 80 column \"v\" = last(hb).value }\n";
    char *one = render_threads(text, 1);
    char *three = render_threads(text, 3);
    (void)state;
    assert_string_equal(one, three);
    assert_non_null(strstr(one, "\"rows\":[{"));
    pcn_free(one);
    pcn_free(three);
}

static const char cache_text[] =
    "codelist dm = codes(\"DM\")\ncodelist hb = codes(\"HBA1C\")\n"
    "register dmr = exists(dm)\n"
    "indicator ind { denominator = dmr numerator = last(hb).value <= 58 }\n"
    "score sc { value = count(medications) band \"one\" = value == 1 }\n";

/* The JSON results of cache_text over snapshot s on as_of by by. */
static char *render_on(struct pcn_snapshot *s, int32_t as_of, unsigned by, int threads)
{
    struct pcn_program *p = pcn_program_new();
    struct pcn_eval_options o = {.as_of = as_of, .by = by, .threads = threads};
    struct pcn_results *r = NULL;
    struct pcn_buf b = PCN_BUF_INIT;
    struct pcn_error err;

    assert_non_null(p);
    assert_int_equal(pcn_program_load_string(p, "t", cache_text, strlen(cache_text), NULL,
                                             PCN_PROGRAM_FLAG_OUTPUT, &err),
                     PCN_OK);
    assert_int_equal(pcn_program_eval(p, s, &o, &r, &err), PCN_OK);
    assert_int_equal(pcn_results_render(r, PCN_FORMAT_JSON, &b), PCN_OK);
    pcn_results_free(r);
    pcn_program_free(p);
    return pcn_buf_detach(&b, NULL);
}

static const unsigned cache_by[] = {0, PCN_BY_PRACTICE, PCN_BY_PRACTICE | PCN_BY_AGE,
                                    PCN_BY_AGE | PCN_BY_SEX | PCN_BY_NETWORK};

/*
 * A snapshot caches the population and breakdown groups of each as-of date
 * and breakdown: twelve of them (more than it keeps), twice over, give what
 * a fresh snapshot gives each time.
 */
static void test_population_cache(void **state)
{
    struct pcn_snapshot *shared = threads_population();
    (void)state;

    for (int round = 0; round < 2; round++) {
        for (int k = 0; k < 12; k++) {
            int32_t as_of = D("2000-01-01") + k * 800;
            unsigned by = cache_by[k % 4];
            struct pcn_snapshot *fresh = threads_population();
            char *a = render_on(shared, as_of, by, 1 + k % 2);
            char *b = render_on(fresh, as_of, by, 1);
            assert_string_equal(a, b);
            pcn_free(a);
            pcn_free(b);
            pcn_snapshot_free(fresh);
        }
    }
    pcn_snapshot_free(shared);
}

struct cache_job {
    struct pcn_snapshot *s;
    int k;
    char *out;
};

static void *cache_worker(void *arg)
{
    struct cache_job *j = arg;
    j->out = render_on(j->s, D("2010-01-01") + (j->k % 3) * 3000, cache_by[j->k % 4], 2);
    return NULL;
}

/* Evaluations on several threads at once share one snapshot's cache safely. */
static void test_population_cache_threads(void **state)
{
    struct pcn_snapshot *shared = threads_population();
    struct cache_job jobs[12];
    pthread_t tid[12];
    (void)state;

    for (int k = 0; k < 12; k++) {
        jobs[k] = (struct cache_job){shared, k, NULL};
        assert_int_equal(pthread_create(&tid[k], NULL, cache_worker, &jobs[k]), 0);
    }
    for (int k = 0; k < 12; k++)
        assert_int_equal(pthread_join(tid[k], NULL), 0);
    for (int k = 0; k < 12; k++) {
        struct pcn_snapshot *fresh = threads_population();
        char *want = render_on(fresh, D("2010-01-01") + (k % 3) * 3000, cache_by[k % 4], 1);
        assert_string_equal(jobs[k].out, want);
        pcn_free(want);
        pcn_free(jobs[k].out);
        pcn_snapshot_free(fresh);
    }
    pcn_snapshot_free(shared);
}

/* A deadline that has passed stops evaluation on every thread; a later one changes nothing. */
static void test_deadline(void **state)
{
    static const char text[] = "codelist dm = codes(\"DM\")\nregister dmr = exists(dm)\n";
    struct pcn_snapshot *s = threads_population();
    struct pcn_program *p = pcn_program_new();
    struct pcn_eval_options o = {.as_of = D("2025-03-31"), .deadline = 1};
    struct pcn_results *r = NULL;
    struct pcn_error err;
    int64_t n = 0;
    (void)state;

    assert_int_equal(
        pcn_program_load_string(p, "t", text, strlen(text), NULL, PCN_PROGRAM_FLAG_OUTPUT, &err),
        PCN_OK);
    for (int threads = 1; threads <= 3; threads += 2) {
        o.threads = threads;
        assert_int_equal(pcn_program_eval(p, s, &o, &r, &err), PCN_ETIMEDOUT);
        assert_null(r);
        assert_non_null(strstr(err.msg, "time limit"));
    }
    o.deadline = pcn_monotonic_usec() + (int64_t)600 * 1000000;
    assert_int_equal(pcn_program_eval(p, s, &o, &r, &err), PCN_OK);
    assert_int_equal(pcn_results_total(r, "dmr", "count", &n), PCN_OK);
    assert_int_equal(n, 1667); /* every third of 5000 patients */
    pcn_results_free(r);
    pcn_program_free(p);
    pcn_snapshot_free(s);
}

/*
 * The standard library (defs/) on a hand-built population, as of 2025-03-31:
 *  S1 F 70: diabetes, hypertension, HbA1c 50 and BP 130/80 this year; osteoporosis
 *           and a fragility fracture in 2013 (OST: 50-74, fracture since April 2012)
 *  S2 M 85: hypertension, BP 155/85 this year; osteoporosis and a fracture in 2013
 *           (not OST: 75+ needs a fracture since April 2014)
 *  S3 F 30: asthma, salbutamol this year, no review
 *  S4 F 90: care home, severe frailty, falls, 12 medicines in 6 months
 *  S5 M 50: nothing recorded
 */
static void test_stdlib(void **state)
{
    struct pcn_snapshot *s = NULL;
    struct pcn_program *p = pcn_program_new();
    struct pcn_eval_options o = {.as_of = D("2025-03-31")};
    struct pcn_results *r = NULL;
    struct pcn_error err;
    char dir[4096];
    int64_t v = 0;
    static const struct pat pats[] = {
        {1, "S1", "1954-06-01", PCN_SEX_FEMALE, "A1", NULL, NULL, NULL, "A", NULL},
        {2, "S2", "1939-06-01", PCN_SEX_MALE, "A1", NULL, NULL, NULL, "A", NULL},
        {3, "S3", "1994-06-01", PCN_SEX_FEMALE, "A1", NULL, NULL, NULL, "A", NULL},
        {4, "S4", "1934-06-01", PCN_SEX_FEMALE, "A1", NULL, NULL, NULL, "A", NULL},
        {5, "S5", "1974-06-01", PCN_SEX_MALE, "A1", NULL, NULL, NULL, "A", NULL},
    };
    (void)state;
    assert_int_equal(pcn_snapshot_new(NULL, &s), PCN_OK);
    for (size_t i = 0; i < 5; i++)
        add_pat(s, &pats[i]);
    add_ev(s, 1, "111552007", "2010-01-01", NAN);      /* DM_COD */
    add_ev(s, 1, "10562009", "2012-01-01", NAN);       /* HYP_COD */
    add_ev(s, 1, "999791000000106", "2025-01-01", 50); /* HbA1c */
    add_ev(s, 1, "271649006", "2025-02-01", 130);      /* systolic */
    add_ev(s, 1, "163031004", "2025-02-01", 80);       /* diastolic */
    add_ev(s, 1, "102447009", "2016-01-01", NAN);      /* OSTEO_COD */
    add_ev(s, 1, "5913000", "2013-01-01", NAN);        /* fragility fracture, 50-74: since 2012 */
    add_ev(s, 2, "10562009", "2015-01-01", NAN);
    add_ev(s, 2, "102447009", "2010-01-01", NAN); /* OSTEO_COD */
    add_ev(s, 2, "5913000", "2013-06-01", NAN);   /* 75+: fracture before April 2014 */
    add_ev(s, 2, "271649006", "2025-02-01", 155);
    add_ev(s, 2, "163031004", "2025-02-01", 85);
    add_ev(s, 3, "1064811000000103", "2020-01-01", NAN); /* AST_COD */
    add_med(s, 3, "320139002", "2025-01-01");            /* salbutamol inhaler (dm+d) */
    add_ev(s, 4, "248171000000108", "2024-01-01", NAN);  /* lives in care home */
    add_ev(s, 4, "925861000000102", "2024-06-01", NAN);  /* severe frailty */
    add_ev(s, 4, "1912002", "2024-07-01", NAN);          /* fall (eFI) */
    for (int i = 0; i < 12; i++) {
        char code[16];
        (void)snprintf(code, sizeof(code), "drug%d", i);
        add_med(s, 4, code, "2025-01-01");
    }
    assert_int_equal(pcn_snapshot_finish(s), PCN_OK);
    /* the latest record (BP on 2025-02-01): the CLI's default as-of date */
    assert_int_equal(pcn_snapshot_last_date(s), D("2025-02-01"));
    assert_int_equal(pcn_data_path("defs", dir, sizeof(dir)), PCN_OK);
    if (pcn_program_load_dir(p, dir, PCN_PROGRAM_FLAG_OUTPUT, &err) != PCN_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(pcn_program_eval(p, s, &o, &r, &err), PCN_OK);
#define EXPECT(name, what, want)                                                                   \
    do {                                                                                           \
        assert_int_equal(pcn_results_total(r, name, what, &v), PCN_OK);                            \
        if (v != (want))                                                                           \
            fail_msg("%s %s: %lld, expected %d", name, what, (long long)v, want);                  \
    } while (0)
    EXPECT("dm", "count", 1);
    EXPECT("hyp", "count", 2);
    EXPECT("ast", "count", 1);
    EXPECT("af", "count", 0);
    EXPECT("ost", "count", 1); /* S1 only */
    EXPECT("hyp_bp_u80", "denominator", 1);
    EXPECT("hyp_bp_u80", "numerator", 1);
    EXPECT("hyp_bp_80", "denominator", 1);
    EXPECT("hyp_bp_80", "numerator", 0);
    EXPECT("dm_hba1c", "numerator", 1);
    EXPECT("ast_review", "denominator", 1);
    EXPECT("ast_review", "numerator", 0);
    EXPECT("frailty", "population", 3);
    EXPECT("frailty", "fit", 3); /* S4: falls + polypharmacy = 2/36 */
    EXPECT("multimorbidity", "2-3", 1);
    EXPECT("multimorbidity", "0", 2);
    EXPECT("b2h", "Frailty and dementia", 1);
    EXPECT("b2h", "Chronic conditions", 3);
    EXPECT("b2h", "Healthy", 1);
    EXPECT("smr_priority", "rows", 1);
    EXPECT("cvd_no_bp", "rows", 2); /* S4 and S5 */
    EXPECT("cvd_raised_bp", "rows", 0);
    EXPECT("smr01d", "denominator", 1);
    EXPECT("smr01b", "denominator", 1);
#undef EXPECT
    pcn_results_free(r);
    pcn_program_free(p);
    pcn_snapshot_free(s);
}

/* A store of one patient at path with n events coded DM. */
static struct pcn_store *tiny_store(const char *path, int n)
{
    struct pcn_store *st = NULL;
    struct pcn_error err;
    struct pcn_patient pt = {.patient_id = "Y1", .date_of_birth = D("1960-01-01")};
    pt.sex = PCN_SEX_MALE;
    pt.registered_from = PCN_DATE_NONE;
    pt.registered_to = PCN_DATE_NONE;
    pt.date_of_death = PCN_DATE_NONE;
    assert_int_equal(pcn_store_open(path, PCN_STORE_FLAG_CREATE, &st, &err), PCN_OK);
    assert_int_equal(pcn_store_begin(st), PCN_OK);
    assert_int_equal(pcn_store_put_patient(st, &pt), PCN_OK);
    for (int i = 0; i < n; i++) {
        struct pcn_event e = {.patient_id = "Y1", .system = "snomed", .code = "DM"};
        e.kind = PCN_EVENT_CONDITION;
        e.date = D("2020-01-01") + i;
        e.end_date = PCN_DATE_NONE;
        assert_int_equal(pcn_store_put_event(st, &e), PCN_OK);
    }
    assert_int_equal(pcn_store_commit(st), PCN_OK);
    return st;
}

/* The population of st the quickest way; returns how it was got, *events its event count. */
static enum pcn_snapshot_origin for_store(struct pcn_store *st, const char *file, size_t *events)
{
    struct pcn_snapshot *s = NULL;
    struct pcn_error err, warning;
    enum pcn_snapshot_origin origin = PCN_SNAPSHOT_LOADED;

    assert_int_equal(pcn_store_begin_read(st), PCN_OK);
    if (pcn_snapshot_for_store(st, file, NULL, &s, &origin, &err) != PCN_OK)
        fail_msg("%s", err.msg);
    pcn_store_end_read(st);
    if (file && origin == PCN_SNAPSHOT_WALKED && pcn_snapshot_keep(s, file, &warning) != PCN_OK)
        fail_msg("%s", warning.msg);
    *events = pcn_snapshot_event_count(s);
    pcn_snapshot_free(s);
    return origin;
}

/*
 * pcn_snapshot_for_store(): a saved snapshot is used only by the database
 * it came from, at the data version it had; otherwise the store is walked
 * and the file replaced. A stop flag already set stops the walk.
 */
static void test_for_store(void **state)
{
    char dir[128], a[256], b[256], file[256];
    struct pcn_store *sa, *sb;
    struct pcn_snapshot *s = NULL;
    struct pcn_error err;
    atomic_int stop;
    struct stat st;
    size_t events = 0;
    (void)state;
    test_mkdtemp(dir, sizeof(dir));
    (void)snprintf(a, sizeof(a), "%s/a.db", dir);
    (void)snprintf(b, sizeof(b), "%s/b.db", dir);
    (void)snprintf(file, sizeof(file), "%s/pop.snap", dir);
    sa = tiny_store(a, 2);
    sb = tiny_store(b, 3); /* another database, same data version */
    assert_int_equal(for_store(sa, NULL, &events), PCN_SNAPSHOT_WALKED);
    assert_int_equal(access(file, F_OK), -1); /* no file named, none written */
    assert_int_equal(for_store(sa, file, &events), PCN_SNAPSHOT_WALKED);
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600); /* patient-level data: the owner's only */
    assert_int_equal(for_store(sa, file, &events), PCN_SNAPSHOT_LOADED);
    assert_int_equal(events, 2);
    /* the other database never takes a's population, even at the same data version */
    assert_int_equal(for_store(sb, file, &events), PCN_SNAPSHOT_WALKED);
    assert_int_equal(events, 3);
    assert_int_equal(for_store(sb, file, &events), PCN_SNAPSHOT_LOADED);
    assert_int_equal(for_store(sa, file, &events), PCN_SNAPSHOT_WALKED);
    assert_int_equal(events, 2);
    /* a change of the data: walked again */
    pcn_store_close(sa);
    pcn_store_close(tiny_store(a, 0)); /* the same patient again: a new data version */
    assert_int_equal(pcn_store_open(a, 0, &sa, &err), PCN_OK);
    assert_int_equal(for_store(sa, file, &events), PCN_SNAPSHOT_WALKED);
    assert_int_equal(for_store(sa, file, &events), PCN_SNAPSHOT_LOADED);
    /* a damaged file is walked over and replaced */
    test_write_file(file, "PCNSNAP damaged");
    assert_int_equal(for_store(sa, file, &events), PCN_SNAPSHOT_WALKED);
    assert_int_equal(for_store(sa, file, &events), PCN_SNAPSHOT_LOADED);
    /* a stop flag set (shutdown): the walk gives up within 16,384 records */
    pcn_store_close(sb);
    sb = tiny_store(b, 20000);
    atomic_init(&stop, 1);
    assert_int_equal(pcn_store_begin_read(sb), PCN_OK);
    assert_int_equal(pcn_snapshot_from_store_until(sb, &stop, &s, &err), PCN_ETIMEDOUT);
    assert_null(s);
    atomic_store(&stop, 0);
    assert_int_equal(pcn_snapshot_from_store_until(sb, &stop, &s, &err), PCN_OK);
    assert_int_equal(pcn_snapshot_event_count(s), 20000); /* the same records again, and more */
    pcn_store_end_read(sb);
    /* a population without its database's identity could never be matched: not kept */
    (void)unlink(file);
    pcn_snapshot_set_source(s, "");
    assert_int_equal(pcn_snapshot_keep(s, file, &err), PCN_EVERSION);
    assert_non_null(strstr(err.msg, "no identity"));
    assert_int_equal(access(file, F_OK), -1);
    pcn_snapshot_free(s);
    pcn_store_close(sa);
    pcn_store_close(sb);
    (void)unlink(file);
    test_db_unlink(a);
    test_db_unlink(b);
    assert_int_equal(rmdir(dir), 0); /* nothing left behind, no temporary file either */
}

/* Copy the (closed, checkpointed) SQLite database from into to, as a backup or a copy would. */
static void copy_db(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out;
    char buf[65536];
    size_t n;

    assert_non_null(in);
    test_db_unlink(to);
    out = fopen(to, "wb");
    assert_non_null(out);
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    assert_int_equal(fclose(out), 0);
    fclose(in);
}

/* The data version of the database at path, and the population the quickest way. */
static enum pcn_snapshot_origin reopen_for_store(const char *path, const char *file, size_t *events,
                                                 int64_t *version)
{
    struct pcn_store *st = NULL;
    struct pcn_error err;
    enum pcn_snapshot_origin origin;

    assert_int_equal(pcn_store_open(path, 0, &st, &err), PCN_OK);
    assert_int_equal(pcn_store_data_version(st, version), PCN_OK);
    origin = for_store(st, file, events);
    pcn_store_close(st);
    return origin;
}

/*
 * The snapshot file is this data's only while no other data can reach its
 * data version: a restored backup imported into, and a copy of the
 * database imported into differently, reach the saved version with other
 * data (and the same database id), and must be walked, not loaded.
 */
static void test_for_store_restore_and_copy(void **state)
{
    char dir[128], a[256], backup[256], copy[256], file[256];
    size_t events = 0;
    int64_t saved = 0, now = 0;
    (void)state;
    test_mkdtemp(dir, sizeof(dir));
    (void)snprintf(a, sizeof(a), "%s/a.db", dir);
    (void)snprintf(backup, sizeof(backup), "%s/backup.db", dir);
    (void)snprintf(copy, sizeof(copy), "%s/copy.db", dir);
    (void)snprintf(file, sizeof(file), "%s/pop.snap", dir);
    pcn_store_close(tiny_store(a, 2));
    copy_db(a, backup);
    /* an import after the backup, its population saved */
    pcn_store_close(tiny_store(a, 3));
    assert_int_equal(reopen_for_store(a, file, &events, &saved), PCN_SNAPSHOT_WALKED);
    assert_int_equal(reopen_for_store(a, file, &events, &saved), PCN_SNAPSHOT_LOADED);
    assert_int_equal(events, 3);
    /* restore the backup, import other data: the saved data version again, other records */
    copy_db(backup, a);
    pcn_store_close(tiny_store(a, 5));
    assert_int_equal(reopen_for_store(a, file, &events, &now), PCN_SNAPSHOT_WALKED);
    assert_int_equal(now, saved);
    assert_int_equal(events, 5);
    assert_int_equal(reopen_for_store(a, file, &events, &now), PCN_SNAPSHOT_LOADED);
    /* a copy imported into, and the original imported into differently: the same version */
    copy_db(a, copy);
    pcn_store_close(tiny_store(copy, 7));
    pcn_store_close(tiny_store(a, 9));
    assert_int_equal(reopen_for_store(a, file, &events, &saved), PCN_SNAPSHOT_WALKED);
    assert_int_equal(events, 9);
    assert_int_equal(reopen_for_store(copy, file, &events, &now), PCN_SNAPSHOT_WALKED);
    assert_int_equal(now, saved);
    assert_int_equal(events, 7);
    (void)unlink(file);
    test_db_unlink(a);
    test_db_unlink(backup);
    test_db_unlink(copy);
    assert_int_equal(rmdir(dir), 0);
}

/* A snapshot built from the store sees patients, records, networks and the data version. */
static void test_from_store(void **state)
{
    struct test_db db;
    struct pcn_store *st;
    struct pcn_snapshot *s = NULL;
    struct pcn_program *p = pcn_program_new();
    struct pcn_results *r = NULL;
    struct pcn_eval_options o = {.as_of = D("2025-03-31")};
    struct pcn_error err;
    struct pcn_network nw = {.code = "U00001", .name = "Net"};
    struct pcn_practice pr = {.code = "A1", .name = "Practice"};
    struct pcn_membership m = {"A1", "U00001", D("2020-01-01"), PCN_DATE_NONE};
    struct pcn_patient pt = {.patient_id = "X1",
                             .date_of_birth = D("1950-01-01"),
                             .sex = PCN_SEX_FEMALE,
                             .practice = "A1"};
    struct pcn_event e = {.patient_id = "X1",
                          .date = D("2020-01-01"),
                          .system = "snomed",
                          .code = "DM",
                          .kind = PCN_EVENT_CONDITION};
    struct pcn_medication md = {
        .patient_id = "X1", .start_date = D("2025-01-01"), .system = "dmd", .code = "M1"};
    struct pcn_immunisation im = {
        .patient_id = "X1", .date = D("2024-10-01"), .system = "snomed", .code = "FLU"};
    static const char text[] = "codelist dm = codes(\"DM\")\n"
                               "register r = exists(dm) and network == \"U00001\"\n"
                               "register meds = count(medications) == 1 and "
                               "exists(immunisations)\n";
    int64_t v = 0;
    (void)state;
    pt.registered_from = D("2000-01-01");
    pt.registered_to = PCN_DATE_NONE;
    pt.date_of_death = PCN_DATE_NONE;
    e.end_date = PCN_DATE_NONE;
    md.end_date = PCN_DATE_NONE;
    test_db_open(&db, "s.db");
    st = db.s;
    assert_int_equal(pcn_store_begin(st), PCN_OK);
    assert_int_equal(pcn_store_put_network(st, &nw), PCN_OK);
    assert_int_equal(pcn_store_put_practice(st, &pr), PCN_OK);
    assert_int_equal(pcn_store_add_membership(st, &m), PCN_OK);
    assert_int_equal(pcn_store_put_patient(st, &pt), PCN_OK);
    assert_int_equal(pcn_store_put_event(st, &e), PCN_OK);
    assert_int_equal(pcn_store_put_medication(st, &md), PCN_OK);
    assert_int_equal(pcn_store_put_immunisation(st, &im), PCN_OK);
    assert_int_equal(pcn_store_commit(st), PCN_OK);
    assert_int_equal(pcn_snapshot_from_store(st, &s, &err), PCN_OK);
    assert_int_equal(pcn_snapshot_patient_count(s), 1);
    assert_int_equal(pcn_snapshot_event_count(s), 3);
    assert_true(pcn_snapshot_data_version(s) > 0);
    assert_int_equal(
        pcn_program_load_string(p, "t", text, strlen(text), NULL, PCN_PROGRAM_FLAG_OUTPUT, &err),
        PCN_OK);
    assert_int_equal(pcn_program_eval(p, s, &o, &r, &err), PCN_OK);
    assert_int_equal(pcn_results_total(r, "r", "count", &v), PCN_OK);
    assert_int_equal(v, 1);
    assert_int_equal(pcn_results_total(r, "meds", "count", &v), PCN_OK);
    assert_int_equal(v, 1);
    pcn_results_free(r);
    pcn_program_free(p);
    pcn_snapshot_free(s);
    test_db_close(&db);
}

static char *render_snapshot(const struct pcn_snapshot *s)
{
    static const char text[] = "codelist dm = codes(\"DM\")\ncodelist bp = codes(\"BP\")\n"
                               "register r = exists(dm) and network == \"U00001\"\n"
                               "register meds = count_codes(medications) == 3\n"
                               "score sc { value = last(bp).value band \"hi\" = value > 140 }\n"
                               "worklist wl { population = exists(dm) column \"Age\" = age\n"
                               "  column \"IMD\" = imd_quintile }\n";
    struct pcn_program *p = pcn_program_new();
    /* every dimension: a damaged file's codes would index their name tables */
    struct pcn_eval_options o = {.as_of = D("2025-03-31"),
                                 .by = PCN_BY_PRACTICE | PCN_BY_NETWORK | PCN_BY_AGE | PCN_BY_SEX |
                                       PCN_BY_IMD | PCN_BY_ETHNICITY};
    struct pcn_results *r = NULL;
    struct pcn_buf b = PCN_BUF_INIT;
    struct pcn_error err;

    assert_int_equal(
        pcn_program_load_string(p, "t", text, strlen(text), NULL, PCN_PROGRAM_FLAG_OUTPUT, &err),
        PCN_OK);
    assert_int_equal(pcn_program_eval(p, s, &o, &r, &err), PCN_OK);
    assert_int_equal(pcn_results_render(r, PCN_FORMAT_JSON, &b), PCN_OK);
    pcn_results_free(r);
    pcn_program_free(p);
    return pcn_buf_detach(&b, NULL);
}

/* Save and load give the same results; damaged files are refused. */
static void test_snapshot_file(void **state)
{
    char dir[128], path[256];
    struct pcn_snapshot *s = population(), *t = NULL;
    struct pcn_error err;
    char *a, *b;
    FILE *f;
    long size;
    (void)state;
    test_mkdtemp(dir, sizeof(dir));
    (void)snprintf(path, sizeof(path), "%s/snap.bin", dir);
    pcn_snapshot_set_data_version(s, 7);
    assert_int_equal(pcn_snapshot_save(s, path, &err), PCN_OK);
    assert_int_equal(pcn_snapshot_load(path, &t, &err), PCN_OK);
    assert_int_equal(pcn_snapshot_data_version(t), 7);
    assert_int_equal(pcn_snapshot_patient_count(t), pcn_snapshot_patient_count(s));
    assert_int_equal(pcn_snapshot_event_count(t), pcn_snapshot_event_count(s));
    assert_int_equal(pcn_snapshot_last_date(t), pcn_snapshot_last_date(s));
    assert_true(pcn_snapshot_last_date(t) != PCN_DATE_NONE);
    a = render_snapshot(s);
    b = render_snapshot(t);
    assert_string_equal(a, b);
    pcn_free(a);
    pcn_free(b);
    pcn_snapshot_free(t);
    t = NULL;
    /* a damaged index: the last event's patient (in pat_ev, last column before the codes) */
    f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    {
        char *buf = pcn_malloc((size_t)size);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
        /* truncated file */
        assert_int_equal(fclose(f), 0);
        f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(buf, 1, (size_t)size - 5, f), (size_t)size - 5);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(pcn_snapshot_load(path, &t, &err), PCN_EPARSE);
        assert_non_null(strstr(err.msg, "not a valid snapshot file"));
        /* wrong magic */
        buf[0] = 'X';
        f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(buf, 1, (size_t)size, f), (size_t)size);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(pcn_snapshot_load(path, &t, &err), PCN_EPARSE);
        pcn_free(buf);
    }
    (void)unlink(path);
    assert_int_equal(pcn_snapshot_load(path, &t, &err), PCN_ENOTFOUND);
    (void)rmdir(dir);
    pcn_snapshot_free(s);
}

/* Every byte of a saved snapshot changed in turn: load succeeds or refuses, never crashes. */
static void test_snapshot_file_corrupt(void **state)
{
    char dir[128], path[256];
    struct pcn_snapshot *s = population(), *t = NULL;
    struct pcn_error err;
    char *buf = NULL;
    size_t size = 0;
    FILE *f;
    (void)state;
    test_mkdtemp(dir, sizeof(dir));
    (void)snprintf(path, sizeof(path), "%s/snap.bin", dir);
    assert_int_equal(pcn_snapshot_save(s, path, &err), PCN_OK);
    f = fopen(path, "rb");
    assert_non_null(f);
    buf = pcn_malloc(1 << 16);
    assert_non_null(buf);
    size = fread(buf, 1, 1 << 16, f);
    assert_int_equal(fclose(f), 0);
    for (size_t i = 0; i < size; i++) {
        buf[i] ^= (char)0xA5;
        f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(buf, 1, size, f), size);
        assert_int_equal(fclose(f), 0);
        if (pcn_snapshot_load(path, &t, &err) == PCN_OK) {
            pcn_free(render_snapshot(t));
            pcn_snapshot_free(t);
            t = NULL;
        }
        buf[i] ^= (char)0xA5;
    }
    pcn_free(buf);
    (void)unlink(path);
    (void)rmdir(dir);
    pcn_snapshot_free(s);
}

static void test_by_parse(void **state)
{
    unsigned by = 0;
    struct pcn_error err;
    enum pcn_format f;
    (void)state;
    assert_int_equal(pcn_by_parse("practice,age,imd", &by, &err), PCN_OK);
    assert_int_equal(by, PCN_BY_PRACTICE | PCN_BY_AGE | PCN_BY_IMD);
    assert_int_equal(pcn_by_parse("practice,colour", &by, &err), PCN_EINVAL);
    assert_non_null(strstr(err.msg, "colour"));
    assert_int_equal(pcn_format_parse("json", &f), PCN_OK);
    assert_int_equal(f, PCN_FORMAT_JSON);
    assert_int_equal(pcn_format_parse("xml", &f), PCN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_population),
        cmocka_unit_test(test_age_birthday),
        cmocka_unit_test(test_resolved_rediagnosed),
        cmocka_unit_test(test_window_boundaries),
        cmocka_unit_test(test_aggregates),
        cmocka_unit_test(test_expressions),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_decimal_values),
        cmocka_unit_test(test_indicator),
        cmocka_unit_test(test_score_segment_worklist),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_all_dimensions),
        cmocka_unit_test(test_fused_sum),
        cmocka_unit_test(test_codelist_csv),
        cmocka_unit_test(test_hostile_chains),
        cmocka_unit_test(test_codelist_confined),
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_snapshot_misuse),
        cmocka_unit_test(test_by_parse),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_population_cache),
        cmocka_unit_test(test_population_cache_threads),
        cmocka_unit_test(test_stdlib),
        cmocka_unit_test(test_from_store),
        cmocka_unit_test(test_for_store),
        cmocka_unit_test(test_for_store_restore_and_copy),
        cmocka_unit_test(test_snapshot_file),
        cmocka_unit_test(test_snapshot_file_corrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
