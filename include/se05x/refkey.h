/* SPDX-License-Identifier: Apache-2.0 */
/* Reference keys (docs/protocol/refkey.md): the only codec in the project;
 * engine, provider, PKCS#11 and tools all use it. */
#ifndef SE05X_REFKEY_H
#define SE05X_REFKEY_H

#include <se05x/session.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SE05X_REFKEY_MAGIC 0xA5A6B5B6u

struct se05x_refkey {
    se05x_kind kind;     /* SE05X_KIND_EC or SE05X_KIND_RSA */
    se05x_objid id;
    se05x_curve curve;   /* EC */
    int public_only;     /* EC class byte 0x20 */
};

/* Reader (docs/protocol/refkey.md "Our reader"). Input: PEM or DER, PKCS#8 / SEC1 /
 * PKCS#1. Returns SE05X_OK with *is_ref 1 and ref filled for a ref key,
 * SE05X_OK with *is_ref 0 for an ordinary key, SE05X_E_FORMAT for
 * malformed input (err says why). */
se05x_rc se05x_refkey_parse(const uint8_t *data, size_t len, struct se05x_refkey *ref, int *is_ref,
                            struct se05x_error *err);
se05x_rc se05x_refkey_parse_file(const char *path, struct se05x_refkey *ref, int *is_ref,
                                 struct se05x_error *err);
/* se05x_refkey_from_pkey (an EVP_PKEY in): <se05x/ossl.h>. */

/* ABI: every value below is fixed for good (docs/api.md "ABI rules"); new
 * members get new numbers, none is ever renumbered or reused. */
enum se05x_refkey_form {
    SE05X_REFKEY_PKCS8 = 0, /* EC default: BEGIN PRIVATE KEY (seTool getRef) */
    SE05X_REFKEY_SEC1 = 1,  /* EC: BEGIN EC PRIVATE KEY (ssscli refpem) */
    SE05X_REFKEY_PKCS1 = 2, /* RSA: BEGIN RSA PRIVATE KEY */
};

/* Writer (docs/protocol/refkey.md "Our writer"): DER, allocated (*der, free with se05x_free). */
se05x_rc se05x_refkey_ec_der(se05x_objid id, se05x_curve c, const uint8_t *pub, size_t publen,
                             int public_only, enum se05x_refkey_form form,
                             uint8_t **der, size_t *derlen);
se05x_rc se05x_refkey_rsa_der(se05x_objid id, const uint8_t *n, size_t nlen,
                              const uint8_t *e, size_t elen, uint8_t **der, size_t *derlen);
/* DER -> PEM text with the label matching the form; NUL-terminated, se05x_free. */
se05x_rc se05x_refkey_pem(const uint8_t *der, size_t derlen, enum se05x_refkey_form form,
                          char **pem, size_t *pemlen);
/* Reads the object's public part from the chip and builds the ref key
 * (EC: class 10 for a pair, 20 for a public key; RSA: PKCS#1). form may be
 * PKCS8 or SEC1 for EC; ignored for RSA. Output PEM (se05x_free). */
se05x_rc se05x_refkey_from_chip(se05x_session *s, se05x_objid id, enum se05x_refkey_form form,
                                char **pem, size_t *pemlen);

#ifdef __cplusplus
}
#endif
#endif
