/* SPDX-License-Identifier: Apache-2.0 */
/* Emulator T=1 options: timing spec parser and classifier (sim/timing.c),
 * fault injection determinism and rate (sim/faults.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "faults.h"
#include "timing.h"

static void test_timing_parse(void **st)
{
    (void)st;
    struct sim_timing t;
    char err[160];
    assert_int_equal(sim_timing_parse(NULL, &t, err, sizeof(err)), 0);
    assert_int_equal(t.bwt_ms, 1000);
    assert_int_equal(sim_timing_parse("none", &t, err, sizeof(err)), 0);
    assert_int_equal(sim_timing_parse("bwt=200, ECDSASign=50,RSAGen=2500 ,default=3,03.0c.0a=7", &t,
                                      err, sizeof(err)),
                     0);
    assert_int_equal(t.bwt_ms, 200);
    static const uint8_t sign[] = {0x80, 0x03, 0x0C, 0x09, 0x05, 1, 2, 3, 4, 5};
    static const uint8_t verify[] = {0x80, 0x03, 0x0C, 0x0A, 0x00};
    static const uint8_t rsagen[] = {0x80, 0x01, 0x62, 0x00, 0x0A, 0x41, 0x04, 0, 0, 0, 1, 0x42, 0x02, 0x08, 0x00};
    static const uint8_t random[] = {0x80, 0x04, 0x00, 0x49, 0x04, 0x41, 0x02, 0x00, 0x20};
    assert_int_equal(sim_timing_latency(&t, sign, sizeof(sign)), 50);
    assert_int_equal(sim_timing_latency(&t, verify, sizeof(verify)), 7); /* raw entry wins */
    assert_int_equal(sim_timing_latency(&t, rsagen, sizeof(rsagen)), 2500);
    assert_int_equal(sim_timing_latency(&t, random, sizeof(random)), 3);
    assert_string_equal(sim_timing_class_name(sign, sizeof(sign)), "ECDSASign");
    /* errors: one line each */
    const char *bad[] = {"bwt=0", "bwt=20000", "Frobnicate=3", "ECDSASign", "ECDSASign=x",
                         "ECDSASign=-1", "@/nonexistent/file"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = 0;
        assert_int_not_equal(sim_timing_parse(bad[i], &t, err, sizeof(err)), 0);
        assert_true(strlen(err) > 0 && !strchr(err, '\n'));
    }
    /* from a file */
    char path[] = "/tmp/se05x-timing.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# slow chip\nbwt=300\nECDSASign=120\n\n", f);
    fclose(f);
    char spec[64];
    snprintf(spec, sizeof(spec), "@%s", path);
    assert_int_equal(sim_timing_parse(spec, &t, err, sizeof(err)), 0);
    remove(path);
    assert_int_equal(t.bwt_ms, 300);
    assert_int_equal(sim_timing_latency(&t, sign, sizeof(sign)), 120);
}

static void test_faults(void **st)
{
    (void)st;
    struct sim_faults a, b, z;
    sim_faults_init(&a, 0.02, 42);
    sim_faults_init(&b, 0.02, 42);
    sim_faults_init(&z, 0, 42);
    unsigned n = 0;
    for (int i = 0; i < 100000; i++) {
        enum sim_fault x = sim_faults_pick(&a);
        assert_int_equal(x, sim_faults_pick(&b)); /* same seed, same faults */
        assert_int_equal(sim_faults_pick(&z), SIM_FAULT_NONE);
        n += x != SIM_FAULT_NONE;
    }
    assert_true(n > 1700 && n < 2300); /* 2 % of 100000 */
    for (int k = 1; k <= 3; k++)
        assert_true(a.count[k] > 500);
    /* apply: corrupt flips exactly one bit, truncate keeps a proper prefix, drop empties */
    uint8_t buf[8] = {1, 2, 3, 4, 5, 6, 7, 8}, orig[8];
    memcpy(orig, buf, 8);
    size_t len = 8;
    sim_faults_apply(&a, SIM_FAULT_CORRUPT, buf, &len);
    int bits = 0;
    for (int i = 0; i < 8; i++)
        bits += __builtin_popcount(buf[i] ^ orig[i]);
    assert_int_equal(bits, 1);
    assert_int_equal(len, 8);
    sim_faults_apply(&a, SIM_FAULT_TRUNCATE, buf, &len);
    assert_true(len >= 1 && len < 8);
    sim_faults_apply(&a, SIM_FAULT_DROP, buf, &len);
    assert_int_equal(len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timing_parse),
        cmocka_unit_test(test_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
