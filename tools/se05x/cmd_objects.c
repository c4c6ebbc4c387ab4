/* SPDX-License-Identifier: Apache-2.0 */
/* write, read, cert: binary objects (files) and certificates stored in them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "commands.h"
#include "fileio.h"
#include "lock.h"

#define BINARY_MAX 0x7FFF /* docs/protocol/apdu.md §22 */

enum { OPT_TRANSIENT = 1000, OPT_POLICY, OPT_LOCKED };

/* Stores bytes as a binary object. An existing binary object is replaced;
 * an object of another type is left alone. */
static int store_binary(struct tool *t, se05x_objid id, const uint8_t *data, size_t len,
                        const struct se05x_write_opts *wo, const char *what)
{
    if (len == 0)
        return tool_err("%s is empty; a binary object holds 1 to %u bytes", what, BINARY_MAX);
    if (len > BINARY_MAX)
        return tool_err("%s is too large (%zu bytes; a binary object holds at most %u)", what, len, BINARY_MAX);
    bool exists;
    int rc = tool_lookup(t, id, &exists);
    if (rc)
        return rc;
    if (exists) {
        struct se05x_object_info info;
        if ((rc = tool_object_info(t, id, &info)) != 0)
            return rc;
        if (info.kind != SE05X_KIND_BINARY)
            return tool_err("object 0x%08X on %s is a %s, not a binary file; not overwritten", id, t->conn,
                            tool_kind_name(&info));
    }
    se05x_rc r = se05x_write_binary(t->s, id, data, len, wo);
    if (r != SE05X_OK)
        return tool_fail(t, r, "write", id);
    return 0;
}

/* "<id> <file> [--transient] [--policy RIGHTS] [--locked]" of write and cert
 * write, with the file's bytes. */
struct create_args {
    struct se05x_write_opts wo; /* wo.policy: NULL or &pol */
    struct se05x_policy pol;
    se05x_objid id;
    const char *path;
    uint8_t *data; /* malloc'ed, NULL on failure */
    size_t len;
};

/* Parses the arguments (a wrong count is the usage error `expected`) and
 * reads the file (at most `max` bytes). Returns 0 or the exit code of the
 * printed error; a->data is to be freed either way. */
static int parse_create(struct tool *t, int argc, char **argv, const char *expected, size_t max,
                        struct create_args *a)
{
    const struct option opts[] = {{"transient", no_argument, NULL, OPT_TRANSIENT},
                                  {"policy", required_argument, NULL, OPT_POLICY},
                                  {"locked", no_argument, NULL, OPT_LOCKED},
                                  {NULL, 0, NULL, 0}};
    bool locked = false;
    memset(a, 0, sizeof *a);
    tool_getopt_reset();
    int c, rc;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == OPT_TRANSIENT) {
            a->wo.transient = 1;
        } else if (c == OPT_POLICY) {
            if ((rc = tool_parse_policy(t, optarg, &a->pol)) != 0)
                return rc;
            a->wo.policy = &a->pol;
        } else if (c == OPT_LOCKED) {
            locked = true;
        } else {
            return tool_bad_option(t, c, argc, argv);
        }
    }
    if (locked) { /* docs/production.md: read only, never rewritten or deleted */
        if ((rc = tool_lock_policy(t, SE05X_KIND_BINARY, 0, a->wo.policy != NULL, &a->pol)) != 0)
            return rc;
        a->wo.policy = &a->pol;
    }
    if (argc - optind != 2)
        return tool_usage(t, "%s", expected);
    if ((rc = tool_parse_id(t, argv[optind], &a->id)) != 0)
        return rc;
    a->path = argv[optind + 1];
    return tool_read_file(a->path, max, &a->data, &a->len);
}

/* ---- write ---- */

static const char write_usage[] =
    "Usage: se05x write <id> <file> [--transient] [--policy RIGHTS] [--locked]\n"
    "Stores the file (1 to 32767 bytes) as a binary object; an existing binary object with\n"
    "this id is replaced, any other object is left alone.\n"
    "  --locked   production lock: readable, never rewritten or deleted (docs/production.md)\n";

