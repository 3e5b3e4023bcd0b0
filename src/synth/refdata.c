/*
 * refdata.c - load the generator's reference data: the NHS tables in
 * data/reference/ (made by tools/derive_reference.py) and the code lists in
 * defs/codelists/. Everything lives in one arena owned by the refdata;
 * after load the structure is read-only and may be shared by threads.
 */
#include "synth/refdata_int.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pcn/alloc.h"
#include "pcn/arena.h"
#include "pcn/codelist.h"
#include "pcn/csv.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "pcn/parse.h"
#include "pcn/paths.h"
#include "pcn/vec.h"
#include "util/common.h"

#define REF_PATH_MAX 4096

static const char *const list_paths[CL_EFI_FIRST] = {
#define DAH "opensafely_deaths-at-home-covid19/nhsd-primary-care-domain-refsets-"
#define WPH "opensafely_winter-pressures-phase-II/"
#define GMS "gm-sde_clinical-code-sets/"
#define SHE "opensafely_shielding-evaluation/"
#define PHC "phc-coding-club/nhsd-primary-care-domain-refsets-"
#define PCA "qof-pca/"
    [CL_AF] = DAH "afib_cod.csv",
    [CL_AST] = DAH "ast_cod.csv",
    [CL_CAN] = DAH "c19can_cod.csv",
    [CL_CHD] = DAH "chd_cod.csv",
    [CL_CKD] = DAH "ckd_cod.csv",
    [CL_COPD] = DAH "copd_cod.csv",
    [CL_DEM] = DAH "dem_cod.csv",
    [CL_DEP] = DAH "depr_cod.csv",
    [CL_DM] = DAH "dm_cod.csv",
    [CL_EP] = DAH "epil_cod.csv",
    [CL_HF] = DAH "hf_cod.csv",
    [CL_HYP] = DAH "hyp_cod.csv",
    [CL_LD] = DAH "ld_cod.csv",
    [CL_MH] = DAH "mh_cod.csv",
    [CL_NDH] = DAH "ndh_cod.csv",
    [CL_OST] = DAH "osteo_cod.csv",
    [CL_PAD] = DAH "pad_cod.csv",
    [CL_PC] = DAH "palcare_cod.csv",
    [CL_RA] = DAH "rarth_cod.csv",
    [CL_STIA] = DAH "strk_cod.csv",
    [CL_ASTRES] = WPH "nhsd-primary-care-domain-refsets-astres_cod.csv",
    [CL_COPDRES] = WPH "nhsd-primary-care-domain-refsets-copdres_cod.csv",
    [CL_DMRES] = WPH "nhsd-primary-care-domain-refsets-dmres_cod.csv",
    [CL_HYPRES] = WPH "nhsd-primary-care-domain-refsets-hypres_cod.csv",
    [CL_TIA] = GMS "conditions/tia/1/tia.snomed.txt",
    [CL_HAEMCAN] = DAH "c19haemcan_cod.csv",
    [CL_SBP] = WPH "opensafely-systolic-blood-pressure-qof.csv",
    [CL_BP] = "opensafely_covid_collateral_hf/nhsd-primary-care-domain-refsets-bp_cod.csv",
    [CL_HBA1C] = WPH "opensafely-glycated-haemoglobin-hba1c-tests.csv",
    [CL_CHOL] = WPH "opensafely-cholesterol-tests.csv",
    [CL_BMI] = GMS "patient/bmi/2/bmi.snomed.txt",
    [CL_SMOK_CUR] = GMS "patient/smoking-status-current/1/smoking-status-current.snomed.txt",
    [CL_SMOK_EX] = GMS "patient/smoking-status-ex/1/smoking-status-ex.snomed.txt",
    [CL_SMOK_NEVER] = GMS "patient/smoking-status-never/1/smoking-status-never.snomed.txt",
    [CL_EGFR] = GMS "tests/egfr/1/egfr.snomed.txt",
    [CL_AST_REVIEW] = WPH "opensafely-asthma-annual-review-qof.csv",
    [CL_COPD_REVIEW] = WPH "opensafely-chronic-obstructive-pulmonary-disease-copd-review-qof.csv",
    [CL_MEDRVW] = WPH "nhsd-primary-care-domain-refsets-medrvw_cod.csv",
    [CL_SMR] =
        "opensafely_medication-reviews/opensafely-structured-medication-review-nhs-england.csv",
    [CL_CAREHOME] =
        "opensafely_disparities-comparison/nhsd-primary-care-domain-refsets-carehome_cod.csv",
    [CL_MILDFRAIL] = "phc-coding-club/nhsd-primary-care-domain-refsets-mildfrail_cod.csv",
    [CL_MODFRAIL] = "phc-coding-club/nhsd-primary-care-domain-refsets-modfrail_cod.csv",
    [CL_SEVFRAIL] = "phc-coding-club/nhsd-primary-care-domain-refsets-sevfrail_cod.csv",
    [CL_EFI_SCORE] = "opensafely_covid_collateral_hf/nhsd-primary-care-domain-refsets-efi_cod.csv",
    [CL_ETHNICITY] = WPH "opensafely-ethnicity-snomed-0removed.csv",
    [CL_QRISK] = WPH "opensafely-cvd-risk-assessment-score-qof.csv",
    [CL_DEM_CAREPLAN] = GMS "patient/dementia-care-plan/1/dementia-care-plan.snomed.txt",
    [CL_SOCPRES] = GMS "referrals/social-care-prescribing-referral/1/"
                       "social-care-prescribing-referral.snomed.txt",
    [CL_SABA_MED] = SHE "opensafely-asthma-inhaler-salbutamol-medication.csv",
    [CL_ICS_MED] = SHE "opensafely-asthma-inhaler-steroid-medication.csv",
    [CL_EPIL_MED] = "opensafely_waiting-list/user-anschaf-gabapentinoids-dmd.csv",
    [CL_DOAC_MED] = SHE "opensafely-direct-acting-oral-anticoagulants-doac.csv",
    [CL_VKA_MED] = SHE "opensafely-warfarin.csv",
    [CL_DMPCADEC] = PHC "dmpcadec_cod.csv",
    [CL_DMPCAPU] = PHC "dmpcapu_cod.csv",
    [CL_DMINVITE] = PHC "dminvite_cod.csv",
    [CL_DMMAX] = PHC "dmmax_cod.csv",
    [CL_BLDTESTDEC] = PHC "bldtestdec_cod.csv",
    [CL_PCA_FIRST + 2 * PCA_AF] = PCA "af_pcadec.csv",
    [CL_PCA_FIRST + 2 * PCA_AF + 1] = PCA "af_pcapu.csv",
    [CL_PCA_FIRST + 2 * PCA_AST] = PCA "ast_pcadec.csv",
    [CL_PCA_FIRST + 2 * PCA_AST + 1] = PCA "ast_pcapu.csv",
    [CL_PCA_FIRST + 2 * PCA_CKD] = PCA "ckd_pcadec.csv",
    [CL_PCA_FIRST + 2 * PCA_CKD + 1] = PCA "ckd_pcapu.csv",
    [CL_PCA_FIRST + 2 * PCA_COPD] = PCA "copd_pcadec.csv",
    /* no "patient unsuitable" code for COPD among the shared code sets */
    [CL_PCA_FIRST + 2 * PCA_DEM] = PCA "dem_pcadec.csv",
    [CL_PCA_FIRST + 2 * PCA_DEM + 1] = PCA "dem_pcapu.csv",
    [CL_PCA_FIRST + 2 * PCA_HF] = PCA "hf_pcadec.csv",
    [CL_PCA_FIRST + 2 * PCA_HF + 1] = PCA "hf_pcapu.csv",
    [CL_PCA_FIRST + 2 * PCA_HYP] = PCA "hyp_pcadec.csv",
    [CL_PCA_FIRST + 2 * PCA_HYP + 1] = PCA "hyp_pcapu.csv",
    [CL_PCA_FIRST + 2 * PCA_OST] = PCA "ost_pcadec.csv",
    [CL_PCA_FIRST + 2 * PCA_OST + 1] = PCA "ost_pcapu.csv",
    [CL_PCA_FIRST + 2 * PCA_STIA] = PCA "stia_pcadec.csv",
    [CL_PCA_FIRST + 2 * PCA_STIA + 1] = PCA "stia_pcapu.csv",
#undef DAH
#undef WPH
#undef GMS
#undef SHE
#undef PHC
#undef PCA
};

