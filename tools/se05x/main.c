/* SPDX-License-Identifier: Apache-2.0 */
/* se05x — provision and use an EdgeLock SE05x (or the emulator) from the
 * command line. Global options, then one subcommand:
 *   se05x [--port CONN] [-v] <subcommand> [args] ; --help everywhere. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

#ifndef SE05X_TOOL_VERSION
#define SE05X_TOOL_VERSION "unknown"
#endif

static const struct tool_cmd cmds[] = {
    {"info", cmd_info, "applet version, features, UID, free memory, ATR"},
    {"list", cmd_list, "list the objects on the chip"},
    {"exists", cmd_exists, "tell whether an object exists (exit 0 yes, 1 no)"},
    {"generate", cmd_generate, "generate an EC or RSA key pair inside the chip"},
    {"import", cmd_import, "import an EC or RSA key (pair or public) from a PEM/DER file"},
    {"public", cmd_public, "export the public key of a key object (PEM)"},
    {"refkey", cmd_refkey, "write a reference key file for OpenSSL/engine/provider"},
    {"delete", cmd_delete, "delete an object"},
    {"reset", cmd_reset, "delete every non-reserved object (needs --yes)"},
    {"random", cmd_random, "random bytes from the chip"},
    {"sign", cmd_sign, "sign a file with a key in the chip (DER signature)"},
    {"verify", cmd_verify, "verify a signature with a key in the chip"},
    {"write", cmd_write, "store a file as a binary object"},
    {"read", cmd_read, "read a binary object (or the public part of a key)"},
    {"cert", cmd_cert, "store or read an X.509 certificate (cert write|read)"},
    {"csr", cmd_csr, "make a certificate signing request signed by a chip key"},
    {"scp03", cmd_scp03, "Platform SCP03 key rotation (scp03 rotate --new-keys FILE)"},
    {"claim", cmd_claim, "claim the reserved TRANSPORT and FACTORY_RESET auth objects"},
    {"provision", cmd_provision, "apply a provisioning manifest (docs/production.md)"},
    {"doctor", cmd_doctor, "check the setup step by step and name the fix for each problem"},
    {"attest", cmd_attest, "attested read of an object into a PEM record"},
    {"attest-verify", cmd_attest_verify, "verify an attestation record (no chip needed)"},
};

static void main_usage(FILE *f)
{
    fprintf(f, "Usage: se05x [--port CONN] [-v] <subcommand> [arguments]  (global options also after it)\n"
               "\n"
               "Provision and use an NXP EdgeLock SE05x secure element or the se05x-sim emulator.\n"
               "\n"
               "Global options:\n"
               "  -p, --port CONN   connection: HOST:PORT (JRCP v1), unix:PATH, t1:HOST:PORT,\n"
               "                    /dev/i2c-N[:0xAA]; default $EX_SSS_BOOT_SSS_PORT, then the\n"
               "                    \"port\" of $SE05X_CONF or /etc/se05x/se05x.conf, then /dev/i2c-1\n"
               "  -v, --verbose     which port is used and where it came from, informational\n"
               "                    messages and the library log (SE05X_LOG=info) on stderr\n"
               "  -h, --help        this help; 'se05x <subcommand> --help' for a subcommand\n"
               "      --version     print the version\n"
               "\n"
               "Subcommands:\n");
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        fprintf(f, "  %-9s %s\n", cmds[i].name, cmds[i].summary);
    fprintf(f, "\n"
               "Object ids are hex with or without 0x (0x7F000001, 7f000001).\n"
               "Exit status: 0 success, 1 failure, 2 usage error (nothing sent to the chip).\n");
}

bool tool_wants_help(int argc, char **argv, const char *usage)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return true;
        }
    }
    return false;
}

void tool_getopt_reset(void)
{
    optind = 0; /* glibc: full re-initialisation */
    opterr = 0;
}

