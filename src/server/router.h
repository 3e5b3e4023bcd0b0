/*
 * router.h - matching request paths against route patterns. A pattern is
 * a path whose segments are literal or "{name}" (one non-empty segment,
 * captured). Tables are searched in order; the first pattern that matches
 * the path decides, and a path that matches only under other methods is a
 * 405, not a 404.
 */
#ifndef PCN_SERVER_ROUTER_H
#define PCN_SERVER_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#define PCN_ROUTE_MAX_PARAMS 4

struct pcn__route {
    const char *method;  /* "GET", "POST", ... */
    const char *pattern; /* "/api/v1/practices/{code}" */
    const void *data;    /* the caller's: handler, roles, flags */
};

/* A captured segment: points into the matched path (not NUL-terminated). */
struct pcn__route_param {
    const char *s;
    size_t len;
};

struct pcn__route_match {
    const struct pcn__route *route; /* NULL when nothing matched */
    struct pcn__route_param params[PCN_ROUTE_MAX_PARAMS];
    int n_params;
};

enum pcn__route_result {
    PCN_ROUTE_FOUND,
    PCN_ROUTE_NOT_FOUND,
    PCN_ROUTE_BAD_METHOD,
};

/* Does path match pattern? Fills ret's params when it does. */
bool pcn__route_path_matches(const char *pattern, const char *path, struct pcn__route_match *ret);

/* Find the route for (method, path) in a table of n routes. HEAD matches GET routes. */
enum pcn__route_result pcn__route_find(const struct pcn__route *table, size_t n, const char *method,
                                       const char *path, struct pcn__route_match *ret);

#endif /* PCN_SERVER_ROUTER_H */
