/* SPDX-License-Identifier: Apache-2.0 */
/* OpenSSL glue of libse05x: moving keys between EVP_PKEY and the chip.
 * Everything cryptographic on the host goes through libcrypto. The only
 * public header that needs OpenSSL's headers, hence not included by the
 * umbrella <se05x/se05x.h>: include it explicitly. */
#ifndef SE05X_OSSL_H
#define SE05X_OSSL_H

#include <openssl/evp.h>
#include <se05x/commands.h>
#include <se05x/refkey.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Reads the public key of an EC or RSA object as an EVP_PKEY. */
se05x_rc se05x_read_pubkey(se05x_session *s, se05x_objid id, EVP_PKEY **out);
/* What a key is, for using it (cold start, docs/lib.md): one ReadObject when
 * the object's public key is a point on exactly one of the chip's curves. The
 * object is then taken as an EC key pair on that curve (type 0x01, part
 * SE05X_PART_PAIR, transient 0: not asked; a signature with an object that is
 * not a key pair is refused by the chip, and the library then says what the
 * object is). Otherwise - RSA, a private key, a file, a point on no or several
 * curves - exactly se05x_object_info (one APDU more than it). pub: NULL, or
 * receives the public key read (a new reference) when the key was known that
 * way, else NULL. */
se05x_rc se05x_key_info(se05x_session *s, se05x_objid id, struct se05x_object_info *out, EVP_PKEY **pub);
/* Imports an EC (any supported curve, curve created on demand) or RSA key.
 * public_only: import only the public part. Private material is cleansed. */
se05x_rc se05x_import_pkey(se05x_session *s, se05x_objid id, EVP_PKEY *pkey, int public_only,
                           const struct se05x_write_opts *o);
/* Loads a PEM or DER key file (private or public). Encrypted PEM, garbage,
 * or unsupported key types are refused with a clear message in err. */
se05x_rc se05x_load_key_file(const char *path, EVP_PKEY **out, struct se05x_error *err);

/* Same test as se05x_refkey_parse() on a key OpenSSL already loaded
 * (engine, provider). Returns 1 and fills ref for a ref key, 0 otherwise.
 * Never fails loudly. */
int se05x_refkey_from_pkey(const EVP_PKEY *pkey, struct se05x_refkey *ref);

#ifdef __cplusplus
}
#endif
#endif
