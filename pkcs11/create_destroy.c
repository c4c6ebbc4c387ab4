/* SPDX-License-Identifier: Apache-2.0 */
/* C_CreateObject: X.509 certificates and data objects (binary objects on the
 * chip), key import (private: pair; public: public key only). C_DestroyObject
 * deletes the SE object. A certificate goes to the id its CKA_LABEL/CKA_ID
 * name, or, when that id is taken (typically by its own key), the next free
 * id after it: it is paired with its key by public key, not by storage id.
 * Without CKA_TOKEN true an object is a session object: a transient object on
 * the chip, deleted when its session closes (docs/pkcs11.md "Session objects"). */
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <stdlib.h>
#include <string.h>

#include "p11.h"

static const CK_ATTRIBUTE *need(const CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE_TYPE type)
{
    const CK_ATTRIBUTE *a = p11_tmpl_find(t, n, type);
    return a && a->pValue && a->ulValueLen && a->ulValueLen < 65536 ? a : NULL;
}

static int push_bn(OSSL_PARAM_BLD *b, const char *name, const CK_ATTRIBUTE *a, BIGNUM **keep, int *nk)
{
    if (!a)
        return 0;
    BIGNUM *bn = BN_bin2bn(a->pValue, (int)a->ulValueLen, NULL);
    if (!bn)
        return 0;
    BN_set_flags(bn, BN_FLG_CONSTTIME);
    keep[(*nk)++] = bn;
    return OSSL_PARAM_BLD_push_BN(b, name, bn);
}

