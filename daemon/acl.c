/* SPDX-License-Identifier: Apache-2.0 */
/* See acl.h. Command layout: docs/protocol/apdu.md §2 (header bytes), §3
 * (TLVs, Lc/Le), §4 (command reference); the operation classes are our own
 * (docs/daemon.md "Access list"). */
#include "acl.h"
#include "cfgfile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "se05x_proto.h"

#define ACL_MAX_FILE (1u << 20)
#define ACL_MAX_RULES 4096
#define ACL_LINE_MAX 1024

const char *acl_op_name(unsigned op)
{
    switch (op) {
    case OP_SIGN: return "sign";
    case OP_VERIFY: return "verify";
    case OP_DECRYPT: return "decrypt";
    case OP_DERIVE: return "derive";
    case OP_READ: return "read";
    case OP_WRITE: return "write";
    case OP_DELETE: return "delete";
    case OP_ADMIN: return "admin";
    case OP_INFO: return "info";
    default: return "?";
    }
}

/* ---------- C-APDU layout (docs/protocol/apdu.md §3.3) ---------- */

/* Command data of a short or extended C-APDU; false when malformed. */
static bool apdu_data(const uint8_t *c, size_t n, const uint8_t **d, size_t *dl)
{
    *d = NULL;
    *dl = 0;
    if (!c || n < 4)
        return false;
    if (n <= 5) /* case 1, or case 2 short (Le) */
        return true;
    if (c[4] != 0) {
        size_t lc = c[4];
        if (n != 5 + lc && n != 5 + lc + 1)
            return false;
        *d = c + 5;
        *dl = lc;
        return true;
    }
    if (n < 7)
        return false;
    size_t lc = ((size_t)c[5] << 8) | c[6];
    if (lc == 0) /* case 2 extended: 00 HH LL is Le */
        return n == 7;
    if (n != 7 + lc && n != 7 + lc + 2)
        return false;
    *d = c + 7;
    *dl = lc;
    return true;
}

/* First TLV `tag` in d (docs/protocol/apdu.md §3.2 lengths: 1 byte, 81 LL, 82 HH LL). */
static bool tlv_find(const uint8_t *d, size_t dl, uint8_t tag, const uint8_t **v, size_t *vlen)
{
    size_t i = 0;
    while (i + 2 <= dl) {
        uint8_t t = d[i++];
        size_t len = d[i++];
        if (len == 0x81) {
            if (i + 1 > dl)
                return false;
            len = d[i++];
        } else if (len == 0x82) {
            if (i + 2 > dl)
                return false;
            len = ((size_t)d[i] << 8) | d[i + 1];
            i += 2;
        } else if (len > 0x80) {
            return false;
        }
        if (len > dl - i)
            return false;
        if (t == tag) {
            *v = d + i;
            *vlen = len;
            return true;
        }
        i += len;
    }
    return false;
}

bool acl_tlv(const uint8_t *c, size_t n, uint8_t tag, const uint8_t **v, size_t *vlen)
{
    const uint8_t *d;
    size_t dl;
    if (!apdu_data(c, n, &d, &dl) || !d)
        return false;
    return tlv_find(d, dl, tag, v, vlen);
}

bool acl_session_id(const uint8_t *c, size_t n, uint8_t sid[8])
{
    const uint8_t *v;
    size_t vl;
    if (!acl_tlv(c, n, SE05X_TAG_SESSION_ID, &v, &vl) || vl != SE05X_SESSION_ID_LEN)
        return false;
    memcpy(sid, v, SE05X_SESSION_ID_LEN);
    return true;
}

bool acl_inner(const uint8_t *c, size_t n, const uint8_t **inner, size_t *ilen)
{
    return acl_tlv(c, n, SE05X_TAG_1, inner, ilen);
}

/* ---------- classification ---------- */

static void set(struct acl_class *o, unsigned op, const char *what)
{
    o->op = op;
    o->what = what;
}

