/* SPDX-License-Identifier: Apache-2.0 */
/* PKCS#11 behaviour checks against libsss_pkcs11.so on an emulator.
 *   p11_check MODULE lazy                    no chip access before real use
 *   p11_check MODULE api EC_KEY.pem          attributes, labels, login, sign/verify, ECDH, keygen errors
 *   p11_check MODULE robust                  every attribute of every object, NULL/bad arguments
 *   p11_check MODULE stale                   key deleted/re-created by another program (needs ssscli)
 *   p11_check MODULE mutex                   application mutex callbacks are used
 *   p11_check MODULE fork                    child: CKR_CRYPTOKI_NOT_INITIALIZED until C_Initialize
 *   p11_check MODULE session                 CKA_TOKEN false/missing: transient chip objects, gone with the session
 *   p11_check MODULE forkstress THREADS FORKS EC_PUB.pem   forks while threads sign; children sign too
 *   p11_check MODULE forkinit FORKS EC_PUB.pem             forks while a thread runs C_Initialize..C_Finalize
 *   p11_check MODULE forkwait                fork() waits for a thread that holds the module lock
 *   p11_check MODULE stress THREADS ITERS    concurrent signing, prints "errors=N"
 *   p11_check MODULE pinlost PIN LABEL       chip-held PIN: the applet session lost, the module re-opens it
 * Expects RSA-2048 pair 0x20181001 and P-256 pair 0x20181002 on the chip.
 * One file per subject: p11_check_api.c (lazy, api), p11_check_robust.c
 * (robust, stale), p11_check_session.c, p11_check_threads.c (mutex, stress),
 * p11_check_fork.c (fork*, pinlost); shared helpers in p11_check_util.c. */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "p11_check.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: p11_check MODULE lazy|api|mutex|fork|stress ...\n");
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    CK_C_GetFunctionList gfl = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
    if (!gfl || gfl(&F) != CKR_OK)
        return 1;
    CHECK(F->version.major == 2 && F->version.minor == 40, "function list version");
    int rc;
    if (strcmp(argv[2], "lazy") == 0)
        rc = t_lazy();
    else if (strcmp(argv[2], "api") == 0)
        rc = t_api(argc > 3 ? argv[3] : NULL);
    else if (strcmp(argv[2], "robust") == 0)
        rc = t_robust();
    else if (strcmp(argv[2], "stale") == 0)
        rc = t_stale();
    else if (strcmp(argv[2], "mutex") == 0)
        rc = t_mutex();
    else if (strcmp(argv[2], "fork") == 0)
        rc = t_fork();
    else if (strcmp(argv[2], "session") == 0)
        rc = t_session();
    else if (strcmp(argv[2], "forkstress") == 0 && argc == 6)
        rc = t_forkstress(atoi(argv[3]), atoi(argv[4]), argv[5], 0);
    else if (strcmp(argv[2], "forkwait") == 0)
        rc = t_forkwait();
    else if (strcmp(argv[2], "forkinit") == 0 && argc == 5)
        rc = t_forkstress(1, atoi(argv[3]), argv[4], 1);
    else if (strcmp(argv[2], "pinlost") == 0 && argc == 5)
        rc = t_pinlost(argv[3], argv[4]);
    else if (strcmp(argv[2], "stress") == 0 && argc == 5)
        rc = t_stress(atoi(argv[3]), atoi(argv[4]));
    else
        return 2;
    if (rc)
        fprintf(stderr, "%s: %d failure(s)\n", argv[2], rc);
    else
        printf("%s: ok\n", argv[2]);
    dlclose(lib);
    return rc ? 1 : 0;
}
