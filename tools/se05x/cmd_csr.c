/* SPDX-License-Identifier: Apache-2.0 */
/* csr: a PKCS#10 certificate request signed by a key inside the chip, made
 * without any OpenSSL engine or provider: libcrypto builds the
 * CertificationRequestInfo, the host hashes it, the chip signs the digest,
 * and the three parts are assembled into the final DER here. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "commands.h"
#include "fileio.h"

static const char csr_usage[] =
    "Usage: se05x csr <id> --subj /CN=NAME[/O=ORG...] [-o FILE] [--digest sha256] [--der]\n"
    "Makes a certificate signing request for the key pair <id>, signed inside the chip\n"
    "(ECDSA, or RSA PKCS#1 v1.5). Check it with: openssl req -in FILE -verify -noout\n"
    "  --subj DN    subject in OpenSSL's /type=value form; '\\/' escapes a slash\n"
    "  -o FILE      output file (default: standard output)\n"
    "  --digest D   sha256 (default), sha384, sha512, sha224, sha1\n"
    "  --der        DER instead of PEM\n";

enum { OPT_SUBJ = 1000, OPT_DIGEST, OPT_DER };

/* "/CN=Unit1/O=Acme" -> X509_NAME. NULL (message printed) when malformed. */
static X509_NAME *parse_subject(const struct tool *t, const char *text)
{
    if (text[0] != '/') {
        tool_usage(t, "subject '%s' must start with '/', e.g. /CN=Unit1", text);
        return NULL;
    }
    X509_NAME *name = X509_NAME_new();
    size_t cap = strlen(text) + 1;
    char *buf = malloc(cap);
    if (name == NULL || buf == NULL)
        goto bad;
    const char *p = text + 1;
    while (*p) {
        size_t n = 0;
        /* one type=value, unescaping "\/" and "\\" */
        while (*p && *p != '/') {
            if (*p == '\\' && p[1] != 0)
                p++;
            buf[n++] = *p++;
        }
        buf[n] = 0;
        if (*p == '/')
            p++;
        if (n == 0)
            continue;
        char *eq = strchr(buf, '=');
        if (eq == NULL || eq == buf || eq[1] == 0) {
            tool_usage(t, "malformed subject component '%s' (expected type=value)", buf);
            goto bad;
        }
        *eq = 0;
        if (!X509_NAME_add_entry_by_txt(name, buf, MBSTRING_UTF8, (const unsigned char *)(eq + 1), -1, -1, 0)) {
            tool_usage(t, "unknown subject attribute '%s'", buf);
            goto bad;
        }
    }
    if (X509_NAME_entry_count(name) == 0) {
        tool_usage(t, "empty subject");
        goto bad;
    }
    free(buf);
    return name;
bad:
    free(buf);
    X509_NAME_free(name);
    return NULL;
}

/* DER tag + length header into out (at least 6 bytes); returns its size. */
static size_t der_header(uint8_t tag, size_t len, uint8_t *out)
{
    out[0] = tag;
    if (len < 0x80) {
        out[1] = (uint8_t)len;
        return 2;
    }
    if (len < 0x100) {
        out[1] = 0x81;
        out[2] = (uint8_t)len;
        return 3;
    }
    if (len < 0x10000) {
        out[1] = 0x82;
        out[2] = (uint8_t)(len >> 8);
        out[3] = (uint8_t)len;
        return 4;
    }
    out[1] = 0x83;
    out[2] = (uint8_t)(len >> 16);
    out[3] = (uint8_t)(len >> 8);
    out[4] = (uint8_t)len;
    return 5;
}

/* SEQUENCE { tbs, algorithm, BIT STRING (0 unused bits) sig }, malloc'ed. */
static uint8_t *assemble(const uint8_t *tbs, size_t tbslen, const uint8_t *alg, size_t alglen,
                         const uint8_t *sig, size_t siglen, size_t *outlen)
{
    uint8_t bh[6], sh[6];
    size_t bhl = der_header(0x03, siglen + 1, bh);
    size_t body = tbslen + alglen + bhl + 1 + siglen;
    size_t shl = der_header(0x30, body, sh);
    uint8_t *out = malloc(shl + body);
    if (out == NULL)
        return NULL;
    uint8_t *p = out;
    memcpy(p, sh, shl), p += shl;
    memcpy(p, tbs, tbslen), p += tbslen;
    memcpy(p, alg, alglen), p += alglen;
    memcpy(p, bh, bhl), p += bhl;
    *p++ = 0x00;
    memcpy(p, sig, siglen);
    *outlen = shl + body;
    return out;
}

struct csr_args {
    se05x_objid id;
    const char *subj, *out;
    se05x_digest md;
    bool der;
};

