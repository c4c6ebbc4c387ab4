/* SPDX-License-Identifier: Apache-2.0 */
/* No answer taken on trust (docs/verify-after-sign.md): signatures, raw RSA
 * results and ECDH secrets from the (scripted) chip are checked on the host
 * before they leave the lib. The mock chip signs with real keys; a bit
 * flipped in its answer, or a reference key whose public part is not the
 * chip's key, must fail with the documented message and never hand out the
 * answer. Also: the public key is read once per session and cached (one
 * APDU per signature afterwards), and dropped when the object is deleted. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "mock.h"
#include "testkeys.h"

#define ID 0x7F000001u
#define ID_RSA 0x20181001u
#define MSG_BAD "signature from the chip failed verification: bad answer from chip or link"
#define MSG_STALE "reference key file does not match the key in 0x7F000001: regenerated?"

static EVP_PKEY *ec_a, *ec_b, *rsa_key;

static int group_setup(void **state)
{
    (void)state;
    ec_a = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    ec_b = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    rsa_key = test_rsa_key(2048, 0);
    return ec_a && ec_b && rsa_key ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(ec_a);
    EVP_PKEY_free(ec_b);
    EVP_PKEY_free(rsa_key);
    return 0;
}

/* The session remembers what an object is (ReadType answer): only its first
 * public-key read of an object asks; a deletion through it forgets. */
static bool g_type_known_ec, g_type_known_rsa;

static int setup(void **state)
{
    g_type_known_ec = g_type_known_rsa = false;
    return mock_setup(state);
}

static void expect_msg(se05x_session *s, const char *part)
{
    if (!strstr(se05x_errmsg(s), part))
        fail_msg("last error \"%s\" does not say \"%s\"", se05x_errmsg(s), part);
}

/* ---- a tiny chip ---- */

struct chip {
    EVP_PKEY *k;
    int flip; /* flip one bit of the answer's value (last byte) */
};

static size_t tlv_answer(uint8_t *r, size_t rcap, const uint8_t *v, size_t n, int flip)
{
    size_t h = n < 0x80 ? 2 : 4;
    assert_true(h + n + 2 <= rcap);
    r[0] = 0x41;
    if (h == 2) {
        r[1] = (uint8_t)n;
    } else {
        r[1] = 0x82;
        r[2] = (uint8_t)(n >> 8);
        r[3] = (uint8_t)n;
    }
    memcpy(r + h, v, n);
    if (flip)
        r[h + n - 1] ^= 0x01;
    r[h + n] = 0x90;
    r[h + n + 1] = 0x00;
    return h + n + 2;
}

/* ECDSASign: 80 03 0C 09 Lc | 41 04 id | 42 01 algo | 43 L digest */
static size_t ec_sign_chip(const uint8_t *c, size_t clen, uint8_t *r, size_t rcap, void *arg)
{
    struct chip *ch = arg;
    const uint8_t *d = c + 5;
    assert_true(clen > 16);
    assert_int_equal(d[9], 0x43);
    uint8_t sig[80];
    size_t sl = sizeof sig;
    EVP_PKEY_CTX *x = EVP_PKEY_CTX_new(ch->k, NULL);
    assert_int_equal(EVP_PKEY_sign_init(x), 1);
    assert_int_equal(EVP_PKEY_sign(x, sig, &sl, d + 11, d[10]), 1);
    EVP_PKEY_CTX_free(x);
    return tlv_answer(r, rcap, sig, sl, ch->flip);
}

