/* SPDX-License-Identifier: Apache-2.0 */
/* Chip-free helpers: reserved ids of the iterative reset (docs/protocol/apdu.md §17),
 * object id parsing, curve names/NIDs/sizes, digest lengths, policy bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/obj_mac.h>

#include "cmd_util.h"

static void t_reserved(void **state)
{
    (void)state;
    static const struct {
        se05x_objid id;
        bool reserved;
    } v[] = {
        {0x00000000, true},  {0x00000001, true},  {0x00000003, true},  {0x00000004, false},
        {0x7FFF0000, true},  {0x7FFF0206, true},  {0x7FFFFFFF, true},  {0x7FFE0000, false},
        {0x7DA00000, true},  {0x7DA00001, true},  {0x7DA0FFFF, true},  {0x7DA10000, false},
        {0x7DAF0001, false}, {0x7D000000, false}, {0xF0000000, true},  {0xF0000012, true},
        {0xFFFFFFFF, true},  {0xEFFFFFFF, false}, {0xEF000001, false}, {0x7F000001, false},
        {0x20181001, false}, {0x80000000, false},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (se05x_id_is_reserved(v[i].id) != v[i].reserved)
            fail_msg("0x%08X: reserved should be %d", v[i].id, v[i].reserved);
}

static void t_parse_objid(void **state)
{
    (void)state;
    se05x_objid id = 0;
    static const struct {
        const char *s;
        se05x_objid id;
    } good[] = {
        {"0x7f000001", 0x7F000001}, {"0X7F000001", 0x7F000001}, {"7F000001", 0x7F000001},
        {"7f000001", 0x7F000001},   {"1", 1},                   {"0xFFFFFFFF", 0xFFFFFFFF},
        {"0x00000005", 5},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(se05x_parse_objid(good[i].s, &id), SE05X_OK);
        assert_int_equal(id, good[i].id);
    }
    static const char *bad[] = {"", "0x", "0", "0x0", "00000000", "0x1ffffffff", "123456789",
                                "7f00000g", " 7f000001", "7f000001 ", "-1", "0x-1", "+1", "0xx1",
                                "2018 1001"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        id = 42;
        if (se05x_parse_objid(bad[i], &id) != SE05X_E_BAD_ARG)
            fail_msg("'%s' accepted", bad[i]);
        assert_int_equal(id, 42);
    }
    assert_int_equal(se05x_parse_objid(NULL, &id), SE05X_E_BAD_ARG);
}

static void t_curves(void **state)
{
    (void)state;
    assert_string_equal(se05x_curve_name(SE05X_EC_NIST_P256), "NIST_P256");
    assert_int_equal(se05x_curve_from_name("NIST_P256"), SE05X_EC_NIST_P256);
    assert_int_equal(se05x_curve_from_name("prime256v1"), SE05X_EC_NIST_P256);
    assert_int_equal(se05x_curve_from_name("P-384"), SE05X_EC_NIST_P384);
    assert_int_equal(se05x_curve_from_name("secp521r1"), SE05X_EC_NIST_P521);
    assert_int_equal(se05x_curve_from_name("Brainpool512"), SE05X_EC_BRAINPOOL512);
    assert_int_equal(se05x_curve_from_name("brainpoolP256r1"), SE05X_EC_BRAINPOOL256);
    assert_int_equal(se05x_curve_from_name("Secp256k1"), SE05X_EC_SECP256K1);
    assert_int_equal(se05x_curve_from_name("ED_25519"), SE05X_EC_ED25519);
    assert_int_equal(se05x_curve_from_name("MONT_DH_25519"), SE05X_EC_X25519);
    assert_int_equal(se05x_curve_from_name("MONT_DH_448"), SE05X_EC_X448);
    assert_int_equal(se05x_curve_from_name("nonsense"), SE05X_EC_NONE);
    assert_int_equal(se05x_curve_from_name(NULL), SE05X_EC_NONE);
    assert_int_equal(se05x_curve_to_nid(SE05X_EC_NIST_P256), NID_X9_62_prime256v1);
    assert_int_equal(se05x_curve_from_nid(NID_secp384r1), SE05X_EC_NIST_P384);
    assert_int_equal(se05x_curve_from_nid(NID_undef), SE05X_EC_NONE);
    assert_int_equal(se05x_curve_to_nid(SE05X_EC_NONE), NID_undef);
    assert_int_equal(se05x_curve_bytes(SE05X_EC_NIST_P521), 66);
    assert_int_equal(se05x_curve_bytes(SE05X_EC_BRAINPOOL320), 40);
    assert_int_equal(se05x_curve_bytes(SE05X_EC_X448), 56);
    assert_int_equal(se05x_curve_order_bits(SE05X_EC_NIST_P521), 521);
    assert_int_equal(se05x_curve_order_bits(SE05X_EC_SECP160K1), 161);
    /* every Weierstrass curve of the applet exists in libcrypto */
    for (int c = SE05X_EC_NIST_P192; c <= SE05X_EC_SECP256K1; c++) {
        assert_true(se05x_curve_order_bits((se05x_curve)c) > 0);
        assert_int_equal(se05x_curve_from_name(se05x_curve_name((se05x_curve)c)), c);
    }
    se05x_keypart part = 0;
    assert_int_equal(se05x_curve_from_type7(0x29, &part), SE05X_EC_NIST_P256);
    assert_int_equal(part, SE05X_PART_PAIR);
    assert_int_equal(se05x_curve_from_type7(0x33, &part), SE05X_EC_NIST_P521);
    assert_int_equal(part, SE05X_PART_PUBLIC);
    assert_int_equal(se05x_curve_from_type7(0x72, &part), SE05X_EC_X448);
    assert_int_equal(part, SE05X_PART_PRIVATE);
    assert_int_equal(se05x_curve_from_type7(0x24, &part), SE05X_EC_NONE); /* +3 is no part */
    assert_int_equal(se05x_curve_from_type7(0x6D, &part), SE05X_EC_NONE);
    assert_int_equal(se05x_curve_from_type7(0x11, &part), SE05X_EC_NONE);
    se05x_kind k;
    se05x_curve c;
    se05x_type_decode(0x0B, &k, &part, &c);
    assert_int_equal(k, SE05X_KIND_BINARY);
    se05x_type_decode(0x07, &k, &part, &c);
    assert_int_equal(k, SE05X_KIND_RSA);
    assert_int_equal(part, SE05X_PART_PRIVATE);
    se05x_type_decode(0xEE, &k, &part, &c);
    assert_int_equal(k, SE05X_KIND_UNKNOWN);
}

