/* SPDX-License-Identifier: Apache-2.0 */
/* JRCP v1 client against a fake server thread on loopback TCP / AF_UNIX:
 * exact WAIT_FOR_CARD and CLOSE bytes, normal exchange, and hostile replies
 * (wrong type, oversize length, peer closing mid-message, silence). */
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "testutil.h"
#include "internal.h"
#include "se05x_proto.h"

enum mode {
    M_NORMAL, M_WRONG_MTY, M_OVERSIZE, M_CLOSE_MID, M_SILENT, M_ATR_TOO_LONG, M_ERRMSG,
    M_EOF_AT_OPEN, M_EMPTY_ATR, M_V2, M_SILENT_AT_OPEN, M_NO_LOCK,
    M_TRICKLE, /* every reply one byte per send */
    M_AHEAD,   /* the ATR and the first two replies in one send, nothing after */
};

struct fake {
    enum mode mode;
    int lfd;
    uint16_t port;
    char upath[108];
    pthread_t th;
    uint8_t wfc[8];      /* what the client sent first */
    uint8_t apdu[512];   /* last APDU payload received */
    size_t apdu_len;
    int napdus;
    int got_close;       /* saw 03 00 00 00 */
    int nlock, nunlock;  /* LOCK / UNLOCK messages seen */
};

static int rd(int fd, void *b, size_t n)
{
    size_t g = 0;
    while (g < n) {
        ssize_t r = read(fd, (uint8_t *)b + g, n - g);
        if (r <= 0)
            return -1;
        g += (size_t)r;
    }
    return 0;
}

static void wr(int fd, const void *b, size_t n)
{
    if (send(fd, b, n, MSG_NOSIGNAL) != (ssize_t)n) { /* the client may be gone already */
    }
}

static void *server(void *arg)
{
    struct fake *f = arg;
    int fd = accept(f->lfd, NULL, NULL);
    if (fd < 0)
        return NULL;
    if (f->mode == M_EOF_AT_OPEN) {
        close(fd);
        return NULL;
    }
    if (rd(fd, f->wfc, 8))
        goto out;
    if (f->mode == M_SILENT_AT_OPEN) { /* e.g. a raw T=1 server waiting for more */
        uint8_t junk;
        while (read(fd, &junk, 1) > 0) {
        }
        goto out;
    }
    if (f->mode == M_V2) {
        wr(fd, "\xA5\x01\x00\x00", 4);
        goto out;
    }
    if (f->mode == M_ATR_TOO_LONG) {
        uint8_t m[4 + 128] = {0x00, 0x00, 0x00, 0x80};
        wr(fd, m, sizeof m);
        goto out;
    }
    if (f->mode == M_AHEAD) { /* a client reading past a message must keep the rest */
        uint8_t m[4 + SE05X_ATR_LEN + 8 + 7] = {0x00, 0x00, 0x00, SE05X_ATR_LEN};
        memcpy(m + 4, SE05X_ATR_SE050C1, SE05X_ATR_LEN);
        memcpy(m + 4 + SE05X_ATR_LEN, "\x01\x00\x00\x04\xCA\xFE\x90\x00" "\x01\x00\x00\x03\x42\x90\x00", 15);
        wr(fd, m, sizeof m);
    } else if (f->mode == M_EMPTY_ATR) {
        wr(fd, "\x00\x00\x00\x00", 4);
    } else {
        uint8_t m[4 + SE05X_ATR_LEN] = {0x00, 0x00, 0x00, SE05X_ATR_LEN};
        memcpy(m + 4, SE05X_ATR_SE050C1, SE05X_ATR_LEN);
        wr(fd, m, sizeof m);
    }
    for (;;) {
        uint8_t h[4];
        if (rd(fd, h, 4))
            break;
        size_t len = (size_t)h[2] << 8 | h[3];
        if (h[0] == 0x03) {
            f->got_close = (h[1] == 0 && len == 0);
            break;
        }
        if (len > sizeof f->apdu || rd(fd, f->apdu, len))
            break;
        if (h[0] == 0x30 || h[0] == 0x31) {
            *(h[0] == 0x30 ? &f->nlock : &f->nunlock) += 1;
            if (f->mode == M_NO_LOCK)
                wr(fd, "\x02\x00\x00\x01\x6F", 5); /* a STATUS answer: not supported */
            else
                wr(fd, h[0] == 0x30 ? "\x30\x00\x00\x00" : "\x31\x00\x00\x00", 4);
            continue;
        }
        f->apdu_len = len;
        f->napdus++;
        switch (f->mode) {
        case M_WRONG_MTY: wr(fd, "\x02\x00\x00\x02\x90\x00", 6); break;
        case M_OVERSIZE: wr(fd, "\x01\x00\xFF\xFF", 4); break;
        case M_CLOSE_MID: wr(fd, "\x01\x00\x00\x10\x90\x00\x01", 7); goto out;
        case M_SILENT: continue;
        case M_AHEAD: continue; /* answered ahead */
        case M_TRICKLE: {
            static const uint8_t rsp[8] = {0x01, 0x00, 0x00, 0x04, 0xCA, 0xFE, 0x90, 0x00};
            for (int i = 0; i < 8; i++)
                wr(fd, rsp + i, 1);
            break;
        }
        case M_ERRMSG: wr(fd, "\x03\x00\x00\x0C" "card\nremoved", 4 + 12); break;
        default:
            if (f->apdu[1] == 0xA4)
                wr(fd, "\x01\x00\x00\x09\x03\x01\x00\x6F\xFF\x01\x0B\x90\x00", 13);
            else
                wr(fd, "\x01\x00\x00\x04\xCA\xFE\x90\x00", 8);
        }
    }
out:
    close(fd);
    return NULL;
}

