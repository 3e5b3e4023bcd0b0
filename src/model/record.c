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
