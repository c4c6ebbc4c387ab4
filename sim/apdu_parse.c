/* SPDX-License-Identifier: Apache-2.0 */
/* See apdu_parse.h. */
#include "apdu_parse.h"

#include <string.h>

#include "se05x_proto.h"
#include "tlv.h"

uint16_t sim_apdu_parse(const uint8_t *buf, size_t len, struct sim_apdu *a)
{
    memset(a, 0, sizeof *a);
    if (!buf || len < 4)
        return SE05X_SW_WRONG_LENGTH;
    a->cla = buf[0];
    a->ins = buf[1];
    a->p1 = buf[2];
    a->p2 = buf[3];
    if (len == 4) /* case 1 */
        return SE05X_SW_OK;
    size_t rest = len - 4;
    const uint8_t *b = buf + 4;
    if (rest == 1) { /* case 2 short */
        a->has_le = true;
        a->le = b[0] ? b[0] : 256;
        return SE05X_SW_OK;
    }
    if (b[0] != 0) { /* short Lc */
        size_t lc = b[0];
        if (rest == 1 + lc) { /* case 3 short */
        } else if (rest == 2 + lc) { /* case 4 short */
            a->has_le = true;
            a->le = b[1 + lc] ? b[1 + lc] : 256;
        } else {
            return SE05X_SW_WRONG_LENGTH;
        }
        a->lc = lc;
        a->data = b + 1;
        return SE05X_SW_OK;
    }
    /* b[0] == 0 and at least 2 bytes: extended form */
    if (rest < 3)
        return SE05X_SW_WRONG_LENGTH;
    a->extended = true;
    size_t n = ((size_t)b[1] << 8) | b[2];
    if (rest == 3) { /* case 2 extended */
        a->has_le = true;
        a->le = n ? (uint32_t)n : 65536;
        return SE05X_SW_OK;
    }
    if (n == 0)
        return SE05X_SW_WRONG_LENGTH;
    if (rest == 3 + n) { /* case 3 extended */
    } else if (rest == 5 + n) { /* case 4 extended */
        size_t le = ((size_t)b[3 + n] << 8) | b[4 + n];
        a->has_le = true;
        a->le = le ? (uint32_t)le : 65536;
    } else {
        return SE05X_SW_WRONG_LENGTH;
    }
    a->lc = n;
    a->data = b + 3;
    return SE05X_SW_OK;
}

uint16_t sim_tlvs_parse(const uint8_t *data, size_t len, const uint8_t *allowed, size_t nallowed,
                        struct sim_tlvs *t)
{
    struct tlv_r r;
    memset(t, 0, sizeof *t);
    tlv_r_init(&r, data, len);
    while (tlv_r_left(&r) > 0) {
        uint8_t tag;
        const uint8_t *v;
        size_t n;
        if (!tlv_next(&r, &tag, &v, &n))
            return SE05X_SW_WRONG_DATA;
        if (t->has[tag] || !memchr(allowed, tag, nallowed))
            return SE05X_SW_WRONG_DATA;
        t->has[tag] = true;
        t->v[tag] = v;
        t->n[tag] = (uint16_t)n;
    }
    return SE05X_SW_OK;
}

bool sim_tlv_u8(const struct sim_tlvs *t, uint8_t tag, uint8_t *v)
{
    if (!t->has[tag] || t->n[tag] != 1)
        return false;
    *v = t->v[tag][0];
    return true;
}

bool sim_tlv_u16(const struct sim_tlvs *t, uint8_t tag, uint16_t *v)
{
    if (!t->has[tag] || t->n[tag] != 2)
        return false;
    *v = be16(t->v[tag]);
    return true;
}

bool sim_tlv_u32(const struct sim_tlvs *t, uint8_t tag, uint32_t *v)
{
    if (!t->has[tag] || t->n[tag] != 4)
        return false;
    *v = be32(t->v[tag]);
    return true;
}
