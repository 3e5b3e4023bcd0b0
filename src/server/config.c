/*
 * config.c - server settings: defaults, "key = value" config files and
 * single settings from flags. Every numeric setting has a range; a value
 * outside it is an error naming the key (and FILE:LINE for files).
 */
#include "pcn/server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcn/parse.h"
#include "util/common.h"

void pcn_server_config_init(struct pcn_server_config *c)
{
    *c = (struct pcn_server_config){
        .threads = 4,
        .max_connections = 256,
        .max_body = (int64_t)64 * 1024,
        .max_header = (int64_t)32 * 1024,
        .json_max_depth = 16,
        .max_page = 500,
        .request_timeout = 30,
        .request_time_limit_usec = (int64_t)30 * 1000000,
        .drain_timeout = 10,
        .session_ttl = 8 * 3600,
        .login_max_user = 5,
        .login_max_addr = 20,
        .login_window = 900,
        .suppress_below = 8,
        .round_to = 5,
        .cache_entries = 256,
        .warm_start = 1,
        .population_refresh_usec = (int64_t)10 * 1000000,
        .public_per_minute = 60,
    };
    (void)snprintf(c->listen, sizeof(c->listen), "127.0.0.1:8080");
    (void)snprintf(c->web_root, sizeof(c->web_root), "web");
}

struct int_key {
    const char *key;
    size_t offset;
    bool is_i64;
    int64_t min;
    int64_t max;
};

#define INT_KEY(k, field, lo, hi)                                                                  \
    {                                                                                              \
        k, offsetof(struct pcn_server_config, field), false, lo, hi                                \
    }
#define I64_KEY(k, field, lo, hi)                                                                  \
    {                                                                                              \
        k, offsetof(struct pcn_server_config, field), true, lo, hi                                 \
    }

static const struct int_key int_keys[] = {
    INT_KEY("threads", threads, 1, 64),
    INT_KEY("max_connections", max_connections, 1, 65536),
    I64_KEY("max_body", max_body, 256, 64 << 20),
    I64_KEY("max_header", max_header, 4096, 1 << 20),
    INT_KEY("json_max_depth", json_max_depth, 2, 256),
    INT_KEY("max_page", max_page, 1, 100000),
    INT_KEY("request_timeout", request_timeout, 1, 3600),
    INT_KEY("drain_timeout", drain_timeout, 0, 3600),
    INT_KEY("session_ttl", session_ttl, 60, (int64_t)30 * 86400),
    INT_KEY("login_max_failures_user", login_max_user, 1, 1000000),
    INT_KEY("login_max_failures_addr", login_max_addr, 1, 1000000),
    INT_KEY("login_window", login_window, 1, (int64_t)86400 * 7),
    INT_KEY("suppress_below", suppress_below, 0, 1000),
    INT_KEY("round_to", round_to, 0, 1000),
    INT_KEY("cache_entries", cache_entries, 0, 100000),
    INT_KEY("access_log", access_log, 0, 1),
    INT_KEY("secure_cookie", secure_cookie, 0, 1),
    INT_KEY("warm_start", warm_start, 0, 1),
    INT_KEY("public_per_minute", public_per_minute, 1, 100000),
};

static enum pcn_err set_text(char *dst, size_t size, const char *key, const char *value,
                             struct pcn_error *reterr)
{
    int n = snprintf(dst, size, "%s", value);

    if (n < 0 || (size_t)n >= size)
        return pcn_error_set(reterr, PCN_EINVAL, "%s: value too long", key);
    return PCN_OK;
}

/* A duration in seconds with up to microsecond decimals, from 1 ms to one hour. */
static enum pcn_err set_seconds(int64_t *dst, const char *key, const char *value,
                                struct pcn_error *reterr)
{
    double secs = 0;

