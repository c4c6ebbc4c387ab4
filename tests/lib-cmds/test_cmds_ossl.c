/* SPDX-License-Identifier: Apache-2.0 */
/* OpenSSL glue of the command layer with real cryptographic outcomes: RSA
 * digest signatures made through the scripted link (the mock performs the
 * raw RSA operation like the chip) verify with the public key; imported keys
 * carry the right bytes; public keys read back equal the originals; key
 * files load or fail with the right message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "mock.h"
#include "testkeys.h"

static EVP_PKEY *rsa_key; /* 2048 bits, generated once */

static int group_setup(void **state)
{
    (void)state;
    rsa_key = test_rsa_key(2048, 0);
    return rsa_key ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(rsa_key);
    return 0;
}

/* "Chip" for RSADecrypt NO_PAD: raw private-key operation on TAG 43. */
static size_t rsa_raw_chip(const uint8_t *c, size_t clen, uint8_t *r, size_t rcap, void *arg)
{
    EVP_PKEY *k = arg;
    /* 80 03 02 38 00 HH LL | 41 04 id | 42 01 0C | 43 82 01 00 EM | 00 00 */
    assert_true(clen > 7 + 6 + 3 + 4 + 2);
    const uint8_t *d = c + 7;
    assert_int_equal(d[9], 0x43);
    assert_int_equal(d[10], 0x82);
    size_t n = (size_t)(d[11] << 8 | d[12]);
    assert_int_equal(clen, 7 + 13 + n + 2);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, NULL);
    size_t out = rcap - 6;
    assert_non_null(ctx);
    assert_int_equal(EVP_PKEY_decrypt_init(ctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING), 1);
    assert_int_equal(EVP_PKEY_decrypt(ctx, r + 4, &out, d + 13, n), 1);
    EVP_PKEY_CTX_free(ctx);
    r[0] = 0x41;
    r[1] = 0x82;
    r[2] = (uint8_t)(out >> 8);
    r[3] = (uint8_t)out;
    r[4 + out] = 0x90;
    r[5 + out] = 0x00;
    return out + 6;
}

/* The mock chip's key, given as the caller's public key: no ReadType/ReadObject. */
#define CK (&(struct se05x_check){.pub = rsa_key})

static void verify(const uint8_t *sig, size_t siglen, const uint8_t *dg, int pad, int saltlen, int expect)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(rsa_key, NULL);
    assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, pad), 1);
    assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()), 1);
    if (pad == RSA_PKCS1_PSS_PADDING)
        assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, saltlen), 1);
    assert_int_equal(EVP_PKEY_verify(ctx, sig, siglen, dg, 32), expect);
    EVP_PKEY_CTX_free(ctx);
}

static void t_rsa_sign_digest_pkcs1(void **state)
{
    se05x_session *s = *state;
    uint8_t dg[32], sig[512];
    size_t n = 0;
    memset(dg, 0x5C, sizeof dg);
    mock_expect_handler(&M, "80 03 02 38 00 01 0D 41 04 20 18 10 01 42 01 0C 43 82 01 00 00 01 FF FF",
                        rsa_raw_chip, rsa_key);
    expect_rc(s, se05x_rsa_sign_digest_ex(s, 0x20181001, 2048, SE05X_RSA_PAD_PKCS1, SE05X_MD_SHA256, 0,
                                       dg, 32, sig, sizeof sig, &n, CK), SE05X_OK);
    mock_assert_done(&M);
    assert_int_equal(n, 256);
    verify(sig, n, dg, RSA_PKCS1_PADDING, 0, 1);
    /* the DigestInfo travels right before the digest (SHA-256 prefix, RFC 8017 §9.2) */
    uint8_t di[19];
    test_hex("30 31 30 0d 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20", di, sizeof di);
    assert_memory_equal(M.last + 7 + 13 + 256 - 32 - 19, di, 19);
    dg[0] ^= 1;
    verify(sig, n, dg, RSA_PKCS1_PADDING, 0, 0);
}

