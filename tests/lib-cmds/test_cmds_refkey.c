/* SPDX-License-Identifier: Apache-2.0 */
/* Reference-key codec (docs/protocol/refkey.md): the example of §6, writer
 * byte-exactness, round trips for EC and RSA, negative DER integers,
 * ordinary keys, malformed input, and building a ref key from the chip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>

#include "mock.h"
#include "testkeys.h"

static const char EXAMPLE[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgEAAAAAAAAAAAAAAA\n"
    "AAAAAAAAfwAAAaWmtbalprW2EAChRANCAASLx76gj5OlhuqugoKHssp9Ocpo1FSO\n"
    "fZsc1RHT5oPFf1YZnrcAMtBgAddiotiJJZLdBqpxKrh4XyZeLY17gzpP\n"
    "-----END PRIVATE KEY-----\n";

#define EX_PUB "04 8B C7 BE A0 8F 93 A5 86 EA AE 82 82 87 B2 CA 7D 39 CA 68 D4 54 8E 7D 9B 1C D5 11 D3 E6 83 C5 7F" \
               "56 19 9E B7 00 32 D0 60 01 D7 62 A2 D8 89 25 92 DD 06 AA 71 2A B8 78 5F 26 5E 2D 8D 7B 83 3A 4F"

static void t_example_reads(void **state)
{
    (void)state;
    struct se05x_refkey ref;
    struct se05x_error e;
    int is_ref = 0;
    assert_int_equal(se05x_refkey_parse((const uint8_t *)EXAMPLE, strlen(EXAMPLE), &ref, &is_ref, &e), SE05X_OK);
    assert_int_equal(is_ref, 1);
    assert_int_equal(ref.kind, SE05X_KIND_EC);
    assert_int_equal(ref.id, 0x7F000001);
    assert_int_equal(ref.curve, SE05X_EC_NIST_P256);
    assert_int_equal(ref.public_only, 0);
}

static void t_example_writes(void **state)
{
    (void)state;
    uint8_t pub[65], *der = NULL;
    size_t dl = 0, pl = 0;
    char *pem = NULL;
    test_hex(EX_PUB, pub, sizeof pub);
    assert_int_equal(se05x_refkey_ec_der(0x7F000001, SE05X_EC_NIST_P256, pub, 65, 0, SE05X_REFKEY_PKCS8,
                                         &der, &dl), SE05X_OK);
    assert_int_equal(dl, 138);
    assert_int_equal(se05x_refkey_pem(der, dl, SE05X_REFKEY_PKCS8, &pem, &pl), SE05X_OK);
    assert_string_equal(pem, EXAMPLE);
    assert_int_equal(pl, strlen(EXAMPLE));
    free(pem);
    OPENSSL_free(der);
}

static void t_from_chip(void **state)
{
    (void)state;
    struct mock m;
    se05x_session *s = mock_session(&m);
    char *pem = NULL;
    size_t pl = 0;
    mock_expect(&m, "80 02 00 26 06 41 04 7F 00 00 01", "41 01 01 42 01 01 90 00");
    mock_expect(&m, "80 02 0B 36 06 41 04 7F 00 00 01", "41 01 03 90 00");
    mock_expect(&m, "80 02 00 00 00 00 06 41 04 7F 00 00 01 00 00", "41 82 00 41 " EX_PUB " 90 00");
    assert_int_equal(se05x_refkey_from_chip(s, 0x7F000001, SE05X_REFKEY_PKCS8, &pem, &pl), SE05X_OK);
    mock_assert_done(&m);
    assert_string_equal(pem, EXAMPLE);
    free(pem);
    /* SEC1 form (ssscli) of a public-only object: class byte 20; another object: the session remembers what 0x7F000001 is */
    mock_expect(&m, "80 02 00 26 06 41 04 7F 00 00 02", "41 01 03 42 01 01 90 00");
    mock_expect(&m, "80 02 0B 36 06 41 04 7F 00 00 02", "41 01 03 90 00");
    mock_expect(&m, "80 02 00 00 00 00 06 41 04 7F 00 00 02 00 00", "41 82 00 41 " EX_PUB " 90 00");
    assert_int_equal(se05x_refkey_from_chip(s, 0x7F000002, SE05X_REFKEY_SEC1, &pem, &pl), SE05X_OK);
    assert_non_null(strstr(pem, "BEGIN EC PRIVATE KEY"));
    struct se05x_refkey ref;
    int is_ref = 0;
    assert_int_equal(se05x_refkey_parse((uint8_t *)pem, pl, &ref, &is_ref, NULL), SE05X_OK);
    assert_int_equal(is_ref, 1);
    assert_int_equal(ref.public_only, 1);
    free(pem);
    /* a binary file is not a key */
    mock_expect(&m, "80 02 00 26 06 41 04 7F 00 00 03", "41 01 0B 42 01 01 90 00");
    assert_int_equal(se05x_refkey_from_chip(s, 0x7F000003, SE05X_REFKEY_PKCS8, &pem, &pl), SE05X_E_WRONG_TYPE);
    assert_null(pem);
    mock_assert_done(&m);
    se05x_close(s);
}

