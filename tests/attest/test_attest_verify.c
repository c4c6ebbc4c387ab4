/* SPDX-License-Identifier: Apache-2.0 */
/* se05x_attest_verify against records made here by a software "chip" (a CA,
 * an attestation key and certificate, answers signed as docs/protocol/attestation.md
 * §3 (3.x) and §5 (V2) say): good records verify, with the right fields;
 * a wrong nonce, another public key, another CA, another chip's certificate
 * and a flip of any signed byte of the record are refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "attest_priv.h"
#include "tlv.h"

static const uint8_t NONCE[16] = {0xA0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xAF};
static const uint8_t CHIP_ID[18] = {0x04, 0x00, 0x50, 0x01, 0x4A, 0x66, 0xD8, 0x75, 0x07,
                                    0x78, 0xE6, 0x04, 0x7E, 0x91, 0x0A, 0x94, 0x66, 0x80};
static const uint8_t TS[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x23};

struct world {
    EVP_PKEY *ca_key, *att_key, *obj_key, *other_att_key;
    X509 *ca, *att_cert, *other_att_cert, *other_ca;
    EVP_PKEY *other_ca_key;
    char *ca_pem, *other_ca_pem;
};

static struct world W;

static X509 *mkcert(EVP_PKEY *subj, const char *cn, X509 *issuer, EVP_PKEY *ikey, int ca)
{
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x));
    X509_set_pubkey(x, subj);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    if (ca) {
        e = X509V3_EXT_conf_nid(NULL, &ctx, NID_key_usage, "critical,keyCertSign");
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    assert_true(X509_sign(x, ikey, EVP_sha256()) > 0);
    return x;
}

/* PEM text (OPENSSL_free) of the certificate x, or else of the public key k. */
static char *to_pem(X509 *x, EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    assert_non_null(b);
    assert_int_equal(x ? PEM_write_bio_X509(b, x) : PEM_write_bio_PUBKEY(b, k), 1);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *s = OPENSSL_strndup(p, (size_t)n);
    assert_non_null(s);
    BIO_free(b);
    return s;
}

static int setup(void **state)
{
    (void)state;
    W.ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    W.att_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    W.other_att_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    W.obj_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    W.other_ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    W.ca = mkcert(W.ca_key, "test CA", NULL, W.ca_key, 1);
    W.other_ca = mkcert(W.other_ca_key, "test CA", NULL, W.other_ca_key, 1); /* same name, other key */
    W.att_cert = mkcert(W.att_key, "chip attestation", W.ca, W.ca_key, 0);
    W.other_att_cert = mkcert(W.other_att_key, "chip attestation", W.ca, W.ca_key, 0);
    W.ca_pem = to_pem(W.ca, NULL);
    W.other_ca_pem = to_pem(W.other_ca, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(W.ca_key);
    EVP_PKEY_free(W.att_key);
    EVP_PKEY_free(W.other_att_key);
    EVP_PKEY_free(W.obj_key);
    EVP_PKEY_free(W.other_ca_key);
    X509_free(W.ca);
    X509_free(W.other_ca);
    X509_free(W.att_cert);
    X509_free(W.other_att_cert);
    OPENSSL_free(W.ca_pem);
    OPENSSL_free(W.other_ca_pem);
    return 0;
}

static size_t pubpoint(EVP_PKEY *k, uint8_t *out, size_t cap)
{
    size_t n = 0;
    assert_int_equal(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out, cap, &n), 1);
    return n;
}

static size_t sign(EVP_PKEY *k, const uint8_t *m, size_t mlen, uint8_t *sig, size_t cap)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    size_t n = cap;
    assert_int_equal(EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, k), 1);
    assert_int_equal(EVP_DigestSign(c, sig, &n, m, mlen), 1);
    EVP_MD_CTX_free(c);
    return n;
}

/* The attested command for object id (docs/protocol/attestation.md §2);
 * comp = RSA component or -1. */
static size_t mkcmd_ex(uint32_t id, int comp, const uint8_t *nonce, uint8_t *c)
{
    struct tlv_w w;
    tlv_w_init(&w, c + 7, 200);
    tlv_put_u32(&w, 0x41, id);
    if (comp >= 0)
        tlv_put_u8(&w, 0x44, (uint8_t)comp);
    tlv_put_u32(&w, 0x45, 0xF0000012);
    tlv_put_u8(&w, 0x46, 0x21);
    tlv_put(&w, 0x47, nonce, 16);
    memcpy(c, "\x80\x22\x00\x00\x00", 5);
    put_be16(c + 5, (uint16_t)w.len);
    return 7 + w.len;
}

