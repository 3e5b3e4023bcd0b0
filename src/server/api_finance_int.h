/*
 * api_finance_int.h - helpers the workforce and finance handlers share
 * (api_workforce.c, api_finance.c): the request's network and rates, and
 * findings as JSON. Each replies itself and returns false on failure.
 */
#ifndef PCN_SERVER_API_FINANCE_INT_H
#define PCN_SERVER_API_FINANCE_INT_H

#include <stdbool.h>

#include <jansson.h>

#include "server/server_int.h"

struct pcn_rates;
struct pcn_findings;

/* ?network=, else the configured network, else the registry's only one with members. */
bool pcn__finance_network(struct pcn__request *r, const char **ret);

/* The contract rates (data/reference/ncdes), loaded once for the server's life; borrowed. */
bool pcn__finance_rates(struct pcn__request *r, const struct pcn_rates **ret);

/* Findings as [{"severity","code","where","message"}, ...]; NULL on ENOMEM. */
json_t *pcn__findings_json(const struct pcn_findings *f);

/*
 * Reply {"error": {"code", "message", key: detail}}: an error with what
 * the client needs to act on it (findings, the current state on 409).
 * Takes detail (NULL: 503 out of memory).
 */
int pcn__reply_error_detail(struct pcn__request *r, int status, const char *code, const char *msg,
                            const char *key, json_t *detail);

/* Reply 400 invalid_field with msg and return false (for handlers' field checks). */
bool pcn__bad_field(struct pcn__request *r, const char *msg);

/* A number or string member as exact text (a number is written with `decimals`). */
const char *pcn__body_decimal(struct pcn__request *r, json_t *obj, const char *name, int decimals,
                              bool required);

#endif /* PCN_SERVER_API_FINANCE_INT_H */
