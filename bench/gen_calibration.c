/*
 * gen_calibration.c - the generator's calibration report: generate a real
 * network (or one practice) and compare, for each practice and each of the
 * 21 QOF registers, the prevalence recomputed from the generated records
 * with QOF 2024-25, the eFI category shares among people aged 65+, and the
 * checks against published figures (practice spread, BP, anticoagulation,
 * care homes, PCAs, ethnicity, code leaks, dm+d) of each network.
 * Usage: gen_calibration [--seed N] [--all-rows] PCN_CODE|PRACTICE_CODE...
 * Exit status 1 when a practice over 5,000 patients misses the register
 * tolerance or a check that applies is out of its range.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcn/generate.h"
#include "pcn/parse.h"

struct report {
    int all_rows;
    int checked, failed;
    int checks_failed;
};

static int print_row(const struct pcn_gen_calib_row *row, void *ud)
{
    struct report *rep = ud;
    int big = row->list_size > PCN_GEN_CALIB_MIN_LIST;
    if (big && row->published >= 0) {
        rep->checked++;
        rep->failed += !row->within;
    }
    if (rep->all_rows || (big && !row->within))
        printf("%-7s %-5s list %7lld elig %7lld on %6lld  gen %6.2f%%  qof %6.2f%%  %s\n",
               row->practice, pcn_gen_register_name(row->reg), (long long)row->list_size,
               (long long)row->eligible, (long long)row->on_register, 100 * row->generated,
               100 * row->published,
               row->within ? "ok"
               : big       ? "MISS"
                           : "(small)");
    return 0;
}

/* The checks against published figures, one line each. */
static void print_checks(const struct pcn_refdata *ref, struct pcn_gen_calib *c, struct report *rep)
{
    struct pcn_gen_check_value v[PCN_CHECK_COUNT];
    pcn_gen_calib_checks(c, v);
    for (int k = 0; k < PCN_CHECK_COUNT; k++) {
        struct pcn_gen_check_info info;
        if (pcn_gen_check_info(ref, k, v[k].n, &info) != PCN_OK)
            continue;
        int applies = pcn_gen_check_applies(&info, v[k].n);
        int ok = pcn_gen_check_within(&info, v[k].value);
        rep->checks_failed += applies && !ok;
        printf("  %-15s %8.2f  (n %8.0f)  range %g..%g  %s\n", info.name, v[k].value, v[k].n,
               info.lo, info.hi,
               !applies ? "not checked"
               : ok     ? "ok"
                        : "OUT OF RANGE");
    }
}

static int run_one(const struct pcn_refdata *ref, const char *code, uint64_t seed,
                   struct report *rep)
{
    struct pcn_gen_options o;
    struct pcn_gen_calib *c = NULL;
    struct pcn_sink sink;
    struct pcn_error err = {0};
    struct pcn_gen_stats st = {0};
    int64_t efi[4];
    pcn_gen_options_init(&o);
    o.seed = seed;
    if (code[0] == 'U')
        o.pcn = code;
    else
        o.practice = code;
    if (pcn_gen_calib_new(ref, o.as_of, &c) != PCN_OK)
        return 1;
    pcn_gen_calib_sink(c, &sink);
    if (pcn_generate(ref, &o, &sink, NULL, &st, &err) != PCN_OK) {
        fprintf(stderr, "gen_calibration: %s\n", err.msg);
        pcn_gen_calib_free(c);
        return 1;
    }
    pcn_gen_calib_each(c, print_row, rep);
    print_checks(ref, c, rep);
    pcn_gen_calib_efi(c, efi);
    double n65 = (double)(efi[0] + efi[1] + efi[2] + efi[3]);
    printf("%s: %lld practices, %lld registered; eFI 65+ (n=%.0f): fit %.1f%% mild %.1f%% "
           "moderate %.1f%% severe %.1f%%\n",
           code, (long long)st.practices, (long long)st.registered, n65, 100 * efi[0] / n65,
           100 * efi[1] / n65, 100 * efi[2] / n65, 100 * efi[3] / n65);
    pcn_gen_calib_free(c);
    return 0;
}

int main(int argc, char **argv)
{
    struct pcn_refdata *ref = NULL;
    struct pcn_error err = {0};
    struct report rep = {0};
    uint64_t seed = 1;
    int status = 0;
    if (pcn_refdata_load(NULL, &ref, &err) != PCN_OK) {
        fprintf(stderr, "gen_calibration: %s\n", err.msg);
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--all-rows") == 0) {
            rep.all_rows = 1;
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            if (pcn_parse_u64(argv[i + 1], strlen(argv[i + 1]), &seed) != PCN_OK)
                return 2;
            i++;
        } else {
            status |= run_one(ref, argv[i], seed, &rep);
        }
    }
    printf("checked %d practice-register pairs (practices over %d patients): %d outside "
           "tolerance; %d checks out of range\n",
           rep.checked, PCN_GEN_CALIB_MIN_LIST, rep.failed, rep.checks_failed);
    pcn_refdata_free(ref);
    return status || rep.failed || rep.checks_failed ? 1 : 0;
}
