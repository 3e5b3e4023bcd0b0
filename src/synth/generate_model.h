/*
 * generate_model.h - the parameters of the generator's population model
 * (docs/generator.md explains each table and its source). Internal to the
 * generate*.c files: each includes the tables it uses.
 */
#ifndef PCN_SYNTH_GENERATE_MODEL_H
#define PCN_SYNTH_GENERATE_MODEL_H

#include "synth/generate_int.h"

/*
 * Age/sex shape of each register's risk: kind 0 is a logistic rise
 * (half-maximum age a, scale s years), kind 1 a bell (centre a, width s,
 * floor f), kind 2 a slow decline with age (scale s). male is the male to
 * female risk ratio. lc, lg, ld load the shared latent factors:
 * cardiometabolic, general ill-health/frailty, and deprivation of the
 * patient's LSOA; shared factors give realistic co-occurrence.
 * mean_years is the mean time since diagnosis, min_age the earliest age at
 * diagnosis, and efi the eFI deficit the condition counts as (-1 none).
 */
struct model_register {
    int kind;
    double a, s, f;
    double male;
    double lc, lg, ld;
    double mean_years;
    int min_age;
    int efi;
    int list;
};

static const struct model_register model_regs[PCN_REG_COUNT] = {
    [PCN_REG_AF] = {0, 78, 8, 0, 1.4, 0.2, 0.3, 0.0, 6, 30, EFI_AF, CL_AF},
    [PCN_REG_AST] = {1, 35, 60, 0.6, 0.85, 0.0, 0.2, 0.15, 15, 3, EFI_RESPIRATORY, CL_AST},
    [PCN_REG_CAN] = {0, 68, 10, 0, 0.9, 0.0, 0.2, 0.0, 6, 20, -1, CL_CAN},
    [PCN_REG_CHD] = {0, 72, 9, 0, 2.0, 0.6, 0.3, 0.3, 10, 30, EFI_CHD, CL_CHD},
    [PCN_REG_CKD] = {0, 78, 8, 0, 0.75, 0.5, 0.4, 0.1, 6, 30, EFI_CKD, CL_CKD},
    [PCN_REG_COPD] = {0, 70, 9, 0, 1.1, 0.1, 0.5, 0.6, 7, 35, EFI_RESPIRATORY, CL_COPD},
    [PCN_REG_DEM] = {0, 86, 5, 0, 0.7, 0.0, 0.6, 0.1, 3, 50, EFI_COGNITIVE, CL_DEM},
    [PCN_REG_DEP] = {1, 45, 25, 0.3, 0.5, 0.0, 0.4, 0.3, 8, 14, -1, CL_DEP},
    [PCN_REG_DM] = {0, 60, 10, 0, 1.3, 0.8, 0.2, 0.4, 9, 10, EFI_DIABETES, CL_DM},
    [PCN_REG_EP] = {1, 40, 60, 0.8, 1.1, 0.0, 0.3, 0.2, 15, 2, -1, CL_EP},
    [PCN_REG_HF] = {0, 80, 7, 0, 1.4, 0.5, 0.5, 0.3, 5, 40, EFI_HF, CL_HF},
    [PCN_REG_HYP] = {0, 65, 9, 0, 1.1, 0.6, 0.2, 0.1, 11, 25, EFI_HYPERTENSION, CL_HYP},
    [PCN_REG_LD] = {2, 0, 60, 0, 1.6, 0.0, 0.3, 0.2, 30, 1, -1, CL_LD},
    [PCN_REG_MH] = {1, 50, 22, 0.2, 1.1, 0.0, 0.4, 0.6, 12, 16, -1, CL_MH},
    [PCN_REG_NDH] = {0, 62, 10, 0, 1.0, 0.6, 0.1, 0.2, 4, 18, -1, CL_NDH},
    [PCN_REG_OB] = {1, 55, 25, 0.4, 0.9, 0.6, 0.2, 0.3, 0, 18, -1, -1},
    [PCN_REG_OST] = {0, 75, 7, 0, 0.25, 0.0, 0.5, 0.0, 5, 45, EFI_OSTEOPOROSIS, CL_OST},
    [PCN_REG_PAD] = {0, 74, 8, 0, 1.7, 0.5, 0.4, 0.4, 6, 40, EFI_PVD, CL_PAD},
    [PCN_REG_PC] = {0, 82, 8, 0, 1.0, 0.0, 0.9, 0.0, 0.7, 18, -1, CL_PC},
    [PCN_REG_RA] = {0, 60, 12, 0, 0.4, 0.0, 0.4, 0.1, 10, 18, EFI_ARTHRITIS, CL_RA},
    [PCN_REG_STIA] = {0, 75, 9, 0, 1.2, 0.4, 0.4, 0.2, 7, 30, EFI_STROKE, CL_STIA},
};

