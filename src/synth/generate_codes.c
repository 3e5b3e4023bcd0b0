/*
 * generate_codes.c - the code pools the generator draws from, built once a
 * run from the shipped code lists: the fixed codes written on purpose
 * (BP, HbA1c, care home...), each register's diagnosis codes (unique to
 * the register, plausible for the person: no pregnancy, remission or other
 * condition in the term; by sex; CKD by stage) and the eFI deficit codes
 * that may be added without implying a condition the person lacks.
 */
#include <stdio.h>
#include <string.h>

#include "synth/generate_int.h"
#include "synth/generate_model.h"
#include "synth/refdata_int.h"
#include "pcn/alloc.h"
#include "pcn/hash.h"
#include "util/common.h"

static const struct {
    int list;
    const char *code;
} fixed_codes[FX_COUNT] = {
    [FX_SBP] = {CL_SBP, "271649006"},
    [FX_DBP] = {CL_BP, "163031004"},
    [FX_HBA1C] = {CL_HBA1C, "999791000000106"},
    [FX_CHOL] = {CL_CHOL, "1005671000000105"},
    [FX_BMI] = {CL_BMI, "60621009"},
    [FX_EGFR] = {CL_EGFR, "1011481000000105"},
    [FX_AST_REVIEW] = {CL_AST_REVIEW, "270442000"},
    [FX_COPD_REVIEW] = {CL_COPD_REVIEW, "389859001"},
    [FX_SMR] = {CL_SMR, "1239511000000100"},
    [FX_NURSING_HOME] = {CL_CAREHOME, "160734000"},
    [FX_RESIDENTIAL_HOME] = {CL_CAREHOME, "394923006"},
    [FX_HOUSEBOUND] = {CL_EFI_FIRST + EFI_HOUSEBOUND, "160689007"},
    [FX_EFI_SCORE] = {CL_EFI_SCORE, "1084961000000105"},
    [FX_QRISK] = {CL_QRISK, "1085871000000105"},
    [FX_DEM_CAREPLAN] = {CL_DEM_CAREPLAN, "956861000000107"},
    [FX_SOCPRES] = {CL_SOCPRES, "871731000000106"},
};

/* Words of a term that make a code wrong for a generated diagnosis or deficit. */
static const char *const never_words[] = {
    "pregnan",        "puerper",      "gestation",    "childbirth", "obstetric", "postpartum",
    "postnatal",      "antenatal",    "eclampsia",    "mother",     "remission", "resolved",
    "history of",     "drug-induced", "drug induced", "substance",  "alcohol",   "declin",
    "excepted",       "exception",    "invit",        "monitor",    "review",    "letter",
    "did not attend", "clinic",       "referral",     "refer ",
};

/* Words naming a register's condition: not in another condition's codes. */
static const struct {
    int reg;
    const char *word;
} condition_words[] = {
    {PCN_REG_DM, "diabet"},
    {PCN_REG_DM, "insulin"},
    {PCN_REG_HYP, "hypertens"},
    {PCN_REG_CKD, "kidney"},
    {PCN_REG_CKD, "renal"},
    {PCN_REG_CKD, "nephr"},
    {PCN_REG_HF, "heart failure"},
    {PCN_REG_HF, "cardiac failure"},
    {PCN_REG_AF, "atrial fib"},
    {PCN_REG_AF, "atrial flut"},
    {PCN_REG_STIA, "stroke"},
    {PCN_REG_STIA, "cerebrovascular"},
    {PCN_REG_STIA, "transient isch"},
    {PCN_REG_DEM, "dementia"},
    {PCN_REG_DEM, "alzheimer"},
    {PCN_REG_AST, "asthma"},
    {PCN_REG_COPD, "obstructive"},
    {PCN_REG_COPD, "emphysema"},
    {PCN_REG_COPD, "chronic bronchitis"},
    {PCN_REG_RA, "rheumatoid"},
    {PCN_REG_OST, "osteopor"},
};

/* Sex-specific words: codes for the other sex are left out. */
static const char *const female_words[] = {"ovar",  "uter",     "cervi",     "vulv",
                                           "vagin", "endometr", "fallopian", "placent"};
static const char *const male_words[] = {"prostat", "testi", "penis", "penile", "scrot", "seminal"};

/* What a code's term says, read once per list entry (lower case matching). */
struct term_info {
    bool never;          /* a word that makes it wrong for any generated code */
    bool young;          /* congenital, childhood, infantile, juvenile */
    bool female, male;   /* a sex-specific word */
    uint32_t conditions; /* registers whose condition it names */
};

static bool has_word(const char *low, const char *const *words, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(low, words[i]))
            return true;
    return false;
}