/* eFI deficit concept folders under gm-sde_clinical-code-sets/, in enum ref_efi order. */
static const char *const efi_concepts[EFI_COUNT] = {
    "conditions/efi-arthritis",
    "conditions/efi-atrial-fibrillation",
    "conditions/efi-chd",
    "conditions/efi-ckd",
    "conditions/efi-diabetes",
    "conditions/efi-foot-problems",
    "conditions/efi-fragility-fracture",
    "conditions/efi-hearing-loss",
    "conditions/efi-heart-failure",
    "conditions/efi-heart-valve-disease",
    "conditions/efi-hypertension",
    "conditions/efi-hypotension",
    "conditions/efi-osteoporosis",
    "conditions/efi-parkinsons",
    "conditions/efi-peptic-ulcer",
    "conditions/efi-pvd",
    "conditions/efi-respiratory-disease",
    "conditions/efi-skin-ulcer",
    "conditions/efi-stroke-tia",
    "conditions/efi-thyroid-disorders",
    "conditions/efi-urinary-system-disease",
    "conditions/efi-vision-problems",
    "patient/efi-activity-limitation",
    "patient/efi-anaemia",
    "patient/efi-care-requirement",
    "patient/efi-cognitive-problems",
    "patient/efi-dizziness",
    "patient/efi-dyspnoea",
    "patient/efi-falls",
    "patient/efi-housebound",
    "patient/efi-mobility-problems",
    "patient/efi-sleep-disturbance",
    "patient/efi-social-vulnerability",
    "patient/efi-urinary-incontinence",
    "patient/efi-weight-loss",
};

/* QOF list type of each register (index into the qof_list columns). */
static const int reg_list_type[PCN_REG_COUNT] = {
    [PCN_REG_AST] = 1, [PCN_REG_RA] = 2,  [PCN_REG_DM] = 3, [PCN_REG_CKD] = 4, [PCN_REG_DEP] = 4,
    [PCN_REG_EP] = 4,  [PCN_REG_NDH] = 4, [PCN_REG_OB] = 4, [PCN_REG_OST] = 5,
};

static const char *const reg_names[PCN_REG_COUNT] = {
    "AF",  "AST", "CAN", "CHD", "CKD", "COPD", "DEM", "DEP", "DM", "EP",   "HF",
    "HYP", "LD",  "MH",  "NDH", "OB",  "OST",  "PAD", "PC",  "RA", "STIA",
};

static const int list_type_min_age[REF_N_LIST_TYPES] = {0, 6, 16, 17, 18, 50};

const char *pcn_gen_register_name(int reg)
{
    return reg >= 0 && reg < PCN_REG_COUNT ? reg_names[reg] : NULL;
}

int pcn_gen_register_min_age(int reg)
{
    return reg >= 0 && reg < PCN_REG_COUNT ? list_type_min_age[reg_list_type[reg]] : 0;
}

/* "<root>/<rel>" where root is the load root or the data directory (paths.h). */
static enum pcn_err ref_path(const struct pcn_refdata *ref, const char *rel, char *out, size_t size)
{
    int n = snprintf(out, size, "%s/%s", ref->root ? ref->root : pcn_data_dir(), rel);
    return n < 0 || (size_t)n >= size ? PCN_ELIMIT : PCN_OK;
}

