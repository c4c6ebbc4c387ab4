/* SPDX-License-Identifier: Apache-2.0 */
/* RSA encryption/decryption: decryption in the chip (PKCS#1 v1.5, OAEP,
 * raw); encryption on the cached public key. The applet's OAEP is SHA-1 /
 * MGF1-SHA-1 without label; other OAEP variants are a raw chip decryption
 * followed by the OAEP check on the host. */
#define OPENSSL_SUPPRESS_DEPRECATED /* RSA_padding_check_PKCS1_OAEP_mgf1: no EVP equivalent */
#include <string.h>
#include <strings.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rsa.h>
#include <openssl/err.h>
#include "sxp.h"

typedef struct {
    SXP_PROV *p;
    SXP_KEY *k;
    int pad;
    char oaep_md[32], mgf1_md[32];
    unsigned char *label;
    size_t labellen;
} SXP_ASYM;

static void *asym_newctx(void *provctx)
{
    SXP_ASYM *c = OPENSSL_zalloc(sizeof(*c));
    if (c != NULL) {
        c->p = provctx;
        c->pad = RSA_PKCS1_PADDING;
    }
    return c;
}

static void asym_freectx(void *ctx)
{
    SXP_ASYM *c = ctx;
    if (c == NULL)
        return;
    sxp_key_free(c->k);
    OPENSSL_free(c->label);
    OPENSSL_free(c);
}

static void *asym_dupctx(void *ctx)
{
    SXP_ASYM *c = ctx, *d = OPENSSL_memdup(c, sizeof(*c));
    if (d == NULL)
        return NULL;
    sxp_key_ref(d->k);
    d->label = c->label ? OPENSSL_memdup(c->label, c->labellen) : NULL;
    return d;
}

static int asym_set_ctx_params(void *ctx, const OSSL_PARAM params[])
{
    SXP_ASYM *c = ctx;
    const OSSL_PARAM *q;
    if (params == NULL)
        return 1;
    if ((q = OSSL_PARAM_locate_const(params, OSSL_ASYM_CIPHER_PARAM_PAD_MODE)) != NULL) {
        int pad = -1;
        if (q->data_type == OSSL_PARAM_UTF8_STRING) {
            const char *v = q->data;
            if (strcasecmp(v, OSSL_PKEY_RSA_PAD_MODE_PKCSV15) == 0)
                pad = RSA_PKCS1_PADDING;
            else if (strcasecmp(v, OSSL_PKEY_RSA_PAD_MODE_OAEP) == 0)
                pad = RSA_PKCS1_OAEP_PADDING;
            else if (strcasecmp(v, OSSL_PKEY_RSA_PAD_MODE_NONE) == 0)
                pad = RSA_NO_PADDING;
        } else if (!OSSL_PARAM_get_int(q, &pad)) {
            return 0;
        }
        if (pad != RSA_PKCS1_PADDING && pad != RSA_PKCS1_OAEP_PADDING && pad != RSA_NO_PADDING) {
            sxp_err(c->p, SXP_R_BAD_PARAM, "se05x: unsupported RSA encryption padding");
            return 0;
        }
        c->pad = pad;
    }
    if ((q = OSSL_PARAM_locate_const(params, OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST)) != NULL) {
        const char *n = NULL;
        if (!OSSL_PARAM_get_utf8_string_ptr(q, &n))
            return 0;
        snprintf(c->oaep_md, sizeof(c->oaep_md), "%s", n);
    }
    if ((q = OSSL_PARAM_locate_const(params, OSSL_ASYM_CIPHER_PARAM_MGF1_DIGEST)) != NULL) {
        const char *n = NULL;
        if (!OSSL_PARAM_get_utf8_string_ptr(q, &n))
            return 0;
        snprintf(c->mgf1_md, sizeof(c->mgf1_md), "%s", n);
    }
    if ((q = OSSL_PARAM_locate_const(params, OSSL_ASYM_CIPHER_PARAM_OAEP_LABEL)) != NULL) {
        void *l = NULL;
        size_t ll = 0;
        if (!OSSL_PARAM_get_octet_string(q, &l, 0, &ll))
            return 0;
        OPENSSL_free(c->label);
        c->label = l;
        c->labellen = ll;
    }
    return 1;
}

static const OSSL_PARAM *asym_settable_ctx_params(void *ctx, void *provctx)
{
    static const OSSL_PARAM t[] = {
        OSSL_PARAM_utf8_string(OSSL_ASYM_CIPHER_PARAM_PAD_MODE, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_ASYM_CIPHER_PARAM_MGF1_DIGEST, NULL, 0),
        OSSL_PARAM_octet_string(OSSL_ASYM_CIPHER_PARAM_OAEP_LABEL, NULL, 0),
        OSSL_PARAM_END
    };
    (void)ctx;
    (void)provctx;
    return t;
}

