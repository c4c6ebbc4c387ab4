/* SPDX-License-Identifier: Apache-2.0 */
/* Byte-exact C-APDUs of the command layer (docs/protocol/apdu.md §3.3, §4, §6) and its
 * handling of hostile responses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/ecdsa.h>

#include "mock.h"

#define ID "7F 00 00 01"

/* ---- docs/protocol/apdu.md §6 examples ---- */

static void t_get_random(void **state)
{
    se05x_session *s = *state;
    uint8_t b[8];
    mock_expect(&M, "80 04 00 49 00 00 04 41 02 00 08 00 00",
                "41 82 00 08 01 02 03 04 05 06 07 08 90 00");
    expect_rc(s, se05x_get_random(s, b, 8), SE05X_OK);
    mock_assert_done(&M);
    assert_int_equal(b[0], 1);
    assert_int_equal(b[7], 8);
}

static void t_get_random_chunks(void **state)
{
    se05x_session *s = *state;
    uint8_t b[600];
    mock_expect_fill41(&M, "80 04 00 49 00 00 04 41 02 02 00 00 00", 0xAB, 512);
    mock_expect_fill41(&M, "80 04 00 49 00 00 04 41 02 00 58 00 00", 0xCD, 88);
    expect_rc(s, se05x_get_random(s, b, 600), SE05X_OK);
    mock_assert_done(&M);
    assert_int_equal(b[511], 0xAB);
    assert_int_equal(b[512], 0xCD);
}

static const char UID[] = "04 00 50 01 4A 66 D8 75 07 78 E6 04 7E 91 0A 94 66 80";

static void t_read_uid(void **state)
{
    se05x_session *s = *state;
    uint8_t uid[18], cu[10], want[18];
    char r[200];
    snprintf(r, sizeof r, "41 82 00 12 %s 90 00", UID);
    mock_expect(&M, "80 02 00 00 00 00 0A 41 04 7F FF 02 06 43 02 00 12 00 00", r);
    expect_rc(s, se05x_read_uid(s, uid), SE05X_OK);
    mock_assert_done(&M);
    test_hex(UID, want, sizeof want);
    assert_memory_equal(uid, want, 18);
    se05x_certuid(uid, cu);
    uint8_t wcu[10];
    test_hex("50 01 07 78 E6 04 7E 91 0A 94", wcu, sizeof wcu);
    assert_memory_equal(cu, wcu, 10);
}

/* P-256 parameters (SEC 2 test vectors) to check what libcrypto gives us. */
#define P256_A "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC"
#define P256_B "5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B"
#define P256_G "04 6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296" \
               "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5"
#define P256_N "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551"
#define P256_P "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF"

static void script_p256_create(void)
{
    mock_expect(&M, "80 01 0B 04 03 41 01 03", "90 00");
    mock_expect(&M, "80 01 0B 40 28 41 01 03 42 01 01 43 20 " P256_A, "90 00");
    mock_expect(&M, "80 01 0B 40 28 41 01 03 42 01 02 43 20 " P256_B, "90 00");
    mock_expect(&M, "80 01 0B 40 49 41 01 03 42 01 04 43 41 " P256_G, "90 00");
    mock_expect(&M, "80 01 0B 40 28 41 01 03 42 01 08 43 20 " P256_N, "90 00");
    mock_expect(&M, "80 01 0B 40 28 41 01 03 42 01 10 43 20 " P256_P, "90 00");
}

#define LIST_NONE "41 11 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 90 00"
#define LIST_P256 "41 11 01 01 02 01 01 01 01 01 01 01 01 01 01 01 01 01 01 90 00"

static void t_create_curve_p256(void **state)
{
    se05x_session *s = *state;
    script_p256_create();
    expect_rc(s, se05x_create_curve(s, SE05X_EC_NIST_P256), SE05X_OK);
    mock_assert_done(&M);
    assert_true(se05x_curve_cached(s, SE05X_EC_NIST_P256));
}

static void t_ensure_curve(void **state)
{
    se05x_session *s = *state;
    mock_expect(&M, "80 02 0B 25 00", LIST_NONE);
    script_p256_create();
    expect_rc(s, se05x_ensure_curve(s, SE05X_EC_NIST_P256), SE05X_OK);
    /* steady state: no APDU at all */
    expect_rc(s, se05x_ensure_curve(s, SE05X_EC_NIST_P256), SE05X_OK);
    mock_assert_done(&M);
}

static void t_ensure_curve_present(void **state)
{
    se05x_session *s = *state;
    mock_expect(&M, "80 02 0B 25 00", "41 82 00 11 01 01 02 01 01 01 01 01 01 01 01 01 01 01 01 01 01 90 00");
    expect_rc(s, se05x_ensure_curve(s, SE05X_EC_NIST_P256), SE05X_OK);
    expect_rc(s, se05x_ensure_curve(s, SE05X_EC_ED25519), SE05X_OK);
    mock_assert_done(&M);
}

static void t_ensure_curve_race(void **state)
{
    se05x_session *s = *state;
    mock_expect(&M, "80 02 0B 25 00", LIST_NONE);
    mock_expect(&M, "80 01 0B 04 03 41 01 03", "69 85"); /* created by someone else */
    mock_expect(&M, "80 02 0B 25 00", LIST_P256);
    expect_rc(s, se05x_ensure_curve(s, SE05X_EC_NIST_P256), SE05X_OK);
    mock_assert_done(&M);
}

