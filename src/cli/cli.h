/*
 * cli.h - shared by the pcn subcommands: exit codes, error reporting (one
 * line on stderr, prefixed "pcn CMD: "), --db resolution (flag, then the
 * PCN_DB environment variable), opening the store, --format parsing.
 * Subcommands are int cmd_<name>(int argc, char **argv) with argv[0] the
 * subcommand name; they parse their own options with getopt_long.
 */
#ifndef PCN_CLI_CLI_H
#define PCN_CLI_CLI_H

#include <stdbool.h>

#include "pcn/error.h"
#include "pcn/store.h"
#include "pcn/table.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_RUNTIME 1
#define CLI_EXIT_USAGE 2

/* Print "pcn CMD: message" to stderr; return CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print "pcn CMD: message" to stderr; return CLI_EXIT_RUNTIME. */
int cli_runtime_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The database location: opt when not NULL, else $PCN_DB, else NULL. */
const char *cli_db_location(const char *opt);

/*
 * Open the store named by db_opt (see cli_db_location). On failure prints
 * the reason and returns the exit code to use; CLI_EXIT_OK on success.
 * Caller closes *ret with pcn_store_close().
 */
int cli_open_store(const char *cmd, const char *db_opt, unsigned flags, struct pcn_store **ret);

/*
 * Record in the audit log that the operating-system user read
 * patient-level data with a command, as the server records its patient
 * reads: user the OS user's name, role "admin" and method "CLI" (as pcn
 * user records its changes), route the command ("report", "export"),
 * object type and id (a worklist and how many
 * patients it returned, an export). Opens the database for writing on its
 * own handle (the command may hold a read-only one). Fails closed: the
 * caller prints nothing when it returns an error (printed here).
 */
int cli_audit_read(const char *cmd, const char *db_opt, const char *route, const char *object_type,
                   const char *object_id);

/* Parse a --format value; prints the error and returns CLI_EXIT_USAGE on failure. */
int cli_parse_format(const char *cmd, const char *s, enum pcn_format *ret);

/* Parse a YYYY-MM-DD option value; prints the error and returns CLI_EXIT_USAGE on failure. */
int cli_parse_date(const char *cmd, const char *opt, const char *s, int32_t *ret);

/*
 * The default as-of date of an analysis or a registry listing: the
 * store's one rule (pcn_store_default_as_of(): data_as_of, else the latest
 * record date when not after today, else today). Prints the error and
 * returns CLI_EXIT_RUNTIME when the database cannot say.
 */
int cli_default_as_of(const char *cmd, struct pcn_store *store, int32_t *ret);

/* Print a table to stdout; returns an exit code. Frees nothing. */
int cli_print_table(const char *cmd, const struct pcn_table *t, enum pcn_format fmt);

/* True if argv[i] is -h or --help; used for per-command help. */
int cli_wants_help(int argc, char **argv);

struct pcn_program;
struct pcn_eval_options;

/* Options of pcn report calibration (calibration.c). */
struct cli_calibration_opts {
    const char *db;
    const struct pcn_eval_options *eval; /* as_of, threads; by and suppress are overridden */
    bool as_of_given;                    /* else today, or the data's last record date if earlier */
    enum pcn_format fmt; /* table: register misses, the checks, a summary; csv, json: every row */
    const char *defs;    /* the standard library's directory (NULL: <data dir>/defs) */
    bool checks_only;    /* pcn report calibration-checks: the checks table alone */
};

/*
 * pcn report calibration: the standard library's registers by practice
 * against QOF 2024-25, with QOF's list-type denominators, and the twin's
 * checks against published figures (docs/generator.md, "Calibration").
 * Loads defs/calibration/twin.pcn into p (which holds the standard
 * library). Returns CLI_EXIT_RUNTIME when a practice over 5,000 patients
 * misses the tolerance or a check that applies is out of its range.
 */
int cli_report_calibration(struct pcn_program *p, const struct cli_calibration_opts *o);

/* The subcommands. */
int cmd_init(int argc, char **argv);
int cmd_registry(int argc, char **argv);
int cmd_network(int argc, char **argv);
int cmd_practice(int argc, char **argv);
int cmd_sp(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_workforce(int argc, char **argv);
int cmd_finance(int argc, char **argv);
int cmd_ppg(int argc, char **argv);

#endif /* PCN_CLI_CLI_H */