static enum pcn_err open_data(const struct pcn_refdata *ref, const char *rel, struct pcn_csv **ret,
                              struct pcn_error *reterr)
{
    char path[REF_PATH_MAX];
    if (ref_path(ref, rel, path, sizeof(path)) != PCN_OK)
        return pcn_error_set(reterr, PCN_ELIMIT, "%s: path too long", rel);
    return pcn_csv_open(path, ret, reterr);
}

static const char *field(struct pcn_csv *c, long i)
{
    return i >= 0 && (size_t)i < pcn_csv_nfields(c) ? pcn_csv_field(c, (size_t)i, NULL) : "";
}

static int64_t field_int(struct pcn_csv *c, long i, int64_t dflt)
{
    size_t len = 0;
    int64_t v = 0;
    if (i < 0 || (size_t)i >= pcn_csv_nfields(c))
        return dflt;
    const char *s = pcn_csv_field(c, (size_t)i, &len);
    return len && pcn_parse_i64(s, len, &v) == PCN_OK ? v : dflt;
}

static enum pcn_err header_missing(struct pcn_csv *c, const char *col, struct pcn_error *reterr)
{
    return pcn_error_set(reterr, PCN_EPARSE, "%s:1: no column %s", pcn_csv_name(c), col);
}

static const char *intern(struct pcn_refdata *ref, const char *s)
{
    return pcn_arena_strdup(ref->arena, s);
}

/* gp-reg-pat-prac-map.csv: practices and their networks. */
static enum pcn_err load_mapping(struct pcn_refdata *ref, struct pcn_error *reterr)
{
    static const char *const cols[] = {
        "PRACTICE_CODE", "PRACTICE_NAME",         "PRACTICE_POSTCODE",     "PCN_CODE",
        "PCN_NAME",      "SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_NAME", "ICB_CODE",
        "ICB_NAME",      "COMM_REGION_CODE",      "COMM_REGION_NAME",      "SUPPLIER_NAME",
    };
    long at[PCN_ARRAY_SIZE(cols)];
    struct pcn_csv *c = NULL;
    size_t alloc_p = 0, alloc_n = 0;
    enum pcn_err rc = open_data(ref, "data/reference/gp-reg-pat-prac-map.csv", &c, reterr);
    if (rc != PCN_OK)
        goto out;
    rc = pcn_csv_next(c, reterr);
    if (rc != PCN_OK)
        goto out;
    for (size_t i = 0; i < PCN_ARRAY_SIZE(cols); i++) {
        at[i] = pcn_csv_find(c, cols[i]);
        if (at[i] < 0) {
            rc = header_missing(c, cols[i], reterr);
            goto out;
        }
    }
    for (;;) {
        rc = pcn_csv_next(c, reterr);
        if (rc == PCN_ENOTFOUND)
            break;
        if (rc != PCN_OK)
            goto out;
        const char *pcn = field(c, at[3]);
        uint64_t ni = 0;
        if (!pcn_strmap_get(ref->network_index, pcn, strlen(pcn), &ni)) {
            rc = PCN_GROW(ref->networks, ref->n_networks + 1, alloc_n);
            if (rc != PCN_OK)
                goto out;
            struct ref_network *n = &ref->networks[ref->n_networks];
            memset(n, 0, sizeof(*n));
            (void)snprintf(n->code, sizeof(n->code), "%s", pcn);
            n->name = intern(ref, field(c, at[4]));
            n->sub_icb_code = intern(ref, field(c, at[5]));
            n->sub_icb_name = intern(ref, field(c, at[6]));
            n->icb_code = intern(ref, field(c, at[7]));
            n->icb_name = intern(ref, field(c, at[8]));
            n->region_code = intern(ref, field(c, at[9]));
            n->region_name = intern(ref, field(c, at[10]));
            ni = ref->n_networks++;
            rc = pcn_strmap_put(ref->network_index, n->code, strlen(n->code), ni);
            if (rc != PCN_OK)
                goto out;
        }
        rc = PCN_GROW(ref->practices, ref->n_practices + 1, alloc_p);
        if (rc != PCN_OK)
            goto out;
        struct ref_practice *p = &ref->practices[ref->n_practices];
        memset(p, 0, sizeof(*p));
        (void)snprintf(p->code, sizeof(p->code), "%s", field(c, at[0]));
        p->name = intern(ref, field(c, at[1]));
        p->postcode = intern(ref, field(c, at[2]));
        p->sub_icb = intern(ref, field(c, at[5]));
        p->icb = intern(ref, field(c, at[7]));
        p->supplier = intern(ref, field(c, at[11]));
        p->network = (int)ni;
        p->lad = -1;
        for (int r = 0; r < PCN_REG_COUNT; r++)
            p->qof_reg[r] = -1;
        rc = pcn_strmap_put(ref->practice_index, p->code, strlen(p->code), ref->n_practices++);
        if (rc != PCN_OK)
            goto out;
    }
    rc = PCN_OK;
out:
    pcn_csv_free(c);
    return rc;
}

static struct ref_practice *practice_of(struct pcn_refdata *ref, const char *code)
{
    uint64_t i = 0;
    if (!pcn_strmap_get(ref->practice_index, code, strlen(code), &i))
        return NULL;
    return &ref->practices[i];
}

