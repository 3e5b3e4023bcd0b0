/*
 * api_reports.c - GET /reports/{name} and GET /indicators: the engine's
 * aggregate results for a definition or a kind, as `pcn report NAME
 * --format json` prints them, without worklists (patient-level: they are
 * under /worklists), a page of the results at a time. Small numbers are
 * suppressed for aggregate-only roles. The handler parses the parameters
 * and lays out the page; evaluation, and keeping the results for the next
 * request, is population.c's.
 */
#include "server/population.h"

#include <string.h>

#include "util/common.h"

/* The page [offset, offset + limit) of the aggregate results, each JSON object after a comma. */
static enum pcn_err render_page(const struct pcn_results *res, int64_t offset, int64_t limit,
                                struct pcn_buf *out, int64_t *ret_seen)
{
    int64_t seen = 0;
    enum pcn_err rc = pcn_results_render_head(res, out);

    for (size_t i = 0; rc == PCN_OK && i < pcn_results_count(res); i++) {
        const struct pcn_result *one = pcn_results_at(res, i);
        if (pcn_result_kind(one) == PCN_RESULT_WORKLIST)
            continue;
        seen++;
        if (seen <= offset || seen > offset + limit)
            continue;
        if (seen > offset + 1)
            rc = pcn_buf_addch(out, ',');
        if (rc == PCN_OK)
            rc = pcn_result_render(res, one, PCN_FORMAT_JSON, out);
    }
    if (rc == PCN_OK)
        rc = pcn_buf_addf(out, "],\"total\":%lld,\"limit\":%lld,\"offset\":%lld}", (long long)seen,
                          (long long)limit, (long long)offset);
    *ret_seen = seen;
    return rc;
}

/*
 * Aggregate results without any worklist (patient-level) result, a page of
 * them (limit, offset) with their total.
 */
static int reply_report(struct pcn__request *r, const char *select)
{
    static const char *const params[] = {"as_of", "by", "limit", "offset", NULL};
    struct pcn_eval_options o;
    struct pcn__program_ref *p;
    const struct pcn_results *res;
    struct pcn_error err;
    struct pcn_buf *out;
    int64_t limit;
    int64_t offset;
    int64_t seen = 0;
    enum pcn_err rc;

    if (!pcn__check_query(r, params) || !pcn__query_eval_options(r, &o) ||
        !pcn__query_int(r, "limit", 1, r->srv->cfg.max_page, 100, &limit) ||
        !pcn__query_int(r, "offset", 0, INT32_MAX, 0, &offset))
        return 0;
    if (!select || !pcn__name_is_plain(select))
        return pcn__reply_error(r, 404, "not_found", "no such report");
    p = pcn__request_program(r);
    if (!p)
        return 0;
    if (pcn_program_match(pcn__program_of(p), select, NULL, &err) != PCN_OK)
        return pcn__reply_error(r, 404, "not_found", "%s", err.msg);
    res = pcn__request_results(r, p, select, &o);
    if (!res)
        return 0;
    out = pcn__reply_buf_new(r);
    if (!out)
        return pcn__reply_error(r, 503, "unavailable", "out of memory");
    rc = render_page(res, offset, limit, out, &seen);
    if (rc == PCN_OK && seen == 0)
        return pcn__reply_error(r, 404, "not_found",
                                "'%s' has no aggregate results (worklists are under "
                                "/api/v1/worklists/)",
                                select);
    if (rc != PCN_OK)
        return pcn__reply_store_error(r, rc);
    return pcn__reply_raw(r, 200, "application/json", out->buf, out->len);
}

int pcn__api_report(struct pcn__request *r)
{
    return reply_report(r, pcn__param(r, 0));
}

int pcn__api_indicators(struct pcn__request *r)
{
    return reply_report(r, "indicators");
}
