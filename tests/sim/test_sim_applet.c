/* SPDX-License-Identifier: Apache-2.0 */
/* Emulator card core, applet level: SELECT, APDU header errors, management
 * commands (random, free memory, object existence, deletion, timestamp), UID and certificate
 * reads, and the configurable choices (docs/protocol/apdu.md §6 byte examples).
 * (Split from the former test_sim_card.c; shared helpers in card_fixture.h.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "card_fixture.h"
#include "sim_test_util.h"
#include "tlv.h"

static uint8_t r[4096];
static size_t rl;

static void test_select(void **st)
{
    (void)st;
    struct sim_card *c = tu_open(NULL, NULL);
    /* before SELECT: conditions not satisfied */
    assert_int_equal(tu_apdu(c, "8004002000", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, SEL, r, &rl), 0x9000);
    assert_int_equal(rl, 7);
    assert_memory_equal(r, "\x03\x01\x00\x6F\xFF\x01\x0B", 7);
    /* 15-byte prefix (VCOM documentation form) */
    assert_int_equal(tu_apdu(c, "00A404000FA0000003965453000000010300000000", r, &rl), 0x9000);
    /* Nitrokey's Le 07 */
    assert_int_equal(tu_apdu(c, "00A4040010A000000396545300000001030000000007", r, &rl), 0x9000);
    /* 14-byte prefix and other AIDs */
    assert_int_equal(tu_apdu(c, "00A404000EA00000039654530000000103000000", r, &rl), 0x6A82);
    assert_int_equal(tu_apdu(c, "00A4040010A000000396545300000001030000000100", r, &rl), 0x6A82);
    assert_int_equal(tu_apdu(c, "00A4040000", r, &rl), 0x9000); /* card manager */
    assert_int_equal(tu_apdu(c, "8004002000", r, &rl), 0x6985);
    /* card-manager GET DATA: ConfigID with the SE050C1 OEF id A200 */
    assert_int_equal(tu_apdu(c, "80 CA 00 FE 02 DF 28 00", r, &rl), 0x9000);
    assert_int_equal(rl, 2 + r[1]);
    assert_memory_equal(r, "\xFE", 1);
    assert_memory_equal(r + 2, "\xDF\x28", 2);
    assert_memory_equal(r + 5, "\x01\x0C\x00\x01\xA2\x00", 6);
    assert_int_equal(tu_apdu(c, "80 CA 00 FE 02 DF 29 00", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, SEL, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "8004002000", r, &rl), 0x9000);
    assert_int_equal(rl, 11);
    assert_memory_equal(r, "\x41\x82\x00\x07\x03\x01\x00\x6F\xFF\x01\x0B", 11);
    /* after a chip reset the applet must be selected again */
    sim_card_chip_reset(c);
    assert_int_equal(tu_apdu(c, "8004002000", r, &rl), 0x6985);
    sim_card_close(c);

    struct sim_card_cfg cfg = {.variant = 'F'};
    c = tu_open(NULL, &cfg);
    assert_int_equal(tu_apdu(c, SEL, r, &rl), 0x9000);
    assert_memory_equal(r, "\x03\x06\x00\x6F\xFF\x01\x0B", 7);
    size_t atrlen;
    const uint8_t *atr = sim_card_atr(c, &atrlen);
    assert_int_equal(atrlen, 35);
    assert_int_equal(atr[0], 0x00);
    sim_card_close(c);
}

