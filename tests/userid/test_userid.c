/* SPDX-License-Identifier: Apache-2.0 */
/* lib/cmd_userid.c and se05x_conf_value against the emulator's card core
 * (docs/protocol/userid-pin.md): a UserID created with a policy and an
 * attempt limit, its counter counting and blocking, rewrites allowed only
 * inside its own session, bad arguments refused before any APDU, the two
 * session slots freed by se05x_auth_sessions_reset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <se05x/auth.h>
#include <se05x/se05x.h>

#include "internal.h"
#include "sim.h"
#include "testutil.h"

#define PIN_ID 0x7BFF0001u

struct card_link {
    struct se05x_link base;
    struct sim_card *card;
    unsigned apdus;
};

static se05x_rc cl_transceive(struct se05x_link *l, const uint8_t *c, size_t clen, uint8_t *r, size_t rcap,
                              size_t *rlen, struct se05x_error *err)
{
    (void)err;
    struct card_link *x = (struct card_link *)l;
    x->apdus++;
    *rlen = sim_card_apdu(x->card, c, clen, r, rcap);
    return SE05X_OK;
}

static void cl_close(struct se05x_link *l) { free(l); }

static const struct se05x_link_ops cl_ops = {.name = "card", .transceive = cl_transceive, .close = cl_close};

static struct sim_card *new_card(void)
{
    struct sim_card_cfg cfg = {0};
    struct sim_card *c = NULL;
    char err[200];
    cfg.variant = 'C';
    assert_int_equal(sim_card_open(&cfg, &c, err, sizeof err), 0);
    return c;
}

static se05x_session *open_on(struct sim_card *card, struct card_link **out)
{
    struct card_link *l = calloc(1, sizeof *l);
    se05x_session *s = NULL;
    struct se05x_error e = {0};
    assert_non_null(l);
    l->base.ops = &cl_ops;
    l->card = card;
    assert_int_equal(se05x_session_from_link(&l->base, "card", true, &s, &e), SE05X_OK);
    *out = l;
    return s;
}

static const uint8_t PIN[] = "246810", BAD[] = "000000", NEWPIN[] = "13579";

static void create_pin(se05x_session *s, uint16_t tries)
{
    struct se05x_policy pol = {.n = 1, .rule = {{PIN_ID, SE05X_POLICY_WRITE | SE05X_POLICY_DELETE}}};
    struct se05x_write_opts wo = {.policy = &pol, .transient = 0};
    assert_int_equal(se05x_userid_write(s, PIN_ID, PIN, 6, tries, &wo), SE05X_OK);
}

static void counts(se05x_session *s, uint16_t want_failed, uint16_t want_max)
{
    uint16_t f = 0xFFFF, m = 0xFFFF;
    assert_int_equal(se05x_auth_attempts(s, PIN_ID, &f, &m), SE05X_OK);
    assert_int_equal(f, want_failed);
    assert_int_equal(m, want_max);
}

static void test_counter_and_block(void **state)
{
    (void)state;
    struct sim_card *card = new_card();
    struct card_link *l;
    se05x_session *s = open_on(card, &l);
    create_pin(s, 3);
    counts(s, 0, 3);
    assert_int_not_equal(se05x_auth_open_userid(s, PIN_ID, BAD, 6), SE05X_OK);
    assert_int_equal(se05x_auth_id(s), 0);
    counts(s, 1, 3);
    assert_int_equal(se05x_auth_open_userid(s, PIN_ID, PIN, 6), SE05X_OK);
    assert_int_equal(se05x_auth_close(s), SE05X_OK);
    counts(s, 0, 3); /* a success resets it */
    for (int i = 0; i < 3; i++)
        assert_int_not_equal(se05x_auth_open_userid(s, PIN_ID, BAD, 6), SE05X_OK);
    counts(s, 3, 3);
    /* blocked: the right value is refused too, and the counter stays */
    assert_int_not_equal(se05x_auth_open_userid(s, PIN_ID, PIN, 6), SE05X_OK);
    counts(s, 3, 3);
    se05x_close(s);
    sim_card_close(card);
}

static void test_rewrite_only_inside(void **state)
{
    (void)state;
    struct sim_card *card = new_card();
    struct card_link *l;
    se05x_session *s = open_on(card, &l);
    create_pin(s, 0);
    counts(s, 0, 0);
    /* outside any session: the policy grants nothing (6986), value unchanged */
    assert_int_equal(se05x_userid_write(s, PIN_ID, NEWPIN, 5, 0, NULL), SE05X_E_DENIED);
    assert_int_equal(se05x_delete_object(s, PIN_ID), SE05X_E_DENIED);
    assert_int_equal(se05x_auth_open_userid(s, PIN_ID, PIN, 6), SE05X_OK);
    assert_int_equal(se05x_userid_write(s, PIN_ID, NEWPIN, 5, 0, NULL), SE05X_OK);
    assert_int_equal(se05x_auth_close(s), SE05X_OK);
    assert_int_not_equal(se05x_auth_open_userid(s, PIN_ID, PIN, 6), SE05X_OK);
    assert_int_equal(se05x_auth_open_userid(s, PIN_ID, NEWPIN, 5), SE05X_OK);
    assert_int_equal(se05x_auth_close(s), SE05X_OK);
    se05x_close(s);
    sim_card_close(card);
}

