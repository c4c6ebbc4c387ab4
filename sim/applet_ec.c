/* SPDX-License-Identifier: Apache-2.0 */
/* EC keys: WriteECKey (generate / import), ECDSA and EdDSA sign/verify, ECDH
 * (docs/protocol/apdu.md §4.3, §4.6, §5, §21). The applet does not hash for ECDSA: the
 * input must be exactly a digest of the length the algorithm code names. */
#include <openssl/crypto.h>
#include <string.h>

#include "card_internal.h"
#include "crypto.h"

#define EC_MAX 133 /* 1 + 2 * 66 */

/* Normalises a private key to the curve's wire length (leading zeros). */
static bool norm_priv(const struct sim_curve_info *ci, const uint8_t *in, size_t n, uint8_t *out)
{
    size_t want = sim_ec_priv_len(ci);
    if (!ci->weierstrass)
        return n == want && (memcpy(out, in, n), true);
    while (n > want && *in == 0) {
        in++;
        n--;
    }
    if (n == 0 || n > want)
        return false;
    memset(out, 0, want - n);
    memcpy(out + want - n, in, n);
    return true;
}

static bool pub_ok(const struct sim_curve_info *ci, const uint8_t *p, size_t n)
{
    EVP_PKEY *pk = sim_ec_pkey(ci, NULL, 0, p, n);
    bool ok = sim_ec_pub_check(pk);
    EVP_PKEY_free(pk);
    return ok;
}

/* Fills the key parts of o (type and curve set) from the TLVs or by generation. */
static uint16_t fill_key(struct sim_obj *o, const struct sim_tlvs *t, bool *generated)
{
    const struct sim_curve_info *ci = sim_curve(o->curve);
    uint8_t priv[EC_MAX], pub[EC_MAX];
    size_t privlen = 0, publen = 0;
    bool has_priv = t->has[SE05X_TAG_3], has_pub = t->has[SE05X_TAG_4];
    uint16_t sw = SE05X_SW_WRONG_DATA;
    *generated = false;
    if (!ci)
        return SE05X_SW_WRONG_DATA;
    switch (o->type) {
    case SE05X_TYPE_EC_KEY_PAIR:
        if (!has_priv && !has_pub) {
            if (!sim_ec_generate(ci, priv, &privlen, pub, &publen))
                return 0x6F00;
            *generated = true;
            break;
        }
        if (!has_priv)
            return SE05X_SW_WRONG_DATA;
        __attribute__((fallthrough)); /* import: private part, public part checked */
    case SE05X_TYPE_EC_PRIV:
        if (!has_priv || !norm_priv(ci, t->v[SE05X_TAG_3], t->n[SE05X_TAG_3], priv))
            goto out;
        privlen = sim_ec_priv_len(ci);
        if (!sim_ec_pub_from_priv(ci, priv, privlen, pub, &publen))
            goto out;
        if (has_pub && (t->n[SE05X_TAG_4] != publen || memcmp(t->v[SE05X_TAG_4], pub, publen) != 0))
            goto out; /* the two halves do not belong together */
        break;
    case SE05X_TYPE_EC_PUB:
        if (!has_pub || has_priv || t->n[SE05X_TAG_4] > EC_MAX ||
            !pub_ok(ci, t->v[SE05X_TAG_4], t->n[SE05X_TAG_4]))
            goto out;
        publen = t->n[SE05X_TAG_4];
        memcpy(pub, t->v[SE05X_TAG_4], publen);
        break;
    default:
        goto out;
    }
    if (!sim_obj_set_part(o, SIM_P_EC_PRIV, privlen ? priv : NULL, privlen) ||
        !sim_obj_set_part(o, SIM_P_EC_PUB, pub, publen)) {
        sw = SE05X_SW_FILE_FULL;
        goto out;
    }
    sw = SE05X_SW_OK;
out:
    OPENSSL_cleanse(priv, sizeof priv);
    return sw;
}

