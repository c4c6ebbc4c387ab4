/* SPDX-License-Identifier: Apache-2.0 */
/* T=1 frame codec and CRC (proto/t1_frame.h) against every vector of
 * docs/protocol/t1oi2c.md §5, byte for byte, plus hostile blocks and the ATR
 * parser (lib/t1.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "se05x_proto.h"
#include "t1.h"
#include "t1_frame.h"

static void test_crc_vectors(void **st)
{
    (void)st;
    assert_int_equal(t1_crc16((const uint8_t *)"123456789", 9), 0x906E);
    static const uint8_t v[] = {0x00, 0x30, 0x5F, 0x6F, 0xF2};
    assert_int_equal(t1_crc16(v, sizeof(v)), 0x78A1);
}

struct vec {
    const char *what;
    uint8_t bytes[8];
    size_t n;
};

/* Every short frame of the §5 table. */
static const struct vec vecs[] = {
    {"S(RESYNCH) req", {0x5A, 0xC0, 0x00, 0xFF, 0xFC}, 5},
    {"S(RESYNCH) rsp", {0xA5, 0xE0, 0x00, 0x3F, 0x19}, 5},
    {"S(GET ATR) req", {0x5A, 0xC7, 0x00, 0xF7, 0xB1}, 5},
    {"S(SOFT RESET) req", {0x5A, 0xCF, 0x00, 0x37, 0x7F}, 5},
    {"S(END APDU SESSION) req", {0x5A, 0xC5, 0x00, 0x47, 0x82}, 5},
    {"S(END APDU SESSION) rsp", {0xA5, 0xE5, 0x00, 0x87, 0x67}, 5},
    {"S(CHIP RESET) req", {0x5A, 0xC6, 0x00, 0x2F, 0xA8}, 5},
    {"S(WTX) req", {0xA5, 0xC3, 0x01, 0x01, 0x1B, 0xDD}, 6},
    {"S(WTX) rsp", {0x5A, 0xE3, 0x01, 0x01, 0xF2, 0x1B}, 6},
    {"host R-ACK 0", {0x5A, 0x80, 0x00, 0x99, 0xBA}, 5},
    {"host R-ACK 1", {0x5A, 0x90, 0x00, 0x08, 0x2F}, 5},
    {"host R-NACK crc 0", {0x5A, 0x81, 0x00, 0x41, 0xA3}, 5},
    {"host R-NACK crc 1", {0x5A, 0x91, 0x00, 0xD0, 0x36}, 5},
    {"host R-NACK other 0", {0x5A, 0x82, 0x00, 0x29, 0x89}, 5},
    {"host R-NACK other 1", {0x5A, 0x92, 0x00, 0xB8, 0x1C}, 5},
    {"SE R-ACK 0", {0xA5, 0x80, 0x00, 0x6A, 0x7C}, 5},
    {"SE R-ACK 1", {0xA5, 0x90, 0x00, 0xFB, 0xE9}, 5},
    {"SE R-NACK crc 0", {0xA5, 0x81, 0x00, 0xB2, 0x65}, 5},
    {"SE R-NACK crc 1", {0xA5, 0x91, 0x00, 0x23, 0xF0}, 5},
    {"SE R-NACK other 0", {0xA5, 0x82, 0x00, 0xDA, 0x4F}, 5},
    {"SE R-NACK other 1", {0xA5, 0x92, 0x00, 0x4B, 0xDA}, 5},
};

static void check_roundtrip(const uint8_t *frame, size_t n)
{
    uint8_t out[T1_MAX_BLOCK];
    struct t1_block b;
    assert_int_equal(t1_decode(frame, n, frame[0], &b), T1_PARSE_OK);
    assert_int_equal(b.len, frame[2]);
    size_t m = t1_encode(out, sizeof(out), frame[0], frame[1], b.inf, b.len);
    assert_int_equal(m, n);
    assert_memory_equal(out, frame, n);
}

