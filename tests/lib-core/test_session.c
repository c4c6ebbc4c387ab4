/* SPDX-License-Identifier: Apache-2.0 */
/* Session core over a scripted link: SELECT parsing, refusal of old applets
 * and missing applets, short responses, SW mapping and messages, the
 * NOT_FOUND refinement (exactly one extra CheckObjectExists, only on
 * failure), transactions, curve cache, stats, thread safety, independence
 * of two sessions. */
#include <pthread.h>
#include <string.h>

#include "testutil.h"
#include "mock_link.h"
#include "session_priv.h"

#define SELECT_HEX "00 A4 04 00 10 A0 00 00 03 96 54 53 00 00 00 01 03 00 00 00 00 00"

static se05x_session *open_mock(struct mock_link *m, bool sel)
{
    se05x_session *s = NULL;
    struct se05x_error e = {0};
    if (se05x_session_from_link(&m->base, "mock:1", sel, &s, &e) != SE05X_OK)
        fail_msg("open failed: %s", e.msg);
    return s;
}

static void select_7_bytes(void **st)
{
    (void)st;
    struct mock_link *m = mock_new();
    mock_push(m, "03 01 00 6F FF 01 0B 90 00");
    se05x_session *s = open_mock(m, true);
    assert_int_equal(m->nsent, 1);
    assert_bytes(m->sent[0], m->sentlen[0], SELECT_HEX);
    const struct se05x_applet_info *a = se05x_applet(s);
    assert_int_equal(a->major, 3);
    assert_int_equal(a->minor, 1);
    assert_int_equal(a->patch, 0);
    assert_int_equal(a->config, 0x6FFF);
    assert_int_equal(a->sb_major, 1);
    assert_int_equal(a->sb_minor, 0x0B);
    assert_string_equal(se05x_conn(s), "mock:1");
    se05x_close(s);
}

static void select_variants(void **st)
{
    (void)st;
    const struct {
        const char *rsp;
        se05x_rc rc;
        uint8_t major;
        uint16_t config;
        const char *msg;
    } c[] = {
        {"07 02 00 6F 9F 01 0B 90 00", SE05X_OK, 7, 0x6F9F, NULL},
        {"03 06 00 6F FF 01 0B 00 00 90 00", SE05X_OK, 3, 0x6FFF, NULL}, /* trailing bytes */
        {"03 01 00 3F FF 90 00", SE05X_OK, 3, 0x3FFF, NULL},             /* 5 bytes */
        {"03 01 00 01 90 00", SE05X_OK, 3, 0, NULL},                     /* 4 bytes */
        {"02 03 00 6F FF 01 0B 90 00", SE05X_E_UNSUPPORTED, 0, 0, "applet 2.3.0 on mock:1 too old"},
        {"02 02 04 00 90 00", SE05X_E_UNSUPPORTED, 0, 0, "too old"},
        {"6A 82", SE05X_E_UNSUPPORTED, 0, 0, "SE05x applet not installed on mock:1"},
        {"69 85", SE05X_E_CONDITIONS, 0, 0, "SELECT of the SE05x applet on mock:1 failed"},
        {"03 01 00 6F FF 01 90 00", SE05X_E_PROTOCOL, 0, 0, "unexpected SELECT answer of 6 bytes"},
        {"03 01 00 90 00", SE05X_E_PROTOCOL, 0, 0, "unexpected SELECT answer of 3 bytes"},
        {"90 00", SE05X_E_PROTOCOL, 0, 0, "unexpected SELECT answer of 0 bytes"},
        {"90", SE05X_E_PROTOCOL, 0, 0, "response of 1 byte without a status word"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        int closed = 0;
        struct mock_link *m = mock_new();
        m->closed = &closed;
        mock_push(m, c[i].rsp);
        se05x_session *s = (se05x_session *)1;
        struct se05x_error e = {0};
        se05x_rc rc = se05x_session_from_link(&m->base, "mock:1", true, &s, &e);
        if (rc != c[i].rc)
            fail_msg("case %zu (%s): rc %d, msg %s", i, c[i].rsp, rc, e.msg);
        if (rc == SE05X_OK) {
            assert_int_equal(se05x_applet(s)->major, c[i].major);
            assert_int_equal(se05x_applet(s)->config, c[i].config);
            se05x_close(s);
        } else {
            assert_null(s);
            assert_int_equal(e.rc, rc);
            if (!strstr(e.msg, c[i].msg))
                fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, c[i].msg);
        }
        assert_true(closed); /* the link never leaks */
    }
}

