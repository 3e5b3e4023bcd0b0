/*
 * generate_calib.c - the calibration check: a record sink that recomputes
 * the 21 QOF registers, the eFI and the checks against published figures
 * (practice spread, blood pressure, anticoagulation, care homes, PCAs,
 * ethnicity, code leaks, dm+d) from generated records, using only the
 * codes of defs/codelists (never the generator's internal state), and the
 * one tolerance rule every comparison uses. Holds one patient's state at a
 * time plus one row of counts per practice.
 */
#include "pcn/generate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "synth/refdata_int.h"
#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "pcn/vec.h"
#include "util/common.h"

#define RES_SHIFT 32
#define SPREAD_MIN_DEN 30 /* practice denominators counted in the spread */

/* Bits of the medicine map. */
enum { MED_ASTHMA = 1, MED_EPILEPSY = 2, MED_ANTICOAG = 4 };

/* Bits of the observation map (codes whose values or presence a check reads). */
enum {
    OB_SBP = 1,
    OB_BP = 2, /* any BP code (BP_COD or a systolic code) */
    OB_DBP = 4,
    OB_SMOKING = 8,
    OB_HBA1C = 16,
    OB_CAREHOME = 32,
    OB_BMI = 64,
    OB_DIABETIC = 128, /* a code of the eFI diabetes list */
};

#define CALIB_MAX_GPS 16 /* distinct GPs counted for a patient's continuity */

/* Numerator and denominator of a check or indicator. */
struct ratio {
    int64_t num, den;
};

struct calib_practice {
    char code[8];
    int network; /* index into ref->networks, -1 unknown */
    int64_t list;
    int64_t eligible[PCN_REG_COUNT];
    int64_t on[PCN_REG_COUNT];
    struct ratio ind[PCN_SPREAD_COUNT];
    int64_t quintile[5]; /* registered people by IMD quintile of their LSOA */
    int64_t eth_known, eth_white;
};

/* The patient whose records are arriving. */
struct calib_patient {
    bool active; /* registered and alive on the as-of date */
    int age;
    int sex; /* 0 male, 1 female */
    char eth;
    size_t practice;
    int32_t diag[PCN_REG_COUNT]; /* latest diagnosis date */
    int32_t res[PCN_REG_COUNT];  /* latest resolved date */
    int32_t bmi_date;
    double bmi;
    int32_t fracture; /* latest fragility fracture (eFI list) */
    bool asthma_drug; /* issued in the last 12 months */
    bool epilepsy_drug;
    int n_drugs; /* medicines issued in the last 12 months */
    uint64_t efi;
    int32_t sbp_date, dbp_date; /* latest systolic / diastolic in the last 12 months */
    double sbp, dbp;
    int32_t hba1c_date;
    double hba1c;
    bool bp_5y, smok_12m, carehome, diabetic_code, flu;
    uint32_t pca;         /* registers with a PCA code in the last 12 months */
    uint64_t anticoag[2]; /* hashes of distinct anticoagulant codes issued in 6 months */
    int n_anticoag;
    int64_t appts;                   /* appointments in the last 12 months */
    uint64_t gp_seen[CALIB_MAX_GPS]; /* attended GP appointments: clinician hashes ... */
    int gp_times[CALIB_MAX_GPS];     /* ... and how often each was seen */
    int n_gps, gp_visits;
};

struct pcn_gen_calib {
    const struct pcn_refdata *ref;
    int32_t as_of;
    int32_t year_ago;    /* as_of - 12 months: issues after it are "in the last 12 months" */
    int32_t half_year;   /* as_of - 6 months */
    int32_t five_years;  /* as_of - 5 years */
    int32_t ost_from;    /* OST: fracture on or after 1 April 2012 (50-74) */
    int32_t ost_from_75; /* ... or 1 April 2014 (75+) */
    struct pcn_strmap *reg_codes; /* code -> diagnosis bits | resolved bits << 32 */
    struct pcn_strmap *efi_codes; /* code -> eFI deficit bits */
    struct pcn_strmap *med_codes; /* dm+d code -> MED_* */
    struct pcn_strmap *obs_codes; /* code -> OB_* */
    struct pcn_strmap *pca_codes; /* PCA code -> register bits */
    struct pcn_strmap *practice_index;
    struct calib_practice *practices;
    size_t n_practices, alloc;
    struct calib_patient cur;
    bool has_cur;
    int64_t efi[4];
    /* the checks' counts over everything seen */
    struct ratio nonhyp_140, anticoag, anticoag_two, carehome, carehome_young, pca, leak;
    struct ratio efi_over, dmd, dm_asian, dm_white, hyp_black, hyp_white;
    struct ratio appointments, appt_gp, appt_f2f, appt_dna, appt_2w;
    double upc_sum; /* usual provider of care index summed over people with 3+ GP visits */
    int64_t upc_n;
};

/* ---------------------------------------------------------------- the one tolerance rule */

double pcn_gen_register_tolerance(double published)
{
    return PCN_MAX(PCN_GEN_CALIB_REL_TOL * published, PCN_GEN_CALIB_ABS_TOL);
}

int pcn_gen_register_within(double published, double generated)
{
    double tol = pcn_gen_register_tolerance(published);
    return published >= 0 && generated - published <= tol && published - generated <= tol;
}

/* ---------------------------------------------------------------- the checks */

