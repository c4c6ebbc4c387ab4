/* SPDX-License-Identifier: Apache-2.0 */
/* The subcommands of `se05x`. Each gets argv with argv[0] = its own name,
 * prints its own errors and returns the exit code. */
#ifndef SE05X_TOOL_COMMANDS_H
#define SE05X_TOOL_COMMANDS_H

#include "common.h"

typedef int (*tool_cmd_fn)(struct tool *t, int argc, char **argv);

struct tool_cmd {
    const char *name;
    tool_cmd_fn fn;
    const char *summary;
};

/* cmd_info.c */
int cmd_info(struct tool *t, int argc, char **argv);
int cmd_list(struct tool *t, int argc, char **argv);
int cmd_exists(struct tool *t, int argc, char **argv);
int cmd_random(struct tool *t, int argc, char **argv);
/* cmd_keys.c */
int cmd_generate(struct tool *t, int argc, char **argv);
int cmd_import(struct tool *t, int argc, char **argv);
int cmd_delete(struct tool *t, int argc, char **argv);
int cmd_reset(struct tool *t, int argc, char **argv);
/* cmd_export.c */
int cmd_public(struct tool *t, int argc, char **argv);
int cmd_refkey(struct tool *t, int argc, char **argv);
/* cmd_crypto.c */
int cmd_sign(struct tool *t, int argc, char **argv);
int cmd_verify(struct tool *t, int argc, char **argv);
/* cmd_objects.c */
int cmd_write(struct tool *t, int argc, char **argv);
int cmd_read(struct tool *t, int argc, char **argv);
int cmd_cert(struct tool *t, int argc, char **argv);
/* Public key of `id` (the session is open) as PEM or DER SubjectPublicKeyInfo
 * to `out` (NULL: stdout); prints the failure and returns 1, or 0. */
int tool_write_pubkey(struct tool *t, se05x_objid id, bool der, const char *out);
/* cmd_csr.c */
int cmd_csr(struct tool *t, int argc, char **argv);
/* cmd_json.c: --json of info and list (session open) */
int tool_info_json(struct tool *t, se05x_session *s);
int tool_list_json(struct tool *t, se05x_session *s, bool all);
/* cmd_doctor.c */
int cmd_doctor(struct tool *t, int argc, char **argv);
/* cmd_scp03.c */
int cmd_scp03(struct tool *t, int argc, char **argv);
/* cmd_attest.c */
int cmd_attest(struct tool *t, int argc, char **argv);
int cmd_attest_verify(struct tool *t, int argc, char **argv);
/* cmd_claim.c, cmd_provision.c (docs/production.md) */
int cmd_claim(struct tool *t, int argc, char **argv);
int cmd_provision(struct tool *t, int argc, char **argv);

/* Shared by subcommands: `--help`/`-h` anywhere in argv prints `usage` to
 * stdout and returns true. */
bool tool_wants_help(int argc, char **argv, const char *usage);

/* getopt_long wrapper state reset + the message for a bad option. */
void tool_getopt_reset(void);
int tool_bad_option(const struct tool *t, int c, int argc, char **argv);

/* Parses "<id> [-o FILE] [--<flag>]": sets *out (NULL when not given) and
 * *flag_set; a wrong argument count is the usage error `expected`.
 * Returns 0 or the exit code of the printed usage error. */
int tool_parse_id_out(const struct tool *t, int argc, char **argv, const char *flag, bool *flag_set,
                      se05x_objid *id, const char **out, const char *expected);

/* For subcommands whose only argument is one object id (exists, delete):
 * true with *id set when the command goes on; false when it is done, with
 * *exit_code 0 after --help, 2 after a printed usage error. */
bool tool_one_id(const struct tool *t, int argc, char **argv, const char *usage, se05x_objid *id,
                 int *exit_code);

#endif
