/* Is this key a reference key? The engine sees EC_KEY / RSA objects, the
 * lib codec reads DER: encode the key (SEC1 / PKCS#1) and let
 * se05x_refkey_parse decide, so the detection rules exist only in lib/.
 * Any error libcrypto queues while probing is dropped: a key that cannot be
 * encoded is simply not a ref key, and a probe must leave no stale error. */
#include "e4sss.h"

static int parse_der(unsigned char *der, int len, se05x_kind want, se05x_objid *id)
{
    struct se05x_refkey ref;
    struct se05x_error err;
    int is_ref = 0;
    se05x_rc rc;

    if (len <= 0)
        return 0;
    rc = se05x_refkey_parse(der, (size_t)len, &ref, &is_ref, &err);
    OPENSSL_clear_free(der, (size_t)len);
    if (rc != SE05X_OK || !is_ref || ref.kind != want || ref.id == 0)
        return 0;
    *id = ref.id;
    return 1;
}

int e4sss_ec_ref_id(const EC_KEY *k, se05x_objid *id)
{
    unsigned char *der = NULL;
    int len, r;

    if (k == NULL || EC_KEY_get0_private_key(k) == NULL)
        return 0;
    ERR_set_mark();
    len = i2d_ECPrivateKey((EC_KEY *)k, &der);
    r = parse_der(der, len, SE05X_KIND_EC, id);
    ERR_pop_to_mark();
    return r;
}

int e4sss_rsa_ref_id(const RSA *rsa, se05x_objid *id)
{
    const BIGNUM *p = NULL, *q = NULL;
    unsigned char *der = NULL;
    int len, r;

    if (rsa == NULL)
        return 0;
    RSA_get0_factors(rsa, &p, &q);
    if (p == NULL || q == NULL) /* public-only or factor-less: cannot be a ref key */
        return 0;
    ERR_set_mark();
    len = i2d_RSAPrivateKey(rsa, &der);
    r = parse_der(der, len, SE05X_KIND_RSA, id);
    ERR_pop_to_mark();
    return r;
}
