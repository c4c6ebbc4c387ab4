/* SPDX-License-Identifier: Apache-2.0 */
/* The applet generation followed by the command layer (lib/generation.c,
 * docs/lib.md "Chip generations"): detected from the SELECT answer, then
 * byte-exact 7.x APDUs (TAG 4B, P2 59, 900-byte chunks, policy bits) and the
 * RSA refusal on an ECC-only chip, against the 3.x forms of the same calls. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "generation.h"
#include "mock.h"

#define SEL_E "07 02 00 6F 9F 01 0B 90 00"     /* SE050E: 7.2.0, no RSA */
#define SEL_SE051 "07 02 00 6F FF 01 0B 90 00" /* SE051: 7.2.0 with RSA */
#define SEL_C "03 01 00 6F FF 01 0B 90 00"     /* SE050C1 */

static void t_features(void **st)
{
    (void)st;
    struct se05x_chip_features f;
    se05x_session *s = mock_session_selected(&M, SEL_E);
    expect_rc(s, se05x_chip_features(s, &f), SE05X_OK);
    assert_int_equal(f.generation, 7);
    assert_string_equal(f.variant, "SE050E");
    assert_int_equal(f.max_payload, 1024);
    assert_false(f.rsa);
    assert_true(f.ecc && f.eddsa && f.x25519);
    assert_int_equal(se05x_gen(s)->write_chunk, 900);
    se05x_close(s);
    s = mock_session_selected(&M, SEL_SE051);
    expect_rc(s, se05x_chip_features(s, &f), SE05X_OK);
    assert_string_equal(f.variant, "SE051");
    assert_true(f.rsa);
    se05x_close(s);
    s = mock_session_selected(&M, SEL_C);
    expect_rc(s, se05x_chip_features(s, &f), SE05X_OK);
    assert_int_equal(f.generation, 3);
    assert_string_equal(f.variant, "SE050C");
    assert_int_equal(f.max_payload, 892);
    assert_int_equal(se05x_gen(s)->write_chunk, 500);
    se05x_close(s);
    assert_int_equal(se05x_chip_features(NULL, &f), SE05X_E_BAD_ARG);
}

/* docs/protocol/apdu.md §4.3: WriteECKey carries 4B 04 <version> on 7.x only. */
static void t_version_tlv(void **st)
{
    (void)st;
    se05x_session *s = mock_session_selected(&M, SEL_E);
    mock_expect(&M, "80 01 61 00 0F 41 04 7F 00 00 01 42 01 40 4B 04 00 00 00 00", "90 00");
    expect_rc(s, se05x_ec_generate(s, 0x7F000001, SE05X_EC_ED25519, NULL), SE05X_OK);
    mock_assert_done(&M);
    se05x_close(s);
    s = mock_session_selected(&M, SEL_C);
    mock_expect(&M, "80 01 61 00 09 41 04 7F 00 00 01 42 01 40", "90 00");
    expect_rc(s, se05x_ec_generate(s, 0x7F000001, SE05X_EC_ED25519, NULL), SE05X_OK);
    mock_assert_done(&M);
    se05x_close(s);
}

/* SE050E has no RSA: refused before anything is sent, naming the chip. */
static void t_rsa_refused(void **st)
{
    (void)st;
    se05x_session *s = mock_session_selected(&M, SEL_E);
    expect_rc(s, se05x_rsa_generate(s, 0x7F000002, 2048, NULL), SE05X_E_UNSUPPORTED);
    assert_non_null(strstr(se05x_errmsg(s), "SE050E has no RSA, use an EC key"));
    uint8_t out[256];
    size_t n;
    expect_rc(s, se05x_rsa_encrypt(s, 0x7F000002, SE05X_RSA_PAD_PKCS1, (const uint8_t *)"x", 1, out, sizeof out, &n),
              SE05X_E_UNSUPPORTED);
    mock_assert_done(&M); /* no APDU */
    se05x_close(s);
    /* SE051: the same call goes to the chip */
    s = mock_session_selected(&M, SEL_SE051);
    mock_expect(&M, "80 01 62 00 10 41 04 7F 00 00 02 42 02 08 00 4B 04 00 00 00 00", "90 00");
    expect_rc(s, se05x_rsa_generate(s, 0x7F000002, 2048, NULL), SE05X_OK);
    mock_assert_done(&M);
    se05x_close(s);
}

/* §21 / §4.6: X25519 ECDH. 3.x: P2 0F, host reverses peer and secret; 7.x:
 * P2 59 (DH_REVERSE), both travel in RFC 7748 order. */
