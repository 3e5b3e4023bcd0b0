/*
 * cmd_user.c - pcn user add|list|disable|enable|passwd: the server's users.
 * Passwords are read from standard input (one line), never from argv, and
 * stored as Argon2id hashes. Every change is written to the audit log in
 * the same transaction, as method "CLI".
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "pcn/audit.h"
#include "pcn/auth.h"
#include "pcn/date.h"
#include "pcn/store_auth.h"
#include "pcn/validate.h"
#include "pcn/views.h"
#include "util/common.h"

static const char user_usage[] =
    "usage: pcn user add     --db FILE --role ROLE [--practice ODS] NAME   (password on stdin)\n"
    "       pcn user list    --db FILE [--format table|csv|json]\n"
    "       pcn user disable --db FILE NAME\n"
    "       pcn user enable  --db FILE NAME\n"
    "       pcn user passwd  --db FILE NAME                              (password on stdin)\n"
    "Roles: admin clinical_director practice_manager clinician link_worker ppg_member analyst\n";

struct user_opts {
    const char *db;
    const char *role;
    const char *practice;
    enum pcn_format fmt;
};

/* Read one line from stdin and hash it. */
static int read_password(char hash[PCN_PWHASH_SIZE])
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, stdin);
    int rc = CLI_EXIT_OK;

    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    if (n < PCN_PASSWORD_MIN || n > PCN_PASSWORD_MAX)
        rc = cli_usage_error("user", "the password (one line on stdin) must be %d to %d bytes",
                             PCN_PASSWORD_MIN, PCN_PASSWORD_MAX);
    else if (pcn_password_hash(line, (size_t)n, hash) != PCN_OK)
        rc = cli_runtime_error("user", "cannot hash the password (out of memory)");
    if (line)
        memset(line, 0, cap);
    free(line); /* checksrc: ok (allocated by getline) */
    return rc;
}

/* Run one change and its audit row in a transaction. */
static int commit_change(struct pcn_store *store, const char *what, const char *name,
                         enum pcn_err rc)
{
    struct pcn_audit_row a = {.user_name = "cli",
                              .role = "admin",
                              .method = "CLI",
                              .route = what,
                              .object_type = "user",
                              .object_id = name,
                              .status = 200};

    if (rc == PCN_OK)
        rc = pcn_audit_append_tx(store, &a);
    if (rc == PCN_OK)
        rc = pcn_store_commit(store);
    if (rc != PCN_OK) {
        int ret = cli_runtime_error("user", "%s", pcn_store_errmsg(store));
        pcn_store_rollback(store);
        return ret;
    }
    return CLI_EXIT_OK;
}

static int user_add(struct pcn_store *store, const char *name, const struct user_opts *o)
{
    char hash[PCN_PWHASH_SIZE];
    enum pcn_role role;
    int rc;

    if (!o->role || pcn_role_parse(o->role, &role) != PCN_OK)
        return cli_usage_error("user add", "--role must be one of the roles (see --help)");
    if (pcn_role_needs_practice(role) && !o->practice)
        return cli_usage_error("user add", "--practice ODS is required for %s", o->role);
    if (o->practice && !pcn_ods_is_valid(PCN_ODS_PRACTICE, o->practice, strlen(o->practice)))
        return cli_usage_error("user add", "--practice '%s' is not a practice ODS code",
                               o->practice);
    rc = read_password(hash);
    if (rc != CLI_EXIT_OK)
        return rc;
    struct pcn_user u = {0, name, o->role, o->practice, hash, 0, pcn_now_usec()};
    enum pcn_err e = pcn_store_begin(store);
    if (e == PCN_OK)
        e = pcn_store_add_user(store, &u, NULL);
    rc = commit_change(store, "user add", name, e);
    if (rc == CLI_EXIT_OK)
        printf("user %s added (%s)\n", name, o->role);
    return rc;
}

static int user_list(struct pcn_store *store, const struct user_opts *o)
{
    struct pcn_view_opts v = {0};
    struct pcn_table *t = NULL;
    int rc;

    if (pcn_view_users(store, &v, &t, NULL) != PCN_OK)
        return cli_runtime_error("user list", "%s", pcn_store_errmsg(store));
    rc = cli_print_table("user list", t, o->fmt);
    pcn_table_free(t);
    return rc;
}

