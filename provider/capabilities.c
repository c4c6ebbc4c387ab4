/* SPDX-License-Identifier: Apache-2.0 */
/* TLS capabilities. TLS-GROUP: the NIST curves our keys live on, with the
 * same values as the default provider, so that libssl knows them from
 * SSL_CTX_new() on even when this provider is the first one asked. The key
 * exchange itself stays with the default provider: the group's algorithm is
 * "EC", fetched without our property, and ephemeral keys are never made on
 * the chip.
 * TLS-SIGALG: not advertised. OpenSSL 3.0-3.3 never ask for it; 3.4+ use
 * it only for signature schemes libssl does not know, and every scheme a
 * chip key signs with (ecdsa_secp*_sha*, rsa_pkcs1_*, rsa_pss_rsae_*) is
 * built into libssl, which resolves the signature through the key's own
 * provider. Advertising them again would duplicate libssl's table. */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/prov_ssl.h>
#include "sxp.h"

struct sxp_group {
    const char *name, *internal;
    unsigned int id, secbits;
};

static const struct sxp_group sxp_groups[] = {
    { "secp256r1", "prime256v1", 0x17, 128 },
    { "P-256", "prime256v1", 0x17, 128 },
    { "secp384r1", "secp384r1", 0x18, 192 },
    { "P-384", "secp384r1", 0x18, 192 },
    { "secp521r1", "secp521r1", 0x19, 256 },
    { "P-521", "secp521r1", 0x19, 256 },
};

int sxp_get_capabilities(void *provctx, const char *capability, OSSL_CALLBACK *cb, void *arg)
{
    (void)provctx;
    if (strcasecmp(capability, "TLS-GROUP") != 0)
        return 0;
    for (size_t i = 0; i < sizeof(sxp_groups) / sizeof(sxp_groups[0]); i++) {
        const struct sxp_group *g = &sxp_groups[i];
        unsigned int id = g->id, sec = g->secbits, kem = 0;
        int mintls = TLS1_VERSION, maxtls = 0, mindtls = DTLS1_VERSION, maxdtls = 0;
        OSSL_PARAM q[] = {
            OSSL_PARAM_utf8_string(OSSL_CAPABILITY_TLS_GROUP_NAME, (char *)g->name, strlen(g->name)),
            OSSL_PARAM_utf8_string(OSSL_CAPABILITY_TLS_GROUP_NAME_INTERNAL, (char *)g->internal,
                                   strlen(g->internal)),
            OSSL_PARAM_uint(OSSL_CAPABILITY_TLS_GROUP_ID, &id),
            OSSL_PARAM_utf8_string(OSSL_CAPABILITY_TLS_GROUP_ALG, "EC", 2),
            OSSL_PARAM_uint(OSSL_CAPABILITY_TLS_GROUP_SECURITY_BITS, &sec),
            OSSL_PARAM_int(OSSL_CAPABILITY_TLS_GROUP_MIN_TLS, &mintls),
            OSSL_PARAM_int(OSSL_CAPABILITY_TLS_GROUP_MAX_TLS, &maxtls),
            OSSL_PARAM_int(OSSL_CAPABILITY_TLS_GROUP_MIN_DTLS, &mindtls),
            OSSL_PARAM_int(OSSL_CAPABILITY_TLS_GROUP_MAX_DTLS, &maxdtls),
            OSSL_PARAM_uint(OSSL_CAPABILITY_TLS_GROUP_IS_KEM, &kem),
            OSSL_PARAM_END
        };
        if (!cb(q, arg))
            return 0;
    }
    return 1;
}
