/* SPDX-License-Identifier: Apache-2.0 */
/* Platform SCP03 host side: KDF, handshake, command wrapping and response
 * unwrapping (docs/protocol/scp03.md §2-§5). AES and AES-CMAC through
 * libcrypto (EVP_CIPHER, EVP_MAC). Every temporary holding key material or
 * plaintext is cleansed before return. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "internal.h"
#include "scp03.h"
#include "se05x_proto.h"

#define INS_INIT_UPDATE 0x50
#define INS_EXT_AUTH 0x82
#define MAX_WRAP (SE05X_CMD_MAX + 16)

static const char *integrity = "response failed its integrity check";

static bool cmac_with(EVP_MAC *mac, const uint8_t *key, size_t klen, const uint8_t *data, size_t n,
                      uint8_t out[16])
{
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER,
                                         (char *)(klen == 32 ? "AES-256-CBC" : "AES-128-CBC"), 0),
        OSSL_PARAM_construct_end()};
    size_t ol = 0;
    bool ok = ctx && (klen == 16 || klen == 32) && EVP_MAC_init(ctx, key, klen, params) == 1 &&
              EVP_MAC_update(ctx, data, n) == 1 && EVP_MAC_final(ctx, out, &ol, 16) == 1 && ol == 16;
    EVP_MAC_CTX_free(ctx);
    return ok;
}

bool se05x_scp03_cmac(const uint8_t *key, size_t klen, const uint8_t *data, size_t n, uint8_t out[16])
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
    bool ok = cmac_with(mac, key, klen, data, n, out);
    EVP_MAC_free(mac);
    return ok;
}

/* CMAC with the channel's fetched algorithm (fetched on first use). */
static bool st_cmac(struct se05x_scp03 *st, const uint8_t *key, const uint8_t *data, size_t n, uint8_t out[16])
{
    if (!st->alg_mac)
        st->alg_mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
    return cmac_with(st->alg_mac, key, st->keys.klen, data, n, out);
}

bool se05x_scp03_kdf(const uint8_t *key, size_t klen, uint8_t constant, uint16_t lbits,
                     const uint8_t ctx[16], uint8_t *out)
{
    uint8_t d[32] = {0}, m[16];
    size_t want = lbits / 8u, done = 0;
    bool ok = true;
    if (lbits != 64 && lbits != 128 && lbits != 256)
        return false;
    d[11] = constant;
    d[12] = 0x00; /* separation indicator */
    d[13] = (uint8_t)(lbits >> 8);
    d[14] = (uint8_t)lbits;
    memcpy(d + 16, ctx, 16);
    for (uint8_t i = 1; ok && done < want; i++) {
        d[15] = i;
        ok = se05x_scp03_cmac(key, klen, d, sizeof d, m);
        size_t n = want - done < 16 ? want - done : 16;
        if (ok)
            memcpy(out + done, m, n);
        done += n;
    }
    OPENSSL_cleanse(m, sizeof m);
    return ok;
}

/* AES (key of klen bytes) in CBC (iv) or ECB (iv NULL) without padding,
 * with the channel's fetched ciphers. */
