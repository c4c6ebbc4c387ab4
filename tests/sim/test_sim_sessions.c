/* SPDX-License-Identifier: Apache-2.0 */
/* Emulator card core, sessions: UserID sessions with per-auth-object
 * policies, DeleteAll, and SetLockState in a transport session.
 * (Split from the former test_sim_card.c; shared helpers in card_fixture.h.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "card_fixture.h"
#include "sim_test_util.h"
#include "tlv.h"

static uint8_t r[4096];
static size_t rl;

/* Sends inner (hex) inside ProcessSessionCmd of session sid. */
static uint16_t in_session(struct sim_card *c, const uint8_t sid[8], const char *inner)
{
    uint8_t in[300], v[400];
    size_t n = test_hex(inner, in, sizeof in);
    struct tlv_w w;
    tlv_w_init(&w, v, sizeof v);
    tlv_put(&w, 0x10, sid, 8);
    tlv_put(&w, 0x41, in, n);
    return tu_cmd(c, 0x80, 0x05, 0x00, 0x00, v, w.len, r, &rl);
}

static void open_session(struct sim_card *c, const char *create, uint8_t sid[8])
{
    const uint8_t *v;
    size_t n;
    assert_int_equal(tu_apdu(c, create, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &v, &n));
    assert_int_equal(n, 8);
    memcpy(sid, v, 8);
}