/* Builds an EVP_PKEY from key attributes. */
static CK_RV key_from_template(const CK_ATTRIBUTE *t, CK_ULONG n, int priv, EVP_PKEY **out, CK_KEY_TYPE *kt)
{
    const CK_ATTRIBUTE *ka = p11_tmpl_find(t, n, CKA_KEY_TYPE);
    if (!ka || !ka->pValue || ka->ulValueLen != sizeof(CK_KEY_TYPE))
        return CKR_TEMPLATE_INCOMPLETE;
    *kt = *(CK_KEY_TYPE *)ka->pValue;
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pc = NULL;
    BIGNUM *keep[8] = {0};
    int nk = 0;
    CK_RV rv = CKR_TEMPLATE_INCOMPLETE;
    uint8_t pub[200];
    EC_GROUP *g = NULL;
    EC_POINT *pt = NULL;
    if (!b)
        return CKR_HOST_MEMORY;
    if (*kt == CKK_EC) {
        const CK_ATTRIBUTE *par = need(t, n, CKA_EC_PARAMS);
        if (!par)
            goto out;
        se05x_curve c = p11_curve_from_params(par->pValue, par->ulValueLen);
        int nid = se05x_curve_to_nid(c);
        if (c < SE05X_EC_NIST_P192 || c > SE05X_EC_SECP256K1 || nid == NID_undef) {
            rv = CKR_CURVE_NOT_SUPPORTED;
            goto out;
        }
        g = EC_GROUP_new_by_curve_name(nid);
        if (!g || !OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, OBJ_nid2sn(nid), 0))
            goto fail;
        size_t publen = 0;
        if (priv) {
            const CK_ATTRIBUTE *v = need(t, n, CKA_VALUE);
            if (!v || !push_bn(b, OSSL_PKEY_PARAM_PRIV_KEY, v, keep, &nk))
                goto out;
            pt = EC_POINT_new(g);
            if (!pt || !EC_POINT_mul(g, pt, keep[nk - 1], NULL, NULL, NULL))
                goto fail;
            publen = EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof(pub), NULL);
        } else {
            const CK_ATTRIBUTE *v = need(t, n, CKA_EC_POINT);
            if (!v)
                goto out;
            const uint8_t *p = v->pValue;
            size_t l = v->ulValueLen;
            size_t L = se05x_curve_bytes(c);
            if (l != 1 + 2 * L && l > 3 && p[0] == 0x04) { /* DER OCTET STRING */
                size_t h = p[1] < 0x80 ? 2 : (p[1] == 0x81 ? 3 : 0);
                if (h && l > h && (h == 2 ? p[1] : p[2]) == l - h)
                    p += h, l -= h;
            }
            if (l != 1 + 2 * L || l > sizeof(pub)) {
                rv = CKR_ATTRIBUTE_VALUE_INVALID;
                goto out;
            }
            memcpy(pub, p, l);
            publen = l;
        }
        if (!publen || !OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub, publen))
            goto fail;
        pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    } else if (*kt == CKK_RSA) {
        if (!push_bn(b, OSSL_PKEY_PARAM_RSA_N, need(t, n, CKA_MODULUS), keep, &nk) ||
            !push_bn(b, OSSL_PKEY_PARAM_RSA_E, need(t, n, CKA_PUBLIC_EXPONENT), keep, &nk))
            goto out;
        if (priv && (!push_bn(b, OSSL_PKEY_PARAM_RSA_D, need(t, n, CKA_PRIVATE_EXPONENT), keep, &nk) ||
                     !push_bn(b, OSSL_PKEY_PARAM_RSA_FACTOR1, need(t, n, CKA_PRIME_1), keep, &nk) ||
                     !push_bn(b, OSSL_PKEY_PARAM_RSA_FACTOR2, need(t, n, CKA_PRIME_2), keep, &nk) ||
                     !push_bn(b, OSSL_PKEY_PARAM_RSA_EXPONENT1, need(t, n, CKA_EXPONENT_1), keep, &nk) ||
                     !push_bn(b, OSSL_PKEY_PARAM_RSA_EXPONENT2, need(t, n, CKA_EXPONENT_2), keep, &nk) ||
                     !push_bn(b, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, need(t, n, CKA_COEFFICIENT), keep, &nk)))
            goto out; /* the chip stores CRT keys: all components are needed */
        pc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    } else {
        rv = CKR_ATTRIBUTE_VALUE_INVALID;
        goto out;
    }
    params = OSSL_PARAM_BLD_to_param(b);
    if (!pc || !params || EVP_PKEY_fromdata_init(pc) <= 0 ||
        EVP_PKEY_fromdata(pc, out, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        rv = CKR_ATTRIBUTE_VALUE_INVALID;
        goto out;
    }
    rv = CKR_OK;
    goto out;
fail:
    rv = CKR_FUNCTION_FAILED;
out:
    for (int i = 0; i < nk; i++)
        BN_clear_free(keep[i]);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(b);
    EVP_PKEY_CTX_free(pc);
    EC_POINT_free(pt);
    EC_GROUP_free(g);
    return rv;
}

static CK_RV create_binary(struct p11_ctx *ctx, se05x_session *se, const CK_ATTRIBUTE *t, CK_ULONG n, int cert,
                           const struct se05x_write_opts *wo, size_t *idx)
{
    if (cert) {
        const CK_ATTRIBUTE *ct = p11_tmpl_find(t, n, CKA_CERTIFICATE_TYPE);
        if (ct && (!ct->pValue || ct->ulValueLen != sizeof(CK_CERTIFICATE_TYPE) ||
                   *(CK_CERTIFICATE_TYPE *)ct->pValue != CKC_X_509))
            return CKR_ATTRIBUTE_VALUE_INVALID;
    }
    const CK_ATTRIBUTE *v = p11_tmpl_find(t, n, CKA_VALUE);
    if (!v || !v->pValue || !v->ulValueLen)
        return CKR_TEMPLATE_INCOMPLETE;
    if (v->ulValueLen > 0x7FFF)
        return CKR_ATTRIBUTE_VALUE_INVALID;
    if (cert) {
        const unsigned char *p = v->pValue;
        X509 *x = d2i_X509(NULL, &p, (long)v->ulValueLen);
        int ok = x && p == (const unsigned char *)v->pValue + v->ulValueLen;
        X509_free(x);
        if (!ok)
            return CKR_ATTRIBUTE_VALUE_INVALID;
    }
    se05x_objid id;
    CK_RV rv = p11_tmpl_id(ctx, t, n, &id);
    if (rv != CKR_OK)
        return rv;
    int found = 0;
    for (int i = 0; i < 256 && !found; i++, id++) {
        if (id == 0 || se05x_id_is_reserved(id))
            continue;
        bool ex = true;
        se05x_rc rc = se05x_object_exists(se, id, &ex);
        if (rc != SE05X_OK)
            return p11_rv(ctx, rc);
        if (!ex) {
            found = 1;
            break;
        }
    }
    if (!found)
        return CKR_DEVICE_MEMORY;
    se05x_rc rc = se05x_write_binary(se, id, v->pValue, v->ulValueLen, wo);
    if (rc != SE05X_OK)
        return p11_rv(ctx, rc);
    return p11_entry_find(ctx, id, 1, idx);
}

