/* SPDX-License-Identifier: Apache-2.0 */
/* TLV codec (proto/tlv.c): all three length forms both ways, sticky writer
 * overflow, and a reader that never reads past its buffer whatever the input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tlv.h"

static void writer_forms(void **st)
{
    (void)st;
    uint8_t b[600], v[300];
    struct tlv_w w;
    memset(v, 0x11, sizeof v);
    tlv_w_init(&w, b, sizeof b);
    tlv_put_u32(&w, 0x41, 0x7F000001);
    tlv_put_u8(&w, 0x42, 0x03);
    tlv_put_u16(&w, 0x43, 0x0012);
    tlv_put(&w, 0x44, v, 0x7F);  /* 1-byte length */
    tlv_put(&w, 0x45, v, 0x80);  /* 81 80 */
    tlv_put(&w, 0x46, v, 0x100); /* 82 01 00 */
    tlv_put82(&w, 0x47, v, 1);   /* forced 82 00 01 */
    tlv_put(&w, 0x48, NULL, 0);
    assert_true(tlv_w_ok(&w));
    static const uint8_t head[] = {0x41, 0x04, 0x7F, 0x00, 0x00, 0x01, 0x42, 0x01, 0x03,
                                   0x43, 0x02, 0x00, 0x12, 0x44, 0x7F};
    assert_memory_equal(b, head, sizeof head);
    size_t p = sizeof head + 0x7F;
    assert_int_equal(b[p], 0x45);
    assert_int_equal(b[p + 1], 0x81);
    assert_int_equal(b[p + 2], 0x80);
    p += 3 + 0x80;
    assert_int_equal(b[p], 0x46);
    assert_int_equal(b[p + 1], 0x82);
    assert_int_equal(b[p + 2], 0x01);
    assert_int_equal(b[p + 3], 0x00);
    p += 4 + 0x100;
    static const uint8_t tail[] = {0x47, 0x82, 0x00, 0x01, 0x11, 0x48, 0x00};
    assert_memory_equal(b + p, tail, sizeof tail);
    assert_int_equal(w.len, p + sizeof tail);
}

static void writer_overflow_is_sticky(void **st)
{
    (void)st;
    uint8_t b[8];
    struct tlv_w w;
    tlv_w_init(&w, b, sizeof b);
    tlv_put_u32(&w, 0x41, 1); /* 6 bytes */
    assert_true(tlv_w_ok(&w));
    tlv_put_u16(&w, 0x42, 2); /* needs 4, has 2 */
    assert_false(tlv_w_ok(&w));
    size_t len = w.len;
    tlv_put_u8(&w, 0x43, 3); /* would fit in 2 bytes... but the writer stays failed */
    assert_false(tlv_w_ok(&w));
    assert_int_equal(w.len, len);
    /* exact fit */
    tlv_w_init(&w, b, 6);
    tlv_put_u32(&w, 0x41, 1);
    assert_true(tlv_w_ok(&w));
    assert_int_equal(w.len, 6);
    /* over 65535 cannot be encoded */
    uint8_t *big = calloc(1, 70000);
    uint8_t *dst = malloc(70010);
    tlv_w_init(&w, dst, 70010);
    tlv_put(&w, 0x41, big, 65536);
    assert_false(tlv_w_ok(&w));
    tlv_w_init(&w, dst, 70010);
    tlv_put(&w, 0x41, big, 65535);
    assert_true(tlv_w_ok(&w));
    tlv_put_len82(&w, 70000);
    assert_false(tlv_w_ok(&w));
    free(big);
    free(dst);
    /* zero-capacity writer */
    tlv_w_init(&w, NULL, 0);
    tlv_put_raw(&w, NULL, 0);
    assert_true(tlv_w_ok(&w));
    tlv_put_u8(&w, 0x41, 1);
    assert_false(tlv_w_ok(&w));
}

