/*
 * api_auth.c - sessions: login (throttled per account and per address,
 * Argon2id verification, a random session token stored only as its hash),
 * logout (server-side revocation), the current user, and the check every
 * authenticated request goes through: a bearer token or the session
 * cookie, plus the double-submit CSRF token for cookie-authenticated
 * writes.
 */
#include "server/server_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "pcn/audit.h"
#include "pcn/date.h"
#include "util/common.h"

#define COOKIE_NAME "pcn_session"
#define TOKEN_MAX 128
#define NAME_MAX_LEN 64

struct session_found {
    struct pcn__request *r;
    bool valid;
};

static int on_session(const struct pcn_session *ses, const struct pcn_user *u, void *ud)
{
    struct session_found *f = ud;
    struct pcn__request *r = f->r;
    enum pcn_role role;

    if (ses->revoked || ses->expires_at <= pcn_now_usec() || u->disabled ||
        pcn_role_parse(u->role, &role) != PCN_OK)
        return 1;
    r->who.user_id = u->id;
    r->who.role = role;
    r->who.name = pcn_arena_strdup(r->arena, u->name);
    r->who.practice = u->practice ? pcn_arena_strdup(r->arena, u->practice) : NULL;
    r->who.csrf = pcn_arena_strdup(r->arena, ses->csrf_token);
    r->who.token_hash = pcn_arena_strdup(r->arena, ses->token_hash);
    f->valid = r->who.name && r->who.csrf && r->who.token_hash && (!u->practice || r->who.practice);
    return 1;
}

bool pcn__authenticate(struct pcn__request *r, bool state_changing)
{
    const char *auth = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
    const char *token = NULL;
    char hash[PCN_TOKEN_HASH_SIZE];
    struct session_found f = {r, false};
    enum pcn_err rc;

    if (auth) {
        if (strncmp(auth, "Bearer ", 7) == 0)
            token = auth + 7;
    } else {
        token = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, COOKIE_NAME);
        r->who.via_cookie = true;
    }
    if (!token || !*token || strlen(token) > TOKEN_MAX) {
        pcn__reply_error(r, 401, "unauthenticated", "sign in first");
        return false;
    }
    pcn_token_hash(token, strlen(token), hash);
    rc = pcn_store_get_session(r->store, hash, on_session, &f);
    if (rc != PCN_OK && rc != PCN_ENOTFOUND) {
        pcn__reply_store_error(r, rc);
        return false;
    }
    if (!f.valid) {
        pcn__reply_error(r, 401, "unauthenticated", "the session is invalid or has expired");
        return false;
    }
    r->authed = true;
    if (state_changing && r->who.via_cookie) {
        const char *csrf = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-CSRF-Token");
        if (!pcn_secret_equal(csrf, r->who.csrf)) {
            pcn__reply_error(r, 403, "csrf", "missing or wrong X-CSRF-Token header");
            return false;
        }
    }
    return true;
}

const char *pcn__client_address(struct pcn__request *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char text[INET6_ADDRSTRLEN] = "unknown";

    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            (void)inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
                            text, sizeof(text));
        else if (sa->sa_family == AF_INET6)
            (void)inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                            text, sizeof(text));
    }
    return pcn_arena_printf(r->arena, "addr:%s", text);
}

struct login_user {
    struct pcn__request *r;
    int64_t id;
    const char *role;
    const char *practice;
    const char *pwhash;
    bool disabled;
};

static int on_user(const struct pcn_user *u, void *ud)
{
    struct login_user *l = ud;

    l->id = u->id;
    l->role = pcn_arena_strdup(l->r->arena, u->role);
    l->practice = u->practice ? pcn_arena_strdup(l->r->arena, u->practice) : NULL;
    l->pwhash = pcn_arena_strdup(l->r->arena, u->pwhash);
    l->disabled = u->disabled != 0;
    return 1;
}

/* True when the subject has too many recent failures. */
static bool throttled(struct pcn__request *r, const char *subject, int max, enum pcn_err *rc)
{
    int64_t n = 0;
    int64_t since = pcn_now_usec() - (int64_t)r->srv->cfg.login_window * 1000000;

    *rc = pcn_store_count_login_failures(r->store, subject, since, &n);
    return *rc == PCN_OK && n >= max;
}

