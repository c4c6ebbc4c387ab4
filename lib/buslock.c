/* SPDX-License-Identifier: Apache-2.0 */
/* Cross-process bus lock: flock() on a per-bus file + a generation counter
 * in its first 8 bytes (see buslock.h). The file lives in a directory that
 * only root and the bus device's group may write, and is never followed
 * through a link, widened or written before it passed its checks. */
#include "buslock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <se05x/log.h>

#include "internal.h"

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What the lock file may look like for this bus: its group and the widest
 * mode (the device node's group rw bits; no device node: our group, 0660). */
struct lock_rule {
    bool node; /* the bus has a device node */
    gid_t gid;
    mode_t mode;
};

static struct lock_rule lock_rule(const struct stat *dev)
{
    struct lock_rule r;
    r.node = dev != NULL;
    if (dev) {
        r.gid = dev->st_gid;
        r.mode = 0600 | (dev->st_mode & 0060);
    } else {
        r.gid = getegid();
        r.mode = 0660;
    }
    return r;
}

#define DIR_FIX "(fix: 'install -d -m 2770 -o root -g <device group> %s')"

/* Opens the lock directory, creating it when missing and we are root, and
 * checks it: a real directory owned by root or us, not writable by others,
 * group-writable only by the device's group (or ours). A bus without a device
 * node (TCP: any local user can reach the port anyway) accepts any group.
 * -1 + err otherwise. */
static int open_lock_dir(const char *dir, const struct lock_rule *r, struct se05x_error *err)
{
    const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    bool created = false;
    if (dir[0] != '/') {
        se05x_err_set(err, SE05X_E_IO, 0, 0,
                      "bus lock directory '%s' (SE05X_LOCK_DIR): not an absolute path", dir);
        return -1;
    }
    int dfd = open(dir, flags);
    if (dfd < 0 && errno == ENOENT && geteuid() == 0) {
        if (mkdir(dir, 0700) == 0)
            created = true;
        else if (errno != EEXIST) {
            se05x_err_set(err, SE05X_E_IO, 0, 0, "bus lock directory %s: cannot create: %s", dir,
                          strerror(errno));
            return -1;
        }
        dfd = open(dir, flags);
    }
    if (dfd < 0) {
        int e = errno;
        if (e == ENOENT)
            se05x_err_set(err, SE05X_E_IO, 0, 0,
                          "bus lock directory %s: missing; a root client creates it, or run "
                          "'install -d -m 2770 -o root -g <device group> %s'",
                          dir, dir);
        else if (e == ELOOP || e == ENOTDIR)
            se05x_err_set(err, SE05X_E_IO, 0, 0,
                          "bus lock directory %s: a symbolic link or not a directory (refused) "
                          DIR_FIX, dir, dir);
        else
            se05x_err_set(err, SE05X_E_IO, 0, 0, "bus lock directory %s: %s%s", dir, strerror(e),
                          e == EACCES ? " (only users of the bus's device group may lock it)"
                                      : "");
        return -1;
    }
    struct stat st;
    if (fstat(dfd, &st) != 0) {
        se05x_err_set(err, SE05X_E_IO, 0, 0, "bus lock directory %s: %s", dir, strerror(errno));
        close(dfd);
        return -1;
    }
    if (created && st.st_uid == geteuid()) {
        /* ours, just made: the device's group may create lock files, new
         * files inherit that group */
        if (fchown(dfd, (uid_t)-1, r->gid) != 0 || fchmod(dfd, 02770) != 0 ||
            fstat(dfd, &st) != 0) {
            se05x_err_set(err, SE05X_E_IO, 0, 0, "bus lock directory %s: cannot set owner/mode: %s",
                          dir, strerror(errno));
            close(dfd);
            return -1;
        }
    }
    const char *bad = NULL;
    char why[96];
    if (!S_ISDIR(st.st_mode))
        bad = "not a directory";
    else if (st.st_uid != 0 && st.st_uid != geteuid()) {
        snprintf(why, sizeof(why), "owned by uid %u, not root or us", (unsigned)st.st_uid);
        bad = why;
    } else if (st.st_mode & S_IWOTH) {
        snprintf(why, sizeof(why), "writable by others (mode %04o)",
                 (unsigned)(st.st_mode & 07777));
        bad = why;
    } else if ((st.st_mode & S_IWGRP) && r->node && st.st_gid != r->gid && st.st_gid != getegid()) {
        snprintf(why, sizeof(why), "writable by group %u, not the device's group %u",
                 (unsigned)st.st_gid, (unsigned)r->gid);
        bad = why;
    }
    if (bad) {
        se05x_err_set(err, SE05X_E_IO, 0, 0, "bus lock directory %s: %s (refused) " DIR_FIX, dir,
                      bad, dir);
        close(dfd);
        return -1;
    }
    return dfd;
}

/* Checks the opened lock file: a regular file with one link, owned by root,
 * us, or a member of the bus's group (its group is that group: only such a
 * user can create it so), and no mode bit beyond the rule's. */
static se05x_rc check_lock_file(int fd, const char *path, const struct lock_rule *r,
                                struct se05x_error *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return se05x_err_set(err, SE05X_E_IO, 0, 0, "bus lock %s: %s", path, strerror(errno));
    char why[96];
    if (!S_ISREG(st.st_mode))
        snprintf(why, sizeof(why), "not a regular file");
    else if (st.st_nlink != 1)
        snprintf(why, sizeof(why), "%lu hard links", (unsigned long)st.st_nlink);
    else if (st.st_uid != 0 && st.st_uid != geteuid() && st.st_gid != r->gid)
        snprintf(why, sizeof(why), "owned by uid %u:%u, not root, us or the device's group",
                 (unsigned)st.st_uid, (unsigned)st.st_gid);
    else if ((st.st_mode & 07777 & ~r->mode) != 0)
        snprintf(why, sizeof(why), "mode %04o wider than %04o", (unsigned)(st.st_mode & 07777),
                 (unsigned)r->mode);
    else if ((st.st_mode & 0060) && st.st_gid != r->gid)
        snprintf(why, sizeof(why), "group %u, not the device's group %u", (unsigned)st.st_gid,
                 (unsigned)r->gid);
    else
        return SE05X_OK;
    return se05x_err_set(err, SE05X_E_IO, 0, 0,
                         "bus lock %s: %s (refused; remove it, the next client recreates it)", path,
                         why);
}

/* Opens <dirfd>/name without following a link; creates it exclusively when
 * missing, then (only then) gives it the rule's group and mode. */
static int open_lock_file(int dfd, const char *name, const char *path, const struct lock_rule *r,
                          struct se05x_error *err)
{
    const int flags = O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
    for (int tries = 0; tries < 8; tries++) {
        int fd = openat(dfd, name, flags);
        if (fd >= 0)
            return fd;
        if (errno != ENOENT)
            break;
        fd = openat(dfd, name, flags | O_CREAT | O_EXCL, 0600);
        if (fd >= 0) {
            /* ours, just made: the device's group and mode; a creator who
             * cannot give it that group (not a member) keeps it private */
            struct stat st;
            if (fstat(fd, &st) != 0) {
                se05x_err_set(err, SE05X_E_IO, 0, 0, "bus lock %s: %s", path, strerror(errno));
                close(fd);
                return -1;
            }
            mode_t mode = r->mode;
            if (st.st_gid != r->gid && fchown(fd, (uid_t)-1, r->gid) != 0) {
                se05x_log(SE05X_LOG_WARN, "t1",
                          "bus lock %s: cannot give it group %u (%s); mode 0600", path,
                          (unsigned)r->gid, strerror(errno));
                mode = 0600;
            }
            if (fchmod(fd, mode) != 0) {
                se05x_err_set(err, SE05X_E_IO, 0, 0, "bus lock %s: %s", path, strerror(errno));
                close(fd);
                return -1;
            }
            return fd;
        }
        if (errno != EEXIST)
            break;
        /* created by another process between our two calls: open it */
    }
    int e = errno;
    if (e == ELOOP)
        se05x_err_set(err, SE05X_E_IO, 0, 0,
                      "bus lock %s: a symbolic link (refused; remove it, the next client "
                      "recreates it)",
                      path);
    else
        se05x_err_set(err, SE05X_E_IO, 0, 0, "bus lock %s: %s%s", path, strerror(e),
                      e == EACCES ? " (only users who may open the bus's device may lock it)" : "");
    return -1;
}

se05x_rc se05x_buslock_open(struct se05x_buslock *l, const char *id, const struct stat *dev,
                            struct se05x_error *err)
{
    memset(l, 0, sizeof(*l));
    l->fd = -1;
    char name[300];
    size_t j = (size_t)snprintf(name, sizeof(name), "se05x-");
    for (size_t i = 0; id[i] && j + 6 < sizeof(name); i++) {
        char c = id[i];
        /* keep the name one path component */
        name[j++] = (c == '/' || c == ':' || c == ' ' || (unsigned char)c < 0x20) ? '_' : c;
    }
    memcpy(name + j, ".lock", 6);
    const char *env = getenv("SE05X_LOCK_DIR");
    char dir[256];
    int n = snprintf(dir, sizeof(dir), "%s", env && *env ? env : SE05X_BUSLOCK_DIR);
    if (n < 0 || (size_t)n >= sizeof(dir))
        return se05x_err_set(err, SE05X_E_IO, 0, 0,
                             "bus lock directory (SE05X_LOCK_DIR): too long");
    /* a trailing slash would make open() follow a final symlink */
    while (n > 1 && dir[n - 1] == '/')
        dir[--n] = 0;
    n = snprintf(l->path, sizeof(l->path), "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof(l->path))
        return se05x_err_set(err, SE05X_E_IO, 0, 0, "bus lock %s/%s: name too long", dir, name);
    struct lock_rule r = lock_rule(dev);
    int dfd = open_lock_dir(dir, &r, err);
    if (dfd < 0)
        return err ? err->rc : SE05X_E_IO;
    int fd = open_lock_file(dfd, name, l->path, &r, err);
    close(dfd);
    if (fd < 0)
        return err ? err->rc : SE05X_E_IO;
    se05x_rc rc = check_lock_file(fd, l->path, &r, err);
    if (rc != SE05X_OK) {
        close(fd);
        return rc;
    }
    l->fd = fd;
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
