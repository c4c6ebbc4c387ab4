/* SPDX-License-Identifier: Apache-2.0 */
/* Test-only LD_PRELOAD library: makes /dev/i2c-N talk to an emulator's T=1
 * port with I2C semantics, so the real i2c-dev code path of libse05x
 * (lib/bus_i2cdev.c: open, ioctl I2C_SLAVE, write, read polling, close) runs
 * unchanged in tests.
 *
 *   SE05X_SHIM_TARGET=HOST:PORT   emulator to connect to (unset: shim inert)
 *   SE05X_SHIM_DEV=/dev/i2c-1     device path to intercept (default: any /dev/i2c-*)
 *   SE05X_SHIM_ADDR=0x48          the chip's address (others NACK)
 *   SE05X_SHIM_NODE=FILE          fstat() of the device reports FILE's owner,
 *                                 group and mode as a character device
 *
 * open()/open64()/openat()/__open_2() of the device return a TCP socket to
 * the emulator. write() forwards a whole block. read() returns the bytes the
 * emulator has sent so far (any split: 3+N, 2+1+N ...) and, when none are
 * pending, fails with EREMOTEIO exactly as an I2C read the chip NACKs; it
 * never blocks. ioctl() accepts I2C_SLAVE(_FORCE), I2C_FUNCS, I2C_TIMEOUT,
 * I2C_RETRIES and I2C_PEC (any argument, as Linux's i2c-dev: NXP's host code
 * calls I2C_PEC 0; PEC only applies to SMBus transfers, so on plain
 * read()/write() it has no effect on a real bus either, and the shim keeps
 * no state for it); other requests fail with ENOTTY. Every other fd passes
 * straight through (dlsym RTLD_NEXT).
 * The emulator gone: reads and writes NACK (a dead chip). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
/* An interposer defines each libc entry point under its own name (open and
 * open64, fstat and fstat64): no large-file renaming by the headers, which
 * would make our open() a second open64(). 32-bit builds of the project use
 * _FILE_OFFSET_BITS=64 (CMakeLists.txt), so their callers reach open64() and
 * fstat64(), both defined below. _TIME_BITS=64 (a 32-bit toolchain's default
 * on Debian 13) needs large files, so it goes too: callers built with it
 * reach __fstat64_time64(), not interposed (docs/cross.md). */
#undef _FILE_OFFSET_BITS
#undef _TIME_BITS
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FDS 1024

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
/* per fd: 0 = not ours, else the addressed slave + 1 (0x100 bit: I2C_SLAVE done) */
static unsigned short slots[MAX_FDS];

static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real___open_2)(const char *, int);
static int (*real___open64_2)(const char *, int);
static int (*real_ioctl)(int, unsigned long, ...);
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_close)(int);

__attribute__((constructor)) static void shim_init(void)
{
    real_open = dlsym(RTLD_NEXT, "open");
    real_open64 = dlsym(RTLD_NEXT, "open64");
    real_openat = dlsym(RTLD_NEXT, "openat");
    real___open_2 = dlsym(RTLD_NEXT, "__open_2");
    real___open64_2 = dlsym(RTLD_NEXT, "__open64_2");
    real_ioctl = dlsym(RTLD_NEXT, "ioctl");
    real_read = dlsym(RTLD_NEXT, "read");
    real_write = dlsym(RTLD_NEXT, "write");
    real_close = dlsym(RTLD_NEXT, "close");
}

static bool is_ours(int fd)
{
    if (fd < 0 || fd >= MAX_FDS)
        return false;
    pthread_mutex_lock(&mu);
    bool r = slots[fd] != 0;
    pthread_mutex_unlock(&mu);
    return r;
}

static bool wants(const char *path)
{
    if (!path || !getenv("SE05X_SHIM_TARGET"))
        return false;
    const char *dev = getenv("SE05X_SHIM_DEV");
    if (dev && *dev)
        return strcmp(path, dev) == 0;
    return strncmp(path, "/dev/i2c-", 9) == 0;
}

static unsigned chip_addr(void)
{
    const char *a = getenv("SE05X_SHIM_ADDR");
    return a && *a ? (unsigned)strtoul(a, NULL, 0) : 0x48;
}

/* Connects to SE05X_SHIM_TARGET. -1 with errno as open() would set it. */
static int shim_open(void)
{
    char host[256];
    const char *t = getenv("SE05X_SHIM_TARGET");
    const char *colon = strrchr(t, ':');
    if (!colon || (size_t)(colon - t) >= sizeof(host)) {
        errno = ENODEV;
        return -1;
    }
    memcpy(host, t, (size_t)(colon - t));
    host[colon - t] = 0;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0) {
        errno = ENODEV;
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            real_close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0 || fd >= MAX_FDS) {
        if (fd >= 0)
            real_close(fd);
        errno = ENODEV; /* as for a missing adapter */
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    pthread_mutex_lock(&mu);
    slots[fd] = 1;
    pthread_mutex_unlock(&mu);
    return fd;
}

