/* SPDX-License-Identifier: Apache-2.0 */
/* Writing binary files, symmetric keys, UserIDs and counters (docs/protocol/apdu.md §4.3,
 * §5). A TAG 11 policy is taken only when the object is created; on an
 * existing object it is ignored (policies are immutable). */
#include <openssl/evp.h>
#include <string.h>

#include "card_internal.h"

/* Common start of a new object. */
static struct sim_obj *new_obj(const struct sim_apdu *a, uint32_t id, uint8_t type)
{
    struct sim_obj *o = sim_obj_new(id, type);
    if (o) {
        o->transient = a->ins & SE05X_INS_TRANSIENT;
        o->auth = a->ins & SE05X_INS_AUTH_OBJECT;
    }
    return o;
}

/* Installs o (created or modified copy) or frees it on failure. */
static uint16_t commit(struct sim_card *c, struct sim_obj *o)
{
    uint16_t sw = store_put(&c->store, o);
    if (sw != SE05X_SW_OK)
        sim_obj_free(o);
    return sw;
}

/* Sets the value of o and installs it; frees o on failure. */
static uint16_t commit_value(struct sim_card *c, struct sim_obj *o, const uint8_t *v, size_t n)
{
    if (!sim_obj_set_part(o, SIM_P_VALUE, v, n)) {
        sim_obj_free(o);
        return SE05X_SW_FILE_FULL;
    }
    return commit(c, o);
}

/* The object a secret write (symmetric key, UserID) changes: a copy of the
 * existing object of this type (its policy must grant WRITE), or a new one
 * with the TAG 11 policy and the attempt limit. NULL with *sw on failure. */
static struct sim_obj *secret_for_write(struct sim_card *c, const struct sim_apdu *a, const struct sim_tlvs *t,
                                        uint32_t id, uint8_t type, uint16_t attempts, uint16_t *sw)
{
    struct sim_obj *old = store_find(&c->store, id), *o;
    if (old) {
        if (old->type != type) {
            *sw = SE05X_SW_CONDITIONS;
            return NULL;
        }
        if ((*sw = card_check_rewrite(c, old, SE05X_POL_ALLOW_WRITE)) != SE05X_SW_OK)
            return NULL;
        o = sim_obj_clone(old);
    } else {
        o = new_obj(a, id, type);
        if (o && (*sw = card_set_policy(o, t)) != SE05X_SW_OK) {
            sim_obj_free(o);
            return NULL;
        }
        if (o) {
            if (type == SE05X_TYPE_USERID)
                o->auth = true; /* a UserID is always an auth object */
            o->max_attempts = attempts;
        }
    }
    if (!o)
        *sw = SE05X_SW_FILE_FULL;
    return o;
}

/* Start of a write of a data object (binary file, counter, PCR): never an
 * auth object (6D00), TLVs parsed, TAG 1 a non-zero object id (6A80). */
static uint16_t data_write_args(const struct sim_apdu *a, const uint8_t *tags, size_t ntags, struct sim_tlvs *t,
                                uint32_t *id)
{
    if (a->ins & SE05X_INS_AUTH_OBJECT)
        return SE05X_SW_INS_NOT_SUPPORTED;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, ntags, t);
    if (sw != SE05X_SW_OK)
        return sw;
    return sim_tlv_u32(t, SE05X_TAG_1, id) && *id != 0 ? SE05X_SW_OK : SE05X_SW_WRONG_DATA;
}

uint16_t h_write_binary(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_POLICY, SE05X_TAG_1, SE05X_TAG_2, SE05X_TAG_3,
                                   SE05X_TAG_4};
    struct sim_tlvs t;
    uint32_t id;
    uint16_t off = 0, total = 0;
    (void)w;
    uint16_t sw = data_write_args(a, tags, sizeof tags, &t, &id);
    if (sw != SE05X_SW_OK)
        return sw;
    if ((t.has[SE05X_TAG_2] && !sim_tlv_u16(&t, SE05X_TAG_2, &off)) ||
        (t.has[SE05X_TAG_3] && !sim_tlv_u16(&t, SE05X_TAG_3, &total)))
        return SE05X_SW_WRONG_DATA;
    const uint8_t *data = t.v[SE05X_TAG_4];
    size_t dlen = t.n[SE05X_TAG_4];
    struct sim_obj *old = store_find(&c->store, id), *o;
    if (!old) {
        if (!t.has[SE05X_TAG_3] || total == 0 || total > SE05X_BINARY_MAX_LEN)
            return SE05X_SW_WRONG_DATA;
        o = new_obj(a, id, SE05X_TYPE_BINARY);
        if (!o)
            return SE05X_SW_FILE_FULL;
        o->reserve = total;
        if ((sw = card_set_policy(o, &t)) != SE05X_SW_OK ||
            (sw = sim_obj_set_part(o, SIM_P_VALUE, NULL, total) ? 0 : SE05X_SW_FILE_FULL) != 0) {
            sim_obj_free(o);
            return sw;
        }
    } else {
        if (old->type != SE05X_TYPE_BINARY)
            return SE05X_SW_CONDITIONS;
        if (t.has[SE05X_TAG_3] && total != old->reserve)
            return SE05X_SW_WRONG_DATA; /* the size is fixed at creation */
        if ((sw = card_check_rewrite(c, old, SE05X_POL_ALLOW_WRITE)) != SE05X_SW_OK)
            return sw;
        if (!(o = sim_obj_clone(old)))
            return SE05X_SW_FILE_FULL;
        o->cleared = false;
        if (!o->part[SIM_P_VALUE] && !sim_obj_set_part(o, SIM_P_VALUE, NULL, o->reserve)) {
            sim_obj_free(o);
            return SE05X_SW_FILE_FULL;
        }
    }
    if ((size_t)off + dlen > o->part_len[SIM_P_VALUE]) {
        sim_obj_free(o);
        return SE05X_SW_WRONG_DATA;
    }
    if (dlen)
        memcpy(o->part[SIM_P_VALUE] + off, data, dlen);
    return commit(c, o);
}

