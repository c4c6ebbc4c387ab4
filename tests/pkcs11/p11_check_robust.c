/* SPDX-License-Identifier: Apache-2.0 */
/* p11_check robust, stale: hostile callers (every attribute of every object,
 * NULL pointers, bad handles); a key deleted and re-created by another program. */
#include <stdlib.h>

#include "p11_check.h"

/* ---- hostile callers: every attribute of every object, NULL pointers, bad handles ---- */
int t_robust(void)
{
    RV(F->C_Initialize(NULL), CKR_OK);
    CK_SESSION_HANDLE h = open_login();
    CK_OBJECT_HANDLE o[64];
    CK_ULONG n = find(h, NULL, 0, o, 64);
    CHECK(n >= 6, "objects listed: %lu", (unsigned long)n);
    unsigned long answered = 0;
    for (CK_ULONG i = 0; i < n; i++) {
        for (CK_ATTRIBUTE_TYPE t = 0; t < 0x700; t++) {
            CK_ATTRIBUTE a = {t, NULL, 0};
            CK_RV rv = F->C_GetAttributeValue(h, o[i], &a, 1);
            if (rv == CKR_OK && a.ulValueLen != CK_UNAVAILABLE_INFORMATION) {
                answered++;
                uint8_t *b = malloc(a.ulValueLen + 1);
                CK_ULONG want = a.ulValueLen;
                a.pValue = b;
                RV(F->C_GetAttributeValue(h, o[i], &a, 1), CKR_OK);
                CHECK(a.ulValueLen == want, "attr 0x%lx length changed", (unsigned long)t);
                if (want > 0) { /* one byte short */
                    a.ulValueLen = want - 1;
                    RV(F->C_GetAttributeValue(h, o[i], &a, 1), CKR_BUFFER_TOO_SMALL);
                    CHECK(a.ulValueLen == CK_UNAVAILABLE_INFORMATION, "short buffer length");
                }
                free(b);
            } else {
                CHECK(rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE,
                      "attr 0x%lx: rv 0x%lx", (unsigned long)t, (unsigned long)rv);
                CHECK(a.ulValueLen == CK_UNAVAILABLE_INFORMATION, "attr 0x%lx: length", (unsigned long)t);
            }
        }
    }
    CHECK(answered > 100, "only %lu attributes answered", answered);
    /* NULL pointers and invalid handles give errors, never crashes */
    CK_ULONG cnt = 0;
    CK_BYTE buf[16];
    CK_MECHANISM m = {CKM_ECDSA, NULL, 0};
    RV(F->C_GetSlotList(CK_TRUE, NULL, NULL), CKR_ARGUMENTS_BAD);
    RV(F->C_GetTokenInfo(7, NULL), CKR_SLOT_ID_INVALID);
    RV(F->C_GetTokenInfo(1, NULL), CKR_ARGUMENTS_BAD);
    RV(F->C_OpenSession(1, 0, NULL, NULL, &h), CKR_SESSION_PARALLEL_NOT_SUPPORTED);
    RV(F->C_GetAttributeValue(h, o[0], NULL, 3), CKR_ARGUMENTS_BAD);
    RV(F->C_GetAttributeValue(0x7777, o[0], NULL, 0), CKR_SESSION_HANDLE_INVALID);
    RV(F->C_FindObjects(h, NULL, 4, &cnt), CKR_OPERATION_NOT_INITIALIZED);
    RV(F->C_SignInit(h, NULL, o[0]), CKR_ARGUMENTS_BAD);
    RV(F->C_SignInit(h, &m, 0), CKR_KEY_HANDLE_INVALID);
    RV(F->C_SignInit(h, &m, 0xFFFFFFF1), CKR_KEY_HANDLE_INVALID);
    RV(F->C_Sign(h, buf, 4, buf, &cnt), CKR_OPERATION_NOT_INITIALIZED);
    RV(F->C_Decrypt(h, buf, 4, buf, &cnt), CKR_OPERATION_NOT_INITIALIZED);
    RV(F->C_DigestInit(h, &m), CKR_MECHANISM_INVALID);
    RV(F->C_GenerateRandom(h, NULL, 5), CKR_ARGUMENTS_BAD);
    RV(F->C_CreateObject(h, NULL, 2, o), CKR_ARGUMENTS_BAD);
    RV(F->C_DestroyObject(h, 12345678), CKR_OBJECT_HANDLE_INVALID);
    CK_ECDH1_DERIVE_PARAMS dp = {CKD_NULL, 0, NULL, 3, buf};
    CK_MECHANISM dm = {CKM_ECDH1_DERIVE, &dp, sizeof(dp)};
    CK_OBJECT_HANDLE ec = key_by_label(h, "sss:20181002", CKO_PRIVATE_KEY), out = 0;
    RV(F->C_DeriveKey(h, &dm, ec, NULL, 0, &out), CKR_MECHANISM_PARAM_INVALID);
    CK_ATTRIBUTE bad[] = {{CKA_CLASS, buf, 1}};
    RV(F->C_CreateObject(h, bad, 1, o), CKR_TEMPLATE_INCOMPLETE);
    RV(F->C_Logout(h), CKR_OK);
    RV(F->C_Login(h, CKU_USER, NULL, 4), CKR_ARGUMENTS_BAD);
    RV(F->C_Login(h, CKU_SO, (CK_UTF8CHAR_PTR) "1234", 4), CKR_USER_TYPE_INVALID);
    RV(F->C_Finalize(NULL), CKR_OK);
    return g_fail;
}

/* ---- a key deleted and re-created by another program ---- */
int t_stale(void)
{
    RV(F->C_Initialize(NULL), CKR_OK);
    CK_SESSION_HANDLE h = open_login();
    struct pair k = pair_by_label(h, "sss:20181005");
    CHECK(sign_verify(h, k.priv, k.pub, CKM_ECDSA_SHA256, 0) == CKR_OK, "sign before deletion");
    CHECK(system("ssscli erase 0x20181005") == 0, "ssscli erase");
    CHECK(sign_verify(h, k.priv, k.pub, CKM_ECDSA_SHA256, 0) == CKR_KEY_HANDLE_INVALID, "sign with a deleted key");
    CK_OBJECT_HANDLE o[4];
    CK_OBJECT_CLASS pk = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &pk, sizeof(pk)}, {CKA_LABEL, "sss:20181005", 12}};
    CHECK(find(h, t, 2, o, 4) == 0, "deleted key still found");
    CHECK(system("ssscli generate ecc 0x20181005 NIST_P384") == 0, "ssscli generate");
    struct pair k2 = pair_by_label(h, "sss:20181005");
    CHECK(k2.priv != k.priv, "a new object gets a new handle");
    CHECK(sign_verify(h, k2.priv, k2.pub, CKM_ECDSA_SHA384, 0) == CKR_OK, "sign with the re-created key");
    RV(F->C_Finalize(NULL), CKR_OK);
    return g_fail;
}
