/* SPDX-License-Identifier: Apache-2.0 */
/* /etc/se05x/se05xd.conf (docs/daemon.md "Configuration"): lines
 * "key = value", '#' comments, blank lines. Strict: an unknown key, a key
 * given twice, an empty or invalid value fails the whole file with
 * "FILE:LINE: why". */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgfile.h"
#include "se05xd.h"

static const char *const keys[SE05XD_CONF_NKEYS] = {
    "chip", "listen", "acl", "auth", "scp03_keys", "scp03_kvn", "socket_mode", "socket_group",
    "lock_timeout_ms", "max_clients",
};

int se05xd_conf_key(const char *key)
{
    for (int i = 0; i < SE05XD_CONF_NKEYS; i++)
        if (!strcmp(keys[i], key))
            return i;
    return -1;
}

void se05xd_opts_defaults(struct se05xd_opts *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->listen, sizeof o->listen, "%s", SE05XD_LISTEN_DEFAULT);
    o->socket_mode = -1;
    o->lock_timeout_ms = 5000;
    o->max_clients = 64;
}

static int parse_int(const char *v, int base, long lo, long hi, int *out)
{
    if (!*v)
        return -1;
    for (const char *p = v; *p; p++)
        if (!(base == 16 ? isxdigit((unsigned char)*p) : base == 8 ? (*p >= '0' && *p <= '7') : isdigit((unsigned char)*p)))
            return -1;
    errno = 0;
    long x = strtol(v, NULL, base);
    if (errno || x < lo || x > hi)
        return -1;
    *out = (int)x;
    return 0;
}

/* Applies one key; NULL or the reason it is invalid. */
static const char *apply(struct se05xd_opts *o, int k, const char *v)
{
    switch (k) {
    case 0:
        snprintf(o->chip, sizeof o->chip, "%s", v);
        return strlen(v) < sizeof o->chip ? NULL : "too long";
    case 1:
        if (strncmp(v, "unix:", 5) || v[5] != '/')
            return "expected unix:/ABSOLUTE/PATH";
        snprintf(o->listen, sizeof o->listen, "%s", v);
        return strlen(v) < 100 ? NULL : "socket path too long";
    case 2:
        snprintf(o->acl_path, sizeof o->acl_path, "%s", v);
        return strlen(v) < sizeof o->acl_path ? NULL : "too long";
    case 3:
        if (strcmp(v, "none") && strcmp(v, "auto") && strcmp(v, "platform-scp03"))
            return "expected none, auto or platform-scp03";
        snprintf(o->auth, sizeof o->auth, "%s", v);
        return NULL;
    case 4:
        snprintf(o->scp03_keys, sizeof o->scp03_keys, "%s", v);
        return strlen(v) < sizeof o->scp03_keys ? NULL : "too long";
    case 5: {
        const char *h = (v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) ? v + 2 : v;
        return parse_int(h, 16, 1, 0x7F, &o->scp03_kvn) ? "expected a key version 01..7F (hexadecimal)" : NULL;
    }
    case 6:
        return parse_int(v, 8, 0, 0777, &o->socket_mode) ? "expected an octal mode such as 0660" : NULL;
    case 7:
        snprintf(o->socket_group, sizeof o->socket_group, "%s", v);
        return strlen(v) < sizeof o->socket_group ? NULL : "too long";
    case 8:
        return parse_int(v, 10, 100, 600000, &o->lock_timeout_ms) ? "expected milliseconds 100..600000" : NULL;
    case 9:
        return parse_int(v, 10, 1, 1024, &o->max_clients) ? "expected 1..1024" : NULL;
    }
    return "unknown key";
}

int se05xd_conf_apply(struct se05xd_opts *o, const char *key, const char *val, char *err, size_t cap)
{
    int k = se05xd_conf_key(key);
    const char *why = k < 0 ? "unknown option" : apply(o, k, val);
    if (why)
        return se05xd_ferr(err, cap, key, 0, "%s", why);
    return 0;
}

int se05xd_conf_load(const char *path, bool must_exist, struct se05xd_opts *o, const unsigned *cli_set, char *err,
                     size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT && !must_exist)
            return 0;
        return se05xd_ferr(err, cap, path, 0, "cannot read: %s", errno == ELOOP ? "is a symbolic link" : strerror(errno));
    }
    struct stat st;
    const char *bad = se05xd_untrusted(fd, &st);
    if (bad) {
        close(fd);
        return se05xd_ferr(err, cap, path, 0, "%s; refusing it", bad);
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        return se05xd_ferr(err, cap, path, 0, "out of memory");
    }
    char line[1100];
    unsigned no = 0, first[SE05XD_CONF_NKEYS] = {0};
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        no++;
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n')
            line[--n] = '\0';
        else if (!feof(f)) {
            rc = se05xd_ferr(err, cap, path, no, "line too long");
            break;
        }
        char *h = strchr(line, '#');
        if (h)
            *h = '\0';
        char *b = line;
        while (*b == ' ' || *b == '\t')
            b++;
        char *e = b + strlen(b);
        while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
            *--e = '\0';
        if (!*b)
            continue;
        char *eq = strchr(b, '=');
        if (!eq) {
            rc = se05xd_ferr(err, cap, path, no, "expected 'key = value'");
            break;
        }
        char *ke = eq;
        while (ke > b && (ke[-1] == ' ' || ke[-1] == '\t'))
            ke--;
        *ke = '\0';
        char *v = eq + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        int k = se05xd_conf_key(b);
        if (k < 0) {
            rc = se05xd_ferr(err, cap, path, no,
                      "unknown key '%.40s' (known: chip listen acl auth scp03_keys scp03_kvn socket_mode "
                      "socket_group lock_timeout_ms max_clients)",
                      b);
            break;
        }
        if (first[k]) {
            rc = se05xd_ferr(err, cap, path, no, "'%s' given twice (first on line %u)", b, first[k]);
            break;
        }
        first[k] = no;
        if (!*v) {
            rc = se05xd_ferr(err, cap, path, no, "empty value for '%s'", b);
            break;
        }
        for (char *p = v; *p; p++)
            if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7F || *p == ' ') {
                rc = se05xd_ferr(err, cap, path, no, "value of '%s' contains spaces or control characters", b);
                break;
            }
        if (rc)
            break;
        struct se05xd_opts tmp = *o;
        const char *why = apply(&tmp, k, v);
        if (why) {
            rc = se05xd_ferr(err, cap, path, no, "%s: %s", b, why);
            break;
        }
        if (!(cli_set && cli_set[k])) /* the command line wins; the value is still checked */
            *o = tmp;
    }
    fclose(f);
    return rc;
}
