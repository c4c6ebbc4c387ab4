/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers shared by the core unit tests. */
#ifndef CORE_TESTUTIL_H
#define CORE_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* Hex test data into bytes: test_hex() of tests/helpers/testhex.h. */
#include "testhex.h"

/* Asserts that buf[0..n) equals the hex string. */
void assert_bytes(const uint8_t *buf, size_t n, const char *hex);
/* Reads a whole file into a malloc'ed NUL-terminated string ("" if missing). */
char *slurp(const char *path);
/* Makes a unique temp file path (file not created) into buf. */
void tmp_path(char *buf, size_t cap, const char *tag);

#endif
