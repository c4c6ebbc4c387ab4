/* SPDX-License-Identifier: Apache-2.0 */
#include "mock_link.h"

#include <stdlib.h>
#include <string.h>
#include <sched.h>

#include "testutil.h"

static se05x_rc mock_transceive(struct se05x_link *l, const uint8_t *c, size_t clen, uint8_t *r,
                                size_t rcap, size_t *rlen, struct se05x_error *err)
{
    struct mock_link *m = (struct mock_link *)l;
    if (atomic_fetch_add(&m->inside, 1) != 0)
        atomic_store(&m->overlap, 1);
    sched_yield();
    size_t k = m->nsent++;
    if (k < MOCK_MAX) {
        size_t n = clen < sizeof m->sent[0] ? clen : sizeof m->sent[0];
        memcpy(m->sent[k], c, n);
        m->sentlen[k] = n;
    }
    l->wire_tx += clen;
    se05x_rc rc = SE05X_OK;
    if (m->qi < m->nq) {
        size_t i = m->qi++;
        if (m->q[i].rc != SE05X_OK) {
            rc = se05x_err_set(err, m->q[i].rc, 0, 0, "mock link failure");
        } else if (m->q[i].rl > rcap) {
            rc = se05x_err_set(err, SE05X_E_PROTOCOL, 0, 0, "mock: answer too long");
        } else {
            memcpy(r, m->q[i].r, m->q[i].rl);
            *rlen = m->q[i].rl;
        }
    } else if (m->default_sw && rcap >= 2) {
        r[0] = (uint8_t)(m->default_sw >> 8);
        r[1] = (uint8_t)m->default_sw;
        *rlen = 2;
    } else if (m->default_ok && rcap >= 2) {
        r[0] = 0x90;
        r[1] = 0x00;
        *rlen = 2;
    } else {
        rc = se05x_err_set(err, SE05X_E_LINK, 0, 0, "mock: no scripted answer");
    }
    if (rc == SE05X_OK)
        l->wire_rx += *rlen;
    atomic_fetch_sub(&m->inside, 1);
    return rc;
}

static se05x_rc mock_begin(struct se05x_link *l, struct se05x_error *err)
{
    (void)err;
    ((struct mock_link *)l)->begins++;
    return SE05X_OK;
}

static void mock_end(struct se05x_link *l) { ((struct mock_link *)l)->ends++; }

static void mock_close(struct se05x_link *l)
{
    struct mock_link *m = (struct mock_link *)l;
    if (m->closed)
        *m->closed = 1;
    free(m);
}

static const struct se05x_link_ops mock_ops = {
    .name = "mock", .transceive = mock_transceive, .begin = mock_begin, .end = mock_end,
    .close = mock_close};

struct mock_link *mock_new(void)
{
    struct mock_link *m = calloc(1, sizeof *m);
    assert_non_null(m);
    m->base.ops = &mock_ops;
    memcpy(m->base.atr, "\x00\xA0\x00\x00\x03\x96", 6);
    m->base.atr_len = 6;
    return m;
}

void mock_push(struct mock_link *m, const char *hex)
{
    assert_true(m->nq < MOCK_MAX);
    m->q[m->nq].rl = test_hex(hex, m->q[m->nq].r, sizeof m->q[m->nq].r);
    m->q[m->nq].rc = SE05X_OK;
    m->nq++;
}

void mock_push_raw(struct mock_link *m, const uint8_t *r, size_t n)
{
    assert_true(m->nq < MOCK_MAX);
    memcpy(m->q[m->nq].r, r, n);
    m->q[m->nq].rl = n;
    m->q[m->nq].rc = SE05X_OK;
    m->nq++;
}

void mock_push_rc(struct mock_link *m, se05x_rc rc)
{
    assert_true(m->nq < MOCK_MAX);
    m->q[m->nq].rc = rc;
    m->nq++;
}
