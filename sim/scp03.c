/* SPDX-License-Identifier: Apache-2.0 */
/* See scp03.h. AES and CMAC through libcrypto (EVP_CIPHER, EVP_MAC). */
#include "scp03.h"

#include <ctype.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "se05x_proto.h"

static const uint8_t DEVKIT_ENC[16] = {0x35, 0xC2, 0x56, 0x45, 0x89, 0x58, 0xA3, 0x4F,
                                       0x61, 0x36, 0x15, 0x5F, 0x82, 0x09, 0xD6, 0xCD};
static const uint8_t DEVKIT_MAC[16] = {0xAF, 0x17, 0x7D, 0x5D, 0xBD, 0xF7, 0xC0, 0xD5,
                                       0xC1, 0x0A, 0x05, 0xB9, 0xF1, 0x60, 0x7F, 0x78};
static const uint8_t DEVKIT_DEK[16] = {0xA1, 0xBC, 0x84, 0x38, 0xBF, 0x77, 0x93, 0x5B,
                                       0x36, 0x1A, 0x44, 0x25, 0xFE, 0x79, 0xFA, 0x29};

void scp03_reset(struct sim_scp03 *s)
{
    uint8_t enc[16], mac[16], dek[16], kvn = s->kvn;
    bool count_all = s->count_all;
    memcpy(enc, s->enc, 16);
    memcpy(mac, s->mac, 16);
    memcpy(dek, s->dek, 16);
    OPENSSL_cleanse(s, sizeof *s);
    memcpy(s->enc, enc, 16);
    memcpy(s->mac, mac, 16);
    memcpy(s->dek, dek, 16);
    s->kvn = kvn;
    s->count_all = count_all;
    OPENSSL_cleanse(enc, 16);
    OPENSSL_cleanse(mac, 16);
    OPENSSL_cleanse(dek, 16);
}

void scp03_init(struct sim_scp03 *s)
{
    memset(s, 0, sizeof *s);
    memcpy(s->enc, DEVKIT_ENC, 16);
    memcpy(s->mac, DEVKIT_MAC, 16);
    memcpy(s->dek, DEVKIT_DEK, 16);
    s->kvn = 0x0B;
}

int scp03_load_keys(struct sim_scp03 *s, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char line[256];
    unsigned seen = 0;
    if (!f) {
        snprintf(err, errlen, "cannot open SCP03 key file %s", path);
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        char name[8], hex[80];
        uint8_t key[16];
        char *hash = strchr(line, '#');
        if (hash)
            *hash = 0;
        if (sscanf(line, "%7s %79s", name, hex) != 2)
            continue;
        if (strlen(hex) != 32)
            goto bad;
        for (int i = 0; i < 16; i++) {
            unsigned v;
            if (!isxdigit((unsigned char)hex[2 * i]) || !isxdigit((unsigned char)hex[2 * i + 1]) ||
                sscanf(hex + 2 * i, "%2x", &v) != 1)
                goto bad;
            key[i] = (uint8_t)v;
        }
        if (strcmp(name, "ENC") == 0) {
            memcpy(s->enc, key, 16);
            seen |= 1;
        } else if (strcmp(name, "MAC") == 0) {
            memcpy(s->mac, key, 16);
            seen |= 2;
        } else if (strcmp(name, "DEK") == 0) {
            memcpy(s->dek, key, 16);
            seen |= 4;
        } else {
            goto bad;
        }
        OPENSSL_cleanse(key, sizeof key);
    }
    fclose(f);
    if ((seen & 3) != 3) {
        snprintf(err, errlen, "SCP03 key file %s lacks ENC or MAC", path);
        return -1;
    }
    return 0;
bad:
    fclose(f);
    snprintf(err, errlen, "SCP03 key file %s: expected lines 'ENC|MAC|DEK <32 hex digits>'", path);
    return -1;
}

bool scp03_cmac(const uint8_t key[16], const uint8_t *data, size_t n, uint8_t out[16])
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)"AES-128-CBC", 0),
        OSSL_PARAM_construct_end()};
    size_t ol = 0;
    bool ok = ctx && EVP_MAC_init(ctx, key, 16, params) == 1 && EVP_MAC_update(ctx, data, n) == 1 &&
              EVP_MAC_final(ctx, out, &ol, 16) == 1 && ol == 16;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return ok;
}

bool scp03_kdf(const uint8_t key[16], uint8_t constant, uint16_t lbits, const uint8_t ctx[16],
               uint8_t *out)
{
    uint8_t d[32] = {0}, m[16];
    d[11] = constant;
    d[12] = 0x00;
    d[13] = (uint8_t)(lbits >> 8);
    d[14] = (uint8_t)lbits;
    d[15] = 0x01;
    memcpy(d + 16, ctx, 16);
    if (!scp03_cmac(key, d, sizeof d, m))
        return false;
    memcpy(out, m, lbits / 8u);
    OPENSSL_cleanse(m, sizeof m);
    return true;
}

