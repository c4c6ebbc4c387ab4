/* SPDX-License-Identifier: Apache-2.0 */
/* RAND from the chip's GetRandom. Offered only when asked for: under the
 * name SE05X-RAND always (select it with the [random] config section,
 * docs/provider.md), and also as CTR-DRBG when the provider's config section
 * says "rand = yes" (NXP provider behaviour). Loading the provider never
 * redirects the process's randomness by itself. */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include "sxp.h"

typedef struct {
    SXP_PROV *p;
    int state;
} SXP_RAND;

static void *rand_newctx(void *provctx, void *parent, const OSSL_DISPATCH *parent_calls)
{
    SXP_RAND *c = OPENSSL_zalloc(sizeof(*c));
    (void)parent;
    (void)parent_calls;
    if (c != NULL) {
        c->p = provctx;
        c->state = EVP_RAND_STATE_UNINITIALISED;
    }
    return c;
}

static void rand_freectx(void *ctx)
{
    OPENSSL_free(ctx);
}

static int rand_instantiate(void *ctx, unsigned int strength, int pr, const unsigned char *pstr,
                            size_t pstr_len, const OSSL_PARAM params[])
{
    SXP_RAND *c = ctx;
    (void)strength;
    (void)pr;
    (void)pstr;
    (void)pstr_len;
    (void)params;
    c->state = EVP_RAND_STATE_READY; /* the chip is opened on the first generate */
    return 1;
}

static int rand_uninstantiate(void *ctx)
{
    ((SXP_RAND *)ctx)->state = EVP_RAND_STATE_UNINITIALISED;
    return 1;
}

static int rand_generate(void *ctx, unsigned char *out, size_t outlen, unsigned int strength,
                         int pr, const unsigned char *adin, size_t adinlen)
{
    SXP_RAND *c = ctx;
    se05x_session *s;
    se05x_rc rc;
    (void)strength;
    (void)pr;
    (void)adin;
    (void)adinlen;
    for (int attempt = 0;; attempt++) {
        if ((s = sxp_session(c->p, NULL)) == NULL)
            return 0;
        rc = se05x_get_random(s, out, outlen);
        if (!sxp_session_end(c->p, s, rc, attempt, "GetRandom", 0))
            break;
    }
    return rc == SE05X_OK;
}

static int rand_reseed(void *ctx, int pr, const unsigned char *ent, size_t entlen,
                       const unsigned char *adin, size_t adinlen)
{
    (void)ctx;
    (void)pr;
    (void)ent;
    (void)entlen;
    (void)adin;
    (void)adinlen;
    return 1;
}

/* The session serialises its own exchanges: no extra lock needed. */
static int rand_enable_locking(void *ctx) { (void)ctx; return 1; }
static int rand_lock(void *ctx) { (void)ctx; return 1; }
static void rand_unlock(void *ctx) { (void)ctx; }

static int rand_get_ctx_params(void *ctx, OSSL_PARAM params[])
{
    SXP_RAND *c = ctx;
    OSSL_PARAM *q;
    if ((q = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STATE)) != NULL
        && !OSSL_PARAM_set_int(q, c->state))
        return 0;
    if ((q = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STRENGTH)) != NULL
        && !OSSL_PARAM_set_uint(q, 256))
        return 0;
    if ((q = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_MAX_REQUEST)) != NULL
        && !OSSL_PARAM_set_size_t(q, 1 << 16))
        return 0;
    return 1;
}

static const OSSL_PARAM *rand_gettable_ctx_params(void *ctx, void *provctx)
{
    static const OSSL_PARAM t[] = {
        OSSL_PARAM_int(OSSL_RAND_PARAM_STATE, NULL),
        OSSL_PARAM_uint(OSSL_RAND_PARAM_STRENGTH, NULL),
        OSSL_PARAM_size_t(OSSL_RAND_PARAM_MAX_REQUEST, NULL),
        OSSL_PARAM_END
    };
    (void)ctx;
    (void)provctx;
    return t;
}

/* DRBG parameters the core sets for CTR-DRBG (cipher, reseed counters):
 * meaningless for a hardware source, accepted and ignored. */
static int rand_set_ctx_params(void *ctx, const OSSL_PARAM params[])
{
    (void)ctx;
    (void)params;
    return 1;
}

static const OSSL_PARAM *rand_settable_ctx_params(void *ctx, void *provctx)
{
    static const OSSL_PARAM t[] = {
        OSSL_PARAM_utf8_string(OSSL_DRBG_PARAM_CIPHER, NULL, 0),
        OSSL_PARAM_uint(OSSL_DRBG_PARAM_RESEED_REQUESTS, NULL),
        OSSL_PARAM_uint64(OSSL_DRBG_PARAM_RESEED_TIME_INTERVAL, NULL),
        OSSL_PARAM_END
    };
    (void)ctx;
    (void)provctx;
    return t;
}

const OSSL_DISPATCH sxp_rand_functions[] = {
    { OSSL_FUNC_RAND_NEWCTX, (void (*)(void))rand_newctx },
    { OSSL_FUNC_RAND_FREECTX, (void (*)(void))rand_freectx },
    { OSSL_FUNC_RAND_INSTANTIATE, (void (*)(void))rand_instantiate },
    { OSSL_FUNC_RAND_UNINSTANTIATE, (void (*)(void))rand_uninstantiate },
    { OSSL_FUNC_RAND_GENERATE, (void (*)(void))rand_generate },
    { OSSL_FUNC_RAND_RESEED, (void (*)(void))rand_reseed },
    { OSSL_FUNC_RAND_ENABLE_LOCKING, (void (*)(void))rand_enable_locking },
    { OSSL_FUNC_RAND_LOCK, (void (*)(void))rand_lock },
    { OSSL_FUNC_RAND_UNLOCK, (void (*)(void))rand_unlock },
    { OSSL_FUNC_RAND_GET_CTX_PARAMS, (void (*)(void))rand_get_ctx_params },
    { OSSL_FUNC_RAND_GETTABLE_CTX_PARAMS, (void (*)(void))rand_gettable_ctx_params },
    { OSSL_FUNC_RAND_SET_CTX_PARAMS, (void (*)(void))rand_set_ctx_params },
    { OSSL_FUNC_RAND_SETTABLE_CTX_PARAMS, (void (*)(void))rand_settable_ctx_params },
    { 0, NULL }
};
