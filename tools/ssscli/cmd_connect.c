/* SPDX-License-Identifier: Apache-2.0 */
/* connect / disconnect: the NXP ssscli session parameters, mapped onto our
 * connection strings and kept in the user's configuration directory. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ssscli.h"

static int is_none(const char *p)
{
    return !p || !*p || strcasecmp(p, "none") == 0;
}

int cmd_connect(struct cli *c)
{
    if (c->argc != 3)
        return cli_usage("usage: ssscli connect <se05x|se050> <t1oi2c|jrcpv1|t1tcp|none> <port|none>");
    const char *sub = c->argv[0], *method = c->argv[1], *port = c->argv[2];
    if (strcasecmp(sub, "se05x") != 0 && strcasecmp(sub, "se050") != 0)
        return cli_err("subsystem '%s' is not supported (use se05x or se050)", sub);
    /* NXP's --auth_type: None, PlatformSCP (with --scpkey FILE); the applet
     * session kinds (UserID, AESKey, ECKey and their _PlatformSCP forms) are not here. */
    int scp = 0;
    char keyabs[PATH_MAX];
    if (c->auth_type && strcasecmp(c->auth_type, "PlatformSCP") == 0)
        scp = 1;
    else if (c->auth_type && strcasecmp(c->auth_type, "None") != 0)
        return cli_err("--auth_type %s is not supported (None or PlatformSCP)", c->auth_type);
    if (scp && !c->scpkey)
        return cli_err("--auth_type PlatformSCP needs --scpkey FILE (ENC/MAC/DEK key file)");
    if (!scp && c->scpkey)
        return cli_err("--scpkey needs --auth_type PlatformSCP");
    if (scp) {
        struct se05x_error ke;
        memset(&ke, 0, sizeof(ke));
        if (se05x_scp03_keyfile_check(c->scpkey, &ke) != SE05X_OK)
            return cli_err("%s", ke.msg);
        if (!realpath(c->scpkey, keyabs))
            return cli_err("cannot resolve %s", c->scpkey);
        if (strchr(keyabs, '\n'))
            return cli_err("unusable key file path %s", c->scpkey);
    }
    char conn[600];
    if (strcasecmp(method, "t1oi2c") == 0) {
        if (is_none(port))
            snprintf(conn, sizeof(conn), "/dev/i2c-1");
        else if (strncmp(port, "/dev/", 5) == 0)
            snprintf(conn, sizeof(conn), "%s", port);
        else /* HOST:PORT: T=1 blocks over TCP (SE050Sim style) */
            snprintf(conn, sizeof(conn), "t1:%s", port);
    } else if (strcasecmp(method, "jrcpv1") == 0) {
        snprintf(conn, sizeof(conn), "%s", is_none(port) ? "127.0.0.1:8050" : port);
    } else if (strcasecmp(method, "t1tcp") == 0) {
        if (is_none(port))
            return cli_usage("t1tcp needs HOST:PORT");
        snprintf(conn, sizeof(conn), "t1:%s", port);
    } else if (strcasecmp(method, "none") == 0) {
        snprintf(conn, sizeof(conn), "%s", is_none(port) ? "/dev/i2c-1" : port);
    } else {
        return cli_err("connection method '%s' is not supported (t1oi2c, jrcpv1, t1tcp)", method);
    }
    struct se05x_conn_spec spec;
    struct se05x_error err;
    memset(&err, 0, sizeof(err));
    if (se05x_conn_parse(conn, &spec, &err) != SE05X_OK)
        return cli_usage("invalid port '%s': %s", port, err.msg);
    if (session_save(conn, sub, method, port, scp ? keyabs : NULL) != 0)
        return 1;
    char path[4200];
    session_path(path, sizeof(path));
    fprintf(stderr, "ssscli: connect: %s%s (saved in %s)\n", conn, scp ? ", Platform SCP03" : "", path);
    return 0;
}

int cmd_disconnect(struct cli *c)
{
    if (c->argc != 0)
        return cli_usage("usage: ssscli disconnect");
    return session_remove();
}
