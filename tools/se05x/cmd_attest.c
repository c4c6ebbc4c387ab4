/* SPDX-License-Identifier: Apache-2.0 */
/* attest / attest-verify: an attested read of an object saved as one PEM
 * record, and its verification without a chip (docs/attestation.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "commands.h"
#include "fileio.h"

#define RECORD_FILE_MAX (1024 * 1024)

static const char attest_usage[] =
    "Usage: se05x attest <id> [--nonce HEX] [--key ID] [--cert ID] [--chain FILE] [-o FILE]\n"
    "Asks the chip for an attested read of object <id> and writes one PEM record: the\n"
    "signed answer(s) and the attestation certificate (docs/attestation.md).\n"
    "  --nonce HEX   freshness, 1..16 bytes in hex (default: 16 fresh random bytes)\n"
    "  --key ID      attestation key (default F0000012)\n"
    "  --cert ID     object holding its certificate (default F0000013)\n"
    "  --chain FILE  intermediate CA certificates (PEM) to add to the record\n"
    "  -o FILE       output file (default: standard output)\n";

static const char verify_usage[] =
    "Usage: se05x attest-verify FILE --ca CA.pem [--nonce HEX] [--pubkey PUB.pem] [--json]\n"
    "Verifies an attestation record without a chip: the certificate chain to CA.pem, the\n"
    "chip's signature, the nonce, and (with --pubkey) that the attested key is PUB.pem.\n"
    "Prints object id, type, size, policy and origin. Exit 0 only when all of it holds.\n"
    "  --ca FILE      trusted CA certificate(s), PEM\n"
    "  --nonce HEX    the nonce the record must carry (without it the nonce is not checked)\n"
    "  --pubkey FILE  public key (PEM or DER) the object must hold\n"
    "  --json         print the result as one JSON object on standard output\n";

enum { OPT_NONCE = 1000, OPT_KEY, OPT_CERT, OPT_CHAIN, OPT_CA, OPT_PUBKEY, OPT_JSON };

/* Strict hex of 1..16 bytes. */
static int parse_nonce(const struct tool *t, const char *text, uint8_t *out, size_t *len)
{
    size_t n = strlen(text);
    if (n == 0 || n % 2 || n / 2 > SE05X_ATTEST_NONCE_MAX)
        return tool_usage(t, "nonce '%s' must be 1..16 bytes of hex (2..32 hex digits)", text);
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        char b[3] = {text[2 * i], text[2 * i + 1], 0};
        if (!strchr("0123456789abcdefABCDEF", b[0]) || !strchr("0123456789abcdefABCDEF", b[1]) ||
            sscanf(b, "%2x", &v) != 1)
            return tool_usage(t, "nonce '%s' is not hex", text);
        out[i] = (uint8_t)v;
    }
    *len = n / 2;
    return 0;
}

