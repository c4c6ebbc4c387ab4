/* SPDX-License-Identifier: Apache-2.0 */
/* JRCP v1 client (docs/protocol/transports.md §1): MTY NAD LEN_HI LEN_LO payload.
 * Open = connect + WAIT_FOR_CARD (answer = ATR); each APDU = one APDU_DATA
 * request and one APDU_DATA reply; close = ERROR_MSG "03 00 00 00".
 * The server is not trusted: the reply type, its length against our buffer
 * and short reads are all checked. After a framing error or a timeout the
 * stream position is unknown, so the link refuses further use.
 * System calls per APDU (docs/daemon.md "Performance"): one send (header and
 * C-APDU together), one poll for the answer and, usually, one recv: header
 * and R-APDU are read together into rbuf. Bytes a server sends beyond the
 * message stay in rbuf for the next read, as they would in the socket. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal.h"
#include "se05x_proto.h"
#include "sock.h"

#define JRCP_DEFAULT_TIMEOUT_MS 60000  /* RSA-4096 keygen on an emulator under ASan is slow */
#define JRCP_OPEN_TIMEOUT_MS 10000     /* WAIT_FOR_CARD: a JRCP server answers at once */
#define JRCP_CONNECT_TIMEOUT_MS 5000
#define JRCP_CLOSE_TIMEOUT_MS 1000

struct jrcp_link {
    struct se05x_link base;
    int fd;
    int timeout_ms;
    int broken;      /* stream out of sync: no further exchange */
    int no_lock;     /* server does not do LOCK/UNLOCK (or disabled by SE05X_JRCP_LOCK=0) */
    int locked;      /* we hold the server's LOCK */
    char ep[300];    /* "127.0.0.1:8050" for messages */
    uint8_t *buf;    /* header + C-APDU, sent in one write */
    uint8_t *rbuf;   /* received bytes: the message being read, then what followed it */
    size_t rlen;     /* bytes in rbuf */
};

#define RBUF_LEN (JRCP_HDR_LEN + 0xFFFF)

static struct jrcp_link *J(struct se05x_link *l) { return (struct jrcp_link *)l; }

/* Prefixes the socket-level message with what we were doing and where. */
static se05x_rc prefix_err(struct se05x_error *err, se05x_rc rc, const char *what, const char *ep)
{
    char inner[SE05X_ERRMSG_MAX];
    if (!err)
        return rc;
    memcpy(inner, err->msg, sizeof inner);
    inner[sizeof inner - 1] = '\0';
    return se05x_err_set(err, rc, 0, 0, "JRCP %s %s: %.200s", what, ep, inner);
}

static const char *mty_name(uint8_t m)
{
    switch (m) {
    case JRCP_MTY_WAIT_FOR_CARD: return "WAIT_FOR_CARD";
    case JRCP_MTY_APDU_DATA: return "APDU_DATA";
    case JRCP_MTY_STATUS: return "STATUS";
    case JRCP_MTY_ERROR_MSG: return "ERROR_MSG";
    case JRCP_MTY_TERMINAL_INFO: return "TERMINAL_INFO";
    case JRCP_MTY_INIT_DATA: return "INIT_DATA";
    case JRCP_MTY_INFO_TEXT: return "INFO_TEXT";
    case JRCP_MTY_DEBUG_INFO: return "DEBUG_INFO";
    case JRCP_MTY_LOCK: return "LOCK";
    case JRCP_MTY_UNLOCK: return "UNLOCK";
    case 0xA5: return "JRCP v2 frame";
    default: return "unknown";
    }
}

/* Sends one message (header + payload) in a single write. */
static se05x_rc send_msg(struct jrcp_link *j, uint8_t mty, const uint8_t *p, size_t n,
                         struct se05x_error *err)
{
    if (n > 0xFFFF)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "JRCP: message of %zu bytes too long", n);
    j->buf[0] = mty;
    j->buf[1] = 0; /* NAD */
    j->buf[2] = (uint8_t)(n >> 8);
    j->buf[3] = (uint8_t)n;
    if (n)
        memcpy(j->buf + JRCP_HDR_LEN, p, n);
    se05x_rc rc = se05x_sock_write_all(j->fd, j->buf, JRCP_HDR_LEN + n, j->timeout_ms, err);
    OPENSSL_cleanse(j->buf + JRCP_HDR_LEN, n); /* may hold key material */
    if (rc != SE05X_OK) {
        j->broken = 1;
        return prefix_err(err, rc, "send to", j->ep);
    }
    j->base.wire_tx += JRCP_HDR_LEN + n;
    return SE05X_OK;
}

