/* SPDX-License-Identifier: Apache-2.0 */
/* One signing client of the se05xd tests: opens its own session (connection
 * from EX_SSS_BOOT_SSS_PORT), signs N random SHA-256 digests with OBJID and
 * verifies every signature with the object's public key in OpenSSL. Prints
 * "signed N verified V errors E"; exit 0 only when E is 0.
 * Usage: daemon_signer OBJID N */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <se05x/ossl.h>
#include <se05x/se05x.h>

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    se05x_objid id = (se05x_objid)strtoul(argv[1], NULL, 16);
    int n = atoi(argv[2]);
    se05x_session *s = NULL;
    struct se05x_error e = {0};
    if (se05x_open(NULL, NULL, &s, &e) != SE05X_OK) {
        fprintf(stderr, "daemon_signer: open: %s\n", e.msg);
        return 1;
    }
    EVP_PKEY *pk = NULL;
    if (se05x_read_pubkey(s, id, &pk) != SE05X_OK) {
        fprintf(stderr, "daemon_signer: public key: %s\n", se05x_errmsg(s));
        se05x_close(s);
        return 1;
    }
    int ok = 0, errors = 0;
    for (int i = 0; i < n; i++) {
        uint8_t dg[32], sig[80];
        size_t sl = 0;
        RAND_bytes(dg, sizeof dg);
        if (se05x_ecdsa_sign_digest(s, id, dg, sizeof dg, sig, sizeof sig, &sl) != SE05X_OK) {
            fprintf(stderr, "daemon_signer: sign %d: %s\n", i, se05x_errmsg(s));
            errors++;
            continue;
        }
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pk, NULL);
        if (c && EVP_PKEY_verify_init(c) == 1 && EVP_PKEY_verify(c, sig, sl, dg, sizeof dg) == 1)
            ok++;
        else {
            fprintf(stderr, "daemon_signer: signature %d does not verify\n", i);
            errors++;
        }
        EVP_PKEY_CTX_free(c);
    }
    printf("signed %d verified %d errors %d\n", n, ok, errors);
    EVP_PKEY_free(pk);
    se05x_close(s);
    return errors == 0 && ok == n ? 0 : 1;
}
