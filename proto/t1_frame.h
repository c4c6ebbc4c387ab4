/* SPDX-License-Identifier: Apache-2.0 */
/* T=1 over I2C (UM11225 flavour) block codec and CRC, shared by the host
 * library (lib/t1.c) and the emulator (sim/t1_responder.c). Pure functions
 * on byte buffers: a protocol definition, no state machine lives here.
 * Source: docs/protocol/t1oi2c.md §2-§5.
 *
 * Header-only (static inline) so both sides use it without another object
 * library; every function bounds-checks its buffers. */
#ifndef SE05X_T1_FRAME_H
#define SE05X_T1_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* §2 block format: NAD PCB LEN INF(LEN) CRC(2, low byte first) */
#define T1_NAD_HOST 0x5A /* host -> SE */
#define T1_NAD_SE 0xA5   /* SE -> host */
#define T1_HDR_LEN 3
#define T1_CRC_LEN 2
#define T1_MAX_INF 254                                   /* IFSC_SIZE_SEND */
#define T1_MAX_BLOCK (T1_HDR_LEN + T1_MAX_INF + T1_CRC_LEN) /* 259 */

/* §3 PCB */
#define T1_PCB_I_NS 0x40   /* I-block N(S) */
#define T1_PCB_I_MORE 0x20 /* I-block M (chaining) */
#define T1_PCB_R 0x80
#define T1_PCB_R_NR 0x10
#define T1_PCB_S_REQ 0xC0
#define T1_PCB_S_RSP 0xE0

/* R-block error codes */
#define T1_R_OK 0
#define T1_R_EDC 1   /* CRC error */
#define T1_R_OTHER 2 /* other error (sequence) */

/* §4 S-block types (UM11225) */
#define T1_S_RESYNCH 0x00
#define T1_S_IFS 0x01
#define T1_S_ABORT 0x02
#define T1_S_WTX 0x03
#define T1_S_END_APDU_SESSION 0x05
#define T1_S_CHIP_RESET 0x06
#define T1_S_GET_ATR 0x07
#define T1_S_SOFT_RESET 0x0F

enum t1_kind { T1_I = 1, T1_R, T1_S };

/* A decoded block. inf points into the buffer that was decoded. */
struct t1_block {
    uint8_t nad, pcb;
    enum t1_kind kind;
    /* I-block */
    uint8_t ns;   /* 0/1 */
    bool more;
    /* R-block */
    uint8_t nr;   /* 0/1 */
    uint8_t err;  /* 0..3 */
    /* S-block */
    bool response;
    uint8_t stype;
    const uint8_t *inf;
    size_t len;
};

enum t1_parse_rc {
    T1_PARSE_OK = 0,
    T1_PARSE_SHORT,   /* fewer than 5 bytes, or fewer than LEN says */
    T1_PARSE_LONG,    /* more bytes than LEN says */
    T1_PARSE_BAD_LEN, /* LEN > 254 */
    T1_PARSE_BAD_NAD,
    T1_PARSE_BAD_CRC,
    T1_PARSE_BAD_PCB, /* reserved bits set */
};

/* §5 CRC-16/X-25: reflected poly 0x1021 (0x8408), init FFFF, xorout FFFF. */
static inline uint16_t t1_crc16(const uint8_t *p, size_t n)
{
    uint16_t crc = 0xFFFF;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0x8408) : (uint16_t)(crc >> 1);
    }
    return (uint16_t)~crc;
}

/* Builds one block into out (cap >= 5 + len). Returns its length, 0 when the
 * arguments are out of bounds (len > 254 or cap too small). */
static inline size_t t1_encode(uint8_t *out, size_t cap, uint8_t nad, uint8_t pcb,
                               const uint8_t *inf, size_t len)
{
    if (len > T1_MAX_INF || cap < T1_HDR_LEN + len + T1_CRC_LEN || (len && !inf))
        return 0;
    out[0] = nad;
    out[1] = pcb;
    out[2] = (uint8_t)len;
    if (len)
        memmove(out + T1_HDR_LEN, inf, len);
    uint16_t crc = t1_crc16(out, T1_HDR_LEN + len);
    out[T1_HDR_LEN + len] = (uint8_t)(crc & 0xFF); /* low byte first (UM11225) */
    out[T1_HDR_LEN + len + 1] = (uint8_t)(crc >> 8);
    return T1_HDR_LEN + len + T1_CRC_LEN;
}

