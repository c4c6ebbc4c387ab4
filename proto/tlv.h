/* SPDX-License-Identifier: Apache-2.0 */
/* Bounds-checked TLV codec of the SE05x applet (docs/protocol/apdu.md §3.2):
 * 1-byte tags, BER-style lengths (LL, 81 LL, 82 HH LL). Shared by lib/ and sim/.
 *
 * Writer: errors are sticky. Every put_* on a writer that overflowed is a
 * no-op and tlv_w_ok() reports false, so callers check once at the end.
 * Reader: a cursor over a buffer; every get_* checks the remaining length
 * before touching a byte and never trusts a length it did not check. */
#ifndef SE05X_TLV_H
#define SE05X_TLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tlv_w {
    uint8_t *buf;
    size_t cap;
    size_t len;
    bool overflow;
};

void tlv_w_init(struct tlv_w *w, uint8_t *buf, size_t cap);
bool tlv_w_ok(const struct tlv_w *w);
/* Raw bytes, no tag. */
void tlv_put_raw(struct tlv_w *w, const void *data, size_t n);
/* Length in the minimal form (LL / 81 LL / 82 HH LL). */
void tlv_put_len(struct tlv_w *w, size_t n);
/* Length always in the 3-byte 82 HH LL form (what the SE answers, A7). */
void tlv_put_len82(struct tlv_w *w, size_t n);
void tlv_put(struct tlv_w *w, uint8_t tag, const void *val, size_t n);
void tlv_put82(struct tlv_w *w, uint8_t tag, const void *val, size_t n);
void tlv_put_u8(struct tlv_w *w, uint8_t tag, uint8_t v);
void tlv_put_u16(struct tlv_w *w, uint8_t tag, uint16_t v);
void tlv_put_u32(struct tlv_w *w, uint8_t tag, uint32_t v);

struct tlv_r {
    const uint8_t *buf;
    size_t len;
    size_t pos;
};

void tlv_r_init(struct tlv_r *r, const uint8_t *buf, size_t len);
size_t tlv_r_left(const struct tlv_r *r);
/* Reads the next TLV of any tag. Returns false (cursor unchanged) when the
 * header or value would run past the end or the length form is invalid. */
bool tlv_next(struct tlv_r *r, uint8_t *tag, const uint8_t **val, size_t *n);
/* Reads the next TLV and requires it to carry `tag`. */
bool tlv_get(struct tlv_r *r, uint8_t tag, const uint8_t **val, size_t *n);
/* Like tlv_get, but when the next TLV carries another tag (or none is left)
 * it returns true with *val = NULL, *n = 0 and does not advance. */
bool tlv_get_opt(struct tlv_r *r, uint8_t tag, const uint8_t **val, size_t *n);
bool tlv_get_u8(struct tlv_r *r, uint8_t tag, uint8_t *v);
bool tlv_get_u16(struct tlv_r *r, uint8_t tag, uint16_t *v);
bool tlv_get_u32(struct tlv_r *r, uint8_t tag, uint32_t *v);
/* Search the whole buffer (from the start) for a tag; order-independent
 * lookup for parsers that accept TLVs in any order. */
bool tlv_find(const uint8_t *buf, size_t len, uint8_t tag, const uint8_t **val, size_t *n);

/* Big-endian helpers. */
static inline uint16_t be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

#endif