/* Check the password; the same Argon2 work is done when the user does not exist. */
static bool credentials_ok(const struct login_user *l, const char *password)
{
    char dummy[PCN_PWHASH_SIZE];

    if (!l->pwhash) {
        (void)pcn_password_hash(password, PCN_MAX(strlen(password), (size_t)PCN_PASSWORD_MIN),
                                dummy);
        return false;
    }
    return pcn_password_verify(l->pwhash, password, strlen(password)) && !l->disabled;
}

struct login_result {
    const char *name;
    const char *addr;
    bool ok;
    int status;
    char token[PCN_TOKEN_SIZE];
    char csrf[PCN_TOKEN_SIZE];
    int64_t expires_at;
};

/* Record the attempt, the session (on success) and the audit row in one transaction. */
static enum pcn_err record_login(struct pcn__request *r, const struct login_user *l,
                                 struct login_result *res)
{
    char user_subject[NAME_MAX_LEN + 8];
    char hash[PCN_TOKEN_HASH_SIZE];
    int64_t now = pcn_now_usec();
    struct pcn_audit_row a = {.user_name = res->name,
                              .role = res->ok ? l->role : "",
                              .method = "POST",
                              .route = "/api/v1/login",
                              .object_type = "session",
                              .status = res->status};
    enum pcn_err rc = pcn__begin(r);

    (void)snprintf(user_subject, sizeof(user_subject), "user:%s", res->name);
    if (rc == PCN_OK && res->status != 429)
        rc = pcn_store_add_login_attempt(r->store, user_subject, now, res->ok);
    if (rc == PCN_OK && !res->ok && res->status != 429)
        rc = pcn_store_add_login_attempt(r->store, res->addr, now, 0);
    if (rc == PCN_OK && res->ok) {
        pcn_token_new(res->token);
        pcn_token_new(res->csrf);
        pcn_token_hash(res->token, strlen(res->token), hash);
        res->expires_at = now + (int64_t)r->srv->cfg.session_ttl * 1000000;
        struct pcn_session ses = {hash, l->id, res->csrf, now, res->expires_at, 0};
        rc = pcn_store_add_session(r->store, &ses);
    }
    if (rc == PCN_OK)
        rc = pcn_audit_append_tx(r->store, &a);
    if (rc == PCN_OK)
        rc = pcn__commit(r);
    else
        pcn__rollback(r);
    r->audited = true;
    return rc;
}

static int login_reply(struct pcn__request *r, const struct login_user *l,
                       const struct login_result *res, bool api_client)
{
    json_t *j;

    if (res->status == 429)
        return pcn__reply_error(r, 429, "too_many_requests",
                                "too many failed sign-ins; try again later");
    if (!res->ok)
        return pcn__reply_error(r, 401, "invalid_credentials", "wrong name or password");
    j = json_pack("{s:{s:s,s:s,s:s?},s:s,s:I}", "user", "name", res->name, "role", l->role,
                  "practice", l->practice, "csrf_token", res->csrf, "expires_in",
                  (json_int_t)r->srv->cfg.session_ttl);
    if (j && api_client && json_object_set_new(j, "token", json_string(res->token)) != 0) {
        json_decref(j);
        j = NULL;
    } else if (j && !api_client) {
        r->set_cookie = pcn_arena_printf(
            r->arena, COOKIE_NAME "=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%d%s",
            res->token, r->srv->cfg.session_ttl, r->srv->cfg.secure_cookie ? "; Secure" : "");
        if (!r->set_cookie) { /* a sign-in without its cookie is no sign-in */
            json_decref(j);
            j = NULL;
        }
    }
    return pcn__reply_json(r, 200, j);
}

