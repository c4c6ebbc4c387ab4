/* SPDX-License-Identifier: Apache-2.0 */
/* info, list, exists, random: read-only questions to the chip. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "fileio.h"
#include "lock.h"

/* ---- info ---- */

static const char info_usage[] =
    "Usage: se05x info [--json]\n"
    "Prints the applet version, generation (3.x or 7.x), variant and features, the UID and\n"
    "CertUID, free memory, the ATR and whether the reserved auth objects are claimed\n"
    "(se05x claim).\n"
    "  --json   one JSON object on stdout instead (docs/tools.md)\n"
    "Warns on stderr when the TRANSPORT (0x7FFF0200) or FACTORY_RESET (0x7FFF0205) auth\n"
    "object does not exist: whoever creates it first controls the chip.\n";

/* The applet-reserved auth objects nobody should be able to create after
 * provisioning (docs/tools.md, issue 9): on a fresh chip any client may
 * write them and then holds the power they give. */
static const struct {
    se05x_objid id;
    const char *name, *risk;
} unclaimed[] = {
    {0x7FFF0200u, "TRANSPORT",
     "any client can create it, open a session with full access to every object (policies not "
     "checked) and lock the chip for good"},
    {0x7FFF0205u, "FACTORY_RESET", "any client can create it and erase every object with DeleteAll"},
};

/* The claim state of each on stdout (docs/production.md "Claim"), and one
 * loud line on stderr for each of them that does not exist. */
static void warn_unclaimed(se05x_session *s)
{
    bool missing[2] = {false, false};
    for (size_t i = 0; i < sizeof unclaimed / sizeof unclaimed[0]; i++) {
        enum se05x_claim_state st = SE05X_UNCLAIMED;
        char label[40];
        snprintf(label, sizeof label, "%s 0x%08X:", unclaimed[i].name, unclaimed[i].id);
        se05x_rc rc = se05x_claim_state(s, unclaimed[i].id, &st);
        if (rc != SE05X_OK) {
            printf("%-27s unknown (%s)\n", label, se05x_strerror(rc));
            continue;
        }
        printf("%-27s %s\n", label, tool_claim_text(st));
        missing[i] = st == SE05X_UNCLAIMED;
    }
    fflush(stdout);
    for (size_t i = 0; i < sizeof unclaimed / sizeof unclaimed[0]; i++)
        if (missing[i])
            fprintf(stderr,
                    "se05x: WARNING: %s auth object 0x%08X is unclaimed: %s; fix: claim it at "
                    "provisioning (create it with a secret value and a policy that forbids rewriting it: "
                    "'se05x claim', docs/production.md)\n",
                    unclaimed[i].name, unclaimed[i].id, unclaimed[i].risk);
}

static void print_features(uint16_t cfg)
{
    static const struct {
        uint16_t bit;
        const char *name;
    } f[] = {
        {0x0001, "ECDAA"}, {0x0002, "ECDSA/ECDH"}, {0x0004, "EdDSA"}, {0x0008, "X25519/X448"},
        {0x0010, "HMAC"},  {0x0020, "RSA"},        {0x0040, "RSA-CRT"}, {0x0080, "AES"},
        {0x0100, "DES"},   {0x0200, "PBKDF"},      {0x0400, "TLS"},   {0x0800, "DESFire"},
        {0x2000, "I2C master"},
    };
    const char *sep = "";
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (cfg & f[i].bit) {
            printf("%s%s", sep, f[i].name);
            sep = " ";
        }
    }
    printf(")\n");
}

