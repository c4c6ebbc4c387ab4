/* SPDX-License-Identifier: Apache-2.0 */
/* set / get / generate / erase */
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ssscli.h"

static int key_kind(const char *t)
{
    if (strcmp(t, "ecc") == 0)
        return EVP_PKEY_EC;
    if (strcmp(t, "rsa") == 0)
        return EVP_PKEY_RSA;
    return 0;
}

static int has_private(const EVP_PKEY *pk)
{
    BIGNUM *bn = NULL;
    int ok = EVP_PKEY_get_bn_param(pk, EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC ? OSSL_PKEY_PARAM_PRIV_KEY
                                                                               : OSSL_PKEY_PARAM_RSA_D,
                                   &bn);
    BN_clear_free(bn);
    return ok;
}

/* PEM or DER certificate file -> DER. */
static int load_cert_der(const char *path, uint8_t **der, size_t *len)
{
    uint8_t *data;
    size_t n;
    if (cli_read_file(path, &data, &n))
        return 1;
    const unsigned char *p = data;
    X509 *x = d2i_X509(NULL, &p, (long)n);
    if (!x || p != data + n) {
        X509_free(x);
        BIO *b = BIO_new_mem_buf(data, (int)n);
        x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
        BIO_free(b);
    }
    free(data);
    if (!x)
        return cli_err("%s: not an X.509 certificate (PEM or DER)", path);
    unsigned char *out = NULL;
    int l = i2d_X509(x, &out);
    X509_free(x);
    if (l <= 0)
        return cli_err("%s: cannot encode the certificate", path);
    *der = out;
    *len = (size_t)l;
    return 0;
}

/* 'set/get aes|hmac' are NXP's and not offered here (1); anything else is
 * not a kind at all (usage, 2). */
static int unsupported_kind(const char *cmd, const char *t)
{
    if (strcmp(t, "aes") == 0 || strcmp(t, "hmac") == 0)
        return cli_err("'%s %s' is not supported by this ssscli (ecc, rsa, cert, bin)", cmd, t);
    return cli_usage("'%s %s': unknown object kind (ecc, rsa, cert, bin)", cmd, t);
}

static int check_format(const struct cli *c)
{
    if (c->format && strcasecmp(c->format, "PEM") != 0 && strcasecmp(c->format, "DER") != 0)
        return cli_usage("--format must be DER or PEM");
    return 0;
}

