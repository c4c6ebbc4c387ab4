/* SPDX-License-Identifier: Apache-2.0 */
/* Manifest parser and validator (manifest.h). Grammar, one statement per
 * line, '#' starts a comment, words separated by blanks, a value may be
 * double-quoted ("/CN=My Device"):
 *   claim transport|factory-reset [secret=FILE]
 *   key ID ec CURVE   [import=FILE] [public-only] [locked] [policy=RIGHTS]
 *                     [refkey=FILE] [public=FILE] [csr=FILE subject=DN]
 *   key ID rsa BITS   (same options)
 *   cert ID FILE [locked] [policy=RIGHTS]
 * docs/production.md "Provisioning manifest". */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "fileio.h"
#include "lock.h"
#include "manifest.h"

#define MAX_WORDS 16

struct ctx {
    const struct tool *t;
    const char *file;
    char dir[4096];
    int line;
    int errors;
};

static void perr(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void perr(struct ctx *c, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "se05x: %s:%d: ", c->file, c->line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    c->errors++;
}

/* Splits in place; returns the word count or -1 (error printed). */
static int split(struct ctx *c, char *s, char **w)
{
    int n = 0;
    char *p = s;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == 0 || *p == '#')
            return n;
        if (n == MAX_WORDS) {
            perr(c, "too many words");
            return -1;
        }
        char *out = p;
        w[n++] = out;
        bool q = false;
        while (*p && (q || (*p != ' ' && *p != '\t'))) {
            if (*p == '"') {
                q = !q;
                p++;
                continue;
            }
            *out++ = *p++;
        }
        if (q) {
            perr(c, "unterminated quote");
            return -1;
        }
        bool end = *p == 0;
        *out = 0;
        if (end)
            return n;
        p++;
    }
}

static char *resolve(struct ctx *c, const char *path)
{
    if (path[0] == '/' || c->dir[0] == 0)
        return strdup(path);
    size_t n = strlen(c->dir) + strlen(path) + 2;
    char *r = malloc(n);
    if (r)
        snprintf(r, n, "%s/%s", c->dir, path);
    return r;
}

/* "key=value" -> value when the word starts with key=, else NULL. */
static const char *opt_val(const char *word, const char *key)
{
    size_t n = strlen(key);
    return strncmp(word, key, n) == 0 && word[n] == '=' ? word + n + 1 : NULL;
}

static bool parse_id(struct ctx *c, const char *text, se05x_objid *id)
{
    if (se05x_parse_objid(text, id) != SE05X_OK) {
        perr(c, "malformed object id '%s' (hex, e.g. 0x20181001)", text);
        return false;
    }
    if (se05x_id_is_reserved(*id)) {
        perr(c, "0x%08X is a reserved id (7FFFxxxx, 7DA0xxxx, Fxxxxxxx, 1..3); use a customer id", *id);
        return false;
    }
    return true;
}

static void out_path(struct ctx *c, char **slot, const char *v, const char *what)
{
    if (*slot)
        perr(c, "%s= given twice", what);
    else if (!*v)
        perr(c, "%s= needs a file name", what);
    else
        *slot = resolve(c, v);
    if (*slot && strcmp(what, "import") != 0) { /* an output: its directory must exist */
        char dir[4096];
        const char *sl = strrchr(*slot, '/');
        snprintf(dir, sizeof dir, "%.*s", sl ? (int)(sl - *slot == 0 ? 1 : sl - *slot) : 1, sl ? *slot : ".");
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
            perr(c, "%s=%s: directory %s does not exist", what, v, dir);
    }
}

static void parse_claim(struct ctx *c, struct mf_item *it, char **w, int n)
{
    it->kind = MF_CLAIM;
    if (n < 2) {
        perr(c, "claim needs transport or factory-reset");
        return;
    }
    if (strcmp(w[1], "transport") == 0) {
        it->id = SE05X_OBJID_TRANSPORT;
        it->name = "TRANSPORT";
    } else if (strcmp(w[1], "factory-reset") == 0) {
        it->id = SE05X_OBJID_FACTORY_RESET;
        it->name = "FACTORY_RESET";
    } else {
        perr(c, "claim takes transport or factory-reset, not '%s'", w[1]);
        return;
    }
    for (int i = 2; i < n; i++) {
        const char *v = opt_val(w[i], "secret");
        if (!v || !*v || it->has_secret) {
            perr(c, "unexpected '%s' (claim takes only secret=FILE)", w[i]);
            continue;
        }
        char *p = resolve(c, v);
        if (!p || tool_read_secret(p, it->secret, &it->secret_len))
            perr(c, "secret file '%s' unusable", v);
        else
            it->has_secret = true;
        free(p);
    }
}

/* Options shared by key and cert: locked, policy=. true when consumed. */
static bool common_opt(struct ctx *c, struct mf_item *it, const char *w)
{
    const char *v;
    if (strcmp(w, "locked") == 0) {
        if (it->locked)
            perr(c, "locked given twice");
        it->locked = true;
        return true;
    }
    if ((v = opt_val(w, "policy"))) {
        if (it->has_policy)
            perr(c, "policy= given twice");
        else if (tool_parse_policy(c->t, v, &it->policy) != 0)
            perr(c, "bad policy '%s'", v);
        else
            it->has_policy = true;
        return true;
    }
    return false;
}