static void test_spec_frames(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
        print_message("  %s\n", vecs[i].what);
        check_roundtrip(vecs[i].bytes, vecs[i].n);
    }
    /* field decoding */
    struct t1_block b;
    assert_int_equal(t1_decode(vecs[7].bytes, 6, T1_NAD_SE, &b), T1_PARSE_OK);
    assert_int_equal(b.kind, T1_S);
    assert_false(b.response);
    assert_int_equal(b.stype, T1_S_WTX);
    assert_int_equal(b.inf[0], 1);
    assert_int_equal(t1_decode(vecs[20].bytes, 5, T1_NAD_SE, &b), T1_PARSE_OK);
    assert_int_equal(b.kind, T1_R);
    assert_int_equal(b.nr, 1);
    assert_int_equal(b.err, T1_R_OTHER);
    /* PCB builders give the table's values */
    assert_int_equal(t1_pcb_r(0, 0), 0x80);
    assert_int_equal(t1_pcb_r(1, 1), 0x91);
    assert_int_equal(t1_pcb_r(0, 2), 0x82);
    assert_int_equal(t1_pcb_i(0, false), 0x00);
    assert_int_equal(t1_pcb_i(1, false), 0x40);
    assert_int_equal(t1_pcb_i(0, true), 0x20);
    assert_int_equal(t1_pcb_i(1, true), 0x60);
    assert_int_equal(t1_pcb_s(T1_S_SOFT_RESET, false), 0xCF);
    assert_int_equal(t1_pcb_s(T1_S_GET_ATR, true), 0xE7);
}

static void test_atr_frames(void **st)
{
    (void)st;
    uint8_t f[T1_MAX_BLOCK];
    size_t n = t1_encode(f, sizeof(f), T1_NAD_SE, 0xEF, SE05X_ATR_SE050C1, SE05X_ATR_LEN);
    assert_int_equal(n, 40);
    assert_int_equal(f[2], 0x23);
    assert_int_equal(f[38], 0x87);
    assert_int_equal(f[39], 0x77);
    check_roundtrip(f, n);
    n = t1_encode(f, sizeof(f), T1_NAD_SE, 0xE7, SE05X_ATR_SE050C1, SE05X_ATR_LEN);
    assert_int_equal(f[38], 0x2A);
    assert_int_equal(f[39], 0x8D);
    check_roundtrip(f, n);
}

static void test_select_exchange(void **st)
{
    (void)st;
    static const uint8_t host[] = {0x5A, 0x00, 0x16, 0x00, 0xA4, 0x04, 0x00, 0x10, 0xA0,
                                   0x00, 0x00, 0x03, 0x96, 0x54, 0x53, 0x00, 0x00, 0x00,
                                   0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0xA8, 0xC8};
    static const uint8_t se[] = {0xA5, 0x00, 0x09, 0x03, 0x01, 0x00, 0x3F, 0xFF,
                                 0x01, 0x0B, 0x90, 0x00, 0x78, 0x54};
    uint8_t f[T1_MAX_BLOCK];
    size_t n = t1_encode(f, sizeof(f), T1_NAD_HOST, t1_pcb_i(0, false), host + 3, 22);
    assert_int_equal(n, sizeof(host));
    assert_memory_equal(f, host, n);
    struct t1_block b;
    assert_int_equal(t1_decode(se, sizeof(se), T1_NAD_SE, &b), T1_PARSE_OK);
    assert_int_equal(b.kind, T1_I);
    assert_int_equal(b.ns, 0);
    assert_false(b.more);
    assert_int_equal(b.len, 9);
    assert_int_equal(b.inf[7], 0x90);
    check_roundtrip(se, sizeof(se));
}