int cmd_write(struct tool *t, int argc, char **argv)
{
    if (tool_wants_help(argc, argv, write_usage))
        return 0;
    struct create_args a;
    int rc = parse_create(t, argc, argv, "expected <id> <file>", BINARY_MAX, &a);
    if (rc == 0)
        rc = store_binary(t, a.id, a.data, a.len, &a.wo, a.path);
    if (rc == 0)
        fprintf(stderr, "se05x: wrote %zu bytes to 0x%08X\n", a.len, a.id);
    free(a.data);
    return rc;
}

/* ---- read ---- */

static const char read_usage[] =
    "Usage: se05x read <id> [-o FILE] [--private]\n"
    "Binary object: its bytes. Key pair or public key: the public key (PEM); the private key\n"
    "never leaves the chip. Counter/PCR: the value. Symmetric keys: refused by the chip.\n"
    "  -o FILE     output file (default: standard output)\n"
    "  --private   ask the chip to export the private key (ExportObject); the chip refuses\n";

/* ExportObject (docs/protocol/apdu.md §4.4) through the raw exchange: only to show that
 * the chip refuses; a transient object may yield an encrypted blob, which
 * is not written anywhere. */
static int try_private_export(struct tool *t, se05x_objid id)
{
    uint8_t capdu[] = {0x80, 0x02, 0x00, 0x19, 0x00, 0x00, 0x09, 0x41, 0x04,
                       (uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id,
                       0x42, 0x01, 0xFF, 0x00, 0x00};
    uint8_t rapdu[1200];
    size_t rlen = 0;
    se05x_rc r = se05x_transceive(t->s, capdu, sizeof capdu, rapdu, sizeof rapdu, &rlen);
    if (rlen > sizeof rapdu)
        rlen = sizeof rapdu;
    uint16_t sw = rlen >= 2 ? (uint16_t)(rapdu[rlen - 2] << 8 | rapdu[rlen - 1]) : 0;
    OPENSSL_cleanse(rapdu, rlen);
    if (r != SE05X_OK)
        return tool_fail(t, r, "ask for the private key of", id);
    if (rlen < 2)
        return tool_fail(t, SE05X_E_PROTOCOL, "ask for the private key of", id);
    if (sw == 0x9000)
        return tool_err("the chip exported 0x%08X only as an encrypted blob (transient object); "
                        "the plain private key never leaves the chip",
                        id);
    return tool_err("private key of 0x%08X on %s cannot be read: the chip refused to export it (SW %04X: %s)", id,
                    t->conn, sw, tool_reason(se05x_rc_from_sw(sw)));
}

static int read_public(struct tool *t, se05x_objid id, const struct se05x_object_info *info, const char *out)
{
    if (info->part == SE05X_PART_PRIVATE)
        return tool_err("object 0x%08X on %s is a private key: it cannot be read", id, t->conn);
    if (info->part == SE05X_PART_PAIR)
        fprintf(stderr, "se05x: 0x%08X is an %s: writing its public key only; the private key never "
                        "leaves the chip\n",
                id, tool_kind_name(info));
    return tool_write_pubkey(t, id, false, out);
}

int cmd_read(struct tool *t, int argc, char **argv)
{
    if (tool_wants_help(argc, argv, read_usage))
        return 0;
    const char *out;
    bool priv = false;
    se05x_objid id;
    int rc = tool_parse_id_out(t, argc, argv, "private", &priv, &id, &out, "expected one object id");
    if (rc)
        return rc;
    struct se05x_object_info info;
    if ((rc = tool_require(t, id, &info)) != 0)
        return rc;
    if (priv) {
        if (info.kind != SE05X_KIND_EC && info.kind != SE05X_KIND_RSA)
            return tool_err("object 0x%08X on %s is a %s, not a key", id, t->conn, tool_kind_name(&info));
        return try_private_export(t, id);
    }
    if (info.kind == SE05X_KIND_EC || info.kind == SE05X_KIND_RSA)
        return read_public(t, id, &info, out);
    uint8_t *data = NULL;
    size_t len = 0;
    se05x_rc r;
    if (info.kind == SE05X_KIND_BINARY) {
        r = se05x_read_binary(t->s, id, &data, &len);
    } else {
        data = malloc(BINARY_MAX);
        r = data ? se05x_read_object(t->s, id, 0, 0, data, BINARY_MAX, &len) : SE05X_E_NOMEM;
    }
    if (r != SE05X_OK) {
        free(data);
        return tool_fail(t, r, "read", id);
    }
    rc = tool_write_file(out, data, len);
    free(data);
    return rc;
}

/* ---- cert ---- */

static const char cert_usage[] =
    "Usage: se05x cert write <id> <cert.pem|cert.der> [--transient] [--policy RIGHTS] [--locked]\n"
    "       se05x cert read <id> [-o FILE] [--pem]\n"
    "write: checks the X.509 certificate and stores it as DER in a binary object.\n"
    "read:  reads it back, checks that it is a certificate, writes DER (or PEM with --pem).\n"
    "  --locked   production lock: readable, never rewritten or deleted (docs/production.md)\n";

static int cert_write(struct tool *t, int argc, char **argv)
{
    struct create_args a;
    int rc = parse_create(t, argc, argv, "expected write <id> <certificate file>", 1 << 20, &a);
    if (rc) {
        free(a.data);
        return rc;
    }
    const uint8_t *data = a.data;
    size_t len = a.len;
    const char *path = a.path;
    BIO *bio = BIO_new_mem_buf(data, (int)len);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    if (x == NULL) {
        const uint8_t *p = data;
        x = d2i_X509(NULL, &p, (long)len);
    }
    BIO_free(bio);
    free(a.data);
    if (x == NULL)
        return tool_err("%s is not an X.509 certificate (PEM or DER)", path);
    uint8_t *der = NULL;
    int dlen = i2d_X509(x, &der);
    X509_free(x);
    if (dlen <= 0)
        return tool_err("cannot encode the certificate from %s", path);
    rc = store_binary(t, a.id, der, (size_t)dlen, &a.wo, path);
    if (rc == 0)
        fprintf(stderr, "se05x: stored certificate (%d bytes DER) in 0x%08X\n", dlen, a.id);
    OPENSSL_free(der);
    return rc;
}

static int cert_read(struct tool *t, int argc, char **argv)
{
    const char *out;
    bool pem = false;
    se05x_objid id;
    int rc = tool_parse_id_out(t, argc, argv, "pem", &pem, &id, &out, "expected read <id>");
    if (rc)
        return rc;
    struct se05x_object_info info;
    if ((rc = tool_require(t, id, &info)) != 0)
        return rc;
    if (info.kind != SE05X_KIND_BINARY)
        return tool_err("object 0x%08X on %s is a %s, not a certificate", id, t->conn, tool_kind_name(&info));
    uint8_t *data = NULL;
    size_t len = 0;
    se05x_rc r = se05x_read_binary(t->s, id, &data, &len);
    if (r != SE05X_OK)
        return tool_fail(t, r, "read", id);
    const uint8_t *p = data;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (x == NULL) {
        free(data);
        return tool_err("object 0x%08X on %s does not hold an X.509 certificate", id, t->conn);
    }
    if (pem) {
        BIO *bio = BIO_new(BIO_s_mem());
        if (bio == NULL || !PEM_write_bio_X509(bio, x)) {
            rc = tool_err("cannot encode the certificate");
        } else {
            char *q = NULL;
            long n = BIO_get_mem_data(bio, &q);
            rc = tool_write_public(out, q, (size_t)n);
        }
        BIO_free(bio);
    } else {
        rc = tool_write_public(out, data, (size_t)(p - data));
    }
    X509_free(x);
    free(data);
    return rc;
}

int cmd_cert(struct tool *t, int argc, char **argv)
{
    if (tool_wants_help(argc, argv, cert_usage))
        return 0;
    if (argc < 2)
        return tool_usage(t, "expected 'write' or 'read'");
    if (strcmp(argv[1], "write") == 0)
        return cert_write(t, argc - 1, argv + 1);
    if (strcmp(argv[1], "read") == 0)
        return cert_read(t, argc - 1, argv + 1);
    return tool_usage(t, "unknown cert action '%s' (use write or read)", argv[1]);
}
