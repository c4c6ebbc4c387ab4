/* SPDX-License-Identifier: Apache-2.0 */
/* p11_check lazy, api: no chip access before real use; attributes, labels,
 * login, sign/verify, digests, OAEP, ECDH, keygen refusals, import and
 * certificate pairing. */
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <string.h>

#include "p11_check.h"

/* ---- lazy ---- */
int t_lazy(void)
{
    CK_SLOT_ID slots[4];
    CK_ULONG n = 4;
    CK_SLOT_INFO si;
    CK_TOKEN_INFO ti;
    CK_SESSION_HANDLE h;
    RV(F->C_Initialize(NULL), CKR_OK);
    RV(F->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
    RV(F->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK);
    CHECK(n == 1, "one slot");
    RV(F->C_GetSlotInfo(slots[0], &si), CKR_OK);
    CHECK(si.flags & CKF_TOKEN_PRESENT, "token present");
    RV(F->C_OpenSession(slots[0], CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_OK);
    /* the port is unreachable: the first real use fails cleanly */
    RV(F->C_GetTokenInfo(slots[0], &ti), CKR_DEVICE_ERROR);
    RV(F->C_CloseSession(h), CKR_OK);
    RV(F->C_Finalize(NULL), CKR_OK);
    RV(F->C_GetSlotList(CK_TRUE, slots, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
    return g_fail;
}

/* ---- api ---- */
int t_api(const char *ecpem)
{
    CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
    RV(F->C_Initialize(&args), CKR_OK);
    CK_TOKEN_INFO ti;
    RV(F->C_GetTokenInfo(1, &ti), CKR_OK);
    CHECK(memcmp(ti.label, "SSS_PKCS11                      ", 32) == 0, "token label");
    CK_FLAGS want = CKF_TOKEN_INITIALIZED | CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_RNG;
    CHECK((ti.flags & want) == want, "token flags 0x%lx", (unsigned long)ti.flags);
    CHECK(ti.serialNumber[0] != ' ', "serial from the UID");

    CK_SESSION_HANDLE h;
    RV(F->C_OpenSession(1, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h), CKR_OK);
    /* private keys hidden before login */
    CK_OBJECT_CLASS pk = CKO_PRIVATE_KEY, pubc = CKO_PUBLIC_KEY;
    CK_ATTRIBUTE tp[] = {{CKA_CLASS, &pk, sizeof(pk)}};
    CK_OBJECT_HANDLE o[16];
    CHECK(find(h, tp, 1, o, 16) == 0, "private keys visible before login");
    CK_MECHANISM ecdsa = {CKM_ECDSA, NULL, 0};
    RV(F->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR) "0000", 4), CKR_PIN_INCORRECT);
    RV(F->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4), CKR_OK);
    RV(F->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4), CKR_USER_ALREADY_LOGGED_IN);
    CHECK(find(h, tp, 1, o, 16) == 2, "two private keys after login");

    /* label forms, no byte swap, exactly one private key per label */
    CK_OBJECT_HANDLE rsa = key_by_label(h, "sss:20181001", CKO_PRIVATE_KEY);
    CHECK(key_by_label(h, "sss:0x20181001", CKO_PRIVATE_KEY) == rsa, "0x form");
    CK_OBJECT_HANDLE ec = key_by_label(h, "sss:20181002", CKO_PRIVATE_KEY);
    CK_OBJECT_HANDLE ecpub = key_by_label(h, "sss:20181002", CKO_PUBLIC_KEY);
    CK_OBJECT_HANDLE rsapub = key_by_label(h, "sss:20181001", CKO_PUBLIC_KEY);
    {
        CK_ATTRIBUTE t[] = {{CKA_CLASS, &pk, sizeof(pk)}, {CKA_LABEL, "sss:01101820", 12}};
        CHECK(find(h, t, 2, o, 16) == 0, "byte-swapped label must not match");
        CK_BYTE one = 0x45;
        CK_ATTRIBUTE t2[] = {{CKA_ID, &one, 1}};
        CHECK(find(h, t2, 1, o, 16) == 0, "1-byte CKA_ID matches nothing");
        CK_BYTE id4[4] = {0x20, 0x18, 0x10, 0x01};
        CK_ATTRIBUTE t3[] = {{CKA_CLASS, &pubc, sizeof(pubc)}, {CKA_ID, id4, 4}};
        CHECK(find(h, t3, 2, o, 16) == 1 && o[0] == rsapub, "public key by CKA_ID");
    }
    /* attributes */
    {
        CK_BBOOL sens = 0, extr = 1;
        CK_BYTE id[8];
        char label[32];
        CK_ATTRIBUTE a[] = {{CKA_SENSITIVE, &sens, 1}, {CKA_EXTRACTABLE, &extr, 1}, {CKA_ID, id, sizeof(id)},
                            {CKA_LABEL, label, sizeof(label)}};
        RV(F->C_GetAttributeValue(h, rsa, a, 4), CKR_OK);
        CHECK(sens == CK_TRUE && extr == CK_FALSE, "sensitive/extractable");
        CHECK(a[2].ulValueLen == 4 && memcmp(id, "\x20\x18\x10\x01", 4) == 0, "CKA_ID bytes");
        CHECK(a[3].ulValueLen == 12 && memcmp(label, "sss:20181001", 12) == 0, "CKA_LABEL");
        CK_BYTE v[600];
        CK_ATTRIBUTE s[] = {{CKA_VALUE, v, sizeof(v)}, {CKA_PRIVATE_EXPONENT, v, sizeof(v)}};
        RV(F->C_GetAttributeValue(h, rsa, s, 2), CKR_ATTRIBUTE_SENSITIVE);
        CHECK(s[0].ulValueLen == CK_UNAVAILABLE_INFORMATION, "CKA_VALUE unavailable");
        CK_ATTRIBUTE u[] = {{CKA_VENDOR_DEFINED + 0x4242, v, sizeof(v)}, {CKA_MODULUS, NULL, 0}};
        RV(F->C_GetAttributeValue(h, rsa, u, 2), CKR_ATTRIBUTE_TYPE_INVALID);
        CHECK(u[0].ulValueLen == CK_UNAVAILABLE_INFORMATION && u[1].ulValueLen == 256, "unknown attr / modulus length");
        CK_ATTRIBUTE ecv[] = {{CKA_VALUE, NULL, 0}};
        RV(F->C_GetAttributeValue(h, ec, ecv, 1), CKR_ATTRIBUTE_SENSITIVE);
        RV(F->C_GetAttributeValue(h, 0xdead0001, ecv, 1), CKR_OBJECT_HANDLE_INVALID);
        CK_BYTE small[2];
        CK_ATTRIBUTE sm[] = {{CKA_MODULUS, small, sizeof(small)}};
        RV(F->C_GetAttributeValue(h, rsapub, sm, 1), CKR_BUFFER_TOO_SMALL);
    }
    /* signatures: single and multi-part, verified by C_Verify (software) */
    CHECK(sign_verify(h, ec, ecpub, CKM_ECDSA, 0) == CKR_OK, "ECDSA");
    CHECK(sign_verify(h, ec, ecpub, CKM_ECDSA_SHA384, 1) == CKR_OK, "ECDSA_SHA384 multipart");
    CHECK(sign_verify(h, rsa, rsapub, CKM_SHA256_RSA_PKCS, 1) == CKR_OK, "SHA256_RSA_PKCS multipart");
    CHECK(sign_verify(h, rsa, rsapub, CKM_SHA512_RSA_PKCS, 0) == CKR_OK, "SHA512_RSA_PKCS");
    CHECK(sign_verify(h, rsa, ecpub, CKM_SHA256_RSA_PKCS, 0) == CKR_KEY_TYPE_INCONSISTENT, "key/mech mismatch");
    {
        CK_RSA_PKCS_PSS_PARAMS pp = {CKM_SHA256, CKG_MGF1_SHA256, 32};
        CK_MECHANISM m = {CKM_SHA256_RSA_PKCS_PSS, &pp, sizeof(pp)};
        CK_BYTE sig[256];
        CK_ULONG sl = sizeof(sig);
        RV(F->C_SignInit(h, &m, rsa), CKR_OK);
        RV(F->C_Sign(h, (CK_BYTE_PTR) "abc", 3, sig, &sl), CKR_OK);
        RV(F->C_VerifyInit(h, &m, rsapub), CKR_OK);
        RV(F->C_Verify(h, (CK_BYTE_PTR) "abc", 3, sig, sl), CKR_OK);
        sig[10] ^= 1;
        RV(F->C_VerifyInit(h, &m, rsapub), CKR_OK);
        RV(F->C_Verify(h, (CK_BYTE_PTR) "abc", 3, sig, sl), CKR_SIGNATURE_INVALID);
        CK_RSA_PKCS_PSS_PARAMS bad = {CKM_SHA256, CKG_MGF1_SHA1, 32};
        CK_MECHANISM mb = {CKM_SHA256_RSA_PKCS_PSS, &bad, sizeof(bad)};
        RV(F->C_SignInit(h, &mb, rsa), CKR_MECHANISM_PARAM_INVALID);
    }
    /* length query keeps the operation */
    {
        CK_BYTE sig[64];
        CK_ULONG sl = 0;
        RV(F->C_SignInit(h, &ecdsa, ec), CKR_OK);
        RV(F->C_Sign(h, (CK_BYTE_PTR) "0123456789abcdef0123456789abcdef", 32, NULL, &sl), CKR_OK);
        CHECK(sl == 64, "r||s length %lu", (unsigned long)sl);
        RV(F->C_Sign(h, (CK_BYTE_PTR) "0123456789abcdef0123456789abcdef", 32, sig, &sl), CKR_OK);
    }
    /* after a length query (or a short buffer) the one-shot operation stays;
     * multi-part calls are refused and do not end it */
    {
        CK_MECHANISM sha = {CKM_ECDSA_SHA256, NULL, 0};
        CK_BYTE sig[64];
        CK_ULONG sl = 0;
        RV(F->C_SignInit(h, &sha, ec), CKR_OK);
        RV(F->C_Sign(h, (CK_BYTE_PTR) "abc", 3, NULL, &sl), CKR_OK);
        RV(F->C_SignFinal(h, sig, &sl), CKR_OPERATION_ACTIVE);
        RV(F->C_SignUpdate(h, (CK_BYTE_PTR) "abc", 3), CKR_OPERATION_ACTIVE);
        sl = 10;
        RV(F->C_Sign(h, (CK_BYTE_PTR) "abc", 3, sig, &sl), CKR_BUFFER_TOO_SMALL);
        RV(F->C_SignFinal(h, sig, &sl), CKR_OPERATION_ACTIVE);
        RV(F->C_Sign(h, (CK_BYTE_PTR) "abc", 3, sig, &sl), CKR_OK);
        RV(F->C_VerifyInit(h, &sha, ecpub), CKR_OK);
        RV(F->C_Verify(h, (CK_BYTE_PTR) "abc", 3, sig, sl), CKR_OK);
        RV(F->C_SignFinal(h, sig, &sl), CKR_OPERATION_NOT_INITIALIZED);

        CK_MECHANISM dm = {CKM_SHA256, NULL, 0};
        CK_BYTE md[32], want[32];
        CK_ULONG ml = 0;
        unsigned int wl = 0;
        EVP_Digest("abc", 3, want, &wl, EVP_sha256(), NULL);
        RV(F->C_DigestInit(h, &dm), CKR_OK);
        RV(F->C_Digest(h, (CK_BYTE_PTR) "abc", 3, NULL, &ml), CKR_OK);
        CHECK(ml == 32, "digest length %lu", (unsigned long)ml);
        RV(F->C_DigestFinal(h, md, &ml), CKR_OPERATION_ACTIVE);
        RV(F->C_DigestUpdate(h, (CK_BYTE_PTR) "x", 1), CKR_OPERATION_ACTIVE);
        RV(F->C_Digest(h, (CK_BYTE_PTR) "abc", 3, md, &ml), CKR_OK);
        CHECK(ml == 32 && memcmp(md, want, 32) == 0, "C_Digest after a length query hashes only its data");
        RV(F->C_DigestFinal(h, md, &ml), CKR_OPERATION_NOT_INITIALIZED);
        /* multi-part digests still work */
        RV(F->C_DigestInit(h, &dm), CKR_OK);
        RV(F->C_DigestUpdate(h, (CK_BYTE_PTR) "ab", 2), CKR_OK);
        RV(F->C_DigestUpdate(h, (CK_BYTE_PTR) "c", 1), CKR_OK);
        ml = sizeof(md);
        RV(F->C_DigestFinal(h, md, &ml), CKR_OK);
        CHECK(ml == 32 && memcmp(md, want, 32) == 0, "multi-part digest");
    }
    /* NULL buffers with a length; OAEP label length without a label */
    {
        CK_MECHANISM gm = {CKM_AES_KEY_GEN, NULL, 0};
        CK_OBJECT_HANDLE k = 0;
        RV(F->C_SeedRandom(h, NULL, 1), CKR_ARGUMENTS_BAD);
        RV(F->C_GenerateKey(h, &gm, NULL, 3, &k), CKR_ARGUMENTS_BAD);
        CK_RSA_PKCS_OAEP_PARAMS op = {CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, NULL, 5};
        CK_MECHANISM om = {CKM_RSA_PKCS_OAEP, &op, sizeof(op)};
        RV(F->C_DecryptInit(h, &om, rsa), CKR_MECHANISM_PARAM_INVALID);
        RV(F->C_EncryptInit(h, &om, rsapub), CKR_MECHANISM_PARAM_INVALID);
        op.ulSourceDataLen = 0; /* no label: fine */
        RV(F->C_EncryptInit(h, &om, rsapub), CKR_OK);
        CK_BYTE ct[256], pt[256];
        CK_ULONG cl = sizeof(ct), pl = sizeof(pt);
        RV(F->C_Encrypt(h, (CK_BYTE_PTR) "secret", 6, ct, &cl), CKR_OK);
        RV(F->C_DecryptInit(h, &om, rsa), CKR_OK);
        RV(F->C_Decrypt(h, ct, cl, pt, &pl), CKR_OK);
        CHECK(pl == 6 && memcmp(pt, "secret", 6) == 0, "OAEP round trip");
    }
    /* ECDH: the token's secret equals OpenSSL's with the same private key */
    if (ecpem) {
        FILE *f = fopen(ecpem, "r");
        EVP_PKEY *mine = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
        if (f)
            fclose(f);
        EVP_PKEY *peer = EVP_EC_gen("P-256");
        CHECK(mine && peer, "keys for ECDH");
        if (mine && peer) {
            uint8_t pt[65];
            size_t ptl = 0;
            EVP_PKEY_get_octet_string_param(peer, "pub", pt, sizeof(pt), &ptl);
            CK_ECDH1_DERIVE_PARAMS p = {CKD_NULL, 0, NULL, ptl, pt};
            CK_MECHANISM m = {CKM_ECDH1_DERIVE, &p, sizeof(p)};
            CK_OBJECT_CLASS sc = CKO_SECRET_KEY;
            CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
            CK_BBOOL f_ = CK_FALSE, t_ = CK_TRUE;
            CK_ATTRIBUTE tm[] = {{CKA_CLASS, &sc, sizeof(sc)}, {CKA_KEY_TYPE, &kt, sizeof(kt)},
                                 {CKA_TOKEN, &f_, 1}, {CKA_SENSITIVE, &f_, 1}, {CKA_EXTRACTABLE, &t_, 1}};
            CK_OBJECT_HANDLE sk = 0;
            RV(F->C_DeriveKey(h, &m, ec, tm, 5, &sk), CKR_OK);
            uint8_t got[64], exp[64];
            CK_ATTRIBUTE va[] = {{CKA_VALUE, got, sizeof(got)}};
            RV(F->C_GetAttributeValue(h, sk, va, 1), CKR_OK);
            EVP_PKEY_CTX *dc = EVP_PKEY_CTX_new(mine, NULL);
            size_t el = sizeof(exp);
            CHECK(dc && EVP_PKEY_derive_init(dc) > 0 && EVP_PKEY_derive_set_peer(dc, peer) > 0 &&
                      EVP_PKEY_derive(dc, exp, &el) > 0,
                  "openssl derive");
            CHECK(va[0].ulValueLen == el && memcmp(got, exp, el) == 0, "ECDH secret matches OpenSSL");
            EVP_PKEY_CTX_free(dc);
            RV(F->C_DestroyObject(h, sk), CKR_OK);
        }
        EVP_PKEY_free(mine);
        EVP_PKEY_free(peer);
    }
    /* keygen: a 1-byte CKA_ID is refused, an existing id is not overwritten */
    {
        CK_BYTE oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
        CK_BYTE one = 0x45;
        CK_ATTRIBUTE pubt[] = {{CKA_EC_PARAMS, oid, sizeof(oid)}};
        CK_ATTRIBUTE prvt[] = {{CKA_ID, &one, 1}};
        CK_MECHANISM m = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
        CK_OBJECT_HANDLE a, b;
        RV(F->C_GenerateKeyPair(h, &m, pubt, 1, prvt, 1, &a, &b), CKR_ATTRIBUTE_VALUE_INVALID);
        CK_ATTRIBUTE prvl[] = {{CKA_LABEL, "sss:20181002", 12}};
        RV(F->C_GenerateKeyPair(h, &m, pubt, 1, prvl, 1, &a, &b), CKR_ATTRIBUTE_VALUE_INVALID);
        /* a public half of a pair does not go alone */
        RV(F->C_DestroyObject(h, ecpub), CKR_ACTION_PROHIBITED);
    }
    /* C_CreateObject: EC private key import (pair on the chip), then sign/verify and destroy */
    {
        EVP_PKEY *k = EVP_EC_gen("P-256");
        BIGNUM *d = NULL;
        uint8_t dv[32], pt[65];
        size_t ptl = 0;
        CHECK(k && EVP_PKEY_get_bn_param(k, "priv", &d) && BN_bn2binpad(d, dv, 32) == 32 &&
                  EVP_PKEY_get_octet_string_param(k, "pub", pt, sizeof(pt), &ptl),
              "import key material");
        CK_BYTE oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
        CK_OBJECT_CLASS c = CKO_PRIVATE_KEY;
        CK_KEY_TYPE kt = CKK_EC;
        CK_BBOOL t_ = CK_TRUE;
        CK_ATTRIBUTE imp[] = {{CKA_CLASS, &c, sizeof(c)}, {CKA_KEY_TYPE, &kt, sizeof(kt)}, {CKA_TOKEN, &t_, 1},
                              {CKA_LABEL, "sss:20181010", 12}, {CKA_EC_PARAMS, oid, sizeof(oid)},
                              {CKA_VALUE, dv, 32}};
        CK_OBJECT_HANDLE ik = 0;
        RV(F->C_CreateObject(h, imp, 6, &ik), CKR_OK);
        CK_OBJECT_HANDLE ipub = key_by_label(h, "sss:20181010", CKO_PUBLIC_KEY);
        uint8_t got[80];
        CK_ATTRIBUTE ep[] = {{CKA_EC_POINT, got, sizeof(got)}};
        RV(F->C_GetAttributeValue(h, ipub, ep, 1), CKR_OK);
        CHECK(ep[0].ulValueLen == ptl + 2 && got[0] == 0x04 && memcmp(got + 2, pt, ptl) == 0,
              "imported key's CKA_EC_POINT is the imported public key");
        CHECK(sign_verify(h, ik, ipub, CKM_ECDSA_SHA256, 0) == CKR_OK, "sign with imported key");
        RV(F->C_CreateObject(h, imp, 6, &ik), CKR_ATTRIBUTE_VALUE_INVALID); /* exists: not overwritten */
        RV(F->C_DestroyObject(h, ik), CKR_OK);
        CK_ATTRIBUTE lt[] = {{CKA_LABEL, "sss:20181010", 12}};
        CHECK(find(h, lt, 1, o, 16) == 0, "destroyed key still found");
        OPENSSL_cleanse(dv, sizeof(dv));
        BN_clear_free(d);
        EVP_PKEY_free(k);
        /* a certificate lands next to its key and shows the key's id and label */
        CK_OBJECT_CLASS cc = CKO_CERTIFICATE;
        CK_ATTRIBUTE ct[] = {{CKA_CLASS, &cc, sizeof(cc)}, {CKA_LABEL, "sss:20181002", 12}};
        CK_ULONG nc = find(h, ct, 2, o, 16);
        CHECK(nc == 1, "one certificate paired with key 0x20181002 (%lu)", (unsigned long)nc);
        CK_BYTE cid[4];
        CK_ATTRIBUTE ca[] = {{CKA_ID, cid, 4}};
        if (nc == 1) {
            RV(F->C_GetAttributeValue(h, o[0], ca, 1), CKR_OK);
            CHECK(memcmp(cid, "\x20\x18\x10\x02", 4) == 0, "certificate CKA_ID is the key's");
        }
    }
    CK_BYTE rnd[300];
    RV(F->C_GenerateRandom(h, rnd, sizeof(rnd)), CKR_OK);
    RV(F->C_Logout(h), CKR_OK);
    RV(F->C_SignInit(h, &ecdsa, ec), CKR_USER_NOT_LOGGED_IN);
    RV(F->C_CloseSession(h), CKR_OK);
    RV(F->C_Finalize(NULL), CKR_OK);
    return g_fail;
}
