/* SPDX-License-Identifier: Apache-2.0 */
/* Shared plumbing of the `se05x` command: the per-run context, the chip
 * session (opened lazily, only once the arguments are known to be good),
 * error reporting with the exit-code convention, and small lookups.
 *
 * Exit codes: 0 success, 1 the operation failed (chip, object, file, link),
 * 2 usage error (nothing was sent to the chip). */
#ifndef SE05X_TOOL_COMMON_H
#define SE05X_TOOL_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <se05x/se05x.h>
#include <se05x/ossl.h>

#define EXIT_USAGE 2

struct tool {
    const char *port_arg; /* --port, NULL when not given */
    int verbose;
    const char *sub;      /* current subcommand, for messages */
    se05x_session *s;     /* NULL until tool_session() */
    char conn[512];       /* resolved connection string */
    char conn_from[600];  /* where it came from (connmsg.h tool_conn_from) */
};

/* "se05x: <message>" on stderr; returns 1. */
int tool_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "se05x <sub>: <message> (see 'se05x <sub> --help')" on stderr; returns 2. */
int tool_usage(const struct tool *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Informational line on stderr, only with -v. */
void tool_info(const struct tool *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Opens the chip on first use; prints the reason and returns NULL on failure. */
se05x_session *tool_session(struct tool *t);
void tool_close(struct tool *t);

/* One line for a failed library call on object `id` (0: none). `op` is a
 * verb phrase: "sign with", "generate", "read" ... Returns 1. */
int tool_fail(struct tool *t, se05x_rc rc, const char *op, se05x_objid id);

/* Short reason for a code ("denied by policy", "chip memory full", ...). */
const char *tool_reason(se05x_rc rc);

/* Parses a key id (hex, with or without 0x). Prints a usage error and
 * returns 2 when malformed, 0 when good. */
int tool_parse_id(const struct tool *t, const char *text, se05x_objid *id);

/* Opens the chip and asks whether `id` exists. Prints the failure and
 * returns 1 when the chip cannot be asked, 0 otherwise. */
int tool_lookup(struct tool *t, se05x_objid id, bool *exists);

/* Describes `id` (the session is open). Prints the failure and returns 1, or 0. */
int tool_object_info(struct tool *t, se05x_objid id, struct se05x_object_info *info);

/* Checks that `id` exists and describes it. Prints "object ... not found on
 * <conn>" (or the failure) and returns 1 on error, 0 when found. */
int tool_require(struct tool *t, se05x_objid id, struct se05x_object_info *info);
/* The same for a key about to be used (se05x_key_info: an EC key pair may be
 * known from its public key alone, cold start in docs/lib.md). */
int tool_require_key(struct tool *t, se05x_objid id, struct se05x_object_info *info);

/* Human names. */
const char *tool_kind_name(const struct se05x_object_info *info); /* "EC key pair" */
const char *tool_curve_name(se05x_curve c);                       /* "P-256" */
/* P-256, NIST_P256, prime256v1, secp256r1, secp256k1, brainpoolP256r1 ...
 * Only Weierstrass curves. SE05X_EC_NONE when unknown. */
se05x_curve tool_curve_from_name(const char *name);
/* Comma-separated list of the accepted curve names, for messages. */
const char *tool_curve_list(void);
/* RSA sizes the chip supports. */
bool tool_rsa_bits_ok(unsigned bits);

/* Digest by name (sha1, sha224, sha256, sha384, sha512, also SHA-256 ...).
 * Returns SE05X_MD_NONE when unknown. */
se05x_digest tool_digest_from_name(const char *name);
const char *tool_digest_name(se05x_digest md); /* "sha256" */

/* Policy in flag form "sign,verify,read,delete" (or a hex bitmap such as
 * 0x18240000) for access without a session (auth id 0). Returns 0 or prints
 * a usage error and returns 2. */
int tool_parse_policy(const struct tool *t, const char *text, struct se05x_policy *out);

/* Strictly parses a decimal unsigned number in [min, max]. */
bool tool_parse_uint(const char *text, unsigned long min, unsigned long max, unsigned long *out);

#endif
