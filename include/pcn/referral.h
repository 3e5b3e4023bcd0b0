/*
 * referral.h - the social prescribing referral: who referred the person
 * and how, the states a referral moves through (one table of allowed
 * transitions, each transition stamped with when and by whom), the
 * contacts a link worker records, the personalised plan ("what matters to
 * me") with its goals, and the community assets the person was connected
 * to with whether they went.
 *
 *   received --> contacted --> first_appointment --> plan_agreed --> connected
 *       \            \               \                    \             \
 *        +------------+---------------+--------------------+-------------+--> closed (reason)
 *   received, contacted, first_appointment --> declined
 *   received, contacted --> not_contactable --> contacted (the person got in touch) or closed
 *
 * closed and declined are final; a person who comes back gets a new
 * referral. Names are the lower-case keys used in files and the API.
 * Pure functions and value types; thread-safe.
 */
#ifndef PCN_REFERRAL_H
#define PCN_REFERRAL_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/date.h"
#include "pcn/error.h"

enum pcn_referral_state {
    PCN_REFERRAL_RECEIVED,
    PCN_REFERRAL_CONTACTED,
    PCN_REFERRAL_FIRST_APPOINTMENT,
    PCN_REFERRAL_PLAN_AGREED,
    PCN_REFERRAL_CONNECTED,
    PCN_REFERRAL_CLOSED,
    PCN_REFERRAL_DECLINED,
    PCN_REFERRAL_NOT_CONTACTABLE,
    PCN_REFERRAL_STATE_COUNT_
};

/* "received", "contacted", "first_appointment", "plan_agreed", "connected", "closed", ... */
const char *pcn_referral_state_name(enum pcn_referral_state s);
enum pcn_err pcn_referral_state_parse(const char *s, enum pcn_referral_state *ret);

/*
 * Open: on a link worker's caseload (received .. connected). closed,
 * declined and not_contactable are not open (not_contactable may still
 * move back to contacted).
 */
int pcn_referral_state_is_open(enum pcn_referral_state s);
/* Final: nothing may follow (closed, declined). */
int pcn_referral_state_is_final(enum pcn_referral_state s);

/* True if the table allows from -> to. */
int pcn_referral_transition_allowed(enum pcn_referral_state from, enum pcn_referral_state to);

/*
 * The states reachable from `from`, written to ret (room for
 * PCN_REFERRAL_STATE_COUNT_), in state order; returns how many.
 */
size_t pcn_referral_next_states(enum pcn_referral_state from,
                                enum pcn_referral_state ret[PCN_REFERRAL_STATE_COUNT_]);

/* Why a referral was closed. */
enum pcn_close_reason {
    PCN_CLOSE_NONE = 0,      /* not closed */
    PCN_CLOSE_GOALS_MET,     /* plan's goals met */
    PCN_CLOSE_CONNECTED,     /* connected to support, no further link-worker input needed */
    PCN_CLOSE_REFERRED_ON,   /* needs another (statutory or clinical) service */
    PCN_CLOSE_DISENGAGED,    /* stopped taking part */
    PCN_CLOSE_MOVED_AWAY,    /* left the area or the practice */
    PCN_CLOSE_DIED,          /* died */
    PCN_CLOSE_INAPPROPRIATE, /* referral not suitable for social prescribing */
    PCN_CLOSE_DUPLICATE,     /* another open referral covers it */
    PCN_CLOSE_OTHER,         /* see the note */
    PCN_CLOSE_REASON_COUNT_
};

/* "goals_met", "connected", "referred_on", ...; "" for PCN_CLOSE_NONE. */
const char *pcn_close_reason_name(enum pcn_close_reason r);
enum pcn_err pcn_close_reason_parse(const char *s, enum pcn_close_reason *ret);

/*
 * Check a transition before it is made. Errors (PCN_ECONFLICT for a move
 * the table forbids, PCN_EINVAL for a missing or misplaced reason), with a
 * message naming the states and what is allowed, e.g.
 * "a referral in state 'closed' cannot move to 'contacted' ('closed' is final)" or
 * "a referral in state 'received' cannot move to 'connected' (allowed: contacted, closed,
 * declined, not_contactable)" or "closing a referral needs a reason".
 * Closing needs a reason; no other move takes one.
 */
enum pcn_err pcn_referral_check_transition(enum pcn_referral_state from, enum pcn_referral_state to,
                                           enum pcn_close_reason reason, struct pcn_error *reterr);

/* One step of a referral's history. Strings borrowed. */
struct pcn_referral_transition {
    enum pcn_referral_state from;
    enum pcn_referral_state to;
    pcn_usec_t at;  /* when it was recorded */
    const char *by; /* user name of who made it; never NULL */
    enum pcn_close_reason reason;
    const char *note; /* may be NULL */
};

