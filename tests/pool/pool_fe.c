/* SPDX-License-Identifier: Apache-2.0 */
/* The session pool as each front end uses it (driven by the scripts here),
 * against the emulator. One P-256 key on the chip, its public key in PUB.pem.
 *   pool_fe FE stream N PUB.pem   N ECDSA signatures; after N/2 prints "PAUSE"
 *                                 and waits for a line on stdin (the script
 *                                 restarts the emulator meanwhile). At most
 *                                 one may fail; every other one verifies.
 *   pool_fe FE fork FORKS PUB.pem 4 threads sign continuously while the main
 *                                 thread forks FORKS times; each child signs
 *                                 from 2 threads and its main thread (its own
 *                                 session), all verified; nothing may hang.
 *                                 Forks land while signers are inside the
 *                                 signing call (front end, pool, session),
 *                                 never inside OpenSSL-only code (the gate,
 *                                 gate_init). ASan builds: forks while the
 *                                 signers wait between signatures
 *                                 (FORK_QUIESCE below).
 *   pool_fe FE cold PUB.pem       one signature in a fresh process (the
 *                                 script counts the APDUs of the connection)
 * FE: engine (ENGINE_LIB = libsss_engine.so), provider (OPENSSL_MODULES),
 * pkcs11 (P11_MODULE = libsss_pkcs11.so). The key is 0x7F000001 (engine,
 * provider) / label sss:7F000001 (PKCS#11). */
#define OPENSSL_SUPPRESS_DEPRECATED /* the ENGINE API */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/store.h>
#include <p11-kit/pkcs11.h>

#define KEY_ID "0x7F000001"

static const char *g_fe;
static EVP_PKEY *g_key; /* engine, provider */
static EVP_PKEY *g_pub;
static CK_FUNCTION_LIST *F;
static void *g_p11;
static OSSL_PROVIDER *g_prov, *g_dflt; /* provider: unloaded at the end (LeakSanitizer) */

/* ---- PKCS#11 ---- */
static int p11_setup(void)
{
    CK_C_GetFunctionList gfl;
    if (!g_p11) {
        const char *m = getenv("P11_MODULE");
        if (!m || !(g_p11 = dlopen(m, RTLD_NOW | RTLD_LOCAL))) {
            fprintf(stderr, "cannot load P11_MODULE %s\n", m ? m : "(unset)");
            return 0;
        }
        gfl = (CK_C_GetFunctionList)dlsym(g_p11, "C_GetFunctionList");
        if (!gfl || gfl(&F) != CKR_OK)
            return 0;
    }
    CK_C_INITIALIZE_ARGS a = {0};
    a.flags = CKF_OS_LOCKING_OK;
    CK_RV rv = F->C_Initialize(&a);
    if (rv != CKR_OK) {
        fprintf(stderr, "C_Initialize: 0x%lx\n", (unsigned long)rv);
        return 0;
    }
    return 1;
}

/* A session of this thread (logged in) and the key's handle. */
static CK_RV p11_open(CK_SESSION_HANDLE *h, CK_OBJECT_HANDLE *k)
{
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    char label[] = "sss:7F000001";
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, label, sizeof label - 1}};
    CK_ULONG n = 0;
    CK_RV rv = F->C_OpenSession(1, CKF_SERIAL_SESSION, NULL, NULL, h);
    if (rv != CKR_OK)
        return rv;
    rv = F->C_Login(*h, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4);
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
        return rv;
    if ((rv = F->C_FindObjectsInit(*h, t, 2)) != CKR_OK)
        return rv;
    rv = F->C_FindObjects(*h, k, 1, &n);
    F->C_FindObjectsFinal(*h);
    if (rv == CKR_OK && n != 1)
        rv = CKR_KEY_HANDLE_INVALID;
    return rv;
}

