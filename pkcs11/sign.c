/* SPDX-License-Identifier: Apache-2.0 */
/* Signatures on the chip, verification in software.
 *   EC : CKM_ECDSA (raw digest in, r||s out), CKM_ECDSA_SHA1..512 (host hash).
 *        One ECDSASign APDU; the chip's DER signature becomes r||s of fixed width.
 *   RSA: CKM_RSA_PKCS (caller-made DigestInfo), CKM_SHAx_RSA_PKCS, CKM_RSA_PKCS_PSS
 *        (digest in), CKM_SHAx_RSA_PKCS_PSS. Padding on the host, one RSA APDU
 *        (se05x_rsa_sign_digest).
 * Multi-part: hashing mechanisms hash on the host; raw ones buffer the input. */
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

#include "p11.h"

CK_RV p11_ecdsa_der_to_raw(const uint8_t *der, size_t dlen, size_t width, uint8_t *out)
{
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
    if (!sig)
        return CKR_DEVICE_ERROR;
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(sig, &r, &s);
    int ok = BN_bn2binpad(r, out, (int)width) == (int)width &&
             BN_bn2binpad(s, out + width, (int)width) == (int)width;
    ECDSA_SIG_free(sig);
    return ok ? CKR_OK : CKR_DEVICE_ERROR;
}

static int is_ec_mech(CK_MECHANISM_TYPE m)
{
    return m == CKM_ECDSA || m == CKM_ECDSA_SHA1 || m == CKM_ECDSA_SHA224 || m == CKM_ECDSA_SHA256 ||
           m == CKM_ECDSA_SHA384 || m == CKM_ECDSA_SHA512;
}

static int is_pss_mech(CK_MECHANISM_TYPE m)
{
    return m == CKM_RSA_PKCS_PSS || m == CKM_SHA1_RSA_PKCS_PSS || m == CKM_SHA224_RSA_PKCS_PSS ||
           m == CKM_SHA256_RSA_PKCS_PSS || m == CKM_SHA384_RSA_PKCS_PSS || m == CKM_SHA512_RSA_PKCS_PSS;
}

static size_t sig_len(const struct p11_entry *e)
{
    if (e->info.kind == SE05X_KIND_EC)
        return 2 * se05x_curve_bytes(e->info.curve);
    return (e->info.bits + 7) / 8;
}

/* Common SignInit / VerifyInit. */
static CK_RV op_init(struct p11_ctx *ctx, struct p11_op *op, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key,
                     int sign)
{
    CK_MECHANISM_INFO mi;
    if (!m)
        return CKR_ARGUMENTS_BAD;
    if (op->active)
        return CKR_OPERATION_ACTIVE;
    if (!p11_mech_supported(m->mechanism, &mi) || !(mi.flags & (sign ? CKF_SIGN : CKF_VERIFY)))
        return CKR_MECHANISM_INVALID;
    size_t idx;
    CK_RV rv = p11_key_for_op(ctx, key, sign, &idx);
    if (rv != CKR_OK)
        return rv;
    struct p11_entry *e = ctx->ent[idx];
    int ec = e->info.kind == SE05X_KIND_EC;
    if (ec != is_ec_mech(m->mechanism))
        return CKR_KEY_TYPE_INCONSISTENT;
    memset(op, 0, sizeof(*op));
    op->mech = m->mechanism;
    op->key = key;
    op->entry = idx;
    op->md = p11_md_from_mech(m->mechanism);
    if (is_pss_mech(m->mechanism)) {
        if (!m->pParameter || m->ulParameterLen != sizeof(CK_RSA_PKCS_PSS_PARAMS))
            return CKR_MECHANISM_PARAM_INVALID;
        const CK_RSA_PKCS_PSS_PARAMS *pp = m->pParameter;
        op->pss_md = p11_md_from_mech(pp->hashAlg);
        const EVP_MD *g = p11_md_from_mgf(pp->mgf);
        if (!op->pss_md || !g || EVP_MD_get_type(g) != EVP_MD_get_type(op->pss_md) ||
            (op->md && EVP_MD_get_type(op->md) != EVP_MD_get_type(op->pss_md)) ||
            pp->sLen > (CK_ULONG)((e->info.bits + 7) / 8))
            return CKR_MECHANISM_PARAM_INVALID;
        op->salt_len = (int)pp->sLen;
    }
    if (!sign && (rv = p11_entry_pubkey(ctx, e)) != CKR_OK)
        return rv;
    op->active = 1;
    return CKR_OK;
}

