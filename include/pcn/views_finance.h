/*
 * views_finance.h - the finance result kinds that the CLI (pcn finance)
 * and the API (/finance) both return, built from the finance layer's results (pcn/finance.h) into
 * result tables (pcn/table.h) whose kind, columns and types are fixed
 * here and listed in docs/api.md ("Result tables"). Money is text in
 * pounds with two decimals ("1234.56") and WTE text with up to six
 * decimals ("0.8"), so no format rounds them; months are "YYYY-MM".
 *
 * Every builder returns a new table in *ret (caller frees with
 * pcn_table_free()); PCN_ENOMEM.
 */
#ifndef PCN_VIEWS_FINANCE_H
#define PCN_VIEWS_FINANCE_H

#include <stdint.h>

#include "pcn/error.h"
#include "pcn/finance.h"
#include "pcn/store_workforce.h"
#include "pcn/table.h"

/*
 * "arrs_claims": post (register index), id, person, role, band, wte,
 * employer, budget, months (with a claim), cost, maximum, claim,
 * unreimbursed (cost - claim) and flags (space-separated:
 * cost_above_cap, derived_cap, unknown_cap, not_eligible, person_capped,
 * london_national); one row per claim.
 */
enum pcn_err pcn_view_arrs_claims(const struct pcn_arrs *a, const struct pcn_staff *s,
                                  struct pcn_table **ret);

/*
 * "arrs_budget": budget (key), name, known, estimate, allocation, amount,
 * to_date, rest, total, reimbursable, headroom, months_left,
 * headroom_a_month, runs_out (month or null), as_of; one row per budget.
 */
enum pcn_err pcn_view_arrs_budget(const struct pcn_arrs *a, struct pcn_table **ret);

/*
 * "arrs_months": month, budget, claimed, cumulative, amount (the budget),
 * to_date (the month is on or before the as-of month); one row per
 * budget and month, for the chart of budget used against the budget line.
 */
enum pcn_err pcn_view_arrs_months(const struct pcn_arrs *a, struct pcn_table **ret);

/*
 * "arrs_claim_export": the monthly claim to the commissioner, one row per
 * post and month with a claim: pcn_code, pcn_name, claim_month, staff_id,
 * staff_name, role, afc_band, wte, employer, employer_name, start_date,
 * end_date, actual_cost, maximum_reimbursable, amount_claimed, budget,
 * notes (docs/formats.md, "ARRS claim export").
 */
enum pcn_err pcn_view_arrs_claim_export(const struct pcn_arrs *a, const struct pcn_staff *s,
                                        const char *pcn_code, const char *pcn_name,
                                        struct pcn_table **ret);

/*
 * "des_income": line, name, paid, amount, known, estimate, assumed,
 * part_of, basis; then a row "total" (known lines but ARRS budgets) and
 * a row "total_assured" (monthly lines).
 */
enum pcn_err pcn_view_des_income(const struct pcn_income *inc, struct pcn_table **ret);

/*
 * "distribution": practice, name, line, method, amount, estimate; one row
 * per member and shared line, then per member a row with line "total";
 * then one row per top-slice with practice null and line "slice:LABEL".
 */
enum pcn_err pcn_view_distribution(const struct pcn_distribution *d, struct pcn_table **ret);

/*
 * "what_if": role, band, wte, start, end, budget, added, headroom_before,
 * headroom_after, runs_out_before, runs_out_after, fits; one row.
 */
enum pcn_err pcn_view_what_if(const struct pcn_arrs *a, const struct pcn_hire *h,
                              const struct pcn_what_if *w, struct pcn_table **ret);

/*
 * "finance_inputs": kind, line, value, practice, label; first one row of
 * kind "input" per saved input (line version, adjusted, weighted, beds,
 * iif_points, caip_percent, london; value null when unknown), then each
 * allocation and agreement rule as stored.
 */
enum pcn_err pcn_view_finance_inputs(const struct pcn_store_finance *f,
                                     const struct pcn_store_finance_item *items, size_t n,
                                     struct pcn_table **ret);

#endif /* PCN_VIEWS_FINANCE_H */
