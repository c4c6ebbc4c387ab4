/* SPDX-License-Identifier: Apache-2.0 */
/* Is this EC_KEY / RSA a reference key? The lib codec decides
 * (se05x_refkey_from_pkey on a temporary EVP_PKEY sharing the key), so the
 * detection rules exist only in lib/.
 *
 * Cache. Every private-key operation asks this question, and OpenSSL keeps
 * using the same key object for every signature, so the answer is kept with
 * the key object (its ex_data, under indexes allocated per engine context)
 * together with a SHA-256 fingerprint of exactly what the lib looks at: the
 * curve and private scalar (EC), p, q and iqmp with their signs (RSA). An
 * entry is used only while the key's current values give the same
 * fingerprint; anything else (a new key object, a copy, values replaced or
 * rewritten in place) is examined again by the lib. So a software key is
 * never taken for a chip key and vice versa, whatever happens to the object.
 * The fingerprint costs one SHA-256 of a few hundred bytes; the lib's
 * decision costs an OpenSSL parameter export (EC ~6 us, RSA ~20 us; the
 * former DER encode + decoder round trip cost ~0.5 ms).
 *
 * A copy of a key never shares its original's entry (dup callback).
 * Entries are freed with their key by the methods' finish callbacks
 * (e4sss_ec_cache_drop, e4sss_rsa_cache_drop), not by the ex_data free
 * callback alone: EC_KEY_free and RSA_free release the key's functional
 * reference to the engine BEFORE they free its ex_data, so the last key of
 * the engine can take the engine (its destroy frees the indexes, which
 * turns their free callbacks off) with it, and its entry would leak. The
 * methods' finish callbacks run before that release.
 *
 * Any error libcrypto queues while probing is dropped: a probe must leave
 * no stale error. */
#include "e4sss.h"

#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <openssl/sha.h>

struct ref_entry {
    unsigned char fp[SHA256_DIGEST_LENGTH];
    int is_ref;
    se05x_objid id;
};

static void entry_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
                       void *argp)
{
    (void)parent;
    (void)ad;
    (void)idx;
    (void)argl;
    (void)argp;
    OPENSSL_clear_free(ptr, sizeof(struct ref_entry));
}

/* Copying a key (EC_KEY_dup, EC_KEY_copy, RSA dup) never shares the
 * original's entry: the destination keeps its own entry, if it had one (the
 * fingerprint decides whether it still applies), else starts without one. */
static int entry_dup(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from, void **from_d, int idx,
                     long argl, void *argp)
{
    (void)from;
    (void)argl;
    (void)argp;
    *from_d = CRYPTO_get_ex_data(to, idx);
    return 1;
}

static struct e4sss_lock *lock_new(struct e4sss_lock *prev)
{
    struct e4sss_lock *l = OPENSSL_zalloc(sizeof(*l));
    if (l != NULL) {
        pthread_mutex_init(&l->mu, NULL);
        l->prev = prev;
    }
    return l;
}

/* The cache lock of this process. A parent thread may have held the lock at
 * fork time: the child's first use finds another pid and replaces it (the
 * inherited one is kept, never locked again); a compare-and-swap on the pid
 * orders child threads racing into that. NULL: no lock (no caching). */
static pthread_mutex_t *cache_lock(struct e4sss_ctx *c)
{
    long me = (long)getpid();
    for (;;) {
        long seen = atomic_load(&c->cache_pid);
        if (seen == me)
            return c->cache_lock != NULL ? &c->cache_lock->mu : NULL;
        if (seen == -me) {
            sched_yield();
            continue;
        }
        if (!atomic_compare_exchange_strong(&c->cache_pid, &seen, -me))
            continue;
        struct e4sss_lock *l = lock_new(c->cache_lock);
        if (l != NULL)
            c->cache_lock = l;
        atomic_store(&c->cache_pid, me);
        return l != NULL ? &l->mu : NULL;
    }
}

void e4sss_cache_init(struct e4sss_ctx *c)
{
    c->cache_lock = lock_new(NULL);
    atomic_init(&c->cache_pid, (long)getpid());
    c->ec_idx = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_EC_KEY, 0, NULL, NULL, entry_dup,
                                        entry_free);
    c->rsa_idx = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_RSA, 0, NULL, NULL, entry_dup,
                                         entry_free);
}

