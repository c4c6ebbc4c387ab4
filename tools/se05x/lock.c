/* SPDX-License-Identifier: Apache-2.0 */
/* --locked, claim state texts and the reporting reset (lock.h). */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "lock.h"

int tool_lock_policy(const struct tool *t, se05x_kind kind, se05x_keypart part, bool has_policy,
                     struct se05x_policy *policy)
{
    if (has_policy) {
        if (policy->n && (policy->rule[0].rules & SE05X_POLICY_LOCK_FORBIDDEN))
            return tool_usage(t, "--locked objects cannot have the rights write, gen, delete or "
                                 "import-export in --policy");
        return 0;
    }
    if (se05x_policy_locked(kind, part, policy) != SE05X_OK)
        return tool_usage(t, "this kind of object cannot be --locked");
    return 0;
}

const char *tool_claim_text(enum se05x_claim_state st)
{
    switch (st) {
    case SE05X_CLAIMED: return "claimed";
    case SE05X_CLAIM_WRITABLE: return "present but rewritable (claim it again after a delete: 'se05x claim')";
    default: return "NOT CLAIMED (anyone can create it and own the chip: 'se05x claim')";
    }
}

/* A refused delete is a kept locked object only when the object's own
 * policy forbids it; a refusal for another reason (an se05xd access list,
 * a session the object demands) stays a failure. */
static bool object_is_locked(se05x_session *s, se05x_objid id)
{
    struct se05x_object_policy op;
    memset(&op, 0, sizeof op);
    return se05x_read_object_policy(s, id, &op) == SE05X_OK && se05x_policy_is_locked(&op.policy);
}

int tool_reset_report(struct tool *t)
{
    se05x_session *s = tool_session(t);
    if (s == NULL)
        return 1;
    se05x_objid *ids = NULL;
    size_t n = 0, deleted = 0, locked = 0, failed = 0;
    se05x_rc r = se05x_list_objects(s, 0xFF, &ids, &n);
    if (r != SE05X_OK)
        return tool_fail(t, r, "list the objects for the reset", 0);
    for (size_t i = 0; i < n; i++) {
        if (se05x_id_is_reserved(ids[i]))
            continue;
        r = se05x_delete_object(s, ids[i]);
        if (r == SE05X_OK) {
            deleted++;
        } else if (r == SE05X_E_NOT_FOUND) {
            continue; /* gone meanwhile */
        } else if (r == SE05X_E_DENIED && object_is_locked(s, ids[i])) {
            locked++;
            fprintf(stderr, "se05x: kept 0x%08X: locked (its policy forbids the delete)\n", ids[i]);
        } else {
            failed++;
            tool_fail(t, r, "delete", ids[i]);
            if (r == SE05X_E_LINK || r == SE05X_E_TIMEOUT)
                break;
        }
    }
    free(ids);
    fprintf(stderr, "se05x: deleted %zu object%s", deleted, deleted == 1 ? "" : "s");
    if (locked)
        fprintf(stderr, ", kept %zu locked object%s", locked, locked == 1 ? "" : "s");
    fprintf(stderr, "\n");
    if (failed)
        return tool_err("reset: %zu object(s) could not be deleted", failed);
    return 0;
}
