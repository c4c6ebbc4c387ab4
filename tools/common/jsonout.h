/* SPDX-License-Identifier: Apache-2.0 */
/* Minimal JSON output for the tools' --json (RFC 8259 strings: quotes,
 * backslashes and control characters escaped; other bytes copied, so the
 * input must be UTF-8 — every value we print is ASCII). */
#ifndef SE05X_TOOLS_JSONOUT_H
#define SE05X_TOOLS_JSONOUT_H

#include <stdio.h>

/* Writes s as a JSON string ("null" for NULL). */
void json_str(FILE *f, const char *s);
/* Writes "key": "value" (value NULL: null), preceded by ", " unless first. */
void json_kv(FILE *f, int first, const char *key, const char *value);
/* Writes "key": number, preceded by ", " unless first. */
void json_kn(FILE *f, int first, const char *key, long long value);

#endif
