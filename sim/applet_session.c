/* Applet sessions with UserID authentication (apdu.md §13, §17;
 * open-questions B2, B6): CreateSession, ProcessSessionCmd wrapping,
 * VerifySessionUserID, RefreshSession, CloseSession, and DeleteAll, which
 * needs a session authenticated with 7FFF0205. AESKey (applet SCP03) and
 * ECKey sessions are not emulated: CreateSession with them answers 6985.
 * Inside an authenticated session, policies are evaluated for the session's
 * auth object id instead of 00000000. */
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

#include "card_internal.h"

void card_drop_sessions(struct sim_card *c)
{
    memset(c->sessions, 0, sizeof c->sessions);
    c->cur = NULL;
    c->cur_auth = SIM_AUTH_NO_SESSION;
}

uint16_t h_create_session(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_1};
    struct sim_tlvs t;
    uint32_t id;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!sim_tlv_u32(&t, SE05X_TAG_1, &id))
        return SE05X_SW_WRONG_DATA;
    if (c->cur)
        return SE05X_SW_CONDITIONS; /* no session inside a session */
    const struct sim_obj *o = store_find(&c->store, id);
    if (!o || !o->auth || o->type != SE05X_TYPE_USERID || o->cleared)
        return SE05X_SW_CONDITIONS; /* missing, not an auth object, or AESKey/ECKey */
    struct sim_session *s = NULL;
    for (int i = 0; i < SIM_MAX_SESSIONS && !s; i++)
        if (!c->sessions[i].used)
            s = &c->sessions[i];
    if (!s)
        return SE05X_SW_FILE_FULL; /* B6 */
    if (RAND_bytes(s->id, sizeof s->id) != 1)
        return 0x6F00;
    s->used = true;
    s->authenticated = false;
    s->auth = id;
    rsp_data(c, w, SE05X_TAG_1, s->id, sizeof s->id);
    return SE05X_SW_OK;
}

uint16_t h_close_session(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    (void)w;
    if (a->lc)
        return SE05X_SW_WRONG_DATA;
    if (!c->cur)
        return SE05X_SW_CONDITIONS;
    memset(c->cur, 0, sizeof *c->cur);
    return SE05X_SW_OK;
}

/* The session policy (TAG 11) is accepted and not enforced. */
uint16_t h_refresh_session(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_POLICY};
    struct sim_tlvs t;
    (void)w;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    return c->cur ? SE05X_SW_OK : SE05X_SW_CONDITIONS;
}

uint16_t h_verify_userid(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_1};
    struct sim_tlvs t;
    (void)w;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!t.has[SE05X_TAG_1])
        return SE05X_SW_WRONG_DATA;
    if (!c->cur)
        return SE05X_SW_CONDITIONS;
    struct sim_obj *o = store_find(&c->store, c->cur->auth);
    if (!o || o->type != SE05X_TYPE_USERID || !o->part[SIM_P_VALUE])
        return SE05X_SW_CONDITIONS;
    if (o->max_attempts && o->failed >= o->max_attempts)
        return SE05X_SW_CONDITIONS; /* blocked */
    bool ok = t.n[SE05X_TAG_1] == o->part_len[SIM_P_VALUE] &&
              CRYPTO_memcmp(t.v[SE05X_TAG_1], o->part[SIM_P_VALUE], o->part_len[SIM_P_VALUE]) == 0;
    if (!ok) {
        /* B2: the session stays, unauthenticated */
        if (o->failed < 0xFFFF)
            o->failed++;
        c->cur->authenticated = false;
        return SE05X_SW_CONDITIONS;
    }
    o->failed = 0;
    c->cur->authenticated = true;
    return SE05X_SW_OK;
}

/* §17: in a session authenticated with 7FFF0205 only. Everything but
 * PROVISIONED objects goes, curves included; all sessions are torn down. */
uint16_t h_delete_all(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    (void)w;
    if (a->lc)
        return SE05X_SW_WRONG_DATA;
    if (!c->cur || !c->cur->authenticated || c->cur->auth != SE05X_OBJ_FACTORY_RESET)
        return SE05X_SW_SECURITY_STATUS;
    uint16_t sw = store_delete_all(&c->store);
    if (sw == SE05X_SW_OK)
        card_drop_sessions(c);
    return sw;
}

uint16_t card_process_session(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_SESSION_ID, SE05X_TAG_1};
    struct sim_tlvs t;
    struct sim_apdu in;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!t.has[SE05X_TAG_SESSION_ID] || t.n[SE05X_TAG_SESSION_ID] != SE05X_SESSION_ID_LEN ||
        !t.has[SE05X_TAG_1])
        return SE05X_SW_WRONG_DATA;
    struct sim_session *s = NULL;
    for (int i = 0; i < SIM_MAX_SESSIONS && !s; i++)
        if (c->sessions[i].used &&
            CRYPTO_memcmp(c->sessions[i].id, t.v[SE05X_TAG_SESSION_ID], SE05X_SESSION_ID_LEN) == 0)
            s = &c->sessions[i];
    if (!s)
        return SE05X_SW_CONDITIONS; /* unknown or closed session */
    if (card_locked(c) && s->auth != SE05X_OBJ_TRANSPORT)
        return SE05X_SW_CONDITIONS; /* A13 */
    if ((sw = sim_apdu_parse(t.v[SE05X_TAG_1], t.n[SE05X_TAG_1], &in)) != SE05X_SW_OK)
        return sw;
    if (in.cla != SE05X_CLA)
        return SE05X_SW_CLA_NOT_SUPPORTED; /* CLA 84: applet SCP03 not emulated */
    if (in.ins == SE05X_INS_PROCESS)
        return SE05X_SW_CONDITIONS;
    bool handshake = in.ins == SE05X_INS_MGMT && in.p1 == 0 && (in.p2 == 0x2C || in.p2 == 0x1C);
    if (!s->authenticated && !handshake)
        return SE05X_SW_SECURITY_STATUS; /* B2 */
    c->cur = s;
    c->cur_auth = s->authenticated ? s->auth : SIM_AUTH_NO_SESSION;
    sw = card_dispatch(c, &in, w);
    c->cur = NULL;
    c->cur_auth = SIM_AUTH_NO_SESSION;
    return sw;
}

/* A13 SetLockState: only in a session authenticated with TRANSPORT
 * (7FFF0200). 41: 01 transient / 02 persistent lock; 42: 01 locks, any other
 * value unlocks. */
uint16_t h_set_lock_state(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_1, SE05X_TAG_2};
    struct sim_tlvs t;
    uint8_t ind, state;
    (void)w;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!sim_tlv_u8(&t, SE05X_TAG_1, &ind) || !sim_tlv_u8(&t, SE05X_TAG_2, &state) ||
        (ind != 0x01 && ind != 0x02))
        return SE05X_SW_WRONG_DATA;
    if (!c->cur || !c->cur->authenticated || c->cur->auth != SE05X_OBJ_TRANSPORT)
        return SE05X_SW_SECURITY_STATUS;
    if (ind == 0x01) {
        c->lock_transient = state == 0x01;
        return SE05X_SW_OK;
    }
    return store_set_locked(&c->store, state == 0x01);
}