CK_RV C_CreateObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
                     CK_OBJECT_HANDLE_PTR phObject)
{
    P11_ENTER_SESSION(ctx, s, hSession);
    if (!phObject || (!pTemplate && ulCount))
        P11_LEAVE(ctx, CKR_ARGUMENTS_BAD);
    const CK_ATTRIBUTE *ca = p11_tmpl_find(pTemplate, ulCount, CKA_CLASS);
    if (!ca || !ca->pValue || ca->ulValueLen != sizeof(CK_OBJECT_CLASS))
        P11_LEAVE(ctx, CKR_TEMPLATE_INCOMPLETE);
    CK_OBJECT_CLASS cls = *(CK_OBJECT_CLASS *)ca->pValue;
    int token;
    CK_RV rv = p11_tmpl_token(pTemplate, ulCount, &token);
    if (rv != CKR_OK)
        P11_LEAVE(ctx, rv);
    if (token && !(s->flags & CKF_RW_SESSION))
        P11_LEAVE(ctx, CKR_SESSION_READ_ONLY); /* session objects are allowed in a read-only session */
    if (!ctx->logged_in)
        P11_LEAVE(ctx, CKR_USER_NOT_LOGGED_IN);
    se05x_session *se = p11_chip(ctx);
    if (!se)
        P11_LEAVE(ctx, CKR_DEVICE_ERROR);
    /* CKA_TOKEN false: a transient object on the chip, deleted with the session */
    struct se05x_write_opts wo = {.policy = NULL, .transient = !token};
    struct se05x_policy lock;
    size_t idx;
    if (cls == CKO_CERTIFICATE || cls == CKO_DATA) {
        if (p11_tmpl_locked(pTemplate, ulCount, NULL, 0, SE05X_KIND_BINARY, 0, &lock))
            wo.policy = &lock; /* production lock */
        rv = create_binary(ctx, se, pTemplate, ulCount, cls == CKO_CERTIFICATE, &wo, &idx);
        if (rv == CKR_OK) {
            if (!token)
                p11_entry_own(ctx->ent[idx], hSession);
            *phObject = p11_handle(idx, P11_SUB_OTHER);
        }
        P11_LEAVE(ctx, rv);
    }
    if (cls != CKO_PRIVATE_KEY && cls != CKO_PUBLIC_KEY)
        P11_LEAVE(ctx, CKR_ATTRIBUTE_VALUE_INVALID);
    int priv = cls == CKO_PRIVATE_KEY;
    if (priv && p11_tmpl_bool(pTemplate, ulCount, CKA_EXTRACTABLE, 0))
        P11_LEAVE(ctx, CKR_TEMPLATE_INCONSISTENT);
    EVP_PKEY *pk = NULL;
    CK_KEY_TYPE kt;
    if ((rv = key_from_template(pTemplate, ulCount, priv, &pk, &kt)) != CKR_OK)
        P11_LEAVE(ctx, rv);
    se05x_objid id;
    bool exists = true;
    rv = p11_tmpl_id(ctx, pTemplate, ulCount, &id);
    se05x_rc rc = rv == CKR_OK ? se05x_object_exists(se, id, &exists) : SE05X_OK;
    if (rv == CKR_OK && rc != SE05X_OK)
        rv = p11_rv(ctx, rc);
    if (rv == CKR_OK && exists) {
        se05x_log(SE05X_LOG_ERROR, "pkcs11", "object 0x%08X already exists; not overwritten", (unsigned)id);
        rv = CKR_ATTRIBUTE_VALUE_INVALID;
    }
    struct se05x_policy pinpol;
    const struct se05x_policy *pin = priv ? p11_pin_chip_policy(ctx, &pinpol) : NULL; /* chip-held PIN */
    int locked = rv == CKR_OK &&
                 p11_tmpl_locked(pTemplate, ulCount, NULL, 0, kt == CKK_RSA ? SE05X_KIND_RSA : SE05X_KIND_EC,
                                 priv ? SE05X_PART_PAIR : SE05X_PART_PUBLIC, &lock);
    wo.policy = p11_policy_with_lock(pin, &pinpol, locked ? &lock : NULL); /* production lock */
    if (rv == CKR_OK && (rc = se05x_import_pkey(se, id, pk, !priv, &wo)) != SE05X_OK)
        rv = p11_rv(ctx, rc);
    EVP_PKEY_free(pk);
    if (rv == CKR_OK && (rv = p11_entry_find(ctx, id, 1, &idx)) == CKR_OK) {
        if (!token)
            p11_entry_own(ctx->ent[idx], hSession);
        *phObject = p11_handle(idx, priv ? P11_SUB_PRIV : P11_SUB_PUB);
    }
    P11_LEAVE(ctx, rv);
}

