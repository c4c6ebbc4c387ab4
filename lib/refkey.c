/* SPDX-License-Identifier: Apache-2.0 */
/* Reference keys (docs/protocol/refkey.md, "Our reader" / "Our writer"): the
 * one codec of the project. Files are decoded and encoded by libcrypto;
 * this file only places and recognises the marker. */
#define OPENSSL_SUPPRESS_DEPRECATED /* legacy EC_KEY/RSA access for engine keys */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>

#include "cmd_util.h"
#include "session_priv.h"

#define MARKER_MIN 14 /* id + two magic words + class + index */

/* ---- reader ---- */

/* EC marker test on the private value padded to L bytes (docs/protocol/refkey.md §1). */
static int ec_marker(const uint8_t *b, size_t l, struct se05x_refkey *ref)
{
    if (l < MARKER_MIN || be32(b + l - 10) != SE05X_REFKEY_MAGIC ||
        be32(b + l - 6) != SE05X_REFKEY_MAGIC)
        return 0;
    se05x_objid id = be32(b + l - 14);
    if (!id)
        return 0;
    ref->id = id;
    ref->public_only = b[l - 2] == 0x20;
    return 1;
}

static int ec_from_pkey(const EVP_PKEY *pk, struct se05x_refkey *ref)
{
    char group[64];
    BIGNUM *d = NULL;
    se05x_curve c = SE05X_EC_NONE;
    int r = 0;
    if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) == 1)
        c = se05x_curve_from_nid(OBJ_sn2nid(group));
    if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1) {
        /* legacy (engine) key */
        const EC_KEY *ec = EVP_PKEY_get0_EC_KEY(pk);
        const BIGNUM *pd = ec ? EC_KEY_get0_private_key(ec) : NULL;
        if (ec && c == SE05X_EC_NONE && EC_KEY_get0_group(ec))
            c = se05x_curve_from_nid(EC_GROUP_get_curve_name(EC_KEY_get0_group(ec)));
        d = pd ? BN_dup(pd) : NULL;
    }
    size_t l = se05x_curve_bytes(c);
    uint8_t b[66];
    if (d && l && l <= sizeof b && BN_bn2binpad(d, b, (int)l) == (int)l && ec_marker(b, l, ref)) {
        ref->kind = SE05X_KIND_EC;
        ref->curve = c;
        r = 1;
    }
    BN_clear_free(d);
    OPENSSL_cleanse(b, sizeof b);
    return r;
}

static int raw_from_pkey(const EVP_PKEY *pk, se05x_curve c, struct se05x_refkey *ref)
{
    uint8_t b[56];
    size_t l = sizeof b;
    int r = 0;
    if (EVP_PKEY_get_raw_private_key(pk, b, &l) == 1 && l == se05x_curve_bytes(c) &&
        ec_marker(b, l, ref)) {
        ref->kind = SE05X_KIND_EC;
        ref->curve = c;
        r = 1;
    }
    OPENSSL_cleanse(b, sizeof b);
    return r;
}

/* DER INTEGER content with the top bit set may come back negative
 * (docs/protocol/refkey.md §5.2): read it as the unsigned value of its content octets. */
static bool unsigned_word(const BIGNUM *b, uint64_t *out)
{
    if (!b)
        return false;
    if (!BN_is_negative(b)) {
        if (BN_num_bits(b) > 32)
            return false;
        *out = BN_get_word(b);
        return true;
    }
    BIGNUM *a = BN_dup(b), *m = BN_new();
    bool ok = false;
    if (a && m) {
        BN_set_negative(a, 0);
        int k = BN_num_bytes(a);
        if (k > 0 && k <= 4 && BN_set_bit(m, 8 * k) && BN_sub(m, m, a) && BN_num_bits(m) <= 32) {
            *out = BN_get_word(m);
            ok = true;
        }
    }
    BN_free(a);
    BN_free(m);
    return ok;
}