/* Makes sure rbuf holds at least n bytes (n <= RBUF_LEN): one recv takes
 * whatever is there, up to a whole message. Messages count from byte `from`
 * (the header: 0, the payload: JRCP_HDR_LEN). timeout_ms bounds the wait;
 * poll_first for the start of an answer (see se05x_sock_read_min). */
static se05x_rc fill(struct jrcp_link *j, size_t from, size_t n, int timeout_ms, bool poll_first,
                     struct se05x_error *err)
{
    if (j->rlen >= n)
        return SE05X_OK;
    size_t got = j->rlen - from; /* from <= rlen: the header is there before the payload is read */
    se05x_rc rc = se05x_sock_read_min(j->fd, j->rbuf + from, n - from, RBUF_LEN - from, &got, timeout_ms,
                                      poll_first, err);
    j->rlen = from + got;
    return rc;
}

/* The message of n bytes at the start of rbuf is done with: what followed
 * it moves up, its bytes (R-APDUs may hold key material) are wiped. */
static void consume(struct jrcp_link *j, size_t n)
{
    if (n > j->rlen)
        n = j->rlen;
    size_t rest = j->rlen - n;
    if (rest)
        memmove(j->rbuf, j->rbuf + n, rest);
    OPENSSL_cleanse(j->rbuf + rest, n);
    j->rlen = rest;
}

/* Receives one reply of type `want` into out (cap bytes); *n = payload length. */
static se05x_rc recv_msg(struct jrcp_link *j, uint8_t want, uint8_t *out, size_t cap, size_t *n,
                         struct se05x_error *err)
{
    se05x_rc rc = fill(j, 0, JRCP_HDR_LEN, j->timeout_ms, true, err);
    if (rc != SE05X_OK) {
        j->broken = 1;
        return prefix_err(err, rc, "receive from", j->ep);
    }
    const uint8_t *h = j->rbuf;
    size_t len = ((size_t)h[2] << 8) | h[3];
    if (h[0] != want) {
        j->broken = 1;
        if (h[0] == JRCP_MTY_ERROR_MSG && len > 0 && len <= 200) {
            /* the server explains itself: quote its (bounded) text */
            char text[201];
            if (fill(j, JRCP_HDR_LEN, JRCP_HDR_LEN + len, 1000, false, NULL) == SE05X_OK) {
                memcpy(text, j->rbuf + JRCP_HDR_LEN, len);
                text[len] = '\0';
                for (size_t i = 0; i < len; i++)
                    if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] > 0x7E)
                        text[i] = '?';
                return se05x_err_set(err, SE05X_E_PROTOCOL, 0, 0,
                                     "JRCP server %s reported an error: %s", j->ep, text);
            }
        }
        return se05x_err_set(err, SE05X_E_PROTOCOL, 0, 0,
                             "JRCP server %s answered message type 0x%02X (%s) instead of 0x%02X (%s)",
                             j->ep, h[0], mty_name(h[0]), want, mty_name(want));
    }
    if (len > cap) {
        j->broken = 1;
        return se05x_err_set(err, SE05X_E_PROTOCOL, 0, 0,
                             "JRCP server %s announced %zu bytes, more than the %zu expected", j->ep,
                             len, cap);
    }
    rc = fill(j, JRCP_HDR_LEN, JRCP_HDR_LEN + len, j->timeout_ms, false, err);
    if (rc != SE05X_OK) {
        j->broken = 1;
        return prefix_err(err, rc, "receive from", j->ep);
    }
    if (len)
        memcpy(out, j->rbuf + JRCP_HDR_LEN, len);
    consume(j, JRCP_HDR_LEN + len);
    j->base.wire_rx += JRCP_HDR_LEN + len;
    *n = len;
    return SE05X_OK;
}

static se05x_rc jrcp_transceive(struct se05x_link *l, const uint8_t *capdu, size_t clen,
                                uint8_t *rapdu, size_t rcap, size_t *rlen, struct se05x_error *err)
{
    struct jrcp_link *j = J(l);
    if (j->broken)
        return se05x_err_set(err, SE05X_E_LINK, 0, 0,
                             "JRCP link to %s unusable after an earlier error; reopen the session", j->ep);
    if (!capdu || clen < 4 || clen > 0xFFFF)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "JRCP: bad C-APDU length %zu", clen);
    se05x_rc rc = send_msg(j, JRCP_MTY_APDU_DATA, capdu, clen, err);
    if (rc != SE05X_OK)
        return rc;
    return recv_msg(j, JRCP_MTY_APDU_DATA, rapdu, rcap, rlen, err);
}

/* LOCK / UNLOCK (docs/protocol/transports.md §1.2, access manager and our emulator): a
 * multi-APDU transaction holds other clients of the same server off, the
 * way the T=1 link holds the I2C bus lock. A server answering with another
 * message type does not support it: locking is then switched off for this
 * link (the transaction still runs, only without cross-client exclusion). */
