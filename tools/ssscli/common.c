/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the commands: opening the chip, ids, files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "connmsg.h"
#include "infile.h"
#include "outfile.h"
#include "ssscli.h"

/* Which port: --port > the `connect` state > EX_SSS_BOOT_SSS_PORT > the
 * configuration file > /dev/i2c-1 (docs/ssscli.md "Which port"). A state
 * saved with the port "none" names no port: the environment and the
 * configuration file still apply, then the method's default. A saved port
 * that differs from $EX_SSS_BOOT_SSS_PORT is used, and the conflict is
 * reported (never silently preferred). */
static int open_conf(const struct cli *c, se05x_conf *conf, se05x_session **s)
{
    char conn[600], key[4096] = "", spath[4200] = "the ssscli session", from[4400];
    const char *use = NULL;
    int port_none = 0;
    struct se05x_open_opts o;
    memset(&o, 0, sizeof(o));
    struct se05x_error err;
    memset(&err, 0, sizeof(err));
    (void)session_path(spath, sizeof(spath));
    const char *env = getenv("EX_SSS_BOOT_SSS_PORT");
    if (c->port && *c->port) {
        use = c->port;
        snprintf(from, sizeof(from), "--port");
    } else {
        int r = session_load(conn, sizeof(conn), key, sizeof(key), &port_none);
        if (r < 0)
            return 1;
        if (r > 0 && port_none) {
            /* connect ... none: $EX_SSS_BOOT_SSS_PORT, the file, then the method's default */
            char res[600];
            enum se05x_conn_origin origin;
            if (se05x_conn_resolve_with(conf, NULL, res, sizeof(res), &origin, &err) != SE05X_OK)
                return cli_err("%s", err.msg);
            if (origin != SE05X_CONN_FROM_DEFAULT) {
                snprintf(conn, sizeof(conn), "%s", res);
                tool_conn_from(from, sizeof(from), origin, "--port");
            } else {
                snprintf(from, sizeof(from), "the ssscli session %s (connect ... none: the method's default)",
                         spath);
            }
            use = conn;
        } else if (r > 0) {
            use = conn;
            snprintf(from, sizeof(from), "the ssscli session %s", spath);
            if (env && *env && strcmp(env, conn) != 0)
                fprintf(stderr,
                        "ssscli: warning: the saved session %s uses %s but $EX_SSS_BOOT_SSS_PORT is %s; "
                        "using %s ('ssscli disconnect' to use the environment)\n",
                        spath, conn, env, conn);
        }
        if (r > 0 && key[0]) { /* connect --auth_type PlatformSCP --scpkey FILE */
            o.auth = SE05X_AUTH_PLATFORM_SCP03;
            o.scp03_keys = key;
        }
    }
    if (!use) {
        /* EX_SSS_BOOT_SSS_PORT, then the configuration file: an error there
         * names the file and line, and nothing is opened. */
        enum se05x_conn_origin origin;
        if (se05x_conn_resolve_with(conf, NULL, conn, sizeof(conn), &origin, &err) != SE05X_OK)
            return cli_err("%s", err.msg);
        tool_conn_from(from, sizeof(from), origin, "--port");
        use = conn;
    }
    if (c->verbose)
        fprintf(stderr, "ssscli: using port %s (from %s)\n", use, from);
    se05x_rc rc = se05x_open_with(conf, use, &o, s, &err);
    if (rc != SE05X_OK) {
        char line[SE05X_ERRMSG_MAX + 5200];
        tool_connect_msg(line, sizeof(line), use, from, err.msg[0] ? err.msg : se05x_strerror(rc));
        return cli_err("%s", line);
    }
    return 0;
}

int cli_open(const struct cli *c, se05x_session **s)
{
    se05x_conf *conf = se05x_conf_new(); /* one reading for the port and the link protection */
    if (conf == NULL)
        return cli_err("out of memory");
    int rc = open_conf(c, conf, s);
    se05x_conf_free(conf);
    return rc;
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
    int e = infile_read(f, (1u << 24) - 1, data, len);
    fclose(f);
    if (e == EFBIG)
        return cli_err("%s: file too large", path);
    if (e != 0)
        return cli_err("cannot read %s", path);
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
