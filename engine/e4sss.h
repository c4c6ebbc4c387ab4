/* SPDX-License-Identifier: Apache-2.0 */
/* e4sss engine internals: one context per ENGINE object, shared by the
 * method files. Nothing here is global: the context hangs off the engine's
 * RSA_METHOD app data (see engine_ctx.c for why), and every callback finds
 * it from the key or the ENGINE it is given. */
#ifndef E4SSS_H
#define E4SSS_H

#define OPENSSL_SUPPRESS_DEPRECATED /* the ENGINE API is deprecated in 3.0 */

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <stdint.h>
#include <openssl/engine.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <se05x/se05x.h>
#include <se05x/ossl.h>

#define E4SSS_ID "e4sss"
#define E4SSS_NAME "se05x engine: keys inside the NXP EdgeLock SE05x (ref keys, sss: ids)"

/* Reasons pushed on OpenSSL's error queue (errors.c). */
enum {
    E4SSS_R_CHIP = 100,        /* the chip refused or failed the operation */
    E4SSS_R_OPEN,              /* could not open the chip */
    E4SSS_R_BAD_KEY_ID,        /* ENGINE_load_*_key: unusable key id */
    E4SSS_R_NOT_A_REF_KEY,     /* file is an ordinary key, not a reference */
    E4SSS_R_WRONG_KEY_TYPE,    /* object is not an EC or RSA key (or no private part) */
    E4SSS_R_UNSUPPORTED,       /* padding or operation the engine does not do */
    E4SSS_R_INTERNAL,          /* allocation or OpenSSL failure */
};

struct e4sss_lock {
    pthread_mutex_t mu;
    struct e4sss_lock *prev; /* inherited over fork: never locked again */
};

/* One PORT value; replaced ones stay on the list until the context is freed
 * (a reader may still hold it). */
struct e4sss_conn {
    struct e4sss_conn *prev;
    char s[256];
};

struct e4sss_ctx {
    ENGINE *engine;            /* not owned: the ENGINE we were bound to */
    /* The session life cycle (lazy open, reconnect, fork, idle close) is
     * libse05x's session pool (docs/api.md "Session pool"); no mutex here:
     * the fields below are atomics, so a forked child inherits no lock. */
    se05x_pool *pool;
    _Atomic long long rand_fail_ms; /* RAND could not open the chip at this time (0: never) */
    _Atomic(struct e4sss_conn *) conn; /* PORT ctrl; NULL = se05x_conn_resolve() */
    int errlib;                /* our OpenSSL error library number */
    ERR_STRING_DATA *errstr;   /* heap copy registered with ERR_load_strings */
    EC_KEY_METHOD *ec_meth;
    RSA_METHOD *rsa_meth;      /* app data = this context */
    /* Ref-key detection cache (refdetect.c): one entry per EC_KEY / RSA
     * object in its ex_data under these indexes (allocated per context). */
    /* guards the keys' ex_data slots and entries; fork aware (refdetect.c
     * cache_lock): a forked child takes a new lock, never the inherited one */
    struct e4sss_lock *cache_lock;
    _Atomic long cache_pid;
    int ec_idx, rsa_idx;       /* -1 when allocation failed: no caching */
};

/* engine_ctx.c */
struct e4sss_ctx *e4sss_ctx_new(ENGINE *e);
void e4sss_ctx_free(struct e4sss_ctx *c);
struct e4sss_ctx *e4sss_ctx_of_engine(const ENGINE *e);
/* Returns the open session from the pool, opening it on first use. NULL with
 * an error on the queue when the chip cannot be opened. Every non-NULL
 * session must be handed back with e4sss_session_done(c, s, rc of the last
 * command): se05x_pool_get / se05x_pool_put. */
se05x_session *e4sss_session(struct e4sss_ctx *c);
void e4sss_session_done(struct e4sss_ctx *c, se05x_session *s, se05x_rc rc);
/* 1 when a command that failed with rc on this attempt (0-based) is tried
 * once more: the link broke (chip reset, emulator restarted) and the retry
 * runs on a freshly opened session. Chip operations are idempotent. */
