/*
 * views_finance.c - the finance result kinds (ARRS claims, budget, months
 * and the claim export; DES income; distribution; what-if), built once for
 * the CLI and the API from the finance layer's results. Column names and
 * types are fixed here (docs/api.md lists them).
 */
#include "pcn/views_finance.h"

#include <stdio.h>
#include <string.h>

#include "pcn/money.h"
#include "util/common.h"
#include "views_row.h"

#define T PCN_COL_TEXT
#define I PCN_COL_INT
#define B PCN_COL_BOOL

/* ---- ARRS ---- */

static void flags_text(unsigned flags, char *out, size_t size)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{PCN_CLAIM_COST_ABOVE_CAP, "cost_above_cap"},
                 {PCN_CLAIM_CAP_DERIVED, "derived_cap"},
                 {PCN_CLAIM_CAP_UNKNOWN, "unknown_cap"},
                 {PCN_CLAIM_NOT_ELIGIBLE, "not_eligible"},
                 {PCN_CLAIM_PERSON_CAPPED, "person_capped"},
                 {PCN_CLAIM_LONDON_NATIONAL, "london_national"}};
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < PCN_ARRAY_SIZE(names); i++) {
        int n;
        if (!(flags & names[i].bit))
            continue;
        n = snprintf(out + used, size - used, "%s%s", used ? " " : "", names[i].name);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
}

static const char *budget_key(const struct pcn_arrs *a, int line)
{
    const struct pcn_line_part *p = line >= 0 ? pcn_contract_part(a->year, (size_t)line) : NULL;

    return p ? p->key : NULL;
}

enum pcn_err pcn_view_arrs_claims(const struct pcn_arrs *a, const struct pcn_staff *s,
                                  struct pcn_table **ret)
{
    static const char *const names[] = {"post",    "id",       "person",       "role",   "band",
                                        "wte",     "employer", "budget",       "months", "cost",
                                        "maximum", "claim",    "unreimbursed", "flags"};
    static const enum pcn_col_type types[] = {I, I, T, T, T, T, T, T, I, T, T, T, T, T};
    const struct pcn_roles *roles = pcn_contract_roles(a->year);
    struct pcn__row r;

    pcn__table_start(&r, "arrs_claims", 14, names, types);
    for (size_t i = 0; i < a->n_claims && r.rc == PCN_OK; i++) {
        const struct pcn_claim *cl = &a->claims[i];
        const struct pcn_post *p = pcn_staff_post(s, cl->post);
        char flags[128];
        int64_t months = 0;
        for (int m = 0; m < PCN_MONTHS; m++)
            months += cl->claim[m] > 0;
        flags_text(cl->flags, flags, sizeof(flags));
        pcn__row_start(&r);
        pcn__put_int(&r, (int64_t)cl->post);
        pcn__put_int(&r, p->id);
        pcn__put_text(&r, p->person);
        pcn__put_text(&r, pcn_roles_at(roles, (size_t)p->role)->key);
        pcn__put_opt(&r, pcn_band_name(p->band));
        pcn__put_wte(&r, p->wte);
        pcn__put_text(&r, pcn_employer_name(p->employer));
        pcn__put_opt(&r, budget_key(a, cl->budget));
        pcn__put_int(&r, months);
        pcn__put_money(&r, cl->total_cost);
        pcn__put_money(&r, cl->total_cap);
        pcn__put_money(&r, cl->total_claim);
        pcn__put_money(&r, cl->total_cost - cl->total_claim);
        pcn__put_opt(&r, flags);
    }
    return pcn__table_finish(&r, ret);
}

enum pcn_err pcn_view_arrs_budget(const struct pcn_arrs *a, struct pcn_table **ret)
{
    static const char *const names[] = {
        "budget",           "name",     "known", "estimate",     "allocation", "amount",
        "to_date",          "rest",     "total", "reimbursable", "headroom",   "months_left",
        "headroom_a_month", "runs_out", "as_of"};
    static const enum pcn_col_type types[] = {T, T, B, B, B, T, T, T, T, T, T, I, T, T, T};
    struct pcn__row r;

