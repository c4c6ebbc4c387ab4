/* SPDX-License-Identifier: Apache-2.0 */
/* Emulator card core, EC keys: curve management, ECDSA, private import,
 * ECDH, EdDSA/X25519 and curves of every size class, verified with libcrypto.
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

/* A new host EC key on group (caller frees), its private scalar padded to
 * dlen bytes into priv and its encoded public point into pub (length *pl). */
static EVP_PKEY *host_ec_key(const char *group, uint8_t *priv, size_t dlen, uint8_t *pub, size_t pubcap, size_t *pl)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);
    BIGNUM *d = NULL;
    assert_non_null(k);
    assert_true(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &d));
    assert_int_equal(BN_bn2binpad(d, priv, (int)dlen), (int)dlen);
    BN_free(d);
    assert_true(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pub, pubcap, pl));
    return k;
}

static void test_curves(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    /* no Weierstrass curve before it is created */
    assert_int_equal(tu_apdu(c, "80 02 0B 25 00", r, &rl), 0x9000);
    assert_int_equal(rl, 4 + 17);
    for (size_t i = 0; i < 17; i++)
        assert_int_equal(r[4 + i], 0x01);
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x6985);
    /* §6: create P-256; a param with a wrong value; generate before all params */
    assert_int_equal(tu_apdu(c, "80 01 0B 04 03 41 01 03", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 0B 04 03 41 01 03", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 02 0B 25 00", r, &rl), 0x9000);
    assert_int_equal(r[4 + 2], 0x02);
    assert_int_equal(tu_apdu(c, "80 01 0B 40 0A 41 01 03 42 01 01 43 02 12 34", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80 01 0B 40 0A 41 01 03 42 01 03 43 02 12 34", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 04 0B 28 03 41 01 03", r, &rl), 0x9000); /* DeleteECCurve */
    assert_int_equal(tu_apdu(c, "80 04 0B 28 03 41 01 03", r, &rl), 0x6A80);
    tu_create_curve(c, 0x03, "prime256v1");
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x9000);
    /* GetECCurveId */
    assert_int_equal(tu_apdu(c, "80 02 0B 36 06 41 04 7F 00 00 01", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x03", 3);
    assert_int_equal(tu_apdu(c, "80 02 0B 36 06 41 04 7F FF 02 06", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 02 0B 36 06 41 04 7F 00 00 02", r, &rl), 0x6A80);
    /* Ed25519 / X25519 are built in */
    assert_int_equal(tu_apdu(c, "80 01 0B 04 03 41 01 40", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 01 61 00 09 41 04 7F 00 00 40 42 01 40", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 61 00 09 41 04 7F 00 00 41 42 01 41", r, &rl), 0x9000);
    /* unsupported curve ids */
    assert_int_equal(tu_apdu(c, "80 01 0B 04 03 41 01 11", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80 01 61 00 09 41 04 7F 00 00 05 42 01 77", r, &rl), 0x6A80);
    /* a key on a deleted curve is unusable */
    assert_int_equal(tu_apdu(c, "80 04 0B 28 03 41 01 03", r, &rl), 0x9000);
    uint8_t d[32] = {0};
    uint8_t cmd[64];
    size_t n = test_hex("80 03 0C 09 2B 41 04 7F 00 00 01 42 01 21 43 20", cmd, sizeof cmd);
    memcpy(cmd + n, d, 32);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x6985);
    sim_card_close(c);
}

static void test_ecdsa(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    uint8_t pub[200], cmd[300], dg[64];
    tu_create_curve(c, 0x03, "prime256v1");
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x9000);
    /* §6 check existence */
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F 00 00 01", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01", 3);
    /* §6 read public key */
    assert_int_equal(tu_apdu(c, "80 02 00 00 00 00 06 41 04 7F 00 00 01 00 00", r, &rl), 0x9000);
    assert_int_equal(rl, 69);
    assert_memory_equal(r, "\x41\x82\x00\x41\x04", 5);
    size_t pl = read_pub(c, 0x7F000001, pub);
    assert_int_equal(pl, 65);
    EVP_PKEY *pk = ec_pub("P-256", pub, pl);
    /* type: EC key pair, persistent, size 32 */
    assert_int_equal(tu_apdu(c, "80 02 00 26 06 41 04 7F 00 00 01", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01\x42\x01\x01", 6);
    assert_int_equal(tu_apdu(c, "80 02 00 07 06 41 04 7F 00 00 01", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x02\x00\x20", 4);

    /* §6 sign a SHA-256 digest; verify with libcrypto */
    RAND_bytes(dg, sizeof dg);
    size_t n = test_hex("80 03 0C 09 2B 41 04 7F 00 00 01 42 01 21 43 20", cmd, sizeof cmd);
    memcpy(cmd + n, dg, 32);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x9000);
    const uint8_t *sig;
    size_t sl;
    assert_true(tu_tlv(r, rl, 0x41, &sig, &sl));
    assert_int_equal(r[1], 0x82);
    assert_int_equal(sig[0], 0x30);
    assert_int_equal(verify_digest(pk, sig, sl, dg, 32), 1);
    dg[0] ^= 1;
    assert_int_not_equal(verify_digest(pk, sig, sl, dg, 32), 1);
    dg[0] ^= 1;

    /* ECDSAVerify on the card: ok, then tampered */
    uint8_t sigcopy[100];
    memcpy(sigcopy, sig, sl);
    uint8_t v[200];
    struct tlv_w w;
    op_body(&w, v, sizeof v, 0x7F000001, 0x21, dg, 32);
    tlv_put(&w, 0x45, sigcopy, sl);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0C, 0x0A, v, w.len, r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01", 3);
    v[11] ^= 0xFF; /* first digest byte */
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0C, 0x0A, v, w.len, r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02", 3);

    /* the SE does not hash: input length must match the algorithm */
    cmd[4] = 0x2C;
    cmd[17] = 0x21;
    assert_int_equal(tu_apdu_bin(c, cmd, n + 33, r, &rl), 0x6A80); /* 33 bytes for SHA-256 */
    n = test_hex("80 03 0C 09 1F 41 04 7F 00 00 01 42 01 11 43 14", cmd, sizeof cmd);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 20, r, &rl), 0x9000); /* SHA-1 */
    n = test_hex("80 03 0C 09 4B 41 04 7F 00 00 01 42 01 26 43 40", cmd, sizeof cmd);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 64, r, &rl), 0x9000); /* SHA-512 */
    n = test_hex("80 03 0C 09 2B 41 04 7F 00 00 01 42 01 09 43 20", cmd, sizeof cmd);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x6A80); /* PLAIN unsupported */
    n = test_hex("80 03 0C 09 2B 41 04 7F 00 00 02 42 01 21 43 20", cmd, sizeof cmd);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x6A80); /* unknown object */
    n = test_hex("80 03 0C 09 2B 41 04 7F FF 02 06 42 01 21 43 20", cmd, sizeof cmd);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x6985); /* not a key */
    n = test_hex("80 03 0C 09 2B 41 04 F0 00 00 12 42 01 21 43 20", cmd, sizeof cmd);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x6986); /* attestation key policy */

    /* regenerate (GEN, default policy) changes the key; import a public key */
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x9000);
    uint8_t pub2[200];
    read_pub(c, 0x7F000001, pub2);
    assert_memory_not_equal(pub, pub2, 65);
    assert_int_equal(write_ec_key(c, 0x21, 0x7F000002, 0x03, NULL, 0, pub, 65), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 26 06 41 04 7F 00 00 02", r, &rl), 0x9000);
    assert_int_equal(r[2], 0x03);
    /* signing with a public key: conditions not satisfied */
    n = test_hex("80 03 0C 09 2B 41 04 7F 00 00 02 42 01 21 43 20", cmd, sizeof cmd);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x6985);
    /* a bogus point is refused */
    pub[64] ^= 1;
    assert_int_equal(write_ec_key(c, 0x21, 0x7F000003, 0x03, NULL, 0, pub, 65), 0x6A80);
    /* type mismatch on rewrite: EC write over a binary file */
    assert_int_equal(tu_apdu(c, "80 01 06 00 0A 41 04 7F 00 00 09 43 02 00 10", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 61 00 09 41 04 7F 00 00 09 42 01 03", r, &rl), 0x6985);
    /* curve mismatch on rewrite */
    tu_create_curve(c, 0x04, "secp384r1");
    assert_int_equal(tu_apdu(c, "80 01 61 00 09 41 04 7F 00 00 01 42 01 04", r, &rl), 0x6985);
    EVP_PKEY_free(pk);
    sim_card_close(c);
}

static void test_ec_import_private(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    tu_create_curve(c, 0x03, "prime256v1");
    uint8_t priv[32], pub[65];
    size_t pl;
    EVP_PKEY *host = host_ec_key("P-256", priv, sizeof priv, pub, sizeof pub, &pl);
    /* mismatching halves are refused */
    pub[10] ^= 1;
    assert_int_equal(write_ec_key(c, 0x61, 0x7F000010, 0x03, priv, 32, pub, 65), 0x6A80);
    pub[10] ^= 1;
    assert_int_equal(write_ec_key(c, 0x61, 0x7F000010, 0x03, priv, 32, pub, 65), 0x9000);
    uint8_t got[100];
    assert_int_equal(read_pub(c, 0x7F000010, got), 65);
    assert_memory_equal(got, pub, 65);
    /* private-only object: never readable */
    assert_int_equal(write_ec_key(c, 0x41, 0x7F000011, 0x03, priv, 32, NULL, 0), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 11", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 02 00 26 06 41 04 7F 00 00 11", r, &rl), 0x9000);
    assert_int_equal(r[2], 0x02);
    /* regenerating a private-only object is not possible */
    assert_int_equal(tu_apdu(c, "80 01 41 00 06 41 04 7F 00 00 11", r, &rl), 0x6A80);
    /* sign with the private-only key, verify with the host key */
    uint8_t cmd[100], dg[32];
    RAND_bytes(dg, 32);
    size_t n = test_hex("80 03 0C 09 2B 41 04 7F 00 00 11 42 01 21 43 20", cmd, sizeof cmd);
    memcpy(cmd + n, dg, 32);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x9000);
    const uint8_t *sig;
    size_t sl;
    assert_true(tu_tlv(r, rl, 0x41, &sig, &sl));
    assert_int_equal(verify_digest(host, sig, sl, dg, 32), 1);
    EVP_PKEY_free(host);
    sim_card_close(c);
}

