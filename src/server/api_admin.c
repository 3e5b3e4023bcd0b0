/*
 * api_admin.c - administration over HTTP (admin role only): list, add and
 * disable users, read the audit log page by page (the result tables of
 * `pcn user list` and `pcn audit list`, pcn/views.h) and verify its hash
 * chain. Writes and their audit rows commit together.
 */
#include "server/server_int.h"

#include <string.h>

#include "pcn/audit.h"
#include "pcn/date.h"
#include "pcn/validate.h"
#include "pcn/views.h"
#include "util/common.h"

int pcn__api_users(struct pcn__request *r)
{
    static const char *const params[] = {"limit", "offset", NULL};
    struct pcn_view_opts o = {0};
    struct pcn_view_totals totals = {0, 0};
    struct pcn_table *t = NULL;
    enum pcn_err rc;

    if (!pcn__check_query(r, params) ||
        !pcn__query_int(r, "limit", 1, r->srv->cfg.max_page, 100, &o.limit) ||
        !pcn__query_int(r, "offset", 0, INT32_MAX, 0, &o.offset))
        return 0;
    rc = pcn_view_users(r->store, &o, &t, &totals);
    return pcn__reply_table(r, rc, t,
                            json_pack("{s:I,s:I,s:I}", "total", (json_int_t)totals.rows, "limit",
                                      (json_int_t)o.limit, "offset", (json_int_t)o.offset));
}

static bool name_is_valid(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '@'))
            return false;
    }
    return true;
}

/*
 * Commit a write with its audit row, or roll both back. A reply that could
 * not be built (NULL) rolls back too: a change is never made without the
 * answer that says so.
 */
static int finish_write(struct pcn__request *r, enum pcn_err rc, int status, json_t *reply)
{
    if (rc == PCN_OK && !reply)
        rc = PCN_ENOMEM;
    if (rc == PCN_OK)
        rc = pcn__audit_tx(r, status);
    if (rc == PCN_OK)
        rc = pcn__commit(r);
    if (rc != PCN_OK) {
        pcn__rollback(r);
        r->audited = false;
        json_decref(reply);
        return pcn__reply_store_error(r, rc);
    }
    return pcn__reply_json(r, status, reply);
}

int pcn__api_user_add(struct pcn__request *r)
{
    static const char *const fields[] = {"name", "role", "practice", "password", NULL};
    json_t *body = pcn__body_object(r, fields);
    const char *name = body ? pcn__body_string(r, body, "name", true) : NULL;
    const char *role_s = name ? pcn__body_string(r, body, "role", true) : NULL;
    const char *password = role_s ? pcn__body_string(r, body, "password", true) : NULL;
    const char *practice = NULL;
    char hash[PCN_PWHASH_SIZE];
    enum pcn_role role;
    enum pcn_err rc;

    if (!password || !pcn__check_query(r, NULL))
        return 0;
    if (json_object_get(body, "practice") && !json_is_null(json_object_get(body, "practice"))) {
        practice = pcn__body_string(r, body, "practice", true);
        if (!practice)
            return 0;
    }
    r->object_type = "user";
    r->object_id = pcn_arena_strndup(r->arena, name, PCN_MIN(strlen(name), 64));
    if (!name_is_valid(name))
        return pcn__reply_error(r, 400, "invalid_field",
                                "name: 1-64 letters, digits and . _ - @ only");
    if (pcn_role_parse(role_s, &role) != PCN_OK)
        return pcn__reply_error(r, 400, "invalid_field", "role: not a known role");
    if (pcn_role_needs_practice(role) && !practice)
        return pcn__reply_error(r, 400, "invalid_field", "practice is required for %s",
                                pcn_role_name(role));
    if (practice && !pcn_ods_is_valid(PCN_ODS_PRACTICE, practice, strlen(practice)))
        return pcn__reply_error(r, 400, "invalid_field", "practice: not a practice ODS code");
    if (pcn_password_hash(password, strlen(password), hash) != PCN_OK)
        return pcn__reply_error(r, 400, "invalid_field", "password: %d to %d bytes",
                                PCN_PASSWORD_MIN, PCN_PASSWORD_MAX);
    struct pcn_user u = {0, name, pcn_role_name(role), practice, hash, 0, pcn_now_usec()};
    rc = pcn__begin(r);
    if (rc == PCN_OK)
        rc = pcn_store_add_user(r->store, &u, NULL);
    return finish_write(r, rc, 201,
                        json_pack("{s:s,s:s,s:s?,s:b}", "name", name, "role", pcn_role_name(role),
                                  "practice", practice, "disabled", 0));
}

struct id_of {
    int64_t id;
};

static int take_id(const struct pcn_user *u, void *ud)
{
    ((struct id_of *)ud)->id = u->id;
    return 1;
}

int pcn__api_user_disable(struct pcn__request *r)
{
    const char *name = pcn__param(r, 0);
    struct id_of who = {0};
    enum pcn_err rc;

    if (!pcn__check_query(r, NULL))
        return 0;
    if (!name)
        return pcn__reply_error(r, 503, "unavailable", "out of memory");
    r->object_type = "user";
    r->object_id = name;
    rc = pcn__begin(r);
    if (rc == PCN_OK)
        rc = pcn_store_get_user(r->store, name, take_id, &who);
    if (rc == PCN_OK)
        rc = pcn_store_set_user_disabled(r->store, name, 1);
    if (rc == PCN_OK)
        rc = pcn_store_revoke_user_sessions(r->store, who.id);
    return finish_write(r, rc, 200, json_pack("{s:s,s:b}", "name", name, "disabled", 1));
}

int pcn__api_audit(struct pcn__request *r)
{
    static const char *const params[] = {"after", "limit", NULL};
    struct pcn_table *t = NULL;
    int64_t after;
    int64_t limit;
    int64_t last = 0;
    enum pcn_err rc;

    if (!pcn__check_query(r, params) || !pcn__query_int(r, "after", 0, INT64_MAX, 0, &after) ||
        !pcn__query_int(r, "limit", 1, r->srv->cfg.max_page, 100, &limit))
        return 0;
    rc = pcn_view_audit(r->store, after, limit, &t, &last);
    return pcn__reply_table(
        r, rc, t,
        json_pack("{s:I,s:I,s:o}", "after", (json_int_t)after, "limit", (json_int_t)limit,
                  "next_after",
                  t && (int64_t)pcn_table_rows(t) == limit ? json_integer(last) : json_null()));
}

int pcn__api_audit_verify(struct pcn__request *r)
{
    struct pcn_audit_verify_result res = {0};
    enum pcn_err rc;

    if (!pcn__check_query(r, NULL))
        return 0;
    rc = pcn_audit_verify(r->store, &res);
    if (rc != PCN_OK)
        return pcn__reply_store_error(r, rc);
    return pcn__reply_json(r, 200,
                           json_pack("{s:b,s:I,s:o,s:s?,s:s?}", "intact", res.bad_id == 0, "rows",
                                     (json_int_t)res.rows, "bad_id",
                                     res.bad_id ? json_integer(res.bad_id) : json_null(), "reason",
                                     res.bad_id ? res.reason : NULL, "head_hash",
                                     res.head_hash[0] ? res.head_hash : NULL));
}
