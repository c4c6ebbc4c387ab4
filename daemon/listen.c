/* SPDX-License-Identifier: Apache-2.0 */
/* The listening socket (docs/daemon.md "Socket"): a path in use is never
 * taken over, a symbolic link is never followed, and an existing socket is
 * only removed when it is provably a dead one of ours: we hold the lock file
 * PATH.lock (flock, held by every running se05xd for its whole life), the
 * socket is owned by our user and nobody accepts on it. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "se05xd.h"

static int fail(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return -1;
}

/* 1 a server accepts on it, 0 refused (dead), -1 other error. */
static int probe(const char *path)
{
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    snprintf(un.sun_path, sizeof un.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int r = connect(fd, (struct sockaddr *)&un, sizeof un);
    int e = errno;
    close(fd);
    if (r == 0)
        return 1;
    return e == ECONNREFUSED ? 0 : -1;
}

int se05xd_listen(const char *path, int mode, gid_t gid, int *lock_fd, char *err, size_t cap)
{
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    *lock_fd = -1;
    if (path[0] != '/')
        return fail(err, cap, "unix:%s: the socket path must be absolute", path);
    if (strlen(path) + 6 >= sizeof un.sun_path)
        return fail(err, cap, "unix:%s: socket path too long (at most %zu bytes)", path, sizeof un.sun_path - 7);
    char dir[sizeof un.sun_path];
    snprintf(dir, sizeof dir, "%s", path);
    char *d = dirname(dir);
    struct stat st;
    if (lstat(d, &st) != 0)
        return fail(err, cap, "unix:%s: directory %s: %s", path, d, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return fail(err, cap, "unix:%s: %s is not a directory (symbolic links are not followed)", path, d);
    if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX))
        return fail(err, cap, "unix:%s: directory %s is writable by every user without the sticky bit", path, d);
    if (st.st_uid != 0 && st.st_uid != geteuid())
        return fail(err, cap, "unix:%s: directory %s is owned by another user", path, d);

    char lockp[sizeof un.sun_path + 8];
    snprintf(lockp, sizeof lockp, "%s.lock", path);
    int lfd = open(lockp, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
    if (lfd < 0)
        return fail(err, cap, "unix:%s: lock file %s: %s", path, lockp,
                    errno == ELOOP ? "is a symbolic link" : strerror(errno));
    if (fstat(lfd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
        close(lfd);
        return fail(err, cap, "unix:%s: lock file %s is not a regular file of ours", path, lockp);
    }
    if (flock(lfd, LOCK_EX | LOCK_NB) != 0) {
        close(lfd);
        return fail(err, cap, "unix:%s is in use: another se05xd holds %s", path, lockp);
    }

    if (lstat(path, &st) == 0) {
        if (S_ISLNK(st.st_mode)) {
            close(lfd);
            return fail(err, cap, "unix:%s is a symbolic link; not following it (remove it by hand)", path);
        }
        if (!S_ISSOCK(st.st_mode)) {
            close(lfd);
            return fail(err, cap, "unix:%s exists and is not a socket; not touching it", path);
        }
        int p = probe(path);
        if (p == 1) {
            close(lfd);
            return fail(err, cap, "unix:%s is in use: a server accepts connections there", path);
        }
        if (p < 0 || st.st_uid != geteuid()) {
            close(lfd);
            return fail(err, cap, "unix:%s: an old socket of %s is in the way; remove it by hand", path,
                        st.st_uid != geteuid() ? "another user" : "unknown state");
        }
        if (unlink(path) != 0) {
            close(lfd);
            return fail(err, cap, "unix:%s: cannot remove our stale socket: %s", path, strerror(errno));
        }
        dlog(L_INFO, "removed the stale socket %s of an earlier se05xd", path);
    } else if (errno != ENOENT) {
        close(lfd);
        return fail(err, cap, "unix:%s: %s", path, strerror(errno));
    }

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        close(lfd);
        return fail(err, cap, "socket: %s", strerror(errno));
    }
    snprintf(un.sun_path, sizeof un.sun_path, "%s", path);
    mode_t old = umask(0177); /* born 0600: opened up below, never wider than asked */
    int b = bind(fd, (struct sockaddr *)&un, sizeof un);
    int be = errno;
    umask(old);
    if (b != 0) {
        close(fd);
        close(lfd);
        return fail(err, cap, "unix:%s: bind: %s", path, strerror(be));
    }
    if (lstat(path, &st) != 0 || !S_ISSOCK(st.st_mode)) {
        close(fd);
        close(lfd);
        return fail(err, cap, "unix:%s changed under us", path);
    }
    if (gid != (gid_t)-1 && fchownat(AT_FDCWD, path, (uid_t)-1, gid, AT_SYMLINK_NOFOLLOW) != 0) {
        int e = errno;
        unlink(path);
        close(fd);
        close(lfd);
        return fail(err, cap, "unix:%s: cannot give the socket group %ld: %s", path, (long)gid, strerror(e));
    }
    if (chmod(path, (mode_t)mode) != 0) {
        int e = errno;
        unlink(path);
        close(fd);
        close(lfd);
        return fail(err, cap, "unix:%s: chmod %04o: %s", path, (unsigned)mode, strerror(e));
    }
    if (listen(fd, 128) != 0) {
        int e = errno;
        unlink(path);
        close(fd);
        close(lfd);
        return fail(err, cap, "unix:%s: listen: %s", path, strerror(e));
    }
    *lock_fd = lfd;
    return fd;
}

int se05xd_activated_fd(void)
{
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
    if (!pid || !fds || strtol(pid, NULL, 10) != (long)getpid() || strtol(fds, NULL, 10) != 1)
        return -1;
    int fd = 3; /* SD_LISTEN_FDS_START */
    int acc = 0, type = 0;
    socklen_t l = sizeof acc;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l) != 0 || !acc)
        return -1;
    l = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) != 0 || type != SOCK_STREAM)
        return -1;
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    return fd;
}
