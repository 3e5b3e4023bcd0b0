/*
 * cli.c - helpers every subcommand uses: error lines, --db, --format,
 * dates, opening the store, printing tables.
 */
#include "cli/cli.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcn/audit.h"
#include "pcn/date.h"
#include "pcn/engine.h"
#include "util/common.h"

static void vreport(const char *cmd, const char *fmt, va_list ap)
{
    fprintf(stderr, "pcn %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(cmd, fmt, ap);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

int cli_runtime_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(cmd, fmt, ap);
    va_end(ap);
    return CLI_EXIT_RUNTIME;
}

const char *cli_db_location(const char *opt)
{
    const char *env;

    if (opt)
        return opt;
    env = getenv("PCN_DB");
    return env && *env ? env : NULL;
}

int cli_open_store(const char *cmd, const char *db_opt, unsigned flags, struct pcn_store **ret)
{
    const char *loc = cli_db_location(db_opt);
    struct pcn_error err;

    if (!loc)
        return cli_usage_error(cmd, "no database: give --db FILE or set PCN_DB");
    if (pcn_store_open(loc, flags, ret, &err) != PCN_OK)
        return cli_runtime_error(cmd, "%s", err.msg);
    return CLI_EXIT_OK;
}

int cli_audit_read(const char *cmd, const char *db_opt, const char *route, const char *object_type,
                   const char *object_id)
{
    const struct passwd *pw = getpwuid(geteuid());
    char user[64];
    struct pcn_store *store = NULL;
    struct pcn_audit_row a = {
        .user_name = user,
        .role = "admin",
        .method = "CLI",
        .route = route,
        .object_type = object_type,
        .object_id = object_id,
        .status = 200,
    };
    int rc;

    if (pw && pw->pw_name && pw->pw_name[0])
        (void)snprintf(user, sizeof(user), "%s", pw->pw_name);
    else
        (void)snprintf(user, sizeof(user), "uid %ld", (long)geteuid());
    rc = cli_open_store(cmd, db_opt, 0, &store);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (pcn_audit_append(store, &a) != PCN_OK)
        rc = cli_runtime_error(cmd, "cannot write the audit row, so no patient data is shown: %s",
                               pcn_store_errmsg(store));
    pcn_store_close(store);
    return rc;
}

int cli_parse_format(const char *cmd, const char *s, enum pcn_format *ret)
{
    if (pcn_format_parse(s, ret) != PCN_OK)
        return cli_usage_error(cmd, "--format must be table, csv or json, not '%s'", s);
    return CLI_EXIT_OK;
}

int cli_parse_date(const char *cmd, const char *opt, const char *s, int32_t *ret)
{
    if (pcn_date_parse(s, strlen(s), ret) != PCN_OK)
        return cli_usage_error(cmd, "%s: '%s' is not a date (YYYY-MM-DD)", opt, s);
    return CLI_EXIT_OK;
}

int cli_print_table(const char *cmd, const struct pcn_table *t, enum pcn_format fmt)
{
    enum pcn_err rc = pcn_table_print(t, fmt, stdout);

    if (rc == PCN_OK && fflush(stdout) != 0)
        rc = PCN_EIO;
    if (rc != PCN_OK)
        return cli_runtime_error(cmd, "writing output: %s", pcn_err_str(rc));
    return CLI_EXIT_OK;
}

int cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    }
    return 0;
}

int cli_default_as_of(const char *cmd, struct pcn_store *store, int32_t *ret)
{
    if (pcn_store_default_as_of(store, ret) != PCN_OK)
        return cli_runtime_error(cmd, "cannot work out the default --as-of date: %s",
                                 pcn_store_errmsg(store));
    return CLI_EXIT_OK;
}
