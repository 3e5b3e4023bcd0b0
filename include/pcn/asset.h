/*
 * asset.h - the community asset directory of social prescribing: groups,
 * activities and advice services a link worker connects people to, with
 * what they offer (categories), where (address, postcode, LSOA, position),
 * when (weekly sessions), for whom (age range, accessibility), at what cost,
 * how many places, how to refer, and when the entry was last checked.
 *
 * struct pcn_directory holds a set of assets in memory for searching by
 * category, distance from a place and free text (the store keeps them; the
 * directory is what searches run over). Its CSV format (docs/formats.md,
 * "Community asset directory") is read and written here. A directory is
 * not thread-safe for writers; a finished one may be searched from any
 * number of threads.
 */
#ifndef PCN_ASSET_H
#define PCN_ASSET_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/error.h"

struct pcn_buf;
struct pcn_geo;

/* What an asset offers; an asset has one or more. */
enum pcn_asset_category {
    PCN_ASSET_PHYSICAL_ACTIVITY, /* walking groups, gyms, exercise classes, sport */
    PCN_ASSET_ARTS_CREATIVITY,   /* choirs, art, crafts, music, drama */
    PCN_ASSET_PEER_SUPPORT,      /* peer support and mutual aid groups */
    PCN_ASSET_LTC_GROUP,         /* groups for people with a long-term condition */
    PCN_ASSET_HOUSING_ADVICE,
    PCN_ASSET_DEBT_ADVICE,
    PCN_ASSET_BENEFITS_ADVICE,
    PCN_ASSET_EMPLOYMENT_ADVICE,
    PCN_ASSET_CARERS,       /* support for unpaid carers */
    PCN_ASSET_LONELINESS,   /* befriending, lunch clubs, social groups */
    PCN_ASSET_VOLUNTEERING, /* chances to volunteer */
    PCN_ASSET_EDUCATION,    /* courses, learning, skills */
    PCN_ASSET_CATEGORY_COUNT_
};

#define PCN_ASSET_ALL_CATEGORIES ((1u << PCN_ASSET_CATEGORY_COUNT_) - 1u)

/* "physical_activity", "arts_creativity", ... ; NULL out of range. */
const char *pcn_asset_category_name(enum pcn_asset_category c);
/* "Physical activity", "Arts and creativity", ... for display. */
const char *pcn_asset_category_label(enum pcn_asset_category c);
/* One category name (exact, len bytes). PCN_EINVAL if unknown. */
enum pcn_err pcn_asset_category_parse(const char *s, size_t len, enum pcn_asset_category *ret);

/*
 * A ';'-separated list of category names ("physical_activity;loneliness";
 * spaces around names ignored) into a bit mask (1 << category). PCN_EINVAL
 * naming the unknown one and listing the known names; an empty list is
 * PCN_EINVAL too.
 */
enum pcn_err pcn_asset_categories_parse(const char *s, uint32_t *ret, struct pcn_error *reterr);
/* Append a mask as a ';'-separated list in category order. */
enum pcn_err pcn_asset_categories_format(uint32_t mask, struct pcn_buf *out);

/* Accessibility features, as flags. */
enum pcn_asset_access {
    PCN_ACCESS_WHEELCHAIR = 1 << 0,        /* wheelchair accessible */
    PCN_ACCESS_STEP_FREE = 1 << 1,         /* step-free entrance */
    PCN_ACCESS_HEARING_LOOP = 1 << 2,      /* hearing loop */
    PCN_ACCESS_ACCESSIBLE_TOILET = 1 << 3, /* accessible toilet */
    PCN_ACCESS_PARKING = 1 << 4,           /* parking, including blue badge */
    PCN_ACCESS_PUBLIC_TRANSPORT = 1 << 5,  /* on a bus or train route */
    PCN_ACCESS_ONLINE = 1 << 6,            /* can be joined online or by phone */
};
#define PCN_ACCESS_COUNT 7

/* "wheelchair", "step_free", "hearing_loop", "accessible_toilet", "parking", ... by bit index. */
const char *pcn_asset_access_name(int bit);
/* ';'-separated names into flags; "" is no flags. PCN_EINVAL naming an unknown one. */
enum pcn_err pcn_asset_access_parse(const char *s, uint32_t *ret, struct pcn_error *reterr);
enum pcn_err pcn_asset_access_format(uint32_t flags, struct pcn_buf *out);

/* How a person gets to an asset. */
enum pcn_asset_route {
    PCN_ROUTE_DROP_IN,       /* just turn up */
    PCN_ROUTE_SELF_REFERRAL, /* the person contacts the asset (phone, form, email) */
    PCN_ROUTE_LINK_WORKER,   /* a link worker refers */
    PCN_ROUTE_PROFESSIONAL,  /* a GP or other professional must refer */
    PCN_ROUTE_COUNT_
};

