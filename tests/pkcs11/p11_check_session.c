/* SPDX-License-Identifier: Apache-2.0 */
/* p11_check session: CKA_TOKEN false or missing makes session objects,
 * transient on the chip and gone with their session. */
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string.h>

#include "p11_check.h"

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

int t_session(void)
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
