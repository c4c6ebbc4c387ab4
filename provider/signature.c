/* SPDX-License-Identifier: Apache-2.0 */
/* Common signature context code (see signature.h). */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/x509.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/asn1.h>
#include "signature.h"

void *sxp_sig_newctx(void *provctx, se05x_kind kind)
{
    SXP_SIG *c = OPENSSL_zalloc(sizeof(*c));
    if (c == NULL)
        return NULL;
    c->p = provctx;
    c->kind = kind;
    c->pad = RSA_PKCS1_PADDING;
    c->saltlen = RSA_PSS_SALTLEN_AUTO;
    return c;
}

void sxp_sig_freectx(void *ctx)
{
    SXP_SIG *c = ctx;
    if (c == NULL)
        return;
    sxp_key_free(c->k);
    EVP_MD_free(c->md);
    EVP_MD_CTX_free(c->mdctx);
    OPENSSL_free(c);
}

void *sxp_sig_dupctx(void *ctx)
{
    SXP_SIG *c = ctx, *d = OPENSSL_memdup(c, sizeof(*c));
    if (d == NULL)
        return NULL;
    d->k = sxp_key_ref(c->k);
    if (d->md != NULL)
        EVP_MD_up_ref(d->md);
    d->mdctx = NULL;
    if (c->mdctx != NULL) {
        d->mdctx = EVP_MD_CTX_new();
        if (d->mdctx == NULL || !EVP_MD_CTX_copy_ex(d->mdctx, c->mdctx)) {
            sxp_sig_freectx(d);
            return NULL;
        }
    }
    return d;
}

int sxp_sig_set_md(SXP_SIG *c, const char *mdname)
{
    EVP_MD *md;
    if (mdname == NULL || *mdname == '\0')
        return 1;
    md = sxp_md_fetch(c->p, mdname);
    if (md == NULL)
        return 0;
    EVP_MD_free(c->md);
    c->md = md;
    snprintf(c->mdname, sizeof(c->mdname), "%s", EVP_MD_get0_name(md));
    return 1;
}

int sxp_sig_init(SXP_SIG *c, void *key, const char *mdname, const OSSL_PARAM params[], int sign,
                 int (*set_params)(void *, const OSSL_PARAM[]))
{
    SXP_KEY *k = key;
    if (k != NULL) {
        if (k->kind != c->kind || k->pub == NULL) {
            sxp_err(c->p, SXP_R_NOT_CHIP_KEY, "se05x: key type does not fit this signature");
            return 0;
        }
        if (sign && !sxp_key_check_private(k, "signing"))
            return 0;
        sxp_key_free(c->k);
        c->k = sxp_key_ref(k);
    }
    if (c->k == NULL)
        return 0;
    if (!sxp_sig_set_md(c, mdname))
        return 0;
    if (mdname != NULL && *mdname) {
        if (c->mdctx == NULL && (c->mdctx = EVP_MD_CTX_new()) == NULL)
            return 0;
        if (!EVP_DigestInit_ex2(c->mdctx, c->md, NULL))
            return 0;
    }
    return set_params(c, params);
}

int sxp_sig_update(void *ctx, const unsigned char *data, size_t len)
{
    SXP_SIG *c = ctx;
    if (c->mdctx == NULL)
        return 0;
    return EVP_DigestUpdate(c->mdctx, data, len);
}

int sxp_sig_final_digest(SXP_SIG *c, unsigned char *md, size_t *mdlen)
{
    unsigned int n = 0;
    if (c->mdctx == NULL || !EVP_DigestFinal_ex(c->mdctx, md, &n))
        return 0;
    *mdlen = n;
    return 1;
}

/* RSASSA-PSS AlgorithmIdentifier (RFC 4055), SHA-1 defaults omitted as
 * OpenSSL does; the salt length is the one the signature will use. */
