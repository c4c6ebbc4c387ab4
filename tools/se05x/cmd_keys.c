/* SPDX-License-Identifier: Apache-2.0 */
/* generate, import, delete, reset: creating and removing objects. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "keyfile.h"
#include "lock.h"

/* Options shared by the commands that create objects. */
struct create_opts {
    bool transient;
    bool force;
    bool has_policy;
    bool locked;
    struct se05x_policy policy;
};

enum { OPT_CURVE = 1000, OPT_BITS, OPT_TRANSIENT, OPT_POLICY, OPT_FORCE, OPT_PUBLIC, OPT_LOCKED };

/* The options of generate and import; each command's table names the ones it takes. */
struct create_args {
    struct create_opts co;
    const char *curve_name, *bits_text; /* generate */
    bool public_only;                   /* import */
};

/* Parses the options of `opts` into *a. Returns 0 or the exit code of the
 * printed usage error. */
static int parse_create(struct tool *t, int argc, char **argv, const struct option *opts, struct create_args *a)
{
    memset(a, 0, sizeof *a);
    tool_getopt_reset();
    int c, rc;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case OPT_CURVE: a->curve_name = optarg; break;
        case OPT_BITS: a->bits_text = optarg; break;
        case OPT_PUBLIC: a->public_only = true; break;
        case OPT_TRANSIENT: a->co.transient = true; break;
        case OPT_FORCE: a->co.force = true; break;
        case OPT_LOCKED: a->co.locked = true; break;
        case OPT_POLICY:
            if ((rc = tool_parse_policy(t, optarg, &a->co.policy)) != 0)
                return rc;
            a->co.has_policy = true;
            break;
        default: return tool_bad_option(t, c, argc, argv);
        }
    }
    return 0;
}

/* --locked: the production lock policy for an object of this kind and part
 * (lock.h). Returns 0 or the exit code of the printed error. */
static int apply_lock(const struct tool *t, struct create_opts *co, se05x_kind kind, se05x_keypart part)
{
    if (!co->locked)
        return 0;
    int rc = tool_lock_policy(t, kind, part, co->has_policy, &co->policy);
    if (rc == 0)
        co->has_policy = true;
    return rc;
}

static struct se05x_write_opts write_opts(const struct create_opts *c)
{
    struct se05x_write_opts o;
    memset(&o, 0, sizeof o);
    o.transient = c->transient;
    o.policy = c->has_policy ? &c->policy : NULL;
    return o;
}

/* An existing object is only replaced with --force (deleted first, so the
 * new object gets the new options). */
static int make_room(struct tool *t, se05x_objid id, bool force)
{
    bool exists;
    if (tool_lookup(t, id, &exists))
        return 1;
    if (!exists)
        return 0;
    if (!force)
        return tool_err("object 0x%08X already exists on %s (delete it first, or add --force to replace it)",
                        id, t->conn);
    se05x_rc rc = se05x_delete_object(t->s, id);
    if (rc != SE05X_OK)
        return tool_fail(t, rc, "delete (to replace)", id);
    tool_info(t, "deleted the old object 0x%08X", id);
    return 0;
}

/* ---- generate ---- */

static const char generate_usage[] =
    "Usage: se05x generate ec <id> [--curve CURVE] [options]\n"
    "       se05x generate rsa <id> [--bits 1024|2048|3072|4096] [options]\n"
    "Generates a key pair inside the chip; the private key never leaves it.\n"
    "  --curve CURVE    P-256 (default), P-384, P-521, P-224, P-192, secp256k1, secp224k1,\n"
    "                   secp192k1, secp160k1, brainpoolP160r1..brainpoolP512r1; also the ssscli\n"
    "                   (NIST_P256) and OpenSSL (prime256v1, secp384r1) names\n"
    "  --bits N         RSA modulus size (default 2048)\n"
    "  --transient      transient object (lost at chip reset; default persistent)\n"
    "  --policy RIGHTS  rights without a session, e.g. sign,verify,read,delete\n"
    "                   (see docs/tools.md; default: the applet default policy)\n"
    "  --locked         production lock: usable (sign, verify, ...), never rewritten, deleted\n"
    "                   or exported (docs/production.md)\n"
    "  --force          replace an existing object with this id\n";

