/* SPDX-License-Identifier: Apache-2.0 */
/* Unit test: ref-key detection on keys OpenSSL holds (engine/refdetect.c),
 * with ref keys made by the lib's writer and ordinary software keys; and the
 * per-key cache: an answer is reused only while the key's values are the
 * ones it was given for (values changed in place, replaced, or a copy of the
 * key are examined again). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "e4sss.h"
#include <openssl/core_names.h>
#include "testkeys.h"

static void test_ec(void **st)
{
    EVP_PKEY *soft = EVP_EC_gen("P-256");
    unsigned char pub[65], *der = NULL;
    const unsigned char *p;
    size_t publen = 0, derlen = 0;
    EC_KEY *ref;
    se05x_objid id = 0;

    (void)st;
    assert_non_null(soft);
    assert_int_equal(EVP_PKEY_get_octet_string_param(soft, OSSL_PKEY_PARAM_PUB_KEY, pub,
                                                     sizeof(pub), &publen), 1);
    assert_int_equal(se05x_refkey_ec_der(0x7F000001, SE05X_EC_NIST_P256, pub, publen, 0,
                                         SE05X_REFKEY_SEC1, &der, &derlen), SE05X_OK);
    p = der;
    ref = d2i_ECPrivateKey(NULL, &p, (long)derlen);
    assert_non_null(ref);
    ERR_clear_error();
    assert_int_equal(e4sss_ec_ref_id(NULL, ref, &id), 1);
    assert_int_equal(id, 0x7F000001);
    /* an ordinary key is not a reference, and probing it leaves no error */
    assert_int_equal(e4sss_ec_ref_id(NULL, EVP_PKEY_get0_EC_KEY(soft), &id), 0);
    assert_int_equal(e4sss_ec_ref_id(NULL, NULL, &id), 0);
    assert_int_equal(ERR_peek_error(), 0);
    EC_KEY_free(ref);
    OPENSSL_free(der);
    EVP_PKEY_free(soft);
}

static void test_rsa(void **st)
{
    EVP_PKEY *soft = test_rsa_key(2048, 0);
    BIGNUM *n = NULL, *e = NULL;
    unsigned char nb[512], eb[8], *der = NULL;
    const unsigned char *p;
    size_t derlen = 0;
    int nl, el;
    RSA *ref, *pubonly;
    se05x_objid id = 0;

    (void)st;
    assert_non_null(soft);
    assert_int_equal(EVP_PKEY_get_bn_param(soft, OSSL_PKEY_PARAM_RSA_N, &n), 1);
    assert_int_equal(EVP_PKEY_get_bn_param(soft, OSSL_PKEY_PARAM_RSA_E, &e), 1);
    nl = BN_bn2bin(n, nb);
    el = BN_bn2bin(e, eb);
    /* a key id with the top bit set (negative-DER pitfall, docs/protocol/refkey.md 5.2) */
    assert_int_equal(se05x_refkey_rsa_der(0xF0000001, nb, (size_t)nl, eb, (size_t)el, &der,
                                          &derlen), SE05X_OK);
    p = der;
    ref = d2i_RSAPrivateKey(NULL, &p, (long)derlen);
    assert_non_null(ref);
    ERR_clear_error();
    assert_int_equal(e4sss_rsa_ref_id(NULL, ref, &id), 1);
    assert_int_equal(id, 0xF0000001);
    assert_int_equal(e4sss_rsa_ref_id(NULL, EVP_PKEY_get0_RSA(soft), &id), 0);
    pubonly = RSA_new();
    assert_int_equal(RSA_set0_key(pubonly, BN_dup(n), BN_dup(e), NULL), 1);
    assert_int_equal(e4sss_rsa_ref_id(NULL, pubonly, &id), 0);
    assert_int_equal(ERR_peek_error(), 0);
    RSA_free(pubonly);
    RSA_free(ref);
    OPENSSL_free(der);
    BN_free(n);
    BN_free(e);
    EVP_PKEY_free(soft);
}

