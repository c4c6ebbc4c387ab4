/* SPDX-License-Identifier: Apache-2.0 */
/* Sessions: a fixed table in the context; handles are never reused within
 * one C_Initialize (monotonic counter). Closing the last session logs the
 * application out, as PKCS#11 requires. Closing a session deletes its
 * session objects (docs/pkcs11.md "Session objects"). */
#include <stdlib.h>
#include <string.h>

#include "p11.h"

struct p11_session *p11_session_get(struct p11_ctx *ctx, CK_SESSION_HANDLE h)
{
    if (!h)
        return NULL;
    for (size_t i = 0; i < P11_MAX_SESSIONS; i++)
        if (ctx->sess[i].handle == h)
            return &ctx->sess[i];
    return NULL;
}

void p11_op_reset(struct p11_op *op)
{
    EVP_MD_CTX_free(op->mdctx);
    if (op->buf) {
        OPENSSL_cleanse(op->buf, op->buf_len);
        free(op->buf);
    }
    memset(op, 0, sizeof(*op));
}

struct p11_op *p11_session_op(struct p11_session *s, enum p11_op_kind kind)
{
    switch (kind) {
    case P11_OP_SIGN: return &s->sign;
    case P11_OP_VERIFY: return &s->verify;
    case P11_OP_DECRYPT: return &s->decrypt;
    case P11_OP_ENCRYPT: return &s->encrypt;
    case P11_OP_DIGEST: return &s->digest;
    default: return NULL;
    }
}

struct p11_op *p11_active_op(struct p11_ctx *ctx, CK_SESSION_HANDLE h, enum p11_op_kind kind, int part, CK_RV *rv)
{
    struct p11_session *s = p11_session_get(ctx, h);
    struct p11_op *op = s ? p11_session_op(s, kind) : NULL;
    if (!s)
        *rv = CKR_SESSION_HANDLE_INVALID;
    else if (!op->active)
        *rv = CKR_OPERATION_NOT_INITIALIZED;
    else if (part && op->oneshot)
        *rv = CKR_OPERATION_ACTIVE; /* the single-part call stays the operation */
    else
        *rv = CKR_OK;
    return *rv == CKR_OK ? op : NULL;
}

CK_RV p11_op_start(CK_SESSION_HANDLE h, enum p11_op_kind kind, p11_op_init_fn *init, CK_MECHANISM_PTR m,
                   CK_OBJECT_HANDLE key, int priv)
{
    P11_ENTER_SESSION(ctx, s, h);
    struct p11_op *op = p11_session_op(s, kind);
    CK_RV rv = init(ctx, op, m, key, priv);
    if (rv != CKR_OK && rv != CKR_OPERATION_ACTIVE)
        p11_op_reset(op); /* a failed init leaves nothing behind; an active op is not ours to drop */
    P11_LEAVE(ctx, rv);
}

void p11_session_free(struct p11_ctx *ctx, struct p11_session *s)
{
    p11_op_reset(&s->sign);
    p11_op_reset(&s->verify);
    p11_op_reset(&s->decrypt);
    p11_op_reset(&s->encrypt);
    p11_op_reset(&s->digest);
    free(s->found);
    /* session objects die with their session: host-only secrets and the
     * chip's transient objects made for CKA_TOKEN false */
    for (size_t i = 0; i < ctx->n_ent; i++)
        if (ctx->ent[i]->host_only && ctx->ent[i]->owner == s->handle)
            p11_entry_forget(ctx->ent[i]);
    p11_session_objects_drop(ctx, s->handle);
    memset(s, 0, sizeof(*s));
}

static void after_close(struct p11_ctx *ctx)
{
    for (size_t i = 0; i < P11_MAX_SESSIONS; i++)
        if (ctx->sess[i].handle)
            return;
    ctx->logged_in = 0;
    p11_pin_chip_logout(ctx);
}

CK_RV C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication, CK_NOTIFY Notify,
                    CK_SESSION_HANDLE_PTR phSession)
{
    (void)pApplication; (void)Notify;
    P11_ENTER(ctx);
    if (slotID != P11_SLOT_ID)
        P11_LEAVE(ctx, CKR_SLOT_ID_INVALID);
    if (!phSession)
        P11_LEAVE(ctx, CKR_ARGUMENTS_BAD);
    if (!(flags & CKF_SERIAL_SESSION))
        P11_LEAVE(ctx, CKR_SESSION_PARALLEL_NOT_SUPPORTED);
    for (size_t i = 0; i < P11_MAX_SESSIONS; i++) {
        if (!ctx->sess[i].handle) {
            memset(&ctx->sess[i], 0, sizeof(ctx->sess[i]));
            ctx->sess[i].handle = ctx->next_handle++;
            ctx->sess[i].flags = flags & (CKF_SERIAL_SESSION | CKF_RW_SESSION);
            *phSession = ctx->sess[i].handle;
            P11_LEAVE(ctx, CKR_OK);
        }
    }
    P11_LEAVE(ctx, CKR_SESSION_COUNT);
}

CK_RV C_CloseSession(CK_SESSION_HANDLE hSession)
{
    P11_ENTER_SESSION(ctx, s, hSession);
    p11_session_free(ctx, s);
    after_close(ctx);
    P11_LEAVE(ctx, CKR_OK);
}

CK_RV C_CloseAllSessions(CK_SLOT_ID slotID)
{
    P11_ENTER(ctx);
    if (slotID != P11_SLOT_ID)
        P11_LEAVE(ctx, CKR_SLOT_ID_INVALID);
    for (size_t i = 0; i < P11_MAX_SESSIONS; i++)
        if (ctx->sess[i].handle)
            p11_session_free(ctx, &ctx->sess[i]);
    after_close(ctx);
    P11_LEAVE(ctx, CKR_OK);
}

CK_RV C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo)
{
    P11_ENTER_SESSION(ctx, s, hSession);
    if (!pInfo)
        P11_LEAVE(ctx, CKR_ARGUMENTS_BAD);
    memset(pInfo, 0, sizeof(*pInfo));
    pInfo->slotID = P11_SLOT_ID;
    pInfo->flags = s->flags;
    int rw = (s->flags & CKF_RW_SESSION) != 0;
    if (ctx->logged_in)
        pInfo->state = rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
    else
        pInfo->state = rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
    P11_LEAVE(ctx, CKR_OK);
}

CK_RV C_GetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState,
                          CK_ULONG_PTR pulOperationStateLen)
{
    (void)hSession; (void)pOperationState; (void)pulOperationStateLen;
    return p11_not_supported();
}

CK_RV C_SetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState,
                          CK_ULONG ulOperationStateLen, CK_OBJECT_HANDLE hEncryptionKey,
                          CK_OBJECT_HANDLE hAuthenticationKey)
{
    (void)hSession; (void)pOperationState; (void)ulOperationStateLen; (void)hEncryptionKey;
    (void)hAuthenticationKey;
    return p11_not_supported();
}

CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE hSession)
{
    (void)hSession;
    return p11_ctx_get() ? CKR_FUNCTION_NOT_PARALLEL : CKR_CRYPTOKI_NOT_INITIALIZED;
}

CK_RV C_CancelFunction(CK_SESSION_HANDLE hSession)
{
    (void)hSession;
    return p11_ctx_get() ? CKR_FUNCTION_NOT_PARALLEL : CKR_CRYPTOKI_NOT_INITIALIZED;
}
