/* SPDX-License-Identifier: Apache-2.0 */
/* See statedir.h. */
#include "statedir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *who(uid_t uid)
{
    return uid == 0 ? " (root)" : "";
}

/* Removes NAME.tmp.* leftovers (and the fixed-name state.tmp of older
 * versions): a write interrupted by a kill; the old file is the valid one. */
static void remove_leftovers(int dfd)
{
    int d2 = dup(dfd);
    DIR *d = d2 >= 0 ? fdopendir(d2) : NULL;
    if (!d) {
        if (d2 >= 0)
            close(d2);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strstr(e->d_name, ".tmp.") || strcmp(e->d_name, "state.tmp") == 0)
            unlinkat(dfd, e->d_name, 0); /* a symlink is removed, never followed */
    }
    closedir(d);
}

int statedir_open(const char *dir, char *err, size_t errlen)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create state directory %s: %s", dir, strerror(errno));
            return -1;
        }
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
        struct stat ls;
        if (errno == ELOOP || (errno == ENOTDIR && lstat(dir, &ls) == 0 && S_ISLNK(ls.st_mode)))
            snprintf(err, errlen, "state directory %s is a symbolic link; refusing to use it (give the real path)",
                     dir);
        else if (errno == ENOTDIR)
            snprintf(err, errlen, "state path %s is not a directory", dir);
        else
            snprintf(err, errlen, "cannot open state directory %s: %s", dir, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot stat state directory %s: %s", dir, strerror(errno));
        close(fd);
        return -1;
    }
    if (st.st_uid != geteuid()) {
        snprintf(err, errlen,
                 "state directory %s belongs to uid %u%s, not to the running user (uid %u%s); refusing to "
                 "use it (another user could have planted files in it)",
                 dir, (unsigned)st.st_uid, who(st.st_uid), (unsigned)geteuid(), who(geteuid()));
        close(fd);
        return -1;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(err, errlen,
                 "state directory %s is writable by group/others (mode %04o); refusing to use it (other "
                 "users could have planted files in it: use a new directory)",
                 dir, (unsigned)(st.st_mode & 07777));
        close(fd);
        return -1;
    }
    if ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) != 0) {
        snprintf(err, errlen, "cannot restrict state directory %s to mode 0700: %s", dir, strerror(errno));
        close(fd);
        return -1;
    }
    remove_leftovers(fd);
    return fd;
}

int statedir_open_file(int dfd, const char *dir, const char *name, int flags, char *err, size_t errlen)
{
    int fd = openat(dfd, name, flags | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT)
            return -1;
        if (e == ELOOP)
            snprintf(err, errlen, "%s/%s is a symbolic link; refusing to follow it", dir, name);
        else
            snprintf(err, errlen, "cannot open %s/%s: %s", dir, name, strerror(e));
        errno = e;
        return -1;
    }
    struct stat st;
    const char *why = NULL;
    char buf[96];
    if (fstat(fd, &st) != 0)
        why = strerror(errno);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    else if (st.st_uid != geteuid())
        why = (snprintf(buf, sizeof buf, "belongs to uid %u, not to the running user (uid %u)",
                        (unsigned)st.st_uid, (unsigned)geteuid()),
               buf);
    else if (st.st_nlink != 1)
        why = "has more than one hard link";
    else if (st.st_mode & 077)
        why = (snprintf(buf, sizeof buf, "mode %04o gives group/others access (expected 0600)",
                        (unsigned)(st.st_mode & 07777)),
               buf);
    if (why) {
        snprintf(err, errlen, "%s/%s %s; refusing to use it", dir, name, why);
        close(fd);
        errno = EPERM;
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

int statedir_create_file(int dfd, const char *name, int flags)
{
    return openat(dfd, name, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

int statedir_write_file(int dfd, const char *name, const void *p, size_t n)
{
    uint8_t rnd[8];
    char tmp[256];
    if (RAND_bytes(rnd, sizeof rnd) != 1) {
        errno = EIO;
        return -1;
    }
    int l = snprintf(tmp, sizeof tmp, "%s.tmp.", name);
    for (size_t i = 0; i < sizeof rnd && l > 0 && (size_t)l + 3 < sizeof tmp; i++)
        l += snprintf(tmp + l, sizeof tmp - (size_t)l, "%02x", rnd[i]);
    int fd = statedir_create_file(dfd, tmp, O_WRONLY);
    if (fd < 0)
        return -1;
    const uint8_t *q = p;
    size_t left = n;
    while (left) {
        ssize_t w = write(fd, q, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto fail;
        q += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (renameat(dfd, tmp, dfd, name) != 0)
        goto fail;
    fsync(dfd);
    return 0;
fail:;
    int e = errno;
    if (fd >= 0)
        close(fd);
    unlinkat(dfd, tmp, 0);
    errno = e;
    return -1;
}
