/* SPDX-License-Identifier: Apache-2.0 */
/* Module entry: C_GetFunctionList, C_Initialize/C_Finalize, C_GetInfo and
 * fork handling. The context pointer is the only static of the module
 * (PKCS#11 has one module instance per process by definition). A forked
 * child sees the parent's context as absent (pid check) and gets
 * CKR_CRYPTOKI_NOT_INITIALIZED until it calls C_Initialize itself; the
 * parent's chip connection is never touched by the child.
 *
 * fork() never lands inside the module: pthread_atfork handlers take the
 * init lock and the module lock before the fork (so no other thread is in
 * an entry point, holding an OpenSSL or library lock on the module's
 * behalf), release them in the parent, and re-initialise them in the child,
 * where the inherited context also drops the parent's chip session. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "p11.h"

static pthread_mutex_t g_init_lock = PTHREAD_MUTEX_INITIALIZER;
static struct p11_ctx *g_ctx;
/* Contexts inherited over fork(): never used again (their link belongs to
 * the parent), kept reachable rather than freed under unknown lock state. */
static struct p11_ctx *g_forked;
/* Context whose lock the prepare handler took (read by the parent/child handler). */
static struct p11_ctx *g_fork_locked;
static pthread_once_t g_atfork_once = PTHREAD_ONCE_INIT;

static void atfork_prepare(void)
{
    pthread_mutex_lock(&g_init_lock); /* no C_Initialize / C_Finalize in flight */
    struct p11_ctx *c = g_ctx;
    if (c && c->pid == getpid()) {
        p11_lock(&c->lock); /* waits for the entry points in flight */
        g_fork_locked = c;
    }
}

static void atfork_parent(void)
{
    struct p11_ctx *c = g_fork_locked;
    g_fork_locked = NULL;
    if (c)
        p11_unlock(&c->lock);
    pthread_mutex_unlock(&g_init_lock);
}

static void atfork_child(void)
{
    struct p11_ctx *c = g_fork_locked;
    g_fork_locked = NULL;
    if (c) {
        p11_lock_child_reset(&c->lock);
        c->se = NULL; /* the parent's link: the child opens its own after C_Initialize */
    }
    pthread_mutex_init(&g_init_lock, NULL);
}

static void atfork_register(void)
{
    /* glibc removes the handlers when the module is unloaded (dlclose) */
    if (pthread_atfork(atfork_prepare, atfork_parent, atfork_child) != 0)
        se05x_log(SE05X_LOG_WARN, "pkcs11", "pthread_atfork failed: fork() during a call may hang the child");
}

struct p11_ctx *p11_ctx_get(void)
{
    struct p11_ctx *c = __atomic_load_n(&g_ctx, __ATOMIC_ACQUIRE);
    if (!c || c->pid != getpid())
        return NULL;
    return c;
}

void p11_pad_copy(unsigned char *dst, size_t n, const char *src)
{
    size_t l = strlen(src);
    memset(dst, ' ', n);
    memcpy(dst, src, l < n ? l : n);
}

int p11_len_answer(const void *buf, CK_ULONG need, CK_ULONG_PTR len, CK_RV *rv)
{
    if (buf && *len >= need)
        return 0;
    *rv = buf ? CKR_BUFFER_TOO_SMALL : CKR_OK;
    *len = need;
    return 1;
}

CK_RV p11_not_supported(void)
{
    return p11_ctx_get() ? CKR_FUNCTION_NOT_SUPPORTED : CKR_CRYPTOKI_NOT_INITIALIZED;
}