void e4sss_cache_free(struct e4sss_ctx *c)
{
    if (c->ec_idx >= 0)
        CRYPTO_free_ex_index(CRYPTO_EX_INDEX_EC_KEY, c->ec_idx);
    if (c->rsa_idx >= 0)
        CRYPTO_free_ex_index(CRYPTO_EX_INDEX_RSA, c->rsa_idx);
    c->ec_idx = c->rsa_idx = -1;
    int mine = atomic_load(&c->cache_pid) == (long)getpid();
    for (struct e4sss_lock *l = c->cache_lock, *prev; l != NULL; l = prev, mine = 0) {
        prev = l->prev;
        if (mine) /* inherited ones are freed, never destroyed */
            pthread_mutex_destroy(&l->mu);
        OPENSSL_free(l);
    }
    c->cache_lock = NULL;
}

/* Adds a BIGNUM (presence, sign, length, magnitude) to the fingerprint.
 * 0 when it does not fit the buffer (then the key is not cached). */
static int fp_bn(SHA256_CTX *h, const BIGNUM *b)
{
    unsigned char buf[1024], hdr[6];
    int n = b != NULL ? BN_num_bytes(b) : 0;

    if (n < 0 || (size_t)n > sizeof(buf))
        return 0;
    hdr[0] = b != NULL;
    hdr[1] = b != NULL && BN_is_negative(b);
    hdr[2] = (unsigned char)(n >> 24);
    hdr[3] = (unsigned char)(n >> 16);
    hdr[4] = (unsigned char)(n >> 8);
    hdr[5] = (unsigned char)n;
    SHA256_Update(h, hdr, sizeof(hdr));
    if (n > 0) {
        BN_bn2bin(b, buf);
        SHA256_Update(h, buf, (size_t)n);
        OPENSSL_cleanse(buf, (size_t)n);
    }
    return 1;
}

/* How to reach one key type's ex_data and the lib's decision on it. */
struct key_ops {
    void *(*get)(const void *key, int idx);
    int (*set)(void *key, int idx, void *v);
    int (*lib)(const void *key, se05x_objid *id);
};

/* 1 (and is_ref, id set) when the key carries an entry for this fingerprint. */
static int cache_get(struct e4sss_ctx *c, const struct key_ops *o, int idx, const void *key,
                     const unsigned char *fp, int *is_ref, se05x_objid *id)
{
    struct ref_entry *e;
    int hit = 0;
    pthread_mutex_t *mu = cache_lock(c);

    if (mu == NULL)
        return 0;
    pthread_mutex_lock(mu);
    e = o->get(key, idx);
    if (e != NULL && CRYPTO_memcmp(e->fp, fp, sizeof(e->fp)) == 0) {
        *is_ref = e->is_ref;
        *id = e->id;
        hit = 1;
    }
    pthread_mutex_unlock(mu);
    return hit;
}

static void cache_put(struct e4sss_ctx *c, const struct key_ops *o, int idx, const void *key,
                      const unsigned char *fp, int is_ref, se05x_objid id)
{
    struct ref_entry *e;
    pthread_mutex_t *mu = cache_lock(c);

    if (mu == NULL)
        return;
    pthread_mutex_lock(mu);
    e = o->get(key, idx);
    if (e == NULL && (e = OPENSSL_zalloc(sizeof(*e))) != NULL && !o->set((void *)key, idx, e)) {
        OPENSSL_free(e);
        e = NULL;
    }
    if (e != NULL) {
        memcpy(e->fp, fp, sizeof(e->fp));
        e->is_ref = is_ref;
        e->id = id;
    }
    pthread_mutex_unlock(mu);
}

/* The lib's decision on a legacy key wrapped in a temporary EVP_PKEY
 * (which only holds a reference to it). */
static int lib_decides(EVP_PKEY *w, se05x_kind want, se05x_objid *id)
{
    struct se05x_refkey ref;
    int r;

    memset(&ref, 0, sizeof(ref));
    r = w != NULL && se05x_refkey_from_pkey(w, &ref) && ref.kind == want && ref.id != 0;
    if (r)
        *id = ref.id;
    EVP_PKEY_free(w);
    return r;
}

static int ec_lib(const void *k, se05x_objid *id)
{
    EVP_PKEY *w = EVP_PKEY_new();

    if (w != NULL && !EVP_PKEY_set1_EC_KEY(w, (EC_KEY *)k)) {
        EVP_PKEY_free(w);
        w = NULL;
    }
    return lib_decides(w, SE05X_KIND_EC, id);
}

static int rsa_lib(const void *rsa, se05x_objid *id)
{
    EVP_PKEY *w = EVP_PKEY_new();

    if (w != NULL && !EVP_PKEY_set1_RSA(w, (RSA *)rsa)) {
        EVP_PKEY_free(w);
        w = NULL;
    }
    return lib_decides(w, SE05X_KIND_RSA, id);
}

