/* SPDX-License-Identifier: Apache-2.0 */
/* --locked (docs/production.md "Production lock") and the reserved auth
 * objects, shared by the key/object commands, claim, info, reset and the
 * provisioning manifest. */
#ifndef SE05X_TOOL_LOCK_H
#define SE05X_TOOL_LOCK_H

#include <se05x/lifecycle.h>

#include "common.h"

/* The policy of a locked object of this kind/part. With has_policy (the
 * user's --policy), that policy is kept but must not grant write, gen,
 * delete or import-export (usage error naming them); otherwise the
 * type's locked policy (se05x_policy_locked). Returns 0 or 2 (printed). */
int tool_lock_policy(const struct tool *t, se05x_kind kind, se05x_keypart part, bool has_policy,
                     struct se05x_policy *policy);

/* "claimed", "NOT CLAIMED ...", "present but rewritable ..." */
const char *tool_claim_text(enum se05x_claim_state st);

/* reset: deletes every non-reserved object; objects whose policy forbids the
 * delete (locked) are kept and named on stderr. Exit code. */
int tool_reset_report(struct tool *t);

/* A claim secret file: the file's bytes exactly, 4..16 of them; a regular
 * file of the caller, not readable or writable by group or others, no
 * symbolic link. Prints the reason and returns 1, or 0. */
int tool_read_secret(const char *path, uint8_t secret[16], size_t *len);

/* Claims one reserved object (the session is open): secret NULL = random
 * and forgotten. Prints the result or the failure; exit code. */
int tool_claim_one(struct tool *t, se05x_objid id, const char *name, const uint8_t *secret, size_t len);

#endif
