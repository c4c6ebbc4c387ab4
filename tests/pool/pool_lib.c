/* SPDX-License-Identifier: Apache-2.0 */
/* The session pool's own rules, against the emulator (pool_lib.sh):
 * lazy creation, sharing, retirement after a link failure (closed only when
 * its last user is done), idle close (explicit and bounded), fork (the child
 * opens its own; the parent's session keeps working), sized structs.
 * usage: pool_lib BAD_CONN   (EX_SSS_BOOT_SSS_PORT: the emulator) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <se05x/se05x.h>

static int g_fail;
#include "../helpers/check.h" /* CHECK: counts into g_fail */

static struct se05x_pool_stats stats(se05x_pool *p)
{
    struct se05x_pool_stats st = {.size = sizeof st};
    se05x_pool_get_stats(p, &st);
    return st;
}

static int works(se05x_session *s)
{
    uint8_t r[8];
    return se05x_get_random(s, r, sizeof r) == SE05X_OK;
}

static void spin_ms(int ms) /* lets the monotonic clock pass ms (no sleep of a guessed length) */
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    do
        clock_gettime(CLOCK_MONOTONIC, &b);
    while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 <= ms);
}

int main(int argc, char **argv)
{
    se05x_pool *p = NULL;
    se05x_session *a = NULL, *b = NULL, *c = NULL;
    struct se05x_error err = {0};
    if (argc != 2)
        return 2;

    /* sized options: a wrong size is refused */
    struct se05x_pool_opts bad = {.size = 3};
    CHECK(se05x_pool_new(&bad, &p, &err) == SE05X_E_BAD_ARG && p == NULL, "opts.size 3 accepted");

    /* lazy: creating touches nothing; a dead connection fails only at get */
    CHECK(se05x_pool_new(NULL, &p, &err) == SE05X_OK, "pool_new: %s", err.msg);
    CHECK(stats(p).opens == 0 && stats(p).open_now == 0, "pool_new opened something");
    CHECK(se05x_pool_get(p, argv[1], &a, &err) != SE05X_OK && a == NULL, "get on a dead port succeeded");
    CHECK(err.msg[0] != '\0', "no failure detail for the dead port");
    CHECK(stats(p).open_failures == 1, "open failure not counted");

    /* sharing: two gets, one session */
    CHECK(se05x_pool_get(p, NULL, &a, &err) == SE05X_OK, "get: %s", err.msg);
    CHECK(se05x_pool_get(p, "", &b, &err) == SE05X_OK && a == b, "a second get opened another session");
    CHECK(stats(p).opens == 1 && stats(p).open_now == 1, "opens %llu", (unsigned long long)stats(p).opens);

    /* retirement: a link failure reported by one user; the other still uses it */
    se05x_pool_put(p, a, SE05X_E_LINK);
    CHECK(stats(p).retired == 1, "not retired");
    CHECK(works(b), "the retired session was closed under its other user");
    CHECK(se05x_pool_get(p, NULL, &c, &err) == SE05X_OK && works(c), "no fresh session after retirement");
    CHECK(stats(p).opens == 2 && stats(p).open_now == 2, "expected the fresh and the retired one open");
    se05x_pool_put(p, b, SE05X_OK); /* last user of the retired session: closed now */
    CHECK(stats(p).open_now == 1, "retired session not closed by its last put");
    se05x_pool_put(p, c, SE05X_OK);
    CHECK(se05x_pool_retry(SE05X_E_TIMEOUT, 0) && !se05x_pool_retry(SE05X_E_TIMEOUT, 1) &&
              !se05x_pool_retry(SE05X_E_NOT_FOUND, 0),
          "retry rule");

    /* explicit idle close, then reopen on demand */
    se05x_pool_close_idle(p);
    CHECK(stats(p).open_now == 0 && stats(p).idle_closed == 1, "close_idle left a session open");
    CHECK(se05x_pool_get(p, NULL, &a, &err) == SE05X_OK && works(a), "reopen after close_idle");
    se05x_pool_close_idle(p); /* in use: stays */
    CHECK(stats(p).open_now == 1, "close_idle closed a session in use");

    /* fork: the child opens its own session; the parent's keeps working */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        se05x_session *x = NULL;
        int bad2 = se05x_pool_get(p, NULL, &x, &err) != SE05X_OK || x == a || !works(x);
        struct se05x_pool_stats st = stats(p);
        bad2 |= st.forks_seen != 1 || st.opens != 1;
        se05x_pool_put(p, a, SE05X_E_LINK); /* the parent's session, handed back here: ignored */
        se05x_pool_put(p, x, SE05X_OK);
        se05x_pool_free(p); /* closes the child's own only */
        _exit(bad2);
    }
    int wst = 0;
    CHECK(waitpid(pid, &wst, 0) == pid && WIFEXITED(wst) && WEXITSTATUS(wst) == 0, "child failed");
    CHECK(works(a), "the parent's session broke after the child");
    se05x_pool_put(p, a, SE05X_OK);
    se05x_pool_free(p);

    /* bounded idle close */
    struct se05x_pool_opts o = {.size = sizeof o, .idle_close_ms = 5, .name = "pool_lib"};
    CHECK(se05x_pool_new(&o, &p, &err) == SE05X_OK, "pool_new idle: %s", err.msg);
    CHECK(se05x_pool_get(p, NULL, &a, &err) == SE05X_OK, "get: %s", err.msg);
    se05x_pool_put(p, a, SE05X_OK);
    spin_ms(10);
    CHECK(se05x_pool_get(p, NULL, &b, &err) == SE05X_OK && works(b), "get after idle: %s", err.msg);
    CHECK(stats(p).idle_closed == 1 && stats(p).opens == 2, "idle session not closed and reopened");
    se05x_pool_put(p, b, SE05X_OK);
    se05x_pool_free(p);

    printf("%s\n", g_fail ? "pool_lib: FAILED" : "pool_lib: all good");
    return g_fail ? 1 : 0;
}
