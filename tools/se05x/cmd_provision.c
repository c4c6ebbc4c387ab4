/* SPDX-License-Identifier: Apache-2.0 */
/* provision MANIFEST [--dry-run]: apply a provisioning manifest
 * (docs/production.md "Provisioning manifest"). Three phases:
 *   1. parse and validate the whole file, and every file it names, on the
 *      host (manifest.c); any error: FILE:LINE named, the chip untouched;
 *   2. ask the chip (read-only) what is already there; an object that is
 *      present but differs from its line (type, curve, size, key, content,
 *      policy) is a conflict: all are reported, nothing is changed;
 *   3. create what is missing, then write the reference keys, public keys
 *      and CSRs. A second run finds everything in place and sends no write. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "commands.h"
#include "fileio.h"
#include "lock.h"
#include "manifest.h"

enum state { ST_CREATE, ST_PRESENT, ST_CONFLICT, ST_ERROR };

/* The report: with --dry-run the plan is the command's data (stdout);
 * when applying, its lines are confirmations (stderr, "se05x: " prefix),
 * as every tool's (docs/tools.md "Output streams"). */
static bool report_to_stdout;

static void rep(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void rep(const char *fmt, ...)
{
    va_list ap;
    FILE *f = report_to_stdout ? stdout : stderr;
    if (!report_to_stdout)
        fputs("se05x: ", f);
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
}

static const char provision_usage[] =
    "Usage: se05x provision MANIFEST [--dry-run]\n"
    "Applies a provisioning manifest: claims the reserved auth objects, creates or imports keys\n"
    "(curves, policies, production lock), stores certificates and writes reference keys, public\n"
    "keys and CSRs to files. The whole manifest is checked before the chip is touched; objects\n"
    "already in place are verified and left alone; an object that differs is reported as a\n"
    "conflict and nothing is changed. Format and example: docs/production.md.\n"
    "  --dry-run   print the plan (after asking the chip what exists); change nothing\n";

static void describe(const struct mf_item *it, char *buf, size_t cap)
{
    switch (it->kind) {
    case MF_CLAIM:
        snprintf(buf, cap, "claim %s 0x%08X (%s secret)", it->name, it->id, it->has_secret ? "owner's" : "random");
        return;
    case MF_KEY: {
        char what[32];
        if (it->key_kind == SE05X_KIND_EC)
            snprintf(what, sizeof what, "EC %s", tool_curve_name(it->curve));
        else
            snprintf(what, sizeof what, "RSA-%u", it->bits);
        snprintf(buf, cap, "key 0x%08X %s %s%s%s", it->id, what,
                 it->import ? (it->public_only ? "public key, imported" : "key pair, imported")
                            : "key pair, generated in the chip",
                 it->locked ? ", locked" : "", it->has_policy && !it->locked ? ", with policy" : "");
        return;
    }
    case MF_CERT:
        snprintf(buf, cap, "cert 0x%08X (%zu bytes)%s", it->id, it->cert_len, it->locked ? ", locked" : "");
        return;
    }
}

/* Wanted policy vs the chip's: the same single rule, or both none (a line
 * without locked/policy= wants the applet default policy). */
static bool policy_matches(struct tool *t, const struct mf_item *it, char *why, size_t cap)
{
    struct se05x_object_policy op;
    se05x_rc r = se05x_read_object_policy(t->s, it->id, &op);
    if (r != SE05X_OK) {
        snprintf(why, cap, "cannot read its policy: %s", se05x_errmsg(t->s));
        return false;
    }
    bool same = it->has_policy ? op.policy.n == it->policy.n && op.policy.rule[0].auth_id == 0 &&
                                     op.policy.rule[0].rules == it->policy.rule[0].rules
                               : op.policy.n == 0;
    if (!same) {
        char chip[48], want[48];
        if (op.policy.n == 0)
            snprintf(chip, sizeof chip, "applet default");
        else
            snprintf(chip, sizeof chip, "0x%08X%s%s", op.policy.rule[0].rules, op.policy.n > 1 ? " and more" : "",
                     se05x_policy_is_locked(&op.policy) ? ", locked" : "");
        if (!it->has_policy)
            snprintf(want, sizeof want, "applet default");
        else
            snprintf(want, sizeof want, "0x%08X%s", it->policy.rule[0].rules, it->locked ? ", locked" : "");
        snprintf(why, cap, "its policy differs (chip: %s; manifest: %s)", chip, want);
        return false;
    }
    return true;
}

static enum state check_key(struct tool *t, const struct mf_item *it, char *why, size_t cap)
{
    struct se05x_object_info info;
    if (tool_object_info(t, it->id, &info))
        return ST_ERROR;
    se05x_keypart part = it->public_only ? SE05X_PART_PUBLIC : SE05X_PART_PAIR;
    if (info.kind != it->key_kind || info.part != part) {
        snprintf(why, cap, "it is a %s", tool_kind_name(&info));
        return ST_CONFLICT;
    }
    if (it->key_kind == SE05X_KIND_EC && info.curve != it->curve) {
        snprintf(why, cap, "it is on curve %s", tool_curve_name(info.curve));
        return ST_CONFLICT;
    }
    if (it->key_kind == SE05X_KIND_RSA && info.bits != it->bits) {
        snprintf(why, cap, "it is RSA-%u", info.bits);
        return ST_CONFLICT;
    }
    if (it->import) {
        EVP_PKEY *chip = NULL;
        se05x_rc r = se05x_read_pubkey(t->s, it->id, &chip);
        if (r != SE05X_OK) {
            snprintf(why, cap, "cannot read its public key: %s", se05x_errmsg(t->s));
            return ST_CONFLICT;
        }
        int eq = EVP_PKEY_eq(chip, it->key.pkey);
        EVP_PKEY_free(chip);
        if (eq != 1) {
            snprintf(why, cap, "it holds another key than %s", it->key_path);
            return ST_CONFLICT;
        }
    }
    return policy_matches(t, it, why, cap) ? ST_PRESENT : ST_CONFLICT;
}

static enum state check_cert(struct tool *t, const struct mf_item *it, char *why, size_t cap)
{
    struct se05x_object_info info;
    if (tool_object_info(t, it->id, &info))
        return ST_ERROR;
    if (info.kind != SE05X_KIND_BINARY) {
        snprintf(why, cap, "it is a %s", tool_kind_name(&info));
        return ST_CONFLICT;
    }
    uint8_t *data = NULL;
    size_t len = 0;
    se05x_rc r = se05x_read_binary(t->s, it->id, &data, &len);
    if (r != SE05X_OK) {
        snprintf(why, cap, "cannot read it: %s", se05x_errmsg(t->s));
        return ST_CONFLICT;
    }
    bool same = len == it->cert_len && memcmp(data, it->cert_der, len) == 0;
    se05x_free(data);
    if (!same) {
        snprintf(why, cap, "it holds other contents than %s", it->cert_path);
        return ST_CONFLICT;
    }
    return policy_matches(t, it, why, cap) ? ST_PRESENT : ST_CONFLICT;
}

static enum state check(struct tool *t, const struct mf_item *it, char *why, size_t cap)
{
    bool exists = false;
    why[0] = 0;
    if (tool_lookup(t, it->id, &exists))
        return ST_ERROR;
    if (!exists)
        return ST_CREATE;
    if (it->kind == MF_CLAIM) {
        enum se05x_claim_state st;
        se05x_rc r = se05x_claim_state(t->s, it->id, &st);
        if (r != SE05X_OK) {
            tool_fail(t, r, "check the claim of", it->id);
            return ST_ERROR;
        }
        if (st == SE05X_CLAIMED)
            return ST_PRESENT;
        snprintf(why, cap, "it exists but can be rewritten (not claimed by a manifest or 'se05x claim')");
        return ST_CONFLICT;
    }
    return it->kind == MF_KEY ? check_key(t, it, why, cap) : check_cert(t, it, why, cap);
}

static int create(struct tool *t, const struct mf_item *it)
{
    struct se05x_write_opts wo;
    memset(&wo, 0, sizeof wo);
    wo.policy = it->has_policy ? &it->policy : NULL;
    se05x_rc r = SE05X_OK;
    switch (it->kind) {
    case MF_CLAIM: return tool_claim_one(t, it->id, it->name, it->has_secret ? it->secret : NULL, it->secret_len);
    case MF_KEY:
        if (it->import) {
            r = se05x_import_pkey(t->s, it->id, it->key.pkey, it->public_only, &wo);
        } else if (it->key_kind == SE05X_KIND_EC) {
            r = se05x_ensure_curve(t->s, it->curve);
            if (r == SE05X_OK)
                r = se05x_ec_generate(t->s, it->id, it->curve, &wo);
        } else {
            r = se05x_rsa_generate(t->s, it->id, it->bits, &wo);
        }
        break;
    case MF_CERT: r = se05x_write_binary(t->s, it->id, it->cert_der, it->cert_len, &wo); break;
    }
    if (r != SE05X_OK)
        return tool_fail(t, r, it->kind == MF_CERT ? "write" : it->import ? "import into" : "generate", it->id);
    return 0;
}

/* Reference key, public key (rewritten each run: same contents) and CSR
 * (only when its file does not exist yet: a CSR is signed anew each time). */
static int outputs(struct tool *t, const struct mf_item *it)
{
    if (it->kind != MF_KEY)
        return 0;
    if (it->public_path) {
        if (tool_write_pubkey(t, it->id, false, it->public_path))
            return 1;
        rep("wrote public key %s\n", it->public_path);
    }
    if (it->refkey_path) {
        char *pem = NULL;
        size_t n = 0;
        se05x_rc r = se05x_refkey_from_chip(
            t->s, it->id, it->key_kind == SE05X_KIND_EC ? SE05X_REFKEY_PKCS8 : SE05X_REFKEY_PKCS1, &pem, &n);
        if (r != SE05X_OK)
            return tool_fail(t, r, "make the reference key of", it->id);
        int rc = tool_write_public(it->refkey_path, pem, n);
        se05x_free(pem);
        if (rc)
            return rc;
        rep("wrote reference key %s\n", it->refkey_path);
    }
    if (it->csr_path) {
        if (access(it->csr_path, F_OK) == 0) {
            rep("kept existing CSR %s\n", it->csr_path);
            return 0;
        }
        char idtext[16];
        snprintf(idtext, sizeof idtext, "0x%08X", it->id);
        char *av[] = {"csr", idtext, "--subj", it->subject, "-o", it->csr_path, NULL};
        if (cmd_csr(t, 6, av))
            return 1;
        rep("wrote CSR %s\n", it->csr_path);
    }
    return 0;
}

int cmd_provision(struct tool *t, int argc, char **argv)
{
    if (tool_wants_help(argc, argv, provision_usage))
        return 0;
    static const struct option opts[] = {{"dry-run", no_argument, NULL, 'n'}, {NULL, 0, NULL, 0}};
    bool dry = false;
    tool_getopt_reset();
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == 'n')
            dry = true;
        else
            return tool_bad_option(t, c, argc, argv);
    }
    if (argc - optind != 1)
        return tool_usage(t, "expected one manifest file");
    struct manifest m;
    int rc = manifest_load(t, argv[optind], &m);
    if (rc)
        return rc;
    if (tool_session(t) == NULL) {
        manifest_free(&m);
        return 1;
    }
    enum state *st = calloc(m.n, sizeof *st);
    if (!st) {
        manifest_free(&m);
        return tool_err("out of memory");
    }
    size_t conflicts = 0, errors = 0, todo = 0;
    report_to_stdout = dry;
    rep("%s on %s:\n", dry ? "plan" : "provisioning", t->conn);
    for (size_t i = 0; i < m.n; i++) {
        char what[160], why[256];
        describe(&m.items[i], what, sizeof what);
        st[i] = check(t, &m.items[i], why, sizeof why);
        switch (st[i]) {
        case ST_CREATE:
            todo++;
            rep("line %d: %s: %s\n", m.items[i].line, what, dry ? "would create" : "to create");
            break;
        case ST_PRESENT: rep("line %d: %s: in place, verified\n", m.items[i].line, what); break;
        case ST_CONFLICT:
            conflicts++;
            rep("line %d: %s: CONFLICT\n", m.items[i].line, what);
            fprintf(stderr, "se05x: %s:%d: object 0x%08X on %s does not match: %s; not overwritten\n", m.path,
                    m.items[i].line, m.items[i].id, t->conn, why);
            break;
        case ST_ERROR: errors++; break;
        }
    }
    if (conflicts || errors) {
        rc = tool_err("%s: %zu conflict%s%s; nothing was changed", m.path, conflicts, conflicts == 1 ? "" : "s",
                      errors ? " and errors" : "");
    } else if (dry) {
        rep("dry run: %zu object%s would be created; nothing was changed\n", todo, todo == 1 ? "" : "s");
    } else {
        size_t made = 0;
        for (size_t i = 0; i < m.n && rc == 0; i++) {
            if (st[i] == ST_CREATE) {
                if ((rc = create(t, &m.items[i])) == 0)
                    made++;
                else
                    fprintf(stderr, "se05x: %s:%d: stopped here; the lines before it are applied\n", m.path,
                            m.items[i].line);
            }
            if (rc == 0)
                rc = outputs(t, &m.items[i]);
        }
        if (rc == 0)
            rep("done: %zu created, %zu already in place\n", made, m.n - made);
    }
    free(st);
    manifest_free(&m);
    return rc;
}
