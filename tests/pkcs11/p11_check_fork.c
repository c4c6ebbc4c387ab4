/* SPDX-License-Identifier: Apache-2.0 */
/* p11_check fork, forkstress, forkinit, forkwait, pinlost: fork() around the
 * module (children start their own instance, threads inside it at fork time,
 * fork() waits for the module lock) and forked clients that take the chip's
 * PIN sessions. */
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "p11_check.h"

/* ---- fork ---- */
int t_fork(void)
{
    RV(F->C_Initialize(NULL), CKR_OK);
    CK_SESSION_HANDLE h = open_login();
    struct pair ec = pair_by_label(h, "sss:20181002");
    CHECK(sign_verify(h, ec.priv, ec.pub, CKM_ECDSA_SHA256, 0) == CKR_OK, "parent sign");
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        CK_SESSION_HANDLE c;
        CK_SLOT_ID s[2];
        CK_ULONG n = 2;
        RV(F->C_OpenSession(1, CKF_SERIAL_SESSION, NULL, NULL, &c), CKR_CRYPTOKI_NOT_INITIALIZED);
        RV(F->C_GetSlotList(CK_TRUE, s, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
        RV(F->C_Sign(h, (CK_BYTE_PTR) "x", 1, NULL, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
        RV(F->C_Initialize(NULL), CKR_OK);
        c = open_login();
        struct pair k = pair_by_label(c, "sss:20181002");
        CHECK(sign_verify(c, k.priv, k.pub, CKM_ECDSA_SHA256, 0) == CKR_OK, "child sign after C_Initialize");
        RV(F->C_Finalize(NULL), CKR_OK);
        _exit(g_fail ? 1 : 0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed");
    CHECK(sign_verify(h, ec.priv, ec.pub, CKM_ECDSA_SHA256, 0) == CKR_OK, "parent sign after fork");
    RV(F->C_Finalize(NULL), CKR_OK);
    return g_fail;
}


/* ---- fork while other threads are inside the module ---- */
static volatile int g_stop;
static int g_signs, g_errors;

static void *signer(void *arg)
{
    (void)arg;
    CK_SESSION_HANDLE h = open_login();
    struct test_keys k = test_keys(h);
    for (int i = 0; !__atomic_load_n(&g_stop, __ATOMIC_SEQ_CST); i++) {
        int rv = sign_turn(h, &k, i, i & 1);
        if (rv != CKR_OK) {
            fprintf(stderr, "signer: rv 0x%x\n", rv);
            __atomic_add_fetch(&g_errors, 1, __ATOMIC_SEQ_CST);
        }
        __atomic_add_fetch(&g_signs, 1, __ATOMIC_SEQ_CST);
    }
    F->C_CloseSession(h);
    return NULL;
}

/* A thread that runs whole module lifetimes: C_Initialize, sign, C_Finalize. */
static void *cycler(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&g_stop, __ATOMIC_SEQ_CST)) {
        if (F->C_Initialize(NULL) != CKR_OK) {
            __atomic_add_fetch(&g_errors, 1, __ATOMIC_SEQ_CST);
            break;
        }
        CK_SESSION_HANDLE h = open_login();
        struct pair ec = pair_by_label(h, "sss:20181002");
        if (sign_verify(h, ec.priv, ec.pub, CKM_ECDSA_SHA256, 0) != CKR_OK)
            __atomic_add_fetch(&g_errors, 1, __ATOMIC_SEQ_CST);
        __atomic_add_fetch(&g_signs, 1, __ATOMIC_SEQ_CST);
        F->C_Finalize(NULL);
    }
    return NULL;
}

/* Child: its own module instance, token info and one ECDSA-SHA256 signature
 * of msg written (r||s) to fd. Never returns. */
static void fork_child(int fd, const char *msg)
{
    CK_TOKEN_INFO ti;
    CK_BYTE sig[64];
    CK_ULONG sl = sizeof(sig);
    CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
    int ok = F->C_Initialize(NULL) == CKR_OK && F->C_GetTokenInfo(1, &ti) == CKR_OK;
    CK_SESSION_HANDLE h = ok ? open_login() : 0;
    CK_OBJECT_HANDLE k = ok ? key_by_label(h, "sss:20181002", CKO_PRIVATE_KEY) : 0;
    ok = ok && F->C_SignInit(h, &m, k) == CKR_OK &&
         F->C_Sign(h, (CK_BYTE_PTR)msg, strlen(msg), sig, &sl) == CKR_OK && sl == 64;
    ok = ok && F->C_Finalize(NULL) == CKR_OK;
    if (ok && write(fd, sig, 64) != 64)
        ok = 0;
    _exit(ok && !g_fail ? 0 : 1);
}

static int verify_rs(EVP_PKEY *pub, const char *msg, const uint8_t *rs)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(rs, 32, NULL), *s = BN_bin2bn(rs + 32, 32, NULL);
    unsigned char *der = NULL;
    int ok = 0;
    if (es && r && s && ECDSA_SIG_set0(es, r, s)) {
        r = s = NULL;
        int dl = i2d_ECDSA_SIG(es, &der);
        EVP_MD_CTX *c = EVP_MD_CTX_new();
        ok = dl > 0 && c && EVP_DigestVerifyInit(c, NULL, EVP_sha256(), NULL, pub) == 1 &&
             EVP_DigestVerify(c, der, (size_t)dl, (const unsigned char *)msg, strlen(msg)) == 1;
        EVP_MD_CTX_free(c);
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    OPENSSL_free(der);
    return ok;
}

/* Main thread forks `forks` times while `threads` signers (cycle = 0) or one
 * C_Initialize..C_Finalize cycler (cycle = 1) are inside the module. Every
 * child must answer within 60 s (a hung child is killed and counted) and its
 * signature must verify with the key's public key. */
int t_forkstress(int threads, int forks, const char *pubpem, int cycle)
{
    FILE *f = fopen(pubpem, "r");
    EVP_PKEY *pub = f ? PEM_read_PUBKEY(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    CHECK(pub != NULL, "public key %s", pubpem);
    if (!pub)
        return g_fail;
    if (!cycle) {
        CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
        RV(F->C_Initialize(&args), CKR_OK);
    }
    pthread_t th[16];
    if (threads > 16)
        threads = 16;
    for (int i = 0; i < threads; i++)
        pthread_create(&th[i], NULL, cycle ? cycler : signer, NULL);
    int hung = 0, failed = 0, bad = 0;
    for (int i = 0; i < forks; i++) {
        /* let the threads get going between forks */
        for (int before = __atomic_load_n(&g_signs, __ATOMIC_SEQ_CST);
             __atomic_load_n(&g_signs, __ATOMIC_SEQ_CST) - before < 2 && !g_errors;)
            usleep(1000);
        char msg[32];
        snprintf(msg, sizeof(msg), "fork child %d", i);
        int pfd[2];
        if (pipe(pfd) != 0)
            return ++g_fail;
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            close(pfd[0]);
            fork_child(pfd[1], msg);
        }
        close(pfd[1]);
        uint8_t rs[64];
        size_t got = 0;
        struct pollfd pf = {pfd[0], POLLIN, 0};
        while (got < 64 && poll(&pf, 1, 60000) == 1) {
            ssize_t n = read(pfd[0], rs + got, 64 - got);
            if (n <= 0)
                break;
            got += (size_t)n;
        }
        close(pfd[0]);
        int st = 0;
        if (waitpid(pid, &st, WNOHANG) == 0) {
            struct pollfd none = {-1, 0, 0};
            for (int w = 0; w < 600 && waitpid(pid, &st, WNOHANG) == 0; w++)
                poll(&none, 0, 100);
            if (waitpid(pid, &st, WNOHANG) == 0) {
                fprintf(stderr, "child %d (pid %d) hangs: killed\n", i, (int)pid);
                kill(pid, SIGKILL);
                waitpid(pid, &st, 0);
                hung++;
                continue;
            }
        }
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || got != 64) {
            fprintf(stderr, "child %d failed (status 0x%x, %zu signature bytes)\n", i, st, got);
            failed++;
        } else if (!verify_rs(pub, msg, rs)) {
            fprintf(stderr, "child %d: signature does not verify\n", i);
            bad++;
        }
    }
    __atomic_store_n(&g_stop, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    if (!cycle)
        RV(F->C_Finalize(NULL), CKR_OK);
    EVP_PKEY_free(pub);
    printf("forks=%d hung=%d failed=%d bad_signatures=%d thread_signatures=%d thread_errors=%d\n", forks, hung,
           failed, bad, g_signs, g_errors);
    return g_fail + hung + failed + bad + g_errors;
}

/* ---- fork() never lands while a thread holds the module lock ----
 * The module lock is the application's mutex here, so this test can play a
 * thread that is inside an entry point: it holds the lock, sets `released`
 * and only then unlocks. fork() in the main thread must wait for it (the
 * module's prepare handler takes the lock), so the parent sees released == 1
 * right after fork() returns, without any timing assumption. */
static int g_released, g_holding;
static void *holder(void *arg)
{
    pthread_mutex_t *m = arg;
    m_lock(m); /* "a thread inside the module" */
    __atomic_store_n(&g_holding, 1, __ATOMIC_SEQ_CST);
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, NULL); /* lets the main thread reach fork() first (without the fix: fork() returns at once) */
    __atomic_store_n(&g_released, 1, __ATOMIC_SEQ_CST);
    m_unlock(m);
    return NULL;
}

int t_forkwait(void)
{
    CK_C_INITIALIZE_ARGS args = {m_create, m_destroy, m_lock, m_unlock, 0, NULL};
    RV(F->C_Initialize(&args), CKR_OK);
    void *mod_lock = g_last_mutex;
    CK_SESSION_HANDLE h = open_login(); /* the module works with the lock */
    pthread_t th;
    pthread_create(&th, NULL, holder, mod_lock);
    while (!__atomic_load_n(&g_holding, __ATOMIC_SEQ_CST))
        sched_yield();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* the child's copy of the module lock is usable: C_Initialize and a call */
        CK_TOKEN_INFO ti;
        int ok = F->C_Initialize(NULL) == CKR_OK && F->C_GetTokenInfo(1, &ti) == CKR_OK &&
                 F->C_Finalize(NULL) == CKR_OK;
        _exit(ok ? 0 : 1);
    }
    CHECK(__atomic_load_n(&g_released, __ATOMIC_SEQ_CST) == 1, "fork() landed while a thread held the module lock");
    pthread_join(th, NULL);
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child after fork failed (status 0x%x)", st);
    CK_SESSION_INFO si;
    RV(F->C_GetSessionInfo(h, &si), CKR_OK); /* the parent's lock was released */
    RV(F->C_Finalize(NULL), CKR_OK);
    return g_fail;
}

/* ---- chip-held PIN: the applet session lost and the slots taken ----
 * (docs/pkcs11.md "PIN held by the chip"). The parent logs in and signs;
 * two forked clients log in and end without C_Finalize (their sessions stay
 * allocated on the chip; the second finds both slots taken and ends all
 * sessions, the parent's included); the parent's next signature still
 * verifies: the module re-opened its session with the PIN. */
static int login_leak(const char *pin)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        CK_SESSION_HANDLE c = 0;
        if (F->C_Initialize(NULL) != CKR_OK ||
            F->C_OpenSession(1, CKF_SERIAL_SESSION, NULL, NULL, &c) != CKR_OK ||
            F->C_Login(c, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)) != CKR_OK)
            _exit(1);
        _exit(0); /* no C_Logout, no C_Finalize: the chip keeps the session */
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int t_pinlost(const char *pin, const char *label)
{
    CK_SESSION_HANDLE h = 0;
    RV(F->C_Initialize(NULL), CKR_OK);
    RV(F->C_OpenSession(1, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h), CKR_OK);
    RV(F->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)), CKR_OK);
    struct pair k = pair_by_label(h, label);
    CHECK(sign_verify(h, k.priv, k.pub, CKM_ECDSA_SHA256, 0) == CKR_OK, "sign after login");
    CHECK(login_leak(pin), "first leaking client logs in (second slot)");
    CHECK(login_leak(pin), "second leaking client logs in (both slots taken: all sessions ended)");
    CHECK(sign_verify(h, k.priv, k.pub, CKM_ECDSA_SHA256, 0) == CKR_OK, "sign after the session was lost");
    CHECK(sign_verify(h, k.priv, k.pub, CKM_ECDSA_SHA256, 1) == CKR_OK, "multi-part sign after that");
    RV(F->C_Finalize(NULL), CKR_OK);
    return g_fail;
}
