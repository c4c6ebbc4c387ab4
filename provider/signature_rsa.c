/* SPDX-License-Identifier: Apache-2.0 */
/* RSA signatures: PKCS#1 v1.5 and PSS (salt length digest/max/auto as
 * OpenSSL means them; auto signs with the maximum), raw (no padding).
 * Signing = EMSA encoding on the host + one RSADecrypt NO_PAD APDU (lib
 * se05x_rsa_sign_digest); verification on the cached public key. */
#include <string.h>
#include <strings.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rsa.h>
#include <openssl/err.h>
#include "signature_common.h"

static void *rsa_newctx(void *provctx, const char *propq)
{
    (void)propq;
    return sxp_sig_newctx(provctx, SE05X_KIND_RSA);
}

static const struct { const char *name; int id; } pad_names[] = {
    { OSSL_PKEY_RSA_PAD_MODE_NONE, RSA_NO_PADDING },
    { OSSL_PKEY_RSA_PAD_MODE_PKCSV15, RSA_PKCS1_PADDING },
    { OSSL_PKEY_RSA_PAD_MODE_PSS, RSA_PKCS1_PSS_PADDING },
};

static int rsa_set_ctx_params(void *ctx, const OSSL_PARAM params[])
{
    SXP_SIG *c = ctx;
    const OSSL_PARAM *q;
    if (params == NULL)
        return 1;
    if (!sxp_sig_set_digest_param(c, params))
        return 0;
    if ((q = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_PAD_MODE)) != NULL) {
        int pad = -1;
        if (q->data_type == OSSL_PARAM_UTF8_STRING) {
            for (size_t i = 0; i < sizeof(pad_names) / sizeof(pad_names[0]); i++)
                if (strcasecmp(q->data, pad_names[i].name) == 0)
                    pad = pad_names[i].id;
        } else if (!OSSL_PARAM_get_int(q, &pad)) {
            return 0;
        }
        if (pad != RSA_NO_PADDING && pad != RSA_PKCS1_PADDING && pad != RSA_PKCS1_PSS_PADDING) {
            sxp_err(c->p, SXP_R_BAD_PARAM, "se05x: unsupported RSA signature padding");
            return 0;
        }
        c->pad = pad;
    }
    if ((q = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_PSS_SALTLEN)) != NULL) {
        int sl;
        if (q->data_type == OSSL_PARAM_UTF8_STRING) {
            const char *v = q->data;
            if (strcmp(v, OSSL_PKEY_RSA_PSS_SALT_LEN_DIGEST) == 0)
                sl = RSA_PSS_SALTLEN_DIGEST;
            else if (strcmp(v, OSSL_PKEY_RSA_PSS_SALT_LEN_MAX) == 0)
                sl = RSA_PSS_SALTLEN_MAX;
            else if (strcmp(v, OSSL_PKEY_RSA_PSS_SALT_LEN_AUTO) == 0)
                sl = RSA_PSS_SALTLEN_AUTO;
            else
                sl = atoi(v);
        } else if (!OSSL_PARAM_get_int(q, &sl)) {
            return 0;
        }
        if (sl < RSA_PSS_SALTLEN_MAX) {
            sxp_err(c->p, SXP_R_BAD_PARAM, "se05x: invalid PSS salt length %d", sl);
            return 0;
        }
        c->saltlen = sl;
    }
    if ((q = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_MGF1_DIGEST)) != NULL) {
        const char *n = NULL;
        EVP_MD *md;
        if (!OSSL_PARAM_get_utf8_string_ptr(q, &n) || (md = sxp_md_fetch(c->p, n)) == NULL)
            return 0;
        snprintf(c->mgf1, sizeof(c->mgf1), "%s", EVP_MD_get0_name(md));
        EVP_MD_free(md);
    }
    return 1;
}

static const OSSL_PARAM *rsa_settable_ctx_params(void *ctx, void *provctx)
{
    static const OSSL_PARAM t[] = {
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PROPERTIES, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_PROPERTIES, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, NULL, 0),
        OSSL_PARAM_END
    };
    (void)ctx;
    (void)provctx;
    return t;
}

