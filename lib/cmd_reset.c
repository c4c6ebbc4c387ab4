/* SPDX-License-Identifier: Apache-2.0 */
/* Host-side iterative reset (docs/protocol/apdu.md §17): list every object (ReadIDList
 * filter FF, all pages, ids collected before anything is deleted) and
 * delete each one that is not reserved. Failures are collected; the call
 * fails naming the first failed id and the count. */
#include <stdlib.h>

#include "cmd_util.h"

bool se05x_id_is_reserved(se05x_objid id)
{
    return (id & 0xFFFF0000u) == 0x7FFF0000u   /* applet-reserved */
           || (id & 0xFFFF0000u) == 0x7DA00000u /* demo auth objects */
           || (id & 0xF0000000u) == 0xF0000000u /* IoT hub / trust provisioned */
           || (id & 0xFFFFFFFCu) == 0;          /* ids 0..3 */
}

se05x_rc se05x_reset_objects(se05x_session *s, size_t *deleted)
{
    if (!s)
        return SE05X_E_BAD_ARG;
    if (deleted)
        *deleted = 0;
    se05x_rc rc = se05x_txn_begin(s);
    if (rc)
        return rc;
    se05x_objid *ids = NULL;
    size_t n = 0, done = 0, failed = 0;
    struct se05x_error first = {0};
    if ((rc = se05x_list_objects(s, SE05X_TYPE_ALL, &ids, &n)))
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (se05x_id_is_reserved(ids[i]))
            continue;
        se05x_rc d = se05x_delete_object(s, ids[i]);
        if (d == SE05X_OK) {
            done++;
            continue;
        }
        if (d == SE05X_E_NOT_FOUND) /* gone meanwhile (another client): fine */
            continue;
        if (d == SE05X_E_LINK || d == SE05X_E_TIMEOUT) { /* no point going on */
            rc = d;
            goto out;
        }
        if (!failed++)
            se05x_last_error(s, &first);
    }
    if (failed)
        rc = se05x_fail(s, first.rc, first.sw, first.objid,
                        "reset: %zu object(s) could not be deleted (%zu deleted); first 0x%08X: %s",
                        failed, done, first.objid, first.msg);
out:
    free(ids);
    if (deleted)
        *deleted = done;
    se05x_txn_end(s);
    return rc;
}