int pcn__api_login(struct pcn__request *r)
{
    static const char *const fields[] = {"name", "password", "client", NULL};
    struct login_user l = {r, 0, NULL, NULL, NULL, false};
    struct login_result res = {0};
    json_t *body = pcn__body_object(r, fields);
    const char *password;
    const char *client;
    enum pcn_err rc = PCN_OK;

    if (!body || !pcn__check_query(r, NULL))
        return 0;
    res.name = pcn__body_string(r, body, "name", true);
    password = res.name ? pcn__body_string(r, body, "password", true) : NULL;
    client = password ? pcn__body_string(r, body, "client", false) : NULL;
    if (!password || (client && strcmp(client, "api") != 0 && strcmp(client, "browser") != 0)) {
        if (password)
            pcn__reply_error(r, 400, "invalid_field", "client must be \"browser\" or \"api\"");
        return 0;
    }
    if (!*res.name || strlen(res.name) > NAME_MAX_LEN || strlen(password) > PCN_PASSWORD_MAX)
        return pcn__reply_error(r, 400, "invalid_field", "name or password has a bad length");
    r->object_type = "session";
    res.addr = pcn__client_address(r);
    char subject[NAME_MAX_LEN + 8];
    (void)snprintf(subject, sizeof(subject), "user:%s", res.name);
    if (throttled(r, subject, r->srv->cfg.login_max_user, &rc) ||
        (rc == PCN_OK && throttled(r, res.addr, r->srv->cfg.login_max_addr, &rc))) {
        res.status = 429;
    } else if (rc == PCN_OK) {
        rc = pcn_store_get_user(r->store, res.name, on_user, &l);
        if (rc == PCN_ENOTFOUND)
            rc = PCN_OK;
        res.ok = rc == PCN_OK && credentials_ok(&l, password);
        res.status = res.ok ? 200 : 401;
    }
    if (rc == PCN_OK)
        rc = record_login(r, &l, &res);
    if (rc != PCN_OK)
        return pcn__reply_store_error(r, rc);
    return login_reply(r, &l, &res, client && strcmp(client, "api") == 0);
}

int pcn__api_logout(struct pcn__request *r)
{
    enum pcn_err rc;

    if (!pcn__check_query(r, NULL))
        return 0;
    r->object_type = "session";
    rc = pcn__begin(r);
    if (rc == PCN_OK)
        rc = pcn_store_revoke_session(r->store, r->who.token_hash);
    if (rc == PCN_OK)
        rc = pcn__audit_tx(r, 200);
    if (rc == PCN_OK)
        rc = pcn__commit(r);
    if (rc != PCN_OK) {
        pcn__rollback(r);
        r->audited = false;
        return pcn__reply_store_error(r, rc);
    }
    r->set_cookie = COOKIE_NAME "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0";
    return pcn__reply_json(r, 200, json_pack("{s:b}", "signed_out", 1));
}

int pcn__api_me(struct pcn__request *r)
{
    enum pcn_role role = r->who.role;
    bool patient_level = role == PCN_ROLE_CLINICAL_DIRECTOR || role == PCN_ROLE_CLINICIAN ||
                         role == PCN_ROLE_PRACTICE_MANAGER;
    /* social prescribing casework: link workers their own, the others as route roles allow */
    bool caseload = role == PCN_ROLE_LINK_WORKER || role == PCN_ROLE_CLINICAL_DIRECTOR ||
                    role == PCN_ROLE_PRACTICE_MANAGER;

    bool finance = role == PCN_ROLE_CLINICAL_DIRECTOR || role == PCN_ROLE_PRACTICE_MANAGER;

    if (!pcn__check_query(r, NULL))
        return 0;
    return pcn__reply_json(
        r, 200,
        json_pack("{s:s,s:s,s:s?,s:s?,s:{s:b,s:b,s:b,s:b,s:b,s:b}}", "name", r->who.name, "role",
                  pcn_role_name(role), "practice", r->who.practice, "csrf_token",
                  r->who.via_cookie ? r->who.csrf : NULL, "can", "patient_level", patient_level,
                  "aggregates", role != PCN_ROLE_ADMIN, "admin", role == PCN_ROLE_ADMIN, "caseload",
                  caseload, "finance", finance, "workforce", role != PCN_ROLE_ADMIN));
}