static void t_create_curve_p521_g(void **state)
{
    se05x_session *s = *state;
    mock_expect_prefix(&M, "80 01 0B 04 03 41 01 05", "90 00");
    mock_expect_prefix(&M, "80 01 0B 40 4A 41 01 05 42 01 01 43 42 01 FF", "90 00");
    mock_expect_prefix(&M, "80 01 0B 40 4A 41 01 05 42 01 02 43 42 00 51", "90 00");
    mock_expect_prefix(&M, "80 01 0B 40 8E 41 01 05 42 01 04 43 81 85 04 00 C6", "90 00");
    mock_expect_prefix(&M, "80 01 0B 40 4A 41 01 05 42 01 08 43 42 01 FF", "90 00");
    mock_expect_prefix(&M, "80 01 0B 40 4A 41 01 05 42 01 10 43 42 01 FF", "90 00");
    expect_rc(s, se05x_create_curve(s, SE05X_EC_NIST_P521), SE05X_OK);
    mock_assert_done(&M);
    assert_int_equal(M.last_len, 5 + 3 + 3 + 2 + 66);
}

static void t_generate(void **state)
{
    se05x_session *s = *state;
    se05x_curve_cache_set(s, SE05X_EC_NIST_P256, true);
    mock_expect(&M, "80 01 61 00 09 41 04 7F 00 00 01 42 01 03", "90 00");
    struct se05x_policy pol = {1, {{0, SE05X_POLICY_SIGN | SE05X_POLICY_VERIFY | SE05X_POLICY_READ |
                                          SE05X_POLICY_DELETE}}};
    struct se05x_write_opts o = {&pol, 0};
    mock_expect(&M, "80 01 61 00 14 11 09 08 00 00 00 00 18 24 00 00 41 04 7F 00 00 01 42 01 03",
                "90 00");
    struct se05x_write_opts tr = {NULL, 1};
    mock_expect(&M, "80 81 61 00 09 41 04 7F 00 00 01 42 01 03", "90 00");
    expect_rc(s, se05x_ec_generate(s, 0x7F000001, SE05X_EC_NIST_P256, NULL), SE05X_OK);
    expect_rc(s, se05x_ec_generate(s, 0x7F000001, SE05X_EC_NIST_P256, &o), SE05X_OK);
    expect_rc(s, se05x_ec_generate(s, 0x7F000001, SE05X_EC_NIST_P256, &tr), SE05X_OK);
    mock_assert_done(&M);
}

static void t_generate_ensures_curve(void **state)
{
    se05x_session *s = *state;
    mock_expect(&M, "80 02 0B 25 00", LIST_P256);
    mock_expect(&M, "80 01 61 00 09 41 04 7F 00 00 01 42 01 03", "90 00");
    expect_rc(s, se05x_ec_generate(s, 0x7F000001, SE05X_EC_NIST_P256, NULL), SE05X_OK);
    mock_assert_done(&M);
}

static void t_generate_curve_vanished(void **state)
{
    se05x_session *s = *state;
    se05x_curve_cache_set(s, SE05X_EC_NIST_P256, true);
    /* the cached curve was deleted behind our back: re-created, then retried */
    mock_expect(&M, "80 01 61 00 09 41 04 7F 00 00 01 42 01 03", "69 85");
    mock_expect(&M, "80 02 0B 25 00", LIST_NONE);
    mock_expect(&M, "80 02 0B 25 00", LIST_NONE);
    script_p256_create();
    mock_expect(&M, "80 01 61 00 09 41 04 7F 00 00 01 42 01 03", "90 00");
    expect_rc(s, se05x_ec_generate(s, 0x7F000001, SE05X_EC_NIST_P256, NULL), SE05X_OK);
    /* the curve is there: the 6985 is about the object and is reported once */
    mock_expect(&M, "80 01 61 00 09 41 04 7F 00 00 01 42 01 03", "69 85");
    mock_expect(&M, "80 02 0B 25 00", LIST_P256);
    expect_rc(s, se05x_ec_generate(s, 0x7F000001, SE05X_EC_NIST_P256, NULL), SE05X_E_CONDITIONS);
    assert_non_null(strstr(se05x_errmsg(s), "WriteECKey"));
    mock_assert_done(&M);
}

static void t_exists(void **state)
{
    se05x_session *s = *state;
    bool e = false;
    mock_expect(&M, "80 04 00 27 06 41 04 7F 00 00 01", "41 01 01 90 00");
    mock_expect(&M, "80 04 00 27 06 41 04 7F 00 00 01", "41 01 02 90 00");
    expect_rc(s, se05x_object_exists(s, 0x7F000001, &e), SE05X_OK);
    assert_true(e);
    expect_rc(s, se05x_object_exists(s, 0x7F000001, &e), SE05X_OK);
    assert_false(e);
    mock_assert_done(&M);
}

#define PUB "04 8B C7 BE A0 8F 93 A5 86 EA AE 82 82 87 B2 CA 7D 39 CA 68 D4 54 8E 7D 9B 1C D5 11 D3 E6 83 C5 7F" \
            "56 19 9E B7 00 32 D0 60 01 D7 62 A2 D8 89 25 92 DD 06 AA 71 2A B8 78 5F 26 5E 2D 8D 7B 83 3A 4F"

static void t_read_pubkey_raw(void **state)
{
    se05x_session *s = *state;
    uint8_t b[100], want[65];
    size_t n = 0;
    mock_expect(&M, "80 02 00 00 00 00 06 41 04 7F 00 00 01 00 00", "41 82 00 41 " PUB " 90 00");
    expect_rc(s, se05x_read_object(s, 0x7F000001, 0, 0, b, sizeof b, &n), SE05X_OK);
    mock_assert_done(&M);
    assert_int_equal(n, 65);
    test_hex(PUB, want, sizeof want);
    assert_memory_equal(b, want, 65);
}

