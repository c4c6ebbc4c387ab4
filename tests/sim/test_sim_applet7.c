/* SPDX-License-Identifier: Apache-2.0 */
/* The applet 7.x variants of the emulator (--variant E = SE050E, S = SE051;
 * docs/emulator.md "Variants", docs/protocol/apdu.md): SELECT / GetVersion /
 * VERSION_EXT, ATR, OEF, default SCP03 keys, curve-specific object types,
 * TAG 4B, the 1024-byte payload, RSA refused on E, DH_REVERSE, ECDH into an
 * object, attestation layout 2 and the state directory kept per generation.
 * Byte examples are those of docs/protocol/apdu.md §1.5, §4.3, §4.6, §7, §18. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "card_fixture.h"
#include "card_internal.h"
#include "sim_test_util.h"

static uint8_t r[2048];
static size_t rl;

static struct sim_card *open7(char v, const char *dir)
{
    struct sim_card_cfg cfg = {.variant = v};
    return tu_open_selected(dir, &cfg);
}

static void test_identity(void **st)
{
    (void)st;
    struct sim_card *c = tu_open(NULL, &(struct sim_card_cfg){.variant = 'E'});
    /* card manager: ConfigID carries OEF A921 */
    assert_int_equal(tu_apdu(c, "80 CA 00 FE 02 DF 28 00", r, &rl), 0x9000);
    assert_memory_equal(r + 5, "\x01\x0C\x00\x01\xA9\x21", 6);
    assert_int_equal(tu_apdu(c, SEL, r, &rl), 0x9000);
    assert_int_equal(rl, 7);
    assert_memory_equal(r, "\x07\x02\x00\x6F\x9F\x01\x0B", 7); /* 7.2.0, no RSA bits */
    assert_int_equal(tu_apdu(c, "8004002000", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x82\x00\x07\x07\x02\x00\x6F\x9F\x01\x0B", 11);
    /* §1.5 VERSION_EXT: 80 04 00 21 00 -> 7 + 30 bytes */
    assert_int_equal(tu_apdu(c, "8004002100", r, &rl), 0x9000);
    assert_int_equal(rl, 4 + 37);
    assert_memory_equal(r, "\x41\x82\x00\x25\x07\x02\x00", 7);
    size_t n;
    const uint8_t *atr = sim_card_atr(c, &n);
    assert_int_equal(n, 35);
    assert_memory_equal(atr + 25, "SE050E 7.2", 10);
    /* default Platform SCP03 keys: SE050E (OEF A921), docs/protocol/scp03.md §7 */
    assert_memory_equal(c->scp.enc, "\xD2\xDB\x63\xE7\xA0\xA5\xAE\xD7\x2A\x64\x60\xC4\xDF\xDC\xAF\x64", 16);
    assert_true(c->scp.count_all);
    sim_card_close(c);

    c = open7('S', NULL);
    assert_int_equal(tu_apdu(c, "8004002000", r, &rl), 0x9000);
    assert_memory_equal(r + 4, "\x07\x02\x00\x6F\xFF", 5); /* SE051: RSA bits set */
    atr = sim_card_atr(c, &n);
    assert_memory_equal(atr + 25, "SE051 7.2 ", 10);
    sim_card_close(c);

    /* 3.x knows neither VERSION_EXT nor DH_REVERSE */
    c = tu_open_selected(NULL, NULL);
    assert_int_equal(tu_apdu(c, "8004002100", r, &rl), 0x6A86);
    assert_false(c->scp.count_all);
    sim_card_close(c);
}

/* §7: P-256 pair 29, private 2A, public 2B; X25519 69; §19: 4-byte version. */
static void test_types_and_version(void **st)
{
    (void)st;
    struct sim_card *c = open7('E', NULL);
    tu_create_curve(c, 0x03, "prime256v1");
    /* WriteECKey generate with TAG 4B = 00000007 */
    assert_int_equal(tu_apdu(c, "80 01 61 00 0F 41 04 7F 00 00 01 42 01 03 4B 04 00 00 00 07", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 26 06 41 04 7F 00 00 01", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x29\x42\x01\x01", 6);
    assert_int_equal(tu_apdu(c, "80 01 61 00 09 41 04 7F 00 00 02 42 01 41", r, &rl), 0x9000); /* X25519 */
    assert_int_equal(tu_apdu(c, "80 02 00 26 06 41 04 7F 00 00 02", r, &rl), 0x9000);
    assert_int_equal(r[2], 0x69);
    /* public part only: 2B */
    uint8_t pub[65], cmd[128];
    read_pub(c, 0x7F000001, pub);
    size_t n = test_hex("80 01 21 00 00 00 4C 41 04 7F 00 00 03 42 01 03 44 41", cmd, sizeof cmd);
    memcpy(cmd + n, pub, 65);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 65, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 26 06 41 04 7F 00 00 03", r, &rl), 0x9000);
    assert_int_equal(r[2], 0x2B);
    /* ReadIDList filters on the 7.x codes */
    assert_int_equal(tu_apdu(c, "80 02 00 25 00 00 07 41 02 00 00 42 01 29 00 00", r, &rl), 0x9000);
    const uint8_t *v;
    size_t vl;
    assert_true(tu_tlv(r, rl, 0x42, &v, &vl));
    assert_int_equal(vl, 12); /* 7F000001 and the provisioned P-256 pairs 7FFF0201, F0000012 */
    assert_memory_equal(v, "\x7F\x00\x00\x01\x7F\xFF\x02\x01\xF0\x00\x00\x12", 12);
    assert_int_equal(tu_apdu(c, "80 02 00 25 00 00 07 41 02 00 00 42 01 01 00 00", r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x42, &v, &vl));
    assert_int_equal(vl, 0);
    /* attributes: type 29, origin 02 (generated), then the version 00000007 */
    assert_int_equal(tu_apdu(c, "80 02 00 3B 06 41 04 7F 00 00 01", r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x42, &v, &vl));
    assert_int_equal(vl, 14 + 1 + 4);
    assert_int_equal(v[4], 0x29);
    assert_memory_equal(v + 14, "\x02\x00\x00\x00\x07", 5);
    sim_card_close(c);

    /* a 3.x applet refuses TAG 4B and keeps generic types and 15-byte attributes */
    c = tu_open_selected(NULL, NULL);
    tu_create_curve(c, 0x03, "prime256v1");
    assert_int_equal(tu_apdu(c, "80 01 61 00 0F 41 04 7F 00 00 01 42 01 03 4B 04 00 00 00 07", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 26 06 41 04 7F 00 00 01", r, &rl), 0x9000);
    assert_int_equal(r[2], 0x01);
    assert_int_equal(tu_apdu(c, "80 02 00 3B 06 41 04 7F 00 00 01", r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x42, &v, &vl));
    assert_int_equal(vl, 15);
    sim_card_close(c);
}

/* 1024-byte payload on 7.x, 892 on 3.x (§22); RSA refused on E (6A86), working on SE051. */
static void test_payload_and_rsa(void **st)
{
    (void)st;
    uint8_t cmd[1100];
    for (int gen7 = 0; gen7 < 2; gen7++) {
        struct sim_card *c = gen7 ? open7('E', NULL) : tu_open_selected(NULL, NULL);
        /* WriteBinary of 1000 bytes in one APDU: 41 04 id, 43 02 total, 44 82 03 E8 data */
        size_t n = test_hex("80 01 06 00 00 03 F6 41 04 7F 00 00 10 43 02 03 E8 44 82 03 E8", cmd, sizeof cmd);
        memset(cmd + n, 0xA5, 1000);
        assert_int_equal(tu_apdu_bin(c, cmd, n + 1000, r, &rl), gen7 ? 0x9000 : 0x6700);
        sim_card_close(c);
    }
    struct sim_card *c = open7('E', NULL);
    assert_int_equal(tu_apdu(c, "80 01 62 00 0A 41 04 7F 00 00 20 42 02 04 00", r, &rl), 0x6A86);
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F 00 00 20", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02", 3); /* nothing created */
    assert_int_equal(tu_apdu(c, "80 03 02 37 00 00 0B 41 04 7F 00 00 20 42 01 0A 43 00 00 00", r, &rl), 0x6A86);
    sim_card_close(c);
    c = open7('S', NULL);
    assert_int_equal(tu_apdu(c, "80 01 62 00 0A 41 04 7F 00 00 20 42 02 04 00", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 26 06 41 04 7F 00 00 20", r, &rl), 0x9000);
    assert_int_equal(r[2], 0x05); /* RSA CRT pair keeps its generic code */
    sim_card_close(c);
}

static void x25519(const uint8_t priv[32], const uint8_t pub[32], uint8_t out[32])
{
    EVP_PKEY *a = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, 32);
    EVP_PKEY *b = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pub, 32);
    assert_int_equal(host_derive(a, b, out, 32), 32);
    EVP_PKEY_free(a);
    EVP_PKEY_free(b);
}

static void rev(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n / 2; i++) {
        uint8_t t = p[i];
        p[i] = p[n - 1 - i];
        p[n - 1 - i] = t;
    }
}

/* §4.6 / §21: P2 0F takes and gives reversed Montgomery values, P2 59 RFC 7748 order. */
static void test_dh_reverse(void **st)
{
    (void)st;
    struct sim_card *c = open7('E', NULL);
    assert_int_equal(tu_apdu(c, "80 01 61 00 09 41 04 7F 00 00 02 42 01 41", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 00 00 06 41 04 7F 00 00 02 00 00", r, &rl), 0x9000);
    const uint8_t *v;
    size_t vl;
    assert_true(tu_tlv(r, rl, 0x41, &v, &vl));
    assert_int_equal(vl, 32);
    uint8_t chip_pub[32], peer_priv[32], peer_pub[32], expect[32], cmd[64];
    memcpy(chip_pub, v, 32);
    rev(chip_pub, 32); /* the chip stores Montgomery values reversed */
    RAND_bytes(peer_priv, 32);
    EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, peer_priv, 32);
    size_t pl = 32;
    EVP_PKEY_get_raw_public_key(pk, peer_pub, &pl);
    EVP_PKEY_free(pk);
    x25519(peer_priv, chip_pub, expect);
    /* DH_REVERSE: 80 03 01 59, peer in RFC order, secret in RFC order */
    size_t n = test_hex("80 03 01 59 00 00 28 41 04 7F 00 00 02 42 20", cmd, sizeof cmd);
    memcpy(cmd + n, peer_pub, 32);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &v, &vl));
    assert_memory_equal(v, expect, 32);
    /* P2 0F: the 3.x convention (host reverses both ways) */
    cmd[3] = 0x0F;
    rev(cmd + n, 32);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &v, &vl));
    rev(expect, 32);
    assert_memory_equal(v, expect, 32);
    sim_card_close(c);
    c = tu_open_selected(NULL, NULL);
    cmd[3] = 0x59;
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x6A86);
    sim_card_close(c);
}

