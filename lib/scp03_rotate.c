/* SPDX-License-Identifier: Apache-2.0 */
/* Platform SCP03 static key rotation: GlobalPlatform PUT KEY inside the
 * open channel (docs/protocol/scp03.md §10, docs/scp03.md "Key rotation").
 * Host side only; shares no code with sim/. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>

#include <se05x/auth.h>
#include <se05x/scp03.h>

#include "internal.h"
#include "scp03.h"
#include "se05x_proto.h"

#define PUTKEY_INS 0xD8
#define PUTKEY_P2 0x81     /* several keys, first key id 01 */
#define PUTKEY_BLOCK 23    /* 88 11 10 <16> 03 <3> (docs/scp03.md "Key rotation": not 22) */
#define PUTKEY_DATA (1 + 3 * PUTKEY_BLOCK)

static bool aes_ecb(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int l1 = 0, l2 = 0;
    bool ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL) == 1 &&
              EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 && EVP_EncryptUpdate(ctx, out, &l1, in, 16) == 1 &&
              EVP_EncryptFinal_ex(ctx, out + l1, &l2) == 1 && l1 + l2 == 16;
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

/* One key block: 88 11 10 ‖ AES-ECB(dek, key) ‖ 03 ‖ KCV; the KCV also to kcv. */
static bool key_block(const uint8_t dek[16], const uint8_t key[16], uint8_t b[PUTKEY_BLOCK], uint8_t kcv[3])
{
    static const uint8_t ones[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    uint8_t c[16];
    b[0] = 0x88;
    b[1] = 0x11;
    b[2] = 0x10;
    b[19] = 0x03;
    if (!aes_ecb(dek, key, b + 3) || !aes_ecb(key, ones, c))
        return false;
    memcpy(b + 20, c, 3);
    memcpy(kcv, c, 3);
    return true;
}

se05x_rc se05x_scp03_rotate(se05x_session *s, const char *new_keys, uint8_t kcv_out[10])
{
    struct se05x_scp03_keys cur, nk;
    struct se05x_error e = {0};
    struct stat st;
    uint8_t c[5 + PUTKEY_DATA + 1], r[64], expect[10];
    size_t rl = 0;
    se05x_rc rc;
    if (!s || !new_keys)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, 0, "scp03 rotate: bad arguments");
    memset(&cur, 0, sizeof cur);
    memset(&nk, 0, sizeof nk);
    if (!se05x_session_scp03_keys(s, &cur))
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, 0,
                          "%s: key rotation needs a Platform SCP03 session (the link is plain); nothing sent",
                          se05x_conn(s));
    if (se05x_auth_id(s)) {
        rc = se05x_fail(s, SE05X_E_BAD_ARG, 0, 0,
                        "key rotation inside an applet session is not supported; close it first; nothing sent");
        goto out;
    }
    if (cur.klen != 16 || !cur.has_dek) {
        rc = se05x_fail(s, SE05X_E_UNSUPPORTED, 0, 0,
                        "key rotation needs AES-128 current keys with a DEK; nothing sent");
        goto out;
    }
    if (stat(new_keys, &st) != 0) {
        rc = se05x_fail(s, SE05X_E_IO, 0, 0, "new key file %s does not exist (write it first); nothing sent",
                        new_keys);
        goto out;
    }
    if (st.st_mode & 077) {
        rc = se05x_fail(s, SE05X_E_IO, 0, 0, "new key file %s must be mode 0600 (is %04o); nothing sent",
                        new_keys, (unsigned)(st.st_mode & 07777));
        goto out;
    }
    if ((rc = se05x_scp03_keys_load(new_keys, &nk, &e)) != SE05X_OK) {
        rc = se05x_fail(s, rc, 0, 0, "%s; nothing sent", e.msg);
        goto out;
    }
    if (nk.klen != 16 || !nk.has_dek) {
        rc = se05x_fail(s, SE05X_E_FORMAT, 0, 0,
                        "new key file %s: ENC, MAC and DEK of 16 bytes each (AES-128) required; nothing sent",
                        new_keys);
        goto out;
    }
    nk.kvn = cur.kvn; /* the key version stays */
    size_t n = 0;
    c[n++] = SE05X_CLA;
    c[n++] = PUTKEY_INS;
    c[n++] = cur.kvn;
    c[n++] = PUTKEY_P2;
    c[n++] = PUTKEY_DATA;
    c[n++] = nk.kvn;
    expect[0] = nk.kvn;
    const uint8_t *keys[3] = {nk.enc, nk.mac, nk.dek};
    for (int k = 0; k < 3; k++, n += PUTKEY_BLOCK)
        if (!key_block(cur.dek, keys[k], c + n, expect + 1 + 3 * k)) {
            rc = se05x_fail(s, SE05X_E_CRYPTO, 0, 0, "PUT KEY: AES failed (OpenSSL); nothing sent");
            goto out;
        }
    c[n++] = 0x00;
    if ((rc = se05x_transceive(s, c, n, r, sizeof r, &rl)) != SE05X_OK) {
        struct se05x_error le;
        se05x_last_error(s, &le);
        rc = se05x_fail(s, rc, 0, 0,
                        "PUT KEY: no valid answer (%.200s): the chip may hold the old or the new keys; try the old "
                        "key file, then %s",
                        le.msg, new_keys);
        goto out;
    }
    uint16_t sw = (uint16_t)(r[rl - 2] << 8 | r[rl - 1]);
    if (sw != SE05X_SW_OK) {
        rc = se05x_fail(s, se05x_rc_from_sw(sw), sw, 0,
                        "PUT KEY refused by the chip (SW %04X): the old keys are still valid", sw);
        goto out;
    }
    if (rl - 2 != sizeof expect || CRYPTO_memcmp(r, expect, sizeof expect) != 0) {
        rc = se05x_fail(s, SE05X_E_PROTOCOL, 0, 0,
                        "PUT KEY: the chip's key check values differ from those sent: the chip may hold the old "
                        "or other keys; try the old key file, then %s",
                        new_keys);
        goto out;
    }
    se05x_session_scp03_set_keys(s, &nk);
    if (kcv_out)
        memcpy(kcv_out, expect, sizeof expect);
    se05x_log(SE05X_LOG_INFO, "scp03", "%s: Platform SCP03 static keys replaced (KVN %02X)", se05x_conn(s),
              nk.kvn);
    rc = SE05X_OK;
out:
    OPENSSL_cleanse(c, sizeof c);
    se05x_scp03_keys_clear(&cur);
    se05x_scp03_keys_clear(&nk);
    return rc;
}
