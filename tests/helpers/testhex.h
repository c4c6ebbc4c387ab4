/* SPDX-License-Identifier: Apache-2.0 */
/* Hex-written test data for the cmocka unit tests (tests/helpers/testhex.c). */
#ifndef SE05X_TEST_TESTHEX_H
#define SE05X_TEST_TESTHEX_H
#include <stddef.h>
#include <stdint.h>

/* Parses hex into out and returns the byte count. Every character that is not
 * a hex digit is skipped (spaces, colons...); fails the running test when the
 * bytes do not fit in cap or a digit is left over. */
size_t test_hex(const char *hex, uint8_t *out, size_t cap);

#endif