int cmd_set(struct cli *c)
{
    if (c->argc < 1)
        return cli_usage("usage: ssscli set ecc|rsa pair|pub <keyid> <file> | set cert|bin <keyid> <file>");
    const char *t = c->argv[0];
    if (!key_kind(t) && strcmp(t, "cert") != 0 && strcmp(t, "bin") != 0)
        return unsupported_kind("set", t);
    if (c->format && strcasecmp(c->format, "PEM") != 0 && strcasecmp(c->format, "DER") != 0)
        return cli_usage("--format must be DER or PEM (the input format is detected)");
    if (key_kind(t) && (c->argc != 4 || (strcmp(c->argv[1], "pair") && strcmp(c->argv[1], "pub"))))
        return cli_usage("usage: ssscli set %s pair|pub <keyid> <file>", t);
    if (!key_kind(t) && c->argc != 3)
        return cli_usage("usage: ssscli set %s <keyid> <file>", t);
    se05x_objid id;
    int rc;
    if ((rc = cli_objid(c->argv[key_kind(t) ? 2 : 1], &id)) != 0)
        return rc;
    struct se05x_policy pol;
    struct se05x_write_opts wo = {0};
    if (c->policy_name) {
        if ((rc = policy_load_typed(c->policy_name, key_kind(t) ? "asymkey" : "file", &pol)) != 0)
            return rc;
        wo.policy = &pol;
    }
    const struct se05x_write_opts *opts = c->policy_name ? &wo : NULL;
    se05x_session *s;
    if (key_kind(t)) {
        int pub = strcmp(c->argv[1], "pub") == 0;
        EVP_PKEY *pk = NULL;
        struct se05x_error err;
        memset(&err, 0, sizeof(err));
        struct se05x_refkey ref;
        int is_ref = 0;
        if (se05x_refkey_parse_file(c->argv[3], &ref, &is_ref, &err) == SE05X_OK && is_ref)
            return cli_err("%s is a reference key to object 0x%08X: it holds no key material to import",
                           c->argv[3], (unsigned)ref.id);
        memset(&err, 0, sizeof(err));
        if (se05x_load_key_file(c->argv[3], &pk, &err) != SE05X_OK)
            return cli_err("%s: %s", c->argv[3], err.msg[0] ? err.msg : "cannot load the key");
        if (EVP_PKEY_get_base_id(pk) != key_kind(t)) {
            EVP_PKEY_free(pk);
            return cli_err("%s: not an %s key", c->argv[3], strcmp(t, "ecc") == 0 ? "EC" : "RSA");
        }
        if (!pub && !has_private(pk)) {
            EVP_PKEY_free(pk);
            return cli_err("%s: no private key in the file (use 'set %s pub' for a public key)", c->argv[3], t);
        }
        if ((rc = cli_open(c, &s)) == 0) {
            rc = cli_rc(s, se05x_import_pkey(s, id, pk, pub, opts), "set");
            se05x_close(s);
        }
        EVP_PKEY_free(pk);
        return rc;
    }
    if (strcmp(t, "cert") == 0 || strcmp(t, "bin") == 0) {
        uint8_t *data;
        size_t n;
        int cert = t[0] == 'c';
        if (cert ? load_cert_der(c->argv[2], &data, &n) : cli_read_file(c->argv[2], &data, &n))
            return 1;
        if (n == 0 || n > 0x7FFF) {
            cert ? OPENSSL_free(data) : free(data);
            return cli_err("%s: size %zu out of range (1..32767 bytes)", c->argv[2], n);
        }
        if ((rc = cli_open(c, &s)) == 0) {
            rc = cli_rc(s, se05x_write_binary(s, id, data, n, opts), "set");
            se05x_close(s);
        }
        cert ? OPENSSL_free(data) : free(data);
        return rc;
    }
    return unsupported_kind("set", t);
}

static int write_pubkey(const struct cli *c, EVP_PKEY *pk, const char *path)
{
    int pem = cli_want_pem(c, path, 1);
    if (pem < 0)
        return cli_err("--format must be DER or PEM");
    BIO *b = BIO_new(BIO_s_mem());
    int ok = b && (pem ? PEM_write_bio_PUBKEY(b, pk) : i2d_PUBKEY_bio(b, pk));
    char *p = NULL;
    long n = ok ? BIO_get_mem_data(b, &p) : 0;
    int rc = ok ? cli_write_file(path, p, (size_t)n) : cli_err("cannot encode the public key");
    BIO_free(b);
    return rc;
}

int cmd_get(struct cli *c)
{
    if (c->argc < 1)
        return cli_usage("usage: ssscli get ecc|rsa pair|pub <keyid> <file> | get cert|bin <keyid> <file>");
    const char *t = c->argv[0];
    se05x_objid id;
    se05x_session *s;
    int rc;
    if (key_kind(t)) {
        if (c->argc != 4 || (strcmp(c->argv[1], "pair") && strcmp(c->argv[1], "pub")))
            return cli_usage("usage: ssscli get %s pair|pub <keyid> <file>", t);
        if ((rc = cli_objid(c->argv[2], &id)) != 0 || (rc = check_format(c)) != 0 || (rc = cli_open(c, &s)) != 0)
            return rc;
        EVP_PKEY *pk = NULL;
        rc = cli_rc(s, se05x_read_pubkey(s, id, &pk), "get");
        se05x_close(s);
        if (!rc && EVP_PKEY_get_base_id(pk) != key_kind(t))
            rc = cli_err("object 0x%08X is not an %s key", (unsigned)id, t[0] == 'e' ? "EC" : "RSA");
        if (!rc)
            rc = write_pubkey(c, pk, c->argv[3]);
        EVP_PKEY_free(pk);
        return rc;
    }
    if (strcmp(t, "cert") == 0 || strcmp(t, "bin") == 0) {
        if (c->argc != 3)
            return cli_usage("usage: ssscli get %s <keyid> <file>", t);
        if ((rc = cli_objid(c->argv[1], &id)) != 0 || (rc = check_format(c)) != 0 || (rc = cli_open(c, &s)) != 0)
            return rc;
        uint8_t *data = NULL;
        size_t n = 0;
        rc = cli_rc(s, se05x_read_binary(s, id, &data, &n), "get");
        se05x_close(s);
        if (!rc && t[0] == 'b') {
            rc = cli_write_file_mode(c->argv[2], data, n, 0600); /* may be secret */
        } else if (!rc) {
            const unsigned char *p = data;
            X509 *x = d2i_X509(NULL, &p, (long)n);
            int pem = cli_want_pem(c, c->argv[2], 1);
            if (!x) {
                rc = cli_err("object 0x%08X does not hold an X.509 certificate", (unsigned)id);
            } else if (pem < 0) {
                rc = cli_err("--format must be DER or PEM");
            } else if (pem) {
                BIO *b = BIO_new(BIO_s_mem());
                char *pp = NULL;
                long l = b && PEM_write_bio_X509(b, x) ? BIO_get_mem_data(b, &pp) : 0;
                rc = l > 0 ? cli_write_file(c->argv[2], pp, (size_t)l) : cli_err("cannot encode");
                BIO_free(b);
            } else {
                rc = cli_write_file(c->argv[2], data, (size_t)(p - data));
            }
            X509_free(x);
        }
        free(data);
        return rc;
    }
    return unsupported_kind("get", t);
}