static int rsa_from_pkey(const EVP_PKEY *pk, struct se05x_refkey *ref)
{
    BIGNUM *p = NULL, *q = NULL, *qi = NULL;
    int r = 0;
    if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_FACTOR1, &p) != 1 ||
        EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_FACTOR2, &q) != 1 ||
        EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, &qi) != 1) {
        BN_free(p);
        BN_free(q);
        BN_free(qi);
        p = q = qi = NULL;
        const RSA *rsa = EVP_PKEY_get0_RSA(pk); /* legacy (engine) key */
        const BIGNUM *lp = NULL, *lq = NULL, *lqi = NULL;
        if (rsa) {
            RSA_get0_factors(rsa, &lp, &lq);
            RSA_get0_crt_params(rsa, NULL, NULL, &lqi);
        }
        if (!lp || !lq || !lqi)
            return 0;
        p = BN_dup(lp);
        q = BN_dup(lq);
        qi = BN_dup(lqi);
    }
    uint64_t vq = 0, vqi = 0;
    if (p && BN_is_one(p) && unsigned_word(qi, &vqi) && vqi == SE05X_REFKEY_MAGIC &&
        unsigned_word(q, &vq) && vq != 0) {
        ref->kind = SE05X_KIND_RSA;
        ref->id = (se05x_objid)vq;
        ref->curve = SE05X_EC_NONE;
        ref->public_only = 0;
        r = 1;
    }
    BN_clear_free(p);
    BN_clear_free(q);
    BN_clear_free(qi);
    return r;
}

int se05x_refkey_from_pkey(const EVP_PKEY *pkey, struct se05x_refkey *ref)
{
    struct se05x_refkey tmp;
    int r = 0;
    if (!pkey)
        return 0;
    memset(&tmp, 0, sizeof tmp);
    ERR_set_mark();
    switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_EC: r = ec_from_pkey(pkey, &tmp); break;
    case EVP_PKEY_RSA: r = rsa_from_pkey(pkey, &tmp); break;
    case EVP_PKEY_ED25519: r = raw_from_pkey(pkey, SE05X_EC_ED25519, &tmp); break;
    case EVP_PKEY_X25519: r = raw_from_pkey(pkey, SE05X_EC_X25519, &tmp); break;
    case EVP_PKEY_X448: r = raw_from_pkey(pkey, SE05X_EC_X448, &tmp); break;
    default:
        /* provider keys of other names: ask by type name */
        if (EVP_PKEY_is_a(pkey, "EC"))
            r = ec_from_pkey(pkey, &tmp);
        else if (EVP_PKEY_is_a(pkey, "RSA"))
            r = rsa_from_pkey(pkey, &tmp);
        break;
    }
    ERR_pop_to_mark();
    if (r && ref)
        *ref = tmp;
    return r;
}

/* PKCS#12 (optional extra of docs/protocol/refkey.md "Our reader"): ssscli writes ref
 * keys as .p12/.pfx with the password "nxp" by default; an empty password is
 * tried too. Returns 1 when the input is PKCS#12 (*pk set if it opened). */
static int try_pkcs12(const uint8_t *d, size_t n, EVP_PKEY **pk)
{
    const unsigned char *p = d;
    PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)n);
    if (!p12 || p != d + n) {
        PKCS12_free(p12);
        return 0;
    }
    static const char *const pw[] = {"nxp", "", NULL};
    for (int i = 0; pw[i] && !*pk; i++) {
        X509 *cert = NULL;
        STACK_OF(X509) *ca = NULL;
        if (PKCS12_parse(p12, pw[i], pk, &cert, &ca) != 1)
            *pk = NULL;
        X509_free(cert);
        sk_X509_pop_free(ca, X509_free);
    }
    PKCS12_free(p12);
    return 1;
}

