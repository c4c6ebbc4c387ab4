/* SPDX-License-Identifier: Apache-2.0 */
/* What se05xd's two files (se05xd.conf and the access list) share: the
 * "FILE:LINE: message" error and the trust rules for an opened file. */
#ifndef SE05XD_CFGFILE_H
#define SE05XD_CFGFILE_H

#include <stddef.h>
#include <sys/stat.h>

/* err = "NAME:LINE: message" (LINE 0: "NAME: message"); returns -1. */
int se05xd_ferr(char *err, size_t cap, const char *name, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* fstat()s fd into *st; NULL when the file may be trusted (a regular file
 * owned by root or us, writable by nobody else), else why not. */
const char *se05xd_untrusted(int fd, struct stat *st);

#endif
