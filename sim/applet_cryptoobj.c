/* SPDX-License-Identifier: Apache-2.0 */
/* Crypto objects and the multi-step digest / cipher / MAC operations
 * (docs/protocol/apdu.md §4.5, §4.6, §9). A crypto object (2-byte id) names a context
 * (01 digest, 02 cipher, 03 MAC) and its mode; Init binds a key (cipher,
 * MAC), Update streams data, Final finishes and resets the object. They live
 * in RAM only (TRANSIENT_DESELECT): deselect, chip reset, DeleteAll and a
 * restart drop them. Ciphers: AES ECB/CBC/CTR without padding; MACs: HMAC
 * (HMAC keys), CMAC (AES keys). */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <string.h>

#include "card_internal.h"

#define CTX_DIGEST 0x01
#define CTX_CIPHER 0x02
#define CTX_MAC 0x03

static void cobj_reset(struct sim_cobj *k)
{
    EVP_MD_CTX_free(k->md);
    EVP_CIPHER_CTX_free(k->cipher);
    EVP_MAC_CTX_free(k->mac);
    k->md = k->cipher = k->mac = NULL;
    k->active = false;
}

void card_drop_crypto_objects(struct sim_card *c)
{
    for (int i = 0; i < SIM_MAX_CRYPTO_OBJECTS; i++) {
        cobj_reset(&c->cobjs[i]);
        memset(&c->cobjs[i], 0, sizeof c->cobjs[i]);
    }
}

static bool subtype_ok(uint8_t context, uint8_t sub)
{
    switch (context) {
    case CTX_DIGEST: return card_digest_mode_md(sub) != NULL;
    case CTX_CIPHER: return sub == 0x0E || sub == 0x0D || sub == 0xF0;
    case CTX_MAC: return card_hmac_digest_name(sub) || sub == 0x31;
    default: return false;
    }
}

static struct sim_cobj *find(struct sim_card *c, uint16_t id)
{
    for (int i = 0; i < SIM_MAX_CRYPTO_OBJECTS; i++)
        if (c->cobjs[i].used && c->cobjs[i].id == id)
            return &c->cobjs[i];
    return NULL;
}

uint16_t h_create_crypto_obj(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_1, SE05X_TAG_2, SE05X_TAG_3};
    struct sim_tlvs t;
    uint16_t id;
    uint8_t ctx, sub;
    (void)w;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!sim_tlv_u16(&t, SE05X_TAG_1, &id) || !sim_tlv_u8(&t, SE05X_TAG_2, &ctx) ||
        !sim_tlv_u8(&t, SE05X_TAG_3, &sub) || !subtype_ok(ctx, sub))
        return SE05X_SW_WRONG_DATA;
    if (find(c, id))
        return SE05X_SW_CONDITIONS;
    for (int i = 0; i < SIM_MAX_CRYPTO_OBJECTS; i++) {
        struct sim_cobj *k = &c->cobjs[i];
        if (!k->used) {
            memset(k, 0, sizeof *k);
            k->used = true;
            k->id = id;
            k->context = ctx;
            k->subtype = sub;
            return SE05X_SW_OK;
        }
    }
    return SE05X_SW_FILE_FULL;
}

uint16_t h_delete_crypto_obj(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_1};
    struct sim_tlvs t;
    uint16_t id;
    (void)w;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!sim_tlv_u16(&t, SE05X_TAG_1, &id))
        return SE05X_SW_WRONG_DATA;
    struct sim_cobj *k = find(c, id);
    if (!k)
        return SE05X_SW_WRONG_DATA;
    cobj_reset(k);
    memset(k, 0, sizeof *k);
    return SE05X_SW_OK;
}

/* Parses the command's TLVs (allowed: tags) and looks up its TAG 42 crypto
 * object, which must be of context ctx. Every step of a multi-step
 * operation starts so. */
