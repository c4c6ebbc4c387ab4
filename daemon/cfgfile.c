/* SPDX-License-Identifier: Apache-2.0 */
/* cfgfile.h: the error format and trust rules of se05xd's files. */
#include "cfgfile.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

int se05xd_ferr(char *err, size_t cap, const char *name, unsigned line, const char *fmt, ...)
{
    char m[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    if (line)
        snprintf(err, cap, "%s:%u: %s", name, line, m);
    else
        snprintf(err, cap, "%s: %s", name, m);
    return -1;
}

const char *se05xd_untrusted(int fd, struct stat *st)
{
    if (fstat(fd, st) != 0)
        return "cannot be examined";
    if (!S_ISREG(st->st_mode))
        return "is not a regular file";
    if (st->st_uid != 0 && st->st_uid != geteuid())
        return "is owned by another user";
    if (st->st_mode & (S_IWGRP | S_IWOTH))
        return "is writable by group or others";
    return NULL;
}
