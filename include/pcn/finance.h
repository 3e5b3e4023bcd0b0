/*
 * finance.h - a network's pooled money for one contract year, in pence:
 * ARRS claims (per post and month, the lower of the actual cost and the
 * role's maximum x WTE x the month's share of the year) against the ARRS
 * budget, with headroom, the month the budget runs out and "what if" a
 * role were hired; every Network Contract DES income line from the
 * network's populations; and the distribution of that income to member
 * practices under the network agreement's rules. The rules and their
 * sources are in docs/finance.md.
 *
 * Inputs are borrowed for the call; results are owned by the caller.
 * Where a population is not known the raw registered list stands in and
 * the figure says it is an estimate; where a rate is not known the line
 * says so and adds nothing: never a silent wrong sum. Pure computation,
 * thread-safe on distinct results.
 */
#ifndef PCN_FINANCE_H
#define PCN_FINANCE_H

#include <stddef.h>
#include <stdint.h>

#include "pcn/error.h"
#include "pcn/rates.h"
#include "pcn/workforce.h"

#define PCN_MONTHS 12

/* ---- what is known about the network ---- */

/* A budget the rates file cannot compute (e.g. the 2024/25 GP ring-fence): given in pence. */
struct pcn_allocation {
    const char *line; /* the DES line's key, e.g. "arrs_gp" */
    int64_t pence;    /* the network's allocation for the year */
};

struct pcn_network_inputs {
    int64_t registered;         /* registered list (required, > 0) */
    int32_t registered_date;    /* the date it was counted (vs the DES count date) */
    int64_t adjusted;           /* adjusted population; 0: unknown (registered used, estimate) */
    int64_t weighted;           /* contractor weighted population; 0: unknown (estimate) */
    int64_t beds;               /* care home beds in aligned homes; -1: unknown */
    int64_t iif_points;         /* IIF points achieved; -1: unknown (maximum shown) */
    int64_t caip_percent;       /* CAIP achievement, 0-100; -1: unknown (full amount shown) */
    int64_t national_mean_list; /* mean registered list of a network; 0: unknown */
    enum pcn_london london;
    const struct pcn_allocation *allocations;
    size_t n_allocations;
};

/* Fill in the defaults: every optional input unknown, not London. */
void pcn_network_inputs_init(struct pcn_network_inputs *in);

/* ---- ARRS claims ---- */

enum {
    PCN_CLAIM_COST_ABOVE_CAP = 1 << 0,  /* the cost exceeds the maximum in some month */
    PCN_CLAIM_CAP_DERIVED = 1 << 1,     /* a maximum used is derived, not published */
    PCN_CLAIM_CAP_UNKNOWN = 1 << 2,     /* a maximum is unknown: those months claim nothing */
    PCN_CLAIM_NOT_ELIGIBLE = 1 << 3,    /* some days are outside the role's eligibility */
    PCN_CLAIM_PERSON_CAPPED = 1 << 4,   /* the person's 1.0 WTE limit cut the maximum */
    PCN_CLAIM_LONDON_NATIONAL = 1 << 5, /* London network, no London figure: national used */
};

/* One ARRS-funded post's year. All read-only. */
struct pcn_claim {
    size_t post;               /* index in the staff register */
    int budget;                /* index of the DES line paying it (first cap row's) */
    int64_t cap[PCN_MONTHS];   /* pence: maximum reimbursable in the month */
    int64_t cost[PCN_MONTHS];  /* pence: actual cost in the month */
    int64_t claim[PCN_MONTHS]; /* pence: min(cap, cost) */
    int64_t total_cap;
    int64_t total_cost;
    int64_t total_claim;
    unsigned flags; /* PCN_CLAIM_* */
};

/* One budget (the ARRS sum; in 2024/25 also the GP ring-fence). All read-only. */
struct pcn_budget {
    int line;        /* index of the DES line */
    const char *key; /* "arrs" */
    const char *name;
    int is_known;                /* 0: no rate and no allocation: no headroom can be given */
    int is_estimate;             /* computed on the raw list for want of the weighted population */
    int is_allocation;           /* given in the inputs rather than computed */
    int64_t budget;              /* pence */
    int64_t claimed[PCN_MONTHS]; /* sum of claims by month */
    int64_t total;               /* claims for the year */
    int64_t reimbursable;        /* min(total, budget) when known */
    int64_t to_date;             /* claims of months up to and including the as-of month */
    int64_t rest;                /* claims of the months after it (posts as they stand) */
    int64_t headroom;            /* budget - total; negative when over */
    int months_left;             /* months of the year after the as-of month */
    int64_t headroom_a_month;    /* headroom / months_left (0 when none left) */
    int run_out_month;           /* first month whose cumulative claims pass the budget; -1 none */
};

