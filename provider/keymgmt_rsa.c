/* SPDX-License-Identifier: Apache-2.0 */
/* RSA key management: chip RSA keys (1024..4096). Shared logic in keymgmt.c. */
#include <openssl/core_names.h>
#include "keymgmt.h"

static const char *rsa_opname(int op)
{
    switch (op) {
    case OSSL_OP_SIGNATURE:
    case OSSL_OP_ASYM_CIPHER: return SXP_OP_RSA;
    default: return NULL;
    }
}

SXP_KEYMGMT_TABLE(rsa, SE05X_KIND_RSA, rsa_opname);
