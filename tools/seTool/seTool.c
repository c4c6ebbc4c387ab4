/* SPDX-License-Identifier: Apache-2.0 */
/* seTool — drop-in replacement for NXP's seTool (docs/protocol/compat.md §1),
 * with exactly the verbs of the Mender tutorial:
 *
 *   seTool genECC    <keyId> [port]
 *   seTool setECC    <keyId> <file.pem> [port]
 *   seTool getPublic <keyId> <file> [port]
 *   seTool getRef    <keyId> <file> [port]      (alias getECCRef, v04.05+)
 *
 * Port: the last argument when present, else EX_SSS_BOOT_SSS_PORT, else the
 * configuration file, else /dev/i2c-1. Key ids are hex with or without 0x.
 * Silent on success except one line on stderr; errors are one line on
 * stderr and a non-zero exit (1 failure, 2 usage). Never erases the chip. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <se05x/se05x.h>
#include <se05x/ossl.h>
#include <se05x/version.h>

#include "chipopen.h"
#include "msgline.h"
#include "outfile.h"

#define EXIT_USAGE 2

struct ctx {
    se05x_objid id;
    const char *file;
    const char *port; /* NULL: environment / configuration */
    char conn[512];
    se05x_session *s;
    int verbose; /* -v: say which port is used and where it came from */
};

static void usage_to(FILE *f)
{
    fputs("Usage:\n"
          "\tseTool genECC <keyId>\n"
          "\tseTool setECC <keyId> <filename>\n"
          "\tseTool getPublic <keyId> <filename>\n"
          "\tseTool getRef <keyId> <filename>\n"
          "Each command takes an optional last argument, the port (e.g. /dev/i2c-1,\n"
          "127.0.0.1:8050); without it EX_SSS_BOOT_SSS_PORT, then the \"port\" of\n"
          "$SE05X_CONF or /etc/se05x/se05x.conf, then /dev/i2c-1. getECCRef = getRef.\n"
          "Options (anywhere): -v, --verbose  say which port is used and where it came from\n"
          "\tseTool -h|--help    this text\n"
          "\tseTool --version    print the version\n",
          f);
}

static void usage(void)
{
    usage_to(stderr);
}

static int err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tool_vsay("seTool", fmt, ap);
    va_end(ap);
    return 1;
}

/* One line for a failed library call, naming the object and the port. */
static int fail(struct ctx *c, se05x_rc rc, const char *op)
{
    struct se05x_error e;
    memset(&e, 0, sizeof e);
    if (c->s != NULL)
        se05x_last_error(c->s, &e);
    if (rc == SE05X_E_NOT_FOUND)
        return err("object 0x%08X not found on %s", c->id, c->conn);
    if (e.rc == rc && e.msg[0])
        return err("cannot %s 0x%08X on %s: %s", op, c->id, c->conn, e.msg);
    return err("cannot %s 0x%08X on %s: %s", op, c->id, c->conn, se05x_strerror(rc));
}

static int open_chip(struct ctx *c)
{
    char from[600];
    c->s = tool_open_chip("seTool", c->port, c->verbose, c->conn, sizeof c->conn, from, sizeof from);
    return c->s == NULL;
}

/* Object present: 1 and its description, absent: 0, failure: -1 (printed). */
static int lookup(struct ctx *c, struct se05x_object_info *info)
{
    bool exists = false;
    se05x_rc rc = se05x_object_exists(c->s, c->id, &exists);
    if (rc != SE05X_OK)
        return fail(c, rc, "look up"), -1;
    if (!exists)
        return 0;
    memset(info, 0, sizeof *info);
    rc = se05x_object_info(c->s, c->id, info);
    if (rc != SE05X_OK)
        return fail(c, rc, "read the type of"), -1;
    return 1;
}

/* Public keys and reference keys (public material, 0644 before the umask)
 * through the tools' one safe writer (tools/common/outfile.h): temporary
 * file with a random name, O_EXCL|O_NOFOLLOW, fsync, rename; a symbolic
 * link at the path is refused; never a partial file. */
static int write_file(const char *path, const void *data, size_t len)
{
    const char *why;
    if (outfile_write(path, data, len, OUTFILE_PUBLIC, &why) != 0)
        return err("cannot write %s: %s", path, why);
    return 0;
}

/* ---- genECC ---- */