static X509_ALGOR *sxp_pss_algor(SXP_SIG *c)
{
    RSA_PSS_PARAMS *pss = RSA_PSS_PARAMS_new();
    EVP_MD *mgf = NULL;
    X509_ALGOR *alg = NULL, *h = NULL;
    ASN1_STRING *str = NULL;
    unsigned char *der = NULL;
    int len, salt, hlen = EVP_MD_get_size(c->md), bits = EVP_PKEY_get_bits(c->k->pub);
    int emlen = (bits - 1 + 7) / 8;

    salt = c->saltlen >= 0 ? c->saltlen : c->saltlen == RSA_PSS_SALTLEN_DIGEST ? hlen
                                                                              : emlen - hlen - 2;
    if (pss == NULL || salt < 0)
        goto err;
    if (!EVP_MD_is_a(c->md, "SHA1")) {
        if ((pss->hashAlgorithm = X509_ALGOR_new()) == NULL)
            goto err;
        X509_ALGOR_set_md(pss->hashAlgorithm, c->md);
    }
    mgf = c->mgf1[0] ? sxp_md_fetch(c->p, c->mgf1) : (EVP_MD_up_ref(c->md), c->md);
    if (mgf == NULL)
        goto err;
    if (!EVP_MD_is_a(mgf, "SHA1")) {
        if ((h = X509_ALGOR_new()) == NULL)
            goto err;
        X509_ALGOR_set_md(h, mgf);
        if ((len = i2d_X509_ALGOR(h, &der)) <= 0 || (str = ASN1_STRING_new()) == NULL
            || !ASN1_STRING_set(str, der, len) || (pss->maskGenAlgorithm = X509_ALGOR_new()) == NULL
            || !X509_ALGOR_set0(pss->maskGenAlgorithm, OBJ_nid2obj(NID_mgf1), V_ASN1_SEQUENCE, str))
            goto err;
        str = NULL;
        OPENSSL_free(der);
        der = NULL;
    }
    if (salt != 20) {
        if ((pss->saltLength = ASN1_INTEGER_new()) == NULL || !ASN1_INTEGER_set(pss->saltLength, salt))
            goto err;
    }
    if ((len = i2d_RSA_PSS_PARAMS(pss, &der)) <= 0 || (str = ASN1_STRING_new()) == NULL
        || !ASN1_STRING_set(str, der, len) || (alg = X509_ALGOR_new()) == NULL
        || !X509_ALGOR_set0(alg, OBJ_nid2obj(NID_rsassaPss), V_ASN1_SEQUENCE, str)) {
        X509_ALGOR_free(alg);
        alg = NULL;
        goto err;
    }
    str = NULL;
err:
    ASN1_STRING_free(str);
    OPENSSL_free(der);
    X509_ALGOR_free(h);
    EVP_MD_free(mgf);
    RSA_PSS_PARAMS_free(pss);
    return alg;
}

int sxp_sig_algid(SXP_SIG *c, OSSL_PARAM *q)
{
    int signid = NID_undef, ok = 0, len;
    X509_ALGOR *alg = NULL;
    unsigned char *der = NULL;
    if (c->md == NULL) {
        sxp_err(c->p, SXP_R_BAD_PARAM, "se05x: no digest set for the signature algorithm id");
        return 0;
    }
    if (c->kind == SE05X_KIND_RSA && c->pad == RSA_PKCS1_PSS_PADDING) {
        alg = sxp_pss_algor(c);
    } else if (c->kind == SE05X_KIND_RSA && c->pad != RSA_PKCS1_PADDING) {
        alg = NULL;
    } else if (OBJ_find_sigid_by_algs(&signid, EVP_MD_get_type(c->md),
                                      c->kind == SE05X_KIND_EC ? NID_X9_62_id_ecPublicKey
                                                               : NID_rsaEncryption)
               && (alg = X509_ALGOR_new()) != NULL
               && !X509_ALGOR_set0(alg, OBJ_nid2obj(signid),
                                   c->kind == SE05X_KIND_RSA ? V_ASN1_NULL : V_ASN1_UNDEF, NULL)) {
        X509_ALGOR_free(alg);
        alg = NULL;
    }
    if (alg == NULL) {
        sxp_err(c->p, SXP_R_UNSUPPORTED, "se05x: no algorithm identifier for %s with %s",
                c->kind == SE05X_KIND_EC ? "ECDSA" : "this RSA padding", c->mdname);
        return 0;
    }
    if ((len = i2d_X509_ALGOR(alg, &der)) <= 0)
        goto out;
    ok = OSSL_PARAM_set_octet_string(q, der, (size_t)len);
out:
    OPENSSL_free(der);
    X509_ALGOR_free(alg);
    return ok;
}
