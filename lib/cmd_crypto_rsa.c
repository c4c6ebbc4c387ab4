/* SPDX-License-Identifier: Apache-2.0 */
/* RSA operations (docs/protocol/apdu.md §4.6, §9): RSASign/RSAVerify (the chip hashes the
 * message, docs/decisions.md D1), RSAEncrypt/RSADecrypt, and digest signing
 * with host-side EMSA padding (libcrypto) + one RSADecrypt NO_PAD, which is
 * what the NXP host library does for sign_digest. */
#define OPENSSL_SUPPRESS_DEPRECATED /* RSA_padding_add_* (no EVP equivalent) */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "cmd_util.h"
#include "generation.h"
#include "session_priv.h"

static uint8_t rsasig_algo(se05x_rsa_pad pad, se05x_digest md)
{
    if (pad == SE05X_RSA_PAD_PKCS1) {
        switch (md) {
        case SE05X_MD_SHA1: return SE05X_RSASIG_PKCS1_SHA1;
        case SE05X_MD_SHA224: return SE05X_RSASIG_PKCS1_SHA224;
        case SE05X_MD_SHA256: return SE05X_RSASIG_PKCS1_SHA256;
        case SE05X_MD_SHA384: return SE05X_RSASIG_PKCS1_SHA384;
        case SE05X_MD_SHA512: return SE05X_RSASIG_PKCS1_SHA512;
        default: return 0;
        }
    }
    if (pad == SE05X_RSA_PAD_PSS) {
        switch (md) {
        case SE05X_MD_SHA1: return SE05X_RSASIG_PSS_SHA1;
        case SE05X_MD_SHA224: return SE05X_RSASIG_PSS_SHA224;
        case SE05X_MD_SHA256: return SE05X_RSASIG_PSS_SHA256;
        case SE05X_MD_SHA384: return SE05X_RSASIG_PSS_SHA384;
        case SE05X_MD_SHA512: return SE05X_RSASIG_PSS_SHA512;
        default: return 0;
        }
    }
    return 0;
}

static const char *md_name(se05x_digest md)
{
    switch (md) {
    case SE05X_MD_SHA1: return "SHA1";
    case SE05X_MD_SHA224: return "SHA224";
    case SE05X_MD_SHA256: return "SHA256";
    case SE05X_MD_SHA384: return "SHA384";
    case SE05X_MD_SHA512: return "SHA512";
    default: return NULL;
    }
}

static int md_nid(se05x_digest md)
{
    switch (md) {
    case SE05X_MD_SHA1: return NID_sha1;
    case SE05X_MD_SHA224: return NID_sha224;
    case SE05X_MD_SHA256: return NID_sha256;
    case SE05X_MD_SHA384: return NID_sha384;
    case SE05X_MD_SHA512: return NID_sha512;
    default: return NID_undef;
    }
}

se05x_rc se05x_rsa_sign(se05x_session *s, se05x_objid id, se05x_rsa_pad pad, se05x_digest md,
                        const uint8_t *msg, size_t mlen, uint8_t *sig, size_t cap, size_t *len)
{
    return se05x_rsa_sign_ex(s, id, pad, md, msg, mlen, sig, cap, len, NULL);
}

/* The host's digest of what the chip hashed, for the check. */
static bool host_digest(se05x_digest md, const uint8_t *msg, size_t mlen, uint8_t *out, unsigned *olen)
{
    EVP_MD *emd = md_name(md) ? se05x_ossl_md(md_name(md)) : NULL;
    bool ok = emd && EVP_Digest(msg ? msg : (const uint8_t *)"", mlen, out, olen, emd, NULL) == 1;
    EVP_MD_free(emd);
    return ok;
}

