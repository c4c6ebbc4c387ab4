/* SPDX-License-Identifier: Apache-2.0 */
/* The state directory, opened safely (issue 9 item 4): it must belong to
 * the running user and be writable by nobody else, and every file in it is
 * reached through the directory's descriptor without following symlinks,
 * checked (regular file, our owner, one link, no group/other access) and
 * created exclusively (random temp name, O_EXCL, then rename). */
#ifndef SIM_STATEDIR_H
#define SIM_STATEDIR_H

#include <stdbool.h>
#include <stddef.h>

/* Opens DIR (creating it 0700 when absent) and returns its descriptor, or
 * -1 with a one-line reason naming DIR: a symlink, not a directory, owned
 * by another user, or writable by group/others. A directory of ours with
 * other permission bits (e.g. 0755) is narrowed to 0700. Leftover temp
 * files of an interrupted write are removed. */
int statedir_open(const char *dir, char *err, size_t errlen);

/* Opens the existing file NAME of the directory (flags: O_RDONLY or
 * O_RDWR; O_NOFOLLOW and O_CLOEXEC are added). Returns the descriptor; -1
 * with errno ENOENT (err untouched) when there is no such file; -1 with a
 * reason in err when it cannot be opened or is not safe: a symlink, not a
 * regular file, another owner, more than one link, group/other access. */
int statedir_open_file(int dfd, const char *dir, const char *name, int flags, char *err, size_t errlen);

/* Creates NAME exclusively (0600, O_EXCL | O_NOFOLLOW): the descriptor, or
 * -1 with errno (EEXIST when it exists). */
int statedir_create_file(int dfd, const char *name, int flags);

/* Replaces NAME with (p, n) atomically: a new temp file NAME.tmp.<random>
 * (O_EXCL, 0600), fsync, renameat, fsync of the directory. 0 or -1 with
 * errno set (the temp file is removed). */
int statedir_write_file(int dfd, const char *name, const void *p, size_t n);

#endif
