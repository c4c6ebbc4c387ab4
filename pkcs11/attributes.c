/* SPDX-License-Identifier: Apache-2.0 */
/* Attribute values of the object model and template matching.
 * Private keys: CKA_SENSITIVE true, CKA_EXTRACTABLE false; secret values are
 * CKR_ATTRIBUTE_SENSITIVE; unknown attributes CKR_ATTRIBUTE_TYPE_INVALID.
 * Every attribute answer is (buffer, length) with the PKCS#11 conventions:
 * NULL buffer = length query, short buffer = CK_UNAVAILABLE_INFORMATION. */
#include <openssl/core_names.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "p11.h"

const CK_ATTRIBUTE *p11_tmpl_find(const CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE_TYPE type)
{
    for (CK_ULONG i = 0; t && i < n; i++)
        if (t[i].type == type)
            return &t[i];
    return NULL;
}

int p11_tmpl_bool(const CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE_TYPE type, int dflt)
{
    const CK_ATTRIBUTE *a = p11_tmpl_find(t, n, type);
    if (!a || !a->pValue || a->ulValueLen != sizeof(CK_BBOOL))
        return dflt;
    return *(const CK_BBOOL *)a->pValue != CK_FALSE;
}

se05x_curve p11_curve_from_params(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    ASN1_OBJECT *o = d2i_ASN1_OBJECT(NULL, &p, (long)len);
    if (!o)
        return SE05X_EC_NONE;
    int nid = OBJ_obj2nid(o);
    ASN1_OBJECT_free(o);
    return nid == NID_undef ? SE05X_EC_NONE : se05x_curve_from_nid(nid);
}

static CK_RV put(CK_ATTRIBUTE *a, const void *v, size_t len)
{
    if (!a->pValue) {
        a->ulValueLen = len;
        return CKR_OK;
    }
    if (a->ulValueLen < len) {
        a->ulValueLen = CK_UNAVAILABLE_INFORMATION;
        return CKR_BUFFER_TOO_SMALL;
    }
    if (len)
        memcpy(a->pValue, v, len);
    a->ulValueLen = len;
    return CKR_OK;
}

static CK_RV put_ulong(CK_ATTRIBUTE *a, CK_ULONG v) { return put(a, &v, sizeof(v)); }
static CK_RV put_bool(CK_ATTRIBUTE *a, int v)
{
    CK_BBOOL b = v ? CK_TRUE : CK_FALSE;
    return put(a, &b, sizeof(b));
}
static CK_RV put_id(CK_ATTRIBUTE *a, se05x_objid id)
{
    uint8_t b[4] = {(uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id};
    return put(a, b, 4);
}
static CK_RV put_label(CK_ATTRIBUTE *a, se05x_objid id)
{
    char l[13];
    p11_id_label(id, l);
    return put(a, l, strlen(l));
}
static CK_RV unavailable(CK_ATTRIBUTE *a, CK_RV rv)
{
    a->ulValueLen = CK_UNAVAILABLE_INFORMATION;
    return rv;
}
/* i2d output of OpenSSL into the attribute. Call it only after the i2d call
 * has returned (a separate statement): the buffer and the length it fills
 * must never be two arguments of one call, whose evaluation order C leaves
 * open (clang reads the still-NULL buffer first). */
static CK_RV put_der(CK_ATTRIBUTE *a, unsigned char *der, int len)
{
    if (len < 0 || (len > 0 && !der)) {
        OPENSSL_free(der);
        return unavailable(a, CKR_FUNCTION_FAILED);
    }
    CK_RV rv = put(a, der, (size_t)len);
    OPENSSL_free(der);
    return rv;
}
static CK_RV put_bn(CK_ATTRIBUTE *a, const EVP_PKEY *pk, const char *name)
{
    BIGNUM *bn = NULL;
    if (!EVP_PKEY_get_bn_param(pk, name, &bn))
        return unavailable(a, CKR_FUNCTION_FAILED);
    size_t n = (size_t)BN_num_bytes(bn);
    uint8_t *b = malloc(n ? n : 1);
    if (!b) {
        BN_free(bn);
        return unavailable(a, CKR_HOST_MEMORY);
    }
    BN_bn2bin(bn, b);
    CK_RV rv = put(a, b, n);
    free(b);
    BN_free(bn);
    return rv;
}

static CK_RV ec_params(CK_ATTRIBUTE *a, se05x_curve c)
{
    int nid = se05x_curve_to_nid(c);
    ASN1_OBJECT *o = nid == NID_undef ? NULL : OBJ_nid2obj(nid);
    if (!o)
        return unavailable(a, CKR_FUNCTION_FAILED);
    unsigned char *der = NULL;
    int len = i2d_ASN1_OBJECT(o, &der);
    return put_der(a, der, len);
}

static CK_RV ec_point(CK_ATTRIBUTE *a, const EVP_PKEY *pk)
{
    uint8_t pt[200];
    size_t n = 0;
    if (!EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &n))
        return unavailable(a, CKR_FUNCTION_FAILED);
    /* DER OCTET STRING around 04||X||Y (PKCS#11 2.40 form) */
    uint8_t der[210];
    size_t h = 0;
    der[h++] = 0x04;
    if (n < 128) {
        der[h++] = (uint8_t)n;
    } else {
        der[h++] = 0x81;
        der[h++] = (uint8_t)n;
    }
    memcpy(der + h, pt, n);
    return put(a, der, h + n);
}

