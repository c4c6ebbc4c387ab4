/* SPDX-License-Identifier: Apache-2.0 */
/* (k) The code behind the secure-channel handshakes: the harness plays the
 * host side of Platform SCP03 (DEVKIT keys) or of an applet session
 * (AESKey auth object: applet SCP03 inside ProcessSessionCmd; UserID: plain
 * inner commands) against a fresh emulator card, with correct keys and MACs,
 * then sends fuzzer-chosen commands inside the channel, so sim/scp03.c,
 * sim/applet_session.c and every handler reached through them are fuzzed.
 * Input: mode byte (low 2 bits: 0 platform SCP03, 1 AESKey session, 2 UserID
 * session, 3 AESKey session under platform SCP03 is not modelled: plain),
 * then records [control byte][length-prefixed plain C-APDU]. Control bit 0:
 * send the bytes unwrapped (hostile host), bit 1: corrupt the C-MAC. A
 * wrapped answer with SW 9000 must carry a correct R-MAC and padding. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "scp03.h"
#include "sim.h"
#include "tlv.h"

static uint8_t r[70000];
static size_t rl;

struct host {
    uint8_t s_enc[16], s_mac[16], s_rmac[16], mcv[16], ctr[16];
    bool have_sid, wrap;
    uint8_t sid[8];
};

static uint16_t sw_of(void) { return rl >= 2 ? (uint16_t)(r[rl - 2] << 8 | r[rl - 1]) : 0; }

static uint16_t xmit(struct sim_card *c, const uint8_t *apdu, size_t n)
{
    rl = sim_card_apdu(c, apdu, n, r, sizeof r);
    if (rl < 2)
        abort();
    uint16_t sw = sw_of();
    rl -= 2;
    return sw;
}

/* Builds CLA INS P1 P2 [Lc data] (extended Lc above 255) and sends it. */
static uint16_t cmd(struct sim_card *c, const uint8_t h[4], const uint8_t *d, size_t n)
{
    static uint8_t a[70010];
    size_t l = 4;
    memcpy(a, h, 4);
    if (n > 255) {
        a[l++] = 0, a[l++] = (uint8_t)(n >> 8), a[l++] = (uint8_t)n;
    } else if (n) {
        a[l++] = (uint8_t)n;
    }
    if (n > sizeof a - l)
        return 0;
    memcpy(a + l, d, n);
    return xmit(c, a, l + n);
}

/* Sends apdu as is, or inside ProcessSessionCmd (80 05) of the session. */
static uint16_t send_apdu(const struct host *h, struct sim_card *c, const uint8_t *apdu, size_t n)
{
    static const uint8_t psc[4] = {0x80, 0x05, 0x00, 0x00};
    static uint8_t v[70000];
    if (!h->have_sid)
        return xmit(c, apdu, n);
    struct tlv_w w;
    tlv_w_init(&w, v, sizeof v);
    tlv_put(&w, 0x10, h->sid, 8);
    tlv_put(&w, 0x41, apdu, n);
    return tlv_w_ok(&w) ? cmd(c, psc, v, w.len) : 0;
}

static bool aes_cbc(const uint8_t key[16], const uint8_t iv[16], bool enc, const uint8_t *in, size_t n,
                    uint8_t *out)
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int a = 0, b = 0;
    bool ok = x && EVP_CipherInit_ex(x, iv ? EVP_aes_128_cbc() : EVP_aes_128_ecb(), NULL, key, iv, enc) == 1 &&
              EVP_CIPHER_CTX_set_padding(x, 0) == 1 && EVP_CipherUpdate(x, out, &a, in, (int)n) == 1 &&
              EVP_CipherFinal_ex(x, out + a, &b) == 1;
    EVP_CIPHER_CTX_free(x);
    return ok && (size_t)(a + b) == n;
}

static void ctr_inc(uint8_t c[16])
{
    for (int i = 15; i >= 0 && ++c[i] == 0; i--) {
    }
}

/* Wraps the plain C-APDU p (CLA INS P1 P2 [Lc data]; Le ignored) as the host
 * of docs/protocol/scp03.md §3-§5 does (3.x counter rules), sends it, checks the R-MAC and
 * decrypts the answer in place. bad_mac: flip a bit of the C-MAC. */