static void start(struct fake *f, enum mode m, int use_unix)
{
    memset(f, 0, sizeof *f);
    f->mode = m;
    if (use_unix) {
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        tmp_path(f->upath, sizeof f->upath, "jrcp.sock");
        strcpy(a.sun_path, f->upath);
        f->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
        assert_int_equal(bind(f->lfd, (struct sockaddr *)&a, sizeof a), 0);
    } else {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t l = sizeof a;
        f->lfd = socket(AF_INET, SOCK_STREAM, 0);
        assert_int_equal(bind(f->lfd, (struct sockaddr *)&a, sizeof a), 0);
        assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&a, &l), 0);
        f->port = ntohs(a.sin_port);
    }
    assert_int_equal(listen(f->lfd, 1), 0);
    assert_int_equal(pthread_create(&f->th, NULL, server, f), 0);
}

static void stop(struct fake *f)
{
    pthread_join(f->th, NULL);
    close(f->lfd);
    if (f->upath[0])
        unlink(f->upath);
}

static void conn_of(const struct fake *f, char *buf, size_t cap)
{
    if (f->upath[0])
        snprintf(buf, cap, "unix:%.100s", f->upath);
    else
        snprintf(buf, cap, "127.0.0.1:%u", f->port);
}

static se05x_rc open_link(struct fake *f, int timeout, struct se05x_link **l, struct se05x_error *e)
{
    char conn[200];
    struct se05x_conn_spec spec;
    conn_of(f, conn, sizeof conn);
    assert_int_equal(se05x_conn_parse(conn, &spec, e), SE05X_OK);
    return se05x_link_open(&spec, timeout, l, e);
}