static const struct pcn_gen_check_info check_table[PCN_CHECK_COUNT] = {
    [PCN_CHECK_SPREAD] = {"spread", "Practice spread: SD of indicator achievement within a network",
                          "IIF 2023-24 ACC-08 by practice (data/reference/practice_variation.csv)",
                          0, 0, 0, 3},
    [PCN_CHECK_BP_CONTROL] = {"bp_control", "Hypertension under 80: BP <= 140/90 in 12 months",
                              "QOF HYP008 (about 65-70% in England; payment range 40-85%)", 67, 0,
                              0, 200},
    [PCN_CHECK_NONHYP_140] = {"nonhyp_140",
                              "Adults off the hypertension register measured in 12 months: "
                              "systolic >= 140",
                              "Health Survey for England 2019 (about 1 in 10 adults has "
                              "undiagnosed high BP)",
                              10, 4, 20, 200},
    [PCN_CHECK_BP_5Y] = {"bp_5y", "People 45+ with a BP in 5 years", "QOF BP002 (about 90%)", 90, 0,
                         0, 500},
    [PCN_CHECK_SMOKING] = {"smoking", "Long-term conditions: smoking status in 12 months",
                           "QOF SMOK002 (about 90%)", 90, 0, 0, 500},
    [PCN_CHECK_ANTICOAG] = {"anticoag", "AF with CHA2DS2-VASc >= 2 on an anticoagulant",
                            "CVDPREVENT / QOF AF008 (about 90%)", 90, 0, 0, 100},
    [PCN_CHECK_ANTICOAG_TWO] = {"anticoag_two", "AF patients issued two anticoagulants",
                                "clinical practice: one anticoagulant at a time", 0, 0, 0.5, 100},
    [PCN_CHECK_CAREHOME] = {"carehome", "Registered patients living in a care home",
                            "NHS England EHCH: about 360,000 residents of 63.8 million (0.56%)",
                            0.56, 0.15, 1.5, 10000},
    [PCN_CHECK_CAREHOME_YOUNG] = {"carehome_18_64", "Care home residents aged 18-64",
                                  "NHS England EHCH: 16% of residents (a network's share follows "
                                  "its age structure and its homes for younger adults)",
                                  16, 2, 70, 100},
    [PCN_CHECK_PCA] = {"pca", "People on PCA registers with a PCA in 12 months",
                       "QOF PCA (exception) rates: several percent", 6, 2, 20, 500},
    [PCN_CHECK_ETHNICITY] = {"ethnicity", "White of known ethnicity, minus the source",
                             "Census 2021 (area table when present, else England by "
                             "deprivation)",
                             0, -4, 4, 1000},
    [PCN_CHECK_DM_ASIAN] = {"dm_asian", "Diabetes prevalence, Asian to White",
                            "Diabetes UK, HSE 2004: 2-4 times in South Asian people", 2.5, 1.6, 4.5,
                            150},
    [PCN_CHECK_HYP_BLACK] = {"hyp_black", "Hypertension prevalence, Black to White",
                             "HSE 2004: higher in Black adults (about 1.4 times)", 1.4, 1.0, 2.2,
                             300},
    [PCN_CHECK_LEAK] = {"leak", "People with diabetes codes never coded with diabetes",
                        "complication codes only with the condition", 0, 0, 0, 1, 1},
    [PCN_CHECK_EFI_MAX] = {"efi_over_limit", "People 65+ with an eFI above 0.67",
                           "Rockwood and Mitnitski 2006: frailty indices stay below about 0.67", 0,
                           0, 0, 1, 1},
    [PCN_CHECK_DMD] = {"dmd", "Medication codes from a shipped dm+d list",
                       "dm+d (NHS Dictionary of medicines and devices)", 100, 100, 100, 1},
    [PCN_CHECK_APPOINTMENTS] = {"appointments", "Appointments in 12 months a registered patient",
                                "NHS England GP appointments data: about 5 a year (practices "
                                "spread with their own rates, IIF ACC-08)",
                                5, 3, 8, 1000, 0, 1},
    [PCN_CHECK_APPT_GP] = {"appt_gp", "Appointments with a GP",
                           "NHS England GP appointments data: GPs about 45%", 45, 35, 55, 1000},
    [PCN_CHECK_APPT_F2F] = {"appt_f2f", "Appointments face to face",
                            "NHS England GP appointments data: about two thirds", 67, 55, 80, 1000},
    [PCN_CHECK_APPT_DNA] = {"appt_dna", "Appointments not attended",
                            "NHS England GP appointments data: about 4%", 4.3, 2, 8, 1000},
    [PCN_CHECK_APPT_2W] = {"appt_2w", "Appointments within two weeks of booking",
                           "IIF 2023-24 ACC-08 (data/reference/practice_access.csv): 87.0% in "
                           "England",
                           87, 0, 0, 1000},
    [PCN_CHECK_CONTINUITY] = {"continuity", "3+ GP appointments: share with the GP seen most",
                              "usual provider of care index about 0.5-0.6 (Barker et al., BMJ "
                              "2017)",
                              55, 35, 80, 100},
};

/* The chi-square quantile with df degrees of freedom at standard normal z (Wilson-Hilferty). */
static double chi2_quantile(double df, double z)
{
    double t = 2.0 / (9.0 * df), v = 1 - t + z * sqrt(t);
    return df * PCN_MAX(v, 0.0) * PCN_MAX(v, 0.0) * PCN_MAX(v, 0.0);
}

/*
 * The spread's range: the 99.9% interval of an SD estimated from n
 * practice contrasts (practices less networks) when the true SD is the
 * published one, each contrast seen through the spread's indicators,
 * which a practice's common quality level correlates (effective number
 * K / (1 + (K - 1) rho^2), rho 0.6).
 */
static void spread_range(struct pcn_gen_check_info *info, double n)
{
    double k_eff = PCN_SPREAD_COUNT / (1 + (PCN_SPREAD_COUNT - 1) * 0.36);
    double df = PCN_MAX(n, 1) * k_eff;
    info->lo = info->published * sqrt(chi2_quantile(df, -3.29) / df);
    info->hi = info->published * sqrt(chi2_quantile(df, 3.29) / df);
}

