/* SPDX-License-Identifier: Apache-2.0 */
/* Management and information commands (docs/protocol/apdu.md §4.1, §4.2). */
#include <openssl/rand.h>
#include <string.h>
#include <time.h>

#include "card_internal.h"
#include "policy.h"

static const uint8_t TAGS_41[] = {SE05X_TAG_1};

uint16_t h_get_version(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    if (a->lc)
        return SE05X_SW_WRONG_DATA;
    rsp_data(c, w, SE05X_TAG_1, c->version, sizeof c->version);
    return SE05X_SW_OK;
}

/* VERSION_EXT (7.x, docs/protocol/apdu.md §1.5): the 7 version bytes and 30
 * bytes of extended feature bits. Their meaning is not public: the emulator
 * answers 30 zero bytes (unverified against a real chip). A 3.x applet does
 * not know P2 21 (6A86). */
uint16_t h_get_version_ext(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    uint8_t v[SE05X_SELECT_RSP_LEN + 30] = {0};
    if (c->var->gen < 7)
        return SE05X_SW_WRONG_P1P2;
    if (a->lc)
        return SE05X_SW_WRONG_DATA;
    memcpy(v, c->version, SE05X_SELECT_RSP_LEN);
    rsp_data(c, w, SE05X_TAG_1, v, sizeof v);
    return SE05X_SW_OK;
}

uint16_t h_get_memory(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    struct sim_tlvs t;
    uint8_t type;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, TAGS_41, 1, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!sim_tlv_u8(&t, SE05X_TAG_1, &type))
        return SE05X_SW_WRONG_DATA;
    size_t cap, used;
    switch (type) {
    case SE05X_MEM_PERSISTENT:
        cap = c->store.pcap;
        used = store_used(&c->store, false);
        break;
    case SE05X_MEM_TRANSIENT_RESET:
        cap = c->store.tcap;
        used = store_used(&c->store, true);
        break;
    case SE05X_MEM_TRANSIENT_DESELECT: /* holds only session/crypto-object state: empty */
        cap = c->store.tcap;
        used = 0;
        break;
    default:
        return SE05X_SW_WRONG_DATA;
    }
    size_t free_b = cap > used ? cap - used : 0;
    rsp_u16(c, w, SE05X_TAG_1, (uint16_t)(free_b > 0x7FFF ? 0x7FFF : free_b));
    return SE05X_SW_OK;
}

uint16_t h_get_random(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    struct sim_tlvs t;
    uint16_t n;
    uint8_t buf[SE05X_MAX_APDU_PAYLOAD_7X];
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, TAGS_41, 1, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!sim_tlv_u16(&t, SE05X_TAG_1, &n) || n == 0)
        return SE05X_SW_WRONG_DATA;
    if (n > c->var->payload - 4u) /* the answer must fit the applet's buffer */
        return SE05X_SW_WRONG_LENGTH;
    if (RAND_bytes(buf, n) != 1)
        return 0x6F00;
    rsp_data(c, w, SE05X_TAG_1, buf, n);
    return SE05X_SW_OK;
}

uint16_t card_id_arg(const struct sim_apdu *a, uint32_t *id)
{
    struct sim_tlvs t;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, TAGS_41, 1, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    return sim_tlv_u32(&t, SE05X_TAG_1, id) ? SE05X_SW_OK : SE05X_SW_WRONG_DATA;
}

uint16_t h_exists(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    uint32_t id;
    uint16_t sw = card_id_arg(a, &id);
    if (sw != SE05X_SW_OK)
        return sw;
    rsp_u8(c, w, SE05X_TAG_1, store_find(&c->store, id) ? SE05X_EXISTS_YES : SE05X_EXISTS_NO);
    return SE05X_SW_OK;
}

uint16_t h_delete(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    uint32_t id;
    (void)w;
    uint16_t sw = card_id_arg(a, &id);
    if (sw != SE05X_SW_OK)
        return sw;
    struct sim_obj *o = store_find(&c->store, id);
    if (!o)
        return SE05X_SW_WRONG_DATA;
    if (o->origin == SE05X_ORIGIN_PROVISIONED)
        return SE05X_SW_CONDITIONS; /* §17: kept */
    /* an incomplete RSA import has no policy in force yet */
    if (!o->incomplete &&
        !card_allows(c, o, SE05X_POL_ALLOW_DELETE))
        return SE05X_SW_NOT_ALLOWED;
    return store_remove(&c->store, id);
}

/* A11: 100 ms ticks since the card was provisioned, 12 bytes big-endian. */
void card_timestamp(const struct sim_card *c, uint8_t out[12])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 10 + (uint64_t)ts.tv_nsec / 100000000;
    uint64_t base = c->store.created * 10;
    uint64_t ticks = now > base ? now - base : 0;
    memset(out, 0, 12);
    for (int i = 0; i < 8; i++)
        out[11 - i] = (uint8_t)(ticks >> (8 * i));
}

uint16_t h_get_timestamp(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    uint8_t b[12];
    if (a->lc)
        return SE05X_SW_WRONG_DATA;
    card_timestamp(c, b);
    rsp_data(c, w, SE05X_TAG_1, b, sizeof b);
    return SE05X_SW_OK;
}
