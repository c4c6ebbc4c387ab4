/* SPDX-License-Identifier: Apache-2.0 */
/* Resolve, say where, open (chipopen.h). */
#include "chipopen.h"

#include <string.h>

#include "connmsg.h"
#include "msgline.h"

se05x_session *tool_open_chip(const char *prog, const char *explicit_conn, int verbose, char *conn,
                              size_t conn_cap, char *from, size_t from_cap)
{
    struct se05x_error err;
    memset(&err, 0, sizeof err);
    enum se05x_conn_origin origin;
    se05x_conf *conf = se05x_conf_new(); /* one reading for the port and the link protection */
    if (conf == NULL) {
        tool_say(1, prog, "out of memory");
        return NULL;
    }
    if (se05x_conn_resolve_with(conf, explicit_conn, conn, conn_cap, &origin, &err) != SE05X_OK) {
        se05x_conf_free(conf);
        tool_say(1, prog, "%s", err.msg); /* configuration file: names the file and line */
        return NULL;
    }
    tool_conn_from(from, from_cap, origin, "--port");
    if (verbose)
        tool_say(0, prog, "using port %s (from %s)", conn, from);
    se05x_session *s = NULL;
    se05x_rc rc = se05x_open_with(conf, conn, NULL, &s, &err);
    se05x_conf_free(conf);
    if (rc != SE05X_OK) {
        char line[SE05X_ERRMSG_MAX + 1200];
        tool_connect_msg(line, sizeof line, conn, from, err.msg[0] ? err.msg : se05x_strerror(rc));
        tool_say(1, prog, "%s", line);
        return NULL;
    }
    return s;
}