static void test_ecdh(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    tu_create_curve(c, 0x03, "prime256v1");
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x9000);
    uint8_t card_pub[100], host_pub[100], v[200];
    read_pub(c, 0x7F000001, card_pub);
    EVP_PKEY *host = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    size_t hl;
    assert_true(EVP_PKEY_get_octet_string_param(host, OSSL_PKEY_PARAM_PUB_KEY, host_pub, sizeof host_pub, &hl));
    /* §6 ECDH with a P-256 peer (extended form) */
    uint8_t cmd[200];
    size_t n = test_hex("80 03 01 0F 00 00 49 41 04 7F 00 00 01 42 41", cmd, sizeof cmd);
    memcpy(cmd + n, host_pub, 65);
    n += 65;
    cmd[n++] = 0;
    cmd[n++] = 0;
    assert_int_equal(tu_apdu_bin(c, cmd, n, r, &rl), 0x9000);
    const uint8_t *sec;
    size_t secl;
    assert_true(tu_tlv(r, rl, 0x41, &sec, &secl));
    assert_int_equal(secl, 32);
    /* the host computes the same */
    EVP_PKEY *peer = ec_pub("P-256", card_pub, 65);
    uint8_t hs[64];
    assert_int_equal(host_derive(host, peer, hs, sizeof hs), 32);
    assert_memory_equal(hs, sec, 32);
    /* invalid peer point */
    cmd[7 + 6 + 2 + 64] ^= 0x55;
    assert_int_equal(tu_apdu_bin(c, cmd, n, r, &rl), 0x6A80);
    /* Ed25519 keys cannot do ECDH */
    assert_int_equal(tu_apdu(c, "80 01 61 00 09 41 04 7F 00 00 40 42 01 40", r, &rl), 0x9000);
    struct tlv_w w;
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000040);
    tlv_put(&w, 0x42, host_pub + 1, 32);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x01, 0x0F, v, w.len, r, &rl), 0x6985);
    /* X25519 (reversed byte order on the wire) */
    assert_int_equal(tu_apdu(c, "80 01 61 00 09 41 04 7F 00 00 41 42 01 41", r, &rl), 0x9000);
    uint8_t xpub[40];
    assert_int_equal(read_pub(c, 0x7F000041, xpub), 32);
    EVP_PKEY *xh = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    uint8_t xhp[32];
    size_t xl = 32;
    EVP_PKEY_get_raw_public_key(xh, xhp, &xl);
    uint8_t rev[32];
    for (int i = 0; i < 32; i++)
        rev[i] = xhp[31 - i];
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000041);
    tlv_put(&w, 0x42, rev, 32);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x01, 0x0F, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &sec, &secl));
    for (int i = 0; i < 32; i++)
        rev[i] = xpub[31 - i];
    EVP_PKEY *xcard = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, rev, 32);
    assert_int_equal(host_derive(xh, xcard, hs, sizeof hs), 32);
    for (int i = 0; i < 32; i++)
        assert_int_equal(hs[i], sec[31 - i]);
    EVP_PKEY_free(xcard);
    EVP_PKEY_free(xh);
    EVP_PKEY_free(peer);
    EVP_PKEY_free(host);
    sim_card_close(c);
}

