/*
 * generate.h - the synthetic twin generator: a realistic synthetic
 * population for a real English PCN (or an invented one) built from the
 * public NHS reference tables in data/reference/ and the code lists in
 * defs/codelists/. The model is described in docs/generator.md.
 *
 * Output flows through a record sink (record.h) practice by practice, so
 * a whole ICB or England streams without being held in memory. The same
 * reference data, options and seed give byte-identical output.
 */
#ifndef PCN_GENERATE_H
#define PCN_GENERATE_H

#include <stdint.h>

#include "pcn/error.h"
#include "pcn/record.h"
#include "pcn/registry.h"
#include "pcn/rng.h"

/* ---- the 21 QOF registers ---- */

enum pcn_gen_register {
    PCN_REG_AF,
    PCN_REG_AST,
    PCN_REG_CAN,
    PCN_REG_CHD,
    PCN_REG_CKD,
    PCN_REG_COPD,
    PCN_REG_DEM,
    PCN_REG_DEP,
    PCN_REG_DM,
    PCN_REG_EP,
    PCN_REG_HF,
    PCN_REG_HYP,
    PCN_REG_LD,
    PCN_REG_MH,
    PCN_REG_NDH,
    PCN_REG_OB,
    PCN_REG_OST,
    PCN_REG_PAD,
    PCN_REG_PC,
    PCN_REG_RA,
    PCN_REG_STIA,
    PCN_REG_COUNT
};

/* QOF group code ("AF", "AST", ...); NULL when out of range. Static string. */
const char *pcn_gen_register_name(int reg);
/* Minimum age (on the as-of date) of the register's QOF denominator (0, 6, 16, 17, 18, 50). */
int pcn_gen_register_min_age(int reg);

/* ---- reference data ---- */

struct pcn_refdata;

/*
 * Load data/reference/ and defs/codelists/ under root (NULL: pcn_data_dir()).
 * Caller frees *ret with pcn_refdata_free(). PCN_ENOTFOUND (missing
 * file), PCN_EIO or PCN_EPARSE with *reterr naming the file and line;
 * PCN_EINVAL when a code list is empty.
 */
enum pcn_err pcn_refdata_load(const char *root, struct pcn_refdata **ret, struct pcn_error *reterr);
/* NULL-safe. */
void pcn_refdata_free(struct pcn_refdata *ref);

/* Date of the list-size extract in list_bands.csv (the default as-of date). */
int32_t pcn_refdata_extract_date(const struct pcn_refdata *ref);

/*
 * Published QOF 2024-25 prevalence of register reg at a practice (register
 * count / list size of the register's list type), in [0, 1].
 * PCN_ENOTFOUND when the practice has no QOF row.
 */
enum pcn_err pcn_refdata_qof_prevalence(const struct pcn_refdata *ref, const char *practice,
                                        int reg, double *ret);

/*
 * Ethnicity by area (docs/generator.md, "Ethnicity"): load a table of
 * residents by local authority and NHS ethnic category from path (CSV:
 * column lad with the 2019 local authority district code, then columns A B
 * C D E F G H J K L M N P R S with counts or shares), replacing any loaded
 * before. pcn_refdata_load() reads data/reference/ethnicity_by_la.csv this
 * way when the file exists (the project ships none: the shared data holds
 * no Census ethnicity by area). Local authorities the table lacks keep the
 * national shares by deprivation. PCN_EPARSE naming the file and line, or
 * the error of opening it; on error no table is in use.
 */
enum pcn_err pcn_refdata_load_ethnicity(struct pcn_refdata *ref, const char *path,
                                        struct pcn_error *reterr);

/* Local authorities with a row in the loaded ethnicity table (0: national shares only). */
size_t pcn_refdata_ethnicity_areas(const struct pcn_refdata *ref);

/* Number of practices of network `pcn` in the reference data (0 if unknown). */
int pcn_refdata_network_practices(const struct pcn_refdata *ref, const char *pcn);

/* ---- generation ---- */