/* "drop_in", "self_referral", "link_worker", "professional". */
const char *pcn_asset_route_name(enum pcn_asset_route r);
enum pcn_err pcn_asset_route_parse(const char *s, enum pcn_asset_route *ret);

/* A weekly session. */
struct pcn_asset_session {
    uint8_t day;    /* 0 Monday .. 6 Sunday */
    uint16_t start; /* minutes after midnight, 0-1439 */
    uint16_t end;   /* minutes after midnight, start < end <= 1440 */
};

#define PCN_ASSET_MAX_SESSIONS 28

/*
 * Parse weekly sessions: entries separated by ';', each "DAY HH:MM-HH:MM"
 * where DAY is Mon..Sun or a range like Mon-Fri (each day of the range gets
 * the session). "" is no sessions. Sessions come back sorted by day and
 * start. PCN_EINVAL (bad day, bad time, end not after start, overlapping
 * sessions on one day), PCN_ELIMIT past PCN_ASSET_MAX_SESSIONS.
 */
enum pcn_err pcn_sessions_parse(const char *s, struct pcn_asset_session ret[PCN_ASSET_MAX_SESSIONS],
                                size_t *ret_n, struct pcn_error *reterr);
/* Append sessions in the parse format, runs of days with one time joined ("Mon-Fri 09:00-17:00").
 */
enum pcn_err pcn_sessions_format(const struct pcn_asset_session *s, size_t n, struct pcn_buf *out);

#define PCN_COST_UNKNOWN (-1)
#define PCN_COST_MAX_PENCE 100000 /* GBP 1,000 per session */

/*
 * Cost per session: "free" or "0" is 0, "" or "unknown" is
 * PCN_COST_UNKNOWN, "3.50" or "£3.50" is 350 pence. PCN_EINVAL otherwise.
 */
enum pcn_err pcn_cost_parse(const char *s, int32_t *ret_pence);
/* Append "free", "3.50" or "" (unknown). */
enum pcn_err pcn_cost_format(int32_t pence, struct pcn_buf *out);

/* Text field limits (bytes). */
#define PCN_ASSET_NAME_MAX 200
#define PCN_ASSET_TEXT_MAX 4000 /* description */
#define PCN_ASSET_FIELD_MAX 500 /* address, notes, contact details */

/* One community asset. Strings are borrowed in calls; "" means not given. */
struct pcn_asset {
    int64_t id;               /* the store's id; 0 for an asset not yet stored */
    int64_t version;          /* the store's row version (optimistic concurrency) */
    const char *name;         /* required */
    const char *organisation; /* who runs it */
    const char *description;
    uint32_t categories; /* at least one bit */
    const char *address;
    char postcode[9]; /* normal form, or "" */
    char lsoa[10];    /* "" when unknown */
    int has_position; /* lat/lon valid */
    double lat, lon;
    struct pcn_asset_session sessions[PCN_ASSET_MAX_SESSIONS];
    size_t n_sessions;
    const char *sessions_note; /* "term time only", "first Tuesday of the month" */
    int32_t cost_pence;        /* PCN_COST_UNKNOWN, 0 for free, else per session */
    const char *cost_note;
    uint32_t access; /* enum pcn_asset_access flags */
    int min_age;     /* 0-120 */
    int max_age;     /* min_age-120; 120 means no upper limit */
    int capacity;    /* places per session; -1 unknown */
    const char *phone;
    const char *email;
    const char *website;
    enum pcn_asset_route route;
    const char *route_note;
    int32_t last_verified; /* date the entry was last checked; PCN_DATE_NONE if never */
    int active;            /* 0 once the asset has closed (kept for history) */
};

/* Set every field to its "not given" value (ages 0-120, cost and capacity unknown, active). */
void pcn_asset_init(struct pcn_asset *a);

/*
 * Check an asset: name present, at least one category, text within limits
 * and valid UTF-8, postcode (if any) in normal form, LSOA (if any) an
 * English LSOA code, position in the UK, ages 0 <= min <= max <= 120,
 * capacity >= -1, cost within limits, email with an '@', website starting
 * http:// or https://, phone only digits, spaces and + ( ) -. PCN_EINVAL or
 * PCN_ELIMIT with the field named first ("email: ...").
 */
enum pcn_err pcn_asset_check(const struct pcn_asset *a, struct pcn_error *reterr);

/*
 * Stale: not verified in the 12 months up to as_of (never verified is
 * stale).
 */
int pcn_asset_is_stale(const struct pcn_asset *a, int32_t as_of);

struct pcn_directory;

/* New empty directory. Caller frees with pcn_directory_free(). NULL on ENOMEM. */
struct pcn_directory *pcn_directory_new(void);
void pcn_directory_free(struct pcn_directory *d);

/*
 * Check a and add a copy (the directory owns the copy's strings).
 * PCN_ECONFLICT if a->id is nonzero and already present. *ret (may be NULL)
 * gets the stored copy, valid until the directory is freed.
 */