static void test_hostile_blocks(void **st)
{
    (void)st;
    struct t1_block b;
    uint8_t f[T1_MAX_BLOCK + 8];
    /* short frames of every length below 5, with and without a buffer */
    assert_int_equal(t1_decode(NULL, 0, T1_NAD_SE, &b), T1_PARSE_SHORT);
    static const uint8_t ack[] = {0xA5, 0x80, 0x00, 0x6A, 0x7C};
    for (size_t n = 0; n < 5; n++) {
        uint8_t *p = malloc(n ? n : 1); /* exact-size heap copy: ASan sees any overread */
        memcpy(p, ack, n);
        assert_int_equal(t1_decode(p, n, T1_NAD_SE, &b), T1_PARSE_SHORT);
        free(p);
    }
    /* LEN above 254, even with enough bytes behind it */
    memset(f, 0, sizeof(f));
    f[0] = 0xA5;
    f[2] = 0xFF;
    assert_int_equal(t1_decode(f, 3 + 255 + 2, T1_NAD_SE, &b), T1_PARSE_BAD_LEN);
    /* LEN says more than was received */
    size_t n = t1_encode(f, sizeof(f), T1_NAD_SE, 0x00, (const uint8_t *)"abcdef", 6);
    for (size_t cut = 1; cut < n; cut++) {
        uint8_t *p = malloc(cut);
        memcpy(p, f, cut);
        assert_int_not_equal(t1_decode(p, cut, T1_NAD_SE, &b), T1_PARSE_OK);
        free(p);
    }
    /* trailing garbage */
    assert_int_equal(t1_decode(f, n + 1, T1_NAD_SE, &b), T1_PARSE_LONG);
    /* every single-bit flip is caught */
    for (size_t i = 0; i < n * 8; i++) {
        uint8_t g[16];
        memcpy(g, f, n);
        g[i / 8] ^= (uint8_t)(1u << (i % 8));
        assert_int_not_equal(t1_decode(g, n, T1_NAD_SE, &b), T1_PARSE_OK);
    }
    /* wrong NAD (a host block where an SE block is expected) */
    n = t1_encode(f, sizeof(f), T1_NAD_HOST, 0x80, NULL, 0);
    assert_int_equal(t1_decode(f, n, T1_NAD_SE, &b), T1_PARSE_BAD_NAD);
    /* undefined PCBs with a valid CRC */
    static const uint8_t bad_pcbs[] = {0x01, 0x10, 0x4F, 0x84, 0xA0, 0x88};
    for (size_t i = 0; i < sizeof(bad_pcbs); i++) {
        n = t1_encode(f, sizeof(f), T1_NAD_SE, bad_pcbs[i], NULL, 0);
        assert_int_equal(t1_decode(f, n, T1_NAD_SE, &b), T1_PARSE_BAD_PCB);
    }
    /* encoder refuses out-of-bounds requests */
    uint8_t big[300] = {0};
    assert_int_equal(t1_encode(f, sizeof(f), T1_NAD_HOST, 0, big, 255), 0);
    assert_int_equal(t1_encode(f, 10, T1_NAD_HOST, 0, big, 6), 0);
    assert_int_equal(t1_encode(f, sizeof(f), T1_NAD_HOST, 0, big, 254), T1_MAX_BLOCK);
}

static void test_atr_parse(void **st)
{
    (void)st;
    struct se05x_t1_atr a;
    const char *why = NULL;
    assert_true(se05x_t1_parse_atr(SE05X_ATR_SE050C1, SE05X_ATR_LEN, &a, &why));
    assert_int_equal(a.bwt_ms, 1000);
    assert_int_equal(a.ifsc, 254);
    assert_int_equal(a.mpot_ms, 1);
    assert_int_equal(a.segt_us, 100);
    assert_int_equal(a.plid, 2);
    assert_int_equal(a.max_clk_khz, 1000);
    /* every truncation is rejected without reading past the end */
    for (size_t n = 0; n < 24; n++) {
        uint8_t *p = malloc(n ? n : 1);
        memcpy(p, SE05X_ATR_SE050C1, n);
        assert_false(se05x_t1_parse_atr(p, n, &a, &why));
        assert_non_null(why);
        free(p);
    }
    uint8_t h[SE05X_ATR_LEN];
    /* the SE050C1 ATR with the bytes at pos and pos2 set to val and val2
     * (one-byte changes repeat them): each refused */
    static const struct {
        const char *what;
        size_t pos;
        uint8_t val;
        size_t pos2;
        uint8_t val2;
    } bad[] = {
        {"DLLP length pointing past the end", 6, 200, 6, 200},
        {"PLP length pointing past the end", 12, 0xF0, 12, 0xF0},
        {"BWT 0 ms", 7, 0, 8, 0},
        {"BWT 65535 ms", 7, 0xFF, 8, 0xFF},
        {"IFSC bigger than a 1-byte LEN can carry", 9, 0x10, 9, 0x10},
        {"historical length past the end", 24, 0x40, 24, 0x40},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memcpy(h, SE05X_ATR_SE050C1, sizeof(h));
        h[bad[i].pos] = bad[i].val;
        h[bad[i].pos2] = bad[i].val2;
        if (se05x_t1_parse_atr(h, sizeof(h), &a, &why))
            fail_msg("ATR with %s accepted", bad[i].what);
    }
    /* a smaller BWT is honoured */
    memcpy(h, SE05X_ATR_SE050C1, sizeof(h));
    h[7] = 0;
    h[8] = 100;
    assert_true(se05x_t1_parse_atr(h, sizeof(h), &a, &why));
    assert_int_equal(a.bwt_ms, 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc_vectors),     cmocka_unit_test(test_spec_frames),
        cmocka_unit_test(test_atr_frames),      cmocka_unit_test(test_select_exchange),
        cmocka_unit_test(test_hostile_blocks),  cmocka_unit_test(test_atr_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
