/* SPDX-License-Identifier: Apache-2.0 */
/* The `connect` state: one small text file in the user's configuration
 * directory, ${XDG_CONFIG_HOME:-$HOME/.config}/se05x/ssscli-session
 * (directory 0700, file 0600, written atomically). Never a shared or
 * world-writable path; a file that others could have written is refused. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ssscli.h"

static int config_dir(char *buf, size_t len)
{
    const char *x = getenv("XDG_CONFIG_HOME");
    int n;
    if (x && x[0] == '/') {
        n = snprintf(buf, len, "%s/se05x", x);
    } else {
        const char *h = getenv("HOME");
        if (!h || !*h)
            return -1;
        n = snprintf(buf, len, "%s/.config/se05x", h);
    }
    return n > 0 && (size_t)n < len ? 0 : -1;
}

int session_path(char *buf, size_t len)
{
    char dir[4096];
    if (config_dir(dir, sizeof(dir)) != 0)
        return -1;
    int n = snprintf(buf, len, "%s/ssscli-session", dir);
    return n > 0 && (size_t)n < len ? 0 : -1;
}

static int mkdirs(const char *dir)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
        return -1;
    return chmod(tmp, 0700);
}

int session_save(const char *conn, const char *subsystem, const char *method, const char *port)
{
    char dir[4096], path[4200], tmp[4300];
    if (config_dir(dir, sizeof(dir)) != 0 || mkdirs(dir) != 0)
        return cli_err("cannot create the configuration directory %s: %s", dir, strerror(errno));
    snprintf(path, sizeof(path), "%s/ssscli-session", dir);
    snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return cli_err("cannot write %s: %s", path, strerror(errno));
    fchmod(fd, 0600);
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        return cli_err("cannot write %s", path);
    }
    fprintf(f, "# ssscli connect state (ssscli disconnect removes it)\n");
    fprintf(f, "conn=%s\nsubsystem=%s\nmethod=%s\nport=%s\n", conn, subsystem, method, port);
    int ok = fflush(f) == 0 && fsync(fd) == 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return cli_err("cannot write %s: %s", path, strerror(errno));
    }
    return 0;
}

int session_load(char *conn, size_t len)
{
    char path[4200];
    if (session_path(path, sizeof(path)) != 0)
        return 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : (cli_err("cannot read %s: %s", path, strerror(errno)), -1);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) {
        close(fd);
        cli_err("%s is not a private regular file of yours; refusing it (run ssscli disconnect)", path);
        return -1;
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        return -1;
    }
    char line[700];
    int found = 0;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (strncmp(line, "conn=", 5) == 0 && strlen(line + 5) < len) {
            strcpy(conn, line + 5);
            found = 1;
        }
    }
    fclose(f);
    if (!found) {
        cli_err("%s has no connection; run ssscli connect again", path);
        return -1;
    }
    return 1;
}

int session_remove(void)
{
    char path[4200];
    if (session_path(path, sizeof(path)) != 0)
        return 0;
    if (unlink(path) != 0 && errno != ENOENT)
        return cli_err("cannot remove %s: %s", path, strerror(errno));
    return 0;
}