/* The object id TAG 41 (4 bytes) of the command, when the class names one. */
static void take_id(struct acl_class *o, const uint8_t *c, size_t n)
{
    const uint8_t *v;
    size_t vl;
    if (acl_tlv(c, n, SE05X_TAG_1, &v, &vl) && vl == 4) {
        o->has_id = true;
        o->id = ((uint32_t)v[0] << 24) | ((uint32_t)v[1] << 16) | ((uint32_t)v[2] << 8) | v[3];
    }
}

static void classify(const uint8_t *c, size_t n, struct acl_class *o, int depth)
{
    memset(o, 0, sizeof *o);
    set(o, OP_ADMIN, "unclassified command");
    const uint8_t *d;
    size_t dl;
    if (!apdu_data(c, n, &d, &dl)) {
        set(o, OP_ADMIN, "malformed APDU");
        return;
    }
    uint8_t cla = c[0], ins = c[1], p1 = c[2], p2 = c[3];
    if ((cla == SE05X_CLA_ISO || cla == SE05X_CLA) && ins == 0xCA) {
        set(o, OP_INFO, "GET DATA"); /* card identification (docs/protocol/apdu.md §1.6) */
        return;
    }
    if (cla == SE05X_CLA_ISO) {
        /* another application (the card manager) selected: the daemon SELECTs the applet again */
        set(o, ins == SE05X_INS_SELECT ? OP_INFO : OP_ADMIN, ins == SE05X_INS_SELECT ? "SELECT" : "ISO command");
        return;
    }
    if (cla != SE05X_CLA) {
        set(o, OP_ADMIN, "secure-messaging command");
        return;
    }
    if (ins == 0x50 || ins == 0x82) {
        set(o, OP_ADMIN, "GP secure channel");
        return;
    }
    uint8_t base = ins & SE05X_INS_MASK;
    uint8_t type = p1 & SE05X_P1_TYPE_MASK;
    switch (base) {
    case SE05X_INS_WRITE:
        if (type == SE05X_P1_CURVE && (p2 == SE05X_P2_CREATE || p2 == SE05X_P2_PARAM))
            set(o, OP_INFO, "CreateECCurve/SetECCurveParam");
        else if (type == SE05X_P1_CRYPTO_OBJ)
            set(o, OP_INFO, "CreateCryptoObject");
        else {
            set(o, OP_WRITE, p2 == 0x18 ? "ImportObject" : "Write");
            take_id(o, c, n);
        }
        return;
    case SE05X_INS_READ:
        if (type == SE05X_P1_CURVE || type == SE05X_P1_CRYPTO_OBJ) {
            set(o, OP_INFO, "curve/crypto-object query");
        } else if (p2 == SE05X_P2_DEFAULT) {
            set(o, OP_READ, "ReadObject");
            take_id(o, c, n);
            if (o->has_id && o->id == SE05X_OBJ_UID)
                set(o, OP_INFO, "ReadObject UID");
        } else if (p2 == SE05X_P2_TYPE || p2 == SE05X_P2_SIZE || p2 == SE05X_P2_LIST ||
                   p2 == SE05X_P2_ATTRIBUTES || p2 == 0x5B) {
            set(o, OP_INFO, "object query");
            take_id(o, c, n);
        } else if (p2 == 0x19) {
            set(o, OP_ADMIN, "ExportObject");
            take_id(o, c, n);
        }
        return;
    case SE05X_INS_CRYPTO:
        switch (type) {
        case SE05X_P1_SIGNATURE:
            if (p2 == SE05X_P2_SIGN || p2 == 0x35)
                set(o, OP_SIGN, "Sign");
            else if (p2 == SE05X_P2_VERIFY)
                set(o, OP_VERIFY, "Verify");
            break;
        case SE05X_P1_RSA:
            if (p2 == SE05X_P2_ENCRYPT_ONESHOT)
                set(o, OP_VERIFY, "RSAEncrypt");
            else if (p2 == SE05X_P2_DECRYPT_ONESHOT)
                set(o, OP_DECRYPT, "RSADecrypt");
            break;
        case SE05X_P1_EC:
            if (p2 == SE05X_P2_DH || p2 == 0x59)
                set(o, OP_DERIVE, "ECDH");
            break;
        case SE05X_P1_CIPHER:
            if (p2 == 0x42 || p2 == 0x43 || p2 == SE05X_P2_ENCRYPT_ONESHOT || p2 == SE05X_P2_DECRYPT_ONESHOT)
                set(o, OP_DECRYPT, "Cipher");
            else if (p2 == 0x0C || p2 == 0x0D)
                set(o, OP_INFO, "CipherUpdate/Final");
            break;
        case SE05X_P1_MAC:
            if (p2 == 0x03 || p2 == 0x45)
                set(o, OP_SIGN, "MAC generate");
            else if (p2 == 0x44 || p2 == 0x46)
                set(o, OP_VERIFY, "MAC validate");
            else if (p2 == 0x0C || p2 == 0x0D)
                set(o, OP_INFO, "MACUpdate/Final");
            break;
        case SE05X_P1_DEFAULT:
            if (p2 == 0x2D || p2 == 0x2E || p2 == 0x2F)
                set(o, OP_DERIVE, "KDF");
            else if (p2 >= 0x0B && p2 <= 0x0E)
                set(o, OP_INFO, "Digest");
            break;
        case SE05X_P1_TLS:
            set(o, OP_DERIVE, "TLS");
            break;
        default:
            break;
        }
        if (o->op != OP_ADMIN && o->op != OP_INFO)
            take_id(o, c, n);
        return;
    case SE05X_INS_MGMT:
        if (type == SE05X_P1_CURVE) {
            set(o, OP_ADMIN, "DeleteECCurve");
        } else if (type == SE05X_P1_CRYPTO_OBJ) {
            set(o, OP_INFO, "DeleteCryptoObject");
        } else if (p2 == SE05X_P2_DELETE_OBJECT) {
            set(o, OP_DELETE, "DeleteSecureObject");
            take_id(o, c, n);
        } else if (p2 == SE05X_P2_DELETE_ALL) {
            set(o, OP_ADMIN, "DeleteAll");
        } else if (p2 == SE05X_P2_VERSION || p2 == 0x21 || p2 == SE05X_P2_MEMORY || p2 == SE05X_P2_RANDOM ||
                   p2 == SE05X_P2_EXIST || p2 == 0x3D) {
            set(o, OP_INFO, "information");
            if (p2 == SE05X_P2_EXIST)
                take_id(o, c, n);
        } else if (p2 == 0x1B || p2 == 0x1C || p2 == 0x1E || p2 == 0x1F || p2 == 0x2C) {
            set(o, OP_INFO, "session management");
        } else {
            set(o, OP_ADMIN, "management command");
        }
        return;
    case SE05X_INS_PROCESS: {
        const uint8_t *in;
        size_t il;
        if (depth == 0 && acl_inner(c, n, &in, &il) && il >= 4 && in[0] == SE05X_CLA &&
            (in[1] & SE05X_INS_MASK) != SE05X_INS_PROCESS) {
            classify(in, il, o, depth + 1);
            return;
        }
        set(o, OP_ADMIN, "encrypted session command");
        return;
    }
    default:
        return;
    }
}

