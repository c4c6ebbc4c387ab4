/* SPDX-License-Identifier: Apache-2.0 */
/* OpenSSL glue: EVP_PKEY <-> chip objects, and key file loading.
 * libcrypto objects come from the default provider when it is loaded
 * (cmd_util.h se05x_ossl_*, docs/decisions.md D8); key files are decoded in a
 * private library context (se05x_ossl_scope). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cmd_util.h"
#include "session_priv.h"

/* Key files are small; anything bigger is not a key. */
#define KEY_FILE_MAX (1024 * 1024)

static const char *raw_alg(se05x_curve c)
{
    return c == SE05X_EC_ED25519 ? "ED25519" : c == SE05X_EC_X25519 ? "X25519" : "X448";
}

static EVP_PKEY *pkey_fromdata(const char *alg, OSSL_PARAM *params, int selection)
{
    EVP_PKEY *pk = NULL;
    EVP_PKEY_CTX *ctx = se05x_ossl_pkey_ctx(alg);
    if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &pk, selection, params) != 1)
        pk = NULL;
    EVP_PKEY_CTX_free(ctx);
    return pk;
}

se05x_rc se05x_ec_pub_pkey(se05x_session *s, se05x_objid id, se05x_curve c, const uint8_t *pt,
                           size_t n, EVP_PKEY **out)
{
    EVP_PKEY *pk = NULL;
    size_t l = se05x_curve_bytes(c);
    if (!se05x_curve_is_weierstrass(c)) {
        uint8_t raw[56];
        if (n != l || n > sizeof raw)
            return se05x_bad_rsp(s, "ReadObject", id, "public key length does not match the curve");
        memcpy(raw, pt, n);
        se05x_reverse(raw, n); /* docs/protocol/apdu.md §21 */
        pk = se05x_ossl_raw_key(raw_alg(c), 0, raw, n);
    } else {
        if (n != 1 + 2 * l || pt[0] != 0x04)
            return se05x_bad_rsp(s, "ReadObject", id, "public key is not 04||X||Y of the curve");
        OSSL_PARAM p[3] = {
            OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                             (char *)OBJ_nid2sn(se05x_curve_to_nid(c)), 0),
            OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pt, n),
            OSSL_PARAM_construct_end(),
        };
        pk = pkey_fromdata("EC", p, EVP_PKEY_PUBLIC_KEY);
    }
    if (!pk)
        return se05x_bad_rsp(s, "ReadObject", id, "public key rejected by libcrypto (not on the curve?)");
    *out = pk;
    return SE05X_OK;
}

static se05x_rc rsa_pub_pkey(se05x_session *s, se05x_objid id, EVP_PKEY **out)
{
    uint8_t n[512], e[512];
    size_t nl = 0, el = 0;
    se05x_rc rc = se05x_read_rsa_component(s, id, SE05X_RSA_COMP_MOD, n, sizeof n, &nl);
    if (rc || (rc = se05x_read_rsa_component(s, id, SE05X_RSA_COMP_PUB_EXP, e, sizeof e, &el)))
        return rc;
    BIGNUM *bn = BN_bin2bn(n, (int)nl, NULL), *be = BN_bin2bn(e, (int)el, NULL);
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    OSSL_PARAM *p = NULL;
    EVP_PKEY *pk = NULL;
    if (bn && be && b && OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn) &&
        OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be) && (p = OSSL_PARAM_BLD_to_param(b)))
        pk = pkey_fromdata("RSA", p, EVP_PKEY_PUBLIC_KEY);
    OSSL_PARAM_free(p);
    OSSL_PARAM_BLD_free(b);
    BN_free(bn);
    BN_free(be);
    if (!pk)
        return se05x_bad_rsp(s, "ReadRSA", id, "modulus/exponent rejected by libcrypto");
    *out = pk;
    return SE05X_OK;
}

se05x_rc se05x_read_pubkey(se05x_session *s, se05x_objid id, EVP_PKEY **out)
{
    if (!s || !out)
        return SE05X_E_BAD_ARG;
    *out = NULL;
    se05x_kind kind;
    se05x_curve c;
    se05x_rc rc = se05x_txn_begin(s);
    if (rc)
        return rc;
    if (se05x_typecache_inferred(s, id, &c)) {
        /* known only from its public key (lib/keyinfer.c): read it again the
         * same way; when it no longer names one curve, ask what the object is */
        if ((rc = se05x_infer_ec_key(s, id, &c, out)) || *out)
            goto out;
        se05x_pubcache_drop(s, id);
    }
    if ((rc = se05x_read_pub_type(s, id, &kind, NULL, &c, "it has no readable public key")))
        goto out;
    if (kind == SE05X_KIND_RSA) {
        rc = rsa_pub_pkey(s, id, out);
        goto out;
    }
    if ((rc = se05x_ec_curve_of(s, id, &c)))
        goto out;
    uint8_t pt[1 + 2 * 66];
    size_t n = 0;
    if ((rc = se05x_read_object(s, id, 0, 0, pt, sizeof pt, &n)))
        goto out;
    rc = se05x_ec_pub_pkey(s, id, c, pt, n, out);
out:
    if (rc == SE05X_OK)
        se05x_pubcache_put(s, id, *out); /* the chip's key, for the answer checks */
    se05x_txn_end(s);
    return rc;
}