static void empty_response_is_protocol_error(void **st)
{
    (void)st;
    struct mock_link *m = mock_new();
    se05x_session *s = open_mock(m, false);
    mock_push_raw(m, (const uint8_t *)"", 0);
    mock_push_raw(m, (const uint8_t *)"\x90", 1);
    struct se05x_apdu a = {0x80, 0x04, 0x00, 0x20, NULL, 0, false};
    uint8_t r[16];
    size_t rl = 99;
    assert_int_equal(se05x_cmd(s, "GetVersion", 0, &a, r, sizeof r, &rl), SE05X_E_PROTOCOL);
    assert_int_equal(rl, 0);
    assert_non_null(strstr(se05x_errmsg(s), "GetVersion on mock:1: response of 0 bytes"));
    assert_int_equal(se05x_transceive(s, (const uint8_t *)"\x80\x04\x00\x20\x00", 5, r, sizeof r, &rl),
                     SE05X_E_PROTOCOL);
    se05x_close(s);
}

static void cmd_success_and_errors(void **st)
{
    (void)st;
    struct mock_link *m = mock_new();
    se05x_session *s = open_mock(m, false);
    uint8_t d[] = {0x41, 0x04, 0x7F, 0x00, 0x00, 0x01};
    struct se05x_apdu a = {0x80, 0x02, 0x00, 0x07, d, sizeof d, false};
    uint8_t r[4];
    size_t rl = 0;
    mock_push(m, "41 02 00 20 90 00");
    assert_int_equal(se05x_cmd(s, "ReadSize", 0x7F000001, &a, r, sizeof r, &rl), SE05X_OK);
    assert_bytes(r, rl, "41 02 00 20");
    assert_bytes(m->sent[0], m->sentlen[0], "80 02 00 07 06 41 04 7F 00 00 01");

    /* response longer than the caller expects */
    mock_push(m, "41 03 00 20 00 90 00");
    assert_int_equal(se05x_cmd(s, "ReadSize", 0x7F000001, &a, r, sizeof r, &rl), SE05X_E_PROTOCOL);
    assert_non_null(strstr(se05x_errmsg(s), "response of 5 bytes exceeds the expected 4"));

    /* NULL rdata: data ignored */
    mock_push(m, "41 02 00 20 90 00");
    assert_int_equal(se05x_cmd(s, "ReadSize", 0x7F000001, &a, NULL, 0, &rl), SE05X_OK);
    assert_int_equal(rl, 0);

    /* policy denial: message names command, object, connection, reason, SW */
    mock_push(m, "69 86");
    assert_int_equal(se05x_cmd(s, "ECDSASign", 0x7F000001, &a, r, sizeof r, &rl), SE05X_E_DENIED);
    assert_string_equal(se05x_errmsg(s),
                        "ECDSASign of object 0x7F000001 on mock:1: denied by object policy (SW 6986)");
    struct se05x_error e;
    se05x_last_error(s, &e);
    assert_int_equal(e.rc, SE05X_E_DENIED);
    assert_int_equal(e.sw, 0x6986);
    assert_int_equal(e.objid, 0x7F000001);

    /* no object: no refinement, message without object part */
    struct se05x_apdu g = {0x80, 0x04, 0x00, 0x22, (const uint8_t *)"\x41\x01\x01", 3, false};
    mock_push(m, "6A 84");
    assert_int_equal(se05x_cmd(s, "GetFreeMemory", 0, &g, r, sizeof r, &rl), SE05X_E_NO_MEMORY);
    assert_string_equal(se05x_errmsg(s), "GetFreeMemory on mock:1: chip memory full (SW 6A84)");

    /* link failure */
    mock_push_rc(m, SE05X_E_TIMEOUT);
    assert_int_equal(se05x_cmd(s, "GetFreeMemory", 0, &g, r, sizeof r, &rl), SE05X_E_TIMEOUT);
    assert_string_equal(se05x_errmsg(s), "GetFreeMemory on mock:1: mock link failure");

    /* cmd_sw: SW returned, data delivered, no error */
    mock_push(m, "41 01 02 6A 80");
    uint16_t sw = 0;
    assert_int_equal(se05x_cmd_sw(s, "X", 0x7F000001, &a, r, sizeof r, &rl, &sw), SE05X_OK);
    assert_int_equal(sw, 0x6A80);
    assert_bytes(r, rl, "41 01 02");
    size_t before = m->nsent;
    mock_push(m, "69 85");
    assert_int_equal(se05x_cmd_sw(s, "X", 0x7F000001, &a, NULL, 0, NULL, &sw), SE05X_OK);
    assert_int_equal(sw, 0x6985);
    assert_int_equal(m->nsent, before + 1); /* cmd_sw never refines */

    /* too much data / unencodable */
    static uint8_t big[SE05X_CMD_MAX + 1];
    struct se05x_apdu b = {0x80, 0x01, 0x06, 0x00, big, sizeof big, false};
    before = m->nsent;
    assert_int_equal(se05x_cmd(s, "WriteBinary", 0x10, &b, NULL, 0, NULL), SE05X_E_BAD_ARG);
    assert_int_equal(m->nsent, before);
    assert_int_equal(se05x_cmd(s, "X", 0, NULL, NULL, 0, NULL), SE05X_E_BAD_ARG);
    assert_int_equal(se05x_cmd(NULL, "X", 0, &a, NULL, 0, NULL), SE05X_E_BAD_ARG);
    se05x_close(s);
}

