/* SPDX-License-Identifier: Apache-2.0 */
/* Cold start without ReadType/GetECCurveId (lib/keyinfer.c, docs/lib.md):
 * the curve of an EC key is taken from its public key when the point lies on
 * exactly one of the chip's curves. Points of every curve the chip supports
 * (the three 256-bit ones among them) are told apart; a point on no curve, on
 * several, of another form or length, and a refused read fall back to
 * ReadType/GetECCurveId; a hostile chip's bad point is refused with a clear
 * error; an object taken for a key pair that is not one gets a clear error
 * when the chip refuses to sign. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include <se05x/ossl.h>

#include "cmd_util.h"
#include "mock.h"

#define ID 0x7F000001u
#define READ_OBJ "\x80\x02\x00\x00\x00\x00\x06\x41\x04\x7F\x00\x00\x01\x00\x00"
#define READ_TYPE "80 02 00 26 06 41 04 7F 00 00 01"
#define CURVE_ID "80 02 0B 36 06 41 04 7F 00 00 01"

static EVP_PKEY *keygen(se05x_curve c)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", OBJ_nid2sn(se05x_curve_to_nid(c)));
    assert_non_null(k);
    return k;
}

static size_t point_of(EVP_PKEY *k, uint8_t *pt, size_t cap)
{
    size_t n = 0;
    assert_int_equal(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pt, cap, &n), 1);
    return n;
}

/* ReadObject of ID answered with v (TLV 41) and 9000. */
static void expect_read(const uint8_t *v, size_t n)
{
    uint8_t r[200];
    size_t h = n < 0x80 ? 2 : 3;
    r[0] = 0x41;
    if (h == 2) {
        r[1] = (uint8_t)n;
    } else {
        r[1] = 0x81;
        r[2] = (uint8_t)n;
    }
    memcpy(r + h, v, n);
    r[h + n] = 0x90;
    r[h + n + 1] = 0x00;
    mock_expect_bin(&M, (const uint8_t *)READ_OBJ, 15, r, h + n + 2);
}

/* ECDSASign answered with a real signature of key k (or a fixed status). */
static size_t sign_chip(const uint8_t *c, size_t clen, uint8_t *r, size_t rcap, void *arg)
{
    EVP_PKEY *k = arg;
    const uint8_t *d = c + 5;
    assert_true(clen > 16);
    uint8_t sig[150];
    size_t sl = sizeof sig;
    EVP_PKEY_CTX *x = EVP_PKEY_CTX_new(k, NULL);
    assert_int_equal(EVP_PKEY_sign_init(x), 1);
    assert_int_equal(EVP_PKEY_sign(x, sig, &sl, d + 11, d[10]), 1);
    EVP_PKEY_CTX_free(x);
    assert_true(sl + 5 <= rcap && sl < 0x80);
    r[0] = 0x41;
    r[1] = (uint8_t)sl;
    memcpy(r + 2, sig, sl);
    r[2 + sl] = 0x90;
    r[3 + sl] = 0x00;
    return sl + 4;
}

/* ---- the matching itself ---- */

/* A point of each of the chip's Weierstrass curves names exactly that curve. */
static void t_every_curve(void **state)
{
    (void)state;
    for (unsigned c = SE05X_EC_NIST_P192; c <= SE05X_EC_SECP256K1; c++) {
        EVP_PKEY *k = keygen((se05x_curve)c);
        uint8_t pt[200];
        size_t n = point_of(k, pt, sizeof pt);
        assert_int_equal(n, 1 + 2 * se05x_curve_bytes((se05x_curve)c));
        if (se05x_curve_from_point(pt, n) != (se05x_curve)c)
            fail_msg("a %s point was taken for %s", se05x_curve_name((se05x_curve)c),
                     se05x_curve_name(se05x_curve_from_point(pt, n)));
        EVP_PKEY_free(k);
    }
}

/* The three 256-bit curves, many keys each: never confused. */
static void t_256_bit_curves_told_apart(void **state)
{
    (void)state;
    static const se05x_curve c256[] = {SE05X_EC_NIST_P256, SE05X_EC_BRAINPOOL256, SE05X_EC_SECP256K1};
    for (int round = 0; round < 20; round++)
        for (size_t i = 0; i < 3; i++) {
            EVP_PKEY *k = keygen(c256[i]);
            uint8_t pt[65];
            size_t n = point_of(k, pt, sizeof pt);
            se05x_curve got;
            assert_int_equal(se05x_curve_match_point(pt, n, c256, 3, &got), 1);
            assert_int_equal(got, c256[i]);
            assert_int_equal(se05x_curve_from_point(pt, n), c256[i]);
            EVP_PKEY_free(k);
        }
}

