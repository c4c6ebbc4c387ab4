/* SPDX-License-Identifier: Apache-2.0 */
/* Object policy encoding (docs/protocol/apdu.md §12.1): TAG 11 value = one
 * 9-byte entry per rule: LEN 08 | auth object id (BE) | access rules (BE).
 * Extensions (PCR, object id) are not produced by this library. */
#include "cmd_util.h"
#include "generation.h"

size_t se05x_policy_encode(const struct se05x_policy *p, uint8_t *buf, size_t cap)
{
    if (!p || p->n == 0 || p->n > SE05X_POLICY_MAX_RULES || cap < 9u * p->n)
        return 0;
    size_t off = 0;
    for (unsigned i = 0; i < p->n; i++) {
        buf[off] = 8;
        put_be32(buf + off + 1, p->rule[i].auth_id);
        put_be32(buf + off + 5, p->rule[i].rules);
        off += 9;
    }
    return off;
}

se05x_rc se05x_policy_put(se05x_session *s, struct tlv_w *w, const struct se05x_write_opts *o)
{
    if (!o || !o->policy || o->policy->n == 0)
        return SE05X_OK;
    uint8_t buf[9 * SE05X_POLICY_MAX_RULES];
    size_t n = se05x_policy_encode(o->policy, buf, sizeof buf);
    if (!n)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, 0, "policy has %u rules (at most %d allowed)",
                          o->policy->n, SE05X_POLICY_MAX_RULES);
    /* two rules for the same auth object would be ambiguous on the chip */
    for (unsigned i = 0; i < o->policy->n; i++)
        for (unsigned j = i + 1; j < o->policy->n; j++)
            if (o->policy->rule[i].auth_id == o->policy->rule[j].auth_id)
                return se05x_fail(s, SE05X_E_BAD_ARG, 0, 0,
                                  "policy has two rules for auth object 0x%08X",
                                  o->policy->rule[i].auth_id);
    /* the 7.x-only access-rule bits mean nothing to a 3.x applet (docs/protocol/apdu.md §12.2) */
    const struct se05x_generation *g = se05x_gen(s);
    for (unsigned i = 0; i < o->policy->n; i++) {
        uint32_t extra = o->policy->rule[i].rules & ~g->policy_bits;
        if (extra)
            return se05x_fail(s, SE05X_E_UNSUPPORTED, 0, 0,
                              "policy rule for auth object 0x%08X uses access bits 0x%08X that applet %u.x "
                              "does not know (7.x-only bits need an SE050E/SE051)",
                              o->policy->rule[i].auth_id, extra, g->gen);
    }
    tlv_put(w, SE05X_TAG_POLICY, buf, n);
    return SE05X_OK;
}
