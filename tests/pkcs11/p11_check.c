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
 * Expects RSA-2048 pair 0x20181001 and P-256 pair 0x20181002 on the chip. */
#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static CK_FUNCTION_LIST *F;
static int g_fail;

#define CHECK(cond, ...)                                   \
    do {                                                   \
        if (!(cond)) {                                     \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                  \
            fputc('\n', stderr);                           \
            g_fail++;                                      \
        }                                                  \
    } while (0)
#define RV(call, want) do { CK_RV r_ = (call); CHECK(r_ == (want), "%s = 0x%lx, want 0x%lx", #call, (unsigned long)r_, (unsigned long)(want)); } while (0)

static CK_SESSION_HANDLE open_login(void)
{
    CK_SESSION_HANDLE h = 0;
    RV(F->C_OpenSession(1, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h), CKR_OK);
    CK_RV rv = F->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4);
    CHECK(rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN, "login 0x%lx", (unsigned long)rv);
    return h;
}

static CK_ULONG find(CK_SESSION_HANDLE h, CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_HANDLE *out, CK_ULONG max)
{
    CK_ULONG got = 0;
    RV(F->C_FindObjectsInit(h, t, n), CKR_OK);
    RV(F->C_FindObjects(h, out, max, &got), CKR_OK);
    RV(F->C_FindObjectsFinal(h), CKR_OK);
    return got;
}

static CK_OBJECT_HANDLE key_by_label(CK_SESSION_HANDLE h, const char *label, CK_OBJECT_CLASS cls)
{
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_LABEL, (void *)label, strlen(label)}};
    CK_OBJECT_HANDLE o[4] = {0};
    CK_ULONG n = find(h, t, 2, o, 4);
    CHECK(n == 1, "label %s class %lu: %lu objects", label, (unsigned long)cls, (unsigned long)n);
    return o[0];
}

static int sign_verify(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pub, CK_MECHANISM_TYPE m,
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

/* ---- lazy ---- */
static int t_lazy(void)
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
static int t_api(const char *ecpem)
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

/* ---- a key deleted and re-created by another program ---- */
static int t_stale(void)
{
    RV(F->C_Initialize(NULL), CKR_OK);
    CK_SESSION_HANDLE h = open_login();
    CK_OBJECT_HANDLE k = key_by_label(h, "sss:20181005", CKO_PRIVATE_KEY);
    CK_OBJECT_HANDLE kp = key_by_label(h, "sss:20181005", CKO_PUBLIC_KEY);
    CHECK(sign_verify(h, k, kp, CKM_ECDSA_SHA256, 0) == CKR_OK, "sign before deletion");
    CHECK(system("ssscli erase 0x20181005") == 0, "ssscli erase");
    CHECK(sign_verify(h, k, kp, CKM_ECDSA_SHA256, 0) == CKR_KEY_HANDLE_INVALID, "sign with a deleted key");
    CK_OBJECT_HANDLE o[4];
    CK_OBJECT_CLASS pk = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &pk, sizeof(pk)}, {CKA_LABEL, "sss:20181005", 12}};
    CHECK(find(h, t, 2, o, 4) == 0, "deleted key still found");
    CHECK(system("ssscli generate ecc 0x20181005 NIST_P384") == 0, "ssscli generate");
    CK_OBJECT_HANDLE k2 = key_by_label(h, "sss:20181005", CKO_PRIVATE_KEY);
    CK_OBJECT_HANDLE k2p = key_by_label(h, "sss:20181005", CKO_PUBLIC_KEY);
    CHECK(k2 != k, "a new object gets a new handle");
    CHECK(sign_verify(h, k2, k2p, CKM_ECDSA_SHA384, 0) == CKR_OK, "sign with the re-created key");
    RV(F->C_Finalize(NULL), CKR_OK);
    return g_fail;
}

/* ---- hostile callers: every attribute of every object, NULL pointers, bad handles ---- */
static int t_robust(void)
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

/* ---- application mutex callbacks ---- */
static int g_locks;
static void *g_last_mutex; /* the module's lock, as created through m_create */
static CK_RV m_create(void **m) { *m = calloc(1, sizeof(pthread_mutex_t)); pthread_mutex_init(*m, NULL); g_last_mutex = *m; return CKR_OK; }
static CK_RV m_destroy(void *m) { pthread_mutex_destroy(m); free(m); return CKR_OK; }
static CK_RV m_lock(void *m) { __atomic_add_fetch(&g_locks, 1, __ATOMIC_SEQ_CST); pthread_mutex_lock(m); return CKR_OK; }
static CK_RV m_unlock(void *m) { pthread_mutex_unlock(m); return CKR_OK; }

