/*
 * arrs.c - ARRS claims for a contract year. For each ARRS-funded post and
 * month: the maximum is the role's amount x WTE x (days of the month in
 * post / days in the month) / 12, summed over the cap rows in force on
 * those days and rounded once to the penny; the cost is the post's yearly
 * cost spread the same way (or its monthly invoice pro rata); the claim is
 * the lower of the two. A person's WTE counts at most 1.0 across posts.
 * Budgets come from the rates file (rate x weighted population) or an
 * allocation given by the caller; headroom is budget less the year's
 * claims with the posts as they stand.
 */
#include "pcn/finance.h"

#include <stdio.h>
#include <string.h>

#include "finance_int.h"
#include "pcn/alloc.h"
#include "pcn/date.h"
#include "pcn/hash.h"
#include "pcn/money.h"
#include "pcn/vec.h"
#include "util/common.h"

void pcn_network_inputs_init(struct pcn_network_inputs *in)
{
    memset(in, 0, sizeof(*in));
    in->registered_date = PCN_DATE_NONE;
    in->beds = -1;
    in->iif_points = -1;
    in->caip_percent = -1;
    in->london = PCN_LONDON_NONE;
}

/* Days of post p in month m of the year starting on from: [*lo, *hi], or 0. */
static int64_t days_in_month(const struct pcn_post *p, int32_t from, int m, int32_t *lo,
                             int32_t *hi)
{
    int32_t ms = pcn__month_start(from, m);
    int32_t me = pcn__month_start(from, m + 1) - 1;

    *lo = PCN_MAX(p->start, ms);
    *hi = p->end == PCN_DATE_NONE ? me : PCN_MIN(p->end, me);
    return *hi < *lo ? 0 : (int64_t)*hi - *lo + 1;
}

/*
 * A run of whole months at one yearly amount (in pence x WTE units): the
 * k-th month of the run is round(amount x k / 12) - round(amount x (k-1)
 * / 12), so the months of a run add up to its share of the year exactly
 * (twelve months of a 50,000.00 cost are 50,000.00, not 50,000.04).
 * Part months break the run and are rounded on their own.
 */
struct run {
    int64_t yearly; /* pence x WTE units a year */
    int64_t k;      /* months in the run so far */
};

static enum pcn_err run_month(struct run *r, int64_t yearly, int64_t *ret)
{
    int64_t to;
    int64_t before;
    enum pcn_err rc;

    if (r->k == 0 || r->yearly != yearly) {
        r->yearly = yearly;
        r->k = 0;
    }
    r->k++;
    rc = pcn_muldiv(yearly, r->k, (int64_t)PCN__MONTHS * PCN_WTE_ONE, &to);
    if (rc == PCN_OK)
        rc = pcn_muldiv(yearly, r->k - 1, (int64_t)PCN__MONTHS * PCN_WTE_ONE, &before);
    *ret = rc == PCN_OK ? to - before : 0;
    return rc;
}

/* The post's cost over `days` days of a month of dim days. */
static enum pcn_err month_cost(const struct pcn_post *p, int64_t days, int dim, struct run *run,
                               int64_t *ret)
{
    int64_t yearly;

    *ret = 0;
    if (!p->has_cost || days == 0) {
        run->k = 0;
        return PCN_OK;
    }
    if (p->cost_per == PCN_COST_PER_MONTH) {
        *ret = p->cost;
        return days == dim ? PCN_OK : pcn_muldiv(p->cost, days, dim, ret);
    }
    if (days == dim) {
        if (__builtin_mul_overflow(p->cost, (int64_t)PCN_WTE_ONE, &yearly))
            return PCN_ELIMIT;
        return run_month(run, yearly, ret);
    }
    run->k = 0;
    return pcn_muldiv(p->cost, days, (int64_t)dim * PCN__MONTHS, ret);
}

/* Per-call state of the claim computation. */
struct claim_ctx {
    const struct pcn_contract *c;
    enum pcn_london london;
    int32_t *cuts; /* pcn__cap_cuts_size(c) elements */
};

/* The amount of one cap segment for the post (0 with flags when there is none). */
static enum pcn_err segment_amount(struct claim_ctx *x, const struct pcn_post *p, int32_t day,
                                   struct pcn_claim *cl, int64_t *ret)
{
    const struct pcn_role_cap *cap = NULL;
    enum pcn_err rc = pcn_contract_find_cap(x->c, p->role, p->band, day, &cap);
    int weighted = 0;

