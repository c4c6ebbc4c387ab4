/* SPDX-License-Identifier: Apache-2.0 */
/* sign / verify <keyid> <in> <sig> [--hashalgo H]: the input file is hashed
 * on the host; the chip signs the digest (EC: ECDSASign, DER signature;
 * RSA: PKCS#1 v1.5 or PSS). verify checks in software against the public
 * key read from the chip. Signatures are DER/raw bytes (--format PEM not offered). */
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssscli.h"

struct algo {
    const EVP_MD *md;
    se05x_rsa_pad pad; /* PKCS1 for plain SHA* names on RSA keys */
};

static int parse_algo(const char *h, struct algo *a)
{
    static const struct {
        const char *suffix;
        const EVP_MD *(*md)(void);
    } mds[] = {{"SHA1", EVP_sha1}, {"SHA224", EVP_sha224}, {"SHA256", EVP_sha256},
               {"SHA384", EVP_sha384}, {"SHA512", EVP_sha512}};
    const char *base = h ? h : "SHA256";
    a->pad = SE05X_RSA_PAD_PKCS1;
    if (strncasecmp(base, "RSASSA_PKCS1_V1_5_", 18) == 0) {
        base += 18;
    } else if (strncasecmp(base, "RSASSA_PKCS1_PSS_MGF1_", 22) == 0) {
        base += 22;
        a->pad = SE05X_RSA_PAD_PSS;
    }
    for (size_t i = 0; i < sizeof(mds) / sizeof(mds[0]); i++)
        if (strcasecmp(base, mds[i].suffix) == 0) {
            a->md = mds[i].md();
            return 0;
        }
    return cli_usage("unknown --hashalgo '%s' (SHA1..SHA512, RSASSA_PKCS1_V1_5_SHA*, RSASSA_PKCS1_PSS_MGF1_SHA*)", h);
}

static int digest_file(const char *path, const EVP_MD *md, uint8_t *out, size_t *len)
{
    uint8_t *data;
    size_t n;
    if (cli_read_file(path, &data, &n))
        return 1;
    unsigned int l = 0;
    int ok = EVP_Digest(data, n, out, &l, md, NULL);
    free(data);
    *len = l;
    return ok ? 0 : cli_err("digest failed");
}

/* <keyid> <in> <sig> of sign and verify: the key, the algorithm and the
 * digest of <in>. */
struct sign_args {
    se05x_objid id;
    struct algo a;
    uint8_t dig[EVP_MAX_MD_SIZE];
    size_t dl;
};

/* 0, or the exit code of the printed error. */
static int parse_sign_args(const struct cli *c, const char *cmd, struct sign_args *g)
{
    if (c->argc != 3)
        return cli_usage("usage: ssscli %s <keyid> <in> <sig> [--hashalgo H]", cmd);
    int r;
    if ((r = cli_objid(c->argv[0], &g->id)) != 0 || (r = parse_algo(c->hashalgo, &g->a)) != 0 ||
        (r = digest_file(c->argv[1], g->a.md, g->dig, &g->dl)) != 0)
        return r;
    return 0;
}

int cmd_sign(struct cli *c)
{
    struct sign_args g;
    int r = parse_sign_args(c, "sign", &g);
    if (r)
        return r;
    se05x_session *s;
    if (cli_open(c, &s))
        return 1;
    struct se05x_object_info info;
    memset(&info, 0, sizeof(info));
    uint8_t sig[1024];
    size_t sl = 0;
    int rc = cli_rc(s, se05x_key_info(s, g.id, &info, NULL), "sign");
    if (!rc && info.kind == SE05X_KIND_EC)
        rc = cli_rc(s, se05x_ecdsa_sign_digest(s, g.id, g.dig, g.dl, sig, sizeof(sig), &sl), "sign");
    else if (!rc && info.kind == SE05X_KIND_RSA)
        rc = cli_rc(s, se05x_rsa_sign_digest(s, g.id, info.bits, g.a.pad, se05x_digest_from_len(g.dl), -1, g.dig,
                                             g.dl, sig, sizeof(sig), &sl),
                    "sign");
    else if (!rc)
        rc = cli_err("object 0x%08X is not an EC or RSA key", (unsigned)g.id);
    se05x_close(s);
    if (!rc)
        rc = cli_write_file(c->argv[2], sig, sl);
    return rc;
}

int cmd_verify(struct cli *c)
{
    struct sign_args g;
    int r = parse_sign_args(c, "verify", &g);
    if (r)
        return r;
    uint8_t *sig;
    size_t sl;
    if (cli_read_file(c->argv[2], &sig, &sl))
        return 1;
    se05x_session *s;
    if (cli_open(c, &s)) {
        free(sig);
        return 1;
    }
    EVP_PKEY *pk = NULL;
    int rc = cli_rc(s, se05x_read_pubkey(s, g.id, &pk), "verify");
    se05x_close(s);
    if (!rc) {
        EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(pk, NULL);
        int ok = pc && EVP_PKEY_verify_init(pc) > 0 && EVP_PKEY_CTX_set_signature_md(pc, g.a.md) > 0;
        if (ok && EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA)
            ok = EVP_PKEY_CTX_set_rsa_padding(pc, g.a.pad == SE05X_RSA_PAD_PSS ? RSA_PKCS1_PSS_PADDING
                                                                              : RSA_PKCS1_PADDING) > 0 &&
                 (g.a.pad != SE05X_RSA_PAD_PSS || EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_AUTO) > 0);
        int v = ok ? EVP_PKEY_verify(pc, sig, sl, g.dig, g.dl) : -1;
        EVP_PKEY_CTX_free(pc);
        if (v == 1)
            printf("Verification successful\n");
        else
            rc = cli_err("signature verification failed");
    }
    EVP_PKEY_free(pk);
    free(sig);
    return rc;
}