/*
 * Check a whole history, as an importer or the store does: the first step
 * starts from received, each step follows the previous one's target, each
 * is allowed, times do not go backwards, every step names who made it.
 * PCN_EINVAL/PCN_ECONFLICT with "transition N: ..." otherwise.
 */
enum pcn_err pcn_referral_check_history(const struct pcn_referral_transition *t, size_t n,
                                        struct pcn_error *reterr);

/* Who referred the person. */
enum pcn_referral_source {
    PCN_SOURCE_CLINICIAN,       /* a GP or other clinician */
    PCN_SOURCE_PRACTICE,        /* practice staff (reception, care navigation, admin) */
    PCN_SOURCE_SELF,            /* the person themselves */
    PCN_SOURCE_COMMUNITY_GROUP, /* a community or voluntary group */
    PCN_SOURCE_COUNT_
};

/* "clinician", "practice", "self", "community_group". */
const char *pcn_referral_source_name(enum pcn_referral_source s);
enum pcn_err pcn_referral_source_parse(const char *s, enum pcn_referral_source *ret);

/* Where in OpenPCN a clinician's referral was made from. */
enum pcn_referral_channel {
    PCN_CHANNEL_NONE,         /* not made in OpenPCN (recorded by the link worker) */
    PCN_CHANNEL_PATIENT_VIEW, /* from the patient's record */
    PCN_CHANNEL_WORKLIST,     /* from a worklist row */
    PCN_CHANNEL_COUNT_
};

/* "", "patient_view", "worklist". */
const char *pcn_referral_channel_name(enum pcn_referral_channel c);
enum pcn_err pcn_referral_channel_parse(const char *s, enum pcn_referral_channel *ret);

/*
 * Check a source and its details: a community group referral names the
 * group (referrer); the patient-view and worklist channels are for
 * clinician referrals only; a worklist referral names the worklist.
 * PCN_EINVAL with a message otherwise.
 */
enum pcn_err pcn_referral_check_source(enum pcn_referral_source s, enum pcn_referral_channel c,
                                       const char *referrer, const char *worklist,
                                       struct pcn_error *reterr);

/* How a link worker was in touch with the person. */
enum pcn_contact_type {
    PCN_CONTACT_FACE_TO_FACE,
    PCN_CONTACT_TELEPHONE,
    PCN_CONTACT_VIDEO,
    PCN_CONTACT_HOME_VISIT,
    PCN_CONTACT_GROUP,   /* a group session the link worker ran or attended with the person */
    PCN_CONTACT_MESSAGE, /* text, email or letter */
    PCN_CONTACT_TYPE_COUNT_
};

/* "face_to_face", "telephone", "video", "home_visit", "group", "message". */
const char *pcn_contact_type_name(enum pcn_contact_type t);
enum pcn_err pcn_contact_type_parse(const char *s, enum pcn_contact_type *ret);

/* Limits on what a contact may hold. */
#define PCN_CONTACT_MAX_MINUTES 480
#define PCN_NOTE_MAX 4000 /* bytes of any free-text note */

/* A contact. Strings borrowed. */
struct pcn_contact {
    int64_t id;          /* the store's id; 0 for a new one */
    int64_t referral_id; /* the referral it belongs to */
    pcn_usec_t at;       /* when it happened */
    enum pcn_contact_type type;
    int minutes;       /* 0-480; 0 allowed for a message */
    int successful;    /* nonzero if the person was reached */
    const char *by;    /* the link worker */
    const char *notes; /* may be NULL; at most PCN_NOTE_MAX bytes of UTF-8 */
};

/*
 * Check a contact: duration 1-480 minutes (0 only for a message or an
 * unsuccessful attempt), not after `now` (plus 5 minutes of clock slack),
 * notes valid UTF-8 within the limit, `by` present. PCN_EINVAL with the
 * field named.
 */
enum pcn_err pcn_contact_check(const struct pcn_contact *c, pcn_usec_t now,
                               struct pcn_error *reterr);

/* A goal of the personalised plan. */
enum pcn_goal_status {
    PCN_GOAL_OPEN,
    PCN_GOAL_ACHIEVED,
    PCN_GOAL_PARTLY_ACHIEVED,
    PCN_GOAL_NOT_ACHIEVED,
    PCN_GOAL_DROPPED, /* the person no longer wants it */
    PCN_GOAL_STATUS_COUNT_
};

/* "open", "achieved", "partly_achieved", "not_achieved", "dropped". */
const char *pcn_goal_status_name(enum pcn_goal_status s);
enum pcn_err pcn_goal_status_parse(const char *s, enum pcn_goal_status *ret);

