/* SPDX-License-Identifier: Apache-2.0 */
/* policy asymkey|file <name> <auth_obj_id> [--flag BOOL ...], policy dump <name>:
 * named object policies (docs/protocol/compat.md §2) kept as small text files in
 * ${XDG_CONFIG_HOME:-~/.config}/se05x/ssscli-policies/<name> (0600), one
 * rule per auth object id (a new rule for the same id replaces it, at most
 * 6), applied by `set ... --policy_name <name>` and `generate ... --policy_name`.
 * Flag names and defaults are NXP's ssscli's. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ssscli.h"

struct flag {
    const char *name;
    uint32_t bit;  /* 0: accepted only when false (no applet bit we can set) */
    int dflt;
};

static const struct flag asym_flags[] = {
    {"sign", SE05X_POLICY_SIGN, 1},          {"verify", SE05X_POLICY_VERIFY, 1},
    {"encrypt", SE05X_POLICY_ENC, 1},        {"decrypt", SE05X_POLICY_DEC, 1},
    {"key_derive", SE05X_POLICY_KDF, 0},     {"wrap", SE05X_POLICY_WRAP, 0},
    {"generate", SE05X_POLICY_GEN, 1},       {"write", SE05X_POLICY_WRITE, 1},
    {"read", SE05X_POLICY_READ, 1},          {"import_export", SE05X_POLICY_IMPORT_EXPORT, 0},
    {"key_agreement", SE05X_POLICY_KA, 0},   {"attest", SE05X_POLICY_ATTESTATION, 0},
    {"forbid_all", SE05X_POLICY_FORBID_ALL, 0}, {"delete", SE05X_POLICY_DELETE, 1},
    {"req_sm", SE05X_POLICY_REQUIRE_SM, 0},  {"forbid_derived_output", 0, 0},
    {"req_pcr_val", 0, 0},                   {NULL, 0, 0},
};
static const struct flag file_flags[] = {
    {"read", SE05X_POLICY_READ, 1},          {"write", SE05X_POLICY_WRITE, 1},
    {"delete", SE05X_POLICY_DELETE, 1},      {"forbid_all", SE05X_POLICY_FORBID_ALL, 0},
    {"req_sm", SE05X_POLICY_REQUIRE_SM, 0},  {"req_pcr_val", 0, 0},
    {NULL, 0, 0},
};

static int parse_bool(const char *v, int *out)
{
    static const char *t[] = {"true", "1", "yes", "y", "t", "on"}, *f[] = {"false", "0", "no", "n", "f", "off"};
    for (size_t i = 0; i < 6; i++) {
        if (strcasecmp(v, t[i]) == 0)
            return *out = 1, 0;
        if (strcasecmp(v, f[i]) == 0)
            return *out = 0, 0;
    }
    return -1;
}

static int policy_path(const char *name, char *buf, size_t len, int create_dir)
{
    if (!*name || strlen(name) > 64)
        return cli_usage("policy name must be 1..64 characters");
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.')
            return cli_usage("policy name '%s': use letters, digits, '.', '_', '-'", name);
    if (name[0] == '.')
        return cli_usage("policy name may not start with '.'");
    char sess[4200];
    if (session_path(sess, sizeof(sess)) != 0)
        return cli_err("no configuration directory (HOME unset)");
    char *slash = strrchr(sess, '/');
    *slash = 0; /* .../se05x */
    if (create_dir) {
        char parent[4200];
        snprintf(parent, sizeof(parent), "%s", sess);
        char *ps = strrchr(parent, '/');
        if (ps) {
            *ps = 0;
            mkdir(parent, 0700);
        }
        mkdir(sess, 0700);
    }
    int n = snprintf(buf, len, "%s/ssscli-policies", sess);
    if (create_dir && mkdir(buf, 0700) != 0 && errno != EEXIST)
        return cli_err("cannot create %s: %s", buf, strerror(errno));
    n = snprintf(buf + n, len - (size_t)n, "/%s", name);
    return n > 0 ? 0 : 1;
}

/* Reads a policy file: type ("asymkey"/"file") and rules. 0 ok, 1 error (printed), -1 absent. */
static int read_policy(const char *path, char type[16], struct se05x_policy *pol)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? -1 : cli_err("cannot read %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) {
        close(fd);
        return cli_err("%s is not a private file of yours; refusing it", path);
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        return 1;
    }
    char line[128];
    memset(pol, 0, sizeof(*pol));
    type[0] = 0;
    int bad = 0;
    while (fgets(line, sizeof(line), f)) {
        unsigned a, r;
        if (strncmp(line, "type=", 5) == 0) {
            snprintf(type, 16, "%.*s", (int)strcspn(line + 5, "\r\n"), line + 5);
        } else if (sscanf(line, "rule=%x %x", &a, &r) == 2 && pol->n < SE05X_POLICY_MAX_RULES) {
            pol->rule[pol->n].auth_id = a;
            pol->rule[pol->n++].rules = r;
        } else if (line[0] != '#' && line[0] != '\n') {
            bad = 1;
        }
    }
    fclose(f);
    if (bad || !type[0] || pol->n == 0)
        return cli_err("%s is malformed", path);
    return 0;
}

static int write_policy(const char *path, const char *type, const struct se05x_policy *pol)
{
    char text[1024];
    int n = snprintf(text, sizeof(text), "# ssscli object policy\ntype=%s\n", type);
    for (unsigned i = 0; i < pol->n; i++)
        n += snprintf(text + n, sizeof(text) - (size_t)n, "rule=0x%08X 0x%08X\n", (unsigned)pol->rule[i].auth_id,
                      (unsigned)pol->rule[i].rules);
    return cli_write_file_mode(path, text, (size_t)n, 0600);
}

