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
    struct se05x_pool_opts po = {.size = sizeof(po), .name = "engine", .max_conns = 1};

    if (c == NULL)
        return NULL;
    c->engine = e;
    atomic_init(&c->rand_fail_ms, 0);
    atomic_init(&c->conn, NULL);
    /* no chip access: the pool opens on the first get */
    if (se05x_pool_new(&po, &c->pool, NULL) != SE05X_OK) {
        OPENSSL_free(c);
        return NULL;
    }
    e4sss_cache_init(c);
    return c;
}

void e4sss_ctx_free(struct e4sss_ctx *c)
{
    struct e4sss_conn *k;

    if (c == NULL)
        return;
    se05x_pool_free(c->pool);
    if (c->ec_meth != NULL) /* EC_KEY_METHOD_free(NULL) is not safe in 3.0 */
        EC_KEY_METHOD_free(c->ec_meth);
    RSA_meth_free(c->rsa_meth);
    e4sss_errors_unload(c);
    e4sss_cache_free(c);
    k = atomic_load(&c->conn);
    while (k != NULL) {
        struct e4sss_conn *prev = k->prev;
        OPENSSL_free(k);
        k = prev;
    }
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

const char *e4sss_conn(struct e4sss_ctx *c)
{
    struct e4sss_conn *k = atomic_load(&c->conn);
    return k != NULL ? k->s : "";
}

/* The life cycle is the pool's (lazy open, one reconnect after a link
 * failure, fork safety): this is only the OpenSSL side of it. */
static se05x_session *get_session(struct e4sss_ctx *c, int quiet, int *reentered)
{
    se05x_session *s = NULL;
    struct se05x_error err;
    const char *conn = e4sss_conn(c);
    se05x_rc rc;

    memset(&err, 0, sizeof(err));
    ERR_set_mark();
    rc = se05x_pool_get(c->pool, conn[0] ? conn : NULL, &s, &err);
    ERR_pop_to_mark(); /* whatever libcrypto queued inside open is not ours to show */
    if (reentered != NULL)
        *reentered = rc == SE05X_E_CONDITIONS;
    if (rc != SE05X_OK) {
        se05x_log(SE05X_LOG_DEBUG, "engine", "open failed: %s", err.msg);
        if (!quiet)
            e4sss_err(c, E4SSS_R_OPEN, "%s", err.msg[0] ? err.msg : se05x_strerror(rc));
        return NULL;
    }
    return s;
}

se05x_session *e4sss_session(struct e4sss_ctx *c)
{
    return get_session(c, 0, NULL);
}

se05x_session *e4sss_session_quiet(struct e4sss_ctx *c, int *reentered)
{
    return get_session(c, 1, reentered);
}

void e4sss_session_done(struct e4sss_ctx *c, se05x_session *s, se05x_rc rc)
{
    se05x_pool_put(c->pool, s, rc);
}

void e4sss_session_close(struct e4sss_ctx *c)
{
    se05x_pool_close_idle(c->pool);
}
