/*
 * roles.c - the staff role vocabulary (roles.csv), the workforce census's
 * role names mapped onto it (census_roles.csv), and Agenda for Change
 * bands. Loaded once and immutable; strings live in one arena.
 */
#include "pcn/rates.h"

#include <stdio.h>
#include <string.h>

#include "finance_int.h"
#include "pcn/alloc.h"
#include "pcn/arena.h"
#include "pcn/buf.h"
#include "pcn/hash.h"
#include "pcn/vec.h"
#include "util/common.h"

/* ---- bands and names ---- */

static const char *const band_names[] = {"",  "1",  "2",  "3",  "4",  "5", "6",
                                         "7", "8a", "8b", "8c", "8d", "9"};

enum pcn_err pcn_band_parse(const char *s, size_t len, int *ret)
{
    char low[3];

    if (len == 0) {
        *ret = PCN_BAND_NONE;
        return PCN_OK;
    }
    if (len > 2)
        return PCN_EINVAL;
    low[0] = s[0];
    low[1] = len == 2 ? (char)(s[1] >= 'A' && s[1] <= 'Z' ? s[1] - 'A' + 'a' : s[1]) : '\0';
    low[2] = '\0';
    for (int b = 1; b < (int)PCN_ARRAY_SIZE(band_names); b++) {
        if (strcmp(low, band_names[b]) == 0) {
            *ret = b;
            return PCN_OK;
        }
    }
    return PCN_EINVAL;
}

const char *pcn_band_name(int band)
{
    if (band < 0 || band >= (int)PCN_ARRAY_SIZE(band_names))
        return "";
    return band_names[band];
}

static const char *const group_names[] = {"gp", "nurse", "dpc", "admin", "director"};
const char *pcn_role_group_name(enum pcn_role_group g)
{
    return pcn__name_at(group_names, PCN_ARRAY_SIZE(group_names), (int)g);
}

/* ---- roles ---- */

struct pcn_roles {
    struct pcn_arena *arena;
    struct pcn_staff_role *roles;
    size_t n;
    size_t alloc;
    struct pcn_strmap *by_key; /* key -> index */
    struct pcn_strmap *census; /* staff_role "\x1f" detailed_role -> index */
};

void pcn_roles_free(struct pcn_roles *r)
{
    if (!r)
        return;
    pcn_arena_free(r->arena);
    pcn_free(r->roles);
    pcn_strmap_free(r->by_key);
    pcn_strmap_free(r->census);
    pcn_free(r);
}

size_t pcn_roles_count(const struct pcn_roles *r)
{
    return r->n;
}

const struct pcn_staff_role *pcn_roles_at(const struct pcn_roles *r, size_t i)
{
    return i < r->n ? &r->roles[i] : NULL;
}

int pcn_roles_find(const struct pcn_roles *r, const char *key, size_t len)
{
    uint64_t v;

    return pcn_strmap_get(r->by_key, key, len, &v) ? (int)v : -1;
}

/* The census map's key: the two names joined by a unit separator, in buf. */
static enum pcn_err census_key(struct pcn_buf *buf, const char *staff_role,
                               const char *detailed_role)
{
    pcn_buf_reset(buf);
    return pcn_buf_addf(buf, "%s\x1f%s", staff_role, detailed_role);
}

int pcn_roles_census(const struct pcn_roles *r, const char *staff_role, const char *detailed_role)
{
    struct pcn_buf key = PCN_BUF_INIT;
    uint64_t v = 0;
    int found = 0;

    if (census_key(&key, staff_role, detailed_role) == PCN_OK)
        found = pcn_strmap_get(r->census, key.buf, key.len, &v);
    pcn_buf_release(&key);
    return found ? (int)v : -1;
}

static enum pcn_err roles_read(struct pcn_roles *r, struct pcn_csv *c, struct pcn_error *reterr)
{
    static const char *const names[] = {"role", "name", "group"};
    struct pcn__cols cols;
    enum pcn_err rc = pcn__cols_read(c, &cols, names, 3, 3, reterr);