static int gen_ecc(struct ctx *c)
{
    struct se05x_object_info info;
    int found = lookup(c, &info);
    if (found < 0)
        return 1;
    if (found) {
        /* NXP's seTool warns and regenerates; we warn and keep the key, so a
         * second run never silently invalidates a certificate already issued
         * for it. Delete it first (se05x delete) to get a new key. */
        if (info.kind == SE05X_KIND_EC && info.part == SE05X_PART_PAIR && info.curve == SE05X_EC_NIST_P256) {
            fprintf(stderr, "seTool: Object id 0x%08X exists; keeping the existing NIST P-256 key pair\n", c->id);
            return 0;
        }
        return err("Object id 0x%08X exists on %s and is not a NIST P-256 key pair; not changed", c->id, c->conn);
    }
    se05x_rc rc = se05x_ensure_curve(c->s, SE05X_EC_NIST_P256);
    if (rc == SE05X_OK)
        rc = se05x_ec_generate(c->s, c->id, SE05X_EC_NIST_P256, NULL);
    if (rc != SE05X_OK)
        return fail(c, rc, "generate");
    fprintf(stderr, "seTool: generated NIST P-256 key pair 0x%08X on %s\n", c->id, c->conn);
    return 0;
}

/* ---- setECC ---- */

static bool has_private(const EVP_PKEY *pkey)
{
    BIGNUM *bn = NULL;
    if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &bn))
        return false;
    BN_clear_free(bn);
    return true;
}

/* Host-side checks of the key file, before the chip is touched. */
static int load_ec_pair(const char *path, EVP_PKEY **out, se05x_curve *curve)
{
    *out = NULL;
    struct se05x_refkey ref;
    int is_ref = 0;
    struct se05x_error e;
    memset(&e, 0, sizeof e);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return err("cannot read %s: %s", path, strerror(errno));
    char head[4096];
    size_t n = fread(head, 1, sizeof head - 1, f);
    head[n] = 0;
    fclose(f);
    bool encrypted = strstr(head, "ENCRYPTED") != NULL;
    OPENSSL_cleanse(head, sizeof head); /* it may hold the private key */
    if (encrypted)
        return err("%s is an encrypted key; decrypt it first (openssl pkey -in %s -out plain.pem)", path, path);
    if (se05x_refkey_parse_file(path, &ref, &is_ref, &e) == SE05X_OK && is_ref)
        return err("%s is a reference key to object 0x%08X, not a key pair", path, ref.id);
    memset(&e, 0, sizeof e);
    se05x_rc rc = se05x_load_key_file(path, out, &e);
    if (rc != SE05X_OK || *out == NULL) {
        const char *why = e.msg[0] ? e.msg : se05x_strerror(rc);
        return strstr(why, path) ? err("%s", why) : err("cannot load a key from %s: %s", path, why);
    }
    char group[80] = "";
    if (EVP_PKEY_get_base_id(*out) != EVP_PKEY_EC) {
        err("%s does not hold an EC key", path);
        goto bad;
    }
    int nid = NID_undef;
    if (EVP_PKEY_get_utf8_string_param(*out, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL))
        nid = OBJ_sn2nid(group);
    *curve = nid == NID_undef ? SE05X_EC_NONE : se05x_curve_from_nid(nid);
    if (*curve == SE05X_EC_NONE || (unsigned)*curve > SE05X_EC_SECP256K1) {
        err("%s: unsupported curve %s", path, group[0] ? group : "(explicit parameters)");
        goto bad;
    }
    if (!has_private(*out)) {
        err("%s holds only a public key; setECC needs a key pair", path);
        goto bad;
    }
    return 0;
bad:
    EVP_PKEY_free(*out);
    *out = NULL;
    return 1;
}

static int set_ecc(struct ctx *c, EVP_PKEY *pkey)
{
    struct se05x_object_info info;
    int found = lookup(c, &info);
    if (found < 0)
        return 1;
    if (found)
        fprintf(stderr, "seTool: Object id 0x%08X exists; overwriting it with the key from %s\n", c->id, c->file);
    se05x_rc rc = se05x_import_pkey(c->s, c->id, pkey, 0, NULL);
    if (rc != SE05X_OK)
        return fail(c, rc, "import the key into");
    fprintf(stderr, "seTool: imported the key pair from %s into 0x%08X on %s\n", c->file, c->id, c->conn);
    return 0;
}

/* ---- getPublic, getRef ---- */

static int require_key(struct ctx *c)
{
    struct se05x_object_info info;
    int found = lookup(c, &info);
    if (found < 0)
        return 1;
    if (!found)
        return fail(c, SE05X_E_NOT_FOUND, "find");
    if ((info.kind != SE05X_KIND_EC && info.kind != SE05X_KIND_RSA) || info.part == SE05X_PART_PRIVATE)
        return err("object 0x%08X on %s is not a key pair or public key", c->id, c->conn);
    return 0;
}