static int t_mutex(void)
{
    CK_C_INITIALIZE_ARGS args = {m_create, m_destroy, m_lock, m_unlock, 0, NULL};
    RV(F->C_Initialize(&args), CKR_OK);
    CK_SESSION_HANDLE h = open_login();
    CK_OBJECT_HANDLE ec = key_by_label(h, "sss:20181002", CKO_PRIVATE_KEY);
    CK_OBJECT_HANDLE ecpub = key_by_label(h, "sss:20181002", CKO_PUBLIC_KEY);
    CHECK(sign_verify(h, ec, ecpub, CKM_ECDSA_SHA256, 0) == CKR_OK, "sign with app mutexes");
    CHECK(g_locks > 5, "application mutex used (%d locks)", g_locks);
    RV(F->C_Finalize(NULL), CKR_OK);
    CK_C_INITIALIZE_ARGS half = {m_create, NULL, NULL, NULL, 0, NULL};
    RV(F->C_Initialize(&half), CKR_ARGUMENTS_BAD);
    return g_fail;
}

/* ---- fork ---- */
static int t_fork(void)
{
    RV(F->C_Initialize(NULL), CKR_OK);
    CK_SESSION_HANDLE h = open_login();
    CK_OBJECT_HANDLE ec = key_by_label(h, "sss:20181002", CKO_PRIVATE_KEY);
    CK_OBJECT_HANDLE ecpub = key_by_label(h, "sss:20181002", CKO_PUBLIC_KEY);
    CHECK(sign_verify(h, ec, ecpub, CKM_ECDSA_SHA256, 0) == CKR_OK, "parent sign");
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
        CK_OBJECT_HANDLE k = key_by_label(c, "sss:20181002", CKO_PRIVATE_KEY);
        CK_OBJECT_HANDLE kp = key_by_label(c, "sss:20181002", CKO_PUBLIC_KEY);
        CHECK(sign_verify(c, k, kp, CKM_ECDSA_SHA256, 0) == CKR_OK, "child sign after C_Initialize");
        RV(F->C_Finalize(NULL), CKR_OK);
        _exit(g_fail ? 1 : 0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed");
    CHECK(sign_verify(h, ec, ecpub, CKM_ECDSA_SHA256, 0) == CKR_OK, "parent sign after fork");
    RV(F->C_Finalize(NULL), CKR_OK);
    return g_fail;
}

/* ---- session objects ---- */
/* What `se05x list` says about an object: 0 absent, 1 persistent, 2 transient, -1 error. */
static int chip_state(unsigned id)
{
    char want[16], line[256];
    snprintf(want, sizeof(want), "0x%08X ", id);
    FILE *p = popen("se05x list 2>&1", "r");
    if (!p)
        return -1;
    int st = 0;
    while (fgets(line, sizeof(line), p))
        if (strncmp(line, want, strlen(want)) == 0)
            st = strstr(line, "transient") ? 2 : 1;
    return pclose(p) == 0 ? st : -1;
}

static CK_BBOOL token_of(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o)
{
    CK_BBOOL t = 0x55;
    CK_ATTRIBUTE a[] = {{CKA_TOKEN, &t, sizeof(t)}};
    RV(F->C_GetAttributeValue(h, o, a, 1), CKR_OK);
    return t;
}

/* A self-signed P-256 certificate (DER) whose key is not on the chip. */
static int make_cert(uint8_t **der)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    int n = -1;
    if (k && x && X509_set_version(x, 2) && ASN1_INTEGER_set(X509_get_serialNumber(x), 4242) &&
        X509_gmtime_adj(X509_getm_notBefore(x), 0) && X509_gmtime_adj(X509_getm_notAfter(x), 86400) &&
        X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                                   (const unsigned char *)"session-cert", -1, -1, 0) &&
        X509_set_issuer_name(x, X509_get_subject_name(x)) && X509_set_pubkey(x, k) &&
        X509_sign(x, k, EVP_sha256()))
        n = i2d_X509(x, der);
    X509_free(x);
    EVP_PKEY_free(k);
    return n;
}