int cmd_attest(struct tool *t, int argc, char **argv)
{
    if (tool_wants_help(argc, argv, attest_usage))
        return 0;
    static const struct option opts[] = {{"nonce", required_argument, NULL, OPT_NONCE},
                                         {"key", required_argument, NULL, OPT_KEY},
                                         {"cert", required_argument, NULL, OPT_CERT},
                                         {"chain", required_argument, NULL, OPT_CHAIN},
                                         {"out", required_argument, NULL, 'o'},
                                         {NULL, 0, NULL, 0}};
    struct se05x_attest_opts o = {.struct_size = sizeof o};
    uint8_t nonce[SE05X_ATTEST_NONCE_MAX];
    const char *out = NULL, *chain = NULL;
    int c, rc;
    tool_getopt_reset();
    while ((c = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
        switch (c) {
        case OPT_NONCE:
            if ((rc = parse_nonce(t, optarg, nonce, &o.nonce_len)))
                return rc;
            o.nonce = nonce;
            break;
        case OPT_KEY:
            if ((rc = tool_parse_id(t, optarg, &o.key_id)))
                return rc;
            break;
        case OPT_CERT:
            if ((rc = tool_parse_id(t, optarg, &o.cert_id)))
                return rc;
            break;
        case OPT_CHAIN: chain = optarg; break;
        case 'o': out = optarg; break;
        default: return tool_bad_option(t, c, argc, argv);
        }
    }
    if (argc - optind != 1)
        return tool_usage(t, "expected one object id");
    se05x_objid id;
    if ((rc = tool_parse_id(t, argv[optind], &id)))
        return rc;
    uint8_t *chain_pem = NULL;
    size_t chain_len = 0;
    if (chain && tool_read_file(chain, RECORD_FILE_MAX, &chain_pem, &chain_len))
        return 1;
    o.chain_pem = (const char *)chain_pem; /* NUL-terminated by tool_read_file */
    bool exists = false;
    if ((rc = tool_lookup(t, id, &exists)) != 0) {
        free(chain_pem);
        return rc;
    }
    if (!exists) {
        free(chain_pem);
        return tool_err("object 0x%08X not found on %s: nothing to attest", id, t->conn);
    }
    char *pem = NULL;
    size_t len = 0;
    se05x_rc r = se05x_attest(t->s, id, &o, &pem, &len);
    free(chain_pem);
    if (r != SE05X_OK)
        return tool_fail(t, r, "attest", id);
    rc = tool_write_public(out, pem, len);
    se05x_free(pem);
    return rc;
}

/* ---- attest-verify ---- */

static const char *type_name(const struct se05x_attestation *a)
{
    struct se05x_object_info info = {.kind = a->kind, .part = a->part};
    return tool_kind_name(&info);
}

/* Rule bits in words, comma-separated, into buf. */
static const char *rule_words(uint32_t rules, char *buf, size_t cap)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {{SE05X_POLICY_FORBID_ALL, "forbid-all"}, {SE05X_POLICY_SIGN, "sign"},
                 {SE05X_POLICY_VERIFY, "verify"},        {SE05X_POLICY_KA, "key-agreement"},
                 {SE05X_POLICY_ENC, "encrypt"},          {SE05X_POLICY_DEC, "decrypt"},
                 {SE05X_POLICY_KDF, "kdf"},              {SE05X_POLICY_WRAP, "wrap"},
                 {SE05X_POLICY_READ, "read"},            {SE05X_POLICY_WRITE, "write"},
                 {SE05X_POLICY_GEN, "generate"},         {SE05X_POLICY_DELETE, "delete"},
                 {SE05X_POLICY_REQUIRE_SM, "require-sm"}, {SE05X_POLICY_REQUIRE_PCR, "require-pcr"},
                 {SE05X_POLICY_ATTESTATION, "attest"},   {SE05X_POLICY_IMPORT_EXPORT, "import-export"}};
    size_t n = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (rules & names[i].bit)
            n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, "%s%s", n ? "," : "", names[i].name);
    return buf;
}

static void hex(FILE *f, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", d[i]);
}

static const char *origin_word(se05x_origin o)
{
    return o == SE05X_ORIGIN_GENERATED ? "generated" : o == SE05X_ORIGIN_IMPORTED ? "imported"
                                                   : o == SE05X_ORIGIN_NXP       ? "nxp"
                                                                                 : "unknown";
}

/* JSON string of plain ASCII text (escapes quotes, backslashes, controls). */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static void print_text(const struct se05x_attestation *a)
{
    char words[256];
    printf("object:          0x%08X\n", a->id);
    printf("type:            %s (type 0x%02X)", type_name(a), a->type);
    if (a->curve != SE05X_EC_NONE)
        printf(", %s", tool_curve_name(a->curve));
    printf("\n");
    if (a->size_known)
        printf("size:            %u bytes\n", a->size);
    else
        printf("size:            not stated by the chip\n");
    if (a->policy.n == 0)
        printf("policy:          none (applet default)\n");
    for (unsigned i = 0; i < a->policy.n; i++)
        printf("%s 0x%08X for %s: %s\n", i ? "                " : "policy:         ", a->policy.rule[i].rules,
               a->policy.rule[i].auth_id ? "session of" : "access without a session",
               rule_words(a->policy.rule[i].rules, words, sizeof words));
    printf("origin:          %s\n", se05x_origin_text(a->origin));
    if (a->auth_object)
        printf("auth object:     yes, %u failed attempts of at most %u\n", a->failed_attempts, a->max_attempts);
    if (a->has_version)
        printf("version:         %u\n", a->version);
    printf("nonce:           ");
    hex(stdout, a->nonce, a->nonce_len);
    printf(a->nonce_checked ? " (as expected)\n" : " (NOT checked: no --nonce given)\n");
    if (a->pubkey_checked)
        printf("public key:      the given one\n");
    printf("chip id:         ");
    hex(stdout, a->chip_id, sizeof a->chip_id);
    printf("\ntimestamp:       ");
    hex(stdout, a->timestamp, sizeof a->timestamp);
    printf("\nattested by:     key 0x%08X, certificate %s\n", a->key_id, a->cert_subject);
    printf("certificate:     %s\n", a->cert_names_chip ? "names this chip id" : "does not name this chip id");
    printf("layout:          %s (applet %u.%u.%u)\n", a->layout == SE05X_ATTEST_LAYOUT_V2 ? "V2" : "3.x",
           a->applet_major, a->applet_minor, a->applet_patch);
}