int cmd_generate(struct tool *t, int argc, char **argv)
{
    if (tool_wants_help(argc, argv, generate_usage))
        return 0;
    static const struct option opts[] = {
        {"curve", required_argument, NULL, OPT_CURVE},  {"bits", required_argument, NULL, OPT_BITS},
        {"transient", no_argument, NULL, OPT_TRANSIENT}, {"policy", required_argument, NULL, OPT_POLICY},
        {"force", no_argument, NULL, OPT_FORCE},         {"locked", no_argument, NULL, OPT_LOCKED},
        {NULL, 0, NULL, 0}};
    struct create_args a;
    int rc = parse_create(t, argc, argv, opts, &a);
    if (rc)
        return rc;
    struct create_opts co = a.co;
    const char *curve_name = a.curve_name, *bits_text = a.bits_text;
    if (argc - optind != 2)
        return tool_usage(t, "expected 'ec <id>' or 'rsa <id>'");
    const char *what = argv[optind];
    se05x_objid id;
    if ((rc = tool_parse_id(t, argv[optind + 1], &id)) != 0)
        return rc;
    bool ec = strcmp(what, "ec") == 0 || strcmp(what, "ecc") == 0;
    bool rsa = strcmp(what, "rsa") == 0;
    if (!ec && !rsa)
        return tool_usage(t, "unknown key type '%s' (use ec or rsa)", what);
    se05x_curve curve = SE05X_EC_NIST_P256;
    unsigned long bits = 2048;
    if (ec) {
        if (bits_text)
            return tool_usage(t, "--bits applies to RSA keys; EC keys take --curve");
        if (curve_name && (curve = tool_curve_from_name(curve_name)) == SE05X_EC_NONE)
            return tool_usage(t, "unsupported curve '%s' (supported: %s)", curve_name, tool_curve_list());
    } else {
        if (curve_name)
            return tool_usage(t, "--curve applies to EC keys; RSA keys take --bits");
        if (bits_text && (!tool_parse_uint(bits_text, 1, 65536, &bits) || !tool_rsa_bits_ok((unsigned)bits)))
            return tool_usage(t, "unsupported RSA size '%s' (use 1024, 2048, 3072 or 4096)", bits_text);
    }
    if ((rc = apply_lock(t, &co, ec ? SE05X_KIND_EC : SE05X_KIND_RSA, SE05X_PART_PAIR)) != 0)
        return rc;
    if ((rc = make_room(t, id, co.force)) != 0)
        return rc;
    se05x_session *s = t->s;
    struct se05x_write_opts wo = write_opts(&co);
    se05x_rc r;
    if (ec) {
        r = se05x_ensure_curve(s, curve);
        if (r != SE05X_OK)
            return tool_fail(t, r, "create the curve for", id);
        r = se05x_ec_generate(s, id, curve, &wo);
        if (r != SE05X_OK)
            return tool_fail(t, r, "generate", id);
        fprintf(stderr, "se05x: generated %s key pair 0x%08X (%s%s)\n", tool_curve_name(curve), id,
               co.transient ? "transient" : "persistent", co.locked ? ", locked" : "");
    } else {
        r = se05x_rsa_generate(s, id, (unsigned)bits, &wo);
        if (r != SE05X_OK)
            return tool_fail(t, r, "generate", id);
        fprintf(stderr, "se05x: generated RSA-%lu key pair 0x%08X (%s%s)\n", bits, id, co.transient ? "transient" : "persistent",
               co.locked ? ", locked" : "");
    }
    return 0;
}

/* ---- import ---- */

static const char import_usage[] =
    "Usage: se05x import <id> <key.pem|key.der> [--public] [options]\n"
    "Imports an EC or RSA key from a PEM/DER file (PKCS#8, SEC1, PKCS#1, SubjectPublicKeyInfo).\n"
    "The curve is created on the chip when needed. Encrypted files are refused.\n"
    "  --public         import only the public part (automatic for a public key file)\n"
    "  --transient      transient object (default persistent)\n"
    "  --policy RIGHTS  rights without a session, e.g. sign,verify,read,delete\n"
    "  --locked         production lock: usable, never rewritten, deleted or exported\n"
    "  --force          replace an existing object with this id\n";

