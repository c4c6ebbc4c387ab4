/* SPDX-License-Identifier: Apache-2.0 */
/* Sessions: open/close, SELECT and applet version, the exchange path shared
 * by every command (encode, lock, exchange, trace, count, map the SW, record
 * the error) and transactions; what a session remembers about objects is in
 * session_cache.c. All state lives in struct se05x_session
 * (session_struct.h); there is no global mutable state. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "scp03.h"
#include "session_priv.h"
#include "se05x_proto.h"
#include "session_struct.h"
#include "tlv.h"

/* ---------- errors: per-thread slots in session_err.c ---------- */

uint64_t se05x_session_uid(const se05x_session *s) { return s->uid; }

/* ---------- accessors ---------- */

const char *se05x_conn(const se05x_session *s) { return s ? s->conn : ""; }

const struct se05x_applet_info *se05x_applet(const se05x_session *s) { return s ? &s->applet : NULL; }

size_t se05x_atr(const se05x_session *s, uint8_t *buf, size_t cap)
{
    if (!s || !s->link)
        return 0;
    size_t n = s->link->atr_len;
    if (n > sizeof s->link->atr)
        n = sizeof s->link->atr;
    if (buf)
        memcpy(buf, s->link->atr, n < cap ? n : cap);
    return n;
}

void se05x_get_stats(const se05x_session *s, struct se05x_stats *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (!s)
        return;
    se05x_session *m = (se05x_session *)s;
    pthread_mutex_lock(&m->lock);
    *out = m->stats;
    if (m->link) {
        out->link_tx_bytes = m->link->wire_tx;
        out->link_rx_bytes = m->link->wire_rx;
        out->frames = m->link->frames;
    }
    pthread_mutex_unlock(&m->lock);
}

/* ---------- locking ---------- */

se05x_rc se05x_txn_begin(se05x_session *s)
{
    if (!s)
        return SE05X_E_BAD_ARG;
    pthread_mutex_lock(&s->lock);
    if (s->txn_depth == 0 && s->link && s->link->ops->begin) {
        struct se05x_error e = {0};
        se05x_rc rc = s->link->ops->begin(s->link, &e);
        if (rc != SE05X_OK) {
            pthread_mutex_unlock(&s->lock);
            return se05x_fail(s, rc, 0, 0, "cannot start a transaction on %s: %s", s->conn, e.msg);
        }
    }
    s->txn_depth++;
    return SE05X_OK;
}

void se05x_txn_end(se05x_session *s)
{
    if (!s)
        return;
    if (s->txn_depth > 0 && --s->txn_depth == 0 && s->link && s->link->ops->end)
        s->link->ops->end(s->link);
    pthread_mutex_unlock(&s->lock);
}


/* A command that creates, rewrites or deletes object id (or, id 0, any):
 * its cached public key may no longer be the chip's. */
static bool changes_keys(uint8_t ins, uint8_t p2)
{
    if ((ins & SE05X_INS_MASK) == SE05X_INS_WRITE)
        return true;
    return (ins & SE05X_INS_MASK) == SE05X_INS_MGMT &&
           (p2 == SE05X_P2_DELETE_OBJECT || p2 == SE05X_P2_DELETE_ALL);
}

/* ---------- exchange ---------- */

/* One exchange on the wire under the lock (caller holds it): trace (when
 * asked), count, length check. */
static se05x_rc wire_exchange(se05x_session *s, const uint8_t *c, size_t clen, uint8_t *r, size_t rcap,
                              size_t *rlen, struct se05x_error *e, bool trace)
{
    *rlen = 0;
    if (!s->link)
        return se05x_err_set(e, SE05X_E_LINK, 0, 0, "session to %s has no link", s->conn);
    se05x_rc rc = s->link->ops->transceive(s->link, c, clen, r, rcap, rlen, e);
    s->stats.apdus++;
    s->stats.tx_bytes += clen;
    if (rc != SE05X_OK) {
        *rlen = 0;
        if (trace)
            se05x_trace_apdu(s->conn, c, clen, NULL, 0);
        return rc;
    }
    if (*rlen > rcap) { /* a link must never do this; do not trust it either */
        *rlen = 0;
        return se05x_err_set(e, SE05X_E_INTERNAL, 0, 0, "link returned more than the buffer");
    }
    s->stats.rx_bytes += *rlen;
    if (trace)
        se05x_trace_apdu(s->conn, c, clen, r, *rlen);
    if (*rlen < 2)
        return se05x_err_set(e, SE05X_E_PROTOCOL, 0, 0,
                             "response of %zu byte%s without a status word from %s", *rlen,
                             *rlen == 1 ? "" : "s", s->conn);
    return SE05X_OK;
}

