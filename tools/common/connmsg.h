/* SPDX-License-Identifier: Apache-2.0 */
/* The one "cannot connect" line of the tools (se05x, seTool, ssscli): it
 * always names the connection string as the user gave it or it was
 * resolved (t1:HOST:PORT, /dev/i2c-1, HOST:PORT ...), whichever layer of the
 * library failed (the socket layer names only the endpoint, 127.0.0.1:PORT). */
#ifndef SE05X_TOOLS_CONNMSG_H
#define SE05X_TOOLS_CONNMSG_H

#include <stddef.h>

/* out = "cannot connect to CONN: <reason>" from the library's message why. */
void tool_connect_msg(char *out, size_t cap, const char *conn, const char *why);

#endif