static void t_read_object_offset(void **state)
{
    se05x_session *s = *state;
    uint8_t b[8];
    size_t n = 0;
    mock_expect(&M, "80 02 00 00 00 00 0E 41 04 7F 00 00 01 42 02 01 F4 43 02 00 02 00 00",
                "41 02 AA BB 90 00");
    expect_rc(s, se05x_read_object(s, 0x7F000001, 500, 2, b, sizeof b, &n), SE05X_OK);
    mock_assert_done(&M);
    assert_int_equal(n, 2);
}

static void t_ecdsa_sign(void **state)
{
    se05x_session *s = *state;
    se05x_set_verify(s, false); /* APDU bytes only: the scripted signature is not a real one */
    uint8_t d[32], sig[80];
    size_t n = 0;
    memset(d, 0x11, 32);
    mock_expect(&M, "80 03 0C 09 2B 41 04 7F 00 00 01 42 01 21 43 20 "
                    "11111111111111111111111111111111 11111111111111111111111111111111",
                "41 82 00 08 30 06 02 01 05 02 01 07 90 00");
    expect_rc(s, se05x_ecdsa_sign(s, 0x7F000001, SE05X_MD_SHA256, d, 32, sig, sizeof sig, &n), SE05X_OK);
    mock_assert_done(&M);
    assert_int_equal(n, 8);
    /* wrong digest length for the algorithm: refused before any APDU */
    expect_rc(s, se05x_ecdsa_sign(s, 0x7F000001, SE05X_MD_SHA256, d, 20, sig, sizeof sig, &n),
              SE05X_E_BAD_ARG);
}

static void t_ecdsa_sign_not_der(void **state)
{
    se05x_session *s = *state;
    uint8_t d[32] = {0}, sig[80];
    size_t n = 0;
    mock_expect_prefix(&M, "80 03 0C 09 2B", "41 04 01 02 03 04 90 00");
    expect_rc(s, se05x_ecdsa_sign(s, 1, SE05X_MD_SHA256, d, 32, sig, sizeof sig, &n), SE05X_E_PROTOCOL);
    mock_assert_done(&M);
}

static void t_ecdsa_verify(void **state)
{
    se05x_session *s = *state;
    uint8_t d[20] = {0}, sig[8] = {0x30, 6, 2, 1, 5, 2, 1, 7};
    bool ok = false;
    mock_expect(&M, "80 03 0C 0A 29 41 04 7F 00 00 01 42 01 11 43 14 0000000000000000000000000000000000000000 45 08 30 06 02 01 05 02 01 07",
                "41 01 01 90 00");
    expect_rc(s, se05x_ecdsa_verify(s, 0x7F000001, SE05X_MD_SHA1, d, 20, sig, 8, &ok), SE05X_OK);
    assert_true(ok);
    mock_assert_done(&M);
}

static void t_sign_digest_padding(void **state)
{
    se05x_session *s = *state;
    se05x_set_verify(s, false); /* APDU bytes only: the scripted signature is not a real one */
    uint8_t d[66], sig[80];
    size_t n;
    for (int i = 0; i < 66; i++)
        d[i] = (uint8_t)(0xA0 + i);
    /* 32 bytes: one APDU, SHA-256 code */
    mock_expect_prefix(&M, "80 03 0C 09 2B 41 04 7F 00 00 01 42 01 21 43 20 A0 A1", "41 08 30 06 02 01 05 02 01 07 90 00");
    expect_rc(s, se05x_ecdsa_sign_digest(s, 0x7F000001, d, 32, sig, sizeof sig, &n), SE05X_OK);
    /* 16 bytes (MD5 size) on P-256: padded to 20 bytes, SHA-1 code */
    mock_expect(&M, "80 02 0B 36 06 41 04 7F 00 00 01", "41 01 03 90 00");
    mock_expect(&M, "80 03 0C 09 1F 41 04 7F 00 00 01 42 01 11 43 14 00 00 00 00 "
                    "A0 A1 A2 A3 A4 A5 A6 A7 A8 A9 AA AB AC AD AE AF",
                "41 08 30 06 02 01 05 02 01 07 90 00");
    expect_rc(s, se05x_ecdsa_sign_digest(s, 0x7F000001, d, 16, sig, sizeof sig, &n), SE05X_OK);
    /* 40 bytes on P-256: truncated to the leftmost 256 bits, SHA-256 code */
    mock_expect(&M, "80 02 0B 36 06 41 04 7F 00 00 01", "41 01 03 90 00");
    mock_expect(&M, "80 03 0C 09 2B 41 04 7F 00 00 01 42 01 21 43 20 "
                    "A0 A1 A2 A3 A4 A5 A6 A7 A8 A9 AA AB AC AD AE AF B0 B1 B2 B3 B4 B5 B6 B7 B8 B9 BA BB BC BD BE BF",
                "41 08 30 06 02 01 05 02 01 07 90 00");
    expect_rc(s, se05x_ecdsa_sign_digest(s, 0x7F000001, d, 40, sig, sizeof sig, &n), SE05X_OK);
    /* 24 bytes on P-384: padded to 28 bytes, SHA-224 code */
    mock_expect(&M, "80 02 0B 36 06 41 04 7F 00 00 01", "41 01 04 90 00");
    mock_expect_prefix(&M, "80 03 0C 09 27 41 04 7F 00 00 01 42 01 25 43 1C 00 00 00 00 A0 A1", "41 08 30 06 02 01 05 02 01 07 90 00");
    expect_rc(s, se05x_ecdsa_sign_digest(s, 0x7F000001, d, 24, sig, sizeof sig, &n), SE05X_OK);
    /* 66 bytes on P-521 cannot be represented: refused after the curve lookup */
    mock_expect(&M, "80 02 0B 36 06 41 04 7F 00 00 01", "41 01 05 90 00");
    expect_rc(s, se05x_ecdsa_sign_digest(s, 0x7F000001, d, 66, sig, sizeof sig, &n), SE05X_E_UNSUPPORTED);
    mock_assert_done(&M);
}

