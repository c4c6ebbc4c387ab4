/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the parts of p11_check (p11_check.c lists the subcommands): the
 * module's function list, the failure count and the helpers every test uses. */
#ifndef P11_CHECK_H
#define P11_CHECK_H

#include <p11-kit/pkcs11.h>
#include <stdint.h>
#include <stdio.h>

extern CK_FUNCTION_LIST *F; /* the module under test (main) */
extern int g_fail;          /* failed CHECKs in this process */

#include "../helpers/check.h" /* CHECK: counts into g_fail */
#define RV(call, want) do { CK_RV r_ = (call); CHECK(r_ == (want), "%s = 0x%lx, want 0x%lx", #call, (unsigned long)r_, (unsigned long)(want)); } while (0)

/* A private key and its public key. */
struct pair {
    CK_OBJECT_HANDLE priv, pub;
};
/* The keys the tests expect on the chip: RSA-2048 pair 0x20181001, P-256 pair 0x20181002. */
struct test_keys {
    struct pair rsa, ec;
};

/* Opens a read-write session and logs in with PIN 1234 (already logged in is fine). */
CK_SESSION_HANDLE open_login(void);
/* C_FindObjectsInit / C_FindObjects (up to max) / C_FindObjectsFinal: the count found. */
CK_ULONG find(CK_SESSION_HANDLE h, CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_HANDLE *out, CK_ULONG max);
/* The one object of class cls labelled label (CHECKed). */
CK_OBJECT_HANDLE key_by_label(CK_SESSION_HANDLE h, const char *label, CK_OBJECT_CLASS cls);
/* The private and the public key labelled label. */
struct pair pair_by_label(CK_SESSION_HANDLE h, const char *label);
struct test_keys test_keys(CK_SESSION_HANDLE h);
/* Signs 32 bytes (single or multi-part) and verifies with C_Verify: the first CK_RV that is not CKR_OK. */
int sign_verify(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pub, CK_MECHANISM_TYPE m,
                int multipart);
/* One turn of the concurrent signers: SHA256_RSA_PKCS with the RSA pair when
 * turn % 4 == 0, else ECDSA_SHA256 with the EC pair. */
int sign_turn(CK_SESSION_HANDLE h, const struct test_keys *k, long turn, int multipart);

/* Application mutex callbacks (pthread mutexes) for CK_C_INITIALIZE_ARGS:
 * g_locks counts m_lock calls, g_last_mutex is the last mutex created. */
extern int g_locks;
extern void *g_last_mutex;
CK_RV m_create(void **m);
CK_RV m_destroy(void *m);
CK_RV m_lock(void *m);
CK_RV m_unlock(void *m);

/* The subcommands: each returns the number of failures. */
int t_lazy(void);                    /* p11_check_api.c */
int t_api(const char *ecpem);
int t_robust(void);                  /* p11_check_robust.c */
int t_stale(void);
int t_session(void);                 /* p11_check_session.c */
int t_mutex(void);                   /* p11_check_threads.c */
int t_stress(int threads, int iters);
int t_fork(void);                    /* p11_check_fork.c */
int t_forkstress(int threads, int forks, const char *pubpem, int cycle);
int t_forkwait(void);
int t_pinlost(const char *pin, const char *label);

#endif
