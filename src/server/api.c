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

/* The staff register and the network's money: those who run them (PRODUCT.md). */
#define PCN_ROLES_FINANCE                                                                          \
    (PCN_ROLE_BIT(PCN_ROLE_CLINICAL_DIRECTOR) | PCN_ROLE_BIT(PCN_ROLE_PRACTICE_MANAGER))

/* Every network's year: also the ICB's analyst (aggregates across networks). */
#define PCN_ROLES_FINANCE_ICB (PCN_ROLES_FINANCE | PCN_ROLE_BIT(PCN_ROLE_ANALYST))

/* Social prescribing: who keeps the directory and who works referrals (the handlers narrow
   practice managers to their practice's patients and link workers to their own caseload). */
#define PCN_ROLES_SP_WORK                                                                          \
    (PCN_ROLE_BIT(PCN_ROLE_CLINICAL_DIRECTOR) | PCN_ROLE_BIT(PCN_ROLE_PRACTICE_MANAGER) |          \
     PCN_ROLE_BIT(PCN_ROLE_LINK_WORKER))
#define PCN_ROLES_SP_ASSIGN                                                                        \
    (PCN_ROLE_BIT(PCN_ROLE_CLINICAL_DIRECTOR) | PCN_ROLE_BIT(PCN_ROLE_PRACTICE_MANAGER))
#define SP_WRITE (PCN_ROUTE_FLAG_BODY | PCN_ROUTE_FLAG_AUDIT)
/* The engagement module: who manages groups and members, who records engagement. */
#define PCN_ROLES_PPG_STAFF                                                                        \
    (PCN_ROLE_BIT(PCN_ROLE_CLINICAL_DIRECTOR) | PCN_ROLE_BIT(PCN_ROLE_PRACTICE_MANAGER))