/* ---------- Platform SCP03 ---------- */

/* SELECT (answer not parsed) then INITIALIZE UPDATE + EXTERNAL AUTHENTICATE.
 * Caller holds the lock (and the bus when the link is shared). */
static se05x_rc scp_open(se05x_session *s, bool do_select, struct se05x_error *e)
{
    uint8_t c[5 + SE05X_AID_LEN + 1], r[300], hc[8];
    size_t rl = 0;
    se05x_rc rc;
    if (do_select) {
        size_t n = 0;
        c[n++] = SE05X_CLA_ISO;
        c[n++] = SE05X_INS_SELECT;
        c[n++] = 0x04;
        c[n++] = 0x00;
        c[n++] = SE05X_AID_LEN;
        memcpy(c + n, SE05X_AID, SE05X_AID_LEN);
        n += SE05X_AID_LEN;
        c[n++] = 0x00;
        if ((rc = wire_exchange(s, c, n, r, sizeof r, &rl, e, true)) != SE05X_OK)
            return rc;
        if (be16(r + rl - 2) != SE05X_SW_OK)
            return se05x_err_set(e, se05x_rc_from_sw(be16(r + rl - 2)), be16(r + rl - 2), 0,
                                 "SELECT before SCP03 authentication failed (SW %04X)", be16(r + rl - 2));
    }
    if (RAND_bytes(hc, sizeof hc) != 1)
        return se05x_err_set(e, SE05X_E_CRYPTO, 0, 0, "no random host challenge (OpenSSL)");
    size_t n = se05x_scp03_init_update(s->scp, hc, c);
    if ((rc = wire_exchange(s, c, n, r, sizeof r, &rl, e, false)) != SE05X_OK)
        goto fail;
    if ((rc = se05x_scp03_auth(s->scp, r, rl, c, e)) != SE05X_OK)
        goto fail;
    if ((rc = wire_exchange(s, c, 21, r, sizeof r, &rl, e, false)) != SE05X_OK)
        goto fail;
    if ((rc = se05x_scp03_auth_done(s->scp, r, rl, e)) != SE05X_OK)
        goto fail;
    s->scp_gen = s->link->others_gen;
    se05x_log(SE05X_LOG_DEBUG, "scp03", "%s: Platform SCP03 channel open (KVN %02X, AES-%zu, level %02X)",
              s->conn, s->scp->keys.kvn, s->scp->keys.klen * 8, SE05X_SCP03_LEVEL);
    OPENSSL_cleanse(c, sizeof c);
    return SE05X_OK;
fail:
    OPENSSL_cleanse(c, sizeof c);
    se05x_scp03_drop(s->scp);
    return rc;
}

/* Takes the link for the caller's exchange when nobody holds it yet. */
static se05x_rc hold_link(se05x_session *s, bool *held, struct se05x_error *e)
{
    if (*held || s->txn_depth > 0 || !s->link->ops->begin)
        return SE05X_OK;
    se05x_rc rc = s->link->ops->begin(s->link, e);
    if (rc == SE05X_OK)
        *held = true;
    return rc;
}

/* One exchange through the SCP03 channel (caller holds the lock). Opens the
 * channel again when it is not open, when another client used a shared bus
 * since (the link's generation), or - on links that cannot tell - once when
 * the chip answers a wrapped command with a bare 6982 (it lost the channel,
 * e.g. another client SELECTed). A response that fails its integrity check
 * closes the channel for good: no result, every later command refused. */
