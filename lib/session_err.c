/* SPDX-License-Identifier: Apache-2.0 */
/* Failure detail per thread and session (docs/lib.md "Errors"): se05x_fail,
 * se05x_last_error, se05x_errmsg and the thread-local slots behind them.
 * Split from session.c; the session is only compared by address and uid. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "internal.h"
#include "session_priv.h"


/* Failure detail belongs to the thread that failed (docs/lib.md "Errors"):
 * each thread keeps, in its own thread-local storage, the last failure of up
 * to ERR_SLOTS sessions, keyed by (session pointer, session uid). Only the
 * owning thread reads or writes its slots, so no lock is needed and another
 * thread's failure can never overwrite it. Nothing is shared between threads;
 * the storage is per thread, not global state. */
#define ERR_SLOTS 8
struct err_slot {
    const se05x_session *s; /* never dereferenced: the session may be gone */
    uint64_t uid;
    uint64_t stamp;         /* last use, for reusing the least recently used slot */
    struct se05x_error e;
};
struct err_tls {
    uint64_t clock;
    struct err_slot slot[ERR_SLOTS];
};
static _Thread_local struct err_tls t_err;

static struct err_slot *err_find(const se05x_session *s)
{
    for (size_t i = 0; i < ERR_SLOTS; i++)
        if (t_err.slot[i].s == s && t_err.slot[i].uid == se05x_session_uid(s))
            return &t_err.slot[i];
    return NULL;
}

static void set_last(se05x_session *s, const struct se05x_error *e)
{
    struct err_slot *sl = err_find(s);
    if (!sl) { /* a free slot, else the least recently used one */
        sl = &t_err.slot[0];
        for (size_t i = 0; i < ERR_SLOTS && sl->s; i++)
            if (!t_err.slot[i].s || t_err.slot[i].stamp < sl->stamp)
                sl = &t_err.slot[i];
        sl->s = s;
        sl->uid = se05x_session_uid(s);
    }
    sl->stamp = ++t_err.clock;
    sl->e = *e;
    se05x_log(SE05X_LOG_DEBUG, "lib", "%s", e->msg);
}

/* Forgets the calling thread's detail of s (at close). Other threads' slots
 * for s stay until reused; the uid keeps them from matching a new session. */
void se05x_err_forget(const se05x_session *s)
{
    struct err_slot *sl = err_find(s);
    if (sl)
        memset(sl, 0, sizeof *sl);
}

/* A 64-bit id that a later session at the same address will not repeat. */
uint64_t se05x_session_new_uid(const se05x_session *s)
{
    uint64_t u = 0;
    if (getrandom(&u, sizeof u, GRND_NONBLOCK) == (ssize_t)sizeof u && u != 0)
        return u;
    /* no entropy yet (early boot): time and address, unique in practice */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    u = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    u ^= (uint64_t)(uintptr_t)s << 16;
    return u | 1u;
}

se05x_rc se05x_fail(se05x_session *s, se05x_rc rc, uint16_t sw, se05x_objid id, const char *fmt, ...)
{
    struct se05x_error e;
    va_list ap;
    va_start(ap, fmt);
    se05x_err_vset(&e, rc, sw, id, fmt, ap);
    va_end(ap);
    if (s)
        set_last(s, &e);
    else
        se05x_log(SE05X_LOG_DEBUG, "lib", "%s", e.msg);
    return rc;
}

void se05x_last_error(const se05x_session *s, struct se05x_error *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (!s) {
        out->rc = SE05X_E_BAD_ARG;
        snprintf(out->msg, sizeof out->msg, "no session");
        return;
    }
    const struct err_slot *sl = err_find(s);
    if (sl)
        *out = sl->e;
}

const char *se05x_errmsg(const se05x_session *s)
{
    /* Points into the calling thread's own storage: no other thread writes
     * it; valid until this thread's next call into libse05x. */
    if (!s)
        return "no session";
    const struct err_slot *sl = err_find(s);
    return sl ? sl->e.msg : "";
}