static void t_dh_reverse(void **st)
{
    (void)st;
    uint8_t peer[32], secret[32], out[32], c[64], r[64];
    size_t n;
    for (int i = 0; i < 32; i++) {
        peer[i] = (uint8_t)(i + 1);
        secret[i] = (uint8_t)(0xA0 + i);
    }
    for (int gen7 = 0; gen7 < 2; gen7++) {
        se05x_session *s = mock_session_selected(&M, gen7 ? SEL_E : SEL_C);
        size_t cl = test_hex(gen7 ? "80 03 01 59 00 00 28 41 04 7F 00 00 01 42 20"
                                  : "80 03 01 0F 00 00 28 41 04 7F 00 00 01 42 20",
                             c, sizeof c);
        for (int i = 0; i < 32; i++)
            c[cl + i] = gen7 ? peer[i] : peer[31 - i];
        c[cl + 32] = 0;
        c[cl + 33] = 0;
        size_t rlen = test_hex("41 82 00 20", r, sizeof r);
        for (int i = 0; i < 32; i++)
            r[rlen + i] = gen7 ? secret[i] : secret[31 - i];
        r[rlen + 32] = 0x90;
        r[rlen + 33] = 0x00;
        mock_expect_bin(&M, c, cl + 34, r, rlen + 34);
        expect_rc(s, se05x_ecdh(s, 0x7F000001, peer, 32, out, sizeof out, &n), SE05X_OK);
        mock_assert_done(&M);
        assert_int_equal(n, 32);
        assert_memory_equal(out, secret, 32);
        se05x_close(s);
    }
}

/* Fewer APDUs for large writes on 7.x: 1800 bytes = 2 chunks of 900 (3.x: 4 of 500). */
static void t_binary_chunks(void **st)
{
    (void)st;
    uint8_t data[1800];
    memset(data, 0x5A, sizeof data);
    se05x_session *s = mock_session_selected(&M, SEL_E);
    mock_expect(&M, "80 04 00 27 06 41 04 7F 00 00 10", "41 01 02 90 00");
    /* 41 04 id, 43 02 0708, 44 82 03 84 <900>: Lc 00 03 92 */
    mock_expect_prefix(&M, "80 01 06 00 00 03 92 41 04 7F 00 00 10 43 02 07 08 44 82 03 84 5A", "90 00");
    /* 41 04 id, 42 02 0384, 44 82 03 84 <900> */
    mock_expect_prefix(&M, "80 01 06 00 00 03 92 41 04 7F 00 00 10 42 02 03 84 44 82 03 84 5A", "90 00");
    expect_rc(s, se05x_write_binary(s, 0x7F000010, data, sizeof data, NULL), SE05X_OK);
    mock_assert_done(&M);
    se05x_close(s);
    s = mock_session_selected(&M, SEL_C);
    mock_expect(&M, "80 04 00 27 06 41 04 7F 00 00 10", "41 01 02 90 00");
    mock_expect_prefix(&M, "80 01 06 00 00 02 02 41 04 7F 00 00 10 43 02 07 08 44 82 01 F4", "90 00");
    mock_expect_prefix(&M, "80 01 06 00 00 02 02 41 04 7F 00 00 10 42 02 01 F4 44 82 01 F4", "90 00");
    mock_expect_prefix(&M, "80 01 06 00 00 02 02 41 04 7F 00 00 10 42 02 03 E8 44 82 01 F4", "90 00");
    mock_expect_prefix(&M, "80 01 06 00 00 01 3A 41 04 7F 00 00 10 42 02 05 DC 44 82 01 2C", "90 00");
    expect_rc(s, se05x_write_binary(s, 0x7F000010, data, sizeof data, NULL), SE05X_OK);
    mock_assert_done(&M);
    se05x_close(s);
}

/* §12.2: a 7.x-only access bit (ALLOW_PBKDF 00000080) is sent to a 7.x chip
 * and refused for a 3.x one before anything is sent. */
static void t_policy_bits(void **st)
{
    (void)st;
    struct se05x_policy p = {.n = 1, .rule = {{0, SE05X_POLICY_SIGN | SE05X_POLICY_PBKDF}}};
    struct se05x_write_opts o = {.policy = &p};
    se05x_session *s = mock_session_selected(&M, SEL_C);
    expect_rc(s, se05x_ec_generate(s, 0x7F000001, SE05X_EC_ED25519, &o), SE05X_E_UNSUPPORTED);
    assert_non_null(strstr(se05x_errmsg(s), "0x00000080"));
    mock_assert_done(&M);
    se05x_close(s);
    s = mock_session_selected(&M, SEL_E);
    mock_expect(&M, "80 01 61 00 1A 11 09 08 00 00 00 00 10 00 00 80 41 04 7F 00 00 01 42 01 40 4B 04 00 00 00 00",
                "90 00");
    expect_rc(s, se05x_ec_generate(s, 0x7F000001, SE05X_EC_ED25519, &o), SE05X_OK);
    mock_assert_done(&M);
    se05x_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_features),   cmocka_unit_test(t_version_tlv),   cmocka_unit_test(t_rsa_refused),
        cmocka_unit_test(t_dh_reverse), cmocka_unit_test(t_binary_chunks), cmocka_unit_test(t_policy_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
