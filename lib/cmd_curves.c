/* SPDX-License-Identifier: Apache-2.0 */
/* Curve commands (docs/protocol/apdu.md §4.5, §8): ReadECCurveList, CreateECCurve,
 * SetECCurveParam, GetECCurveId, and se05x_ensure_curve with the session
 * cache. Curve parameters come from libcrypto's EC_GROUP, never from tables. */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>

#include "cmd_util.h"
#include "session_priv.h"

se05x_rc se05x_read_curve_list(se05x_session *s, uint8_t set[17])
{
    static const char what[] = "ReadECCurveList";
    uint8_t r[SE05X_RSP_MAX];
    size_t rlen;
    const uint8_t *v;
    size_t n;
    if (!s || !set)
        return SE05X_E_BAD_ARG;
    se05x_rc rc = se05x_run(s, what, 0, SE05X_INS_READ, SE05X_P1_CURVE, SE05X_P2_LIST, NULL, false, r, sizeof r, &rlen);
    if (rc)
        return rc;
    if ((rc = se05x_rsp_one(s, what, 0, r, rlen, SE05X_TAG_1, &v, &n)))
        return rc;
    if (n == 0)
        return se05x_bad_rsp(s, what, 0, "empty curve list");
    /* builds without BN-P256 answer 16 entries; newer ones may add more */
    for (size_t i = 0; i < SE05X_CURVE_WEIERSTRASS_COUNT; i++)
        set[i] = i < n ? v[i] : SE05X_SET_NOT_SET;
    return SE05X_OK;
}

se05x_rc se05x_get_curve_id(se05x_session *s, se05x_objid id, se05x_curve *c)
{
    static const char what[] = "GetECCurveId";
    uint8_t buf[8], r[SE05X_RSP_MAX];
    size_t rlen;
    const uint8_t *v;
    struct tlv_w w;
    if (!s || !c)
        return SE05X_E_BAD_ARG;
    se05x_curve known = SE05X_EC_NONE;
    if (se05x_typecache_get(s, id, NULL, NULL, &known) && known != SE05X_EC_NONE) {
        *c = known;
        return SE05X_OK;
    }
    tlv_w_init(&w, buf, sizeof buf);
    tlv_put_u32(&w, SE05X_TAG_1, id);
    se05x_rc rc = se05x_run(s, what, id, SE05X_INS_READ, SE05X_P1_CURVE, SE05X_P2_ID, &w, false,
                            r, sizeof r, &rlen);
    if (rc)
        return rc;
    if ((rc = se05x_rsp_fixed(s, what, id, r, rlen, SE05X_TAG_1, 1, &v)))
        return rc;
    *c = (se05x_curve)v[0];
    se05x_typecache_put_curve(s, id, *c);
    return SE05X_OK;
}

static se05x_rc set_param(se05x_session *s, se05x_curve c, uint8_t param, const uint8_t *val,
                          size_t n)
{
    uint8_t buf[256];
    struct tlv_w w;
    tlv_w_init(&w, buf, sizeof buf);
    tlv_put_u8(&w, SE05X_TAG_1, (uint8_t)c);
    tlv_put_u8(&w, SE05X_TAG_2, param);
    tlv_put(&w, SE05X_TAG_3, val, n);
    return se05x_run(s, "SetECCurveParam", 0, SE05X_INS_WRITE, SE05X_P1_CURVE, SE05X_P2_PARAM, &w,
                     false, NULL, 0, NULL);
}

/* A, B, G (04||X||Y), N, PRIME from libcrypto, each left-padded to the field
 * length L (N to its own length when the order is longer than the field,
 * as for secp160k1 and secp224k1). */
struct curve_params {
    uint8_t a[66], b[66], g[1 + 2 * 66], n[67], p[66];
    size_t l, glen, nlen;
};

static se05x_rc curve_params(se05x_session *s, se05x_curve c, struct curve_params *cp)
{
    se05x_rc rc = SE05X_E_CRYPTO;
    BN_CTX *ctx = BN_CTX_new();
    EC_GROUP *g = se05x_ossl_group(se05x_curve_to_nid(c));
    BIGNUM *p = BN_new(), *a = BN_new(), *b = BN_new();
    if (!ctx || !g || !p || !a || !b || !EC_GROUP_get_curve(g, p, a, b, ctx))
        goto out;
    const BIGNUM *n = EC_GROUP_get0_order(g);
    const EC_POINT *gen = EC_GROUP_get0_generator(g);
    cp->l = (size_t)BN_num_bytes(p);
    cp->nlen = (size_t)BN_num_bytes(n);
    if (cp->nlen < cp->l)
        cp->nlen = cp->l;
    if (cp->l > sizeof cp->a || cp->nlen > sizeof cp->n || !gen)
        goto out;
    if (BN_bn2binpad(a, cp->a, (int)cp->l) < 0 || BN_bn2binpad(b, cp->b, (int)cp->l) < 0 ||
        BN_bn2binpad(p, cp->p, (int)cp->l) < 0 || BN_bn2binpad(n, cp->n, (int)cp->nlen) < 0)
        goto out;
    cp->glen = EC_POINT_point2oct(g, gen, POINT_CONVERSION_UNCOMPRESSED, cp->g, sizeof cp->g, ctx);
    if (cp->glen != 1 + 2 * cp->l)
        goto out;
    rc = SE05X_OK;
out:
    BN_free(p);
    BN_free(a);
    BN_free(b);
    EC_GROUP_free(g);
    BN_CTX_free(ctx);
    if (rc)
        return se05x_fail(s, rc, 0, 0, "no curve parameters for %s in libcrypto",
                          se05x_curve_name(c));
    return SE05X_OK;
}