    *ret = 0;
    if (rc == PCN_ENOTFOUND) {
        cl->flags |= PCN_CLAIM_NOT_ELIGIBLE;
        return PCN_OK;
    }
    if (rc != PCN_OK)
        return PCN_EINVAL; /* a band the rates cannot price: pcn_staff_validate() says so */
    if (cl->budget < 0)
        cl->budget = cap->budget;
    if (cap->status == PCN_RATE_UNKNOWN) {
        cl->flags |= PCN_CLAIM_CAP_UNKNOWN;
        return PCN_OK;
    }
    if (cap->status == PCN_RATE_DERIVED)
        cl->flags |= PCN_CLAIM_CAP_DERIVED;
    *ret = pcn_role_cap_amount(cap, x->london, &weighted);
    if (x->london != PCN_LONDON_NONE && !weighted)
        cl->flags |= PCN_CLAIM_LONDON_NATIONAL;
    return PCN_OK;
}

/*
 * The maximum for days [lo, hi] of a month of dim days at wte: a whole
 * month under one cap row continues the run; otherwise the numerator is
 * summed over the cap segments and divided once.
 */
static enum pcn_err month_cap(struct claim_ctx *x, const struct pcn_post *p, int64_t wte,
                              int32_t lo, int32_t hi, int dim, struct run *run,
                              struct pcn_claim *cl, int64_t *ret)
{
    size_t n = pcn__cap_cuts(x->c, p->role, lo, hi, x->cuts);
    int64_t num = 0;

    for (size_t i = 0; i < n; i++) {
        int32_t seg_end = i + 1 < n ? x->cuts[i + 1] - 1 : hi;
        int64_t amount;
        int64_t part;
        enum pcn_err rc = segment_amount(x, p, x->cuts[i], cl, &amount);
        if (rc != PCN_OK)
            return rc;
        if (__builtin_mul_overflow(amount, wte, &part))
            return PCN_ELIMIT;
        if (n == 1 && hi - lo + 1 == dim && amount > 0)
            return run_month(run, part, ret);
        if (__builtin_mul_overflow(part, (int64_t)seg_end - x->cuts[i] + 1, &part) ||
            __builtin_add_overflow(num, part, &num))
            return PCN_ELIMIT;
    }
    run->k = 0;
    return pcn_muldiv(num, 1, (int64_t)dim * PCN__MONTHS * PCN_WTE_ONE, ret);
}

/*
 * Fill cl for post p. load (optional) is the person's WTE-days per month
 * over all their ARRS posts: above 1.0 WTE for the month, the post's WTE
 * is scaled down in proportion.
 */
static enum pcn_err claim_post(struct claim_ctx *x, const struct pcn_post *p, const int64_t *load,
                               struct pcn_claim *cl)
{
    int32_t from = pcn_contract_from(x->c);
    struct run cap_run = {0, 0};
    struct run cost_run = {0, 0};
    enum pcn_err rc = PCN_OK;

    cl->budget = -1;
    for (int m = 0; m < PCN__MONTHS && rc == PCN_OK; m++) {
        int32_t lo;
        int32_t hi;
        int dim = pcn__month_days(from, m);
        int64_t days = days_in_month(p, from, m, &lo, &hi);
        int64_t wte = p->wte;
        if (days == 0)
            continue;
        if (load && load[m] > (int64_t)PCN_WTE_ONE * dim) {
            rc = pcn_muldiv(p->wte, (int64_t)PCN_WTE_ONE * dim, load[m], &wte);
            cl->flags |= PCN_CLAIM_PERSON_CAPPED;
        }
        if (rc == PCN_OK)
            rc = month_cap(x, p, wte, lo, hi, dim, &cap_run, cl, &cl->cap[m]);
        if (rc == PCN_OK)
            rc = month_cost(p, days, dim, &cost_run, &cl->cost[m]);
        if (rc != PCN_OK)
            break;
        cl->claim[m] = PCN_MIN(cl->cap[m], cl->cost[m]);
        if (cl->cost[m] > cl->cap[m])
            cl->flags |= PCN_CLAIM_COST_ABOVE_CAP;
        cl->total_cap += cl->cap[m];
        cl->total_cost += cl->cost[m];
        cl->total_claim += cl->claim[m];
    }
    return rc;
}

