/* SPDX-License-Identifier: Apache-2.0 */
/* RSA decryption on the chip (CKM_RSA_PKCS, CKM_RSA_PKCS_OAEP) and RSA
 * encryption in software with the cached public key. OAEP with SHA-1, MGF1-SHA-1
 * and no label is the chip's own OAEP; any other OAEP hash/label is a raw
 * (no padding) decryption on the chip, unpadded on the host. */
#define OPENSSL_SUPPRESS_DEPRECATED 1 /* RSA_padding_check_PKCS1_OAEP_mgf1: no EVP equivalent */
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

#include "p11.h"

/* op->md = OAEP hash, op->pss_md = MGF1 hash, op->buf = label. */
static CK_RV crypt_init(struct p11_ctx *ctx, struct p11_op *op, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key,
                        int decrypt)
{
    if (!m)
        return CKR_ARGUMENTS_BAD;
    if (op->active)
        return CKR_OPERATION_ACTIVE;
    if (m->mechanism != CKM_RSA_PKCS && m->mechanism != CKM_RSA_PKCS_OAEP)
        return CKR_MECHANISM_INVALID;
    size_t idx;
    CK_RV rv = p11_key_for_op(ctx, key, decrypt, &idx);
    if (rv != CKR_OK)
        return rv;
    struct p11_entry *e = ctx->ent[idx];
    if (e->info.kind != SE05X_KIND_RSA)
        return CKR_KEY_TYPE_INCONSISTENT;
    memset(op, 0, sizeof(*op));
    op->mech = m->mechanism;
    op->key = key;
    op->entry = idx;
    if (m->mechanism == CKM_RSA_PKCS_OAEP) {
        if (!m->pParameter || m->ulParameterLen != sizeof(CK_RSA_PKCS_OAEP_PARAMS))
            return CKR_MECHANISM_PARAM_INVALID;
        const CK_RSA_PKCS_OAEP_PARAMS *p = m->pParameter;
        op->md = p11_md_from_mech(p->hashAlg);
        op->pss_md = p11_md_from_mgf(p->mgf);
        if (!op->md || !op->pss_md)
            return CKR_MECHANISM_PARAM_INVALID;
        if (!p->pSourceData && p->ulSourceDataLen)
            return CKR_MECHANISM_PARAM_INVALID; /* a label length without a label */
        if (p->source == CKZ_DATA_SPECIFIED && p->pSourceData && p->ulSourceDataLen) {
            if (p->ulSourceDataLen > 1024)
                return CKR_MECHANISM_PARAM_INVALID;
            op->buf = malloc(p->ulSourceDataLen);
            if (!op->buf)
                return CKR_HOST_MEMORY;
            memcpy(op->buf, p->pSourceData, p->ulSourceDataLen);
            op->buf_len = p->ulSourceDataLen;
        } else if (p->source != 0 && p->source != CKZ_DATA_SPECIFIED) {
            return CKR_MECHANISM_PARAM_INVALID;
        }
    }
    if (!decrypt && (rv = p11_entry_pubkey(ctx, e)) != CKR_OK)
        return rv;
    op->active = 1;
    return CKR_OK;
}

CK_RV C_DecryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
    return p11_op_start(hSession, P11_OP_DECRYPT, crypt_init, pMechanism, hKey, 1);
}

static CK_RV do_decrypt(struct p11_ctx *ctx, struct p11_op *op, const uint8_t *in, size_t inlen, uint8_t *out,
                        size_t *outlen)
{
    struct p11_entry *e = ctx->ent[op->entry];
    size_t k = (e->info.bits + 7) / 8;
    if (!e->valid)
        return CKR_KEY_HANDLE_INVALID;
    if (!ctx->logged_in)
        return CKR_USER_NOT_LOGGED_IN;
    if (inlen != k)
        return CKR_ENCRYPTED_DATA_LEN_RANGE;
    se05x_session *se = p11_chip(ctx);
    if (!se)
        return CKR_DEVICE_ERROR;
    se05x_rc rc;
    if (op->mech == CKM_RSA_PKCS) {
        rc = se05x_rsa_decrypt(se, e->id, SE05X_RSA_PAD_PKCS1, in, inlen, out, k, outlen);
    } else if (EVP_MD_get_type(op->md) == NID_sha1 && EVP_MD_get_type(op->pss_md) == NID_sha1 && !op->buf_len) {
        rc = se05x_rsa_decrypt(se, e->id, SE05X_RSA_PAD_OAEP, in, inlen, out, k, outlen);
    } else {
        uint8_t *raw = malloc(k);
        size_t rl = 0;
        if (!raw)
            return CKR_HOST_MEMORY;
        rc = se05x_rsa_decrypt(se, e->id, SE05X_RSA_PAD_NONE, in, inlen, raw, k, &rl);
        if (rc == SE05X_OK) {
            /* the raw block is k bytes with a leading 00 */
            int n = rl == k && raw[0] == 0
                        ? RSA_padding_check_PKCS1_OAEP_mgf1(out, (int)k, raw + 1, (int)k - 1, (int)k,
                                                            op->buf, (int)op->buf_len, op->md, op->pss_md)
                        : -1;
            OPENSSL_cleanse(raw, k);
            free(raw);
            if (n < 0)
                return CKR_ENCRYPTED_DATA_INVALID;
            *outlen = (size_t)n;
            return CKR_OK;
        }
        free(raw);
    }
    if (rc == SE05X_E_WRONG_DATA || rc == SE05X_E_CRYPTO)
        return CKR_ENCRYPTED_DATA_INVALID;
    return p11_key_rv(ctx, e, rc);
}