static void read_term(const char *term, struct term_info *t)
{
    static const char *const young_words[] = {"congenital", "childhood", "infantile", "juvenile"};
    char low[512];
    size_t n = 0;
    for (; n < sizeof(low) - 1 && term[n]; n++)
        low[n] = (char)((term[n] >= 'A' && term[n] <= 'Z') ? term[n] + 32 : term[n]);
    low[n] = '\0';
    memset(t, 0, sizeof(*t));
    t->never = has_word(low, never_words, PCN_ARRAY_SIZE(never_words));
    t->young = has_word(low, young_words, PCN_ARRAY_SIZE(young_words));
    t->female = has_word(low, female_words, PCN_ARRAY_SIZE(female_words));
    t->male = has_word(low, male_words, PCN_ARRAY_SIZE(male_words));
    for (size_t i = 0; i < PCN_ARRAY_SIZE(condition_words); i++)
        if (strstr(low, condition_words[i].word))
            t->conditions |= 1u << condition_words[i].reg;
}

/* The terms of list l, read (caller frees with pcn_free()); NULL on ENOMEM. */
static struct term_info *read_terms(const struct ref_codelist *l)
{
    struct term_info *t = pcn_calloc(l->n + 1, sizeof(*t));
    for (size_t i = 0; t && i < l->n; i++)
        read_term(l->terms[i], &t[i]);
    return t;
}

/*
 * Whether a code's term fits a diagnosis (or deficit) of register own (-1:
 * none) for a person of the given sex (0 male, 1 female, -1 either): no
 * pregnancy, remission, administrative or other condition's words;
 * "congenital" only for the learning disability register (its syndromes);
 * the NDH code says "non-diabetic".
 */
static bool term_fits(const struct term_info *t, int own, int sex)
{
    uint32_t others = t->conditions & ~(own >= 0 ? 1u << own : 0);
    if (own == PCN_REG_NDH)
        others &= ~(1u << PCN_REG_DM);
    if (t->never || others || (t->young && own != PCN_REG_LD))
        return false;
    return !(sex == 0 && t->female) && !(sex == 1 && t->male);
}

/* CKD stage of a CKD_COD term: 1 3a, 2 3b, 3 stage 4, 4 stage 5, 5 stage 3 (either), 0 none. */
static int ckd_stage_of(const char *term)
{
    if (strcasestr(term, "stage 3a") || strcasestr(term, "G3a"))
        return 1;
    if (strcasestr(term, "stage 3b") || strcasestr(term, "G3b"))
        return 2;
    if (strcasestr(term, "stage 4") || strcasestr(term, "G4"))
        return 3;
    if (strcasestr(term, "stage 5") || strcasestr(term, "G5"))
        return 4;
    return strcasestr(term, "stage 3") ? 5 : 0;
}

/* code -> bit set of the registers whose list holds it */
static enum pcn_err register_owners(const struct pcn_refdata *ref, struct pcn_strmap *owners)
{
    enum pcn_err rc = PCN_OK;
    for (int reg = 0; reg < PCN_REG_COUNT && rc == PCN_OK; reg++) {
        if (model_regs[reg].list < 0)
            continue;
        const struct ref_codelist *l = &ref->lists[model_regs[reg].list];
        for (size_t i = 0; i < l->n && rc == PCN_OK; i++) {
            uint64_t v = 0;
            (void)pcn_strmap_get(owners, l->codes[i], strlen(l->codes[i]), &v);
            rc = pcn_strmap_put(owners, l->codes[i], strlen(l->codes[i]), v | (1ull << reg));
        }
    }
    return rc;
}

/*
 * The pool of register reg for sex: codes in no other register's list
 * whose term fits; preferably (pass 0) codes of the matching eFI list too.
 * For CKD, stage selects the codes of one stage (1-4, stage 3 codes count
 * for 3a and 3b).
 */
static int32_t fill_pool(struct gen *g, const struct pcn_strmap *owners,
                         const struct term_info *terms, int reg, int sex, int stage, long *out)
{
    const struct pcn_refdata *ref = g->ref;
    const struct model_register *m = &model_regs[reg];
    const struct ref_codelist *l = &ref->lists[m->list];
    int32_t n = 0;
    for (int pass = m->efi >= 0 ? 0 : 1; pass < 2 && n == 0; pass++)
        for (size_t i = 0; i < l->n; i++) {
            uint64_t v = 0;
            (void)pcn_strmap_get(owners, l->codes[i], strlen(l->codes[i]), &v);
            if (v != (1ull << reg) || !term_fits(&terms[i], reg, sex))
                continue;
            int st = reg == PCN_REG_CKD ? ckd_stage_of(l->terms[i]) : 0;
            if (stage && !(st == stage || (st == 5 && stage <= 2)))
                continue;
            if (pass == 0 && pcn__ref_find_code(ref, CL_EFI_FIRST + m->efi, l->codes[i]) < 0)
                continue;
            out[n++] = (long)i;
        }
    return n;
}