#define PCN_ROLES_PPG_WRITE (PCN_ROLES_PPG_STAFF | PCN_ROLE_BIT(PCN_ROLE_PPG_MEMBER))
#define PPG_WRITE (PCN_ROUTE_FLAG_BODY | PCN_ROUTE_FLAG_AUDIT)

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
    ROUTE("GET", "/api/v1/workforce", pcn__api_workforce, PCN_ROLES_FINANCE, PCN_ROUTE_FLAG_CACHE),
    ROUTE("POST", "/api/v1/workforce", pcn__api_workforce_add, PCN_ROLES_FINANCE,
          PCN_ROUTE_FLAG_AUDIT | PCN_ROUTE_FLAG_BODY),
    ROUTE("GET", "/api/v1/workforce/summary", pcn__api_workforce_summary, PCN_ROLES_DATA,
          PCN_ROUTE_FLAG_CACHE),
    ROUTE("GET", "/api/v1/workforce/compare", pcn__api_workforce_compare, PCN_ROLES_DATA,
          PCN_ROUTE_FLAG_CACHE),
    ROUTE("POST", "/api/v1/workforce/{id}/end", pcn__api_workforce_end, PCN_ROLES_FINANCE,
          PCN_ROUTE_FLAG_AUDIT | PCN_ROUTE_FLAG_BODY),
    ROUTE("GET", "/api/v1/finance", pcn__api_finance, PCN_ROLES_FINANCE, PCN_ROUTE_FLAG_CACHE),
    ROUTE("GET", "/api/v1/finance/claims", pcn__api_finance_claims, PCN_ROLES_FINANCE,
          PCN_ROUTE_FLAG_CACHE),
    ROUTE("GET", "/api/v1/finance/claims/export", pcn__api_finance_export, PCN_ROLES_FINANCE,
          PCN_ROUTE_FLAG_AUDIT),
    ROUTE("GET", "/api/v1/finance/distribution", pcn__api_finance_distribution, PCN_ROLES_FINANCE,
          PCN_ROUTE_FLAG_CACHE),
    ROUTE("GET", "/api/v1/finance/what-if", pcn__api_finance_what_if, PCN_ROLES_FINANCE,
          PCN_ROUTE_FLAG_CACHE),
    ROUTE("GET", "/api/v1/finance/networks", pcn__api_finance_networks, PCN_ROLES_FINANCE_ICB,
          PCN_ROUTE_FLAG_CACHE),
    ROUTE("POST", "/api/v1/finance/inputs", pcn__api_finance_inputs, PCN_ROLES_FINANCE,
          PCN_ROUTE_FLAG_AUDIT | PCN_ROUTE_FLAG_BODY),
    ROUTE("GET", "/api/v1/users", pcn__api_users, PCN_ROLES_ADMIN, 0),
    ROUTE("POST", "/api/v1/users", pcn__api_user_add, PCN_ROLES_ADMIN,
          PCN_ROUTE_FLAG_BODY | PCN_ROUTE_FLAG_AUDIT),
    ROUTE("POST", "/api/v1/users/{name}/disable", pcn__api_user_disable, PCN_ROLES_ADMIN,
          PCN_ROUTE_FLAG_AUDIT),
    ROUTE("GET", "/api/v1/audit", pcn__api_audit, PCN_ROLES_ADMIN, 0),
    ROUTE("GET", "/api/v1/audit/verify", pcn__api_audit_verify, PCN_ROLES_ADMIN, 0),
    /* social prescribing: the directory */
    ROUTE("GET", "/api/v1/sp/assets", pcn__api_sp_assets, PCN_ROLES_DATA, 0),
    ROUTE("GET", "/api/v1/sp/assets/export", pcn__api_sp_assets_export, PCN_ROLES_DATA, 0),
    ROUTE("GET", "/api/v1/sp/assets/{id}", pcn__api_sp_asset, PCN_ROLES_DATA, 0),
    ROUTE("POST", "/api/v1/sp/assets", pcn__api_sp_asset_add, PCN_ROLES_SP_WORK, SP_WRITE),
    ROUTE("POST", "/api/v1/sp/assets/import", pcn__api_sp_assets_import, PCN_ROLES_SP_WORK,
          SP_WRITE),
    ROUTE("POST", "/api/v1/sp/assets/{id}", pcn__api_sp_asset_update, PCN_ROLES_SP_WORK, SP_WRITE),
    ROUTE("GET", "/api/v1/sp/patients/{key}/assets", pcn__api_sp_patient_assets, PCN_ROLES_PATIENT,
          PCN_ROUTE_FLAG_AUDIT),
    /* social prescribing: referrals (patient-level, audited) */
    ROUTE("GET", "/api/v1/sp/referrals", pcn__api_sp_referrals, PCN_ROLES_PATIENT,
          PCN_ROUTE_FLAG_AUDIT),
    ROUTE("GET", "/api/v1/sp/caseload", pcn__api_sp_caseload, PCN_ROLES_SP_WORK,
          PCN_ROUTE_FLAG_AUDIT),
    ROUTE("GET", "/api/v1/sp/referrals/{id}", pcn__api_sp_referral, PCN_ROLES_PATIENT,
          PCN_ROUTE_FLAG_AUDIT),
    ROUTE("POST", "/api/v1/sp/referrals", pcn__api_sp_refer, PCN_ROLES_PATIENT, SP_WRITE),
    ROUTE("POST", "/api/v1/sp/referrals/{id}/move", pcn__api_sp_move, PCN_ROLES_SP_WORK, SP_WRITE),
    ROUTE("POST", "/api/v1/sp/referrals/{id}/assign", pcn__api_sp_assign, PCN_ROLES_SP_ASSIGN,
          SP_WRITE),
    ROUTE("POST", "/api/v1/sp/referrals/{id}/plan", pcn__api_sp_plan, PCN_ROLES_SP_WORK, SP_WRITE),
    ROUTE("POST", "/api/v1/sp/referrals/{id}/contacts", pcn__api_sp_contact, PCN_ROLES_SP_WORK,
          SP_WRITE),
    ROUTE("POST", "/api/v1/sp/referrals/{id}/goals", pcn__api_sp_goal_add, PCN_ROLES_SP_WORK,
          SP_WRITE),
    ROUTE("POST", "/api/v1/sp/referrals/{id}/goals/{goal}", pcn__api_sp_goal_update,
          PCN_ROLES_SP_WORK, SP_WRITE),
    ROUTE("POST", "/api/v1/sp/referrals/{id}/connections", pcn__api_sp_connect, PCN_ROLES_SP_WORK,
          SP_WRITE),
    ROUTE("POST", "/api/v1/sp/referrals/{id}/connections/{connection}",
          pcn__api_sp_connection_update, PCN_ROLES_SP_WORK, SP_WRITE),
    ROUTE("POST", "/api/v1/sp/referrals/{id}/outcomes", pcn__api_sp_outcome_add, PCN_ROLES_SP_WORK,
          SP_WRITE),
    /* social prescribing: outcomes and reports (aggregates suppressed for aggregate-only roles) */
    ROUTE("GET", "/api/v1/sp/outcomes", pcn__api_sp_outcomes, PCN_ROLES_DATA, 0),
    ROUTE("GET", "/api/v1/sp/outcomes/people", pcn__api_sp_outcome_people, PCN_ROLES_PATIENT,
          PCN_ROUTE_FLAG_AUDIT),
    ROUTE("GET", "/api/v1/sp/reports/{name}", pcn__api_sp_report, PCN_ROLES_DATA, 0),
    /* patient partnership (api_ppg.c): not cached, its writes leave the data version alone */
    ROUTE("GET", "/api/v1/ppg/groups", pcn__api_ppg_groups, PCN_ROLES_DATA, 0),
    ROUTE("POST", "/api/v1/ppg/groups", pcn__api_ppg_group_add, PCN_ROLES_PPG_STAFF, PPG_WRITE),
    ROUTE("POST", "/api/v1/ppg/groups/{id}", pcn__api_ppg_group_update, PCN_ROLES_PPG_STAFF,
          PPG_WRITE),
    ROUTE("GET", "/api/v1/ppg/groups/{id}/members", pcn__api_ppg_members, PCN_ROLES_PPG_WRITE,
          PCN_ROUTE_FLAG_AUDIT),
    ROUTE("POST", "/api/v1/ppg/groups/{id}/members", pcn__api_ppg_member_add, PCN_ROLES_PPG_STAFF,
          PPG_WRITE),
    ROUTE("POST", "/api/v1/ppg/members/{id}", pcn__api_ppg_member_update, PCN_ROLES_PPG_STAFF,
          PPG_WRITE),
    ROUTE("POST", "/api/v1/ppg/members/{id}/leave", pcn__api_ppg_member_leave, PCN_ROLES_PPG_STAFF,
          PPG_WRITE),
    ROUTE("POST", "/api/v1/ppg/members/{id}/withdraw-consent", pcn__api_ppg_member_withdraw,
          PCN_ROLES_PPG_STAFF, PPG_WRITE),
    ROUTE("GET", "/api/v1/ppg/activities", pcn__api_ppg_activities, PCN_ROLES_DATA, 0),
    ROUTE("POST", "/api/v1/ppg/activities", pcn__api_ppg_activity_add, PCN_ROLES_PPG_WRITE,
          PPG_WRITE),
    ROUTE("POST", "/api/v1/ppg/activities/{id}", pcn__api_ppg_activity_update, PCN_ROLES_PPG_WRITE,
          PPG_WRITE),
    ROUTE("GET", "/api/v1/ppg/feedback", pcn__api_ppg_feedback, PCN_ROLES_DATA, 0),
    ROUTE("POST", "/api/v1/ppg/feedback", pcn__api_ppg_feedback_add, PCN_ROLES_PPG_WRITE,
          PPG_WRITE),
    ROUTE("POST", "/api/v1/ppg/feedback/{id}", pcn__api_ppg_feedback_update, PCN_ROLES_PPG_WRITE,
          PPG_WRITE),
    ROUTE("GET", "/api/v1/ppg/changes", pcn__api_ppg_changes, PCN_ROLES_DATA, 0),
    ROUTE("GET", "/api/v1/ppg/changes/{id}", pcn__api_ppg_change, PCN_ROLES_DATA, 0),
    ROUTE("POST", "/api/v1/ppg/changes", pcn__api_ppg_change_add, PCN_ROLES_PPG_STAFF, PPG_WRITE),
    ROUTE("POST", "/api/v1/ppg/changes/{id}", pcn__api_ppg_change_update, PCN_ROLES_PPG_STAFF,
          PPG_WRITE),
    ROUTE("POST", "/api/v1/ppg/changes/{id}/involvement", pcn__api_ppg_involvement_add,
          PCN_ROLES_PPG_WRITE, PPG_WRITE),
    ROUTE("POST", "/api/v1/ppg/involvement/{id}/remove", pcn__api_ppg_involvement_remove,
          PCN_ROLES_PPG_WRITE, PCN_ROUTE_FLAG_AUDIT),
    ROUTE("GET", "/api/v1/ppg/representativeness", pcn__api_ppg_representativeness, PCN_ROLES_DATA,
          0),
    ROUTE("GET", "/api/v1/ppg/ladder", pcn__api_ppg_ladder, PCN_ROLES_DATA, 0),
    ROUTE("GET", "/api/v1/ppg/coproduction", pcn__api_ppg_coproduction, PCN_ROLES_DATA, 0),
    /* what a network publishes: no sign-in, rate-limited per address, published items only */
    ROUTE("GET", "/api/v1/public/{network}/you-said-we-did", pcn__api_public_feedback, 0,
          PCN_ROUTE_FLAG_PUBLIC),
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
