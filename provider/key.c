/* SPDX-License-Identifier: Apache-2.0 */
/* The key object: a chip object id (+ curve / kind) and its public key,
 * cached as an EVP_PKEY in the provider's PRIVATE libctx so that public
 * operations and encodings never recurse into this provider (compat R2).
 * Keys are immutable once built and reference counted (store, decoder and
 * keymgmt hand them around by reference). */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/objects.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/decoder.h>
#include "sxp.h"

SXP_KEY *sxp_key_new(SXP_PROV *p, se05x_kind kind)
{
    SXP_KEY *k = OPENSSL_zalloc(sizeof(*k));
    if (k == NULL)
        return NULL;
    k->prov = p;
    k->refs = 1;
    k->kind = kind;
    return k;
}

SXP_KEY *sxp_key_ref(SXP_KEY *k)
{
    if (k != NULL)
        __atomic_add_fetch(&k->refs, 1, __ATOMIC_SEQ_CST);
    return k;
}

void sxp_key_free(SXP_KEY *k)
{
    if (k == NULL || __atomic_sub_fetch(&k->refs, 1, __ATOMIC_SEQ_CST) > 0)
        return;
    EVP_PKEY_free(k->pub);
    EVP_PKEY_free(k->soft);
    OPENSSL_free(k);
}

se05x_session *sxp_key_session(SXP_KEY *k)
{
    return sxp_session(k->prov, k->conn);
}

EVP_PKEY *sxp_key_info(const SXP_KEY *k)
{
    return k->soft != NULL ? k->soft : k->pub;
}

int sxp_key_check_private(SXP_KEY *k, const char *op)
{
    if (k != NULL && k->soft != NULL)
        return 1;
    if (k == NULL || !k->chip) {
        sxp_err(k ? k->prov : NULL, SXP_R_NOT_CHIP_KEY,
                "se05x: %s needs a chip key (reference key or nxp:/se05x: URI)", op);
        return 0;
    }
    if (k->public_only) {
        sxp_err(k->prov, SXP_R_NOT_CHIP_KEY, "se05x: object 0x%08X holds only a public key (%s)",
                (unsigned)k->id, op);
        return 0;
    }
    return 1;
}

EVP_PKEY *sxp_pkey_ec(SXP_PROV *p, se05x_curve c, const uint8_t *pt, size_t ptlen)
{
    int nid = se05x_curve_to_nid(c);
    const char *gname = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *pk = NULL;
    OSSL_PARAM q[3];
    if (gname == NULL)
        return NULL;
    q[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)gname, 0);
    q[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pt, ptlen);
    q[2] = OSSL_PARAM_construct_end();
    ctx = EVP_PKEY_CTX_new_from_name(p->libctx, "EC", NULL);
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0
        || EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, q) <= 0)
        pk = NULL;
    EVP_PKEY_CTX_free(ctx);
    return pk;
}

EVP_PKEY *sxp_pkey_rsa(SXP_PROV *p, const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen)
{
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *pk = NULL;
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    OSSL_PARAM *q = NULL;
    BIGNUM *bn = BN_bin2bn(n, (int)nlen, NULL), *be = BN_bin2bn(e, (int)elen, NULL);
    if (b == NULL || bn == NULL || be == NULL || !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn)
        || !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be)
        || (q = OSSL_PARAM_BLD_to_param(b)) == NULL)
        goto out;
    ctx = EVP_PKEY_CTX_new_from_name(p->libctx, "RSA", NULL);
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0
        || EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, q) <= 0)
        pk = NULL;
out:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(q);
    OSSL_PARAM_BLD_free(b);
    BN_free(bn);
    BN_free(be);
    return pk;
}

size_t sxp_ec_point(EVP_PKEY *pk, uint8_t *buf, size_t cap)
{
    size_t len = 0;
    if (pk == NULL || !EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf,
                                                       cap, &len))
        return 0;
    return len;
}

/* Public half of any EVP_PKEY, rebuilt in our libctx. */
static EVP_PKEY *sxp_public_copy(SXP_PROV *p, EVP_PKEY *src, const char *type)
{
    OSSL_PARAM *q = NULL;
    EVP_PKEY *pk = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    if (EVP_PKEY_todata(src, EVP_PKEY_PUBLIC_KEY, &q) <= 0)
        return NULL;
    ctx = EVP_PKEY_CTX_new_from_name(p->libctx, type, NULL);
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0
        || EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, q) <= 0)
        pk = NULL;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(q);
    return pk;
}

