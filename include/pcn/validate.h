/*
 * validate.h - checks and normal forms for the identifiers of English
 * primary care: NHS numbers, ODS organisation codes and UK postcodes.
 * Pure functions; thread-safe.
 */
#ifndef PCN_VALIDATE_H
#define PCN_VALIDATE_H

#include <stddef.h>

#include "pcn/error.h"

/*
 * NHS number: exactly 10 digits (spaces allowed only in the 3-3-4 layout
 * when `len` includes them) whose tenth digit is the Modulus 11 check digit
 * of the first nine. Writes the 10 digits and a NUL to ret (11 bytes) on
 * success. PCN_EINVAL otherwise, with *reterr saying why.
 */
enum pcn_err pcn_nhs_number_normalise(const char *s, size_t len, char ret[11],
                                      struct pcn_error *reterr);

/* True if s is a valid NHS number (see above). */
int pcn_nhs_number_is_valid(const char *s, size_t len);

/* Check digit for nine digits, or -1 when the number cannot be valid (r = 10). */
int pcn_nhs_number_check_digit(const char digits9[9]);

/* Kinds of ODS code OpenPCN knows. */
enum pcn_ods_kind {
    PCN_ODS_PRACTICE, /* letter + 5 alphanumerics, e.g. A81001, Y02345 */
    PCN_ODS_PCN,      /* U + 5 digits, e.g. U12345 */
    PCN_ODS_SUB_ICB,  /* 3 alphanumerics, e.g. 00L, 16C */
    PCN_ODS_ICB,      /* Q + 2 alphanumerics, e.g. QHM */
};

/* True if s (exactly len bytes, upper case) is a well-formed code of that kind. */
int pcn_ods_is_valid(enum pcn_ods_kind kind, const char *s, size_t len);

/* Human name of the kind for messages ("practice ODS code"...). */
const char *pcn_ods_kind_name(enum pcn_ods_kind kind);

/*
 * UK postcode: accepts any case and spacing, validates the outward/inward
 * pattern (A9 9AA, A99 9AA, AA9 9AA, AA99 9AA, A9A 9AA, AA9A 9AA) and
 * writes the normal form (upper case, one space) plus NUL into ret (at
 * least 9 bytes). PCN_EINVAL if malformed.
 */
enum pcn_err pcn_postcode_normalise(const char *s, size_t len, char ret[9]);

#endif /* PCN_VALIDATE_H */
