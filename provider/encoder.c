/* SPDX-License-Identifier: Apache-2.0 */
/* Encoders for chip keys:
 *  - SubjectPublicKeyInfo (DER/PEM, EC with the named curve) of the public key;
 *  - reference keys for the private-key structures: PrivateKeyInfo (PKCS#8),
 *    type-specific (SEC1 for EC, PKCS#1 for RSA), built by the lib codec, so
 *    `openssl pkey -in nxp:0x7f000001 -out key.ref` writes a reference key;
 *  - text (openssl pkey -text): object id + public key. */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/objects.h>
#include "sxp.h"

enum sxp_form { F_SPKI, F_P8, F_TYPE, F_TEXT };

typedef struct {
    SXP_PROV *p;
    se05x_kind kind;
    enum sxp_form form;
    int pem;
} SXP_ENC;

static void enc_freectx(void *ctx)
{
    OPENSSL_free(ctx);
}

/* DER of the reference key in the wanted structure; OPENSSL_free it. */
static int enc_refkey_der(SXP_ENC *c, SXP_KEY *k, uint8_t **der, size_t *derlen)
{
    se05x_rc rc;
    if (k->kind == SE05X_KIND_EC) {
        uint8_t pt[160];
        size_t ptlen = sxp_ec_point(k->pub, pt, sizeof(pt));
        if (ptlen == 0)
            return 0;
        rc = se05x_refkey_ec_der(k->id, k->curve, pt, ptlen, k->public_only,
                                 c->form == F_P8 ? SE05X_REFKEY_PKCS8 : SE05X_REFKEY_SEC1, der,
                                 derlen);
        return rc == SE05X_OK;
    } else {
        BIGNUM *n = NULL, *e = NULL;
        uint8_t nb[520], eb[16];
        int nl, el, ok = 0;
        if (!EVP_PKEY_get_bn_param(k->pub, OSSL_PKEY_PARAM_RSA_N, &n)
            || !EVP_PKEY_get_bn_param(k->pub, OSSL_PKEY_PARAM_RSA_E, &e)
            || BN_num_bytes(n) > (int)sizeof(nb) || BN_num_bytes(e) > (int)sizeof(eb))
            goto out;
        nl = BN_bn2bin(n, nb);
        el = BN_bn2bin(e, eb);
        if (se05x_refkey_rsa_der(k->id, nb, (size_t)nl, eb, (size_t)el, der, derlen) != SE05X_OK)
            goto out;
        if (c->form == F_P8) {
            /* PKCS#8 wrapping of the PKCS#1 reference key */
            PKCS8_PRIV_KEY_INFO *p8 = PKCS8_PRIV_KEY_INFO_new();
            unsigned char *p8der = NULL;
            int l;
            if (p8 == NULL
                || !PKCS8_pkey_set0(p8, OBJ_nid2obj(NID_rsaEncryption), 0, V_ASN1_NULL, NULL, *der,
                                    (int)*derlen)) {
                PKCS8_PRIV_KEY_INFO_free(p8);
                OPENSSL_free(*der);
                goto out;
            }
            /* p8 owns *der now */
            l = i2d_PKCS8_PRIV_KEY_INFO(p8, &p8der);
            PKCS8_PRIV_KEY_INFO_free(p8);
            if (l <= 0)
                goto out;
            *der = p8der;
            *derlen = (size_t)l;
        }
        ok = 1;
    out:
        BN_free(n);
        BN_free(e);
        return ok;
    }
}

