/* SPDX-License-Identifier: Apache-2.0 */
/* Host T=1 state machine (lib/t1.c) against a scripted fake card on a fake
 * bus. Time is virtual: a read that finds nothing "waits" its full timeout
 * on a counter instead of the clock, so bounds are asserted exactly and the
 * test stays fast. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bus.h"
#include "internal.h"
#include "se05x_proto.h"
#include "t1.h"
#include "t1_frame.h"

/* ---- fake card ---- */
struct card {
    /* behaviour knobs */
    bool silent;          /* never answers */
    bool garbage;         /* answers every block with a bad CRC */
    unsigned wtx_before;  /* S(WTX) requests before each answer */
    unsigned nack_first;  /* R(err 1) to the first N host I-blocks */
    unsigned corrupt_first; /* first N answers sent with a bad CRC */
    unsigned wrong_ns_first; /* first N answers sent with the wrong N(S) */
    bool hostile_atr;
    bool empty_chain;     /* answers with endless empty I(M=1) blocks */
    bool silent_after_wtx; /* goes silent once it has sent its WTX requests */
    uint8_t wtx_mult;     /* multiplier in its WTX requests (0 = 1) */
    size_t rsp_len;       /* answer length (payload built from a pattern) */
    /* state */
    uint8_t exp_ns, ns;
    uint8_t cmd[8192];
    size_t cmd_len;
    uint8_t rsp[8192];
    size_t rsp_off;
    bool chaining_out;
    uint8_t last[T1_MAX_BLOCK];
    size_t last_len;
    uint8_t last_i[T1_MAX_BLOCK];
    size_t last_i_len;
    uint8_t last_i_ns;
    unsigned wtx_left;
    /* record of host blocks */
    uint8_t host[512][T1_MAX_BLOCK];
    size_t host_len[512];
    unsigned nhost;
    /* bytes queued for the host */
    uint8_t q[65536];
    size_t qlen, qoff;
};

struct fbus {
    struct se05x_bus base;
    struct card *c;
    uint64_t vtime_ms; /* virtual time spent waiting */
};

static void q_put(struct card *c, const uint8_t *b, size_t n)
{
    assert_true(c->qlen + n <= sizeof(c->q));
    memcpy(c->q + c->qlen, b, n);
    c->qlen += n;
}

/* corrupt: 0 send as is, 1 send with a bad CRC, 2 remember only (not sent) */
static void c_send(struct card *c, uint8_t pcb, const uint8_t *inf, size_t len, int corrupt)
{
    uint8_t f[T1_MAX_BLOCK];
    size_t n = t1_encode(f, sizeof(f), T1_NAD_SE, pcb, inf, len);
    memcpy(c->last, f, n);
    c->last_len = n;
    if (!(pcb & 0x80)) {
        memcpy(c->last_i, f, n);
        c->last_i_len = n;
        c->last_i_ns = (pcb & 0x40) ? 1 : 0;
    }
    if (corrupt == 2)
        return;
    if (corrupt)
        f[n - 1] ^= 0x55;
    q_put(c, f, n);
}

static void c_chunk(struct card *c)
{
    if (c->empty_chain) {
        uint8_t ns = c->ns;
        c->ns ^= 1;
        c_send(c, t1_pcb_i(ns, true), NULL, 0, 0);
        c->chaining_out = true;
        return;
    }
    size_t chunk = c->rsp_len - c->rsp_off;
    if (chunk > 254)
        chunk = 254;
    bool more = c->rsp_off + chunk < c->rsp_len;
    int corrupt = 0;
    uint8_t ns = c->ns;
    if (c->corrupt_first) {
        c->corrupt_first--;
        corrupt = 1;
    }
    if (c->wrong_ns_first) {
        /* the right block is remembered (resent on R) but a wrong one goes out */
        c->wrong_ns_first--;
        uint8_t f[T1_MAX_BLOCK];
        size_t n = t1_encode(f, sizeof(f), T1_NAD_SE, t1_pcb_i(ns ^ 1, more), c->rsp + c->rsp_off,
                             chunk);
        c->ns ^= 1;
        c_send(c, t1_pcb_i(ns, more), c->rsp + c->rsp_off, chunk, 2);
        c->rsp_off += chunk;
        c->chaining_out = more;
        q_put(c, f, n);
        return;
    }
    c->ns ^= 1;
    c_send(c, t1_pcb_i(ns, more), c->rsp + c->rsp_off, chunk, corrupt);
    c->rsp_off += chunk;
    c->chaining_out = more;
}

