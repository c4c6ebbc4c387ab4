/* SPDX-License-Identifier: Apache-2.0 */
/* The PKCS#11 side of the stale-key test (verify.sh): the module learns the
 * public key of a key object (CKA_PUBLIC_KEY_INFO), the key is then deleted
 * and generated again under the same id by another process (REGEN_CMD), and
 * C_Sign must fail with CKR_KEY_CHANGED instead of returning a signature
 * that the key the application knows does not verify.
 * Usage: p11_stale MODULE OBJID_HEX REGEN_CMD   (exit 0 = the expected failure) */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

#define CHECK(rv, what)                                                                   \
    do {                                                                                  \
        CK_RV r_ = (rv);                                                                  \
        if (r_ != CKR_OK) {                                                               \
            fprintf(stderr, "p11_stale: %s: rv 0x%lx\n", what, (unsigned long)r_);        \
            return 2;                                                                     \
        }                                                                                 \
    } while (0)

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: p11_stale MODULE OBJID_HEX REGEN_CMD\n");
        return 2;
    }
    unsigned long id = strtoul(argv[2], NULL, 16);
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "p11_stale: %s\n", dlerror());
        return 2;
    }
    CK_C_GetFunctionList gfl = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
    CK_FUNCTION_LIST_PTR f = NULL;
    if (!gfl)
        return 2;
    CHECK(gfl(&f), "C_GetFunctionList");
    CHECK(f->C_Initialize(NULL), "C_Initialize");
    CK_SLOT_ID slot;
    CK_ULONG ns = 1;
    CHECK(f->C_GetSlotList(CK_TRUE, &slot, &ns), "C_GetSlotList");
    CK_SESSION_HANDLE h;
    CHECK(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h), "C_OpenSession");
    CK_RV rv = f->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4);
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
        CHECK(rv, "C_Login");
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_BYTE idb[4] = {(CK_BYTE)(id >> 24), (CK_BYTE)(id >> 16), (CK_BYTE)(id >> 8), (CK_BYTE)id};
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, idb, sizeof idb}};
    CK_OBJECT_HANDLE key;
    CK_ULONG n = 0;
    CHECK(f->C_FindObjectsInit(h, tmpl, 2), "C_FindObjectsInit");
    CHECK(f->C_FindObjects(h, &key, 1, &n), "C_FindObjects");
    CHECK(f->C_FindObjectsFinal(h), "C_FindObjectsFinal");
    if (n != 1) {
        fprintf(stderr, "p11_stale: no private key with id %08lX\n", id);
        return 2;
    }
    /* the module now holds the key's public part */
    CK_BYTE spki[600];
    CK_ATTRIBUTE a = {CKA_PUBLIC_KEY_INFO, spki, sizeof spki};
    CHECK(f->C_GetAttributeValue(h, key, &a, 1), "C_GetAttributeValue(CKA_PUBLIC_KEY_INFO)");
    if (system(argv[3]) != 0) {
        fprintf(stderr, "p11_stale: '%s' failed\n", argv[3]);
        return 2;
    }
    CK_MECHANISM m = {CKM_ECDSA, NULL, 0};
    CK_BYTE dg[32], sig[200];
    CK_ULONG sl = sizeof sig;
    memset(dg, 0x5A, sizeof dg);
    CHECK(f->C_SignInit(h, &m, key), "C_SignInit");
    rv = f->C_Sign(h, dg, sizeof dg, sig, &sl);
    printf("C_Sign: rv 0x%lx\n", (unsigned long)rv);
    f->C_Finalize(NULL);
    dlclose(lib);
    return rv == CKR_KEY_CHANGED ? 0 : 1;
}
