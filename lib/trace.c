/* SPDX-License-Identifier: Apache-2.0 */
/* APDU tracing at TRACE level with key material redacted (docs/lib.md).
 * Redacted: private key components in WriteECKey/WriteRSAKey/WriteSymmKey,
 * UserID values, and the answers of RSADecrypt, ECDH, GetRandom, HKDF, PBKDF
 * and cipher operations. Session-wrapped APDUs (ProcessSessionCmd) are
 * looked into; SCP03-encrypted data (CLA 84) is ciphertext and logged as is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session_priv.h"
#include "se05x_proto.h"
#include "tlv.h"

struct spans {
    struct se05x_span *sp;
    size_t n, max;
};

static void add(struct spans *s, size_t off, size_t len)
{
    if (len == 0)
        return;
    if (s->n < s->max) {
        s->sp[s->n].off = off;
        s->sp[s->n].len = len;
        s->n++;
    } else if (s->n > 0) {
        /* out of slots: widen the last span to the end of this one (over-redact) */
        struct se05x_span *l = &s->sp[s->n - 1];
        if (off + len > l->off + l->len)
            l->len = off + len - l->off;
    }
}

/* Locates the data field of a C-APDU encoded per docs/protocol/apdu.md §3.3 (any ISO case). */
static void capdu_data(const uint8_t *c, size_t clen, size_t *off, size_t *len)
{
    *off = 0;
    *len = 0;
    if (clen <= 5)
        return; /* case 1 / case 2 short */
    if (c[4] != 0) {
        *off = 5;
        *len = c[4];
    } else if (clen > 7) {
        *off = 7;
        *len = ((size_t)c[5] << 8) | c[6];
    } else {
        return; /* case 2 extended */
    }
    if (*len > clen - *off)
        *len = clen - *off;
}

/* Secret-bearing tags of a WRITE command, by P1 object type. */
static const char *secret_tags(uint8_t p1)
{
    switch (p1 & SE05X_P1_TYPE_MASK) {
    case SE05X_P1_EC: return "\x43";
    case SE05X_P1_RSA: return "\x43\x44\x45\x46\x47\x49";
    case SE05X_P1_AES:
    case SE05X_P1_DES:
    case SE05X_P1_HMAC: return "\x43";
    case SE05X_P1_UserID: return "\x42";
    default: return NULL;
    }
}

/* Redacts values of TLVs in d[0..n) whose tag is in `tags` (NULL = all);
 * an unparsable tail is redacted whole. base = offset of d in the APDU. */
static void redact_tlvs(struct spans *s, const uint8_t *d, size_t n, size_t base, const char *tags)
{
    struct tlv_r r;
    uint8_t tag;
    const uint8_t *v;
    size_t vl;
    tlv_r_init(&r, d, n);
    while (tlv_r_left(&r) > 0) {
        size_t at = r.pos;
        if (!tlv_next(&r, &tag, &v, &vl)) {
            add(s, base + at, n - at);
            return;
        }
        if (!tags || (tag && strchr(tags, tag)))
            add(s, base + (size_t)(v - d), vl);
    }
}

static void redact_c(struct spans *s, const uint8_t *c, size_t clen, size_t base, int depth)
{
    size_t off, len;
    if (clen < 4)
        return;
    capdu_data(c, clen, &off, &len);
    if (len == 0 || (c[0] & 0x04)) /* nothing, or SCP03 ciphertext */
        return;
    const uint8_t *d = c + off;
    uint8_t ins = c[1] & SE05X_INS_MASK;
    if (ins == SE05X_INS_WRITE) {
        const char *tags = secret_tags(c[2]);
        if (tags)
            redact_tlvs(s, d, len, base + off, tags);
    } else if (ins == SE05X_INS_PROCESS && depth == 0) {
        const uint8_t *inner;
        size_t il;
        if (tlv_find(d, len, SE05X_TAG_1, &inner, &il))
            redact_c(s, inner, il, base + off + (size_t)(inner - d), 1);
    }
}

size_t se05x_redact_capdu(const uint8_t *c, size_t clen, struct se05x_span *sp, size_t max)
{
    struct spans s = {sp, 0, max};
    if (c)
        redact_c(&s, c, clen, 0, 0);
    return s.n;
}