/* ---- import ---- */

static size_t bn_out(const BIGNUM *b, uint8_t *buf, size_t cap)
{
    int n = BN_num_bytes(b);
    if (n <= 0 || (size_t)n > cap)
        return 0;
    return (size_t)BN_bn2bin(b, buf);
}

static se05x_rc import_rsa(se05x_session *s, se05x_objid id, EVP_PKEY *pkey, int public_only,
                           const struct se05x_write_opts *o)
{
    static const char *names[7] = {
        OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_FACTOR1,
        OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
        OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
    uint8_t buf[7][512];
    size_t len[7] = {0};
    BIGNUM *bn = NULL;
    se05x_rc rc = SE05X_OK;
    int bits = EVP_PKEY_get_bits(pkey);
    int want = public_only ? 2 : 7;
    for (int i = 0; i < want; i++) {
        if (EVP_PKEY_get_bn_param(pkey, names[i], &bn) != 1 || !(len[i] = bn_out(bn, buf[i], 512))) {
            rc = se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "RSA key lacks %s%s", names[i],
                            i >= 2 ? " (private CRT components needed for a key pair)" : "");
            break;
        }
        BN_clear_free(bn);
        bn = NULL;
    }
    BN_clear_free(bn);
    if (!rc) {
        struct se05x_rsa_components k = {
            .n = buf[0], .n_len = len[0], .e = buf[1], .e_len = len[1],
            .p = buf[2], .p_len = len[2], .q = buf[3], .q_len = len[3],
            .dp = buf[4], .dp_len = len[4], .dq = buf[5], .dq_len = len[5],
            .qinv = buf[6], .qinv_len = len[6],
        };
        rc = se05x_rsa_import(s, id, (unsigned)bits, public_only ? SE05X_PART_PUBLIC : SE05X_PART_PAIR,
                              &k, o);
    }
    OPENSSL_cleanse(buf, sizeof buf);
    return rc;
}

/* 04||X||Y of an EC key; computed from the private scalar when the key
 * carries none (SEC1 files may omit it). */
static bool ec_point(EVP_PKEY *pkey, se05x_curve c, uint8_t *pt, size_t *n)
{
    size_t l = se05x_curve_bytes(c);
    BIGNUM *x = NULL, *y = NULL, *d = NULL;
    bool ok = false;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
        EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1) {
        pt[0] = 0x04;
        ok = BN_bn2binpad(x, pt + 1, (int)l) > 0 && BN_bn2binpad(y, pt + 1 + l, (int)l) > 0;
    } else if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1) {
        EC_GROUP *g = se05x_ossl_group(se05x_curve_to_nid(c));
        EC_POINT *q = g ? EC_POINT_new(g) : NULL;
        ok = q && EC_POINT_mul(g, q, d, NULL, NULL, NULL) &&
             EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, pt, 1 + 2 * l, NULL) == 1 + 2 * l;
        EC_POINT_free(q);
        EC_GROUP_free(g);
    }
    BN_free(x);
    BN_free(y);
    BN_clear_free(d);
    *n = 1 + 2 * l;
    return ok;
}

static se05x_rc import_ec(se05x_session *s, se05x_objid id, EVP_PKEY *pkey, int public_only,
                          const struct se05x_write_opts *o)
{
    char group[64];
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) != 1)
        return se05x_fail(s, SE05X_E_UNSUPPORTED, 0, id, "EC key without a named curve");
    se05x_curve c = se05x_curve_from_nid(OBJ_sn2nid(group));
    if (!se05x_curve_is_weierstrass(c))
        return se05x_fail(s, SE05X_E_UNSUPPORTED, 0, id, "curve %s is not supported by the chip", group);
    size_t l = se05x_curve_bytes(c), ptn = 0;
    uint8_t pt[1 + 2 * 66], d[66];
    BIGNUM *bd = NULL;
    se05x_rc rc;
    if (!ec_point(pkey, c, pt, &ptn))
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "EC key has no public point");
    if (public_only)
        return se05x_ec_import(s, id, c, SE05X_PART_PUBLIC, NULL, 0, pt, ptn, o);
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &bd) != 1 ||
        BN_bn2binpad(bd, d, (int)l) < 0) {
        BN_clear_free(bd);
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "EC key has no private part (use a public import)");
    }
    BN_clear_free(bd);
    rc = se05x_ec_import(s, id, c, SE05X_PART_PAIR, d, l, pt, ptn, o);
    OPENSSL_cleanse(d, sizeof d);
    return rc;
}