/* An object-level failure of a command naming an object costs exactly one
 * extra CheckObjectExists, and only then. */
static void not_found_refinement(void **st)
{
    (void)st;
    struct mock_link *m = mock_new();
    se05x_session *s = open_mock(m, false);
    uint8_t d[] = {0x41, 0x04, 0x7F, 0x00, 0x00, 0x01, 0x42, 0x01, 0x21, 0x43, 0x01, 0x00};
    struct se05x_apdu a = {0x80, 0x03, 0x0C, 0x09, d, sizeof d, false};
    uint8_t r[80];
    size_t rl;

    /* success: one APDU */
    mock_push(m, "41 02 30 00 90 00");
    assert_int_equal(se05x_cmd(s, "ECDSASign", 0x7F000001, &a, r, sizeof r, &rl), SE05X_OK);
    assert_int_equal(m->nsent, 1);

    /* 6A80 and the object is absent -> NOT_FOUND, two APDUs */
    mock_push(m, "6A 80");
    mock_push(m, "41 01 02 90 00");
    assert_int_equal(se05x_cmd(s, "ECDSASign", 0x7F000001, &a, r, sizeof r, &rl), SE05X_E_NOT_FOUND);
    assert_int_equal(m->nsent, 3);
    assert_bytes(m->sent[2], m->sentlen[2], "80 04 00 27 06 41 04 7F 00 00 01");
    assert_string_equal(se05x_errmsg(s), "object 0x7F000001 not found on mock:1 (ECDSASign, SW 6A80)");
    struct se05x_error e;
    se05x_last_error(s, &e);
    assert_int_equal(e.rc, SE05X_E_NOT_FOUND);
    assert_int_equal(e.objid, 0x7F000001);

    /* 6A82 (SE050Sim) and 6985 likewise; 82-form length in the answer */
    mock_push(m, "6A 82");
    mock_push(m, "41 82 00 01 02 90 00");
    assert_int_equal(se05x_cmd(s, "ECDSASign", 0x7F000001, &a, r, sizeof r, &rl), SE05X_E_NOT_FOUND);
    assert_int_equal(m->nsent, 5);

    /* the object exists: the original error stands */
    mock_push(m, "6A 80");
    mock_push(m, "41 01 01 90 00");
    assert_int_equal(se05x_cmd(s, "ECDSASign", 0x7F000001, &a, r, sizeof r, &rl), SE05X_E_WRONG_DATA);
    assert_int_equal(m->nsent, 7);
    assert_string_equal(se05x_errmsg(s), "ECDSASign of object 0x7F000001 on mock:1: wrong data (SW 6A80)");

    mock_push(m, "69 85");
    mock_push(m, "41 01 01 90 00");
    assert_int_equal(se05x_cmd(s, "ReadObject", 0x7F000001, &a, r, sizeof r, &rl), SE05X_E_CONDITIONS);
    assert_int_equal(m->nsent, 9);

    /* the check itself fails: the original error stands */
    mock_push(m, "6A 80");
    mock_push(m, "6D 00");
    assert_int_equal(se05x_cmd(s, "ECDSASign", 0x7F000001, &a, r, sizeof r, &rl), SE05X_E_WRONG_DATA);
    assert_int_equal(m->nsent, 11);
    mock_push(m, "6A 80");
    mock_push(m, "41 01 07 90 00"); /* nonsense answer */
    assert_int_equal(se05x_cmd(s, "ECDSASign", 0x7F000001, &a, r, sizeof r, &rl), SE05X_E_WRONG_DATA);
    assert_int_equal(m->nsent, 13);

    /* other SWs, no object id, and WRITE (creation) are not refined */
    mock_push(m, "69 86");
    assert_int_equal(se05x_cmd(s, "ECDSASign", 0x7F000001, &a, r, sizeof r, &rl), SE05X_E_DENIED);
    assert_int_equal(m->nsent, 14);
    mock_push(m, "6A 80");
    assert_int_equal(se05x_cmd(s, "ECDSASign", 0, &a, r, sizeof r, &rl), SE05X_E_WRONG_DATA);
    assert_int_equal(m->nsent, 15);
    struct se05x_apdu w = {0x80, 0x01, 0x61, 0x00, d, 9, false};
    mock_push(m, "6A 80");
    assert_int_equal(se05x_cmd(s, "WriteECKey", 0x7F000001, &w, NULL, 0, NULL), SE05X_E_WRONG_DATA);
    assert_int_equal(m->nsent, 16);
    struct se05x_apdu x = {0x80, 0x04, 0x00, 0x27, d, 6, false};
    mock_push(m, "6A 80");
    assert_int_equal(se05x_cmd(s, "CheckObjectExists", 0x7F000001, &x, r, sizeof r, &rl),
                     SE05X_E_WRONG_DATA);
    assert_int_equal(m->nsent, 17);
    se05x_close(s);
}