se05x_rc se05x_rsa_sign_ex(se05x_session *s, se05x_objid id, se05x_rsa_pad pad, se05x_digest md,
                           const uint8_t *msg, size_t mlen, uint8_t *sig, size_t cap, size_t *len,
                           const struct se05x_check *ck)
{
    static const char what[] = "RSASign";
    uint8_t cmd[SE05X_CMD_MAX], r[SE05X_RSP_MAX];
    size_t rlen, n;
    const uint8_t *v;
    if (s && se05x_need_rsa(s, id, what))
        return SE05X_E_UNSUPPORTED;
    struct tlv_w w;
    if (!s || (!msg && mlen) || !sig || !len)
        return SE05X_E_BAD_ARG;
    uint8_t algo = rsasig_algo(pad, md);
    if (!algo)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s: unsupported padding/digest", what);
    tlv_w_init(&w, cmd, sizeof cmd);
    tlv_put_u32(&w, SE05X_TAG_1, id);
    tlv_put_u8(&w, SE05X_TAG_2, algo);
    tlv_put(&w, SE05X_TAG_3, msg, mlen);
    se05x_rc rc = se05x_run(s, what, id, SE05X_INS_CRYPTO, SE05X_P1_SIGNATURE, SE05X_P2_SIGN, &w, true, r, sizeof r, &rlen);
    if (rc || (rc = se05x_rsp_one(s, what, id, r, rlen, SE05X_TAG_1, &v, &n)))
        return rc;
    if (n < 64 || n > 512)
        return se05x_bad_rsp(s, what, id, "signature length");
    uint8_t dg[EVP_MAX_MD_SIZE];
    unsigned dgl = 0;
    if (!host_digest(md, msg, mlen, dg, &dgl))
        return se05x_fail(s, SE05X_E_CRYPTO, 0, id, "%s: host cannot hash the message (libcrypto)", what);
    struct se05x_host_sig hv = {.kind = SE05X_HOST_RSA, .tbs = dg, .tbslen = dgl, .sig = v, .siglen = n,
                                .mdname = md_name(md), .pss = pad == SE05X_RSA_PAD_PSS, .is_sig = true};
    if ((rc = se05x_check_answer(s, what, id, ck, &hv)))
        return rc;
    return se05x_copy_out(s, what, id, v, n, sig, cap, len);
}

se05x_rc se05x_rsa_verify(se05x_session *s, se05x_objid id, se05x_rsa_pad pad, se05x_digest md,
                          const uint8_t *msg, size_t mlen, const uint8_t *sig, size_t siglen,
                          bool *valid)
{
    static const char what[] = "RSAVerify";
    if (!s || (!msg && mlen) || !sig || !valid)
        return SE05X_E_BAD_ARG;
    if (se05x_need_rsa(s, id, what))
        return SE05X_E_UNSUPPORTED;
    uint8_t algo = rsasig_algo(pad, md);
    if (!algo)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s: unsupported padding/digest", what);
    return se05x_verify_exchange(s, what, id, algo, msg, mlen, sig, siglen, valid);
}

static se05x_rc rsa_crypt(se05x_session *s, const char *what, uint8_t p2, se05x_objid id,
                          uint8_t algo, const uint8_t *in, size_t inlen, uint8_t *out, size_t cap,
                          size_t *len)
{
    uint8_t cmd[SE05X_CMD_MAX], r[SE05X_RSP_MAX];
    size_t rlen, n;
    const uint8_t *v;
    struct tlv_w w;
    if (se05x_need_rsa(s, id, what))
        return SE05X_E_UNSUPPORTED;
    tlv_w_init(&w, cmd, sizeof cmd);
    tlv_put_u32(&w, SE05X_TAG_1, id);
    tlv_put_u8(&w, SE05X_TAG_2, algo);
    tlv_put(&w, SE05X_TAG_3, in, inlen);
    se05x_rc rc = se05x_run(s, what, id, SE05X_INS_CRYPTO, SE05X_P1_RSA, p2, &w, true, r,
                            sizeof r, &rlen);
    if (!rc && !(rc = se05x_rsp_one(s, what, id, r, rlen, SE05X_TAG_1, &v, &n)))
        rc = se05x_copy_out(s, what, id, v, n, out, cap, len);
    OPENSSL_cleanse(cmd, sizeof cmd);
    OPENSSL_cleanse(r, sizeof r);
    return rc;
}

static uint8_t enc_algo(se05x_rsa_pad pad)
{
    switch (pad) {
    case SE05X_RSA_PAD_NONE: return SE05X_RSAENC_NO_PAD;
    case SE05X_RSA_PAD_PKCS1: return SE05X_RSAENC_PKCS1;
    case SE05X_RSA_PAD_OAEP: return SE05X_RSAENC_OAEP;
    default: return 0;
    }
}