struct pcn_gen_options {
    uint64_t seed;        /* default 1 */
    int32_t as_of;        /* PCN_DATE_NONE: the reference extract date */
    const char *pcn;      /* a real network code, or NULL */
    const char *icb;      /* every network of this ICB code (e.g. "QHM"), or NULL */
    int all;              /* nonzero: every network in England */
    const char *practice; /* restrict to this one practice (tests, calibration); or NULL */
    int n_practices;      /* invented network (when pcn, icb and all are unset) */
    int64_t n_patients;   /* registered patients of the invented network */
    int with_records;     /* nonzero (default): clinical records; 0: patients only */
};

/* Defaults: seed 1, as_of none, invented network of 5 practices and 40,000 patients. */
void pcn_gen_options_init(struct pcn_gen_options *o);

/*
 * Where the registry rows of the generated networks go (the database load
 * path). Every callback may be NULL. Strings are borrowed for the call.
 */
struct pcn_gen_registry {
    enum pcn_err (*network)(void *ctx, const struct pcn_network *n);
    enum pcn_err (*practice)(void *ctx, const struct pcn_practice *p,
                             const struct pcn_membership *m);
    enum pcn_err (*list_size)(void *ctx, const struct pcn_list_size *l);
    enum pcn_err (*list_band)(void *ctx, const struct pcn_list_band *b);
    void *ctx;
};

/* Counts of what a run produced. */
struct pcn_gen_stats {
    int64_t networks;
    int64_t practices;
    int64_t patients; /* all generated, including those who left or died in the year */
    int64_t registered;
    int64_t events;
    int64_t medications;
    int64_t immunisations;
    int64_t encounters;
    int64_t terms;
};

/*
 * Generate the population selected by opt into sink (and the registry rows
 * into reg when not NULL). Stops at the first sink error and returns it.
 * PCN_ENOTFOUND when the network, ICB or practice is unknown; PCN_EINVAL
 * for inconsistent options or when a code the generator writes with a
 * value (BP, HbA1c, ...) is missing from its code list. ret_stats may be
 * NULL. Thread-safe for distinct sinks: ref is only read.
 */
enum pcn_err pcn_generate(const struct pcn_refdata *ref, const struct pcn_gen_options *opt,
                          const struct pcn_sink *sink, const struct pcn_gen_registry *reg,
                          struct pcn_gen_stats *ret_stats, struct pcn_error *reterr);

/*
 * Generate into a native CSV bundle (bundle.h) in directory dir with
 * n_threads threads (1-8): the practices are split into contiguous parts
 * of about equal population, written in parallel and appended in order,
 * so the bundle is byte-identical whatever n_threads. Part directories
 * (dir/.part-N) are removed on success. Errors as for pcn_generate(), plus
 * PCN_EIO naming the file.
 */
enum pcn_err pcn_generate_bundle(const struct pcn_refdata *ref, const struct pcn_gen_options *opt,
                                 const char *dir, int n_threads, struct pcn_gen_stats *ret_stats,
                                 struct pcn_error *reterr);

/* ---- calibration: the twin against published figures ---- */

/*
 * The register tolerance, one rule for every comparison with QOF 2024-25
 * (pcn report calibration, the calibration sink, bench/gen_calibration, the
 * tests): a register's prevalence is within
 * max(PCN_GEN_CALIB_REL_TOL x published, PCN_GEN_CALIB_ABS_TOL) of the
 * published one (10% relative or 0.3 percentage points, whichever is
 * larger), bounds included; a missing published figure (negative) is never
 * within. Checked for practices over PCN_GEN_CALIB_MIN_LIST patients.
 * Proportions in [0, 1].
 */
#define PCN_GEN_CALIB_MIN_LIST 5000
#define PCN_GEN_CALIB_REL_TOL 0.10
#define PCN_GEN_CALIB_ABS_TOL 0.003
double pcn_gen_register_tolerance(double published);
int pcn_gen_register_within(double published, double generated);

/*
 * Checks beyond the registers (docs/generator.md, "Calibration"): each
 * compares a figure measured on the twin with a published one, and passes
 * when the twin's value lies in [lo, hi]. Percentages are 0-100.
 */
