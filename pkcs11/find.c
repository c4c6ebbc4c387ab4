/* SPDX-License-Identifier: Apache-2.0 */
/* C_FindObjects*: a template naming a key by label or CKA_ID with a key
 * class is answered from the cache (no APDU in steady state); anything else
 * lists the chip's objects (ReadIDList) and matches every candidate. The
 * result is computed in C_FindObjectsInit. Private keys are only visible
 * after C_Login. */
#include <stdlib.h>
#include <string.h>

#include "p11.h"

static CK_RV add(struct p11_session *s, size_t *cap, CK_OBJECT_HANDLE h)
{
    for (size_t i = 0; i < s->n_found; i++)
        if (s->found[i] == h)
            return CKR_OK;
    if (s->n_found == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        CK_OBJECT_HANDLE *n = realloc(s->found, nc * sizeof(*n));
        if (!n)
            return CKR_HOST_MEMORY;
        s->found = n;
        *cap = nc;
    }
    s->found[s->n_found++] = h;
    return CKR_OK;
}

/* The id a template names, if any (1), 0 if none, -1 if it names nothing valid. */
static int named_id(const struct p11_ctx *ctx, const CK_ATTRIBUTE *t, CK_ULONG n, se05x_objid *id)
{
    const CK_ATTRIBUTE *lab = p11_tmpl_find(t, n, CKA_LABEL);
    const CK_ATTRIBUTE *cid = p11_tmpl_find(t, n, CKA_ID);
    if (cid) {
        if (cid->ulValueLen != 4 || !cid->pValue)
            return -1;
        const uint8_t *b = cid->pValue;
        *id = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        return *id ? 1 : -1;
    }
    if (lab) {
        if (!lab->pValue || p11_label_to_id(ctx, lab->pValue, lab->ulValueLen, id) != 0)
            return -1;
        return 1;
    }
    return 0;
}

/* Forgets the handles of the last search. */
static void found_clear(struct p11_session *s)
{
    free(s->found);
    s->found = NULL;
    s->n_found = s->pos = 0;
}

/* The session of h with a search in progress, or NULL with *rv set. */
static struct p11_session *searching_session(struct p11_ctx *ctx, CK_SESSION_HANDLE h, CK_RV *rv)
{
    struct p11_session *s = p11_session_get(ctx, h);
    *rv = !s ? CKR_SESSION_HANDLE_INVALID : !s->find_active ? CKR_OPERATION_NOT_INITIALIZED : CKR_OK;
    return *rv == CKR_OK ? s : NULL;
}

CK_RV C_FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
    P11_ENTER_SESSION(ctx, s, hSession);
    if (s->find_active)
        P11_LEAVE(ctx, CKR_OPERATION_ACTIVE);
    if (!pTemplate && ulCount)
        P11_LEAVE(ctx, CKR_ARGUMENTS_BAD);
    found_clear(s);
    size_t cap = 0;
    CK_RV rv = CKR_OK;

    se05x_objid id = 0;
    int named = named_id(ctx, pTemplate, ulCount, &id);
    const CK_ATTRIBUTE *cls = p11_tmpl_find(pTemplate, ulCount, CKA_CLASS);
    CK_OBJECT_CLASS c = CK_UNAVAILABLE_INFORMATION;
    if (cls && cls->pValue && cls->ulValueLen == sizeof(CK_OBJECT_CLASS))
        c = *(CK_OBJECT_CLASS *)cls->pValue;
    int keys_only = c == CKO_PRIVATE_KEY || c == CKO_PUBLIC_KEY;
    if (cls && c != CKO_PRIVATE_KEY && c != CKO_PUBLIC_KEY && c != CKO_CERTIFICATE &&
        c != CKO_DATA && c != CKO_SECRET_KEY)
        goto done; /* a class we never have */

    if (named < 0)
        goto done; /* malformed label/CKA_ID: matches nothing */
    if (named > 0) {
        size_t idx;
        /* make sure the named object is known, even a reserved id */
        rv = p11_entry_find(ctx, id, 1, &idx);
        if (rv == CKR_OBJECT_HANDLE_INVALID)
            rv = CKR_OK;
        if (rv != CKR_OK)
            goto done;
    }
    if (!(named > 0 && keys_only)) {
        rv = p11_enumerate(ctx);
        if (rv != CKR_OK)
            goto done;
    }
    for (size_t i = 0; i < ctx->n_ent; i++) {
        struct p11_entry *e = ctx->ent[i];
        if (!e->valid)
            continue;
        if (named > 0 && keys_only && (e->host_only || e->id != id))
            continue;
        for (int sub = P11_SUB_PRIV; sub <= P11_SUB_OTHER; sub++) {
            if (!p11_entry_has_sub(e, sub))
                continue;
            if (sub == P11_SUB_PRIV && !ctx->logged_in)
                continue;
            if (!p11_attr_match(ctx, e, sub, pTemplate, ulCount))
                continue;
            if ((rv = add(s, &cap, p11_handle(i, sub))) != CKR_OK)
                goto done;
        }
    }
done:
    if (rv != CKR_OK) {
        found_clear(s);
        P11_LEAVE(ctx, rv);
    }
    s->find_active = 1;
    P11_LEAVE(ctx, CKR_OK);
}

CK_RV C_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject, CK_ULONG ulMaxObjectCount,
                    CK_ULONG_PTR pulObjectCount)
{
    P11_ENTER(ctx);
    CK_RV rv;
    struct p11_session *s = searching_session(ctx, hSession, &rv);
    if (!s)
        P11_LEAVE(ctx, rv);
    if (!pulObjectCount || (!phObject && ulMaxObjectCount))
        P11_LEAVE(ctx, CKR_ARGUMENTS_BAD);
    CK_ULONG n = 0;
    while (n < ulMaxObjectCount && s->pos < s->n_found)
        phObject[n++] = s->found[s->pos++];
    *pulObjectCount = n;
    P11_LEAVE(ctx, CKR_OK);
}

CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE hSession)
{
    P11_ENTER(ctx);
    CK_RV rv;
    struct p11_session *s = searching_session(ctx, hSession, &rv);
    if (!s)
        P11_LEAVE(ctx, rv);
    found_clear(s);
    s->find_active = 0;
    P11_LEAVE(ctx, CKR_OK);
}
