/* SPDX-License-Identifier: Apache-2.0 */
/* APDU trace at TRACE level never shows key material: private key
 * components of WriteECKey/WriteRSAKey/WriteSymmKey, UserID values, and
 * the answers of RSADecrypt, ECDH and GetRandom are replaced by
 * "<redacted n bytes>". The log is captured through SE05X_LOG_FILE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "mock_link.h"
#include "session_priv.h"

static char logf_[256];

static int setup(void **st)
{
    (void)st;
    tmp_path(logf_, sizeof logf_, "trace");
    setenv("SE05X_LOG_FILE", logf_, 1);
    setenv("SE05X_LOG", "trace", 1);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    unlink(logf_);
    return 0;
}

/* Runs one command through a session with the given answer; returns the log. */
static char *run(const char *capdu_data_hex, uint8_t ins, uint8_t p1, uint8_t p2, bool ext,
                 const char *answer)
{
    static uint8_t d[2048];
    size_t n = test_hex(capdu_data_hex, d, sizeof d);
    struct mock_link *m = mock_new();
    se05x_session *s = NULL;
    assert_int_equal(se05x_session_from_link(&m->base, "mock:7", false, &s, NULL), SE05X_OK);
    mock_push(m, answer);
    unlink(logf_);
    struct se05x_apdu a = {0x80, ins, p1, p2, d, n, ext};
    uint8_t r[600];
    size_t rl;
    assert_int_equal(se05x_cmd(s, "cmd", 0, &a, r, sizeof r, &rl), SE05X_OK);
    se05x_close(s);
    return slurp(logf_);
}

#define K32 "AB AB AB AB AB AB AB AB AB AB AB AB AB AB AB AB AB AB AB AB AB AB AB AB AB AB AB AB AB AB AB AB"

static void ec_private_key(void **st)
{
    (void)st;
    char *log = run("41 04 7F 00 00 01 42 01 03 43 20 " K32 " 44 03 04 11 22", 0x01, 0x61, 0x00,
                    false, "90 00");
    assert_null(strstr(log, "AB AB"));
    assert_non_null(strstr(log, "apdu trace: mock:7 C-APDU (53): 80 01 61 00 30 41 04 7F 00 00 01 "
                                "42 01 03 43 20 <redacted 32 bytes> 44 03 04 11 22\n"));
    assert_non_null(strstr(log, "apdu trace: mock:7 R-APDU (2): 90 00\n"));
    char pid[32];
    snprintf(pid, sizeof pid, "se05x[%ld] apdu trace: ", (long)getpid());
    assert_non_null(strstr(log, pid));
    free(log);
    /* transient and 81-form length: still redacted */
    static char hex[2048];
    strcpy(hex, "41 04 7F 00 00 01 43 81 90");
    for (int i = 0; i < 0x90; i++)
        strcat(hex, " AB");
    log = run(hex, 0x81, 0x41, 0x00, false, "90 00");
    assert_null(strstr(log, "AB AB"));
    assert_non_null(strstr(log, "43 81 90 <redacted 144 bytes>"));
    free(log);
}

static void rsa_components(void **st)
{
    (void)st;
    /* p q dp dq qinv e d n: all but e (48) and n (4A) hidden */
    char *log = run("41 04 7F 00 00 02 42 02 04 00 43 02 AB AB 44 02 AB AB 45 02 AB AB 46 02 AB AB "
                    "47 02 AB AB 48 03 01 00 01 49 02 AB AB 4A 02 C1 C2",
                    0x01, 0x62, 0x00, false, "90 00");
    assert_null(strstr(log, "AB AB"));
    assert_non_null(strstr(log, "43 02 <redacted 2 bytes> 44 02 <redacted 2 bytes> 45 02 <redacted 2 bytes> "
                                "46 02 <redacted 2 bytes> 47 02 <redacted 2 bytes> 48 03 01 00 01 "
                                "49 02 <redacted 2 bytes> 4A 02 C1 C2"));
    free(log);
    /* follow-up APDU of a multi-APDU import (P1 = 02) */
    log = run("41 04 7F 00 00 02 44 02 AB AB", 0x01, 0x02, 0x00, false, "90 00");
    assert_null(strstr(log, "AB AB"));
    free(log);
}

