/* SPDX-License-Identifier: Apache-2.0 */
/* The one message line of the tools (se05x, seTool, ssscli) on stderr:
 * "<program>: <message>". */
#ifndef SE05X_TOOLS_MSGLINE_H
#define SE05X_TOOLS_MSGLINE_H

#include <stdarg.h>

void tool_vsay(const char *prog, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* The same, returning rc (the exit status the line goes with). */
int tool_say(int rc, const char *prog, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
