/* SPDX-License-Identifier: Apache-2.0 */
/* Session pool (include/se05x/pool.h, docs/api.md "Session pool").
 *
 * State: a fixed table of entries, one per connection string, each holding
 * at most one live session and a user count. A session retired after a link
 * failure leaves its entry at once (later gets open a fresh one) and moves
 * to the retired list until its last user hands it back.
 *
 * Fork: the pool remembers the process id that owns its lock and sessions.
 * A call that finds another process id is in a forked child: it takes a new
 * lock (the inherited one may have been held by a parent thread at fork
 * time and is never touched again), and forgets every inherited session
 * without closing it (closing would talk on the parent's link: JRCP sends a
 * goodbye, T=1 ends the chip's session). The inherited objects stay
 * reachable from the pool and are never freed in the child: a bounded leak
 * of the child, chosen over disturbing the parent. Two child threads racing
 * into that reset are ordered by a compare-and-swap on the owner id. */
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include <se05x/log.h>
#include <se05x/pool.h>

#include "internal.h"
#include "pool_hook.h"

#define POOL_DEFAULT_CONNS 8
#define POOL_CONN_MAX 300

enum entry_state { E_FREE = 0, E_OPENING, E_OPEN };

struct entry {
    enum entry_state state;
    char conn[POOL_CONN_MAX]; /* as given ("" = default) */
    se05x_session *s;
    unsigned users;
    pthread_t opener;        /* E_OPENING: the thread running se05x_open */
    uint64_t last_ms;        /* last put (monotonic) */
};

struct retired {
    se05x_session *s;
    unsigned users;
    struct retired *next;
};

/* The lock lives apart from the pool so that a child can replace it. */
struct sync {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct sync *prev; /* inherited over fork, never used again */
};

struct inherited {
    se05x_session *s;
    struct inherited *next;
};

struct se05x_pool {
    _Atomic long owner;      /* pid owning sync and sessions; -pid: being reset by pid */
    struct sync *sync;
    struct se05x_open_opts open;
    bool have_open;
    char *scp03_keys;
    char name[32];
    int idle_ms;
    unsigned n;
    struct entry *ent;
    struct retired *retired;
    struct inherited *inherited;
    struct se05x_pool_stats st;
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static struct sync *sync_new(void)
{
    struct sync *y = calloc(1, sizeof *y);
    if (!y)
        return NULL;
    if (pthread_mutex_init(&y->mu, NULL) != 0) {
        free(y);
        return NULL;
    }
    if (pthread_cond_init(&y->cv, NULL) != 0) {
        pthread_mutex_destroy(&y->mu);
        free(y);
        return NULL;
    }
    return y;
}

int se05x_rc_link_lost(se05x_rc rc)
{
    return rc == SE05X_E_LINK || rc == SE05X_E_TIMEOUT || rc == SE05X_E_PROTOCOL;
}

int se05x_pool_retry(se05x_rc rc, int attempt)
{
    return attempt == 0 && se05x_rc_link_lost(rc);
}

se05x_rc se05x_pool_new(const struct se05x_pool_opts *opts, se05x_pool **out, struct se05x_error *err)
{
    struct se05x_pool_opts o = {0};
    if (!out)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "se05x_pool_new: no output pool");
    *out = NULL;
    if (opts) {
        if (opts->size < offsetof(struct se05x_pool_opts, max_conns) + sizeof(unsigned) ||
            opts->size > 4096)
            return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0,
                                 "se05x_pool_new: opts.size %zu is not sizeof(struct se05x_pool_opts)",
                                 opts->size);
        memcpy(&o, opts, sizeof o);
    }
    if (o.idle_close_ms < 0)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "se05x_pool_new: negative idle_close_ms");
    se05x_pool *p = calloc(1, sizeof *p);
    if (!p)
        return se05x_err_set(err, SE05X_E_NOMEM, 0, 0, "out of memory");
    p->n = o.max_conns ? o.max_conns : POOL_DEFAULT_CONNS;
    p->ent = calloc(p->n, sizeof *p->ent);
    p->sync = sync_new();
    if (o.open) {
        p->open = *o.open;
        p->have_open = true;
        if (o.open->scp03_keys && !(p->scp03_keys = strdup(o.open->scp03_keys)))
            p->n = 0; /* reported below */
        p->open.scp03_keys = p->scp03_keys;
    }
    if (!p->ent || !p->sync || (o.open && o.open->scp03_keys && !p->scp03_keys)) {
        if (p->sync) {
            pthread_cond_destroy(&p->sync->cv);
            pthread_mutex_destroy(&p->sync->mu);
            free(p->sync);
        }
        free(p->ent);
        free(p->scp03_keys);
        free(p);
        return se05x_err_set(err, SE05X_E_NOMEM, 0, 0, "out of memory");
    }
    snprintf(p->name, sizeof p->name, "%s", o.name ? o.name : "pool");
    p->idle_ms = o.idle_close_ms;
    atomic_store(&p->owner, (long)getpid());
    *out = p;
    return SE05X_OK;
}

