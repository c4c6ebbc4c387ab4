/* SPDX-License-Identifier: Apache-2.0 */
/* p11_check mutex, stress: application mutex callbacks; threads signing at once. */
#include <pthread.h>

#include "p11_check.h"

int t_mutex(void)
{
    CK_C_INITIALIZE_ARGS args = {m_create, m_destroy, m_lock, m_unlock, 0, NULL};
    RV(F->C_Initialize(&args), CKR_OK);
    CK_SESSION_HANDLE h = open_login();
    struct pair ec = pair_by_label(h, "sss:20181002");
    CHECK(sign_verify(h, ec.priv, ec.pub, CKM_ECDSA_SHA256, 0) == CKR_OK, "sign with app mutexes");
    CHECK(g_locks > 5, "application mutex used (%d locks)", g_locks);
    RV(F->C_Finalize(NULL), CKR_OK);
    CK_C_INITIALIZE_ARGS half = {m_create, NULL, NULL, NULL, 0, NULL};
    RV(F->C_Initialize(&half), CKR_ARGUMENTS_BAD);
    return g_fail;
}

/* ---- stress ---- */
static int g_iters, g_errors;
static void *worker(void *arg)
{
    long t = (long)arg;
    CK_SESSION_HANDLE h = open_login();
    struct test_keys k = test_keys(h);
    for (int i = 0; i < g_iters; i++) {
        int rv = sign_turn(h, &k, i + t, i & 1);
        if (rv != CKR_OK) {
            fprintf(stderr, "thread %ld iteration %d: rv 0x%x\n", t, i, rv);
            __atomic_add_fetch(&g_errors, 1, __ATOMIC_SEQ_CST);
        }
    }
    F->C_CloseSession(h);
    return NULL;
}

int t_stress(int threads, int iters)
{
    CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
    RV(F->C_Initialize(&args), CKR_OK);
    g_iters = iters;
    pthread_t th[64];
    if (threads > 64)
        threads = 64;
    for (long i = 0; i < threads; i++)
        pthread_create(&th[i], NULL, worker, (void *)i);
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    RV(F->C_Finalize(NULL), CKR_OK);
    printf("signatures=%d errors=%d\n", threads * iters, g_errors + g_fail);
    return g_errors + g_fail;
}
