/*
 * asset.c - the vocabulary of the community asset directory (categories,
 * access features, referral routes), the parsers and formatters of its
 * compact fields (category lists, weekly sessions, cost) and the check of
 * one asset. Invariant: every formatter writes text its parser reads back
 * to the same value.
 */
#include "pcn/asset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcn/buf.h"
#include "pcn/date.h"
#include "pcn/geo.h"
#include "pcn/parse.h"
#include "pcn/referral.h"
#include "pcn/validate.h"
#include "util/common.h"

static const char *const category_names[PCN_ASSET_CATEGORY_COUNT_] = {
    "physical_activity", "arts_creativity", "peer_support",      "ltc_group", "housing_advice",
    "debt_advice",       "benefits_advice", "employment_advice", "carers",    "loneliness",
    "volunteering",      "education",
};

static const char *const category_labels[PCN_ASSET_CATEGORY_COUNT_] = {
    "Physical activity",
    "Arts and creativity",
    "Peer support",
    "Long-term condition groups",
    "Housing advice",
    "Debt advice",
    "Benefits advice",
    "Employment advice",
    "Carers",
    "Loneliness",
    "Volunteering",
    "Education",
};

static const char *const access_names[PCN_ACCESS_COUNT] = {
    "wheelchair", "step_free",        "hearing_loop", "accessible_toilet",
    "parking",    "public_transport", "online",
};

static const char *const route_names[PCN_ROUTE_COUNT_] = {
    "drop_in",
    "self_referral",
    "link_worker",
    "professional",
};

