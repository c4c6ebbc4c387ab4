/* SPDX-License-Identifier: Apache-2.0 */
/* Session pool: the one session life cycle every long-lived front end
 * (OpenSSL engine, provider, PKCS#11 module, daemons) uses instead of its
 * own (docs/api.md "Session pool"):
 *  - lazy: creating a pool never touches the chip; the first
 *    se05x_pool_get() for a connection opens it (SELECT, and Platform SCP03
 *    / applet authentication as configured: se05x_open());
 *  - one reconnect after a dropped link: a caller hands the session back
 *    with the result of its last command; a link failure retires the session
 *    (closed once its last user hands it back) and the next get opens a
 *    fresh one, authenticated again. se05x_pool_retry() says whether to
 *    repeat the operation once;
 *  - fork safe: a forked child never uses the parent's sessions nor a lock
 *    the parent held at fork time; it opens its own on first use. Detected
 *    by process id, so no pthread_atfork registration is needed;
 *  - optional bounded idle close.
 * No global state: each front end owns its pool object. */
#ifndef SE05X_POOL_H
#define SE05X_POOL_H

#include <stddef.h>
#include <stdint.h>

#include <se05x/error.h>
#include <se05x/session.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct se05x_pool se05x_pool;

/* Sized struct: set size = sizeof(struct se05x_pool_opts); members added
 * later are read only when size covers them. NULL opts: all defaults. */
struct se05x_pool_opts {
    size_t size;
    /* Options of every se05x_open() the pool makes (copied, strings too);
     * NULL: defaults (link protection from the environment/config file). */
    const struct se05x_open_opts *open;
    /* > 0: a session nobody has used for this many milliseconds is closed by
     * the next pool call (no timer thread); the next get opens it again.
     * 0: sessions stay open until se05x_pool_free(). */
    int idle_close_ms;
    /* Component name for log lines ("engine", "provider" ...); NULL: "pool". */
    const char *name;
    /* Distinct connections the pool holds at once; 0: 8. */
    unsigned max_conns;
};

/* Creates an empty pool (no chip access, no file read). err optional. */
se05x_rc se05x_pool_new(const struct se05x_pool_opts *opts, se05x_pool **out,
                        struct se05x_error *err);
/* Closes the sessions this process opened and frees the pool. In a forked
 * child the parent's sessions are left alone (never closed from the child).
 * No thread may use the pool or one of its sessions any more. NULL: no-op. */
void se05x_pool_free(se05x_pool *p);

/* The open session for conn (NULL or "": the default connection,
 * se05x_conn_resolve(NULL)), opened now when there is none or the previous
 * one was retired. Each successful get must be paired with one
 * se05x_pool_put() of the same session. Connections are told apart by the
 * string as given. Thread safe; while one thread opens a connection, others
 * asking for it wait. A thread asking again for the connection it is
 * opening (a callback re-entered from inside se05x_open) gets SE05X_E_CONDITIONS
 * at once. On failure *out is NULL and err (optional) holds the detail. */
se05x_rc se05x_pool_get(se05x_pool *p, const char *conn, se05x_session **out,
                        struct se05x_error *err);
/* Hands a session back. rc: the result of the last command made with it; a
 * link failure (se05x_rc_link_lost) retires the session: later gets open a
 * fresh one, and it is closed when its last user hands it back. Read any
 * failure detail (se05x_last_error) before this call. Thread safe. */
void se05x_pool_put(se05x_pool *p, se05x_session *s, se05x_rc rc);

/* 1 when rc says the link is gone (SE05X_E_LINK, SE05X_E_TIMEOUT,
 * SE05X_E_PROTOCOL): the session is useless, a new one may work. */
int se05x_rc_link_lost(se05x_rc rc);
/* The reconnect rule: 1 when an operation whose attempt number `attempt`
 * (0 = first) failed with rc should be repeated on a fresh session from
 * se05x_pool_get(): only the first attempt, only after a link failure. */
int se05x_pool_retry(se05x_rc rc, int attempt);

/* Closes every session of this process that nobody uses now (e.g. before a
 * long pause, so other processes get the chip); the next get reopens.
 * Thread safe. */
void se05x_pool_close_idle(se05x_pool *p);

/* Counters of this process's use of the pool (sized: set size). */
struct se05x_pool_stats {
    size_t size;
    uint64_t opens;      /* sessions opened (successful se05x_open) */
    uint64_t open_failures;
    uint64_t retired;    /* sessions retired after a link failure */
    uint64_t idle_closed;
    uint64_t forks_seen; /* times the pool found itself in a new process */
    unsigned open_now;   /* sessions open at this moment */
};
void se05x_pool_get_stats(se05x_pool *p, struct se05x_pool_stats *out);

#ifdef __cplusplus
}
#endif
#endif
