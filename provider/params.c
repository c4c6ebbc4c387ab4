/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers shared by the operation files. */
#include <string.h>
#include <strings.h>
#include <openssl/evp.h>
#include "sxp.h"

se05x_digest sxp_md_from_name(const char *name)
{
    static const struct { const char *n; se05x_digest d; } map[] = {
        { "SHA1", SE05X_MD_SHA1 }, { "SHA-1", SE05X_MD_SHA1 },
        { "SHA224", SE05X_MD_SHA224 }, { "SHA2-224", SE05X_MD_SHA224 }, { "SHA-224", SE05X_MD_SHA224 },
        { "SHA256", SE05X_MD_SHA256 }, { "SHA2-256", SE05X_MD_SHA256 }, { "SHA-256", SE05X_MD_SHA256 },
        { "SHA384", SE05X_MD_SHA384 }, { "SHA2-384", SE05X_MD_SHA384 }, { "SHA-384", SE05X_MD_SHA384 },
        { "SHA512", SE05X_MD_SHA512 }, { "SHA2-512", SE05X_MD_SHA512 }, { "SHA-512", SE05X_MD_SHA512 },
    };
    if (name == NULL)
        return SE05X_MD_NONE;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcasecmp(name, map[i].n) == 0)
            return map[i].d;
    return SE05X_MD_NONE;
}

EVP_MD *sxp_md_fetch(SXP_PROV *p, const char *name)
{
    EVP_MD *md = EVP_MD_fetch(p->libctx, name, NULL);
    if (md == NULL)
        sxp_err(p, SXP_R_BAD_PARAM, "se05x: unknown digest %s", name);
    return md;
}
