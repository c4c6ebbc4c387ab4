/* SPDX-License-Identifier: Apache-2.0 */
/* Production lock and claim of the reserved auth objects
 * (include/se05x/lifecycle.h, docs/production.md). Protocol:
 * docs/protocol/apdu.md §12 (policies), §13 (UserID auth objects, WriteUserID
 * §4.3), §15 (reserved ids), §19 (ReadAttributes layout). */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <se05x/lifecycle.h>

#include "cmd_util.h"

se05x_rc se05x_policy_locked(se05x_kind kind, se05x_keypart part, struct se05x_policy *out)
{
    if (!out)
        return SE05X_E_BAD_ARG;
    memset(out, 0, sizeof *out);
    uint32_t r;
    switch (kind) {
    case SE05X_KIND_EC:
        r = part == SE05X_PART_PUBLIC ? SE05X_POLICY_VERIFY | SE05X_POLICY_READ
            : part == SE05X_PART_PRIVATE
                ? SE05X_POLICY_SIGN | SE05X_POLICY_KA
                : SE05X_POLICY_SIGN | SE05X_POLICY_VERIFY | SE05X_POLICY_KA | SE05X_POLICY_READ;
        break;
    case SE05X_KIND_RSA:
        /* DEC: RSA signatures of the engine/provider/PKCS#11 are raw
         * RSADecrypt with host padding (docs/protocol/apdu.md §6) */
        r = part == SE05X_PART_PUBLIC ? SE05X_POLICY_VERIFY | SE05X_POLICY_ENC | SE05X_POLICY_READ
            : part == SE05X_PART_PRIVATE
                ? SE05X_POLICY_SIGN | SE05X_POLICY_DEC
                : SE05X_POLICY_SIGN | SE05X_POLICY_VERIFY | SE05X_POLICY_ENC | SE05X_POLICY_DEC |
                      SE05X_POLICY_READ;
        break;
    case SE05X_KIND_BINARY: r = SE05X_POLICY_READ; break;
    default: return SE05X_E_BAD_ARG;
    }
    out->n = 1;
    out->rule[0].auth_id = 0;
    out->rule[0].rules = r;
    return SE05X_OK;
}

bool se05x_policy_is_locked(const struct se05x_policy *p)
{
    if (!p || p->n == 0 || p->n > SE05X_POLICY_MAX_RULES)
        return false;
    for (unsigned i = 0; i < p->n; i++)
        if (p->rule[i].rules & SE05X_POLICY_LOCK_FORBIDDEN)
            return false;
    return true;
}

se05x_rc se05x_read_object_policy(se05x_session *s, se05x_objid id, struct se05x_object_policy *out)
{
    static const char what[] = "ReadAttributes";
    uint8_t r[SE05X_RSP_MAX], cmd[8];
    size_t rlen;
    const uint8_t *v;
    size_t n;
    struct tlv_w w;
    if (!s || !out)
        return SE05X_E_BAD_ARG;
    memset(out, 0, sizeof *out);
    tlv_w_init(&w, cmd, sizeof cmd);
    tlv_put_u32(&w, SE05X_TAG_1, id);
    se05x_rc rc = se05x_run(s, what, id, SE05X_INS_READ, SE05X_P1_DEFAULT, SE05X_P2_ATTRIBUTES, &w, false, r,
                            sizeof r, &rlen);
    if (rc)
        return rc;
    if ((rc = se05x_rsp_one(s, what, id, r, rlen, SE05X_TAG_2, &v, &n)))
        return rc;
    /* §19: id(4) type(1) auth(1) attempts(2) owner(4) max(2), policy
     * entries (first byte >= 8), origin (1..3), 7.x: 4-byte version */
    if (n < 15 || be32(v) != id)
        return se05x_bad_rsp(s, what, id, "attributes too short or of another object");
    out->auth = v[5] == SE05X_SET_SET;
    size_t pos = 14;
    while (pos < n && v[pos] >= 8) {
        size_t l = v[pos];
        if (pos + 1 + l > n || out->policy.n >= SE05X_POLICY_MAX_RULES)
            return se05x_bad_rsp(s, what, id, "malformed policy in the attributes");
        out->policy.rule[out->policy.n].auth_id = be32(v + pos + 1);
        out->policy.rule[out->policy.n].rules = be32(v + pos + 5);
        out->policy.n++;
        pos += 1 + l;
    }
    if (pos >= n || v[pos] < SE05X_ORIGIN_EXTERNAL || v[pos] > SE05X_ORIGIN_PROVISIONED ||
        (n - pos - 1 != 0 && n - pos - 1 != 4))
        return se05x_bad_rsp(s, what, id, "malformed origin in the attributes");
    out->origin = v[pos];
    return SE05X_OK;
}

