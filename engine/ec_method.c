/* SPDX-License-Identifier: Apache-2.0 */
/* EC_KEY_METHOD of the engine: ECDSA and ECDH with reference keys run on
 * the chip; every other key (and keygen, verify) goes to OpenSSL's own
 * implementation unchanged.
 *
 * OpenSSL reaches both sign entry points: ECDSA_sign/EVP (provider or
 * legacy) call `sign`, ECDSA_do_sign calls `sign_sig`; both are covered. The
 * chip gets the digest (any length: standard lengths as is, others rewritten
 * by chip_digest below) and answers with a DER signature: one APDU. */
#include "e4sss.h"

#include <string.h>
#include <openssl/core_names.h>
#include <openssl/objects.h>
#include <openssl/params.h>

typedef int (*sign_fn)(int, const unsigned char *, int, unsigned char *, unsigned int *,
                       const BIGNUM *, const BIGNUM *, EC_KEY *);
typedef int (*setup_fn)(EC_KEY *, BN_CTX *, BIGNUM **, BIGNUM **);
typedef ECDSA_SIG *(*sign_sig_fn)(const unsigned char *, int, const BIGNUM *, const BIGNUM *,
                                  EC_KEY *);
typedef int (*ckey_fn)(unsigned char **, size_t *, const EC_POINT *, const EC_KEY *);

/* ECDSASign takes digests of 20, 28, 32, 48 and 64 bytes and truncates them
 * like ECDSA does. For any other length the lib first reads the key's curve
 * from the chip (one more APDU per signature) to compute the ECDSA input e
 * itself. Here the key's group is at hand: e = leftmost min(8*dlen, order
 * bits) bits of the digest (FIPS 186-4 6.4) is rewritten as the same integer
 * on a length L the chip takes whole (8*L <= order bits), so the signature
 * stays one APDU. Returns the length written to out (cap >= 64), or 0 to
 * leave the digest to the lib (standard length, or no such L). */
static int chip_digest(const EC_KEY *k, const unsigned char *dgst, int dlen, unsigned char *out)
{
    static const int lens[] = {20, 28, 32, 48, 64};
    const EC_GROUP *g = EC_KEY_get0_group(k);
    int nbits = g != NULL ? EC_GROUP_order_bits(g) : 0, ebits, need, L = 0;
    size_t i;
    BIGNUM *e;

    for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
        if (dlen == lens[i])
            return 0;
    if (nbits <= 0 || dlen <= 0 || dlen > 1024)
        return 0;
    ebits = 8 * dlen < nbits ? 8 * dlen : nbits;
    need = (ebits + 7) / 8;
    for (i = 0; i < sizeof(lens) / sizeof(lens[0]) && L == 0; i++)
        if (lens[i] >= need && 8 * lens[i] <= nbits)
            L = lens[i];
    if (L == 0 || (e = BN_bin2bn(dgst, dlen, NULL)) == NULL)
        return 0;
    if (8 * dlen > nbits && !BN_rshift(e, e, 8 * dlen - nbits))
        L = 0;
    if (L != 0 && BN_bn2binpad(e, out, L) != L)
        L = 0;
    BN_free(e);
    return L;
}

static EVP_PKEY *pub_fromdata(const char *alg, OSSL_PARAM *p)
{
    EVP_PKEY *pk = NULL;
    for (int i = 0; i < 2 && pk == NULL; i++) {
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, alg, i ? NULL : "provider=default");
        if (c == NULL || EVP_PKEY_fromdata_init(c) != 1 ||
            EVP_PKEY_fromdata(c, &pk, EVP_PKEY_PUBLIC_KEY, p) != 1)
            pk = NULL;
        EVP_PKEY_CTX_free(c);
    }
    return pk;
}

EVP_PKEY *e4sss_ec_public(const EC_KEY *k)
{
    const EC_GROUP *g = EC_KEY_get0_group(k);
    const EC_POINT *q = EC_KEY_get0_public_key(k);
    const char *name = g != NULL ? OBJ_nid2sn(EC_GROUP_get_curve_name(g)) : NULL;
    unsigned char *pt = NULL;
    size_t n;
    EVP_PKEY *pk = NULL;

    ERR_set_mark();
    if (q != NULL && name != NULL &&
        (n = EC_POINT_point2buf(g, q, POINT_CONVERSION_UNCOMPRESSED, &pt, NULL)) > 0) {
        OSSL_PARAM p[3] = {
            OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)name, 0),
            OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, n),
            OSSL_PARAM_construct_end(),
        };
        pk = pub_fromdata("EC", p);
    }
    OPENSSL_free(pt);
    ERR_pop_to_mark();
    return pk;
}

