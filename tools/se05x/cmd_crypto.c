/* SPDX-License-Identifier: Apache-2.0 */
/* sign, verify: the host hashes, the chip signs (ECDSA, or raw RSA over the
 * EMSA encoding made on the host, as the NXP host library does). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/rsa.h>

#include "commands.h"
#include "fileio.h"

struct sig_args {
    se05x_objid id;
    const char *in;   /* message */
    const char *out;  /* sign: signature output */
    const char *sig;  /* verify: signature input */
    se05x_digest md;
    bool pss;
    EVP_PKEY *refpub; /* sign: the reference key file given instead of an id */
};

enum { OPT_DIGEST = 1000, OPT_PSS };

static int load_refkey(const char *path, struct sig_args *a);

static int parse_sig_args(struct tool *t, int argc, char **argv, bool verify, struct sig_args *a)
{
    const struct option opts[] = {{"in", required_argument, NULL, 'i'},
                                  {"out", required_argument, NULL, 'o'},
                                  {"signature", required_argument, NULL, 's'},
                                  {"digest", required_argument, NULL, OPT_DIGEST},
                                  {"rsa-pss", no_argument, NULL, OPT_PSS},
                                  {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    a->md = SE05X_MD_SHA256;
    tool_getopt_reset();
    int c;
    while ((c = getopt_long(argc, argv, verify ? ":i:s:" : ":i:o:", opts, NULL)) != -1) {
        switch (c) {
        case 'i': a->in = optarg; break;
        case 'o':
            if (verify)
                return tool_usage(t, "verify takes -s SIGNATURE, not -o");
            a->out = optarg;
            break;
        case 's':
            if (!verify)
                return tool_usage(t, "sign writes the signature with -o FILE");
            a->sig = optarg;
            break;
        case OPT_PSS: a->pss = true; break;
        case OPT_DIGEST:
            if ((a->md = tool_digest_from_name(optarg)) == SE05X_MD_NONE)
                return tool_usage(t, "unknown digest '%s' (use sha1, sha224, sha256, sha384, sha512)", optarg);
            break;
        default: return tool_bad_option(t, c, argc, argv);
        }
    }
    if (argc - optind != 1)
        return tool_usage(t, "expected one object id");
    if (a->in == NULL)
        return tool_usage(t, "missing -i INPUT (use -i - for standard input)");
    if (verify && a->sig == NULL)
        return tool_usage(t, "missing -s SIGNATURE");
    if (!verify && a->out == NULL)
        return tool_usage(t, "missing -o SIGNATURE (use -o - for standard output)");
    const char *arg = argv[optind];
    if (!verify && se05x_parse_objid(arg, &a->id) != SE05X_OK && access(arg, F_OK) == 0)
        return load_refkey(arg, a);
    return tool_parse_id(t, arg, &a->id);
}

/* A reference key file in place of the id: its object id, and its public
 * part, which the signature is checked against (a stale file is named). */
static int load_refkey(const char *path, struct sig_args *a)
{
    struct se05x_refkey ref;
    struct se05x_error err;
    int is_ref = 0;
    memset(&err, 0, sizeof err);
    if (se05x_refkey_parse_file(path, &ref, &is_ref, &err) != SE05X_OK)
        return tool_err("%s", err.msg);
    if (!is_ref)
        return tool_err("%s: not a reference key file (an ordinary private key is not in the chip)", path);
    if (se05x_load_key_file(path, &a->refpub, &err) != SE05X_OK)
        return tool_err("%s", err.msg);
    a->id = ref.id;
    return 0;
}

/* Existence, kind and key part; `need_private` for signing. */
static int require_signing_key(struct tool *t, const struct sig_args *a, bool need_private,
                               struct se05x_object_info *info)
{
    int rc = need_private ? tool_require_key(t, a->id, info) : tool_require(t, a->id, info);
    if (rc)
        return rc;
    const char *op = need_private ? "sign" : "verify";
    if (info->kind != SE05X_KIND_EC && info->kind != SE05X_KIND_RSA)
        return tool_err("object 0x%08X on %s is a %s, not a key: cannot %s", a->id, t->conn,
                        tool_kind_name(info), op);
    if (need_private && info->part == SE05X_PART_PUBLIC)
        return tool_err("object 0x%08X on %s is a public key: cannot sign", a->id, t->conn);
    if (a->pss && info->kind != SE05X_KIND_RSA)
        return tool_err("--rsa-pss applies to RSA keys; 0x%08X is an %s", a->id, tool_kind_name(info));
    if (info->kind == SE05X_KIND_EC && info->curve > SE05X_EC_SECP256K1)
        return tool_err("object 0x%08X is a %s %s: only ECDSA curves can %s here", a->id,
                        tool_curve_name(info->curve), tool_kind_name(info), op);
    return 0;
}

static const EVP_MD *evp_md(se05x_digest md)
{
    return EVP_get_digestbyname(tool_digest_name(md));
}

/* ---- sign ---- */

/* Largest message the chip hashes itself in one RSASign APDU (892-byte
 * payload minus the id, algorithm and tag overhead, with margin). */
#define RSA_CHIP_HASH_MAX 800

/* The input, hashed on the host before the chip is asked anything; small
 * inputs are also kept whole for the RSASign fallback. */
struct input {
    uint8_t dg[EVP_MAX_MD_SIZE];
    unsigned dlen;
    uint8_t head[RSA_CHIP_HASH_MAX];
    size_t kept, total;
};

static int hash_input(const struct sig_args *a, struct input *in)
{
    return tool_digest_file(a->in, evp_md(a->md), in->dg, &in->dlen, in->head, sizeof in->head, &in->kept,
                            &in->total);
}

/* An RSA key whose policy allows SIGN but not DEC: the digest path (raw RSA)
 * is denied, so let the chip hash and sign with RSASign, which the SIGN
 * right covers; only possible for messages that fit one APDU. */
static int rsa_sign_on_chip_hash(struct tool *t, const struct sig_args *a, const struct input *in, uint8_t *sig,
                                 size_t cap)
{
    if (in->total > RSA_CHIP_HASH_MAX)
        return tool_err("cannot sign with 0x%08X on %s: denied by policy (SW 6986); RSA signatures of "
                        "digests need the 'dec' right, and only messages up to %d bytes can be hashed by the chip",
                        a->id, t->conn, RSA_CHIP_HASH_MAX);
    size_t siglen = 0;
    const struct se05x_check ck = {.pub = a->refpub};
    se05x_rc r = se05x_rsa_sign_ex(t->s, a->id, a->pss ? SE05X_RSA_PAD_PSS : SE05X_RSA_PAD_PKCS1, a->md, in->head,
                                   in->kept, sig, cap, &siglen, &ck);
    if (r != SE05X_OK)
        return tool_fail(t, r, "sign with", a->id);
    tool_info(t, "signed with RSASign (the chip hashed the message)");
    return tool_write_public(a->out, sig, siglen);
}

static const char sign_usage[] =
    "Usage: se05x sign <id|REFKEY> -i INPUT -o SIGNATURE [--digest sha256] [--rsa-pss]\n"
    "Hashes INPUT on the host and signs the digest with the key in the chip.\n"
    "The signature is verified on the host before it is written: with the public part of\n"
    "REFKEY (a reference key file) when given, else with the chip's public key.\n"
    "EC: ECDSA, DER signature. RSA: PKCS#1 v1.5 (default) or PSS (salt = digest length).\n"
    "Check with: openssl dgst -sha256 -verify pub.pem -signature SIGNATURE INPUT\n"
    "  --digest D   sha1, sha224, sha256 (default), sha384, sha512\n"
    "  --rsa-pss    RSA-PSS padding (MGF1 with the same digest)\n"
    "RSA signatures use raw RSA on the chip (policy right 'dec'); with only 'sign', messages\n"
    "up to 800 bytes are hashed and signed by the chip instead.\n";

/* The library verifies every signature before it returns it: with the
 * reference key's public part when one was given, else with the chip's
 * (docs/verify-after-sign.md). */
static int sign(struct tool *t, const struct sig_args *a)
{
    struct input in;
    if (hash_input(a, &in))
        return 1;
    struct se05x_object_info info;
    int rc;
    if ((rc = require_signing_key(t, a, true, &info)) != 0)
        return rc;
    uint8_t sig[1024];
    size_t siglen = 0;
    se05x_rc r;
    const struct se05x_check ck = {.pub = a->refpub};
    if (info.kind == SE05X_KIND_EC)
        r = se05x_ecdsa_sign_ex(t->s, a->id, a->md, in.dg, in.dlen, sig, sizeof sig, &siglen, &ck);
    else
        r = se05x_rsa_sign_digest_ex(t->s, a->id, info.bits, a->pss ? SE05X_RSA_PAD_PSS : SE05X_RSA_PAD_PKCS1,
                                     a->md, -1, in.dg, in.dlen, sig, sizeof sig, &siglen, &ck);
    if (r == SE05X_E_DENIED && info.kind == SE05X_KIND_RSA)
        return rsa_sign_on_chip_hash(t, a, &in, sig, sizeof sig);
    /* taken for a key pair from its public key and refused by the chip: the
     * library has asked what it is by now (docs/lib.md "Cold start") */
    if (r == SE05X_E_WRONG_TYPE && (rc = require_signing_key(t, a, true, &info)) != 0)
        return rc;
    if (r != SE05X_OK)
        return tool_fail(t, r, "sign with", a->id);
    return tool_write_public(a->out, sig, siglen);
}

int cmd_sign(struct tool *t, int argc, char **argv)
{
    if (tool_wants_help(argc, argv, sign_usage))
        return 0;
    struct sig_args a;
    int rc = parse_sig_args(t, argc, argv, false, &a);
    if (rc)
        return rc;
    rc = sign(t, &a);
    EVP_PKEY_free(a.refpub);
    return rc;
}

/* ---- verify ---- */

static const char verify_usage[] =
    "Usage: se05x verify <id> -i INPUT -s SIGNATURE [--digest sha256] [--rsa-pss]\n"
    "Checks a signature made by 'se05x sign' (or openssl) against the key in the chip.\n"
    "EC: verified by the chip (ECDSAVerify). RSA: verified on the host with the public key\n"
    "read from the chip. Prints 'Signature OK' and exits 0, or exits 1.\n";

static int verify_rsa_on_host(struct tool *t, const struct sig_args *a, const struct input *in, const uint8_t *sig,
                              size_t siglen, bool *valid)
{
    EVP_PKEY *pkey = NULL;
    se05x_rc r = se05x_read_pubkey(t->s, a->id, &pkey);
    if (r != SE05X_OK)
        return tool_fail(t, r, "read the public key of", a->id);
    int rc = 1;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
    if (ctx == NULL || EVP_PKEY_verify_init(ctx) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx, a->pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) != 1 ||
        EVP_PKEY_CTX_set_signature_md(ctx, evp_md(a->md)) != 1 ||
        (a->pss && EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_AUTO) != 1)) {
        tool_err("cannot set up RSA verification");
        goto out;
    }
    *valid = EVP_PKEY_verify(ctx, sig, siglen, in->dg, in->dlen) == 1;
    rc = 0;
out:
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return rc;
}

