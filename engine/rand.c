/* SPDX-License-Identifier: Apache-2.0 */
/* RAND_METHOD: random bytes from the chip's TRNG. Used only when the
 * configuration (default_algorithms = ...RAND...) or the application
 * (ENGINE_set_default_RAND, `-engine` on the openssl command line) makes the
 * engine the default RAND.
 *
 * RAND callbacks get no context: the engine is found as the current default
 * RAND engine. When no context is found, or when the chip cannot be opened
 * at all (not present, port unreachable), the bytes come from OpenSSL's own
 * DRBG so that an unreachable chip never breaks every TLS handshake of the
 * device; this is logged at "warn" level (SE05X_LOG=warn). A chip that is open
 * but fails the command is an error. After a failed open, RAND does not try
 * the chip again for RAND_RETRY_S seconds (an absent chip on I2C costs a
 * timeout per attempt; key operations always try). */
#include "e4sss.h"

#define RAND_RETRY_S 5

/* 1 while a recent failed open tells RAND to stay in software. */
static int rand_backoff(struct e4sss_ctx *c, int set)
{
    struct timespec now;
    long long ms, failed;

    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000 + 1; /* never 0 */
    if (set) {
        atomic_store(&c->rand_fail_ms, ms);
        return 0;
    }
    failed = atomic_load(&c->rand_fail_ms);
    return failed != 0 && ms - failed < RAND_RETRY_S * 1000LL;
}

static int sw_bytes(unsigned char *buf, int num)
{
    return RAND_OpenSSL()->bytes(buf, num);
}

static int rand_bytes(unsigned char *buf, int num)
{
    ENGINE *e = ENGINE_get_default_RAND();
    struct e4sss_ctx *c = e4sss_ctx_of_engine(e);
    se05x_session *s;
    se05x_rc rc;
    int r, reentered = 0;

    if (num < 0) {
        ENGINE_finish(e);
        return 0;
    }
    if (c == NULL || rand_backoff(c, 0) || (s = e4sss_session_quiet(c, &reentered)) == NULL) {
        if (c != NULL && !reentered && !rand_backoff(c, 0)) {
            rand_backoff(c, 1);
            se05x_log(SE05X_LOG_WARN, "engine", "RAND: chip not available, using OpenSSL's DRBG");
        }
        ENGINE_finish(e);
        return sw_bytes(buf, num);
    }
    rc = se05x_get_random(s, buf, (size_t)num);
    r = rc == SE05X_OK;
    if (!r)
        e4sss_err_chip(c, s, rc);
    e4sss_session_done(c, s, rc);
    ENGINE_finish(e);
    return r;
}

static int rand_status(void)
{
    return 1;
}

static const RAND_METHOD e4sss_rand = {
    NULL,        /* seed: the chip needs none */
    rand_bytes,
    NULL,        /* cleanup */
    NULL,        /* add */
    rand_bytes,  /* pseudorand */
    rand_status,
};

const RAND_METHOD *e4sss_rand_method(void)
{
    return &e4sss_rand;
}
