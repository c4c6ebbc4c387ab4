/* SPDX-License-Identifier: Apache-2.0 */
/* ENGINE_load_private_key / ENGINE_load_public_key.
 *
 * Accepted key ids:
 *   pkcs11:object=sss:7f000001;type=private   label as the PKCS#11 module reads
 *                                            it: sss:<hex id>, no byte swap;
 *                                            any other label -> last 4 bytes of
 *                                            SHA-512(label), like the module;
 *                                            id=%7f%00%00%01 (4 bytes) also works
 *   0x7f000001, 7f000001, sss:7f000001, nxp:0x7f000001
 *   a path to a reference-key file (PEM/DER, EC or RSA)
 * The key is built from the chip's public key (through the lib's ref-key
 * writer) as a legacy EC_KEY / RSA bound to this engine, so every private
 * operation on it reaches ec_method.c / rsa_method.c, whatever the defaults. */
#include "e4sss.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

/* Percent-decodes src[0..n) into out (cap bytes). -1 on malformed input. */
static int pct_decode(const char *src, size_t n, unsigned char *out, size_t cap)
{
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        unsigned v;
        if (o >= cap)
            return -1;
        if (src[i] == '%') {
            char h[3];
            if (i + 2 >= n || !isxdigit((unsigned char)src[i + 1]) ||
                !isxdigit((unsigned char)src[i + 2]))
                return -1;
            h[0] = src[i + 1];
            h[1] = src[i + 2];
            h[2] = 0;
            sscanf(h, "%x", &v);
            out[o++] = (unsigned char)v;
            i += 2;
        } else {
            out[o++] = (unsigned char)src[i];
        }
    }
    return (int)o;
}

/* Label -> id, the PKCS#11 module's rule (docs/protocol/compat.md §5). */
static int label_to_id(const unsigned char *label, size_t n, se05x_objid *id)
{
    unsigned char md[SHA512_DIGEST_LENGTH];
    char text[64];

    if (n >= 4 && memcmp(label, "sss:", 4) == 0) {
        if (n - 4 >= sizeof(text))
            return 0;
        memcpy(text, label + 4, n - 4);
        text[n - 4] = 0;
        return se05x_parse_objid(text, id) == SE05X_OK;
    }
    if (n == 0)
        return 0;
    SHA512(label, n, md);
    *id = ((se05x_objid)md[60] << 24) | ((se05x_objid)md[61] << 16) | ((se05x_objid)md[62] << 8) |
          md[63];
    return *id != 0;
}

static int parse_pkcs11_uri(struct e4sss_ctx *c, const char *uri, se05x_objid *id)
{
    const char *p = uri + strlen("pkcs11:"), *end;
    int have_label = 0, have_id = 0;
    se05x_objid from_label = 0, from_id = 0;

    end = p + strcspn(p, "?"); /* query attributes (pin-value, module-path) are ignored */
    while (p < end) {
        size_t n = strcspn(p, ";");
        const char *eq;
        unsigned char v[256];
        int vl;

        if (p + n > end)
            n = (size_t)(end - p);
        eq = memchr(p, '=', n);
        if (eq != NULL) {
            size_t kl = (size_t)(eq - p);
            vl = pct_decode(eq + 1, n - kl - 1, v, sizeof(v));
            if (vl < 0) {
                e4sss_err(c, E4SSS_R_BAD_KEY_ID, "malformed percent-encoding in %s", uri);
                return 0;
            }
            if (kl == 6 && memcmp(p, "object", 6) == 0) {
                if (!label_to_id(v, (size_t)vl, &from_label)) {
                    e4sss_err(c, E4SSS_R_BAD_KEY_ID, "bad object label in %s", uri);
                    return 0;
                }
                have_label = 1;
            } else if (kl == 2 && memcmp(p, "id", 2) == 0) {
                if (vl != 4) {
                    e4sss_err(c, E4SSS_R_BAD_KEY_ID, "id must be 4 bytes (%%7f%%00%%00%%01) in %s",
                              uri);
                    return 0;
                }
                from_id = ((se05x_objid)v[0] << 24) | ((se05x_objid)v[1] << 16) |
                          ((se05x_objid)v[2] << 8) | v[3];
                have_id = 1;
            } else if (kl == 4 && memcmp(p, "type", 4) == 0) {
                if (!((vl == 7 && memcmp(v, "private", 7) == 0) ||
                      (vl == 6 && memcmp(v, "public", 6) == 0))) {
                    e4sss_err(c, E4SSS_R_WRONG_KEY_TYPE, "type must be private or public in %s",
                              uri);
                    return 0;
                }
            }
            /* token=, manufacturer=, serial=, ... : one token, nothing to check */
        }
        p += n;
        if (p < end && *p == ';')
            p++;
    }
    if (have_label && have_id && from_label != from_id) {
        e4sss_err(c, E4SSS_R_BAD_KEY_ID, "object and id name different objects in %s", uri);
        return 0;
    }
    if (!have_label && !have_id) {
        e4sss_err(c, E4SSS_R_BAD_KEY_ID, "no object= or id= in %s", uri);
        return 0;
    }
    *id = have_label ? from_label : from_id;
    return 1;
}