CK_RV C_Initialize(CK_VOID_PTR pInitArgs)
{
    const CK_C_INITIALIZE_ARGS *args = pInitArgs;
    CK_RV rv;

    if (args) {
        int n = !!args->CreateMutex + !!args->DestroyMutex + !!args->LockMutex + !!args->UnlockMutex;
        if (args->pReserved || (n != 0 && n != 4))
            return CKR_ARGUMENTS_BAD;
    }
    pthread_once(&g_atfork_once, atfork_register);
    pthread_mutex_lock(&g_init_lock);
    if (g_ctx && g_ctx->pid == getpid()) {
        pthread_mutex_unlock(&g_init_lock);
        return CKR_CRYPTOKI_ALREADY_INITIALIZED;
    }
    if (g_ctx) { /* inherited from the parent over fork() */
        g_ctx->se = NULL;
        g_forked = g_ctx;
        g_ctx = NULL;
    }
    struct p11_ctx *c = calloc(1, sizeof(*c));
    if (!c) {
        pthread_mutex_unlock(&g_init_lock);
        return CKR_HOST_MEMORY;
    }
    rv = p11_lock_init(&c->lock, args);
    if (rv != CKR_OK) {
        free(c);
        pthread_mutex_unlock(&g_init_lock);
        return rv;
    }
    {
        /* no chip access: the pool opens on the first p11_chip() */
        struct se05x_pool_opts po = {.size = sizeof(po), .name = "pkcs11", .max_conns = 1};
        if (se05x_pool_new(&po, &c->pool, NULL) != SE05X_OK) {
            p11_lock_free(&c->lock);
            free(c);
            pthread_mutex_unlock(&g_init_lock);
            return CKR_HOST_MEMORY;
        }
    }
    c->pid = getpid();
    c->next_handle = 1;
    /* PIN: $SE05X_PKCS11_PIN, else the Greengrass/NXP default "1234". */
    const char *pin = getenv("SE05X_PKCS11_PIN");
    if (!pin || !*pin || strlen(pin) >= sizeof(c->pin))
        pin = P11_DEFAULT_PIN;
    strcpy(c->pin, pin);
    const char *any = getenv("SE05X_PKCS11_ANY_PIN");
    c->any_pin = any && strcmp(any, "1") == 0;
    const char *legacy = getenv("SE05X_PKCS11_LEGACY_LABELS");
    c->legacy_swap = legacy && strcmp(legacy, "1") == 0;
    __atomic_store_n(&g_ctx, c, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&g_init_lock);
    se05x_log(SE05X_LOG_DEBUG, "pkcs11", "C_Initialize (pid %d)", (int)c->pid);
    return CKR_OK;
}

CK_RV C_Finalize(CK_VOID_PTR pReserved)
{
    if (pReserved)
        return CKR_ARGUMENTS_BAD;
    pthread_mutex_lock(&g_init_lock);
    struct p11_ctx *c = g_ctx;
    if (!c || c->pid != getpid()) {
        pthread_mutex_unlock(&g_init_lock);
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    }
    __atomic_store_n(&g_ctx, NULL, __ATOMIC_RELEASE);
    /* Wait for calls in flight. */
    p11_lock(&c->lock);
    for (size_t i = 0; i < P11_MAX_SESSIONS; i++)
        if (c->sess[i].handle)
            p11_session_free(c, &c->sess[i]);
    p11_entries_free(c);
    p11_pin_chip_logout(c);
    p11_chip_release(c);
    se05x_pool_free(c->pool);
    OPENSSL_cleanse(c->pin, sizeof(c->pin));
    p11_unlock(&c->lock);
    p11_lock_free(&c->lock);
    free(c);
    pthread_mutex_unlock(&g_init_lock);
    return CKR_OK;
}

CK_RV C_GetInfo(CK_INFO_PTR pInfo)
{
    if (!p11_ctx_get())
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    if (!pInfo)
        return CKR_ARGUMENTS_BAD;
    memset(pInfo, 0, sizeof(*pInfo));
    pInfo->cryptokiVersion.major = 2;
    pInfo->cryptokiVersion.minor = 40;
    p11_pad_copy(pInfo->manufacturerID, sizeof(pInfo->manufacturerID), "se05x open stack");
    p11_pad_copy(pInfo->libraryDescription, sizeof(pInfo->libraryDescription), "SE05x PKCS#11 module");
    pInfo->libraryVersion.major = 4; /* 4.7-compatible behaviour (docs/protocol/compat.md §5) */
    pInfo->libraryVersion.minor = 7;
    return CKR_OK;
}