static se05x_rc scp_exchange(se05x_session *s, const uint8_t *c, size_t clen, uint8_t *r, size_t rcap,
                             size_t *rlen, struct se05x_error *e)
{
    uint8_t w[WIRE_CBUF], raw[WIRE_RBUF];
    size_t wl = 0, rl = 0;
    bool held = false;
    se05x_rc rc = SE05X_OK;
    *rlen = 0;
    if (s->scp_dead)
        return se05x_err_set(e, SE05X_E_PROTOCOL, 0, 0,
                             "SCP03 channel closed after a response failed its integrity check; reopen the session");
    if (clen >= 1 && c[0] == SE05X_CLA_ISO) { /* SELECT: ends the channel on the chip */
        rc = wire_exchange(s, c, clen, r, rcap, rlen, e, true);
        se05x_scp03_drop(s->scp);
        return rc;
    }
    if (s->link->tracks_others && (rc = hold_link(s, &held, e)) != SE05X_OK)
        return rc;
    for (int attempt = 0;; attempt++) {
        if (!s->scp->active || (s->link->tracks_others && s->link->others_gen != s->scp_gen)) {
            if (s->scp->active)
                se05x_log(SE05X_LOG_DEBUG, "scp03", "%s: chip used by another client: re-authenticating", s->conn);
            if ((rc = hold_link(s, &held, e)) != SE05X_OK)
                goto out;
            if ((rc = scp_open(s, true, e)) != SE05X_OK)
                goto out;
        }
        if ((rc = se05x_scp03_wrap(s->scp, c, clen, w, sizeof w, &wl, e)) != SE05X_OK)
            goto out;
        rc = wire_exchange(s, w, wl, raw, sizeof raw, &rl, e, false);
        if (rc != SE05X_OK) { /* where the chip's counter stands is unknown */
            se05x_scp03_drop(s->scp);
            se05x_trace_apdu(s->conn, c, clen, NULL, 0);
            goto out;
        }
        if (rl == 2 && be16(raw) == SE05X_SW_SECURITY_STATUS) {
            se05x_scp03_drop(s->scp); /* the chip has no channel with us any more */
            if (attempt == 0 && !s->link->tracks_others) {
                se05x_log(SE05X_LOG_DEBUG, "scp03", "%s: SCP03 channel lost (6982): re-authenticating", s->conn);
                continue;
            }
        }
        break;
    }
    if ((rc = se05x_scp03_unwrap(s->scp, raw, &rl, e)) != SE05X_OK) {
        s->scp_dead = true;
        se05x_scp03_clear(s->scp);
        se05x_trace_apdu(s->conn, c, clen, NULL, 0);
        se05x_log(SE05X_LOG_ERROR, "scp03", "%s: %s; SCP03 channel closed", s->conn, e->msg);
        goto out;
    }
    se05x_trace_apdu(s->conn, c, clen, raw, rl);
    if (rl > rcap) {
        rc = se05x_err_set(e, SE05X_E_PROTOCOL, 0, 0, "response of %zu bytes exceeds the buffer", rl);
        goto out;
    }
    memcpy(r, raw, rl);
    *rlen = rl;
out:
    if (held)
        s->link->ops->end(s->link);
    OPENSSL_cleanse(w, sizeof w);
    OPENSSL_cleanse(raw, sizeof raw);
    return rc;
}

/* Below the applet session: through Platform SCP03 when the session has it. */
static se05x_rc link_exchange(se05x_session *s, const uint8_t *c, size_t clen, uint8_t *r, size_t rcap,
                              size_t *rlen, struct se05x_error *e)
{
    if (s->scp && s->link)
        return scp_exchange(s, c, clen, r, rcap, rlen, e);
    return wire_exchange(s, c, clen, r, rcap, rlen, e, true);
}

/* Inside the applet session: the command (wrapped by the AESKey channel once
 * it is open) goes into ProcessSessionCmd 80 05 00 00 | 10 08 id | 41 L cmd;
 * the answer is the inner R-APDU (unwrapped by the AESKey channel). */
