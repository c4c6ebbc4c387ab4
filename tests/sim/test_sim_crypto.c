/* SPDX-License-Identifier: Apache-2.0 */
/* Emulator card core, symmetric crypto: one-shot digest/MAC/cipher/KDF and
 * multi-step crypto objects, checked against libcrypto.
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

/* WriteSymmKey (80 01 p1 00: P1 03 AES, 05 HMAC): TAG 41 id, TAG 43 the key. */
static uint16_t write_sym_key(struct sim_card *c, uint8_t p1, uint32_t id, const uint8_t *key, size_t n)
{
    uint8_t v[100];
    struct tlv_w w;
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, id);
    tlv_put(&w, 0x43, key, n);
    assert_true(tlv_w_ok(&w));
    return tu_cmd(c, 0x80, 0x01, p1, 0x00, v, w.len, NULL, NULL);
}

/* AES-128-CBC without padding on the host (enc 1: encrypt, 0: decrypt). */
static void host_aes_cbc(int enc, const uint8_t *key, const uint8_t *iv, const uint8_t *in, size_t n, uint8_t *out)
{
    EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
    int a1 = 0, a2 = 0;
    assert_int_equal(EVP_CipherInit_ex(cx, EVP_aes_128_cbc(), NULL, key, iv, enc), 1);
    EVP_CIPHER_CTX_set_padding(cx, 0);
    assert_int_equal(EVP_CipherUpdate(cx, out, &a1, in, (int)n), 1);
    assert_int_equal(EVP_CipherFinal_ex(cx, out + a1, &a2), 1);
    EVP_CIPHER_CTX_free(cx);
}