/* list_bands.csv: practice,date,sex,a0..a95. */
static enum pcn_err load_bands(struct pcn_refdata *ref, struct pcn_error *reterr)
{
    struct pcn_csv *c = NULL;
    double total = 0;
    enum pcn_err rc = open_data(ref, "data/reference/list_bands.csv", &c, reterr);
    if (rc != PCN_OK)
        goto out;
    rc = pcn_csv_next(c, reterr);
    if (rc != PCN_OK)
        goto out;
    for (;;) {
        rc = pcn_csv_next(c, reterr);
        if (rc == PCN_ENOTFOUND)
            break;
        if (rc != PCN_OK)
            goto out;
        if (pcn_csv_nfields(c) != 3 + REF_N_BANDS) {
            rc = pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: expected %d fields", pcn_csv_name(c),
                               pcn_csv_line(c), 3 + REF_N_BANDS);
            goto out;
        }
        size_t dlen = 0;
        const char *d = pcn_csv_field(c, 1, &dlen);
        if (ref->extract_date == PCN_DATE_NONE && pcn_date_parse(d, dlen, &ref->extract_date))
            ref->extract_date = PCN_DATE_NONE;
        struct ref_practice *p = practice_of(ref, field(c, 0));
        int sex = field(c, 2)[0] == 'F';
        for (int b = 0; b < REF_N_BANDS; b++) {
            int64_t v = field_int(c, 3 + b, 0);
            ref->national_band_share[sex][b] += (double)v;
            total += (double)v;
            if (p)
                p->bands[sex][b] = (int32_t)v;
        }
        if (p)
            p->has_bands = 1;
    }
    for (int s = 0; s < 2 && total > 0; s++)
        for (int b = 0; b < REF_N_BANDS; b++)
            ref->national_band_share[s][b] /= total;
    rc = PCN_OK;
out:
    pcn_csv_free(c);
    return rc;
}

/* qof_prevalence_2425.csv: practice, 6 list sizes, 21 registers. */
static enum pcn_err load_qof(struct pcn_refdata *ref, struct pcn_error *reterr)
{
    struct pcn_csv *c = NULL;
    double num[PCN_REG_COUNT] = {0}, den[PCN_REG_COUNT] = {0};
    enum pcn_err rc = open_data(ref, "data/reference/qof_prevalence_2425.csv", &c, reterr);
    if (rc != PCN_OK)
        goto out;
    rc = pcn_csv_next(c, reterr);
    if (rc != PCN_OK)
        goto out;
    for (;;) {
        rc = pcn_csv_next(c, reterr);
        if (rc == PCN_ENOTFOUND)
            break;
        if (rc != PCN_OK)
            goto out;
        struct ref_practice *p = practice_of(ref, field(c, 0));
        int32_t lists[REF_N_LIST_TYPES];
        for (int t = 0; t < REF_N_LIST_TYPES; t++)
            lists[t] = (int32_t)field_int(c, 1 + t, 0);
        for (int r = 0; r < PCN_REG_COUNT; r++) {
            int64_t v = field_int(c, 1 + REF_N_LIST_TYPES + r, -1);
            if (v >= 0 && lists[reg_list_type[r]] > 0) {
                num[r] += (double)v;
                den[r] += lists[reg_list_type[r]];
            }
            if (p)
                p->qof_reg[r] = (int32_t)v;
        }
        if (p) {
            memcpy(p->qof_list, lists, sizeof(lists));
            p->has_qof = 1;
        }
    }
    for (int r = 0; r < PCN_REG_COUNT; r++)
        ref->national_prev[r] = den[r] > 0 ? num[r] / den[r] : 0;
    rc = PCN_OK;
out:
    pcn_csv_free(c);
    return rc;
}

/* lsoa_imd2019.csv and lsoa_lad2019.csv (same row order: both sorted by LSOA). */
static enum pcn_err load_lsoa(struct pcn_refdata *ref, struct pcn_strmap *lads,
                              struct pcn_error *reterr)
{
    struct pcn_csv *c = NULL, *l = NULL;
    size_t alloc = 0, alloc_d = 0, alloc_l = 0;
    enum pcn_err rc = open_data(ref, "data/reference/lsoa_imd2019.csv", &c, reterr);
    if (rc == PCN_OK)
        rc = open_data(ref, "data/reference/lsoa_lad2019.csv", &l, reterr);
    if (rc == PCN_OK)
        rc = pcn_csv_next(c, reterr);
    if (rc == PCN_OK)
        rc = pcn_csv_next(l, reterr);
    if (rc != PCN_OK)
        goto out;
    for (;;) {
        rc = pcn_csv_next(c, reterr);
        if (rc == PCN_ENOTFOUND)
            break;
        if (rc == PCN_OK)
            rc = pcn_csv_next(l, reterr);
        if (rc != PCN_OK)
            goto out;
        size_t i = ref->n_lsoa;
        rc = PCN_GROW(ref->lsoa_code, i + 1, alloc);
        if (rc == PCN_OK)
            rc = PCN_GROW(ref->lsoa_decile, i + 1, alloc_d);
        if (rc == PCN_OK)
            rc = PCN_GROW(ref->lsoa_lad, i + 1, alloc_l);
        if (rc != PCN_OK)
            goto out;
        int64_t dec = field_int(c, 1, 0);
        const char *lad = field(l, 1);
        uint64_t li = 0;
        int added = 0;
        /* sorted and unique, so pcn__ref_find_lsoa() can bisect */
        if (dec < 1 || dec > 10 || strcmp(field(c, 0), field(l, 0)) != 0 ||
            (i > 0 && strcmp(ref->lsoa_code[i - 1], field(c, 0)) >= 0)) {
            rc = pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: bad decile or LSOA order",
                               pcn_csv_name(c), pcn_csv_line(c));
            goto out;
        }
        rc = pcn_strmap_intern(lads, lad, strlen(lad), pcn_strmap_count(lads), &li, &added);
        if (rc != PCN_OK)
            goto out;
        (void)snprintf(ref->lsoa_code[i], sizeof(ref->lsoa_code[i]), "%s", field(c, 0));
        ref->lsoa_decile[i] = (unsigned char)dec;
        ref->lsoa_lad[i] = (int32_t)li;
        ref->n_lsoa++;
    }
    ref->n_lads = pcn_strmap_count(lads);
    rc = PCN_OK;
out:
    pcn_csv_free(c);
    pcn_csv_free(l);
    return rc;
}

