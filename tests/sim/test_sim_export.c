/* SPDX-License-Identifier: Apache-2.0 */
/* Emulator card core, ExportObject / ImportObject blobs (issue 9 item 3):
 * a blob carries the whole key and is bound to its object (id, type, size,
 * policy) under the chip secret. The first test is the attack that used to
 * extract a transient RSA private key: the victim's per-component blobs
 * imported into the attacker's own object, one raw RSA decryption, a gcd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "card_fixture.h"
#include "sim_test_util.h"
#include "tlv.h"

static uint8_t r[4096];
static size_t rl;

#define VICTIM 0x7F0000B0u
#define ATTACKER 0x7F0000B1u

/* RSA-1024 (CRT) key pair generated as a transient object, with an optional
 * policy TLV (hex, may be ""). */
static void gen_rsa1024(struct sim_card *c, uint32_t id, const char *policy)
{
    uint8_t v[64];
    size_t n = test_hex(policy, v, sizeof v);
    struct tlv_w w;
    tlv_w_init(&w, v + n, sizeof v - n);
    tlv_put_u32(&w, 0x41, id);
    tlv_put_u16(&w, 0x42, 1024);
    assert_int_equal(tu_cmd(c, 0x80, 0x81, 0x62, 0x00, v, n + w.len, r, &rl), 0x9000);
}

/* The public modulus of an RSA-1024 object (ReadObject TAG 44 = 00). */
static BIGNUM *read_modulus(struct sim_card *c, uint32_t id)
{
    uint8_t v[16];
    struct tlv_w w;
    const uint8_t *p;
    size_t n;
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, id);
    tlv_put_u8(&w, 0x44, 0x00);
    assert_int_equal(tu_cmd(c, 0x80, 0x02, 0x00, 0x00, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &n));
    assert_int_equal(n, 128);
    return BN_bin2bn(p, (int)n, NULL);
}

/* Raw (NO_PAD) RSA decryption of x with id; returns the SW, the result in out. */
static uint16_t raw_decrypt(struct sim_card *c, uint32_t id, const uint8_t x[128], uint8_t out[128])
{
    uint8_t v[200];
    struct tlv_w w;
    const uint8_t *p;
    size_t n;
    op_body(&w, v, sizeof v, id, 0x0C, x, 128);
    uint16_t sw = tu_cmd(c, 0x80, 0x03, 0x02, 0x38, v, w.len, r, &rl);
    if (sw == 0x9000) {
        assert_true(tu_tlv(r, rl, 0x41, &p, &n));
        assert_int_equal(n, 128);
        memcpy(out, p, 128);
    }
    return sw;
}

/* The victim may sign and have its key exported for storage, nothing else
 * (no decryption, no delete; its public key is readable). Its blobs of n, e, p, dP, qInv go
 * into the attacker's own transient RSA key; one raw decryption with the
 * mixed key is right modulo p and wrong modulo q, so gcd(m^e - x, n) = p.
 * The blobs must not import into another object, so no factor comes out. */
static void test_gcd_attack_refused(void **st)
{
    (void)st;
    static const uint8_t comps[] = {0x00, 0x01, 0x03, 0x05, 0x07};
    struct sim_card *c = tu_open_selected(NULL, NULL);
    uint8_t blobs[5][800], x[128], m[128];
    size_t bl[5];
    /* policy: auth 00000000 -> SIGN | READ (public part) | IMPORT_EXPORT */
    gen_rsa1024(c, VICTIM, "11 09 08 00 00 00 00 10 20 10 00");
    for (size_t i = 0; i < sizeof comps; i++)
        assert_int_equal(export_blob(c, VICTIM, comps[i], blobs[i], &bl[i]), 0x9000);
    RAND_bytes(x, sizeof x);
    x[0] = 0x01;
    assert_int_equal(raw_decrypt(c, VICTIM, x, m), 0x6986); /* the victim's policy */
    gen_rsa1024(c, ATTACKER, "");
    unsigned imported = 0;
    for (size_t i = 0; i < sizeof comps; i++) {
        uint16_t sw = import_blob(c, ATTACKER, comps[i], blobs[i], bl[i]);
        assert_true(sw == 0x9000 || sw == 0x6A80);
        imported += sw == 0x9000;
    }
    bool factored = false;
    if (raw_decrypt(c, ATTACKER, x, m) == 0x9000) {
        BN_CTX *ctx = BN_CTX_new();
        BIGNUM *n = read_modulus(c, VICTIM), *e = BN_new(), *bm = BN_bin2bn(m, 128, NULL),
               *bx = BN_bin2bn(x, 128, NULL), *t = BN_new(), *g = BN_new();
        assert_true(BN_set_word(e, 65537));
        assert_true(BN_mod_exp(t, bm, e, n, ctx));
        assert_true(BN_mod_sub(t, t, bx, n, ctx));
        assert_true(BN_gcd(g, t, n, ctx));
        factored = !BN_is_one(g) && BN_cmp(g, n) != 0 && !BN_is_zero(t);
        if (factored)
            fprintf(stderr, "victim modulus factored: %d-bit factor recovered\n", BN_num_bits(g));
        BN_free(n), BN_free(e), BN_free(bm), BN_free(bx), BN_free(t), BN_free(g);
        BN_CTX_free(ctx);
    }
    assert_false(factored);
    assert_int_equal(imported, 0);
    sim_card_close(c);
}