static void *ec_get(const void *k, int idx)
{
    return EC_KEY_get_ex_data(k, idx);
}

static int ec_set(void *k, int idx, void *v)
{
    return EC_KEY_set_ex_data(k, idx, v);
}

static void *rsa_get(const void *k, int idx)
{
    return RSA_get_ex_data(k, idx);
}

static int rsa_set(void *k, int idx, void *v)
{
    return RSA_set_ex_data(k, idx, v);
}

static const struct key_ops ec_ops = {ec_get, ec_set, ec_lib};
static const struct key_ops rsa_ops = {rsa_get, rsa_set, rsa_lib};

/* Cached answer when the fingerprint matches, else the lib's (then cached).
 * fp NULL: no caching for this key. */
static int detect(struct e4sss_ctx *c, const struct key_ops *o, int idx, const void *key,
                  const unsigned char *fp, se05x_objid *id)
{
    se05x_objid cid = 0;
    int r = 0;

    if (fp != NULL && cache_get(c, o, idx, key, fp, &r, &cid)) {
        if (r)
            *id = cid;
        return r;
    }
    ERR_set_mark();
    r = o->lib(key, &cid);
    ERR_pop_to_mark();
    if (fp != NULL)
        cache_put(c, o, idx, key, fp, r, r ? cid : 0);
    if (r)
        *id = cid;
    return r;
}

int e4sss_ec_ref_id(struct e4sss_ctx *c, const EC_KEY *k, se05x_objid *id)
{
    unsigned char fp[SHA256_DIGEST_LENGTH];
    const EC_GROUP *g;
    SHA256_CTX h;
    int nid, ok = 0;

    if (k == NULL || EC_KEY_get0_private_key(k) == NULL)
        return 0;
    g = EC_KEY_get0_group(k);
    nid = g != NULL ? EC_GROUP_get_curve_name(g) : NID_undef;
    /* a group without a name (explicit parameters) is left to the lib on
     * every call: its identity is not just a NID to put in the fingerprint */
    if (c != NULL && c->ec_idx >= 0 && nid != NID_undef) {
        SHA256_Init(&h);
        SHA256_Update(&h, "EC", 2);
        SHA256_Update(&h, &nid, sizeof(nid));
        ok = fp_bn(&h, EC_KEY_get0_private_key(k));
        SHA256_Final(fp, &h);
        OPENSSL_cleanse(&h, sizeof(h));
    }
    return detect(c, &ec_ops, ok ? c->ec_idx : -1, k, ok ? fp : NULL, id);
}

int e4sss_rsa_ref_id(struct e4sss_ctx *c, const RSA *rsa, se05x_objid *id)
{
    const BIGNUM *p = NULL, *q = NULL, *qi = NULL;
    unsigned char fp[SHA256_DIGEST_LENGTH];
    SHA256_CTX h;
    int ok = 0;

    if (rsa == NULL)
        return 0;
    RSA_get0_factors(rsa, &p, &q);
    if (p == NULL || q == NULL) /* public-only or factor-less: cannot be a ref key */
        return 0;
    if (c != NULL && c->rsa_idx >= 0) {
        RSA_get0_crt_params(rsa, NULL, NULL, &qi);
        SHA256_Init(&h);
        SHA256_Update(&h, "RSA", 3);
        ok = fp_bn(&h, p) && fp_bn(&h, q) && fp_bn(&h, qi);
        SHA256_Final(fp, &h);
        OPENSSL_cleanse(&h, sizeof(h));
    }
    return detect(c, &rsa_ops, ok ? c->rsa_idx : -1, rsa, ok ? fp : NULL, id);
}

/* Frees the key's entry now (its method's finish callback: the engine and
 * its indexes are still there); the ex_data free callback then sees NULL. */
static void cache_drop(struct e4sss_ctx *c, const struct key_ops *o, int idx, void *key)
{
    struct ref_entry *e;

    if (c == NULL || idx < 0 || (e = o->get(key, idx)) == NULL)
        return;
    o->set(key, idx, NULL);
    OPENSSL_clear_free(e, sizeof(*e));
}

void e4sss_ec_cache_drop(EC_KEY *k)
{
    struct e4sss_ctx *c = e4sss_ctx_of_ec_key(k);

    cache_drop(c, &ec_ops, c != NULL ? c->ec_idx : -1, k);
}

void e4sss_rsa_cache_drop(struct e4sss_ctx *c, RSA *rsa)
{
    cache_drop(c, &rsa_ops, c != NULL ? c->rsa_idx : -1, rsa);
}