static enum pcn_err index_deciles(struct pcn_refdata *ref)
{
    uint32_t *fill = pcn_arena_calloc(ref->arena, ref->n_lads + 1, sizeof(uint32_t));
    ref->lad_start = pcn_arena_calloc(ref->arena, ref->n_lads + 1, sizeof(uint32_t));
    ref->lad_lsoa = pcn_arena_calloc(ref->arena, ref->n_lsoa + 1, sizeof(uint32_t));
    if (!fill || !ref->lad_start || !ref->lad_lsoa)
        return PCN_ENOMEM;
    /* counting sort of LSOAs by local authority */
    for (size_t i = 0; i < ref->n_lsoa; i++)
        ref->lad_start[ref->lsoa_lad[i] + 1]++;
    for (size_t l = 0; l < ref->n_lads; l++) {
        ref->lad_start[l + 1] += ref->lad_start[l];
        fill[l] = ref->lad_start[l];
    }
    for (size_t i = 0; i < ref->n_lsoa; i++)
        ref->lad_lsoa[fill[ref->lsoa_lad[i]]++] = (uint32_t)i;
    for (size_t i = 0; i < ref->n_lsoa; i++)
        ref->n_by_decile[ref->lsoa_decile[i] - 1]++;
    for (int d = 0; d < 10; d++) {
        ref->by_decile[d] = pcn_arena_calloc(ref->arena, ref->n_by_decile[d] + 1, sizeof(uint32_t));
        if (!ref->by_decile[d])
            return PCN_ENOMEM;
        ref->n_by_decile[d] = 0;
    }
    for (size_t i = 0; i < ref->n_lsoa; i++) {
        int d = ref->lsoa_decile[i] - 1;
        ref->by_decile[d][ref->n_by_decile[d]++] = (uint32_t)i;
    }
    return PCN_OK;
}

/* practice_imd.csv: practice, imd2025_score, imd2019_score, imd2019_decile, lad. */
static enum pcn_err load_practice_imd(struct pcn_refdata *ref, struct pcn_strmap *lads,
                                      struct pcn_error *reterr)
{
    struct pcn_csv *c = NULL;
    enum pcn_err rc = open_data(ref, "data/reference/practice_imd.csv", &c, reterr);
    if (rc == PCN_OK)
        rc = pcn_csv_next(c, reterr);
    if (rc != PCN_OK)
        goto out;
    for (;;) {
        rc = pcn_csv_next(c, reterr);
        if (rc == PCN_ENOTFOUND)
            break;
        if (rc != PCN_OK)
            goto out;
        struct ref_practice *p = practice_of(ref, field(c, 0));
        if (!p)
            continue;
        int64_t dec = field_int(c, 3, 0);
        double score = 0;
        const char *s25 = field(c, 1);
        /* IMD 2025 score only: map it onto deciles with the 2019 score cut points (approx.) */
        if ((dec < 1 || dec > 10) && *s25 && pcn_parse_double(s25, strlen(s25), &score) == 0)
            dec = score > 34   ? 1
                  : score > 27 ? 2
                  : score > 22 ? 3
                  : score > 18 ? 4
                  : score > 15 ? 5
                  : score > 12 ? 6
                  : score > 10 ? 7
                  : score > 8  ? 8
                  : score > 6  ? 9
                               : 10;
        p->imd_decile = dec >= 1 && dec <= 10 ? (int)dec : 0;
        const char *lad = field(c, 4);
        uint64_t li = 0;
        if (*lad && pcn_strmap_get(lads, lad, strlen(lad), &li))
            p->lad = (int)li;
    }
    rc = PCN_OK;
out:
    pcn_csv_free(c);
    return rc;
}

/* practice_variation.csv: measure,value,description (tools/derive_reference.py). */
static enum pcn_err load_variation(struct pcn_refdata *ref, struct pcn_error *reterr)
{
    static const char *const names[] = {"sd", "sd_within_network", "sd_between_networks",
                                        "icc_network"};
    double *dest[] = {&ref->spread_sd, &ref->spread_sd_within, &ref->spread_sd_between,
                      &ref->spread_icc};
    unsigned seen = 0;
    struct pcn_csv *c = NULL;
    enum pcn_err rc = open_data(ref, "data/reference/practice_variation.csv", &c, reterr);
    if (rc == PCN_OK)
        rc = pcn_csv_next(c, reterr);
    while (rc == PCN_OK) {
        rc = pcn_csv_next(c, reterr);
        if (rc != PCN_OK)
            break;
        for (size_t i = 0; i < PCN_ARRAY_SIZE(names); i++) {
            const char *v = field(c, 1);
            if (strcmp(field(c, 0), names[i]) != 0)
                continue;
            if (pcn_parse_double(v, strlen(v), dest[i]) != PCN_OK || *dest[i] < 0 ||
                *dest[i] >= 1) {
                rc = pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: bad value", pcn_csv_name(c),
                                   pcn_csv_line(c));
                break;
            }
            seen |= 1u << i;
        }
    }
    if (rc == PCN_ENOTFOUND && seen != (1u << PCN_ARRAY_SIZE(names)) - 1)
        rc = pcn_error_set(reterr, PCN_EPARSE,
                           "%s: needs measures sd, sd_within_network, "
                           "sd_between_networks, icc_network",
                           pcn_csv_name(c));
    else if (rc == PCN_ENOTFOUND)
        rc = PCN_OK;
    pcn_csv_free(c);
    return rc;
}