static void c_answer(struct card *c)
{
    /* response: cmd echoed in a pattern, then 90 00 */
    for (size_t i = 0; i + 2 < c->rsp_len; i++)
        c->rsp[i] = (uint8_t)(i * 7 + c->cmd_len);
    c->rsp[c->rsp_len - 2] = 0x90;
    c->rsp[c->rsp_len - 1] = 0x00;
    c->rsp_off = 0;
    c->wtx_left = c->wtx_before;
    if (c->wtx_left) {
        uint8_t m = c->wtx_mult ? c->wtx_mult : 1;
        c->wtx_left--;
        c_send(c, 0xC3, &m, 1, 0);
        return;
    }
    c_chunk(c);
}

static void card_rx(struct card *c, const uint8_t *blk, size_t n)
{
    assert_true(c->nhost < 512);
    memcpy(c->host[c->nhost], blk, n);
    c->host_len[c->nhost++] = n;
    if (c->silent)
        return;
    if (c->silent_after_wtx && c->nhost > 1 && blk[1] == 0xE3) {
        c->silent = true;
        return;
    }
    if (c->garbage) {
        static const uint8_t g[] = {0xA5, 0x80, 0x00, 0x00, 0x00};
        q_put(c, g, sizeof(g));
        return;
    }
    struct t1_block b;
    if (t1_decode(blk, n, T1_NAD_HOST, &b) != T1_PARSE_OK) {
        c_send(c, t1_pcb_r(c->exp_ns, 1), NULL, 0, 0);
        return;
    }
    if (b.kind == T1_S) {
        if (b.response && b.stype == T1_S_WTX) {
            if (c->wtx_left) {
                uint8_t m = c->wtx_mult ? c->wtx_mult : 1;
                c->wtx_left--;
                c_send(c, 0xC3, &m, 1, 0);
            } else {
                c_chunk(c);
            }
            return;
        }
        uint8_t atr[SE05X_ATR_LEN];
        memcpy(atr, SE05X_ATR_SE050C1, sizeof(atr));
        if (c->hostile_atr)
            atr[6] = 0xF0;
        switch (b.stype) {
        case T1_S_RESYNCH:
        case T1_S_SOFT_RESET:
            c->exp_ns = c->ns = 0;
            c->chaining_out = false;
            c->cmd_len = 0;
            c->last_i_len = 0;
            c_send(c, t1_pcb_s(b.stype, true), b.stype == T1_S_SOFT_RESET ? atr : NULL,
                   b.stype == T1_S_SOFT_RESET ? sizeof(atr) : 0, 0);
            return;
        case T1_S_GET_ATR:
            c_send(c, 0xE7, atr, sizeof(atr), 0);
            return;
        default:
            c_send(c, t1_pcb_s(b.stype, true), NULL, 0, 0);
            return;
        }
    }
    if (b.kind == T1_R) {
        if (c->chaining_out) {
            if (b.nr == c->last_i_ns)
                q_put(c, c->last_i, c->last_i_len);
            else
                c_chunk(c);
        } else if (c->last_i_len && b.nr == c->last_i_ns) {
            q_put(c, c->last_i, c->last_i_len);
        } else if (c->last_len && (c->last[1] & 0xC0) == 0x80) {
            q_put(c, c->last, c->last_len);
        } else {
            c_send(c, t1_pcb_r(c->exp_ns, 0), NULL, 0, 0);
        }
        return;
    }
    /* I-block */
    if (c->nack_first) {
        c->nack_first--;
        c_send(c, t1_pcb_r(c->exp_ns, 1), NULL, 0, 0);
        return;
    }
    if (b.ns != c->exp_ns) {
        c_send(c, t1_pcb_r(c->exp_ns, 2), NULL, 0, 0);
        return;
    }
    c->exp_ns ^= 1;
    memcpy(c->cmd + c->cmd_len, b.inf, b.len);
    c->cmd_len += b.len;
    if (b.more) {
        c_send(c, t1_pcb_r(c->exp_ns, 0), NULL, 0, 0);
        return;
    }
    c_answer(c);
    c->cmd_len = 0;
}