CK_RV C_CopyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate,
                   CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phNewObject)
{
    (void)hObject; (void)pTemplate; (void)ulCount; (void)phNewObject;
    P11_ENTER_SESSION(ctx, s, hSession);
    P11_LEAVE(ctx, CKR_ACTION_PROHIBITED); /* CKA_COPYABLE is false everywhere */
}

CK_RV C_DestroyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject)
{
    P11_ENTER_SESSION(ctx, s, hSession);
    int sub;
    struct p11_entry *e = p11_entry_from_handle(ctx, hObject, &sub);
    if (!e || (sub == P11_SUB_PRIV && !ctx->logged_in))
        P11_LEAVE(ctx, CKR_OBJECT_HANDLE_INVALID);
    if (e->host_only) {
        p11_entry_forget(e);
        P11_LEAVE(ctx, CKR_OK);
    }
    if (!e->session_obj && !(s->flags & CKF_RW_SESSION))
        P11_LEAVE(ctx, CKR_SESSION_READ_ONLY); /* session objects may go in a read-only session */
    if (!ctx->logged_in)
        P11_LEAVE(ctx, CKR_USER_NOT_LOGGED_IN);
    /* the public half of a key pair cannot go alone: the chip holds one object */
    if (sub == P11_SUB_PUB && e->info.part == SE05X_PART_PAIR)
        P11_LEAVE(ctx, CKR_ACTION_PROHIBITED);
    se05x_session *se = p11_chip(ctx);
    if (!se)
        P11_LEAVE(ctx, CKR_DEVICE_ERROR);
    se05x_rc rc = se05x_delete_object(se, e->id);
    if (rc == SE05X_E_NOT_FOUND)
        rc = SE05X_OK;
    if (rc != SE05X_OK)
        P11_LEAVE(ctx, p11_rv(ctx, rc));
    p11_entry_forget(e);
    for (size_t i = 0; i < ctx->n_ent; i++)
        ctx->ent[i]->pair_done = 0;
    P11_LEAVE(ctx, CKR_OK);
}
