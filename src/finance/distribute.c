/*
 * distribute.c - the network agreement: how a year's DES income is shared
 * among member practices. Top-slices come off first (a fixed sum, a
 * percentage of a line, or the network's staff costs that ARRS does not
 * meet; a slice on "all" is spread over the lines in proportion to their
 * income), then each line's remainder is split by its method with the
 * largest-remainder rule, so every practice's pennies add up to the line.
 */
#include "pcn/finance.h"

#include <stdio.h>
#include <string.h>

#include "finance_int.h"
#include "pcn/alloc.h"
#include "pcn/csv.h"
#include "pcn/money.h"
#include "pcn/vec.h"
#include "util/common.h"

static const char *const method_names[] = {"registered", "weighted", "fixed", "equal"};

const char *pcn_share_method_name(enum pcn_share_method m)
{
    return pcn__name_at(method_names, PCN_ARRAY_SIZE(method_names), (int)m);
}

enum pcn_err pcn_share_method_parse(const char *s, enum pcn_share_method *ret)
{
    int v = pcn__name_index(method_names, PCN_ARRAY_SIZE(method_names), s);

    if (v < 0)
        return PCN_EINVAL;
    *ret = (enum pcn_share_method)v;
    return PCN_OK;
}

/* ---- the agreement ---- */

struct method_rule {
    char *line;
    enum pcn_share_method method;
};

struct slice_rule {
    char *line; /* "all" or a line key */
    char *label;
    int64_t pence;
    int64_t percent_bp; /* < 0: a fixed amount */
    bool is_staff;
};

struct share_rule {
    char *practice;
    int64_t bp;
};

struct pcn_agreement {
    enum pcn_share_method method; /* for lines without their own */
    struct method_rule *methods;
    size_t n_methods;
    size_t methods_alloc;
    struct slice_rule *slices;
    size_t n_slices;
    size_t slices_alloc;
    struct share_rule *shares;
    size_t n_shares;
    size_t shares_alloc;
};

struct pcn_agreement *pcn_agreement_new(void)
{
    return pcn_calloc(1, sizeof(struct pcn_agreement));
}

void pcn_agreement_free(struct pcn_agreement *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n_methods; i++)
        pcn_free(a->methods[i].line);
    for (size_t i = 0; i < a->n_slices; i++) {
        pcn_free(a->slices[i].line);
        pcn_free(a->slices[i].label);
    }
    for (size_t i = 0; i < a->n_shares; i++)
        pcn_free(a->shares[i].practice);
    pcn_free(a->methods);
    pcn_free(a->slices);
    pcn_free(a->shares);
    pcn_free(a);
}

static bool is_all(const char *line)
{
    return !line || !line[0] || strcmp(line, "all") == 0;
}

enum pcn_err pcn_agreement_set_method(struct pcn_agreement *a, const char *line,
                                      enum pcn_share_method m)
{
    enum pcn_err rc;

    if (is_all(line)) {
        a->method = m;
        return PCN_OK;
    }
    for (size_t i = 0; i < a->n_methods; i++) {
        if (strcmp(a->methods[i].line, line) == 0) {
            a->methods[i].method = m;
            return PCN_OK;
        }
    }
    rc = PCN_GROW(a->methods, a->n_methods + 1, a->methods_alloc);
    if (rc != PCN_OK)
        return rc;
    a->methods[a->n_methods].line = pcn_strdup(line);
    a->methods[a->n_methods].method = m;
    if (!a->methods[a->n_methods].line)
        return PCN_ENOMEM;
    a->n_methods++;
    return PCN_OK;
}

enum pcn_err pcn_agreement_add_slice(struct pcn_agreement *a, const char *line, const char *label,
                                     int64_t pence, int64_t percent_bp, int is_unreimbursed_staff)
{
    struct slice_rule *r;
    enum pcn_err rc = PCN_GROW(a->slices, a->n_slices + 1, a->slices_alloc);

    if (rc != PCN_OK)
        return rc;
    if (pence < 0 || percent_bp > 10000)
        return PCN_EINVAL;
    r = &a->slices[a->n_slices];
    r->line = pcn_strdup(is_all(line) ? "all" : line);
    r->label = pcn_strdup(label ? label : "");
    r->pence = pence;
    r->percent_bp = percent_bp;
    r->is_staff = is_unreimbursed_staff != 0;
    if (!r->line || !r->label) {
        pcn_free(r->line);
        pcn_free(r->label);
        return PCN_ENOMEM;
    }
    a->n_slices++;
    return PCN_OK;
}