/* A P-256 ref EC_KEY for id, made by the lib's writer from soft's public key. */
static EC_KEY *ec_ref_key(EVP_PKEY *soft, se05x_objid id)
{
    unsigned char pub[65], *der = NULL;
    const unsigned char *p;
    size_t publen = 0, derlen = 0;
    EC_KEY *ref;

    assert_int_equal(EVP_PKEY_get_octet_string_param(soft, OSSL_PKEY_PARAM_PUB_KEY, pub,
                                                     sizeof(pub), &publen), 1);
    assert_int_equal(se05x_refkey_ec_der(id, SE05X_EC_NIST_P256, pub, publen, 0,
                                         SE05X_REFKEY_SEC1, &der, &derlen), SE05X_OK);
    p = der;
    ref = d2i_ECPrivateKey(NULL, &p, (long)derlen);
    assert_non_null(ref);
    OPENSSL_free(der);
    return ref;
}

static void test_ec_cache(void **st)
{
    struct e4sss_ctx *c = e4sss_ctx_new(NULL);
    EVP_PKEY *soft = EVP_EC_gen("P-256");
    unsigned char marker[32], other[32];
    EC_KEY *ref, *copy, *sw;
    se05x_objid id = 0;

    (void)st;
    assert_non_null(c);
    assert_non_null(soft);
    assert_true(c->ec_idx >= 0);
    ref = ec_ref_key(soft, 0x7F000001);
    sw = EC_KEY_dup(EVP_PKEY_get0_EC_KEY(soft));
    assert_non_null(sw);
    assert_int_equal(EC_KEY_priv2oct(ref, marker, sizeof(marker)), 32);
    assert_int_equal(EC_KEY_priv2oct(sw, other, sizeof(other)), 32);
    ERR_clear_error();

    /* first answer is cached with the key; the second comes from the entry */
    assert_null(EC_KEY_get_ex_data(ref, c->ec_idx));
    assert_int_equal(e4sss_ec_ref_id(c, ref, &id), 1);
    assert_int_equal(id, 0x7F000001);
    assert_non_null(EC_KEY_get_ex_data(ref, c->ec_idx));
    id = 0;
    assert_int_equal(e4sss_ec_ref_id(c, ref, &id), 1);
    assert_int_equal(id, 0x7F000001);
    assert_int_equal(e4sss_ec_ref_id(c, sw, &id), 0);
    assert_non_null(EC_KEY_get_ex_data(sw, c->ec_idx));
    assert_int_equal(e4sss_ec_ref_id(c, sw, &id), 0);

    /* values rewritten in place (same object, same BIGNUM): examined again */
    assert_int_equal(EC_KEY_oct2priv(ref, other, sizeof(other)), 1);
    assert_int_equal(e4sss_ec_ref_id(c, ref, &id), 0);
    assert_int_equal(EC_KEY_oct2priv(sw, marker, sizeof(marker)), 1);
    id = 0;
    assert_int_equal(e4sss_ec_ref_id(c, sw, &id), 1);
    assert_int_equal(id, 0x7F000001);
    /* value replaced (new BIGNUM) */
    assert_int_equal(EC_KEY_oct2priv(ref, marker, sizeof(marker)), 1);
    assert_int_equal(e4sss_ec_ref_id(c, ref, &id), 1);
    {
        BIGNUM *d = BN_bin2bn(other, sizeof(other), NULL);
        assert_non_null(d);
        assert_int_equal(EC_KEY_set_private_key(ref, d), 1);
        BN_clear_free(d);
    }
    assert_int_equal(e4sss_ec_ref_id(c, ref, &id), 0);

    /* a copy starts without an entry (never shares its original's) */
    copy = EC_KEY_dup(sw);
    assert_non_null(copy);
    assert_null(EC_KEY_get_ex_data(copy, c->ec_idx));
    id = 0;
    assert_int_equal(e4sss_ec_ref_id(c, copy, &id), 1);
    assert_int_equal(id, 0x7F000001);
    assert_ptr_not_equal(EC_KEY_get_ex_data(copy, c->ec_idx), EC_KEY_get_ex_data(sw, c->ec_idx));
    /* EC_KEY_copy onto a key that has an entry, values written in place */
    assert_non_null(EC_KEY_copy(copy, ref));
    assert_int_equal(e4sss_ec_ref_id(c, copy, &id), 0);

    assert_int_equal(ERR_peek_error(), 0);
    EC_KEY_free(copy);
    EC_KEY_free(sw);
    EC_KEY_free(ref);
    EVP_PKEY_free(soft);
    e4sss_ctx_free(c);
}

