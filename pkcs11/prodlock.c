/* SPDX-License-Identifier: Apache-2.0 */
/* The production lock through PKCS#11 (p11.h, docs/production.md): a key or
 * certificate created with CKA_DESTROYABLE or CKA_MODIFIABLE false gets the
 * locked policy of its type, so the chip itself refuses to delete, rewrite
 * or export it, whatever program asks later. */
#include <se05x/lifecycle.h>

#include "p11.h"

int p11_tmpl_locked(const CK_ATTRIBUTE *a, CK_ULONG na, const CK_ATTRIBUTE *b, CK_ULONG nb, se05x_kind kind,
                    se05x_keypart part, struct se05x_policy *pol)
{
    int locked = !p11_tmpl_bool(a, na, CKA_DESTROYABLE, 1) || !p11_tmpl_bool(a, na, CKA_MODIFIABLE, 1) ||
                 !p11_tmpl_bool(b, nb, CKA_DESTROYABLE, 1) || !p11_tmpl_bool(b, nb, CKA_MODIFIABLE, 1);
    return locked && se05x_policy_locked(kind, part, pol) == SE05X_OK;
}

const struct se05x_policy *p11_policy_with_lock(const struct se05x_policy *pin, struct se05x_policy *pinbuf,
                                                const struct se05x_policy *lock)
{
    if (!lock)
        return pin;
    if (!pin)
        return lock;
    /* both: the PIN's rules, none of them able to rewrite, delete or export
     * the object (what the locked policy forbids everyone) */
    for (unsigned i = 0; i < pinbuf->n; i++)
        pinbuf->rule[i].rules &= ~(SE05X_POLICY_WRITE | SE05X_POLICY_GEN | SE05X_POLICY_DELETE |
                                   SE05X_POLICY_IMPORT_EXPORT);
    return pinbuf;
}