static void transactions_and_stats(void **st)
{
    (void)st;
    struct mock_link *m = mock_new();
    m->default_ok = 1;
    se05x_session *s = open_mock(m, false);
    assert_int_equal(se05x_txn_begin(s), SE05X_OK);
    assert_int_equal(se05x_txn_begin(s), SE05X_OK); /* nested */
    struct se05x_apdu a = {0x80, 0x04, 0x00, 0x20, NULL, 0, false};
    assert_int_equal(se05x_cmd(s, "GetVersion", 0, &a, NULL, 0, NULL), SE05X_OK);
    se05x_txn_end(s);
    assert_int_equal(m->begins, 1);
    assert_int_equal(m->ends, 0);
    se05x_txn_end(s);
    assert_int_equal(m->ends, 1);
    struct se05x_stats stt;
    se05x_get_stats(s, &stt);
    assert_int_equal(stt.apdus, 1);
    assert_int_equal(stt.tx_bytes, 5);
    assert_int_equal(stt.rx_bytes, 2);
    assert_int_equal(stt.link_tx_bytes, 5);
    assert_int_equal(stt.link_rx_bytes, 2);
    uint8_t r[8];
    size_t rl;
    assert_int_equal(se05x_transceive(s, (const uint8_t *)"\x80\x04\x00\x20\x00", 5, r, sizeof r, &rl),
                     SE05X_OK);
    assert_bytes(r, rl, "90 00");
    se05x_get_stats(s, &stt);
    assert_int_equal(stt.apdus, 2);
    assert_int_equal(se05x_transceive(s, (const uint8_t *)"\x80", 1, r, sizeof r, &rl), SE05X_E_BAD_ARG);
    uint8_t atr[8];
    assert_int_equal(se05x_atr(s, atr, sizeof atr), 6);
    se05x_close(s);
}

