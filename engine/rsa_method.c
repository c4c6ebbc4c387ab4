/* SPDX-License-Identifier: Apache-2.0 */
/* RSA_METHOD of the engine: private-key operations of reference keys run on
 * the chip, everything else is OpenSSL's RSA_PKCS1_OpenSSL().
 *
 * How the operations arrive (OpenSSL 3.0, provider or legacy path):
 *   PKCS#1 v1.5 signature: priv_enc(DigestInfo, RSA_PKCS1_PADDING)
 *       -> EMSA-PKCS1 padding on the host + one RSADecrypt NO_PAD on the chip
 *          (se05x_rsa_sign_digest with md NONE)
 *   PSS signature (TLS 1.3): OpenSSL pads PSS itself, then
 *       priv_enc(EM, RSA_NO_PADDING) -> RSADecrypt NO_PAD
 *   decryption: OAEP is unpadded by the provider after priv_dec(NO_PADDING);
 *       PKCS#1 and NONE arrive here -> RSADecrypt NO_PAD, padding checked on
 *       the host with libcrypto's constant-time check.
 * Public-key operations are never overridden. */
#include "e4sss.h"

#include <string.h>

static struct e4sss_ctx *ctx_of(RSA *rsa)
{
    return RSA_meth_get0_app_data(RSA_get_method(rsa));
}

/* Raw private RSA on the chip: in and out are exactly k = RSA_size bytes. */
static int chip_raw(struct e4sss_ctx *c, se05x_objid id, EVP_PKEY *pub, const unsigned char *in, int k,
                    unsigned char *out)
{
    unsigned char *tmp;
    se05x_session *s;
    size_t len = 0;
    se05x_rc rc = SE05X_OK;

    if ((tmp = OPENSSL_malloc((size_t)k + 16)) == NULL)
        return 0;
    /* the result is re-encrypted with the ref key's public part (lib) */
    struct se05x_check ck = {.pub = pub, .pub_source = E4SSS_PUB_SOURCE};
    E4SSS_RETRY_ON_LINK_FAILURE(rc) {
        if ((s = e4sss_session(c)) == NULL) {
            OPENSSL_free(tmp);
            return 0;
        }
        rc = se05x_rsa_decrypt_ex(s, id, SE05X_RSA_PAD_NONE, in, (size_t)k, tmp, (size_t)k + 16,
                                  &len, &ck);
        if (rc != SE05X_OK && !e4sss_retry(rc, attempt))
            e4sss_err_chip(c, s, rc); /* before done: done may close the session */
        e4sss_session_done(c, s, rc);
    }
    if (rc != SE05X_OK) {
        OPENSSL_clear_free(tmp, (size_t)k + 16);
        return 0;
    }
    if (len > (size_t)k) {
        e4sss_err(c, E4SSS_R_CHIP, "chip answered %zu bytes for a %d-byte RSA operation", len, k);
        OPENSSL_clear_free(tmp, (size_t)k + 16);
        return 0;
    }
    /* left-pad to the modulus length */
    memset(out, 0, (size_t)k - len);
    memcpy(out + ((size_t)k - len), tmp, len);
    OPENSSL_clear_free(tmp, (size_t)k + 16);
    return 1;
}