/* practice_access.csv: practice,appointments,within_2w (IIF 2023-24 ACC-08). */
static enum pcn_err load_access(struct pcn_refdata *ref, struct pcn_error *reterr)
{
    struct pcn_csv *c = NULL;
    double appts = 0, within = 0, list = 0;
    for (size_t i = 0; i < ref->n_practices; i++)
        ref->practices[i].acc_appts = ref->practices[i].acc_within = -1;
    enum pcn_err rc = open_data(ref, "data/reference/practice_access.csv", &c, reterr);
    if (rc == PCN_OK)
        rc = pcn_csv_next(c, reterr);
    while (rc == PCN_OK) {
        rc = pcn_csv_next(c, reterr);
        if (rc != PCN_OK)
            break;
        struct ref_practice *p = practice_of(ref, field(c, 0));
        int64_t n = field_int(c, 1, -1), w = field_int(c, 2, -1);
        if (n <= 0 || w < 0 || w > n || n > INT32_MAX) {
            rc = pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: bad counts", pcn_csv_name(c),
                               pcn_csv_line(c));
            break;
        }
        if (!p)
            continue;
        p->acc_appts = (int32_t)n;
        p->acc_within = (int32_t)w;
        if (p->has_qof && p->qof_list[0] > 0) {
            appts += (double)n;
            within += (double)w;
            list += p->qof_list[0];
        }
    }
    if (rc == PCN_ENOTFOUND) {
        rc = PCN_OK;
        ref->acc_rate = list > 0 ? appts / list : 0;
        ref->acc_within = appts > 0 ? within / appts : 0;
    }
    pcn_csv_free(c);
    return rc;
}

/* The staff role of a PCN workforce role (NHS England's STAFF_GROUP, STAFF_ROLE); -1: no contacts.
 */
static int staff_role_of(const char *group, const char *role)
{
    static const struct {
        const char *word;
        int role;
    } words[] = {
        {"Pharm", PCN_STAFF_PHARMACIST},
        {"Care Coordinator", PCN_STAFF_CARE_COORDINATOR},
        {"Social Prescribing", PCN_STAFF_LINK_WORKER},
        {"Wellbeing Coach", PCN_STAFF_LINK_WORKER},
        {"Physio", PCN_STAFF_PHYSIOTHERAPIST},
        {"Paramedic", PCN_STAFF_PARAMEDIC},
        {"Physician Associate", PCN_STAFF_PHYSICIAN_ASSOCIATE},
        {"Mental Health", PCN_STAFF_MENTAL_HEALTH},
        {"Talking Therap", PCN_STAFF_MENTAL_HEALTH},
        {"Nursing Associate", PCN_STAFF_HCA},
        {"Healthcare Assistant", PCN_STAFF_HCA},
        {"Healthcare Support", PCN_STAFF_HCA},
        {"General Practice Assistant", -1},
        {"Apprentice", -1},
    };
    for (size_t i = 0; i < PCN_ARRAY_SIZE(words); i++)
        if (strstr(role, words[i].word))
            return words[i].role;
    if (strcmp(group, "Other Nurses") == 0)
        return PCN_STAFF_NURSE;
    if (strcmp(group, "Other GPs") == 0)
        return PCN_STAFF_GP;
    if (strcmp(group, "Other Direct Patient Care staff") == 0)
        return PCN_STAFF_OTHER; /* dietitians, podiatrists, therapists */
    return -1;                  /* directors, managers, administrative staff */
}

/* pcn_workforce.csv: pcn,census,staff_group,staff_role,headcount,fte (PCN-employed staff). */
static enum pcn_err load_workforce(struct pcn_refdata *ref, struct pcn_error *reterr)
{
    struct pcn_csv *c = NULL;
    enum pcn_err rc = open_data(ref, "data/reference/pcn_workforce.csv", &c, reterr);
    if (rc == PCN_OK)
        rc = pcn_csv_next(c, reterr);
    while (rc == PCN_OK) {
        rc = pcn_csv_next(c, reterr);
        if (rc != PCN_OK)
            break;
        uint64_t ni = 0;
        const char *code = field(c, 0), *fte_s = field(c, 5);
        int role = staff_role_of(field(c, 2), field(c, 3));
        int64_t head = field_int(c, 4, -1);
        double fte = 0;
        if (head < 0 || pcn_parse_double(fte_s, strlen(fte_s), &fte) != PCN_OK || fte < 0) {
            rc = pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: bad headcount or FTE", pcn_csv_name(c),
                               pcn_csv_line(c));
            break;
        }
        if (role < 0)
            continue;
        ref->staff_fte[role] += fte;
        if (!pcn_strmap_get(ref->network_index, code, strlen(code), &ni))
            continue;
        struct ref_network *n = &ref->networks[ni];
        n->staff_fte[role] += (float)fte;
        n->staff_head[role] = (uint16_t)PCN_MIN(60000, n->staff_head[role] + head);
        n->has_staff = 1;
    }
    if (rc == PCN_ENOTFOUND) {
        double list = 0;
        rc = PCN_OK;
        for (size_t i = 0; i < ref->n_practices; i++) {
            const struct ref_practice *p = &ref->practices[i];
            double own = 0;
            for (int s = 0; s < 2; s++)
                for (int b = 0; b < REF_N_BANDS; b++)
                    own += PCN_MAX(0, p->bands[s][b]);
            list += own;
            if (p->network >= 0 && (size_t)p->network < ref->n_networks)
                ref->networks[p->network].list += own;
        }
        for (int r = 0; r < PCN_STAFF_COUNT; r++)
            ref->staff_fte_rate[r] = list > 0 ? ref->staff_fte[r] / list : 0;
    }
    pcn_csv_free(c);
    return rc;
}

/* One row of ethnicity_by_la.csv: lad, then a count or share for each of A..S. */
static enum pcn_err ethnicity_row(struct pcn_refdata *ref, struct pcn_csv *c,
                                  const struct pcn_strmap *lads, const long *col)
{
    uint64_t li = 0;
    double v[REF_N_ETH], total = 0;
    const char *lad = field(c, col[0]);
    if (!pcn_strmap_get(lads, lad, strlen(lad), &li))
        return PCN_OK; /* a local authority without an LSOA of ours (Wales, a newer code) */
    for (int k = 0; k < REF_N_ETH; k++) {
        const char *s = field(c, col[1 + k]);
        if (pcn_parse_double(s, strlen(s), &v[k]) != PCN_OK || v[k] < 0)
            return PCN_EPARSE;
        total += v[k];
    }
    if (total <= 0)
        return PCN_EPARSE;
    for (int k = 0; k < REF_N_ETH; k++)
        ref->eth_lad[li * REF_N_ETH + (size_t)k] = (float)(v[k] / total);
    ref->n_eth_lads += !ref->eth_lad_known[li];
    ref->eth_lad_known[li] = 1;
    return PCN_OK;
}

