/* SPDX-License-Identifier: Apache-2.0 */
/* The one "cannot connect" line of the tools (se05x, seTool, ssscli): it
 * always names the connection string as the user gave it or it was
 * resolved (t1:HOST:PORT, /dev/i2c-1, HOST:PORT ...), whichever layer of the
 * library failed (the socket layer names only the endpoint, 127.0.0.1:PORT),
 * and where that string came from (docs/tools.md "Which port"). */
#ifndef SE05X_TOOLS_CONNMSG_H
#define SE05X_TOOLS_CONNMSG_H

#include <stddef.h>

#include <se05x/session.h>

/* out = "cannot connect to CONN (port from FROM): <reason>" from the
 * library's message why; from NULL leaves the parenthesis out. */
void tool_connect_msg(char *out, size_t cap, const char *conn, const char *from, const char *why);

/* Words for where the port came from: arg_label for SE05X_CONN_FROM_ARGUMENT
 * ("--port", "the ssscli session FILE"), "$EX_SSS_BOOT_SSS_PORT", the
 * configuration file's path, or "the default ...". Returns buf. */
const char *tool_conn_from(char *buf, size_t cap, enum se05x_conn_origin o, const char *arg_label);

#endif
