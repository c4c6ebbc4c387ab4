/* SPDX-License-Identifier: Apache-2.0 */
/* libcrypto helpers of the applet: curve table, key construction from the
 * stored parts, key generation. Byte order of stored EC parts ("wire
 * order", docs/protocol/apdu.md §21): Weierstrass private = big-endian scalar of the field
 * size, public = 04||X||Y; Ed25519 private = RFC 8032 bytes as sent, public =
 * reversed; X25519/X448 private and public = reversed RFC 7748 bytes. */
#ifndef SIM_CRYPTO_H
#define SIM_CRYPTO_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_curve_info {
    uint8_t id;
    const char *ossl_name; /* group or key type name */
    uint16_t bytes;        /* field / key size */
    bool weierstrass;      /* must be created with CreateECCurve before use */
};

/* NULL for an unknown or unsupported curve id. */
const struct sim_curve_info *sim_curve(uint8_t id);

/* Length of a private key in wire order (order bytes / raw key size). */
size_t sim_ec_priv_len(const struct sim_curve_info *ci);

/* Generates a key: priv (bytes) and pub (1 + 2*bytes for Weierstrass, bytes
 * otherwise) in wire order. Buffers must hold 2*66+1. */
bool sim_ec_generate(const struct sim_curve_info *ci, uint8_t *priv, size_t *privlen, uint8_t *pub,
                     size_t *publen);
/* Public key from a private key (wire order). */
bool sim_ec_pub_from_priv(const struct sim_curve_info *ci, const uint8_t *priv, size_t privlen,
                          uint8_t *pub, size_t *publen);
/* EVP_PKEY from wire-order parts; priv may be NULL (public key). */
EVP_PKEY *sim_ec_pkey(const struct sim_curve_info *ci, const uint8_t *priv, size_t privlen,
                      const uint8_t *pub, size_t publen);
/* Full public-key validation (point on the curve, in the right subgroup):
 * for keys that come from outside (imports, ECDH peers). */
bool sim_ec_pub_check(EVP_PKEY *pk);
/* Compares a Weierstrass parameter (SetECCurveParam) with the named curve. */
bool sim_curve_param_matches(const struct sim_curve_info *ci, uint8_t param, const uint8_t *v,
                             size_t n);

/* RSA. comps/lens indexed by SIM_RSA_* (store.h); missing = NULL. */
bool sim_rsa_generate(unsigned bits, uint8_t *comps[8], size_t lens[8]);
EVP_PKEY *sim_rsa_pkey(uint8_t *const comps[8], const uint32_t lens[8], bool want_private);

void sim_reverse(uint8_t *p, size_t n);

#endif
