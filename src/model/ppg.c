/*
 * ppg.c - the patient partnership vocabularies (codes, labels, parsing
 * with the spellings people type), postcode districts and quintiles, the
 * checks every record passes before it is stored, and the personal-data
 * screen of text that is to be published. Pure functions over the value
 * types of pcn/ppg.h; no allocation.
 */
#include "pcn/ppg.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pcn/date.h"
#include "pcn/validate.h"
#include "util/common.h"

/* One value of a vocabulary: its code, label and other accepted spellings ("|"-separated). */
struct word {
    const char *code;
    const char *label;
    const char *also;
};

static const struct word age_words[] = {
    {"not_stated", "age not stated", ""}, {"0-17", "aged under 18", "under 18|under-18"},
    {"18-24", "aged 18-24", ""},          {"25-34", "aged 25-34", ""},
    {"35-44", "aged 35-44", ""},          {"45-54", "aged 45-54", ""},
    {"55-64", "aged 55-64", ""},          {"65-74", "aged 65-74", ""},
    {"75-84", "aged 75-84", ""},          {"85+", "aged 85 or over", "85 and over|85 or over|85-"},
};

static const struct word sex_words[] = {
    {"not_stated", "sex not stated", ""},
    {"female", "female", "f|woman"},
    {"male", "male", "m|man"},
    {"other", "describe their sex another way", "self-described|self described|x"},
};

static const struct word eth_words[] = {
    {"not_stated", "ethnic group not stated", ""},
    {"white", "White", ""},
    {"mixed", "from mixed or multiple ethnic groups", "mixed or multiple"},
    {"asian", "Asian or Asian British", "asian or asian british"},
    {"black", "Black, Black British, Caribbean or African", "black british"},
    {"other", "from another ethnic group", "other ethnic group"},
};

static const struct word yesno_words[] = {
    {"not_stated", "not stated", ""},
    {"yes", "yes", "y|true|1"},
    {"no", "no", "n|false|0"},
};

static const struct word role_words[] = {
    {"member", "Member", ""},
    {"chair", "Chair", ""},
    {"virtual", "Virtual member", "virtual member|virtual_member"},
};

static const struct word kind_words[] = {
    {"survey", "Survey", ""},
    {"meeting", "Meeting", ""},
    {"focus_group", "Focus group", "focus group|focus-group"},
    {"co_design", "Co-design workshop", "co-design|co design|co-design workshop|workshop"},
    {"consultation", "Consultation on a service change", "consultation on a service change"},
    {"ppg_project", "PPG-led project", "project|ppg-led project|ppg project"},
};

static const struct word rung_words[] = {
    {"inform", "Inform", "informing"},
    {"consult", "Consult", "consultation|consulting"},
    {"involve", "Involve", "involving|engagement"},
    {"collaborate", "Collaborate", "collaboration|partnership|co-design"},
    {"co_produce", "Co-produce / devolve",
     "co-produce|coproduce|co-production|co_production|devolve|co-produce/devolve"},
};

static const struct word stage_words[] = {
    {"needs", "Understanding needs", "need|needs assessment"},
    {"design", "Designing the service", ""},
    {"procurement", "Procurement", "commissioning|buying"},
    {"monitoring", "Monitoring", ""},
    {"evaluation", "Evaluation", "review|evaluating"},
};

static const struct word outcome_words[] = {
    {"open", "Awaiting a response", "new|awaiting"},
    {"in_progress", "In progress", "in progress|in-progress"},
    {"done", "Done", "completed|complete"},
    {"not_possible", "Not possible", "not possible|not-possible|declined"},
};

struct vocab {
    const struct word *words;
    int n;
    bool is_demographic; /* blank and "prefer not to say" mean value 0 */
};

#define VOCAB(w, d)                                                                                \
    {                                                                                              \
        w, (int)PCN_ARRAY_SIZE(w), d                                                               \
    }

static const struct vocab vocabs[PCN_PPG_V_COUNT_] = {
    [PCN_PPG_V_AGE] = VOCAB(age_words, true),
    [PCN_PPG_V_SEX] = VOCAB(sex_words, true),
    [PCN_PPG_V_ETH] = VOCAB(eth_words, true),
    [PCN_PPG_V_YESNO] = VOCAB(yesno_words, true),
    [PCN_PPG_V_ROLE] = VOCAB(role_words, false),
    [PCN_PPG_V_KIND] = VOCAB(kind_words, false),
    [PCN_PPG_V_RUNG] = VOCAB(rung_words, false),
    [PCN_PPG_V_STAGE] = VOCAB(stage_words, false),
    [PCN_PPG_V_OUTCOME] = VOCAB(outcome_words, false),
};