enum pcn_gen_check {
    PCN_CHECK_SPREAD,       /* SD between a network's practices of indicator achievement, points;
                               n: practice contrasts (practices less networks) */
    PCN_CHECK_BP_CONTROL,   /* hypertension under 80: latest BP in 12 months <= 140/90, % */
    PCN_CHECK_NONHYP_140,   /* adults off the HYP register measured in 12 months: >= 140 mmHg, % */
    PCN_CHECK_BP_5Y,        /* people 45+ with a BP in 5 years, % */
    PCN_CHECK_SMOKING,      /* people 15+ with a long-term condition: smoking status in 12 months */
    PCN_CHECK_ANTICOAG,     /* AF with CHA2DS2-VASc >= 2: anticoagulant issued in 6 months, % */
    PCN_CHECK_ANTICOAG_TWO, /* people with AF issued two anticoagulants in 6 months, % */
    PCN_CHECK_CAREHOME,     /* registered patients living in a care home, % */
    PCN_CHECK_CAREHOME_YOUNG, /* care home residents aged 18-64, % of residents */
    PCN_CHECK_PCA,            /* people on registers with PCA codes: a PCA in 12 months, % */
    PCN_CHECK_ETHNICITY,      /* White of known ethnicity minus the source's expectation, points */
    PCN_CHECK_DM_ASIAN,       /* diabetes prevalence (17+), Asian / White */
    PCN_CHECK_HYP_BLACK,      /* hypertension prevalence (18+), Black / White */
    PCN_CHECK_LEAK,           /* people with a diabetes code of the eFI list never coded DM_COD */
    PCN_CHECK_EFI_MAX,        /* people 65+ with an eFI above 0.67 */
    PCN_CHECK_DMD,            /* medication codes in a shipped dm+d list, % */
    PCN_CHECK_APPOINTMENTS,   /* appointments in 12 months (attended or not) a registered patient */
    PCN_CHECK_APPT_GP,        /* of them with a GP, % */
    PCN_CHECK_APPT_F2F,       /* of them face to face, % */
    PCN_CHECK_APPT_DNA,       /* of them not attended, % */
    PCN_CHECK_APPT_2W,        /* of them seen within two weeks of booking, % */
    PCN_CHECK_CONTINUITY,     /* people with 3+ attended GP appointments: mean share with the GP
                                 they saw most (usual provider of care index), % */
    PCN_CHECK_COUNT
};

struct pcn_gen_check_info {
    const char *name;   /* e.g. "bp_control"; static */
    const char *title;  /* static */
    const char *source; /* the publication the figure comes from; static */
    double published;   /* the published figure, in the check's unit */
    double lo, hi;      /* accepted range of the twin's value */
    double min_n;       /* applies when its denominator (practices, people) reaches this */
    int is_count;       /* the value is a count of people (else a percentage, ratio, SD) */
    int is_rate;        /* the value is num / den (else by is_count: a count or a percentage) */
};

/*
 * The check's published figure and range, for a measurement over n (its
 * struct pcn_gen_check_value n). From ref (data/reference/
 * practice_variation.csv): the spread's published SD, whose range is the
 * 99.9% interval of an SD estimated from n practice contrasts, and the
 * range of the achievement checks (BP control, BP recording, smoking,
 * anticoagulation, appointments within two weeks: the national figure of
 * data/reference/practice_access.csv), the national figure +- 3.29 SD of
 * network achievement (3.29: 99.9%).
 * Ethnicity is a difference from the source's expectation
 * (pcn_gen_expected_white()). PCN_EINVAL for an unknown check.
 */
enum pcn_err pcn_gen_check_info(const struct pcn_refdata *ref, int check, double n,
                                struct pcn_gen_check_info *ret);
/*
 * The checks' rule, one for pcn report calibration, the calibration sink's
 * users (bench/gen_calibration) and the tests: a check applies when it was
 * measured (n > 0) over at least its min_n; it passes when its value lies in
 * [lo, hi], bounds included. A check that does not apply is shown as "not
 * checked" and never fails.
 */
int pcn_gen_check_applies(const struct pcn_gen_check_info *info, double n);
/* Nonzero when value lies in the check's range. */
int pcn_gen_check_within(const struct pcn_gen_check_info *info, double value);

/*
 * Share (0-1) of White (NHS categories A, B, C) expected among people of
 * known ethnicity at a practice by the generator's source: the area table
 * row of the practice's local authority when one is loaded, else the
 * national Census 2021 shares by deprivation, weighted by the practice's
 * people in each IMD quintile (n_by_quintile[0] = most deprived).
 * Negative when the practice is unknown or the counts are all zero.
 */