static void t_ecdh(void **state)
{
    se05x_session *s = *state;
    uint8_t peer[65], out[66];
    size_t n = 0;
    test_hex(PUB, peer, sizeof peer);
    mock_expect(&M, "80 03 01 0F 00 00 49 41 04 7F 00 00 01 42 41 " PUB " 00 00",
                "41 82 00 20 0102030405060708090A0B0C0D0E0F10 1112131415161718191A1B1C1D1E1F20 90 00");
    expect_rc(s, se05x_ecdh(s, 0x7F000001, peer, 65, out, sizeof out, &n), SE05X_OK);
    mock_assert_done(&M);
    assert_int_equal(n, 32);
    assert_int_equal(out[31], 0x20);
}

static void t_list_objects_two_pages(void **state)
{
    se05x_session *s = *state;
    se05x_objid *ids = NULL;
    size_t n = 0;
    mock_expect(&M, "80 02 00 25 00 00 07 41 02 00 00 42 01 FF 00 00",
                "41 01 02 42 82 00 08 7F FF 02 06 7F 00 00 01 90 00");
    mock_expect(&M, "80 02 00 25 00 00 07 41 02 00 02 42 01 FF 00 00",
                "41 01 01 42 04 20 18 10 01 90 00");
    expect_rc(s, se05x_list_objects(s, 0xFF, &ids, &n), SE05X_OK);
    mock_assert_done(&M);
    assert_int_equal(n, 3);
    assert_int_equal(ids[0], 0x7FFF0206);
    assert_int_equal(ids[1], 0x7F000001);
    assert_int_equal(ids[2], 0x20181001);
    free(ids);
}

static void t_list_objects_empty(void **state)
{
    se05x_session *s = *state;
    se05x_objid *ids = NULL;
    size_t n = 9;
    mock_expect(&M, "80 02 00 25 00 00 07 41 02 00 00 42 01 0B 00 00", "41 01 01 90 00");
    expect_rc(s, se05x_list_objects(s, 0x0B, &ids, &n), SE05X_OK);
    assert_int_equal(n, 0);
    assert_non_null(ids);
    free(ids);
    mock_assert_done(&M);
}

static void t_delete(void **state)
{
    se05x_session *s = *state;
    mock_expect(&M, "80 04 00 28 06 41 04 7F 00 00 01", "90 00");
    expect_rc(s, se05x_delete_object(s, 0x7F000001), SE05X_OK);
    mock_assert_done(&M);
}

static void t_delete_missing(void **state)
{
    se05x_session *s = *state;
    mock_expect(&M, "80 04 00 28 06 41 04 7F 00 00 01", "6A 80");
    mock_expect(&M, "80 04 00 27 06 41 04 7F 00 00 01", "41 01 02 90 00");
    expect_rc(s, se05x_delete_object(s, 0x7F000001), SE05X_E_NOT_FOUND);
    mock_assert_done(&M);
    assert_non_null(strstr(se05x_errmsg(s), "7F000001"));
}

/* ---- other commands ---- */

static void t_mgmt_misc(void **state)
{
    se05x_session *s = *state;
    struct se05x_applet_info ai;
    uint16_t v = 0;
    uint8_t type = 0;
    bool tr = false;
    mock_expect(&M, "80 04 00 20 00", "41 82 00 07 03 01 00 6F FF 01 0B 90 00");
    expect_rc(s, se05x_get_version(s, &ai), SE05X_OK);
    assert_int_equal(ai.major, 3);
    assert_int_equal(ai.config, 0x6FFF);
    mock_expect(&M, "80 04 00 22 03 41 01 01", "41 02 7F FF 90 00");
    expect_rc(s, se05x_get_free_memory(s, SE05X_MEMORY_PERSISTENT, &v), SE05X_OK);
    assert_int_equal(v, 0x7FFF);
    mock_expect(&M, "80 02 00 26 06 41 04 7F 00 00 01", "41 01 01 42 01 02 90 00");
    expect_rc(s, se05x_read_type(s, 0x7F000001, &type, &tr), SE05X_OK);
    assert_int_equal(type, 1);
    assert_true(tr);
    mock_expect(&M, "80 02 00 07 06 41 04 7F 00 00 01", "41 02 00 20 90 00");
    expect_rc(s, se05x_read_size(s, 0x7F000001, &v), SE05X_OK);
    assert_int_equal(v, 32);
    mock_assert_done(&M);
}

