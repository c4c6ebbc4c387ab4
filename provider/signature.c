/* Common signature context code (see signature.h). */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/x509.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
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

int sxp_sig_algid(SXP_SIG *c, OSSL_PARAM *q)
{
    int signid = NID_undef, ok = 0, len;
    X509_ALGOR *alg = NULL;
    unsigned char *der = NULL;
    if (c->md == NULL)
        return 0;
    if (!OBJ_find_sigid_by_algs(&signid, EVP_MD_get_type(c->md),
                                c->kind == SE05X_KIND_EC ? NID_X9_62_id_ecPublicKey
                                                         : NID_rsaEncryption))
        return 0;
    if (c->kind == SE05X_KIND_RSA && c->pad != RSA_PKCS1_PADDING)
        return 0; /* PSS parameters are written by OpenSSL's RSA method */
    alg = X509_ALGOR_new();
    if (alg == NULL
        || !X509_ALGOR_set0(alg, OBJ_nid2obj(signid),
                            c->kind == SE05X_KIND_RSA ? V_ASN1_NULL : V_ASN1_UNDEF, NULL))
        goto out;
    if ((len = i2d_X509_ALGOR(alg, &der)) <= 0)
        goto out;
    ok = OSSL_PARAM_set_octet_string(q, der, (size_t)len);
out:
    OPENSSL_free(der);
    X509_ALGOR_free(alg);
    return ok;
}
