/* SPDX-License-Identifier: Apache-2.0 */
/* Drives the session core against a running emulator (sim_session.sh):
 * open via EX_SSS_BOOT_SSS_PORT, raw exchange, the NOT_FOUND refinement
 * costing exactly one extra APDU, two sessions at once, one session shared
 * by threads, trace redaction of a real key write, and the raw T=1 form.
 * Usage: core_sim_client HOST PORT LOGFILE. Prints "FAIL: ..." and exits 1. */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CHECK(cond, ...)                                                                     \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "FAIL (%s:%d): ", __FILE__, __LINE__);                           \
            fprintf(stderr, __VA_ARGS__);                                                    \
            fprintf(stderr, "\n");                                                           \
            exit(1);                                                                         \
        }                                                                                    \
    } while (0)

static uint64_t apdus(se05x_session *s)
{
    struct se05x_stats st;
    se05x_get_stats(s, &st);
    return st.apdus;
}

static se05x_rc get_random(se05x_session *s, uint8_t *out, size_t n)
{
    uint8_t d[4] = {0x41, 0x02, 0x00, (uint8_t)n}, r[300];
    size_t rl = 0;
    struct se05x_apdu a = {0x80, 0x04, 0x00, 0x49, d, sizeof d, true};
    se05x_rc rc = se05x_cmd(s, "GetRandom", 0, &a, r, sizeof r, &rl);
    if (rc == SE05X_OK && out)
        memcpy(out, r + rl - n, n);
    return rc;
}

/* Failure detail is per thread: a worker copies its own before returning. */
struct held {
    se05x_session *s;
    atomic_int done;
    char msg[SE05X_ERRMSG_MAX];
};

static void *blocked_client(void *arg)
{
    struct held *h = arg;
    se05x_rc rc = get_random(h->s, NULL, 8);
    if (rc != SE05X_OK)
        snprintf(h->msg, sizeof h->msg, "%s", se05x_errmsg(h->s));
    atomic_store(&h->done, rc == SE05X_OK ? 1 : -1);
    return NULL;
}

static void *worker(void *arg)
{
    struct held *h = arg;
    for (int i = 0; i < 50; i++)
        if (get_random(h->s, NULL, 16) != SE05X_OK) {
            snprintf(h->msg, sizeof h->msg, "%s", se05x_errmsg(h->s));
            return (void *)1;
        }
    return NULL;
}