se05x_rc se05x_refkey_parse(const uint8_t *data, size_t len, struct se05x_refkey *ref, int *is_ref,
                            struct se05x_error *err)
{
    if (!data || !ref || !is_ref)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "refkey: no input");
    *is_ref = 0;
    memset(ref, 0, sizeof *ref);
    if (len == 0)
        return se05x_err_set(err, SE05X_E_FORMAT, 0, 0, "empty key file");
    if (se05x_key_is_encrypted(data, len))
        return se05x_err_set(err, SE05X_E_FORMAT, 0, 0, "key file is encrypted");
    int asked = 0, p12 = 0;
    struct se05x_ossl_scope sc;
    if (!se05x_ossl_scope_enter(&sc)) /* D8: parse where only the default provider lives */
        return se05x_err_set(err, SE05X_E_CRYPTO, 0, 0, "refkey: no private OpenSSL library context");
    ERR_set_mark();
    EVP_PKEY *pk = NULL;
    p12 = try_pkcs12(data, len, &pk);
    if (!pk && !p12)
        pk = se05x_decode_key(data, len, EVP_PKEY_KEYPAIR, &asked);
    if (pk) {
        *is_ref = se05x_refkey_from_pkey(pk, ref);
    } else if (!p12 && !asked && (pk = se05x_decode_key(data, len, EVP_PKEY_PUBLIC_KEY, &asked))) {
        *is_ref = 0; /* a public key is an ordinary key */
    }
    bool got = pk != NULL;
    EVP_PKEY_free(pk); /* before its library context goes */
    ERR_pop_to_mark();
    se05x_ossl_scope_leave(&sc);
    if (p12 && !got)
        return se05x_err_set(err, SE05X_E_FORMAT, 0, 0, "PKCS#12 file needs a password other than \"nxp\"");
    if (!got)
        return se05x_err_set(err, SE05X_E_FORMAT, 0, 0, "%s",
                             asked ? "key file is encrypted" : "not a PEM or DER key");
    return SE05X_OK;
}

se05x_rc se05x_refkey_parse_file(const char *path, struct se05x_refkey *ref, int *is_ref,
                                 struct se05x_error *err)
{
    uint8_t *d = NULL;
    size_t n = 0;
    if (!path)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "refkey: no file given");
    se05x_rc rc = se05x_read_file(path, &d, &n, err);
    if (rc)
        return rc;
    rc = se05x_refkey_parse(d, n, ref, is_ref, err);
    if (rc && err) { /* prefix the path */
        char msg[SE05X_ERRMSG_MAX];
        snprintf(msg, sizeof msg, "%s", err->msg);
        se05x_err_set(err, rc, 0, 0, "%s: %s", path, msg);
    }
    OPENSSL_cleanse(d, n);
    free(d);
    return rc;
}

/* ---- writer ---- */

static void ec_marker_build(uint8_t *b, size_t l, se05x_objid id, int public_only)
{
    memset(b, 0, l);
    b[0] = 0x10;
    put_be32(b + l - 14, id);
    put_be32(b + l - 10, SE05X_REFKEY_MAGIC);
    put_be32(b + l - 6, SE05X_REFKEY_MAGIC);
    b[l - 2] = public_only ? 0x20 : 0x10;
    b[l - 1] = 0x00;
}

static se05x_rc encode(EVP_PKEY *pk, const char *structure, uint8_t **der, size_t *derlen)
{
    unsigned char *out = NULL;
    size_t n = 0;
    OSSL_ENCODER_CTX *ec = se05x_ossl_encoder(pk, EVP_PKEY_KEYPAIR, "DER", structure);
    int ok = ec && OSSL_ENCODER_to_data(ec, &out, &n) == 1;
    OSSL_ENCODER_CTX_free(ec);
    if (!ok) {
        OPENSSL_free(out);
        return SE05X_E_CRYPTO;
    }
    *der = out;
    *derlen = n;
    return SE05X_OK;
}

