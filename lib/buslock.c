/* SPDX-License-Identifier: Apache-2.0 */
/* Cross-process bus lock: flock() on a per-bus file + a generation counter
 * in its first 8 bytes (see buslock.h). */
#include "buslock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *lock_dir(void)
{
    const char *d = getenv("SE05X_LOCK_DIR");
    if (d && *d)
        return d;
    if (access("/run/lock", W_OK) == 0)
        return "/run/lock";
    d = getenv("XDG_RUNTIME_DIR");
    if (d && *d && access(d, W_OK) == 0)
        return d;
    return "/tmp";
}

se05x_rc se05x_buslock_open(struct se05x_buslock *l, const char *id, struct se05x_error *err)
{
    memset(l, 0, sizeof(*l));
    l->fd = -1;
    char name[300];
    size_t j = 0;
    for (size_t i = 0; id[i] && j + 1 < sizeof(name); i++) {
        char c = id[i];
        /* keep the name one path component */
        name[j++] = (c == '/' || c == ':' || c == ' ') ? '_' : c;
    }
    name[j] = 0;
    snprintf(l->path, sizeof(l->path), "%s/se05x-%s.lock", lock_dir(), name);
    l->fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (l->fd < 0)
        return se05x_err_set(err, SE05X_E_IO, 0, 0, "bus lock %s: %s", l->path, strerror(errno));
    /* other users of the bus must be able to lock it too (umask) */
    (void)fchmod(l->fd, 0666);
    return SE05X_OK;
}

static uint64_t read_gen(int fd)
{
    uint8_t b[8] = {0};
    if (pread(fd, b, sizeof(b), 0) != (ssize_t)sizeof(b))
        return 0;
    uint64_t g = 0;
    for (int i = 0; i < 8; i++)
        g = g << 8 | b[i];
    return g;
}

static void write_gen(int fd, uint64_t g)
{
    uint8_t b[8];
    for (int i = 7; i >= 0; i--, g >>= 8)
        b[i] = (uint8_t)g;
    (void)!pwrite(fd, b, sizeof(b), 0);
}

se05x_rc se05x_buslock_acquire(struct se05x_buslock *l, bool *others_used,
                               struct se05x_error *err)
{
    *others_used = false;
    if (l->fd < 0)
        return SE05X_OK;
    if (l->depth++)
        return SE05X_OK;
    /* Non-blocking attempts with a short back-off so the wait stays bounded
     * (a stuck holder cannot hang us); the holder's exchange is ~ms. */
    if (flock(l->fd, LOCK_EX | LOCK_NB) != 0) {
        int64_t deadline = mono_ms() + SE05X_BUSLOCK_WAIT_MS;
        unsigned us = 100;
        for (;;) {
            if (errno != EWOULDBLOCK && errno != EINTR) {
                l->depth--;
                return se05x_err_set(err, SE05X_E_IO, 0, 0, "bus lock %s: %s", l->path,
                                     strerror(errno));
            }
            if (mono_ms() > deadline) {
                l->depth--;
                return se05x_err_set(err, SE05X_E_TIMEOUT, 0, 0,
                                     "bus lock %s: held by another process for more than %d s",
                                     l->path, SE05X_BUSLOCK_WAIT_MS / 1000);
            }
            struct timespec ts = {0, (long)us * 1000};
            nanosleep(&ts, NULL);
            if (us < 2000)
                us *= 2;
            if (flock(l->fd, LOCK_EX | LOCK_NB) == 0)
                break;
        }
    }
    uint64_t g = read_gen(l->fd);
    if (g != l->my_gen || g == 0) {
        *others_used = true;
        l->my_gen = g + 1;
        write_gen(l->fd, l->my_gen);
    }
    return SE05X_OK;
}

void se05x_buslock_release(struct se05x_buslock *l)
{
    if (l->fd < 0 || l->depth == 0)
        return;
    if (--l->depth == 0)
        flock(l->fd, LOCK_UN);
}

void se05x_buslock_close(struct se05x_buslock *l)
{
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
    l->depth = 0;
}