EVP_PKEY *e4sss_rsa_public(const RSA *r)
{
    const BIGNUM *n = NULL, *e = NULL;
    unsigned char nb[1024], eb[1024];
    int nl, el;
    EVP_PKEY *pk = NULL;

    RSA_get0_key(r, &n, &e, NULL);
    if (n == NULL || e == NULL || (nl = BN_num_bytes(n)) > (int)sizeof(nb) || (el = BN_num_bytes(e)) > (int)sizeof(eb))
        return NULL;
    /* OSSL_PARAM integers are native-endian: BN_bn2nativepad */
    if (BN_bn2nativepad(n, nb, nl) != nl || BN_bn2nativepad(e, eb, el) != el)
        return NULL;
    OSSL_PARAM p[3] = {
        OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_N, nb, (size_t)nl),
        OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_E, eb, (size_t)el),
        OSSL_PARAM_construct_end(),
    };
    ERR_set_mark();
    pk = pub_fromdata("RSA", p);
    ERR_pop_to_mark();
    return pk;
}

/* Signs on the chip into a DER buffer of capacity cap. 1 on success. */
static int chip_sign(EC_KEY *k, se05x_objid id, const unsigned char *dgst, int dlen,
                     unsigned char *sig, size_t cap, size_t *siglen)
{
    struct e4sss_ctx *c = e4sss_ctx_of_ec_key(k);
    unsigned char norm[64];
    se05x_session *s;
    se05x_rc rc = SE05X_OK;
    int nlen;

    if (c == NULL) {
        ERR_raise_data(ERR_LIB_ENGINE, ERR_R_INTERNAL_ERROR,
                       "se05x: ref key 0x%08X without its engine context", id);
        return 0;
    }
    if (dlen <= 0) {
        e4sss_err(c, E4SSS_R_UNSUPPORTED, "empty digest for key 0x%08X", id);
        return 0;
    }
    if ((nlen = chip_digest(k, dgst, dlen, norm)) > 0) {
        dgst = norm;
        dlen = nlen;
    }
    /* the chip's answer is checked with the ref key's public part */
    struct se05x_check ck = {.pub = e4sss_ec_public(k), .pub_source = E4SSS_PUB_SOURCE};
    E4SSS_RETRY_ON_LINK_FAILURE(rc) {
        if ((s = e4sss_session(c)) == NULL) {
            EVP_PKEY_free((EVP_PKEY *)ck.pub);
            return 0;
        }
        rc = se05x_ecdsa_sign_digest_ex(s, id, dgst, (size_t)dlen, sig, cap, siglen, &ck);
        if (rc != SE05X_OK && !e4sss_retry(rc, attempt))
            e4sss_err_chip(c, s, rc);
        e4sss_session_done(c, s, rc);
    }
    EVP_PKEY_free((EVP_PKEY *)ck.pub);
    return rc == SE05X_OK;
}

static int ec_sign(int type, const unsigned char *dgst, int dlen, unsigned char *sig,
                   unsigned int *siglen, const BIGNUM *kinv, const BIGNUM *r, EC_KEY *k)
{
    se05x_objid id;
    sign_fn sw = NULL;
    size_t len = 0;
    int cap;

    if (!e4sss_ec_ref_id(e4sss_ctx_of_ec_key(k), k, &id)) {
        EC_KEY_METHOD_get_sign(EC_KEY_OpenSSL(), &sw, NULL, NULL);
        return sw(type, dgst, dlen, sig, siglen, kinv, r, k);
    }
    /* kinv/r precomputed by the caller cannot be used by the chip: ignored. */
    cap = ECDSA_size(k);
    if (cap <= 0 || !chip_sign(k, id, dgst, dlen, sig, (size_t)cap, &len))
        return 0;
    *siglen = (unsigned int)len;
    return 1;
}

static ECDSA_SIG *ec_sign_sig(const unsigned char *dgst, int dlen, const BIGNUM *kinv,
                              const BIGNUM *r, EC_KEY *k)
{
    unsigned char der[160];
    const unsigned char *p = der;
    sign_sig_fn sw = NULL;
    se05x_objid id;
    size_t len = 0;
    ECDSA_SIG *sig;

    if (!e4sss_ec_ref_id(e4sss_ctx_of_ec_key(k), k, &id)) {
        EC_KEY_METHOD_get_sign(EC_KEY_OpenSSL(), NULL, NULL, &sw);
        return sw(dgst, dlen, kinv, r, k);
    }
    if (!chip_sign(k, id, dgst, dlen, der, sizeof(der), &len))
        return NULL;
    sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
    if (sig == NULL || p != der + len) {
        ECDSA_SIG_free(sig);
        ERR_raise_data(ERR_LIB_ENGINE, ERR_R_INTERNAL_ERROR,
                       "se05x: malformed signature from the chip for key 0x%08X", id);
        return NULL;
    }
    return sig;
}