static void normal_exchange(struct fake *f, int use_unix)
{
    struct se05x_link *l = NULL;
    struct se05x_error e = {0};
    start(f, M_NORMAL, use_unix);
    assert_int_equal(open_link(f, 2000, &l, &e), SE05X_OK);
    assert_bytes(f->wfc, 8, "00 00 00 04 00 00 01 00");
    assert_int_equal(l->atr_len, SE05X_ATR_LEN);
    assert_memory_equal(l->atr, SE05X_ATR_SE050C1, SE05X_ATR_LEN);
    uint8_t c[] = {0x80, 0x04, 0x00, 0x20, 0x00}, r[64];
    size_t rl = 0;
    assert_int_equal(l->ops->transceive(l, c, sizeof c, r, sizeof r, &rl, &e), SE05X_OK);
    assert_bytes(r, rl, "CA FE 90 00");
    assert_bytes(f->apdu, f->apdu_len, "80 04 00 20 00");
    assert_int_equal(l->wire_tx, 8 + 4 + 5);
    assert_int_equal(l->wire_rx, 4 + SE05X_ATR_LEN + 4 + 4);
    l->ops->close(l);
    stop(f);
    assert_true(f->got_close);
}

static void tcp_normal(void **st)
{
    (void)st;
    struct fake f;
    normal_exchange(&f, 0);
}

static void unix_normal(void **st)
{
    (void)st;
    struct fake f;
    normal_exchange(&f, 1);
}

/* Replies in pieces, and replies arriving before their request (several
 * messages in one read): each exchange gets exactly its own reply. */
static void split_and_early_replies(void **st)
{
    (void)st;
    for (int u = 0; u < 2; u++) {
        struct fake f;
        struct se05x_link *l = NULL;
        struct se05x_error e = {0};
        uint8_t c[] = {0x80, 0x04, 0x00, 0x20, 0x00}, r[64];
        size_t rl = 0;
        start(&f, M_TRICKLE, u);
        assert_int_equal(open_link(&f, 2000, &l, &e), SE05X_OK);
        for (int i = 0; i < 3; i++) {
            assert_int_equal(l->ops->transceive(l, c, sizeof c, r, sizeof r, &rl, &e), SE05X_OK);
            assert_bytes(r, rl, "CA FE 90 00");
        }
        l->ops->close(l);
        stop(&f);
        assert_true(f.got_close);

        start(&f, M_AHEAD, u);
        assert_int_equal(open_link(&f, 2000, &l, &e), SE05X_OK);
        assert_int_equal(l->atr_len, SE05X_ATR_LEN);
        assert_memory_equal(l->atr, SE05X_ATR_SE050C1, SE05X_ATR_LEN);
        assert_int_equal(l->ops->transceive(l, c, sizeof c, r, sizeof r, &rl, &e), SE05X_OK);
        assert_bytes(r, rl, "CA FE 90 00");
        assert_int_equal(l->ops->transceive(l, c, sizeof c, r, sizeof r, &rl, &e), SE05X_OK);
        assert_bytes(r, rl, "42 90 00");
        assert_int_equal(l->wire_rx, 4 + SE05X_ATR_LEN + 8 + 7);
        l->ops->close(l);
        stop(&f);
        assert_true(f.got_close);
        assert_int_equal(f.napdus, 2);
    }
}

/* A hostile reply: the exchange fails with `rc` and a message containing
 * `msg`; the link then refuses further use instead of reading garbage. */
static void hostile(enum mode m, se05x_rc rc, const char *msg, int timeout)
{
    struct fake f;
    struct se05x_link *l = NULL;
    struct se05x_error e = {0};
    start(&f, m, 0);
    assert_int_equal(open_link(&f, timeout, &l, &e), SE05X_OK);
    uint8_t c[] = {0x80, 0x04, 0x00, 0x20, 0x00}, r[64];
    size_t rl = 0;
    assert_int_equal(l->ops->transceive(l, c, sizeof c, r, sizeof r, &rl, &e), rc);
    if (!strstr(e.msg, msg))
        fail_msg("message '%s' lacks '%s'", e.msg, msg);
    char port[32];
    snprintf(port, sizeof port, "127.0.0.1:%u", f.port);
    assert_non_null(strstr(e.msg, port));
    assert_int_equal(l->ops->transceive(l, c, sizeof c, r, sizeof r, &rl, &e), SE05X_E_LINK);
    assert_non_null(strstr(e.msg, "unusable"));
    l->ops->close(l);
    stop(&f);
}