static void t_rsa_sign_digest_pkcs1_digestinfo(void **state)
{
    se05x_session *s = *state;
    uint8_t dg[32], di[51], sig[512];
    size_t n = 0;
    memset(dg, 0x11, sizeof dg);
    test_hex("30 31 30 0d 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20", di, sizeof di);
    memcpy(di + 19, dg, 32);
    mock_expect_handler(&M, "80 03 02 38", rsa_raw_chip, rsa_key);
    expect_rc(s, se05x_rsa_sign_digest_ex(s, 0x20181001, 2048, SE05X_RSA_PAD_PKCS1, SE05X_MD_NONE, 0, di,
                                       51, sig, sizeof sig, &n, CK), SE05X_OK);
    mock_assert_done(&M);
    verify(sig, n, dg, RSA_PKCS1_PADDING, 0, 1);
}

static void t_rsa_sign_digest_pss(void **state)
{
    se05x_session *s = *state;
    uint8_t dg[32], sig[512];
    size_t n = 0;
    memset(dg, 0xA7, sizeof dg);
    mock_expect_handler(&M, "80 03 02 38 00 01 0D", rsa_raw_chip, rsa_key);
    expect_rc(s, se05x_rsa_sign_digest_ex(s, 0x20181001, 2048, SE05X_RSA_PAD_PSS, SE05X_MD_SHA256, -1, dg,
                                       32, sig, sizeof sig, &n, CK), SE05X_OK);
    verify(sig, n, dg, RSA_PKCS1_PSS_PADDING, 32, 1);
    mock_expect_handler(&M, "80 03 02 38 00 01 0D", rsa_raw_chip, rsa_key);
    expect_rc(s, se05x_rsa_sign_digest_ex(s, 0x20181001, 2048, SE05X_RSA_PAD_PSS, SE05X_MD_SHA256, -2, dg,
                                       32, sig, sizeof sig, &n, CK), SE05X_OK);
    verify(sig, n, dg, RSA_PKCS1_PSS_PADDING, RSA_PSS_SALTLEN_AUTO, 1);
    mock_assert_done(&M);
    /* bad arguments: refused before any APDU */
    expect_rc(s, se05x_rsa_sign_digest(s, 1, 2048, SE05X_RSA_PAD_PSS, SE05X_MD_SHA256, -7, dg, 32, sig,
                                       sizeof sig, &n), SE05X_E_BAD_ARG);
    expect_rc(s, se05x_rsa_sign_digest(s, 1, 2048, SE05X_RSA_PAD_PKCS1, SE05X_MD_SHA256, 0, dg, 20, sig,
                                       sizeof sig, &n), SE05X_E_BAD_ARG);
    expect_rc(s, se05x_rsa_sign_digest(s, 1, 2048, SE05X_RSA_PAD_PKCS1, SE05X_MD_SHA256, 0, dg, 32, sig,
                                       100, &n), SE05X_E_BAD_ARG);
    mock_assert_done(&M);
}

/* ---- import / read back ---- */

static size_t ec_pub(EVP_PKEY *k, uint8_t *pt)
{
    size_t n = 0;
    assert_int_equal(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, 200, &n), 1);
    return n;
}

