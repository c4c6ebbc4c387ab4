/* SPDX-License-Identifier: Apache-2.0 */
/* Reading objects (docs/protocol/apdu.md §4.4, §5, §16, §19). */
#include <stdlib.h>
#include <string.h>

#include "card_internal.h"
#include "crypto.h"
#include "policy.h"


uint16_t h_read_object(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_1, SE05X_TAG_2, SE05X_TAG_3, SE05X_TAG_4,
                                   SE05X_TAG_5, SE05X_TAG_6, SE05X_TAG_7};
    struct sim_tlvs t;
    struct sim_obj *o;
    bool attested = a->ins & SE05X_INS_ATTEST;
    uint16_t sw = card_find_in(c, a, tags, attested ? sizeof tags : 4, &t, &o);
    if (sw != SE05X_SW_OK)
        return sw;
    if (o->cleared || o->incomplete)
        return SE05X_SW_CONDITIONS;
    const uint8_t *p = NULL;
    size_t n = 0;
    switch (o->type) {
    case SE05X_TYPE_EC_KEY_PAIR:
    case SE05X_TYPE_EC_PUB:
        p = o->part[SIM_P_EC_PUB];
        n = o->part_len[SIM_P_EC_PUB];
        break;
    case SE05X_TYPE_RSA_KEY_PAIR:
    case SE05X_TYPE_RSA_KEY_PAIR_CRT:
    case SE05X_TYPE_RSA_PUB: {
        uint8_t comp;
        if (!sim_tlv_u8(&t, SE05X_TAG_4, &comp))
            return SE05X_SW_WRONG_DATA;
        if (comp != SE05X_RSA_COMP_MOD && comp != SE05X_RSA_COMP_PUB_EXP)
            return SE05X_SW_CONDITIONS; /* private components never leave */
        p = o->part[comp];
        n = o->part_len[comp];
        break;
    }
    case SE05X_TYPE_BINARY:
    case SE05X_TYPE_COUNTER:
    case SE05X_TYPE_PCR: {
        uint16_t off = 0, len = 0;
        if ((t.has[SE05X_TAG_2] && !sim_tlv_u16(&t, SE05X_TAG_2, &off)) ||
            (t.has[SE05X_TAG_3] && !sim_tlv_u16(&t, SE05X_TAG_3, &len)))
            return SE05X_SW_WRONG_DATA;
        size_t size = o->part_len[SIM_P_VALUE];
        if (off > size)
            return SE05X_SW_WRONG_DATA;
        if (len == 0) /* absent (or 0): up to the end */
            len = (uint16_t)(size - off);
        if ((size_t)off + len > size)
            return SE05X_SW_WRONG_DATA;
        p = o->part[SIM_P_VALUE] + off;
        n = len;
        break;
    }
    default: /* private keys, symmetric keys, UserIDs */
        if (!attested) /* an attested read still attests their attributes */
            return SE05X_SW_CONDITIONS;
        break;
    }
    if (p && !card_allows(c, o, SE05X_POL_ALLOW_READ))
        return SE05X_SW_NOT_ALLOWED;
    if (attested)
        return card_attest(c, a, &t, o, p, n, w);
    rsp_data(c, w, SE05X_TAG_1, p, n);
    return SE05X_SW_OK;
}

uint16_t card_find_in(struct sim_card *c, const struct sim_apdu *a, const uint8_t *tags, size_t ntags,
                      struct sim_tlvs *t, struct sim_obj **o)
{
    uint32_t id;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, ntags, t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!sim_tlv_u32(t, SE05X_TAG_1, &id))
        return SE05X_SW_WRONG_DATA;
    *o = store_find(&c->store, id);
    return *o ? SE05X_SW_OK : SE05X_SW_WRONG_DATA;
}

uint16_t card_find_by_id(struct sim_card *c, const struct sim_apdu *a, struct sim_obj **o)
{
    static const uint8_t tag1[] = {SE05X_TAG_1}; /* the body is the id alone (card_id_arg) */
    struct sim_tlvs t;
    return card_find_in(c, a, tag1, sizeof tag1, &t, o);
}

uint16_t h_read_type(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    struct sim_obj *o;
    uint16_t sw = card_find_by_id(c, a, &o);
    if (sw != SE05X_SW_OK)
        return sw;
    rsp_u8(c, w, SE05X_TAG_1, card_wire_type(c, o));
    rsp_u8(c, w, SE05X_TAG_2, o->transient ? SE05X_TRANSIENT : SE05X_PERSISTENT);
    return SE05X_SW_OK;
}

uint16_t h_read_size(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    struct sim_obj *o;
    uint16_t sw = card_find_by_id(c, a, &o);
    if (sw != SE05X_SW_OK)
        return sw;
    size_t size;
    if (type_is_ec(o->type)) {
        const struct sim_curve_info *ci = sim_curve(o->curve);
        size = ci ? ci->bytes : 0;
    } else if (type_is_rsa(o->type)) {
        size = o->rsa_bits / 8u;
    } else if (o->type == SE05X_TYPE_USERID) {
        return SE05X_SW_CONDITIONS;
    } else if (o->type == SE05X_TYPE_BINARY) {
        size = o->reserve;
    } else {
        size = o->cleared ? o->reserve : o->part_len[SIM_P_VALUE];
    }
    rsp_u16(c, w, SE05X_TAG_1, (uint16_t)size);
    return SE05X_SW_OK;
}

/* §16 + A5: ascending ids, reserved and provisioned included, offset in ids. */
uint16_t h_read_idlist(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_1, SE05X_TAG_2};
    struct sim_tlvs t;
    uint16_t off;
    uint8_t filter = SE05X_TYPE_ALL;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!sim_tlv_u16(&t, SE05X_TAG_1, &off) ||
        (t.has[SE05X_TAG_2] && !sim_tlv_u8(&t, SE05X_TAG_2, &filter)))
        return SE05X_SW_WRONG_DATA;
    uint8_t ids[SIM_IDLIST_PAGE_DEFAULT * 4];
    size_t matched = 0, out = 0;
    bool more = false;
    for (size_t i = 0; i < c->store.n; i++) {
        const struct sim_obj *o = c->store.objs[i];
        if (filter != SE05X_TYPE_ALL && card_wire_type(c, o) != filter)
            continue;
        if (matched++ < off)
            continue;
        if (out == c->cfg.idlist_page) {
            more = true;
            break;
        }
        put_be32(ids + 4 * out++, o->id);
    }
    rsp_u8(c, w, SE05X_TAG_1, more ? SE05X_MORE_YES : SE05X_MORE_NO);
    rsp_data(c, w, SE05X_TAG_2, ids, 4 * out);
    return SE05X_SW_OK;
}

/* ReadCryptoObjectList: 41 { id(2) context(1) subtype(1) }*. */
uint16_t h_read_crypto_list(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    uint8_t list[SIM_MAX_CRYPTO_OBJECTS * 4];
    size_t n = 0;
    if (a->lc)
        return SE05X_SW_WRONG_DATA;
    for (int i = 0; i < SIM_MAX_CRYPTO_OBJECTS; i++) {
        const struct sim_cobj *k = &c->cobjs[i];
        if (!k->used)
            continue;
        put_be16(list + n, k->id);
        list[n + 2] = k->context;
        list[n + 3] = k->subtype;
        n += 4;
    }
    rsp_data(c, w, SE05X_TAG_1, list, n);
    return SE05X_SW_OK;
}
