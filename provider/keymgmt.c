/* SPDX-License-Identifier: Apache-2.0 */
/* Key management shared by EC and RSA (keymgmt_ec.c / keymgmt_rsa.c hold
 * the dispatch tables). Rules (docs/provider.md "Safety"):
 *  - private export is refused, so OpenSSL never moves a chip key to the
 *    default provider; public export works;
 *  - import takes reference keys that another provider decoded and EC
 *    public keys (the peer of our ECDH: decided without any call-order
 *    state); every other key (private, or RSA public) is refused, so
 *    operations on ordinary private keys stay with their own provider;
 *  - validate never runs a pairwise check (docs/protocol/refkey.md §5.1). */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/err.h>
#include "sxp.h"
#include "keymgmt.h"

static const char *sxp_type(se05x_kind kind)
{
    return kind == SE05X_KIND_EC ? "EC" : "RSA";
}

void *sxp_km_new(void *provctx, se05x_kind kind)
{
    return sxp_key_new(provctx, kind);
}

void sxp_km_free(void *keydata)
{
    sxp_key_free(keydata);
}

int sxp_km_has(const void *keydata, int selection)
{
    const SXP_KEY *k = keydata;
    if (k == NULL)
        return 0;
    if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY)
        && !((k->chip || k->soft != NULL) && !k->public_only))
        return 0;
    if ((selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) && k->pub == NULL)
        return 0;
    if ((selection & OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS) && sxp_key_info(k) == NULL)
        return 0;
    return 1;
}

/* Private-key parameter names: for a chip key they are answered with the
 * reference-key marker (not secret: it is what the ref file holds), so that
 * se05x_refkey_from_pkey() -- in the engine, the tools, or any application
 * -- recognises a chip key loaded through this provider (NXP's provider
 * does the same). */
static const char *const sxp_priv_names[] = {
    OSSL_PKEY_PARAM_PRIV_KEY, OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_FACTOR1,
    OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
    OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
};

static int sxp_wants_private(const OSSL_PARAM params[])
{
    for (size_t i = 0; i < sizeof(sxp_priv_names) / sizeof(sxp_priv_names[0]); i++)
        if (OSSL_PARAM_locate_const(params, sxp_priv_names[i]) != NULL)
            return 1;
    return 0;
}

int sxp_km_get_params(void *keydata, OSSL_PARAM params[])
{
    SXP_KEY *k = keydata;
    if (k == NULL || sxp_key_info(k) == NULL)
        return 1;
    if (k->chip && !k->public_only && sxp_wants_private(params)) {
        EVP_PKEY *ref = sxp_key_marker_pkey(k);
        int ok = ref != NULL && EVP_PKEY_get_params(ref, params);
        EVP_PKEY_free(ref);
        if (!ok)
            return 0;
    }
    /* Everything public (bits, security bits, max size, group, point,
     * n, e, default digest) is answered by the cached public key. */
    return EVP_PKEY_get_params(sxp_key_info(k), params);
}

/* Only for software keys (see SXP_KEY.soft): libssl sets the peer's
 * encoded point on a key made from domain parameters. */
int sxp_km_set_params(void *keydata, const OSSL_PARAM params[])
{
    SXP_KEY *k = keydata;
    if (k == NULL || params == NULL || params[0].key == NULL)
        return 1;
    if (k->soft == NULL)
        return 1; /* chip and foreign public keys are immutable */
    if (!EVP_PKEY_set_params(k->soft, (OSSL_PARAM *)params))
        return 0;
    if (k->pub == NULL && OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY)) {
        EVP_PKEY_up_ref(k->soft);
        k->pub = k->soft;
    }
    return 1;
}

const OSSL_PARAM *sxp_km_settable_params(void *provctx)
{
    static const OSSL_PARAM t[] = {
        OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0),
        OSSL_PARAM_END
    };
    (void)provctx;
    return t;
}

const OSSL_PARAM *sxp_km_gettable_params(void *provctx, se05x_kind kind)
{
    SXP_PROV *p = provctx;
    EVP_KEYMGMT *km = EVP_KEYMGMT_fetch(p->libctx, sxp_type(kind), NULL);
    const OSSL_PARAM *t = km != NULL ? EVP_KEYMGMT_gettable_params(km) : NULL;
    EVP_KEYMGMT_free(km); /* the table is static data of the default provider */
    return t;
}

