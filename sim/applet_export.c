/* SPDX-License-Identifier: Apache-2.0 */
/* ExportObject / ImportObject (docs/protocol/apdu.md §4.4, §4.3, §5): a transient key
 * (AES, DES, HMAC, EC, RSA) leaves the card only as an opaque blob that this
 * card alone can read back: AES-256-CBC (zero IV, PKCS#7 padding) under a
 * key derived from the per-chip secret, then AES-CMAC-128 over the
 * ciphertext. The plaintext layout is ours (real chips' is not public):
 *   'S' 'X' 01 | type | curve | rsa bits (2) | component | n x {u16 len, bytes}
 * RSA keys travel one component per blob (TAG 42 selector), EC keys as
 * private + public part, symmetric keys as their value. Import only goes into
 * an existing object of the same type, curve and size. Both need the
 * IMPORT_EXPORT policy bit. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#include "card_internal.h"
#include "scp03.h"

#define BLOB_MAX 720

static void keys(const struct sim_store *s, uint8_t enc[32], uint8_t mac[16])
{
    uint8_t in[33], md[32];
    unsigned ml;
    memcpy(in + 1, s->chip_secret, 32);
    in[0] = 'E';
    EVP_Digest(in, sizeof in, enc, &ml, EVP_sha256(), NULL);
    in[0] = 'M';
    EVP_Digest(in, sizeof in, md, &ml, EVP_sha256(), NULL);
    memcpy(mac, md, 16);
    OPENSSL_cleanse(in, sizeof in);
    OPENSSL_cleanse(md, sizeof md);
}

static bool exportable(uint8_t type)
{
    return type == SE05X_TYPE_AES || type == SE05X_TYPE_DES || type == SE05X_TYPE_HMAC ||
           type_is_ec(type) || type_is_rsa(type);
}

static bool crypt(const uint8_t key[32], bool enc, const uint8_t *in, size_t n, uint8_t *out, size_t *outl)
{
    static const uint8_t iv[16] = {0};
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int a = 0, b = 0;
    bool ok = c && EVP_CipherInit_ex(c, EVP_aes_256_cbc(), NULL, key, iv, enc) == 1 &&
              EVP_CipherUpdate(c, out, &a, in, (int)n) == 1 && EVP_CipherFinal_ex(c, out + a, &b) == 1;
    EVP_CIPHER_CTX_free(c);
    *outl = (size_t)(a + b);
    return ok;
}

/* ExportObject 80 02 00 19: 41 04 id, 42 01 component (FF = n/a). */
uint16_t h_export_object(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_1, SE05X_TAG_2};
    struct sim_tlvs t;
    struct sim_obj *o;
    uint32_t id;
    uint8_t comp = SE05X_RSA_COMP_NA, pt[BLOB_MAX], blob[BLOB_MAX + 48], kenc[32], kmac[16];
    size_t pl = 0, bl = 0;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!sim_tlv_u32(&t, SE05X_TAG_1, &id) || (t.has[SE05X_TAG_2] && !sim_tlv_u8(&t, SE05X_TAG_2, &comp)))
        return SE05X_SW_WRONG_DATA;
    if ((sw = card_use_obj(c, id, 0, &o)) != SE05X_SW_OK)
        return sw;
    if (!o->transient || !exportable(o->type))
        return SE05X_SW_CONDITIONS; /* §5: transient keys only */
    if (type_is_rsa(o->type) ? comp > SE05X_RSA_COMP_INVQ || !o->part[comp] : comp != SE05X_RSA_COMP_NA)
        return SE05X_SW_WRONG_DATA;
    if ((sw = card_use_obj(c, id, SE05X_POL_ALLOW_IMPORT_EXPORT, &o)) != SE05X_SW_OK)
        return sw;
    pt[pl++] = 'S', pt[pl++] = 'X', pt[pl++] = 1;
    pt[pl++] = o->type, pt[pl++] = o->curve;
    put_be16(pt + pl, o->rsa_bits);
    pl += 2;
    pt[pl++] = comp;
    for (int i = 0; i < SIM_PARTS; i++) {
        bool take = type_is_rsa(o->type) ? i == comp : o->part[i] != NULL;
        if (!take)
            continue;
        if (pl + 3 + o->part_len[i] > sizeof pt)
            return SE05X_SW_WRONG_LENGTH;
        pt[pl++] = (uint8_t)i;
        put_be16(pt + pl, (uint16_t)o->part_len[i]);
        pl += 2;
        memcpy(pt + pl, o->part[i], o->part_len[i]);
        pl += o->part_len[i];
    }
    keys(&c->store, kenc, kmac);
    sw = 0x6F00;
    if (crypt(kenc, true, pt, pl, blob, &bl) && scp03_cmac(kmac, blob, bl, blob + bl)) {
        rsp_data(c, w, SE05X_TAG_1, blob, bl + 16);
        sw = SE05X_SW_OK;
    }
    OPENSSL_cleanse(pt, sizeof pt);
    OPENSSL_cleanse(kenc, sizeof kenc);
    OPENSSL_cleanse(kmac, sizeof kmac);
    return sw;
}