enum pcn_err pcn_agreement_set_share(struct pcn_agreement *a, const char *practice,
                                     int64_t share_bp)
{
    enum pcn_err rc;

    if (share_bp < 0 || share_bp > 10000)
        return PCN_EINVAL;
    for (size_t i = 0; i < a->n_shares; i++) {
        if (strcmp(a->shares[i].practice, practice) == 0) {
            a->shares[i].bp = share_bp;
            return PCN_OK;
        }
    }
    rc = PCN_GROW(a->shares, a->n_shares + 1, a->shares_alloc);
    if (rc != PCN_OK)
        return rc;
    a->shares[a->n_shares].practice = pcn_strdup(practice);
    a->shares[a->n_shares].bp = share_bp;
    if (!a->shares[a->n_shares].practice)
        return PCN_ENOMEM;
    a->n_shares++;
    return PCN_OK;
}

/* "40%", "12.5%", "33.33%" into hundredths of a percent. */
static enum pcn_err parse_percent(const char *s, int64_t *ret)
{
    size_t len = strlen(s);
    int64_t pence_like;

    if (len < 2 || s[len - 1] != '%')
        return PCN_EINVAL;
    /* two decimals of a percent read exactly like pence: "12.5" -> 1250 */
    if (pcn_pence_parse(s, len - 1, &pence_like) != PCN_OK || pence_like < 0 || pence_like > 10000)
        return PCN_EINVAL;
    *ret = pence_like;
    return PCN_OK;
}

enum agreement_col { A_RULE, A_LINE, A_VALUE, A_PRACTICE, A_LABEL, A_COUNT_ };
static const char *const agreement_cols[] = {"rule", "line", "value", "practice", "label"};

enum pcn_err pcn_agreement_add_rule(struct pcn_agreement *a, const char *rule, const char *line,
                                    const char *value, const char *practice, const char *label,
                                    struct pcn_error *reterr)
{
    enum pcn_share_method m;
    int64_t v;

    if (strcmp(rule, "method") == 0) {
        if (pcn_share_method_parse(value, &m) != PCN_OK)
            return pcn_error_set(reterr, PCN_EPARSE,
                                 "method '%s' is not registered, weighted, fixed or equal", value);
        return pcn_agreement_set_method(a, line, m);
    }
    if (strcmp(rule, "top_slice") == 0) {
        if (strcmp(value, "unreimbursed_staff") == 0)
            return pcn_agreement_add_slice(a, line, label, 0, -1, 1);
        if (parse_percent(value, &v) == PCN_OK)
            return pcn_agreement_add_slice(a, line, label, 0, v, 0);
        if (pcn_pence_parse(value, strlen(value), &v) == PCN_OK && v >= 0)
            return pcn_agreement_add_slice(a, line, label, v, -1, 0);
        return pcn_error_set(reterr, PCN_EPARSE,
                             "top_slice value '%s' is not pounds, a percentage or "
                             "unreimbursed_staff",
                             value);
    }
    if (strcmp(rule, "share") == 0) {
        if (!practice || !practice[0] || parse_percent(value, &v) != PCN_OK)
            return pcn_error_set(reterr, PCN_EPARSE,
                                 "share needs a practice and a percentage such as 25%%");
        return pcn_agreement_set_share(a, practice, v);
    }
    return pcn_error_set(reterr, PCN_EPARSE, "rule '%s' is not method, top_slice or share", rule);
}

static enum pcn_err agreement_row(struct pcn_agreement *a, struct pcn_csv *c,
                                  const struct pcn__cols *cols, struct pcn_error *reterr)
{
    enum pcn_err rc = pcn_agreement_add_rule(
        a, pcn__cell(c, cols, A_RULE, NULL), pcn__cell(c, cols, A_LINE, NULL),
        pcn__cell(c, cols, A_VALUE, NULL), pcn__cell(c, cols, A_PRACTICE, NULL),
        pcn__cell(c, cols, A_LABEL, NULL), reterr);

    if (rc == PCN_EPARSE)
        pcn_error_prefix(reterr, "%s:%lu: ", pcn_csv_name(c), pcn_csv_line(c));
    return rc;
}

