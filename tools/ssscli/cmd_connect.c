/* SPDX-License-Identifier: Apache-2.0 */
/* connect / disconnect: the NXP ssscli session parameters, mapped onto our
 * connection strings and kept in the user's configuration directory. */
#include <stdio.h>
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
        return cli_err("usage: ssscli connect <se05x|se050> <t1oi2c|jrcpv1|t1tcp|none> <port|none>");
    const char *sub = c->argv[0], *method = c->argv[1], *port = c->argv[2];
    if (strcasecmp(sub, "se05x") != 0 && strcasecmp(sub, "se050") != 0)
        return cli_err("subsystem '%s' is not supported (use se05x or se050)", sub);
    if (c->auth_type && strcasecmp(c->auth_type, "None") != 0)
        return cli_err("--auth_type %s is not supported (only None)", c->auth_type);
    if (c->scpkey)
        return cli_err("--scpkey is not supported (Platform SCP03 is not available in this ssscli)");
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
            return cli_err("t1tcp needs HOST:PORT");
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
        return cli_err("invalid port '%s': %s", port, err.msg);
    if (session_save(conn, sub, method, port) != 0)
        return 1;
    char path[4200];
    session_path(path, sizeof(path));
    printf("connect: %s (saved in %s)\n", conn, path);
    return 0;
}

int cmd_disconnect(struct cli *c)
{
    if (c->argc != 0)
        return cli_err("usage: ssscli disconnect");
    return session_remove();
}