    pcn__table_start(&r, "arrs_budget", 15, names, types);
    for (size_t i = 0; i < a->n_budgets && r.rc == PCN_OK; i++) {
        const struct pcn_budget *b = &a->budgets[i];
        pcn__row_start(&r);
        pcn__put_text(&r, b->key);
        pcn__put_text(&r, b->name);
        pcn__put_bool(&r, b->is_known);
        pcn__put_bool(&r, b->is_estimate);
        pcn__put_bool(&r, b->is_allocation);
        if (b->is_known)
            pcn__put_money(&r, b->budget);
        else
            pcn__put_null(&r);
        pcn__put_money(&r, b->to_date);
        pcn__put_money(&r, b->rest);
        pcn__put_money(&r, b->total);
        pcn__put_money(&r, b->reimbursable);
        if (b->is_known)
            pcn__put_money(&r, b->headroom);
        else
            pcn__put_null(&r);
        pcn__put_int(&r, b->months_left);
        if (b->is_known)
            pcn__put_money(&r, b->headroom_a_month);
        else
            pcn__put_null(&r);
        pcn__put_month(&r, a->year, b->run_out_month);
        pcn__put_date(&r, a->as_of);
    }
    return pcn__table_finish(&r, ret);
}

enum pcn_err pcn_view_arrs_months(const struct pcn_arrs *a, struct pcn_table **ret)
{
    static const char *const names[] = {"month",      "budget", "claimed",
                                        "cumulative", "amount", "to_date"};
    static const enum pcn_col_type types[] = {T, T, T, T, T, B};
    struct pcn__row r;

    pcn__table_start(&r, "arrs_months", 6, names, types);
    for (size_t i = 0; i < a->n_budgets && r.rc == PCN_OK; i++) {
        const struct pcn_budget *b = &a->budgets[i];
        int64_t cum = 0;
        for (int m = 0; m < PCN_MONTHS && r.rc == PCN_OK; m++) {
            cum += b->claimed[m];
            pcn__row_start(&r);
            pcn__put_month(&r, a->year, m);
            pcn__put_text(&r, b->key);
            pcn__put_money(&r, b->claimed[m]);
            pcn__put_money(&r, cum);
            if (b->is_known)
                pcn__put_money(&r, b->budget);
            else
                pcn__put_null(&r);
            pcn__put_bool(&r, m <= a->as_of_month);
        }
    }
    return pcn__table_finish(&r, ret);
}

/* Notes for one claim month: why the claim is below the cost. */
static void month_notes(const struct pcn_claim *cl, int m, char *out, size_t size)
{
    if (cl->cost[m] > cl->cap[m])
        (void)snprintf(out, size, "cost above the maximum: %s", "claim limited to the maximum");
    else
        out[0] = '\0';
    if (cl->flags & PCN_CLAIM_PERSON_CAPPED)
        (void)snprintf(out + strlen(out), size - strlen(out), "%sWTE limited to 1.0 a person",
                       out[0] ? "; " : "");
}

enum pcn_err pcn_view_arrs_claim_export(const struct pcn_arrs *a, const struct pcn_staff *s,
                                        const char *pcn_code, const char *pcn_name,
                                        struct pcn_table **ret)
{
    static const char *const names[] = {"pcn_code",       "pcn_name",
                                        "claim_month",    "staff_id",
                                        "staff_name",     "role",
                                        "afc_band",       "wte",
                                        "employer",       "employer_name",
                                        "start_date",     "end_date",
                                        "actual_cost",    "maximum_reimbursable",
                                        "amount_claimed", "budget",
                                        "notes"};
    static const enum pcn_col_type types[] = {T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, T};
    const struct pcn_roles *roles = pcn_contract_roles(a->year);
    struct pcn__row r;

