/* SPDX-License-Identifier: Apache-2.0 */
/* ISO 7816-4 parsing of the emulator and a deterministic fuzz of the whole
 * card with random, truncated and mutated APDUs: it must answer every one
 * with a status word and never crash (run under ASan in CI). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apdu_parse.h"
#include "sim_test_util.h"

static void test_cases(void **st)
{
    (void)st;
    struct sim_apdu a;
    uint8_t b[300];
    size_t n;
    static const struct {
        const char *hex;
        size_t lc;
        bool has_le;
        uint32_t le; /* checked when has_le */
        bool extended;
    } good[] = {
        {"80 04 00 20", 0, false, 0, false},
        {"80 04 00 20 00", 0, true, 256, false},
        {"80 04 00 27 06 41 04 7F 00 00 01", 6, false, 0, false},
        {"80 04 00 27 06 41 04 7F 00 00 01 07", 6, true, 7, false},
        {"80 02 00 00 00 00 06 41 04 7F 00 00 01 00 00", 6, true, 65536, true},
        {"80 02 00 00 00 00 06 41 04 7F 00 00 01", 6, false, 0, true},
        {"80 04 00 2A 00 00 00", 0, true, 65536, true},
        {"80 04 00 2A 00 01 00", 0, true, 256, true},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        n = test_hex(good[i].hex, b, sizeof b);
        uint16_t sw = sim_apdu_parse(b, n, &a);
        if (sw != 0x9000 || a.lc != good[i].lc || a.has_le != good[i].has_le ||
            (a.has_le && a.le != good[i].le) || a.extended != good[i].extended)
            fail_msg("%s: SW %04X, lc %zu, has_le %d, le %u, extended %d", good[i].hex, sw, a.lc, a.has_le,
                     (unsigned)a.le, a.extended);
    }
    /* wrong lengths */
    const char *bad[] = {"", "80", "80 04 00", "80 04 00 27 06 41 04", "80 04 00 27 02 41 04 7F 00",
                         "80 04 00 27 00 41", "80 04 00 27 00 00 06 41 04 7F 00 00",
                         "80 04 00 27 00 00 06 41 04 7F 00 00 01 00",
                         "80 04 00 27 00 00 00 41", "80 04 00 27 00 00 00 00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        n = test_hex(bad[i], b, sizeof b);
        uint16_t sw = sim_apdu_parse(n ? b : NULL, n, &a);
        if (sw != 0x6700)
            fail_msg("\"%s\": SW %04X, want 6700", bad[i], sw);
    }
}

static uint32_t rng = 0x12345678u;
static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* Valid-looking commands the mutator starts from. */
static const char *seeds[] = {
    "80 01 61 00 09 41 04 7F 00 00 01 42 01 03",
    "80 01 61 00 14 11 09 08 00 00 00 00 18 24 00 00 41 04 7F 00 00 01 42 01 03",
    "80 01 61 00 09 41 04 7F 00 00 40 42 01 40",
    "80 01 0B 04 03 41 01 03",
    "80 01 0B 40 0A 41 01 03 42 01 01 43 02 12 34",
    "80 02 00 00 00 00 0A 41 04 7F FF 02 06 43 02 00 12 00 00",
    "80 02 00 00 0E 41 04 7F FF 02 06 42 02 00 00 43 02 00 12 00",
    "80 02 00 25 00 00 07 41 02 00 00 42 01 FF 00 00",
    "80 02 0B 25 00",
    "80 02 00 3B 06 41 04 F0 00 00 12",
    "80 03 0C 09 2B 41 04 7F 00 00 40 42 01 A3 43 20 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
    "80 03 01 0F 00 00 28 41 04 7F 00 00 41 42 20 09 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
    "80 01 06 00 0F 41 04 7F 00 00 50 43 02 00 10 44 03 01 02 03",
    "80 01 62 00 0E 41 04 7F 00 00 60 42 02 02 00 48 03 01 00 01",
    "80 01 02 00 0B 41 04 7F 00 00 60 4A 03 01 02 03",
    "80 01 08 00 0A 41 04 7F 00 00 30 42 02 00 02",
    "80 04 00 22 03 41 01 01",
    "80 04 00 49 00 00 04 41 02 00 08 00 00",
    "80 04 00 28 06 41 04 7F 00 00 01",
    "80 03 02 37 0A 41 04 7F 00 00 60 42 01 0C 43 00",
    "00 A4 04 00 10 A0 00 00 03 96 54 53 00 00 00 01 03 00 00 00 00 00",
    "80 41 07 00 0C 41 04 7D A0 00 01 42 04 01 02 03 04",
    "80 04 00 1B 06 41 04 7D A0 00 01",
    "80 05 00 00 17 10 08 00 00 00 00 00 00 00 00 41 0B 80 04 00 27 06 41 04 7F 00 00 01",
    "80 05 00 00 18 10 08 00 00 00 00 00 00 00 00 41 0C 80 04 00 2C 06 41 04 01 02 03 04 00",
    "80 22 00 00 00 00 21 41 04 7F FF 02 06 45 04 F0 00 00 12 46 01 21 47 10 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
    "80 22 00 3B 00 00 21 41 04 7F FF 02 06 45 04 F0 00 00 12 46 01 21 47 10 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
    "80 CA 00 FE 02 DF 28 00",
    "80 50 0B 00 08 01 02 03 04 05 06 07 08",
    "84 82 33 00 10 B9 D8 A7 81 FB 85 6F 2A 56 ED 9F 8A 84 11 B6 15",
    "84 04 00 27 18 C7 FD D7 8E 44 4E 91 1B C9 3B 77 C8 B6 42 7C 6D 5D 13 16 41 8C A8 65 11",
    "80 41 03 00 1A 41 04 7D A0 00 02 43 10 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 00 00",
    "80 04 00 3E 06 41 01 01 42 01 01",
    "80 01 09 00 0B 41 04 7F 00 00 90 43 03 61 62 63",
    "80 01 10 00 0A 41 02 00 01 42 01 01 43 01 04",
    "80 01 10 00 0A 41 02 00 02 42 01 02 43 01 0D",
    "80 01 10 00 0A 41 02 00 03 42 01 03 43 01 19",
    "80 03 00 0B 04 42 02 00 01",
    "80 03 00 0C 09 42 02 00 01 43 03 61 62 63",
    "80 03 00 0D 04 42 02 00 01",
    "80 01 05 00 0B 41 04 7F 00 00 B0 43 03 01 02 03",
    "80 03 0D 03 0A 41 04 7F 00 00 B0 42 02 00 03",
    "80 03 0D 0D 09 41 03 61 62 63 42 02 00 03",
    "80 03 0D 45 0E 41 04 7F 00 00 B0 42 01 19 43 03 61 62 63",
    "80 03 00 2D 10 41 04 7F 00 00 B0 42 01 04 43 01 00 45 02 00 20",
    "80 03 00 2E 11 41 04 7F 00 00 B0 42 01 00 43 02 00 10 44 02 00 20",
    "80 02 00 19 09 41 04 7F 00 00 40 42 01 FF",
    "80 02 10 25 00",
    "00 A4 04 00 00",
};

