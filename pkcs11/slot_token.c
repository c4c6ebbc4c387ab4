/* SPDX-License-Identifier: Apache-2.0 */
/* The one slot and its token (the chip), mechanisms, login. Nothing here
 * touches the chip except C_GetTokenInfo (the serial number is the chip's
 * UID) and the operations that need it, through p11_chip(). */
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "p11.h"

se05x_session *p11_chip(struct p11_ctx *ctx)
{
    if (ctx->se)
        return ctx->se;
    struct se05x_error err;
    memset(&err, 0, sizeof(err));
    se05x_session *s = NULL;
    se05x_rc rc = se05x_pool_get(ctx->pool, NULL, &s, &err);
    if (rc != SE05X_OK) {
        se05x_log(SE05X_LOG_ERROR, "pkcs11", "cannot open the secure element: %s",
                  err.msg[0] ? err.msg : se05x_strerror(rc));
        return NULL;
    }
    ctx->se = s;
    ctx->se_rc = SE05X_OK;
    return s;
}

void p11_chip_release(struct p11_ctx *ctx)
{
    if (!ctx->se)
        return;
    se05x_pool_put(ctx->pool, ctx->se, ctx->se_rc);
    ctx->se = NULL;
    ctx->se_rc = SE05X_OK;
}

CK_RV p11_rv(struct p11_ctx *ctx, se05x_rc rc)
{
    if (rc != SE05X_OK && ctx->se)
        se05x_log(SE05X_LOG_ERROR, "pkcs11", "%s", se05x_errmsg(ctx->se));
    switch (rc) {
    case SE05X_OK: return CKR_OK;
    case SE05X_E_BAD_ARG: return CKR_ARGUMENTS_BAD;
    case SE05X_E_NOT_FOUND: return CKR_OBJECT_HANDLE_INVALID;
    case SE05X_E_EXISTS: return CKR_ATTRIBUTE_VALUE_INVALID;
    case SE05X_E_WRONG_TYPE: return CKR_KEY_TYPE_INCONSISTENT;
    case SE05X_E_DENIED:
    case SE05X_E_CONDITIONS: return CKR_KEY_FUNCTION_NOT_PERMITTED;
    case SE05X_E_NO_MEMORY: return CKR_DEVICE_MEMORY;
    case SE05X_E_WRONG_DATA:
    case SE05X_E_FORMAT: return CKR_DATA_INVALID;
    case SE05X_E_UNSUPPORTED: return CKR_FUNCTION_NOT_SUPPORTED;
    case SE05X_E_LINK:
    case SE05X_E_TIMEOUT:
    case SE05X_E_PROTOCOL:
        /* The link is gone: the pool retires the session when this entry
         * point ends; the next call reconnects (emulator restart, bus reset). */
        ctx->se_rc = rc;
        return CKR_DEVICE_ERROR;
    case SE05X_E_CARD: return CKR_DEVICE_ERROR;
    case SE05X_E_CRYPTO: return CKR_FUNCTION_FAILED;
    case SE05X_E_KEY_MISMATCH: return CKR_KEY_CHANGED; /* docs/verify-after-sign.md */
    case SE05X_E_NOMEM: return CKR_HOST_MEMORY;
    default: return CKR_GENERAL_ERROR;
    }
}

CK_RV p11_key_rv(struct p11_ctx *ctx, struct p11_entry *e, se05x_rc rc)
{
    if (rc == SE05X_E_NOT_FOUND) {
        se05x_log(SE05X_LOG_ERROR, "pkcs11", "object 0x%08X is gone from the chip", (unsigned)e->id);
        p11_entry_forget(e);
        return CKR_KEY_HANDLE_INVALID;
    }
    return p11_rv(ctx, rc);
}

/* Entry check of the lock-free slot queries: module initialised, our one slot. */
static CK_RV slot_check(CK_SLOT_ID slotID)
{
    if (!p11_ctx_get())
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    return slotID == P11_SLOT_ID ? CKR_OK : CKR_SLOT_ID_INVALID;
}

/* PKCS#11 two-call convention for a list of n items: a NULL list asks the
 * count, a short one gets CKR_BUFFER_TOO_SMALL. Returns 1 when the call is
 * answered here (*rv set); 0: the caller fills the list. */
