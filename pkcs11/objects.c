/* SPDX-License-Identifier: Apache-2.0 */
/* Object model: one cache entry per SE object id (or host-only session
 * object); handles are (index + 1) << 2 | sub, so they stay stable for the
 * life of the module. What an object is (type, curve, size, public key,
 * certificate contents) cannot change while it exists and is read once;
 * a steady-state signature is then one APDU.
 *
 * Key pairs show as a private (sub 1) and a public (sub 2) object; binary
 * objects show as a certificate when they hold an X.509 certificate, else as
 * a data object (sub 3). Certificates are paired to a key by public key
 * (docs/pkcs11.md "Certificates"). */
#include <ctype.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p11.h"
#include <se05x/lifecycle.h>

int p11_label_to_id(const struct p11_ctx *ctx, const char *label, size_t len, se05x_objid *id)
{
    if (len == 0)
        return 1;
    if (len >= 4 && strncasecmp(label, "sss:", 4) == 0) {
        const char *p = label + 4;
        size_t n = len - 4;
        if (n >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
            p += 2;
            n -= 2;
        }
        if (n == 0 || n > 8)
            return -1;
        uint32_t v = 0;
        for (size_t i = 0; i < n; i++) {
            if (!isxdigit((unsigned char)p[i]))
                return -1;
            v = v << 4 | (uint32_t)(isdigit((unsigned char)p[i]) ? p[i] - '0'
                                                                 : (tolower((unsigned char)p[i]) - 'a' + 10));
        }
        if (v == 0)
            return -1;
        if (ctx && ctx->legacy_swap) /* migration only: old modules byte-swapped (compat W7) */
            v = (v >> 24) | ((v >> 8) & 0xFF00u) | ((v << 8) & 0xFF0000u) | (v << 24);
        *id = v;
        return 0;
    }
    /* Any other label: last 4 bytes of SHA-512(label) (NXP module rule). */
    uint8_t md[SHA512_DIGEST_LENGTH];
    SHA512((const unsigned char *)label, len, md);
    *id = (uint32_t)md[60] << 24 | (uint32_t)md[61] << 16 | (uint32_t)md[62] << 8 | md[63];
    return *id ? 0 : -1;
}

void p11_id_label(se05x_objid id, char out[13])
{
    snprintf(out, 13, "sss:%08X", (unsigned)id);
}

CK_OBJECT_HANDLE p11_handle(size_t idx, int sub)
{
    return (CK_OBJECT_HANDLE)((idx + 1) << 2 | (size_t)sub);
}

static int weierstrass(se05x_curve c)
{
    return c >= SE05X_EC_NIST_P192 && c <= SE05X_EC_SECP256K1;
}

int p11_entry_is_key(const struct p11_entry *e)
{
    if (!e->valid || e->host_only || !e->info_ok)
        return 0;
    if (e->info.kind == SE05X_KIND_RSA)
        return 1;
    return e->info.kind == SE05X_KIND_EC && weierstrass(e->info.curve);
}

int p11_entry_has_sub(const struct p11_entry *e, int sub)
{
    if (!e->valid)
        return 0;
    if (e->host_only)
        return sub == P11_SUB_OTHER;
    if (!e->info_ok)
        return 0;
    if (p11_entry_is_key(e)) {
        if (sub == P11_SUB_PRIV)
            return e->info.part == SE05X_PART_PAIR || e->info.part == SE05X_PART_PRIVATE;
        if (sub == P11_SUB_PUB)
            return e->info.part == SE05X_PART_PAIR || e->info.part == SE05X_PART_PUBLIC;
        return 0;
    }
    return e->info.kind == SE05X_KIND_BINARY && sub == P11_SUB_OTHER;
}

struct p11_entry *p11_entry_from_handle(struct p11_ctx *ctx, CK_OBJECT_HANDLE h, int *sub)
{
    size_t idx = (size_t)(h >> 2);
    int s = (int)(h & 3);
    if (idx == 0 || idx > ctx->n_ent || s == 0)
        return NULL;
    struct p11_entry *e = ctx->ent[idx - 1];
    if (!p11_entry_has_sub(e, s))
        return NULL;
    if (sub)
        *sub = s;
    return e;
}

