/* SPDX-License-Identifier: Apache-2.0 */
/* Decoders for reference-key files: the "PEM" decoder reads PEM before the
 * default provider's pem2der (sxp.h SXP_DEC_TAG), the others DER (also what
 * pem2der hands on). They claim ONLY input that the lib codec
 * (se05x_refkey_parse) recognises as a reference key of their type; for
 * anything else they return "not mine" and the default provider's decoders
 * carry on. Decoding does not open the chip: the public key is in the file. */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/params.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include "sxp.h"

#define SXP_DEC_MAX (64 * 1024) /* no key file is larger */

typedef struct {
    SXP_PROV *p;
    se05x_kind kind;
} SXP_DEC;

static void *dec_newctx(void *provctx, se05x_kind kind)
{
    SXP_DEC *c = OPENSSL_zalloc(sizeof(*c));
    if (c != NULL) {
        c->p = provctx;
        c->kind = kind;
    }
    return c;
}
static void *dec_ec_newctx(void *provctx) { return dec_newctx(provctx, SE05X_KIND_EC); }
static void *dec_rsa_newctx(void *provctx) { return dec_newctx(provctx, SE05X_KIND_RSA); }
/* The PEM-stage decoder (SXP_DEC_TAG) takes both key types. */
static void *dec_any_newctx(void *provctx) { return dec_newctx(provctx, SE05X_KIND_UNKNOWN); }

static void dec_freectx(void *ctx)
{
    OPENSSL_free(ctx);
}

static int dec_does_selection(void *provctx, int selection)
{
    (void)provctx;
    return selection == 0 || (selection & OSSL_KEYMGMT_SELECT_KEYPAIR) != 0;
}

/* Reads the whole input (bounded). */
static unsigned char *dec_read_all(SXP_PROV *p, OSSL_CORE_BIO *cin, size_t *len)
{
    BIO *b = BIO_new_from_core_bio(p->corectx, cin);
    unsigned char *buf = NULL;
    size_t n = 0;
    if (b == NULL)
        return NULL;
    buf = OPENSSL_malloc(SXP_DEC_MAX);
    if (buf != NULL) {
        for (;;) {
            size_t got = 0;
            if (n == SXP_DEC_MAX || !BIO_read_ex(b, buf + n, SXP_DEC_MAX - n, &got) || got == 0)
                break;
            n += got;
        }
    }
    BIO_free(b);
    *len = n;
    return buf;
}

static int dec_decode(void *ctx, OSSL_CORE_BIO *cin, int selection, OSSL_CALLBACK *data_cb,
                      void *data_cbarg, OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)
{
    SXP_DEC *c = ctx;
    unsigned char *buf;
    size_t len = 0;
    SXP_KEY *k = NULL;
    int is_ref = 0, ok = 1;
    (void)selection;
    (void)pw_cb;
    (void)pw_cbarg;

    ERR_set_mark();
    buf = dec_read_all(c->p, cin, &len);
    if (buf != NULL && len > 0 && len < SXP_DEC_MAX)
        k = sxp_key_from_refkey(c->p, buf, len, NULL, &is_ref);
    OPENSSL_free(buf);
    if (k == NULL || (c->kind != SE05X_KIND_UNKNOWN && k->kind != c->kind)) {
        /* not ours (or not this type): let the next decoder try, quietly */
        sxp_key_free(k);
        ERR_pop_to_mark();
        return 1;
    }
    ERR_pop_to_mark();
    se05x_log(SE05X_LOG_DEBUG, "provider", "decoded reference key for object 0x%08X", (unsigned)k->id);
    ok = sxp_key_object_cb(k, data_cb, data_cbarg);
    sxp_key_free(k); /* the keymgmt's load took its own reference */
    return ok;
}

/* One PEM block from the input, as pem2der reads it (the rest of the input,
 * e.g. a certificate after the key, stays for the next round of OSSL_STORE).
 * Returns the DER of an unencrypted private-key block and its label
 * (*label, PEM_STRING_*). Input without any PEM block is read whole as DER
 * (*label NULL): a DER reference file handed to a PEM reader, which the
 * PEM-stage decoder of earlier versions accepted (ssscli writes DER). */
static unsigned char *dec_read_pem_key(SXP_PROV *p, OSSL_CORE_BIO *cin, size_t *len,
                                       const char **label)
{
    BIO *b = BIO_new_from_core_bio(p->corectx, cin);
    char *name = NULL, *header = NULL;
    unsigned char *der = NULL;
    long n = 0, loc;
    int found = 0;
    *len = 0;
    *label = NULL;
    if (b == NULL)
        return NULL;
    loc = BIO_tell(b);
    if (PEM_read_bio_ex(b, &name, &header, &der, &n, 0) == 1) {
        found = 1;
        if (n > 0 && n < SXP_DEC_MAX && header[0] == '\0' /* encrypted: never a reference key */) {
            if (strcmp(name, PEM_STRING_PKCS8INF) == 0)
                *label = PEM_STRING_PKCS8INF;
            else if (strcmp(name, PEM_STRING_ECPRIVATEKEY) == 0)
                *label = PEM_STRING_ECPRIVATEKEY;
            else if (strcmp(name, PEM_STRING_RSA) == 0)
                *label = PEM_STRING_RSA;
        }
    }
    if (*label != NULL) {
        *len = (size_t)n;
    } else {
        OPENSSL_clear_free(der, n > 0 ? (size_t)n : 0);
        der = NULL;
    }
    OPENSSL_free(name);
    OPENSSL_free(header);
    BIO_free(b);
    if (!found && loc >= 0) {
        /* no PEM at all: back to where we started, the whole input as DER */
        b = BIO_new_from_core_bio(p->corectx, cin);
        if (b != NULL && BIO_seek(b, loc) == 0 && BIO_tell(b) == loc) {
            BIO_free(b);
            return dec_read_all(p, cin, len);
        }
        BIO_free(b);
    }
    return der;
}