/* Does post p have a day in the year, and is it an ARRS post of an ARRS role that year? */
static bool is_claimable(const struct pcn_post *p, const struct pcn_contract *c)
{
    return p->funding == PCN_FUNDING_ARRS && p->start <= pcn_contract_to(c) &&
           (p->end == PCN_DATE_NONE || p->end >= pcn_contract_from(c)) &&
           pcn_contract_is_arrs(c, p->role);
}

/* Person key -> their WTE-days per month over their claimable posts. */
struct loads {
    struct pcn_strmap *slot;
    int64_t (*wte_days)[PCN_MONTHS];
    size_t n;
    size_t alloc;
};

static enum pcn_err loads_build(struct loads *l, const struct pcn_staff *s,
                                const struct pcn_contract *c)
{
    l->slot = pcn_strmap_new();
    if (!l->slot)
        return PCN_ENOMEM;
    for (size_t i = 0; i < pcn_staff_count(s); i++) {
        const struct pcn_post *p = pcn_staff_post(s, i);
        uint64_t at;
        int added;
        enum pcn_err rc;
        if (!is_claimable(p, c) || !p->person)
            continue;
        rc = pcn_strmap_intern(l->slot, p->person, strlen(p->person), l->n, &at, &added);
        if (rc == PCN_OK && added)
            rc = PCN_GROW(l->wte_days, l->n + 1, l->alloc);
        if (rc != PCN_OK)
            return rc;
        if (added)
            memset(l->wte_days[l->n++], 0, sizeof(l->wte_days[0]));
        for (int m = 0; m < PCN__MONTHS; m++) {
            int32_t lo;
            int32_t hi;
            l->wte_days[at][m] += p->wte * days_in_month(p, pcn_contract_from(c), m, &lo, &hi);
        }
    }
    return PCN_OK;
}

static void loads_release(struct loads *l)
{
    pcn_strmap_free(l->slot);
    pcn_free(l->wte_days);
}

static const int64_t *loads_of(const struct loads *l, const char *person)
{
    uint64_t at;

    if (!person || !pcn_strmap_get(l->slot, person, strlen(person), &at))
        return NULL;
    return l->wte_days[at];
}

void pcn_arrs_free(struct pcn_arrs *a)
{
    if (!a)
        return;
    pcn_free(a->claims);
    pcn_free(a->budgets);
    pcn_free(a);
}

const struct pcn_budget *pcn_arrs_budget(const struct pcn_arrs *a, const char *key)
{
    for (size_t i = 0; i < a->n_budgets; i++) {
        if (strcmp(a->budgets[i].key, key) == 0)
            return &a->budgets[i];
    }
    return NULL;
}

/* Months of the year a line covers (a month counts when the line covers its first day). */
static int line_months(const struct pcn_contract *c, const struct pcn_line_part *p)
{
    int n = 0;

    for (int m = 0; m < PCN__MONTHS; m++) {
        int32_t d = pcn__month_start(pcn_contract_from(c), m);
        n += d >= p->from && d <= p->to;
    }
    return n;
}

/* A budget's amount: an allocation, else rate x population x months/12. */
static enum pcn_err budget_amount(const struct pcn_contract *c, const struct pcn_line_part *p,
                                  const struct pcn_network_inputs *in, struct pcn_budget *b)
{
    int64_t units = in->registered;
    int64_t yearly;
    enum pcn_err rc;

    for (size_t i = 0; i < in->n_allocations; i++) {
        if (strcmp(in->allocations[i].line, p->key) == 0) {
            b->is_known = 1;
            b->is_allocation = 1;
            b->budget = in->allocations[i].pence;
            return PCN_OK;
        }
    }
    if (p->status == PCN_RATE_UNKNOWN)
        return PCN_OK;
    if (p->basis == PCN_BASIS_WEIGHTED && in->weighted > 0)
        units = in->weighted;
    else if (p->basis == PCN_BASIS_ADJUSTED && in->adjusted > 0)
        units = in->adjusted;
    else if (p->basis != PCN_BASIS_REGISTERED)
        b->is_estimate = 1;
    rc = pcn_muldiv(p->rate, units, PCN_RATE_PER_PENNY, &yearly);
    if (rc == PCN_OK)
        rc = pcn_muldiv(yearly, line_months(c, p), PCN__MONTHS, &b->budget);
    b->is_known = rc == PCN_OK;
    return rc;
}