static void t_object_info(void **state)
{
    se05x_session *s = *state;
    struct se05x_object_info oi;
    /* no CheckObjectExists first, no ReadSize for EC (the curve's size); its
     * public key instead of GetECCurveId: the point names the curve */
    mock_expect(&M, "80 02 00 26 06 41 04 7F 00 00 01", "41 01 01 42 01 01 90 00");
    mock_expect(&M, "80 02 00 00 00 00 06 41 04 7F 00 00 01 00 00", "41 41 " P256_G " 90 00");
    expect_rc(s, se05x_object_info(s, 0x7F000001, &oi), SE05X_OK);
    assert_int_equal(oi.kind, SE05X_KIND_EC);
    assert_int_equal(oi.part, SE05X_PART_PAIR);
    assert_int_equal(oi.curve, SE05X_EC_NIST_P256);
    assert_int_equal(oi.bits, 256);
    assert_int_equal(oi.size, 32);
    assert_int_equal(oi.transient, 0);
    /* asked again on the same session: answered from what it learnt, no APDU */
    expect_rc(s, se05x_object_info(s, 0x7F000001, &oi), SE05X_OK);
    assert_int_equal(oi.curve, SE05X_EC_NIST_P256);
    /* 7.x curve-specific type: no GetECCurveId */
    mock_expect(&M, "80 02 00 26 06 41 04 7F 00 00 02", "41 01 2F 42 01 01 90 00");
    expect_rc(s, se05x_object_info(s, 0x7F000002, &oi), SE05X_OK);
    assert_int_equal(oi.curve, SE05X_EC_NIST_P384);
    assert_int_equal(oi.part, SE05X_PART_PUBLIC);
    assert_int_equal(oi.size, 48);
    /* RSA */
    mock_expect(&M, "80 02 00 26 06 41 04 7F 00 00 03", "41 01 05 42 01 01 90 00");
    mock_expect(&M, "80 02 00 07 06 41 04 7F 00 00 03", "41 02 01 00 90 00");
    expect_rc(s, se05x_object_info(s, 0x7F000003, &oi), SE05X_OK);
    assert_int_equal(oi.kind, SE05X_KIND_RSA);
    assert_int_equal(oi.bits, 2048);
    /* missing: ReadType fails, the core then asks CheckObjectExists */
    mock_expect(&M, "80 02 00 26 06 41 04 7F 00 00 04", "6A 80");
    mock_expect(&M, "80 04 00 27 06 41 04 7F 00 00 04", "41 01 02 90 00");
    expect_rc(s, se05x_object_info(s, 0x7F000004, &oi), SE05X_E_NOT_FOUND);
    /* deleted through this session: forgotten, asked again */
    mock_expect(&M, "80 04 00 28 06 41 04 7F 00 00 01", "90 00");
    expect_rc(s, se05x_delete_object(s, 0x7F000001), SE05X_OK);
    mock_expect(&M, "80 02 00 26 06 41 04 7F 00 00 01", "41 01 01 42 01 01 90 00");
    mock_expect(&M, "80 02 00 00 00 00 06 41 04 7F 00 00 01 00 00", "41 41 " P256_G " 90 00");
    expect_rc(s, se05x_object_info(s, 0x7F000001, &oi), SE05X_OK);
    mock_assert_done(&M);
}

/* RSA-512 components; dP has odd length (31 bytes) to exercise docs/protocol/apdu.md §3.2 */
static void fill(uint8_t *b, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(v + i);
}

static size_t build(uint8_t *out, const char *hdr_hex, const uint8_t *v, size_t n)
{
    size_t k = test_hex(hdr_hex, out, 64);
    memcpy(out + k, v, n);
    return k + n;
}

static void t_rsa_import_sequence(void **state)
{
    se05x_session *s = *state;
    uint8_t p[32], q[32], dp[31], dq[32], qi[32], e[3] = {1, 0, 1}, n[64], c[200];
    size_t k;
    fill(p, 32, 0x80);
    fill(q, 32, 0x90);
    fill(dp, 31, 0x10);
    fill(dq, 32, 0x20);
    fill(qi, 32, 0x30);
    fill(n, 64, 0xC0);
    struct se05x_rsa_components kc = {n, 64, e, 3, p, 32, q, 32, dp, 31, dq, 32, qi, 32};
    const uint8_t ok[] = {0x90, 0};
    mock_expect(&M, "80 04 00 27 06 41 04 20 18 10 01", "41 01 02 90 00");
    k = build(c, "80 01 62 00 2C 41 04 20 18 10 01 42 02 02 00 43 20", p, 32);
    mock_expect_bin(&M, c, k, ok, 2);
    k = build(c, "80 01 02 00 28 41 04 20 18 10 01 44 20", q, 32);
    mock_expect_bin(&M, c, k, ok, 2);
    k = build(c, "80 01 02 00 28 41 04 20 18 10 01 45 20 00", dp, 31);
    mock_expect_bin(&M, c, k, ok, 2);
    k = build(c, "80 01 02 00 28 41 04 20 18 10 01 46 20", dq, 32);
    mock_expect_bin(&M, c, k, ok, 2);
    k = build(c, "80 01 02 00 28 41 04 20 18 10 01 47 20", qi, 32);
    mock_expect_bin(&M, c, k, ok, 2);
    mock_expect(&M, "80 01 02 00 0C 41 04 20 18 10 01 48 04 00 01 00 01", "90 00");
    k = build(c, "80 01 02 00 48 41 04 20 18 10 01 4A 40", n, 64);
    mock_expect_bin(&M, c, k, ok, 2);
    expect_rc(s, se05x_rsa_import(s, 0x20181001, 512, SE05X_PART_PAIR, &kc, NULL), SE05X_OK);
    mock_assert_done(&M);
}

static void t_rsa_import_public_and_failure(void **state)
{
    se05x_session *s = *state;
    uint8_t e[3] = {1, 0, 1}, n[64], c[200];
    fill(n, 64, 0xC0);
    struct se05x_rsa_components kc = {.n = n, .n_len = 64, .e = e, .e_len = 3};
    const uint8_t ok[] = {0x90, 0}, full[] = {0x6A, 0x84};
    mock_expect(&M, "80 04 00 27 06 41 04 20 18 10 01", "41 01 02 90 00");
    mock_expect(&M, "80 01 22 00 10 41 04 20 18 10 01 42 02 02 00 48 04 00 01 00 01", "90 00");
    size_t k = build(c, "80 01 02 00 48 41 04 20 18 10 01 4A 40", n, 64);
    mock_expect_bin(&M, c, k, ok, 2);
    expect_rc(s, se05x_rsa_import(s, 0x20181001, 512, SE05X_PART_PUBLIC, &kc, NULL), SE05X_OK);
    /* a failing second APDU removes the half-created object */
    mock_expect(&M, "80 04 00 27 06 41 04 20 18 10 01", "41 01 02 90 00");
    mock_expect(&M, "80 01 22 00 10 41 04 20 18 10 01 42 02 02 00 48 04 00 01 00 01", "90 00");
    mock_expect_bin(&M, c, k, full, 2);
    mock_expect(&M, "80 04 00 28 06 41 04 20 18 10 01", "90 00");
    expect_rc(s, se05x_rsa_import(s, 0x20181001, 512, SE05X_PART_PUBLIC, &kc, NULL), SE05X_E_NO_MEMORY);
    mock_assert_done(&M);
}