se05x_rc se05x_rsa_encrypt(se05x_session *s, se05x_objid id, se05x_rsa_pad pad, const uint8_t *in,
                           size_t inlen, uint8_t *out, size_t cap, size_t *len)
{
    if (!s || !in || !inlen || !out || !len)
        return SE05X_E_BAD_ARG;
    uint8_t algo = enc_algo(pad);
    if (!algo)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "RSAEncrypt: padding not usable for encryption");
    return rsa_crypt(s, "RSAEncrypt", SE05X_P2_ENCRYPT_ONESHOT, id, algo, in, inlen, out, cap, len);
}

se05x_rc se05x_rsa_decrypt(se05x_session *s, se05x_objid id, se05x_rsa_pad pad, const uint8_t *in,
                           size_t inlen, uint8_t *out, size_t cap, size_t *len)
{
    return se05x_rsa_decrypt_ex(s, id, pad, in, inlen, out, cap, len, NULL);
}

se05x_rc se05x_rsa_decrypt_ex(se05x_session *s, se05x_objid id, se05x_rsa_pad pad, const uint8_t *in,
                              size_t inlen, uint8_t *out, size_t cap, size_t *len,
                              const struct se05x_check *ck)
{
    static const char what[] = "RSADecrypt";
    if (!s || !in || !inlen || !out || !len)
        return SE05X_E_BAD_ARG;
    uint8_t algo = enc_algo(pad);
    if (!algo)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "RSADecrypt: padding not usable for decryption");
    size_t n = 0;
    se05x_rc rc = rsa_crypt(s, what, SE05X_P2_DECRYPT_ONESHOT, id, algo, in, inlen, out, cap, &n);
    if (rc)
        return rc;
    /* What can be checked (docs/verify-after-sign.md): a raw result is
     * re-encrypted; with the padding removed by the chip only the length
     * (the ciphertext is k bytes long). */
    size_t over = pad == SE05X_RSA_PAD_PKCS1 ? 11 : pad == SE05X_RSA_PAD_OAEP ? 2 * 20 + 2 : 0;
    if ((ck && ck->off) || !se05x_checks_on(s))
        over = 0;
    if (n > inlen - (inlen > over ? over : inlen) || (pad == SE05X_RSA_PAD_NONE && n > inlen)) {
        OPENSSL_cleanse(out, n);
        return se05x_fail(s, SE05X_E_PROTOCOL, 0, id,
                          "%s of object 0x%08X on %s: RSA decryption result from the chip failed its check: "
                          "%zu bytes for a %zu-byte ciphertext: bad answer from chip or link",
                          what, id, se05x_conn(s), n, inlen);
    }
    if (pad == SE05X_RSA_PAD_NONE) {
        struct se05x_host_sig hv = {.kind = SE05X_HOST_RAW_RSA, .tbs = in, .tbslen = inlen, .sig = out,
                                    .siglen = n};
        if ((rc = se05x_check_answer(s, what, id, ck, &hv))) {
            OPENSSL_cleanse(out, n);
            return rc;
        }
    }
    *len = n;
    return SE05X_OK;
}

/* DER DigestInfo { AlgorithmIdentifier { oid, NULL }, OCTET STRING digest }
 * built by libcrypto's X509_SIG encoder. */
static int digest_info(se05x_digest md, const uint8_t *d, size_t dlen, uint8_t **der)
{
    int n = -1;
    X509_SIG *sig = X509_SIG_new();
    X509_ALGOR *alg = NULL;
    ASN1_OCTET_STRING *oct = NULL;
    if (!sig)
        return -1;
    X509_SIG_getm(sig, &alg, &oct);
    if (alg && oct && X509_ALGOR_set0(alg, OBJ_nid2obj(md_nid(md)), V_ASN1_NULL, NULL) &&
        ASN1_OCTET_STRING_set(oct, d, (int)dlen))
        n = i2d_X509_SIG(sig, der);
    X509_SIG_free(sig);
    return n;
}

/* EMSA-PSS needs an RSA object only for the modulus bit length. */
static RSA *modulus_shell(unsigned bits)
{
    RSA *rsa = RSA_new();
    BIGNUM *n = BN_new(), *e = BN_new();
    if (!rsa || !n || !e || !BN_set_bit(n, (int)bits - 1) || !BN_set_bit(n, 0) ||
        !BN_set_word(e, 65537) || !RSA_set0_key(rsa, n, e, NULL)) {
        RSA_free(rsa);
        BN_free(n);
        BN_free(e);
        return NULL;
    }
    return rsa;
}