static void print_json(const struct se05x_attestation *a)
{
    char words[256];
    printf("{\"ok\": true, \"object\": \"0x%08X\", \"type\": ", a->id);
    json_str(stdout, type_name(a));
    printf(", \"type_code\": %u, \"curve\": ", a->type);
    if (a->curve != SE05X_EC_NONE)
        json_str(stdout, tool_curve_name(a->curve));
    else
        printf("null");
    if (a->size_known)
        printf(", \"size\": %u", a->size);
    else
        printf(", \"size\": null");
    printf(", \"policy\": [");
    for (unsigned i = 0; i < a->policy.n; i++) {
        printf("%s{\"auth_id\": \"0x%08X\", \"rules\": \"0x%08X\", \"names\": ", i ? ", " : "",
               a->policy.rule[i].auth_id, a->policy.rule[i].rules);
        json_str(stdout, rule_words(a->policy.rule[i].rules, words, sizeof words));
        printf("}");
    }
    printf("], \"origin\": \"%s\", \"origin_text\": ", origin_word(a->origin));
    json_str(stdout, se05x_origin_text(a->origin));
    printf(", \"auth_object\": %s", a->auth_object ? "true" : "false");
    if (a->has_version)
        printf(", \"version\": %u", a->version);
    printf(", \"nonce\": \"");
    hex(stdout, a->nonce, a->nonce_len);
    printf("\", \"nonce_checked\": %s, \"pubkey_checked\": %s, \"chip_id\": \"", a->nonce_checked ? "true" : "false",
           a->pubkey_checked ? "true" : "false");
    hex(stdout, a->chip_id, sizeof a->chip_id);
    printf("\", \"timestamp\": \"");
    hex(stdout, a->timestamp, sizeof a->timestamp);
    printf("\", \"key_id\": \"0x%08X\", \"certificate\": ", a->key_id);
    json_str(stdout, a->cert_subject);
    printf(", \"certificate_names_chip\": %s", a->cert_names_chip ? "true" : "false");
    printf(", \"layout\": \"%s\", \"applet\": \"%u.%u.%u\"}\n", a->layout == SE05X_ATTEST_LAYOUT_V2 ? "V2" : "3.x",
           a->applet_major, a->applet_minor, a->applet_patch);
}

int cmd_attest_verify(struct tool *t, int argc, char **argv)
{
    if (tool_wants_help(argc, argv, verify_usage))
        return 0;
    static const struct option opts[] = {{"ca", required_argument, NULL, OPT_CA},
                                         {"nonce", required_argument, NULL, OPT_NONCE},
                                         {"pubkey", required_argument, NULL, OPT_PUBKEY},
                                         {"json", no_argument, NULL, OPT_JSON},
                                         {NULL, 0, NULL, 0}};
    const char *ca = NULL, *pub = NULL;
    bool json = false;
    uint8_t nonce[SE05X_ATTEST_NONCE_MAX];
    struct se05x_attest_verify_opts o = {.struct_size = sizeof o};
    int c, rc;
    tool_getopt_reset();
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case OPT_CA: ca = optarg; break;
        case OPT_PUBKEY: pub = optarg; break;
        case OPT_JSON: json = true; break;
        case OPT_NONCE:
            if ((rc = parse_nonce(t, optarg, nonce, &o.nonce_len)))
                return rc;
            o.nonce = nonce;
            break;
        default: return tool_bad_option(t, c, argc, argv);
        }
    }
    if (argc - optind != 1)
        return tool_usage(t, "expected one record file");
    if (!ca)
        return tool_usage(t, "--ca CA.pem is required (the CA the attestation certificate must chain to)");
    uint8_t *rec = NULL, *cab = NULL, *pk = NULL;
    size_t reclen = 0, calen = 0, pklen = 0;
    rc = 1;
    if (tool_read_file(argv[optind], RECORD_FILE_MAX, &rec, &reclen) ||
        tool_read_file(ca, RECORD_FILE_MAX, &cab, &calen) ||
        (pub && tool_read_file(pub, RECORD_FILE_MAX, &pk, &pklen)))
        goto out;
    o.ca_pem = (const char *)cab;
    o.ca_pem_len = calen;
    o.pubkey = pk;
    o.pubkey_len = pklen;
    struct se05x_attestation *a = NULL;
    struct se05x_error err = {0};
    se05x_rc r = se05x_attest_verify((const char *)rec, reclen, &o, &a, &err);
    if (r != SE05X_OK) {
        tool_err("%s: attestation NOT verified: %s", argv[optind], err.msg);
        if (json) {
            printf("{\"ok\": false, \"error\": ");
            json_str(stdout, err.msg);
            printf("}\n");
        }
        goto out;
    }
    if (json)
        print_json(a);
    else
        print_text(a);
    if (!a->nonce_checked)
        fprintf(stderr, "se05x: warning: %s: the nonce was not checked (no --nonce): the record may be old\n",
                argv[optind]);
    se05x_free(a);
    rc = 0;
out:
    free(rec);
    free(cab);
    free(pk);
    return rc;
}