/* ---- fake bus ---- */
static se05x_rc fb_write(struct se05x_bus *b, const uint8_t *p, size_t n, struct se05x_error *e)
{
    (void)e;
    card_rx(((struct fbus *)b)->c, p, n);
    return SE05X_OK;
}

static se05x_rc fb_read(struct se05x_bus *b, uint8_t *buf, size_t n, int wait_ms,
                        struct se05x_error *e)
{
    struct fbus *f = (struct fbus *)b;
    struct card *c = f->c;
    if (c->qlen - c->qoff < n) {
        f->vtime_ms += (uint64_t)wait_ms;
        return se05x_err_set(e, SE05X_E_TIMEOUT, 0, 0, "fake: nothing");
    }
    memcpy(buf, c->q + c->qoff, n);
    c->qoff += n;
    if (c->qoff == c->qlen)
        c->qoff = c->qlen = 0;
    return SE05X_OK;
}

static void fb_drain(struct se05x_bus *b)
{
    struct card *c = ((struct fbus *)b)->c;
    c->qoff = c->qlen = 0;
}

static void fb_close(struct se05x_bus *b)
{
    (void)b;
}

static const struct se05x_bus_ops fb_ops = {"fake", fb_write, fb_read, fb_drain, fb_close};

struct fx {
    struct card *c;
    struct fbus bus;
    struct se05x_t1 t;
    struct se05x_error err;
    uint8_t r[300]; /* answer of the last xfer() */
    size_t rl;
};

static int setup(void **st)
{
    struct fx *x = calloc(1, sizeof(*x));
    x->c = calloc(1, sizeof(*x->c));
    x->c->rsp_len = 9;
    x->bus.base.ops = &fb_ops;
    snprintf(x->bus.base.label, sizeof(x->bus.base.label), "fake");
    x->bus.c = x->c;
    se05x_t1_init(&x->t, &x->bus.base);
    *st = x;
    return 0;
}

static int teardown(void **st)
{
    struct fx *x = *st;
    free(x->c);
    free(x);
    return 0;
}

static bool host_sent(const struct card *c, unsigned i, const uint8_t *exp, size_t n)
{
    return i < c->nhost && c->host_len[i] == n && memcmp(c->host[i], exp, n) == 0;
}

static void open_ok(struct fx *x)
{
    assert_int_equal(se05x_t1_open(&x->t, &x->err), SE05X_OK);
    x->c->nhost = 0;
}

/* S-blocks the host sends (NAD, PCB, LEN 0, CRC) */
static const uint8_t RESYNCH[] = {0x5A, 0xC0, 0x00, 0xFF, 0xFC};
static const uint8_t SOFT_RESET[] = {0x5A, 0xCF, 0x00, 0x37, 0x7F};

/* Sends the short APDU 80 ins p1 p2 00 (the fake card answers any command
 * alike) and returns the rc; the answer lands in x->r / x->rl. */
static se05x_rc xfer(struct fx *x, uint8_t ins, uint8_t p1, uint8_t p2)
{
    const uint8_t cmd[5] = {0x80, ins, p1, p2, 0x00};
    return se05x_t1_transceive(&x->t, cmd, sizeof(cmd), x->r, sizeof(x->r), &x->rl, &x->err);
}