/* The first day of month m as "April 2025". */
static void month_name(const struct pcn_contract *c, int m, char *out, size_t size)
{
    static const char *const names[] = {"January",   "February", "March",    "April",
                                        "May",       "June",     "July",     "August",
                                        "September", "October",  "November", "December"};
    int y;
    int mo;
    int d;

    pcn_date_to_ymd(pcn__month_start(pcn_contract_from(c), m), &y, &mo, &d);
    (void)snprintf(out, size, "%s %d", names[mo - 1], y);
}

/* Where the budget stands on the as-of month; warnings for the network. */
static enum pcn_err budget_position(const struct pcn_arrs *a, struct pcn_budget *b,
                                    const struct pcn_network_inputs *in, struct pcn_findings *f)
{
    char v1[PCN_MONEY_STR_SIZE];
    char v2[PCN_MONEY_STR_SIZE];
    char v3[PCN_MONEY_STR_SIZE];
    int64_t cum = 0;
    enum pcn_err rc = PCN_OK;

    b->total = b->to_date = b->rest = 0;
    b->run_out_month = -1;
    for (int m = 0; m < PCN__MONTHS; m++) {
        b->total += b->claimed[m];
        if (m <= a->as_of_month)
            b->to_date += b->claimed[m];
        else
            b->rest += b->claimed[m];
        cum += b->claimed[m];
        if (b->is_known && b->run_out_month < 0 && cum > b->budget)
            b->run_out_month = m;
    }
    b->months_left = PCN__MONTHS - 1 - a->as_of_month;
    b->headroom = b->is_known ? b->budget - b->total : 0;
    b->reimbursable = b->is_known ? PCN_MIN(b->total, b->budget) : b->total;
    b->headroom_a_month = b->months_left > 0 ? b->headroom / b->months_left : 0;
    if (b->is_known && b->headroom < 0) {
        char month[32];
        month_name(a->year, b->run_out_month, month, sizeof(month));
        pcn_pence_format(b->total, v1);
        pcn_pence_format(b->budget, v2);
        pcn_pence_format(-b->headroom, v3);
        rc = pcn_findings_add(f, PCN_SEVERITY_WARNING, "over_budget", b->key,
                              "claims of %s exceed the %s of %s by %s (it runs out in %s): the "
                              "excess is not reimbursed",
                              v1, b->name, v2, v3, month);
    }
    if (rc == PCN_OK && !b->is_known && b->total > 0)
        rc = pcn_findings_add(f, PCN_SEVERITY_WARNING, "budget_unknown", b->key,
                              "the rates file has no rate for the %s: give the network's "
                              "allocation to see the headroom",
                              b->name);
    if (rc == PCN_OK && b->is_estimate)
        rc = pcn_findings_add(f, PCN_SEVERITY_WARNING, "estimate", b->key,
                              "the %s is an estimate on the registered list (%lld) for want of "
                              "the weighted population",
                              b->name, (long long)in->registered);
    return rc;
}

static enum pcn_err make_budgets(struct pcn_arrs *a, const struct pcn_network_inputs *in)
{
    const struct pcn_contract *c = a->year;

    for (size_t i = 0; i < pcn_contract_n_parts(c); i++) {
        const struct pcn_line_part *p = pcn_contract_part(c, i);
        if (p->paid == PCN_PAID_CLAIMS && pcn_contract_find_line(c, p->key) == (int)i)
            a->n_budgets++;
    }
    a->budgets = pcn_calloc(a->n_budgets ? a->n_budgets : 1, sizeof(*a->budgets));
    if (!a->budgets)
        return PCN_ENOMEM;
    a->n_budgets = 0;
    for (size_t i = 0; i < pcn_contract_n_parts(c); i++) {
        const struct pcn_line_part *p = pcn_contract_part(c, i);
        struct pcn_budget *b = &a->budgets[a->n_budgets];
        enum pcn_err rc;
        if (p->paid != PCN_PAID_CLAIMS || pcn_contract_find_line(c, p->key) != (int)i)
            continue;
        b->line = (int)i;
        b->key = p->key;
        b->name = p->name;
        rc = budget_amount(c, p, in, b);
        if (rc != PCN_OK)
            return rc;
        a->n_budgets++;
    }
    return PCN_OK;
}

