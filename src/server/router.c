/*
 * router.c - segment-by-segment matching of paths against route patterns.
 * No allocation: captures point into the path. An empty segment (a
 * doubled or trailing slash) never matches a capture, so "/a//b" and
 * "/a/b/" are not aliases of "/a/b".
 */
#include "server/router.h"

#include <string.h>

#include "util/common.h"

static size_t segment_len(const char *s)
{
    const char *slash = strchr(s, '/');
    return slash ? (size_t)(slash - s) : strlen(s);
}

bool pcn__route_path_matches(const char *pattern, const char *path, struct pcn__route_match *ret)
{
    const char *p = pattern;
    const char *u = path;
    int n = 0;

    for (;;) {
        if (*p == '\0' && *u == '\0') {
            ret->n_params = n;
            return true;
        }
        if (*p != '/' || *u != '/')
            return false;
        p++;
        u++;
        size_t plen = segment_len(p);
        size_t ulen = segment_len(u);
        if (plen >= 2 && p[0] == '{' && p[plen - 1] == '}') {
            if (ulen == 0 || n >= PCN_ROUTE_MAX_PARAMS)
                return false;
            ret->params[n].s = u;
            ret->params[n].len = ulen;
            n++;
        } else if (plen != ulen || memcmp(p, u, plen) != 0) {
            return false;
        }
        p += plen;
        u += ulen;
    }
}

enum pcn__route_result pcn__route_find(const struct pcn__route *table, size_t n, const char *method,
                                       const char *path, struct pcn__route_match *ret)
{
    bool path_seen = false;
    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;

    ret->route = NULL;
    ret->n_params = 0;
    for (size_t i = 0; i < n; i++) {
        struct pcn__route_match cand = {0};
        if (!pcn__route_path_matches(table[i].pattern, path, &cand))
            continue;
        if (strcmp(table[i].method, m) != 0) {
            path_seen = true;
            continue;
        }
        *ret = cand;
        ret->route = &table[i];
        return PCN_ROUTE_FOUND;
    }
    return path_seen ? PCN_ROUTE_BAD_METHOD : PCN_ROUTE_NOT_FOUND;
}
