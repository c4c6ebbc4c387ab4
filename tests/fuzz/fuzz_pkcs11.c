/* SPDX-License-Identifier: Apache-2.0 */
/* (j) PKCS#11 templates: C_CreateObject / C_FindObjectsInit /
 * C_GenerateKeyPair / C_GetAttributeValue templates decoded from the input,
 * against the module (pkcs11/, linked in) whose chip is a fresh in-memory
 * emulator card per input (the session is handed to the module directly:
 * offline, no sockets). Each attribute value is its own exact-size
 * allocation, so a read beyond ulValueLen is caught.
 * Input: records [op byte][template...]; a template is a count byte (<= 12)
 * and per attribute a type byte (index into a table of the attributes the
 * module knows; 0xFF = 4 raw bytes) and a length-prefixed value (fz_chunk).
 * RSA key generation above 1024 bits is skipped (speed). FUZZ_VERBOSE=1
 * prints each call's return value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "internal.h"
#include "p11.h"
#include "pool_hook.h"
#include "sim.h"

static const CK_ATTRIBUTE_TYPE TYPES[] = {
    CKA_CLASS, CKA_KEY_TYPE, CKA_TOKEN, CKA_PRIVATE, CKA_LABEL, CKA_ID, CKA_VALUE, CKA_EC_PARAMS,
    CKA_EC_POINT, CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2,
    CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT, CKA_MODULUS_BITS, CKA_SIGN, CKA_VERIFY,
    CKA_DECRYPT, CKA_ENCRYPT, CKA_DERIVE, CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_VALUE_LEN,
    CKA_CERTIFICATE_TYPE, CKA_SUBJECT, CKA_ISSUER, CKA_SERIAL_NUMBER, CKA_PUBLIC_KEY_INFO,
    CKA_MODIFIABLE, CKA_ALWAYS_AUTHENTICATE, CKA_APPLICATION, CKA_OBJECT_ID, CKA_WRAP, CKA_UNWRAP,
};
#define NTYPES (sizeof TYPES / sizeof TYPES[0])
#define MAXT 12

struct tmpl {
    CK_ATTRIBUTE a[MAXT];
    CK_ULONG n;
};

static void tmpl_read(struct fz *f, struct tmpl *t)
{
    t->n = fz_u8(f) % (MAXT + 1);
    for (CK_ULONG i = 0; i < t->n; i++) {
        uint8_t k = fz_u8(f);
        t->a[i].type = k == 0xFF ? fz_u32(f) : TYPES[k % NTYPES];
        size_t n;
        const uint8_t *v = fz_chunk(f, &n);
        t->a[i].pValue = malloc(n ? n : 1);
        if (!t->a[i].pValue)
            abort();
        if (n)
            memcpy(t->a[i].pValue, v, n);
        t->a[i].ulValueLen = n;
    }
}

static void tmpl_free(struct tmpl *t)
{
    for (CK_ULONG i = 0; i < t->n; i++)
        free(t->a[i].pValue);
    t->n = 0;
}

static bool slow_rsa(const struct tmpl *pub)
{
    for (CK_ULONG i = 0; i < pub->n; i++)
        if (pub->a[i].type == CKA_MODULUS_BITS)
            return pub->a[i].ulValueLen == sizeof(CK_ULONG) && *(CK_ULONG *)pub->a[i].pValue > 1024;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f = {data, size};
    static int verbose = -1;
    if (verbose < 0)
        verbose = getenv("FUZZ_VERBOSE") != NULL;
    struct sim_card *card = fz_card();
    se05x_session *s = NULL;
    if (se05x_session_from_link(fz_card_link(card), "fuzz-card", true, &s, NULL) != SE05X_OK)
        abort();
    if (C_Initialize(NULL) != CKR_OK)
        abort();
    /* the module's chip: this card, as the pool's session for the default
     * connection (lib/pool_hook.h); C_Finalize closes it with the pool */
    if (se05x_pool_adopt(p11_ctx_get()->pool, NULL, s) != SE05X_OK)
        abort();
    CK_SESSION_HANDLE h = 0;
    if (C_OpenSession(P11_SLOT_ID, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h) != CKR_OK)
        abort();
    if (fz_u8(&f) & 1)
        (void)C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4);
    CK_OBJECT_HANDLE found[16], obj = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
    CK_ULONG nfound = 0;
    for (int i = 0; i < 8 && f.n; i++) {
        struct tmpl t = {.n = 0}, t2 = {.n = 0};
        uint8_t op = fz_u8(&f);
        CK_RV rv = CKR_OK;
        tmpl_read(&f, &t);
        switch (op % 6) {
        case 0:
            rv = C_CreateObject(h, t.a, t.n, &obj);
            break;
        case 1:
            if ((rv = C_FindObjectsInit(h, t.a, t.n)) == CKR_OK) {
                nfound = 0;
                (void)C_FindObjects(h, found, 16, &nfound);
                if (nfound > 16)
                    abort();
                (void)C_FindObjectsFinal(h);
            }
            break;
        case 2: {
            CK_MECHANISM m = {(op & 0x80) ? CKM_RSA_PKCS_KEY_PAIR_GEN : CKM_EC_KEY_PAIR_GEN, NULL, 0};
            tmpl_read(&f, &t2);
            if (m.mechanism == CKM_RSA_PKCS_KEY_PAIR_GEN && slow_rsa(&t))
                break;
            rv = C_GenerateKeyPair(h, &m, t.a, t.n, t2.a, t2.n, &obj, &priv);
            break;
        }
        case 3: {
            /* C_GetAttributeValue with the template's types and buffers (as
             * sizes to fill) on an object found or made before */
            CK_OBJECT_HANDLE o = nfound ? found[op % nfound] : obj;
            rv = C_GetAttributeValue(h, o, t.a, t.n);
            break;
        }
        case 4: {
            /* the same with NULL buffers: the length query */
            CK_OBJECT_HANDLE o = nfound ? found[op % nfound] : priv;
            void *keep[MAXT];
            for (CK_ULONG k = 0; k < t.n; k++) {
                keep[k] = t.a[k].pValue;
                t.a[k].pValue = NULL;
            }
            rv = C_GetAttributeValue(h, o, t.a, t.n);
            for (CK_ULONG k = 0; k < t.n; k++)
                t.a[k].pValue = keep[k];
            break;
        }
        default:
            rv = C_DestroyObject(h, nfound ? found[op % nfound] : obj);
            break;
        }
        if (verbose)
            fprintf(stderr, "op %u (%d attributes): rv 0x%lX, %lu found\n", op % 6, (int)t.n,
                    (unsigned long)rv, (unsigned long)nfound);
        tmpl_free(&t);
        tmpl_free(&t2);
    }
    (void)C_CloseSession(h);
    if (C_Finalize(NULL) != CKR_OK) /* frees the pool: closes the session and its link */
        abort();
    sim_card_close(card);
    return 0;
}