se05x_rc se05x_refkey_ec_der(se05x_objid id, se05x_curve c, const uint8_t *pub, size_t publen,
                             int public_only, enum se05x_refkey_form form, uint8_t **der,
                             size_t *derlen)
{
    if (!der || !derlen || id == 0)
        return SE05X_E_BAD_ARG;
    *der = NULL;
    *derlen = 0;
    size_t l = se05x_curve_bytes(c);
    bool weier = se05x_curve_is_weierstrass(c);
    if (!l || (form != SE05X_REFKEY_PKCS8 && form != SE05X_REFKEY_SEC1) ||
        (!weier && form != SE05X_REFKEY_PKCS8))
        return SE05X_E_BAD_ARG;
    uint8_t m[66];
    ec_marker_build(m, l, id, public_only);
    EVP_PKEY *pk = NULL;
    se05x_rc rc = SE05X_E_CRYPTO;
    struct se05x_ossl_scope sc;
    if (!se05x_ossl_scope_enter(&sc)) /* D8: encode where only the default provider lives */
        return SE05X_E_CRYPTO;
    ERR_set_mark();
    if (weier) {
        if (!pub || publen != 1 + 2 * l || pub[0] != 0x04) {
            rc = SE05X_E_BAD_ARG;
            goto out;
        }
        BIGNUM *d = BN_bin2bn(m, (int)l, NULL);
        OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
        OSSL_PARAM *p = NULL;
        if (d && b &&
            OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME,
                                            OBJ_nid2sn(se05x_curve_to_nid(c)), 0) &&
            OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, d) &&
            OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub, publen) &&
            (p = OSSL_PARAM_BLD_to_param(b))) {
            EVP_PKEY_CTX *ctx = se05x_ossl_pkey_ctx("EC");
            if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
                EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_KEYPAIR, p) != 1)
                pk = NULL;
            EVP_PKEY_CTX_free(ctx);
        }
        OSSL_PARAM_free(p);
        OSSL_PARAM_BLD_free(b);
        BN_free(d);
        if (!pk) { /* most likely a point that is not on the curve */
            rc = SE05X_E_BAD_ARG;
            goto out;
        }
    } else {
        /* Ed25519/X25519/X448: PKCS#8 carries only the (marker) private key */
        pk = se05x_ossl_raw_key(c == SE05X_EC_ED25519 ? "ED25519"
                                : c == SE05X_EC_X25519 ? "X25519" : "X448",
                                1, m, l);
        if (!pk)
            goto out;
    }
    rc = encode(pk, form == SE05X_REFKEY_SEC1 ? "type-specific" : "PrivateKeyInfo", der, derlen);
out:
    ERR_pop_to_mark();
    EVP_PKEY_free(pk);
    se05x_ossl_scope_leave(&sc);
    return rc;
}

se05x_rc se05x_refkey_rsa_der(se05x_objid id, const uint8_t *n, size_t nlen, const uint8_t *e,
                              size_t elen, uint8_t **der, size_t *derlen)
{
    if (!der || !derlen || !n || !nlen || !e || !elen || id == 0 || nlen > 1024 || elen > 1024)
        return SE05X_E_BAD_ARG;
    *der = NULL;
    *derlen = 0;
    se05x_rc rc = SE05X_E_CRYPTO;
    BIGNUM *bn = BN_bin2bn(n, (int)nlen, NULL), *be = BN_bin2bn(e, (int)elen, NULL);
    BIGNUM *zero = BN_new(), *one = BN_new(), *bq = BN_new(), *bqi = BN_new();
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    OSSL_PARAM *p = NULL;
    EVP_PKEY *pk = NULL;
    struct se05x_ossl_scope sc;
    bool scoped = se05x_ossl_scope_enter(&sc); /* D8 */
    ERR_set_mark();
    if (!scoped || !bn || !be || !zero || !one || !bq || !bqi || !b || !BN_set_word(one, 1) ||
        !BN_set_word(bq, id) || !BN_set_word(bqi, SE05X_REFKEY_MAGIC))
        goto out;
    BN_zero(zero);
    if (!OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn) ||
        !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be) ||
        !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_D, zero) ||
        !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_FACTOR1, one) ||
        !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_FACTOR2, bq) ||
        !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_EXPONENT1, zero) ||
        !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_EXPONENT2, zero) ||
        !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, bqi) ||
        !(p = OSSL_PARAM_BLD_to_param(b)))
        goto out;
    EVP_PKEY_CTX *ctx = se05x_ossl_pkey_ctx("RSA");
    if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_KEYPAIR, p) != 1)
        pk = NULL;
    EVP_PKEY_CTX_free(ctx);
    if (pk)
        rc = encode(pk, "type-specific", der, derlen);
out:
    ERR_pop_to_mark();
    EVP_PKEY_free(pk);
    if (scoped)
        se05x_ossl_scope_leave(&sc);
    OSSL_PARAM_free(p);
    OSSL_PARAM_BLD_free(b);
    BN_free(bn);
    BN_free(be);
    BN_free(zero);
    BN_free(one);
    BN_free(bq);
    BN_free(bqi);
    return rc;
}