struct pcn_arrs {
    const struct pcn_contract *year; /* borrowed */
    int32_t as_of;
    int as_of_month;          /* 0-11; -1 before the year starts; 11 after it ends */
    struct pcn_claim *claims; /* one per ARRS-funded post with days in the year */
    size_t n_claims;
    struct pcn_budget *budgets; /* one per claims line of the year */
    size_t n_budgets;
    int64_t month_total[PCN_MONTHS];
    int64_t total_claim;
    int64_t total_cost;
    int64_t network_cost_unreimbursed; /* network-employed posts' cost less their claims */
};

/*
 * Compute the year's claims for every ARRS-funded post of s, the budgets
 * and where the network stands on as_of. The staff must have passed
 * pcn_staff_validate() without errors (PCN_EINVAL otherwise, naming the
 * first post at fault in *f). Warnings for the network (over budget, a
 * role limit passed, derived maxima, estimated populations) are added to
 * f. Caller frees *ret with pcn_arrs_free().
 */
enum pcn_err pcn_arrs_compute(const struct pcn_staff *s, const struct pcn_contract *year,
                              const struct pcn_network_inputs *in, int32_t as_of,
                              struct pcn_arrs **ret, struct pcn_findings *f);
void pcn_arrs_free(struct pcn_arrs *a);

/* The budget with this key, or NULL. */
const struct pcn_budget *pcn_arrs_budget(const struct pcn_arrs *a, const char *key);

/* A hire to try. */
struct pcn_hire {
    int role;
    int band;
    int64_t wte; /* WTE units */
    int32_t start;
    int32_t end;  /* PCN_DATE_NONE: open */
    int has_cost; /* 0: assume the cost reaches the role's maximum for the WTE */
    int64_t cost; /* pence a year */
};

/* What the hire would do to its budget. All read-only. */
struct pcn_what_if {
    int budget;                /* index into pcn_arrs.budgets */
    int64_t added[PCN_MONTHS]; /* pence the hire would claim each month */
    int64_t added_total;
    int64_t headroom_before;
    int64_t headroom_after;
    int run_out_before; /* month, or -1 */
    int run_out_after;
    int fits;       /* headroom_after >= 0 (and the budget is known) */
    unsigned flags; /* PCN_CLAIM_* of the hire */
};

/*
 * Price a hire against a computed year: its monthly claims and the
 * budget's headroom before and after. PCN_EINVAL (with a finding) when
 * the role is not reimbursable in the year, the band has no maximum or
 * the WTE is outside (0, 1.0].
 */
enum pcn_err pcn_arrs_what_if(const struct pcn_arrs *a, const struct pcn_network_inputs *in,
                              const struct pcn_hire *h, struct pcn_what_if *ret,
                              struct pcn_findings *f);

/* ---- DES income ---- */

/* One income line for the year. All read-only. */
struct pcn_income_line {
    const char *key; /* borrowed from the contract */
    const char *name;
    enum pcn_paid paid;
    int is_known;    /* 0: a rate or an input is unknown; amount is 0 */
    int is_estimate; /* a population was estimated from the registered list (or IIF without its
                        prevalence adjustment) */
    int is_assumed;  /* paid on achievement, none given: the full amount is shown */
    int64_t amount;  /* pence for the year */
    int64_t month[PCN_MONTHS]; /* the payment schedule (adds up to amount) */
    const char *part_of;       /* PCN_BASIS_INCLUDED: the line that pays it; else "" */
    char basis[160];           /* how it was computed, e.g. "2.218 x 67850 registered + ..." */
};

struct pcn_income {
    const struct pcn_contract *year; /* borrowed */
    struct pcn_income_line *lines;
    size_t n_lines;
    int64_t total;         /* every known line but claims lines */
    int64_t total_assured; /* monthly lines only */
};

/*
 * Every DES line of the year for the network. Lines paid against claims
 * (ARRS) show their budget. Caller frees with pcn_income_free().
 * PCN_EINVAL if in->registered is not positive.
 */
enum pcn_err pcn_des_income(const struct pcn_contract *year, const struct pcn_network_inputs *in,
                            struct pcn_income **ret);
void pcn_income_free(struct pcn_income *inc);

/* ---- distribution to practices ---- */

