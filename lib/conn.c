/* SPDX-License-Identifier: Apache-2.0 */
/* Connection strings (include/se05x/session.h, docs/protocol/transports.md §5): parsing
 * with strict validation, and resolution of which one to use. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "internal.h"

#define CONN_MAX_LEN 511
#define DEFAULT_I2C_DEV "/dev/i2c-1"
#define DEFAULT_I2C_ADDR 0x48
#define CONF_DEFAULT_PATH "/etc/se05x/se05x.conf"

/* Quotes the user string in messages: bounded, printable only. */
static void quote(char *out, size_t cap, const char *in)
{
    size_t o = 0;
    for (size_t i = 0; in[i] && o + 4 < cap; i++) {
        unsigned char c = (unsigned char)in[i];
        out[o++] = (c >= 0x20 && c < 0x7F) ? (char)c : '?';
        if (i >= 60 && in[i + 1]) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
    }
    out[o] = '\0';
}

static se05x_rc bad(struct se05x_error *err, const char *conn, const char *why)
{
    char q[80];
    quote(q, sizeof q, conn);
    return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "bad connection string '%s': %s", q, why);
}

/* Strict decimal port 1..65535 (no sign, no spaces, at most 5 digits). */
static int parse_port(const char *s, uint16_t *port)
{
    size_t n = strlen(s);
    if (n == 0 || n > 5)
        return -1;
    unsigned long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v < 1 || v > 65535)
        return -1;
    *port = (uint16_t)v;
    return 0;
}

static int host_char_ok(char c) { return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_'; }
static int v6_char_ok(char c) { return isxdigit((unsigned char)c) || c == ':' || c == '.'; }

/* HOST:PORT or [V6]:PORT into out->host / out->port. */
static se05x_rc parse_hostport(const char *conn, const char *s, struct se05x_conn_spec *out,
                               struct se05x_error *err)
{
    const char *colon;
    size_t hlen;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close)
            return bad(err, conn, "missing ']' after IPv6 address");
        hlen = (size_t)(close - s - 1);
        if (hlen == 0)
            return bad(err, conn, "empty IPv6 address");
        for (const char *p = s + 1; p < close; p++)
            if (!v6_char_ok(*p))
                return bad(err, conn, "invalid character in IPv6 address");
        if (close[1] != ':')
            return bad(err, conn, "missing ':PORT' after ']'");
        colon = close + 1;
        if (hlen >= sizeof out->host)
            return bad(err, conn, "host name too long");
        memcpy(out->host, s + 1, hlen);
        out->host[hlen] = '\0';
    } else {
        colon = strchr(s, ':');
        if (!colon)
            return bad(err, conn, "expected HOST:PORT, unix:PATH, t1:HOST:PORT or /dev/i2c-N[:0xAA]");
        if (strchr(colon + 1, ':'))
            return bad(err, conn, "too many ':' (write IPv6 addresses as [addr]:port)");
        hlen = (size_t)(colon - s);
        if (hlen == 0)
            return bad(err, conn, "empty host name");
        if (hlen >= sizeof out->host)
            return bad(err, conn, "host name too long");
        for (const char *p = s; p < colon; p++)
            if (!host_char_ok(*p))
                return bad(err, conn, "invalid character in host name");
        memcpy(out->host, s, hlen);
        out->host[hlen] = '\0';
    }
    if (parse_port(colon + 1, &out->port))
        return bad(err, conn, "port must be a number from 1 to 65535");
    return SE05X_OK;
}

