/* SPDX-License-Identifier: Apache-2.0 */
/* Connection strings (include/se05x/session.h, docs/protocol/transports.md §5): parsing
 * with strict validation, and resolution of which one to use. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

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

/* First "port = VALUE" line of a configuration file; 0 when found. */
static int conf_port(const char *path, char *val, size_t cap)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    char line[1024];
    int found = -1;
    while (found && fgets(line, sizeof line, f)) {
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncmp(p, "port", 4))
            continue;
        p += 4;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != '=')
            continue;
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        char *e = p + strcspn(p, "#\r\n");
        while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e - p >= 2 && ((*p == '"' && e[-1] == '"') || (*p == '\'' && e[-1] == '\''))) {
            p++;
            e--;
        }
        if (e == p || (size_t)(e - p) >= cap)
            continue;
        memcpy(val, p, (size_t)(e - p));
        val[e - p] = '\0';
        found = 0;
    }
    fclose(f);
    return found;
}

const char *se05x_conn_resolve(const char *explicit_conn, char *buf, size_t len)
{
    if (explicit_conn && *explicit_conn) {
        copy_out(buf, len, explicit_conn);
        return buf;
    }
    const char *env = getenv("EX_SSS_BOOT_SSS_PORT");
    if (env && *env) {
        copy_out(buf, len, env);
        return buf;
    }
    const char *conf = getenv("SE05X_CONF");
    char val[CONN_MAX_LEN + 1];
    if (!conf || !*conf)
        conf = CONF_DEFAULT_PATH;
    if (conf_port(conf, val, sizeof val) == 0) {
        copy_out(buf, len, val);
        return buf;
    }
    copy_out(buf, len, DEFAULT_I2C_DEV);
    return buf;
}
