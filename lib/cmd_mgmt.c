/* SPDX-License-Identifier: Apache-2.0 */
/* Management and information commands (docs/protocol/apdu.md §4.1, §4.4, §7, §16):
 * GetVersion, GetRandom, GetFreeMemory, CheckObjectExists, ReadType,
 * ReadSize, ReadIDList, DeleteSecureObject, and object_info on top. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cmd_util.h"
#include "generation.h"
#include "session_priv.h"

/* GetRandom bytes per APDU: the generation's read chunk (lib/generation.c). */
/* Upper bound for list_objects (a chip holds far fewer objects). */
#define LIST_MAX_IDS 16384

se05x_rc se05x_get_version(se05x_session *s, struct se05x_applet_info *out)
{
    static const char what[] = "GetVersion";
    uint8_t r[SE05X_RSP_MAX];
    size_t rlen, n;
    const uint8_t *v;
    if (!s || !out)
        return SE05X_E_BAD_ARG;
    se05x_rc rc = se05x_run(s, what, 0, SE05X_INS_MGMT, SE05X_P1_DEFAULT, SE05X_P2_VERSION, NULL,
                            false, r, sizeof r, &rlen);
    if (rc || (rc = se05x_rsp_one(s, what, 0, r, rlen, SE05X_TAG_1, &v, &n)))
        return rc;
    if (n < SE05X_SELECT_RSP_LEN)
        return se05x_bad_rsp(s, what, 0, "version shorter than 7 bytes");
    out->major = v[0];
    out->minor = v[1];
    out->patch = v[2];
    out->config = be16(v + 3);
    out->sb_major = v[5];
    out->sb_minor = v[6];
    return SE05X_OK;
}

se05x_rc se05x_get_random(se05x_session *s, uint8_t *buf, size_t n)
{
    static const char what[] = "GetRandom";
    uint8_t r[SE05X_RSP_MAX], cmd[8];
    size_t rlen;
    const uint8_t *v;
    if (!s || (!buf && n))
        return SE05X_E_BAD_ARG;
    se05x_rc rc = SE05X_OK;
    size_t done = 0;
    while (done < n) {
        size_t step = se05x_gen(s)->read_chunk;
        size_t chunk = n - done > step ? step : n - done;
        struct tlv_w w;
        tlv_w_init(&w, cmd, sizeof cmd);
        tlv_put_u16(&w, SE05X_TAG_1, (uint16_t)chunk);
        rc = se05x_run(s, what, 0, SE05X_INS_MGMT, SE05X_P1_DEFAULT, SE05X_P2_RANDOM, &w, true,
                       r, sizeof r, &rlen);
        if (rc || (rc = se05x_rsp_fixed(s, what, 0, r, rlen, SE05X_TAG_1, chunk, &v)))
            break;
        memcpy(buf + done, v, chunk);
        done += chunk;
    }
    OPENSSL_cleanse(r, sizeof r);
    if (rc && buf)
        OPENSSL_cleanse(buf, n);
    return rc;
}

se05x_rc se05x_get_free_memory(se05x_session *s, se05x_memory kind, uint16_t *free_bytes)
{
    static const char what[] = "GetFreeMemory";
    uint8_t r[SE05X_RSP_MAX], cmd[8];
    size_t rlen, n;
    const uint8_t *v;
    struct tlv_w w;
    if (!s || !free_bytes || kind < SE05X_MEMORY_PERSISTENT || kind > SE05X_MEMORY_TRANSIENT_DESELECT)
        return s ? se05x_fail(s, SE05X_E_BAD_ARG, 0, 0, "%s: bad memory kind", what) : SE05X_E_BAD_ARG;
    tlv_w_init(&w, cmd, sizeof cmd);
    tlv_put_u8(&w, SE05X_TAG_1, (uint8_t)kind);
    se05x_rc rc = se05x_run(s, what, 0, SE05X_INS_MGMT, SE05X_P1_DEFAULT, SE05X_P2_MEMORY, &w, false, r, sizeof r, &rlen);
    if (rc || (rc = se05x_rsp_one(s, what, 0, r, rlen, SE05X_TAG_1, &v, &n)))
        return rc;
    if (n == 2) {
        *free_bytes = be16(v);
    } else if (n == 4) { /* special applet builds (docs/protocol/apdu.md §5) */
        uint32_t f = be32(v);
        *free_bytes = f > 0xFFFF ? 0xFFFF : (uint16_t)f;
    } else {
        return se05x_bad_rsp(s, what, 0, "free memory is not 2 bytes");
    }
    return SE05X_OK;
}