static void symmetric_and_userid(void **st)
{
    (void)st;
    const uint8_t p1s[] = {0x03, 0x04, 0x05};
    for (size_t i = 0; i < sizeof p1s; i++) {
        char *log = run("41 04 7F 00 00 03 43 10 AB AB AB AB AB AB AB AB AB AB AB AB AB AB AB AB",
                        0x01, p1s[i], 0x00, false, "90 00");
        assert_null(strstr(log, "AB AB"));
        assert_non_null(strstr(log, "43 10 <redacted 16 bytes>"));
        free(log);
    }
    char *log = run("41 04 7D A0 00 01 42 04 AB AB AB AB", 0x41, 0x07, 0x00, false, "90 00");
    assert_null(strstr(log, "AB AB"));
    free(log);
}

static void secret_answers(void **st)
{
    (void)st;
    /* GetRandom */
    char *log = run("41 02 00 08", 0x04, 0x00, 0x49, true, "41 82 00 08 CD CD CD CD CD CD CD CD 90 00");
    assert_null(strstr(log, "CD CD"));
    assert_non_null(strstr(log, "R-APDU (14): 41 82 00 08 <redacted 8 bytes> 90 00\n"));
    free(log);
    /* RSADecrypt plaintext */
    log = run("41 04 7F 00 00 02 42 01 0C 43 04 11 22 33 44", 0x03, 0x02, 0x38, true,
              "41 04 CD CD CD CD 90 00");
    assert_null(strstr(log, "CD CD"));
    assert_non_null(strstr(log, "43 04 11 22 33 44")); /* ciphertext is not secret */
    free(log);
    /* ECDH shared secret */
    log = run("41 04 7F 00 00 01 42 03 04 01 02", 0x03, 0x01, 0x0F, true, "41 03 CD CD CD 90 00");
    assert_null(strstr(log, "CD CD"));
    free(log);
    /* garbage answer: everything but the SW hidden */
    log = run("41 02 00 08", 0x04, 0x00, 0x49, true, "41 FF CD CD 90 00");
    assert_null(strstr(log, "CD CD"));
    assert_non_null(strstr(log, "R-APDU (6): <redacted 4 bytes> 90 00"));
    free(log);
    /* a signature is public: logged */
    log = run("41 04 7F 00 00 01 42 01 21 43 01 00", 0x03, 0x0C, 0x09, false, "41 02 30 00 90 00");
    assert_non_null(strstr(log, "R-APDU (6): 41 02 30 00 90 00"));
    free(log);
}

static void session_wrapped(void **st)
{
    (void)st;
    /* ProcessSessionCmd around WriteSymmKey */
    char *log = run("10 08 01 02 03 04 05 06 07 08 41 13 80 01 03 00 0E 41 04 7F 00 00 03 43 06 AB AB AB AB AB AB",
                    0x05, 0x00, 0x00, false, "90 00");
    assert_null(strstr(log, "AB AB"));
    assert_non_null(strstr(log, "43 06 <redacted 6 bytes>"));
    free(log);
    /* ... and around GetRandom */
    log = run("10 08 01 02 03 04 05 06 07 08 41 09 80 04 00 49 04 41 02 00 04", 0x05, 0x00, 0x00,
              false, "41 04 CD CD CD CD 90 00");
    assert_null(strstr(log, "CD CD"));
    free(log);
}

static void unparsable_write_is_hidden(void **st)
{
    (void)st;
    char *log = run("41 04 7F 00 00 01 43 FF AB AB AB", 0x01, 0x61, 0x00, false, "90 00");
    assert_null(strstr(log, "AB AB"));
    assert_non_null(strstr(log, "41 04 7F 00 00 01 <redacted 5 bytes>"));
    free(log);
}

