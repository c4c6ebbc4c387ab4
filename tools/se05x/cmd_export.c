/* SPDX-License-Identifier: Apache-2.0 */
/* public, refkey: what may leave the chip about a key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "commands.h"
#include "fileio.h"

static int require_key(struct tool *t, se05x_objid id, struct se05x_object_info *info)
{
    int rc = tool_require(t, id, info);
    if (rc)
        return rc;
    if (info->kind != SE05X_KIND_EC && info->kind != SE05X_KIND_RSA)
        return tool_err("object 0x%08X on %s is a %s, not an EC or RSA key", id, t->conn, tool_kind_name(info));
    if (info->part == SE05X_PART_PRIVATE)
        return tool_err("object 0x%08X on %s is a private key without its public part", id, t->conn);
    return 0;
}

/* ---- public ---- */

static const char public_usage[] =
    "Usage: se05x public <id> [-o FILE] [--der]\n"
    "Writes the public key of an EC or RSA object as PEM SubjectPublicKeyInfo\n"
    "(what 'openssl pkey -pubin' and 'openssl dgst -verify' read).\n"
    "  -o FILE   output file (default: standard output)\n"
    "  --der     DER instead of PEM\n";

int cmd_public(struct tool *t, int argc, char **argv)
{
    if (tool_wants_help(argc, argv, public_usage))
        return 0;
    se05x_objid id;
    const char *out;
    bool der = false;
    int rc = tool_parse_id_out(t, argc, argv, "der", &der, &id, &out, "expected one object id");
    if (rc)
        return rc;
    struct se05x_object_info info;
    if ((rc = require_key(t, id, &info)) != 0)
        return rc;
    return tool_write_pubkey(t, id, der, out);
}

int tool_write_pubkey(struct tool *t, se05x_objid id, bool der, const char *out)
{
    EVP_PKEY *pkey = NULL;
    se05x_rc r = se05x_read_pubkey(t->s, id, &pkey);
    if (r != SE05X_OK)
        return tool_fail(t, r, "read the public key of", id);
    int rc;
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL || !(der ? i2d_PUBKEY_bio(bio, pkey) : PEM_write_bio_PUBKEY(bio, pkey))) {
        rc = tool_err("cannot encode the public key of 0x%08X", id);
    } else {
        char *p = NULL;
        long n = BIO_get_mem_data(bio, &p);
        rc = tool_write_public(out, p, (size_t)n);
    }
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    return rc;
}

/* ---- refkey ---- */

static const char refkey_usage[] =
    "Usage: se05x refkey <id> [-o FILE] [--sec1]\n"
    "Writes a reference key: a private-key file whose secret is a marker naming the object,\n"
    "which the OpenSSL engine (e4sss), provider and PKCS#11 module turn into chip operations.\n"
    "EC: PKCS#8 (BEGIN PRIVATE KEY, as seTool getRef), RSA: PKCS#1 (BEGIN RSA PRIVATE KEY).\n"
    "  -o FILE   output file (default: standard output)\n"
    "  --sec1    EC: SEC1 form (BEGIN EC PRIVATE KEY, as ssscli refpem)\n";

int cmd_refkey(struct tool *t, int argc, char **argv)
{
    if (tool_wants_help(argc, argv, refkey_usage))
        return 0;
    se05x_objid id;
    const char *out;
    bool sec1 = false;
    int rc = tool_parse_id_out(t, argc, argv, "sec1", &sec1, &id, &out, "expected one object id");
    if (rc)
        return rc;
    struct se05x_object_info info;
    if ((rc = require_key(t, id, &info)) != 0)
        return rc;
    char *pem = NULL;
    size_t len = 0;
    se05x_rc r = se05x_refkey_from_chip(t->s, id, sec1 ? SE05X_REFKEY_SEC1 : SE05X_REFKEY_PKCS8, &pem, &len);
    if (r != SE05X_OK)
        return tool_fail(t, r, "make a reference key for", id);
    rc = tool_write_public(out, pem, len);
    free(pem);
    return rc;
}