static const CK_MECHANISM_TYPE ec_mechs[] = {CKM_ECDSA, CKM_ECDSA_SHA1, CKM_ECDSA_SHA224, CKM_ECDSA_SHA256,
                                             CKM_ECDSA_SHA384, CKM_ECDSA_SHA512, CKM_ECDH1_DERIVE};
static const CK_MECHANISM_TYPE rsa_mechs[] = {
    CKM_RSA_PKCS, CKM_SHA1_RSA_PKCS, CKM_SHA224_RSA_PKCS, CKM_SHA256_RSA_PKCS, CKM_SHA384_RSA_PKCS,
    CKM_SHA512_RSA_PKCS, CKM_RSA_PKCS_PSS, CKM_SHA1_RSA_PKCS_PSS, CKM_SHA224_RSA_PKCS_PSS,
    CKM_SHA256_RSA_PKCS_PSS, CKM_SHA384_RSA_PKCS_PSS, CKM_SHA512_RSA_PKCS_PSS, CKM_RSA_PKCS_OAEP};

/* Attributes every key (private and public) has. Returns CKR_ATTRIBUTE_TYPE_INVALID
 * (without touching a) for attributes it does not know. */
static CK_RV key_common(struct p11_ctx *ctx, struct p11_entry *e, CK_ATTRIBUTE *a)
{
    int ec = e->info.kind == SE05X_KIND_EC;
    CK_RV rv;
    switch (a->type) {
    case CKA_KEY_TYPE: return put_ulong(a, ec ? CKK_EC : CKK_RSA);
    case CKA_ID: return put_id(a, e->id);
    case CKA_LABEL: return put_label(a, e->id);
    case CKA_START_DATE:
    case CKA_END_DATE: return put(a, "", 0);
    case CKA_DERIVE: return put_bool(a, ec); /* p11test wants it on both halves */
    case CKA_LOCAL: return put_bool(a, 0); /* origin not tracked: honest "not known to be local" */
    case CKA_KEY_GEN_MECHANISM: return put_ulong(a, CK_UNAVAILABLE_INFORMATION);
    case CKA_ALLOWED_MECHANISMS:
        return ec ? put(a, ec_mechs, sizeof(ec_mechs)) : put(a, rsa_mechs, sizeof(rsa_mechs));
    case CKA_SUBJECT: return put(a, "", 0);
    case CKA_MODULUS_BITS:
        if (ec)
            return CKR_ATTRIBUTE_TYPE_INVALID;
        return put_ulong(a, e->info.bits);
    case CKA_EC_PARAMS:
        if (!ec)
            return CKR_ATTRIBUTE_TYPE_INVALID;
        return ec_params(a, e->info.curve);
    case CKA_EC_POINT:
    case CKA_MODULUS:
    case CKA_PUBLIC_EXPONENT:
    case CKA_PUBLIC_KEY_INFO:
        if (ec != (a->type == CKA_EC_POINT) && a->type != CKA_PUBLIC_KEY_INFO)
            return CKR_ATTRIBUTE_TYPE_INVALID;
        if ((rv = p11_entry_pubkey(ctx, e)) != CKR_OK)
            return unavailable(a, rv == CKR_KEY_TYPE_INCONSISTENT ? CKR_ATTRIBUTE_TYPE_INVALID : rv);
        if (a->type == CKA_EC_POINT)
            return ec_point(a, e->pub);
        if (a->type == CKA_MODULUS)
            return put_bn(a, e->pub, OSSL_PKEY_PARAM_RSA_N);
        if (a->type == CKA_PUBLIC_EXPONENT)
            return put_bn(a, e->pub, OSSL_PKEY_PARAM_RSA_E);
        {
            unsigned char *der = NULL;
            int len = i2d_PUBKEY(e->pub, &der);
            return put_der(a, der, len);
        }
    default: return CKR_ATTRIBUTE_TYPE_INVALID;
    }
}

