/* SPDX-License-Identifier: Apache-2.0 */
/* sim-jrcp-client: a tiny JRCP v1 client for the emulator's integration
 * tests. Runs its commands in order on one connection:
 *   atr                      WAIT_FOR_CARD, prints the ATR in hex
 *   apdu HEX                 APDU_DATA, prints the R-APDU (data + SW) in hex
 *   raw HEX                  sends bytes as they are (no framing)
 *   expect-close             succeeds when the server closes the connection
 *   writes ID COUNT SIZE     SELECT, then COUNT WriteBinary creations of SIZE
 *                            bytes at ids ID, ID+1, ...; prints "ok ID" per ack
 *   check ID COUNT SIZE      for each id: "have ID" (present, content intact),
 *                            "none ID" (absent) or "bad ID" (torn: exit 1)
 *   msg MTY HEX              any message type, prints the reply payload
 *   close                    sends CLOSE (03 00 00 00)
 *   sleep MS
 * Usage: sim-jrcp-client HOST:PORT|unix:PATH command... */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int die(const char *msg)
{
    fprintf(stderr, "sim-jrcp-client: %s\n", msg);
    exit(1);
}

static int dial(const char *conn)
{
    int fd;
    if (strncmp(conn, "unix:", 5) == 0) {
        struct sockaddr_un sa = {0};
        sa.sun_family = AF_UNIX;
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s", conn + 5);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
            die("cannot connect");
    } else {
        char host[256];
        const char *colon = strrchr(conn, ':');
        if (!colon || (size_t)(colon - conn) >= sizeof host)
            die("connection must be HOST:PORT or unix:PATH");
        memcpy(host, conn, (size_t)(colon - conn));
        host[colon - conn] = 0;
        struct addrinfo hints = {0}, *ai;
        hints.ai_socktype = SOCK_STREAM;
        if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
            die("cannot resolve");
        fd = socket(ai->ai_family, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0)
            die("cannot connect");
        freeaddrinfo(ai);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static void send_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            die("send failed");
        p += w;
        n -= (size_t)w;
    }
}

static void recv_all(int fd, uint8_t *p, size_t n)
{
    while (n) {
        ssize_t r = recv(fd, p, n, 0);
        if (r <= 0)
            die(r == 0 ? "server closed the connection" : "receive failed");
        p += r;
        n -= (size_t)r;
    }
}

/* One JRCP exchange; returns the reply payload length. */
static size_t xchg(int fd, uint8_t mty, const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
    static uint8_t msg[4 + 65536];
    uint8_t h[4];
    if (n > 65535)
        die("message too long");
    msg[0] = mty, msg[1] = 0, msg[2] = (uint8_t)(n >> 8), msg[3] = (uint8_t)n;
    memcpy(msg + 4, p, n);
    send_all(fd, msg, 4 + n); /* one segment: no Nagle / delayed-ACK stall */
    recv_all(fd, h, 4);
    size_t len = (size_t)h[2] << 8 | h[3];
    if (h[0] != mty || len > cap)
        die("unexpected reply");
    recv_all(fd, out, len);
    return len;
}