/* The decoder named "PEM" (SXP_DEC_TAG, input PEM): runs on the PEM text
 * before pem2der (sxp.h). For a reference key it hands over the finished
 * key (a reference for our keymgmt, data type "EC"/"RSA") AND the PEM text
 * itself, and deliberately no object type:
 *  - in a key decoder context (PEM_read_bio_PrivateKey, d2i, OSSL_DECODER_
 *    CTX_new_for_pkey) the constructor takes the reference and loads it
 *    with the keymgmt of the decoder's provider (ours): a chip key;
 *  - in the file store's chain (OSSL_STORE on a path) the result goes to
 *    OSSL_STORE, which would hand a reference of a PKEY object to the
 *    LOADER's provider (the default one) for loading: never ours. Without
 *    an object type OSSL_STORE ignores the reference and decodes the PEM
 *    text with a key decoder context of the data type, where this decoder
 *    runs again (first case).
 * It reads one PEM block, like pem2der. Anything that is not a reference
 * key: "not mine", OpenSSL rewinds and pem2der carries on. */
static int dec_tag_decode(void *ctx, OSSL_CORE_BIO *cin, int selection, OSSL_CALLBACK *data_cb,
                          void *data_cbarg, OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)
{
    SXP_DEC *c = ctx;
    unsigned char *der;
    size_t len = 0;
    SXP_KEY *k = NULL;
    BIO *pem = NULL;
    const char *label = NULL;
    char *text = NULL;
    long textlen = 0;
    int is_ref = 0, ok = 1;
    (void)selection;
    (void)pw_cb;
    (void)pw_cbarg;

    ERR_set_mark();
    der = dec_read_pem_key(c->p, cin, &len, &label);
    if (der != NULL)
        k = sxp_key_from_refkey(c->p, der, len, NULL, &is_ref);
    /* The PEM text handed on (OSSL_STORE decodes it again): a reference key
     * holds no secret, so it is written only for one. DER goes on as is. */
    if (k != NULL && label == NULL) {
        text = (char *)der;
        textlen = (long)len;
    } else if (k != NULL && ((pem = BIO_new(BIO_s_mem())) == NULL
                             || PEM_write_bio(pem, label, "", der, (long)len) <= 0
                             || (textlen = BIO_get_mem_data(pem, &text)) <= 0)) {
        sxp_key_free(k); /* out of memory: "not mine" */
        k = NULL;
    }
    ERR_pop_to_mark();
    if (k != NULL) {
        OSSL_PARAM q[4];
        q[0] = OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_TYPE,
                                                k->kind == SE05X_KIND_EC ? "EC" : "RSA", 0);
        q[1] = OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_REFERENCE, &k, sizeof(k));
        q[2] = OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_DATA, text, (size_t)textlen);
        q[3] = OSSL_PARAM_construct_end();
        se05x_log(SE05X_LOG_DEBUG, "provider", "decoded reference key (PEM) for object 0x%08X",
                  (unsigned)k->id);
        ok = data_cb(q, data_cbarg);
        sxp_key_free(k); /* a keymgmt load took its own reference */
    }
    BIO_free(pem);
    OPENSSL_clear_free(der, len); /* may be an ordinary private key */
    return ok;
}

const OSSL_DISPATCH sxp_dec_tag_functions[] = {
    { OSSL_FUNC_DECODER_NEWCTX, (void (*)(void))dec_any_newctx },
    { OSSL_FUNC_DECODER_FREECTX, (void (*)(void))dec_freectx },
    { OSSL_FUNC_DECODER_DOES_SELECTION, (void (*)(void))dec_does_selection },
    { OSSL_FUNC_DECODER_DECODE, (void (*)(void))dec_tag_decode },
    /* called when the key manager taking the reference is not ours (a
     * context for another key type): a chip key is never exported */
    { OSSL_FUNC_DECODER_EXPORT_OBJECT, (void (*)(void))sxp_no_export_object },
    { 0, NULL }
};

const OSSL_DISPATCH sxp_dec_ec_functions[] = {
    { OSSL_FUNC_DECODER_NEWCTX, (void (*)(void))dec_ec_newctx },
    { OSSL_FUNC_DECODER_FREECTX, (void (*)(void))dec_freectx },
    { OSSL_FUNC_DECODER_DOES_SELECTION, (void (*)(void))dec_does_selection },
    { OSSL_FUNC_DECODER_DECODE, (void (*)(void))dec_decode },
    { OSSL_FUNC_DECODER_EXPORT_OBJECT, (void (*)(void))sxp_no_export_object },
    { 0, NULL }
};

const OSSL_DISPATCH sxp_dec_rsa_functions[] = {
    { OSSL_FUNC_DECODER_NEWCTX, (void (*)(void))dec_rsa_newctx },
    { OSSL_FUNC_DECODER_FREECTX, (void (*)(void))dec_freectx },
    { OSSL_FUNC_DECODER_DOES_SELECTION, (void (*)(void))dec_does_selection },
    { OSSL_FUNC_DECODER_DECODE, (void (*)(void))dec_decode },
    { OSSL_FUNC_DECODER_EXPORT_OBJECT, (void (*)(void))sxp_no_export_object },
    { 0, NULL }
};
