/* SPDX-License-Identifier: Apache-2.0 */
/* T=1 blocks over Linux i2c-dev (docs/protocol/t1oi2c.md §1, §10, §11): open(), I2C_SLAVE,
 * then one write() per block and read()s of the pending block. The SE NACKs
 * its address while busy or with nothing to send: a read failing with
 * EREMOTEIO/ENXIO/EIO/EAGAIN/ETIMEDOUT is "not ready yet" and is polled with
 * a back-off that starts at the ATR's MPOT and grows 1 ms per miss up to
 * 20 ms (reset on success) — never one long fixed sleep. */
#include <errno.h>
#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "internal.h"

#define WRITE_RETRY_MS 1000 /* a busy chip NACKs writes too: retry this long */

struct bus_i2c {
    struct se05x_bus base;
    int fd;
    struct timespec last; /* end of the last transaction (SEGT guard) */
};

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_us(unsigned us)
{
    struct timespec ts = {us / 1000000u, (long)(us % 1000000u) * 1000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static bool is_nack(int e)
{
    return e == EREMOTEIO || e == ENXIO || e == EIO || e == EAGAIN || e == ETIMEDOUT;
}

static void guard(struct bus_i2c *d)
{
    if (!d->base.guard_us)
        return;
    int64_t last = (int64_t)d->last.tv_sec * 1000000 + d->last.tv_nsec / 1000;
    int64_t gap = mono_us() - last;
    if (gap >= 0 && gap < (int64_t)d->base.guard_us)
        sleep_us((unsigned)(d->base.guard_us - gap));
}

static void mark(struct bus_i2c *d)
{
    clock_gettime(CLOCK_MONOTONIC, &d->last);
}

static se05x_rc i2c_write(struct se05x_bus *b, const uint8_t *p, size_t n, struct se05x_error *err)
{
    struct bus_i2c *d = (struct bus_i2c *)b;
    int64_t deadline = mono_us() + WRITE_RETRY_MS * 1000;
    unsigned delay = b->poll_us;
    for (;;) {
        guard(d);
        ssize_t w = write(d->fd, p, n);
        mark(d);
        if (w == (ssize_t)n)
            return SE05X_OK;
        if (w >= 0)
            return se05x_err_set(err, SE05X_E_LINK, 0, 0, "T=1 on %s: short write (%zd of %zu)",
                                 b->label, w, n);
        if (errno == EINTR)
            continue;
        if (!is_nack(errno))
            return se05x_err_set(err, SE05X_E_LINK, 0, 0, "T=1 on %s: write: %s", b->label,
                                 strerror(errno));
        if (mono_us() >= deadline)
            return se05x_err_set(err, SE05X_E_TIMEOUT, 0, 0,
                                 "T=1 on %s: chip NACKs its address for %d ms (absent or hung)",
                                 b->label, WRITE_RETRY_MS);
        sleep_us(delay);
        if (delay < b->poll_max_us)
            delay += 1000;
    }
}

static se05x_rc i2c_read(struct se05x_bus *b, uint8_t *buf, size_t n, int wait_ms,
                         struct se05x_error *err)
{
    struct bus_i2c *d = (struct bus_i2c *)b;
    int64_t deadline = mono_us() + (int64_t)wait_ms * 1000;
    unsigned delay = b->poll_us;
    size_t got = 0;
    while (got < n) {
        guard(d);
        ssize_t r = read(d->fd, buf + got, n - got);
        mark(d);
        if (r > 0) {
            got += (size_t)r;
            delay = b->poll_us;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && !is_nack(errno))
            return se05x_err_set(err, SE05X_E_LINK, 0, 0, "T=1 on %s: read: %s", b->label,
                                 strerror(errno));
        int64_t now = mono_us();
        if (now >= deadline)
            return se05x_err_set(err, SE05X_E_TIMEOUT, 0, 0,
                                 "T=1 on %s: no answer within %d ms", b->label, wait_ms);
        unsigned s = delay;
        if ((int64_t)s > deadline - now)
            s = (unsigned)(deadline - now);
        sleep_us(s);
        if (delay < b->poll_max_us)
            delay += 1000;
    }
    return SE05X_OK;
}

/* The NXP "clear read buffer" read: read until the chip NACKs. */
static void i2c_drain(struct se05x_bus *b)
{
    struct bus_i2c *d = (struct bus_i2c *)b;
    uint8_t junk[260];
    for (int i = 0; i < 8; i++) {
        guard(d);
        ssize_t r = read(d->fd, junk, sizeof(junk));
        mark(d);
        if (r <= 0)
            return;
    }
}

static void i2c_close(struct se05x_bus *b)
{
    struct bus_i2c *d = (struct bus_i2c *)b;
    if (d->fd >= 0)
        close(d->fd);
    free(d);
}

static const struct se05x_bus_ops i2c_ops = {
    .name = "i2c-dev", .write = i2c_write, .read = i2c_read, .drain = i2c_drain, .close = i2c_close};

se05x_rc se05x_bus_i2cdev_open(const char *path, uint8_t addr, struct se05x_bus **out,
                               struct se05x_error *err)
{
    *out = NULL;
    if (addr == 0 || addr > 0x7F)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "%s: invalid I2C address 0x%02X", path,
                             addr);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return se05x_err_set(err, SE05X_E_LINK, 0, 0, "%s: cannot open: %s", path,
                             strerror(errno));
    unsigned long funcs = 0;
    if (ioctl(fd, I2C_FUNCS, &funcs) == 0 && !(funcs & I2C_FUNC_I2C)) {
        close(fd);
        return se05x_err_set(err, SE05X_E_LINK, 0, 0,
                             "%s: adapter cannot do plain I2C transfers (I2C_FUNC_I2C)", path);
    }
    if (ioctl(fd, I2C_SLAVE, (unsigned long)addr) != 0) {
        int e = errno;
        close(fd);
        return se05x_err_set(err, SE05X_E_LINK, 0, 0, "%s: cannot address 0x%02X: %s%s", path,
                             addr, strerror(e),
                             e == EBUSY ? " (claimed by a kernel driver)" : "");
    }
    struct bus_i2c *d = calloc(1, sizeof(*d));
    if (!d) {
        close(fd);
        return se05x_err_set(err, SE05X_E_NOMEM, 0, 0, "out of memory");
    }
    d->base.ops = &i2c_ops;
    d->fd = fd;
    /* the bus lock follows the node we opened (its group and mode) */
    d->base.has_dev = fstat(fd, &d->base.dev) == 0 && S_ISCHR(d->base.dev.st_mode);
    snprintf(d->base.label, sizeof(d->base.label), "%s:0x%02X", path, addr);
    /* lock name: "i2c-1-0x48" from "/dev/i2c-1" (path separators dropped) */
    const char *base = strrchr(path, '/');
    snprintf(d->base.lock_id, sizeof(d->base.lock_id), "%s-0x%02x", base ? base + 1 : path, addr);
    d->base.poll_us = 1000;
    d->base.poll_max_us = 20000;
    d->base.guard_us = 0;
    *out = &d->base;
    return SE05X_OK;
}