/* §13 UserID sessions, policies per auth object, §17 DeleteAll. */
static void test_sessions(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    uint8_t s1[8], s2[8], s3[8];
    tu_create_curve(c, 0x03, "prime256v1");
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x9000);
    /* FACTORY_RESET and a demo UserID (max 2 attempts) */
    assert_int_equal(tu_apdu(c, "80 41 07 00 0C 41 04 7F FF 02 05 42 04 01 02 03 04", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 41 07 00 10 12 02 00 02 41 04 7D A0 00 01 42 04 0A 0B 0C 0D", r, &rl), 0x9000);
    /* an object readable only in the 7DA00001 session */
    assert_int_equal(tu_apdu(c, "80 01 06 00 15 11 09 08 7D A0 00 01 00 20 00 00 41 04 7F 00 00 60 43 02 00 04", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 60", r, &rl), 0x6986);
    /* sessions: missing or non-auth objects refused */
    assert_int_equal(tu_apdu(c, "80 04 00 1B 06 41 04 7D A0 00 09", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 04 00 1B 06 41 04 7F 00 00 01", r, &rl), 0x6985);
    open_session(c, "80 04 00 1B 06 41 04 7D A0 00 01", s1);
    /* unauthenticated: only the handshake */
    assert_int_equal(in_session(c, s1, "80 02 00 00 06 41 04 7F 00 00 60"), 0x6982);
    assert_int_equal(in_session(c, s1, "80 04 00 2C 06 41 04 0A 0B 0C 0E"), 0x6985);
    assert_int_equal(in_session(c, s1, "80 04 00 2C 06 41 04 0A 0B 0C 0D"), 0x9000);
    assert_int_equal(in_session(c, s1, "80 02 00 00 06 41 04 7F 00 00 60"), 0x9000);
    assert_memory_equal(r, "\x41\x82\x00\x04", 4);
    /* in the session, rules for 00000000 no longer apply: the default-policy
     * key is still usable (no policy), the UID too */
    assert_int_equal(in_session(c, s1, "80 04 00 27 06 41 04 7F 00 00 01"), 0x9000);
    /* third session: no resources */
    open_session(c, "80 04 00 1B 06 41 04 7F FF 02 05", s2);
    assert_int_equal(tu_apdu(c, "80 04 00 1B 06 41 04 7F FF 02 05", r, &rl), 0x6A84);
    /* DeleteAll: not outside, not in the 7DA00001 session, not before VerifySessionUserID */
    assert_int_equal(tu_apdu(c, "80 04 00 2A 00", r, &rl), 0x6982);
    assert_int_equal(in_session(c, s1, "80 04 00 2A 00"), 0x6982);
    assert_int_equal(in_session(c, s2, "80 04 00 2A 00"), 0x6982);
    /* close s1; its id is dead afterwards */
    assert_int_equal(in_session(c, s1, "80 04 00 1C 00"), 0x9000);
    assert_int_equal(in_session(c, s1, "80 04 00 27 06 41 04 7F 00 00 01"), 0x6985);
    assert_int_equal(in_session(c, s2, "80 04 00 2C 06 41 04 01 02 03 04"), 0x9000);
    assert_int_equal(in_session(c, s2, "80 04 00 2A 00"), 0x9000);
    /* everything but PROVISIONED objects is gone, curves too; sessions torn down */
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F 00 00 01", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02", 3);
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F FF 02 05", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02", 3);
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 F0 00 00 12", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01", 3);
    assert_int_equal(tu_apdu(c, "80 02 0B 25 00", r, &rl), 0x9000);
    assert_int_equal(r[4 + 2], 0x01);
    assert_int_equal(in_session(c, s2, "80 04 00 27 06 41 04 7F 00 00 01"), 0x6985);
    /* max attempts: two failures block the UserID */
    assert_int_equal(tu_apdu(c, "80 41 07 00 10 12 02 00 02 41 04 7D A0 00 01 42 04 0A 0B 0C 0D", r, &rl), 0x9000);
    open_session(c, "80 04 00 1B 06 41 04 7D A0 00 01", s3);
    assert_int_equal(in_session(c, s3, "80 04 00 2C 06 41 04 00 00 00 00"), 0x6985);
    assert_int_equal(in_session(c, s3, "80 04 00 2C 06 41 04 00 00 00 00"), 0x6985);
    assert_int_equal(in_session(c, s3, "80 04 00 2C 06 41 04 0A 0B 0C 0D"), 0x6985);
    /* a deselect drops the sessions */
    assert_int_equal(tu_apdu(c, "00 A4 04 00 00", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, SEL, r, &rl), 0x9000);
    assert_int_equal(in_session(c, s3, "80 04 00 1C 00"), 0x6985);
    /* malformed wrappers */
    assert_int_equal(tu_apdu(c, "80 05 00 00 05 10 03 01 02 03", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80 05 01 00 00", r, &rl), 0x6A86);
    sim_card_close(c);
}

/* A13: SetLockState in a TRANSPORT (7FFF0200) session; a locked applet
 * answers 6985 to everything but that session; the persistent lock
 * survives a restart. */
static void test_lock_state(void **st)
{
    (void)st;
    char *dir = tu_tmpdir();
    struct sim_card *c = tu_open_selected(dir, NULL);
    uint8_t sid[8];
    assert_int_equal(tu_apdu(c, "80 04 00 3E 06 41 01 01 42 01 01", r, &rl), 0x6982);
    assert_int_equal(tu_apdu(c, "80 41 07 00 0C 41 04 7F FF 02 00 42 04 11 22 33 44", r, &rl), 0x9000);
    /* a binary nobody may read without the TRANSPORT session */
    assert_int_equal(tu_apdu(c, "80 01 06 00 15 11 09 08 00 00 00 00 20 00 00 00 41 04 7F 00 00 70 43 02 00 04", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 70", r, &rl), 0x6986);
    open_session(c, "80 04 00 1B 06 41 04 7F FF 02 00", sid);
    assert_int_equal(in_session(c, sid, "80 04 00 2C 06 41 04 11 22 33 44"), 0x9000);
    assert_int_equal(in_session(c, sid, "80 02 00 00 06 41 04 7F 00 00 70"), 0x9000); /* full access */
    assert_int_equal(in_session(c, sid, "80 04 00 3E 06 41 01 01 42 01 01"), 0x9000);
    assert_int_equal(tu_apdu(c, "80 04 00 20 00", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F 00 00 70", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 04 00 1B 06 41 04 7D A0 00 01", r, &rl), 0x6985);
    assert_int_equal(in_session(c, sid, "80 04 00 20 00"), 0x9000);
    assert_int_equal(in_session(c, sid, "80 04 00 3E 06 41 01 01 42 01 02"), 0x9000);
    assert_int_equal(tu_apdu(c, "80 04 00 20 00", r, &rl), 0x9000);
    /* persistent lock: survives a restart, released in a new TRANSPORT session */
    assert_int_equal(in_session(c, sid, "80 04 00 3E 06 41 01 02 42 01 01"), 0x9000);
    assert_int_equal(tu_apdu(c, "80 04 00 20 00", r, &rl), 0x6985);
    sim_card_close(c);
    c = tu_open_selected(dir, NULL);
    assert_int_equal(tu_apdu(c, "80 04 00 20 00", r, &rl), 0x6985);
    open_session(c, "80 04 00 1B 06 41 04 7F FF 02 00", sid);
    assert_int_equal(in_session(c, sid, "80 04 00 2C 06 41 04 11 22 33 44"), 0x9000);
    assert_int_equal(in_session(c, sid, "80 04 00 3E 06 41 01 02 42 01 00"), 0x9000);
    assert_int_equal(tu_apdu(c, "80 04 00 20 00", r, &rl), 0x9000);
    /* a transient lock ends with a chip reset */
    assert_int_equal(in_session(c, sid, "80 04 00 3E 06 41 01 01 42 01 01"), 0x9000);
    sim_card_chip_reset(c);
    assert_int_equal(tu_apdu(c, SEL, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 04 00 20 00", r, &rl), 0x9000);
    sim_card_close(c);
    tu_rmdir(dir);
}

/* What a TRANSPORT (7FFF0200) session may do on the emulator
 * (docs/emulator.md, unverified against a real chip): every policy check
 * passes (sign with a verify-only key, read a binary without READ, delete
 * without DELETE), type rules still hold (no secret value is read, a
 * PROVISIONED object stays). Any client may create TRANSPORT on a fresh
 * chip, and rewrite or delete it while it has no policy; a policy that
 * denies WRITE and DELETE to others is what claims it. */
static void test_transport_full_access(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    uint8_t sid[8];
    char sign[200] = "80 03 0C 09 2B 41 04 7F 00 00 01 42 01 21 43 20";
    for (int i = 0; i < 32; i++)
        strcat(sign, " 03");
    tu_create_curve(c, 0x03, "prime256v1");
    /* a P-256 key that may only verify, a binary nobody may read, an AES key */
    assert_int_equal(tu_apdu(c, "80 01 61 00 14 11 09 08 00 00 00 00 08 00 00 00 41 04 7F 00 00 01 42 01 03", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 06 00 15 11 09 08 00 00 00 00 00 00 00 00 41 04 7F 00 00 70 43 02 00 04", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 03 00 18 41 04 7F 00 00 A1 43 10 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, sign, r, &rl), 0x6986);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 70", r, &rl), 0x6986);
    assert_int_equal(tu_apdu(c, "80 04 00 28 06 41 04 7F 00 00 01", r, &rl), 0x6986);
    /* any client creates TRANSPORT, and may rewrite it (no policy) */
    assert_int_equal(tu_apdu(c, "80 41 07 00 0C 41 04 7F FF 02 00 42 04 11 22 33 44", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 41 07 00 0C 41 04 7F FF 02 00 42 04 55 66 77 88", r, &rl), 0x9000);
    open_session(c, "80 04 00 1B 06 41 04 7F FF 02 00", sid);
    assert_int_equal(in_session(c, sid, "80 04 00 2C 06 41 04 55 66 77 88"), 0x9000);
    assert_int_equal(in_session(c, sid, sign), 0x9000);
    assert_int_equal(in_session(c, sid, "80 02 00 00 06 41 04 7F 00 00 70"), 0x9000);
    assert_int_equal(in_session(c, sid, "80 02 00 00 06 41 04 7F 00 00 A1"), 0x6985); /* secret value */
    assert_int_equal(in_session(c, sid, "80 04 00 28 06 41 04 F0 00 00 12"), 0x6985); /* PROVISIONED */
    assert_int_equal(in_session(c, sid, "80 04 00 28 06 41 04 7F 00 00 01"), 0x9000);
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F 00 00 01", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02", 3); /* gone */
    /* claimed: TRANSPORT with a policy that gives others nothing */
    assert_int_equal(tu_apdu(c, "80 04 00 28 06 41 04 7F FF 02 00", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 41 07 00 17 11 09 08 00 00 00 00 00 00 00 00 41 04 7F FF 02 00 42 04 11 22 33 44", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 41 07 00 0C 41 04 7F FF 02 00 42 04 55 66 77 88", r, &rl), 0x6986);
    assert_int_equal(tu_apdu(c, "80 04 00 28 06 41 04 7F FF 02 00", r, &rl), 0x6986);
    sim_card_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sessions),
        cmocka_unit_test(test_lock_state),
        cmocka_unit_test(test_transport_full_access),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