enum pcn_err pcn_gen_check_info(const struct pcn_refdata *ref, int check, double n,
                                struct pcn_gen_check_info *ret)
{
    if (check < 0 || check >= PCN_CHECK_COUNT || !ret)
        return PCN_EINVAL;
    *ret = check_table[check];
    if (check == PCN_CHECK_SPREAD) {
        ret->published = 100 * ref->spread_sd_within;
        spread_range(ret, n);
    } else if (check == PCN_CHECK_BP_CONTROL || check == PCN_CHECK_BP_5Y ||
               check == PCN_CHECK_SMOKING || check == PCN_CHECK_ANTICOAG ||
               check == PCN_CHECK_APPT_2W) {
        if (check == PCN_CHECK_APPT_2W && ref->acc_within > 0)
            ret->published = 100 * ref->acc_within;
        /*
         * one network's achievement: the national figure +- 3.29 SD of networks'
         * achievement (99.9%, as the spread's interval)
         */
        double sd = 100 * ref->spread_sd_between;
        ret->lo = PCN_MAX(0.0, ret->published - 3.29 * sd);
        ret->hi = PCN_MIN(100.0, ret->published + 3.29 * sd);
    }
    return PCN_OK;
}

int pcn_gen_check_applies(const struct pcn_gen_check_info *info, double n)
{
    return n > 0 && n >= info->min_n;
}

int pcn_gen_check_within(const struct pcn_gen_check_info *info, double value)
{
    return value >= info->lo - 1e-9 && value <= info->hi + 1e-9;
}

/* ---------------------------------------------------------------- maps */

static enum pcn_err map_or(struct pcn_strmap *m, const char *code, uint64_t bits)
{
    uint64_t v = 0;
    (void)pcn_strmap_get(m, code, strlen(code), &v);
    return pcn_strmap_put(m, code, strlen(code), v | bits);
}

static enum pcn_err map_list(struct pcn_strmap *m, const struct ref_codelist *l, uint64_t bits)
{
    enum pcn_err rc = PCN_OK;
    for (size_t k = 0; k < l->n && rc == PCN_OK; k++)
        rc = map_or(m, l->codes[k], bits);
    return rc;
}

static const struct {
    int list, reg;
    bool resolved;
} calib_lists[] = {
    {CL_AF, PCN_REG_AF, false},     {CL_AST, PCN_REG_AST, false},
    {CL_CAN, PCN_REG_CAN, false},   {CL_CHD, PCN_REG_CHD, false},
    {CL_CKD, PCN_REG_CKD, false},   {CL_COPD, PCN_REG_COPD, false},
    {CL_DEM, PCN_REG_DEM, false},   {CL_DEP, PCN_REG_DEP, false},
    {CL_DM, PCN_REG_DM, false},     {CL_EP, PCN_REG_EP, false},
    {CL_HF, PCN_REG_HF, false},     {CL_HYP, PCN_REG_HYP, false},
    {CL_LD, PCN_REG_LD, false},     {CL_MH, PCN_REG_MH, false},
    {CL_NDH, PCN_REG_NDH, false},   {CL_OST, PCN_REG_OST, false},
    {CL_PAD, PCN_REG_PAD, false},   {CL_PC, PCN_REG_PC, false},
    {CL_RA, PCN_REG_RA, false},     {CL_STIA, PCN_REG_STIA, false},
    {CL_ASTRES, PCN_REG_AST, true}, {CL_COPDRES, PCN_REG_COPD, true},
    {CL_DMRES, PCN_REG_DM, true},   {CL_HYPRES, PCN_REG_HYP, true},
    {CL_TIA, PCN_REG_STIA, false},  {CL_HAEMCAN, PCN_REG_CAN, false},
};

/* The registers of each PCA list pair (enum ref_pca order). */
static const int pca_regs[9] = {PCN_REG_AF, PCN_REG_AST, PCN_REG_CKD, PCN_REG_COPD, PCN_REG_DEM,
                                PCN_REG_HF, PCN_REG_HYP, PCN_REG_OST, PCN_REG_STIA};

static enum pcn_err build_obs_maps(struct pcn_gen_calib *c)
{
    static const struct {
        int list;
        uint64_t bit;
    } obs[] = {
        {CL_SBP, OB_SBP | OB_BP},
        {CL_BP, OB_BP},
        {CL_SMOK_CUR, OB_SMOKING},
        {CL_SMOK_EX, OB_SMOKING},
        {CL_SMOK_NEVER, OB_SMOKING},
        {CL_HBA1C, OB_HBA1C},
        {CL_CAREHOME, OB_CAREHOME},
        {CL_BMI, OB_BMI},
        {CL_EFI_FIRST + EFI_DIABETES, OB_DIABETIC},
    };
    const struct pcn_refdata *ref = c->ref;
    enum pcn_err rc = PCN_OK;
    for (size_t i = 0; i < PCN_ARRAY_SIZE(obs) && rc == PCN_OK; i++)
        rc = map_list(c->obs_codes, &ref->lists[obs[i].list], obs[i].bit);
    /* the diastolic code the BP_COD list shares with the generator's readings */
    if (rc == PCN_OK)
        rc = map_or(c->obs_codes, "163031004", OB_DBP);
    for (int k = 0; k < 9 && rc == PCN_OK; k++) {
        rc = map_list(c->pca_codes, &ref->lists[CL_PCA_FIRST + 2 * k], 1ull << pca_regs[k]);
        if (rc == PCN_OK)
            rc = map_list(c->pca_codes, &ref->lists[CL_PCA_FIRST + 2 * k + 1], 1ull << pca_regs[k]);
    }
    static const int dm_pca[] = {CL_DMPCADEC, CL_DMPCAPU, CL_DMMAX, CL_BLDTESTDEC};
    for (size_t i = 0; i < PCN_ARRAY_SIZE(dm_pca) && rc == PCN_OK; i++)
        rc = map_list(c->pca_codes, &ref->lists[dm_pca[i]], 1ull << PCN_REG_DM);
    return rc;
}