uint16_t h_write_symm(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_POLICY, SE05X_TAG_MAX_ATTEMPTS, SE05X_TAG_1,
                                   SE05X_TAG_2, SE05X_TAG_3};
    struct sim_tlvs t;
    uint32_t id;
    uint16_t attempts = 0;
    (void)w;
    uint8_t kind = a->p1 & SE05X_P1_TYPE_MASK;
    uint8_t type = kind == SE05X_P1_AES ? SE05X_TYPE_AES
                   : kind == SE05X_P1_DES ? SE05X_TYPE_DES
                                          : SE05X_TYPE_HMAC;
    if ((a->ins & SE05X_INS_AUTH_OBJECT) && type != SE05X_TYPE_AES)
        return SE05X_SW_INS_NOT_SUPPORTED;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!sim_tlv_u32(&t, SE05X_TAG_1, &id) || id == 0 || !t.has[SE05X_TAG_3] ||
        (t.has[SE05X_TAG_MAX_ATTEMPTS] && !sim_tlv_u16(&t, SE05X_TAG_MAX_ATTEMPTS, &attempts)))
        return SE05X_SW_WRONG_DATA;
    if (t.has[SE05X_TAG_2]) /* key wrapping with a KEK is not emulated */
        return SE05X_SW_WRONG_DATA;
    size_t n = t.n[SE05X_TAG_3];
    bool len_ok = type == SE05X_TYPE_AES   ? (n == 16 || n == 24 || n == 32)
                  : type == SE05X_TYPE_DES ? (n == 8 || n == 16 || n == 24)
                                           : (n >= 1 && n <= 256);
    if (!len_ok)
        return SE05X_SW_WRONG_DATA;
    struct sim_obj *o = secret_for_write(c, a, &t, id, type, attempts, &sw);
    if (!o)
        return sw;
    o->cleared = false;
    o->reserve = (uint32_t)n; /* the key size outlives a chip reset (ExportObject blobs are bound to it) */
    return commit_value(c, o, t.v[SE05X_TAG_3], n);
}

uint16_t h_write_userid(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_POLICY, SE05X_TAG_MAX_ATTEMPTS, SE05X_TAG_1,
                                   SE05X_TAG_2};
    struct sim_tlvs t;
    uint32_t id;
    uint16_t attempts = 0;
    (void)w;
    uint16_t sw = sim_tlvs_parse(a->data, a->lc, tags, sizeof tags, &t);
    if (sw != SE05X_SW_OK)
        return sw;
    if (!sim_tlv_u32(&t, SE05X_TAG_1, &id) || id == 0 || !t.has[SE05X_TAG_2] ||
        t.n[SE05X_TAG_2] < 4 || t.n[SE05X_TAG_2] > 16 ||
        (t.has[SE05X_TAG_MAX_ATTEMPTS] && !sim_tlv_u16(&t, SE05X_TAG_MAX_ATTEMPTS, &attempts)))
        return SE05X_SW_WRONG_DATA;
    struct sim_obj *o = secret_for_write(c, a, &t, id, SE05X_TYPE_USERID, attempts, &sw);
    if (!o)
        return sw;
    return commit_value(c, o, t.v[SE05X_TAG_2], t.n[SE05X_TAG_2]);
}