static se05x_rc applet_exchange(se05x_session *s, const uint8_t *c, size_t clen, uint8_t *r, size_t rcap,
                                size_t *rlen, struct se05x_error *e)
{
    uint8_t in[WIRE_CBUF], out[WIRE_CBUF + 24], raw[WIRE_RBUF];
    const uint8_t *ip = c;
    size_t il = clen, o = 0, rl = 0;
    se05x_rc rc;
    bool wrapped = s->as_scp && s->as_scp->active;
    *rlen = 0;
    if (s->as_dead)
        return se05x_err_set(e, SE05X_E_PROTOCOL, 0, 0,
                             "applet session closed after a response failed its integrity check; call "
                             "se05x_auth_close");
    if (wrapped) {
        if ((rc = se05x_scp03_wrap(s->as_scp, c, clen, in, sizeof in, &il, e)) != SE05X_OK)
            return rc;
        ip = in;
    }
    size_t body = 10 + (il < 0x80 ? 2 : il < 0x100 ? 3 : 4) + il;
    if (body + 7 > sizeof out)
        return se05x_err_set(e, SE05X_E_BAD_ARG, 0, 0, "command too long for an applet session");
    out[o++] = SE05X_CLA;
    out[o++] = SE05X_INS_PROCESS;
    out[o++] = 0x00;
    out[o++] = 0x00;
    if (body < 0xFF) {
        out[o++] = (uint8_t)body;
    } else {
        out[o++] = 0;
        out[o++] = (uint8_t)(body >> 8);
        out[o++] = (uint8_t)body;
    }
    out[o++] = SE05X_TAG_SESSION_ID;
    out[o++] = 8;
    memcpy(out + o, s->as_sid, 8);
    o += 8;
    out[o++] = SE05X_TAG_1;
    if (il >= 0x100) {
        out[o++] = 0x82;
        out[o++] = (uint8_t)(il >> 8);
    } else if (il >= 0x80) {
        out[o++] = 0x81;
    }
    out[o++] = (uint8_t)il;
    memcpy(out + o, ip, il);
    o += il;
    rc = link_exchange(s, out, o, raw, sizeof raw, &rl, e);
    OPENSSL_cleanse(in, sizeof in);
    OPENSSL_cleanse(out, sizeof out);
    if (rc == SE05X_OK && wrapped && (rc = se05x_scp03_unwrap(s->as_scp, raw, &rl, e)) != SE05X_OK) {
        s->as_dead = true;
        se05x_log(SE05X_LOG_ERROR, "scp03", "%s: applet session: %s", s->conn, e->msg);
    } else if (rc != SE05X_OK && wrapped) {
        s->as_dead = true; /* the channel's counter is unknown now */
    }
    if (rc == SE05X_OK && rl > rcap)
        rc = se05x_err_set(e, SE05X_E_PROTOCOL, 0, 0, "response of %zu bytes exceeds the buffer", rl);
    if (rc == SE05X_OK) {
        memcpy(r, raw, rl);
        *rlen = rl;
    }
    OPENSSL_cleanse(raw, sizeof raw);
    return rc;
}

/* The exchange of every command. */
static se05x_rc exchange(se05x_session *s, const uint8_t *c, size_t clen, uint8_t *r, size_t rcap,
                         size_t *rlen, struct se05x_error *e)
{
    if (s->as_id && clen >= 4 && c[0] != SE05X_CLA_ISO)
        return applet_exchange(s, c, clen, r, rcap, rlen, e);
    return link_exchange(s, c, clen, r, rcap, rlen, e);
}

void se05x_session_applet_set(se05x_session *s, se05x_objid id, const uint8_t sid[8], struct se05x_scp03 *inner)
{
    pthread_mutex_lock(&s->lock);
    if (s->as_scp) {
        se05x_scp03_clear(s->as_scp);
        free(s->as_scp);
    }
    s->as_id = id;
    s->as_dead = false;
    s->as_scp = inner;
    if (sid)
        memcpy(s->as_sid, sid, 8);
    else
        OPENSSL_cleanse(s->as_sid, sizeof s->as_sid);
    pthread_mutex_unlock(&s->lock);
}

se05x_objid se05x_auth_id(const se05x_session *s)
{
    return s ? s->as_id : 0;
}

bool se05x_session_applet_dead(const se05x_session *s)
{
    return s && s->as_dead;
}