int e4sss_parse_key_id(struct e4sss_ctx *c, const char *key_id, se05x_objid *id)
{
    struct se05x_refkey ref;
    struct se05x_error err;
    int is_ref = 0;
    se05x_rc rc;

    if (key_id == NULL || key_id[0] == 0) {
        e4sss_err(c, E4SSS_R_BAD_KEY_ID, "empty key id");
        return 0;
    }
    if (strncmp(key_id, "pkcs11:", 7) == 0)
        return parse_pkcs11_uri(c, key_id, id);
    if (strncmp(key_id, "sss:", 4) == 0 || strncmp(key_id, "nxp:", 4) == 0) {
        if (se05x_parse_objid(key_id + 4, id) == SE05X_OK)
            return 1;
        key_id += 4; /* nxp:<path to ref key> */
    } else if (se05x_parse_objid(key_id, id) == SE05X_OK) {
        return 1;
    }
    memset(&err, 0, sizeof(err));
    ERR_set_mark();
    rc = se05x_refkey_parse_file(key_id, &ref, &is_ref, &err);
    ERR_pop_to_mark();
    if (rc != SE05X_OK) {
        if (err.msg[0]) /* the lib's message names the file */
            e4sss_err(c, E4SSS_R_BAD_KEY_ID, "%s", err.msg);
        else
            e4sss_err(c, E4SSS_R_BAD_KEY_ID,
                      "%s: not a key id, pkcs11: URI or reference-key file", key_id);
        return 0;
    }
    if (!is_ref) {
        e4sss_err(c, E4SSS_R_NOT_A_REF_KEY,
                  "%s is an ordinary private key, not a reference to a chip key", key_id);
        return 0;
    }
    *id = ref.id;
    return 1;
}

/* Fresh legacy key bound to engine e, copied from the decoded ref key. */
static EVP_PKEY *ec_from_ref(ENGINE *e, const EC_KEY *src, int priv)
{
    EC_KEY *k = EC_KEY_new_method(e);
    EVP_PKEY *pk = EVP_PKEY_new();

    if (k == NULL || pk == NULL || !EC_KEY_set_group(k, EC_KEY_get0_group(src)) ||
        (priv && !EC_KEY_set_private_key(k, EC_KEY_get0_private_key(src))) ||
        !EC_KEY_set_public_key(k, EC_KEY_get0_public_key(src)) || !EVP_PKEY_assign_EC_KEY(pk, k)) {
        EC_KEY_free(k);
        EVP_PKEY_free(pk);
        return NULL;
    }
    return pk;
}

static BIGNUM *dup_or_null(const BIGNUM *b, int *ok)
{
    BIGNUM *r;

    if (b == NULL)
        return NULL;
    if ((r = BN_dup(b)) == NULL)
        *ok = 0;
    return r;
}

static EVP_PKEY *rsa_from_ref(ENGINE *e, const RSA *src, int priv)
{
    const BIGNUM *n, *ee, *d, *p, *q, *dp, *dq, *qi;
    RSA *r = RSA_new_method(e);
    EVP_PKEY *pk = EVP_PKEY_new();
    BIGNUM *bn[8] = {0};
    int ok = 1, i;

    RSA_get0_key(src, &n, &ee, &d);
    RSA_get0_factors(src, &p, &q);
    RSA_get0_crt_params(src, &dp, &dq, &qi);
    bn[0] = dup_or_null(n, &ok);
    bn[1] = dup_or_null(ee, &ok);
    if (priv) {
        bn[2] = dup_or_null(d, &ok);
        bn[3] = dup_or_null(p, &ok);
        bn[4] = dup_or_null(q, &ok);
        bn[5] = dup_or_null(dp, &ok);
        bn[6] = dup_or_null(dq, &ok);
        bn[7] = dup_or_null(qi, &ok);
    }
    if (r == NULL || pk == NULL || !ok || !RSA_set0_key(r, bn[0], bn[1], bn[2]))
        goto fail;
    bn[0] = bn[1] = bn[2] = NULL;
    if (priv) {
        if (!RSA_set0_factors(r, bn[3], bn[4]))
            goto fail;
        bn[3] = bn[4] = NULL;
        if (!RSA_set0_crt_params(r, bn[5], bn[6], bn[7]))
            goto fail;
        bn[5] = bn[6] = bn[7] = NULL;
    }
    if (!EVP_PKEY_assign_RSA(pk, r))
        goto fail;
    return pk;
fail:
    for (i = 0; i < 8; i++)
        BN_clear_free(bn[i]);
    RSA_free(r);
    EVP_PKEY_free(pk);
    return NULL;
}