static void finish_lock(struct ctx *c, struct mf_item *it, se05x_kind kind, se05x_keypart part)
{
    if (!it->locked)
        return;
    if (it->has_policy) {
        if (it->policy.rule[0].rules & SE05X_POLICY_LOCK_FORBIDDEN)
            perr(c, "a locked object cannot have write, gen, delete or import-export in its policy");
        return;
    }
    if (se05x_policy_locked(kind, part, &it->policy) != SE05X_OK)
        perr(c, "this object cannot be locked");
    else
        it->has_policy = true;
}

static void parse_key(struct ctx *c, struct mf_item *it, char **w, int n)
{
    it->kind = MF_KEY;
    if (n < 4) {
        perr(c, "expected 'key ID ec CURVE ...' or 'key ID rsa BITS ...'");
        return;
    }
    if (!parse_id(c, w[1], &it->id))
        return;
    unsigned long bits = 0;
    if (strcmp(w[2], "ec") == 0) {
        it->key_kind = SE05X_KIND_EC;
        if ((it->curve = tool_curve_from_name(w[3])) == SE05X_EC_NONE)
            perr(c, "unsupported curve '%s' (supported: %s)", w[3], tool_curve_list());
    } else if (strcmp(w[2], "rsa") == 0) {
        it->key_kind = SE05X_KIND_RSA;
        if (!tool_parse_uint(w[3], 1, 65536, &bits) || !tool_rsa_bits_ok((unsigned)bits))
            perr(c, "unsupported RSA size '%s' (use 1024, 2048, 3072 or 4096)", w[3]);
        it->bits = (unsigned)bits;
    } else {
        perr(c, "unknown key type '%s' (use ec or rsa)", w[2]);
        return;
    }
    for (int i = 4; i < n; i++) {
        const char *v;
        if (common_opt(c, it, w[i]))
            continue;
        if (strcmp(w[i], "public-only") == 0)
            it->public_only = true;
        else if ((v = opt_val(w[i], "import")))
            out_path(c, &it->key_path, v, "import");
        else if ((v = opt_val(w[i], "refkey")))
            out_path(c, &it->refkey_path, v, "refkey");
        else if ((v = opt_val(w[i], "public")))
            out_path(c, &it->public_path, v, "public");
        else if ((v = opt_val(w[i], "csr")))
            out_path(c, &it->csr_path, v, "csr");
        else if ((v = opt_val(w[i], "subject"))) {
            if (it->subject || v[0] != '/' || !strchr(v, '='))
                perr(c, "subject= needs one DN in /type=value form, e.g. /CN=device-1");
            else
                it->subject = strdup(v);
        } else
            perr(c, "unknown key option '%s'", w[i]);
    }
    it->import = it->key_path != NULL;
    if (it->public_only && !it->import)
        perr(c, "public-only needs import=FILE (a public key cannot be generated)");
    if ((it->csr_path != NULL) != (it->subject != NULL))
        perr(c, "csr=FILE and subject=DN go together");
    if (it->csr_path && it->public_only)
        perr(c, "a CSR needs a key pair, not a public key");
    if (it->import) {
        if (tool_load_key(it->key_path, &it->key)) {
            perr(c, "key file unusable");
        } else {
            if (!it->key.has_private)
                it->public_only = true;
            if (it->key.kind != it->key_kind)
                perr(c, "%s holds an %s key, the line says %s", it->key_path,
                     it->key.kind == SE05X_KIND_EC ? "EC" : "RSA", w[2]);
            else if (it->key_kind == SE05X_KIND_EC && it->curve != SE05X_EC_NONE && it->key.curve != it->curve)
                perr(c, "%s is on curve %s, the line says %s", it->key_path, tool_curve_name(it->key.curve),
                     w[3]);
            else if (it->key_kind == SE05X_KIND_RSA && it->bits && it->key.bits != it->bits)
                perr(c, "%s is RSA-%u, the line says %s", it->key_path, it->key.bits, w[3]);
        }
    }
    finish_lock(c, it, it->key_kind, it->public_only ? SE05X_PART_PUBLIC : SE05X_PART_PAIR);
}