static void test_header_errors(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    assert_int_equal(tu_apdu(c, "801F002000", r, &rl), 0x6D00);  /* unknown INS */
    assert_int_equal(tu_apdu(c, "A004002000", r, &rl), 0x6E00);  /* unknown CLA */
    assert_int_equal(tu_apdu(c, "8404002000", r, &rl), 0x6982);  /* no SCP03 session */
    assert_int_equal(tu_apdu(c, "800400FE00", r, &rl), 0x6A86);  /* unknown P2 */
    assert_int_equal(tu_apdu(c, "800477FE00", r, &rl), 0x6A86);  /* unknown P1 */
    assert_int_equal(tu_apdu(c, "808400 2000", r, &rl), 0x6D00); /* transient bit on MGMT */
    /* wrong Lc: short says 7, 6 bytes follow; extended says 0x10 */
    assert_int_equal(tu_apdu(c, "80040027 07 41047F000001", r, &rl), 0x6700);
    assert_int_equal(tu_apdu(c, "80040027 000010 41047F000001", r, &rl), 0x6700);
    assert_int_equal(tu_apdu(c, "80040027 000000", r, &rl), 0x6A80); /* no id */
    assert_int_equal(tu_apdu(c, "800400", r, &rl), 0x6700);
    assert_int_equal(tu_apdu(c, "80040027 00 41", r, &rl), 0x6700);
    /* extended case 4 with data is fine */
    assert_int_equal(tu_apdu(c, "80040027 000006 41047F000001 0000", r, &rl), 0x9000);
    /* Lc above the applet's 892-byte payload limit */
    uint8_t big[1000];
    memset(big, 0, sizeof big);
    assert_int_equal(tu_cmd(c, 0x80, 0x04, 0x00, 0x27, big, 900, r, &rl), 0x6700);
    /* malformed TLV */
    assert_int_equal(tu_apdu(c, "80040027 06 41057F000001", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80040027 06 41037F000001", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80040027 0C 41047F000001 41047F000001", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80040027 09 41047F000001 990100", r, &rl), 0x6A80);
    sim_card_close(c);
}

static void test_mgmt(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    /* §6 GetRandom 8 bytes */
    assert_int_equal(tu_apdu(c, "80 04 00 49 00 00 04 41 02 00 08 00 00", r, &rl), 0x9000);
    assert_int_equal(rl, 12);
    assert_memory_equal(r, "\x41\x82\x00\x08", 4);
    assert_int_equal(tu_apdu(c, "80 04 00 49 04 41 02 00 00", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80 04 00 49 04 41 02 04 00", r, &rl), 0x6700);
    /* GetFreeMemory */
    assert_int_equal(tu_apdu(c, "80 04 00 22 03 41 01 01", r, &rl), 0x9000);
    assert_int_equal(rl, 4);
    assert_memory_equal(r, "\x41\x02", 2);
    assert_true(r[2] << 8 | r[3]);
    assert_int_equal(tu_apdu(c, "80 04 00 22 03 41 01 02", r, &rl), 0x9000);
    assert_int_equal(r[2] << 8 | r[3], 4096);
    assert_int_equal(tu_apdu(c, "80 04 00 22 03 41 01 03", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 04 00 22 03 41 01 04", r, &rl), 0x6A80);
    /* CheckObjectExists */
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F FF 02 06", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01", 3);
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F 00 00 01", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02", 3);
    /* DeleteAll needs a 7FFF0205 session, which is never satisfied */
    assert_int_equal(tu_apdu(c, "80 04 00 2A 00", r, &rl), 0x6982);
    /* sessions are not emulated */
    assert_int_equal(tu_apdu(c, "80 04 00 1B 06 41 04 7F FF 02 05", r, &rl), 0x6985);
    /* provisioned objects cannot be deleted and stay */
    assert_int_equal(tu_apdu(c, "80 04 00 28 06 41 04 7F FF 02 06", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 04 00 28 06 41 04 F0 00 00 12", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F FF 02 06", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01", 3);
    /* unknown object */
    assert_int_equal(tu_apdu(c, "80 04 00 28 06 41 04 7F 00 00 01", r, &rl), 0x6A80);
    /* timestamp: 12 bytes */
    assert_int_equal(tu_apdu(c, "80 04 00 3D 00", r, &rl), 0x9000);
    assert_int_equal(rl, 16);
    sim_card_close(c);
}

static void test_uid_and_cert(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    uint8_t a[64], b[64];
    size_t al, bl;
    /* §6 both forms */
    assert_int_equal(tu_apdu(c, "80 02 00 00 00 00 0A 41 04 7F FF 02 06 43 02 00 12 00 00", a, &al), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 0E 41 04 7F FF 02 06 42 02 00 00 43 02 00 12 00", b, &bl), 0x9000);
    assert_int_equal(al, 22);
    assert_memory_equal(a, "\x41\x82\x00\x12\x04\x00\x50\x01", 8);
    assert_int_equal(bl, al);
    assert_memory_equal(a, b, al);
    /* offset/length window and out-of-range */
    assert_int_equal(tu_apdu(c, "80 02 00 00 0E 41 04 7F FF 02 06 42 02 00 04 43 02 00 04", b, &bl), 0x9000);
    assert_memory_equal(b + 4, a + 8, 4);
    assert_int_equal(tu_apdu(c, "80 02 00 00 0E 41 04 7F FF 02 06 42 02 00 10 43 02 00 04", b, &bl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80 02 00 00 0A 41 04 7F FF 02 06 42 02 00 13", b, &bl), 0x6A80);
    /* the UID is read-only */
    assert_int_equal(tu_apdu(c, "80 01 06 00 0C 41 04 7F FF 02 06 44 04 00 00 00 00", b, &bl), 0x6985);
    /* ReadType / ReadSize */
    assert_int_equal(tu_apdu(c, "80 02 00 26 06 41 04 7F FF 02 06", b, &bl), 0x9000);
    assert_int_equal(bl, 6);
    assert_memory_equal(b, "\x41\x01\x0B\x42\x01\x01", 6);
    assert_int_equal(tu_apdu(c, "80 02 00 07 06 41 04 7F FF 02 06", b, &bl), 0x9000);
    assert_memory_equal(b, "\x41\x02\x00\x12", 4);
    /* attestation certificate: readable DER, size via ReadSize */
    assert_int_equal(tu_apdu(c, "80 02 00 07 06 41 04 F0 00 00 13", b, &bl), 0x9000);
    size_t cl = (size_t)(b[2] << 8 | b[3]);
    assert_true(cl > 200 && cl < 800);
    assert_int_equal(tu_apdu(c, "80 02 00 00 00 00 06 41 04 F0 00 00 13 00 00", r, &rl), 0x9000);
    assert_int_equal(rl, cl + 4);
    assert_int_equal(r[4], 0x30);
    /* attestation key: public part readable, signing denied by its policy */
    assert_int_equal(tu_apdu(c, "80 02 00 00 00 00 06 41 04 F0 00 00 12 00 00", r, &rl), 0x9000);
    assert_int_equal(rl, 65 + 4);
    /* FACTORY_RESET is not provisioned (hosts create it) */
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F FF 02 05", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02", 3);
    sim_card_close(c);
}

/* Configurable choices: A4 shells dropped at a chip reset, A10 short freshness. */
static void test_options(void **st)
{
    (void)st;
    struct sim_card_cfg cfg = {.reset_drops_shells = true, .freshness_any = true};
    struct sim_card *c = tu_open_selected(NULL, &cfg);
    assert_int_equal(tu_apdu(c, "80 81 06 00 0A 41 04 7F 00 00 01 43 02 00 04", r, &rl), 0x9000);
    sim_card_chip_reset(c);
    assert_int_equal(tu_apdu(c, SEL, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F 00 00 01", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02", 3);
    /* 4-byte freshness accepted and echoed */
    assert_int_equal(tu_apdu(c, "80 22 00 00 00 00 15 41 04 7F FF 02 06 45 04 F0 00 00 12 46 01 21 47 04 01 02 03 04 00 00", r, &rl), 0x9000);
    const uint8_t *v;
    size_t n;
    assert_true(tu_tlv(r, rl, 0x44, &v, &n));
    assert_int_equal(n, 4);
    assert_memory_equal(v, "\x01\x02\x03\x04", 4);
    sim_card_close(c);
    c = tu_open_selected(NULL, NULL);
    assert_int_equal(tu_apdu(c, "80 22 00 00 00 00 15 41 04 7F FF 02 06 45 04 F0 00 00 12 46 01 21 47 04 01 02 03 04 00 00", r, &rl), 0x6A80);
    sim_card_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_header_errors),
        cmocka_unit_test(test_mgmt),
        cmocka_unit_test(test_uid_and_cert),
        cmocka_unit_test(test_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
