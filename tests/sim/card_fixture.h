/* SPDX-License-Identifier: Apache-2.0 */
/* Shared pieces of the card-core cmocka tests (test_sim_applet/ec/rsa/
 * objects/policy/sessions/crypto.c): the applet SELECT and a P-256 key
 * generation APDU, and public-key helpers. */
#ifndef CARD_FIXTURE_H
#define CARD_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "sim.h"

/* SELECT of the IoT applet (AID A0000003965453000000010300000000). */
#define SEL "00A4040010A000000396545300000001030000000000"
/* WriteECKey: generate a NIST P-256 key pair as 7F000001. */
#define GEN_P256 "80 01 61 00 09 41 04 7F 00 00 01 42 01 03"

/* An OpenSSL public key of curve `group` from its encoded point. */
EVP_PKEY *ec_pub(const char *group, const uint8_t *pt, size_t n);

/* Reads the public key of id (65 bytes for P-256); fails the test on error. */
size_t read_pub(struct sim_card *c, uint32_t id, uint8_t *out);

#endif