static se05x_rc import_raw(se05x_session *s, se05x_objid id, EVP_PKEY *pkey, se05x_curve c,
                           int public_only, const struct se05x_write_opts *o)
{
    uint8_t priv[56], pub[56];
    size_t l = se05x_curve_bytes(c), pl = sizeof pub, kl = sizeof priv;
    se05x_rc rc;
    if (EVP_PKEY_get_raw_public_key(pkey, pub, &pl) != 1 || pl != l)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s key without public key", raw_alg(c));
    if (public_only)
        return se05x_ec_import(s, id, c, SE05X_PART_PUBLIC, NULL, 0, pub, pl, o);
    if (EVP_PKEY_get_raw_private_key(pkey, priv, &kl) != 1 || kl != l)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s key has no private part", raw_alg(c));
    rc = se05x_ec_import(s, id, c, SE05X_PART_PAIR, priv, kl, pub, pl, o);
    OPENSSL_cleanse(priv, sizeof priv);
    return rc;
}

se05x_rc se05x_import_pkey(se05x_session *s, se05x_objid id, EVP_PKEY *pkey, int public_only,
                           const struct se05x_write_opts *o)
{
    if (!s || !pkey)
        return SE05X_E_BAD_ARG;
    struct se05x_refkey ref;
    if (!public_only && se05x_refkey_from_pkey(pkey, &ref))
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id,
                          "the key is a reference to SE object 0x%08X, not a key that can be imported",
                          ref.id);
    switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA: return import_rsa(s, id, pkey, public_only, o);
    case EVP_PKEY_EC: return import_ec(s, id, pkey, public_only, o);
    case EVP_PKEY_ED25519: return import_raw(s, id, pkey, SE05X_EC_ED25519, public_only, o);
    case EVP_PKEY_X25519: return import_raw(s, id, pkey, SE05X_EC_X25519, public_only, o);
    case EVP_PKEY_X448: return import_raw(s, id, pkey, SE05X_EC_X448, public_only, o);
    default:
        return se05x_fail(s, SE05X_E_UNSUPPORTED, 0, id, "unsupported key type %s",
                          EVP_PKEY_get0_type_name(pkey) ? EVP_PKEY_get0_type_name(pkey) : "?");
    }
}

/* ---- key files ---- */

/* Never prompt: an encrypted key is refused, not asked for. */
static int no_passphrase(char *pass, size_t size, size_t *len, const OSSL_PARAM params[], void *u)
{
    (void)pass;
    (void)size;
    (void)len;
    (void)params;
    *(int *)u = 1;
    return 0;
}

se05x_rc se05x_read_file(const char *path, uint8_t **data, size_t *len, struct se05x_error *err)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return se05x_err_set(err, SE05X_E_IO, 0, 0, "%s: cannot open: %m", path);
    uint8_t *buf = malloc(KEY_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, KEY_FILE_MAX + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!buf)
        return se05x_err_set(err, SE05X_E_NOMEM, 0, 0, "out of memory reading %s", path);
    if (bad || n > KEY_FILE_MAX) {
        free(buf);
        return se05x_err_set(err, bad ? SE05X_E_IO : SE05X_E_FORMAT, 0, 0, "%s: %s", path,
                             bad ? "read error" : "file too large for a key");
    }
    *data = buf;
    *len = n;
    return SE05X_OK;
}

bool se05x_key_is_encrypted(const uint8_t *d, size_t n)
{
    if (memmem(d, n, "ENCRYPTED", 9)) /* BEGIN ENCRYPTED PRIVATE KEY, Proc-Type: 4,ENCRYPTED */
        return true;
    /* DER EncryptedPrivateKeyInfo parses as X509_SIG */
    const unsigned char *p = d;
    X509_SIG *sig = d2i_X509_SIG(NULL, &p, (long)n);
    bool enc = sig && p == d + n;
    X509_SIG_free(sig);
    return enc;
}

static EVP_PKEY *decode_der(const uint8_t *d, size_t n, const char *input, int selection, int *asked)
{
    EVP_PKEY *pk = NULL;
    OSSL_DECODER_CTX *dc = se05x_ossl_decoder(&pk, input, selection);
    if (!dc)
        return NULL;
    OSSL_DECODER_CTX_set_passphrase_cb(dc, no_passphrase, asked);
    const unsigned char *p = d;
    size_t left = n;
    if (OSSL_DECODER_from_data(dc, &p, &left) != 1) {
        EVP_PKEY_free(pk);
        pk = NULL;
    }
    OSSL_DECODER_CTX_free(dc);
    return pk;
}