double pcn_gen_expected_white(const struct pcn_refdata *ref, const char *practice,
                              const int64_t n_by_quintile[5]);

/* A check's measurement: the twin's value and its denominator. */
struct pcn_gen_check_value {
    double value; /* in the check's unit; meaningless when n is 0 */
    double n;     /* denominator (practices, people); 0: not measured */
};

/* A check measured as num of den people: a count or a percentage by the check's unit. */
struct pcn_gen_check_value pcn_gen_check_ratio(int check, int64_t num, int64_t den);

/* The indicators whose spread between practices PCN_CHECK_SPREAD pools. */
enum pcn_gen_spread_indicator {
    PCN_SPREAD_BP_CONTROL, /* hypertension under 80, BP <= 140/90 in 12 months */
    PCN_SPREAD_BP_5Y,      /* 45+, BP in 5 years */
    PCN_SPREAD_SMOKING,    /* long-term conditions, smoking status in 12 months */
    PCN_SPREAD_ANTICOAG,   /* AF with CHA2DS2-VASc >= 2, anticoagulant in 6 months */
    PCN_SPREAD_FLU,        /* 65+, flu vaccination in 12 months */
    PCN_SPREAD_HBA1C,      /* diabetes, latest HbA1c in 12 months <= 58 */
    PCN_SPREAD_COUNT
};

/* One practice's achievement of one spread indicator. */
struct pcn_gen_spread_cell {
    const char *network; /* the practice's network code; borrowed */
    int indicator;       /* enum pcn_gen_spread_indicator */
    int64_t num, den;
};

/*
 * PCN_CHECK_SPREAD from practice cells: for each network and indicator the
 * variance of practice achievement (denominators of 30 or more) less its
 * binomial noise, pooled over networks and indicators weighted by their
 * degrees of freedom, as an SD in percentage points; n is the practice
 * contrasts of the best-covered indicator.
 */
struct pcn_gen_check_value pcn_gen_spread(const struct pcn_gen_spread_cell *cells, size_t n);

/* The network code of a practice in the reference data, or NULL. Static string. */
const char *pcn_refdata_practice_network(const struct pcn_refdata *ref, const char *practice);

/*
 * A record sink that recomputes the 21 registers from generated records
 * (codes from defs/codelists, simplified QOF rules described in
 * docs/generator.md), the eFI category of people aged 65+ and the checks
 * above, so tests and bench/gen_calibration can compare them with
 * published figures. It expects records of one patient to follow that
 * patient (as pcn_generate writes them).
 */
struct pcn_gen_calib;

/* Caller frees with pcn_gen_calib_free(); ref is borrowed and must outlive c. */
enum pcn_err pcn_gen_calib_new(const struct pcn_refdata *ref, int32_t as_of,
                               struct pcn_gen_calib **ret);
void pcn_gen_calib_free(struct pcn_gen_calib *c);
/* The sink; valid while c lives. */
void pcn_gen_calib_sink(struct pcn_gen_calib *c, struct pcn_sink *ret);

struct pcn_gen_calib_row {
    const char *practice; /* borrowed */
    int reg;
    int64_t list_size;   /* registered on the as-of date */
    int64_t eligible;    /* of them, old enough for the register's denominator */
    int64_t on_register; /* of them, on the register by the recomputed rule */
    double generated;    /* on_register / eligible */
    double published;    /* QOF 2024-25; negative when not published */
    int within;          /* nonzero when pcn_gen_register_within() */
};

/*
 * Call fn for each practice seen and each register, in the order practices
 * arrived. A nonzero return from fn stops the walk.
 */
void pcn_gen_calib_each(struct pcn_gen_calib *c,
                        int (*fn)(const struct pcn_gen_calib_row *row, void *ud), void *ud);

/* Registered people aged 65+ by eFI category: fit, mild, moderate, severe. */
void pcn_gen_calib_efi(struct pcn_gen_calib *c, int64_t ret[4]);

/*
 * The checks measured on everything the sink has seen (the spread: pooled
 * over the networks seen, practices grouped by network as they arrived).
 */
void pcn_gen_calib_checks(struct pcn_gen_calib *c, struct pcn_gen_check_value ret[PCN_CHECK_COUNT]);

#endif /* PCN_GENERATE_H */