static enum pcn_err build_maps(struct pcn_gen_calib *c)
{
    const struct pcn_refdata *ref = c->ref;
    enum pcn_err rc = PCN_OK;
    for (size_t i = 0; i < PCN_ARRAY_SIZE(calib_lists) && rc == PCN_OK; i++)
        rc = map_list(c->reg_codes, &ref->lists[calib_lists[i].list],
                      1ull << (calib_lists[i].reg + (calib_lists[i].resolved ? RES_SHIFT : 0)));
    for (int d = 0; d < EFI_COUNT && rc == PCN_OK; d++)
        rc = map_list(c->efi_codes, &ref->lists[CL_EFI_FIRST + d], 1ull << d);
    static const struct {
        int list;
        uint64_t bit;
    } meds[] = {{CL_SABA_MED, MED_ASTHMA},
                {CL_ICS_MED, MED_ASTHMA},
                {CL_EPIL_MED, MED_EPILEPSY},
                {CL_DOAC_MED, MED_ANTICOAG},
                {CL_VKA_MED, MED_ANTICOAG}};
    for (size_t i = 0; i < PCN_ARRAY_SIZE(meds) && rc == PCN_OK; i++)
        rc = map_list(c->med_codes, &ref->lists[meds[i].list], meds[i].bit);
    return rc == PCN_OK ? build_obs_maps(c) : rc;
}

enum pcn_err pcn_gen_calib_new(const struct pcn_refdata *ref, int32_t as_of,
                               struct pcn_gen_calib **ret)
{
    struct pcn_gen_calib *c = pcn_calloc(1, sizeof(*c));
    enum pcn_err rc = PCN_ENOMEM;
    if (!c)
        goto out;
    c->ref = ref;
    c->as_of = as_of != PCN_DATE_NONE ? as_of : ref->extract_date;
    c->year_ago = pcn_date_add_months(c->as_of, -12);
    c->half_year = pcn_date_add_months(c->as_of, -6);
    c->five_years = pcn_date_add_months(c->as_of, -60);
    (void)pcn_date_from_ymd(2012, 4, 1, &c->ost_from);
    (void)pcn_date_from_ymd(2014, 4, 1, &c->ost_from_75);
    c->reg_codes = pcn_strmap_new();
    c->efi_codes = pcn_strmap_new();
    c->med_codes = pcn_strmap_new();
    c->obs_codes = pcn_strmap_new();
    c->pca_codes = pcn_strmap_new();
    c->practice_index = pcn_strmap_new();
    if (!c->reg_codes || !c->efi_codes || !c->med_codes || !c->obs_codes || !c->pca_codes ||
        !c->practice_index)
        goto out;
    rc = build_maps(c);
    if (rc != PCN_OK)
        goto out;
    *ret = c;
    c = NULL;
out:
    pcn_gen_calib_free(c);
    return rc;
}

void pcn_gen_calib_free(struct pcn_gen_calib *c)
{
    if (!c)
        return;
    pcn_strmap_free(c->reg_codes);
    pcn_strmap_free(c->efi_codes);
    pcn_strmap_free(c->med_codes);
    pcn_strmap_free(c->obs_codes);
    pcn_strmap_free(c->pca_codes);
    pcn_strmap_free(c->practice_index);
    pcn_free(c->practices);
    pcn_free(c);
}

/* ---------------------------------------------------------------- per patient */

static bool on_reg(const bool *on, int reg)
{
    return on[reg];
}

/* The registers of the finished patient by the QOF rules (simplified: docs/generator.md). */
static void register_rules(const struct pcn_gen_calib *c, const struct calib_patient *p, bool *on)
{
    int32_t dep_from = 0;
    (void)pcn_date_from_ymd(2006, 4, 1, &dep_from);
    for (int r = 0; r < PCN_REG_COUNT; r++)
        on[r] = p->diag[r] != PCN_DATE_NONE && p->res[r] < p->diag[r];
    on[PCN_REG_DEP] = on[PCN_REG_DEP] && p->diag[PCN_REG_DEP] >= dep_from;
    on[PCN_REG_AST] = on[PCN_REG_AST] && p->asthma_drug;
    on[PCN_REG_EP] = on[PCN_REG_EP] && p->epilepsy_drug;
    on[PCN_REG_OST] = on[PCN_REG_OST] && p->fracture != PCN_DATE_NONE &&
                      p->fracture >= (p->age >= 75 ? c->ost_from_75 : c->ost_from);
    on[PCN_REG_OB] = p->bmi_date != PCN_DATE_NONE && p->bmi_date > c->year_ago && p->bmi >= 30;
    on[PCN_REG_NDH] = on[PCN_REG_NDH] && !on[PCN_REG_DM];
    for (int r = 0; r < PCN_REG_COUNT; r++)
        on[r] = on[r] && p->age >= pcn_gen_register_min_age(r);
}

static void add(struct ratio *r, bool in_den, bool in_num)
{
    r->den += in_den;
    r->num += in_den && in_num;
}

static bool chads2_vasc_2(const struct calib_patient *p, const bool *on)
{
    int score = on[PCN_REG_HF] + on[PCN_REG_HYP] + on[PCN_REG_DM] + 2 * on[PCN_REG_STIA] +
                (on[PCN_REG_CHD] || on[PCN_REG_PAD]) + (p->age >= 75 ? 2 : p->age >= 65) +
                (p->sex == 1);
    return score >= 2;
}

