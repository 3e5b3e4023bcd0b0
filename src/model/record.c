/*
 * record.c - names and parsers for the small enums of record.h, as written
 * in the native CSV bundle and shown to users.
 */
#include "pcn/record.h"

#include <string.h>

#include "util/common.h"

char pcn_sex_letter(enum pcn_sex sex)
{
    switch (sex) {
    case PCN_SEX_MALE:
        return 'M';
    case PCN_SEX_FEMALE:
        return 'F';
    case PCN_SEX_INDETERMINATE:
        return 'I';
    case PCN_SEX_UNKNOWN:
        break;
    }
    return 'U';
}

enum pcn_err pcn_sex_parse(const char *s, enum pcn_sex *ret)
{
    static const struct {
        const char *name;
        enum pcn_sex sex;
    } names[] = {
        {"M", PCN_SEX_MALE},        {"male", PCN_SEX_MALE},       {"F", PCN_SEX_FEMALE},
        {"female", PCN_SEX_FEMALE}, {"I", PCN_SEX_INDETERMINATE}, {"other", PCN_SEX_INDETERMINATE},
        {"U", PCN_SEX_UNKNOWN},     {"unknown", PCN_SEX_UNKNOWN},
    };

    for (size_t i = 0; i < PCN_ARRAY_SIZE(names); i++) {
        if (strcmp(s, names[i].name) == 0) {
            *ret = names[i].sex;
            return PCN_OK;
        }
    }
    return PCN_EINVAL;
}

static const char *const kind_names[] = {
    [PCN_EVENT_OTHER] = "other",
    [PCN_EVENT_CONDITION] = "condition",
    [PCN_EVENT_OBSERVATION] = "observation",
    [PCN_EVENT_PROCEDURE] = "procedure",
    [PCN_EVENT_CAREPLAN] = "careplan",
    [PCN_EVENT_ALLERGY] = "allergy",
};

const char *pcn_event_kind_name(enum pcn_event_kind kind)
{
    if ((unsigned)kind >= PCN_ARRAY_SIZE(kind_names))
        return "other";
    return kind_names[kind];
}

enum pcn_err pcn_event_kind_parse(const char *s, enum pcn_event_kind *ret)
{
    for (size_t i = 0; i < PCN_ARRAY_SIZE(kind_names); i++) {
        if (strcmp(s, kind_names[i]) == 0) {
            *ret = (enum pcn_event_kind)i;
            return PCN_OK;
        }
    }
    return PCN_EINVAL;
}

/* The index of s in names (n entries), or -1. */
static int name_index(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (names[i] && strcmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

static const char *const course_names[] = {
    [PCN_COURSE_UNKNOWN] = "",
    [PCN_COURSE_ACUTE] = "acute",
    [PCN_COURSE_REPEAT] = "repeat",
    [PCN_COURSE_REPEAT_DISPENSING] = "repeat_dispensing",
};

const char *pcn_course_name(enum pcn_course c)
{
    return (unsigned)c < PCN_ARRAY_SIZE(course_names) ? course_names[c] : "";
}

enum pcn_err pcn_course_parse(const char *s, enum pcn_course *ret)
{
    int i = name_index(course_names, PCN_ARRAY_SIZE(course_names), s);
    if (i < 0)
        return PCN_EINVAL;
    *ret = (enum pcn_course)i;
    return PCN_OK;
}

static const char *const mode_names[] = {
    [PCN_MODE_UNKNOWN] = "",
    [PCN_MODE_FACE_TO_FACE] = "face_to_face",
    [PCN_MODE_TELEPHONE] = "telephone",
    [PCN_MODE_VIDEO] = "video",
    [PCN_MODE_HOME_VISIT] = "home_visit",
};

const char *pcn_contact_mode_name(enum pcn_contact_mode m)
{
    return (unsigned)m < PCN_ARRAY_SIZE(mode_names) ? mode_names[m] : "";
}

enum pcn_err pcn_contact_mode_parse(const char *s, enum pcn_contact_mode *ret)
{
    int i = name_index(mode_names, PCN_ARRAY_SIZE(mode_names), s);
    if (i < 0)
        return PCN_EINVAL;
    *ret = (enum pcn_contact_mode)i;
    return PCN_OK;
}

static const char *const role_names[] = {
    [PCN_STAFF_UNKNOWN] = "",
    [PCN_STAFF_GP] = "gp",
    [PCN_STAFF_NURSE] = "nurse",
    [PCN_STAFF_HCA] = "hca",
    [PCN_STAFF_PHARMACIST] = "pharmacist",
    [PCN_STAFF_PHYSIOTHERAPIST] = "physiotherapist",
    [PCN_STAFF_PARAMEDIC] = "paramedic",
    [PCN_STAFF_PHYSICIAN_ASSOCIATE] = "physician_associate",
    [PCN_STAFF_LINK_WORKER] = "link_worker",
    [PCN_STAFF_MENTAL_HEALTH] = "mental_health",
    [PCN_STAFF_CARE_COORDINATOR] = "care_coordinator",
    [PCN_STAFF_OTHER] = "other",
};
_Static_assert(PCN_ARRAY_SIZE(role_names) == PCN_STAFF_COUNT, "a name per role");

const char *pcn_encounter_role_name(enum pcn_encounter_role r)
{
    return (unsigned)r < PCN_ARRAY_SIZE(role_names) ? role_names[r] : "";
}

enum pcn_err pcn_encounter_role_parse(const char *s, enum pcn_encounter_role *ret)
{
    int i = name_index(role_names, PCN_ARRAY_SIZE(role_names), s);
    if (i < 0)
        return PCN_EINVAL;
    *ret = (enum pcn_encounter_role)i;
    return PCN_OK;
}

static const char *const attendance_names[] = {
    [PCN_ENCOUNTER_ATTENDANCE_UNKNOWN] = "",
    [PCN_ENCOUNTER_ATTENDED] = "attended",
    [PCN_ENCOUNTER_DNA] = "dna",
};

const char *pcn_encounter_attendance_name(enum pcn_encounter_attendance a)
{
    return (unsigned)a < PCN_ARRAY_SIZE(attendance_names) ? attendance_names[a] : "";
}

enum pcn_err pcn_encounter_attendance_parse(const char *s, enum pcn_encounter_attendance *ret)
{
    int i = name_index(attendance_names, PCN_ARRAY_SIZE(attendance_names), s);
    if (i < 0)
        return PCN_EINVAL;
    *ret = (enum pcn_encounter_attendance)i;
    return PCN_OK;
}
