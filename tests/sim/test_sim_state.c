/* SPDX-License-Identifier: Apache-2.0 */
/* The state file loader against hostile content: random corruption is
 * refused by the checksum, and content with a valid checksum but a mangled
 * structure (lengths, counts, order) is refused by the parser, never
 * crashes and never loads half. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "sim_test_util.h"
#include "tlv.h"

static size_t load(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static void save(const char *path, const uint8_t *buf, size_t n, bool fix_checksum)
{
    uint8_t tmp[70000];
    memcpy(tmp, buf, n);
    if (fix_checksum && n >= 48) {
        put_be32(tmp + 12, (uint32_t)(n - 48));
        unsigned ml;
        EVP_Digest(tmp, n - 32, tmp + n - 32, &ml, EVP_sha256(), NULL);
    }
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(tmp, 1, n, f), n);
    fclose(f);
}

static uint32_t rng = 99;
static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void test_state_fuzz(void **st)
{
    (void)st;
    char *dir = tu_tmpdir();
    struct sim_card *c = tu_open_selected(dir, NULL);
    uint8_t r[512];
    size_t rl;
    assert_int_equal(tu_apdu(c, "80 01 06 00 0E 41 04 7F 00 00 01 43 02 00 04 44 02 01 02", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 61 00 09 41 04 7F 00 00 40 42 01 40", r, &rl), 0x9000);
    sim_card_close(c);
    char path[512];
    snprintf(path, sizeof path, "%s/state", dir);
    static uint8_t orig[70000], mut[70000];
    size_t n = load(path, orig, sizeof orig);
    assert_true(n > 100);
    int loaded = 0, refused = 0;
    for (int it = 0; it < 400; it++) {
        size_t m = n;
        memcpy(mut, orig, n);
        bool fix = next() % 4 != 0;
        switch (next() % 3) {
        case 0: /* flip a few bytes of the body */
            for (int k = 0; k < 1 + (int)(next() % 3); k++)
                mut[16 + next() % (n - 48)] = (uint8_t)next();
            break;
        case 1: /* truncate or extend the body */
            m = 48 + next() % (n - 48 + 64);
            if (m > n)
                memset(mut + n - 32, (int)next(), m - n + 32);
            break;
        default: /* large length / count fields */
            put_be32(mut + 16 + 8 + 34 + (next() % 3) * 4, next());
            break;
        }
        save(path, mut, m, fix);
        struct sim_card_cfg cfg = {.state_dir = dir};
        struct sim_card *cc = NULL;
        char err[512];
        if (sim_card_open(&cfg, &cc, err, sizeof err) == 0) {
            loaded++;
            /* whatever loaded must be usable */
            assert_int_equal(tu_apdu(cc, "00A4040010A000000396545300000001030000000000", r, &rl), 0x9000);
            tu_apdu(cc, "80 02 00 25 07 41 02 00 00 42 01 FF", r, &rl);
            tu_apdu(cc, "80 02 00 00 06 41 04 7F 00 00 01", r, &rl);
            sim_card_close(cc);
        } else {
            refused++;
            assert_non_null(strstr(err, "corrupted"));
        }
    }
    assert_true(refused > 0);
    /* the original still loads */
    save(path, orig, n, false);
    c = tu_open_selected(dir, NULL);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 01", r, &rl), 0x9000);
    sim_card_close(c);
    tu_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