/* /dev/i2c-N[:0xAA] */
static se05x_rc parse_i2c(const char *conn, const char *s, struct se05x_conn_spec *out,
                          struct se05x_error *err)
{
    const char *p = s + strlen("/dev/i2c-");
    size_t digits = 0;
    while (p[digits] >= '0' && p[digits] <= '9')
        digits++;
    if (digits == 0 || digits > 4)
        return bad(err, conn, "expected /dev/i2c-N with a bus number N");
    size_t devlen = (size_t)(p + digits - s);
    if (devlen >= sizeof out->path)
        return bad(err, conn, "device path too long");
    memcpy(out->path, s, devlen);
    out->path[devlen] = '\0';
    out->i2c_addr = DEFAULT_I2C_ADDR;
    const char *rest = p + digits;
    if (*rest == '\0')
        return SE05X_OK;
    if (rest[0] != ':')
        return bad(err, conn, "expected ':0xAA' after the I2C device");
    rest++;
    if (!(rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X')))
        return bad(err, conn, "I2C address must be hexadecimal like 0x48");
    rest += 2;
    size_t n = strlen(rest);
    if (n == 0 || n > 2)
        return bad(err, conn, "I2C address must be 0x08..0x77");
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        char c = rest[i];
        if (!isxdigit((unsigned char)c))
            return bad(err, conn, "I2C address must be hexadecimal like 0x48");
        v = v * 16 + (unsigned)(isdigit((unsigned char)c) ? c - '0' : (tolower((unsigned char)c) - 'a' + 10));
    }
    if (v < 0x08 || v > 0x77)
        return bad(err, conn, "I2C address must be 0x08..0x77");
    out->i2c_addr = (uint8_t)v;
    return SE05X_OK;
}

se05x_rc se05x_conn_parse(const char *conn, struct se05x_conn_spec *out, struct se05x_error *err)
{
    if (!out)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "no output for the connection string");
    memset(out, 0, sizeof *out);
    if (!conn || !*conn || !strcasecmp(conn, "none"))
        conn = DEFAULT_I2C_DEV;
    if (strlen(conn) > CONN_MAX_LEN)
        return bad(err, conn, "too long");
    for (const char *p = conn; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7F)
            return bad(err, conn, "contains spaces or non-printable characters");