static const char *const day_names[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

const char *pcn_asset_category_name(enum pcn_asset_category c)
{
    return (unsigned)c < PCN_ASSET_CATEGORY_COUNT_ ? category_names[c] : NULL;
}

const char *pcn_asset_category_label(enum pcn_asset_category c)
{
    return (unsigned)c < PCN_ASSET_CATEGORY_COUNT_ ? category_labels[c] : NULL;
}

/* Index of s[0..len) in names[0..n), or -1. */
static int lookup(const char *const *names, int n, const char *s, size_t len)
{
    for (int i = 0; i < n; i++) {
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
            return i;
    }
    return -1;
}

enum pcn_err pcn_asset_category_parse(const char *s, size_t len, enum pcn_asset_category *ret)
{
    int i = lookup(category_names, PCN_ASSET_CATEGORY_COUNT_, s, len);

    if (i < 0)
        return PCN_EINVAL;
    *ret = (enum pcn_asset_category)i;
    return PCN_OK;
}

/* Trim spaces from both ends of s[0..*len); returns the new start. */
static const char *trim(const char *s, size_t *len)
{
    while (*len && (*s == ' ' || *s == '\t')) {
        s++;
        (*len)--;
    }
    while (*len && (s[*len - 1] == ' ' || s[*len - 1] == '\t'))
        (*len)--;
    return s;
}

/*
 * Parse a ';'-separated list of names from a table into flags (bit = index).
 * `what` names the list in messages.
 */
static enum pcn_err parse_names(const char *s, const char *const *names, int n, const char *what,
                                uint32_t *ret, struct pcn_error *reterr)
{
    uint32_t mask = 0;

    while (s && *s) {
        size_t len = strcspn(s, ";");
        size_t tlen = len;
        const char *t = trim(s, &tlen);
        if (tlen) {
            int i = lookup(names, n, t, tlen);
            if (i < 0) {
                char known[400] = "";
                size_t used = 0;
                for (int k = 0; k < n && used < sizeof(known); k++) {
                    int w = snprintf(known + used, sizeof(known) - used, "%s%s", k ? ", " : "",
                                     names[k]);
                    used += w > 0 ? (size_t)w : 0;
                }
                return pcn_error_set(reterr, PCN_EINVAL, "unknown %s '%.*s' (known: %s)", what,
                                     (int)PCN_MIN(tlen, 60), t, known);
            }
            mask |= 1u << i;
        }
        s += len;
        if (*s == ';')
            s++;
    }
    *ret = mask;
    return PCN_OK;
}

static enum pcn_err format_names(uint32_t mask, const char *const *names, int n,
                                 struct pcn_buf *out)
{
    bool first = true;

    for (int i = 0; i < n; i++) {
        if (!(mask & (1u << i)))
            continue;
        enum pcn_err rc = pcn_buf_addf(out, "%s%s", first ? "" : ";", names[i]);
        if (rc != PCN_OK)
            return rc;
        first = false;
    }
    return PCN_OK;
}

enum pcn_err pcn_asset_categories_parse(const char *s, uint32_t *ret, struct pcn_error *reterr)
{
    uint32_t mask = 0;
    enum pcn_err rc =
        parse_names(s, category_names, PCN_ASSET_CATEGORY_COUNT_, "category", &mask, reterr);

    if (rc != PCN_OK)
        return rc;
    if (!mask)
        return pcn_error_set(reterr, PCN_EINVAL, "at least one category is needed");
    *ret = mask;
    return PCN_OK;
}

enum pcn_err pcn_asset_categories_format(uint32_t mask, struct pcn_buf *out)
{
    return format_names(mask, category_names, PCN_ASSET_CATEGORY_COUNT_, out);
}

const char *pcn_asset_access_name(int bit)
{
    return bit >= 0 && bit < PCN_ACCESS_COUNT ? access_names[bit] : NULL;
}

enum pcn_err pcn_asset_access_parse(const char *s, uint32_t *ret, struct pcn_error *reterr)
{
    return parse_names(s, access_names, PCN_ACCESS_COUNT, "access feature", ret, reterr);
}

enum pcn_err pcn_asset_access_format(uint32_t flags, struct pcn_buf *out)
{
    return format_names(flags, access_names, PCN_ACCESS_COUNT, out);
}

const char *pcn_asset_route_name(enum pcn_asset_route r)
{
    return (unsigned)r < PCN_ROUTE_COUNT_ ? route_names[r] : NULL;
}

enum pcn_err pcn_asset_route_parse(const char *s, enum pcn_asset_route *ret)
{
    int i = s ? lookup(route_names, PCN_ROUTE_COUNT_, s, strlen(s)) : -1;

    if (i < 0)
        return PCN_EINVAL;
    *ret = (enum pcn_asset_route)i;
    return PCN_OK;
}

/* "HH:MM" at s (exactly 5 bytes) into minutes; 24:00 allowed only when allow_24. */
static bool parse_hhmm(const char *s, size_t len, bool allow_24, uint16_t *ret)
{
    int64_t h = 0, m = 0;

    if (len != 5 || s[2] != ':' || pcn_parse_range(s, 2, 0, 24, &h) != PCN_OK ||
        pcn_parse_range(s + 3, 2, 0, 59, &m) != PCN_OK)
        return false;
    if (h == 24 && (!allow_24 || m != 0))
        return false;
    *ret = (uint16_t)(h * 60 + m);
    return true;
}

/* "Mon" or "Mon-Fri" into a first and last day. */
static bool parse_days(const char *s, size_t len, int *ret_first, int *ret_last)
{
    int a = -1, b = -1;

    if (len == 3) {
        a = b = lookup(day_names, 7, s, 3);
    } else if (len == 7 && s[3] == '-') {
        a = lookup(day_names, 7, s, 3);
        b = lookup(day_names, 7, s + 4, 3);
    }
    if (a < 0 || b < 0 || b < a)
        return false;
    *ret_first = a;
    *ret_last = b;
    return true;
}

static int session_cmp(const void *pa, const void *pb)
{
    const struct pcn_asset_session *a = pa, *b = pb;

    if (a->day != b->day)
        return a->day < b->day ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return (a->end > b->end) - (a->end < b->end);
}

/* Parse one "DAYS HH:MM-HH:MM" entry, appending its sessions. */
static enum pcn_err parse_session(const char *s, size_t len, struct pcn_asset_session *out,
                                  size_t *n, struct pcn_error *reterr)
{
    const char *sp = memchr(s, ' ', len);
    int first = 0, last = 0;
    uint16_t start = 0, end = 0;

    if (!sp || !parse_days(s, (size_t)(sp - s), &first, &last))
        return pcn_error_set(reterr, PCN_EINVAL,
                             "session '%.*s': expected a day (Mon..Sun or a range like Mon-Fri), "
                             "a space, then HH:MM-HH:MM",
                             (int)PCN_MIN(len, 40), s);
    size_t tlen = len - (size_t)(sp - s);
    const char *t = trim(sp, &tlen);
    if (tlen != 11 || t[5] != '-' || !parse_hhmm(t, 5, false, &start) ||
        !parse_hhmm(t + 6, 5, true, &end))
        return pcn_error_set(reterr, PCN_EINVAL, "session '%.*s': times must be HH:MM-HH:MM",
                             (int)PCN_MIN(len, 40), s);
    if (end <= start)
        return pcn_error_set(reterr, PCN_EINVAL, "session '%.*s': ends before it starts",
                             (int)PCN_MIN(len, 40), s);
    for (int d = first; d <= last; d++) {
        if (*n >= PCN_ASSET_MAX_SESSIONS)
            return pcn_error_set(reterr, PCN_ELIMIT, "more than %d weekly sessions",
                                 PCN_ASSET_MAX_SESSIONS);
        out[(*n)++] = (struct pcn_asset_session){(uint8_t)d, start, end};
    }
    return PCN_OK;
}

enum pcn_err pcn_sessions_parse(const char *s, struct pcn_asset_session ret[PCN_ASSET_MAX_SESSIONS],
                                size_t *ret_n, struct pcn_error *reterr)
{
    size_t n = 0;

    while (s && *s) {
        size_t len = strcspn(s, ";");
        size_t tlen = len;
        const char *t = trim(s, &tlen);
        if (tlen) {
            enum pcn_err rc = parse_session(t, tlen, ret, &n, reterr);
            if (rc != PCN_OK)
                return rc;
        }
        s += len;
        if (*s == ';')
            s++;
    }
    if (n > 1)
        qsort(ret, n, sizeof(*ret), session_cmp);
    for (size_t i = 1; i < n; i++) {
        if (ret[i].day == ret[i - 1].day && ret[i].start < ret[i - 1].end)
            return pcn_error_set(reterr, PCN_EINVAL, "two sessions on %s overlap",
                                 day_names[ret[i].day]);
    }
    *ret_n = n;
    return PCN_OK;
}

enum pcn_err pcn_sessions_format(const struct pcn_asset_session *s, size_t n, struct pcn_buf *out)
{
    bool done[PCN_ASSET_MAX_SESSIONS] = {false};
    bool first = true;

    if (PCN_NEVER(n > PCN_ASSET_MAX_SESSIONS))
        return PCN_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (done[i])
            continue;
        /* Extend a run over the following days that have the same times. */
        size_t last = i;
        for (size_t j = i + 1; j < n; j++) {
            if (!done[j] && s[j].day == s[last].day + 1 && s[j].start == s[i].start &&
                s[j].end == s[i].end) {
                done[j] = true;
                last = j;
            }
        }
        enum pcn_err rc = pcn_buf_addf(out, "%s%s", first ? "" : "; ", day_names[s[i].day]);
        if (rc == PCN_OK && last != i)
            rc = pcn_buf_addf(out, "-%s", day_names[s[last].day]);
        if (rc == PCN_OK)
            rc = pcn_buf_addf(out, " %02d:%02d-%02d:%02d", s[i].start / 60, s[i].start % 60,
                              s[i].end / 60, s[i].end % 60);
        if (rc != PCN_OK)
            return rc;
        first = false;
    }
    return PCN_OK;
}