static size_t mkcmd(uint32_t id, uint8_t *c)
{
    return mkcmd_ex(id, -1, NONCE, c);
}

/* A 3.x answer signed with key k. */
static size_t mkrsp3_ex(EVP_PKEY *k, const uint8_t *data, size_t dl, const uint8_t *attr, size_t al,
                        const uint8_t *nonce, uint8_t *r)
{
    uint8_t m[1024], sig[200];
    size_t ml = 0;
    memcpy(m + ml, data, dl), ml += dl;
    memcpy(m + ml, attr, al), ml += al;
    memcpy(m + ml, TS, 12), ml += 12;
    memcpy(m + ml, nonce, 16), ml += 16;
    memcpy(m + ml, CHIP_ID, 18), ml += 18;
    size_t sl = sign(k, m, ml, sig, sizeof sig);
    struct tlv_w w;
    tlv_w_init(&w, r, 1024);
    if (dl)
        tlv_put82(&w, 0x41, data, dl);
    tlv_put82(&w, 0x42, attr, al);
    tlv_put82(&w, 0x43, TS, 12);
    tlv_put82(&w, 0x44, nonce, 16);
    tlv_put82(&w, 0x45, CHIP_ID, 18);
    tlv_put82(&w, 0x46, sig, sl);
    assert_true(tlv_w_ok(&w));
    return w.len;
}

static size_t mkrsp3(EVP_PKEY *k, const uint8_t *data, size_t dl, const uint8_t *attr, size_t al, uint8_t *r)
{
    return mkrsp3_ex(k, data, dl, attr, al, NONCE, r);
}

/* A V2 answer: hash of the command, then TLVs 41 42 43 44 4F as sent. */
static size_t mkrspv2(EVP_PKEY *k, const uint8_t *cmd, size_t cl, const uint8_t *data, size_t dl,
                      const uint8_t *attr, size_t al, uint16_t size, uint8_t *r)
{
    struct tlv_w w;
    uint8_t m[1200], sig[200], sz[2] = {(uint8_t)(size >> 8), (uint8_t)size};
    unsigned hl = 0;
    tlv_w_init(&w, r, 1024);
    if (dl)
        tlv_put82(&w, 0x41, data, dl);
    tlv_put82(&w, 0x42, CHIP_ID, 18);
    tlv_put82(&w, 0x43, attr, al);
    tlv_put82(&w, 0x44, sz, 2);
    tlv_put82(&w, 0x4F, TS, 12);
    assert_int_equal(EVP_Digest(cmd, cl, m, &hl, EVP_sha256(), NULL), 1);
    memcpy(m + hl, r, w.len);
    size_t sl = sign(k, m, hl + w.len, sig, sizeof sig);
    tlv_put82(&w, 0x52, sig, sl);
    assert_true(tlv_w_ok(&w));
    return w.len;
}

/* Binary record of one answer. */
static size_t mkrec(uint8_t major, const uint8_t *c, size_t cl, const uint8_t *r, size_t rl, uint8_t *out)
{
    struct se05x_att_record rec = {.major = major, .minor = major == 3 ? 1 : 2, .id = 0x7F000001, .nparts = 1};
    rec.part[0].cmd = c;
    rec.part[0].cmd_len = cl;
    rec.part[0].rsp = r;
    rec.part[0].rsp_len = rl;
    size_t n = se05x_att_record_encode(&rec, out, 4096);
    assert_true(n > 0);
    return n;
}

/* PEM text: the record block, then the certificate(s). */
static char *mkpem(const uint8_t *rec, size_t n, X509 *cert, const char *extra)
{
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio(b, "SE05X ATTESTATION", "", rec, (long)n);
    if (cert)
        PEM_write_bio_X509(b, cert);
    if (extra)
        BIO_puts(b, extra);
    char *p;
    long l = BIO_get_mem_data(b, &p);
    char *s = OPENSSL_strndup(p, (size_t)l);
    BIO_free(b);
    return s;
}

/* An RSA public key of 8 * len bits (n, e = 65537) made from a fixed byte
 * pattern: attestation carries only the public components, so no key
 * generation is needed (RSA key generation takes minutes under qemu-user,
 * where scripts/cross runs this test). tweak changes one byte of n. */