static void wrong_mty(void **st)
{
    (void)st;
    hostile(M_WRONG_MTY, SE05X_E_PROTOCOL, "answered message type 0x02 (STATUS) instead of 0x01", 2000);
}

static void oversize_len(void **st)
{
    (void)st;
    hostile(M_OVERSIZE, SE05X_E_PROTOCOL, "announced 65535 bytes, more than the 64 expected", 2000);
}

static void close_mid_message(void **st)
{
    (void)st;
    hostile(M_CLOSE_MID, SE05X_E_LINK, "connection closed by peer after 3 of 16 bytes", 2000);
}

static void silent_server(void **st)
{
    (void)st;
    hostile(M_SILENT, SE05X_E_TIMEOUT, "no answer within 200 ms", 200);
}

static void error_message_quoted(void **st)
{
    (void)st;
    hostile(M_ERRMSG, SE05X_E_PROTOCOL, "reported an error: card?removed", 2000);
}

static void open_failures(void **st)
{
    (void)st;
    struct {
        enum mode m;
        se05x_rc rc;
        const char *msg;
    } cases[] = {
        {M_ATR_TOO_LONG, SE05X_E_PROTOCOL, "announced 128 bytes, more than the 64 expected"},
        {M_EOF_AT_OPEN, SE05X_E_LINK, "by peer"},
        {M_V2, SE05X_E_PROTOCOL, "0xA5 (JRCP v2 frame) instead of 0x00 (WAIT_FOR_CARD)"},
        {M_SILENT_AT_OPEN, SE05X_E_TIMEOUT, "no answer within 300 ms (is 127.0.0.1:"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fake f;
        struct se05x_link *l = (struct se05x_link *)1;
        struct se05x_error e = {0};
        start(&f, cases[i].m, 0);
        assert_int_equal(open_link(&f, 300, &l, &e), cases[i].rc);
        assert_null(l);
        if (!strstr(e.msg, cases[i].msg))
            fail_msg("message '%s' lacks '%s'", e.msg, cases[i].msg);
        stop(&f);
    }
}

static void empty_atr_and_full_open(void **st)
{
    (void)st;
    struct fake f;
    char conn[200];
    se05x_session *s = NULL;
    struct se05x_error e = {0};
    start(&f, M_EMPTY_ATR, 0);
    conn_of(&f, conn, sizeof conn);
    struct se05x_open_opts o = {.timeout_ms = 2000};
    assert_int_equal(se05x_open(conn, &o, &s, &e), SE05X_OK);
    assert_non_null(s);
    assert_int_equal(se05x_atr(s, NULL, 0), 0);
    const struct se05x_applet_info *ai = se05x_applet(s);
    assert_int_equal(ai->major, 3);
    assert_int_equal(ai->minor, 1);
    assert_int_equal(ai->patch, 0);
    assert_int_equal(ai->config, 0x6FFF);
    assert_int_equal(ai->sb_major, 1);
    assert_int_equal(ai->sb_minor, 0x0B);
    assert_string_equal(se05x_conn(s), conn);
    /* the SELECT of docs/protocol/apdu.md §1.1, exactly */
    assert_bytes(f.apdu, f.apdu_len, "00 A4 04 00 10 A0 00 00 03 96 54 53 00 00 00 01 03 00 00 00 00 00");
    struct se05x_stats stt;
    se05x_get_stats(s, &stt);
    assert_int_equal(stt.apdus, 1);
    assert_int_equal(stt.tx_bytes, 22);
    assert_int_equal(stt.rx_bytes, 9);
    assert_int_equal(stt.link_tx_bytes, 8 + 4 + 22);
    assert_int_equal(stt.link_rx_bytes, 4 + 4 + 9);
    assert_int_equal(stt.frames, 0);
    se05x_close(s);
    stop(&f);
    assert_true(f.got_close);
}

static void full_open_with_atr(void **st)
{
    (void)st;
    struct fake f;
    char conn[200];
    se05x_session *s = NULL;
    start(&f, M_NORMAL, 0);
    conn_of(&f, conn, sizeof conn);
    assert_int_equal(se05x_open(conn, NULL, &s, NULL), SE05X_OK);
    uint8_t atr[64], small[4];
    assert_int_equal(se05x_atr(s, atr, sizeof atr), SE05X_ATR_LEN);
    assert_memory_equal(atr, SE05X_ATR_SE050C1, SE05X_ATR_LEN);
    assert_int_equal(se05x_atr(s, small, sizeof small), SE05X_ATR_LEN); /* truncated copy */
    assert_memory_equal(small, SE05X_ATR_SE050C1, 4);
    uint8_t r[16];
    size_t rl;
    struct se05x_apdu a = {0x80, 0x04, 0x00, 0x20, NULL, 0, false};
    assert_int_equal(se05x_cmd(s, "GetVersion", 0, &a, r, sizeof r, &rl), SE05X_OK);
    assert_bytes(r, rl, "CA FE");
    se05x_close(s);
    stop(&f);
    assert_true(f.got_close);
    assert_int_equal(f.napdus, 2);
}

/* Transactions take the server's LOCK once (outermost level) and release it. */
static void lock_per_transaction(void **st)
{
    (void)st;
    const enum mode modes[] = {M_NORMAL, M_NO_LOCK, M_NORMAL};
    for (int i = 0; i < 3; i++) {
        struct fake f;
        char conn[200];
        se05x_session *s = NULL;
        struct se05x_error e = {0};
        if (i == 2)
            setenv("SE05X_JRCP_LOCK", "0", 1);
        start(&f, modes[i], 0);
        conn_of(&f, conn, sizeof conn);
        assert_int_equal(se05x_open(conn, NULL, &s, &e), SE05X_OK);
        struct se05x_apdu a = {0x80, 0x04, 0x00, 0x20, NULL, 0, false};
        for (int k = 0; k < 2; k++) {
            assert_int_equal(se05x_txn_begin(s), SE05X_OK);
            assert_int_equal(se05x_txn_begin(s), SE05X_OK);
            assert_int_equal(se05x_cmd(s, "GetVersion", 0, &a, NULL, 0, NULL), SE05X_OK);
            se05x_txn_end(s);
            assert_int_equal(se05x_cmd(s, "GetVersion", 0, &a, NULL, 0, NULL), SE05X_OK);
            se05x_txn_end(s);
        }
        assert_int_equal(se05x_cmd(s, "GetVersion", 0, &a, NULL, 0, NULL), SE05X_OK);
        se05x_close(s);
        stop(&f);
        unsetenv("SE05X_JRCP_LOCK");
        assert_true(f.got_close);
        assert_int_equal(f.napdus, 1 + 5);
        if (i == 0) {
            assert_int_equal(f.nlock, 2);
            assert_int_equal(f.nunlock, 2);
        } else if (i == 1) { /* tried once, then off for this link */
            assert_int_equal(f.nlock, 1);
            assert_int_equal(f.nunlock, 0);
        } else {
            assert_int_equal(f.nlock, 0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(tcp_normal),        cmocka_unit_test(unix_normal),
        cmocka_unit_test(wrong_mty),         cmocka_unit_test(oversize_len),
        cmocka_unit_test(close_mid_message), cmocka_unit_test(silent_server),
        cmocka_unit_test(error_message_quoted), cmocka_unit_test(open_failures),
        cmocka_unit_test(empty_atr_and_full_open), cmocka_unit_test(full_open_with_atr),
        cmocka_unit_test(lock_per_transaction), cmocka_unit_test(split_and_early_replies),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