static size_t unhex(const char *s, uint8_t *b, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *s; s++) {
        int v = *s >= '0' && *s <= '9' ? *s - '0'
                : (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f' ? (*s | 0x20) - 'a' + 10
                                                           : -1;
        if (v < 0)
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            if (n == cap)
                die("hex too long");
            b[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return n;
}

static void print_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%02X", p[i]);
    printf("\n");
    fflush(stdout);
}

static unsigned sw_of(const uint8_t *r, size_t n) { return n >= 2 ? (unsigned)(r[n - 2] << 8 | r[n - 1]) : 0; }

/* SELECT of the applet over fd; dies when it is refused. */
static void select_applet(int fd)
{
    static const uint8_t sel[] = {0x00, 0xA4, 0x04, 0x00, 0x10, 0xA0, 0x00, 0x00, 0x03, 0x96, 0x54, 0x53,
                                  0x00, 0x00, 0x00, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00};
    uint8_t out[64];
    size_t rn = xchg(fd, 0x01, sel, sizeof sel, out, sizeof out);
    if (sw_of(out, rn) != 0x9000)
        die("SELECT failed");
}

int main(int argc, char **argv)
{
    static uint8_t buf[70000], out[70000];
    if (argc < 2)
        die("usage: sim-jrcp-client HOST:PORT|unix:PATH command...");
    int fd = dial(argv[1]);
    for (int i = 2; i < argc; i++) {
        const char *cmd = argv[i];
        if (strcmp(cmd, "atr") == 0) {
            uint8_t t[4] = {0, 0, 1, 0};
            print_hex(out, xchg(fd, 0x00, t, 4, out, sizeof out));
        } else if (strcmp(cmd, "apdu") == 0 && i + 1 < argc) {
            size_t n = unhex(argv[++i], buf, sizeof buf);
            print_hex(out, xchg(fd, 0x01, buf, n, out, sizeof out));
        } else if (strcmp(cmd, "raw") == 0 && i + 1 < argc) {
            size_t n = unhex(argv[++i], buf, sizeof buf);
            send_all(fd, buf, n);
        } else if (strcmp(cmd, "expect-close") == 0) {
            ssize_t r;
            while ((r = recv(fd, out, sizeof out, 0)) > 0) {
            }
            if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                die("server did not close the connection");
            printf("closed\n");
        } else if (strcmp(cmd, "writes") == 0 && i + 3 < argc) {
            unsigned long id = strtoul(argv[i + 1], NULL, 0), count = strtoul(argv[i + 2], NULL, 0),
                          size = strtoul(argv[i + 3], NULL, 0);
            i += 3;
            if (size < 1 || size > 400)
                die("size must be 1..400");
            select_applet(fd);
            for (unsigned long k = 0; k < count; k++) {
                unsigned long oid = id + k;
                size_t l = 0, dl = 6 + 4 + 4 + size;
                buf[l++] = 0x80, buf[l++] = 0x01, buf[l++] = 0x06, buf[l++] = 0x00;
                if (dl < 256) {
                    buf[l++] = (uint8_t)dl;
                } else {
                    buf[l++] = 0, buf[l++] = (uint8_t)(dl >> 8), buf[l++] = (uint8_t)dl;
                }
                buf[l++] = 0x41, buf[l++] = 4;
                for (int s = 24; s >= 0; s -= 8)
                    buf[l++] = (uint8_t)(oid >> s);
                buf[l++] = 0x43, buf[l++] = 2, buf[l++] = (uint8_t)(size >> 8), buf[l++] = (uint8_t)size;
                buf[l++] = 0x44, buf[l++] = 0x82, buf[l++] = (uint8_t)(size >> 8), buf[l++] = (uint8_t)size;
                for (unsigned long b = 0; b < size; b++)
                    buf[l++] = (uint8_t)(oid + b); /* content derived from the id */
                size_t rn = xchg(fd, 0x01, buf, l, out, sizeof out);
                if (sw_of(out, rn) != 0x9000) {
                    printf("sw %04X\n", sw_of(out, rn));
                    return 1;
                }
                printf("ok %08lX\n", oid);
                fflush(stdout);
            }
        } else if (strcmp(cmd, "check") == 0 && i + 3 < argc) {
            unsigned long id = strtoul(argv[i + 1], NULL, 0), count = strtoul(argv[i + 2], NULL, 0),
                          size = strtoul(argv[i + 3], NULL, 0);
            i += 3;
            select_applet(fd);
            for (unsigned long k = 0; k < count; k++) {
                unsigned long oid = id + k;
                uint8_t rd[] = {0x80, 0x02, 0x00, 0x00, 0x00, 0x00, 0x06, 0x41, 0x04, (uint8_t)(oid >> 24),
                                (uint8_t)(oid >> 16), (uint8_t)(oid >> 8), (uint8_t)oid, 0x00, 0x00};
                size_t rn = xchg(fd, 0x01, rd, sizeof rd, out, sizeof out);
                unsigned sw = sw_of(out, rn);
                if (sw == 0x6A80) {
                    printf("none %08lX\n", oid);
                    continue;
                }
                bool ok = sw == 0x9000 && rn == size + 6 && out[0] == 0x41;
                for (unsigned long b = 0; ok && b < size; b++)
                    ok = out[4 + b] == (uint8_t)(oid + b);
                if (!ok) {
                    printf("bad %08lX\n", oid);
                    return 1;
                }
                printf("have %08lX\n", oid);
            }
            fflush(stdout);
        } else if (strcmp(cmd, "msg") == 0 && i + 2 < argc) {
            uint8_t mty = (uint8_t)strtoul(argv[i + 1], NULL, 16);
            size_t n = unhex(argv[i + 2], buf, sizeof buf);
            i += 2;
            print_hex(out, xchg(fd, mty, buf, n, out, sizeof out));
        } else if (strcmp(cmd, "close") == 0) {
            uint8_t c[4] = {3, 0, 0, 0};
            send_all(fd, c, 4);
        } else if (strcmp(cmd, "sleep") == 0 && i + 1 < argc) {
            long ms = strtol(argv[++i], NULL, 10);
            struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        } else {
            fprintf(stderr, "sim-jrcp-client: unknown command '%s'\n", cmd);
            return 2;
        }
    }
    close(fd);
    return 0;
}