/*
 * The hook for ethnicity by area (docs/generator.md, "Ethnicity"): read
 * path, a CSV with a column lad (2019 local authority district code) and
 * one column per NHS ethnic category letter A B C D E F G H J K L M N P R S
 * (counts or shares of residents). Replaces any table loaded before.
 */
enum pcn_err pcn_refdata_load_ethnicity(struct pcn_refdata *ref, const char *path,
                                        struct pcn_error *reterr)
{
    static const char letters[] = "ABCDEFGHJKLMNPRS";
    struct pcn_csv *c = NULL;
    long col[1 + REF_N_ETH];
    enum pcn_err rc = pcn_csv_open(path, &c, reterr);
    if (rc == PCN_OK)
        rc = pcn_csv_next(c, reterr);
    if (rc != PCN_OK)
        goto out;
    col[0] = pcn_csv_find(c, "lad");
    for (int k = 0; k < REF_N_ETH; k++) {
        char name[2] = {letters[k], '\0'};
        col[1 + k] = pcn_csv_find(c, name);
        if (col[1 + k] < 0 || col[0] < 0) {
            rc = header_missing(c, col[0] < 0 ? "lad" : name, reterr);
            goto out;
        }
    }
    ref->eth_lad = pcn_arena_calloc(ref->arena, ref->n_lads * REF_N_ETH + 1, sizeof(float));
    ref->eth_lad_known = pcn_arena_calloc(ref->arena, ref->n_lads + 1, 1);
    ref->n_eth_lads = 0;
    rc = ref->eth_lad && ref->eth_lad_known ? PCN_OK : PCN_ENOMEM;
    while (rc == PCN_OK) {
        rc = pcn_csv_next(c, reterr);
        if (rc == PCN_OK && ethnicity_row(ref, c, ref->lad_index, col) != PCN_OK)
            rc = pcn_error_set(reterr, PCN_EPARSE, "%s:%lu: shares must be numbers >= 0, not all 0",
                               pcn_csv_name(c), pcn_csv_line(c));
    }
    if (rc == PCN_ENOTFOUND)
        rc = PCN_OK;
out:
    if (rc != PCN_OK) {
        ref->eth_lad = NULL;
        ref->n_eth_lads = 0;
    }
    pcn_csv_free(c);
    return rc;
}

/* data/reference/ethnicity_by_la.csv, when present: not shipped (no Census table is shared). */
static enum pcn_err load_ethnicity_hook(struct pcn_refdata *ref, struct pcn_error *reterr)
{
    char path[REF_PATH_MAX];
    if (ref_path(ref, "data/reference/ethnicity_by_la.csv", path, sizeof(path)) != PCN_OK)
        return pcn_error_set(reterr, PCN_ELIMIT, "ethnicity_by_la.csv: path too long");
    if (access(path, F_OK) != 0)
        return PCN_OK;
    return pcn_refdata_load_ethnicity(ref, path, reterr);
}

static enum pcn_err list_add(struct pcn_refdata *ref, struct ref_codelist *l, size_t *alloc,
                             const char *code, const char *term, int group)
{
    size_t a = *alloc;
    enum pcn_err rc = PCN_GROW(l->codes, l->n + 1, a);
    if (rc == PCN_OK) {
        a = *alloc;
        rc = PCN_GROW(l->terms, l->n + 1, a);
    }
    if (rc == PCN_OK) {
        a = *alloc;
        rc = PCN_GROW(l->group, l->n + 1, a);
    }
    if (rc != PCN_OK)
        return rc;
    *alloc = a;
    l->codes[l->n] = intern(ref, code);
    l->terms[l->n] = intern(ref, term);
    l->group[l->n] = (unsigned char)group;
    if (!l->codes[l->n] || !l->terms[l->n])
        return PCN_ENOMEM;
    l->n++;
    return PCN_OK;
}

/*
 * A code list file (rules in pcn/codelist.h) into l. The ethnicity list
 * takes its terms from "Ethnicity" and its 16-group category from
 * "Grouping_16".
 */
static enum pcn_err load_list(struct pcn_refdata *ref, struct ref_codelist *l, const char *path,
                              bool ethnicity, struct pcn_error *reterr)
{
    struct pcn_codelist_opts opts = {NULL, ethnicity ? "Ethnicity" : NULL,
                                     ethnicity ? "Grouping_16" : NULL};
    struct pcn_codelist cl = PCN_CODELIST_INIT;
    size_t alloc = 0;
    enum pcn_err rc = pcn_codelist_read(&cl, path, &opts, reterr);

    for (size_t i = 0; rc == PCN_OK && i < cl.n; i++) {
        const char *group = cl.entries[i].extra;
        int64_t g = 0;
        if (*group && pcn_parse_i64(group, strlen(group), &g) != PCN_OK)
            g = 0;
        rc = list_add(ref, l, &alloc, cl.entries[i].code, cl.entries[i].term,
                      g >= 1 && g <= 16 ? (int)g : 0);
        if (rc != PCN_OK)
            rc = pcn_error_set(reterr, rc, "%s: out of memory", path);
    }
    pcn_codelist_release(&cl);
    return rc;
}