uint16_t h_write_ec(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_POLICY, SE05X_TAG_MAX_ATTEMPTS, SE05X_TAG_1,
                                   SE05X_TAG_2, SE05X_TAG_3, SE05X_TAG_4, SE05X_TAG_11};
    struct sim_tlvs t;
    uint32_t id, version = 0;
    uint8_t curve = 0;
    uint16_t attempts = 0;
    bool generated;
    (void)w;
    /* TAG 4B (object version) exists only on 7.x (docs/protocol/apdu.md §4.3); a
     * 3.x applet refuses it as an unknown tag (6A80, unverified against a real chip) */
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags - (c->var->gen < 7), &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if ((t.has[SE05X_TAG_11] && !sim_tlv_u32(&t, SE05X_TAG_11, &version)) ||
        !sim_tlv_u32(&t, SE05X_TAG_1, &id) || id == 0 ||
        (t.has[SE05X_TAG_2] && !sim_tlv_u8(&t, SE05X_TAG_2, &curve)) ||
        (t.has[SE05X_TAG_MAX_ATTEMPTS] && !sim_tlv_u16(&t, SE05X_TAG_MAX_ATTEMPTS, &attempts)))
        return SE05X_SW_WRONG_DATA;
    struct sim_obj *old = store_find(&c->store, id), *o;
    if (old) {
        /* key part and transience are those of the existing object */
        if (!type_is_ec(old->type) || (curve && curve != old->curve))
            return SE05X_SW_CONDITIONS;
        bool import = t.has[SE05X_TAG_3] || t.has[SE05X_TAG_4];
        if (!import && old->type != SE05X_TYPE_EC_KEY_PAIR)
            return SE05X_SW_WRONG_DATA; /* nothing to generate for a single part */
        sw = card_check_rewrite(c, old, import ? SE05X_POL_ALLOW_WRITE : SE05X_POL_ALLOW_GEN);
        if (sw != SE05X_SW_OK)
            return sw;
        if (!card_curve_ready(c, old->curve))
            return SE05X_SW_CONDITIONS;
        if (!(o = sim_obj_clone(old)))
            return SE05X_SW_FILE_FULL;
    } else {
        uint8_t part = a->p1 & SE05X_P1_PART_MASK;
        uint8_t type = part == SE05X_P1_KEY_PAIR  ? SE05X_TYPE_EC_KEY_PAIR
                       : part == SE05X_P1_PRIVATE ? SE05X_TYPE_EC_PRIV
                       : part == SE05X_P1_PUBLIC  ? SE05X_TYPE_EC_PUB
                                                  : 0;
        if (!type || !sim_curve(curve))
            return SE05X_SW_WRONG_DATA;
        if (!card_curve_ready(c, curve))
            return SE05X_SW_CONDITIONS; /* A3: curve not instantiated */
        if (!(o = sim_obj_new(id, type)))
            return SE05X_SW_FILE_FULL;
        o->curve = curve;
        o->transient = a->ins & SE05X_INS_TRANSIENT;
        o->auth = a->ins & SE05X_INS_AUTH_OBJECT;
        o->max_attempts = attempts;
        if ((sw = card_set_policy(o, &t)) != SE05X_SW_OK) {
            sim_obj_free(o);
            return sw;
        }
    }
    if ((sw = fill_key(o, &t, &generated)) != SE05X_SW_OK) {
        sim_obj_free(o);
        return sw;
    }
    o->cleared = false;
    o->origin = generated ? SE05X_ORIGIN_INTERNAL : SE05X_ORIGIN_EXTERNAL;
    o->version = version;
    if ((sw = store_put(&c->store, o)) != SE05X_SW_OK)
        sim_obj_free(o);
    return sw;
}

const EVP_MD *card_ecsig_md(uint8_t algo)
{
    switch (algo) {
    case SE05X_ECSIG_SHA1: return EVP_sha1();
    case SE05X_ECSIG_SHA224: return EVP_sha224();
    case SE05X_ECSIG_SHA256: return EVP_sha256();
    case SE05X_ECSIG_SHA384: return EVP_sha384();
    case SE05X_ECSIG_SHA512: return EVP_sha512();
    default: return NULL;
    }
}

/* Algorithm of an EC sign / verify: EdDSA exactly for Ed25519 keys, else an
 * ECDSA hash whose size the input (TAG 3) has. 6A80 otherwise. */
static uint16_t check_sig_algo(const struct sim_obj *o, uint8_t algo, const struct sim_tlvs *t)
{
    bool eddsa = o->curve == SE05X_CURVE_ED25519;
    if (eddsa != (algo == SE05X_EDDSA_ED25519))
        return SE05X_SW_WRONG_DATA;
    const EVP_MD *h = eddsa ? NULL : card_ecsig_md(algo);
    if (!eddsa && (!h || t->n[SE05X_TAG_3] != (size_t)EVP_MD_get_size(h)))
        return SE05X_SW_WRONG_DATA;
    return SE05X_SW_OK;
}

