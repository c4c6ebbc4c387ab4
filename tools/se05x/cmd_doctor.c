/* SPDX-License-Identifier: Apache-2.0 */
/* se05x doctor: what is wrong with this setup? Checks, in order, with one
 * line each and a final verdict (docs/doctor.md): the configuration and
 * where the port comes from, the device node, the bus lock directory, the
 * chip's answer, the link protection, the OpenSSL/p11-kit plug-ins, and the
 * files a given OPENSSL_CONF, mender.conf or Greengrass configuration name.
 * Every failure names its fix. Exit 0 when nothing failed, 1 otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "commands.h"
#include "connmsg.h"
#include "fileio.h"
#include "infile.h"
#include "jsonout.h"

#ifndef SE05X_INSTALL_LIBDIR
#define SE05X_INSTALL_LIBDIR "/usr/local/lib"
#endif

static const char doctor_usage[] =
    "Usage: se05x doctor [--json] [--openssl-conf FILE] [--mender-conf FILE]\n"
    "                    [--greengrass-config FILE] [--pkcs11-module FILE]\n"
    "Checks the setup step by step, one line each, and ends with a verdict:\n"
    "configuration files and where the port comes from; the device node, its\n"
    "group and whether you may open it; the bus lock directory; the chip's answer\n"
    "(applet, UID, ATR); Platform SCP03 settings against what the chip demands;\n"
    "the engine, provider and PKCS#11 module where OpenSSL and p11-kit find them;\n"
    "and the keys and files named by OPENSSL_CONF (or --openssl-conf), a Mender\n"
    "configuration and a Greengrass config.json / config.yaml.\n"
    "  --json                   one JSON object instead of lines\n"
    "  --openssl-conf FILE      check FILE instead of $OPENSSL_CONF\n"
    "  --mender-conf FILE       check the key files a mender.conf names\n"
    "  --greengrass-config FILE check the PKCS#11 module and pkcs11: keys it names\n"
    "  --pkcs11-module FILE     where libsss_pkcs11.so is (default: the install directory)\n"
    "Exit status: 0 when every check passed (warnings allowed), 1 otherwise.\n";

enum verdict { V_OK, V_WARN, V_FAIL, V_SKIP };
static const char *const vname[] = {"ok", "warn", "FAIL", "skip"};

#define MAX_CHECKS 48

struct check {
    enum verdict v;
    char name[24];
    char detail[700];
    char fix[400];
};

struct doctor {
    struct tool *t;
    struct check c[MAX_CHECKS];
    size_t n;
    se05x_session *s; /* open chip, or NULL */
    se05x_conf *conf; /* one reading of the configuration file for the port and the chip */
};

__attribute__((format(printf, 4, 5))) static struct check *add(struct doctor *d, enum verdict v,
                                                               const char *name, const char *fmt, ...)
{
    static struct check overflow; /* never printed: MAX_CHECKS is above what we add */
    struct check *c = d->n < MAX_CHECKS ? &d->c[d->n++] : &overflow;
    memset(c, 0, sizeof *c);
    c->v = v;
    snprintf(c->name, sizeof c->name, "%s", name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->detail, sizeof c->detail, fmt, ap);
    va_end(ap);
    return c;
}

__attribute__((format(printf, 2, 3))) static void fix(struct check *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->fix, sizeof c->fix, fmt, ap);
    va_end(ap);
}