static int parse_args(struct tool *t, int argc, char **argv, struct csr_args *a)
{
    const struct option opts[] = {{"subj", required_argument, NULL, OPT_SUBJ},
                                  {"out", required_argument, NULL, 'o'},
                                  {"digest", required_argument, NULL, OPT_DIGEST},
                                  {"der", no_argument, NULL, OPT_DER},
                                  {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    a->md = SE05X_MD_SHA256;
    tool_getopt_reset();
    int c;
    while ((c = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
        switch (c) {
        case OPT_SUBJ: a->subj = optarg; break;
        case 'o': a->out = optarg; break;
        case OPT_DER: a->der = true; break;
        case OPT_DIGEST:
            if ((a->md = tool_digest_from_name(optarg)) == SE05X_MD_NONE)
                return tool_usage(t, "unknown digest '%s'", optarg);
            break;
        default: return tool_bad_option(t, c, argc, argv);
        }
    }
    if (argc - optind != 1)
        return tool_usage(t, "expected one object id");
    if (a->subj == NULL)
        return tool_usage(t, "missing --subj, e.g. --subj /CN=Unit1");
    return tool_parse_id(t, argv[optind], &a->id);
}

/* Signs the digest of tbs with the chip key; DER ECDSA or raw RSA bytes. */
static int chip_sign(struct tool *t, const struct csr_args *a, const struct se05x_object_info *info,
                     const uint8_t *tbs, size_t tbslen, uint8_t *sig, size_t cap, size_t *siglen)
{
    uint8_t dg[EVP_MAX_MD_SIZE];
    unsigned dlen = 0;
    if (!EVP_Digest(tbs, tbslen, dg, &dlen, EVP_get_digestbyname(tool_digest_name(a->md)), NULL))
        return tool_err("cannot hash the request");
    se05x_rc r = info->kind == SE05X_KIND_EC
                     ? se05x_ecdsa_sign(t->s, a->id, a->md, dg, dlen, sig, cap, siglen)
                     : se05x_rsa_sign_digest(t->s, a->id, info->bits, SE05X_RSA_PAD_PKCS1, a->md, -1, dg, dlen,
                                             sig, cap, siglen);
    return r == SE05X_OK ? 0 : tool_fail(t, r, "sign the request with", a->id);
}

int cmd_csr(struct tool *t, int argc, char **argv)
{
    if (tool_wants_help(argc, argv, csr_usage))
        return 0;
    struct csr_args a;
    int rc = parse_args(t, argc, argv, &a);
    if (rc)
        return rc;
    X509_NAME *name = parse_subject(t, a.subj);
    if (name == NULL)
        return EXIT_USAGE;
    X509_REQ *req = NULL, *done = NULL;
    EVP_PKEY *pub = NULL;
    X509_ALGOR *alg = NULL;
    uint8_t *tbs = NULL, *algder = NULL, *der = NULL;
    size_t derlen = 0;
    struct se05x_object_info info;
    rc = 1;
    if (tool_require(t, a.id, &info))
        goto out;
    if ((info.kind != SE05X_KIND_EC && info.kind != SE05X_KIND_RSA) || info.part != SE05X_PART_PAIR ||
        (info.kind == SE05X_KIND_EC && info.curve > SE05X_EC_SECP256K1)) {
        tool_err("object 0x%08X on %s is a %s: a request needs an ECDSA or RSA key pair", a.id, t->conn,
                 tool_kind_name(&info));
        goto out;
    }
    se05x_rc r = se05x_read_pubkey(t->s, a.id, &pub);
    if (r != SE05X_OK) {
        tool_fail(t, r, "read the public key of", a.id);
        goto out;
    }
    int sig_nid = NID_undef;
    int md_nid = EVP_MD_get_type(EVP_get_digestbyname(tool_digest_name(a.md)));
    int pk_nid = info.kind == SE05X_KIND_EC ? NID_X9_62_id_ecPublicKey : NID_rsaEncryption;
    req = X509_REQ_new();
    alg = X509_ALGOR_new();
    if (req == NULL || alg == NULL || !OBJ_find_sigid_by_algs(&sig_nid, md_nid, pk_nid) ||
        !X509_ALGOR_set0(alg, OBJ_nid2obj(sig_nid), info.kind == SE05X_KIND_EC ? V_ASN1_UNDEF : V_ASN1_NULL,
                         NULL) ||
        !X509_REQ_set_version(req, X509_REQ_VERSION_1) || !X509_REQ_set_subject_name(req, name) ||
        !X509_REQ_set_pubkey(req, pub)) {
        tool_err("cannot build the request");
        goto out;
    }
    int tbslen = i2d_re_X509_REQ_tbs(req, &tbs);
    int alglen = i2d_X509_ALGOR(alg, &algder);
    if (tbslen <= 0 || alglen <= 0) {
        tool_err("cannot encode the request");
        goto out;
    }
    uint8_t sig[1024];
    size_t siglen = 0;
    if (chip_sign(t, &a, &info, tbs, (size_t)tbslen, sig, sizeof sig, &siglen))
        goto out;
    der = assemble(tbs, (size_t)tbslen, algder, (size_t)alglen, sig, siglen, &derlen);
    const uint8_t *p = der;
    done = der ? d2i_X509_REQ(NULL, &p, (long)derlen) : NULL;
    /* Self-check: never hand out a request that does not verify. */
    if (done == NULL || X509_REQ_verify(done, pub) != 1) {
        tool_err("the request signed by 0x%08X does not verify with its public key", a.id);
        goto out;
    }
    if (a.der) {
        rc = tool_write_public(a.out, der, derlen);
    } else {
        BIO *bio = BIO_new(BIO_s_mem());
        if (bio == NULL || !PEM_write_bio_X509_REQ(bio, done)) {
            tool_err("cannot encode the request as PEM");
        } else {
            char *q = NULL;
            long n = BIO_get_mem_data(bio, &q);
            rc = tool_write_public(a.out, q, (size_t)n);
        }
        BIO_free(bio);
    }
out:
    OPENSSL_free(tbs);
    OPENSSL_free(algder);
    free(der);
    X509_REQ_free(done);
    X509_REQ_free(req);
    X509_ALGOR_free(alg);
    EVP_PKEY_free(pub);
    X509_NAME_free(name);
    return rc;
}