static void test_open_sequence(void **st)
{
    struct fx *x = *st;
    assert_int_equal(se05x_t1_open(&x->t, &x->err), SE05X_OK);
    static const uint8_t getatr[] = {0x5A, 0xC7, 0x00, 0xF7, 0xB1};
    assert_int_equal(x->c->nhost, 2);
    assert_true(host_sent(x->c, 0, RESYNCH, 5));
    assert_true(host_sent(x->c, 1, getatr, 5));
    assert_int_equal(x->t.atr_len, SE05X_ATR_LEN);
    assert_memory_equal(x->t.atr_raw, SE05X_ATR_SE050C1, SE05X_ATR_LEN);
    assert_int_equal(x->t.atr.bwt_ms, 1000);
    assert_int_equal(x->bus.base.poll_us, 1000);
    assert_int_equal(x->bus.base.guard_us, 100);
    /* close */
    x->c->nhost = 0;
    assert_int_equal(se05x_t1_end_session(&x->t, &x->err), SE05X_OK);
    static const uint8_t eos[] = {0x5A, 0xC5, 0x00, 0x47, 0x82};
    assert_true(host_sent(x->c, 0, eos, 5));
}

static void test_hostile_atr(void **st)
{
    struct fx *x = *st;
    x->c->hostile_atr = true;
    assert_int_equal(se05x_t1_open(&x->t, &x->err), SE05X_E_PROTOCOL);
    assert_non_null(strstr(x->err.msg, "ATR rejected"));
}

static void test_select_worked_example(void **st)
{
    struct fx *x = *st;
    open_ok(x);
    static const uint8_t host[] = {0x5A, 0x00, 0x16, 0x00, 0xA4, 0x04, 0x00, 0x10, 0xA0,
                                   0x00, 0x00, 0x03, 0x96, 0x54, 0x53, 0x00, 0x00, 0x00,
                                   0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0xA8, 0xC8};
    uint8_t r[64];
    size_t rl = 0;
    assert_int_equal(se05x_t1_transceive(&x->t, host + 3, 22, r, sizeof(r), &rl, &x->err), SE05X_OK);
    assert_int_equal(x->c->nhost, 1); /* one frame each way in steady state */
    assert_true(host_sent(x->c, 0, host, sizeof(host)));
    assert_int_equal(rl, 9);
    assert_int_equal(r[7], 0x90);
    /* next APDU uses N(S)=1 */
    assert_int_equal(se05x_t1_transceive(&x->t, host + 3, 22, r, sizeof(r), &rl, &x->err), SE05X_OK);
    assert_int_equal(x->c->host[1][1], 0x40);
}

static void test_chaining_2k_both_ways(void **st)
{
    struct fx *x = *st;
    open_ok(x);
    uint8_t cmd[2048], r[4096];
    for (size_t i = 0; i < sizeof(cmd); i++)
        cmd[i] = (uint8_t)(i ^ (i >> 8));
    x->c->rsp_len = 2050;
    size_t rl = 0;
    for (int round = 0; round < 2; round++) {
        x->c->nhost = 0;
        assert_int_equal(se05x_t1_transceive(&x->t, cmd, sizeof(cmd), r, sizeof(r), &rl, &x->err),
                         SE05X_OK);
        assert_int_equal(rl, 2050);
        for (size_t i = 0; i + 2 < rl; i++)
            assert_int_equal(r[i], (uint8_t)(i * 7 + 2048));
        /* 2048 = 8 x 254 + 16: 9 I-blocks out, then 8 R-acks for the 9 answer blocks */
        assert_int_equal(x->c->nhost, 9 + 8);
        for (unsigned i = 0; i < 9; i++) {
            assert_int_equal(x->c->host[i][1] & 0xBF, i < 8 ? 0x20 : 0x00);
            assert_int_equal(x->c->host[i][2], i < 8 ? 254 : 16);
        }
        for (unsigned i = 9; i < 17; i++)
            assert_int_equal(x->c->host[i][1] & 0xEF, 0x80);
    }
    /* the reassembled command reached the card intact */
    assert_int_equal(x->c->exp_ns, x->t.ns);
}

