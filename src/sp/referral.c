/*
 * referral.c - the referral state machine as one table, the names of every
 * enumeration the referral workflow uses, and the checks on sources,
 * contacts, goals and free text. Invariant: the transition table is the only
 * place that decides which moves are allowed; every message lists what is.
 */
#include "pcn/referral.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "pcn/asset.h"
#include "pcn/csv.h"
#include "pcn/parse.h"
#include "util/common.h"

static const char *const state_names[PCN_REFERRAL_STATE_COUNT_] = {
    "received",  "contacted", "first_appointment", "plan_agreed",
    "connected", "closed",    "declined",          "not_contactable",
};

#define S(x) (1u << PCN_REFERRAL_##x)

/* allowed[from] is the set of states `from` may move to. */
static const unsigned allowed[PCN_REFERRAL_STATE_COUNT_] = {
    [PCN_REFERRAL_RECEIVED] = S(CONTACTED) | S(CLOSED) | S(DECLINED) | S(NOT_CONTACTABLE),
    [PCN_REFERRAL_CONTACTED] = S(FIRST_APPOINTMENT) | S(CLOSED) | S(DECLINED) | S(NOT_CONTACTABLE),
    [PCN_REFERRAL_FIRST_APPOINTMENT] = S(PLAN_AGREED) | S(CLOSED) | S(DECLINED),
    [PCN_REFERRAL_PLAN_AGREED] = S(CONNECTED) | S(CLOSED),
    [PCN_REFERRAL_CONNECTED] = S(CLOSED),
    [PCN_REFERRAL_CLOSED] = 0,
    [PCN_REFERRAL_DECLINED] = 0,
    [PCN_REFERRAL_NOT_CONTACTABLE] = S(CONTACTED) | S(CLOSED),
};

#undef S

static const char *const close_names[PCN_CLOSE_REASON_COUNT_] = {
    "",           "goals_met", "connected",     "referred_on", "disengaged",
    "moved_away", "died",      "inappropriate", "duplicate",   "other",
};

static const char *const source_names[PCN_SOURCE_COUNT_] = {
    "clinician",
    "practice",
    "self",
    "community_group",
};

static const char *const channel_names[PCN_CHANNEL_COUNT_] = {"", "patient_view", "worklist"};

static const char *const contact_names[PCN_CONTACT_TYPE_COUNT_] = {
    "face_to_face", "telephone", "video", "home_visit", "group", "message",
};

static const char *const goal_names[PCN_GOAL_STATUS_COUNT_] = {
    "open", "achieved", "partly_achieved", "not_achieved", "dropped",
};

static const char *const attendance_names[PCN_ATTENDANCE_COUNT_] = {
    "unknown",
    "attended",
    "did_not_attend",
};

/* Name i of a table of n, or NULL when out of range. */
static const char *name_of(const char *const *names, size_t n, unsigned i)
{
    return i < n ? names[i] : NULL;
}

/* Index of s in a table of n (exact match), written to *ret; PCN_EINVAL if absent or empty. */
static enum pcn_err index_of(const char *const *names, size_t n, const char *s, unsigned *ret)
{
    if (!s || !*s)
        return PCN_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s, names[i]) == 0) {
            *ret = (unsigned)i;
            return PCN_OK;
        }
    }
    return PCN_EINVAL;
}

#define NAME(table, v) name_of((table), PCN_ARRAY_SIZE(table), (unsigned)(v))

const char *pcn_referral_state_name(enum pcn_referral_state s)
{
    return NAME(state_names, s);
}

enum pcn_err pcn_referral_state_parse(const char *s, enum pcn_referral_state *ret)
{
    unsigned i = 0;
    enum pcn_err rc = index_of(state_names, PCN_ARRAY_SIZE(state_names), s, &i);

    if (rc == PCN_OK)
        *ret = (enum pcn_referral_state)i;
    return rc;
}

int pcn_referral_state_is_open(enum pcn_referral_state s)
{
    return s <= PCN_REFERRAL_CONNECTED;
}

int pcn_referral_state_is_final(enum pcn_referral_state s)
{
    return s == PCN_REFERRAL_CLOSED || s == PCN_REFERRAL_DECLINED;
}

int pcn_referral_transition_allowed(enum pcn_referral_state from, enum pcn_referral_state to)
{
    if ((unsigned)from >= PCN_REFERRAL_STATE_COUNT_ || (unsigned)to >= PCN_REFERRAL_STATE_COUNT_)
        return 0;
    return (allowed[from] >> to) & 1u;
}

size_t pcn_referral_next_states(enum pcn_referral_state from,
                                enum pcn_referral_state ret[PCN_REFERRAL_STATE_COUNT_])
{
    size_t n = 0;