/* raw r||s -> DER */
static int raw_to_der(const uint8_t *raw, size_t len, uint8_t *der, size_t *dlen)
{
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, (int)(len / 2), NULL), *ss = BN_bin2bn(raw + len / 2, (int)(len / 2), NULL);
    unsigned char *p = der;
    int n;
    if (!s || !r || !ss || !ECDSA_SIG_set0(s, r, ss)) {
        BN_free(r);
        BN_free(ss);
        ECDSA_SIG_free(s);
        return 0;
    }
    n = i2d_ECDSA_SIG(s, &p);
    ECDSA_SIG_free(s);
    if (n <= 0)
        return 0;
    *dlen = (size_t)n;
    return 1;
}

/* ---- one signature, verified ---- */
/* The OpenSSL gate (fork mode). OpenSSL keeps process-wide locks that a
 * child cannot take if a parent thread held one at fork time — and some are
 * taken on every operation: EVP_PKEY_CTX_new/free of an engine key take the
 * ENGINE write lock (ENGINE_init/ENGINE_finish). A child forked inside such a
 * window hangs in OpenSSL (seen under TSan as "child 40: signal 14"); POSIX
 * allows only async-signal-safe calls after a multi-threaded fork and OpenSSL
 * 3.0 does not make its locks fork-safe, so that is not what this test is
 * about. The signers therefore make the calls that only OpenSSL runs —
 * context set-up and tear-down, digests, the verification — inside the gate
 * (read side), and the main thread forks holding its write side. The
 * signing call itself, where the front end, the pool and the session (our
 * locks) do their work, stays outside: forks still land there. */
static pthread_rwlock_t g_gate;

static void gate_init(void)
{
    pthread_rwlockattr_t a;
    pthread_rwlockattr_init(&a);
    /* four readers re-entering all the time would starve a reader-preferring writer */
    pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&g_gate, &a);
    pthread_rwlockattr_destroy(&a);
}
/* A child never forks, and must not touch the gate it inherited write-locked
 * by the parent's main thread (glibc's rwlock knows its writer by thread id,
 * which is another in the child): there the gate is off. */
static int g_gate_off;
static void gate_in(void)
{
    if (!g_gate_off)
        pthread_rwlock_rdlock(&g_gate);
}
static void gate_out(void)
{
    if (!g_gate_off)
        pthread_rwlock_unlock(&g_gate);
}

static int verify(const uint8_t dgst[32], const uint8_t *sig, size_t siglen)
{
    EVP_PKEY_CTX *v = EVP_PKEY_CTX_new_from_pkey(NULL, g_pub, "provider=default");
    int ok = v && EVP_PKEY_verify_init(v) > 0 && EVP_PKEY_verify(v, sig, siglen, dgst, 32) == 1;
    EVP_PKEY_CTX_free(v);
    return ok;
}

/* 1 signed and verified, 0 failed. For PKCS#11: h/k of the calling thread.
 * Only the signing call runs outside the OpenSSL gate (see gate_init). */
static int sign_once(int n, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k)
{
    uint8_t dgst[32], sig[160];
    size_t siglen = sizeof sig;
    char msg[64];
    int ok;
    snprintf(msg, sizeof msg, "message %d pid %ld", n, (long)getpid());
    gate_in();
    ok = EVP_Digest(msg, strlen(msg), dgst, NULL, EVP_sha256(), NULL);
    gate_out();
    if (!ok)
        return 0;
    if (strcmp(g_fe, "pkcs11") == 0) {
        CK_MECHANISM m = {CKM_ECDSA, NULL, 0};
        uint8_t raw[132];
        CK_ULONG rl = sizeof raw;
        CK_RV rv = F->C_SignInit(h, &m, k);
        if (rv == CKR_OK)
            rv = F->C_Sign(h, dgst, 32, raw, &rl);
        if (rv != CKR_OK) {
            fprintf(stderr, "C_Sign: 0x%lx\n", (unsigned long)rv);
            return 0;
        }
        gate_in();
        ok = raw_to_der(raw, rl, sig, &siglen) && verify(dgst, sig, siglen);
        gate_out();
    } else {
        gate_in();
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(g_key, NULL);
        ok = c && EVP_PKEY_sign_init(c) > 0;
        gate_out();
        ok = ok && EVP_PKEY_sign(c, sig, &siglen, dgst, 32) > 0;
        gate_in();
        EVP_PKEY_CTX_free(c);
        if (!ok)
            ERR_print_errors_fp(stderr);
        ok = ok && verify(dgst, sig, siglen);
        gate_out();
    }
    ERR_clear_error();
    return ok;
}