/* sign_setup precomputes k^-1 and r from a random k only: it never touches
 * the private key, so OpenSSL's version serves ref keys too (the chip then
 * ignores the precomputed values). */

static int ec_compute_key(unsigned char **psec, size_t *pseclen, const EC_POINT *peer,
                          const EC_KEY *k)
{
    struct e4sss_ctx *c;
    unsigned char *pub = NULL, *out = NULL;
    size_t publen, cap, len = 0;
    se05x_session *s;
    se05x_objid id;
    ckey_fn sw = NULL;
    se05x_rc rc = SE05X_OK;

    if (!e4sss_ec_ref_id(e4sss_ctx_of_ec_key(k), k, &id)) {
        EC_KEY_METHOD_get_compute_key(EC_KEY_OpenSSL(), &sw);
        return sw(psec, pseclen, peer, k);
    }
    if ((c = e4sss_ctx_of_ec_key(k)) == NULL) {
        ERR_raise_data(ERR_LIB_ENGINE, ERR_R_INTERNAL_ERROR,
                       "se05x: ref key 0x%08X without its engine context", id);
        return 0;
    }
    publen = EC_POINT_point2buf(EC_KEY_get0_group(k), peer, POINT_CONVERSION_UNCOMPRESSED, &pub,
                                NULL);
    cap = ((size_t)EC_GROUP_get_degree(EC_KEY_get0_group(k)) + 7) / 8;
    if (publen == 0 || cap == 0 || (out = OPENSSL_malloc(cap)) == NULL) {
        e4sss_err(c, E4SSS_R_INTERNAL, "cannot encode the peer key for ECDH with 0x%08X", id);
        goto fail;
    }
    E4SSS_RETRY_ON_LINK_FAILURE(rc) {
        if ((s = e4sss_session(c)) == NULL)
            goto fail;
        rc = se05x_ecdh(s, id, pub, publen, out, cap, &len);
        if (rc != SE05X_OK && !e4sss_retry(rc, attempt))
            e4sss_err_chip(c, s, rc);
        e4sss_session_done(c, s, rc);
    }
    if (rc != SE05X_OK)
        goto fail;
    OPENSSL_free(pub);
    *psec = out;
    *pseclen = len;
    return 1;
fail:
    OPENSSL_free(pub);
    OPENSSL_clear_free(out, cap);
    return 0;
}

typedef int (*init_fn)(EC_KEY *);
typedef void (*finish_fn)(EC_KEY *);
typedef int (*copy_fn)(EC_KEY *, const EC_KEY *);
typedef int (*set_group_fn)(EC_KEY *, const EC_GROUP *);
typedef int (*set_private_fn)(EC_KEY *, const BIGNUM *);
typedef int (*set_public_fn)(EC_KEY *, const EC_POINT *);

/* EC_KEY_free calls this before it releases the key's engine reference:
 * the ref-detection cache entry goes now (refdetect.c), then OpenSSL's own
 * finish, if any. */
static void ec_finish(EC_KEY *k)
{
    finish_fn sw = NULL;

    e4sss_ec_cache_drop(k);
    EC_KEY_METHOD_get_init(EC_KEY_OpenSSL(), NULL, &sw, NULL, NULL, NULL, NULL);
    if (sw != NULL)
        sw(k);
}

EC_KEY_METHOD *e4sss_ec_method_new(void)
{
    EC_KEY_METHOD *m = EC_KEY_METHOD_new(EC_KEY_OpenSSL());
    setup_fn setup = NULL;
    init_fn init = NULL;
    copy_fn copy = NULL;
    set_group_fn set_group = NULL;
    set_private_fn set_private = NULL;
    set_public_fn set_public = NULL;

    if (m == NULL)
        return NULL;
    EC_KEY_METHOD_get_sign(EC_KEY_OpenSSL(), NULL, &setup, NULL);
    EC_KEY_METHOD_set_sign(m, ec_sign, setup, ec_sign_sig);
    EC_KEY_METHOD_set_compute_key(m, ec_compute_key);
    EC_KEY_METHOD_get_init(EC_KEY_OpenSSL(), &init, NULL, &copy, &set_group, &set_private,
                           &set_public);
    EC_KEY_METHOD_set_init(m, init, ec_finish, copy, set_group, set_private, set_public);
    return m;
}