    for (int to = 0; to < PCN_REFERRAL_STATE_COUNT_; to++) {
        if (pcn_referral_transition_allowed(from, (enum pcn_referral_state)to))
            ret[n++] = (enum pcn_referral_state)to;
    }
    return n;
}

const char *pcn_close_reason_name(enum pcn_close_reason r)
{
    return NAME(close_names, r);
}

enum pcn_err pcn_close_reason_parse(const char *s, enum pcn_close_reason *ret)
{
    unsigned i = 0;
    enum pcn_err rc = index_of(close_names + 1, PCN_ARRAY_SIZE(close_names) - 1, s, &i);

    if (rc == PCN_OK)
        *ret = (enum pcn_close_reason)(i + 1);
    return rc;
}

enum pcn_err pcn_referral_check_transition(enum pcn_referral_state from, enum pcn_referral_state to,
                                           enum pcn_close_reason reason, struct pcn_error *reterr)
{
    const char *f = pcn_referral_state_name(from);
    const char *t = pcn_referral_state_name(to);

    if (!f || !t)
        return pcn_error_set(reterr, PCN_EINVAL, "unknown referral state");
    if ((unsigned)reason >= PCN_CLOSE_REASON_COUNT_)
        return pcn_error_set(reterr, PCN_EINVAL, "unknown closing reason");
    if (!pcn_referral_transition_allowed(from, to)) {
        if (pcn_referral_state_is_final(from))
            return pcn_error_set(reterr, PCN_ECONFLICT,
                                 "a referral in state '%s' cannot move to '%s' ('%s' is final)", f,
                                 t, f);
        char list[160] = "";
        size_t used = 0;
        enum pcn_referral_state next[PCN_REFERRAL_STATE_COUNT_];
        size_t n = pcn_referral_next_states(from, next);
        for (size_t i = 0; i < n && used < sizeof(list); i++) {
            int w = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
                             pcn_referral_state_name(next[i]));
            used += w > 0 ? (size_t)w : 0;
        }
        return pcn_error_set(reterr, PCN_ECONFLICT,
                             "a referral in state '%s' cannot move to '%s' (allowed: %s)", f, t,
                             list);
    }
    if (to == PCN_REFERRAL_CLOSED && reason == PCN_CLOSE_NONE)
        return pcn_error_set(reterr, PCN_EINVAL, "closing a referral needs a reason");
    if (to != PCN_REFERRAL_CLOSED && reason != PCN_CLOSE_NONE)
        return pcn_error_set(reterr, PCN_EINVAL, "a reason is given only when closing ('%s' given)",
                             pcn_close_reason_name(reason));
    return PCN_OK;
}

enum pcn_err pcn_referral_check_history(const struct pcn_referral_transition *t, size_t n,
                                        struct pcn_error *reterr)
{
    enum pcn_referral_state at = PCN_REFERRAL_RECEIVED;
    pcn_usec_t last = INT64_MIN;

    for (size_t i = 0; i < n; i++) {
        if (t[i].from != at)
            return pcn_error_set(
                reterr, PCN_ECONFLICT, "transition %zu: starts from '%s' but the referral is '%s'",
                i + 1,
                pcn_referral_state_name(t[i].from) ? pcn_referral_state_name(t[i].from) : "?",
                pcn_referral_state_name(at));
        enum pcn_err rc = pcn_referral_check_transition(t[i].from, t[i].to, t[i].reason, reterr);
        if (rc != PCN_OK) {
            pcn_error_prefix(reterr, "transition %zu: ", i + 1);
            return rc;
        }
        if (t[i].at < last)
            return pcn_error_set(reterr, PCN_EINVAL, "transition %zu: earlier than the one before",
                                 i + 1);
        if (!t[i].by || !*t[i].by)
            return pcn_error_set(reterr, PCN_EINVAL, "transition %zu: who made it is missing",
                                 i + 1);
        if (t[i].note) {
            rc = pcn_text_check("note", t[i].note, PCN_NOTE_MAX, reterr);
            if (rc != PCN_OK) {
                pcn_error_prefix(reterr, "transition %zu: ", i + 1);
                return rc;
            }
        }
        at = t[i].to;
        last = t[i].at;
    }
    return PCN_OK;
}

const char *pcn_referral_source_name(enum pcn_referral_source s)
{
    return NAME(source_names, s);
}

enum pcn_err pcn_referral_source_parse(const char *s, enum pcn_referral_source *ret)
{
    unsigned i = 0;
    enum pcn_err rc = index_of(source_names, PCN_ARRAY_SIZE(source_names), s, &i);

    if (rc == PCN_OK)
        *ret = (enum pcn_referral_source)i;
    return rc;
}

const char *pcn_referral_channel_name(enum pcn_referral_channel c)
{
    return NAME(channel_names, c);
}

