/*
 * audit.h - the hash-chained audit log. Every row carries the hash of the
 * row before it, and its own hash is
 *     hash = hex(BLAKE2b-256(prev_hash || canonical(row)))
 * where canonical(row) writes id, at, user, role, method, route, object
 * type, object id and status each as "<length>:<bytes>," (NULL as "~,"),
 * so no two different rows share an encoding. The first row's prev_hash is
 * 64 zeros. Editing or deleting a row (with the table's triggers dropped)
 * breaks the chain at that row; verify finds it. Removing rows from the
 * end is only detectable against a copy of the latest hash kept elsewhere
 * (pcn audit verify prints it for that purpose).
 */
#ifndef PCN_AUDIT_H
#define PCN_AUDIT_H

#include <stdint.h>

#include "pcn/error.h"
#include "pcn/store.h"
#include "pcn/store_auth.h"

#define PCN_AUDIT_HASH_SIZE 65 /* 64 hex digits + NUL */

/* Hash of a row given its prev_hash; ignores a->hash. */
void pcn_audit_hash(const struct pcn_audit_row *a, char ret[PCN_AUDIT_HASH_SIZE]);

/*
 * Append a row inside the caller's open transaction: fills in id,
 * prev_hash and hash from the current end of the log (a's own values for
 * those are ignored). a->at of 0 means now.
 */
enum pcn_err pcn_audit_append_tx(struct pcn_store *s, const struct pcn_audit_row *a);

/* The same in a transaction of its own. Store message on failure. */
enum pcn_err pcn_audit_append(struct pcn_store *s, const struct pcn_audit_row *a);

struct pcn_audit_verify_result {
    int64_t rows;                        /* rows checked */
    int64_t bad_id;                      /* first bad row, 0 when the chain is intact */
    char reason[128];                    /* what is wrong with bad_id */
    char head_hash[PCN_AUDIT_HASH_SIZE]; /* hash of the last row ("" if empty) */
};

/*
 * Walk the whole log and check ids (1, 2, 3... with no gaps), links and
 * hashes. PCN_OK with ret->bad_id == 0 when intact; PCN_OK with bad_id set
 * when tampered; another code when the log cannot be read.
 */
enum pcn_err pcn_audit_verify(struct pcn_store *s, struct pcn_audit_verify_result *ret);

#endif /* PCN_AUDIT_H */