static void t_rsa_generate(void **state)
{
    se05x_session *s = *state;
    mock_expect(&M, "80 01 62 00 0A 41 04 20 18 10 01 42 02 08 00", "90 00");
    expect_rc(s, se05x_rsa_generate(s, 0x20181001, 2048, NULL), SE05X_OK);
    expect_rc(s, se05x_rsa_generate(s, 0x20181001, 1000, NULL), SE05X_E_BAD_ARG);
    mock_assert_done(&M);
}

static void t_write_binary_1200(void **state)
{
    se05x_session *s = *state;
    uint8_t data[1200], c[600];
    const uint8_t ok[] = {0x90, 0};
    fill(data, 1200, 7);
    mock_expect(&M, "80 04 00 27 06 41 04 7F 00 00 05", "41 01 02 90 00");
    size_t k = build(c, "80 01 06 00 00 02 02 41 04 7F 00 00 05 43 02 04 B0 44 82 01 F4", data, 500);
    mock_expect_bin(&M, c, k, ok, 2);
    k = build(c, "80 01 06 00 00 02 02 41 04 7F 00 00 05 42 02 01 F4 44 82 01 F4", data + 500, 500);
    mock_expect_bin(&M, c, k, ok, 2);
    k = build(c, "80 01 06 00 D5 41 04 7F 00 00 05 42 02 03 E8 44 81 C8", data + 1000, 200);
    mock_expect_bin(&M, c, k, ok, 2);
    expect_rc(s, se05x_write_binary(s, 0x7F000005, data, 1200, NULL), SE05X_OK);
    mock_assert_done(&M);
}