static void test_rsa_cache(void **st)
{
    struct e4sss_ctx *c = e4sss_ctx_new(NULL);
    EVP_PKEY *soft = test_rsa_key(2048, 0);
    BIGNUM *n = NULL, *e = NULL;
    unsigned char nb[512], eb[8], *der = NULL;
    const unsigned char *p;
    const BIGNUM *q = NULL;
    size_t derlen = 0;
    RSA *ref, *sw;
    se05x_objid id = 0;

    (void)st;
    assert_non_null(c);
    assert_non_null(soft);
    assert_true(c->rsa_idx >= 0);
    assert_int_equal(EVP_PKEY_get_bn_param(soft, OSSL_PKEY_PARAM_RSA_N, &n), 1);
    assert_int_equal(EVP_PKEY_get_bn_param(soft, OSSL_PKEY_PARAM_RSA_E, &e), 1);
    assert_int_equal(se05x_refkey_rsa_der(0x7F000002, nb, (size_t)BN_bn2bin(n, nb), eb,
                                          (size_t)BN_bn2bin(e, eb), &der, &derlen), SE05X_OK);
    p = der;
    ref = d2i_RSAPrivateKey(NULL, &p, (long)derlen);
    assert_non_null(ref);
    sw = RSAPrivateKey_dup(EVP_PKEY_get0_RSA(soft));
    assert_non_null(sw);
    ERR_clear_error();

    assert_int_equal(e4sss_rsa_ref_id(c, ref, &id), 1);
    assert_int_equal(id, 0x7F000002);
    assert_non_null(RSA_get_ex_data(ref, c->rsa_idx));
    assert_int_equal(e4sss_rsa_ref_id(c, ref, &id), 1);
    assert_int_equal(e4sss_rsa_ref_id(c, sw, &id), 0);
    assert_non_null(RSA_get_ex_data(sw, c->rsa_idx));
    assert_int_equal(e4sss_rsa_ref_id(c, sw, &id), 0);

    /* the id (q) rewritten in place: the new id, not the cached one */
    RSA_get0_factors(ref, NULL, &q);
    assert_int_equal(BN_set_word((BIGNUM *)q, 0x7F000003), 1);
    assert_int_equal(e4sss_rsa_ref_id(c, ref, &id), 1);
    assert_int_equal(id, 0x7F000003);
    /* factors replaced by a software key's */
    {
        const BIGNUM *sp, *sq;
        RSA_get0_factors(sw, &sp, &sq);
        assert_int_equal(RSA_set0_factors(ref, BN_dup(sp), BN_dup(sq)), 1);
    }
    assert_int_equal(e4sss_rsa_ref_id(c, ref, &id), 0);

    assert_int_equal(ERR_peek_error(), 0);
    RSA_free(sw);
    RSA_free(ref);
    OPENSSL_free(der);
    BN_free(n);
    BN_free(e);
    EVP_PKEY_free(soft);
    e4sss_ctx_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ec),
        cmocka_unit_test(test_rsa),
        cmocka_unit_test(test_ec_cache),
        cmocka_unit_test(test_rsa_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