static uint16_t wrapped(struct host *h, struct sim_card *c, const uint8_t *p, size_t pn, bool bad_mac)
{
    static uint8_t enc[1100], apdu[1200], macin[1300], plain[1100];
    uint8_t icv[16], cm[16];
    size_t n = 0, el = 0, al = 0;
    const uint8_t *data = NULL;
    if (pn < 4)
        return 0;
    if (pn > 5) { /* short Lc only (what a host wraps); the rest as data */
        n = pn - 5 < p[4] ? pn - 5 : p[4];
        data = p + 5;
    }
    if (n > 900)
        return 0;
    if (n) {
        memcpy(enc, data, n);
        el = (n / 16 + 1) * 16;
        enc[n] = 0x80;
        memset(enc + n + 1, 0, el - n - 1);
        if (!aes_cbc(h->s_enc, NULL, true, h->ctr, 16, icv) || !aes_cbc(h->s_enc, icv, true, enc, el, enc))
            abort();
    }
    apdu[al++] = 0x84;
    memcpy(apdu + al, p + 1, 3);
    al += 3;
    if (el + 8 > 255) {
        apdu[al++] = 0, apdu[al++] = (uint8_t)((el + 8) >> 8), apdu[al++] = (uint8_t)(el + 8);
    } else {
        apdu[al++] = (uint8_t)(el + 8);
    }
    memcpy(apdu + al, enc, el);
    al += el;
    memcpy(macin, h->mcv, 16);
    memcpy(macin + 16, apdu, al);
    if (!scp03_cmac(h->s_mac, macin, 16 + al, cm))
        abort();
    memcpy(h->mcv, cm, 16);
    memcpy(apdu + al, cm, 8);
    if (bad_mac)
        apdu[al] ^= 1;
    al += 8;
    uint16_t sw = send_apdu(h, c, apdu, al);
    if (sw == 0x9000 && !bad_mac) {
        if (rl < 8)
            abort(); /* a 9000 in the channel always carries an R-MAC */
        memcpy(macin, h->mcv, 16);
        memcpy(macin + 16, r, rl - 8);
        macin[16 + rl - 8] = 0x90;
        macin[16 + rl - 7] = 0x00;
        if (!scp03_cmac(h->s_rmac, macin, 16 + rl - 8 + 2, cm) || memcmp(cm, r + rl - 8, 8) != 0)
            abort(); /* wrong R-MAC */
        if (rl > 8) {
            uint8_t rc[16];
            memcpy(rc, h->ctr, 16);
            if (!n && !h->have_sid) /* 3.x platform: no-data commands use the last data counter */
                for (int i = 15; i >= 0 && rc[i]-- == 0; i--) {
                }
            rc[0] = 0x80;
            size_t k = rl - 8;
            if (k % 16 || k > sizeof plain || !aes_cbc(h->s_enc, NULL, true, rc, 16, icv) ||
                !aes_cbc(h->s_enc, icv, false, r, k, plain))
                abort();
            while (k && plain[k - 1] == 0)
                k--;
            if (!k || plain[k - 1] != 0x80)
                abort(); /* bad response padding */
        }
    }
    if (n || h->have_sid) /* applet sessions: every command moves the counter */
        ctr_inc(h->ctr);
    return sw;
}

static const uint8_t SELECT[] = {0x00, 0xA4, 0x04, 0x00, 0x10, 0xA0, 0x00, 0x00, 0x03, 0x96, 0x54,
                                 0x53, 0x00, 0x00, 0x00, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00};
static const uint8_t HOST_CHAL[8] = {1, 2, 3, 4, 5, 6, 7, 8};

/* INITIALIZE UPDATE + EXTERNAL AUTHENTICATE (level 33: C-MAC C-DEC R-MAC
 * R-ENC) with static key(s) enc/mac, through send_apdu. */
