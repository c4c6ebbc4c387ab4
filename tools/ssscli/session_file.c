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

int session_save(const char *conn, const char *subsystem, const char *method, const char *port,
                 const char *scpkey)
{
    char dir[4096], path[4200], text[8800];
    if (config_dir(dir, sizeof(dir)) != 0 || mkdirs(dir) != 0)
        return cli_err("cannot create the configuration directory %s: %s", dir, strerror(errno));
    snprintf(path, sizeof(path), "%s/ssscli-session", dir);
    int n = snprintf(text, sizeof(text),
                     "# ssscli connect state (ssscli disconnect removes it)\n"
                     "conn=%s\nsubsystem=%s\nmethod=%s\nport=%s\n%s%s%s",
                     conn, subsystem, method, port, scpkey ? "auth=PlatformSCP\nscpkey=" : "",
                     scpkey ? scpkey : "", scpkey ? "\n" : ""); /* the key file's path, never the keys */
    if (n < 0 || (size_t)n >= sizeof(text))
        return cli_err("cannot write %s: connection parameters too long", path);
    return cli_write_file_mode(path, text, (size_t)n, 0600);
}

int session_load(char *conn, size_t len, char *scpkey, size_t klen, int *port_none)
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
    char line[4200];
    int found = 0;
    if (scpkey && klen)
        scpkey[0] = 0;
    if (port_none)
        *port_none = 0;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (strncmp(line, "conn=", 5) == 0 && strlen(line + 5) < len) {
            strcpy(conn, line + 5);
            found = 1;
        } else if (strcmp(line, "port=none") == 0 || strcmp(line, "port=None") == 0) {
            if (port_none)
                *port_none = 1;
        } else if (strncmp(line, "scpkey=", 7) == 0 && scpkey && strlen(line + 7) < klen) {
            strcpy(scpkey, line + 7);
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