static int t_session(void)
{
    CK_BYTE oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    CK_MECHANISM kg = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_BBOOL t_ = CK_TRUE, f_ = CK_FALSE;
    CK_OBJECT_HANDLE pub = 0, prv = 0, o[8];
    CK_ATTRIBUTE pubt[] = {{CKA_EC_PARAMS, oid, sizeof(oid)}};
    CK_ATTRIBUTE pubf[] = {{CKA_EC_PARAMS, oid, sizeof(oid)}, {CKA_TOKEN, &f_, 1}};
    CK_ATTRIBUTE prv20[] = {{CKA_LABEL, "sss:20181020", 12}};
    CK_ATTRIBUTE prv21[] = {{CKA_LABEL, "sss:20181021", 12}, {CKA_TOKEN, &t_, 1}};
    CK_ATTRIBUTE prv25[] = {{CKA_LABEL, "sss:20181025", 12}};
    CK_ATTRIBUTE prv26[] = {{CKA_LABEL, "sss:20181026", 12}};
    CK_ATTRIBUTE prv27[] = {{CKA_LABEL, "sss:20181027", 12}};
    CK_ATTRIBUTE lab20[] = {{CKA_LABEL, "sss:20181020", 12}};

    RV(F->C_Initialize(NULL), CKR_OK);
    CK_SESSION_HANDLE rw = open_login(), ro = 0;
    RV(F->C_OpenSession(1, CKF_SERIAL_SESSION, NULL, NULL, &ro), CKR_OK);
    /* no CKA_TOKEN, read-only session: a session object, transient on the chip */
    RV(F->C_GenerateKeyPair(ro, &kg, pubt, 1, prv20, 1, &pub, &prv), CKR_OK);
    CHECK(token_of(ro, prv) == CK_FALSE && token_of(ro, pub) == CK_FALSE, "CKA_TOKEN of a session key pair");
    CHECK(chip_state(0x20181020) == 2, "session key pair is not a transient object on the chip");
    CHECK(sign_verify(rw, prv, pub, CKM_ECDSA_SHA256, 0) == CKR_OK, "other session signs with a session key");
    CK_ATTRIBUTE tf[] = {{CKA_TOKEN, &f_, 1}, {CKA_LABEL, "sss:20181020", 12}};
    CHECK(find(rw, tf, 2, o, 8) == 2, "session key pair found with CKA_TOKEN false");
    /* explicit token objects: read-only session refused; the two templates must agree */
    RV(F->C_GenerateKeyPair(ro, &kg, pubt, 1, prv21, 2, &pub, &prv), CKR_SESSION_READ_ONLY);
    RV(F->C_GenerateKeyPair(rw, &kg, pubf, 2, prv21, 2, &pub, &prv), CKR_TEMPLATE_INCONSISTENT);
    CK_OBJECT_HANDLE tpub = 0, tprv = 0;
    RV(F->C_GenerateKeyPair(rw, &kg, pubt, 1, prv21, 2, &tpub, &tprv), CKR_OK);
    CHECK(token_of(rw, tprv) == CK_TRUE && token_of(rw, tpub) == CK_TRUE, "CKA_TOKEN of a token key pair");
    CHECK(chip_state(0x20181021) == 1, "token key pair is not persistent");
    /* certificate, data object and public key as session objects (read-only session) */
    uint8_t *der = NULL;
    int dl = make_cert(&der);
    CHECK(dl > 0, "test certificate");
    CK_OBJECT_CLASS cc = CKO_CERTIFICATE, dc = CKO_DATA, pc = CKO_PUBLIC_KEY;
    CK_CERTIFICATE_TYPE ct = CKC_X_509;
    CK_ATTRIBUTE cert[] = {{CKA_CLASS, &cc, sizeof(cc)}, {CKA_CERTIFICATE_TYPE, &ct, sizeof(ct)},
                           {CKA_LABEL, "sss:20181022", 12}, {CKA_VALUE, der, (CK_ULONG)dl}};
    CK_OBJECT_HANDLE hc = 0, hd = 0, hp = 0;
    RV(F->C_CreateObject(ro, cert, 4, &hc), CKR_OK);
    CHECK(token_of(ro, hc) == CK_FALSE, "CKA_TOKEN of a session certificate");
    CHECK(chip_state(0x20181022) == 2, "session certificate is not transient on the chip");
    uint8_t subj[128];
    CK_ATTRIBUTE sa[] = {{CKA_SUBJECT, subj, sizeof(subj)}};
    RV(F->C_GetAttributeValue(ro, hc, sa, 1), CKR_OK);
    int cn = 0;
    for (CK_ULONG i = 0; sa[0].ulValueLen != CK_UNAVAILABLE_INFORMATION && i + 12 <= sa[0].ulValueLen; i++)
        cn |= memcmp(subj + i, "session-cert", 12) == 0;
    CHECK(cn, "CKA_SUBJECT of the session certificate");
    OPENSSL_free(der);
    CK_ATTRIBUTE data[] = {{CKA_CLASS, &dc, sizeof(dc)}, {CKA_LABEL, "sss:20181023", 12},
                           {CKA_VALUE, "hello", 5}, {CKA_TOKEN, &f_, 1}};
    RV(F->C_CreateObject(ro, data, 4, &hd), CKR_OK);
    CHECK(chip_state(0x20181023) == 2, "session data object is not transient on the chip");
    uint8_t pt[80];
    CK_ATTRIBUTE ep[] = {{CKA_EC_POINT, pt, sizeof(pt)}};
    RV(F->C_GetAttributeValue(rw, tpub, ep, 1), CKR_OK);
    CK_KEY_TYPE kt = CKK_EC;
    CK_ATTRIBUTE pk[] = {{CKA_CLASS, &pc, sizeof(pc)}, {CKA_KEY_TYPE, &kt, sizeof(kt)},
                         {CKA_LABEL, "sss:20181024", 12}, {CKA_EC_PARAMS, oid, sizeof(oid)},
                         {CKA_EC_POINT, pt, ep[0].ulValueLen}};
    RV(F->C_CreateObject(ro, pk, 5, &hp), CKR_OK);
    CHECK(chip_state(0x20181024) == 2, "session public key is not transient on the chip");
    CK_ATTRIBUTE datat[] = {{CKA_CLASS, &dc, sizeof(dc)}, {CKA_LABEL, "sss:20181028", 12},
                            {CKA_VALUE, "hello", 5}, {CKA_TOKEN, &t_, 1}};
    RV(F->C_CreateObject(ro, datat, 4, &hd), CKR_SESSION_READ_ONLY);
    /* closing the session deletes its objects from the chip; token objects stay */
    RV(F->C_CloseSession(ro), CKR_OK);
    CHECK(chip_state(0x20181020) == 0, "session key pair left on the chip");
    CHECK(chip_state(0x20181022) == 0 && chip_state(0x20181023) == 0 && chip_state(0x20181024) == 0,
          "session certificate/data/public key left on the chip");
    CHECK(find(rw, lab20, 1, o, 8) == 0, "closed session's key still found");
    CHECK(chip_state(0x20181021) == 1, "token key pair deleted with a session");
    /* C_DestroyObject of a session object in a read-only session */
    RV(F->C_OpenSession(1, CKF_SERIAL_SESSION, NULL, NULL, &ro), CKR_OK);
    RV(F->C_GenerateKeyPair(ro, &kg, pubt, 1, prv25, 1, &pub, &prv), CKR_OK);
    RV(F->C_DestroyObject(ro, prv), CKR_OK);
    CHECK(chip_state(0x20181025) == 0, "destroyed session key left on the chip");
    /* C_CloseAllSessions */
    RV(F->C_GenerateKeyPair(ro, &kg, pubt, 1, prv26, 1, &pub, &prv), CKR_OK);
    CHECK(chip_state(0x20181026) == 2, "session key 0x20181026");
    RV(F->C_CloseAllSessions(1), CKR_OK);
    CHECK(chip_state(0x20181026) == 0, "C_CloseAllSessions left a session key on the chip");
    /* C_Finalize */
    rw = open_login();
    RV(F->C_GenerateKeyPair(rw, &kg, pubt, 1, prv27, 1, &pub, &prv), CKR_OK);
    CHECK(chip_state(0x20181027) == 2, "session key 0x20181027");
    RV(F->C_Finalize(NULL), CKR_OK);
    CHECK(chip_state(0x20181027) == 0, "C_Finalize left a session key on the chip");
    /* the token pair outlives the module instance; remove it */
    RV(F->C_Initialize(NULL), CKR_OK);
    rw = open_login();
    CK_OBJECT_HANDLE k21 = key_by_label(rw, "sss:20181021", CKO_PRIVATE_KEY);
    RV(F->C_DestroyObject(rw, k21), CKR_OK);
    RV(F->C_Finalize(NULL), CKR_OK);
    CHECK(chip_state(0x20181021) == 0, "token key pair not destroyed");
    return g_fail;
}