static se05x_rc lock_msg(struct jrcp_link *j, uint8_t mty, struct se05x_error *err)
{
    se05x_rc rc = send_msg(j, mty, NULL, 0, err);
    if (rc != SE05X_OK)
        return rc;
    rc = fill(j, 0, JRCP_HDR_LEN, j->timeout_ms, true, err);
    if (rc != SE05X_OK) {
        j->broken = 1;
        return prefix_err(err, rc, "receive from", j->ep);
    }
    uint8_t type = j->rbuf[0];
    size_t len = ((size_t)j->rbuf[2] << 8) | j->rbuf[3];
    if (len > 256) {
        j->broken = 1;
        return se05x_err_set(err, SE05X_E_PROTOCOL, 0, 0,
                             "JRCP server %s answered %s with %zu bytes", j->ep, mty_name(mty), len);
    }
    rc = fill(j, JRCP_HDR_LEN, JRCP_HDR_LEN + len, j->timeout_ms, false, err);
    if (rc != SE05X_OK) {
        j->broken = 1;
        return prefix_err(err, rc, "receive from", j->ep);
    }
    consume(j, JRCP_HDR_LEN + len);
    j->base.wire_rx += JRCP_HDR_LEN + len;
    if (type != mty) {
        j->no_lock = 1;
        se05x_log(SE05X_LOG_DEBUG, "jrcp", "%s: no LOCK support (answer type 0x%02X); transactions unlocked",
                  j->ep, type);
    }
    return SE05X_OK;
}

static se05x_rc jrcp_begin(struct se05x_link *l, struct se05x_error *err)
{
    struct jrcp_link *j = J(l);
    if (j->broken)
        return se05x_err_set(err, SE05X_E_LINK, 0, 0,
                             "JRCP link to %s unusable after an earlier error; reopen the session", j->ep);
    if (j->no_lock || j->locked)
        return SE05X_OK;
    se05x_rc rc = lock_msg(j, JRCP_MTY_LOCK, err);
    if (rc == SE05X_OK && !j->no_lock)
        j->locked = 1;
    return rc;
}

static void jrcp_end(struct se05x_link *l)
{
    struct jrcp_link *j = J(l);
    if (!j->locked || j->broken)
        return;
    j->locked = 0;
    struct se05x_error e = {0};
    if (lock_msg(j, JRCP_MTY_UNLOCK, &e) != SE05X_OK)
        se05x_log(SE05X_LOG_WARN, "jrcp", "UNLOCK: %s", e.msg);
}

static void jrcp_close(struct se05x_link *l)
{
    struct jrcp_link *j = J(l);
    if (!j)
        return;
    if (j->fd >= 0 && !j->broken) {
        static const uint8_t bye[JRCP_HDR_LEN] = {JRCP_MTY_ERROR_MSG, 0, 0, 0};
        se05x_sock_write_all(j->fd, bye, sizeof bye, JRCP_CLOSE_TIMEOUT_MS, NULL);
    }
    se05x_sock_close(j->fd);
    if (j->buf)
        OPENSSL_clear_free(j->buf, JRCP_HDR_LEN + 0xFFFF);
    if (j->rbuf)
        OPENSSL_clear_free(j->rbuf, RBUF_LEN);
    OPENSSL_cleanse(j, sizeof *j);
    free(j);
}

/* TERMINAL_INFO (docs/protocol/transports.md §1.2): se05xd answers with one
 * line of text (docs/daemon.md); other servers answer empty. */
static size_t jrcp_server_info(struct se05x_link *l, char *buf, size_t cap)
{
    struct jrcp_link *j = J(l);
    uint8_t text[256];
    size_t n = 0;
    if (!buf || cap == 0)
        return 0;
    buf[0] = '\0';
    if (j->broken || send_msg(j, JRCP_MTY_TERMINAL_INFO, NULL, 0, NULL) != SE05X_OK)
        return 0;
    if (recv_msg(j, JRCP_MTY_TERMINAL_INFO, text, sizeof text, &n, NULL) != SE05X_OK)
        return 0;
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        if (text[i] == '\n')
            break;
        buf[o++] = text[i] >= 0x20 && text[i] < 0x7F ? (char)text[i] : '?';
    }
    buf[o] = '\0';
    return o;
}

static const struct se05x_link_ops jrcp_ops = {
    .name = "jrcp1",
    .transceive = jrcp_transceive,
    .begin = jrcp_begin,
    .end = jrcp_end,
    .close = jrcp_close,
    .server_info = jrcp_server_info,
};

