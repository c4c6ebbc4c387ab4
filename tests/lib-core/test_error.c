/* SPDX-License-Identifier: Apache-2.0 */
/* Status-word mapping, strerror texts and error-detail formatting. */
#include <string.h>

#include "testutil.h"
#include "session_priv.h"

static void sw_mapping(void **st)
{
    (void)st;
    assert_int_equal(se05x_rc_from_sw(0x9000), SE05X_OK);
    assert_int_equal(se05x_rc_from_sw(0x6986), SE05X_E_DENIED);
    assert_int_equal(se05x_rc_from_sw(0x6982), SE05X_E_DENIED);
    assert_int_equal(se05x_rc_from_sw(0x6985), SE05X_E_CONDITIONS);
    assert_int_equal(se05x_rc_from_sw(0x6A84), SE05X_E_NO_MEMORY);
    assert_int_equal(se05x_rc_from_sw(0x6A80), SE05X_E_WRONG_DATA);
    assert_int_equal(se05x_rc_from_sw(0x6984), SE05X_E_WRONG_DATA);
    assert_int_equal(se05x_rc_from_sw(0x6700), SE05X_E_WRONG_DATA);
    assert_int_equal(se05x_rc_from_sw(0x6A82), SE05X_E_NOT_FOUND);
    assert_int_equal(se05x_rc_from_sw(0x6D00), SE05X_E_UNSUPPORTED);
    assert_int_equal(se05x_rc_from_sw(0x6E00), SE05X_E_UNSUPPORTED);
    assert_int_equal(se05x_rc_from_sw(0x6A86), SE05X_E_UNSUPPORTED);
    assert_int_equal(se05x_rc_from_sw(0x66A6), SE05X_E_CARD);
    assert_int_equal(se05x_rc_from_sw(0x6F00), SE05X_E_CARD);
    assert_int_equal(se05x_rc_from_sw(0x0000), SE05X_E_CARD);
    assert_string_equal(se05x_sw_text(0x6986), "denied by object policy");
    assert_string_equal(se05x_sw_text(0x6A84), "chip memory full");
    assert_string_equal(se05x_sw_text(0x1234), "chip error");
}

static void strerror_texts(void **st)
{
    (void)st;
    assert_string_equal(se05x_strerror(SE05X_E_NOT_FOUND), "object not found");
    assert_string_equal(se05x_strerror(SE05X_E_DENIED), "denied by object policy");
    assert_string_equal(se05x_strerror(SE05X_E_NO_MEMORY), "chip memory full");
    for (int rc = SE05X_OK; rc <= SE05X_E_INTERNAL; rc++) {
        const char *t = se05x_strerror((se05x_rc)rc);
        assert_non_null(t);
        assert_true(strlen(t) > 3);
        assert_string_not_equal(t, "unknown error");
        for (int k = SE05X_OK; k < rc; k++) /* every code has its own text */
            assert_string_not_equal(t, se05x_strerror((se05x_rc)k));
    }
    assert_string_equal(se05x_strerror((se05x_rc)999), "unknown error");
    assert_string_equal(se05x_strerror((se05x_rc)-1), "unknown error");
}

static void err_set_format(void **st)
{
    (void)st;
    struct se05x_error e;
    memset(&e, 0x55, sizeof e);
    se05x_rc rc = se05x_err_set(&e, SE05X_E_DENIED, 0x6986, 0x7F000001, "sign of 0x%08X: %s",
                                0x7F000001u, "no");
    assert_int_equal(rc, SE05X_E_DENIED);
    assert_int_equal(e.rc, SE05X_E_DENIED);
    assert_int_equal(e.sw, 0x6986);
    assert_int_equal(e.objid, 0x7F000001);
    assert_string_equal(e.msg, "sign of 0x7F000001: no");
    /* NULL target: only the code comes back */
    assert_int_equal(se05x_err_set(NULL, SE05X_E_LINK, 0, 0, "x"), SE05X_E_LINK);
    /* one line: control characters from peers are neutralised */
    se05x_err_set(&e, SE05X_E_PROTOCOL, 0, 0, "peer said %s", "a\nb\rc\x1b");
    assert_string_equal(e.msg, "peer said a b c ");
    /* long messages are truncated, still terminated */
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    se05x_err_set(&e, SE05X_E_PROTOCOL, 0, 0, "%s", big);
    assert_int_equal(strlen(e.msg), SE05X_ERRMSG_MAX - 1);
}

static void fail_without_session(void **st)
{
    (void)st;
    assert_int_equal(se05x_fail(NULL, SE05X_E_BAD_ARG, 0, 0, "nothing %d", 1), SE05X_E_BAD_ARG);
    struct se05x_error e;
    se05x_last_error(NULL, &e);
    assert_int_equal(e.rc, SE05X_E_BAD_ARG);
    assert_string_equal(se05x_errmsg(NULL), "no session");
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(sw_mapping),
        cmocka_unit_test(strerror_texts),
        cmocka_unit_test(err_set_format),
        cmocka_unit_test(fail_without_session),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