/* RSADecrypt NO_PAD: 80 03 02 38 00 HH LL | 41 04 id | 42 01 0C | 43 82 HH LL data | 00 00 */
static size_t rsa_raw_chip(const uint8_t *c, size_t clen, uint8_t *r, size_t rcap, void *arg)
{
    struct chip *ch = arg;
    const uint8_t *d = c + 7;
    assert_int_equal(d[9], 0x43);
    size_t n = (size_t)(d[11] << 8 | d[12]);
    assert_int_equal(clen, 7 + 13 + n + 2);
    uint8_t out[512];
    size_t ol = sizeof out;
    EVP_PKEY_CTX *x = EVP_PKEY_CTX_new(ch->k, NULL);
    assert_int_equal(EVP_PKEY_decrypt_init(x), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(x, RSA_NO_PADDING), 1);
    assert_int_equal(EVP_PKEY_decrypt(x, out, &ol, d + 13, n), 1);
    EVP_PKEY_CTX_free(x);
    return tlv_answer(r, rcap, out, ol, ch->flip);
}

/* The public-key read of the lib: ReadType (7.x P-256 pair; the first time
 * only), ReadObject. */
static void expect_ec_pub_read(EVP_PKEY *k)
{
    uint8_t pt[65], r[80];
    size_t n = 0;
    assert_int_equal(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt, &n), 1);
    assert_int_equal(n, 65);
    if (!g_type_known_ec)
        mock_expect(&M, "80 02 00 26 06 41 04 7F 00 00 01", "41 01 29 42 01 01 90 00");
    g_type_known_ec = true;
    size_t rl = tlv_answer(r, sizeof r, pt, 65, 0);
    mock_expect_bin(&M, (const uint8_t *)"\x80\x02\x00\x00\x00\x00\x06\x41\x04\x7F\x00\x00\x01\x00\x00", 15,
                    r, rl);
}

/* ReadType (RSA pair; the first time only), modulus, exponent. */
static void expect_rsa_pub_read(EVP_PKEY *k)
{
    BIGNUM *n = NULL;
    uint8_t nb[256], r[300];
    assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n), 1);
    BN_bn2binpad(n, nb, 256);
    BN_free(n);
    size_t rl = tlv_answer(r, sizeof r, nb, 256, 0);
    if (!g_type_known_rsa)
        mock_expect(&M, "80 02 00 26 06 41 04 20 18 10 01", "41 01 05 42 01 01 90 00");
    g_type_known_rsa = true;
    mock_expect_bin(&M, (const uint8_t *)"\x80\x02\x00\x00\x00\x00\x09\x41\x04\x20\x18\x10\x01\x44\x01\x00\x00\x00",
                    18, r, rl);
    mock_expect(&M, "80 02 00 00 00 00 09 41 04 20 18 10 01 44 01 01 00 00", "41 03 01 00 01 90 00");
}

static void expect_ec_sign(struct chip *ch)
{
    mock_expect_handler(&M, "80 03 0C 09", ec_sign_chip, ch);
}

/* se05x_ecdsa_sign_digest of the 32-byte dg through the chip ch, or
 * se05x_ecdsa_sign_digest_ex when ck is given; the lib is expected to read
 * the chip's public key `reads` times after the signature. */
static se05x_rc sign_digest(se05x_session *s, struct chip *ch, int reads, const struct se05x_check *ck,
                            const uint8_t *dg, uint8_t sig[80], size_t *n)
{
    expect_ec_sign(ch);
    for (int i = 0; i < reads; i++)
        expect_ec_pub_read(ch->k);
    if (ck)
        return se05x_ecdsa_sign_digest_ex(s, ID, dg, 32, sig, 80, n, ck);
    return se05x_ecdsa_sign_digest(s, ID, dg, 32, sig, 80, n);
}

/* The next C-APDU, whatever it is, is answered with TAG 41 = v and 90 00. */
static void expect_any_answer(const uint8_t *v, size_t n)
{
    uint8_t r[600];
    size_t rl = tlv_answer(r, sizeof r, v, n, 0);
    mock_expect_bin(&M, (const uint8_t *)"", 0, r, rl);
    M.step[M.n - 1].any = true;
}

/* ---- ECDSA ---- */