/* AES-128 in CBC (iv) or ECB (iv NULL) without padding. */
static bool aes(const uint8_t key[16], const uint8_t *iv, bool enc, const uint8_t *in, size_t n,
                uint8_t *out)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int l1 = 0, l2 = 0;
    bool ok = ctx &&
              EVP_CipherInit_ex(ctx, iv ? EVP_aes_128_cbc() : EVP_aes_128_ecb(), NULL, key, iv, enc) == 1 &&
              EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 && EVP_CipherUpdate(ctx, out, &l1, in, (int)n) == 1 &&
              EVP_CipherFinal_ex(ctx, out + l1, &l2) == 1 && (size_t)(l1 + l2) == n;
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

uint16_t scp03_initialize_update(struct sim_scp03 *s, uint8_t p1, const uint8_t *host_chal,
                                 size_t n, const uint8_t *fixed_card_chal, uint8_t out[29])
{
    uint8_t ctx[16];
    scp03_reset(s);
    if (n != 8)
        return SE05X_SW_WRONG_LENGTH;
    if (p1 != 0x00 && p1 != s->kvn)
        return SE05X_SW_WRONG_DATA; /* no key set with this version */
    memcpy(s->host_chal, host_chal, 8);
    if (fixed_card_chal)
        memcpy(s->card_chal, fixed_card_chal, 8);
    else if (RAND_bytes(s->card_chal, 8) != 1)
        return 0x6F00;
    memcpy(ctx, s->host_chal, 8);
    memcpy(ctx + 8, s->card_chal, 8);
    if (!scp03_kdf(s->enc, 0x04, 0x80, ctx, s->s_enc) || !scp03_kdf(s->mac, 0x06, 0x80, ctx, s->s_mac) ||
        !scp03_kdf(s->mac, 0x07, 0x80, ctx, s->s_rmac))
        return 0x6F00;
    memset(out, 0, 10);                /* key diversification data */
    out[10] = s->kvn;                  /* key information: KVN, SCP03, i = 00 */
    out[11] = 0x03;
    out[12] = 0x00;
    memcpy(out + 13, s->card_chal, 8); /* card challenge */
    if (!scp03_kdf(s->s_mac, 0x00, 0x40, ctx, out + 21)) /* card cryptogram */
        return 0x6F00;
    s->pending = true;
    return SE05X_SW_OK;
}

uint16_t scp03_external_authenticate(struct sim_scp03 *s, const uint8_t *apdu, size_t n)
{
    uint8_t ctx[16], hc[8], m[32], full[16];
    if (!s->pending) {
        scp03_reset(s);
        return SE05X_SW_SECURITY_STATUS;
    }
    s->pending = false;
    if (n != 5 + 16 || apdu[4] != 0x10) {
        scp03_reset(s);
        return SE05X_SW_SECURITY_STATUS;
    }
    memcpy(ctx, s->host_chal, 8);
    memcpy(ctx + 8, s->card_chal, 8);
    memset(m, 0, 16);
    memcpy(m + 16, apdu, 5);
    memcpy(m + 21, apdu + 5, 8);
    if (!scp03_kdf(s->s_mac, 0x01, 0x40, ctx, hc) || !scp03_cmac(s->s_mac, m, 29, full) ||
        CRYPTO_memcmp(hc, apdu + 5, 8) != 0 || CRYPTO_memcmp(full, apdu + 13, 8) != 0) {
        scp03_reset(s);
        return SE05X_SW_SECURITY_STATUS;
    }
    memcpy(s->mcv, full, 16);
    memset(s->ctr, 0, 16);
    s->level = apdu[2];
    s->active = true;
    return SE05X_SW_OK;
}

static void ctr_inc(uint8_t c[16])
{
    for (int i = 15; i >= 0 && ++c[i] == 0; i--) {
    }
}

