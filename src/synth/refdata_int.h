/*
 * refdata_int.h - the loaded reference tables and code lists, shared by the
 * generator's own files (refdata.c, generate.c, generate_calib.c). Not a
 * public interface: the layout changes with the model.
 */
#ifndef PCN_SYNTH_REFDATA_INT_H
#define PCN_SYNTH_REFDATA_INT_H

#include <stdint.h>

#include "pcn/generate.h"
#include "pcn/record.h"

#define REF_N_BANDS 20
#define REF_N_LIST_TYPES 6
#define REF_N_ETH 16 /* NHS ethnic categories A..S (the 16-group grouping) */

/* The code lists the generator writes from (paths in refdata.c). */
enum ref_list {
    CL_AF,
    CL_AST,
    CL_CAN,
    CL_CHD,
    CL_CKD,
    CL_COPD,
    CL_DEM,
    CL_DEP,
    CL_DM,
    CL_EP,
    CL_HF,
    CL_HYP,
    CL_LD,
    CL_MH,
    CL_NDH,
    CL_OST,
    CL_PAD,
    CL_PC,
    CL_RA,
    CL_STIA,
    CL_ASTRES,
    CL_COPDRES,
    CL_DMRES,
    CL_HYPRES,
    CL_TIA,     /* further register lists of the engine's definitions (defs/): */
    CL_HAEMCAN, /* TIA for STIA, haematological cancer for CAN */
    CL_SBP,
    CL_BP,
    CL_HBA1C,
    CL_CHOL,
    CL_BMI,
    CL_SMOK_CUR,
    CL_SMOK_EX,
    CL_SMOK_NEVER,
    CL_EGFR,
    CL_AST_REVIEW,
    CL_COPD_REVIEW,
    CL_MEDRVW,
    CL_SMR,
    CL_CAREHOME,
    CL_MILDFRAIL,
    CL_MODFRAIL,
    CL_SEVFRAIL,
    CL_EFI_SCORE,
    CL_ETHNICITY,
    CL_QRISK,        /* CVD risk score (QOF), for the Network DES CVD indicators */
    CL_DEM_CAREPLAN, /* dementia care plan (review) */
    CL_SOCPRES,      /* social prescribing referral */
    CL_SABA_MED,     /* dm+d: salbutamol inhalers (asthma treatment, with CL_ICS_MED) */
    CL_ICS_MED,      /* dm+d: inhaled corticosteroids */
    CL_EPIL_MED,     /* dm+d: gabapentinoids, the BNF 4.8.1 antiepileptics of the shared lists */
    CL_DOAC_MED,     /* dm+d: direct oral anticoagulants */
    CL_VKA_MED,      /* dm+d: warfarin */
    CL_DMPCADEC,     /* personalised care adjustments (docs/generator.md): diabetes */
    CL_DMPCAPU,
    CL_DMINVITE,
    CL_DMMAX,
    CL_BLDTESTDEC,
    CL_PCA_FIRST, /* then informed dissent / patient unsuitable of each enum ref_pca */
    CL_EFI_FIRST = CL_PCA_FIRST + 2 * 9, /* the 35 coded eFI deficits (enum ref_efi order) */
    CL_COUNT = CL_EFI_FIRST + 35
};

/*
 * Registers with a pair of PCA lists (defs/codelists/qof-pca/): list
 * CL_PCA_FIRST + 2 * k is "informed dissent", + 1 "patient unsuitable".
 */
enum ref_pca { PCA_AF, PCA_AST, PCA_CKD, PCA_COPD, PCA_DEM, PCA_HF, PCA_HYP, PCA_OST, PCA_STIA };

/* The coded eFI deficits (the 36th, polypharmacy, comes from medications). */
enum ref_efi {
    EFI_ARTHRITIS,
    EFI_AF,
    EFI_CHD,
    EFI_CKD,
    EFI_DIABETES,
    EFI_FOOT,
    EFI_FRACTURE,
    EFI_HEARING,
    EFI_HF,
    EFI_VALVE,
    EFI_HYPERTENSION,
    EFI_HYPOTENSION,
    EFI_OSTEOPOROSIS,
    EFI_PARKINSONS,
    EFI_PEPTIC_ULCER,
    EFI_PVD,
    EFI_RESPIRATORY,
    EFI_SKIN_ULCER,
    EFI_STROKE,
    EFI_THYROID,
    EFI_URINARY_SYSTEM,
    EFI_VISION,
    EFI_ACTIVITY,
    EFI_ANAEMIA,
    EFI_CARE,
    EFI_COGNITIVE,
    EFI_DIZZINESS,
    EFI_DYSPNOEA,
    EFI_FALLS,
    EFI_HOUSEBOUND,
    EFI_MOBILITY,
    EFI_SLEEP,
    EFI_SOCIAL,
    EFI_INCONTINENCE,
    EFI_WEIGHT_LOSS,
    EFI_COUNT
};