static void roundtrip_ec(const char *group, se05x_curve c, se05x_objid id)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);
    uint8_t pt[200];
    size_t pn = 0;
    assert_non_null(k);
    assert_int_equal(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof pt, &pn), 1);
    for (int pub_only = 0; pub_only < 2; pub_only++) {
        for (int form = SE05X_REFKEY_PKCS8; form <= SE05X_REFKEY_SEC1; form++) {
            uint8_t *der = NULL;
            size_t dl = 0, pl = 0;
            char *pem = NULL;
            assert_int_equal(se05x_refkey_ec_der(id, c, pt, pn, pub_only, form, &der, &dl), SE05X_OK);
            struct se05x_refkey ref;
            int is_ref = 0;
            /* DER and PEM both parse */
            assert_int_equal(se05x_refkey_parse(der, dl, &ref, &is_ref, NULL), SE05X_OK);
            assert_int_equal(is_ref, 1);
            assert_int_equal(se05x_refkey_pem(der, dl, form, &pem, &pl), SE05X_OK);
            memset(&ref, 0, sizeof ref);
            assert_int_equal(se05x_refkey_parse((uint8_t *)pem, pl, &ref, &is_ref, NULL), SE05X_OK);
            assert_int_equal(is_ref, 1);
            assert_int_equal(ref.id, id);
            assert_int_equal(ref.curve, c);
            assert_int_equal(ref.kind, SE05X_KIND_EC);
            assert_int_equal(ref.public_only, pub_only);
            /* the public key in the file is the real one */
            const unsigned char *p = der;
            EVP_PKEY *back = d2i_AutoPrivateKey(NULL, &p, (long)dl);
            assert_non_null(back);
            assert_int_equal(EVP_PKEY_eq(back, k), 1);
            assert_int_equal(se05x_refkey_from_pkey(back, &ref), 1);
            assert_int_equal(ref.id, id);
            EVP_PKEY_free(back);
            free(pem);
            OPENSSL_free(der);
        }
    }
    /* the ordinary key is not a ref key */
    struct se05x_refkey ref;
    assert_int_equal(se05x_refkey_from_pkey(k, &ref), 0);
    unsigned char *der = NULL;
    int dl = i2d_PrivateKey(k, &der);
    int is_ref = 1;
    assert_int_equal(se05x_refkey_parse(der, (size_t)dl, &ref, &is_ref, NULL), SE05X_OK);
    assert_int_equal(is_ref, 0);
    OPENSSL_free(der);
    EVP_PKEY_free(k);
}

static void t_roundtrip_ec(void **state)
{
    (void)state;
    roundtrip_ec("P-256", SE05X_EC_NIST_P256, 0x7F000001);
    roundtrip_ec("P-384", SE05X_EC_NIST_P384, 0xEF000001);
    roundtrip_ec("P-521", SE05X_EC_NIST_P521, 0xF0000100);
    roundtrip_ec("secp256k1", SE05X_EC_SECP256K1, 0x20181001);
}

static void t_roundtrip_ed25519(void **state)
{
    (void)state;
    uint8_t pub[32] = {0}, *der = NULL;
    size_t dl = 0;
    assert_int_equal(se05x_refkey_ec_der(0x7F000009, SE05X_EC_ED25519, pub, 32, 0, SE05X_REFKEY_PKCS8, &der, &dl), SE05X_OK);
    struct se05x_refkey ref;
    int is_ref = 0;
    assert_int_equal(se05x_refkey_parse(der, dl, &ref, &is_ref, NULL), SE05X_OK);
    assert_int_equal(is_ref, 1);
    assert_int_equal(ref.id, 0x7F000009);
    assert_int_equal(ref.curve, SE05X_EC_ED25519);
    OPENSSL_free(der);
}

static const uint8_t *find(const uint8_t *hay, size_t n, const char *hex, size_t *len)
{
    uint8_t needle[16];
    *len = test_hex(hex, needle, sizeof needle);
    for (size_t i = 0; i + *len <= n; i++)
        if (!memcmp(hay + i, needle, *len))
            return hay + i;
    return NULL;
}