    se05x_rc rc;
    if (!strncmp(conn, "/dev/i2c-", 9)) {
        out->kind = SE05X_CONN_I2C;
        rc = parse_i2c(conn, conn, out, err);
    } else if (!strncmp(conn, "unix:", 5)) {
        const char *path = conn + 5;
        if (!strncmp(path, "//", 2)) /* unix:///run/x also accepted */
            path += 2;
        out->kind = SE05X_CONN_JRCP_UNIX;
        struct sockaddr_un sun;
        if (!*path)
            return bad(err, conn, "empty socket path");
        if (strlen(path) >= sizeof sun.sun_path || strlen(path) >= sizeof out->path)
            return bad(err, conn, "socket path too long");
        strcpy(out->path, path);
        rc = SE05X_OK;
    } else if (!strncmp(conn, "jrcp1://", 8)) {
        out->kind = SE05X_CONN_JRCP_TCP;
        rc = parse_hostport(conn, conn + 8, out, err);
    } else if (!strncmp(conn, "t1tcp://", 8)) {
        out->kind = SE05X_CONN_T1_TCP;
        rc = parse_hostport(conn, conn + 8, out, err);
    } else if (!strncmp(conn, "t1:", 3)) {
        out->kind = SE05X_CONN_T1_TCP;
        rc = parse_hostport(conn, conn + 3, out, err);
    } else if (conn[0] == '/') {
        return bad(err, conn, "only /dev/i2c-N devices are supported (no VCOM serial ports)");
    } else if (strstr(conn, "://")) {
        return bad(err, conn, "unknown scheme (use jrcp1:// or t1tcp://)");
    } else if (!strncasecmp(conn, "COM", 3) && isdigit((unsigned char)conn[3])) {
        return bad(err, conn, "VCOM serial ports are not supported");
    } else {
        out->kind = SE05X_CONN_JRCP_TCP;
        rc = parse_hostport(conn, conn, out, err);
    }
    if (rc != SE05X_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

static void copy_out(char *buf, size_t len, const char *v)
{
    if (!buf || len == 0)
        return;
    snprintf(buf, len, "%s", v);
}

/* ---- the configuration file (docs/lib.md "Configuration file") ----
 * Lines "key = value"; blank lines and '#' comments (whole line or after the
 * value); a value may be quoted "..." or '...'. Every line must parse, every
 * key must be known and given once, every value non-empty and valid: one
 * bad line fails the whole file (never a silent fallback to /dev/i2c-1).
 * To add a key: one row in conf_keys and, if needed, a check. */
#define CONF_LINE_MAX 1024

static se05x_rc conf_check_port(const char *v, char *why, size_t cap)
{
    struct se05x_conn_spec spec;
    struct se05x_error e = {0};
    if (se05x_conn_parse(v, &spec, &e) == SE05X_OK)
        return SE05X_OK;
    snprintf(why, cap, "%s", e.msg);
    return SE05X_E_FORMAT;
}

static se05x_rc conf_check_pin_mode(const char *v, char *why, size_t cap)
{
    if (strcmp(v, "host") == 0 || strcmp(v, "chip") == 0)
        return SE05X_OK;
    snprintf(why, cap, "expected host or chip");
    return SE05X_E_FORMAT;
}

static se05x_rc conf_check_pin_tries(const char *v, char *why, size_t cap)
{
    char *end = NULL;
    unsigned long n = strtoul(v, &end, 10);
    if (*v >= '0' && *v <= '9' && end && !*end && n >= 1 && n <= 0xFFFF)
        return SE05X_OK;
    snprintf(why, cap, "expected a number of attempts 1..65535");
    return SE05X_E_FORMAT;
}

static const struct {
    const char *key;
    se05x_rc (*check)(const char *value, char *why, size_t cap);
} conf_keys[] = {
    {"port", conf_check_port},
    {"auth", NULL},       /* checked where it is used (session.c auth_policy) */
    {"scp03_keys", NULL}, /* docs/scp03.md */
    {"scp03_kvn", NULL},
    {"pkcs11_pin_mode", conf_check_pin_mode},   /* docs/pkcs11.md "PIN held by the chip" */
    {"pkcs11_pin_tries", conf_check_pin_tries},
};
#define CONF_NKEYS (sizeof conf_keys / sizeof conf_keys[0])

/* Strips blanks around [*b, *e). */
static void trim(char **b, char **e)
{
    while (*b < *e && (**b == ' ' || **b == '\t'))
        (*b)++;
    while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
        (*e)--;
}

/* Parses one open configuration file; on success vals[k] holds the value of
 * conf_keys[k] ("" when absent). */
static se05x_rc conf_parse_file(FILE *f, const char *path, char vals[][CONN_MAX_LEN + 1], struct se05x_error *err)
{
    char line[CONF_LINE_MAX + 2];
    unsigned first[CONF_NKEYS] = {0};
    unsigned no = 0;
    while (fgets(line, sizeof line, f)) {
        no++;
        size_t n = strlen(line);
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        else if (!feof(f))
            return se05x_err_set(err, SE05X_E_FORMAT, 0, 0, "%.120s:%u: line too long (at most %d characters)", path,
                                 no, CONF_LINE_MAX);
        char *b = line, *e = line + n;
        trim(&b, &e);
        if (b == e || *b == '#')
            continue;
        char *eq = memchr(b, '=', (size_t)(e - b));
        char *hash = memchr(b, '#', (size_t)(e - b));
        if (!eq || (hash && hash < eq))
            return se05x_err_set(err, SE05X_E_FORMAT, 0, 0, "%.120s:%u: expected 'key = value', found no '='", path,
                                 no);
        char *kb = b, *ke = eq;
        trim(&kb, &ke);
        if (kb == ke)
            return se05x_err_set(err, SE05X_E_FORMAT, 0, 0, "%.120s:%u: missing key before '='", path, no);
        *ke = '\0';
        char q[40];
        quote(q, sizeof q, kb);
        size_t k = 0;
        while (k < CONF_NKEYS && strcmp(kb, conf_keys[k].key) != 0)
            k++;
        if (k == CONF_NKEYS)
            return se05x_err_set(err, SE05X_E_FORMAT, 0, 0, "%.120s:%u: unknown key '%s' (known: port, auth, scp03_keys, scp03_kvn, pkcs11_pin_mode, pkcs11_pin_tries)", path, no, q);
        if (first[k])
            return se05x_err_set(err, SE05X_E_FORMAT, 0, 0, "%.120s:%u: '%s' given twice (first on line %u)", path,
                                 no, q, first[k]);
        char *vb = eq + 1, *ve = e;
        trim(&vb, &ve);
        if (vb < ve && (*vb == '"' || *vb == '\'')) {
            char *close = memchr(vb + 1, *vb, (size_t)(ve - vb - 1));
            if (!close)
                return se05x_err_set(err, SE05X_E_FORMAT, 0, 0, "%.120s:%u: unterminated quote in the value of '%s'",
                                     path, no, q);
            char *rest = close + 1;
            while (rest < ve && (*rest == ' ' || *rest == '\t'))
                rest++;
            if (rest < ve && *rest != '#')
                return se05x_err_set(err, SE05X_E_FORMAT, 0, 0, "%.120s:%u: text after the quoted value of '%s'", path,
                                     no, q);
            vb++;
            ve = close;
        } else {
            char *h = memchr(vb, '#', (size_t)(ve - vb));
            if (h)
                ve = h;
            trim(&vb, &ve);
        }
        if (vb == ve)
            return se05x_err_set(err, SE05X_E_FORMAT, 0, 0, "%.120s:%u: empty value for '%s'", path, no, q);
        if ((size_t)(ve - vb) > CONN_MAX_LEN)
            return se05x_err_set(err, SE05X_E_FORMAT, 0, 0, "%.120s:%u: value of '%s' too long", path, no, q);
        memcpy(vals[k], vb, (size_t)(ve - vb));
        vals[k][ve - vb] = '\0';
        char why[SE05X_ERRMSG_MAX];
        if (conf_keys[k].check && conf_keys[k].check(vals[k], why, sizeof why) != SE05X_OK)
            return se05x_err_set(err, SE05X_E_FORMAT, 0, 0, "%.120s:%u: %s: %s", path, no, q, why);
        first[k] = no;
    }
    if (ferror(f))
        return se05x_err_set(err, SE05X_E_IO, 0, 0, "cannot read %.120s", path);
    return SE05X_OK;
}

/* Reads and checks the configuration file: $SE05X_CONF when set (it must
 * exist), else /etc/se05x/se05x.conf (absent = no configuration). The file
 * must be a regular file, owned by root or the running user, not writable
 * by others. */
static se05x_rc conf_load(char vals[][CONN_MAX_LEN + 1], struct se05x_error *err)
{
    for (size_t k = 0; k < CONF_NKEYS; k++)
        vals[k][0] = '\0';
    const char *path = getenv("SE05X_CONF");
    int named = path && *path;
    if (!named)
        path = CONF_DEFAULT_PATH;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        if (!named && e == ENOENT)
            return SE05X_OK;
        if (named)
            return se05x_err_set(err, SE05X_E_IO, 0, 0, "SE05X_CONF names %.120s, which cannot be read: %s", path,
                                 strerror(e));
        return se05x_err_set(err, SE05X_E_IO, 0, 0, "cannot read %.120s: %s", path, strerror(e));
    }
    struct stat st;
    const char *bad = NULL;
    if (fstat(fd, &st) != 0)
        bad = "cannot be examined";
    else if (!S_ISREG(st.st_mode))
        bad = "is not a regular file";
    else if (st.st_uid != 0 && st.st_uid != geteuid())
        bad = "is owned by another user";
    else if (st.st_mode & S_IWOTH)
        bad = "is writable by every user";
    if (bad) {
        close(fd);
        return se05x_err_set(err, SE05X_E_IO, 0, 0, "configuration file %.120s %s; refusing it", path, bad);
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        return se05x_err_set(err, SE05X_E_NOMEM, 0, 0, "cannot read %.120s", path);
    }
    se05x_rc rc = conf_parse_file(f, path, vals, err);
    fclose(f);
    return rc;
}

const char *se05x_conf_path(void)
{
    const char *conf = getenv("SE05X_CONF");
    return conf && *conf ? conf : CONF_DEFAULT_PATH;
}

_Static_assert(CONF_NKEYS == SE05X_CONF_NKEYS && CONN_MAX_LEN == SE05X_CONF_VALMAX,
               "struct se05x_conf matches the configuration keys");

void se05x_conf_init(struct se05x_conf *c)
{
    memset(c, 0, sizeof *c);
}

static bool conf_ready(struct se05x_conf *c, struct se05x_error *err)
{
    if (c->state == 0)
        c->state = conf_load(c->vals, &c->err) == SE05X_OK ? 1 : -1;
    if (c->state < 0 && err)
        *err = c->err;
    return c->state > 0;
}

/* One value of the checked configuration file: 1 and the value when the key
 * is given, 0 when it is not (or there is no file), -1 with err set when the
 * file is unreadable or malformed (never a silent default). */
int se05x_conf_lookup(struct se05x_conf *c, const char *key, char *val, size_t cap, struct se05x_error *err)
{
    if (!conf_ready(c, err))
        return -1;
    for (size_t k = 0; k < CONF_NKEYS; k++) {
        if (strcmp(conf_keys[k].key, key) == 0 && c->vals[k][0]) {
            if (strlen(c->vals[k]) >= cap) {
                se05x_err_set(err, SE05X_E_FORMAT, 0, 0, "%.120s: value of '%s' too long", se05x_conf_path(), key);
                return -1;
            }
            snprintf(val, cap, "%s", c->vals[k]);
            return 1;
        }
    }
    return 0;
}

int se05x_conf_get(const char *key, char *val, size_t cap, struct se05x_error *err)
{
    struct se05x_conf c;
    se05x_conf_init(&c);
    int found = se05x_conf_lookup(&c, key, val, cap, err);
    OPENSSL_cleanse(&c, sizeof c);
    return found;
}

se05x_rc se05x_conn_resolve_conf(const char *explicit_conn, char *buf, size_t len, struct se05x_conf *c,
                                 enum se05x_conn_origin *origin, struct se05x_error *err)
{
    enum se05x_conn_origin o_unused;
    if (!origin)
        origin = &o_unused;
    if (explicit_conn && *explicit_conn) {
        *origin = SE05X_CONN_FROM_ARGUMENT;
        copy_out(buf, len, explicit_conn);
        return SE05X_OK;
    }
    const char *env = getenv("EX_SSS_BOOT_SSS_PORT");
    if (env && *env) {
        *origin = SE05X_CONN_FROM_ENV;
        copy_out(buf, len, env);
        return SE05X_OK;
    }
    if (!conf_ready(c, err)) {
        copy_out(buf, len, "");
        *origin = SE05X_CONN_FROM_CONFIG;
        return c->err.rc;
    }
    *origin = c->vals[0][0] ? SE05X_CONN_FROM_CONFIG : SE05X_CONN_FROM_DEFAULT;
    copy_out(buf, len, c->vals[0][0] ? c->vals[0] : DEFAULT_I2C_DEV);
    return SE05X_OK;
}

se05x_rc se05x_conn_resolve_origin(const char *explicit_conn, char *buf, size_t len,
                                   enum se05x_conn_origin *origin, struct se05x_error *err)
{
    struct se05x_conf c;
    se05x_conf_init(&c);
    se05x_rc rc = se05x_conn_resolve_conf(explicit_conn, buf, len, &c, origin, err);
    OPENSSL_cleanse(&c, sizeof c);
    return rc;
}

se05x_conf *se05x_conf_new(void)
{
    se05x_conf *c = OPENSSL_malloc(sizeof *c);
    if (c != NULL)
        se05x_conf_init(c);
    return c;
}

void se05x_conf_free(se05x_conf *c)
{
    OPENSSL_clear_free(c, sizeof *c);
}

se05x_rc se05x_conn_resolve_with(se05x_conf *c, const char *explicit_conn, char *buf, size_t len,
                                 enum se05x_conn_origin *origin, struct se05x_error *err)
{
    return se05x_conn_resolve_conf(explicit_conn, buf, len, c, origin, err);
}

se05x_rc se05x_conn_resolve_ex(const char *explicit_conn, char *buf, size_t len, struct se05x_error *err)
{
    return se05x_conn_resolve_origin(explicit_conn, buf, len, NULL, err);
}

const char *se05x_conf_file(void)
{
    return se05x_conf_path();
}

const char *se05x_conn_resolve(const char *explicit_conn, char *buf, size_t len)
{
    struct se05x_error err = {0};
    if (se05x_conn_resolve_ex(explicit_conn, buf, len, &err) != SE05X_OK)
        se05x_log(SE05X_LOG_ERROR, "lib", "%s", err.msg);
    return buf;
}