se05x_rc se05x_rsa_sign_digest(se05x_session *s, se05x_objid id, unsigned bits, se05x_rsa_pad pad,
                               se05x_digest md, int salt_len, const uint8_t *digest, size_t dlen,
                               uint8_t *sig, size_t cap, size_t *len)
{
    return se05x_rsa_sign_digest_ex(s, id, bits, pad, md, salt_len, digest, dlen, sig, cap, len, NULL);
}

se05x_rc se05x_rsa_sign_digest_ex(se05x_session *s, se05x_objid id, unsigned bits, se05x_rsa_pad pad,
                                  se05x_digest md, int salt_len, const uint8_t *digest, size_t dlen,
                                  uint8_t *sig, size_t cap, size_t *len, const struct se05x_check *ck)
{
    static const char what[] = "RSA digest signature";
    if (!s || !digest || !sig || !len)
        return SE05X_E_BAD_ARG;
    if (bits < 512 || bits > 4096 || bits % 8)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s: bad modulus size %u", what, bits);
    size_t k = bits / 8;
    if (cap < k)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s: output buffer too small", what);
    uint8_t em[512];
    se05x_rc rc = SE05X_OK;
    if (pad == SE05X_RSA_PAD_PKCS1) {
        uint8_t *di = NULL;
        int dilen;
        if (md == SE05X_MD_NONE) { /* caller-made DigestInfo (or raw TLS MD5+SHA1) */
            di = OPENSSL_memdup(digest, dlen);
            dilen = di ? (int)dlen : -1;
        } else {
            if (dlen != se05x_digest_len(md))
                return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s: digest of %zu bytes for %s", what,
                                  dlen, md_name(md) ? md_name(md) : "?");
            dilen = digest_info(md, digest, dlen, &di);
        }
        if (dilen <= 0 || RSA_padding_add_PKCS1_type_1(em, (int)k, di, dilen) != 1)
            rc = se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s: PKCS#1 v1.5 encoding failed (digest too long for %u bits?)",
                            what, bits);
        OPENSSL_free(di);
    } else if (pad == SE05X_RSA_PAD_PSS) {
        const char *name = md_name(md);
        if (!name || dlen != se05x_digest_len(md))
            return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s: PSS needs a digest matching its algorithm", what);
        int slen;
        if (salt_len == -1)
            slen = RSA_PSS_SALTLEN_DIGEST;
        else if (salt_len == -2)
            slen = RSA_PSS_SALTLEN_MAX;
        else if (salt_len >= 0)
            slen = salt_len;
        else
            return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s: bad PSS salt length %d", what, salt_len);
        EVP_MD *emd = se05x_ossl_md(name);
        RSA *shell = modulus_shell(bits);
        if (!emd || !shell ||
            RSA_padding_add_PKCS1_PSS_mgf1(shell, em, digest, emd, emd, slen) != 1)
            rc = se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s: PSS encoding failed (salt too long?)", what);
        RSA_free(shell);
        EVP_MD_free(emd);
    } else {
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s: padding must be PKCS#1 or PSS", what);
    }
    if (rc)
        return rc;
    size_t n = 0;
    rc = rsa_crypt(s, "RSADecrypt (sign digest)", SE05X_P2_DECRYPT_ONESHOT, id, SE05X_RSAENC_NO_PAD,
                   em, k, sig, cap, &n);
    if (!rc) {
        if (n == 0 || n > k) {
            rc = se05x_bad_rsp(s, "RSADecrypt (sign digest)", id, "signature length");
        } else {
            if (n < k) { /* left-pad to the modulus length */
                memmove(sig + (k - n), sig, n);
                memset(sig, 0, k - n);
            }
            /* sig^e mod n must be the encoded message we sent */
            struct se05x_host_sig hv = {.kind = SE05X_HOST_RAW_RSA, .tbs = em, .tbslen = k, .sig = sig,
                                        .siglen = k, .is_sig = true};
            if ((rc = se05x_check_answer(s, what, id, ck, &hv)) == SE05X_OK)
                *len = k;
        }
    }
    return rc;
}