static int is_file(const char *p)
{
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* ---- 1. configuration and port ---- */

static int check_config(struct doctor *d, struct se05x_conn_spec *spec)
{
    struct tool *t = d->t;
    const char *conf = se05x_conf_file();
    struct se05x_error err;
    memset(&err, 0, sizeof err);
    enum se05x_conn_origin origin;
    if (se05x_conn_resolve_with(d->conf, t->port_arg, t->conn, sizeof t->conn, &origin, &err) != SE05X_OK) {
        fix(add(d, V_FAIL, "config", "%s", err.msg), "correct %s (docs/lib.md \"Configuration file\")", conf);
        return -1;
    }
    if (is_file(conf))
        add(d, V_OK, "config", "%s: read, no error", conf);
    else
        add(d, V_OK, "config", "%s: not present (defaults apply)", conf);
    tool_conn_from(t->conn_from, sizeof t->conn_from, origin, "--port");
    if (se05x_conn_parse(t->conn, spec, &err) != SE05X_OK) {
        fix(add(d, V_FAIL, "port", "%s (from %s): %s", t->conn, t->conn_from, err.msg),
            "give a valid connection string there (docs/tools.md \"Connection strings\")");
        return -1;
    }
    struct check *c = add(d, origin == SE05X_CONN_FROM_DEFAULT ? V_WARN : V_OK, "port", "%s (from %s)",
                          t->conn, t->conn_from);
    if (origin == SE05X_CONN_FROM_DEFAULT)
        fix(c, "set \"port = ...\" in %s or EX_SSS_BOOT_SSS_PORT to make the choice explicit", conf);
    return 0;
}

/* ---- 2. device node, 3. bus lock ---- */

static void check_device(struct doctor *d, const struct se05x_conn_spec *spec)
{
    if (spec->kind != SE05X_CONN_I2C) {
        add(d, V_SKIP, "device", "%s is not an I2C device (emulator, se05xd or a TCP bridge)", d->t->conn);
        return;
    }
    const char *p = spec->path;
    struct stat st;
    if (stat(p, &st) != 0) {
        fix(add(d, V_FAIL, "device", "%s: %s", p, strerror(errno)),
            "enable I2C in the kernel/device tree (Raspberry Pi: dtparam=i2c_arm=on in config.txt, "
            "or raspi-config) and load i2c-dev (modprobe i2c-dev)");
        return;
    }
    if (!S_ISCHR(st.st_mode)) {
        fix(add(d, V_FAIL, "device", "%s is not a character device", p), "point the port at the I2C bus device");
        return;
    }
    struct group *g = getgrgid(st.st_gid);
    char gname[64];
    snprintf(gname, sizeof gname, "%s", g ? g->gr_name : "?");
    int fd = open(p, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        struct check *c = add(d, V_FAIL, "device", "%s (owner %u, group %s, mode %04o): cannot open it: %s", p,
                              (unsigned)st.st_uid, gname, (unsigned)(st.st_mode & 07777), strerror(e));
        if (e == EACCES || e == EPERM)
            fix(c, "add the user to group %s (usermod -aG %s USER, then log in again), or run se05xd and "
                   "connect through it", gname, gname);
        else
            fix(c, "check the I2C bus driver");
        return;
    }
    close(fd);
    add(d, V_OK, "device", "%s (group %s, mode %04o): opens read/write", p, gname, (unsigned)(st.st_mode & 07777));
}

static void check_lock(struct doctor *d, const struct se05x_conn_spec *spec)
{
    if (spec->kind != SE05X_CONN_I2C) {
        add(d, V_SKIP, "bus lock", "only I2C devices are locked (the other end serialises)");
        return;
    }
    const char *env = getenv("SE05X_LOCK_DIR");
    const char *dir = env && *env ? env : "/run/se05x";
    struct stat st;
    if (lstat(dir, &st) != 0) {
        fix(add(d, V_WARN, "bus lock", "%s does not exist: only root can create it on first use", dir),
            "install the tmpfiles snippet (systemd-tmpfiles --create se05x.conf) so that it exists at boot");
        return;
    }
    struct check *c = NULL;
    if (!S_ISDIR(st.st_mode))
        c = add(d, V_FAIL, "bus lock", "%s is not a directory (a symbolic link or file is refused)", dir);
    else if (st.st_uid != 0 && st.st_uid != geteuid())
        c = add(d, V_FAIL, "bus lock", "%s is owned by uid %u, not root or you", dir, (unsigned)st.st_uid);
    else if (st.st_mode & S_IWOTH)
        c = add(d, V_FAIL, "bus lock", "%s is writable by every user", dir);
    if (c != NULL) {
        fix(c, "remove %s and let systemd-tmpfiles recreate it (docs/security.md \"Bus lock\")", dir);
        return;
    }
    add(d, V_OK, "bus lock", "%s (mode %04o)", dir, (unsigned)(st.st_mode & 07777));
}

/* ---- 4. the chip, 5. link protection ---- */

static void check_chip(struct doctor *d)
{
    struct tool *t = d->t;
    struct se05x_error err;
    memset(&err, 0, sizeof err);
    se05x_rc rc = se05x_open_with(d->conf, t->conn, NULL, &d->s, &err);
    if (rc != SE05X_OK) {
        d->s = NULL;
        struct check *c = add(d, V_FAIL, "chip", "no answer on %s (from %s): %s", t->conn, t->conn_from,
                              err.msg[0] ? err.msg : se05x_strerror(rc));
        if (err.sw == 0x6982)
            fix(c, "the chip demands Platform SCP03: set scp03_keys in %s or EX_SSS_BOOT_SCP03_PATH "
                   "(docs/scp03.md)", se05x_conf_file());
        else if (rc == SE05X_E_LINK || rc == SE05X_E_TIMEOUT)
            fix(c, "is the chip (or se05x-sim / se05xd) running and wired? check the port and the address");
        else
            fix(c, "see the message; docs/tools.md \"Troubleshooting\"");
        add(d, V_SKIP, "link", "no session");
        return;
    }
    const struct se05x_applet_info *a = se05x_applet(d->s);
    uint8_t uid[18];
    char *uidhex = se05x_read_uid(d->s, uid) == SE05X_OK ? tool_hex_upper(uid, sizeof uid) : NULL;
    uint8_t atr[64];
    size_t n = se05x_atr(d->s, atr, sizeof atr);
    char *atrhex = n ? tool_hex_upper(atr, n < sizeof atr ? n : sizeof atr) : NULL;
    add(d, V_OK, "chip", "applet %u.%u.%u (config 0x%04X), UID %s, ATR %s", a ? a->major : 0, a ? a->minor : 0,
        a ? a->patch : 0, a ? a->config : 0, uidhex ? uidhex : "?", atrhex ? atrhex : "(none)");
    free(uidhex);
    free(atrhex);
    const char *mode = se05x_link_mode(d->s);
    if (strcmp(mode, "plain") == 0) {
        fix(add(d, V_WARN, "link", "plain: APDUs cross the bus unprotected (no SCP03 keys configured)"),
            "for production, rotate the chip's SCP03 keys and configure them (docs/scp03.md)");
    } else {
        add(d, V_OK, "link", "%s", mode);
    }
}

/* ---- 6. plug-ins ---- */

/* OpenSSL_version(OPENSSL_ENGINES_DIR) is `ENGINESDIR: "/path"`. */
static void ossl_dir(int which, const char *env, char *out, size_t cap)
{
    const char *e = getenv(env);
    if (e && *e) {
        snprintf(out, cap, "%s", e);
        return;
    }
    const char *v = OpenSSL_version(which);
    const char *q = v ? strchr(v, '"') : NULL;
    const char *r = q ? strrchr(q + 1, '"') : NULL;
    if (q && r && r > q)
        snprintf(out, cap, "%.*s", (int)(r - q - 1), q + 1);
    else
        snprintf(out, cap, "?");
}

static void check_plugins(struct doctor *d, const char *p11)
{
    char dir[PATH_MAX], path[PATH_MAX + 32];
    ossl_dir(OPENSSL_ENGINES_DIR, "OPENSSL_ENGINES", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/e4sss.so", dir);
    if (is_file(path))
        add(d, V_OK, "engine", "%s (ENGINE_by_id(\"e4sss\") finds it)", path);
    else
        fix(add(d, V_FAIL, "engine", "no e4sss.so in OpenSSL's engines directory %s", dir),
            "install se05x-openssl (or cmake --install with SE05X_SYSTEM_PLUGIN_DIRS=ON), or name "
            "libsss_engine.so with dynamic_path in openssl.cnf");
    ossl_dir(OPENSSL_MODULES_DIR, "OPENSSL_MODULES", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/se05x.so", dir);
    if (is_file(path))
        add(d, V_OK, "provider", "%s (-provider se05x finds it)", path);
    else
        fix(add(d, V_FAIL, "provider", "no se05x.so in OpenSSL's modules directory %s", dir),
            "install se05x-openssl, or set OPENSSL_MODULES / -provider-path to where se05x.so is");
    char def[PATH_MAX];
    if (!p11) {
        snprintf(def, sizeof def, "%s/libsss_pkcs11.so", SE05X_INSTALL_LIBDIR);
        p11 = def;
    }
    if (is_file(p11))
        add(d, V_OK, "pkcs11", "%s (give this path to pkcs11-tool --module, Greengrass P11Provider)", p11);
    else
        fix(add(d, V_FAIL, "pkcs11", "%s: not found", p11),
            "install se05x-pkcs11, or pass --pkcs11-module with the module's path");
}

/* ---- 7. files that name keys ---- */

/* Reads a small text file whole (less than 1 MiB); NULL with errno set on
 * failure (EFBIG: larger). */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    uint8_t *b;
    size_t n;
    int e = infile_read(f, (1u << 20) - 1, &b, &n);
    fclose(f);
    errno = e;
    return (char *)b;
}

/* The key object a ref file or an "nxp:" name points at, checked on the chip. */
static void check_key_on_chip(struct doctor *d, const char *what, se05x_objid id)
{
    if (!d->s) {
        add(d, V_SKIP, what, "key 0x%08X: no session to check it", id);
        return;
    }
    bool exists = false;
    se05x_rc rc = se05x_object_exists(d->s, id, &exists);
    if (rc != SE05X_OK)
        add(d, V_FAIL, what, "key 0x%08X: cannot ask the chip: %s", id, se05x_strerror(rc));
    else if (!exists)
        fix(add(d, V_FAIL, what, "key 0x%08X does not exist on %s", id, d->t->conn),
            "generate or import it (se05x generate / seTool genECC / ssscli set)");
    else
        add(d, V_OK, what, "key 0x%08X exists on the chip", id);
}

static void check_key_name(struct doctor *d, const char *what, const char *name)
{
    se05x_objid id;
    if (strncmp(name, "nxp:", 4) == 0) {
        if (se05x_parse_objid(name + 4, &id) != SE05X_OK)
            add(d, V_FAIL, what, "%s: not a key id", name);
        else
            check_key_on_chip(d, what, id);
        return;
    }
    struct se05x_refkey ref;
    int is_ref = 0;
    struct se05x_error err;
    memset(&err, 0, sizeof err);
    if (!is_file(name)) {
        fix(add(d, V_FAIL, what, "%s does not exist", name), "write it (seTool getRef / se05x refkey)");
        return;
    }
    if (se05x_refkey_parse_file(name, &ref, &is_ref, &err) != SE05X_OK) {
        add(d, V_FAIL, what, "%s: %s", name, err.msg);
        return;
    }
    if (!is_ref) {
        fix(add(d, V_WARN, what, "%s is an ordinary key file, not a reference to the chip", name),
            "keep the key in the chip: use a reference key (seTool getRef) instead");
        return;
    }
    add(d, V_OK, what, "%s refers to key 0x%08X", name, ref.id);
    check_key_on_chip(d, what, ref.id);
}

/* The value of the first `"Key": "..."`-style member named `key` after `from`. */
static int json_value(const char *text, const char *key, char *out, size_t cap, const char **next)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *p = strstr(text, pat);
    if (!p)
        return 0;
    p += strlen(pat);
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ':')
        p++;
    if (*p != '"')
        return 0;
    const char *e = strchr(p + 1, '"');
    if (!e || (size_t)(e - p - 1) >= cap)
        return 0;
    snprintf(out, cap, "%.*s", (int)(e - p - 1), p + 1);
    if (next)
        *next = e + 1;
    return 1;
}

