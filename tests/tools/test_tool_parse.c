/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the host-only parsing of the se05x command: policies,
 * curve and digest names, numbers, object ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common.h"

static void policy_flags(void **state)
{
    (void)state;
    struct se05x_policy p;
    assert_int_equal(tool_parse_policy(NULL, "sign,verify,read,delete", &p), 0);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.rule[0].auth_id, 0);
    /* docs/protocol/apdu.md §6 example: SIGN+VERIFY+READ+DELETE = 18240000 */
    assert_int_equal(p.rule[0].rules, 0x18240000u);
    assert_int_equal(tool_parse_policy(NULL, "Verify", &p), 0);
    assert_int_equal(p.rule[0].rules, SE05X_POLICY_VERIFY);
    assert_int_equal(tool_parse_policy(NULL, "0x10240000", &p), 0);
    assert_int_equal(p.rule[0].rules, 0x10240000u);
    assert_int_equal(tool_parse_policy(NULL, "all", &p), 0);
    assert_true(p.rule[0].rules & SE05X_POLICY_SIGN);
    assert_false(p.rule[0].rules & SE05X_POLICY_FORBID_ALL);
}

static void policy_bad(void **state)
{
    (void)state;
    struct se05x_policy p;
    assert_int_equal(tool_parse_policy(NULL, "", &p), EXIT_USAGE);
    assert_int_equal(tool_parse_policy(NULL, "sign,fly", &p), EXIT_USAGE);
    assert_int_equal(tool_parse_policy(NULL, "signx", &p), EXIT_USAGE);
    assert_int_equal(tool_parse_policy(NULL, "0x", &p), EXIT_USAGE);
    assert_int_equal(tool_parse_policy(NULL, "0x123456789", &p), EXIT_USAGE);
    assert_int_equal(tool_parse_policy(NULL, "0xZZ", &p), EXIT_USAGE);
}

static void curves(void **state)
{
    (void)state;
    assert_int_equal(tool_curve_from_name("P-256"), SE05X_EC_NIST_P256);
    assert_int_equal(tool_curve_from_name("nist_p256"), SE05X_EC_NIST_P256);
    assert_int_equal(tool_curve_from_name("prime256v1"), SE05X_EC_NIST_P256);
    assert_int_equal(tool_curve_from_name("secp384r1"), SE05X_EC_NIST_P384);
    assert_int_equal(tool_curve_from_name("P-521"), SE05X_EC_NIST_P521);
    assert_int_equal(tool_curve_from_name("secp256k1"), SE05X_EC_SECP256K1);
    assert_int_equal(tool_curve_from_name("brainpoolP256r1"), SE05X_EC_BRAINPOOL256);
    assert_int_equal(tool_curve_from_name("Brainpool512"), SE05X_EC_BRAINPOOL512);
    assert_int_equal(tool_curve_from_name("foo"), SE05X_EC_NONE);
    assert_int_equal(tool_curve_from_name("Ed25519"), SE05X_EC_NONE); /* no ECDSA */
    assert_int_equal(tool_curve_from_name(""), SE05X_EC_NONE);
    assert_string_equal(tool_curve_name(SE05X_EC_NIST_P384), "P-384");
    assert_true(tool_rsa_bits_ok(2048));
    assert_false(tool_rsa_bits_ok(1000));
}

static void digests_and_numbers(void **state)
{
    (void)state;
    assert_int_equal(tool_digest_from_name("sha256"), SE05X_MD_SHA256);
    assert_int_equal(tool_digest_from_name("SHA-384"), SE05X_MD_SHA384);
    assert_int_equal(tool_digest_from_name("md5"), SE05X_MD_NONE);
    assert_string_equal(tool_digest_name(SE05X_MD_SHA512), "sha512");
    unsigned long v = 0;
    assert_true(tool_parse_uint("32", 1, 100, &v));
    assert_int_equal(v, 32);
    assert_false(tool_parse_uint("0", 1, 100, &v));
    assert_false(tool_parse_uint("101", 1, 100, &v));
    assert_false(tool_parse_uint("-1", 1, 100, &v));
    assert_false(tool_parse_uint("1x", 1, 100, &v));
    assert_false(tool_parse_uint("99999999999999999999999", 1, 100, &v));
    assert_false(tool_parse_uint("", 1, 100, &v));
}

static void object_ids(void **state)
{
    (void)state;
    se05x_objid id = 0;
    assert_int_equal(tool_parse_id(NULL, "0x7f000001", &id), 0);
    assert_int_equal(id, 0x7F000001u);
    assert_int_equal(tool_parse_id(NULL, "20181001", &id), 0);
    assert_int_equal(id, 0x20181001u);
    assert_int_equal(tool_parse_id(NULL, "0xZZ", &id), EXIT_USAGE);
    assert_int_equal(tool_parse_id(NULL, "123456789", &id), EXIT_USAGE);
    assert_int_equal(tool_parse_id(NULL, "", &id), EXIT_USAGE);
    assert_int_equal(tool_parse_id(NULL, "0", &id), EXIT_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(policy_flags),       cmocka_unit_test(policy_bad), cmocka_unit_test(curves),
        cmocka_unit_test(digests_and_numbers), cmocka_unit_test(object_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
