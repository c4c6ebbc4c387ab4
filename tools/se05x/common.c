/* SPDX-License-Identifier: Apache-2.0 */
/* Context, session, error reporting and name tables of the `se05x` command. */
#include "common.h"
#include "chipopen.h"
#include "msgline.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int tool_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tool_vsay("se05x", fmt, ap);
    va_end(ap);
    return 1;
}

int tool_usage(const struct tool *t, const char *fmt, ...)
{
    const char *sub = t != NULL ? t->sub : NULL;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "se05x%s%s: ", sub ? " " : "", sub ? sub : "");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see 'se05x %s%s--help')\n", sub ? sub : "", sub ? " " : "");
    va_end(ap);
    return EXIT_USAGE;
}

void tool_info(const struct tool *t, const char *fmt, ...)
{
    if (!t->verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    tool_vsay("se05x", fmt, ap);
    va_end(ap);
}

se05x_session *tool_session(struct tool *t)
{
    if (t->s != NULL)
        return t->s;
    t->s = tool_open_chip("se05x", t->port_arg, t->verbose, t->conn, sizeof t->conn, t->conn_from,
                          sizeof t->conn_from);
    if (t->s == NULL)
        return NULL;
    const struct se05x_applet_info *a = se05x_applet(t->s);
    if (a != NULL)
        tool_info(t, "connected to %s (applet %u.%u.%u)", t->conn, a->major, a->minor, a->patch);
    return t->s;
}

void tool_close(struct tool *t)
{
    if (t->s != NULL)
        se05x_close(t->s);
    t->s = NULL;
}

/* Short reason for a code; the words tests and users grep for. */
const char *tool_reason(se05x_rc rc)
{
    switch (rc) {
    case SE05X_E_NOT_FOUND: return "not found";
    case SE05X_E_EXISTS: return "object already exists";
    case SE05X_E_WRONG_TYPE: return "wrong object type";
    case SE05X_E_DENIED: return "denied by policy";
    case SE05X_E_CONDITIONS: return "refused by the chip (conditions of use not satisfied)";
    case SE05X_E_NO_MEMORY: return "chip memory full";
    case SE05X_E_WRONG_DATA: return "rejected by the chip (wrong data)";
    case SE05X_E_UNSUPPORTED: return "not supported";
    case SE05X_E_LINK: return "link to the chip failed";
    case SE05X_E_TIMEOUT: return "the chip did not answer in time";
    case SE05X_E_PROTOCOL: return "malformed answer from the chip";
    default: return se05x_strerror(rc);
    }
}

int tool_fail(struct tool *t, se05x_rc rc, const char *op, se05x_objid id)
{
    struct se05x_error e;
    memset(&e, 0, sizeof e);
    if (t->s != NULL)
        se05x_last_error(t->s, &e);
    const char *conn = t->conn[0] ? t->conn : "the chip";
    if (rc == SE05X_E_NOT_FOUND && id != 0)
        return tool_err("object 0x%08X not found on %s", id, conn);

    char target[32] = "";
    if (id != 0)
        snprintf(target, sizeof target, " 0x%08X", id);
    /* An answer that failed its host check (docs/verify-after-sign.md): the
     * library's verdict whole, it names the cause. */
    const char *verdict = e.rc == rc ? strstr(e.msg, "from the chip failed") : NULL;
    if (verdict) {
        while (verdict > e.msg && verdict[-1] != ':')
            verdict--;
        while (*verdict == ' ')
            verdict++;
    }
    if (rc == SE05X_E_KEY_MISMATCH && e.rc == rc && (verdict = strstr(e.msg, " does not match the key in ")))
        while (verdict > e.msg && verdict[-1] != ':')
            verdict--;
    if (verdict) {
        while (*verdict == ' ')
            verdict++;
        return tool_err("cannot %s%s on %s: %s", op, target, conn, verdict);
    }
    char sw[16] = "";
    if (e.rc == rc && e.sw != 0 && e.sw != 0x9000)
        snprintf(sw, sizeof sw, " (SW %04X)", e.sw);
    /* Transport-level trouble: the library's own line says what happened. */
    bool detail = rc == SE05X_E_LINK || rc == SE05X_E_TIMEOUT || rc == SE05X_E_PROTOCOL ||
                  rc == SE05X_E_CARD || rc == SE05X_E_INTERNAL || rc == SE05X_E_UNSUPPORTED;
    if (detail && e.rc == rc && e.msg[0]) {
        /* Library lines read "<command> of object <id> on <conn>: ...: <why>";
         * the object and the port are already in our prefix, keep the why. */
        const char *why = e.msg;
        for (const char *p = strstr(why, ": "); p != NULL; p = strstr(p + 2, ": "))
            why = p + 2;
        return tool_err("cannot %s%s on %s: %s (%s)", op, target, conn, tool_reason(rc), why);
    }
    return tool_err("cannot %s%s on %s: %s%s", op, target, conn, tool_reason(rc), sw);
}

int tool_parse_id(const struct tool *t, const char *text, se05x_objid *id)
{
    if (text == NULL || se05x_parse_objid(text, id) != SE05X_OK || *id == 0)
        return tool_usage(t, "malformed object id '%s' (expected 1 to 8 hex digits, e.g. 0x7F000001)",
                          text ? text : "");
    return 0;
}

int tool_lookup(struct tool *t, se05x_objid id, bool *exists)
{
    se05x_session *s = tool_session(t);
    if (s == NULL)
        return 1;
    *exists = false;
    se05x_rc rc = se05x_object_exists(s, id, exists);
    if (rc != SE05X_OK)
        return tool_fail(t, rc, "look up", id);
    return 0;
}

int tool_object_info(struct tool *t, se05x_objid id, struct se05x_object_info *info)
{
    memset(info, 0, sizeof *info);
    se05x_rc rc = se05x_object_info(t->s, id, info);
    if (rc != SE05X_OK)
        return tool_fail(t, rc, "read the type of", id);
    return 0;
}

int tool_require(struct tool *t, se05x_objid id, struct se05x_object_info *info)
{
    bool exists;
    if (info != NULL) {
        /* One question, not two: se05x_object_info reports a missing object
         * as SE05X_E_NOT_FOUND itself (cold start, docs/api.md). */
        se05x_session *s = tool_session(t);
        if (s == NULL)
            return 1;
        memset(info, 0, sizeof *info);
        se05x_rc r = se05x_object_info(s, id, info);
        if (r == SE05X_E_NOT_FOUND)
            return tool_fail(t, SE05X_E_NOT_FOUND, "find", id);
        if (r != SE05X_OK)
            return tool_fail(t, r, "read the type of", id);
        return 0;
    }
    int rc = tool_lookup(t, id, &exists);
    if (rc)
        return rc;
    if (!exists)
        return tool_fail(t, SE05X_E_NOT_FOUND, "find", id);
    return info == NULL ? 0 : tool_object_info(t, id, info);
}

int tool_require_key(struct tool *t, se05x_objid id, struct se05x_object_info *info)
{
    se05x_session *s = tool_session(t);
    if (s == NULL)
        return 1;
    memset(info, 0, sizeof *info);
    se05x_rc r = se05x_key_info(s, id, info, NULL);
    if (r == SE05X_E_NOT_FOUND)
        return tool_fail(t, SE05X_E_NOT_FOUND, "find", id);
    if (r != SE05X_OK)
        return tool_fail(t, r, "read the type of", id);
    return 0;
}

const char *tool_kind_name(const struct se05x_object_info *info)
{
    switch (info->kind) {
    case SE05X_KIND_EC:
        return info->part == SE05X_PART_PUBLIC    ? "EC public key"
               : info->part == SE05X_PART_PRIVATE ? "EC private key"
                                                  : "EC key pair";
    case SE05X_KIND_RSA:
        return info->part == SE05X_PART_PUBLIC    ? "RSA public key"
               : info->part == SE05X_PART_PRIVATE ? "RSA private key"
                                                  : "RSA key pair";
    case SE05X_KIND_AES: return "AES key";
    case SE05X_KIND_DES: return "DES key";
    case SE05X_KIND_HMAC: return "HMAC key";
    case SE05X_KIND_BINARY: return "binary file";
    case SE05X_KIND_USERID: return "UserID";
    case SE05X_KIND_COUNTER: return "counter";
    case SE05X_KIND_PCR: return "PCR";
    default: return "object of unknown type";
    }
}

struct curve_names {
    se05x_curve c;
    const char *name;      /* what we print */
    const char *alias[3];  /* other accepted names (ssscli, OpenSSL) */
};

static const struct curve_names curves[] = {
    {SE05X_EC_NIST_P192, "P-192", {"NIST_P192", "prime192v1", "secp192r1"}},
    {SE05X_EC_NIST_P224, "P-224", {"NIST_P224", "secp224r1", NULL}},
    {SE05X_EC_NIST_P256, "P-256", {"NIST_P256", "prime256v1", "secp256r1"}},
    {SE05X_EC_NIST_P384, "P-384", {"NIST_P384", "secp384r1", NULL}},
    {SE05X_EC_NIST_P521, "P-521", {"NIST_P521", "secp521r1", NULL}},
    {SE05X_EC_BRAINPOOL160, "brainpoolP160r1", {"Brainpool160", NULL, NULL}},
    {SE05X_EC_BRAINPOOL192, "brainpoolP192r1", {"Brainpool192", NULL, NULL}},
    {SE05X_EC_BRAINPOOL224, "brainpoolP224r1", {"Brainpool224", NULL, NULL}},
    {SE05X_EC_BRAINPOOL256, "brainpoolP256r1", {"Brainpool256", NULL, NULL}},
    {SE05X_EC_BRAINPOOL320, "brainpoolP320r1", {"Brainpool320", NULL, NULL}},
    {SE05X_EC_BRAINPOOL384, "brainpoolP384r1", {"Brainpool384", NULL, NULL}},
    {SE05X_EC_BRAINPOOL512, "brainpoolP512r1", {"Brainpool512", NULL, NULL}},
    {SE05X_EC_SECP160K1, "secp160k1", {"Secp160k1", NULL, NULL}},
    {SE05X_EC_SECP192K1, "secp192k1", {"Secp192k1", NULL, NULL}},
    {SE05X_EC_SECP224K1, "secp224k1", {"Secp224k1", NULL, NULL}},
    {SE05X_EC_SECP256K1, "secp256k1", {"Secp256k1", NULL, NULL}},
};

const char *tool_curve_name(se05x_curve c)
{
    for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++)
        if (curves[i].c == c)
            return curves[i].name;
    switch (c) {
    case SE05X_EC_ED25519: return "Ed25519";
    case SE05X_EC_X25519: return "X25519";
    case SE05X_EC_X448: return "X448";
    default: return "unknown curve";
    }
}