static CK_RV grow(struct p11_ctx *ctx, size_t *idx)
{
    if (ctx->n_ent == ctx->cap_ent) {
        size_t cap = ctx->cap_ent ? ctx->cap_ent * 2 : 32;
        if (cap > (SIZE_MAX >> 3) / sizeof(struct p11_entry))
            return CKR_HOST_MEMORY;
        struct p11_entry **n = realloc(ctx->ent, cap * sizeof(*n));
        if (!n)
            return CKR_HOST_MEMORY;
        ctx->ent = n;
        ctx->cap_ent = cap;
    }
    struct p11_entry *e = calloc(1, sizeof(*e));
    if (!e)
        return CKR_HOST_MEMORY;
    e->idx = ctx->n_ent;
    ctx->ent[ctx->n_ent] = e;
    *idx = ctx->n_ent++;
    return CKR_OK;
}

CK_RV p11_entry_add_host(struct p11_ctx *ctx, size_t *idx)
{
    CK_RV rv = grow(ctx, idx);
    if (rv == CKR_OK) {
        ctx->ent[*idx]->valid = 1;
        ctx->ent[*idx]->host_only = 1;
    }
    return rv;
}

void p11_entry_forget(struct p11_entry *e)
{
    EVP_PKEY_free(e->pub);
    e->pub = NULL;
    X509_free(e->x509);
    e->x509 = NULL;
    free(e->bin);
    e->bin = NULL;
    e->bin_len = 0;
    e->bin_loaded = 0;
    if (e->secret) {
        OPENSSL_cleanse(e->secret, e->secret_len);
        free(e->secret);
        e->secret = NULL;
    }
    e->valid = 0;
    e->session_obj = 0;
}

void p11_entries_free(struct p11_ctx *ctx)
{
    for (size_t i = 0; i < ctx->n_ent; i++) {
        p11_entry_forget(ctx->ent[i]);
        free(ctx->ent[i]);
    }
    free(ctx->ent);
    ctx->ent = NULL;
    ctx->n_ent = ctx->cap_ent = 0;
}

static void unpair_all(struct p11_ctx *ctx)
{
    for (size_t i = 0; i < ctx->n_ent; i++)
        ctx->ent[i]->pair_done = 0;
}

CK_RV p11_entry_find(struct p11_ctx *ctx, se05x_objid id, int load, size_t *idx)
{
    for (size_t i = 0; i < ctx->n_ent; i++) {
        struct p11_entry *e = ctx->ent[i];
        if (e->valid && !e->host_only && e->id == id && e->info_ok) {
            *idx = i;
            return CKR_OK;
        }
    }
    if (!load)
        return CKR_OBJECT_HANDLE_INVALID;
    se05x_session *se = p11_chip(ctx);
    if (!se)
        return CKR_DEVICE_ERROR;
    struct se05x_object_info info;
    memset(&info, 0, sizeof(info));
    se05x_rc rc = se05x_object_info(se, id, &info);
    if (rc == SE05X_E_NOT_FOUND)
        return CKR_OBJECT_HANDLE_INVALID;
    if (rc != SE05X_OK)
        return p11_rv(ctx, rc);
    CK_RV rv = grow(ctx, idx);
    if (rv != CKR_OK)
        return rv;
    struct p11_entry *e = ctx->ent[*idx];
    e->id = id;
    e->valid = 1;
    e->info = info;
    e->info_ok = 1;
    if (p11_entry_is_key(e))
        unpair_all(ctx); /* a new key may own a certificate */
    return CKR_OK;
}

CK_RV p11_entry_pubkey(struct p11_ctx *ctx, struct p11_entry *e)
{
    if (e->pub)
        return CKR_OK;
    if (e->info.kind == SE05X_KIND_BINARY) {
        CK_RV rv = p11_entry_binary(ctx, e);
        if (rv != CKR_OK)
            return rv;
        if (!e->x509 || !(e->pub = X509_get_pubkey(e->x509)))
            return CKR_ATTRIBUTE_TYPE_INVALID;
        return CKR_OK;
    }
    if (!p11_entry_is_key(e) || e->info.part == SE05X_PART_PRIVATE)
        return CKR_KEY_TYPE_INCONSISTENT;
    se05x_session *se = p11_chip(ctx);
    if (!se)
        return CKR_DEVICE_ERROR;
    se05x_rc rc = se05x_read_pubkey(se, e->id, &e->pub);
    return p11_rv(ctx, rc);
}