static void dump_rules(uint32_t r)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {{SE05X_POLICY_FORBID_ALL, "FORBID_ALL"}, {SE05X_POLICY_SIGN, "SIGN"},
                 {SE05X_POLICY_VERIFY, "VERIFY"}, {SE05X_POLICY_KA, "KEY_AGREEMENT"},
                 {SE05X_POLICY_ENC, "ENCRYPT"}, {SE05X_POLICY_DEC, "DECRYPT"}, {SE05X_POLICY_KDF, "KEY_DERIVE"},
                 {SE05X_POLICY_WRAP, "WRAP"}, {SE05X_POLICY_READ, "READ"}, {SE05X_POLICY_WRITE, "WRITE"},
                 {SE05X_POLICY_GEN, "GENERATE"}, {SE05X_POLICY_DELETE, "DELETE"},
                 {SE05X_POLICY_REQUIRE_SM, "REQ_SM"}, {SE05X_POLICY_ATTESTATION, "ATTEST"},
                 {SE05X_POLICY_IMPORT_EXPORT, "IMPORT_EXPORT"}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (r & names[i].bit)
            printf(" %s", names[i].name);
    printf("\n");
}

int cmd_policy(struct cli *c)
{
    char path[4400], type[16];
    struct se05x_policy pol;
    if (c->argc == 2 && strcmp(c->argv[0], "dump") == 0) {
        int r = policy_path(c->argv[1], path, sizeof(path), 0);
        if (r)
            return r;
        r = read_policy(path, type, &pol);
        if (r < 0)
            return cli_err("no policy named '%s'", c->argv[1]);
        if (r)
            return 1;
        printf("Policy %s (%s):\n", c->argv[1], type);
        for (unsigned i = 0; i < pol.n; i++) {
            printf("  auth object 0x%08X:", (unsigned)pol.rule[i].auth_id);
            dump_rules(pol.rule[i].rules);
        }
        return 0;
    }
    if (c->argc != 3)
        return cli_usage("usage: ssscli policy asymkey|file <name> <auth_obj_id> [--sign B ...] | policy dump <name>");
    const char *t = c->argv[0];
    const struct flag *flags = strcmp(t, "asymkey") == 0 ? asym_flags : strcmp(t, "file") == 0 ? file_flags : NULL;
    if (!flags && (!strcmp(t, "symkey") || !strcmp(t, "counter") || !strcmp(t, "userid") || !strcmp(t, "pcr")))
        return cli_err("policy type '%s' is not supported by this ssscli (asymkey, file)", t);
    if (!flags)
        return cli_usage("unknown policy type '%s' (asymkey, file)", t);
    char *end;
    unsigned long auth = strtoul(c->argv[2], &end, 16);
    if (*end || end == c->argv[2] || auth > 0xFFFFFFFFul)
        return cli_usage("invalid auth_obj_id '%s' (hex; 0 = access without a session)", c->argv[2]);
    uint32_t rules = 0;
    for (const struct flag *f = flags; f->name; f++)
        if (f->dflt)
            rules |= f->bit;
    for (int i = 0; i < c->nflags; i++) {
        const struct flag *f = flags;
        while (f->name && strcmp(f->name, c->flag_name[i]) != 0)
            f++;
        if (!f->name)
            return cli_usage("--%s is not a %s policy flag", c->flag_name[i], t);
        int v;
        if (parse_bool(c->flag_value[i], &v))
            return cli_usage("--%s: '%s' is not a boolean", f->name, c->flag_value[i]);
        if (!f->bit && v)
            return cli_err("--%s true is not supported", f->name);
        rules = v ? (rules | f->bit) : (rules & ~f->bit);
    }
    int r = policy_path(c->argv[1], path, sizeof(path), 1);
    if (r)
        return r;
    r = read_policy(path, type, &pol);
    if (r > 0)
        return 1;
    if (r < 0) {
        memset(&pol, 0, sizeof(pol));
    } else if (strcmp(type, t) != 0) {
        return cli_err("policy '%s' is a %s policy, not %s", c->argv[1], type, t);
    }
    unsigned k = 0;
    while (k < pol.n && pol.rule[k].auth_id != auth)
        k++;
    if (k == pol.n) {
        if (pol.n == SE05X_POLICY_MAX_RULES)
            return cli_err("policy '%s' already has %d rules", c->argv[1], SE05X_POLICY_MAX_RULES);
        pol.n++;
    }
    pol.rule[k].auth_id = (uint32_t)auth;
    pol.rule[k].rules = rules;
    if (write_policy(path, t, &pol))
        return 1;
    printf("Object Policy created successfully\n");
    return 0;
}

int policy_load_typed(const char *name, const char *want_type, struct se05x_policy *pol)
{
    char path[4400], type[16];
    int r = policy_path(name, path, sizeof(path), 0);
    if (r)
        return r;
    r = read_policy(path, type, pol);
    if (r < 0)
        return cli_err("no policy named '%s' (create it with ssscli policy %s %s <auth_obj_id>)", name, want_type,
                       name);
    if (r)
        return 1;
    if (strcmp(type, want_type) != 0)
        return cli_err("policy '%s' is a %s policy; this object needs a %s policy", name, type, want_type);
    return 0;
}