    while (rc == PCN_OK && (rc = pcn_csv_next(c, reterr)) == PCN_OK) {
        size_t klen;
        const char *key = pcn__cell(c, &cols, 0, &klen);
        int group =
            pcn__name_index(group_names, PCN_ARRAY_SIZE(group_names), pcn__cell(c, &cols, 2, NULL));
        struct pcn_staff_role *role;
        int added = 0;
        uint64_t slot;

        if (klen == 0)
            return pcn__row_error(c, reterr, PCN_EPARSE, "empty role");
        if (group < 0)
            return pcn__row_error(c, reterr, PCN_EPARSE,
                                  "group '%s' is not gp, nurse, dpc, admin or director",
                                  pcn__cell(c, &cols, 2, NULL));
        rc = pcn_strmap_intern(r->by_key, key, klen, r->n, &slot, &added);
        if (rc == PCN_OK && !added)
            return pcn__row_error(c, reterr, PCN_EPARSE, "role %s listed twice", key);
        if (rc == PCN_OK)
            rc = PCN_GROW(r->roles, r->n + 1, r->alloc);
        if (rc != PCN_OK)
            return rc;
        role = &r->roles[r->n];
        role->key = pcn_arena_strdup(r->arena, key);
        role->name = pcn_arena_strdup(r->arena, pcn__cell(c, &cols, 1, NULL));
        role->group = (enum pcn_role_group)group;
        if (!role->key || !role->name)
            return PCN_ENOMEM;
        r->n++;
    }
    return rc == PCN_ENOTFOUND ? PCN_OK : rc;
}

static enum pcn_err census_read(struct pcn_roles *r, struct pcn_csv *c, struct pcn_error *reterr)
{
    static const char *const names[] = {"staff_role", "detailed_staff_role", "role"};
    struct pcn__cols cols;
    struct pcn_buf key = PCN_BUF_INIT;
    enum pcn_err rc = pcn__cols_read(c, &cols, names, 3, 3, reterr);

    while (rc == PCN_OK && (rc = pcn_csv_next(c, reterr)) == PCN_OK) {
        size_t len;
        const char *role = pcn__cell(c, &cols, 2, &len);
        int at = pcn_roles_find(r, role, len);

        if (at < 0) {
            rc = pcn__row_error(c, reterr, PCN_EPARSE, "unknown role %s", role);
            break;
        }
        rc = census_key(&key, pcn__cell(c, &cols, 0, NULL), pcn__cell(c, &cols, 1, NULL));
        if (rc == PCN_OK)
            rc = pcn_strmap_put(r->census, key.buf, key.len, (uint64_t)at);
    }
    pcn_buf_release(&key);
    return rc == PCN_ENOTFOUND ? PCN_OK : rc;
}

/* Open dir/name and run fn over it. */
static enum pcn_err with_csv(const char *dir, const char *name,
                             enum pcn_err (*fn)(struct pcn_roles *, struct pcn_csv *,
                                                struct pcn_error *),
                             struct pcn_roles *r, struct pcn_error *reterr)
{
    char path[4096];
    struct pcn_csv *c = NULL;
    enum pcn_err rc;

    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
        return pcn_error_set(reterr, PCN_ELIMIT, "%s: path too long", dir);
    rc = pcn_csv_open(path, &c, reterr);
    if (rc == PCN_OK)
        rc = fn(r, c, reterr);
    pcn_csv_free(c);
    return rc;
}

enum pcn_err pcn_roles_load(const char *dir, struct pcn_roles **ret, struct pcn_error *reterr)
{
    struct pcn_roles *r = pcn_calloc(1, sizeof(*r));
    enum pcn_err rc = PCN_ENOMEM;

    if (!r)
        goto out;
    r->arena = pcn_arena_new(4096, 0);
    r->by_key = pcn_strmap_new();
    r->census = pcn_strmap_new();
    if (!r->arena || !r->by_key || !r->census)
        goto out;
    rc = with_csv(dir, "roles.csv", roles_read, r, reterr);
    if (rc == PCN_OK)
        rc = with_csv(dir, "census_roles.csv", census_read, r, reterr);
    if (rc == PCN_OK) {
        *ret = r;
        r = NULL;
    }
out:
    if (rc == PCN_ENOMEM)
        (void)pcn_error_set(reterr, rc, "out of memory loading roles");
    pcn_roles_free(r);
    return rc;
}
