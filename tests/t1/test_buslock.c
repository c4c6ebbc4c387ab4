/* SPDX-License-Identifier: Apache-2.0 */
/* Cross-process bus lock (lib/buslock.c): the generation counter tells a
 * handle whether someone else used the bus; the flock excludes a second
 * process (checked with fork). The lock directory and file are checked, never
 * followed through a link and never widened (issue 9 item 1): planted
 * symlinks, hard links, FIFOs, foreign or wide files and unsafe directories
 * are refused and the file they point at stays as it was; a new lock file
 * takes the device node's group and mode. Ownership cases need root (the
 * tests run as root; they skip otherwise). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "buslock.h"

static char dir[64];
static char other[64]; /* a second directory (targets outside the lock dir) */
#define LOCK "se05x-i2c-1-0x48.lock"
#define NOBODY 65534

static int setup(void **st)
{
    (void)st;
    snprintf(dir, sizeof(dir), "/tmp/se05x-buslock.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(other, sizeof(other), "/tmp/se05x-buslock-t.XXXXXX");
    assert_non_null(mkdtemp(other));
    setenv("SE05X_LOCK_DIR", dir, 1);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", dir, other);
    assert_int_equal(system(cmd), 0);
    return 0;
}

/* Takes the bus through l and lets it go; returns whether l was told that
 * someone else used the bus since its own last use. */
static bool use_bus(struct se05x_buslock *l)
{
    struct se05x_error e;
    bool others = false;
    if (se05x_buslock_acquire(l, &others, &e) != SE05X_OK)
        fail_msg("acquire %s: %s", l->path, e.msg);
    se05x_buslock_release(l);
    return others;
}

static void test_generation(void **st)
{
    (void)st;
    struct se05x_buslock a, b;
    struct se05x_error e;
    bool others;
    assert_int_equal(se05x_buslock_open(&a, "i2c-1-0x48", NULL, &e), SE05X_OK);
    assert_int_equal(se05x_buslock_open(&b, "i2c-1-0x48", NULL, &e), SE05X_OK);
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
    assert_false(use_bus(&a));
    /* b takes the bus, then a must notice */
    assert_true(use_bus(&b));
    assert_true(use_bus(&a));
    assert_true(use_bus(&b));
    se05x_buslock_close(&a);
    se05x_buslock_close(&b);
}

static void test_exclusion(void **st)
{
    (void)st;
    struct se05x_buslock a;
    struct se05x_error e;
    bool others;
    assert_int_equal(se05x_buslock_open(&a, "i2c-1-0x48", NULL, &e), SE05X_OK);
    assert_int_equal(se05x_buslock_acquire(&a, &others, &e), SE05X_OK);
    pid_t pid = fork();
    if (pid == 0) {
        /* another process cannot take it while a holds it */
        struct se05x_buslock c;
        if (se05x_buslock_open(&c, "i2c-1-0x48", NULL, &e) != SE05X_OK)
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
        if (se05x_buslock_open(&c, "i2c-1-0x48", NULL, &e) != SE05X_OK)
            _exit(2);
        _exit(se05x_buslock_acquire(&c, &o, &e) == SE05X_OK && o ? 0 : 1);
    }
    waitpid(pid, &status, 0);
    assert_int_equal(WEXITSTATUS(status), 0);
    se05x_buslock_close(&a);
}

/* ---- hostile lock directories and files ---- */

static void in_dir(char *out, size_t n, const char *d, const char *name)
{
    int k = snprintf(out, n, "%s/%s", d, name);
    assert_true(k > 0 && (size_t)k < n);
}

/* An empty file d/name (mode 0600, created here), its path into path. */
static void make_empty(char *path, size_t n, const char *d, const char *name)
{
    in_dir(path, n, d, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    close(fd);
}

/* A root-owned file standing for /etc/shadow: mode 0640, known content. */
static void make_victim(char *path, size_t n)
{
    in_dir(path, n, other, "victim");
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0640);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "root:secret:1:2\n", 16), 16);
    close(fd);
    assert_int_equal(chmod(path, 0640), 0);
}