se05x_rc se05x_refkey_pem(const uint8_t *der, size_t derlen, enum se05x_refkey_form form,
                          char **pem, size_t *pemlen)
{
    if (!der || !derlen || !pem || derlen > 65536)
        return SE05X_E_BAD_ARG;
    *pem = NULL;
    const char *label = form == SE05X_REFKEY_SEC1    ? "EC PRIVATE KEY"
                        : form == SE05X_REFKEY_PKCS1 ? "RSA PRIVATE KEY"
                                                     : "PRIVATE KEY";
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL;
    se05x_rc rc = SE05X_E_CRYPTO;
    if (bio && PEM_write_bio(bio, label, "", der, (long)derlen) > 0) {
        long n = BIO_get_mem_data(bio, &data);
        char *out = n > 0 ? OPENSSL_malloc((size_t)n + 1) : NULL;
        if (out) {
            memcpy(out, data, (size_t)n);
            out[n] = 0;
            *pem = out;
            if (pemlen)
                *pemlen = (size_t)n;
            rc = SE05X_OK;
        } else if (n > 0) {
            rc = SE05X_E_NOMEM;
        }
    }
    BIO_free(bio);
    return rc;
}

se05x_rc se05x_refkey_from_chip(se05x_session *s, se05x_objid id, enum se05x_refkey_form form,
                                char **pem, size_t *pemlen)
{
    if (!s || !pem)
        return SE05X_E_BAD_ARG;
    *pem = NULL;
    uint8_t *der = NULL;
    size_t derlen = 0;
    se05x_kind kind;
    se05x_keypart part;
    se05x_curve c;
    se05x_rc rc = se05x_txn_begin(s);
    if (rc)
        return rc;
    if (se05x_typecache_inferred(s, id, &c)) {
        /* an EC key known from its public key (lib/keyinfer.c): taken as a pair */
        kind = SE05X_KIND_EC;
        part = SE05X_PART_PAIR;
    } else if ((rc = se05x_read_pub_type(s, id, &kind, &part, &c, "no public part for a reference key"))) {
        goto out;
    }
    if (kind == SE05X_KIND_RSA) {
        uint8_t n[512], e[512];
        size_t nl = 0, el = 0;
        if ((rc = se05x_read_rsa_component(s, id, SE05X_RSA_COMP_MOD, n, sizeof n, &nl)) ||
            (rc = se05x_read_rsa_component(s, id, SE05X_RSA_COMP_PUB_EXP, e, sizeof e, &el)))
            goto out;
        if ((rc = se05x_refkey_rsa_der(id, n, nl, e, el, &der, &derlen))) {
            rc = se05x_fail(s, rc, 0, id, "cannot build an RSA reference key for 0x%08X", id);
            goto out;
        }
        form = SE05X_REFKEY_PKCS1;
    } else {
        if (form == SE05X_REFKEY_PKCS1) {
            rc = se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "PKCS#1 form is for RSA keys only");
            goto out;
        }
        if ((rc = se05x_ec_curve_of(s, id, &c)))
            goto out;
        uint8_t pt[1 + 2 * 66];
        size_t pn = 0;
        /* the session's copy when it has one (read for the answer checks) */
        if (!se05x_cached_point(s, id, c, pt, sizeof pt, &pn) &&
            (rc = se05x_read_object(s, id, 0, 0, pt, sizeof pt, &pn)))
            goto out;
        if (!se05x_curve_is_weierstrass(c))
            form = SE05X_REFKEY_PKCS8;
        if ((rc = se05x_refkey_ec_der(id, c, pt, pn, part == SE05X_PART_PUBLIC, form, &der, &derlen))) {
            rc = se05x_fail(s, rc == SE05X_E_BAD_ARG ? SE05X_E_PROTOCOL : rc, 0, id,
                            "cannot build an EC reference key for 0x%08X (bad public key from the chip?)",
                            id);
            goto out;
        }
    }
    if ((rc = se05x_refkey_pem(der, derlen, form, pem, pemlen)))
        rc = se05x_fail(s, rc, 0, id, "PEM encoding of the reference key failed");
out:
    OPENSSL_free(der);
    se05x_txn_end(s);
    return rc;
}
