/*
 * generate_int.h - internals shared by the generator's files: the state of
 * a run (struct gen), of the practice being generated (struct
 * gen_practice, with its practice effect) and of one person's records
 * (struct rec), the plan of practices a selection covers, and the small
 * random helpers. generate.c builds lists and registers, generate_people.c
 * the practice effect, ethnicity and care homes, generate_records.c and
 * generate_meds.c each person's records, generate_bundle.c the threaded
 * CSV bundle.
 */
#ifndef PCN_SYNTH_GENERATE_INT_H
#define PCN_SYNTH_GENERATE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcn/generate.h"
#include "synth/refdata_int.h"

/* The first 9-digit candidate for NHS numbers (the 999 test range). */
#define PCN_GEN_NHS_FIRST 999000000ULL

#define GEN_CATCHMENT 48 /* LSOAs a practice's patients live in */
#define GEN_DAYS_YEAR 365.25
#define GEN_ETH_NOT_STATED 0xff /* person's recorded ethnicity: not stated (Z) */

/* Codes written with values or chosen on purpose: fixed members of their code lists. */
enum fixed_code {
    FX_SBP,
    FX_DBP,
    FX_HBA1C,
    FX_CHOL,
    FX_BMI,
    FX_EGFR,
    FX_AST_REVIEW,
    FX_COPD_REVIEW,
    FX_SMR,
    FX_NURSING_HOME,
    FX_RESIDENTIAL_HOME,
    FX_HOUSEBOUND,
    FX_EFI_SCORE,
    FX_QRISK,
    FX_DEM_CAREPLAN,
    FX_SOCPRES,
    FX_COUNT
};

/*
 * The practice effect's quality domains (docs/generator.md, "Practice
 * effect"): each practice's achievement in a domain is shifted on the
 * logit scale from the national reference; the shifts of one practice are
 * correlated through its quality level.
 */
enum quality_domain {
    Q_BP_RECORD,    /* blood pressure recorded (LTC annual, adults 5-yearly) */
    Q_BP_CONTROL,   /* treated BP at target */
    Q_HBA1C,        /* HbA1c at target */
    Q_DM_PROCESS,   /* HbA1c, cholesterol, eGFR measured for people with diabetes */
    Q_LAB,          /* cholesterol and eGFR for other long-term conditions */
    Q_RESP_REVIEW,  /* asthma and COPD reviews */
    Q_DEM_REVIEW,   /* dementia care plan review */
    Q_HEALTH_CHECK, /* SMI and LD physical health checks */
    Q_SMOKING,      /* smoking status recorded */
    Q_QRISK,        /* CVD risk recorded */
    Q_STATIN,       /* statins where indicated */
    Q_ANTICOAG,     /* AF anticoagulation */
    Q_FLU,          /* seasonal flu vaccination */
    Q_MED_REVIEW,   /* medication reviews, SMR */
    Q_COUNT
};

enum person_status { ST_REGISTERED, ST_LEFT, ST_DIED };

enum person_flag {
    PF_CAREHOME = 1 << 0,
    PF_NURSING = 1 << 1, /* with PF_CAREHOME: a nursing home, else residential */
    PF_HOUSEBOUND = 1 << 2,
};

struct person {
    int32_t dob;
    int32_t end;    /* registered_to / date of death; PCN_DATE_NONE while registered */
    uint8_t age;    /* on the as-of date */
    uint8_t sex;    /* 0 male, 1 female */
    uint8_t status; /* enum person_status */
    uint8_t decile; /* IMD 2019 decile of the LSOA */
    uint8_t flags;
    uint8_t eth;        /* ethnic group: index 0..15 into A..S */
    uint8_t eth_stated; /* 0: recorded as not stated (Z) */
    float c, g;         /* latent cardiometabolic and general ill-health factors */
    uint32_t regs;      /* registers the person is on */
    uint32_t lsoa;      /* index into ref->lsoa_code */
};

/* A practice's appointments (generate_contacts.c). */
struct contact_model {
    double scale;                  /* contacts a year = scale x the person's weight */
    double within_2w;              /* booked to seen within two weeks */
    double continuity;             /* logit shift of seeing the usual GP */
    double share[PCN_STAFF_COUNT]; /* of appointments by role */
    int staff[PCN_STAFF_COUNT];    /* headcount by role (practice's or network's) */
};