static void put_id(struct tlv_w *w, uint8_t *buf, size_t cap, se05x_objid id)
{
    tlv_w_init(w, buf, cap);
    tlv_put_u32(w, SE05X_TAG_1, id);
}

/* A command whose data is the object id alone (TAG 1) and whose answer is
 * one TAG 1 value of exactly `want` bytes, copied to out. */
static se05x_rc id_query(se05x_session *s, const char *what, se05x_objid id, uint8_t ins, uint8_t p2,
                         size_t want, uint8_t *out)
{
    uint8_t r[SE05X_RSP_MAX], cmd[8];
    size_t rlen;
    const uint8_t *v;
    struct tlv_w w;
    put_id(&w, cmd, sizeof cmd, id);
    se05x_rc rc = se05x_run(s, what, id, ins, SE05X_P1_DEFAULT, p2, &w, false, r, sizeof r, &rlen);
    if (rc || (rc = se05x_rsp_fixed(s, what, id, r, rlen, SE05X_TAG_1, want, &v)))
        return rc;
    memcpy(out, v, want);
    return SE05X_OK;
}

se05x_rc se05x_object_exists(se05x_session *s, se05x_objid id, bool *exists)
{
    static const char what[] = "CheckObjectExists";
    uint8_t v;
    if (!s || !exists)
        return SE05X_E_BAD_ARG;
    se05x_rc rc = id_query(s, what, id, SE05X_INS_MGMT, SE05X_P2_EXIST, 1, &v);
    if (rc)
        return rc;
    if (v != SE05X_RESULT_SUCCESS && v != SE05X_RESULT_FAILURE)
        return se05x_bad_rsp(s, what, id, "result is neither 01 nor 02");
    *exists = v == SE05X_RESULT_SUCCESS;
    return SE05X_OK;
}

se05x_rc se05x_read_type(se05x_session *s, se05x_objid id, uint8_t *type, bool *transient)
{
    static const char what[] = "ReadType";
    uint8_t r[SE05X_RSP_MAX], cmd[8];
    size_t rlen, n;
    const uint8_t *v;
    struct tlv_w w;
    struct tlv_r rd;
    if (!s || !type)
        return SE05X_E_BAD_ARG;
    if (se05x_typecache_get(s, id, type, transient, NULL))
        return SE05X_OK;
    put_id(&w, cmd, sizeof cmd, id);
    se05x_rc rc = se05x_run(s, what, id, SE05X_INS_READ, SE05X_P1_DEFAULT, SE05X_P2_TYPE, &w, false, r, sizeof r, &rlen);
    if (rc)
        return rc;
    tlv_r_init(&rd, r, rlen);
    if (!tlv_get(&rd, SE05X_TAG_1, &v, &n) || n != 1)
        return se05x_bad_rsp(s, what, id, "missing type TLV");
    *type = v[0];
    /* TAG 42 transient indicator; tolerate its absence (persistent) */
    bool tr = false;
    if (!tlv_get_opt(&rd, SE05X_TAG_2, &v, &n))
        return se05x_bad_rsp(s, what, id, "truncated transient indicator");
    if (v) {
        if (n != 1 || (v[0] != SE05X_PERSISTENT && v[0] != SE05X_TRANSIENT))
            return se05x_bad_rsp(s, what, id, "bad transient indicator");
        tr = v[0] == SE05X_TRANSIENT;
    }
    if (tlv_r_left(&rd))
        return se05x_bad_rsp(s, what, id, "trailing bytes");
    if (transient)
        *transient = tr;
    se05x_typecache_put(s, id, *type, tr);
    return SE05X_OK;
}