static int list_count_only(const void *list, CK_ULONG n, CK_ULONG_PTR count, CK_RV *rv)
{
    if (!count) {
        *rv = CKR_ARGUMENTS_BAD;
        return 1;
    }
    return p11_len_answer(list, n, count, rv);
}

CK_RV C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount)
{
    (void)tokenPresent;
    CK_RV rv;
    if (!p11_ctx_get())
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    if (list_count_only(pSlotList, 1, pulCount, &rv))
        return rv;
    pSlotList[0] = P11_SLOT_ID;
    *pulCount = 1;
    return CKR_OK;
}

CK_RV C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo)
{
    CK_RV rv = slot_check(slotID);
    if (rv != CKR_OK)
        return rv;
    if (!pInfo)
        return CKR_ARGUMENTS_BAD;
    char conn[300], desc[400];
    se05x_conn_resolve(NULL, conn, sizeof(conn)); /* no chip access */
    snprintf(desc, sizeof(desc), "SE05x at %s", conn);
    memset(pInfo, 0, sizeof(*pInfo));
    p11_pad_copy(pInfo->slotDescription, sizeof(pInfo->slotDescription), desc);
    p11_pad_copy(pInfo->manufacturerID, sizeof(pInfo->manufacturerID), "NXP Semiconductors");
    pInfo->flags = CKF_TOKEN_PRESENT | CKF_HW_SLOT;
    return CKR_OK;
}

CK_RV C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
    P11_ENTER(ctx);
    if (slotID != P11_SLOT_ID)
        P11_LEAVE(ctx, CKR_SLOT_ID_INVALID);
    if (!pInfo)
        P11_LEAVE(ctx, CKR_ARGUMENTS_BAD);
    se05x_session *se = p11_chip(ctx);
    if (!se)
        P11_LEAVE(ctx, CKR_DEVICE_ERROR);
    if (!ctx->have_uid) {
        se05x_rc rc = se05x_read_uid(se, ctx->uid);
        if (rc != SE05X_OK)
            P11_LEAVE(ctx, p11_rv(ctx, rc));
        ctx->have_uid = 1;
    }
    memset(pInfo, 0, sizeof(*pInfo));
    p11_pad_copy(pInfo->label, sizeof(pInfo->label), P11_TOKEN_LABEL);
    p11_pad_copy(pInfo->manufacturerID, sizeof(pInfo->manufacturerID), "NXP Semiconductors");
    p11_pad_copy(pInfo->model, sizeof(pInfo->model), "SE05x");
    /* Serial: the 8 unique bytes of the UID (CertUID bytes 2..9). */
    char serial[17];
    for (int i = 0; i < 8; i++)
        snprintf(serial + 2 * i, 3, "%02X", ctx->uid[8 + i]);
    p11_pad_copy(pInfo->serialNumber, sizeof(pInfo->serialNumber), serial);
    pInfo->flags = CKF_RNG | CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED;
    pInfo->ulMaxSessionCount = P11_MAX_SESSIONS;
    pInfo->ulMaxRwSessionCount = P11_MAX_SESSIONS;
    CK_ULONG n = 0;
    for (size_t i = 0; i < P11_MAX_SESSIONS; i++)
        if (ctx->sess[i].handle)
            n++;
    pInfo->ulSessionCount = n;
    pInfo->ulRwSessionCount = n;
    pInfo->ulMaxPinLen = sizeof(ctx->pin) - 1;
    pInfo->ulMinPinLen = 1;
    pInfo->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
    pInfo->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
    pInfo->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
    pInfo->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
    p11_pin_chip_token_info(ctx, se, pInfo); /* chip-held PIN: lengths, counter flags */
    const struct se05x_applet_info *ai = se05x_applet(se);
    if (ai) {
        pInfo->hardwareVersion.major = ai->major;
        pInfo->hardwareVersion.minor = ai->minor;
        pInfo->firmwareVersion.major = ai->patch;
    }
    P11_LEAVE(ctx, CKR_OK);
}