static struct pcn_budget *budget_of_line(struct pcn_arrs *a, int line)
{
    for (size_t i = 0; i < a->n_budgets; i++) {
        if (a->budgets[i].line == line)
            return &a->budgets[i];
    }
    return NULL;
}

/* Compute every claim of the year into a->claims. */
static enum pcn_err make_claims(struct pcn_arrs *a, const struct pcn_staff *s,
                                const struct pcn_network_inputs *in, int32_t *cuts,
                                struct pcn_findings *f)
{
    struct claim_ctx x = {a->year, in->london, cuts};
    struct loads l = {0};
    enum pcn_err rc = loads_build(&l, s, a->year);

    size_t n = pcn_staff_count(s);

    a->claims = rc == PCN_OK ? pcn_calloc(n ? n : 1, sizeof(*a->claims)) : NULL;
    if (rc == PCN_OK && !a->claims)
        rc = PCN_ENOMEM;
    for (size_t i = 0; i < pcn_staff_count(s) && rc == PCN_OK; i++) {
        const struct pcn_post *p = pcn_staff_post(s, i);
        struct pcn_claim *cl = &a->claims[a->n_claims];
        struct pcn_budget *b;
        if (!is_claimable(p, a->year))
            continue;
        cl->post = i;
        rc = claim_post(&x, p, loads_of(&l, p->person), cl);
        if (rc == PCN_EINVAL) {
            const struct pcn_staff_role *r =
                pcn_roles_at(pcn_contract_roles(a->year), (size_t)p->role);
            rc = pcn_findings_add(f, PCN_SEVERITY_ERROR, "band_not_reimbursable",
                                  p->where ? p->where : p->person,
                                  "%s has no maximum amount at band '%s' in %s", r->key,
                                  pcn_band_name(p->band), pcn_contract_key(a->year));
            if (rc == PCN_OK)
                rc = PCN_EINVAL;
        }
        b = rc == PCN_OK ? budget_of_line(a, cl->budget) : NULL;
        for (int m = 0; b && m < PCN__MONTHS; m++) {
            b->claimed[m] += cl->claim[m];
            a->month_total[m] += cl->claim[m];
        }
        a->total_claim += cl->total_claim;
        a->total_cost += cl->total_cost;
        a->n_claims++;
    }
    loads_release(&l);
    return rc;
}

/* The network's own staff cost that claims do not meet (network and lead practice employers). */
static enum pcn_err unreimbursed(struct pcn_arrs *a, const struct pcn_staff *s)
{
    int32_t from = pcn_contract_from(a->year);
    size_t k = 0;

    for (size_t i = 0; i < pcn_staff_count(s); i++) {
        const struct pcn_post *p = pcn_staff_post(s, i);
        int64_t claimed = 0;
        while (k < a->n_claims && a->claims[k].post < i)
            k++;
        if (k < a->n_claims && a->claims[k].post == i)
            claimed = a->claims[k].total_claim;
        if (p->employer != PCN_EMPLOYER_NETWORK && p->employer != PCN_EMPLOYER_LEAD_PRACTICE)
            continue;
        struct run run = {0, 0};
        for (int m = 0; m < PCN__MONTHS; m++) {
            int32_t lo;
            int32_t hi;
            int64_t cost;
            enum pcn_err rc = month_cost(p, days_in_month(p, from, m, &lo, &hi),
                                         pcn__month_days(from, m), &run, &cost);
            if (rc != PCN_OK)
                return rc;
            a->network_cost_unreimbursed += cost;
        }
        a->network_cost_unreimbursed -= claimed;
    }
    return PCN_OK;
}

