/* SPDX-License-Identifier: Apache-2.0 */
/* Opening the chip as se05x and seTool do (docs/tools.md "Which port"): the
 * port resolved, where it came from said with -v, then the session opened,
 * with one reading of the configuration file for both steps. ssscli has its
 * own order (its saved `connect` state) on the same library calls. */
#ifndef SE05X_TOOLS_CHIPOPEN_H
#define SE05X_TOOLS_CHIPOPEN_H

#include <stddef.h>

#include <se05x/session.h>

/* Port: explicit_conn (a --port option) > $EX_SSS_BOOT_SSS_PORT > "port" of
 * the configuration file > /dev/i2c-1; conn gets it and from the words for
 * where it came from (connmsg.h). With verbose, "PROG: using port CONN (from
 * FROM)" on stderr. Returns the open session, or NULL after one "PROG: ..."
 * line on stderr: the configuration file's error (naming file and line), or
 * the "cannot connect" line of connmsg.h. */
se05x_session *tool_open_chip(const char *prog, const char *explicit_conn, int verbose, char *conn,
                              size_t conn_cap, char *from, size_t from_cap);

#endif