/* Not a point, on no curve, or on several: SE05X_EC_NONE. */
static void t_invalid_and_ambiguous(void **state)
{
    (void)state;
    EVP_PKEY *k = keygen(SE05X_EC_NIST_P256);
    uint8_t pt[65], bad[65];
    size_t n = point_of(k, pt, sizeof pt);
    se05x_curve got = SE05X_EC_NIST_P192;
    /* y + 1: on no curve */
    memcpy(bad, pt, n);
    bad[64] ^= 0x01;
    assert_int_equal(se05x_curve_from_point(bad, n), SE05X_EC_NONE);
    /* compressed and hybrid forms, other lengths, nothing */
    memcpy(bad, pt, n);
    bad[0] = 0x02;
    assert_int_equal(se05x_curve_from_point(bad, 33), SE05X_EC_NONE);
    bad[0] = 0x06;
    assert_int_equal(se05x_curve_from_point(bad, n), SE05X_EC_NONE);
    assert_int_equal(se05x_curve_from_point(pt, 64), SE05X_EC_NONE);
    assert_int_equal(se05x_curve_from_point(pt, 63), SE05X_EC_NONE);
    assert_int_equal(se05x_curve_from_point(pt, 1), SE05X_EC_NONE);
    assert_int_equal(se05x_curve_from_point(NULL, 0), SE05X_EC_NONE);
    /* coordinates >= p (all ones) */
    memset(bad, 0xFF, sizeof bad);
    bad[0] = 0x04;
    assert_int_equal(se05x_curve_from_point(bad, 65), SE05X_EC_NONE);
    /* Ed25519 public keys (32 raw bytes) are no uncompressed point */
    assert_int_equal(se05x_curve_from_point(pt + 1, 32), SE05X_EC_NONE);
    /* a point on two candidates (the same curve twice stands for two
     * curves a point lies on: none exist among the chip's, whose field
     * primes all differ): ambiguous, no curve */
    static const se05x_curve twice[] = {SE05X_EC_NIST_P256, SE05X_EC_BRAINPOOL256, SE05X_EC_NIST_P256};
    assert_int_equal(se05x_curve_match_point(pt, n, twice, 3, &got), 2);
    assert_int_equal(got, SE05X_EC_NONE);
    /* candidates of another size are not tried */
    static const se05x_curve other[] = {SE05X_EC_NIST_P384, SE05X_EC_ED25519};
    assert_int_equal(se05x_curve_match_point(pt, n, other, 2, &got), 0);
    EVP_PKEY_free(k);
}

/* ---- the cold start through the session ---- */

/* One ReadObject tells the curve; the signature is checked with the key read
 * (no second read): 2 APDUs after SELECT, for each 256-bit curve. */
static void t_key_info_then_sign(void **state)
{
    se05x_session *s = *state;
    static const se05x_curve c256[] = {SE05X_EC_NIST_P256, SE05X_EC_BRAINPOOL256, SE05X_EC_SECP256K1};
    for (size_t i = 0; i < 3; i++) {
        EVP_PKEY *k = keygen(c256[i]);
        uint8_t pt[65], dg[32], sig[100];
        size_t n = point_of(k, pt, sizeof pt), sl = 0;
        memset(dg, 0x5A, sizeof dg);
        struct se05x_object_info oi;
        EVP_PKEY *pub = NULL;
        struct se05x_stats a, b;
        se05x_get_stats(s, &a);
        expect_read(pt, n);
        expect_rc(s, se05x_key_info(s, ID, &oi, &pub), SE05X_OK);
        assert_int_equal(oi.kind, SE05X_KIND_EC);
        assert_int_equal(oi.part, SE05X_PART_PAIR);
        assert_int_equal(oi.curve, c256[i]);
        assert_int_equal(oi.bits, 256);
        assert_int_equal(oi.size, 32);
        assert_non_null(pub);
        assert_int_equal(EVP_PKEY_eq(pub, k), 1);
        EVP_PKEY_free(pub);
        /* asked again: no APDU */
        expect_rc(s, se05x_key_info(s, ID, &oi, NULL), SE05X_OK);
        assert_int_equal(oi.curve, c256[i]);
        mock_expect_handler(&M, "80 03 0C 09", sign_chip, k);
        expect_rc(s, se05x_ecdsa_sign_digest(s, ID, dg, 32, sig, sizeof sig, &sl), SE05X_OK);
        /* a reference key from what the session knows: no APDU */
        char *pem = NULL;
        size_t pemlen = 0;
        expect_rc(s, se05x_refkey_from_chip(s, ID, SE05X_REFKEY_SEC1, &pem, &pemlen), SE05X_OK);
        free(pem);
        mock_assert_done(&M);
        se05x_get_stats(s, &b);
        assert_int_equal(b.apdus - a.apdus, 2);
        /* another key under the same id (written through the session) */
        mock_expect(&M, "80 04 00 28 06 41 04 7F 00 00 01", "90 00");
        expect_rc(s, se05x_delete_object(s, ID), SE05X_OK);
        EVP_PKEY_free(k);
    }
}