/* Common checks of sign / verify / ECDH: usable curve and key material. */
static uint16_t ec_key(struct sim_card *c, const struct sim_obj *o, bool need_priv, EVP_PKEY **pk)
{
    const struct sim_curve_info *ci = sim_curve(o->curve);
    *pk = NULL;
    if (!ci || !card_curve_ready(c, o->curve))
        return SE05X_SW_CONDITIONS;
    if (need_priv && !o->part[SIM_P_EC_PRIV])
        return SE05X_SW_CONDITIONS;
    /* the stored public point spares libcrypto a scalar multiplication */
    const uint8_t *pub = ci->weierstrass ? o->part[SIM_P_EC_PUB] : NULL;
    size_t publen = pub ? o->part_len[SIM_P_EC_PUB] : 0;
    *pk = need_priv ? sim_ec_pkey(ci, o->part[SIM_P_EC_PRIV], o->part_len[SIM_P_EC_PRIV], pub, publen)
                    : sim_ec_pkey(ci, NULL, 0, o->part[SIM_P_EC_PUB], o->part_len[SIM_P_EC_PUB]);
    return *pk ? SE05X_SW_OK : 0x6F00;
}

/* EdDSA signature halves R and S are byte-reversed on the wire (§21). */
static void reverse_halves(uint8_t *sig)
{
    sim_reverse(sig, 32);
    sim_reverse(sig + 32, 32);
}

uint16_t ec_sign(struct sim_card *c, struct sim_obj *o, const struct sim_tlvs *t, struct tlv_w *w)
{
    uint8_t algo, sig[160];
    size_t siglen = sizeof sig;
    EVP_PKEY *pk = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_MD_CTX *md = NULL;
    if (!sim_tlv_u8(t, SE05X_TAG_2, &algo) || !t->has[SE05X_TAG_3])
        return SE05X_SW_WRONG_DATA;
    if (o->type == SE05X_TYPE_EC_PUB || o->curve == SE05X_CURVE_X25519 || o->curve == SE05X_CURVE_X448)
        return SE05X_SW_CONDITIONS;
    uint16_t sw = check_sig_algo(o, algo, t);
    if (sw != SE05X_SW_OK)
        return sw;
    bool eddsa = o->curve == SE05X_CURVE_ED25519;
    sw = ec_key(c, o, true, &pk);
    if (sw != SE05X_SW_OK)
        return sw;
    sw = 0x6F00;
    if (eddsa) {
        md = EVP_MD_CTX_new();
        if (!md || EVP_DigestSignInit(md, NULL, NULL, NULL, pk) != 1 ||
            EVP_DigestSign(md, sig, &siglen, t->v[SE05X_TAG_3], t->n[SE05X_TAG_3]) != 1 ||
            siglen != 64)
            goto out;
        reverse_halves(sig);
    } else {
        ctx = EVP_PKEY_CTX_new(pk, NULL);
        if (!ctx || EVP_PKEY_sign_init(ctx) != 1 ||
            EVP_PKEY_sign(ctx, sig, &siglen, t->v[SE05X_TAG_3], t->n[SE05X_TAG_3]) != 1)
            goto out;
    }
    rsp_data(c, w, SE05X_TAG_1, sig, siglen);
    sw = SE05X_SW_OK;
out:
    EVP_MD_CTX_free(md);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pk);
    return sw;
}

uint16_t ec_verify(struct sim_card *c, struct sim_obj *o, const struct sim_tlvs *t, struct tlv_w *w)
{
    uint8_t algo, sig[64];
    EVP_PKEY *pk = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_MD_CTX *md = NULL;
    int ok = 0;
    if (!sim_tlv_u8(t, SE05X_TAG_2, &algo) || !t->has[SE05X_TAG_3] || !t->has[SE05X_TAG_5])
        return SE05X_SW_WRONG_DATA;
    if (o->curve == SE05X_CURVE_X25519 || o->curve == SE05X_CURVE_X448)
        return SE05X_SW_CONDITIONS;
    uint16_t sw = check_sig_algo(o, algo, t);
    if (sw != SE05X_SW_OK)
        return sw;
    bool eddsa = o->curve == SE05X_CURVE_ED25519;
    sw = ec_key(c, o, false, &pk);
    if (sw != SE05X_SW_OK)
        return sw;
    if (eddsa) {
        if (t->n[SE05X_TAG_5] == 64) {
            memcpy(sig, t->v[SE05X_TAG_5], 64);
            reverse_halves(sig);
            md = EVP_MD_CTX_new();
            ok = md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, pk) == 1 &&
                 EVP_DigestVerify(md, sig, 64, t->v[SE05X_TAG_3], t->n[SE05X_TAG_3]) == 1;
        }
    } else {
        ctx = EVP_PKEY_CTX_new(pk, NULL);
        ok = ctx && EVP_PKEY_verify_init(ctx) == 1 &&
             EVP_PKEY_verify(ctx, t->v[SE05X_TAG_5], t->n[SE05X_TAG_5], t->v[SE05X_TAG_3],
                             t->n[SE05X_TAG_3]) == 1;
    }
    rsp_u8(c, w, SE05X_TAG_1, ok ? SE05X_RESULT_SUCCESS : SE05X_RESULT_FAILURE);
    EVP_MD_CTX_free(md);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pk);
    return SE05X_SW_OK;
}

