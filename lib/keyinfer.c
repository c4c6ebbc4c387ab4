/* SPDX-License-Identifier: Apache-2.0 */
/* Cold start (docs/lib.md "Cold start"): what an EC key is, learnt from its
 * public key instead of ReadType + GetECCurveId. ReadObject of an EC key pair
 * or public key answers the uncompressed point 04||X||Y (docs/protocol/apdu.md
 * §5 "ReadObject"); its length gives the field size, and libcrypto tells on
 * which of the chip's curves of that size (docs/protocol/apdu.md §8) the point
 * lies. Exactly one: that is the curve. Anything else - a refusing status
 * word, another length or form, a point on no curve or on several - and the
 * caller asks ReadType/GetECCurveId as before. The point is checked on the
 * curve before anything uses it; what the chip then signs is checked against
 * it (verify-after-sign), so a chip answering a point of another curve gets
 * its signature refused, not used. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "cmd_util.h"
#include "session_priv.h"

size_t se05x_curve_match_point(const uint8_t *pt, size_t n, const se05x_curve *cands, size_t ncands,
                               se05x_curve *out)
{
    size_t hits = 0;
    *out = SE05X_EC_NONE;
    if (!pt || n < 3 || n % 2 == 0 || pt[0] != 0x04)
        return 0;
    size_t l = (n - 1) / 2;
    se05x_curve found = SE05X_EC_NONE;
    ERR_set_mark();
    for (size_t i = 0; i < ncands; i++) {
        se05x_curve c = cands[i];
        if (!se05x_curve_is_weierstrass(c) || se05x_curve_bytes(c) != l)
            continue;
        EC_GROUP *g = se05x_ossl_group(se05x_curve_to_nid(c));
        EC_POINT *p = g ? EC_POINT_new(g) : NULL;
        /* oct2point refuses coordinates >= p; on-curve is asked explicitly */
        if (p && EC_POINT_oct2point(g, p, pt, n, NULL) == 1 && EC_POINT_is_at_infinity(g, p) == 0 &&
            EC_POINT_is_on_curve(g, p, NULL) == 1) {
            hits++;
            found = c;
        }
        EC_POINT_free(p);
        EC_GROUP_free(g);
    }
    ERR_pop_to_mark();
    if (hits == 1)
        *out = found;
    return hits;
}

se05x_curve se05x_curve_from_point(const uint8_t *pt, size_t n)
{
    /* Every short Weierstrass curve of the applet (ids 01..10). 11 (TPM
     * BN-P256) is not in libcrypto and this stack cannot use it: its points
     * are on none of these (another field prime), so such a key falls back to
     * GetECCurveId, which names it. */
    se05x_curve cands[SE05X_EC_SECP256K1];
    size_t k = 0;
    for (unsigned c = SE05X_EC_NIST_P192; c <= SE05X_EC_SECP256K1; c++)
        cands[k++] = (se05x_curve)c;
    se05x_curve c;
    return se05x_curve_match_point(pt, n, cands, k, &c) == 1 ? c : SE05X_EC_NONE;
}

/* ReadObject (docs/protocol/apdu.md §4.4) without the core's error handling:
 * a refusal (private or symmetric key, policy, missing object) is no error
 * here, only "not inferable"; *n 0 then. */
static se05x_rc read_point(se05x_session *s, se05x_objid id, uint8_t *pt, size_t cap, size_t *n)
{
    uint8_t cmd[8], r[SE05X_RSP_MAX];
    size_t rl = 0, vl = 0;
    const uint8_t *v;
    uint16_t sw = 0;
    struct tlv_w w;
    struct tlv_r rd;
    *n = 0;
    tlv_w_init(&w, cmd, sizeof cmd);
    tlv_put_u32(&w, SE05X_TAG_1, id);
    struct se05x_apdu a = {
        .cla = SE05X_CLA, .ins = SE05X_INS_READ, .p1 = SE05X_P1_DEFAULT, .p2 = SE05X_P2_DEFAULT,
        .data = w.buf, .len = w.len, .extended = true,
    };
    se05x_rc rc = se05x_cmd_sw(s, "ReadObject", id, &a, r, sizeof r, &rl, &sw);
    if (rc != SE05X_OK || sw != SE05X_SW_OK)
        goto out;
    tlv_r_init(&rd, r, rl);
    if (tlv_get(&rd, SE05X_TAG_1, &v, &vl) && !tlv_r_left(&rd) && vl <= cap) {
        memcpy(pt, v, vl);
        *n = vl;
    }
out:
    OPENSSL_cleanse(r, sizeof r); /* may be a file's content */
    return rc;
}