_Static_assert(PCN_ARRAY_SIZE(age_words) == PCN_PPG_AGE_COUNT_, "age codes");
_Static_assert(PCN_ARRAY_SIZE(sex_words) == PCN_PPG_SEX_COUNT_, "sex codes");
_Static_assert(PCN_ARRAY_SIZE(eth_words) == PCN_PPG_ETH_COUNT_, "ethnic group codes");
_Static_assert(PCN_ARRAY_SIZE(yesno_words) == PCN_PPG_YESNO_COUNT_, "yes/no codes");
_Static_assert(PCN_ARRAY_SIZE(role_words) == PCN_PPG_ROLE_COUNT_, "role codes");
_Static_assert(PCN_ARRAY_SIZE(kind_words) == PCN_PPG_KIND_COUNT_, "activity codes");
_Static_assert(PCN_ARRAY_SIZE(rung_words) == PCN_PPG_RUNG_COUNT_, "rung codes");
_Static_assert(PCN_ARRAY_SIZE(stage_words) == PCN_PPG_STAGE_COUNT_, "stage codes");
_Static_assert(PCN_ARRAY_SIZE(outcome_words) == PCN_PPG_OUTCOME_COUNT_, "outcome codes");

static const struct vocab *vocab_of(enum pcn_ppg_vocab v)
{
    return (unsigned)v < PCN_PPG_V_COUNT_ ? &vocabs[v] : NULL;
}

int pcn_ppg_count(enum pcn_ppg_vocab v)
{
    const struct vocab *vc = vocab_of(v);

    return vc ? vc->n : 0;
}

const char *pcn_ppg_code(enum pcn_ppg_vocab v, int i)
{
    const struct vocab *vc = vocab_of(v);

    return vc && i >= 0 && i < vc->n ? vc->words[i].code : "";
}

const char *pcn_ppg_label(enum pcn_ppg_vocab v, int i)
{
    const struct vocab *vc = vocab_of(v);

    return vc && i >= 0 && i < vc->n ? vc->words[i].label : "";
}

void pcn_ppg_age_years(enum pcn_ppg_age a, int *ret_from, int *ret_to)
{
    static const int from[PCN_PPG_AGE_COUNT_] = {0, 0, 18, 25, 35, 45, 55, 65, 75, 85};
    static const int to[PCN_PPG_AGE_COUNT_] = {PCN_PPG_AGE_TOP, 17, 24, 34, 44, 54, 64, 74, 84,
                                               PCN_PPG_AGE_TOP};
    int i = (unsigned)a < PCN_PPG_AGE_COUNT_ ? (int)a : 0;

    *ret_from = from[i];
    *ret_to = to[i];
}

