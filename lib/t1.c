/* SPDX-License-Identifier: Apache-2.0 */
/* Host side of T=1 over I2C (docs/protocol/t1oi2c.md). See t1.h and
 * docs/t1oi2c.md for the recovery rules chosen where the spec is silent.
 *
 * Recovery in one sentence: whatever goes wrong (silence, bad block,
 * unexpected block) the host sends R(N(R) = the chip's next N(S)); the chip
 * answers with its last block if the host missed it, or with R(N(R) = the
 * host's N(S)) if it missed the host's block, which the host then
 * retransmits. Every loop is bounded (t1.h). */
#include "t1.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <se05x/log.h>

#include "internal.h"
#include "t1_frame.h"

/* Once a header has arrived the rest of the block is already on its way:
 * a body that does not follow within this time is a truncated block. */
#define BODY_WAIT_MS 50

static void sleep_us(unsigned us)
{
    if (!us)
        return;
    struct timespec ts = {us / 1000000u, (long)(us % 1000000u) * 1000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

bool se05x_t1_parse_atr(const uint8_t *a, size_t n, struct se05x_t1_atr *out, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    memset(out, 0, sizeof(*out));
    /* version(1) VID(5) DLLP-len(1) DLLP PLID(1) PLP-len(1) PLP hist-len(1) hist */
    if (!a || n < 7) {
        *why = "ATR shorter than 7 bytes";
        return false;
    }
    size_t dl = a[6];
    if (dl < 4 || 7 + dl > n) {
        *why = "ATR DLLP length invalid";
        return false;
    }
    out->bwt_ms = (unsigned)a[7] << 8 | a[8];
    out->ifsc = (unsigned)a[9] << 8 | a[10];
    size_t p = 7 + dl;
    if (p + 2 > n) {
        *why = "ATR truncated before the physical layer parameters";
        return false;
    }
    out->plid = a[p];
    size_t pl = a[p + 1];
    if (pl < 11 || p + 2 + pl > n) {
        *why = "ATR PLP length invalid";
        return false;
    }
    const uint8_t *plp = a + p + 2;
    out->max_clk_khz = (unsigned)plp[0] << 8 | plp[1];
    out->mpot_ms = plp[3];
    out->segt_us = (unsigned)plp[7] << 8 | plp[8];
    out->wut_us = (unsigned)plp[9] << 8 | plp[10];
    size_t h = p + 2 + pl;
    if (h < n && h + 1 + a[h] > n) {
        *why = "ATR historical bytes truncated";
        return false;
    }
    if (out->bwt_ms == 0 || out->bwt_ms > 10000) {
        *why = "ATR BWT outside 1..10000 ms";
        return false;
    }
    if (out->ifsc < 16 || out->ifsc > T1_MAX_INF) {
        *why = "ATR IFSC outside 16..254";
        return false;
    }
    if (out->mpot_ms > 100 || out->segt_us > 100000) {
        *why = "ATR MPOT/SEGT out of range";
        return false;
    }
    if (out->mpot_ms == 0)
        out->mpot_ms = 1;
    return true;
}

static void apply_timing(struct se05x_t1 *t)
{
    t->bus->poll_us = t->atr.mpot_ms * 1000u;
    if (t->bus->poll_us < 200)
        t->bus->poll_us = 200;
    t->bus->poll_max_us = 20000;
    t->bus->guard_us = t->atr.segt_us;
}

void se05x_t1_init(struct se05x_t1 *t, struct se05x_bus *bus)
{
    memset(t, 0, sizeof(*t));
    t->bus = bus;
    /* Before the ATR (docs/protocol/t1oi2c.md §10): the SE050's own values are the safe ones. */
    t->atr.bwt_ms = 1000;
    t->atr.ifsc = T1_MAX_INF;
    t->atr.mpot_ms = 1;
    t->atr.segt_us = 100;
    t->recovery_delay_us = SE05X_T1_RECOVERY_DELAY_US;
    apply_timing(t);
}

/* How long to wait for the chip's next block: BWT (times the WTX
 * multiplier) plus half a BWT of slack for the host's own scheduling. */
static int wait_ms(const struct se05x_t1 *t, unsigned mult)
{
    return (int)(t->atr.bwt_ms * (mult ? mult : 1) + t->atr.bwt_ms / 2 + 20);
}

static se05x_rc send_block(struct se05x_t1 *t, uint8_t pcb, const uint8_t *inf, size_t len,
                           struct se05x_error *err)
{
    uint8_t buf[T1_MAX_BLOCK];
    size_t n = t1_encode(buf, sizeof(buf), T1_NAD_HOST, pcb, inf, len);
    if (!n)
        return se05x_err_set(err, SE05X_E_INTERNAL, 0, 0, "T=1: block of %zu bytes", len);
    if (se05x_log_enabled(SE05X_LOG_TRACE))
        se05x_log_hex(SE05X_LOG_TRACE, "t1", pcb & 0x80 ? "tx" : "tx I", buf,
                      (pcb & 0x80) ? n : T1_HDR_LEN);
    se05x_rc rc = t->bus->ops->write(t->bus, buf, n, err);
    if (rc == SE05X_OK) {
        t->wire_tx += n;
        t->frames++;
    }
    return rc;
}

static se05x_rc send_raw(struct se05x_t1 *t, const uint8_t *blk, size_t n, struct se05x_error *err)
{
    se05x_rc rc = t->bus->ops->write(t->bus, blk, n, err);
    if (rc == SE05X_OK) {
        t->wire_tx += n;
        t->frames++;
    }
    return rc;
}

/* Reads one block. SE05X_OK: b decoded (inf points into buf).
 * SE05X_E_TIMEOUT: silence. SE05X_E_PROTOCOL: a bad block (already drained).
 * SE05X_E_LINK: the bus failed. */
static se05x_rc recv_block(struct se05x_t1 *t, uint8_t *buf, struct t1_block *b, int wait,
                           struct se05x_error *err)
{
    struct se05x_bus *bus = t->bus;
    se05x_rc rc = bus->ops->read(bus, buf, T1_HDR_LEN, wait, err);
    if (rc != SE05X_OK)
        return rc;
    if (buf[0] != T1_NAD_SE || buf[2] > T1_MAX_INF) {
        se05x_log(SE05X_LOG_DEBUG, "t1", "%s: bad header %02X %02X %02X", bus->label, buf[0],
                  buf[1], buf[2]);
        bus->ops->drain(bus);
        t->wire_rx += T1_HDR_LEN;
        return SE05X_E_PROTOCOL;
    }
    size_t body = (size_t)buf[2] + T1_CRC_LEN;
    rc = bus->ops->read(bus, buf + T1_HDR_LEN, body, BODY_WAIT_MS, err);
    if (rc == SE05X_E_LINK)
        return rc;
    if (rc != SE05X_OK) {
        se05x_log(SE05X_LOG_DEBUG, "t1", "%s: truncated block", bus->label);
        bus->ops->drain(bus);
        return SE05X_E_PROTOCOL;
    }
    size_t n = T1_HDR_LEN + body;
    t->wire_rx += n;
    t->frames++;
    if (se05x_log_enabled(SE05X_LOG_TRACE))
        se05x_log_hex(SE05X_LOG_TRACE, "t1", (buf[1] & 0x80) ? "rx" : "rx I", buf,
                      (buf[1] & 0x80) ? n : T1_HDR_LEN);
    enum t1_parse_rc prc = t1_decode(buf, n, T1_NAD_SE, b);
    if (prc != T1_PARSE_OK) {
        se05x_log(SE05X_LOG_DEBUG, "t1", "%s: %s", bus->label, t1_parse_str(prc));
        bus->ops->drain(bus);
        return SE05X_E_PROTOCOL;
    }
    return SE05X_OK;
}

static se05x_rc answer_wtx(struct se05x_t1 *t, const struct t1_block *b, unsigned *count,
                           unsigned *mult, struct se05x_error *err)
{
    if (++*count > SE05X_T1_MAX_WTX)
        return se05x_err_set(err, SE05X_E_TIMEOUT, 0, 0,
                             "T=1 on %s: chip asked for more than %d waiting time extensions",
                             t->bus->label, SE05X_T1_MAX_WTX);
    t->wtx_seen++;
    *mult = (b->len == 1 && b->inf[0]) ? b->inf[0] : 1;
    if (*mult > SE05X_T1_MAX_WTX_MULT)
        *mult = SE05X_T1_MAX_WTX_MULT;
    se05x_log(SE05X_LOG_DEBUG, "t1", "%s: S(WTX) from the chip (multiplier %u), answered",
              t->bus->label, *mult);
    static const uint8_t one = 0x01; /* the host always answers 01 (§8) */
    return send_block(t, t1_pcb_s(T1_S_WTX, true), &one, 1, err);
}

/* S-block exchange with up to `attempts` sends of the request. */
static se05x_rc s_exchange(struct se05x_t1 *t, uint8_t type, const uint8_t *inf, size_t len,
                           uint8_t *rsp, size_t rcap, size_t *rlen, unsigned attempts,
                           struct se05x_error *err)
{
    uint8_t buf[T1_MAX_BLOCK];
    struct t1_block b;
    unsigned sent = 0, wtx = 0, mult = 1, timeouts = 0;
    se05x_rc rc;
    const uint8_t pcb = t1_pcb_s(type, false);

    if (rlen)
        *rlen = 0;
    for (;;) {
        if (sent >= attempts) {
            t->need_resync = true;
            if (timeouts == sent)
                return se05x_err_set(err, SE05X_E_TIMEOUT, 0, 0,
                                     "T=1 on %s: no answer to S-block %02X after %u attempts "
                                     "(%u ms each): chip absent, dead or busy",
                                     t->bus->label, pcb, sent, (unsigned)wait_ms(t, 1));
            return se05x_err_set(err, SE05X_E_PROTOCOL, 0, 0,
                                 "T=1 on %s: no valid answer to S-block %02X after %u attempts",
                                 t->bus->label, pcb, sent);
        }
        if (sent)
            sleep_us(t->recovery_delay_us);
        if ((rc = send_block(t, pcb, inf, len, err)) != SE05X_OK)
            return rc;
        sent++;
        mult = 1;
    wait_again:
        rc = recv_block(t, buf, &b, wait_ms(t, mult), err);
        if (rc == SE05X_E_LINK)
            return rc;
        if (rc == SE05X_E_TIMEOUT) {
            timeouts++;
            continue;
        }
        if (rc != SE05X_OK) {
            t->recoveries++;
            continue;
        }
        if (b.kind == T1_S && !b.response && b.stype == T1_S_WTX) {
            if ((rc = answer_wtx(t, &b, &wtx, &mult, err)) != SE05X_OK)
                return rc;
            goto wait_again;
        }
        if (b.kind == T1_S && b.response && b.stype == type) {
            if (rsp && rcap) {
                if (b.len > rcap)
                    return se05x_err_set(err, SE05X_E_PROTOCOL, 0, 0,
                                         "T=1 on %s: S-block answer of %zu bytes (max %zu)",
                                         t->bus->label, b.len, rcap);
                memcpy(rsp, b.inf, b.len);
                if (rlen)
                    *rlen = b.len;
            }
            return SE05X_OK;
        }
        /* A stale or unexpected block (e.g. the tail of an exchange another
         * process abandoned): ask again. */
        se05x_log(SE05X_LOG_DEBUG, "t1", "%s: unexpected PCB %02X while waiting for S-block %02X",
                  t->bus->label, b.pcb, pcb | 0x20);
        t->recoveries++;
    }
}

se05x_rc se05x_t1_s_exchange(struct se05x_t1 *t, uint8_t type, const uint8_t *inf, size_t len,
                             uint8_t *rsp, size_t rcap, size_t *rlen, struct se05x_error *err)
{
    return s_exchange(t, type, inf, len, rsp, rcap, rlen, SE05X_T1_S_ATTEMPTS, err);
}

se05x_rc se05x_t1_resync(struct se05x_t1 *t, struct se05x_error *err)
{
    se05x_rc rc = s_exchange(t, T1_S_RESYNCH, NULL, 0, NULL, 0, NULL, SE05X_T1_S_ATTEMPTS, err);
    if (rc != SE05X_OK)
        return rc;
    t->ns = 0;
    t->nr = 0;
    t->need_resync = false;
    t->resyncs++;
    return SE05X_OK;
}

static se05x_rc take_atr(struct se05x_t1 *t, const uint8_t *atr, size_t n, struct se05x_error *err)
{
    struct se05x_t1_atr a;
    const char *why = NULL;
    if (!se05x_t1_parse_atr(atr, n, &a, &why))
        return se05x_err_set(err, SE05X_E_PROTOCOL, 0, 0, "T=1 on %s: ATR rejected: %s",
                             t->bus->label, why);
    t->atr = a;
    memcpy(t->atr_raw, atr, n);
    t->atr_len = n;
    apply_timing(t);
    se05x_log(SE05X_LOG_DEBUG, "t1", "%s: ATR BWT %u ms IFSC %u MPOT %u ms SEGT %u us",
              t->bus->label, a.bwt_ms, a.ifsc, a.mpot_ms, a.segt_us);
    return SE05X_OK;
}

se05x_rc se05x_t1_open(struct se05x_t1 *t, struct se05x_error *err)
{
    uint8_t atr[64];
    size_t n = 0;
    se05x_rc rc;

    /* "clear read buffer" (§12 step 4): whatever a previous user left. */
    t->bus->ops->drain(t->bus);
    if ((rc = se05x_t1_resync(t, err)) != SE05X_OK)
        return rc;
    rc = s_exchange(t, T1_S_GET_ATR, NULL, 0, atr, sizeof(atr), &n, SE05X_T1_S_ATTEMPTS, err);
    if (rc != SE05X_OK)
        return rc;
    return take_atr(t, atr, n, err);
}

se05x_rc se05x_t1_end_session(struct se05x_t1 *t, struct se05x_error *err)
{
    return s_exchange(t, T1_S_END_APDU_SESSION, NULL, 0, NULL, 0, NULL, 2, err);
}

/* §7: after too many failed recoveries, S(INTERFACE SOFT RESET) (one try,
 * its ATR re-read), then the exchange is given up. */
static se05x_rc give_up(struct se05x_t1 *t, se05x_rc rc, const char *why, struct se05x_error *err)
{
    struct se05x_error ignored;
    uint8_t atr[64];
    size_t n = 0;
    t->need_resync = true;
    if (rc != SE05X_E_LINK &&
        s_exchange(t, T1_S_SOFT_RESET, NULL, 0, atr, sizeof(atr), &n, 1, &ignored) == SE05X_OK &&
        take_atr(t, atr, n, &ignored) == SE05X_OK) {
        t->ns = t->nr = 0;
        t->need_resync = false;
    }
    return se05x_err_set(err, rc, 0, 0, "T=1 on %s: %s", t->bus->label, why);
}

static se05x_rc xfer(struct se05x_t1 *t, const uint8_t *capdu, size_t clen, uint8_t *rapdu,
                     size_t rcap, size_t *rlen, struct se05x_error *err)
{
    uint8_t iblk[T1_MAX_BLOCK], buf[T1_MAX_BLOCK];
    size_t ilen = 0, off = 0, chunk = 0, rx = 0;
    uint8_t ins = 0;       /* N(S) of our last I-block */
    bool imore = false;    /* it had M=1 */
    bool receiving = false; /* the chip's answer has started */
    unsigned recov = 0, timeouts = 0, sends = 0, wtx = 0, mult = 1;
    struct t1_block b;
    se05x_rc rc;
    char why[160];

#define RECOVER(errcode)                                                                       \
    do {                                                                                       \
        t->recoveries++;                                                                       \
        if (++recov >= SE05X_T1_MAX_RECOVERIES)                                                \
            return give_up(t, SE05X_E_PROTOCOL, "no valid exchange after 10 recovery attempts", \
                           err);                                                               \
        sleep_us(t->recovery_delay_us);                                                  \
        if ((rc = send_block(t, t1_pcb_r(t->nr, (errcode)), NULL, 0, err)) != SE05X_OK)        \
            return rc;                                                                         \
    } while (0)

restart:
    /* first (or only) I-block */
    off = 0;
    chunk = clen < t->atr.ifsc ? clen : t->atr.ifsc;
    imore = chunk < clen;
    ins = t->ns;
    t->ns ^= 1;
    ilen = t1_encode(iblk, sizeof(iblk), T1_NAD_HOST, t1_pcb_i(ins, imore), capdu, chunk);
    if ((rc = send_raw(t, iblk, ilen, err)) != SE05X_OK)
        return rc;
    sends = 1;

    for (;;) {
        rc = recv_block(t, buf, &b, wait_ms(t, mult), err);
        if (rc == SE05X_E_LINK)
            return rc;
        if (rc == SE05X_E_TIMEOUT) {
            if (++timeouts >= SE05X_T1_MAX_TIMEOUTS) {
                snprintf(why, sizeof(why),
                         "chip silent: no block within %d ms, %d times in a row (chip absent, "
                         "dead or hung)",
                         wait_ms(t, mult), SE05X_T1_MAX_TIMEOUTS);
                return give_up(t, SE05X_E_TIMEOUT, why, err);
            }
            mult = 1;
            RECOVER(T1_R_OTHER);
            continue;
        }
        if (rc != SE05X_OK) {
            mult = 1;
            RECOVER(T1_R_EDC);
            continue;
        }
        timeouts = 0;
        if (b.kind == T1_S) {
            if (!b.response && b.stype == T1_S_WTX) {
                if ((rc = answer_wtx(t, &b, &wtx, &mult, err)) != SE05X_OK) {
                    t->need_resync = true;
                    return rc;
                }
                continue;
            }
            mult = 1;
            RECOVER(T1_R_OTHER);
            continue;
        }
        mult = 1;
        if (b.kind == T1_R) {
            if (!receiving && b.nr == ins) {
                /* the chip did not get our last I-block: send it again */
                t->recoveries++;
                if (++recov >= SE05X_T1_MAX_RECOVERIES)
                    return give_up(t, SE05X_E_PROTOCOL,
                                   "no valid exchange after 10 recovery attempts", err);
                sleep_us(t->recovery_delay_us);
                if (++sends > SE05X_T1_MAX_RETRANSMIT) {
                    /* R-NACK retries exhausted: the chip has not accepted
                     * this block, so nothing of the APDU ran; resynchronise
                     * and send it again from its first block */
                    se05x_log(SE05X_LOG_DEBUG, "t1", "%s: block refused %d times: resync",
                              t->bus->label, SE05X_T1_MAX_RETRANSMIT);
                    if ((rc = se05x_t1_resync(t, err)) != SE05X_OK)
                        return rc;
                    goto restart;
                }
                if ((rc = send_raw(t, iblk, ilen, err)) != SE05X_OK)
                    return rc;
                continue;
            }
            if (!receiving && imore) {
                /* acknowledgement of a chained block: next one */
                off += chunk;
                chunk = clen - off < t->atr.ifsc ? clen - off : t->atr.ifsc;
                imore = off + chunk < clen;
                ins = t->ns;
                t->ns ^= 1;
                ilen = t1_encode(iblk, sizeof(iblk), T1_NAD_HOST, t1_pcb_i(ins, imore),
                                 capdu + off, chunk);
                if ((rc = send_raw(t, iblk, ilen, err)) != SE05X_OK)
                    return rc;
                sends = 1;
                recov = 0;
                continue;
            }
            /* the chip has our block; we lack its answer: ask for it */
            RECOVER(T1_R_OTHER);
            continue;
        }
        /* I-block */
        if ((!receiving && imore) || b.ns != t->nr) {
            RECOVER(T1_R_OTHER);
            continue;
        }
        if (b.more && b.len == 0) {
            /* an empty chained block makes no progress: a hostile chip
             * could keep us here forever */
            t->need_resync = true;
            return se05x_err_set(err, SE05X_E_PROTOCOL, 0, 0,
                                 "T=1 on %s: empty chained block from the chip", t->bus->label);
        }
        if (b.len > rcap - rx) {
            t->need_resync = true;
            return se05x_err_set(err, SE05X_E_PROTOCOL, 0, 0,
                                 "T=1 on %s: response longer than %zu bytes", t->bus->label,
                                 rcap);
        }
        memcpy(rapdu + rx, b.inf, b.len);
        rx += b.len;
        t->nr ^= 1;
        receiving = true;
        recov = 0;
        if (!b.more) {
            *rlen = rx;
            return SE05X_OK;
        }
        if ((rc = send_block(t, t1_pcb_r(t->nr, T1_R_OK), NULL, 0, err)) != SE05X_OK)
            return rc;
    }
#undef RECOVER
}

se05x_rc se05x_t1_transceive(struct se05x_t1 *t, const uint8_t *capdu, size_t clen,
                             uint8_t *rapdu, size_t rcap, size_t *rlen, struct se05x_error *err)
{
    se05x_rc rc;
    *rlen = 0;
    if (!capdu || clen == 0 || !rapdu)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "T=1: empty APDU");
    if (t->need_resync && (rc = se05x_t1_resync(t, err)) != SE05X_OK)
        return rc;
    rc = xfer(t, capdu, clen, rapdu, rcap, rlen, err);
    if (rc != SE05X_OK) {
        t->need_resync = true;
        *rlen = 0;
    }
    return rc;
}