/* The spread indicators of the practice row. */
static void count_indicators(struct calib_practice *row, const struct calib_patient *p,
                             const bool *on)
{
    bool bp_ok = p->sbp_date != PCN_DATE_NONE && p->sbp <= 140 &&
                 (p->dbp_date == PCN_DATE_NONE || p->dbp <= 90);
    bool ltc = on[PCN_REG_HYP] || on[PCN_REG_CHD] || on[PCN_REG_STIA] || on[PCN_REG_DM] ||
               on[PCN_REG_COPD] || on[PCN_REG_AST] || on[PCN_REG_CKD] || on[PCN_REG_MH];
    add(&row->ind[PCN_SPREAD_BP_CONTROL], on[PCN_REG_HYP] && p->age < 80, bp_ok);
    add(&row->ind[PCN_SPREAD_BP_5Y], p->age >= 45, p->bp_5y);
    add(&row->ind[PCN_SPREAD_SMOKING], p->age >= 15 && ltc, p->smok_12m);
    add(&row->ind[PCN_SPREAD_ANTICOAG], on[PCN_REG_AF] && chads2_vasc_2(p, on), p->n_anticoag > 0);
    add(&row->ind[PCN_SPREAD_FLU], p->age >= 65, p->flu);
    add(&row->ind[PCN_SPREAD_HBA1C], on[PCN_REG_DM],
        p->hba1c_date != PCN_DATE_NONE && p->hba1c <= 58);
}

static int ethnic_class(char e)
{
    if (e == 'A' || e == 'B' || e == 'C')
        return 0; /* White */
    if (e == 'H' || e == 'J' || e == 'K' || e == 'L')
        return 1; /* Asian */
    if (e == 'M' || e == 'N' || e == 'P')
        return 2; /* Black */
    return e && e != 'Z' ? 3 : -1;
}

static void count_checks(struct pcn_gen_calib *c, const struct calib_patient *p, const bool *on)
{
    static const int pca_registers[] = {PCN_REG_DM,  PCN_REG_HYP, PCN_REG_AF,   PCN_REG_STIA,
                                        PCN_REG_CKD, PCN_REG_HF,  PCN_REG_COPD, PCN_REG_AST,
                                        PCN_REG_DEM, PCN_REG_OST};
    uint32_t regs = 0;
    for (size_t i = 0; i < PCN_ARRAY_SIZE(pca_registers); i++)
        regs |= on[pca_registers[i]] ? 1u << pca_registers[i] : 0;
    add(&c->nonhyp_140, p->age >= 18 && !on_reg(on, PCN_REG_HYP) && p->sbp_date != PCN_DATE_NONE,
        p->sbp >= 140);
    add(&c->anticoag, on[PCN_REG_AF] && chads2_vasc_2(p, on), p->n_anticoag > 0);
    add(&c->anticoag_two, on[PCN_REG_AF], p->n_anticoag > 1);
    add(&c->carehome, true, p->carehome);
    add(&c->carehome_young, p->carehome, p->age >= 18 && p->age <= 64);
    add(&c->pca, regs != 0, (p->pca & regs) != 0);
    add(&c->leak, true, p->diabetic_code && p->diag[PCN_REG_DM] == PCN_DATE_NONE);
    int e = ethnic_class(p->eth);
    add(e == 1 ? &c->dm_asian : &c->dm_white, p->age >= 17 && (e == 0 || e == 1), on[PCN_REG_DM]);
    add(e == 2 ? &c->hyp_black : &c->hyp_white, p->age >= 18 && (e == 0 || e == 2),
        on[PCN_REG_HYP]);
}

/* Apply the register rules to the finished patient and count them. */
static void finish_patient(struct pcn_gen_calib *c)
{
    struct calib_patient *p = &c->cur;
    if (!c->has_cur)
        return;
    c->has_cur = false;
    if (!p->active)
        return;
    struct calib_practice *row = &c->practices[p->practice];
    bool on[PCN_REG_COUNT] = {false};
    register_rules(c, p, on);
    row->list++;
    for (int r = 0; r < PCN_REG_COUNT; r++) {
        if (p->age < pcn_gen_register_min_age(r))
            continue;
        row->eligible[r]++;
        row->on[r] += on[r];
    }
    count_indicators(row, p, on);
    count_checks(c, p, on);
    c->appointments.num += p->appts;
    c->appointments.den++;
    if (p->gp_visits >= 3) {
        int most = 0;
        for (int i = 0; i < p->n_gps; i++)
            most = PCN_MAX(most, p->gp_times[i]);
        c->upc_sum += (double)most / p->gp_visits;
        c->upc_n++;
    }
    if (p->age >= 65) {
        int n = __builtin_popcountll(p->efi) + (p->n_drugs >= 5);
        double score = n / 36.0;
        c->efi[score > 0.36 ? 3 : score > 0.24 ? 2 : score > 0.12 ? 1 : 0]++;
        add(&c->efi_over, true, score > 0.67);
    }
}

/* The practice's row, added (with its network) on first sight. */
static enum pcn_err practice_row(struct pcn_gen_calib *c, const char *code, uint64_t *ret)
{
    int added = 0;
    enum pcn_err rc =
        pcn_strmap_intern(c->practice_index, code, strlen(code), c->n_practices, ret, &added);
    if (rc != PCN_OK || !added)
        return rc;
    rc = PCN_GROW(c->practices, c->n_practices + 1, c->alloc);
    if (rc != PCN_OK)
        return rc;
    struct calib_practice *row = &c->practices[c->n_practices++];
    uint64_t pi = 0;
    memset(row, 0, sizeof(*row));
    (void)snprintf(row->code, sizeof(row->code), "%s", code);
    row->network = pcn_strmap_get(c->ref->practice_index, code, strlen(code), &pi)
                       ? c->ref->practices[pi].network
                       : -1;
    return PCN_OK;
}