static EVP_PKEY *rsa_pub(size_t len, uint8_t tweak)
{
    uint8_t n[512];
    assert_true(len <= sizeof n && len > 2);
    for (size_t i = 0; i < len; i++)
        n[i] = (uint8_t)(0x5A ^ (i * 37));
    n[0] |= 0x80; /* full length */
    n[len - 1] |= 1; /* odd */
    n[len / 2] ^= tweak;
    BIGNUM *bn = BN_bin2bn(n, (int)len, NULL), *be = BN_new();
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    OSSL_PARAM *prm = NULL;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *k = NULL;
    assert_true(bn && be && b && c && BN_set_word(be, 65537));
    assert_true(OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn) &&
                OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be));
    assert_non_null(prm = OSSL_PARAM_BLD_to_param(b));
    assert_int_equal(EVP_PKEY_fromdata_init(c), 1);
    assert_int_equal(EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, prm), 1);
    OSSL_PARAM_free(prm);
    OSSL_PARAM_BLD_free(b);
    EVP_PKEY_CTX_free(c);
    BN_free(bn);
    BN_free(be);
    return k;
}

static se05x_rc verify(const char *pem, const char *ca, const uint8_t *nonce, const char *pub,
                       struct se05x_attestation **a, struct se05x_error *err)
{
    struct se05x_attest_verify_opts o = {.struct_size = sizeof o, .ca_pem = ca, .ca_pem_len = strlen(ca)};
    if (nonce) {
        o.nonce = nonce;
        o.nonce_len = 16;
    }
    if (pub) {
        o.pubkey = (const uint8_t *)pub;
        o.pubkey_len = strlen(pub);
    }
    memset(err, 0, sizeof *err);
    return se05x_attest_verify(pem, strlen(pem), &o, a, err);
}

/* EC key pair, 3.x: generated, one rule. */
static const uint8_t ATTR3[] = {0x7F, 0, 0, 1, 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0,
                                0x08, 0, 0, 0, 0, 0x10, 0x24, 0x80, 0x00, 0x02};
/* EC P-256 key pair, V2: imported, one rule, version 5. */
static const uint8_t ATTRV2[] = {0x7F, 0, 0, 1, 0x29, 0x01, 0, 0, 0, 0, 0, 0, 0, 0,
                                 0x08, 0, 0, 0, 0, 0x10, 0x24, 0x00, 0x00, 0x01, 0, 0, 0, 5};

static void build(uint8_t major, uint8_t *rec, size_t *n, EVP_PKEY *signer)
{
    uint8_t c[256], r[1024], pt[133];
    size_t cl = mkcmd(0x7F000001, c), pl = pubpoint(W.obj_key, pt, sizeof pt), rl;
    if (major == 3)
        rl = mkrsp3(signer, pt, pl, ATTR3, sizeof ATTR3, r);
    else
        rl = mkrspv2(signer, c, cl, pt, pl, ATTRV2, sizeof ATTRV2, 32, r);
    *n = mkrec(major, c, cl, r, rl, rec);
}

static void t_good(void **state)
{
    (void)state;
    for (uint8_t major = 3; major <= 7; major += 4) {
        uint8_t rec[4096];
        size_t n;
        build(major, rec, &n, W.att_key);
        char *pem = mkpem(rec, n, W.att_cert, NULL), *pub = to_pem(NULL, W.obj_key);
        struct se05x_attestation *a = NULL;
        struct se05x_error err;
        se05x_rc rc = verify(pem, W.ca_pem, NONCE, pub, &a, &err);
        if (rc)
            fail_msg("applet %u: %s", major, err.msg);
        assert_non_null(a);
        assert_int_equal(a->id, 0x7F000001);
        assert_int_equal(a->kind, SE05X_KIND_EC);
        assert_int_equal(a->part, SE05X_PART_PAIR);
        assert_true(a->nonce_checked);
        assert_true(a->pubkey_checked);
        assert_true(a->size_known);
        assert_int_equal(a->size, 32);
        assert_int_equal(a->policy.n, 1);
        assert_int_equal(a->key_id, 0xF0000012);
        assert_memory_equal(a->chip_id, CHIP_ID, 18);
        assert_non_null(strstr(a->cert_subject, "chip attestation"));
        assert_false(a->cert_names_chip); /* its CN carries no chip id */
        if (major == 3) {
            assert_int_equal(a->layout, SE05X_ATTEST_LAYOUT_3X);
            assert_int_equal(a->origin, SE05X_ORIGIN_GENERATED);
            assert_int_equal(a->policy.rule[0].rules, 0x10248000);
            assert_int_equal(a->curve, SE05X_EC_NONE);
        } else {
            assert_int_equal(a->layout, SE05X_ATTEST_LAYOUT_V2);
            assert_int_equal(a->origin, SE05X_ORIGIN_IMPORTED);
            assert_int_equal(a->curve, SE05X_EC_NIST_P256);
            assert_true(a->has_version);
            assert_int_equal(a->version, 5);
        }
        se05x_free(a);
        /* without the expectations: verified, but not "checked" */
        assert_int_equal(verify(pem, W.ca_pem, NULL, NULL, &a, &err), SE05X_OK);
        assert_false(a->nonce_checked);
        assert_false(a->pubkey_checked);
        se05x_free(a);
        OPENSSL_free(pem);
        OPENSSL_free(pub);
    }
}

