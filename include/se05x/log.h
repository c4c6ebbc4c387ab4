/* SPDX-License-Identifier: Apache-2.0 */
/* The one logging facility of the stack. Level from the environment variable
 * SE05X_LOG: "none", "error" (default), "warn", "info", "debug", "trace"
 * (trace also logs every APDU, key material redacted). Output goes to stderr,
 * never stdout; SE05X_LOG_FILE=path appends to a file instead.
 * Stateless: the environment is read on each call (no global mutable state). */
#ifndef SE05X_LOG_H
#define SE05X_LOG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI: every value below is fixed for good (docs/api.md "ABI rules"); new
 * members get new numbers, none is ever renumbered or reused. */
enum se05x_log_level {
    SE05X_LOG_NONE = 0,
    SE05X_LOG_ERROR = 1,
    SE05X_LOG_WARN = 2,
    SE05X_LOG_INFO = 3,
    SE05X_LOG_DEBUG = 4,
    SE05X_LOG_TRACE = 5,
};

enum se05x_log_level se05x_log_level(void);
int se05x_log_enabled(enum se05x_log_level lvl);
/* component: short tag such as "lib", "t1", "engine", "pkcs11", "provider". */
void se05x_log(enum se05x_log_level lvl, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Hex dump at `lvl` with a label: "label (n): 80 04 00 20 ...". */
void se05x_log_hex(enum se05x_log_level lvl, const char *component, const char *label,
                   const uint8_t *data, size_t n);

#ifdef __cplusplus
}
#endif
#endif