static bool handshake(struct host *h, struct sim_card *c, const uint8_t kenc[16], const uint8_t kmac[16],
                      uint8_t kvn)
{
    uint8_t iu[13] = {0x80, 0x50, kvn, 0x00, 0x08}, ctx[16], cc[8], hc[8], macin[32], full[16];
    memcpy(iu + 5, HOST_CHAL, 8);
    if (send_apdu(h, c, iu, sizeof iu) != 0x9000 || rl < 29)
        return false;
    memcpy(ctx, HOST_CHAL, 8);
    memcpy(ctx + 8, r + 13, 8); /* card challenge */
    if (!scp03_kdf(kenc, 0x04, 0x80, ctx, h->s_enc) || !scp03_kdf(kmac, 0x06, 0x80, ctx, h->s_mac) ||
        !scp03_kdf(kmac, 0x07, 0x80, ctx, h->s_rmac) || !scp03_kdf(h->s_mac, 0x00, 0x40, ctx, cc) ||
        !scp03_kdf(h->s_mac, 0x01, 0x40, ctx, hc))
        abort();
    if (memcmp(cc, r + 21, 8) != 0)
        abort(); /* the card cryptogram must verify */
    uint8_t ea[21] = {0x84, 0x82, 0x33, 0x00, 0x10};
    memcpy(ea + 5, hc, 8);
    memset(macin, 0, 16);
    memcpy(macin + 16, ea, 13);
    if (!scp03_cmac(h->s_mac, macin, 29, full))
        abort();
    memcpy(ea + 13, full, 8);
    if (send_apdu(h, c, ea, sizeof ea) != 0x9000)
        abort(); /* correct keys: the handshake must succeed */
    memcpy(h->mcv, full, 16);
    memset(h->ctr, 0, 16);
    h->ctr[15] = 1;
    h->wrap = true;
    return true;
}

/* CreateSession for auth object id; the session id into h. */
static bool create_session(struct host *h, struct sim_card *c, uint32_t id)
{
    uint8_t cs[11] = {0x80, 0x04, 0x00, 0x1B, 0x06, 0x41, 0x04};
    put_be32(cs + 7, id);
    if (xmit(c, cs, sizeof cs) != 0x9000 || rl < 12 || r[0] != 0x41)
        return false;
    memcpy(h->sid, r + rl - 8, 8);
    h->have_sid = true;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f = {data, size};
    struct host h;
    memset(&h, 0, sizeof h);
    struct sim_card *c = fz_card();
    (void)xmit(c, SELECT, sizeof SELECT);
    uint8_t mode = fz_u8(&f) & 3;
    if (mode == 0) {
        struct sim_scp03 keys; /* the card's static keys: DEVKIT (docs/protocol/scp03.md §7) */
        scp03_init(&keys);
        if (!handshake(&h, c, keys.enc, keys.mac, keys.kvn))
            abort();
    } else if (mode == 1) {
        /* AESKey auth object 7DA00002 (key 00..0F, 5 attempts) */
        static const uint8_t wk[] = {0x80, 0x41, 0x03, 0x00, 0x1C, 0x12, 0x02, 0x00, 0x05, 0x41, 0x04,
                                     0x7D, 0xA0, 0x00, 0x02, 0x43, 0x10, 0x00, 0x01, 0x02, 0x03, 0x04,
                                     0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
        if (xmit(c, wk, sizeof wk) != 0x9000 || !create_session(&h, c, 0x7DA00002) ||
            !handshake(&h, c, wk + 17, wk + 17, 0x00))
            abort();
    } else if (mode == 2) {
        /* UserID 7DA00001 "0A0B0C0D", then VerifySessionUserID inside its session */
        static const uint8_t wu[] = {0x80, 0x41, 0x07, 0x00, 0x10, 0x12, 0x02, 0x00, 0x05, 0x41, 0x04,
                                     0x7D, 0xA0, 0x00, 0x01, 0x42, 0x04, 0x0A, 0x0B, 0x0C, 0x0D};
        static const uint8_t vu[] = {0x80, 0x04, 0x00, 0x2C, 0x06, 0x41, 0x04, 0x0A, 0x0B, 0x0C, 0x0D};
        if (xmit(c, wu, sizeof wu) != 0x9000 || !create_session(&h, c, 0x7DA00001) ||
            send_apdu(&h, c, vu, sizeof vu) != 0x9000)
            abort();
    }
    for (int i = 0; i < 24 && f.n; i++) {
        uint8_t ctl = fz_u8(&f);
        size_t n;
        const uint8_t *p = fz_chunk(&f, &n);
        if (!p || fz_slow_apdu(p, n))
            continue;
        if (!h.wrap || (ctl & 1))
            (void)send_apdu(&h, c, p, n);
        else
            (void)wrapped(&h, c, p, n, ctl & 2);
    }
    sim_card_close(c);
    return 0;
}