static CK_RV op_update(struct p11_op *op, const uint8_t *data, size_t len)
{
    if (!data && len)
        return CKR_ARGUMENTS_BAD;
    op->updated = 1;
    if (op->md) {
        if (!op->mdctx) {
            op->mdctx = EVP_MD_CTX_new();
            if (!op->mdctx || !EVP_DigestInit_ex(op->mdctx, op->md, NULL))
                return CKR_HOST_MEMORY;
        }
        return EVP_DigestUpdate(op->mdctx, data, len) ? CKR_OK : CKR_FUNCTION_FAILED;
    }
    if (op->buf_len + len > P11_MAX_DATA)
        return CKR_DATA_LEN_RANGE;
    uint8_t *n = realloc(op->buf, op->buf_len + len + 1);
    if (!n)
        return CKR_HOST_MEMORY;
    op->buf = n;
    if (len)
        memcpy(op->buf + op->buf_len, data, len);
    op->buf_len += len;
    return CKR_OK;
}

/* The value actually signed (p, len): the digest (in md) for hashing
 * mechanisms, the raw input otherwise. */
struct tbs {
    uint8_t md[EVP_MAX_MD_SIZE];
    const uint8_t *p;
    size_t len;
};

/* Fills t from data, or from the multi-part state when data is NULL. */
static CK_RV op_tbs(struct p11_op *op, const uint8_t *data, size_t len, struct tbs *t)
{
    if (op->md) {
        unsigned int l = 0;
        if (data || !op->mdctx) {
            if (!EVP_Digest(data ? data : (const uint8_t *)"", data ? len : 0, t->md, &l, op->md, NULL))
                return CKR_FUNCTION_FAILED;
        } else if (!EVP_DigestFinal_ex(op->mdctx, t->md, &l)) {
            return CKR_FUNCTION_FAILED;
        }
        t->p = t->md;
        t->len = l;
        return CKR_OK;
    }
    t->p = data ? data : op->buf;
    t->len = data ? len : op->buf_len;
    if (!t->p)
        t->p = (const uint8_t *)"";
    return CKR_OK;
}

static CK_RV do_sign_once(struct p11_ctx *ctx, struct p11_op *op, const uint8_t *tbs, size_t tbslen,
                          uint8_t *out, CK_ULONG_PTR outlen)
{
    struct p11_entry *e = ctx->ent[op->entry];
    if (!e->valid)
        return CKR_KEY_HANDLE_INVALID;
    if (!ctx->logged_in)
        return CKR_USER_NOT_LOGGED_IN;
    se05x_session *se = p11_chip(ctx);
    if (!se)
        return CKR_DEVICE_ERROR;
    size_t want = sig_len(e);
    se05x_rc rc;
    /* The lib verifies the chip's signature before it is returned
     * (docs/verify-after-sign.md): with the object's public key when the
     * module holds it already, else with the chip's, read once per session. */
    const struct se05x_check ck = {.pub = e->pub, .pub_source = "public key of the PKCS#11 key object"};
    if (e->info.kind == SE05X_KIND_EC) {
        if (tbslen == 0 || tbslen > 64)
            return CKR_DATA_LEN_RANGE;
        uint8_t der[160];
        size_t dl = 0;
        rc = se05x_ecdsa_sign_digest_ex(se, e->id, tbs, tbslen, der, sizeof(der), &dl, &ck);
        if (rc != SE05X_OK)
            return p11_key_rv(ctx, e, rc);
        CK_RV rv = p11_ecdsa_der_to_raw(der, dl, want / 2, out);
        if (rv == CKR_OK)
            *outlen = want;
        return rv;
    }
    size_t l = 0;
    if (is_pss_mech(op->mech)) {
        if (tbslen != (size_t)EVP_MD_get_size(op->pss_md))
            return CKR_DATA_LEN_RANGE;
        rc = se05x_rsa_sign_digest_ex(se, e->id, e->info.bits, SE05X_RSA_PAD_PSS, p11_sdig_from_md(op->pss_md),
                                      op->salt_len, tbs, tbslen, out, *outlen, &l, &ck);
    } else {
        if (!op->md && tbslen + 11 > want)
            return CKR_DATA_LEN_RANGE;
        rc = se05x_rsa_sign_digest_ex(se, e->id, e->info.bits, SE05X_RSA_PAD_PKCS1, p11_sdig_from_md(op->md), 0,
                                      tbs, tbslen, out, *outlen, &l, &ck);
    }
    if (rc == SE05X_E_BAD_ARG)
        return CKR_DATA_LEN_RANGE;
    if (rc != SE05X_OK)
        return p11_key_rv(ctx, e, rc);
    *outlen = l;
    return CKR_OK;
}