/* Does the answer to this command carry secrets? (inner command for 80 05) */
static int secret_answer(const uint8_t *c, size_t clen, int depth)
{
    if (clen < 4)
        return 0;
    uint8_t ins = c[1] & SE05X_INS_MASK, p1 = c[2], p2 = c[3];
    if (ins == SE05X_INS_CRYPTO) {
        if (p1 == SE05X_P1_RSA && p2 == SE05X_P2_DECRYPT_ONESHOT)
            return 1; /* RSADecrypt: plaintext */
        if (p1 == SE05X_P1_EC && (p2 == SE05X_P2_DH || p2 == 0x59))
            return 1; /* ECDH shared secret */
        if (p1 == SE05X_P1_CIPHER)
            return 1; /* cipher output (plaintext when decrypting) */
        if (p2 == 0x2D || p2 == 0x2E || p2 == 0x2F)
            return 1; /* HKDF / PBKDF derived keys */
    }
    if (ins == SE05X_INS_MGMT && p2 == SE05X_P2_RANDOM)
        return 1;
    if (ins == SE05X_INS_PROCESS && depth == 0) {
        size_t off, len;
        const uint8_t *inner;
        size_t il;
        capdu_data(c, clen, &off, &len);
        if (len && tlv_find(c + off, len, SE05X_TAG_1, &inner, &il))
            return secret_answer(inner, il, 1);
    }
    return 0;
}

size_t se05x_redact_rapdu(const uint8_t *c, size_t clen, const uint8_t *r, size_t rlen,
                          struct se05x_span *sp, size_t max)
{
    struct spans s = {sp, 0, max};
    if (!c || !r || rlen <= 2 || !secret_answer(c, clen, 0))
        return 0;
    redact_tlvs(&s, r, rlen - 2, 0, NULL);
    return s.n;
}

void se05x_hex_redacted(char *out, size_t cap, const char *label, const uint8_t *d, size_t n,
                        const struct se05x_span *sp, size_t nsp)
{
    static const char hx[] = "0123456789ABCDEF";
    if (!out || cap == 0)
        return;
    int h = snprintf(out, cap, "%s (%zu):", label ? label : "data", n);
    if (h < 0 || (size_t)h >= cap)
        return;
    size_t pos = (size_t)h;
    for (size_t i = 0; i < n && d;) {
        char tmp[48];
        size_t tl, skip = 1;
        const struct se05x_span *hit = NULL;
        for (size_t k = 0; k < nsp; k++)
            if (sp[k].off == i && sp[k].len > 0) {
                hit = &sp[k];
                break;
            }
        if (hit) {
            skip = hit->len < n - i ? hit->len : n - i;
            tl = (size_t)snprintf(tmp, sizeof tmp, " <redacted %zu bytes>", skip);
        } else {
            tmp[0] = ' ';
            tmp[1] = hx[d[i] >> 4];
            tmp[2] = hx[d[i] & 15];
            tl = 3;
        }
        if (pos + tl + 5 > cap) {
            if (pos + 5 <= cap) {
                memcpy(out + pos, " ...", 4);
                pos += 4;
            }
            break;
        }
        memcpy(out + pos, tmp, tl);
        pos += tl;
        i += skip;
    }
    out[pos < cap ? pos : cap - 1] = '\0';
}

void se05x_trace_apdu(const char *conn, const uint8_t *c, size_t clen, const uint8_t *r,
                      size_t rlen)
{
    if (!se05x_log_enabled(SE05X_LOG_TRACE))
        return;
    struct se05x_span sp[SE05X_MAX_SPANS];
    size_t cap = 3 * (clen > rlen ? clen : rlen) + 256;
    char *buf = malloc(cap);
    if (!buf)
        return;
    size_t n = se05x_redact_capdu(c, clen, sp, SE05X_MAX_SPANS);
    se05x_hex_redacted(buf, cap, "C-APDU", c, clen, sp, n);
    se05x_log(SE05X_LOG_TRACE, "apdu", "%s %s", conn ? conn : "", buf);
    if (r) {
        n = se05x_redact_rapdu(c, clen, r, rlen, sp, SE05X_MAX_SPANS);
        se05x_hex_redacted(buf, cap, "R-APDU", r, rlen, sp, n);
        se05x_log(SE05X_LOG_TRACE, "apdu", "%s %s", conn ? conn : "", buf);
    }
    free(buf);
}
