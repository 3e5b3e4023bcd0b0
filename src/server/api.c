/*
 * api.c - the route table of /api/v1 (who may call what, which routes are
 * audited and cached) and the health check. docs/api.md documents every
 * route listed here; tests/integration/test_server.py calls each of them.
 */
#include "server/population.h"

#include "util/common.h"

#define ROUTE(m, p, h, roles, flags)                                                               \
    {                                                                                              \
        m, p, &(const struct pcn__route_info)                                                      \
        {                                                                                          \
            h, roles, flags                                                                        \
        }                                                                                          \
    }

/* Patient-level roles; the handler narrows practice managers and link workers. */
#define PCN_ROLES_PATIENT                                                                          \
    (PCN_ROLE_BIT(PCN_ROLE_CLINICAL_DIRECTOR) | PCN_ROLE_BIT(PCN_ROLE_PRACTICE_MANAGER) |          \
     PCN_ROLE_BIT(PCN_ROLE_CLINICIAN) | PCN_ROLE_BIT(PCN_ROLE_LINK_WORKER))

/* Worklists: clinical roles network-wide, practice managers their practice's rows. */
#define PCN_ROLES_WORKLIST                                                                         \
    (PCN_ROLE_BIT(PCN_ROLE_CLINICAL_DIRECTOR) | PCN_ROLE_BIT(PCN_ROLE_PRACTICE_MANAGER) |          \
     PCN_ROLE_BIT(PCN_ROLE_CLINICIAN))

const struct pcn__route pcn__api_routes[] = {
    ROUTE("GET", "/api/v1/health", pcn__api_health, 0, PCN_ROUTE_FLAG_PUBLIC),
    ROUTE("POST", "/api/v1/login", pcn__api_login, 0,
          PCN_ROUTE_FLAG_PUBLIC | PCN_ROUTE_FLAG_BODY | PCN_ROUTE_FLAG_AUDIT),
    ROUTE("POST", "/api/v1/logout", pcn__api_logout, PCN_ROLES_ALL, PCN_ROUTE_FLAG_AUDIT),
    ROUTE("GET", "/api/v1/me", pcn__api_me, PCN_ROLES_ALL, 0),
    ROUTE("GET", "/api/v1/network", pcn__api_network, PCN_ROLES_DATA, PCN_ROUTE_FLAG_CACHE),
    ROUTE("GET", "/api/v1/networks", pcn__api_networks, PCN_ROLES_DATA, PCN_ROUTE_FLAG_CACHE),
    ROUTE("GET", "/api/v1/practices", pcn__api_practices, PCN_ROLES_DATA, PCN_ROUTE_FLAG_CACHE),
    ROUTE("GET", "/api/v1/practices/{code}", pcn__api_practice, PCN_ROLES_DATA,
          PCN_ROUTE_FLAG_CACHE),
    ROUTE("GET", "/api/v1/patients/{key}", pcn__api_patient, PCN_ROLES_PATIENT,
          PCN_ROUTE_FLAG_AUDIT),
    ROUTE("GET", "/api/v1/reports/{name}", pcn__api_report, PCN_ROLES_DATA,
          PCN_ROUTE_FLAG_CACHE | PCN_ROUTE_FLAG_DEFS),
    ROUTE("GET", "/api/v1/indicators", pcn__api_indicators, PCN_ROLES_DATA,
          PCN_ROUTE_FLAG_CACHE | PCN_ROUTE_FLAG_DEFS),
    ROUTE("GET", "/api/v1/worklists", pcn__api_worklists, PCN_ROLES_WORKLIST,
          PCN_ROUTE_FLAG_CACHE | PCN_ROUTE_FLAG_DEFS),
    ROUTE("GET", "/api/v1/worklists/{name}", pcn__api_worklist, PCN_ROLES_WORKLIST,
          PCN_ROUTE_FLAG_AUDIT),
    ROUTE("GET", "/api/v1/users", pcn__api_users, PCN_ROLES_ADMIN, 0),
    ROUTE("POST", "/api/v1/users", pcn__api_user_add, PCN_ROLES_ADMIN,
          PCN_ROUTE_FLAG_BODY | PCN_ROUTE_FLAG_AUDIT),
    ROUTE("POST", "/api/v1/users/{name}/disable", pcn__api_user_disable, PCN_ROLES_ADMIN,
          PCN_ROUTE_FLAG_AUDIT),
    ROUTE("GET", "/api/v1/audit", pcn__api_audit, PCN_ROLES_ADMIN, 0),
    ROUTE("GET", "/api/v1/audit/verify", pcn__api_audit_verify, PCN_ROLES_ADMIN, 0),
};
const size_t pcn__api_n_routes = PCN_ARRAY_SIZE(pcn__api_routes);

int pcn__api_health(struct pcn__request *r)
{
    int64_t version = 0, snap_version = -1;
    uint64_t defs_version = 0, compiles = 0;
    const char *population;
    enum pcn_err rc;

    if (!pcn__check_query(r, NULL))
        return 0;
    rc = pcn_store_data_version(r->store, &version);
    if (rc != PCN_OK)
        return pcn__reply_store_error(r, rc);
    population = pcn__engine_state(r->srv->engine, version, &snap_version);
    pcn__defs_stats(pcn__engine_defs(r->srv->engine), &defs_version, &compiles);
    return pcn__reply_json(
        r, 200,
        json_pack("{s:s,s:i,s:I,s:{s:s,s:o},s:{s:I,s:I}}", "status", "ok", "schema_version",
                  pcn_store_schema_version(r->store), "data_version", (json_int_t)version,
                  "population", "state", population, "data_version",
                  snap_version < 0 ? json_null() : json_integer((json_int_t)snap_version),
                  "definitions", "version", (json_int_t)defs_version, "compiles",
                  (json_int_t)compiles));
}
