/* SPDX-License-Identifier: Apache-2.0 */
/* Emulator card core, access rules: object policies, secret reads, PCR
 * policies and attested reads.
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

static void test_policy(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    tu_create_curve(c, 0x03, "prime256v1");
    /* §6: SIGN+VERIFY+READ+DELETE for "no session" */
    assert_int_equal(tu_apdu(c, "80 01 61 00 14 11 09 08 00 00 00 00 18 24 00 00 41 04 7F 00 00 01 42 01 03", r, &rl), 0x9000);
    uint8_t cmd[100], pub[100];
    size_t n = test_hex("80 03 0C 09 2B 41 04 7F 00 00 01 42 01 21 43 20", cmd, sizeof cmd);
    memset(cmd + n, 7, 32);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x9000);
    read_pub(c, 0x7F000001, pub);
    /* ECDH (KA) denied, regenerate (GEN) denied */
    n = test_hex("80 03 01 0F 49 41 04 7F 00 00 01 42 41", cmd, sizeof cmd);
    memcpy(cmd + n, pub, 65);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 65, r, &rl), 0x6986);
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x6986);
    /* a policy on a rewrite is ignored: still denied */
    assert_int_equal(tu_apdu(c, "80 01 61 00 14 11 09 08 00 00 00 00 FF FF 00 00 41 04 7F 00 00 01 42 01 03", r, &rl), 0x6986);
    /* policy without READ: public key not readable */
    assert_int_equal(tu_apdu(c, "80 01 61 00 14 11 09 08 00 00 00 00 18 00 00 00 41 04 7F 00 00 02 42 01 03", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 02", r, &rl), 0x6986);
    /* policy for another auth object only: denied without a session */
    assert_int_equal(tu_apdu(c, "80 01 61 00 14 11 09 08 7D A0 00 01 FF FF 00 00 41 04 7F 00 00 03 42 01 03", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 03", r, &rl), 0x6986);
    /* FORBID_ALL */
    assert_int_equal(tu_apdu(c, "80 01 61 00 14 11 09 08 00 00 00 00 3F FF 00 00 41 04 7F 00 00 04 42 01 03", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 04", r, &rl), 0x6986);
    /* delete allowed by the first policy, denied by one without DELETE */
    assert_int_equal(tu_apdu(c, "80 04 00 28 06 41 04 7F 00 00 02", r, &rl), 0x6986);
    assert_int_equal(tu_apdu(c, "80 04 00 28 06 41 04 7F 00 00 01", r, &rl), 0x9000);
    /* malformed policies: 6984, nothing created */
    const char *bad[] = {
        "80 01 61 00 0E 11 03 08 00 00 41 04 7F 00 00 05 42 01 03",                   /* truncated entry */
        "80 01 61 00 14 11 09 07 00 00 00 00 18 24 00 00 41 04 7F 00 00 05 42 01 03", /* LEN 7 */
        "80 01 61 00 0B 11 00 41 04 7F 00 00 05 42 01 03",                            /* empty */
        "80 01 61 00 15 11 0A 08 00 00 00 00 18 24 00 00 00 41 04 7F 00 00 05 42 01 03", /* trailing */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(tu_apdu(c, bad[i], r, &rl), 0x6984);
    /* seven entries */
    uint8_t v[200];
    struct tlv_w w;
    uint8_t pol[63];
    for (int i = 0; i < 7; i++) {
        uint8_t e[9] = {8, 0, 0, 0, (uint8_t)i, 0xFF, 0xFF, 0, 0};
        memcpy(pol + 9 * i, e, 9);
    }
    tlv_w_init(&w, v, sizeof v);
    tlv_put(&w, 0x11, pol, sizeof pol);
    tlv_put_u32(&w, 0x41, 0x7F000005);
    tlv_put_u8(&w, 0x42, 0x03);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x61, 0x00, v, w.len, r, &rl), 0x6984);
    /* six entries incl. a PCR (44) and an object-id (12) extension are fine */
    uint8_t pol6[9 * 4 + 13 + 45];
    size_t pn = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t e[9] = {8, 0, 0, 0, (uint8_t)(i ? i : 0), 0xFF, 0xFF, 0, 0};
        if (i == 0)
            e[5] = 0x18; /* SIGN+VERIFY for no session */
        memcpy(pol6 + pn, e, 9);
        pn += 9;
    }
    pol6[pn] = 12;
    memset(pol6 + pn + 1, 0x11, 12);
    pn += 13;
    pol6[pn] = 44;
    memset(pol6 + pn + 1, 0x22, 44);
    pn += 45;
    tlv_w_init(&w, v, sizeof v);
    tlv_put(&w, 0x11, pol6, pn);
    tlv_put_u32(&w, 0x41, 0x7F000005);
    tlv_put_u8(&w, 0x42, 0x03);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x61, 0x00, v, w.len, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F 00 00 05", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01", 3);
    /* ReadAttributes shows the policy and the origin (generated = 02) */
    assert_int_equal(tu_apdu(c, "80 02 00 3B 06 41 04 7F 00 00 05", r, &rl), 0x9000);
    const uint8_t *at;
    size_t atl;
    assert_true(tu_tlv(r, rl, 0x42, &at, &atl));
    assert_int_equal(atl, 14 + pn + 1);
    assert_memory_equal(at + 14, pol6, pn);
    assert_int_equal(at[atl - 1], 0x02);
    sim_card_close(c);
}

static void test_secret_reads(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    /* AES key, HMAC key, UserID: never readable */
    assert_int_equal(tu_apdu(c, "80 01 03 00 18 41 04 7F 00 00 20 43 10 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 20", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 02 00 07 06 41 04 7F 00 00 20", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x02\x00\x10", 4);
    assert_int_equal(tu_apdu(c, "80 01 03 00 0B 41 04 7F 00 00 21 43 03 00 11 22", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80 01 05 00 0B 41 04 7F 00 00 22 43 03 00 11 22", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 22", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 41 07 00 0E 41 04 7F 00 00 23 42 06 01 02 03 04 05 06", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 23", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 42 00 26 06 41 04 7F 00 00 23", r, &rl), 0x9000);
    assert_int_equal(r[2], 0x0C);
    /* type mismatch: HMAC write over an AES key */
    assert_int_equal(tu_apdu(c, "80 01 05 00 0B 41 04 7F 00 00 20 43 03 00 11 22", r, &rl), 0x6985);
    /* counter: create, increment, read, no decrement */
    assert_int_equal(tu_apdu(c, "80 01 08 00 0A 41 04 7F 00 00 30 42 02 00 02", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 08 00 06 41 04 7F 00 00 30", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 08 00 06 41 04 7F 00 00 30", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 30", r, &rl), 0x9000);
    assert_int_equal(rl, 6);
    assert_memory_equal(r + 4, "\x00\x02", 2);
    assert_int_equal(tu_apdu(c, "80 01 08 00 0A 41 04 7F 00 00 30 43 02 00 01", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80 01 08 00 0A 41 04 7F 00 00 30 43 02 FF FF", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 08 00 06 41 04 7F 00 00 30", r, &rl), 0x9000); /* saturates */
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 30", r, &rl), 0x9000);
    assert_memory_equal(r + 4, "\xFF\xFF", 2);
    sim_card_close(c);
}

/* §5 PCR objects and the REQUIRE_PCR_VALUE policy bit. */
static void test_pcr(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    uint8_t zero[32] = {0}, expect[32], v[200], buf[64];
    unsigned ml;
    memcpy(buf, zero, 32);
    memcpy(buf + 32, "abc", 3);
    EVP_Digest(buf, 35, expect, &ml, EVP_sha256(), NULL);
    assert_int_equal(tu_apdu(c, "80 01 09 00 0B 41 04 7F 00 00 90 43 03 61 62 63", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 90", r, &rl), 0x9000);
    assert_int_equal(rl, 36);
    assert_memory_equal(r + 4, expect, 32);
    assert_int_equal(tu_apdu(c, "80 02 00 07 06 41 04 7F 00 00 90", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x02\x00\x20", 4);
    assert_int_equal(tu_apdu(c, "80 02 00 26 06 41 04 7F 00 00 90", r, &rl), 0x9000);
    assert_int_equal(r[2], 0x0F);
    /* a file readable only while the PCR holds `expect` */
    uint8_t pol[45] = {44, 0, 0, 0, 0, 0x00, 0x21, 0x00, 0x00, 0x7F, 0x00, 0x00, 0x90};
    memcpy(pol + 13, expect, 32);
    struct tlv_w w;
    tlv_w_init(&w, v, sizeof v);
    tlv_put(&w, 0x11, pol, sizeof pol);
    tlv_put_u32(&w, 0x41, 0x7F000091);
    tlv_put_u16(&w, 0x43, 4);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x06, 0x00, v, w.len, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 91", r, &rl), 0x9000);
    /* extend: value changes, the file is locked */
    assert_int_equal(tu_apdu(c, "80 01 09 00 09 41 04 7F 00 00 90 43 01 00", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 91", r, &rl), 0x6986);
    /* reset (no TAG 42/43) brings zeros back; an initial value on an existing PCR is refused */
    assert_int_equal(tu_apdu(c, "80 01 09 00 06 41 04 7F 00 00 90", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 90", r, &rl), 0x9000);
    assert_memory_equal(r + 4, zero, 32);
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000090);
    tlv_put(&w, 0x42, zero, 32);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x09, 0x00, v, w.len, r, &rl), 0x6A80);
    /* PCR with an explicit initial value */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000092);
    tlv_put(&w, 0x42, expect, 32);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x09, 0x00, v, w.len, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 92", r, &rl), 0x9000);
    assert_memory_equal(r + 4, expect, 32);
    sim_card_close(c);
}

/* §18 3.x attested read with the provisioned key F0000012; its certificate
 * F0000013 carries the same key and chains to DIR/ca.crt. */
static void test_attestation(void **st)
{
    (void)st;
    char *dir = tu_tmpdir();
    struct sim_card *c = tu_open_selected(dir, NULL);
    tu_create_curve(c, 0x03, "prime256v1");
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x9000);
    uint8_t apub[100], fresh[16], cmd[100];
    read_pub(c, 0xF0000012, apub);
    RAND_bytes(fresh, sizeof fresh);
    /* §6: 80 22 00 00 00 00 21 41 04 7F 00 00 01 45 04 F0 00 00 12 46 01 21 47 10 <16 B> 00 00 */
    size_t n = attest_cmd_example(cmd, sizeof cmd, fresh);
    assert_int_equal(tu_apdu_bin(c, cmd, n, r, &rl), 0x9000);
    const uint8_t *v[6];
    size_t vl[6];
    uint8_t msg[1024];
    size_t ml = 0;
    for (int i = 0; i < 6; i++) {
        assert_true(tu_tlv(r, rl, (uint8_t)(0x41 + i), &v[i], &vl[i]));
        if (i < 5) {
            memcpy(msg + ml, v[i], vl[i]);
            ml += vl[i];
        }
    }
    assert_int_equal(vl[0], 65);
    assert_int_equal(vl[2], 12);
    assert_int_equal(vl[3], 16);
    assert_memory_equal(v[3], fresh, 16);
    assert_int_equal(vl[4], 18);
    assert_memory_equal(v[4], "\x04\x00\x50\x01", 4);
    assert_memory_equal(v[1], "\x7F\x00\x00\x01\x01", 5);
    EVP_PKEY *pk = ec_pub("P-256", apub, 65);
    assert_int_equal(verify_msg(pk, EVP_sha256(), -1, v[5], vl[5], msg, ml), 1);
    /* freshness must be 16 bytes; the key must allow attestation */
    cmd[6] = 0x20;
    cmd[23] = 0x0F;
    assert_int_equal(tu_apdu_bin(c, cmd, n - 1, r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80 01 61 00 14 11 09 08 00 00 00 00 10 00 00 00 41 04 7F 00 00 02 42 01 03", r, &rl), 0x9000);
    n = test_hex("80 22 00 00 00 00 21 41 04 7F FF 02 06 45 04 7F 00 00 02 46 01 21 47 10", cmd, sizeof cmd);
    memset(cmd + n, 0, 18);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 18, r, &rl), 0x6986);
    /* certificate: same public key, verifies with the CA of the state directory */
    assert_int_equal(tu_apdu(c, "80 02 00 00 00 00 06 41 04 F0 00 00 13 00 00", r, &rl), 0x9000);
    const unsigned char *der = r + 4;
    X509 *x = d2i_X509(NULL, &der, (long)(rl - 4));
    assert_non_null(x);
    EVP_PKEY *xk = X509_get0_pubkey(x);
    assert_int_equal(EVP_PKEY_eq(xk, pk), 1);
    char path[512];
    snprintf(path, sizeof path, "%s/ca.crt", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    X509 *ca = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(ca);
    assert_int_equal(X509_verify(x, X509_get0_pubkey(ca)), 1);
    X509_free(ca);
    X509_free(x);
    EVP_PKEY_free(pk);
    sim_card_close(c);
    tu_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_secret_reads),
        cmocka_unit_test(test_attestation),
        cmocka_unit_test(test_pcr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