/* Whether the object's own policy is locked (production lock: never
 * deleted, rewritten or exported). One ReadAttributes per object, only when
 * an application asks for CKA_DESTROYABLE. An applet that refuses the read
 * (denied by the object's policy) leaves the object reported destroyable:
 * C_DestroyObject then reports what the chip says. */
CK_RV p11_entry_lock(struct p11_ctx *ctx, struct p11_entry *e)
{
    if (e->lock_known)
        return CKR_OK;
    se05x_session *se = p11_chip(ctx);
    if (!se)
        return CKR_DEVICE_ERROR;
    struct se05x_object_policy op;
    se05x_rc rc = se05x_read_object_policy(se, e->id, &op);
    if (rc == SE05X_OK)
        e->locked = se05x_policy_is_locked(&op.policy);
    else if (rc != SE05X_E_DENIED && rc != SE05X_E_CONDITIONS)
        return p11_rv(ctx, rc);
    e->lock_known = 1;
    return CKR_OK;
}

CK_RV p11_entry_binary(struct p11_ctx *ctx, struct p11_entry *e)
{
    if (e->bin_loaded)
        return CKR_OK;
    se05x_session *se = p11_chip(ctx);
    if (!se)
        return CKR_DEVICE_ERROR;
    uint8_t *data = NULL;
    size_t len = 0;
    se05x_rc rc = se05x_read_binary(se, e->id, &data, &len);
    if (rc == SE05X_E_DENIED || rc == SE05X_E_CONDITIONS) {
        e->bin_loaded = 1; /* unreadable data object: CKA_VALUE is sensitive */
        return CKR_OK;
    }
    if (rc != SE05X_OK)
        return p11_rv(ctx, rc);
    e->bin = data;
    e->bin_len = len;
    e->bin_loaded = 1;
    /* DER certificate (trailing padding tolerated), or PEM. */
    const unsigned char *p = data;
    X509 *x = len ? d2i_X509(NULL, &p, (long)len) : NULL;
    if (x) {
        e->bin_len = (size_t)(p - data);
    } else if (len > 27 && memcmp(data, "-----BEGIN CERTIFICATE", 22) == 0) {
        BIO *b = BIO_new_mem_buf(data, (int)len);
        x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
        BIO_free(b);
        if (x) {
            unsigned char *der = NULL;
            int dl = i2d_X509(x, &der);
            if (dl > 0) {
                uint8_t *copy = malloc((size_t)dl);
                if (copy) {
                    memcpy(copy, der, (size_t)dl);
                    free(e->bin);
                    e->bin = copy;
                    e->bin_len = (size_t)dl;
                }
            }
            OPENSSL_free(der);
        }
    }
    e->x509 = x;
    return CKR_OK;
}

/* Certificate pairing: the key pair on the chip whose public key equals the
 * certificate's (lowest id if several). Needs the full object list. */
CK_RV p11_entry_pairing(struct p11_ctx *ctx, struct p11_entry *e)
{
    if (e->pair_done)
        return CKR_OK;
    CK_RV rv = p11_entry_binary(ctx, e);
    if (rv != CKR_OK)
        return rv;
    e->pair_id = 0;
    if (!e->x509) {
        e->pair_done = 1;
        return CKR_OK;
    }
    if (!ctx->listed && (rv = p11_enumerate(ctx)) != CKR_OK)
        return rv;
    rv = p11_entry_pubkey(ctx, e);
    if (rv != CKR_OK)
        return rv;
    for (size_t i = 0; i < ctx->n_ent; i++) {
        struct p11_entry *k = ctx->ent[i];
        if (!p11_entry_is_key(k) || k->info.part != SE05X_PART_PAIR)
            continue;
        if (p11_entry_pubkey(ctx, k) != CKR_OK)
            continue;
        if (EVP_PKEY_eq(k->pub, e->pub) == 1 && (e->pair_id == 0 || k->id < e->pair_id))
            e->pair_id = k->id;
    }
    e->pair_done = 1;
    return CKR_OK;
}