static uint16_t get_cobj(struct sim_card *c, const struct sim_apdu *a, const uint8_t *tags, size_t ntags,
                         uint8_t ctx, struct sim_tlvs *t, struct sim_cobj **k)
{
    uint16_t id;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, ntags, t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!sim_tlv_u16(t, SE05X_TAG_2, &id))
        return SE05X_SW_WRONG_DATA;
    *k = find(c, id);
    if (!*k)
        return SE05X_SW_WRONG_DATA;
    return (*k)->context == ctx ? SE05X_SW_OK : SE05X_SW_CONDITIONS;
}

/* DigestInit 0B / DigestUpdate 0C / DigestFinal 0D: 42 02 id, [43 data]. */
uint16_t h_digest_step(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_2, SE05X_TAG_3};
    struct sim_tlvs t;
    struct sim_cobj *k;
    uint8_t md[64];
    unsigned ml = 0;
    uint16_t sw = get_cobj(c, a, tags, sizeof tags, CTX_DIGEST, &t, &k);
    if (sw != SE05X_SW_OK)
        return sw;
    if (a->p2 == 0x0B) {
        cobj_reset(k);
        k->md = EVP_MD_CTX_new();
        if (!k->md || EVP_DigestInit_ex(k->md, card_digest_mode_md(k->subtype), NULL) != 1) {
            cobj_reset(k);
            return 0x6F00;
        }
        k->active = true;
        return SE05X_SW_OK;
    }
    if (!k->active)
        return SE05X_SW_CONDITIONS; /* no Init */
    if (t.n[SE05X_TAG_3] && EVP_DigestUpdate(k->md, t.v[SE05X_TAG_3], t.n[SE05X_TAG_3]) != 1)
        return 0x6F00;
    if (a->p2 == 0x0C)
        return SE05X_SW_OK;
    bool ok = EVP_DigestFinal_ex(k->md, md, &ml) == 1;
    cobj_reset(k);
    if (!ok)
        return 0x6F00;
    rsp_data(c, w, SE05X_TAG_1, md, ml);
    return SE05X_SW_OK;
}

/* Binds a symmetric key of the wanted type, checking the policy bit. */
static uint16_t key_of(struct sim_card *c, const struct sim_tlvs *t, uint8_t type, uint32_t rule,
                       struct sim_obj **o)
{
    uint32_t id;
    if (!sim_tlv_u32(t, SE05X_TAG_1, &id))
        return SE05X_SW_WRONG_DATA;
    return card_use_sym_key(c, id, type, rule, o);
}

/* CipherInit 80 03 0E 42|43: 41 04 key, 42 02 id, [44 IV]. */
uint16_t h_cipher_init(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_1, SE05X_TAG_2, SE05X_TAG_4};
    struct sim_tlvs t;
    struct sim_cobj *k;
    struct sim_obj *o;
    bool enc = a->p2 == 0x42;
    (void)w;
    uint16_t sw = get_cobj(c, a, tags, sizeof tags, CTX_CIPHER, &t, &k);
    if (sw != SE05X_SW_OK)
        return sw;
    if ((sw = key_of(c, &t, SE05X_TYPE_AES, enc ? SE05X_POL_ALLOW_ENC : SE05X_POL_ALLOW_DEC, &o)) != SE05X_SW_OK)
        return sw;
    const EVP_CIPHER *ci = card_aes_cipher(k->subtype, o->part_len[SIM_P_VALUE]);
    uint8_t iv[16];
    if (!card_aes_iv(k->subtype, &t, iv))
        return SE05X_SW_WRONG_DATA;
    cobj_reset(k);
    k->cipher = EVP_CIPHER_CTX_new();
    if (!k->cipher ||
        EVP_CipherInit_ex(k->cipher, ci, NULL, o->part[SIM_P_VALUE], k->subtype == 0x0E ? NULL : iv, enc) != 1 ||
        EVP_CIPHER_CTX_set_padding(k->cipher, 0) != 1) {
        cobj_reset(k);
        return 0x6F00;
    }
    k->enc = enc;
    k->active = true;
    return SE05X_SW_OK;
}