/* ImportObject 80 01 00 18: 41 04 id, [42 01 component], 43 blob. */
uint16_t h_import_object(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_1, SE05X_TAG_2, SE05X_TAG_3};
    struct sim_tlvs t;
    uint32_t id;
    uint8_t pt[BLOB_MAX + 48], mac[16], kenc[32], kmac[16];
    size_t pl = 0;
    (void)w;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!sim_tlv_u32(&t, SE05X_TAG_1, &id) || !t.has[SE05X_TAG_3] || t.n[SE05X_TAG_3] < 32 ||
        t.n[SE05X_TAG_3] > BLOB_MAX + 32 || (t.n[SE05X_TAG_3] - 16) % 16)
        return SE05X_SW_WRONG_DATA;
    struct sim_obj *old = store_find(&c->store, id), *o = NULL;
    if (!old)
        return SE05X_SW_WRONG_DATA; /* only into an existing object */
    if (!old->transient || !exportable(old->type))
        return SE05X_SW_CONDITIONS;
    if ((sw = card_check_rewrite(c, old, SE05X_POL_ALLOW_IMPORT_EXPORT)) != SE05X_SW_OK)
        return sw;
    const uint8_t *b = t.v[SE05X_TAG_3];
    size_t bl = t.n[SE05X_TAG_3] - 16;
    keys(&c->store, kenc, kmac);
    sw = SE05X_SW_WRONG_DATA;
    if (!scp03_cmac(kmac, b, bl, mac) || CRYPTO_memcmp(mac, b + bl, 16) != 0 ||
        !crypt(kenc, false, b, bl, pt, &pl))
        goto out;
    if (pl < 8 || pt[0] != 'S' || pt[1] != 'X' || pt[2] != 1 || pt[3] != old->type || pt[4] != old->curve ||
        be16(pt + 5) != old->rsa_bits)
        goto out; /* another chip's blob, or another kind of object */
    if (!(o = sim_obj_clone(old))) {
        sw = SE05X_SW_FILE_FULL;
        goto out;
    }
    if (!type_is_rsa(o->type))
        for (int i = 0; i < SIM_PARTS; i++)
            sim_obj_set_part(o, i, NULL, 0);
    for (size_t pos = 8; pos < pl;) {
        if (pl - pos < 3)
            goto out;
        uint8_t i = pt[pos];
        size_t n = be16(pt + pos + 1);
        if (i >= SIM_PARTS || n > pl - pos - 3 || !sim_obj_set_part(o, i, pt + pos + 3, n))
            goto out;
        pos += 3 + n;
    }
    o->cleared = false;
    if (type_is_rsa(o->type)) /* usable again once every part the type needs is back */
        o->cleared = !card_rsa_complete(o);
    sw = store_put(&c->store, o);
    if (sw == SE05X_SW_OK)
        o = NULL;
out:
    sim_obj_free(o);
    OPENSSL_cleanse(pt, sizeof pt);
    OPENSSL_cleanse(kenc, sizeof kenc);
    OPENSSL_cleanse(kmac, sizeof kmac);
    return sw;
}
