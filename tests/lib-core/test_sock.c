/* SPDX-License-Identifier: Apache-2.0 */
/* Socket helpers: refused port named in the message within the timeout,
 * EOF and timeouts on reads, no SIGPIPE on writes to a closed peer. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "internal.h"
#include "sock.h"

static long ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* A port on 127.0.0.1 that nobody listens on. */
static uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static void refused_port(void **st)
{
    (void)st;
    struct se05x_conn_spec c;
    struct se05x_error e = {0};
    char conn[64], exp[128];
    uint16_t port = free_port();
    snprintf(conn, sizeof conn, "127.0.0.1:%u", port);
    assert_int_equal(se05x_conn_parse(conn, &c, &e), SE05X_OK);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int fd = se05x_sock_connect(&c, 3000, &e);
    assert_true(fd < 0);
    assert_true(ms_since(&t0) < 3000);
    assert_int_equal(e.rc, SE05X_E_LINK);
    snprintf(exp, sizeof exp, "cannot connect to 127.0.0.1:%u: Connection refused", port);
    assert_string_equal(e.msg, exp);
    /* the same through se05x_open: one line naming the port */
    se05x_session *s = (se05x_session *)1;
    memset(&e, 0, sizeof e);
    assert_int_equal(se05x_open(conn, NULL, &s, &e), SE05X_E_LINK);
    assert_null(s);
    assert_non_null(strstr(e.msg, exp));
}

static void ipv6_endpoint_text(void **st)
{
    (void)st;
    struct se05x_conn_spec c;
    struct se05x_error e = {0};
    char ep[64];
    assert_int_equal(se05x_conn_parse("[::1]:8050", &c, &e), SE05X_OK);
    se05x_sock_endpoint(&c, ep, sizeof ep);
    assert_string_equal(ep, "[::1]:8050");
    assert_int_equal(se05x_conn_parse("unix:/tmp/x", &c, &e), SE05X_OK);
    se05x_sock_endpoint(&c, ep, sizeof ep);
    assert_string_equal(ep, "unix:/tmp/x");
}

static void unix_missing(void **st)
{
    (void)st;
    struct se05x_conn_spec c;
    struct se05x_error e = {0};
    assert_int_equal(se05x_conn_parse("unix:/nonexistent/se05x.sock", &c, &e), SE05X_OK);
    assert_true(se05x_sock_connect(&c, 1000, &e) < 0);
    assert_int_equal(e.rc, SE05X_E_LINK);
    assert_string_equal(e.msg, "cannot connect to unix:/nonexistent/se05x.sock: No such file or directory");
}

static void read_eof_and_timeout(void **st)
{
    (void)st;
    int sv[2];
    uint8_t b[8];
    struct se05x_error e = {0};
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0); /* blocking fds on purpose */
    /* nothing arrives: timeout, bounded */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(se05x_sock_read_exact(sv[0], b, 1, 100, &e), SE05X_E_TIMEOUT);
    assert_true(ms_since(&t0) >= 90 && ms_since(&t0) < 2000);
    assert_string_equal(e.msg, "no answer within 100 ms");
    /* part of a message, then silence */
    assert_int_equal(write(sv[1], "ab", 2), 2);
    assert_int_equal(se05x_sock_read_exact(sv[0], b, 4, 100, &e), SE05X_E_TIMEOUT);
    assert_string_equal(e.msg, "incomplete message: 2 of 4 bytes within 100 ms");
    /* exact read */
    assert_int_equal(write(sv[1], "xyz", 3), 3);
    assert_int_equal(se05x_sock_read_exact(sv[0], b, 3, 1000, &e), SE05X_OK);
    assert_memory_equal(b, "xyz", 3);
    /* read_some */
    size_t got = 0;
    assert_int_equal(write(sv[1], "12", 2), 2);
    assert_int_equal(se05x_sock_read_some(sv[0], b, sizeof b, &got, 1000, &e), SE05X_OK);
    assert_int_equal(got, 2);
    assert_int_equal(se05x_sock_read_some(sv[0], b, sizeof b, &got, 50, &e), SE05X_E_TIMEOUT);
    assert_int_equal(got, 0);
    assert_int_equal(se05x_sock_wait_readable(sv[0], 10), 0);
    /* EOF in the middle */
    assert_int_equal(write(sv[1], "abc", 3), 3);
    close(sv[1]);
    assert_int_equal(se05x_sock_wait_readable(sv[0], 10), 1);
    assert_int_equal(se05x_sock_read_exact(sv[0], b, 5, 1000, &e), SE05X_E_LINK);
    assert_string_equal(e.msg, "connection closed by peer after 3 of 5 bytes");
    assert_int_equal(se05x_sock_read_exact(sv[0], b, 5, 1000, &e), SE05X_E_LINK);
    assert_string_equal(e.msg, "connection closed by peer");
    close(sv[0]);
}

