/* SPDX-License-Identifier: Apache-2.0 */
/* CHECK(cond, fmt, ...) for test programs that count failures and carry on:
 * prints "FAIL file:line: message" to stderr and increments g_fail, which
 * the including program defines (int). Programs that stop at the first
 * failure keep their own CHECK (they exit or return, often printing
 * OpenSSL's error queue). */
#ifndef SE05X_TEST_CHECK_H
#define SE05X_TEST_CHECK_H

#include <stdio.h>

#define CHECK(cond, ...)                                         \
    do {                                                         \
        if (!(cond)) {                                           \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                        \
            fputc('\n', stderr);                                 \
            g_fail++;                                            \
        }                                                        \
    } while (0)

#endif
