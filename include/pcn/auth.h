/*
 * auth.h - roles and credentials (src/auth/, below the server: the HTTP
 * server's sign-in and the CLI's `pcn user` both use it): role names as in
 * PRODUCT.md, Argon2id password hashes (libsodium crypto_pwhash), random
 * session and CSRF tokens, and the one-way hash under which a session
 * token is stored. Call pcn_auth_init() once before any other function.
 * All functions are thread-safe after pcn_auth_init().
 */
#ifndef PCN_AUTH_H
#define PCN_AUTH_H

#include <stddef.h>

#include "pcn/error.h"

enum pcn_role {
    PCN_ROLE_ADMIN,
    PCN_ROLE_CLINICAL_DIRECTOR,
    PCN_ROLE_PRACTICE_MANAGER,
    PCN_ROLE_CLINICIAN,
    PCN_ROLE_LINK_WORKER,
    PCN_ROLE_PPG_MEMBER,
    PCN_ROLE_ANALYST,
    PCN_ROLE_COUNT_
};

/* Bit of a role in a role mask. */
#define PCN_ROLE_BIT(r) (1u << (unsigned)(r))

/* The role's name ("clinical_director"). Static string; "" for an invalid role. */
const char *pcn_role_name(enum pcn_role role);

/* Parse a role name; PCN_EINVAL for anything not in the PRODUCT.md table. */
enum pcn_err pcn_role_parse(const char *s, enum pcn_role *ret);

/* Roles that must see aggregates only, with small numbers suppressed. */
int pcn_role_is_aggregate_only(enum pcn_role role);

/* Roles bound to one practice (a practice code is required). */
int pcn_role_needs_practice(enum pcn_role role);

/* Initialise libsodium. PCN_EIO if it cannot (no entropy source). */
enum pcn_err pcn_auth_init(void);

/* Size of an encoded password hash, terminator included. */
#define PCN_PWHASH_SIZE 128

/* Minimum and maximum password lengths in bytes. */
#define PCN_PASSWORD_MIN 8
#define PCN_PASSWORD_MAX 1024

/*
 * Hash a password with Argon2id (interactive limits) into ret, a
 * NUL-terminated string of at most PCN_PWHASH_SIZE bytes. PCN_EINVAL for a
 * password outside the length limits; PCN_ENOMEM if Argon2 could not get
 * its memory.
 */
enum pcn_err pcn_password_hash(const char *password, size_t len, char ret[PCN_PWHASH_SIZE]);

/* True if password matches the encoded hash. Constant time in the password. */
int pcn_password_verify(const char *hash, const char *password, size_t len);

/* Random token: 32 random bytes, base64url without padding (43 chars + NUL). */
#define PCN_TOKEN_SIZE 44
void pcn_token_new(char ret[PCN_TOKEN_SIZE]);

/* Hex BLAKE2b-256 of a token: what the store keeps (64 chars + NUL). */
#define PCN_TOKEN_HASH_SIZE 65
void pcn_token_hash(const char *token, size_t len, char ret[PCN_TOKEN_HASH_SIZE]);

/* Constant-time comparison of two NUL-terminated strings. */
int pcn_secret_equal(const char *a, const char *b);

#endif /* PCN_AUTH_H */