/* Warnings for role limits (WTE of a role in a month above the year's limit). */
static enum pcn_err check_limits(const struct pcn_arrs *a, const struct pcn_staff *s,
                                 const struct pcn_network_inputs *in, struct pcn_findings *f)
{
    const struct pcn_contract *c = a->year;
    enum pcn_err rc = PCN_OK;

    for (size_t i = 0; i < pcn_contract_n_limits(c) && rc == PCN_OK; i++) {
        const struct pcn_limit *l = pcn_contract_limit(c, i);
        if (l->role < 0 || in->registered < l->list_min || in->registered >= l->list_max)
            continue;
        for (int m = 0; m < PCN__MONTHS && rc == PCN_OK; m++) {
            int dim = pcn__month_days(pcn_contract_from(c), m);
            int64_t wte_days = 0;
            for (size_t k = 0; k < a->n_claims; k++) {
                const struct pcn_post *p = pcn_staff_post(s, a->claims[k].post);
                int32_t lo;
                int32_t hi;
                if (p->role == l->role && a->claims[k].cap[m] > 0)
                    wte_days += p->wte * days_in_month(p, pcn_contract_from(c), m, &lo, &hi);
            }
            if (wte_days > l->max * dim) {
                char v[PCN_WTE_STR_SIZE];
                char lim[PCN_WTE_STR_SIZE];
                char month[32];
                pcn_wte_format(wte_days / dim, v);
                pcn_wte_format(l->max, lim);
                month_name(c, m, month, sizeof(month));
                rc = pcn_findings_add(f, PCN_SEVERITY_WARNING, "role_limit", l->what,
                                      "%s WTE of %s claimed in %s where the DES allows %s: the "
                                      "commissioner may refuse the excess",
                                      v, l->name, month, lim);
                break;
            }
        }
    }
    return rc;
}

/* One warning for claims that rest on derived or unknown maxima. */
static enum pcn_err flag_summary(const struct pcn_arrs *a, struct pcn_findings *f)
{
    size_t derived = 0;
    size_t unknown = 0;
    size_t london = 0;
    enum pcn_err rc = PCN_OK;

    for (size_t i = 0; i < a->n_claims; i++) {
        derived += (a->claims[i].flags & PCN_CLAIM_CAP_DERIVED) != 0;
        unknown += (a->claims[i].flags & PCN_CLAIM_CAP_UNKNOWN) != 0;
        london += (a->claims[i].flags & PCN_CLAIM_LONDON_NATIONAL) != 0;
    }
    if (derived)
        rc = pcn_findings_add(f, PCN_SEVERITY_WARNING, "derived_caps", "claims",
                              "%zu claims use maximum amounts derived from published figures, not "
                              "published for the role (data/reference/ncdes/README.md)",
                              derived);
    if (rc == PCN_OK && unknown)
        rc = pcn_findings_add(f, PCN_SEVERITY_WARNING, "unknown_caps", "claims",
                              "%zu claims have months whose maximum amount is unknown: those "
                              "months claim nothing",
                              unknown);
    if (rc == PCN_OK && london)
        rc = pcn_findings_add(f, PCN_SEVERITY_WARNING, "london_national", "claims",
                              "%zu claims are for roles with no published London figure: the "
                              "national maximum is used",
                              london);
    return rc;
}

/* The month of the year that contains day: -1 before the year, 11 after it. */
static int month_of(const struct pcn_contract *c, int32_t day)
{
    if (day < pcn_contract_from(c))
        return -1;
    for (int m = PCN__MONTHS - 1; m >= 0; m--) {
        if (day >= pcn__month_start(pcn_contract_from(c), m))
            return m;
    }
    return -1;
}

enum pcn_err pcn_arrs_compute(const struct pcn_staff *s, const struct pcn_contract *year,
                              const struct pcn_network_inputs *in, int32_t as_of,
                              struct pcn_arrs **ret, struct pcn_findings *f)
{
    struct pcn_findings check = PCN_FINDINGS_INIT;
    struct pcn_arrs *a = NULL;
    int32_t *cuts = NULL;
    enum pcn_err rc = pcn_staff_validate(s, NULL, &check);

    if (rc == PCN_OK && check.n_errors) {
        const struct pcn_finding *e = &check.items[0];
        rc = pcn_findings_add(f, PCN_SEVERITY_ERROR, e->code, e->where, "%s", e->msg);
        if (rc == PCN_OK)
            rc = PCN_EINVAL;
        goto out;
    }
    a = rc == PCN_OK ? pcn_calloc(1, sizeof(*a)) : NULL;
    cuts = pcn_calloc(pcn__cap_cuts_size(year), sizeof(*cuts));
    if (rc == PCN_OK && (!a || !cuts))
        rc = PCN_ENOMEM;
    if (rc != PCN_OK)
        goto out;
    a->year = year;
    a->as_of = as_of;
    a->as_of_month = month_of(year, as_of);
    rc = make_budgets(a, in);
    if (rc == PCN_OK)
        rc = make_claims(a, s, in, cuts, f);
    for (size_t i = 0; i < a->n_budgets && rc == PCN_OK; i++)
        rc = budget_position(a, &a->budgets[i], in, f);
    if (rc == PCN_OK)
        rc = unreimbursed(a, s);
    if (rc == PCN_OK)
        rc = check_limits(a, s, in, f);
    if (rc == PCN_OK)
        rc = flag_summary(a, f);
    if (rc == PCN_OK) {
        *ret = a;
        a = NULL;
    }
out:
    pcn_findings_release(&check);
    pcn_free(cuts);
    pcn_arrs_free(a);
    return rc;
}

