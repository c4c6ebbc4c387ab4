/* SPDX-License-Identifier: Apache-2.0 */
/* EC operations (docs/protocol/apdu.md §4.6, §5): ECDSASign/Verify (normal form, the chip
 * does not hash), ECDH (extended form). */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#include "cmd_util.h"
#include "generation.h"
#include "session_priv.h"

static uint8_t ecsig_algo(se05x_digest md)
{
    switch (md) {
    case SE05X_MD_SHA1: return SE05X_ECSIG_SHA1;
    case SE05X_MD_SHA224: return SE05X_ECSIG_SHA224;
    case SE05X_MD_SHA256: return SE05X_ECSIG_SHA256;
    case SE05X_MD_SHA384: return SE05X_ECSIG_SHA384;
    case SE05X_MD_SHA512: return SE05X_ECSIG_SHA512;
    default: return 0;
    }
}

/* ecsig_algo of md for a digest of dlen bytes; SE05X_E_BAD_ARG when md is
 * not one or dlen is not its length. */
static se05x_rc ecsig_algo_for(se05x_session *s, const char *what, se05x_objid id, se05x_digest md, size_t dlen,
                               uint8_t *algo)
{
    *algo = ecsig_algo(md);
    if (!*algo || dlen != se05x_digest_len(md))
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s: digest of %zu bytes does not match the algorithm",
                          what, dlen);
    return SE05X_OK;
}

/* The response must be one DER ECDSA-Sig-Value and nothing else. */
static bool der_sig_ok(const uint8_t *v, size_t n)
{
    const unsigned char *p = v;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)n);
    bool ok = sig && p == v + n;
    ECDSA_SIG_free(sig);
    return ok;
}

se05x_rc se05x_ecdsa_sign(se05x_session *s, se05x_objid id, se05x_digest md, const uint8_t *digest,
                          size_t dlen, uint8_t *sig, size_t cap, size_t *len)
{
    return se05x_ecdsa_sign_ex(s, id, md, digest, dlen, sig, cap, len, NULL);
}

se05x_rc se05x_ecdsa_sign_ex(se05x_session *s, se05x_objid id, se05x_digest md, const uint8_t *digest,
                             size_t dlen, uint8_t *sig, size_t cap, size_t *len, const struct se05x_check *ck)
{
    static const char what[] = "ECDSASign";
    uint8_t cmd[128], r[SE05X_RSP_MAX];
    size_t rlen, n;
    const uint8_t *v;
    struct tlv_w w;
    if (!s || !digest || !sig || !len)
        return SE05X_E_BAD_ARG;
    uint8_t algo;
    se05x_rc rc = ecsig_algo_for(s, what, id, md, dlen, &algo);
    if (rc)
        return rc;
    tlv_w_init(&w, cmd, sizeof cmd);
    tlv_put_u32(&w, SE05X_TAG_1, id);
    tlv_put_u8(&w, SE05X_TAG_2, algo);
    tlv_put(&w, SE05X_TAG_3, digest, dlen);
    rc = se05x_run(s, what, id, SE05X_INS_CRYPTO, SE05X_P1_SIGNATURE, SE05X_P2_SIGN, &w, false, r, sizeof r, &rlen);
    if (rc == SE05X_E_CONDITIONS || rc == SE05X_E_WRONG_DATA || rc == SE05X_E_DENIED || rc == SE05X_E_CARD)
        return se05x_inferred_refused(s, what, id, rc); /* a public key or a file taken for a key pair? */
    if (rc || (rc = se05x_rsp_one(s, what, id, r, rlen, SE05X_TAG_1, &v, &n)))
        return rc;
    if (!der_sig_ok(v, n))
        return se05x_bad_rsp(s, what, id, "signature is not DER SEQUENCE{r,s}");
    /* the chip truncates the digest to the order length like libcrypto does */
    struct se05x_host_sig hv = {.kind = SE05X_HOST_ECDSA, .tbs = digest, .tbslen = dlen, .sig = v, .siglen = n,
                                .is_sig = true};
    if ((rc = se05x_check_answer(s, what, id, ck, &hv)))
        return rc;
    return se05x_copy_out(s, what, id, v, n, sig, cap, len);
}