CK_RV p11_tmpl_token(const CK_ATTRIBUTE *t, CK_ULONG n, int *token)
{
    const CK_ATTRIBUTE *a = p11_tmpl_find(t, n, CKA_TOKEN);
    *token = 0; /* v2.40 section 4.4: CKA_TOKEN defaults to false */
    if (!a)
        return CKR_OK;
    if (!a->pValue || a->ulValueLen != sizeof(CK_BBOOL))
        return CKR_ATTRIBUTE_VALUE_INVALID;
    *token = *(const CK_BBOOL *)a->pValue != CK_FALSE;
    return CKR_OK;
}

void p11_entry_own(struct p11_entry *e, CK_SESSION_HANDLE h)
{
    e->session_obj = 1;
    e->owner = h;
}

/* Session objects are transient objects on the chip: their id and shell
 * outlive the PKCS#11 session unless deleted, so closing the session deletes
 * them. Only an object that is still transient is deleted (another program
 * may have deleted ours and created a persistent object with the same id). */
void p11_session_objects_drop(struct p11_ctx *ctx, CK_SESSION_HANDLE h)
{
    int dropped = 0;
    for (size_t i = 0; i < ctx->n_ent; i++) {
        struct p11_entry *e = ctx->ent[i];
        if (!e->valid || !e->session_obj || e->owner != h)
            continue;
        se05x_session *se = p11_chip(ctx);
        se05x_rc rc = SE05X_E_LINK;
        bool transient = false;
        uint8_t type = 0;
        if (se && (rc = se05x_read_type(se, e->id, &type, &transient)) == SE05X_OK && transient)
            rc = se05x_delete_object(se, e->id);
        if (rc == SE05X_OK && !transient)
            se05x_log(SE05X_LOG_WARN, "pkcs11", "session object 0x%08X is persistent now; not deleted",
                      (unsigned)e->id);
        else if (rc != SE05X_OK && rc != SE05X_E_NOT_FOUND) {
            se05x_log(SE05X_LOG_ERROR, "pkcs11", "cannot delete session object 0x%08X (transient, its value "
                      "is lost at the next chip reset)", (unsigned)e->id);
            if (se)
                (void)p11_rv(ctx, rc); /* drops a broken link */
        }
        p11_entry_forget(e);
        dropped = 1;
    }
    if (dropped)
        unpair_all(ctx);
}

se05x_objid p11_entry_label_id(const struct p11_entry *e)
{
    return e->pair_id ? e->pair_id : e->id;
}

static int cmp_id(const void *a, const void *b)
{
    se05x_objid x = *(const se05x_objid *)a, y = *(const se05x_objid *)b;
    return x < y ? -1 : x > y;
}

/* Full object list. Reserved ids (applet, demo auth, trust-provisioned) are
 * not listed, but stay reachable by label or CKA_ID. */
CK_RV p11_enumerate(struct p11_ctx *ctx)
{
    se05x_session *se = p11_chip(ctx);
    if (!se)
        return CKR_DEVICE_ERROR;
    se05x_objid *ids = NULL;
    size_t n = 0;
    se05x_rc rc = se05x_list_objects(se, SE05X_FILTER_ALL, &ids, &n);
    if (rc != SE05X_OK)
        return p11_rv(ctx, rc);
    qsort(ids, n, sizeof(*ids), cmp_id);
    int changed = 0;
    for (size_t i = 0; i < ctx->n_ent; i++) {
        struct p11_entry *e = ctx->ent[i];
        if (e->valid && !e->host_only &&
            !bsearch(&e->id, ids, n, sizeof(*ids), cmp_id)) {
            p11_entry_forget(e); /* deleted behind our back */
            changed = 1;
        }
    }
    CK_RV rv = CKR_OK;
    for (size_t i = 0; i < n; i++) {
        if (se05x_id_is_reserved(ids[i]))
            continue;
        size_t idx;
        if (p11_entry_find(ctx, ids[i], 0, &idx) == CKR_OK)
            continue;
        rv = p11_entry_find(ctx, ids[i], 1, &idx);
        if (rv == CKR_OBJECT_HANDLE_INVALID) { /* vanished meanwhile */
            rv = CKR_OK;
            continue;
        }
        if (rv != CKR_OK)
            break;
        changed = 1;
    }
    free(ids);
    if (changed)
        unpair_all(ctx);
    if (rv == CKR_OK)
        ctx->listed = 1;
    return rv;
}

