/* SPDX-License-Identifier: Apache-2.0 */
/* See crypto.h. Only non-deprecated OpenSSL 3 interfaces. */
#include "crypto.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <string.h>

#include "se05x_proto.h"
#include "store.h"

static const struct sim_curve_info curves[] = {
    {SE05X_CURVE_NIST_P192, "prime192v1", 24, true},
    {SE05X_CURVE_NIST_P224, "secp224r1", 28, true},
    {SE05X_CURVE_NIST_P256, "prime256v1", 32, true},
    {SE05X_CURVE_NIST_P384, "secp384r1", 48, true},
    {SE05X_CURVE_NIST_P521, "secp521r1", 66, true},
    {SE05X_CURVE_BRAINPOOL160, "brainpoolP160r1", 20, true},
    {SE05X_CURVE_BRAINPOOL192, "brainpoolP192r1", 24, true},
    {SE05X_CURVE_BRAINPOOL224, "brainpoolP224r1", 28, true},
    {SE05X_CURVE_BRAINPOOL256, "brainpoolP256r1", 32, true},
    {SE05X_CURVE_BRAINPOOL320, "brainpoolP320r1", 40, true},
    {SE05X_CURVE_BRAINPOOL384, "brainpoolP384r1", 48, true},
    {SE05X_CURVE_BRAINPOOL512, "brainpoolP512r1", 64, true},
    {SE05X_CURVE_SECP160K1, "secp160k1", 20, true},
    {SE05X_CURVE_SECP192K1, "secp192k1", 24, true},
    {SE05X_CURVE_SECP224K1, "secp224k1", 28, true},
    {SE05X_CURVE_SECP256K1, "secp256k1", 32, true},
    /* 0x11 TPM BN-P256: not available in libcrypto, unsupported */
    {SE05X_CURVE_ED25519, "ED25519", 32, false},
    {SE05X_CURVE_X25519, "X25519", 32, false},
    {SE05X_CURVE_X448, "X448", 56, false},
};

const struct sim_curve_info *sim_curve(uint8_t id)
{
    for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++)
        if (curves[i].id == id)
            return &curves[i];
    return NULL;
}

void sim_reverse(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n / 2; i++) {
        uint8_t t = p[i];
        p[i] = p[n - 1 - i];
        p[n - 1 - i] = t;
    }
}

static int raw_type(uint8_t id)
{
    return id == SE05X_CURVE_ED25519 ? EVP_PKEY_ED25519
           : id == SE05X_CURVE_X25519 ? EVP_PKEY_X25519
                                      : EVP_PKEY_X448;
}

static EC_GROUP *group_of(const struct sim_curve_info *ci)
{
    int nid = OBJ_txt2nid(ci->ossl_name);
    return nid == NID_undef ? NULL : EC_GROUP_new_by_curve_name(nid);
}

/* Private scalar size: the order may be one byte longer than the field. */
static size_t priv_bytes(const struct sim_curve_info *ci)
{
    if (!ci->weierstrass)
        return ci->bytes;
    EC_GROUP *g = group_of(ci);
    size_t n = g ? ((size_t)EC_GROUP_order_bits(g) + 7) / 8 : ci->bytes;
    EC_GROUP_free(g);
    return n;
}

size_t sim_ec_priv_len(const struct sim_curve_info *ci) { return priv_bytes(ci); }

bool sim_ec_generate(const struct sim_curve_info *ci, uint8_t *priv, size_t *privlen, uint8_t *pub,
                     size_t *publen)
{
    EVP_PKEY *pk = NULL;
    BIGNUM *d = NULL;
    bool ok = false;
    if (ci->weierstrass) {
        pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", ci->ossl_name);
        size_t pb = priv_bytes(ci);
        if (!pk || !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &d) ||
            BN_bn2binpad(d, priv, (int)pb) != (int)pb ||
            !EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pub, 1 + 2 * 66, publen))
            goto out;
        *privlen = pb;
    } else {
        pk = EVP_PKEY_Q_keygen(NULL, NULL, ci->ossl_name);
        *privlen = *publen = ci->bytes;
        if (!pk || !EVP_PKEY_get_raw_private_key(pk, priv, privlen) ||
            !EVP_PKEY_get_raw_public_key(pk, pub, publen))
            goto out;
        if (ci->id != SE05X_CURVE_ED25519)
            sim_reverse(priv, *privlen);
        sim_reverse(pub, *publen);
    }
    ok = true;
out:
    BN_clear_free(d);
    EVP_PKEY_free(pk);
    return ok;
}