/* In a forked child: new lock, inherited sessions forgotten. Called before
 * taking the lock. Returns false only when no lock could be allocated. */
static bool check_fork(se05x_pool *p)
{
    long me = (long)getpid();
    for (;;) {
        long seen = atomic_load(&p->owner);
        if (seen == me)
            return true;
        if (seen == -me) { /* another thread of this process resets it */
            sched_yield();
            continue;
        }
        if (!atomic_compare_exchange_strong(&p->owner, &seen, -me))
            continue;
        /* This thread alone resets the pool (in a fresh child: the only one). */
        struct sync *y = sync_new();
        if (!y) {
            atomic_store(&p->owner, seen);
            return false;
        }
        y->prev = p->sync;
        p->sync = y;
        for (unsigned i = 0; i < p->n; i++) {
            struct entry *e = &p->ent[i];
            if (e->s) {
                struct inherited *h = calloc(1, sizeof *h);
                if (h) { /* else: dropped (leaked), still never closed */
                    h->s = e->s;
                    h->next = p->inherited;
                    p->inherited = h;
                }
            }
            memset(e, 0, sizeof *e);
        }
        for (struct retired *r = p->retired; r; r = r->next) {
            struct inherited *h = calloc(1, sizeof *h);
            if (h) {
                h->s = r->s;
                h->next = p->inherited;
                p->inherited = h;
            }
        }
        /* the retired records themselves stay on the list, reachable: users of
         * the parent's threads no longer exist here */
        for (struct retired *r = p->retired; r; r = r->next)
            r->s = NULL;
        memset(&p->st, 0, sizeof p->st);
        p->st.forks_seen = 1;
        se05x_log(SE05X_LOG_DEBUG, p->name, "pool: forked child %ld: the parent's sessions are left alone",
                  me);
        atomic_store(&p->owner, me);
        return true;
    }
}

/* Collects (under the lock) sessions to close: idle ones past the bound
 * (all unused ones with force). Returns how many were put in out. */
static unsigned collect_idle(se05x_pool *p, bool force, se05x_session **out, unsigned cap)
{
    unsigned k = 0;
    if (!force && p->idle_ms <= 0)
        return 0;
    uint64_t t = force ? 0 : now_ms();
    for (unsigned i = 0; i < p->n && k < cap; i++) {
        struct entry *e = &p->ent[i];
        if (e->state != E_OPEN || e->users)
            continue;
        if (!force && t - e->last_ms < (uint64_t)p->idle_ms)
            continue;
        out[k++] = e->s;
        memset(e, 0, sizeof *e);
        p->st.idle_closed++;
    }
    return k;
}

static void close_all(se05x_session **v, unsigned k)
{
    for (unsigned i = 0; i < k; i++)
        se05x_close(v[i]);
}

