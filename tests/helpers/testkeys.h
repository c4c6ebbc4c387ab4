/* SPDX-License-Identifier: Apache-2.0 */
/* Fixed RSA key pairs for the unit tests (tests/helpers/testkeys.c). */
#ifndef SE05X_TEST_TESTKEYS_H
#define SE05X_TEST_TESTKEYS_H
#include <openssl/evp.h>

/* A new EVP_PKEY (caller frees) of a fixed RSA key pair: bits 1024 or 2048,
 * which 0 or 1 (two different 2048-bit keys). NULL on any other request. */
EVP_PKEY *test_rsa_key(int bits, int which);

#endif
