/* SPDX-License-Identifier: Apache-2.0 */
/* <se05x/lifecycle.h> against a scripted link (tests/lib-cmds/mock.c): the
 * locked policies, the claim's WriteUserID byte for byte (policy, max
 * attempts, id, secret), nothing written when the object exists or the id
 * is not reserved, and the ReadAttributes parser (3.x, 7.x, hostile). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <se05x/lifecycle.h>

#include "mock.h"

static void t_locked_policies(void **state)
{
    (void)state;
    struct se05x_policy p;
    assert_int_equal(se05x_policy_locked(SE05X_KIND_EC, SE05X_PART_PAIR, &p), SE05X_OK);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.rule[0].auth_id, 0);
    assert_int_equal(p.rule[0].rules, 0x1C200000u);
    assert_true(se05x_policy_is_locked(&p));
    assert_int_equal(se05x_policy_locked(SE05X_KIND_EC, SE05X_PART_PUBLIC, &p), SE05X_OK);
    assert_int_equal(p.rule[0].rules, 0x08200000u);
    assert_int_equal(se05x_policy_locked(SE05X_KIND_RSA, SE05X_PART_PAIR, &p), SE05X_OK);
    assert_int_equal(p.rule[0].rules, 0x1B200000u);
    assert_int_equal(se05x_policy_locked(SE05X_KIND_RSA, SE05X_PART_PUBLIC, &p), SE05X_OK);
    assert_int_equal(p.rule[0].rules, 0x0A200000u);
    assert_int_equal(se05x_policy_locked(SE05X_KIND_BINARY, 0, &p), SE05X_OK);
    assert_int_equal(p.rule[0].rules, 0x00200000u);
    assert_int_equal(se05x_policy_locked(SE05X_KIND_AES, 0, &p), SE05X_E_BAD_ARG);
    struct se05x_policy open = {2, {{0, 0x10000000u}, {0x7DA00001u, 0x00040000u}}};
    assert_false(se05x_policy_is_locked(&open)); /* DELETE for a session */
    struct se05x_policy none = {0, {{0, 0}}};
    assert_false(se05x_policy_is_locked(&none)); /* applet default */
}

static void t_claim_bytes(void **state)
{
    se05x_session *s = *state;
    mock_expect_prefix(&M, "80 04 00 27 06 41 04 7F FF 02 00", "41 01 02 90 00");
    /* policy {auth 0: no rights}, max attempts 0, id, the secret */
    mock_expect(&M,
                "80 41 07 00 1B 11 09 08 00 00 00 00 00 00 00 00 12 02 00 00 41 04 7F FF 02 00 42 04 31 32 33 34",
                "90 00");
    assert_int_equal(se05x_claim_reserved(s, SE05X_OBJID_TRANSPORT, (const uint8_t *)"1234", 4), SE05X_OK);
    mock_assert_done(&M);
}

static size_t random_secret(const uint8_t *c, size_t clen, uint8_t *r, size_t rcap, void *arg)
{
    (void)rcap;
    (void)arg;
    /* 5 header + 11 policy + 4 attempts + 6 id + 2 + 16 secret */
    assert_int_equal(clen, 5 + 11 + 4 + 6 + 2 + 16);
    assert_int_equal(c[clen - 17], 16);
    r[0] = 0x90;
    r[1] = 0x00;
    return 2;
}

static void t_claim_random(void **state)
{
    se05x_session *s = *state;
    mock_expect_prefix(&M, "80 04 00 27 06 41 04 7F FF 02 05", "41 01 02 90 00");
    mock_expect_handler(&M, "80 41 07 00", random_secret, NULL);
    assert_int_equal(se05x_claim_reserved(s, SE05X_OBJID_FACTORY_RESET, NULL, 0), SE05X_OK);
    mock_assert_done(&M);
}

static void t_claim_refusals(void **state)
{
    se05x_session *s = *state;
    /* exists: no write */
    mock_expect_prefix(&M, "80 04 00 27 06 41 04 7F FF 02 00", "41 01 01 90 00");
    assert_int_equal(se05x_claim_reserved(s, SE05X_OBJID_TRANSPORT, NULL, 0), SE05X_E_EXISTS);
    mock_assert_done(&M);
    /* not a reserved auth object, bad secret lengths: nothing sent at all */
    assert_int_equal(se05x_claim_reserved(s, 0x7DA00001u, NULL, 0), SE05X_E_BAD_ARG);
    assert_int_equal(se05x_claim_reserved(s, SE05X_OBJID_TRANSPORT, (const uint8_t *)"123", 3), SE05X_E_BAD_ARG);
    assert_int_equal(se05x_claim_reserved(s, SE05X_OBJID_TRANSPORT, (const uint8_t *)"0123456789abcdefg", 17),
                     SE05X_E_BAD_ARG);
    mock_assert_done(&M);
}