se05x_rc se05x_pool_get(se05x_pool *p, const char *conn, se05x_session **out, struct se05x_error *err)
{
    if (!out)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "se05x_pool_get: no output session");
    *out = NULL;
    if (!p)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "se05x_pool_get: no pool");
    const char *key = conn ? conn : "";
    if (strlen(key) >= POOL_CONN_MAX)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "connection string too long (%zu bytes)",
                             strlen(key));
    if (!check_fork(p))
        return se05x_err_set(err, SE05X_E_NOMEM, 0, 0, "out of memory");
    se05x_session *idle[POOL_DEFAULT_CONNS];
    unsigned nidle;
    struct sync *y = p->sync;
    pthread_mutex_lock(&y->mu);
    nidle = collect_idle(p, false, idle, POOL_DEFAULT_CONNS);
    for (;;) {
        struct entry *e = NULL, *spare = NULL;
        for (unsigned i = 0; i < p->n; i++) {
            if (p->ent[i].state == E_FREE) {
                if (!spare)
                    spare = &p->ent[i];
            } else if (strcmp(p->ent[i].conn, key) == 0) {
                e = &p->ent[i];
                break;
            }
        }
        if (e && e->state == E_OPEN) {
            e->users++;
            *out = e->s;
            pthread_mutex_unlock(&y->mu);
            close_all(idle, nidle);
            return SE05X_OK;
        }
        if (e) { /* E_OPENING */
            if (pthread_equal(e->opener, pthread_self())) {
                pthread_mutex_unlock(&y->mu);
                close_all(idle, nidle);
                return se05x_err_set(err, SE05X_E_CONDITIONS, 0, 0,
                                     "%s: re-entered while opening %s", p->name, key[0] ? key : "the chip");
            }
            pthread_cond_wait(&y->cv, &y->mu);
            continue;
        }
        if (!spare) {
            pthread_mutex_unlock(&y->mu);
            close_all(idle, nidle);
            return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "%s: too many distinct connections (max %u)",
                                 p->name, p->n);
        }
        spare->state = E_OPENING;
        snprintf(spare->conn, sizeof spare->conn, "%s", key);
        spare->opener = pthread_self();
        pthread_mutex_unlock(&y->mu);
        close_all(idle, nidle);
        nidle = 0;

        se05x_session *s = NULL;
        struct se05x_error e2 = {0};
        se05x_rc rc = se05x_open(key[0] ? key : NULL, p->have_open ? &p->open : NULL, &s, &e2);

        pthread_mutex_lock(&y->mu);
        if (rc == SE05X_OK) {
            spare->state = E_OPEN;
            spare->s = s;
            spare->users = 1;
            spare->last_ms = now_ms();
            p->st.opens++;
        } else {
            memset(spare, 0, sizeof *spare);
            p->st.open_failures++;
        }
        pthread_cond_broadcast(&y->cv);
        pthread_mutex_unlock(&y->mu);
        if (rc != SE05X_OK) {
            se05x_log(SE05X_LOG_DEBUG, p->name, "cannot open %s: %s", key[0] ? key : "the chip", e2.msg);
            if (err)
                *err = e2;
            return rc;
        }
        se05x_log(SE05X_LOG_DEBUG, p->name, "session open on %s (pid %ld)", se05x_conn(s), (long)getpid());
        *out = s;
        return SE05X_OK;
    }
}

se05x_rc se05x_pool_adopt(se05x_pool *p, const char *conn, se05x_session *s)
{
    const char *key = conn ? conn : "";
    if (!p || !s || strlen(key) >= POOL_CONN_MAX)
        return SE05X_E_BAD_ARG;
    if (!check_fork(p))
        return SE05X_E_NOMEM;
    se05x_rc rc = SE05X_E_BAD_ARG; /* no free entry */
    struct entry *spare = NULL;
    pthread_mutex_lock(&p->sync->mu);
    for (unsigned i = 0; i < p->n; i++) {
        if (p->ent[i].state == E_FREE) {
            if (!spare)
                spare = &p->ent[i];
        } else if (strcmp(p->ent[i].conn, key) == 0) {
            spare = NULL;
            rc = SE05X_E_CONDITIONS;
            break;
        }
    }
    if (spare) {
        spare->state = E_OPEN;
        snprintf(spare->conn, sizeof spare->conn, "%s", key);
        spare->s = s;
        spare->users = 0;
        spare->last_ms = now_ms();
        rc = SE05X_OK;
    }
    pthread_mutex_unlock(&p->sync->mu);
    return rc;
}