static int setup(void)
{
    if (strcmp(g_fe, "engine") == 0) {
        ENGINE *e = ENGINE_by_id("dynamic");
        const char *lib = getenv("ENGINE_LIB");
        if (!e || !lib || !ENGINE_ctrl_cmd_string(e, "SO_PATH", lib, 0) ||
            !ENGINE_ctrl_cmd_string(e, "LOAD", NULL, 0) || !ENGINE_init(e)) {
            ERR_print_errors_fp(stderr);
            return 0;
        }
        g_key = ENGINE_load_private_key(e, KEY_ID, NULL, NULL);
        ENGINE_finish(e);
        ENGINE_free(e);
    } else if (strcmp(g_fe, "provider") == 0) {
        g_prov = OSSL_PROVIDER_load(NULL, "se05x");
        g_dflt = g_prov ? OSSL_PROVIDER_load(NULL, "default") : NULL;
        if (!g_prov || !g_dflt)
            return 0;
        OSSL_STORE_CTX *st = OSSL_STORE_open("nxp:" KEY_ID, NULL, NULL, NULL, NULL);
        while (st && !g_key && !OSSL_STORE_eof(st)) {
            OSSL_STORE_INFO *i = OSSL_STORE_load(st);
            if (i && OSSL_STORE_INFO_get_type(i) == OSSL_STORE_INFO_PKEY)
                g_key = OSSL_STORE_INFO_get1_PKEY(i);
            OSSL_STORE_INFO_free(i);
        }
        OSSL_STORE_close(st);
    } else if (strcmp(g_fe, "pkcs11") == 0) {
        return p11_setup();
    } else {
        fprintf(stderr, "unknown front end %s\n", g_fe);
        return 0;
    }
    if (!g_key) {
        ERR_print_errors_fp(stderr);
        fprintf(stderr, "%s: cannot load key " KEY_ID "\n", g_fe);
    }
    return g_key != NULL;
}

/* ---- stream with a restart in the middle ---- */
static int t_stream(int n)
{
    CK_SESSION_HANDLE h = 0;
    CK_OBJECT_HANDLE k = 0;
    int failed = 0, first_fail = -1;
    if (strcmp(g_fe, "pkcs11") == 0 && p11_open(&h, &k) != CKR_OK) {
        fprintf(stderr, "pkcs11: no session/key\n");
        return 1;
    }
    for (int i = 0; i < n; i++) {
        if (i == n / 2) {
            char line[16];
            printf("PAUSE\n");
            fflush(stdout);
            if (!fgets(line, sizeof line, stdin))
                return 1;
        }
        if (!sign_once(i, h, k)) {
            failed++;
            if (first_fail < 0)
                first_fail = i;
        }
    }
    printf("signatures=%d failed=%d first_failure=%d\n", n, failed, first_fail);
    if (failed > 1 || (failed == 1 && first_fail != n / 2)) {
        fprintf(stderr, "FAIL: %d failures (first at %d); at most one, right after the restart\n",
                failed, first_fail);
        return 1;
    }
    if (strcmp(g_fe, "pkcs11") == 0)
        F->C_Finalize(NULL);
    return 0;
}

/* ---- fork while threads sign ---- */
static atomic_int g_stop, g_errors, g_count;
/* signer threads past their first signature: a thread's first OpenSSL call
 * registers its thread state under a process-wide OpenSSL write lock, and a
 * child forked while a parent thread holds that lock hangs in OpenSSL (not
 * in our code: POSIX allows only async-signal-safe calls after a
 * multi-threaded fork, OpenSSL 3.0 does nothing about its locks). The forks
 * wait until every signer is past it, so that what they test is our locks in
 * steady state. Seen as "child 0: signal 14" about once in 25 runs before. */
