/* SPDX-License-Identifier: Apache-2.0 */
/* ExportObject / ImportObject (docs/protocol/apdu.md §4.4, §4.3, §5): a transient key
 * (AES, DES, HMAC, EC, RSA) leaves the card only as an opaque blob that this
 * card alone can read back, and only into the object it came from. The
 * format is ours (real chips' is NXP-internal; docs/emulator.md):
 *   blob      = 'S' 'X' 02 | nonce (12) | AES-256-GCM ciphertext | tag (16)
 *   key       = HKDF-SHA256(chip secret, info "se05x-sim ExportObject v2")
 *   AAD       = "se05x-sim ExportObject" 02 | id (4) | type | curve | rsa bits (2)
 *               | size (4) | auth flag | policy length (2) | policy
 *   plaintext = the whole key: n x {u8 part, u16 len, bytes}
 * so a blob names its object (id, type, size, policy) and cannot be split
 * into components or moved to another object (issue 9: the per-component,
 * unbound blobs of version 1 let a victim's n, e, p, dP, qInv be imported
 * into an attacker's key, and one raw RSA operation gave p by a gcd). RSA
 * CRT key pairs travel as e, p, q (the rest is derived on import, so 4096-bit
 * keys fit one response). Import checks the binding, then the key's
 * consistency. Both need the IMPORT_EXPORT policy bit. */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <string.h>

#include "card_internal.h"
#include "crypto.h"
#include "log.h"

#define BLOB_VERSION 2
#define NONCE_LEN 12
#define TAG_LEN 16
#define HDR_LEN (3 + NONCE_LEN)
/* The largest plaintext: an RSA-4096 key pair (n, e, d) would not fit one
 * response anyway; the response limit is checked by the caller. */
#define PT_MAX 1100
#define AAD_MAX (22 + 1 + 4 + 1 + 1 + 2 + 4 + 1 + 2 + 256)

static const char aad_label[] = "se05x-sim ExportObject";

/* The blob key: HKDF-SHA256 of the per-chip secret (DIR/chip.key). */
static bool blob_key(const struct sim_store *s, uint8_t key[32])
{
    static const char info[] = "se05x-sim ExportObject v2";
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kc = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)s->chip_secret, sizeof s->chip_secret),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, sizeof info - 1),
        OSSL_PARAM_construct_end()};
    bool ok = kc && EVP_KDF_derive(kc, key, 32, p) == 1;
    EVP_KDF_CTX_free(kc);
    EVP_KDF_free(kdf);
    return ok;
}

static bool exportable(uint8_t type)
{
    return type == SE05X_TYPE_AES || type == SE05X_TYPE_DES || type == SE05X_TYPE_HMAC ||
           type_is_ec(type) || type_is_rsa(type);
}

/* The size the blob is bound to: the field size of an EC curve, the RSA bit
 * size, the length of a symmetric key (kept in the shell by a chip reset). */
static uint32_t key_size(const struct sim_obj *o)
{
    if (type_is_ec(o->type)) {
        const struct sim_curve_info *ci = sim_curve(o->curve);
        return ci ? ci->bytes : 0;
    }
    if (type_is_rsa(o->type))
        return o->rsa_bits;
    return o->reserve ? o->reserve : o->part_len[SIM_P_VALUE];
}

/* The binding of a blob to object o (the AEAD's additional data). */
static size_t binding(const struct sim_obj *o, uint8_t *aad)
{
    size_t n = sizeof aad_label - 1;
    memcpy(aad, aad_label, n);
    aad[n++] = BLOB_VERSION;
    put_be32(aad + n, o->id);
    n += 4;
    aad[n++] = o->type;
    aad[n++] = o->curve;
    put_be16(aad + n, o->rsa_bits);
    n += 2;
    put_be32(aad + n, key_size(o));
    n += 4;
    aad[n++] = o->auth ? 1 : 0;
    put_be16(aad + n, o->policy_len);
    n += 2;
    memcpy(aad + n, o->policy, o->policy_len);
    return n + o->policy_len;
}

static bool gcm(const uint8_t key[32], bool enc, const uint8_t nonce[NONCE_LEN], const uint8_t *aad,
                size_t aadl, const uint8_t *in, size_t n, uint8_t *out, uint8_t tag[TAG_LEN])
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int a = 0, b = 0, x = 0;
    bool ok = c && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1 &&
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
              EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc) == 1 &&
              EVP_CipherUpdate(c, NULL, &x, aad, (int)aadl) == 1 &&
              EVP_CipherUpdate(c, out, &a, in, (int)n) == 1 &&
              (enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1) &&
              EVP_CipherFinal_ex(c, out + a, &b) == 1 &&
              (!enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1);
    EVP_CIPHER_CTX_free(c);
    return ok && (size_t)(a + b) == n;
}