static CK_RV priv_attr(struct p11_ctx *ctx, struct p11_entry *e, CK_ATTRIBUTE *a)
{
    int rsa = e->info.kind == SE05X_KIND_RSA;
    switch (a->type) {
    case CKA_CLASS: return put_ulong(a, CKO_PRIVATE_KEY);
    case CKA_PRIVATE:
    case CKA_SENSITIVE:
    case CKA_ALWAYS_SENSITIVE:
    case CKA_NEVER_EXTRACTABLE:
    case CKA_SIGN: return put_bool(a, 1);
    case CKA_DECRYPT: return put_bool(a, rsa);
    case CKA_EXTRACTABLE:
    case CKA_SIGN_RECOVER:
    case CKA_UNWRAP:
    case CKA_WRAP_WITH_TRUSTED:
    case CKA_ALWAYS_AUTHENTICATE: return put_bool(a, 0);
    case CKA_VALUE:
    case CKA_PRIVATE_EXPONENT:
    case CKA_PRIME_1:
    case CKA_PRIME_2:
    case CKA_EXPONENT_1:
    case CKA_EXPONENT_2:
    case CKA_COEFFICIENT:
        if (a->type != CKA_VALUE && !rsa)
            return unavailable(a, CKR_ATTRIBUTE_TYPE_INVALID);
        return unavailable(a, CKR_ATTRIBUTE_SENSITIVE);
    default: {
        CK_RV rv = key_common(ctx, e, a);
        return rv == CKR_ATTRIBUTE_TYPE_INVALID ? unavailable(a, rv) : rv;
    }
    }
}

static CK_RV pub_attr(struct p11_ctx *ctx, struct p11_entry *e, CK_ATTRIBUTE *a)
{
    int rsa = e->info.kind == SE05X_KIND_RSA;
    switch (a->type) {
    case CKA_CLASS: return put_ulong(a, CKO_PUBLIC_KEY);
    case CKA_PRIVATE:
    case CKA_WRAP:
    case CKA_VERIFY_RECOVER:
    case CKA_TRUSTED: return put_bool(a, 0);
    case CKA_ENCRYPT: return put_bool(a, rsa);
    case CKA_VERIFY: return put_bool(a, 1);
    case CKA_SENSITIVE: return put_bool(a, 0);
    case CKA_EXTRACTABLE: return put_bool(a, 1);
    default: {
        CK_RV rv = key_common(ctx, e, a);
        return rv == CKR_ATTRIBUTE_TYPE_INVALID ? unavailable(a, rv) : rv;
    }
    }
}

static CK_RV cert_attr(struct p11_ctx *ctx, struct p11_entry *e, CK_ATTRIBUTE *a)
{
    CK_RV rv;
    unsigned char *der = NULL;
    int len;
    X509 *x = e->x509;
    switch (a->type) {
    case CKA_CLASS: return put_ulong(a, CKO_CERTIFICATE);
    case CKA_CERTIFICATE_TYPE: return put_ulong(a, CKC_X_509);
    case CKA_PRIVATE:
    case CKA_TRUSTED: return put_bool(a, 0);
    case CKA_CERTIFICATE_CATEGORY: return put_ulong(a, 0);
    case CKA_JAVA_MIDP_SECURITY_DOMAIN: return put_ulong(a, 0);
    case CKA_NAME_HASH_ALGORITHM: return put_ulong(a, CKM_SHA_1);
    case CKA_START_DATE:
    case CKA_END_DATE:
    case CKA_URL:
    case CKA_HASH_OF_SUBJECT_PUBLIC_KEY:
    case CKA_HASH_OF_ISSUER_PUBLIC_KEY: return put(a, "", 0);
    case CKA_ID:
    case CKA_LABEL:
        if ((rv = p11_entry_pairing(ctx, e)) != CKR_OK)
            return unavailable(a, rv);
        return a->type == CKA_ID ? put_id(a, p11_entry_label_id(e)) : put_label(a, p11_entry_label_id(e));
    case CKA_VALUE: return put(a, e->bin, e->bin_len);
    case CKA_CHECK_VALUE: {
        uint8_t md[SHA_DIGEST_LENGTH];
        SHA1(e->bin, e->bin_len, md);
        return put(a, md, 3);
    }
    case CKA_SUBJECT: len = i2d_X509_NAME(X509_get_subject_name(x), &der); break;
    case CKA_ISSUER: len = i2d_X509_NAME(X509_get_issuer_name(x), &der); break;
    case CKA_SERIAL_NUMBER: len = i2d_ASN1_INTEGER(X509_get_serialNumber(x), &der); break;
    case CKA_PUBLIC_KEY_INFO: len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der); break;
    default: return unavailable(a, CKR_ATTRIBUTE_TYPE_INVALID);
    }
    return put_der(a, der, len); /* sequenced after the i2d call above */
}

