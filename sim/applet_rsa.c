/* SPDX-License-Identifier: Apache-2.0 */
/* RSA keys: WriteRSAKey (generate, multi-APDU component import), RSASign /
 * RSAVerify (the applet hashes the message), RSAEncrypt / RSADecrypt
 * (docs/protocol/apdu.md §4.3, §4.6, §5, §9). */
#include <openssl/crypto.h>
#include <openssl/rsa.h>
#include <string.h>

#include "card_internal.h"
#include "crypto.h"

/* Components each format/part needs (bit i = SIM_RSA_* index i). */
#define C(i) (1u << (i))
#define CRT_PRIV (C(SIM_RSA_P) | C(SIM_RSA_Q) | C(SIM_RSA_DP) | C(SIM_RSA_DQ) | C(SIM_RSA_QINV))
#define PUB (C(SIM_RSA_N) | C(SIM_RSA_E))

static unsigned needed(uint8_t type)
{
    switch (type) {
    case SE05X_TYPE_RSA_KEY_PAIR: return PUB | C(SIM_RSA_D);
    case SE05X_TYPE_RSA_KEY_PAIR_CRT: return PUB | CRT_PRIV;
    case SE05X_TYPE_RSA_PRIV: return C(SIM_RSA_N) | C(SIM_RSA_D);
    case SE05X_TYPE_RSA_PRIV_CRT: return CRT_PRIV;
    case SE05X_TYPE_RSA_PUB: return PUB;
    default: return 0;
    }
}

static unsigned present(const struct sim_obj *o);

bool card_rsa_complete(const struct sim_obj *o)
{
    return (present(o) & needed(o->type)) == needed(o->type);
}

static unsigned present(const struct sim_obj *o)
{
    unsigned m = 0;
    for (int i = 0; i < SIM_PARTS; i++)
        if (o->part[i])
            m |= C(i);
    return m;
}

static bool valid_bits(uint16_t b)
{
    return b == 512 || b == 1024 || b == 1152 || b == 2048 || b == 3072 || b == 4096;
}

/* Reserved data size (memory accounting) from the key size. */
static uint32_t rsa_reserve(uint8_t type, uint16_t bits)
{
    uint32_t n = bits / 8u;
    switch (type) {
    case SE05X_TYPE_RSA_KEY_PAIR: return 2 * n + 4;
    case SE05X_TYPE_RSA_KEY_PAIR_CRT: return n + 5 * (n / 2) + 4;
    case SE05X_TYPE_RSA_PRIV: return 2 * n;
    case SE05X_TYPE_RSA_PRIV_CRT: return 5 * (n / 2);
    default: return n + 4;
    }
}

/* Stores component i (TLV tag 43..4A) at its fixed width: n and d = bits/8,
 * CRT parts = bits/16, e minimal. Leading zeros of the host are dropped. */
static uint16_t put_comp(struct sim_obj *o, int i, const uint8_t *v, size_t n)
{
    size_t width = i == SIM_RSA_N || i == SIM_RSA_D ? o->rsa_bits / 8u
                   : i == SIM_RSA_E               ? 4
                                                  : o->rsa_bits / 16u;
    uint8_t buf[512];
    while (n > 0 && *v == 0) {
        v++;
        n--;
    }
    if (n == 0 || n > width)
        return SE05X_SW_WRONG_DATA;
    if (i == SIM_RSA_E)
        width = n;
    memset(buf, 0, width - n);
    memcpy(buf + width - n, v, n);
    bool ok = sim_obj_set_part(o, i, buf, width);
    OPENSSL_cleanse(buf, sizeof buf);
    return ok ? SE05X_SW_OK : SE05X_SW_FILE_FULL;
}

/* TLV tag of each component index. */
static const uint8_t comp_tag[8] = {0x4A, 0x48, 0x49, 0x43, 0x44, 0x45, 0x46, 0x47};

static uint16_t generate(struct sim_obj *o)
{
    uint8_t *comps[8];
    size_t lens[8];
    if (!sim_rsa_generate(o->rsa_bits, comps, lens))
        return 0x6F00;
    uint16_t sw = SE05X_SW_OK;
    unsigned need = needed(o->type);
    for (int i = 0; i < 8; i++) {
        if (sw == SE05X_SW_OK && !sim_obj_set_part(o, i, (need & C(i)) ? comps[i] : NULL,
                                                   (need & C(i)) ? lens[i] : 0))
            sw = SE05X_SW_FILE_FULL;
        OPENSSL_clear_free(comps[i], lens[i]);
    }
    return sw;
}

