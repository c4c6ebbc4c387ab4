/* SPDX-License-Identifier: Apache-2.0 */
/* Stream sockets with timeouts, see sock.h. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "sock.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline (-1 = forever), never negative. */
static int left_ms(int64_t deadline)
{
    if (deadline < 0)
        return -1;
    int64_t l = deadline - now_ms();
    if (l < 0)
        return 0;
    return l > 0x7FFFFFFF ? 0x7FFFFFFF : (int)l;
}

static int64_t deadline_of(int timeout_ms) { return timeout_ms < 0 ? -1 : now_ms() + timeout_ms; }

/* poll for `ev`; 1 ready, 0 timeout, -1 error (errno). EINTR-safe. */
static int wait_for(int fd, short ev, int64_t deadline)
{
    for (;;) {
        struct pollfd p = {.fd = fd, .events = ev};
        int r = poll(&p, 1, left_ms(deadline));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
        return 1; /* ready, or POLLERR/POLLHUP: the next I/O call says which */
    }
}

int se05x_sock_wait_readable(int fd, int timeout_ms)
{
    return wait_for(fd, POLLIN, deadline_of(timeout_ms));
}

void se05x_sock_endpoint(const struct se05x_conn_spec *spec, char *buf, size_t cap)
{
    if (spec->kind == SE05X_CONN_JRCP_UNIX)
        snprintf(buf, cap, "unix:%s", spec->path);
    else if (strchr(spec->host, ':'))
        snprintf(buf, cap, "[%s]:%u", spec->host, spec->port);
    else
        snprintf(buf, cap, "%s:%u", spec->host, spec->port);
}

/* Non-blocking connect of one address within the deadline. 0 or errno value. */
static int connect_one(int fd, const struct sockaddr *sa, socklen_t salen, int64_t deadline)
{
    if (connect(fd, sa, salen) == 0)
        return 0;
    if (errno != EINPROGRESS && errno != EINTR && errno != EAGAIN)
        return errno;
    int r = wait_for(fd, POLLOUT, deadline);
    if (r == 0)
        return ETIMEDOUT;
    if (r < 0)
        return errno;
    int soerr = 0;
    socklen_t l = sizeof soerr;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &l) < 0)
        return errno;
    return soerr;
}

static int fail_connect(struct se05x_error *err, const char *ep, int e, int timeout_ms)
{
    if (e == ETIMEDOUT)
        se05x_err_set(err, SE05X_E_TIMEOUT, 0, 0, "cannot connect to %s: timed out after %d ms", ep,
                      timeout_ms);
    else
        se05x_err_set(err, SE05X_E_LINK, 0, 0, "cannot connect to %s: %s", ep, strerror(e));
    return -1;
}

int se05x_sock_connect(const struct se05x_conn_spec *spec, int timeout_ms, struct se05x_error *err)
{
    char ep[300];
    if (!spec) {
        se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "no connection given");
        return -1;
    }
    se05x_sock_endpoint(spec, ep, sizeof ep);
    int64_t deadline = deadline_of(timeout_ms);

    if (spec->kind == SE05X_CONN_JRCP_UNIX) {
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        size_t pl = strnlen(spec->path, sizeof spec->path);
        if (pl == 0 || pl >= sizeof sun.sun_path) {
            se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "cannot connect to %s: bad socket path", ep);
            return -1;
        }
        memcpy(sun.sun_path, spec->path, pl);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
            return fail_connect(err, ep, errno, timeout_ms);
        int e = connect_one(fd, (struct sockaddr *)&sun, sizeof sun, deadline);
        if (e) {
            close(fd);
            return fail_connect(err, ep, e, timeout_ms);
        }
        return fd;
    }
    if (spec->kind != SE05X_CONN_JRCP_TCP && spec->kind != SE05X_CONN_T1_TCP) {
        se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "not a socket connection");
        return -1;
    }

    char port[8];
    snprintf(port, sizeof port, "%u", spec->port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG};
    struct addrinfo *res = NULL;
    int g = getaddrinfo(spec->host, port, &hints, &res);
    if (g == EAI_NONAME || g == EAI_ADDRFAMILY) { /* AI_ADDRCONFIG hides ::1 without v6 routes */
        hints.ai_flags = AI_NUMERICSERV;
        g = getaddrinfo(spec->host, port, &hints, &res);
    }
    if (g != 0) {
        se05x_err_set(err, SE05X_E_LINK, 0, 0, "cannot connect to %s: cannot resolve '%s': %s", ep,
                      spec->host, g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
        return -1;
    }
    int last = ECONNREFUSED, fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) {
            last = errno;
            continue;
        }
        last = connect_one(fd, ai->ai_addr, ai->ai_addrlen, deadline);
        if (last == 0)
            break;
        close(fd);
        fd = -1;
        if (last == ETIMEDOUT)
            break;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return fail_connect(err, ep, last, timeout_ms);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