static void below_trace_nothing(void **st)
{
    (void)st;
    setenv("SE05X_LOG", "debug", 1);
    char *log = run("41 02 00 08", 0x04, 0x00, 0x49, true, "41 02 CD CD 90 00");
    assert_null(strstr(log, "APDU"));
    free(log);
    setenv("SE05X_LOG", "trace", 1);
}

static void span_helpers(void **st)
{
    (void)st;
    struct se05x_span sp[2];
    uint8_t c[64];
    /* more secret TLVs than slots: the last span widens, nothing leaks */
    size_t n = test_hex("80 01 62 00 0F 43 01 AA 44 01 BB 45 01 CC 46 01 DD 47 01 EE", c, sizeof c);
    size_t k = se05x_redact_capdu(c, n, sp, 2);
    assert_int_equal(k, 2);
    char out[256];
    se05x_hex_redacted(out, sizeof out, "C", c, n, sp, k);
    assert_null(strstr(out, "CC"));
    assert_null(strstr(out, "EE"));
    /* tiny output buffer: terminated, truncated */
    se05x_hex_redacted(out, 20, "C", c, n, sp, k);
    assert_true(strlen(out) < 20);
    assert_int_equal(se05x_redact_capdu(c, 3, sp, 2), 0);
    assert_int_equal(se05x_redact_rapdu(c, n, (const uint8_t *)"\x90\x00", 2, sp, 2), 0);
}

/* Random APDUs (exact-size heap copies, so ASan sees any overread) never
 * make the redaction walk outside the buffer, and spans stay inside it. */
static void redaction_fuzz(void **st)
{
    (void)st;
    unsigned seed = 4242;
    static const uint8_t hdr[][4] = {{0x80, 0x01, 0x61, 0x00}, {0x80, 0x01, 0x02, 0x00},
                                     {0x80, 0x05, 0x00, 0x00}, {0x80, 0x03, 0x02, 0x38},
                                     {0x80, 0x04, 0x00, 0x49}, {0x80, 0x41, 0x07, 0x00}};
    for (int it = 0; it < 20000; it++) {
        size_t n = (size_t)(rand_r(&seed) % 40);
        uint8_t *c = malloc(n ? n : 1), *r = malloc(n ? n : 1);
        for (size_t i = 0; i < n; i++) {
            int k = rand_r(&seed) % 6;
            c[i] = k == 0 ? 0x43 : k == 1 ? 0x41 : k == 2 ? 0x81 : (uint8_t)rand_r(&seed);
            r[i] = (uint8_t)rand_r(&seed);
        }
        if (n >= 4)
            memcpy(c, hdr[rand_r(&seed) % 6], 4);
        struct se05x_span sp[4];
        size_t k = se05x_redact_capdu(c, n, sp, 4);
        for (size_t i = 0; i < k; i++)
            assert_true(sp[i].off + sp[i].len <= n);
        char out[200];
        se05x_hex_redacted(out, sizeof out, "C", c, n, sp, k);
        k = se05x_redact_rapdu(c, n, r, n, sp, 4);
        for (size_t i = 0; i < k; i++)
            assert_true(sp[i].off + sp[i].len <= n - 2);
        se05x_hex_redacted(out, sizeof out, "R", r, n, sp, k);
        free(c);
        free(r);
    }
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(ec_private_key),      cmocka_unit_test(rsa_components),
        cmocka_unit_test(symmetric_and_userid), cmocka_unit_test(secret_answers),
        cmocka_unit_test(session_wrapped),     cmocka_unit_test(unparsable_write_is_hidden),
        cmocka_unit_test(below_trace_nothing), cmocka_unit_test(span_helpers),
        cmocka_unit_test(redaction_fuzz),
    };
    return cmocka_run_group_tests(t, setup, teardown);
}
