/* SPDX-License-Identifier: Apache-2.0 */
/* Failure detail belongs to the thread that failed (issue 14): eight
 * threads share one session, each fails on its own object id, yields, then
 * reads se05x_last_error() / se05x_errmsg(); every read must name its own
 * object. Also: a thread that never failed sees no detail, a closed and
 * reopened session (often at the same address) starts without detail, and
 * a thread keeps the detail of several sessions apart. Runs under TSan
 * too (SE05X_TSAN=ON). */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "mock_link.h"
#include "session_priv.h"

#define NTHREADS 8
#define ITERS 500

static se05x_session *open_mock(struct mock_link *m)
{
    se05x_session *s = NULL;
    struct se05x_error e = {0};
    if (se05x_session_from_link(&m->base, "mock:1", false, &s, &e) != SE05X_OK)
        fail_msg("open failed: %s", e.msg);
    return s;
}

/* ReadObject of `id`; the mock answers 6A88 (referenced data not found). */
static se05x_rc read_missing(se05x_session *s, se05x_objid id)
{
    uint8_t d[6] = {0x41, 0x04, (uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8),
                    (uint8_t)id};
    struct se05x_apdu a = {0x80, 0x02, 0x00, 0x00, d, sizeof d, false};
    uint8_t r[64];
    size_t rl = 0;
    return se05x_cmd(s, "ReadObject", id, &a, r, sizeof r, &rl);
}

struct worker {
    se05x_session *s;
    se05x_objid id;
    atomic_int *go;
    int reads, misattributed, wrong_rc, wrong_id, wrong_msg, wrong_errmsg;
    char example[SE05X_ERRMSG_MAX];
};

static void *work(void *arg)
{
    struct worker *w = arg;
    char idhex[16];
    snprintf(idhex, sizeof idhex, "0x%08X", (unsigned)w->id);
    while (!atomic_load(w->go))
        sched_yield();
    for (int i = 0; i < ITERS; i++) {
        se05x_rc rc = read_missing(w->s, w->id);
        sched_yield(); /* let the others fail in between */
        struct se05x_error e;
        se05x_last_error(w->s, &e);
        w->reads++;
        int before = w->wrong_rc + w->wrong_id + w->wrong_msg + w->wrong_errmsg;
        if (rc == SE05X_OK || e.rc != rc)
            w->wrong_rc++;
        if (e.objid != w->id)
            w->wrong_id++;
        if (strstr(e.msg, idhex) == NULL) {
            if (w->wrong_msg++ == 0)
                snprintf(w->example, sizeof w->example, "%s", e.msg);
        }
        sched_yield();
        if (strstr(se05x_errmsg(w->s), idhex) == NULL)
            w->wrong_errmsg++;
        if (w->wrong_rc + w->wrong_id + w->wrong_msg + w->wrong_errmsg != before)
            w->misattributed++;
    }
    return NULL;
}

static void eight_threads_own_detail(void **st)
{
    (void)st;
    struct mock_link *m = mock_new();
    m->default_sw = 0x6A88;
    se05x_session *s = open_mock(m);
    atomic_int go = 0;
    pthread_t th[NTHREADS];
    struct worker w[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        w[i] = (struct worker){.s = s, .id = 0x7E000000u + (se05x_objid)i, .go = &go};
        assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
    }
    atomic_store(&go, 1);
    int reads = 0, bad = 0;
    for (int i = 0; i < NTHREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        reads += w[i].reads;
        int b = w[i].misattributed;
        if (b)
            print_message("thread %d (0x%08X): rc %d, id %d, msg %d, errmsg %d wrong of %d; "
                          "e.g. \"%s\"\n",
                          i, (unsigned)w[i].id, w[i].wrong_rc, w[i].wrong_id, w[i].wrong_msg,
                          w[i].wrong_errmsg, w[i].reads, w[i].example);
        bad += b;
    }
    print_message("%d reads by %d threads, %d misattributed\n", reads, NTHREADS, bad);
    assert_int_equal(reads, NTHREADS * ITERS);
    assert_int_equal(bad, 0);
    assert_int_equal(atomic_load(&m->overlap), 0);
    se05x_close(s);
}

struct quiet {
    se05x_session *s;
    atomic_int *go;
    int nonempty;
};