se05x_rc se05x_session_scp03_start(se05x_session *s, const struct se05x_scp03_keys *k,
                                   struct se05x_error *err)
{
    if (!s || !k || !s->link || (k->klen != 16 && k->klen != 32))
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "SCP03: bad arguments");
    struct se05x_scp03 *st = calloc(1, sizeof *st);
    if (!st)
        return se05x_err_set(err, SE05X_E_NOMEM, 0, 0, "out of memory");
    st->keys = *k;
    /* applet >= 4.3 (7.x): the counter moves with every command (docs/protocol/scp03.md §5) */
    st->count_all = s->applet.major > 4 || (s->applet.major == 4 && s->applet.minor >= 3);
    struct se05x_error e = {0};
    bool held = false;
    pthread_mutex_lock(&s->lock);
    s->scp = st;
    s->scp_dead = false;
    se05x_rc rc = hold_link(s, &held, &e);
    if (rc == SE05X_OK)
        rc = scp_open(s, false, &e);
    if (held)
        s->link->ops->end(s->link);
    if (rc != SE05X_OK) {
        s->scp = NULL;
        se05x_scp03_clear(st);
        free(st);
    }
    pthread_mutex_unlock(&s->lock);
    if (rc != SE05X_OK)
        return se05x_err_set(err, rc, e.sw, 0, "%s: %.200s", s->conn, e.msg);
    return SE05X_OK;
}

bool se05x_session_scp03_keys(se05x_session *s, struct se05x_scp03_keys *out)
{
    bool ok = false;
    pthread_mutex_lock(&s->lock);
    if (s->scp && !s->scp_dead) {
        *out = s->scp->keys;
        ok = true;
    }
    pthread_mutex_unlock(&s->lock);
    return ok;
}

void se05x_session_scp03_set_keys(se05x_session *s, const struct se05x_scp03_keys *k)
{
    pthread_mutex_lock(&s->lock);
    if (s->scp)
        s->scp->keys = *k;
    pthread_mutex_unlock(&s->lock);
}

const char *se05x_link_mode(const se05x_session *s)
{
    return s && s->scp ? "platform-scp03" : "plain";
}

size_t se05x_server_info(se05x_session *s, char *buf, size_t cap)
{
    if (buf && cap)
        buf[0] = '\0';
    if (!s || !buf || cap == 0)
        return 0;
    size_t n = 0;
    pthread_mutex_lock(&s->lock);
    if (s->link && s->link->ops->server_info)
        n = s->link->ops->server_info(s->link, buf, cap);
    pthread_mutex_unlock(&s->lock);
    return n;
}

se05x_rc se05x_scp03_keyfile_check(const char *path, struct se05x_error *err)
{
    struct se05x_scp03_keys k = {0};
    se05x_rc rc = se05x_scp03_keys_load(path, &k, err);
    se05x_scp03_keys_clear(&k);
    return rc;
}

se05x_rc se05x_transceive(se05x_session *s, const uint8_t *capdu, size_t clen, uint8_t *rapdu,
                          size_t rcap, size_t *rlen)
{
    if (rlen)
        *rlen = 0;
    if (!s || !capdu || clen < 4 || clen > 0xFFFF + 9 || !rapdu || !rlen)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, 0, "transceive: bad arguments");
    struct se05x_error e = {0};
    if (changes_keys(capdu[1], capdu[3]))
        se05x_pubcache_drop(s, 0); /* raw APDU: object id not parsed */
    pthread_mutex_lock(&s->lock);
    se05x_rc rc = exchange(s, capdu, clen, rapdu, rcap, rlen, &e);
    pthread_mutex_unlock(&s->lock);
    if (rc != SE05X_OK)
        return se05x_fail(s, rc, 0, 0, "APDU exchange on %s: %s", s->conn, e.msg);
    return SE05X_OK;
}

/* Where the object reference of an error message goes. */
static void obj_ref(char *buf, size_t cap, se05x_objid id)
{
    if (id)
        snprintf(buf, cap, " of object 0x%08X", id);
    else
        buf[0] = '\0';
}

/* CheckObjectExists issued by the core itself (error path only).
 * 1 exists, 0 absent, -1 unknown. Caller holds the lock. */
static int object_exists(se05x_session *s, se05x_objid id)
{
    uint8_t c[11] = {SE05X_CLA, SE05X_INS_MGMT, SE05X_P1_DEFAULT, SE05X_P2_EXIST, 6, SE05X_TAG_1, 4};
    uint8_t r[16];
    size_t rl;
    struct se05x_error e = {0};
    put_be32(c + 7, id);
    if (exchange(s, c, sizeof c, r, sizeof r, &rl, &e) != SE05X_OK)
        return -1;
    if (be16(r + rl - 2) != SE05X_SW_OK)
        return -1;
    uint8_t v;
    struct tlv_r t;
    tlv_r_init(&t, r, rl - 2);
    if (!tlv_get_u8(&t, SE05X_TAG_1, &v))
        return -1;
    return v == SE05X_EXISTS_YES ? 1 : v == SE05X_EXISTS_NO ? 0 : -1;
}