/* name is primary or one of the first n aliases (NULL ends the list early), case-insensitively. */
static bool name_matches(const char *name, const char *primary, const char *const *alias, size_t n)
{
    if (strcasecmp(name, primary) == 0)
        return true;
    for (size_t j = 0; j < n && alias[j] != NULL; j++)
        if (strcasecmp(name, alias[j]) == 0)
            return true;
    return false;
}

se05x_curve tool_curve_from_name(const char *name)
{
    if (name == NULL || name[0] == 0)
        return SE05X_EC_NONE;
    for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++)
        if (name_matches(name, curves[i].name, curves[i].alias, 3))
            return curves[i].c;
    return SE05X_EC_NONE;
}

const char *tool_curve_list(void)
{
    return "P-192, P-224, P-256, P-384, P-521, secp160k1, secp192k1, secp224k1, secp256k1, "
           "brainpoolP160r1 ... brainpoolP512r1";
}

bool tool_rsa_bits_ok(unsigned bits)
{
    return bits == 1024 || bits == 2048 || bits == 3072 || bits == 4096;
}

static const struct {
    se05x_digest md;
    const char *name;
    const char *alias[2];
} digests[] = {
    {SE05X_MD_SHA1, "sha1", {"sha-1", NULL}},
    {SE05X_MD_SHA224, "sha224", {"sha-224", "sha2-224"}},
    {SE05X_MD_SHA256, "sha256", {"sha-256", "sha2-256"}},
    {SE05X_MD_SHA384, "sha384", {"sha-384", "sha2-384"}},
    {SE05X_MD_SHA512, "sha512", {"sha-512", "sha2-512"}},
};

se05x_digest tool_digest_from_name(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof digests / sizeof digests[0]; i++)
        if (name_matches(name, digests[i].name, digests[i].alias, 2))
            return digests[i].md;
    return SE05X_MD_NONE;
}

const char *tool_digest_name(se05x_digest md)
{
    for (size_t i = 0; i < sizeof digests / sizeof digests[0]; i++)
        if (digests[i].md == md)
            return digests[i].name;
    return "none";
}

bool tool_parse_uint(const char *text, unsigned long min, unsigned long max, unsigned long *out)
{
    if (text == NULL || text[0] < '0' || text[0] > '9')
        return false;
    unsigned long v = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        unsigned d = (unsigned)(*p - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (v < min || v > max)
        return false;
    *out = v;
    return true;
}