static se05x_rc create_ecc_curve(se05x_session *s, se05x_curve c, uint16_t *sw)
{
    uint8_t buf[8];
    struct tlv_w w;
    size_t rlen;
    tlv_w_init(&w, buf, sizeof buf);
    tlv_put_u8(&w, SE05X_TAG_1, (uint8_t)c);
    struct se05x_apdu a = {SE05X_CLA, SE05X_INS_WRITE, SE05X_P1_CURVE, SE05X_P2_CREATE, buf, w.len,
                           false};
    uint8_t r[8];
    return se05x_cmd_sw(s, "CreateECCurve", 0, &a, r, sizeof r, &rlen, sw);
}

static se05x_rc upload_params(se05x_session *s, se05x_curve c)
{
    struct curve_params cp;
    se05x_rc rc = curve_params(s, c, &cp);
    if (!rc)
        rc = set_param(s, c, SE05X_CURVE_PARAM_A, cp.a, cp.l);
    if (!rc)
        rc = set_param(s, c, SE05X_CURVE_PARAM_B, cp.b, cp.l);
    if (!rc)
        rc = set_param(s, c, SE05X_CURVE_PARAM_G, cp.g, cp.glen);
    if (!rc)
        rc = set_param(s, c, SE05X_CURVE_PARAM_N, cp.n, cp.nlen);
    if (!rc)
        rc = set_param(s, c, SE05X_CURVE_PARAM_PRIME, cp.p, cp.l);
    return rc;
}

se05x_rc se05x_create_curve(se05x_session *s, se05x_curve c)
{
    if (!s)
        return SE05X_E_BAD_ARG;
    if (!se05x_curve_is_weierstrass(c))
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, 0, "curve %s (0x%02X) cannot be created",
                          se05x_curve_name(c), c);
    se05x_rc rc = se05x_txn_begin(s);
    if (rc)
        return rc;
    uint16_t sw = 0;
    rc = create_ecc_curve(s, c, &sw);
    if (!rc && sw != SE05X_SW_OK)
        rc = se05x_fail(s, se05x_rc_from_sw(sw), sw, 0, "CreateECCurve %s on %s failed (SW %04X)",
                        se05x_curve_name(c), se05x_conn(s), sw);
    if (!rc)
        rc = upload_params(s, c);
    if (!rc)
        se05x_curve_cache_set(s, c, true);
    se05x_txn_end(s);
    return rc;
}

/* Caches every curve the list reports as SET; returns whether c is. */
static bool cache_list(se05x_session *s, const uint8_t set[17], se05x_curve c)
{
    for (unsigned i = 0; i < SE05X_CURVE_WEIERSTRASS_COUNT; i++)
        if (set[i] == SE05X_SET_SET && se05x_curve_is_weierstrass((se05x_curve)(i + 1)))
            se05x_curve_cache_set(s, (se05x_curve)(i + 1), true);
    return set[c - 1] == SE05X_SET_SET;
}

se05x_rc se05x_ensure_curve(se05x_session *s, se05x_curve c)
{
    if (!s)
        return SE05X_E_BAD_ARG;
    /* Edwards/Montgomery curves are built in (docs/protocol/open-questions.md A6) */
    if (c == SE05X_EC_ED25519 || c == SE05X_EC_X25519 || c == SE05X_EC_X448)
        return SE05X_OK;
    if (!se05x_curve_is_weierstrass(c))
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, 0, "unsupported curve id 0x%02X", c);
    if (se05x_curve_cached(s, c))
        return SE05X_OK;
    se05x_rc rc = se05x_txn_begin(s);
    if (rc)
        return rc;
    uint8_t set[17];
    uint16_t sw = 0;
    if ((rc = se05x_read_curve_list(s, set)))
        goto out;
    if (cache_list(s, set, c))
        goto out;
    if ((rc = create_ecc_curve(s, c, &sw)))
        goto out;
    if (sw == SE05X_SW_CONDITIONS) {
        /* another client created it meanwhile: trust the list */
        if ((rc = se05x_read_curve_list(s, set)))
            goto out;
        if (cache_list(s, set, c))
            goto out;
    }
    if (sw != SE05X_SW_OK) {
        rc = se05x_fail(s, se05x_rc_from_sw(sw), sw, 0, "CreateECCurve %s on %s failed (SW %04X)",
                        se05x_curve_name(c), se05x_conn(s), sw);
        goto out;
    }
    if ((rc = upload_params(s, c)))
        goto out;
    se05x_curve_cache_set(s, c, true);
out:
    se05x_txn_end(s);
    return rc;
}