#define PCN_GOAL_TEXT_MAX 500
#define PCN_PLAN_MAX_GOALS 20

/* Goal text: 1-500 bytes of UTF-8 with something other than spaces. */
enum pcn_err pcn_goal_check_text(const char *text, struct pcn_error *reterr);

/* Whether the person went to an asset they were connected to. */
enum pcn_attendance {
    PCN_ATTENDANCE_UNKNOWN,  /* not yet known */
    PCN_ATTENDANCE_ATTENDED, /* went at least once */
    PCN_ATTENDANCE_DID_NOT_ATTEND,
    PCN_ATTENDANCE_COUNT_
};

/* "unknown", "attended", "did_not_attend". */
const char *pcn_attendance_name(enum pcn_attendance a);
enum pcn_err pcn_attendance_parse(const char *s, enum pcn_attendance *ret);

/* A goal of a personalised plan. Strings borrowed. */
struct pcn_goal {
    int64_t id; /* the store's id; 0 for a new one */
    int64_t referral_id;
    int64_t version;  /* row version (optimistic concurrency) */
    const char *text; /* what the person wants to achieve, in their words */
    enum pcn_goal_status status;
    int32_t target_date; /* PCN_DATE_NONE if none */
    pcn_usec_t updated_at;
};

/* A connection of the person to a community asset. Strings borrowed. */
struct pcn_connection {
    int64_t id; /* the store's id; 0 for a new one */
    int64_t referral_id;
    int64_t version;
    int64_t asset_id;     /* the directory's asset */
    int32_t connected_on; /* date the link worker made the connection */
    enum pcn_attendance attendance;
    const char *note; /* may be "" */
    pcn_usec_t updated_at;
};

/* A completed wellbeing questionnaire. */
struct pcn_outcome {
    int64_t id; /* the store's id; 0 for a new one */
    int64_t referral_id;
    int instrument;          /* enum pcn_instrument (pcn/wellbeing.h) */
    pcn_usec_t at;           /* when it was completed */
    const char *recorded_by; /* user who recorded it */
    int items[14];           /* the answers; items past the instrument's count are ignored */
};

/* Limits of a referral's text. */
#define PCN_REFERRAL_TEXT_MAX 2000 /* reason, what matters to me */
#define PCN_REFERRAL_NAME_MAX 200  /* referrer, worklist, user names */

/* A social prescribing referral. Strings borrowed in calls; "" means not given. */
struct pcn_referral {
    int64_t id;      /* the store's id; 0 for a new one */
    int64_t version; /* row version: 1 when created, one more with every change */
    const char *patient_id;
    enum pcn_referral_source source;
    enum pcn_referral_channel channel;
    const char *referrer;    /* the clinician, staff member or group who referred */
    const char *worklist;    /* the worklist, for a worklist referral */
    const char *reason;      /* why the person was referred */
    uint32_t needs;          /* asset categories asked for (pcn/asset.h bits); may be 0 */
    pcn_usec_t received_at;  /* when the referral arrived */
    const char *created_by;  /* the user who recorded it */
    const char *link_worker; /* the link worker it is assigned to; "" if not yet */
    enum pcn_referral_state state;
    enum pcn_close_reason close_reason; /* PCN_CLOSE_NONE unless closed */
    const char *what_matters;           /* the plan's "what matters to me"; "" before a plan */
    pcn_usec_t updated_at;              /* last change */
};

/*
 * Check a referral before it is stored: patient and creator present, a
 * known source with consistent details (pcn_referral_check_source), known
 * state and reason (a closed referral has one, others none), needs within
 * the twelve categories, texts within their limits, received_at set.
 * PCN_EINVAL/PCN_ELIMIT naming the field.
 */
enum pcn_err pcn_referral_check(const struct pcn_referral *r, struct pcn_error *reterr);

/*
 * Check a free-text field: at most max bytes, valid UTF-8, no control
 * characters other than newline, carriage return and tab. `field` names it in the message.
 */
enum pcn_err pcn_text_check(const char *field, const char *s, size_t max, struct pcn_error *reterr);

/*
 * When something happened, as written by people and by the API (UTC):
 * "YYYY-MM-DD" (noon of that day), "YYYY-MM-DDThh:mm" or
 * "YYYY-MM-DDThh:mm:ssZ" (pcn_instant_format()'s form, so a time read
 * back can be sent again). PCN_EINVAL for anything else.
 */
enum pcn_err pcn_sp_time_parse(const char *s, size_t len, pcn_usec_t *ret);

#endif /* PCN_REFERRAL_H */