static CK_RV data_attr(struct p11_entry *e, CK_ATTRIBUTE *a)
{
    switch (a->type) {
    case CKA_CLASS: return put_ulong(a, CKO_DATA);
    case CKA_PRIVATE: return put_bool(a, 0);
    case CKA_LABEL: return put_label(a, e->id);
    case CKA_ID: return put_id(a, e->id); /* vendor extension: data objects have no CKA_ID */
    case CKA_APPLICATION: return put(a, "", 0);
    case CKA_OBJECT_ID: return put(a, "", 0);
    case CKA_VALUE:
        if (!e->bin)
            return unavailable(a, CKR_ATTRIBUTE_SENSITIVE); /* read denied by policy */
        return put(a, e->bin, e->bin_len);
    default: return unavailable(a, CKR_ATTRIBUTE_TYPE_INVALID);
    }
}

static CK_RV secret_attr(struct p11_entry *e, CK_ATTRIBUTE *a)
{
    switch (a->type) {
    case CKA_CLASS: return put_ulong(a, CKO_SECRET_KEY);
    case CKA_KEY_TYPE: return put_ulong(a, CKK_GENERIC_SECRET);
    case CKA_TOKEN:
    case CKA_PRIVATE:
    case CKA_LOCAL:
    case CKA_ENCRYPT:
    case CKA_DECRYPT:
    case CKA_SIGN:
    case CKA_VERIFY:
    case CKA_WRAP:
    case CKA_UNWRAP:
    case CKA_DERIVE:
    case CKA_MODIFIABLE:
    case CKA_COPYABLE:
    case CKA_TRUSTED:
    case CKA_WRAP_WITH_TRUSTED: return put_bool(a, 0);
    case CKA_DESTROYABLE: return put_bool(a, 1);
    case CKA_SENSITIVE:
    case CKA_ALWAYS_SENSITIVE: return put_bool(a, e->s_sensitive);
    case CKA_EXTRACTABLE: return put_bool(a, e->s_extractable);
    case CKA_NEVER_EXTRACTABLE: return put_bool(a, !e->s_extractable);
    case CKA_VALUE_LEN: return put_ulong(a, e->secret_len);
    case CKA_ID:
    case CKA_LABEL:
    case CKA_START_DATE:
    case CKA_END_DATE: return put(a, "", 0);
    case CKA_KEY_GEN_MECHANISM: return put_ulong(a, CKM_ECDH1_DERIVE);
    case CKA_VALUE:
        if (e->s_sensitive || !e->s_extractable)
            return unavailable(a, CKR_ATTRIBUTE_SENSITIVE);
        return put(a, e->secret, e->secret_len);
    default: return unavailable(a, CKR_ATTRIBUTE_TYPE_INVALID);
    }
}

CK_RV p11_attr_get(struct p11_ctx *ctx, struct p11_entry *e, int sub, CK_ATTRIBUTE *a)
{
    if (e->host_only)
        return secret_attr(e, a);
    /* attributes common to every token object */
    switch (a->type) {
    case CKA_TOKEN: return put_bool(a, !e->session_obj);
    case CKA_MODIFIABLE:
    case CKA_COPYABLE: return put_bool(a, 0);
    case CKA_DESTROYABLE: { /* the public half of a pair goes only with its private key */
        if (sub == P11_SUB_PUB && e->info.part == SE05X_PART_PAIR)
            return put_bool(a, 0);
        if (!e->session_obj) {
            CK_RV rv = p11_entry_lock(ctx, e);
            if (rv != CKR_OK)
                return unavailable(a, rv);
        }
        return put_bool(a, !e->locked);
    }
    default: break;
    }
    if (sub == P11_SUB_PRIV)
        return priv_attr(ctx, e, a);
    if (sub == P11_SUB_PUB)
        return pub_attr(ctx, e, a);
    CK_RV rv = p11_entry_binary(ctx, e);
    if (rv != CKR_OK)
        return unavailable(a, rv);
    return e->x509 ? cert_attr(ctx, e, a) : data_attr(e, a);
}

/* One template attribute against the object; label by id semantics
 * (sss:<hex> with or without 0x, case-insensitive; other labels hashed). */