static void t_ecdsa_cold_then_one_apdu(void **state)
{
    se05x_session *s = *state;
    struct chip ch = {ec_a, 0};
    uint8_t dg[32], sig[80];
    size_t n = 0;
    memset(dg, 0x42, sizeof dg);
    /* cold start: the signature, then one public-key read (cached) */
    expect_rc(s, sign_digest(s, &ch, 1, NULL, dg, sig, &n), SE05X_OK);
    mock_assert_done(&M);
    /* steady state: one APDU per signature */
    for (int i = 0; i < 3; i++) {
        expect_ec_sign(&ch);
        expect_rc(s, se05x_ecdsa_sign(s, ID, SE05X_MD_SHA256, dg, 32, sig, sizeof sig, &n), SE05X_OK);
        mock_assert_done(&M);
    }
    struct se05x_stats st;
    se05x_get_stats(s, &st);
    assert_int_equal(st.apdus, 6);
}

static void t_ecdsa_flipped_bit(void **state)
{
    se05x_session *s = *state;
    struct chip ch = {ec_a, 1};
    uint8_t dg[32], sig[80];
    size_t n = 0;
    memset(dg, 0x17, sizeof dg);
    memset(sig, 0xEE, sizeof sig);
    /* a cold read, then the read that tells why */
    expect_rc(s, sign_digest(s, &ch, 2, NULL, dg, sig, &n), SE05X_E_PROTOCOL);
    mock_assert_done(&M);
    expect_msg(s, MSG_BAD);
    expect_msg(s, "0x7F000001");
    assert_int_equal(n, 0);
    assert_int_equal(sig[0], 0xEE); /* nothing handed out */

    /* with the reference key's public part: no cold read, the same verdict */
    const struct se05x_check ck = {.pub = ec_a};
    expect_rc(s, sign_digest(s, &ch, 1, &ck, dg, sig, &n), SE05X_E_PROTOCOL);
    mock_assert_done(&M);
    expect_msg(s, MSG_BAD);
    assert_int_equal(sig[0], 0xEE);
}

static void t_ecdsa_stale_refkey(void **state)
{
    se05x_session *s = *state;
    struct chip ch = {ec_b, 0}; /* the chip's key was regenerated: B */
    const struct se05x_check ck = {.pub = ec_a}; /* the old reference key: A */
    uint8_t dg[32], sig[80];
    size_t n = 0;
    memset(dg, 0x33, sizeof dg);
    memset(sig, 0xEE, sizeof sig);
    expect_rc(s, sign_digest(s, &ch, 1, &ck, dg, sig, &n), SE05X_E_KEY_MISMATCH);
    mock_assert_done(&M);
    expect_msg(s, MSG_STALE);
    assert_int_equal(sig[0], 0xEE);
    /* another source name */
    const struct se05x_check ck2 = {.pub = ec_a, .pub_source = "public key of the PKCS#11 object"};
    expect_ec_sign(&ch);
    expect_ec_pub_read(ec_b);
    expect_rc(s, se05x_ecdsa_sign_ex(s, ID, SE05X_MD_SHA256, dg, 32, sig, sizeof sig, &n, &ck2),
              SE05X_E_KEY_MISMATCH);
    expect_msg(s, "public key of the PKCS#11 object does not match the key in 0x7F000001: regenerated?");
    /* the right reference key: exactly one APDU, no read */
    const struct se05x_check ok = {.pub = ec_b};
    expect_rc(s, sign_digest(s, &ch, 0, &ok, dg, sig, &n), SE05X_OK);
    mock_assert_done(&M);
}

