/* SPDX-License-Identifier: Apache-2.0 */
/* se05x_free(): every buffer returned to callers is OPENSSL_malloc'ed. */
#include <openssl/crypto.h>
#include <se05x/mem.h>

void se05x_free(void *p)
{
    OPENSSL_free(p);
}
