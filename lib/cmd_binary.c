/* SPDX-License-Identifier: Apache-2.0 */
/* WriteBinary (docs/protocol/apdu.md §4.3, §5): new file = 41 id, 43 total, 44 first chunk;
 * further chunks 42 offset + 44 data, of the generation's chunk size (500 bytes
 * on 3.x, 900 on 7.x: fewer APDUs; lib/generation.c). An existing binary
 * file of the same size is overwritten in place (its policy is kept); one of
 * another size is deleted and created again. */
#include <string.h>

#include "cmd_util.h"
#include "generation.h"

static se05x_rc write_chunk(se05x_session *s, se05x_objid id, const struct se05x_write_opts *o,
                            bool first_of_new, size_t total, size_t off, const uint8_t *d, size_t n)
{
    uint8_t cmd[SE05X_CMD_MAX];
    struct tlv_w w;
    se05x_rc rc = se05x_write_start(s, &w, cmd, sizeof cmd, id, first_of_new ? o : NULL);
    if (rc)
        return rc;
    if (off)
        tlv_put_u16(&w, SE05X_TAG_2, (uint16_t)off);
    if (first_of_new)
        tlv_put_u16(&w, SE05X_TAG_3, (uint16_t)total);
    tlv_put(&w, SE05X_TAG_4, d, n);
    return se05x_run(s, "WriteBinary", id, se05x_write_ins(o), SE05X_P1_BINARY, SE05X_P2_DEFAULT, &w,
                     false, NULL, 0, NULL);
}

se05x_rc se05x_write_binary(se05x_session *s, se05x_objid id, const uint8_t *data, size_t len,
                            const struct se05x_write_opts *o)
{
    if (!s || (!data && len))
        return SE05X_E_BAD_ARG;
    if (len == 0 || len > SE05X_BINARY_MAX_LEN)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "binary object size %zu outside 1..%d", len,
                          SE05X_BINARY_MAX_LEN);
    se05x_rc rc = se05x_txn_begin(s);
    if (rc)
        return rc;
    bool exists = false, created = false;
    if ((rc = se05x_object_exists(s, id, &exists)))
        goto out;
    if (exists) {
        uint8_t type = 0;
        uint16_t size = 0;
        if ((rc = se05x_read_type(s, id, &type, NULL)))
            goto out;
        if (type != SE05X_TYPE_BINARY) {
            rc = se05x_fail(s, SE05X_E_WRONG_TYPE, 0, id,
                            "object 0x%08X exists and is not a binary file (type 0x%02X)", id, type);
            goto out;
        }
        if ((rc = se05x_read_size(s, id, &size)))
            goto out;
        if (size != len) {
            if ((rc = se05x_delete_object(s, id)))
                goto out;
            exists = false;
        }
    }
    const size_t step = se05x_gen(s)->write_chunk;
    for (size_t off = 0; off < len;) {
        size_t n = len - off > step ? step : len - off;
        rc = write_chunk(s, id, o, !exists && off == 0, len, off, data + off, n);
        if (rc)
            goto out;
        if (!exists)
            created = true;
        off += n;
    }
out:
    if (rc && created)
        se05x_delete_half_written(s, id);
    se05x_txn_end(s);
    return rc;
}
