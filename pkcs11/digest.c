/* SPDX-License-Identifier: Apache-2.0 */
/* Message digests on the host (libcrypto) and the mechanism / MGF1 -> digest maps
 * shared by the hashing sign/verify mechanisms and the PSS / OAEP parameters. */
#include <string.h>

#include "p11.h"

const EVP_MD *p11_md_from_mech(CK_MECHANISM_TYPE m)
{
    switch (m) {
    case CKM_SHA_1: case CKM_ECDSA_SHA1: case CKM_SHA1_RSA_PKCS: case CKM_SHA1_RSA_PKCS_PSS:
        return EVP_sha1();
    case CKM_SHA224: case CKM_ECDSA_SHA224: case CKM_SHA224_RSA_PKCS: case CKM_SHA224_RSA_PKCS_PSS:
        return EVP_sha224();
    case CKM_SHA256: case CKM_ECDSA_SHA256: case CKM_SHA256_RSA_PKCS: case CKM_SHA256_RSA_PKCS_PSS:
        return EVP_sha256();
    case CKM_SHA384: case CKM_ECDSA_SHA384: case CKM_SHA384_RSA_PKCS: case CKM_SHA384_RSA_PKCS_PSS:
        return EVP_sha384();
    case CKM_SHA512: case CKM_ECDSA_SHA512: case CKM_SHA512_RSA_PKCS: case CKM_SHA512_RSA_PKCS_PSS:
        return EVP_sha512();
    default:
        return NULL;
    }
}

const EVP_MD *p11_md_from_mgf(CK_RSA_PKCS_MGF_TYPE g)
{
    switch (g) {
    case CKG_MGF1_SHA1: return EVP_sha1();
    case CKG_MGF1_SHA224: return EVP_sha224();
    case CKG_MGF1_SHA256: return EVP_sha256();
    case CKG_MGF1_SHA384: return EVP_sha384();
    case CKG_MGF1_SHA512: return EVP_sha512();
    default: return NULL;
    }
}

se05x_digest p11_sdig_from_md(const EVP_MD *md)
{
    if (!md)
        return SE05X_MD_NONE;
    switch (EVP_MD_get_type(md)) {
    case NID_sha1: return SE05X_MD_SHA1;
    case NID_sha224: return SE05X_MD_SHA224;
    case NID_sha256: return SE05X_MD_SHA256;
    case NID_sha384: return SE05X_MD_SHA384;
    case NID_sha512: return SE05X_MD_SHA512;
    default: return SE05X_MD_NONE;
    }
}

static int is_digest_mech(CK_MECHANISM_TYPE m)
{
    return m == CKM_SHA_1 || m == CKM_SHA224 || m == CKM_SHA256 || m == CKM_SHA384 || m == CKM_SHA512;
}

CK_RV C_DigestInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism)
{
    P11_ENTER_SESSION(ctx, s, hSession);
    if (!pMechanism)
        P11_LEAVE(ctx, CKR_ARGUMENTS_BAD);
    if (s->digest.active)
        P11_LEAVE(ctx, CKR_OPERATION_ACTIVE);
    if (!is_digest_mech(pMechanism->mechanism))
        P11_LEAVE(ctx, CKR_MECHANISM_INVALID);
    struct p11_op *op = &s->digest;
    op->md = p11_md_from_mech(pMechanism->mechanism);
    op->mdctx = EVP_MD_CTX_new();
    if (!op->mdctx || !EVP_DigestInit_ex(op->mdctx, op->md, NULL))
        P11_LEAVE_OP(ctx, op, CKR_HOST_MEMORY);
    op->mech = pMechanism->mechanism;
    op->active = 1;
    P11_LEAVE(ctx, CKR_OK);
}

/* A length query or a short buffer leaves the operation active; oneshot
 * marks that it was a single-part C_Digest, which only C_Digest may finish. */
static CK_RV finish(struct p11_op *op, CK_BYTE_PTR out, CK_ULONG_PTR outlen)
{
    CK_ULONG need = (CK_ULONG)EVP_MD_get_size(op->md);
    if (!outlen) {
        p11_op_reset(op);
        return CKR_ARGUMENTS_BAD;
    }
    CK_RV rv;
    if (p11_len_answer(out, need, outlen, &rv))
        return rv;
    unsigned int l = 0;
    rv = EVP_DigestFinal_ex(op->mdctx, out, &l) ? CKR_OK : CKR_FUNCTION_FAILED;
    *outlen = l;
    p11_op_reset(op);
    return rv;
}

CK_RV C_Digest(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pDigest,
               CK_ULONG_PTR pulDigestLen)
{
    P11_ENTER_OP(ctx, op, rv, hSession, P11_OP_DIGEST);
    if (op->updated)
        P11_LEAVE_OP(ctx, op, CKR_OPERATION_ACTIVE);
    if (!pData && ulDataLen)
        P11_LEAVE_OP(ctx, op, CKR_ARGUMENTS_BAD);
    if (pDigest && pulDigestLen && *pulDigestLen >= (CK_ULONG)EVP_MD_get_size(op->md) &&
        !EVP_DigestUpdate(op->mdctx, pData, ulDataLen))
        P11_LEAVE_OP(ctx, op, CKR_FUNCTION_FAILED);
    rv = finish(op, pDigest, pulDigestLen);
    if (op->active)
        op->oneshot = 1; /* length answered: the one-shot C_Digest stays the operation */
    P11_LEAVE(ctx, rv);
}

CK_RV C_DigestUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
    P11_ENTER_PART(ctx, op, rv, hSession, P11_OP_DIGEST);
    if ((!pPart && ulPartLen) || !EVP_DigestUpdate(op->mdctx, pPart, ulPartLen))
        P11_LEAVE_OP(ctx, op, CKR_ARGUMENTS_BAD);
    op->updated = 1;
    P11_LEAVE(ctx, CKR_OK);
}

CK_RV C_DigestKey(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hKey)
{
    (void)hKey;
    P11_ENTER_OP(ctx, op, rv, hSession, P11_OP_DIGEST);
    P11_LEAVE(ctx, CKR_KEY_INDIGESTIBLE); /* keys never leave the chip */
}

CK_RV C_DigestFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen)
{
    P11_ENTER_PART(ctx, op, rv, hSession, P11_OP_DIGEST);
    P11_LEAVE(ctx, finish(op, pDigest, pulDigestLen));
}