uint16_t h_write_rsa(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_POLICY, SE05X_TAG_MAX_ATTEMPTS, 0x41, 0x42, 0x43, 0x44,
                                   0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, SE05X_TAG_11};
    struct sim_tlvs t;
    uint32_t id, version = 0;
    uint16_t bits = 0;
    (void)w;
    if (a->ins & SE05X_INS_AUTH_OBJECT)
        return SE05X_SW_INS_NOT_SUPPORTED;
    if (a->p2 != SE05X_RSA_FORMAT_CRT && a->p2 != SE05X_RSA_FORMAT_RAW)
        return SE05X_SW_WRONG_P1P2;
    /* TAG 4B: 7.x only, as in h_write_ec */
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags - (c->var->gen < 7), &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if ((t.has[SE05X_TAG_11] && !sim_tlv_u32(&t, SE05X_TAG_11, &version)) ||
        !sim_tlv_u32(&t, SE05X_TAG_1, &id) || id == 0 ||
        (t.has[SE05X_TAG_2] && !sim_tlv_u16(&t, SE05X_TAG_2, &bits)))
        return SE05X_SW_WRONG_DATA;
    unsigned given = 0;
    for (int i = 0; i < 8; i++)
        if (t.has[comp_tag[i]])
            given |= C(i);
    struct sim_obj *old = store_find(&c->store, id), *o;
    bool gen = false;
    if (old) {
        if (!type_is_rsa(old->type) || (bits && bits != old->rsa_bits))
            return SE05X_SW_CONDITIONS;
        if (old->incomplete) { /* continuation: no policy until complete */
            sw = card_check_rewrite(c, old, 0);
        } else if (given) { /* a new import over a complete key starts afresh */
            sw = card_check_rewrite(c, old, SE05X_POL_ALLOW_WRITE);
        } else {
            if (old->type != SE05X_TYPE_RSA_KEY_PAIR && old->type != SE05X_TYPE_RSA_KEY_PAIR_CRT)
                return SE05X_SW_WRONG_DATA;
            sw = card_check_rewrite(c, old, SE05X_POL_ALLOW_GEN);
            gen = true;
        }
        if (sw != SE05X_SW_OK)
            return sw;
        if (!(o = sim_obj_clone(old)))
            return SE05X_SW_FILE_FULL;
        if (!old->incomplete && given)
            for (int i = 0; i < SIM_PARTS; i++)
                sim_obj_set_part(o, i, NULL, 0);
    } else {
        uint8_t part = a->p1 & SE05X_P1_PART_MASK;
        bool crt = a->p2 == SE05X_RSA_FORMAT_CRT;
        uint8_t type = part == SE05X_P1_KEY_PAIR
                           ? (crt ? SE05X_TYPE_RSA_KEY_PAIR_CRT : SE05X_TYPE_RSA_KEY_PAIR)
                       : part == SE05X_P1_PRIVATE ? (crt ? SE05X_TYPE_RSA_PRIV_CRT : SE05X_TYPE_RSA_PRIV)
                       : part == SE05X_P1_PUBLIC  ? SE05X_TYPE_RSA_PUB
                                                  : 0;
        if (!type || !valid_bits(bits))
            return SE05X_SW_WRONG_DATA;
        if (!(o = sim_obj_new(id, type)))
            return SE05X_SW_FILE_FULL;
        o->rsa_bits = bits;
        o->transient = a->ins & SE05X_INS_TRANSIENT;
        o->reserve = rsa_reserve(type, bits);
        if ((sw = card_set_policy(o, &t)) != SE05X_SW_OK) {
            sim_obj_free(o);
            return sw;
        }
        gen = !given && type != SE05X_TYPE_RSA_PUB && type != SE05X_TYPE_RSA_PRIV &&
              type != SE05X_TYPE_RSA_PRIV_CRT;
    }
    unsigned need = needed(o->type);
    if (given & ~need) { /* e.g. d for a CRT key: the format is fixed forever */
        sim_obj_free(o);
        return SE05X_SW_WRONG_DATA;
    }
    if (gen) {
        sw = generate(o);
        o->origin = SE05X_ORIGIN_INTERNAL;
    } else {
        for (int i = 0; i < 8 && sw == SE05X_SW_OK; i++)
            if (given & C(i))
                sw = put_comp(o, i, t.v[comp_tag[i]], t.n[comp_tag[i]]);
        o->origin = SE05X_ORIGIN_EXTERNAL;
    }
    if (sw != SE05X_SW_OK) {
        sim_obj_free(o);
        return sw;
    }
    o->incomplete = (present(o) & need) != need;
    o->cleared = false;
    if (!o->incomplete) { /* all components set: must form a usable key */
        bool priv = o->type != SE05X_TYPE_RSA_PUB;
        EVP_PKEY *pk = o->type == SE05X_TYPE_RSA_PRIV ? NULL : sim_rsa_pkey(o->part, o->part_len, priv);
        bool ok = o->type == SE05X_TYPE_RSA_PRIV || pk != NULL;
        EVP_PKEY_free(pk);
        if (!ok) {
            sim_obj_free(o);
            return SE05X_SW_WRONG_DATA;
        }
    }
    if (t.has[SE05X_TAG_11])
        o->version = version;
    if ((sw = store_put(&c->store, o)) != SE05X_SW_OK)
        sim_obj_free(o);
    return sw;
}

