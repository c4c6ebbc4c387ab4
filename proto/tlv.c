/* SPDX-License-Identifier: Apache-2.0 */
/* TLV codec, see tlv.h. */
#include "tlv.h"

#include <string.h>

void tlv_w_init(struct tlv_w *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->overflow = false;
}

bool tlv_w_ok(const struct tlv_w *w) { return !w->overflow; }

void tlv_put_raw(struct tlv_w *w, const void *data, size_t n)
{
    if (w->overflow)
        return;
    if (n > w->cap - w->len) {
        w->overflow = true;
        return;
    }
    if (n)
        memcpy(w->buf + w->len, data, n);
    w->len += n;
}

void tlv_put_len(struct tlv_w *w, size_t n)
{
    uint8_t b[3];
    if (n < 0x80) {
        b[0] = (uint8_t)n;
        tlv_put_raw(w, b, 1);
    } else if (n <= 0xFF) {
        b[0] = 0x81;
        b[1] = (uint8_t)n;
        tlv_put_raw(w, b, 2);
    } else if (n <= 0xFFFF) {
        tlv_put_len82(w, n);
    } else {
        w->overflow = true;
    }
}

void tlv_put_len82(struct tlv_w *w, size_t n)
{
    uint8_t b[3] = {0x82, (uint8_t)(n >> 8), (uint8_t)n};
    if (n > 0xFFFF) {
        w->overflow = true;
        return;
    }
    tlv_put_raw(w, b, 3);
}

void tlv_put(struct tlv_w *w, uint8_t tag, const void *val, size_t n)
{
    tlv_put_raw(w, &tag, 1);
    tlv_put_len(w, n);
    tlv_put_raw(w, val, n);
}

void tlv_put82(struct tlv_w *w, uint8_t tag, const void *val, size_t n)
{
    tlv_put_raw(w, &tag, 1);
    tlv_put_len82(w, n);
    tlv_put_raw(w, val, n);
}

void tlv_put_u8(struct tlv_w *w, uint8_t tag, uint8_t v) { tlv_put(w, tag, &v, 1); }

void tlv_put_u16(struct tlv_w *w, uint8_t tag, uint16_t v)
{
    uint8_t b[2];
    put_be16(b, v);
    tlv_put(w, tag, b, 2);
}

void tlv_put_u32(struct tlv_w *w, uint8_t tag, uint32_t v)
{
    uint8_t b[4];
    put_be32(b, v);
    tlv_put(w, tag, b, 4);
}

void tlv_r_init(struct tlv_r *r, const uint8_t *buf, size_t len)
{
    r->buf = buf;
    r->len = buf ? len : 0;
    r->pos = 0;
}

size_t tlv_r_left(const struct tlv_r *r) { return r->len - r->pos; }

/* Parses one TLV at buf[pos..len); on success sets *hdr (header size) and *n. */
static bool parse_hdr(const uint8_t *buf, size_t len, size_t pos, size_t *hdr, size_t *n)
{
    size_t left = len - pos;
    if (left < 2)
        return false;
    uint8_t l0 = buf[pos + 1];
    if (l0 < 0x80) {
        *hdr = 2;
        *n = l0;
    } else if (l0 == 0x81) {
        if (left < 3)
            return false;
        *hdr = 3;
        *n = buf[pos + 2];
    } else if (l0 == 0x82) {
        if (left < 4)
            return false;
        *hdr = 4;
        *n = be16(buf + pos + 2);
    } else {
        return false; /* 80, 83.. are not used by the applet */
    }
    return *n <= left - *hdr;
}

bool tlv_next(struct tlv_r *r, uint8_t *tag, const uint8_t **val, size_t *n)
{
    size_t hdr, len;
    if (r->pos >= r->len || !parse_hdr(r->buf, r->len, r->pos, &hdr, &len))
        return false;
    if (tag)
        *tag = r->buf[r->pos];
    if (val)
        *val = r->buf + r->pos + hdr;
    if (n)
        *n = len;
    r->pos += hdr + len;
    return true;
}

bool tlv_get(struct tlv_r *r, uint8_t tag, const uint8_t **val, size_t *n)
{
    struct tlv_r save = *r;
    uint8_t t;
    if (!tlv_next(r, &t, val, n) || t != tag) {
        *r = save;
        return false;
    }
    return true;
}

bool tlv_get_opt(struct tlv_r *r, uint8_t tag, const uint8_t **val, size_t *n)
{
    if (r->pos < r->len && r->buf[r->pos] == tag)
        return tlv_get(r, tag, val, n);
    *val = NULL;
    *n = 0;
    return true;
}

bool tlv_get_u8(struct tlv_r *r, uint8_t tag, uint8_t *v)
{
    const uint8_t *p;
    size_t n;
    struct tlv_r save = *r;
    if (!tlv_get(r, tag, &p, &n) || n != 1) {
        *r = save;
        return false;
    }
    *v = p[0];
    return true;
}

bool tlv_get_u16(struct tlv_r *r, uint8_t tag, uint16_t *v)
{
    const uint8_t *p;
    size_t n;
    struct tlv_r save = *r;
    if (!tlv_get(r, tag, &p, &n) || n != 2) {
        *r = save;
        return false;
    }
    *v = be16(p);
    return true;
}

bool tlv_get_u32(struct tlv_r *r, uint8_t tag, uint32_t *v)
{
    const uint8_t *p;
    size_t n;
    struct tlv_r save = *r;
    if (!tlv_get(r, tag, &p, &n) || n != 4) {
        *r = save;
        return false;
    }
    *v = be32(p);
    return true;
}

bool tlv_find(const uint8_t *buf, size_t len, uint8_t tag, const uint8_t **val, size_t *n)
{
    struct tlv_r r;
    uint8_t t;
    const uint8_t *v;
    size_t l;
    tlv_r_init(&r, buf, len);
    while (tlv_next(&r, &t, &v, &l)) {
        if (t == tag) {
            *val = v;
            *n = l;
            return true;
        }
    }
    return false;
}