/* ---------------------------------------------------------------- ethnicity */

/* NHS ethnic category letters, indexed like the 16-group grouping of the ethnicity code list. */
static const char model_eth_letter[REF_N_ETH] = {'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H',
                                                 'J', 'K', 'L', 'M', 'N', 'P', 'R', 'S'};

/* Census 2021, England: share of usual residents in each category (rounded). */
static const double model_eth_share[REF_N_ETH] = {0.735, 0.009, 0.064, 0.009, 0.004, 0.008,
                                                  0.007, 0.033, 0.028, 0.011, 0.016, 0.011,
                                                  0.025, 0.005, 0.008, 0.022};

/*
 * How concentrated each group is in deprived neighbourhoods: its share
 * living in the most deprived IMD 2019 decile, relative to the 10% an even
 * spread gives. Published (Ethnicity facts and figures, "People living in
 * deprived neighbourhoods", 2019): White British 0.91, Pakistani 3.11,
 * Bangladeshi 1.93, Mixed White and Black Caribbean 1.74, Black African
 * 1.56; Indian, Chinese, White Irish and White Other below White British
 * (Indian lowest); the other groups above it, 1.5 here (not published in
 * the figures we hold).
 */
static const double model_eth_deprived[REF_N_ETH] = {0.91, 0.85, 0.9, 1.74, 1.5,  1.5, 1.5,  0.6,
                                                     3.11, 1.93, 1.5, 1.5,  1.56, 1.5, 0.85, 1.5};

/* Ethnic groups for register risk: index into model_eth_rr columns. */
enum model_eth_class { EC_WHITE, EC_MIXED, EC_SOUTH_ASIAN, EC_OTHER_ASIAN, EC_BLACK, EC_OTHER };
static const uint8_t model_eth_class[REF_N_ETH] = {
    EC_WHITE, EC_WHITE,       EC_WHITE,       EC_MIXED,       EC_MIXED,       EC_MIXED,
    EC_MIXED, EC_SOUTH_ASIAN, EC_SOUTH_ASIAN, EC_SOUTH_ASIAN, EC_OTHER_ASIAN, EC_BLACK,
    EC_BLACK, EC_BLACK,       EC_OTHER_ASIAN, EC_OTHER};

/*
 * Relative risk of a register by ethnic class (docs/generator.md,
 * "Ethnicity"): type 2 diabetes 2-4 times as common in people of South
 * Asian and up to 3 times in people of Black African or Caribbean family
 * origin (Diabetes UK; Health Survey for England 2004), hypertension more
 * common in Black adults (HSE 2004), coronary heart disease in South Asian
 * adults (HSE 2004), stroke in Black adults; CKD modestly raised (a
 * choice: kidney failure is 3-5 times as common, recorded CKD 3-5 less
 * so). Registers stay calibrated to QOF: these only redistribute a
 * practice's register among its patients.
 */
static const double model_eth_rr[PCN_REG_COUNT][6] = {
    /* registers absent here: 1 for every class (a zero row) */
    [PCN_REG_DM] = {1.0, 1.2, 2.5, 1.8, 2.0, 1.3},   [PCN_REG_NDH] = {1.0, 1.1, 1.8, 1.4, 1.5, 1.2},
    [PCN_REG_HYP] = {1.0, 1.1, 1.1, 1.0, 1.4, 1.0},  [PCN_REG_CHD] = {1.0, 1.0, 1.4, 1.0, 0.7, 1.0},
    [PCN_REG_STIA] = {1.0, 1.0, 1.1, 1.0, 1.3, 1.0}, [PCN_REG_CKD] = {1.0, 1.0, 1.3, 1.0, 1.2, 1.0},
};

/* ---------------------------------------------------------------- practice effect */

/*
 * National reference achievement of each quality domain (the base rates
 * of generate_records.c are set so that a practice with no effect reaches
 * them). The between-practice spread is the same for every domain: the SD
 * of practice achievement of IIF 2023-24 ACC-08 (data/reference/
 * practice_variation.csv), in percentage points.
 */
static const double model_quality_ref[Q_COUNT] = {
    [Q_BP_RECORD] = 0.90, [Q_BP_CONTROL] = 0.68,  [Q_HBA1C] = 0.62,      [Q_DM_PROCESS] = 0.90,
    [Q_LAB] = 0.85,       [Q_RESP_REVIEW] = 0.66, [Q_DEM_REVIEW] = 0.60, [Q_HEALTH_CHECK] = 0.72,
    [Q_SMOKING] = 0.90,   [Q_QRISK] = 0.50,       [Q_STATIN] = 0.75,     [Q_ANTICOAG] = 0.90,
    [Q_FLU] = 0.75,       [Q_MED_REVIEW] = 0.70,
};