static EVP_PKEY *rsa_key(const struct sim_obj *o, bool priv)
{
    return sim_rsa_pkey(o->part, o->part_len, priv);
}

/* Hash and padding of an RSASignatureAlgo code. */
static const EVP_MD *sig_md(uint8_t algo, bool *pss)
{
    *pss = false;
    switch (algo) {
    case SE05X_RSASIG_PKCS1_SHA1: return EVP_sha1();
    case SE05X_RSASIG_PKCS1_SHA224: return EVP_sha224();
    case SE05X_RSASIG_PKCS1_SHA256: return EVP_sha256();
    case SE05X_RSASIG_PKCS1_SHA384: return EVP_sha384();
    case SE05X_RSASIG_PKCS1_SHA512: return EVP_sha512();
    }
    *pss = true;
    switch (algo) {
    case SE05X_RSASIG_PSS_SHA1: return EVP_sha1();
    case SE05X_RSASIG_PSS_SHA224: return EVP_sha224();
    case SE05X_RSASIG_PSS_SHA256: return EVP_sha256();
    case SE05X_RSASIG_PSS_SHA384: return EVP_sha384();
    case SE05X_RSASIG_PSS_SHA512: return EVP_sha512();
    }
    return NULL;
}

static bool set_pad(EVP_PKEY_CTX *pctx, bool pss)
{
    if (!pss)
        return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
}

uint16_t rsa_sign(struct sim_card *c, struct sim_obj *o, const struct sim_tlvs *t, struct tlv_w *w)
{
    uint8_t algo, sig[512];
    size_t siglen = sizeof sig;
    bool pss;
    EVP_PKEY_CTX *pctx = NULL;
    if (!sim_tlv_u8(t, SE05X_TAG_2, &algo) || !t->has[SE05X_TAG_3])
        return SE05X_SW_WRONG_DATA;
    const EVP_MD *h = sig_md(algo, &pss);
    if (!h)
        return SE05X_SW_WRONG_DATA;
    if (o->type == SE05X_TYPE_RSA_PUB)
        return SE05X_SW_CONDITIONS;
    EVP_PKEY *pk = rsa_key(o, true);
    if (!pk)
        return SE05X_SW_CONDITIONS; /* e.g. a RAW private key without e */
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint16_t sw = SE05X_SW_WRONG_DATA;
    if (md && EVP_DigestSignInit(md, &pctx, h, NULL, pk) == 1 && set_pad(pctx, pss) &&
        EVP_DigestSign(md, sig, &siglen, t->v[SE05X_TAG_3], t->n[SE05X_TAG_3]) == 1) {
        rsp_data(c, w, SE05X_TAG_1, sig, siglen);
        sw = SE05X_SW_OK;
    }
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pk);
    return sw;
}

