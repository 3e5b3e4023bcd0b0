/*
 * ppg.h - the patient partnership domain's value types: patient
 * participation groups (a practice's PPG or a network-level group), their
 * members and the demographic facts a member chooses to give, engagement
 * activities on the ladder of involvement, "you said, we did" feedback,
 * and the co-production record of service changes (who was involved at
 * which stage of the commissioning cycle). Rules: docs/engagement.md.
 *
 * Every vocabulary has stable lower-case codes (what the store, CSV and
 * JSON carry), a plain-English label, and a parser that accepts the code
 * and a few common spellings. Demographic facts may always be "not
 * stated" (code "not_stated"; a blank parses as it). Members are not
 * patients: nothing here refers to a patient record.
 *
 * Strings in the record structs are borrowed from whoever fills them.
 */
#ifndef PCN_PPG_H
#define PCN_PPG_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/error.h"

/* ---- vocabularies ---- */

/* A member's age band. Comparisons use the adult bands (18 and over). */
enum pcn_ppg_age {
    PCN_PPG_AGE_NOT_STATED,
    PCN_PPG_AGE_UNDER_18, /* "0-17": may join; not compared with the adult list */
    PCN_PPG_AGE_18_24,
    PCN_PPG_AGE_25_34,
    PCN_PPG_AGE_35_44,
    PCN_PPG_AGE_45_54,
    PCN_PPG_AGE_55_64,
    PCN_PPG_AGE_65_74,
    PCN_PPG_AGE_75_84,
    PCN_PPG_AGE_85_PLUS,
    PCN_PPG_AGE_COUNT_
};

/* First and last year of age of a band (85+: 85 and PCN_PPG_AGE_TOP). */
#define PCN_PPG_AGE_TOP 100
void pcn_ppg_age_years(enum pcn_ppg_age a, int *ret_from, int *ret_to);

enum pcn_ppg_sex {
    PCN_PPG_SEX_NOT_STATED,
    PCN_PPG_SEX_FEMALE,
    PCN_PPG_SEX_MALE,
    PCN_PPG_SEX_OTHER, /* describes their sex another way */
    PCN_PPG_SEX_COUNT_
};

/* The five high-level ethnic groups of the 2021 Census (NHS ethnic category A-S). */
enum pcn_ppg_eth {
    PCN_PPG_ETH_NOT_STATED,
    PCN_PPG_ETH_WHITE,
    PCN_PPG_ETH_MIXED,
    PCN_PPG_ETH_ASIAN,
    PCN_PPG_ETH_BLACK,
    PCN_PPG_ETH_OTHER,
    PCN_PPG_ETH_COUNT_
};

/* Carer, disability, long-term condition: yes, no or not stated. */
enum pcn_ppg_yesno { PCN_PPG_YESNO_NOT_STATED, PCN_PPG_YES, PCN_PPG_NO, PCN_PPG_YESNO_COUNT_ };

enum pcn_ppg_role {
    PCN_PPG_ROLE_MEMBER,
    PCN_PPG_ROLE_CHAIR,
    PCN_PPG_ROLE_VIRTUAL, /* a virtual member: takes part by email or online only */
    PCN_PPG_ROLE_COUNT_
};

enum pcn_ppg_kind {
    PCN_PPG_KIND_SURVEY,
    PCN_PPG_KIND_MEETING,
    PCN_PPG_KIND_FOCUS_GROUP,
    PCN_PPG_KIND_CO_DESIGN,    /* co-design workshop */
    PCN_PPG_KIND_CONSULTATION, /* consultation on a service change */
    PCN_PPG_KIND_PROJECT,      /* PPG-led project */
    PCN_PPG_KIND_COUNT_
};

/* The ladder of involvement, lowest rung first. */
enum pcn_ppg_rung {
    PCN_PPG_RUNG_INFORM,
    PCN_PPG_RUNG_CONSULT,
    PCN_PPG_RUNG_INVOLVE,
    PCN_PPG_RUNG_COLLABORATE,
    PCN_PPG_RUNG_CO_PRODUCE, /* co-produce / devolve */
    PCN_PPG_RUNG_COUNT_
};

/* The commissioning cycle, in order. */
enum pcn_ppg_stage {
    PCN_PPG_STAGE_NEEDS,
    PCN_PPG_STAGE_DESIGN,
    PCN_PPG_STAGE_PROCUREMENT,
    PCN_PPG_STAGE_MONITORING,
    PCN_PPG_STAGE_EVALUATION,
    PCN_PPG_STAGE_COUNT_
};

