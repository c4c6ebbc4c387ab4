/* SPDX-License-Identifier: Apache-2.0 */
/* Going to production (docs/production.md): the production lock of an object
 * (a policy that keeps it usable but never rewritable, deletable or
 * exportable) and the claim of the applet-reserved authentication objects
 * TRANSPORT and FACTORY_RESET (docs/protocol/apdu.md §12, §13, §15). */
#ifndef SE05X_LIFECYCLE_H
#define SE05X_LIFECYCLE_H

#include <stdbool.h>
#include <se05x/session.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Applet-reserved UserID auth objects (docs/protocol/apdu.md §15). A session
 * authenticated with TRANSPORT has full access to every object; one with
 * FACTORY_RESET may wipe the chip (DeleteAll). */
#define SE05X_OBJID_TRANSPORT 0x7FFF0200u
#define SE05X_OBJID_FACTORY_RESET 0x7FFF0205u

/* Rights that must never appear in a locked object's policy. */
#define SE05X_POLICY_LOCK_FORBIDDEN \
    (SE05X_POLICY_WRITE | SE05X_POLICY_GEN | SE05X_POLICY_DELETE | SE05X_POLICY_IMPORT_EXPORT)

/* The locked policy of an object of this kind and key part (part 0 for
 * non-keys): one rule for access without a session granting what the type
 * can be used for (EC pair: sign, verify, key agreement, read of the public
 * key; EC public: verify, read; RSA pair: sign, verify, encrypt, decrypt,
 * read; RSA public: verify, encrypt, read; binary: read) and nothing else.
 * SE05X_E_BAD_ARG for kinds without a locked form. */
se05x_rc se05x_policy_locked(se05x_kind kind, se05x_keypart part, struct se05x_policy *out);
/* True when no rule of p grants WRITE, GEN, DELETE or IMPORT_EXPORT (an
 * empty policy, the applet default, is not locked). */
bool se05x_policy_is_locked(const struct se05x_policy *p);

/* ReadAttributes (docs/protocol/apdu.md §19): the object's policy (n = 0 when it has
 * none: applet default), its origin (01 external, 02 generated inside,
 * 03 provisioned by NXP) and whether it is an auth object. */
struct se05x_object_policy {
    struct se05x_policy policy;
    uint8_t origin;
    bool auth;
};
se05x_rc se05x_read_object_policy(se05x_session *s, se05x_objid id, struct se05x_object_policy *out);

/* Claims a reserved UserID (TRANSPORT or FACTORY_RESET, any other auth id
 * is refused): WriteUserID with a policy that grants nothing outside a
 * session (neither rewrite nor delete) and no rule for any other session.
 * secret: 4..16 bytes; NULL = 16 random bytes that are zeroized right after
 * the write (nobody can ever authenticate with the object). An existing
 * object is never touched: SE05X_E_EXISTS. */
se05x_rc se05x_claim_reserved(se05x_session *s, se05x_objid id, const uint8_t *secret, size_t len);

enum se05x_claim_state {
    SE05X_UNCLAIMED = 0,      /* absent: anyone may create it and own the chip */
    SE05X_CLAIMED = 1,        /* present, cannot be rewritten or deleted without a session */
    SE05X_CLAIM_WRITABLE = 2, /* present but rewritable/deletable (no or open policy) */
};
se05x_rc se05x_claim_state(se05x_session *s, se05x_objid id, enum se05x_claim_state *out);

#ifdef __cplusplus
}
#endif
#endif
