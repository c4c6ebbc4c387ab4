/* SPDX-License-Identifier: Apache-2.0 */
/* One safe writer for the tools' output files (outfile.h). */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const uint8_t *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Existing character device or FIFO: written in place (no O_CREAT, no
 * following a link), checked to be the very object looked at. */
static int write_special(int dfd, const char *base, const struct stat *seen, const void *data, size_t len,
                         const char **why)
{
    int fd = openat(dfd, base, O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        *why = errno == ELOOP ? "is a symbolic link (refused)" : strerror(errno);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_dev != seen->st_dev || st.st_ino != seen->st_ino ||
        !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
        close(fd);
        *why = "changed while it was opened (refused)";
        return -1;
    }
    int bad = write_all(fd, data, len);
    int e = errno;
    if (close(fd) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad)
        *why = strerror(e);
    return bad ? -1 : 0;
}

/* A link or something other than a regular file at the name: refused. */
static const char *check_target(int dfd, const char *base, struct stat *st, int *exists)
{
    *exists = 0;
    if (fstatat(dfd, base, st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? NULL : strerror(errno);
    *exists = 1;
    if (S_ISLNK(st->st_mode))
        return "is a symbolic link (refused)";
    return NULL;
}

int outfile_write(const char *path, const void *data, size_t len, mode_t mode, const char **why)
{
    *why = "invalid path";
    if (path == NULL || *path == '\0')
        return -1;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
        *why = strerror(EISDIR);
        return -1;
    }
    size_t dl = slash ? (size_t)(slash - path) : 1;
    char *dir = malloc(dl + 1);
    if (dir == NULL) {
        *why = strerror(ENOMEM);
        return -1;
    }
    if (!slash)
        strcpy(dir, ".");
    else if (dl == 0)
        strcpy(dir, "/");
    else {
        memcpy(dir, path, dl);
        dir[dl] = '\0';
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (dfd < 0) {
        *why = strerror(errno);
        return -1;
    }
    struct stat st;
    int exists, rc = -1, fd = -1;
    char tmp[96];
    tmp[0] = '\0';
    if ((*why = check_target(dfd, base, &st, &exists)) != NULL)
        goto out;
    if (exists && !S_ISREG(st.st_mode)) {
        if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))
            rc = write_special(dfd, base, &st, data, len, why);
        else
            *why = S_ISDIR(st.st_mode) ? strerror(EISDIR) : "is not a regular file (refused)";
        goto out;
    }
    mode_t m = mode & 0777;
    if (exists)
        m &= st.st_mode; /* never widen an existing file's mode */
    /* ".<up to 40 chars of the name>.<16 random hex digits>.tmp" */
    for (int tries = 0; fd < 0 && tries < 16; tries++) {
        uint8_t r[8];
        if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
            *why = strerror(errno ? errno : EIO);
            goto out;
        }
        snprintf(tmp, sizeof tmp, ".%.40s.%02x%02x%02x%02x%02x%02x%02x%02x.tmp", base, r[0], r[1], r[2], r[3],
                 r[4], r[5], r[6], r[7]);
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, m);
        if (fd < 0 && errno != EEXIST) {
            *why = strerror(errno);
            tmp[0] = '\0';
            goto out;
        }
    }
    if (fd < 0) {
        *why = strerror(EEXIST);
        tmp[0] = '\0';
        goto out;
    }
    if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        *why = strerror(errno);
        goto out;
    }
    int c = close(fd);
    fd = -1;
    if (c != 0) {
        *why = strerror(errno);
        goto out;
    }
    /* Looked at again just before the rename: a link planted meanwhile is
     * refused (and renameat would replace the link itself, never its target). */
    if ((*why = check_target(dfd, base, &st, &exists)) != NULL)
        goto out;
    if (exists && !S_ISREG(st.st_mode)) {
        *why = "is not a regular file any more (refused)";
        goto out;
    }
    if (renameat(dfd, tmp, dfd, base) != 0) {
        *why = strerror(errno);
        goto out;
    }
    tmp[0] = '\0';
    (void)fsync(dfd); /* the new name is durable too (best effort) */
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (tmp[0])
        unlinkat(dfd, tmp, 0);
    close(dfd);
    return rc;
}
