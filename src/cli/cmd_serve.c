/*
 * cmd_serve.c - pcn serve: load settings (defaults, then --config FILE,
 * then flags), start the server, print the bound address on stdout (tests
 * read it), and run until SIGTERM or SIGINT, then shut down gracefully.
 * Worker threads start with the signals blocked so only this thread sees
 * them; the handler only writes a byte to a pipe this thread waits on.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "pcn/server.h"
#include "util/common.h"

static const char serve_usage[] =
    "usage: pcn serve --db FILE [--listen ADDR:PORT] [--threads N] [--config FILE]\n"
    "                 [--web DIR] [--network CODE] [--request-time-limit SECONDS]\n"
    "                 [--set KEY=VALUE]... [--access-log]\n"
    "Settings (config file keys, also --set KEY=VALUE): see docs/api.md.\n";

static int arg_signal_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    char c = (char)sig;
    int saved = errno;

    (void)!write(arg_signal_pipe[1], &c, 1);
    errno = saved;
}

static int set_opt(struct pcn_server_config *c, const char *key, const char *value)
{
    struct pcn_error err;

    if (pcn_server_config_set(c, key, value, &err) != PCN_OK)
        return cli_usage_error("serve", "%s", err.msg);
    return CLI_EXIT_OK;
}

static int set_kv(struct pcn_server_config *c, const char *kv)
{
    char key[64];
    const char *eq = strchr(kv, '=');

    if (!eq || (size_t)(eq - kv) >= sizeof(key))
        return cli_usage_error("serve", "--set wants KEY=VALUE, not '%s'", kv);
    memcpy(key, kv, (size_t)(eq - kv));
    key[eq - kv] = '\0';
    return set_opt(c, key, eq + 1);
}

static int parse_serve_opts(int argc, char **argv, struct pcn_server_config *c)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"listen", required_argument, NULL, 'l'},
        {"threads", required_argument, NULL, 't'},
        {"config", required_argument, NULL, 'c'},
        {"web", required_argument, NULL, 'w'},
        {"network", required_argument, NULL, 'n'},
        {"set", required_argument, NULL, 's'},
        {"access-log", no_argument, NULL, 'a'},
        {"request-time-limit", required_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    struct pcn_error err;
    int rc = CLI_EXIT_OK;
    int ch;

    /* The config file first, so flags override it whatever their order. */
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 &&
            pcn_server_config_load(c, argv[i + 1], &err) != PCN_OK)
            return cli_usage_error("serve", "%s", err.msg);
    }
    optind = 1;
    for (;;) {
        if (rc != CLI_EXIT_OK)
            return rc;
        ch = getopt_long(argc, argv, "", opts, NULL);
        if (ch == -1)
            break;
        switch (ch) {
        case 'd':
            rc = set_opt(c, "db", optarg);
            break;
        case 'l':
            rc = set_opt(c, "listen", optarg);
            break;
        case 't':
            rc = set_opt(c, "threads", optarg);
            break;
        case 'w':
            rc = set_opt(c, "web_root", optarg);
            break;
        case 'n':
            rc = set_opt(c, "network", optarg);
            break;
        case 's':
            rc = set_kv(c, optarg);
            break;
        case 'r':
            rc = set_opt(c, "request_time_limit", optarg);
            break;
        case 'a':
            c->access_log = 1;
            break;
        case 'c':
            break;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    if (optind != argc)
        return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
    return CLI_EXIT_OK;
}

/* Block SIGTERM/SIGINT (threads inherit the mask) or unblock them here. */
static void mask_signals(int how)
{
    sigset_t set;

    (void)sigemptyset(&set);
    (void)sigaddset(&set, SIGTERM);
    (void)sigaddset(&set, SIGINT);
    (void)pthread_sigmask(how, &set, NULL);
}

static int install_handlers(void)
{
    struct sigaction sa;

    if (pipe2(arg_signal_pipe, O_CLOEXEC) != 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    (void)sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0)
        return -1;
    sa.sa_handler = SIG_IGN;
    return sigaction(SIGPIPE, &sa, NULL);
}

static void wait_for_signal(void)
{
    char c;

    for (;;) {
        ssize_t n = read(arg_signal_pipe[0], &c, 1);
        if (n == 1 || (n < 0 && errno != EINTR))
            return;
    }
}

int cmd_serve(int argc, char **argv)
{
    struct pcn_server_config cfg;
    struct pcn_server *srv = NULL;
    struct pcn_error err;
    char addr[128];
    int rc;

    if (cli_wants_help(argc, argv)) {
        fputs(serve_usage, stdout);
        return CLI_EXIT_OK;
    }
    pcn_server_config_init(&cfg);
    rc = parse_serve_opts(argc, argv, &cfg);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!cfg.db[0] && cli_db_location(NULL))
        (void)snprintf(cfg.db, sizeof(cfg.db), "%s", cli_db_location(NULL));
    if (!cfg.db[0])
        return cli_usage_error("serve", "no database: give --db FILE or set PCN_DB");
    if (install_handlers() != 0)
        return cli_runtime_error("serve", "cannot install signal handlers");
    if (pcn_server_new(&cfg, &srv, &err) != PCN_OK)
        return cli_runtime_error("serve", "%s", err.msg);
    mask_signals(SIG_BLOCK);
    rc = pcn_server_start(srv, addr, sizeof(addr), &err) == PCN_OK ? CLI_EXIT_OK : CLI_EXIT_RUNTIME;
    mask_signals(SIG_UNBLOCK);
    if (rc != CLI_EXIT_OK) {
        pcn_server_free(srv);
        return cli_runtime_error("serve", "%s", err.msg);
    }
    printf("listening on http://%s\n", addr);
    (void)fflush(stdout);
    wait_for_signal();
    fprintf(stderr, "pcn serve: shutting down\n");
    pcn_server_free(srv);
    (void)close(arg_signal_pipe[0]);
    (void)close(arg_signal_pipe[1]);
    return CLI_EXIT_OK;
}