int cmd_import(struct tool *t, int argc, char **argv)
{
    if (tool_wants_help(argc, argv, import_usage))
        return 0;
    static const struct option opts[] = {
        {"public", no_argument, NULL, OPT_PUBLIC},       {"transient", no_argument, NULL, OPT_TRANSIENT},
        {"policy", required_argument, NULL, OPT_POLICY}, {"force", no_argument, NULL, OPT_FORCE},
        {"locked", no_argument, NULL, OPT_LOCKED},       {NULL, 0, NULL, 0}};
    struct create_args a;
    int rc = parse_create(t, argc, argv, opts, &a);
    if (rc)
        return rc;
    struct create_opts co = a.co;
    bool public_only = a.public_only;
    if (argc - optind != 2)
        return tool_usage(t, "expected <id> <key file>");
    se05x_objid id;
    if ((rc = tool_parse_id(t, argv[optind], &id)) != 0)
        return rc;
    const char *path = argv[optind + 1];
    struct tool_key k;
    if (tool_load_key(path, &k))
        return 1;
    if (!k.has_private)
        public_only = true;
    if ((rc = apply_lock(t, &co, k.kind, public_only ? SE05X_PART_PUBLIC : SE05X_PART_PAIR)) != 0) {
        tool_key_free(&k);
        return rc;
    }
    rc = make_room(t, id, co.force);
    if (rc == 0) {
        struct se05x_write_opts wo = write_opts(&co);
        se05x_rc r = se05x_import_pkey(t->s, id, k.pkey, public_only, &wo);
        if (r != SE05X_OK) {
            rc = tool_fail(t, r, "import into", id);
        } else {
            fprintf(stderr, "se05x: imported %s %s 0x%08X (%s%s)\n",
                   k.kind == SE05X_KIND_EC ? tool_curve_name(k.curve) : "RSA",
                   public_only ? "public key" : "key pair", id, co.transient ? "transient" : "persistent",
                   co.locked ? ", locked" : "");
        }
    }
    tool_key_free(&k);
    return rc;
}

/* ---- delete ---- */

static const char delete_usage[] =
    "Usage: se05x delete <id>\n"
    "Deletes one object. Reserved objects are refused by the chip.\n";

int cmd_delete(struct tool *t, int argc, char **argv)
{
    se05x_objid id;
    int rc;
    if (!tool_one_id(t, argc, argv, delete_usage, &id, &rc))
        return rc;
    if ((rc = tool_require(t, id, NULL)) != 0)
        return rc;
    se05x_rc r = se05x_delete_object(t->s, id);
    if (r != SE05X_OK)
        return tool_fail(t, r, "delete", id);
    fprintf(stderr, "se05x: deleted 0x%08X\n", id);
    return 0;
}

/* ---- reset ---- */

static const char reset_usage[] =
    "Usage: se05x reset --yes\n"
    "Deletes every object except the reserved ones (7FFFxxxx, 7DA0xxxx, Fxxxxxxx, 1..3), one by\n"
    "one, like 'ssscli se05x reset' (no DeleteAll, no authentication needed). Prints the count.\n"
    "Locked objects (whose policy forbids the delete) are kept and named; that is no failure.\n"
    "  --yes   confirm; without it nothing is deleted\n";

int cmd_reset(struct tool *t, int argc, char **argv)
{
    if (tool_wants_help(argc, argv, reset_usage))
        return 0;
    bool yes = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--yes") == 0 || strcmp(argv[i], "-y") == 0)
            yes = true;
        else
            return tool_usage(t, "unexpected argument '%s'", argv[i]);
    }
    if (!yes)
        return tool_usage(t, "reset deletes every non-reserved object; add --yes to confirm");
    return tool_reset_report(t);
}
