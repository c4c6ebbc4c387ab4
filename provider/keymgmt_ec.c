/* SPDX-License-Identifier: Apache-2.0 */
/* EC key management: chip EC keys (NIST P-192..P-521, Brainpool, secp-k
 * as the chip offers). Shared logic in keymgmt.c. */
#include <openssl/core_names.h>
#include "keymgmt.h"

static const char *ec_opname(int op)
{
    switch (op) {
    case OSSL_OP_SIGNATURE: return SXP_OP_ECDSA;
    case OSSL_OP_KEYEXCH: return SXP_OP_ECDH;
    default: return NULL;
    }
}

SXP_KEYMGMT_TABLE(ec, SE05X_KIND_EC, ec_opname);