/* A hostile chip's point on no curve: ReadType + GetECCurveId as before, and
 * the public key is then refused with a clear error, nothing signed. */
static void t_bad_point_falls_back_and_fails(void **state)
{
    se05x_session *s = *state;
    EVP_PKEY *k = keygen(SE05X_EC_NIST_P256);
    uint8_t pt[65];
    size_t n = point_of(k, pt, sizeof pt);
    pt[64] ^= 0x01;
    struct se05x_object_info oi;
    EVP_PKEY *pub = NULL;
    expect_read(pt, n);
    mock_expect(&M, READ_TYPE, "41 01 01 42 01 01 90 00");
    mock_expect(&M, CURVE_ID, "41 01 03 90 00");
    expect_rc(s, se05x_key_info(s, ID, &oi, &pub), SE05X_OK);
    assert_null(pub);
    assert_int_equal(oi.curve, SE05X_EC_NIST_P256);
    mock_assert_done(&M);
    expect_read(pt, n);
    expect_rc(s, se05x_read_pubkey(s, ID, &pub), SE05X_E_PROTOCOL);
    assert_null(pub);
    assert_non_null(strstr(se05x_errmsg(s), "0x7F000001"));
    assert_non_null(strstr(se05x_errmsg(s), "not on the curve"));
    /* a signature is then not handed out either */
    uint8_t dg[32] = {1}, sig[100];
    size_t sl = 0;
    mock_expect_handler(&M, "80 03 0C 09", sign_chip, k);
    expect_read(pt, n);
    expect_rc(s, se05x_ecdsa_sign_digest(s, ID, dg, 32, sig, sizeof sig, &sl), SE05X_E_PROTOCOL);
    assert_int_equal(sl, 0);
    mock_assert_done(&M);
    EVP_PKEY_free(k);
}

/* A point of another form (compressed) or a refused read: as before. */
static void t_other_answers_fall_back(void **state)
{
    se05x_session *s = *state;
    struct se05x_object_info oi;
    /* refused (a private key): ReadType, GetECCurveId */
    mock_expect_bin(&M, (const uint8_t *)READ_OBJ, 15, (const uint8_t *)"\x69\x85", 2);
    mock_expect(&M, READ_TYPE, "41 01 02 42 01 01 90 00");
    mock_expect(&M, CURVE_ID, "41 01 03 90 00");
    expect_rc(s, se05x_key_info(s, ID, &oi, NULL), SE05X_OK);
    assert_int_equal(oi.part, SE05X_PART_PRIVATE);
    assert_int_equal(oi.curve, SE05X_EC_NIST_P256);
    struct se05x_error e;
    se05x_last_error(s, &e);
    assert_int_equal(e.rc, SE05X_OK); /* the refused read is no error */
    mock_assert_done(&M);
    /* RSA: ReadType, ReadSize */
    mock_expect(&M, "80 04 00 28 06 41 04 7F 00 00 01", "90 00");
    expect_rc(s, se05x_delete_object(s, ID), SE05X_OK);
    mock_expect_bin(&M, (const uint8_t *)READ_OBJ, 15, (const uint8_t *)"\x6A\x80", 2);
    mock_expect(&M, READ_TYPE, "41 01 04 42 01 01 90 00");
    mock_expect(&M, "80 02 00 07 06 41 04 7F 00 00 01", "41 02 01 00 90 00");
    expect_rc(s, se05x_key_info(s, ID, &oi, NULL), SE05X_OK);
    assert_int_equal(oi.kind, SE05X_KIND_RSA);
    assert_int_equal(oi.bits, 2048);
    mock_assert_done(&M);
    /* missing: the read is refused, ReadType then says it is gone */
    mock_expect(&M, "80 04 00 28 06 41 04 7F 00 00 01", "90 00");
    expect_rc(s, se05x_delete_object(s, ID), SE05X_OK);
    mock_expect_bin(&M, (const uint8_t *)READ_OBJ, 15, (const uint8_t *)"\x6A\x80", 2);
    mock_expect(&M, READ_TYPE, "6A 80");
    mock_expect(&M, "80 04 00 27 06 41 04 7F 00 00 01", "41 01 02 90 00");
    expect_rc(s, se05x_key_info(s, ID, &oi, NULL), SE05X_E_NOT_FOUND);
    mock_assert_done(&M);
}