/* Should a failing SW of this command be checked against object absence?
 * Not for creation (WRITE: the object may legitimately not exist yet) nor
 * for CheckObjectExists itself. */
static bool refine_not_found(const struct se05x_apdu *a, se05x_objid id, uint16_t sw)
{
    if (!id || (a->ins & SE05X_INS_MASK) == SE05X_INS_WRITE)
        return false;
    if ((a->ins & SE05X_INS_MASK) == SE05X_INS_MGMT && a->p2 == SE05X_P2_EXIST)
        return false;
    return sw == SE05X_SW_WRONG_DATA || sw == SE05X_SW_FILE_NOT_FOUND || sw == SE05X_SW_CONDITIONS;
}

static se05x_rc do_cmd(se05x_session *s, const char *what, se05x_objid id, const struct se05x_apdu *a,
                       uint8_t *rdata, size_t rcap, size_t *rlen, uint16_t *swout)
{
    uint8_t cbuf[CAPDU_BUF];
    uint8_t rbuf[RAPDU_BUF];
    char oref[32];
    struct se05x_error e = {0};
    size_t rl = 0;
    se05x_rc rc;

    if (rlen)
        *rlen = 0;
    if (swout)
        *swout = 0;
    if (!what)
        what = "command";
    if (!s || !a)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s: bad arguments", what);
    obj_ref(oref, sizeof oref, id);
    if (a->len > SE05X_CMD_MAX)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s%s: %zu bytes of command data exceed %d",
                          what, oref, a->len, SE05X_CMD_MAX);
    size_t clen = se05x_apdu_encode(a, cbuf, sizeof cbuf);
    if (clen == 0)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s%s: cannot encode the APDU", what, oref);
    if (changes_keys(a->ins, a->p2))
        se05x_pubcache_drop(s, a->p2 == SE05X_P2_DELETE_ALL ? 0 : id);

    pthread_mutex_lock(&s->lock);
    rc = exchange(s, cbuf, clen, rbuf, sizeof rbuf, &rl, &e);
    OPENSSL_cleanse(cbuf, clen);
    if (rc != SE05X_OK) {
        pthread_mutex_unlock(&s->lock);
        OPENSSL_cleanse(rbuf, sizeof rbuf);
        return se05x_fail(s, rc, 0, id, "%s%s on %s: %s", what, oref, s->conn, e.msg);
    }
    uint16_t sw = be16(rbuf + rl - 2);
    size_t dlen = rl - 2;
    int exists = 1;
    if (!swout && sw != SE05X_SW_OK && refine_not_found(a, id, sw))
        exists = object_exists(s, id);
    pthread_mutex_unlock(&s->lock);

    if (swout)
        *swout = sw;
    if (sw != SE05X_SW_OK && !swout) {
        OPENSSL_cleanse(rbuf, sizeof rbuf);
        if (exists == 0) {
            se05x_pubcache_drop(s, id); /* gone (another client deleted it): forget what it was */
            return se05x_fail(s, SE05X_E_NOT_FOUND, sw, id, "object 0x%08X not found on %s (%s, SW %04X)",
                              id, s->conn, what, sw);
        }
        if (sw == SE05X_SW_SECURITY_STATUS && !s->scp) {
            /* every front end formats its own message: say it once in the log too */
            if (!s->scp_hint)
                se05x_log(SE05X_LOG_ERROR, "lib",
                          "%s refused a command with SW 6982 on a plain link: the chip may require Platform "
                          "SCP03; configure its keys with EX_SSS_BOOT_SCP03_PATH=KEYFILE or 'scp03_keys = "
                          "KEYFILE' in %s", s->conn, se05x_conf_path());
            s->scp_hint = true;
            return se05x_fail(s, se05x_rc_from_sw(sw), sw, id,
                              "%s%s on %s: %s (SW %04X); the chip may require Platform SCP03: set "
                              "EX_SSS_BOOT_SCP03_PATH=KEYFILE or 'scp03_keys = KEYFILE' in %s",
                              what, oref, s->conn, se05x_sw_text(sw), sw, se05x_conf_path());
        }
        return se05x_fail(s, se05x_rc_from_sw(sw), sw, id, "%s%s on %s: %s (SW %04X)", what, oref,
                          s->conn, se05x_sw_text(sw), sw);
    }
    if (dlen > 0 && rdata) {
        if (dlen > rcap) {
            OPENSSL_cleanse(rbuf, sizeof rbuf);
            return se05x_fail(s, SE05X_E_PROTOCOL, sw, id,
                              "%s%s on %s: response of %zu bytes exceeds the expected %zu", what, oref,
                              s->conn, dlen, rcap);
        }
        memcpy(rdata, rbuf, dlen);
    }
    if (rlen)
        *rlen = rdata ? dlen : 0;
    OPENSSL_cleanse(rbuf, sizeof rbuf);
    return SE05X_OK;
}