static void *quiet_reader(void *arg)
{
    struct quiet *q = arg;
    while (!atomic_load(q->go))
        sched_yield();
    for (int i = 0; i < 2000; i++) {
        struct se05x_error e;
        se05x_last_error(q->s, &e);
        if (e.rc != SE05X_OK || e.msg[0] || se05x_errmsg(q->s)[0])
            q->nonempty++;
        sched_yield();
    }
    return NULL;
}

/* A thread that never failed reads no detail while another thread fails. */
static void reader_without_failure_sees_none(void **st)
{
    (void)st;
    struct mock_link *m = mock_new();
    m->default_sw = 0x6A88;
    se05x_session *s = open_mock(m);
    atomic_int go = 0;
    struct quiet q = {s, &go, 0};
    struct worker w = {.s = s, .id = 0x7E000010u, .go = &go};
    pthread_t tq, tw;
    assert_int_equal(pthread_create(&tq, NULL, quiet_reader, &q), 0);
    assert_int_equal(pthread_create(&tw, NULL, work, &w), 0);
    atomic_store(&go, 1);
    pthread_join(tq, NULL);
    pthread_join(tw, NULL);
    assert_int_equal(q.nonempty, 0);
    assert_int_equal(w.misattributed, 0);
    se05x_close(s);
}

struct reopen {
    se05x_session *s; /* the failing session, then its replacement */
    pthread_barrier_t b;
    int stale;
};

static void *fail_then_read(void *arg)
{
    struct reopen *r = arg;
    if (read_missing(r->s, 0x7E000020u) == SE05X_OK)
        r->stale = -1;
    pthread_barrier_wait(&r->b); /* main closes the session and opens another */
    pthread_barrier_wait(&r->b);
    struct se05x_error e;
    se05x_last_error(r->s, &e);
    if (e.rc != SE05X_OK || e.objid != 0 || e.msg[0] || se05x_errmsg(r->s)[0])
        r->stale = 1;
    return NULL;
}

/* A thread fails on a session that another thread then closes and
 * replaces (malloc often hands back the same address): the new session
 * must not show the old session's failure to that thread. */
static void reopened_session_starts_clean(void **st)
{
    (void)st;
    int same_address = 0;
    for (int i = 0; i < 20; i++) {
        struct mock_link *m = mock_new();
        m->default_sw = 0x6A88;
        struct reopen r = {.s = open_mock(m)};
        assert_int_equal(pthread_barrier_init(&r.b, NULL, 2), 0);
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, fail_then_read, &r), 0);
        pthread_barrier_wait(&r.b);
        uintptr_t old = (uintptr_t)r.s;
        se05x_close(r.s);
        r.s = open_mock(mock_new());
        same_address += (uintptr_t)r.s == old;
        pthread_barrier_wait(&r.b);
        assert_int_equal(pthread_join(th, NULL), 0);
        assert_int_equal(r.stale, 0);
        pthread_barrier_destroy(&r.b);
        se05x_close(r.s);
    }
    print_message("reopened at the same address %d of 20 times\n", same_address);
}

/* One thread, several sessions: each keeps its own detail; beyond 8
 * sessions the least recently failed one's detail is dropped (reads as no
 * failure, never as another session's). */
static void one_thread_many_sessions(void **st)
{
    (void)st;
    enum { N = 9 };
    se05x_session *s[N];
    for (int i = 0; i < N; i++) {
        struct mock_link *m = mock_new();
        m->default_sw = 0x6A88;
        s[i] = open_mock(m);
        assert_int_not_equal(read_missing(s[i], 0x7E000030u + (se05x_objid)i), SE05X_OK);
    }
    struct se05x_error e;
    se05x_last_error(s[0], &e); /* the ninth failure reused its slot */
    assert_int_equal(e.rc, SE05X_OK);
    assert_string_equal(se05x_errmsg(s[0]), "");
    for (int i = 1; i < N; i++) {
        se05x_last_error(s[i], &e);
        assert_int_equal(e.objid, 0x7E000030u + (se05x_objid)i);
        assert_int_equal(e.rc, SE05X_E_NOT_FOUND);
        char idhex[16];
        snprintf(idhex, sizeof idhex, "0x%08X", 0x7E000030u + (unsigned)i);
        assert_non_null(strstr(e.msg, idhex));
        assert_non_null(strstr(se05x_errmsg(s[i]), idhex));
    }
    for (int i = 0; i < N; i++)
        se05x_close(s[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(eight_threads_own_detail),
        cmocka_unit_test(reader_without_failure_sees_none),
        cmocka_unit_test(reopened_session_starts_clean),
        cmocka_unit_test(one_thread_many_sessions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