#define e4sss_retry se05x_pool_retry
/* for (attempt...) loop around one chip command; rc must be initialised. */
#define E4SSS_RETRY_ON_LINK_FAILURE(rc)                                                            \
    for (int attempt = 0; attempt == 0 || e4sss_retry(rc, attempt - 1); attempt++)
/* Like e4sss_session() but quiet (no error queued); NULL with *reentered = 1
 * while this thread is opening the session (RAND called from inside open). */
se05x_session *e4sss_session_quiet(struct e4sss_ctx *c, int *reentered);
/* Closes the sessions nobody uses (ENGINE finish). */
void e4sss_session_close(struct e4sss_ctx *c);
/* The PORT value, "" when unset. */
const char *e4sss_conn(struct e4sss_ctx *c);

/* The public part of a reference key as a plain public EVP_PKEY (default
 * provider first), for the lib's check of the chip's answers
 * (docs/verify-after-sign.md). NULL when the key has no public part: the lib
 * then checks with the chip's key, read once per session. */
EVP_PKEY *e4sss_ec_public(const EC_KEY *k);
EVP_PKEY *e4sss_rsa_public(const RSA *r);
/* The "does not match" name of that key in messages. */
#define E4SSS_PUB_SOURCE "reference key file"

/* refdetect.c: ref-key detection on keys OpenSSL already holds, through
 * the lib codec (se05x_refkey_from_pkey). Return 1 and set *id for a ref
 * key. With a context, the answer is cached with the key object and reused
 * while the key's private values are unchanged; c may be NULL (no cache). */
int e4sss_ec_ref_id(struct e4sss_ctx *c, const EC_KEY *k, se05x_objid *id);
int e4sss_rsa_ref_id(struct e4sss_ctx *c, const RSA *r, se05x_objid *id);
/* ex_data indexes of the cache, in e4sss_ctx_new / e4sss_ctx_free */
void e4sss_cache_init(struct e4sss_ctx *c);
void e4sss_cache_free(struct e4sss_ctx *c);
/* The key's cache entry freed (the methods' finish callbacks, see refdetect.c). */
void e4sss_ec_cache_drop(EC_KEY *k);
void e4sss_rsa_cache_drop(struct e4sss_ctx *c, RSA *rsa);

/* ec_method.c / rsa_method.c / rand.c */
EC_KEY_METHOD *e4sss_ec_method_new(void);
RSA_METHOD *e4sss_rsa_method_new(struct e4sss_ctx *c);
const RAND_METHOD *e4sss_rand_method(void);
/* Context of a key's engine (EC keys: via the key's ENGINE). */
struct e4sss_ctx *e4sss_ctx_of_ec_key(const EC_KEY *k);

/* load_key.c */
EVP_PKEY *e4sss_load_privkey(ENGINE *e, const char *key_id, UI_METHOD *ui, void *cb_data);
EVP_PKEY *e4sss_load_pubkey(ENGINE *e, const char *key_id, UI_METHOD *ui, void *cb_data);
/* Key id text -> object id: pkcs11: URI, 0x id, sss:/nxp: forms, ref-key path. */
int e4sss_parse_key_id(struct e4sss_ctx *c, const char *key_id, se05x_objid *id);

/* errors.c */
int e4sss_errors_load(struct e4sss_ctx *c);
void e4sss_errors_unload(struct e4sss_ctx *c);
/* Pushes (lib, reason) with the data "se05x: <msg>", recording the caller's
 * file, line and function. */
void e4sss_err_at(const struct e4sss_ctx *c, int reason, const char *file, int line,
                  const char *func, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
#define e4sss_err(c, reason, ...)                                                                  \
    e4sss_err_at(c, reason, OPENSSL_FILE, OPENSSL_LINE, OPENSSL_FUNC, __VA_ARGS__)
/* Pushes the session's last error for a failed chip command. */
#define e4sss_err_chip(c, s, rc) e4sss_err(c, E4SSS_R_CHIP, "%s", e4sss_chip_msg(s, rc))
const char *e4sss_chip_msg(se05x_session *s, se05x_rc rc);

#endif
