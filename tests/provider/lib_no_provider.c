/* SPDX-License-Identifier: Apache-2.0 */
/* docs/protocol/compat.md R2 / decisions.md D8: libse05x's own parsing and encoding never
 * enter a provider other than the built-in default one, even in a process
 * whose OPENSSL_CONF activates se05x first (driven by provider_libctx.sh).
 *  - se05x_load_key_file returns keys held by the default provider, usable
 *    in the caller's library context (ref keys PKCS#8/SEC1/PKCS#1, an
 *    ordinary key, a public key);
 *  - se05x_refkey_parse_file recognises the ref keys, not the ordinary one;
 *  - the writer reproduces the PKCS#8 ref file byte for byte;
 * the script checks the log: the provider never ran in this process.
 * usage: lib_no_provider EC_REF.pem SEC1_REF.pem RSA_REF.pem ORDINARY.pem PUBLIC.pem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/provider.h>
#include <se05x/se05x.h>
#include <se05x/ossl.h>

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            ERR_print_errors_fp(stderr);                                                           \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static EVP_PKEY *load(const char *path)
{
    EVP_PKEY *pk = NULL;
    struct se05x_error e;
    memset(&e, 0, sizeof(e));
    CHECK(se05x_load_key_file(path, &pk, &e) == SE05X_OK && pk != NULL, "load %s: %s", path, e.msg);
    CHECK(strcmp(OSSL_PROVIDER_get0_name(EVP_PKEY_get0_provider(pk)), "default") == 0,
          "%s: key held by %s, not by the default provider", path,
          OSSL_PROVIDER_get0_name(EVP_PKEY_get0_provider(pk)));
    return pk;
}

static int is_ref(const char *path, struct se05x_refkey *ref)
{
    int r = -1;
    struct se05x_error e;
    memset(&e, 0, sizeof(e));
    CHECK(se05x_refkey_parse_file(path, ref, &r, &e) == SE05X_OK, "parse %s: %s", path, e.msg);
    return r;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *b = calloc(1, 65536);
    CHECK(f != NULL && b != NULL, "read %s", path);
    CHECK(fread(b, 1, 65535, f) > 0, "read %s", path);
    fclose(f);
    return b;
}

int main(int argc, char **argv)
{
    struct se05x_refkey ref;
    CHECK(argc == 6, "usage: lib_no_provider EC_REF SEC1_REF RSA_REF ORDINARY PUBLIC");
    CHECK(OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL) == 1, "config");
    CHECK(OSSL_PROVIDER_available(NULL, "se05x"), "OPENSSL_CONF did not activate se05x");

    for (int i = 1; i <= 3; i++) {
        EVP_PKEY *pk = load(argv[i]);
        struct se05x_refkey r2;
        CHECK(is_ref(argv[i], &ref) == 1, "%s is not recognised as a reference key", argv[i]);
        /* the key handed back carries the marker, for the caller's codec */
        CHECK(se05x_refkey_from_pkey(pk, &r2) && r2.id == ref.id, "%s: marker lost", argv[i]);
        EVP_PKEY_free(pk);
    }
    EVP_PKEY_free(load(argv[4]));
    CHECK(is_ref(argv[4], &ref) == 0, "%s taken for a reference key", argv[4]);
    EVP_PKEY_free(load(argv[5]));
    ERR_clear_error();
    {
        /* writer: the PKCS#8 EC ref file again, byte for byte */
        EVP_PKEY *pk = load(argv[1]);
        uint8_t pt[133], *der = NULL;
        size_t ptlen = 0, derlen = 0, pemlen = 0;
        char *pem = NULL, *want = slurp(argv[1]);
        CHECK(is_ref(argv[1], &ref) == 1, "ref");
        CHECK(EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof(pt),
                                              &ptlen), "public point");
        CHECK(se05x_refkey_ec_der(ref.id, ref.curve, pt, ptlen, 0, SE05X_REFKEY_PKCS8, &der,
                                  &derlen) == SE05X_OK, "writer");
        CHECK(se05x_refkey_pem(der, derlen, SE05X_REFKEY_PKCS8, &pem, &pemlen) == SE05X_OK, "pem");
        CHECK(strcmp(pem, want) == 0, "writer output differs from %s", argv[1]);
        OPENSSL_free(der);
        free(pem);
        free(want);
        EVP_PKEY_free(pk);
    }
    OPENSSL_cleanup();
    printf("lib_no_provider: ok\n");
    return 0;
}