static void t_refused(void **state)
{
    (void)state;
    for (uint8_t major = 3; major <= 7; major += 4) {
        uint8_t rec[4096], other_nonce[16];
        size_t n;
        struct se05x_attestation *a = NULL;
        struct se05x_error err;
        build(major, rec, &n, W.att_key);
        char *pem = mkpem(rec, n, W.att_cert, NULL);
        /* stale nonce */
        memcpy(other_nonce, NONCE, 16);
        other_nonce[3] ^= 0x40;
        assert_int_equal(verify(pem, W.ca_pem, other_nonce, NULL, &a, &err), SE05X_E_CRYPTO);
        assert_null(a);
        assert_non_null(strstr(err.msg, "nonce"));
        /* another public key */
        EVP_PKEY *k2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        char *pub2 = to_pem(NULL, k2);
        assert_int_equal(verify(pem, W.ca_pem, NONCE, pub2, &a, &err), SE05X_E_KEY_MISMATCH);
        OPENSSL_free(pub2);
        EVP_PKEY_free(k2);
        /* an RSA key cannot be the attested EC key */
        EVP_PKEY *rk = rsa_pub(128, 0);
        char *rpub = to_pem(NULL, rk);
        assert_int_equal(verify(pem, W.ca_pem, NONCE, rpub, &a, &err), SE05X_E_KEY_MISMATCH);
        OPENSSL_free(rpub);
        EVP_PKEY_free(rk);
        /* not a key */
        assert_int_equal(verify(pem, W.ca_pem, NONCE, "garbage", &a, &err), SE05X_E_FORMAT);
        /* another CA (same name, other key) */
        assert_int_equal(verify(pem, W.other_ca_pem, NONCE, NULL, &a, &err), SE05X_E_CRYPTO);
        assert_non_null(strstr(err.msg, "chain"));
        /* a CA file without certificates */
        assert_int_equal(verify(pem, "nothing", NONCE, NULL, &a, &err), SE05X_E_BAD_ARG);
        OPENSSL_free(pem);
        /* the certificate of another chip (same CA): the signature does not verify */
        pem = mkpem(rec, n, W.other_att_cert, NULL);
        assert_int_equal(verify(pem, W.ca_pem, NONCE, NULL, &a, &err), SE05X_E_CRYPTO);
        assert_non_null(strstr(err.msg, "signature"));
        OPENSSL_free(pem);
        /* signed by another key altogether */
        build(major, rec, &n, W.other_att_key);
        pem = mkpem(rec, n, W.att_cert, NULL);
        assert_int_equal(verify(pem, W.ca_pem, NONCE, NULL, &a, &err), SE05X_E_CRYPTO);
        OPENSSL_free(pem);
        /* no certificate; a foreign PEM block; two record blocks */
        build(major, rec, &n, W.att_key);
        pem = mkpem(rec, n, NULL, NULL);
        assert_int_equal(verify(pem, W.ca_pem, NONCE, NULL, &a, &err), SE05X_E_FORMAT);
        OPENSSL_free(pem);
        pem = mkpem(rec, n, W.att_cert, "-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n");
        assert_int_equal(verify(pem, W.ca_pem, NONCE, NULL, &a, &err), SE05X_E_FORMAT);
        OPENSSL_free(pem);
        char *one = mkpem(rec, n, NULL, NULL), *two = mkpem(rec, n, W.att_cert, one);
        assert_int_equal(verify(two, W.ca_pem, NONCE, NULL, &a, &err), SE05X_E_FORMAT);
        OPENSSL_free(one);
        OPENSSL_free(two);
        /* empty text */
        assert_int_equal(verify("-----BEGIN CERTIFICATE-----\n", W.ca_pem, NONCE, NULL, &a, &err),
                         SE05X_E_FORMAT);
    }
}

