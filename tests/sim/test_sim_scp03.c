/* SPDX-License-Identifier: Apache-2.0 */
/* Platform SCP03 on the card: the computed test vector of docs/protocol/scp03.md §8
 * (DEVKIT keys, fixed challenges) byte for byte, then a host-side wrapper
 * written from the spec driving wrapped commands, R-ENC/R-MAC answers, the
 * 3.x counter model, and the failure paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "scp03.h"
#include "sim_test_util.h"

static const uint8_t CARD_CHAL[8] = {0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};
static uint8_t r[4096];
static size_t rl;

static void hex(const char *h, uint8_t *out, size_t n) { assert_int_equal(test_hex(h, out, n), n); }

static void test_kdf_vector(void **st)
{
    (void)st;
    uint8_t enc[16], mac[16], ctx[16], out[16], want[16];
    hex("35C256458958A34F6136155F8209D6CD", enc, 16);
    hex("AF177D5DBDF7C0D5C10A05B9F1607F78", mac, 16);
    hex("0102030405060708 1112131415161718", ctx, 16);
    assert_true(scp03_kdf(enc, 0x04, 0x80, ctx, out));
    hex("03 14 D4 42 D4 E0 7C 96 AA F3 78 58 3F A7 37 3A", want, 16);
    assert_memory_equal(out, want, 16);
    assert_true(scp03_kdf(mac, 0x06, 0x80, ctx, out));
    hex("8F 1D 57 04 77 B5 8A D2 13 FE ED 2E 01 EB 71 63", want, 16);
    assert_memory_equal(out, want, 16);
    assert_true(scp03_kdf(mac, 0x07, 0x80, ctx, out));
    hex("A3 FB CA 89 65 2C C9 1B F2 22 01 0B 53 1D 23 12", want, 16);
    assert_memory_equal(out, want, 16);
}

static bool aes_cbc(const uint8_t key[16], const uint8_t iv[16], bool enc, const uint8_t *in, size_t n,
                    uint8_t *out)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int a = 0, b = 0;
    bool ok = EVP_CipherInit_ex(c, iv ? EVP_aes_128_cbc() : EVP_aes_128_ecb(), NULL, key, iv, enc) == 1 &&
              EVP_CIPHER_CTX_set_padding(c, 0) == 1 && EVP_CipherUpdate(c, out, &a, in, (int)n) == 1 &&
              EVP_CipherFinal_ex(c, out + a, &b) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok && (size_t)(a + b) == n;
}

/* The host of docs/protocol/scp03.md §3-§5 (3.x rules). */
struct host {
    uint8_t s_enc[16], s_mac[16], s_rmac[16], mcv[16], ctr[16];
    const uint8_t *sid; /* applet session: inner APDUs go into 80 05 with this id */
};

/* Sends an APDU as is, or inside ProcessSessionCmd when hs->sid is set. */
static uint16_t send(const struct host *hs, struct sim_card *c, const uint8_t *apdu, size_t n)
{
    if (!hs->sid)
        return tu_apdu_bin(c, apdu, n, r, &rl);
    uint8_t v[700];
    size_t l = 0;
    v[l++] = 0x10, v[l++] = 8;
    memcpy(v + l, hs->sid, 8);
    l += 8;
    v[l++] = 0x41;
    if (n > 127)
        v[l++] = 0x81;
    v[l++] = (uint8_t)n;
    memcpy(v + l, apdu, n);
    return tu_cmd(c, 0x80, 0x05, 0x00, 0x00, v, l + n, r, &rl);
}

static void ctr_inc(uint8_t c[16])
{
    for (int i = 15; i >= 0 && ++c[i] == 0; i--) {
    }
}

