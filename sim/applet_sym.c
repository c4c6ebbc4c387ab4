/* SPDX-License-Identifier: Apache-2.0 */
/* One-shot symmetric operations (docs/protocol/apdu.md §4.6, §9): DigestOneShot,
 * MACOneShot (HMAC with HMAC keys, AES-CMAC with AES keys), CipherOneShot
 * (AES ECB/CBC/CTR without padding), HKDF (extract+expand) and PBKDF2 with
 * HMAC-key secrets. Policies: MAC generate SIGN / validate VERIFY, cipher
 * ENC / DEC, HKDF and PBKDF2 KDF. The multi-step Init/Update/Final forms are
 * in applet_cryptoobj.c, which shares the algorithm and key helpers below
 * (card_digest_mode_md, card_mac_start, card_aes_cipher ...). */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <string.h>

#include "card_internal.h"

#define P2_GENERATE_ONESHOT 0x45
#define P2_VALIDATE_ONESHOT 0x46

const EVP_MD *card_digest_mode_md(uint8_t m)
{
    switch (m) {
    case 0x01: return EVP_sha1();
    case 0x07: return EVP_sha224();
    case 0x04: return EVP_sha256();
    case 0x05: return EVP_sha384();
    case 0x06: return EVP_sha512();
    default: return NULL;
    }
}

/* DigestOneShot 80 03 00 0E: 41 01 mode, 42 data -> 41 digest. */
const char *card_hmac_digest_name(uint8_t algo)
{
    return algo == 0x18 ? "SHA1" : algo == 0x19 ? "SHA256" : algo == 0x1A ? "SHA384" : algo == 0x1B ? "SHA512" : NULL;
}

uint16_t card_use_sym_key(struct sim_card *c, uint32_t id, uint8_t type, uint32_t rule, struct sim_obj **o)
{
    uint16_t sw = card_use_obj(c, id, 0, o);
    if (sw != SE05X_SW_OK)
        return sw;
    if ((*o)->type != type)
        return SE05X_SW_CONDITIONS;
    return card_use_obj(c, id, rule, o);
}

const EVP_CIPHER *card_aes_cipher(uint8_t mode, size_t kl)
{
    return mode == 0x0E ? (kl == 16 ? EVP_aes_128_ecb() : kl == 24 ? EVP_aes_192_ecb() : EVP_aes_256_ecb())
         : mode == 0x0D ? (kl == 16 ? EVP_aes_128_cbc() : kl == 24 ? EVP_aes_192_cbc() : EVP_aes_256_cbc())
                        : (kl == 16 ? EVP_aes_128_ctr() : kl == 24 ? EVP_aes_192_ctr() : EVP_aes_256_ctr());
}

bool card_aes_iv(uint8_t mode, const struct sim_tlvs *t, uint8_t iv[16])
{
    if (mode == 0x0E ? t->has[SE05X_TAG_4] : t->has[SE05X_TAG_4] && t->n[SE05X_TAG_4] != 16)
        return false;
    memset(iv, 0, 16);
    if (t->has[SE05X_TAG_4])
        memcpy(iv, t->v[SE05X_TAG_4], 16);
    return true;
}

EVP_MAC_CTX *card_mac_start(const struct sim_obj *key, uint8_t algo)
{
    size_t kl = key->part_len[SIM_P_VALUE];
    const char *cipher = kl == 16 ? "AES-128-CBC" : kl == 24 ? "AES-192-CBC" : "AES-256-CBC";
    bool cmac = algo == 0x31;
    EVP_MAC *m = EVP_MAC_fetch(NULL, cmac ? "CMAC" : "HMAC", NULL);
    EVP_MAC_CTX *ctx = m ? EVP_MAC_CTX_new(m) : NULL;
    EVP_MAC_free(m);
    OSSL_PARAM params[] = {
        cmac ? OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)cipher, 0)
             : OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)card_hmac_digest_name(algo), 0),
        OSSL_PARAM_construct_end()};
    if (ctx && EVP_MAC_init(ctx, key->part[SIM_P_VALUE], kl, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        ctx = NULL;
    }
    return ctx;
}

void card_mac_answer(const struct sim_card *c, struct tlv_w *w, bool validate, const uint8_t *tag, size_t taglen,
                     const uint8_t *mac, size_t ml)
{
    if (!validate) {
        rsp_data(c, w, SE05X_TAG_1, mac, ml);
    } else {
        bool good = taglen == ml && CRYPTO_memcmp(tag, mac, ml) == 0;
        rsp_u8(c, w, SE05X_TAG_1, good ? SE05X_RESULT_SUCCESS : SE05X_RESULT_FAILURE);
    }
}

