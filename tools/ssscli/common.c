/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the commands: opening the chip, ids, files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ssscli.h"

int cli_open(const struct cli *c, se05x_session **s)
{
    char conn[600];
    const char *use = NULL;
    if (c->port && *c->port) {
        use = c->port;
    } else {
        int r = session_load(conn, sizeof(conn));
        if (r < 0)
            return 1;
        if (r > 0)
            use = conn;
    }
    struct se05x_error err;
    memset(&err, 0, sizeof(err));
    se05x_rc rc = se05x_open(use, NULL, s, &err);
    if (rc != SE05X_OK)
        return cli_err("cannot connect: %s", err.msg[0] ? err.msg : se05x_strerror(rc));
    return 0;
}

int cli_objid(const char *text, se05x_objid *id)
{
    if (se05x_parse_objid(text, id) != SE05X_OK)
        return cli_err("invalid key id '%s' (hex, with or without 0x, non-zero, at most 8 digits)", text);
    return 0;
}

int cli_rc(se05x_session *s, se05x_rc rc, const char *what)
{
    if (rc == SE05X_OK)
        return 0;
    const char *m = s ? se05x_errmsg(s) : NULL;
    return cli_err("%s: %s", what, m && *m ? m : se05x_strerror(rc));
}

/* Written to a temporary file next to the target, then renamed: a failure
 * never leaves a partial file. */
int cli_write_file(const char *path, const void *data, size_t len)
{
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 16);
    if (!tmp)
        return cli_err("out of memory");
    snprintf(tmp, pl + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        cli_err("cannot write %s: %s", path, strerror(errno));
        free(tmp);
        return 1;
    }
    fchmod(fd, 0644);
    const uint8_t *p = data;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, p + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    int ok = off == len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        cli_err("cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return 1;
    }
    free(tmp);
    return 0;
}

int cli_read_file(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return cli_err("cannot read %s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    uint8_t *b = malloc(cap);
    while (b) {
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
        if (n == cap) {
            if (cap >= (1u << 24)) {
                free(b);
                fclose(f);
                return cli_err("%s: file too large", path);
            }
            uint8_t *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (!b || bad) {
        free(b);
        return cli_err("cannot read %s", path);
    }
    *data = b;
    *len = n;
    return 0;
}

int cli_want_pem(const struct cli *c, const char *path, int dflt_pem)
{
    if (c->format) {
        if (strcasecmp(c->format, "PEM") == 0)
            return 1;
        if (strcasecmp(c->format, "DER") == 0)
            return 0;
        return -1;
    }
    const char *dot = strrchr(path, '.');
    if (dot && strcasecmp(dot, ".pem") == 0)
        return 1;
    if (dot && (strcasecmp(dot, ".der") == 0 || strcasecmp(dot, ".cer") == 0 || strcasecmp(dot, ".crt") == 0))
        return 0;
    return dflt_pem;
}
