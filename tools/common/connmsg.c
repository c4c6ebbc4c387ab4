/* SPDX-License-Identifier: Apache-2.0 */
/* "cannot connect to CONN (port from FROM): reason" (connmsg.h). */
#include "connmsg.h"

#include <stdio.h>
#include <string.h>

const char *tool_conn_from(char *buf, size_t cap, enum se05x_conn_origin o, const char *arg_label)
{
    switch (o) {
    case SE05X_CONN_FROM_ARGUMENT:
        snprintf(buf, cap, "%s", arg_label ? arg_label : "--port");
        break;
    case SE05X_CONN_FROM_ENV:
        snprintf(buf, cap, "$EX_SSS_BOOT_SSS_PORT");
        break;
    case SE05X_CONN_FROM_CONFIG:
        snprintf(buf, cap, "%s", se05x_conf_file());
        break;
    default:
        snprintf(buf, cap, "the default: no --port, no $EX_SSS_BOOT_SSS_PORT, no port in %s",
                 se05x_conf_file());
        break;
    }
    return buf;
}

void tool_connect_msg(char *out, size_t cap, const char *conn, const char *from, const char *why)
{
    static const char pre[] = "cannot connect to ";
    char where[700] = "";
    if (from != NULL && *from)
        snprintf(where, sizeof where, " (port from %s)", from);
    if (strncmp(why, pre, sizeof pre - 1) == 0) {
        /* "cannot connect to ENDPOINT: reason": the endpoint is replaced by
         * the connection string, which names the transport too */
        const char *rest = strstr(why + sizeof pre - 1, ": ");
        if (rest != NULL) {
            snprintf(out, cap, "%s%s%s%s", pre, conn, where, rest);
            return;
        }
    }
    if (strncmp(why, "cannot connect", 14) == 0 && strstr(why, conn) != NULL)
        snprintf(out, cap, "%s%s", why, where);
    else if (strstr(why, conn) != NULL)
        snprintf(out, cap, "cannot connect%s: %s", where, why);
    else
        snprintf(out, cap, "cannot connect to %s%s: %s", conn, where, why);
}
