/* SPDX-License-Identifier: Apache-2.0 */
/* se05xd access list: rule file errors name the line, APDUs are classified
 * by INS/P1/P2 and their object id TLV, the first matching rule decides and
 * no match denies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "acl.h"

static void parse_errors_name_the_line(void **state)
{
    (void)state;
    struct acl a;
    char err[300];
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"allow root * sign\nallw root * sign\n", "t.acl:2: expected 'allow' or 'deny'"},
        {"# c\n\nallow nosuchuser_se05x * sign\n", "t.acl:3: unknown user 'nosuchuser_se05x'"},
        {"allow @nosuchgroup_se05x * sign\n", "t.acl:1: unknown group"},
        {"allow root 0x7F00000G sign\n", "t.acl:1: bad object id '0x7F00000G'"},
        {"allow root 0x7F000010-0x7F000001 sign\n", "t.acl:1: object id range"},
        {"allow root * sing\n", "t.acl:1: unknown operation 'sing'"},
        {"allow root *\n", "t.acl:1: expected 'allow|deny"},
        {"allow root * sign extra\n", "t.acl:1: expected 'allow|deny"},
        {"allow root 0x123456789 sign\n", "t.acl:1: bad object id"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(acl_parse(bad[i].text, "t.acl", &a, err, sizeof err), -1);
        if (!strstr(err, bad[i].want))
            fail_msg("case %zu: '%s' does not contain '%s'", i, err, bad[i].want);
        assert_int_equal(a.n, 0);
    }
}

/* ECDSASign 80 03 0C 09 | 41 04 id | 42 01 21 | 43 20 digest */
static size_t sign_apdu(uint8_t *c, uint32_t id)
{
    size_t n = 0;
    c[n++] = 0x80, c[n++] = 0x03, c[n++] = 0x0C, c[n++] = 0x09, c[n++] = 6 + 3 + 34;
    c[n++] = 0x41, c[n++] = 4, c[n++] = (uint8_t)(id >> 24), c[n++] = (uint8_t)(id >> 16), c[n++] = (uint8_t)(id >> 8),
    c[n++] = (uint8_t)id;
    c[n++] = 0x42, c[n++] = 1, c[n++] = 0x21;
    c[n++] = 0x43, c[n++] = 32;
    memset(c + n, 0xAB, 32);
    return n + 32;
}

static void classification(void **state)
{
    (void)state;
    uint8_t c[300];
    struct acl_class k;
    size_t n = sign_apdu(c, 0x7F000001);
    acl_classify(c, n, &k);
    assert_int_equal(k.op, OP_SIGN);
    assert_true(k.has_id);
    assert_int_equal(k.id, 0x7F000001);

    /* WriteECKey with a policy TLV before the id: the id is still found */
    static const uint8_t wr[] = {0x80, 0x01, 0x61, 0x00, 0x0E, 0x11, 0x03, 0x01, 0x02, 0x03,
                                 0x41, 0x04, 0x7F, 0x00, 0x00, 0x22, 0x42, 0x01, 0x03};
    acl_classify(wr, sizeof wr, &k);
    assert_int_equal(k.op, OP_WRITE);
    assert_int_equal(k.id, 0x7F000022);

    static const uint8_t del[] = {0x80, 0x04, 0x00, 0x28, 0x06, 0x41, 0x04, 0x7F, 0x00, 0x00, 0x01};
    acl_classify(del, sizeof del, &k);
    assert_int_equal(k.op, OP_DELETE);

    static const uint8_t delall[] = {0x80, 0x04, 0x00, 0x2A, 0x00};
    acl_classify(delall, sizeof delall, &k);
    assert_int_equal(k.op, OP_ADMIN);

    static const uint8_t ver[] = {0x80, 0x04, 0x00, 0x20, 0x00};
    acl_classify(ver, sizeof ver, &k);
    assert_int_equal(k.op, OP_INFO);

    /* ReadObject, extended form 00 HH LL ... 00 00 */
    static const uint8_t rd[] = {0x80, 0x02, 0x00, 0x00, 0x00, 0x00, 0x06, 0x41, 0x04, 0x7F, 0x00, 0x00, 0x05, 0x00, 0x00};
    acl_classify(rd, sizeof rd, &k);
    assert_int_equal(k.op, OP_READ);
    assert_int_equal(k.id, 0x7F000005);

    static const uint8_t dec[] = {0x80, 0x03, 0x02, 0x38, 0x0C, 0x41, 0x04, 0x7F, 0x00, 0x00, 0x07, 0x42, 0x01, 0x0A, 0x43, 0x01, 0x00};
    acl_classify(dec, 15, &k); /* Lc says 12 but 10 bytes follow: malformed */
    assert_int_equal(k.op, OP_ADMIN);
    uint8_t dec2[] = {0x80, 0x03, 0x02, 0x38, 0x0C, 0x41, 0x04, 0x7F, 0x00, 0x00, 0x07, 0x42, 0x01, 0x0A, 0x43, 0x01, 0x00};
    acl_classify(dec2, sizeof dec2, &k);
    assert_int_equal(k.op, OP_DECRYPT);

    static const uint8_t dh[] = {0x80, 0x03, 0x01, 0x0F, 0x06, 0x41, 0x04, 0x7F, 0x00, 0x00, 0x08};
    acl_classify(dh, sizeof dh, &k);
    assert_int_equal(k.op, OP_DERIVE);

    /* ProcessSessionCmd with a plain inner ECDSASign: classified by the inner command */
    uint8_t inner[300];
    size_t il = sign_apdu(inner, 0x7F000009);
    uint8_t p[400];
    size_t pn = 0;
    p[pn++] = 0x80, p[pn++] = 0x05, p[pn++] = 0, p[pn++] = 0, p[pn++] = (uint8_t)(10 + 2 + il);
    p[pn++] = 0x10, p[pn++] = 8;
    memset(p + pn, 0x11, 8);
    pn += 8;
    p[pn++] = 0x41, p[pn++] = (uint8_t)il;
    memcpy(p + pn, inner, il);
    pn += il;
    acl_classify(p, pn, &k);
    assert_int_equal(k.op, OP_SIGN);
    assert_int_equal(k.id, 0x7F000009);
    uint8_t sid[8];
    assert_true(acl_session_id(p, pn, sid));
    assert_int_equal(sid[0], 0x11);
    /* an encrypted inner command (CLA 84) cannot be classified */
    p[17] = 0x84;
    acl_classify(p, pn, &k);
    assert_int_equal(k.op, OP_ADMIN);

    /* the card-manager SELECT and GET DATA identify the card: information */
    static const uint8_t cm[] = {0x00, 0xA4, 0x04, 0x00, 0x00};
    acl_classify(cm, sizeof cm, &k);
    assert_int_equal(k.op, OP_INFO);
    static const uint8_t gd[] = {0x80, 0xCA, 0x9F, 0x7F, 0x00};
    acl_classify(gd, sizeof gd, &k);
    assert_int_equal(k.op, OP_INFO);
    static const uint8_t iso[] = {0x00, 0x70, 0x00, 0x00, 0x01};
    acl_classify(iso, sizeof iso, &k);
    assert_int_equal(k.op, OP_ADMIN);

    /* garbage never crashes and is admin */
    static const uint8_t junk[] = {0x80, 0x03, 0x0C, 0x09, 0x05, 0x41, 0x82, 0xFF, 0xFF, 0x00};
    acl_classify(junk, sizeof junk, &k);
    assert_true(k.op == OP_ADMIN || !k.has_id);
    acl_classify(junk, 3, &k);
    assert_int_equal(k.op, OP_ADMIN);
}