int cmd_generate(struct cli *c)
{
    if (c->argc >= 1 && strcmp(c->argv[0], "ecc") && strcmp(c->argv[0], "rsa"))
        return cli_usage("'generate %s' is not supported (ecc, rsa)", c->argv[0]);
    if (c->argc != 3)
        return cli_usage("usage: ssscli generate ecc <keyid> <curve> | generate rsa <keyid> <bits>");
    se05x_objid id;
    int rc;
    if ((rc = cli_objid(c->argv[1], &id)) != 0)
        return rc;
    se05x_curve curve = SE05X_EC_NONE;
    unsigned bits = 0;
    if (c->argv[0][0] == 'e') {
        curve = se05x_curve_from_name(c->argv[2]);
        if (curve == SE05X_EC_NONE)
            return cli_usage("unknown curve '%s' (e.g. NIST_P256, NIST_P384, Secp256k1, Brainpool256)", c->argv[2]);
    } else {
        char *end;
        unsigned long b = strtoul(c->argv[2], &end, 10);
        if (*end || (b != 1024 && b != 2048 && b != 3072 && b != 4096))
            return cli_usage("RSA size must be 1024, 2048, 3072 or 4096 (got '%s')", c->argv[2]);
        bits = (unsigned)b;
    }
    struct se05x_policy pol;
    struct se05x_write_opts wo = {0};
    if (c->policy_name) {
        if ((rc = policy_load_typed(c->policy_name, "asymkey", &pol)) != 0)
            return rc;
        wo.policy = &pol;
    }
    const struct se05x_write_opts *opts = c->policy_name ? &wo : NULL;
    se05x_session *s;
    if (cli_open(c, &s))
        return 1;
    /* Never replace a key by generating over it (NXP's tool silently does;
     * se05x and seTool refuse or keep): the id must be free. */
    bool exists = false;
    rc = cli_rc(s, se05x_object_exists(s, id, &exists), "generate");
    if (!rc && exists)
        rc = cli_err("object 0x%08X already exists on %s; nothing changed (erase it first: ssscli erase 0x%08X)",
                     (unsigned)id, se05x_conn(s), (unsigned)id);
    if (rc) {
        se05x_close(s);
        return rc;
    }
    if (curve != SE05X_EC_NONE) {
        rc = cli_rc(s, se05x_ensure_curve(s, curve), "generate");
        if (!rc)
            rc = cli_rc(s, se05x_ec_generate(s, id, curve, opts), "generate");
    } else {
        rc = cli_rc(s, se05x_rsa_generate(s, id, bits, opts), "generate");
    }
    se05x_close(s);
    return rc;
}

int cmd_erase(struct cli *c)
{
    if (c->argc != 1)
        return cli_usage("usage: ssscli erase <keyid>");
    se05x_objid id;
    se05x_session *s;
    int rc;
    if ((rc = cli_objid(c->argv[0], &id)) != 0 || (rc = cli_open(c, &s)) != 0)
        return rc;
    rc = cli_rc(s, se05x_delete_object(s, id), "erase");
    se05x_close(s);
    return rc;
}