se05x_rc se05x_read_size(se05x_session *s, se05x_objid id, uint16_t *size)
{
    uint8_t v[2];
    if (!s || !size)
        return SE05X_E_BAD_ARG;
    se05x_rc rc = id_query(s, "ReadSize", id, SE05X_INS_READ, SE05X_P2_SIZE, sizeof v, v);
    if (rc)
        return rc;
    *size = be16(v);
    return SE05X_OK;
}

se05x_rc se05x_read_id_list(se05x_session *s, uint16_t offset, uint8_t filter, se05x_objid *ids,
                            size_t cap, size_t *n, bool *more)
{
    static const char what[] = "ReadIDList";
    uint8_t r[SE05X_RSP_MAX], cmd[16];
    size_t rlen, ln;
    const uint8_t *lv;
    struct tlv_w w;
    struct tlv_r rd;
    if (!s || !n || !more || (!ids && cap))
        return SE05X_E_BAD_ARG;
    tlv_w_init(&w, cmd, sizeof cmd);
    tlv_put_u16(&w, SE05X_TAG_1, offset); /* sent even when 0 (docs/protocol/apdu.md §6) */
    tlv_put_u8(&w, SE05X_TAG_2, filter);
    se05x_rc rc = se05x_run(s, what, 0, SE05X_INS_READ, SE05X_P1_DEFAULT, SE05X_P2_LIST, &w, true, r, sizeof r, &rlen);
    if (rc)
        return rc;
    tlv_r_init(&rd, r, rlen);
    uint8_t mi = 0;
    if (!tlv_get_u8(&rd, SE05X_TAG_1, &mi))
        return se05x_bad_rsp(s, what, 0, "missing MoreIndicator");
    if (mi != SE05X_MORE_NO && mi != SE05X_MORE_YES)
        return se05x_bad_rsp(s, what, 0, "bad MoreIndicator");
    if (!tlv_get_opt(&rd, SE05X_TAG_2, &lv, &ln))
        return se05x_bad_rsp(s, what, 0, "truncated id list");
    if (tlv_r_left(&rd))
        return se05x_bad_rsp(s, what, 0, "trailing bytes");
    if (ln % 4)
        return se05x_bad_rsp(s, what, 0, "id list length is not a multiple of 4");
    if (ln / 4 > cap)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, 0, "%s: room for %zu ids, page has %zu", what, cap,
                          ln / 4);
    for (size_t i = 0; i < ln / 4; i++)
        ids[i] = be32(lv + 4 * i);
    *n = ln / 4;
    *more = mi == SE05X_MORE_YES;
    return SE05X_OK;
}

se05x_rc se05x_list_objects(se05x_session *s, uint8_t filter, se05x_objid **ids, size_t *n)
{
    if (!s || !ids || !n)
        return SE05X_E_BAD_ARG;
    *ids = NULL;
    *n = 0;
    se05x_objid page[SE05X_RSP_MAX / 4];
    se05x_objid *all = NULL;
    size_t total = 0;
    bool more = true;
    se05x_rc rc = se05x_txn_begin(s);
    if (rc)
        return rc;
    while (more) {
        size_t got = 0;
        if (total > 0xFFFF) {
            rc = se05x_bad_rsp(s, "ReadIDList", 0, "offset beyond 65535");
            break;
        }
        rc = se05x_read_id_list(s, (uint16_t)total, filter, page, sizeof page / sizeof page[0], &got,
                                &more);
        if (rc)
            break;
        if (more && got == 0) { /* would loop forever */
            rc = se05x_bad_rsp(s, "ReadIDList", 0, "empty page claims more ids");
            break;
        }
        if (total + got > LIST_MAX_IDS) {
            rc = se05x_bad_rsp(s, "ReadIDList", 0, "implausibly many ids");
            break;
        }
        se05x_objid *nb = OPENSSL_realloc(all, (total + got + 1) * sizeof *all);
        if (!nb) {
            rc = se05x_fail(s, SE05X_E_NOMEM, 0, 0, "out of memory listing objects");
            break;
        }
        all = nb;
        memcpy(all + total, page, got * sizeof *all);
        total += got;
    }
    se05x_txn_end(s);
    if (rc) {
        OPENSSL_free(all);
        return rc;
    }
    if (!all && !(all = OPENSSL_malloc(sizeof *all)))
        return se05x_fail(s, SE05X_E_NOMEM, 0, 0, "out of memory listing objects");
    *ids = all;
    *n = total;
    return SE05X_OK;
}

