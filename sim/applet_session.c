/* SPDX-License-Identifier: Apache-2.0 */
/* Applet sessions with UserID authentication (docs/protocol/apdu.md §13, §17;
 * docs/protocol/open-questions.md B2, B6): CreateSession, ProcessSessionCmd wrapping,
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
    uint32_t id;
    uint16_t sw = card_id_arg(a, &id);
    if (sw != SE05X_SW_OK)
        return sw;
    if (c->cur)
        return SE05X_SW_CONDITIONS; /* no session inside a session */
    const struct sim_obj *o = store_find(&c->store, id);
    bool aes = o && o->type == SE05X_TYPE_AES && o->part_len[SIM_P_VALUE] == 16;
    if (!o || !o->auth || (o->type != SE05X_TYPE_USERID && !aes) || o->cleared)
        return SE05X_SW_CONDITIONS; /* missing, not an auth object, ECKey, or AES-192/256 */
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
    s->aes = aes;
    if (aes) { /* applet SCP03: the AESKey is ENC, MAC and DEK, key version 00 */
        scp03_init(&s->scp);
        memcpy(s->scp.enc, o->part[SIM_P_VALUE], 16);
        memcpy(s->scp.mac, o->part[SIM_P_VALUE], 16);
        memcpy(s->scp.dek, o->part[SIM_P_VALUE], 16);
        s->scp.kvn = 0x00;
        s->scp.count_all = true;
    }
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
    if (sw == SE05X_SW_OK) {
        card_drop_sessions(c);
        card_drop_crypto_objects(c); /* §17: crypto objects go too */
    }
    return sw;
}

/* Runs an inner APDU of session s as its (authenticated) owner. */
static uint16_t run_inner(struct sim_card *c, struct sim_session *s, const struct sim_apdu *in,
                          struct tlv_w *w)
{
    c->cur = s;
    c->cur_auth = s->authenticated ? s->auth : SIM_AUTH_NO_SESSION;
    uint16_t sw = card_dispatch(c, in, w);
    c->cur = NULL;
    c->cur_auth = SIM_AUTH_NO_SESSION;
    return sw;
}

/* A failed handshake counts against the AESKey's max attempts (B2). */
static void aes_failed(struct sim_card *c, const struct sim_session *s)
{
    struct sim_obj *o = store_find(&c->store, s->auth);
    if (o && o->failed < 0xFFFF)
        o->failed++;
}

/* Inner APDU of an AESKey session (docs/protocol/scp03.md §1, §3; B1, B2): INITIALIZE
 * UPDATE and EXTERNAL AUTHENTICATE with the AESKey as static key, then
 * commands wrapped per the security level; CloseSession always works. */
static uint16_t aes_session_cmd(struct sim_card *c, struct sim_session *s, const struct sim_apdu *in,
                                struct tlv_w *w)
{
    uint8_t plain[SE05X_MAX_APDU_PAYLOAD_7X + 16];
    size_t pl;
    bool had_data;
    struct sim_apdu p;
    uint16_t sw;
    const struct sim_obj *key = store_find(&c->store, s->auth);
    bool blocked = key && key->max_attempts && key->failed >= key->max_attempts;
    if (in->cla == SE05X_CLA && in->ins == 0x50) { /* INITIALIZE UPDATE */
        uint8_t out[29];
        s->authenticated = false;
        if (in->p2 != 0)
            return SE05X_SW_WRONG_P1P2;
        if (!key || blocked)
            return SE05X_SW_CONDITIONS;
        sw = scp03_initialize_update(&s->scp, in->p1, in->data, in->lc, c->cfg.scp03_test_challenge, out);
        if (sw == SE05X_SW_OK)
            tlv_put_raw(w, out, sizeof out);
        return sw;
    }
    if (in->cla == SE05X_CLA_SCP && in->ins == 0x82) { /* EXTERNAL AUTHENTICATE */
        uint8_t raw[5 + 16] = {in->cla, in->ins, in->p1, in->p2, (uint8_t)in->lc};
        if (in->extended || in->lc != 16 || blocked) {
            scp03_reset(&s->scp);
            return SE05X_SW_SECURITY_STATUS;
        }
        memcpy(raw + 5, in->data, 16);
        sw = scp03_external_authenticate(&s->scp, raw, sizeof raw);
        s->authenticated = sw == SE05X_SW_OK;
        if (sw == SE05X_SW_OK)
            ((struct sim_obj *)key)->failed = 0;
        else
            aes_failed(c, s);
        return sw;
    }
    bool close = in->cla == SE05X_CLA && in->ins == SE05X_INS_MGMT && in->p1 == 0 && in->p2 == 0x1C;
    if (close)
        return run_inner(c, s, in, w);
    if (!s->authenticated)
        return SE05X_SW_SECURITY_STATUS;
    if (in->cla == SE05X_CLA) /* plain messaging only at security level 00 */
        return (s->scp.level & SCP_LEVEL_CMAC) ? SE05X_SW_SECURITY_STATUS : run_inner(c, s, in, w);
    if (in->cla != SE05X_CLA_SCP)
        return SE05X_SW_CLA_NOT_SUPPORTED;
    uint8_t h[4] = {in->cla, in->ins, in->p1, in->p2};
    sw = scp03_unwrap(&s->scp, h, in->extended, in->data, in->lc, in->has_le, plain, sizeof plain, &pl,
                      &had_data);
    if (sw != SE05X_SW_OK) {
        s->authenticated = false; /* the channel is gone; a new handshake is needed */
        return sw;
    }
    if ((sw = sim_apdu_parse(plain, pl, &p)) != SE05X_SW_OK)
        return sw;
    struct sim_scp03 chan = s->scp; /* CloseSession zeroes the session */
    bool delete_all = p.ins == SE05X_INS_MGMT && p.p1 == 0 && p.p2 == SE05X_P2_DELETE_ALL;
    sw = run_inner(c, s, &p, w);
    OPENSSL_cleanse(plain, sizeof plain);
    if (sw != SE05X_SW_OK || delete_all || !chan.active)
        return sw; /* B4: bare SW; §17: DeleteAll's answer is not wrapped */
    size_t n = tlv_w_ok(w) ? scp03_wrap_response(&chan, w->buf, w->len, w->cap) : 0;
    OPENSSL_cleanse(&chan, sizeof chan);
    if (!n && (w->len || (s->scp.level & SCP_LEVEL_RMAC)))
        return SE05X_SW_WRONG_LENGTH;
    w->len = n;
    return SE05X_SW_OK;
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
    if (s->aes)
        return aes_session_cmd(c, s, &in, w);
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