/* A chip-held PIN's applet session lost meanwhile is re-opened once (pin_chip.c). */
static CK_RV do_sign(struct p11_ctx *ctx, struct p11_op *op, const uint8_t *tbs, size_t tbslen, uint8_t *out,
                     CK_ULONG_PTR outlen)
{
    CK_ULONG cap = *outlen;
    CK_RV rv = do_sign_once(ctx, op, tbs, tbslen, out, outlen);
    if (p11_pin_chip_retry(ctx, rv)) {
        *outlen = cap;
        rv = do_sign_once(ctx, op, tbs, tbslen, out, outlen);
    }
    return rv;
}

/* Length query / short buffer of C_Sign and C_SignFinal: returns 1 when the
 * call is answered without signing (op stays active). */
static int size_only(struct p11_ctx *ctx, struct p11_op *op, CK_BYTE_PTR out, CK_ULONG_PTR outlen, CK_RV *rv)
{
    return p11_len_answer(out, sig_len(ctx->ent[op->entry]), outlen, rv);
}

/* Signs the value of the operation: data, or the multi-part state when data is NULL. */
static CK_RV sign_value(struct p11_ctx *ctx, struct p11_op *op, const uint8_t *data, size_t len, CK_BYTE_PTR out,
                        CK_ULONG_PTR outlen)
{
    struct tbs t;
    CK_RV rv = op_tbs(op, data, len, &t);
    return rv == CKR_OK ? do_sign(ctx, op, t.p, t.len, out, outlen) : rv;
}

/* C_SignUpdate / C_VerifyUpdate: a failed update ends the operation. */
static CK_RV update_entry(CK_SESSION_HANDLE h, enum p11_op_kind kind, const uint8_t *part, size_t len)
{
    P11_ENTER_PART(ctx, op, rv, h, kind);
    rv = op_update(op, part, len);
    if (rv != CKR_OK)
        p11_op_reset(op);
    P11_LEAVE(ctx, rv);
}

CK_RV C_SignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
    return p11_op_start(hSession, P11_OP_SIGN, op_init, pMechanism, hKey, 1);
}

CK_RV C_Sign(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
             CK_ULONG_PTR pulSignatureLen)
{
    P11_ENTER_OP(ctx, op, rv, hSession, P11_OP_SIGN);
    if (!pulSignatureLen || (!pData && ulDataLen))
        P11_LEAVE_OP(ctx, op, CKR_ARGUMENTS_BAD);
    if (size_only(ctx, op, pSignature, pulSignatureLen, &rv)) {
        op->oneshot = 1; /* only C_Sign may finish this operation now */
        P11_LEAVE(ctx, rv);
    }
    if (op->updated)
        P11_LEAVE_OP(ctx, op, CKR_OPERATION_ACTIVE);
    P11_LEAVE_OP(ctx, op,
                 sign_value(ctx, op, pData ? pData : (const uint8_t *)"", ulDataLen, pSignature, pulSignatureLen));
}

CK_RV C_SignUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
    return update_entry(hSession, P11_OP_SIGN, pPart, ulPartLen);
}

CK_RV C_SignFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
    P11_ENTER_PART(ctx, op, rv, hSession, P11_OP_SIGN);
    if (!pulSignatureLen)
        P11_LEAVE_OP(ctx, op, CKR_ARGUMENTS_BAD);
    if (size_only(ctx, op, pSignature, pulSignatureLen, &rv))
        P11_LEAVE(ctx, rv);
    P11_LEAVE_OP(ctx, op, sign_value(ctx, op, NULL, 0, pSignature, pulSignatureLen));
}

