/* SPDX-License-Identifier: Apache-2.0 */
/* Hex-written test data for the cmocka unit tests (tests/helpers/testhex.c). */
#ifndef SE05X_TEST_TESTHEX_H
#define SE05X_TEST_TESTHEX_H
#include <stddef.h>
#include <stdint.h>

/* Parses hex ("80 04 00 20 00", white space anywhere) into out and returns
 * the byte count; fails the running test on any other character, an odd
 * number of digits or more bytes than cap. */
size_t test_hex(const char *hex, uint8_t *out, size_t cap);

#endif