static void curve_cache(void **st)
{
    (void)st;
    struct mock_link *m = mock_new();
    se05x_session *s = open_mock(m, false);
    assert_false(se05x_curve_cached(s, SE05X_EC_NIST_P256));
    se05x_curve_cache_set(s, SE05X_EC_NIST_P256, true);
    se05x_curve_cache_set(s, SE05X_EC_X448, true);
    assert_true(se05x_curve_cached(s, SE05X_EC_NIST_P256));
    assert_true(se05x_curve_cached(s, SE05X_EC_X448));
    assert_false(se05x_curve_cached(s, SE05X_EC_NIST_P384));
    se05x_curve_cache_set(s, SE05X_EC_NIST_P256, false);
    assert_false(se05x_curve_cached(s, SE05X_EC_NIST_P256));
    se05x_curve_cache_set(s, (se05x_curve)200, true); /* out of range: ignored */
    assert_false(se05x_curve_cached(s, (se05x_curve)200));
    se05x_close(s);
}

static void two_sessions_independent(void **st)
{
    (void)st;
    struct mock_link *m1 = mock_new(), *m2 = mock_new();
    mock_push(m1, "03 01 00 6F FF 01 0B 90 00");
    mock_push(m2, "07 02 00 6F 9F 01 0B 90 00");
    se05x_session *a = NULL, *b = NULL;
    assert_int_equal(se05x_session_from_link(&m1->base, "chip-a", true, &a, NULL), SE05X_OK);
    assert_int_equal(se05x_session_from_link(&m2->base, "chip-b", true, &b, NULL), SE05X_OK);
    assert_int_equal(se05x_applet(a)->major, 3);
    assert_int_equal(se05x_applet(b)->major, 7);
    struct se05x_apdu g = {0x80, 0x04, 0x00, 0x20, NULL, 0, false};
    mock_push(m1, "69 86");
    mock_push(m2, "90 00");
    assert_int_equal(se05x_cmd(a, "GetVersion", 0, &g, NULL, 0, NULL), SE05X_E_DENIED);
    assert_int_equal(se05x_cmd(b, "GetVersion", 0, &g, NULL, 0, NULL), SE05X_OK);
    struct se05x_error ea, eb;
    se05x_last_error(a, &ea);
    se05x_last_error(b, &eb);
    assert_int_equal(ea.rc, SE05X_E_DENIED);
    assert_non_null(strstr(ea.msg, "chip-a"));
    assert_int_equal(eb.rc, SE05X_OK);
    assert_string_equal(eb.msg, "");
    se05x_curve_cache_set(a, SE05X_EC_NIST_P256, true);
    assert_false(se05x_curve_cached(b, SE05X_EC_NIST_P256));
    struct se05x_stats sa, sb;
    se05x_get_stats(a, &sa);
    se05x_get_stats(b, &sb);
    assert_int_equal(sa.apdus, 2);
    assert_int_equal(sb.apdus, 2);
    assert_int_equal(m1->nsent, 2);
    assert_int_equal(m2->nsent, 2);
    /* one session holding a transaction does not block the other */
    assert_int_equal(se05x_txn_begin(a), SE05X_OK);
    mock_push(m2, "90 00");
    assert_int_equal(se05x_cmd(b, "GetVersion", 0, &g, NULL, 0, NULL), SE05X_OK);
    se05x_txn_end(a);
    se05x_close(a);
    mock_push(m2, "90 00");
    assert_int_equal(se05x_cmd(b, "GetVersion", 0, &g, NULL, 0, NULL), SE05X_OK);
    se05x_close(b);
}