/* Parts a blob carries: every part the object holds, except the parts of an
 * RSA CRT key pair that e, p and q determine. */
static bool carried(const struct sim_obj *o, int i)
{
    if (!o->part[i])
        return false;
    if (o->type == SE05X_TYPE_RSA_KEY_PAIR_CRT)
        return i == SIM_RSA_E || i == SIM_RSA_P || i == SIM_RSA_Q;
    return true;
}

/* ExportObject 80 02 00 19: 41 04 id, 42 01 component (FF = n/a). Every
 * component selector of an RSA key gives the same whole-key blob. */
uint16_t h_export_object(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_1, SE05X_TAG_2};
    struct sim_tlvs t;
    struct sim_obj *o;
    uint32_t id;
    uint8_t comp = SE05X_RSA_COMP_NA, pt[PT_MAX], blob[HDR_LEN + PT_MAX + TAG_LEN], key[32], aad[AAD_MAX];
    size_t pl = 0;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!sim_tlv_u32(&t, SE05X_TAG_1, &id) || (t.has[SE05X_TAG_2] && !sim_tlv_u8(&t, SE05X_TAG_2, &comp)))
        return SE05X_SW_WRONG_DATA;
    if ((sw = card_use_obj(c, id, 0, &o)) != SE05X_SW_OK)
        return sw;
    if (!o->transient || !exportable(o->type))
        return SE05X_SW_CONDITIONS; /* §5: transient keys only */
    if (comp != SE05X_RSA_COMP_NA &&
        (!type_is_rsa(o->type) || comp > SE05X_RSA_COMP_INVQ || !o->part[comp]))
        return SE05X_SW_WRONG_DATA;
    if ((sw = card_use_obj(c, id, SE05X_POL_ALLOW_IMPORT_EXPORT, &o)) != SE05X_SW_OK)
        return sw;
    for (int i = 0; i < SIM_PARTS; i++) {
        if (!carried(o, i))
            continue;
        if (pl + 3 + o->part_len[i] > sizeof pt) {
            OPENSSL_cleanse(pt, sizeof pt);
            return SE05X_SW_WRONG_LENGTH; /* does not fit one blob: keep such keys persistent */
        }
        pt[pl++] = (uint8_t)i;
        put_be16(pt + pl, (uint16_t)o->part_len[i]);
        pl += 2;
        memcpy(pt + pl, o->part[i], o->part_len[i]);
        pl += o->part_len[i];
    }
    size_t al = binding(o, aad);
    blob[0] = 'S', blob[1] = 'X', blob[2] = BLOB_VERSION;
    sw = 0x6F00;
    if (RAND_bytes(blob + 3, NONCE_LEN) == 1 && blob_key(&c->store, key) &&
        gcm(key, true, blob + 3, aad, al, pt, pl, blob + HDR_LEN, blob + HDR_LEN + pl)) {
        rsp_data(c, w, SE05X_TAG_1, blob, HDR_LEN + pl + TAG_LEN);
        sw = SE05X_SW_OK;
    }
    OPENSSL_cleanse(pt, sizeof pt);
    OPENSSL_cleanse(key, sizeof key);
    return sw;
}

/* Stores a derived RSA part at its fixed width (n: bits/8, CRT parts:
 * bits/16), as WriteRSAKey does. */
static bool set_bn_part(struct sim_obj *o, int i, const BIGNUM *bn)
{
    uint8_t buf[512];
    int width = (int)(i == SIM_RSA_N ? o->rsa_bits / 8u : o->rsa_bits / 16u);
    bool ok = width <= (int)sizeof buf && BN_bn2binpad(bn, buf, width) == width &&
              sim_obj_set_part(o, i, buf, (size_t)width);
    OPENSSL_cleanse(buf, sizeof buf);
    return ok;
}

/* An RSA CRT key pair from e, p, q: n = pq (exactly rsa_bits bits),
 * dP = e^-1 mod p-1, dQ = e^-1 mod q-1, qInv = q^-1 mod p. */