enum pcn_err pcn_directory_add(struct pcn_directory *d, const struct pcn_asset *a,
                               const struct pcn_asset **ret, struct pcn_error *reterr);

/* Number of assets, and asset i in the order added. Borrowed. */
size_t pcn_directory_count(const struct pcn_directory *d);
const struct pcn_asset *pcn_directory_at(const struct pcn_directory *d, size_t i);
/* The asset with this id, or NULL. */
const struct pcn_asset *pcn_directory_find(const struct pcn_directory *d, int64_t id);

/* What a CSV read found. */
struct pcn_asset_import {
    size_t rows;             /* data rows read */
    size_t located;          /* rows whose postcode the table placed (or with a position given) */
    size_t outside_coverage; /* rows with a postcode the table does not have */
    size_t without_postcode; /* rows without a postcode */
    size_t stale;            /* rows not verified in the 12 months up to as_of */
};

/*
 * Read a directory CSV file into d: a header naming its columns (any order;
 * `name` and `categories` required; unknown columns refused), then one
 * asset per row. geo (may be NULL) places each postcode (LSOA and position)
 * unless the row gives lsoa/latitude/longitude itself; a well-formed
 * postcode outside the table keeps the postcode without a position.
 * All or nothing: on error d is as it was, and *reterr says
 * "FILE:LINE: column 'x': what is wrong". as_of dates the stale count.
 */
enum pcn_err pcn_directory_read_csv(struct pcn_directory *d, const char *path,
                                    const struct pcn_geo *geo, int32_t as_of,
                                    struct pcn_asset_import *ret, struct pcn_error *reterr);
/* The same from memory (an upload); name labels the messages. */
enum pcn_err pcn_directory_read_csv_mem(struct pcn_directory *d, const char *data, size_t len,
                                        const char *name, const struct pcn_geo *geo, int32_t as_of,
                                        struct pcn_asset_import *ret, struct pcn_error *reterr);

/*
 * One asset from named fields, read and checked as a CSV row is: names are
 * the format's columns (each at most once; name and categories required),
 * values their text. Added to d; *ret (may be NULL) gets the stored copy.
 * Errors name the column ("column 'email': ..."). For an API body.
 */
enum pcn_err pcn_directory_add_fields(struct pcn_directory *d, const char *const *names,
                                      const char *const *values, size_t n,
                                      const struct pcn_geo *geo, int32_t as_of,
                                      const struct pcn_asset **ret, struct pcn_error *reterr);

/* Append the CSV header line of the directory format (every column, in order). */
enum pcn_err pcn_asset_csv_header(struct pcn_buf *out);
/* Append one asset as a CSV row of that format (the read format round-trips). */
enum pcn_err pcn_asset_csv_row(const struct pcn_asset *a, struct pcn_buf *out);
/* Header and every asset of d, in order. */
enum pcn_err pcn_directory_write_csv(const struct pcn_directory *d, struct pcn_buf *out);

/* A search of the directory. Zero-initialise, then set what matters. */
struct pcn_asset_query {
    uint32_t categories; /* match assets offering ANY of these; 0 = every category */
    const char *text;    /* words that must ALL appear (any case) in the name, organisation,
                            description, address or postcode; NULL or "" = no text filter */
    int has_origin;      /* measure distances from (lat, lon) */
    double lat, lon;
    double max_km;        /* with an origin: drop assets farther than this (0 = no limit);
                             assets without a position are dropped when a limit is set */
    int age;              /* keep assets whose age range includes this age; -1 = any */
    uint32_t access;      /* keep assets with ALL these access flags */
    int include_inactive; /* also return closed assets */
    int only_stale;       /* only entries that need re-verifying */
    int32_t as_of;        /* date for the stale flag; PCN_DATE_NONE = today */
    size_t offset;        /* skip this many hits first (paging) */
    size_t limit;         /* then at most this many hits (0 = all); *ret_total counts them all */
};

struct pcn_asset_hit {
    const struct pcn_asset *asset; /* borrowed from the directory */
    double km;                     /* distance from the origin; -1 if no origin or no position */
    int stale;                     /* pcn_asset_is_stale(asset, as_of) */
};

#define PCN_ASSET_QUERY_TEXT_MAX 200

/*
 * Run a search. Hits are ordered by distance (assets without a position
 * last) when there is an origin, else by name; ties by id then insertion.
 * *ret is an array the caller frees with pcn_free() (NULL when there are no
 * hits); *ret_n hits (from q->offset on) are returned of *ret_total that matched. PCN_EINVAL
 * for a text longer than PCN_ASSET_QUERY_TEXT_MAX or a negative distance.
 */
enum pcn_err pcn_directory_search(const struct pcn_directory *d, const struct pcn_asset_query *q,
                                  struct pcn_asset_hit **ret, size_t *ret_n, size_t *ret_total);

#endif /* PCN_ASSET_H */