enum pcn_err pcn__agreement_read(struct pcn_agreement *a, struct pcn_csv *c,
                                 struct pcn_error *reterr)
{
    struct pcn__cols cols;
    enum pcn_err rc = pcn__cols_read(c, &cols, agreement_cols, A_COUNT_, A_VALUE + 1, reterr);

    while (rc == PCN_OK && (rc = pcn_csv_next(c, reterr)) == PCN_OK)
        rc = agreement_row(a, c, &cols, reterr);
    if (rc == PCN_ENOMEM)
        (void)pcn_error_set(reterr, rc, "%s: out of memory", pcn_csv_name(c));
    return rc == PCN_ENOTFOUND ? PCN_OK : rc;
}

enum pcn_err pcn_agreement_load(const char *path, struct pcn_agreement **ret,
                                struct pcn_error *reterr)
{
    struct pcn_agreement *a = pcn_agreement_new();
    struct pcn_csv *c = NULL;
    enum pcn_err rc = a ? pcn_csv_open(path, &c, reterr) : PCN_ENOMEM;

    if (rc == PCN_OK)
        rc = pcn__agreement_read(a, c, reterr);
    pcn_csv_free(c);
    if (rc == PCN_OK) {
        *ret = a;
        return PCN_OK;
    }
    if (rc == PCN_ENOMEM)
        (void)pcn_error_set(reterr, rc, "%s: out of memory", path);
    pcn_agreement_free(a);
    return rc;
}

/* ---- sharing ---- */

void pcn_distribution_free(struct pcn_distribution *d)
{
    if (!d)
        return;
    pcn_free(d->lines);
    pcn_free(d->slices);
    pcn_free(d->share);
    pcn_free(d->member_total);
    pcn_free(d);
}

static enum pcn_share_method method_of(const struct pcn_agreement *a, const char *line)
{
    for (size_t i = 0; i < a->n_methods; i++) {
        if (strcmp(a->methods[i].line, line) == 0)
            return a->methods[i].method;
    }
    return a->method;
}

/* The lines that are shared: known, paid to the network, not claims, not included elsewhere. */
static enum pcn_err pick_lines(struct pcn_distribution *d, const struct pcn_income *inc,
                               const struct pcn_agreement *a)
{
    d->lines = pcn_calloc(inc->n_lines ? inc->n_lines : 1, sizeof(*d->lines));
    if (!d->lines)
        return PCN_ENOMEM;
    for (size_t i = 0; i < inc->n_lines; i++) {
        const struct pcn_income_line *l = &inc->lines[i];
        struct pcn_dist_line *dl = &d->lines[d->n_lines];
        if (!l->is_known || l->paid == PCN_PAID_CLAIMS || l->part_of[0])
            continue;
        dl->key = l->key;
        dl->name = l->name;
        dl->income = l->amount;
        dl->method = method_of(a, l->key);
        dl->is_estimate = l->is_estimate || l->is_assumed;
        d->n_lines++;
    }
    return PCN_OK;
}

static int find_dist_line(const struct pcn_distribution *d, const char *key)
{
    for (size_t i = 0; i < d->n_lines; i++) {
        if (strcmp(d->lines[i].key, key) == 0)
            return (int)i;
    }
    return -1;
}