CK_RV C_Decrypt(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedData, CK_ULONG ulEncryptedDataLen,
                CK_BYTE_PTR pData, CK_ULONG_PTR pulDataLen)
{
    P11_ENTER_OP(ctx, op, rv, hSession, P11_OP_DECRYPT);
    if (!pulDataLen || !pEncryptedData)
        P11_LEAVE_OP(ctx, op, CKR_ARGUMENTS_BAD);
    size_t k = (ctx->ent[op->entry]->info.bits + 7) / 8;
    if (!pData) {
        *pulDataLen = k; /* upper bound */
        P11_LEAVE(ctx, CKR_OK);
    }
    uint8_t *tmp = malloc(k);
    if (!tmp)
        P11_LEAVE_OP(ctx, op, CKR_HOST_MEMORY);
    size_t outlen = 0;
    rv = do_decrypt(ctx, op, pEncryptedData, ulEncryptedDataLen, tmp, &outlen);
    if (rv == CKR_OK && *pulDataLen < outlen) {
        *pulDataLen = outlen;
        OPENSSL_cleanse(tmp, k);
        free(tmp);
        P11_LEAVE(ctx, CKR_BUFFER_TOO_SMALL); /* operation stays active */
    }
    if (rv == CKR_OK) {
        memcpy(pData, tmp, outlen);
        *pulDataLen = outlen;
    }
    OPENSSL_cleanse(tmp, k);
    free(tmp);
    P11_LEAVE_OP(ctx, op, rv);
}

CK_RV C_DecryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart, CK_ULONG ulEncryptedPartLen,
                      CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen)
{
    (void)hSession; (void)pEncryptedPart; (void)ulEncryptedPartLen; (void)pPart; (void)pulPartLen;
    return p11_not_supported();
}

CK_RV C_DecryptFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastPart, CK_ULONG_PTR pulLastPartLen)
{
    (void)hSession; (void)pLastPart; (void)pulLastPartLen;
    return p11_not_supported();
}

/* ---- encryption: software, public key ---- */
CK_RV C_EncryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
    return p11_op_start(hSession, P11_OP_ENCRYPT, crypt_init, pMechanism, hKey, 0);
}

CK_RV C_Encrypt(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pEncryptedData,
                CK_ULONG_PTR pulEncryptedDataLen)
{
    P11_ENTER_OP(ctx, op, rv, hSession, P11_OP_ENCRYPT);
    if (!pulEncryptedDataLen || (!pData && ulDataLen))
        P11_LEAVE_OP(ctx, op, CKR_ARGUMENTS_BAD);
    struct p11_entry *e = ctx->ent[op->entry];
    size_t k = (e->info.bits + 7) / 8;
    if (p11_len_answer(pEncryptedData, k, pulEncryptedDataLen, &rv))
        P11_LEAVE(ctx, rv);
    rv = CKR_FUNCTION_FAILED;
    EVP_PKEY_CTX *pc = e->pub ? EVP_PKEY_CTX_new(e->pub, NULL) : NULL;
    if (pc && EVP_PKEY_encrypt_init(pc) > 0) {
        int ok;
        if (op->mech == CKM_RSA_PKCS) {
            ok = EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) > 0;
            if (ulDataLen + 11 > k)
                rv = CKR_DATA_LEN_RANGE, ok = 0;
        } else {
            ok = EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_OAEP_PADDING) > 0 &&
                 EVP_PKEY_CTX_set_rsa_oaep_md(pc, op->md) > 0 && EVP_PKEY_CTX_set_rsa_mgf1_md(pc, op->pss_md) > 0;
            if (ok && op->buf_len) {
                uint8_t *l = OPENSSL_memdup(op->buf, op->buf_len);
                ok = l && EVP_PKEY_CTX_set0_rsa_oaep_label(pc, l, (int)op->buf_len) > 0;
                if (!ok)
                    OPENSSL_free(l);
            }
        }
        size_t ol = *pulEncryptedDataLen;
        if (ok) {
            if (EVP_PKEY_encrypt(pc, pEncryptedData, &ol, pData ? pData : (const uint8_t *)"", ulDataLen) > 0) {
                *pulEncryptedDataLen = ol;
                rv = CKR_OK;
            } else {
                rv = CKR_DATA_LEN_RANGE;
            }
        }
    }
    EVP_PKEY_CTX_free(pc);
    P11_LEAVE_OP(ctx, op, rv);
}

CK_RV C_EncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen, CK_BYTE_PTR pEncryptedPart,
                      CK_ULONG_PTR pulEncryptedPartLen)
{
    (void)hSession; (void)pPart; (void)ulPartLen; (void)pEncryptedPart; (void)pulEncryptedPartLen;
    return p11_not_supported();
}

CK_RV C_EncryptFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastEncryptedPart, CK_ULONG_PTR pulLastEncryptedPartLen)
{
    (void)hSession; (void)pLastEncryptedPart; (void)pulLastEncryptedPartLen;
    return p11_not_supported();
}

/* dual-function updates: not offered */
CK_RV C_DigestEncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG_PTR d)
{
    (void)h; (void)a; (void)b; (void)c; (void)d;
    return p11_not_supported();
}
CK_RV C_DecryptDigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG_PTR d)
{
    (void)h; (void)a; (void)b; (void)c; (void)d;
    return p11_not_supported();
}
CK_RV C_SignEncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG_PTR d)
{
    (void)h; (void)a; (void)b; (void)c; (void)d;
    return p11_not_supported();
}
CK_RV C_DecryptVerifyUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG_PTR d)
{
    (void)h; (void)a; (void)b; (void)c; (void)d;
    return p11_not_supported();
}