static void check_openssl_conf(struct doctor *d, const char *path)
{
    if (!path) {
        add(d, V_SKIP, "openssl.cnf", "OPENSSL_CONF not set (OpenSSL's default configuration)");
        return;
    }
    char *text = slurp(path);
    if (!text) {
        fix(add(d, V_FAIL, "openssl.cnf", "%s: %s", path, strerror(errno)), "point OPENSSL_CONF at an existing file");
        return;
    }
    add(d, V_OK, "openssl.cnf", "%s: readable", path);
    /* dynamic_path = FILE (engine), module = FILE (provider) */
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        while (*line == ' ' || *line == '\t')
            line++;
        const char *keys[] = {"dynamic_path", "module"};
        for (size_t k = 0; k < 2; k++) {
            size_t kl = strlen(keys[k]);
            if (strncmp(line, keys[k], kl) != 0 || (line[kl] != ' ' && line[kl] != '=' && line[kl] != '\t'))
                continue;
            char *v = strchr(line, '=');
            if (!v)
                continue;
            v++;
            while (*v == ' ' || *v == '\t')
                v++;
            char *end = v + strcspn(v, " \t#\r");
            *end = 0;
            if (is_file(v))
                add(d, V_OK, "openssl.cnf", "%s = %s exists", keys[k], v);
            else
                fix(add(d, V_FAIL, "openssl.cnf", "%s = %s: no such file", keys[k], v),
                    "install the plug-in there or correct the path (docs/packaging.md maps the tutorial's "
                    "paths)");
        }
    }
    free(text);
}