/* Flipping one bit of any byte of the record must make verification fail,
 * except the bytes no signature covers (documented in
 * docs/protocol/attestation.md §6): the applet minor/patch bytes, and on 3.x
 * the major byte (within 3.x) and the attestation key id of the command. */
static void t_tamper_every_byte(void **state)
{
    (void)state;
    for (uint8_t major = 3; major <= 7; major += 4) {
        uint8_t rec[4096], bad[4096];
        size_t n;
        build(major, rec, &n, W.att_key);
        size_t passed = 0;
        for (size_t i = 0; i < n; i++) {
            memcpy(bad, rec, n);
            bad[i] ^= 0x01;
            char *pem = mkpem(bad, n, W.att_cert, NULL);
            struct se05x_attestation *a = NULL;
            struct se05x_error err;
            se05x_rc rc = verify(pem, W.ca_pem, NONCE, NULL, &a, &err);
            OPENSSL_free(pem);
            bool unsigned_byte = i == 6 || i == 7 || (major == 3 && (i == 5 || (i >= 30 && i <= 33)));
            if (unsigned_byte) {
                passed++;
                se05x_free(a);
                continue;
            }
            if (rc == SE05X_OK)
                fail_msg("applet %u: flipped byte %zu of %zu still verifies", major, i, n);
            assert_null(a);
        }
        assert_true(passed > 0);
    }
}

static void t_bad_args(void **state)
{
    (void)state;
    struct se05x_attestation *a = (void *)1;
    struct se05x_error err;
    struct se05x_attest_verify_opts o = {.struct_size = sizeof o, .ca_pem = W.ca_pem, .ca_pem_len = strlen(W.ca_pem)};
    assert_int_equal(se05x_attest_verify(NULL, 0, &o, &a, &err), SE05X_E_BAD_ARG);
    assert_null(a);
    assert_int_equal(se05x_attest_verify("x", 1, NULL, &a, &err), SE05X_E_BAD_ARG);
    o.struct_size = 8;
    assert_int_equal(se05x_attest_verify("x", 1, &o, &a, &err), SE05X_E_BAD_ARG);
    o.struct_size = sizeof o;
    o.nonce = NONCE;
    o.nonce_len = 17;
    assert_int_equal(se05x_attest_verify("x", 1, &o, &a, &err), SE05X_E_BAD_ARG);
    o.nonce = NULL;
    assert_int_equal(se05x_attest_verify("x", 1, &o, &a, &err), SE05X_E_FORMAT);
}

/* RSA key pair (type 04 on both layouts): two answers, modulus and exponent. */
static const uint8_t ATTR_RSA3[] = {0x7F, 0, 0, 1, 0x04, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x02};
static const uint8_t ATTR_RSAV2[] = {0x7F, 0, 0, 1, 0x04, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 1};