int main(int argc, char **argv)
{
    CHECK(argc == 4, "usage: core_sim_client HOST PORT LOGFILE");
    char conn[300];
    snprintf(conn, sizeof conn, "%s:%s", argv[1], argv[2]);
    se05x_session *s = NULL, *s2 = NULL;
    struct se05x_error e = {0};

    /* 1. open through the environment (EX_SSS_BOOT_SSS_PORT set by the script) */
    CHECK(se05x_open(NULL, NULL, &s, &e) == SE05X_OK, "open: %s", e.msg);
    CHECK(!strcmp(se05x_conn(s), conn), "conn %s", se05x_conn(s));
    const struct se05x_applet_info ai_v = *se05x_applet(s), *ai = &ai_v; /* s is closed later */
    CHECK(ai->major >= 3, "applet %u", ai->major);
    uint8_t atr[64];
    size_t atrlen = se05x_atr(s, atr, sizeof atr);
    printf("applet %u.%u.%u config %04X, ATR %zu bytes\n", ai->major, ai->minor, ai->patch,
           ai->config, atrlen);

    /* 2. raw exchange: GetVersion repeats the SELECT answer */
    uint8_t r[300];
    size_t rl = 0;
    CHECK(se05x_transceive(s, (const uint8_t *)"\x80\x04\x00\x20\x00", 5, r, sizeof r, &rl) == SE05X_OK,
          "GetVersion: %s", se05x_errmsg(s));
    CHECK(rl >= 2 && r[rl - 2] == 0x90 && r[rl - 1] == 0x00, "GetVersion SW");
    CHECK(rl >= 9 && r[rl - 9] == ai->major && r[rl - 8] == ai->minor, "GetVersion body");

    /* 3. success costs one APDU; a missing object costs exactly one more */
    uint64_t n0 = apdus(s);
    uint8_t rnd[32];
    CHECK(get_random(s, rnd, sizeof rnd) == SE05X_OK, "GetRandom: %s", se05x_errmsg(s));
    CHECK(apdus(s) == n0 + 1, "GetRandom took %llu APDUs", (unsigned long long)(apdus(s) - n0));
    const se05x_objid missing = 0x7E0000AA;
    uint8_t d[43] = {0x41, 0x04, 0x7E, 0x00, 0x00, 0xAA, 0x42, 0x01, 0x21, 0x43, 0x20};
    struct se05x_apdu sign = {0x80, 0x03, 0x0C, 0x09, d, sizeof d, false};
    n0 = apdus(s);
    se05x_rc rc = se05x_cmd(s, "ECDSASign", missing, &sign, r, sizeof r, &rl);
    char exp[400];
    snprintf(exp, sizeof exp, "object 0x7E0000AA not found on %s", conn);
    CHECK(rc == SE05X_E_NOT_FOUND, "sign of a missing object: rc %d (%s)", rc, se05x_errmsg(s));
    CHECK(strstr(se05x_errmsg(s), exp), "message: %s", se05x_errmsg(s));
    CHECK(apdus(s) == n0 + 2, "missing object took %llu APDUs", (unsigned long long)(apdus(s) - n0));
    printf("missing object: %s\n", se05x_errmsg(s));

    /* 4. two sessions at once, interleaved */
    CHECK(se05x_open(conn, NULL, &s2, &e) == SE05X_OK, "second open: %s", e.msg);
    for (int i = 0; i < 5; i++) {
        CHECK(get_random(s, NULL, 8) == SE05X_OK, "s1: %s", se05x_errmsg(s));
        CHECK(get_random(s2, NULL, 8) == SE05X_OK, "s2: %s", se05x_errmsg(s2));
    }
    /* a transaction of one client holds the other off (JRCP LOCK) */
    CHECK(se05x_txn_begin(s) == SE05X_OK, "txn: %s", se05x_errmsg(s));
    CHECK(get_random(s, NULL, 8) == SE05X_OK, "in txn: %s", se05x_errmsg(s));
    struct held h = {.s = s2};
    pthread_t bt;
    pthread_create(&bt, NULL, blocked_client, &h);
    struct timespec pause = {0, 300 * 1000 * 1000};
    nanosleep(&pause, NULL);
    int during = atomic_load(&h.done);
    CHECK(get_random(s, NULL, 8) == SE05X_OK, "in txn: %s", se05x_errmsg(s));
    se05x_txn_end(s);
    pthread_join(bt, NULL);
    CHECK(during == 0, "the other client was not held off during the transaction");
    CHECK(atomic_load(&h.done) == 1, "the other client failed: %s", h.msg);

    struct se05x_error e1, e2;
    se05x_last_error(s, &e1);
    se05x_last_error(s2, &e2);
    CHECK(e1.rc == SE05X_E_NOT_FOUND && e2.rc == SE05X_OK, "last errors not independent");
    se05x_close(s2);

    /* 5. one session shared by threads */
    pthread_t th[4];
    struct held wk[4];
    for (int i = 0; i < 4; i++) {
        wk[i] = (struct held){.s = s};
        pthread_create(&th[i], NULL, worker, &wk[i]);
    }
    for (int i = 0; i < 4; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        CHECK(ret == NULL, "thread %d failed: %s", i, wk[i].msg);
    }

    /* 6. trace redaction of a real AES key write and of random bytes */
    setenv("SE05X_LOG_FILE", argv[3], 1);
    setenv("SE05X_LOG", "trace", 1);
    uint8_t w[] = {0x41, 0x04, 0x7E, 0x00, 0x00, 0xAB, 0x43, 0x10, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB,
                   0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB};
    struct se05x_apdu wr = {0x80, 0x01, 0x03, 0x00, w, sizeof w, false};
    rc = se05x_cmd(s, "WriteSymmKey", 0x7E0000AB, &wr, NULL, 0, NULL);
    CHECK(rc == SE05X_OK, "WriteSymmKey: %s", se05x_errmsg(s));
    CHECK(get_random(s, rnd, 16) == SE05X_OK, "GetRandom: %s", se05x_errmsg(s));
    uint8_t del[] = {0x41, 0x04, 0x7E, 0x00, 0x00, 0xAB};
    struct se05x_apdu da = {0x80, 0x04, 0x00, 0x28, del, sizeof del, false};
    CHECK(se05x_cmd(s, "DeleteSecureObject", 0x7E0000AB, &da, NULL, 0, NULL) == SE05X_OK, "delete: %s",
          se05x_errmsg(s));
    unsetenv("SE05X_LOG");
    unsetenv("SE05X_LOG_FILE");
    se05x_close(s);

    /* 7. the raw T=1 form on the same port, when the T=1 link is built in */
    char t1[320];
    snprintf(t1, sizeof t1, "t1:%s", conn);
    rc = se05x_open(t1, NULL, &s, &e);
    if (rc == SE05X_E_UNSUPPORTED && !strstr(e.msg, "applet")) {
        printf("t1: skipped (%s)\n", e.msg);
    } else {
        CHECK(rc == SE05X_OK, "t1 open: %s", e.msg);
        CHECK(se05x_applet(s)->major == ai->major, "t1 applet");
        CHECK(get_random(s, rnd, 32) == SE05X_OK, "t1 GetRandom: %s", se05x_errmsg(s));
        struct se05x_stats st;
        se05x_get_stats(s, &st);
        CHECK(st.frames >= 2, "t1 frames %llu", (unsigned long long)st.frames);
        printf("t1: ok, %llu frames for %llu APDUs\n", (unsigned long long)st.frames,
               (unsigned long long)st.apdus);
        se05x_close(s);
    }
    printf("ok\n");
    return 0;
}