/* State of one practice being generated. */
struct gen_practice {
    const char *code;
    const char *network; /* PCN code: the network part of the practice effect */
    int decile;          /* practice IMD decile 1..10 */
    int32_t bands[2][REF_N_BANDS];
    double target[PCN_REG_COUNT]; /* prevalence to reach among the eligible */
    double k[PCN_REG_COUNT];      /* calibrated risk multipliers */
    double shift[Q_COUNT];        /* practice effect: logit shift of each quality domain */
    double odds[Q_COUNT];         /* exp(shift): the odds ratio of each quality domain */
    double habit;                 /* PCA recording habit: multiplier of the national rates */
    uint32_t catchment[GEN_CATCHMENT];
    struct contact_model contacts;
    struct person *people;
    size_t n_people, n_registered;
};

/* One run. */
struct gen {
    const struct pcn_refdata *ref;
    const struct pcn_gen_options *opt;
    const struct pcn_sink *sink;
    const struct pcn_gen_registry *reg;
    struct pcn_error *err;
    struct pcn_gen_stats stats;
    struct pcn_rng rng;
    int32_t as_of;
    uint64_t nhs_next; /* next 9-digit candidate for an NHS number */
    struct pcn_strmap *terms_seen;
    uint32_t *eth_codes[REF_N_ETH]; /* ethnicity code list indices by 16-group */
    size_t n_eth_codes[REF_N_ETH];
    double eth_share[10][REF_N_ETH];     /* fallback: P(group | LSOA IMD decile) */
    double eth_tilt[10][REF_N_ETH];      /* relative concentration of each group by decile */
    int32_t diag_pick[PCN_REG_COUNT][2]; /* diagnosis code pool of each register and sex */
    long *diag_codes[PCN_REG_COUNT][2];
    uint64_t *diag_efi_bits[PCN_REG_COUNT]; /* by register list entry: eFI deficits it counts as */
    long *ckd_stage_codes[4];               /* CKD diagnosis codes by stage: 3a, 3b, 4, 5 */
    int32_t n_ckd_stage_codes[4];
    long fixed[FX_COUNT];
    double care_rate[2][REF_N_BANDS]; /* care home residence by sex and band */
    /* register risk factors (generate.c): by sex and age, and by IMD decile */
    float risk_age[PCN_REG_COUNT][2][256];
    double risk_dep[PCN_REG_COUNT][11];
    uint8_t *term_done[CL_COUNT]; /* term of list entry already written */
    uint8_t *drug_term_done;      /* by catalogue entry */
    uint8_t class_rules[128];     /* prescribing rules grouped by class (generate_meds.c) */
    uint8_t class_first[40];      /* a class\'s first index into class_rules */
    uint32_t class_regs[40];      /* registers with a rule of the class */
    uint8_t class_min_age[40];    /* youngest age of the class's rules for everyone */
    /* eFI codes that no register and no other condition implies, usable as extra deficits */
    uint32_t *efi_codes[EFI_COUNT];
    uint64_t *efi_code_bits[EFI_COUNT]; /* the deficits each of those codes counts as */
    size_t n_efi_codes[EFI_COUNT];
    uint64_t fixed_efi_bits[FX_COUNT]; /* the deficits each fixed code counts as */
};

/* Everything one person's records need while they are written. */
struct rec {
    struct gen *g;
    const struct gen_practice *p;
    const struct person *x;
    const char *pid;
    int32_t ref_date; /* as-of date, or the date they left or died */
    uint64_t efi;     /* eFI deficits coded so far (bit per enum ref_efi) */
    uint64_t drugs;   /* catalogue entries prescribed (bit per enum model_drug_id) */
    uint64_t classes; /* their therapeutic classes (bit per enum model_class) */
    uint32_t pca;     /* registers with a personalised care adjustment this year */
    int n_drugs;
    int ckd_stage;       /* 0 none, 1 stage 3a, 2 3b, 3 stage 4, 4 stage 5 */
    bool dm_reviewed;    /* diabetes: came for the year's review (HbA1c, cholesterol) */
    bool severe_frailty; /* eFI > 0.36 */
    double qrisk;        /* latest QRISK3 10-year risk (%) recorded, 0 if none */
};

/* ---- random helpers (generate.c) ---- */

static inline bool gen_chance(struct pcn_rng *r, double p)
{
    return pcn_rng_uniform(r) < p;
}

/* A date uniformly in [from, to]. */
static inline int32_t gen_date_between(struct pcn_rng *r, int32_t from, int32_t to)
{
    if (to <= from)
        return from;
    return from + (int32_t)pcn_rng_below(r, (uint64_t)(to - from) + 1);
}

