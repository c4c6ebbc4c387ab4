/* SPDX-License-Identifier: Apache-2.0 */
/* APDU encoder against the byte examples of docs/protocol/apdu.md §3.3 and §6. */
#include <string.h>

#include "testutil.h"
#include "internal.h"

static size_t enc(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2, const char *datahex, bool ext,
                  uint8_t *out, size_t cap)
{
    static uint8_t data[70000];
    size_t n = datahex ? test_hex(datahex, data, sizeof data) : 0;
    struct se05x_apdu a = {cla, ins, p1, p2, n ? data : NULL, n, ext};
    return se05x_apdu_encode(&a, out, cap);
}

static void get_random(void **st)
{
    (void)st;
    uint8_t b[64];
    size_t n = enc(0x80, 0x04, 0x00, 0x49, "41 02 00 08", true, b, sizeof b);
    assert_bytes(b, n, "80 04 00 49 00 00 04 41 02 00 08 00 00");
}

static void read_uid(void **st)
{
    (void)st;
    uint8_t b[64];
    size_t n = enc(0x80, 0x02, 0x00, 0x00, "41 04 7F FF 02 06 43 02 00 12", true, b, sizeof b);
    assert_bytes(b, n, "80 02 00 00 00 00 0A 41 04 7F FF 02 06 43 02 00 12 00 00");
}

static void ecdsa_sign_no_le(void **st)
{
    (void)st;
    uint8_t b[128];
    const char *d = "41 04 7F 00 00 01 42 01 21 43 20"
                    " 000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F";
    size_t n = enc(0x80, 0x03, 0x0C, 0x09, d, false, b, sizeof b);
    assert_int_equal(n, 5 + 0x2B);
    assert_bytes(b, n, "80 03 0C 09 2B 41 04 7F 00 00 01 42 01 21 43 20"
                       " 000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
}

static void create_curve(void **st)
{
    (void)st;
    uint8_t b[16];
    size_t n = enc(0x80, 0x01, 0x0B, 0x04, "41 01 03", false, b, sizeof b);
    assert_bytes(b, n, "80 01 0B 04 03 41 01 03");
}

static void get_version_no_data(void **st)
{
    (void)st;
    uint8_t b[16];
    size_t n = enc(0x80, 0x04, 0x00, 0x20, NULL, false, b, sizeof b);
    assert_bytes(b, n, "80 04 00 20 00");
    n = enc(0x80, 0x02, 0x10, 0x25, NULL, true, b, sizeof b);
    assert_bytes(b, n, "80 02 10 25 00 00 00");
}

static void check_exists_and_delete(void **st)
{
    (void)st;
    uint8_t b[16];
    size_t n = enc(0x80, 0x04, 0x00, 0x27, "41 04 7F 00 00 01", false, b, sizeof b);
    assert_bytes(b, n, "80 04 00 27 06 41 04 7F 00 00 01");
    n = enc(0x80, 0x04, 0x00, 0x28, "41 04 7F 00 00 01", false, b, sizeof b);
    assert_bytes(b, n, "80 04 00 28 06 41 04 7F 00 00 01");
}

static void boundary_254_255(void **st)
{
    (void)st;
    static uint8_t data[300], b[400];
    memset(data, 0x5A, sizeof data);
    struct se05x_apdu a = {0x80, 0x01, 0x06, 0x00, data, 254, false};
    size_t n = se05x_apdu_encode(&a, b, sizeof b);
    assert_int_equal(n, 5 + 254);
    assert_int_equal(b[4], 254);
    a.len = 255;
    n = se05x_apdu_encode(&a, b, sizeof b);
    assert_int_equal(n, 7 + 255); /* 00 HH LL data, no Le */
    assert_bytes(b, 7, "80 01 06 00 00 00 FF");
    assert_int_equal(b[n - 1], 0x5A);
    a.extended = true;
    a.len = 1;
    n = se05x_apdu_encode(&a, b, sizeof b);
    assert_bytes(b, n, "80 01 06 00 00 00 01 5A 00 00");
}

static void rejects_bad(void **st)
{
    (void)st;
    static uint8_t data[70000], b[70100];
    struct se05x_apdu a = {0x80, 0x01, 0x06, 0x00, data, 65536, false};
    assert_int_equal(se05x_apdu_encode(&a, b, sizeof b), 0); /* > 65535 */
    a.len = 65535;
    assert_int_equal(se05x_apdu_encode(&a, b, sizeof b), 7 + 65535);
    a.len = 10;
    assert_int_equal(se05x_apdu_encode(&a, b, 14), 0);      /* cap one short */
    assert_int_equal(se05x_apdu_encode(&a, b, 15), 15);
    a.extended = true;
    assert_int_equal(se05x_apdu_encode(&a, b, 18), 0);
    assert_int_equal(se05x_apdu_encode(&a, b, 19), 19);
    a.data = NULL;
    assert_int_equal(se05x_apdu_encode(&a, b, sizeof b), 0); /* len without data */
    assert_int_equal(se05x_apdu_encode(NULL, b, sizeof b), 0);
    a.len = 0;
    a.extended = false;
    assert_int_equal(se05x_apdu_encode(&a, b, 4), 0);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(get_random),       cmocka_unit_test(read_uid),
        cmocka_unit_test(ecdsa_sign_no_le), cmocka_unit_test(create_curve),
        cmocka_unit_test(get_version_no_data), cmocka_unit_test(check_exists_and_delete),
        cmocka_unit_test(boundary_254_255), cmocka_unit_test(rejects_bad),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