static bool derive_crt(struct sim_obj *o)
{
    BN_CTX *ctx = BN_CTX_secure_new();
    BIGNUM *e = NULL, *p = NULL, *q = NULL, *n = NULL, *p1 = NULL, *q1 = NULL, *dp = NULL, *dq = NULL,
           *qi = NULL;
    bool ok = false;
    if (!ctx || !o->part[SIM_RSA_E] || !o->part[SIM_RSA_P] || !o->part[SIM_RSA_Q])
        goto out;
    e = BN_bin2bn(o->part[SIM_RSA_E], (int)o->part_len[SIM_RSA_E], NULL);
    p = BN_secure_new(), q = BN_secure_new(), n = BN_new(), p1 = BN_secure_new(), q1 = BN_secure_new();
    if (!e || !p || !q || !n || !p1 || !q1 || !BN_bin2bn(o->part[SIM_RSA_P], (int)o->part_len[SIM_RSA_P], p) ||
        !BN_bin2bn(o->part[SIM_RSA_Q], (int)o->part_len[SIM_RSA_Q], q) || !BN_mul(n, p, q, ctx) ||
        BN_num_bits(n) != o->rsa_bits || !BN_sub(p1, p, BN_value_one()) || !BN_sub(q1, q, BN_value_one()))
        goto out;
    if (!(dp = BN_mod_inverse(NULL, e, p1, ctx)) || !(dq = BN_mod_inverse(NULL, e, q1, ctx)) ||
        !(qi = BN_mod_inverse(NULL, q, p, ctx)))
        goto out;
    ok = set_bn_part(o, SIM_RSA_N, n) && set_bn_part(o, SIM_RSA_DP, dp) && set_bn_part(o, SIM_RSA_DQ, dq) &&
         set_bn_part(o, SIM_RSA_QINV, qi);
out:
    BN_free(e);
    BN_free(n);
    BN_clear_free(p);
    BN_clear_free(q);
    BN_clear_free(p1);
    BN_clear_free(q1);
    BN_clear_free(dp);
    BN_clear_free(dq);
    BN_clear_free(qi);
    BN_CTX_free(ctx);
    return ok;
}

/* A non-CRT RSA key pair (n, e, d; libcrypto's pairwise check needs p and
 * q): n has the object's size and (x^d)^e = x mod n for a random x. */
static bool raw_pair_ok(const struct sim_obj *o)
{
    BN_CTX *ctx = BN_CTX_secure_new();
    BIGNUM *n = NULL, *e = NULL, *d = NULL, *x = NULL, *y = NULL;
    bool ok = false;
    if (!ctx || !o->part[SIM_RSA_N] || !o->part[SIM_RSA_E] || !o->part[SIM_RSA_D])
        goto out;
    n = BN_bin2bn(o->part[SIM_RSA_N], (int)o->part_len[SIM_RSA_N], NULL);
    e = BN_bin2bn(o->part[SIM_RSA_E], (int)o->part_len[SIM_RSA_E], NULL);
    d = BN_secure_new();
    x = BN_new(), y = BN_secure_new();
    if (!n || !e || !d || !x || !y || !BN_bin2bn(o->part[SIM_RSA_D], (int)o->part_len[SIM_RSA_D], d) ||
        BN_num_bits(n) != o->rsa_bits || !BN_is_odd(n) || BN_cmp(d, n) >= 0 || !BN_rand_range(x, n) ||
        !BN_mod_exp(y, x, d, n, ctx) || !BN_mod_exp(y, y, e, n, ctx))
        goto out;
    ok = BN_cmp(x, y) == 0;
out:
    BN_free(n);
    BN_free(e);
    BN_clear_free(d);
    BN_free(x);
    BN_clear_free(y);
    BN_CTX_free(ctx);
    return ok;
}

/* The imported key is whole and consistent: EC private and public parts
 * match, RSA parts form a key (key pairs pass libcrypto's pairwise check),
 * a symmetric key has the shell's length. */
