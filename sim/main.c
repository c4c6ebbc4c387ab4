/* SPDX-License-Identifier: Apache-2.0 */
/* se05x-sim: command line, signals, then the socket server. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "timing.h"
#include "server.h"
#include "daemonize.h"
#include "se05x_proto.h"
#include "sim.h"

#ifndef SE05X_SIM_VERSION
#define SE05X_SIM_VERSION "unknown"
#endif

static int g_stop_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    (void)sig;
    int e = errno;
    if (write(g_stop_pipe[1], "x", 1) < 0) {
        /* nothing to do: a stop is already pending */
    }
    errno = e;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: se05x-sim --state DIR [options]\n"
            "Emulates an NXP SE050C (IoT applet 3.x) over JRCP v1 and raw T=1 on one socket.\n"
            "  --state DIR               persistent state directory (created 0700; one emulator each;\n"
            "                            must belong to this user and be writable by nobody else)\n"
            "  --port PORT               TCP port (default 8050; 0 = pick a free port)\n"
            "  --bind ADDR               TCP bind address (default 127.0.0.1)\n"
            "  --unix PATH               also (or, without --port, only) listen on a unix socket\n"
            "                            (created mode 0600: only this user may connect)\n"
            "  --socket-group NAME       give the unix socket to group NAME with mode 0660\n"
            "  --port-file FILE          write the TCP port to FILE once listening\n"
            "  --stats FILE              append one JSON line per closed connection\n"
            "  --variant A|B|C|F         emulated chip variant (default C)\n"
            "  --idlist-page N           ids per ReadIDList page, 1..219 (default 219)\n"
            "  --persistent-capacity B   persistent memory in bytes (default 50000)\n"
            "  --transient-capacity B    transient memory in bytes (default 4096)\n"
            "  --tlv-long-form data|always|never  response length form (default data)\n"
            "  --curves all|ID[,ID..]    Weierstrass curves instantiated at start (hex ids, e.g. 03,04)\n"
            "  --scp03-keys FILE         Platform SCP03 keys (ENC/MAC/DEK lines; default: DEVKIT, KVN 0B)\n"
            "  --transient-reset shell|drop  chip reset keeps transient shells (default) or drops them\n"
            "  --freshness-any           accept attestation freshness of 1..16 bytes (default exactly 16)\n"
            "  --timing SPEC             T=1 latency table (default none)\n"
            "  --faults RATE             T=1 frame fault rate 0..1 (default 0)\n"
            "  --fault-seed N            seed of the fault generator\n"
            "  --t1-bus connection|shared  one T=1 state per connection (default) or one for all,\n"
            "                            as processes sharing one I2C bus (also SE05X_SIM_T1_BUS=shared)\n"
            "  --log-level L             error|warn|info|debug (default info)\n"
            "  --daemon                  go to the background once listening (prints its pid)\n"
            "  --help                    this text\n"
            "  --version                 print the version\n");
}

/* --curves all | ID[,ID...] with Weierstrass ids 1..16 (hex, e.g. 03,04 or 0x10). */
static int parse_curves(const char *s, uint32_t *mask)
{
    if (strcmp(s, "all") == 0) {
        *mask = 0x1FFFEu; /* ids 01..10 (11 = BN-P256 is not available) */
        return 0;
    }
    char *copy = strdup(s), *save = NULL;
    int rc = copy ? 0 : -1;
    for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && rc == 0;
         tok = strtok_r(NULL, ",", &save)) {
        char *end;
        unsigned long v = strtoul(tok, &end, 16);
        if (end == tok || *end || v < 1 || v > 0x10) {
            fprintf(stderr, "se05x-sim: invalid curve id '%s' in --curves (01..10 hex, or all)\n", tok);
            rc = -1;
        } else {
            *mask |= 1u << v;
        }
    }
    free(copy);
    return rc;
}

