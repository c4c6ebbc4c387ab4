/* SPDX-License-Identifier: Apache-2.0 */
/* Object attributes and attestation (docs/protocol/apdu.md §18, §19;
 * docs/protocol/open-questions.md A9-A11, D1). Layout 1 (3.x) answers
 *   [41 data] 42 attributes 43 timestamp(12) 44 freshness(16) 45 chip id(18) 46 signature
 * with the signature over data || attributes || timestamp || freshness ||
 * chip id (values only). Layout 2 (7.x) answers
 *   [41 data] 42 chip id(18) 43 attributes 44 object size(2) 4F timestamp(12) 52 signature
 * with the signature over H(command header || 00 HH LL || command data) ||
 * the bytes of the TLVs 41..4F exactly as sent (headers included), H being
 * the digest of the algorithm. Both are made with the attestation key
 * (ALLOW_ATTESTATION) and the ECDSA algorithm of TAG 46 (the applet hashes). */
#include <openssl/crypto.h>
#include <string.h>

#include "card_internal.h"
#include "crypto.h"
#include "policy.h"

#define FRESHNESS_LEN 16
#define TIMESTAMP_LEN 12

size_t card_attributes(const struct sim_card *c, const struct sim_obj *o, uint8_t *b)
{
    memset(b, 0, 14);
    put_be32(b, o->id);
    b[4] = card_wire_type(c, o);
    b[5] = o->auth ? SE05X_SET_SET : SE05X_SET_NOT_SET;
    /* 6..7 failed attempts (RAM only); 8..11 owner 00000000 */
    if (o->auth) {
        put_be16(b + 6, o->failed);
        put_be16(b + 12, o->max_attempts);
    }
    memcpy(b + 14, o->policy, o->policy_len);
    b[14 + o->policy_len] = o->origin;
    if (c->var->gen < 7)
        return 14u + o->policy_len + 1u;
    put_be32(b + 15 + o->policy_len, o->version); /* A9: 4-byte version on 7.x */
    return 14u + o->policy_len + 1u + 4u;
}

/* ReadSize semantics (§5) of o, for layout 2's TAG 44 (UserID: 0). */
static uint16_t obj_size(const struct sim_obj *o)
{
    if (type_is_ec(o->type)) {
        const struct sim_curve_info *ci = sim_curve(o->curve);
        return ci ? (uint16_t)ci->bytes : 0;
    }
    if (type_is_rsa(o->type))
        return (uint16_t)(o->rsa_bits / 8u);
    if (o->type == SE05X_TYPE_USERID)
        return 0;
    if (o->type == SE05X_TYPE_BINARY)
        return (uint16_t)o->reserve;
    return (uint16_t)(o->cleared ? o->reserve : o->part_len[SIM_P_VALUE]);
}

/* Layout 2: the signed message is H(cmd) || the response TLVs before 52. */
static uint16_t attest_v2(struct sim_card *c, const struct sim_apdu *a, const struct sim_obj *o,
                          const uint8_t *data, size_t n, const EVP_MD *md, EVP_PKEY *pk,
                          const uint8_t uid[SE05X_UID_LEN], struct tlv_w *w)
{
    uint8_t attr[14 + 256 + 1 + 4], ts[TIMESTAMP_LEN], sig[160], h[EVP_MAX_MD_SIZE], sz[2],
        hdr[7] = {a->cla, a->ins, a->p1, a->p2, 0x00, (uint8_t)(a->lc >> 8), (uint8_t)a->lc};
    unsigned hl = 0;
    size_t siglen = sizeof sig, start = w->len;
    size_t alen = card_attributes(c, o, attr);
    card_timestamp(c, ts);
    put_be16(sz, obj_size(o));
    if (data)
        rsp_data(c, w, SE05X_TAG_1, data, n);
    rsp_data(c, w, SE05X_TAG_2, uid, SE05X_UID_LEN);
    rsp_data(c, w, SE05X_TAG_3, attr, alen);
    rsp_data(c, w, SE05X_TAG_4, sz, 2);
    rsp_data(c, w, SE05X_TAG_TIMESTAMP, ts, sizeof ts);
    if (!tlv_w_ok(w))
        return SE05X_SW_WRONG_LENGTH;
    EVP_MD_CTX *hctx = EVP_MD_CTX_new(), *mctx = EVP_MD_CTX_new();
    uint16_t sw = 0x6F00;
    if (!hctx || !mctx || EVP_DigestInit_ex(hctx, md, NULL) != 1 || EVP_DigestUpdate(hctx, hdr, sizeof hdr) != 1 ||
        (a->lc && EVP_DigestUpdate(hctx, a->data, a->lc) != 1) || EVP_DigestFinal_ex(hctx, h, &hl) != 1 ||
        EVP_DigestSignInit(mctx, NULL, md, NULL, pk) != 1 || EVP_DigestSignUpdate(mctx, h, hl) != 1 ||
        EVP_DigestSignUpdate(mctx, w->buf + start, w->len - start) != 1 ||
        EVP_DigestSignFinal(mctx, sig, &siglen) != 1)
        goto out;
    rsp_data(c, w, SE05X_TAG_SIGNATURE, sig, siglen);
    sw = SE05X_SW_OK;
out:
    EVP_MD_CTX_free(hctx);
    EVP_MD_CTX_free(mctx);
    return sw;
}

uint16_t card_attest(struct sim_card *c, const struct sim_apdu *a, const struct sim_tlvs *t,
                     const struct sim_obj *o, const uint8_t *data, size_t n, struct tlv_w *w)
{
    uint32_t kid;
    uint8_t algo, attr[14 + 256 + 1 + 4], ts[TIMESTAMP_LEN], sig[160];
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
    EVP_PKEY *pk = sim_ec_pkey(sim_curve(key->curve), key->part[SIM_P_EC_PRIV],
                               key->part_len[SIM_P_EC_PRIV], key->part[SIM_P_EC_PUB],
                               key->part_len[SIM_P_EC_PUB]);
    if (c->var->gen >= 7) {
        sw = pk ? attest_v2(c, a, o, data, n, md, pk, uid->part[SIM_P_VALUE], w) : 0x6F00;
        EVP_PKEY_free(pk);
        return sw;
    }
    size_t alen = card_attributes(c, o, attr);
    card_timestamp(c, ts);

    /* the attested values, signed as one message */
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
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
    struct sim_obj *o;
    uint8_t b[14 + 256 + 1 + 4];
    bool attested = a->ins & SE05X_INS_ATTEST;
    uint16_t sw = card_find_in(c, a, tags, attested ? sizeof tags : 1, &t, &o);
    if (sw != SE05X_SW_OK)
        return sw;
    if (attested)
        return card_attest(c, a, &t, o, NULL, 0, w);
    rsp_data(c, w, SE05X_TAG_2, b, card_attributes(c, o, b));
    return SE05X_SW_OK;
}