static bool consistent(struct sim_obj *o, uint32_t size)
{
    if (type_is_ec(o->type)) {
        const struct sim_curve_info *ci = sim_curve(o->curve);
        uint8_t pub[1 + 2 * 66];
        size_t pl = 0;
        if (!ci)
            return false;
        if ((type_has_priv(o->type) && (!o->part[SIM_P_EC_PRIV] || o->part_len[SIM_P_EC_PRIV] != sim_ec_priv_len(ci))) ||
            (type_has_pub(o->type) && !o->part[SIM_P_EC_PUB]))
            return false;
        if (o->part[SIM_P_EC_PRIV] && o->part[SIM_P_EC_PUB])
            return sim_ec_pub_from_priv(ci, o->part[SIM_P_EC_PRIV], o->part_len[SIM_P_EC_PRIV], pub, &pl) &&
                   pl == o->part_len[SIM_P_EC_PUB] && CRYPTO_memcmp(pub, o->part[SIM_P_EC_PUB], pl) == 0;
        if (o->part[SIM_P_EC_PUB]) {
            EVP_PKEY *pk = sim_ec_pkey(ci, NULL, 0, o->part[SIM_P_EC_PUB], o->part_len[SIM_P_EC_PUB]);
            bool ok = pk && sim_ec_pub_check(pk);
            EVP_PKEY_free(pk);
            return ok;
        }
        return true;
    }
    if (type_is_rsa(o->type)) {
        if (o->type == SE05X_TYPE_RSA_KEY_PAIR_CRT && !derive_crt(o))
            return false;
        if (!card_rsa_complete(o))
            return false;
        if (o->type == SE05X_TYPE_RSA_PRIV)
            return true; /* n and d only: nothing to check them against */
        if (o->type == SE05X_TYPE_RSA_KEY_PAIR)
            return raw_pair_ok(o);
        EVP_PKEY *pk = sim_rsa_pkey(o->part, o->part_len, o->type != SE05X_TYPE_RSA_PUB);
        EVP_PKEY_CTX *pc = pk ? EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL) : NULL;
        bool ok = pk && (o->type == SE05X_TYPE_RSA_PUB || (pc && EVP_PKEY_pairwise_check(pc) == 1));
        EVP_PKEY_CTX_free(pc);
        EVP_PKEY_free(pk);
        return ok;
    }
    return o->part[SIM_P_VALUE] && o->part_len[SIM_P_VALUE] == size;
}

/* ImportObject 80 01 00 18: 41 04 id, [42 01 component], 43 blob. The
 * component selector is accepted and ignored: a blob is the whole key. */
uint16_t h_import_object(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_1, SE05X_TAG_2, SE05X_TAG_3};
    struct sim_tlvs t;
    uint32_t id;
    uint8_t pt[PT_MAX], key[32], aad[AAD_MAX], tag[TAG_LEN];
    (void)w;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!sim_tlv_u32(&t, SE05X_TAG_1, &id) || !t.has[SE05X_TAG_3] || t.n[SE05X_TAG_3] < HDR_LEN + TAG_LEN ||
        t.n[SE05X_TAG_3] > HDR_LEN + PT_MAX + TAG_LEN)
        return SE05X_SW_WRONG_DATA;
    struct sim_obj *old = store_find(&c->store, id), *o = NULL;
    if (!old)
        return SE05X_SW_WRONG_DATA; /* only into an existing object */
    if (!old->transient || !exportable(old->type))
        return SE05X_SW_CONDITIONS;
    if ((sw = card_check_rewrite(c, old, SE05X_POL_ALLOW_IMPORT_EXPORT)) != SE05X_SW_OK)
        return sw;
    const uint8_t *b = t.v[SE05X_TAG_3];
    size_t pl = t.n[SE05X_TAG_3] - HDR_LEN - TAG_LEN;
    if (b[0] != 'S' || b[1] != 'X' || b[2] != BLOB_VERSION) {
        SIM_DBG("ImportObject %08X: not a version %d blob of this emulator", id, BLOB_VERSION);
        return SE05X_SW_WRONG_DATA;
    }
    size_t al = binding(old, aad);
    memcpy(tag, b + HDR_LEN + pl, TAG_LEN);
    sw = SE05X_SW_WRONG_DATA;
    if (!blob_key(&c->store, key)) {
        sw = 0x6F00;
        goto out;
    }
    if (!gcm(key, false, b + 3, aad, al, b + HDR_LEN, pl, pt, tag)) {
        /* another chip's blob, a tampered one, or one of another object
         * (id, type, size, policy) */
        SIM_DBG("ImportObject %08X: blob refused (not bound to this object or altered)", id);
        goto out;
    }
    if (!(o = sim_obj_clone(old))) {
        sw = SE05X_SW_FILE_FULL;
        goto out;
    }
    for (int i = 0; i < SIM_PARTS; i++)
        sim_obj_set_part(o, i, NULL, 0);
    for (size_t pos = 0; pos < pl;) {
        if (pl - pos < 3)
            goto out;
        uint8_t i = pt[pos];
        size_t n = be16(pt + pos + 1);
        if (i >= SIM_PARTS || o->part[i] || n == 0 || n > pl - pos - 3 || !sim_obj_set_part(o, i, pt + pos + 3, n))
            goto out;
        pos += 3 + n;
    }
    o->cleared = false;
    o->incomplete = false;
    if (!consistent(o, key_size(old))) {
        SIM_DBG("ImportObject %08X: the key in the blob is not consistent", id);
        goto out;
    }
    sw = store_put(&c->store, o);
    if (sw == SE05X_SW_OK)
        o = NULL;
out:
    sim_obj_free(o);
    OPENSSL_cleanse(pt, sizeof pt);
    OPENSSL_cleanse(key, sizeof key);
    return sw;
}