/* comp0/comp1: components of the two answers; nonce1: nonce of the second. */
static char *rsa_record(uint8_t major, EVP_PKEY *rk, int comp0, int comp1, const uint8_t *nonce1,
                        const uint8_t *attr1, size_t attr1_len)
{
    static uint8_t c[2][256], r[2][1024], rec[4096];
    uint8_t n[512], e[8];
    BIGNUM *bn = NULL, *be = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(rk, OSSL_PKEY_PARAM_RSA_N, &bn), 1);
    assert_int_equal(EVP_PKEY_get_bn_param(rk, OSSL_PKEY_PARAM_RSA_E, &be), 1);
    size_t nl = (size_t)BN_bn2bin(bn, n), el = (size_t)BN_bn2bin(be, e);
    BN_free(bn);
    BN_free(be);
    const uint8_t *attr = major == 3 ? ATTR_RSA3 : ATTR_RSAV2;
    size_t al = major == 3 ? sizeof ATTR_RSA3 : sizeof ATTR_RSAV2;
    struct se05x_att_record rd = {.major = major, .id = 0x7F000001, .nparts = 2};
    for (int i = 0; i < 2; i++) {
        int comp = i ? comp1 : comp0;
        const uint8_t *nonce = i ? nonce1 : NONCE, *at = i && attr1 ? attr1 : attr;
        size_t atl = i && attr1 ? attr1_len : al;
        const uint8_t *d = comp ? e : n;
        size_t dl = comp ? el : nl, cl = mkcmd_ex(0x7F000001, comp, nonce, c[i]), rl;
        if (major == 3)
            rl = mkrsp3_ex(W.att_key, d, dl, at, atl, nonce, r[i]);
        else
            rl = mkrspv2(W.att_key, c[i], cl, d, dl, at, atl, (uint16_t)nl, r[i]);
        rd.part[i].cmd = c[i];
        rd.part[i].cmd_len = cl;
        rd.part[i].rsp = r[i];
        rd.part[i].rsp_len = rl;
    }
    size_t len = se05x_att_record_encode(&rd, rec, sizeof rec);
    assert_true(len > 0);
    return mkpem(rec, len, W.att_cert, NULL);
}

static void t_rsa(void **state)
{
    (void)state;
    EVP_PKEY *rk = rsa_pub(256, 0);
    EVP_PKEY *rk2 = rsa_pub(256, 0x10); /* same size, another modulus */
    char *pub = to_pem(NULL, rk), *pub2 = to_pem(NULL, rk2);
    uint8_t other_nonce[16];
    memcpy(other_nonce, NONCE, 16);
    other_nonce[0] ^= 1;
    for (uint8_t major = 3; major <= 7; major += 4) {
        struct se05x_attestation *a = NULL;
        struct se05x_error err;
        char *pem = rsa_record(major, rk, 0, 1, NONCE, NULL, 0);
        if (verify(pem, W.ca_pem, NONCE, pub, &a, &err) != SE05X_OK)
            fail_msg("applet %u RSA: %s", major, err.msg);
        assert_int_equal(a->kind, SE05X_KIND_RSA);
        assert_int_equal(a->size, 256);
        assert_int_equal(a->data_len, 256);
        assert_int_equal(a->exponent_len, 3);
        assert_true(a->pubkey_checked);
        se05x_free(a);
        assert_int_equal(verify(pem, W.ca_pem, NONCE, pub2, &a, &err), SE05X_E_KEY_MISMATCH);
        OPENSSL_free(pem);
        /* the exponent first, the modulus second: still the same key */
        pem = rsa_record(major, rk, 1, 0, NONCE, NULL, 0);
        assert_int_equal(verify(pem, W.ca_pem, NONCE, pub, &a, &err), SE05X_OK);
        se05x_free(a);
        OPENSSL_free(pem);
        /* two moduli, no exponent */
        pem = rsa_record(major, rk, 0, 0, NONCE, NULL, 0);
        assert_int_equal(verify(pem, W.ca_pem, NONCE, NULL, &a, &err), SE05X_E_FORMAT);
        OPENSSL_free(pem);
        /* the second answer from another attestation (other nonce): each signature is good */
        pem = rsa_record(major, rk, 0, 1, other_nonce, NULL, 0);
        assert_int_equal(verify(pem, W.ca_pem, NULL, NULL, &a, &err), SE05X_E_CRYPTO);
        assert_non_null(strstr(err.msg, "do not agree"));
        OPENSSL_free(pem);
        /* the second answer about an object with other attributes */
        uint8_t attr1[32];
        size_t al = major == 3 ? sizeof ATTR_RSA3 : sizeof ATTR_RSAV2;
        memcpy(attr1, major == 3 ? ATTR_RSA3 : ATTR_RSAV2, al);
        attr1[14] ^= 0x03; /* the other origin (generated <-> imported) */
        pem = rsa_record(major, rk, 0, 1, NONCE, attr1, al);
        assert_int_equal(verify(pem, W.ca_pem, NONCE, NULL, &a, &err), SE05X_E_CRYPTO);
        OPENSSL_free(pem);
    }
    OPENSSL_free(pub);
    OPENSSL_free(pub2);
    EVP_PKEY_free(rk);
    EVP_PKEY_free(rk2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_good),
        cmocka_unit_test(t_refused),
        cmocka_unit_test(t_rsa),
        cmocka_unit_test(t_tamper_every_byte),
        cmocka_unit_test(t_bad_args),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
