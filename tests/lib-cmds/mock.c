/* SPDX-License-Identifier: Apache-2.0 */
/* Scripted link, see mock.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mock.h"

static se05x_rc mock_transceive(struct se05x_link *l, const uint8_t *c, size_t clen, uint8_t *r,
                                size_t rcap, size_t *rlen, struct se05x_error *err)
{
    struct mock *m = (struct mock *)l;
    *rlen = 0;
    memcpy(m->last, c, clen < sizeof m->last ? clen : sizeof m->last);
    m->last_len = clen;
    if (m->pos >= m->n) {
        if (!m->err[0])
            snprintf(m->err, sizeof m->err, "unexpected APDU #%zu (script has %zu)", m->pos + 1, m->n);
        return se05x_err_set(err, SE05X_E_LINK, 0, 0, "mock: %s", m->err);
    }
    struct mock_step *st = &m->step[m->pos++];
    if (!st->any) {
        bool ok = st->prefix ? clen >= st->clen && !memcmp(c, st->c, st->clen)
                             : clen == st->clen && !memcmp(c, st->c, clen);
        if (!ok) {
            if (!m->err[0]) {
                int k = snprintf(m->err, sizeof m->err, "APDU #%zu differs: got", m->pos);
                for (size_t i = 0; i < clen && k < (int)sizeof m->err - 4; i++)
                    k += snprintf(m->err + k, sizeof m->err - (size_t)k, " %02X", c[i]);
            }
            return se05x_err_set(err, SE05X_E_LINK, 0, 0, "mock: %s", m->err);
        }
    }
    if (st->h) {
        *rlen = st->h(c, clen, r, rcap, st->arg);
        return SE05X_OK;
    }
    if (st->rlen > rcap)
        return se05x_err_set(err, SE05X_E_PROTOCOL, 0, 0, "mock: response too big");
    memcpy(r, st->r, st->rlen);
    *rlen = st->rlen;
    return SE05X_OK;
}

static void mock_close(struct se05x_link *l) { (void)l; }

static const struct se05x_link_ops mock_ops = {
    .name = "mock", .transceive = mock_transceive, .close = mock_close,
};

se05x_session *mock_session(struct mock *m)
{
    memset(m, 0, sizeof *m);
    m->link.ops = &mock_ops;
    se05x_session *s = NULL;
    struct se05x_error e;
    assert_int_equal(se05x_session_from_link(&m->link, "mock", false, &s, &e), SE05X_OK);
    return s;
}

struct mock M;

int mock_setup(void **state)
{
    *state = mock_session(&M);
    return 0;
}

int mock_teardown(void **state)
{
    se05x_close(*state);
    return 0;
}

se05x_session *mock_session_selected(struct mock *m, const char *select_rsp)
{
    memset(m, 0, sizeof *m);
    m->link.ops = &mock_ops;
    mock_expect(m, "00 A4 04 00 10 A0 00 00 03 96 54 53 00 00 00 01 03 00 00 00 00 00", select_rsp);
    se05x_session *s = NULL;
    struct se05x_error e;
    assert_int_equal(se05x_session_from_link(&m->link, "mock", true, &s, &e), SE05X_OK);
    /* the SELECT step is consumed; later expectations start afresh */
    m->n = m->pos = 0;
    return s;
}

static struct mock_step *next(struct mock *m)
{
    assert_true(m->n < MOCK_MAX_STEPS);
    struct mock_step *st = &m->step[m->n++];
    memset(st, 0, sizeof *st);
    return st;
}

void mock_expect(struct mock *m, const char *c, const char *r)
{
    struct mock_step *st = next(m);
    st->clen = test_hex(c, st->c, sizeof st->c);
    st->rlen = test_hex(r, st->r, sizeof st->r);
}

void mock_expect_prefix(struct mock *m, const char *c, const char *r)
{
    mock_expect(m, c, r);
    m->step[m->n - 1].prefix = true;
}

void mock_expect_bin(struct mock *m, const uint8_t *c, size_t clen, const uint8_t *r, size_t rlen)
{
    struct mock_step *st = next(m);
    assert_true(clen <= sizeof st->c && rlen <= sizeof st->r);
    memcpy(st->c, c, clen);
    st->clen = clen;
    memcpy(st->r, r, rlen);
    st->rlen = rlen;
}

void mock_expect_handler(struct mock *m, const char *cprefix, mock_handler h, void *arg)
{
    struct mock_step *st = next(m);
    st->clen = test_hex(cprefix, st->c, sizeof st->c);
    st->prefix = true;
    st->h = h;
    st->arg = arg;
}

size_t mock_answer41(uint8_t *r, size_t cap, const uint8_t *v, size_t n)
{
    assert_true(n <= 0xFFFF && n + 6 <= cap);
    r[0] = 0x41;
    r[1] = 0x82;
    r[2] = (uint8_t)(n >> 8);
    r[3] = (uint8_t)n;
    memcpy(r + 4, v, n);
    r[4 + n] = 0x90;
    r[5 + n] = 0x00;
    return n + 6;
}

void mock_expect_fill41(struct mock *m, const char *c, uint8_t fill, size_t n)
{
    uint8_t v[MOCK_MAX_APDU];
    assert_true(n + 6 <= sizeof v);
    memset(v, fill, n);
    mock_expect(m, c, "");
    struct mock_step *st = &m->step[m->n - 1];
    if (n >= 0x80) {
        st->rlen = mock_answer41(st->r, sizeof st->r, v, n);
        return;
    }
    st->r[0] = 0x41;
    st->r[1] = (uint8_t)n;
    memcpy(st->r + 2, v, n);
    st->r[2 + n] = 0x90;
    st->r[3 + n] = 0x00;
    st->rlen = n + 4;
}

void mock_assert_done(struct mock *m)
{
    if (m->err[0])
        fail_msg("%s", m->err);
    if (m->pos != m->n)
        fail_msg("only %zu of %zu scripted APDUs were sent", m->pos, m->n);
}

void expect_rc(se05x_session *s, se05x_rc got, se05x_rc want)
{
    if (got != want)
        fail_msg("rc %d (%s), want %d; last error: %s", got, se05x_strerror(got), want, se05x_errmsg(s));
}
