/*
 * validate.c - NHS number Modulus 11 (NHS Data Dictionary), ODS code
 * shapes (NHS ODS naming), and the UK postcode grammar (BS 7666 forms).
 */
#include "pcn/validate.h"

#include <string.h>

#include "util/common.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool is_alnum_upper(char c)
{
    return is_digit(c) || is_upper(c);
}

int pcn_nhs_number_check_digit(const char digits9[9])
{
    int sum = 0;
    int check;

    for (int i = 0; i < 9; i++)
        sum += (digits9[i] - '0') * (10 - i);
    check = 11 - sum % 11;
    if (check == 11)
        check = 0;
    return check == 10 ? -1 : check;
}

enum pcn_err pcn_nhs_number_normalise(const char *s, size_t len, char ret[11],
                                      struct pcn_error *reterr)
{
    char d[11];
    size_t n = 0;
    int check;

    if (len == 12 && s[3] == ' ' && s[7] == ' ') {
        for (size_t i = 0; i < len; i++) {
            if (i != 3 && i != 7)
                d[n++] = s[i];
        }
    } else if (len == 10) {
        memcpy(d, s, 10);
        n = 10;
    } else {
        return pcn_error_set(reterr, PCN_EINVAL,
                             "NHS number must have 10 digits, got %zu characters", len);
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(d[i]))
            return pcn_error_set(reterr, PCN_EINVAL, "NHS number may contain digits only");
    }
    check = pcn_nhs_number_check_digit(d);
    if (check < 0)
        return pcn_error_set(reterr, PCN_EINVAL, "NHS number is invalid (check digit would be 10)");
    if (d[9] - '0' != check)
        return pcn_error_set(reterr, PCN_EINVAL,
                             "NHS number check digit is wrong (expected %d, found %c)", check,
                             d[9]);
    d[10] = '\0';
    memcpy(ret, d, 11);
    return PCN_OK;
}

int pcn_nhs_number_is_valid(const char *s, size_t len)
{
    char out[11];
    return pcn_nhs_number_normalise(s, len, out, NULL) == PCN_OK;
}

int pcn_ods_is_valid(enum pcn_ods_kind kind, const char *s, size_t len)
{
    switch (kind) {
    case PCN_ODS_PRACTICE:
        if (len != 6 || !is_upper(s[0]))
            return 0;
        for (size_t i = 1; i < 6; i++) {
            if (!is_alnum_upper(s[i]))
                return 0;
        }
        return 1;
    case PCN_ODS_PCN:
        if (len != 6 || s[0] != 'U')
            return 0;
        for (size_t i = 1; i < 6; i++) {
            if (!is_digit(s[i]))
                return 0;
        }
        return 1;
    case PCN_ODS_SUB_ICB:
        return len == 3 && is_alnum_upper(s[0]) && is_alnum_upper(s[1]) && is_alnum_upper(s[2]);
    case PCN_ODS_ICB:
        return len == 3 && s[0] == 'Q' && is_alnum_upper(s[1]) && is_alnum_upper(s[2]);
    }
    return 0;
}

const char *pcn_ods_kind_name(enum pcn_ods_kind kind)
{
    switch (kind) {
    case PCN_ODS_PRACTICE:
        return "practice ODS code";
    case PCN_ODS_PCN:
        return "PCN code";
    case PCN_ODS_SUB_ICB:
        return "sub-ICB location code";
    case PCN_ODS_ICB:
        return "ICB code";
    }
    return "ODS code";
}

/* Outward code patterns: A = letter, 9 = digit. */
static bool outward_matches(const char *o, size_t n)
{
    static const char *const pats[] = {"A9", "A99", "AA9", "AA99", "A9A", "AA9A"};

    for (size_t p = 0; p < PCN_ARRAY_SIZE(pats); p++) {
        bool ok = strlen(pats[p]) == n;
        for (size_t i = 0; ok && i < n; i++)
            ok = pats[p][i] == 'A' ? is_upper(o[i]) : is_digit(o[i]);
        if (ok)
            return true;
    }
    return false;
}

enum pcn_err pcn_postcode_normalise(const char *s, size_t len, char ret[9])
{
    char c[8];
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch == ' ')
            continue;
        if (n >= 7)
            return PCN_EINVAL;
        if (ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 'a' + 'A');
        c[n++] = ch;
    }
    if (n < 5)
        return PCN_EINVAL;
    /* inward code: digit + two letters (not C I K M O V) */
    if (!is_digit(c[n - 3]) || !is_upper(c[n - 2]) || !is_upper(c[n - 1]) ||
        strchr("CIKMOV", c[n - 2]) || strchr("CIKMOV", c[n - 1]))
        return PCN_EINVAL;
    if (!outward_matches(c, n - 3))
        return PCN_EINVAL;
    memcpy(ret, c, n - 3);
    ret[n - 3] = ' ';
    memcpy(ret + n - 2, c + n - 3, 3);
    ret[n + 1] = '\0';
    return PCN_OK;
}
