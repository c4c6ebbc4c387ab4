/* SPDX-License-Identifier: Apache-2.0 */
/* Dispatch entries that ECDSA (signature_ecdsa.c) and RSA (signature_rsa.c)
 * share: sign/verify init, digest-sign/verify init/update/final, the digest
 * and algorithm-id params. The shared entries reach the algorithm's own
 * sign, verify and set_ctx_params through SXP_SIG_ALG, chosen by the
 * context's kind (set by the algorithm's newctx). Context new/free/dup and
 * the digest fetch are in signature.c. */
#ifndef SXP_SIGNATURE_COMMON_H
#define SXP_SIGNATURE_COMMON_H
#include <openssl/core_dispatch.h>
#include "signature.h"

typedef struct sxp_sig_alg {
    OSSL_FUNC_signature_sign_fn *sign;
    OSSL_FUNC_signature_verify_fn *verify;
    OSSL_FUNC_signature_set_ctx_params_fn *set_ctx_params;
} SXP_SIG_ALG;

extern const SXP_SIG_ALG sxp_ecdsa_sig_alg; /* signature_ecdsa.c */
extern const SXP_SIG_ALG sxp_rsa_sig_alg;   /* signature_rsa.c */

int sxp_sig_sign_init(void *ctx, void *key, const OSSL_PARAM params[]);
int sxp_sig_verify_init(void *ctx, void *key, const OSSL_PARAM params[]);
/* digest-sign/verify: SHA256 when no digest is named */
int sxp_sig_digest_sign_init(void *ctx, const char *mdname, void *key, const OSSL_PARAM params[]);
int sxp_sig_digest_verify_init(void *ctx, const char *mdname, void *key,
                               const OSSL_PARAM params[]);
int sxp_sig_digest_sign_final(void *ctx, unsigned char *sig, size_t *siglen, size_t sigsize);
int sxp_sig_digest_verify_final(void *ctx, const unsigned char *sig, size_t siglen);

/* OSSL_SIGNATURE_PARAM_DIGEST, if present (set_ctx_params of both). */
int sxp_sig_set_digest_param(SXP_SIG *c, const OSSL_PARAM params[]);
/* OSSL_SIGNATURE_PARAM_ALGORITHM_ID and _DIGEST, if asked (get_ctx_params of both). */
int sxp_sig_get_common_params(SXP_SIG *c, OSSL_PARAM params[]);

/* The shared part of both dispatch tables (the update entries are
 * sxp_sig_update from signature.c). */
#define SXP_SIG_COMMON_DISPATCH                                                                 \
    { OSSL_FUNC_SIGNATURE_FREECTX, (void (*)(void))sxp_sig_freectx },                           \
    { OSSL_FUNC_SIGNATURE_DUPCTX, (void (*)(void))sxp_sig_dupctx },                             \
    { OSSL_FUNC_SIGNATURE_SIGN_INIT, (void (*)(void))sxp_sig_sign_init },                       \
    { OSSL_FUNC_SIGNATURE_VERIFY_INIT, (void (*)(void))sxp_sig_verify_init },                   \
    { OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT, (void (*)(void))sxp_sig_digest_sign_init },         \
    { OSSL_FUNC_SIGNATURE_DIGEST_SIGN_UPDATE, (void (*)(void))sxp_sig_update },                 \
    { OSSL_FUNC_SIGNATURE_DIGEST_SIGN_FINAL, (void (*)(void))sxp_sig_digest_sign_final },       \
    { OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_INIT, (void (*)(void))sxp_sig_digest_verify_init },     \
    { OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_UPDATE, (void (*)(void))sxp_sig_update },               \
    { OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_FINAL, (void (*)(void))sxp_sig_digest_verify_final }

#endif
