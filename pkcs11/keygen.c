/* SPDX-License-Identifier: Apache-2.0 */
/* On-chip key pair generation: CKM_EC_KEY_PAIR_GEN (CKA_EC_PARAMS) and
 * CKM_RSA_PKCS_KEY_PAIR_GEN (CKA_MODULUS_BITS, e = 65537). The object id
 * comes from the private template's CKA_LABEL / CKA_ID, else the public
 * template's, else a random free id (docs/pkcs11.md "Labels and ids"). An
 * existing object is never overwritten. Without CKA_TOKEN true the pair is a
 * session object: a transient object on the chip, deleted with its session. */
#include <string.h>

#include "p11.h"

static int names_id(const CK_ATTRIBUTE *t, CK_ULONG n)
{
    const CK_ATTRIBUTE *l = p11_tmpl_find(t, n, CKA_LABEL), *i = p11_tmpl_find(t, n, CKA_ID);
    return (l && l->ulValueLen) || (i && i->ulValueLen);
}

CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                        CK_ATTRIBUTE_PTR pPublicKeyTemplate, CK_ULONG ulPublicKeyAttributeCount,
                        CK_ATTRIBUTE_PTR pPrivateKeyTemplate, CK_ULONG ulPrivateKeyAttributeCount,
                        CK_OBJECT_HANDLE_PTR phPublicKey, CK_OBJECT_HANDLE_PTR phPrivateKey)
{
    P11_ENTER_SESSION(ctx, s, hSession);
    if (!pMechanism || !phPublicKey || !phPrivateKey || (!pPublicKeyTemplate && ulPublicKeyAttributeCount) ||
        (!pPrivateKeyTemplate && ulPrivateKeyAttributeCount))
        P11_LEAVE(ctx, CKR_ARGUMENTS_BAD);
    if (pMechanism->mechanism != CKM_EC_KEY_PAIR_GEN && pMechanism->mechanism != CKM_RSA_PKCS_KEY_PAIR_GEN)
        P11_LEAVE(ctx, CKR_MECHANISM_INVALID);
    const CK_ATTRIBUTE *pub = pPublicKeyTemplate, *prv = pPrivateKeyTemplate;
    CK_ULONG npub = ulPublicKeyAttributeCount, nprv = ulPrivateKeyAttributeCount;
    /* The chip holds the pair as one object: token or session object for both
     * halves. The private template decides, else the public one, else false
     * (v2.40 section 4.4); two different explicit values cannot be met. */
    int tok_pub, tok_prv;
    CK_RV rv = p11_tmpl_token(pub, npub, &tok_pub);
    if (rv == CKR_OK)
        rv = p11_tmpl_token(prv, nprv, &tok_prv);
    if (rv != CKR_OK)
        P11_LEAVE(ctx, rv);
    int has_pub = p11_tmpl_find(pub, npub, CKA_TOKEN) != NULL;
    int has_prv = p11_tmpl_find(prv, nprv, CKA_TOKEN) != NULL;
    if (has_pub && has_prv && tok_pub != tok_prv)
        P11_LEAVE(ctx, CKR_TEMPLATE_INCONSISTENT);
    int token = has_prv ? tok_prv : tok_pub;
    if (token && !(s->flags & CKF_RW_SESSION))
        P11_LEAVE(ctx, CKR_SESSION_READ_ONLY); /* session objects are allowed in a read-only session */
    if (!ctx->logged_in)
        P11_LEAVE(ctx, CKR_USER_NOT_LOGGED_IN);
    if (p11_tmpl_bool(prv, nprv, CKA_EXTRACTABLE, 0))
        P11_LEAVE(ctx, CKR_TEMPLATE_INCONSISTENT); /* keys live on the chip, never extractable */

    se05x_curve curve = SE05X_EC_NONE;
    CK_ULONG bits = 0;
    if (pMechanism->mechanism == CKM_EC_KEY_PAIR_GEN) {
        const CK_ATTRIBUTE *p = p11_tmpl_find(pub, npub, CKA_EC_PARAMS);
        if (!p)
            p = p11_tmpl_find(prv, nprv, CKA_EC_PARAMS);
        if (!p || !p->pValue)
            P11_LEAVE(ctx, CKR_TEMPLATE_INCOMPLETE);
        curve = p11_curve_from_params(p->pValue, p->ulValueLen);
        if (curve < SE05X_EC_NIST_P192 || curve > SE05X_EC_SECP256K1)
            P11_LEAVE(ctx, CKR_CURVE_NOT_SUPPORTED);
    } else {
        const CK_ATTRIBUTE *b = p11_tmpl_find(pub, npub, CKA_MODULUS_BITS);
        if (!b || !b->pValue || b->ulValueLen != sizeof(CK_ULONG))
            P11_LEAVE(ctx, CKR_TEMPLATE_INCOMPLETE);
        bits = *(CK_ULONG *)b->pValue;
        if (bits != 1024 && bits != 2048 && bits != 3072 && bits != 4096)
            P11_LEAVE(ctx, CKR_ATTRIBUTE_VALUE_INVALID);
        const CK_ATTRIBUTE *e = p11_tmpl_find(pub, npub, CKA_PUBLIC_EXPONENT);
        if (e && e->ulValueLen) {
            static const uint8_t f4[] = {0x01, 0x00, 0x01};
            const uint8_t *v = e->pValue;
            size_t l = e->ulValueLen;
            while (v && l > 3 && *v == 0)
                v++, l--;
            if (!v || l != 3 || memcmp(v, f4, 3) != 0)
                P11_LEAVE(ctx, CKR_ATTRIBUTE_VALUE_INVALID); /* the chip generates e = 65537 */
        }
    }
    se05x_objid id;
    rv = names_id(prv, nprv) || !names_id(pub, npub) ? p11_tmpl_id(ctx, prv, nprv, &id)
                                                      : p11_tmpl_id(ctx, pub, npub, &id);
    if (rv != CKR_OK)
        P11_LEAVE(ctx, rv);
    se05x_session *se = p11_chip(ctx);
    if (!se)
        P11_LEAVE(ctx, CKR_DEVICE_ERROR);
    bool exists = false;
    se05x_rc rc = se05x_object_exists(se, id, &exists);
    if (rc != SE05X_OK)
        P11_LEAVE(ctx, p11_rv(ctx, rc));
    if (exists) {
        se05x_log(SE05X_LOG_ERROR, "pkcs11", "object 0x%08X already exists; not overwritten", (unsigned)id);
        P11_LEAVE(ctx, CKR_ATTRIBUTE_VALUE_INVALID);
    }
    struct se05x_write_opts wo = {.policy = NULL, .transient = !token};
    struct se05x_policy lock, pinpol;
    const struct se05x_policy *pin = p11_pin_chip_policy(ctx, &pinpol); /* chip-held PIN: its session only */
    int locked = p11_tmpl_locked(pub, npub, prv, nprv, curve != SE05X_EC_NONE ? SE05X_KIND_EC : SE05X_KIND_RSA,
                                 SE05X_PART_PAIR, &lock);
    wo.policy = p11_policy_with_lock(pin, &pinpol, locked ? &lock : NULL); /* production lock */
    if (curve != SE05X_EC_NONE) {
        rc = se05x_ensure_curve(se, curve);
        if (rc == SE05X_OK)
            rc = se05x_ec_generate(se, id, curve, &wo);
    } else {
        rc = se05x_rsa_generate(se, id, (unsigned)bits, &wo);
    }
    if (rc != SE05X_OK)
        P11_LEAVE(ctx, p11_rv(ctx, rc));
    size_t idx;
    rv = p11_entry_find(ctx, id, 1, &idx);
    if (rv != CKR_OK)
        P11_LEAVE(ctx, rv);
    if (!token)
        p11_entry_own(ctx->ent[idx], hSession);
    *phPublicKey = p11_handle(idx, P11_SUB_PUB);
    *phPrivateKey = p11_handle(idx, P11_SUB_PRIV);
    se05x_log(SE05X_LOG_INFO, "pkcs11", "generated key pair 0x%08X (%s object)", (unsigned)id,
              token ? "token" : "session");
    P11_LEAVE(ctx, CKR_OK);
}

CK_RV C_GenerateKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_ATTRIBUTE_PTR pTemplate,
                    CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phKey)
{
    P11_ENTER_SESSION(ctx, s, hSession);
    if (!pMechanism || !phKey || (!pTemplate && ulCount))
        P11_LEAVE(ctx, CKR_ARGUMENTS_BAD);
    P11_LEAVE(ctx, CKR_MECHANISM_INVALID); /* no secret-key generation mechanism is offered */
}