static void test_bad_args(void **state)
{
    (void)state;
    struct sim_card *card = new_card();
    struct card_link *l;
    se05x_session *s = open_on(card, &l);
    struct se05x_write_opts tr = {.policy = NULL, .transient = 1};
    unsigned before = l->apdus;
    assert_int_equal(se05x_userid_write(s, PIN_ID, PIN, 3, 0, NULL), SE05X_E_BAD_ARG);
    assert_int_equal(se05x_userid_write(s, PIN_ID, (const uint8_t *)"01234567890123456", 17, 0, NULL),
                     SE05X_E_BAD_ARG);
    assert_int_equal(se05x_userid_write(s, 0, PIN, 6, 0, NULL), SE05X_E_BAD_ARG);
    assert_int_equal(se05x_userid_write(s, PIN_ID, PIN, 6, 0, &tr), SE05X_E_BAD_ARG);
    assert_int_equal(l->apdus, before); /* nothing sent */
    uint16_t f, m;
    assert_int_equal(se05x_auth_attempts(s, PIN_ID, NULL, &m), SE05X_E_BAD_ARG);
    /* not an auth object; missing object */
    uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(se05x_write_binary(s, 0x7BFF0002u, data, sizeof data, NULL), SE05X_OK);
    assert_int_equal(se05x_auth_attempts(s, 0x7BFF0002u, &f, &m), SE05X_E_WRONG_TYPE);
    assert_int_not_equal(se05x_auth_attempts(s, 0x7BFF0003u, &f, &m), SE05X_OK);
    se05x_close(s);
    sim_card_close(card);
}

static void test_session_slots(void **state)
{
    (void)state;
    struct sim_card *card = new_card();
    struct card_link *l1, *l2, *l3;
    se05x_session *a = open_on(card, &l1), *b = open_on(card, &l2), *c = open_on(card, &l3);
    create_pin(a, 0);
    assert_int_equal(se05x_ec_generate(a, 0x7BFF0010u, SE05X_EC_NIST_P256, NULL), SE05X_OK);
    assert_int_equal(se05x_auth_open_userid(a, PIN_ID, PIN, 6), SE05X_OK);
    assert_int_equal(se05x_auth_open_userid(b, PIN_ID, PIN, 6), SE05X_OK);
    /* both slots taken: a third client cannot create a session */
    assert_int_equal(se05x_auth_open_userid(c, PIN_ID, PIN, 6), SE05X_E_NO_MEMORY);
    assert_int_equal(se05x_auth_sessions_reset(c), SE05X_OK);
    assert_int_equal(se05x_auth_open_userid(c, PIN_ID, PIN, 6), SE05X_OK);
    uint8_t dig[32] = {0}, sig[80];
    size_t sl = 0;
    assert_int_equal(se05x_ecdsa_sign_digest(c, 0x7BFF0010u, dig, 32, sig, sizeof sig, &sl), SE05X_OK);
    /* a's session was ended by the reset: its commands are refused until it authenticates again */
    assert_int_not_equal(se05x_ecdsa_sign_digest(a, 0x7BFF0010u, dig, 32, sig, sizeof sig, &sl), SE05X_OK);
    (void)se05x_auth_close(a);
    (void)se05x_auth_close(b);
    assert_int_equal(se05x_auth_open_userid(a, PIN_ID, PIN, 6), SE05X_OK);
    assert_int_equal(se05x_ecdsa_sign_digest(a, 0x7BFF0010u, dig, 32, sig, sizeof sig, &sl), SE05X_OK);
    se05x_close(a);
    se05x_close(b);
    se05x_close(c);
    sim_card_close(card);
}

static void write_conf(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, 0600);
}

static void test_conf_value(void **state)
{
    (void)state;
    char path[256], v[32];
    struct se05x_error e = {0};
    tmp_path(path, sizeof path, "userid-conf");
    setenv("SE05X_CONF", path, 1);
    write_conf(path, "pkcs11_pin_mode = chip\npkcs11_pin_tries = 7\n");
    assert_int_equal(se05x_conf_value("pkcs11_pin_mode", v, sizeof v, &e), 1);
    assert_string_equal(v, "chip");
    assert_int_equal(se05x_conf_value("pkcs11_pin_tries", v, sizeof v, &e), 1);
    assert_string_equal(v, "7");
    assert_int_equal(se05x_conf_value("port", v, sizeof v, &e), 0);
    assert_string_equal(v, "");
    write_conf(path, "pkcs11_pin_mode = maybe\n");
    assert_int_equal(se05x_conf_value("pkcs11_pin_mode", v, sizeof v, &e), -1);
    assert_non_null(strstr(e.msg, ":1: "));
    assert_non_null(strstr(e.msg, "expected host or chip"));
    write_conf(path, "pkcs11_pin_tries = 0\n");
    assert_int_equal(se05x_conf_value("pkcs11_pin_tries", v, sizeof v, &e), -1);
    assert_non_null(strstr(e.msg, "1..65535"));
    assert_int_equal(se05x_conf_value(NULL, v, sizeof v, &e), -1);
    unlink(path);
    unsetenv("SE05X_CONF");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_and_block),
        cmocka_unit_test(test_rewrite_only_inside),
        cmocka_unit_test(test_bad_args),
        cmocka_unit_test(test_session_slots),
        cmocka_unit_test(test_conf_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
