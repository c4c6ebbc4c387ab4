/* SPDX-License-Identifier: Apache-2.0 */
/* The T=1 link: the block protocol (t1.c) over a byte mover (bus_tcp.c or
 * bus_i2cdev.c), serialised across processes by the bus lock (buslock.c).
 *
 * Rule (docs/t1oi2c.md): the bus is held for one APDU exchange, or for a
 * whole transaction between begin() and end(). On taking it, if another
 * process used the chip since we last held it, our T=1 sequence numbers
 * are stale: S(RESYNCH) first. */
#include <stdlib.h>
#include <string.h>

#include <se05x/log.h>

#include "bus.h"
#include "buslock.h"
#include "internal.h"
#include "t1.h"

struct link_t1 {
    struct se05x_link base;
    struct se05x_bus *bus;
    struct se05x_t1 t1;
    struct se05x_buslock lock;
};

static void sync_counters(struct link_t1 *l)
{
    l->base.wire_tx = l->t1.wire_tx;
    l->base.wire_rx = l->t1.wire_rx;
    l->base.frames = l->t1.frames;
}

static se05x_rc take_bus(struct link_t1 *l, struct se05x_error *err)
{
    bool others = false;
    se05x_rc rc = se05x_buslock_acquire(&l->lock, &others, err);
    if (rc != SE05X_OK)
        return rc;
    if (others && l->lock.depth == 1) {
        se05x_log(SE05X_LOG_DEBUG, "t1", "%s: bus used by another process: resync",
                  l->bus->label);
        l->t1.need_resync = true;
    }
    if (others)
        l->base.others_gen++;
    return SE05X_OK;
}

static se05x_rc t1_transceive(struct se05x_link *base, const uint8_t *capdu, size_t clen,
                              uint8_t *rapdu, size_t rcap, size_t *rlen, struct se05x_error *err)
{
    struct link_t1 *l = (struct link_t1 *)base;
    se05x_rc rc = take_bus(l, err);
    if (rc != SE05X_OK) {
        *rlen = 0;
        return rc;
    }
    rc = se05x_t1_transceive(&l->t1, capdu, clen, rapdu, rcap, rlen, err);
    se05x_buslock_release(&l->lock);
    sync_counters(l);
    return rc;
}

static se05x_rc t1_begin(struct se05x_link *base, struct se05x_error *err)
{
    return take_bus((struct link_t1 *)base, err);
}

static void t1_end(struct se05x_link *base)
{
    se05x_buslock_release(&((struct link_t1 *)base)->lock);
}

static void t1_close(struct se05x_link *base)
{
    struct link_t1 *l = (struct link_t1 *)base;
    struct se05x_error e;
    /* Close sequence (§12): S(END OF APDU SESSION); failure only logged. */
    l->lock.depth = 0;
    if (take_bus(l, &e) == SE05X_OK) {
        if (!l->t1.need_resync || se05x_t1_resync(&l->t1, &e) == SE05X_OK)
            if (se05x_t1_end_session(&l->t1, &e) != SE05X_OK)
                se05x_log(SE05X_LOG_DEBUG, "t1", "%s", e.msg);
        se05x_buslock_release(&l->lock);
    }
    se05x_buslock_close(&l->lock);
    l->bus->ops->close(l->bus);
    free(l);
}

static const struct se05x_link_ops t1_ops = {
    .name = "t1",
    .transceive = t1_transceive,
    .begin = t1_begin,
    .end = t1_end,
    .close = t1_close,
};

se05x_rc se05x_link_t1_open(const struct se05x_conn_spec *spec, int timeout_ms,
                            struct se05x_link **out, struct se05x_error *err)
{
    struct se05x_bus *bus = NULL;
    se05x_rc rc;

    *out = NULL;
    if (spec->kind == SE05X_CONN_T1_TCP)
        rc = se05x_bus_tcp_open(spec, timeout_ms, &bus, err);
    else if (spec->kind == SE05X_CONN_I2C)
        rc = se05x_bus_i2cdev_open(spec->path, spec->i2c_addr ? spec->i2c_addr : 0x48, &bus,
                                   err);
    else
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "T=1 link: not a T=1 connection");
    if (rc != SE05X_OK)
        return rc;

    struct link_t1 *l = calloc(1, sizeof(*l));
    if (!l) {
        bus->ops->close(bus);
        return se05x_err_set(err, SE05X_E_NOMEM, 0, 0, "out of memory");
    }
    l->base.ops = &t1_ops;
    l->base.tracks_others = true;
    l->bus = bus;
    se05x_t1_init(&l->t1, bus);
    if ((rc = se05x_buslock_open(&l->lock, bus->lock_id, bus->has_dev ? &bus->dev : NULL, err)) != SE05X_OK)
        goto fail;
    bool others;
    if ((rc = se05x_buslock_acquire(&l->lock, &others, err)) != SE05X_OK)
        goto fail;
    rc = se05x_t1_open(&l->t1, err);
    se05x_buslock_release(&l->lock);
    if (rc != SE05X_OK)
        goto fail;
    memcpy(l->base.atr, l->t1.atr_raw, l->t1.atr_len);
    l->base.atr_len = l->t1.atr_len;
    sync_counters(l);
    *out = &l->base;
    return SE05X_OK;
fail:
    se05x_buslock_close(&l->lock);
    bus->ops->close(bus);
    free(l);
    return rc;
}