static void test_eddsa(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    assert_int_equal(tu_apdu(c, "80 01 61 00 09 41 04 7F 00 00 40 42 01 40", r, &rl), 0x9000);
    uint8_t pubw[40], pub[32], v[200], msg[100];
    assert_int_equal(read_pub(c, 0x7F000040, pubw), 32);
    for (int i = 0; i < 32; i++)
        pub[i] = pubw[31 - i];
    RAND_bytes(msg, sizeof msg);
    struct tlv_w w;
    op_body(&w, v, sizeof v, 0x7F000040, 0xA3, msg, sizeof msg);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0C, 0x09, v, w.len, r, &rl), 0x9000);
    const uint8_t *sig;
    size_t sl;
    assert_true(tu_tlv(r, rl, 0x41, &sig, &sl));
    assert_int_equal(sl, 64);
    uint8_t s[64];
    for (int i = 0; i < 32; i++) {
        s[i] = sig[31 - i];
        s[32 + i] = sig[63 - i];
    }
    EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
    assert_int_equal(verify_msg(pk, NULL, -1, s, 64, msg, sizeof msg), 1);
    /* the same public key imported as a PUBLIC object verifies the signature */
    uint8_t sigw[64];
    memcpy(sigw, sig, 64);
    assert_int_equal(write_ec_key(c, 0x21, 0x7F000042, 0x40, NULL, 0, pubw, 32), 0x9000);
    uint8_t vv[300];
    struct tlv_w w2;
    op_body(&w2, vv, sizeof vv, 0x7F000042, 0xA3, msg, sizeof msg);
    tlv_put(&w2, 0x45, sigw, 64);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0C, 0x0A, vv, w2.len, r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01", 3);
    vv[w2.len - 1] ^= 1;
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0C, 0x0A, vv, w2.len, r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02", 3);
    /* rebuild the sign command for the next check */
    op_body(&w, v, sizeof v, 0x7F000040, 0xA3, msg, sizeof msg);
    /* ECDSA algorithm code on an Ed25519 key */
    v[w.len - sizeof msg - 2 - 1] = 0x21;
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0C, 0x09, v, w.len, r, &rl), 0x6A80);
    EVP_PKEY_free(pk);
    sim_card_close(c);
}

