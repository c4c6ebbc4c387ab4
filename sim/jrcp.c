/* SPDX-License-Identifier: Apache-2.0 */
/* See jrcp.h. Replies carry the request's MTY. Message types other than
 * WAIT_FOR_CARD, APDU_DATA, ERROR_MSG (close), QUIT (close), LOCK and UNLOCK
 * get an empty reply of the same type. */
#include "jrcp.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "se05x_proto.h"

/* 1 = all read, 0 = clean EOF before the first byte, -1 = error / torn. */
static int read_full(int fd, uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = recv(fd, p + got, n - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return got == 0 && r == 0 ? 0 : -1;
        got += (size_t)r;
    }
    return 1;
}

static int send_msg(int fd, uint8_t mty, const uint8_t *p, size_t n, struct sim_conn_stats *st)
{
    uint8_t buf[JRCP_HDR_LEN + SIM_JRCP_MAX_PAYLOAD];
    if (n > SIM_JRCP_MAX_PAYLOAD)
        return -1;
    buf[0] = mty;
    buf[1] = 0;
    buf[2] = (uint8_t)(n >> 8);
    buf[3] = (uint8_t)n;
    if (n)
        memcpy(buf + JRCP_HDR_LEN, p, n);
    size_t len = JRCP_HDR_LEN + n, off = 0;
    while (off < len) {
        ssize_t w = send(fd, buf + off, len - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        off += (size_t)w;
    }
    st->wire_tx_bytes += len;
    st->frames_tx++;
    return 0;
}

static void lock_take(struct jrcp_lock *lk, const void *me)
{
    pthread_mutex_lock(&lk->m);
    while (lk->owner && lk->owner != me)
        pthread_cond_wait(&lk->cv, &lk->m);
    lk->owner = me;
    pthread_mutex_unlock(&lk->m);
}

static void lock_release(struct jrcp_lock *lk, const void *me)
{
    pthread_mutex_lock(&lk->m);
    if (lk->owner == me) {
        lk->owner = NULL;
        pthread_cond_broadcast(&lk->cv);
    }
    pthread_mutex_unlock(&lk->m);
}

/* Waits while another connection holds the LOCK. */
static void lock_wait(struct jrcp_lock *lk, const void *me)
{
    pthread_mutex_lock(&lk->m);
    while (lk->owner && lk->owner != me)
        pthread_cond_wait(&lk->cv, &lk->m);
    pthread_mutex_unlock(&lk->m);
}

/* Acts on one message; the reply payload goes to out. Returns its length. */
static size_t handle(struct sim_card *card, struct jrcp_lock *lk, const void *me, uint8_t mty,
                     const uint8_t *in, size_t len, uint8_t out[SIM_JRCP_MAX_PAYLOAD],
                     struct sim_conn_stats *st)
{
    size_t n = 0;
    switch (mty) {
    case JRCP_MTY_WAIT_FOR_CARD: {
        const uint8_t *atr = sim_card_atr(card, &n);
        memcpy(out, atr, n);
        break;
    }
    case JRCP_MTY_APDU_DATA:
        lock_wait(lk, me);
        n = sim_card_apdu(card, in, len, out, SIM_JRCP_MAX_PAYLOAD);
        st->apdus++;
        st->writes += sim_apdu_is_write(in, len);
        st->apdu_rx_bytes += len;
        st->apdu_tx_bytes += n;
        break;
    case JRCP_MTY_LOCK:
        lock_take(lk, me);
        break;
    case JRCP_MTY_UNLOCK:
        lock_release(lk, me);
        break;
    default:
        break;
    }
    return n;
}

int jrcp_process(struct sim_card *card, struct jrcp_lock *lk, const void *me, const uint8_t *msg,
                 size_t n, uint8_t *reply, size_t cap, size_t *rlen, struct sim_conn_stats *st)
{
    *rlen = 0;
    if (n < JRCP_HDR_LEN || cap < JRCP_HDR_LEN + SIM_JRCP_MAX_PAYLOAD)
        return -1;
    size_t len = ((size_t)msg[2] << 8) | msg[3];
    if (len > SIM_JRCP_MAX_PAYLOAD || len > n - JRCP_HDR_LEN)
        return -1;
    st->wire_rx_bytes += JRCP_HDR_LEN + len;
    st->frames_rx++;
    uint8_t mty = msg[0];
    if (mty == JRCP_MTY_ERROR_MSG || mty == JRCP_MTY_QUIT)
        return 0;
    size_t k = handle(card, lk, me, mty, msg + JRCP_HDR_LEN, len, reply + JRCP_HDR_LEN, st);
    reply[0] = mty;
    reply[1] = 0;
    reply[2] = (uint8_t)(k >> 8);
    reply[3] = (uint8_t)k;
    *rlen = JRCP_HDR_LEN + k;
    st->wire_tx_bytes += *rlen;
    st->frames_tx++;
    return 1;
}

void jrcp_serve(struct sim_card *card, int fd, const char *peer, struct jrcp_lock *lk,
                struct sim_conn_stats *st)
{
    uint8_t hdr[JRCP_HDR_LEN], in[SIM_JRCP_MAX_PAYLOAD], out[SIM_JRCP_MAX_PAYLOAD];
    const void *me = st; /* unique per connection */
    for (;;) {
        int r = read_full(fd, hdr, sizeof hdr);
        if (r <= 0) {
            if (r < 0)
                SIM_DBG("%s: connection dropped inside a JRCP header", peer);
            break;
        }
        size_t len = ((size_t)hdr[2] << 8) | hdr[3];
        if (len > SIM_JRCP_MAX_PAYLOAD) {
            SIM_WARN("%s: JRCP message of %zu bytes exceeds the %d-byte limit; closing", peer, len,
                     SIM_JRCP_MAX_PAYLOAD);
            break;
        }
        if (len && read_full(fd, in, len) != 1) {
            SIM_DBG("%s: connection dropped inside a JRCP message", peer);
            break;
        }
        st->wire_rx_bytes += JRCP_HDR_LEN + len;
        st->frames_rx++;
        uint8_t mty = hdr[0];
        if (mty == JRCP_MTY_ERROR_MSG || mty == JRCP_MTY_QUIT)
            break; /* the client's CLOSE */
        size_t n = handle(card, lk, me, mty, in, len, out, st);
        if (send_msg(fd, mty, out, n, st) != 0)
            break;
    }
    lock_release(lk, me);
}