/* Correlation of a practice's domain effect with its overall quality level (a choice). */
#define MODEL_QUALITY_RHO 0.6
/* SD of log(PCA habit): practices differ several-fold in exception recording (a choice). */
#define MODEL_HABIT_SD 0.6

/* ---------------------------------------------------------------- care homes */

/*
 * Care home residents (NHS England, Enhanced Health in Care Homes: about
 * 360,000 people in registered adult care homes, 16% of them aged 18-64):
 * 0.56% of the 63.8 million registered patients. The 65+ rate doubles
 * every five years of age (a choice: the shared data has no residents by
 * age), 95+ at 1.5 times 90-94; the 18-64 rate is flat.
 */
#define MODEL_CAREHOME_SHARE 0.0056
#define MODEL_CAREHOME_YOUNG 0.16
#define MODEL_NURSING_OLD 0.50   /* nursing homes' share of residents 65+ (CQC beds ~1:1) */
#define MODEL_NURSING_YOUNG 0.15 /* and of residents 18-64 (mostly residential LD/MH homes) */

/* ---------------------------------------------------------------- medicines */

/* Therapeutic classes: a person takes at most one drug of a class. */
enum model_class {
    MC_SABA,
    MC_ICS,
    MC_OCS,
    MC_BIGUANIDE,
    MC_SU,
    MC_SGLT2,
    MC_DPP4,
    MC_INSULIN,
    MC_STATIN,
    MC_CCB,
    MC_RAAS, /* ACE inhibitor or angiotensin receptor blocker, never both */
    MC_THIAZIDE,
    MC_ALPHA,
    MC_BETA,
    MC_MRA,
    MC_LOOP,
    MC_ANTIPLATELET,
    MC_ANTICOAG,
    MC_PPI,
    MC_ANTIDEPRESSANT,
    MC_TCA_PAIN,
    MC_ANTIPSYCHOTIC,
    MC_LITHIUM,
    MC_GABAPENTINOID,
    MC_WEAK_OPIOID,
    MC_STRONG_OPIOID,
    MC_NSAID,
    MC_HYPNOTIC,
    MC_MIDAZOLAM,
    MC_MTX,
    MC_SSZ,
    MC_HRT,
    MC_TRAMADOL,
    MC_COUNT
};

/*
 * The dm+d catalogue: each medicine the twin writes, with its VMP code and
 * term as they appear in the shipped list (path under defs/codelists/;
 * tests/unit/synth checks the membership). acute: issued as a short course
 * (prednisolone, NSAIDs), else as the latest issue of a repeat.
 */
struct model_drug {
    const char *code;
    const char *term;
    const char *list;
    int cls;
    int acute;
    int quantity; /* dose units (tablets, inhalers, pens, ml) of 28 days, or of an acute course */
};

#define ECR "opensafely_ethnicity-covid-research/opensafely-"
#define SHE "opensafely_shielding-evaluation/opensafely-"
#define OAC "opensafely_oral-anticoagulant-covid/opensafely-"
#define WLI "opensafely_waiting-list/"
#define APS "opensafely_antipsychotics-prescribing-during-COVID-19/opensafely-"

enum model_drug_id {
    D_SALBUTAMOL,
    D_BECLOMETASONE,
    D_BECLO_FORMOTEROL,
    D_PREDNISOLONE,
    D_METFORMIN,
    D_GLICLAZIDE,
    D_DAPAGLIFLOZIN,
    D_EMPAGLIFLOZIN,
    D_SITAGLIPTIN,
    D_GLARGINE,
    D_ATORVASTATIN,
    D_SIMVASTATIN,
    D_AMLODIPINE,
    D_RAMIPRIL,
    D_LISINOPRIL,
    D_LOSARTAN,
    D_CANDESARTAN,
    D_INDAPAMIDE,
    D_DOXAZOSIN,
    D_BISOPROLOL,
    D_SPIRONOLACTONE,
    D_FUROSEMIDE,
    D_BUMETANIDE,
    D_ASPIRIN,
    D_CLOPIDOGREL,
    D_APIXABAN,
    D_EDOXABAN,
    D_RIVAROXABAN,
    D_DABIGATRAN,
    D_WARFARIN,
    D_OMEPRAZOLE,
    D_LANSOPRAZOLE,
    D_SERTRALINE,
    D_CITALOPRAM,
    D_FLUOXETINE,
    D_MIRTAZAPINE,
    D_AMITRIPTYLINE,
    D_OLANZAPINE,
    D_ARIPIPRAZOLE,
    D_QUETIAPINE,
    D_RISPERIDONE,
    D_LITHIUM,
    D_GABAPENTIN,
    D_PREGABALIN,
    D_COCODAMOL,
    D_MORPHINE,
    D_NAPROXEN,
    D_IBUPROFEN,
    D_ZOPICLONE,
    D_MIDAZOLAM,
    D_METHOTREXATE,
    D_SULFASALAZINE,
    D_ESTRADIOL,
    D_TRAMADOL,
    D_COUNT
};

