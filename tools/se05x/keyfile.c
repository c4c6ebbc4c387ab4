/* SPDX-License-Identifier: Apache-2.0 */
/* Key files for import: host-side checks before anything reaches the chip. */
#include "keyfile.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/objects.h>

#include "fileio.h"

#define KEY_FILE_MAX (64 * 1024)

static bool pkey_has_bn(const EVP_PKEY *pkey, const char *param)
{
    BIGNUM *bn = NULL;
    if (!EVP_PKEY_get_bn_param(pkey, param, &bn))
        return false;
    BN_clear_free(bn);
    return true;
}

int tool_load_key(const char *path, struct tool_key *k)
{
    memset(k, 0, sizeof *k);
    uint8_t *data = NULL;
    size_t len = 0;
    if (tool_read_file(path, KEY_FILE_MAX, &data, &len))
        return 1;
    int rc = 1;
    /* Refuse encrypted files up front: no password prompt, ever. */
    if (strstr((const char *)data, "ENCRYPTED") != NULL) {
        tool_err("%s is an encrypted key; decrypt it first (openssl pkey -in %s -out plain.pem)", path,
                 path);
        goto out;
    }
    struct se05x_refkey ref;
    int is_ref = 0;
    struct se05x_error err;
    memset(&err, 0, sizeof err);
    if (se05x_refkey_parse(data, len, &ref, &is_ref, &err) == SE05X_OK && is_ref) {
        tool_err("%s is a reference key to object 0x%08X, not a key that can be imported", path, ref.id);
        goto out;
    }
    memset(&err, 0, sizeof err);
    se05x_rc r = se05x_load_key_file(path, &k->pkey, &err);
    if (r != SE05X_OK || k->pkey == NULL) {
        const char *why = err.msg[0] ? err.msg : se05x_strerror(r);
        if (strstr(why, path) != NULL)
            tool_err("%s", why);
        else
            tool_err("cannot load a key from %s: %s", path, why);
        goto out;
    }
    int base = EVP_PKEY_get_base_id(k->pkey);
    if (base == EVP_PKEY_EC) {
        char group[80] = "";
        int nid = NID_undef;
        if (EVP_PKEY_get_utf8_string_param(k->pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL))
            nid = OBJ_sn2nid(group);
        k->kind = SE05X_KIND_EC;
        k->curve = nid != NID_undef ? se05x_curve_from_nid(nid) : SE05X_EC_NONE;
        if (k->curve == SE05X_EC_NONE || (unsigned)k->curve > SE05X_EC_SECP256K1) {
            tool_err("%s: unsupported curve %s (supported: %s)", path, group[0] ? group : "(explicit parameters)",
                     tool_curve_list());
            goto out;
        }
        k->bits = (unsigned)EVP_PKEY_get_bits(k->pkey);
        k->has_private = pkey_has_bn(k->pkey, OSSL_PKEY_PARAM_PRIV_KEY);
    } else if (base == EVP_PKEY_RSA) {
        k->kind = SE05X_KIND_RSA;
        k->bits = (unsigned)EVP_PKEY_get_bits(k->pkey);
        if (!tool_rsa_bits_ok(k->bits)) {
            tool_err("%s: unsupported RSA key size %u bits (supported: 1024, 2048, 3072, 4096)", path, k->bits);
            goto out;
        }
        k->has_private = pkey_has_bn(k->pkey, OSSL_PKEY_PARAM_RSA_D);
    } else {
        const char *name = OBJ_nid2sn(base);
        tool_err("%s: unsupported key type %s (only EC and RSA keys can be imported)", path,
                 name ? name : "unknown");
        goto out;
    }
    rc = 0;
out:
    OPENSSL_cleanse(data, len);
    free(data);
    if (rc)
        tool_key_free(k);
    return rc;
}

void tool_key_free(struct tool_key *k)
{
    EVP_PKEY_free(k->pkey);
    k->pkey = NULL;
}