/* §5 counters: 1..8 bytes, increment-only, saturating. */
uint16_t h_write_counter(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_POLICY, SE05X_TAG_1, SE05X_TAG_2, SE05X_TAG_3};
    struct sim_tlvs t;
    uint32_t id;
    uint16_t size = 0;
    (void)w;
    uint16_t sw = data_write_args(a, tags, sizeof tags, &t, &id);
    if (sw != SE05X_SW_OK)
        return sw;
    if (t.has[SE05X_TAG_2] && !sim_tlv_u16(&t, SE05X_TAG_2, &size))
        return SE05X_SW_WRONG_DATA;
    struct sim_obj *old = store_find(&c->store, id), *o;
    if (!old) {
        if (size < 1 || size > 8)
            return SE05X_SW_WRONG_DATA;
        if (t.has[SE05X_TAG_3] && t.n[SE05X_TAG_3] != size)
            return SE05X_SW_WRONG_DATA;
        o = new_obj(a, id, SE05X_TYPE_COUNTER);
        if (!o)
            return SE05X_SW_FILE_FULL;
        o->reserve = size;
        if ((sw = card_set_policy(o, &t)) != SE05X_SW_OK ||
            !sim_obj_set_part(o, SIM_P_VALUE, t.v[SE05X_TAG_3], size)) {
            sim_obj_free(o);
            return sw != SE05X_SW_OK ? sw : SE05X_SW_FILE_FULL;
        }
        return commit(c, o);
    }
    if (old->type != SE05X_TYPE_COUNTER)
        return SE05X_SW_CONDITIONS;
    if (t.has[SE05X_TAG_2] && size != old->reserve)
        return SE05X_SW_WRONG_DATA; /* the size is fixed at creation */
    size = (uint16_t)old->reserve;
    if ((sw = card_check_rewrite(c, old, SE05X_POL_ALLOW_WRITE)) != SE05X_SW_OK)
        return sw;
    if (!(o = sim_obj_clone(old)))
        return SE05X_SW_FILE_FULL;
    if (!o->part[SIM_P_VALUE] && !sim_obj_set_part(o, SIM_P_VALUE, NULL, size)) {
        sim_obj_free(o);
        return SE05X_SW_FILE_FULL;
    }
    o->cleared = false;
    uint8_t *v = o->part[SIM_P_VALUE];
    if (t.has[SE05X_TAG_3]) {
        if (t.n[SE05X_TAG_3] != size || memcmp(t.v[SE05X_TAG_3], v, size) < 0) {
            sim_obj_free(o);
            return SE05X_SW_WRONG_DATA; /* wrong length or a decrement */
        }
        memcpy(v, t.v[SE05X_TAG_3], size);
    } else {
        int i = size - 1;
        while (i >= 0 && v[i] == 0xFF)
            i--;
        if (i >= 0) { /* saturates at all-FF */
            v[i]++;
            memset(v + i + 1, 0, (size_t)(size - 1 - i));
        }
    }
    return commit(c, o);
}

/* §5 PCR: always SHA-256. New: TAG 42 initial value (32 bytes, default
 * zeros), then TAG 43 extends. Existing: TAG 43 extends, value =
 * SHA-256(old || data) (WRITE); neither TAG resets it to zeros (DELETE). */
uint16_t h_write_pcr(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t tags[] = {SE05X_TAG_POLICY, SE05X_TAG_1, SE05X_TAG_2, SE05X_TAG_3};
    struct sim_tlvs t;
    uint32_t id;
    uint8_t v[32] = {0};
    (void)w;
    uint16_t sw = data_write_args(a, tags, sizeof tags, &t, &id);
    if (sw != SE05X_SW_OK)
        return sw;
    if ((t.has[SE05X_TAG_2] && t.n[SE05X_TAG_2] != 32) ||
        (t.has[SE05X_TAG_3] && t.n[SE05X_TAG_3] == 0))
        return SE05X_SW_WRONG_DATA;
    struct sim_obj *old = store_find(&c->store, id), *o;
    if (old) {
        if (old->type != SE05X_TYPE_PCR)
            return SE05X_SW_CONDITIONS;
        if (t.has[SE05X_TAG_2])
            return SE05X_SW_WRONG_DATA; /* the initial value is set at creation only */
        sw = card_check_rewrite(c, old, t.has[SE05X_TAG_3] ? SE05X_POL_ALLOW_WRITE : SE05X_POL_ALLOW_DELETE);
        if (sw != SE05X_SW_OK)
            return sw;
        if (!(o = sim_obj_clone(old)))
            return SE05X_SW_FILE_FULL;
        if (t.has[SE05X_TAG_3] && o->part_len[SIM_P_VALUE] == 32)
            memcpy(v, o->part[SIM_P_VALUE], 32);
    } else {
        if (!(o = new_obj(a, id, SE05X_TYPE_PCR)))
            return SE05X_SW_FILE_FULL;
        o->reserve = 32;
        if ((sw = card_set_policy(o, &t)) != SE05X_SW_OK) {
            sim_obj_free(o);
            return sw;
        }
        if (t.has[SE05X_TAG_2])
            memcpy(v, t.v[SE05X_TAG_2], 32);
    }
    if (t.has[SE05X_TAG_3]) {
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        unsigned ml = 0;
        bool ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
                  EVP_DigestUpdate(md, v, 32) == 1 &&
                  EVP_DigestUpdate(md, t.v[SE05X_TAG_3], t.n[SE05X_TAG_3]) == 1 &&
                  EVP_DigestFinal_ex(md, v, &ml) == 1;
        EVP_MD_CTX_free(md);
        if (!ok) {
            sim_obj_free(o);
            return 0x6F00;
        }
    }
    o->cleared = false;
    return commit_value(c, o, v, 32);
}
