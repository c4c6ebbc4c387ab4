/* Unit test: ref-key detection on keys OpenSSL holds (engine/refdetect.c),
 * with ref keys made by the lib's writer and ordinary software keys. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "e4sss.h"
#include <openssl/core_names.h>

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
    assert_int_equal(e4sss_ec_ref_id(ref, &id), 1);
    assert_int_equal(id, 0x7F000001);
    /* an ordinary key is not a reference, and probing it leaves no error */
    assert_int_equal(e4sss_ec_ref_id(EVP_PKEY_get0_EC_KEY(soft), &id), 0);
    assert_int_equal(e4sss_ec_ref_id(NULL, &id), 0);
    assert_int_equal(ERR_peek_error(), 0);
    EC_KEY_free(ref);
    OPENSSL_free(der);
    EVP_PKEY_free(soft);
}

static void test_rsa(void **st)
{
    EVP_PKEY *soft = EVP_RSA_gen(2048);
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
    /* a key id with the top bit set (negative-DER pitfall, refkey.md 5.2) */
    assert_int_equal(se05x_refkey_rsa_der(0xF0000001, nb, (size_t)nl, eb, (size_t)el, &der,
                                          &derlen), SE05X_OK);
    p = der;
    ref = d2i_RSAPrivateKey(NULL, &p, (long)derlen);
    assert_non_null(ref);
    ERR_clear_error();
    assert_int_equal(e4sss_rsa_ref_id(ref, &id), 1);
    assert_int_equal(id, 0xF0000001);
    assert_int_equal(e4sss_rsa_ref_id(EVP_PKEY_get0_RSA(soft), &id), 0);
    pubonly = RSA_new();
    assert_int_equal(RSA_set0_key(pubonly, BN_dup(n), BN_dup(e), NULL), 1);
    assert_int_equal(e4sss_rsa_ref_id(pubonly, &id), 0);
    assert_int_equal(ERR_peek_error(), 0);
    RSA_free(pubonly);
    RSA_free(ref);
    OPENSSL_free(der);
    BN_free(n);
    BN_free(e);
    EVP_PKEY_free(soft);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ec),
        cmocka_unit_test(test_rsa),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