static int match_one(struct p11_ctx *ctx, struct p11_entry *e, int sub, const CK_ATTRIBUTE *t)
{
    if (t->type == CKA_LABEL && !e->host_only) {
        se05x_objid want;
        if (!t->pValue || p11_label_to_id(ctx, t->pValue, t->ulValueLen, &want) != 0)
            return 0;
        if (sub == P11_SUB_OTHER && p11_entry_binary(ctx, e) == CKR_OK && e->x509 &&
            p11_entry_pairing(ctx, e) == CKR_OK)
            return p11_entry_label_id(e) == want;
        return e->id == want;
    }
    CK_ATTRIBUTE a = {t->type, NULL, 0};
    if (p11_attr_get(ctx, e, sub, &a) != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
        return 0;
    if (a.ulValueLen != t->ulValueLen)
        return 0;
    if (a.ulValueLen == 0)
        return 1;
    if (!t->pValue)
        return 0;
    uint8_t stackbuf[64];
    uint8_t *buf = a.ulValueLen <= sizeof(stackbuf) ? stackbuf : malloc(a.ulValueLen);
    if (!buf)
        return 0;
    a.pValue = buf;
    int ok = p11_attr_get(ctx, e, sub, &a) == CKR_OK && a.ulValueLen == t->ulValueLen &&
             memcmp(buf, t->pValue, a.ulValueLen) == 0;
    if (buf != stackbuf)
        free(buf);
    return ok;
}

int p11_attr_match(struct p11_ctx *ctx, struct p11_entry *e, int sub, const CK_ATTRIBUTE *tmpl,
                   CK_ULONG n)
{
    /* cheap attributes first, so class mismatches never touch the chip */
    static const CK_ATTRIBUTE_TYPE cheap[] = {CKA_CLASS, CKA_TOKEN, CKA_PRIVATE, CKA_KEY_TYPE,
                                              CKA_CERTIFICATE_TYPE};
    for (size_t c = 0; c < sizeof(cheap) / sizeof(cheap[0]); c++) {
        const CK_ATTRIBUTE *t = p11_tmpl_find(tmpl, n, cheap[c]);
        if (t && !match_one(ctx, e, sub, t))
            return 0;
    }
    for (CK_ULONG i = 0; i < n; i++) {
        int is_cheap = 0;
        for (size_t c = 0; c < sizeof(cheap) / sizeof(cheap[0]); c++)
            is_cheap |= tmpl[i].type == cheap[c];
        if (!is_cheap && !match_one(ctx, e, sub, &tmpl[i]))
            return 0;
    }
    return 1;
}

CK_RV C_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate,
                          CK_ULONG ulCount)
{
    P11_ENTER_SESSION(ctx, s, hSession);
    if (!pTemplate && ulCount)
        P11_LEAVE(ctx, CKR_ARGUMENTS_BAD);
    int sub;
    struct p11_entry *e = p11_entry_from_handle(ctx, hObject, &sub);
    if (!e || (sub == P11_SUB_PRIV && !ctx->logged_in))
        P11_LEAVE(ctx, CKR_OBJECT_HANDLE_INVALID);
    CK_RV result = CKR_OK;
    for (CK_ULONG i = 0; i < ulCount; i++) {
        CK_RV rv = p11_attr_get(ctx, e, sub, &pTemplate[i]);
        if (rv == CKR_OK)
            continue;
        if (rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_BUFFER_TOO_SMALL) {
            if (result == CKR_OK)
                result = rv;
            continue;
        }
        P11_LEAVE(ctx, rv); /* device error */
    }
    P11_LEAVE(ctx, result);
}

CK_RV C_SetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate,
                          CK_ULONG ulCount)
{
    (void)hObject; (void)pTemplate; (void)ulCount;
    P11_ENTER_SESSION(ctx, s, hSession);
    P11_LEAVE(ctx, CKR_ATTRIBUTE_READ_ONLY); /* CKA_MODIFIABLE is false everywhere */
}

CK_RV C_GetObjectSize(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ULONG_PTR pulSize)
{
    P11_ENTER_SESSION(ctx, s, hSession);
    if (!pulSize)
        P11_LEAVE(ctx, CKR_ARGUMENTS_BAD);
    struct p11_entry *e = p11_entry_from_handle(ctx, hObject, NULL);
    if (!e)
        P11_LEAVE(ctx, CKR_OBJECT_HANDLE_INVALID);
    *pulSize = e->host_only ? e->secret_len : (e->info.size ? e->info.size : CK_UNAVAILABLE_INFORMATION);
    P11_LEAVE(ctx, CKR_OK);
}