uint16_t scp03_unwrap(struct sim_scp03 *s, const uint8_t h[4], bool ext_lc, const uint8_t *data,
                      size_t lc, bool has_le, uint8_t *out, size_t cap, size_t *outlen,
                      bool *had_data)
{
    uint8_t macin[16 + 4 + 3 + SE05X_MAX_APDU_PAYLOAD_7X], full[16], plain[SE05X_MAX_APDU_PAYLOAD_7X];
    uint8_t icv[16];
    size_t m = 0, pl = 0;
    *had_data = false;
    if (!s->active || lc < 8 || lc > SE05X_MAX_APDU_PAYLOAD_7X)
        goto fail;
    size_t enc_len = lc - 8;
    memcpy(macin, s->mcv, 16);
    memcpy(macin + 16, h, 4);
    m = 20;
    if (ext_lc) {
        macin[m++] = 0;
        macin[m++] = (uint8_t)(lc >> 8);
    }
    macin[m++] = (uint8_t)lc;
    memcpy(macin + m, data, enc_len);
    m += enc_len;
    if (!scp03_cmac(s->s_mac, macin, m, full) || CRYPTO_memcmp(full, data + enc_len, 8) != 0)
        goto fail;
    memcpy(s->mcv, full, 16);
    if (enc_len || s->count_all)
        ctr_inc(s->ctr); /* B3: every command with data (3.x platform) / every command (applet) */
    if (enc_len) {
        *had_data = true;
        if (enc_len % 16 || !(s->level & SCP_LEVEL_CDEC))
            goto fail;
        if (!aes(s->s_enc, NULL, true, s->ctr, 16, icv) || !aes(s->s_enc, icv, false, data, enc_len, plain))
            goto fail;
        pl = enc_len;
        size_t k = 0; /* ISO 9797-1 method 2 padding, at most one block */
        while (k < 16 && pl > 0 && plain[pl - 1] == 0x00) {
            pl--;
            k++;
        }
        if (pl == 0 || plain[pl - 1] != 0x80)
            goto fail;
        pl--;
    }
    /* the plain C-APDU: CLA 80, Lc in the short form when it fits */
    size_t o = 0;
    if (cap < 4 + 3 + pl + 3)
        goto fail;
    out[o++] = (uint8_t)(h[0] & ~0x04);
    memcpy(out + o, h + 1, 3);
    o += 3;
    if (pl) {
        if (pl < 256 && !ext_lc) {
            out[o++] = (uint8_t)pl;
        } else {
            out[o++] = 0;
            out[o++] = (uint8_t)(pl >> 8);
            out[o++] = (uint8_t)pl;
        }
        memcpy(out + o, plain, pl);
        o += pl;
    }
    if (has_le) {
        out[o++] = 0;
        if (ext_lc || !pl)
            out[o++] = 0;
    }
    *outlen = o;
    OPENSSL_cleanse(plain, sizeof plain);
    return SE05X_SW_OK;
fail:
    OPENSSL_cleanse(plain, sizeof plain);
    scp03_reset(s);
    return SE05X_SW_SECURITY_STATUS;
}

size_t scp03_wrap_response(struct sim_scp03 *s, uint8_t *buf, size_t n, size_t cap)
{
    uint8_t icv[16], rc[16], macin[16 + SE05X_MAX_APDU_PAYLOAD_7X + 64], full[16];
    size_t len = n;
    if ((s->level & SCP_LEVEL_RENC) && n) {
        size_t padded = (n / 16 + 1) * 16;
        if (padded + 8 > cap)
            return 0;
        buf[n] = 0x80;
        memset(buf + n + 1, 0, padded - n - 1);
        memcpy(rc, s->ctr, 16);
        rc[0] = 0x80;
        if (!aes(s->s_enc, NULL, true, rc, 16, icv) || !aes(s->s_enc, icv, true, buf, padded, buf))
            return 0;
        len = padded;
    }
    if (s->level & SCP_LEVEL_RMAC) {
        if (len + 8 > cap || 16 + len + 2 > sizeof macin)
            return 0;
        memcpy(macin, s->mcv, 16);
        memcpy(macin + 16, buf, len);
        macin[16 + len] = 0x90;
        macin[16 + len + 1] = 0x00;
        if (!scp03_cmac(s->s_rmac, macin, 16 + len + 2, full))
            return 0;
        memcpy(buf + len, full, 8);
        len += 8;
    }
    return len;
}

uint16_t scp03_put_key(const struct sim_scp03 *s, uint8_t p1, uint8_t p2, const uint8_t *data, size_t n,
                       uint8_t out[SCP03_KEYREC_LEN], uint8_t rsp[10])
{
    static const uint8_t ones[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    uint8_t key[16], kcv[16];
    uint16_t sw = SE05X_SW_OK;
    if (!s->active)
        return SE05X_SW_SECURITY_STATUS;
    if (p2 != 0x81)
        return SE05X_SW_WRONG_P1P2;
    if (p1 != s->kvn)
        return 0x6A88; /* referenced data (key version) not found */
    if (n != 1 + 3 * 23) /* 88 11 10 <16> 03 <3>: 23 bytes a key */
        return SE05X_SW_WRONG_DATA;
    out[0] = data[0];
    rsp[0] = data[0];
    for (int k = 0; k < 3 && sw == SE05X_SW_OK; k++) {
        const uint8_t *b = data + 1 + 23 * k;
        if (b[0] != 0x88 || b[1] != 0x11 || b[2] != 0x10 || b[19] != 0x03) {
            sw = SE05X_SW_WRONG_DATA;
            break;
        }
        if (!aes(s->dek, NULL, false, b + 3, 16, key) || !aes(key, NULL, true, ones, 16, kcv))
            sw = 0x6F00;
        else if (CRYPTO_memcmp(kcv, b + 20, 3) != 0)
            sw = SE05X_SW_WRONG_DATA; /* KCV mismatch: not the key that was meant */
        else {
            memcpy(out + 1 + 16 * k, key, 16);
            memcpy(rsp + 1 + 3 * k, kcv, 3);
        }
    }
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(kcv, sizeof kcv);
    if (sw != SE05X_SW_OK)
        OPENSSL_cleanse(out, SCP03_KEYREC_LEN);
    return sw;
}

void scp03_set_keys(struct sim_scp03 *s, const uint8_t rec[SCP03_KEYREC_LEN])
{
    s->kvn = rec[0];
    memcpy(s->enc, rec + 1, 16);
    memcpy(s->mac, rec + 17, 16);
    memcpy(s->dek, rec + 33, 16);
}