enum pcn_err pcn_referral_channel_parse(const char *s, enum pcn_referral_channel *ret)
{
    unsigned i = 0;

    if (s && !*s) {
        *ret = PCN_CHANNEL_NONE;
        return PCN_OK;
    }
    enum pcn_err rc = index_of(channel_names + 1, PCN_ARRAY_SIZE(channel_names) - 1, s, &i);
    if (rc == PCN_OK)
        *ret = (enum pcn_referral_channel)(i + 1);
    return rc;
}

static bool blank(const char *s)
{
    if (!s)
        return true;
    for (; *s; s++) {
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    }
    return true;
}

enum pcn_err pcn_referral_check_source(enum pcn_referral_source s, enum pcn_referral_channel c,
                                       const char *referrer, const char *worklist,
                                       struct pcn_error *reterr)
{
    if (!pcn_referral_source_name(s) || !pcn_referral_channel_name(c))
        return pcn_error_set(reterr, PCN_EINVAL, "unknown referral source");
    if (c != PCN_CHANNEL_NONE && s != PCN_SOURCE_CLINICIAN)
        return pcn_error_set(
            reterr, PCN_EINVAL, "only a clinician refers from a %s (source is '%s')",
            c == PCN_CHANNEL_WORKLIST ? "worklist" : "patient view", pcn_referral_source_name(s));
    if (s == PCN_SOURCE_COMMUNITY_GROUP && blank(referrer))
        return pcn_error_set(reterr, PCN_EINVAL, "a community group referral names the group");
    if (c == PCN_CHANNEL_WORKLIST && blank(worklist))
        return pcn_error_set(reterr, PCN_EINVAL, "a worklist referral names the worklist");
    if (c != PCN_CHANNEL_WORKLIST && !blank(worklist))
        return pcn_error_set(reterr, PCN_EINVAL,
                             "a worklist is named only for a worklist referral");
    enum pcn_err rc = referrer ? pcn_text_check("referrer", referrer, 200, reterr) : PCN_OK;
    if (rc == PCN_OK && worklist)
        rc = pcn_text_check("worklist", worklist, 200, reterr);
    return rc;
}

const char *pcn_contact_type_name(enum pcn_contact_type t)
{
    return NAME(contact_names, t);
}

enum pcn_err pcn_contact_type_parse(const char *s, enum pcn_contact_type *ret)
{
    unsigned i = 0;
    enum pcn_err rc = index_of(contact_names, PCN_ARRAY_SIZE(contact_names), s, &i);

    if (rc == PCN_OK)
        *ret = (enum pcn_contact_type)i;
    return rc;
}

enum pcn_err pcn_contact_check(const struct pcn_contact *c, pcn_usec_t now,
                               struct pcn_error *reterr)
{
    const pcn_usec_t slack = INT64_C(300000000); /* 5 minutes of clock difference */

    if (!pcn_contact_type_name(c->type))
        return pcn_error_set(reterr, PCN_EINVAL, "type: unknown contact type");
    if (c->minutes < 0 || c->minutes > PCN_CONTACT_MAX_MINUTES)
        return pcn_error_set(reterr, PCN_EINVAL, "minutes: %d is outside 0-%d", c->minutes,
                             PCN_CONTACT_MAX_MINUTES);
    if (c->minutes == 0 && c->successful && c->type != PCN_CONTACT_MESSAGE)
        return pcn_error_set(
            reterr, PCN_EINVAL,
            "minutes: a %s contact that reached the person takes at least a minute",
            pcn_contact_type_name(c->type));
    if (c->at <= 0)
        return pcn_error_set(reterr, PCN_EINVAL, "at: the time of the contact is missing");
    if (c->at > now + slack)
        return pcn_error_set(reterr, PCN_EINVAL, "at: the contact is in the future");
    if (blank(c->by))
        return pcn_error_set(reterr, PCN_EINVAL, "by: who made the contact is missing");
    return c->notes ? pcn_text_check("notes", c->notes, PCN_NOTE_MAX, reterr) : PCN_OK;
}

const char *pcn_goal_status_name(enum pcn_goal_status s)
{
    return NAME(goal_names, s);
}

enum pcn_err pcn_goal_status_parse(const char *s, enum pcn_goal_status *ret)
{
    unsigned i = 0;
    enum pcn_err rc = index_of(goal_names, PCN_ARRAY_SIZE(goal_names), s, &i);

    if (rc == PCN_OK)
        *ret = (enum pcn_goal_status)i;
    return rc;
}

enum pcn_err pcn_goal_check_text(const char *text, struct pcn_error *reterr)
{
    if (blank(text))
        return pcn_error_set(reterr, PCN_EINVAL, "goal: the goal is empty");
    return pcn_text_check("goal", text, PCN_GOAL_TEXT_MAX, reterr);
}

