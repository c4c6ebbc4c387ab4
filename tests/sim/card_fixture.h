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
#include "tlv.h"

/* SELECT of the IoT applet (AID A0000003965453000000010300000000). */
#define SEL "00A4040010A000000396545300000001030000000000"
/* WriteECKey: generate a NIST P-256 key pair as 7F000001. */
#define GEN_P256 "80 01 61 00 09 41 04 7F 00 00 01 42 01 03"

/* Builds into cmd the attested read of docs/protocol/apdu.md §6: 7F000001
 * with the key F0000012, ECDSA-SHA256, the 16-byte freshness fresh, extended
 * Le 00 00. Returns its length. */
size_t attest_cmd_example(uint8_t *cmd, size_t cap, const uint8_t fresh[16]);

/* ExportObject of id (component comp, FF = n/a) into blob; returns the SW. */
uint16_t export_blob(struct sim_card *c, uint32_t id, uint8_t comp, uint8_t *blob, size_t *bl);

/* ImportObject of a blob into id (comp FF: no TAG 42); returns the SW. */
uint16_t import_blob(struct sim_card *c, uint32_t id, uint8_t comp, const uint8_t *blob, size_t bl);

/* An OpenSSL public key of curve `group` from its encoded point. */
EVP_PKEY *ec_pub(const char *group, const uint8_t *pt, size_t n);

/* Reads the public key of id (65 bytes for P-256); fails the test on error. */
size_t read_pub(struct sim_card *c, uint32_t id, uint8_t *out);

/* Starts in w (over buf) the body most crypto commands share: TAG 41 object
 * id, TAG 42 algorithm, TAG 43 input. Callers may append (TAG 44 IV, TAG 45
 * signature) or change bytes before sending it with tu_cmd. */
void op_body(struct tlv_w *w, uint8_t *buf, size_t cap, uint32_t id, uint8_t algo, const void *in, size_t n);

/* WriteECKey (80 01 p1 00: P1 61 key pair, 41 private, 21 public): TAG 41 id,
 * TAG 42 curve, TAG 43 private and TAG 44 public key where given (NULL: left
 * out). Returns the SW. */
uint16_t write_ec_key(struct sim_card *c, uint8_t p1, uint32_t id, uint8_t curve, const uint8_t *priv,
                      size_t privlen, const uint8_t *pub, size_t publen);

/* libcrypto's verdict (EVP_PKEY_verify: 1 = valid) on a signature over an
 * already hashed digest; fails the test when pk cannot verify at all. */
int verify_digest(EVP_PKEY *pk, const uint8_t *sig, size_t sl, const uint8_t *dg, size_t dl);

/* The shared secret libcrypto derives from the host key priv and the peer
 * key (ECDH, X25519) into out; returns its length. */
size_t host_derive(EVP_PKEY *priv, EVP_PKEY *peer, uint8_t *out, size_t cap);

/* libcrypto's verdict (EVP_DigestVerify: 1 = valid) on a signature over a
 * message hashed with md (NULL for EdDSA); pss_saltlen >= 0 selects RSA-PSS
 * with that salt length. Fails the test when pk cannot verify at all. */
int verify_msg(EVP_PKEY *pk, const EVP_MD *md, int pss_saltlen, const uint8_t *sig, size_t sl, const uint8_t *msg,
               size_t ml);

#endif