/* ---- fork while other threads are inside the module ---- */
static volatile int g_stop;
static int g_signs, g_errors;

static void *signer(void *arg)
{
    (void)arg;
    CK_SESSION_HANDLE h = open_login();
    CK_OBJECT_HANDLE ec = key_by_label(h, "sss:20181002", CKO_PRIVATE_KEY);
    CK_OBJECT_HANDLE ecpub = key_by_label(h, "sss:20181002", CKO_PUBLIC_KEY);
    CK_OBJECT_HANDLE rsa = key_by_label(h, "sss:20181001", CKO_PRIVATE_KEY);
    CK_OBJECT_HANDLE rsapub = key_by_label(h, "sss:20181001", CKO_PUBLIC_KEY);
    for (int i = 0; !__atomic_load_n(&g_stop, __ATOMIC_SEQ_CST); i++) {
        int rv = i % 4 == 0 ? sign_verify(h, rsa, rsapub, CKM_SHA256_RSA_PKCS, i & 1)
                            : sign_verify(h, ec, ecpub, CKM_ECDSA_SHA256, i & 1);
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
        CK_OBJECT_HANDLE ec = key_by_label(h, "sss:20181002", CKO_PRIVATE_KEY);
        CK_OBJECT_HANDLE ecpub = key_by_label(h, "sss:20181002", CKO_PUBLIC_KEY);
        if (sign_verify(h, ec, ecpub, CKM_ECDSA_SHA256, 0) != CKR_OK)
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
static int t_forkstress(int threads, int forks, const char *pubpem, int cycle)
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

static int t_forkwait(void)
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

/* ---- stress ---- */
static int g_iters;
static void *worker(void *arg)
{
    long t = (long)arg;
    CK_SESSION_HANDLE h = open_login();
    CK_OBJECT_HANDLE ec = key_by_label(h, "sss:20181002", CKO_PRIVATE_KEY);
    CK_OBJECT_HANDLE ecpub = key_by_label(h, "sss:20181002", CKO_PUBLIC_KEY);
    CK_OBJECT_HANDLE rsa = key_by_label(h, "sss:20181001", CKO_PRIVATE_KEY);
    CK_OBJECT_HANDLE rsapub = key_by_label(h, "sss:20181001", CKO_PUBLIC_KEY);
    for (int i = 0; i < g_iters; i++) {
        int rv = (i + t) % 4 == 0 ? sign_verify(h, rsa, rsapub, CKM_SHA256_RSA_PKCS, i & 1)
                                  : sign_verify(h, ec, ecpub, CKM_ECDSA_SHA256, i & 1);
        if (rv != CKR_OK) {
            fprintf(stderr, "thread %ld iteration %d: rv 0x%x\n", t, i, rv);
            __atomic_add_fetch(&g_errors, 1, __ATOMIC_SEQ_CST);
        }
    }
    F->C_CloseSession(h);
    return NULL;
}

static int t_stress(int threads, int iters)
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

static int t_pinlost(const char *pin, const char *label)
{
    CK_SESSION_HANDLE h = 0;
    RV(F->C_Initialize(NULL), CKR_OK);
    RV(F->C_OpenSession(1, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h), CKR_OK);
    RV(F->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)), CKR_OK);
    CK_OBJECT_HANDLE k = key_by_label(h, label, CKO_PRIVATE_KEY);
    CK_OBJECT_HANDLE kp = key_by_label(h, label, CKO_PUBLIC_KEY);
    CHECK(sign_verify(h, k, kp, CKM_ECDSA_SHA256, 0) == CKR_OK, "sign after login");
    CHECK(login_leak(pin), "first leaking client logs in (second slot)");
    CHECK(login_leak(pin), "second leaking client logs in (both slots taken: all sessions ended)");
    CHECK(sign_verify(h, k, kp, CKM_ECDSA_SHA256, 0) == CKR_OK, "sign after the session was lost");
    CHECK(sign_verify(h, k, kp, CKM_ECDSA_SHA256, 1) == CKR_OK, "multi-part sign after that");
    RV(F->C_Finalize(NULL), CKR_OK);
    return g_fail;
}

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