static CK_FUNCTION_LIST g_functions = {
    .version = {2, 40},
    .C_Initialize = C_Initialize,
    .C_Finalize = C_Finalize,
    .C_GetInfo = C_GetInfo,
    .C_GetFunctionList = C_GetFunctionList,
    .C_GetSlotList = C_GetSlotList,
    .C_GetSlotInfo = C_GetSlotInfo,
    .C_GetTokenInfo = C_GetTokenInfo,
    .C_GetMechanismList = C_GetMechanismList,
    .C_GetMechanismInfo = C_GetMechanismInfo,
    .C_InitToken = C_InitToken,
    .C_InitPIN = C_InitPIN,
    .C_SetPIN = C_SetPIN,
    .C_OpenSession = C_OpenSession,
    .C_CloseSession = C_CloseSession,
    .C_CloseAllSessions = C_CloseAllSessions,
    .C_GetSessionInfo = C_GetSessionInfo,
    .C_GetOperationState = C_GetOperationState,
    .C_SetOperationState = C_SetOperationState,
    .C_Login = C_Login,
    .C_Logout = C_Logout,
    .C_CreateObject = C_CreateObject,
    .C_CopyObject = C_CopyObject,
    .C_DestroyObject = C_DestroyObject,
    .C_GetObjectSize = C_GetObjectSize,
    .C_GetAttributeValue = C_GetAttributeValue,
    .C_SetAttributeValue = C_SetAttributeValue,
    .C_FindObjectsInit = C_FindObjectsInit,
    .C_FindObjects = C_FindObjects,
    .C_FindObjectsFinal = C_FindObjectsFinal,
    .C_EncryptInit = C_EncryptInit,
    .C_Encrypt = C_Encrypt,
    .C_EncryptUpdate = C_EncryptUpdate,
    .C_EncryptFinal = C_EncryptFinal,
    .C_DecryptInit = C_DecryptInit,
    .C_Decrypt = C_Decrypt,
    .C_DecryptUpdate = C_DecryptUpdate,
    .C_DecryptFinal = C_DecryptFinal,
    .C_DigestInit = C_DigestInit,
    .C_Digest = C_Digest,
    .C_DigestUpdate = C_DigestUpdate,
    .C_DigestKey = C_DigestKey,
    .C_DigestFinal = C_DigestFinal,
    .C_SignInit = C_SignInit,
    .C_Sign = C_Sign,
    .C_SignUpdate = C_SignUpdate,
    .C_SignFinal = C_SignFinal,
    .C_SignRecoverInit = C_SignRecoverInit,
    .C_SignRecover = C_SignRecover,
    .C_VerifyInit = C_VerifyInit,
    .C_Verify = C_Verify,
    .C_VerifyUpdate = C_VerifyUpdate,
    .C_VerifyFinal = C_VerifyFinal,
    .C_VerifyRecoverInit = C_VerifyRecoverInit,
    .C_VerifyRecover = C_VerifyRecover,
    .C_DigestEncryptUpdate = C_DigestEncryptUpdate,
    .C_DecryptDigestUpdate = C_DecryptDigestUpdate,
    .C_SignEncryptUpdate = C_SignEncryptUpdate,
    .C_DecryptVerifyUpdate = C_DecryptVerifyUpdate,
    .C_GenerateKey = C_GenerateKey,
    .C_GenerateKeyPair = C_GenerateKeyPair,
    .C_WrapKey = C_WrapKey,
    .C_UnwrapKey = C_UnwrapKey,
    .C_DeriveKey = C_DeriveKey,
    .C_SeedRandom = C_SeedRandom,
    .C_GenerateRandom = C_GenerateRandom,
    .C_GetFunctionStatus = C_GetFunctionStatus,
    .C_CancelFunction = C_CancelFunction,
    .C_WaitForSlotEvent = C_WaitForSlotEvent,
};

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList)
{
    if (!ppFunctionList)
        return CKR_ARGUMENTS_BAD;
    *ppFunctionList = &g_functions;
    return CKR_OK;
}