static int rsa_get_ctx_params(void *ctx, OSSL_PARAM params[])
{
    SXP_SIG *c = ctx;
    OSSL_PARAM *q;
    if (!sxp_sig_get_common_params(c, params))
        return 0;
    if ((q = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_PAD_MODE)) != NULL) {
        if (q->data_type == OSSL_PARAM_UTF8_STRING) {
            const char *n = "";
            for (size_t i = 0; i < sizeof(pad_names) / sizeof(pad_names[0]); i++)
                if (pad_names[i].id == c->pad)
                    n = pad_names[i].name;
            if (!OSSL_PARAM_set_utf8_string(q, n))
                return 0;
        } else if (!OSSL_PARAM_set_int(q, c->pad)) {
            return 0;
        }
    }
    if ((q = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_PSS_SALTLEN)) != NULL) {
        if (q->data_type == OSSL_PARAM_UTF8_STRING) {
            char buf[16];
            const char *v = buf;
            if (c->saltlen == RSA_PSS_SALTLEN_DIGEST)
                v = OSSL_PKEY_RSA_PSS_SALT_LEN_DIGEST;
            else if (c->saltlen == RSA_PSS_SALTLEN_MAX)
                v = OSSL_PKEY_RSA_PSS_SALT_LEN_MAX;
            else if (c->saltlen == RSA_PSS_SALTLEN_AUTO)
                v = OSSL_PKEY_RSA_PSS_SALT_LEN_AUTO;
            else
                snprintf(buf, sizeof(buf), "%d", c->saltlen);
            if (!OSSL_PARAM_set_utf8_string(q, v))
                return 0;
        } else if (!OSSL_PARAM_set_int(q, c->saltlen)) {
            return 0;
        }
    }
    if ((q = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_MGF1_DIGEST)) != NULL
        && !OSSL_PARAM_set_utf8_string(q, c->mgf1[0] ? c->mgf1 : c->mdname))
        return 0;
    return 1;
}

static const OSSL_PARAM *rsa_gettable_ctx_params(void *ctx, void *provctx)
{
    static const OSSL_PARAM t[] = {
        OSSL_PARAM_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, NULL, 0),
        OSSL_PARAM_END
    };
    (void)ctx;
    (void)provctx;
    return t;
}

static int rsa_sign(void *ctx, unsigned char *sig, size_t *siglen, size_t sigsize,
                    const unsigned char *tbs, size_t tbslen)
{
    SXP_SIG *c = ctx;
    se05x_session *s;
    se05x_rc rc;
    se05x_digest md = SE05X_MD_NONE;
    size_t max = (size_t)EVP_PKEY_get_size(c->k->pub);
    unsigned bits = (unsigned)EVP_PKEY_get_bits(c->k->pub);
    int salt;
    if (sig == NULL) {
        *siglen = max;
        return 1;
    }
    if (!sxp_key_check_private(c->k, "RSA signing"))
        return 0;
    if (sigsize < max) {
        sxp_err(c->p, SXP_R_BAD_PARAM, "se05x: signature buffer too small");
        return 0;
    }
    if (c->md != NULL) {
        md = sxp_md_from_name(c->mdname);
        if (md == SE05X_MD_NONE) {
            sxp_err(c->p, SXP_R_BAD_PARAM, "se05x: digest %s not supported for RSA", c->mdname);
            return 0;
        }
        if (tbslen != (size_t)EVP_MD_get_size(c->md)) {
            sxp_err(c->p, SXP_R_BAD_PARAM, "se05x: input is not a %s digest", c->mdname);
            return 0;
        }
    }
    if (c->k->soft != NULL) { /* software key (see SXP_KEY.soft) */
        EVP_PKEY_CTX *x = EVP_PKEY_CTX_new_from_pkey(c->p->libctx, c->k->soft, NULL);
        int ok = x != NULL && EVP_PKEY_sign_init(x) > 0 && EVP_PKEY_CTX_set_rsa_padding(x, c->pad) > 0
                 && (c->md == NULL || EVP_PKEY_CTX_set_signature_md(x, c->md) > 0)
                 && (c->pad != RSA_PKCS1_PSS_PADDING
                     || (EVP_PKEY_CTX_set_rsa_pss_saltlen(x, c->saltlen) > 0
                         && (!c->mgf1[0] || EVP_PKEY_CTX_set_rsa_mgf1_md_name(x, c->mgf1, NULL) > 0)));
        *siglen = sigsize;
        ok = ok && EVP_PKEY_sign(x, sig, siglen, tbs, tbslen) > 0;
        EVP_PKEY_CTX_free(x);
        return ok;
    }
    switch (c->pad) {
    case RSA_PKCS1_PADDING:
        salt = 0;
        break;
    case RSA_PKCS1_PSS_PADDING:
        if (md == SE05X_MD_NONE) {
            sxp_err(c->p, SXP_R_BAD_PARAM, "se05x: RSA-PSS needs a digest");
            return 0;
        }
        if (c->mgf1[0] && sxp_md_from_name(c->mgf1) != md) {
            sxp_err(c->p, SXP_R_BAD_PARAM, "se05x: RSA-PSS with MGF1 digest %s != %s not supported",
                    c->mgf1, c->mdname);
            return 0;
        }
        /* OpenSSL: -1 digest, -2 auto (= max when signing), -3 max; lib: -1, -2 */
        salt = c->saltlen == RSA_PSS_SALTLEN_DIGEST ? -1 : c->saltlen < 0 ? -2 : c->saltlen;
        break;
    case RSA_NO_PADDING:
        if (tbslen != max) {
            sxp_err(c->p, SXP_R_BAD_PARAM, "se05x: raw RSA input must be %zu bytes", max);
            return 0;
        }
        salt = 0;
        break;
    default:
        sxp_err(c->p, SXP_R_BAD_PARAM, "se05x: unsupported RSA padding");
        return 0;
    }
    for (int attempt = 0;; attempt++) {
        if ((s = sxp_key_session(c->k)) == NULL)
            return 0;
        struct se05x_check ck = sxp_key_check(c->k); /* the answer is verified with k->pub */
        if (c->pad == RSA_NO_PADDING)
            rc = se05x_rsa_decrypt_ex(s, c->k->id, SE05X_RSA_PAD_NONE, tbs, tbslen, sig, sigsize,
                                      siglen, &ck);
        else
            rc = se05x_rsa_sign_digest_ex(s, c->k->id, bits,
                                          c->pad == RSA_PKCS1_PSS_PADDING ? SE05X_RSA_PAD_PSS
                                                                          : SE05X_RSA_PAD_PKCS1,
                                          md, salt, tbs, tbslen, sig, sigsize, siglen, &ck);
        if (!sxp_session_end(c->p, s, rc, attempt, "RSA signature", c->k->id))
            break;
    }
    return rc == SE05X_OK;
}