static void t_import_ec(void **state)
{
    se05x_session *s = *state;
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    uint8_t pt[200], d[32], c[200];
    BIGNUM *bd = NULL;
    size_t pn = ec_pub(k, pt);
    assert_int_equal(pn, 65);
    assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &bd), 1);
    BN_bn2binpad(bd, d, 32);
    BN_free(bd);
    size_t cl = test_hex("80 01 61 00 6E 41 04 7F 00 00 07 42 01 03 43 20", c, sizeof c);
    memcpy(c + cl, d, 32);
    cl += 32;
    c[cl++] = 0x44;
    c[cl++] = 0x41;
    memcpy(c + cl, pt, 65);
    cl += 65;
    const uint8_t ok[] = {0x90, 0};
    se05x_curve_cache_set(s, SE05X_EC_NIST_P256, true);
    mock_expect_bin(&M, c, cl, ok, 2);
    expect_rc(s, se05x_import_pkey(s, 0x7F000007, k, 0, NULL), SE05X_OK);
    /* public only */
    cl = test_hex("80 01 21 00 4C 41 04 7F 00 00 07 42 01 03 44 41", c, sizeof c);
    memcpy(c + cl, pt, 65);
    mock_expect_bin(&M, c, cl + 65, ok, 2);
    expect_rc(s, se05x_import_pkey(s, 0x7F000007, k, 1, NULL), SE05X_OK);
    mock_assert_done(&M);

    /* read it back: ReadType, GetECCurveId, ReadObject */
    mock_expect(&M, "80 02 00 26 06 41 04 7F 00 00 07", "41 01 01 42 01 01 90 00");
    mock_expect(&M, "80 02 0B 36 06 41 04 7F 00 00 07", "41 01 03 90 00");
    uint8_t r[200];
    size_t rl = mock_answer41(r, sizeof r, pt, 65);
    mock_expect_bin(&M, (const uint8_t *)"\x80\x02\x00\x00\x00\x00\x06\x41\x04\x7F\x00\x00\x07\x00\x00", 15, r, rl);
    EVP_PKEY *pub = NULL;
    expect_rc(s, se05x_read_pubkey(s, 0x7F000007, &pub), SE05X_OK);
    mock_assert_done(&M);
    assert_int_equal(EVP_PKEY_eq(pub, k), 1);
    EVP_PKEY_free(pub);

    /* a point that is not on the curve is a protocol error (the session
     * remembers the object's type and curve: ReadObject only) */
    r[4 + 64] ^= 0x01;
    mock_expect_bin(&M, (const uint8_t *)"\x80\x02\x00\x00\x00\x00\x06\x41\x04\x7F\x00\x00\x07\x00\x00", 15, r, rl);
    expect_rc(s, se05x_read_pubkey(s, 0x7F000007, &pub), SE05X_E_PROTOCOL);
    assert_null(pub);
    mock_assert_done(&M);
    EVP_PKEY_free(k);
}

static size_t ok_chip(const uint8_t *c, size_t clen, uint8_t *r, size_t rcap, void *arg)
{
    (void)c;
    (void)clen;
    (void)rcap;
    (void)arg;
    r[0] = 0x90;
    r[1] = 0;
    return 2;
}

static void t_import_rsa_and_read(void **state)
{
    se05x_session *s = *state;
    mock_expect(&M, "80 04 00 27 06 41 04 20 18 10 01", "41 01 02 90 00");
    mock_expect_handler(&M, "80 01 62 00 8D 41 04 20 18 10 01 42 02 08 00 43 81 80", ok_chip, NULL);
    for (int i = 0; i < 4; i++)
        mock_expect_handler(&M, "80 01 02 00", ok_chip, NULL);
    mock_expect(&M, "80 01 02 00 0C 41 04 20 18 10 01 48 04 00 01 00 01", "90 00");
    mock_expect_handler(&M, "80 01 02 00 00 01 0A 41 04 20 18 10 01 4A 82 01 00", ok_chip, NULL);
    expect_rc(s, se05x_import_pkey(s, 0x20181001, rsa_key, 0, NULL), SE05X_OK);
    mock_assert_done(&M);
    /* the last APDU carried the modulus */
    BIGNUM *n = NULL;
    uint8_t nb[256];
    assert_int_equal(EVP_PKEY_get_bn_param(rsa_key, OSSL_PKEY_PARAM_RSA_N, &n), 1);
    BN_bn2binpad(n, nb, 256);
    BN_free(n);
    assert_int_equal(M.last_len, 7 + 10 + 256);
    assert_memory_equal(M.last + 17, nb, 256);

    /* read back: ReadType 05, modulus, exponent */
    uint8_t r[300];
    size_t rl = mock_answer41(r, sizeof r, nb, 256);
    mock_expect(&M, "80 02 00 26 06 41 04 20 18 10 01", "41 01 05 42 01 01 90 00");
    mock_expect_bin(&M, (const uint8_t *)"\x80\x02\x00\x00\x00\x00\x09\x41\x04\x20\x18\x10\x01\x44\x01\x00\x00\x00", 18, r, rl);
    mock_expect(&M, "80 02 00 00 00 00 09 41 04 20 18 10 01 44 01 01 00 00", "41 03 01 00 01 90 00");
    EVP_PKEY *pub = NULL;
    expect_rc(s, se05x_read_pubkey(s, 0x20181001, &pub), SE05X_OK);
    mock_assert_done(&M);
    assert_int_equal(EVP_PKEY_eq(pub, rsa_key), 1);
    EVP_PKEY_free(pub);
}