static enum pcn_err on_patient(void *ctx, const struct pcn_patient *pt, struct pcn_error *reterr)
{
    struct pcn_gen_calib *c = ctx;
    uint64_t idx = 0;
    finish_patient(c);
    enum pcn_err rc = practice_row(c, pt->practice ? pt->practice : "", &idx);
    if (rc != PCN_OK)
        return pcn_error_set(reterr, rc, "calibration: out of memory");
    struct calib_patient *p = &c->cur;
    memset(p, 0, sizeof(*p));
    p->active = pt->registered_to == PCN_DATE_NONE && pt->date_of_death == PCN_DATE_NONE;
    p->age = pcn_date_age(pt->date_of_birth, c->as_of);
    p->sex = pt->sex == PCN_SEX_FEMALE;
    p->eth = pt->ethnicity ? pt->ethnicity[0] : '\0';
    p->practice = (size_t)idx;
    p->bmi_date = p->fracture = p->sbp_date = p->dbp_date = p->hba1c_date = PCN_DATE_NONE;
    for (int r = 0; r < PCN_REG_COUNT; r++) {
        p->diag[r] = PCN_DATE_NONE;
        p->res[r] = PCN_DATE_NONE;
    }
    c->has_cur = true;
    if (p->active) {
        struct calib_practice *row = &c->practices[idx];
        long l = pt->lsoa ? pcn__ref_find_lsoa(c->ref, pt->lsoa) : -1;
        if (l >= 0)
            row->quintile[(c->ref->lsoa_decile[l] - 1) / 2]++;
        int e = ethnic_class(p->eth);
        row->eth_known += e >= 0;
        row->eth_white += e == 0;
    }
    return PCN_OK;
}

/* Latest value of a code in the last 12 months (later records win ties). */
static void latest(int32_t *date, double *value, const struct pcn_event *e, int32_t from)
{
    if (!e->has_value || e->date <= from || (*date != PCN_DATE_NONE && e->date < *date))
        return;
    *date = e->date;
    *value = e->value;
}

static void on_observation(struct pcn_gen_calib *c, const struct pcn_event *e, uint64_t bits)
{
    struct calib_patient *p = &c->cur;
    if (bits & OB_SBP)
        latest(&p->sbp_date, &p->sbp, e, c->year_ago);
    if (bits & OB_DBP)
        latest(&p->dbp_date, &p->dbp, e, c->year_ago);
    if (bits & OB_HBA1C)
        latest(&p->hba1c_date, &p->hba1c, e, c->year_ago);
    p->bp_5y |= (bits & OB_BP) && e->date > c->five_years;
    p->smok_12m |= (bits & OB_SMOKING) && e->date > c->year_ago;
    p->carehome |= (bits & OB_CAREHOME) != 0;
    p->diabetic_code |= (bits & OB_DIABETIC) != 0;
    if ((bits & OB_BMI) && e->has_value &&
        (p->bmi_date == PCN_DATE_NONE || e->date >= p->bmi_date)) {
        p->bmi_date = e->date;
        p->bmi = e->value;
    }
}

static enum pcn_err on_event(void *ctx, const struct pcn_event *e, struct pcn_error *reterr)
{
    struct pcn_gen_calib *c = ctx;
    struct calib_patient *p = &c->cur;
    uint64_t bits = 0;
    PCN_UNUSED(reterr);
    if (!c->has_cur || e->date > c->as_of)
        return PCN_OK;
    size_t len = strlen(e->code);
    if (pcn_strmap_get(c->reg_codes, e->code, len, &bits)) {
        for (int r = 0; r < PCN_REG_COUNT; r++) {
            if ((bits >> r) & 1 && e->date > p->diag[r])
                p->diag[r] = e->date;
            if ((bits >> (r + RES_SHIFT)) & 1 && e->date > p->res[r])
                p->res[r] = e->date;
        }
    }
    if (pcn_strmap_get(c->efi_codes, e->code, len, &bits)) {
        p->efi |= bits;
        if ((bits >> EFI_FRACTURE) & 1 && e->date > p->fracture)
            p->fracture = e->date;
    }
    if (pcn_strmap_get(c->obs_codes, e->code, len, &bits))
        on_observation(c, e, bits);
    if (e->date > c->year_ago && pcn_strmap_get(c->pca_codes, e->code, len, &bits))
        p->pca |= (uint32_t)bits;
    return PCN_OK;
}

static enum pcn_err on_medication(void *ctx, const struct pcn_medication *m,
                                  struct pcn_error *reterr)
{
    struct pcn_gen_calib *c = ctx;
    struct calib_patient *p = &c->cur;
    uint64_t bits = 0;
    PCN_UNUSED(reterr);
    if (!c->has_cur || m->start_date > c->as_of)
        return PCN_OK;
    add(&c->dmd, p->active, m->system && strcmp(m->system, "dmd") == 0);
    if (m->start_date <= c->year_ago)
        return PCN_OK;
    p->n_drugs++;
    if (!pcn_strmap_get(c->med_codes, m->code, strlen(m->code), &bits))
        return PCN_OK;
    p->asthma_drug |= (bits & MED_ASTHMA) != 0;
    p->epilepsy_drug |= (bits & MED_EPILEPSY) != 0;
    uint64_t h = pcn_hash_bytes(m->code, strlen(m->code));
    if ((bits & MED_ANTICOAG) && m->start_date > c->half_year && p->n_anticoag < 2 &&
        (p->n_anticoag == 0 || p->anticoag[0] != h))
        p->anticoag[p->n_anticoag++] = h;
    return PCN_OK;
}

static enum pcn_err on_immunisation(void *ctx, const struct pcn_immunisation *im,
                                    struct pcn_error *reterr)
{
    struct pcn_gen_calib *c = ctx;
    PCN_UNUSED(reterr);
    if (c->has_cur && im->date <= c->as_of && im->date > c->year_ago)
        c->cur.flu = true;
    return PCN_OK;
}