/* s (len bytes) without leading and trailing blanks: *ret_len bytes from the result. */
static const char *trim(const char *s, size_t len, size_t *ret_len)
{
    while (len > 0 && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
        len--;
    *ret_len = len;
    return s;
}

static bool same_word(const char *a, size_t len, const char *b, size_t b_len)
{
    return len == b_len && strncasecmp(a, b, len) == 0;
}

/* Is s (len bytes) one of the "|"-separated spellings in list? */
static bool in_list(const char *s, size_t len, const char *list)
{
    while (*list) {
        const char *bar = strchr(list, '|');
        size_t n = bar ? (size_t)(bar - list) : strlen(list);
        if (same_word(s, len, list, n))
            return true;
        list += n + (bar != NULL);
    }
    return false;
}

/* The group of an NHS ethnic category letter (A-S), 0 for none. */
static int eth_of_letter(const char *s, size_t len)
{
    char c = len == 1 ? (char)(s[0] & ~0x20) : '\0';

    if (c >= 'A' && c <= 'C')
        return PCN_PPG_ETH_WHITE;
    if (c >= 'D' && c <= 'G')
        return PCN_PPG_ETH_MIXED;
    if (c >= 'H' && c <= 'L')
        return PCN_PPG_ETH_ASIAN;
    if (c >= 'M' && c <= 'P')
        return PCN_PPG_ETH_BLACK;
    if (c == 'R' || c == 'S')
        return PCN_PPG_ETH_OTHER;
    return 0;
}

enum pcn_err pcn_ppg_parse(enum pcn_ppg_vocab v, const char *s, size_t len, int *ret)
{
    const struct vocab *vc = vocab_of(v);
    size_t n = 0;
    const char *t = s ? trim(s, len, &n) : "";

    if (!vc)
        return PCN_EINVAL;
    if (vc->is_demographic &&
        (n == 0 || in_list(t, n, "not stated|not_stated|not-stated|prefer not to say|unknown"))) {
        *ret = 0;
        return PCN_OK;
    }
    for (int i = 0; i < vc->n; i++) {
        if (same_word(t, n, vc->words[i].code, strlen(vc->words[i].code)) ||
            in_list(t, n, vc->words[i].also)) {
            *ret = i;
            return PCN_OK;
        }
    }
    if (v == PCN_PPG_V_ETH && eth_of_letter(t, n)) {
        *ret = eth_of_letter(t, n);
        return PCN_OK;
    }
    return PCN_EINVAL;
}

void pcn_ppg_codes(enum pcn_ppg_vocab v, char *out, size_t size)
{
    const struct vocab *vc = vocab_of(v);
    size_t at = 0;

    if (size == 0)
        return;
    out[0] = '\0';
    for (int i = 0; vc && i < vc->n && at < size; i++) {
        int w = snprintf(out + at, size - at, "%s%s", i ? ", " : "", vc->words[i].code);
        if (w < 0)
            break;
        at += (size_t)w;
    }
}

static bool is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* An outward code: A9, A9A, A99, AA9, AA9A, AA99. */
static bool is_outward(const char *s, size_t n)
{
    size_t letters = 0;

    while (letters < n && letters < 2 && is_alpha(s[letters]))
        letters++;
    if (letters == 0 || n < letters + 1 || n > letters + 2 || !is_digit(s[letters]))
        return false;
    return n == letters + 1 || is_digit(s[letters + 1]) || is_alpha(s[letters + 1]);
}

enum pcn_err pcn_ppg_district_parse(const char *s, size_t len, char *out)
{
    size_t n = 0;
    const char *t = s ? trim(s, len, &n) : "";
    char full[9];

    out[0] = '\0';
    if (n == 0)
        return PCN_OK;
    /* a full postcode: keep its outward code only */
    if (pcn_postcode_normalise(t, n, full) == PCN_OK) {
        const char *sp = strchr(full, ' ');
        t = full;
        n = sp ? (size_t)(sp - full) : strlen(full);
    }
    if (!is_outward(t, n))
        return PCN_EINVAL;
    for (size_t i = 0; i < n; i++)
        out[i] = is_alpha(t[i]) ? (char)(t[i] & ~0x20) : t[i];
    out[n] = '\0';
    return PCN_OK;
}

enum pcn_err pcn_ppg_quintile_parse(const char *s, size_t len, int *ret)
{
    size_t n = 0;
    const char *t = s ? trim(s, len, &n) : "";

    if (n == 0 || in_list(t, n, "not stated|not_stated|unknown")) {
        *ret = 0;
        return PCN_OK;
    }
    if (n == 1 && t[0] >= '1' && t[0] <= '5') {
        *ret = t[0] - '0';
        return PCN_OK;
    }
    return PCN_EINVAL;
}

/* ---- checks ---- */

/*
 * Valid UTF-8 without control characters (tab and newline too unless
 * multi_line). Overlong forms and surrogates are refused.
 */
static bool text_ok(const char *s, bool multi_line)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p) {
        unsigned c = *p;
        int more = c < 0x80             ? 0
                   : (c & 0xE0) == 0xC0 ? 1
                   : (c & 0xF0) == 0xE0 ? 2
                   : (c & 0xF8) == 0xF0 ? 3
                                        : -1;
        unsigned cp = more == 0 ? c : more == 1 ? (c & 0x1F) : more == 2 ? (c & 0x0F) : (c & 0x07);
        if (more < 0)
            return false;
        for (int i = 1; i <= more; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((more == 1 && cp < 0x80) || (more == 2 && cp < 0x800) ||
            (more == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        if (cp == 0x7F || (cp < 0x20 && !(multi_line && (cp == '\n' || cp == '\t'))))
            return false;
        p += more + 1;
    }
    return true;
}

/* A text field: required or not, within max bytes, clean. */
static enum pcn_err check_text(const char *field, const char *s, bool required, size_t max,
                               bool multi_line, struct pcn_error *reterr)
{
    size_t n = s ? strlen(s) : 0;
    size_t blank = 0;

    while (blank < n && (s[blank] == ' ' || s[blank] == '\t' || s[blank] == '\n'))
        blank++;
    if (!s || blank == n) {
        if (required)
            return pcn_error_set(reterr, PCN_EINVAL, "%s: required", field);
        return PCN_OK;
    }
    if (n > max)
        return pcn_error_set(reterr, PCN_EINVAL, "%s: longer than %zu bytes", field, max);
    if (!text_ok(s, multi_line))
        return pcn_error_set(reterr, PCN_EINVAL,
                             "%s: not valid UTF-8 text (or holds control characters)", field);
    return PCN_OK;
}

static enum pcn_err check_code(const char *field, enum pcn_ppg_vocab v, int value,
                               struct pcn_error *reterr)
{
    if (value < 0 || value >= pcn_ppg_count(v))
        return pcn_error_set(reterr, PCN_EINVAL, "%s: not a known value", field);
    return PCN_OK;
}

static enum pcn_err check_date(const char *field, int32_t d, bool required,
                               struct pcn_error *reterr)
{
    if (d == PCN_DATE_NONE)
        return required ? pcn_error_set(reterr, PCN_EINVAL, "%s: required (YYYY-MM-DD)", field)
                        : PCN_OK;
    if (d < PCN_DATE_MIN || d > PCN_DATE_MAX)
        return pcn_error_set(reterr, PCN_EINVAL, "%s: not a date", field);
    return PCN_OK;
}

static enum pcn_err check_people(int64_t people, struct pcn_error *reterr)
{
    if (people < -1 || people > PCN_PPG_PEOPLE_MAX)
        return pcn_error_set(reterr, PCN_EINVAL, "people: 0 to %d (or not known)",
                             PCN_PPG_PEOPLE_MAX);
    return PCN_OK;
}

enum pcn_err pcn_ppg_group_check(const struct pcn_ppg_group *g, struct pcn_error *reterr)
{
    enum pcn_err rc = PCN_OK;

    if (!g->network || !pcn_ods_is_valid(PCN_ODS_PCN, g->network, strlen(g->network)))
        return pcn_error_set(reterr, PCN_EINVAL, "network: not a PCN code (U and 5 digits)");
    if (g->practice && !pcn_ods_is_valid(PCN_ODS_PRACTICE, g->practice, strlen(g->practice)))
        return pcn_error_set(reterr, PCN_EINVAL, "practice: not a practice ODS code");
    rc = check_text("name", g->name, true, PCN_PPG_NAME_MAX, false, reterr);
    if (rc == PCN_OK)
        rc = check_date("formed", g->formed, false, reterr);
    return rc;
}

static bool email_ok(const char *s)
{
    const char *at = strchr(s, '@');

    if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.') || at[1] == '.')
        return false;
    for (const char *p = s; *p; p++) {
        if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == ',' || *p == ';')
            return false;
    }
    return s[strlen(s) - 1] != '.';
}

static bool phone_ok(const char *s)
{
    int digits = 0;

    for (const char *p = s; *p; p++) {
        if (is_digit(*p))
            digits++;
        else if (!strchr(" +()-", *p))
            return false;
    }
    return digits >= 6 && digits <= 15;
}

static enum pcn_err check_contact(const struct pcn_ppg_member *m, struct pcn_error *reterr)
{
    enum pcn_err rc =
        check_text("name", m->name, m->withdrawn == PCN_DATE_NONE, PCN_PPG_NAME_MAX, false, reterr);

    if (rc == PCN_OK)
        rc = check_text("email", m->email, false, PCN_PPG_EMAIL_MAX, false, reterr);
    if (rc == PCN_OK)
        rc = check_text("phone", m->phone, false, PCN_PPG_PHONE_MAX, false, reterr);
    if (rc != PCN_OK)
        return rc;
    if (m->email && *m->email && !email_ok(m->email))
        return pcn_error_set(reterr, PCN_EINVAL, "email: not an e-mail address");
    if (m->phone && *m->phone && !phone_ok(m->phone))
        return pcn_error_set(reterr, PCN_EINVAL,
                             "phone: 6 to 15 digits, with spaces, + ( ) - allowed");
    if (!m->consent && ((m->email && *m->email) || (m->phone && *m->phone)))
        return pcn_error_set(reterr, PCN_EINVAL,
                             "consent: contact details are kept only with consent to be "
                             "contacted");
    if (m->withdrawn != PCN_DATE_NONE &&
        (m->name || m->email || m->phone || m->district || m->consent))
        return pcn_error_set(reterr, PCN_EINVAL,
                             "withdrawn: a member who withdrew consent keeps no contact details");
    return PCN_OK;
}

static enum pcn_err check_facts(const struct pcn_ppg_member *m, struct pcn_error *reterr)
{
    char d[PCN_PPG_DISTRICT_SIZE];
    enum pcn_err rc = check_code("role", PCN_PPG_V_ROLE, (int)m->role, reterr);

    if (rc == PCN_OK)
        rc = check_code("age_band", PCN_PPG_V_AGE, (int)m->age, reterr);
    if (rc == PCN_OK)
        rc = check_code("sex", PCN_PPG_V_SEX, (int)m->sex, reterr);
    if (rc == PCN_OK)
        rc = check_code("ethnic_group", PCN_PPG_V_ETH, (int)m->eth, reterr);
    if (rc == PCN_OK)
        rc = check_code("carer", PCN_PPG_V_YESNO, (int)m->carer, reterr);
    if (rc == PCN_OK)
        rc = check_code("disability", PCN_PPG_V_YESNO, (int)m->disability, reterr);
    if (rc == PCN_OK)
        rc = check_code("long_term_condition", PCN_PPG_V_YESNO, (int)m->ltc, reterr);
    if (rc != PCN_OK)
        return rc;
    if (m->quintile < 0 || m->quintile > 5)
        return pcn_error_set(reterr, PCN_EINVAL, "deprivation_quintile: 1 to 5, or not stated");
    if (m->district && (strlen(m->district) >= PCN_PPG_DISTRICT_SIZE ||
                        pcn_ppg_district_parse(m->district, strlen(m->district), d) != PCN_OK ||
                        strcmp(d, m->district) != 0))
        return pcn_error_set(reterr, PCN_EINVAL,
                             "postcode_district: not a postcode district (e.g. TS18)");
    return PCN_OK;
}

enum pcn_err pcn_ppg_member_check(const struct pcn_ppg_member *m, struct pcn_error *reterr)
{
    enum pcn_err rc;

    if (m->group_id <= 0)
        return pcn_error_set(reterr, PCN_EINVAL, "group: required");
    rc = check_contact(m, reterr);
    if (rc == PCN_OK)
        rc = check_facts(m, reterr);
    if (rc == PCN_OK)
        rc = check_date("joined", m->joined, true, reterr);
    if (rc == PCN_OK)
        rc = check_date("left", m->left, false, reterr);
    if (rc == PCN_OK)
        rc = check_date("withdrawn", m->withdrawn, false, reterr);
    if (rc == PCN_OK && m->left != PCN_DATE_NONE && m->left < m->joined)
        rc = pcn_error_set(reterr, PCN_EINVAL, "left: before the member joined");
    return rc;
}

enum pcn_err pcn_ppg_activity_check(const struct pcn_ppg_activity *a, struct pcn_error *reterr)
{
    enum pcn_err rc;

    if (!a->network || !pcn_ods_is_valid(PCN_ODS_PCN, a->network, strlen(a->network)))
        return pcn_error_set(reterr, PCN_EINVAL, "network: not a PCN code (U and 5 digits)");
    rc = check_code("kind", PCN_PPG_V_KIND, (int)a->kind, reterr);
    if (rc == PCN_OK)
        rc = check_code("rung", PCN_PPG_V_RUNG, (int)a->rung, reterr);
    if (rc == PCN_OK)
        rc = check_text("title", a->title, true, PCN_PPG_TITLE_MAX, false, reterr);
    if (rc == PCN_OK)
        rc = check_text("questions", a->questions, false, PCN_PPG_TEXT_MAX, true, reterr);
    if (rc == PCN_OK)
        rc = check_text("heard", a->heard, false, PCN_PPG_TEXT_MAX, true, reterr);
    if (rc == PCN_OK)
        rc = check_date("held", a->held, true, reterr);
    if (rc == PCN_OK)
        rc = check_people(a->people, reterr);
    if (rc != PCN_OK)
        return rc;
    if (a->n_groups > PCN_PPG_GROUPS_MAX)
        return pcn_error_set(reterr, PCN_EINVAL, "groups: at most %d", PCN_PPG_GROUPS_MAX);
    for (size_t i = 0; i < a->n_groups; i++) {
        if (a->groups[i] <= 0)
            return pcn_error_set(reterr, PCN_EINVAL, "groups: not a group id");
        for (size_t j = 0; j < i; j++) {
            if (a->groups[j] == a->groups[i])
                return pcn_error_set(reterr, PCN_EINVAL, "groups: group %lld named twice",
                                     (long long)a->groups[i]);
        }
    }
    if (a->change_id < 0)
        return pcn_error_set(reterr, PCN_EINVAL, "change: not a change id");
    return PCN_OK;
}

static enum pcn_err check_response(const struct pcn_ppg_feedback *f, struct pcn_error *reterr)
{
    bool answered = f->response && *f->response;

    if (f->outcome != PCN_PPG_OUTCOME_OPEN && !answered)
        return pcn_error_set(reterr, PCN_EINVAL, "response: required once the outcome is %s",
                             pcn_ppg_code(PCN_PPG_V_OUTCOME, (int)f->outcome));
    if (answered && f->responded == PCN_DATE_NONE)
        return pcn_error_set(reterr, PCN_EINVAL, "responded: required with a response");
    if (f->responded != PCN_DATE_NONE && f->responded < f->received)
        return pcn_error_set(reterr, PCN_EINVAL, "responded: before the feedback was received");
    if (f->outcome == PCN_PPG_OUTCOME_NOT_POSSIBLE && !(f->reason && *f->reason))
        return pcn_error_set(reterr, PCN_EINVAL, "reason: say why it is not possible");
    if (f->outcome != PCN_PPG_OUTCOME_NOT_POSSIBLE && f->reason && *f->reason)
        return pcn_error_set(reterr, PCN_EINVAL, "reason: only for an outcome of not_possible");
    if (f->outcome_date != PCN_DATE_NONE && f->outcome_date < f->received)
        return pcn_error_set(reterr, PCN_EINVAL, "outcome_date: before the feedback was received");
    if (f->published && !answered)
        return pcn_error_set(reterr, PCN_EINVAL,
                             "published: only an answered item can be published");
    return PCN_OK;
}

enum pcn_err pcn_ppg_feedback_check(const struct pcn_ppg_feedback *f, struct pcn_error *reterr)
{
    enum pcn_err rc;

    if (!f->network || !pcn_ods_is_valid(PCN_ODS_PCN, f->network, strlen(f->network)))
        return pcn_error_set(reterr, PCN_EINVAL, "network: not a PCN code (U and 5 digits)");
    if (f->group_id < 0 || f->activity_id < 0)
        return pcn_error_set(reterr, PCN_EINVAL, "%s: not an id",
                             f->group_id < 0 ? "group" : "activity");
    rc = check_text("said", f->said, true, PCN_PPG_TEXT_MAX, true, reterr);
    if (rc == PCN_OK)
        rc = check_text("response", f->response, false, PCN_PPG_TEXT_MAX, true, reterr);
    if (rc == PCN_OK)
        rc = check_text("reason", f->reason, false, PCN_PPG_TEXT_MAX, true, reterr);
    if (rc == PCN_OK)
        rc = check_code("outcome", PCN_PPG_V_OUTCOME, (int)f->outcome, reterr);
    if (rc == PCN_OK)
        rc = check_date("received", f->received, true, reterr);
    if (rc == PCN_OK)
        rc = check_date("responded", f->responded, false, reterr);
    if (rc == PCN_OK)
        rc = check_date("outcome_date", f->outcome_date, false, reterr);
    if (rc == PCN_OK)
        rc = check_response(f, reterr);
    if (rc == PCN_OK && f->published) {
        rc = pcn_ppg_publishable("said", f->said, reterr);
        if (rc == PCN_OK)
            rc = pcn_ppg_publishable("response", f->response, reterr);
        if (rc == PCN_OK)
            rc = pcn_ppg_publishable("reason", f->reason, reterr);
    }
    return rc;
}

enum pcn_err pcn_ppg_change_check(const struct pcn_ppg_change *c, struct pcn_error *reterr)
{
    enum pcn_err rc;

    if (!c->network || !pcn_ods_is_valid(PCN_ODS_PCN, c->network, strlen(c->network)))
        return pcn_error_set(reterr, PCN_EINVAL, "network: not a PCN code (U and 5 digits)");
    rc = check_text("title", c->title, true, PCN_PPG_TITLE_MAX, false, reterr);
    if (rc == PCN_OK)
        rc = check_text("description", c->description, false, PCN_PPG_TEXT_MAX, true, reterr);
    if (rc == PCN_OK)
        rc = check_date("started", c->started, false, reterr);
    return rc;
}

enum pcn_err pcn_ppg_involvement_check(const struct pcn_ppg_involvement *v,
                                       struct pcn_error *reterr)
{
    bool has_who = v->who && *v->who;
    enum pcn_err rc;

    if (v->change_id <= 0)
        return pcn_error_set(reterr, PCN_EINVAL, "change: required");
    if (v->group_id < 0 || v->activity_id < 0)
        return pcn_error_set(reterr, PCN_EINVAL, "%s: not an id",
                             v->group_id < 0 ? "group" : "activity");
    if ((v->group_id > 0) == has_who)
        return pcn_error_set(reterr, PCN_EINVAL,
                             "who: name either a group or who else was involved, not both");
    rc = check_code("stage", PCN_PPG_V_STAGE, (int)v->stage, reterr);
    if (rc == PCN_OK)
        rc = check_code("rung", PCN_PPG_V_RUNG, (int)v->rung, reterr);
    if (rc == PCN_OK)
        rc = check_text("who", v->who, false, PCN_PPG_TITLE_MAX, false, reterr);
    if (rc == PCN_OK)
        rc = check_text("note", v->note, false, PCN_PPG_TEXT_MAX, true, reterr);
    if (rc == PCN_OK)
        rc = check_date("date", v->date, true, reterr);
    if (rc == PCN_OK)
        rc = check_people(v->people, reterr);
    return rc;
}

/* ---- personal data in published text ---- */

/* Ten digits from s (spaces and hyphens between them allowed); their length in *ret_len. */
static bool ten_digits(const char *s, char digits[11], size_t *ret_len)
{
    size_t n = 0, i = 0;

    for (; s[i] && n < 10; i++) {
        if (is_digit(s[i]))
            digits[n++] = s[i];
        else if (!(n > 0 && (s[i] == ' ' || s[i] == '-')))
            break;
    }
    digits[n] = '\0';
    *ret_len = i;
    return n == 10 && !is_digit(s[i]);
}

/* A run of 10-11 digits starting with 0 or +44: a UK telephone number. */
static bool phone_at(const char *s)
{
    int digits = 0;

    if (!(s[0] == '0' || (s[0] == '+' && s[1] == '4' && s[2] == '4')))
        return false;
    for (const char *p = s; *p && (is_digit(*p) || *p == ' ' || *p == '+' || *p == '-'); p++)
        digits += is_digit(*p);
    return digits >= 10 && digits <= 12;
}

enum pcn_err pcn_ppg_publishable(const char *field, const char *text, struct pcn_error *reterr)
{
    char digits[11];
    size_t len = 0;

    if (!text)
        return PCN_OK;
    for (const char *p = text; *p; p++) {
        bool starts = p == text || !is_digit(p[-1]);
        if (starts && is_digit(*p) && ten_digits(p, digits, &len) &&
            pcn_nhs_number_is_valid(digits, 10))
            return pcn_error_set(reterr, PCN_EINVAL,
                                 "%s: looks like it holds an NHS number; remove it before "
                                 "publishing",
                                 field);
        if (starts && phone_at(p))
            return pcn_error_set(reterr, PCN_EINVAL,
                                 "%s: looks like it holds a telephone number; remove it before "
                                 "publishing",
                                 field);
        if (*p == '@' && p > text && is_alpha(p[-1]) && strchr(p + 1, '.') && is_alpha(p[1]))
            return pcn_error_set(reterr, PCN_EINVAL,
                                 "%s: looks like it holds an e-mail address; remove it before "
                                 "publishing",
                                 field);
    }
    return PCN_OK;
}

int pcn_ppg_member_is_current(const struct pcn_ppg_member *m, int32_t d)
{
    return m->joined <= d && (m->left == PCN_DATE_NONE || m->left > d);
}

int pcn_ppg_financial_year(int32_t d)
{
    int y = 0, m = 0, day = 0;

    pcn_date_to_ymd(d, &y, &m, &day);
    return m >= 4 ? y : y - 1;
}
