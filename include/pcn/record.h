/*
 * record.h - the population record types that every importer produces,
 * the store keeps, the generator writes and the engine reads, plus the
 * sink interface through which records flow (importer -> store, generator
 * -> CSV bundle, store -> exporter).
 *
 * All string fields are borrowed for the duration of the call they are
 * passed to; a sink that keeps them copies them. Dates are day numbers
 * (pcn/date.h); PCN_DATE_NONE marks a missing date.
 */
#ifndef PCN_RECORD_H
#define PCN_RECORD_H

#include <stdint.h>

#include "pcn/error.h"

enum pcn_sex {
    PCN_SEX_UNKNOWN = 0,
    PCN_SEX_MALE = 1,
    PCN_SEX_FEMALE = 2,
    PCN_SEX_INDETERMINATE = 3,
};

/* One letter per sex as written in the native CSV bundle: U M F I. */
char pcn_sex_letter(enum pcn_sex sex);
/* Parse "M", "F", "I", "U" (also "male", "female", "other", "unknown"); PCN_EINVAL otherwise. */
enum pcn_err pcn_sex_parse(const char *s, enum pcn_sex *ret);

struct pcn_patient {
    const char *patient_id;  /* required; the source system's local id, unique */
    const char *nhs_number;  /* 10 valid digits, or NULL */
    const char *family_name; /* may be NULL */
    const char *given_name;  /* may be NULL */
    int32_t date_of_birth;   /* required */
    enum pcn_sex sex;
    const char *ethnicity;   /* NHS ethnic category code (A..S, Z), or NULL */
    const char *postcode;    /* normalised UK postcode, or NULL */
    const char *lsoa;        /* LSOA code (E01...), or NULL */
    const char *practice;    /* ODS code of the registration practice, or NULL */
    int32_t registered_from; /* PCN_DATE_NONE if unknown */
    int32_t registered_to;   /* PCN_DATE_NONE while registered */
    int32_t date_of_death;   /* PCN_DATE_NONE if alive */
};

enum pcn_event_kind {
    PCN_EVENT_OTHER = 0,
    PCN_EVENT_CONDITION = 1,
    PCN_EVENT_OBSERVATION = 2,
    PCN_EVENT_PROCEDURE = 3,
    PCN_EVENT_CAREPLAN = 4,
    PCN_EVENT_ALLERGY = 5,
};

/* Lower-case name as written in the CSV bundle ("condition", ...). */
const char *pcn_event_kind_name(enum pcn_event_kind kind);
enum pcn_err pcn_event_kind_parse(const char *s, enum pcn_event_kind *ret);

/* A coded clinical event: diagnosis, observation, procedure, care plan, allergy. */
struct pcn_event {
    const char *patient_id;
    int32_t date;     /* required */
    int32_t end_date; /* resolution or stop date, PCN_DATE_NONE if none */
    enum pcn_event_kind kind;
    const char *system; /* code system: "snomed", "ctv3", "loinc", ... */
    const char *code;   /* required */
    int has_value;      /* nonzero if value is set */
    double value;
    const char *unit;        /* may be NULL */
    const char *source;      /* source system, e.g. "emis", "synthea", "generator"; may be NULL */
    const char *orig_system; /* when the code was mapped: the original system, else NULL */
    const char *orig_code;   /* when the code was mapped: the original code, else NULL */
};

/* How a medicine is prescribed. */
enum pcn_course {
    PCN_COURSE_UNKNOWN = 0,
    PCN_COURSE_ACUTE = 1,             /* a one-off course */
    PCN_COURSE_REPEAT = 2,            /* an issue of a repeat template */
    PCN_COURSE_REPEAT_DISPENSING = 3, /* an issue of a repeat dispensing (batch) prescription */
};

/* Name as written in the CSV bundle and the store: "", "acute", "repeat", "repeat_dispensing". */
const char *pcn_course_name(enum pcn_course c);
/* Parse a name of pcn_course_name() ("" is unknown); PCN_EINVAL otherwise. */
enum pcn_err pcn_course_parse(const char *s, enum pcn_course *ret);

/* A prescribed medication (an issue or a course). */
struct pcn_medication {
    const char *patient_id;
    int32_t start_date; /* required */
    int32_t end_date;   /* PCN_DATE_NONE if open */
    const char *system; /* "dmd", "rxnorm", "snomed" */
    const char *code;
    int has_quantity;
    double quantity;        /* in the product's dose units (tablets, inhalers, ml, ...) */
    enum pcn_course course; /* acute or repeat; unknown if the source does not say */
    int32_t duration_days;  /* days the issue is meant to last; 0 if unknown */
    const char *source;
};

struct pcn_immunisation {
    const char *patient_id;
    int32_t date;
    const char *system; /* "snomed", "cvx" */
    const char *code;
    const char *source;
};