/* Appointments of the last 12 months: counts, and the GPs seen for continuity. */
static enum pcn_err on_encounter(void *ctx, const struct pcn_encounter *e, struct pcn_error *reterr)
{
    struct pcn_gen_calib *c = ctx;
    struct calib_patient *p = &c->cur;
    PCN_UNUSED(reterr);
    if (!c->has_cur || !p->active || e->date > c->as_of || e->date <= c->year_ago)
        return PCN_OK;
    bool dna = e->attendance == PCN_ENCOUNTER_DNA;
    p->appts++;
    add(&c->appt_gp, true, e->role == PCN_STAFF_GP);
    add(&c->appt_f2f, true, e->mode == PCN_MODE_FACE_TO_FACE);
    add(&c->appt_dna, true, dna);
    add(&c->appt_2w, e->has_booked, e->has_booked && e->date - e->booked_date <= 14);
    if (e->role != PCN_STAFF_GP || dna || !e->clinician)
        return PCN_OK;
    uint64_t h = pcn_hash_bytes(e->clinician, strlen(e->clinician));
    int i = 0;
    while (i < p->n_gps && p->gp_seen[i] != h)
        i++;
    if (i == p->n_gps && p->n_gps < CALIB_MAX_GPS)
        p->gp_seen[p->n_gps++] = h;
    if (i < p->n_gps)
        p->gp_times[i]++;
    p->gp_visits++;
    return PCN_OK;
}

static const struct pcn_sink_ops calib_ops = {
    .patient = on_patient,
    .event = on_event,
    .medication = on_medication,
    .immunisation = on_immunisation,
    .encounter = on_encounter,
};

void pcn_gen_calib_sink(struct pcn_gen_calib *c, struct pcn_sink *ret)
{
    ret->ops = &calib_ops;
    ret->ctx = c;
}

void pcn_gen_calib_each(struct pcn_gen_calib *c,
                        int (*fn)(const struct pcn_gen_calib_row *row, void *ud), void *ud)
{
    finish_patient(c);
    for (size_t i = 0; i < c->n_practices; i++) {
        const struct calib_practice *p = &c->practices[i];
        for (int r = 0; r < PCN_REG_COUNT; r++) {
            struct pcn_gen_calib_row row = {
                .practice = p->code,
                .reg = r,
                .list_size = p->list,
                .eligible = p->eligible[r],
                .on_register = p->on[r],
                .generated = p->eligible[r] ? (double)p->on[r] / (double)p->eligible[r] : 0,
                .published = -1,
            };
            if (pcn_refdata_qof_prevalence(c->ref, p->code, r, &row.published) != PCN_OK)
                row.published = -1;
            row.within = pcn_gen_register_within(row.published, row.generated);
            if (fn(&row, ud))
                return;
        }
    }
}

void pcn_gen_calib_efi(struct pcn_gen_calib *c, int64_t ret[4])
{
    finish_patient(c);
    memcpy(ret, c->efi, sizeof(c->efi));
}

/* ---------------------------------------------------------------- the checks' values */

/* Variance of practice achievement less its binomial noise, for one network and indicator. */
static void network_spread(const struct pcn_gen_spread_cell *cells, size_t n, const char *network,
                           int indicator, double *ret_var, int *ret_n)
{
    double sum = 0, sum2 = 0, noise = 0;
    int k = 0;
    for (size_t i = 0; i < n; i++) {
        const struct pcn_gen_spread_cell *x = &cells[i];
        if (x->indicator != indicator || x->den < SPREAD_MIN_DEN || !x->network ||
            strcmp(x->network, network) != 0)
            continue;
        double p = (double)x->num / (double)x->den;
        sum += p;
        sum2 += p * p;
        noise += p * (1 - p) / (double)x->den;
        k++;
    }
    *ret_n = k;
    *ret_var = k > 1 ? (sum2 - sum * sum / k) / (k - 1) - noise / k : 0;
}

struct pcn_gen_check_value pcn_gen_spread(const struct pcn_gen_spread_cell *cells, size_t n)
{
    double num = 0, df = 0, contrasts[PCN_SPREAD_COUNT] = {0};
    for (size_t i = 0; i < n; i++) {
        const char *net = cells[i].network;
        bool first = net != NULL;
        for (size_t j = 0; j < i && first; j++)
            first = !cells[j].network || strcmp(cells[j].network, net) != 0;
        if (!first)
            continue;
        for (int ind = 0; ind < PCN_SPREAD_COUNT; ind++) {
            double var = 0;
            int k = 0;
            network_spread(cells, n, net, ind, &var, &k);
            if (k < 2)
                continue;
            num += (k - 1) * var;
            df += k - 1;
            contrasts[ind] += k - 1;
        }
    }
    /* n: practice contrasts (practices less one, summed over networks) of the best-covered */
    struct pcn_gen_check_value v = {df > 0 ? 100 * sqrt(PCN_MAX(0.0, num / df)) : 0, 0};
    for (int ind = 0; ind < PCN_SPREAD_COUNT; ind++)
        v.n = PCN_MAX(v.n, contrasts[ind]);
    return v;
}

/* The sink's practices as spread cells. */
static void spread(const struct pcn_gen_calib *c, struct pcn_gen_check_value *ret)
{
    size_t n = c->n_practices * PCN_SPREAD_COUNT, k = 0;
    struct pcn_gen_spread_cell *cells = pcn_calloc(n + 1, sizeof(*cells));
    ret->value = 0;
    ret->n = 0;
    if (!cells)
        return; /* not measured (out of memory) */
    for (size_t i = 0; i < c->n_practices; i++) {
        const struct calib_practice *p = &c->practices[i];
        for (int ind = 0; ind < PCN_SPREAD_COUNT; ind++) {
            cells[k].network = p->network >= 0 ? c->ref->networks[p->network].code : NULL;
            cells[k].indicator = ind;
            cells[k].num = p->ind[ind].num;
            cells[k++].den = p->ind[ind].den;
        }
    }
    *ret = pcn_gen_spread(cells, k);
    pcn_free(cells);
}

