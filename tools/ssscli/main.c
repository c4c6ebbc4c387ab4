/* SPDX-License-Identifier: Apache-2.0 */
/* ssscli entry: global options, click-style option parsing, dispatch. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssscli.h"

#include <se05x/version.h>

static void usage(FILE *f)
{
    fputs("usage: ssscli [--port CONN] [-v] <command> ...\n"
          "  connect <se05x|se050> <t1oi2c|jrcpv1|t1tcp|none> <port|none> [--auth_type PlatformSCP --scpkey FILE]\n"
          "  disconnect\n"
          "  se05x reset|uid|certuid|readidlist\n"
          "  set ecc|rsa pair|pub <keyid> <file>      set cert|bin <keyid> <file>\n"
          "  get ecc|rsa pair|pub <keyid> <file>      get cert|bin <keyid> <file>  [--format DER|PEM]\n"
          "  generate ecc <keyid> <curve>             generate rsa <keyid> <1024|2048|3072|4096>\n"
          "  erase <keyid>\n"
          "  refpem ecc pair|pub <keyid> <file>       refpem rsa pair <keyid> <file>  [--format DER|PEM]\n"
          "         [--password P] [--cert FILE]\n"
          "  sign <keyid> <in> <sig> [--hashalgo H]   verify <keyid> <in> <sig> [--hashalgo H]\n"
          "  encrypt|decrypt <keyid> <data|file> <out> [--algo oaep|rsaes]   (RSA)\n"
          "  policy asymkey|file <name> <auth_obj_id> [--sign B ...]   policy dump <name>\n"
          "  (set/generate ... --policy_name <name>)\n"
          "  policy flags (B = true|false): --sign --verify --encrypt --decrypt --key_derive --wrap\n"
          "    --generate --write --read --import_export --key_agreement --attest --forbid_all\n"
          "    --delete --req_sm --forbid_derived_output --req_pcr_val\n"
          "  -h, --help   this text          --version   print the version\n"
          "Connection: --port > `connect` state > EX_SSS_BOOT_SSS_PORT > /etc/se05x/se05x.conf > /dev/i2c-1\n"
          "  (a state saved with the port none leaves the choice to EX_SSS_BOOT_SSS_PORT and the file)\n"
          "  -v, --verbose  say which port is used and where it came from\n",
          f);
}

static const struct {
    const char *name;
    int (*fn)(struct cli *);
} g_cmds[] = {
    {"connect", cmd_connect}, {"disconnect", cmd_disconnect}, {"se05x", cmd_se05x},
    {"set", cmd_set},         {"get", cmd_get},               {"generate", cmd_generate},
    {"erase", cmd_erase},     {"refpem", cmd_refpem},         {"sign", cmd_sign},
    {"verify", cmd_verify},   {"encrypt", cmd_encrypt},       {"decrypt", cmd_decrypt},
    {"policy", cmd_policy},
};

/* The options and the commands that take them (click: an option another
 * command owns is "no such option", a usage error). --port is ours and
 * taken everywhere. */
static const struct {
    const char *name;
    size_t off;
    const char *cmds; /* space-separated; NULL: every command */
} opts[] = {
    {"port", offsetof(struct cli, port), NULL},
    {"format", offsetof(struct cli, format), " set get refpem "},
    {"hashalgo", offsetof(struct cli, hashalgo), " sign verify "},
    {"policy_name", offsetof(struct cli, policy_name), " set generate "},
    {"auth_type", offsetof(struct cli, auth_type), " connect "},
    {"scpkey", offsetof(struct cli, scpkey), " connect "},
    {"password", offsetof(struct cli, password), " refpem "},
    {"cert", offsetof(struct cli, cert), " refpem "},
    {"algo", offsetof(struct cli, algo), " encrypt decrypt "},
};
#define NOPTS (sizeof(opts) / sizeof(opts[0]))

/* --opt value / --opt=value; both - and _ spellings (click accepts --auth_type). */
static int take_opt(struct cli *c, const char *cmd, int argc, char **argv, int *i)
{
    const char *a = argv[*i] + 2;
    char name[32];
    const char *eq = strchr(a, '=');
    size_t n = eq ? (size_t)(eq - a) : strlen(a);
    if (n >= sizeof(name))
        return cli_usage("unknown option %s", argv[*i]);
    memcpy(name, a, n);
    name[n] = 0;
    for (char *p = name; *p; p++)
        if (*p == '-')
            *p = '_';
    for (size_t k = 0; k < NOPTS; k++) {
        if (strcmp(name, opts[k].name) != 0)
            continue;
        const char *v = eq ? eq + 1 : NULL;
        if (!v) {
            if (*i + 1 >= argc)
                return cli_usage("option --%s needs a value", name);
            v = argv[++*i];
        }
        *(const char **)((char *)c + opts[k].off) = v;
        c->given |= 1u << k;
        return 0;
    }
    if (cmd && strcmp(cmd, "policy") == 0 && c->nflags < CLI_MAX_FLAGS) {
        const char *v = eq ? eq + 1 : NULL;
        if (!v) {
            if (*i + 1 >= argc)
                return cli_usage("option --%s needs a value", name);
            v = argv[++*i];
        }
        strcpy(c->flag_name[c->nflags], name);
        c->flag_value[c->nflags++] = v;
        return 0;
    }
    return cli_usage("unknown option %s (see ssscli --help)", argv[*i]);
}

/* An option given to a command that does not take it: usage error. */
static int check_opts(const struct cli *c, const char *cmd)
{
    char key[40];
    snprintf(key, sizeof(key), " %s ", cmd);
    for (size_t k = 0; k < NOPTS; k++)
        if ((c->given & (1u << k)) && opts[k].cmds && !strstr(opts[k].cmds, key))
            return cli_usage("'%s' takes no option --%s (see ssscli --help)", cmd, opts[k].name);
    return 0;
}

int main(int argc, char **argv)
{
    struct cli c;
    memset(&c, 0, sizeof(c));
    char **pos = calloc((size_t)argc + 1, sizeof(char *));
    if (!pos)
        return cli_err("out of memory");
    const char *cmd = NULL;
    int np = 0, rc;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            free(pos);
            return 0;
        }
        if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
            c.verbose = 1;
            continue;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("ssscli %s\n", SE05X_VERSION_STRING);
            free(pos);
            return 0;
        }
        if (strncmp(argv[i], "--", 2) == 0 && argv[i][2]) {
            if ((rc = take_opt(&c, cmd, argc, argv, &i)) != 0) {
                free(pos);
                return rc;
            }
            continue;
        }
        if (!cmd)
            cmd = argv[i];
        else
            pos[np++] = argv[i];
    }
    if (!cmd) {
        usage(stderr);
        free(pos);
        return 2;
    }
    c.argc = np;
    c.argv = pos;
    for (size_t k = 0; k < sizeof(g_cmds) / sizeof(g_cmds[0]); k++) {
        if (strcmp(cmd, g_cmds[k].name) == 0) {
            rc = check_opts(&c, cmd);
            if (rc == 0)
                rc = g_cmds[k].fn(&c);
            free(pos);
            return rc;
        }
    }
    free(pos);
    if (strcmp(cmd, "a71ch") == 0 || strcmp(cmd, "cloud") == 0)
        return cli_err("'%s' is not supported by this ssscli", cmd);
    return cli_usage("unknown command '%s' (see ssscli --help)", cmd);
}