/* Digest of any length -> a value the chip accepts, with the semantics of
 * ECDSA (FIPS 186-4 §6.4: use the leftmost min(N, outlen) bits):
 *  - 20/28/32/48/64 bytes: sent as is, the chip truncates like OpenSSL;
 *  - otherwise the value is first truncated to the order bit length, then
 *    left-padded with zeros to the smallest supported length D with
 *    8*D <= order bits (so the chip keeps the whole value);
 *  - no such D (P-521 with more than 64 bytes): SE05X_E_UNSUPPORTED.
 * The order length needs the curve (one GetECCurveId) for odd lengths only. */
se05x_rc se05x_ecdsa_sign_digest(se05x_session *s, se05x_objid id, const uint8_t *digest,
                                 size_t dlen, uint8_t *sig, size_t cap, size_t *len)
{
    return se05x_ecdsa_sign_digest_ex(s, id, digest, dlen, sig, cap, len, NULL);
}

se05x_rc se05x_ecdsa_sign_digest_ex(se05x_session *s, se05x_objid id, const uint8_t *digest,
                                    size_t dlen, uint8_t *sig, size_t cap, size_t *len,
                                    const struct se05x_check *ck)
{
    static const size_t lens[] = {20, 28, 32, 48, 64};
    if (!s || !digest || !sig || !len || dlen == 0 || dlen > 1024)
        return s ? se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "ECDSA: bad digest length %zu", dlen)
                 : SE05X_E_BAD_ARG;
    se05x_digest md = se05x_digest_from_len(dlen);
    if (md != SE05X_MD_NONE)
        return se05x_ecdsa_sign_ex(s, id, md, digest, dlen, sig, cap, len, ck);

    se05x_curve c = SE05X_EC_NONE;
    se05x_rc rc = se05x_get_curve_id(s, id, &c);
    if (rc)
        return rc;
    unsigned nbits = se05x_curve_order_bits(c);
    if (!nbits)
        return se05x_fail(s, SE05X_E_WRONG_TYPE, 0, id, "ECDSA: object 0x%08X is not on an ECDSA curve", id);
    /* e = leftmost min(8*dlen, nbits) bits of the digest, as an integer */
    uint8_t e[1024 + 1];
    size_t ebits = 8 * dlen, elen = dlen;
    memcpy(e, digest, dlen);
    if (ebits > nbits) {
        unsigned shift = (unsigned)(ebits - nbits);
        /* right shift the big-endian number by `shift` bits */
        size_t bytes = shift / 8;
        unsigned bitsh = shift % 8;
        elen = dlen - bytes;
        if (bitsh) {
            for (size_t i = elen; i-- > 0;) {
                unsigned v = (unsigned)(e[i] >> bitsh);
                if (i > 0)
                    v |= (unsigned)(e[i - 1] << (8 - bitsh)) & 0xFF;
                e[i] = (uint8_t)v;
            }
        }
        ebits = nbits;
    }
    size_t need = (ebits + 7) / 8, d = 0;
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
        if (lens[i] >= need && 8 * lens[i] <= nbits) {
            d = lens[i];
            break;
        }
    if (!d)
        return se05x_fail(s, SE05X_E_UNSUPPORTED, 0, id,
                          "ECDSA: a %zu-byte digest cannot be signed with %s on the chip", dlen,
                          se05x_curve_name(c));
    uint8_t in[64];
    memset(in, 0, sizeof in);
    /* elen may exceed need only by leading zero bytes after the shift */
    size_t skip = elen > d ? elen - d : 0;
    memcpy(in + d - (elen - skip), e + skip, elen - skip);
    return se05x_ecdsa_sign_ex(s, id, se05x_digest_from_len(d), in, d, sig, cap, len, ck);
}

se05x_rc se05x_ecdsa_verify(se05x_session *s, se05x_objid id, se05x_digest md,
                            const uint8_t *digest, size_t dlen, const uint8_t *sig, size_t siglen,
                            bool *valid)
{
    static const char what[] = "ECDSAVerify";
    if (!s || !digest || !sig || !valid)
        return SE05X_E_BAD_ARG;
    uint8_t algo;
    se05x_rc rc = ecsig_algo_for(s, what, id, md, dlen, &algo);
    if (rc)
        return rc;
    if (siglen == 0 || siglen > 160)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s: signature of %zu bytes", what, siglen);
    return se05x_verify_exchange(s, what, id, algo, digest, dlen, sig, siglen, valid);
}

/* The ECDH answer check (docs/verify-after-sign.md): the shared secret is
 * the X coordinate of a point on the key's curve, so it must be as long as
 * the curve's field and x^3 + ax + b must be a square mod p (x < p). The
 * curve is the one of the peer point (the chip refuses a peer of another
 * curve): the supported curve of that length the peer lies on. 1 good,
 * 0 bad, -1 cannot tell (the peer is on none of them: length checked only). */