static void parse_cert(struct ctx *c, struct mf_item *it, char **w, int n)
{
    it->kind = MF_CERT;
    if (n < 3) {
        perr(c, "expected 'cert ID FILE [locked] [policy=RIGHTS]'");
        return;
    }
    if (!parse_id(c, w[1], &it->id))
        return;
    for (int i = 3; i < n; i++)
        if (!common_opt(c, it, w[i]))
            perr(c, "unknown cert option '%s'", w[i]);
    finish_lock(c, it, SE05X_KIND_BINARY, 0);
    it->cert_path = resolve(c, w[2]);
    uint8_t *data = NULL;
    size_t len = 0;
    if (!it->cert_path || tool_read_file(it->cert_path, 1 << 20, &data, &len)) {
        perr(c, "certificate file '%s' unreadable", w[2]);
        free(data);
        return;
    }
    BIO *bio = BIO_new_mem_buf(data, (int)len);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    if (!x) {
        const uint8_t *p = data;
        x = d2i_X509(NULL, &p, (long)len);
    }
    BIO_free(bio);
    free(data);
    unsigned char *der = NULL;
    int dl = x ? i2d_X509(x, &der) : -1;
    X509_free(x);
    if (dl <= 0 || dl > 0x7FFF) {
        perr(c, "%s is not an X.509 certificate (PEM or DER) of at most 32767 bytes", w[2]);
        OPENSSL_free(der);
        return;
    }
    it->cert_der = malloc((size_t)dl);
    if (it->cert_der) {
        memcpy(it->cert_der, der, (size_t)dl);
        it->cert_len = (size_t)dl;
    }
    OPENSSL_free(der);
}

/* Across lines: one statement per object id, one claim each, distinct
 * output files. */
static void cross_check(struct ctx *c, struct manifest *m)
{
    for (size_t i = 0; i < m->n; i++) {
        struct mf_item *a = &m->items[i];
        const char *outs_a[3] = {a->refkey_path, a->public_path, a->csr_path};
        for (size_t j = 0; j < i; j++) {
            struct mf_item *b = &m->items[j];
            c->line = a->line;
            if (a->id && a->id == b->id)
                perr(c, "object 0x%08X already appears on line %d", a->id, b->line);
            const char *outs_b[3] = {b->refkey_path, b->public_path, b->csr_path};
            for (int x = 0; x < 3; x++)
                for (int y = 0; y < 3; y++)
                    if (outs_a[x] && outs_b[y] && strcmp(outs_a[x], outs_b[y]) == 0)
                        perr(c, "output file %s is also written by line %d", outs_a[x], b->line);
        }
        for (int x = 0; x < 3; x++)
            for (int y = 0; y < x; y++)
                if (outs_a[x] && outs_a[y] && strcmp(outs_a[x], outs_a[y]) == 0) {
                    c->line = a->line;
                    perr(c, "output file %s named twice", outs_a[x]);
                }
    }
}

int manifest_load(const struct tool *t, const char *path, struct manifest *m)
{
    memset(m, 0, sizeof *m);
    m->path = path;
    struct ctx c = {.t = t, .file = path};
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(c.dir, sizeof c.dir, "%.*s", (int)(slash - path == 0 ? 1 : slash - path), path);
    uint8_t *text = NULL;
    size_t len = 0;
    if (tool_read_file(path, 1 << 20, &text, &len))
        return 1;
    if (memchr(text, 0, len)) {
        free(text);
        return tool_err("%s is not a text file", path);
    }
    int lineno = 0;
    char *p = (char *)text;
    while (p && p <= (char *)text + len) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = 0;
        c.line = ++lineno;
        size_t l = strlen(p);
        if (l && p[l - 1] == '\r')
            p[l - 1] = 0;
        char *w[MAX_WORDS];
        int n = split(&c, p, w);
        if (n > 0) {
            struct mf_item *ni = realloc(m->items, (m->n + 1) * sizeof *ni);
            if (!ni) {
                free(text);
                manifest_free(m);
                return tool_err("out of memory");
            }
            m->items = ni;
            struct mf_item *it = &m->items[m->n++];
            memset(it, 0, sizeof *it);
            it->line = lineno;
            if (strcmp(w[0], "claim") == 0)
                parse_claim(&c, it, w, n);
            else if (strcmp(w[0], "key") == 0)
                parse_key(&c, it, w, n);
            else if (strcmp(w[0], "cert") == 0)
                parse_cert(&c, it, w, n);
            else {
                it->kind = MF_CERT;
                perr(&c, "unknown statement '%s' (claim, key, cert)", w[0]);
            }
        }
        p = nl ? nl + 1 : NULL;
    }
    free(text);
    cross_check(&c, m);
    if (c.errors == 0 && m->n == 0) {
        c.line = lineno;
        perr(&c, "the manifest is empty");
    }
    if (c.errors) {
        fprintf(stderr, "se05x: %s: %d error%s; nothing was sent to the chip\n", path, c.errors,
                c.errors == 1 ? "" : "s");
        manifest_free(m);
        return EXIT_USAGE;
    }
    return 0;
}

void manifest_free(struct manifest *m)
{
    for (size_t i = 0; i < m->n; i++) {
        struct mf_item *it = &m->items[i];
        OPENSSL_cleanse(it->secret, sizeof it->secret);
        tool_key_free(&it->key);
        free(it->key_path);
        free(it->refkey_path);
        free(it->public_path);
        free(it->csr_path);
        free(it->subject);
        free(it->cert_path);
        free(it->cert_der);
    }
    free(m->items);
    memset(m, 0, sizeof *m);
}