/* The eFI deficits (bit per enum ref_efi) a code counts as, by the eFI lists holding it. */
static uint64_t efi_bits(const struct pcn_strmap *efi, const char *code)
{
    uint64_t v = 0;
    return pcn_strmap_get(efi, code, strlen(code), &v) ? v : 0;
}

/* The CKD codes of each stage (3a, 3b, 4, 5), from the CKD register's codes. */
static enum pcn_err ckd_stage_pools(struct gen *g, const struct pcn_strmap *owners,
                                    const struct term_info *terms)
{
    const struct ref_codelist *ckd = &g->ref->lists[CL_CKD];
    for (int st = 0; st < 4; st++) {
        g->ckd_stage_codes[st] = pcn_calloc(ckd->n + 1, sizeof(long));
        if (!g->ckd_stage_codes[st])
            return PCN_ENOMEM;
        g->n_ckd_stage_codes[st] =
            fill_pool(g, owners, terms, PCN_REG_CKD, -1, st + 1, g->ckd_stage_codes[st]);
        if (g->n_ckd_stage_codes[st] == 0)
            return pcn_error_set(g->err, PCN_EINVAL, "%s: no code of CKD stage %s", ckd->path,
                                 (const char *[]){"3a", "3b", "4", "5"}[st]);
    }
    return PCN_OK;
}

/* One register's diagnosis pools (by sex; CKD also by stage) and its codes' eFI deficits. */
static enum pcn_err register_pools(struct gen *g, const struct pcn_strmap *owners,
                                   const struct pcn_strmap *efi, int reg)
{
    const struct ref_codelist *l = &g->ref->lists[model_regs[reg].list];
    struct term_info *terms = read_terms(l);
    enum pcn_err rc = terms ? PCN_OK : PCN_ENOMEM;
    for (int sex = 0; sex < 2 && rc == PCN_OK; sex++) {
        g->diag_codes[reg][sex] = pcn_calloc(l->n + 1, sizeof(long));
        if (!g->diag_codes[reg][sex]) {
            rc = PCN_ENOMEM;
            break;
        }
        g->diag_pick[reg][sex] = fill_pool(g, owners, terms, reg, sex, 0, g->diag_codes[reg][sex]);
        if (g->diag_pick[reg][sex] == 0)
            rc = pcn_error_set(g->err, PCN_EINVAL, "%s: no code unique to the register", l->path);
    }
    if (rc == PCN_OK && reg == PCN_REG_CKD)
        rc = ckd_stage_pools(g, owners, terms);
    if (rc == PCN_OK) {
        g->diag_efi_bits[reg] = pcn_calloc(l->n + 1, sizeof(uint64_t));
        rc = g->diag_efi_bits[reg] ? PCN_OK : PCN_ENOMEM;
    }
    for (size_t i = 0; rc == PCN_OK && i < l->n; i++)
        g->diag_efi_bits[reg][i] = efi_bits(efi, l->codes[i]);
    pcn_free(terms);
    return rc;
}

static enum pcn_err diag_pools(struct gen *g, const struct pcn_strmap *owners,
                               const struct pcn_strmap *efi)
{
    enum pcn_err rc = PCN_OK;
    for (int reg = 0; reg < PCN_REG_COUNT && rc == PCN_OK; reg++)
        if (model_regs[reg].list >= 0)
            rc = register_pools(g, owners, efi, reg);
    return rc;
}

/* eFI deficits that only a register's diagnosis may code (never added as extra deficits). */
static bool condition_deficit(int d)
{
    return d == EFI_AF || d == EFI_CHD || d == EFI_CKD || d == EFI_DIABETES || d == EFI_HF ||
           d == EFI_HYPERTENSION || d == EFI_OSTEOPOROSIS || d == EFI_PVD || d == EFI_STROKE;
}

/* Bits of the deficits that only a register's diagnosis may code. */
static uint64_t condition_deficits(void)
{
    uint64_t bits = 0;
    for (int d = 0; d < EFI_COUNT; d++)
        bits |= condition_deficit(d) ? 1ull << d : 0;
    return bits;
}

/*
 * Extra eFI deficit codes: of the deficits no register stands for, the
 * codes in no register list, in no condition deficit's list (the diabetes
 * list holds "chronic ulcer of skin" too) and not a care home code (only
 * residents have those), whose term implies no condition the person may
 * lack; and no fracture outside the fracture deficit (fragility_fracture()
 * dates those). Each code's deficits are all the lists that hold it.
 */