static inline uint8_t t1_pcb_i(uint8_t ns, bool more)
{
    return (uint8_t)((ns ? T1_PCB_I_NS : 0) | (more ? T1_PCB_I_MORE : 0));
}
static inline uint8_t t1_pcb_r(uint8_t nr, uint8_t err)
{
    return (uint8_t)(T1_PCB_R | (nr ? T1_PCB_R_NR : 0) | (err & 3));
}
static inline uint8_t t1_pcb_s(uint8_t type, bool response)
{
    return (uint8_t)((response ? T1_PCB_S_RSP : T1_PCB_S_REQ) | (type & 0x1F));
}

/* Classifies a PCB. Returns false for encodings §3 does not define
 * (I-block low bits set, R-block bits 6..5 or reserved bits set). */
static inline bool t1_decode_pcb(uint8_t pcb, struct t1_block *b)
{
    if ((pcb & 0x80) == 0) {
        if (pcb & 0x1F)
            return false;
        b->kind = T1_I;
        b->ns = (pcb & T1_PCB_I_NS) ? 1 : 0;
        b->more = (pcb & T1_PCB_I_MORE) != 0;
        return true;
    }
    if ((pcb & 0xC0) == 0x80) {
        if (pcb & 0x2C) /* bits 5 and 3..2 must be 0: 1 0 0 N(R) 0 0 E E */
            return false;
        b->kind = T1_R;
        b->nr = (pcb & T1_PCB_R_NR) ? 1 : 0;
        b->err = pcb & 3;
        return true;
    }
    b->kind = T1_S;
    b->response = (pcb & 0x20) != 0;
    b->stype = pcb & 0x1F;
    return true;
}

/* Decodes and validates one whole block of exactly n bytes sent with the
 * expected NAD. Hostile input is rejected without reading out of bounds. */
static inline enum t1_parse_rc t1_decode(const uint8_t *buf, size_t n, uint8_t want_nad,
                                         struct t1_block *b)
{
    memset(b, 0, sizeof(*b));
    if (!buf || n < T1_HDR_LEN + T1_CRC_LEN)
        return T1_PARSE_SHORT;
    if (buf[2] > T1_MAX_INF)
        return T1_PARSE_BAD_LEN;
    size_t want = T1_HDR_LEN + (size_t)buf[2] + T1_CRC_LEN;
    if (n < want)
        return T1_PARSE_SHORT;
    if (n > want)
        return T1_PARSE_LONG;
    uint16_t crc = t1_crc16(buf, want - T1_CRC_LEN);
    if (buf[want - 2] != (uint8_t)(crc & 0xFF) || buf[want - 1] != (uint8_t)(crc >> 8))
        return T1_PARSE_BAD_CRC;
    if (buf[0] != want_nad)
        return T1_PARSE_BAD_NAD;
    b->nad = buf[0];
    b->pcb = buf[1];
    b->len = buf[2];
    b->inf = buf + T1_HDR_LEN;
    if (!t1_decode_pcb(buf[1], b))
        return T1_PARSE_BAD_PCB;
    return T1_PARSE_OK;
}

static inline const char *t1_parse_str(enum t1_parse_rc rc)
{
    switch (rc) {
    case T1_PARSE_OK: return "ok";
    case T1_PARSE_SHORT: return "short block";
    case T1_PARSE_LONG: return "block longer than its LEN";
    case T1_PARSE_BAD_LEN: return "LEN above 254";
    case T1_PARSE_BAD_NAD: return "wrong NAD";
    case T1_PARSE_BAD_CRC: return "CRC error";
    case T1_PARSE_BAD_PCB: return "undefined PCB";
    }
    return "?";
}

#endif