/* Curves of every size class: generate, sign on the card, verify with
 * libcrypto (secp160k1 has a 21-byte order, P-521 66-byte coordinates). */
static void test_other_curves(void **st)
{
    (void)st;
    static const struct {
        uint8_t id;
        const char *name, *group;
        uint8_t algo;
        size_t dlen;
    } cs[] = {{0x0D, "secp160k1", "secp160k1", 0x11, 20},
              {0x05, "secp521r1", "P-521", 0x26, 64},
              {0x0B, "brainpoolP384r1", "brainpoolP384r1", 0x22, 48},
              {0x10, "secp256k1", "secp256k1", 0x21, 32}};
    struct sim_card *c = tu_open_selected(NULL, NULL);
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        uint8_t v[200], pub[200], dg[64];
        struct tlv_w w;
        uint32_t id = 0x7F000100u + (uint32_t)i;
        tu_create_curve(c, cs[i].id, cs[i].name);
        assert_int_equal(write_ec_key(c, 0x61, id, cs[i].id, NULL, 0, NULL, 0), 0x9000);
        size_t pl = read_pub(c, id, pub);
        EVP_PKEY *pk = ec_pub(cs[i].group, pub, pl);
        RAND_bytes(dg, sizeof dg);
        op_body(&w, v, sizeof v, id, cs[i].algo, dg, cs[i].dlen);
        assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0C, 0x09, v, w.len, r, &rl), 0x9000);
        const uint8_t *sig;
        size_t sl;
        assert_true(tu_tlv(r, rl, 0x41, &sig, &sl));
        if (verify_digest(pk, sig, sl, dg, cs[i].dlen) != 1)
            fail_msg("%s: the card's signature does not verify", cs[i].name);
        /* ReadSize = field size */
        uint8_t rs[6] = {0x41, 4, (uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id};
        assert_int_equal(tu_cmd(c, 0x80, 0x02, 0x00, 0x07, rs, 6, r, &rl), 0x9000);
        assert_int_equal(r[3], (pl - 1) / 2);
        EVP_PKEY_free(pk);
    }
    /* a host secp160k1 key (order of 161 bits) imported as private + public */
    uint8_t priv[21], pub[41];
    size_t pl;
    EVP_PKEY *host = host_ec_key("secp160k1", priv, sizeof priv, pub, sizeof pub, &pl);
    assert_int_equal(write_ec_key(c, 0x61, 0x7F000200, 0x0D, priv, 21, pub, pl), 0x9000);
    EVP_PKEY_free(host);
    sim_card_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_curves),
        cmocka_unit_test(test_ecdsa),
        cmocka_unit_test(test_ec_import_private),
        cmocka_unit_test(test_ecdh),
        cmocka_unit_test(test_eddsa),
        cmocka_unit_test(test_other_curves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