/* ---- verification (software, public key cached) ---- */
static CK_RV do_verify(struct p11_ctx *ctx, struct p11_op *op, const uint8_t *tbs, size_t tbslen,
                       const uint8_t *sig, size_t siglen)
{
    struct p11_entry *e = ctx->ent[op->entry];
    if (!e->valid || !e->pub)
        return CKR_KEY_HANDLE_INVALID;
    size_t want = sig_len(e);
    if (siglen != want)
        return CKR_SIGNATURE_LEN_RANGE;
    uint8_t *der = NULL;
    int derlen = 0;
    CK_RV rv = CKR_FUNCTION_FAILED;
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(e->pub, NULL);
    if (!pc || EVP_PKEY_verify_init(pc) <= 0)
        goto out;
    if (e->info.kind == SE05X_KIND_EC) {
        ECDSA_SIG *es = ECDSA_SIG_new();
        BIGNUM *r = BN_bin2bn(sig, (int)want / 2, NULL), *s = BN_bin2bn(sig + want / 2, (int)want / 2, NULL);
        if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s)) {
            ECDSA_SIG_free(es);
            BN_free(r);
            BN_free(s);
            goto out;
        }
        derlen = i2d_ECDSA_SIG(es, &der);
        ECDSA_SIG_free(es);
        if (derlen <= 0)
            goto out;
        sig = der;
        siglen = (size_t)derlen;
    } else if (is_pss_mech(op->mech)) {
        if (tbslen != (size_t)EVP_MD_get_size(op->pss_md)) {
            rv = CKR_DATA_LEN_RANGE;
            goto out;
        }
        if (EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) <= 0 ||
            EVP_PKEY_CTX_set_signature_md(pc, op->pss_md) <= 0 ||
            EVP_PKEY_CTX_set_rsa_mgf1_md(pc, op->pss_md) <= 0 ||
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, op->salt_len) <= 0)
            goto out;
    } else {
        if (EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) <= 0 ||
            (op->md && EVP_PKEY_CTX_set_signature_md(pc, op->md) <= 0))
            goto out;
    }
    rv = EVP_PKEY_verify(pc, sig, siglen, tbs, tbslen) == 1 ? CKR_OK : CKR_SIGNATURE_INVALID;
out:
    OPENSSL_free(der);
    EVP_PKEY_CTX_free(pc);
    return rv;
}

/* Verifies sig over the value of the operation: data, or the multi-part state when data is NULL. */
static CK_RV verify_value(struct p11_ctx *ctx, struct p11_op *op, const uint8_t *data, size_t len,
                          const uint8_t *sig, size_t siglen)
{
    struct tbs t;
    CK_RV rv = op_tbs(op, data, len, &t);
    return rv == CKR_OK ? do_verify(ctx, op, t.p, t.len, sig, siglen) : rv;
}

CK_RV C_VerifyInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
    return p11_op_start(hSession, P11_OP_VERIFY, op_init, pMechanism, hKey, 0);
}

CK_RV C_Verify(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
               CK_ULONG ulSignatureLen)
{
    P11_ENTER_OP(ctx, op, rv, hSession, P11_OP_VERIFY);
    rv = CKR_ARGUMENTS_BAD;
    if ((pData || !ulDataLen) && pSignature)
        rv = op->updated ? CKR_OPERATION_ACTIVE
                         : verify_value(ctx, op, pData ? pData : (const uint8_t *)"", ulDataLen, pSignature,
                                        ulSignatureLen);
    P11_LEAVE_OP(ctx, op, rv);
}

CK_RV C_VerifyUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
    return update_entry(hSession, P11_OP_VERIFY, pPart, ulPartLen);
}

CK_RV C_VerifyFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
    P11_ENTER_OP(ctx, op, rv, hSession, P11_OP_VERIFY);
    P11_LEAVE_OP(ctx, op, pSignature ? verify_value(ctx, op, NULL, 0, pSignature, ulSignatureLen) : CKR_ARGUMENTS_BAD);
}

CK_RV C_SignRecoverInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
    (void)hSession; (void)pMechanism; (void)hKey;
    return p11_not_supported();
}

CK_RV C_SignRecover(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
                    CK_ULONG_PTR pulSignatureLen)
{
    (void)hSession; (void)pData; (void)ulDataLen; (void)pSignature; (void)pulSignatureLen;
    return p11_not_supported();
}

CK_RV C_VerifyRecoverInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
    (void)hSession; (void)pMechanism; (void)hKey;
    return p11_not_supported();
}

CK_RV C_VerifyRecover(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen,
                      CK_BYTE_PTR pData, CK_ULONG_PTR pulDataLen)
{
    (void)hSession; (void)pSignature; (void)ulSignatureLen; (void)pData; (void)pulDataLen;
    return p11_not_supported();
}
