/* SPDX-License-Identifier: Apache-2.0 */
/* Object policies (docs/protocol/apdu.md §12): parsing at creation and evaluation for the
 * caller's auth id (00000000 outside an applet session, the only case the
 * emulator serves). */
#ifndef SIM_POLICY_H
#define SIM_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Validates a TAG 11 value: 1..6 entries, each LEN 08 / 0C / 2C and fully
 * inside the buffer, total <= 256 bytes. */
bool sim_policy_valid(const uint8_t *p, size_t n);

/* True when `rule` (an SE05X_POL_ALLOW_* bit) is granted to auth id `auth`.
 * n == 0 means "no policy": the applet default (A1) allows everything. With a
 * policy, an auth id without an entry is denied; FORBID_ALL denies; REQUIRE_SM
 * and REQUIRE_PCR_VALUE cannot be satisfied outside a session and deny. */
bool sim_policy_allows(const uint8_t *p, size_t n, uint32_t auth, uint32_t rule);

/* Same, with REQUIRE_PCR_VALUE honoured: an entry carrying that bit and the
 * 36-byte PCR extension grants access only when pcr_ok(ctx, pcr id,
 * expected value) is true. */
bool sim_policy_allows_pcr(const uint8_t *p, size_t n, uint32_t auth, uint32_t rule,
                           bool (*pcr_ok)(void *ctx, uint32_t pcr, const uint8_t expected[32]),
                           void *ctx);

#endif