    pcn__table_start(&r, "arrs_claim_export", 17, names, types);
    for (int m = 0; m < PCN_MONTHS && r.rc == PCN_OK; m++) {
        for (size_t i = 0; i < a->n_claims && r.rc == PCN_OK; i++) {
            const struct pcn_claim *cl = &a->claims[i];
            const struct pcn_post *p = pcn_staff_post(s, cl->post);
            char notes[160];
            if (cl->claim[m] == 0 && cl->cost[m] == 0)
                continue;
            month_notes(cl, m, notes, sizeof(notes));
            pcn__row_start(&r);
            pcn__put_text(&r, pcn_code);
            pcn__put_opt(&r, pcn_name);
            pcn__put_month(&r, a->year, m);
            pcn__put_text(&r, p->person);
            pcn__put_opt(&r, p->name);
            pcn__put_text(&r, pcn_roles_at(roles, (size_t)p->role)->name);
            pcn__put_opt(&r, pcn_band_name(p->band));
            pcn__put_wte(&r, p->wte);
            pcn__put_text(&r, pcn_employer_name(p->employer));
            pcn__put_opt(&r, p->employer_code);
            pcn__put_date(&r, p->start);
            pcn__put_date(&r, p->end);
            pcn__put_money(&r, cl->cost[m]);
            pcn__put_money(&r, cl->cap[m]);
            pcn__put_money(&r, cl->claim[m]);
            pcn__put_opt(&r, budget_key(a, cl->budget));
            pcn__put_opt(&r, notes);
        }
    }
    return pcn__table_finish(&r, ret);
}

/* ---- DES income and distribution ---- */

enum pcn_err pcn_view_des_income(const struct pcn_income *inc, struct pcn_table **ret)
{
    static const char *const names[] = {"line",     "name",    "paid",    "amount", "known",
                                        "estimate", "assumed", "part_of", "basis"};
    static const enum pcn_col_type types[] = {T, T, T, T, B, B, B, T, T};
    struct pcn__row r;

    pcn__table_start(&r, "des_income", 9, names, types);
    for (size_t i = 0; i < inc->n_lines && r.rc == PCN_OK; i++) {
        const struct pcn_income_line *l = &inc->lines[i];
        pcn__row_start(&r);
        pcn__put_text(&r, l->key);
        pcn__put_text(&r, l->name);
        pcn__put_text(&r, pcn_paid_name(l->paid));
        if (l->is_known && !l->part_of[0])
            pcn__put_money(&r, l->amount);
        else
            pcn__put_null(&r);
        pcn__put_bool(&r, l->is_known);
        pcn__put_bool(&r, l->is_estimate);
        pcn__put_bool(&r, l->is_assumed);
        pcn__put_opt(&r, l->part_of);
        pcn__put_text(&r, l->basis);
    }
    for (int k = 0; k < 2 && r.rc == PCN_OK; k++) {
        pcn__row_start(&r);
        pcn__put_text(&r, k ? "total_assured" : "total");
        pcn__put_text(&r, k ? "Paid monthly without conditions" : "Income (not ARRS)");
        pcn__put_null(&r);
        pcn__put_money(&r, k ? inc->total_assured : inc->total);
    }
    return pcn__table_finish(&r, ret);
}

static void dist_row(struct pcn__row *r, const struct pcn_member *m, const char *line,
                     const char *method, int64_t amount, int estimate)
{
    pcn__row_start(r);
    pcn__put_opt(r, m ? m->practice : NULL);
    pcn__put_opt(r, m ? m->name : NULL);
    pcn__put_text(r, line);
    pcn__put_opt(r, method);
    pcn__put_money(r, amount);
    pcn__put_bool(r, estimate);
}

enum pcn_err pcn_view_distribution(const struct pcn_distribution *d, struct pcn_table **ret)
{
    static const char *const names[] = {"practice", "name", "line", "method", "amount", "estimate"};
    static const enum pcn_col_type types[] = {T, T, T, T, T, B};
    struct pcn__row r;