enum pcn_share_method {
    PCN_SHARE_REGISTERED, /* in proportion to registered patients */
    PCN_SHARE_WEIGHTED,   /* in proportion to weighted patients */
    PCN_SHARE_FIXED,      /* fixed percentages agreed between the practices */
    PCN_SHARE_EQUAL,      /* the same to each practice */
};

/* "registered", "weighted", "fixed", "equal"; and the parser. */
const char *pcn_share_method_name(enum pcn_share_method m);
enum pcn_err pcn_share_method_parse(const char *s, enum pcn_share_method *ret);

/* A member practice. Strings borrowed. */
struct pcn_member {
    const char *practice; /* ODS code */
    const char *name;
    int64_t registered;
    int64_t weighted; /* 0: unknown (registered used, estimate) */
};

/* The network agreement's rules. Opaque. */
struct pcn_agreement;

/* An agreement that shares everything by registered patients. Caller frees. NULL on ENOMEM. */
struct pcn_agreement *pcn_agreement_new(void);
void pcn_agreement_free(struct pcn_agreement *a);

/*
 * Read an agreement file (docs/formats.md, "Network agreement"): rows of
 * rule,line,value,practice,label with rules method, top_slice and share.
 * PCN_EPARSE "FILE:LINE: ...". Caller frees *ret.
 */
enum pcn_err pcn_agreement_load(const char *path, struct pcn_agreement **ret,
                                struct pcn_error *reterr);

/*
 * One rule as written in an agreement file or stored: rule "method",
 * "top_slice" or "share" with its line, value, practice and label
 * (docs/formats.md, "Network agreement"). PCN_EPARSE with the reason.
 */
enum pcn_err pcn_agreement_add_rule(struct pcn_agreement *a, const char *rule, const char *line,
                                    const char *value, const char *practice, const char *label,
                                    struct pcn_error *reterr);

/* How line (NULL or "all": every line without its own method) is shared. */
enum pcn_err pcn_agreement_set_method(struct pcn_agreement *a, const char *line,
                                      enum pcn_share_method m);

/*
 * Take label's amount off line (NULL or "all": the income as a whole,
 * spread over the lines in proportion) before sharing: a fixed amount in
 * pence (percent_bp < 0), or percent_bp hundredths of a percent of the
 * line (pence ignored), or, with is_unreimbursed_staff, the network's
 * staff costs that ARRS does not meet.
 */
enum pcn_err pcn_agreement_add_slice(struct pcn_agreement *a, const char *line, const char *label,
                                     int64_t pence, int64_t percent_bp, int is_unreimbursed_staff);

/* A practice's fixed share in hundredths of a percent (10000 = 100%). */
enum pcn_err pcn_agreement_set_share(struct pcn_agreement *a, const char *practice,
                                     int64_t share_bp);

/* One line as shared. All read-only. */
struct pcn_dist_line {
    const char *key;
    const char *name;
    enum pcn_share_method method;
    int64_t income;  /* the line's amount */
    int64_t sliced;  /* taken off by top-slices */
    int64_t shared;  /* income - sliced, split among the practices */
    int is_estimate; /* weighted shares on raw lists, or an estimated income line */
};

/* One top-slice as applied. */
struct pcn_dist_slice {
    const char *label;
    const char *line; /* "all" or a line key */
    int64_t amount;
};

struct pcn_distribution {
    struct pcn_dist_line *lines;
    size_t n_lines;
    struct pcn_dist_slice *slices;
    size_t n_slices;
    size_t n_members;
    const struct pcn_member *members; /* borrowed */
    int64_t *share;                   /* n_members x n_lines, row-major: share[m * n_lines + l] */
    int64_t *member_total;            /* per member */
    int64_t total_shared;
    int64_t total_sliced;
};

/*
 * Share the known, non-claims income lines of inc among the members under
 * the agreement. unreimbursed_staff is the network's staff cost ARRS does
 * not meet (pcn_arrs.network_cost_unreimbursed), used by slices that ask
 * for it. Errors (PCN_EINVAL with a finding): fixed shares that do not
 * cover every member or do not add up to 100%, a share for a practice
 * that is not a member, top-slices larger than the income they come off.
 * Caller frees *ret with pcn_distribution_free().
 */
enum pcn_err pcn_distribute(const struct pcn_income *inc, const struct pcn_agreement *a,
                            const struct pcn_member *members, size_t n_members,
                            int64_t unreimbursed_staff, struct pcn_distribution **ret,
                            struct pcn_findings *f);
void pcn_distribution_free(struct pcn_distribution *d);

#endif /* PCN_FINANCE_H */