struct id_of {
    int64_t id;
};

static int take_id(const struct pcn_user *u, void *ud)
{
    ((struct id_of *)ud)->id = u->id;
    return 1;
}

static int user_set_disabled(struct pcn_store *store, const char *name, int disabled)
{
    struct id_of who = {0};
    enum pcn_err e = pcn_store_begin(store);
    int rc;

    if (e == PCN_OK)
        e = pcn_store_get_user(store, name, take_id, &who);
    if (e == PCN_OK)
        e = pcn_store_set_user_disabled(store, name, disabled);
    if (e == PCN_OK && disabled)
        e = pcn_store_revoke_user_sessions(store, who.id);
    rc = commit_change(store, disabled ? "user disable" : "user enable", name, e);
    if (rc == CLI_EXIT_OK)
        printf("user %s %s\n", name, disabled ? "disabled; sessions revoked" : "enabled");
    return rc;
}

static int user_passwd(struct pcn_store *store, const char *name)
{
    char hash[PCN_PWHASH_SIZE];
    struct id_of who = {0};
    int rc = read_password(hash);
    enum pcn_err e;

    if (rc != CLI_EXIT_OK)
        return rc;
    e = pcn_store_begin(store);
    if (e == PCN_OK)
        e = pcn_store_get_user(store, name, take_id, &who);
    if (e == PCN_OK)
        e = pcn_store_set_user_password(store, name, hash);
    if (e == PCN_OK)
        e = pcn_store_revoke_user_sessions(store, who.id);
    rc = commit_change(store, "user passwd", name, e);
    if (rc == CLI_EXIT_OK)
        printf("password of %s changed; sessions revoked\n", name);
    return rc;
}

static int parse_user_opts(int argc, char **argv, struct user_opts *o)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"role", required_argument, NULL, 'r'},
        {"practice", required_argument, NULL, 'p'},
        {"format", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };

    optind = 2;
    for (;;) {
        int c = getopt_long(argc, argv, "", opts, NULL);
        if (c == -1)
            return CLI_EXIT_OK;
        if (c == 'd')
            o->db = optarg;
        else if (c == 'r')
            o->role = optarg;
        else if (c == 'p')
            o->practice = optarg;
        else if (c == 'f' && cli_parse_format("user", optarg, &o->fmt) == CLI_EXIT_OK)
            continue;
        else
            return CLI_EXIT_USAGE;
    }
}

int cmd_user(int argc, char **argv)
{
    struct user_opts o = {.fmt = PCN_FORMAT_TABLE};
    struct pcn_store *store = NULL;
    const char *sub;
    bool is_list;
    int rc;

    if (argc < 2 || cli_wants_help(argc, argv)) {
        fputs(user_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    sub = argv[1];
    is_list = strcmp(sub, "list") == 0;
    if (!is_list && strcmp(sub, "add") != 0 && strcmp(sub, "disable") != 0 &&
        strcmp(sub, "enable") != 0 && strcmp(sub, "passwd") != 0)
        return cli_usage_error("user", "unknown subcommand '%s'", sub);
    rc = parse_user_opts(argc, argv, &o);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (is_list ? optind != argc : optind + 1 != argc)
        return cli_usage_error("user", "%s takes %s", sub, is_list ? "no arguments" : "one NAME");
    if (pcn_auth_init() != PCN_OK)
        return cli_runtime_error("user", "cannot initialise libsodium");
    rc = cli_open_store("user", o.db, strcmp(sub, "add") == 0 ? PCN_STORE_FLAG_CREATE : 0, &store);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (is_list)
        rc = user_list(store, &o);
    else if (strcmp(sub, "add") == 0)
        rc = user_add(store, argv[optind], &o);
    else if (strcmp(sub, "passwd") == 0)
        rc = user_passwd(store, argv[optind]);
    else
        rc = user_set_disabled(store, argv[optind], strcmp(sub, "disable") == 0);
    pcn_store_close(store);
    return rc;
}
