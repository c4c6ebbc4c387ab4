/* SPDX-License-Identifier: Apache-2.0 */
/* PKCS#11 production lock (docs/production.md): C_GenerateKeyPair of a P-256
 * pair with CKA_DESTROYABLE false (pkcs11-tool 0.23 does not pass
 * --undestroyable for key pairs), then C_DestroyObject on it, which the
 * chip must refuse; the key reports CKA_DESTROYABLE false. A control pair
 * at HEXID + 1 made without it reports true and is destroyed.
 *   lifecycle_p11lock MODULE HEXID     exit 0: all of that holds */
#include <dlfcn.h>
#include <p11-kit/pkcs11.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 3 || strlen(argv[2]) != 8) {
        fprintf(stderr, "usage: lifecycle_p11lock MODULE HEXID(8 digits)\n");
        return 2;
    }
    void *h = dlopen(argv[1], RTLD_NOW);
    CK_C_GetFunctionList gfl = h ? (CK_C_GetFunctionList)dlsym(h, "C_GetFunctionList") : NULL;
    CK_FUNCTION_LIST *f = NULL;
    if (!gfl || gfl(&f) != CKR_OK || f->C_Initialize(NULL) != CKR_OK) {
        fprintf(stderr, "cannot load %s\n", argv[1]);
        return 2;
    }
    CK_SLOT_ID slot;
    CK_ULONG ns = 1;
    CK_SESSION_HANDLE s;
    int rc = 2;
    if (f->C_GetSlotList(CK_TRUE, &slot, &ns) != CKR_OK || ns < 1 ||
        f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s) != CKR_OK ||
        f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4) != CKR_OK) {
        fprintf(stderr, "no session\n");
        goto out;
    }
    unsigned long idv = strtoul(argv[2], NULL, 16);
    CK_BYTE id[4] = {(CK_BYTE)(idv >> 24), (CK_BYTE)(idv >> 16), (CK_BYTE)(idv >> 8), (CK_BYTE)idv};
    CK_BYTE p256[] = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE pub[] = {{CKA_EC_PARAMS, p256, sizeof p256}, {CKA_TOKEN, &yes, sizeof yes},
                          {CKA_ID, id, sizeof id}};
    CK_ATTRIBUTE prv[] = {{CKA_TOKEN, &yes, sizeof yes}, {CKA_ID, id, sizeof id},
                          {CKA_SIGN, &yes, sizeof yes}, {CKA_DESTROYABLE, &no, sizeof no}};
    CK_MECHANISM m = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_OBJECT_HANDLE hp, hk;
    CK_RV rv = f->C_GenerateKeyPair(s, &m, pub, 3, prv, 4, &hp, &hk);
    if (rv != CKR_OK) {
        fprintf(stderr, "C_GenerateKeyPair: 0x%lX\n", (unsigned long)rv);
        rc = 1;
        goto out;
    }
    CK_BBOOL d = CK_TRUE;
    CK_ATTRIBUTE q = {CKA_DESTROYABLE, &d, sizeof d};
    rv = f->C_GetAttributeValue(s, hk, &q, 1);
    printf("CKA_DESTROYABLE of the locked key: rv 0x%lX value %d\n", (unsigned long)rv, (int)d);
    if (rv != CKR_OK || d != CK_FALSE) {
        rc = 1;
        goto out;
    }
    rv = f->C_DestroyObject(s, hk);
    printf("C_DestroyObject of the locked key: 0x%lX\n", (unsigned long)rv);
    if (rv == CKR_OK) {
        rc = 1;
        goto out;
    }
    /* control: the same without CKA_DESTROYABLE false */
    idv++;
    CK_BYTE id2[4] = {(CK_BYTE)(idv >> 24), (CK_BYTE)(idv >> 16), (CK_BYTE)(idv >> 8), (CK_BYTE)idv};
    pub[2].pValue = id2;
    prv[1].pValue = id2;
    rv = f->C_GenerateKeyPair(s, &m, pub, 3, prv, 3, &hp, &hk);
    d = CK_FALSE;
    if (rv == CKR_OK)
        rv = f->C_GetAttributeValue(s, hk, &q, 1);
    printf("CKA_DESTROYABLE of an unlocked key: rv 0x%lX value %d\n", (unsigned long)rv, (int)d);
    if (rv != CKR_OK || d != CK_TRUE) {
        rc = 1;
        goto out;
    }
    rv = f->C_DestroyObject(s, hk);
    printf("C_DestroyObject of the unlocked key: 0x%lX\n", (unsigned long)rv);
    rc = rv == CKR_OK ? 0 : 1;
out:
    f->C_Finalize(NULL);
    return rc;
}
