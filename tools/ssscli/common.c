/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the commands: opening the chip, ids, files. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "connmsg.h"
#include "outfile.h"
#include "ssscli.h"

int cli_usage(const char *fmt, ...)
{
    va_list ap;
    fputs("ssscli: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 2;
}

int cli_open(const struct cli *c, se05x_session **s)
{
    char conn[600], key[4096] = "";
    const char *use = NULL;
    struct se05x_open_opts o;
    memset(&o, 0, sizeof(o));
    if (c->port && *c->port) {
        use = c->port;
    } else {
        int r = session_load(conn, sizeof(conn), key, sizeof(key));
        if (r < 0)
            return 1;
        if (r > 0)
            use = conn;
        if (r > 0 && key[0]) { /* connect --auth_type PlatformSCP --scpkey FILE */
            o.auth = SE05X_AUTH_PLATFORM_SCP03;
            o.scp03_keys = key;
        }
    }
    struct se05x_error err;
    memset(&err, 0, sizeof(err));
    if (!use) {
        /* EX_SSS_BOOT_SSS_PORT, then the configuration file: an error there
         * names the file and line, and nothing is opened. */
        if (se05x_conn_resolve_ex(NULL, conn, sizeof(conn), &err) != SE05X_OK)
            return cli_err("%s", err.msg);
        use = conn;
    }
    se05x_rc rc = se05x_open(use, &o, s, &err);
    if (rc != SE05X_OK) {
        char line[SE05X_ERRMSG_MAX + 700];
        tool_connect_msg(line, sizeof(line), use, err.msg[0] ? err.msg : se05x_strerror(rc));
        return cli_err("%s", line);
    }
    return 0;
}

int cli_objid(const char *text, se05x_objid *id)
{
    if (se05x_parse_objid(text, id) != SE05X_OK)
        return cli_usage("invalid key id '%s' (hex, with or without 0x, non-zero, at most 8 digits)", text);
    return 0;
}

int cli_rc(se05x_session *s, se05x_rc rc, const char *what)
{
    if (rc == SE05X_OK)
        return 0;
    const char *m = s ? se05x_errmsg(s) : NULL;
    return cli_err("%s: %s", what, m && *m ? m : se05x_strerror(rc));
}

/* Through the tools' one safe writer (tools/common/outfile.h): temporary
 * file with a random name next to the target (O_EXCL|O_NOFOLLOW), fsync,
 * rename; a symbolic link at the path is refused; never a partial file. */
int cli_write_file_mode(const char *path, const void *data, size_t len, mode_t mode)
{
    const char *why;
    if (outfile_write(path, data, len, mode, &why) != 0)
        return cli_err("cannot write %s: %s", path, why);
    return 0;
}

int cli_write_file(const char *path, const void *data, size_t len)
{
    return cli_write_file_mode(path, data, len, OUTFILE_PUBLIC);
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