static atomic_int g_warm;

/* AddressSanitizer builds: the forks happen while every parent signer waits
 * between two signatures. The ASan runtime of gcc 12 (Debian 12) does not
 * lock its allocator around fork (later compiler-rt versions install a
 * pthread_atfork handler for that): a child forked while a parent thread was
 * inside malloc deadlocks on its first allocation of that size (seen as
 * "child N: signal 14" under ASan, with the child's threads in
 * SizeClassAllocator64::GetFromAllocator). Forks in the middle of operations
 * (our locks held by parent threads) are tested by the gcc and TSan passes. */
#if defined(__SANITIZE_ADDRESS__)
#define FORK_QUIESCE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FORK_QUIESCE 1
#endif
#endif
#ifndef FORK_QUIESCE
#define FORK_QUIESCE 0
#endif
static pthread_mutex_t g_q_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_q_cv = PTHREAD_COND_INITIALIZER;
static int g_q_forking, g_q_parked, g_q_running; /* under g_q_mu */

/* a signer between two signatures: waits while the main thread forks */
static void q_point(void)
{
    if (!FORK_QUIESCE)
        return;
    pthread_mutex_lock(&g_q_mu);
    if (g_q_forking) {
        g_q_parked++;
        pthread_cond_broadcast(&g_q_cv);
        while (g_q_forking)
            pthread_cond_wait(&g_q_cv, &g_q_mu);
        g_q_parked--;
    }
    pthread_mutex_unlock(&g_q_mu);
}

static void q_running(int d)
{
    pthread_mutex_lock(&g_q_mu);
    g_q_running += d;
    pthread_cond_broadcast(&g_q_cv);
    pthread_mutex_unlock(&g_q_mu);
}

/* main thread, before fork: every running signer parked (ASan builds) */
static void q_hold(void)
{
    if (!FORK_QUIESCE)
        return;
    pthread_mutex_lock(&g_q_mu);
    g_q_forking = 1;
    while (g_q_parked < g_q_running)
        pthread_cond_wait(&g_q_cv, &g_q_mu);
    pthread_mutex_unlock(&g_q_mu);
}

/* parent, after fork: the signers go on */
static void q_release(void)
{
    if (!FORK_QUIESCE)
        return;
    pthread_mutex_lock(&g_q_mu);
    g_q_forking = 0;
    pthread_cond_broadcast(&g_q_cv);
    pthread_mutex_unlock(&g_q_mu);
}

static void *signer(void *arg)
{
    int base = (int)(intptr_t)arg * 100000;
    CK_SESSION_HANDLE h = 0;
    CK_OBJECT_HANDLE k = 0;
    if (strcmp(g_fe, "pkcs11") == 0 && p11_open(&h, &k) != CKR_OK) {
        atomic_fetch_add(&g_errors, 1);
        q_running(-1);
        return NULL;
    }
    for (int i = 0; !atomic_load(&g_stop); i++) {
        if (!sign_once(base + i, h, k))
            atomic_fetch_add(&g_errors, 1);
        atomic_fetch_add(&g_count, 1);
        if (i == 0)
            atomic_fetch_add(&g_warm, 1);
        q_point();
    }
    if (h)
        F->C_CloseSession(h);
    q_running(-1);
    return NULL;
}

static void *child_signer(void *arg)
{
    CK_SESSION_HANDLE h = 0;
    CK_OBJECT_HANDLE k = 0;
    if (strcmp(g_fe, "pkcs11") == 0 && p11_open(&h, &k) != CKR_OK)
        return (void *)1;
    return sign_once((int)(intptr_t)arg, h, k) ? NULL : (void *)1;
}