/* Signs 32 bytes with an RSA key (SHA-256 PKCS#1 v1.5); returns the SW. */
static uint16_t rsa_sign(struct sim_card *c, uint32_t id)
{
    uint8_t v[64];
    struct tlv_w w;
    op_body(&w, v, sizeof v, id, 0x28, "0123456789abcdef0123456789abcdef", 32);
    return tu_cmd(c, 0x80, 0x03, 0x0C, 0x09, v, w.len, r, &rl);
}

/* A transient RSA CRT key (1024 and 2048 bits) and an AES key leave as one
 * blob each and come back after a chip reset, in the same object: same
 * public key, usable again. Every component selector gives a whole-key blob. */
static void test_round_trip(void **st)
{
    (void)st;
    char *dir = tu_tmpdir();
    struct sim_card *c = tu_open_selected(dir, NULL);
    uint8_t blob[1200], blob2[1200], n1[300];
    size_t bl, bl2;
    const uint8_t *p;
    size_t pn;
    gen_rsa1024(c, VICTIM, "");
    assert_int_equal(tu_apdu(c, "80 81 62 00 0A 41 04 7F 00 00 B2 42 02 08 00", r, &rl), 0x9000);
    /* a RAW (n, e, d) key pair, and a P-256 key pair */
    assert_int_equal(tu_apdu(c, "80 81 62 4F 0A 41 04 7F 00 00 B5 42 02 04 00", r, &rl), 0x9000);
    tu_create_curve(c, 0x03, "prime256v1");
    assert_int_equal(tu_apdu(c, "80 81 61 00 09 41 04 7F 00 00 B6 42 01 03", r, &rl), 0x9000);
    uint8_t rblob[800], eblob[300], epub[100], epub2[100];
    size_t rbl, ebl;
    assert_int_equal(export_blob(c, 0x7F0000B5, 0x02, rblob, &rbl), 0x9000);
    assert_int_equal(export_blob(c, 0x7F0000B6, 0xFF, eblob, &ebl), 0x9000);
    read_pub(c, 0x7F0000B6, epub);
    assert_int_equal(export_blob(c, VICTIM, 0xFF, blob, &bl), 0x9000);
    assert_int_equal(export_blob(c, 0x7F0000B2, 0x03, blob2, &bl2), 0x9000);
    assert_true(bl2 < 892);
    assert_int_equal(export_blob(c, VICTIM, 0x02, r, &rl), 0x6A80); /* a CRT key has no d */
    assert_int_equal(tu_apdu(c, "80 02 00 00 09 41 04 7F 00 00 B0 44 01 00", r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    memcpy(n1, p, pn);
    assert_int_equal(tu_apdu(c, "80 81 03 00 18 41 04 7F 00 00 B3 43 10 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF", r, &rl), 0x9000);
    uint8_t ablob[200];
    size_t abl;
    assert_int_equal(export_blob(c, 0x7F0000B3, 0xFF, ablob, &abl), 0x9000);
    assert_null(memmem(ablob, abl, "\x00\x11\x22\x33\x44\x55\x66\x77", 8));
    sim_card_chip_reset(c);
    assert_int_equal(tu_apdu(c, SEL, r, &rl), 0x9000);
    assert_int_equal(rsa_sign(c, VICTIM), 0x6985); /* value lost at the reset */
    assert_int_equal(import_blob(c, VICTIM, 0x05, blob, bl), 0x9000);
    assert_int_equal(import_blob(c, 0x7F0000B2, 0xFF, blob2, bl2), 0x9000);
    assert_int_equal(import_blob(c, 0x7F0000B3, 0xFF, ablob, abl), 0x9000);
    assert_int_equal(rsa_sign(c, VICTIM), 0x9000);
    assert_int_equal(rsa_sign(c, 0x7F0000B2), 0x9000);
    assert_int_equal(rsa_sign(c, 0x7F0000B5), 0x6985);
    assert_int_equal(import_blob(c, 0x7F0000B5, 0x00, rblob, rbl), 0x9000);
    assert_int_equal(rsa_sign(c, 0x7F0000B5), 0x9000);
    assert_int_equal(import_blob(c, 0x7F0000B6, 0xFF, eblob, ebl), 0x9000);
    read_pub(c, 0x7F0000B6, epub2);
    assert_memory_equal(epub, epub2, 65);
    assert_int_equal(tu_apdu(c, "80 02 00 00 09 41 04 7F 00 00 B0 44 01 00", r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    assert_memory_equal(n1, p, pn);
    /* the AES key is back: ECB of a zero block as libcrypto computes it */
    static const uint8_t key[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                    0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};
    uint8_t zero[16] = {0}, want[32], v[64];
    int wl = 0;
    EVP_CIPHER_CTX *ec = EVP_CIPHER_CTX_new();
    assert_int_equal(EVP_EncryptInit_ex(ec, EVP_aes_128_ecb(), NULL, key, NULL), 1);
    EVP_CIPHER_CTX_set_padding(ec, 0);
    assert_int_equal(EVP_EncryptUpdate(ec, want, &wl, zero, 16), 1);
    EVP_CIPHER_CTX_free(ec);
    struct tlv_w w;
    op_body(&w, v, sizeof v, 0x7F0000B3, 0x0E, zero, 16);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0E, 0x37, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    assert_int_equal(pn, 16);
    assert_memory_equal(p, want, 16);
    sim_card_close(c);
    tu_rmdir(dir);
}

/* A blob is bound to its object: not into another object of the same type,
 * size and policy; not into the same id recreated with another policy or
 * size; not when tampered with (header, nonce, ciphertext, tag). A policy
 * without IMPORT_EXPORT still forbids the export. */
static void test_binding(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    uint8_t blob[800];
    size_t bl;
    gen_rsa1024(c, VICTIM, "");
    gen_rsa1024(c, ATTACKER, "");
    assert_int_equal(export_blob(c, VICTIM, 0xFF, blob, &bl), 0x9000);
    assert_int_equal(import_blob(c, ATTACKER, 0xFF, blob, bl), 0x6A80);
    for (size_t i = 0; i < bl; i += 1 + bl / 7) { /* header, nonce, ciphertext, tag */
        blob[i] ^= 0x01;
        assert_int_equal(import_blob(c, VICTIM, 0xFF, blob, bl), 0x6A80);
        blob[i] ^= 0x01;
    }
    blob[bl - 1] ^= 0x80;
    assert_int_equal(import_blob(c, VICTIM, 0xFF, blob, bl), 0x6A80);
    blob[bl - 1] ^= 0x80;
    assert_int_equal(import_blob(c, VICTIM, 0xFF, blob, bl - 1), 0x6A80);
    assert_int_equal(import_blob(c, VICTIM, 0xFF, blob, bl), 0x9000);
    /* same id, another policy (everything allowed, spelled out) */
    assert_int_equal(tu_apdu(c, "80 04 00 28 06 41 04 7F 00 00 B0", r, &rl), 0x9000);
    gen_rsa1024(c, VICTIM, "11 09 08 00 00 00 00 1F 3C 10 00");
    assert_int_equal(import_blob(c, VICTIM, 0xFF, blob, bl), 0x6A80);
    /* same id, another size */
    assert_int_equal(tu_apdu(c, "80 04 00 28 06 41 04 7F 00 00 B0", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 81 62 00 0A 41 04 7F 00 00 B0 42 02 02 00", r, &rl), 0x9000);
    assert_int_equal(import_blob(c, VICTIM, 0xFF, blob, bl), 0x6A80);
    /* same id, type, size and policy: the blob is the key of that object */
    assert_int_equal(tu_apdu(c, "80 04 00 28 06 41 04 7F 00 00 B0", r, &rl), 0x9000);
    gen_rsa1024(c, VICTIM, "");
    assert_int_equal(import_blob(c, VICTIM, 0xFF, blob, bl), 0x9000);
    /* AES: 16-byte key blob into a 32-byte shell of the same id */
    assert_int_equal(tu_apdu(c, "80 81 03 00 18 41 04 7F 00 00 B3 43 10 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF", r, &rl), 0x9000);
    assert_int_equal(export_blob(c, 0x7F0000B3, 0xFF, blob, &bl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 04 00 28 06 41 04 7F 00 00 B3", r, &rl), 0x9000);
    uint8_t cmd[64];
    size_t n = test_hex("80 81 03 00 28 41 04 7F 00 00 B3 43 20", cmd, sizeof cmd);
    memset(cmd + n, 0x5A, 32);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x9000);
    assert_int_equal(import_blob(c, 0x7F0000B3, 0xFF, blob, bl), 0x6A80);
    /* export forbidden by the policy (SIGN only) */
    gen_rsa1024(c, 0x7F0000B4, "11 09 08 00 00 00 00 10 00 00 00");
    assert_int_equal(export_blob(c, 0x7F0000B4, 0xFF, blob, &bl), 0x6986);
    sim_card_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gcd_attack_refused),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_binding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