/* How a contact took place (the modes of NHS England's GP appointments data). */
enum pcn_contact_mode {
    PCN_MODE_UNKNOWN = 0,
    PCN_MODE_FACE_TO_FACE = 1,
    PCN_MODE_TELEPHONE = 2,
    PCN_MODE_VIDEO = 3, /* video or online */
    PCN_MODE_HOME_VISIT = 4,
};

/* Who the patient saw. */
enum pcn_encounter_role {
    PCN_STAFF_UNKNOWN = 0,
    PCN_STAFF_GP = 1,
    PCN_STAFF_NURSE = 2, /* practice nurses and advanced nurse practitioners */
    PCN_STAFF_HCA = 3,   /* healthcare assistants, nursing associates */
    PCN_STAFF_PHARMACIST = 4,
    PCN_STAFF_PHYSIOTHERAPIST = 5,
    PCN_STAFF_PARAMEDIC = 6,
    PCN_STAFF_PHYSICIAN_ASSOCIATE = 7,
    PCN_STAFF_LINK_WORKER = 8, /* social prescribing link workers, health and wellbeing coaches */
    PCN_STAFF_MENTAL_HEALTH = 9,
    PCN_STAFF_CARE_COORDINATOR = 10,
    PCN_STAFF_OTHER = 11,
};
#define PCN_STAFF_COUNT 12

/* Whether the patient came. */
enum pcn_encounter_attendance {
    PCN_ENCOUNTER_ATTENDANCE_UNKNOWN = 0,
    PCN_ENCOUNTER_ATTENDED = 1,
    PCN_ENCOUNTER_DNA = 2, /* did not attend */
};

/*
 * Names as written in the CSV bundle and the store and used by the
 * definition language: "" for unknown; modes "face_to_face", "telephone",
 * "video", "home_visit"; roles "gp", "nurse", "hca", "pharmacist",
 * "physiotherapist", "paramedic", "physician_associate", "link_worker",
 * "mental_health", "care_coordinator", "other"; attendance "attended",
 * "dna". Each parser takes exactly those names ("" is unknown) and gives
 * PCN_EINVAL for anything else.
 */
const char *pcn_contact_mode_name(enum pcn_contact_mode m);
enum pcn_err pcn_contact_mode_parse(const char *s, enum pcn_contact_mode *ret);
const char *pcn_encounter_role_name(enum pcn_encounter_role r);
enum pcn_err pcn_encounter_role_parse(const char *s, enum pcn_encounter_role *ret);
const char *pcn_encounter_attendance_name(enum pcn_encounter_attendance a);
enum pcn_err pcn_encounter_attendance_parse(const char *s, enum pcn_encounter_attendance *ret);

/*
 * A contact with the practice or its network: a consultation or an
 * appointment (booked, then attended or not).
 */
struct pcn_encounter {
    const char *encounter_id; /* required, unique within the patient */
    const char *patient_id;
    int32_t date; /* the day of the contact (of the appointment, attended or not) */
    int32_t end_date;
    const char *system;
    const char *code;            /* may be NULL */
    const char *encounter_class; /* "ambulatory", "home", "virtual", ...; may be NULL */
    enum pcn_contact_mode mode;
    enum pcn_encounter_role role;
    const char *clinician; /* the source's identifier of the clinician seen; may be NULL */
    const char *site;      /* ODS code or name of the site; may be NULL */
    int has_booked;        /* nonzero if booked_date is set */
    int32_t booked_date;   /* when the appointment was booked (on or before date) */
    enum pcn_encounter_attendance attendance;
    const char *source;
};

/* A human-readable term for a code, kept once per (system, code). */
struct pcn_term {
    const char *system;
    const char *code;
    const char *term;
};

/*
 * A destination for records. A patient is always delivered before any of
 * its other records; records of one patient need not be contiguous. Each
 * callback returns PCN_OK or an error with *reterr filled; a NULL callback
 * means the sink ignores that kind.
 */
struct pcn_sink_ops {
    enum pcn_err (*patient)(void *ctx, const struct pcn_patient *p, struct pcn_error *reterr);
    enum pcn_err (*event)(void *ctx, const struct pcn_event *e, struct pcn_error *reterr);
    enum pcn_err (*medication)(void *ctx, const struct pcn_medication *m, struct pcn_error *reterr);
    enum pcn_err (*immunisation)(void *ctx, const struct pcn_immunisation *i,
                                 struct pcn_error *reterr);
    enum pcn_err (*encounter)(void *ctx, const struct pcn_encounter *e, struct pcn_error *reterr);
    enum pcn_err (*term)(void *ctx, const struct pcn_term *t, struct pcn_error *reterr);
};

struct pcn_sink {
    const struct pcn_sink_ops *ops; /* borrowed */
    void *ctx;                      /* passed to every callback */
};

#endif /* PCN_RECORD_H */