static void test_wtx(void **st)
{
    struct fx *x = *st;
    open_ok(x);
    x->c->wtx_before = 3;
    assert_int_equal(xfer(x, 0x03, 0x0C, 0x09), SE05X_OK);
    static const uint8_t wtx_rsp[] = {0x5A, 0xE3, 0x01, 0x01, 0xF2, 0x1B};
    assert_int_equal(x->c->nhost, 4);
    for (unsigned i = 1; i < 4; i++)
        assert_true(host_sent(x->c, i, wtx_rsp, sizeof(wtx_rsp)));
    assert_int_equal(x->rl, 9);
}

static void test_too_many_wtx(void **st)
{
    struct fx *x = *st;
    open_ok(x);
    x->c->wtx_before = 10000;
    assert_int_equal(xfer(x, 0x03, 0x0C, 0x09), SE05X_E_TIMEOUT);
    assert_non_null(strstr(x->err.msg, "waiting time"));
    assert_int_equal(x->c->nhost, 1 + SE05X_T1_MAX_WTX);
}

static void test_wtx_multiplier_capped(void **st)
{
    struct fx *x = *st;
    open_ok(x);
    x->c->wtx_before = 1;
    x->c->wtx_mult = 255;
    /* after the WTX the card goes silent: the wait is BWT x 16, not x 255 */
    x->c->rsp_len = 9;
    assert_int_equal(xfer(x, 0x03, 0x0C, 0x09), SE05X_OK);
    assert_int_equal(x->t.wtx_seen, 1);
    /* now a chip that asks for x255 and then says nothing */
    x->c->wtx_before = 1;
    x->bus.vtime_ms = 0;
    x->c->silent_after_wtx = true;
    assert_int_equal(xfer(x, 0x03, 0x0C, 0x09), SE05X_E_TIMEOUT);
    /* first wait: 16 x 1000 + 520; the others 1520 each */
    assert_true(x->bus.vtime_ms <= 16u * 1000 + 520 + SE05X_T1_MAX_TIMEOUTS * 1520u);
}

static void test_empty_chain(void **st)
{
    struct fx *x = *st;
    open_ok(x);
    x->c->empty_chain = true;
    assert_int_equal(xfer(x, 0x02, 0x00, 0x00), SE05X_E_PROTOCOL);
    assert_non_null(strstr(x->err.msg, "empty chained block"));
    assert_true(x->c->nhost < 5);
}

static void test_rnack_retransmit(void **st)
{
    struct fx *x = *st;
    open_ok(x);
    x->c->nack_first = 2;
    assert_int_equal(xfer(x, 0x04, 0x00, 0x20), SE05X_OK);
    assert_int_equal(x->c->nhost, 3);
    /* retransmissions are byte-identical */
    assert_true(host_sent(x->c, 1, x->c->host[0], x->c->host_len[0]));
    assert_true(host_sent(x->c, 2, x->c->host[0], x->c->host_len[0]));
    /* a third NACK exhausts the R-NACK retries: RESYNCH, then the APDU again
     * from N(S)=0 */
    x->c->nack_first = 3;
    x->c->nhost = 0;
    assert_int_equal(xfer(x, 0x04, 0x00, 0x20), SE05X_OK);
    assert_int_equal(x->c->nhost, 5);
    assert_true(host_sent(x->c, 3, RESYNCH, 5));
    assert_int_equal(x->c->host[4][1], 0x00);
    assert_int_equal(x->rl, 9);
    /* a chip that never accepts: bounded, then S(INTERFACE SOFT RESET) and an error */
    x->c->nack_first = 1000;
    x->c->nhost = 0;
    assert_int_equal(xfer(x, 0x04, 0x00, 0x20), SE05X_E_PROTOCOL);
    assert_true(host_sent(x->c, x->c->nhost - 1, SOFT_RESET, 5));
    assert_true(x->c->nhost < 40);
    assert_non_null(strstr(x->err.msg, "10 recovery attempts"));
    /* and the link works again afterwards */
    x->c->nack_first = 0;
    assert_int_equal(xfer(x, 0x04, 0x00, 0x20), SE05X_OK);
}