static int rsa_priv_enc(int flen, const unsigned char *from, unsigned char *to, RSA *rsa,
                        int padding)
{
    struct e4sss_ctx *c;
    se05x_session *s;
    se05x_objid id;
    size_t len = 0;
    se05x_rc rc = SE05X_OK;
    int k = RSA_size(rsa), ok;
    EVP_PKEY *pub;
    struct se05x_check ck = {.pub_source = E4SSS_PUB_SOURCE};

    if (!e4sss_rsa_ref_id(ctx_of(rsa), rsa, &id))
        return RSA_meth_get_priv_enc(RSA_PKCS1_OpenSSL())(flen, from, to, rsa, padding);
    c = ctx_of(rsa);
    if (flen < 0 || k <= 0) {
        e4sss_err(c, E4SSS_R_UNSUPPORTED, "bad input length %d for RSA key 0x%08X", flen, id);
        return -1;
    }
    switch (padding) {
    case RSA_NO_PADDING: /* PSS (already encoded) or raw */
        if (flen != k) {
            e4sss_err(c, E4SSS_R_UNSUPPORTED,
                      "raw RSA input must be %d bytes, got %d (key 0x%08X)", k, flen, id);
            return -1;
        }
        pub = e4sss_rsa_public(rsa);
        ok = chip_raw(c, id, pub, from, k, to);
        EVP_PKEY_free(pub);
        return ok ? k : -1;
    case RSA_PKCS1_PADDING: /* DigestInfo (or raw data) to sign */
        ck.pub = pub = e4sss_rsa_public(rsa);
        E4SSS_RETRY_ON_LINK_FAILURE(rc) {
            if ((s = e4sss_session(c)) == NULL) {
                EVP_PKEY_free(pub);
                return -1;
            }
            rc = se05x_rsa_sign_digest_ex(s, id, (unsigned)RSA_bits(rsa), SE05X_RSA_PAD_PKCS1,
                                          SE05X_MD_NONE, 0, from, (size_t)flen, to, (size_t)k, &len, &ck);
            if (rc != SE05X_OK && !e4sss_retry(rc, attempt))
                e4sss_err_chip(c, s, rc);
            e4sss_session_done(c, s, rc);
        }
        EVP_PKEY_free(pub);
        if (rc != SE05X_OK)
            return -1;
        if (len > (size_t)k) {
            e4sss_err(c, E4SSS_R_CHIP, "chip answered %zu bytes for a %d-byte signature", len, k);
            return -1;
        }
        if (len < (size_t)k) { /* left-pad a short answer */
            memmove(to + ((size_t)k - len), to, len);
            memset(to, 0, (size_t)k - len);
        }
        return k;
    default:
        e4sss_err(c, E4SSS_R_UNSUPPORTED, "RSA signature padding %d not supported for key 0x%08X",
                  padding, id);
        return -1;
    }
}

static int rsa_priv_dec(int flen, const unsigned char *from, unsigned char *to, RSA *rsa,
                        int padding)
{
    struct e4sss_ctx *c;
    se05x_objid id;
    unsigned char *em = NULL;
    EVP_PKEY *pub;
    int k = RSA_size(rsa), r = -1, ok;

    if (!e4sss_rsa_ref_id(ctx_of(rsa), rsa, &id))
        return RSA_meth_get_priv_dec(RSA_PKCS1_OpenSSL())(flen, from, to, rsa, padding);
    c = ctx_of(rsa);
    if (k <= 0 || flen != k) {
        e4sss_err(c, E4SSS_R_UNSUPPORTED, "RSA ciphertext must be %d bytes, got %d (key 0x%08X)",
                  k, flen, id);
        return -1;
    }
    if (padding != RSA_NO_PADDING && padding != RSA_PKCS1_PADDING &&
        padding != RSA_PKCS1_OAEP_PADDING) {
        e4sss_err(c, E4SSS_R_UNSUPPORTED, "RSA decryption padding %d not supported for key 0x%08X",
                  padding, id);
        return -1;
    }
    if ((em = OPENSSL_malloc((size_t)k)) == NULL)
        return -1;
    pub = e4sss_rsa_public(rsa);
    ok = chip_raw(c, id, pub, from, k, em);
    EVP_PKEY_free(pub);
    if (!ok)
        goto out;
    switch (padding) {
    case RSA_NO_PADDING:
        memcpy(to, em, (size_t)k);
        r = k;
        break;
    case RSA_PKCS1_PADDING:
        r = RSA_padding_check_PKCS1_type_2(to, k, em, k, k);
        break;
    case RSA_PKCS1_OAEP_PADDING: /* SHA-1 / MGF1-SHA-1, as RSA_private_decrypt defines it */
        r = RSA_padding_check_PKCS1_OAEP(to, k, em, k, k, NULL, 0);
        break;
    }
out:
    OPENSSL_clear_free(em, (size_t)k);
    return r;
}

/* RSA_free calls this before it releases the key's engine reference: the
 * ref-detection cache entry goes now (refdetect.c), then OpenSSL's finish. */
static int rsa_finish(RSA *rsa)
{
    int (*sw)(RSA *) = RSA_meth_get_finish(RSA_PKCS1_OpenSSL());

    e4sss_rsa_cache_drop(ctx_of(rsa), rsa);
    return sw != NULL ? sw(rsa) : 1;
}

RSA_METHOD *e4sss_rsa_method_new(struct e4sss_ctx *c)
{
    RSA_METHOD *m = RSA_meth_dup(RSA_PKCS1_OpenSSL());

    if (m == NULL)
        return NULL;
    if (!RSA_meth_set1_name(m, "e4sss RSA (se05x)") || !RSA_meth_set_priv_enc(m, rsa_priv_enc) ||
        !RSA_meth_set_priv_dec(m, rsa_priv_dec) || !RSA_meth_set_finish(m, rsa_finish) ||
        !RSA_meth_set0_app_data(m, c)) {
        RSA_meth_free(m);
        return NULL;
    }
    return m;
}
