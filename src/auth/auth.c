/*
 * auth.c - roles and credentials. Passwords are hashed with Argon2id at
 * libsodium's interactive limits; tokens are 256 random bits; stored token
 * hashes are BLAKE2b-256 (a token has full entropy, so a fast hash is
 * enough). Comparisons of secrets are constant time.
 */
#include "pcn/auth.h"

#include <string.h>

#include <sodium.h>

#include "util/common.h"

_Static_assert(PCN_PWHASH_SIZE >= crypto_pwhash_STRBYTES, "password hash buffer too small");

static const char *const role_names[PCN_ROLE_COUNT_] = {
    [PCN_ROLE_ADMIN] = "admin",
    [PCN_ROLE_CLINICAL_DIRECTOR] = "clinical_director",
    [PCN_ROLE_PRACTICE_MANAGER] = "practice_manager",
    [PCN_ROLE_CLINICIAN] = "clinician",
    [PCN_ROLE_LINK_WORKER] = "link_worker",
    [PCN_ROLE_PPG_MEMBER] = "ppg_member",
    [PCN_ROLE_ANALYST] = "analyst",
};

const char *pcn_role_name(enum pcn_role role)
{
    return (unsigned)role < PCN_ROLE_COUNT_ ? role_names[role] : "";
}

enum pcn_err pcn_role_parse(const char *s, enum pcn_role *ret)
{
    if (!s)
        return PCN_EINVAL;
    for (int i = 0; i < PCN_ROLE_COUNT_; i++) {
        if (strcmp(s, role_names[i]) == 0) {
            *ret = (enum pcn_role)i;
            return PCN_OK;
        }
    }
    return PCN_EINVAL;
}

int pcn_role_is_aggregate_only(enum pcn_role role)
{
    return role == PCN_ROLE_PPG_MEMBER || role == PCN_ROLE_ANALYST;
}

int pcn_role_needs_practice(enum pcn_role role)
{
    return role == PCN_ROLE_PRACTICE_MANAGER;
}

enum pcn_err pcn_auth_init(void)
{
    return sodium_init() < 0 ? PCN_EIO : PCN_OK;
}

enum pcn_err pcn_password_hash(const char *password, size_t len, char ret[PCN_PWHASH_SIZE])
{
    if (len < PCN_PASSWORD_MIN || len > PCN_PASSWORD_MAX)
        return PCN_EINVAL;
    if (crypto_pwhash_str(ret, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return PCN_ENOMEM;
    return PCN_OK;
}

int pcn_password_verify(const char *hash, const char *password, size_t len)
{
    if (!hash || len > PCN_PASSWORD_MAX)
        return 0;
    return crypto_pwhash_str_verify(hash, password, len) == 0;
}

void pcn_token_new(char ret[PCN_TOKEN_SIZE])
{
    unsigned char raw[32];

    randombytes_buf(raw, sizeof(raw));
    (void)sodium_bin2base64(ret, PCN_TOKEN_SIZE, raw, sizeof(raw),
                            sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
}

void pcn_token_hash(const char *token, size_t len, char ret[PCN_TOKEN_HASH_SIZE])
{
    unsigned char h[32];

    (void)crypto_generichash(h, sizeof(h), (const unsigned char *)token, len, NULL, 0);
    (void)sodium_bin2hex(ret, PCN_TOKEN_HASH_SIZE, h, sizeof(h));
}

int pcn_secret_equal(const char *a, const char *b)
{
    size_t la;

    if (!a || !b)
        return 0;
    la = strlen(a);
    if (la != strlen(b))
        return 0;
    return sodium_memcmp(a, b, la) == 0;
}
