/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the PKCS#11 module's pure helpers: label -> object id
 * (docs/protocol/compat.md §5), ECDSA DER -> r||s, EC parameters, and entry points that must
 * not touch the chip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/ec.h>
#include <openssl/sha.h>

#include "p11.h"

static void labels(void **state)
{
    (void)state;
    se05x_objid id = 0;
    assert_int_equal(p11_label_to_id(NULL, "sss:20181001", 12, &id), 0);
    assert_int_equal(id, 0x20181001);
    assert_int_equal(p11_label_to_id(NULL, "sss:0x20181001", 14, &id), 0);
    assert_int_equal(id, 0x20181001);
    assert_int_equal(p11_label_to_id(NULL, "SSS:0Xef000001", 14, &id), 0);
    assert_int_equal(id, 0xEF000001);
    assert_int_equal(p11_label_to_id(NULL, "sss:1", 5, &id), 0);
    assert_int_equal(id, 1);
    /* invalid sss: forms */
    assert_int_equal(p11_label_to_id(NULL, "sss:", 4, &id), -1);
    assert_int_equal(p11_label_to_id(NULL, "sss:0x", 6, &id), -1);
    assert_int_equal(p11_label_to_id(NULL, "sss:0", 5, &id), -1);
    assert_int_equal(p11_label_to_id(NULL, "sss:123456789", 13, &id), -1);
    assert_int_equal(p11_label_to_id(NULL, "sss:2018100g", 12, &id), -1);
    /* empty: caller chooses (random) */
    assert_int_equal(p11_label_to_id(NULL, "", 0, &id), 1);
    /* anything else: last 4 bytes of SHA-512 */
    uint8_t md[64];
    SHA512((const unsigned char *)"my key", 6, md);
    assert_int_equal(p11_label_to_id(NULL, "my key", 6, &id), 0);
    assert_int_equal(id, (uint32_t)md[60] << 24 | (uint32_t)md[61] << 16 | (uint32_t)md[62] << 8 | md[63]);
    /* the label is not NUL-terminated in PKCS#11 templates */
    assert_int_equal(p11_label_to_id(NULL, "sss:20181001XYZ", 12, &id), 0);
    assert_int_equal(id, 0x20181001);
    /* legacy migration switch */
    struct p11_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.legacy_swap = 1;
    assert_int_equal(p11_label_to_id(&ctx, "sss:01101820", 12, &id), 0);
    assert_int_equal(id, 0x20181001);
    char out[13];
    p11_id_label(0x7f000001, out);
    assert_string_equal(out, "sss:7F000001");
}

static void der_to_raw(void **state)
{
    (void)state;
    /* r = 1, s = 0x80 (needs a leading zero in DER) */
    const uint8_t der[] = {0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0x80};
    uint8_t raw[64];
    assert_int_equal(p11_ecdsa_der_to_raw(der, sizeof(der), 32, raw), CKR_OK);
    for (int i = 0; i < 31; i++) {
        assert_int_equal(raw[i], 0);
        assert_int_equal(raw[32 + i], 0);
    }
    assert_int_equal(raw[31], 1);
    assert_int_equal(raw[63], 0x80);
    const uint8_t bad[] = {0x30, 0x07, 0x02, 0x01};
    assert_int_equal(p11_ecdsa_der_to_raw(bad, sizeof(bad), 32, raw), CKR_DEVICE_ERROR);
    /* r wider than the curve: refused, no overflow */
    uint8_t big[2 + 2 + 40 + 3] = {0x30, 2 + 40 + 3, 0x02, 40};
    memset(big + 4, 0x11, 40);
    big[44] = 0x02, big[45] = 0x01, big[46] = 0x01;
    assert_int_equal(p11_ecdsa_der_to_raw(big, sizeof(big), 32, raw), CKR_DEVICE_ERROR);
}

static void ec_params(void **state)
{
    (void)state;
    const uint8_t p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    const uint8_t p384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
    assert_int_equal(p11_curve_from_params(p256, sizeof(p256)), SE05X_EC_NIST_P256);
    assert_int_equal(p11_curve_from_params(p384, sizeof(p384)), SE05X_EC_NIST_P384);
    assert_int_equal(p11_curve_from_params(p256, 5), SE05X_EC_NONE);
    const uint8_t junk[] = {0x13, 0x02, 'h', 'i'};
    assert_int_equal(p11_curve_from_params(junk, sizeof(junk)), SE05X_EC_NONE);
}

/* Without a reachable chip, everything up to the first real use works. */
static void no_chip_needed(void **state)
{
    (void)state;
    setenv("EX_SSS_BOOT_SSS_PORT", "127.0.0.1:1", 1);
    CK_FUNCTION_LIST *f = NULL;
    assert_int_equal(C_GetFunctionList(&f), CKR_OK);
    assert_int_equal(f->version.major, 2);
    assert_int_equal(f->version.minor, 40);
    assert_int_equal(f->C_GetInfo(&(CK_INFO){0}), CKR_CRYPTOKI_NOT_INITIALIZED);
    assert_int_equal(f->C_Initialize(NULL), CKR_OK);
    CK_INFO info;
    assert_int_equal(f->C_GetInfo(&info), CKR_OK);
    assert_int_equal(info.cryptokiVersion.minor, 40);
    CK_ULONG n = 0;
    assert_int_equal(f->C_GetMechanismList(1, NULL, &n), CKR_OK);
    assert_true(n > 20);
    CK_MECHANISM_INFO mi;
    assert_int_equal(f->C_GetMechanismInfo(1, CKM_RSA_PKCS_PSS, &mi), CKR_OK);
    assert_true(mi.flags & CKF_SIGN);
    assert_int_equal(f->C_GetMechanismInfo(1, CKM_AES_CBC, &mi), CKR_MECHANISM_INVALID);
    CK_SESSION_HANDLE h;
    assert_int_equal(f->C_OpenSession(1, CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_OK);
    assert_int_equal(f->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4), CKR_OK);
    CK_BYTE d[32];
    CK_ULONG dl = sizeof(d);
    CK_MECHANISM m = {CKM_SHA256, NULL, 0};
    assert_int_equal(f->C_DigestInit(h, &m), CKR_OK);
    assert_int_equal(f->C_Digest(h, (CK_BYTE_PTR) "abc", 3, d, &dl), CKR_OK);
    assert_int_equal(d[0], 0xba); /* SHA-256("abc") = ba7816bf... */
    assert_int_equal(f->C_GenerateRandom(h, d, 8), CKR_DEVICE_ERROR); /* first real use */
    assert_int_equal(f->C_Finalize(NULL), CKR_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(labels),
        cmocka_unit_test(der_to_raw),
        cmocka_unit_test(ec_params),
        cmocka_unit_test(no_chip_needed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
