/* SPDX-License-Identifier: Apache-2.0 */
/* Sign / verify (docs/protocol/apdu.md §4.6): one header for ECDSA, EdDSA and RSA; the key
 * type picks the implementation. */
#include "card_internal.h"

static uint16_t sigop(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w, bool sign)
{
    static const uint8_t tags[] = {SE05X_TAG_1, SE05X_TAG_2, SE05X_TAG_3, SE05X_TAG_5};
    struct sim_tlvs t;
    struct sim_obj *o;
    uint32_t id;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!sim_tlv_u32(&t, SE05X_TAG_1, &id) || (sign && t.has[SE05X_TAG_5]))
        return SE05X_SW_WRONG_DATA;
    if ((sw = card_use_obj(c, id, 0, &o)) != SE05X_SW_OK)
        return sw;
    if (!type_is_ec(o->type) && !type_is_rsa(o->type))
        return SE05X_SW_CONDITIONS;
    if (sign && !type_has_priv(o->type))
        return SE05X_SW_CONDITIONS;
    sw = card_use_obj(c, id, sign ? SE05X_POL_ALLOW_SIGN : SE05X_POL_ALLOW_VERIFY, &o);
    if (sw != SE05X_SW_OK)
        return sw;
    if (type_is_ec(o->type))
        return sign ? ec_sign(c, o, &t, w) : ec_verify(c, o, &t, w);
    return sign ? rsa_sign(c, o, &t, w) : rsa_verify(c, o, &t, w);
}

uint16_t h_sign(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    return sigop(c, a, w, true);
}

uint16_t h_verify(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    return sigop(c, a, w, false);
}
