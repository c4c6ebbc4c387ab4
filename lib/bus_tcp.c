/* SPDX-License-Identifier: Apache-2.0 */
/* Raw T=1 over TCP (docs/protocol/transports.md §3, the SE050Sim convention): blocks are
 * written whole; reads wait with a timeout (TCP has no NACK). Socket I/O
 * through lib/sock.h. */
#include <stdio.h>
#include <stdlib.h>

#include "bus.h"
#include "internal.h"
#include "sock.h"

#define WRITE_TIMEOUT_MS 5000

struct bus_tcp {
    struct se05x_bus base;
    int fd;
};

static se05x_rc tcp_write(struct se05x_bus *b, const uint8_t *p, size_t n, struct se05x_error *err)
{
    struct bus_tcp *t = (struct bus_tcp *)b;
    se05x_rc rc = se05x_sock_write_all(t->fd, p, n, WRITE_TIMEOUT_MS, err);
    if (rc != SE05X_OK && err) {
        char m[SE05X_ERRMSG_MAX];
        snprintf(m, sizeof(m), "%s", err->msg);
        se05x_err_set(err, rc, 0, 0, "T=1 on %s: %.180s", b->label, m);
    }
    return rc;
}

static se05x_rc tcp_read(struct se05x_bus *b, uint8_t *buf, size_t n, int wait_ms,
                         struct se05x_error *err)
{
    struct bus_tcp *t = (struct bus_tcp *)b;
    se05x_rc rc = se05x_sock_read_exact(t->fd, buf, n, wait_ms, err);
    if (rc == SE05X_E_LINK && err) {
        char m[SE05X_ERRMSG_MAX];
        snprintf(m, sizeof(m), "%s", err->msg);
        se05x_err_set(err, rc, 0, 0, "T=1 on %s: %.160s (emulator gone?)", b->label, m);
    }
    return rc;
}

/* Discards bytes until the line has been quiet for a few milliseconds. */
static void tcp_drain(struct se05x_bus *b)
{
    struct bus_tcp *t = (struct bus_tcp *)b;
    uint8_t junk[512];
    size_t got = 0;
    for (int i = 0; i < 64; i++)
        if (se05x_sock_read_some(t->fd, junk, sizeof(junk), &got, 5, NULL) != SE05X_OK || !got)
            return;
}

static void tcp_close(struct se05x_bus *b)
{
    struct bus_tcp *t = (struct bus_tcp *)b;
    if (t->fd >= 0)
        se05x_sock_close(t->fd);
    free(t);
}

static const struct se05x_bus_ops tcp_ops = {
    .name = "tcp", .write = tcp_write, .read = tcp_read, .drain = tcp_drain, .close = tcp_close};

se05x_rc se05x_bus_tcp_open(const struct se05x_conn_spec *spec, int timeout_ms,
                            struct se05x_bus **out, struct se05x_error *err)
{
    *out = NULL;
    if (timeout_ms <= 0)
        timeout_ms = 5000;
    int fd = se05x_sock_connect(spec, timeout_ms, err);
    if (fd < 0)
        return err ? err->rc : SE05X_E_LINK;
    struct bus_tcp *t = calloc(1, sizeof(*t));
    if (!t) {
        se05x_sock_close(fd);
        return se05x_err_set(err, SE05X_E_NOMEM, 0, 0, "out of memory");
    }
    t->base.ops = &tcp_ops;
    t->fd = fd;
    snprintf(t->base.label, sizeof(t->base.label), "t1:%s:%u", spec->host, spec->port);
    snprintf(t->base.lock_id, sizeof(t->base.lock_id), "t1-%s-%u", spec->host, spec->port);
    t->base.poll_us = 1000;
    t->base.poll_max_us = 20000;
    *out = &t->base;
    return SE05X_OK;
}