static enum pcn_err efi_pools(struct gen *g, const struct pcn_strmap *owners,
                              const struct pcn_strmap *efi)
{
    const struct pcn_refdata *ref = g->ref;
    uint64_t conditions = condition_deficits();
    for (int d = 0; d < EFI_COUNT; d++) {
        const struct ref_codelist *l = &ref->lists[CL_EFI_FIRST + d];
        g->efi_codes[d] = pcn_calloc(l->n + 1, sizeof(uint32_t));
        g->efi_code_bits[d] = pcn_calloc(l->n + 1, sizeof(uint64_t));
        if (!g->efi_codes[d] || !g->efi_code_bits[d])
            return PCN_ENOMEM;
        if (condition_deficit(d))
            continue;
        struct term_info *terms = read_terms(l);
        if (!terms)
            return PCN_ENOMEM;
        for (size_t i = 0; i < l->n; i++) {
            uint64_t v = 0, bits = efi_bits(efi, l->codes[i]);
            if (pcn_strmap_get(owners, l->codes[i], strlen(l->codes[i]), &v) ||
                (bits & conditions) || pcn__ref_find_code(ref, CL_CAREHOME, l->codes[i]) >= 0 ||
                !term_fits(&terms[i], -1, -1))
                continue;
            if (d != EFI_FRACTURE && (bits & (1ull << EFI_FRACTURE)))
                continue;
            g->efi_code_bits[d][g->n_efi_codes[d]] = bits;
            g->efi_codes[d][g->n_efi_codes[d]++] = (uint32_t)i;
        }
        pcn_free(terms);
    }
    return PCN_OK;
}

/* code -> eFI deficit bits, over the 35 coded eFI lists */
static enum pcn_err efi_map(const struct pcn_refdata *ref, struct pcn_strmap *efi)
{
    enum pcn_err rc = PCN_OK;
    for (int d = 0; d < EFI_COUNT && rc == PCN_OK; d++) {
        const struct ref_codelist *l = &ref->lists[CL_EFI_FIRST + d];
        for (size_t i = 0; i < l->n && rc == PCN_OK; i++) {
            uint64_t v = efi_bits(efi, l->codes[i]);
            rc = pcn_strmap_put(efi, l->codes[i], strlen(l->codes[i]), v | (1ull << d));
        }
    }
    return rc;
}

enum pcn_err pcn__gen_codes_setup(struct gen *g)
{
    const struct pcn_refdata *ref = g->ref;
    for (int f = 0; f < FX_COUNT; f++) {
        g->fixed[f] = pcn__ref_find_code(ref, fixed_codes[f].list, fixed_codes[f].code);
        if (g->fixed[f] < 0)
            return pcn_error_set(g->err, PCN_EINVAL, "code %s missing from %s", fixed_codes[f].code,
                                 ref->lists[fixed_codes[f].list].path);
    }
    struct pcn_strmap *owners = pcn_strmap_new(), *efi = pcn_strmap_new();
    enum pcn_err rc = owners && efi ? register_owners(ref, owners) : PCN_ENOMEM;
    if (rc == PCN_OK)
        rc = efi_map(ref, efi);
    /* the TIA and haematological cancer lists belong to STIA and CAN */
    for (int l = CL_TIA; l <= CL_HAEMCAN && rc == PCN_OK; l++)
        for (size_t i = 0; i < ref->lists[l].n && rc == PCN_OK; i++) {
            const char *code = ref->lists[l].codes[i];
            uint64_t v = 0;
            (void)pcn_strmap_get(owners, code, strlen(code), &v);
            rc = pcn_strmap_put(owners, code, strlen(code),
                                v | (1ull << (l == CL_TIA ? PCN_REG_STIA : PCN_REG_CAN)));
        }
    if (rc == PCN_OK)
        rc = diag_pools(g, owners, efi);
    if (rc == PCN_OK)
        rc = efi_pools(g, owners, efi);
    for (int f = 0; f < FX_COUNT && rc == PCN_OK; f++)
        g->fixed_efi_bits[f] = efi_bits(efi, ref->lists[fixed_codes[f].list].codes[g->fixed[f]]);
    pcn_strmap_free(owners);
    pcn_strmap_free(efi);
    return rc;
}

void pcn__gen_codes_release(struct gen *g)
{
    for (int i = 0; i < EFI_COUNT; i++) {
        pcn_free(g->efi_codes[i]);
        pcn_free(g->efi_code_bits[i]);
    }
    for (int i = 0; i < PCN_REG_COUNT; i++) {
        pcn_free(g->diag_efi_bits[i]);
        for (int s = 0; s < 2; s++)
            pcn_free(g->diag_codes[i][s]);
    }
    for (int i = 0; i < 4; i++)
        pcn_free(g->ckd_stage_codes[i]);
}
