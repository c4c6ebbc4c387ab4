/* SPDX-License-Identifier: Apache-2.0 */
/* Per-engine context and the lazily opened session.
 *
 * Where the context lives: OpenSSL hands method callbacks only the key (EC,
 * RSA) or nothing at all (RAND). The RSA_METHOD has an app-data slot, so the
 * context is stored there; an EC key reaches it through its ENGINE
 * (EC_KEY_get0_engine -> ENGINE_get_RSA -> app data). This avoids a global
 * ex_data index or any other process-wide variable. */
#include "e4sss.h"

#include <string.h>

struct e4sss_ctx *e4sss_ctx_new(ENGINE *e)
{
    struct e4sss_ctx *c = OPENSSL_zalloc(sizeof(*c));
    pthread_mutexattr_t a;

    if (c == NULL)
        return NULL;
    c->engine = e;
    /* Recursive: OpenSSL may call back into the engine (RAND) from code the
     * library runs while this context's lock is held (se05x_open). */
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&c->lock, &a);
    pthread_mutexattr_destroy(&a);
    e4sss_cache_init(c);
    return c;
}

void e4sss_ctx_free(struct e4sss_ctx *c)
{
    if (c == NULL)
        return;
    e4sss_session_close(c);
    if (c->ec_meth != NULL) /* EC_KEY_METHOD_free(NULL) is not safe in 3.0 */
        EC_KEY_METHOD_free(c->ec_meth);
    RSA_meth_free(c->rsa_meth);
    e4sss_errors_unload(c);
    e4sss_cache_free(c);
    pthread_mutex_destroy(&c->lock);
    OPENSSL_clear_free(c, sizeof(*c));
}

struct e4sss_ctx *e4sss_ctx_of_engine(const ENGINE *e)
{
    const RSA_METHOD *m;
    const char *id;

    if (e == NULL || (id = ENGINE_get_id(e)) == NULL || strcmp(id, E4SSS_ID) != 0)
        return NULL;
    m = ENGINE_get_RSA(e);
    return m == NULL ? NULL : RSA_meth_get0_app_data(m);
}

struct e4sss_ctx *e4sss_ctx_of_ec_key(const EC_KEY *k)
{
    return e4sss_ctx_of_engine(EC_KEY_get0_engine(k));
}

/* A failure of the link itself (chip reset, emulator restarted, cable) makes
 * the session useless: it is closed once no operation uses it any more and
 * the next operation opens a fresh one. */
static int link_broken(se05x_rc rc)
{
    return rc == SE05X_E_LINK || rc == SE05X_E_TIMEOUT || rc == SE05X_E_PROTOCOL;
}

int e4sss_retry(se05x_rc rc, int attempt)
{
    return attempt == 0 && link_broken(rc);
}

static se05x_session *get_session(struct e4sss_ctx *c, int quiet)
{
    se05x_session *s, *stale = NULL;
    struct se05x_error err;
    se05x_rc rc = SE05X_OK;

    pthread_mutex_lock(&c->lock);
    if (c->opening) { /* re-entered from inside se05x_open (RAND): no chip yet */
        pthread_mutex_unlock(&c->lock);
        return NULL;
    }
    if (c->session != NULL && c->broken && c->users == 0) {
        stale = c->session;
        c->session = NULL;
        c->broken = 0;
    }
    if (c->session == NULL) {
        memset(&err, 0, sizeof(err));
        c->opening = 1;
        ERR_set_mark();
        rc = se05x_open(c->conn[0] ? c->conn : NULL, NULL, &c->session, &err);
        ERR_pop_to_mark(); /* whatever libcrypto queued inside open is not ours to show */
        c->opening = 0;
        if (rc == SE05X_OK)
            se05x_log(SE05X_LOG_DEBUG, "engine", "session open on %s", se05x_conn(c->session));
    }
    s = c->session;
    if (s != NULL)
        c->users++;
    pthread_mutex_unlock(&c->lock);
    if (stale != NULL)
        se05x_close(stale);
    if (s == NULL) {
        se05x_log(SE05X_LOG_DEBUG, "engine", "open failed: %s", err.msg);
        if (!quiet)
            e4sss_err(c, E4SSS_R_OPEN, "%s", err.msg[0] ? err.msg : se05x_strerror(rc));
    }
    return s;
}

se05x_session *e4sss_session(struct e4sss_ctx *c)
{
    return get_session(c, 0);
}

se05x_session *e4sss_session_quiet(struct e4sss_ctx *c)
{
    return get_session(c, 1);
}

void e4sss_session_done(struct e4sss_ctx *c, se05x_session *s, se05x_rc rc)
{
    se05x_session *stale = NULL;

    if (s == NULL)
        return;
    pthread_mutex_lock(&c->lock);
    if (c->users > 0)
        c->users--;
    if (s == c->session && link_broken(rc))
        c->broken = 1;
    if (c->broken && c->users == 0 && c->session != NULL) {
        stale = c->session;
        c->session = NULL;
        c->broken = 0;
    }
    pthread_mutex_unlock(&c->lock);
    if (stale != NULL) {
        se05x_log(SE05X_LOG_DEBUG, "engine", "link failed; the next operation reopens the chip");
        se05x_close(stale);
    }
}

void e4sss_session_close(struct e4sss_ctx *c)
{
    se05x_session *s;

    pthread_mutex_lock(&c->lock);
    s = c->session;
    c->session = NULL;
    c->broken = 0;
    pthread_mutex_unlock(&c->lock);
    if (s != NULL)
        se05x_close(s);
}
