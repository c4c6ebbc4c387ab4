/* SPDX-License-Identifier: Apache-2.0 */
/* Sessions: open/close, SELECT and applet version, the exchange path shared
 * by every command (encode, lock, exchange, trace, count, map the SW, record
 * the error), transactions and the per-session curve cache. All state lives
 * in struct se05x_session; there is no global mutable state. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "session_priv.h"
#include "se05x_proto.h"
#include "tlv.h"

#define CONN_LABEL_MAX 300
#define RAPDU_BUF (SE05X_RSP_MAX + 2)
#define CAPDU_BUF (SE05X_CMD_MAX + 9)

struct se05x_session {
    struct se05x_link *link;
    char conn[CONN_LABEL_MAX];
    struct se05x_applet_info applet;
    /* Serialises exchanges; recursive so a transaction can contain commands. */
    pthread_mutex_t lock;
    unsigned txn_depth;
    uint64_t curves[2];         /* bit c: curve id c known present (ids < 128) */
    struct se05x_stats stats;   /* apdus, tx/rx bytes; link counters copied on read */
    /* Last error, under its own lock so readers never wait for a long exchange. */
    pthread_mutex_t err_lock;
    struct se05x_error last;
};

/* ---------- errors ---------- */

static void set_last(se05x_session *s, const struct se05x_error *e)
{
    pthread_mutex_lock(&s->err_lock);
    s->last = *e;
    pthread_mutex_unlock(&s->err_lock);
    se05x_log(SE05X_LOG_DEBUG, "lib", "%s", e->msg);
}

se05x_rc se05x_fail(se05x_session *s, se05x_rc rc, uint16_t sw, se05x_objid id, const char *fmt, ...)
{
    struct se05x_error e;
    va_list ap;
    va_start(ap, fmt);
    se05x_err_vset(&e, rc, sw, id, fmt, ap);
    va_end(ap);
    if (s)
        set_last(s, &e);
    else
        se05x_log(SE05X_LOG_DEBUG, "lib", "%s", e.msg);
    return rc;
}

void se05x_last_error(const se05x_session *s, struct se05x_error *out)
{
    if (!out)
        return;
    if (!s) {
        memset(out, 0, sizeof *out);
        out->rc = SE05X_E_BAD_ARG;
        snprintf(out->msg, sizeof out->msg, "no session");
        return;
    }
    se05x_session *m = (se05x_session *)s; /* the lock is not part of the value */
    pthread_mutex_lock(&m->err_lock);
    *out = m->last;
    pthread_mutex_unlock(&m->err_lock);
}

const char *se05x_errmsg(const se05x_session *s)
{
    /* Points into the session: valid until its next failure or close. */
    return s ? s->last.msg : "no session";
}

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

/* ---------- curve cache ---------- */

bool se05x_curve_cached(se05x_session *s, se05x_curve c)
{
    if (!s || (unsigned)c >= 128)
        return false;
    pthread_mutex_lock(&s->lock);
    bool r = (s->curves[(unsigned)c / 64] >> ((unsigned)c % 64)) & 1;
    pthread_mutex_unlock(&s->lock);
    return r;
}

void se05x_curve_cache_set(se05x_session *s, se05x_curve c, bool present)
{
    if (!s || (unsigned)c >= 128)
        return;
    uint64_t bit = (uint64_t)1 << ((unsigned)c % 64);
    pthread_mutex_lock(&s->lock);
    if (present)
        s->curves[(unsigned)c / 64] |= bit;
    else
        s->curves[(unsigned)c / 64] &= ~bit;
    pthread_mutex_unlock(&s->lock);
}

/* ---------- exchange ---------- */

/* One exchange under the lock (caller holds it): trace, count, length check. */
static se05x_rc exchange(se05x_session *s, const uint8_t *c, size_t clen, uint8_t *r, size_t rcap,
                         size_t *rlen, struct se05x_error *e)
{
    *rlen = 0;
    if (!s->link)
        return se05x_err_set(e, SE05X_E_LINK, 0, 0, "session to %s has no link", s->conn);
    se05x_rc rc = s->link->ops->transceive(s->link, c, clen, r, rcap, rlen, e);
    s->stats.apdus++;
    s->stats.tx_bytes += clen;
    if (rc != SE05X_OK) {
        *rlen = 0;
        se05x_trace_apdu(s->conn, c, clen, NULL, 0);
        return rc;
    }
    if (*rlen > rcap) { /* a link must never do this; do not trust it either */
        *rlen = 0;
        return se05x_err_set(e, SE05X_E_INTERNAL, 0, 0, "link returned more than the buffer");
    }
    s->stats.rx_bytes += *rlen;
    se05x_trace_apdu(s->conn, c, clen, r, *rlen);
    if (*rlen < 2)
        return se05x_err_set(e, SE05X_E_PROTOCOL, 0, 0,
                             "response of %zu byte%s without a status word from %s", *rlen,
                             *rlen == 1 ? "" : "s", s->conn);
    return SE05X_OK;
}

se05x_rc se05x_transceive(se05x_session *s, const uint8_t *capdu, size_t clen, uint8_t *rapdu,
                          size_t rcap, size_t *rlen)
{
    if (rlen)
        *rlen = 0;
    if (!s || !capdu || clen < 4 || clen > 0xFFFF + 9 || !rapdu || !rlen)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, 0, "transceive: bad arguments");
    struct se05x_error e = {0};
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
        if (exists == 0)
            return se05x_fail(s, SE05X_E_NOT_FOUND, sw, id, "object 0x%08X not found on %s (%s, SW %04X)",
                              id, s->conn, what, sw);
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
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->err_lock);
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
    pthread_mutex_init(&s->err_lock, NULL);
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

se05x_rc se05x_open(const char *conn, const struct se05x_open_opts *opts, se05x_session **out,
                    struct se05x_error *err)
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
    se05x_conn_resolve(conn, buf, sizeof buf);
    se05x_rc rc = se05x_conn_parse(buf, &spec, err);
    if (rc != SE05X_OK)
        return rc;
    int timeout = opts && opts->timeout_ms > 0 ? opts->timeout_ms : 0;
    rc = se05x_link_open(&spec, timeout, &l, err);
    if (rc != SE05X_OK)
        return rc;
    rc = se05x_session_from_link(l, buf, !(opts && opts->no_select), out, err);
    if (rc == SE05X_OK)
        se05x_log(SE05X_LOG_DEBUG, "lib", "session open on %s (%s)", buf, l->ops->name);
    return rc;
}

void se05x_close(se05x_session *s)
{
    session_free(s);
}
