/* SPDX-License-Identifier: Apache-2.0 */
/* Scripted link for the command-layer tests: every C-APDU is compared with
 * the expected bytes (exactly, or as a prefix), the scripted R-APDU is
 * returned. A step may also carry a handler that computes the answer (a
 * tiny "chip" for tests that need real cryptographic outcomes). */
#ifndef CMDS_MOCK_H
#define CMDS_MOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "testhex.h"

#define MOCK_MAX_STEPS 64
#define MOCK_MAX_APDU 1400

typedef size_t (*mock_handler)(const uint8_t *c, size_t clen, uint8_t *r, size_t rcap, void *arg);

struct mock_step {
    uint8_t c[MOCK_MAX_APDU];
    size_t clen;
    bool prefix;  /* compare only the first clen bytes */
    bool any;     /* accept any C-APDU */
    uint8_t r[MOCK_MAX_APDU];
    size_t rlen;
    mock_handler h;
    void *arg;
};

struct mock {
    struct se05x_link link;
    struct mock_step step[MOCK_MAX_STEPS];
    size_t n, pos;
    char err[512];
    /* copy of the last C-APDU seen */
    uint8_t last[MOCK_MAX_APDU];
    size_t last_len;
};

/* Opens a session over m (no SELECT). */
se05x_session *mock_session(struct mock *m);
/* The scripted link of the shared cmocka fixtures: mock_setup opens a session
 * over it (*state = the session, no SELECT), mock_teardown closes it. */
extern struct mock M;
int mock_setup(void **state);
int mock_teardown(void **state);
/* A test case run with those fixtures. */
#define MOCK_TEST(f) cmocka_unit_test_setup_teardown(f, mock_setup, mock_teardown)
/* Opens a session whose SELECT is answered with select_rsp (hex, SW included). */
se05x_session *mock_session_selected(struct mock *m, const char *select_rsp);
/* Expect C-APDU `c` (hex) and answer `r` (hex, SW included). */
void mock_expect(struct mock *m, const char *c, const char *r);
/* Same with a prefix match on c. */
void mock_expect_prefix(struct mock *m, const char *c, const char *r);
/* Binary forms. */
void mock_expect_bin(struct mock *m, const uint8_t *c, size_t clen, const uint8_t *r, size_t rlen);
/* Any C-APDU, answer computed by h. */
void mock_expect_handler(struct mock *m, const char *cprefix, mock_handler h, void *arg);
/* Writes into r the answer TAG 41 = v (n bytes, length in the 82 HH LL form
 * the SE sends) and 90 00; returns its length. */
size_t mock_answer41(uint8_t *r, size_t cap, const uint8_t *v, size_t n);
/* Expect C-APDU `c` (hex) and answer TAG 41 = n bytes of `fill` (length in
 * the 82 HH LL form from 128 bytes on, else in one byte) and 90 00. */
void mock_expect_fill41(struct mock *m, const char *c, uint8_t fill, size_t n);
/* All steps consumed and every C-APDU matched. */
void mock_assert_done(struct mock *m);
/* fails the test when got != want, with the session's last error */
void expect_rc(se05x_session *s, se05x_rc got, se05x_rc want);

#endif
