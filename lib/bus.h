/* SPDX-License-Identifier: Apache-2.0 */
/* Byte movers under the T=1 protocol (lib/t1.c). A bus moves raw bytes of
 * T=1 blocks; it knows nothing about their meaning. Two implementations:
 *   bus_i2cdev.c  Linux i2c-dev (/dev/i2c-N, address via I2C_SLAVE): one
 *                 write() per block; a read() the chip NACKs means "nothing
 *                 to send yet" and is polled with back-off.
 *   bus_tcp.c     raw T=1 blocks over TCP to the emulator (SE050Sim form):
 *                 blocks written whole, reads block with a timeout.
 * Internal to lib/. */
#ifndef SE05X_BUS_H
#define SE05X_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <se05x/error.h>

struct se05x_bus;

struct se05x_bus_ops {
    const char *name;
    /* Writes one whole block. */
    se05x_rc (*write)(struct se05x_bus *b, const uint8_t *data, size_t n, struct se05x_error *err);
    /* Reads exactly n bytes of the block the chip has pending. Waits at
     * most wait_ms for the first byte (polling on I2C). SE05X_E_TIMEOUT when
     * nothing (or not all) arrived in time, SE05X_E_LINK on a hard failure
     * (EOF, I/O error). */
    se05x_rc (*read)(struct se05x_bus *b, uint8_t *buf, size_t n, int wait_ms,
                     struct se05x_error *err);
    /* Discards whatever the chip still has pending (after a framing error). */
    void (*drain)(struct se05x_bus *b);
    void (*close)(struct se05x_bus *b); /* also frees b */
};

struct se05x_bus {
    const struct se05x_bus_ops *ops;
    char label[300];   /* for messages: "/dev/i2c-1:0x48", "t1:127.0.0.1:8050" */
    char lock_id[300]; /* names the cross-process lock of this bus (buslock.c) */
    /* fstat() of the device node (i2c-dev): the lock file takes its group
     * and mode. has_dev false: no device node (TCP, or a test shim). */
    bool has_dev;
    struct stat dev;
    /* Polling parameters (I2C), set from the ATR by t1.c: first poll delay
     * and the back-off ceiling, in microseconds. */
    unsigned poll_us, poll_max_us;
    /* SEGT: minimum gap between two bus transactions, microseconds. */
    unsigned guard_us;
};

struct se05x_conn_spec;
se05x_rc se05x_bus_tcp_open(const struct se05x_conn_spec *spec, int timeout_ms,
                            struct se05x_bus **out, struct se05x_error *err);
se05x_rc se05x_bus_i2cdev_open(const char *path, uint8_t addr, struct se05x_bus **out,
                               struct se05x_error *err);

#endif
