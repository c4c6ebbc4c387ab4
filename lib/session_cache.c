/* SPDX-License-Identifier: Apache-2.0 */
/* What a session remembers so that no APDU is sent twice: curves known
 * present, public keys read for verify-after-sign, object types and curves
 * (asked or inferred from a public key, lib/keyinfer.c), and whether answers
 * are checked. All of it per session, under the session's lock; dropped for
 * an object when a command may have changed it (session.c). */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/evp.h>

#include "session_priv.h"
#include "session_struct.h"
#include "se05x_proto.h"

/* ---------- curve cache ---------- */

bool se05x_curve_cached(se05x_session *s, se05x_curve c)
{
    if (!s || (unsigned)c >= 128)
        return false;
    pthread_mutex_lock(&s->lock);
    bool r = (s->curves[(unsigned)c / 64] >> ((unsigned)c % 64)) & 1;
    pthread_mutex_unlock(&s->lock);
    return r;
}

void se05x_curve_cache_set(se05x_session *s, se05x_curve c, bool present)
{
    if (!s || (unsigned)c >= 128)
        return;
    uint64_t bit = (uint64_t)1 << ((unsigned)c % 64);
    pthread_mutex_lock(&s->lock);
    if (present)
        s->curves[(unsigned)c / 64] |= bit;
    else
        s->curves[(unsigned)c / 64] &= ~bit;
    pthread_mutex_unlock(&s->lock);
}

/* ---------- public-key cache (verify-after-sign) ---------- */

EVP_PKEY *se05x_pubcache_get(se05x_session *s, se05x_objid id)
{
    EVP_PKEY *pk = NULL;
    if (!s || !id)
        return NULL;
    pthread_mutex_lock(&s->lock);
    for (unsigned i = 0; i < SE05X_PUBCACHE_SLOTS; i++)
        if (s->pubs[i].pk && s->pubs[i].id == id) {
            if (EVP_PKEY_up_ref(s->pubs[i].pk) == 1)
                pk = s->pubs[i].pk;
            break;
        }
    pthread_mutex_unlock(&s->lock);
    return pk;
}

void se05x_pubcache_put(se05x_session *s, se05x_objid id, EVP_PKEY *pk)
{
    if (!s || !id || !pk || EVP_PKEY_up_ref(pk) != 1)
        return;
    pthread_mutex_lock(&s->lock);
    unsigned slot = SE05X_PUBCACHE_SLOTS;
    for (unsigned i = 0; i < SE05X_PUBCACHE_SLOTS && slot == SE05X_PUBCACHE_SLOTS; i++)
        if (s->pubs[i].pk && s->pubs[i].id == id)
            slot = i;
    for (unsigned i = 0; i < SE05X_PUBCACHE_SLOTS && slot == SE05X_PUBCACHE_SLOTS; i++)
        if (!s->pubs[i].pk)
            slot = i;
    if (slot == SE05X_PUBCACHE_SLOTS)
        slot = s->pubs_next++ % SE05X_PUBCACHE_SLOTS;
    EVP_PKEY_free(s->pubs[slot].pk);
    s->pubs[slot].id = id;
    s->pubs[slot].pk = pk;
    pthread_mutex_unlock(&s->lock);
}

/* ---------- object type cache (cold start: no ReadType twice) ---------- */

static int typecache_slot(const se05x_session *s, se05x_objid id)
{
    for (unsigned i = 0; i < SE05X_PUBCACHE_SLOTS; i++)
        if (s->types[i].id == id)
            return (int)i;
    return -1;
}

bool se05x_typecache_get(se05x_session *s, se05x_objid id, uint8_t *type, bool *transient, se05x_curve *curve)
{
    if (!s || !id)
        return false;
    pthread_mutex_lock(&s->lock);
    int i = typecache_slot(s, id);
    if (i >= 0 && s->types[i].inferred && (type || transient))
        i = -1; /* the type itself was never asked */
    if (i >= 0) {
        if (type)
            *type = s->types[i].type;
        if (transient)
            *transient = s->types[i].transient;
        if (curve)
            *curve = s->types[i].curve;
    }
    pthread_mutex_unlock(&s->lock);
    return i >= 0;
}

void se05x_typecache_put(se05x_session *s, se05x_objid id, uint8_t type, bool transient)
{
    if (!s || !id)
        return;
    pthread_mutex_lock(&s->lock);
    int i = typecache_slot(s, id);
    /* an inferred curve stays with a generic EC type that has a public key */
    bool keep = i >= 0 && s->types[i].inferred && (type == SE05X_TYPE_EC_KEY_PAIR || type == SE05X_TYPE_EC_PUB);
    if (i < 0 || (s->types[i].type != type && !keep)) {
        if (i < 0)
            i = (int)(s->types_next++ % SE05X_PUBCACHE_SLOTS);
        s->types[i].id = id;
        s->types[i].curve = SE05X_EC_NONE;
    }
    s->types[i].inferred = false;
    s->types[i].type = type;
    s->types[i].transient = transient;
    pthread_mutex_unlock(&s->lock);
}

void se05x_typecache_put_curve(se05x_session *s, se05x_objid id, se05x_curve c)
{
    if (!s || !id)
        return;
    pthread_mutex_lock(&s->lock);
    int i = typecache_slot(s, id);
    if (i >= 0)
        s->types[i].curve = c;
    pthread_mutex_unlock(&s->lock);
}

void se05x_typecache_put_inferred(se05x_session *s, se05x_objid id, se05x_curve c)
{
    if (!s || !id)
        return;
    pthread_mutex_lock(&s->lock);
    int i = typecache_slot(s, id);
    if (i < 0) {
        i = (int)(s->types_next++ % SE05X_PUBCACHE_SLOTS);
        s->types[i].id = id;
        s->types[i].type = 0;
        s->types[i].transient = false;
        s->types[i].inferred = true;
    }
    s->types[i].curve = c;
    pthread_mutex_unlock(&s->lock);
}

bool se05x_typecache_inferred(se05x_session *s, se05x_objid id, se05x_curve *c)
{
    if (!s || !id)
        return false;
    pthread_mutex_lock(&s->lock);
    int i = typecache_slot(s, id);
    bool r = i >= 0 && s->types[i].inferred && s->types[i].curve != SE05X_EC_NONE;
    if (r && c)
        *c = s->types[i].curve;
    pthread_mutex_unlock(&s->lock);
    return r;
}

void se05x_pubcache_drop(se05x_session *s, se05x_objid id)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    for (unsigned i = 0; i < SE05X_PUBCACHE_SLOTS; i++)
        if (s->types[i].id && (!id || s->types[i].id == id))
            s->types[i].id = 0;
    for (unsigned i = 0; i < SE05X_PUBCACHE_SLOTS; i++)
        if (s->pubs[i].pk && (!id || s->pubs[i].id == id)) {
            EVP_PKEY_free(s->pubs[i].pk);
            s->pubs[i].pk = NULL;
            s->pubs[i].id = 0;
        }
    pthread_mutex_unlock(&s->lock);
}

void se05x_set_verify(se05x_session *s, bool on)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->no_check = !on;
    pthread_mutex_unlock(&s->lock);
}

bool se05x_checks_on(const se05x_session *s)
{
    return s && !s->no_check;
}