static void reader_all_forms(void **st)
{
    (void)st;
    static const uint8_t in[] = {0x41, 0x01, 0x02,             /* short */
                                 0x42, 0x81, 0x02, 0xAA, 0xBB, /* 81 */
                                 0x43, 0x82, 0x00, 0x01, 0xCC, /* 82 (the SE's form) */
                                 0x44, 0x04, 0x7F, 0xFF, 0x02, 0x06,
                                 0x45, 0x02, 0x12, 0x34};
    struct tlv_r r;
    const uint8_t *v;
    size_t n;
    uint8_t tag, u8;
    uint16_t u16;
    uint32_t u32;
    tlv_r_init(&r, in, sizeof in);
    assert_true(tlv_get_u8(&r, 0x41, &u8));
    assert_int_equal(u8, 2);
    assert_true(tlv_get(&r, 0x42, &v, &n));
    assert_int_equal(n, 2);
    assert_int_equal(v[1], 0xBB);
    /* optional tag absent: no advance */
    assert_true(tlv_get_opt(&r, 0x50, &v, &n));
    assert_null(v);
    assert_int_equal(n, 0);
    assert_true(tlv_get_opt(&r, 0x43, &v, &n));
    assert_int_equal(n, 1);
    assert_int_equal(v[0], 0xCC);
    /* wrong size for the integer getter: cursor unchanged */
    size_t pos = r.pos;
    assert_false(tlv_get_u16(&r, 0x44, &u16));
    assert_int_equal(r.pos, pos);
    assert_true(tlv_get_u32(&r, 0x44, &u32));
    assert_int_equal(u32, 0x7FFF0206);
    assert_false(tlv_get(&r, 0x46, &v, &n)); /* wrong tag */
    assert_int_equal(r.pos, sizeof in - 4);
    assert_true(tlv_next(&r, &tag, &v, &n));
    assert_int_equal(tag, 0x45);
    assert_int_equal(be16(v), 0x1234);
    assert_int_equal(tlv_r_left(&r), 0);
    assert_false(tlv_next(&r, &tag, &v, &n));
    /* order-independent lookup */
    assert_true(tlv_find(in, sizeof in, 0x44, &v, &n));
    assert_int_equal(n, 4);
    assert_false(tlv_find(in, sizeof in, 0x99, &v, &n));
}

/* Every malformed input is refused without reading past the end. The
 * inputs are copied to exact-size heap buffers so ASan sees any overread. */
static void reader_hostile(void **st)
{
    (void)st;
    static const struct {
        uint8_t b[8];
        size_t n;
    } bad[] = {
        {{0x41}, 1},                          /* tag only */
        {{0x41, 0x02, 0x00}, 3},              /* value past end */
        {{0x41, 0x81}, 2},                    /* 81 without length byte */
        {{0x41, 0x81, 0x05, 0x00}, 4},        /* 81 form past end */
        {{0x41, 0x82, 0x00}, 3},              /* 82 truncated */
        {{0x41, 0x82, 0xFF, 0xFF, 0x00}, 5},  /* 82 past end */
        {{0x41, 0x83, 0x00, 0x00, 0x01, 0x00}, 6}, /* 83 form: not used by the applet */
        {{0x41, 0x80}, 2},                    /* indefinite form */
        {{0x41, 0x84, 0, 0, 0, 0}, 6},
        {{0x41, 0xFF, 0x00}, 3},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t *b = malloc(bad[i].n);
        memcpy(b, bad[i].b, bad[i].n);
        struct tlv_r r;
        const uint8_t *v = (const uint8_t *)1;
        size_t n = 77;
        uint8_t tag, u8;
        tlv_r_init(&r, b, bad[i].n);
        assert_false(tlv_next(&r, &tag, &v, &n));
        assert_int_equal(r.pos, 0);
        assert_false(tlv_get(&r, 0x41, &v, &n));
        assert_false(tlv_get_u8(&r, 0x41, &u8));
        assert_false(tlv_find(b, bad[i].n, 0x41, &v, &n));
        free(b);
    }
    /* empty and NULL buffers */
    struct tlv_r r;
    const uint8_t *v;
    size_t n;
    tlv_r_init(&r, NULL, 10);
    assert_int_equal(tlv_r_left(&r), 0);
    assert_false(tlv_next(&r, NULL, &v, &n));
    assert_true(tlv_get_opt(&r, 0x41, &v, &n));
    assert_null(v);
    /* a good TLV followed by a truncated one: first ok, then refused */
    uint8_t *b = malloc(5);
    memcpy(b, "\x41\x01\x07\x42\x05", 5);
    tlv_r_init(&r, b, 5);
    assert_true(tlv_next(&r, NULL, NULL, NULL));
    assert_false(tlv_next(&r, NULL, &v, &n));
    assert_int_equal(r.pos, 3);
    free(b);
}

/* Random bytes never make the reader misbehave (ASan/UBSan catch overreads). */
static void reader_fuzz(void **st)
{
    (void)st;
    unsigned seed = 12345;
    for (int it = 0; it < 20000; it++) {
        size_t n = (size_t)(rand_r(&seed) % 12);
        uint8_t *b = malloc(n ? n : 1);
        for (size_t i = 0; i < n; i++) {
            int k = rand_r(&seed) % 8;
            b[i] = k == 0 ? 0x81 : k == 1 ? 0x82 : (uint8_t)rand_r(&seed);
        }
        struct tlv_r r;
        uint8_t tag;
        const uint8_t *v;
        size_t vl;
        tlv_r_init(&r, b, n);
        while (tlv_next(&r, &tag, &v, &vl)) {
            assert_true(v >= b && v + vl <= b + n);
        }
        assert_true(r.pos <= n);
        free(b);
    }
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(writer_forms),
        cmocka_unit_test(writer_overflow_is_sticky),
        cmocka_unit_test(reader_all_forms),
        cmocka_unit_test(reader_hostile),
        cmocka_unit_test(reader_fuzz),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