int tool_parse_id_out(const struct tool *t, int argc, char **argv, const char *flag, bool *flag_set,
                      se05x_objid *id, const char **out, const char *expected)
{
    const struct option opts[] = {
        {"out", required_argument, NULL, 'o'}, {flag, no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
    tool_getopt_reset();
    int c;
    *out = NULL;
    while ((c = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
        if (c == 'o')
            *out = optarg;
        else if (c == 'f' && flag_set)
            *flag_set = true;
        else
            return tool_bad_option(t, c, argc, argv);
    }
    if (argc - optind != 1)
        return tool_usage(t, "%s", expected);
    return tool_parse_id(t, argv[optind], id);
}

bool tool_one_id(const struct tool *t, int argc, char **argv, const char *usage, se05x_objid *id, int *exit_code)
{
    *exit_code = 0;
    if (tool_wants_help(argc, argv, usage))
        return false;
    if (argc != 2)
        *exit_code = tool_usage(t, "expected one object id");
    else
        *exit_code = tool_parse_id(t, argv[1], id);
    return *exit_code == 0;
}

int tool_bad_option(const struct tool *t, int c, int argc, char **argv)
{
    /* getopt_long with a leading ':' in optstring: ':' = missing value,
     * '?' = unknown option (optopt set for short options only). */
    const char *opt = (optind >= 1 && optind <= argc) ? argv[optind - 1] : NULL;
    char shortopt[3] = {'-', (char)optopt, 0};
    if ((opt == NULL || strncmp(opt, "--", 2) != 0) && optopt > ' ' && optopt < 127)
        opt = shortopt;
    if (opt == NULL)
        opt = "?";
    if (c == ':')
        return tool_usage(t, "option '%s' needs a value", opt);
    return tool_usage(t, "unknown option '%s'", opt);
}

int main(int argc, char **argv)
{
    struct tool t;
    memset(&t, 0, sizeof t);
    int i = 1;
    while (i < argc && argv[i][0] == '-') {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            main_usage(stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("se05x %s\n", SE05X_TOOL_VERSION);
            return 0;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            t.verbose = 1;
        } else if (strcmp(a, "-p") == 0 || strcmp(a, "--port") == 0) {
            if (i + 1 >= argc)
                return tool_usage(&t, "option '%s' needs a connection string", a);
            t.port_arg = argv[++i];
        } else if (strncmp(a, "--port=", 7) == 0) {
            t.port_arg = a + 7;
        } else {
            return tool_usage(&t, "unknown option '%s'", a);
        }
        i++;
    }
    if (t.port_arg != NULL && t.port_arg[0] == 0)
        return tool_usage(&t, "empty --port");
    if (i >= argc) {
        main_usage(stderr);
        return EXIT_USAGE;
    }
    if (t.verbose)
        setenv("SE05X_LOG", "info", 0);
    const char *name = argv[i];
    /* Global options are taken after the subcommand too (before "--"):
     * se05x list --port X -v. They are removed from the subcommand's
     * arguments; no subcommand has options of those names. */
    int w = i + 1;
    for (int r = i + 1; r < argc; r++) {
        const char *a = argv[r];
        if (strcmp(a, "--") == 0) {
            while (r < argc)
                argv[w++] = argv[r++];
            break;
        }
        if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            t.verbose = 1;
        } else if (strcmp(a, "-p") == 0 || strcmp(a, "--port") == 0) {
            if (r + 1 >= argc)
                return tool_usage(&t, "option '%s' needs a connection string", a);
            t.port_arg = argv[++r];
        } else if (strncmp(a, "--port=", 7) == 0) {
            t.port_arg = a + 7;
        } else {
            argv[w++] = argv[r];
        }
    }
    argc = w;
    argv[argc] = NULL;
    if (t.port_arg != NULL && t.port_arg[0] == 0)
        return tool_usage(&t, "empty --port");
    if (t.verbose)
        setenv("SE05X_LOG", "info", 0);
    for (size_t k = 0; k < sizeof cmds / sizeof cmds[0]; k++) {
        if (strcmp(name, cmds[k].name) == 0) {
            t.sub = cmds[k].name;
            int rc = cmds[k].fn(&t, argc - i, argv + i);
            tool_close(&t);
            return rc;
        }
    }
    return tool_usage(&t, "unknown subcommand '%s'", name);
}
