/* SPDX-License-Identifier: Apache-2.0 */
/* Emulator card core, object store: binary objects, ID list paging, memory
 * exhaustion, transient vs persistent objects and Export/ImportObject.
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

/* WriteBinary (80 ins 06 00: ins 01, or 81 for a transient object) of id:
 * TAG 42 offset or TAG 43 total length (len_tag) with len, then TAG 44 the
 * data where given. Returns the SW. */
static uint16_t write_bin(struct sim_card *c, uint8_t ins, uint32_t id, uint8_t len_tag, uint16_t len,
                          const uint8_t *data, size_t n)
{
    uint8_t v[700];
    struct tlv_w w;
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, id);
    tlv_put_u16(&w, len_tag, len);
    if (data)
        tlv_put(&w, 0x44, data, n);
    assert_true(tlv_w_ok(&w));
    return tu_cmd(c, 0x80, ins, 0x06, 0x00, v, w.len, r, &rl);
}

static void test_binary(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    uint8_t data[600];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7);
    /* 43 total length is required for a new object */
    assert_int_equal(tu_apdu(c, "80 01 06 00 0A 41 04 7F 00 00 50 44 02 01 02", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80 01 06 00 0A 41 04 7F 00 00 50 43 02 80 00", r, &rl), 0x6A80);
    /* two chunks: 0..399 with the creation, 400..599 after */
    assert_int_equal(write_bin(c, 0x01, 0x7F000050, 0x43, 600, data, 400), 0x9000);
    assert_int_equal(write_bin(c, 0x01, 0x7F000050, 0x42, 400, data + 400, 200), 0x9000);
    /* beyond the end */
    assert_int_equal(write_bin(c, 0x01, 0x7F000050, 0x42, 590, data, 11), 0x6A80);
    /* a different total length on an existing object */
    assert_int_equal(write_bin(c, 0x01, 0x7F000050, 0x43, 700, NULL, 0), 0x6A80);
    /* read whole, then a window */
    assert_int_equal(tu_apdu(c, "80 02 00 00 00 00 06 41 04 7F 00 00 50 00 00", r, &rl), 0x9000);
    assert_int_equal(rl, 604);
    assert_memory_equal(r + 4, data, 600);
    assert_int_equal(tu_apdu(c, "80 02 00 00 0E 41 04 7F 00 00 50 42 02 01 F4 43 02 00 64", r, &rl), 0x9000);
    assert_int_equal(rl, 104);
    assert_memory_equal(r + 4, data + 500, 100);
    assert_int_equal(tu_apdu(c, "80 02 00 00 0E 41 04 7F 00 00 50 42 02 01 F4 43 02 00 65", r, &rl), 0x6A80);
    /* size */
    assert_int_equal(tu_apdu(c, "80 02 00 07 06 41 04 7F 00 00 50", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x02\x02\x58", 4);
    /* --tlv-long-form never: minimal length form */
    sim_card_close(c);
    struct sim_card_cfg cfg = {.tlv_form = SIM_TLV_NEVER};
    c = tu_open_selected(NULL, &cfg);
    assert_int_equal(tu_apdu(c, "80 02 00 00 0A 41 04 7F FF 02 06 43 02 00 12", r, &rl), 0x9000);
    assert_int_equal(rl, 20);
    assert_memory_equal(r, "\x41\x12", 2);
    sim_card_close(c);
    cfg.tlv_form = SIM_TLV_ALWAYS;
    c = tu_open_selected(NULL, &cfg);
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F FF 02 06", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x82\x00\x01\x01", 5);
    sim_card_close(c);
}

static void test_idlist_paging(void **st)
{
    (void)st;
    struct sim_card_cfg cfg = {.idlist_page = 2};
    struct sim_card *c = tu_open_selected(NULL, &cfg);
    /* 4 provisioned objects + 3 binaries: 7 ids */
    assert_int_equal(tu_apdu(c, "80 01 06 00 0A 41 04 00 00 00 03 43 02 00 01", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 06 00 0A 41 04 00 00 00 01 43 02 00 01", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 06 00 0A 41 04 70 00 00 02 43 02 00 01", r, &rl), 0x9000);
    uint32_t ids[32], prev = 0;
    size_t total = 0;
    uint16_t off = 0;
    for (int page = 0; page < 10; page++) {
        uint8_t cmd[32];
        size_t n = test_hex("80 02 00 25 00 00 07 41 02 00 00 42 01 FF 00 00", cmd, sizeof cmd);
        cmd[9] = (uint8_t)(off >> 8);
        cmd[10] = (uint8_t)off;
        assert_int_equal(tu_apdu_bin(c, cmd, n, r, &rl), 0x9000);
        assert_int_equal(r[0], 0x41);
        assert_int_equal(r[1], 0x01);
        const uint8_t *v;
        size_t vl;
        assert_true(tu_tlv(r, rl, 0x42, &v, &vl));
        assert_int_equal(vl % 4, 0);
        assert_true(vl <= 8);
        for (size_t i = 0; i < vl / 4; i++) {
            uint32_t id = be32(v + 4 * i);
            assert_true(total == 0 || id > prev);
            prev = id;
            ids[total++] = id;
        }
        off = (uint16_t)(off + vl / 4);
        if (r[2] == 0x01)
            break;
        assert_int_equal(r[2], 0x02);
    }
    assert_int_equal(total, 7);
    assert_int_equal(ids[0], 0x00000001);
    assert_int_equal(ids[1], 0x00000003);
    assert_int_equal(ids[6], 0xF0000013);
    /* filter: binary files only (3 + UID + cert) */
    assert_int_equal(tu_apdu(c, "80 02 00 25 07 41 02 00 00 42 01 0B", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02\x42\x82\x00\x08\x00\x00\x00\x01\x00\x00\x00\x03", 15);
    /* an offset past the end: empty, no more */
    assert_int_equal(tu_apdu(c, "80 02 00 25 07 41 02 00 40 42 01 FF", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01\x42\x82\x00\x00", 7);
    sim_card_close(c);
    /* default page: everything in one answer */
    c = tu_open_selected(NULL, NULL);
    assert_int_equal(tu_apdu(c, "80 02 00 25 00 00 07 41 02 00 00 42 01 FF 00 00", r, &rl), 0x9000);
    assert_int_equal(r[2], 0x01);
    sim_card_close(c);
}

static void test_memory_full(void **st)
{
    (void)st;
    char *dir = tu_tmpdir();
    struct sim_card_cfg cfg = {.persistent_capacity = 4000, .transient_capacity = 300};
    struct sim_card *c = tu_open_selected(dir, &cfg);
    uint8_t data[500];
    memset(data, 0xAB, sizeof data);
    int made = 0;
    uint16_t sw = 0x9000;
    for (uint32_t id = 0x100; sw == 0x9000 && id < 0x200; id++) {
        sw = write_bin(c, 0x01, id, 0x43, 400, data, 400);
        if (sw == 0x9000)
            made++;
    }
    assert_int_equal(sw, 0x6A84);
    assert_true(made >= 3);
    uint32_t failed = 0x100 + (uint32_t)made;
    /* nothing changed: object absent, free memory and state file unchanged */
    uint8_t mem1[8], mem2[8];
    size_t ml;
    assert_int_equal(tu_apdu(c, "80 04 00 22 03 41 01 01", mem1, &ml), 0x9000);
    char path[512];
    snprintf(path, sizeof path, "%s/state", dir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t s1[65536], s2[65536];
    size_t l1 = fread(s1, 1, sizeof s1, f);
    fclose(f);
    assert_int_equal(write_bin(c, 0x01, failed, 0x43, 400, NULL, 0), 0x6A84);
    uint8_t ex[6] = {0x41, 4, (uint8_t)(failed >> 24), (uint8_t)(failed >> 16), (uint8_t)(failed >> 8), (uint8_t)failed};
    assert_int_equal(tu_cmd(c, 0x80, 0x04, 0x00, 0x27, ex, 6, r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02", 3);
    assert_int_equal(tu_apdu(c, "80 04 00 22 03 41 01 01", mem2, &ml), 0x9000);
    assert_memory_equal(mem1, mem2, 4);
    f = fopen(path, "rb");
    size_t l2 = fread(s2, 1, sizeof s2, f);
    fclose(f);
    assert_int_equal(l1, l2);
    assert_memory_equal(s1, s2, l1);
    /* deleting one frees room again */
    assert_int_equal(tu_apdu(c, "80 04 00 28 06 41 04 00 00 01 00", r, &rl), 0x9000);
    assert_int_equal(write_bin(c, 0x01, failed, 0x43, 400, NULL, 0), 0x9000);
    /* transient memory full too */
    assert_int_equal(write_bin(c, 0x81, 0x300, 0x43, 400, NULL, 0), 0x6A84);
    sim_card_close(c);
    tu_rmdir(dir);
}

static void test_transient_and_persistence(void **st)
{
    (void)st;
    char *dir = tu_tmpdir();
    struct sim_card *c = tu_open_selected(dir, NULL);
    tu_create_curve(c, 0x03, "prime256v1");
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 81 61 00 09 41 04 7F 00 00 02 42 01 03", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 26 06 41 04 7F 00 00 02", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01\x42\x01\x02", 6);
    uint8_t pub1[100], pub2[100];
    read_pub(c, 0x7F000001, pub1);
    /* attempt a second card on the same directory */
    struct sim_card_cfg cfg = {.state_dir = dir};
    struct sim_card *c2 = NULL;
    char err[512];
    assert_int_not_equal(sim_card_open(&cfg, &c2, err, sizeof err), 0);
    assert_non_null(strstr(err, "is in use by another se05x-sim (pid"));
    /* chip reset: transient value gone, shell stays */
    sim_card_chip_reset(c);
    assert_int_equal(tu_apdu(c, SEL, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 02", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F 00 00 02", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01", 3);
    assert_int_equal(tu_apdu(c, "80 81 61 00 09 41 04 7F 00 00 02 42 01 03", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 02", r, &rl), 0x9000);
    sim_card_close(c);
    /* restart: persistent key and curve survive, transient object is gone */
    c = tu_open_selected(dir, NULL);
    read_pub(c, 0x7F000001, pub2);
    assert_memory_equal(pub1, pub2, 65);
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F 00 00 02", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02", 3);
    assert_int_equal(tu_apdu(c, "80 02 0B 25 00", r, &rl), 0x9000);
    assert_int_equal(r[4 + 2], 0x02);
    uint8_t cmd[100];
    size_t n = test_hex("80 03 0C 09 2B 41 04 7F 00 00 01 42 01 21 43 20", cmd, sizeof cmd);
    memset(cmd + n, 1, 32);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x9000);
    /* the UID is stable across restarts */
    uint8_t u1[32], u2[32];
    size_t ul;
    assert_int_equal(tu_apdu(c, "80 02 00 00 0A 41 04 7F FF 02 06 43 02 00 12", u1, &ul), 0x9000);
    sim_card_close(c);
    c = tu_open_selected(dir, NULL);
    assert_int_equal(tu_apdu(c, "80 02 00 00 0A 41 04 7F FF 02 06 43 02 00 12", u2, &ul), 0x9000);
    assert_memory_equal(u1, u2, 22);
    sim_card_close(c);
    /* a corrupted state file is refused, not dropped */
    char path[512];
    snprintf(path, sizeof path, "%s/state", dir);
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 100, SEEK_SET);
    int ch = fgetc(f);
    fseek(f, 100, SEEK_SET);
    fputc(ch ^ 0x40, f);
    fclose(f);
    assert_int_not_equal(sim_card_open(&cfg, &c2, err, sizeof err), 0);
    assert_non_null(strstr(err, "corrupted"));
    /* truncated too */
    assert_int_equal(truncate(path, 30), 0);
    assert_int_not_equal(sim_card_open(&cfg, &c2, err, sizeof err), 0);
    assert_non_null(strstr(err, "corrupted"));
    tu_rmdir(dir);
}

/* §5 ExportObject / ImportObject: transient keys only, IMPORT_EXPORT policy,
 * blobs readable by this card only, import into an existing shell after the
 * value was lost (chip reset). */
static void test_export_import(void **st)
{
    (void)st;
    char *dir = tu_tmpdir();
    struct sim_card *c = tu_open_selected(dir, NULL);
    uint8_t blob[800], blob2[800], pub1[100], pub2[100];
    size_t bl, bl2;
    tu_create_curve(c, 0x03, "prime256v1");
    /* transient EC key; persistent keys cannot be exported */
    assert_int_equal(tu_apdu(c, "80 81 61 00 09 41 04 7F 00 00 A0 42 01 03", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x9000);
    assert_int_equal(export_blob(c, 0x7F000001, 0xFF, blob, &bl), 0x6985);
    assert_int_equal(export_blob(c, 0x7F0000A0, 0xFF, blob, &bl), 0x9000);
    read_pub(c, 0x7F0000A0, pub1);
    /* the value is lost at a chip reset; the blob brings it back */
    sim_card_chip_reset(c);
    assert_int_equal(tu_apdu(c, SEL, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 A0", r, &rl), 0x6985);
    assert_int_equal(import_blob(c, 0x7F0000A0, 0xFF, blob, bl), 0x9000);
    read_pub(c, 0x7F0000A0, pub2);
    assert_memory_equal(pub1, pub2, 65);
    /* the key signs again */
    uint8_t cmd[80];
    size_t n = test_hex("80 03 0C 09 2B 41 04 7F 00 00 A0 42 01 21 43 20", cmd, sizeof cmd);
    memset(cmd + n, 3, 32);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x9000);
    /* a tampered blob, a blob of another type, a missing target */
    blob[5] ^= 1;
    assert_int_equal(import_blob(c, 0x7F0000A0, 0xFF, blob, bl), 0x6A80);
    blob[5] ^= 1;
    assert_int_equal(tu_apdu(c, "80 81 03 00 18 41 04 7F 00 00 A1 43 10 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF", r, &rl), 0x9000);
    assert_int_equal(import_blob(c, 0x7F0000A1, 0xFF, blob, bl), 0x6A80);
    assert_int_equal(import_blob(c, 0x7F0000A9, 0xFF, blob, bl), 0x6A80);
    /* the AES key round-trips too; the blob never shows the key */
    assert_int_equal(export_blob(c, 0x7F0000A1, 0xFF, blob2, &bl2), 0x9000);
    assert_null(memmem(blob2, bl2, "\x00\x11\x22\x33\x44\x55\x66\x77", 8));
    /* a policy without IMPORT_EXPORT */
    assert_int_equal(tu_apdu(c, "80 81 61 00 14 11 09 08 00 00 00 00 10 00 00 00 41 04 7F 00 00 A2 42 01 03", r, &rl), 0x9000);
    assert_int_equal(export_blob(c, 0x7F0000A2, 0xFF, blob2, &bl2), 0x6986);
    sim_card_close(c);
    /* after a restart (same chip secret) the blob still imports into a new shell */
    c = tu_open_selected(dir, NULL);
    assert_int_equal(tu_apdu(c, "80 81 61 00 09 41 04 7F 00 00 A0 42 01 03", r, &rl), 0x9000);
    assert_int_equal(import_blob(c, 0x7F0000A0, 0xFF, blob, bl), 0x9000);
    read_pub(c, 0x7F0000A0, pub2);
    assert_memory_equal(pub1, pub2, 65);
    sim_card_close(c);
    tu_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_idlist_paging),
        cmocka_unit_test(test_memory_full),
        cmocka_unit_test(test_transient_and_persistence),
        cmocka_unit_test(test_export_import),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