/* The victim file, and the lock name planted in the lock directory as a link
 * to it made by mklink (symlink or link). */
static void plant(char victim[128], char lock[128], int (*mklink)(const char *, const char *))
{
    make_victim(victim, 128);
    in_dir(lock, 128, dir, LOCK);
    assert_int_equal(mklink(victim, lock), 0);
}

static void assert_victim_unchanged(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(st.st_size, 16);
    char b[32] = {0};
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(read(fd, b, sizeof(b)), 16);
    close(fd);
    assert_memory_equal(b, "root:secret:1:2\n", 16);
}

/* Opening must fail with SE05X_E_IO and a message containing `what`. */
static void assert_refused(const struct stat *dev, const char *what)
{
    struct se05x_buslock l;
    struct se05x_error e;
    memset(&e, 0, sizeof(e));
    se05x_rc rc = se05x_buslock_open(&l, "i2c-1-0x48", dev, &e);
    if (rc == SE05X_OK)
        se05x_buslock_close(&l);
    assert_int_equal(rc, SE05X_E_IO);
    assert_int_equal(l.fd, -1);
    if (!strstr(e.msg, what))
        fail_msg("message '%s' lacks '%s'", e.msg, what);
}

static void skip_unless_root(void)
{
    if (geteuid() != 0)
        skip();
}

/* The attack of issue 9: a world-writable lock directory (like /run/lock)
 * with the lock name planted as a symlink to a root file. */
static void test_world_writable_dir_refused(void **st)
{
    (void)st;
    char victim[128], lock[128];
    assert_int_equal(chmod(dir, 01777), 0);
    plant(victim, lock, symlink);
    assert_refused(NULL, "writable by others");
    assert_refused(NULL, dir);
    assert_victim_unchanged(victim);
}

static void test_symlink_refused(void **st)
{
    (void)st;
    char victim[128], lock[128];
    plant(victim, lock, symlink);
    assert_refused(NULL, "symbolic link");
    assert_victim_unchanged(victim);
    /* a dangling one is not followed to create its target either */
    assert_int_equal(unlink(lock), 0);
    char absent[128];
    in_dir(absent, sizeof(absent), other, "absent");
    assert_int_equal(symlink(absent, lock), 0);
    assert_refused(NULL, "symbolic link");
    struct stat sb;
    assert_int_equal(lstat(absent, &sb), -1);
}

static void test_hardlink_refused(void **st)
{
    (void)st;
    char victim[128], lock[128];
    plant(victim, lock, link);
    assert_refused(NULL, "hard links");
    assert_victim_unchanged(victim);
}

static void test_fifo_refused(void **st)
{
    (void)st;
    char lock[128];
    in_dir(lock, sizeof(lock), dir, LOCK);
    assert_int_equal(mkfifo(lock, 0600), 0);
    assert_refused(NULL, "not a regular file"); /* and no hang on open */
}