/* §4.6 (7.x): ECDH with TAG 47 puts the secret into an HMAC key object. */
static void test_ecdh_into_object(void **st)
{
    (void)st;
    struct sim_card *c = open7('E', NULL);
    tu_create_curve(c, 0x03, "prime256v1");
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x9000);
    uint8_t pub[65], cmd[128];
    read_pub(c, 0x7F000001, pub);
    size_t n = test_hex("80 03 01 0F 00 00 4F 41 04 7F 00 00 01 42 41", cmd, sizeof cmd);
    memcpy(cmd + n, pub, 65);
    n += 65;
    n += test_hex("47 04 7F 00 00 30", cmd + n, sizeof cmd - n);
    assert_int_equal(tu_apdu_bin(c, cmd, n, r, &rl), 0x9000);
    assert_int_equal(rl, 0); /* nothing answered */
    assert_int_equal(tu_apdu(c, "80 02 00 26 06 41 04 7F 00 00 30", r, &rl), 0x9000);
    assert_int_equal(r[2], 0x11); /* HMAC key */
    assert_int_equal(tu_apdu(c, "80 02 00 07 06 41 04 7F 00 00 30", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x02\x00\x20", 4); /* 32-byte secret */
    sim_card_close(c);
}

/* §18 layout 2: [41] 42 chip id 43 attributes 44 size 4F timestamp 52 signature over
 * SHA-256(header || 00 HH LL || data) || the TLVs 41..4F as sent. */
static void test_attestation_v2(void **st)
{
    (void)st;
    struct sim_card *c = open7('E', NULL);
    tu_create_curve(c, 0x03, "prime256v1");
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x9000);
    uint8_t apub[65], cmd[100], fresh[16];
    read_pub(c, 0xF0000012, apub);
    RAND_bytes(fresh, sizeof fresh);
    size_t n = attest_cmd_example(cmd, sizeof cmd, fresh);
    assert_int_equal(tu_apdu_bin(c, cmd, n, r, &rl), 0x9000);
    const uint8_t *v;
    size_t vl;
    assert_true(tu_tlv(r, rl, 0x41, &v, &vl));
    assert_int_equal(vl, 65);
    assert_true(tu_tlv(r, rl, 0x42, &v, &vl));
    assert_int_equal(vl, 18);
    assert_memory_equal(v, "\x04\x00\x50\x01", 4);
    assert_true(tu_tlv(r, rl, 0x43, &v, &vl));
    assert_int_equal(v[4], 0x29);
    assert_true(tu_tlv(r, rl, 0x44, &v, &vl));
    assert_int_equal(vl, 2);
    assert_memory_equal(v, "\x00\x20", 2);
    assert_true(tu_tlv(r, rl, 0x4F, &v, &vl));
    assert_int_equal(vl, 12);
    assert_true(tu_tlv(r, rl, 0x52, &v, &vl));
    /* the signed message: hash of the command without Le, then the TLV bytes before 52 */
    const uint8_t *sig = v;
    size_t siglen = vl, tlvs = (size_t)(sig - r);
    while (r[tlvs] != 0x52) /* back to the 52 header */
        tlvs--;
    uint8_t msg[1200], h[32];
    unsigned hl = 0;
    assert_int_equal(EVP_Digest(cmd, n - 2, h, &hl, EVP_sha256(), NULL), 1);
    memcpy(msg, h, 32);
    memcpy(msg + 32, r, tlvs);
    EVP_PKEY *pk = ec_pub("P-256", apub, 65);
    assert_int_equal(verify_msg(pk, EVP_sha256(), -1, sig, siglen, msg, 32 + tlvs), 1);
    /* a changed freshness (part of the hashed command) breaks it */
    msg[0] ^= 1;
    assert_int_not_equal(verify_msg(pk, EVP_sha256(), -1, sig, siglen, msg, 32 + tlvs), 1);
    EVP_PKEY_free(pk);
    sim_card_close(c);
}