CK_RV p11_key_for_op(struct p11_ctx *ctx, CK_OBJECT_HANDLE h, int want_priv, size_t *idx)
{
    int sub;
    struct p11_entry *e = p11_entry_from_handle(ctx, h, &sub);
    if (!e || e->host_only)
        return CKR_KEY_HANDLE_INVALID;
    if (!p11_entry_is_key(e))
        return CKR_KEY_TYPE_INCONSISTENT;
    if (want_priv && sub != P11_SUB_PRIV)
        return CKR_KEY_TYPE_INCONSISTENT;
    if (sub == P11_SUB_PRIV && !ctx->logged_in)
        return CKR_USER_NOT_LOGGED_IN;
    *idx = e->idx;
    return CKR_OK;
}

CK_RV p11_tmpl_id(struct p11_ctx *ctx, const CK_ATTRIBUTE *t, CK_ULONG n, se05x_objid *id)
{
    const CK_ATTRIBUTE *lab = p11_tmpl_find(t, n, CKA_LABEL);
    const CK_ATTRIBUTE *cid = p11_tmpl_find(t, n, CKA_ID);
    se05x_objid from_label = 0, from_id = 0;
    int have_label = 0, sss_label = 0;
    if (lab && lab->ulValueLen) {
        if (!lab->pValue)
            return CKR_ATTRIBUTE_VALUE_INVALID;
        int r = p11_label_to_id(ctx, lab->pValue, lab->ulValueLen, &from_label);
        if (r < 0)
            return CKR_ATTRIBUTE_VALUE_INVALID;
        have_label = 1;
        sss_label = lab->ulValueLen >= 4 && strncasecmp(lab->pValue, "sss:", 4) == 0;
    }
    if (cid && cid->ulValueLen) {
        if (cid->ulValueLen != 4 || !cid->pValue) {
            se05x_log(SE05X_LOG_ERROR, "pkcs11", "CKA_ID must be the 4-byte object id (got %lu bytes)",
                      (unsigned long)cid->ulValueLen);
            return CKR_ATTRIBUTE_VALUE_INVALID;
        }
        const uint8_t *b = cid->pValue;
        from_id = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        if (from_id == 0)
            return CKR_ATTRIBUTE_VALUE_INVALID;
    }
    if (sss_label) {
        if (from_id && from_id != from_label)
            return CKR_TEMPLATE_INCONSISTENT;
        *id = from_label;
        return CKR_OK;
    }
    if (from_id) {
        *id = from_id;
        return CKR_OK;
    }
    if (have_label) {
        *id = from_label;
        return CKR_OK;
    }
    /* random free id in the customer range */
    se05x_session *se = p11_chip(ctx);
    if (!se)
        return CKR_DEVICE_ERROR;
    for (int tries = 0; tries < 16; tries++) {
        uint8_t r[4];
        if (RAND_bytes(r, 4) != 1)
            return CKR_FUNCTION_FAILED;
        se05x_objid cand = 0x10000000u | ((uint32_t)r[0] << 24 | (uint32_t)r[1] << 16 |
                                          (uint32_t)r[2] << 8 | r[3]) % 0x6BFFFFFFu;
        bool ex = true;
        se05x_rc rc = se05x_object_exists(se, cand, &ex);
        if (rc != SE05X_OK)
            return p11_rv(ctx, rc);
        if (!ex) {
            *id = cand;
            return CKR_OK;
        }
    }
    return CKR_FUNCTION_FAILED;
}