void se05x_pool_put(se05x_pool *p, se05x_session *s, se05x_rc rc)
{
    if (!p || !s)
        return;
    if (atomic_load(&p->owner) != (long)getpid())
        return; /* a session of the parent's pool, handed back in a child: not ours */
    se05x_session *closing[POOL_DEFAULT_CONNS + 1];
    unsigned k = 0;
    struct sync *y = p->sync;
    pthread_mutex_lock(&y->mu);
    bool found = false;
    for (unsigned i = 0; i < p->n && !found; i++) {
        struct entry *e = &p->ent[i];
        if (e->state != E_OPEN || e->s != s)
            continue;
        found = true;
        if (e->users)
            e->users--;
        e->last_ms = now_ms();
        if (se05x_rc_link_lost(rc)) {
            p->st.retired++;
            se05x_log(SE05X_LOG_WARN, p->name, "link to %s lost (%s); reconnecting",
                      se05x_conn(s), se05x_strerror(rc));
            if (e->users == 0) {
                closing[k++] = s;
            } else {
                struct retired *r = calloc(1, sizeof *r);
                if (r) { /* else: leaked rather than closed under a user */
                    r->s = s;
                    r->users = e->users;
                    r->next = p->retired;
                    p->retired = r;
                }
            }
            memset(e, 0, sizeof *e);
        }
    }
    for (struct retired **pr = &p->retired; !found && *pr; pr = &(*pr)->next) {
        struct retired *r = *pr;
        if (r->s != s)
            continue;
        found = true;
        if (r->users)
            r->users--;
        if (r->users == 0) {
            closing[k++] = s;
            *pr = r->next;
            free(r);
        }
        break;
    }
    k += collect_idle(p, false, closing + k, POOL_DEFAULT_CONNS);
    pthread_mutex_unlock(&y->mu);
    close_all(closing, k);
}

void se05x_pool_close_idle(se05x_pool *p)
{
    if (!p || !check_fork(p))
        return;
    se05x_session *v[64];
    unsigned k;
    do {
        pthread_mutex_lock(&p->sync->mu);
        k = collect_idle(p, true, v, 64);
        pthread_mutex_unlock(&p->sync->mu);
        close_all(v, k);
    } while (k == 64);
}

void se05x_pool_get_stats(se05x_pool *p, struct se05x_pool_stats *out)
{
    if (!out || out->size < sizeof(size_t))
        return;
    struct se05x_pool_stats st = {0};
    if (p && check_fork(p)) {
        pthread_mutex_lock(&p->sync->mu);
        st = p->st;
        for (unsigned i = 0; i < p->n; i++)
            if (p->ent[i].state == E_OPEN)
                st.open_now++;
        for (struct retired *r = p->retired; r; r = r->next)
            if (r->s)
                st.open_now++;
        pthread_mutex_unlock(&p->sync->mu);
    }
    size_t n = out->size < sizeof st ? out->size : sizeof st;
    st.size = out->size;
    memcpy(out, &st, n);
}

void se05x_pool_free(se05x_pool *p)
{
    if (!p)
        return;
    bool mine = atomic_load(&p->owner) == (long)getpid();
    if (mine) {
        for (unsigned i = 0; i < p->n; i++)
            if (p->ent[i].s)
                se05x_close(p->ent[i].s);
        for (struct retired *r = p->retired; r; r = r->next)
            if (r->s)
                se05x_close(r->s);
    }
    while (p->retired) {
        struct retired *r = p->retired;
        p->retired = r->next;
        free(r);
    }
    /* Inherited sessions: never closed nor freed here (see the top of the
     * file); only the bookkeeping goes. */
    while (p->inherited) {
        struct inherited *h = p->inherited;
        p->inherited = h->next;
        free(h);
    }
    struct sync *y = p->sync;
    if (mine && y) {
        pthread_cond_destroy(&y->cv);
        pthread_mutex_destroy(&y->mu);
    }
    while (y) { /* inherited locks are freed, never destroyed */
        struct sync *prev = y->prev;
        free(y);
        y = prev;
    }
    if (p->scp03_keys)
        OPENSSL_cleanse(p->scp03_keys, strlen(p->scp03_keys));
    free(p->scp03_keys);
    free(p->ent);
    free(p);
}
