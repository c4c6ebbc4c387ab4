/* SPDX-License-Identifier: Apache-2.0 */
/* (h) Reference-key / PEM / DER detection (lib/refkey.c): the reader on
 * arbitrary bytes (PEM, DER, PKCS#8 / SEC1 / PKCS#1, the PKCS#12 probe). A
 * refusal must say why; an accepted reference must name a kind (EC or RSA); the PEM writer must wrap any DER. */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include <se05x/refkey.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct se05x_refkey ref;
    struct se05x_error err;
    int is_ref = -1;
    static int quiet;
    if (!quiet++)
        fz_quiet();
    if (size > 16384)
        return 0;
    memset(&ref, 0, sizeof ref);
    memset(&err, 0, sizeof err);
    se05x_rc rc = se05x_refkey_parse(data, size, &ref, &is_ref, &err);
    if (rc != SE05X_OK) {
        if (!err.msg[0] || !memchr(err.msg, 0, sizeof err.msg))
            abort(); /* every refusal says why */
    } else if (is_ref == 1) {
        if (ref.kind != SE05X_KIND_EC && ref.kind != SE05X_KIND_RSA)
            abort();
    } else if (is_ref != 0) {
        abort();
    }
    char *pem = NULL;
    size_t pemlen = 0;
    if (size && se05x_refkey_pem(data, size, (enum se05x_refkey_form)(data[0] % 3), &pem, &pemlen) ==
                    SE05X_OK) {
        if (!pem || strlen(pem) != pemlen)
            abort();
        /* our own PEM of DER input reads back as the DER did */
        struct se05x_refkey r2;
        int is2 = -1;
        memset(&r2, 0, sizeof r2);
        se05x_rc rc2 = se05x_refkey_parse((const uint8_t *)pem, pemlen, &r2, &is2, NULL);
        (void)rc2;
        free(pem);
    }
    return 0;
}