static void test_corrupted_answer(void **st)
{
    struct fx *x = *st;
    open_ok(x);
    x->c->corrupt_first = 1;
    assert_int_equal(xfer(x, 0x04, 0x00, 0x20), SE05X_OK);
    static const uint8_t nack_crc0[] = {0x5A, 0x81, 0x00, 0x41, 0xA3};
    assert_int_equal(x->c->nhost, 2);
    assert_true(host_sent(x->c, 1, nack_crc0, 5));
    assert_int_equal(x->rl, 9);
}

static void test_sequence_error(void **st)
{
    struct fx *x = *st;
    open_ok(x);
    x->c->wrong_ns_first = 1;
    assert_int_equal(xfer(x, 0x04, 0x00, 0x20), SE05X_OK);
    static const uint8_t nack_other0[] = {0x5A, 0x82, 0x00, 0x29, 0x89};
    assert_true(host_sent(x->c, 1, nack_other0, 5));
    assert_int_equal(x->rl, 9);
}

static void test_silent_card(void **st)
{
    struct fx *x = *st;
    open_ok(x);
    x->c->silent = true;
    x->bus.vtime_ms = 0;
    assert_int_equal(xfer(x, 0x04, 0x00, 0x20), SE05X_E_TIMEOUT);
    assert_non_null(strstr(x->err.msg, "silent"));
    /* bounded: MAX_TIMEOUTS waits plus one for the soft reset, 1.52 s each */
    assert_true(x->bus.vtime_ms <= (SE05X_T1_MAX_TIMEOUTS + 1) * 1520u);
    assert_true(x->bus.vtime_ms >= SE05X_T1_MAX_TIMEOUTS * 1000u);
    /* silent at open, too */
    x->bus.vtime_ms = 0;
    assert_int_equal(se05x_t1_open(&x->t, &x->err), SE05X_E_TIMEOUT);
    assert_true(x->bus.vtime_ms <= SE05X_T1_S_ATTEMPTS * 1520u);
    assert_non_null(strstr(x->err.msg, "no answer"));
}

static void test_garbage_card(void **st)
{
    struct fx *x = *st;
    open_ok(x);
    x->c->garbage = true;
    assert_int_equal(xfer(x, 0x04, 0x00, 0x20), SE05X_E_PROTOCOL);
    assert_int_equal(x->rl, 0);
    assert_true(x->c->nhost <= 1 + SE05X_T1_MAX_RECOVERIES + 1);
    assert_true(host_sent(x->c, x->c->nhost - 1, SOFT_RESET, 5));
}

static void test_response_too_big(void **st)
{
    struct fx *x = *st;
    open_ok(x);
    x->c->rsp_len = 600;
    assert_int_equal(xfer(x, 0x02, 0x00, 0x00), SE05X_E_PROTOCOL);
    assert_int_equal(x->rl, 0);
    /* next exchange resynchronises first and works */
    x->c->rsp_len = 9;
    x->c->qlen = x->c->qoff = 0;
    x->c->nhost = 0;
    assert_int_equal(xfer(x, 0x02, 0x00, 0x00), SE05X_OK);
    assert_true(host_sent(x->c, 0, RESYNCH, 5));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_open_sequence),  T(test_hostile_atr),     T(test_select_worked_example),
        T(test_chaining_2k_both_ways), T(test_wtx),      T(test_too_many_wtx),
        T(test_rnack_retransmit), T(test_corrupted_answer), T(test_sequence_error),
        T(test_wtx_multiplier_capped), T(test_empty_chain),
        T(test_silent_card),    T(test_garbage_card),    T(test_response_too_big),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