/* Wraps `plain` data for header h, sends it, checks R-MAC, decrypts into out. */
static uint16_t host_cmd(struct host *hs, struct sim_card *c, const uint8_t h[4], const uint8_t *data,
                         size_t n, uint8_t *out, size_t *outlen)
{
    uint8_t enc[512], apdu[600], icv[16], macin[700], cm[16];
    size_t el = 0, al = 0;
    if (n) {
        memcpy(enc, data, n);
        el = (n / 16 + 1) * 16;
        enc[n] = 0x80;
        memset(enc + n + 1, 0, el - n - 1);
        assert_true(aes_cbc(hs->s_enc, NULL, true, hs->ctr, 16, icv));
        assert_true(aes_cbc(hs->s_enc, icv, true, enc, el, enc));
    }
    apdu[al++] = 0x84;
    memcpy(apdu + al, h + 1, 3);
    al += 3;
    apdu[al++] = (uint8_t)(el + 8);
    memcpy(apdu + al, enc, el);
    al += el;
    memcpy(macin, hs->mcv, 16);
    memcpy(macin + 16, apdu, al);
    assert_true(scp03_cmac(hs->s_mac, macin, 16 + al, cm));
    memcpy(hs->mcv, cm, 16);
    memcpy(apdu + al, cm, 8);
    al += 8;
    uint16_t sw = send(hs, c, apdu, al);
    *outlen = 0;
    if (sw == 0x9000) {
        assert_true(rl >= 8);
        memcpy(macin, hs->mcv, 16);
        memcpy(macin + 16, r, rl - 8);
        macin[16 + rl - 8] = 0x90;
        macin[16 + rl - 7] = 0x00;
        assert_true(scp03_cmac(hs->s_rmac, macin, 16 + rl - 8 + 2, cm));
        assert_memory_equal(cm, r + rl - 8, 8);
        if (rl > 8) {
            uint8_t rc[16];
            memcpy(rc, hs->ctr, 16);
            if (!n && !hs->sid) { /* 3.x platform: no-data commands use the last data counter */
                for (int i = 15; i >= 0 && rc[i]-- == 0; i--) {
                }
            }
            rc[0] = 0x80;
            assert_true(aes_cbc(hs->s_enc, NULL, true, rc, 16, icv));
            assert_true(aes_cbc(hs->s_enc, icv, false, r, rl - 8, out));
            size_t k = rl - 8;
            while (out[k - 1] == 0)
                k--;
            assert_int_equal(out[k - 1], 0x80);
            *outlen = k - 1;
        }
    }
    if (n || hs->sid) /* applet sessions: every command moves the counter */
        ctr_inc(hs->ctr);
    return sw;
}

static struct sim_card *open_scp(struct host *hs, const struct sim_card_cfg *over)
{
    struct sim_card_cfg cfg = {0};
    if (over)
        cfg = *over;
    cfg.scp03_test_challenge = CARD_CHAL;
    struct sim_card *c = tu_open_selected(NULL, &cfg);
    uint8_t want[16];
    assert_int_equal(tu_apdu(c, "80 50 0B 00 08 01 02 03 04 05 06 07 08", r, &rl), 0x9000);
    assert_int_equal(rl, 29);
    assert_memory_equal(r + 13, CARD_CHAL, 8);
    hex("63 80 AD 5E 21 10 71 11", want, 8);
    assert_memory_equal(r + 21, want, 8); /* card cryptogram */
    assert_int_equal(r[10], 0x0B);
    assert_int_equal(tu_apdu(c, "84 82 33 00 10 B9 D8 A7 81 FB 85 6F 2A 56 ED 9F 8A 84 11 B6 15", r, &rl), 0x9000);
    hex("03 14 D4 42 D4 E0 7C 96 AA F3 78 58 3F A7 37 3A", hs->s_enc, 16);
    hex("8F 1D 57 04 77 B5 8A D2 13 FE ED 2E 01 EB 71 63", hs->s_mac, 16);
    hex("A3 FB CA 89 65 2C C9 1B F2 22 01 0B 53 1D 23 12", hs->s_rmac, 16);
    hex("56 ED 9F 8A 84 11 B6 15 8A DC 02 D1 55 52 2D 03", hs->mcv, 16);
    memset(hs->ctr, 0, 16);
    hs->ctr[15] = 1;
    hs->sid = NULL;
    return c;
}