enum pcn_err pcn_cost_parse(const char *s, int32_t *ret_pence)
{
    size_t len = s ? strlen(s) : 0;

    s = trim(s ? s : "", &len);
    if (len == 0 || (len == 7 && memcmp(s, "unknown", 7) == 0)) {
        *ret_pence = PCN_COST_UNKNOWN;
        return PCN_OK;
    }
    if (len == 4 && memcmp(s, "free", 4) == 0) {
        *ret_pence = 0;
        return PCN_OK;
    }
    if (len >= 2 && (unsigned char)s[0] == 0xc2 && (unsigned char)s[1] == 0xa3) { /* "£" */
        s += 2;
        len -= 2;
    }
    const char *dot = memchr(s, '.', len);
    size_t whole = dot ? (size_t)(dot - s) : len;
    size_t frac = dot ? len - whole - 1 : 0;
    int64_t pounds = 0, pence = 0;
    if (whole == 0 || whole > 4 || pcn_parse_range(s, whole, 0, 9999, &pounds) != PCN_OK)
        return PCN_EINVAL;
    if (dot && (frac != 2 || pcn_parse_range(dot + 1, 2, 0, 99, &pence) != PCN_OK))
        return PCN_EINVAL;
    int64_t total = pounds * 100 + pence;
    if (total > PCN_COST_MAX_PENCE)
        return PCN_EINVAL;
    *ret_pence = (int32_t)total;
    return PCN_OK;
}