se05x_rc se05x_cmd(se05x_session *s, const char *what, se05x_objid id, const struct se05x_apdu *a,
                   uint8_t *rdata, size_t rcap, size_t *rlen)
{
    return do_cmd(s, what, id, a, rdata, rcap, rlen, NULL);
}

se05x_rc se05x_cmd_sw(se05x_session *s, const char *what, se05x_objid id,
                      const struct se05x_apdu *a, uint8_t *rdata, size_t rcap, size_t *rlen,
                      uint16_t *sw)
{
    uint16_t dummy;
    return do_cmd(s, what, id, a, rdata, rcap, rlen, sw ? sw : &dummy);
}

/* ---------- open / close ---------- */

/* SELECT the IoT applet and parse its answer (docs/protocol/apdu.md §1.2). */
static se05x_rc select_applet(se05x_session *s, struct se05x_error *err)
{
    uint8_t c[5 + SE05X_AID_LEN + 1] = {SE05X_CLA_ISO, SE05X_INS_SELECT, 0x04, 0x00, SE05X_AID_LEN};
    uint8_t r[258]; /* short Le 00: up to 256 data bytes + SW */
    size_t rl = 0;
    struct se05x_error e = {0};
    memcpy(c + 5, SE05X_AID, SE05X_AID_LEN);
    c[sizeof c - 1] = 0x00; /* Le */

    pthread_mutex_lock(&s->lock);
    se05x_rc rc = exchange(s, c, sizeof c, r, sizeof r, &rl, &e);
    pthread_mutex_unlock(&s->lock);
    if (rc != SE05X_OK)
        return se05x_err_set(err, rc, 0, 0, "SELECT of the SE05x applet on %s: %s", s->conn, e.msg);
    uint16_t sw = be16(r + rl - 2);
    size_t n = rl - 2;
    if (sw == SE05X_SW_FILE_NOT_FOUND)
        return se05x_err_set(err, SE05X_E_UNSUPPORTED, sw, 0,
                             "SE05x applet not installed on %s (SELECT answered 6A82)", s->conn);
    if (sw != SE05X_SW_OK)
        return se05x_err_set(err, se05x_rc_from_sw(sw), sw, 0,
                             "SELECT of the SE05x applet on %s failed: %s (SW %04X)", s->conn,
                             se05x_sw_text(sw), sw);
    /* 7 bytes normally; 4 or 5 from very old applets; tolerate trailing bytes. */
    if (n != 4 && n != 5 && n < SE05X_SELECT_RSP_LEN)
        return se05x_err_set(err, SE05X_E_PROTOCOL, sw, 0,
                             "unexpected SELECT answer of %zu bytes from %s", n, s->conn);
    struct se05x_applet_info ai = {0};
    ai.major = r[0];
    ai.minor = r[1];
    ai.patch = r[2];
    if (n >= 5)
        ai.config = be16(r + 3);
    if (n >= 7) {
        ai.sb_major = r[5];
        ai.sb_minor = r[6];
    }
    if (ai.major < 3)
        return se05x_err_set(err, SE05X_E_UNSUPPORTED, 0, 0,
                             "applet %u.%u.%u on %s too old (need 3.x or newer)", ai.major,
                             ai.minor, ai.patch, s->conn);
    s->applet = ai;
    se05x_log(SE05X_LOG_INFO, "lib", "%s: applet %u.%u.%u, config %04X, SecureBox %u.%u", s->conn,
              ai.major, ai.minor, ai.patch, ai.config, ai.sb_major, ai.sb_minor);
    return SE05X_OK;
}

