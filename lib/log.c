/* SPDX-License-Identifier: Apache-2.0 */
/* The one logging facility (include/se05x/log.h). Stateless by design: the
 * level (SE05X_LOG) and destination (SE05X_LOG_FILE) are read from the
 * environment on every call, so there is no global mutable state and a
 * program may change them at run time. Each line is written with a single
 * write(2) so lines of concurrent threads/processes do not interleave. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <se05x/log.h>

#define LOG_LINE_MAX 8192

static const char *const level_names[] = {"none", "error", "warn", "info", "debug", "trace"};

enum se05x_log_level se05x_log_level(void)
{
    const char *v = getenv("SE05X_LOG");
    if (!v || !*v)
        return SE05X_LOG_ERROR;
    if (v[0] >= '0' && v[0] <= '5' && v[1] == '\0')
        return (enum se05x_log_level)(v[0] - '0');
    for (int i = 0; i <= SE05X_LOG_TRACE; i++)
        if (!strcasecmp(v, level_names[i]))
            return (enum se05x_log_level)i;
    if (!strcasecmp(v, "warning"))
        return SE05X_LOG_WARN;
    if (!strcasecmp(v, "off") || !strcasecmp(v, "quiet"))
        return SE05X_LOG_NONE;
    return SE05X_LOG_ERROR;
}

int se05x_log_enabled(enum se05x_log_level lvl)
{
    return lvl != SE05X_LOG_NONE && lvl <= se05x_log_level();
}

static void write_all(int fd, const char *line, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, line, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        line += w;
        n -= (size_t)w;
    }
}

/* SE05X_LOG_FILE: opened for each line with O_APPEND|O_NOFOLLOW, created
 * 0600; a symbolic link, anything but a regular file, or a file owned by
 * another user is refused (a log may hold APDU traces; the path may be in a
 * shared directory). Refused or unopenable: the line goes to stderr after a
 * line saying why. */
static void emit(const char *line, size_t n)
{
    const char *path = getenv("SE05X_LOG_FILE");
    if (!path || !*path) {
        write_all(2, line, n);
        return;
    }
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0600);
    const char *why = NULL;
    struct stat st;
    if (fd < 0)
        why = errno == ELOOP ? "is a symbolic link" : strerror(errno);
    else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        why = "is not a regular file";
    else if (st.st_uid != geteuid())
        why = "is owned by another user";
    if (why) {
        if (fd >= 0)
            close(fd);
        char note[512];
        int k = snprintf(note, sizeof note, "se05x[%ld] lib error: SE05X_LOG_FILE %.300s refused (%s); logging to stderr\n",
                         (long)getpid(), path, why);
        if (k > 0)
            write_all(2, note, (size_t)k < sizeof note ? (size_t)k : sizeof note - 1);
        write_all(2, line, n);
        return;
    }
    write_all(fd, line, n);
    close(fd);
}

/* Formats "se05x[pid] component level: " + body + "\n" and writes it. */
static void log_body(enum se05x_log_level lvl, const char *component, const char *body)
{
    char line[LOG_LINE_MAX];
    int n = snprintf(line, sizeof line - 1, "se05x[%ld] %s %s: %s", (long)getpid(),
                     component ? component : "lib", level_names[lvl], body);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof line - 1 ? (size_t)n : sizeof line - 2;
    if ((size_t)n >= sizeof line - 1)
        memcpy(line + len - 3, "...", 3);
    /* keep it one line whatever the message contained */
    for (size_t i = 0; i < len; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[len++] = '\n';
    emit(line, len);
}

void se05x_log(enum se05x_log_level lvl, const char *component, const char *fmt, ...)
{
    if (lvl < SE05X_LOG_ERROR || lvl > SE05X_LOG_TRACE || !se05x_log_enabled(lvl))
        return;
    char body[LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    log_body(lvl, component, body);
}

void se05x_log_hex(enum se05x_log_level lvl, const char *component, const char *label,
                   const uint8_t *data, size_t n)
{
    if (lvl < SE05X_LOG_ERROR || lvl > SE05X_LOG_TRACE || !se05x_log_enabled(lvl))
        return;
    static const char hx[] = "0123456789ABCDEF";
    char body[LOG_LINE_MAX - 128];
    int h = snprintf(body, sizeof body, "%s (%zu):", label ? label : "data", n);
    if (h < 0)
        return;
    size_t pos = (size_t)h < sizeof body ? (size_t)h : sizeof body - 1;
    for (size_t i = 0; i < n && data; i++) {
        if (pos + 4 + 4 >= sizeof body) {
            memcpy(body + pos, " ...", 4);
            pos += 4;
            break;
        }
        body[pos++] = ' ';
        body[pos++] = hx[data[i] >> 4];
        body[pos++] = hx[data[i] & 15];
    }
    body[pos] = '\0';
    log_body(lvl, component, body);
}
