/* SPDX-License-Identifier: Apache-2.0 */
/* Connection strings: every accepted form, strict rejection, and resolution order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "internal.h"

static struct se05x_conn_spec ok(const char *s)
{
    struct se05x_conn_spec c;
    struct se05x_error e = {0};
    se05x_rc rc = se05x_conn_parse(s, &c, &e);
    if (rc != SE05X_OK)
        fail_msg("'%s' rejected: %s", s ? s : "(null)", e.msg);
    return c;
}

static void bad(const char *s, const char *why)
{
    struct se05x_conn_spec c;
    struct se05x_error e = {0};
    se05x_rc rc = se05x_conn_parse(s, &c, &e);
    if (rc != SE05X_E_BAD_ARG)
        fail_msg("'%s' accepted", s);
    assert_int_equal(e.rc, SE05X_E_BAD_ARG);
    if (!strstr(e.msg, "bad connection string '") || !strstr(e.msg, why))
        fail_msg("'%s': message '%s' lacks '%s'", s, e.msg, why);
    assert_null(strchr(e.msg, '\n'));
}

static void tcp_forms(void **st)
{
    (void)st;
    struct se05x_conn_spec c = ok("127.0.0.1:8050");
    assert_int_equal(c.kind, SE05X_CONN_JRCP_TCP);
    assert_string_equal(c.host, "127.0.0.1");
    assert_int_equal(c.port, 8050);
    c = ok("localhost:1");
    assert_string_equal(c.host, "localhost");
    assert_int_equal(c.port, 1);
    c = ok("jrcp1://sim.example-host_1.lan:65535");
    assert_int_equal(c.kind, SE05X_CONN_JRCP_TCP);
    assert_string_equal(c.host, "sim.example-host_1.lan");
    assert_int_equal(c.port, 65535);
    c = ok("[::1]:8050");
    assert_int_equal(c.kind, SE05X_CONN_JRCP_TCP);
    assert_string_equal(c.host, "::1");
    c = ok("jrcp1://[fe80::1:2]:9");
    assert_string_equal(c.host, "fe80::1:2");
    assert_int_equal(c.port, 9);
}

static void t1_forms(void **st)
{
    (void)st;
    struct se05x_conn_spec c = ok("t1:127.0.0.1:8050");
    assert_int_equal(c.kind, SE05X_CONN_T1_TCP);
    assert_string_equal(c.host, "127.0.0.1");
    assert_int_equal(c.port, 8050);
    c = ok("t1tcp://localhost:7000");
    assert_int_equal(c.kind, SE05X_CONN_T1_TCP);
    assert_int_equal(c.port, 7000);
    c = ok("t1:[::1]:5");
    assert_int_equal(c.kind, SE05X_CONN_T1_TCP);
    assert_string_equal(c.host, "::1");
}

static void unix_forms(void **st)
{
    (void)st;
    struct se05x_conn_spec c = ok("unix:/var/run/am");
    assert_int_equal(c.kind, SE05X_CONN_JRCP_UNIX);
    assert_string_equal(c.path, "/var/run/am");
    c = ok("unix:relative.sock");
    assert_string_equal(c.path, "relative.sock");
    c = ok("unix:///run/x.sock");
    assert_string_equal(c.path, "/run/x.sock");
}

static void i2c_forms(void **st)
{
    (void)st;
    struct se05x_conn_spec c = ok("/dev/i2c-1");
    assert_int_equal(c.kind, SE05X_CONN_I2C);
    assert_string_equal(c.path, "/dev/i2c-1");
    assert_int_equal(c.i2c_addr, 0x48);
    c = ok("/dev/i2c-12:0x4a");
    assert_string_equal(c.path, "/dev/i2c-12");
    assert_int_equal(c.i2c_addr, 0x4A);
    c = ok("/dev/i2c-0:0X08");
    assert_int_equal(c.i2c_addr, 0x08);
    c = ok("/dev/i2c-3:0x77");
    assert_int_equal(c.i2c_addr, 0x77);
    const char *dflt[] = {"", "none", "None", "NONE", NULL};
    for (int i = 0; i < 5; i++) {
        c = ok(dflt[i]);
        assert_int_equal(c.kind, SE05X_CONN_I2C);
        assert_string_equal(c.path, "/dev/i2c-1");
        assert_int_equal(c.i2c_addr, 0x48);
    }
}

static void rejected(void **st)
{
    (void)st;
    bad("127.0.0.1", "expected HOST:PORT");
    bad("127.0.0.1:", "port must be");
    bad("127.0.0.1:0", "port must be");
    bad("127.0.0.1:65536", "port must be");
    bad("127.0.0.1:123456", "port must be");
    bad("127.0.0.1:80a", "port must be");
    bad("127.0.0.1:-1", "port must be");
    bad("127.0.0.1:+80", "port must be");
    bad(":8050", "empty host");
    bad("::1:8050", "too many ':'");
    bad("[::1]8050", "missing ':PORT'");
    bad("[::1:8050", "missing ']'");
    bad("[]:8050", "empty IPv6");
    bad("[::g]:8050", "invalid character");
    bad("host/x:8050", "invalid character");
    bad("127.0.0.1 :8050", "spaces");
    bad("127.0.0.1:8050\n", "non-printable");
    bad("t1:", "expected HOST:PORT");
    bad("t1tcp://host", "expected HOST:PORT");
    bad("jrcp1://:1", "empty host");
    bad("jrcp2://127.0.0.1:8050", "unknown scheme");
    bad("unix:", "empty socket path");
    bad("/dev/i2c-", "bus number");
    bad("/dev/i2c-x", "bus number");
    bad("/dev/i2c-1:48", "hexadecimal");
    bad("/dev/i2c-1:0x", "0x08..0x77");
    bad("/dev/i2c-1:0x07", "0x08..0x77");
    bad("/dev/i2c-1:0x78", "0x08..0x77");
    bad("/dev/i2c-1:0x123", "0x08..0x77");
    bad("/dev/i2c-1:0xzz", "hexadecimal");
    bad("/dev/i2c-1x", "expected ':0xAA'");
    bad("/dev/ttyACM0", "only /dev/i2c-N");
    bad("COM6", "VCOM");
    char host[300];
    memset(host, 'h', sizeof host);
    snprintf(host + 260, 40, ":8050");
    bad(host, "too long");
    char path[200] = "unix:/";
    memset(path + 6, 'p', 150);
    path[156] = '\0';
    bad(path, "socket path too long");
    char huge[700];
    memset(huge, 'a', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    bad(huge, "too long");
    /* the quoted string in the message is bounded */
    struct se05x_conn_spec c;
    struct se05x_error e;
    se05x_conn_parse(huge, &c, &e);
    assert_true(strlen(e.msg) < 150);
    /* output cleared on failure, NULL output refused */
    assert_int_equal(c.port, 0);
    assert_int_equal(se05x_conn_parse("1:1", NULL, &e), SE05X_E_BAD_ARG);
    assert_int_equal(se05x_conn_parse("x", &c, NULL), SE05X_E_BAD_ARG);
}