static int get_public(struct ctx *c)
{
    if (require_key(c))
        return 1;
    EVP_PKEY *pkey = NULL;
    se05x_rc rc = se05x_read_pubkey(c->s, c->id, &pkey);
    if (rc != SE05X_OK)
        return fail(c, rc, "read the public key of");
    int ret;
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL || !PEM_write_bio_PUBKEY(bio, pkey)) {
        ret = err("cannot encode the public key");
    } else {
        char *p = NULL;
        long n = BIO_get_mem_data(bio, &p);
        ret = write_file(c->file, p, (size_t)n);
    }
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    return ret;
}

static int get_ref(struct ctx *c)
{
    if (require_key(c))
        return 1;
    char *pem = NULL;
    size_t len = 0;
    /* EC: PKCS#8 exactly as NXP's seTool writes it (docs/protocol/refkey.md §4, §6). */
    se05x_rc rc = se05x_refkey_from_chip(c->s, c->id, SE05X_REFKEY_PKCS8, &pem, &len);
    if (rc != SE05X_OK)
        return fail(c, rc, "make a reference key for");
    int ret = write_file(c->file, pem, len);
    free(pem);
    return ret;
}

int main(int argc, char **argv)
{
    /* -v/--verbose anywhere (before "--"): taken out of the positional list */
    int verbose = 0, w = 1;
    for (int r = 1; r < argc; r++) {
        if (strcmp(argv[r], "-v") == 0 || strcmp(argv[r], "--verbose") == 0)
            verbose = 1;
        else
            argv[w++] = argv[r];
    }
    argc = w;
    argv[argc] = NULL;
    if (argc < 2) {
        usage();
        return EXIT_USAGE;
    }
    const char *verb = argv[1];
    int nargs; /* positional arguments after the verb, without the port */
    if (strcmp(verb, "genECC") == 0)
        nargs = 1;
    else if (strcmp(verb, "setECC") == 0 || strcmp(verb, "getPublic") == 0 || strcmp(verb, "getRef") == 0 ||
             strcmp(verb, "getECCRef") == 0)
        nargs = 2;
    else if (strcmp(verb, "-h") == 0 || strcmp(verb, "--help") == 0) {
        usage_to(stdout);
        return 0;
    } else if (strcmp(verb, "--version") == 0) {
        printf("seTool %s\n", SE05X_VERSION_STRING);
        return 0;
    } else {
        fprintf(stderr, "seTool: invalid command '%s'\n", verb);
        usage();
        return EXIT_USAGE;
    }
    int given = argc - 2;
    if (given < nargs || given > nargs + 1) {
        usage();
        return EXIT_USAGE;
    }
    struct ctx c;
    memset(&c, 0, sizeof c);
    c.verbose = verbose;
    if (se05x_parse_objid(argv[2], &c.id) != SE05X_OK || c.id == 0) {
        fprintf(stderr, "seTool: malformed keyId '%s' (expected 1 to 8 hex digits, e.g. 0x7f000001)\n", argv[2]);
        return EXIT_USAGE;
    }
    c.file = nargs == 2 ? argv[3] : NULL;
    c.port = given > nargs ? argv[argc - 1] : NULL;
    if (c.file != NULL && c.file[0] == 0) {
        fprintf(stderr, "seTool: empty file name\n");
        return EXIT_USAGE;
    }
    if (c.port != NULL && c.port[0] == 0) {
        fprintf(stderr, "seTool: empty port\n");
        return EXIT_USAGE;
    }
    /* setECC: read and check the key file before opening the chip. */
    EVP_PKEY *pkey = NULL;
    se05x_curve curve = SE05X_EC_NONE;
    if (strcmp(verb, "setECC") == 0 && load_ec_pair(c.file, &pkey, &curve))
        return 1;
    int rc = open_chip(&c);
    if (rc == 0) {
        if (strcmp(verb, "genECC") == 0)
            rc = gen_ecc(&c);
        else if (strcmp(verb, "setECC") == 0)
            rc = set_ecc(&c, pkey);
        else if (strcmp(verb, "getPublic") == 0)
            rc = get_public(&c);
        else
            rc = get_ref(&c);
    }
    EVP_PKEY_free(pkey);
    if (c.s != NULL)
        se05x_close(c.s);
    return rc;
}