static void check_mender(struct doctor *d, const char *path)
{
    if (!path)
        return;
    char *text = slurp(path);
    if (!text) {
        add(d, V_FAIL, "mender", "%s: %s", path, strerror(errno));
        return;
    }
    char v[1024];
    const char *rest;
    int found = 0;
    if (json_value(text, "Key", v, sizeof v, &rest)) {
        check_key_name(d, "mender tls key", v);
        found = 1;
    }
    if (json_value(text, "AuthPrivateKey", v, sizeof v, &rest)) {
        check_key_name(d, "mender auth key", v);
        found = 1;
    } else {
        fix(add(d, V_WARN, "mender auth key",
                "%s has no Security.AuthPrivateKey: Mender >= 4 signs its auth request with a key file", path),
            "add \"Security\": {\"AuthPrivateKey\": \"<ref file>\", \"SSLEngine\": \"e4sss\"} (docs/mender.md)");
    }
    if (!found)
        add(d, V_WARN, "mender", "%s names no key (HttpsClient.Key)", path);
    free(text);
}

static void check_greengrass(struct doctor *d, const char *path)
{
    if (!path)
        return;
    char *text = slurp(path);
    if (!text) {
        add(d, V_FAIL, "greengrass", "%s: %s", path, strerror(errno));
        return;
    }
    /* V1 config.json: P11Provider; V2 config.yaml: library: /path */
    char lib[1024] = "";
    if (!json_value(text, "P11Provider", lib, sizeof lib, NULL)) {
        const char *l = strstr(text, "library:");
        if (l) {
            l += 8;
            while (*l == ' ' || *l == '"' || *l == '\'')
                l++;
            size_t n = strcspn(l, "\"'\r\n ");
            snprintf(lib, sizeof lib, "%.*s", (int)(n < sizeof lib ? n : sizeof lib - 1), l);
        }
    }
    if (!lib[0])
        add(d, V_WARN, "greengrass", "%s names no PKCS#11 module (P11Provider / library)", path);
    else if (is_file(lib))
        add(d, V_OK, "greengrass", "PKCS#11 module %s exists", lib);
    else
        fix(add(d, V_FAIL, "greengrass", "PKCS#11 module %s: no such file", lib),
            "install se05x-pkcs11 and name its path");
    /* every pkcs11:object=sss:XXXXXXXX names a key id */
    for (const char *p = strstr(text, "object=sss:"); p; p = strstr(p + 1, "object=sss:")) {
        char idtxt[16];
        size_t n = strspn(p + 11, "0123456789abcdefABCDEF");
        if (n == 0 || n > 8)
            continue;
        snprintf(idtxt, sizeof idtxt, "%.*s", (int)n, p + 11);
        se05x_objid id;
        if (se05x_parse_objid(idtxt, &id) == SE05X_OK)
            check_key_on_chip(d, "greengrass key", id);
    }
    free(text);
}