void acl_classify(const uint8_t *c, size_t n, struct acl_class *out)
{
    classify(c, n, out, 0);
}

/* ---------- rule file ---------- */

/* Printable, bounded copy of a token for messages. */
static void q(char *out, size_t cap, const char *in)
{
    size_t o = 0;
    for (size_t i = 0; in[i] && o + 1 < cap && i < 60; i++)
        out[o++] = isprint((unsigned char)in[i]) ? in[i] : '?';
    out[o] = '\0';
}

static int parse_hex32(const char *s, uint32_t *v)
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    size_t n = strlen(s);
    if (n == 0 || n > 8)
        return -1;
    uint32_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)s[i]))
            return -1;
        x = x * 16 + (uint32_t)(isdigit((unsigned char)s[i]) ? s[i] - '0' : tolower((unsigned char)s[i]) - 'a' + 10);
    }
    *v = x;
    return 0;
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

static int parse_rule(char *tok[4], struct acl_rule *r, const char *name, unsigned line, char *err, size_t cap)
{
    char t[64];
    memset(r, 0, sizeof *r);
    r->line = line;
    if (!strcmp(tok[0], "allow"))
        r->deny = false;
    else if (!strcmp(tok[0], "deny"))
        r->deny = true;
    else {
        q(t, sizeof t, tok[0]);
        return se05xd_ferr(err, cap, name, line, "expected 'allow' or 'deny', found '%s'", t);
    }
    /* who */
    const char *w = tok[1];
    if (!strcmp(w, "*")) {
        r->who = WHO_ANY;
    } else if (w[0] == '@') {
        r->who = WHO_GROUP;
        if (all_digits(w + 1) && strlen(w + 1) < 10) {
            r->gid = (gid_t)strtoul(w + 1, NULL, 10);
        } else {
            struct group *g = getgrnam(w + 1);
            if (!g) {
                q(t, sizeof t, w + 1);
                return se05xd_ferr(err, cap, name, line, "unknown group '%s'", t);
            }
            r->gid = g->gr_gid;
        }
    } else {
        r->who = WHO_USER;
        if (all_digits(w) && strlen(w) < 10) {
            r->uid = (uid_t)strtoul(w, NULL, 10);
        } else {
            struct passwd *p = getpwnam(w);
            if (!p) {
                q(t, sizeof t, w);
                return se05xd_ferr(err, cap, name, line, "unknown user '%s'", t);
            }
            r->uid = p->pw_uid;
        }
    }
    /* object ids */
    const char *ids = tok[2];
    if (!strcmp(ids, "*")) {
        r->any_id = true;
    } else {
        char buf[64];
        q(t, sizeof t, ids);
        if (strlen(ids) >= sizeof buf)
            return se05xd_ferr(err, cap, name, line, "bad object id range '%s'", t);
        strcpy(buf, ids);
        char *dash = strchr(buf, '-');
        if (dash)
            *dash = '\0';
        if (parse_hex32(buf, &r->lo) || (dash && parse_hex32(dash + 1, &r->hi)))
            return se05xd_ferr(err, cap, name, line, "bad object id '%s' (expected 0x7F000001, 0x7F000000-0x7F0000FF or *)",
                        t);
        if (!dash)
            r->hi = r->lo;
        if (r->hi < r->lo)
            return se05xd_ferr(err, cap, name, line, "object id range '%s' ends before it starts", t);
    }
    /* operations */
    char ops[256];
    q(t, sizeof t, tok[3]);
    if (strlen(tok[3]) >= sizeof ops)
        return se05xd_ferr(err, cap, name, line, "operation list too long");
    strcpy(ops, tok[3]);
    for (char *save = NULL, *o = strtok_r(ops, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
        static const char *names[] = {"sign", "verify", "decrypt", "derive", "read", "write", "delete", "admin"};
        unsigned bit = 0;
        if (!strcmp(o, "*"))
            bit = OP_ALL;
        for (unsigned i = 0; i < 8 && !bit; i++)
            if (!strcmp(o, names[i]))
                bit = 1u << i;
        if (!bit) {
            q(t, sizeof t, o);
            return se05xd_ferr(err, cap, name, line,
                        "unknown operation '%s' (known: sign verify decrypt derive read write delete admin *)", t);
        }
        r->ops |= bit;
    }
    if (!r->ops)
        return se05xd_ferr(err, cap, name, line, "no operation given");
    return 0;
}

int acl_parse(const char *text, const char *name, struct acl *out, char *err, size_t cap)
{
    memset(out, 0, sizeof *out);
    unsigned line = 0;
    const char *p = text;
    while (*p) {
        line++;
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len > ACL_LINE_MAX) {
            acl_free(out);
            return se05xd_ferr(err, cap, name, line, "line too long");
        }
        char buf[ACL_LINE_MAX + 1];
        memcpy(buf, p, len);
        buf[len] = '\0';
        p += len + (e ? 1 : 0);
        char *hash = strchr(buf, '#');
        if (hash)
            *hash = '\0';
        for (char *c = buf; *c; c++)
            if ((unsigned char)*c < 0x20 && *c != '\t' && *c != '\r') {
                acl_free(out);
                return se05xd_ferr(err, cap, name, line, "control character in the line");
            }
        char *tok[5] = {0};
        int nt = 0;
        for (char *save = NULL, *t = strtok_r(buf, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
            if (nt == 5)
                break;
            tok[nt++] = t;
        }
        if (nt == 0)
            continue;
        if (nt != 4) {
            acl_free(out);
            return se05xd_ferr(err, cap, name, line, "expected 'allow|deny <user|@group|*> <id|id-id|*> <op,op,...|*>'");
        }
        if (out->n == ACL_MAX_RULES) {
            acl_free(out);
            return se05xd_ferr(err, cap, name, line, "more than %d rules", ACL_MAX_RULES);
        }
        struct acl_rule r;
        if (parse_rule(tok, &r, name, line, err, cap)) {
            acl_free(out);
            return -1;
        }
        struct acl_rule *nr = realloc(out->rules, (out->n + 1) * sizeof *nr);
        if (!nr) {
            acl_free(out);
            return se05xd_ferr(err, cap, name, line, "out of memory");
        }
        out->rules = nr;
        out->rules[out->n++] = r;
    }
    return 0;
}

int acl_load(const char *path, struct acl *out, char *err, size_t cap)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return se05xd_ferr(err, cap, path, 0, "cannot open: %s", errno == ELOOP ? "is a symbolic link" : strerror(errno));
    struct stat st;
    const char *bad = se05xd_untrusted(fd, &st);
    /* as off_t: a 64-bit st_size (32-bit builds use large files) must not wrap in size_t */
    if (!bad && st.st_size > (off_t)ACL_MAX_FILE)
        bad = "is larger than 1 MiB";
    if (bad) {
        close(fd);
        return se05xd_ferr(err, cap, path, 0, "%s; refusing it", bad);
    }
    char *text = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (text && got < (size_t)st.st_size) {
        ssize_t r = read(fd, text + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!text)
        return se05xd_ferr(err, cap, path, 0, "out of memory");
    text[got] = '\0';
    if (strlen(text) != got) {
        free(text);
        return se05xd_ferr(err, cap, path, 0, "contains a NUL byte");
    }
    int rc = acl_parse(text, path, out, err, cap);
    free(text);
    return rc;
}

void acl_free(struct acl *a)
{
    if (!a)
        return;
    free(a->rules);
    a->rules = NULL;
    a->n = 0;
}

static bool in_group(const struct acl_peer *p, gid_t g)
{
    if (p->gid == g)
        return true;
    for (int i = 0; i < p->ngroups; i++)
        if (p->groups[i] == g)
            return true;
    return false;
}

bool acl_allows(const struct acl *a, const struct acl_peer *p, const struct acl_class *c, unsigned *line)
{
    if (line)
        *line = 0;
    if (c->op == OP_INFO)
        return true;
    for (size_t i = 0; i < a->n; i++) {
        const struct acl_rule *r = &a->rules[i];
        if (r->who == WHO_USER && r->uid != p->uid)
            continue;
        if (r->who == WHO_GROUP && !in_group(p, r->gid))
            continue;
        if (!r->any_id && !(c->has_id && c->id >= r->lo && c->id <= r->hi))
            continue;
        if (!(r->ops & c->op))
            continue;
        if (line)
            *line = r->line;
        return !r->deny;
    }
    return false;
}