/* A state directory belongs to one generation: reused by the other, refused. */
static void test_statedir_generation(void **st)
{
    (void)st;
    char *dir = tu_tmpdir();
    struct sim_card *c = tu_open(dir, NULL); /* SE050C, 3.x */
    sim_card_close(c);
    struct sim_card_cfg cfg = {.variant = 'E', .state_dir = dir};
    char err[512] = "";
    assert_int_not_equal(sim_card_open(&cfg, &c, err, sizeof err), 0);
    assert_non_null(strstr(err, "refusing to reuse it across generations"));
    assert_non_null(strstr(err, "SE050E"));
    cfg.variant = 'A'; /* same generation: fine */
    assert_int_equal(sim_card_open(&cfg, &c, err, sizeof err), 0);
    sim_card_close(c);
    tu_rmdir(dir);
    dir = tu_tmpdir();
    c = tu_open(dir, &(struct sim_card_cfg){.variant = 'S'});
    sim_card_close(c);
    c = tu_open(dir, &(struct sim_card_cfg){.variant = 'E'}); /* 7.x to 7.x */
    sim_card_close(c);
    cfg.variant = 'C';
    cfg.state_dir = dir;
    assert_int_not_equal(sim_card_open(&cfg, &c, err, sizeof err), 0);
    assert_non_null(strstr(err, "holds an applet 7.x chip"));
    tu_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity),         cmocka_unit_test(test_types_and_version),
        cmocka_unit_test(test_payload_and_rsa),  cmocka_unit_test(test_dh_reverse),
        cmocka_unit_test(test_ecdh_into_object), cmocka_unit_test(test_attestation_v2),
        cmocka_unit_test(test_statedir_generation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