static void test_foreign_file_refused(void **st)
{
    (void)st;
    skip_unless_root();
    char lock[128];
    make_empty(lock, sizeof(lock), dir, LOCK);
    assert_int_equal(chown(lock, NOBODY, NOBODY), 0);
    assert_refused(NULL, "owned by uid 65534");
    struct stat sb;
    assert_int_equal(stat(lock, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0600);
    assert_int_equal(sb.st_uid, NOBODY);
    assert_int_equal(sb.st_size, 0); /* nothing written */
}

/* An existing file wider than the rule is refused, never narrowed or widened. */
static void test_wide_file_refused(void **st)
{
    (void)st;
    char lock[128];
    make_empty(lock, sizeof(lock), dir, LOCK);
    assert_int_equal(chmod(lock, 0666), 0);
    assert_refused(NULL, "mode 0666 wider than 0660");
    struct stat sb;
    assert_int_equal(stat(lock, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0666);
    assert_int_equal(sb.st_size, 0);
}

static void test_unsafe_dirs_refused(void **st)
{
    (void)st;
    char p[128];
    /* a symlink to a safe directory */
    in_dir(p, sizeof(p), other, "link");
    assert_int_equal(symlink(dir, p), 0);
    setenv("SE05X_LOCK_DIR", p, 1);
    assert_refused(NULL, "symbolic link");
    /* a trailing slash does not make it followed */
    char slash[140];
    snprintf(slash, sizeof(slash), "%s//", p);
    setenv("SE05X_LOCK_DIR", slash, 1);
    assert_refused(NULL, "symbolic link");
    /* not absolute */
    setenv("SE05X_LOCK_DIR", "relative/dir", 1);
    assert_refused(NULL, "not an absolute path");
    /* group-writable by a group that is neither the device's nor ours */
    if (geteuid() == 0) {
        setenv("SE05X_LOCK_DIR", dir, 1);
        assert_int_equal(chown(dir, 0, NOBODY), 0);
        assert_int_equal(chmod(dir, 0770), 0);
        struct stat dev = {0};
        dev.st_gid = 0;
        dev.st_mode = S_IFCHR | 0660;
        assert_refused(&dev, "writable by group 65534");
        /* ... but fine when that is the device node's group */
        dev.st_gid = NOBODY;
        struct se05x_buslock l;
        struct se05x_error e;
        assert_int_equal(se05x_buslock_open(&l, "i2c-1-0x48", &dev, &e), SE05X_OK);
        se05x_buslock_close(&l);
        /* owned by another user */
        assert_int_equal(chown(dir, NOBODY, 0), 0);
        assert_int_equal(chmod(dir, 0700), 0);
        assert_refused(NULL, "owned by uid 65534");
        assert_int_equal(chown(dir, 0, 0), 0);
    }
}

/* A new lock file takes the device node's group and (rw) mode; an existing
 * one is opened as it is. */
static void test_new_file_follows_device(void **st)
{
    (void)st;
    skip_unless_root();
    /* a regular file standing in for /dev/i2c-1 (root:nogroup 0660) */
    char node[128], lock[128];
    make_empty(node, sizeof(node), other, "i2c-1");
    assert_int_equal(chown(node, 0, NOBODY), 0);
    assert_int_equal(chmod(node, 0664), 0);
    struct stat dev;
    assert_int_equal(stat(node, &dev), 0);
    mode_t old = umask(077);
    struct se05x_buslock l;
    struct se05x_error e;
    assert_int_equal(se05x_buslock_open(&l, "i2c-1-0x48", &dev, &e), SE05X_OK);
    umask(old);
    in_dir(lock, sizeof(lock), dir, LOCK);
    struct stat sb;
    assert_int_equal(lstat(lock, &sb), 0);
    assert_true(S_ISREG(sb.st_mode));
    assert_int_equal(sb.st_uid, 0);
    assert_int_equal(sb.st_gid, NOBODY);
    assert_int_equal(sb.st_mode & 07777, 0660);
    assert_true(use_bus(&l));
    se05x_buslock_close(&l);
    /* opened again as it is */
    assert_int_equal(se05x_buslock_open(&l, "i2c-1-0x48", &dev, &e), SE05X_OK);
    se05x_buslock_close(&l);
    /* a device only its owner may open: a private lock file */
    assert_int_equal(unlink(lock), 0);
    assert_int_equal(chmod(node, 0600), 0);
    assert_int_equal(stat(node, &dev), 0);
    assert_int_equal(se05x_buslock_open(&l, "i2c-1-0x48", &dev, &e), SE05X_OK);
    se05x_buslock_close(&l);
    assert_int_equal(lstat(lock, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0600);
    /* the existing 0600 file is now narrower than a 0660 device's rule: fine */
    assert_int_equal(chmod(node, 0660), 0);
    assert_int_equal(stat(node, &dev), 0);
    assert_int_equal(se05x_buslock_open(&l, "i2c-1-0x48", &dev, &e), SE05X_OK);
    se05x_buslock_close(&l);
    assert_int_equal(lstat(lock, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0600); /* never changed */
}

/* No device node (T=1 over TCP): 0660 with our group. A missing directory is
 * created by root: 02770, the device's group. */
static void test_no_device_and_created_dir(void **st)
{
    (void)st;
    skip_unless_root();
    char sub[128], lock[128];
    in_dir(sub, sizeof(sub), dir, "sub");
    setenv("SE05X_LOCK_DIR", sub, 1);
    struct stat dev = {0};
    dev.st_gid = NOBODY;
    dev.st_mode = S_IFCHR | 0660;
    struct se05x_buslock l;
    struct se05x_error e;
    assert_int_equal(se05x_buslock_open(&l, "i2c-1-0x48", &dev, &e), SE05X_OK);
    se05x_buslock_close(&l);
    struct stat sb;
    assert_int_equal(lstat(sub, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    assert_int_equal(sb.st_uid, 0);
    assert_int_equal(sb.st_gid, NOBODY);
    assert_int_equal(sb.st_mode & 07777, 02770);
    assert_int_equal(se05x_buslock_open(&l, "t1-127.0.0.1-8050", NULL, &e), SE05X_OK);
    se05x_buslock_close(&l);
    in_dir(lock, sizeof(lock), sub, "se05x-t1-127.0.0.1-8050.lock");
    assert_int_equal(lstat(lock, &sb), 0);
    assert_int_equal(sb.st_gid, getegid());
    assert_int_equal(sb.st_mode & 07777, 0660);
    setenv("SE05X_LOCK_DIR", dir, 1);
}

/* A missing directory that we may not create is an error naming it (no
 * fallback elsewhere). */
static void test_missing_dir_no_fallback(void **st)
{
    (void)st;
    char p[160];
    snprintf(p, sizeof(p), "%s/no/such/dir", dir);
    setenv("SE05X_LOCK_DIR", p, 1);
    assert_refused(NULL, p);
    setenv("SE05X_LOCK_DIR", dir, 1);
}

/* As nobody (forked, setuid): a root-only directory is "Permission denied";
 * in nobody's own directory a lock for a device whose group nobody is not in
 * is created private (0600, nobody's group), not widened to that group. */
static void test_unprivileged(void **st)
{
    (void)st;
    skip_unless_root();
    assert_int_equal(chmod(dir, 02770), 0);
    char own[128];
    in_dir(own, sizeof(own), other, "nobody");
    assert_int_equal(mkdir(own, 0700), 0);
    assert_int_equal(chown(own, NOBODY, NOBODY), 0);
    assert_int_equal(chmod(other, 0711), 0);
    assert_int_equal(chmod(dir, 02771), 0); /* nobody may traverse, not write */
    pid_t pid = fork();
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
            _exit(10);
        struct se05x_buslock l;
        struct se05x_error e;
        struct stat dev = {0};
        dev.st_gid = 0;
        dev.st_mode = S_IFCHR | 0660;
        /* root's directory: nobody may not create a lock there */
        if (se05x_buslock_open(&l, "i2c-1-0x48", &dev, &e) == SE05X_OK)
            _exit(11);
        if (!strstr(e.msg, "Permission denied"))
            _exit(12);
        setenv("SE05X_LOCK_DIR", own, 1);
        if (se05x_buslock_open(&l, "i2c-1-0x48", &dev, &e) != SE05X_OK)
            _exit(13);
        se05x_buslock_close(&l);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    char lock[160];
    in_dir(lock, sizeof(lock), dir, LOCK);
    struct stat sb;
    assert_int_equal(lstat(lock, &sb), -1);
    in_dir(lock, sizeof(lock), own, LOCK);
    assert_int_equal(lstat(lock, &sb), 0);
    assert_int_equal(sb.st_uid, NOBODY);
    assert_int_equal(sb.st_gid, NOBODY);
    assert_int_equal(sb.st_mode & 07777, 0600);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_generation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exclusion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_world_writable_dir_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hardlink_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_file_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wide_file_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsafe_dirs_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_file_follows_device, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_device_and_created_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_dir_no_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unprivileged, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