static const struct model_drug model_drugs[D_COUNT] = {
    [D_SALBUTAMOL] = {"320139002", "Salbutamol 100micrograms/dose inhaler CFC free",
                      SHE "asthma-inhaler-salbutamol-medication.csv", MC_SABA, 0, 1},
    [D_BECLOMETASONE] = {"35908111000001105", "Beclometasone 100micrograms/dose inhaler CFC free",
                         SHE "asthma-inhaler-steroid-medication.csv", MC_ICS, 0, 1},
    [D_BECLO_FORMOTEROL] = {"12911011000001100",
                            "Beclometasone 100micrograms/dose / Formoterol 6micrograms/dose "
                            "inhaler CFC free",
                            SHE "asthma-inhaler-steroid-medication.csv", MC_ICS, 0, 1},
    [D_PREDNISOLONE] = {"325427002", "Prednisolone 5mg tablets",
                        SHE "asthma-oral-prednisolone-medication.csv", MC_OCS, 1, 40},
    [D_METFORMIN] = {"325278007", "Metformin 500mg tablets", ECR "antidiabetic-drugs.csv",
                     MC_BIGUANIDE, 0, 112},
    [D_GLICLAZIDE] = {"325242002", "Gliclazide 80mg tablets", ECR "antidiabetic-drugs.csv", MC_SU,
                      0, 56},
    [D_DAPAGLIFLOZIN] = {"703680009", "Dapagliflozin 10mg tablets", ECR "antidiabetic-drugs.csv",
                         MC_SGLT2, 0, 28},
    [D_EMPAGLIFLOZIN] = {"25290511000001101", "Empagliflozin 10mg tablets",
                         ECR "antidiabetic-drugs.csv", MC_SGLT2, 0, 28},
    [D_SITAGLIPTIN] = {"424345005", "Sitagliptin 100mg tablets", ECR "antidiabetic-drugs.csv",
                       MC_DPP4, 0, 28},
    [D_GLARGINE] = {"400877001",
                    "Insulin glargine 100units/ml solution for injection 3ml pre-filled "
                    "disposable devices",
                    ECR "insulin-medication.csv", MC_INSULIN, 0, 2},
    [D_ATORVASTATIN] = {"320030001", "Atorvastatin 20mg tablets", ECR "statin-medication.csv",
                        MC_STATIN, 0, 28},
    [D_SIMVASTATIN] = {"319997009", "Simvastatin 20mg tablets", ECR "statin-medication.csv",
                       MC_STATIN, 0, 28},
    [D_AMLODIPINE] = {"319283006", "Amlodipine 5mg tablets", ECR "calcium-channel-blockers.csv",
                      MC_CCB, 0, 28},
    [D_RAMIPRIL] = {"318901006", "Ramipril 2.5mg capsules", ECR "ace-inhibitor-medications.csv",
                    MC_RAAS, 0, 28},
    [D_LISINOPRIL] = {"318859000", "Lisinopril 10mg tablets", ECR "ace-inhibitor-medications.csv",
                      MC_RAAS, 0, 28},
    [D_LOSARTAN] = {"318956006", "Losartan 50mg tablets",
                    ECR "angiotensin-ii-receptor-blockers-arbs.csv", MC_RAAS, 0, 28},
    [D_CANDESARTAN] = {"318979007", "Candesartan 8mg tablets",
                       ECR "angiotensin-ii-receptor-blockers-arbs.csv", MC_RAAS, 0, 28},
    [D_INDAPAMIDE] = {"317956008", "Indapamide 2.5mg tablets",
                      ECR "thiazide-type-diuretic-medication.csv", MC_THIAZIDE, 0, 28},
    [D_DOXAZOSIN] = {"318783003", "Doxazosin 4mg tablets",
                     ECR "alpha-adrenoceptor-blocking-drugs.csv", MC_ALPHA, 0, 28},
    [D_BISOPROLOL] = {"318605000", "Bisoprolol 2.5mg tablets", ECR "beta-blocker-medications.csv",
                      MC_BETA, 0, 28},
    [D_SPIRONOLACTONE] = {"318056008", "Spironolactone 25mg tablets", ECR "spironolactone.csv",
                          MC_MRA, 0, 28},
    [D_FUROSEMIDE] = {"317972000", "Furosemide 40mg tablets",
                      "opensafely_pincer-measures/pincer-diur.csv", MC_LOOP, 0, 28},
    [D_BUMETANIDE] = {"318021009", "Bumetanide 1mg tablets",
                      "opensafely_pincer-measures/pincer-diur.csv", MC_LOOP, 0, 28},
    [D_ASPIRIN] = {"319773006", "Aspirin 75mg dispersible tablets", OAC "aspirin.csv",
                   MC_ANTIPLATELET, 0, 28},
    [D_CLOPIDOGREL] = {"319799004", "Clopidogrel 75mg tablets", OAC "antiplatelets.csv",
                       MC_ANTIPLATELET, 0, 28},
    [D_APIXABAN] = {"703908001", "Apixaban 5mg tablets",
                    SHE "direct-acting-oral-anticoagulants-doac.csv", MC_ANTICOAG, 0, 56},
    [D_EDOXABAN] = {"29903411000001101", "Edoxaban 60mg tablets",
                    SHE "direct-acting-oral-anticoagulants-doac.csv", MC_ANTICOAG, 0, 28},
    [D_RIVAROXABAN] = {"19842211000001107", "Rivaroxaban 20mg tablets",
                       SHE "direct-acting-oral-anticoagulants-doac.csv", MC_ANTICOAG, 0, 28},
    [D_DABIGATRAN] = {"19469811000001101", "Dabigatran etexilate 150mg capsules",
                      SHE "direct-acting-oral-anticoagulants-doac.csv", MC_ANTICOAG, 0, 56},
    [D_WARFARIN] = {"319733000", "Warfarin 1mg tablets", SHE "warfarin.csv", MC_ANTICOAG, 0, 112},
    [D_OMEPRAZOLE] = {"317291008", "Omeprazole 20mg gastro-resistant capsules",
                      OAC "proton-pump-inhibitors-ppi-oral.csv", MC_PPI, 0, 28},
    [D_LANSOPRAZOLE] = {"317309001", "Lansoprazole 30mg gastro-resistant capsules",
                        OAC "proton-pump-inhibitors-ppi-oral.csv", MC_PPI, 0, 28},
    [D_SERTRALINE] = {"39704111000001102", "Sertraline 50mg tablets",
                      WLI "user-anschaf-antidepressants-dmd.csv", MC_ANTIDEPRESSANT, 0, 28},
    [D_CITALOPRAM] = {"42269411000001107", "Citalopram 20mg tablets",
                      WLI "user-anschaf-antidepressants-dmd.csv", MC_ANTIDEPRESSANT, 0, 28},
    [D_FLUOXETINE] = {"42271711000001106", "Fluoxetine 20mg capsules",
                      WLI "user-anschaf-antidepressants-dmd.csv", MC_ANTIDEPRESSANT, 0, 28},
    [D_MIRTAZAPINE] = {"42274511000001104", "Mirtazapine 15mg tablets",
                       WLI "user-anschaf-antidepressants-dmd.csv", MC_ANTIDEPRESSANT, 0, 28},
    [D_AMITRIPTYLINE] = {"42291111000001104", "Amitriptyline 10mg tablets",
                         WLI "user-anschaf-antidepressants-dmd.csv", MC_TCA_PAIN, 0, 28},
    [D_OLANZAPINE] = {"321614001", "Olanzapine 10mg tablets",
                      APS "second-generation-antipsychotics-excluding-long-acting-injections.csv",
                      MC_ANTIPSYCHOTIC, 0, 28},
    [D_ARIPIPRAZOLE] = {"406787003", "Aripiprazole 10mg tablets",
                        APS "second-generation-antipsychotics-excluding-long-acting-injections.csv",
                        MC_ANTIPSYCHOTIC, 0, 28},
    [D_QUETIAPINE] = {"321624009", "Quetiapine 25mg tablets",
                      APS "second-generation-antipsychotics-excluding-long-acting-injections.csv",
                      MC_ANTIPSYCHOTIC, 0, 56},
    [D_RISPERIDONE] = {"321590000", "Risperidone 2mg tablets",
                       APS "second-generation-antipsychotics-excluding-long-acting-injections.csv",
                       MC_ANTIPSYCHOTIC, 0, 28},
    [D_LITHIUM] = {"13177001000001108", "Lithium carbonate 400mg modified-release tablets",
                   "opensafely_pincer-measures/pincer-lith.csv", MC_LITHIUM, 0, 28},
    [D_GABAPENTIN] = {"42129711000001109", "Gabapentin 300mg capsules",
                      WLI "user-anschaf-gabapentinoids-dmd.csv", MC_GABAPENTINOID, 0, 84},
    [D_PREGABALIN] = {"42135711000001109", "Pregabalin 75mg capsules",
                      WLI "user-anschaf-gabapentinoids-dmd.csv", MC_GABAPENTINOID, 0, 56},
    [D_COCODAMOL] = {"42009811000001101", "Co-codamol 30mg/500mg tablets",
                     WLI "user-anschaf-weak-opioids-dmd.csv", MC_WEAK_OPIOID, 0, 224},
    [D_MORPHINE] = {"36128311000001101", "Morphine sulfate 10mg/5ml oral solution",
                    WLI "opensafely-strongopioidsCW-dmd.csv", MC_STRONG_OPIOID, 0, 100},
    [D_NAPROXEN] = {"42107811000001100", "Naproxen 500mg tablets",
                    WLI "user-speed-vm-nsaids-dmd.csv", MC_NSAID, 1, 14},
    [D_IBUPROFEN] = {"42104911000001104", "Ibuprofen 400mg tablets",
                     WLI "user-speed-vm-nsaids-dmd.csv", MC_NSAID, 1, 21},
    [D_ZOPICLONE] = {"321175006", "Zopiclone 7.5mg tablets",
                     "opensafely_dfms-covid19/user-RachelS99-dependence-forming-medications-z-"
                     "drugs-dmd.csv",
                     MC_HYPNOTIC, 0, 28},
    [D_MIDAZOLAM] = {"36124911000001107", "Midazolam 10mg/2ml solution for injection ampoules",
                     APS "midazolam-end-of-life.csv", MC_MIDAZOLAM, 0, 10},
    [D_METHOTREXATE] = {"326874007", "Methotrexate 2.5mg tablets",
                        "opensafely_RA_outcomes/opensafely-methotrexate-oral.csv", MC_MTX, 0, 16},
    [D_SULFASALAZINE] = {"330040008", "Sulfasalazine 500mg gastro-resistant tablets",
                         "opensafely_RA_outcomes/opensafely-sulfasalazine-oral-dmd.csv", MC_SSZ, 0,
                         112},
    [D_ESTRADIOL] = {"325545004", "Estradiol 1mg tablets",
                     OAC "oestrogen-and-oestrogen-like-drugs.csv", MC_HRT, 0, 28},
    [D_TRAMADOL] = {"42017811000001106", "Tramadol 50mg capsules",
                    WLI "opensafely-strongopioidsCW-dmd.csv", MC_TRAMADOL, 0, 112},
};

