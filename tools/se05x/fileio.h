/* SPDX-License-Identifier: Apache-2.0 */
/* Host file handling of the `se05x` command. Every function prints its own
 * one-line error ("se05x: cannot read key.pem: No such file or directory")
 * and returns 1 on failure, 0 on success. "-" means stdin / stdout. */
#ifndef SE05X_TOOL_FILEIO_H
#define SE05X_TOOL_FILEIO_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/* Whole file into a malloc'ed buffer (NUL-terminated beyond len); refuses
 * files larger than `max` bytes. */
int tool_read_file(const char *path, size_t max, uint8_t **buf, size_t *len);

/* Writes all bytes to `path` (NULL or "-": stdout) through outfile_write()
 * (tools/common/outfile.h): temporary file with a random name, O_EXCL and
 * O_NOFOLLOW, fsync, rename; a symbolic link at `path` is refused; a
 * failure never leaves a partial file behind. tool_write_file creates the
 * file 0600 (data that may be secret: binary objects, random bytes),
 * tool_write_public 0644 (public keys, reference keys, certificates, CSRs,
 * signatures); both before the umask and never wider than an existing file. */
int tool_write_file(const char *path, const void *data, size_t len);
int tool_write_public(const char *path, const void *data, size_t len);

/* Hashes a file (streamed, any size) with `md`. Optionally keeps the first
 * `keepcap` bytes in `keep` (*kept) and reports the total size (*total). */
int tool_digest_file(const char *path, const EVP_MD *md, uint8_t *out, unsigned *outlen, uint8_t *keep,
                     size_t keepcap, size_t *kept, size_t *total);

/* Lower-case hex of data, malloc'ed. */
char *tool_hex(const uint8_t *data, size_t len);
/* Upper-case hex of data, malloc'ed (doctor's UID and ATR). */
char *tool_hex_upper(const uint8_t *data, size_t len);

#endif