static void t_digests(void **state)
{
    (void)state;
    assert_int_equal(se05x_digest_len(SE05X_MD_SHA1), 20);
    assert_int_equal(se05x_digest_len(SE05X_MD_SHA512), 64);
    assert_int_equal(se05x_digest_len(SE05X_MD_NONE), 0);
    assert_int_equal(se05x_digest_from_len(28), SE05X_MD_SHA224);
    assert_int_equal(se05x_digest_from_len(48), SE05X_MD_SHA384);
    assert_int_equal(se05x_digest_from_len(16), SE05X_MD_NONE);
}

static void t_policy(void **state)
{
    (void)state;
    uint8_t b[64];
    /* docs/protocol/apdu.md §12.1 test vector: DELETE allowed without a session */
    static const uint8_t v1[] = {0x08, 0, 0, 0, 0, 0x00, 0x04, 0x00, 0x00};
    struct se05x_policy p = {1, {{0, SE05X_POLICY_DELETE}}};
    assert_int_equal(se05x_policy_encode(&p, b, sizeof b), 9);
    assert_memory_equal(b, v1, 9);
    /* two rules */
    static const uint8_t v2[] = {0x08, 0, 0, 0, 0, 0x10, 0x24, 0x00, 0x00,
                                 0x08, 0x7D, 0xA0, 0x00, 0x01, 0x04, 0x3C, 0x00, 0x00};
    struct se05x_policy p2 = {2, {{0, 0x10240000}, {0x7DA00001, 0x043C0000}}};
    assert_int_equal(se05x_policy_encode(&p2, b, sizeof b), 18);
    assert_memory_equal(b, v2, 18);
    /* limits */
    struct se05x_policy p7 = {7, {{0, 0}}};
    assert_int_equal(se05x_policy_encode(&p7, b, sizeof b), 0);
    struct se05x_policy p0 = {0, {{0, 0}}};
    assert_int_equal(se05x_policy_encode(&p0, b, sizeof b), 0);
    assert_int_equal(se05x_policy_encode(&p2, b, 10), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_reserved), cmocka_unit_test(t_parse_objid), cmocka_unit_test(t_curves),
        cmocka_unit_test(t_digests),  cmocka_unit_test(t_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