static bool aes(struct se05x_scp03 *st, const uint8_t *key, const uint8_t *iv, bool enc, const uint8_t *in,
                size_t n, uint8_t *out)
{
    void **slot = iv ? &st->alg_cbc : &st->alg_ecb;
    if (!*slot)
        *slot = EVP_CIPHER_fetch(NULL, st->keys.klen == 32 ? (iv ? "AES-256-CBC" : "AES-256-ECB")
                                                           : (iv ? "AES-128-CBC" : "AES-128-ECB"), NULL);
    const EVP_CIPHER *c = *slot;
    EVP_CIPHER_CTX *ctx = c ? EVP_CIPHER_CTX_new() : NULL;
    int l1 = 0, l2 = 0;
    bool ok = ctx && n <= 0x7FFFFFFF && EVP_CipherInit_ex(ctx, c, NULL, key, iv, enc) == 1 &&
              EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 && EVP_CipherUpdate(ctx, out, &l1, in, (int)n) == 1 &&
              EVP_CipherFinal_ex(ctx, out + l1, &l2) == 1 && (size_t)(l1 + l2) == n;
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

static void ctr_inc(uint8_t c[16])
{
    for (int i = 15; i >= 0 && ++c[i] == 0; i--) {
    }
}

void se05x_scp03_drop(struct se05x_scp03 *st)
{
    struct se05x_scp03_keys k = st->keys;
    bool all = st->count_all, no_le = st->no_le;
    void *m = st->alg_mac, *e = st->alg_ecb, *c = st->alg_cbc;
    OPENSSL_cleanse(st, sizeof *st);
    st->keys = k;
    st->count_all = all;
    st->no_le = no_le;
    st->alg_mac = m;
    st->alg_ecb = e;
    st->alg_cbc = c;
    OPENSSL_cleanse(&k, sizeof k);
}

void se05x_scp03_clear(struct se05x_scp03 *st)
{
    EVP_MAC_free(st->alg_mac);
    EVP_CIPHER_free(st->alg_ecb);
    EVP_CIPHER_free(st->alg_cbc);
    OPENSSL_cleanse(st, sizeof *st);
}

size_t se05x_scp03_init_update(struct se05x_scp03 *st, const uint8_t host_chal[8], uint8_t out[13])
{
    se05x_scp03_drop(st);
    memcpy(st->host_chal, host_chal, 8);
    out[0] = SE05X_CLA;
    out[1] = INS_INIT_UPDATE;
    out[2] = st->keys.kvn;
    out[3] = 0x00;
    out[4] = 8;
    memcpy(out + 5, host_chal, 8);
    return 13;
}

se05x_rc se05x_scp03_auth(struct se05x_scp03 *st, const uint8_t *rsp, size_t rlen, uint8_t out[21],
                          struct se05x_error *err)
{
    uint8_t ctx[16], cc[8], hc[8], m[16 + 5 + 8], full[16];
    size_t kl = st->keys.klen;
    uint16_t lbits = (uint16_t)(kl * 8);
    se05x_rc rc = SE05X_OK;
    if (rlen < 2)
        return se05x_err_set(err, SE05X_E_PROTOCOL, 0, 0, "INITIALIZE UPDATE: no status word");
    uint16_t sw = (uint16_t)(rsp[rlen - 2] << 8 | rsp[rlen - 1]);
    if (sw != SE05X_SW_OK)
        return se05x_err_set(err, sw == 0x6D00 || sw == 0x6E00 ? SE05X_E_UNSUPPORTED : se05x_rc_from_sw(sw),
                             sw, 0,
                             "chip refused Platform SCP03 INITIALIZE UPDATE with key version %02X "
                             "(SW %04X): no such key set, or no SCP03 support",
                             st->keys.kvn, sw);
    if (rlen != 31 && rlen != 34)
        return se05x_err_set(err, SE05X_E_PROTOCOL, sw, 0,
                             "INITIALIZE UPDATE answer of %zu bytes (expected 29 or 32 + SW)", rlen - 2);
    /* key information: KVN, SCP identifier 03 */
    if (rsp[11] != 0x03)
        return se05x_err_set(err, SE05X_E_UNSUPPORTED, 0, 0,
                             "chip answered INITIALIZE UPDATE for SCP%02X, not SCP03", rsp[11]);
    if (st->keys.kvn != 0x00 && rsp[10] != st->keys.kvn)
        return se05x_err_set(err, SE05X_E_PROTOCOL, 0, 0,
                             "chip answered INITIALIZE UPDATE with key version %02X (asked %02X)", rsp[10],
                             st->keys.kvn);
    memcpy(st->card_chal, rsp + 13, 8);
    memcpy(ctx, st->host_chal, 8);
    memcpy(ctx + 8, st->card_chal, 8);
    if (!se05x_scp03_kdf(st->keys.enc, kl, 0x04, lbits, ctx, st->s_enc) ||
        !se05x_scp03_kdf(st->keys.mac, kl, 0x06, lbits, ctx, st->s_mac) ||
        !se05x_scp03_kdf(st->keys.mac, kl, 0x07, lbits, ctx, st->s_rmac) ||
        !se05x_scp03_kdf(st->s_mac, kl, 0x00, 64, ctx, cc) ||
        !se05x_scp03_kdf(st->s_mac, kl, 0x01, 64, ctx, hc)) {
        rc = se05x_err_set(err, SE05X_E_CRYPTO, 0, 0, "SCP03 session key derivation failed (OpenSSL)");
        goto out;
    }
    if (CRYPTO_memcmp(cc, rsp + 21, 8) != 0) {
        rc = se05x_err_set(err, SE05X_E_CRYPTO, 0, 0,
                           "SCP03 authentication failed (card cryptogram mismatch): wrong keys for this chip?");
        goto out;
    }
    out[0] = SE05X_CLA_SCP;
    out[1] = INS_EXT_AUTH;
    out[2] = SE05X_SCP03_LEVEL;
    out[3] = 0x00;
    out[4] = 0x10;
    memcpy(out + 5, hc, 8);
    memset(m, 0, 16);
    memcpy(m + 16, out, 13);
    if (!st_cmac(st, st->s_mac, m, sizeof m, full)) {
        rc = se05x_err_set(err, SE05X_E_CRYPTO, 0, 0, "SCP03 C-MAC failed (OpenSSL)");
        goto out;
    }
    memcpy(out + 13, full, 8);
    memcpy(st->mcv, full, 16);
out:
    OPENSSL_cleanse(cc, sizeof cc);
    OPENSSL_cleanse(hc, sizeof hc);
    OPENSSL_cleanse(full, sizeof full);
    OPENSSL_cleanse(ctx, sizeof ctx);
    if (rc != SE05X_OK)
        se05x_scp03_drop(st);
    return rc;
}

se05x_rc se05x_scp03_auth_done(struct se05x_scp03 *st, const uint8_t *rsp, size_t rlen,
                               struct se05x_error *err)
{
    uint16_t sw = rlen >= 2 ? (uint16_t)(rsp[rlen - 2] << 8 | rsp[rlen - 1]) : 0;
    if (rlen != 2 || sw != SE05X_SW_OK) {
        se05x_scp03_drop(st);
        if (rlen < 2)
            return se05x_err_set(err, SE05X_E_PROTOCOL, 0, 0, "EXTERNAL AUTHENTICATE: no status word");
        return se05x_err_set(err, sw == SE05X_SW_OK ? SE05X_E_PROTOCOL : SE05X_E_DENIED, sw, 0,
                             "SCP03 authentication failed: chip refused EXTERNAL AUTHENTICATE (SW %04X, "
                             "%zu bytes)", sw, rlen);
    }
    memset(st->ctr, 0, sizeof st->ctr);
    st->active = true;
    return SE05X_OK;
}

/* Splits an encoded C-APDU (docs/protocol/apdu.md §3.3 forms) into header, data, extended. */
static bool parse_capdu(const uint8_t *c, size_t clen, const uint8_t **data, size_t *dlen, bool *ext)
{
    *data = NULL;
    *dlen = 0;
    *ext = false;
    if (clen == 4 || clen == 5)
        return true; /* case 1, or case 2 with a short Le */
    if (clen < 6)
        return false;
    if (c[4] != 0) {
        size_t l = c[4];
        if (clen != 5 + l && clen != 6 + l)
            return false;
        *data = c + 5;
        *dlen = l;
        return true;
    }
    if (clen < 7)
        return false;
    size_t l = (size_t)c[5] << 8 | c[6];
    if (l == 0) {
        *ext = true;
        return clen == 7; /* case 2 extended */
    }
    if (clen == 7 + l + 2) {
        *ext = true;
    } else if (clen != 7 + l) {
        return false;
    }
    *data = c + 7;
    *dlen = l;
    return true;
}

se05x_rc se05x_scp03_wrap(struct se05x_scp03 *st, const uint8_t *c, size_t clen, uint8_t *out,
                          size_t cap, size_t *olen, struct se05x_error *err)
{
    uint8_t icv[16], buf[MAX_WRAP], macin[16 + 7 + MAX_WRAP], full[16];
    const uint8_t *data;
    size_t dlen, enc = 0, o = 0;
    bool ext;
    se05x_rc rc = SE05X_OK;
    *olen = 0;
    if (!st->active)
        return se05x_err_set(err, SE05X_E_INTERNAL, 0, 0, "SCP03 channel not open");
    if (!parse_capdu(c, clen, &data, &dlen, &ext) || dlen > SE05X_CMD_MAX)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "cannot wrap a malformed C-APDU of %zu bytes", clen);
    if (dlen || st->count_all)
        ctr_inc(st->ctr);
    if (dlen) {
        enc = (dlen / 16 + 1) * 16; /* ISO 9797-1 method 2: always at least one padding byte */
        memcpy(buf, data, dlen);
        buf[dlen] = 0x80;
        memset(buf + dlen + 1, 0, enc - dlen - 1);
        if (!aes(st, st->s_enc, NULL, true, st->ctr, 16, icv) || !aes(st, st->s_enc, icv, true, buf, enc, buf)) {
            rc = se05x_err_set(err, SE05X_E_CRYPTO, 0, 0, "SCP03 command encryption failed (OpenSSL)");
            goto out;
        }
    }
    size_t lc = enc + 8;
    bool long_lc = ext || lc >= 0xFF;
    bool le = ext && !st->no_le;
    size_t need = 4 + (long_lc ? 3 : 1) + lc + (le ? 2 : 0);
    if (need > cap) {
        rc = se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "wrapped C-APDU of %zu bytes too long", need);
        goto out;
    }
    out[o++] = (uint8_t)(c[0] | 0x04);
    memcpy(out + o, c + 1, 3);
    o += 3;
    if (long_lc) {
        out[o++] = 0;
        out[o++] = (uint8_t)(lc >> 8);
    }
    out[o++] = (uint8_t)lc;
    memcpy(out + o, buf, enc);
    o += enc;
    memcpy(macin, st->mcv, 16);
    memcpy(macin + 16, out, o);
    if (!st_cmac(st, st->s_mac, macin, 16 + o, full)) {
        rc = se05x_err_set(err, SE05X_E_CRYPTO, 0, 0, "SCP03 C-MAC failed (OpenSSL)");
        goto out;
    }
    memcpy(st->mcv, full, 16);
    memcpy(out + o, full, 8);
    o += 8;
    if (le) {
        out[o++] = 0;
        out[o++] = 0;
    }
    *olen = o;
