/* SPDX-License-Identifier: Apache-2.0 */
/* Output files of the tools (se05x, seTool, ssscli): one safe writer.
 *
 * A regular (or absent) target is written to a temporary file created in the
 * same directory with a random name, O_CREAT|O_EXCL|O_NOFOLLOW, filled,
 * fsync'ed and renamed over the target (renameat on the same directory
 * descriptor). A symbolic link at the target is refused (before and again
 * just before the rename), and a rename never follows one anyway. An
 * existing character device or FIFO (/dev/null, a pipe) is written in place,
 * opened with O_NOFOLLOW and checked after the open; anything else is
 * refused. On any failure the temporary file is removed: no partial file,
 * the target unchanged.
 *
 * mode: the new file's mode before the umask, 0644 for public material
 * (public keys, certificates, CSRs, signatures, reference keys), 0600 for
 * anything that may be secret (binary objects, decrypted data, random
 * bytes). When the target exists its mode is never widened (new mode =
 * mode & the old file's mode). docs/tools.md "Output files". */
#ifndef SE05X_TOOLS_OUTFILE_H
#define SE05X_TOOLS_OUTFILE_H

#include <stddef.h>
#include <sys/types.h>

#define OUTFILE_PUBLIC 0644
#define OUTFILE_PRIVATE 0600

/* 0 on success; -1 on failure with *why a static reason ("is a symbolic
 * link (refused)", strerror(errno) ...) for "cannot write PATH: <why>". */
int outfile_write(const char *path, const void *data, size_t len, mode_t mode, const char **why);

#endif