static void test_vector_session(void **st)
{
    (void)st;
    struct host hs = {0};
    struct sim_card *c = open_scp(&hs, NULL);
    uint8_t out[600], apdu[64];
    size_t ol;
    /* §8: the first wrapped command, byte for byte */
    size_t n = test_hex("84 04 00 27 18 C7 FD D7 8E 44 4E 91 1B C9 3B 77 C8 B6 42 7C 6D 5D 13 16 41 8C A8 65 11",
                        apdu, sizeof apdu);
    uint8_t macin[64], full[16], icv[16], want[16], rc[16] = {0x80};
    memcpy(macin, hs.mcv, 16);
    memcpy(macin + 16, apdu, n - 8);
    assert_true(scp03_cmac(hs.s_mac, macin, 16 + n - 8, full));
    assert_memory_equal(full, apdu + n - 8, 8); /* the vector's C-MAC */
    assert_int_equal(tu_apdu_bin(c, apdu, n, r, &rl), 0x9000);
    memcpy(hs.mcv, full, 16);
    rc[15] = 1;
    assert_true(aes_cbc(hs.s_enc, NULL, true, rc, 16, icv));
    hex("37 F0 FD 30 B1 8B 49 A2 1A 09 CF 75 48 9E 3D 38", want, 16);
    assert_memory_equal(icv, want, 16); /* the vector's response ICV */
    assert_int_equal(rl, 16 + 8);
    assert_true(aes_cbc(hs.s_enc, icv, false, r, 16, out));
    assert_memory_equal(out, "\x41\x01\x02\x80\x00", 5); /* object absent */
    hs.ctr[15] = 2;
    /* no-data command (GetVersion): response ICV from the last data counter */
    uint8_t hv[4] = {0x80, 0x04, 0x00, 0x20};
    assert_int_equal(host_cmd(&hs, c, hv, NULL, 0, out, &ol), 0x9000);
    assert_int_equal(ol, 11);
    assert_memory_equal(out, "\x41\x82\x00\x07\x03\x01\x00\x6F\xFF\x01\x0B", 11);
    /* a write and a read back under SCP */
    uint8_t wb[] = {0x41, 0x04, 0x7F, 0x00, 0x00, 0x05, 0x43, 0x02, 0x00, 0x03, 0x44, 0x03, 0xAA, 0xBB, 0xCC};
    uint8_t hw[4] = {0x80, 0x01, 0x06, 0x00};
    assert_int_equal(host_cmd(&hs, c, hw, wb, sizeof wb, out, &ol), 0x9000);
    assert_int_equal(ol, 0);
    uint8_t rd[6] = {0x41, 0x04, 0x7F, 0x00, 0x00, 0x05};
    uint8_t hr[4] = {0x80, 0x02, 0x00, 0x00};
    assert_int_equal(host_cmd(&hs, c, hr, rd, 6, out, &ol), 0x9000);
    assert_memory_equal(out, "\x41\x82\x00\x03\xAA\xBB\xCC", 7);
    /* an error answer is a bare SW; the counter still moved (B3) */
    uint8_t bad[6] = {0x41, 0x04, 0x7F, 0x00, 0x00, 0x99};
    assert_int_equal(host_cmd(&hs, c, hr, bad, 6, out, &ol), 0x6A80);
    assert_int_equal(rl, 0);
    assert_int_equal(host_cmd(&hs, c, hr, rd, 6, out, &ol), 0x9000);
    /* a wrong C-MAC ends the session; plain commands then work again */
    hs.mcv[0] ^= 1;
    assert_int_equal(host_cmd(&hs, c, hr, rd, 6, out, &ol), 0x6982);
    assert_int_equal(tu_apdu(c, "80 04 00 20 00", r, &rl), 0x9000);
    sim_card_close(c);

    /* a plain command during the session: refused and the session ends */
    c = open_scp(&hs, NULL);
    assert_int_equal(tu_apdu(c, "80 04 00 20 00", r, &rl), 0x6982);
    assert_int_equal(host_cmd(&hs, c, hv, NULL, 0, out, &ol), 0x6982);
    /* EXTERNAL AUTHENTICATE with a wrong cryptogram, or without INITIALIZE UPDATE */
    assert_int_equal(tu_apdu(c, "80 50 0B 00 08 01 02 03 04 05 06 07 08", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "84 82 33 00 10 B9 D8 A7 81 FB 85 6F 2B 56 ED 9F 8A 84 11 B6 15", r, &rl), 0x6982);
    assert_int_equal(tu_apdu(c, "84 82 33 00 10 B9 D8 A7 81 FB 85 6F 2A 56 ED 9F 8A 84 11 B6 15", r, &rl), 0x6982);
    /* unknown key version */
    assert_int_equal(tu_apdu(c, "80 50 0C 00 08 01 02 03 04 05 06 07 08", r, &rl), 0x6A80);
    sim_card_close(c);
}