/* Where a piece of feedback stands. */
enum pcn_ppg_outcome {
    PCN_PPG_OUTCOME_OPEN, /* awaiting a response */
    PCN_PPG_OUTCOME_IN_PROGRESS,
    PCN_PPG_OUTCOME_DONE,
    PCN_PPG_OUTCOME_NOT_POSSIBLE, /* with the reason why */
    PCN_PPG_OUTCOME_COUNT_
};

/* The vocabularies by number, for the generic calls below. */
enum pcn_ppg_vocab {
    PCN_PPG_V_AGE,
    PCN_PPG_V_SEX,
    PCN_PPG_V_ETH,
    PCN_PPG_V_YESNO,
    PCN_PPG_V_ROLE,
    PCN_PPG_V_KIND,
    PCN_PPG_V_RUNG,
    PCN_PPG_V_STAGE,
    PCN_PPG_V_OUTCOME,
    PCN_PPG_V_COUNT_
};

/* Number of values of vocabulary v. */
int pcn_ppg_count(enum pcn_ppg_vocab v);
/* The code of value i of v ("18-24", "co_produce"...); static; "" when out of range. */
const char *pcn_ppg_code(enum pcn_ppg_vocab v, int i);
/* Its plain-English label ("aged 18-24", "Co-produce / devolve"); static; "" when out of range. */
const char *pcn_ppg_label(enum pcn_ppg_vocab v, int i);
/*
 * Parse text (len bytes) into a value of v: the code, case-insensitively,
 * or an accepted spelling (docs/engagement.md). For the demographic
 * vocabularies (age, sex, ethnic group, yes/no) a blank, "not stated" and
 * "prefer not to say" give the not-stated value. PCN_EINVAL otherwise.
 */
enum pcn_err pcn_ppg_parse(enum pcn_ppg_vocab v, const char *s, size_t len, int *ret);
/*
 * The codes of v joined by ", " into out (size bytes), for error messages
 * ("one of: inform, consult, ..."). Truncated to fit.
 */
void pcn_ppg_codes(enum pcn_ppg_vocab v, char *out, size_t size);

/*
 * A postcode district ("TS18", "SW1A"): the outward code of a UK postcode.
 * A full postcode is cut to its district (the rest is never kept). Writes
 * the upper-case district into out (at least PCN_PPG_DISTRICT_SIZE bytes);
 * a blank gives "" (not stated). PCN_EINVAL for anything else.
 */
#define PCN_PPG_DISTRICT_SIZE 5
enum pcn_err pcn_ppg_district_parse(const char *s, size_t len, char *out);

/* Deprivation quintile 1 (most deprived fifth) to 5; 0 is not stated. Blank parses as 0. */
enum pcn_err pcn_ppg_quintile_parse(const char *s, size_t len, int *ret);

/* ---- limits ---- */

#define PCN_PPG_NAME_MAX 120       /* bytes of a group's or member's name */
#define PCN_PPG_TITLE_MAX 200      /* bytes of a title */
#define PCN_PPG_TEXT_MAX 4000      /* bytes of a free-text field (questions, what was heard...) */
#define PCN_PPG_EMAIL_MAX 254      /* bytes of an e-mail address */
#define PCN_PPG_PHONE_MAX 24       /* bytes of a telephone number */
#define PCN_PPG_GROUPS_MAX 64      /* groups named by one activity */
#define PCN_PPG_PEOPLE_MAX 1000000 /* people counted at one activity */

/* ---- records ---- */

/*
 * A patient participation group: a practice's PPG (practice set; one per
 * practice) or a network-level group (practice NULL). version counts its
 * updates (optimistic concurrency: an update names the version it read).
 */
struct pcn_ppg_group {
    int64_t id;           /* assigned by the store; 0 when adding */
    const char *network;  /* PCN code */
    const char *practice; /* practice ODS code, or NULL for a network-level group */
    const char *name;
    int32_t formed; /* PCN_DATE_NONE if not known */
    int64_t version;
};

/*
 * A member: contact details only with consent to be contacted; withdrawing
 * consent removes name, e-mail, telephone and postcode district but keeps
 * the anonymous facts (counted in the group's make-up and history).
 */