static void t_read_pubkey_wrong_type(void **state)
{
    se05x_session *s = *state;
    EVP_PKEY *pub = NULL;
    mock_expect(&M, "80 02 00 26 06 41 04 7F 00 00 01", "41 01 0B 42 01 01 90 00");
    expect_rc(s, se05x_read_pubkey(s, 0x7F000001, &pub), SE05X_E_WRONG_TYPE);
    mock_expect(&M, "80 02 00 26 06 41 04 7F 00 00 02", "41 01 02 42 01 01 90 00");
    expect_rc(s, se05x_read_pubkey(s, 0x7F000002, &pub), SE05X_E_WRONG_TYPE);
    mock_assert_done(&M);
}

static void t_import_refkey_refused(void **state)
{
    se05x_session *s = *state;
    uint8_t pt[65], *der = NULL;
    size_t dl = 0;
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    ec_pub(k, pt);
    assert_int_equal(se05x_refkey_ec_der(0x7F000001, SE05X_EC_NIST_P256, pt, 65, 0, SE05X_REFKEY_PKCS8,
                                         &der, &dl), SE05X_OK);
    const unsigned char *p = der;
    EVP_PKEY *ref = d2i_AutoPrivateKey(NULL, &p, (long)dl);
    assert_non_null(ref);
    expect_rc(s, se05x_import_pkey(s, 0x7F000002, ref, 0, NULL), SE05X_E_BAD_ARG);
    mock_assert_done(&M);
    EVP_PKEY_free(ref);
    EVP_PKEY_free(k);
    OPENSSL_free(der);
}

/* ---- key files ---- */

static char tmpdir[64];

static const char *tmpfile_with(const char *name, const void *data, size_t n)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
    return path;
}

static const char *pem_of(EVP_PKEY *k, const char *name, int pub, const EVP_CIPHER *enc)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    if (pub)
        assert_int_equal(PEM_write_PUBKEY(f, k), 1);
    else
        assert_int_equal(PEM_write_PrivateKey(f, k, enc, (unsigned char *)"secret", enc ? 6 : 0, NULL, NULL), 1);
    fclose(f);
    return path;
}