int cmd_verify(struct tool *t, int argc, char **argv)
{
    if (tool_wants_help(argc, argv, verify_usage))
        return 0;
    struct sig_args a;
    int rc = parse_sig_args(t, argc, argv, true, &a);
    if (rc)
        return rc;
    uint8_t *sig = NULL;
    size_t siglen = 0;
    struct input in;
    if (tool_read_file(a.sig, 4096, &sig, &siglen))
        return 1;
    struct se05x_object_info info;
    bool valid = false;
    if ((rc = hash_input(&a, &in)) != 0 || (rc = require_signing_key(t, &a, false, &info)) != 0)
        goto out;
    if (info.kind == SE05X_KIND_EC) {
        /* A signature that is not DER ECDSA is simply not valid. */
        const uint8_t *p = sig;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)siglen);
        bool der_ok = es != NULL && p == sig + siglen;
        ECDSA_SIG_free(es);
        if (der_ok) {
            se05x_rc r = se05x_ecdsa_verify(t->s, a.id, a.md, in.dg, in.dlen, sig, siglen, &valid);
            if (r != SE05X_OK) {
                rc = tool_fail(t, r, "verify with", a.id);
                goto out;
            }
        }
    } else if ((rc = verify_rsa_on_host(t, &a, &in, sig, siglen, &valid)) != 0) {
        goto out;
    }
    if (valid) {
        printf("Signature OK\n");
        rc = 0;
    } else {
        rc = tool_err("signature in %s does not verify with key 0x%08X", a.sig, a.id);
    }
out:
    free(sig);
    return rc;
}