static struct jrcp_link *jrcp_new(int timeout_ms, struct se05x_error *err)
{
    struct jrcp_link *j = calloc(1, sizeof *j);
    if (!j) {
        se05x_err_set(err, SE05X_E_NOMEM, 0, 0, "out of memory");
        return NULL;
    }
    j->base.ops = &jrcp_ops;
    j->fd = -1;
    j->timeout_ms = timeout_ms > 0 ? timeout_ms : JRCP_DEFAULT_TIMEOUT_MS;
    const char *lk = getenv("SE05X_JRCP_LOCK");
    j->no_lock = lk && !strcmp(lk, "0");
    j->buf = malloc(JRCP_HDR_LEN + 0xFFFF);
    j->rbuf = malloc(RBUF_LEN);
    if (!j->buf || !j->rbuf) {
        free(j->buf);
        free(j->rbuf);
        free(j);
        se05x_err_set(err, SE05X_E_NOMEM, 0, 0, "out of memory");
        return NULL;
    }
    return j;
}

static se05x_rc jrcp_start(struct jrcp_link *j, struct se05x_link **out, struct se05x_error *err);

se05x_rc se05x_link_jrcp_open(const struct se05x_conn_spec *spec, int timeout_ms,
                              struct se05x_link **out, struct se05x_error *errp)
{
    struct se05x_error local = {0}, *err = errp ? errp : &local;
    if (!spec || !out)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "JRCP: missing argument");
    *out = NULL;
    if (spec->kind != SE05X_CONN_JRCP_TCP && spec->kind != SE05X_CONN_JRCP_UNIX)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "JRCP: not a JRCP connection");
    struct jrcp_link *j = jrcp_new(timeout_ms, err);
    if (!j)
        return err->rc;
    se05x_sock_endpoint(spec, j->ep, sizeof j->ep);
    int cto = timeout_ms > 0 && timeout_ms < JRCP_CONNECT_TIMEOUT_MS ? timeout_ms : JRCP_CONNECT_TIMEOUT_MS;
    j->fd = se05x_sock_connect(spec, cto, err);
    if (j->fd < 0) {
        jrcp_close(&j->base);
        return err->rc;
    }
    return jrcp_start(j, out, err);
}

se05x_rc se05x_link_jrcp_open_fd(int fd, const char *label, int timeout_ms,
                                 struct se05x_link **out, struct se05x_error *errp)
{
    struct se05x_error local = {0}, *err = errp ? errp : &local;
    if (fd < 0 || !out) {
        if (fd >= 0)
            se05x_sock_close(fd);
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "JRCP: missing argument");
    }
    *out = NULL;
    struct jrcp_link *j = jrcp_new(timeout_ms, err);
    if (!j) {
        se05x_sock_close(fd);
        return err->rc;
    }
    snprintf(j->ep, sizeof j->ep, "%s", label ? label : "fd");
    j->fd = fd;
    return jrcp_start(j, out, err);
}

/* Opening handshake on a connected j->fd; on failure j is closed. */
static se05x_rc jrcp_start(struct jrcp_link *j, struct se05x_link **out, struct se05x_error *err)
{
    /* WAIT_FOR_CARD with the 256 ms the NXP client sends; the answer is the ATR. */
    static const uint8_t wait_ms[4] = {0x00, 0x00, 0x01, 0x00};
    size_t n = 0;
    int exch_timeout = j->timeout_ms;
    if (j->timeout_ms > JRCP_OPEN_TIMEOUT_MS)
        j->timeout_ms = JRCP_OPEN_TIMEOUT_MS; /* do not hang long on a non-JRCP peer */
    se05x_rc rc = send_msg(j, JRCP_MTY_WAIT_FOR_CARD, wait_ms, sizeof wait_ms, err);
    if (rc == SE05X_OK)
        rc = recv_msg(j, JRCP_MTY_WAIT_FOR_CARD, j->base.atr, sizeof j->base.atr, &n, err);
    j->timeout_ms = exch_timeout;
    if (rc != SE05X_OK) {
        if (rc == SE05X_E_TIMEOUT || rc == SE05X_E_PROTOCOL) {
            char inner[SE05X_ERRMSG_MAX];
            memcpy(inner, err->msg, sizeof inner);
            inner[sizeof inner - 1] = '\0';
            se05x_err_set(err, rc, 0, 0, "%.200s (is %s a JRCP v1 server?)", inner, j->ep);
        }
        jrcp_close(&j->base);
        return rc;
    }
    j->base.atr_len = n;
    se05x_log(SE05X_LOG_DEBUG, "jrcp", "connected to %s, ATR of %zu bytes", j->ep, n);
    *out = &j->base;
    return SE05X_OK;
}