static void t_read_policy(void **state)
{
    se05x_session *s = *state;
    struct se05x_object_policy op;
    /* 3.x: id type auth attempts owner max | one rule | origin generated */
    mock_expect_prefix(&M, "80 02 00 3B 06 41 04 20 18 10 01",
                       "42 18 20 18 10 01 01 01 00 00 00 00 00 00 00 00 08 00 00 00 00 1C 20 00 00 02 90 00");
    assert_int_equal(se05x_read_object_policy(s, 0x20181001u, &op), SE05X_OK);
    assert_int_equal(op.policy.n, 1);
    assert_int_equal(op.policy.rule[0].rules, 0x1C200000u);
    assert_int_equal(op.origin, 2);
    assert_false(op.auth);
    /* 7.x: no policy, origin, 4-byte version; an auth object */
    mock_expect_prefix(&M, "80 02 00 3B 06 41 04 7F FF 02 00",
                       "42 13 7F FF 02 00 0C 02 00 00 00 00 00 00 00 00 01 00 00 00 01 90 00");
    assert_int_equal(se05x_read_object_policy(s, 0x7FFF0200u, &op), SE05X_OK);
    assert_int_equal(op.policy.n, 0);
    assert_true(op.auth);
    /* hostile: another object's attributes, truncated rule, bad origin */
    mock_expect_prefix(&M, "80 02 00 3B", "42 0F 20 18 10 02 01 01 00 00 00 00 00 00 00 00 02 90 00");
    assert_int_equal(se05x_read_object_policy(s, 0x20181001u, &op), SE05X_E_PROTOCOL);
    mock_expect_prefix(&M, "80 02 00 3B", "42 12 20 18 10 01 01 01 00 00 00 00 00 00 00 00 08 00 00 00 90 00");
    assert_int_equal(se05x_read_object_policy(s, 0x20181001u, &op), SE05X_E_PROTOCOL);
    mock_expect_prefix(&M, "80 02 00 3B", "42 0F 20 18 10 01 01 01 00 00 00 00 00 00 00 00 07 90 00");
    assert_int_equal(se05x_read_object_policy(s, 0x20181001u, &op), SE05X_E_PROTOCOL);
    mock_assert_done(&M);
}

static void t_claim_state(void **state)
{
    se05x_session *s = *state;
    enum se05x_claim_state st;
    mock_expect_prefix(&M, "80 04 00 27", "41 01 02 90 00");
    assert_int_equal(se05x_claim_state(s, SE05X_OBJID_TRANSPORT, &st), SE05X_OK);
    assert_int_equal(st, SE05X_UNCLAIMED);
    mock_expect_prefix(&M, "80 04 00 27", "41 01 01 90 00");
    mock_expect_prefix(&M, "80 02 00 3B", "42 18 7F FF 02 00 0C 02 00 00 00 00 00 00 00 00 08 00 00 00 00 00 00 00 00 01 90 00");
    assert_int_equal(se05x_claim_state(s, SE05X_OBJID_TRANSPORT, &st), SE05X_OK);
    assert_int_equal(st, SE05X_CLAIMED);
    /* written by someone without a policy: rewritable */
    mock_expect_prefix(&M, "80 04 00 27", "41 01 01 90 00");
    mock_expect_prefix(&M, "80 02 00 3B", "42 0F 7F FF 02 00 0C 02 00 00 00 00 00 00 00 00 01 90 00");
    assert_int_equal(se05x_claim_state(s, SE05X_OBJID_TRANSPORT, &st), SE05X_OK);
    assert_int_equal(st, SE05X_CLAIM_WRITABLE);
    mock_assert_done(&M);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_locked_policies),
        MOCK_TEST(t_claim_bytes),
        MOCK_TEST(t_claim_random),
        MOCK_TEST(t_claim_refusals),
        MOCK_TEST(t_read_policy),
        MOCK_TEST(t_claim_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