enum pcn_err pcn_cost_format(int32_t pence, struct pcn_buf *out)
{
    if (pence == PCN_COST_UNKNOWN)
        return PCN_OK;
    if (pence == 0)
        return pcn_buf_adds(out, "free");
    return pcn_buf_addf(out, "%d.%02d", pence / 100, pence % 100);
}

void pcn_asset_init(struct pcn_asset *a)
{
    memset(a, 0, sizeof(*a));
    a->name = a->organisation = a->description = a->address = "";
    a->sessions_note = a->cost_note = a->phone = a->email = a->website = a->route_note = "";
    a->cost_pence = PCN_COST_UNKNOWN;
    a->max_age = 120;
    a->capacity = -1;
    a->route = PCN_ROUTE_SELF_REFERRAL;
    a->last_verified = PCN_DATE_NONE;
    a->active = 1;
}

/* Contact details: phone digits and + ( ) - spaces; email with one '@' and a dot after it. */
static enum pcn_err check_contact(const struct pcn_asset *a, struct pcn_error *reterr)
{
    for (const char *p = a->phone; *p; p++) {
        if (!strchr("0123456789 +()-", *p))
            return pcn_error_set(reterr, PCN_EINVAL, "phone: '%c' is not allowed in a number", *p);
    }
    if (*a->email) {
        const char *at = strchr(a->email, '@');
        if (!at || at == a->email || strchr(at + 1, '@') || !strchr(at + 1, '.') ||
            strchr(a->email, ' '))
            return pcn_error_set(reterr, PCN_EINVAL, "email: '%.80s' is not an email address",
                                 a->email);
    }
    if (*a->website && strncmp(a->website, "https://", 8) != 0 &&
        strncmp(a->website, "http://", 7) != 0)
        return pcn_error_set(reterr, PCN_EINVAL, "website: must start with https:// or http://");
    return PCN_OK;
}

/* Every free-text field within its limit and clean. */
static enum pcn_err check_texts(const struct pcn_asset *a, struct pcn_error *reterr)
{
    const struct {
        const char *field;
        const char *value;
        size_t max;
    } texts[] = {
        {"name", a->name, PCN_ASSET_NAME_MAX},
        {"organisation", a->organisation, PCN_ASSET_NAME_MAX},
        {"description", a->description, PCN_ASSET_TEXT_MAX},
        {"address", a->address, PCN_ASSET_FIELD_MAX},
        {"sessions_note", a->sessions_note, PCN_ASSET_FIELD_MAX},
        {"cost_note", a->cost_note, PCN_ASSET_FIELD_MAX},
        {"phone", a->phone, 40},
        {"email", a->email, 254},
        {"website", a->website, PCN_ASSET_FIELD_MAX},
        {"route_note", a->route_note, PCN_ASSET_FIELD_MAX},
    };

    for (size_t i = 0; i < PCN_ARRAY_SIZE(texts); i++) {
        if (!texts[i].value)
            return pcn_error_set(reterr, PCN_EINVAL, "%s: missing", texts[i].field);
        enum pcn_err rc = pcn_text_check(texts[i].field, texts[i].value, texts[i].max, reterr);
        if (rc != PCN_OK)
            return rc;
    }
    return PCN_OK;
}

