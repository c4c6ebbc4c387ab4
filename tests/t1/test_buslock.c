/* SPDX-License-Identifier: Apache-2.0 */
/* Cross-process bus lock (lib/buslock.c): the generation counter tells a
 * handle whether someone else used the bus; the flock excludes a second
 * process (checked with fork). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "buslock.h"

static char dir[64];

static int setup(void **st)
{
    (void)st;
    snprintf(dir, sizeof(dir), "/tmp/se05x-buslock.XXXXXX");
    assert_non_null(mkdtemp(dir));
    setenv("SE05X_LOCK_DIR", dir, 1);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    char p[128];
    snprintf(p, sizeof(p), "%s/se05x-i2c-1-0x48.lock", dir);
    unlink(p);
    rmdir(dir);
    return 0;
}

static void test_generation(void **st)
{
    (void)st;
    struct se05x_buslock a, b;
    struct se05x_error e;
    bool others;
    assert_int_equal(se05x_buslock_open(&a, "i2c-1-0x48", &e), SE05X_OK);
    assert_int_equal(se05x_buslock_open(&b, "i2c-1-0x48", &e), SE05X_OK);
    assert_non_null(strstr(a.path, dir));
    /* first use: unknown history */
    assert_int_equal(se05x_buslock_acquire(&a, &others, &e), SE05X_OK);
    assert_true(others);
    /* nested acquire inside a transaction */
    assert_int_equal(se05x_buslock_acquire(&a, &others, &e), SE05X_OK);
    assert_false(others);
    se05x_buslock_release(&a);
    se05x_buslock_release(&a);
    /* steady state: nobody else came */
    assert_int_equal(se05x_buslock_acquire(&a, &others, &e), SE05X_OK);
    assert_false(others);
    se05x_buslock_release(&a);
    /* b takes the bus, then a must notice */
    assert_int_equal(se05x_buslock_acquire(&b, &others, &e), SE05X_OK);
    assert_true(others);
    se05x_buslock_release(&b);
    assert_int_equal(se05x_buslock_acquire(&a, &others, &e), SE05X_OK);
    assert_true(others);
    se05x_buslock_release(&a);
    assert_int_equal(se05x_buslock_acquire(&b, &others, &e), SE05X_OK);
    assert_true(others);
    se05x_buslock_release(&b);
    se05x_buslock_close(&a);
    se05x_buslock_close(&b);
}

static void test_exclusion(void **st)
{
    (void)st;
    struct se05x_buslock a;
    struct se05x_error e;
    bool others;
    assert_int_equal(se05x_buslock_open(&a, "i2c-1-0x48", &e), SE05X_OK);
    assert_int_equal(se05x_buslock_acquire(&a, &others, &e), SE05X_OK);
    pid_t pid = fork();
    if (pid == 0) {
        /* another process cannot take it while a holds it */
        struct se05x_buslock c;
        if (se05x_buslock_open(&c, "i2c-1-0x48", &e) != SE05X_OK)
            _exit(2);
        _exit(flock(c.fd, LOCK_EX | LOCK_NB) == 0 ? 1 : 0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    se05x_buslock_release(&a);
    pid = fork();
    if (pid == 0) {
        struct se05x_buslock c;
        bool o;
        if (se05x_buslock_open(&c, "i2c-1-0x48", &e) != SE05X_OK)
            _exit(2);
        _exit(se05x_buslock_acquire(&c, &o, &e) == SE05X_OK && o ? 0 : 1);
    }
    waitpid(pid, &status, 0);
    assert_int_equal(WEXITSTATUS(status), 0);
    se05x_buslock_close(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_generation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exclusion, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
