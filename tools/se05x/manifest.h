/* SPDX-License-Identifier: Apache-2.0 */
/* The provisioning manifest (docs/production.md "Provisioning manifest"):
 * a line-oriented text file, parsed and validated whole on the host before
 * anything is sent to the chip. Every error names FILE:LINE. */
#ifndef SE05X_TOOL_MANIFEST_H
#define SE05X_TOOL_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "keyfile.h"

enum mf_kind { MF_CLAIM, MF_KEY, MF_CERT };

struct mf_item {
    int line;
    enum mf_kind kind;
    se05x_objid id;
    /* claim */
    const char *name;       /* "TRANSPORT" / "FACTORY_RESET" */
    bool has_secret;
    uint8_t secret[16];
    size_t secret_len;
    /* key */
    se05x_kind key_kind;    /* EC / RSA */
    se05x_curve curve;
    unsigned bits;
    bool import;            /* from key_path; else generated on the chip */
    char *key_path;
    struct tool_key key;    /* loaded import key */
    bool public_only;
    /* key and cert */
    bool locked;
    bool has_policy;
    struct se05x_policy policy;
    char *refkey_path, *public_path, *csr_path, *subject;
    /* cert */
    char *cert_path;
    uint8_t *cert_der;
    size_t cert_len;
};

struct manifest {
    const char *path;
    struct mf_item *items;
    size_t n;
};

/* Parses and validates the whole file (key, certificate and secret files
 * read and checked too). Prints every error as "se05x: FILE:LINE: ..." and
 * returns 2 (usage: the manifest is wrong) or 1 (cannot read it); 0 when
 * good. Relative paths are taken relative to the manifest's directory. */
int manifest_load(const struct tool *t, const char *path, struct manifest *m);
void manifest_free(struct manifest *m);

#endif