static void t_ecdsa_cache_dropped_and_refreshed(void **state)
{
    se05x_session *s = *state;
    struct chip ch = {ec_a, 0};
    uint8_t dg[32], sig[80];
    size_t n = 0;
    memset(dg, 0x21, sizeof dg);
    expect_rc(s, sign_digest(s, &ch, 1, NULL, dg, sig, &n), SE05X_OK);
    /* deleting the object through this session drops its cached key */
    mock_expect(&M, "80 04 00 28 06 41 04 7F 00 00 01", "90 00");
    expect_rc(s, se05x_delete_object(s, ID), SE05X_OK);
    g_type_known_ec = false; /* and what it was */
    ch.k = ec_b;
    expect_rc(s, sign_digest(s, &ch, 1, NULL, dg, sig, &n), SE05X_OK);
    mock_assert_done(&M);
    /* replaced behind our back (another process): the cached copy is stale;
     * the key read to tell why verifies the answer, which is then good */
    ch.k = ec_a;
    expect_rc(s, sign_digest(s, &ch, 1, NULL, dg, sig, &n), SE05X_OK);
    mock_assert_done(&M);
    expect_rc(s, sign_digest(s, &ch, 0, NULL, dg, sig, &n), SE05X_OK);
    mock_assert_done(&M);
}

static void t_checks_off_is_weaker(void **state)
{
    se05x_session *s = *state;
    struct chip ch = {ec_a, 1};
    uint8_t dg[32], sig[80];
    size_t n = 0;
    memset(dg, 0x55, sizeof dg);
    const struct se05x_check off = {.off = 1};
    expect_rc(s, sign_digest(s, &ch, 0, &off, dg, sig, &n), SE05X_OK);
    se05x_set_verify(s, false);
    expect_rc(s, sign_digest(s, &ch, 0, NULL, dg, sig, &n), SE05X_OK);
    mock_assert_done(&M);
    /* the broken signature did come out: that is what "off" costs */
    EVP_PKEY_CTX *x = EVP_PKEY_CTX_new(ec_a, NULL);
    assert_int_equal(EVP_PKEY_verify_init(x), 1);
    assert_int_not_equal(EVP_PKEY_verify(x, sig, n, dg, 32), 1);
    EVP_PKEY_CTX_free(x);
}

/* ---- RSA ---- */

static void t_rsa_sign_digest_flipped_and_stale(void **state)
{
    se05x_session *s = *state;
    struct chip ch = {rsa_key, 0};
    const struct se05x_check ck = {.pub = rsa_key};
    uint8_t dg[32], sig[512];
    size_t n = 0;
    memset(dg, 0x5C, sizeof dg);
    mock_expect_handler(&M, "80 03 02 38", rsa_raw_chip, &ch);
    expect_rc(s, se05x_rsa_sign_digest_ex(s, ID_RSA, 2048, SE05X_RSA_PAD_PSS, SE05X_MD_SHA256, -1, dg, 32, sig,
                                          sizeof sig, &n, &ck), SE05X_OK);
    mock_assert_done(&M);
    ch.flip = 1;
    for (int pad = 0; pad < 2; pad++) {
        mock_expect_handler(&M, "80 03 02 38", rsa_raw_chip, &ch);
        expect_rsa_pub_read(rsa_key);
        n = 0;
        expect_rc(s, se05x_rsa_sign_digest_ex(s, ID_RSA, 2048, pad ? SE05X_RSA_PAD_PSS : SE05X_RSA_PAD_PKCS1,
                                              SE05X_MD_SHA256, -1, dg, 32, sig, sizeof sig, &n, &ck),
                  SE05X_E_PROTOCOL);
        mock_assert_done(&M);
        expect_msg(s, MSG_BAD);
        assert_int_equal(n, 0);
    }
    /* a reference key of another RSA key */
    EVP_PKEY *other = test_rsa_key(2048, 1);
    const struct se05x_check stale = {.pub = other};
    ch.flip = 0;
    mock_expect_handler(&M, "80 03 02 38", rsa_raw_chip, &ch);
    expect_rsa_pub_read(rsa_key);
    expect_rc(s, se05x_rsa_sign_digest_ex(s, ID_RSA, 2048, SE05X_RSA_PAD_PKCS1, SE05X_MD_SHA256, 0, dg, 32, sig,
                                          sizeof sig, &n, &stale), SE05X_E_KEY_MISMATCH);
    mock_assert_done(&M);
    expect_msg(s, "reference key file does not match the key in 0x20181001: regenerated?");
    EVP_PKEY_free(other);
}