struct ref_codelist {
    const char *path;   /* relative to defs/codelists/ */
    size_t n;           /* codes */
    const char **codes; /* arena strings */
    const char **terms;
    unsigned char *group; /* ethnicity list only: 16-group category 1..16, 0 unknown */
};

struct ref_practice {
    char code[8];
    const char *name;
    const char *postcode;
    const char *sub_icb; /* sub-ICB location code, e.g. 16C */
    const char *icb;     /* ICB code, e.g. QHM */
    const char *supplier;
    int network;                   /* index into ref->networks */
    int32_t bands[2][REF_N_BANDS]; /* [0] male, [1] female; -1 when absent */
    int has_bands;
    int32_t qof_list[REF_N_LIST_TYPES]; /* TOTAL 06OV 16OV 17OV 18OV 50OV */
    int32_t qof_reg[PCN_REG_COUNT];     /* -1 when absent */
    int has_qof;
    int imd_decile; /* IMD 2019 practice decile, 0 unknown */
    int lad;        /* index into ref->lads, -1 unknown */
    /* practice_access.csv (IIF 2023-24 ACC-08): appointments, those within two weeks; -1 absent */
    int32_t acc_appts, acc_within;
};

struct ref_network {
    char code[8];
    const char *name;
    const char *sub_icb_code;
    const char *sub_icb_name;
    const char *icb_code;
    const char *icb_name;
    const char *region_code;
    const char *region_name;
    /* pcn_workforce.csv: staff employed by the network, by enum pcn_encounter_role */
    float staff_fte[PCN_STAFF_COUNT];
    uint16_t staff_head[PCN_STAFF_COUNT];
    int has_staff;
    double list; /* registered patients of its practices (list_bands.csv) */
};

struct pcn_refdata {
    struct pcn_arena *arena; /* every string and array below */
    const char *root;        /* data root given at load, or NULL for pcn_data_dir() */
    int32_t extract_date;
    struct ref_practice *practices; /* in mapping-file order */
    size_t n_practices;
    struct ref_network *networks;
    size_t n_networks;
    struct pcn_strmap *practice_index; /* code -> index */
    struct pcn_strmap *network_index;  /* code -> index */
    struct pcn_strmap *lad_index;      /* local authority district code -> index */
    /* LSOAs: code, IMD 2019 decile (1..10) and local authority index */
    size_t n_lsoa;
    char (*lsoa_code)[10];
    unsigned char *lsoa_decile;
    int32_t *lsoa_lad;
    size_t n_lads;
    uint32_t *lad_start; /* LSOAs of local authority l: lad_lsoa[lad_start[l] .. lad_start[l+1]) */
    uint32_t *lad_lsoa;
    uint32_t *by_decile[10]; /* LSOA indices of each decile */
    size_t n_by_decile[10];
    double national_prev[PCN_REG_COUNT]; /* England QOF prevalence */
    /* practice_variation.csv: spread of practice achievement (IIF 2023-24 ACC-08) */
    double spread_sd;         /* SD of practice achievement, all practices (proportion) */
    double spread_sd_within;  /* pooled SD of practices around their network mean */
    double spread_sd_between; /* SD of network achievement */
    double spread_icc;        /* share of the logit variance between networks */
    /* ethnicity_by_la.csv when present: shares of each LAD (n_lads x REF_N_ETH), else NULL */
    float *eth_lad;
    unsigned char *eth_lad_known;               /* per LAD: row present */
    size_t n_eth_lads;                          /* LADs with a row */
    double national_band_share[2][REF_N_BANDS]; /* share of all registered patients */
    /* ACC-08 nationally: appointments per patient of the QOF list, share within two weeks */
    double acc_rate, acc_within;
    /* network staff FTE in England by role, and per registered patient */
    double staff_fte[PCN_STAFF_COUNT], staff_fte_rate[PCN_STAFF_COUNT];
    struct ref_codelist lists[CL_COUNT];
};

/* Index of list l's fixed code `code`, or -1. */
long pcn__ref_find_code(const struct pcn_refdata *ref, int l, const char *code);

/* Index of an LSOA code in ref->lsoa_code (sorted), or -1. */
long pcn__ref_find_lsoa(const struct pcn_refdata *ref, const char *lsoa);

#endif /* PCN_SYNTH_REFDATA_INT_H */