int sxp_km_import(void *keydata, int selection, const OSSL_PARAM params[], se05x_kind kind)
{
    SXP_KEY *k = keydata;
    SXP_PROV *p;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *pk = NULL;
    struct se05x_refkey ref;
    int ok = 0, want_priv;

    if (k == NULL || k->pub != NULL)
        return 0;
    p = k->prov;
    want_priv = (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY)
                && OSSL_PARAM_locate_const(params, kind == SE05X_KIND_EC ? OSSL_PKEY_PARAM_PRIV_KEY
                                                                          : OSSL_PKEY_PARAM_RSA_D)
                       != NULL;
    /* Cheap refusal first: of the foreign public keys only EC ones are taken
     * (see below); OpenSSL offers us every RSA verify/encrypt key when we
     * come first. */
    if (!want_priv && kind != SE05X_KIND_EC)
        return 0;
    ERR_set_mark();
    ctx = EVP_PKEY_CTX_new_from_name(p->libctx, sxp_type(kind), NULL);
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0
        || EVP_PKEY_fromdata(ctx, &pk, want_priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                             (OSSL_PARAM *)params) <= 0)
        goto out;
    if (want_priv) {
        /* Only a reference key (decoded by another provider) is welcome. */
        OSSL_PARAM *pubp = NULL;
        EVP_PKEY *pub = NULL;
        memset(&ref, 0, sizeof(ref));
        if (!se05x_refkey_from_pkey(pk, &ref) || ref.kind != kind)
            goto out;
        if (EVP_PKEY_todata(pk, EVP_PKEY_PUBLIC_KEY, &pubp) > 0) {
            EVP_PKEY_CTX *c2 = EVP_PKEY_CTX_new_from_name(p->libctx, sxp_type(kind), NULL);
            if (c2 != NULL && EVP_PKEY_fromdata_init(c2) > 0)
                (void)EVP_PKEY_fromdata(c2, &pub, EVP_PKEY_PUBLIC_KEY, pubp);
            EVP_PKEY_CTX_free(c2);
            OSSL_PARAM_free(pubp);
        }
        if (pub == NULL)
            goto out;
        k->chip = 1;
        k->id = ref.id;
        k->curve = ref.curve;
        k->public_only = ref.public_only;
        k->pub = pub;
        ok = 1;
        goto out;
    }
    /* A foreign EC public key. It may be the peer of our ECDH (OpenSSL
     * imports the peer into the keymgmt of the exchange's provider), or
     * OpenSSL offering us somebody else's public key for a generic ECDSA
     * verification when we come first. Nothing documented tells the two
     * apart (the import sees the same selection and parameters), so both are
     * taken: a public key holds nothing to protect, and everything we do with
     * it is software in our private libctx (the default provider's code).
     * RSA public keys are still refused (no RSA operation needs a peer), so
     * RSA verification and encryption stay with the key's own provider.
     * docs/provider.md "Documented OpenSSL behaviour only". */
    if (kind != SE05X_KIND_EC)
        goto out;
    {
        SXP_KEY *tmp = sxp_key_from_public(p, kind, pk);
        if (tmp == NULL)
            goto out;
        k->chip = 0;
        k->public_only = 1;
        k->curve = tmp->curve;
        k->pub = pk;
        tmp->pub = NULL;
        pk = NULL;
        sxp_key_free(tmp);
        ok = 1;
    }
out:
    EVP_PKEY_free(pk);
    EVP_PKEY_CTX_free(ctx);
    ERR_pop_to_mark();
    return ok;
}

int sxp_km_export(void *keydata, int selection, OSSL_CALLBACK *cb, void *cbarg)
{
    SXP_KEY *k = keydata;
    OSSL_PARAM *q = NULL;
    int sel = 0, ok;
    if (k == NULL || sxp_key_info(k) == NULL)
        return 0;
    if (k->soft != NULL) { /* software key: nothing to protect */
        sel = (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) ? EVP_PKEY_KEYPAIR
              : (selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) ? EVP_PKEY_PUBLIC_KEY
                                                             : EVP_PKEY_KEY_PARAMETERS;
        if (EVP_PKEY_todata(k->soft, sel, &q) <= 0)
            return 0;
        ok = cb(q, cbarg);
        OSSL_PARAM_free(q);
        return ok;
    }
    if (k->pub == NULL)
        return 0;
    /* A chip key never leaves: refusing here is what keeps OpenSSL from
     * handing it to the default provider. Silent on purpose: OpenSSL treats
     * a failed export as "try the key's own provider", and an error left on
     * the queue would break applications that check it after success. */
    if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) && k->chip && !k->public_only)
        return 0;
    if (selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY)
        sel = EVP_PKEY_PUBLIC_KEY;
    else if (selection & OSSL_KEYMGMT_SELECT_ALL_PARAMETERS)
        sel = EVP_PKEY_KEY_PARAMETERS;
    else
        return 0;
    if (EVP_PKEY_todata(k->pub, sel, &q) <= 0)
        return 0;
    ok = cb(q, cbarg);
    OSSL_PARAM_free(q);
    return ok;
}

int sxp_km_match(const void *a, const void *b, int selection)
{
    const SXP_KEY *x = a, *y = b;
    (void)selection;
    if (x == NULL || y == NULL || sxp_key_info(x) == NULL || sxp_key_info(y) == NULL)
        return 0;
    if (x->pub == NULL || y->pub == NULL) /* parameters only */
        return EVP_PKEY_parameters_eq(sxp_key_info(x), sxp_key_info(y)) == 1;
    if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) && x->chip && y->chip
        && (x->id != y->id || strcmp(x->conn, y->conn) != 0))
        return 0;
    return EVP_PKEY_eq(x->pub, y->pub) == 1;
}

int sxp_km_validate(const void *keydata, int selection, int checktype)
{
    const SXP_KEY *k = keydata;
    (void)checktype;
    /* Never a pairwise check: the marker is not the private scalar. */
    return sxp_km_has(k, selection & ~OSSL_KEYMGMT_SELECT_PRIVATE_KEY)
           && (!(selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) || sxp_km_has(k, selection));
}

void *sxp_km_load(const void *reference, size_t reference_sz)
{
    SXP_KEY *k;
    if (reference == NULL || reference_sz != sizeof(k))
        return NULL;
    memcpy(&k, reference, sizeof(k));
    return sxp_key_ref(k);
}

void *sxp_km_dup(const void *keydata, int selection)
{
    (void)selection;
    /* Keys are immutable: sharing is a faithful copy. */
    return sxp_key_ref((SXP_KEY *)keydata);
}