out:
    OPENSSL_cleanse(buf, dlen ? enc : 0);
    OPENSSL_cleanse(icv, sizeof icv);
    return rc;
}

se05x_rc se05x_scp03_unwrap(struct se05x_scp03 *st, uint8_t *r, size_t *rlen, struct se05x_error *err)
{
    uint8_t macin[16 + SE05X_RSP_MAX + 32], full[16], icv[16], rc16[16];
    size_t n = *rlen;
    se05x_rc rc = SE05X_OK;
    if (n < 2)
        return se05x_err_set(err, SE05X_E_PROTOCOL, 0, 0, "response without a status word");
    uint16_t sw = (uint16_t)(r[n - 2] << 8 | r[n - 1]);
    if (sw != SE05X_SW_OK) {
        /* errors come back bare (no R-MAC): take the SW, never data */
        r[0] = r[n - 2];
        r[1] = r[n - 1];
        *rlen = 2;
        return SE05X_OK;
    }
    if (n < 10 || n - 2 > SE05X_RSP_MAX + 24)
        return se05x_err_set(err, SE05X_E_PROTOCOL, sw, 0, "%s (%zu bytes: no R-MAC)", integrity, n);
    size_t enc = n - 10;
    memcpy(macin, st->mcv, 16);
    memcpy(macin + 16, r, enc);
    macin[16 + enc] = r[n - 2];
    macin[16 + enc + 1] = r[n - 1];
    if (!st_cmac(st, st->s_rmac, macin, 16 + enc + 2, full))
        return se05x_err_set(err, SE05X_E_CRYPTO, 0, 0, "SCP03 R-MAC computation failed (OpenSSL)");
    if (CRYPTO_memcmp(full, r + enc, 8) != 0)
        return se05x_err_set(err, SE05X_E_PROTOCOL, sw, 0, "%s (R-MAC mismatch)", integrity);
    size_t pl = 0;
    if (enc) {
        if (enc % 16) {
            rc = se05x_err_set(err, SE05X_E_PROTOCOL, sw, 0, "%s (encrypted data of %zu bytes)", integrity, enc);
            goto out;
        }
        memcpy(rc16, st->ctr, 16);
        rc16[0] = 0x80;
        if (!aes(st, st->s_enc, NULL, true, rc16, 16, icv) || !aes(st, st->s_enc, icv, false, r, enc, r)) {
            rc = se05x_err_set(err, SE05X_E_CRYPTO, 0, 0, "SCP03 response decryption failed (OpenSSL)");
            goto out;
        }
        pl = enc;
        size_t k = 0;
        while (k < 16 && pl > 0 && r[pl - 1] == 0x00) {
            pl--;
            k++;
        }
        if (pl == 0 || r[pl - 1] != 0x80 || k == 16) {
            OPENSSL_cleanse(r, enc);
            rc = se05x_err_set(err, SE05X_E_PROTOCOL, sw, 0, "%s (bad padding)", integrity);
            goto out;
        }
        pl--;
        OPENSSL_cleanse(r + pl, enc - pl);
    }
    r[pl] = 0x90;
    r[pl + 1] = 0x00;
    *rlen = pl + 2;
out:
    OPENSSL_cleanse(icv, sizeof icv);
    OPENSSL_cleanse(macin, 16 + enc + 2);
    return rc;
}