static int child(int n)
{
    pthread_t t[2];
    int bad = 0;
    /* POOL_CHILD_THREADS=0: the child signs from its main thread only
     * (ThreadSanitizer cannot start threads after a multi-threaded fork) */
    const char *ct = getenv("POOL_CHILD_THREADS");
    int nt = ct != NULL && strcmp(ct, "0") == 0 ? 0 : 2;
    alarm(120); /* a hang fails this child instead of the whole test's timeout */
    if (strcmp(g_fe, "pkcs11") == 0 && !p11_setup()) /* PKCS#11: the child initialises its own */
        return 1;
    for (int i = 0; i < nt; i++)
        if (pthread_create(&t[i], NULL, child_signer, (void *)(intptr_t)(n * 10 + i)) != 0)
            return 1;
    CK_SESSION_HANDLE h = 0;
    CK_OBJECT_HANDLE k = 0;
    if (strcmp(g_fe, "pkcs11") == 0 && p11_open(&h, &k) != CKR_OK)
        bad++;
    else if (!sign_once(n * 10 + 9, h, k))
        bad++;
    for (int i = 0; i < nt; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad += r != NULL;
    }
    return bad ? 1 : 0;
}

static int t_fork(int forks)
{
    pthread_t t[4];
    int bad = 0;
    for (int i = 0; i < 4; i++) {
        q_running(1);
        if (pthread_create(&t[i], NULL, signer, (void *)(intptr_t)(i + 1)) != 0)
            return 1;
    }
    while (atomic_load(&g_warm) < 4 && !atomic_load(&g_errors))
        sched_yield();
    for (int f = 0; f < forks; f++) {
        /* let the threads get going so that forks land in the middle of operations */
        while (atomic_load(&g_count) < f + 1 && !atomic_load(&g_errors))
            sched_yield();
        fflush(NULL);
        q_hold();
        pthread_rwlock_wrlock(&g_gate); /* no parent thread inside OpenSSL-only code */
        pid_t pid = fork();
        if (pid == 0) {
            g_gate_off = 1;
            _exit(child(f));
        }
        pthread_rwlock_unlock(&g_gate);
        q_release();
        if (pid < 0)
            return 1;
        int st = 0;
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "FAIL: child %d: %s %d\n", f, WIFSIGNALED(st) ? "signal" : "exit",
                    WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
            bad++;
        }
    }
    atomic_store(&g_stop, 1);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    printf("forks=%d failed_children=%d parent_signatures=%d parent_errors=%d\n", forks, bad,
           atomic_load(&g_count), atomic_load(&g_errors));
    if (strcmp(g_fe, "pkcs11") == 0)
        F->C_Finalize(NULL);
    return bad || atomic_load(&g_errors) ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: pool_fe engine|provider|pkcs11 stream N PUB.pem | fork FORKS PUB.pem | cold PUB.pem\n");
        return 2;
    }
    g_fe = argv[1];
    gate_init();
    const char *mode = argv[2], *pubf = argv[argc - 1];
    FILE *f = fopen(pubf, "r");
    if (!f || !(g_pub = PEM_read_PUBKEY(f, NULL, NULL, NULL))) {
        fprintf(stderr, "cannot read %s\n", pubf);
        return 2;
    }
    fclose(f);
    if (!setup())
        return 1;
    int rc;
    if (strcmp(mode, "stream") == 0 && argc == 5) {
        rc = t_stream(atoi(argv[3]));
    } else if (strcmp(mode, "fork") == 0 && argc == 5) {
        rc = t_fork(atoi(argv[3]));
    } else if (strcmp(mode, "cold") == 0) {
        CK_SESSION_HANDLE h = 0;
        CK_OBJECT_HANDLE k = 0;
        if (strcmp(g_fe, "pkcs11") == 0 && p11_open(&h, &k) != CKR_OK)
            return 1;
        rc = sign_once(0, h, k) ? 0 : 1;
        if (strcmp(g_fe, "pkcs11") == 0)
            F->C_Finalize(NULL);
    } else {
        return 2;
    }
    EVP_PKEY_free(g_key);
    EVP_PKEY_free(g_pub);
    if (g_prov)
        OSSL_PROVIDER_unload(g_prov);
    if (g_dflt)
        OSSL_PROVIDER_unload(g_dflt);
    return rc;
}