const char *pcn_attendance_name(enum pcn_attendance a)
{
    return NAME(attendance_names, a);
}

enum pcn_err pcn_attendance_parse(const char *s, enum pcn_attendance *ret)
{
    unsigned i = 0;
    enum pcn_err rc = index_of(attendance_names, PCN_ARRAY_SIZE(attendance_names), s, &i);

    if (rc == PCN_OK)
        *ret = (enum pcn_attendance)i;
    return rc;
}

enum pcn_err pcn_text_check(const char *field, const char *s, size_t max, struct pcn_error *reterr)
{
    size_t len = s ? strlen(s) : 0;

    if (len > max)
        return pcn_error_set(reterr, PCN_ELIMIT, "%s: %zu bytes is over the limit of %zu", field,
                             len, max);
    if (!pcn_utf8_valid(s ? s : "", len))
        return pcn_error_set(reterr, PCN_EINVAL, "%s: not valid UTF-8", field);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch < 0x20 && ch != '\n' && ch != '\t' && ch != '\r') || ch == 0x7f)
            return pcn_error_set(reterr, PCN_EINVAL, "%s: control character at byte %zu", field,
                                 i + 1);
    }
    return PCN_OK;
}

/* A name-like field: present when required, within the name limit, clean. */
static enum pcn_err check_name(const char *field, const char *s, bool required,
                               struct pcn_error *reterr)
{
    if (required && blank(s))
        return pcn_error_set(reterr, PCN_EINVAL, "%s: missing", field);
    return pcn_text_check(field, s ? s : "", PCN_REFERRAL_NAME_MAX, reterr);
}

enum pcn_err pcn_referral_check(const struct pcn_referral *r, struct pcn_error *reterr)
{
    enum pcn_err rc = check_name("patient_id", r->patient_id, true, reterr);

    if (rc == PCN_OK)
        rc = check_name("created_by", r->created_by, true, reterr);
    if (rc == PCN_OK)
        rc = check_name("link_worker", r->link_worker, false, reterr);
    if (rc == PCN_OK)
        rc = pcn_referral_check_source(r->source, r->channel, r->referrer, r->worklist, reterr);
    if (rc == PCN_OK)
        rc = pcn_text_check("reason", r->reason ? r->reason : "", PCN_REFERRAL_TEXT_MAX, reterr);
    if (rc == PCN_OK)
        rc = pcn_text_check("what_matters", r->what_matters ? r->what_matters : "",
                            PCN_REFERRAL_TEXT_MAX, reterr);
    if (rc != PCN_OK)
        return rc;
    if (!pcn_referral_state_name(r->state))
        return pcn_error_set(reterr, PCN_EINVAL, "state: unknown referral state");
    if ((unsigned)r->close_reason >= PCN_CLOSE_REASON_COUNT_)
        return pcn_error_set(reterr, PCN_EINVAL, "close_reason: unknown reason");
    if ((r->state == PCN_REFERRAL_CLOSED) != (r->close_reason != PCN_CLOSE_NONE))
        return pcn_error_set(reterr, PCN_EINVAL,
                             r->state == PCN_REFERRAL_CLOSED
                                 ? "close_reason: a closed referral needs a reason"
                                 : "close_reason: only a closed referral has a reason");
    if (r->needs & ~PCN_ASSET_ALL_CATEGORIES)
        return pcn_error_set(reterr, PCN_EINVAL, "needs: unknown category");
    if (r->received_at <= 0)
        return pcn_error_set(reterr, PCN_EINVAL, "received_at: missing");
    return PCN_OK;
}

enum pcn_err pcn_sp_time_parse(const char *s, size_t len, pcn_usec_t *ret)
{
    const int64_t usec_per_minute = INT64_C(60000000);
    int32_t day = 0;
    int64_t h = 12, m = 0, sec = 0;

    if (len < 10 || pcn_date_parse(s, 10, &day) != PCN_OK)
        return PCN_EINVAL;
    /* a day alone is noon, so no time zone moves it to another day */
    bool timed = (len == 16 || (len == 20 && s[16] == ':' && s[19] == 'Z')) && s[10] == 'T' &&
                 s[13] == ':' && pcn_parse_range(s + 11, 2, 0, 23, &h) == PCN_OK &&
                 pcn_parse_range(s + 14, 2, 0, 59, &m) == PCN_OK &&
                 (len == 16 || pcn_parse_range(s + 17, 2, 0, 59, &sec) == PCN_OK);
    if (len != 10 && !timed)
        return PCN_EINVAL;
    *ret = (pcn_usec_t)day * INT64_C(86400000000) + (h * 60 + m) * usec_per_minute +
           sec * INT64_C(1000000);
    return PCN_OK;
}