/* An EC public key (or a file holding a point) taken for a pair: the chip
 * refuses to sign, the library asks ReadType and says what the object is. */
static void t_public_key_taken_for_pair(void **state)
{
    se05x_session *s = *state;
    EVP_PKEY *k = keygen(SE05X_EC_NIST_P256);
    uint8_t pt[65], dg[32] = {2}, sig[100];
    size_t n = point_of(k, pt, sizeof pt), sl = 0;
    struct se05x_object_info oi;
    expect_read(pt, n);
    expect_rc(s, se05x_key_info(s, ID, &oi, NULL), SE05X_OK);
    mock_expect_prefix(&M, "80 03 0C 09", "69 85");
    mock_expect(&M, "80 04 00 27 06 41 04 7F 00 00 01", "41 01 01 90 00"); /* exists */
    mock_expect(&M, READ_TYPE, "41 01 03 42 01 01 90 00");
    expect_rc(s, se05x_ecdsa_sign_digest(s, ID, dg, 32, sig, sizeof sig, &sl), SE05X_E_WRONG_TYPE);
    assert_non_null(strstr(se05x_errmsg(s), "not an EC key pair"));
    assert_non_null(strstr(se05x_errmsg(s), "public key only"));
    mock_assert_done(&M);
    /* what it is is now known: the tool-level check sees a public key */
    expect_read(pt, n); /* ReadType known; the point names the curve */
    expect_rc(s, se05x_object_info(s, ID, &oi), SE05X_OK);
    assert_int_equal(oi.part, SE05X_PART_PUBLIC);
    assert_int_equal(oi.curve, SE05X_EC_NIST_P256);
    mock_assert_done(&M);
    EVP_PKEY_free(k);
}

/* 7.x: the type already names the curve; object_info asks no more, and the
 * point read later must lie on that curve. */
static void t_applet7_types(void **state)
{
    se05x_session *s = *state;
    EVP_PKEY *k = keygen(SE05X_EC_BRAINPOOL256);
    uint8_t pt[65];
    size_t n = point_of(k, pt, sizeof pt);
    struct se05x_object_info oi;
    EVP_PKEY *pub = NULL;
    mock_expect(&M, READ_TYPE, "41 01 41 42 01 01 90 00"); /* Brainpool256 pair */
    expect_rc(s, se05x_object_info(s, ID, &oi), SE05X_OK);
    assert_int_equal(oi.curve, SE05X_EC_BRAINPOOL256);
    mock_assert_done(&M);
    expect_read(pt, n);
    expect_rc(s, se05x_read_pubkey(s, ID, &pub), SE05X_OK);
    assert_int_equal(EVP_PKEY_eq(pub, k), 1);
    EVP_PKEY_free(pub);
    /* the same id answering a P-256 point: refused, not re-labelled */
    EVP_PKEY *p = keygen(SE05X_EC_NIST_P256);
    n = point_of(p, pt, sizeof pt);
    expect_read(pt, n);
    expect_rc(s, se05x_read_pubkey(s, ID, &pub), SE05X_E_PROTOCOL);
    mock_assert_done(&M);
    EVP_PKEY_free(p);
    EVP_PKEY_free(k);
}

#define T(f) MOCK_TEST(f)
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_every_curve), cmocka_unit_test(t_256_bit_curves_told_apart),
        cmocka_unit_test(t_invalid_and_ambiguous), T(t_key_info_then_sign), T(t_bad_point_falls_back_and_fails),
        T(t_other_answers_fall_back), T(t_public_key_taken_for_pair), T(t_applet7_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
