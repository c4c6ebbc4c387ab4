/* SPDX-License-Identifier: Apache-2.0 */
/* Parsers of attest.c (docs/protocol/attestation.md), exposed for the unit
 * tests in tests/attest/. Internal. Each returns true, or false with a one-line
 * reason in why[whylen]. Nothing here trusts a length it did not check. */
#ifndef SE05X_ATTEST_PRIV_H
#define SE05X_ATTEST_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <se05x/se05x.h>
#include <se05x/attest.h>

/* An attested ReadObject as the host sent it: 80 22 00 P2 00 HH LL data
 * (header, extended Lc, TLVs; no Le), docs/protocol/attestation.md §2. */
struct se05x_att_cmd {
    uint8_t p2;
    se05x_objid id, key_id;
    uint8_t algo;
    int comp;                 /* RSA component (TAG 44), -1 when absent */
    const uint8_t *nonce;     /* TAG 47, 1..16 bytes */
    size_t nonce_len;
};
bool se05x_att_parse_cmd(const uint8_t *c, size_t n, struct se05x_att_cmd *out, char *why, size_t whylen);

/* The chip's answer (response data, no SW), either layout. Pointers into r. */
struct se05x_att_rsp {
    const uint8_t *data;      /* TAG 41, NULL when absent */
    size_t data_len;
    const uint8_t *attr;
    size_t attr_len;
    const uint8_t *ts;        /* 12 bytes */
    const uint8_t *fresh;     /* 3.x: the freshness echoed; V2: NULL */
    size_t fresh_len;
    const uint8_t *chip_id;   /* 18 bytes */
    const uint8_t *sig;
    size_t sig_len;
    bool has_size;            /* V2: TAG 44 object size */
    uint16_t size;
    size_t signed_len;        /* V2: bytes r[0..signed_len) = TLVs 41..4F as sent */
};
bool se05x_att_parse_rsp(const uint8_t *r, size_t n, se05x_attest_layout layout, struct se05x_att_rsp *out,
                         char *why, size_t whylen);

/* Object attributes (docs/protocol/attestation.md §4) into the fields of out:
 * id, type, kind, part, curve, auth_object, failed/max attempts, owner,
 * policy, policy_raw/len, origin, has_version/version. */
bool se05x_att_parse_attrs(const uint8_t *a, size_t n, se05x_attest_layout layout, struct se05x_attestation *out,
                           char *why, size_t whylen);

/* The binary record inside the "SE05X ATTESTATION" PEM block:
 *   "SE5A" 01 | major minor patch | object id (4) | count (1, 1..2) |
 *   count x { u16 command length, command, u16 answer length, answer }. */
#define SE05X_ATT_MAX_PARTS 2
struct se05x_att_record {
    uint8_t major, minor, patch;
    se05x_objid id;
    size_t nparts;
    struct {
        const uint8_t *cmd;
        size_t cmd_len;
        const uint8_t *rsp;
        size_t rsp_len;
    } part[SE05X_ATT_MAX_PARTS];
};
bool se05x_att_record_decode(const uint8_t *b, size_t n, struct se05x_att_record *out, char *why, size_t whylen);
/* Encodes into buf (cap); returns the length, 0 when it does not fit. */
size_t se05x_att_record_encode(const struct se05x_att_record *r, uint8_t *buf, size_t cap);

/* Layout of an applet major version: 7 and later V2, before 3.x. */
se05x_attest_layout se05x_att_layout(uint8_t major);

#endif