/* Take one slice off: its amount, then its spread over the lines. */
static enum pcn_err apply_slice(struct pcn_distribution *d, const struct slice_rule *r,
                                int64_t staff, struct pcn_findings *f)
{
    struct pcn_dist_slice *s = &d->slices[d->n_slices];
    int at = strcmp(r->line, "all") == 0 ? -1 : find_dist_line(d, r->line);
    int64_t base = 0;
    int64_t *weights = NULL;
    int64_t *parts = NULL;
    enum pcn_err rc = PCN_OK;

    if (at < 0 && strcmp(r->line, "all") != 0)
        return pcn_findings_add(f, PCN_SEVERITY_ERROR, "unknown_line", r->label,
                                "top-slice on '%s', which is not a shared income line this year",
                                r->line) == PCN_OK
                   ? PCN_EINVAL
                   : PCN_ENOMEM;
    for (size_t i = 0; i < d->n_lines; i++)
        base += at < 0 || (size_t)at == i ? d->lines[i].income : 0;
    s->label = r->label;
    s->line = r->line;
    s->amount = r->is_staff ? PCN_MAX(staff, 0) : r->pence;
    if (!r->is_staff && r->percent_bp >= 0)
        rc = pcn_muldiv(base, r->percent_bp, 10000, &s->amount);
    if (rc != PCN_OK)
        return rc;
    d->n_slices++;
    if (at >= 0) {
        d->lines[at].sliced += s->amount;
        return PCN_OK;
    }
    if (s->amount == 0)
        return PCN_OK;
    weights = pcn_calloc(d->n_lines ? d->n_lines : 1, sizeof(*weights));
    parts = pcn_calloc(d->n_lines ? d->n_lines : 1, sizeof(*parts));
    if (!weights || !parts)
        rc = PCN_ENOMEM;
    for (size_t i = 0; rc == PCN_OK && i < d->n_lines; i++)
        weights[i] = PCN_MAX(d->lines[i].income, 0);
    if (rc == PCN_OK && base <= 0)
        rc = pcn_findings_add(f, PCN_SEVERITY_ERROR, "top_slice_exceeds", r->label,
                              "top-slice '%s' has no income to come off", r->label) == PCN_OK
                 ? PCN_EINVAL
                 : PCN_ENOMEM;
    if (rc == PCN_OK)
        rc = pcn_apportion(s->amount, weights, d->n_lines, parts);
    for (size_t i = 0; rc == PCN_OK && i < d->n_lines; i++)
        d->lines[i].sliced += parts[i];
    pcn_free(weights);
    pcn_free(parts);
    return rc;
}

/* The weight of each member for a method; sets *estimate for weighted on raw lists. */
static enum pcn_err member_weights(const struct pcn_distribution *d, const struct pcn_agreement *a,
                                   enum pcn_share_method m, int64_t *w, int *estimate,
                                   struct pcn_findings *f)
{
    for (size_t i = 0; i < d->n_members; i++) {
        const struct pcn_member *mb = &d->members[i];
        w[i] = m == PCN_SHARE_EQUAL ? 1 : mb->registered;
        if (m == PCN_SHARE_WEIGHTED && mb->weighted > 0)
            w[i] = mb->weighted;
        else if (m == PCN_SHARE_WEIGHTED)
            *estimate = 1;
        if (m != PCN_SHARE_FIXED)
            continue;
        w[i] = -1;
        for (size_t k = 0; k < a->n_shares; k++) {
            if (strcmp(a->shares[k].practice, mb->practice) == 0)
                w[i] = a->shares[k].bp;
        }
        if (w[i] < 0)
            return pcn_findings_add(f, PCN_SEVERITY_ERROR, "share_missing", mb->practice,
                                    "fixed shares: no share for member %s", mb->practice) == PCN_OK
                       ? PCN_EINVAL
                       : PCN_ENOMEM;
    }
    return PCN_OK;
}

/* Fixed shares must name members only and add up to 100%. */
static enum pcn_err check_shares(const struct pcn_distribution *d, const struct pcn_agreement *a,
                                 struct pcn_findings *f)
{
    int64_t sum = 0;
    bool used = false;

    for (size_t i = 0; i < d->n_lines; i++)
        used = used || d->lines[i].method == PCN_SHARE_FIXED;
    if (!used)
        return PCN_OK;
    for (size_t k = 0; k < a->n_shares; k++) {
        bool member = false;
        for (size_t i = 0; i < d->n_members; i++)
            member = member || strcmp(d->members[i].practice, a->shares[k].practice) == 0;
        if (!member)
            return pcn_findings_add(
                       f, PCN_SEVERITY_ERROR, "share_not_member", a->shares[k].practice,
                       "fixed share for %s, which is not a member", a->shares[k].practice) == PCN_OK
                       ? PCN_EINVAL
                       : PCN_ENOMEM;
        sum += a->shares[k].bp;
    }
    if (sum != 10000)
        return pcn_findings_add(f, PCN_SEVERITY_ERROR, "shares_total", "agreement",
                                "fixed shares add up to %lld.%02lld%%, not 100%%",
                                (long long)(sum / 100), (long long)(sum % 100)) == PCN_OK
                   ? PCN_EINVAL
                   : PCN_ENOMEM;
    return PCN_OK;
}

