/* SPDX-License-Identifier: Apache-2.0 */
/* UserID auth objects and their attempt counter (include/se05x/auth.h;
 * docs/protocol/apdu.md §4.3 WriteUserID, §13 auth objects, §19 attributes;
 * docs/protocol/userid-pin.md). */
#include <string.h>

#include <openssl/crypto.h>

#include "cmd_util.h"

se05x_rc se05x_userid_write(se05x_session *s, se05x_objid id, const uint8_t *value, size_t len,
                            uint16_t max_attempts, const struct se05x_write_opts *o)
{
    uint8_t cmd[9 * SE05X_POLICY_MAX_RULES + 2 + 4 + 6 + 2 + 16 + 8];
    struct tlv_w w;
    if (!s)
        return SE05X_E_BAD_ARG;
    if (!id || !value || len < 4 || len > 16)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "UserID 0x%08X: value must be 4..16 bytes (got %zu)", id, len);
    if (o && o->transient)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "UserID 0x%08X: auth objects cannot be transient", id);
    tlv_w_init(&w, cmd, sizeof cmd);
    se05x_rc rc = se05x_policy_put(s, &w, o);
    if (rc)
        return rc;
    if (max_attempts)
        tlv_put_u16(&w, SE05X_TAG_MAX_ATTEMPTS, max_attempts);
    tlv_put_u32(&w, SE05X_TAG_1, id);
    tlv_put(&w, SE05X_TAG_2, value, len);
    rc = se05x_run(s, "WriteUserID", id, SE05X_INS_WRITE | SE05X_INS_AUTH_OBJECT, SE05X_P1_UserID,
                   SE05X_P2_DEFAULT, &w, false, NULL, 0, NULL);
    OPENSSL_cleanse(cmd, sizeof cmd);
    return rc;
}

se05x_rc se05x_auth_attempts(se05x_session *s, se05x_objid id, uint16_t *failed, uint16_t *max)
{
    static const char what[] = "ReadAttributes";
    uint8_t r[SE05X_RSP_MAX], cmd[8];
    size_t rlen = 0, n = 0;
    const uint8_t *v = NULL;
    struct tlv_w w;
    if (!s || !failed || !max)
        return SE05X_E_BAD_ARG;
    tlv_w_init(&w, cmd, sizeof cmd);
    tlv_put_u32(&w, SE05X_TAG_1, id);
    se05x_rc rc = se05x_run(s, what, id, SE05X_INS_READ, SE05X_P1_DEFAULT, SE05X_P2_ATTRIBUTES, &w, false, r,
                            sizeof r, &rlen);
    if (rc || (rc = se05x_rsp_one(s, what, id, r, rlen, SE05X_TAG_2, &v, &n)))
        return rc;
    /* §19: id(4) type(1) auth indicator(1) failed(2) owner(4) max(2) policy... origin */
    if (n < 15)
        return se05x_bad_rsp(s, what, id, "attributes shorter than 15 bytes");
    if (be32(v) != id)
        return se05x_bad_rsp(s, what, id, "attributes name another object");
    if (v[5] != SE05X_SET_SET)
        return se05x_fail(s, SE05X_E_WRONG_TYPE, 0, id, "object 0x%08X is not an auth object", id);
    *failed = be16(v + 6);
    *max = be16(v + 12);
    return SE05X_OK;
}

se05x_rc se05x_auth_sessions_reset(se05x_session *s)
{
    uint8_t r[64];
    size_t rl = 0;
    if (!s)
        return SE05X_E_BAD_ARG;
    if (se05x_auth_id(s))
        (void)se05x_auth_close(s);
    /* docs/protocol/userid-pin.md §4: selecting the card manager deselects
     * the applet, which ends its applet sessions; then the applet again. */
    static const uint8_t cm[5] = {SE05X_CLA_ISO, SE05X_INS_SELECT, 0x04, 0x00, 0x00};
    se05x_rc rc = se05x_transceive(s, cm, sizeof cm, r, sizeof r, &rl);
    if (rc != SE05X_OK)
        return rc;
    uint8_t sel[5 + SE05X_AID_LEN] = {SE05X_CLA_ISO, SE05X_INS_SELECT, 0x04, 0x00, SE05X_AID_LEN};
    memcpy(sel + 5, SE05X_AID, SE05X_AID_LEN);
    rc = se05x_transceive(s, sel, sizeof sel, r, sizeof r, &rl);
    if (rc != SE05X_OK)
        return rc;
    if (rl < 2 || be16(r + rl - 2) != SE05X_SW_OK)
        return se05x_fail(s, SE05X_E_CARD, rl >= 2 ? be16(r + rl - 2) : 0, 0,
                          "re-selecting the applet on %s failed (SW %04X)", se05x_conn(s),
                          rl >= 2 ? be16(r + rl - 2) : 0);
    return SE05X_OK;
}