/* Where the asset is: postcode normal form, LSOA code, UK position. */
static enum pcn_err check_place(const struct pcn_asset *a, struct pcn_error *reterr)
{
    char norm[9];

    if (a->postcode[0] &&
        (pcn_postcode_normalise(a->postcode, strnlen(a->postcode, sizeof(a->postcode)), norm) !=
             PCN_OK ||
         strcmp(norm, a->postcode) != 0))
        return pcn_error_set(reterr, PCN_EINVAL, "postcode: '%.9s' is not a UK postcode",
                             a->postcode);
    if (a->lsoa[0] && !pcn_lsoa_is_valid(a->lsoa))
        return pcn_error_set(reterr, PCN_EINVAL, "lsoa: '%.10s' is not an English LSOA code",
                             a->lsoa);
    if (a->has_position && (a->lat < 49.0 || a->lat > 61.0 || a->lon < -9.0 || a->lon > 3.0))
        return pcn_error_set(reterr, PCN_EINVAL, "latitude/longitude: %.4f,%.4f is not in the UK",
                             a->lat, a->lon);
    return PCN_OK;
}

enum pcn_err pcn_asset_check(const struct pcn_asset *a, struct pcn_error *reterr)
{
    enum pcn_err rc = check_texts(a, reterr);

    if (rc != PCN_OK)
        return rc;
    if (!a->name[0] || strspn(a->name, " \t") == strlen(a->name))
        return pcn_error_set(reterr, PCN_EINVAL, "name: missing");
    if (!(a->categories & PCN_ASSET_ALL_CATEGORIES) || (a->categories & ~PCN_ASSET_ALL_CATEGORIES))
        return pcn_error_set(reterr, PCN_EINVAL, "categories: at least one known category needed");
    if (a->access & ~((1u << PCN_ACCESS_COUNT) - 1u))
        return pcn_error_set(reterr, PCN_EINVAL, "access: unknown feature");
    if (!pcn_asset_route_name(a->route))
        return pcn_error_set(reterr, PCN_EINVAL, "referral_route: unknown route");
    if (a->min_age < 0 || a->max_age > 120 || a->min_age > a->max_age)
        return pcn_error_set(reterr, PCN_EINVAL, "min_age/max_age: %d-%d is not an age range 0-120",
                             a->min_age, a->max_age);
    if (a->capacity < -1 || a->capacity > 100000)
        return pcn_error_set(reterr, PCN_EINVAL, "capacity: %d is not a number of places",
                             a->capacity);
    if (a->cost_pence < PCN_COST_UNKNOWN || a->cost_pence > PCN_COST_MAX_PENCE)
        return pcn_error_set(reterr, PCN_EINVAL, "cost: out of range");
    if (a->n_sessions > PCN_ASSET_MAX_SESSIONS)
        return pcn_error_set(reterr, PCN_ELIMIT, "sessions: more than %d", PCN_ASSET_MAX_SESSIONS);
    for (size_t i = 0; i < a->n_sessions; i++) {
        const struct pcn_asset_session *s = &a->sessions[i];
        if (s->day > 6 || s->start >= s->end || s->end > 1440)
            return pcn_error_set(reterr, PCN_EINVAL, "sessions: session %zu is not a weekly time",
                                 i + 1);
    }
    if (a->last_verified != PCN_DATE_NONE &&
        (a->last_verified < PCN_DATE_MIN || a->last_verified > PCN_DATE_MAX))
        return pcn_error_set(reterr, PCN_EINVAL, "last_verified: not a date");
    rc = check_place(a, reterr);
    return rc == PCN_OK ? check_contact(a, reterr) : rc;
}

int pcn_asset_is_stale(const struct pcn_asset *a, int32_t as_of)
{
    if (a->last_verified == PCN_DATE_NONE)
        return 1;
    int32_t limit = pcn_date_add_months(as_of, -12);
    return limit != PCN_DATE_NONE && a->last_verified < limit;
}