/* read_min: one call takes what is there beyond min (up to cap), continues
 * a part already in the buffer, and counts from it in its messages. */
static void read_min_takes_what_is_there(void **st)
{
    (void)st;
    int sv[2];
    uint8_t b[16];
    size_t got = 0;
    struct se05x_error e = {0};
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    /* two messages sent at once: min 4, cap 16 takes all 10 bytes */
    assert_int_equal(write(sv[1], "0123456789", 10), 10);
    assert_int_equal(se05x_sock_read_min(sv[0], b, 4, sizeof b, &got, 1000, true, &e), SE05X_OK);
    assert_int_equal(got, 10);
    assert_memory_equal(b, "0123456789", 10);
    /* enough already in the buffer: nothing read (the socket is empty: no wait) */
    assert_int_equal(se05x_sock_read_min(sv[0], b, 8, sizeof b, &got, 1000, true, &e), SE05X_OK);
    assert_int_equal(got, 10);
    /* continuing a part: 10 there, 12 wanted, cap 12 */
    assert_int_equal(write(sv[1], "abcdef", 6), 6);
    assert_int_equal(se05x_sock_read_min(sv[0], b, 12, 12, &got, 1000, false, &e), SE05X_OK);
    assert_int_equal(got, 12);
    assert_memory_equal(b + 10, "ab", 2);
    /* the rest stays in the socket */
    got = 0;
    assert_int_equal(se05x_sock_read_min(sv[0], b, 4, 4, &got, 1000, true, &e), SE05X_OK);
    assert_memory_equal(b, "cdef", 4);
    /* silence: poll_first times out like a first recv would */
    got = 0;
    assert_int_equal(se05x_sock_read_min(sv[0], b, 4, sizeof b, &got, 50, true, &e), SE05X_E_TIMEOUT);
    assert_string_equal(e.msg, "no answer within 50 ms");
    assert_int_equal(got, 0);
    /* EOF after part of it: counted from the bytes already there */
    got = 1;
    assert_int_equal(write(sv[1], "xy", 2), 2);
    close(sv[1]);
    assert_int_equal(se05x_sock_read_min(sv[0], b, 6, sizeof b, &got, 1000, true, &e), SE05X_E_LINK);
    assert_string_equal(e.msg, "connection closed by peer after 3 of 6 bytes");
    assert_int_equal(got, 3);
    close(sv[0]);
}

static void write_to_closed_peer(void **st)
{
    (void)st;
    int sv[2];
    struct se05x_error e = {0};
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    close(sv[1]);
    /* no SIGPIPE: the test process survives and gets an error */
    assert_int_equal(se05x_sock_write_all(sv[0], "hello", 5, 1000, &e), SE05X_E_LINK);
    assert_string_equal(e.msg, "connection closed by peer");
    close(sv[0]);
}

static void write_timeout_when_peer_does_not_read(void **st)
{
    (void)st;
    int sv[2];
    struct se05x_error e = {0};
    static uint8_t big[1 << 22];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(se05x_sock_write_all(sv[0], big, sizeof big, 100, &e), SE05X_E_TIMEOUT);
    assert_non_null(strstr(e.msg, "timed out"));
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(refused_port),
        cmocka_unit_test(ipv6_endpoint_text),
        cmocka_unit_test(unix_missing),
        cmocka_unit_test(read_eof_and_timeout),
        cmocka_unit_test(read_min_takes_what_is_there),
        cmocka_unit_test(write_to_closed_peer),
        cmocka_unit_test(write_timeout_when_peer_does_not_read),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