static void t_roundtrip_rsa(void **state)
{
    (void)state;
    EVP_PKEY *k = test_rsa_key(2048, 0);
    BIGNUM *n = NULL, *e = NULL;
    uint8_t nb[256], eb[8];
    assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n), 1);
    assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e), 1);
    int nl = BN_bn2bin(n, nb), el = BN_bn2bin(e, eb);
    BN_free(n);
    BN_free(e);
    static const se05x_objid ids[] = {0x20181001, 0xF0000001, 0x00000005};
    for (size_t i = 0; i < 3; i++) {
        uint8_t *der = NULL;
        size_t dl = 0, pl = 0, fl;
        char *pem = NULL;
        assert_int_equal(se05x_refkey_rsa_der(ids[i], nb, (size_t)nl, eb, (size_t)el, &der, &dl), SE05X_OK);
        /* minimal positive DER for the marker fields (docs/protocol/refkey.md "Our writer" 2) */
        assert_non_null(find(der, dl, "02 05 00 A5 A6 B5 B6", &fl));
        assert_non_null(find(der, dl, "02 01 01", &fl));
        if (ids[i] == 0xF0000001)
            assert_non_null(find(der, dl, "02 05 00 F0 00 00 01", &fl));
        assert_int_equal(se05x_refkey_pem(der, dl, SE05X_REFKEY_PKCS1, &pem, &pl), SE05X_OK);
        assert_non_null(strstr(pem, "-----BEGIN RSA PRIVATE KEY-----"));
        struct se05x_refkey ref;
        int is_ref = 0;
        assert_int_equal(se05x_refkey_parse((uint8_t *)pem, pl, &ref, &is_ref, NULL), SE05X_OK);
        assert_int_equal(is_ref, 1);
        assert_int_equal(ref.kind, SE05X_KIND_RSA);
        assert_int_equal(ref.id, ids[i]);
        /* public part is the real one */
        const unsigned char *p = der;
        EVP_PKEY *back = d2i_AutoPrivateKey(NULL, &p, (long)dl);
        assert_non_null(back);
        assert_int_equal(EVP_PKEY_eq(back, k), 1);
        EVP_PKEY_free(back);
        free(pem);
        OPENSSL_free(der);
    }
    /* ordinary RSA key */
    struct se05x_refkey ref;
    assert_int_equal(se05x_refkey_from_pkey(k, &ref), 0);
    EVP_PKEY_free(k);
}

/* ssscli writes q and qInv as raw 4-byte (negative) DER integers. */
static void t_rsa_negative_der(void **state)
{
    (void)state;
    EVP_PKEY *k = test_rsa_key(1024, 0);
    BIGNUM *n = NULL;
    uint8_t nb[128], eb[3] = {1, 0, 1}, *der = NULL;
    size_t dl = 0, fl;
    assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n), 1);
    BN_bn2binpad(n, nb, 128);
    BN_free(n);
    assert_int_equal(se05x_refkey_rsa_der(0xF0000001, nb, 128, eb, 3, &der, &dl), SE05X_OK);
    /* rewrite 02 05 00 F0 00 00 01 -> 02 04 F0 00 00 01, same for the magic;
     * the outer SEQUENCE (30 81 LL or 30 82 HH LL) shrinks by 2 */
    uint8_t raw[1024];
    size_t rl = 0;
    for (size_t i = 0; i < dl;) {
        if (i + 7 <= dl && der[i] == 0x02 && der[i + 1] == 0x05 && der[i + 2] == 0x00 &&
            (der[i + 3] & 0x80)) {
            raw[rl++] = 0x02;
            raw[rl++] = 0x04;
            memcpy(raw + rl, der + i + 3, 4);
            rl += 4;
            i += 7;
        } else {
            raw[rl++] = der[i++];
        }
    }
    assert_int_equal(rl, dl - 2);
    assert_int_equal(raw[0], 0x30);
    if (raw[1] == 0x81)
        raw[2] = (uint8_t)(raw[2] - 2);
    else {
        assert_int_equal(raw[1], 0x82);
        unsigned v = (unsigned)(raw[2] << 8 | raw[3]) - 2;
        raw[2] = (uint8_t)(v >> 8);
        raw[3] = (uint8_t)v;
    }
    assert_non_null(find(raw, rl, "02 04 F0 00 00 01", &fl));
    assert_non_null(find(raw, rl, "02 04 A5 A6 B5 B6", &fl));
    struct se05x_refkey ref;
    int is_ref = 0;
    assert_int_equal(se05x_refkey_parse(raw, rl, &ref, &is_ref, NULL), SE05X_OK);
    assert_int_equal(is_ref, 1);
    assert_int_equal(ref.id, 0xF0000001);
    OPENSSL_free(der);
    EVP_PKEY_free(k);
}