/* PEM files may hold several blocks (openssl ecparam -genkey writes
 * EC PARAMETERS before EC PRIVATE KEY): every block is tried in turn. */
EVP_PKEY *se05x_decode_key(const uint8_t *d, size_t n, int selection, int *asked)
{
    if (!memmem(d, n, "-----BEGIN ", 11))
        return decode_der(d, n, "DER", selection, asked);
    EVP_PKEY *pk = NULL;
    BIO *b = BIO_new_mem_buf(d, (int)n);
    char *name = NULL, *hdr = NULL;
    unsigned char *der = NULL;
    long dl = 0;
    while (b && !pk && PEM_read_bio(b, &name, &hdr, &der, &dl) == 1) {
        if (strstr(name, "ENCRYPTED") || (hdr && strstr(hdr, "ENCRYPTED")))
            *asked = 1;
        else if (strstr(name, "KEY") && !strstr(name, "PARAMETERS"))
            pk = decode_der(der, (size_t)dl, "DER", selection, asked);
        OPENSSL_free(name);
        OPENSSL_free(hdr);
        if (der)
            OPENSSL_cleanse(der, (size_t)dl);
        OPENSSL_free(der);
        name = hdr = NULL;
        der = NULL;
    }
    BIO_free(b);
    return pk;
}

/* The decoded key, rebuilt in the caller's default library context (the
 * decoding one is private and short-lived, D8); by the default provider's
 * keymgmt when it is loaded there (fetches honour the property query, unlike
 * decoders). Private values travel in params that are cleansed. */
static EVP_PKEY *reimport(EVP_PKEY *src, int selection)
{
    OSSL_PARAM *p = NULL;
    EVP_PKEY *pk = NULL;
    const char *type = EVP_PKEY_get0_type_name(src);
    EVP_PKEY_CTX *ctx = type ? se05x_ossl_pkey_ctx(type) : NULL;
    if (ctx && EVP_PKEY_todata(src, selection, &p) == 1 && EVP_PKEY_fromdata_init(ctx) == 1 &&
        EVP_PKEY_fromdata(ctx, &pk, selection, p) != 1)
        pk = NULL;
    for (OSSL_PARAM *q = p; q && q->key; q++) /* OSSL_PARAM_clear_free is 3.2+ */
        if (q->data)
            OPENSSL_cleanse(q->data, q->data_size);
    OSSL_PARAM_free(p);
    EVP_PKEY_CTX_free(ctx);
    return pk;
}

se05x_rc se05x_load_key_file(const char *path, EVP_PKEY **out, struct se05x_error *err)
{
    if (!path || !out)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "no key file given");
    *out = NULL;
    uint8_t *d = NULL;
    size_t n = 0;
    se05x_rc rc = se05x_read_file(path, &d, &n, err);
    if (rc)
        return rc;
    int asked = 0, sel = EVP_PKEY_KEYPAIR;
    struct se05x_ossl_scope sc;
    if (!se05x_ossl_scope_enter(&sc)) {
        OPENSSL_cleanse(d, n);
        free(d);
        return se05x_err_set(err, SE05X_E_CRYPTO, 0, 0, "%s: no private OpenSSL library context", path);
    }
    ERR_set_mark();
    EVP_PKEY *dec = NULL, *pk = NULL;
    if (n && !se05x_key_is_encrypted(d, n)) {
        dec = se05x_decode_key(d, n, EVP_PKEY_KEYPAIR, &asked);
        if (!dec && !asked && (dec = se05x_decode_key(d, n, EVP_PKEY_PUBLIC_KEY, &asked)))
            sel = EVP_PKEY_PUBLIC_KEY;
    } else if (n) {
        asked = 1;
    }
    se05x_ossl_scope_leave(&sc); /* dec stays usable until freed: it holds its provider */
    if (dec) {
        pk = reimport(dec, sel);
        EVP_PKEY_free(dec);
    }
    ERR_pop_to_mark();
    OPENSSL_cleanse(d, n);
    free(d);
    if (!pk)
        return se05x_err_set(err, SE05X_E_FORMAT, 0, 0, "%s: %s", path,
                             asked ? "key file is encrypted" : "not a PEM or DER key");
    int t = EVP_PKEY_get_base_id(pk);
    if (t != EVP_PKEY_RSA && t != EVP_PKEY_EC && t != EVP_PKEY_ED25519 && t != EVP_PKEY_X25519 &&
        t != EVP_PKEY_X448) {
        EVP_PKEY_free(pk);
        return se05x_err_set(err, SE05X_E_FORMAT, 0, 0, "%s: unsupported key type (RSA, EC, Ed25519, X25519, X448 only)",
                             path);
    }
    *out = pk;
    return SE05X_OK;
}