static void session_free(se05x_session *s)
{
    if (!s)
        return;
    if (s->link)
        s->link->ops->close(s->link);
    for (unsigned i = 0; i < SE05X_PUBCACHE_SLOTS; i++)
        EVP_PKEY_free(s->pubs[i].pk);
    if (s->scp) {
        se05x_scp03_clear(s->scp);
        free(s->scp);
    }
    if (s->as_scp) {
        se05x_scp03_clear(s->as_scp);
        free(s->as_scp);
    }
    pthread_mutex_destroy(&s->lock);
    se05x_err_forget(s);
    OPENSSL_cleanse(s, sizeof *s);
    free(s);
}

se05x_rc se05x_session_from_link(struct se05x_link *l, const char *conn_label, bool do_select,
                                 se05x_session **out, struct se05x_error *err)
{
    if (!out) {
        if (l)
            l->ops->close(l);
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "no output session");
    }
    *out = NULL;
    if (!l || !l->ops || !l->ops->transceive || !l->ops->close)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "no link");
    se05x_session *s = calloc(1, sizeof *s);
    if (!s) {
        l->ops->close(l);
        return se05x_err_set(err, SE05X_E_NOMEM, 0, 0, "out of memory");
    }
    pthread_mutexattr_t at;
    pthread_mutexattr_init(&at);
    pthread_mutexattr_settype(&at, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&s->lock, &at);
    pthread_mutexattr_destroy(&at);
    s->uid = se05x_session_new_uid(s);
    s->link = l;
    snprintf(s->conn, sizeof s->conn, "%s", conn_label ? conn_label : "(link)");
    if (do_select) {
        struct se05x_error e = {0};
        se05x_rc rc = select_applet(s, &e);
        if (rc != SE05X_OK) {
            if (err)
                *err = e;
            session_free(s);
            return rc;
        }
    }
    *out = s;
    return SE05X_OK;
}

se05x_rc se05x_open_with(se05x_conf *conf, const char *conn, const struct se05x_open_opts *opts,
                         se05x_session **out, struct se05x_error *err)
{
    char buf[CONN_LABEL_MAX];
    struct se05x_conn_spec spec;
    struct se05x_link *l = NULL;
    struct se05x_error local = {0};
    if (!err)
        err = &local;
    if (!out)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "se05x_open: no output session");
    *out = NULL;
    if (!conf)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "se05x_open_with: no configuration reading");
    se05x_rc rc = se05x_conn_resolve_conf(conn, buf, sizeof buf, conf, NULL, err);
    if (rc != SE05X_OK)
        return rc;
    rc = se05x_conn_parse(buf, &spec, err);
    if (rc != SE05X_OK)
        return rc;
    struct se05x_scp03_keys k;
    if ((rc = se05x_auth_policy_conf(opts, &k, conf, err)) != SE05X_OK) {
        se05x_scp03_keys_clear(&k);
        return rc;
    }
    int timeout = opts && opts->timeout_ms > 0 ? opts->timeout_ms : 0;
    rc = se05x_link_open(&spec, timeout, &l, err);
    if (rc == SE05X_OK)
        rc = se05x_session_from_link(l, buf, !(opts && opts->no_select), out, err);
    if (rc == SE05X_OK && k.klen) {
        rc = se05x_session_scp03_start(*out, &k, err);
        if (rc != SE05X_OK) {
            se05x_close(*out);
            *out = NULL;
        }
    }
    se05x_scp03_keys_clear(&k);
    if (rc == SE05X_OK)
        se05x_log(SE05X_LOG_DEBUG, "lib", "session open on %s (%s, %s)", buf, l->ops->name,
                  se05x_link_mode(*out));
    return rc;
}

se05x_rc se05x_open(const char *conn, const struct se05x_open_opts *opts, se05x_session **out,
                    struct se05x_error *err)
{
    struct se05x_conf conf; /* the configuration file, read at most once here */
    se05x_conf_init(&conf);
    se05x_rc rc = se05x_open_with(&conf, conn, opts, out, err);
    OPENSSL_cleanse(&conf, sizeof conf); /* as se05x_conf_free does for a caller's reading */
    return rc;
}

void se05x_close(se05x_session *s)
{
    session_free(s);
}
