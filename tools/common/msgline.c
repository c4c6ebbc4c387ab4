/* SPDX-License-Identifier: Apache-2.0 */
/* "<program>: <message>" on stderr (msgline.h). */
#include "msgline.h"

#include <stdio.h>

void tool_vsay(const char *prog, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int tool_say(int rc, const char *prog, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tool_vsay(prog, fmt, ap);
    va_end(ap);
    return rc;
}