static void t_load_key_file(void **state)
{
    (void)state;
    struct se05x_error e;
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"), *out = NULL;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/se05x-cmds.XXXXXX");
    assert_non_null(mkdtemp(tmpdir));

    assert_int_equal(se05x_load_key_file(pem_of(k, "a.pem", 0, NULL), &out, &e), SE05X_OK);
    assert_int_equal(EVP_PKEY_eq(out, k), 1);
    EVP_PKEY_free(out);
    assert_int_equal(se05x_load_key_file(pem_of(k, "pub.pem", 1, NULL), &out, &e), SE05X_OK);
    assert_int_equal(EVP_PKEY_eq(out, k), 1);
    EVP_PKEY_free(out);
    unsigned char *der = NULL;
    int dl = i2d_PrivateKey(k, &der);
    assert_true(dl > 0);
    assert_int_equal(se05x_load_key_file(tmpfile_with("a.der", der, (size_t)dl), &out, &e), SE05X_OK);
    assert_int_equal(EVP_PKEY_eq(out, k), 1);
    EVP_PKEY_free(out);
    OPENSSL_free(der);
    /* RSA PKCS#1 PEM (BEGIN RSA PRIVATE KEY) */
    OSSL_ENCODER_CTX *ec = OSSL_ENCODER_CTX_new_for_pkey(rsa_key, EVP_PKEY_KEYPAIR, "PEM", "type-specific", NULL);
    unsigned char *pem = NULL;
    size_t pl = 0;
    assert_int_equal(OSSL_ENCODER_to_data(ec, &pem, &pl), 1);
    OSSL_ENCODER_CTX_free(ec);
    assert_non_null(strstr((char *)pem, "BEGIN RSA PRIVATE KEY"));
    assert_int_equal(se05x_load_key_file(tmpfile_with("rsa.pem", pem, pl), &out, &e), SE05X_OK);
    assert_int_equal(EVP_PKEY_eq(out, rsa_key), 1);
    EVP_PKEY_free(out);
    OPENSSL_free(pem);
    /* openssl ecparam -genkey layout: EC PARAMETERS block, then EC PRIVATE KEY */
    {
        unsigned char *a = NULL, *b2 = NULL, both[4096];
        size_t al = 0, bl = 0;
        OSSL_ENCODER_CTX *e1 = OSSL_ENCODER_CTX_new_for_pkey(k, EVP_PKEY_KEY_PARAMETERS, "PEM", "type-specific", NULL);
        OSSL_ENCODER_CTX *e2 = OSSL_ENCODER_CTX_new_for_pkey(k, EVP_PKEY_KEYPAIR, "PEM", "type-specific", NULL);
        assert_int_equal(OSSL_ENCODER_to_data(e1, &a, &al), 1);
        assert_int_equal(OSSL_ENCODER_to_data(e2, &b2, &bl), 1);
        assert_non_null(strstr((char *)a, "BEGIN EC PARAMETERS"));
        assert_true(al + bl < sizeof both);
        memcpy(both, a, al);
        memcpy(both + al, b2, bl);
        assert_int_equal(se05x_load_key_file(tmpfile_with("ecparam.pem", both, al + bl), &out, &e), SE05X_OK);
        assert_int_equal(EVP_PKEY_eq(out, k), 1);
        EVP_PKEY_free(out);
        OSSL_ENCODER_CTX_free(e1);
        OSSL_ENCODER_CTX_free(e2);
        OPENSSL_free(a);
        OPENSSL_free(b2);
    }
    /* a key type the chip does not hold */
    {
        EVP_PKEY *dk = NULL;
        OSSL_PARAM gp[] = {OSSL_PARAM_construct_utf8_string("group", (char *)"ffdhe2048", 0), OSSL_PARAM_construct_end()};
        EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
        assert_int_equal(EVP_PKEY_keygen_init(pc), 1);
        assert_int_equal(EVP_PKEY_CTX_set_params(pc, gp), 1);
        assert_int_equal(EVP_PKEY_generate(pc, &dk), 1);
        EVP_PKEY_CTX_free(pc);
        assert_int_equal(se05x_load_key_file(pem_of(dk, "dh.pem", 0, NULL), &out, &e), SE05X_E_FORMAT);
        assert_non_null(strstr(e.msg, "unsupported key type"));
        EVP_PKEY_free(dk);
    }
    /* an empty file is not a key */
    assert_int_equal(se05x_load_key_file(tmpfile_with("empty.pem", "", 0), &out, &e), SE05X_E_FORMAT);
    assert_non_null(strstr(e.msg, "not a PEM or DER key"));

    out = (EVP_PKEY *)1;
    assert_int_equal(se05x_load_key_file(pem_of(k, "enc.pem", 0, EVP_aes_128_cbc()), &out, &e), SE05X_E_FORMAT);
    assert_non_null(strstr(e.msg, "key file is encrypted"));
    assert_null(out);
    /* encrypted PKCS#8 DER */
    BIO *b = BIO_new(BIO_s_mem());
    assert_int_equal(i2d_PKCS8PrivateKey_bio(b, k, EVP_aes_128_cbc(), "pw", 2, NULL, NULL), 1);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    assert_int_equal(se05x_load_key_file(tmpfile_with("enc.der", p, (size_t)n), &out, &e), SE05X_E_FORMAT);
    assert_non_null(strstr(e.msg, "key file is encrypted"));
    BIO_free(b);

    const char garbage[] = "hello, this is not a key\n";
    assert_int_equal(se05x_load_key_file(tmpfile_with("g.pem", garbage, sizeof garbage - 1), &out, &e),
                     SE05X_E_FORMAT);
    assert_non_null(strstr(e.msg, "not a PEM or DER key"));
    const char trunc[] = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgEAAAAAAA\n";
    assert_int_equal(se05x_load_key_file(tmpfile_with("t.pem", trunc, sizeof trunc - 1), &out, &e),
                     SE05X_E_FORMAT);
    assert_int_equal(se05x_load_key_file("/nonexistent/key.pem", &out, &e), SE05X_E_IO);
    EVP_PKEY_free(k);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) MOCK_TEST(f)
        T(t_rsa_sign_digest_pkcs1), T(t_rsa_sign_digest_pkcs1_digestinfo), T(t_rsa_sign_digest_pss),
        T(t_import_ec), T(t_import_rsa_and_read), T(t_read_pubkey_wrong_type),
        T(t_import_refkey_refused), T(t_load_key_file),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