/* ---- mechanisms ---- */
#define EC_FLAGS (CKF_HW | CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS)
#define RSA_MIN_BITS 1024 /* the RSA rows are those with this minimum */
#define EC_MECH(m, flags) {m, 160, 521, (flags) | EC_FLAGS}
#define RSA_MECH(m, flags) {m, RSA_MIN_BITS, 4096, CKF_HW | (flags)}
#define RSA_SIG_MECH(m) RSA_MECH(m, CKF_SIGN | CKF_VERIFY)
#define DIGEST_MECH(m) {m, 0, 0, CKF_DIGEST}
static const struct {
    CK_MECHANISM_TYPE m;
    CK_ULONG min, max;
    CK_FLAGS flags;
} g_mechs[] = {
    EC_MECH(CKM_ECDSA, CKF_SIGN | CKF_VERIFY),
    EC_MECH(CKM_ECDSA_SHA1, CKF_SIGN | CKF_VERIFY),
    EC_MECH(CKM_ECDSA_SHA224, CKF_SIGN | CKF_VERIFY),
    EC_MECH(CKM_ECDSA_SHA256, CKF_SIGN | CKF_VERIFY),
    EC_MECH(CKM_ECDSA_SHA384, CKF_SIGN | CKF_VERIFY),
    EC_MECH(CKM_ECDSA_SHA512, CKF_SIGN | CKF_VERIFY),
    EC_MECH(CKM_EC_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR),
    EC_MECH(CKM_ECDH1_DERIVE, CKF_DERIVE),
    RSA_MECH(CKM_RSA_PKCS_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR),
    RSA_MECH(CKM_RSA_PKCS, CKF_SIGN | CKF_VERIFY | CKF_DECRYPT | CKF_ENCRYPT),
    RSA_SIG_MECH(CKM_SHA1_RSA_PKCS),
    RSA_SIG_MECH(CKM_SHA224_RSA_PKCS),
    RSA_SIG_MECH(CKM_SHA256_RSA_PKCS),
    RSA_SIG_MECH(CKM_SHA384_RSA_PKCS),
    RSA_SIG_MECH(CKM_SHA512_RSA_PKCS),
    RSA_SIG_MECH(CKM_RSA_PKCS_PSS),
    RSA_SIG_MECH(CKM_SHA1_RSA_PKCS_PSS),
    RSA_SIG_MECH(CKM_SHA224_RSA_PKCS_PSS),
    RSA_SIG_MECH(CKM_SHA256_RSA_PKCS_PSS),
    RSA_SIG_MECH(CKM_SHA384_RSA_PKCS_PSS),
    RSA_SIG_MECH(CKM_SHA512_RSA_PKCS_PSS),
    RSA_MECH(CKM_RSA_PKCS_OAEP, CKF_DECRYPT | CKF_ENCRYPT),
    DIGEST_MECH(CKM_SHA_1),
    DIGEST_MECH(CKM_SHA224),
    DIGEST_MECH(CKM_SHA256),
    DIGEST_MECH(CKM_SHA384),
    DIGEST_MECH(CKM_SHA512),
};
#define N_MECHS (sizeof(g_mechs) / sizeof(g_mechs[0]))

int p11_mech_supported(CK_MECHANISM_TYPE m, CK_MECHANISM_INFO *info)
{
    for (size_t i = 0; i < N_MECHS; i++)
        if (g_mechs[i].m == m) {
            if (info) {
                info->ulMinKeySize = g_mechs[i].min;
                info->ulMaxKeySize = g_mechs[i].max;
                info->flags = g_mechs[i].flags;
            }
            return 1;
        }
    return 0;
}

/* An ECC-only chip (SE050E, applet 7.x) lists no RSA mechanism (the RSA rows
 * are those with 1024..4096-bit keys). Asks the chip (opened on first need);
 * when it cannot be reached the full list stands. docs/pkcs11.md. */
static int chip_lacks_rsa(void)
{
    struct p11_ctx *ctx = p11_ctx_get();
    struct se05x_chip_features f;
    int lacks = 0;
    if (!ctx)
        return 0;
    p11_lock(&ctx->lock);
    se05x_session *se = p11_chip(ctx);
    if (se && se05x_chip_features(se, &f) == SE05X_OK)
        lacks = f.generation >= 7 && !f.rsa;
    p11_unlock(&ctx->lock);
    return lacks;
}
#define MECH_IS_RSA(i) (g_mechs[i].min == RSA_MIN_BITS)

