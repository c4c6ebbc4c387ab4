/* SPDX-License-Identifier: Apache-2.0 */
/* ECDH with a chip key: one ECDHGenerateSharedSecret APDU; the peer is any
 * EC public key (OpenSSL imports it into our keymgmt as a public key, which
 * our keymgmt always takes: keymgmt.c). All state of an exchange lives in
 * its context (own key, peer), as provider-keyexch(7) describes: init,
 * set_peer and derive may come from different threads, and any number of
 * contexts may be between init and derive at once (docs/provider.md
 * "Documented OpenSSL behaviour only"). */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include "sxp.h"

typedef struct {
    SXP_PROV *p;
    SXP_KEY *k, *peer;
} SXP_DH;

static void *ecdh_newctx(void *provctx)
{
    SXP_DH *c = OPENSSL_zalloc(sizeof(*c));
    if (c != NULL)
        c->p = provctx;
    return c;
}

static void ecdh_freectx(void *ctx)
{
    SXP_DH *c = ctx;
    if (c == NULL)
        return;
    sxp_key_free(c->k);
    sxp_key_free(c->peer);
    OPENSSL_free(c);
}

static void *ecdh_dupctx(void *ctx)
{
    SXP_DH *c = ctx, *d = OPENSSL_memdup(c, sizeof(*c));
    if (d != NULL) {
        sxp_key_ref(d->k);
        sxp_key_ref(d->peer);
    }
    return d;
}

static int ecdh_set_ctx_params(void *ctx, const OSSL_PARAM params[])
{
    const OSSL_PARAM *q;
    SXP_DH *c = ctx;
    if (params == NULL)
        return 1;
    q = OSSL_PARAM_locate_const(params, OSSL_EXCHANGE_PARAM_KDF_TYPE);
    if (q != NULL && q->data_type == OSSL_PARAM_UTF8_STRING && ((const char *)q->data)[0] != '\0') {
        sxp_err(c->p, SXP_R_BAD_PARAM, "se05x: ECDH with a KDF is not supported");
        return 0;
    }
    return 1; /* pad: the chip always returns the full-length X coordinate */
}

static const OSSL_PARAM *ecdh_settable_ctx_params(void *ctx, void *provctx)
{
    static const OSSL_PARAM t[] = {
        OSSL_PARAM_int(OSSL_EXCHANGE_PARAM_PAD, NULL),
        OSSL_PARAM_utf8_string(OSSL_EXCHANGE_PARAM_KDF_TYPE, NULL, 0),
        OSSL_PARAM_END
    };
    (void)ctx;
    (void)provctx;
    return t;
}

static int ecdh_init(void *ctx, void *key, const OSSL_PARAM params[])
{
    SXP_DH *c = ctx;
    SXP_KEY *k = key;
    if (k == NULL || k->kind != SE05X_KIND_EC || !sxp_key_check_private(k, "ECDH"))
        return 0;
    sxp_key_free(c->k);
    c->k = sxp_key_ref(k);
    return ecdh_set_ctx_params(ctx, params);
}

static int ecdh_set_peer(void *ctx, void *peer)
{
    SXP_DH *c = ctx;
    SXP_KEY *k = peer;
    if (k == NULL || k->kind != SE05X_KIND_EC || k->pub == NULL)
        return 0;
    if (c->k != NULL && k->curve != SE05X_EC_NONE && c->k->curve != SE05X_EC_NONE
        && k->curve != c->k->curve) {
        sxp_err(c->p, SXP_R_BAD_PARAM, "se05x: ECDH peer key is on another curve");
        return 0;
    }
    sxp_key_free(c->peer);
    c->peer = sxp_key_ref(k);
    return 1;
}

static int ecdh_derive(void *ctx, unsigned char *secret, size_t *secretlen, size_t outlen)
{
    SXP_DH *c = ctx;
    uint8_t pt[160];
    size_t ptlen, flen;
    se05x_session *s;
    se05x_rc rc;
    if (c->k == NULL || c->peer == NULL)
        return 0;
    flen = se05x_curve_bytes(c->k->curve);
    if (secret == NULL) {
        *secretlen = flen;
        return 1;
    }
    if (c->k->soft != NULL) { /* software key (see SXP_KEY.soft) */
        EVP_PKEY_CTX *x = EVP_PKEY_CTX_new_from_pkey(c->p->libctx, c->k->soft, NULL);
        int ok = x != NULL && EVP_PKEY_derive_init(x) > 0
                 && EVP_PKEY_derive_set_peer(x, c->peer->pub) > 0;
        *secretlen = outlen;
        ok = ok && EVP_PKEY_derive(x, secret, secretlen) > 0;
        EVP_PKEY_CTX_free(x);
        return ok;
    }
    if ((ptlen = sxp_ec_point(c->peer->pub, pt, sizeof(pt))) == 0)
        return 0;
    for (int attempt = 0;; attempt++) {
        if ((s = sxp_key_session(c->k)) == NULL)
            return 0;
        rc = se05x_ecdh(s, c->k->id, pt, ptlen, secret, outlen, secretlen);
        if (!sxp_session_end(c->p, s, rc, attempt, "ECDH", c->k->id))
            break;
    }
    return rc == SE05X_OK;
}

const OSSL_DISPATCH sxp_ecdh_keyexch_functions[] = {
    { OSSL_FUNC_KEYEXCH_NEWCTX, (void (*)(void))ecdh_newctx },
    { OSSL_FUNC_KEYEXCH_INIT, (void (*)(void))ecdh_init },
    { OSSL_FUNC_KEYEXCH_DERIVE, (void (*)(void))ecdh_derive },
    { OSSL_FUNC_KEYEXCH_SET_PEER, (void (*)(void))ecdh_set_peer },
    { OSSL_FUNC_KEYEXCH_FREECTX, (void (*)(void))ecdh_freectx },
    { OSSL_FUNC_KEYEXCH_DUPCTX, (void (*)(void))ecdh_dupctx },
    { OSSL_FUNC_KEYEXCH_SET_CTX_PARAMS, (void (*)(void))ecdh_set_ctx_params },
    { OSSL_FUNC_KEYEXCH_SETTABLE_CTX_PARAMS, (void (*)(void))ecdh_settable_ctx_params },
    { 0, NULL }
};
