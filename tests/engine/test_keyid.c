/* SPDX-License-Identifier: Apache-2.0 */
/* Unit test: key ids accepted by ENGINE_load_private_key (no chip needed). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "e4sss.h"
#include <openssl/sha.h>

static struct e4sss_ctx ctx = {.errlib = ERR_LIB_USER};

static se05x_objid parse_ok(const char *text)
{
    se05x_objid id = 0;
    ERR_clear_error();
    assert_int_equal(e4sss_parse_key_id(&ctx, text, &id), 1);
    assert_int_equal(ERR_peek_error(), 0); /* no stale error after success */
    return id;
}

static void parse_bad(const char *text, const char *needle)
{
    se05x_objid id = 0;
    char buf[512];
    const char *data = NULL;
    int flags = 0;

    ERR_clear_error();
    assert_int_equal(e4sss_parse_key_id(&ctx, text, &id), 0);
    assert_int_not_equal(ERR_peek_last_error_data(&data, &flags), 0);
    assert_non_null(data);
    snprintf(buf, sizeof(buf), "%s", data);
    if (strstr(buf, needle) == NULL)
        fail_msg("error '%s' lacks '%s'", buf, needle);
    assert_non_null(strstr(buf, "se05x: "));
}

static void test_ids(void **st)
{
    (void)st;
    assert_int_equal(parse_ok("0x7f000001"), 0x7F000001);
    assert_int_equal(parse_ok("7F000001"), 0x7F000001);
    assert_int_equal(parse_ok("sss:20181001"), 0x20181001);
    assert_int_equal(parse_ok("nxp:0xEF000000"), 0xEF000000);
}

static void test_pkcs11_uri(void **st)
{
    (void)st;
    assert_int_equal(parse_ok("pkcs11:object=sss:7f000001;type=private"), 0x7F000001);
    assert_int_equal(parse_ok("pkcs11:token=SSS_PKCS11;object=sss:0x20181001;type=private"),
                     0x20181001);
    /* no byte swap (old middleware used sss:01101820 for 0x20181001) */
    assert_int_equal(parse_ok("pkcs11:object=sss:01101820"), 0x01101820);
    assert_int_equal(parse_ok("pkcs11:id=%7f%00%00%01;type=private"), 0x7F000001);
    assert_int_equal(parse_ok("pkcs11:object=sss%3a7f000001?pin-value=1234"), 0x7F000001);
    /* any other label: last 4 bytes of SHA-512(label), as the PKCS#11 module */
    {
        unsigned char md[64];
        se05x_objid want;
        SHA512((const unsigned char *)"device key", 10, md);
        want = ((se05x_objid)md[60] << 24) | ((se05x_objid)md[61] << 16) |
               ((se05x_objid)md[62] << 8) | md[63];
        assert_int_equal(parse_ok("pkcs11:object=device%20key"), want);
    }
}

static void test_bad(void **st)
{
    (void)st;
    parse_bad("pkcs11:type=private", "no object= or id=");
    parse_bad("pkcs11:object=sss:zz;type=private", "bad object label");
    parse_bad("pkcs11:id=%7f%00;type=private", "4 bytes");
    parse_bad("pkcs11:object=sss:7f000001;type=cert", "type must be");
    parse_bad("pkcs11:object=sss:7f000001;id=%7f%00%00%02", "different objects");
    parse_bad("pkcs11:object=%zz", "percent");
    parse_bad("/nonexistent/key.ref", "/nonexistent/key.ref");
    parse_bad("", "empty key id");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_pkcs11_uri),
        cmocka_unit_test(test_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
