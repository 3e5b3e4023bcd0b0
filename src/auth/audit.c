/*
 * audit.c - the hash chain over the audit table (format in pcn/audit.h).
 * Appending reads the current end of the log and inserts the next row in
 * one transaction, so concurrent writers (one store handle each) serialise
 * on the database's write lock and the chain stays linear.
 */
#include "pcn/audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "pcn/date.h"
#include "util/common.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

static void hash_field(crypto_generichash_state *st, const char *s)
{
    char len[24];
    int n;

    if (!s) {
        (void)crypto_generichash_update(st, (const unsigned char *)"~,", 2);
        return;
    }
    n = snprintf(len, sizeof(len), "%zu:", strlen(s));
    (void)crypto_generichash_update(st, (const unsigned char *)len, (size_t)n);
    (void)crypto_generichash_update(st, (const unsigned char *)s, strlen(s));
    (void)crypto_generichash_update(st, (const unsigned char *)",", 1);
}

static void hash_int(crypto_generichash_state *st, int64_t v)
{
    char num[24];

    (void)snprintf(num, sizeof(num), "%" PRId64, v);
    hash_field(st, num);
}

void pcn_audit_hash(const struct pcn_audit_row *a, char ret[PCN_AUDIT_HASH_SIZE])
{
    crypto_generichash_state st;
    unsigned char h[32];
    const char *prev = a->prev_hash ? a->prev_hash : "";

    (void)crypto_generichash_init(&st, NULL, 0, sizeof(h));
    (void)crypto_generichash_update(&st, (const unsigned char *)prev, strlen(prev));
    hash_int(&st, a->id);
    hash_int(&st, a->at);
    hash_field(&st, a->user_name);
    hash_field(&st, a->role);
    hash_field(&st, a->method);
    hash_field(&st, a->route);
    hash_field(&st, a->object_type);
    hash_field(&st, a->object_id);
    hash_int(&st, a->status);
    (void)crypto_generichash_final(&st, h, sizeof(h));
    (void)sodium_bin2hex(ret, PCN_AUDIT_HASH_SIZE, h, sizeof(h));
}

struct last_row {
    int64_t id;
    char hash[PCN_AUDIT_HASH_SIZE];
};

static int copy_last(const struct pcn_audit_row *a, void *ud)
{
    struct last_row *l = ud;

    l->id = a->id;
    (void)snprintf(l->hash, sizeof(l->hash), "%s", a->hash ? a->hash : "");
    return 1;
}

enum pcn_err pcn_audit_append_tx(struct pcn_store *s, const struct pcn_audit_row *a)
{
    struct last_row last = {0, ZERO_HASH};
    struct pcn_audit_row row = *a;
    char hash[PCN_AUDIT_HASH_SIZE];
    enum pcn_err rc = pcn_store_last_audit(s, copy_last, &last);

    if (rc != PCN_OK && rc != PCN_ENOTFOUND)
        return rc;
    row.id = last.id + 1;
    row.prev_hash = last.hash;
    if (row.at == 0)
        row.at = pcn_now_usec();
    pcn_audit_hash(&row, hash);
    row.hash = hash;
    return pcn_store_append_audit(s, &row);
}

enum pcn_err pcn_audit_append(struct pcn_store *s, const struct pcn_audit_row *a)
{
    enum pcn_err rc = pcn_store_begin(s);

    if (rc != PCN_OK)
        return rc;
    rc = pcn_audit_append_tx(s, a);
    if (rc == PCN_OK)
        return pcn_store_commit(s);
    pcn_store_rollback(s);
    return rc;
}

struct verify_walk {
    struct pcn_audit_verify_result *res;
    int64_t prev_id;
    char prev_hash[PCN_AUDIT_HASH_SIZE];
};

static int verify_row(const struct pcn_audit_row *a, void *ud)
{
    struct verify_walk *w = ud;
    struct pcn_audit_verify_result *res = w->res;
    char hash[PCN_AUDIT_HASH_SIZE];
    const char *why = NULL;

    res->rows++;
    pcn_audit_hash(a, hash);
    if (a->id != w->prev_id + 1)
        why = "id out of sequence (a row before it was deleted)";
    else if (!a->prev_hash || strcmp(a->prev_hash, w->prev_hash) != 0)
        why = "does not link to the previous row (a row before it was changed or deleted)";
    else if (!a->hash || strcmp(a->hash, hash) != 0)
        why = "hash does not match the row's contents (the row was changed)";
    if (why) {
        res->bad_id = a->id;
        (void)snprintf(res->reason, sizeof(res->reason), "%s", why);
        return 1;
    }
    w->prev_id = a->id;
    (void)snprintf(w->prev_hash, sizeof(w->prev_hash), "%s", a->hash);
    return 0;
}

enum pcn_err pcn_audit_verify(struct pcn_store *s, struct pcn_audit_verify_result *ret)
{
    struct verify_walk w = {ret, 0, ZERO_HASH};
    enum pcn_err rc;

    memset(ret, 0, sizeof(*ret));
    rc = pcn_store_each_audit(s, 0, 0, verify_row, &w);
    if (rc == PCN_OK && ret->bad_id == 0 && ret->rows > 0)
        (void)snprintf(ret->head_hash, sizeof(ret->head_hash), "%s", w.prev_hash);
    return rc;
}