static void t_write_binary_existing(void **state)
{
    se05x_session *s = *state;
    uint8_t data[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    /* same size: overwritten in place, no TAG 43, no policy */
    mock_expect(&M, "80 04 00 27 06 41 04 7F 00 00 05", "41 01 01 90 00");
    mock_expect(&M, "80 02 00 26 06 41 04 7F 00 00 05", "41 01 0B 42 01 01 90 00");
    mock_expect(&M, "80 02 00 07 06 41 04 7F 00 00 05", "41 02 00 0A 90 00");
    mock_expect(&M, "80 01 06 00 12 41 04 7F 00 00 05 44 0A 01 02 03 04 05 06 07 08 09 0A", "90 00");
    expect_rc(s, se05x_write_binary(s, 0x7F000005, data, 10, NULL), SE05X_OK);
    /* other size: deleted, then created */
    mock_expect(&M, "80 04 00 27 06 41 04 7F 00 00 05", "41 01 01 90 00");
    mock_expect(&M, "80 02 00 26 06 41 04 7F 00 00 05", "41 01 0B 42 01 01 90 00");
    mock_expect(&M, "80 02 00 07 06 41 04 7F 00 00 05", "41 02 00 0B 90 00");
    mock_expect(&M, "80 04 00 28 06 41 04 7F 00 00 05", "90 00");
    mock_expect(&M, "80 01 06 00 16 41 04 7F 00 00 05 43 02 00 0A 44 0A 01 02 03 04 05 06 07 08 09 0A", "90 00");
    expect_rc(s, se05x_write_binary(s, 0x7F000005, data, 10, NULL), SE05X_OK);
    /* a key is not overwritten */
    mock_expect(&M, "80 04 00 27 06 41 04 7F 00 00 05", "41 01 01 90 00");
    mock_expect(&M, "80 02 00 26 06 41 04 7F 00 00 05", "41 01 01 42 01 01 90 00");
    expect_rc(s, se05x_write_binary(s, 0x7F000005, data, 10, NULL), SE05X_E_WRONG_TYPE);
    mock_assert_done(&M);
}

static void t_read_binary(void **state)
{
    se05x_session *s = *state;
    uint8_t *out = NULL;
    size_t n = 0;
    mock_expect(&M, "80 02 00 07 06 41 04 7F 00 00 05", "41 02 02 58 90 00"); /* 600 */
    mock_expect_fill41(&M, "80 02 00 00 00 00 0A 41 04 7F 00 00 05 43 02 02 00 00 00", 0x5A, 512);
    mock_expect_fill41(&M, "80 02 00 00 00 00 0E 41 04 7F 00 00 05 42 02 02 00 43 02 00 58 00 00", 0x33, 88);
    expect_rc(s, se05x_read_binary(s, 0x7F000005, &out, &n), SE05X_OK);
    mock_assert_done(&M);
    assert_int_equal(n, 600);
    assert_int_equal(out[0], 0x5A);
    assert_int_equal(out[599], 0x33);
    free(out);
}

static void t_reset_objects(void **state)
{
    se05x_session *s = *state;
    size_t del = 9;
    mock_expect(&M, "80 02 00 25 00 00 07 41 02 00 00 42 01 FF 00 00",
                "41 01 01 42 82 00 1C 7F FF 02 06 00 00 00 01 20 18 10 01 F0 00 00 12 "
                "7D A0 00 01 7F 00 00 01 7D A1 00 00 90 00");
    mock_expect(&M, "80 04 00 28 06 41 04 20 18 10 01", "90 00");
    mock_expect(&M, "80 04 00 28 06 41 04 7F 00 00 01", "90 00");
    mock_expect(&M, "80 04 00 28 06 41 04 7D A1 00 00", "90 00");
    expect_rc(s, se05x_reset_objects(s, &del), SE05X_OK);
    assert_int_equal(del, 3);
    mock_assert_done(&M);
}

static void t_reset_objects_partial(void **state)
{
    se05x_session *s = *state;
    size_t del = 9;
    mock_expect(&M, "80 02 00 25 00 00 07 41 02 00 00 42 01 FF 00 00",
                "41 01 01 42 0C 20 18 10 01 7F 00 00 01 7F 00 00 02 90 00");
    mock_expect(&M, "80 04 00 28 06 41 04 20 18 10 01", "69 86"); /* policy forbids */
    mock_expect(&M, "80 04 00 28 06 41 04 7F 00 00 01", "6A 80"); /* vanished meanwhile */
    mock_expect(&M, "80 04 00 27 06 41 04 7F 00 00 01", "41 01 02 90 00");
    mock_expect(&M, "80 04 00 28 06 41 04 7F 00 00 02", "90 00");
    expect_rc(s, se05x_reset_objects(s, &del), SE05X_E_DENIED);
    assert_int_equal(del, 1);
    assert_non_null(strstr(se05x_errmsg(s), "20181001"));
    assert_non_null(strstr(se05x_errmsg(s), "1 object"));
    mock_assert_done(&M);
}

static void t_rsa_sign_verify_apdus(void **state)
{
    se05x_session *s = *state;
    se05x_set_verify(s, false); /* APDU bytes only: the scripted signature is not a real one */
    uint8_t msg[3] = {'a', 'b', 'c'}, sig[256];
    size_t n = 0;
    bool ok = false;
    mock_expect_fill41(&M, "80 03 0C 09 00 00 0E 41 04 20 18 10 01 42 01 28 43 03 61 62 63 00 00", 0x42, 256);
    expect_rc(s, se05x_rsa_sign(s, 0x20181001, SE05X_RSA_PAD_PKCS1, SE05X_MD_SHA256, msg, 3, sig,
                                sizeof sig, &n), SE05X_OK);
    assert_int_equal(n, 256);
    /* RSAVerify: normal form, 3-byte Lc because the data exceeds 254 bytes */
    mock_expect_prefix(&M, "80 03 0C 0A 00 01 12 41 04 20 18 10 01 42 01 2C 43 03 61 62 63 45 82 01 00 42 42",
                       "41 01 02 90 00");
    expect_rc(s, se05x_rsa_verify(s, 0x20181001, SE05X_RSA_PAD_PSS, SE05X_MD_SHA256, msg, 3, sig, 256, &ok),
              SE05X_OK);
    assert_false(ok);
    assert_int_equal(M.last_len, 7 + 0x112);
    mock_assert_done(&M);
}

static void t_rsa_encrypt_decrypt_apdus(void **state)
{
    se05x_session *s = *state;
    se05x_set_verify(s, false); /* APDU bytes only: a 4-byte toy ciphertext */
    uint8_t in[4] = {1, 2, 3, 4}, out[16];
    size_t n = 0;
    mock_expect(&M, "80 03 02 37 00 00 0F 41 04 20 18 10 01 42 01 0F 43 04 01 02 03 04 00 00",
                "41 02 AA BB 90 00");
    expect_rc(s, se05x_rsa_encrypt(s, 0x20181001, SE05X_RSA_PAD_OAEP, in, 4, out, sizeof out, &n), SE05X_OK);
    mock_expect(&M, "80 03 02 38 00 00 0F 41 04 20 18 10 01 42 01 0A 43 04 01 02 03 04 00 00",
                "41 02 AA BB 90 00");
    expect_rc(s, se05x_rsa_decrypt(s, 0x20181001, SE05X_RSA_PAD_PKCS1, in, 4, out, sizeof out, &n), SE05X_OK);
    /* output buffer too small: clear error, no overflow */
    mock_expect(&M, "80 03 02 38 00 00 0F 41 04 20 18 10 01 42 01 0C 43 04 01 02 03 04 00 00",
                "41 02 AA BB 90 00");
    expect_rc(s, se05x_rsa_decrypt(s, 0x20181001, SE05X_RSA_PAD_NONE, in, 4, out, 1, &n), SE05X_E_BAD_ARG);
    mock_assert_done(&M);
}

/* ---- hostile responses ---- */

static void t_hostile(void **state)
{
    se05x_session *s = *state;
    uint8_t b[100];
    size_t n;
    bool e;
    uint8_t uid[18];
    se05x_objid ids[10];
    bool more;
    static const char *bad_read[] = {
        "41 05 01 02 90 00",          /* truncated value */
        "42 02 01 02 90 00",          /* wrong tag */
        "41 82 FF FF 00 90 00",       /* length far beyond the buffer */
        "41 83 00 00 01 00 90 00",    /* invalid length form */
        "41 81 90 00",                /* truncated length */
        "41 02 01 02 41 01 00 90 00", /* trailing TLV */
        "90 00",                      /* no data at all */
        "41",                         /* no status word */
        "",                           /* nothing */
    };
    for (size_t i = 0; i < sizeof bad_read / sizeof bad_read[0]; i++) {
        M.n = M.pos = 0; /* keep the link, reset the script */
        M.err[0] = 0;
        mock_expect(&M, "80 02 00 00 00 00 06 41 04 7F 00 00 01 00 00", bad_read[i]);
        se05x_rc rc = se05x_read_object(s, 0x7F000001, 0, 0, b, sizeof b, &n);
        if (rc != SE05X_E_PROTOCOL)
            fail_msg("response '%s': rc %d (%s)", bad_read[i], rc, se05x_errmsg(s));
        assert_true(strlen(se05x_errmsg(s)) > 0);
        mock_assert_done(&M);
    }
    M.n = M.pos = 0;
    mock_expect(&M, "80 04 00 27 06 41 04 7F 00 00 01", "41 01 03 90 00");
    expect_rc(s, se05x_object_exists(s, 0x7F000001, &e), SE05X_E_PROTOCOL);
    mock_expect(&M, "80 04 00 27 06 41 04 7F 00 00 01", "41 02 01 01 90 00");
    expect_rc(s, se05x_object_exists(s, 0x7F000001, &e), SE05X_E_PROTOCOL);
    /* UID of the wrong length */
    mock_expect_prefix(&M, "80 02 00 00", "41 04 01 02 03 04 90 00");
    expect_rc(s, se05x_read_uid(s, uid), SE05X_E_PROTOCOL);
    /* GetRandom returning fewer bytes */
    mock_expect_prefix(&M, "80 04 00 49", "41 04 01 02 03 04 90 00");
    expect_rc(s, se05x_get_random(s, b, 8), SE05X_E_PROTOCOL);
    /* ReadIDList: length not a multiple of 4, bad MoreIndicator, too many ids */
    mock_expect_prefix(&M, "80 02 00 25", "41 01 01 42 03 01 02 03 90 00");
    expect_rc(s, se05x_read_id_list(s, 0, 0xFF, ids, 10, &n, &more), SE05X_E_PROTOCOL);
    mock_expect_prefix(&M, "80 02 00 25", "41 01 07 42 04 01 02 03 04 90 00");
    expect_rc(s, se05x_read_id_list(s, 0, 0xFF, ids, 10, &n, &more), SE05X_E_PROTOCOL);
    mock_expect_prefix(&M, "80 02 00 25", "41 01 01 42 08 01 02 03 04 05 06 07 08 90 00");
    expect_rc(s, se05x_read_id_list(s, 0, 0xFF, ids, 1, &n, &more), SE05X_E_BAD_ARG);
    /* "more" with an empty page must not loop forever */
    se05x_objid *all = NULL;
    mock_expect_prefix(&M, "80 02 00 25", "41 01 02 90 00");
    expect_rc(s, se05x_list_objects(s, 0xFF, &all, &n), SE05X_E_PROTOCOL);
    assert_null(all);
    /* curve list empty */
    mock_expect(&M, "80 02 0B 25 00", "41 00 90 00");
    expect_rc(s, se05x_ensure_curve(s, SE05X_EC_NIST_P384), SE05X_E_PROTOCOL);
    /* response data where none is expected */
    mock_expect(&M, "80 04 00 28 06 41 04 7F 00 00 01", "41 01 01 90 00");
    expect_rc(s, se05x_delete_object(s, 0x7F000001), SE05X_E_PROTOCOL);
    /* ReadType with a bad transient indicator */
    uint8_t t;
    mock_expect(&M, "80 02 00 26 06 41 04 7F 00 00 01", "41 01 01 42 01 09 90 00");
    expect_rc(s, se05x_read_type(s, 0x7F000001, &t, NULL), SE05X_E_PROTOCOL);
    mock_assert_done(&M);
}

static void t_bad_args(void **state)
{
    se05x_session *s = *state;
    uint8_t b[4] = {4, 1, 2, 3};
    expect_rc(s, se05x_write_binary(s, 1, b, 0, NULL), SE05X_E_BAD_ARG);
    expect_rc(s, se05x_ec_generate(s, 1, (se05x_curve)0x30, NULL), SE05X_E_BAD_ARG);
    expect_rc(s, se05x_ec_import(s, 1, SE05X_EC_NIST_P256, SE05X_PART_PUBLIC, NULL, 0, b, 4, NULL),
              SE05X_E_BAD_ARG);
    struct se05x_policy pol = {7, {{0, 0}}};
    struct se05x_write_opts o = {&pol, 0};
    se05x_curve_cache_set(s, SE05X_EC_NIST_P256, true);
    expect_rc(s, se05x_ec_generate(s, 1, SE05X_EC_NIST_P256, &o), SE05X_E_BAD_ARG);
    mock_assert_done(&M);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) MOCK_TEST(f)
        T(t_get_random), T(t_get_random_chunks), T(t_read_uid), T(t_create_curve_p256),
        T(t_ensure_curve), T(t_ensure_curve_present), T(t_ensure_curve_race),
        T(t_create_curve_p521_g), T(t_generate), T(t_generate_ensures_curve), T(t_generate_curve_vanished), T(t_exists),
        T(t_read_pubkey_raw), T(t_read_object_offset), T(t_ecdsa_sign), T(t_ecdsa_sign_not_der),
        T(t_ecdsa_verify), T(t_sign_digest_padding), T(t_ecdh), T(t_list_objects_two_pages),
        T(t_list_objects_empty), T(t_delete), T(t_delete_missing), T(t_mgmt_misc),
        T(t_object_info), T(t_rsa_import_sequence), T(t_rsa_import_public_and_failure),
        T(t_rsa_generate), T(t_write_binary_1200), T(t_write_binary_existing), T(t_read_binary),
        T(t_reset_objects), T(t_reset_objects_partial), T(t_rsa_sign_verify_apdus),
        T(t_rsa_encrypt_decrypt_apdus), T(t_hostile), T(t_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
