/* SPDX-License-Identifier: Apache-2.0 */
/* See policy.h. */
#include "policy.h"

#include "se05x_proto.h"
#include "tlv.h"

bool sim_policy_valid(const uint8_t *p, size_t n)
{
    size_t pos = 0, entries = 0;
    if (n == 0 || n > SE05X_POLICY_MAX_LEN)
        return false;
    while (pos < n) {
        size_t l = p[pos];
        if (l != 8 && l != 8 + 4 && l != 8 + 36)
            return false;
        if (l + 1 > n - pos)
            return false;
        if (++entries > SE05X_POLICY_MAX_ENTRIES)
            return false;
        pos += l + 1;
    }
    return true;
}

bool sim_policy_allows(const uint8_t *p, size_t n, uint32_t auth, uint32_t rule)
{
    return sim_policy_allows_pcr(p, n, auth, rule, NULL, NULL);
}

bool sim_policy_allows_pcr(const uint8_t *p, size_t n, uint32_t auth, uint32_t rule,
                           bool (*pcr_ok)(void *ctx, uint32_t pcr, const uint8_t expected[32]),
                           void *ctx)
{
    size_t pos = 0;
    if (n == 0)
        return true;
    while (pos < n && p[pos] + 1u <= n - pos && p[pos] >= 8) {
        uint32_t id = be32(p + pos + 1), bits = be32(p + pos + 5);
        if (id == auth) {
            if (bits & SE05X_POL_FORBID_ALL)
                return false;
            if (bits & SE05X_POL_REQUIRE_SM)
                return false; /* no secure messaging is emulated */
            if (bits & SE05X_POL_REQUIRE_PCR_VALUE) {
                if (p[pos] != 8 + 36 || !pcr_ok ||
                    !pcr_ok(ctx, be32(p + pos + 9), p + pos + 13))
                    return false;
            }
            return (bits & rule) == rule;
        }
        pos += p[pos] + 1u;
    }
    return false;
}