/* Split every line's remainder among the members. */
static enum pcn_err share_lines(struct pcn_distribution *d, const struct pcn_agreement *a,
                                struct pcn_findings *f)
{
    int64_t *w = pcn_calloc(d->n_members, sizeof(*w));
    int64_t *parts = pcn_calloc(d->n_members, sizeof(*parts));
    enum pcn_err rc = w && parts ? check_shares(d, a, f) : PCN_ENOMEM;

    for (size_t l = 0; l < d->n_lines && rc == PCN_OK; l++) {
        struct pcn_dist_line *dl = &d->lines[l];
        dl->shared = dl->income - dl->sliced;
        if (dl->sliced > dl->income) {
            char v1[PCN_MONEY_STR_SIZE];
            char v2[PCN_MONEY_STR_SIZE];
            pcn_pence_format(dl->sliced, v1);
            pcn_pence_format(dl->income, v2);
            rc = pcn_findings_add(f, PCN_SEVERITY_ERROR, "top_slice_exceeds", dl->key,
                                  "top-slices of %s take more than the %s income of %s", v1,
                                  dl->name, v2) == PCN_OK
                     ? PCN_EINVAL
                     : PCN_ENOMEM;
            break;
        }
        rc = member_weights(d, a, dl->method, w, &dl->is_estimate, f);
        if (rc == PCN_OK && dl->shared == 0)
            memset(parts, 0, d->n_members * sizeof(*parts));
        else if (rc == PCN_OK)
            rc = pcn_apportion(dl->shared, w, d->n_members, parts);
        for (size_t m = 0; rc == PCN_OK && m < d->n_members; m++) {
            d->share[m * d->n_lines + l] = parts[m];
            d->member_total[m] += parts[m];
        }
        d->total_shared += dl->shared;
        d->total_sliced += dl->sliced;
    }
    pcn_free(w);
    pcn_free(parts);
    return rc;
}

enum pcn_err pcn_distribute(const struct pcn_income *inc, const struct pcn_agreement *a,
                            const struct pcn_member *members, size_t n_members,
                            int64_t unreimbursed_staff, struct pcn_distribution **ret,
                            struct pcn_findings *f)
{
    struct pcn_distribution *d;
    enum pcn_err rc;

    if (n_members == 0)
        return pcn_findings_add(f, PCN_SEVERITY_ERROR, "no_members", "network",
                                "the network has no member practices to share among") == PCN_OK
                   ? PCN_EINVAL
                   : PCN_ENOMEM;
    d = pcn_calloc(1, sizeof(*d));
    if (!d)
        return PCN_ENOMEM;
    d->members = members;
    d->n_members = n_members;
    rc = pick_lines(d, inc, a);
    if (rc == PCN_OK) {
        size_t cells;
        d->slices = pcn_calloc(a->n_slices ? a->n_slices : 1, sizeof(*d->slices));
        d->member_total = pcn_calloc(n_members, sizeof(*d->member_total));
        d->share = pcn_size_mul(n_members, d->n_lines ? d->n_lines : 1, &cells)
                       ? pcn_calloc(cells, sizeof(*d->share))
                       : NULL;
        if (!d->slices || !d->member_total || !d->share)
            rc = PCN_ENOMEM;
    }
    for (size_t i = 0; i < a->n_slices && rc == PCN_OK; i++)
        rc = apply_slice(d, &a->slices[i], unreimbursed_staff, f);
    if (rc == PCN_OK)
        rc = share_lines(d, a, f);
    if (rc != PCN_OK) {
        pcn_distribution_free(d);
        return rc;
    }
    *ret = d;
    return PCN_OK;
}