/* One-shot digest, MAC, cipher, HKDF and PBKDF2 against libcrypto. */
static void test_symmetric(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    uint8_t v[600], want[128], msg[100], iv[16];
    size_t wl;
    const uint8_t *p;
    size_t pn;
    struct tlv_w w;
    RAND_bytes(msg, sizeof msg);
    RAND_bytes(iv, sizeof iv);
    /* DigestOneShot SHA-256 */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u8(&w, 0x41, 0x04);
    tlv_put(&w, 0x42, msg, sizeof msg);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x00, 0x0E, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    unsigned ml;
    EVP_Digest(msg, sizeof msg, want, &ml, EVP_sha256(), NULL);
    assert_int_equal(pn, 32);
    assert_memory_equal(p, want, 32);
    /* HMAC key, MAC generate/validate */
    uint8_t hk[32], ak[16];
    RAND_bytes(hk, sizeof hk);
    RAND_bytes(ak, sizeof ak);
    assert_int_equal(write_sym_key(c, 0x05, 0x7F0000B0, hk, sizeof hk), 0x9000);
    assert_int_equal(write_sym_key(c, 0x03, 0x7F0000B1, ak, sizeof ak), 0x9000);
    op_body(&w, v, sizeof v, 0x7F0000B0, 0x19, msg, sizeof msg);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0D, 0x45, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, hk, sizeof hk, msg, sizeof msg, want, sizeof want, &wl));
    assert_int_equal(pn, wl);
    assert_memory_equal(p, want, wl);
    tlv_put(&w, 0x45, want, wl);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0D, 0x46, v, w.len, r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01", 3);
    v[w.len - 1] ^= 1;
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0D, 0x46, v, w.len, r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02", 3);
    /* AES-CMAC; CMAC with an HMAC key is refused */
    op_body(&w, v, sizeof v, 0x7F0000B1, 0x31, msg, sizeof msg);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0D, 0x45, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    assert_non_null(EVP_Q_mac(NULL, "CMAC", NULL, "AES-128-CBC", NULL, ak, sizeof ak, msg, sizeof msg, want, sizeof want, &wl));
    assert_memory_equal(p, want, 16);
    v[5] = 0xB0;
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0D, 0x45, v, w.len, r, &rl), 0x6985);
    /* AES-CBC encrypt on the card, decrypt on the card and with libcrypto */
    uint8_t ct[96];
    op_body(&w, v, sizeof v, 0x7F0000B1, 0x0D, msg, 96);
    tlv_put(&w, 0x44, iv, 16);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0E, 0x37, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    assert_int_equal(pn, 96);
    memcpy(ct, p, 96);
    host_aes_cbc(0, ak, iv, ct, 96, want);
    assert_memory_equal(want, msg, 96);
    op_body(&w, v, sizeof v, 0x7F0000B1, 0x0D, ct, 96);
    tlv_put(&w, 0x44, iv, 16);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0E, 0x38, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    assert_memory_equal(p, msg, 96);
    /* CTR takes any length; ECB/CBC need whole blocks */
    op_body(&w, v, sizeof v, 0x7F0000B1, 0xF0, msg, 33);
    tlv_put(&w, 0x44, iv, 16);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0E, 0x37, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    assert_int_equal(pn, 33);
    op_body(&w, v, sizeof v, 0x7F0000B1, 0x0E, msg, 33);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0E, 0x37, v, w.len, r, &rl), 0x6A80);
    /* HKDF-SHA256 with salt and info */
    op_body(&w, v, sizeof v, 0x7F0000B0, 0x04, "salt", 4);
    tlv_put(&w, 0x44, "info", 4);
    tlv_put_u16(&w, 0x45, 42);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x00, 0x2D, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    assert_int_equal(pn, 42);
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kc = EVP_KDF_CTX_new(kdf);
    OSSL_PARAM hp[] = {OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
                       OSSL_PARAM_construct_octet_string("key", hk, sizeof hk),
                       OSSL_PARAM_construct_octet_string("salt", (char *)"salt", 4),
                       OSSL_PARAM_construct_octet_string("info", (char *)"info", 4),
                       OSSL_PARAM_construct_end()};
    assert_int_equal(EVP_KDF_derive(kc, want, 42, hp), 1);
    assert_memory_equal(p, want, 42);
    EVP_KDF_CTX_free(kc);
    EVP_KDF_free(kdf);
    /* HKDF output up to the response limit (888 bytes), not beyond */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000B0);
    tlv_put_u8(&w, 0x42, 0x06);
    tlv_put_u16(&w, 0x45, 888);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x00, 0x2D, v, w.len, r, &rl), 0x9000);
    assert_int_equal(rl, 892);
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000B0);
    tlv_put_u8(&w, 0x42, 0x06);
    tlv_put_u16(&w, 0x45, 889);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x00, 0x2D, v, w.len, r, &rl), 0x6A80);
    /* PBKDF2 (HMAC-SHA256) */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000B0);
    tlv_put(&w, 0x42, "NaCl", 4);
    tlv_put_u16(&w, 0x43, 100);
    tlv_put_u16(&w, 0x44, 64);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x00, 0x2E, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    assert_int_equal(PKCS5_PBKDF2_HMAC((const char *)hk, sizeof hk, (const unsigned char *)"NaCl", 4, 100, EVP_sha256(), 64, want), 1);
    assert_memory_equal(p, want, 64);
    /* policies: an AES key allowed to encrypt only */
    assert_int_equal(tu_apdu(c, "80 01 03 00 23 11 09 08 00 00 00 00 02 00 00 00 41 04 7F 00 00 B2 43 10 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F", r, &rl), 0x9000);
    op_body(&w, v, sizeof v, 0x7F0000B2, 0x0E, msg, 16);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0E, 0x37, v, w.len, r, &rl), 0x9000);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0E, 0x38, v, w.len, r, &rl), 0x6986);
    sim_card_close(c);
}