    pcn__table_start(&r, "distribution", 6, names, types);
    for (size_t m = 0; m < d->n_members && r.rc == PCN_OK; m++) {
        int any_estimate = 0;
        for (size_t l = 0; l < d->n_lines; l++) {
            const struct pcn_dist_line *dl = &d->lines[l];
            any_estimate |= dl->is_estimate;
            dist_row(&r, &d->members[m], dl->key, pcn_share_method_name(dl->method),
                     d->share[m * d->n_lines + l], dl->is_estimate);
        }
        dist_row(&r, &d->members[m], "total", NULL, d->member_total[m], any_estimate);
    }
    for (size_t i = 0; i < d->n_slices && r.rc == PCN_OK; i++) {
        char line[160];
        (void)snprintf(line, sizeof(line), "slice:%s", d->slices[i].label);
        dist_row(&r, NULL, line, d->slices[i].line, d->slices[i].amount, 0);
    }
    return pcn__table_finish(&r, ret);
}

enum pcn_err pcn_view_what_if(const struct pcn_arrs *a, const struct pcn_hire *h,
                              const struct pcn_what_if *w, struct pcn_table **ret)
{
    static const char *const names[] = {"role",
                                        "band",
                                        "wte",
                                        "start",
                                        "end",
                                        "budget",
                                        "added",
                                        "headroom_before",
                                        "headroom_after",
                                        "runs_out_before",
                                        "runs_out_after",
                                        "fits"};
    static const enum pcn_col_type types[] = {T, T, T, T, T, T, T, T, T, T, T, B};
    const struct pcn_budget *b = w->budget >= 0 ? &a->budgets[w->budget] : NULL;
    struct pcn__row r;

    pcn__table_start(&r, "what_if", 12, names, types);
    pcn__row_start(&r);
    pcn__put_text(&r, pcn_roles_at(pcn_contract_roles(a->year), (size_t)h->role)->key);
    pcn__put_opt(&r, pcn_band_name(h->band));
    pcn__put_wte(&r, h->wte);
    pcn__put_date(&r, h->start);
    pcn__put_date(&r, h->end);
    pcn__put_opt(&r, b ? b->key : NULL);
    pcn__put_money(&r, w->added_total);
    if (b && b->is_known) {
        pcn__put_money(&r, w->headroom_before);
        pcn__put_money(&r, w->headroom_after);
    } else {
        pcn__put_null(&r);
        pcn__put_null(&r);
    }
    pcn__put_month(&r, a->year, w->run_out_before);
    pcn__put_month(&r, a->year, w->run_out_after);
    pcn__put_bool(&r, w->fits);
    return pcn__table_finish(&r, ret);
}

static void input_row(struct pcn__row *r, const char *name, int64_t v)
{
    char s[24];

    pcn__row_start(r);
    pcn__put_text(r, "input");
    pcn__put_text(r, name);
    if (v < 0) {
        pcn__put_null(r);
    } else {
        (void)snprintf(s, sizeof(s), "%lld", (long long)v);
        pcn__put_text(r, s);
    }
    pcn__put_null(r);
    pcn__put_null(r);
}

enum pcn_err pcn_view_finance_inputs(const struct pcn_store_finance *f,
                                     const struct pcn_store_finance_item *items, size_t n,
                                     struct pcn_table **ret)
{
    static const char *const names[] = {"kind", "line", "value", "practice", "label"};
    static const enum pcn_col_type types[] = {T, T, T, T, T};
    struct pcn__row r;

    pcn__table_start(&r, "finance_inputs", 5, names, types);
    input_row(&r, "version", f->version);
    input_row(&r, "adjusted", f->adjusted);
    input_row(&r, "weighted", f->weighted);
    input_row(&r, "beds", f->beds);
    input_row(&r, "iif_points", f->iif_points);
    input_row(&r, "caip_percent", f->caip_percent);
    pcn__row_start(&r);
    pcn__put_text(&r, "input");
    pcn__put_text(&r, "london");
    pcn__put_opt(&r, f->london);
    pcn__put_null(&r);
    pcn__put_null(&r);
    for (size_t i = 0; i < n; i++) {
        pcn__row_start(&r);
        pcn__put_text(&r, items[i].kind);
        pcn__put_text(&r, items[i].line);
        pcn__put_text(&r, items[i].value);
        pcn__put_opt(&r, items[i].practice);
        pcn__put_opt(&r, items[i].label);
    }
    return pcn__table_finish(&r, ret);
}
