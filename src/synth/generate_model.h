/*
 * generate_model.h - the parameters of the generator's population model
 * (docs/generator.md explains each table and its source). Internal to the
 * generate*.c files; included once by generate.c.
 */
#ifndef PCN_SYNTH_GENERATE_MODEL_H
#define PCN_SYNTH_GENERATE_MODEL_H

#include "synth/refdata_int.h"

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

/*
 * Medicines (a local catalogue: the shared data hold no dm+d code list, see
 * docs/generator.md). Each is started for people on register `reg` (or,
 * with reg -1, for people aged at least min_age) with probability p.
 */
struct model_drug {
    const char *code;
    const char *term;
    int reg;
    int min_age;
    double p;
};

#define DRUG_SYSTEM "openpcn-drug"
#define DRUG_ASTHMA_RELIEVER 0
#define DRUG_ASTHMA_PREVENTER 1
#define DRUG_STATIN 7         /* atorvastatin (first entry) */
#define DRUG_ANTIEPILEPTIC 27 /* levetiracetam; lamotrigine follows */

static const struct model_drug model_drugs[] = {
    {"salbutamol-inhaler", "Salbutamol 100micrograms/dose inhaler", PCN_REG_AST, 0, 1.0},
    {"beclometasone-inhaler", "Beclometasone 100micrograms/dose inhaler", PCN_REG_AST, 0, 0.7},
    {"tiotropium-inhaler", "Tiotropium 2.5micrograms/dose inhaler", PCN_REG_COPD, 0, 0.7},
    {"salbutamol-inhaler", "Salbutamol 100micrograms/dose inhaler", PCN_REG_COPD, 0, 0.8},
    {"metformin", "Metformin 500mg tablets", PCN_REG_DM, 0, 0.8},
    {"gliclazide", "Gliclazide 80mg tablets", PCN_REG_DM, 0, 0.25},
    {"dapagliflozin", "Dapagliflozin 10mg tablets", PCN_REG_DM, 0, 0.3},
    {"atorvastatin", "Atorvastatin 20mg tablets", PCN_REG_DM, 40, 0.7},
    {"amlodipine", "Amlodipine 5mg tablets", PCN_REG_HYP, 0, 0.55},
    {"ramipril", "Ramipril 5mg capsules", PCN_REG_HYP, 0, 0.45},
    {"indapamide", "Indapamide 2.5mg tablets", PCN_REG_HYP, 0, 0.2},
    {"losartan", "Losartan 50mg tablets", PCN_REG_HYP, 0, 0.2},
    {"aspirin", "Aspirin 75mg dispersible tablets", PCN_REG_CHD, 0, 0.6},
    {"atorvastatin", "Atorvastatin 20mg tablets", PCN_REG_CHD, 0, 0.85},
    {"bisoprolol", "Bisoprolol 2.5mg tablets", PCN_REG_CHD, 0, 0.5},
    {"glyceryl-trinitrate", "Glyceryl trinitrate 400micrograms/dose spray", PCN_REG_CHD, 0, 0.4},
    {"apixaban", "Apixaban 5mg tablets", PCN_REG_AF, 0, 0.55},
    {"edoxaban", "Edoxaban 60mg tablets", PCN_REG_AF, 0, 0.3},
    {"bisoprolol", "Bisoprolol 2.5mg tablets", PCN_REG_AF, 0, 0.6},
    {"furosemide", "Furosemide 40mg tablets", PCN_REG_HF, 0, 0.75},
    {"bisoprolol", "Bisoprolol 2.5mg tablets", PCN_REG_HF, 0, 0.7},
    {"ramipril", "Ramipril 5mg capsules", PCN_REG_HF, 0, 0.6},
    {"clopidogrel", "Clopidogrel 75mg tablets", PCN_REG_STIA, 0, 0.75},
    {"atorvastatin", "Atorvastatin 20mg tablets", PCN_REG_STIA, 0, 0.8},
    {"clopidogrel", "Clopidogrel 75mg tablets", PCN_REG_PAD, 0, 0.6},
    {"sertraline", "Sertraline 50mg tablets", PCN_REG_DEP, 0, 0.3},
    {"citalopram", "Citalopram 20mg tablets", PCN_REG_DEP, 0, 0.2},
    {"levetiracetam", "Levetiracetam 500mg tablets", PCN_REG_EP, 0, 0.6},
    {"lamotrigine", "Lamotrigine 100mg tablets", PCN_REG_EP, 0, 0.45},
    {"olanzapine", "Olanzapine 10mg tablets", PCN_REG_MH, 0, 0.4},
    {"aripiprazole", "Aripiprazole 10mg tablets", PCN_REG_MH, 0, 0.3},
    {"lithium", "Lithium carbonate 400mg modified-release tablets", PCN_REG_MH, 0, 0.15},
    {"alendronic-acid", "Alendronic acid 70mg tablets", PCN_REG_OST, 0, 0.7},
    {"calcium-colecalciferol", "Calcium carbonate / colecalciferol chewable tablets", PCN_REG_OST,
     0, 0.6},
    {"methotrexate", "Methotrexate 2.5mg tablets", PCN_REG_RA, 0, 0.5},
    {"folic-acid", "Folic acid 5mg tablets", PCN_REG_RA, 0, 0.5},
    {"donepezil", "Donepezil 10mg tablets", PCN_REG_DEM, 0, 0.55},
    {"morphine-oral", "Morphine sulfate 10mg/5ml oral solution", PCN_REG_PC, 0, 0.5},
    {"omeprazole", "Omeprazole 20mg gastro-resistant capsules", -1, 50, 0.22},
    {"atorvastatin", "Atorvastatin 20mg tablets", -1, 60, 0.22},
    {"paracetamol", "Paracetamol 500mg tablets", -1, 60, 0.18},
    {"levothyroxine", "Levothyroxine sodium 50microgram tablets", -1, 40, 0.06},
    {"colecalciferol", "Colecalciferol 800unit capsules", -1, 70, 0.12},
    {"tamsulosin", "Tamsulosin 400microgram modified-release capsules", -1, 65, 0.08},
    {"laxido", "Macrogol compound oral powder sachets", -1, 75, 0.12},
    {"amitriptyline", "Amitriptyline 10mg tablets", -1, 40, 0.05},
    {"emollient", "Emollient cream", -1, 0, 0.04},
    {"co-codamol", "Co-codamol 30mg/500mg tablets", -1, 50, 0.06},
};

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

/*
 * Ethnic category shares (NHS codes A..S, census 2021 England, rounded),
 * indexed like the 16-group grouping of the ethnicity code list.
 */
static const char model_eth_letter[16] = {'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H',
                                          'J', 'K', 'L', 'M', 'N', 'P', 'R', 'S'};
static const double model_eth_share[16] = {0.735, 0.009, 0.064, 0.009, 0.004, 0.008, 0.007, 0.033,
                                           0.028, 0.011, 0.016, 0.011, 0.025, 0.005, 0.008, 0.022};

#endif /* PCN_SYNTH_GENERATE_MODEL_H */