/* Crypto objects: multi-step digest, cipher and MAC against libcrypto. */
static void test_crypto_objects(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    uint8_t want[128], msg[48], iv[16], ak[16], hk[32], v[300];
    const uint8_t *p;
    size_t pn, wl;
    unsigned ml;
    struct tlv_w w;
    RAND_bytes(msg, sizeof msg);
    RAND_bytes(iv, sizeof iv);
    RAND_bytes(ak, sizeof ak);
    RAND_bytes(hk, sizeof hk);
    assert_int_equal(tu_apdu(c, "80 02 10 25 00", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x82\x00\x00", 4);
    assert_int_equal(tu_apdu(c, "80 01 10 00 0A 41 02 00 01 42 01 01 43 01 04", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 10 00 0A 41 02 00 01 42 01 01 43 01 04", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 01 10 00 0A 41 02 00 09 42 01 01 43 01 99", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80 02 10 25 00", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x82\x00\x04\x00\x01\x01\x04", 8);
    /* digest: Update before Init is refused; Init, Update abc, Final def */
    assert_int_equal(tu_apdu(c, "80 03 00 0C 09 42 02 00 01 43 03 61 62 63", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 03 00 0B 04 42 02 00 01", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 03 00 0C 09 42 02 00 01 43 03 61 62 63", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 03 00 0D 09 42 02 00 01 43 03 64 65 66", r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    EVP_Digest("abcdef", 6, want, &ml, EVP_sha256(), NULL);
    assert_int_equal(pn, 32);
    assert_memory_equal(p, want, 32);
    /* cipher: AES-CBC over two steps */
    assert_int_equal(write_sym_key(c, 0x03, 0x7F0000C1, ak, sizeof ak), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 10 00 0A 41 02 00 02 42 01 02 43 01 0D", r, &rl), 0x9000);
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000C1);
    tlv_put_u16(&w, 0x42, 2);
    tlv_put(&w, 0x44, iv, 16);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0E, 0x42, v, w.len, r, &rl), 0x9000);
    uint8_t ct[48];
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u16(&w, 0x42, 2);
    tlv_put(&w, 0x43, msg, 32);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0E, 0x0C, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    assert_int_equal(pn, 32);
    memcpy(ct, p, 32);
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u16(&w, 0x42, 2);
    tlv_put(&w, 0x43, msg + 32, 16);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0E, 0x0D, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    assert_int_equal(pn, 16);
    memcpy(ct + 32, p, 16);
    host_aes_cbc(1, ak, iv, msg, 48, want);
    assert_memory_equal(ct, want, 48);
    /* MAC: HMAC-SHA256 generate in two steps, then validate */
    assert_int_equal(write_sym_key(c, 0x05, 0x7F0000C2, hk, sizeof hk), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 10 00 0A 41 02 00 03 42 01 03 43 01 19", r, &rl), 0x9000);
    assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, hk, sizeof hk, msg, sizeof msg, want, sizeof want, &wl));
    for (int validate = 0; validate < 2; validate++) {
        tlv_w_init(&w, v, sizeof v);
        tlv_put_u32(&w, 0x41, 0x7F0000C2);
        tlv_put_u16(&w, 0x42, 3);
        assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0D, validate ? 0x44 : 0x03, v, w.len, r, &rl), 0x9000);
        tlv_w_init(&w, v, sizeof v);
        tlv_put(&w, 0x41, msg, 20);
        tlv_put_u16(&w, 0x42, 3);
        assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0D, 0x0C, v, w.len, r, &rl), 0x9000);
        tlv_w_init(&w, v, sizeof v);
        tlv_put(&w, 0x41, msg + 20, 28);
        tlv_put_u16(&w, 0x42, 3);
        if (validate)
            tlv_put(&w, 0x43, want, wl);
        assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0D, 0x0D, v, w.len, r, &rl), 0x9000);
        if (validate) {
            assert_memory_equal(r, "\x41\x01\x01", 3);
        } else {
            assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
            assert_int_equal(pn, wl);
            assert_memory_equal(p, want, wl);
        }
    }
    /* a cipher object is not a MAC object; delete; deselect drops the rest */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000C2);
    tlv_put_u16(&w, 0x42, 2);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0D, 0x03, v, w.len, r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 04 10 28 04 41 02 00 02", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 04 10 28 04 41 02 00 02", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "00 A4 04 00 00", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, SEL, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 10 25 00", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x82\x00\x00", 4);
    sim_card_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_symmetric),
        cmocka_unit_test(test_crypto_objects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