#undef ECR
#undef SHE
#undef OAC
#undef WLI
#undef APS

/*
 * Prescribing rules: a person on register reg (or, with reg -1, anyone of
 * the ages min_age..max_age) gets a drug of class cls with probability p,
 * moved by the practice effect of domain q (-1 none); the drug is one of
 * up to four alternatives with the given shares. A person matching several
 * rules of a class takes one drug of it with probability 1 - prod(1 - p);
 * the first matching rule names the drug (docs/generator.md, "Medicines").
 */
struct model_rule {
    int reg;
    int min_age, max_age;
    double p;
    int q;
    int cls;
    uint8_t drug[4];
    double share[4];
};

static const struct model_rule model_rules[] = {
    {PCN_REG_AST, 0, 120, 1.0, -1, MC_SABA, {D_SALBUTAMOL}, {1}},
    {PCN_REG_AST, 0, 120, 0.75, -1, MC_ICS, {D_BECLOMETASONE, D_BECLO_FORMOTEROL}, {0.6, 0.4}},
    {PCN_REG_COPD, 0, 120, 0.85, -1, MC_SABA, {D_SALBUTAMOL}, {1}},
    {PCN_REG_COPD, 0, 120, 0.55, -1, MC_ICS, {D_BECLO_FORMOTEROL}, {1}},
    {PCN_REG_COPD, 0, 120, 0.2, -1, MC_OCS, {D_PREDNISOLONE}, {1}},
    {PCN_REG_AST, 0, 120, 0.08, -1, MC_OCS, {D_PREDNISOLONE}, {1}},
    {PCN_REG_DM, 0, 120, 0.80, -1, MC_BIGUANIDE, {D_METFORMIN}, {1}},
    {PCN_REG_DM, 0, 120, 0.22, -1, MC_SU, {D_GLICLAZIDE}, {1}},
    {PCN_REG_DM, 0, 120, 0.30, -1, MC_SGLT2, {D_DAPAGLIFLOZIN, D_EMPAGLIFLOZIN}, {0.6, 0.4}},
    {PCN_REG_DM, 0, 120, 0.15, -1, MC_DPP4, {D_SITAGLIPTIN}, {1}},
    {PCN_REG_DM, 0, 120, 0.12, -1, MC_INSULIN, {D_GLARGINE}, {1}},
    {PCN_REG_AF, 0, 120, 0.60, -1, MC_BETA, {D_BISOPROLOL}, {1}},
    {PCN_REG_HF, 0, 120, 0.75, -1, MC_LOOP, {D_FUROSEMIDE, D_BUMETANIDE}, {0.85, 0.15}},
    {PCN_REG_HF, 0, 120, 0.75, -1, MC_BETA, {D_BISOPROLOL}, {1}},
    {PCN_REG_HF, 0, 120, 0.70, -1, MC_RAAS, {D_RAMIPRIL, D_CANDESARTAN}, {0.7, 0.3}},
    {PCN_REG_HF, 0, 120, 0.35, -1, MC_MRA, {D_SPIRONOLACTONE}, {1}},
    {PCN_REG_HF, 0, 120, 0.20, -1, MC_SGLT2, {D_DAPAGLIFLOZIN}, {1}},
    {PCN_REG_CHD, 0, 120, 0.85, -1, MC_ANTIPLATELET, {D_ASPIRIN, D_CLOPIDOGREL}, {0.8, 0.2}},
    {PCN_REG_STIA, 0, 120, 0.80, -1, MC_ANTIPLATELET, {D_CLOPIDOGREL, D_ASPIRIN}, {0.8, 0.2}},
    {PCN_REG_PAD, 0, 120, 0.70, -1, MC_ANTIPLATELET, {D_CLOPIDOGREL, D_ASPIRIN}, {0.7, 0.3}},
    {PCN_REG_CHD, 0, 120, 0.85, -1, MC_STATIN, {D_ATORVASTATIN, D_SIMVASTATIN}, {0.8, 0.2}},
    {PCN_REG_CHD, 0, 120, 0.50, -1, MC_BETA, {D_BISOPROLOL}, {1}},
    {PCN_REG_CHD, 0, 120, 0.40, -1, MC_RAAS, {D_RAMIPRIL, D_LISINOPRIL}, {0.7, 0.3}},
    {PCN_REG_STIA, 0, 120, 0.85, -1, MC_STATIN, {D_ATORVASTATIN, D_SIMVASTATIN}, {0.8, 0.2}},
    {PCN_REG_PAD, 0, 120, 0.70, -1, MC_STATIN, {D_ATORVASTATIN, D_SIMVASTATIN}, {0.8, 0.2}},
    {PCN_REG_DM, 40, 120, 0.75, Q_STATIN, MC_STATIN, {D_ATORVASTATIN, D_SIMVASTATIN}, {0.8, 0.2}},
    {PCN_REG_CKD, 0, 120, 0.60, Q_STATIN, MC_STATIN, {D_ATORVASTATIN}, {1}},
    {PCN_REG_DM, 0, 120, 0.35, -1, MC_RAAS, {D_RAMIPRIL, D_LOSARTAN}, {0.7, 0.3}},
    {PCN_REG_CKD, 0, 120, 0.40, -1, MC_RAAS, {D_RAMIPRIL, D_LOSARTAN}, {0.6, 0.4}},
    {PCN_REG_HYP,
     0,
     120,
     0.55,
     -1,
     MC_RAAS,
     {D_RAMIPRIL, D_LISINOPRIL, D_LOSARTAN, D_CANDESARTAN},
     {0.5, 0.2, 0.2, 0.1}},
    {PCN_REG_HYP, 0, 120, 0.55, -1, MC_CCB, {D_AMLODIPINE}, {1}},
    {PCN_REG_HYP, 0, 120, 0.20, -1, MC_THIAZIDE, {D_INDAPAMIDE}, {1}},
    {PCN_REG_HYP, 0, 120, 0.08, -1, MC_ALPHA, {D_DOXAZOSIN}, {1}},
    {PCN_REG_DEP,
     0,
     120,
     0.50,
     -1,
     MC_ANTIDEPRESSANT,
     {D_SERTRALINE, D_CITALOPRAM, D_FLUOXETINE, D_MIRTAZAPINE},
     {0.35, 0.25, 0.2, 0.2}},
    {PCN_REG_MH,
     0,
     120,
     0.80,
     -1,
     MC_ANTIPSYCHOTIC,
     {D_OLANZAPINE, D_ARIPIPRAZOLE, D_QUETIAPINE, D_RISPERIDONE},
     {0.3, 0.3, 0.2, 0.2}},
    {PCN_REG_MH, 0, 120, 0.15, -1, MC_LITHIUM, {D_LITHIUM}, {1}},
    {PCN_REG_LD, 0, 120, 0.15, -1, MC_ANTIPSYCHOTIC, {D_RISPERIDONE}, {1}},
    {PCN_REG_DEM, 0, 120, 0.08, -1, MC_ANTIPSYCHOTIC, {D_RISPERIDONE, D_QUETIAPINE}, {0.5, 0.5}},
    {PCN_REG_EP, 0, 120, 1.0, -1, MC_GABAPENTINOID, {D_GABAPENTIN, D_PREGABALIN}, {0.5, 0.5}},
    {PCN_REG_RA, 0, 120, 0.55, -1, MC_MTX, {D_METHOTREXATE}, {1}},
    {PCN_REG_RA, 0, 120, 0.20, -1, MC_SSZ, {D_SULFASALAZINE}, {1}},
    {PCN_REG_RA, 0, 120, 0.20, -1, MC_NSAID, {D_NAPROXEN}, {1}},
    {PCN_REG_PC, 0, 120, 0.60, -1, MC_STRONG_OPIOID, {D_MORPHINE}, {1}},
    {PCN_REG_PC, 0, 120, 0.40, -1, MC_MIDAZOLAM, {D_MIDAZOLAM}, {1}},
    /* common medicines of adult life; the age-rising ones scale in generate_meds.c */
    {-1, 60, 120, 0.20, Q_STATIN, MC_STATIN, {D_ATORVASTATIN, D_SIMVASTATIN}, {0.7, 0.3}},
    {-1, 40, 120, 0.12, -1, MC_PPI, {D_OMEPRAZOLE, D_LANSOPRAZOLE}, {0.6, 0.4}},
    {-1, 40, 120, 0.04, -1, MC_WEAK_OPIOID, {D_COCODAMOL}, {1}},
    {-1, 30, 120, 0.04, -1, MC_TCA_PAIN, {D_AMITRIPTYLINE}, {1}},
    {-1, 30, 120, 0.025, -1, MC_GABAPENTINOID, {D_PREGABALIN, D_GABAPENTIN}, {0.6, 0.4}},
    {-1, 18, 120, 0.04, -1, MC_ANTIDEPRESSANT, {D_SERTRALINE, D_CITALOPRAM}, {0.6, 0.4}},
    {-1, 18, 120, 0.035, -1, MC_NSAID, {D_IBUPROFEN, D_NAPROXEN}, {0.6, 0.4}},
    {-1, 50, 120, 0.015, -1, MC_HYPNOTIC, {D_ZOPICLONE}, {1}},
    {-1, 45, 60, 0.08, -1, MC_HRT, {D_ESTRADIOL}, {1}}, /* women only */
    {-1, 50, 120, 0.02, -1, MC_TRAMADOL, {D_TRAMADOL}, {1}},
    {-1, 65, 120, 0.06, -1, MC_ALPHA, {D_DOXAZOSIN}, {1}},      /* prostate, men only */
    {-1, 65, 120, 0.04, -1, MC_ANTIPLATELET, {D_ASPIRIN}, {1}}, /* primary prevention */
    {-1, 70, 120, 0.03, -1, MC_LOOP, {D_FUROSEMIDE}, {1}},      /* oedema */
    {-1, 65, 120, 0.01, -1, MC_OCS, {D_PREDNISOLONE}, {1}},     /* polymyalgia */
};