static enum pcn_err load_lists(struct pcn_refdata *ref, struct pcn_error *reterr)
{
    char rel[512], path[REF_PATH_MAX];
    for (int i = 0; i < CL_COUNT; i++) {
        struct ref_codelist *l = &ref->lists[i];
        if (i < CL_EFI_FIRST) {
            l->path = list_paths[i];
            if (!l->path)
                continue; /* a list the shared data lacks (see list_paths) */
        } else {
            const char *concept = efi_concepts[i - CL_EFI_FIRST];
            const char *base = strrchr(concept, '/') + 1;
            l->path = pcn_arena_printf(ref->arena, "gm-sde_clinical-code-sets/%s/1/%s.snomed.txt",
                                       concept, base);
            if (!l->path)
                return PCN_ENOMEM;
        }
        int n = snprintf(rel, sizeof(rel), "defs/codelists/%s", l->path);
        if (n < 0 || (size_t)n >= sizeof(rel) || ref_path(ref, rel, path, sizeof(path)) != PCN_OK)
            return pcn_error_set(reterr, PCN_ELIMIT, "%s: path too long", l->path);
        enum pcn_err rc = load_list(ref, l, path, i == CL_ETHNICITY, reterr);
        if (rc != PCN_OK)
            return rc;
    }
    return PCN_OK;
}

long pcn__ref_find_code(const struct pcn_refdata *ref, int l, const char *code)
{
    const struct ref_codelist *cl = &ref->lists[l];
    for (size_t i = 0; i < cl->n; i++)
        if (strcmp(cl->codes[i], code) == 0)
            return (long)i;
    return -1;
}

long pcn__ref_find_lsoa(const struct pcn_refdata *ref, const char *lsoa)
{
    size_t lo = 0, hi = ref->n_lsoa;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(ref->lsoa_code[mid], lsoa);
        if (cmp == 0)
            return (long)mid;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

enum pcn_err pcn_refdata_load(const char *root, struct pcn_refdata **ret, struct pcn_error *reterr)
{
    struct pcn_refdata *ref = pcn_calloc(1, sizeof(*ref));
    enum pcn_err rc = PCN_ENOMEM;
    if (!ref)
        goto out;
    ref->extract_date = PCN_DATE_NONE;
    ref->arena = pcn_arena_new(1 << 20, (size_t)1 << 30);
    if (ref->arena && root) {
        ref->root = pcn_arena_strdup(ref->arena, root);
        if (!ref->root)
            goto out;
    }
    ref->practice_index = pcn_strmap_new();
    ref->network_index = pcn_strmap_new();
    ref->lad_index = pcn_strmap_new();
    if (!ref->arena || !ref->practice_index || !ref->network_index || !ref->lad_index)
        goto out;
    rc = load_mapping(ref, reterr);
    if (rc == PCN_OK)
        rc = load_bands(ref, reterr);
    if (rc == PCN_OK)
        rc = load_qof(ref, reterr);
    if (rc == PCN_OK)
        rc = load_lsoa(ref, ref->lad_index, reterr);
    if (rc == PCN_OK)
        rc = index_deciles(ref);
    if (rc == PCN_OK)
        rc = load_practice_imd(ref, ref->lad_index, reterr);
    if (rc == PCN_OK)
        rc = load_variation(ref, reterr);
    if (rc == PCN_OK)
        rc = load_access(ref, reterr);
    if (rc == PCN_OK)
        rc = load_workforce(ref, reterr);
    if (rc == PCN_OK)
        rc = load_ethnicity_hook(ref, reterr);
    if (rc == PCN_OK)
        rc = load_lists(ref, reterr);
    if (rc == PCN_OK && ref->extract_date == PCN_DATE_NONE)
        rc = pcn_error_set(reterr, PCN_EPARSE, "list_bands.csv: no extract date");
    if (rc != PCN_OK)
        goto out;
    *ret = ref;
    ref = NULL;
out:
    if (rc == PCN_ENOMEM)
        (void)pcn_error_set(reterr, rc, "out of memory loading reference data");
    pcn_refdata_free(ref);
    return rc;
}

void pcn_refdata_free(struct pcn_refdata *ref)
{
    if (!ref)
        return;
    for (int i = 0; i < CL_COUNT; i++) {
        pcn_free(ref->lists[i].codes);
        pcn_free(ref->lists[i].terms);
        pcn_free(ref->lists[i].group);
    }
    pcn_free(ref->practices);
    pcn_free(ref->networks);
    pcn_free(ref->lsoa_code);
    pcn_free(ref->lsoa_decile);
    pcn_free(ref->lsoa_lad);
    pcn_strmap_free(ref->practice_index);
    pcn_strmap_free(ref->network_index);
    pcn_strmap_free(ref->lad_index);
    pcn_arena_free(ref->arena);
    pcn_free(ref);
}

int32_t pcn_refdata_extract_date(const struct pcn_refdata *ref)
{
    return ref->extract_date;
}

enum pcn_err pcn_refdata_qof_prevalence(const struct pcn_refdata *ref, const char *practice,
                                        int reg, double *ret)
{
    uint64_t i = 0;
    if (reg < 0 || reg >= PCN_REG_COUNT)
        return PCN_EINVAL;
    if (!pcn_strmap_get(ref->practice_index, practice, strlen(practice), &i))
        return PCN_ENOTFOUND;
    const struct ref_practice *p = &ref->practices[i];
    int32_t den = p->qof_list[reg_list_type[reg]];
    if (!p->has_qof || p->qof_reg[reg] < 0 || den <= 0)
        return PCN_ENOTFOUND;
    *ret = (double)p->qof_reg[reg] / den;
    return PCN_OK;
}

const char *pcn_refdata_practice_network(const struct pcn_refdata *ref, const char *practice)
{
    uint64_t i = 0;
    if (!pcn_strmap_get(ref->practice_index, practice, strlen(practice), &i))
        return NULL;
    return ref->networks[ref->practices[i].network].code;
}

size_t pcn_refdata_ethnicity_areas(const struct pcn_refdata *ref)
{
    return ref->eth_lad ? ref->n_eth_lads : 0;
}

int pcn_refdata_network_practices(const struct pcn_refdata *ref, const char *pcn)
{
    uint64_t ni = 0;
    int n = 0;
    if (!pcn_strmap_get(ref->network_index, pcn, strlen(pcn), &ni))
        return 0;
    for (size_t i = 0; i < ref->n_practices; i++)
        n += ref->practices[i].network == (int)ni;
    return n;
}