bool sim_ec_pub_from_priv(const struct sim_curve_info *ci, const uint8_t *priv, size_t privlen,
                          uint8_t *pub, size_t *publen)
{
    bool ok = false;
    if (!ci->weierstrass) {
        EVP_PKEY *pk = sim_ec_pkey(ci, priv, privlen, NULL, 0);
        *publen = ci->bytes;
        ok = pk && EVP_PKEY_get_raw_public_key(pk, pub, publen);
        if (ok)
            sim_reverse(pub, *publen);
        EVP_PKEY_free(pk);
        return ok;
    }
    EC_GROUP *g = group_of(ci);
    BIGNUM *d = BN_bin2bn(priv, (int)privlen, NULL);
    EC_POINT *pt = g ? EC_POINT_new(g) : NULL;
    if (!g || !d || !pt || privlen != priv_bytes(ci) || BN_is_zero(d) ||
        BN_cmp(d, EC_GROUP_get0_order(g)) >= 0 || !EC_POINT_mul(g, pt, d, NULL, NULL, NULL))
        goto out;
    *publen = EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, pub, 1 + 2 * 66, NULL);
    ok = *publen == 1 + 2u * ci->bytes;
out:
    EC_POINT_free(pt);
    BN_clear_free(d);
    EC_GROUP_free(g);
    return ok;
}

EVP_PKEY *sim_ec_pkey(const struct sim_curve_info *ci, const uint8_t *priv, size_t privlen,
                      const uint8_t *pub, size_t publen)
{
    EVP_PKEY *pk = NULL;
    uint8_t tmp[66];
    if (!ci->weierstrass) {
        const uint8_t *src = priv ? priv : pub;
        size_t n = priv ? privlen : publen;
        if (!src || n != ci->bytes)
            return NULL;
        memcpy(tmp, src, n);
        bool rev = priv ? ci->id != SE05X_CURVE_ED25519 : true;
        if (rev)
            sim_reverse(tmp, n);
        pk = priv ? EVP_PKEY_new_raw_private_key(raw_type(ci->id), NULL, tmp, n)
                  : EVP_PKEY_new_raw_public_key(raw_type(ci->id), NULL, tmp, n);
        OPENSSL_cleanse(tmp, sizeof tmp);
        return pk;
    }
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    BIGNUM *d = NULL;
    uint8_t pubbuf[1 + 2 * 66];
    size_t pl = publen;
    if (!bld)
        return NULL;
    if (priv && !pub) { /* libcrypto wants the public point with the private key */
        if (!sim_ec_pub_from_priv(ci, priv, privlen, pubbuf, &pl))
            goto out;
        pub = pubbuf;
    }
    if (!pub || pl != 1 + 2u * ci->bytes || pub[0] != 0x04)
        goto out;
    if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, ci->ossl_name, 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, pl))
        goto out;
    if (priv) {
        d = BN_secure_new();
        if (!d || !BN_bin2bn(priv, (int)privlen, d) ||
            !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d))
            goto out;
    }
    params = OSSL_PARAM_BLD_to_param(bld);
    ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pk, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        pk = NULL;
        goto out;
    }
out:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params); /* secure-heap parts are cleansed */
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(d);
    return pk;
}

bool sim_ec_pub_check(EVP_PKEY *pk)
{
    EVP_PKEY_CTX *c = pk ? EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL) : NULL;
    bool ok = c && EVP_PKEY_public_check(c) == 1;
    EVP_PKEY_CTX_free(c);
    return ok;
}

bool sim_curve_param_matches(const struct sim_curve_info *ci, uint8_t param, const uint8_t *v,
                             size_t n)
{
    EC_GROUP *g = group_of(ci);
    BIGNUM *p = BN_new(), *a = BN_new(), *b = BN_new(), *x = BN_bin2bn(v, (int)n, NULL);
    uint8_t gen[1 + 2 * 66];
    bool ok = false;
    if (!g || !p || !a || !b || !x || !EC_GROUP_get_curve(g, p, a, b, NULL))
        goto out;
    switch (param) {
    case SE05X_CURVE_PARAM_A:
        ok = BN_cmp(x, a) == 0;
        break;
    case SE05X_CURVE_PARAM_B:
        ok = BN_cmp(x, b) == 0;
        break;
    case SE05X_CURVE_PARAM_PRIME:
        ok = BN_cmp(x, p) == 0;
        break;
    case SE05X_CURVE_PARAM_N:
        ok = BN_cmp(x, EC_GROUP_get0_order(g)) == 0;
        break;
    case SE05X_CURVE_PARAM_G: {
        size_t gl = EC_POINT_point2oct(g, EC_GROUP_get0_generator(g), POINT_CONVERSION_UNCOMPRESSED,
                                       gen, sizeof gen, NULL);
        ok = gl == n && memcmp(gen, v, n) == 0;
        break;
    }
    default:
        break;
    }
out:
    BN_free(p);
    BN_free(a);
    BN_free(b);
    BN_free(x);
    EC_GROUP_free(g);
    return ok;
}

