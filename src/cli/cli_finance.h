/*
 * cli_finance.h - what pcn workforce and pcn finance share: the common
 * options (--db, --network, --as-of, --year, --format) and opening the
 * store and the rates with the network resolved; the options of a post;
 * the audit hook their writes run in the write's transaction; printing
 * findings. Only for cmd_workforce.c and cmd_finance.c.
 */
#ifndef PCN_CLI_CLI_FINANCE_H
#define PCN_CLI_CLI_FINANCE_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "pcn/finance.h"
#include "pcn/store.h"
#include "pcn/table.h"

/* The options every workforce and finance command takes. */
struct cli_fin_common {
    const char *db;
    const char *network; /* resolved by cli_fin_open() when needed */
    const char *year;    /* "2025-26"; NULL: the year of as_of */
    int32_t as_of;       /* PCN_DATE_NONE until given or resolved */
    enum pcn_format fmt;
    char network_buf[8];
};

#define CLI_FIN_COMMON_INIT                                                                        \
    {                                                                                              \
        NULL, NULL, NULL, PCN_DATE_NONE, PCN_FORMAT_TABLE, ""                                      \
    }

#define CLI_FIN_COMMON_OPTIONS                                                                     \
    {"db", required_argument, NULL, 'd'}, {"network", required_argument, NULL, 'n'},               \
        {"pcn", required_argument, NULL, 'n'}, /* as pcn generate names it */                      \
        {"as-of", required_argument, NULL, 'a'}, {"format", required_argument, NULL, 'f'},         \
    {                                                                                              \
        "year", required_argument, NULL, 'y'                                                       \
    }

/* Returned by the option parsers for a code that is not theirs. */
#define CLI_FIN_NOT_MINE (-1)

/* Take option c if it is a common one: CLI_EXIT_OK, CLI_EXIT_USAGE or CLI_FIN_NOT_MINE. */
int cli_fin_common_option(const char *cmd, int c, struct cli_fin_common *o);

/* A command's own options: CLI_EXIT_OK, CLI_EXIT_USAGE or CLI_FIN_NOT_MINE. */
typedef int (*cli_fin_option_fn)(int c, void *ud);

/*
 * Parse argv from argv[2] (after the subcommand) with opts: the common
 * options into c, the others through own. CLI_EXIT_OK or CLI_EXIT_USAGE
 * (already printed); optind is left at the first operand.
 */
int cli_fin_parse(const char *cmd, int argc, char **argv, const struct option *opts,
                  struct cli_fin_common *c, cli_fin_option_fn own, void *ud);

/*
 * Open the store and load the rates (data/reference/ncdes); resolve the
 * network when needs_network (--network, else $PCN_NETWORK, else the
 * registry's only network with members) and the as-of date (else the
 * data's date). Returns an exit code; on success the caller frees both.
 */
int cli_fin_open(const char *cmd, struct cli_fin_common *o, bool needs_network,
                 struct pcn_store **ret_store, struct pcn_rates **ret_rates);

/* A post's options as given (all text, checked by cli_post_from_args()). */
struct cli_post_args {
    const char *person, *name, *role, *band, *wte, *employer, *employer_code;
    const char *start, *end, *cost, *cost_per, *funding, *sites;
    char sites_buf[1024];
};

#define CLI_POST_OPTIONS                                                                           \
    {"person", required_argument, NULL, 'p'}, {"name", required_argument, NULL, 'N'},              \
        {"role", required_argument, NULL, 'r'}, {"band", required_argument, NULL, 'b'},            \
        {"wte", required_argument, NULL, 'w'}, {"employer", required_argument, NULL, 'e'},         \
        {"employer-code", required_argument, NULL, 'k'}, {"start", required_argument, NULL, 's'},  \
        {"end", required_argument, NULL, 'z'}, {"cost", required_argument, NULL, 'o'},             \
        {"cost-per", required_argument, NULL, 'O'}, {"funding", required_argument, NULL, 'u'},     \
    {                                                                                              \
        "sites", required_argument, NULL, 't'                                                      \
    }

void cli_post_args_init(struct cli_post_args *a);
/* Take a post option: CLI_EXIT_OK or CLI_FIN_NOT_MINE. */
int cli_post_option(int c, struct cli_post_args *a);

/*
 * The post the options describe (strings borrowed from a, whose sites_buf
 * holds the sites' names; sites written into sites). A missing or
 * malformed field is a usage error naming the option.
 */
int cli_post_from_args(const char *cmd, struct cli_post_args *a, const struct pcn_roles *roles,
                       struct pcn_post_site *sites, struct pcn_post *ret);

/* The audit row of a command's write: route "workforce add", the object. */
struct cli_audit {
    const char *route;
    const char *object_type;
    const char *object_id;
};

/* Begin a write's transaction; an exit code. */
int cli_fin_begin(const char *cmd, struct pcn_store *s);

/*
 * End a write whose service call returned rc (err says why when it
 * failed): on success append the audit row and commit; otherwise, or when
 * that fails, roll back and print the error. An exit code.
 */
int cli_fin_commit(const char *cmd, struct pcn_store *s, enum pcn_err rc,
                   const struct pcn_error *err, const struct cli_audit *a);

/*
 * The synthetic twin's staff for network (NULL: every network with
 * members on as_of) from the workforce census (cli_twin_staff.c), inside
 * the caller's transaction; *ret_posts gets the posts written. A network
 * that already has posts is an error. An exit code.
 */
int cli_twin_staff(const char *cmd, struct pcn_store *store, const struct pcn_rates *rates,
                   const char *network, int32_t as_of, uint64_t seed, size_t *ret_posts);

/* The same in a transaction of its own with the rates loaded: the one call of `pcn generate`. */
int cli_generate_staff(const char *cmd, struct pcn_store *store, const char *network, int32_t as_of,
                       uint64_t seed, size_t *ret_posts);

/* Every finding on stderr, "pcn CMD: error: WHERE: MSG", then a count of those not kept. */
void cli_print_findings(const char *cmd, const struct pcn_findings *f);

#endif /* PCN_CLI_CLI_FINANCE_H */