/*
 * AF anticoagulation (QOF AF008; docs/generator.md): the drug shares of
 * anticoagulated patients, DOACs first.
 */
static const uint8_t model_anticoag_drug[5] = {D_APIXABAN, D_EDOXABAN, D_RIVAROXABAN, D_DABIGATRAN,
                                               D_WARFARIN};
static const double model_anticoag_share[5] = {0.55, 0.20, 0.15, 0.02, 0.08};

/* ---------------------------------------------------------------- names */

/* Given and family names for the synthetic patients (invented pools). */
static const char *const model_given_m[] = {
    "Oliver", "George",  "Harry", "Jack",    "Jacob",    "Noah",   "Charlie", "Thomas",
    "Oscar",  "William", "James", "Leo",     "Alfie",    "Henry",  "Joshua",  "Freddie",
    "Archie", "Ethan",   "Isaac", "Joseph",  "Mohammed", "Samuel", "Daniel",  "Adam",
    "David",  "Peter",   "John",  "Michael", "Paul",     "Robert",
};
static const char *const model_given_f[] = {
    "Olivia",   "Amelia",    "Isla",  "Ava",   "Emily",    "Sophia", "Grace",    "Mia",
    "Poppy",    "Ella",      "Lily",  "Evie",  "Isabella", "Sophie", "Ivy",      "Freya",
    "Harper",   "Willow",    "Daisy", "Alice", "Fatima",   "Aisha",  "Margaret", "Susan",
    "Patricia", "Elizabeth", "Mary",  "Sarah", "Jane",     "Ruth",
};
static const char *const model_family[] = {
    "Smith",      "Jones",    "Taylor", "Brown",    "Williams", "Wilson",  "Johnson", "Davies",
    "Patel",      "Robinson", "Wright", "Thompson", "Evans",    "Walker",  "White",   "Roberts",
    "Green",      "Hall",     "Thomas", "Clarke",   "Jackson",  "Wood",    "Harris",  "Edwards",
    "Turner",     "Martin",   "Cooper", "Hill",     "Ward",     "Hughes",  "Moore",   "Clark",
    "King",       "Harrison", "Lewis",  "Baker",    "Lee",      "Allen",   "Morris",  "Khan",
    "Scott",      "Watson",   "Davis",  "Parker",   "James",    "Bennett", "Young",   "Phillips",
    "Richardson", "Mitchell", "Bailey", "Carter",   "Cook",     "Singh",   "Shaw",    "Bell",
    "Collins",    "Morgan",   "Kelly",  "Begum",
};

#endif /* PCN_SYNTH_GENERATE_MODEL_H */
