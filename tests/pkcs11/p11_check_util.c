/* SPDX-License-Identifier: Apache-2.0 */
/* p11_check: the helpers every test uses (p11_check.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "p11_check.h"

CK_FUNCTION_LIST *F;
int g_fail;

CK_SESSION_HANDLE open_login(void)
{
    CK_SESSION_HANDLE h = 0;
    RV(F->C_OpenSession(1, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h), CKR_OK);
    CK_RV rv = F->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4);
    CHECK(rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN, "login 0x%lx", (unsigned long)rv);
    return h;
}

CK_ULONG find(CK_SESSION_HANDLE h, CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_HANDLE *out, CK_ULONG max)
{
    CK_ULONG got = 0;
    RV(F->C_FindObjectsInit(h, t, n), CKR_OK);
    RV(F->C_FindObjects(h, out, max, &got), CKR_OK);
    RV(F->C_FindObjectsFinal(h), CKR_OK);
    return got;
}

CK_OBJECT_HANDLE key_by_label(CK_SESSION_HANDLE h, const char *label, CK_OBJECT_CLASS cls)
{
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_LABEL, (void *)label, strlen(label)}};
    CK_OBJECT_HANDLE o[4] = {0};
    CK_ULONG n = find(h, t, 2, o, 4);
    CHECK(n == 1, "label %s class %lu: %lu objects", label, (unsigned long)cls, (unsigned long)n);
    return o[0];
}

int sign_verify(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pub, CK_MECHANISM_TYPE m,
                int multipart)
{
    CK_MECHANISM mech = {m, NULL, 0};
    CK_BYTE data[32], sig[512];
    CK_ULONG sl = sizeof(sig);
    memset(data, 0x5A, sizeof(data));
    CK_RV rv = F->C_SignInit(h, &mech, priv);
    if (rv == CKR_OK && multipart) {
        rv = F->C_SignUpdate(h, data, 10);
        if (rv == CKR_OK)
            rv = F->C_SignUpdate(h, data + 10, 22);
        if (rv == CKR_OK)
            rv = F->C_SignFinal(h, sig, &sl);
    } else if (rv == CKR_OK) {
        rv = F->C_Sign(h, data, sizeof(data), sig, &sl);
    }
    if (rv != CKR_OK)
        return (int)rv;
    rv = F->C_VerifyInit(h, &mech, pub);
    if (rv == CKR_OK)
        rv = F->C_Verify(h, data, sizeof(data), sig, sl);
    return (int)rv;
}

struct pair pair_by_label(CK_SESSION_HANDLE h, const char *label)
{
    struct pair p;
    p.priv = key_by_label(h, label, CKO_PRIVATE_KEY);
    p.pub = key_by_label(h, label, CKO_PUBLIC_KEY);
    return p;
}

struct test_keys test_keys(CK_SESSION_HANDLE h)
{
    struct test_keys k;
    k.ec = pair_by_label(h, "sss:20181002");
    k.rsa = pair_by_label(h, "sss:20181001");
    return k;
}

int sign_turn(CK_SESSION_HANDLE h, const struct test_keys *k, long turn, int multipart)
{
    return turn % 4 == 0 ? sign_verify(h, k->rsa.priv, k->rsa.pub, CKM_SHA256_RSA_PKCS, multipart)
                         : sign_verify(h, k->ec.priv, k->ec.pub, CKM_ECDSA_SHA256, multipart);
}

int g_locks;
void *g_last_mutex; /* the module's lock, as created through m_create */
CK_RV m_create(void **m) { *m = calloc(1, sizeof(pthread_mutex_t)); pthread_mutex_init(*m, NULL); g_last_mutex = *m; return CKR_OK; }
CK_RV m_destroy(void *m) { pthread_mutex_destroy(m); free(m); return CKR_OK; }
CK_RV m_lock(void *m) { __atomic_add_fetch(&g_locks, 1, __ATOMIC_SEQ_CST); pthread_mutex_lock(m); return CKR_OK; }
CK_RV m_unlock(void *m) { pthread_mutex_unlock(m); return CKR_OK; }
