/* SPDX-License-Identifier: Apache-2.0 */
/* (g) The host's JRCP v1 client (lib/link_jrcp.c) against a hostile server:
 * the input is everything the server sends, written into one end of a
 * socketpair (then shut down: EOF after it); the client owns the other end
 * (se05x_link_jrcp_open_fd). Open (WAIT_FOR_CARD), a LOCK/UNLOCK
 * transaction around two APDUs, close. Every failure must carry a message,
 * every answer must fit the caller's buffer. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet++)
        fz_quiet();
    if (size > 65536)
        return 0;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        abort();
    int big = 1 << 20;
    setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(sv[1], data + off, size - off);
        if (w <= 0)
            abort();
        off += (size_t)w;
    }
    shutdown(sv[1], SHUT_WR);
    struct se05x_link *l = NULL;
    struct se05x_error err;
    memset(&err, 0, sizeof err);
    se05x_rc rc = se05x_link_jrcp_open_fd(sv[0], "fuzz", 1000, &l, &err);
    if (rc != SE05X_OK) {
        if (!err.msg[0] || l)
            abort();
    } else {
        static const uint8_t ver[] = {0x80, 0x04, 0x00, 0x20, 0x00};
        uint8_t r[1200];
        size_t rl = 0;
        if (l->atr_len > sizeof l->atr)
            abort();
        for (int i = 0; i < 3; i++) {
            bool txn = i == 1 && l->ops->begin;
            if (txn && l->ops->begin(l, &err) != SE05X_OK)
                continue;
            rc = l->ops->transceive(l, ver, sizeof ver, r, sizeof r, &rl, &err);
            if (rc == SE05X_OK && rl > sizeof r)
                abort();
            if (rc != SE05X_OK && !err.msg[0])
                abort();
            if (txn && l->ops->end)
                l->ops->end(l);
        }
        l->ops->close(l);
    }
    close(sv[1]);
    return 0;
}
