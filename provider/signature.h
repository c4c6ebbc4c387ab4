/* SPDX-License-Identifier: Apache-2.0 */
/* Signature context shared by ECDSA (signature_ecdsa.c) and RSA
 * (signature_rsa.c); common code in signature.c. Private-key operations go
 * to the chip; verification runs on the cached public key in our private
 * libctx. */
#ifndef SXP_SIGNATURE_H
#define SXP_SIGNATURE_H
#include "sxp.h"

typedef struct sxp_sig {
    SXP_PROV *p;
    SXP_KEY *k;
    se05x_kind kind;
    char mdname[32];      /* "" = none set */
    EVP_MD *md;           /* from our libctx */
    EVP_MD_CTX *mdctx;    /* digest-sign/verify streaming */
    /* RSA only */
    int pad;              /* RSA_PKCS1_PADDING (1), RSA_NO_PADDING (3), RSA_PKCS1_PSS_PADDING (6) */
    int saltlen;          /* OpenSSL convention: >=0, -1 digest, -2 auto, -3 max */
    char mgf1[32];        /* "" = same as md */
} SXP_SIG;

/* kind-specific raw operations (input: digest or raw data) */
typedef int (*sxp_sign_fn)(SXP_SIG *c, unsigned char *sig, size_t *siglen, size_t sigsize,
                           const unsigned char *tbs, size_t tbslen);
typedef int (*sxp_verify_fn)(SXP_SIG *c, const unsigned char *sig, size_t siglen,
                             const unsigned char *tbs, size_t tbslen);

void *sxp_sig_newctx(void *provctx, se05x_kind kind);
void sxp_sig_freectx(void *ctx);
void *sxp_sig_dupctx(void *ctx);
int sxp_sig_init(SXP_SIG *c, void *key, const char *mdname, const OSSL_PARAM params[], int sign,
                 int (*set_params)(void *, const OSSL_PARAM[]));
int sxp_sig_set_md(SXP_SIG *c, const char *mdname);
int sxp_sig_update(void *ctx, const unsigned char *data, size_t len);
int sxp_sig_final_digest(SXP_SIG *c, unsigned char *md, size_t *mdlen);
/* AlgorithmIdentifier DER of the signature algorithm (X.509 signing). */
int sxp_sig_algid(SXP_SIG *c, OSSL_PARAM *q);

#endif
