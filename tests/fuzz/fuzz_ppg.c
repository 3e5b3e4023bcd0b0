/*
 * fuzz_ppg.c - libFuzzer harness for the patient partnership input paths
 * that take people's text: the first byte selects (0) the members CSV
 * reader, every row it yields put through the member check, or (1) the
 * value parsers (every vocabulary, postcode districts, quintiles) and the
 * text checks (a member's name, the personal-data screen of published
 * text) on each line. Any bytes: a value or a clean error, never a crash
 * or a leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pcn/csv.h"
#include "pcn/ppg.h"
#include "pcn/ppg_ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum pcn_err check_row(void *ud, struct pcn_ppg_member *m, struct pcn_error *reterr)
{
    (void)ud;
    return pcn_ppg_member_check(m, reterr);
}

static void values(const char *s, size_t len)
{
    char district[PCN_PPG_DISTRICT_SIZE], text[512];
    struct pcn_error e;
    int v = 0;

    for (int k = 0; k < PCN_PPG_V_COUNT_; k++)
        (void)pcn_ppg_parse((enum pcn_ppg_vocab)k, s, len, &v);
    (void)pcn_ppg_district_parse(s, len, district);
    (void)pcn_ppg_quintile_parse(s, len, &v);
    if (len >= sizeof(text))
        len = sizeof(text) - 1;
    memcpy(text, s, len);
    text[len] = '\0';
    (void)pcn_ppg_publishable("said", text, &e);
    struct pcn_ppg_member m = {
        .group_id = 1, .name = text, .joined = 0, .left = INT32_MIN, .withdrawn = INT32_MIN};
    (void)pcn_ppg_member_check(&m, &e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data + 1;
    struct pcn_csv *csv = NULL;
    struct pcn_error e;

    if (size < 1)
        return 0;
    if (data[0] & 1) {
        size_t start = 0;
        for (size_t i = 0; i <= size - 1; i++) {
            if (i == size - 1 || s[i] == '\n') {
                values(s + start, i - start);
                start = i + 1;
            }
        }
        return 0;
    }
    if (pcn_csv_new_mem(s, size - 1, "fuzz.csv", &csv) == PCN_OK)
        (void)pcn_ppg_read_members(csv, 1, 19000, check_row, NULL, &e);
    pcn_csv_free(csv);
    return 0;
}