se05x_rc se05x_sock_write_all(int fd, const void *buf, size_t n, int timeout_ms,
                              struct se05x_error *err)
{
    const uint8_t *p = buf;
    int64_t deadline = deadline_of(timeout_ms);
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int r = wait_for(fd, POLLOUT, deadline);
            if (r == 0)
                return se05x_err_set(err, SE05X_E_TIMEOUT, 0, 0, "send timed out after %d ms",
                                     timeout_ms);
            if (r < 0)
                return se05x_err_set(err, SE05X_E_LINK, 0, 0, "send failed: %s", strerror(errno));
            continue;
        }
        if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
            return se05x_err_set(err, SE05X_E_LINK, 0, 0, "connection closed by peer");
        return se05x_err_set(err, SE05X_E_LINK, 0, 0, "send failed: %s",
                             w < 0 ? strerror(errno) : "no progress");
    }
    return SE05X_OK;
}

/* One recv with waiting; >0 bytes, 0 EOF; -1 with err set. */
static ssize_t recv_wait(int fd, void *buf, size_t cap, int64_t deadline, int timeout_ms,
                         se05x_rc *rc, struct se05x_error *err)
{
    for (;;) {
        ssize_t r = recv(fd, buf, cap, MSG_DONTWAIT);
        if (r >= 0)
            return r;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            int w = wait_for(fd, POLLIN, deadline);
            if (w == 0) {
                *rc = se05x_err_set(err, SE05X_E_TIMEOUT, 0, 0, "no answer within %d ms", timeout_ms);
                return -1;
            }
            if (w < 0) {
                *rc = se05x_err_set(err, SE05X_E_LINK, 0, 0, "receive failed: %s", strerror(errno));
                return -1;
            }
            continue;
        }
        *rc = SE05X_E_LINK;
        if (errno == ECONNRESET)
            se05x_err_set(err, SE05X_E_LINK, 0, 0, "connection reset by peer");
        else
            se05x_err_set(err, SE05X_E_LINK, 0, 0, "receive failed: %s", strerror(errno));
        return -1;
    }
}

se05x_rc se05x_sock_read_min(int fd, void *buf, size_t min, size_t cap, size_t *got, int timeout_ms,
                             bool poll_first, struct se05x_error *err)
{
    uint8_t *p = buf;
    size_t have = *got;
    int64_t deadline = deadline_of(timeout_ms);
    if (cap < min)
        cap = min;
    if (poll_first && have < min) {
        /* an answer to a request just sent: waiting first saves the recv
         * that would fail with EAGAIN */
        int w = wait_for(fd, POLLIN, deadline);
        if (w == 0)
            return se05x_err_set(err, SE05X_E_TIMEOUT, 0, 0, "no answer within %d ms", timeout_ms);
        if (w < 0)
            return se05x_err_set(err, SE05X_E_LINK, 0, 0, "receive failed: %s", strerror(errno));
    }
    while (have < min) {
        se05x_rc rc = SE05X_E_LINK;
        ssize_t r = recv_wait(fd, p + have, cap - have, deadline, timeout_ms, &rc, err);
        if (r <= 0) {
            *got = have;
            if (r < 0 && have && rc == SE05X_E_TIMEOUT)
                se05x_err_set(err, SE05X_E_TIMEOUT, 0, 0,
                              "incomplete message: %zu of %zu bytes within %d ms", have, min, timeout_ms);
            if (r < 0)
                return rc;
            if (have)
                return se05x_err_set(err, SE05X_E_LINK, 0, 0,
                                     "connection closed by peer after %zu of %zu bytes", have, min);
            return se05x_err_set(err, SE05X_E_LINK, 0, 0, "connection closed by peer");
        }
        have += (size_t)r;
    }
    *got = have;
    return SE05X_OK;
}

se05x_rc se05x_sock_read_exact(int fd, void *buf, size_t n, int timeout_ms,
                               struct se05x_error *err)
{
    size_t got = 0;
    return se05x_sock_read_min(fd, buf, n, n, &got, timeout_ms, false, err);
}

se05x_rc se05x_sock_read_some(int fd, void *buf, size_t cap, size_t *got, int timeout_ms,
                              struct se05x_error *err)
{
    *got = 0;
    if (cap == 0)
        return SE05X_OK;
    se05x_rc rc = SE05X_E_LINK;
    ssize_t r = recv_wait(fd, buf, cap, deadline_of(timeout_ms), timeout_ms, &rc, err);
    if (r < 0)
        return rc;
    if (r == 0)
        return se05x_err_set(err, SE05X_E_LINK, 0, 0, "connection closed by peer");
    *got = (size_t)r;
    return SE05X_OK;
}

void se05x_sock_close(int fd)
{
    if (fd >= 0)
        close(fd);
}
