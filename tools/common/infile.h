/* SPDX-License-Identifier: Apache-2.0 */
/* Input files of the tools (se05x, seTool, ssscli): one bounded reader of a
 * whole stream. It prints nothing; each tool words its own messages. */
#ifndef SE05X_TOOLS_INFILE_H
#define SE05X_TOOLS_INFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Reads the rest of f into a malloc'ed buffer, NUL-terminated beyond *len.
 * Returns 0, or an errno value with *buf NULL: ENOMEM; EFBIG when f holds
 * more than max bytes (*len is then the whole size when the end was reached
 * before the limit showed, else 0); the read error (EIO when errno says
 * none). The caller opens and closes f. */
int infile_read(FILE *f, size_t max, uint8_t **buf, size_t *len);

#endif