static int parse_ulong(const char *opt, const char *s, unsigned long lo, unsigned long hi,
                       unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (errno || end == s || *end || *s == '-' || v < lo || v > hi) {
        fprintf(stderr, "se05x-sim: invalid value for %s: '%s' (expected %lu..%lu)\n", opt, s, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    enum { O_STATE = 256, O_PORT, O_BIND, O_UNIX, O_PORTFILE, O_STATS, O_VARIANT, O_PAGE, O_PCAP,
           O_TCAP, O_TLV, O_CURVES, O_SOCKGROUP, O_SCPKEYS, O_TRESET, O_FRESH, O_TIMING, O_FAULTS, O_SEED, O_T1BUS, O_LOG, O_HELP,
           O_VERSION, O_DAEMON };
    static const struct option opts[] = {
        {"state", required_argument, 0, O_STATE},
        {"port", required_argument, 0, O_PORT},
        {"bind", required_argument, 0, O_BIND},
        {"unix", required_argument, 0, O_UNIX},
        {"socket-group", required_argument, 0, O_SOCKGROUP},
        {"port-file", required_argument, 0, O_PORTFILE},
        {"stats", required_argument, 0, O_STATS},
        {"variant", required_argument, 0, O_VARIANT},
        {"idlist-page", required_argument, 0, O_PAGE},
        {"persistent-capacity", required_argument, 0, O_PCAP},
        {"transient-capacity", required_argument, 0, O_TCAP},
        {"tlv-long-form", required_argument, 0, O_TLV},
        {"curves", required_argument, 0, O_CURVES},
        {"scp03-keys", required_argument, 0, O_SCPKEYS},
        {"transient-reset", required_argument, 0, O_TRESET},
        {"freshness-any", no_argument, 0, O_FRESH},
        {"timing", required_argument, 0, O_TIMING},
        {"faults", required_argument, 0, O_FAULTS},
        {"fault-seed", required_argument, 0, O_SEED},
        {"t1-bus", required_argument, 0, O_T1BUS},
        {"log-level", required_argument, 0, O_LOG},
        {"help", no_argument, 0, O_HELP},
        {"daemon", no_argument, 0, O_DAEMON},
        {"version", no_argument, 0, O_VERSION},
        {0, 0, 0, 0}};
    struct sim_card_cfg cc = {0};
    struct sim_server_cfg sc = {0};
    unsigned long v;
    bool port_given = false, daemon_mode = false;
    sc.ready_fd = -1;
    sc.bind_addr = "127.0.0.1";
    sc.port = JRCP_DEFAULT_PORT;
    sc.t1.timing = "none";
    cc.variant = 'C';
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case O_STATE: cc.state_dir = optarg; break;
        case O_PORT:
            if (parse_ulong("--port", optarg, 0, 65535, &v))
                return 2;
            sc.port = (int)v;
            port_given = true;
            break;
        case O_BIND: sc.bind_addr = optarg; break;
        case O_UNIX: sc.unix_path = optarg; break;
        case O_SOCKGROUP: {
            struct group *g = getgrnam(optarg);
            if (!g) {
                fprintf(stderr, "se05x-sim: unknown group '%s' for --socket-group\n", optarg);
                return 2;
            }
            sc.socket_group = true;
            sc.socket_gid = g->gr_gid;
            break;
        }
        case O_PORTFILE: sc.port_file = optarg; break;
        case O_STATS: cc.stats_path = optarg; break;
        case O_VARIANT:
            if (strlen(optarg) != 1 || !strchr("ABCF", optarg[0] & ~0x20)) {
                fprintf(stderr, "se05x-sim: unsupported --variant '%s' (A, B, C or F)\n", optarg);
                return 2;
            }
            cc.variant = (char)(optarg[0] & ~0x20);
            break;
        case O_PAGE:
            if (parse_ulong("--idlist-page", optarg, 1, 219, &v))
                return 2;
            cc.idlist_page = (unsigned)v;
            break;
        case O_PCAP:
        case O_TCAP:
            if (parse_ulong(o == O_PCAP ? "--persistent-capacity" : "--transient-capacity", optarg, 64,
                            1UL << 30, &v))
                return 2;
            if (o == O_PCAP)
                cc.persistent_capacity = v;
            else
                cc.transient_capacity = v;
            break;
        case O_TLV:
            if (strcmp(optarg, "data") == 0)
                cc.tlv_form = SIM_TLV_DATA;
            else if (strcmp(optarg, "always") == 0)
                cc.tlv_form = SIM_TLV_ALWAYS;
            else if (strcmp(optarg, "never") == 0)
                cc.tlv_form = SIM_TLV_NEVER;
            else {
                fprintf(stderr, "se05x-sim: invalid --tlv-long-form '%s' (data, always, never)\n", optarg);
                return 2;
            }
            break;
        case O_CURVES:
            if (parse_curves(optarg, &cc.preset_curves) != 0)
                return 2;
            break;
        case O_SCPKEYS: cc.scp03_keys = optarg; break;
        case O_TRESET:
            if (strcmp(optarg, "shell") != 0 && strcmp(optarg, "drop") != 0) {
                fprintf(stderr, "se05x-sim: invalid --transient-reset '%s' (shell, drop)\n", optarg);
                return 2;
            }
            cc.reset_drops_shells = strcmp(optarg, "drop") == 0;
            break;
        case O_FRESH: cc.freshness_any = true; break;
        case O_TIMING: {
            /* checked now, so that a bad table fails the start, not the first T=1 peer */
            struct sim_timing tm;
            char err[160];
            if (sim_timing_parse(optarg, &tm, err, sizeof(err)) != 0) {
                fprintf(stderr, "se05x-sim: invalid --timing '%s': %s\n", optarg, err);
                return 2;
            }
            sc.t1.timing = optarg;
            break;
        }
        case O_FAULTS: {
            char *end;
            double r = strtod(optarg, &end);
            if (end == optarg || *end || !(r >= 0.0 && r <= 1.0)) {
                fprintf(stderr, "se05x-sim: invalid --faults '%s' (a rate 0..1)\n", optarg);
                return 2;
            }
            sc.t1.fault_rate = r;
            break;
        }
        case O_T1BUS:
            if (strcmp(optarg, "shared") == 0) {
                sc.t1.shared_bus = 1;
            } else if (strcmp(optarg, "connection") != 0) {
                fprintf(stderr, "se05x-sim: invalid --t1-bus '%s' (connection or shared)\n", optarg);
                return 2;
            }
            break;
        case O_SEED:
            if (parse_ulong("--fault-seed", optarg, 0, 0xFFFFFFFFUL, &v))
                return 2;
            sc.t1.fault_seed = (unsigned)v;
            break;
        case O_LOG: {
            int l = sim_log_parse_level(optarg);
            if (l < 0) {
                fprintf(stderr, "se05x-sim: invalid --log-level '%s' (error, warn, info, debug)\n", optarg);
                return 2;
            }
            sim_log_set_level(l);
            break;
        }
        case O_HELP: usage(stdout); return 0;
        case O_DAEMON: daemon_mode = true; break;
        case O_VERSION: printf("se05x-sim %s\n", SE05X_SIM_VERSION); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "se05x-sim: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (!cc.state_dir) {
        fprintf(stderr, "se05x-sim: --state DIR is required\n");
        usage(stderr);
        return 2;
    }
    if (sc.socket_group && !sc.unix_path) {
        fprintf(stderr, "se05x-sim: --socket-group needs --unix PATH\n");
        return 2;
    }
    if (sc.unix_path && !port_given)
        sc.port = -1; /* --unix alone: no TCP */

    if (daemon_mode && sim_daemonize(&sc.ready_fd) != 0)
        return 1;
    if (pipe2(g_stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        perror("se05x-sim: pipe");
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sim_card *card;
    char err[512];
    if (sim_card_open(&cc, &card, err, sizeof err) != 0) {
        fprintf(stderr, "se05x-sim: %s\n", err);
        return 1;
    }
    int rc = sim_server_run(card, &sc, g_stop_pipe[0]) == 0 ? 0 : 1;
    sim_card_close(card);
    close(g_stop_pipe[0]);
    close(g_stop_pipe[1]);
    return rc;
}