static void first_match_default_deny(void **state)
{
    (void)state;
    struct acl a;
    char err[300];
    assert_int_equal(acl_parse("# rules\n"
                               "deny  1000 0x7F000002 sign\n"
                               "allow 1000 0x7F000000-0x7F0000FF sign,verify   # range\n"
                               "allow @2000 * read\n"
                               "allow 0 * *\n",
                               "t.acl", &a, err, sizeof err),
                     0);
    assert_int_equal(a.n, 4);
    uint8_t c[300];
    struct acl_class k;
    struct acl_peer alice = {.uid = 1000, .gid = 1000};
    struct acl_peer bob = {.uid = 1001, .gid = 1001, .groups = {2000}, .ngroups = 1};
    struct acl_peer root = {.uid = 0, .gid = 0};
    unsigned line;
    acl_classify(c, sign_apdu(c, 0x7F000001), &k);
    assert_true(acl_allows(&a, &alice, &k, &line));
    assert_int_equal(line, 3);
    assert_false(acl_allows(&a, &bob, &k, &line));
    assert_int_equal(line, 0);
    assert_true(acl_allows(&a, &root, &k, &line));
    acl_classify(c, sign_apdu(c, 0x7F000002), &k);
    assert_false(acl_allows(&a, &alice, &k, &line)); /* the deny rule comes first */
    assert_int_equal(line, 2);
    acl_classify(c, sign_apdu(c, 0x7F000100), &k);
    assert_false(acl_allows(&a, &alice, &k, &line)); /* outside the range */
    static const uint8_t rd[] = {0x80, 0x02, 0x00, 0x00, 0x06, 0x41, 0x04, 0x7F, 0x00, 0x00, 0x05};
    acl_classify(rd, sizeof rd, &k);
    assert_true(acl_allows(&a, &bob, &k, &line)); /* by supplementary group */
    assert_int_equal(line, 4);
    static const uint8_t ver[] = {0x80, 0x04, 0x00, 0x20, 0x00};
    acl_classify(ver, sizeof ver, &k);
    struct acl_peer nobody = {.uid = 65534, .gid = 65534};
    assert_true(acl_allows(&a, &nobody, &k, &line)); /* information is not subject to the list */
    acl_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_errors_name_the_line),
        cmocka_unit_test(classification),
        cmocka_unit_test(first_match_default_deny),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