/* The chip's ref key (PEM, "EC PRIVATE KEY" or "RSA PRIVATE KEY", as
 * se05x_refkey_from_chip writes it with SE05X_REFKEY_SEC1) -> a legacy key
 * bound to e. PEM_read_bio (no decoding of the contents) and the
 * type-specific d2i functions use no OSSL_DECODER: PEM_read_bio_PrivateKey
 * would ask every decoder of the default library context, and with our
 * provider active (openssl.cnf, issue 11) its ref-key decoder claimed the key
 * and returned a provider key, which has no EC_KEY / RSA to copy. Built this
 * way the key is the same whatever providers the process loaded, and no
 * library context is created per load (docs/engine.md, "Loading keys when
 * providers are active"). */
static EVP_PKEY *key_from_pem(ENGINE *e, BIO *bio, int kind, int priv)
{
    char *name = NULL, *header = NULL;
    unsigned char *der = NULL;
    const unsigned char *q;
    long len = 0;
    EVP_PKEY *out = NULL;

    if (!PEM_read_bio(bio, &name, &header, &der, &len) || header == NULL || header[0] != 0)
        goto done; /* an encrypted PEM has headers: never from the lib */
    q = der;
    if (kind == SE05X_KIND_EC && strcmp(name, PEM_STRING_ECPRIVATEKEY) == 0) {
        EC_KEY *k = d2i_ECPrivateKey(NULL, &q, len);
        if (k != NULL && q == der + len)
            out = ec_from_ref(e, k, priv);
        EC_KEY_free(k);
    } else if (kind == SE05X_KIND_RSA && strcmp(name, PEM_STRING_RSA) == 0) {
        RSA *r = d2i_RSAPrivateKey(NULL, &q, len);
        if (r != NULL && q == der + len)
            out = rsa_from_ref(e, r, priv);
        RSA_free(r);
    }
done:
    OPENSSL_free(name);
    OPENSSL_free(header);
    if (der != NULL)
        OPENSSL_clear_free(der, (size_t)len);
    return out;
}

static EVP_PKEY *load_key(ENGINE *e, const char *key_id, int priv)
{
    struct e4sss_ctx *c = e4sss_ctx_of_engine(e);
    struct se05x_object_info info;
    se05x_session *s;
    se05x_objid id;
    char *pem = NULL;
    size_t pemlen = 0;
    BIO *bio = NULL;
    EVP_PKEY *out = NULL;
    se05x_rc rc;

    if (c == NULL) {
        ERR_raise_data(ERR_LIB_ENGINE, ERR_R_INTERNAL_ERROR, "se05x: engine has no context");
        return NULL;
    }
    if (!e4sss_parse_key_id(c, key_id, &id) || (s = e4sss_session(c)) == NULL)
        return NULL;
    if ((rc = se05x_key_info(s, id, &info, NULL)) != SE05X_OK) {
        e4sss_err_chip(c, s, rc);
        e4sss_session_done(c, s, rc);
        return NULL;
    }
    if (info.kind != SE05X_KIND_EC && info.kind != SE05X_KIND_RSA) {
        e4sss_err(c, E4SSS_R_WRONG_KEY_TYPE, "object 0x%08X is not an EC or RSA key", id);
        e4sss_session_done(c, s, rc);
        return NULL;
    }
    if (priv && info.part == SE05X_PART_PUBLIC) {
        e4sss_err(c, E4SSS_R_WRONG_KEY_TYPE, "object 0x%08X holds only a public key", id);
        e4sss_session_done(c, s, rc);
        return NULL;
    }
    rc = se05x_refkey_from_chip(s, id, SE05X_REFKEY_SEC1, &pem, &pemlen);
    if (rc != SE05X_OK)
        e4sss_err_chip(c, s, rc);
    e4sss_session_done(c, s, rc);
    if (rc != SE05X_OK)
        return NULL;
    ERR_set_mark();
    if ((bio = BIO_new_mem_buf(pem, (int)pemlen)) != NULL)
        out = key_from_pem(e, bio, info.kind, priv);
    ERR_pop_to_mark();
    if (out == NULL)
        e4sss_err(c, E4SSS_R_INTERNAL, "cannot build an OpenSSL key for object 0x%08X", id);
    BIO_free(bio);
    /* malloc'ed by the lib: free(), not OPENSSL_free (which an application
     * may have pointed at its own allocator) */
    if (pem != NULL) {
        OPENSSL_cleanse(pem, pemlen);
        free(pem);
    }
    return out;
}

EVP_PKEY *e4sss_load_privkey(ENGINE *e, const char *key_id, UI_METHOD *ui, void *cb_data)
{
    (void)ui;
    (void)cb_data; /* no PIN: the chip's objects are used without a session */
    return load_key(e, key_id, 1);
}

EVP_PKEY *e4sss_load_pubkey(ENGINE *e, const char *key_id, UI_METHOD *ui, void *cb_data)
{
    (void)ui;
    (void)cb_data;
    return load_key(e, key_id, 0);
}