/* RSASign (the chip hashes): 80 03 0C 09 00 HH LL | 41 04 id | 42 01 algo | 43 L msg | 00 00 */
static size_t rsa_sign_chip(const uint8_t *c, size_t clen, uint8_t *r, size_t rcap, void *arg)
{
    struct chip *ch = arg;
    const uint8_t *d = c + 7;
    assert_int_equal(d[9], 0x43);
    assert_true(clen >= (size_t)(7 + 11 + d[10]));
    uint8_t sig[512];
    size_t sl = sizeof sig;
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestSignInit(x, NULL, EVP_sha256(), NULL, ch->k), 1);
    assert_int_equal(EVP_DigestSign(x, sig, &sl, d + 11, d[10]), 1);
    EVP_MD_CTX_free(x);
    return tlv_answer(r, rcap, sig, sl, ch->flip);
}

/* se05x_rsa_sign_ex (PKCS#1, SHA-256) of a message the chip ch hashes and
 * signs; pub_read: the lib is expected to read the public key. */
static se05x_rc sign_hashed_by_chip(se05x_session *s, struct chip *ch, bool pub_read, const struct se05x_check *ck,
                                    size_t *n)
{
    static const uint8_t msg[] = "hashed by the chip";
    uint8_t sig[512];
    mock_expect_handler(&M, "80 03 0C 09", rsa_sign_chip, ch);
    if (pub_read)
        expect_rsa_pub_read(rsa_key);
    return se05x_rsa_sign_ex(s, ID_RSA, SE05X_RSA_PAD_PKCS1, SE05X_MD_SHA256, msg, sizeof msg, sig, sizeof sig, n,
                             ck);
}

static void t_rsa_sign_chip_hashes(void **state)
{
    se05x_session *s = *state;
    struct chip ch = {rsa_key, 0};
    const struct se05x_check ck = {.pub = rsa_key};
    size_t n = 0;
    expect_rc(s, sign_hashed_by_chip(s, &ch, false, &ck, &n), SE05X_OK);
    mock_assert_done(&M);
    assert_int_equal(n, 256);
    ch.flip = 1;
    n = 0;
    expect_rc(s, sign_hashed_by_chip(s, &ch, true, &ck, &n), SE05X_E_PROTOCOL);
    mock_assert_done(&M);
    expect_msg(s, MSG_BAD);
    assert_int_equal(n, 0);
    /* a reference key of the other type (EC file for an RSA object): a mismatch, not a crypto error */
    const struct se05x_check wrong = {.pub = ec_a};
    ch.flip = 0;
    expect_rc(s, sign_hashed_by_chip(s, &ch, true, &wrong, &n), SE05X_E_KEY_MISMATCH);
    mock_assert_done(&M);
    expect_msg(s, "does not match the key in 0x20181001: regenerated?");
}