static unsigned hist[65536];

static void test_fuzz(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    tu_create_curve(c, 0x03, "prime256v1");
    uint8_t seed[300], buf[1200], rsp[4096];
    size_t rl;
    const uint8_t sel[] = {0x00, 0xA4, 0x04, 0x00, 0x10, 0xA0, 0x00, 0x00, 0x03, 0x96, 0x54,
                           0x53, 0x00, 0x00, 0x00, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00};
    for (int it = 0; it < 8000; it++) {
        size_t n;
        uint32_t mode = next() % 5;
        if (mode == 0) { /* pure noise with a plausible header */
            n = next() % 300;
            for (size_t i = 0; i < n; i++)
                buf[i] = (uint8_t)next();
            if (n > 0)
                buf[0] = (next() & 1) ? 0x80 : buf[0];
        } else if (mode == 1) { /* truncated seed */
            const char *sd = seeds[next() % (sizeof seeds / sizeof seeds[0])];
            n = test_hex(sd, buf, sizeof buf);
            n = next() % (n + 1);
        } else { /* seed body mutated, then re-framed with a correct Lc */
            const char *sd = seeds[next() % (sizeof seeds / sizeof seeds[0])];
            size_t sn = test_hex(sd, seed, sizeof seed);
            struct sim_apdu a;
            assert_int_equal(sim_apdu_parse(seed, sn, &a), 0x9000);
            uint8_t body[600];
            size_t bl = a.lc;
            if (bl)
                memcpy(body, a.data, bl);
            int k = 1 + (int)(next() % 4);
            for (int j = 0; j < k; j++) {
                uint32_t op = next() % 5;
                if (op == 0 && bl) /* random byte */
                    body[next() % bl] = (uint8_t)next();
                else if (op == 1 && bl) /* length byte into another form */
                    body[next() % bl] = (uint8_t)(0x7F + next() % 5);
                else if (op == 2 && bl) /* cut the body */
                    bl = next() % bl;
                else if (op == 3 && bl + 40 < sizeof body) { /* append a random TLV */
                    uint8_t len = (uint8_t)(next() % 36);
                    body[bl++] = (uint8_t)(0x40 + next() % 16);
                    body[bl++] = len;
                    for (uint8_t q = 0; q < len; q++)
                        body[bl++] = (uint8_t)next();
                } else if (bl) { /* grow or shrink one TLV value length by one */
                    size_t pos = next() % bl;
                    body[pos] = (uint8_t)(body[pos] + ((next() & 1) ? 1 : 0xFF));
                }
            }
            n = 0;
            buf[n++] = seed[0];
            buf[n++] = (next() % 8) ? seed[1] : (uint8_t)next();
            buf[n++] = (next() % 8) ? seed[2] : (uint8_t)next();
            buf[n++] = (next() % 8) ? seed[3] : (uint8_t)next();
            bool ext = bl > 255 || (next() & 1);
            if (bl) {
                if (ext) {
                    buf[n++] = 0;
                    buf[n++] = (uint8_t)(bl >> 8);
                    buf[n++] = (uint8_t)bl;
                } else {
                    buf[n++] = (uint8_t)bl;
                }
                memcpy(buf + n, body, bl);
                n += bl;
            }
            if (next() & 1) { /* Le */
                buf[n++] = 0;
                if (ext || !bl)
                    buf[n++] = 0;
            }
        }
        uint16_t sw = tu_apdu_bin(c, n ? buf : NULL, n, rsp, &rl);
        hist[sw]++;
        assert_true((sw >> 8) >= 0x61 && (sw >> 8) <= 0x90);
        assert_true(rl <= 1000);
        if (it % 50 == 0) /* keep the applet selected most of the time */
            tu_apdu_bin(c, sel, sizeof sel, rsp, &rl);
    }
    /* the mutations must reach the command handlers, not only the framing */
    assert_true(hist[0x6A80] > 500);
    assert_true(hist[0x9000] > 100);
    sim_card_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