/* ---- output ---- */

static int report(const struct doctor *d, bool json)
{
    size_t fails = 0, warns = 0;
    for (size_t i = 0; i < d->n; i++) {
        fails += d->c[i].v == V_FAIL;
        warns += d->c[i].v == V_WARN;
    }
    if (json) {
        printf("{");
        json_kv(stdout, 1, "verdict", fails ? "fail" : "ok");
        json_kn(stdout, 0, "failures", (long long)fails);
        json_kn(stdout, 0, "warnings", (long long)warns);
        printf(", \"checks\": [");
        for (size_t i = 0; i < d->n; i++) {
            printf("%s{", i ? ", " : "");
            json_kv(stdout, 1, "check", d->c[i].name);
            json_kv(stdout, 0, "status", d->c[i].v == V_FAIL ? "fail" : vname[d->c[i].v]);
            json_kv(stdout, 0, "detail", d->c[i].detail);
            json_kv(stdout, 0, "fix", d->c[i].fix[0] ? d->c[i].fix : NULL);
            printf("}");
        }
        printf("]}\n");
    } else {
        for (size_t i = 0; i < d->n; i++) {
            printf("%-4s  %-16s %s\n", vname[d->c[i].v], d->c[i].name, d->c[i].detail);
            if (d->c[i].fix[0])
                printf("      %-16s fix: %s\n", "", d->c[i].fix);
        }
        if (fails)
            printf("verdict: %zu problem%s, %zu warning%s\n", fails, fails == 1 ? "" : "s", warns,
                   warns == 1 ? "" : "s");
        else
            printf("verdict: all good (%zu warning%s)\n", warns, warns == 1 ? "" : "s");
    }
    return fails ? 1 : 0;
}

