/* SPDX-License-Identifier: Apache-2.0 */
/* Object attributes and attestation, 3.x layout (docs/protocol/apdu.md §18, §19;
 * docs/protocol/open-questions.md A9-A11). An attested read answers
 *   [41 data] 42 attributes 43 timestamp(12) 44 freshness(16) 45 chip id(18) 46 signature
 * with the signature over data || attributes || timestamp || freshness ||
 * chip id (values only), made with the attestation key (ALLOW_ATTESTATION)
 * and the ECDSA algorithm of TAG 46 (the digest is computed by the applet). */
#include <openssl/crypto.h>
#include <string.h>

#include "card_internal.h"
#include "crypto.h"
#include "policy.h"

#define FRESHNESS_LEN 16
#define TIMESTAMP_LEN 12

size_t card_attributes(const struct sim_obj *o, uint8_t *b)
{
    memset(b, 0, 14);
    put_be32(b, o->id);
    b[4] = o->type;
    b[5] = o->auth ? SE05X_SET_SET : SE05X_SET_NOT_SET;
    /* 6..7 failed attempts (RAM only); 8..11 owner 00000000 */
    if (o->auth) {
        put_be16(b + 6, o->failed);
        put_be16(b + 12, o->max_attempts);
    }
    memcpy(b + 14, o->policy, o->policy_len);
    b[14 + o->policy_len] = o->origin;
    return 14u + o->policy_len + 1u;
}

uint16_t card_attest(struct sim_card *c, const struct sim_tlvs *t, const struct sim_obj *o,
                     const uint8_t *data, size_t n, struct tlv_w *w)
{
    uint32_t kid;
    uint8_t algo, attr[14 + 256 + 1], ts[TIMESTAMP_LEN], sig[160];
    size_t siglen = sizeof sig;
    struct sim_obj *key;
    size_t fl = t->n[SE05X_TAG_7];
    if (!sim_tlv_u32(t, SE05X_TAG_5, &kid) || !sim_tlv_u8(t, SE05X_TAG_6, &algo) || !t->has[SE05X_TAG_7] ||
        (c->cfg.freshness_any ? fl < 1 || fl > FRESHNESS_LEN : fl != FRESHNESS_LEN))
        return SE05X_SW_WRONG_DATA;
    const EVP_MD *md = card_ecsig_md(algo);
    uint16_t sw = card_use_obj(c, kid, 0, &key);
    if (sw != SE05X_SW_OK)
        return sw;
    if ((key->type != SE05X_TYPE_EC_KEY_PAIR && key->type != SE05X_TYPE_EC_PRIV) ||
        !sim_curve(key->curve) || !sim_curve(key->curve)->weierstrass)
        return SE05X_SW_CONDITIONS; /* RSA / EdDSA attestation keys are not emulated */
    if (!md)
        return SE05X_SW_WRONG_DATA;
    if ((sw = card_use_obj(c, kid, SE05X_POL_ALLOW_ATTESTATION, &key)) != SE05X_SW_OK)
        return sw;
    const struct sim_obj *uid = store_find(&c->store, SE05X_OBJ_UID);
    if (!uid || uid->part_len[SIM_P_VALUE] != SE05X_UID_LEN)
        return SE05X_SW_CONDITIONS;
    size_t alen = card_attributes(o, attr);
    card_timestamp(c, ts);

    /* the attested values, signed as one message */
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY *pk = sim_ec_pkey(sim_curve(key->curve), key->part[SIM_P_EC_PRIV],
                               key->part_len[SIM_P_EC_PRIV], key->part[SIM_P_EC_PUB],
                               key->part_len[SIM_P_EC_PUB]);
    sw = 0x6F00;
    if (!mctx || !pk || EVP_DigestSignInit(mctx, NULL, md, NULL, pk) != 1 ||
        (data && n && EVP_DigestSignUpdate(mctx, data, n) != 1) ||
        EVP_DigestSignUpdate(mctx, attr, alen) != 1 || EVP_DigestSignUpdate(mctx, ts, sizeof ts) != 1 ||
        EVP_DigestSignUpdate(mctx, t->v[SE05X_TAG_7], fl) != 1 ||
        EVP_DigestSignUpdate(mctx, uid->part[SIM_P_VALUE], SE05X_UID_LEN) != 1 ||
        EVP_DigestSignFinal(mctx, sig, &siglen) != 1)
        goto out;
    if (data)
        rsp_data(c, w, SE05X_TAG_1, data, n);
    rsp_data(c, w, SE05X_TAG_2, attr, alen);
    rsp_data(c, w, SE05X_TAG_3, ts, sizeof ts);
    rsp_data(c, w, SE05X_TAG_4, t->v[SE05X_TAG_7], fl);
    rsp_data(c, w, SE05X_TAG_5, uid->part[SIM_P_VALUE], SE05X_UID_LEN);
    rsp_data(c, w, SE05X_TAG_6, sig, siglen);
    sw = SE05X_SW_OK;
out:
    EVP_MD_CTX_free(mctx);
    EVP_PKEY_free(pk);
    return sw;
}

uint16_t h_read_attributes(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_1, SE05X_TAG_5, SE05X_TAG_6, SE05X_TAG_7};
    struct sim_tlvs t;
    uint32_t id;
    uint8_t b[14 + 256 + 1];
    bool attested = a->ins & SE05X_INS_ATTEST;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, attested ? sizeof tags : 1, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!sim_tlv_u32(&t, SE05X_TAG_1, &id))
        return SE05X_SW_WRONG_DATA;
    struct sim_obj *o = store_find(&c->store, id);
    if (!o)
        return SE05X_SW_WRONG_DATA;
    if (attested)
        return card_attest(c, &t, o, NULL, 0, w);
    rsp_data(c, w, SE05X_TAG_2, b, card_attributes(o, b));
    return SE05X_SW_OK;
}