/* CipherUpdate 0C / CipherFinal 0D: 42 02 id, 43 data -> 41 data. Block
 * modes need whole blocks in total at Final. */
uint16_t h_cipher_step(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_2, SE05X_TAG_3};
    struct sim_tlvs t;
    struct sim_cobj *k;
    uint8_t out[SE05X_MAX_APDU_PAYLOAD_7X + 32];
    int l1 = 0, l2 = 0;
    uint16_t sw = get_cobj(c, a, tags, sizeof tags, CTX_CIPHER, &t, &k);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!k->active)
        return SE05X_SW_CONDITIONS;
    if (t.n[SE05X_TAG_3] && EVP_CipherUpdate(k->cipher, out, &l1, t.v[SE05X_TAG_3], (int)t.n[SE05X_TAG_3]) != 1)
        return SE05X_SW_WRONG_DATA;
    if (a->p2 == 0x0D) {
        bool ok = EVP_CipherFinal_ex(k->cipher, out + l1, &l2) == 1;
        cobj_reset(k);
        if (!ok)
            return SE05X_SW_WRONG_DATA; /* not a whole number of blocks */
    }
    rsp_data(c, w, SE05X_TAG_1, out, (size_t)(l1 + l2));
    OPENSSL_cleanse(out, sizeof out);
    return SE05X_SW_OK;
}

/* MACInit 80 03 0D 03 (generate) | 44 (validate): 41 04 key, 42 02 id. */
uint16_t h_mac_init(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_1, SE05X_TAG_2};
    struct sim_tlvs t;
    struct sim_cobj *k;
    struct sim_obj *o;
    bool gen = a->p2 == 0x03;
    (void)w;
    uint16_t sw = get_cobj(c, a, tags, sizeof tags, CTX_MAC, &t, &k);
    if (sw != SE05X_SW_OK)
        return sw;
    bool cmac = k->subtype == 0x31;
    if ((sw = key_of(c, &t, cmac ? SE05X_TYPE_AES : SE05X_TYPE_HMAC,
                     gen ? SE05X_POL_ALLOW_SIGN : SE05X_POL_ALLOW_VERIFY, &o)) != SE05X_SW_OK)
        return sw;
    cobj_reset(k);
    k->mac = card_mac_start(o, k->subtype);
    if (!k->mac)
        return 0x6F00;
    k->verify = !gen;
    k->active = true;
    return SE05X_SW_OK;
}

/* MACUpdate 0C: 41 data, 42 id. MACFinal 0D: 41 data, 42 id, [43 tag]
 * -> 41 tag (generate) or 41 01 result (validate). */
uint16_t h_mac_step(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_1, SE05X_TAG_2, SE05X_TAG_3};
    struct sim_tlvs t;
    struct sim_cobj *k;
    uint8_t mac[64];
    size_t ml = 0;
    uint16_t sw = get_cobj(c, a, tags, sizeof tags, CTX_MAC, &t, &k);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!k->active)
        return SE05X_SW_CONDITIONS;
    if (t.n[SE05X_TAG_1] && EVP_MAC_update(k->mac, t.v[SE05X_TAG_1], t.n[SE05X_TAG_1]) != 1)
        return 0x6F00;
    if (a->p2 == 0x0C)
        return t.has[SE05X_TAG_3] ? SE05X_SW_WRONG_DATA : SE05X_SW_OK;
    if (k->verify != t.has[SE05X_TAG_3])
        return SE05X_SW_WRONG_DATA;
    bool ok = EVP_MAC_final(k->mac, mac, &ml, sizeof mac) == 1;
    bool verify = k->verify;
    cobj_reset(k);
    if (!ok)
        return 0x6F00;
    card_mac_answer(c, w, verify, t.v[SE05X_TAG_3], t.n[SE05X_TAG_3], mac, ml);
    OPENSSL_cleanse(mac, sizeof mac);
    return SE05X_SW_OK;
}