int pcn__gen_poisson(struct pcn_rng *r, double lambda);
double pcn__gen_logit(double p);
double pcn__gen_logistic(double x);
/* Probability p_base moved by the practice's shift in domain d. */
double pcn__gen_quality(const struct rec *c, enum quality_domain d, double p_base);
/*
 * Calibrated sampling (registers, care homes): the multiplier k with
 * sum min(1, k w) = want, and systematic sampling with it (w[i] becomes 1
 * for a picked item, else 0).
 */
double pcn__gen_solve_k(const double *w, size_t n, double want, double sum);
void pcn__gen_pick(struct pcn_rng *r, double *w, size_t n, double k);
/* A date in the last max_days before ref_date, not before birth. */
int32_t pcn__gen_recent(struct rec *c, int max_days);

/* ---- writing records (generate_records.c) ---- */

enum pcn_err pcn__gen_emit_term(struct gen *g, const char *system, const char *code,
                                const char *term);
/* An event coded from list l (entry idx; -1 picks one at random). */
enum pcn_err pcn__gen_ev(struct rec *c, int l, long idx, int32_t date, enum pcn_event_kind kind);
enum pcn_err pcn__gen_obs(struct rec *c, int l, long idx, int32_t date, double v, const char *unit);
enum pcn_err pcn__gen_records(struct rec *c);

/* ---- code pools (generate_codes.c) ---- */

/* Fixed codes, diagnosis pools by register (and CKD stage), eFI pools. */
enum pcn_err pcn__gen_codes_setup(struct gen *g);
void pcn__gen_codes_release(struct gen *g);

/* ---- population (generate_people.c) ---- */

/* Practice effect: the practice's shifts and PCA habit from its network and own draws. */
void pcn__gen_practice_effect(struct gen *g, struct gen_practice *p);
/* The ethnicity and care home tables. */
enum pcn_err pcn__gen_people_setup(struct gen *g);
void pcn__gen_ethnicity(struct gen *g, struct person *x);
/* Relative register risk of the person's ethnic group (1 for most registers). */
double pcn__gen_ethnic_risk(int reg, const struct person *x);
/* Care home residents (national rates by age band) once the registers are known. */
enum pcn_err pcn__gen_care_homes(struct gen *g, struct gen_practice *p);
char pcn__gen_ethnic_letter(const struct person *x);

/* ---- medicines (generate_meds.c) ---- */

/* Choose the person's medicines (before measurements, which depend on them). */
void pcn__gen_choose_medicines(struct rec *c);
enum pcn_err pcn__gen_emit_medicines(struct rec *c);
/* The person takes a drug of therapeutic class cls (enum in generate_model.h). */
bool pcn__gen_takes(const struct rec *c, int cls);
enum pcn_err pcn__gen_meds_setup(struct gen *g);

/* ---- appointments (generate_contacts.c) ---- */

/* The practice's contact model (rp: the real practice or NULL) once its people are known. */
void pcn__gen_contacts_setup(const struct gen *g, struct gen_practice *p,
                             const struct ref_practice *rp);
/* The person's appointments of the last year, drawn from r (the person's own stream). */
enum pcn_err pcn__gen_contacts(struct rec *c, struct pcn_rng *r);

/* ---- plan and ranges (generate.c) ---- */

/*
 * Practices (indices into the reference data) of a real selection, in
 * generation order. Caller frees *ret_plan with pcn_free(). NULL and 0 for
 * an invented network. PCN_ENOTFOUND for an unknown code.
 */
enum pcn_err pcn__gen_plan(const struct pcn_refdata *ref, const struct pcn_gen_options *o,
                           uint32_t **ret_plan, size_t *ret_n, struct pcn_error *reterr);

/* People (registered, left, died) generated for a practice. */
size_t pcn__gen_practice_people(const struct pcn_refdata *ref, uint32_t practice);

/* The NHS number candidate after issuing n numbers from candidate next. */
uint64_t pcn__gen_nhs_advance(uint64_t next, size_t n);

/*
 * Generate plan[from..to) (or the invented network when plan is NULL) with
 * NHS numbers starting at candidate nhs_next. Terms are written once per
 * call.
 */
enum pcn_err pcn__gen_range(const struct pcn_refdata *ref, const struct pcn_gen_options *opt,
                            const struct pcn_sink *sink, const struct pcn_gen_registry *reg,
                            const uint32_t *plan, size_t from, size_t to, uint64_t nhs_next,
                            struct pcn_gen_stats *ret_stats, struct pcn_error *reterr);

#endif /* PCN_SYNTH_GENERATE_INT_H */
