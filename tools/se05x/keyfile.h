/* SPDX-License-Identifier: Apache-2.0 */
/* Loading key files for import, with every check done on the host before
 * the chip is touched: encrypted PEM, reference keys, key type, curve and
 * RSA size. */
#ifndef SE05X_TOOL_KEYFILE_H
#define SE05X_TOOL_KEYFILE_H

#include <stdbool.h>
#include <openssl/evp.h>

#include "common.h"

struct tool_key {
    EVP_PKEY *pkey;
    bool has_private;
    se05x_kind kind;   /* EC or RSA */
    se05x_curve curve; /* EC */
    unsigned bits;     /* RSA modulus bits / EC field bits */
};

/* Prints the reason and returns 1 on failure. */
int tool_load_key(const char *path, struct tool_key *k);
void tool_key_free(struct tool_key *k);

#endif