static int rsa_verify(void *ctx, const unsigned char *sig, size_t siglen,
                      const unsigned char *tbs, size_t tbslen)
{
    SXP_SIG *c = ctx;
    EVP_PKEY_CTX *v = EVP_PKEY_CTX_new_from_pkey(c->p->libctx, c->k->pub, NULL);
    int ok = 0;
    if (v == NULL || EVP_PKEY_verify_init(v) <= 0 || EVP_PKEY_CTX_set_rsa_padding(v, c->pad) <= 0)
        goto out;
    if (c->md != NULL && EVP_PKEY_CTX_set_signature_md(v, c->md) <= 0)
        goto out;
    if (c->pad == RSA_PKCS1_PSS_PADDING) {
        if (EVP_PKEY_CTX_set_rsa_pss_saltlen(v, c->saltlen) <= 0)
            goto out;
        if (c->mgf1[0] && EVP_PKEY_CTX_set_rsa_mgf1_md_name(v, c->mgf1, NULL) <= 0)
            goto out;
    }
    ok = EVP_PKEY_verify(v, sig, siglen, tbs, tbslen);
out:
    EVP_PKEY_CTX_free(v);
    return ok == 1;
}

const SXP_SIG_ALG sxp_rsa_sig_alg = { rsa_sign, rsa_verify, rsa_set_ctx_params };

const OSSL_DISPATCH sxp_rsa_signature_functions[] = {
    { OSSL_FUNC_SIGNATURE_NEWCTX, (void (*)(void))rsa_newctx },
    { OSSL_FUNC_SIGNATURE_SIGN, (void (*)(void))rsa_sign },
    { OSSL_FUNC_SIGNATURE_VERIFY, (void (*)(void))rsa_verify },
    SXP_SIG_COMMON_DISPATCH,
    { OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, (void (*)(void))rsa_get_ctx_params },
    { OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS, (void (*)(void))rsa_gettable_ctx_params },
    { OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, (void (*)(void))rsa_set_ctx_params },
    { OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS, (void (*)(void))rsa_settable_ctx_params },
    { 0, NULL }
};