/* 7.x ECDH with TAG 47: the shared secret becomes the value of an HMAC key
 * object (created without policy if absent; an existing one must be an HMAC
 * key and allow WRITE); nothing is answered. Unverified against a real chip
 * (docs/emulator.md). */
static uint16_t ecdh_into_object(struct sim_card *c, uint32_t id, const uint8_t *secret, size_t n)
{
    struct sim_obj *old = store_find(&c->store, id), *o;
    uint16_t sw;
    if (old) {
        if (old->type != SE05X_TYPE_HMAC)
            return SE05X_SW_CONDITIONS;
        if ((sw = card_check_rewrite(c, old, SE05X_POL_ALLOW_WRITE)) != SE05X_SW_OK)
            return sw;
        o = sim_obj_clone(old);
    } else {
        o = sim_obj_new(id, SE05X_TYPE_HMAC);
        if (o)
            o->origin = SE05X_ORIGIN_INTERNAL;
    }
    if (!o || !sim_obj_set_part(o, SIM_P_VALUE, secret, n)) {
        sim_obj_free(o);
        return SE05X_SW_FILE_FULL;
    }
    o->cleared = false;
    o->reserve = (uint32_t)n;
    if ((sw = store_put(&c->store, o)) != SE05X_SW_OK)
        sim_obj_free(o);
    return sw;
}

uint16_t h_ecdh(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_1, SE05X_TAG_2, SE05X_TAG_7};
    struct sim_tlvs t;
    struct sim_obj *o;
    uint32_t id, out_id = 0;
    uint8_t secret[80], peerbuf[160];
    size_t slen = sizeof secret;
    EVP_PKEY *pk = NULL, *peer = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    /* 7.x: P2 59 DH_REVERSE and TAG 47 (secret into an object) (docs/protocol/apdu.md §4.6, §21) */
    bool seven = c->var->gen >= 7, reverse = a->p2 == SE05X_P2_DH_REVERSE;
    if (reverse && !seven)
        return SE05X_SW_WRONG_P1P2;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags - !seven, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!sim_tlv_u32(&t, SE05X_TAG_1, &id) || !t.has[SE05X_TAG_2] || t.n[SE05X_TAG_2] > sizeof peerbuf ||
        (t.has[SE05X_TAG_7] && (!sim_tlv_u32(&t, SE05X_TAG_7, &out_id) || out_id == 0)))
        return SE05X_SW_WRONG_DATA;
    if ((sw = card_use_obj(c, id, 0, &o)) != SE05X_SW_OK)
        return sw;
    if (!type_is_ec(o->type) || o->type == SE05X_TYPE_EC_PUB || o->curve == SE05X_CURVE_ED25519)
        return SE05X_SW_CONDITIONS;
    if (c->var->fips) /* A14: no ECDH on the FIPS chip */
        return SE05X_SW_CONDITIONS;
    if ((sw = card_use_obj(c, id, SE05X_POL_ALLOW_KA, &o)) != SE05X_SW_OK)
        return sw;
    if ((sw = ec_key(c, o, true, &pk)) != SE05X_SW_OK)
        return sw;
    const struct sim_curve_info *ci = sim_curve(o->curve);
    size_t pl = t.n[SE05X_TAG_2];
    memcpy(peerbuf, t.v[SE05X_TAG_2], pl);
    if (reverse && !ci->weierstrass)
        sim_reverse(peerbuf, pl); /* DH_REVERSE: the host sends RFC 7748 order */
    peer = sim_ec_pkey(ci, NULL, 0, peerbuf, pl);
    sw = SE05X_SW_WRONG_DATA;
    if (!sim_ec_pub_check(peer))
        goto out;
    ctx = EVP_PKEY_CTX_new(pk, NULL);
    if (!ctx || EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer(ctx, peer) != 1 ||
        EVP_PKEY_derive(ctx, secret, &slen) != 1)
        goto out;
    if (!ci->weierstrass && !reverse)
        sim_reverse(secret, slen); /* §21: Montgomery values big-endian */
    if (t.has[SE05X_TAG_7])
        sw = ecdh_into_object(c, out_id, secret, slen);
    else {
        rsp_data(c, w, SE05X_TAG_1, secret, slen);
        sw = SE05X_SW_OK;
    }
out:
    OPENSSL_cleanse(secret, sizeof secret);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(peer);
    EVP_PKEY_free(pk);
    return sw;
}