se05x_rc se05x_claim_reserved(se05x_session *s, se05x_objid id, const uint8_t *secret, size_t len)
{
    static const char what[] = "WriteUserID";
    if (!s)
        return SE05X_E_BAD_ARG;
    if (id != SE05X_OBJID_TRANSPORT && id != SE05X_OBJID_FACTORY_RESET)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id,
                          "0x%08X is not a reserved auth object that can be claimed (TRANSPORT 0x%08X, "
                          "FACTORY_RESET 0x%08X)",
                          id, SE05X_OBJID_TRANSPORT, SE05X_OBJID_FACTORY_RESET);
    if (secret && (len < 4 || len > 16))
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "claim of 0x%08X: the secret must be 4..16 bytes, not %zu",
                          id, len);
    se05x_rc rc = se05x_txn_begin(s);
    if (rc)
        return rc;
    bool exists = true;
    uint8_t val[16], cmd[2 * 9 + 6 + 2 + 16 + 8];
    if ((rc = se05x_object_exists(s, id, &exists)))
        goto out;
    if (exists) {
        rc = se05x_fail(s, SE05X_E_EXISTS, 0, id,
                        "0x%08X already exists on %s: already claimed (or created by someone else); "
                        "nothing changed",
                        id, se05x_conn(s));
        goto out;
    }
    if (secret) {
        memcpy(val, secret, len);
    } else {
        len = sizeof val;
        if (RAND_bytes(val, (int)len) != 1) {
            rc = se05x_fail(s, SE05X_E_CRYPTO, 0, id, "claim of 0x%08X: no random secret", id);
            goto out;
        }
    }
    /* One rule: no session -> no rights at all (no WRITE, no DELETE); no
     * rule for any other auth object, which denies them too (§12.4). */
    struct se05x_policy pol = {1, {{0, 0}}};
    struct se05x_write_opts o = {&pol, 0};
    struct tlv_w w;
    tlv_w_init(&w, cmd, sizeof cmd);
    if ((rc = se05x_policy_put(s, &w, &o)))
        goto out;
    tlv_put_u16(&w, SE05X_TAG_MAX_ATTEMPTS, 0);
    tlv_put_u32(&w, SE05X_TAG_1, id);
    tlv_put(&w, SE05X_TAG_2, val, len);
    rc = se05x_run(s, what, id, SE05X_INS_WRITE | SE05X_INS_AUTH_OBJECT, SE05X_P1_UserID, SE05X_P2_DEFAULT, &w,
                   false, NULL, 0, NULL);
out:
    OPENSSL_cleanse(val, sizeof val);
    OPENSSL_cleanse(cmd, sizeof cmd);
    se05x_txn_end(s);
    return rc;
}

se05x_rc se05x_claim_state(se05x_session *s, se05x_objid id, enum se05x_claim_state *out)
{
    if (!s || !out)
        return SE05X_E_BAD_ARG;
    *out = SE05X_UNCLAIMED;
    bool exists = false;
    se05x_rc rc = se05x_object_exists(s, id, &exists);
    if (rc || !exists)
        return rc;
    struct se05x_object_policy op;
    if ((rc = se05x_read_object_policy(s, id, &op)))
        return rc;
    *out = SE05X_CLAIMED;
    if (op.policy.n == 0) {
        *out = SE05X_CLAIM_WRITABLE; /* applet default: open to everyone (A1) */
        return SE05X_OK;
    }
    for (unsigned i = 0; i < op.policy.n; i++)
        if (op.policy.rule[i].auth_id != id && /* the owner's own session may rotate it */
            (op.policy.rule[i].rules & (SE05X_POLICY_WRITE | SE05X_POLICY_DELETE)))
            *out = SE05X_CLAIM_WRITABLE;
    return SE05X_OK;
}
