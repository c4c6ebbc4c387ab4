/* SPDX-License-Identifier: Apache-2.0 */
/* Freeing what libse05x allocates (docs/api.md "Ownership"). */
#ifndef SE05X_MEM_H
#define SE05X_MEM_H

#ifdef __cplusplus
extern "C" {
#endif

/* Frees any buffer a libse05x function returned to the caller: the id array
 * of se05x_list_objects, the data of se05x_read_binary, the DER of
 * se05x_refkey_ec_der / se05x_refkey_rsa_der, the PEM text of
 * se05x_refkey_pem / se05x_refkey_from_chip. NULL is a no-op. (They are all
 * allocated with OPENSSL_malloc, so OPENSSL_free is equivalent; plain free()
 * only works while OpenSSL's default allocator is in place.) EVP_PKEY
 * results of <se05x/ossl.h> are objects: EVP_PKEY_free. Thread safe. */
void se05x_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
