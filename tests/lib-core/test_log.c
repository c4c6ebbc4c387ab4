/* SPDX-License-Identifier: Apache-2.0 */
/* The logging facility: level from SE05X_LOG read on each call, line format,
 * SE05X_LOG_FILE, hex dumps, nothing on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include <se05x/log.h>

static char logf_[256];

static int setup(void **st)
{
    (void)st;
    tmp_path(logf_, sizeof logf_, "log");
    setenv("SE05X_LOG_FILE", logf_, 1);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    unlink(logf_);
    unsetenv("SE05X_LOG_FILE");
    unsetenv("SE05X_LOG");
    return 0;
}

static void levels(void **st)
{
    (void)st;
    unsetenv("SE05X_LOG");
    assert_int_equal(se05x_log_level(), SE05X_LOG_ERROR);
    const struct { const char *v; enum se05x_log_level l; } m[] = {
        {"none", SE05X_LOG_NONE}, {"error", SE05X_LOG_ERROR}, {"warn", SE05X_LOG_WARN},
        {"warning", SE05X_LOG_WARN}, {"INFO", SE05X_LOG_INFO}, {"debug", SE05X_LOG_DEBUG},
        {"Trace", SE05X_LOG_TRACE}, {"5", SE05X_LOG_TRACE}, {"0", SE05X_LOG_NONE},
        {"garbage", SE05X_LOG_ERROR}, {"", SE05X_LOG_ERROR}, {"55", SE05X_LOG_ERROR},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        setenv("SE05X_LOG", m[i].v, 1);
        assert_int_equal(se05x_log_level(), m[i].l);
    }
    setenv("SE05X_LOG", "info", 1);
    assert_true(se05x_log_enabled(SE05X_LOG_ERROR));
    assert_true(se05x_log_enabled(SE05X_LOG_INFO));
    assert_false(se05x_log_enabled(SE05X_LOG_DEBUG));
    assert_false(se05x_log_enabled(SE05X_LOG_NONE));
}

static void line_format_and_filtering(void **st)
{
    (void)st;
    unlink(logf_);
    setenv("SE05X_LOG", "warn", 1);
    se05x_log(SE05X_LOG_ERROR, "t1", "bad frame %d", 7);
    se05x_log(SE05X_LOG_INFO, "t1", "hidden info");
    setenv("SE05X_LOG", "debug", 1); /* changed at run time: read on each call */
    se05x_log(SE05X_LOG_DEBUG, "engine", "two\nlines");
    se05x_log(SE05X_LOG_DEBUG, NULL, "default component");
    char *s = slurp(logf_);
    char exp[256];
    snprintf(exp, sizeof exp,
             "se05x[%ld] t1 error: bad frame 7\nse05x[%ld] engine debug: two lines\n"
             "se05x[%ld] lib debug: default component\n",
             (long)getpid(), (long)getpid(), (long)getpid());
    assert_string_equal(s, exp);
    free(s);
    setenv("SE05X_LOG", "none", 1);
    se05x_log(SE05X_LOG_ERROR, "t1", "silenced");
    s = slurp(logf_);
    assert_null(strstr(s, "silenced"));
    free(s);
}

static void hex_dump(void **st)
{
    (void)st;
    unlink(logf_);
    setenv("SE05X_LOG", "trace", 1);
    const uint8_t d[] = {0x80, 0x04, 0x00, 0x20, 0x00, 0xAB};
    se05x_log_hex(SE05X_LOG_TRACE, "apdu", "C-APDU", d, sizeof d);
    se05x_log_hex(SE05X_LOG_TRACE, "apdu", "empty", NULL, 0);
    static uint8_t big[5000];
    se05x_log_hex(SE05X_LOG_TRACE, "apdu", "big", big, sizeof big);
    char *s = slurp(logf_);
    assert_non_null(strstr(s, "apdu trace: C-APDU (6): 80 04 00 20 00 AB\n"));
    assert_non_null(strstr(s, "apdu trace: empty (0):\n"));
    char *b = strstr(s, "big (5000): 00 00");
    assert_non_null(b);
    char *nl = strchr(b, '\n');
    assert_non_null(nl);
    assert_true(nl - b < 8192);          /* bounded */
    assert_memory_equal(nl - 4, " ...", 4); /* and says so */
    free(s);
}

static void bad_file_falls_back(void **st)
{
    (void)st;
    setenv("SE05X_LOG", "error", 1);
    setenv("SE05X_LOG_FILE", "/nonexistent-dir/x/y.log", 1);
    se05x_log(SE05X_LOG_ERROR, "lib", "to stderr instead"); /* must not crash */
    setenv("SE05X_LOG_FILE", logf_, 1);
}

/* SE05X_LOG_FILE never follows a symbolic link, never writes into anything
 * but a regular file of ours (a FIFO does not block), creates 0600; a refused
 * file sends the line to stderr with a note. */
static void unsafe_file_refused(void **st)
{
    (void)st;
    char target[256], link[256], fifo[256], foreign[256];
    tmp_path(target, sizeof target, "target");
    tmp_path(link, sizeof link, "link");
    tmp_path(fifo, sizeof fifo, "fifo");
    tmp_path(foreign, sizeof foreign, "foreign");
    FILE *f = fopen(target, "w");
    assert_non_null(f);
    fputs("precious\n", f);
    fclose(f);
    assert_int_equal(symlink(target, link), 0);
    setenv("SE05X_LOG", "error", 1);
    setenv("SE05X_LOG_FILE", link, 1);
    se05x_log(SE05X_LOG_ERROR, "lib", "must not reach the target");
    char *s = slurp(target);
    assert_string_equal(s, "precious\n");
    free(s);
    /* a dangling link: not created through it either */
    unlink(target);
    se05x_log(SE05X_LOG_ERROR, "lib", "must not create the target");
    assert_int_equal(access(target, F_OK), -1);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    setenv("SE05X_LOG_FILE", fifo, 1);
    se05x_log(SE05X_LOG_ERROR, "lib", "must not block on a FIFO");
    if (geteuid() == 0) { /* a file owned by another user (nobody) */
        f = fopen(foreign, "w");
        assert_non_null(f);
        fclose(f);
        assert_int_equal(chown(foreign, 65534, 65534), 0);
        setenv("SE05X_LOG_FILE", foreign, 1);
        se05x_log(SE05X_LOG_ERROR, "lib", "must not reach another user's file");
        s = slurp(foreign);
        assert_string_equal(s, "");
        free(s);
        unlink(foreign);
    }
    /* a new file is created 0600 whatever the umask */
    unlink(logf_);
    mode_t old = umask(0);
    setenv("SE05X_LOG_FILE", logf_, 1);
    se05x_log(SE05X_LOG_ERROR, "lib", "private");
    umask(old);
    struct stat sb;
    assert_int_equal(lstat(logf_, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    unlink(link);
    unlink(fifo);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(levels),
        cmocka_unit_test(line_format_and_filtering),
        cmocka_unit_test(hex_dump),
        cmocka_unit_test(bad_file_falls_back),
        cmocka_unit_test(unsafe_file_refused),
    };
    return cmocka_run_group_tests(t, setup, teardown);
}