uint16_t h_digest_oneshot(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_1, SE05X_TAG_2};
    struct sim_tlvs t;
    uint8_t mode, md[64];
    unsigned ml = 0;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    const EVP_MD *h = sim_tlv_u8(&t, SE05X_TAG_1, &mode) ? card_digest_mode_md(mode) : NULL;
    if (!h || !t.has[SE05X_TAG_2])
        return SE05X_SW_WRONG_DATA;
    if (!EVP_Digest(t.v[SE05X_TAG_2], t.n[SE05X_TAG_2], md, &ml, h, NULL))
        return 0x6F00;
    rsp_data(c, w, SE05X_TAG_1, md, ml);
    return SE05X_SW_OK;
}

/* MACOneShot 80 03 0D 45|46: 41 04 key, 42 01 algo, 43 data, [45 tag]. */
uint16_t h_mac_oneshot(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_1, SE05X_TAG_2, SE05X_TAG_3, SE05X_TAG_5};
    struct sim_tlvs t;
    struct sim_obj *o;
    uint32_t id;
    uint8_t algo, mac[64];
    size_t ml = 0;
    bool gen = a->p2 == P2_GENERATE_ONESHOT;
    if (!gen && a->p2 != P2_VALIDATE_ONESHOT)
        return SE05X_SW_WRONG_P1P2;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!sim_tlv_u32(&t, SE05X_TAG_1, &id) || !sim_tlv_u8(&t, SE05X_TAG_2, &algo) ||
        !t.has[SE05X_TAG_3] || gen == t.has[SE05X_TAG_5])
        return SE05X_SW_WRONG_DATA;
    const char *dname = card_hmac_digest_name(algo);
    bool cmac = algo == 0x31;
    if (!dname && !cmac)
        return SE05X_SW_WRONG_DATA;
    sw = card_use_sym_key(c, id, cmac ? SE05X_TYPE_AES : SE05X_TYPE_HMAC,
                          gen ? SE05X_POL_ALLOW_SIGN : SE05X_POL_ALLOW_VERIFY, &o);
    if (sw != SE05X_SW_OK)
        return sw;
    EVP_MAC_CTX *ctx = card_mac_start(o, algo);
    bool ok = ctx && EVP_MAC_update(ctx, t.v[SE05X_TAG_3], t.n[SE05X_TAG_3]) == 1 &&
              EVP_MAC_final(ctx, mac, &ml, sizeof mac) == 1;
    EVP_MAC_CTX_free(ctx);
    if (!ok)
        return 0x6F00;
    card_mac_answer(c, w, !gen, t.v[SE05X_TAG_5], t.n[SE05X_TAG_5], mac, ml);
    OPENSSL_cleanse(mac, sizeof mac);
    return SE05X_SW_OK;
}

/* CipherOneShot 80 03 0E 37|38: 41 04 key, 42 01 mode, 43 data, [44 IV]. */
uint16_t h_cipher_oneshot(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_1, SE05X_TAG_2, SE05X_TAG_3, SE05X_TAG_4};
    struct sim_tlvs t;
    struct sim_obj *o;
    uint32_t id;
    uint8_t mode, out[SE05X_MAX_APDU_PAYLOAD_7X + 16];
    bool enc = a->p2 == SE05X_P2_ENCRYPT_ONESHOT;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!sim_tlv_u32(&t, SE05X_TAG_1, &id) || !sim_tlv_u8(&t, SE05X_TAG_2, &mode) || !t.has[SE05X_TAG_3])
        return SE05X_SW_WRONG_DATA;
    if (mode != 0x0E && mode != 0x0D && mode != 0xF0)
        return SE05X_SW_WRONG_DATA; /* AES ECB_NOPAD, CBC_NOPAD, CTR only */
    sw = card_use_sym_key(c, id, SE05X_TYPE_AES, enc ? SE05X_POL_ALLOW_ENC : SE05X_POL_ALLOW_DEC, &o);
    if (sw != SE05X_SW_OK)
        return sw;
    size_t n = t.n[SE05X_TAG_3];
    const EVP_CIPHER *ci = card_aes_cipher(mode, o->part_len[SIM_P_VALUE]);
    uint8_t iv[16];
    if ((mode != 0xF0 && n % 16) || !card_aes_iv(mode, &t, iv))
        return SE05X_SW_WRONG_DATA;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int l1 = 0, l2 = 0;
    bool ok = ctx && EVP_CipherInit_ex(ctx, ci, NULL, o->part[SIM_P_VALUE], mode == 0x0E ? NULL : iv, enc) == 1 &&
              EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
              EVP_CipherUpdate(ctx, out, &l1, t.v[SE05X_TAG_3], (int)n) == 1 &&
              EVP_CipherFinal_ex(ctx, out + l1, &l2) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (ok)
        rsp_data(c, w, SE05X_TAG_1, out, (size_t)(l1 + l2));
    OPENSSL_cleanse(out, sizeof out);
    return ok ? SE05X_SW_OK : SE05X_SW_WRONG_DATA;
}