static void t_rsa_raw_decrypt_checked(void **state)
{
    se05x_session *s = *state;
    struct chip ch = {rsa_key, 0};
    const struct se05x_check ck = {.pub = rsa_key};
    uint8_t ct[256], pt[300];
    size_t n = 0;
    memset(ct, 0x3A, sizeof ct); /* < n: the top bit of a 2048-bit modulus is set */
    mock_expect_handler(&M, "80 03 02 38", rsa_raw_chip, &ch);
    expect_rc(s, se05x_rsa_decrypt_ex(s, ID_RSA, SE05X_RSA_PAD_NONE, ct, sizeof ct, pt, sizeof pt, &n, &ck),
              SE05X_OK);
    mock_assert_done(&M);
    ch.flip = 1;
    mock_expect_handler(&M, "80 03 02 38", rsa_raw_chip, &ch);
    expect_rsa_pub_read(rsa_key);
    n = 0;
    expect_rc(s, se05x_rsa_decrypt_ex(s, ID_RSA, SE05X_RSA_PAD_NONE, ct, sizeof ct, pt, sizeof pt, &n, &ck),
              SE05X_E_PROTOCOL);
    mock_assert_done(&M);
    expect_msg(s, "RSA decryption result from the chip failed verification");
    assert_int_equal(n, 0);
    /* padding removed by the chip: a plaintext longer than k-11 cannot be PKCS#1 */
    uint8_t big[300];
    memset(big, 0x01, sizeof big);
    expect_any_answer(big, 250);
    expect_rc(s, se05x_rsa_decrypt(s, ID_RSA, SE05X_RSA_PAD_PKCS1, ct, sizeof ct, pt, sizeof pt, &n),
              SE05X_E_PROTOCOL);
    expect_msg(s, "RSA decryption result from the chip failed its check");
    expect_any_answer(big, 245);
    expect_rc(s, se05x_rsa_decrypt(s, ID_RSA, SE05X_RSA_PAD_PKCS1, ct, sizeof ct, pt, sizeof pt, &n), SE05X_OK);
    assert_int_equal(n, 245);
    mock_assert_done(&M);
}

/* ---- ECDH ---- */

static void t_ecdh_result_checked(void **state)
{
    se05x_session *s = *state;
    uint8_t peer[65], z[66];
    size_t n = 0, pl = 0;
    assert_int_equal(EVP_PKEY_get_octet_string_param(ec_b, OSSL_PKEY_PARAM_PUB_KEY, peer, sizeof peer, &pl), 1);
    /* the real shared secret (x of a point on P-256) passes */
    uint8_t good[32];
    size_t gl = sizeof good;
    EVP_PKEY_CTX *x = EVP_PKEY_CTX_new(ec_a, NULL);
    assert_int_equal(EVP_PKEY_derive_init(x), 1);
    assert_int_equal(EVP_PKEY_derive_set_peer(x, ec_b), 1);
    assert_int_equal(EVP_PKEY_derive(x, good, &gl), 1);
    EVP_PKEY_CTX_free(x);
    expect_any_answer(good, 32);
    expect_rc(s, se05x_ecdh(s, ID, peer, 65, z, sizeof z, &n), SE05X_OK);
    assert_memory_equal(z, good, 32);
    /* a value that is no x of the curve: the first one counting up from the answer */
    BIGNUM *bx = BN_bin2bn(good, 32, NULL);
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    EC_POINT *p = EC_POINT_new(g);
    do
        BN_add_word(bx, 1);
    while (EC_POINT_set_compressed_coordinates(g, p, bx, 0, NULL) == 1);
    uint8_t bad[32];
    BN_bn2binpad(bx, bad, 32);
    BN_free(bx);
    EC_POINT_free(p);
    EC_GROUP_free(g);
    expect_any_answer(bad, 32);
    memset(z, 0xEE, sizeof z);
    expect_rc(s, se05x_ecdh(s, ID, peer, 65, z, sizeof z, &n), SE05X_E_PROTOCOL);
    expect_msg(s, "shared secret from the chip failed its check");
    assert_int_equal(z[0], 0xEE);
    /* the wrong length for the curve */
    expect_any_answer(good, 31);
    expect_rc(s, se05x_ecdh(s, ID, peer, 65, z, sizeof z, &n), SE05X_E_PROTOCOL);
    mock_assert_done(&M);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, mock_teardown)
    const struct CMUnitTest tests[] = {
        T(t_ecdsa_cold_then_one_apdu),
        T(t_ecdsa_flipped_bit),
        T(t_ecdsa_stale_refkey),
        T(t_ecdsa_cache_dropped_and_refreshed),
        T(t_checks_off_is_weaker),
        T(t_rsa_sign_digest_flipped_and_stale),
        T(t_rsa_sign_chip_hashes),
        T(t_rsa_raw_decrypt_checked),
        T(t_ecdh_result_checked),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
