/* SPDX-License-Identifier: Apache-2.0 */
/* ISO 7816-4 C-APDU parsing (cases 1, 2, 3, 4; short and extended) and the
 * command TLV table used by the applet handlers. Every length is checked
 * against the buffer before use. */
#ifndef SIM_APDU_PARSE_H
#define SIM_APDU_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_apdu {
    uint8_t cla, ins, p1, p2;
    const uint8_t *data; /* NULL when lc == 0 */
    size_t lc;
    bool has_le;
    uint32_t le; /* 1..65536 when has_le */
    bool extended;
};

/* Returns 0x9000 on success, 0x6700 when the length fields do not match the
 * buffer (wrong Lc, truncated, trailing bytes). */
uint16_t sim_apdu_parse(const uint8_t *buf, size_t len, struct sim_apdu *out);

/* The TLVs of a command, indexed by tag. Each tag may appear once. */
struct sim_tlvs {
    const uint8_t *v[256];
    uint16_t n[256];
    bool has[256];
};

/* Splits data into TLVs. Fails (0x6A80) on a malformed TLV, a repeated tag,
 * or a tag outside `allowed` (a string of allowed tag bytes, length nallowed). */
uint16_t sim_tlvs_parse(const uint8_t *data, size_t len, const uint8_t *allowed, size_t nallowed,
                        struct sim_tlvs *t);

/* Typed getters: return false when absent or of the wrong size. */
bool sim_tlv_u8(const struct sim_tlvs *t, uint8_t tag, uint8_t *v);
bool sim_tlv_u16(const struct sim_tlvs *t, uint8_t tag, uint16_t *v);
bool sim_tlv_u32(const struct sim_tlvs *t, uint8_t tag, uint32_t *v);

#endif
