/* SPDX-License-Identifier: Apache-2.0 */
/* CKM_ECDH1_DERIVE (KDF CKD_NULL): ECDHGenerateSharedSecret on the chip; the
 * shared X coordinate becomes a session CKO_SECRET_KEY (CKK_GENERIC_SECRET)
 * held in host memory and destroyed with its session. */
#include <stdlib.h>
#include <string.h>

#include "p11.h"

CK_RV C_DeriveKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hBaseKey,
                  CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey)
{
    P11_ENTER_SESSION(ctx, s, hSession);
    if (!pMechanism || !phKey || (!pTemplate && ulAttributeCount))
        P11_LEAVE(ctx, CKR_ARGUMENTS_BAD);
    if (pMechanism->mechanism != CKM_ECDH1_DERIVE)
        P11_LEAVE(ctx, CKR_MECHANISM_INVALID);
    if (!pMechanism->pParameter || pMechanism->ulParameterLen != sizeof(CK_ECDH1_DERIVE_PARAMS))
        P11_LEAVE(ctx, CKR_MECHANISM_PARAM_INVALID);
    const CK_ECDH1_DERIVE_PARAMS *p = pMechanism->pParameter;
    if (p->kdf != CKD_NULL || p->ulSharedDataLen || !p->pPublicData)
        P11_LEAVE(ctx, CKR_MECHANISM_PARAM_INVALID);
    size_t idx;
    CK_RV rv = p11_key_for_op(ctx, hBaseKey, 1, &idx);
    if (rv != CKR_OK)
        P11_LEAVE(ctx, rv);
    struct p11_entry *k = ctx->ent[idx];
    if (k->info.kind != SE05X_KIND_EC)
        P11_LEAVE(ctx, CKR_KEY_TYPE_INCONSISTENT);
    if (p11_tmpl_bool(pTemplate, ulAttributeCount, CKA_TOKEN, 0))
        P11_LEAVE(ctx, CKR_TEMPLATE_INCONSISTENT); /* derived secrets are session objects */
    const CK_ATTRIBUTE *cls = p11_tmpl_find(pTemplate, ulAttributeCount, CKA_CLASS);
    if (cls && (!cls->pValue || cls->ulValueLen != sizeof(CK_OBJECT_CLASS) ||
                *(CK_OBJECT_CLASS *)cls->pValue != CKO_SECRET_KEY))
        P11_LEAVE(ctx, CKR_TEMPLATE_INCONSISTENT);
    const CK_ATTRIBUTE *kt = p11_tmpl_find(pTemplate, ulAttributeCount, CKA_KEY_TYPE);
    if (kt && (!kt->pValue || kt->ulValueLen != sizeof(CK_KEY_TYPE) ||
               *(CK_KEY_TYPE *)kt->pValue != CKK_GENERIC_SECRET))
        P11_LEAVE(ctx, CKR_TEMPLATE_INCONSISTENT);

    /* peer point: raw 04||X||Y or its DER OCTET STRING */
    size_t L = se05x_curve_bytes(k->info.curve);
    const uint8_t *pt = p->pPublicData;
    size_t ptlen = p->ulPublicDataLen;
    if (ptlen > 3 && pt[0] == 0x04 && ptlen != 1 + 2 * L) {
        size_t h = pt[1] < 0x80 ? 2 : (pt[1] == 0x81 ? 3 : 0);
        if (h && ptlen > h && (h == 2 ? pt[1] : pt[2]) == ptlen - h) {
            pt += h;
            ptlen -= h;
        }
    }
    if (ptlen != 1 + 2 * L || pt[0] != 0x04)
        P11_LEAVE(ctx, CKR_MECHANISM_PARAM_INVALID);
    se05x_session *se = p11_chip(ctx);
    if (!se)
        P11_LEAVE(ctx, CKR_DEVICE_ERROR);
    uint8_t secret[80];
    size_t sl = 0;
    se05x_rc rc = se05x_ecdh(se, k->id, pt, ptlen, secret, sizeof(secret), &sl);
    if (rc == SE05X_E_WRONG_DATA)
        P11_LEAVE(ctx, CKR_MECHANISM_PARAM_INVALID);
    if (rc != SE05X_OK)
        P11_LEAVE(ctx, p11_key_rv(ctx, k, rc));
    const CK_ATTRIBUTE *vl = p11_tmpl_find(pTemplate, ulAttributeCount, CKA_VALUE_LEN);
    if (vl) {
        if (!vl->pValue || vl->ulValueLen != sizeof(CK_ULONG) || *(CK_ULONG *)vl->pValue == 0 ||
            *(CK_ULONG *)vl->pValue > sl) {
            OPENSSL_cleanse(secret, sizeof(secret));
            P11_LEAVE(ctx, CKR_ATTRIBUTE_VALUE_INVALID);
        }
        sl = *(CK_ULONG *)vl->pValue;
    }
    size_t ni;
    rv = p11_entry_add_host(ctx, &ni);
    if (rv == CKR_OK) {
        struct p11_entry *e = ctx->ent[ni];
        e->secret = malloc(sl);
        if (!e->secret) {
            p11_entry_forget(e);
            rv = CKR_HOST_MEMORY;
        } else {
            memcpy(e->secret, secret, sl);
            e->secret_len = sl;
            e->owner = hSession;
            e->s_sensitive = p11_tmpl_bool(pTemplate, ulAttributeCount, CKA_SENSITIVE, 0) ? CK_TRUE : CK_FALSE;
            e->s_extractable = p11_tmpl_bool(pTemplate, ulAttributeCount, CKA_EXTRACTABLE, 1) ? CK_TRUE : CK_FALSE;
            *phKey = p11_handle(ni, P11_SUB_OTHER);
        }
    }
    OPENSSL_cleanse(secret, sizeof(secret));
    P11_LEAVE(ctx, rv);
}

CK_RV C_WrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hWrappingKey,
                CK_OBJECT_HANDLE hKey, CK_BYTE_PTR pWrappedKey, CK_ULONG_PTR pulWrappedKeyLen)
{
    (void)hSession; (void)pMechanism; (void)hWrappingKey; (void)hKey; (void)pWrappedKey; (void)pulWrappedKeyLen;
    return p11_not_supported();
}

CK_RV C_UnwrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hUnwrappingKey,
                  CK_BYTE_PTR pWrappedKey, CK_ULONG ulWrappedKeyLen, CK_ATTRIBUTE_PTR pTemplate,
                  CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey)
{
    (void)hSession; (void)pMechanism; (void)hUnwrappingKey; (void)pWrappedKey; (void)ulWrappedKeyLen;
    (void)pTemplate; (void)ulAttributeCount; (void)phKey;
    return p11_not_supported();
}