    if (pcn_parse_double(value, strlen(value), &secs) != PCN_OK || !(secs >= 0.001) || secs > 3600)
        return pcn_error_set(reterr, PCN_EINVAL,
                             "%s: '%s' is not a number of seconds from 0.001 to 3600", key, value);
    *dst = (int64_t)(secs * 1e6 + 0.5);
    return PCN_OK;
}

enum pcn_err pcn_server_config_set(struct pcn_server_config *c, const char *key, const char *value,
                                   struct pcn_error *reterr)
{
    if (strcmp(key, "db") == 0)
        return set_text(c->db, sizeof(c->db), key, value, reterr);
    if (strcmp(key, "listen") == 0)
        return set_text(c->listen, sizeof(c->listen), key, value, reterr);
    if (strcmp(key, "web_root") == 0)
        return set_text(c->web_root, sizeof(c->web_root), key, value, reterr);
    if (strcmp(key, "defs") == 0)
        return set_text(c->defs, sizeof(c->defs), key, value, reterr);
    if (strcmp(key, "snapshot_file") == 0)
        return set_text(c->snapshot_file, sizeof(c->snapshot_file), key, value, reterr);
    if (strcmp(key, "postcodes") == 0)
        return set_text(c->postcodes, sizeof(c->postcodes), key, value, reterr);
    if (strcmp(key, "sp_codes") == 0)
        return set_text(c->sp_codes, sizeof(c->sp_codes), key, value, reterr);
    if (strcmp(key, "network") == 0)
        return set_text(c->network, sizeof(c->network), key, value, reterr);
    if (strcmp(key, "request_time_limit") == 0)
        return set_seconds(&c->request_time_limit_usec, key, value, reterr);
    if (strcmp(key, "population_refresh") == 0) {
        /* 0 turns it off; else a duration like the time limit's */
        if (strcmp(value, "0") == 0) {
            c->population_refresh_usec = 0;
            return PCN_OK;
        }
        return set_seconds(&c->population_refresh_usec, key, value, reterr);
    }
    for (size_t i = 0; i < PCN_ARRAY_SIZE(int_keys); i++) {
        const struct int_key *k = &int_keys[i];
        int64_t v;
        if (strcmp(key, k->key) != 0)
            continue;
        if (pcn_parse_range(value, strlen(value), k->min, k->max, &v) != PCN_OK)
            return pcn_error_set(reterr, PCN_EINVAL, "%s: '%s' is not a number from %lld to %lld",
                                 key, value, (long long)k->min, (long long)k->max);
        if (k->is_i64)
            *(int64_t *)(void *)((char *)c + k->offset) = v;
        else
            *(int *)(void *)((char *)c + k->offset) = (int)v;
        return PCN_OK;
    }
    return pcn_error_set(reterr, PCN_EINVAL, "unknown setting '%s'", key);
}

static char *trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
        end--;
    *end = '\0';
    return s;
}

enum pcn_err pcn_server_config_load(struct pcn_server_config *c, const char *path,
                                    struct pcn_error *reterr)
{
    FILE *f = fopen(path, "re");
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0;
    enum pcn_err rc = PCN_OK;

    if (!f)
        return pcn_error_set(reterr, PCN_EIO, "%s: %s", path, strerror(errno));
    while (rc == PCN_OK && getline(&line, &cap, f) != -1) {
        char *s = trim(line);
        char *eq;
        lineno++;
        if (*s == '\0' || *s == '#')
            continue;
        eq = strchr(s, '=');
        if (!eq) {
            rc = pcn_error_set(reterr, PCN_EINVAL, "%s:%d: expected 'key = value'", path, lineno);
            break;
        }
        *eq = '\0';
        rc = pcn_server_config_set(c, trim(s), trim(eq + 1), reterr);
        if (rc != PCN_OK)
            pcn_error_prefix(reterr, "%s:%d: ", path, lineno);
    }
    free(line); /* checksrc: ok (allocated by getline) */
    (void)fclose(f);
    return rc;
}