int open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    if (wants(path))
        return shim_open();
    return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    if (wants(path))
        return shim_open();
    return (real_open64 ? real_open64 : real_open)(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    if (wants(path))
        return shim_open();
    return real_openat(dirfd, path, flags, mode);
}

int __open_2(const char *path, int flags)
{
    if (wants(path))
        return shim_open();
    return real___open_2(path, flags);
}

int __open64_2(const char *path, int flags)
{
    if (wants(path))
        return shim_open();
    return (real___open64_2 ? real___open64_2 : real___open_2)(path, flags);
}

int ioctl(int fd, unsigned long req, ...)
{
    va_list ap;
    va_start(ap, req);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (!is_ours(fd))
        return real_ioctl(fd, req, arg);
    switch (req) {
    case I2C_SLAVE:
    case I2C_SLAVE_FORCE: {
        unsigned long a = (unsigned long)arg;
        if (a > 0x7F) {
            errno = EINVAL;
            return -1;
        }
        pthread_mutex_lock(&mu);
        slots[fd] = (unsigned short)(0x100 | (a + 1));
        pthread_mutex_unlock(&mu);
        return 0;
    }
    case I2C_FUNCS:
        *(unsigned long *)arg = I2C_FUNC_I2C | I2C_FUNC_SMBUS_EMUL;
        return 0;
    case I2C_TIMEOUT:
    case I2C_RETRIES:
    case I2C_PEC: /* i2c-dev: sets/clears I2C_CLIENT_PEC, used by SMBus only */
        return 0;
    default:
        errno = ENOTTY;
        return -1;
    }
}

/* true when the fd addresses the chip (I2C_SLAVE with its address done) */
static bool addressed(int fd)
{
    pthread_mutex_lock(&mu);
    unsigned s = slots[fd];
    pthread_mutex_unlock(&mu);
    return (s & 0x100) && (s & 0xFF) == chip_addr() + 1;
}

ssize_t read(int fd, void *buf, size_t n)
{
    if (!is_ours(fd))
        return real_read(fd, buf, n);
    if (!addressed(fd)) {
        errno = EREMOTEIO;
        return -1;
    }
    ssize_t r = recv(fd, buf, n, MSG_DONTWAIT);
    if (r > 0)
        return r;
    errno = EREMOTEIO; /* nothing pending (or the chip is gone): NACK */
    return -1;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    if (!is_ours(fd))
        return real_write(fd, buf, n);
    if (!addressed(fd)) {
        errno = EREMOTEIO;
        return -1;
    }
    size_t off = 0;
    while (off < n) {
        ssize_t w = send(fd, (const char *)buf + off, n - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            errno = EREMOTEIO;
            return -1;
        }
        off += (size_t)w;
    }
    return (ssize_t)n;
}

int close(int fd)
{
    if (fd >= 0 && fd < MAX_FDS) {
        pthread_mutex_lock(&mu);
        slots[fd] = 0;
        pthread_mutex_unlock(&mu);
    }
    return real_close(fd);
}

/* fstat() of a shim descriptor: a socket, i.e. "no device node" for the bus
 * lock (lib/buslock.c), unless SE05X_SHIM_NODE names a file standing in for
 * the node: then its owner, group and mode, reported as a character device
 * (tests of the lock file's group and mode through the real i2c-dev path).
 * Defined twice from one body: fstat() and fstat64(), what callers built
 * with large-file support (every 32-bit build of the project) reach; on
 * 64-bit targets the two are the same. */
#define SHIM_FSTAT(FN, STRUCT, STATFN)                                             \
    int FN(int fd, STRUCT *st)                                                     \
    {                                                                              \
        const char *node = getenv("SE05X_SHIM_NODE");                              \
        if (node && *node && is_ours(fd)) {                                        \
            if (STATFN(node, st) != 0)                                             \
                return -1;                                                         \
            st->st_mode = S_IFCHR | (st->st_mode & 07777);                         \
            return 0;                                                              \
        }                                                                          \
        int (*real)(int, STRUCT *) = (int (*)(int, STRUCT *))dlsym(RTLD_NEXT, #FN); \
        return real(fd, st);                                                       \
    }

SHIM_FSTAT(fstat, struct stat, stat)
SHIM_FSTAT(fstat64, struct stat64, stat64)