se05x_rc se05x_delete_object(se05x_session *s, se05x_objid id)
{
    uint8_t cmd[8];
    struct tlv_w w;
    if (!s)
        return SE05X_E_BAD_ARG;
    put_id(&w, cmd, sizeof cmd, id);
    return se05x_run(s, "DeleteSecureObject", id, SE05X_INS_MGMT, SE05X_P1_DEFAULT,
                     SE05X_P2_DELETE_OBJECT, &w, false, NULL, 0, NULL);
}

void se05x_delete_half_written(se05x_session *s, se05x_objid id)
{
    struct se05x_error e;
    se05x_last_error(s, &e);
    (void)se05x_delete_object(s, id); /* best effort: its own failure is not reported */
    se05x_fail(s, e.rc, e.sw, e.objid, "%s", e.msg);
}

se05x_rc se05x_object_info(se05x_session *s, se05x_objid id, struct se05x_object_info *out)
{
    return se05x_object_info_ex(s, id, out, true);
}

se05x_rc se05x_object_info_ex(se05x_session *s, se05x_objid id, struct se05x_object_info *out, bool read_point)
{
    if (!s || !out)
        return SE05X_E_BAD_ARG;
    memset(out, 0, sizeof *out);
    out->id = id;
    se05x_rc rc = se05x_txn_begin(s);
    if (rc)
        return rc;
    bool transient = false;
    /* No CheckObjectExists first: a missing object fails ReadType, and the
     * core turns that failure into SE05X_E_NOT_FOUND (it asks the chip only
     * then), so the common case costs one APDU less (cold start, issue 14). */
    if ((rc = se05x_read_type(s, id, &out->type, &transient)))
        goto out;
    out->transient = transient;
    se05x_type_decode(out->type, &out->kind, &out->part, &out->curve);
    switch (out->kind) {
    case SE05X_KIND_EC:
        if (out->curve == SE05X_EC_NONE && read_point && out->part != SE05X_PART_PRIVATE &&
            !(se05x_typecache_get(s, id, NULL, NULL, &out->curve) && out->curve != SE05X_EC_NONE)) {
            /* The public key instead of GetECCurveId when its point names the
             * curve (lib/keyinfer.c): the same one APDU, and the key is then
             * at hand for the answer checks (cold start, docs/lib.md). */
            EVP_PKEY *pk = NULL;
            if ((rc = se05x_infer_ec_key(s, id, &out->curve, &pk)))
                goto out;
            EVP_PKEY_free(pk);
        }
        if (out->curve == SE05X_EC_NONE && (rc = se05x_get_curve_id(s, id, &out->curve)))
            goto out;
        if (out->curve == SE05X_EC_NONE)
            break;
        /* field size in bits */
        out->bits = out->curve == SE05X_EC_NIST_P521 ? 521
                    : out->curve == SE05X_EC_ED25519 || out->curve == SE05X_EC_X25519
                        ? 255
                        : (unsigned)(8 * se05x_curve_bytes(out->curve));
        /* ReadSize of an EC key is the curve's size in bytes
         * (docs/protocol/apdu.md "ReadSize"): known without asking */
        out->size = se05x_curve_bytes(out->curve);
        break;
    case SE05X_KIND_USERID: /* ReadSize of a UserID is refused (6985) */
    case SE05X_KIND_UNKNOWN:
        break;
    default:
        if ((rc = se05x_read_size(s, id, &out->size)))
            goto out;
        if (out->kind == SE05X_KIND_RSA || out->kind == SE05X_KIND_AES ||
            out->kind == SE05X_KIND_DES || out->kind == SE05X_KIND_HMAC)
            out->bits = 8u * out->size;
        break;
    }
out:
    se05x_txn_end(s);
    return rc;
}