static void t_malformed(void **state)
{
    (void)state;
    struct se05x_refkey ref;
    struct se05x_error e;
    int is_ref;
    const char *bad[] = {
        "garbage",
        "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgEAAAAAAAAAAAAAAA\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgEAAAAAAAAAAAAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        is_ref = 7;
        assert_int_equal(se05x_refkey_parse((const uint8_t *)bad[i], strlen(bad[i]), &ref, &is_ref, &e),
                         SE05X_E_FORMAT);
        assert_int_equal(is_ref, 0);
        assert_true(strlen(e.msg) > 0);
    }
    assert_non_null(strstr(e.msg, "encrypted"));
    /* truncated DER of the example */
    BIO *b = BIO_new_mem_buf(EXAMPLE, -1);
    char *name = NULL, *hdr = NULL;
    unsigned char *der = NULL;
    long dl = 0;
    assert_int_equal(PEM_read_bio(b, &name, &hdr, &der, &dl), 1);
    assert_int_equal(se05x_refkey_parse(der, (size_t)dl - 10, &ref, &is_ref, &e), SE05X_E_FORMAT);
    assert_int_equal(se05x_refkey_parse(der, 0, &ref, &is_ref, &e), SE05X_E_FORMAT);
    /* only one magic word: not a ref key (our reader requires both) */
    der[58] ^= 0xFF;
    is_ref = 1;
    assert_int_equal(se05x_refkey_parse(der, (size_t)dl, &ref, &is_ref, &e), SE05X_OK);
    assert_int_equal(is_ref, 0);
    /* key id 0: not a ref key */
    der[58] ^= 0xFF;
    memset(der + 54, 0, 4);
    assert_int_equal(se05x_refkey_parse(der, (size_t)dl, &ref, &is_ref, &e), SE05X_OK);
    assert_int_equal(is_ref, 0);
    OPENSSL_free(name);
    OPENSSL_free(hdr);
    OPENSSL_free(der);
    BIO_free(b);
    /* writer argument checks */
    uint8_t pt[65] = {4}, *out = NULL;
    size_t ol;
    assert_int_equal(se05x_refkey_ec_der(0, SE05X_EC_NIST_P256, pt, 65, 0, SE05X_REFKEY_PKCS8, &out, &ol), SE05X_E_BAD_ARG);
    assert_int_equal(se05x_refkey_ec_der(1, SE05X_EC_NIST_P256, pt, 64, 0, SE05X_REFKEY_PKCS8, &out, &ol), SE05X_E_BAD_ARG);
    assert_int_equal(se05x_refkey_ec_der(1, SE05X_EC_NIST_P256, pt, 65, 0, SE05X_REFKEY_PKCS8, &out, &ol), SE05X_E_BAD_ARG); /* not on curve */
    assert_null(out);
}

/* ssscli --format PKCS12: password "nxp" */
static void t_pkcs12(void **state)
{
    (void)state;
    BIO *b = BIO_new_mem_buf(EXAMPLE, -1);
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    assert_non_null(k);
    const char *pws[] = {"nxp", "other"};
    for (int i = 0; i < 2; i++) {
        PKCS12 *p12 = PKCS12_create(pws[i], "ref", k, NULL, NULL, 0, 0, 0, 0, 0);
        assert_non_null(p12);
        unsigned char *der = NULL;
        int dl = i2d_PKCS12(p12, &der);
        assert_true(dl > 0);
        struct se05x_refkey ref;
        struct se05x_error e;
        int is_ref = 0;
        se05x_rc rc = se05x_refkey_parse(der, (size_t)dl, &ref, &is_ref, &e);
        if (i == 0) {
            assert_int_equal(rc, SE05X_OK);
            assert_int_equal(is_ref, 1);
            assert_int_equal(ref.id, 0x7F000001);
        } else {
            assert_int_equal(rc, SE05X_E_FORMAT);
            assert_non_null(strstr(e.msg, "password"));
        }
        OPENSSL_free(der);
        PKCS12_free(p12);
    }
    EVP_PKEY_free(k);
}

static void t_parse_file(void **state)
{
    (void)state;
    char path[] = "/tmp/se05x-refkey-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, EXAMPLE, strlen(EXAMPLE)), (ssize_t)strlen(EXAMPLE));
    close(fd);
    struct se05x_refkey ref;
    struct se05x_error e;
    int is_ref = 0;
    assert_int_equal(se05x_refkey_parse_file(path, &ref, &is_ref, &e), SE05X_OK);
    assert_int_equal(is_ref, 1);
    assert_int_equal(ref.id, 0x7F000001);
    unlink(path);
    assert_int_equal(se05x_refkey_parse_file(path, &ref, &is_ref, &e), SE05X_E_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_example_reads), cmocka_unit_test(t_example_writes),
        cmocka_unit_test(t_from_chip), cmocka_unit_test(t_roundtrip_ec),
        cmocka_unit_test(t_roundtrip_ed25519), cmocka_unit_test(t_roundtrip_rsa),
        cmocka_unit_test(t_rsa_negative_der), cmocka_unit_test(t_malformed),
        cmocka_unit_test(t_pkcs12), cmocka_unit_test(t_parse_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
