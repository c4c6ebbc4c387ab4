/* SPDX-License-Identifier: Apache-2.0 */
/* Reading objects (docs/protocol/apdu.md §4.4, §20): ReadObject (extended form), RSA
 * components, whole binary files, the UID and CertUID. */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "cmd_util.h"
#include "generation.h"

/* Binary read chunk: the generation's (lib/generation.c), response 41 82 HH LL
 * + data within its payload limit. */

static se05x_rc read_obj(se05x_session *s, const char *what, se05x_objid id, uint16_t offset,
                         uint16_t length, int comp, uint8_t *out, size_t cap, size_t *len)
{
    uint8_t cmd[24], r[SE05X_RSP_MAX];
    size_t rlen, n;
    const uint8_t *v;
    struct tlv_w w;
    tlv_w_init(&w, cmd, sizeof cmd);
    tlv_put_u32(&w, SE05X_TAG_1, id);
    if (offset) /* optional TLVs with value 0 are omitted (docs/protocol/apdu.md §3.2) */
        tlv_put_u16(&w, SE05X_TAG_2, offset);
    if (length)
        tlv_put_u16(&w, SE05X_TAG_3, length);
    if (comp >= 0)
        tlv_put_u8(&w, SE05X_TAG_4, (uint8_t)comp);
    se05x_rc rc = se05x_run(s, what, id, SE05X_INS_READ, SE05X_P1_DEFAULT, SE05X_P2_DEFAULT, &w, true, r, sizeof r, &rlen);
    if (rc || (rc = se05x_rsp_one(s, what, id, r, rlen, SE05X_TAG_1, &v, &n)))
        return rc;
    if (length && n != length)
        return se05x_bad_rsp(s, what, id, "data length differs from the requested length");
    if (n == 0)
        return se05x_bad_rsp(s, what, id, "empty object data");
    return se05x_copy_out(s, what, id, v, n, out, cap, len);
}

se05x_rc se05x_read_object(se05x_session *s, se05x_objid id, uint16_t offset, uint16_t length,
                           uint8_t *out, size_t cap, size_t *len)
{
    if (!s || !out || !len)
        return SE05X_E_BAD_ARG;
    return read_obj(s, "ReadObject", id, offset, length, -1, out, cap, len);
}

se05x_rc se05x_read_rsa_component(se05x_session *s, se05x_objid id, uint8_t comp, uint8_t *out,
                                  size_t cap, size_t *len)
{
    if (!s || !out || !len)
        return SE05X_E_BAD_ARG;
    if (comp != SE05X_RSA_COMP_MOD && comp != SE05X_RSA_COMP_PUB_EXP)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "ReadRSA: only modulus and public exponent are readable");
    return read_obj(s, "ReadRSA", id, 0, 0, comp, out, cap, len);
}

se05x_rc se05x_read_binary(se05x_session *s, se05x_objid id, uint8_t **out, size_t *len)
{
    if (!s || !out || !len)
        return SE05X_E_BAD_ARG;
    *out = NULL;
    *len = 0;
    uint16_t size = 0;
    se05x_rc rc = se05x_txn_begin(s);
    if (rc)
        return rc;
    uint8_t *buf = NULL;
    if ((rc = se05x_read_size(s, id, &size)))
        goto out;
    if (!(buf = OPENSSL_malloc(size ? size : 1))) {
        rc = se05x_fail(s, SE05X_E_NOMEM, 0, id, "out of memory reading object 0x%08X", id);
        goto out;
    }
    for (size_t off = 0; off < size;) {
        size_t step = se05x_gen(s)->read_chunk;
        size_t chunk = size - off > step ? step : size - off, got = 0;
        rc = read_obj(s, "ReadObject", id, (uint16_t)off, (uint16_t)chunk, -1, buf + off, chunk, &got);
        if (rc)
            goto out;
        off += got;
    }
    *out = buf;
    *len = size;
    buf = NULL;
out:
    OPENSSL_free(buf);
    se05x_txn_end(s);
    return rc;
}

se05x_rc se05x_read_uid(se05x_session *s, uint8_t uid[18])
{
    size_t len = 0;
    if (!s || !uid)
        return SE05X_E_BAD_ARG;
    return read_obj(s, "ReadObject (UID)", SE05X_OBJ_UID, 0, SE05X_UID_LEN, -1, uid, SE05X_UID_LEN,
                    &len);
}

void se05x_certuid(const uint8_t uid[18], uint8_t certuid[10])
{
    static const uint8_t idx[SE05X_CERTUID_LEN] = {2, 3, 8, 9, 10, 11, 12, 13, 14, 15};
    for (size_t i = 0; i < SE05X_CERTUID_LEN; i++)
        certuid[i] = uid[idx[i]];
}
