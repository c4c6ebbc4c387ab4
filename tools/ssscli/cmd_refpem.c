/* SPDX-License-Identifier: Apache-2.0 */
/* refpem ecc pair|pub <keyid> <file>, refpem rsa pair <keyid> <file>:
 * reference keys through the library's one ref-key writer (docs/protocol/refkey.md §4:
 * SEC1 "EC PRIVATE KEY" for EC, PKCS#1 for RSA). Format: --format, else the
 * extension (.pem -> PEM, anything else DER), as NXP's ssscli does. */
#include <openssl/core_names.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssscli.h"

static int bn_bytes(const EVP_PKEY *pk, const char *name, uint8_t **out, size_t *len)
{
    BIGNUM *bn = NULL;
    if (!EVP_PKEY_get_bn_param(pk, name, &bn))
        return -1;
    *len = (size_t)BN_num_bytes(bn);
    *out = malloc(*len ? *len : 1);
    if (*out)
        BN_bn2bin(bn, *out);
    BN_free(bn);
    return *out ? 0 : -1;
}

int cmd_refpem(struct cli *c)
{
    if (c->argc != 4 || (strcmp(c->argv[0], "ecc") && strcmp(c->argv[0], "rsa")) ||
        (strcmp(c->argv[1], "pair") && strcmp(c->argv[1], "pub")))
        return cli_usage("usage: ssscli refpem ecc pair|pub <keyid> <file> | refpem rsa pair <keyid> <file>");
    int ec = c->argv[0][0] == 'e';
    int pub = strcmp(c->argv[1], "pub") == 0;
    if (!ec && pub)
        return cli_usage("refpem rsa pub is not defined (use get rsa pub)");
    if (c->format && strcasecmp(c->format, "PKCS12") == 0)
        return cli_err("--format PKCS12 is not supported (PEM or DER)");
    if (c->password || c->cert)
        return cli_err("--password/--cert are only for PKCS12, which is not supported");
    const char *path = c->argv[3];
    const char *dot = strrchr(path, '.');
    if (!c->format && dot && (strcasecmp(dot, ".pfx") == 0 || strcasecmp(dot, ".p12") == 0))
        return cli_err("%s: PKCS12 output is not supported (use .pem or .der)", path);
    int pem = cli_want_pem(c, path, 0);
    if (pem < 0)
        return cli_usage("--format must be DER or PEM");
    se05x_objid id;
    se05x_session *s;
    int r;
    if ((r = cli_objid(c->argv[2], &id)) != 0 || (r = cli_open(c, &s)) != 0)
        return r;
    struct se05x_object_info info;
    memset(&info, 0, sizeof(info));
    EVP_PKEY *pk = NULL;
    uint8_t *der = NULL, *a = NULL, *b = NULL;
    size_t derlen = 0, al = 0, bl = 0;
    char *text = NULL;
    size_t textlen = 0;
    enum se05x_refkey_form form = ec ? SE05X_REFKEY_SEC1 : SE05X_REFKEY_PKCS1;
    int rc = cli_rc(s, se05x_object_info(s, id, &info), "refpem");
    if (!rc && info.kind != (ec ? SE05X_KIND_EC : SE05X_KIND_RSA))
        rc = cli_err("object 0x%08X is not an %s key", (unsigned)id, ec ? "EC" : "RSA");
    if (!rc && !pub && info.part != SE05X_PART_PAIR && info.part != SE05X_PART_PRIVATE)
        rc = cli_err("object 0x%08X holds no private key (use refpem ecc pub)", (unsigned)id);
    if (!rc)
        rc = cli_rc(s, se05x_read_pubkey(s, id, &pk), "refpem");
    se05x_close(s);
    if (!rc && ec) {
        uint8_t pt[200];
        size_t ptl = 0;
        if (!EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &ptl))
            rc = cli_err("cannot read the public point");
        else if (se05x_refkey_ec_der(id, info.curve, pt, ptl, pub, form, &der, &derlen) != SE05X_OK)
            rc = cli_err("cannot build the reference key");
    } else if (!rc) {
        if (bn_bytes(pk, OSSL_PKEY_PARAM_RSA_N, &a, &al) || bn_bytes(pk, OSSL_PKEY_PARAM_RSA_E, &b, &bl))
            rc = cli_err("cannot read the RSA public key");
        else if (se05x_refkey_rsa_der(id, a, al, b, bl, &der, &derlen) != SE05X_OK)
            rc = cli_err("cannot build the reference key");
    }
    if (!rc && pem) {
        if (se05x_refkey_pem(der, derlen, form, &text, &textlen) != SE05X_OK)
            rc = cli_err("cannot encode PEM");
        else
            rc = cli_write_file(path, text, textlen);
    } else if (!rc) {
        rc = cli_write_file(path, der, derlen);
    }
    free(text);
    OPENSSL_free(der);
    free(a);
    free(b);
    EVP_PKEY_free(pk);
    return rc;
}