int cmd_info(struct tool *t, int argc, char **argv)
{
    if (tool_wants_help(argc, argv, info_usage))
        return 0;
    bool json = argc == 2 && strcmp(argv[1], "--json") == 0;
    if (argc > 1 && !json)
        return tool_usage(t, "unexpected argument '%s'", argv[1]);
    se05x_session *s = tool_session(t);
    if (s == NULL)
        return 1;
    if (json)
        return tool_info_json(t, s);
    const struct se05x_applet_info *a = se05x_applet(s);
    printf("%-27s %s\n", "connection:", se05x_conn(s));
    printf("%-27s %s\n", "link:", se05x_link_mode(s)); /* plain | platform-scp03, never keys */
    if (a != NULL) {
        printf("%-27s %u.%u.%u\n", "applet version:", a->major, a->minor, a->patch);
        printf("%-27s 0x%04X (", "applet config:", a->config);
        fflush(stdout);
        print_features(a->config);
        printf("%-27s %u.%u\n", "secure box version:", a->sb_major, a->sb_minor);
    }
    struct se05x_chip_features cf;
    if (se05x_chip_features(s, &cf) == SE05X_OK) {
        printf("%-27s %u.x\n", "applet generation:", cf.generation);
        printf("%-27s %s\n", "chip variant:", cf.variant);
        printf("%-27s %u bytes\n", "APDU payload limit:", cf.max_payload);
        printf("%-27s ECC %s, RSA %s, EdDSA %s, X25519/X448 %s\n", "features:", cf.ecc ? "yes" : "no",
               cf.rsa ? "yes" : "no", cf.eddsa ? "yes" : "no", cf.x25519 ? "yes" : "no");
    }
    uint8_t uid[18], certuid[10];
    se05x_rc rc = se05x_read_uid(s, uid);
    if (rc != SE05X_OK)
        return tool_fail(t, rc, "read the UID of the chip", 0);
    se05x_certuid(uid, certuid);
    char *h = tool_hex(uid, sizeof uid);
    char *c = tool_hex(certuid, sizeof certuid);
    printf("%-27s %s\n", "UID:", h ? h : "?");
    printf("%-27s %s\n", "CertUID:", c ? c : "?");
    free(h);
    free(c);
    static const struct {
        se05x_memory kind;
        const char *label;
    } mem[] = {
        {SE05X_MEMORY_PERSISTENT, "free persistent:"},
        {SE05X_MEMORY_TRANSIENT_RESET, "free transient (reset):"},
        {SE05X_MEMORY_TRANSIENT_DESELECT, "free transient (deselect):"},
    };
    for (size_t i = 0; i < sizeof mem / sizeof mem[0]; i++) {
        uint16_t free_bytes = 0;
        rc = se05x_get_free_memory(s, mem[i].kind, &free_bytes);
        if (rc != SE05X_OK)
            return tool_fail(t, rc, "read the free memory of the chip", 0);
        /* The applet saturates the report at 0x7FFF. */
        printf("%-27s %u bytes%s\n", mem[i].label, free_bytes, free_bytes >= 0x7FFF ? " or more" : "");
    }
    uint8_t atr[64];
    size_t n = se05x_atr(s, atr, sizeof atr);
    if (n > sizeof atr)
        n = sizeof atr;
    char *x = tool_hex(atr, n);
    printf("%-27s %s\n", "ATR:", n ? (x ? x : "?") : "(none)");
    free(x);
    char server[200];
    if (se05x_server_info(s, server, sizeof server)) /* through se05xd: it says so */
        printf("%-27s %s\n", "server:", server);
    fflush(stdout);
    warn_unclaimed(s);
    return 0;
}

/* ---- list ---- */

static const char list_usage[] =
    "Usage: se05x list [--all] [--json]\n"
    "Lists the objects: id, type, persistent/transient, curve/bits/size.\n"
    "  --all   also list reserved objects (7FFFxxxx applet, 7DA0xxxx demo auth, Fxxxxxxx NXP)\n"
    "  --json  a JSON array on stdout instead (docs/tools.md)\n";

static void print_object(se05x_session *s, se05x_objid id, bool reserved)
{
    struct se05x_object_info info;
    memset(&info, 0, sizeof info);
    se05x_rc rc = se05x_object_info(s, id, &info);
    if (rc != SE05X_OK) {
        printf("0x%08X  %-16s %-10s %s\n", id, "?", "?", se05x_strerror(rc));
        return;
    }
    char detail[64] = "";
    switch (info.kind) {
    case SE05X_KIND_EC:
        snprintf(detail, sizeof detail, "%s", tool_curve_name(info.curve));
        break;
    case SE05X_KIND_RSA:
    case SE05X_KIND_AES:
    case SE05X_KIND_DES:
    case SE05X_KIND_HMAC:
        snprintf(detail, sizeof detail, "%u bits", info.bits ? info.bits : info.size * 8u);
        break;
    case SE05X_KIND_USERID:
        break; /* the applet does not tell the size of a UserID */
    default:
        snprintf(detail, sizeof detail, "%u bytes", info.size);
        break;
    }
    printf("0x%08X  %-16s %-10s %s%s\n", id, tool_kind_name(&info),
           info.transient ? "transient" : "persistent", detail, reserved ? "  (reserved)" : "");
}

