/* SPDX-License-Identifier: Apache-2.0 */
/* "cannot connect to CONN: reason" (connmsg.h). */
#include "connmsg.h"

#include <stdio.h>
#include <string.h>

void tool_connect_msg(char *out, size_t cap, const char *conn, const char *why)
{
    static const char pre[] = "cannot connect to ";
    if (strncmp(why, pre, sizeof pre - 1) == 0) {
        /* "cannot connect to ENDPOINT: reason": the endpoint is replaced by
         * the connection string, which names the transport too */
        const char *rest = strstr(why + sizeof pre - 1, ": ");
        if (rest != NULL) {
            snprintf(out, cap, "%s%s%s", pre, conn, rest);
            return;
        }
    }
    if (strncmp(why, "cannot connect", 14) == 0 && strstr(why, conn) != NULL)
        snprintf(out, cap, "%s", why);
    else if (strstr(why, conn) != NULL)
        snprintf(out, cap, "cannot connect: %s", why);
    else
        snprintf(out, cap, "cannot connect to %s: %s", conn, why);
}