se05x_rc se05x_infer_ec_key(se05x_session *s, se05x_objid id, se05x_curve *c, EVP_PKEY **pk)
{
    uint8_t pt[1 + 2 * 66];
    size_t n = 0;
    *c = SE05X_EC_NONE;
    *pk = NULL;
    se05x_rc rc = read_point(s, id, pt, sizeof pt, &n);
    if (rc != SE05X_OK || n == 0)
        return rc;
    se05x_curve k = se05x_curve_from_point(pt, n);
    if (k == SE05X_EC_NONE) {
        se05x_log(SE05X_LOG_DEBUG, "lib", "%s: object 0x%08X: %zu-byte public key read names no single curve; "
                  "asking ReadType", se05x_conn(s), id, n);
        return SE05X_OK;
    }
    EVP_PKEY *key = NULL;
    if ((rc = se05x_ec_pub_pkey(s, id, k, pt, n, &key)) != SE05X_OK)
        return rc; /* on the curve but refused by libcrypto: nothing cached */
    se05x_typecache_put_inferred(s, id, k);
    se05x_pubcache_put(s, id, key);
    *c = k;
    *pk = key;
    return SE05X_OK;
}

bool se05x_cached_point(se05x_session *s, se05x_objid id, se05x_curve c, uint8_t *pt, size_t cap, size_t *n)
{
    *n = 0;
    if (!se05x_curve_is_weierstrass(c))
        return false;
    EVP_PKEY *pk = se05x_pubcache_get(s, id);
    if (!pk)
        return false;
    char g[64] = "";
    size_t l = se05x_curve_bytes(c), got = 0;
    bool ok = EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC &&
              EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, g, sizeof g, NULL) == 1 &&
              OBJ_sn2nid(g) == se05x_curve_to_nid(c) &&
              EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, cap, &got) == 1 &&
              got == 1 + 2 * l && pt[0] == 0x04;
    EVP_PKEY_free(pk);
    if (ok)
        *n = got;
    return ok;
}

se05x_rc se05x_inferred_refused(se05x_session *s, const char *what, se05x_objid id, se05x_rc rc)
{
    if (rc == SE05X_OK || !se05x_typecache_inferred(s, id, NULL))
        return rc;
    struct se05x_error e;
    se05x_last_error(s, &e);
    se05x_pubcache_drop(s, id); /* what the object is was a guess: ask */
    uint8_t t = 0;
    se05x_kind kind;
    se05x_keypart part;
    if (se05x_read_type(s, id, &t, NULL) == SE05X_OK) {
        se05x_type_decode(t, &kind, &part, NULL);
        if (kind != SE05X_KIND_EC || part != SE05X_PART_PAIR)
            return se05x_fail(s, SE05X_E_WRONG_TYPE, e.sw, id,
                              "%s with object 0x%08X on %s: the object is not an EC key pair (type 0x%02X%s)",
                              what, id, se05x_conn(s), t,
                              kind == SE05X_KIND_EC && part == SE05X_PART_PUBLIC ? ": a public key only" : "");
    }
    return se05x_fail(s, e.rc, e.sw, e.objid, "%s", e.msg);
}

static void fill_inferred(struct se05x_object_info *out, se05x_objid id, se05x_curve c)
{
    memset(out, 0, sizeof *out);
    out->id = id;
    out->type = SE05X_TYPE_EC_KEY_PAIR;
    out->kind = SE05X_KIND_EC;
    out->part = SE05X_PART_PAIR;
    out->curve = c;
    out->bits = c == SE05X_EC_NIST_P521 ? 521 : (unsigned)(8 * se05x_curve_bytes(c));
    out->size = (uint16_t)se05x_curve_bytes(c);
}

se05x_rc se05x_key_info(se05x_session *s, se05x_objid id, struct se05x_object_info *out, EVP_PKEY **pub)
{
    if (pub)
        *pub = NULL;
    if (!s || !out)
        return SE05X_E_BAD_ARG;
    se05x_curve c = SE05X_EC_NONE;
    EVP_PKEY *pk = NULL;
    uint8_t t;
    if (se05x_typecache_inferred(s, id, &c)) { /* learnt earlier in this session */
        fill_inferred(out, id, c);
        if (pub)
            *pub = se05x_pubcache_get(s, id);
        return SE05X_OK;
    }
    if (se05x_typecache_get(s, id, &t, NULL, NULL)) /* ReadType known: no APDU */
        return se05x_object_info(s, id, out);
    se05x_rc rc = se05x_txn_begin(s);
    if (rc)
        return rc;
    if ((rc = se05x_infer_ec_key(s, id, &c, &pk)) == SE05X_OK) {
        if (pk) {
            fill_inferred(out, id, c);
            if (pub)
                *pub = pk;
            else
                EVP_PKEY_free(pk);
        } else {
            rc = se05x_object_info_ex(s, id, out, false); /* exactly as without the read */
        }
    }
    se05x_txn_end(s);
    return rc;
}