static void write_conf(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void resolve_order(void **st)
{
    (void)st;
    char buf[512], conf[256];
    tmp_path(conf, sizeof conf, "conf");
    write_conf(conf, "# se05x configuration\n\n  port = first-wins:1   # comment\n");
    setenv("SE05X_CONF", conf, 1);
    unsetenv("EX_SSS_BOOT_SSS_PORT");
    assert_string_equal(se05x_conn_resolve(NULL, buf, sizeof buf), "first-wins:1");
    write_conf(conf, "# comment\n\tport = \"127.0.0.1:9000\"  # the emulator\n");
    assert_string_equal(se05x_conn_resolve(NULL, buf, sizeof buf), "127.0.0.1:9000");
    assert_string_equal(se05x_conn_resolve("", buf, sizeof buf), "127.0.0.1:9000");
    setenv("EX_SSS_BOOT_SSS_PORT", "127.0.0.1:8040", 1);
    assert_string_equal(se05x_conn_resolve(NULL, buf, sizeof buf), "127.0.0.1:8040");
    assert_string_equal(se05x_conn_resolve("t1:h:1", buf, sizeof buf), "t1:h:1");
    setenv("EX_SSS_BOOT_SSS_PORT", "", 1);
    assert_string_equal(se05x_conn_resolve(NULL, buf, sizeof buf), "127.0.0.1:9000");
    /* a file without a port line: the default */
    write_conf(conf, "# nothing set\n");
    assert_string_equal(se05x_conn_resolve(NULL, buf, sizeof buf), "/dev/i2c-1");
    unlink(conf);
    /* small buffer: truncated, terminated */
    char small[4];
    assert_string_equal(se05x_conn_resolve("abcdef", small, sizeof small), "abc");
    unsetenv("SE05X_CONF");
    unsetenv("EX_SSS_BOOT_SSS_PORT");
}

/* One reading (se05x_conf_new) serves the resolution and the open: the file
 * is read on first need and never again, so a file changed or removed after
 * it makes no difference to that reading. */
static void conf_reading(void **st)
{
    (void)st;
    char buf[512], conf[256];
    struct se05x_error e;
    enum se05x_conn_origin o = SE05X_CONN_FROM_DEFAULT;
    tmp_path(conf, sizeof conf, "conf");
    write_conf(conf, "port = a:1\nauth = platform-scp03\n");
    setenv("SE05X_CONF", conf, 1);
    unsetenv("EX_SSS_BOOT_SSS_PORT");
    unsetenv("SE05X_AUTH");
    unsetenv("EX_SSS_BOOT_SCP03_PATH");
    se05x_conf *c = se05x_conf_new();
    assert_non_null(c);
    assert_int_equal(se05x_conn_resolve_with(c, NULL, buf, sizeof buf, &o, &e), SE05X_OK);
    assert_string_equal(buf, "a:1");
    assert_int_equal(o, SE05X_CONN_FROM_CONFIG);
    unlink(conf); /* read already: the reading keeps what it read */
    assert_int_equal(se05x_conn_resolve_with(c, NULL, buf, sizeof buf, &o, &e), SE05X_OK);
    assert_string_equal(buf, "a:1");
    /* the open takes the link protection from the same reading: SCP03
     * demanded without keys fails before any connection is tried */
    se05x_session *s = NULL;
    memset(&e, 0, sizeof e);
    assert_int_equal(se05x_open_with(c, "unix:/nonexistent/se05x.sock", NULL, &s, &e), SE05X_E_BAD_ARG);
    assert_null(s);
    assert_non_null(strstr(e.msg, "Platform SCP03 required"));
    se05x_conf_free(c);
    /* a fresh reading sees the file gone: SE05X_CONF names a missing file */
    c = se05x_conf_new();
    assert_non_null(c);
    assert_int_equal(se05x_conn_resolve_with(c, NULL, buf, sizeof buf, &o, &e), SE05X_E_IO);
    assert_string_equal(buf, "");
    assert_int_equal(se05x_open_with(c, "unix:/nonexistent/se05x.sock", NULL, &s, &e), SE05X_E_IO);
    se05x_conf_free(c);
    assert_int_equal(se05x_open_with(NULL, "a:1", NULL, &s, &e), SE05X_E_BAD_ARG);
    se05x_conf_free(NULL);
    unsetenv("SE05X_CONF");
}

/* A malformed file, or SE05X_CONF naming a missing file: an error naming the
 * file and the line, buf empty (se05x_open of it fails the same way), never
 * /dev/i2c-1. */
static void conf_errors(void **st)
{
    (void)st;
    char buf[512], conf[256], want[400];
    tmp_path(conf, sizeof conf, "conf");
    setenv("SE05X_CONF", conf, 1);
    unsetenv("EX_SSS_BOOT_SSS_PORT");
    const struct {
        const char *text, *msg;
        se05x_rc rc;
    } c[] = {
        {"# c\n\nprot = /dev/i2c-2\n", ":3: unknown key 'prot'", SE05X_E_FORMAT},
        {"port /dev/i2c-2\n", ":1: expected 'key = value', found no '='", SE05X_E_FORMAT},
        {"port = # nothing\n", ":1: empty value for 'port'", SE05X_E_FORMAT},
        {"port = ''\n", ":1: empty value for 'port'", SE05X_E_FORMAT},
        {"port =\n", ":1: empty value for 'port'", SE05X_E_FORMAT},
        {"= x\n", ":1: missing key before '='", SE05X_E_FORMAT},
        {"port = 127.0.0.1:99999\n", ":1: port: bad connection string '127.0.0.1:99999'", SE05X_E_FORMAT},
        {"port = /dev/ttyACM0\n", ":1: port: bad connection string", SE05X_E_FORMAT},
        {"port = \"x:1\n", ":1: unterminated quote", SE05X_E_FORMAT},
        {"port = \"x:1\" y\n", ":1: text after the quoted value", SE05X_E_FORMAT},
        {"port = a:1\nport = b:2\n", ":2: 'port' given twice (first on line 1)", SE05X_E_FORMAT},
        {"  portx = nope\nport=first:1\n", ":1: unknown key 'portx'", SE05X_E_FORMAT},
        {"port = a:1\n[section]\n", ":2: expected 'key = value'", SE05X_E_FORMAT},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        write_conf(conf, c[i].text);
        struct se05x_error e = {0};
        strcpy(buf, "unchanged");
        assert_int_equal(se05x_conn_resolve_ex(NULL, buf, sizeof buf, &e), c[i].rc);
        snprintf(want, sizeof want, "%s%s", conf, c[i].msg);
        if (strncmp(e.msg, want, strlen(want)) != 0)
            fail_msg("case %zu: got '%s', want '%s...'", i, e.msg, want);
        assert_string_equal(buf, "");
        /* the old entry point never falls back to /dev/i2c-1 either, and
         * se05x_open fails with the same message without connecting */
        assert_string_equal(se05x_conn_resolve(NULL, buf, sizeof buf), "");
        se05x_session *s = NULL;
        struct se05x_error oe = {0};
        assert_int_equal(se05x_open(NULL, NULL, &s, &oe), c[i].rc);
        assert_null(s);
        assert_string_equal(oe.msg, e.msg);
    }
    /* a line longer than 1024 characters */
    char longline[1300];
    memset(longline, 'x', sizeof longline);
    memcpy(longline, "port = ", 7);
    longline[sizeof longline - 2] = '\n';
    longline[sizeof longline - 1] = '\0';
    write_conf(conf, longline);
    struct se05x_error e = {0};
    assert_int_equal(se05x_conn_resolve_ex(NULL, buf, sizeof buf, &e), SE05X_E_FORMAT);
    assert_non_null(strstr(e.msg, ":1: line too long"));
    /* SE05X_CONF naming a missing file is an error, naming it */
    unlink(conf);
    memset(&e, 0, sizeof e);
    assert_int_equal(se05x_conn_resolve_ex(NULL, buf, sizeof buf, &e), SE05X_E_IO);
    snprintf(want, sizeof want, "SE05X_CONF names %s, which cannot be read: No such file or directory", conf);
    assert_string_equal(e.msg, want);
    /* a directory, a world-writable file: refused */
    assert_int_equal(mkdir(conf, 0700), 0);
    memset(&e, 0, sizeof e);
    assert_int_equal(se05x_conn_resolve_ex(NULL, buf, sizeof buf, &e), SE05X_E_IO);
    assert_non_null(strstr(e.msg, "is not a regular file"));
    rmdir(conf);
    write_conf(conf, "port = a:1\n");
    chmod(conf, 0666);
    memset(&e, 0, sizeof e);
    assert_int_equal(se05x_conn_resolve_ex(NULL, buf, sizeof buf, &e), SE05X_E_IO);
    assert_non_null(strstr(e.msg, "is writable by every user"));
    /* an explicit connection or EX_SSS_BOOT_SSS_PORT never reads the file */
    assert_int_equal(se05x_conn_resolve_ex("t1:h:1", buf, sizeof buf, NULL), SE05X_OK);
    assert_string_equal(buf, "t1:h:1");
    setenv("EX_SSS_BOOT_SSS_PORT", "h:2", 1);
    assert_int_equal(se05x_conn_resolve_ex(NULL, buf, sizeof buf, NULL), SE05X_OK);
    assert_string_equal(buf, "h:2");
    unlink(conf);
    /* SE05X_CONF unset or empty: the default file, whose absence is fine */
    unsetenv("EX_SSS_BOOT_SSS_PORT");
    setenv("SE05X_CONF", "", 1);
    if (access("/etc/se05x/se05x.conf", F_OK) != 0) {
        memset(&e, 0, sizeof e);
        assert_int_equal(se05x_conn_resolve_ex(NULL, buf, sizeof buf, &e), SE05X_OK);
        assert_string_equal(buf, "/dev/i2c-1");
        unsetenv("SE05X_CONF");
        assert_int_equal(se05x_conn_resolve_ex(NULL, buf, sizeof buf, &e), SE05X_OK);
        assert_string_equal(buf, "/dev/i2c-1");
        assert_string_equal(e.msg, "");
    }
    unsetenv("SE05X_CONF");
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(tcp_forms),  cmocka_unit_test(t1_forms),  cmocka_unit_test(unix_forms),
        cmocka_unit_test(i2c_forms),  cmocka_unit_test(rejected),  cmocka_unit_test(resolve_order), cmocka_unit_test(conf_errors),
        cmocka_unit_test(conf_reading),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