CK_RV C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList, CK_ULONG_PTR pulCount)
{
    CK_RV rv = slot_check(slotID);
    if (rv != CKR_OK)
        return rv;
    int no_rsa = chip_lacks_rsa();
    CK_ULONG n = 0;
    for (size_t i = 0; i < N_MECHS; i++)
        n += !(no_rsa && MECH_IS_RSA(i));
    if (list_count_only(pMechanismList, n, pulCount, &rv))
        return rv;
    n = 0;
    for (size_t i = 0; i < N_MECHS; i++)
        if (!(no_rsa && MECH_IS_RSA(i)))
            pMechanismList[n++] = g_mechs[i].m;
    *pulCount = n;
    return CKR_OK;
}

CK_RV C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo)
{
    CK_RV rv = slot_check(slotID);
    if (rv != CKR_OK)
        return rv;
    if (!pInfo)
        return CKR_ARGUMENTS_BAD;
    if (!p11_mech_supported(type, pInfo))
        return CKR_MECHANISM_INVALID;
    return pInfo->ulMinKeySize == RSA_MIN_BITS && chip_lacks_rsa() ? CKR_MECHANISM_INVALID : CKR_OK;
}

/* ---- token administration: the PIN is host configuration, not on the chip ---- */
CK_RV C_InitToken(CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pLabel)
{
    (void)slotID; (void)pPin; (void)ulPinLen; (void)pLabel;
    return p11_not_supported();
}

CK_RV C_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
    (void)hSession; (void)pPin; (void)ulPinLen;
    return p11_not_supported();
}

CK_RV C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen,
               CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen)
{
    P11_ENTER_SESSION(ctx, s, hSession);
    enum p11_pin_mode pm = p11_pin_mode(ctx);
    if (pm == P11_PIN_MODE_BAD)
        P11_LEAVE(ctx, CKR_GENERAL_ERROR); /* a bad PIN mode setting fails closed (logged) */
    if (pm != P11_PIN_MODE_CHIP) /* host mode: the PIN is configuration */
        P11_LEAVE(ctx, CKR_FUNCTION_NOT_SUPPORTED);
    if (!(s->flags & CKF_RW_SESSION))
        P11_LEAVE(ctx, CKR_SESSION_READ_ONLY);
    if ((!pOldPin && ulOldLen) || (!pNewPin && ulNewLen))
        P11_LEAVE(ctx, CKR_ARGUMENTS_BAD);
    P11_LEAVE(ctx, p11_pin_chip_setpin(ctx, pOldPin, ulOldLen, pNewPin, ulNewLen));
}

CK_RV C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
    P11_ENTER_SESSION(ctx, s, hSession);
    if (userType == CKU_SO)
        P11_LEAVE(ctx, CKR_USER_TYPE_INVALID); /* no security officer: the PIN is configuration */
    if (userType != CKU_USER && userType != CKU_CONTEXT_SPECIFIC)
        P11_LEAVE(ctx, CKR_USER_TYPE_INVALID);
    if (userType == CKU_USER && ctx->logged_in)
        P11_LEAVE(ctx, CKR_USER_ALREADY_LOGGED_IN);
    if (!pPin && ulPinLen)
        P11_LEAVE(ctx, CKR_ARGUMENTS_BAD);
    if (p11_pin_mode(ctx) != P11_PIN_MODE_HOST) /* chip: the PIN is a UserID on the chip; bad: refused */
        P11_LEAVE(ctx, p11_pin_chip_login(ctx, userType, pPin, ulPinLen));
    size_t want = strlen(ctx->pin);
    if (ctx->any_pin && pPin) {
        se05x_log(SE05X_LOG_WARN, "pkcs11", "SE05X_PKCS11_ANY_PIN=1: PIN not checked (NXP compatibility mode)");
    } else if (!pPin || ulPinLen != want || CRYPTO_memcmp(pPin, ctx->pin, want) != 0) {
        se05x_log(SE05X_LOG_WARN, "pkcs11", "C_Login: wrong PIN");
        P11_LEAVE(ctx, CKR_PIN_INCORRECT);
    }
    ctx->logged_in = 1;
    P11_LEAVE(ctx, CKR_OK);
}

CK_RV C_Logout(CK_SESSION_HANDLE hSession)
{
    P11_ENTER_SESSION(ctx, s, hSession);
    if (!ctx->logged_in)
        P11_LEAVE(ctx, CKR_USER_NOT_LOGGED_IN);
    ctx->logged_in = 0;
    p11_pin_chip_logout(ctx);
    P11_LEAVE(ctx, CKR_OK);
}

CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved)
{
    (void)flags; (void)pSlot; (void)pReserved;
    return p11_not_supported();
}