int cmd_list(struct tool *t, int argc, char **argv)
{
    if (tool_wants_help(argc, argv, list_usage))
        return 0;
    bool all = false, json = false;
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'}, {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
    tool_getopt_reset();
    int c;
    while ((c = getopt_long(argc, argv, ":a", opts, NULL)) != -1) {
        if (c == 'a')
            all = true;
        else if (c == 'j')
            json = true;
        else
            return tool_bad_option(t, c, argc, argv);
    }
    if (optind < argc)
        return tool_usage(t, "unexpected argument '%s'", argv[optind]);
    se05x_session *s = tool_session(t);
    if (s == NULL)
        return 1;
    if (json)
        return tool_list_json(t, s, all);
    se05x_objid *ids = NULL;
    size_t n = 0;
    se05x_rc rc = se05x_list_objects(s, SE05X_FILTER_ALL, &ids, &n);
    if (rc != SE05X_OK)
        return tool_fail(t, rc, "list the objects", 0);
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        bool reserved = se05x_id_is_reserved(ids[i]);
        if (reserved && !all)
            continue;
        print_object(s, ids[i], reserved);
        shown++;
    }
    free(ids);
    if (shown == 0)
        fprintf(stderr, "se05x: no %sobjects on %s\n", all ? "" : "user ", t->conn);
    return 0;
}

/* ---- exists ---- */

static const char exists_usage[] =
    "Usage: se05x exists <id>\n"
    "Prints whether the object exists. Exit status 0 when it does, 1 when it does not\n"
    "(or when the chip cannot be asked; the reason is then printed on stderr).\n";

int cmd_exists(struct tool *t, int argc, char **argv)
{
    se05x_objid id;
    int rc;
    if (!tool_one_id(t, argc, argv, exists_usage, &id, &rc))
        return rc;
    bool exists;
    if ((rc = tool_lookup(t, id, &exists)) != 0)
        return rc;
    printf("0x%08X %s\n", id, exists ? "exists" : "does not exist");
    return exists ? 0 : 1;
}

/* ---- random ---- */

static const char random_usage[] =
    "Usage: se05x random <n> [--hex] [-o FILE]\n"
    "Writes n (1..1048576) random bytes from the chip's RNG to FILE or standard output.\n"
    "  --hex      print them as one line of hex instead of raw bytes\n"
    "  -o FILE    output file (default: standard output)\n";

int cmd_random(struct tool *t, int argc, char **argv)
{
    if (tool_wants_help(argc, argv, random_usage))
        return 0;
    bool hex = false;
    const char *out = NULL;
    static const struct option opts[] = {
        {"hex", no_argument, NULL, 'x'}, {"out", required_argument, NULL, 'o'}, {NULL, 0, NULL, 0}};
    tool_getopt_reset();
    int c;
    while ((c = getopt_long(argc, argv, ":xo:", opts, NULL)) != -1) {
        if (c == 'x')
            hex = true;
        else if (c == 'o')
            out = optarg;
        else
            return tool_bad_option(t, c, argc, argv);
    }
    if (optind + 1 != argc)
        return tool_usage(t, "expected the number of bytes");
    unsigned long n;
    if (!tool_parse_uint(argv[optind], 1, 1048576, &n))
        return tool_usage(t, "invalid byte count '%s' (1..1048576)", argv[optind]);
    se05x_session *s = tool_session(t);
    if (s == NULL)
        return 1;
    uint8_t *buf = malloc(n);
    if (buf == NULL)
        return tool_err("out of memory");
    se05x_rc r = se05x_get_random(s, buf, n);
    if (r != SE05X_OK) {
        free(buf);
        return tool_fail(t, r, "get random bytes", 0);
    }
    int rc;
    if (hex) {
        char *h = tool_hex(buf, n);
        if (h == NULL) {
            free(buf);
            return tool_err("out of memory");
        }
        size_t hl = strlen(h);
        h[hl] = '\n';
        rc = tool_write_file(out, h, hl + 1);
        free(h);
    } else {
        rc = tool_write_file(out, buf, n);
    }
    free(buf);
    return rc;
}