/* A14: the SE050F needs Platform SCP03 before anything else. */
static void test_variant_f(void **st)
{
    (void)st;
    struct sim_card_cfg cfg = {.variant = 'F'};
    struct host hs = {0};
    uint8_t out[64];
    size_t ol;
    cfg.scp03_test_challenge = CARD_CHAL;
    struct sim_card *c = tu_open_selected(NULL, &cfg);
    assert_int_equal(tu_apdu(c, "80 04 00 20 00", r, &rl), 0x6982);
    sim_card_close(c);
    c = open_scp(&hs, &cfg);
    uint8_t hv[4] = {0x80, 0x04, 0x00, 0x20};
    assert_int_equal(host_cmd(&hs, c, hv, NULL, 0, out, &ol), 0x9000);
    assert_memory_equal(out + 4, "\x03\x06\x00", 3);
    sim_card_close(c);
}

/* Applet SCP03: an AESKey auth object opens a session whose handshake and
 * commands travel inside ProcessSessionCmd; policies apply to its id. */
static void test_aeskey_session(void **st)
{
    (void)st;
    struct sim_card_cfg cfg = {.scp03_test_challenge = CARD_CHAL};
    struct sim_card *c = tu_open_selected(NULL, &cfg);
    struct host hs = {0};
    uint8_t key[16], ctx[16], hc[8], cc[8], out[600], sid[8], macin[64], full[16];
    size_t ol;
    hex("000102030405060708090A0B0C0D0E0F", key, 16);
    /* AESKey auth object 7DA00002 (max 3 attempts) and a file only it may read */
    assert_int_equal(tu_apdu(c, "80 41 03 00 1C 12 02 00 03 41 04 7D A0 00 02 43 10 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 06 00 15 11 09 08 7D A0 00 02 00 20 00 00 41 04 7F 00 00 07 43 02 00 02", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 04 00 1B 06 41 04 7D A0 00 02", r, &rl), 0x9000);
    memcpy(sid, r + 4, 8);
    hs.sid = sid;
    /* wrapped commands before the handshake */
    uint8_t hv[4] = {0x80, 0x04, 0x00, 0x20};
    assert_int_equal(send(&hs, c, (const uint8_t *)"\x80\x04\x00\x20\x00", 5), 0x6982);
    /* INITIALIZE UPDATE (KVN 00) */
    assert_int_equal(send(&hs, c, (const uint8_t *)"\x80\x50\x00\x00\x08\x01\x02\x03\x04\x05\x06\x07\x08", 13), 0x9000);
    assert_int_equal(rl, 29);
    hex("0102030405060708 1112131415161718", ctx, 16);
    assert_true(scp03_kdf(key, 0x04, 0x80, ctx, hs.s_enc));
    assert_true(scp03_kdf(key, 0x06, 0x80, ctx, hs.s_mac));
    assert_true(scp03_kdf(key, 0x07, 0x80, ctx, hs.s_rmac));
    assert_true(scp03_kdf(hs.s_mac, 0x00, 0x40, ctx, cc));
    assert_memory_equal(r + 21, cc, 8);
    assert_true(scp03_kdf(hs.s_mac, 0x01, 0x40, ctx, hc));
    /* EXTERNAL AUTHENTICATE: a wrong cryptogram first (counts as a failure) */
    uint8_t ea[21] = {0x84, 0x82, 0x33, 0x00, 0x10};
    memcpy(ea + 5, hc, 8);
    ea[5] ^= 1;
    memset(macin, 0, 16);
    memcpy(macin + 16, ea, 13);
    assert_true(scp03_cmac(hs.s_mac, macin, 29, full));
    memcpy(ea + 13, full, 8);
    assert_int_equal(send(&hs, c, ea, 21), 0x6982);
    assert_int_equal(send(&hs, c, (const uint8_t *)"\x80\x50\x00\x00\x08\x01\x02\x03\x04\x05\x06\x07\x08", 13), 0x9000);
    ea[5] ^= 1;
    memcpy(macin + 16, ea, 13);
    assert_true(scp03_cmac(hs.s_mac, macin, 29, full));
    memcpy(ea + 13, full, 8);
    assert_int_equal(send(&hs, c, ea, 21), 0x9000);
    memcpy(hs.mcv, full, 16);
    memset(hs.ctr, 0, 16);
    hs.ctr[15] = 1;
    /* wrapped commands: no data (counter moves anyway), then a policy-bound read */
    assert_int_equal(host_cmd(&hs, c, hv, NULL, 0, out, &ol), 0x9000);
    assert_memory_equal(out, "\x41\x82\x00\x07\x03\x01\x00", 7);
    uint8_t rd[6] = {0x41, 0x04, 0x7F, 0x00, 0x00, 0x07};
    uint8_t hr[4] = {0x80, 0x02, 0x00, 0x00};
    assert_int_equal(host_cmd(&hs, c, hr, rd, 6, out, &ol), 0x9000);
    assert_memory_equal(out, "\x41\x82\x00\x02\x00\x00", 6);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 07", r, &rl), 0x6986); /* outside */
    /* plain inner commands at level 33 are refused; CloseSession answers wrapped */
    assert_int_equal(send(&hs, c, (const uint8_t *)"\x80\x04\x00\x20\x00", 5), 0x6982);
    uint8_t hcl[4] = {0x80, 0x04, 0x00, 0x1C};
    assert_int_equal(host_cmd(&hs, c, hcl, NULL, 0, out, &ol), 0x9000);
    assert_int_equal(send(&hs, c, (const uint8_t *)"\x80\x04\x00\x20\x00", 5), 0x6985);
    sim_card_close(c);
}

/* PUT KEY data (docs/protocol/scp03.md §10) for three keys under dek. */
static void put_key_data(const uint8_t dek[16], const uint8_t keys[3][16], uint8_t d[70], uint8_t kcvs[10])
{
    static const uint8_t ones[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    uint8_t k[16];
    d[0] = kcvs[0] = 0x0B;
    for (int i = 0; i < 3; i++) {
        uint8_t *b = d + 1 + 23 * i;
        b[0] = 0x88, b[1] = 0x11, b[2] = 0x10, b[19] = 0x03;
        assert_true(aes_cbc(dek, NULL, true, keys[i], 16, b + 3));
        assert_true(aes_cbc(keys[i], NULL, true, ones, 16, k));
        memcpy(b + 20, k, 3);
        memcpy(kcvs + 1 + 3 * i, k, 3);
    }
}

/* Card cryptogram of INITIALIZE UPDATE with the fixed challenges (r + 21). */
static void init_update(struct sim_card *c)
{
    assert_int_equal(tu_apdu(c, "80 50 0B 00 08 01 02 03 04 05 06 07 08", r, &rl), 0x9000);
    assert_int_equal(rl, 29);
}

/* GlobalPlatform PUT KEY: only under Platform SCP03, malformed data refused
 * with no change, a good one replaces the static keys (the next handshake's
 * card cryptogram is no longer the DEVKIT vector's). */
static void test_put_key(void **st)
{
    (void)st;
    static const uint8_t devkit_dek[16] = {0xA1, 0xBC, 0x84, 0x38, 0xBF, 0x77, 0x93, 0x5B,
                                           0x36, 0x1A, 0x44, 0x25, 0xFE, 0x79, 0xFA, 0x29};
    uint8_t keys[3][16], d[70], bad[70], kcvs[10], out[64], vec[8], s_mac[16];
    size_t ol;
    struct host hs = {0};
    for (int i = 0; i < 3; i++)
        memset(keys[i], 0x21 + i, 16);
    put_key_data(devkit_dek, keys, d, kcvs);
    hex("63 80 AD 5E 21 10 71 11", vec, 8);
    struct sim_card *c = open_scp(&hs, NULL);
    uint8_t h[4] = {0x80, 0xD8, 0x0B, 0x81};
    /* malformed: wrong length, wrong tag, wrong KCV, wrong P2, wrong KVN */
    assert_int_equal(host_cmd(&hs, c, h, d, 69, out, &ol), 0x6A80);
    memcpy(bad, d, 70);
    bad[1 + 23] = 0x80;
    assert_int_equal(host_cmd(&hs, c, h, bad, 70, out, &ol), 0x6A80);
    memcpy(bad, d, 70);
    bad[1 + 23 * 2 + 22] ^= 1;
    assert_int_equal(host_cmd(&hs, c, h, bad, 70, out, &ol), 0x6A80);
    uint8_t hp2[4] = {0x80, 0xD8, 0x0B, 0x01};
    assert_int_equal(host_cmd(&hs, c, hp2, d, 70, out, &ol), 0x6A86);
    uint8_t hkvn[4] = {0x80, 0xD8, 0x0C, 0x81};
    assert_int_equal(host_cmd(&hs, c, hkvn, d, 70, out, &ol), 0x6A88);
    /* nothing changed: the DEVKIT handshake still gives the vector */
    init_update(c);
    assert_memory_equal(r + 21, vec, 8);
    sim_card_close(c);
    /* plain (no session): refused */
    c = tu_open_selected(NULL, NULL);
    uint8_t plain[5 + 70 + 1] = {0x80, 0xD8, 0x0B, 0x81, 70};
    memcpy(plain + 5, d, 70);
    assert_int_equal(tu_apdu_bin(c, plain, sizeof plain, r, &rl), 0x6982);
    sim_card_close(c);
    /* good: answer KVN + KCVs, then the new keys are in force */
    c = open_scp(&hs, NULL);
    memcpy(s_mac, hs.s_mac, 16);
    assert_int_equal(host_cmd(&hs, c, h, d, 70, out, &ol), 0x9000);
    assert_int_equal(ol, 10);
    assert_memory_equal(out, kcvs, 10);
    init_update(c);
    assert_memory_not_equal(r + 21, vec, 8);
    /* the card cryptogram now follows from the new ENC/MAC: S-MAC from new MAC */
    uint8_t ctx[16], smac[16], want[16];
    memcpy(ctx, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    memcpy(ctx + 8, r + 13, 8);
    assert_true(scp03_kdf(keys[1], 0x06, 128, ctx, smac));
    assert_true(scp03_kdf(smac, 0x00, 64, ctx, want));
    assert_memory_equal(r + 21, want, 8);
    (void)s_mac;
    sim_card_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kdf_vector),
        cmocka_unit_test(test_vector_session),
        cmocka_unit_test(test_variant_f),
        cmocka_unit_test(test_aeskey_session),
        cmocka_unit_test(test_put_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