struct pcn_gen_check_value pcn_gen_check_ratio(int check, int64_t num, int64_t den)
{
    struct pcn_gen_check_value v = {(double)num, (double)den};
    bool known = check >= 0 && check < PCN_CHECK_COUNT;
    if (known && check_table[check].is_rate)
        v.value = den ? (double)num / (double)den : 0;
    else if (!known || !check_table[check].is_count)
        v.value = den ? 100.0 * (double)num / (double)den : 0;
    return v;
}

static struct pcn_gen_check_value percent(int check, const struct ratio *r)
{
    return pcn_gen_check_ratio(check, r->num, r->den);
}

static struct pcn_gen_check_value rate_ratio(const struct ratio *a, const struct ratio *b)
{
    struct pcn_gen_check_value v = {0, (double)PCN_MIN(a->den, b->den)};
    if (a->den && b->den && b->num)
        v.value = ((double)a->num / (double)a->den) / ((double)b->num / (double)b->den);
    else
        v.n = 0;
    return v;
}

/* White of known ethnicity minus the source's expectation, over the practices seen. */
static struct pcn_gen_check_value ethnicity(const struct pcn_gen_calib *c)
{
    double known = 0, white = 0, expected = 0;
    for (size_t k = 0; k < c->n_practices; k++) {
        const struct calib_practice *p = &c->practices[k];
        double e = pcn_gen_expected_white(c->ref, p->code, p->quintile);
        if (e < 0 || p->eth_known == 0)
            continue;
        known += (double)p->eth_known;
        white += (double)p->eth_white;
        expected += e * (double)p->eth_known;
    }
    struct pcn_gen_check_value v = {known ? 100 * (white - expected) / known : 0, known};
    return v;
}

void pcn_gen_calib_checks(struct pcn_gen_calib *c, struct pcn_gen_check_value ret[PCN_CHECK_COUNT])
{
    struct ratio bp = {0}, bp5 = {0}, smok = {0};
    finish_patient(c);
    for (size_t k = 0; k < c->n_practices; k++) {
        const struct calib_practice *p = &c->practices[k];
        bp.num += p->ind[PCN_SPREAD_BP_CONTROL].num;
        bp.den += p->ind[PCN_SPREAD_BP_CONTROL].den;
        bp5.num += p->ind[PCN_SPREAD_BP_5Y].num;
        bp5.den += p->ind[PCN_SPREAD_BP_5Y].den;
        smok.num += p->ind[PCN_SPREAD_SMOKING].num;
        smok.den += p->ind[PCN_SPREAD_SMOKING].den;
    }
    spread(c, &ret[PCN_CHECK_SPREAD]);
    ret[PCN_CHECK_BP_CONTROL] = percent(PCN_CHECK_BP_CONTROL, &bp);
    ret[PCN_CHECK_NONHYP_140] = percent(PCN_CHECK_NONHYP_140, &c->nonhyp_140);
    ret[PCN_CHECK_BP_5Y] = percent(PCN_CHECK_BP_5Y, &bp5);
    ret[PCN_CHECK_SMOKING] = percent(PCN_CHECK_SMOKING, &smok);
    ret[PCN_CHECK_ANTICOAG] = percent(PCN_CHECK_ANTICOAG, &c->anticoag);
    ret[PCN_CHECK_ANTICOAG_TWO] = percent(PCN_CHECK_ANTICOAG_TWO, &c->anticoag_two);
    ret[PCN_CHECK_CAREHOME] = percent(PCN_CHECK_CAREHOME, &c->carehome);
    ret[PCN_CHECK_CAREHOME_YOUNG] = percent(PCN_CHECK_CAREHOME_YOUNG, &c->carehome_young);
    ret[PCN_CHECK_PCA] = percent(PCN_CHECK_PCA, &c->pca);
    ret[PCN_CHECK_ETHNICITY] = ethnicity(c);
    ret[PCN_CHECK_DM_ASIAN] = rate_ratio(&c->dm_asian, &c->dm_white);
    ret[PCN_CHECK_HYP_BLACK] = rate_ratio(&c->hyp_black, &c->hyp_white);
    ret[PCN_CHECK_LEAK] = percent(PCN_CHECK_LEAK, &c->leak);
    ret[PCN_CHECK_EFI_MAX] = percent(PCN_CHECK_EFI_MAX, &c->efi_over);
    ret[PCN_CHECK_DMD] = percent(PCN_CHECK_DMD, &c->dmd);
    ret[PCN_CHECK_APPOINTMENTS] = percent(PCN_CHECK_APPOINTMENTS, &c->appointments);
    ret[PCN_CHECK_APPT_GP] = percent(PCN_CHECK_APPT_GP, &c->appt_gp);
    ret[PCN_CHECK_APPT_F2F] = percent(PCN_CHECK_APPT_F2F, &c->appt_f2f);
    ret[PCN_CHECK_APPT_DNA] = percent(PCN_CHECK_APPT_DNA, &c->appt_dna);
    ret[PCN_CHECK_APPT_2W] = percent(PCN_CHECK_APPT_2W, &c->appt_2w);
    ret[PCN_CHECK_CONTINUITY].value = c->upc_n ? 100 * c->upc_sum / (double)c->upc_n : 0;
    ret[PCN_CHECK_CONTINUITY].n = (double)c->upc_n;
}