static int asym_get_ctx_params(void *ctx, OSSL_PARAM params[])
{
    SXP_ASYM *c = ctx;
    OSSL_PARAM *q;
    if ((q = OSSL_PARAM_locate(params, OSSL_ASYM_CIPHER_PARAM_PAD_MODE)) != NULL
        && q->data_type != OSSL_PARAM_UTF8_STRING && !OSSL_PARAM_set_int(q, c->pad))
        return 0;
    if ((q = OSSL_PARAM_locate(params, OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST)) != NULL
        && !OSSL_PARAM_set_utf8_string(q, c->oaep_md[0] ? c->oaep_md : "SHA1"))
        return 0;
    return 1;
}

static const OSSL_PARAM *asym_gettable_ctx_params(void *ctx, void *provctx)
{
    static const OSSL_PARAM t[] = {
        OSSL_PARAM_int(OSSL_ASYM_CIPHER_PARAM_PAD_MODE, NULL),
        OSSL_PARAM_utf8_string(OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST, NULL, 0),
        OSSL_PARAM_END
    };
    (void)ctx;
    (void)provctx;
    return t;
}

static int asym_init(void *ctx, void *key, const OSSL_PARAM params[], int priv)
{
    SXP_ASYM *c = ctx;
    SXP_KEY *k = key;
    if (k == NULL || k->kind != SE05X_KIND_RSA || k->pub == NULL)
        return 0;
    if (priv && !sxp_key_check_private(k, "RSA decryption"))
        return 0;
    sxp_key_free(c->k);
    c->k = sxp_key_ref(k);
    return asym_set_ctx_params(ctx, params);
}

static int asym_encrypt_init(void *ctx, void *key, const OSSL_PARAM params[])
{
    return asym_init(ctx, key, params, 0);
}

static int asym_decrypt_init(void *ctx, void *key, const OSSL_PARAM params[])
{
    return asym_init(ctx, key, params, 1);
}

static int asym_encrypt(void *ctx, unsigned char *out, size_t *outlen, size_t outsize,
                        const unsigned char *in, size_t inlen)
{
    SXP_ASYM *c = ctx;
    EVP_PKEY_CTX *e = EVP_PKEY_CTX_new_from_pkey(c->p->libctx, c->k->pub, NULL);
    int ok = 0;
    *outlen = outsize;
    if (e == NULL || EVP_PKEY_encrypt_init(e) <= 0 || EVP_PKEY_CTX_set_rsa_padding(e, c->pad) <= 0)
        goto out;
    if (c->pad == RSA_PKCS1_OAEP_PADDING) {
        if (c->oaep_md[0] && EVP_PKEY_CTX_set_rsa_oaep_md_name(e, c->oaep_md, NULL) <= 0)
            goto out;
        if (c->mgf1_md[0] && EVP_PKEY_CTX_set_rsa_mgf1_md_name(e, c->mgf1_md, NULL) <= 0)
            goto out;
        if (c->label != NULL) {
            void *l = OPENSSL_memdup(c->label, c->labellen);
            if (l == NULL || EVP_PKEY_CTX_set0_rsa_oaep_label(e, l, (int)c->labellen) <= 0) {
                OPENSSL_free(l);
                goto out;
            }
        }
    }
    ok = EVP_PKEY_encrypt(e, out, outlen, in, inlen) > 0;
out:
    EVP_PKEY_CTX_free(e);
    return ok;
}

static int is_sha1(const char *n)
{
    return n[0] == '\0' || sxp_md_from_name(n) == SE05X_MD_SHA1;
}

