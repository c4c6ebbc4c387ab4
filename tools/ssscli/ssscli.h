/* SPDX-License-Identifier: Apache-2.0 */
/* ssscli: drop-in C replacement for NXP's Python ssscli (docs/protocol/compat.md §2).
 * Grammar is click's: `ssscli [--port CONN] <command> [<group>] <args...> [--opt value]`;
 * options may appear anywhere after the command. */
#ifndef SSSCLI_H
#define SSSCLI_H

#include <sys/types.h>

#include <se05x/se05x.h>
#include <se05x/ossl.h>

#include "msgline.h"

struct cli {
    int argc;            /* positional arguments after the command name */
    char **argv;
    const char *port;    /* --port CONN (explicit connection) */
    const char *format;  /* --format DER|PEM|PKCS12 */
    const char *hashalgo;
    const char *policy_name;
    const char *auth_type;
    const char *scpkey;
    const char *password;
    const char *cert;
    const char *algo;    /* --algo oaep|rsaes (encrypt/decrypt) */
    unsigned given;      /* bit k: option k of main.c's table appeared */
    int verbose;         /* -v/--verbose: which port, and where it came from */
    /* policy flags (--sign B ...): only accepted for the policy command */
#define CLI_MAX_FLAGS 32
    int nflags;
    char flag_name[CLI_MAX_FLAGS][32];
    const char *flag_value[CLI_MAX_FLAGS];
};

/* policy.c: named policies of `ssscli policy`, applied with --policy_name.
 * want_type "asymkey" (keys) or "file" (binary objects). 0 ok, 1 error, 2 malformed name (printed). */
int policy_load_typed(const char *name, const char *want_type, struct se05x_policy *pol);
int cmd_policy(struct cli *c);

/* Prints "ssscli: <msg>" to stderr; returns 1 (exit status). */
#define cli_err(...) tool_say(1, "ssscli", __VA_ARGS__)
/* The same for a usage error (a command line we cannot take: unknown
 * command, group or option, wrong arguments, malformed id or value);
 * returns 2 (exit status). */
#define cli_usage(...) tool_say(2, "ssscli", __VA_ARGS__)
/* Opens the chip: --port > connect state file > EX_SSS_BOOT_SSS_PORT > library default. */
int cli_open(const struct cli *c, se05x_session **s);
/* Malformed id: usage error (2). */
int cli_objid(const char *text, se05x_objid *id);
int cli_rc(se05x_session *s, se05x_rc rc, const char *what);
/* Output files (tools/common/outfile.h): cli_write_file for public material
 * (0644 before the umask), cli_write_file_mode(..., 0600) for data that may be
 * secret (binary objects, decrypted data). */
int cli_write_file(const char *path, const void *data, size_t len);
int cli_write_file_mode(const char *path, const void *data, size_t len, mode_t mode);
int cli_read_file(const char *path, uint8_t **data, size_t *len);
/* DER unless --format PEM, or .pem extension without --format. */
int cli_want_pem(const struct cli *c, const char *path, int dflt_pem);

/* session_file.c: the `connect` state, ${XDG_CONFIG_HOME:-~/.config}/se05x/ssscli-session */
int session_path(char *buf, size_t len);
/* scpkey: the Platform SCP03 key file (absolute path) or NULL for a plain link */
int session_save(const char *conn, const char *subsystem, const char *method, const char *port,
                 const char *scpkey);
/* 1 found (conn filled), 0 none, -1 unusable (message printed). */
/* 1 and the saved connection (and *port_none = 1 when `connect` was given
 * the port "none": the connection is then only the method's default), 0 when
 * there is no saved session, -1 on error (printed). */
int session_load(char *conn, size_t len, char *scpkey, size_t klen, int *port_none);
int session_remove(void);

/* command groups */
int cmd_connect(struct cli *c);
int cmd_disconnect(struct cli *c);
int cmd_se05x(struct cli *c);
int cmd_set(struct cli *c);
int cmd_get(struct cli *c);
int cmd_generate(struct cli *c);
int cmd_erase(struct cli *c);
int cmd_refpem(struct cli *c);
int cmd_sign(struct cli *c);
int cmd_verify(struct cli *c);
int cmd_encrypt(struct cli *c);
int cmd_decrypt(struct cli *c);

#endif