int cmd_doctor(struct tool *t, int argc, char **argv)
{
    if (tool_wants_help(argc, argv, doctor_usage))
        return 0;
    bool json = false;
    const char *osslconf = getenv("OPENSSL_CONF"), *mender = NULL, *gg = NULL, *p11 = NULL;
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"openssl-conf", required_argument, NULL, 'c'},
                                         {"mender-conf", required_argument, NULL, 'm'},
                                         {"greengrass-config", required_argument, NULL, 'g'},
                                         {"pkcs11-module", required_argument, NULL, 'k'},
                                         {NULL, 0, NULL, 0}};
    tool_getopt_reset();
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'c': osslconf = optarg; break;
        case 'm': mender = optarg; break;
        case 'g': gg = optarg; break;
        case 'k': p11 = optarg; break;
        default: return tool_bad_option(t, c, argc, argv);
        }
    }
    if (optind < argc)
        return tool_usage(t, "unexpected argument '%s'", argv[optind]);
    if (osslconf && !*osslconf)
        osslconf = NULL;
    struct doctor *d = calloc(1, sizeof *d);
    if (d && !(d->conf = se05x_conf_new())) {
        free(d);
        d = NULL;
    }
    if (!d)
        return tool_err("out of memory");
    d->t = t;
    struct se05x_conn_spec spec;
    memset(&spec, 0, sizeof spec);
    if (check_config(d, &spec) == 0) {
        check_device(d, &spec);
        check_lock(d, &spec);
        check_chip(d);
    }
    check_plugins(d, p11);
    check_openssl_conf(d, osslconf);
    check_mender(d, mender);
    check_greengrass(d, gg);
    if (d->s)
        se05x_close(d->s);
    se05x_conf_free(d->conf);
    int rc = report(d, json);
    free(d);
    return rc;
}