uint16_t rsa_verify(struct sim_card *c, struct sim_obj *o, const struct sim_tlvs *t, struct tlv_w *w)
{
    uint8_t algo;
    bool pss;
    EVP_PKEY_CTX *pctx = NULL;
    if (!sim_tlv_u8(t, SE05X_TAG_2, &algo) || !t->has[SE05X_TAG_3] || !t->has[SE05X_TAG_5])
        return SE05X_SW_WRONG_DATA;
    const EVP_MD *h = sig_md(algo, &pss);
    if (!h)
        return SE05X_SW_WRONG_DATA;
    EVP_PKEY *pk = rsa_key(o, false);
    if (!pk)
        return SE05X_SW_CONDITIONS; /* a private key without its public part */
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestVerifyInit(md, &pctx, h, NULL, pk) == 1 && set_pad(pctx, pss) &&
             EVP_DigestVerify(md, t->v[SE05X_TAG_5], t->n[SE05X_TAG_5], t->v[SE05X_TAG_3],
                              t->n[SE05X_TAG_3]) == 1;
    rsp_u8(c, w, SE05X_TAG_1, ok ? SE05X_RESULT_SUCCESS : SE05X_RESULT_FAILURE);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pk);
    return SE05X_SW_OK;
}

static uint16_t rsa_crypt(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w, bool enc)
{
    static const uint8_t tags[] = {SE05X_TAG_1, SE05X_TAG_2, SE05X_TAG_3};
    struct sim_tlvs t;
    struct sim_obj *o;
    uint32_t id;
    uint8_t algo, out[512];
    size_t outlen = sizeof out;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!sim_tlv_u32(&t, SE05X_TAG_1, &id) || !sim_tlv_u8(&t, SE05X_TAG_2, &algo) ||
        !t.has[SE05X_TAG_3])
        return SE05X_SW_WRONG_DATA;
    int pad = algo == SE05X_RSAENC_NO_PAD ? RSA_NO_PADDING
              : algo == SE05X_RSAENC_PKCS1 ? RSA_PKCS1_PADDING
              : algo == SE05X_RSAENC_OAEP  ? RSA_PKCS1_OAEP_PADDING
                                           : -1;
    if (pad < 0)
        return SE05X_SW_WRONG_DATA;
    if ((sw = card_use_obj(c, id, 0, &o)) != SE05X_SW_OK)
        return sw;
    if (!type_is_rsa(o->type) || (enc ? !type_has_pub(o->type) : !type_has_priv(o->type)))
        return SE05X_SW_CONDITIONS;
    if ((sw = card_use_obj(c, id, enc ? SE05X_POL_ALLOW_ENC : SE05X_POL_ALLOW_DEC, &o)) != SE05X_SW_OK)
        return sw;
    if (pad == RSA_NO_PADDING && t.n[SE05X_TAG_3] != o->rsa_bits / 8u)
        return SE05X_SW_WRONG_DATA;
    EVP_PKEY *pk = rsa_key(o, !enc);
    if (!pk)
        return SE05X_SW_CONDITIONS;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, NULL);
    sw = SE05X_SW_WRONG_DATA;
    if (ctx && (enc ? EVP_PKEY_encrypt_init(ctx) : EVP_PKEY_decrypt_init(ctx)) == 1 &&
        EVP_PKEY_CTX_set_rsa_padding(ctx, pad) == 1 &&
        (pad != RSA_PKCS1_OAEP_PADDING || EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha1()) == 1) &&
        (enc ? EVP_PKEY_encrypt(ctx, out, &outlen, t.v[SE05X_TAG_3], t.n[SE05X_TAG_3])
             : EVP_PKEY_decrypt(ctx, out, &outlen, t.v[SE05X_TAG_3], t.n[SE05X_TAG_3])) == 1) {
        rsp_data(c, w, SE05X_TAG_1, out, outlen);
        sw = SE05X_SW_OK;
    }
    OPENSSL_cleanse(out, sizeof out);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pk);
    return sw;
}

uint16_t h_rsa_encrypt(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    return rsa_crypt(c, a, w, true);
}

uint16_t h_rsa_decrypt(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    return rsa_crypt(c, a, w, false);
}