static int enc_encode(void *ctx, OSSL_CORE_BIO *cout, const void *obj_raw,
                      const OSSL_PARAM obj_abstract[], int selection,
                      OSSL_PASSPHRASE_CALLBACK *cb, void *cbarg)
{
    SXP_ENC *c = ctx;
    SXP_KEY *k = (SXP_KEY *)obj_raw;
    BIO *out;
    int ok = 0;
    (void)obj_abstract;
    (void)selection;
    (void)cb;
    (void)cbarg;
    if (k == NULL || k->kind != c->kind || (k->pub == NULL && c->form != F_TEXT))
        return 0;
    if (k->pub == NULL && k->soft == NULL)
        return 0;
    if ((out = BIO_new_from_core_bio(c->p->corectx, cout)) == NULL)
        return 0;
    switch (c->form) {
    case F_SPKI:
        ok = c->pem ? PEM_write_bio_PUBKEY(out, k->pub) : i2d_PUBKEY_bio(out, k->pub);
        break;
    case F_TEXT:
        if (k->chip)
            BIO_printf(out, "se05x %s key, object 0x%08X%s\n",
                       k->kind == SE05X_KIND_EC ? "EC" : "RSA", (unsigned)k->id,
                       k->public_only ? " (public key only)" : "");
        ok = k->soft != NULL ? EVP_PKEY_print_private(out, k->soft, 0, NULL) > 0
                             : EVP_PKEY_print_public(out, k->pub, 0, NULL) > 0;
        break;
    case F_P8:
    case F_TYPE: {
        uint8_t *der = NULL;
        size_t derlen = 0;
        if (k->soft != NULL) { /* software key: ordinary encoding */
            if (c->form == F_P8)
                ok = c->pem ? PEM_write_bio_PrivateKey(out, k->soft, NULL, NULL, 0, NULL, NULL)
                            : i2d_PKCS8PrivateKey_bio(out, k->soft, NULL, NULL, 0, NULL, NULL);
            else
                ok = c->pem ? PEM_write_bio_PrivateKey_traditional(out, k->soft, NULL, NULL, 0,
                                                                    NULL, NULL)
                            : i2d_PrivateKey_bio(out, k->soft);
            break;
        }
        if (!k->chip) {
            sxp_err(c->p, SXP_R_EXPORT_DENIED, "se05x: not a chip key; no reference key to write");
            break;
        }
        if (!enc_refkey_der(c, k, &der, &derlen))
            break;
        if (c->pem) {
            char *pem = NULL;
            size_t pemlen = 0;
            enum se05x_refkey_form f = c->form == F_P8             ? SE05X_REFKEY_PKCS8
                                       : k->kind == SE05X_KIND_EC ? SE05X_REFKEY_SEC1
                                                                   : SE05X_REFKEY_PKCS1;
            if (se05x_refkey_pem(der, derlen, f, &pem, &pemlen) == SE05X_OK)
                ok = BIO_write(out, pem, (int)pemlen) == (int)pemlen;
            free(pem);
        } else {
            ok = BIO_write(out, der, (int)derlen) == (int)derlen;
        }
        OPENSSL_free(der);
        break;
    }
    }
    BIO_free(out);
    return ok;
}

static int enc_does_pub(void *provctx, int selection)
{
    (void)provctx;
    return (selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) != 0;
}

static int enc_does_priv(void *provctx, int selection)
{
    (void)provctx;
    return (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0;
}

static int enc_does_any(void *provctx, int selection)
{
    (void)provctx;
    (void)selection;
    return 1;
}

#define SXP_ENCODER(name, K, FORM, PEM, DOES)                                                     \
    static void *name##_newctx(void *provctx)                                                      \
    {                                                                                              \
        SXP_ENC *c = OPENSSL_zalloc(sizeof(*c));                                                   \
        if (c != NULL) {                                                                           \
            c->p = provctx;                                                                        \
            c->kind = K;                                                                           \
            c->form = FORM;                                                                        \
            c->pem = PEM;                                                                          \
        }                                                                                          \
        return c;                                                                                  \
    }                                                                                              \
    const OSSL_DISPATCH sxp_enc_##name##_functions[] = {                                           \
        { OSSL_FUNC_ENCODER_NEWCTX, (void (*)(void))name##_newctx },                               \
        { OSSL_FUNC_ENCODER_FREECTX, (void (*)(void))enc_freectx },                                \
        { OSSL_FUNC_ENCODER_DOES_SELECTION, (void (*)(void))DOES },                                \
        { OSSL_FUNC_ENCODER_ENCODE, (void (*)(void))enc_encode },                                  \
        { 0, NULL }                                                                                \
    }

SXP_ENCODER(ec_spki_der, SE05X_KIND_EC, F_SPKI, 0, enc_does_pub);
SXP_ENCODER(ec_spki_pem, SE05X_KIND_EC, F_SPKI, 1, enc_does_pub);
SXP_ENCODER(rsa_spki_der, SE05X_KIND_RSA, F_SPKI, 0, enc_does_pub);
SXP_ENCODER(rsa_spki_pem, SE05X_KIND_RSA, F_SPKI, 1, enc_does_pub);
SXP_ENCODER(ec_p8_der, SE05X_KIND_EC, F_P8, 0, enc_does_priv);
SXP_ENCODER(ec_p8_pem, SE05X_KIND_EC, F_P8, 1, enc_does_priv);
SXP_ENCODER(rsa_p8_der, SE05X_KIND_RSA, F_P8, 0, enc_does_priv);
SXP_ENCODER(rsa_p8_pem, SE05X_KIND_RSA, F_P8, 1, enc_does_priv);
SXP_ENCODER(ec_sec1_der, SE05X_KIND_EC, F_TYPE, 0, enc_does_priv);
SXP_ENCODER(ec_sec1_pem, SE05X_KIND_EC, F_TYPE, 1, enc_does_priv);
SXP_ENCODER(rsa_pkcs1_der, SE05X_KIND_RSA, F_TYPE, 0, enc_does_priv);
SXP_ENCODER(rsa_pkcs1_pem, SE05X_KIND_RSA, F_TYPE, 1, enc_does_priv);
SXP_ENCODER(ec_text, SE05X_KIND_EC, F_TEXT, 0, enc_does_any);
SXP_ENCODER(rsa_text, SE05X_KIND_RSA, F_TEXT, 0, enc_does_any);