enum pcn_err pcn_arrs_what_if(const struct pcn_arrs *a, const struct pcn_network_inputs *in,
                              const struct pcn_hire *h, struct pcn_what_if *ret,
                              struct pcn_findings *f)
{
    const struct pcn_contract *c = a->year;
    struct pcn_post p;
    struct pcn_claim cl;
    struct pcn_budget b;
    struct pcn_findings quiet = PCN_FINDINGS_INIT;
    struct claim_ctx x = {c, in->london, NULL};
    const struct pcn_staff_role *role = pcn_roles_at(pcn_contract_roles(c), (size_t)h->role);
    enum pcn_err rc;

    memset(ret, 0, sizeof(*ret));
    if (!role || !pcn_contract_is_arrs(c, h->role))
        return pcn_findings_add(f, PCN_SEVERITY_ERROR, "not_arrs_role", "what-if",
                                "%s is not an ARRS role in %s", role ? role->key : "the role",
                                pcn_contract_key(c)) == PCN_OK
                   ? PCN_EINVAL
                   : PCN_ENOMEM;
    if (h->wte <= 0 || h->wte > PCN_WTE_ONE || (h->end != PCN_DATE_NONE && h->end < h->start))
        return pcn_findings_add(
                   f, PCN_SEVERITY_ERROR, "what_if", "what-if",
                   "a hire needs a WTE in (0, 1.0] and an end on or after its start") == PCN_OK
                   ? PCN_EINVAL
                   : PCN_ENOMEM;
    memset(&p, 0, sizeof(p));
    p.person = "what-if";
    p.role = h->role;
    p.band = h->band;
    p.wte = h->wte;
    p.start = h->start;
    p.end = h->end;
    p.funding = PCN_FUNDING_ARRS;
    /* without a cost, assume the hire costs at least the maximum: 1 billion pounds never limits */
    p.has_cost = 1;
    p.cost = h->has_cost ? h->cost : 100000000000LL;
    memset(&cl, 0, sizeof(cl));
    x.cuts = pcn_calloc(pcn__cap_cuts_size(c), sizeof(*x.cuts));
    if (!x.cuts)
        return PCN_ENOMEM;
    rc = claim_post(&x, &p, NULL, &cl);
    pcn_free(x.cuts);
    if (rc == PCN_EINVAL)
        return pcn_findings_add(f, PCN_SEVERITY_ERROR, "band_not_reimbursable", "what-if",
                                "%s has no maximum amount at band '%s' in %s", role->key,
                                pcn_band_name(h->band), pcn_contract_key(c)) == PCN_OK
                   ? PCN_EINVAL
                   : PCN_ENOMEM;
    if (rc != PCN_OK)
        return rc;
    ret->budget = -1;
    for (size_t i = 0; i < a->n_budgets; i++) {
        if (a->budgets[i].line == cl.budget)
            ret->budget = (int)i;
    }
    if (ret->budget < 0)
        return pcn_findings_add(f, PCN_SEVERITY_ERROR, "not_eligible", "what-if",
                                "%s is not reimbursable on any day of the hire in %s", role->key,
                                pcn_contract_key(c)) == PCN_OK
                   ? PCN_EINVAL
                   : PCN_ENOMEM;
    b = a->budgets[ret->budget];
    ret->headroom_before = b.headroom;
    ret->run_out_before = b.run_out_month;
    for (int m = 0; m < PCN__MONTHS; m++) {
        ret->added[m] = cl.claim[m];
        ret->added_total += cl.claim[m];
        b.claimed[m] += cl.claim[m];
    }
    rc = budget_position(a, &b, in, &quiet);
    pcn_findings_release(&quiet);
    ret->headroom_after = b.headroom;
    ret->run_out_after = b.run_out_month;
    ret->fits = b.is_known && b.headroom >= 0;
    ret->flags = cl.flags;
    return rc;
}
