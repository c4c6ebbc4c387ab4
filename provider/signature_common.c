/* SPDX-License-Identifier: Apache-2.0 */
/* Dispatch entries shared by ECDSA and RSA (see signature_common.h). */
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/evp.h>
#include "signature_common.h"

static const SXP_SIG_ALG *sig_alg(const SXP_SIG *c)
{
    return c->kind == SE05X_KIND_EC ? &sxp_ecdsa_sig_alg : &sxp_rsa_sig_alg;
}

int sxp_sig_sign_init(void *ctx, void *key, const OSSL_PARAM params[])
{
    SXP_SIG *c = ctx;
    return sxp_sig_init(c, key, NULL, params, 1, sig_alg(c)->set_ctx_params);
}

int sxp_sig_verify_init(void *ctx, void *key, const OSSL_PARAM params[])
{
    SXP_SIG *c = ctx;
    return sxp_sig_init(c, key, NULL, params, 0, sig_alg(c)->set_ctx_params);
}

int sxp_sig_digest_sign_init(void *ctx, const char *mdname, void *key, const OSSL_PARAM params[])
{
    SXP_SIG *c = ctx;
    return sxp_sig_init(c, key, mdname && *mdname ? mdname : "SHA256", params, 1,
                        sig_alg(c)->set_ctx_params);
}

int sxp_sig_digest_verify_init(void *ctx, const char *mdname, void *key,
                               const OSSL_PARAM params[])
{
    SXP_SIG *c = ctx;
    return sxp_sig_init(c, key, mdname && *mdname ? mdname : "SHA256", params, 0,
                        sig_alg(c)->set_ctx_params);
}

int sxp_sig_digest_sign_final(void *ctx, unsigned char *sig, size_t *siglen, size_t sigsize)
{
    SXP_SIG *c = ctx;
    unsigned char md[EVP_MAX_MD_SIZE];
    size_t mdlen = 0;
    if (sig == NULL) /* size query */
        return sig_alg(c)->sign(ctx, NULL, siglen, 0, NULL, 0);
    if (!sxp_sig_final_digest(c, md, &mdlen))
        return 0;
    return sig_alg(c)->sign(ctx, sig, siglen, sigsize, md, mdlen);
}

int sxp_sig_digest_verify_final(void *ctx, const unsigned char *sig, size_t siglen)
{
    SXP_SIG *c = ctx;
    unsigned char md[EVP_MAX_MD_SIZE];
    size_t mdlen = 0;
    if (!sxp_sig_final_digest(c, md, &mdlen))
        return 0;
    return sig_alg(c)->verify(ctx, sig, siglen, md, mdlen);
}

int sxp_sig_set_digest_param(SXP_SIG *c, const OSSL_PARAM params[])
{
    const OSSL_PARAM *q = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_DIGEST);
    const char *n = NULL;
    if (q == NULL)
        return 1;
    return OSSL_PARAM_get_utf8_string_ptr(q, &n) && sxp_sig_set_md(c, n);
}

int sxp_sig_get_common_params(SXP_SIG *c, OSSL_PARAM params[])
{
    OSSL_PARAM *q;
    if ((q = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_ALGORITHM_ID)) != NULL
        && !sxp_sig_algid(c, q))
        return 0;
    if ((q = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_DIGEST)) != NULL
        && !OSSL_PARAM_set_utf8_string(q, c->mdname))
        return 0;
    return 1;
}