static int ecdh_x_ok(const uint8_t *peer, size_t peerlen, const uint8_t *x, size_t n)
{
    size_t l = (peerlen - 1) / 2;
    if (peerlen < 3 || peer[0] != 0x04 || peerlen != 1 + 2 * l)
        return -1;
    if (n != l)
        return 0;
    int res = -1;
    for (int c = SE05X_EC_NIST_P192; c <= SE05X_EC_SECP256K1 && res < 0; c++) {
        if (se05x_curve_bytes((se05x_curve)c) != l)
            continue;
        EC_GROUP *g = se05x_ossl_group(se05x_curve_to_nid((se05x_curve)c));
        EC_POINT *pt = g ? EC_POINT_new(g) : NULL;
        BIGNUM *p = BN_new(), *bx = BN_bin2bn(x, (int)n, NULL);
        ERR_set_mark();
        if (pt && p && bx && EC_POINT_oct2point(g, pt, peer, peerlen, NULL) == 1 &&
            EC_GROUP_get_curve(g, p, NULL, NULL, NULL) == 1)
            res = BN_cmp(bx, p) < 0 && EC_POINT_set_compressed_coordinates(g, pt, bx, 0, NULL) == 1;
        ERR_pop_to_mark();
        BN_free(p);
        BN_clear_free(bx);
        EC_POINT_clear_free(pt);
        EC_GROUP_free(g);
    }
    return res;
}

/* Weierstrass peers are 04||X||Y (odd length); a 32- or 56-byte peer is an
 * X25519/X448 public key, which travels reversed like the secret that comes
 * back (docs/protocol/apdu.md §21, docs/decisions.md D6). */
se05x_rc se05x_ecdh(se05x_session *s, se05x_objid id, const uint8_t *peer, size_t peerlen,
                    uint8_t *out, size_t cap, size_t *len)
{
    static const char what[] = "ECDHGenerateSharedSecret";
    uint8_t cmd[256], r[SE05X_RSP_MAX], mont[56];
    size_t rlen, n;
    const uint8_t *v;
    struct tlv_w w;
    if (!s || !peer || !out || !len)
        return SE05X_E_BAD_ARG;
    if (peerlen == 0 || peerlen > 1 + 2 * 66)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s: peer key of %zu bytes", what, peerlen);
    bool montgomery = peerlen == 32 || peerlen == 56;
    /* 7.x: P2 59 (DH_REVERSE) makes the applet reverse; 3.x: the host does */
    bool dh_reverse = montgomery && se05x_gen(s)->dh_reverse;
    if (montgomery && !dh_reverse) {
        memcpy(mont, peer, peerlen);
        se05x_reverse(mont, peerlen);
        peer = mont;
    }
    tlv_w_init(&w, cmd, sizeof cmd);
    tlv_put_u32(&w, SE05X_TAG_1, id);
    tlv_put(&w, SE05X_TAG_2, peer, peerlen);
    se05x_rc rc = se05x_run(s, what, id, SE05X_INS_CRYPTO, SE05X_P1_EC,
                            dh_reverse ? SE05X_P2_DH_REVERSE : SE05X_P2_DH, &w, true, r, sizeof r, &rlen);
    if (!rc && !(rc = se05x_rsp_one(s, what, id, r, rlen, SE05X_TAG_1, &v, &n))) {
        static const uint8_t zero[56];
        bool check = se05x_checks_on(s);
        if (n == 0 || n > 66 || (montgomery && n != peerlen))
            rc = se05x_bad_rsp(s, what, id, "shared secret length");
        else if (check && (montgomery ? CRYPTO_memcmp(v, zero, n) == 0 : ecdh_x_ok(peer, peerlen, v, n) == 0))
            rc = se05x_fail(s, SE05X_E_PROTOCOL, 0, id,
                            "%s of object 0x%08X on %s: shared secret from the chip failed its check (%s): "
                            "bad answer from chip or link", what, id, se05x_conn(s),
                            montgomery ? "all zero" : "not the X coordinate of a point on the curve");
        else
            rc = se05x_copy_out(s, what, id, v, n, out, cap, len);
        if (!rc && montgomery && !dh_reverse)
            se05x_reverse(out, n);
    }
    OPENSSL_cleanse(r, sizeof r);
    return rc;
}
