/* SPDX-License-Identifier: Apache-2.0 */
/* EC curve management (docs/protocol/apdu.md §4.5, §8; docs/protocol/open-questions.md A3, A6). The
 * 3.x applet has no Weierstrass curve until the host creates it and sets all
 * five parameters; each parameter is checked against libcrypto's copy of the
 * named curve. Ed25519 / X25519 / X448 always exist. */
#include <string.h>

#include "card_internal.h"
#include "crypto.h"

static uint16_t curve_arg(const struct sim_tlvs *t, uint8_t *curve)
{
    if (!sim_tlv_u8(t, SE05X_TAG_1, curve))
        return SE05X_SW_WRONG_DATA;
    const struct sim_curve_info *ci = sim_curve(*curve);
    if (!ci)
        return SE05X_SW_WRONG_DATA;
    return ci->weierstrass ? SE05X_SW_OK : SE05X_SW_CONDITIONS; /* built in */
}

/* Body that is only TAG 1, a Weierstrass curve id (CreateECCurve, DeleteECCurve). */
static uint16_t curve_only_arg(const struct sim_apdu *a, uint8_t *curve)
{
    static const uint8_t tags[] = {SE05X_TAG_1};
    struct sim_tlvs t;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags, &t);
    return sw != SE05X_SW_OK ? sw : curve_arg(&t, curve);
}

uint16_t h_create_curve(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    uint8_t curve;
    (void)w;
    uint16_t sw = curve_only_arg(a, &curve);
    if (sw != SE05X_SW_OK)
        return sw;
    if (c->store.curve_created[curve])
        return SE05X_SW_CONDITIONS;
    return store_set_curve(&c->store, curve, true, 0);
}

uint16_t h_set_curve_param(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_1, SE05X_TAG_2, SE05X_TAG_3};
    struct sim_tlvs t;
    uint8_t curve, param;
    (void)w;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags, &t);
    if (sw != SE05X_SW_OK || (sw = curve_arg(&t, &curve)) != SE05X_SW_OK)
        return sw;
    if (!sim_tlv_u8(&t, SE05X_TAG_2, &param) || !t.has[SE05X_TAG_3] || t.n[SE05X_TAG_3] == 0)
        return SE05X_SW_WRONG_DATA;
    if (param != SE05X_CURVE_PARAM_A && param != SE05X_CURVE_PARAM_B && param != SE05X_CURVE_PARAM_G &&
        param != SE05X_CURVE_PARAM_N && param != SE05X_CURVE_PARAM_PRIME)
        return SE05X_SW_WRONG_DATA;
    if (!c->store.curve_created[curve])
        return SE05X_SW_CONDITIONS;
    if (!sim_curve_param_matches(sim_curve(curve), param, t.v[SE05X_TAG_3], t.n[SE05X_TAG_3]))
        return SE05X_SW_WRONG_DATA;
    uint8_t mask = c->store.curve_params[curve] | param;
    if (mask == c->store.curve_params[curve])
        return SE05X_SW_OK; /* same value again: nothing to store */
    return store_set_curve(&c->store, curve, true, mask);
}

uint16_t h_get_curve_id(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    struct sim_obj *o;
    uint16_t sw = card_find_by_id(c, a, &o);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!type_is_ec(o->type))
        return SE05X_SW_CONDITIONS;
    rsp_u8(c, w, SE05X_TAG_1, o->curve);
    return SE05X_SW_OK;
}

/* One SetIndicator per Weierstrass id 01..11: SET once the curve exists. */
uint16_t h_read_curve_list(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    uint8_t list[SIM_CURVE_MAX];
    if (a->lc)
        return SE05X_SW_WRONG_DATA;
    for (int i = 0; i < SIM_CURVE_MAX; i++)
        list[i] = c->store.curve_created[i + 1] ? SE05X_SET_SET : SE05X_SET_NOT_SET;
    rsp_data(c, w, SE05X_TAG_1, list, sizeof list);
    return SE05X_SW_OK;
}

uint16_t h_delete_curve(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    uint8_t curve;
    (void)w;
    uint16_t sw = curve_only_arg(a, &curve);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!c->store.curve_created[curve])
        return SE05X_SW_WRONG_DATA;
    return store_set_curve(&c->store, curve, false, 0);
}