/* A KDF secret: an HMAC key object with the KDF policy bit. */
static uint16_t kdf_secret(struct sim_card *c, uint32_t id, struct sim_obj **o)
{
    return card_use_sym_key(c, id, SE05X_TYPE_HMAC, SE05X_POL_ALLOW_KDF, o);
}

static uint16_t run_kdf(struct sim_card *c, struct tlv_w *w, const char *name, OSSL_PARAM *params, size_t len)
{
    uint8_t out[SE05X_MAX_APDU_PAYLOAD_7X];
    if (len > sizeof out)
        return SE05X_SW_WRONG_LENGTH;
    EVP_KDF *k = EVP_KDF_fetch(NULL, name, NULL);
    EVP_KDF_CTX *ctx = k ? EVP_KDF_CTX_new(k) : NULL;
    bool ok = ctx && EVP_KDF_derive(ctx, out, len, params) == 1;
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(k);
    if (ok)
        rsp_data(c, w, SE05X_TAG_1, out, len);
    OPENSSL_cleanse(out, sizeof out);
    return ok ? SE05X_SW_OK : SE05X_SW_WRONG_DATA;
}

/* HKDF 80 03 00 2D: 41 04 ikm, 42 01 digest, [43 salt <= 64], [44 info], 45 02 length. */
uint16_t h_hkdf(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_1, SE05X_TAG_2, SE05X_TAG_3, SE05X_TAG_4, SE05X_TAG_5};
    struct sim_tlvs t;
    struct sim_obj *o;
    uint32_t id;
    uint8_t mode;
    uint16_t len;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    const EVP_MD *h = sim_tlv_u8(&t, SE05X_TAG_2, &mode) ? card_digest_mode_md(mode) : NULL;
    if (!sim_tlv_u32(&t, SE05X_TAG_1, &id) || !h || !sim_tlv_u16(&t, SE05X_TAG_5, &len) || len == 0 ||
        len > c->var->payload - 4u || len > 255 * EVP_MD_get_size(h) || t.n[SE05X_TAG_3] > 64)
        return SE05X_SW_WRONG_DATA;
    if ((sw = kdf_secret(c, id, &o)) != SE05X_SW_OK)
        return sw;
    OSSL_PARAM params[6], *p = params;
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)EVP_MD_get0_name(h), 0);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, o->part[SIM_P_VALUE], o->part_len[SIM_P_VALUE]);
    if (t.has[SE05X_TAG_3])
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)t.v[SE05X_TAG_3], t.n[SE05X_TAG_3]);
    if (t.has[SE05X_TAG_4])
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)t.v[SE05X_TAG_4], t.n[SE05X_TAG_4]);
    *p = OSSL_PARAM_construct_end();
    return run_kdf(c, w, "HKDF", params, len);
}

/* PBKDF2 80 03 00 2E: 41 04 password, [42 salt <= 64], 43 02 iterations, 44 02 length <= 512. */
uint16_t h_pbkdf2(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_1, SE05X_TAG_2, SE05X_TAG_3, SE05X_TAG_4};
    struct sim_tlvs t;
    struct sim_obj *o;
    uint32_t id;
    uint16_t iter, len;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!sim_tlv_u32(&t, SE05X_TAG_1, &id) || !sim_tlv_u16(&t, SE05X_TAG_3, &iter) || iter == 0 ||
        iter > 0x7FFF || !sim_tlv_u16(&t, SE05X_TAG_4, &len) || len == 0 || len > 512 ||
        len > c->var->payload - 4u || t.n[SE05X_TAG_2] > 64)
        return SE05X_SW_WRONG_DATA;
    if ((sw = kdf_secret(c, id, &o)) != SE05X_SW_OK)
        return sw;
    uint64_t it = iter;
    int pkcs5 = 1; /* 1 = no SP 800-132 lower bounds: the applet allows short inputs */
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, o->part[SIM_P_VALUE], o->part_len[SIM_P_VALUE]),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)(t.v[SE05X_TAG_2] ? t.v[SE05X_TAG_2] : (const uint8_t *)""),
                                          t.n[SE05X_TAG_2]),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_ITER, &it),
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_PKCS5, &pkcs5),
        OSSL_PARAM_construct_end()};
    return run_kdf(c, w, "PBKDF2", params, len);
}
