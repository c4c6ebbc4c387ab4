/* SPDX-License-Identifier: Apache-2.0 */
/* WriteECKey (docs/protocol/apdu.md §4.3, §5): on-chip generation and import. The curve
 * is created on the chip first when needed (se05x_ensure_curve). */
#include <string.h>

#include <openssl/crypto.h>

#include "cmd_util.h"
#include "generation.h"

static bool montgomery_or_edwards(se05x_curve c)
{
    return c == SE05X_EC_ED25519 || c == SE05X_EC_X25519 || c == SE05X_EC_X448;
}

static se05x_rc check_curve(se05x_session *s, se05x_objid id, se05x_curve c)
{
    if (!se05x_curve_is_weierstrass(c) && !montgomery_or_edwards(c))
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "unsupported curve id 0x%02X", c);
    return SE05X_OK;
}

/* A cached curve may have vanished (DeleteAll or DeleteECCurve by another
 * client): on "conditions not satisfied" the cache entry is dropped and the
 * curve ensured again; true when the caller should retry once. */
static bool curve_recheck(se05x_session *s, se05x_curve c, se05x_rc rc)
{
    if (rc != SE05X_E_CONDITIONS || !se05x_curve_is_weierstrass(c) || !se05x_curve_cached(s, c))
        return false;
    struct se05x_error e;
    se05x_last_error(s, &e);
    se05x_curve_cache_set(s, c, false);
    uint8_t set[17];
    if (se05x_read_curve_list(s, set) == SE05X_OK && set[c - 1] == SE05X_SET_SET) {
        se05x_curve_cache_set(s, c, true); /* the curve is there: the error stands */
        se05x_fail(s, e.rc, e.sw, e.objid, "%s", e.msg);
        return false;
    }
    return se05x_ensure_curve(s, c) == SE05X_OK;
}

se05x_rc se05x_ec_generate(se05x_session *s, se05x_objid id, se05x_curve c,
                           const struct se05x_write_opts *o)
{
    uint8_t cmd[128];
    struct tlv_w w;
    if (!s)
        return SE05X_E_BAD_ARG;
    se05x_rc rc = check_curve(s, id, c);
    if (rc || (rc = se05x_ensure_curve(s, c)))
        return rc;
    if ((rc = se05x_write_start(s, &w, cmd, sizeof cmd, id, o)))
        return rc;
    tlv_put_u8(&w, SE05X_TAG_2, (uint8_t)c);
    se05x_put_version(s, &w);
    for (int attempt = 0;; attempt++) {
        rc = se05x_run(s, "WriteECKey (generate)", id, se05x_write_ins(o),
                       (uint8_t)(SE05X_P1_KEY_PAIR | SE05X_P1_EC), SE05X_P2_DEFAULT, &w, false, NULL,
                       0, NULL);
        if (attempt || !curve_recheck(s, c, rc))
            return rc;
    }
}

se05x_rc se05x_ec_import(se05x_session *s, se05x_objid id, se05x_curve c, se05x_keypart part,
                         const uint8_t *priv, size_t privlen, const uint8_t *pub, size_t publen,
                         const struct se05x_write_opts *o)
{
    static const char what[] = "WriteECKey (import)";
    uint8_t cmd[400], key[66], point[1 + 2 * 66];
    struct tlv_w w;
    if (!s)
        return SE05X_E_BAD_ARG;
    se05x_rc rc = check_curve(s, id, c);
    if (rc)
        return rc;
    size_t l = se05x_curve_bytes(c);
    bool need_priv = part == SE05X_PART_PAIR || part == SE05X_PART_PRIVATE;
    bool need_pub = part == SE05X_PART_PAIR || part == SE05X_PART_PUBLIC;
    if (!need_priv && !need_pub)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s: bad key part 0x%02X", what, part);
    if (need_priv != (priv != NULL) || need_pub != (pub != NULL))
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s: key data does not match the key part", what);
    if (need_priv && (privlen == 0 || privlen > l))
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s: private key of %zu bytes for %s", what,
                          privlen, se05x_curve_name(c));
    size_t ptlen = montgomery_or_edwards(c) ? l : 1 + 2 * l;
    if (need_pub && (publen != ptlen || (!montgomery_or_edwards(c) && pub[0] != 0x04)))
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id,
                          "%s: public key for %s must be %s%zu bytes", what, se05x_curve_name(c),
                          montgomery_or_edwards(c) ? "" : "04||X||Y, ", ptlen);
    if ((rc = se05x_ensure_curve(s, c)))
        return rc;
    if (need_priv) { /* left-pad to the curve length */
        memset(key, 0, l - privlen);
        memcpy(key + l - privlen, priv, privlen);
        /* docs/protocol/apdu.md §21: X25519/X448 private keys travel reversed, Ed25519 ones not */
        if (c == SE05X_EC_X25519 || c == SE05X_EC_X448)
            se05x_reverse(key, l);
    }
    if (need_pub) {
        memcpy(point, pub, ptlen);
        if (montgomery_or_edwards(c)) /* public keys reversed for all three */
            se05x_reverse(point, ptlen);
    }
    if ((rc = se05x_write_start(s, &w, cmd, sizeof cmd, id, o)))
        goto out;
    tlv_put_u8(&w, SE05X_TAG_2, (uint8_t)c);
    if (need_priv)
        tlv_put(&w, SE05X_TAG_3, key, l);
    if (need_pub)
        tlv_put(&w, SE05X_TAG_4, point, ptlen);
    se05x_put_version(s, &w);
    for (int attempt = 0;; attempt++) {
        rc = se05x_run(s, what, id, se05x_write_ins(o), (uint8_t)(part | SE05X_P1_EC),
                       SE05X_P2_DEFAULT, &w, false, NULL, 0, NULL);
        if (attempt || !curve_recheck(s, c, rc))
            break;
    }
out:
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(cmd, sizeof cmd);
    return rc;
}