SXP_KEY *sxp_key_from_chip(SXP_PROV *p, se05x_objid id, const char *conn)
{
    struct se05x_object_info info;
    se05x_session *s;
    se05x_rc rc;
    uint8_t buf[1100], e[16];
    size_t len = 0, elen = 0;
    SXP_KEY *k = NULL;
    EVP_PKEY *pub = NULL, *chip_pub = NULL;

    memset(&info, 0, sizeof(info));
    for (int attempt = 0;; attempt++) {
        if ((s = sxp_session(p, conn)) == NULL)
            return NULL;
        /* cold start: an EC key may be known from its public key alone */
        rc = se05x_key_info(s, id, &info, &chip_pub);
        if (rc == SE05X_OK)
            break; /* s stays ours until the end */
        if (!sxp_session_end(p, s, rc, attempt, "reading the key", id))
            return NULL;
    }
    if (info.kind == SE05X_KIND_EC) {
        if (se05x_curve_to_nid(info.curve) == NID_undef) {
            sxp_err(p, SXP_R_UNSUPPORTED, "se05x: object 0x%08X is on an unsupported curve (0x%02X)",
                    (unsigned)id, (unsigned)info.curve);
            goto fail;
        }
        if (chip_pub != NULL) {
            pub = sxp_public_copy(p, chip_pub, "EC");
        } else {
            if ((rc = se05x_read_object(s, id, 0, 0, buf, sizeof(buf), &len)) != SE05X_OK) {
                goto fail_chip;
            }
            pub = sxp_pkey_ec(p, info.curve, buf, len);
        }
    } else if (info.kind == SE05X_KIND_RSA) {
        if ((rc = se05x_read_rsa_component(s, id, SE05X_RSA_COMPONENT_MODULUS, buf, sizeof(buf), &len))
                != SE05X_OK
            || (rc = se05x_read_rsa_component(s, id, SE05X_RSA_COMPONENT_PUBLIC_EXPONENT, e, sizeof(e),
                                              &elen)) != SE05X_OK) {
            goto fail_chip;
        }
        pub = sxp_pkey_rsa(p, buf, len, e, elen);
    } else {
        sxp_err(p, SXP_R_NOT_CHIP_KEY, "se05x: object 0x%08X on %s is not an EC or RSA key",
                (unsigned)id, se05x_conn(s));
        goto fail;
    }
    EVP_PKEY_free(chip_pub);
    sxp_session_end(p, s, SE05X_OK, 1, NULL, 0);
    s = NULL;
    if (pub == NULL) {
        sxp_err(p, SXP_R_BAD_KEY, "se05x: object 0x%08X: unusable public key", (unsigned)id);
        return NULL;
    }
    k = sxp_key_new(p, info.kind);
    if (k == NULL) {
        EVP_PKEY_free(pub);
        return NULL;
    }
    k->chip = 1;
    k->id = id;
    k->curve = info.curve;
    k->public_only = info.part == SE05X_PART_PUBLIC;
    k->pub = pub;
    if (conn != NULL)
        snprintf(k->conn, sizeof(k->conn), "%s", conn);
    return k;
fail_chip:
    EVP_PKEY_free(chip_pub);
    sxp_session_end(p, s, rc, 1, "reading the public key", id);
    return NULL;
fail:
    EVP_PKEY_free(chip_pub);
    sxp_session_end(p, s, SE05X_OK, 1, NULL, 0);
    return NULL;
}

/* Decodes any PEM/DER private key in our private libctx (only the default
 * provider lives there, so this can never re-enter our own decoders). */
static EVP_PKEY *sxp_decode_private(SXP_PROV *p, const uint8_t *data, size_t len)
{
    EVP_PKEY *pk = NULL;
    const unsigned char *d = data;
    size_t left = len;
    OSSL_DECODER_CTX *dc = OSSL_DECODER_CTX_new_for_pkey(&pk, NULL, NULL, NULL, EVP_PKEY_KEYPAIR,
                                                         p->libctx, NULL);
    if (dc == NULL)
        return NULL;
    if (OSSL_DECODER_from_data(dc, &d, &left) != 1) {
        EVP_PKEY_free(pk);
        pk = NULL;
    }
    OSSL_DECODER_CTX_free(dc);
    return pk;
}