struct pcn_ppg_member {
    int64_t id;
    int64_t group_id;
    const char *name;  /* NULL once consent is withdrawn */
    const char *email; /* NULL when not given */
    const char *phone; /* NULL when not given */
    int consent;       /* consent to be contacted */
    enum pcn_ppg_role role;
    enum pcn_ppg_age age;
    enum pcn_ppg_sex sex;
    enum pcn_ppg_eth eth;
    const char *district; /* postcode district, NULL when not stated */
    int quintile;         /* deprivation quintile 1-5, 0 when not stated */
    enum pcn_ppg_yesno carer;
    enum pcn_ppg_yesno disability;
    enum pcn_ppg_yesno ltc; /* long-term condition */
    int32_t joined;         /* required */
    int32_t left;           /* PCN_DATE_NONE while a member */
    int32_t withdrawn;      /* date consent was withdrawn, PCN_DATE_NONE if never */
    int64_t version;
};

/* An engagement activity and the groups that took part (ids, n_groups of them). */
struct pcn_ppg_activity {
    int64_t id;
    const char *network;
    enum pcn_ppg_kind kind;
    enum pcn_ppg_rung rung;
    const char *title;
    int32_t held;          /* required */
    int64_t people;        /* how many people took part; -1 when not known */
    const char *questions; /* the questions asked; may be NULL */
    const char *heard;     /* what was heard; may be NULL */
    int64_t change_id;     /* the service change it is about, 0 for none */
    const int64_t *groups;
    size_t n_groups;
    int64_t version;
};

/* "You said, we did": one piece of feedback or recommendation and what became of it. */
struct pcn_ppg_feedback {
    int64_t id;
    const char *network;
    int64_t group_id;     /* the group it came from, 0 for none (a survey, the public...) */
    int64_t activity_id;  /* the activity it was heard at, 0 for none */
    int32_t received;     /* required */
    const char *said;     /* required: what was said or recommended */
    const char *response; /* what the network said or did; NULL until answered */
    int32_t responded;    /* date of the response, PCN_DATE_NONE until answered */
    enum pcn_ppg_outcome outcome;
    const char *reason;   /* why it is not possible (required then), else NULL */
    int32_t outcome_date; /* when the outcome was reached or last changed */
    int published;        /* shown on the public page */
    int64_t version;
};

/* A service change the network makes, for the co-production record. */
struct pcn_ppg_change {
    int64_t id;
    const char *network;
    const char *title;
    const char *description; /* may be NULL */
    int32_t started;         /* PCN_DATE_NONE if not known */
    int64_t version;
};

/* Who was involved in a change at one stage of the commissioning cycle. */
struct pcn_ppg_involvement {
    int64_t id;
    int64_t change_id;
    enum pcn_ppg_stage stage;
    int64_t group_id; /* a group that took part, 0 when `who` says who */
    const char *who;  /* who else (a forum, a survey's respondents); NULL with a group */
    enum pcn_ppg_rung rung;
    int32_t date;        /* required */
    int64_t people;      /* -1 when not known */
    int64_t activity_id; /* the activity where it happened, 0 for none */
    const char *note;    /* may be NULL */
};

/*
 * Checks of a record before it is stored: required fields, codes in range,
 * text within its limit and free of control characters (tab and newline
 * allowed in free text), dates in order (left not before joined, a
 * response not before the feedback), contact details only with consent, a
 * reason with "not possible", a response before a published item can be
 * published. PCN_EINVAL with *reterr naming the field ("said: required").
 */
enum pcn_err pcn_ppg_group_check(const struct pcn_ppg_group *g, struct pcn_error *reterr);
enum pcn_err pcn_ppg_member_check(const struct pcn_ppg_member *m, struct pcn_error *reterr);
enum pcn_err pcn_ppg_activity_check(const struct pcn_ppg_activity *a, struct pcn_error *reterr);
enum pcn_err pcn_ppg_feedback_check(const struct pcn_ppg_feedback *f, struct pcn_error *reterr);
enum pcn_err pcn_ppg_change_check(const struct pcn_ppg_change *c, struct pcn_error *reterr);
enum pcn_err pcn_ppg_involvement_check(const struct pcn_ppg_involvement *v,
                                       struct pcn_error *reterr);

/*
 * Text that is to be published must carry no personal data the software
 * can recognise: a valid NHS number (10 digits, spaced or not), an e-mail
 * address or a telephone number. PCN_EINVAL with *reterr naming the field
 * and what was found.
 */
enum pcn_err pcn_ppg_publishable(const char *field, const char *text, struct pcn_error *reterr);

/* Whether member m belongs to its group on day d (joined on or before, not left by then). */
int pcn_ppg_member_is_current(const struct pcn_ppg_member *m, int32_t d);

/* The financial year (April to March) of day d as its starting year: 2025 for 2025-26. */
int pcn_ppg_financial_year(int32_t d);

#endif /* PCN_PPG_H */