static int asym_decrypt(void *ctx, unsigned char *out, size_t *outlen, size_t outsize,
                        const unsigned char *in, size_t inlen)
{
    SXP_ASYM *c = ctx;
    size_t klen = (size_t)EVP_PKEY_get_size(c->k->pub);
    se05x_session *s;
    se05x_rc rc;
    if (out == NULL) {
        *outlen = klen;
        return 1;
    }
    if (c->k->soft != NULL) { /* software key (see SXP_KEY.soft) */
        EVP_PKEY_CTX *x = EVP_PKEY_CTX_new_from_pkey(c->p->libctx, c->k->soft, NULL);
        int ok = x != NULL && EVP_PKEY_decrypt_init(x) > 0
                 && EVP_PKEY_CTX_set_rsa_padding(x, c->pad) > 0;
        if (ok && c->pad == RSA_PKCS1_OAEP_PADDING) {
            ok = (!c->oaep_md[0] || EVP_PKEY_CTX_set_rsa_oaep_md_name(x, c->oaep_md, NULL) > 0)
                 && (!c->mgf1_md[0] || EVP_PKEY_CTX_set_rsa_mgf1_md_name(x, c->mgf1_md, NULL) > 0);
            if (ok && c->label != NULL) {
                void *l = OPENSSL_memdup(c->label, c->labellen);
                ok = l != NULL && EVP_PKEY_CTX_set0_rsa_oaep_label(x, l, (int)c->labellen) > 0;
                if (!ok)
                    OPENSSL_free(l);
            }
        }
        *outlen = outsize;
        ok = ok && EVP_PKEY_decrypt(x, out, outlen, in, inlen) > 0;
        EVP_PKEY_CTX_free(x);
        return ok;
    }
    if (c->pad == RSA_PKCS1_OAEP_PADDING
        && !(is_sha1(c->oaep_md) && is_sha1(c->mgf1_md) && c->labellen == 0)) {
        /* raw chip decryption, OAEP check on the host */
        unsigned char *em = OPENSSL_malloc(klen);
        EVP_MD *md = NULL, *mgf = NULL;
        size_t emlen = 0;
        int n = -1;
        if (em == NULL)
            return 0;
        rc = SE05X_E_LINK;
        for (int attempt = 0;; attempt++) {
            if ((s = sxp_key_session(c->k)) == NULL)
                break;
            struct se05x_check ck = sxp_key_check(c->k); /* re-encrypted with k->pub */
            rc = se05x_rsa_decrypt_ex(s, c->k->id, SE05X_RSA_PAD_NONE, in, inlen, em, klen, &emlen, &ck);
            if (!sxp_session_end(c->p, s, rc, attempt, "RSA decryption", c->k->id))
                break;
        }
        if (rc != SE05X_OK || s == NULL) {
            OPENSSL_clear_free(em, klen);
            return 0;
        }
        md = sxp_md_fetch(c->p, c->oaep_md[0] ? c->oaep_md : "SHA1");
        mgf = sxp_md_fetch(c->p, c->mgf1_md[0] ? c->mgf1_md : (c->oaep_md[0] ? c->oaep_md : "SHA1"));
        if (md != NULL && mgf != NULL && emlen == klen && em[0] == 0)
            n = RSA_padding_check_PKCS1_OAEP_mgf1(out, (int)outsize, em + 1, (int)klen - 1,
                                                  (int)klen, c->label, (int)c->labellen, md, mgf);
        EVP_MD_free(md);
        EVP_MD_free(mgf);
        OPENSSL_clear_free(em, klen);
        if (n < 0) {
            sxp_err(c->p, SXP_R_CHIP, "se05x: OAEP decoding error");
            return 0;
        }
        *outlen = (size_t)n;
        return 1;
    }
    for (int attempt = 0;; attempt++) {
        if ((s = sxp_key_session(c->k)) == NULL)
            return 0;
        struct se05x_check ck = sxp_key_check(c->k); /* raw results re-encrypted with k->pub */
        rc = se05x_rsa_decrypt_ex(s, c->k->id,
                                  c->pad == RSA_PKCS1_OAEP_PADDING ? SE05X_RSA_PAD_OAEP
                                  : c->pad == RSA_NO_PADDING       ? SE05X_RSA_PAD_NONE
                                                                   : SE05X_RSA_PAD_PKCS1,
                                  in, inlen, out, outsize, outlen, &ck);
        if (!sxp_session_end(c->p, s, rc, attempt, "RSA decryption", c->k->id))
            break;
    }
    return rc == SE05X_OK;
}

const OSSL_DISPATCH sxp_rsa_asym_functions[] = {
    { OSSL_FUNC_ASYM_CIPHER_NEWCTX, (void (*)(void))asym_newctx },
    { OSSL_FUNC_ASYM_CIPHER_ENCRYPT_INIT, (void (*)(void))asym_encrypt_init },
    { OSSL_FUNC_ASYM_CIPHER_ENCRYPT, (void (*)(void))asym_encrypt },
    { OSSL_FUNC_ASYM_CIPHER_DECRYPT_INIT, (void (*)(void))asym_decrypt_init },
    { OSSL_FUNC_ASYM_CIPHER_DECRYPT, (void (*)(void))asym_decrypt },
    { OSSL_FUNC_ASYM_CIPHER_FREECTX, (void (*)(void))asym_freectx },
    { OSSL_FUNC_ASYM_CIPHER_DUPCTX, (void (*)(void))asym_dupctx },
    { OSSL_FUNC_ASYM_CIPHER_GET_CTX_PARAMS, (void (*)(void))asym_get_ctx_params },
    { OSSL_FUNC_ASYM_CIPHER_GETTABLE_CTX_PARAMS, (void (*)(void))asym_gettable_ctx_params },
    { OSSL_FUNC_ASYM_CIPHER_SET_CTX_PARAMS, (void (*)(void))asym_set_ctx_params },
    { OSSL_FUNC_ASYM_CIPHER_SETTABLE_CTX_PARAMS, (void (*)(void))asym_settable_ctx_params },
    { 0, NULL }
};