/* --- RSA --- */

static const char *rsa_names[8] = {
    OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,         OSSL_PKEY_PARAM_RSA_D,
    OSSL_PKEY_PARAM_RSA_FACTOR1,   OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
    OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};

bool sim_rsa_generate(unsigned bits, uint8_t *comps[8], size_t lens[8])
{
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    bool ok = pk != NULL;
    for (int i = 0; i < 8; i++) {
        comps[i] = NULL;
        lens[i] = 0;
    }
    for (int i = 0; ok && i < 8; i++) {
        BIGNUM *bn = NULL;
        /* fixed sizes: n, d = bits/8; CRT parts = bits/16; e minimal */
        size_t len = i == SIM_RSA_N || i == SIM_RSA_D ? bits / 8 : bits / 16;
        if (!EVP_PKEY_get_bn_param(pk, rsa_names[i], &bn)) {
            ok = false;
            break;
        }
        if (i == SIM_RSA_E)
            len = (size_t)BN_num_bytes(bn);
        comps[i] = OPENSSL_malloc(len ? len : 1);
        ok = comps[i] && BN_bn2binpad(bn, comps[i], (int)len) == (int)len;
        lens[i] = len;
        BN_clear_free(bn);
    }
    EVP_PKEY_free(pk);
    if (!ok) {
        for (int i = 0; i < 8; i++) {
            OPENSSL_clear_free(comps[i], lens[i]);
            comps[i] = NULL;
        }
    }
    return ok;
}

EVP_PKEY *sim_rsa_pkey(uint8_t *const comps[8], const uint32_t lens[8], bool want_private)
{
    BIGNUM *bn[8] = {0};
    BN_CTX *bctx = BN_CTX_new();
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *pk = NULL;
    BIGNUM *p1 = NULL, *q1 = NULL, *phi = NULL;
    if (!bctx || !bld)
        goto out;
    for (int i = 0; i < 8; i++) {
        if (comps[i] && lens[i]) {
            bn[i] = BN_bin2bn(comps[i], (int)lens[i], NULL);
            if (!bn[i])
                goto out;
        }
    }
    bool crt = bn[SIM_RSA_P] && bn[SIM_RSA_Q] && bn[SIM_RSA_DP] && bn[SIM_RSA_DQ] && bn[SIM_RSA_QINV];
    if (crt) {
        p1 = BN_dup(bn[SIM_RSA_P]);
        q1 = BN_dup(bn[SIM_RSA_Q]);
        phi = BN_new();
        if (!p1 || !q1 || !phi || !BN_sub_word(p1, 1) || !BN_sub_word(q1, 1) ||
            !BN_mul(phi, p1, q1, bctx))
            goto out;
        if (!bn[SIM_RSA_N]) {
            bn[SIM_RSA_N] = BN_new();
            if (!bn[SIM_RSA_N] || !BN_mul(bn[SIM_RSA_N], bn[SIM_RSA_P], bn[SIM_RSA_Q], bctx))
                goto out;
        }
        /* a CRT private key without e: e = dP^-1 mod (p-1) (e < p-1) */
        if (!bn[SIM_RSA_E] && !(bn[SIM_RSA_E] = BN_mod_inverse(NULL, bn[SIM_RSA_DP], p1, bctx)))
            goto out;
        if (!bn[SIM_RSA_D] && !(bn[SIM_RSA_D] = BN_mod_inverse(NULL, bn[SIM_RSA_E], phi, bctx)))
            goto out;
    }
    if (!bn[SIM_RSA_N] || !bn[SIM_RSA_E])
        goto out;
    if (want_private && !bn[SIM_RSA_D])
        goto out;
    for (int i = 0; i < 8; i++) {
        if (!want_private && i > SIM_RSA_E)
            break;
        if (i == SIM_RSA_D && !want_private)
            continue;
        if (i >= SIM_RSA_P && !crt)
            break;
        if (bn[i] && !OSSL_PARAM_BLD_push_BN(bld, rsa_names[i], bn[i]))
            goto out;
    }
    params = OSSL_PARAM_BLD_to_param(bld);
    ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pk, want_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pk = NULL;
out:
    for (int i = 0; i < 8; i++)
        BN_clear_free(bn[i]);
    BN_clear_free(p1);
    BN_clear_free(q1);
    BN_clear_free(phi);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params); /* secure-heap parts are cleansed */
    OSSL_PARAM_BLD_free(bld);
    BN_CTX_free(bctx);
    return pk;
}