struct thr {
    se05x_session *s;
    int fails;
};

static void *hammer(void *arg)
{
    struct thr *t = arg;
    struct se05x_apdu g = {0x80, 0x04, 0x00, 0x20, NULL, 0, false};
    for (int i = 0; i < 300; i++) {
        if (i % 50 == 0) { /* a multi-APDU transaction now and then */
            se05x_txn_begin(t->s);
            if (se05x_cmd(t->s, "A", 0, &g, NULL, 0, NULL) != SE05X_OK)
                t->fails++;
            if (se05x_cmd(t->s, "B", 0, &g, NULL, 0, NULL) != SE05X_OK)
                t->fails++;
            se05x_txn_end(t->s);
        } else if (se05x_cmd(t->s, "GetVersion", 0, &g, NULL, 0, NULL) != SE05X_OK) {
            t->fails++;
        }
        struct se05x_error e;
        se05x_last_error(t->s, &e);
    }
    return NULL;
}

static void threads_are_serialised(void **st)
{
    (void)st;
    struct mock_link *m = mock_new();
    m->default_ok = 1;
    se05x_session *s = open_mock(m, false);
    pthread_t th[4];
    struct thr t[4];
    for (int i = 0; i < 4; i++) {
        t[i] = (struct thr){s, 0};
        pthread_create(&th[i], NULL, hammer, &t[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(t[i].fails, 0);
    }
    assert_int_equal(atomic_load(&m->overlap), 0);
    struct se05x_stats stt;
    se05x_get_stats(s, &stt);
    assert_int_equal(stt.apdus, 4 * (294 + 12));
    assert_int_equal(m->begins, m->ends);
    assert_int_equal(m->begins, 4 * 6);
    se05x_close(s);
}

static void bad_args(void **st)
{
    (void)st;
    se05x_session *s = (se05x_session *)1;
    struct se05x_error e = {0};
    assert_int_equal(se05x_session_from_link(NULL, "x", false, &s, &e), SE05X_E_BAD_ARG);
    assert_null(s);
    assert_int_equal(se05x_open("127.0.0.1:0", NULL, &s, &e), SE05X_E_BAD_ARG);
    assert_null(s);
    assert_non_null(strstr(e.msg, "bad connection string '127.0.0.1:0'"));
    assert_int_equal(se05x_open("x", NULL, NULL, &e), SE05X_E_BAD_ARG);
    se05x_close(NULL);
    assert_null(se05x_applet(NULL));
    assert_string_equal(se05x_conn(NULL), "");
    assert_int_equal(se05x_atr(NULL, NULL, 0), 0);
    assert_int_equal(se05x_txn_begin(NULL), SE05X_E_BAD_ARG);
    se05x_txn_end(NULL);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(select_7_bytes),
        cmocka_unit_test(select_variants),
        cmocka_unit_test(empty_response_is_protocol_error),
        cmocka_unit_test(cmd_success_and_errors),
        cmocka_unit_test(not_found_refinement),
        cmocka_unit_test(transactions_and_stats),
        cmocka_unit_test(curve_cache),
        cmocka_unit_test(two_sessions_independent),
        cmocka_unit_test(threads_are_serialised),
        cmocka_unit_test(bad_args),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
