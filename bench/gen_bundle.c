/*
 * gen_bundle.c - write a large native CSV bundle for the import benchmark:
 * gen_bundle DIR N_PATIENTS EVENTS_PER_PATIENT. Deterministic (fixed LCG
 * seed); rows look like primary care data (SNOMED codes, some values,
 * dates in order), not like a clinical model. Bench-only tool.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t lcg = 88172645463325252ull;

static uint32_t next_rand(void)
{
    lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(lcg >> 33);
}

static const char *const codes[] = {
    "44054006",        "38341003", "195967001",        "13645005",  "271649006", "271650006",
    "999791000000106", "60621009", "1005671000000105", "266919005", "8517006",   "430193006",
};
static const char *const kinds[] = {
    "condition",   "condition",   "condition",   "condition",   "observation", "observation",
    "observation", "observation", "observation", "observation", "observation", "procedure",
};
static const char *const units[] = {
    "", "", "", "", "mm[Hg]", "mm[Hg]", "mmol/mol", "kg/m2", "mmol/L", "", "", "",
};

static FILE *open_out(const char *dir, const char *name)
{
    char path[4096];
    FILE *f;
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        exit(2);
    f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    return f;
}

int main(int argc, char **argv)
{
    FILE *pf, *ef;
    long n, per;

    if (argc != 4) {
        fprintf(stderr, "usage: gen_bundle DIR N_PATIENTS EVENTS_PER_PATIENT\n");
        return 2;
    }
    n = strtol(argv[2], NULL, 10);   /* checksrc: ok (bench tool) */
    per = strtol(argv[3], NULL, 10); /* checksrc: ok (bench tool) */
    pf = open_out(argv[1], "patients.csv");
    ef = open_out(argv[1], "events.csv");
    fputs("patient_id,nhs_number,family_name,given_name,date_of_birth,sex,ethnicity,postcode,"
          "lsoa,practice,registered_from,registered_to,date_of_death\n",
          pf);
    fputs("patient_id,date,end_date,kind,system,code,value,unit,source,orig_system,orig_code\n",
          ef);
    for (long p = 0; p < n; p++) {
        int y = 1925 + (int)(next_rand() % 95), m = 1 + (int)(next_rand() % 12);
        int d = 1 + (int)(next_rand() % 28);
        fprintf(pf, "P%08ld,,,,%04d-%02d-%02d,%c,,,,A8%04ld,2001-04-01,,\n", p, y, m, d,
                next_rand() % 2 ? 'F' : 'M', p % 6);
        for (long e = 0; e < per; e++) {
            unsigned c = next_rand() % 12;
            int ey = 2000 + (int)(e * 24 / (per ? per : 1)), em = 1 + (int)(next_rand() % 12);
            fprintf(ef, "P%08ld,%04d-%02d-%02d,,%s,snomed,%s,", p, ey, em,
                    1 + (int)(next_rand() % 28), kinds[c], codes[c]);
            if (units[c][0])
                fprintf(ef, "%u.%u,%s,bench,,\n", 40 + next_rand() % 120, next_rand() % 10,
                        units[c]);
            else
                fputs(",,bench,,\n", ef);
        }
    }
    if (fclose(pf) != 0 || fclose(ef) != 0)
        return 1;
    return 0;
}