SXP_KEY *sxp_key_from_refkey(SXP_PROV *p, const uint8_t *data, size_t len, const char *conn,
                             int *is_ref)
{
    struct se05x_refkey ref;
    EVP_PKEY *full = NULL, *pub = NULL;
    SXP_KEY *k;

    *is_ref = 0;
    memset(&ref, 0, sizeof(ref));
    /* Parse in our libctx, then let the lib codec decide (the only ref-key
     * logic in the project): se05x_refkey_parse() would decode through the
     * application's libctx, i.e. through these very decoders. The marker is
     * just a number to the default provider; we keep only the public half,
     * so decoding a reference key does not open the chip. */
    ERR_set_mark();
    full = sxp_decode_private(p, data, len);
    if (full != NULL && se05x_refkey_from_pkey(full, &ref)
        && (ref.kind == SE05X_KIND_EC || ref.kind == SE05X_KIND_RSA) && ref.id != 0) {
        *is_ref = 1;
        pub = sxp_public_copy(p, full, ref.kind == SE05X_KIND_EC ? "EC" : "RSA");
    }
    EVP_PKEY_free(full);
    ERR_pop_to_mark();
    if (!*is_ref)
        return NULL;
    if (pub == NULL) {
        sxp_err(p, SXP_R_BAD_KEY, "se05x: reference key for object 0x%08X has no usable public key",
                (unsigned)ref.id);
        return NULL;
    }
    k = sxp_key_new(p, ref.kind);
    if (k == NULL) {
        EVP_PKEY_free(pub);
        return NULL;
    }
    k->chip = 1;
    k->id = ref.id;
    k->curve = ref.curve;
    k->public_only = ref.public_only;
    k->pub = pub;
    k->from_ref = 1;
    if (conn != NULL)
        snprintf(k->conn, sizeof(k->conn), "%s", conn);
    return k;
}

struct se05x_check sxp_key_check(const SXP_KEY *k)
{
    struct se05x_check ck = {
        .pub = k->pub,
        .pub_source = k->from_ref ? "reference key file" : "public key read from the chip when the key was loaded",
    };
    return ck;
}

EVP_PKEY *sxp_key_marker_pkey(const SXP_KEY *k)
{
    uint8_t *der = NULL;
    size_t derlen = 0;
    EVP_PKEY *pk = NULL;
    se05x_rc rc = SE05X_E_INTERNAL;
    if (!k->chip || k->pub == NULL)
        return NULL;
    if (k->kind == SE05X_KIND_EC) {
        uint8_t pt[160];
        size_t ptlen = sxp_ec_point(k->pub, pt, sizeof(pt));
        if (ptlen > 0)
            rc = se05x_refkey_ec_der(k->id, k->curve, pt, ptlen, k->public_only, SE05X_REFKEY_PKCS8,
                                     &der, &derlen);
    } else {
        BIGNUM *n = NULL, *e = NULL;
        uint8_t nb[520], eb[16];
        if (EVP_PKEY_get_bn_param(k->pub, OSSL_PKEY_PARAM_RSA_N, &n)
            && EVP_PKEY_get_bn_param(k->pub, OSSL_PKEY_PARAM_RSA_E, &e)
            && BN_num_bytes(n) <= (int)sizeof(nb) && BN_num_bytes(e) <= (int)sizeof(eb)) {
            int nl = BN_bn2bin(n, nb), el = BN_bn2bin(e, eb);
            rc = se05x_refkey_rsa_der(k->id, nb, (size_t)nl, eb, (size_t)el, &der, &derlen);
        }
        BN_free(n);
        BN_free(e);
    }
    if (rc == SE05X_OK) {
        ERR_set_mark();
        pk = sxp_decode_private(k->prov, der, derlen);
        ERR_pop_to_mark();
    }
    OPENSSL_free(der);
    return pk;
}

SXP_KEY *sxp_key_from_public(SXP_PROV *p, se05x_kind kind, EVP_PKEY *pub)
{
    SXP_KEY *k = sxp_key_new(p, kind);
    if (k == NULL)
        return NULL;
    k->chip = 0;
    k->public_only = 1;
    k->pub = pub;
    if (kind == SE05X_KIND_EC) {
        char g[64];
        if (EVP_PKEY_get_utf8_string_param(pub, OSSL_PKEY_PARAM_GROUP_NAME, g, sizeof(g), NULL))
            k->curve = se05x_curve_from_nid(OBJ_sn2nid(g));
    }
    return k;
}

int sxp_no_export_object(void *ctx, const void *ref, size_t ref_sz, OSSL_CALLBACK *cb, void *arg)
{
    (void)ctx;
    (void)ref;
    (void)ref_sz;
    (void)cb;
    (void)arg;
    return 0;
}

int sxp_key_object_cb(SXP_KEY *k, OSSL_CALLBACK *cb, void *cbarg)
{
    int type = OSSL_OBJECT_PKEY;
    OSSL_PARAM q[4];
    q[0] = OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &type);
    q[1] = OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_TYPE,
                                            k->kind == SE05X_KIND_EC ? "EC" : "RSA", 0);
    /* the reference is the pointer itself; our keymgmt's load takes its own count */
    q[2] = OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_REFERENCE, &k, sizeof(k));
    q[3] = OSSL_PARAM_construct_end();
    return cb(q, cbarg);
}
