/* SPDX-License-Identifier: Apache-2.0 */
/* ECDSA: signing = host digest + one ECDSASign APDU on the chip (DER out);
 * verification on the cached public key (private libctx). */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/err.h>
#include "signature_common.h"

static void *ecdsa_newctx(void *provctx, const char *propq)
{
    (void)propq;
    return sxp_sig_newctx(provctx, SE05X_KIND_EC);
}

static int ecdsa_set_ctx_params(void *ctx, const OSSL_PARAM params[])
{
    if (params == NULL)
        return 1;
    return sxp_sig_set_digest_param(ctx, params);
}

static const OSSL_PARAM *ecdsa_settable_ctx_params(void *ctx, void *provctx)
{
    static const OSSL_PARAM t[] = {
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PROPERTIES, NULL, 0),
        OSSL_PARAM_size_t(OSSL_SIGNATURE_PARAM_DIGEST_SIZE, NULL),
        OSSL_PARAM_END
    };
    (void)ctx;
    (void)provctx;
    return t;
}

static int ecdsa_get_ctx_params(void *ctx, OSSL_PARAM params[])
{
    SXP_SIG *c = ctx;
    OSSL_PARAM *q;
    if (!sxp_sig_get_common_params(c, params))
        return 0;
    if ((q = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_DIGEST_SIZE)) != NULL
        && !OSSL_PARAM_set_size_t(q, c->md ? (size_t)EVP_MD_get_size(c->md) : 0))
        return 0;
    return 1;
}

static const OSSL_PARAM *ecdsa_gettable_ctx_params(void *ctx, void *provctx)
{
    static const OSSL_PARAM t[] = {
        OSSL_PARAM_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
        OSSL_PARAM_size_t(OSSL_SIGNATURE_PARAM_DIGEST_SIZE, NULL),
        OSSL_PARAM_END
    };
    (void)ctx;
    (void)provctx;
    return t;
}

static int ecdsa_sign(void *ctx, unsigned char *sig, size_t *siglen, size_t sigsize,
                      const unsigned char *tbs, size_t tbslen)
{
    SXP_SIG *c = ctx;
    se05x_session *s;
    se05x_rc rc;
    size_t max = (size_t)EVP_PKEY_get_size(c->k->pub);
    if (sig == NULL) {
        *siglen = max;
        return 1;
    }
    if (!sxp_key_check_private(c->k, "ECDSA signing"))
        return 0;
    if (c->k->soft != NULL) { /* software key (see SXP_KEY.soft) */
        EVP_PKEY_CTX *x = EVP_PKEY_CTX_new_from_pkey(c->p->libctx, c->k->soft, NULL);
        int ok = x != NULL && EVP_PKEY_sign_init(x) > 0;
        *siglen = sigsize;
        ok = ok && EVP_PKEY_sign(x, sig, siglen, tbs, tbslen) > 0;
        EVP_PKEY_CTX_free(x);
        return ok;
    }
    for (int attempt = 0;; attempt++) {
        if ((s = sxp_key_session(c->k)) == NULL)
            return 0;
        struct se05x_check ck = sxp_key_check(c->k); /* the answer is verified with k->pub */
        rc = se05x_ecdsa_sign_digest_ex(s, c->k->id, tbs, tbslen, sig, sigsize, siglen, &ck);
        if (!sxp_session_end(c->p, s, rc, attempt, "ECDSA signature", c->k->id))
            break;
    }
    return rc == SE05X_OK;
}

static int ecdsa_verify(void *ctx, const unsigned char *sig, size_t siglen,
                        const unsigned char *tbs, size_t tbslen)
{
    SXP_SIG *c = ctx;
    EVP_PKEY_CTX *v = EVP_PKEY_CTX_new_from_pkey(c->p->libctx, c->k->pub, NULL);
    int ok = 0;
    if (v != NULL && EVP_PKEY_verify_init(v) > 0)
        ok = EVP_PKEY_verify(v, sig, siglen, tbs, tbslen);
    EVP_PKEY_CTX_free(v);
    return ok == 1;
}

const SXP_SIG_ALG sxp_ecdsa_sig_alg = { ecdsa_sign, ecdsa_verify, ecdsa_set_ctx_params };

const OSSL_DISPATCH sxp_ecdsa_signature_functions[] = {
    { OSSL_FUNC_SIGNATURE_NEWCTX, (void (*)(void))ecdsa_newctx },
    { OSSL_FUNC_SIGNATURE_SIGN, (void (*)(void))ecdsa_sign },
    { OSSL_FUNC_SIGNATURE_VERIFY, (void (*)(void))ecdsa_verify },
    SXP_SIG_COMMON_DISPATCH,
    { OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, (void (*)(void))ecdsa_get_ctx_params },
    { OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS, (void (*)(void))ecdsa_gettable_ctx_params },
    { OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, (void (*)(void))ecdsa_set_ctx_params },
    { OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS, (void (*)(void))ecdsa_settable_ctx_params },
    { 0, NULL }
};
